"""The decision basis: 1–3 (or more) models, each a track choice per offer, on one cost basis.

A model (`decision.models` in params.yaml) is `default` — the choice for every offer of the dataset — plus
`overrides` naming offers by id that get another choice. Why offer-agnostic: the same params.yaml must run on
the demo, a one-offer and a three-offer dataset (and the municipality's real data), so the default models name
no offer; an override naming an offer the dataset lacks stops with one line naming the model and the offers
there are.

Each choice reuses the track's own computation, so a figure here is the figure of the track report:

- `paragraph_104` (spor 1): staff matched to attendance in today's opening hours (`staffing.scenario`), plus
  individual goal follow-up (`spor1.goal_followup_hours_per_citizen_per_quarter`) for the active citizens.
- `drop_in` (spor 2): staff for the recommended opening hours with arrivals shifted to them
  (`track_drop_in`), no individual documentation.
- `workshop_103` (spor 3): supervisors for the target group's presence in the workshop day
  (`track_employment.workshop_plan`), with goal follow-up for the participants.
- `drop_in_and_workshop_103`: both, in the same premises (the drop-in's demand is not reduced by the
  workshop: a cautious assumption).

Every choice is costed by `economy.annual_cost`: floor hours + preparation (per member of staff on duty a
day) + documentation, plus the management share, at the hourly cost of a net årsværk, plus premises and
running costs. Today's cost is `economy.today_cost` (the roster). The tool never recommends a model.

This module is the computation (models, costs, sensitivity, metrics); the Danish tables and texts are in
`tables`, the tornado figure in `figures`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from attendance import economy as eco
from attendance.demand import staffing as staffing_module
from attendance.demand.kpis import USAGE_BANDS
from attendance.demand.model import ArrivalModel, load_models
from attendance.errors import InputError

from .. import drop_in as td
from .. import employment as te
from .. import referral as tr

QUARTERS_PER_YEAR = 4
WEEKS_PER_YEAR = staffing_module.WEEKS_PER_YEAR
CHOICES = ("paragraph_104", "drop_in", "workshop_103", "drop_in_and_workshop_103")
TRACKS = ("paragraph_104", "drop_in", "workshop_103")  # the three tracks as models on every offer

# Which referred citizens need a new decision (revisitation) under each choice, by usage band.
AFFECTED_BANDS = {
    # the referral is reconsidered for those who never came; those who came get individual goals. (Who came
    # rarely is in spor 1's band table; adding them here would let a suppressed band be computed back.)
    "paragraph_104": ("0",),
    "drop_in": tuple(USAGE_BANDS),  # the referral ends for everyone
    "workshop_103": tuple(USAGE_BANDS),  # the § 104 offer ends; a few move to § 103, the others elsewhere
    "drop_in_and_workshop_103": tuple(USAGE_BANDS),
}


# --------------------------------------------------------------------------------------------------------
# Inputs and settings
# --------------------------------------------------------------------------------------------------------


@dataclass
class DecisionInputs:
    """What the models are computed from, loaded once (the fitted demand models, today's attendance)."""

    offers: dict
    offer_ids: list[str]
    models: dict[str, ArrivalModel]
    shifted: dict[str, ArrivalModel]  # arrivals moved into the recommended drop-in hours
    recommended_hours: dict[str, dict]
    presence: pd.DataFrame  # the § 103 target group's presence per workshop slot (track_employment)
    members: dict[str, int]  # target group size per offer
    headline: pd.DataFrame  # per offer: referred, active, visits … (demand stage's headline_kpis)
    band_counts: pd.DataFrame  # referred citizens per offer × usage band
    level: float
    # staff plans already computed, by what they depend on: the sensitivity analysis asks for the same plan
    # dozens of times (varying cost assumptions does not change the roster), and a plan is a slot-by-slot
    # queue model — most of the decision report's time before
    plans: dict = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class Settings:
    """The assumptions a model's cost depends on (varied one at a time by `sensitivity`)."""

    staffing: Mapping
    basis: eco.CostBasis
    followup_hours_per_quarter: float
    participants_per_supervisor: float
    demand_change: float = 0.0


def settings_from_params(params: Mapping) -> Settings:
    """Settings from params.yaml's sections; a track report passes only the sections its stage declares
    (spor 2 has no follow-up hours: a drop-in place documents nothing per citizen)."""
    spor1, spor3 = params.get("spor1") or {}, params.get("spor3") or {}
    return Settings(
        staffing=dict(params["staffing"]),
        basis=eco.cost_basis(params["staffing"], params["economy"]),
        followup_hours_per_quarter=float(spor1.get("goal_followup_hours_per_citizen_per_quarter", 0.0)),
        participants_per_supervisor=float(spor3.get("participants_per_supervisor", float("nan"))),
    )


def track_cost(inputs: DecisionInputs, track: str, settings: Settings) -> tuple[pd.DataFrame, dict]:
    """One track on every offer, as the decision report costs it: per offer rows and the totals (with
    today's cost and the change) — the shared figures a track report's headline shows."""
    per_offer, totals = evaluate(inputs, {track: dict.fromkeys(inputs.offer_ids, track)}, settings)
    return per_offer, totals.iloc[0].to_dict()


def load_inputs(processed: Path, params: Mapping) -> DecisionInputs:
    """Everything the decision needs from data/processed, computed with the tracks' own functions."""
    processed = Path(processed)
    demand_dir = processed / "demand"
    offers = json.loads((processed / "offers.json").read_text(encoding="utf-8"))
    offer_ids = sorted(k for k in offers if not k.startswith("_"))
    models = load_models(demand_dir)
    summary = pd.read_parquet(demand_dir / "occupancy_summary.parquet")
    prediction = pd.read_parquet(demand_dir / "occupancy_prediction.parquet")
    headline = pd.read_parquet(demand_dir / "headline_kpis.parquet").set_index("offer_id")
    bands = pd.read_parquet(demand_dir / "usage_bands.parquet")
    visits = pd.read_parquet(processed / "visits.parquet")
    bin_minutes = int(params["demand"]["bin_minutes"])

    # a track report loads only what its own track needs (spor 1 has no spor2/spor3 parameters)
    recommended, shifted = {}, {}
    if "spor2" in params:
        spor2 = params["spor2"]
        slots = td.slot_measures(
            offers, summary, prediction, rule=spor2["opening_rule"], bin_minutes=bin_minutes
        )
        slots = td.recommend_opening_hours(
            slots,
            threshold=float(spor2["opening_threshold"]),
            min_hours_per_day=float(spor2["min_opening_hours_per_day"]),
        )
        recommended = td.opening_hours_mapping(slots, "recommended")
        shifted, _ = td.shift_models(models, recommended)

    presence, member_counts = pd.DataFrame(columns=["offer_id"]), {}
    if "spor3" in params:
        spor3 = params["spor3"]
        regularity = te.citizen_regularity(visits, offers, spor3["workshop_day"])
        members = te.target_group(regularity, spor3)
        presence = te.presence_by_slot(
            visits,
            offers,
            members,
            spor3["workshop_day"],
            bin_minutes,
            float(params["staffing"]["occupancy_quantile"]),
        )
        member_counts = {o: int((members["offer_id"] == o).sum()) for o in offer_ids}
    return DecisionInputs(
        offers=offers,
        offer_ids=offer_ids,
        models=dict(models),
        shifted=dict(shifted),
        recommended_hours=recommended,
        presence=presence,
        members=member_counts,
        headline=headline,
        band_counts=tr.band_counts(bands),
        level=float(params["demand"]["interval"]),
    )


# --------------------------------------------------------------------------------------------------------
# Models: a choice per offer
# --------------------------------------------------------------------------------------------------------


def resolve_models(specs: Sequence[Mapping], offer_ids: Sequence[str]) -> dict[str, dict[str, str]]:
    """decision.models → {model key: {offer id: choice}}; an override naming an absent offer is one line."""
    if not specs:
        raise InputError(
            "decision.models is empty", file="params.yaml", fix="name 1–3 models (see params.yaml)"
        )
    out = {}
    for spec in specs:
        key = spec["key"]
        for name, choice in (("default", spec["default"]), *spec.get("overrides", {}).items()):
            if choice not in CHOICES:
                raise InputError(
                    f"decision.models {key}: {name} = {choice!r} is not a choice",
                    file="params.yaml",
                    fix=f"use one of {', '.join(CHOICES)}",
                )
        unknown = sorted(set(spec.get("overrides", {})) - set(offer_ids))
        if unknown:
            raise InputError(
                f"decision.models {key}: overrides name offer {unknown[0]!r}, which is not in this dataset "
                f"(offers: {', '.join(offer_ids)})",
                file="params.yaml",
                fix="use an offer id from offers.yaml, or remove the override",
            )
        out[key] = {o: spec.get("overrides", {}).get(o, spec["default"]) for o in offer_ids}
    return out


def _remembered(inputs: DecisionInputs, compute, *key_parts) -> tuple[float, dict]:
    """A plan from `inputs.plans` under what it depends on, computed the first time; a copy of its per-day
    staff, which offer_option adds the workshop's staff to."""
    key = json.dumps(key_parts, sort_keys=True, default=str)
    if key not in inputs.plans:
        inputs.plans[key] = compute()
    floor, per_day = inputs.plans[key]
    return floor, dict(per_day)


def _staff_plan(
    model: ArrivalModel, inputs: DecisionInputs, settings: Settings, opening_hours=None, *, cache_as: tuple
):
    """Floor hours per week and staff on duty per opening day (its highest slot) from `staffing.scenario`;
    remembered in `inputs.plans` under `cache_as` (which model this is) with the settings it depends on."""
    return _remembered(
        inputs,
        lambda: _compute_staff_plan(model, inputs, settings, opening_hours),
        "staff",
        cache_as,
        settings.staffing,
        settings.demand_change,
    )


def _compute_staff_plan(model: ArrivalModel, inputs: DecisionInputs, settings: Settings, opening_hours):
    slots, summary = staffing_module.scenario(
        model,
        inputs.offers,
        uplift=settings.demand_change,
        staffing=settings.staffing,
        level=inputs.level,
        opening_hours=opening_hours,
    )
    open_slots = slots[slots["staff_needed"] > 0]
    per_day = open_slots.groupby("weekday")["staff_needed"].max().astype(float).to_dict()
    return float(summary["staff_hours_week_needed"]), per_day


def _workshop_plan(offer_id: str, inputs: DecisionInputs, settings: Settings):
    return _remembered(
        inputs,
        lambda: _compute_workshop_plan(offer_id, inputs, settings),
        "workshop",
        offer_id,
        settings.staffing,
        settings.participants_per_supervisor,
    )


def _compute_workshop_plan(offer_id: str, inputs: DecisionInputs, settings: Settings):
    presence = inputs.presence[inputs.presence["offer_id"] == offer_id]
    if presence.empty:
        return 0.0, {}
    slots, summary = te.workshop_plan(
        presence, participants_per_supervisor=settings.participants_per_supervisor, staffing=settings.staffing
    )
    staffed = slots[slots["supervisors"] > 0]
    per_day = staffed.groupby("weekday")["supervisors"].max().astype(float).to_dict()
    return float(summary["staff_hours_week"].sum()), per_day


def referred_affected(inputs: DecisionInputs, offer_id: str, choice: str) -> dict[str, int]:
    """Referred citizens of the offer who would need revisitation under the choice, per usage band."""
    own = inputs.band_counts[inputs.band_counts["offer_id"] == offer_id].set_index("band")["citizens"]
    return {band: int(own.get(band, 0)) if band in AFFECTED_BANDS[choice] else 0 for band in USAGE_BANDS}


def offer_option(inputs: DecisionInputs, offer_id: str, choice: str, settings: Settings) -> dict:
    """One offer under one choice: staff hours, FTE, annual cost (economy.annual_cost), citizens served."""
    if choice not in CHOICES:
        raise InputError(
            f"unknown choice {choice!r}", file="params.yaml", fix=f"use one of {', '.join(CHOICES)}"
        )
    active = float(inputs.headline.loc[offer_id, "active"]) * (1.0 + settings.demand_change)
    members = float(inputs.members.get(offer_id, 0))
    followup_week = settings.followup_hours_per_quarter * QUARTERS_PER_YEAR / WEEKS_PER_YEAR
    floor, per_day, documented, served = 0.0, {}, 0.0, 0.0
    if choice == "paragraph_104":
        floor, per_day = _staff_plan(inputs.models[offer_id], inputs, settings, cache_as=("today", offer_id))
        documented, served = active, active
    if choice in ("drop_in", "drop_in_and_workshop_103"):
        floor, per_day = _staff_plan(
            inputs.shifted[offer_id],
            inputs,
            settings,
            opening_hours=inputs.recommended_hours[offer_id],
            cache_as=("drop_in", offer_id),
        )
        served = active
    if choice in ("workshop_103", "drop_in_and_workshop_103"):
        w_floor, w_days = _workshop_plan(offer_id, inputs, settings)
        floor += w_floor
        for day, staff in w_days.items():
            per_day[day] = per_day.get(day, 0.0) + staff
        documented += members
        served = max(served, members)
    other = eco.other_costs(inputs.offers[offer_id])
    cost = eco.annual_cost(
        floor_hours_week=floor,
        basis=settings.basis,
        prep_hours_week=eco.prep_hours_per_week(per_day, settings.basis),
        documentation_hours_week=documented * followup_week,
        premises_dkk=other["premises_dkk_per_year"],
        running_dkk=other["running_costs_dkk_per_year"],
    )
    affected = referred_affected(inputs, offer_id, choice)
    return {
        "offer_id": offer_id,
        "choice": choice,
        **cost,
        "documentation_hours_year": cost["documentation_hours_week"] * WEEKS_PER_YEAR,
        "citizens_served": served,
        "referred_affected": int(sum(affected.values())),
        **{f"affected_{band}": count for band, count in affected.items()},
    }


SUMMED = [
    "floor_hours_week",
    "prep_hours_week",
    "documentation_hours_week",
    "management_hours_week",
    "staff_hours_week",
    "staff_hours_year",
    "fte",
    "staff_cost_dkk",
    "premises_dkk",
    "running_dkk",
    "total_cost_dkk",
    "documentation_hours_year",
    "citizens_served",
    "referred_affected",
    *[f"affected_{band}" for band in USAGE_BANDS],
]


def today(inputs: DecisionInputs, settings: Settings) -> pd.DataFrame:
    """Today's cost per offer on the shared basis (from the roster), with the stated budget and FTE."""
    out = eco.today_frame(inputs.offers, inputs.offer_ids, settings.basis)
    for column in ("referred", "active", "visits"):
        out[column] = out["offer_id"].map(inputs.headline[column]).astype(float)
    return out


def evaluate(
    inputs: DecisionInputs, resolved: Mapping[str, Mapping[str, str]], settings: Settings
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per model × offer rows, and per model totals with the change from today's cost."""
    rows = [
        {"model": key, **offer_option(inputs, offer_id, choice, settings)}
        for key, choices in resolved.items()
        for offer_id, choice in choices.items()
    ]
    per_offer = pd.DataFrame(rows)
    totals = per_offer.groupby("model", sort=False)[SUMMED].sum().reset_index()
    today_total = float(today(inputs, settings)["total_cost_dkk"].sum())
    totals["today_cost_dkk"] = today_total
    totals["change_dkk"] = totals["total_cost_dkk"] - today_total
    return per_offer, totals


def track_totals(inputs: DecisionInputs, settings: Settings) -> pd.DataFrame:
    """Each track applied to every offer: the per-track figures of the metrics."""
    _, totals = evaluate(inputs, {t: dict.fromkeys(inputs.offer_ids, t) for t in TRACKS}, settings)
    return totals


# --------------------------------------------------------------------------------------------------------
# Sensitivity (tornado)
# --------------------------------------------------------------------------------------------------------


def _vary(settings: Settings, parameter: str, value: float) -> Settings:
    if parameter in ("citizens_per_staff", "min_staff_on_duty"):
        return replace(settings, staffing={**settings.staffing, parameter: value})
    if parameter == "followup_hours_per_quarter":
        return replace(settings, followup_hours_per_quarter=float(value))
    if parameter == "demand_change":
        return replace(settings, demand_change=float(value))
    if parameter == "absence_factor":
        return replace(settings, basis=settings.basis.replace(absence_factor=float(value)))
    raise InputError(f"unknown sensitivity parameter {parameter!r}", file="params.yaml")


def base_value(settings: Settings, parameter: str) -> float:
    if parameter in ("citizens_per_staff", "min_staff_on_duty"):
        return float(settings.staffing[parameter])
    if parameter == "followup_hours_per_quarter":
        return settings.followup_hours_per_quarter
    if parameter == "demand_change":
        return settings.demand_change
    return settings.basis.absence_factor


def sensitivity(
    inputs: DecisionInputs,
    resolved: Mapping[str, Mapping[str, str]],
    settings: Settings,
    ranges: Mapping[str, Sequence[float]],
) -> pd.DataFrame:
    """Each model's total cost with one assumption at its low and at its high value, the others as set.

    Columns: model, parameter, base_value, low_value, high_value, base_cost_dkk, cost_low_dkk,
    cost_high_dkk, swing_dkk (|high − low|). Sorted per model by swing, largest first (the tornado's order).
    """
    _, base = evaluate(inputs, resolved, settings)
    base_cost = base.set_index("model")["total_cost_dkk"]
    rows = []
    for parameter, (low, high) in ranges.items():
        costs = {}
        for end, value in (("low", low), ("high", high)):
            _, totals = evaluate(inputs, resolved, _vary(settings, parameter, value))
            costs[end] = totals.set_index("model")["total_cost_dkk"]
        for model in resolved:
            rows.append(
                {
                    "model": model,
                    "parameter": parameter,
                    "base_value": base_value(settings, parameter),
                    "low_value": float(low),
                    "high_value": float(high),
                    "base_cost_dkk": float(base_cost[model]),
                    "cost_low_dkk": float(costs["low"][model]),
                    "cost_high_dkk": float(costs["high"][model]),
                }
            )
    out = pd.DataFrame(rows)
    out["swing_dkk"] = (out["cost_high_dkk"] - out["cost_low_dkk"]).abs()
    order = {key: i for i, key in enumerate(resolved)}
    return out.sort_values(
        ["model", "swing_dkk"], key=lambda s: s.map(order) if s.name == "model" else -s, ignore_index=True
    )


def sensitivity_ranges(table: pd.DataFrame) -> pd.DataFrame:
    """Per model: the lowest and highest cost over all one-at-a-time variations (and the base)."""
    grouped = table.groupby("model", sort=False)
    return pd.DataFrame(
        {
            "base_cost_dkk": grouped["base_cost_dkk"].first(),
            "min_cost_dkk": grouped[["cost_low_dkk", "cost_high_dkk", "base_cost_dkk"]].min().min(axis=1),
            "max_cost_dkk": grouped[["cost_low_dkk", "cost_high_dkk", "base_cost_dkk"]].max().max(axis=1),
        }
    ).reset_index()


# --------------------------------------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------------------------------------


def _metric_row(row: Mapping) -> dict:
    return {
        "total_cost_dkk": round(float(row["total_cost_dkk"]), 2),
        "change_dkk": round(float(row["change_dkk"]), 2),
        "staff_hours_week": round(float(row["staff_hours_week"]), 4),
        "fte": round(float(row["fte"]), 4),
        "citizens_served": round(float(row["citizens_served"]), 4),
    }


def metrics(today_table: pd.DataFrame, totals: pd.DataFrame, tracks: pd.DataFrame) -> dict:
    """metrics/decision.json: today, every model and every track — exact (rounded to øre / 4 decimals)."""
    return {
        "today": {
            "total_cost_dkk": round(float(today_table["total_cost_dkk"].sum()), 2),
            "staff_hours_week": round(float(today_table["staff_hours_week"].sum()), 4),
            "fte": round(float(today_table["fte"].sum()), 4),
            "citizens_served": round(float(today_table["active"].sum()), 4),
        },
        "models": {row["model"]: _metric_row(row) for row in totals.to_dict("records")},
        "tracks": {row["model"]: _metric_row(row) for row in tracks.to_dict("records")},
    }


# --------------------------------------------------------------------------------------------------------
# Report tables and figure (Danish)
# --------------------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------------------
# The report's computation in one call (report 20)
# --------------------------------------------------------------------------------------------------------


@dataclass
class Analysis:
    """Everything report 20 computes: the inputs, the models resolved on this dataset's offers, today's
    cost, the models and the tracks costed, and the one-at-a-time sensitivity."""

    inputs: DecisionInputs
    settings: Settings
    resolved: dict[str, dict[str, str]]
    model_names: dict[str, str]  # model key → the name params.yaml gives it
    today: pd.DataFrame  # `today`
    per_offer: pd.DataFrame  # `evaluate`: per model × offer
    totals: pd.DataFrame  # `evaluate`: per model, with the change from today
    tracks: pd.DataFrame  # `track_totals`
    sensitivity: pd.DataFrame  # `sensitivity` (the tornado's rows)
    ranges: pd.DataFrame  # `sensitivity_ranges`, indexed by model

    @property
    def today_cost(self) -> float:
        """Today's total cost on the shared basis (the roster, premises and running costs)."""
        return float(self.today["total_cost_dkk"].sum())


def analyse(processed: Path, params: Mapping) -> Analysis:
    """Report 20 from data/processed and params.yaml's sections (`decision.models`, `decision.sensitivity`)."""
    decision = params["decision"]
    inputs = load_inputs(processed, params)
    settings = settings_from_params(params)
    resolved = resolve_models(decision["models"], inputs.offer_ids)
    today_table = today(inputs, settings)
    per_offer, totals = evaluate(inputs, resolved, settings)
    tracks = track_totals(inputs, settings)
    table = sensitivity(inputs, resolved, settings, decision["sensitivity"])
    return Analysis(
        inputs=inputs,
        settings=settings,
        resolved=resolved,
        model_names={m["key"]: m["name"] for m in decision["models"]},
        today=today_table,
        per_offer=per_offer,
        totals=totals,
        tracks=tracks,
        sensitivity=table,
        ranges=sensitivity_ranges(table).set_index("model"),
    )
