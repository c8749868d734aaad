"""The synthetic offers and population: period, fake names, calibration plans and the offers configuration.

Why a module of its own: everything else in attendance.synth draws from these fixed facts. The demo's two
offers reproduce the kommissorium's table; `EXTRA_PLANS` adds offers for testing that the pipeline loops over
the dataset's offers. Names are common Danish names combined at random; people named in the kommissorium are
never produced.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import holidays
import pandas as pd

from attendance.reporting import glossary
from attendance.reporting.glossary import WEEKDAYS
from attendance.timeofday import minutes_to_hhmm

PERIOD_START = dt.date(2026, 3, 2)
PERIOD_END = dt.date(2026, 5, 29)
STEP = 5  # minutes: staff write times to the nearest five minutes

# Common Danish names. Real people named in the kommissorium are never produced (their first names are absent).
FIRST_NAMES = [
    "Anne", "Kirsten", "Mette", "Hanne", "Susanne", "Lene", "Maria", "Marianne", "Lone", "Camilla", "Pia",
    "Louise", "Charlotte", "Tina", "Gitte", "Helle", "Bente", "Inge", "Karen", "Jette", "Birgitte", "Dorte",
    "Rikke", "Trine", "Malene", "Sanne", "Vibeke", "Ulla", "Lisbeth", "Heidi", "Peter", "Jens", "Michael",
    "Lars", "Henrik", "Søren", "Thomas", "Jan", "Niels", "Martin", "Christian", "Rasmus", "Morten", "Jesper",
    "Anders", "Mads", "Hans", "Per", "Kim", "Ole", "Torben", "Allan", "Brian", "Jørgen", "Steen", "Kasper",
    "Mikkel", "Jonas", "Bjarne", "Erik", "Finn", "Flemming", "Carsten", "Leif", "Poul", "Preben", "Bent",
]  # fmt: skip
MIDDLE_NAMES = ["Juul", "Lykke", "Bech", "Vinther", "Dam", "Holst", "Krogh", "Bjerre", "Munk", "Lind"]
SURNAMES = [
    "Nielsen", "Jensen", "Hansen", "Andersen", "Christensen", "Larsen", "Sørensen", "Rasmussen", "Jørgensen",
    "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Christiansen", "Poulsen", "Johansen", "Møller",
    "Mortensen", "Knudsen", "Jakobsen", "Mikkelsen", "Olesen", "Frederiksen", "Laursen", "Henriksen", "Lund",
    "Schmidt", "Eriksen", "Holm", "Kristiansen", "Clausen", "Simonsen", "Svendsen", "Andreasen", "Iversen",
    "Jeppesen", "Mogensen", "Jacobsen", "Vestergaard", "Nissen", "Lauridsen", "Kjær", "Jespersen", "Carlsen",
    "Østergaard", "Dahl", "Skov", "Kjeldsen", "Bruun", "Overgaard", "Thygesen", "Damgaard", "Bertelsen",
]  # fmt: skip
# People named in the kommissorium: never generated (checked in tests).
REAL_PEOPLE = [
    "Marie-Louise",
    "Carina Julietta Moos",
    "Stine Pedersen",
    "Frederik Gernhøfer Bak",
    "Kai Steinsli",
]
FAKE_CPR = "120375-0000"  # the one CPR-like value typed into a name field; fake (serial 0000), quarantined
CITIZEN_COMMENTS = ["kreativt værksted", "fællesspisning", "kortspil", "madlavning", "samtale", "billard"]
TRIP_COMMENT = "tur til Djurs Sommerland"
MONTHS_DA = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
             "november", "december"]  # fmt: skip
WEEKDAYS_DA = list(WEEKDAYS)  # the one list of Danish weekday names (reporting.glossary)
WEEKDAYS_SHORT = list(glossary.WEEKDAYS_SHORT)

ASSUMPTIONS_NOTE = (
    "Syntetiske demodata. Åbningstider, vagtplan, årsværk, budget, husleje og driftsudgifter er illustrative "
    "antagelser, ikke "
    "kommunens tal; kun antal visiterede, godkendte pladser og fremmødetallene følger kommissoriet."
)


@dataclass(frozen=True)
class OfferPlan:
    """Calibration targets (kommissorium) and population sizes (assumptions) of one offer."""

    offer_id: str
    hours: dict[int, tuple[int, int]]  # weekday -> (open, close) in minutes after midnight
    closed_dates: tuple[dt.date, ...]
    n_referred: int
    n_never: int  # referred, never came
    n_rare: int  # referred, 1–2 visits
    n_dropin: int  # not referred, a few visits
    unique_mean: float
    unique_min: int
    unique_max: int
    peak_min: int
    peak_max: int
    stay_median: float  # minutes
    n_returns: int  # citizen-days with a second visit


PLANS = [
    OfferPlan(
        offer_id="auc",
        hours={0: (540, 900), 1: (540, 900), 2: (540, 900), 3: (540, 900), 4: (540, 780)},
        closed_dates=(dt.date(2026, 3, 27), dt.date(2026, 5, 15)),
        n_referred=61,
        n_never=15,
        n_rare=5,
        n_dropin=6,
        unique_mean=18.5,
        unique_min=11,
        unique_max=29,
        peak_min=5,
        peak_max=24,
        stay_median=165.0,
        n_returns=4,
    ),
    OfferPlan(
        offer_id="no17",
        hours={0: (600, 900), 1: (600, 900), 2: (600, 900), 3: (600, 900), 4: (600, 840)},
        closed_dates=(),
        n_referred=18,
        n_never=3,
        n_rare=2,
        n_dropin=2,
        unique_mean=8.2,
        unique_min=7,
        unique_max=11,
        peak_min=5,
        peak_max=11,
        stay_median=150.0,
        n_returns=2,
    ),
]
# Offers beyond the demo's two, for testing that everything downstream loops over the offers of the dataset
# (`attendance synth --offers 3` or `--offers auc,no17,aktivhuset`). Not calibrated to the kommissorium.
EXTRA_PLANS = [
    OfferPlan(
        offer_id="aktivhuset",
        hours={0: (570, 930), 1: (570, 930), 2: (720, 1020), 3: (570, 930)},
        closed_dates=(dt.date(2026, 4, 22),),
        n_referred=44,
        n_never=7,
        n_rare=4,
        n_dropin=5,
        unique_mean=15.0,
        unique_min=8,
        unique_max=28,
        peak_min=6,
        peak_max=24,
        stay_median=180.0,
        n_returns=3,
    ),
]
ALL_PLANS = PLANS + EXTRA_PLANS
DEFAULT_OFFERS = tuple(plan.offer_id for plan in PLANS)
TICK_WEEK = [dt.date(2026, 3, 16) + dt.timedelta(days=i) for i in range(5)]  # No. 17, week 12
TICK_TIMED = (600, 840)  # the one "10-14" cell of the tick list
TRIP_DATE = dt.date(2026, 5, 23)  # a Saturday: AUC's outing to Djurs Sommerland
TRIP_TIMES = (540, 960)


def select_offers(offers: str | int | tuple[str, ...] | list[str] | None = None) -> tuple[str, ...]:
    """The offer ids a synthetic dataset holds: None = the demo's two; N = the first N; or ids ("auc,no17").

    The order is always that of ALL_PLANS, so an offer's random stream (seeded by its position) is the same in
    every selection that holds it.
    """
    known = [plan.offer_id for plan in ALL_PLANS]
    if offers is None:
        return DEFAULT_OFFERS
    if isinstance(offers, str) and offers.strip().isdigit():
        offers = int(offers)
    if isinstance(offers, int):
        if not 1 <= offers <= len(known):
            raise ValueError(f"--offers: a number from 1 to {len(known)}, or ids from {', '.join(known)}")
        return tuple(known[:offers])
    ids = [o.strip() for o in offers.split(",")] if isinstance(offers, str) else [str(o) for o in offers]
    unknown = sorted({o for o in ids if o not in known})
    if unknown or not ids:
        raise ValueError(
            f"--offers: unknown offer {', '.join(unknown) or '(none)'}; choose from {', '.join(known)}"
        )
    return tuple(o for o in known if o in ids)


def _plans(offer_ids: tuple[str, ...]) -> list[tuple[int, OfferPlan]]:
    """(position in ALL_PLANS, plan) of the selected offers: the position seeds the offer's random stream."""
    return [(i, plan) for i, plan in enumerate(ALL_PLANS) if plan.offer_id in offer_ids]


