"""The analyst's review (data/quarantine/review.xlsx), clean.strict and `attendance aliases`."""

from __future__ import annotations

import dataclasses
import inspect
import re

import openpyxl
import pandas as pd
import pytest
from test_cleaning import HEADER, make_dataset, run

from attendance.cleaning import quality, review
from attendance.cleaning.clean import clean_dataset
from attendance.cleaning.records import RULE_ORDER
from attendance.errors import InputError
from attendance.ingest.readers import SheetInfo
from attendance.pipeline.cli import main

ROWS = [
    HEADER,
    ["02-03-2026", "Hanne Jensen", "9", "12", ""],
    ["02-03-2026", "Hane Jensen", "9", "12", ""],  # a misspelling: suggestion, never merged
    ["03-03-2026", "Zygmunt Qvist", "9", "12", ""],  # an unreferred visitor
    ["03-03-2026", "B", "9", "12", ""],  # not a first name: unmatched
    ["04-03-2026", "Anders Holm", "14", "10", ""],  # swapped: a kept row to check
    ["05-03-2026", "HOLM, Anders", "9", "10", ""],  # documented normalisation: not a review item
]


def sheet_rows(path, title):
    sheet = openpyxl.load_workbook(path)[title]
    return sheet, list(sheet.iter_rows(values_only=True))


def test_review_workbook(tmp_path):
    result = run(tmp_path, ROWS)
    path = result.paths["review"]
    assert path == tmp_path / "quarantine" / "review.xlsx"
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == [
        review.SHEET_GUIDE,
        review.SHEET_READING,
        review.SHEET_NAMES,
        review.SHEET_ROWS,
    ]
    for title in workbook.sheetnames[1:]:
        sheet = workbook[title]
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
        assert all(c.font.bold for c in sheet[1])

    _, reading = sheet_rows(path, review.SHEET_READING)
    header, (row,) = reading[0], reading[1:]
    record = dict(zip(header, row, strict=True))
    assert record["Fil"] == "registrations/auc_2026-03.xlsx" and record["Ark"] == "Uge 10"
    assert (
        record["Overskriftsrække"] == 1
        and record["Tilbud"] == "auc"
        and record["Tilbud fundet i"] == "file name"
    )
    assert "dato ← Dato" in record["Kolonner (felt ← overskrift)"]
    assert record["Rækker læst"] == 7 and record["Beholdt"] == 6

    _, names = sheet_rows(path, review.SHEET_NAMES)
    table = pd.DataFrame(names[1:], columns=names[0])
    assert list(table.columns) == review.NAME_HEADERS
    hane = table.set_index("Navn som skrevet").loc["Hane Jensen"]
    assert hane["Type"] == review.NAME_KIND_LABELS["unmatched"] and hane["Forslag 1"].startswith(
        "Hanne Jensen ("
    )
    assert hane["Rækker"] == 1 and pd.isna(hane["Bekræft"])
    assert set(table["Navn som skrevet"]) == {"Hane Jensen", "Zygmunt Qvist", "B"}

    _, rows = sheet_rows(path, review.SHEET_ROWS)
    assert [r[4] for r in rows[1:]] == [quality.rule_label("time_out_before_time_in")]
    checked = dict(zip(rows[0], rows[1], strict=True))
    assert checked["Navn (skrevet)"] == "Anders Holm" and checked["Ind (skrevet)"] == "14"
    assert checked["Række"] == 6 and checked["Dato (skrevet)"] == "04-03-2026"
    assert result.review_counts == {
        "sheets": 1,
        "ambiguous_names": 0,
        "partial_names": 0,
        "similar_unmatched_names": 1,
        "other_unmatched_names": 2,
        "rows": 1,
    }


def test_review_summary_has_no_names(tmp_path):
    result = run(tmp_path, ROWS)
    summary = review.review_summary(result.review_counts)
    text = summary.to_csv() + result.quality_log.to_csv()
    for name in ("Hane", "Zygmunt", "Qvist", "Hanne", "Holm"):
        assert name not in text


