"""Raw files → raw rows with provenance (file, sheet, 1-based row), nothing interpreted yet.

Staff sheets differ in layout, header names, encodings and where the offer's name is written; this module
finds all of that and hands `cleaning` one table of records (one per spreadsheet row, or one per marked cell
of a tick list) whose cell values are kept as text. Anything that cannot be read at all stops with an
`InputError` naming the file, sheet, row or column and the fix.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import os
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import yaml
from pyarrow import csv as pacsv

from attendance.errors import InputError
from attendance.settings.yamlio import load_yaml_file

from .columns import REGISTRATION_FIELDS, header_lookup, load_column_aliases, normalise_header
from .parsing import normalise_identifier, parse_date, parse_dates, parse_time, weekday_name

HEADER_SEARCH_ROWS = 30
MIN_TICK_DATE_COLUMNS = 3
TOTAL_WORDS = frozenset({"ialt", "total", "sum", "samlet", "totalt"})
# `attendance template` keeps the drop-down's citizens in a hidden column under this header: not registrations,
# so not an unread column either (written by template.py; the two must agree)
TEMPLATE_LIST_HEADER = "Borgerliste (skabelon)"
TICK_PRESENT = frozenset({"x", "1", "✓", "✔", "√", "ja", "j"})
TICK_ABSENT = frozenset({"0", "-", "–"})
_TICK_RANGE = re.compile(
    r"^\s*(?:kl\.?\s*)?(\d{1,2}(?:[.:,]\d{1,2})?)\s*(?:[-–—]|til)\s*(?:kl\.?\s*)?(\d{1,2}(?:[.:,]\d{1,2})?)\s*$",
    re.IGNORECASE,
)
# The same for a whole `Tid` column (Arrow's RE2 dialect): `9.30-14`, `kl 9 - 13`, `9:30–14:00`, `9 til 13`.
_RANGE_RE2 = (
    r"^\s*(?:(?i:kl)\.?\s*)?(?P<time_in>\d{1,2}(?:[.:,]\d{1,2})?)\s*(?:[-–—]|(?i:til))\s*(?:(?i:kl)\.?\s*)?"
    r"(?P<time_out>\d{1,2}(?:[.:,]\d{1,2})?)\s*$"
)
WEEKDAYS = {
    "mandag": 0, "man": 0, "monday": 0, "tirsdag": 1, "tir": 1, "tuesday": 1, "onsdag": 2, "ons": 2,
    "wednesday": 2, "torsdag": 3, "tor": 3, "thursday": 3, "fredag": 4, "fre": 4, "friday": 4,
    "lørdag": 5, "lør": 5, "saturday": 5, "søndag": 6, "søn": 6, "sunday": 6,
}  # fmt: skip
RAW_VALUE_FIELDS = ("date", "citizen", "time_in", "time_out", "comment", "offer")
REGISTRATION_SUFFIXES = {".xlsx", ".xlsm", ".ods", ".csv", ".txt"}
# Cell texts in a tick list (or a time-in cell) that say the citizen was NOT there: not visits, logged as
# `absence_mark`. `X` is a visit (the usual tick); `0`, `-` and an empty cell are no mark at all.
ABSENCE_MARKS = frozenset(
    {
        "/", "\\", "syg", "sygdom", "sygemeldt", "afbud", "afb", "meldt afbud", "fri", "ferie", "fravær",
        "udeblevet", "udeblev", "ude", "ikke mødt", "ikke kommet", "mødte ikke", "kom ikke", "aflyst", "lukket",
    }
)  # fmt: skip
CATEGORY_COLUMNS = (
    "file",
    "sheet",
    "cell",
    "kind",
    "layout",
    "granularity",
    "sheet_offer",
    *RAW_VALUE_FIELDS,
)


@dataclass
class Offer:
    offer_id: str
    name: str
    aliases: list[str]
    town: str | None
    approved_places: int | None
    opening_hours: dict[int, list[tuple[str, str]]]
    closed_dates: list[dt.date]
    roster: list[dict[str, Any]]
    fte: float | None
    annual_budget_dkk: float | None
    staff_and_volunteers: list[str]
    assumptions_note: str | None
    premises_dkk_per_year: float | None = (
        None  # rent etc.; optional (the economy model costs a missing one as 0)
    )
    running_costs_dkk_per_year: float | None = None  # activities, materials, transport; optional

    def public_dict(self) -> dict[str, Any]:
        """What goes to offers.json: everything but the staff names (personal data too)."""
        return {
            "name": self.name,
            "aliases": list(self.aliases),
            "town": self.town,
            "approved_places": self.approved_places,
            "opening_hours": {
                str(day): [list(pair) for pair in self.opening_hours.get(day, [])] for day in range(7)
            },
            "closed_dates": [d.isoformat() for d in self.closed_dates],
            "roster": self.roster,
            "fte": self.fte,
            "annual_budget_dkk": self.annual_budget_dkk,
            "premises_dkk_per_year": self.premises_dkk_per_year,
            "running_costs_dkk_per_year": self.running_costs_dkk_per_year,
            "assumptions_note": self.assumptions_note,
        }


@dataclass
class Dataset:
    name: str
    synthetic: bool
    period_start: pd.Timestamp
    period_end: pd.Timestamp
    description: str | None

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(range(self.period_start.year, self.period_end.year + 1))


@dataclass
class SheetInfo:
    file: str
    sheet: str
    layout: str  # long | tick | empty
    rows_read: int
    header_row: int | None = None
    headers: dict[str, str] = field(default_factory=dict)  # field -> header text as written in the sheet
    sheet_offer: str | None = None
    offer_source: str | None = None  # title row | sheet name | file name
    hidden: bool = False  # a hidden sheet read because clean.include_hidden_sheets is true
    weekday_column: str | None = None  # a `Dag` column of weekday names beside the date (checked, not read)
    time_range_column: str | None = None  # one `Tid` column holding ranges like 9.30-14 (split in two)
    unread_columns: list[str] = field(default_factory=list)  # headers (or letters) of columns not read
    # field -> every column read for it (header as written, or the letter), left to right; several columns only
    # for citizen and comment (long layout: the first filled cell from the left wins)
    field_columns: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Skipped:
    """A file or sheet that is not read, with why: it still gets a line in accounting.csv."""

    file: str
    sheet: str
    rule: str  # quality-log rule: unsupported_file | skipped_file | hidden_sheet | dataset_file
    note: str


@dataclass
class RawRegistrations:
    records: pd.DataFrame
    sheets: list[SheetInfo]
    skipped: list[Skipped] = field(default_factory=list)
    hidden_read: list[tuple[str, str]] = field(default_factory=list)  # hidden sheets read (param on)

    @property
    def skipped_files(self) -> list[str]:
        return [s.file for s in self.skipped if s.rule == "unsupported_file"]


# --------------------------------------------------------------------------------------------- small files


def _load_yaml(path: Path, what: str) -> Any:
    try:
        return load_yaml_file(path)
    except FileNotFoundError as exc:
        raise InputError(
            f"{what} not found", file=path.name, fix=f"add {path.name} to the dataset folder"
        ) from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(
            f"{what} is not valid YAML ({exc.__class__.__name__})",
            file=path.name,
            row=mark.line + 1 if mark else None,
            fix="check indentation, colons and quoting (save as UTF-8)",
        ) from exc


def _as_timestamp(value: Any, file: str, column: str) -> pd.Timestamp:
    parsed = parse_date(value)
    if parsed is None:
        raise InputError(f"{column} is not a date", file=file, column=column, fix="write it as YYYY-MM-DD")
    return parsed


def read_dataset(raw_dir: Path) -> Dataset:
    data = _load_yaml(Path(raw_dir) / "dataset.yaml", "dataset.yaml")
    if not isinstance(data, dict):
        raise InputError("dataset.yaml must be a mapping", file="dataset.yaml", fix="see docs/raw_format.md")
    for key in ("period_start", "period_end"):
        if data.get(key) is None:
            raise InputError(
                f"dataset.yaml has no {key}",
                file="dataset.yaml",
                fix=f"add `{key}: YYYY-MM-DD` (see docs/raw_format.md)",
            )
    start = _as_timestamp(data["period_start"], "dataset.yaml", "period_start")
    end = _as_timestamp(data["period_end"], "dataset.yaml", "period_end")
    if end < start:
        raise InputError("period_end is before period_start", file="dataset.yaml", fix="swap the two dates")
    return Dataset(
        name=str(data.get("name") or Path(raw_dir).name),
        synthetic=data.get("synthetic") is True,
        period_start=start,
        period_end=end,
        description=data.get("description"),
    )


def _weekday(value: Any, file: str, where: str) -> int:
    if isinstance(value, int) and 0 <= value <= 6:
        return value
    key = str(value).strip().casefold().rstrip(".")
    if key.isdigit() and 0 <= int(key) <= 6:
        return int(key)
    if key in WEEKDAYS:
        return WEEKDAYS[key]
    raise InputError(
        f"unknown weekday {value!r} in {where}", file=file, fix="use mandag..søndag or 0..6 (0 = mandag)"
    )


def _hhmm(value: Any, file: str, where: str) -> str:
    parsed = parse_time(value)
    if parsed is None:
        raise InputError(f"{value!r} in {where} is not a time", file=file, fix='write times as "09:00"')
    return f"{parsed.hour:02d}:{parsed.minute:02d}"


def _opening_hours(spec: Any, file: str, offer_id: str) -> dict[int, list[tuple[str, str]]]:
    where = f"{offer_id}.opening_hours"
    if spec is None:
        return {}
    if not isinstance(spec, dict):
        raise InputError(
            f"{where} must map weekdays to [[open, close]]", file=file, fix="see docs/raw_format.md"
        )
    hours: dict[int, list[tuple[str, str]]] = {}
    for day, intervals in spec.items():
        weekday = _weekday(day, file, where)
        if intervals in (None, []):
            continue
        if isinstance(intervals, list) and len(intervals) == 2 and not isinstance(intervals[0], list):
            intervals = [intervals]
        pairs = []
        for pair in intervals:
            if not isinstance(pair, list) or len(pair) != 2:
                raise InputError(
                    f"{where}.{day} must be a list of [open, close]",
                    file=file,
                    fix='write [["09:00", "15:00"]]',
                )
            start, end = _hhmm(pair[0], file, f"{where}.{day}"), _hhmm(pair[1], file, f"{where}.{day}")
            if end <= start:
                raise InputError(
                    f"{where}.{day}: closing {end} is not after opening {start}",
                    file=file,
                    fix="correct the hours",
                )
            pairs.append((start, end))
        hours[weekday] = sorted(hours.get(weekday, []) + pairs)
    return dict(sorted(hours.items()))


def read_offers(raw_dir: Path) -> dict[str, Offer]:
    """offers.yaml → Offer per offer_id (weekdays as 0..6, times as HH:MM)."""
    file = "offers.yaml"
    data = _load_yaml(Path(raw_dir) / file, file)
    if not isinstance(data, dict) or not isinstance(data.get("offers"), dict) or not data["offers"]:
        raise InputError(
            "offers.yaml must have an `offers:` mapping with at least one offer",
            file=file,
            fix="see docs/raw_format.md",
        )
    offers: dict[str, Offer] = {}
    for offer_id, spec in data["offers"].items():
        offer_id = str(offer_id)
        if not isinstance(spec, dict):
            raise InputError(f"offer {offer_id!r} must be a mapping", file=file, fix="see docs/raw_format.md")
        roster = []
        for entry in spec.get("roster") or []:
            if not isinstance(entry, dict) or not {"weekday", "start", "end", "staff"} <= set(entry):
                raise InputError(
                    f"{offer_id}.roster entries need weekday, start, end, staff",
                    file=file,
                    fix="see docs/raw_format.md",
                )
            roster.append(
                {
                    "weekday": _weekday(entry["weekday"], file, f"{offer_id}.roster"),
                    "start": _hhmm(entry["start"], file, f"{offer_id}.roster"),
                    "end": _hhmm(entry["end"], file, f"{offer_id}.roster"),
                    "staff": entry["staff"],
                }
            )
        closed = []
        for value in spec.get("closed_dates") or []:
            parsed = parse_date(value)
            if parsed is None:
                raise InputError(
                    f"{offer_id}.closed_dates: {value!r} is not a date", file=file, fix="write YYYY-MM-DD"
                )
            closed.append(parsed.date())
        aliases = spec.get("aliases") or []
        if isinstance(aliases, str):
            aliases = [aliases]
        staff = spec.get("staff_and_volunteers") or []
        if isinstance(staff, str):
            staff = [staff]
        offers[offer_id] = Offer(
            offer_id=offer_id,
            name=str(spec.get("name") or offer_id),
            aliases=[str(a) for a in aliases],
            town=spec.get("town"),
            approved_places=spec.get("approved_places"),
            opening_hours=_opening_hours(spec.get("opening_hours"), file, offer_id),
            closed_dates=sorted(set(closed)),
            roster=roster,
            fte=spec.get("fte"),
            annual_budget_dkk=spec.get("annual_budget_dkk"),
            staff_and_volunteers=[str(s) for s in staff],
            assumptions_note=spec.get("assumptions_note"),
            premises_dkk_per_year=_optional_amount(spec, "premises_dkk_per_year", file, offer_id),
            running_costs_dkk_per_year=_optional_amount(spec, "running_costs_dkk_per_year", file, offer_id),
        )
    return offers


def _optional_amount(spec: dict, key: str, file: str, offer_id: str) -> float | None:
    """An optional amount in kroner per year (premises, running costs): a number ≥ 0, or absent."""
    value = spec.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise InputError(
            f"{offer_id}.{key} = {value!r} is not an amount in kroner",
            file=file,
            fix=f"write {key} as a number without thousands separators, e.g. 250000, or leave it out",
        )
    return float(value)


class OfferMatcher:
    """Offer names and aliases, matched case/space/punctuation-insensitively."""

    def __init__(self, offers: dict[str, Offer]) -> None:
        self.exact: dict[str, str] = {}
        for offer_id, offer in offers.items():
            for name in (offer_id, offer.name, *offer.aliases):
                key = normalise_header(name)
                if key:
                    self.exact.setdefault(key, offer_id)
        # longest first, so a long alias (`nordhuset`) wins over a short one (`nord`)
        self.by_length = sorted(self.exact.items(), key=lambda item: (-len(item[0]), item[0]))

    def match(self, text: Any) -> str | None:
        return self.exact.get(normalise_header(text))

    def find_all(self, text: Any) -> set[str]:
        """Every offer with an alias in `text`; an alias inside a longer found alias does not count
        (`nord` inside `nordhuset`)."""
        haystack = normalise_header(text)
        found = [alias for alias, _ in self.by_length if len(alias) >= 2 and alias in haystack]
        kept = [a for a in found if not any(a != b and a in b for b in found)]
        return {self.exact[a] for a in kept}

    def find_in(self, text: Any) -> str | None:
        """The offer whose longest alias occurs in `text` (title rows, sheet and file names)."""
        haystack = normalise_header(text)
        if not haystack:
            return None
        for alias, offer_id in self.by_length:
            if len(alias) >= 2 and alias in haystack:
                return offer_id
        return None


# --------------------------------------------------------------------------------------------- grids


def _cell_text(value: Any) -> Any:
    """An Excel cell value as the text cleaning parses (NaN when empty)."""
    if value is None:
        return np.nan
    if isinstance(value, str):
        return value if value.strip() else np.nan
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        seconds = int(round(value.total_seconds()))
        return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    if isinstance(value, float):
        if math.isnan(value):
            return np.nan
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _grid_from_rows(rows: list[tuple]) -> pa.Table:
    """Excel rows → a grid: an Arrow table of text columns c0, c1, … (null where the cell is empty)."""
    width = max((len(r) for r in rows), default=0)
    columns = [[None] * len(rows) for _ in range(width)]
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            text = _cell_text(value)
            if isinstance(text, str):
                columns[j][i] = text
    return pa.table({f"c{j}": pa.array(values, type=pa.string()) for j, values in enumerate(columns)})


def _empty_grid() -> pa.Table:
    return pa.table({})


OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")  # OLE directory entry of an encrypted workbook


def _check_workbook_container(path: Path, rel: str) -> None:
    """An empty file or an OLE2 file (password-protected workbook, or an old .xls renamed) is not a zip:
    say which, because "save it again" does not help while the password is still set."""
    with open(path, "rb") as handle:
        head = handle.read(1 << 16)
    if not head:
        raise InputError(
            "the workbook is empty (0 bytes)", file=rel, fix="copy the file again from where it is kept"
        )
    if not head.startswith(OLE2_MAGIC):
        return
    if _ENCRYPTED_PACKAGE in head or _ENCRYPTED_PACKAGE in path.read_bytes():
        raise InputError(
            "the workbook is password-protected (encrypted), so it cannot be read",
            file=rel,
            fix="open it in Excel, remove the password (File > Info > Protect Workbook > Encrypt with Password, "
            "clear it) and save it as .xlsx",
        )
    raise InputError(
        "the file is an old Excel (.xls) workbook with an .xlsx name",
        file=rel,
        fix="open it in Excel and save it as .xlsx (Excel Workbook)",
    )


# cell XML as Excel, LibreOffice and openpyxl write it, or with a namespace prefix (`<x:c>`, .NET OpenXML SDK)
_FORMULA_CELL = re.compile(rb"<(?:\w+:)?f[ >/]")
_XML_CELL = re.compile(rb"<((?:\w+:)?)c\b([^>]*?)(?:/>|>(.*?)</\1c>)", re.S)
_XML_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_XML_TYPE = re.compile(rb'\bt="(\w+)"')
_XML_VALUE = re.compile(rb"<(?:\w+:)?v>[^<]")


def _worksheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the zip member holding its cells (from xl/workbook.xml and its relationships)."""
    import xml.etree.ElementTree as ET

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {}
    for rel in rels:
        target = rel.get("Target", "")
        targets[rel.get("Id")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    book = ET.fromstring(archive.read("xl/workbook.xml"))
    return {
        sheet.get("name"): targets.get(sheet.get(f"{rel_ns}id"), "") for sheet in book.iter(f"{main}sheet")
    }


def _check_formula_values(path: Path, rel: str) -> None:
    """A formula cell without a saved result (a file written by a program and never opened in Excel) would read
    as empty: stop instead of guessing. Read from the sheet XML: a `<f>` with no (or an empty) `<v>`, unless
    the cell is a text result (`t="str"`: Excel's saved empty string)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            parts = _worksheet_parts(archive)
            for sheet, member in parts.items():
                if member not in names:
                    continue
                data = archive.read(member)
                if not _FORMULA_CELL.search(data):
                    continue
                for match in _XML_CELL.finditer(data):
                    inner = match[3] or b""
                    if not _FORMULA_CELL.search(inner) or _XML_VALUE.search(inner):
                        continue
                    kind = _XML_TYPE.search(match[2])
                    if kind and kind[1] in (b"str", b"inlineStr"):
                        continue
                    ref = _XML_REF.search(match[2])
                    raise InputError(
                        "a formula cell has no saved value (the file was written by a program and never "
                        "calculated), so its value is unknown",
                        file=rel,
                        sheet=sheet,
                        row=int(ref[2]) if ref else None,
                        column=ref[1].decode() if ref else None,
                        fix="open the file in Excel (or LibreOffice) and save it, so the formula results are "
                        "stored; or type the values instead of formulas",
                    )
    except (zipfile.BadZipFile, KeyError, SyntaxError):
        return  # openpyxl's own error (below) names the file; this check only looks for formulas


def _xlsx_grids(path: Path, rel: str) -> list[tuple[str, pa.Table, bool]]:
    """(sheet name, grid, hidden?) for every sheet, in workbook order."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    _check_workbook_container(path, rel)
    _check_formula_values(path, rel)
    try:
        workbook = openpyxl.load_workbook(path, data_only=True, read_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError) as exc:
        raise InputError(
            f"cannot read the workbook ({exc.__class__.__name__})",
            file=rel,
            fix="open it in Excel and save it again as .xlsx (or export the sheet as CSV)",
        ) from exc
    grids = []
    try:
        for sheet in workbook.worksheets:
            hidden = sheet.sheet_state != "visible"
            if sheet.max_row < 1 or sheet.max_column < 1:
                grids.append((sheet.title, _empty_grid(), hidden))
                continue
            rows = list(
                sheet.iter_rows(
                    min_row=1, min_col=1, max_row=sheet.max_row, max_col=sheet.max_column, values_only=True
                )
            )
            grids.append((sheet.title, _grid_from_rows(rows), hidden))
    finally:
        workbook.close()
    return grids


def _ods_hidden_tables(path: Path) -> set[str]:
    """Names of the tables of an .ods file whose style says `table:display="false"` (hidden sheets)."""
    from odf.namespaces import TABLENS
    from odf.opendocument import load

    document = load(str(path))
    hidden_styles = set()
    for style in document.automaticstyles.childNodes:
        for child in getattr(style, "childNodes", []):
            if child.attributes.get((TABLENS, "display")) == "false":
                hidden_styles.add(
                    style.attributes.get(("urn:oasis:names:tc:opendocument:xmlns:style:1.0", "name"))
                )
    names = set()
    for table in document.spreadsheet.childNodes:
        if table.attributes.get((TABLENS, "style-name")) in hidden_styles:
            names.add(table.attributes.get((TABLENS, "name")))
    return names


def _ods_grids(path: Path, rel: str) -> list[tuple[str, pa.Table, bool]]:
    """An OpenDocument spreadsheet (LibreOffice): every sheet's stored cell values, via pandas and odfpy."""
    try:
        import odf  # noqa: F401
    except ImportError as exc:  # pragma: no cover - odfpy is a dependency
        raise InputError(
            "cannot read .ods files: the odfpy package is not installed",
            file=rel,
            fix="run `make setup` (installs odfpy), or save the file as .xlsx",
        ) from exc
    if path.stat().st_size == 0:
        raise InputError(
            "the workbook is empty (0 bytes)", file=rel, fix="copy the file again from where it is kept"
        )
    try:
        frames = pd.read_excel(path, engine="odf", sheet_name=None, header=None, dtype=object)
        hidden = _ods_hidden_tables(path)
    except Exception as exc:  # odfpy raises many kinds of errors on a broken file
        raise InputError(
            f"cannot read the OpenDocument spreadsheet ({exc.__class__.__name__})",
            file=rel,
            fix="open it in LibreOffice or Excel and save it again (as .ods or .xlsx)",
        ) from exc
    grids = []
    for name, frame in frames.items():
        rows = [tuple(r) for r in frame.itertuples(index=False, name=None)]
        grids.append((str(name), _grid_from_rows(rows) if rows else _empty_grid(), str(name) in hidden))
    return grids


def detect_encoding(path: Path, sample_size: int = 1 << 20) -> str:
    """UTF-8 (with or without BOM), UTF-16 (BOM) or else cp1252, the encoding of Danish Excel CSV exports."""
    with open(path, "rb") as handle:
        sample = handle.read(sample_size)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=len(sample) < sample_size)
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def sniff_delimiter(lines: list[str]) -> str:
    """`;`, `,` or tab: the one that splits most lines into the same number of fields (decimal commas lose)."""
    best, best_score = ";", (-1, -1)
    for candidate in (";", ",", "\t"):
        counts = [len(row) for row in csv.reader(lines, delimiter=candidate) if row]
        multi = [c for c in counts if c > 1]
        if not multi:
            continue
        mode = max(set(multi), key=lambda c: (multi.count(c), c))
        score = (multi.count(mode), mode)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _csv_grid_arrow(path: Path, delimiter: str, width: int, encoding: str) -> pa.Table | None:
    """Fast multi-threaded read (pyarrow) of a regular CSV: every line has the same number of fields.

    Returns None for anything irregular (ragged title rows, empty lines, quoted line breaks, encoding
    trouble) so that the line-exact pandas reader handles it; row numbers must match the file either way.
    """
    names = [f"c{i}" for i in range(width)]  # Arrow skips a UTF-8 byte-order mark itself
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(
                column_names=names, encoding="utf8" if encoding.startswith("utf-8") else encoding
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, ignore_empty_lines=False, newlines_in_values=False
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in names},
                strings_can_be_null=True,
                null_values=[""],
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError, LookupError):
        return None
    return table


