"""The bad-input catalogue (tests/bad_inputs/): every malformed dataset ends in one actionable line and exit 2,
or in a completed run whose accounting says exactly where every row went. See tests/bad_inputs/README.md."""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from attendance.cleaning.clean import clean_dataset
from attendance.pipeline.cli import main

HERE = Path(__file__).resolve().parent
CATALOGUE_DIR = HERE / "bad_inputs"
CATALOGUE = yaml.safe_load((CATALOGUE_DIR / "cases.yaml").read_text(encoding="utf-8"))["cases"]
BY_ID = {case["id"]: case for case in CATALOGUE}
ERROR_CASES = [c for c in CATALOGUE if c["outcome"] == "error"]
COMPLETED_CASES = [c for c in CATALOGUE if c["outcome"] == "completes" and not c.get("generated")]
ACCOUNTING_COLUMNS = ["file", "sheet", "rows_read", "kept", "merged", "quarantined", "ignored"]


def _load_builder():
    spec = importlib.util.spec_from_file_location("build_cases", CATALOGUE_DIR / "build_cases.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


builder = _load_builder()


@pytest.fixture(autouse=True)
def _catalogue_key(monkeypatch, tmp_path):
    """The catalogue's key comes from the environment (*.key files are git-ignored); no project secret."""
    monkeypatch.setenv("ATTENDANCE_PSEUDONYM_KEY", builder.CATALOGUE_KEY)
    monkeypatch.setenv("ATTENDANCE_PROJECT_ROOT", str(tmp_path))


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["ATTENDANCE_PSEUDONYM_KEY"] = builder.CATALOGUE_KEY
    return env


def expected_line(case: dict, raw: Path) -> str:
    return case["stderr"].replace("{raw}", str(raw))


# --------------------------------------------------------------------------------------------- the list


def test_catalogue_is_complete_and_matches_the_folders():
    ids = [case["id"] for case in CATALOGUE]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 25
    folders = {p.name for p in CATALOGUE_DIR.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))}
    committed = {case["id"] for case in CATALOGUE if not case.get("generated")}
    assert folders == committed
    assert set(builder.CASES) == committed
    for case in CATALOGUE:
        assert case["outcome"] in ("error", "completes"), case["id"]
        assert case["what"].strip(), case["id"]
        if case["outcome"] == "error":
            assert case["stderr"].startswith("attendance: error: file "), case["id"]
            assert " — fix: " in case["stderr"], case["id"]
        else:
            assert case["accounting"] and "quarantine" in case, case["id"]
            for row in case["accounting"]:
                assert row["rows_read"] == row["kept"] + row["merged"] + row["quarantined"] + row["ignored"]


def test_readme_lists_every_case():
    readme = (CATALOGUE_DIR / "README.md").read_text(encoding="utf-8")
    for case in CATALOGUE:
        assert f"`{case['id']}`" in readme, case["id"]


# --------------------------------------------------------------------------------------------- errors


@pytest.mark.parametrize("case", ERROR_CASES, ids=[c["id"] for c in ERROR_CASES])
def test_error_case_is_one_line_and_exit_2(case, tmp_path, capsys):
    raw = CATALOGUE_DIR / case["id"]
    out = tmp_path / "processed"
    code = main(["clean", str(raw), str(out), "--quarantine-dir", str(tmp_path / "quarantine")])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.splitlines() == [expected_line(case, raw)]
    assert captured.out == ""
    assert not (out / "visits.parquet").exists()  # nothing half-written


SUBPROCESS_CASES = ["undecodable_bytes", "password_protected_xlsx", "broken_offers_yaml_syntax"]


def _run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "attendance", *args], capture_output=True, text=True, env=_env(), check=False
    )


@pytest.mark.parametrize("case_id", SUBPROCESS_CASES)
def test_real_process_prints_one_line_without_traceback(case_id, tmp_path):
    raw = CATALOGUE_DIR / case_id
    proc = _run_cli("clean", str(raw), str(tmp_path / "out"), "--quarantine-dir", str(tmp_path / "q"))
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [expected_line(BY_ID[case_id], raw)]
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_debug_shows_the_traceback_and_without_it_one_line(tmp_path):
    raw = CATALOGUE_DIR / "no_citizen_column"
    args = ["clean", str(raw), str(tmp_path / "out"), "--quarantine-dir", str(tmp_path / "q")]
    debug = _run_cli("--debug", *args)
    assert debug.returncode != 0
    assert "Traceback (most recent call last)" in debug.stderr
    assert "attendance.errors.InputError" in debug.stderr
    assert "missing required column(s) citizen" in debug.stderr
    plain = _run_cli(*args)
    assert plain.returncode == 2
    assert plain.stderr.splitlines() == [expected_line(BY_ID["no_citizen_column"], raw)]


