"""The shared simulation of days: every simulated arrival drawn once by the demand stage, and the days
(arrivals, distinct citizens, daily peak) that any scenario's opening hours and demand scale make of them.

Why a module of its own: the draws are a stage output read by the report stages (issue 14); keeping the drawing,
the thinning to a scenario and the vectorised peak sweep together keeps every scenario on the same random numbers.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from attendance.errors import InputError

from .arrivals import ArrivalModel
from .data import SLOT_COLUMNS
from .queue import _restrict_rates

# ------------------------------------------------------------------------------------------- simulation


def _sample_stays(survival: pd.DataFrame, u: np.ndarray) -> np.ndarray:
    """Inverse-CDF draws from the KM step function; mass KM leaves above its last time → stays past closing."""
    times = survival["minutes"].to_numpy(dtype=float)
    cdf = 1.0 - survival["survival"].to_numpy(dtype=float)
    idx = np.searchsorted(cdf, u, side="right")
    return np.where(idx < len(times), times[np.minimum(idx, len(times) - 1)], np.inf)


# The shared simulation (issue 14): drawn once by the demand stage, read by every stage that needs simulated days.
SIMULATION_COLUMNS = [
    "offer_id",
    "weekday",
    "sim",
    "slot_minute",
    "slot_end_minute",
    "arrival_minute",
    "stay_minutes",
    "min_scale",
    "unique",
]
DAY_COLUMNS = ["offer_id", "weekday", "scale", "sim", "arrivals", "unique", "peak"]


def _offer_rng(seed: int, offer_id: str) -> np.random.Generator:
    """One independent, reproducible stream per offer (demand.seed and the offer id; not Python's hash())."""
    return np.random.default_rng([int(seed), zlib.crc32(offer_id.encode("utf-8"))])


def simulate_arrivals(
    model: ArrivalModel,
    *,
    n_days: int,
    max_scale: float = 1.0,
    seed: int = 2026,
    opening_hours: Mapping | None = None,
) -> pd.DataFrame:
    """The shared draws: every simulated arrival of `n_days` days per weekday, at demand `max_scale` × today's.

    One row per arrival (`SIMULATION_COLUMNS`): weekday, simulated day `sim`, its slot, the arrival time
    (uniform within the slot), the stay drawn from the Kaplan–Meier curve (`inf` = past closing), whether the
    arrival is a distinct citizen of the day (probability `unique_ratio`), and `min_scale`: the arrival takes
    part in every scenario with demand scale > `min_scale` (= U·max_scale, U uniform).

    Why one table of arrivals rather than one table of days per scenario: the spor 2 scenarios (scales from
    `spor2.scenarios`, and opening hours from `spor2`'s opening rule) are spor 2 parameters. If the demand
    stage simulated them, every spor 2 experiment would re-run the demand stage and with it every report
    downstream. Instead the demand stage draws the arrivals once, at the largest scale any scenario may use
    (`demand.simulated_max_scale`), and a scenario with scale s ≤ max_scale keeps the arrivals with
    min_scale < s. That is exact thinning: a Poisson count at rate λ·max_scale whose points are kept with
    probability s/max_scale is Poisson at λ·s (with NB2 the gamma-distributed day effect G is drawn once per
    day × slot and Poisson(G·λ·max_scale) thinned is Poisson(G·λ·s), so NB2 with the same α). Other opening
    hours move or drop arrivals (`track_drop_in.relocate_arrivals`). So every scenario uses the same random
    numbers (common random numbers): differences between scenarios are the scenario, not simulation noise,
    and "as today" in the reports is the demand stage's `daily_prediction` exactly. Arrival counts are drawn
    per day × slot for all days and weekdays in one array (no loop over days).
    """
    if n_days < 1:
        raise InputError(f"n_days = {n_days}: simulate at least one day", fix="set demand.simulated_days")
    if max_scale <= 0:
        raise InputError(f"max_scale = {max_scale}: must be positive", fix="set demand.simulated_max_scale")
    rng = _offer_rng(seed, model.offer_id)
    rates = _restrict_rates(model, opening_hours).sort_values(SLOT_COLUMNS, ignore_index=True)
    lam = float(max_scale) * rates["rate"].to_numpy(dtype=float)
    a = rates["slot_minute"].to_numpy(dtype=np.int64)
    b = rates["slot_end_minute"].to_numpy(dtype=np.int64)
    shape = (int(n_days), len(lam))
    if model.alpha > 0:
        lam_draw = rng.gamma(1.0 / model.alpha, model.alpha * lam, size=shape)
    else:
        lam_draw = np.broadcast_to(lam, shape)
    counts = rng.poisson(lam_draw).ravel()
    slot = np.repeat(np.tile(np.arange(len(lam)), shape[0]), counts)
    sim = np.repeat(np.repeat(np.arange(shape[0]), len(lam)), counts)
    n = len(slot)
    u_time, u_stay, u_scale, u_unique = rng.random((4, n))
    out = pd.DataFrame(
        {
            "offer_id": pd.Series(model.offer_id, index=range(n), dtype="string"),
            "weekday": rates["weekday"].to_numpy(dtype=np.int64)[slot].astype(np.int8),
            "sim": sim.astype(np.int32),
            "slot_minute": a[slot].astype(np.int16),
            "slot_end_minute": b[slot].astype(np.int16),
            "arrival_minute": (a[slot] + u_time * (b - a)[slot]).astype(np.float32),
            "stay_minutes": _sample_stays(model.survival, u_stay).astype(np.float32),
            # stored as float32 (half the file); kept below max_scale so that scale = max_scale keeps every arrival
            "min_scale": np.minimum(
                (u_scale * float(max_scale)).astype(np.float32),
                np.nextafter(np.float32(max_scale), np.float32(0)),
            ),
            "unique": u_unique < min(max(model.unique_ratio, 0.0), 1.0),
        }
    )
    return out.sort_values(["weekday", "sim", "slot_minute"], kind="stable", ignore_index=True)[
        SIMULATION_COLUMNS
    ]


def day_grid(
    models: Mapping[str, ArrivalModel], opening_hours: Mapping[str, Mapping] | None = None
) -> pd.DataFrame:
    """The simulated weekdays per offer with their closing minute (offer_id, weekday, close_minute): the
    model's slots, or those of other opening hours per offer (`opening_hours[offer_id]`)."""
    frames = []
    for offer_id, model in sorted(models.items()):
        hours = None if opening_hours is None else opening_hours[offer_id]
        rates = _restrict_rates(model, hours)
        close = rates.groupby("weekday")["slot_end_minute"].max().rename("close_minute").reset_index()
        frames.append(close.assign(offer_id=offer_id))
    out = pd.concat(frames, ignore_index=True)[["offer_id", "weekday", "close_minute"]]
    return out.astype({"weekday": "int64", "close_minute": "int64"})


def simulated_day_outcomes(
    draws: pd.DataFrame, grid: pd.DataFrame, scales: Sequence[float], *, n_days: int
) -> pd.DataFrame:
    """Per offer × weekday × scale × simulated day (`DAY_COLUMNS`): arrivals, distinct citizens and the daily
    peak (instantaneous maximum present; presence on [arrival, min(arrival + stay, closing))).

    `draws` are `simulate_arrivals`' rows (possibly relocated to other hours), `grid` the weekdays and closing
    minutes (`day_grid`): a weekday × day without any arrival is a day with 0 of everything. All scales, offers,
    weekdays and days in one vectorised pass (one sort for the peaks).
    """
    scales = [float(s) for s in scales]
    if len(draws) and int(draws["sim"].max()) >= n_days:
        raise InputError(
            f"the simulated arrivals have more than n_days = {n_days} days",
            fix="rerun the demand stage (dvc repro demand) so data/processed/demand/simulated_arrivals.parquet "
            "matches demand.simulated_days",
        )
    grid = grid.sort_values(["offer_id", "weekday"], ignore_index=True)
    draw_cell = _cell_index(grid, draws)
    if (draw_cell < 0).any():
        raise InputError(
            "simulated arrivals on a weekday the opening hours do not have", fix="rerun dvc repro"
        )
    n_cells = len(grid)
    close = grid["close_minute"].to_numpy(dtype=float)[draw_cell]
    start_all = draws["arrival_minute"].to_numpy(dtype=float)
    end_all = np.minimum(start_all + draws["stay_minutes"].to_numpy(dtype=float), close)
    base_key = draw_cell.astype(np.int64) * n_days + draws["sim"].to_numpy(dtype=np.int64)
    min_scale = draws["min_scale"].to_numpy(dtype=float)
    unique_flag = draws["unique"].to_numpy(dtype=bool)
    n_base = n_cells * n_days
    present = [min_scale < s for s in scales]
    arrivals = np.concatenate([np.bincount(base_key[p], minlength=n_base) for p in present] or [np.zeros(0)])
    unique = np.concatenate(
        [np.bincount(base_key[p & unique_flag], minlength=n_base) for p in present] or [np.zeros(0)]
    )
    peak = _simulated_peaks_by_scale(base_key, start_all, end_all, min_scale, scales, n_base)
    n_groups = len(scales) * n_base
    s_i, c_i, d_i = np.unravel_index(np.arange(n_groups), (len(scales), n_cells, n_days))
    out = pd.DataFrame(
        {
            "offer_id": grid["offer_id"].to_numpy()[c_i],
            "weekday": grid["weekday"].to_numpy(dtype=np.int64)[c_i],
            "scale": np.asarray(scales, dtype=float)[s_i],
            "sim": d_i.astype(np.int64),
            "arrivals": arrivals.astype(np.int64),
            "unique": unique.astype(np.int64),
            "peak": peak,
        }
    )
    return out.sort_values(["offer_id", "scale", "weekday", "sim"], kind="stable", ignore_index=True)[
        DAY_COLUMNS
    ]


def _cell_index(grid: pd.DataFrame, draws: pd.DataFrame) -> np.ndarray:
    """Row of `grid` (offer_id × weekday) for every draw, −1 where the grid has none: integer codes, so that a
    million draws are looked up without comparing strings row by row."""
    offers = list(dict.fromkeys(grid["offer_id"].astype(str)))
    lookup = np.full((len(offers), 7), -1, dtype=np.int64)
    offer_code = pd.Categorical(grid["offer_id"].astype(str), categories=offers).codes
    lookup[offer_code, grid["weekday"].to_numpy(dtype=np.int64)] = np.arange(len(grid))
    codes = pd.Categorical(draws["offer_id"].astype(object), categories=offers).codes.astype(np.int64)
    weekday = draws["weekday"].to_numpy(dtype=np.int64)
    return np.where(codes >= 0, lookup[np.maximum(codes, 0), weekday], -1)


def simulate_days(
    model: ArrivalModel,
    *,
    n_days: int = 4000,
    scale: float = 1.0,
    seed: int = 2026,
    opening_hours: Mapping | None = None,
    closing: Mapping | None = None,
) -> pd.DataFrame:
    """Simulated days per weekday of one model: arrivals, unique citizens and daily peak (instantaneous maximum
    present) — `simulate_arrivals` at `scale` summarised by `simulated_day_outcomes`.

    Arrival counts per slot are Poisson (or gamma–Poisson = NB2 with the fitted α) at rate·scale, times uniform
    within the slot, stays drawn from the Kaplan–Meier curve and cut at the weekday's closing time (`closing`:
    weekday → minute, default the end of its last slot); unique citizens = Binomial(arrivals, unique_ratio).
    Deterministic for a given seed.
    """
    draws = simulate_arrivals(model, n_days=n_days, max_scale=scale, seed=seed, opening_hours=opening_hours)
    grid = day_grid(
        {model.offer_id: model}, None if opening_hours is None else {model.offer_id: opening_hours}
    )
    if closing:
        override = grid["weekday"].map(lambda w: closing.get(w, closing.get(str(w))))
        grid["close_minute"] = override.fillna(grid["close_minute"]).astype("int64")
    return simulated_day_outcomes(draws, grid, [scale], n_days=n_days)


TICKS_PER_MINUTE = 4096  # the sweep compares times on a grid of 1/4096 minute (≈ 0,015 s)


def _simulated_peaks_by_scale(
    day: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    min_scale: np.ndarray,
    scales: Sequence[float],
    n_days: int,
) -> np.ndarray:
    """The daily peak per day (any integer group key < `n_days`) and scale (scale-major, `len(scales) × n_days`):
    a sweep line over arrivals and departures, departures first at equal times (presence on [start, end),
    times compared on a grid of 1/`TICKS_PER_MINUTE` minute). The events are sorted
    once (the arrivals of a smaller scale are a subset of those of a larger one), and each scale's running
    count is a cumulative sum over the arrivals it keeps — no sort per scenario."""
    peak = np.zeros((len(scales), n_days), dtype=np.int64)
    keep = (end > start) & (min_scale < max(scales, default=0.0))
    if not keep.any():
        return peak.ravel()
    day, start, end, min_scale = day[keep], start[keep], end[keep], min_scale[keep]
    shift = int(np.ceil(np.log2(TICKS_PER_MINUTE * (max(float(end.max()), 1.0) + 1.0))))
    ticks = np.concatenate([np.round(end * TICKS_PER_MINUTE), np.round(start * TICKS_PER_MINUTE)]).astype(
        np.int64
    )
    days = np.concatenate([day, day]).astype(np.int64)
    order = np.argsort(
        (days << shift) | ticks, kind="stable"
    )  # departures first at equal ticks (laid out first)
    delta = np.concatenate([-np.ones(len(end), dtype=np.int64), np.ones(len(start), dtype=np.int64)])[order]
    event_scale = np.concatenate([min_scale, min_scale])[order]
    sorted_days = days[order]
    first = np.flatnonzero(np.r_[True, sorted_days[1:] != sorted_days[:-1]])
    for i, scale in enumerate(scales):
        # every kept arrival's departure is in the same day, so the running count is 0 between days
        running = np.cumsum(np.where(event_scale < scale, delta, 0))
        peak[i, sorted_days[first]] = np.maximum.reduceat(running, first)
    return peak.ravel()


def simulate_offers(
    models: Mapping[str, ArrivalModel], *, n_days: int, max_scale: float, seed: int
) -> pd.DataFrame:
    """`simulate_arrivals` for every offer (its own stream from `seed`), stacked: the demand stage's
    `simulated_arrivals` table, which the report stages read instead of simulating again."""
    frames = [
        simulate_arrivals(model, n_days=n_days, max_scale=max_scale, seed=seed)
        for _, model in sorted(models.items())
    ]
    out = pd.concat(frames, ignore_index=True)
    out["offer_id"] = out["offer_id"].astype("string")
    return out


def read_simulation(demand_dir: str | Path) -> pd.DataFrame:
    """The demand stage's shared draws (`simulated_arrivals.parquet`), or one line saying how to make them."""
    path = Path(demand_dir) / "simulated_arrivals.parquet"
    try:
        return pd.read_parquet(path)
    except FileNotFoundError as exc:
        raise InputError(
            "the demand stage's simulated arrivals are missing", file=str(path), fix="run `dvc repro demand`"
        ) from exc
