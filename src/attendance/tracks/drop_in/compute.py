"""Spor 2 — open drop-in place (åbent værested): recommended opening hours, expected peaks and scenarios.

Why this module: a drop-in place has no referral, so nobody knows in advance how many will come. What the
registrations *can* say is when citizens are there today. The report therefore (1) recommends opening hours
from today's demand by slot, (2) predicts daily peaks and unique citizens with the demand stage's fitted
model for those hours, and (3) lets the uncertainty about future demand be carried by explicit scenarios
(`spor2.scenarios`: −20 %, 0, +20 %, +50 % …), each with staffing and staff cost — instead of by today's
referred numbers.

**The opening-hours rule** (`spor2.opening_rule`, `spor2.opening_threshold`,
`spor2.min_opening_hours_per_day`), per offer and weekday, within today's opening hours:

1. each of today's open slots gets the rule's measure (`OPENING_RULES`; default `mean_occupancy` = the
   observed mean number of citizens present in the slot over the period's opening days);
2. the recommended hours are the contiguous span from the first to the last slot whose measure reaches the
   threshold (a slot in between that dips below it stays open: a drop-in place does not close for half an
   hour at noon);
3. if that span is shorter than the minimum hours per day — or no slot reaches the threshold — it is widened
   one slot at a time towards the neighbouring slot with the higher measure (the earlier one on a tie),
   starting from the busiest slot when none reaches the threshold, until the minimum is met or today's
   hours are used up.

The rule never recommends hours outside today's: the data hold no demand where the offer was closed.

**Moved, not lost:** in the recommended-hours scenarios a citizen who today arrives in a slot that would be
closed is assumed to arrive at the next open slot the same day instead (arriving before opening → arrives
at opening); arrivals after the last open slot are lost (`shift_arrivals`). Without this, shortening the
morning would make the citizens who come early disappear for the whole day and flatter the staffing.

This module is the opening-hours rule and `analyse`, the whole track in one call for the notebook (English
columns, no wording); `scenarios` holds the simulated scenarios, `tables` writes it all in Danish for the
report and `figures` draws it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from attendance.demand.model import (
    SLOT_COLUMNS,
    ArrivalModel,
    slot_grid,
)
from attendance.errors import InputError
from attendance.reporting import fmt_time
from attendance.timeofday import minutes_to_hhmm

from .scenarios import scenario_metrics, scenario_table, shift_models

# rule name -> (table, column, Danish description for the report)
OPENING_RULES: dict[str, tuple[str, str, str]] = {
    "mean_occupancy": ("observed", "mean", "gennemsnitligt antal borgere til stede i tidsrummet"),
    "median_occupancy": ("observed", "p50", "medianen af antal borgere til stede i tidsrummet"),
    "p75_occupancy": ("observed", "p75", "75 %-fraktilen af antal borgere til stede i tidsrummet"),
    "p95_occupancy": ("observed", "p95", "95 %-fraktilen af antal borgere til stede i tidsrummet"),
    "predicted_occupancy": (
        "predicted",
        "occupancy_mean",
        "modellens forventede antal borgere til stede i tidsrummet",
    ),
}


def rule_description(rule: str) -> str:
    """The Danish wording of an opening rule (for the report text and the methods section)."""
    return _rule(rule)[2]


def _rule(rule: str) -> tuple[str, str, str]:
    if rule not in OPENING_RULES:
        raise InputError(
            f"unknown spor2.opening_rule {rule!r}",
            file="params.yaml",
            fix=f"use one of {', '.join(OPENING_RULES)}",
        )
    return OPENING_RULES[rule]


# ------------------------------------------------------------------------------------ demand by slot


def today_slots(offers: Mapping, bin_minutes: int) -> pd.DataFrame:
    """Today's open slots per offer × weekday (offer_id, weekday, slot_minute, slot_end_minute, slot_hours)."""
    frames = [
        slot_grid(offer.get("opening_hours", {}), bin_minutes).assign(offer_id=offer_id)
        for offer_id, offer in sorted(offers.items())
        if not str(offer_id).startswith("_")
    ]
    grid = pd.concat(frames, ignore_index=True)
    grid["slot_hours"] = (grid["slot_end_minute"] - grid["slot_minute"]) / 60.0
    return grid[["offer_id", *SLOT_COLUMNS, "slot_hours"]]