def _csv_grid(path: Path, rel: str) -> pa.Table:
    encoding = detect_encoding(path)
    if not encoding.startswith("utf-16"):
        with open(path, "rb") as handle:
            if b"\x00" in handle.read(1 << 16):
                raise InputError(
                    "the file is not readable text (it contains NUL bytes: UTF-16 without a byte-order mark, "
                    "or not a CSV file at all)",
                    file=rel,
                    fix="open it in Excel and save it as CSV UTF-8 (or as .xlsx)",
                )
    try:
        with open(path, encoding=encoding, newline="") as handle:
            head = [line for _, line in zip(range(200), handle, strict=False)]
    except UnicodeDecodeError:
        encoding = "cp1252"
        try:
            with open(path, encoding=encoding, newline="") as handle:
                head = [line for _, line in zip(range(200), handle, strict=False)]
        except UnicodeDecodeError:
            raise InputError(
                "cannot decode the file: it is neither UTF-8 nor Windows-1252 (cp1252) text",
                file=rel,
                fix="open it in Excel and save it as CSV UTF-8, or check that it is a CSV file at all",
            ) from None
    if not any(line.strip() for line in head):
        return _empty_grid()
    delimiter = sniff_delimiter(head)
    width = max(len(row) for row in csv.reader(head, delimiter=delimiter))
    fast = _csv_grid_arrow(path, delimiter, width, encoding)
    if fast is not None:
        return fast
    for attempt in (encoding, "cp1252"):
        try:
            frame = pd.read_csv(
                path,
                sep=delimiter,
                header=None,
                names=[f"c{i}" for i in range(width)],
                dtype=str,
                encoding=attempt,
                skip_blank_lines=False,
                keep_default_na=False,
                na_values=[""],
                engine="c",
                index_col=False,
                quotechar='"',
            )
            break
        except UnicodeDecodeError:
            if attempt == "cp1252":
                raise InputError("cannot decode the file", file=rel, fix="save it as UTF-8 CSV") from None
        except pd.errors.ParserError as exc:
            line = re.search(r"line (\d+)", str(exc))
            raise InputError(
                "a row has more fields than the rows at the top",
                file=rel,
                row=int(line[1]) if line else None,
                fix=f"check quoting and the separator {delimiter!r} in that row",
            ) from None
    return pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)


