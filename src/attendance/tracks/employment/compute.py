"""Spor 3 — protected employment (§ 103): a potential target group from attendance regularity, when they
attend, and what a workshop for them would need in places, supervisors and money.

Why regularity: a § 103 workshop asks participants to come on fixed days for a working day. Today's attendance
shows who already does something like that — often, every week, for several hours within the workshop day.
The thresholds are parameters (`spor3`) and the sensitivity grid shows how much the count depends on them:
attendance alone never decides eligibility (that needs an individual assessment of work capacity and the
citizen's own wishes), so the numbers are a planning bracket, not a list of people.

Definitions (per offer and citizen, opening days of the period only — `kpis.opening_days`):
- `days_per_week` = distinct opening days attended ÷ the period's weeks (Monday–Sunday) that hold at least
  one opening day of the offer;
- `weeks_active_share` = weeks with at least one visit ÷ the same weeks;
- `daytime_hours_mean` = mean over the citizen's *timed* attendance days of the hours present within the
  workshop day (several registrations on one day are added); a citizen with day-only (tick-list)
  registrations only has no hours (NaN) and does not meet the hours criterion.

This module is the computation only (processed data in, frames out, as hillmaker's `bydatetime`); the
Danish tables and texts are in `tables`, the figures in `figures`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from attendance.demand.kpis import offer_ids, opening_day_table, opening_days, referred_citizens
from attendance.demand.model import hhmm_to_minutes, slot_grid
from attendance.demand.occupancy import occupancy_by_datetime
from attendance.demand.staffing import budget_for_hours, staff_needed
from attendance.errors import InputError
from attendance.timeofday import minutes_to_hhmm

REGULARITY_COLUMNS = [
    "offer_id",
    "citizen_key",
    "period_weeks",
    "days_attended",
    "weeks_active",
    "timed_days",
    "days_per_week",
    "weeks_active_share",
    "daytime_hours_mean",
]
CRITERIA = ["days_ok", "weeks_ok", "hours_ok"]


def workshop_minutes(workshop_day: Sequence[str]) -> tuple[int, int]:
    """["09:00", "15:00"] → (540, 900); the workshop day must have positive length."""
    if not isinstance(workshop_day, Sequence) or isinstance(workshop_day, str) or len(workshop_day) != 2:
        raise InputError(
            f"spor3.workshop_day must be two times [start, end], got {workshop_day!r}",
            file="params.yaml",
            fix='write e.g. workshop_day: ["09:00", "15:00"]',
        )
    start, end = (hhmm_to_minutes(t) for t in workshop_day)
    if end <= start:
        raise InputError(
            f"spor3.workshop_day ends before it starts ({workshop_day[0]}–{workshop_day[1]})",
            file="params.yaml",
            fix="give the start before the end",
        )
    return start, end


def period_weeks(offers: Mapping, offer_id: str) -> int:
    """Calendar weeks (Monday–Sunday) of the period with at least one opening day of the offer."""
    return int(opening_days(offers, offer_id).to_period("W-SUN").nunique())


def _opening_day_visits(visits: pd.DataFrame, offers: Mapping) -> pd.DataFrame:
    """Visits on the offers' opening days (registrations on closed days, e.g. trips, are not workshop days)."""
    days = opening_day_table(offers)[["offer_id", "date"]]
    frame = visits.assign(date=pd.to_datetime(visits["date"]).dt.normalize())
    return frame.merge(days, on=["offer_id", "date"], how="inner")


def _daytime_hours(visits: pd.DataFrame, start_minute: int, end_minute: int) -> pd.Series:
    """Hours of each timed visit within [start_minute, end_minute) of its own date (NaN when untimed)."""
    day = pd.to_datetime(visits["date"]).dt.normalize()
    lower = day + pd.to_timedelta(start_minute, unit="min")
    upper = day + pd.to_timedelta(end_minute, unit="min")
    begin = visits["start"].where(visits["start"] > lower, lower)
    finish = visits["end"].where(visits["end"] < upper, upper)
    hours = (finish - begin).dt.total_seconds() / 3600.0
    return hours.clip(lower=0.0)