def test_strict_stops_with_one_line(tmp_path):
    with pytest.raises(InputError) as info:
        run(tmp_path, ROWS, params={"strict": True})
    line = info.value.one_line()
    assert "2 review item(s)" in line and "similar unmatched names" in line and "1 rows" in line
    assert "see " in line and "quarantine/review.xlsx" in line and "\n" not in line
    assert review.strict_error({"rows": 1}).one_line().count("see data/quarantine/review.xlsx") == 1
    # visits.parquet is written early (under a hidden name, issue 14): a stopped stage leaves none of it
    assert not (tmp_path / "processed").exists()
    assert (tmp_path / "quarantine" / "review.xlsx").is_file()
    assert (tmp_path / "quarantine" / "review.xlsx").is_file()
    assert not (tmp_path / "processed" / "visits.parquet").exists()


def test_strict_cli_exit_2(tmp_path, capsys):
    raw = make_dataset(tmp_path, {"auc_2026-03.xlsx": {"Uge 10": ROWS}})
    params = tmp_path / "params.yaml"
    params.write_text(
        "clean: {missing_time_out: median_stay, time_out_before_in: swap, outside_opening_hours: clip, "
        "max_stay_hours: 12, merge_gap_minutes: 0, trip_keywords: [tur], strict: true}\n",
        encoding="utf-8",
    )
    code = main(
        [
            "clean",
            str(raw),
            str(tmp_path / "out"),
            "--quarantine-dir",
            str(tmp_path / "q"),
            "--params",
            str(params),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "review.xlsx" in err


def test_strict_ignores_unreferred_visitors_without_a_similar_name(tmp_path):
    rows = [
        HEADER,
        ["02-03-2026", "Hanne Jensen", "9", "12", ""],
        ["03-03-2026", "Zygmunt Qvist", "9", "12", ""],
    ]
    result = run(tmp_path, rows, params={"strict": True})
    assert len(result.visits) == 2 and result.review_counts["other_unmatched_names"] == 1


def test_confirmed_names_become_aliases(tmp_path, capsys):
    raw = make_dataset(tmp_path, {"auc_2026-03.xlsx": {"Uge 10": ROWS}})
    result = clean_dataset(raw, tmp_path / "processed", tmp_path / "q", {})
    path = result.paths["review"]
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[review.SHEET_NAMES]
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[header.index("Navn som skrevet")].value == "Hane Jensen":
            row[header.index("Bekræft")].value = "ja"
        if row[header.index("Navn som skrevet")].value == "B":
            row[header.index("Bekræft")].value = "Ja"
            row[header.index("Rigtigt navn")].value = "Bo Berg"
    workbook.save(path)
    assert main(["aliases", "--from", str(path), "--dataset", str(raw)]) == 0
    assert "2 new line(s)" in capsys.readouterr().out
    text = (raw / "citizen_aliases.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "variant;canonical" and sorted(lines[1:]) == ["B;Bo Berg", "Hane Jensen;Hanne Jensen"]
    assert main(["aliases", "--from", str(path), "--dataset", str(raw)]) == 0  # idempotent
    assert (raw / "citizen_aliases.csv").read_text(encoding="utf-8") == text
    again = clean_dataset(raw, tmp_path / "processed", tmp_path / "q", {})
    assert again.review_counts["similar_unmatched_names"] == 0
    assert list(again.quality_log["rule"]).count("name_variant") == 2


def test_review_rules_contract():
    """REVIEW_RULES is shared with the parser's branch: a frozenset, one name per line, sorted, known rules."""
    assert isinstance(quality.REVIEW_RULES, frozenset)
    source = inspect.getsource(quality)
    block = re.search(
        r"REVIEW_RULES: frozenset\[str\] = frozenset\(\n\s+\{\n(.*?)\n\s+\}", source, re.S
    ).group(1)
    lines = [line.strip().rstrip(",").strip('"') for line in block.splitlines()]
    assert lines == sorted(lines) and set(lines) == quality.REVIEW_RULES
    assert {"name_partial", "ambiguous_name", "name_normalised"} <= set(RULE_ORDER)


def test_sheet_fields_added_later_show_as_columns():
    @dataclasses.dataclass
    class Later(SheetInfo):
        hidden: bool = False
        date_order: str = "day-first"

    info = Later("f.xlsx", "Ark1", "long", 3, 1, {"date": "Dato"}, "auc", "file name", True, "day-first")
    table = review.sheet_table([info], pd.DataFrame(), skipped=["notes.pdf"])
    assert table.loc[0, "hidden"] == True  # noqa: E712 - numpy bool in a frame
    assert table.loc[0, "date_order"] == "day-first"
    assert table.loc[1, "Fil"] == "notes.pdf"


def test_long_sheets_are_cut_with_a_note(tmp_path, monkeypatch):
    monkeypatch.setattr(review, "MAX_SHEET_ROWS", 2)
    rows = [HEADER] + [[f"{d:02d}-03-2026", "Anders Holm", "16", "17", ""] for d in (2, 3, 4, 5)]
    result = run(tmp_path, rows)
    assert result.review_counts["rows"] == 4
    _, shown = sheet_rows(result.paths["review"], review.SHEET_ROWS)
    assert len(shown) == 3
    _, guide = sheet_rows(result.paths["review"], review.SHEET_GUIDE)
    assert any("de første 2 af 4" in (line[0] or "") for line in guide)


def test_names_beyond_the_sheet_are_counted(tmp_path, monkeypatch):
    monkeypatch.setattr(review, "MAX_SHEET_ROWS", 1)
    monkeypatch.setattr(review, "MAX_SUGGESTED", 1)
    result = run(tmp_path, ROWS)
    counts = result.review_counts
    assert counts["similar_unmatched_names"] + counts["other_unmatched_names"] == 3
    _, names = sheet_rows(result.paths["review"], review.SHEET_NAMES)
    assert len(names) == 2


def test_confirming_an_ambiguous_name_needs_the_right_name(tmp_path, monkeypatch):
    from test_cleaning import REFERRALS

    monkeypatch.setattr(
        "test_cleaning.REFERRALS", [*REFERRALS, ["AUC", "Bo Bertelsen", None, None, "2026-02-01", None, None]]
    )
    raw = make_dataset(
        tmp_path, {"auc_2026-03.xlsx": {"Uge 10": [HEADER, ["02-03-2026", "Bo", "9", "12", ""]]}}
    )
    result = clean_dataset(raw, tmp_path / "processed", tmp_path / "q", {})
    assert result.review_counts["ambiguous_names"] == 1
    path = result.paths["review"]
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[review.SHEET_NAMES]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=header.index("Bekræft") + 1, value="ja")
    workbook.save(path)
    with pytest.raises(InputError, match="Rigtigt navn"):
        review.confirmed_aliases(path)
    sheet.cell(row=2, column=header.index("Rigtigt navn") + 1, value="Bo Berg")
    workbook.save(path)
    assert review.confirmed_aliases(path) == [("Bo", "Bo Berg")]


def test_rows_to_check_in_a_tick_list_show_their_cell(tmp_path):
    tick = [
        ["Navn", "02-03-2026", "03-03-2026", "04-03-2026"],
        ["Hanne Jensen", "X", "16-17", "X"],
        ["Bo Berg", "X", "X", "16-18"],
    ]
    raw = make_dataset(tmp_path, {"auc_2026-03.xlsx": {"Kryds": tick}})
    result = clean_dataset(raw, tmp_path / "processed", tmp_path / "q", {})
    _, rows = sheet_rows(result.paths["review"], review.SHEET_ROWS)
    table = pd.DataFrame(rows[1:], columns=rows[0])
    assert list(table["Navn (skrevet)"]) == ["Hanne Jensen", "Bo Berg"]
    assert list(table["Kolonne"]) == ["C", "D"]
    _, reading = sheet_rows(result.paths["review"], review.SHEET_READING)
    record = dict(zip(reading[0], reading[1], strict=True))
    assert record["Layout"] == "afkrydsningsliste" and record["Kun dato (kryds)"] == 4
    assert record["Besøg med tider"] == 2
