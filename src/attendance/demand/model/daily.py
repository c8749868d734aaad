"""Daily figures from the simulated days: mean and interval of distinct citizens and daily peak per group,
with their Monte Carlo error — one definition for the demand stage and the scenario reports.

Why a module of its own: the demand stage, spor 2's scenarios and the validation all summarise simulated days;
the interval (conservative integer quantiles) and its Monte Carlo error must mean the same everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .arrivals import ArrivalModel
from .simulation import day_grid, simulate_days, simulated_day_outcomes

MC_Z = 1.959963984540054  # 95 % for the Monte Carlo intervals


def simulated_interval_aggs(tail: float) -> dict:
    """Mean and equal-tailed interval (conservative integer quantiles) of simulated unique citizens and
    daily peak — one definition for the demand stage and the scenario reports."""
    return {
        "unique_mean": ("unique", "mean"),
        "unique_lower": ("unique", lambda s: s.quantile(tail, interpolation="lower")),
        "unique_upper": ("unique", lambda s: s.quantile(1 - tail, interpolation="higher")),
        "peak_mean": ("peak", "mean"),
        "peak_lower": ("peak", lambda s: s.quantile(tail, interpolation="lower")),
        "peak_upper": ("peak", lambda s: s.quantile(1 - tail, interpolation="higher")),
    }


def summarise_days(days: pd.DataFrame, keys: Sequence[str], *, level: float) -> pd.DataFrame:
    """Mean and equal-tailed `level` interval (conservative integer quantiles) of simulated unique citizens and
    daily peaks per group, with their Monte Carlo error — one definition for the demand stage and the scenario
    reports.

    Monte Carlo error (how much the figure would move with another seed, not the spread of days): the
    standard error of a mean is sd/√n (`*_mean_se`); for the interval's upper end (the quantile the staffing
    plans for) the distribution-free 95 % interval of the quantile from the binomial distribution of order
    statistics: ranks n·q ∓ 1,96·√(n·q·(1−q)) of the sorted days (`*_upper_mc_lower`, `*_upper_mc_upper`).
    """
    tail = (1.0 - float(level)) / 2.0
    keys = list(keys)
    grouped = days.groupby(keys, sort=True)
    out = grouped.agg(
        simulated_days=("peak", "size"),
        arrivals_mean=("arrivals", "mean"),
        **simulated_interval_aggs(tail),
        unique_sd=("unique", "std"),
        peak_sd=("peak", "std"),
    ).reset_index()
    root = np.sqrt(out["simulated_days"].to_numpy(dtype=float))
    for what in ("unique", "peak"):
        out[f"{what}_mean_se"] = out.pop(f"{what}_sd").fillna(0.0).to_numpy() / root
        bounds = grouped[what].agg(lambda s: quantile_mc_interval(s.to_numpy(), 1.0 - tail))
        out[f"{what}_upper_mc_lower"] = [float(lo) for lo, _ in bounds.to_numpy()]
        out[f"{what}_upper_mc_upper"] = [float(hi) for _, hi in bounds.to_numpy()]
    return out


def quantile_mc_interval(values: np.ndarray, q: float, z: float = MC_Z) -> tuple[float, float]:
    """Distribution-free interval for the q-quantile of `values` (binomial order statistics, normal
    approximation): the sorted values at ranks n·q − z·√(n·q·(1−q)) and n·q + z·√(n·q·(1−q)), clipped."""
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    if n == 0:
        return float("nan"), float("nan")
    half = z * np.sqrt(n * q * (1.0 - q))
    lo = int(np.clip(np.floor(n * q - half), 1, n)) - 1
    hi = int(np.clip(np.ceil(n * q + half), 1, n)) - 1
    return float(x[lo]), float(x[hi])


def monte_carlo_metrics(daily: pd.DataFrame) -> dict[str, dict[str, float | int]]:
    """Per offer, the largest Monte Carlo error over its weekdays (for metrics/demand.json): simulated days,
    standard error of the mean daily peak and of mean unique citizens, half-width of the 95 % interval of the
    peak's upper interval end."""
    out: dict[str, dict[str, float | int]] = {}
    for offer_id, own in daily.groupby("offer_id", sort=True):
        out[str(offer_id)] = {
            "simulated_days": int(own["simulated_days"].min()),
            "mc_se_peak_mean": round(float(own["peak_mean_se"].max()), 4),
            "mc_se_unique_mean": round(float(own["unique_mean_se"].max()), 4),
            "mc_peak_upper_halfwidth": round(
                float(((own["peak_upper_mc_upper"] - own["peak_upper_mc_lower"]) / 2.0).max()), 4
            ),
        }
    return out


def predict_daily(
    model: ArrivalModel,
    *,
    level: float = 0.90,
    scale: float = 1.0,
    seed: int = 2026,
    n_days: int = 4000,
    opening_hours: Mapping | None = None,
) -> pd.DataFrame:
    """Per weekday: mean and `level` interval of unique citizens and of the daily peak, by simulation."""
    sims = simulate_days(model, n_days=n_days, scale=scale, seed=seed, opening_hours=opening_hours)
    out = summarise_days(sims, ["offer_id", "weekday"], level=level)
    out["scale"] = float(scale)
    return out


def daily_prediction(
    draws: pd.DataFrame,
    models: Mapping[str, ArrivalModel],
    *,
    n_days: int,
    level: float,
    scale: float = 1.0,
) -> pd.DataFrame:
    """Per offer × weekday at today's opening hours and demand × `scale`: mean and `level` interval of unique
    citizens and daily peak from the shared draws, with their Monte Carlo error (`summarise_days`)."""
    days = simulated_day_outcomes(draws, day_grid(models), [scale], n_days=n_days)
    out = summarise_days(days, ["offer_id", "weekday"], level=level)
    out["scale"] = float(scale)
    return out