def citizen_regularity(visits: pd.DataFrame, offers: Mapping, workshop_day: Sequence[str]) -> pd.DataFrame:
    """Per offer × citizen with at least one visit on an opening day: how regularly and how long they attend.

    Columns `REGULARITY_COLUMNS` (see the module docstring for the definitions). Sorted by offer, citizen.
    """
    start_minute, end_minute = workshop_minutes(workshop_day)
    kept = _opening_day_visits(visits, offers)
    weeks = pd.Series({o: period_weeks(offers, o) for o in offer_ids(offers)}, name="period_weeks")
    if kept.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in REGULARITY_COLUMNS}).astype(
            {"offer_id": "object", "citizen_key": "object"}
        )
    kept = kept.assign(week=kept["date"].dt.to_period("W-SUN"))
    timed = kept["start"].notna() & kept["end"].notna()
    kept["hours"] = _daytime_hours(kept, start_minute, end_minute).where(timed)
    kept["timed"] = timed
    keys = ["offer_id", "citizen_key"]
    # one row per attendance day: hours added over the day's registrations, NaN if none of them is timed
    days = kept.groupby([*keys, "date"], sort=False).agg(
        week=("week", "first"), hours=("hours", "sum"), timed=("timed", "any")
    )
    days = days.reset_index()
    days["hours"] = days["hours"].where(days["timed"])
    out = days.groupby(keys, sort=True).agg(
        days_attended=("date", "nunique"),
        weeks_active=("week", "nunique"),
        timed_days=("timed", "sum"),
        daytime_hours_mean=("hours", "mean"),
    )
    out = out.reset_index()
    out["period_weeks"] = out["offer_id"].map(weeks).astype("int64")
    out["timed_days"] = out["timed_days"].astype("int64")
    out["days_per_week"] = out["days_attended"] / out["period_weeks"]
    out["weeks_active_share"] = out["weeks_active"] / out["period_weeks"]
    return out[REGULARITY_COLUMNS].sort_values(keys, ignore_index=True)


def meets_criteria(
    regularity: pd.DataFrame,
    *,
    min_days_per_week: float,
    min_weeks_active_share: float,
    min_daytime_hours: float,
) -> pd.DataFrame:
    """The regularity table with one boolean column per criterion and `target` (all three met).

    A tiny tolerance keeps 2.0 days/week (26 days in 13 weeks) from failing a 2.0 threshold on rounding.
    """
    eps = 1e-9
    out = regularity.copy()
    out["days_ok"] = out["days_per_week"] >= float(min_days_per_week) - eps
    out["weeks_ok"] = out["weeks_active_share"] >= float(min_weeks_active_share) - eps
    out["hours_ok"] = out["daytime_hours_mean"].fillna(-np.inf) >= float(min_daytime_hours) - eps
    out["target"] = out["days_ok"] & out["weeks_ok"] & out["hours_ok"]
    return out


def target_group(regularity: pd.DataFrame, spor3: Mapping) -> pd.DataFrame:
    """The citizens (offer_id, citizen_key) meeting all three thresholds of `spor3` — never shown, only used
    to aggregate their attendance."""
    flags = meets_criteria(
        regularity,
        min_days_per_week=spor3["min_days_per_week"],
        min_weeks_active_share=spor3["min_weeks_active_share"],
        min_daytime_hours=spor3["min_daytime_hours"],
    )
    return flags.loc[flags["target"], ["offer_id", "citizen_key"]].reset_index(drop=True)


