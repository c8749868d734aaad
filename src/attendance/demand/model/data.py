"""Model data: the open slots of an offer and the observations the demand model is fitted to.

Why a module of its own: every other part of the model (fit, M_t/G/∞ occupancy, simulation, validation) works
on the same slot grid and the same model days, so the conventions live in one place — slots `bin_minutes` wide,
aligned to midnight and clipped to the opening intervals; only opening days on which every registration of the
offer is timed (a day with tick-list registrations would read as "nobody came").
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from attendance.timeofday import hhmm_to_minutes, minutes_to_hhmm

from ..kpis import opening_days

SLOT_COLUMNS = ["weekday", "slot_minute", "slot_end_minute"]


# --------------------------------------------------------------------------------------------------- slots


def opening_intervals(opening_hours: Mapping) -> pd.DataFrame:
    """Opening intervals as rows (weekday, open_minute, close_minute); keys "0".."6" or 0..6."""
    rows = []
    for key, intervals in (opening_hours or {}).items():
        for interval in intervals or []:
            open_minute, close_minute = hhmm_to_minutes(interval[0]), hhmm_to_minutes(interval[1])
            if close_minute > open_minute:
                rows.append((int(key), open_minute, close_minute))
    frame = pd.DataFrame(rows, columns=["weekday", "open_minute", "close_minute"], dtype="int64")
    return frame.sort_values(["weekday", "open_minute"], ignore_index=True)


def slot_grid(opening_hours: Mapping, bin_minutes: int) -> pd.DataFrame:
    """Open slots per weekday: midnight-aligned bins clipped to each opening interval."""
    intervals = opening_intervals(opening_hours)
    rows = []
    for weekday, open_minute, close_minute in intervals.itertuples(index=False):  # a handful of intervals
        first = (open_minute // bin_minutes) * bin_minutes
        for start in range(first, close_minute, bin_minutes):
            rows.append((weekday, max(start, open_minute), min(start + bin_minutes, close_minute)))
    grid = pd.DataFrame(rows, columns=SLOT_COLUMNS, dtype="int64")
    return grid.drop_duplicates(["weekday", "slot_minute"]).sort_values(SLOT_COLUMNS, ignore_index=True)


def _slot_of(minutes: pd.Series, weekday: pd.Series, grid: pd.DataFrame) -> pd.Series:
    """The open slot (its `slot_minute`) that contains each minute-of-day, or NaN outside opening hours."""
    frame = pd.DataFrame(
        {"weekday": weekday.to_numpy(), "minute": minutes.to_numpy(), "row": np.arange(len(minutes))}
    )
    merged = frame.merge(grid, on="weekday", how="inner")
    inside = merged[
        (merged["minute"] >= merged["slot_minute"]) & (merged["minute"] < merged["slot_end_minute"])
    ]
    result = pd.Series(np.nan, index=minutes.index)
    result.iloc[inside["row"].to_numpy()] = inside["slot_minute"].to_numpy()
    return result


# ------------------------------------------------------------------------------------------ model data


def model_days(visits: pd.DataFrame, offers: Mapping, offer_id: str) -> pd.DatetimeIndex:
    """Opening days of the offer on which no registration is day-only (their timing is complete)."""
    days = opening_days(offers, offer_id)
    own = visits[visits["offer_id"] == offer_id]
    partial = pd.to_datetime(own.loc[own["granularity"] != "timed", "date"]).dt.normalize().unique()
    return days[~days.isin(partial)]


def _timed_visits(visits: pd.DataFrame, offer_id: str, days: pd.DatetimeIndex) -> pd.DataFrame:
    own = visits[(visits["offer_id"] == offer_id) & (visits["granularity"] == "timed")]
    own = own[own["start"].notna() & own["end"].notna()].copy()
    own["date"] = pd.to_datetime(own["date"]).dt.normalize()
    own = own[own["date"].isin(days)]
    own["weekday"] = own["date"].dt.weekday
    own["start_minute"] = (own["start"] - own["date"]).dt.total_seconds() / 60.0
    own["end_minute"] = (own["end"] - own["date"]).dt.total_seconds() / 60.0
    return own


def arrival_counts(visits: pd.DataFrame, offers: Mapping, offer_id: str, bin_minutes: int) -> pd.DataFrame:
    """Arrivals per model day × open slot, zeros included (a slot where nobody came is an observation).

    Arrivals outside opening hours (kept by the cleaner with a flag) are not counted: the model describes
    demand during opening hours.
    """
    grid = slot_grid(offers[offer_id].get("opening_hours", {}), bin_minutes)
    days = model_days(visits, offers, offer_id)
    cells = pd.DataFrame({"date": days, "weekday": days.weekday}).merge(grid, on="weekday", how="inner")
    timed = _timed_visits(visits, offer_id, days)
    timed["slot_minute"] = _slot_of(np.floor(timed["start_minute"]), timed["weekday"], grid)
    counted = timed.dropna(subset=["slot_minute"]).astype({"slot_minute": "int64"})
    counts = counted.groupby(["date", "slot_minute"]).size().rename("arrivals").reset_index()
    cells = cells.merge(counts, on=["date", "slot_minute"], how="left")
    cells["arrivals"] = cells["arrivals"].fillna(0).astype("int64")
    cells["offer_id"] = offer_id
    cells["slot"] = minutes_to_hhmm(cells["slot_minute"])
    return cells.sort_values(["date", "slot_minute"], ignore_index=True)[
        ["offer_id", "date", *SLOT_COLUMNS, "slot", "arrivals"]
    ]


def censored_stays(
    visits: pd.DataFrame, offers: Mapping, offer_id: str, days: pd.DatetimeIndex
) -> pd.DataFrame:
    """Timed visits with positive stay on the given days: date, weekday, arrival minute, stay, and whether the
    stay ends at (or after) the closing time of the opening interval the citizen arrived in (`censored`)."""
    timed = _timed_visits(visits, offer_id, days)
    timed = timed[timed["end_minute"] > timed["start_minute"]]
    frame = timed[["date", "weekday", "start_minute", "end_minute"]].reset_index(drop=True)
    intervals = opening_intervals(offers[offer_id].get("opening_hours", {}))
    frame["row"] = np.arange(len(frame))
    merged = frame.merge(intervals, on="weekday", how="left")
    inside = merged[
        (merged["start_minute"] >= merged["open_minute"]) & (merged["start_minute"] < merged["close_minute"])
    ]
    close = np.full(len(frame), np.inf)
    close[inside["row"].to_numpy()] = inside["close_minute"].to_numpy()
    out = pd.DataFrame(
        {
            "offer_id": offer_id,
            "date": frame["date"],
            "weekday": frame["weekday"].astype("int64"),
            "arrival_minute": frame["start_minute"],
            "stay_minutes": frame["end_minute"] - frame["start_minute"],
            "censored": frame["end_minute"].to_numpy() >= close,
        }
    )
    return out.sort_values(["date", "arrival_minute", "stay_minutes"], ignore_index=True)


def stay_survival(
    visits: pd.DataFrame, offers: Mapping, offer_id: str, days: pd.DatetimeIndex
) -> pd.DataFrame:
    """Kaplan–Meier survival of the stay length (minutes), stays ending at closing time treated as censored.

    Why censored: the cleaner clips stays at closing time and staff write the closing time for whoever was
    still there, so such a stay says "at least this long". Ignoring that would shorten late arrivals' stays and
    bias occupancy before closing downwards. Zero-length stays are never present and are left out.
    """
    from statsmodels.duration.survfunc import SurvfuncRight  # fitting only (see arrivals.py)

    stays = censored_stays(visits, offers, offer_id, days)
    if stays.empty or not (~stays["censored"]).any():
        return pd.DataFrame({"offer_id": offer_id, "minutes": [0.0], "survival": [1.0]})
    km = SurvfuncRight(stays["stay_minutes"].to_numpy(), (~stays["censored"]).to_numpy().astype(int))
    times = np.concatenate([[0.0], np.asarray(km.surv_times, dtype=float)])
    probs = np.concatenate([[1.0], np.asarray(km.surv_prob, dtype=float)])
    return pd.DataFrame({"offer_id": offer_id, "minutes": times, "survival": probs})
