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
from attendance.reporting import (
    MINUS,
    PALETTE,
    fmt_int,
    fmt_number,
    fmt_pct,
    fmt_time,
    join_da,
    slot_words,
    suppress_small,
    use_danish_axes,
    weekday_name,
)
from attendance.timeofday import minutes_to_hhmm

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

HOURS_TODAY, HOURS_RECOMMENDED = "today", "recommended"
HOURS_LABELS_DA = {HOURS_TODAY: "Nuværende åbningstid", HOURS_RECOMMENDED: "Anbefalet åbningstid"}


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


# ------------------------------------------------------------------------------ predictions and scenarios


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


def scenario_label(uplift: float) -> str:
    """0.2 -> "+20 %", -0.2 -> "−20 %", 0 -> "Som i dag"."""
    if abs(float(uplift)) < 1e-12:
        return "Som i dag"
    text = fmt_pct(abs(float(uplift)), 0)
    return f"+{text}" if uplift > 0 else f"{MINUS}{text}"


# ------------------------------------------------------------------------------------------------ figures


def plot_opening_hours(slots: pd.DataFrame, offer_id: str, *, threshold: float, measure_label: str):
    """One panel per weekday: the rule's measure per slot of today's hours, recommended slots dark, the
    threshold as a dashed line — so a reader sees why each slot is kept or dropped."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    own = slots[slots["offer_id"] == offer_id]
    weekdays = sorted(own["weekday"].unique())
    fig, axes = plt.subplots(1, len(weekdays), figsize=(10, 3.6), sharey=True, squeeze=False)
    top = max(float(own["measure"].max()), float(threshold)) * 1.12
    first, last = int(own["slot_minute"].min()), int(own["slot_end_minute"].max())
    for ax, weekday in zip(axes[0], weekdays, strict=True):
        day = own[own["weekday"] == weekday]
        colors = np.where(day["recommended"], PALETTE[0], "#c9d3df")
        centres = (day["slot_minute"] + day["slot_end_minute"]) / 2.0 / 60.0
        widths = (day["slot_end_minute"] - day["slot_minute"]) / 60.0 * 0.9
        ax.bar(centres, day["measure"], width=widths, color=colors)
        ax.axhline(threshold, color=PALETTE[1], linestyle="--", linewidth=1.2)
        ax.set_title(weekday_name(weekday).capitalize(), loc="center")
        ax.set_xlim(first / 60.0, last / 60.0)
        ticks = np.arange(np.ceil(first / 60.0), np.floor(last / 60.0) + 1, 2)
        ax.set_xticks(ticks, [f"{int(t):02d}" for t in ticks])
        ax.set_ylim(0, top)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(axis="x", visible=False)
        ax.set_xlabel("Klokken")
        use_danish_axes(ax, x=False)
    axes[0][0].set_ylabel(measure_label)
    handles = [
        Patch(color=PALETTE[0], label="Anbefalet åben"),
        Patch(color="#c9d3df", label="Åben i dag, foreslås lukket"),
        plt.Line2D([], [], color=PALETTE[1], linestyle="--", label=f"Tærskel ({fmt_number(threshold, 1)})"),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=3, bbox_to_anchor=(0.5, -0.08))
    fig.tight_layout()
    return fig


def plot_scenario_peaks(table: pd.DataFrame, offer_names: Mapping[str, str]):
    """Expected daily peak with its interval per scenario, today's vs the recommended hours, one panel per
    offer, with the approved places as a line where the offer has them."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    offers = sorted(table["offer_id"].unique())
    fig, axes = plt.subplots(1, len(offers), figsize=(10, 3.8), squeeze=False)
    offsets = {HOURS_TODAY: -0.17, HOURS_RECOMMENDED: 0.17}
    colors = {HOURS_TODAY: "#8fa9c4", HOURS_RECOMMENDED: PALETTE[0]}
    for ax, offer_id in zip(axes[0], offers, strict=True):
        own = table[table["offer_id"] == offer_id]
        uplifts = sorted(own["uplift"].unique())
        x = np.arange(len(uplifts))
        for hours, offset in offsets.items():
            rows = own[own["hours"] == hours].set_index("uplift").loc[uplifts]
            lower = rows["peak_mean"] - rows["peak_lower"]
            upper = rows["peak_upper"] - rows["peak_mean"]
            ax.errorbar(
                x + offset,
                rows["peak_mean"],
                yerr=[lower, upper],
                fmt="o",
                color=colors[hours],
                capsize=4,
                label=HOURS_LABELS_DA[hours],
            )
        places = own["approved_places"].dropna()
        if len(places):
            ax.axhline(float(places.iloc[0]), color=PALETTE[4], linestyle="--", linewidth=1.2)
            ax.annotate(
                f"Godkendte pladser ({fmt_number(float(places.iloc[0]), 0)})",
                (x[0] - 0.4, float(places.iloc[0])),
                xytext=(0, 4),
                textcoords="offset points",
                color=PALETTE[4],
                fontsize=9,
            )
        ax.set_xticks(x, [scenario_label(u) for u in uplifts])
        ax.set_xlim(-0.5, len(uplifts) - 0.5)
        ax.set_title(offer_names.get(offer_id, offer_id))
        ax.set_xlabel("Ændring i efterspørgsel")
        top = max(float(own["peak_upper"].max()), float(places.max()) if len(places) else 0.0)
        ax.set_ylim(bottom=0, top=top * 1.15)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        use_danish_axes(ax, x=False, decimals=0)
    axes[0][0].set_ylabel("Højeste antal til stede samtidig pr. dag")
    _legend_below(fig, axes[0][0])
    return fig