def offers_config(offer_ids: tuple[str, ...] = DEFAULT_OFFERS) -> dict[str, dict]:
    """offers.yaml content. Roster, FTE, budget, premises and running costs are illustrative assumptions (see
    assumptions_note)."""
    plans = {plan.offer_id: plan for plan in ALL_PLANS}

    def hours(plan: OfferPlan) -> dict[str, list]:
        return {
            WEEKDAYS_DA[wd]: [[minutes_to_hhmm(o), minutes_to_hhmm(c)]]
            for wd, (o, c) in sorted(plan.hours.items())
        }

    def roster(plan: OfferPlan, staff: dict[int, int]) -> list[dict]:
        return [
            {
                "weekday": WEEKDAYS_DA[wd],
                "start": minutes_to_hhmm(o - 30),
                "end": minutes_to_hhmm(c + 30),
                "staff": staff[wd],
            }
            for wd, (o, c) in sorted(plan.hours.items())
        ]

    config = {
        "auc": {
            "name": "AUC",
            "aliases": ["AUC", "A.U.C.", "auc grenaa", "Aktivitets- og Udviklingscenter"],
            "town": "Grenaa",
            "approved_places": 30,
            "opening_hours": hours(plans["auc"]),
            "closed_dates": list(plans["auc"].closed_dates),
            "roster": roster(plans["auc"], {0: 4, 1: 4, 2: 4, 3: 4, 4: 3}),
            "fte": 5.6,
            "annual_budget_dkk": 3_400_000,
            "premises_dkk_per_year": 420_000,
            "running_costs_dkk_per_year": 180_000,
            "staff_and_volunteers": ["Lone Bruun", "Bent Skov", "Gitte Damgaard"],
            "assumptions_note": ASSUMPTIONS_NOTE,
        },
        "no17": {
            "name": "No. 17",
            "aliases": ["No. 17", "No 17", "Nr. 17", "Nr 17", "no17", "nr17", "Nummer 17"],
            "town": "Auning",
            "approved_places": None,
            "opening_hours": hours(plans["no17"]),
            "closed_dates": [],
            "roster": roster(plans["no17"], {0: 2, 1: 2, 2: 2, 3: 2, 4: 2}),
            "fte": 2.4,
            "annual_budget_dkk": 1_450_000,
            "premises_dkk_per_year": 150_000,
            "running_costs_dkk_per_year": 90_000,
            "staff_and_volunteers": ["Ulla Overgaard", "Poul Thygesen"],
            "assumptions_note": ASSUMPTIONS_NOTE,
        },
        "aktivhuset": {
            "name": "Aktivhuset",
            "aliases": ["Aktivhuset", "Aktiv huset", "Aktivhus"],
            "town": "Ørum",
            "approved_places": 12,
            "opening_hours": hours(plans["aktivhuset"]),
            "closed_dates": list(plans["aktivhuset"].closed_dates),
            "roster": roster(plans["aktivhuset"], {0: 3, 1: 3, 2: 2, 3: 3}),
            "fte": 3.1,
            "annual_budget_dkk": 1_900_000,
            "premises_dkk_per_year": 210_000,
            "running_costs_dkk_per_year": 110_000,
            "staff_and_volunteers": ["Jette Kjeldsen", "Mikkel Bertelsen"],
            "assumptions_note": ASSUMPTIONS_NOTE,
        },
    }
    return {offer_id: config[offer_id] for offer_id in offer_ids}


def opening_days(plan: OfferPlan) -> list[dt.date]:
    """Opening days in the period: weekday hours, not a Danish public holiday, not a closed date."""
    public = holidays.Denmark(years=PERIOD_START.year)
    days = pd.date_range(PERIOD_START, PERIOD_END, freq="D").date
    return [d for d in days if d.weekday() in plan.hours and d not in public and d not in plan.closed_dates]
