"""One economy model for today and for every track: what an offer costs per year.

Why one model: the track reports used to cost three different things (the whole budget, wages in opening hours
only, one workshop leader's wage), so their savings could not be compared. Here every cost is

    staff hours per week = hours on the floor (staff on duty × open hours)
                         + preparation/closing (`economy.prep_minutes_per_day` per member of staff on duty a day)
                         + documentation hours (individual follow-up, where the track requires it)
    management           = `economy.management_share` × those hours
    hourly cost          = `staffing.cost_per_fte_dkk` / net hours per årsværk,
    net hours per årsværk = `staffing.fte_hours_per_year` × (1 − `economy.absence_factor`)   (holiday, sickness)
    annual cost          = (staff hours + management) × 52 × hourly cost + premises + running costs

Premises and running costs come from offers.yaml (`premises_dkk_per_year`, `running_costs_dkk_per_year`);
an offer without them gets 0 and `assumptions` says so. Today's cost is costed from today's roster (which
already includes the time before opening and after closing, so no preparation is added to it); a track's cost
from that track's staffing. Amounts are exact here and in the metrics; reports round them with
`report.fmt_mio`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from attendance.demand.staffing import WEEKS_PER_YEAR, period_days, roster_hours_per_week, roster_shifts

from .errors import InputError
from .timeofday import hhmm_to_minutes

COST_FIELDS = ("premises_dkk_per_year", "running_costs_dkk_per_year")


@dataclass(frozen=True)
class CostBasis:
    """The shared cost parameters (from `staffing` and `economy` in params.yaml)."""

    cost_per_fte_dkk: float
    fte_hours_per_year: float
    absence_factor: float
    management_share: float
    prep_minutes_per_day: float

    @property
    def net_hours_per_fte(self) -> float:
        """Hours an årsværk actually works: the gross hours net of holiday and absence."""
        return self.fte_hours_per_year * (1.0 - self.absence_factor)

    @property
    def hourly_cost_dkk(self) -> float:
        """Cost of one worked staff hour."""
        return self.cost_per_fte_dkk / self.net_hours_per_fte

    def replace(self, **changes) -> CostBasis:
        return CostBasis(**{**self.__dict__, **changes})


def cost_basis(staffing: Mapping, economy: Mapping) -> CostBasis:
    """CostBasis from the `staffing` and `economy` sections of params.yaml."""
    absence = float(economy["absence_factor"])
    if not 0 <= absence < 1:
        raise InputError(
            f"economy.absence_factor must be at least 0 and below 1 (got {absence})",
            file="params.yaml",
            fix="set economy.absence_factor to e.g. 0.15",
        )
    return CostBasis(
        cost_per_fte_dkk=float(staffing["cost_per_fte_dkk"]),
        fte_hours_per_year=float(staffing["fte_hours_per_year"]),
        absence_factor=absence,
        management_share=float(economy["management_share"]),
        prep_minutes_per_day=float(economy["prep_minutes_per_day"]),
    )


def other_costs(offer: Mapping) -> dict[str, float]:
    """Premises and running costs per year from the offer's master data; missing → 0."""
    out = {}
    for key in COST_FIELDS:
        value = offer.get(key)
        out[key] = 0.0 if value is None else float(value)
    return out


def missing_cost_fields(offers: Mapping, offer_ids) -> list[str]:
    """'<offer name>: husleje' etc. for every premises/running cost the master data lack (costed as 0)."""
    labels = {"premises_dkk_per_year": "husleje", "running_costs_dkk_per_year": "øvrig drift"}
    return [
        f"{offers[o].get('name', o)}: {labels[key]}"
        for o in offer_ids
        for key in COST_FIELDS
        if offers[o].get(key) is None
    ]


def prep_hours_per_week(staff_on_duty_per_day: Mapping[int, float] | list[float], basis: CostBasis) -> float:
    """Preparation and closing per week: prep minutes × the staff on duty on each opening day."""
    values = (
        staff_on_duty_per_day.values()
        if isinstance(staff_on_duty_per_day, Mapping)
        else staff_on_duty_per_day
    )
    return float(sum(float(v) for v in values)) * basis.prep_minutes_per_day / 60.0


