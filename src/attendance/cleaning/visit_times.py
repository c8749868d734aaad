"""The times of each visit: time in/out read (ranges in one cell split, afternoon hours typed as 1–3
read as such), swapped or quarantined when out is before in, missing times out imputed, implausible stays
quarantined, and the times judged against the offer's opening calendar (holidays, closed dates, hours).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import holidays
import numpy as np
import pandas as pd

from attendance.ingest.parsing import (
    is_blank_values,
    parse_date,
    parse_time,
    parse_times,
    time_to_offset,
)
from attendance.ingest.readers import (
    _TICK_RANGE,
    Dataset,
    Offer,
)
from attendance.timeofday import hhmm_to_minutes

from .records import (
    FLAG_BIT,
    NAT,
    NS_PER_DAY,
    NS_PER_MINUTE,
    QUARANTINED,
    State,
    _category_lookup,
)


def _fmt_offset(ns: int) -> str:
    minutes = int(ns // NS_PER_MINUTE)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_visit_times(state: State) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Time in/out as ns since midnight; a timed row needs a readable time in, and time out if given."""
    df = state.df
    timed = (df["granularity"] == "timed").to_numpy()
    t_in = parse_times(df["time_in"]).to_numpy().view(np.int64).copy()
    t_out = parse_times(df["time_out"]).to_numpy().view(np.int64).copy()
    in_blank = is_blank_values(df["time_in"])
    out_blank = is_blank_values(df["time_out"])
    split_time_ranges(state, timed, t_in, t_out, out_blank)
    state.drop(timed & in_blank, QUARANTINED, "unparseable_time", "time_in", "time in is empty")
    state.drop(
        timed & (t_in == NAT),
        QUARANTINED,
        "unparseable_time",
        "time_in",
        "time in is not a time (raw value in quarantine)",
    )
    state.drop(
        timed & ~out_blank & (t_out == NAT),
        QUARANTINED,
        "unparseable_time",
        "time_out",
        "time out is not a time (raw value in quarantine)",
    )
    return timed, t_in, t_out


def _range_offsets(value: Any) -> tuple[int, int]:
    """`9.30-14`, `kl 9 - 13` in one cell → (time in, time out) as ns since midnight; (NAT, NAT) otherwise."""
    match = _TICK_RANGE.match(value) if isinstance(value, str) else None
    if not match:
        return NAT, NAT
    start, end = time_to_offset(parse_time(match[1])), time_to_offset(parse_time(match[2]))
    return (NAT, NAT) if start is None or end is None else (start, end)


def split_time_ranges(
    state: State, timed: np.ndarray, t_in: np.ndarray, t_out: np.ndarray, out_blank: np.ndarray
) -> None:
    """A range typed in the time-in cell with the time-out cell empty (`Ind: 9.30-14`) is both times: split,
    logged (`time_range_in_cell`). Per distinct value, so 10 million rows cost nothing extra."""
    cats = state.df["time_in"].cat.categories
    pairs = [_range_offsets(c) for c in cats]
    if not any(a != NAT for a, _ in pairs):
        return
    starts = state.per_row("time_in", np.array([a for a, _ in pairs] + [NAT], dtype=np.int64))
    ends = state.per_row("time_in", np.array([b for _, b in pairs] + [NAT], dtype=np.int64))
    split = state.active & timed & out_blank & (starts != NAT)
    t_in[split] = starts[split]
    t_out[split] = ends[split]
    out_blank[split] = False
    state.log.add(
        split, "time_range_in_cell", "split", "time_in", "a time range in the time-in cell: both times"
    )


_DATETIME_TEXT = re.compile(r"^\s*\d{4}-\d{1,2}-\d{1,2}[ tT]\d{1,2}:\d{2}")
EXCEL_TIME_ONLY_BEFORE = pd.Timestamp("1900-01-01").value  # Excel keeps a bare time on 1899-12-30/31


