"""Writes the bad-input catalogue: one small raw dataset folder per case (see README.md and cases.yaml).

Run `python tests/bad_inputs/build_cases.py` from the project folder to rewrite every case folder; the files are
committed so an analyst can open them in Excel or a text editor. Each case is the same small, valid dataset
(`dataset.yaml`, `offers.yaml`, `referrals.csv` and one good registration file) with one thing broken, so the
outcome can only come from that one thing. The 1-million-row case is too big to commit: `write_million_rows`
writes it at test time.

All names are invented; the CPR-like number in `cpr_in_citizen` is not a real person's.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import openpyxl

HERE = Path(__file__).resolve().parent
# The demo key is not committed (*.key is git-ignored); tests and analysts set it in the environment.
CATALOGUE_KEY = "bad-inputs-catalogue-key-0001"
FIXED_TIME = dt.datetime(2026, 6, 1, 12, 0, 0)

DATASET_YAML = """\
name: bad-input case
synthetic: true
period_start: 2026-03-02
period_end: 2026-05-29
description: Et tilfælde fra kataloget over fejlbehæftede rådata (tests/bad_inputs). Opdigtede navne.
"""

OFFERS_YAML = """\
offers:
  auc:
    name: AUC
    aliases: [AUC, A.U.C., auc grenaa]
    town: Grenaa
    approved_places: 30
    opening_hours:
      mandag: [["09:00", "15:00"]]
      tirsdag: [["09:00", "15:00"]]
      onsdag: [["09:00", "15:00"]]
      torsdag: [["09:00", "15:00"]]
      fredag: [["09:00", "13:00"]]
    closed_dates: []
    roster:
      - {weekday: mandag, start: "08:30", end: "15:30", staff: 3}
    fte: 5.2
    annual_budget_dkk: 3100000
    staff_and_volunteers: [Ida Personale]
  no17:
    name: No. 17
    aliases: [No 17, Nr. 17, no17, nr17]
    town: Auning
    approved_places: null
    opening_hours:
      mandag: [["10:00", "15:00"]]
      onsdag: [["10:00", "15:00"]]
    closed_dates: []
    staff_and_volunteers: []
"""

REFERRALS_CSV = """\
Tilbud;Navn;Initialer;Visiteret fra;Visiteret til;Aldersgruppe
AUC;Hanne Jensen;HJ;01-01-2026;;30-49
AUC;Anders Holm;AH;01-01-2026;31-12-2026;18-29
AUC;Bo Berg;BB;01-02-2026;;50-64
No 17;Karl Nielsen;KN;01-06-2025;;65+
"""

# The one good file every case has: 4 visits at AUC, all kept.
GOOD_FILE = "AUC marts 2026.csv"
GOOD_CSV = """\
Dato;Navn;Ind;Ud;Bemærkning
02-03-2026;Hanne Jensen;9.30;14.00;
02-03-2026;Anders Holm;10.00;12.30;
03-03-2026;Bo Berg;9.00;13.00;
04-03-2026;Hanne Jensen;9.15;11.45;tur til stranden
"""

HEADER = ["Dato", "Navn", "Ind", "Ud", "Bemærkning"]


# --------------------------------------------------------------------------------------------- writers


def csv_text(rows: list[list], sep: str = ";") -> str:
    return "".join(sep.join("" if v is None else str(v) for v in row) + "\n" for row in rows)


def xlsx_bytes(sheets: dict[str, list[list]]) -> bytes:
    """A workbook as Excel would save it (one sheet per entry), with fixed document times."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.properties.creator = "bad-inputs catalogue"
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _fixed_zip_times(buffer.getvalue())


def _fixed_zip_times(data: bytes) -> bytes:
    """Rewrite a zip with fixed member times, so rebuilding the catalogue gives the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dest:
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            data = source.read(item.filename)
            if item.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-06-01T12:00:00Z", data)
            dest.writestr(info, data)
    return out.getvalue()


def xlsx_hidden_bytes(visible: dict[str, list[list]], hidden: dict[str, list[list]]) -> bytes:
    """A workbook with some sheets hidden (Excel: right-click the sheet tab > Hide)."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in [*visible.items(), *hidden.items()]:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if title in hidden:
            sheet.sheet_state = "hidden"
    workbook.properties.creator = "bad-inputs catalogue"
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _fixed_zip_times(buffer.getvalue())


