"""`attendance compare`: only what differs between runs, Danish numbers, within the terminal width."""

from __future__ import annotations

import json

from attendance.pipeline.cli import main
from attendance.pipeline.compare import danish, format_comparison, runs_from_exp_show


def _record(rev, name, citizens_per_staff, cost, scenarios=(0.0, 0.2)):
    return {
        "rev": rev,
        "name": name,
        "error": None,
        "data": {
            "params": {
                "params.yaml": {
                    "data": {
                        "staffing": {"citizens_per_staff": citizens_per_staff, "min_staff_on_duty": 1},
                        "spor2": {"scenarios": list(scenarios)},
                    }
                }
            },
            "metrics": {
                "metrics/spor2.json": {"data": {"auc": {"staff_budget_recommended_dkk": cost, "places": 30}}},
                "metrics/clean.json": {"data": {"auc": {"referred": 61}}},
            },
            "deps": {"data/processed/demand": {"hash": "abc.dir"}},
        },
    }


EXP_SHOW = [
    _record("workspace", None, 6, 901621.62),
    {
        **_record("9c4125f4f0140e64d67e6da30e6b119ecc36f4ee", "main", 6, 901621.62),
        "experiments": [
            {"name": "lav-norm", "revs": [_record("d575343", "lav-norm", 8, 676216.2)]},
            {"name": "hoej-eftersp", "revs": [_record("e1", "hoej-eftersp", 6, 1201621.62, (0.0, 0.5))]},
            {"name": "failed", "revs": [{"rev": "f1", "name": "failed", "error": {"msg": "x"}, "data": {}}]},
        ],
    },
]


def test_parses_workspace_baseline_and_experiments_skipping_failed_ones():
    runs = runs_from_exp_show(EXP_SHOW)
    assert [r.name for r in runs] == ["workspace", "main", "lav-norm", "hoej-eftersp"]
    assert runs[2].params["staffing.citizens_per_staff"] == 8
    assert runs[2].metrics["spor2.auc.staff_budget_recommended_dkk"] == 676216.2


def test_table_shows_only_what_changed_and_fits_100_columns():
    text = format_comparison(runs_from_exp_show(EXP_SHOW), width=100)
    assert "staffing.citizens_per_staff" in text and "spor2.scenarios" in text
    assert "spor2.auc.staff_budget_recommended_dkk" in text
    assert "min_staff_on_duty" not in text and "referred" not in text and "places" not in text
    assert "data/processed/demand" not in text  # dependency hashes are not results
    assert "676.216" in text and "[0; 0,5]" in text
    assert max(len(line) for line in text.splitlines()) <= 100


def test_many_runs_wrap_into_blocks_within_the_width():
    records = [_record("workspace", None, 6, 1.0)] + [
        _record(f"r{i}", f"eksperiment-{i}", 6 + i, 1000.0 * i) for i in range(1, 9)
    ]
    text = format_comparison(runs_from_exp_show(records), width=80)
    assert max(len(line) for line in text.splitlines()) <= 80
    assert all(f"eksperiment-{i}" in text for i in range(1, 9))


def test_single_run_and_identical_runs_say_so():
    assert "kun én kørsel" in format_comparison(runs_from_exp_show([_record("workspace", None, 6, 1.0)]))
    same = [_record("workspace", None, 6, 1.0), _record("abc", "main", 6, 1.0)]
    assert "samme parametre" in format_comparison(runs_from_exp_show(same))


def test_danish_numbers():
    assert danish(1234567) == "1.234.567"
    assert danish(901621.62) == "901.622"
    assert danish(18.5) == "18,5" and danish(0.25) == "0,25" and danish(2.0) == "2"
    assert danish(None) == "–" and danish([0.0, -0.2]) == "[0; -0,2]"


def test_cli_reads_a_saved_exp_show(tmp_path, capsys):
    path = tmp_path / "exp.json"
    path.write_text(json.dumps(EXP_SHOW), encoding="utf-8")
    assert main(["compare", "--json", str(path), "--width", "100"]) == 0
    out = capsys.readouterr().out
    assert "lav-norm" in out and "Parametre" in out and "Nøgletal" in out
