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
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from attendance.demand.kpis import offer_ids, opening_day_table, opening_days, referred_citizens
from attendance.demand.model import hhmm_to_minutes, slot_grid
from attendance.demand.occupancy import occupancy_by_datetime
from attendance.demand.staffing import budget_for_hours, staff_needed
from attendance.errors import InputError
from attendance.reporting import disclosure as dc
from attendance.reporting import disclosure_tables as dt
from attendance.reporting import fmt_dkk, fmt_int, fmt_number, fmt_pct, fmt_time, suppress_small, weekday_name
from attendance.reporting.disclosure import HIDDEN, ROUNDED
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
# Report tables (Danish labels; the notebook only shows them)
# --------------------------------------------------------------------------------------------------------

DEFINITION_LABELS = {"strict": "Stram", "chosen": "Valgt", "loose": "Løs"}
GROUP_LABELS = {"target": "Mulig målgruppe", "other": "Øvrige borgere med fremmøde"}


CRITERION_TEXTS = {
    "days_ok": "hyppigheden (dage pr. uge)",
    "weeks_ok": "stabiliteten (andel af ugerne med fremmøde)",
    "hours_ok": "varigheden (timer pr. dag i værkstedsdagen)",
}


def limiting_criterion(funnel: pd.DataFrame) -> str:
    """The criterion fewest citizens meet on its own, over all offers (`days_ok`, `weeks_ok` or `hours_ok`):
    the one the target group's size depends on most."""
    totals = funnel[CRITERIA].sum()
    return str(totals.idxmin())


def shown_offers(funnel: pd.DataFrame, threshold: int) -> list[str]:
    """Offers whose target group is large enough to describe (≥ threshold citizens); smaller groups are only
    counted ("<5"), never described by weekday, slot or hours."""
    return funnel.loc[funnel["target"] >= int(threshold), "offer_id"].tolist()


def count_text(value, threshold: int) -> str:
    """A count of citizens for running text and key figures, by the one rule (`disclosure.count_text`); a
    marker ("<5", "×") from a suppressed table is passed on as it is, a rounded "≈10" reads "ca. 10"."""
    if isinstance(value, str):
        return f"ca. {value[len(ROUNDED) :]}" if value.startswith(ROUNDED) else value
    return dc.count_text(value, threshold)


def _attended_text(value, threshold: int) -> str:
    """ "52", "<5", or for a hidden count ("×": at least the threshold) "mindst 5" in a sentence."""
    return f"mindst {int(threshold)}" if value == "×" else count_text(value, threshold)


def threshold_texts(spor3: Mapping) -> dict[str, str]:
    return {
        "days": f"mindst {fmt_threshold(spor3['min_days_per_week'])} dage pr. uge",
        "weeks": f"fremmøde i mindst {fmt_pct(spor3['min_weeks_active_share'], 0)} af ugerne",
        "hours": f"mindst {fmt_threshold(spor3['min_daytime_hours'])} timer pr. dag i værkstedsdagen",
    }


FUNNEL_STAGE_TABLE = "tragt"
OPENING_DAY = (
    "opening_day"  # disclosure coordinate: "ja" = at least one visit on an opening day in the period
)


def suppressed_funnel(
    funnel: pd.DataFrame, labels: Mapping[str, str], threshold: int, stage: str, *, root=None
) -> pd.DataFrame:
    """The funnel (`criteria_funnel`, rows: offers) as the reader sees it: counts or "<5"/"×". "Med fremmøde"
    are the same citizens as the other reports' active + visitors without a referral, so the funnel is
    suppressed around what they published (the issue's 17 = 15 + "<5") and recorded for the audit. Index: the
    offer ids; columns as in `funnel` (`not_referred` is published in the text)."""
    from dataclasses import replace

    # "med fremmøde" counts visitors on opening days; the other reports' active citizens count every visit in
    # the period (closed-day trips too). So the funnel's citizens are the ones who came *and* came on an
    # opening day: a subset of active + unreferred, equal in the demo, never contradicting it on real data.
    attended = {dc.VISITS: list(dc.CAME), OPENING_DAY: "ja"}
    table = dt.funnel_table(funnel, labels, stage=stage, table_id=FUNNEL_STAGE_TABLE, attended=attended)
    table = replace(table, domains={**table.domains, OPENING_DAY: list(dc.YES_NO)})
    shown = dt.suppress_and_publish(stage, [table], threshold, root=root)[table.id]
    out = shown.set_axis(list(funnel["offer_id"].astype(str)))
    out.attrs = dict(shown.attrs)
    return out