def criteria_funnel(
    regularity: pd.DataFrame,
    spor3: Mapping,
    offers: Mapping | None = None,
    referrals: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per offer: citizens who attended (`attended`, referred or not — a § 103 target group need not be
    referred to the offer today), how many meet each criterion on its own, days and weeks together, and all
    three (`target`). With `referrals` (and `offers`), `not_referred` counts the attended citizens who are
    not on the offer's referral list in the period, so the number can be squared with the "active" (referred
    and attended) citizens of the other reports. Offers in `offers` without anyone get a row of zeros."""
    flags = meets_criteria(
        regularity,
        min_days_per_week=spor3["min_days_per_week"],
        min_weeks_active_share=spor3["min_weeks_active_share"],
        min_daytime_hours=spor3["min_daytime_hours"],
    )
    flags["days_weeks_ok"] = flags["days_ok"] & flags["weeks_ok"]
    counts = flags.groupby("offer_id")[["days_ok", "weeks_ok", "hours_ok", "days_weeks_ok", "target"]].sum()
    counts.insert(0, "attended", flags.groupby("offer_id").size())
    if referrals is not None:
        if offers is None:
            raise ValueError("criteria_funnel needs offers (the period) to count referrals")
        listed = referred_citizens(referrals, offers).assign(listed=True)
        marked = flags[["offer_id", "citizen_key"]].merge(listed, on=["offer_id", "citizen_key"], how="left")
        counts.insert(1, "not_referred", marked["listed"].isna().groupby(marked["offer_id"]).sum())
    index = offer_ids(offers) if offers is not None else sorted(counts.index)
    counts = counts.reindex(index, fill_value=0).astype("int64")
    counts.index.name = "offer_id"
    return counts.reset_index()


def sensitivity_table(
    regularity: pd.DataFrame,
    days_grid: Sequence[float],
    share_grid: Sequence[float],
    min_daytime_hours: float,
    offers: Mapping | None = None,
) -> pd.DataFrame:
    """Target-group size per offer for every pair of (days per week, share of weeks) thresholds, at the
    given hours threshold. Long form: offer_id, min_days_per_week, min_weeks_active_share, citizens.

    Vectorised: a (citizens × days) and a (citizens × shares) boolean matrix, multiplied per offer.
    """
    days_grid = np.asarray(sorted(float(d) for d in days_grid), dtype=float)
    share_grid = np.asarray(sorted(float(s) for s in share_grid), dtype=float)
    if days_grid.size == 0 or share_grid.size == 0:
        raise InputError(
            "the spor 3 sensitivity grid is empty",
            file="params.yaml",
            fix="give spor3.sensitivity_days_per_week and spor3.sensitivity_weeks_active_share values",
        )
    eps = 1e-9
    hours_ok = regularity["daytime_hours_mean"].fillna(-np.inf).to_numpy() >= float(min_daytime_hours) - eps
    days_ok = regularity["days_per_week"].to_numpy()[:, None] >= days_grid[None, :] - eps
    share_ok = regularity["weeks_active_share"].to_numpy()[:, None] >= share_grid[None, :] - eps
    offers_list = offer_ids(offers) if offers is not None else sorted(regularity["offer_id"].unique())
    rows = []
    for offer_id in offers_list:  # two offers: a loop over offers, not over visits
        mask = (regularity["offer_id"] == offer_id).to_numpy() & hours_ok
        counts = days_ok[mask].astype(np.int64).T @ share_ok[mask].astype(np.int64)  # days × shares
        grid_days, grid_shares = np.meshgrid(days_grid, share_grid, indexing="ij")
        rows.append(
            pd.DataFrame(
                {
                    "offer_id": offer_id,
                    "min_days_per_week": grid_days.ravel(),
                    "min_weeks_active_share": grid_shares.ravel(),
                    "citizens": counts.ravel().astype(np.int64),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


HOURS_OFFSETS = (-1.0, -0.5, 0.0, 0.5, 1.0)


def hours_sensitivity(
    regularity: pd.DataFrame,
    spor3: Mapping,
    offers: Mapping | None = None,
    offsets: Sequence[float] = HOURS_OFFSETS,
) -> pd.DataFrame:
    """Target-group size per offer when only the hours threshold moves (± half and whole hours around
    `spor3.min_daytime_hours`, never below 0), days and weeks at their chosen values.

    Why: the hours within the workshop day are often the criterion that decides the count, and the
    parameter grid of the sensitivity table does not vary it. Long form: offer_id, min_daytime_hours, citizens.
    """
    chosen = float(spor3["min_daytime_hours"])
    grid = sorted({max(0.0, chosen + float(o)) for o in offsets})
    hours = (
        regularity["daytime_hours_mean"].fillna(-np.inf).to_numpy()[:, None]
        >= np.asarray(grid)[None, :] - 1e-9
    )
    flags = meets_criteria(
        regularity,
        min_days_per_week=spor3["min_days_per_week"],
        min_weeks_active_share=spor3["min_weeks_active_share"],
        min_daytime_hours=0.0,
    )
    regular = (flags["days_ok"] & flags["weeks_ok"]).to_numpy()[:, None]
    counts = pd.DataFrame(hours & regular, columns=grid).groupby(regularity["offer_id"].to_numpy()).sum()
    index = offer_ids(offers) if offers is not None else sorted(regularity["offer_id"].unique())
    counts = counts.reindex(index, fill_value=0)
    counts.index.name = "offer_id"
    out = counts.reset_index().melt(id_vars="offer_id", var_name="min_daytime_hours", value_name="citizens")
    out["min_daytime_hours"] = out["min_daytime_hours"].astype(float)
    out["citizens"] = out["citizens"].astype("int64")
    return out


def bracket(sensitivity: pd.DataFrame) -> pd.DataFrame:
    """Per offer: the smallest and largest target group over the sensitivity grid (strictest and loosest)."""
    grouped = sensitivity.groupby("offer_id", sort=False)["citizens"]
    return grouped.agg(lower="min", upper="max").reset_index()


def _members(visits: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    return visits.merge(
        members[["offer_id", "citizen_key"]].drop_duplicates(), on=["offer_id", "citizen_key"]
    )


def workshop_slots(offers: Mapping, workshop_day: Sequence[str], bin_minutes: int) -> pd.DataFrame:
    """Slots of the workshop day on every weekday the offer is open today, with `open_today` telling whether
    the slot lies within today's opening hours (outside them, today's data cannot show anyone present)."""
    start_minute, end_minute = workshop_minutes(workshop_day)
    frames = []
    for offer_id in offer_ids(offers):
        hours = offers[offer_id].get("opening_hours", {}) or {}
        open_weekdays = [int(k) for k, v in hours.items() if v]
        day = [
            f"{start_minute // 60:02d}:{start_minute % 60:02d}",
            f"{end_minute // 60:02d}:{end_minute % 60:02d}",
        ]
        grid = slot_grid({wd: [day] for wd in open_weekdays}, bin_minutes)
        today = slot_grid(hours, bin_minutes)[["weekday", "slot_minute"]].assign(open_today=True)
        grid = grid.merge(today, on=["weekday", "slot_minute"], how="left")
        grid["open_today"] = grid["open_today"].notna()
        frames.append(grid.assign(offer_id=offer_id))
    out = pd.concat(frames, ignore_index=True)
    out["slot"] = minutes_to_hhmm(out["slot_minute"])
    return out[["offer_id", "weekday", "slot_minute", "slot_end_minute", "slot", "open_today"]]


def presence_by_slot(
    visits: pd.DataFrame,
    offers: Mapping,
    members: pd.DataFrame,
    workshop_day: Sequence[str],
    bin_minutes: int,
    quantile: float,
) -> pd.DataFrame:
    """How many of `members` are present per offer × weekday × workshop slot, over the opening days.

    Occupancy per date × slot as in hillmaker (fraction of the slot present, `occupancy.occupancy_by_datetime`),
    zero on opening days when no member came; then per weekday × slot: `days`, `mean`, `p25`, `p75`, the
    planning `quantile` (linear interpolation over the days, as the hillmaker percentiles) and `max`.
    """
    if not 0 < float(quantile) < 1:
        raise InputError(f"quantile must lie in (0, 1), got {quantile}", file="params.yaml")
    grid = workshop_slots(offers, workshop_day, bin_minutes)
    days = opening_day_table(offers)[["offer_id", "date", "weekday"]]
    frame = days.merge(grid, on=["offer_id", "weekday"], how="inner")
    frame["bin_minute"] = (frame["slot_minute"] // bin_minutes) * bin_minutes
    chosen = _members(visits, members)
    timed = chosen[chosen["start"].notna() & chosen["end"].notna()]
    meta = offers.get("_dataset", {})
    start = meta.get("period_start", days["date"].min())
    end = meta.get("period_end", days["date"].max())
    occ = occupancy_by_datetime(timed, "start", "end", bin_minutes, start, end, group_col="offer_id")
    occ = occ.assign(bin_minute=occ["bin_of_day"] * bin_minutes)[
        ["offer_id", "date", "bin_minute", "occupancy"]
    ]
    frame = frame.merge(occ, on=["offer_id", "date", "bin_minute"], how="left")
    frame["occupancy"] = frame["occupancy"].fillna(0.0)
    keys = ["offer_id", "weekday", "slot_minute", "slot_end_minute", "slot", "open_today"]
    grouped = frame.groupby(keys, sort=True)["occupancy"]
    out = grouped.agg(days="size", mean="mean", max="max")
    out["p25"] = grouped.quantile(0.25)
    out["p75"] = grouped.quantile(0.75)
    out["quantile"] = grouped.quantile(float(quantile))
    return out.reset_index()[[*keys, "days", "mean", "p25", "p75", "quantile", "max"]]


def presence_by_weekday(visits: pd.DataFrame, offers: Mapping, members: pd.DataFrame) -> pd.DataFrame:
    """Per offer × weekday over opening days: mean and highest number of distinct members attending a day."""
    days = opening_day_table(offers)[["offer_id", "date", "weekday"]]
    chosen = _opening_day_visits(_members(visits, members), offers)
    per_day = chosen.groupby(["offer_id", "date"])["citizen_key"].nunique().rename("members").reset_index()
    frame = days.merge(per_day, on=["offer_id", "date"], how="left")
    frame["members"] = frame["members"].fillna(0).astype("int64")
    out = frame.groupby(["offer_id", "weekday"], sort=True)["members"].agg(
        opening_days="size", members_mean="mean", members_max="max"
    )
    return out.reset_index()


def typical_hours(visits: pd.DataFrame, offers: Mapping, members: pd.DataFrame) -> pd.DataFrame:
    """Per offer and group (`target` / `other` citizens who attended): citizens, timed visits, arrival and departure
    time (quartiles, minutes after midnight) and mean stay in hours — when in the day each group is there."""
    kept = _opening_day_visits(visits, offers)
    kept = kept[kept["start"].notna() & kept["end"].notna()]
    flag = members[["offer_id", "citizen_key"]].drop_duplicates().assign(in_target=True)
    kept = kept.merge(flag, on=["offer_id", "citizen_key"], how="left")
    kept["group"] = np.where(kept["in_target"].eq(True), "target", "other")
    kept["arrival"] = (kept["start"] - kept["date"]).dt.total_seconds() / 60.0
    kept["departure"] = (kept["end"] - kept["date"]).dt.total_seconds() / 60.0
    kept["stay_hours"] = (kept["end"] - kept["start"]).dt.total_seconds() / 3600.0
    grouped = kept.groupby(["offer_id", "group"], sort=True)
    out = grouped.agg(
        citizens=("citizen_key", "nunique"),
        visits=("citizen_key", "size"),
        arrival_p25=("arrival", lambda s: s.quantile(0.25)),
        arrival_median=("arrival", "median"),
        arrival_p75=("arrival", lambda s: s.quantile(0.75)),
        departure_median=("departure", "median"),
        stay_hours_mean=("stay_hours", "mean"),
    ).reset_index()
    order = {"target": 0, "other": 1}
    return out.sort_values(
        ["offer_id", "group"], key=lambda s: s.map(order) if s.name == "group" else s
    ).reset_index(drop=True)


def workshop_plan(
    presence: pd.DataFrame, *, participants_per_supervisor: float, staffing: Mapping
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Places, supervisors and staff cost of a workshop from `presence_by_slot`.

    Per slot: `places` = ⌈quantile⌉ (the high quantile of members present), `supervisors` =
    max(`staffing.min_staff_on_duty`, ⌈quantile / participants_per_supervisor⌉) — a workshop that is open has
    someone on duty — and `staff_hours` = supervisors × slot hours. Per offer (summary): places needed (the
    highest slot), mean present at the busiest slot, weekly staff-hours following the slots, and the same for
    a *fixed* staffing (the places' supervisors all day, every workshop day); årsværk and cost of both via
    `staffing.budget_for_hours` (52 weeks, `fte_hours_per_year`, `cost_per_fte_dkk`). An offer where no
    member was present at any workshop slot gets 0 places and 0 supervisors: no participants, no workshop.
    """
    if float(participants_per_supervisor) <= 0:
        raise InputError(
            f"spor3.participants_per_supervisor must be positive (got {participants_per_supervisor})",
            file="params.yaml",
            fix="set spor3.participants_per_supervisor to e.g. 5",
        )
    min_staff = int(staffing["min_staff_on_duty"])
    slots = presence.copy()
    slots["places"] = np.ceil(slots["quantile"] - 1e-9).clip(lower=0).astype("int64")
    # an offer where no member was ever present in the workshop day gets no workshop (and no staff)
    has_participants = slots.groupby("offer_id")["max"].transform("max") > 0
    slots["supervisors"] = staff_needed(
        slots["quantile"],
        citizens_per_staff=float(participants_per_supervisor),
        min_staff_on_duty=min_staff,
        is_open=has_participants,
    )
    slots["slot_hours"] = (slots["slot_end_minute"] - slots["slot_minute"]) / 60.0
    slots["staff_hours"] = slots["supervisors"] * slots["slot_hours"]
    grouped = slots.groupby("offer_id", sort=False)
    summary = grouped.agg(
        places=("places", "max"),
        mean_present_max=("mean", "max"),
        quantile_max=("quantile", "max"),
        supervisors_max=("supervisors", "max"),
        workshop_hours_week=("slot_hours", "sum"),
        staff_hours_week=("staff_hours", "sum"),
    ).reset_index()
    summary["supervisors_fixed"] = staff_needed(
        summary["places"],
        citizens_per_staff=float(participants_per_supervisor),
        min_staff_on_duty=min_staff,
        is_open=summary["offer_id"].map(slots.groupby("offer_id")["max"].max() > 0),
    )
    summary["staff_hours_week_fixed"] = summary["supervisors_fixed"] * summary["workshop_hours_week"]
    slot_cost = budget_for_hours(summary["staff_hours_week"], staffing)
    fixed_cost = budget_for_hours(summary["staff_hours_week_fixed"], staffing)
    summary["fte"] = slot_cost["fte"]
    summary["cost_dkk"] = slot_cost["cost_dkk"]
    summary["fte_fixed"] = fixed_cost["fte"]
    summary["cost_dkk_fixed"] = fixed_cost["cost_dkk"]
    return slots, summary