def _date_part(values: pd.Series) -> np.ndarray:
    """The date (int64 ns) of cells holding a date-time, as Excel date-time cells arrive; NAT otherwise."""

    def date_of(value: Any) -> int:
        if not isinstance(value, str) or not _DATETIME_TEXT.match(value):
            return NAT
        parsed = parse_date(value)
        return NAT if parsed is None or parsed.value < EXCEL_TIME_ONLY_BEFORE else parsed.value

    return _category_lookup(values, date_of).astype(np.int64)


def quarantine_stays_across_days(
    state: State, timed: np.ndarray, t_in: np.ndarray, t_out: np.ndarray, max_stay_ns: int
) -> None:
    """Time in and out typed as date-times on different days: judged on the whole registered stay, which the
    times of day alone would hide (7/4 9:00 → 9/4 10:00 is 49 hours, not one)."""
    day_in = _date_part(state.df["time_in"])
    if (day_in == NAT).all():
        return
    day_out = _date_part(state.df["time_out"])
    check = state.active & timed & (day_in != NAT) & (day_out != NAT) & (day_in != day_out)
    span = np.zeros(len(check), dtype=np.int64)
    span[check] = day_out[check] - day_in[check] + t_out[check] - t_in[check]
    state.drop(
        check & (np.abs(span) > max_stay_ns),
        QUARANTINED,
        "implausible_duration",
        "time_out",
        f"time in and time out on different days: stay longer than {max_stay_ns / 3.6e12:g} hours",
    )


NS_PER_HOUR = 60 * NS_PER_MINUTE


def read_afternoon_hours(
    state: State,
    timed: np.ndarray,
    t_in: np.ndarray,
    t_out: np.ndarray,
    is_open: np.ndarray,
    open_ns: np.ndarray,
    close_ns: np.ndarray,
) -> None:
    """`Gik 2.15` after `Kom 10.30`: staff type afternoon hours as 1–3. On an opening day, a time before
    12:00 that is before the day's opening while the same time + 12 h lies within the opening hours is read
    as the afternoon time — when that makes time out come after time in (00:xx is never moved). Flagged
    for review."""
    half_day = 12 * NS_PER_HOUR
    # candidates first (a time typed before opening), then the rule on those few rows only
    early = (t_in < open_ns) | ((t_out < open_ns) & (t_out != NAT))
    rows = np.flatnonzero(early & state.active & timed & is_open)
    n = len(t_in)
    move_in, move_out = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    if not len(rows):
        return
    a_in, a_out, o, c = t_in[rows], t_out[rows], open_ns[rows], close_ns[rows]

    def afternoon(t: np.ndarray) -> np.ndarray:
        later = t + half_day
        return (t != NAT) & (t >= NS_PER_HOUR) & (t < half_day) & (t < o) & (later >= o) & (later <= c)

    m_in, m_out = afternoon(a_in), afternoon(a_out)
    new_in = np.where(m_in, a_in + half_day, a_in)
    new_out = np.where(m_out, a_out + half_day, a_out)
    consistent = (new_out == NAT) | (new_out > new_in)
    move_in[rows] = m_in & consistent
    move_out[rows] = m_out & consistent
    for mask, times, column, what in (
        (move_in, t_in, "time_in", "time in"),
        (move_out, t_out, "time_out", "time out"),
    ):
        if not mask.any():
            continue
        idx = np.flatnonzero(mask)
        detail = np.full(len(times), "", dtype=object)
        detail[idx] = [
            f"{what} read as {_fmt_offset(t + 12 * NS_PER_HOUR)} (typed before opening; open until {_fmt_offset(c)})"
            for t, c in zip(times[idx], close_ns[idx], strict=True)
        ]
        times[idx] += 12 * NS_PER_HOUR
        state.flag(mask, "afternoon_hour", "read as afternoon", column, detail)


def fix_time_out_before_in(
    state: State, timed: np.ndarray, t_in: np.ndarray, t_out: np.ndarray, how: str
) -> None:
    wrong = state.active & timed & (t_out != NAT) & (t_out < t_in)
    if how == "quarantine":
        state.drop(wrong, QUARANTINED, "time_out_before_time_in", "time_out", "time out before time in")
        return
    state.flag(wrong, "time_out_before_time_in", "swapped", "time_out", "time in and time out swapped")
    t_in[wrong], t_out[wrong] = t_out[wrong], t_in[wrong].copy()


