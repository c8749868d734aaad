"""The leak guard stops a stage whose outputs contain a raw citizen identifier."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from project_copy import copy_project, run

from attendance.errors import InputError
from attendance.pipeline.leakguard import Fingerprints, guard_outputs, scan_file, scan_text

KEY = b"test-key-0123456789abcdef"


@pytest.fixture()
def prints() -> Fingerprints:
    fp = Fingerprints(key=KEY)
    for name in ["Hanne Marie Jensen", "Bo Ek", "Karl"]:
        fp.add_name(name)
    fp.add_initials("HMJ")
    fp.add_initials("KA")
    return fp


def test_fingerprints_never_hold_the_identifier(prints):
    stored = str(prints.to_json()).casefold()
    assert "hanne" not in stored and "jensen" not in stored and "hmj" not in stored


@pytest.mark.parametrize(
    "text, kind",
    [
        ("Borgeren hanne   marie JENSEN kom kl. 9", "name"),
        ("Karl var der", "name"),
        ("bo ek", "name"),
        ("Initialer: HMJ", "initials"),
        ("CPR 010190-1234 skrevet i navnefeltet", "CPR number"),
        ("cpr 3112991234", "CPR number"),
    ],
)
def test_scan_text_finds_planted_identifiers(prints, text, kind):
    leaks = scan_text(text, prints, vocabulary=set(), file="x.html")
    assert [leak.kind for leak in leaks] == [kind]
    assert leaks[0].where == "line 1"


@pytest.mark.parametrize(
    "text",
    [
        "Gennemsnitligt 18,5 borgere pr. åbningsdag, 2. marts 2026",
        "Budget 3.100.000 kr. og 1234567890 er ikke et CPR-nummer (måned 78)",
        "hanne alene er ikke et fuldt navn; jensen heller ikke",
        "data:image/png;base64," + "A0101901234B" * 20,
        "initialer med små bogstaver: ka og hmj",
    ],
)
def test_scan_text_ignores_ordinary_report_text(prints, text):
    assert scan_text(text, prints, vocabulary=set(), file="x.html") == []


def test_project_vocabulary_is_not_evidence(prints):
    assert scan_text("Model: KA", prints, vocabulary={"KA"}, file="x") == []
    assert scan_text("Karl", prints, vocabulary={"Karl"}, file="x") == []


def test_scan_parquet_string_columns(prints, tmp_path):
    path = tmp_path / "visits.parquet"
    pd.DataFrame({"source_sheet": ["Uge 10", "Hanne Marie Jensen"], "n": [1, 2]}).to_parquet(path)
    leaks = scan_file(path, prints, set(), tmp_path)
    assert [(leak.kind, leak.file) for leak in leaks] == [("name", "visits.parquet")]
    assert "source_sheet" in leaks[0].where


def test_guard_removes_the_leaking_output_and_names_it(prints, tmp_path, monkeypatch):
    clean_file = tmp_path / "ok.csv"
    clean_file.write_text("offer_id,visits\nauc,3\n", encoding="utf-8")
    bad_file = tmp_path / "bad.json"
    bad_file.write_text('{"town": "Hanne Marie Jensen"}', encoding="utf-8")
    monkeypatch.setattr("attendance.pipeline.leakguard.load_fingerprints", lambda raw_dir, root: prints)
    monkeypatch.setattr("attendance.pipeline.leakguard.project_vocabulary", lambda root: set())
    with pytest.raises(InputError) as info:
        guard_outputs([clean_file, bad_file], tmp_path, tmp_path)
    message = info.value.one_line()
    assert "bad.json" in message and "name" in message and "Hanne" not in message
    assert not bad_file.exists() and clean_file.exists()


# ---- the guard as a stage check, on a copy of the project with identifiers planted in raw fields ----------


def _first_referred_name(raw: Path) -> str:
    from attendance.ingest.readers import read_dataset, read_offers, read_referrals

    return str(read_referrals(raw, read_offers(raw), read_dataset(raw))["name"].iloc[0])


def _run_clean(project: Path):
    return run(
        [
            "python",
            "-m",
            "attendance",
            "run-notebook",
            "notebooks/01_clean.ipynb",
            "--params",
            "dataset,clean",
            "--html",
            "reports/analyst/01_clean.html",
        ],
        project,
        check=False,
    )


@pytest.mark.slow
def test_stage_refuses_a_name_planted_in_an_offer_field(tmp_path):
    project = copy_project(tmp_path / "p", with_git=False)
    raw = project / "data" / "raw" / "demo"
    name = _first_referred_name(raw)
    offers = yaml.safe_load((raw / "offers.yaml").read_text(encoding="utf-8"))
    first = next(iter(offers["offers"]))
    offers["offers"][first]["town"] = name
    (raw / "offers.yaml").write_text(yaml.safe_dump(offers, allow_unicode=True), encoding="utf-8")
    result = _run_clean(project)
    assert result.returncode == 2, result.stderr
    assert "refused to keep output" in result.stderr and "offers.json" in result.stderr
    assert name not in result.stderr and result.stderr.count("\n") == 1
    assert not (project / "data" / "processed" / "offers.json").exists()


@pytest.mark.slow
def test_stage_refuses_a_name_planted_in_a_sheet_name_and_drops_comments(tmp_path):
    project = copy_project(tmp_path / "p", with_git=False)
    raw = project / "data" / "raw" / "demo"
    name = _first_referred_name(raw)
    workbook_path = next(p for p in sorted((raw / "registrations").glob("*.xlsx")))
    workbook = openpyxl.load_workbook(workbook_path)
    sheet = workbook.worksheets[0]
    sheet.title = name[:31]
    # A name and a CPR number in a comment cell must simply never leave cleaning (comments are dropped).
    for row in sheet.iter_rows(min_row=1, max_row=40):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.strip().lower() in {
                "bemærkning",
                "kommentar",
                "aktivitet",
            }:
                sheet.cell(
                    row=cell.row + 2, column=cell.column, value=f"snakkede med {name}, cpr 010190-1234"
                )
    workbook.save(workbook_path)
    result = _run_clean(project)
    assert result.returncode == 2, result.stderr
    assert "refused to keep output" in result.stderr
    assert name not in result.stderr and result.stderr.count("\n") == 1
    # Every output carrying the sheet name (it is provenance in visits, quality log and accounting) is gone.
    for output in ("visits.parquet", "quality_log.csv", "accounting.csv"):
        assert not (project / "data" / "processed" / output).exists(), output
