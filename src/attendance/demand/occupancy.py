"""Occupancy (concurrent attendance) by time slot, hillmaker-compatible, and instantaneous daily peaks.

Why a re-implementation of hillmaker: the published method (M. Isken's hillmaker) is the reference the
municipality can cite, but hillmaker 0.8 loops over visits in Python and is far too slow for the benchmark
sizes; this module reproduces its numbers exactly with vectorised numpy on int64 nanoseconds.

Why pandas is imported inside functions: `attendance occupancy` runs on Arrow and numpy alone
(`occupancy_io.py`), and importing pandas would cost it more than the computation itself.
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from attendance.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

DAILY_PEAK_COLUMNS = ["offer_id", "date", "peak"]
MEASURES = ["occupancy", "arrivals", "departures"]
BYDATETIME_COLUMNS = [
    "datetime",
    "date",
    "day_of_week",
    "dow_name",
    "bin_of_day",
    "bin_of_day_str",
    "arrivals",
    "departures",
    "occupancy",
]
SLOT_KEYS = ["day_of_week", "dow_name", "bin_of_day", "bin_of_day_str"]
PERCENTILES = (0.25, 0.5, 0.75, 0.95, 0.99)
STAT_COLUMNS = ["count", "mean", "min", "max", "stdev", *[f"p{int(100 * p)}" for p in PERCENTILES]]
_DOW_NAMES = np.array(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
_NS_PER_S = 1_000_000_000
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _midnight(value) -> np.datetime64:
    """Midnight of a window date; numpy for ISO text and dates, pandas (imported then) for anything else."""
    if isinstance(value, str) and _ISO_DAY.fullmatch(value.strip()):
        return np.datetime64(value.strip(), "D").astype("datetime64[ns]")
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        return np.datetime64(value, "D").astype("datetime64[ns]")
    import pandas as pd

    return pd.Timestamp(value).normalize().to_datetime64().astype("datetime64[ns]")


def _window(start_date, end_date) -> tuple[np.datetime64, np.datetime64]:
    """hillmaker's analysis window: start_date 00:00 to end_date 23:59:59 (its `end_analysis_dt`).

    Why 23:59:59 and not midnight: hillmaker's Scenario moves the end to the last second of the day; stops
    arriving in that last second are outside, and departures in it are not counted. Matching it keeps parity.
    """
    try:
        start = _midnight(start_date)
        end = _midnight(end_date) + np.timedelta64(86399, "s")
    except (ValueError, TypeError) as exc:
        raise InputError(
            f"cannot read the window dates {start_date!r} / {end_date!r}", fix="give dates as YYYY-MM-DD"
        ) from exc
    if np.isnat(start) or np.isnat(end):
        raise InputError(
            f"cannot read the window dates {start_date!r} / {end_date!r}", fix="give dates as YYYY-MM-DD"
        )
    if end <= start:
        raise InputError(
            f"the window ends ({end_date}) before it starts ({start_date})", fix="swap --from/--to"
        )
    return start, end


def _check_bin_minutes(bin_minutes) -> int:
    if not isinstance(bin_minutes, int | np.integer) or bin_minutes <= 0 or 1440 % bin_minutes:
        raise InputError(f"bin size {bin_minutes} minutes does not divide a day", fix="use e.g. 15, 30 or 60")
    return int(bin_minutes)


def _hillmaker_bin(delta: np.ndarray, bin_minutes: int) -> np.ndarray:
    """Bin index of a time offset, with exactly hillmaker's arithmetic (`hmlib.bin_of_analysis_range`).

    Why the odd steps: hillmaker floors to whole seconds, truncates minutes toward zero and then floors by
    the bin size; a stop starting less than a minute before the window therefore lands in bin 0. Same steps,
    same bins.
    """
    minutes = (delta.astype("timedelta64[s]") / 60.0).astype(np.int64)
    return np.floor(minutes / bin_minutes).astype(np.int64)


class OccupancyAccumulator:
    """hillmaker's by-datetime measures (arrivals, departures, fractional occupancy), fed in chunks of visits.

    Why chunks give the very same bits as one pass: the slot fractions are summed with `np.add.at`, which adds
    in input order into the running totals exactly as one `np.bincount` over all visits would, and everything
    else is an integer count. Memory is O(chunk + groups × slots), so files larger than memory stream through.

    Feed it with `add(start, end, codes)`: datetime64[ns] arrays of complete visits that overlap the window
    (`overlapping`) and do not end before they start, and each visit's group row (0, 1, … in any order).
    """

    def __init__(self, bin_minutes: int, start_date, end_date) -> None:
        self.bin_minutes = _check_bin_minutes(bin_minutes)
        self.window_start, self.window_end = _window(start_date, end_date)
        self.n_bins = (
            int(_hillmaker_bin(np.array([self.window_end - self.window_start]), self.bin_minutes)[0]) + 1
        )
        self.n_groups = 0
        self._in = np.zeros(0)
        self._out = np.zeros(0)
        self._inner = np.zeros(0, dtype=np.int64)
        self._arrivals = np.zeros(0, dtype=np.int64)
        self._departures = np.zeros(0, dtype=np.int64)

    def _bins(self, seconds: np.ndarray) -> np.ndarray:
        """`_hillmaker_bin` of whole seconds from the window start, in one division where it is the same.

        Why two cases: for offsets ≥ 0, floor(trunc(s / 60) / bin) = floor(s / (60 · bin)), one pass; before
        the window, hillmaker's truncation toward zero differs, so those few take its exact steps.
        """
        bins = np.floor(seconds / (60.0 * self.bin_minutes)).astype(np.int64)
        before = seconds < 0
        if before.any():
            minutes = (seconds[before] / 60.0).astype(np.int64)
            bins[before] = np.floor(minutes / self.bin_minutes).astype(np.int64)
        return bins

    def overlapping(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Visits with both times that overlap the window (the others add nothing, as in hillmaker)."""
        complete = ~(np.isnat(start) | np.isnat(end))
        return complete & (start < self.window_end) & (end > self.window_start)

    def ensure_groups(self, n_groups: int) -> None:
        """Room for group rows 0 … n_groups - 1 (zero until visits are added to them)."""
        extra = n_groups - self.n_groups
        if extra <= 0:
            return
        self._in = np.concatenate([self._in, np.zeros(extra * self.n_bins)])
        self._out = np.concatenate([self._out, np.zeros(extra * self.n_bins)])
        self._inner = np.concatenate([self._inner, np.zeros(extra * (self.n_bins + 1), dtype=np.int64)])
        self._arrivals = np.concatenate([self._arrivals, np.zeros(extra * self.n_bins, dtype=np.int64)])
        self._departures = np.concatenate([self._departures, np.zeros(extra * self.n_bins, dtype=np.int64)])
        self.n_groups = n_groups

    def add(self, start: np.ndarray, end: np.ndarray, codes: np.ndarray | None = None) -> None:
        """Add visits (see the class docstring); `codes` None puts them all in group row 0."""
        if codes is None:
            codes = np.zeros(len(start), dtype=np.int64)
        codes = np.asarray(codes, dtype=np.int64)
        if not len(start):
            return
        self.ensure_groups(int(codes.max()) + 1)
        bin_minutes, n_bins = self.bin_minutes, self.n_bins
        # whole seconds from the window start, floored as hillmaker floors them
        rel_in = (start - self.window_start).astype("timedelta64[s]").view(np.int64).astype(np.float64)
        rel_out = (end - self.window_start).astype("timedelta64[s]").view(np.int64).astype(np.float64)
        entry_bin = self._bins(rel_in)
        exit_bin = self._bins(rel_out)
        bin_seconds = bin_minutes * 60
        offset = codes * n_bins

        # Fractions of the arrival and departure slots (hillmaker's in_bin_occ_frac / out_bin_occ_frac).
        in_frac = (np.minimum(rel_out, (entry_bin + 1) * bin_seconds) - rel_in) / (bin_minutes * 60.0)
        out_frac = (rel_out - np.maximum(rel_in, exit_bin * bin_seconds)) / (bin_minutes * 60.0)
        use_in = (entry_bin >= 0) & (entry_bin < n_bins)
        np.add.at(self._in, (offset + entry_bin)[use_in], in_frac[use_in])
        use_out = (exit_bin != entry_bin) & (exit_bin >= 0) & (exit_bin < n_bins)
        np.add.at(self._out, (offset + exit_bin)[use_out], out_frac[use_out])
        del in_frac, out_frac, use_in, use_out

        # Whole slots in between: +1 at the first, -1 after the last, per group row of width n_bins + 1.
        first = np.maximum(entry_bin + 1, 0)
        stop = np.minimum(exit_bin, n_bins)
        inner = first < stop
        row = codes[inner] * (n_bins + 1)
        size = len(self._inner)
        self._inner += np.bincount(row + first[inner], minlength=size)
        self._inner -= np.bincount(row + stop[inner], minlength=size)
        del first, stop, inner, row

        arrived = start >= self.window_start  # arrivals before the window are not counted (left/outer)
        self._arrivals += np.bincount((offset + entry_bin)[arrived], minlength=len(self._arrivals))
        departed = end < self.window_end  # nor departures after it (right/outer)
        self._departures += np.bincount((offset + exit_bin)[departed], minlength=len(self._departures))

    def result(self, order: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(occupancy, arrivals, departures), each groups × slots, rows taken in `order` (default as added)."""
        shape = (self.n_groups, self.n_bins)
        occupancy = self._in + self._out
        occupancy += np.cumsum(self._inner.reshape(self.n_groups, self.n_bins + 1), axis=1)[:, :-1].ravel()
        tables = [occupancy.reshape(shape), self._arrivals.reshape(shape), self._departures.reshape(shape)]
        if order is not None:
            tables = [table[np.asarray(order, dtype=np.int64)] for table in tables]
        return tables[0], tables[1], tables[2]

    def slot_columns(self) -> dict[str, np.ndarray]:
        """The window's slots: datetime, date, day_of_week, dow_name, bin_of_day, bin_of_day_str (one group)."""
        slot = np.arange(self.n_bins)
        step = np.timedelta64(self.bin_minutes, "m").astype("timedelta64[ns]")
        datetimes = self.window_start + slot * step
        dates = datetimes.astype("datetime64[D]").astype("datetime64[ns]")
        day_of_week = (dates.astype("datetime64[D]").astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
        bin_of_day = slot % (1440 // self.bin_minutes)
        labels = np.array(
            [f"{m // 60:02d}:{m % 60:02d}" for m in range(0, 1440, self.bin_minutes)], dtype=object
        )
        return {
            "datetime": datetimes,
            "date": dates,
            "day_of_week": day_of_week,
            "dow_name": _DOW_NAMES.astype(object)[day_of_week],
            "bin_of_day": bin_of_day,
            "bin_of_day_str": labels[bin_of_day],
        }


def _as_datetimes(df: pd.DataFrame, column: str) -> np.ndarray:
    """Column as naive datetime64[ns]; text is parsed (ISO first, then day-first variants)."""
    import pandas as pd

    if column not in df.columns:
        raise InputError(
            f"no column {column!r} (columns: {', '.join(map(str, df.columns))})",
            column=column,
            fix="name the right column",
        )
    values = df[column]
    if not pd.api.types.is_datetime64_any_dtype(values):
        values = _parse_datetimes(values, column, df.index)
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_localize(None)
    return values.to_numpy("datetime64[ns]")


def _row_label(index: pd.Index, position: int) -> int | None:
    """The row to name in an error: the index label when it is an integer (the CLI sets file line numbers)."""
    label = index[position]
    return int(label) if isinstance(label, int | np.integer) else None


def tolerant_parse(text: pd.Series) -> pd.Series:
    """Timestamps from stripped text: ISO 8601 first, then pandas' mixed formats read day-first; NaT if
    neither reads a value. The one text rule for timestamps, whether the visits come as a DataFrame or a file.
    """
    import pandas as pd

    parsed = pd.to_datetime(text, errors="coerce", format="ISO8601")
    retry = parsed.isna() & text.notna() & (text != "")
    if retry.any():
        parsed[retry] = pd.to_datetime(text[retry], errors="coerce", format="mixed", dayfirst=True)
    return parsed


def _parse_datetimes(values: pd.Series, column: str, index: pd.Index) -> pd.Series:
    """Parse text timestamps; an unparseable non-empty value is an InputError naming its row."""
    text = values.astype("string").str.strip()
    parsed = tolerant_parse(text)
    bad = parsed.isna() & text.notna() & (text != "")
    if bad.any():
        position = int(np.flatnonzero(bad.to_numpy())[0])
        raise unreadable_error(int(bad.sum()), text.iloc[position], _row_label(index, position), column)
    return parsed


def unreadable_error(
    count: int, first: str, row: int | None, column: str, file: str | None = None
) -> InputError:
    """The one error for timestamps no rule reads (shared by the DataFrame and file paths)."""
    return InputError(
        f"cannot read {count} timestamp(s), first {first!r}",
        file=file,
        row=row,
        column=column,
        fix="use YYYY-MM-DD HH:MM",
    )


def backwards_error(count: int, row: int | None, column: str, file: str | None = None) -> InputError:
    """The one error for visits that end before they start (shared by the DataFrame and file paths)."""
    return InputError(
        f"{count} visit(s) end before they start",
        file=file,
        row=row,
        column=column,
        fix="clean the data (swap or drop such visits) first",
    )


def occupancy_by_datetime(
    df: pd.DataFrame,
    start_col: str,
    end_col: str,
    bin_minutes: int,
    start_date,
    end_date,
    group_col: str | None = None,
) -> pd.DataFrame:
    """Arrivals, departures and fractional occupancy for every date × slot of the window [, group].

    hillmaker's conventions: a stop adds to each slot the fraction of the slot it was present (arrival and
    departure slots fractional, slots in between 1); arrivals/departures count in the slot where they fall and
    only if they fall inside the window; stops with a missing time, or not overlapping the window, are
    ignored; zero-length stops count as an arrival and a departure with no occupancy. One deliberate
    difference: hillmaker drops *all* occupancy of a stop that leaves in the window's very last second
    (an empty-slice bug); here it counts like any other stop.

    Why difference arrays: the slots strictly between arrival and departure all get 1, so a +1/-1 pair per
    stop and one cumulative sum replace expanding every stop into its slots — memory O(stops + slots).
    """
    import pandas as pd

    accumulator = OccupancyAccumulator(bin_minutes, start_date, end_date)
    start = _as_datetimes(df, start_col)
    end = _as_datetimes(df, end_col)
    complete = ~(np.isnat(start) | np.isnat(end))
    backwards = complete & (end < start)
    if backwards.any():
        position = int(np.flatnonzero(backwards)[0])
        raise backwards_error(int(backwards.sum()), _row_label(df.index, position), end_col)
    keep = accumulator.overlapping(start, end)
    if group_col is not None:
        if group_col not in df.columns:
            raise InputError(f"no group column {group_col!r}", column=group_col, fix="name the right column")
        codes, groups = pd.factorize(df[group_col][keep], sort=True)
        if (codes < 0).any():
            raise InputError(f"{int((codes < 0).sum())} visits have no {group_col}", column=group_col)
    else:
        codes, groups = np.zeros(int(keep.sum()), dtype=np.int64), np.array([None])
    accumulator.ensure_groups(len(groups))
    accumulator.add(start[keep], end[keep], codes)
    occupancy, arrivals, departures = accumulator.result()
    n_groups = len(groups)
    columns = {name: np.tile(values, n_groups) for name, values in accumulator.slot_columns().items()}
    frame = pd.DataFrame(
        {
            **columns,
            "arrivals": arrivals.ravel(),
            "departures": departures.ravel(),
            "occupancy": occupancy.ravel(),
        }
    )
    if group_col is not None:
        frame.insert(0, group_col, np.repeat(np.asarray(groups, dtype=object), accumulator.n_bins))
    frame.attrs["group_col"] = group_col
    frame.attrs["bin_minutes"] = bin_minutes
    return frame


def slot_statistics(key_code: np.ndarray, n_keys: int, values: np.ndarray, percentiles=PERCENTILES) -> dict:
    """count, mean, min, max, stdev (ddof 1; NaN for one value) and percentiles of `values` per key code.

    Why no groupby-apply: the percentiles come from one sort of all values by (key, value) and index
    arithmetic within each key's block, so the cost does not grow with a Python call per slot. Sums run in
    row order, so the same rows in the same order give the same bits on every path.
    """
    count = np.bincount(key_code, minlength=n_keys)
    total = np.bincount(key_code, weights=values, minlength=n_keys)
    mean = total / count
    squares = np.bincount(key_code, weights=(values - mean[key_code]) ** 2, minlength=n_keys)
    with np.errstate(divide="ignore", invalid="ignore"):
        stdev = np.sqrt(squares / (count - 1))
    stdev[count < 2] = np.nan
    order = np.lexsort((values, key_code))
    ordered = values[order]
    block_start = np.cumsum(count) - count
    stats = {
        "count": count,
        "mean": mean,
        "min": ordered[block_start],
        "max": ordered[block_start + count - 1],
        "stdev": stdev,
    }
    for p in percentiles:
        position = (count - 1) * p
        low = np.floor(position).astype(np.int64)
        high = np.minimum(low + 1, count - 1)
        frac = position - low
        a = ordered[block_start + low]
        b = ordered[block_start + high]
        stats[f"p{int(100 * p)}"] = a + (b - a) * frac
    return stats


def summarize(bydatetime: pd.DataFrame, percentiles=PERCENTILES) -> pd.DataFrame:
    """Statistics per measure × day of week × slot [× group] over the window's dates, as hillmaker 0.8 does.

    count, mean, min, max, sample standard deviation (ddof 1; NaN for a single date) and linearly
    interpolated percentiles (`slot_statistics`).
    """
    import pandas as pd

    group_col = bydatetime.attrs.get("group_col")
    if group_col is None:
        extra = [c for c in bydatetime.columns if c not in BYDATETIME_COLUMNS]
        group_col = extra[0] if extra else None
    keys = ([group_col] if group_col else []) + SLOT_KEYS
    grouped = bydatetime.groupby(keys, sort=True, observed=True)
    key_code = grouped.ngroup().to_numpy()
    key_frame = grouped.size().index.to_frame(index=False)
    n_keys = len(key_frame)
    frames = []
    for measure in MEASURES:  # three measures, each fully vectorised
        values = bydatetime[measure].to_numpy(dtype=np.float64)
        stats = key_frame.copy()
        stats.insert(0, "measure", measure)
        for name, column in slot_statistics(key_code, n_keys, values, percentiles).items():
            stats[name] = column
        frames.append(stats)
    return pd.concat(frames, ignore_index=True)


def read_visits_file(path: Path) -> pd.DataFrame:
    """Read a CSV or Parquet file of visits into pandas; anything else is an InputError."""
    import pandas as pd

    suffix = path.suffix.lower()
    if suffix in {".parquet", ".pq"}:
        return pd.read_parquet(path)
    if suffix in {".csv", ".txt"}:
        return pd.read_csv(path, sep=";" if _looks_semicolon(path) else ",")
    raise InputError(f"unknown file type {suffix!r}", file=str(path), fix="give a .csv or .parquet file")


def _looks_semicolon(path: Path) -> bool:
    """Danish CSV exports are often `;`-separated; sniff the header line."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        header = handle.readline()
    return header.count(";") > header.count(",")


def _peaks(timed: pd.DataFrame) -> pd.DataFrame:
    """Sweep line over +1/-1 events per (offer_id, date); `timed` holds only visits with end > start.

    Events are sorted by group, time and then delta (-1 before +1), so the running sum after each event
    never exceeds the true count at that instant and reaches it after the instant's last arrival.
    """
    import pandas as pd

    n = len(timed)
    grouped = timed.groupby(["offer_id", "date"], sort=True, observed=True)
    group = grouped.ngroup().to_numpy()
    times = np.concatenate(
        [timed["start"].to_numpy("datetime64[ns]"), timed["end"].to_numpy("datetime64[ns]")]
    )
    delta = np.concatenate([np.ones(n, dtype=np.int64), -np.ones(n, dtype=np.int64)])
    groups = np.concatenate([group, group])
    order = np.lexsort((delta, times.view(np.int64), groups))
    running = np.cumsum(delta[order])
    sorted_groups = groups[order]
    # Each group's running sum starts from the previous group's end value (always 0, since every group's
    # events balance), so the plain cumulative sum is the per-group count.
    peak = pd.Series(running).groupby(sorted_groups).max()
    keys = grouped.size().index.to_frame(index=False)
    keys["peak"] = peak.to_numpy(dtype=np.int64)
    return keys


def daily_peaks(visits: pd.DataFrame) -> pd.DataFrame:
    """Daily peak per offer × date: the highest number of timed visits present at the same instant.

    Why only timed visits: day-only registrations (tick lists) say someone came, not when, so they cannot be
    placed at an instant. Zero-length and incomplete visits are never present and are ignored. Dates with no
    timed visit are absent here; per-opening-day KPIs fill them with 0.
    """
    import pandas as pd

    timed = visits.loc[:, ["offer_id", "date", "start", "end"]]
    timed = timed[timed["start"].notna() & timed["end"].notna() & (timed["end"] > timed["start"])]
    if timed.empty:
        return pd.DataFrame(
            {
                "offer_id": pd.Series(dtype="string"),
                "date": pd.Series(dtype="datetime64[ns]"),
                "peak": pd.Series(dtype="int64"),
            }
        )
    timed = timed.assign(date=pd.to_datetime(timed["date"]).dt.normalize())
    return _peaks(timed)