def funnel_table(shown: pd.DataFrame, spor3: Mapping, labels: Mapping[str, str]) -> pd.DataFrame:
    """The suppressed funnel (`suppressed_funnel`) with Danish headers naming the thresholds."""

    texts = threshold_texts(spor3)
    columns = {
        "attended": "Borgere med fremmøde",
        "days_ok": texts["days"].capitalize(),
        "weeks_ok": texts["weeks"].capitalize(),
        "hours_ok": f"Mindst {fmt_threshold(spor3['min_daytime_hours'])} timer pr. dag",
        "days_weeks_ok": "Både dage og uger",
        "target": "Alle tre: mulig målgruppe",
    }
    table = shown.drop(columns=["not_referred"], errors="ignore").rename(columns=columns)
    table.insert(0, "Tilbud", [labels.get(o, o) for o in shown.index])
    table = table.reset_index(drop=True)
    table.attrs = dict(shown.attrs)
    return table


def _decimals(threshold: float) -> int:
    """1,5 but 1,75: a threshold is shown with the decimals it has (one at least)."""
    return 1 if round(float(threshold), 1) == float(threshold) else 2


def fmt_threshold(value: float) -> str:
    """A spor 3 threshold in Danish with the decimals it has: "2,0", "1,75"."""
    return fmt_number(value, _decimals(value))


def _sensitivity_frame(
    sensitivity: pd.DataFrame, labels: Mapping[str, str]
) -> tuple[pd.DataFrame, list[str]]:
    """The grid as the report lays it out (a row per offer × days threshold, a column per weeks threshold),
    true counts; with the names of the count columns."""
    wide = sensitivity.pivot_table(
        index=["offer_id", "min_days_per_week"],
        columns="min_weeks_active_share",
        values="citizens",
        sort=False,
    )
    share_columns = [f"{fmt_pct(s, 0)} af ugerne" for s in wide.columns]
    wide.columns = share_columns
    wide = wide.reset_index()
    wide.insert(0, "Tilbud", wide.pop("offer_id").map(lambda o: labels.get(o, o)))
    wide["min_days_per_week"] = wide["min_days_per_week"].map(lambda d: fmt_number(d, _decimals(d)))
    wide = wide.rename(columns={"min_days_per_week": "Dage pr. uge (mindst)"})
    wide[share_columns] = wide[share_columns].astype("int64")
    return wide, share_columns


def _hours_frame(hours: pd.DataFrame, labels: Mapping[str, str]) -> tuple[pd.DataFrame, list[str]]:
    wide = hours.pivot_table(index="offer_id", columns="min_daytime_hours", values="citizens", sort=False)
    columns = [f"Mindst {fmt_number(h, _decimals(h))} timer" for h in wide.columns]
    wide.columns = columns
    wide = wide.astype("int64").reset_index()
    wide.insert(0, "Tilbud", wide.pop("offer_id").map(lambda o: labels.get(o, o)))
    return wide, columns


def sensitivity_display(sensitivity: pd.DataFrame, labels: Mapping[str, str], threshold: int) -> pd.DataFrame:
    """The sensitivity grid as one table, small counts suppressed within the table only (see
    `protected_tables` for the report's version, protected against differencing)."""
    wide, share_columns = _sensitivity_frame(sensitivity, labels)
    return suppress_small(wide, share_columns, threshold)


def hours_sensitivity_display(hours: pd.DataFrame, labels: Mapping[str, str], threshold: int) -> pd.DataFrame:
    """Target-group size per offer (rows) for each hours threshold (columns), small counts suppressed
    within the table only (see `protected_tables`)."""
    wide, columns = _hours_frame(hours, labels)
    return suppress_small(wide, columns, threshold)


SENSITIVITY_TABLE = "foelsomhed"
HOURS_TABLE = "foelsomhed_timer"


@dataclass
class ProtectedTables:
    """Spor 3's count tables as the reader sees them, protected together (`protected_tables`)."""

    funnel: pd.DataFrame  # as `suppressed_funnel` returns it (index: offer ids)
    sensitivity: pd.DataFrame  # display table: counts, "≈r" (rounded), "<t" or "×"
    hours: pd.DataFrame  # display table, likewise
    bracket: pd.DataFrame  # offer_id, lower, upper: the grid's strictest and loosest cell as shown
    rounding: int


