"""The synthetic demo dataset: raw files as staff really produce them, whose cleaned result is known exactly.

Why synthetic: the real registrations are sensitive personal data (GDPR art. 9) and cannot be published. The demo
reproduces the kommissorium's table (AUC 18,5 / 11–29 / 24 / 5; No. 17 8,2 / 7–11 / 11 / 5) after cleaning, so
every report can be built and reviewed end to end, and the cleaner can be tested against a known truth.

Two layers: `generate_truth` draws the clean visits (what the cleaner must recover), calibrated exactly; then
`write_raw_dataset` renders them into workbooks and a CSV the way staff type them and injects every defect kind
of docs/design.md § 3, each placed so that the cleaning rules in docs/raw_format.md resolve it back to the truth.
All names are fake: common Danish first names and surnames combined at random (seeded).
`--visits N` scales the same kind of data to millions of rows (vectorised, CSV) for benchmarks.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import holidays
import numpy as np
import pandas as pd
import yaml
from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

PERIOD_START = dt.date(2026, 3, 2)
PERIOD_END = dt.date(2026, 5, 29)
STEP = 5  # minutes: staff write times to the nearest five minutes
_FIXED_ZIP_TIME = (2026, 6, 1, 0, 0, 0)
_FIXED_DOC_TIME = dt.datetime(2026, 6, 1, 0, 0, 0)

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
WEEKDAYS_DA = ["mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"]
WEEKDAYS_SHORT = ["man", "tir", "ons", "tor", "fre", "lør", "søn"]

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


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


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
        return {WEEKDAYS_DA[wd]: [[_hhmm(o), _hhmm(c)]] for wd, (o, c) in sorted(plan.hours.items())}

    def roster(plan: OfferPlan, staff: dict[int, int]) -> list[dict]:
        return [
            {"weekday": WEEKDAYS_DA[wd], "start": _hhmm(o - 30), "end": _hhmm(c + 30), "staff": staff[wd]}
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


# ------------------------------------------------------------------------------------------------------------
# Truth
# ------------------------------------------------------------------------------------------------------------


def _initials(name: str) -> str:
    return "".join(part[0] for part in name.replace("-", " ").split()).upper()


def _fake_people(rng: np.random.Generator, n: int, taken: set[str], initials_taken: set[str]) -> list[str]:
    """n new fake full names, unique (case-insensitively) overall and by initials within the offer."""
    out: list[str] = []
    blocked = {name.lower() for name in REAL_PEOPLE}
    while len(out) < n:
        parts = [FIRST_NAMES[rng.integers(len(FIRST_NAMES))]]
        if rng.random() < 0.2:
            parts.append(MIDDLE_NAMES[rng.integers(len(MIDDLE_NAMES))])
        parts.append(SURNAMES[rng.integers(len(SURNAMES))])
        name = " ".join(parts)
        key = name.lower()
        if key in taken or key in blocked or _initials(name) in initials_taken or name.endswith("ssen"):
            continue
        taken.add(key)
        initials_taken.add(_initials(name))
        out.append(name)
    return out


def _daily_uniques(
    rng: np.random.Generator, days: list[dt.date], plan: OfferPlan, avoid_extremes: set[dt.date]
) -> tuple[np.ndarray, int, int]:
    """Unique citizens per opening day with the exact mean, minimum and maximum of the kommissorium.

    Returns the counts and the positions of the days that carry the minimum and the maximum.
    """
    n = len(days)
    total = plan.unique_mean * n
    if abs(total - round(total)) > 1e-9:
        raise ValueError(
            f"{plan.offer_id}: {n} opening days cannot give a mean of exactly {plan.unique_mean}"
        )
    total = int(round(total))
    weekday = np.array([d.weekday() for d in days])
    effect = np.where(weekday == 4, -0.15, np.where(weekday == 0, 0.06, 0.03)) * plan.unique_mean
    counts = np.rint(plan.unique_mean + effect + rng.normal(0, 0.17 * plan.unique_mean, n)).astype(int)
    counts = np.clip(counts, plan.unique_min, plan.unique_max)
    allowed = np.array([d not in avoid_extremes for d in days])
    lo_day = int(
        rng.choice(
            np.flatnonzero(allowed & (weekday == 4)) if plan.offer_id == "auc" else np.flatnonzero(allowed)
        )
    )
    hi_day = int(rng.choice(np.flatnonzero(allowed & (weekday < 4) & (np.arange(n) != lo_day))))
    counts[lo_day], counts[hi_day] = plan.unique_min, plan.unique_max
    free = np.setdiff1d(np.arange(n), [lo_day, hi_day])
    while (diff := total - int(counts.sum())) != 0:
        room = counts[free] < plan.unique_max if diff > 0 else counts[free] > plan.unique_min
        pick = rng.choice(free[room])
        counts[pick] += 1 if diff > 0 else -1
    return counts, lo_day, hi_day


def _counts_on_grid(starts: np.ndarray, ends: np.ndarray, grid: np.ndarray) -> np.ndarray:
    return ((starts[:, None] <= grid) & (ends[:, None] > grid)).sum(axis=0)


def _fit_peak(
    rng: np.random.Generator,
    starts: np.ndarray,
    ends: np.ndarray,
    locked: np.ndarray,
    target: int,
    open_: int,
    close: int,
) -> None:
    """Shorten or lengthen stays (in place) until the day's highest concurrent count is exactly `target`.

    Each step changes the maximum by at most one, so the loop lands on the target exactly.
    """
    grid = np.arange(open_, close, STEP)
    for _ in range(2000):
        counts = _counts_on_grid(starts, ends, grid)
        peak = int(counts.max())
        if peak == target:
            return
        t = int(grid[int(np.argmax(counts))])
        cover = (starts <= t) & (ends > t)
        if peak > target:  # someone present at t leaves before t or arrives after it
            options = []
            for i in np.flatnonzero(cover & ~locked):
                back = STEP * int(rng.integers(0, 4))
                if t - back - starts[i] >= 30:
                    options.append((t - back - starts[i], i, "end", t - back))
                ahead = t + STEP * int(rng.integers(1, 5))
                if ends[i] - ahead >= 30:
                    options.append((ends[i] - ahead, i, "start", ahead))
            if options:
                options.sort(key=lambda o: (-o[0], o[1]))
                _, i, which, value = options[int(rng.integers(0, min(3, len(options))))]
                if which == "end":
                    ends[i] = value
                else:
                    starts[i] = value
            else:  # move a short visit to the quietest 30 minutes away from t
                i = int(np.flatnonzero(cover & ~locked)[0])
                windows = [w for w in range(open_, close - 30 + 1, STEP) if not (w <= t < w + 30)]
                busy = [counts[(grid >= w) & (grid < w + 30)].max() for w in windows]
                starts[i] = windows[int(np.argmin(busy))]
                ends[i] = starts[i] + 30
        else:  # someone not present at t stays longer or comes earlier
            i = int(rng.choice(np.flatnonzero(~cover & ~locked)))
            if ends[i] <= t:
                ends[i] = min(close, t + STEP * int(rng.integers(1, 19)))
            else:
                starts[i] = max(open_, t - STEP * int(rng.integers(0, 7)))
    raise RuntimeError("could not calibrate the daily peak")  # pragma: no cover - bounded by construction


def _draw_times(rng: np.random.Generator, m: int, open_: int, close: int, stay_median: float):
    """Arrivals peaking late morning, lognormal stays of 30 minutes up to the whole day."""
    late = rng.random(m) < 0.3
    arrive = np.where(late, rng.uniform(open_, close - 45, m), rng.normal(open_ + 75, 50, m))
    arrive = np.clip(np.floor(arrive / STEP) * STEP, open_, close - 30).astype(int)
    stay = np.exp(rng.normal(np.log(stay_median), 0.45, m))
    stay = np.where(rng.random(m) < 0.12, close - arrive, stay)
    stay = np.clip(np.round(stay / STEP) * STEP, 30, close - arrive).astype(int)
    return arrive, arrive + stay


def _referral_table(rng, plan: OfferPlan, referred: list[str], never: set[str]) -> list[dict]:
    bands = ["18-29", "30-49", "50-64", "65+"]
    rows = []
    never_sorted = sorted(never)
    ended = set(never_sorted[:2])  # referral ended during the period; these never came
    started = set(never_sorted[2:3])  # referred during the period, has not come yet
    for name in referred:
        start = dt.date(2019, 1, 1) + dt.timedelta(days=int(rng.integers(0, 2550)))
        end = None
        if name in ended:
            end = dt.date(2026, 4, 30)
        if name in started:
            start = dt.date(2026, 5, 11)
        rows.append(
            {
                "offer_id": plan.offer_id,
                "citizen": name,
                "initials": _initials(name),
                "referral_start": pd.Timestamp(start),
                "referral_end": pd.Timestamp(end) if end else pd.NaT,
                "age_band": bands[int(rng.choice(4, p=[0.2, 0.35, 0.3, 0.15]))],
            }
        )
    return rows


def _truth_for_offer(
    seed: int, index: int, plan: OfferPlan, taken: set[str]
) -> tuple[list[dict], list[dict]]:
    rng = np.random.default_rng([seed, index])
    days = opening_days(plan)
    referred = _fake_people(rng, plan.n_referred, taken, set())
    dropins = _fake_people(rng, plan.n_dropin, taken, {_initials(n) for n in referred})
    order = rng.permutation(plan.n_referred)
    never = {referred[i] for i in order[: plan.n_never]}
    rare = [referred[i] for i in order[plan.n_never : plan.n_never + plan.n_rare]]
    regular = [referred[i] for i in order[plan.n_never + plan.n_rare :]]

    tick = plan.offer_id == "no17"
    avoid = set(TICK_WEEK) if tick else set()
    uniques, lo_day, hi_day = _daily_uniques(rng, days, plan, avoid)

    # who comes on which day: the few fixed first, regulars drawn by their own propensity
    present: list[list[str]] = [[] for _ in days]
    for name in rare:
        for d in rng.choice(len(days), size=int(rng.integers(1, 3)), replace=False):
            present[d].append(name)
    for name in dropins:
        for d in rng.choice(len(days), size=int(rng.integers(1, 5)), replace=False):
            present[d].append(name)
    propensity = rng.beta(2.0, 1.6, len(regular)) + 0.05
    for d in range(len(days)):
        need = int(uniques[d]) - len(present[d])
        p = propensity / propensity.sum()
        present[d].extend(regular[i] for i in sorted(rng.choice(len(regular), size=need, replace=False, p=p)))

    rows: list[dict] = []
    for d, day in enumerate(days):
        open_, close = plan.hours[day.weekday()]
        names = sorted(present[d])
        day_only: set[str] = set()
        fixed: dict[str, tuple[int, int]] = {}
        if tick and day in TICK_WEEK:
            k = int(min(2, len(names) - plan.peak_min, rng.integers(1, 3)))
            day_only = set(rng.choice(names, size=k, replace=False).tolist())
            if day == TICK_WEEK[2]:
                fixed[sorted(set(names) - day_only)[0]] = TICK_TIMED
        timed = [n for n in names if n not in day_only]
        starts, ends = _draw_times(rng, len(timed), open_, close, plan.stay_median)
        locked = np.zeros(len(timed), dtype=bool)
        for i, name in enumerate(timed):
            if name in fixed:
                starts[i], ends[i] = fixed[name]
                locked[i] = True
        natural = int(_counts_on_grid(starts, ends, np.arange(open_, close, STEP)).max())
        if d == hi_day:
            target = plan.peak_max
        elif d == lo_day:
            target = plan.peak_min
        else:
            target = min(max(natural, plan.peak_min + 1), plan.peak_max - 1, len(timed))
        _fit_peak(rng, starts, ends, locked, target, open_, close)
        for i, name in enumerate(timed):
            rows.append(_visit(plan.offer_id, day, name, int(starts[i]), int(ends[i])))
        for name in sorted(day_only):
            rows.append(_visit(plan.offer_id, day, name, None, None))

    rows += _returns(rng, plan, days, rows, lo_day, hi_day)
    if plan.offer_id == "auc":
        trippers = sorted(rng.choice(sorted(regular), size=8, replace=False).tolist())
        rows += [_visit("auc", TRIP_DATE, name, *TRIP_TIMES, trip=True) for name in trippers]
    return rows, _referral_table(rng, plan, referred, never)


def _visit(offer_id, day, citizen, start, end, trip=False) -> dict:
    midnight = pd.Timestamp(day)
    timed = start is not None
    return {
        "offer_id": offer_id,
        "date": midnight,
        "citizen": citizen,
        "start": midnight + pd.Timedelta(minutes=start) if timed else pd.NaT,
        "end": midnight + pd.Timedelta(minutes=end) if timed else pd.NaT,
        "granularity": "timed" if timed else "day",
        "on_closed_day": trip,
        "is_trip": trip,
    }


def _returns(rng, plan: OfferPlan, days, rows, lo_day, hi_day) -> list[dict]:
    """A few citizens come back later the same day, placed where they cannot change the day's peak.

    The first AUC return (Mon–Thu in April, the last 30 minutes before closing) is the one whose time-out is
    left blank in the raw file: imputing closing time or the median stay gives the same end, and quarantining
    it changes neither the unique count (the citizen came earlier) nor the peak (strictly lower there).
    """
    frame = pd.DataFrame(rows)
    frame = frame[frame["granularity"] == "timed"]
    added: list[dict] = []
    special_needed = plan.offer_id == "auc"
    candidates = [
        d for d in rng.permutation(len(days)) if d not in (lo_day, hi_day) and days[d] not in TICK_WEEK
    ]
    for d in candidates:
        if len(added) >= plan.n_returns and not special_needed:
            break
        day = days[d]
        open_, close = plan.hours[day.weekday()]
        own = frame[frame["date"] == pd.Timestamp(day)]
        s = ((own["start"] - own["date"]).dt.total_seconds() // 60).to_numpy(int)
        e = ((own["end"] - own["date"]).dt.total_seconds() // 60).to_numpy(int)
        grid = np.arange(open_, close, STEP)
        counts = _counts_on_grid(s, e, grid)
        peak = counts.max()
        special = special_needed and day.month == 4 and day.weekday() < 4
        if special:
            rs, re_ = close - 30, close
        elif len(added) < plan.n_returns:
            rs = int(rng.integers((open_ + 150) // STEP, (close - 60) // STEP + 1)) * STEP
            re_ = min(close, rs + STEP * int(rng.integers(6, 19)))
        else:
            continue
        window = counts[(grid >= rs) & (grid < re_)].max()
        if window + 1 > peak or (special and window + 1 >= peak):
            continue
        early = own[e <= rs - 60]
        if early.empty:
            continue
        name = early["citizen"].iloc[int(rng.integers(len(early)))]
        added.append(_visit(plan.offer_id, day, name, rs, re_))
        if special:
            special_needed = False
    return added


def truth_figures(visits: pd.DataFrame) -> dict[str, dict[str, float]]:
    """The kommissorium's figures of the truth (per opening day; peaks from timed visits on [start, end))."""
    out = {}
    present = set(visits["offer_id"])
    for plan in (p for p in ALL_PLANS if p.offer_id in present):
        days = pd.DatetimeIndex([pd.Timestamp(d) for d in opening_days(plan)])
        own = visits[(visits["offer_id"] == plan.offer_id) & visits["date"].isin(days)]
        unique = own.groupby("date")["citizen"].nunique().reindex(days, fill_value=0)
        timed = own[own["granularity"] == "timed"]
        events = pd.DataFrame(
            {
                "date": np.concatenate([timed["date"].to_numpy(), timed["date"].to_numpy()]),
                "t": np.concatenate([timed["start"].to_numpy(), timed["end"].to_numpy()]),
                "d": np.repeat([1, -1], len(timed)),
            }
        ).sort_values(["date", "t", "d"])
        events["n"] = events.groupby("date")["d"].cumsum()
        peak = events.groupby("date")["n"].max().reindex(days, fill_value=0)
        out[plan.offer_id] = {
            "mean": float(unique.mean()),
            "min": int(unique.min()),
            "max": int(unique.max()),
            "peak_max": int(peak.max()),
            "peak_min": int(peak.min()),
        }
    return out


