"""Staffing (normering) matched to predicted attendance, the current roster, and the economy of the offers.

Why from a quantile and not the mean: the kommissorium asks for staffing that "matches citizen attendance";
staff planned for the average day are short-handed on half of the days, so the need per slot is planned for a
high quantile (`staffing.occupancy_quantile`) of the demand model's predicted occupancy, at
`citizens_per_staff` citizens per member of staff, never below `min_staff_on_duty` while open. Closed slots
need nobody. Scenario functions take an uplift and optional opening hours so the spor 2 / spor 3 reports can
ask "what if 20 % more come, and we open 10–14 only?" from the fitted tables, without refitting.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from attendance.errors import InputError
from attendance.reporting import glossary
from attendance.timeofday import minutes_to_hhmm

from .model import (
    SLOT_COLUMNS,
    ArrivalModel,
    hhmm_to_minutes,
    occupancy_quantile,
    predict_occupancy,
    slot_grid,
)

WEEKS_PER_YEAR = 52  # 1 årsværk = 1924 h = 37 h × 52 weeks, so a weekly need is annualised the same way
WEEKDAY_NAMES_DA = list(glossary.WEEKDAYS)
_WEEKDAY_KEYS = {name: i for i, name in enumerate(WEEKDAY_NAMES_DA)}


def staff_needed(
    occupancy: np.ndarray | pd.Series,
    *,
    citizens_per_staff: float,
    min_staff_on_duty: int,
    is_open: np.ndarray | pd.Series | bool = True,
) -> np.ndarray:
    """max(min_staff_on_duty, ceil(occupancy / citizens_per_staff)) while open, 0 when closed."""
    if citizens_per_staff <= 0:
        raise InputError(
            f"citizens_per_staff must be positive (got {citizens_per_staff})",
            file="params.yaml",
            fix="set staffing.citizens_per_staff to e.g. 6",
        )
    occupancy = np.asarray(occupancy, dtype=float)
    # a tiny tolerance so 12.000000001 / 6 (floating error) does not become 3 staff
    need = np.ceil(occupancy / citizens_per_staff - 1e-9)
    need = np.maximum(need, min_staff_on_duty)
    return np.where(np.asarray(is_open, dtype=bool), need, 0).astype(np.int64)


def staffing_need(prediction: pd.DataFrame, staffing: Mapping) -> pd.DataFrame:
    """Per offer × weekday × slot of `predict_occupancy` output: the planning quantile and staff needed.

    Rows with `is_open == False` (if the column is there) get 0 staff; every prediction row is an open slot
    otherwise. `staff_hours` = staff × slot length, summed to staff-hours per week by `weekly_summary`.
    """
    q = float(staffing["occupancy_quantile"])
    out = prediction.copy()
    out["occupancy_quantile"] = occupancy_quantile(out["occupancy_mean"], out["occupancy_var"], q)
    is_open = out["is_open"] if "is_open" in out.columns else True
    out["staff_needed"] = staff_needed(
        out["occupancy_quantile"],
        citizens_per_staff=float(staffing["citizens_per_staff"]),
        min_staff_on_duty=int(staffing["min_staff_on_duty"]),
        is_open=is_open,
    )
    out["slot_hours"] = (out["slot_end_minute"] - out["slot_minute"]) / 60.0
    out["staff_hours_needed"] = out["staff_needed"] * out["slot_hours"]
    return out.sort_values(["offer_id", "weekday", "slot_minute"], ignore_index=True)


def _weekday(value) -> int:
    if isinstance(value, int | np.integer) or str(value).isdigit():
        return int(value)
    key = str(value).strip().lower()
    if key not in _WEEKDAY_KEYS:
        raise InputError(
            f"unknown weekday {value!r} in the roster", file="offers.json", fix="use mandag..søndag"
        )
    return _WEEKDAY_KEYS[key]


def roster_shifts(offers: Mapping, offer_id: str) -> pd.DataFrame:
    """The offer's roster as rows (weekday, start_minute, end_minute, staff)."""
    rows = [
        (
            _weekday(entry["weekday"]),
            hhmm_to_minutes(entry["start"]),
            hhmm_to_minutes(entry["end"]),
            float(entry["staff"]),
        )
        for entry in offers[offer_id].get("roster", []) or []
    ]
    return pd.DataFrame(rows, columns=["weekday", "start_minute", "end_minute", "staff"])