def protected_tables(
    funnel: pd.DataFrame,
    sensitivity: pd.DataFrame,
    hours: pd.DataFrame,
    spor3: Mapping,
    labels: Mapping[str, str],
    threshold: int,
    stage: str,
    *,
    root=None,
) -> ProtectedTables:
    """The funnel and the two sensitivity tables suppressed in one call, around what the earlier reports
    published, and recorded for the audit.

    Why together: the three count the same citizens at nested thresholds ("at least 1,5 days" contains "at
    least 2,0 days"), so the difference of two neighbouring cells is a group of its own — often one or two
    citizens. The sensitivity tables are planning ranges, so their counts are rounded to the threshold's
    base ("≈10": round half up to a multiple of t; counts below t stay "<t", zeros stay 0) and no difference
    of two of them pins a small group; the funnel keeps exact counts (the decision needs the chosen target
    group) and gets secondary suppression where a difference would give a small group away. The audit
    (`disclosure.audit`) re-checks every such difference over all reports.
    """
    from dataclasses import replace

    t = int(threshold)
    bands = dt.CriteriaBands.of(
        spor3,
        sensitivity["min_days_per_week"].unique(),
        sensitivity["min_weeks_active_share"].unique(),
        hours["min_daytime_hours"].unique(),
    )
    attended = {dc.VISITS: list(dc.CAME), OPENING_DAY: "ja"}
    funnel_spec = dt.funnel_table(
        funnel, labels, stage=stage, table_id=FUNNEL_STAGE_TABLE, attended=attended, bands=bands
    )
    funnel_spec = replace(funnel_spec, domains={**funnel_spec.domains, OPENING_DAY: list(dc.YES_NO)})
    sens_frame, sens_columns = _sensitivity_frame(sensitivity, labels)
    hours_frame, hours_columns = _hours_frame(hours, labels)
    sens_spec = dt.sensitivity_table(
        sensitivity,
        bands,
        attended,
        sens_frame,
        sens_columns,
        table_id=SENSITIVITY_TABLE,
        stage=stage,
        rounding=t,
    )
    hours_spec = dt.hours_table(
        hours, bands, attended, hours_frame, hours_columns, table_id=HOURS_TABLE, stage=stage, rounding=t
    )
    for spec in (sens_spec, hours_spec):
        spec.domains = {**spec.domains, OPENING_DAY: list(dc.YES_NO)}
    shown = dt.suppress_and_publish(stage, [funnel_spec, sens_spec, hours_spec], t, root=root)
    funnel_shown = shown[FUNNEL_STAGE_TABLE].set_axis(list(funnel["offer_id"].astype(str)))
    funnel_shown.attrs = dict(shown[FUNNEL_STAGE_TABLE].attrs)
    sens_shown = shown[SENSITIVITY_TABLE]
    # the bracket: per offer, the grid's strictest cell (highest days, last weeks column) and loosest
    sens_key = sensitivity.drop_duplicates(["offer_id", "min_days_per_week"])[
        ["offer_id", "min_days_per_week"]
    ]
    rows = []
    for offer in dict.fromkeys(sens_key["offer_id"]):
        positions = np.flatnonzero((sens_key["offer_id"] == offer).to_numpy())
        days = sens_key["min_days_per_week"].to_numpy()[positions]
        loose, strict = positions[int(np.argmin(days))], positions[int(np.argmax(days))]
        rows.append(
            {
                "offer_id": offer,
                "lower": sens_shown.iloc[strict][sens_columns[-1]],
                "upper": sens_shown.iloc[loose][sens_columns[0]],
            }
        )
    return ProtectedTables(funnel_shown, sens_shown, shown[HOURS_TABLE], pd.DataFrame(rows), t)