def bracket_plans(
    visits: pd.DataFrame,
    offers: Mapping,
    regularity: pd.DataFrame,
    spor3: Mapping,
    *,
    bin_minutes: int,
    staffing: Mapping,
) -> pd.DataFrame:
    """The workshop summary for three definitions of the target group: strictest corner of the sensitivity
    grid, the chosen thresholds, and the loosest corner — the planning bracket. Column `definition`:
    `strict`, `chosen`, `loose`; `citizens` = the target group's size."""
    definitions = {
        "strict": (max(spor3["sensitivity_days_per_week"]), max(spor3["sensitivity_weeks_active_share"])),
        "chosen": (spor3["min_days_per_week"], spor3["min_weeks_active_share"]),
        "loose": (min(spor3["sensitivity_days_per_week"]), min(spor3["sensitivity_weeks_active_share"])),
    }
    frames = []
    for name, (days, share) in definitions.items():  # three definitions
        thresholds = {**spor3, "min_days_per_week": days, "min_weeks_active_share": share}
        members = target_group(regularity, thresholds)
        presence = presence_by_slot(
            visits,
            offers,
            members,
            spor3["workshop_day"],
            bin_minutes,
            float(staffing["occupancy_quantile"]),
        )
        _, summary = workshop_plan(
            presence, participants_per_supervisor=spor3["participants_per_supervisor"], staffing=staffing
        )
        sizes = members.groupby("offer_id").size()
        summary.insert(1, "citizens", summary["offer_id"].map(sizes).fillna(0).astype("int64"))
        summary.insert(1, "min_weeks_active_share", float(share))
        summary.insert(1, "min_days_per_week", float(days))
        summary.insert(1, "definition", name)
        frames.append(summary)
    out = pd.concat(frames, ignore_index=True)
    order = {offer_id: i for i, offer_id in enumerate(offer_ids(offers))}
    rank = {"strict": 0, "chosen": 1, "loose": 2}
    return out.sort_values(
        ["offer_id", "definition"], key=lambda s: s.map(order) if s.name == "offer_id" else s.map(rank)
    ).reset_index(drop=True)