def plot_scenario_staffing(table: pd.DataFrame, offer_names: Mapping[str, str]):
    """Staff-hours per week needed per scenario, today's vs the recommended hours, one panel per offer."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    offers = sorted(table["offer_id"].unique())
    fig, axes = plt.subplots(1, len(offers), figsize=(10, 3.6), squeeze=False)
    colors = {HOURS_TODAY: "#8fa9c4", HOURS_RECOMMENDED: PALETTE[0]}
    for ax, offer_id in zip(axes[0], offers, strict=True):
        own = table[table["offer_id"] == offer_id]
        uplifts = sorted(own["uplift"].unique())
        x = np.arange(len(uplifts))
        for i, hours in enumerate((HOURS_TODAY, HOURS_RECOMMENDED)):
            rows = own[own["hours"] == hours].set_index("uplift").loc[uplifts]
            bars = ax.bar(
                x + (i - 0.5) * 0.38,
                rows["staff_hours_week_needed"],
                width=0.36,
                color=colors[hours],
                label=HOURS_LABELS_DA[hours],
            )
            ax.bar_label(bars, labels=[fmt_number(v, 1) for v in rows["staff_hours_week_needed"]], fontsize=8)
        ax.set_xticks(x, [scenario_label(u) for u in uplifts])
        ax.set_title(offer_names.get(offer_id, offer_id))
        ax.set_xlabel("Ændring i efterspørgsel")
        ax.set_ylim(0, float(own["staff_hours_week_needed"].max()) * 1.18)
        ax.grid(axis="x", visible=False)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        use_danish_axes(ax, x=False, decimals=0)
    axes[0][0].set_ylabel("Personaletimer pr. uge")
    _legend_below(fig, axes[0][0])
    return fig


def _legend_below(fig, ax) -> None:
    """One legend for the whole figure, centred under the panels, where it cannot cover a bar or a point."""
    handles, labels = ax.get_legend_handles_labels()
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    fig.legend(handles, labels, loc="lower center", ncol=len(handles), bbox_to_anchor=(0.5, 0.0), fontsize=9)


# ------------------------------------------------------------------------------------ tables for the report


def interval_text(lower: float, upper: float) -> str:
    """An interval of whole citizens as "11–26"."""
    return f"{fmt_number(lower, 0)}–{fmt_number(upper, 0)}"


def mean_interval_text(mean: float, lower: float, upper: float) -> str:
    """A mean with its interval as "18,4 (11–26)", kept on one line in a table cell."""
    return _no_break(f"{fmt_number(mean, 1)}\u00a0({interval_text(lower, upper)})")


def places_text(places: float | None) -> str:
    """An offer's approved places for a key-figure note: "30 godkendte pladser" or "intet godkendt pladstal"."""
    if places is None or (isinstance(places, float) and np.isnan(places)):
        return "intet godkendt pladstal"
    return f"{fmt_int(places)} godkendte pladser"