def slot_measures(
    offers: Mapping,
    occupancy_summary: pd.DataFrame,
    prediction: pd.DataFrame,
    *,
    rule: str,
    bin_minutes: int,
) -> pd.DataFrame:
    """Per offer × weekday × today's open slot: observed mean occupancy and the opening rule's `measure`.

    `occupancy_summary` is the demand stage's hillmaker summary (measure `occupancy` is used),
    `prediction` its `occupancy_prediction` (today's demand). Slots without a value get 0 (nobody there).
    """
    source, column, _ = _rule(rule)
    grid = today_slots(offers, bin_minutes)
    keys = ["offer_id", "weekday", "slot_minute"]
    observed = occupancy_summary[occupancy_summary["measure"] == "occupancy"]
    observed = observed[[*keys, "mean", "p50", "p75", "p95"]].rename(columns={"mean": "occupancy_mean"})
    out = grid.merge(observed, on=keys, how="left")
    predicted = prediction[[*keys, "occupancy_mean"]].rename(columns={"occupancy_mean": "predicted_mean"})
    out = out.merge(predicted, on=keys, how="left")
    chosen = "predicted_mean" if source == "predicted" else {"mean": "occupancy_mean"}.get(column, column)
    out["measure"] = out[chosen].fillna(0.0)
    out["occupancy_mean"] = out["occupancy_mean"].fillna(0.0)
    out["slot"] = minutes_to_hhmm(out["slot_minute"])
    return out.sort_values(keys, ignore_index=True)[
        ["offer_id", *SLOT_COLUMNS, "slot", "slot_hours", "occupancy_mean", "predicted_mean", "measure"]
    ]


# ------------------------------------------------------------------------------------ the opening rule


def _span(measure: np.ndarray, minutes: np.ndarray, threshold: float, min_minutes: float) -> tuple[int, int]:
    """First and last slot index (inclusive) of the recommended span of one weekday (see module docstring)."""
    reach = np.flatnonzero(measure >= threshold - 1e-12)
    if len(reach):
        lo, hi = int(reach[0]), int(reach[-1])
    else:
        lo = hi = int(np.argmax(measure))
    last = len(measure) - 1
    while minutes[lo : hi + 1].sum() < min_minutes - 1e-9 and (lo > 0 or hi < last):
        left = measure[lo - 1] if lo > 0 else -np.inf
        right = measure[hi + 1] if hi < last else -np.inf
        if right > left:
            hi += 1
        else:
            lo -= 1
    return lo, hi


def recommend_opening_hours(
    slots: pd.DataFrame, *, threshold: float, min_hours_per_day: float
) -> pd.DataFrame:
    """`slots` (from `slot_measures`) with `reaches_threshold` and `recommended` (the slot stays open).

    Loops over offer × weekday groups (at most 14), not over visits.
    """
    if min_hours_per_day < 0:
        raise InputError(
            f"spor2.min_opening_hours_per_day must be ≥ 0 (got {min_hours_per_day})", file="params.yaml"
        )
    out = slots.sort_values(["offer_id", "weekday", "slot_minute"], ignore_index=True).copy()
    out["reaches_threshold"] = out["measure"] >= float(threshold) - 1e-12
    recommended = np.zeros(len(out), dtype=bool)
    for _, index in out.groupby(["offer_id", "weekday"], sort=True).indices.items():
        measure = out["measure"].to_numpy(dtype=float)[index]
        minutes = (out["slot_hours"].to_numpy(dtype=float) * 60.0)[index]
        lo, hi = _span(measure, minutes, float(threshold), float(min_hours_per_day) * 60.0)
        recommended[index[lo : hi + 1]] = True
    out["recommended"] = recommended
    return out


