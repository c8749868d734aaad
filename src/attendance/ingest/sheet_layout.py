"""Which kind of sheet this is and where its header row is: a long list (one row per visit: date, name,
times) or a tick list (a name per row, a date per column), found in the first rows from the known header
names; which offer the title rows, sheet name or file name name; and whether a date column holds weekday
names instead of dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from .columns import normalise_header
from .grids import _row_texts
from .offers import OfferMatcher
from .parsing import parse_date, weekday_name

HEADER_SEARCH_ROWS = 30
MIN_TICK_DATE_COLUMNS = 3
TOTAL_WORDS = frozenset({"ialt", "total", "sum", "samlet", "totalt"})
# `attendance template` keeps the drop-down's citizens in a hidden column under this header: not registrations,
# so not an unread column either (written by template.py; the two must agree)
TEMPLATE_LIST_HEADER = "Borgerliste (skabelon)"


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
