"""A sheet with a known header → records with provenance (file, sheet, 1-based row, cell): one per row of a
long list, one per marked cell of a tick list (and one per row without marks, so every row is accounted for),
the cell values kept as dictionary-encoded text for cleaning to parse. The words staff write in cells (ticks,
absence marks, time ranges) are defined here, beside the code that reads them; cleaning uses them too.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .columns import normalise_header
from .grids import _column_letter, _grid_frame
from .sheet_layout import TOTAL_WORDS, _Header

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


RAW_VALUE_FIELDS = ("date", "citizen", "time_in", "time_out", "comment", "offer")


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