def _intervals(day: pd.DataFrame) -> list[list[str]]:
    """Contiguous runs of slots as [["HH:MM", "HH:MM"], …] (a gap in today's hours stays a gap)."""
    if day.empty:
        return []
    start = day["slot_minute"].to_numpy()
    end = day["slot_end_minute"].to_numpy()
    breaks = np.flatnonzero(start[1:] != end[:-1]) + 1
    firsts = np.concatenate([[0], breaks])
    lasts = np.concatenate([breaks - 1, [len(day) - 1]])
    return [[fmt_time(int(start[i])), fmt_time(int(end[j]))] for i, j in zip(firsts, lasts, strict=True)]


def opening_hours_mapping(slots: pd.DataFrame, column: str | None = "recommended") -> dict[str, dict]:
    """{offer_id: {"0": [["09:30", "15:00"]], …, "6": []}} of the slots where `column` is True (None = all),
    in the format of offers.json and of `staffing.scenarios(opening_hours=…)`."""
    chosen = slots if column is None else slots[slots[column]]
    chosen = chosen.sort_values(["offer_id", "weekday", "slot_minute"])
    result: dict[str, dict] = {}
    for offer_id in sorted(slots["offer_id"].unique()):
        own = chosen[chosen["offer_id"] == offer_id]
        result[offer_id] = {str(wd): _intervals(own[own["weekday"] == wd]) for wd in range(7)}
    return result


def _hours_text(intervals: list[list[str]]) -> str:
    return ", ".join(f"{a}–{b}" for a, b in intervals) if intervals else "lukket"


def opening_hours_summary(slots: pd.DataFrame) -> pd.DataFrame:
    """Per offer × weekday: today's and the recommended hours (as text and hours), the slots reaching the
    threshold, the highest measure, and the share of today's citizen-hours inside the recommended hours."""
    today = opening_hours_mapping(slots, None)
    recommended = opening_hours_mapping(slots, "recommended")
    frame = slots.assign(
        citizen_hours=slots["occupancy_mean"] * slots["slot_hours"],
        kept_hours=slots["slot_hours"].where(slots["recommended"], 0.0),
        kept_citizen_hours=(slots["occupancy_mean"] * slots["slot_hours"]).where(slots["recommended"], 0.0),
    )
    out = (
        frame.groupby(["offer_id", "weekday"], sort=True)
        .agg(
            today_hours=("slot_hours", "sum"),
            recommended_hours=("kept_hours", "sum"),
            slots_reaching_threshold=("reaches_threshold", "sum"),
            measure_max=("measure", "max"),
            citizen_hours=("citizen_hours", "sum"),
            kept_citizen_hours=("kept_citizen_hours", "sum"),
        )
        .reset_index()
    )
    out["today_text"] = [
        _hours_text(today[o][str(w)]) for o, w in zip(out["offer_id"], out["weekday"], strict=True)
    ]
    out["recommended_text"] = [
        _hours_text(recommended[o][str(w)]) for o, w in zip(out["offer_id"], out["weekday"], strict=True)
    ]
    out["citizen_hours_share_kept"] = (
        out["kept_citizen_hours"] / out["citizen_hours"].where(out["citizen_hours"] > 0)
    ).fillna(1.0)
    out["slots_reaching_threshold"] = out["slots_reaching_threshold"].astype("int64")
    return out[
        [
            "offer_id",
            "weekday",
            "today_text",
            "today_hours",
            "recommended_text",
            "recommended_hours",
            "slots_reaching_threshold",
            "measure_max",
            "citizen_hours_share_kept",
        ]
    ]


def week_share_kept(slots: pd.DataFrame, offer_id: str) -> float:
    """Share of one offer's citizen-hours in a week (observed mean present × slot hours) that fall inside the
    recommended hours — how much of today's use the recommendation keeps."""
    own = slots[slots["offer_id"] == offer_id]
    hours = own["occupancy_mean"] * own["slot_hours"]
    total = float(hours.sum())
    return float(hours[own["recommended"]].sum()) / total if total > 0 else 1.0


# ------------------------------------------------------------------------------------- the track in one call


def scenario_uplifts(spor2: Mapping) -> list[float]:
    """The demand changes of `spor2.scenarios`, with "as today" (0) added: it is always shown as the reference."""
    uplifts = [float(u) for u in spor2["scenarios"]]
    if 0.0 not in uplifts:
        uplifts = sorted([*uplifts, 0.0])
    return uplifts