# --------------------------------------------------------------------------------------------- completed runs


def check_completed(case: dict, result, quarantine_dir: Path) -> None:
    accounting = pd.read_csv(result.paths["accounting"], keep_default_na=False)
    # the cases list the registration files' lines (test_every_file_is_accounted checks the rest)
    accounting = accounting[accounting["file"].str.startswith("registrations/")][ACCOUNTING_COLUMNS]
    expected = pd.DataFrame(case["accounting"], columns=ACCOUNTING_COLUMNS)
    expected["sheet"] = expected["sheet"].astype(str)
    key = ["file", "sheet"]
    actual = accounting.sort_values(key).reset_index(drop=True)
    expected = expected.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(actual, expected, check_dtype=False)
    quarantine = pd.read_csv(quarantine_dir / "quarantine.csv", keep_default_na=False)
    assert quarantine["reason"].value_counts().to_dict() == case["quarantine"]
    log = pd.read_csv(result.paths["quality_log"], keep_default_na=False)
    counts = log["rule"].value_counts()
    for rule, n in (case.get("log_rules") or {}).items():
        assert counts.get(rule, 0) == n, (rule, counts.get(rule, 0), n)
    if "visits" in case:
        visits = pd.read_parquet(result.paths["visits"], columns=["granularity"])
        assert visits["granularity"].value_counts().to_dict() == case["visits"]


@pytest.mark.parametrize("case", COMPLETED_CASES, ids=[c["id"] for c in COMPLETED_CASES])
def test_completed_case_accounts_for_every_row(case, tmp_path):
    raw = CATALOGUE_DIR / case["id"]
    result = clean_dataset(raw, tmp_path / "processed", tmp_path / "quarantine", case.get("params") or {})
    check_completed(case, result, tmp_path / "quarantine")
    # every file of the dataset folder appears in accounting.csv, read or not (with a note saying why not)
    accounting = pd.read_csv(result.paths["accounting"], keep_default_na=False)
    on_disk = {p.relative_to(raw).as_posix() for p in raw.rglob("*") if p.is_file()}
    assert on_disk == set(accounting["file"])
    assert (accounting.loc[~accounting["file"].str.startswith("registrations/"), "note"] != "").all()


