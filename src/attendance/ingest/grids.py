"""The grid: every sheet, whatever file it came from, as an Arrow table of text columns c0, c1, … (null where
the cell is empty), so that layout detection and record building never see a file format. Workbook cell values
become here the text cleaning parses; the other helpers read rows of a grid back.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa


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


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)