# --------------------------------------------------------------------------------------------- layout


def _grid_frame(grid: pa.Table, start: int = 0, stop: int | None = None) -> pd.DataFrame:
    """Rows [start, stop) of a grid as a small pandas frame of objects (None where empty), columns 0, 1, …"""
    part = grid.slice(start, None if stop is None else max(0, stop - start))
    frame = pd.DataFrame({j: part.column(j).to_pylist() for j in range(part.num_columns)}, dtype=object)
    frame.index = range(start, start + part.num_rows)
    return frame


def _row_texts(grid: pa.Table, n: int, start: int = 0) -> list[list[Any]]:
    part = grid.slice(start, n)
    columns = [part.column(j).to_pylist() for j in range(part.num_columns)]
    return [list(row) for row in zip(*columns, strict=True)] if columns else []


@dataclass
class _Header:
    row_index: int  # 0-based
    layout: str
    columns: dict[int, str]  # column index -> field
    date_columns: dict[int, Any]  # tick list: column index -> header cell (a date)


def _find_header(grid: pa.Table, lookup: dict[str, str], years: tuple[int, ...]) -> _Header | None:
    for index, cells in enumerate(_row_texts(grid, HEADER_SEARCH_ROWS)):
        fields = {}
        dates = {}
        for column, value in enumerate(cells):
            if value is None:
                continue
            name = lookup.get(normalise_header(value))
            if name is not None:
                fields[column] = name
            elif parse_date(value, years) is not None or parse_date(value, years, True) is not None:
                dates[column] = value
        has_citizen = "citizen" in fields.values()
        if has_citizen and len(dates) >= MIN_TICK_DATE_COLUMNS:
            return _Header(index, "tick", fields, dates)
        if len(fields) >= 2:
            return _Header(index, "long", fields, {})
    return None


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _sheet_offer(
    matcher: OfferMatcher, title_cells: list[Any], sheet: str, rel: str, is_csv: bool
) -> tuple[str | None, str | None, str | None]:
    """(offer, where it was read, conflict): the title rows, the sheet name and the file name must agree —
    when they name different offers (or one names two), there are two readings and the caller stops."""
    sources = [("title row", [c for c in title_cells if isinstance(c, str)])]
    if not is_csv:
        sources.append(("sheet name", [sheet]))
    sources.append(("file name", [Path(rel).stem]))
    found: dict[str, str] = {}  # offer -> first source naming it
    for source, texts in sources:
        for text in texts:
            for offer in sorted(matcher.find_all(text)):
                found.setdefault(offer, source)
    if not found:
        return None, None, None
    if len(found) > 1:
        named = ", ".join(f"{offer} (in the {source})" for offer, source in found.items())
        return None, None, f"more than one offer is named in the title rows, sheet name or file name: {named}"
    ((offer, source),) = found.items()
    return offer, source, None


