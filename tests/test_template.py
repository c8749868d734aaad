"""`attendance template`: a filled-in template round-trips through the clean stage with no rule fired."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from attendance.cleaning.clean import clean_dataset
from attendance.ingest.readers import read_offers
from attendance.ingest.template import HEADER_ROW, HEADERS, LIST_COLUMN, opening_days, parse_month
from attendance.pipeline.cli import main

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "raw" / "demo"
# Rules every sheet gets whatever its content: the title and header rows, the template's unused lines, and the
# offer named in the title row (logged once per sheet). No other rule may fire on a filled template.
STRUCTURAL = {"title_row", "header_row", "blank_row", "offer_alias", "sheet_layout"}  # sheet_layout: how read


@pytest.fixture(autouse=True)
def _demo_key(monkeypatch):
    monkeypatch.delenv("ATTENDANCE_PSEUDONYM_KEY", raising=False)
    monkeypatch.setattr("attendance.cleaning.pseudonym._project_secret", lambda: None)


def dataset_with(tmp_path: Path, workbook: Path) -> Path:
    raw = tmp_path / "raw"
    (raw / "registrations").mkdir(parents=True)
    for name in ("dataset.yaml", "offers.yaml", "referrals.xlsx", "demo_pseudonym.key"):
        shutil.copy(DEMO / name, raw / name)
    shutil.copy(workbook, raw / "registrations" / workbook.name)
    return raw


def fill(path: Path, offer, visits_per_day: int = 3, days: int = 6) -> int:
    """Fill the template as staff would: a referred name from the drop-down list and times in opening hours."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.active
    names = [c.value for c in sheet[LIST_COLUMN][HEADER_ROW:] if c.value]
    filled, seen_days, row = 0, [], HEADER_ROW + 1
    while sheet.cell(row=row, column=1).value is not None:
        day = sheet.cell(row=row, column=1).value.date()
        if day not in seen_days:
            seen_days.append(day)
            slot = 0
        if len(seen_days) <= days and slot < visits_per_day:
            opens, closes = offer.opening_hours[day.weekday()][0]
            start = dt.datetime.strptime(opens, "%H:%M") + dt.timedelta(minutes=15 * slot)
            end = dt.datetime.strptime(closes, "%H:%M") - dt.timedelta(minutes=30)
            sheet.cell(row=row, column=2, value=names[(filled * 7) % len(names)])
            sheet.cell(row=row, column=3, value=start.time())
            sheet.cell(row=row, column=4, value=end.time())
            sheet.cell(row=row, column=5, value="værksted" if slot == 0 else None)
            filled += 1
        slot += 1
        row += 1
    workbook.save(path)
    return filled


def test_template_layout_and_validation(tmp_path):
    out = tmp_path / "auc.xlsx"
    assert (
        main(["template", "--dataset", str(DEMO), "--offer", "auc", "--month", "2026-04", "--out", str(out)])
        == 0
    )
    sheet = openpyxl.load_workbook(out).active
    assert [c.value for c in sheet[HEADER_ROW]][: len(HEADERS)] == HEADERS
    assert "AUC" in sheet["A1"].value and "april 2026" in sheet["A1"].value
    offer = read_offers(DEMO)["auc"]
    first, last = parse_month("2026-04")
    days = opening_days(offer, first, last)
    assert dt.date(2026, 4, 6) not in days  # Easter Monday (2. påskedag)
    dates = {c.value.date() for c in sheet["A"][HEADER_ROW:] if c.value is not None}
    assert dates == set(days)
    kinds = {v.type: v for v in sheet.data_validations.dataValidation}
    assert set(kinds) == {"date", "time", "list"}
    assert kinds["date"].formula1 == str((first - dt.date(1899, 12, 30)).days)
    assert kinds["list"].formula1.startswith(f"${LIST_COLUMN}$")
    assert sheet.column_dimensions[LIST_COLUMN].hidden


def test_template_for_every_offer(tmp_path):
    assert main(["template", "--dataset", str(DEMO), "--month", "2026-05", "--out", str(tmp_path)]) == 0
    assert len(list(tmp_path.glob("*.xlsx"))) == len(read_offers(DEMO))


@pytest.mark.parametrize("offer_id", ["auc", "no17"])
def test_filled_template_round_trips_with_no_rule_fired(tmp_path, offer_id):
    offer = read_offers(DEMO)[offer_id]
    path = tmp_path / f"{offer_id}_april.xlsx"
    assert (
        main(
            [
                "template",
                "--dataset",
                str(DEMO),
                "--offer",
                offer_id,
                "--month",
                "2026-04",
                "--out",
                str(path),
            ]
        )
        == 0
    )
    filled = fill(path, offer)
    raw = dataset_with(tmp_path, path)
    result = clean_dataset(raw, tmp_path / "processed", tmp_path / "quarantine", {"strict": True})
    rules = set(result.quality_log["rule"])
    assert rules <= STRUCTURAL, rules - STRUCTURAL
    assert result.quality_log.loc[result.quality_log["rule"] == "offer_alias", "row"].isna().all()
    assert len(result.visits) == filled == result.totals()["kept"]
    assert (result.visits["flags"].astype(str) == "").all()
    assert (result.visits["offer_id"] == offer_id).all()
    assert result.quarantine.empty
    assert result.review_counts["other_unmatched_names"] == 0 and result.review_counts["rows"] == 0


def test_bad_month_is_one_line(capsys):
    assert main(["template", "--dataset", str(DEMO), "--month", "april", "--out", "/tmp/x.xlsx"]) == 2
    assert "YYYY-MM" in capsys.readouterr().err


def test_dates_written_are_excel_dates(tmp_path):
    out = tmp_path / "t.xlsx"
    main(["template", "--dataset", str(DEMO), "--offer", "no17", "--month", "2026-03", "--out", str(out)])
    frame = pd.read_excel(out, header=HEADER_ROW - 1)
    assert pd.api.types.is_datetime64_any_dtype(frame["Dato"])
