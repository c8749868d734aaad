"""Attendance KPIs on the cleaned visits: the kommissorium's headline table and the tables behind the reports.

Why one module: every report (overview, spor 1–3) and `metrics/clean.json` must quote the same numbers, so the
definitions (opening day, unique per day, daily peak — see docs/architecture.md) live here once.
"""

from __future__ import annotations

from collections.abc import Mapping

import holidays
import numpy as np
import pandas as pd

from attendance.errors import InputError
from attendance.timeofday import hhmm_to_minutes

from .occupancy import daily_peaks, occupancy_by_datetime, summarize

DAILY_KPI_COLUMNS = ["offer_id", "date", "weekday", "opening_day", "unique", "visits", "peak"]


def _period(offers: Mapping) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The dataset's period [start, end] (both inclusive dates) from `offers["_dataset"]`."""
    meta = offers.get("_dataset", {})
    try:
        return pd.Timestamp(meta["period_start"]).normalize(), pd.Timestamp(meta["period_end"]).normalize()
    except (KeyError, ValueError, TypeError) as exc:
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


def opening_day_table(offers: Mapping) -> pd.DataFrame:
    """All (offer_id, date, weekday) opening days, the denominator of every per-day average."""
    frames = [
        pd.DataFrame({"offer_id": offer_id, "date": opening_days(offers, offer_id)})
        for offer_id in offer_ids(offers)
    ]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["offer_id", "date"])
    table["date"] = pd.to_datetime(table["date"])
    table["weekday"] = table["date"].dt.weekday
    return table


def kpis_by_weekday(visits: pd.DataFrame, offers: Mapping) -> pd.DataFrame:
    """Per offer × weekday over opening days: number of days, mean/min/max unique, mean visits, mean/max peak.

    Why: staffing is planned per weekday; a weekday with a holiday still averages over its real opening days.
    """
    daily = daily_kpis(visits, offers)
    daily = daily[daily["opening_day"]]
    return (
        daily.groupby(["offer_id", "weekday"], sort=True)
        .agg(
            opening_days=("date", "size"),
            unique_mean=("unique", "mean"),
            unique_min=("unique", "min"),
            unique_max=("unique", "max"),
            visits_mean=("visits", "mean"),
            peak_mean=("peak", "mean"),
            peak_max=("peak", "max"),
        )
        .reset_index()
    )


def _timed(visits: pd.DataFrame) -> pd.DataFrame:
    """Timed visits with both ends (day-only registrations cannot be placed in a slot)."""
    return visits[visits["start"].notna() & visits["end"].notna()]


def _bydatetime_on_opening_days(visits: pd.DataFrame, offers: Mapping, bin_minutes: int) -> pd.DataFrame:
    """hillmaker-style occupancy by offer × date × slot over the period, kept only on opening days.

    Why drop the other dates: a public holiday or closed date is not a day with zero demand; averaging it in
    would understate what staff meet on days they are open. Trips on closed days leave with those dates.
    """
    start, end = _period(offers)
    timed = _timed(visits)
    table = occupancy_by_datetime(timed, "start", "end", bin_minutes, start, end, group_col="offer_id")
    days = opening_day_table(offers)[["offer_id", "date"]]
    kept = table.merge(days, on=["offer_id", "date"], how="inner")
    # offers with opening days but no timed visit at all still get their (all-zero) slots
    missing = set(days["offer_id"]) - set(kept["offer_id"])
    if missing:
        blank = occupancy_by_datetime(timed.iloc[:0], "start", "end", bin_minutes, start, end).drop(
            columns=["arrivals", "departures", "occupancy"]
        )
        fill = days[days["offer_id"].isin(missing)].merge(blank, on="date")
        fill[["arrivals", "departures", "occupancy"]] = [0, 0, 0.0]
        kept = pd.concat([kept, fill[kept.columns]], ignore_index=True)
    kept.attrs.update(group_col="offer_id", bin_minutes=bin_minutes)
    return kept


def kpis_by_slot(visits: pd.DataFrame, offers: Mapping, bin_minutes: int) -> pd.DataFrame:
    """hillmaker-style summaries (count, mean, min, max, stdev, percentiles) per measure × offer × weekday ×
    slot, over opening days only — the "hills" of the overview report and the input of staffing need."""
    return summarize(_bydatetime_on_opening_days(visits, offers, bin_minutes))