def roster_by_slot(offers: Mapping, offer_id: str, bin_minutes: int) -> pd.DataFrame:
    """Staff on duty per open slot: the time-weighted average of the roster within the slot.

    Why time-weighted: a shift starting at 09:15 covers three quarters of the 09:00–09:30 slot; counting it as
    a full member of staff would hide a gap, ignoring it would invent one.
    """
    grid = slot_grid(offers[offer_id].get("opening_hours", {}), bin_minutes)
    shifts = roster_shifts(offers, offer_id)
    merged = grid.merge(shifts, on="weekday", how="left")
    overlap = (
        np.minimum(merged["slot_end_minute"], merged["end_minute"])
        - np.maximum(merged["slot_minute"], merged["start_minute"])
    ).clip(lower=0)
    merged["staff_minutes"] = (overlap * merged["staff"]).fillna(0.0)
    out = merged.groupby(SLOT_COLUMNS, as_index=False)["staff_minutes"].sum()
    out["staff_roster"] = out["staff_minutes"] / (out["slot_end_minute"] - out["slot_minute"])
    out["offer_id"] = offer_id
    return out[["offer_id", *SLOT_COLUMNS, "staff_roster"]]


def roster_hours_per_week(offers: Mapping, offer_id: str) -> float:
    """All rostered staff-hours in a week, including time outside opening hours (preparation, closing)."""
    shifts = roster_shifts(offers, offer_id)
    return float(
        ((shifts["end_minute"] - shifts["start_minute"]).clip(lower=0) * shifts["staff"]).sum() / 60.0
    )


