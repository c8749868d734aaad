"""Spor 1 — continuing the offers as referred § 104 offers: who is referred and who comes, how often,
staffing matched to attendance against the current roster, the budget per citizen, and what individual goal
follow-up (SMART goals, documentation — the inspection's critique) would cost.

Why a module of its own: the spor 1 report must stay a thin notebook, and every number it shows is arithmetic
a reviewer may question (which citizens count, which hours, which budget). Computing functions (this module)
return English columns; the `*_table` functions of `tables` turn them into display tables with Danish headings
for the report, and the `plot_*` functions of `figures` draw the report's figures. Budget, roster and cost
figures in the demo are illustrative assumptions (`assumptions_note` in offers.json); the arithmetic is what carries over to real data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from attendance.demand.kpis import USAGE_BANDS
from attendance.demand.model import ArrivalModel, predict_occupancy
from attendance.demand.staffing import budget_for_hours, compare_roster, period_days, staffing_need
from attendance.errors import InputError
from attendance.reporting.figures import offer_labels

QUARTERS_PER_YEAR = 4
HEADLINE_COLUMNS = [
    "referred",
    "active",
    "opening_days",
    "visits",
    "unique_per_day_mean",
    "unique_per_day_min",
    "unique_per_day_max",
    "peak_concurrent_max",
    "peak_concurrent_min",
]


def _number(value) -> float:
    """A number from offers.json, NaN when missing (real data may lack a budget or approved places)."""
    try:
        return float(value) if value is not None else np.nan
    except (TypeError, ValueError):
        return np.nan


def _per(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator, NaN where the denominator is 0 or missing (no division by zero in a report)."""
    return (numerator / denominator.where(denominator > 0)).astype(float)


# --------------------------------------------------------------------------------------------------------
# Referred vs. active citizens, usage bands, visits per week
# --------------------------------------------------------------------------------------------------------


def referral_overview(headline: pd.DataFrame, bands: pd.DataFrame, offers: Mapping) -> pd.DataFrame:
    """One row per offer: referred, active and never-came citizens, visitors without a referral, approved
    places, and attendance (unique per opening day, highest concurrent, visits per week).

    `headline` is the demand stage's `headline_kpis` table, `bands` its `usage_bands` table (one row per
    citizen × offer). Visits per week = the period's visits on opening days ÷ the period's calendar weeks.
    Why referred per approved place: the budget follows the referrals, the building and staff the places.
    """
    out = headline[["offer_id", *HEADLINE_COLUMNS]].copy()
    out["name"] = out["offer_id"].map(offer_labels(offers))
    out["never_came"] = out["referred"] - out["active"]
    out["active_share"] = _per(out["active"], out["referred"])
    unreferred = bands[~bands["referred"].astype(bool) & (bands["visits"] > 0)]
    out["unreferred_visitors"] = (
        out["offer_id"].map(unreferred.groupby("offer_id").size()).fillna(0).astype(np.int64)
    )
    out["approved_places"] = out["offer_id"].map(
        {k: _number(offers[k].get("approved_places")) for k in out["offer_id"]}
    )
    out["referred_per_place"] = _per(out["referred"].astype(float), out["approved_places"])
    out["peak_share_of_places"] = _per(out["peak_concurrent_max"].astype(float), out["approved_places"])
    out["weeks"] = period_days(offers) / 7.0
    out["visits_per_week"] = out["visits"] / out["weeks"]
    columns = [
        "offer_id",
        "name",
        "referred",
        "active",
        "never_came",
        "active_share",
        "unreferred_visitors",
        "approved_places",
        "referred_per_place",
        "peak_share_of_places",
        *HEADLINE_COLUMNS[2:],
        "weeks",
        "visits_per_week",
    ]
    return out[columns].sort_values("offer_id", ignore_index=True)


