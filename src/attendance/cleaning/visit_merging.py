"""Records → visits, per citizen and day: exact duplicates dropped, overlapping visits merged, day-only
marks folded into a timed visit the same day, first-name-only rows kept apart — and the trip flag from the
comment, which a merged visit inherits.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .records import (
    MERGED,
    NAT,
    NS_PER_DAY,
    QUARANTINED,
    State,
    Visits,
    _category_lookup,
)


def _seconds(ns: np.ndarray, dates: np.ndarray) -> np.ndarray:
    """Seconds since the visit's midnight; -1 for missing times (day-only visits). In place on one new
    array: at 10 million rows each full-length temporary is 80 MB."""
    out = np.subtract(ns, dates)
    out //= 1_000_000_000
    out[ns == NAT] = -1
    return out


def _day_group(frame: Visits) -> np.ndarray:
    """One int64 per (offer, citizen, date): equal exactly when all three are equal."""
    day = frame["date"] // NS_PER_DAY  # days since 1970, < 2**17 for centuries
    key = frame["key"]
    offer = frame["offer"]
    if key.max(initial=0) >= 1 << 30 or offer.max(initial=0) >= 1 << 15:
        return pd.MultiIndex.from_arrays([offer, key, day]).codes  # pragma: no cover - absurd sizes
    group = offer.astype(np.int64)  # (offer << 47) | (key << 17) | day, in place (offer and key are int32)
    group <<= 47
    shifted = key.astype(np.int64)
    shifted <<= 17
    group |= shifted
    del shifted
    group |= day
    return group


def drop_exact_duplicates(state: State, frame: Visits, order: np.ndarray) -> None:
    """Same offer, date, citizen, start and end: the first (by file, sheet, row) is kept."""
    group = frame["group"][order]
    times = frame["times"][order]
    repeat = np.zeros(len(order), dtype=bool)
    repeat[1:] = (group[1:] == group[:-1]) & (times[1:] == times[:-1])
    dup = np.zeros(len(frame["date"]), dtype=bool)
    dup[order[repeat]] = True
    state.drop(
        dup,
        MERGED,
        "exact_duplicate",
        "date",
        "same offer, date, citizen, start and end as another row",
        action="dropped",
    )


def merge_overlapping_visits(state: State, frame: Visits, order: np.ndarray, gap_ns: int) -> None:
    """Visits of one citizen on one day that overlap (or touch within the gap) become one spanning visit."""
    pos = order[state.active[order] & frame["timed"][order]]  # still sorted by citizen-day, start
    # a visit alone on its citizen-day merges with nothing: only the shared days (a few percent) go on,
    # which keeps the temporaries below small at 10 million rows (issue 14)
    group = frame["group"][pos]
    shared = np.zeros(len(pos), dtype=bool)
    shared[1:] = group[1:] == group[:-1]
    shared[:-1] |= shared[1:]
    pos, group = pos[shared], group[shared]
    del shared
    if not len(pos):
        return
    dates = frame["date"][pos]
    start = _seconds(frame["start"][pos], dates)
    end = _seconds(frame["end"][pos], dates)
    same = np.zeros(len(pos), dtype=bool)
    same[1:] = group[1:] == group[:-1]
    segment = np.cumsum(~same)
    # running max of `end` within each citizen-day: offset segments so one global accumulate suffices
    span = np.int64(1 << 18)
    running = np.maximum.accumulate(end + segment * span) - segment * span
    previous_end = np.r_[np.int64(-(1 << 40)), running[:-1]]
    joins = same & (start <= previous_end + gap_ns // 1_000_000_000)
    first = ~joins
    if first.all():
        return
    starts = np.flatnonzero(first)
    heads = pos[starts]
    head_of = heads[np.cumsum(first) - 1]
    # groups are contiguous after the sort: reduce each run in one pass
    group_end = np.maximum.reduceat(frame["end"][pos], starts)
    flags_or = np.bitwise_or.reduceat(state.flags[pos], starts)
    trip_any = np.logical_or.reduceat(frame["is_trip"][pos], starts)
    multi = np.diff(np.r_[starts, len(pos)]) > 1
    frame["end"][heads] = group_end
    frame["is_trip"][heads] = trip_any
    state.flags[heads] = flags_or
    merged_pos = pos[joins]
    rows = state.df["row"].to_numpy()[head_of[joins]]
    files = state.df["file"].cat.codes.to_numpy()[head_of[joins]]
    names = np.asarray(state.df["file"].cat.categories, dtype=object)
    detail = pd.Series(
        [f"merged into the visit in {names[f]} row {r}" for f, r in zip(files, rows, strict=True)],
        index=merged_pos,
        dtype=object,
    ).sort_index()
    mask = np.zeros(len(frame["date"]), dtype=bool)
    mask[merged_pos] = True
    state.drop(mask, MERGED, "overlapping_visits", "time_in", detail, action="merged")
    head_mask = np.zeros(len(frame["date"]), dtype=bool)
    head_mask[heads[multi]] = True
    state.flag(
        head_mask, "overlapping_visits", "extended", "time_out", "spans the overlapping visits merged into it"
    )


def keep_incomplete_names_apart(state: State, frame: Visits) -> None:
    """A first name or initials only (`Jan`, `allan t.`) with another registration of the same citizen that
    day: the two could be two people, so they are never merged — the incomplete rows are quarantined."""
    candidates = state.active & state.incomplete
    if not candidates.any():
        return
    group = _day_group(frame)
    near = state.active & np.isin(group, group[candidates])
    values, counts = np.unique(group[near], return_counts=True)
    state.drop(
        candidates & np.isin(group, values[counts > 1]),
        QUARANTINED,
        "ambiguous_name",
        "citizen",
        "first name or initials only, and another registration of this citizen the same day: may be two people",
    )


def citizen_day_order(state: State, frame: Visits) -> np.ndarray:
    """Active records sorted by (offer, citizen, date), then start and end; ties keep the reading order.

    Adds `group` (one int per offer-citizen-date) and `times` (start and end packed) to `frame`; the
    duplicate and overlap rules both walk this one order.
    """
    dates = frame["date"]
    times = _seconds(frame["start"], dates)
    end = _seconds(frame["end"], dates)
    # ((start + 1) << 20) | (end + 1), in place: seconds < 2**17, so unique per (start, end)
    times += 1
    times <<= 20
    end += 1
    times |= end
    del end
    frame["times"] = times
    frame["group"] = _day_group(frame)
    active = np.flatnonzero(state.active)
    group = frame["group"][active]
    order = np.argsort(group, kind="stable")
    group = group[order]  # sorted; the unsorted copy is freed (80 MB at 10 million rows)
    shared = np.zeros(len(order), dtype=bool)  # rows whose citizen-day has more than one record
    shared[1:] = group[1:] == group[:-1]
    shared[:-1] |= shared[1:]
    if shared.any():  # only these few need ordering by time within the day
        sub = order[shared]
        order[shared] = sub[np.lexsort((frame["times"][active[sub]], group[shared]))]
    del group
    return active[order]


def handle_day_only(state: State, frame: Visits) -> None:
    """Tick-list marks: kept as day-level visits unless the citizen has a timed visit that day."""
    active = state.active
    timed_rows = frame["timed"]
    day = active & ~timed_rows
    if not day.any():
        return
    group = frame["group"]
    covered = day & np.isin(group, group[active & timed_rows])
    state.drop(
        covered, MERGED, "day_only", "date", "day mark dropped: timed visit the same day", action="merged"
    )
    state.flag(state.active & day, "day_only", "kept", "date", "day-level mark (no times)")


def trip_flags(comments: pd.Series, keywords: list[str]) -> np.ndarray:
    """True where the comment names an outing; keywords match at word starts (`tur` finds `turen`, not `kultur`)."""
    if not keywords:
        return np.zeros(len(comments), dtype=bool)
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(k.casefold()) for k in keywords) + ")", re.IGNORECASE)
    return _category_lookup(comments, lambda v: v is not None and bool(pattern.search(str(v))))