def annual_cost(
    *,
    floor_hours_week: float,
    basis: CostBasis,
    prep_hours_week: float = 0.0,
    documentation_hours_week: float = 0.0,
    premises_dkk: float = 0.0,
    running_dkk: float = 0.0,
) -> dict[str, float]:
    """The annual cost of one offer's staffing (see the module docstring), every part kept exact."""
    direct = float(floor_hours_week) + float(prep_hours_week) + float(documentation_hours_week)
    management = direct * basis.management_share
    staff_hours_week = direct + management
    hours_year = staff_hours_week * WEEKS_PER_YEAR
    staff_cost = hours_year * basis.hourly_cost_dkk
    return {
        "floor_hours_week": float(floor_hours_week),
        "prep_hours_week": float(prep_hours_week),
        "documentation_hours_week": float(documentation_hours_week),
        "management_hours_week": management,
        "staff_hours_week": staff_hours_week,
        "staff_hours_year": hours_year,
        "fte": hours_year / basis.net_hours_per_fte,
        "staff_cost_dkk": staff_cost,
        "premises_dkk": float(premises_dkk),
        "running_dkk": float(running_dkk),
        "total_cost_dkk": staff_cost + float(premises_dkk) + float(running_dkk),
    }


def today_cost(offers: Mapping, offer_id: str, basis: CostBasis) -> dict[str, float]:
    """Today's annual cost of an offer from its roster (the roster already holds preparation and closing)."""
    other = other_costs(offers[offer_id])
    return annual_cost(
        floor_hours_week=roster_hours_per_week(offers, offer_id),
        basis=basis,
        premises_dkk=other["premises_dkk_per_year"],
        running_dkk=other["running_costs_dkk_per_year"],
    )


def today_frame(offers: Mapping, offer_ids, basis: CostBasis) -> pd.DataFrame:
    """`today_table` as a DataFrame with an offer_id column — the one source of "today's cost"."""
    table = today_table(offers, offer_ids, basis)
    return pd.DataFrame.from_dict(table, orient="index").rename_axis("offer_id").reset_index()


def roster_days_per_week(offers: Mapping, offer_id: str) -> int:
    """Weekdays with at least one rostered shift."""
    shifts = roster_shifts(offers, offer_id)
    return int(shifts.loc[shifts["staff"] > 0, "weekday"].nunique())


def today_table(offers: Mapping, offer_ids, basis: CostBasis) -> dict[str, dict[str, float]]:
    """today_cost for every offer, plus the stated budget and FTE from the master data."""
    out = {}
    for offer_id in offer_ids:
        row = today_cost(offers, offer_id, basis)
        row["annual_budget_dkk"] = _number(offers[offer_id].get("annual_budget_dkk"))
        row["fte_stated"] = _number(offers[offer_id].get("fte"))
        out[offer_id] = row
    return out


def _number(value) -> float:
    try:
        return float(value) if value is not None else float("nan")
    except (TypeError, ValueError):
        return float("nan")


def opening_hours_per_week(offers: Mapping, offer_id: str) -> float:
    """The offer's weekly opening hours (every weekday's intervals summed)."""
    total = 0
    for intervals in (offers[offer_id].get("opening_hours") or {}).values():
        for start, end in intervals or []:
            total += max(0, hhmm_to_minutes(end) - hhmm_to_minutes(start))
    return total / 60.0