def places_line_text(offers: Mapping[str, Mapping], names: Mapping[str, str]) -> str:
    """The sentence that explains the dashed places line of `plot_scenario_peaks`, from the offers' data."""
    with_places = [names[o] for o in names if (offers.get(o) or {}).get("approved_places") is not None]
    if not with_places:
        return "Ingen af tilbuddene har et godkendt pladstal, så der er ingen linje for pladser."
    lead = (
        "Den stiplede linje er tilbuddets godkendte pladser."
        if len(names) == 1
        else f"Den stiplede linje er de godkendte pladser ({join_da(with_places)})."
        if len(with_places) < len(names)
        else "Den stiplede linje er tilbuddets godkendte pladser i hvert panel."
    )
    return (
        f"{lead} Læs: jo tættere stregens top kommer på linjen, jo oftere vil der være flere end pladstallet."
    )


def capacity_text(
    table: pd.DataFrame,
    offer_id: str,
    name: str,
    places: float | None,
    peak_max: float,
    level_text: str,
) -> str:
    """One offer's paragraph of the capacity section: approved places against the expected daily peaks.

    `table` is `scenario_table`'s first result; `peak_max` the highest concurrent attendance registered.
    An offer without approved places gets the sentence that its capacity cannot be compared.
    """
    if places is None or (isinstance(places, float) and np.isnan(places)):
        return (
            f"{name} har intet godkendt pladstal, så kapaciteten kan ikke sammenlignes. Forventet dagsmaksimum "
            f"for {name} står i tabellerne ovenfor og i scenarierne nedenfor; hvis {name} bliver et åbent "
            "værested, bør der fastsættes et pladstal ud fra lokalerne."
        )
    own = table[(table["offer_id"] == offer_id) & (table["hours"] == "recommended")].set_index("uplift")
    top = float(max(own.index))
    worst = own.loc[top]
    limiting = worst["share_days_over_places"] >= 0.05
    growth = (
        f"Stiger efterspørgslen {fmt_pct(top, 0)}, overskrides pladstallet på "
        f"{share_of_days_text(worst['share_days_over_places'])} (forventet dagsmaksimum "
        f"{fmt_number(worst['peak_mean'])}, interval {interval_text(worst['peak_lower'], worst['peak_upper'])}). "
        if top > 0
        else ""
    )
    today = own.loc[0.0]
    return (
        f"{name} er godkendt til {fmt_int(places)} pladser. I registreringsperioden var der højst "
        f"{fmt_int(peak_max)} borgere til stede samtidig. Med den anbefalede åbningstid og uændret efterspørgsel "
        f"forventes dagsmaksimum at ligge mellem {interval_text(today['peak_lower'], today['peak_upper'])} på "
        f"{level_text} af dagene, og pladstallet overskrides på "
        f"{share_of_days_text(today['share_days_over_places'])}. "
        + growth
        + (
            f"Pladstallet i {name} er altså allerede med dagens efterspørgsel en begrænsning, som et åbent "
            "værested skal tage stilling til (fx flere lokaler eller et loft over antal samtidige gæster)."
            if today["share_days_over_places"] >= 0.05
            else f"Pladstallet bliver altså kun sjældent en begrænsning for et åbent værested i {name}, også i det "
            "største scenarie; bemandingen betyder mere for økonomien."
            if not limiting
            else f"I det største scenarie bliver pladstallet i {name} altså en begrænsning, som et åbent værested "
            "skal tage stilling til (fx flere lokaler eller et loft over antal samtidige gæster)."
        )
    )