@dataclass
class Calendar:
    """Per offer and period day: open?, first opening and last closing time (ns since midnight)."""

    start_ns: int
    is_open: np.ndarray  # [offer, day]
    open_ns: np.ndarray
    close_ns: np.ndarray
    why_closed: np.ndarray  # [offer, day] text

    def lookup(
        self, offer_idx: np.ndarray, dates: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        n_days = self.is_open.shape[1]
        valid = (offer_idx >= 0) & (dates != NAT) & (dates >= self.start_ns)
        # one flat index into [offer, day] (0 where not valid), built in place, and `take` on the flattened
        # tables: a fourth of the time of four two-index gathers at 10 M rows, and fewer temporaries
        cell = dates - self.start_ns
        cell //= NS_PER_DAY
        valid &= cell < n_days
        cell += offer_idx * n_days
        cell[~valid] = 0
        return (
            valid & self.is_open.ravel().take(cell),
            self.open_ns.ravel().take(cell),
            self.close_ns.ravel().take(cell),
            self.why_closed.ravel().take(cell),
        )


def opening_calendar(offers: dict[str, Offer], dataset: Dataset) -> Calendar:
    """Opening days: weekday hours, minus Danish public holidays (holidays.Denmark), minus closed dates."""
    days = pd.date_range(dataset.period_start, dataset.period_end, freq="D")
    dk_holidays = holidays.country_holidays("DK", years=list(dataset.years), language="da")
    shape = (len(offers), len(days))
    is_open = np.zeros(shape, dtype=bool)
    open_ns = np.zeros(shape, dtype=np.int64)
    close_ns = np.zeros(shape, dtype=np.int64)
    why = np.full(shape, "", dtype=object)
    for i, offer in enumerate(offers.values()):
        closed = set(offer.closed_dates)
        for j, day in enumerate(days):
            hours = offer.opening_hours.get(day.weekday(), [])
            if day.date() in dk_holidays:
                why[i, j] = f"public holiday ({dk_holidays.get(day.date())})"
            elif day.date() in closed:
                why[i, j] = "closed date in offers.yaml"
            elif not hours:
                why[i, j] = "no opening hours on this weekday"
            else:
                is_open[i, j] = True
                open_ns[i, j] = min(hhmm_to_minutes(a) * NS_PER_MINUTE for a, _ in hours)
                close_ns[i, j] = max(hhmm_to_minutes(b) * NS_PER_MINUTE for _, b in hours)
    return Calendar(days[0].value if len(days) else 0, is_open, open_ns, close_ns, why)


def impute_missing_time_out(
    state: State,
    timed: np.ndarray,
    t_in: np.ndarray,
    t_out: np.ndarray,
    offer_idx: np.ndarray,
    is_open: np.ndarray,
    close_ns: np.ndarray,
    how: str,
    max_stay_ns: int,
    n_offers: int,
) -> np.ndarray:
    """Impute time out (closing time or the offer's median stay, capped at closing) or quarantine."""
    missing = state.active & timed & (t_out == NAT)
    imputed = np.zeros(len(t_in), dtype=bool)
    if how == "quarantine":
        state.drop(missing, QUARANTINED, "missing_time_out", "time_out", "no time out")
        return imputed
    stay = t_out - t_in
    complete = state.active & timed & (t_out != NAT) & (stay <= max_stay_ns)
    median = np.full(n_offers, NAT, dtype=np.int64)
    for i in range(n_offers):
        stays = stay[complete & (offer_idx == i)]
        if len(stays):
            median[i] = int(np.median(stays) // NS_PER_MINUTE * NS_PER_MINUTE)
    del stay, complete
    # only the rows without a time out (a few percent): no full-length temporaries or text arrays (issue 14)
    idx = np.flatnonzero(missing)
    t_in_m, close_m, offer_m = t_in[idx], close_ns[idx], offer_idx[idx]
    has_close = is_open[idx] & (t_in_m < close_m)
    med = median[np.clip(offer_m, 0, None)]
    if how == "closing_time":
        end = np.where(has_close, close_m, np.where(med != NAT, t_in_m + med, NAT))
        detail = np.where(
            has_close, "imputed: closing time", "imputed: median stay (no closing time that day)"
        )
    else:
        by_median = np.where(med != NAT, t_in_m + med, NAT)
        capped = has_close & (by_median != NAT) & (by_median > close_m)
        end = np.where(
            capped, close_m, np.where(by_median != NAT, by_median, np.where(has_close, close_m, NAT))
        )
        text = np.array(
            [f"imputed: median stay {_fmt_offset(m)}" if m != NAT else "" for m in median] + [""],
            dtype=object,
        )
        detail = np.where(
            capped,
            "imputed: median stay, capped at closing time",
            text[np.where(offer_m >= 0, offer_m, n_offers)],
        )
        detail = np.where(by_median == NAT, "imputed: closing time (no median stay)", detail)
    end = np.minimum(end, np.where(end == NAT, NAT, NS_PER_DAY - 1_000_000_000))
    nothing = end == NAT
    impossible = np.zeros(len(t_in), dtype=bool)
    impossible[idx[nothing]] = True
    state.drop(
        impossible, QUARANTINED, "missing_time_out", "time_out", "no time out and nothing to impute it from"
    )
    fill_idx = idx[~nothing]
    t_out[fill_idx] = end[~nothing]
    imputed[fill_idx] = True
    state.flag(
        imputed,
        "missing_time_out",
        "imputed",
        "time_out",
        pd.Series(detail[~nothing].astype(object), index=fill_idx, dtype=object),
    )
    return imputed


def quarantine_implausible_durations(
    state: State,
    timed: np.ndarray,
    t_in: np.ndarray,
    t_out: np.ndarray,
    imputed: np.ndarray,
    max_stay_ns: int,
) -> None:
    """Stays longer than max_stay_hours are typing errors, judged on the times as registered (before clipping)."""
    long = state.active & timed & ~imputed & (t_out - t_in > max_stay_ns)
    state.drop(
        long,
        QUARANTINED,
        "implausible_duration",
        "time_out",
        f"stay longer than {max_stay_ns / 3.6e12:g} hours",
    )


def apply_opening_hours(
    state: State,
    timed: np.ndarray,
    t_in: np.ndarray,
    t_out: np.ndarray,
    is_open: np.ndarray,
    open_ns: np.ndarray,
    close_ns: np.ndarray,
    how: str,
) -> None:
    """Clip (or only flag) visits reaching outside the day's opening hours; visits wholly outside stay as typed."""
    candidates = state.active & timed & is_open
    outside = candidates & ((t_in < open_ns) | (t_out > close_ns))
    wholly = outside & ((t_out <= open_ns) | (t_in >= close_ns))
    partly = outside & ~wholly
    # kept with its times as typed (an evening event, or a typing error): flagged and listed for review
    state.flags[wholly] |= FLAG_BIT["outside_opening_hours"]
    state.log.add(
        wholly,
        "entirely_outside_opening_hours",
        "kept",
        "time_in",
        "entirely outside opening hours, kept as registered (check the times)",
    )
    if how == "clip":
        hours = np.array(
            [
                f"clipped to {_fmt_offset(a)}-{_fmt_offset(b)}"
                for a, b in zip(open_ns[partly], close_ns[partly], strict=True)
            ],
            dtype=object,
        )
        detail = np.full(len(t_in), "", dtype=object)
        detail[partly] = hours
        state.flag(partly, "outside_opening_hours", "clipped", "time_in", detail)
        t_in[partly] = np.maximum(t_in[partly], open_ns[partly])
        t_out[partly] = np.minimum(t_out[partly], close_ns[partly])
    else:
        state.flag(
            partly, "outside_opening_hours", "flagged", "time_in", "partly outside opening hours, kept"
        )


def flag_closed_days(state: State, is_open: np.ndarray, why_closed: np.ndarray) -> np.ndarray:
    closed = state.active & ~is_open
    state.flag(closed, "closed_day", "kept", "date", why_closed.astype(object))
    return closed
