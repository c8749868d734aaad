"""params.yaml survives DVC's own `dvc exp run -S` rewrite, and bad values stop with one line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from attendance.errors import InputError
from attendance.settings.params import read_params, validate_params

ROOT = Path(__file__).resolve().parents[1]

# One override per top-level group, as an analyst would type it after `dvc exp run -S`.
OVERRIDES = {
    "dataset": ("dataset.name=real2026", ("dataset", "name"), "real2026"),
    "clean": ("clean.max_stay_hours=10", ("clean", "max_stay_hours"), 10),
    "demand": ("demand.bin_minutes=60", ("demand", "bin_minutes"), 60),
    "staffing": ("staffing.citizens_per_staff=8", ("staffing", "citizens_per_staff"), 8),
    "economy": ("economy.absence_factor=0.2", ("economy", "absence_factor"), 0.2),
    "decision": (
        "decision.sensitivity.demand_change=[-0.3,0.6]",
        ("decision", "sensitivity"),
        {
            "citizens_per_staff": [4, 8],
            "min_staff_on_duty": [1, 2],
            "followup_hours_per_quarter": [1.5, 6],
            "demand_change": [-0.3, 0.6],
            "absence_factor": [0.1, 0.2],
        },
    ),
    "report": ("report.suppress_below=10", ("report", "suppress_below"), 10),
    "spor1": (
        "spor1.goal_followup_hours_per_citizen_per_quarter=4.5",
        ("spor1", "goal_followup_hours_per_citizen_per_quarter"),
        4.5,
    ),
    "spor2": ("spor2.scenarios=[-0.5,0,1.0]", ("spor2", "scenarios"), [-0.5, 0, 1.0]),
    "spor3": ("spor3.workshop_day=[08:30,14:00]", ("spor3", "workshop_day"), ["08:30", "14:00"]),
}


def _dvc_set_param(path: Path, override: str) -> None:
    """Exactly what `dvc exp run -S override` does to params.yaml before it runs anything."""
    from dvc.utils.hydra import apply_overrides

    apply_overrides(str(path), [override])


def test_every_top_level_group_has_an_override_case():
    groups = set(yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8")))
    assert groups == set(OVERRIDES)


@pytest.mark.parametrize("group", sorted(OVERRIDES))
def test_dvc_set_param_round_trip(tmp_path, group):
    path = tmp_path / "params.yaml"
    shutil.copy(ROOT / "params.yaml", path)
    before = read_params(path).plain()
    override, (section, key), expected = OVERRIDES[group]
    _dvc_set_param(path, override)
    text = path.read_text(encoding="utf-8")
    after = read_params(path).plain()
    assert after[section][key] == expected
    after[section][key] = before[section][key]
    assert after == before, "DVC's rewrite changed a value it was not asked to change"
    # the rewrite really does drop quotes (the reason for the time-safe loader), and keeps the comments
    assert "# " in text


def test_clean_strict_defaults_to_false_and_survives_dvc_set(tmp_path):
    path = tmp_path / "params.yaml"
    shutil.copy(ROOT / "params.yaml", path)
    assert read_params(path).clean.strict is False
    _dvc_set_param(path, "clean.strict=true")
    assert read_params(path).clean.strict is True
    data = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    del data["clean"]["strict"]
    assert validate_params(data).clean.strict is False


def test_unquoted_times_are_times_not_sexagesimal_numbers(tmp_path):
    path = tmp_path / "params.yaml"
    text = (ROOT / "params.yaml").read_text(encoding="utf-8").replace('"', "")
    path.write_text(text, encoding="utf-8")
    params = read_params(path)
    assert params.demand.periods["eftermiddag"] == ("12:00", "17:00")
    assert params.spor3.workshop_day == ("09:00", "15:00")


def test_numbers_keep_the_type_they_were_written_with():
    params = read_params(ROOT / "params.yaml").plain()
    assert isinstance(params["staffing"]["citizens_per_staff"], int)
    assert isinstance(params["spor3"]["min_days_per_week"], float)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("demand", "periods", {"formiddag": [720, "12:00"]}), "demand.periods.formiddag.0 = 720"),
        (("demand", "bin_minutes", 7), "demand.bin_minutes = 7"),
        (("staffing", "citizens_per_staff", 0), "staffing.citizens_per_staff = 0"),
        (("spor2", "opening_rule", "average"), "spor2.opening_rule = 'average'"),
        (("spor3", "workshop_day", ["15:00", "09:00"]), "ends (09:00) before it starts (15:00)"),
        (("dataset", "name", "../etc"), "one folder under data/raw/"),
        (("staffing", "citizen_per_staff", 3), "unknown key staffing.citizen_per_staff"),
        (("economy", "absence_factor", 1), "economy.absence_factor = 1"),
        (
            ("decision", "models", [{"key": "a", "name": "A", "default": "drop_in"}] * 2),
            "model key 'a' is used twice",
        ),
        (
            ("decision", "models", [{"key": "a", "name": "A", "default": "værested"}]),
            "decision.models.0.default = 'værested'",
        ),
        (("clean", "strict", "maybe"), "clean.strict = 'maybe'"),
        (("demand", "simulated_days", 100), "demand.simulated_days = 100"),
        (
            ("spor2", "scenarios", [0.0, 1.5]),
            "above demand.simulated_max_scale = 2; set demand.simulated_max_",
        ),
    ],
)
def test_bad_values_give_one_line_naming_the_key(change, expected):
    data = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    section, key, value = change
    data[section][key] = value
    with pytest.raises(InputError) as info:
        validate_params(data)
    line = info.value.one_line()
    assert expected in line
    assert "params.yaml" in line and "fix:" in line and "\n" not in line


def test_missing_section_is_named():
    data = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    del data["spor1"]
    with pytest.raises(InputError, match="spor1 is missing"):
        validate_params(data)


def test_clean_include_hidden_sheets_defaults_to_false_and_must_be_a_boolean(tmp_path):
    path = tmp_path / "params.yaml"
    shutil.copy(ROOT / "params.yaml", path)
    assert read_params(path).clean.include_hidden_sheets is False
    _dvc_set_param(path, "clean.include_hidden_sheets=true")
    assert read_params(path).clean.include_hidden_sheets is True
    data = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    del data["clean"]["include_hidden_sheets"]
    assert validate_params(data).clean.include_hidden_sheets is False
    data["clean"]["include_hidden_sheets"] = "yes"
    with pytest.raises(InputError, match="include_hidden_sheets"):
        validate_params(data)


def test_fill_params_hands_the_notebook_typed_sections(tmp_path):
    """Injected or filled from params.yaml, a section reaches the notebook validated: ints stay ints, fractions
    are floats, times of day "HH:MM" — so no notebook converts with int(...) — and a bad injected value
    stops with one line naming the key."""
    from attendance.settings.config import fill_params

    root = Path(__file__).resolve().parents[1]
    shutil.copy(root / "params.yaml", tmp_path / "params.yaml")
    namespace = {"demand": None, "report": None, "staffing": None}
    used = fill_params(namespace, ["demand", "report", "staffing"], tmp_path / "params.yaml")
    assert isinstance(used["demand"]["bin_minutes"], int) and isinstance(
        used["report"]["suppress_below"], int
    )
    assert isinstance(used["demand"]["interval"], float)
    assert all(
        isinstance(t, str) and len(t) == 5 for pair in used["demand"]["periods"].values() for t in pair
    )
    injected = {"demand": {**used["demand"], "interval": 1, "bin_minutes": "30"}}
    with pytest.raises(InputError, match=r"demand\.interval = 1"):
        fill_params(injected, ["demand"], tmp_path / "params.yaml")
    injected = {"demand": {**used["demand"], "bin_minutes": 7}}  # does not divide the day
    with pytest.raises(InputError, match=r"demand\.bin_minutes"):
        fill_params(injected, ["demand"], tmp_path / "params.yaml")
