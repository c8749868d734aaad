"""The registration files of a dataset → `RawRegistrations`: which files under registrations/ are read (and
why each other file of the dataset folder is not), each opened by its format, each sheet checked (required
columns, one column per field, no unread dated column, one offer) and turned into records, with a `SheetInfo`
per sheet for the quality log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from attendance.errors import InputError

from .columns import header_lookup, load_column_aliases, normalise_header
from .csv_files import _csv_grid
from .grids import _column_letter, _row_texts
from .offers import Dataset, Offer, OfferMatcher
from .sheet_layout import (
    HEADER_SEARCH_ROWS,
    TEMPLATE_LIST_HEADER,
    TOTAL_WORDS,
    _find_header,
    _is_weekday_column,
    _sheet_offer,
)
from .sheet_records import _blank_records, _long_records, _tick_records, concat_records
from .workbooks import _ods_grids, _xlsx_grids

REGISTRATION_SUFFIXES = {".xlsx", ".xlsm", ".ods", ".csv", ".txt"}


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