_DICT = pa.dictionary(pa.int32(), pa.string())
RECORD_SCHEMA = pa.schema(
    [
        ("file", _DICT), ("sheet", _DICT), ("row", pa.int64()), ("cell", _DICT), ("kind", _DICT),
        ("layout", _DICT), ("granularity", _DICT), ("sheet_offer", _DICT),
        *[(name, _DICT) for name in RAW_VALUE_FIELDS], ("weekday", _DICT),
    ]
)  # fmt: skip


def _constant(n: int, value: str | None) -> pa.DictionaryArray:
    """A column holding one value (or nothing) n times, without building n strings."""
    if value is None:
        return pa.DictionaryArray.from_arrays(pa.nulls(n, pa.int32()), pa.array([], type=pa.string()))
    return pa.DictionaryArray.from_arrays(
        pa.array(np.zeros(n, dtype=np.int32)), pa.array([value], pa.string())
    )


def _encoded(values: Any) -> pa.Array | pa.ChunkedArray:
    """Text column → dictionary-encoded (the distinct values are what cleaning parses)."""
    if isinstance(values, pa.ChunkedArray | pa.Array):
        array = values
    else:
        array = pa.array([v if isinstance(v, str) else None for v in values], type=pa.string())
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()  # one dictionary per sheet, not one per read block
    if pa.types.is_dictionary(array.type):
        return array
    return array.dictionary_encode()


