"""Attendance KPIs on the cleaned visits: the kommissorium's headline table and the tables behind the reports.

Why one module: every report (overview, spor 1–3) and `metrics/clean.json` must quote the same numbers, so the
definitions (opening day, unique per day, daily peak — see docs/architecture.md) live here once.
"""

from __future__ import annotations

from collections.abc import Mapping

import holidays
import numpy as np
import pandas as pd

from .occupancy import daily_peaks

DAILY_KPI_COLUMNS = ["offer_id", "date", "weekday", "opening_day", "unique", "visits", "peak"]


def _period(offers: Mapping) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The dataset's period [start, end] (both inclusive dates) from `offers["_dataset"]`."""
    meta = offers.get("_dataset", {})
    try:
        return pd.Timestamp(meta["period_start"]).normalize(), pd.Timestamp(meta["period_end"]).normalize()
    except (KeyError, ValueError, TypeError) as exc:
        from .errors import InputError

        raise InputError(
            "offers.json has no valid _dataset.period_start / period_end",
            file="offers.json",
            fix="rerun the clean stage so it writes the period",
        ) from exc


def offer_ids(offers: Mapping) -> list[str]:
    """The offers in `offers.json` (keys not starting with an underscore), in file order."""
    return [key for key in offers if not str(key).startswith("_")]


def _opening_hours(offer: Mapping, weekday: int) -> list:
    """Opening intervals of a weekday; JSON turns the 0..6 keys into strings, so accept both."""
    hours = offer.get("opening_hours", {}) or {}
    return list(hours.get(str(weekday), hours.get(weekday, [])) or [])


def opening_days(offers: Mapping, offer_id: str) -> pd.DatetimeIndex:
    """Dates in the period on which the offer is open: weekday opening hours, no public holiday, not closed.

    Why `holidays.Denmark`: Danish public holidays (Easter, Ascension, Whit Monday …) fall inside the March–May
    registration period and must not count as opening days with nobody present.
    """
    start, end = _period(offers)
    offer = offers[offer_id]
    days = pd.date_range(start, end, freq="D")
    open_weekdays = [wd for wd in range(7) if _opening_hours(offer, wd)]
    is_open = np.isin(days.weekday, open_weekdays)
    public = holidays.Denmark(years=range(start.year, end.year + 1))
    is_holiday = np.array([d in public for d in days.date], dtype=bool)  # one check per calendar day
    closed = pd.to_datetime(pd.Series(list(offer.get("closed_dates", []) or []), dtype="object"))
    is_closed = days.isin(pd.DatetimeIndex(closed).normalize())
    return days[is_open & ~is_holiday & ~is_closed]


def _visits_in_period(visits: pd.DataFrame, offers: Mapping) -> pd.DataFrame:
    """Visits whose date lies within the dataset period, with `date` normalised to midnight."""
    start, end = _period(offers)
    out = visits.assign(date=pd.to_datetime(visits["date"]).dt.normalize())
    return out[(out["date"] >= start) & (out["date"] <= end)]


def daily_kpis(visits: pd.DataFrame, offers: Mapping) -> pd.DataFrame:
    """Per offer × date: unique citizens, visits and daily peak, with every opening day present.

    Why fill opening days: a day the offer was open and nobody came is a real observation (0 unique, peak 0)
    and must pull the mean and minimum down. Dates with registrations that are not opening days (trips on
    closed days) are kept with `opening_day == False` so reports can show them, but headline KPIs skip them.
    """
    in_period = _visits_in_period(visits, offers)
    frames = []
    for offer_id in offer_ids(offers):  # loop over offers (two), not over visits
        days = opening_days(offers, offer_id)
        own = in_period[in_period["offer_id"] == offer_id]
        counts = own.groupby("date").agg(unique=("citizen_key", "nunique"), visits=("citizen_key", "size"))
        peaks = daily_peaks(own).set_index("date")["peak"] if len(own) else pd.Series(dtype="int64")
        index = days.union(pd.DatetimeIndex(counts.index))
        frame = pd.DataFrame(index=pd.DatetimeIndex(index, name="date"))
        frame["unique"] = counts["unique"].reindex(index, fill_value=0).to_numpy(dtype=np.int64)
        frame["visits"] = counts["visits"].reindex(index, fill_value=0).to_numpy(dtype=np.int64)
        frame["peak"] = peaks.reindex(index, fill_value=0).to_numpy(dtype=np.int64)
        frame["opening_day"] = index.isin(days)
        frame["weekday"] = index.weekday
        frame["offer_id"] = offer_id
        frames.append(frame.reset_index())
    if not frames:
        return pd.DataFrame(columns=DAILY_KPI_COLUMNS)
    return pd.concat(frames, ignore_index=True)[DAILY_KPI_COLUMNS]


def referred_citizens(referrals: pd.DataFrame, offers: Mapping) -> pd.DataFrame:
    """Distinct (offer_id, citizen_key) whose referral overlaps the period (open start/end count as open).

    Why overlap: a citizen referred during the period, or whose referral ended during it, was on the list
    the budget was based on for part of the period.
    """
    start, end = _period(offers)
    ref_start = pd.to_datetime(referrals["referral_start"])
    ref_end = pd.to_datetime(referrals["referral_end"])
    overlaps = (ref_start.isna() | (ref_start <= end)) & (ref_end.isna() | (ref_end >= start))
    return referrals.loc[overlaps, ["offer_id", "citizen_key"]].drop_duplicates().reset_index(drop=True)


def headline_kpis(visits: pd.DataFrame, referrals: pd.DataFrame, offers: Mapping) -> dict[str, dict]:
    """The kommissorium's table per offer, as plain ints/floats (JSON-serialisable, for metrics/clean.json).

    `referred`: referred citizens in the period; `active`: of those, citizens with ≥1 visit in the period (any
    day, trips included — they came); `visits`: visits on opening days; per-day figures over opening days only,
    an opening day with nobody counting as 0; peaks from timed visits only.
    """
    daily = daily_kpis(visits, offers)
    referred = referred_citizens(referrals, offers)
    in_period = _visits_in_period(visits, offers)
    visitors = in_period[["offer_id", "citizen_key"]].drop_duplicates()
    active = referred.merge(visitors, on=["offer_id", "citizen_key"], how="inner")
    result: dict[str, dict] = {}
    for offer_id in offer_ids(offers):
        days = daily[(daily["offer_id"] == offer_id) & daily["opening_day"]]
        has_days = len(days) > 0
        result[offer_id] = {
            "referred": int((referred["offer_id"] == offer_id).sum()),
            "active": int((active["offer_id"] == offer_id).sum()),
            "opening_days": int(len(days)),
            "visits": int(days["visits"].sum()),
            "unique_per_day_mean": float(days["unique"].mean()) if has_days else 0.0,
            "unique_per_day_min": int(days["unique"].min()) if has_days else 0,
            "unique_per_day_max": int(days["unique"].max()) if has_days else 0,
            "peak_concurrent_max": int(days["peak"].max()) if has_days else 0,
            "peak_concurrent_min": int(days["peak"].min()) if has_days else 0,
        }
    return result