def today_overview(today: pd.DataFrame, offers: Mapping, headline: pd.DataFrame) -> pd.DataFrame:
    """Today's staffing and economy per offer and in total (the kommissorium's first task).

    `today` is `decision.today` (or any frame with offer_id and the `today_cost` columns); `headline` the
    demand stage's headline KPIs indexed by offer_id (referred, active, visits, unique_per_day_mean). Costs
    per citizen divide the annual cost by the citizens of the period; costs per visit and per opening hour
    divide by the period's visits and opening hours scaled to a year (× 365 / the period's days).
    """
    days = period_days(offers)
    rows = []
    for record in today.to_dict("records"):
        o = record["offer_id"]
        places = offers[o].get("approved_places")
        rows.append(
            {
                "offer_id": o,
                "name": offers[o].get("name", o),
                "roster_hours_week": record["floor_hours_week"],
                "fte_roster": record["fte"],
                "fte_stated": record["fte_stated"],
                "annual_budget_dkk": record["annual_budget_dkk"],
                "total_cost_dkk": record["total_cost_dkk"],
                "referred": float(headline.loc[o, "referred"]),
                "active": float(headline.loc[o, "active"]),
                "visits_year": float(headline.loc[o, "visits"]) * 365.0 / days,
                "opening_hours_year": opening_hours_per_week(offers, o) * WEEKS_PER_YEAR,
                "unique_per_day_mean": float(headline.loc[o, "unique_per_day_mean"]),
                "approved_places": float(places) if places is not None else float("nan"),
            }
        )
    out = pd.DataFrame(rows)
    total = out.drop(columns=["offer_id", "name"]).sum(min_count=1)
    total["unique_per_day_mean"] = float("nan")  # a mean per offer: not added across offers
    total["approved_places"] = float("nan")
    out = pd.concat(
        [out, pd.DataFrame([{"offer_id": "_total", "name": "I alt", **total}])], ignore_index=True
    )
    out["cost_per_referred_dkk"] = out["total_cost_dkk"] / out["referred"].where(out["referred"] > 0)
    out["cost_per_active_dkk"] = out["total_cost_dkk"] / out["active"].where(out["active"] > 0)
    out["cost_per_visit_dkk"] = out["total_cost_dkk"] / out["visits_year"].where(out["visits_year"] > 0)
    out["cost_per_opening_hour_dkk"] = out["total_cost_dkk"] / out["opening_hours_year"].where(
        out["opening_hours_year"] > 0
    )
    out["place_occupancy"] = out["unique_per_day_mean"] / out["approved_places"]
    return out


def today_overview_da(overview: pd.DataFrame, fmt) -> pd.DataFrame:
    """`today_overview` as a Danish table: measures as rows, offers (and I alt) as columns. `fmt` is the
    report module (fmt_number, fmt_int, fmt_mio, fmt_dkk_rounded, fmt_pct); amounts rounded for reviewers."""
    rows = {
        "Vagtplan, personaletimer pr. uge": lambda r: fmt.fmt_number(r["roster_hours_week"], 1),
        "Årsværk efter vagtplan (inkl. ledelse, efter fravær)": lambda r: fmt.fmt_number(r["fte_roster"], 1),
        "Årsværk oplyst i stamdata": lambda r: fmt.fmt_number(r["fte_stated"], 1),
        "Budget pr. år (oplyst)": lambda r: fmt.fmt_mio(r["annual_budget_dkk"]),
        "Udgift pr. år på fælles grundlag": lambda r: fmt.fmt_mio(r["total_cost_dkk"]),
        "Visiterede borgere": lambda r: fmt.fmt_int(r["referred"]),
        "Aktive borgere": lambda r: fmt.fmt_int(r["active"]),
        "Udgift pr. visiteret borger": lambda r: fmt.fmt_dkk_rounded(
            r["cost_per_referred_dkk"], approx=False
        ),
        "Udgift pr. aktiv borger": lambda r: fmt.fmt_dkk_rounded(r["cost_per_active_dkk"], approx=False),
        "Udgift pr. besøg": lambda r: fmt.fmt_dkk_rounded(r["cost_per_visit_dkk"], approx=False),
        "Udgift pr. åbningstime": lambda r: fmt.fmt_dkk_rounded(r["cost_per_opening_hour_dkk"], approx=False),
        "Unikke borgere pr. åbningsdag af godkendte pladser": lambda r: (
            "–"
            if pd.isna(r["place_occupancy"])
            else f"{fmt.fmt_number(r['unique_per_day_mean'], 1)} af {fmt.fmt_int(r['approved_places'])} "
            f"({fmt.fmt_pct(r['place_occupancy'], 0)})"
        ),
    }
    records = overview.to_dict("records")
    table = pd.DataFrame({r["name"]: [f(r) for f in rows.values()] for r in records}, index=list(rows))
    table.index.name = "Nøgletal"
    return table.reset_index()