def arrival_profile(visits: pd.DataFrame, offers: Mapping, bin_minutes: int) -> pd.DataFrame:
    """Per offer × weekday × slot: mean arrivals per opening day and the slot's share of the weekday's arrivals.

    Why a profile: recommended opening hours (spor 2) start from when citizens actually arrive.
    """
    table = _bydatetime_on_opening_days(visits, offers, bin_minutes)
    profile = (
        table.groupby(["offer_id", "day_of_week", "bin_of_day", "bin_of_day_str"], sort=True)
        .agg(
            opening_days=("date", "nunique"), arrivals=("arrivals", "sum"), arrivals_mean=("arrivals", "mean")
        )
        .reset_index()
    )
    per_weekday = profile.groupby(["offer_id", "day_of_week"])["arrivals"].transform("sum")
    profile["arrival_share"] = np.where(
        per_weekday > 0, profile["arrivals"] / per_weekday.where(per_weekday > 0, 1), 0.0
    )
    return profile


def stay_lengths(visits: pd.DataFrame) -> pd.DataFrame:
    """Stay of each timed visit in minutes (offer, date, weekday, arrival time): the service-time distribution
    of the M_t/G/∞ occupancy model and the "how long do they stay" figure of the overview report."""
    timed = _timed(visits)
    out = pd.DataFrame(
        {
            "offer_id": timed["offer_id"].to_numpy(),
            "citizen_key": timed["citizen_key"].to_numpy(),
            "date": pd.to_datetime(timed["date"]).dt.normalize().to_numpy(),
            "start": timed["start"].to_numpy(),
            "stay_minutes": ((timed["end"] - timed["start"]).dt.total_seconds() / 60).to_numpy(),
        }
    )
    out["weekday"] = out["date"].dt.weekday
    return out


def stay_length_summary(visits: pd.DataFrame) -> pd.DataFrame:
    """Per offer: count, mean, min, quartiles, p90 and max stay in minutes."""
    stays = stay_lengths(visits)
    grouped = stays.groupby("offer_id", sort=True)["stay_minutes"]
    summary = grouped.agg(["count", "mean", "min", "max"])
    quantiles = grouped.quantile([0.25, 0.5, 0.75, 0.9]).unstack()
    quantiles.columns = ["p25", "p50", "p75", "p90"]
    return summary.join(quantiles).reset_index()


USAGE_BANDS = ["0", "1–2", "3–9", "10+"]


def usage_bands(visits: pd.DataFrame, referrals: pd.DataFrame, offers: Mapping | None = None) -> pd.DataFrame:
    """Per citizen × offer over the period: visits, usage band (0, 1–2, 3–9, 10+) and visits per week.

    Why these bands: they are the ones used in the evaluation of Psykiatriens Hus (Aarhus), so the figures can
    be compared. Referred citizens who never came are band "0"; visitors without a referral are kept and
    marked `referred == False` (a drop-in pattern spor 2 needs to see). The period comes from `offers`
    (`_dataset`), or from the visits' first and last date when no offers are given.
    """
    if offers is not None:
        start, end = _period(offers)
        in_period = _visits_in_period(visits, offers)
        referred = referred_citizens(referrals, offers)
    else:
        in_period = visits.assign(date=pd.to_datetime(visits["date"]).dt.normalize())
        start, end = in_period["date"].min(), in_period["date"].max()
        referred = referrals[["offer_id", "citizen_key"]].drop_duplicates()
    counts = in_period.groupby(["offer_id", "citizen_key"]).size().rename("visits").reset_index()
    table = referred.assign(referred=True).merge(counts, on=["offer_id", "citizen_key"], how="outer")
    table["referred"] = table["referred"].notna()  # True only on rows that came from the referral list
    table["visits"] = table["visits"].fillna(0).astype(np.int64)
    table["band"] = pd.Categorical(
        pd.cut(table["visits"], bins=[-1, 0, 2, 9, np.inf], labels=USAGE_BANDS).astype(str),
        categories=USAGE_BANDS,
        ordered=True,
    )
    weeks = ((end - start).days + 1) / 7 if pd.notna(start) else np.nan
    table["visits_per_week"] = table["visits"] / weeks
    return table.sort_values(["offer_id", "citizen_key"]).reset_index(drop=True)


