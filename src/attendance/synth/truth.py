"""The clean truth of the demo: which fake citizen came when, calibrated exactly to the kommissorium.

Why separate from the raw files: the truth is what the cleaner must recover (tests compare against it), so it
is drawn first and on its own random streams; the raw layer (sheets, defects, layouts) only renders it.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .population import (
    ALL_PLANS,
    DEFAULT_OFFERS,
    FIRST_NAMES,
    MIDDLE_NAMES,
    REAL_PEOPLE,
    STEP,
    SURNAMES,
    TICK_TIMED,
    TICK_WEEK,
    TRIP_DATE,
    TRIP_TIMES,
    OfferPlan,
    _plans,
    offers_config,
    opening_days,
)


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