def band_counts(bands: pd.DataFrame) -> pd.DataFrame:
    """Referred citizens per offer × usage band (every band, 0 where empty), their share of the referred and
    their mean visits per week. Visitors without a referral are left out: spor 1 is about the referred."""
    referred = bands[bands["referred"].astype(bool)].copy()
    referred["band"] = pd.Categorical(referred["band"].astype(str), categories=USAGE_BANDS, ordered=True)
    grouped = referred.groupby(["offer_id", "band"], observed=False)
    out = grouped.agg(citizens=("visits", "size"), visits_per_week_mean=("visits_per_week", "mean"))
    out = out.reset_index()
    out["citizens"] = out["citizens"].astype(np.int64)
    out["share"] = _per(out["citizens"], out.groupby("offer_id")["citizens"].transform("sum"))
    out["band"] = out["band"].astype(str)
    return out


def visits_per_week_summary(bands: pd.DataFrame) -> pd.DataFrame:
    """Per offer, over referred citizens who came at least once: how many, and their visits per week (mean,
    quartiles) and the share who came at least once a week on average — the regularity a § 104 plan needs."""
    active = bands[bands["referred"].astype(bool) & (bands["visits"] > 0)]
    grouped = active.groupby("offer_id", sort=True)["visits_per_week"]
    out = grouped.agg(citizens="size", mean="mean").reset_index()
    quartiles = grouped.quantile([0.25, 0.5, 0.75]).unstack()
    quartiles.columns = ["p25", "median", "p75"]
    out = out.merge(quartiles.reset_index(), on="offer_id")
    weekly = (active["visits_per_week"] >= 1).groupby(active["offer_id"]).sum()
    out["weekly_or_more"] = out["offer_id"].map(weekly).astype(np.int64)
    out["weekly_share"] = _per(out["weekly_or_more"], out["citizens"])
    return out


# --------------------------------------------------------------------------------------------------------
# Staffing matched to attendance
# --------------------------------------------------------------------------------------------------------


