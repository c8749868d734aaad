"""The reports' disclosure wiring end to end, without the pipeline: the builders the notebooks call write
build/published/<stage>.json in a scratch project, and `attendance audit-disclosure` (the DVC stage's
command) passes on them — and stops with exit 2 and one line naming the tables when a planted table gives a
suppressed cell away by subtraction (issue 13's "17 med fremmøde" against 15 active).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from attendance.reporting import disclosure as dc
from attendance.reporting import disclosure_tables as dt
from attendance.settings.report_set import recorded_stages
from attendance.tracks import employment as te
from attendance.tracks import overview as ov
from attendance.tracks import referral as tr

ROOT = Path(__file__).resolve().parents[1]
LABELS = {"auc": "AUC", "no17": "No. 17"}
OFFERS = {
    "auc": {"name": "AUC", "approved_places": 30},
    "no17": {"name": "No. 17"},
    "_dataset": {"name": "t", "synthetic": True, "period_start": "2026-03-02", "period_end": "2026-05-24"},
}
STAGES = recorded_stages()


def _usage_bands() -> pd.DataFrame:
    """The demo's shape: AUC 61 referred (15 never came, 1–2: 6, 3–9: 2, 10+: 38) and 6 visitors without a
    referral; No. 17 18 referred (3 never came, 1–2: 3, 10+: 12) and 2 visitors without a referral."""
    visits_of = {"0": 0, "1–2": 1, "3–9": 5, "10+": 20}
    rows = []
    for offer, referred, unreferred in (
        ("auc", {"0": 15, "1–2": 6, "3–9": 2, "10+": 38}, 6),
        ("no17", {"0": 3, "1–2": 3, "3–9": 0, "10+": 12}, 2),
    ):
        for band, n in referred.items():
            rows += [(offer, True, band)] * n
        rows += [(offer, False, "10+")] * unreferred
    frame = pd.DataFrame(rows, columns=["offer_id", "referred", "band"])
    frame["citizen_key"] = [f"c{i}" for i in range(len(frame))]
    frame["visits"] = frame["band"].map(visits_of)
    frame["visits_per_week"] = frame["visits"] / 12.0
    return frame


def _funnel() -> pd.DataFrame:
    """Spor 3's funnel for the same citizens: med fremmøde = active + visitors without a referral."""
    return pd.DataFrame(
        {
            "offer_id": ["auc", "no17"],
            "attended": [52, 17],
            "not_referred": [6, 2],
            "days_ok": [25, 10],
            "weeks_ok": [36, 13],
            "hours_ok": [16, 1],
            "days_weeks_ok": [25, 10],
            "target": [6, 0],
        }
    )