def _records(n: int, rel: str, sheet: str, layout: str, sheet_offer: str | None, **columns: Any) -> pa.Table:
    data = {
        "file": _constant(n, rel),
        "sheet": _constant(n, sheet),
        "layout": _constant(n, layout),
        "sheet_offer": _constant(n, sheet_offer),
    }
    data.update(columns)

    def build(name: str) -> pa.Array | pa.ChunkedArray:
        if name == "row":
            return pa.array(np.asarray(data["row"], dtype=np.int64))
        return _encoded(data[name]) if name in data else _constant(n, None)

    # Arrow releases the GIL while hashing: encode the big text columns on both cores
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        arrays = list(pool.map(build, RECORD_SCHEMA.names))
    return pa.Table.from_arrays(
        [a if isinstance(a, pa.ChunkedArray) else pa.chunked_array([a], type=a.type) for a in arrays],
        schema=RECORD_SCHEMA,
    )


def _long_records(
    grid: pa.Table,
    header: _Header,
    rel: str,
    sheet: str,
    offer: str | None,
    weekday_column: int | None = None,
) -> pa.Table:
    n = grid.num_rows
    by_field: dict[str, list[int]] = {}
    for column, name in sorted(header.columns.items()):
        by_field.setdefault(name, []).append(column)
    extra: dict[str, Any] = {}
    if weekday_column is not None:
        extra["weekday"] = grid.column(weekday_column)
    if "time_range" in by_field:
        # one `Tid` column of ranges: split into time in and time out; a cell that is not a range stays
        # whole as the time in (a lone time, or an absence mark)
        whole = grid.column(by_field.pop("time_range")[0])
        parts = pc.extract_regex(whole, _RANGE_RE2)
        is_range = pc.fill_null(pc.is_valid(parts), False)
        extra["time_in"] = pc.if_else(is_range, pc.struct_field(parts, [0]), whole)
        extra["time_out"] = pc.if_else(is_range, pc.struct_field(parts, [1]), pa.scalar(None, pa.string()))
    kind = np.zeros(n, dtype=np.int32)  # data
    kind[: header.row_index] = 1  # title
    kind[header.row_index] = 2  # header
    values = {
        # several columns for one field (e.g. Navn and Initialer): the first non-empty cell wins
        name: grid.column(columns[0])
        if len(columns) == 1
        else pc.coalesce(*[grid.column(c) for c in columns])
        for name, columns in by_field.items()
    }
    return _records(
        n,
        rel,
        sheet,
        "long",
        offer,
        row=np.arange(1, n + 1),
        cell=_constant(n, ""),
        kind=pa.DictionaryArray.from_arrays(pa.array(kind), pa.array(["data", "title", "header"])),
        granularity=_constant(n, "timed"),
        **values,
        **extra,
    )


