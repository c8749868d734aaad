"""The visit date of each record: day/month order per file, the year of the dataset period, dates filled
down the long layout, weekdays checked; unreadable dates and dates outside the period are quarantined.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from attendance.errors import InputError
from attendance.ingest.parsing import (
    date_order_evidence,
    is_blank_values,
    parse_date,
    parse_dates,
    weekday_name,
    weekday_prefix,
)
from attendance.ingest.readers import (
    Dataset,
)
from attendance.reporting.glossary import WEEKDAYS

from .records import (
    NAT,
    NS_PER_DAY,
    QUARANTINED,
    State,
)


def _date_order(state: State) -> np.ndarray:
    """Per file: read numeric dates month first? Decided from the file's unambiguous values (`15/3` can only
    be day first, `3/15` only month first); a file with both stops; a file with neither is day first, and
    says so in the log when it has dates that could be read both ways (`3/4`)."""
    df = state.df
    cats = df["date"].cat.categories
    evidence = np.array([date_order_evidence(c) for c in cats] + [0], dtype=np.int8)
    if not evidence.any():  # no numeric dates that could be read two ways: every file is day first
        return np.zeros(len(df["file"].cat.categories), dtype=bool)
    ev = state.per_row("date", evidence)
    file_codes = df["file"].cat.codes.to_numpy().astype(np.int64)
    n_files = len(df["file"].cat.categories)
    data = (df["kind"] == "data").to_numpy()
    day_first = np.bincount(file_codes[data & (ev == 1)], minlength=n_files) > 0
    month_first = np.bincount(file_codes[data & (ev == 2)], minlength=n_files) > 0
    both = day_first & month_first
    if both.any():
        f = int(np.flatnonzero(both)[0])
        i_day = int(np.flatnonzero((file_codes == f) & data & (ev == 1))[0])
        i_month = int(np.flatnonzero((file_codes == f) & data & (ev == 2))[0])
        raise InputError(
            f"dates are written both day first (row {int(df['row'].iat[i_day])}) and month first "
            f"(row {int(df['row'].iat[i_month])}), so a date such as 3/4 has two readings",
            file=str(df["file"].iat[i_month]),
            sheet=str(df["sheet"].iat[i_month]) or None,
            row=int(df["row"].iat[i_month]),
            column=str(state.log.headers["date"][state.log.sheet_idx[i_month]]),
            fix="write every date of the file the same way, e.g. DD-MM-YYYY",
        )
    ambiguous = np.bincount(file_codes[data & (ev == 3)], minlength=n_files) > 0
    for f in np.flatnonzero(ambiguous & ~day_first & ~month_first):
        state.log.add_sheet(
            str(df["file"].cat.categories[f]),
            "",
            "date_order",
            "read",
            "numeric dates read day first (DD/MM, the Danish default): no date in the file decides the order",
        )
    for f in np.flatnonzero(month_first):
        state.log.add_sheet(
            str(df["file"].cat.categories[f]),
            "",
            "date_order",
            "read",
            "numeric dates read month first (MM/DD): the file has dates that can only be read that way",
        )
    return month_first


def _period_dates(state: State, dataset: Dataset, month_first: bool) -> np.ndarray:
    """Each distinct date value parsed once (int64 ns per row). A date typed without a year (`ti 3/3`) takes
    the year of the dataset period in which it falls: in a period across New Year, `5/1` is in the later
    year (before: the first year, then quarantined as outside the period)."""
    years = dataset.years
    if len(years) == 1:
        return parse_dates(state.df["date"], years, month_first).to_numpy().view(np.int64).copy()
    start, end = dataset.period_start.value, dataset.period_end.value

    def pick(value: Any) -> int:
        found = [parse_date(value, (year,), month_first) for year in years]
        values = {f.value for f in found if f is not None}
        if len(values) <= 1:
            return values.pop() if values else NAT
        inside = sorted(v for v in values if start <= v <= end)
        if len(inside) == 1:
            return inside[0]
        return NAT if inside else min(values)  # two years in the period: no single reading

    table = np.array([pick(c) for c in state.df["date"].cat.categories] + [NAT], dtype=np.int64)
    return state.per_row("date", table).copy()


def parse_visit_dates(state: State, dataset: Dataset) -> np.ndarray:
    """Dates as int64 ns; the day/month order per file (`_date_order`); a date written only on the first row
    of a day (or merged down) filled down; the weekday of a `Dag` column or a prefix (`ti 3/3`) checked; rows
    without a readable date or outside the dataset period are quarantined."""
    df = state.df
    month_first = _date_order(state)
    dates = _period_dates(state, dataset, False)
    file_codes = df["file"].cat.codes.to_numpy()
    if month_first.any():
        dates = np.where(month_first[file_codes], _period_dates(state, dataset, True), dates)
    fill_down_dates(state, dates)
    state.drop(dates == NAT, QUARANTINED, "unparseable_date", "date", "not a date (raw value in quarantine)")
    check_weekdays(state, dates)
    outside = (dates != NAT) & ((dates < dataset.period_start.value) | (dates > dataset.period_end.value))
    state.drop(
        outside,
        QUARANTINED,
        "date_outside_period",
        "date",
        f"outside the period {dataset.period_start.date()}..{dataset.period_end.date()}",
    )
    return dates


def fill_down_dates(state: State, dates: np.ndarray) -> None:
    """Long layout: a row with an empty date cell takes the date of the nearest row above in the same sheet
    whose date cell is filled — if that date is readable (a total row, repeated header or unreadable date
    above stops it). Covers dates written once per day and vertically merged date cells. Logged per row."""
    df = state.df
    blank = is_blank_values(df["date"])
    long = (df["layout"] == "long").to_numpy()
    fill = state.active & blank & long & (df["kind"] == "data").to_numpy()
    if not fill.any():
        return
    source = ~blank & long
    last = np.maximum.accumulate(np.where(source, np.arange(len(dates)), -1))
    idx = np.flatnonzero(fill & (last >= 0))
    src = last[idx]
    sheet_idx = state.log.sheet_idx
    good = (sheet_idx[src] == sheet_idx[idx]) & (dates[src] != NAT)
    idx, src = idx[good], src[good]
    if not len(idx):
        return
    dates[idx] = dates[src]
    mask = np.zeros(len(dates), dtype=bool)
    mask[idx] = True
    detail = np.full(len(dates), "", dtype=object)
    detail[idx] = "date taken from row " + pd.Series(df["row"].to_numpy()[src]).astype(str).to_numpy(
        dtype=object
    )
    state.log.add(mask, "date_filled_down", "filled", "date", detail)


DANISH_WEEKDAYS = WEEKDAYS  # the one list of Danish weekday names (reporting.glossary)


def check_weekdays(state: State, dates: np.ndarray) -> None:
    """A weekday written beside the date (a `Dag` column) or before it (`ti 3/3`) must be that date's
    weekday; when it is not, the row has two readings and is quarantined (`weekday_mismatch`)."""
    df = state.df
    prefixes = np.array(
        [-1 if (w := weekday_prefix(c)) is None else w for c in df["date"].cat.categories] + [-1]
    )
    cats = df["weekday"].cat.categories
    if not len(cats) and (prefixes < 0).all():  # no weekday written anywhere: nothing to check
        return
    weekday = (dates // NS_PER_DAY + 3) % 7  # 1970-01-01 was a Thursday
    written = state.per_row("date", prefixes)
    if len(cats):
        from_column = state.per_row(
            "weekday", np.array([-1 if (w := weekday_name(c)) is None else w for c in cats] + [-1])
        )
        # the Dag column, where it is filled and disagrees, else the prefix
        written = np.where((from_column >= 0) & (from_column != weekday), from_column, written)
    wrong = (dates != NAT) & (written >= 0) & (written != weekday)
    if not wrong.any():
        return
    names = np.array(DANISH_WEEKDAYS, dtype=object)
    detail = np.full(len(dates), "", dtype=object)
    detail[wrong] = (
        "weekday written as " + names[written[wrong]] + ", but the date is a " + names[weekday[wrong]]
    )
    state.drop(wrong, QUARANTINED, "weekday_mismatch", "date", detail)