def share_of_days_text(share: float) -> str:
    """How often a simulated day exceeds a limit, in words a reader can use ("under 0,1 % af dagene")."""
    if share <= 0:
        return "ingen af de beregnede dage"
    if share < 0.001:
        return "under 0,1 % af dagene"
    return f"{fmt_pct(share, 1)} af dagene"


def _no_break(text: str) -> str:
    """Keep "09:00–15:00" on one line in a narrow table column (word joiners around the dash)."""
    return text.replace("–", "\u2060–\u2060")


def hours_table_da(summary: pd.DataFrame, shift: pd.DataFrame, offer_id: str) -> pd.DataFrame:
    """Today's vs the recommended opening hours of one offer per weekday, with Danish column names."""
    own = summary[summary["offer_id"] == offer_id].merge(shift, on=["offer_id", "weekday"], how="left")
    return pd.DataFrame(
        {
            "Ugedag": [weekday_name(w) for w in own["weekday"]],
            "Åbningstid i dag": [_no_break(t) for t in own["today_text"]],
            "Anbefalet åbningstid": [_no_break(t) for t in own["recommended_text"]],
            "Timer i dag": own["today_hours"].to_numpy(),
            "Timer anbefalet": own["recommended_hours"].to_numpy(),
            "Andel af borgertimerne inden for anbefalet tid": own["citizen_hours_share_kept"].to_numpy(),
            "Ankomster pr. dag, der flyttes til åbning": own["arrivals_moved"].fillna(0.0).to_numpy(),
        }
    )


def weekday_check_da(
    observed: pd.DataFrame, by_weekday: pd.DataFrame, offer_id: str, *, suppress_below: int
) -> pd.DataFrame:
    """Observed unique citizens and daily peaks per weekday (`kpis_by_weekday`) beside the model's
    expectation at today's hours and demand — the check that the model reproduces today before it is used
    for other hours and scenarios. Observed counts of citizens go through `report.suppress_small`."""
    own = observed[observed["offer_id"] == offer_id].sort_values("weekday")
    model = by_weekday[
        (by_weekday["offer_id"] == offer_id)
        & (by_weekday["hours"] == HOURS_TODAY)
        & (by_weekday["uplift"] == 0.0)
    ].set_index("weekday")
    model = model.reindex(own["weekday"])
    table = pd.DataFrame(
        {
            "Ugedag": [weekday_name(w) for w in own["weekday"]],
            "Unikke, gns.": own["unique_mean"].to_numpy(),
            "Færrest": own["unique_min"].to_numpy(),
            "Flest": own["unique_max"].to_numpy(),
            "Unikke, model (interval)": [
                mean_interval_text(m, a, b)
                for m, a, b in zip(
                    model["unique_mean"], model["unique_lower"], model["unique_upper"], strict=True
                )
            ],
            "Dagsmaks., gns.": own["peak_mean"].to_numpy(),
            "Højeste": own["peak_max"].to_numpy(),
            "Dagsmaks., model (interval)": [
                mean_interval_text(m, a, b)
                for m, a, b in zip(model["peak_mean"], model["peak_lower"], model["peak_upper"], strict=True)
            ],
        }
    )
    return suppress_small(table, ["Færrest", "Flest", "Højeste"], suppress_below)