def xlsx_merged_bytes(title: str, rows: list[list], merged: list[str]) -> bytes:
    """A workbook whose cell ranges in `merged` are merged (only the top-left cell keeps its value)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for cells in merged:
        sheet.merge_cells(cells)
    workbook.properties.creator = "bad-inputs catalogue"
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _fixed_zip_times(buffer.getvalue())


def ods_bytes(sheets: dict[str, list[list]], hidden: tuple[str, ...] = ()) -> bytes:
    """An OpenDocument spreadsheet (LibreOffice Calc), written with odfpy: text cells, fixed content; the sheets
    named in `hidden` are hidden (a table style with display=false, as LibreOffice writes it)."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import Style, TableProperties
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    hidden_style = Style(name="ta_hidden", family="table")
    hidden_style.addElement(TableProperties(display=False))
    document.automaticstyles.addElement(hidden_style)
    for title, rows in sheets.items():
        table = Table(name=title, stylename=hidden_style) if title in hidden else Table(name=title)
        for row in rows:
            table_row = TableRow()
            for value in row:
                cell = TableCell(valuetype="string") if value not in (None, "") else TableCell()
                if value not in (None, ""):
                    cell.addElement(P(text=str(value)))
                table_row.addElement(cell)
            table.addElement(table_row)
        document.spreadsheet.addElement(table)
    buffer = io.BytesIO()
    document.write(buffer)
    return _fixed_zip_times(buffer.getvalue())


def xlsm_bytes(sheets: dict[str, list[list]]) -> bytes:
    """A macro-enabled workbook: the xlsx parts with the macro content type and a VBA project part."""
    plain = xlsx_bytes(sheets)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(plain)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dest,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                ).replace(
                    b"</Types>",
                    b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>',
                )
            dest.writestr(zipfile.ZipInfo(item.filename, date_time=FIXED_TIME.timetuple()[:6]), data)
        # not a working VBA project: the cleaner must never run or need macros, only read cell values
        dest.writestr(
            zipfile.ZipInfo("xl/vbaProject.bin", date_time=FIXED_TIME.timetuple()[:6]),
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504,
        )
    return out.getvalue()


def encrypted_xlsx_bytes(sheets: dict[str, list[list]], password: str = "Fremmøde2026") -> bytes:
    """A password-protected workbook as Excel writes it: an OLE2 file holding the encrypted package.

    Needs msoffcrypto-tool (a dev dependency, only for rebuilding this one fixture).
    """
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(xlsx_bytes(sheets))).encrypt(password, out)
    return out.getvalue()


def write_case(name: str, files: dict[str, str | bytes | None]) -> Path:
    """The base dataset with `files` added or replaced (text is written as UTF-8; None removes a file)."""
    folder = HERE / name
    if folder.exists():
        shutil.rmtree(folder)
    base: dict[str, str | bytes | None] = {
        "dataset.yaml": DATASET_YAML,
        "offers.yaml": OFFERS_YAML,
        "referrals.csv": REFERRALS_CSV,
        f"registrations/{GOOD_FILE}": GOOD_CSV,
    }
    base.update(files)
    (folder / "registrations").mkdir(parents=True)
    for rel, content in base.items():
        if content is None:
            continue
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return folder


# --------------------------------------------------------------------------------------------- the cases

CASES: dict[str, Callable[[], dict[str, str | bytes | None]]] = {}


def case(func: Callable[[], dict[str, str | bytes | None]]) -> Callable[[], dict[str, str | bytes | None]]:
    CASES[func.__name__] = func
    return func


APRIL = [
    ["07-04-2026", "Hanne Jensen", "9.30", "14.00", ""],
    ["07-04-2026", "Bo Berg", "10.00", "12.00", ""],
]