def test_completed_case_through_the_cli(tmp_path, capsys):
    """The same accounting when the stage runs as the command analysts use."""
    case = BY_ID["mixed_granularity"]
    out, quarantine = tmp_path / "processed", tmp_path / "quarantine"
    code = main(["clean", str(CATALOGUE_DIR / case["id"]), str(out), "--quarantine-dir", str(quarantine)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.startswith("clean: 17 rows read -> 10 kept, 0 merged, 2 quarantined, 5 ignored")
    accounting = pd.read_csv(out / "accounting.csv", keep_default_na=False)
    assert int(accounting["rows_read"].sum()) == 17


@pytest.mark.slow  # a million rows through the clean stage: make test runs it, the inner loop does not
def test_million_rows_completes_and_adds_up(tmp_path):
    case = BY_ID["million_rows"]
    raw = tmp_path / "raw"
    started = time.perf_counter()
    expected_big = builder.write_million_rows(raw)
    row = next(r for r in case["accounting"] if r["file"].endswith("stor eksport.csv"))
    assert {k: row[k] for k in expected_big} == expected_big  # cases.yaml agrees with the generator
    result = clean_dataset(raw, tmp_path / "processed", tmp_path / "quarantine", {})
    check_completed(case, result, tmp_path / "quarantine")
    assert time.perf_counter() - started < 120  # generous: ~6 s on 2 cores


# --------------------------------------------------------------------------------------------- the fixes


def test_cpr_numbers_never_leave_the_quarantine(tmp_path):
    result = clean_dataset(CATALOGUE_DIR / "cpr_in_citizen", tmp_path / "processed", tmp_path / "q", {})
    for path in (result.paths["quality_log"], result.paths["accounting"], result.paths["offers"]):
        text = path.read_text(encoding="utf-8")
        assert "1234" not in text and "010190" not in text
    assert (
        not pd.read_parquet(result.paths["visits"])
        .astype(str)
        .apply(lambda col: col.str.contains("010190"))
        .any(axis=None)
    )
    raw_citizens = pd.read_csv(tmp_path / "q" / "quarantine.csv")["raw_citizen"].tolist()
    assert sorted(raw_citizens) == ["Bo Berg XXXXXX-XXXX", "XXXXXX-XXXX"]


def _base_dataset(tmp_path: Path) -> Path:
    """The catalogue's base configuration files with an empty registrations/ folder."""
    folder = tmp_path / "raw"
    (folder / "registrations").mkdir(parents=True)
    for name in ("dataset.yaml", "offers.yaml", "referrals.csv"):
        (folder / name).write_bytes((CATALOGUE_DIR / "header_only" / name).read_bytes())
    return folder


def test_old_xls_renamed_to_xlsx_is_named_as_such(tmp_path, capsys):
    """An OLE2 file that is not encrypted: an old .xls saved under an .xlsx name."""
    folder = _base_dataset(tmp_path)
    (folder / "registrations" / "AUC april.xlsx").write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    )
    code = main(["clean", str(folder), str(tmp_path / "out")])
    assert code == 2
    assert capsys.readouterr().err.splitlines() == [
        "attendance: error: file registrations/AUC april.xlsx: the file is an old Excel (.xls) workbook with an "
        ".xlsx name — fix: open it in Excel and save it as .xlsx (Excel Workbook)"
    ]


def _dataset_with_sheet(tmp_path: Path, rows: list[list]) -> Path:
    folder = _base_dataset(tmp_path)
    workbook = openpyxl.Workbook()
    workbook.active.title = "Uge 16"
    for row in rows:
        workbook.active.append(row)
    workbook.save(folder / "registrations" / "AUC uge 16.xlsx")
    return folder


def test_date_times_on_the_same_day_are_read_by_their_times(tmp_path):
    """Only time in and time out on different days are judged as one long stay; the row's own date (here a
    day later than the cells) is still the visit's date, and a bare Excel time is not a date."""
    rows = [
        ["Dato", "Navn", "Ind", "Ud"],
        [dt.datetime(2026, 4, 15), "Bo Berg", dt.datetime(2026, 4, 14, 9), dt.datetime(2026, 4, 14, 12)],
        [dt.datetime(2026, 4, 15), "Hanne Jensen", dt.time(10, 0), dt.datetime(2026, 4, 15, 13)],
        [dt.datetime(2026, 4, 16), "Anders Holm", dt.datetime(2026, 4, 16, 9), dt.datetime(2026, 4, 17, 10)],
    ]
    raw = _dataset_with_sheet(tmp_path, rows)
    result = clean_dataset(raw, tmp_path / "processed", tmp_path / "q", {})
    visits = result.visits
    assert sorted(zip(visits["start"].astype(str), visits["end"].astype(str), strict=True)) == [
        ("2026-04-15 09:00:00", "2026-04-15 12:00:00"),
        ("2026-04-15 10:00:00", "2026-04-15 13:00:00"),
    ]
    log = result.quality_log
    long = log[log["rule"] == "implausible_duration"]
    assert long["row"].tolist() == [4]
    assert long["detail"].tolist() == ["time in and time out on different days: stay longer than 12 hours"]


# --------------------------------------------------------------------------------------------- issue 10


def test_hidden_sheet_is_read_when_the_parameter_says_so(tmp_path):
    raw = CATALOGUE_DIR / "hidden_sheet"
    result = clean_dataset(raw, tmp_path / "processed", tmp_path / "q", {"include_hidden_sheets": True})
    acc = result.accounting.set_index(["file", "sheet"])
    hidden = acc.loc[("registrations/AUC april 2026.xlsx", "Gammel")]
    assert (hidden["rows_read"], hidden["kept"], hidden["note"]) == (2, 1, "hidden sheet, read")
    log = result.quality_log
    assert log.loc[log["rule"] == "hidden_sheet", "action"].tolist() == ["read"]


def test_review_rules_are_known_rules():
    from attendance.cleaning.quality import REVIEW_RULES
    from attendance.cleaning.records import RULE_ORDER

    assert set(RULE_ORDER) >= REVIEW_RULES
    assert {"afternoon_hour", "entirely_outside_opening_hours"} <= REVIEW_RULES


def test_every_decision_of_a_sheet_is_logged(tmp_path):
    """How each sheet was read is one `sheet_layout` line; a column that is not read has its own line."""
    result = clean_dataset(
        CATALOGUE_DIR / "tick_list_weekday_headers_and_absence", tmp_path / "p", tmp_path / "q", {}
    )
    log = result.quality_log
    layout = log[(log["rule"] == "sheet_layout") & (log["sheet"] == "Uge 15 kryds")]
    assert layout["detail"].tolist() == [
        "tick layout; header row 1; fields citizen; offer auc from the file name"
    ]
    unread = log[log["rule"] == "unread_column"]
    assert unread[["column", "row"]].values.tolist() == [["I alt", 1]]


def test_staff_comment_does_not_remove_a_citizen(tmp_path):
    result = clean_dataset(CATALOGUE_DIR / "staff_by_name_field", tmp_path / "p", tmp_path / "q", {})
    rows = result.visits.loc[result.visits["source_file"] == "registrations/AUC april 2026.csv", "source_row"]
    assert sorted(rows) == [4, 5]  # the comments 'Personalet hjalp …' and 'frivilligt arbejde …' are citizens


def _clean_error(raw: Path, tmp_path: Path, capsys) -> str:
    code = main(["clean", str(raw), str(tmp_path / "out"), "--quarantine-dir", str(tmp_path / "q")])
    lines = capsys.readouterr().err.splitlines()
    assert code == 2 and len(lines) == 1
    return lines[0]


def test_title_row_naming_another_offer_than_the_file_stops(tmp_path, capsys):
    raw = _dataset_with_sheet(tmp_path, [["Fremmøde No 17 april"], ["Dato", "Navn", "Ind", "Ud"]])
    line = _clean_error(raw, tmp_path, capsys)
    assert line.startswith("attendance: error: file registrations/AUC uge 16.xlsx, sheet 'Uge 16': ")
    assert "no17 (in the title row), auc (in the file name)" in line and " — fix: " in line


def test_a_dag_column_alone_is_not_a_date(tmp_path, capsys):
    raw = _dataset_with_sheet(tmp_path, [["Dag", "Navn", "Ind", "Ud"], ["tirsdag", "Bo Berg", "9", "12"]])
    line = _clean_error(raw, tmp_path, capsys)
    assert "row 1, column 'Dag': the date column 'Dag' (column A) holds weekday names, not dates" in line


def test_a_time_range_column_beside_a_time_in_column_stops(tmp_path, capsys):
    raw = _dataset_with_sheet(
        tmp_path, [["Dato", "Navn", "Tid", "Ind"], ["07-04-2026", "Bo Berg", "9-12", "9"]]
    )
    line = _clean_error(raw, tmp_path, capsys)
    assert "both a time-range column 'Tid' (column C) and a time column 'Ind' (column D)" in line


def test_long_layout_columns_not_read_are_logged(tmp_path):
    raw = _dataset_with_sheet(
        tmp_path,
        [["Dato", "Navn", "Ind", "Ud", "Telefon", None], ["07-04-2026", "Bo Berg", "9", "12", "ja", "x"]],
    )
    result = clean_dataset(raw, tmp_path / "p", tmp_path / "q", {})
    unread = result.quality_log[result.quality_log["rule"] == "unread_column"]
    assert sorted(unread["column"]) == ["F", "Telefon"]  # a column without a header: its letter
    assert len(result.visits) == 1


def test_a_range_in_the_time_in_cell_is_both_times(tmp_path):
    rows = [
        ["Dato", "Navn", "Ind", "Ud"],
        ["07-04-2026", "Bo Berg", "9.30-14", None],
        ["07-04-2026", "Hanne Jensen", "kl 10 - 12", None],
        ["08-04-2026", "Bo Berg", "9-12", "13"],  # time out given: the range is not read, the row quarantined
    ]
    result = clean_dataset(_dataset_with_sheet(tmp_path, rows), tmp_path / "p", tmp_path / "q", {})
    visits = result.visits.sort_values("start")
    assert visits["start"].dt.strftime("%H:%M").tolist() == ["09:30", "10:00"]
    assert visits["end"].dt.strftime("%H:%M").tolist() == ["14:00", "12:00"]
    assert (result.quality_log["rule"] == "time_range_in_cell").sum() == 2
    assert result.quarantine["reason"].tolist() == ["unparseable_time"]


def test_tick_list_columns_it_does_not_use_are_logged(tmp_path):
    """A tick list reads one citizen column and the date columns; a second name column (Initialer) or a Tid
    column beside them is not read — and says so."""
    rows = [
        ["Navn", "Initialer", "Tid", "ti 7/4", "on 8/4", "to 9/4"],
        ["Hanne Jensen", "HJ", "9-14", "X", None, "x"],
    ]
    result = clean_dataset(_dataset_with_sheet(tmp_path, rows), tmp_path / "p", tmp_path / "q", {})
    log = result.quality_log
    assert sorted(log.loc[log["rule"] == "unread_column", "column"]) == ["Initialer", "Tid"]
    layout = log.loc[log["rule"] == "sheet_layout", "detail"].tolist()
    assert layout == ["tick layout; header row 1; fields citizen; offer auc from the file name"]
    assert len(result.visits) == 2


def test_a_date_without_year_takes_the_period_year_it_falls_in(tmp_path):
    """A period across New Year: `5/1` is January of the later year, `15/12` December of the first."""
    raw = _dataset_with_sheet(
        tmp_path,
        [["Dato", "Navn", "Ind", "Ud"], ["ma 15/12", "Bo Berg", "9", "12"], ["ma 5/1", "Bo Berg", "9", "12"]],
    )
    text = (raw / "dataset.yaml").read_text(encoding="utf-8")
    text = text.replace("period_start: 2026-03-02", "period_start: 2025-12-01")
    (raw / "dataset.yaml").write_text(text.replace("period_end: 2026-05-29", "period_end: 2026-01-31"))
    result = clean_dataset(raw, tmp_path / "p", tmp_path / "q", {})
    assert sorted(result.visits["date"].dt.strftime("%Y-%m-%d")) == ["2025-12-15", "2026-01-05"]
    assert result.quarantine.empty


def test_formulas_with_saved_values_are_read(tmp_path):
    """Excel saves a formula's result next to it (`<v>2</v>`, or `t="str"` with an empty `<v></v>` for an
    empty text result): such cells are read, never an error. Only a formula without a saved value stops."""
    import zipfile

    raw = _dataset_with_sheet(
        tmp_path,
        [
            ["Dato", "Navn", "Ind", "Ud", "Timer", "Note"],
            ["07-04-2026", "Bo Berg", "9", "12", "=D2-C2", '=""'],
        ],
    )
    path = raw / "registrations" / "AUC uge 16.xlsx"
    with zipfile.ZipFile(path) as source:
        parts = {item.filename: source.read(item.filename) for item in source.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    sheet = re.sub(
        r'<c r="E2"([^>]*)><f>D2-C2</f><v\s*/?>(</v>)?</c>', r'<c r="E2"\1><f>D2-C2</f><v>3</v></c>', sheet
    )
    sheet = re.sub(
        r'<c r="F2"([^>]*)><f>""</f><v\s*/?>(</v>)?</c>', r'<c r="F2" t="str"><f>""</f><v></v></c>', sheet
    )
    assert "<v>3</v>" in sheet and 't="str"' in sheet
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as dest:
        for name, data in parts.items():
            dest.writestr(name, data)
    result = clean_dataset(raw, tmp_path / "p", tmp_path / "q", {})
    assert len(result.visits) == 1


def test_two_citizen_columns_are_read_and_said_so(tmp_path):
    rows = [["Dato", "Navn", "Initialer", "Ind", "Ud"], ["07-04-2026", None, "HJ", "9", "14"]]
    result = clean_dataset(_dataset_with_sheet(tmp_path, rows), tmp_path / "p", tmp_path / "q", {})
    (detail,) = result.quality_log.loc[result.quality_log["rule"] == "sheet_layout", "detail"]
    assert "citizen from 2 columns (the first filled cell from the left)" in detail
    assert len(result.visits) == 1