def compare_roster(
    need: pd.DataFrame, offers: Mapping, bin_minutes: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Need vs roster per open slot, and per offer: staff-hours per week needed vs rostered, slots over/under.

    `status` is `under` when fewer are rostered than needed, `over` when at least one more than needed is
    rostered, `matched` otherwise. Roster hours are given both within opening hours (comparable with the need)
    and in total (the roster also covers preparation before opening and tidying after closing).
    """
    roster = pd.concat(
        [roster_by_slot(offers, offer_id, bin_minutes) for offer_id in sorted(need["offer_id"].unique())],
        ignore_index=True,
    )
    slots = need.merge(roster, on=["offer_id", *SLOT_COLUMNS], how="left")
    slots["staff_roster"] = slots["staff_roster"].fillna(0.0)
    slots["staff_difference"] = slots["staff_roster"] - slots["staff_needed"]
    slots["status"] = np.select(
        [slots["staff_difference"] < -1e-9, slots["staff_difference"] >= 1 - 1e-9],
        ["under", "over"],
        "matched",
    )
    slots["staff_hours_roster"] = slots["staff_roster"] * slots["slot_hours"]
    slots["slot"] = minutes_to_hhmm(slots["slot_minute"])
    summary = (
        slots.groupby("offer_id", sort=True)
        .agg(
            staff_hours_week_needed=("staff_hours_needed", "sum"),
            staff_hours_week_roster_open=("staff_hours_roster", "sum"),
            slots=("status", "size"),
            slots_under=("status", lambda s: int((s == "under").sum())),
            slots_over=("status", lambda s: int((s == "over").sum())),
            slots_matched=("status", lambda s: int((s == "matched").sum())),
        )
        .reset_index()
    )
    summary["staff_hours_week_roster_total"] = [roster_hours_per_week(offers, o) for o in summary["offer_id"]]
    return slots.sort_values(["offer_id", "weekday", "slot_minute"], ignore_index=True), summary


def opening_hours_in_period(offers: Mapping, offer_id: str, days: pd.DatetimeIndex) -> float:
    """Total opening hours over the given opening days (each weekday's intervals summed)."""
    grid = slot_grid(offers[offer_id].get("opening_hours", {}), 60)
    per_weekday = (
        (grid["slot_end_minute"] - grid["slot_minute"]).groupby(grid["weekday"]).sum() / 60.0
    ).to_dict()
    return float(sum(per_weekday.get(int(wd), 0.0) for wd in pd.DatetimeIndex(days).weekday))


def period_days(offers: Mapping) -> int:
    """Calendar days in the dataset period (both ends included)."""
    meta = offers.get("_dataset", {})
    return int((pd.Timestamp(meta["period_end"]) - pd.Timestamp(meta["period_start"])).days) + 1


def budget_for_hours(staff_hours_per_week: float | np.ndarray | pd.Series, staffing: Mapping) -> dict:
    """Annual staff-hours, årsværk and cost of a weekly staff-hour figure (52 weeks, as 1 årsværk = 37 h × 52)."""
    hours_year = np.asarray(staff_hours_per_week, dtype=float) * WEEKS_PER_YEAR
    fte = hours_year / float(staffing["fte_hours_per_year"])
    return {"staff_hours_year": hours_year, "fte": fte, "cost_dkk": fte * float(staffing["cost_per_fte_dkk"])}


def economy(inputs: pd.DataFrame, staffing: Mapping) -> pd.DataFrame:
    """Cost per visit, per active citizen and per opening hour, and the budget at demand-matched staffing.

    `inputs` has one row per offer: offer_id, annual_budget_dkk, period_days, visits, active, referred,
    opening_hours (in the period), staff_hours_week_needed, staff_hours_week_roster_total and fte (current).
    The annual budget is scaled to the period by calendar days (period_days / 365) before dividing by the
    period's visits, active citizens and opening hours. The demand-matched staff budget is the needed
    staff-hours per week × 52 / fte_hours_per_year × cost_per_fte_dkk; the roster and the offer's stated FTE
    are costed the same way so the difference is like for like (other costs are outside this comparison).
    """
    required = [
        "offer_id",
        "annual_budget_dkk",
        "period_days",
        "visits",
        "active",
        "referred",
        "opening_hours",
        "staff_hours_week_needed",
        "staff_hours_week_roster_total",
        "fte",
    ]
    missing = [c for c in required if c not in inputs.columns]
    if missing:
        raise InputError(
            f"economy inputs lack {', '.join(missing)}", fix="pass the columns listed in the docstring"
        )
    out = inputs[required].copy()
    out["budget_period_dkk"] = out["annual_budget_dkk"] * out["period_days"] / 365.0

    def per(denominator: pd.Series) -> pd.Series:
        return (out["budget_period_dkk"] / denominator.where(denominator > 0)).astype(float)

    out["cost_per_visit_dkk"] = per(out["visits"])
    out["cost_per_active_citizen_dkk"] = per(out["active"])
    out["cost_per_referred_citizen_dkk"] = per(out["referred"])
    out["cost_per_opening_hour_dkk"] = per(out["opening_hours"])
    needed = budget_for_hours(out["staff_hours_week_needed"], staffing)
    roster = budget_for_hours(out["staff_hours_week_roster_total"], staffing)
    out["fte_needed"] = needed["fte"]
    out["staff_budget_needed_dkk"] = needed["cost_dkk"]
    out["fte_roster"] = roster["fte"]
    out["staff_budget_roster_dkk"] = roster["cost_dkk"]
    out["staff_budget_stated_fte_dkk"] = out["fte"] * float(staffing["cost_per_fte_dkk"])
    out["staff_budget_change_dkk"] = out["staff_budget_needed_dkk"] - out["staff_budget_roster_dkk"]
    return out.sort_values("offer_id", ignore_index=True)


def scenario(
    model: ArrivalModel,
    offers: Mapping,
    *,
    uplift: float,
    staffing: Mapping,
    level: float = 0.90,
    opening_hours: Mapping | None = None,
) -> tuple[pd.DataFrame, dict]:
    """Staffing and staff cost if demand changes by `uplift` (e.g. 0.2 = 20 % more), optionally other hours.

    Returns the per-slot table (prediction + need + roster where the roster covers the slot) and a summary
    dict: uplift, weekly staff-hours needed, fte and staff budget, peak mean slot occupancy, weekly opening
    hours. With `opening_hours`, arrivals in slots the offer no longer opens are lost (not moved) and slots not
    open today get no arrivals (`rate_known == False`): a deliberate, visible limitation.
    """
    prediction = predict_occupancy(model, scale=1.0 + uplift, level=level, opening_hours=opening_hours)
    need = staffing_need(prediction, staffing)
    roster = roster_by_slot(offers, model.offer_id, model.bin_minutes)
    slots = need.merge(roster, on=["offer_id", *SLOT_COLUMNS], how="left")
    slots["staff_roster"] = slots["staff_roster"].fillna(0.0)
    slots["uplift"] = float(uplift)
    hours = float(slots["staff_hours_needed"].sum())
    cost = budget_for_hours(hours, staffing)
    summary = {
        "offer_id": model.offer_id,
        "uplift": float(uplift),
        "opening_hours_week": float(slots["slot_hours"].sum()),
        "occupancy_mean_max": float(slots["occupancy_mean"].max()) if len(slots) else 0.0,
        "occupancy_quantile_max": float(slots["occupancy_quantile"].max()) if len(slots) else 0.0,
        "staff_hours_week_needed": hours,
        "fte_needed": float(cost["fte"]),
        "staff_budget_needed_dkk": float(cost["cost_dkk"]),
        "slots_without_fitted_rate": int((~slots["rate_known"]).sum()),
    }
    return slots, summary


def scenarios(
    models: Mapping[str, ArrivalModel],
    offers: Mapping,
    uplifts: list[float],
    *,
    staffing: Mapping,
    level: float = 0.90,
    opening_hours: Mapping[str, Mapping] | None = None,
) -> pd.DataFrame:
    """`scenario` summaries for every offer × uplift (opening hours per offer optional), sorted."""
    rows = [
        scenario(
            model,
            offers,
            uplift=float(uplift),
            staffing=staffing,
            level=level,
            opening_hours=(opening_hours or {}).get(offer_id),
        )[1]
        for offer_id, model in sorted(models.items())
        for uplift in uplifts
    ]
    return pd.DataFrame(rows).sort_values(["offer_id", "uplift"], ignore_index=True)