@case
def no_date_column():
    rows = [["Navn", "Ind", "Ud", "Bemærkning"], ["Hanne Jensen", "9.30", "14.00", ""]]
    return {"registrations/AUC april 2026.csv": csv_text(rows)}


@case
def no_citizen_column():
    rows = [["Dato", "Ind", "Ud", "Bemærkning"], ["07-04-2026", "9.30", "14.00", ""]]
    return {"registrations/AUC april 2026.xlsx": xlsx_bytes({"Uge 15": rows})}


@case
def unknown_layout():
    notes = [["Husk at låse døren"], ["Kaffe bestilt til torsdag"], [None], ["Ring til Bo om turen"]]
    return {"registrations/AUC april 2026.xlsx": xlsx_bytes({"Uge 15": [HEADER, *APRIL], "Noter": notes})}


@case
def empty_csv():
    return {"registrations/AUC april 2026.csv": b""}


@case
def empty_xlsx_zero_bytes():
    return {"registrations/AUC april 2026.xlsx": b""}


@case
def header_only():
    return {"registrations/AUC april 2026.csv": csv_text([HEADER])}


@case
def blank_rows_only():
    sheet = [[None, None, None], ["", " ", None], [None, None, None]]
    return {
        "registrations/AUC april 2026.csv": ";;;;\n;;;;\n\n;;;;\n",
        "registrations/AUC maj 2026.xlsx": xlsx_bytes({"Ark1": sheet}),
    }


@case
def utf16_csv_with_bom():
    text = csv_text([HEADER, ["07-04-2026", "Søren Ærø", "9.30", "14.00", "værksted"]], sep="\t")
    return {"registrations/AUC april 2026.csv": text.encode("utf-16")}


@case
def utf16_csv_without_bom():
    text = csv_text([HEADER, ["07-04-2026", "Søren Ærø", "9.30", "14.00", "værksted"]], sep="\t")
    return {"registrations/AUC april 2026.csv": text.encode("utf-16-le")}


@case
def undecodable_bytes():
    # an old DOS export (cp850): `Ø` is byte 0x9D, which is neither UTF-8 nor defined in cp1252
    text = csv_text([HEADER, ["07-04-2026", "Søren Ørum", "9.30", "14.00", "værksted"]])
    return {"registrations/AUC april 2026.csv": text.encode("cp850")}


@case
def tab_separated():
    return {"registrations/AUC april 2026.txt": csv_text([HEADER, *APRIL], sep="\t")}


@case
def pipe_separated():
    return {"registrations/AUC april 2026.csv": csv_text([HEADER, *APRIL], sep="|")}


@case
def ragged_csv():
    # the separator is sniffed from the first 200 lines; a line further down with more fields stops the stage
    rows = [HEADER] + [["07-04-2026", f"Borger {i:03d}", "9.30", "12.00", ""] for i in range(223)]
    rows.append(["08-04-2026", "Bo Berg", "9.00", "12.00", "tur", "til", "stranden", "med", "bus"])
    return {"registrations/AUC april 2026.csv": csv_text(rows)}


@case
def separator_in_name():
    # `Jensen; Hanne` in a ;-separated file shifts the row one cell to the right
    rows = [HEADER, *APRIL, ["08-04-2026", "Jensen; Hanne", "9.00", "12.00", ""]]
    return {"registrations/AUC april 2026.csv": csv_text(rows)}