def _headline(bands: pd.DataFrame) -> pd.DataFrame:
    referred = bands[bands["referred"]]
    out = pd.DataFrame(
        {
            "offer_id": ["auc", "no17"],
            "referred": [int((referred["offer_id"] == o).sum()) for o in ("auc", "no17")],
            "active": [
                int(((referred["offer_id"] == o) & (referred["visits"] > 0)).sum()) for o in ("auc", "no17")
            ],
        }
    )
    for column in tr.HEADLINE_COLUMNS[2:]:
        out[column] = 1.0
    return out


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A scratch project whose build/published holds what the four reviewer reports record."""
    monkeypatch.setenv("ATTENDANCE_PROJECT_ROOT", str(tmp_path))
    shutil.copy(ROOT / "params.yaml", tmp_path / "params.yaml")  # report.suppress_below
    shutil.copy(ROOT / "dvc.yaml", tmp_path / "dvc.yaml")  # the report stages (settings.report_set)
    bands = _usage_bands()
    for stage in STAGES:
        dc.begin_stage(stage)
    ov.population_tables(bands, ["auc", "no17"], LABELS, 5, STAGES[0])
    overview = tr.referral_overview(_headline(bands), bands, OFFERS)
    tr.population_tables(bands, overview, LABELS, 5, STAGES[1])
    dt.publish_public_counts(
        STAGES[2], "visiterede_tekst", {"auc": 61, "no17": 18}, {"referred": "ja"}, "V", LABELS
    )
    te.suppressed_funnel(_funnel(), LABELS, 5, STAGES[3])
    return tmp_path


def _audit(project: Path, *extra: str) -> subprocess.CompletedProcess:
    published = project / "build" / "published"
    return subprocess.run(
        [sys.executable, "-m", "attendance", "audit-disclosure", "--published", str(published), *extra],
        capture_output=True,
        text=True,
        timeout=300,
        env={"ATTENDANCE_PROJECT_ROOT": str(project), "PATH": "/usr/bin:/bin"},
    )


def test_the_reports_builders_publish_nothing_computable(project):
    funnel = te.suppressed_funnel(_funnel(), LABELS, 5, STAGES[3])
    assert funnel.loc["no17", "attended"] == "×"  # 17 = 15 active + 2: hidden, the 15 is public
    assert funnel.loc["no17", "not_referred"] == "<5"
    done = _audit(project, "--out", str(project / "build" / "disclosure_audit.json"))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1 and "no suppressed cell can be computed" in lines[0]
    assert (project / "build" / "disclosure_audit.json").is_file()


def test_a_planted_differencing_leak_stops_the_audit_with_one_line_naming_the_tables(project):
    """Spor 3 shows "17 med fremmøde" unsuppressed beside the overview's 15 active (public): the "<5"
    visitors without a referral are 17 − 15 = 2."""
    funnel = dt.funnel_table(_funnel(), LABELS, stage=STAGES[3], table_id="plantet_tragt")
    dc.publish_frame(
        STAGES[3],
        "plantet_tragt",
        funnel.counts[["attended"]],
        population=funnel.population,
        rows=funnel.rows,
        columns={"attended": funnel.columns["attended"]},
        domains=funnel.domains,
        threshold=5,
        root=project,
    )
    report = project / "reports" / "10_fremmoedestatistik.html"
    report.parent.mkdir()
    report.write_text("<html></html>", encoding="utf-8")
    done = _audit(project, "--remove-on-failure", str(report))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    line = lines[0]
    assert "disclosure audit failed" in line
    assert "celle (Besøgende uden visitation, No. 17)" in line and "= 2" in line
    assert f"plantet_tragt ({STAGES[3]})" in line and "visiterede_aktive" in line
    assert not report.exists() and "removed 10_fremmoedestatistik.html" in line


def test_a_citizen_who_came_only_on_closed_days_does_not_contradict_the_funnel(project):
    """Real data: the overview's active citizens count every visit in the period (trips on closed days too),
    spor 3's "med fremmøde" only opening days — 16 against 15 active + 2 unreferred is consistent, not a
    contradiction that would stop the pipeline."""
    funnel = _funnel().assign(attended=[52, 16])
    shown = te.suppressed_funnel(funnel, LABELS, 5, STAGES[3])
    assert shown.loc["auc", "attended"] == 52
    done = _audit(project)
    assert done.returncode == 0, done.stderr


PLANTED_CELL = """
# planted by tests/test_disclosure_wiring.py: spor 3 shows "med fremmøde" without suppression
from attendance.reporting import disclosure_tables as _dt

