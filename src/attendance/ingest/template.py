"""`attendance template`: the registration workbook staff should use next period, one per offer and month.

Made from offers.yaml and the referral list so that the clean stage reads it with no decision to make: a title
row naming the offer, the fixed headers Dato, Navn, Ind, Ud, Bemærkning, the month's opening days pre-filled
(`rows_per_day` lines each; a line with only its date is an unused line, ignored as `blank_row`), Excel data
validation on the date (within the month), the times (HH:MM within the offer's opening hours) and the name (a
drop-down of the citizens referred to the offer that month, kept in a hidden column of the sheet — a separate list
sheet would be read as a registration sheet).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import holidays
import pandas as pd

from attendance.errors import InputError

from .citizen_lists import read_referrals
from .offers import Offer, read_dataset, read_offers

# the reader skips this column (the drop-down's citizens): not registrations
from .sheet_layout import TEMPLATE_LIST_HEADER as LIST_HEADER
from .xlsx import save_workbook

MONTHS_DA = (
    "januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
    "november", "december",
)  # fmt: skip
HEADERS = ["Dato", "Navn", "Ind", "Ud", "Bemærkning"]
LIST_COLUMN = "Z"  # hidden: the drop-down's citizens

SHEET_TITLE = "Fremmøde"
HEADER_ROW = 2
DEFAULT_ROWS_PER_DAY = 10


def parse_month(text: str) -> tuple[dt.date, dt.date]:
    try:
        first = dt.datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError as exc:
        raise InputError(f"--month {text!r} is not a month", fix="write it as YYYY-MM, e.g. 2026-04") from exc
    last = (pd.Timestamp(first) + pd.offsets.MonthEnd(0)).date()
    return first, last


def opening_days(offer: Offer, first: dt.date, last: dt.date) -> list[dt.date]:
    """Days of the month with opening hours, minus Danish public holidays and the offer's closed dates."""
    dk = holidays.country_holidays("DK", years=[first.year], language="da")
    closed = set(offer.closed_dates)
    days = []
    day = first
    while day <= last:
        if offer.opening_hours.get(day.weekday()) and day not in dk and day not in closed:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def referred_names(referrals: pd.DataFrame, offer_id: str, first: dt.date, last: dt.date) -> list[str]:
    """Citizens referred to the offer at some time in the month, sorted, as written on the referral list."""
    mine = referrals[referrals["offer_id"] == offer_id]
    start = pd.to_datetime(mine["referral_start"])
    end = pd.to_datetime(mine["referral_end"])
    active = (start <= pd.Timestamp(last)) & (end.isna() | (end >= pd.Timestamp(first)))
    return sorted({" ".join(str(n).split()) for n in mine.loc[active, "name"]}, key=str.casefold)


def _fraction(hhmm: str) -> float:
    hour, minute = (int(p) for p in hhmm.split(":"))
    return (hour * 60 + minute) / 1440


def build_template(
    offer: Offer, names: list[str], first: dt.date, last: dt.date, rows_per_day: int = DEFAULT_ROWS_PER_DAY
):
    """The workbook (openpyxl) for one offer and month."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    sheet["A1"] = f"Fremmøde {offer.name} – {MONTHS_DA[first.month - 1]} {first.year}"
    sheet["A1"].font = Font(bold=True, size=13)
    for column, header in enumerate(HEADERS, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=column, value=header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    days = opening_days(offer, first, last)
    row = HEADER_ROW
    for day in days:
        for _ in range(rows_per_day):
            row += 1
            cell = sheet.cell(row=row, column=1, value=day)
            cell.number_format = "DD-MM-YYYY"
            for column in (3, 4):
                sheet.cell(row=row, column=column).number_format = "hh:mm"
    last_row = max(row, HEADER_ROW + 1)
    sheet[f"{LIST_COLUMN}{HEADER_ROW}"] = LIST_HEADER
    for i, name in enumerate(names, start=HEADER_ROW + 1):
        sheet[f"{LIST_COLUMN}{i}"] = name
    sheet.column_dimensions[LIST_COLUMN].hidden = True
    for letter, width in zip("ABCDE", (12, 28, 8, 8, 40), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    sheet.print_title_rows = f"1:{HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True

    date_check = DataValidation(
        type="date",
        operator="between",
        formula1=str((first - dt.date(1899, 12, 30)).days),
        formula2=str((last - dt.date(1899, 12, 30)).days),
        showErrorMessage=True,
        errorTitle="Dato",
        error=f"Datoen skal ligge i {MONTHS_DA[first.month - 1]} {first.year}.",
    )
    date_check.add(f"A{HEADER_ROW + 1}:A{last_row}")
    hours = [pair for pairs in offer.opening_hours.values() for pair in pairs]
    opens = min((a for a, _ in hours), default="00:00")
    closes = max((b for _, b in hours), default="23:59")
    time_check = DataValidation(
        type="time",
        operator="between",
        formula1=f"{_fraction(opens):.10f}",
        formula2=f"{_fraction(closes):.10f}",
        showErrorMessage=True,
        errorTitle="Tidspunkt",
        error=f"Skriv tiden som TT:MM mellem {opens} og {closes} (åbningstiden).",
    )
    time_check.add(f"C{HEADER_ROW + 1}:D{last_row}")
    validations = [date_check, time_check]
    if names:
        name_check = DataValidation(
            type="list",
            formula1=f"${LIST_COLUMN}${HEADER_ROW + 1}:${LIST_COLUMN}${HEADER_ROW + len(names)}",
            showErrorMessage=True,
            errorStyle="warning",  # a visitor not on the list can still be written (shown for review)
            errorTitle="Navn",
            error="Navnet står ikke på visitationslisten for tilbuddet. Vælg fra listen, eller skriv det fulde navn.",
        )
        name_check.add(f"B{HEADER_ROW + 1}:B{last_row}")
        validations.append(name_check)
    for check in validations:
        sheet.add_data_validation(check)
    return workbook


def write_templates(
    raw_dir: Path,
    month: str,
    out: Path,
    offer_id: str | None = None,
    rows_per_day: int = DEFAULT_ROWS_PER_DAY,
) -> list[Path]:
    """Write the template of one offer (to `out`, a file) or of every offer (into `out`, a folder)."""
    raw_dir = Path(raw_dir)
    offers = read_offers(raw_dir)
    dataset = read_dataset(raw_dir)
    referrals = read_referrals(raw_dir, offers, dataset)
    first, last = parse_month(month)
    if offer_id is not None and offer_id not in offers:
        raise InputError(
            f"unknown offer {offer_id!r}",
            file=str(raw_dir / "offers.yaml"),
            fix=f"use one of {', '.join(offers)}",
        )
    chosen = [offer_id] if offer_id is not None else list(offers)
    out = Path(out)
    written = []
    for oid in chosen:
        offer = offers[oid]
        target = (
            out
            if offer_id is not None
            else out / f"Fremmøde {offer.name} {MONTHS_DA[first.month - 1]} {first.year}.xlsx"
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        workbook = build_template(
            offer, referred_names(referrals, oid, first, last), first, last, rows_per_day
        )
        save_workbook(workbook, target)
        written.append(target)
    return written