@case
def corrupt_xlsx_truncated():
    whole = xlsx_bytes({"Uge 15": [HEADER, *APRIL]})
    return {"registrations/AUC april 2026.xlsx": whole[: len(whole) // 2]}


@case
def password_protected_xlsx():
    return {"registrations/AUC april 2026.xlsx": encrypted_xlsx_bytes({"Uge 15": [HEADER, *APRIL]})}


@case
def macro_workbook_xlsm():
    return {"registrations/AUC april 2026.xlsm": xlsm_bytes({"Uge 15": [HEADER, *APRIL]})}


@case
def docx_and_pdf_in_registrations():
    return {
        "registrations/Referat personalemøde.docx": b"PK\x03\x04 (a Word document)",
        "registrations/Vejledning fremmøde.pdf": b"%PDF-1.4\n% a PDF\n",
        "registrations/AUC april 2026.csv": csv_text([HEADER, *APRIL]),
    }


@case
def no_registration_files():
    return {f"registrations/{GOOD_FILE}": None, "registrations/Vejledning fremmøde.pdf": b"%PDF-1.4\n"}


@case
def dates_outside_period():
    rows = [
        HEADER,
        ["07-04-2026", "Hanne Jensen", "9.30", "14.00", ""],
        ["07-04-2027", "Hanne Jensen", "9.30", "14.00", "et år for sent"],
        ["15-12-2026", "Bo Berg", "10.00", "12.00", "fremtiden"],
        ["27-02-2026", "Bo Berg", "10.00", "12.00", "før perioden"],
        ["31-04-2026", "Anders Holm", "10.00", "12.00", "findes ikke"],
        ["#VALUE!", "Anders Holm", "10.00", "12.00", "Excel-fejl"],
    ]
    return {"registrations/AUC april 2026.csv": csv_text(rows)}


# ----- citizen names: resolved against the referral list, never merged when they could be two people


@case
def first_names_two_jans():
    referrals = REFERRALS_CSV + "AUC;Jan Hansen;JH;01-01-2026;;30-49\nAUC;Jan Berg;;01-01-2026;;50-64\n"
    rows = [
        HEADER,
        ["07-04-2026", "Jan", "9.30", "12.00", ""],
        ["07-04-2026", "Jan", "10.00", "14.00", ""],
        ["07-04-2026", "Hanne Jensen", "9.30", "14.00", ""],
        ["08-04-2026", "Bo", "10.00", "12.00", ""],
    ]
    return {"referrals.csv": referrals, "registrations/AUC april 2026.csv": csv_text(rows)}


@case
def surname_first_in_capitals():
    referrals = REFERRALS_CSV + "AUC;Allan Thygesen;AT;01-01-2026;;30-49\n"
    rows = [
        HEADER,
        ["07-04-2026", "THYGESEN, Allan", "9.30", "14.00", ""],
        ["08-04-2026", "Allan Thygesen", "9.30", "14.00", ""],
        ["08-04-2026", "JENSEN,  Hanne", "10.00", "12.00", ""],
    ]
    return {"referrals.csv": referrals, "registrations/AUC april 2026.csv": csv_text(rows)}


@case
def name_with_initial():
    referrals = (
        REFERRALS_CSV + "AUC;Allan Thygesen;AT;01-01-2026;;30-49\nAUC;Karen Dahl;KD;01-01-2026;;50-64\n"
    )
    rows = [
        HEADER,
        ["07-04-2026", "allan t.", "9.30", "14.00", ""],
        ["07-04-2026", "Karen D.", "10.00", "12.00", ""],
        ["08-04-2026", "Allan Thygesen", "9.30", "14.00", ""],
    ]
    return {"referrals.csv": referrals, "registrations/AUC april 2026.csv": csv_text(rows)}


@case
def unknown_offer_in_column():
    rows = [
        ["Tilbud", *HEADER],
        ["AUC", "07-04-2026", "Hanne Jensen", "9.30", "14.00", ""],
        ["Nr. 17", "08-04-2026", "Karl Nielsen", "10.00", "12.00", ""],
        ["Værestedet", "08-04-2026", "Bo Berg", "10.00", "12.00", ""],
    ]
    return {"registrations/samlet april 2026.xlsx": xlsx_bytes({"April": rows})}


@case
def no_offer_anywhere():
    return {"registrations/fremmøde april 2026.csv": csv_text([HEADER, *APRIL])}


@case
def negative_durations():
    rows = [
        HEADER,
        ["07-04-2026", "Hanne Jensen", "14.00", "9.30", "byttet om"],
        ["07-04-2026", "Bo Berg", "12.00", "10.00", ""],
        ["08-04-2026", "Anders Holm", "10.00", "12.00", ""],
    ]
    return {"registrations/AUC april 2026.csv": csv_text(rows)}


@case
def absurd_durations():
    rows = [
        HEADER,
        ["07-04-2026", "Hanne Jensen", "06.00", "23.30", "17,5 timer"],
        ["07-04-2026", "Bo Berg", "00:00", "23:59", "hele døgnet"],
        ["08-04-2026", "Anders Holm", "9.00", "36:00", "36 timer"],
        ["08-04-2026", "Hanne Jensen", "10.00", "12.00", ""],
    ]
    # Excel date-time cells: the time of day alone would make 7/4 9:00 → 9/4 10:00 a one-hour visit
    excel = [
        ["Dato", "Navn", "Ind", "Ud"],
        [dt.datetime(2026, 4, 14), "Bo Berg", dt.datetime(2026, 4, 14, 9), dt.datetime(2026, 4, 16, 10)],
        [dt.datetime(2026, 4, 14), "Hanne Jensen", dt.datetime(2026, 4, 14, 9), dt.datetime(2026, 4, 14, 12)],
        [dt.datetime(2026, 4, 15), "Anders Holm", dt.time(9, 0), dt.timedelta(hours=36)],
    ]
    return {
        "registrations/AUC april 2026.csv": csv_text(rows),
        "registrations/AUC uge 16.xlsx": xlsx_bytes({"Uge 16": excel}),
    }


@case
def impossible_times():
    rows = [
        HEADER,
        ["07-04-2026", "Hanne Jensen", "25.70", "14.00", ""],
        ["07-04-2026", "Bo Berg", "9.75", "12.00", ""],
        ["08-04-2026", "Anders Holm", "10.00", "24.30", ""],
        ["08-04-2026", "Bo Berg", "kl. 10", "middag", ""],
        ["09-04-2026", "Anders Holm", "10.00", "12.00", ""],
    ]
    return {"registrations/AUC april 2026.csv": csv_text(rows)}


@case
def mixed_granularity():
    days = ["07-04-2026", "08-04-2026", "09-04-2026", "10-04-2026"]
    tick = [
        ["Navn", *days, "I alt"],
        ["Hanne Jensen", "X", "9-14", None, "x", 3],
        ["Bo Berg", None, "X", "10.30-12", None, 2],
        ["Anders Holm", None, None, None, None, 0],
        ["I alt", 1, 2, 1, 1, 5],
    ]
    long = [
        HEADER,
        ["14-04-2026", "Hanne Jensen", "9.30", "14.00", ""],
        ["14-04-2026", "Bo Berg", "X", None, "kun kryds"],
        ["15-04-2026", "Anders Holm", "X", "X", "kun kryds"],
    ]
    return {"registrations/AUC april 2026.xlsx": xlsx_bytes({"Uge 15 kryds": tick, "Uge 16": long})}


@case
def duplicated_sheets():
    rows = [HEADER, *APRIL, ["08-04-2026", "Anders Holm", "10.00", "12.00", ""]]
    return {"registrations/AUC april 2026.xlsx": xlsx_bytes({"Uge 15": rows, "Uge 15 (2)": rows})}


@case
def missing_offers_yaml():
    return {"offers.yaml": None}


@case
def broken_offers_yaml_syntax():
    broken = OFFERS_YAML.replace('tirsdag: [["09:00", "15:00"]]', 'tirsdag: [["09:00", "15:00"]')
    return {"offers.yaml": broken}


@case
def offers_yaml_hour_25():
    return {
        "offers.yaml": OFFERS_YAML.replace('onsdag: [["09:00", "15:00"]]', 'onsdag: [["09:00", "25:00"]]')
    }


@case
def missing_referral_list():
    return {"referrals.csv": None}


@case
def referral_bad_date():
    return {"referrals.csv": REFERRALS_CSV.replace("Bo Berg;BB;01-02-2026", "Bo Berg;BB;1. febuar 2026")}


@case
def missing_dataset_yaml():
    return {"dataset.yaml": None}


@case
def period_end_before_start():
    return {"dataset.yaml": DATASET_YAML.replace("period_end: 2026-05-29", "period_end: 2025-05-29")}


@case
def cpr_in_citizen():
    rows = [
        HEADER,
        ["07-04-2026", "Hanne Jensen", "9.30", "14.00", ""],
        ["07-04-2026", "010190-1234", "10.00", "12.00", "CPR i navnefeltet"],
        ["08-04-2026", "Bo Berg 0101901234", "10.00", "12.00", ""],
    ]
    return {"registrations/AUC april 2026.csv": csv_text(rows)}


@case
def total_row_in_middle():
    rows = [
        ["Fremmøde AUC april 2026"],
        HEADER,
        ["07-04-2026", "Hanne Jensen", "9.30", "14.00", ""],
        ["07-04-2026", "Bo Berg", "10.00", "12.00", ""],
        ["I alt", 2, None, None, None],
        [None, None, None, None, None],
        HEADER,
        ["14-04-2026", "Anders Holm", "10.00", "12.00", ""],
        ["Total", None, "", None, None],
    ]
    return {"registrations/AUC april 2026.xlsx": xlsx_bytes({"April": rows})}


# ---------------------------------------------------------------- issue 10: files and sheets


@case
def hidden_sheet():
    old = [HEADER, ["08-04-2026", "Anders Holm", "10.00", "12.00", "gammel kopi"]]
    return {
        "registrations/AUC april 2026.xlsx": xlsx_hidden_bytes({"Uge 15": [HEADER, *APRIL]}, {"Gammel": old})
    }


@case
def formula_without_cached_value():
    rows = [
        [*HEADER, "Timer"],
        ["07-04-2026", "Hanne Jensen", "9.30", "14.00", "", "=D2-C2"],
        ["07-04-2026", "Bo Berg", "10.00", "12.00", "", "=D3-C3"],
    ]
    return {"registrations/AUC april 2026.xlsx": xlsx_bytes({"Uge 15": rows})}


@case
def ods_workbook():
    old = [HEADER, ["08-04-2026", "Anders Holm", "10.00", "12.00", "gammel kopi"]]
    sheets = {"Uge 15": [HEADER, *APRIL], "Skjult": old}
    return {"registrations/AUC april 2026.ods": ods_bytes(sheets, hidden=("Skjult",))}


@case
def lock_and_hidden_files():
    return {
        "registrations/AUC april 2026.csv": csv_text([HEADER, *APRIL]),
        "registrations/~$AUC april 2026.xlsx": b"lock",
        "registrations/.DS_Store": b"\x00\x00\x00\x01Bud1",
        "noter.txt": "Husk at opdatere visitationslisten\n",
    }


# ---------------------------------------------------------------- issue 10: tick lists


@case
def tick_list_weekday_headers_and_absence():
    tick = [
        ["Navn", "ti 7/4", "on 8/4", "to 9/4", "fr 10/4", "I alt"],
        ["Hanne Jensen", "X", "syg", "x", "/", 2],
        ["Bo Berg", "afbud", "X", None, "X", 2],
        ["Anders Holm", None, "Afbud", None, None, 0],
    ]
    return {"registrations/AUC april 2026.xlsx": xlsx_bytes({"Uge 15 kryds": tick})}


@case
def tick_list_unreadable_header():
    tick = [
        ["Navn", "ti 7/4", "on 8/4", "to 9/4", "10/4 fredag"],
        ["Hanne Jensen", "X", None, "x", "X"],
        ["Bo Berg", None, "X", None, "X"],
    ]
    return {"registrations/AUC april 2026.xlsx": xlsx_bytes({"Uge 15 kryds": tick})}


# ---------------------------------------------------------------- issue 10: dates


@case
def dag_beside_dato():
    rows = [
        ["Dag", "Dato", "Navn", "Ind", "Ud"],
        ["tirsdag", "07-04-2026", "Hanne Jensen", "9.30", "14.00"],
        ["tirsdag", "07-04-2026", "Bo Berg", "10.00", "12.00"],
        ["onsdag", "09-04-2026", "Anders Holm", "10.00", "12.00"],
    ]
    return {"registrations/AUC april 2026.xlsx": xlsx_bytes({"Uge 15": rows})}


@case
def dates_once_per_day():
    rows = [
        ["Dato", "Navn", "Ind", "Ud"],
        ["07-04-2026", "Hanne Jensen", "9.30", "14.00"],
        [None, "Bo Berg", "10.00", "12.00"],
        [None, "Anders Holm", "10.00", "12.00"],
        ["08-04-2026", "Hanne Jensen", "9.30", "14.00"],
        [None, "Bo Berg", "10.00", "12.00"],
    ]
    merged = [
        ["Dato", "Navn", "Ind", "Ud"],
        ["14-04-2026", "Hanne Jensen", "9.30", "14.00"],
        [None, "Bo Berg", "10.00", "12.00"],
        ["15-04-2026", "Anders Holm", "10.00", "12.00"],
    ]
    return {
        "registrations/AUC april 2026.csv": csv_text(rows),
        "registrations/AUC uge 16.xlsx": xlsx_merged_bytes("Uge 16", merged, ["A2:A3"]),
    }


@case
def danish_date_forms():
    rows = [
        HEADER,
        ["ti 7/4", "Hanne Jensen", "9.30", "14.00", ""],
        ["d. 8/4", "Bo Berg", "10.00", "12.00", ""],
        ["9-apr-26", "Anders Holm", "10.00", "12.00", ""],
        ["10/4 2026", "Hanne Jensen", "9.30", "12.00", ""],
        ["fr 14/4", "Bo Berg", "10.00", "12.00", "fredag? 14/4 er en tirsdag"],
    ]
    return {"registrations/AUC april 2026.csv": csv_text(rows)}


@case
def month_first_dates():
    rows = [
        HEADER,
        ["4/7/2026", "Hanne Jensen", "9.30", "14.00", ""],
        ["4/15/2026", "Bo Berg", "10.00", "12.00", ""],
        ["4/8/2026", "Anders Holm", "10.00", "12.00", ""],
    ]
    return {"registrations/AUC april 2026.csv": csv_text(rows)}


@case
def mixed_date_order():
    rows = [
        HEADER,
        ["15/4/2026", "Hanne Jensen", "9.30", "14.00", ""],
        ["4/16/2026", "Bo Berg", "10.00", "12.00", ""],
    ]
    return {"registrations/AUC april 2026.csv": csv_text(rows)}


# ---------------------------------------------------------------- issue 10: times


@case
def time_range_column():
    rows = [
        ["Dato", "Navn", "Tid", "Bemærkning"],
        ["07-04-2026", "Hanne Jensen", "9.30-14", ""],
        ["07-04-2026", "Bo Berg", "kl 9 - 13", ""],
        ["08-04-2026", "Anders Holm", "9:30–14:00", ""],
        ["08-04-2026", "Hanne Jensen", "10", "gik ikke ud"],
    ]
    return {"registrations/AUC april 2026.xlsx": xlsx_bytes({"Uge 15": rows})}


@case
def afternoon_hours_typed_as_1_to_3():
    rows = [
        ["Dato", "Navn", "Kom", "Gik"],
        ["07-04-2026", "Hanne Jensen", "10.30", "2.15"],
        ["07-04-2026", "Bo Berg", "1", "3"],
        ["08-04-2026", "Anders Holm", "18.00", "20.00"],
        ["08-04-2026", "Bo Berg", "10.00", "12.00"],
    ]
    return {"registrations/AUC april 2026.csv": csv_text(rows)}


# ---------------------------------------------------------------- issue 10: staff, offers and columns


@case
def staff_by_name_field():
    rows = [
        HEADER,
        ["07-04-2026", "Personale: Ida", "8.30", "15.30", ""],
        ["07-04-2026", "Frivillig - Ole", "9.00", "13.00", ""],
        ["07-04-2026", "Hanne Jensen", "9.30", "14.00", "Personalet hjalp med ansøgning"],
        ["08-04-2026", "Bo Berg", "10.00", "12.00", "frivilligt arbejde i haven"],
    ]
    return {"registrations/AUC april 2026.csv": csv_text(rows)}


@case
def two_date_columns():
    rows = [
        ["Dato", "Navn", "Ind", "Ud", "Date"],
        ["07-04-2026", "Hanne Jensen", "9.30", "14.00", "07-04-2026"],
    ]
    return {"registrations/AUC april 2026.xlsx": xlsx_bytes({"Uge 15": rows})}


@case
def offer_cell_disagrees_with_file_name():
    rows = [
        ["Tilbud", *HEADER],
        ["AUC", "07-04-2026", "Hanne Jensen", "9.30", "14.00", ""],
        ["No 17", "08-04-2026", "Karl Nielsen", "10.00", "12.00", ""],
    ]
    return {"registrations/AUC april 2026.xlsx": xlsx_bytes({"April": rows})}


# --------------------------------------------------------------------------------------------- big case


def write_million_rows(raw_dir: Path, n: int = 1_000_000, seed: int = 1) -> dict[str, int]:
    """The `million_rows` case: the base dataset plus `AUC stor eksport.csv` with `n` AUC registrations.

    Row i is citizen i // 63 on weekday i % 63 of the period, so no two rows share a citizen-day and the
    outcome of every row is known without re-implementing the cleaner: every 1000th row (i % 1000 == 500)
    has `25.70` as time in (quarantined), every 5000th row (i % 5000 == 4999) is an exact copy of the row
    above (merged), the rest are kept. Times are random in opening hours (seeded); written with numpy, no
    Python loop over rows. Returns the expected counts of the big file.
    """
    raw_dir = Path(raw_dir)
    (raw_dir / "registrations").mkdir(parents=True, exist_ok=True)
    for rel, text in {
        "dataset.yaml": DATASET_YAML,
        "offers.yaml": OFFERS_YAML,
        "referrals.csv": REFERRALS_CSV,
        f"registrations/{GOOD_FILE}": GOOD_CSV,
    }.items():
        (raw_dir / rel).write_text(text, encoding="utf-8")
    rng = np.random.default_rng(seed)
    days = np.arange(np.datetime64("2026-03-02"), np.datetime64("2026-05-30"))
    days = days[np.is_busday(days)]
    day_text = np.array([f"{d.day:02d}-{d.month:02d}-{d.year}" for d in days.astype(object)], dtype=object)
    index = np.arange(n)
    n_citizens = int(index[-1] // len(days)) + 1 if n else 0
    names = np.array([f"Borger {i:05d}" for i in range(n_citizens)], dtype=object)
    start_min = rng.integers(9 * 60, 12 * 60, size=n)
    end_min = start_min + rng.integers(30, 180, size=n)

    def clock(minutes: np.ndarray) -> np.ndarray:
        hours = (minutes // 60).astype(str).astype(object)
        return hours + "." + np.char.zfill((minutes % 60).astype(str), 2).astype(object)

    date_col = day_text[index % len(days)]
    name_col = names[index // len(days)]
    in_col, out_col = clock(start_min), clock(end_min)
    bad_time = index % 1000 == 500
    in_col[bad_time] = "25.70"
    dup = np.flatnonzero(index % 5000 == 4999)
    for column in (date_col, name_col, in_col, out_col):
        column[dup] = column[dup - 1]
    lines = date_col + ";" + name_col + ";" + in_col + ";" + out_col + ";\n"
    path = raw_dir / "registrations" / "AUC stor eksport.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write("Dato;Navn;Ind;Ud;Bemærkning\n")
        handle.write("".join(lines.tolist()))
    quarantined = int(bad_time.sum())
    return {
        "rows_read": n + 1,
        "kept": n - quarantined - len(dup),
        "merged": len(dup),
        "quarantined": quarantined,
        "ignored": 1,
    }


def build_all() -> list[Path]:
    return [write_case(name, make()) for name, make in CASES.items()]


if __name__ == "__main__":
    for folder in build_all():
        print(folder.relative_to(HERE.parents[1]))