def usage_band_summary(bands: pd.DataFrame) -> pd.DataFrame:
    """Referred citizens per offer × band (every band present, 0 where empty), their share of the offer's
    referred citizens, and visitors without a referral per band beside them.

    Why shares of the referred: that is the population the reports' usage bands describe (62 % of the referred,
    not 57 % of referred + unreferred); mixing the two gave one band two different shares in two reports.
    """
    referred = bands["referred"].astype(bool)
    keys = ["offer_id", "band"]
    summary = bands[referred].groupby(keys, observed=False).size().rename("citizens")
    others = bands[~referred].groupby(keys, observed=False).size().rename("unreferred_visitors")
    summary = pd.concat([summary, others], axis=1).fillna(0).astype("int64").reset_index()
    total = summary.groupby("offer_id")["citizens"].transform("sum")
    summary["share"] = summary["citizens"] / total.where(total > 0, 1)
    return summary[["offer_id", "band", "citizens", "share", "unreferred_visitors"]]


def period_kpis(
    visits: pd.DataFrame,
    offers: Mapping,
    periods: Mapping[str, list[str]],
    by_weekday: bool = True,
) -> pd.DataFrame:
    """Occupancy and arrivals per named period of the day (e.g. formiddag 08–12, eftermiddag 12–17).

    Per offer [× weekday] × period, over opening days and the period's *open* slots (an hour the offer is
    closed would pull the mean towards 0 and say nothing about demand): `occupancy_mean` (time-averaged
    number present), `occupancy_max_slot` (highest slot mean), `arrivals_per_day`. Why via the slot engine: a period's mean
    occupancy is the mean over its equal-width slots, so slots of the greatest common divisor of the period
    boundaries give it exactly, with hillmaker's fractional convention.
    """
    bounds = {name: (hhmm_to_minutes(a), hhmm_to_minutes(b)) for name, (a, b) in periods.items()}
    for name, (a, b) in bounds.items():
        if not 0 <= a < b <= 1440:
            raise InputError(
                f"period {name!r} must start before it ends within the day", fix="check demand.periods"
            )
    bin_minutes = int(np.gcd.reduce([60, *[m for pair in bounds.values() for m in pair if m % 1440]]))
    table = _bydatetime_on_opening_days(visits, offers, bin_minutes)
    minute_of_day = table["bin_of_day"].to_numpy() * bin_minutes
    is_open = np.zeros(len(table), dtype=bool)
    for offer_id in offer_ids(offers):  # offers × weekdays: a handful of groups
        for weekday in range(7):
            rows = (table["offer_id"].to_numpy() == offer_id) & (table["day_of_week"].to_numpy() == weekday)
            for start, end in _opening_hours(offers[offer_id], weekday):
                is_open |= (
                    rows & (minute_of_day >= hhmm_to_minutes(start)) & (minute_of_day < hhmm_to_minutes(end))
                )
    frames = []
    for name, (a, b) in bounds.items():  # a handful of named periods
        inside = table[(minute_of_day >= a) & (minute_of_day < b) & is_open]
        per_day = (
            inside.groupby(["offer_id", "date", "day_of_week"], sort=True)
            .agg(occupancy_mean=("occupancy", "mean"), arrivals=("arrivals", "sum"))
            .reset_index()
        )
        keys = ["offer_id", "day_of_week"] if by_weekday else ["offer_id"]
        summary = per_day.groupby(keys).agg(
            opening_days=("date", "size"),
            occupancy_mean=("occupancy_mean", "mean"),
            arrivals_per_day=("arrivals", "mean"),
        )
        slot_means = inside.groupby([*keys, "bin_of_day"])["occupancy"].mean().groupby(keys).max()
        summary["occupancy_max_slot"] = slot_means
        summary = summary.reset_index()
        summary.insert(len(keys), "period", name)
        summary.insert(len(keys) + 1, "period_start", periods[name][0])
        summary.insert(len(keys) + 2, "period_end", periods[name][1])
        frames.append(summary)
    return pd.concat(frames, ignore_index=True)