def _tick_records(grid: pa.Table, header: _Header, rel: str, sheet: str, offer: str | None) -> pa.Table:
    """One record per marked cell; rows without marks (blank, total, nobody present) stay one record each."""
    n = grid.num_rows
    columns = header.columns
    citizen_cols = [c for c, f in sorted(columns.items()) if f == "citizen"]
    comment_cols = [c for c, f in sorted(columns.items()) if f == "comment"]
    offer_cols = [c for c, f in sorted(columns.items()) if f == "offer"]
    body = _grid_frame(grid, header.row_index + 1)
    empty = pd.Series(None, index=body.index, dtype=object)
    citizen = body[citizen_cols[0]] if citizen_cols else empty
    comment = body[comment_cols[0]] if comment_cols else empty
    offer_raw = body[offer_cols[0]] if offer_cols else empty
    date_cols = sorted(header.date_columns)
    marks = body[date_cols]
    marks.columns = range(len(date_cols))
    stacked = marks.stack(future_stack=True).dropna()
    text = stacked.astype(str).str.strip()
    stacked = stacked[(text != "") & ~text.str.casefold().isin(TICK_ABSENT)]
    text = stacked.astype(str).str.strip()
    body_pos = stacked.index.get_level_values(0)
    date_pos = stacked.index.get_level_values(1).to_numpy()
    is_total_row = citizen.map(lambda v: normalise_header(v) in TOTAL_WORDS).astype(bool)
    keep = ~is_total_row.loc[body_pos].to_numpy()
    text, body_pos, date_pos = text[keep], body_pos[keep], date_pos[keep]
    present = text.str.casefold().isin(TICK_PRESENT).to_numpy()
    ranges = text.str.extract(_TICK_RANGE)
    timed = ranges[0].notna().to_numpy()
    raw_text = text.to_numpy(dtype=object)
    time_in = np.where(timed, ranges[0].to_numpy(dtype=object), np.where(present, None, raw_text))
    time_out = np.where(timed, ranges[1].to_numpy(dtype=object), None)
    header_dates = np.array([header.date_columns[c] for c in date_cols], dtype=object)
    header_letters = np.array([_column_letter(c) for c in date_cols], dtype=object)
    marked = pd.DataFrame(
        {
            "row": np.asarray(body_pos) + 1,
            "cell": header_letters[date_pos],
            "kind": "data",
            "granularity": np.where(present, "day", "timed"),
            "date": header_dates[date_pos],
            "citizen": citizen.loc[body_pos].to_numpy(dtype=object),
            "time_in": time_in,
            "time_out": time_out,
            "comment": comment.loc[body_pos].to_numpy(dtype=object),
            "offer": offer_raw.loc[body_pos].to_numpy(dtype=object),
        }
    )
    has_marks = np.zeros(n, dtype=bool)
    has_marks[np.asarray(body_pos, dtype=np.int64)] = True
    unmarked_rows = [i for i in range(header.row_index + 1, n) if not has_marks[i]]
    unmarked = pd.DataFrame(
        {
            "row": np.array(unmarked_rows, dtype=np.int64) + 1,
            "cell": "",
            "kind": [
                "data" if (citizen.loc[i] is None or is_total_row.loc[i]) else "no_marks"
                for i in unmarked_rows
            ],
            "granularity": "day",
            "citizen": [citizen.loc[i] for i in unmarked_rows],
        }
    )
    top = pd.DataFrame(
        {
            "row": np.arange(1, header.row_index + 2),
            "cell": "",
            "kind": ["title"] * header.row_index + ["header"],
            "granularity": "day",
        }
    )
    combined = pd.concat([top, marked, unmarked], ignore_index=True).sort_values(
        ["row", "cell"], kind="stable"
    )
    data = {name: combined[name].to_numpy(dtype=object) for name in combined.columns if name != "row"}
    return _records(len(combined), rel, sheet, "tick", offer, row=combined["row"].to_numpy(), **data)


def _blank_records(n: int, rel: str, sheet: str) -> pa.Table:
    return _records(n, rel, sheet, "empty", None, row=np.arange(1, n + 1), cell=_constant(n, ""),
                    kind=_constant(n, "data"), granularity=_constant(n, "timed"))  # fmt: skip


def _read_sheet(
    grid: pa.Table,
    rel: str,
    sheet: str,
    is_csv: bool,
    lookup: dict[str, str],
    matcher: OfferMatcher,
    years: tuple[int, ...],
) -> tuple[pa.Table, SheetInfo]:
    n = grid.num_rows
    if n == 0 or grid.num_columns == 0 or sum(c.null_count for c in grid.columns) == n * grid.num_columns:
        return _blank_records(n, rel, sheet), SheetInfo(rel, sheet, "empty", n)
    header = _find_header(grid, lookup, years)
    if header is None and is_csv and grid.num_columns == 1:
        raise InputError(
            "unknown layout: every line is one column, so the columns are not separated by ; , or tab",
            file=rel,
            fix="save the file from Excel as CSV (semicolon- or comma-separated) or as .xlsx",
        )
    if header is None:
        raise InputError(
            f"unknown layout: no header row in the first {HEADER_SEARCH_ROWS} rows (need two known column "
            "names, or a citizen column and at least three date columns)",
            file=rel,
            sheet=sheet or None,
            fix="add a header row such as Dato, Navn, Ind, Ud, or add your column names to columns.yaml",
        )
    header_cells = _row_texts(grid, 1, header.row_index)[0]
    body_start = header.row_index + 1
    where = {"file": rel, "sheet": sheet or None, "row": header.row_index + 1}

    def label(column: int) -> str:
        text = header_cells[column]
        return (
            f"'{text}' (column {_column_letter(column)})"
            if text is not None
            else f"column {_column_letter(column)}"
        )

    def has_values(column: int) -> bool:
        part = grid.column(column).slice(body_start)
        return part.null_count < len(part)

    weekday_col = None
    if header.layout == "long":
        date_cols = [c for c, f in sorted(header.columns.items()) if f == "date"]
        weekdays = [c for c in date_cols if _is_weekday_column(grid, c, body_start, lookup)]
        if weekdays and len(weekdays) == len(date_cols):
            raise InputError(
                f"the date column {label(weekdays[0])} holds weekday names, not dates",
                column=str(header_cells[weekdays[0]]),
                fix="add a Dato column with the dates (a Dag column of weekdays is then only checked against it)",
                **where,
            )
        if weekdays:
            weekday_col = weekdays[0]
            for c in weekdays:
                del header.columns[c]
    # one column per field, except citizen (Navn/Initialer: first non-empty wins) and comment (joined reading)
    by_field: dict[str, list[int]] = {}
    for column, name in sorted(header.columns.items()):
        by_field.setdefault(name, []).append(column)
    # a tick list reads only citizen, comment and offer (the first column of each): only the offer must be one
    single = ("offer",) if header.layout == "tick" else ("date", "time_in", "time_out", "time_range", "offer")
    for name, columns in by_field.items():
        if name in single and len(columns) > 1:
            raise InputError(
                f"two columns could be the {name.replace('_', ' ')}: "
                + " and ".join(label(c) for c in columns),
                fix="rename or delete one of them, so each field has one column (see docs/raw_format.md)",
                **where,
            )
    if (
        header.layout == "long"
        and "time_range" in by_field
        and ("time_in" in by_field or "time_out" in by_field)
    ):
        other = by_field.get("time_in", by_field.get("time_out"))[0]
        raise InputError(
            f"both a time-range column {label(by_field['time_range'][0])} and a time column {label(other)}",
            fix="keep either one Tid column with ranges (9.30-14) or separate Ind and Ud columns",
            **where,
        )
    fields = set(header.columns.values())
    if "time_range" in fields and header.layout == "long":
        fields |= {"time_in", "time_out"}
    required = ("citizen",) if header.layout == "tick" else ("date", "citizen", "time_in")
    missing = [name for name in required if name not in fields]
    if missing:
        raise InputError(
            f"missing required column(s) {', '.join(missing)} in the header row",
            fix="add the column, or add its header name to columns.yaml (see docs/raw_format.md)",
            **where,
        )
    # columns that are not read: never in silence (logged per sheet); a tick-list column with marks under a
    # header that looks like a date but cannot be read would lose those visits, so it stops
    read_columns = set(header.columns)
    if header.layout == "tick":  # a tick list reads one citizen, comment and offer column, and the dates
        read_columns = {
            columns[0] for name, columns in by_field.items() if name in ("citizen", "comment", "offer")
        }
    unread = []
    for column, text in enumerate(header_cells):
        if column in read_columns or column in header.date_columns or column == weekday_col:
            continue
        if text is None and not has_values(column):
            continue
        if text is not None and normalise_header(text) == normalise_header(TEMPLATE_LIST_HEADER):
            continue
        if (
            header.layout == "tick"
            and text is not None
            and normalise_header(text) not in TOTAL_WORDS
            and re.search(r"\d", str(text))
            and has_values(column)
        ):
            raise InputError(
                f"the column header {label(column)} is not a date that can be read, so the marks below it "
                "cannot be dated",
                column=str(text),
                fix="write the date in the header as e.g. 06-03-2026 or fr 6/3 (see docs/raw_format.md)",
                **where,
            )
        unread.append(str(text) if text is not None else _column_letter(column))
    title_cells = [c for row in _row_texts(grid, header.row_index) for c in row if isinstance(c, str)]
    offer, source, conflict = _sheet_offer(matcher, title_cells, sheet, rel, is_csv)
    if conflict and "offer" not in fields:
        raise InputError(
            conflict, file=rel, sheet=sheet or None, fix="name one offer per sheet (or add a Tilbud column)"
        )
    if offer is None and "offer" not in fields:
        raise InputError(
            "cannot tell which offer this sheet belongs to (no Tilbud column; no offer name in a title row, "
            "the sheet name or the file name)",
            file=rel,
            sheet=sheet or None,
            fix="add the name used here to the offer's `aliases` in offers.yaml",
        )
    headers = {}
    for column, name in sorted(header.columns.items()):
        if column in read_columns:
            headers.setdefault(name, str(header_cells[column]))
    time_range = headers.pop("time_range", None)
    if time_range is not None:
        headers["time_in"] = headers["time_out"] = time_range
    if header.layout == "tick":
        records = _tick_records(grid, header, rel, sheet, offer)
    else:
        records = _long_records(grid, header, rel, sheet, offer, weekday_col)
    info = SheetInfo(
        rel, sheet, header.layout, records.num_rows, header.row_index + 1, headers, offer, source
    )
    info.weekday_column = str(header_cells[weekday_col]) if weekday_col is not None else None
    info.time_range_column = time_range
    info.unread_columns = unread
    for column, name in sorted(header.columns.items()):
        if column in read_columns:
            text = header_cells[column]
            info.field_columns.setdefault(name, []).append(
                str(text) if text is not None else _column_letter(column)
            )
    return records, info


