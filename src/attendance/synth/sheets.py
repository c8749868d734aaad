"""Raw files, how staff type them: dates and times in their many formats, and sheets rendered to cells.

Why a module of its own: a sheet is a list of entries (visits, titles, headers, totals, blank rows, tick-list
rows) that `_render` turns into cell values while recording the manifest of formats and defects, row by row.
The benchmark-scale writer reuses the same date and time formats.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .population import CITIZEN_COMMENTS, MONTHS_DA, TRIP_COMMENT, WEEKDAYS_SHORT

DATE_FORMATS = [
    "excel_date",
    "serial",
    "dmy_dash",
    "dmy_dash_short",
    "slash_yy",
    "dot",
    "iso",
    "long_da",
    "wd_short",
]
TIME_FORMATS = ["excel_time", "fraction", "dot", "colon", "colon_short", "compact", "compact0", "kl", "bare"]
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def format_date(day: dt.date, fmt: str) -> Any:
    """A date the way staff type it (day-first always)."""
    d, m, y = day.day, day.month, day.year
    return {
        "excel_date": dt.datetime(y, m, d),
        "serial": (day - _EXCEL_EPOCH).days,
        "dmy_dash": f"{d:02d}-{m:02d}-{y}",
        "dmy_dash_short": f"{d}-{m}-{y}",
        "slash_yy": f"{d}/{m}/{y % 100:02d}",
        "dot": f"{d:02d}.{m:02d}.{y}",
        "iso": day.isoformat(),
        "long_da": f"{d}. {MONTHS_DA[m - 1]} {y}",
        "wd_short": f"{WEEKDAYS_SHORT[day.weekday()]} {d}/{m}",
    }[fmt]


def format_time(minutes: int, fmt: str) -> tuple[Any, str]:
    """A time the way staff type it, and the format actually used (`kl. 9` only works for whole hours)."""
    h, m = divmod(int(minutes), 60)
    if fmt == "fraction" and len(repr(minutes / 1440)) < 5:
        # 12:00 is the fraction 0.5; the reader turns numeric cells into text, and text "0.5" reads as 0:50
        return dt.time(h, m), "excel_time"
    if fmt in ("kl", "bare") and m:
        return (f"kl {h}.{m:02d}", "kl") if fmt == "kl" else (f"{h}.{m:02d}", "dot")
    value = {
        "excel_time": dt.time(h, m),
        "fraction": minutes / 1440,
        "dot": f"{h}.{m:02d}",
        "colon": f"{h:02d}:{m:02d}",
        "colon_short": f"{h}:{m:02d}",
        "compact": f"{h}{m:02d}",
        "compact0": f"{h:02d}{m:02d}",
        "kl": f"kl. {h}",
        "bare": f"{h}",
    }[fmt]
    return value, fmt


@dataclass
class Entry:
    """One spreadsheet row before formatting: a visit-like record, or a blank/title/header/total row."""

    kind: str  # data | blank | title | header | total | tick_header | tick
    day: dt.date | None = None
    citizen: str | None = None
    time_in: int | None = None
    time_out: int | None = None
    comment: str = ""
    offer: str | None = None
    text: str = ""
    defects: list[tuple[str, str]] = field(default_factory=list)
    time_format: str | None = None  # forced format (e.g. "8.45" must stay a dot time)
    cells: list[Any] | None = None  # tick list rows


@dataclass
class Sheet:
    file: str
    name: str | None  # None for CSV files
    header: list[tuple[str, str]]  # (field, label)
    date_formats: dict[str, float]
    time_formats: dict[str, float]
    entries: list[Entry] = field(default_factory=list)


def _minutes(ts: pd.Timestamp) -> int | None:
    if pd.isna(ts):
        return None
    return int(ts.hour * 60 + ts.minute)


def _data_entries(rng: np.random.Generator, visits: pd.DataFrame) -> list[Entry]:
    visits = visits.sort_values(["date", "start", "citizen"])
    comments = np.where(
        rng.random(len(visits)) < 0.12, rng.choice(CITIZEN_COMMENTS, size=len(visits)), ""
    ).tolist()
    out = []
    for row, comment in zip(visits.itertuples(index=False), comments, strict=True):
        out.append(
            Entry(
                "data",
                day=row.date.date(),
                citizen=row.citizen,
                time_in=_minutes(row.start),
                time_out=_minutes(row.end),
                comment=TRIP_COMMENT if row.is_trip else comment,
            )
        )
    return out


def _choose(rng, weights: dict[str, float]) -> str:
    keys = list(weights)
    p = np.array([weights[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def _render(rng, sheet: Sheet, manifest: list[dict]) -> list[list[Any]]:
    """Cell values row by row, and the manifest of defects with their 1-based spreadsheet rows."""
    rows: list[list[Any]] = []
    width = max(len(sheet.header), 1)
    seen_formats: set[tuple[str, str]] = set()
    for entry in sheet.entries:
        row_no = len(rows) + 1
        if entry.kind == "blank":
            rows.append([None] * width)
        elif entry.kind == "title":
            rows.append([entry.text] + [None] * (width - 1))
        elif entry.kind == "header":
            rows.append([label for _, label in sheet.header])
        elif entry.kind == "total":
            values = {"date": entry.text, "comment": entry.comment}
            rows.append([values.get(f) for f, _ in sheet.header])
        elif entry.kind in ("tick_header", "tick"):
            rows.append(list(entry.cells))
        else:
            date_fmt = _choose(rng, sheet.date_formats)
            time_fmt = entry.time_format or _choose(rng, sheet.time_formats)
            values: dict[str, Any] = {
                "offer": entry.offer,
                "date": format_date(entry.day, date_fmt),
                "citizen": entry.citizen,
                "comment": entry.comment or None,
            }
            used = []
            for fld, minutes in (("time_in", entry.time_in), ("time_out", entry.time_out)):
                if minutes is None:
                    values[fld] = None
                else:
                    values[fld], actual = format_time(minutes, time_fmt)
                    used.append(actual)
            if entry.time_in is not None and entry.time_out is not None:
                values["hours"] = f"{abs(entry.time_out - entry.time_in) / 60:.2f}".replace(".", ",")
            rows.append([values.get(f) for f, _ in sheet.header])
            for kind, fmt in [("date_format", date_fmt)] + [("time_format", f) for f in used]:
                if (kind, fmt) not in seen_formats:
                    seen_formats.add((kind, fmt))
                    manifest.append(
                        {"kind": kind, "file": sheet.file, "sheet": sheet.name, "row": row_no, "detail": fmt}
                    )
        for kind, detail in entry.defects:
            manifest.append(
                {"kind": kind, "file": sheet.file, "sheet": sheet.name, "row": row_no, "detail": detail}
            )
    return rows