def recommended_weekday_da(summary: pd.DataFrame, by_weekday: pd.DataFrame, offer_id: str) -> pd.DataFrame:
    """Per weekday with the recommended hours at today's demand: expected unique citizens and daily peak."""
    hours = summary[summary["offer_id"] == offer_id].set_index("weekday")
    rows = by_weekday[
        (by_weekday["offer_id"] == offer_id)
        & (by_weekday["hours"] == HOURS_RECOMMENDED)
        & (by_weekday["uplift"] == 0.0)
    ].sort_values("weekday")
    return pd.DataFrame(
        {
            "Ugedag": [weekday_name(w) for w in rows["weekday"]],
            "Anbefalet åbningstid": [_no_break(t) for t in hours.loc[rows["weekday"], "recommended_text"]],
            "Unikke borgere, forventet (interval)": [
                mean_interval_text(m, a, b)
                for m, a, b in zip(
                    rows["unique_mean"], rows["unique_lower"], rows["unique_upper"], strict=True
                )
            ],
            "Dagsmaksimum, forventet (interval)": [
                mean_interval_text(m, a, b)
                for m, a, b in zip(rows["peak_mean"], rows["peak_lower"], rows["peak_upper"], strict=True)
            ],
        }
    )


def _scenario_keys(own: pd.DataFrame) -> dict[str, list[str]]:
    return {
        "Efterspørgsel": [scenario_label(u) for u in own["uplift"]],
        "Åbningstid": [HOURS_LABELS_DA[h].split()[0].lower() for h in own["hours"]],
    }


def busiest_slot_column(bin_minutes: int = 30) -> str:
    """The scenario table's column of the busiest slot, named by the slot width ("Travleste halve time, …")."""
    return f"Travleste {slot_words(bin_minutes)['per']}, gns. til stede"


def scenario_attendance_da(table: pd.DataFrame, offer_id: str, bin_minutes: int = 30) -> pd.DataFrame:
    """One offer's scenarios (demand change × opening hours): expected attendance, peaks and capacity."""
    own = table[table["offer_id"] == offer_id]
    out = pd.DataFrame(
        {
            **_scenario_keys(own),
            "Unikke borgere pr. dag (interval)": [
                mean_interval_text(m, a, b)
                for m, a, b in zip(own["unique_mean"], own["unique_lower"], own["unique_upper"], strict=True)
            ],
            "Dagsmaksimum (interval)": [
                mean_interval_text(m, a, b)
                for m, a, b in zip(own["peak_mean"], own["peak_lower"], own["peak_upper"], strict=True)
            ],
            busiest_slot_column(bin_minutes): own["occupancy_mean_max"].to_numpy(),
            "Dage over godkendte pladser": own["share_days_over_places"].to_numpy(),
        }
    )
    if own["approved_places"].isna().all():
        out = out.drop(columns="Dage over godkendte pladser")
    return out


def scenario_staffing_da(table: pd.DataFrame, offer_id: str) -> pd.DataFrame:
    """One offer's scenarios (demand change × opening hours): opening hours, staff-hours, FTE and staff cost."""
    own = table[table["offer_id"] == offer_id]
    return pd.DataFrame(
        {
            **_scenario_keys(own),
            "Åbne timer pr. uge": own["opening_hours_week"].to_numpy(),
            "Personaletimer pr. uge": own["staff_hours_week_needed"].to_numpy(),
            "Årsværk": own["fte_needed"].to_numpy(),
            "Lønudgift pr. år": own["staff_budget_needed_dkk"].to_numpy(),
        }
    )


def week_share_kept(slots: pd.DataFrame, offer_id: str) -> float:
    """Share of one offer's citizen-hours in a week (observed mean present × slot hours) that fall inside the
    recommended hours — how much of today's use the recommendation keeps."""
    own = slots[slots["offer_id"] == offer_id]
    hours = own["occupancy_mean"] * own["slot_hours"]
    total = float(hours.sum())
    return float(hours[own["recommended"]].sum()) / total if total > 0 else 1.0