def generate_truth(
    seed: int = 2026, offers: tuple[str, ...] = DEFAULT_OFFERS
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The clean truth the cleaner must recover: visits, referrals and the offers configuration.

    visits: offer_id, date, citizen (fake full name), start, end, granularity (`timed`/`day`), on_closed_day,
    is_trip. referrals: offer_id, citizen, initials, referral_start, referral_end (NaT = open), age_band.
    """
    config = offers_config(offers)
    taken: set[str] = set()
    for offer in config.values():
        taken.update(name.lower() for name in offer["staff_and_volunteers"])
    visits, referrals = [], []
    for index, plan in _plans(offers):
        v, r = _truth_for_offer(seed, index, plan, taken)
        visits += v
        referrals += r
    visits_df = (
        pd.DataFrame(visits)
        .sort_values(["offer_id", "date", "citizen", "start"], na_position="last")
        .reset_index(drop=True)
    )
    referrals_df = pd.DataFrame(referrals).sort_values(["offer_id", "citizen"]).reset_index(drop=True)
    return visits_df, referrals_df, config


# ------------------------------------------------------------------------------------------------------------
# Raw files: how staff type it
# ------------------------------------------------------------------------------------------------------------

DATE_FORMATS = [
    "excel_date",
    "serial",
    "dmy_dash",
    "dmy_dash_short",
    "slash_yy",
    "dot",
    "iso",
    "long_da",
    "wd_short",
]
TIME_FORMATS = ["excel_time", "fraction", "dot", "colon", "colon_short", "compact", "compact0", "kl", "bare"]
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def format_date(day: dt.date, fmt: str) -> Any:
    """A date the way staff type it (day-first always)."""
    d, m, y = day.day, day.month, day.year
    return {
        "excel_date": dt.datetime(y, m, d),
        "serial": (day - _EXCEL_EPOCH).days,
        "dmy_dash": f"{d:02d}-{m:02d}-{y}",
        "dmy_dash_short": f"{d}-{m}-{y}",
        "slash_yy": f"{d}/{m}/{y % 100:02d}",
        "dot": f"{d:02d}.{m:02d}.{y}",
        "iso": day.isoformat(),
        "long_da": f"{d}. {MONTHS_DA[m - 1]} {y}",
        "wd_short": f"{WEEKDAYS_SHORT[day.weekday()]} {d}/{m}",
    }[fmt]


def format_time(minutes: int, fmt: str) -> tuple[Any, str]:
    """A time the way staff type it, and the format actually used (`kl. 9` only works for whole hours)."""
    h, m = divmod(int(minutes), 60)
    if fmt == "fraction" and len(repr(minutes / 1440)) < 5:
        # 12:00 is the fraction 0.5; the reader turns numeric cells into text, and text "0.5" reads as 0:50
        return dt.time(h, m), "excel_time"
    if fmt in ("kl", "bare") and m:
        return (f"kl {h}.{m:02d}", "kl") if fmt == "kl" else (f"{h}.{m:02d}", "dot")
    value = {
        "excel_time": dt.time(h, m),
        "fraction": minutes / 1440,
        "dot": f"{h}.{m:02d}",
        "colon": f"{h:02d}:{m:02d}",
        "colon_short": f"{h}:{m:02d}",
        "compact": f"{h}{m:02d}",
        "compact0": f"{h:02d}{m:02d}",
        "kl": f"kl. {h}",
        "bare": f"{h}",
    }[fmt]
    return value, fmt


@dataclass
class Entry:
    """One spreadsheet row before formatting: a visit-like record, or a blank/title/header/total row."""

    kind: str  # data | blank | title | header | total | tick_header | tick
    day: dt.date | None = None
    citizen: str | None = None
    time_in: int | None = None
    time_out: int | None = None
    comment: str = ""
    offer: str | None = None
    text: str = ""
    defects: list[tuple[str, str]] = field(default_factory=list)
    time_format: str | None = None  # forced format (e.g. "8.45" must stay a dot time)
    cells: list[Any] | None = None  # tick list rows


@dataclass
class Sheet:
    file: str
    name: str | None  # None for CSV files
    header: list[tuple[str, str]]  # (field, label)
    date_formats: dict[str, float]
    time_formats: dict[str, float]
    entries: list[Entry] = field(default_factory=list)


def _minutes(ts: pd.Timestamp) -> int | None:
    if pd.isna(ts):
        return None
    return int(ts.hour * 60 + ts.minute)


def _case_spacing(rng: np.random.Generator, name: str) -> str:
    """The same name with stray case and spacing, as typed in a hurry."""
    parts = name.split()
    style = int(rng.integers(3))
    if style == 0:
        return "  " + "  ".join(p.lower() for p in parts[:-1]) + "  " + parts[-1].upper()
    if style == 1:
        return name.lower() + " "
    return " " + "   ".join(parts).upper()


def _alias_variant(name: str) -> str:
    return name[:-3] + "ssen"


class _Injector:
    """Picks visits for each defect without using one visit twice, and records the aliases it creates."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.used: set[int] = set()
        self.aliases: list[tuple[str, str]] = []

    def pick(self, entries: list[Entry], n: int, where=lambda e: True) -> list[Entry]:
        pool = [
            e for e in entries if e.kind == "data" and id(e) not in self.used and not e.defects and where(e)
        ]
        if len(pool) < n:
            raise RuntimeError("not enough visits to place a defect")  # pragma: no cover - fixed demo sizes
        chosen = [pool[i] for i in sorted(self.rng.choice(len(pool), size=n, replace=False))]
        self.used.update(id(e) for e in chosen)
        return chosen


def _data_entries(rng: np.random.Generator, visits: pd.DataFrame) -> list[Entry]:
    visits = visits.sort_values(["date", "start", "citizen"])
    comments = np.where(
        rng.random(len(visits)) < 0.12, rng.choice(CITIZEN_COMMENTS, size=len(visits)), ""
    ).tolist()
    out = []
    for row, comment in zip(visits.itertuples(index=False), comments, strict=True):
        out.append(
            Entry(
                "data",
                day=row.date.date(),
                citizen=row.citizen,
                time_in=_minutes(row.start),
                time_out=_minutes(row.end),
                comment=TRIP_COMMENT if row.is_trip else comment,
            )
        )
    return out


def _split_overlapping(inj: _Injector, entries: list[Entry], n: int) -> None:
    """One visit written as two overlapping rows (staff wrote the citizen in again after lunch)."""
    for e in inj.pick(entries, n, lambda e: e.time_out - e.time_in >= 120):
        mid = (e.time_in + e.time_out) // 2 // STEP * STEP
        second = Entry(
            "data",
            day=e.day,
            citizen=e.citizen,
            time_in=mid - 15,
            time_out=e.time_out,
            defects=[("overlapping_duplicate", "second half of a split visit, overlaps 30 min")],
        )
        e.time_out = mid + 15
        e.defects.append(("overlapping_duplicate", "first half of a split visit"))
        entries.insert(entries.index(e) + 1, second)


def _exact_duplicates(inj: _Injector, entries: list[Entry], n: int) -> None:
    for e in inj.pick(entries, n):
        copy = Entry(
            "data",
            day=e.day,
            citizen=e.citizen,
            time_in=e.time_in,
            time_out=e.time_out,
            comment=e.comment,
            offer=e.offer,
            defects=[("exact_duplicate", "row typed twice")],
        )
        e.defects.append(("exact_duplicate", "original of a row typed twice"))
        entries.insert(entries.index(e) + 1, copy)


def _swap(inj: _Injector, entries: list[Entry], n: int) -> None:
    for e in inj.pick(entries, n, lambda e: e.time_out is not None):
        e.time_in, e.time_out = e.time_out, e.time_in
        e.defects.append(("time_out_before_time_in", "time in and out swapped"))


def _case_variants(inj: _Injector, entries: list[Entry], n: int) -> None:
    for e in inj.pick(entries, n):
        e.citizen = _case_spacing(inj.rng, e.citizen)
        e.defects.append(("name_case_spacing", "stray case and spacing in the name"))


def _alias_citizen(inj: _Injector, entries: list[Entry], exclude: set[str]) -> None:
    """A citizen whose name is spelled differently in some rows; the variant goes into citizen_aliases.csv."""
    counts = pd.Series([e.citizen for e in entries if e.kind == "data"]).value_counts()
    names = sorted(n for n, c in counts.items() if c >= 4 and n.endswith("sen") and n not in exclude)
    name = names[int(inj.rng.integers(len(names)))]
    variant = _alias_variant(name)
    inj.aliases.append((variant, name))
    rows = [e for e in entries if e.kind == "data" and e.citizen == name and not e.defects]
    for e in rows[1::2]:
        e.citizen = variant
        e.defects.append(("name_alias", "spelling variant listed in citizen_aliases.csv"))
        inj.used.add(id(e))


def _outside_hours(inj: _Injector, entries: list[Entry], plan: OfferPlan, n_early: int, n_late: int) -> None:
    """Arrivals typed before opening (8.45) and departures after closing; the truth holds the clipped times."""
    for e in inj.pick(entries, n_early, lambda e: e.time_in == plan.hours[e.day.weekday()][0]):
        e.time_in -= 15
        e.time_format = "dot"
        e.defects.append(
            ("outside_opening_hours", f"time in {e.time_in // 60}.{e.time_in % 60:02d} before opening")
        )
    for e in inj.pick(entries, n_late, lambda e: e.time_out == plan.hours[e.day.weekday()][1]):
        e.time_out += 20
        e.time_format = "dot"
        e.defects.append(("outside_opening_hours", "time out after closing"))


def _staff_rows(
    rng, entries: list[Entry], names: list[str], n: int, plan: OfferPlan, comment: str = ""
) -> None:
    data = [i for i, e in enumerate(entries) if e.kind == "data"]
    for k, pos in enumerate(sorted(rng.choice(data, size=n, replace=False), reverse=True)):
        day = entries[pos].day
        open_, close = plan.hours[day.weekday()]
        entries.insert(
            pos,
            Entry(
                "data",
                day=day,
                citizen=names[k % len(names)],
                time_in=open_ - 30,
                time_out=close + 30,
                comment=comment,
                defects=[("staff_or_volunteer", "staff or volunteer registered")],
            ),
        )


def _insert_blank(rng, entries: list[Entry], n: int) -> None:
    for pos in sorted(rng.choice(np.arange(1, len(entries)), size=n, replace=False), reverse=True):
        entries.insert(int(pos), Entry("blank", defects=[("blank_row", "empty row")]))


def _by_week(visits: pd.DataFrame) -> dict[int, pd.DataFrame]:
    weeks = visits["date"].dt.isocalendar().week
    return {int(w): visits[weeks == w] for w in sorted(weeks.unique())}


def _layout(rng, truth: pd.DataFrame, offers: dict) -> tuple[list[Sheet], list[tuple[str, str]]]:
    """Every registration sheet, with the defects of docs/design.md § 3 placed where cleaning undoes them.

    The demo's two offers each have their own hand-made layout (the defect floor of the tests); any other offer
    gets the plain monthly layout of `_layout_monthly`.
    """
    plans = {p.offer_id: p for p in ALL_PLANS}
    inj = _Injector(rng)
    sheets: list[Sheet] = []
    writers = {"auc": _layout_auc, "no17": _layout_no17}
    for offer_id, offer in offers.items():
        own = truth[truth["offer_id"] == offer_id]
        writer = writers.get(offer_id, _layout_monthly)
        sheets += writer(rng, inj, own, offer, plans[offer_id], truth.attrs.get("referrals"))
    return sheets, inj.aliases


def _layout_auc(
    rng, inj: _Injector, auc: pd.DataFrame, offer: dict, plan: OfferPlan, referrals
) -> list[Sheet]:
    """AUC: weekly sheets with titles and totals, a serial-date sheet, and a cp1252 CSV export with a trip."""
    sheets: list[Sheet] = []
    auc_month = auc["date"].dt.month
    staff_auc = offer["staff_and_volunteers"]
    plans = {"auc": plan}

    # File names are ASCII ("fremmoede"), as staff often write them; `git ls-files` quotes non-ASCII paths.
    # AUC, March: one sheet per week, real Excel dates and times, title and total rows
    long_a = [
        ("date", "Dato"),
        ("citizen", "Navn"),
        ("time_in", "Ind"),
        ("time_out", "Ud"),
        ("comment", "Bemærkning"),
    ]
    march = _data_entries(rng, auc[auc_month == 3])
    _outside_hours(inj, march, plans["auc"], n_early=2, n_late=1)
    _split_overlapping(inj, march, 2)
    _alias_citizen(inj, march, exclude=set())
    _case_variants(inj, march, 3)
    _staff_rows(rng, march, staff_auc[:2], 3, plans["auc"])
    for week in sorted({e.day.isocalendar()[1] for e in march}):
        rows = [e for e in march if e.day.isocalendar()[1] == week]
        sheet = Sheet(
            "AUC fremmoede marts 2026.xlsx",
            f"Uge {week}",
            long_a,
            {"excel_date": 0.85, "dmy_dash": 0.1, "dot": 0.05},
            {"excel_time": 0.7, "dot": 0.15, "fraction": 0.15},
        )
        n_visits = sum(
            1 for e in rows if e.kind == "data" and not any(k == "staff_or_volunteer" for k, _ in e.defects)
        )
        sheet.entries = [
            Entry(
                "title",
                text=f"AUC Grenaa - fremmøde uge {week}",
                defects=[("title_row", "title above header")],
            ),
            Entry("blank", defects=[("blank_row", "empty row under the title")]),
            Entry("header"),
            *rows,
            Entry("blank", defects=[("blank_row", "empty row before the total")]),
            Entry("total", text="I alt", comment=f"{n_visits} besøg", defects=[("total_row", "I alt")]),
        ]
        sheets.append(sheet)

    # AUC, April: one sheet, serial numbers and typed dates, compact times; duplicates, a CPR, a missing time-out
    april = _data_entries(rng, auc[auc_month == 4])
    counts = pd.Series([(e.day, e.citizen) for e in april]).value_counts()
    missing = [e for e in april if e.time_in == 870 and e.time_out == 900 and counts[(e.day, e.citizen)] == 2]
    missing[0].time_out = None
    missing[0].defects.append(
        ("missing_time_out", "late return without time out; any imputation ends at 15:00")
    )
    inj.used.add(id(missing[0]))
    _exact_duplicates(inj, april, 2)
    cpr_pos = int(rng.integers(5, len(april) - 5))
    april.insert(
        cpr_pos,
        Entry(
            "data",
            day=april[cpr_pos].day,
            citizen=FAKE_CPR,
            time_in=600,
            time_out=720,
            defects=[("cpr_in_citizen", "CPR number typed into the name field")],
        ),
    )
    _case_variants(inj, april, 2)
    _insert_blank(rng, april, 2)
    sheets.append(
        Sheet(
            "AUC fremmoede april 2026.xlsx",
            "April",
            [
                ("date", "Dag"),
                ("citizen", "Borger"),
                ("time_in", "Kom"),
                ("time_out", "Gik"),
                ("comment", "Kommentar"),
            ],
            {"serial": 0.35, "slash_yy": 0.2, "dmy_dash_short": 0.15, "long_da": 0.15, "wd_short": 0.15},
            {"compact": 0.25, "compact0": 0.15, "colon_short": 0.2, "kl": 0.2, "bare": 0.1, "colon": 0.1},
            [
                Entry(
                    "title", text="Fremmøde A.U.C. april 2026", defects=[("title_row", "title above header")]
                ),
                Entry("header"),
                *april,
            ],
        )
    )

    # AUC, May: a cp1252 CSV export with a Tilbud column, decimal comma, swapped times and the Saturday trip
    may = _data_entries(rng, auc[auc_month == 5])
    _swap(inj, may, 2)
    _case_variants(inj, may, 1)
    aliases = ["AUC", "AUC", "AUC", "auc grenaa", "A.U.C."]
    for e in may:
        e.offer = aliases[int(rng.integers(len(aliases)))]
        if e.comment == TRIP_COMMENT:
            e.defects.append(("closed_day", "trip on a Saturday"))
    for e in may:
        if e.offer != "AUC":
            e.defects.append(("offer_variant", f"offer written {e.offer!r}"))
            break
    sheets.append(
        Sheet(
            "AUC fremmoede maj 2026.csv",
            None,
            [
                ("offer", "Tilbud"),
                ("date", "Dato"),
                ("citizen", "Navn"),
                ("time_in", "Mødt ind"),
                ("time_out", "Tid ud"),
                ("hours", "Timer"),
                ("comment", "Bemærkning"),
            ],
            {"dot": 0.5, "iso": 0.2, "dmy_dash": 0.3},
            {"dot": 0.6, "colon": 0.4},
            [Entry("header"), *may],
        )
    )

    return sheets


def _layout_no17(
    rng, inj: _Injector, no17: pd.DataFrame, offer: dict, plan: OfferPlan, referrals
) -> list[Sheet]:
    """No. 17: a long sheet plus a tick list, weekly sheets with initials, and a sheet with offer variants."""
    sheets: list[Sheet] = []
    no17_month = no17["date"].dt.month
    staff_no17 = offer["staff_and_volunteers"]
    plans = {"no17": plan}

    # No. 17, March: a long sheet and week 12 as a tick list
    no17_march = no17[no17_month == 3]
    in_tick_week = no17_march["date"].dt.date.isin(TICK_WEEK)
    timed_tick = no17_march[in_tick_week & (no17_march["granularity"] == "timed")]
    ranged = timed_tick[
        (timed_tick["date"].dt.date == TICK_WEEK[2])
        & (timed_tick["start"].dt.hour * 60 + timed_tick["start"].dt.minute == TICK_TIMED[0])
        & (timed_tick["end"].dt.hour * 60 + timed_tick["end"].dt.minute == TICK_TIMED[1])
    ].iloc[:1]
    long_march = no17_march[(no17_march["granularity"] == "timed") & ~no17_march.index.isin(ranged.index)]
    nm = _data_entries(rng, long_march)
    _swap(inj, nm, 1)
    _outside_hours(inj, nm, plans["no17"], n_early=1, n_late=0)
    sheets.append(
        Sheet(
            "No 17 fremmoede marts 2026.xlsx",
            "Marts",
            [
                ("date", "Dato"),
                ("citizen", "Navn"),
                ("time_in", "Tid ind"),
                ("time_out", "Tid ud"),
                ("comment", "Note"),
            ],
            {"excel_date": 0.7, "slash_yy": 0.3},
            {"excel_time": 0.6, "dot": 0.2, "kl": 0.2},
            [
                Entry(
                    "title",
                    text="Fremmøde No 17 - marts 2026",
                    defects=[("title_row", "title above header"), ("offer_variant", "No 17 in title")],
                ),
                Entry("header"),
                *nm,
            ],
        )
    )
    sheets.append(_tick_sheet(rng, no17_march[in_tick_week], ranged))

    # No. 17, April: nr17_2026-04.xlsx, one sheet per week, no title (offer from the file name); week 16 initials
    initials = _referral_initials(referrals, "no17")
    for week, visits in _by_week(no17[no17_month == 4]).items():
        rows = _data_entries(rng, visits)
        label = "Navn"
        if week == 16:
            label = "Initialer"
            for e in rows:
                if e.citizen in initials:
                    e.citizen = initials[e.citizen]
                    if not any(k == "initials" for r in rows for k, _ in r.defects):
                        e.defects.append(("initials", "initials instead of name"))
        if week == 15:
            _split_overlapping(inj, rows, 1)
        sheets.append(
            Sheet(
                "nr17_2026-04.xlsx",
                f"Uge {week}",
                [("date", "Dato"), ("citizen", label), ("time_in", "Fra"), ("time_out", "Til")],
                {"dmy_dash": 0.6, "excel_date": 0.4},
                {"colon": 0.6, "dot": 0.4},
                [Entry("header", defects=[("offer_variant", "offer only in the file name nr17_…")]), *rows],
            )
        )

    # No. 17, May: a Tilbud column with spelling variants, repeated header, blank rows, total, a volunteer
    nmay = _data_entries(rng, no17[no17_month == 5])
    variants = ["Nr. 17", "No 17", "no17", "No. 17"]
    for i, e in enumerate(nmay):
        e.offer = variants[i % len(variants)] if rng.random() < 0.5 else "No. 17"
    nmay[0].offer = "Nr. 17"
    nmay[0].defects.append(("offer_variant", "offer written 'Nr. 17'"))
    _exact_duplicates(inj, nmay, 1)
    _case_variants(inj, nmay, 2)
    _alias_citizen(inj, nmay, exclude={v for _, v in inj.aliases})
    _staff_rows(rng, nmay, staff_no17[1:], 1, plans["no17"], comment="frivillig")
    for e in nmay:
        if e.kind == "data" and any(k == "staff_or_volunteer" for k, _ in e.defects):
            e.offer = "No. 17"
    mid = next(i for i, e in enumerate(nmay) if e.day >= dt.date(2026, 5, 15))
    nmay.insert(mid, Entry("header", defects=[("header_row", "header repeated mid-sheet")]))
    nmay.insert(mid, Entry("blank", defects=[("blank_row", "empty row")]))
    _insert_blank(rng, nmay, 1)
    n_visits = sum(1 for e in nmay if e.kind == "data")
    sheets.append(
        Sheet(
            "No. 17 maj 2026.xlsx",
            "Maj",
            [
                ("offer", "Tilbud"),
                ("date", "Dato"),
                ("citizen", "Navn"),
                ("time_in", "Ind"),
                ("time_out", "Ud"),
                ("comment", "Bemærkninger"),
            ],
            {"long_da": 0.3, "dmy_dash": 0.4, "excel_date": 0.3},
            {"dot": 0.5, "colon": 0.3, "kl": 0.2},
            [
                Entry("header"),
                *nmay,
                Entry("blank", defects=[("blank_row", "empty row")]),
                Entry(
                    "total",
                    text="I alt",
                    comment=f"{n_visits} registreringer",
                    defects=[("total_row", "I alt")],
                ),
            ],
        )
    )
    return sheets


def _layout_monthly(
    rng, inj: _Injector, own: pd.DataFrame, offer: dict, plan: OfferPlan, referrals
) -> list[Sheet]:
    """Any further offer: one workbook per month named after the offer, a title row and a few common defects.

    The offer is read from the title row (its name is an alias); the defects are ones every sheet may have:
    an exact duplicate, swapped times, stray case, a staff row and blank rows.
    """
    sheets: list[Sheet] = []
    months = own["date"].dt.month
    header = [
        ("date", "Dato"),
        ("citizen", "Navn"),
        ("time_in", "Ind"),
        ("time_out", "Ud"),
        ("comment", "Note"),
    ]
    for month in sorted(set(months[~own["on_closed_day"]])):
        rows = _data_entries(rng, own[months == month])
        _exact_duplicates(inj, rows, 1)
        _swap(inj, rows, 1)
        _case_variants(inj, rows, 1)
        _staff_rows(rng, rows, offer["staff_and_volunteers"], 1, plan)
        _insert_blank(rng, rows, 1)
        month_name = MONTHS_DA[month - 1]
        sheets.append(
            Sheet(
                f"{offer['name']} fremmoede {month_name} 2026.xlsx",
                month_name.capitalize(),
                header,
                {"excel_date": 0.6, "dmy_dash": 0.4},
                {"excel_time": 0.5, "dot": 0.3, "colon": 0.2},
                [
                    Entry(
                        "title",
                        text=f"Fremmøde {offer['name']} {month_name} 2026",
                        defects=[("title_row", "title above header")],
                    ),
                    Entry("header"),
                    *rows,
                ],
            )
        )
    return sheets


def _referral_initials(referrals: pd.DataFrame, offer_id: str) -> dict[str, str]:
    own = referrals[referrals["offer_id"] == offer_id]
    return dict(zip(own["citizen"], own["initials"], strict=True))


def _tick_sheet(rng, week_visits: pd.DataFrame, ranged: pd.DataFrame) -> Sheet:
    """Week 12 at No. 17 as a tick list: X for every citizen present, one `10-14`; some were only ticked."""
    names = sorted(week_visits["citizen"].unique())
    ranged_key = (ranged["date"].iloc[0].date(), ranged["citizen"].iloc[0])
    marks = ["X", "X", "X", "x", "1"]
    entries = [
        Entry(
            "tick_header",
            cells=["Navn", *[dt.datetime(d.year, d.month, d.day) for d in TICK_WEEK]],
            defects=[("tick_list", "week 12 as a tick list")],
        )
    ]
    present = {
        (d.date(), c): g
        for d, c, g in week_visits[["date", "citizen", "granularity"]].itertuples(index=False)
    }
    for name in names:
        cells: list[Any] = [name]
        defects = []
        for day in TICK_WEEK:
            if (day, name) == ranged_key:
                cells.append(f"{TICK_TIMED[0] // 60}-{TICK_TIMED[1] // 60}")
                defects.append(("tick_list", "time range 10-14 in a tick list"))
            elif (day, name) in present:
                cells.append(marks[int(rng.integers(len(marks)))])
                if present[(day, name)] == "day":
                    defects.append(("tick_list", "day-level X only"))
            else:
                cells.append(None)
        entries.append(Entry("tick", cells=cells, defects=defects))
    return Sheet("No 17 fremmoede marts 2026.xlsx", "No17 uge 12", [], {}, {}, entries)


def _choose(rng, weights: dict[str, float]) -> str:
    keys = list(weights)
    p = np.array([weights[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def _render(rng, sheet: Sheet, manifest: list[dict]) -> list[list[Any]]:
    """Cell values row by row, and the manifest of defects with their 1-based spreadsheet rows."""
    rows: list[list[Any]] = []
    width = max(len(sheet.header), 1)
    seen_formats: set[tuple[str, str]] = set()
    for entry in sheet.entries:
        row_no = len(rows) + 1
        if entry.kind == "blank":
            rows.append([None] * width)
        elif entry.kind == "title":
            rows.append([entry.text] + [None] * (width - 1))
        elif entry.kind == "header":
            rows.append([label for _, label in sheet.header])
        elif entry.kind == "total":
            values = {"date": entry.text, "comment": entry.comment}
            rows.append([values.get(f) for f, _ in sheet.header])
        elif entry.kind in ("tick_header", "tick"):
            rows.append(list(entry.cells))
        else:
            date_fmt = _choose(rng, sheet.date_formats)
            time_fmt = entry.time_format or _choose(rng, sheet.time_formats)
            values: dict[str, Any] = {
                "offer": entry.offer,
                "date": format_date(entry.day, date_fmt),
                "citizen": entry.citizen,
                "comment": entry.comment or None,
            }
            used = []
            for fld, minutes in (("time_in", entry.time_in), ("time_out", entry.time_out)):
                if minutes is None:
                    values[fld] = None
                else:
                    values[fld], actual = format_time(minutes, time_fmt)
                    used.append(actual)
            if entry.time_in is not None and entry.time_out is not None:
                values["hours"] = f"{abs(entry.time_out - entry.time_in) / 60:.2f}".replace(".", ",")
            rows.append([values.get(f) for f, _ in sheet.header])
            for kind, fmt in [("date_format", date_fmt)] + [("time_format", f) for f in used]:
                if (kind, fmt) not in seen_formats:
                    seen_formats.add((kind, fmt))
                    manifest.append(
                        {"kind": kind, "file": sheet.file, "sheet": sheet.name, "row": row_no, "detail": fmt}
                    )
        for kind, detail in entry.defects:
            manifest.append(
                {"kind": kind, "file": sheet.file, "sheet": sheet.name, "row": row_no, "detail": detail}
            )
    return rows


def _save_workbook(wb: Workbook, path: Path) -> None:
    """Save with fixed document and zip timestamps, so the same seed gives byte-identical files."""
    wb.properties.created = _FIXED_DOC_TIME
    wb.properties.modified = _FIXED_DOC_TIME
    wb.properties.creator = "attendance synth"
    buffer = io.BytesIO()
    archive = _FixedTimeZip(buffer, "w", zipfile.ZIP_DEFLATED)
    ExcelWriter(wb, archive).save()
    path.write_bytes(buffer.getvalue())


class _FixedTimeZip(zipfile.ZipFile):
    """openpyxl writes members with the current time; this pins them (and sets modified after openpyxl)."""

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, date_time=_FIXED_ZIP_TIME)
            zinfo_or_arcname.compress_type = zipfile.ZIP_DEFLATED
            zinfo_or_arcname.external_attr = 0o600 << 16
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        """Worksheets arrive as temporary files, whose mtime would end up in the archive."""
        self.writestr(
            arcname or Path(filename).name, Path(filename).read_bytes(), compress_type, compresslevel
        )


def _write_xlsx(path: Path, sheets: list[tuple[str, list[list[Any]]]]) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets:
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        for cells in ws.iter_rows():
            for cell in cells:
                if isinstance(cell.value, dt.datetime):
                    cell.number_format = "dd-mm-yyyy"
                elif isinstance(cell.value, dt.time):
                    cell.number_format = "hh:mm"
        ws.column_dimensions["B"].width = 24
    _save_workbook(wb, path)


def _write_csv(path: Path, rows: list[list[Any]], encoding: str = "cp1252", delimiter: str = ";") -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    path.write_bytes(buffer.getvalue().encode(encoding))


@dataclass
class DemoBuild:
    """What `build_demo` wrote: the one-paragraph summary and the manifest of injected defects."""

    summary: str
    manifest: list[dict]
    files: list[Path]


def demo_key(seed: int) -> str:
    """The demo's own pseudonymisation key, derived from the seed (real data use a secret key)."""
    return hashlib.sha256(f"attendance synthetic demo key, seed {seed}".encode()).hexdigest()


def _join_da(parts: list[str], conjunction: str = "og") -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} {conjunction} {parts[-1]}"


def build_demo(out_dir: Path, seed: int = 2026, offers: tuple[str, ...] = DEFAULT_OFFERS) -> DemoBuild:
    """Write the calibrated demo dataset into `out_dir` and return its manifest of injected defects.

    `offers` selects the offers (see `select_offers`); the default, the demo's two, gives the committed demo.
    """
    out_dir = Path(out_dir)
    offer_ids = select_offers(offers)
    truth, referrals, offers = generate_truth(seed, offer_ids)
    truth.attrs["referrals"] = referrals
    rng = np.random.default_rng([seed, 7])
    sheets, aliases = _layout(rng, truth, offers)
    manifest: list[dict] = []
    reg_dir = out_dir / "registrations"
    reg_dir.mkdir(parents=True, exist_ok=True)
    for stale in reg_dir.iterdir():
        if stale.is_file() and stale.suffix in (".xlsx", ".csv"):
            stale.unlink()
    files: dict[str, list[tuple[str | None, list[list[Any]]]]] = {}
    for sheet in sheets:
        files.setdefault(sheet.file, []).append((sheet.name, _render(rng, sheet, manifest)))
    written = []
    for name, content in files.items():
        path = reg_dir / name
        if name.endswith(".csv"):
            _write_csv(path, content[0][1])
            manifest.append(
                {"kind": "cp1252", "file": name, "sheet": None, "row": None, "detail": "cp1252, ';'"}
            )
        else:
            _write_xlsx(path, content)
        written.append(path)

    written += _write_metadata(out_dir, seed, offers, referrals, aliases, offer_ids != DEFAULT_OFFERS)
    n_rows = sum(len(rows) for content in files.values() for _, rows in content)
    kinds = sorted({m["kind"] for m in manifest})
    on_open = truth[~truth["on_closed_day"]]
    fig = truth_figures(truth)

    def describe(offer_id: str) -> str:
        f = fig[offer_id]
        return (
            f"{f['mean']:.1f}".replace(".", ",")
            + f" ({f['min']}-{f['max']}, peaks {f['peak_max']}/{f['peak_min']})"
        )

    names = {offer_id: offer["name"] for offer_id, offer in offers.items()}
    referral_counts = ", ".join(f"{(referrals['offer_id'] == o).sum()} {name}" for o, name in names.items())
    figures = [f"{name} {describe(o)}" for o, name in names.items()]
    figures[0] += " unique citizens per opening day"
    summary = (
        f"Wrote the synthetic demo dataset (seed {seed}) to {out_dir}: {len(files)} registration files with "
        f"{n_rows} raw rows, a referral list ({referral_counts}) and offers.yaml. The truth behind it has "
        f"{len(on_open)} visits on opening days plus {int(truth['on_closed_day'].sum())} on a trip; "
        "its figures, which cleaning must reproduce: "
        f"{_join_da(figures, 'and')}. "
        f"Injected defect kinds: {', '.join(kinds)}. All names are fake."
    )
    return DemoBuild(summary, manifest, written)


def _write_metadata(
    out_dir: Path, seed: int, offers: dict, referrals: pd.DataFrame, aliases, selected: bool = False
) -> list[Path]:
    where = _join_da([f"{offer['name']} ({offer['town']})" for offer in offers.values()])
    option = f" --offers {','.join(offers)}" if selected else ""
    dataset = {
        "name": out_dir.name if selected else "demo",
        "synthetic": True,
        "period_start": PERIOD_START,
        "period_end": PERIOD_END,
        "description": (
            f"Syntetiske demodata for {where}, marts-maj 2026. Navnene er opdigtede; "
            + ("" if selected else "rensede giver data kommissoriets fremmødetal. ")
            + f"Dannet med `attendance synth{option}` (seed {seed})."
        ),
    }
    paths = [out_dir / "dataset.yaml", out_dir / "offers.yaml"]
    paths[0].write_text(yaml.safe_dump(dataset, sort_keys=False, allow_unicode=True), encoding="utf-8")
    paths[1].write_text(
        yaml.safe_dump({"offers": offers}, sort_keys=False, allow_unicode=True, width=110), encoding="utf-8"
    )
    offer_names = {offer_id: offer["name"] for offer_id, offer in offers.items()}
    ref_rows = [["Tilbud", "Navn", "Initialer", "Visiteret fra", "Visiteret til", "Aldersgruppe"]]
    for r in referrals.itertuples(index=False):
        ref_rows.append(
            [
                offer_names[r.offer_id],
                r.citizen,
                r.initials,
                r.referral_start.to_pydatetime(),
                None if pd.isna(r.referral_end) else r.referral_end.to_pydatetime(),
                r.age_band,
            ]
        )
    paths.append(out_dir / "referrals.xlsx")
    _write_xlsx(paths[-1], [("Visitationer", ref_rows)])
    paths.append(out_dir / "citizen_aliases.csv")
    _write_csv(paths[-1], [["variant", "canonical"], *map(list, aliases)], encoding="utf-8")
    paths.append(out_dir / "demo_pseudonym.key")
    paths[-1].write_text(demo_key(seed) + "\n", encoding="ascii")
    return paths


def write_raw_dataset(
    out_dir: Path, seed: int = 2026, visits: int | None = None, offers: str | int | None = None
) -> str:
    """Write the raw dataset (the calibrated demo, or about `visits` visits for benchmarks); return a summary.

    `offers`: None for the demo's two offers, a number (1–3) or offer ids "auc,no17,aktivhuset".
    """
    if visits is None:
        return build_demo(Path(out_dir), seed, select_offers(offers)).summary
    if offers is not None:
        raise ValueError("--offers applies to the calibrated demo, not to --visits")
    return write_scaled_dataset(Path(out_dir), seed, visits)


# ------------------------------------------------------------------------------------------------------------
# Benchmark scale: about N visits, vectorised, written as CSV chunks
# ------------------------------------------------------------------------------------------------------------

SCALE_CHUNK_ROWS = 1_000_000
SCALE_SHARES = {"auc": 0.7, "no17": 0.3}
_SCALE_DATE_FORMATS = ["dmy_dash", "dot", "iso", "slash_yy", "dmy_dash_short"]
_SCALE_TIME_FORMATS = ["dot", "colon", "colon_short", "compact0", "kl"]


def scaled_names(n: int) -> np.ndarray:
    """n distinct fake names by mixed-radix decomposition of the index (vectorised, no lookups per row)."""
    i = np.arange(n, dtype=np.int64)
    f, m, s = len(FIRST_NAMES), len(MIDDLE_NAMES) + 1, len(SURNAMES)
    if n > f * m * s * (s + 1):
        raise ValueError(f"at most {f * m * s * (s + 1)} distinct scaled names")
    first = np.array(FIRST_NAMES, dtype=object)[i % f]
    middle = np.array(["", *[name + " " for name in MIDDLE_NAMES]], dtype=object)[(i // f) % m]
    surname = np.array(SURNAMES, dtype=object)[(i // (f * m)) % s]
    extra_index = i // (f * m * s)
    extra = np.array(["", *["-" + name for name in SURNAMES]], dtype=object)[extra_index % (s + 1)]
    return first + " " + middle + surname + extra


def write_scaled_dataset(out_dir: Path, seed: int, visits: int) -> str:
    """About `visits` visits of the two offers over the same period, as `;` CSV chunks with low-rate defects.

    Why no calibration here: this is for benchmarks (memory and time of the clean and occupancy stages), so
    the point is volume with the same kinds of mess, generated with numpy in O(visits) without row loops.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if visits < 100:
        raise ValueError("--visits must be at least 100")
    started = time.perf_counter()
    out_dir = Path(out_dir)
    reg_dir = out_dir / "registrations"
    reg_dir.mkdir(parents=True, exist_ok=True)
    for stale in reg_dir.iterdir():
        if stale.is_file() and stale.suffix in (".xlsx", ".csv"):
            stale.unlink()
    rng = np.random.default_rng([seed, 1000])
    offers = offers_config()
    all_days = pd.date_range(PERIOD_START, PERIOD_END, freq="D").date
    date_table = pa.array(
        [format_date(d, f) for f in _SCALE_DATE_FORMATS for d in all_days]
        + [format_date(TRIP_DATE, "dmy_dash")]
    )
    time_table = pa.array([format_time(m, f)[0] for f in _SCALE_TIME_FORMATS for m in range(1440)] + [None])
    no_time = len(time_table) - 1
    comment_table = pa.array([None, *CITIZEN_COMMENTS, TRIP_COMMENT, "frivillig"])
    n_citizens = int(min(max(visits // 20, 50), 2_000_000))
    files, total_rows, offset = 0, 0, 0
    referral_parts = []
    for plan in PLANS:
        share = SCALE_SHARES[plan.offer_id]
        n_visits = int(round(visits * share))
        n_cit = max(int(round(n_citizens * share)), 20)
        names = scaled_names(offset + int(n_cit * 1.15))[offset:]
        offset += len(names)
        days = opening_days(plan)
        day_pos = np.array([list(all_days).index(d) for d in days], dtype=np.int32)
        opens = np.array([plan.hours[d.weekday()][0] for d in days], dtype=np.int16)
        closes = np.array([plan.hours[d.weekday()][1] for d in days], dtype=np.int16)
        months = np.array([d.month for d in days], dtype=np.int8)

        day = np.sort(rng.integers(0, len(days), n_visits)).astype(np.int16)
        # distinct citizens within a day (mostly one visit per citizen-day): the k-th visit of day d is citizen
        # (offset_d + k * step) mod n_cit with step coprime to n_cit
        rank = np.arange(n_visits) - np.searchsorted(day, day, side="left")
        step = next(p for p in (7919, 104729, 1299709) if np.gcd(p, n_cit) == 1)
        offset_day = rng.integers(0, n_cit, len(days))
        citizen = ((offset_day[day] + rank.astype(np.int64) * step) % n_cit).astype(np.int32)
        open_, close = opens[day].astype(np.int32), closes[day].astype(np.int32)
        late = rng.random(n_visits) < 0.3
        arrive = np.where(late, rng.uniform(open_, close - 45), rng.normal(open_ + 75, 50))
        arrive = np.clip(np.floor(arrive / STEP) * STEP, open_, close - 30).astype(np.int32)
        stay = np.exp(rng.normal(np.log(plan.stay_median), 0.45, n_visits))
        stay = np.clip(np.round(stay / STEP) * STEP, 30, close - arrive).astype(np.int32)
        t_in, t_out = arrive, arrive + stay
        comment = np.where(
            rng.random(n_visits) < 0.1, rng.integers(1, 1 + len(CITIZEN_COMMENTS), n_visits), 0
        )

        # defects at low rates, all as masks over the visits
        u = rng.random(n_visits)
        swap = u < 0.003
        t_in, t_out = np.where(swap, t_out, t_in), np.where(swap, t_in, t_out)
        missing_out = (u >= 0.003) & (u < 0.005)
        early = (u >= 0.005) & (u < 0.008) & (t_in == open_)
        t_in = np.where(early, t_in - 15, t_in)
        name_code = citizen.astype(np.int64)
        variant = (u >= 0.008) & (u < 0.013)
        name_code = np.where(variant, name_code + len(names), name_code)
        t_out = np.where(missing_out, -1, t_out)
        date_fmt = rng.integers(0, len(_SCALE_DATE_FORMATS), n_visits)
        date_code = (date_fmt * len(all_days) + day_pos[day]).astype(np.int64)
        time_fmt = rng.integers(0, len(_SCALE_TIME_FORMATS), n_visits) * 1440

        dup = rng.random(n_visits) < 0.002  # exact duplicates: the same row again
        split = (rng.random(n_visits) < 0.002) & (stay >= 120) & ~swap & ~missing_out
        mid = (arrive + stay // 2) // STEP * STEP
        rows = {
            "day": np.concatenate([day, day[dup], day[split]]),
            "date": np.concatenate([date_code, date_code[dup], date_code[split]]),
            "name": np.concatenate([name_code, name_code[dup], name_code[split]]),
            "in": np.concatenate([t_in, t_in[dup], mid[split] - 15]),
            "out": np.concatenate([np.where(split, mid + 15, t_out), t_out[dup], t_out[split]]),
            "fmt": np.concatenate([time_fmt, time_fmt[dup], time_fmt[split]]),
            "comment": np.concatenate([comment, comment[dup], comment[split]]),
        }
        # staff rows, CPR typed as a name, a Saturday trip (closed day)
        n_staff, n_cpr, n_trip = (
            max(1, n_visits // 1000),
            max(1, n_visits // 50_000),
            max(2, n_visits // 5000),
        )
        extra_day = rng.integers(0, len(days), n_staff + n_cpr).astype(np.int16)
        trip_day = np.full(n_trip, -1, dtype=np.int16)
        staff_names = offers[plan.offer_id]["staff_and_volunteers"]
        name_extra = np.concatenate(
            [
                2 * len(names) + rng.integers(0, len(staff_names), n_staff),
                np.full(n_cpr, 2 * len(names) + len(staff_names)),
                rng.integers(0, n_cit, n_trip),
            ]
        )
        rows["day"] = np.concatenate([rows["day"], extra_day, trip_day])
        rows["date"] = np.concatenate(
            [rows["date"], day_pos[extra_day].astype(np.int64), np.full(n_trip, len(date_table) - 1)]
        )
        rows["name"] = np.concatenate([rows["name"], name_extra])
        rows["in"] = np.concatenate([rows["in"], opens[extra_day] - 30, np.full(n_trip, TRIP_TIMES[0])])
        rows["out"] = np.concatenate([rows["out"], closes[extra_day] + 30, np.full(n_trip, TRIP_TIMES[1])])
        rows["fmt"] = np.concatenate([rows["fmt"], np.zeros(n_staff + n_cpr + n_trip, dtype=np.int64)])
        rows["comment"] = np.concatenate(
            [
                rows["comment"],
                np.full(n_staff, len(comment_table) - 1),
                np.zeros(n_cpr, dtype=np.int64),
                np.full(n_trip, len(comment_table) - 2),
            ]
        )

        name_table = pa.array(
            np.concatenate(
                [names, np.char.upper(names.astype(str)).astype(object) + " ", staff_names, [FAKE_CPR]]
            )
        )
        row_month = np.where(rows["day"] >= 0, months[np.maximum(rows["day"], 0)], TRIP_DATE.month)
        order = np.lexsort((rows["in"], np.where(rows["day"] >= 0, day_pos[np.maximum(rows["day"], 0)], 999)))
        t_in_code = rows["fmt"] + rows["in"]
        t_out_code = np.where(rows["out"] < 0, no_time, rows["fmt"] + rows["out"])
        for month in sorted(set(row_month.tolist())):
            idx = order[row_month[order] == month]
            for part, lo in enumerate(range(0, len(idx), SCALE_CHUNK_ROWS), start=1):
                take = idx[lo : lo + SCALE_CHUNK_ROWS]
                table = pa.table(
                    {
                        "Dato": date_table.take(pa.array(rows["date"][take])),
                        "Navn": name_table.take(pa.array(rows["name"][take])),
                        "Ind": time_table.take(pa.array(t_in_code[take])),
                        "Ud": time_table.take(pa.array(t_out_code[take])),
                        "Bemærkning": comment_table.take(pa.array(rows["comment"][take])),
                    }
                )
                path = reg_dir / f"{plan.offer_id}_2026-{month:02d}_{part:03d}.csv"
                pacsv.write_csv(
                    table, path, write_options=pacsv.WriteOptions(delimiter=";", quoting_style="none")
                )
                with open(path, "a", encoding="utf-8", newline="") as handle:  # a blank row and a total row
                    handle.write(f";;;;\nI alt;;;;{len(take)} registreringer\n")
                files += 1
                total_rows += len(take)
        referred = int(round(len(names) * 0.75 / 1.15 + (len(names) - n_cit)))
        ref_index = np.concatenate([np.arange(int(n_cit * 0.75)), np.arange(n_cit, len(names))])[:referred]
        referral_parts.append(
            pd.DataFrame(
                {
                    "Tilbud": offers[plan.offer_id]["name"],
                    "Navn": names[ref_index],
                    "Visiteret fra": "01-01-2025",
                    "Visiteret til": "",
                    "Aldersgruppe": np.array(["18-29", "30-49", "50-64", "65+"])[ref_index % 4],
                }
            )
        )
    pd.concat(referral_parts).to_csv(out_dir / "referrals.csv", sep=";", index=False, encoding="utf-8")
    dataset = {
        "name": out_dir.name,
        "synthetic": True,
        "period_start": PERIOD_START,
        "period_end": PERIOD_END,
        "description": f"Syntetiske benchmarkdata, ca. {visits} besøg (attendance synth --visits, seed {seed}).",
    }
    (out_dir / "dataset.yaml").write_text(
        yaml.safe_dump(dataset, sort_keys=False, allow_unicode=True), "utf-8"
    )
    (out_dir / "offers.yaml").write_text(
        yaml.safe_dump({"offers": offers}, sort_keys=False, allow_unicode=True, width=110), encoding="utf-8"
    )
    (out_dir / "citizen_aliases.csv").write_text("variant;canonical\n", encoding="utf-8")
    (out_dir / "demo_pseudonym.key").write_text(demo_key(seed) + "\n", encoding="ascii")
    seconds = time.perf_counter() - started
    return (
        f"Wrote synthetic benchmark data (seed {seed}) to {out_dir}: {total_rows} raw rows for about {visits} visits "
        f"in {files} CSV files (long layout, ';', UTF-8), with low rates of swapped and missing times, early "
        f"arrivals, exact and overlapping duplicates, case variants, staff rows, CPR-in-name rows, blank and total "
        f"rows and a Saturday trip; {seconds:.1f} s. Not calibrated to the kommissorium."
    )
