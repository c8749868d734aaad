"""Spor 2's scenarios: today's demand model moved to other opening hours and scaled up or down, with the
simulated days' unique citizens, daily peaks and staffing per scenario.

Why a module of its own: this is the part of spor 2 that works on the demand stage's fitted models and shared
simulated arrivals (the "moved, not lost" rule of `compute`'s docstring applied to rates and to draws), apart
from the opening-hours rule that only reads the observed occupancy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from attendance.demand import staffing as staffing_module
from attendance.demand.model import (
    SLOT_COLUMNS,
    ArrivalModel,
    day_grid,
    simulated_day_outcomes,
    slot_grid,
    summarise_days,
)
from attendance.errors import InputError
from attendance.reporting import fmt_number

HOURS_TODAY, HOURS_RECOMMENDED = "today", "recommended"


def shift_arrivals(model: ArrivalModel, opening_hours: Mapping) -> tuple[ArrivalModel, pd.DataFrame]:
    """The model on other opening hours, with arrivals of closed slots moved to the next open slot that day.

    Returns the new model (rates only on the new hours' slots) and per weekday the expected arrivals today,
    moved and lost. A new slot that today's model does not know gets only what is moved into it; a slot
    cut shorter keeps the share of its rate that falls inside (as `demand_model.predict_occupancy` does).
    """
    rates = model.rates[[*SLOT_COLUMNS, "rate"]].copy()
    grid = slot_grid(opening_hours, model.bin_minutes)
    keys = ["weekday", "slot_minute"]
    fitted = rates.rename(columns={"slot_end_minute": "fitted_end", "rate": "fitted_rate"})
    kept = grid.merge(fitted, on=keys, how="left")
    width = (kept["slot_end_minute"] - kept["slot_minute"]).to_numpy(dtype=float)
    fitted_width = (kept["fitted_end"] - kept["slot_minute"]).to_numpy(dtype=float)
    kept["rate"] = (kept["fitted_rate"] * width / fitted_width).fillna(0.0)

    closed = rates.merge(grid[keys], on=keys, how="left", indicator=True)
    closed = closed[closed["_merge"] == "left_only"].drop(columns="_merge")
    moved = pd.merge_asof(
        closed.sort_values("slot_minute"),
        grid[keys].rename(columns={"slot_minute": "target_minute"}).sort_values("target_minute"),
        left_on="slot_minute",
        right_on="target_minute",
        by="weekday",
        direction="forward",
    )
    into = moved.dropna(subset=["target_minute"]).groupby(["weekday", "target_minute"])["rate"].sum()
    into.index = into.index.set_names(keys)
    into = into.rename("moved").reset_index().astype({"slot_minute": "int64"})
    kept = kept.merge(into, on=keys, how="left")
    kept["rate"] = kept["rate"] + kept["moved"].fillna(0.0)

    shifted = replace(
        model,
        rates=kept[[*SLOT_COLUMNS, "rate"]].sort_values(SLOT_COLUMNS, ignore_index=True),
        result=None,
        counts=None,
    )
    lost = moved[moved["target_minute"].isna()].groupby("weekday")["rate"].sum()
    summary = pd.DataFrame({"arrivals_today": rates.groupby("weekday")["rate"].sum()})
    summary["arrivals_moved"] = moved.dropna(subset=["target_minute"]).groupby("weekday")["rate"].sum()
    summary["arrivals_lost"] = lost
    summary = summary.fillna(0.0).reset_index()
    summary.insert(0, "offer_id", model.offer_id)
    return shifted, summary


def shift_models(
    models: Mapping[str, ArrivalModel], opening_hours: Mapping[str, Mapping]
) -> tuple[dict[str, ArrivalModel], pd.DataFrame]:
    """`shift_arrivals` for every offer (opening hours per offer); the summaries stacked."""
    shifted, summaries = {}, []
    for offer_id, model in sorted(models.items()):
        shifted[offer_id], summary = shift_arrivals(model, opening_hours[offer_id])
        summaries.append(summary)
    return shifted, pd.concat(summaries, ignore_index=True)


def relocate_arrivals(
    draws: pd.DataFrame, models: Mapping[str, ArrivalModel], opening_hours: Mapping[str, Mapping]
) -> pd.DataFrame:
    """The shared simulated arrivals (`demand_model.simulate_arrivals`) on other opening hours per offer.

    The same rule as `shift_arrivals`, applied to each simulated citizen instead of to the rates: an arrival in
    a slot that stays open keeps its time (in a slot cut shorter, an arrival after the new end is lost); an
    arrival in a closed slot moves to the next open slot that day, at the same relative position within that
    slot; an arrival after the last open slot is lost. With Poisson arrivals this is the simulation of
    `shift_arrivals`' model (a sum of Poisson counts is Poisson); with NB2 the moved arrivals keep their own
    slot's day effect, which is what moving real citizens would do.
    """
    maps = []
    for offer_id, model in sorted(models.items()):
        today = model.rates[SLOT_COLUMNS].copy()
        grid = slot_grid(opening_hours[offer_id], model.bin_minutes)
        target = grid.rename(columns={"slot_minute": "target_minute", "slot_end_minute": "target_end"})
        mapped = pd.merge_asof(
            today.sort_values("slot_minute"),
            target.sort_values("target_minute"),
            left_on="slot_minute",
            right_on="target_minute",
            by="weekday",
            direction="forward",
        )
        maps.append(mapped.assign(offer_id=offer_id))
    slot_map = pd.concat(maps, ignore_index=True)
    # look every draw's slot up by an integer code (offer, weekday, minute) instead of a merge of a million rows
    offers = sorted(models)
    map_code = (
        pd.Categorical(slot_map["offer_id"], categories=offers).codes.astype(np.int64) * 7
        + slot_map["weekday"].to_numpy(dtype=np.int64)
    ) * 1441 + slot_map["slot_minute"].to_numpy(dtype=np.int64)
    order = np.argsort(map_code)
    draw_code = (
        pd.Categorical(draws["offer_id"].astype(object), categories=offers).codes.astype(np.int64) * 7
        + draws["weekday"].to_numpy(dtype=np.int64)
    ) * 1441 + draws["slot_minute"].to_numpy(dtype=np.int64)
    position = np.clip(np.searchsorted(map_code[order], draw_code), 0, len(order) - 1)
    row = order[position]
    if not np.array_equal(map_code[row], draw_code):
        raise InputError("simulated arrivals in a slot the fitted model does not have", fix="rerun dvc repro")
    arrival = draws["arrival_minute"].to_numpy(dtype=float)
    a = draws["slot_minute"].to_numpy(dtype=float)
    b = draws["slot_end_minute"].to_numpy(dtype=float)
    ta = slot_map["target_minute"].to_numpy(dtype=float)[row]
    tb = slot_map["target_end"].to_numpy(dtype=float)[row]
    stays = ta == a
    moved_to = ta + (arrival - a) / (b - a) * (tb - ta)
    new_arrival = np.where(stays, arrival, moved_to)
    lost = np.isnan(ta) | (stays & (arrival >= tb))
    keep = ~lost
    out = draws.iloc[np.flatnonzero(keep)].copy()
    out["slot_minute"] = ta[keep].astype(draws["slot_minute"].dtype)
    out["slot_end_minute"] = tb[keep].astype(draws["slot_end_minute"].dtype)
    out["arrival_minute"] = new_arrival[keep].astype(draws["arrival_minute"].dtype)
    return out.reset_index(drop=True)


def daily_outlook(
    draws: pd.DataFrame,
    models: Mapping[str, ArrivalModel],
    uplifts: Sequence[float],
    *,
    level: float,
    n_days: int,
    max_scale: float,
    approved_places: Mapping[str, float | None] | None = None,
    opening_hours: Mapping[str, Mapping] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulated opening days per offer × demand change: unique citizens and daily peak.

    From the demand stage's shared draws (`simulated_arrivals`: `n_days` days per weekday drawn at demand
    `max_scale` × today's), thinned to each scenario's scale 1 + uplift and, with `opening_hours`, moved to
    those hours (`relocate_arrivals`) — no new simulation. Returns (per offer × uplift over all weekdays pooled,
    per offer × uplift × weekday): mean and `level` interval of unique citizens and of the daily peak, their
    Monte Carlo error (`demand_model.summarise_days`) and — where the offer has approved places — the share of
    days whose peak exceeds them. Every scenario uses the same random numbers, so differences between
    scenarios are not simulation noise.
    """
    scales = [1.0 + float(u) for u in uplifts]
    too_big = [s for s in scales if s > float(max_scale) + 1e-12]
    if too_big:
        raise InputError(
            f"spor2.scenarios asks for demand × {fmt_number(max(too_big), 2)}, above "
            f"demand.simulated_max_scale = {fmt_number(float(max_scale), 2)} (the simulation covers up to that)",
            file="params.yaml",
            fix=f"set demand.simulated_max_scale to at least {max(too_big):g} "
            f"(dvc exp run -S demand.simulated_max_scale={max(too_big):g} …)",
        )
    use = draws if opening_hours is None else relocate_arrivals(draws, models, opening_hours)
    days = simulated_day_outcomes(use, day_grid(models, opening_hours), scales, n_days=n_days)
    by_scale = {1.0 + float(u): float(u) for u in uplifts}  # the uplift exactly as given (0.2, not 0.19999…)
    days["uplift"] = days["scale"].map(by_scale)
    places = pd.Series({k: (np.nan if v is None else float(v)) for k, v in (approved_places or {}).items()})
    days["approved_places"] = days["offer_id"].map(places).astype(float)
    days["over_places"] = (days["peak"] > days["approved_places"]).astype(float)
    days.loc[days["approved_places"].isna(), "over_places"] = np.nan

    def summarise(keys: list[str]) -> pd.DataFrame:
        out = summarise_days(days, keys, level=level)
        extra = days.groupby(keys, sort=True).agg(
            approved_places=("approved_places", "first"), share_days_over_places=("over_places", "mean")
        )
        return out.merge(extra.reset_index(), on=keys, how="left")

    return summarise(["offer_id", "uplift"]), summarise(["offer_id", "uplift", "weekday"])


def scenario_table(
    models: Mapping[str, ArrivalModel],
    offers: Mapping,
    uplifts: Sequence[float],
    *,
    staffing: Mapping,
    level: float,
    recommended_hours: Mapping[str, Mapping],
    draws: pd.DataFrame,
    n_days: int,
    max_scale: float,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every demand scenario with today's and with the recommended opening hours.

    Staffing and staff cost come from `staffing.scenarios` (quantile planning, citizens per staff, minimum on
    duty); expected unique citizens, daily peaks and the capacity check from `daily_outlook` on the demand
    stage's shared draws (`draws`, `n_days` days per weekday up to demand × `max_scale`). With the recommended
    hours the models are first `shift_models`-ed (arrivals moved to the next open slot) and so are the
    simulated arrivals (`relocate_arrivals`).
    Returns (scenario table per offer × hours × uplift, per-weekday peaks per offer × hours × uplift).
    """
    uplifts = [float(u) for u in uplifts]
    if not uplifts:
        raise InputError(
            "spor2.scenarios is empty", file="params.yaml", fix="list e.g. [-0.2, 0.0, 0.2, 0.5]"
        )
    places = {offer_id: offers[offer_id].get("approved_places") for offer_id in models if offer_id in offers}
    shifted, _ = shift_models(models, recommended_hours)
    tables, weekdays = [], []
    for hours, use_models, opening in (
        (HOURS_TODAY, models, None),
        (HOURS_RECOMMENDED, shifted, recommended_hours),
    ):
        staff = staffing_module.scenarios(
            dict(use_models), offers, uplifts, staffing=staffing, level=level, opening_hours=opening
        )
        pooled, by_weekday = daily_outlook(
            draws,
            models,
            uplifts,
            level=level,
            n_days=n_days,
            max_scale=max_scale,
            approved_places=places,
            opening_hours=opening,
        )
        tables.append(staff.merge(pooled, on=["offer_id", "uplift"], how="left").assign(hours=hours))
        weekdays.append(by_weekday.assign(hours=hours))
    table = pd.concat(tables, ignore_index=True)
    order = {HOURS_TODAY: 0, HOURS_RECOMMENDED: 1}
    table = table.sort_values(
        ["offer_id", "uplift", "hours"],
        key=lambda s: s.map(order) if s.name == "hours" else s,
        ignore_index=True,
    )
    by_weekday = pd.concat(weekdays, ignore_index=True)
    return table, by_weekday


def scenario_key(uplift: float) -> str:
    """A metric key for a demand scenario without dots or signs (DVC joins keys with dots): 0.2 → "plus_20pct"."""
    percent = round(abs(float(uplift)) * 100, 4)
    if percent == 0:
        return "today"
    number = f"{percent:g}".replace(".", "_")
    return f"{'plus' if uplift > 0 else 'minus'}_{number}pct"


def scenario_metrics(table: pd.DataFrame, hours: str = HOURS_RECOMMENDED) -> dict[str, dict[str, dict]]:
    """Per offer and demand scenario (with the recommended hours): expected daily peak, staff hours and cost,
    so that `dvc exp run -S spor2.scenarios=…` shows its scenarios in `dvc exp show` / `attendance compare`."""
    chosen = table[table["hours"] == hours]
    metrics: dict[str, dict[str, dict]] = {}
    for row in chosen.itertuples(index=False):
        metrics.setdefault(str(row.offer_id), {})[scenario_key(row.uplift)] = {
            "peak_mean": round(float(row.peak_mean), 4),
            "staff_hours_week": round(float(row.staff_hours_week_needed), 4),
            "staff_budget_dkk": round(float(row.staff_budget_needed_dkk), 2),
        }
    return metrics