# --------------------------------------------------------------------------------------------------------
# The report's computation in one call (report 13)
# --------------------------------------------------------------------------------------------------------


def read_processed(processed: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Visits, referrals and offers (with the `_dataset` block) from data/processed: what `analyse` needs."""
    processed = Path(processed)
    visits = pd.read_parquet(processed / "visits.parquet")
    referrals = pd.read_parquet(processed / "referrals.parquet")
    offers = json.loads((processed / "offers.json").read_text(encoding="utf-8"))
    return visits, referrals, offers


@dataclass
class Analysis:
    """Everything report 13 computes from processed data, in the order the report needs it."""

    regularity: pd.DataFrame  # `citizen_regularity`
    funnel: pd.DataFrame  # `criteria_funnel` (with `not_referred`)
    members: pd.DataFrame  # `target_group` at the chosen thresholds: never shown
    sensitivity: pd.DataFrame  # `sensitivity_table` (long form)
    hours: pd.DataFrame  # `hours_sensitivity` (long form)
    presence: pd.DataFrame  # `presence_by_slot` of the target group
    by_weekday: pd.DataFrame  # `presence_by_weekday`
    typical: pd.DataFrame  # `typical_hours`
    slots: pd.DataFrame  # `workshop_plan`: per slot
    plan: pd.DataFrame  # `workshop_plan`: per offer
    plans: pd.DataFrame  # `bracket_plans`: strict, chosen, loose


def analyse(
    visits: pd.DataFrame,
    offers: Mapping,
    referrals: pd.DataFrame,
    spor3: Mapping,
    *,
    bin_minutes: int,
    staffing: Mapping,
) -> Analysis:
    """Spor 3 for the report: regularity, funnel, target group, both sensitivity grids, the target group's
    presence and typical hours, the workshop plan at the chosen thresholds and the strict/chosen/loose
    plans. Why one call: the notebook only shows; the planning quantile is `staffing.occupancy_quantile`."""
    quantile = float(staffing["occupancy_quantile"])
    regularity = citizen_regularity(visits, offers, spor3["workshop_day"])
    funnel = criteria_funnel(regularity, spor3, offers, referrals)
    members = target_group(regularity, spor3)
    sensitivity = sensitivity_table(
        regularity,
        spor3["sensitivity_days_per_week"],
        spor3["sensitivity_weeks_active_share"],
        spor3["min_daytime_hours"],
        offers,
    )
    hours = hours_sensitivity(regularity, spor3, offers)
    presence = presence_by_slot(visits, offers, members, spor3["workshop_day"], bin_minutes, quantile)
    by_weekday = presence_by_weekday(visits, offers, members)
    typical = typical_hours(visits, offers, members)
    slots, plan = workshop_plan(
        presence, participants_per_supervisor=spor3["participants_per_supervisor"], staffing=staffing
    )
    plans = bracket_plans(visits, offers, regularity, spor3, bin_minutes=bin_minutes, staffing=staffing)
    return Analysis(
        regularity, funnel, members, sensitivity, hours, presence, by_weekday, typical, slots, plan, plans
    )


def outside_opening_hours(slots: pd.DataFrame) -> pd.Series:
    """Per offer: workshop hours a week outside today's opening hours (`workshop_plan`'s slots), where the
    workshop is staffed with the minimum only (today's data cannot show anyone present there)."""
    return slots[~slots["open_today"]].groupby("offer_id")["slot_hours"].sum()


def metrics(funnel: pd.DataFrame, plan: pd.DataFrame, offer_ids: Sequence[str]) -> dict:
    """metrics/spor3.json: per offer the target group, places, supervisor hours and cost at the chosen
    thresholds, so `dvc exp show` compares thresholds side by side (0 for an offer without a plan)."""
    target = funnel.set_index("offer_id")["target"]
    per_offer = plan.set_index("offer_id")
    return {
        o: {
            "target_group": int(target.get(o, 0)),
            "places": int(per_offer.loc[o, "places"]) if o in per_offer.index else 0,
            "supervisor_hours_week": round(float(per_offer.loc[o, "staff_hours_week"]), 4)
            if o in per_offer.index
            else 0.0,
            "supervisor_cost_dkk": round(float(per_offer.loc[o, "cost_dkk"]), 2)
            if o in per_offer.index
            else 0.0,
        }
        for o in offer_ids
    }