@dataclass(frozen=True)
class DropInAnalysis:
    """Everything the spor 2 report shows, computed once (see `analyse`)."""

    slots: pd.DataFrame  # per offer × weekday × today's slot: the rule's measure and `recommended`
    hours_summary: pd.DataFrame  # `opening_hours_summary`
    recommended_hours: dict[str, dict]  # `opening_hours_mapping` of the recommended slots
    shift: pd.DataFrame  # per offer × weekday: arrivals today, moved and lost (`shift_models`)
    scenarios: pd.DataFrame  # `scenario_table`: per offer × uplift × hours
    scenarios_by_weekday: pd.DataFrame  # `scenario_table`: per offer × hours × uplift × weekday
    base: pd.DataFrame  # `scenarios` at today's demand, indexed by (offer_id, hours)
    week_hours: pd.DataFrame  # per offer: today's and the recommended open hours per week


def analyse(
    offers: Mapping,
    occupancy_summary: pd.DataFrame,
    prediction: pd.DataFrame,
    models: Mapping[str, ArrivalModel],
    draws: pd.DataFrame,
    *,
    spor2: Mapping,
    demand: Mapping,
    staffing: Mapping,
) -> DropInAnalysis:
    """The spor 2 track from the demand stage's outputs and the `spor2`, `demand` and `staffing` parameters:
    the opening-hours rule (`slot_measures` → `recommend_opening_hours`), the arrivals moved by the
    recommended hours (`shift_models`) and every scenario with today's and the recommended hours
    (`scenario_table`, on the demand stage's shared draws — not simulated again)."""
    slots = slot_measures(
        offers,
        occupancy_summary,
        prediction,
        rule=spor2["opening_rule"],
        bin_minutes=int(demand["bin_minutes"]),
    )
    slots = recommend_opening_hours(
        slots,
        threshold=float(spor2["opening_threshold"]),
        min_hours_per_day=float(spor2["min_opening_hours_per_day"]),
    )
    hours_summary = opening_hours_summary(slots)
    recommended_hours = opening_hours_mapping(slots, "recommended")
    _, shift = shift_models(models, recommended_hours)
    scen, scen_weekday = scenario_table(
        models,
        offers,
        scenario_uplifts(spor2),
        staffing=staffing,
        level=float(demand["interval"]),
        recommended_hours=recommended_hours,
        draws=draws,
        n_days=int(demand["simulated_days"]),
        max_scale=float(demand["simulated_max_scale"]),
    )
    return DropInAnalysis(
        slots=slots,
        hours_summary=hours_summary,
        recommended_hours=recommended_hours,
        shift=shift,
        scenarios=scen,
        scenarios_by_weekday=scen_weekday,
        base=scen[scen["uplift"] == 0.0].set_index(["offer_id", "hours"]),
        week_hours=hours_summary.groupby("offer_id")[["today_hours", "recommended_hours"]].sum(),
    )


def track_metrics(
    week_hours: pd.DataFrame, base: pd.DataFrame, scenarios: pd.DataFrame, offer_ids: Sequence[str]
) -> dict[str, dict]:
    """Key figures of this track as DVC metrics (metrics/spor2.json), so `dvc exp show` compares spor 2
    scenarios side by side: open hours today and recommended, and at the recommended hours and today's demand
    the expected daily peak, staff-hours and staff cost, plus every scenario (`scenario_metrics`)."""
    per_scenario = scenario_metrics(scenarios)
    return {
        o: {
            "open_hours_week_today": round(float(week_hours.loc[o, "today_hours"]), 4),
            "open_hours_week_recommended": round(float(week_hours.loc[o, "recommended_hours"]), 4),
            "peak_mean_recommended": round(float(base.loc[(o, "recommended"), "peak_mean"]), 4),
            "staff_hours_week_recommended": round(
                float(base.loc[(o, "recommended"), "staff_hours_week_needed"]), 4
            ),
            "staff_budget_recommended_dkk": round(
                float(base.loc[(o, "recommended"), "staff_budget_needed_dkk"]), 2
            ),
            "scenarios": per_scenario.get(o, {}),
        }
        for o in offer_ids
    }