_plant = _dt.funnel_table(a.funnel, LABELS, stage=STAGE, table_id="plantet_tragt")
dc.publish_frame(
    STAGE,
    "plantet_tragt",
    _plant.counts[["attended"]],
    population=_plant.population,
    rows=_plant.rows,
    columns={"attended": _plant.columns["attended"]},
    domains=_plant.domains,
)
"""


@pytest.mark.slow
def test_dvc_repro_stops_at_the_audit_when_a_report_plants_a_differencing_leak(tmp_path):
    """The whole pipeline on a copy of the project whose spor 3 notebook publishes "17 med fremmøde" beside the
    overview's 15 active: `dvc repro` fails at audit_disclosure with one line naming the tables, and the
    reviewer reports are deleted."""
    import json

    from project_copy import copy_project, run

    project = copy_project(tmp_path / "project")
    path = project / "notebooks" / "13_spor3_beskyttet_beskaeftigelse.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    setup = next(c for c in notebook["cells"] if "funnel_shown = protected.funnel" in "".join(c["source"]))
    setup["source"] = "".join(setup["source"]) + PLANTED_CELL
    path.write_text(json.dumps(notebook, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    done = run([str(Path(sys.executable).parent / "dvc"), "repro"], project, check=False)
    assert done.returncode != 0
    output = done.stdout + done.stderr
    failures = [line for line in output.splitlines() if "disclosure audit failed" in line]
    assert len(failures) == 1, output[-3000:]
    assert "celle (Besøgende uden visitation, No. 17)" in failures[0] and "= 2" in failures[0]
    assert "plantet_tragt (13_spor3_beskyttet_beskaeftigelse)" in failures[0]
    assert "visiterede_aktive" in failures[0]
    for stem in STAGES:
        assert not (project / "reports" / f"{stem}.html").exists(), f"{stem}.html was not removed"
    assert not (project / "build" / "disclosure_audit.json").exists()


SPOR3 = {
    "min_days_per_week": 2.0,
    "min_weeks_active_share": 0.6,
    "min_daytime_hours": 3.0,
    "sensitivity_days_per_week": [1.0, 1.5, 2.0, 2.5, 3.0],
    "sensitivity_weeks_active_share": [0.4, 0.6, 0.8],
}


def _regularity() -> pd.DataFrame:
    """Spor 3's citizens with opening-day visits, shaped like the demo: AUC 52 and No. 17 17 (= the project
    fixture's active + visitors without a referral), few of them regular, so neighbouring thresholds differ by
    one or two citizens."""
    rows = []
    auc = [(3.2, 0.9, 3.5)] * 0 + [(2.0, 0.9, 3.2)] * 6 + [(1.6, 0.7, 3.1)] * 1 + [(1.2, 0.5, 3.4)] * 3
    auc += [(2.2, 0.8, 2.5)] * 19 + [(0.5, 0.3, 1.0)] * 23
    no17 = [(2.1, 0.7, 2.2)] * 10 + [(1.2, 0.65, 2.0)] * 3 + [(0.4, 0.2, 1.0)] * 4
    for offer, people in (("auc", auc), ("no17", no17)):
        for k, (days, share, hours) in enumerate(people):
            rows.append(
                {
                    "offer_id": offer,
                    "citizen_key": f"{offer}{k}",
                    "days_per_week": days,
                    "weeks_active_share": share,
                    "daytime_hours_mean": hours,
                }
            )
    return pd.DataFrame(rows)


def _spor3_tables():
    regularity = _regularity()
    funnel = te.criteria_funnel(regularity, SPOR3, OFFERS)
    sensitivity = te.sensitivity_table(
        regularity, SPOR3["sensitivity_days_per_week"], SPOR3["sensitivity_weeks_active_share"], 3.0, OFFERS
    )
    hours = te.hours_sensitivity(regularity, SPOR3, OFFERS)
    return funnel, sensitivity, hours


def test_spor3_nested_threshold_tables_are_protected_together_and_pass_the_audit(project):
    funnel, sensitivity, hours = _spor3_tables()
    assert funnel.set_index("offer_id").loc["no17", ["weeks_ok", "days_weeks_ok"]].tolist() == [13, 10]
    shown = te.protected_tables(funnel, sensitivity, hours, SPOR3, LABELS, 5, STAGES[3])
    # 13 meet the weeks criterion, 10 days and weeks: the 3 between them must not be computable
    assert dc.HIDDEN in shown.funnel.loc["no17", ["weeks_ok", "days_weeks_ok"]].tolist()
    values = shown.sensitivity.drop(columns=["Tilbud", "Dage pr. uge (mindst)"]).to_numpy().ravel().tolist()
    assert any(str(v).startswith("≈") for v in values)
    assert shown.sensitivity.attrs["suppression"]["rounding"] == 5
    done = _audit(project)
    assert done.returncode == 0, done.stderr
    record = json.loads((project / "build" / "published" / f"{STAGES[3]}.json").read_text(encoding="utf-8"))
    assert {t["table"] for t in record["tables"]} == {"tragt", "foelsomhed", "foelsomhed_timer"}


def test_spor3_sensitivity_published_exactly_is_caught_as_differencing(project):
    """Before this fix: the grid was suppressed on its own ("<5" only) and its neighbouring cells gave
    small groups away (the demo's 7 at >= 1,5 days against 6 at >= 2,0)."""
    funnel, sensitivity, hours = _spor3_tables()
    te.protected_tables(funnel, sensitivity, hours, SPOR3, LABELS, 5, STAGES[3])
    bands = dt.CriteriaBands.of(
        SPOR3, SPOR3["sensitivity_days_per_week"], SPOR3["sensitivity_weeks_active_share"]
    )
    attended = {dc.VISITS: list(dc.CAME), te.OPENING_DAY: "ja"}
    frame = te.sensitivity_display(sensitivity, LABELS, 5)
    columns = [c for c in frame.columns if c.endswith("af ugerne")]
    spec = dt.sensitivity_table(sensitivity, bands, attended, frame, columns, table_id="plantet_foelsomhed")
    dc.publish_frame(
        STAGES[3],
        "plantet_foelsomhed",
        frame,
        population=dc.POPULATION,
        rows=spec.rows,
        columns=spec.columns,
        fixed=spec.fixed,
        domains={**spec.domains, te.OPENING_DAY: list(dc.YES_NO)},
    )
    done = _audit(project)
    assert done.returncode == 2, done.stdout
    line = done.stderr.strip().splitlines()[-1]
    assert "disclosure audit failed: en gruppe borgere kan beregnes ved differens" in line
    assert "plantet_foelsomhed (13_spor3_beskyttet_beskaeftigelse)" in line


def test_spor3_plans_show_the_group_sizes_as_the_protected_tables_do(project):
    funnel, sensitivity, hours = _spor3_tables()
    shown = te.protected_tables(funnel, sensitivity, hours, SPOR3, LABELS, 5, STAGES[3])
    plans = pd.DataFrame(
        {
            "offer_id": ["auc"] * 3 + ["no17"] * 3,
            "definition": ["strict", "chosen", "loose"] * 2,
            "citizens": [0, 6, 10, 0, 0, 3],
            "places": [0, 5, 7, 0, 0, 2],
            "supervisors_max": [0, 1, 2, 0, 0, 1],
            "staff_hours_week": [0.0, 30.0, 36.0, 0.0, 0.0, 12.0],
            "fte": [0.0, 0.8, 1.0, 0.0, 0.0, 0.3],
            "cost_dkk": [0.0, 3.9e5, 4.7e5, 0.0, 0.0, 1.5e5],
            "staff_hours_week_fixed": [0.0, 30.0, 60.0, 0.0, 0.0, 30.0],
            "cost_dkk_fixed": [0.0, 3.9e5, 7.8e5, 0.0, 0.0, 3.9e5],
        }
    )
    table = te.plans_display(plans, LABELS, 5, "capacity", shown)
    corners = shown.bracket.set_index("offer_id")
    sizes = table["Borgere i målgruppen"].tolist()
    assert sizes == [0, 6, "≈10", 0, 0, 0]  # the plans' own 10 and 3 are not shown: the grid's view is
    assert sizes[0] == corners.at["auc", "lower"] and sizes[2] == corners.at["auc", "upper"]
    assert sizes[1] == shown.funnel.at["auc", "target"]
    for size, places in zip(sizes, table["Pladser"], strict=True):
        if size in ("<5", dc.HIDDEN):
            assert places == dc.HIDDEN  # places would tell how few
    few = te.ProtectedTables(
        shown.funnel, shown.sensitivity, shown.hours, shown.bracket.assign(upper=["<5", 0]), 5
    )
    table = te.plans_display(plans, LABELS, 5, "economy", few)
    assert table.loc[2, "Timer pr. uge"] == dc.HIDDEN and table.loc[2, "Løn pr. år"] == dc.HIDDEN
    assert table.loc[1, "Løn pr. år"] == 3.9e5
