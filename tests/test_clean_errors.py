"""Bad input ends in exit code 2 and one line naming file, sheet, row or column and the fix — no traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from test_cleaning import DATASET_YAML, HEADER, OFFERS_YAML, REFERRALS, make_dataset, write_xlsx

from attendance.pipeline.cli import main


@pytest.fixture(autouse=True)
def _no_key_from_outside(monkeypatch, tmp_path):
    monkeypatch.delenv("ATTENDANCE_PSEUDONYM_KEY", raising=False)
    monkeypatch.setenv("ATTENDANCE_PROJECT_ROOT", str(tmp_path))  # no project .secrets/ in tests


def run_cli(capsys, *args: str) -> tuple[int, str]:
    code = main(["clean", *map(str, args)])
    err = capsys.readouterr().err
    return code, err


def assert_one_line(err: str, *fragments: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("attendance: error: "), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def test_corrupt_workbook(tmp_path, capsys):
    raw = make_dataset(tmp_path)
    (raw / "registrations" / "auc_marts.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    code, err = run_cli(capsys, raw, tmp_path / "out")
    assert code == 2
    assert_one_line(err, "registrations/auc_marts.xlsx", "cannot read the workbook", "fix:")


def test_old_xls_format(tmp_path, capsys):
    raw = make_dataset(tmp_path)
    (raw / "registrations" / "auc.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    code, err = run_cli(capsys, raw, tmp_path / "out")
    assert code == 2
    assert_one_line(err, "registrations/auc.xls", ".xlsx")


def test_unknown_layout(tmp_path, capsys):
    raw = make_dataset(tmp_path, {"auc.xlsx": {"Noter": [["Husk at låse"], ["kaffe"]]}})
    code, err = run_cli(capsys, raw, tmp_path / "out")
    assert code == 2
    assert_one_line(err, "registrations/auc.xlsx", "sheet 'Noter'", "unknown layout", "columns.yaml")


def test_missing_required_column(tmp_path, capsys):
    raw = make_dataset(
        tmp_path, {"auc.xlsx": {"Uge 10": [["Dato", "Navn", "Ud"], ["02-03-2026", "Bo Berg", "12"]]}}
    )
    code, err = run_cli(capsys, raw, tmp_path / "out")
    assert code == 2
    assert_one_line(err, "registrations/auc.xlsx", "sheet 'Uge 10'", "row 1", "time_in")


def test_unknown_offer_in_offer_column(tmp_path, capsys):
    rows = [["Dato", "Navn", "Ind", "Ud", "Tilbud"], ["02-03-2026", "Bo Berg", "9", "12", "AUC"],
            ["02-03-2026", "Bo Berg", "9", "12", "Værestedet"]]  # fmt: skip
    raw = make_dataset(tmp_path, {"samlet.xlsx": {"Ark1": rows}})
    code, err = run_cli(capsys, raw, tmp_path / "out")
    assert code == 2
    assert_one_line(err, "registrations/samlet.xlsx", "row 3", "column 'Tilbud'", "aliases")
    assert "Bo Berg" not in err


def test_no_offer_anywhere(tmp_path, capsys):
    raw = make_dataset(tmp_path, {"marts.xlsx": {"Ark1": [HEADER, ["02-03-2026", "Bo Berg", "9", "12", ""]]}})
    code, err = run_cli(capsys, raw, tmp_path / "out")
    assert code == 2
    assert_one_line(err, "registrations/marts.xlsx", "sheet 'Ark1'", "which offer", "aliases")


def test_unknown_offer_in_referral_list(tmp_path, capsys):
    raw = make_dataset(tmp_path, {"auc.xlsx": {"Ark1": [HEADER, ["02-03-2026", "Bo Berg", "9", "12", ""]]}})
    write_xlsx(
        raw / "referrals.xlsx",
        {"Visitation": [*REFERRALS, ["Ukendt sted", "Ole", None, None, "01-01-2026", None, None]]},
    )
    code, err = run_cli(capsys, raw, tmp_path / "out")
    assert code == 2
    assert_one_line(err, "referrals.xlsx", f"row {len(REFERRALS) + 1}", "column 'Tilbud'")


def test_bad_referral_date(tmp_path, capsys):
    raw = make_dataset(tmp_path, {"auc.xlsx": {"Ark1": [HEADER, ["02-03-2026", "Bo Berg", "9", "12", ""]]}})
    write_xlsx(
        raw / "referrals.xlsx", {"Visitation": [*REFERRALS, ["AUC", "Ole", None, None, "snart", None, None]]}
    )
    code, err = run_cli(capsys, raw, tmp_path / "out")
    assert code == 2
    assert_one_line(err, "referrals.xlsx", "column 'Visiteret fra'", "not a date")


def test_real_data_without_key(tmp_path, capsys):
    raw = make_dataset(tmp_path, {"auc.xlsx": {"Ark1": [HEADER, ["02-03-2026", "Bo Berg", "9", "12", ""]]}})
    (raw / "dataset.yaml").write_text(
        DATASET_YAML.replace("synthetic: true", "synthetic: false"), encoding="utf-8"
    )
    code, err = run_cli(capsys, raw, tmp_path / "out")
    assert code == 2
    assert_one_line(err, "no pseudonymisation key", "ATTENDANCE_PSEUDONYM_KEY", ".secrets/pseudonym.key")


def test_bad_params(tmp_path, capsys):
    raw = make_dataset(tmp_path, {"auc.xlsx": {"Ark1": [HEADER, ["02-03-2026", "Bo Berg", "9", "12", ""]]}})
    params = tmp_path / "params.yaml"
    params.write_text("clean:\n  missing_time_out: guess\n", encoding="utf-8")
    code, err = run_cli(capsys, raw, tmp_path / "out", "--params", params)
    assert code == 2
    assert_one_line(err, "params.yaml", "missing_time_out", "median_stay")


def test_broken_offers_yaml(tmp_path, capsys):
    raw = make_dataset(tmp_path)
    (raw / "offers.yaml").write_text(OFFERS_YAML + "  broken: [\n", encoding="utf-8")
    code, err = run_cli(capsys, raw, tmp_path / "out")
    assert code == 2
    assert_one_line(err, "offers.yaml", "not valid YAML")


def test_missing_dataset_folder(tmp_path, capsys):
    code, err = run_cli(capsys, tmp_path / "nowhere", tmp_path / "out")
    assert code == 2
    assert_one_line(err, "nowhere", "dataset folder not found")


def test_python_dash_m_exits_2_with_one_line(tmp_path):
    raw = make_dataset(
        tmp_path, {"auc.xlsx": {"Uge 10": [["Dato", "Navn", "Ud"], ["02-03-2026", "Bo Berg", "12"]]}}
    )
    env = {k: v for k, v in os.environ.items() if k != "ATTENDANCE_PSEUDONYM_KEY"}
    env["ATTENDANCE_PROJECT_ROOT"] = str(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "attendance", "clean", str(raw), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 2
    assert_one_line(proc.stderr, "file registrations/auc.xlsx", "sheet 'Uge 10'", "row 1", "time_in")
    assert proc.stdout == ""


def test_python_dash_m_success_prints_summary(tmp_path):
    raw = make_dataset(tmp_path, {"auc.xlsx": {"Uge 10": [HEADER, ["02-03-2026", "Bo Berg", "9", "12", ""]]}})
    env = {k: v for k, v in os.environ.items() if k != "ATTENDANCE_PSEUDONYM_KEY"}
    env["ATTENDANCE_PROJECT_ROOT"] = str(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "attendance", "clean", str(raw), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "2 rows read -> 1 kept" in proc.stdout