def matched_staffing(
    models: Mapping[str, ArrivalModel], offers: Mapping, staffing: Mapping, level: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Staff needed per open slot (from the demand model at today's demand) against the current roster.

    Recomputed in the report stage from the fitted models so that the report follows its own `staffing`
    parameters. Returns the per-slot table of `staffing.compare_roster` and a per-offer summary that adds the
    roster's hours outside opening hours (preparation before opening, tidying after closing) and the
    **matched** staff-hours per week: the need within opening hours plus today's hours outside them — matching
    staffing to attendance changes who is on the floor while citizens can come, not the preparation time.
    """
    if not models:
        raise InputError("no fitted demand models", fix="run the demand stage (dvc repro demand)")
    bins = {m.bin_minutes for m in models.values()}
    if len(bins) != 1:
        raise InputError(f"the offers' models use different slot widths {sorted(bins)}", fix="rerun demand")
    prediction = pd.concat(
        [predict_occupancy(model, level=level) for _, model in sorted(models.items())], ignore_index=True
    )
    need = staffing_need(prediction, staffing)
    slots, summary = compare_roster(need, offers, bins.pop())
    summary["staff_hours_week_roster_outside"] = (
        summary["staff_hours_week_roster_total"] - summary["staff_hours_week_roster_open"]
    ).clip(lower=0)
    summary["staff_hours_week_matched"] = (
        summary["staff_hours_week_needed"] + summary["staff_hours_week_roster_outside"]
    )
    summary["staff_hours_week_change"] = (
        summary["staff_hours_week_matched"] - summary["staff_hours_week_roster_total"]
    )
    summary["staff_hours_week_open_difference"] = (
        summary["staff_hours_week_roster_open"] - summary["staff_hours_week_needed"]
    )
    return slots, summary


def hours_by_weekday(slots: pd.DataFrame) -> pd.DataFrame:
    """Per offer × weekday: staff-hours needed and rostered within opening hours, and slots over/under."""
    grouped = slots.groupby(["offer_id", "weekday"], sort=True)
    out = grouped.agg(
        staff_hours_needed=("staff_hours_needed", "sum"),
        staff_hours_roster=("staff_hours_roster", "sum"),
        slots=("status", "size"),
        slots_under=("status", lambda s: int((s == "under").sum())),
        slots_over=("status", lambda s: int((s == "over").sum())),
        max_staff_needed=("staff_needed", "max"),
        max_occupancy_quantile=("occupancy_quantile", "max"),
    ).reset_index()
    out["difference"] = out["staff_hours_roster"] - out["staff_hours_needed"]
    return out


# --------------------------------------------------------------------------------------------------------
# Economy: budget per citizen now and at matched staffing; goal follow-up
# --------------------------------------------------------------------------------------------------------


def budget_per_citizen(overview: pd.DataFrame, summary: pd.DataFrame, offers: Mapping, staffing: Mapping):
    """Annual budget per referred and per active citizen today and at staffing matched to attendance.

    The budget at matched staffing is today's budget with the rostered staff's cost replaced by the matched
    staff's cost (both costed the same way: staff-hours per week × 52 / `fte_hours_per_year` ×
    `cost_per_fte_dkk`); everything else in the budget (rent, activities, staff time off the floor) is kept.
    Per referred citizen as well as per active: the budget is allocated by referrals.
    """
    out = overview[["offer_id", "name", "referred", "active"]].merge(
        summary[["offer_id", "staff_hours_week_roster_total", "staff_hours_week_matched"]],
        on="offer_id",
        how="left",
    )
    out["annual_budget_dkk"] = out["offer_id"].map(
        {k: _number(offers[k].get("annual_budget_dkk")) for k in out["offer_id"]}
    )
    out["fte_stated"] = out["offer_id"].map({k: _number(offers[k].get("fte")) for k in out["offer_id"]})
    roster = budget_for_hours(out["staff_hours_week_roster_total"], staffing)
    matched = budget_for_hours(out["staff_hours_week_matched"], staffing)
    out["fte_roster"] = roster["fte"]
    out["fte_matched"] = matched["fte"]
    out["staff_cost_roster_dkk"] = roster["cost_dkk"]
    out["staff_cost_matched_dkk"] = matched["cost_dkk"]
    out["budget_change_dkk"] = out["staff_cost_matched_dkk"] - out["staff_cost_roster_dkk"]
    out["budget_matched_dkk"] = out["annual_budget_dkk"] + out["budget_change_dkk"]
    out["budget_per_referred_dkk"] = _per(out["annual_budget_dkk"], out["referred"])
    out["budget_per_active_dkk"] = _per(out["annual_budget_dkk"], out["active"])
    out["budget_matched_per_referred_dkk"] = _per(out["budget_matched_dkk"], out["referred"])
    out["budget_matched_per_active_dkk"] = _per(out["budget_matched_dkk"], out["active"])
    return out


def goal_followup(citizens, hours_per_citizen_per_quarter: float, staffing: Mapping) -> pd.DataFrame:
    """What individual goal follow-up would cost: hours per citizen per quarter × citizens × 4 quarters →
    staff-hours per year → årsværk (`fte_hours_per_year`) → kroner (`cost_per_fte_dkk`).

    `citizens` is a number or a Series (e.g. active citizens per offer, index kept). The cost per citizen does
    not depend on how many citizens there are; it is returned so the report can show it next to the budget.
    """
    hours = float(hours_per_citizen_per_quarter)
    if not np.isfinite(hours) or hours < 0:
        raise InputError(
            f"goal follow-up hours must be a number ≥ 0 (got {hours_per_citizen_per_quarter!r})",
            file="params.yaml",
            column="spor1.goal_followup_hours_per_citizen_per_quarter",
            fix="set e.g. 3 (hours per citizen per quarter)",
        )
    fte_hours, cost_per_fte = float(staffing["fte_hours_per_year"]), float(staffing["cost_per_fte_dkk"])
    if fte_hours <= 0:
        raise InputError("fte_hours_per_year must be positive", file="params.yaml", fix="set e.g. 1924")
    count = pd.Series(citizens, dtype=float) if not np.isscalar(citizens) else pd.Series([float(citizens)])
    out = pd.DataFrame({"citizens": count})
    out["hours_per_citizen_year"] = hours * QUARTERS_PER_YEAR
    out["hours_year"] = out["citizens"] * out["hours_per_citizen_year"]
    out["fte"] = out["hours_year"] / fte_hours
    out["cost_dkk"] = out["fte"] * cost_per_fte
    out["cost_per_citizen_dkk"] = out["hours_per_citizen_year"] / fte_hours * cost_per_fte
    return out


def followup_by_offer(budget: pd.DataFrame, hours_per_citizen_per_quarter: float, staffing: Mapping):
    """Goal follow-up per offer for the active citizens (and, for comparison, for all referred), and the
    budget per active citizen at matched staffing with the follow-up added — a § 104 offer that does both."""
    active = goal_followup(budget["active"], hours_per_citizen_per_quarter, staffing)
    referred = goal_followup(budget["referred"], hours_per_citizen_per_quarter, staffing)
    out = budget[["offer_id", "name", "active", "referred", "budget_matched_dkk"]].copy()
    for column in ("hours_per_citizen_year", "hours_year", "fte", "cost_dkk", "cost_per_citizen_dkk"):
        out[column] = active[column].to_numpy()
    out["hours_year_referred"] = referred["hours_year"].to_numpy()
    out["fte_referred"] = referred["fte"].to_numpy()
    out["cost_referred_dkk"] = referred["cost_dkk"].to_numpy()
    out["budget_with_followup_dkk"] = out["budget_matched_dkk"] + out["cost_dkk"]
    out["budget_with_followup_per_active_dkk"] = _per(out["budget_with_followup_dkk"], out["active"])
    return out


# --------------------------------------------------------------------------------------------------------
# The track in one call, and its metrics
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferralAnalysis:
    """Everything the spor 1 report computes (see `analyse`); counts of citizens are shown only through
    `tables.population_tables`."""

    overview: pd.DataFrame  # `referral_overview`
    per_week: pd.DataFrame  # `visits_per_week_summary`
    slots: pd.DataFrame  # `matched_staffing`: staff needed vs roster per open slot
    staff: pd.DataFrame  # `matched_staffing`: per offer
    by_weekday: pd.DataFrame  # `hours_by_weekday`
    budget: pd.DataFrame  # `budget_per_citizen`
    followup: pd.DataFrame  # `followup_by_offer`


def analyse(
    headline: pd.DataFrame,
    bands: pd.DataFrame,
    models: Mapping[str, ArrivalModel],
    offers: Mapping,
    *,
    staffing: Mapping,
    level: float,
    hours_per_citizen_per_quarter: float,
) -> ReferralAnalysis:
    """The spor 1 track from the demand stage's `headline_kpis`, `usage_bands` and fitted models: referred vs.
    active, visits per week, staffing matched to attendance, the budget per citizen and goal follow-up."""
    overview = referral_overview(headline, bands, offers)
    slots, staff = matched_staffing(models, offers, staffing, level)
    budget = budget_per_citizen(overview, staff, offers, staffing)
    return ReferralAnalysis(
        overview=overview,
        per_week=visits_per_week_summary(bands),
        slots=slots,
        staff=staff,
        by_weekday=hours_by_weekday(slots),
        budget=budget,
        followup=followup_by_offer(budget, hours_per_citizen_per_quarter, staffing),
    )


def track_metrics(
    staff: pd.DataFrame, budget: pd.DataFrame, followup: pd.DataFrame, offer_ids: Sequence[str]
) -> dict[str, dict]:
    """Key figures of this track as DVC metrics (metrics/spor1.json), so `dvc exp show` compares spor 1
    scenarios side by side."""
    st_, bu, fu = (t.set_index("offer_id") for t in (staff, budget, followup))
    return {
        o: {
            "staff_hours_week_needed": round(float(st_.loc[o, "staff_hours_week_needed"]), 4),
            "budget_today_dkk": round(float(bu.loc[o, "annual_budget_dkk"]), 2),
            "budget_matched_dkk": round(float(bu.loc[o, "budget_matched_dkk"]), 2),
            "budget_with_followup_dkk": round(float(fu.loc[o, "budget_with_followup_dkk"]), 2),
            "followup_fte": round(float(fu.loc[o, "fte"]), 4),
        }
        for o in offer_ids
    }