def _is_weekday_column(grid: pa.Table, column: int, start: int, lookup: dict[str, str]) -> bool:
    """True when every filled cell below the header is a weekday name (or a repeated header / total)."""
    body = grid.column(column).slice(start)
    # a date column of millions of rows: the first rows nearly always show it holds dates, so look there first
    head = [v for v in body.slice(0, 200).to_pylist() if v is not None and str(v).strip()]
    if any(
        weekday_name(v) is None
        and normalise_header(v) not in TOTAL_WORDS
        and lookup.get(normalise_header(v)) != "date"
        for v in head[:50]
    ):
        return False
    values = pc.unique(body).to_pylist()
    seen = False
    for value in values:
        if value is None or not str(value).strip():
            continue
        key = normalise_header(value)
        if key in TOTAL_WORDS or lookup.get(key) == "date":
            continue
        if weekday_name(value) is None:
            return False
        seen = True
    return seen


def concat_records(tables: list[pa.Table]) -> pd.DataFrame:
    """All sheets' records in one frame; text columns become pandas categoricals (distinct values once)."""
    if not tables:
        tables = [_records(0, "", "", "empty", None, row=np.zeros(0, dtype=np.int64))]
    combined = pa.concat_tables(tables).unify_dictionaries()
    tables.clear()  # the sheets' tables are in `combined` now: free them before the pandas copy
    frame = combined.to_pandas(self_destruct=True)
    del combined
    frame["row"] = frame["row"].astype(np.int64)
    return frame


DATASET_FILES = {
    "dataset.yaml": "dataset description",
    "offers.yaml": "the offers",
    "referrals.xlsx": "the referral list",
    "referrals.xlsm": "the referral list",
    "referrals.csv": "the referral list",
    "citizen_aliases.csv": "citizen name variants",
    "columns.yaml": "extra header names",
}


def registration_files(raw_dir: Path) -> tuple[list[Path], list[Skipped]]:
    """The registration files to read, and every other file of the dataset folder with why it is not read
    (so that every file appears in accounting.csv)."""
    raw_dir = Path(raw_dir)
    folder = raw_dir / "registrations"
    if not folder.is_dir():
        raise InputError(
            "the dataset has no registrations/ folder",
            file=str(raw_dir),
            fix="put the attendance files in registrations/",
        )
    files: list[Path] = []
    skipped: list[Skipped] = []
    for path in sorted(folder.rglob("*"), key=lambda p: p.relative_to(raw_dir).as_posix()):
        if not path.is_file():
            continue
        rel = path.relative_to(raw_dir).as_posix()
        suffix = path.suffix.casefold()
        if path.name.startswith("~$"):
            skipped.append(
                Skipped(rel, "", "skipped_file", "Excel lock file (the workbook is open somewhere)")
            )
            continue
        if any(part.startswith(".") for part in path.relative_to(folder).parts):
            skipped.append(Skipped(rel, "", "skipped_file", "hidden file (name starts with a dot)"))
            continue
        if suffix == ".xls":
            raise InputError(
                "old Excel format (.xls) cannot be read",
                file=rel,
                fix="open it in Excel and save it as .xlsx",
            )
        if suffix in REGISTRATION_SUFFIXES:
            files.append(path)
        else:
            skipped.append(
                Skipped(rel, "", "unsupported_file", f"not a registration file ({suffix or 'no suffix'})")
            )
    if not files:
        raise InputError(
            "registrations/ holds no .xlsx or .csv files", file=str(raw_dir), fix="add the registration files"
        )
    for path in sorted(raw_dir.rglob("*"), key=lambda p: p.relative_to(raw_dir).as_posix()):
        rel = path.relative_to(raw_dir).as_posix()
        if not path.is_file() or rel.startswith("registrations/"):
            continue
        if path.suffix == ".key":
            note = "pseudonymisation key (not data)"
        elif rel in DATASET_FILES:
            note = f"dataset configuration: {DATASET_FILES[rel]}"
        else:
            note = "not read: only registrations/ holds attendance files"
        skipped.append(Skipped(rel, "", "dataset_file", note))
    return files, skipped


def read_registrations(
    raw_dir: Path, offers: dict[str, Offer], dataset: Dataset, include_hidden_sheets: bool = False
) -> RawRegistrations:
    """Every sheet of every registration file as records with provenance; layout and offer detected.

    Hidden sheets are not read unless `include_hidden_sheets` (clean.include_hidden_sheets); either way they
    are accounted for and logged (`hidden_sheet`).
    """
    raw_dir = Path(raw_dir)
    table, _ = load_column_aliases(raw_dir)
    lookup = header_lookup(table)
    matcher = OfferMatcher(offers)
    files, skipped = registration_files(raw_dir)
    frames, sheets, hidden_read = [], [], []
    for path in files:
        rel = path.relative_to(raw_dir).as_posix()
        suffix = path.suffix.casefold()
        is_csv = suffix in {".csv", ".txt"}
        if is_csv:
            grids = [("", _csv_grid(path, rel), False)]
        elif suffix == ".ods":
            grids = _ods_grids(path, rel)
        else:
            grids = _xlsx_grids(path, rel)
        for sheet, grid, hidden in grids:
            if hidden and not include_hidden_sheets:
                skipped.append(
                    Skipped(
                        rel, sheet, "hidden_sheet", "hidden sheet, not read (clean.include_hidden_sheets)"
                    )
                )
                continue
            records, info = _read_sheet(grid, rel, sheet, is_csv, lookup, matcher, dataset.years)
            info.hidden = hidden
            if hidden:
                hidden_read.append((rel, sheet))
            frames.append(records)
            sheets.append(info)
        del grids
        pa.default_memory_pool().release_unused()  # the text grid is encoded: its buffers can go back
    return RawRegistrations(concat_records(frames), sheets, skipped, hidden_read)