def typical_hours_display(
    hours: pd.DataFrame, labels: Mapping[str, str], threshold: int, shown_funnel: pd.DataFrame | None = None
) -> pd.DataFrame:
    """When each group is there, in Danish. Suppressed per offer with the offer's total known (the two
    groups add up to the citizens with attendance shown elsewhere), so a hidden group can't be had by
    subtraction. With `shown_funnel` (`suppressed_funnel`): where the funnel hides "med fremmøde", the
    other citizens' count is hidden too (it is "med fremmøde" minus the target group)."""
    if hours.empty:
        return pd.DataFrame(columns=["Tilbud", "Gruppe", "Borgere", "Besøg"])
    table = pd.DataFrame(
        {
            "Tilbud": hours["offer_id"].map(lambda o: labels.get(o, o)),
            "Gruppe": hours["group"].map(GROUP_LABELS),
            "Borgere": hours["citizens"].astype("int64"),
            "Besøg": hours["visits"].astype("int64"),
            "Typisk ankomst": [
                f"{fmt_time(m)} ({fmt_time(lo)}–{fmt_time(hi)})"
                for m, lo, hi in zip(
                    hours["arrival_median"], hours["arrival_p25"], hours["arrival_p75"], strict=True
                )
            ],
            "Typisk afgang": hours["departure_median"].map(fmt_time),
            "Gns. ophold (timer)": hours["stay_hours_mean"].map(lambda h: fmt_number(h, 1)),
        }
    )
    derived = ["Besøg", "Typisk ankomst", "Typisk afgang", "Gns. ophold (timer)"]
    parts = [
        suppress_small(part, ["Borgere"], threshold, column_totals_known=True, derived={"Borgere": derived})
        for _, part in table.groupby("Tilbud", sort=False)
    ]
    out = pd.concat(parts)
    extra = 0
    if shown_funnel is not None:
        for index in out.index:
            offer_id, group, value = (
                hours.at[index, "offer_id"],
                hours.at[index, "group"],
                out.at[index, "Borgere"],
            )
            hidden = offer_id in shown_funnel.index and isinstance(shown_funnel.at[offer_id, "attended"], str)
            if hidden and group != "target" and not isinstance(value, str):
                out.at[index, "Borgere"] = "×" if int(value) >= int(threshold) else f"<{int(threshold)}"
                extra += 1
    out.attrs["suppression"] = {
        "threshold": int(threshold),
        "primary": sum(p.attrs["suppression"]["primary"] for p in parts),
        "secondary": sum(p.attrs["suppression"]["secondary"] for p in parts) + extra,
    }
    return out.reset_index(drop=True)


def weekday_display(
    presence: pd.DataFrame, offers_shown: Sequence[str], labels: Mapping[str, str]
) -> pd.DataFrame:
    """Mean number of the target group attending per opening day, a row per weekday, a column per offer."""
    rows = presence[presence["offer_id"].isin(offers_shown)]
    wide = rows.pivot_table(index="weekday", columns="offer_id", values="members_mean", sort=True)
    wide = wide.reindex(columns=list(offers_shown))
    wide.columns = [labels.get(o, o) for o in wide.columns]
    wide.index = [weekday_name(d).capitalize() for d in wide.index]
    wide.index.name = "Ugedag"
    return wide.reset_index()


PLAN_PARTS = {
    "capacity": ["Borgere i målgruppen", "Pladser", "Ledere (højst)", "Timer pr. uge"],
    "economy": [
        "Timer pr. uge",
        "Årsværk",
        "Løn pr. år",
        "Timer ved fast bemanding",
        "Løn ved fast bemanding",
    ],
}


def plans_display(
    plans: pd.DataFrame,
    labels: Mapping[str, str],
    threshold: int,
    part: str,
    protected: ProtectedTables | None = None,
) -> pd.DataFrame:
    """The strict/chosen/loose workshop plans in Danish, as two narrower tables (`part` = "capacity": size,
    places, supervisors, hours; "economy": hours, årsværk and cost, following the slots and fixed).

    Everything about a group below the threshold is hidden with its size (places and staff would reveal
    how few they are); the economy part leaves the size column out but keeps the hiding. With `protected`
    (`protected_tables`), the sizes are shown exactly as the sensitivity grid and the funnel show the same
    groups (strict and loose are the grid's corners, rounded there; chosen is the funnel's target group), so
    this table adds no number a reader could difference against them."""
    if part not in PLAN_PARTS:
        raise ValueError(f"part must be one of {sorted(PLAN_PARTS)}")
    table = pd.DataFrame(
        {
            "Tilbud": plans["offer_id"].map(lambda o: labels.get(o, o)),
            "Afgrænsning": plans["definition"].map(DEFINITION_LABELS),
            "Borgere i målgruppen": plans["citizens"].astype("int64"),
            "Pladser": plans["places"].astype("int64"),
            "Ledere (højst)": plans["supervisors_max"].astype("int64"),
            "Timer pr. uge": plans["staff_hours_week"].astype(float),
            "Årsværk": plans["fte"].astype(float),
            "Løn pr. år": plans["cost_dkk"].astype(float),
            "Timer ved fast bemanding": plans["staff_hours_week_fixed"].astype(float),
            "Løn ved fast bemanding": plans["cost_dkk_fixed"].astype(float),
        }
    )
    derived = list(table.columns[3:])
    shown = suppress_small(
        table, ["Borgere i målgruppen"], threshold, derived={"Borgere i målgruppen": derived}
    )
    if protected is not None:
        shown = shown.astype({c: object for c in ["Borgere i målgruppen", *derived]})
        corners = protected.bracket.set_index("offer_id")
        for index, offer, definition in zip(plans.index, plans["offer_id"], plans["definition"], strict=True):
            seen = {
                "strict": corners.at[offer, "lower"],
                "loose": corners.at[offer, "upper"],
                "chosen": protected.funnel.at[offer, "target"],
            }[definition]
            position = shown.index[list(plans.index).index(index)]
            shown.at[position, "Borgere i målgruppen"] = seen
            if isinstance(seen, str) and not seen.startswith(ROUNDED):
                shown.loc[position, derived] = HIDDEN
    out = shown[["Tilbud", "Afgrænsning", *PLAN_PARTS[part]]].copy()
    out.attrs = dict(shown.attrs)
    return out