# --------------------------------------------------------------------------------------------- referrals


def _find_referral_file(raw_dir: Path) -> Path:
    for name in ("referrals.xlsx", "referrals.xlsm", "referrals.csv"):
        if (raw_dir / name).is_file():
            return raw_dir / name
    raise InputError(
        "no referral list",
        file=str(raw_dir),
        fix="add referrals.xlsx or referrals.csv (see docs/raw_format.md)",
    )


def read_referrals(raw_dir: Path, offers: dict[str, Offer], dataset: Dataset) -> pd.DataFrame:
    """The referral list: offer_id, name, initials, referral_start, referral_end, age_band (CPR dropped here)."""
    raw_dir = Path(raw_dir)
    path = _find_referral_file(raw_dir)
    rel = path.name
    _, table = load_column_aliases(raw_dir)
    lookup = header_lookup(table)
    matcher = OfferMatcher(offers)
    grids = [("", _csv_grid(path, rel), False)] if path.suffix == ".csv" else _xlsx_grids(path, rel)
    for sheet, grid, _hidden in grids:
        if grid.num_rows == 0:
            continue
        for index, cells in enumerate(_row_texts(grid, HEADER_SEARCH_ROWS)):
            columns = {}
            for column, value in enumerate(cells):
                name = lookup.get(normalise_header(value)) if isinstance(value, str) else None
                if name is not None and name not in columns.values():
                    columns[column] = name
            if len(columns) >= 2:
                return _referral_rows(grid, index, columns, rel, sheet, matcher, dataset)
    raise InputError(
        "no header row found in the referral list",
        file=rel,
        fix="add a header row with Tilbud, Navn, Visiteret fra, Visiteret til (or extend columns.yaml: referrals:)",
    )


def _referral_rows(
    grid: pa.Table,
    header_index: int,
    columns: dict[int, str],
    rel: str,
    sheet: str,
    matcher: OfferMatcher,
    dataset: Dataset,
) -> pd.DataFrame:
    header_cells = _row_texts(grid, 1, header_index)[0]
    present = set(columns.values())
    missing = [name for name in ("offer", "name", "referral_start") if name not in present]
    if missing:
        raise InputError(
            f"referral list lacks column(s) {', '.join(missing)}",
            file=rel,
            sheet=sheet or None,
            row=header_index + 1,
            fix="add Tilbud, Navn and Visiteret fra columns (or their names to columns.yaml under referrals:)",
        )
    column_of = {name: column for column, name in columns.items()}
    body = _grid_frame(grid, header_index + 1)
    rows = np.arange(header_index + 2, header_index + 2 + len(body))

    def raw(name: str) -> pd.Series:
        if name not in column_of:
            return pd.Series(np.nan, index=body.index, dtype=object)
        return body[column_of[name]].astype(object)

    def fail(mask: np.ndarray, message: str, name: str, fix: str) -> None:
        i = int(np.flatnonzero(mask)[0])
        raise InputError(
            message,
            file=rel,
            sheet=sheet or None,
            row=int(rows[i]),
            column=str(header_cells[column_of[name]]),
            fix=fix,
        )

    names = raw("name")
    keep = names.map(
        lambda v: isinstance(v, str) and v.strip() != "" or isinstance(v, int | float) and v == v
    )
    keep &= ~names.map(lambda v: normalise_header(v) in TOTAL_WORDS)
    keep = keep.to_numpy(dtype=bool)
    offer_raw = raw("offer")
    lookup = {v: matcher.match(v) for v in pd.unique(offer_raw.to_numpy())}
    offer_id = offer_raw.map(lookup).to_numpy(dtype=object)
    unknown = keep & pd.isna(offer_id)
    if unknown.any():
        fail(
            unknown,
            "unknown offer in the referral list",
            "offer",
            "add the name to the offer's `aliases` in offers.yaml",
        )
    date_fix = "write the date as DD-MM-YYYY (leave Visiteret til blank for an open referral)"
    start = parse_dates(raw("referral_start"), dataset.years)
    if (keep & start.isna().to_numpy()).any():
        fail(keep & start.isna().to_numpy(), "not a date", "referral_start", date_fix)
    end_raw = raw("referral_end")
    end = parse_dates(end_raw, dataset.years)
    bad_end = (
        keep
        & end.isna().to_numpy()
        & ~end_raw.map(lambda v: v is None or v != v or str(v).strip() == "").to_numpy()
    )
    if bad_end.any():
        fail(bad_end, "not a date", "referral_end", date_fix)

    def text(name: str) -> np.ndarray:
        values = raw(name).map(
            lambda v: None if v is None or v != v or not str(v).strip() else str(v).strip()
        )
        return values.to_numpy(dtype=object)[keep]

    frame = pd.DataFrame(
        {
            "offer_id": offer_id[keep],
            "name": names.astype(str).to_numpy(dtype=object)[keep],
            "initials": text("initials"),
            "referral_start": start.to_numpy()[keep],
            "referral_end": end.to_numpy()[keep],
            "age_band": text("age_band"),
            "source_row": rows[keep],
        }
    )
    return frame.reset_index(drop=True)


def read_citizen_aliases(raw_dir: Path) -> dict[str, str]:
    """citizen_aliases.csv (variant;canonical) → {normalised variant: normalised canonical}."""
    path = Path(raw_dir) / "citizen_aliases.csv"
    if not path.is_file():
        return {}
    encoding = detect_encoding(path)
    try:
        text = path.read_text(encoding=encoding)
    except UnicodeDecodeError:
        text = path.read_text(encoding="cp1252")
    lines = text.splitlines()
    delimiter = sniff_delimiter(lines[:50])
    aliases = {}
    for number, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
        cells = [c for c in row if c.strip()]
        if not cells:
            continue
        if number == 1 and normalise_header(cells[0]) in {"variant", "stavemåde", "alias", "variation"}:
            continue
        if len(cells) != 2:
            raise InputError(
                "each line needs a variant and the canonical name",
                file="citizen_aliases.csv",
                row=number,
                fix=f"write `variant{delimiter}canonical`",
            )
        aliases[normalise_identifier(cells[0])] = normalise_identifier(cells[1])
    return aliases


__all__ = [
    "REGISTRATION_FIELDS",
    "Dataset",
    "Offer",
    "OfferMatcher",
    "RawRegistrations",
    "SheetInfo",
    "Skipped",
    "read_citizen_aliases",
    "read_dataset",
    "read_offers",
    "read_referrals",
    "read_registrations",
]