def definitions_text(plans: pd.DataFrame) -> str:
    """ "Stram: 3,0 dage pr. uge og 80 % af ugerne; Valgt: …" — what the three definitions mean."""
    rows = plans.drop_duplicates("definition")
    return "; ".join(
        f"{DEFINITION_LABELS[d]}: {fmt_threshold(days)} dage pr. uge og {fmt_pct(share, 0)} af ugerne"
        for d, days, share in zip(
            rows["definition"], rows["min_days_per_week"], rows["min_weeks_active_share"], strict=True
        )
    )


def _shown_plans(plans: pd.DataFrame, definition: str, threshold: int) -> pd.DataFrame:
    """One definition's plans for the offers whose group may be described (0 or ≥ threshold citizens)."""
    rows = plans[plans["definition"] == definition]
    return rows[(rows["citizens"] >= int(threshold)) | (rows["citizens"] == 0)]


def key_figure_items(
    funnel: pd.DataFrame,
    bracket_table: pd.DataFrame,
    plans: pd.DataFrame,
    labels: Mapping[str, str],
    threshold: int,
    shown: pd.DataFrame | None = None,
) -> list[tuple[str, str, str]]:
    """The report's key figures: the target group per offer (with the sensitivity range), and places, staff
    hours and cost of the chosen definition, added over the offers whose group may be described. The cost
    range (strict–loose) is given only when no offer's group is hidden at either end, so a key figure never
    says more than the tables. `shown` is the suppressed funnel (`suppressed_funnel`): the counts of the
    funnel are quoted as the table shows them ("<5", "×")."""
    items = []
    ranges = bracket_table.set_index("offer_id")
    for row in funnel.itertuples(index=False):  # one row per offer
        low, high = ranges.loc[row.offer_id, "lower"], ranges.loc[row.offer_id, "upper"]
        spread = (
            f"{count_text(low, threshold)} ved alle tærskler i følsomhedsanalysen"
            if low == high
            else f"{count_text(low, threshold)}{' til ' if isinstance(high, str) else '–'}{count_text(high, threshold)} "
            "ved andre tærskler"
        )
        seen = shown.loc[row.offer_id] if shown is not None else row._asdict()
        items.append(
            (
                f"Mulig målgruppe, {labels.get(row.offer_id, row.offer_id)}",
                count_text(seen["target"], threshold),
                f"af {_attended_text(seen['attended'], threshold)} med fremmøde · {spread}",
            )
        )
    chosen = plans[plans["definition"] == "chosen"]
    shown = _shown_plans(plans, "chosen", threshold)
    hidden = [labels.get(o, o) for o in chosen.loc[~chosen.index.isin(shown.index), "offer_id"]]
    suffix = f" ({', '.join(hidden)} ikke medregnet: under {int(threshold)} borgere)" if hidden else ""
    per_offer = " · ".join(
        f"{labels.get(o, o)} {fmt_int(p)}" for o, p in zip(shown["offer_id"], shown["places"], strict=True)
    )
    items.append(("Pladser i et værksted", fmt_int(shown["places"].sum()), per_offer + suffix))
    items.append(
        (
            "Personaletimer pr. uge",
            fmt_number(shown["staff_hours_week"].sum(), 0),
            f"{fmt_number(shown['fte'].sum(), 2)} årsværk{suffix}",
        )
    )
    strict, loose = _shown_plans(plans, "strict", threshold), _shown_plans(plans, "loose", threshold)
    n_offers = chosen["offer_id"].nunique()
    if len(strict) == n_offers and len(loose) == n_offers and not hidden:
        note = f"{fmt_int(strict['cost_dkk'].sum())}–{fmt_dkk(loose['cost_dkk'].sum())} ved stram–løs afgrænsning"
    else:
        note = "spændet står i tabellen over lønudgift" + suffix
    items.append(("Lønudgift pr. år (kr.)", fmt_int(shown["cost_dkk"].sum()), note))
    return items
