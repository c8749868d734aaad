"""Slot occupancy as an infinite-server queue (M_t/G/∞): exact means from the arrival rates and the stay
survival curve, and Poisson / moment-matched negative binomial intervals.

Why a module of its own: the analytic occupancy (no simulation) is what staffing and the referral track plan
with; the integrals of the Kaplan–Meier step function it rests on are also the reference for the tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from attendance.timeofday import minutes_to_hhmm

from .arrivals import ArrivalModel
from .data import SLOT_COLUMNS, slot_grid

PREDICTION_COLUMNS = [
    "offer_id",
    "weekday",
    "slot",
    "slot_minute",
    "slot_end_minute",
    "scale",
    "family",
    "rate_known",
    "arrivals_mean",
    "occupancy_mean",
    "occupancy_var",
    "occupancy_lower",
    "occupancy_upper",
]


# --------------------------------------------------------------------------------------- M_t/G/∞ occupancy


def _integrals(survival: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Breakpoints T, step values V, and G, H at the breakpoints: G(x)=∫₀ˣS, H(x)=∫₀ˣG (exact for steps)."""
    times = survival["minutes"].to_numpy(dtype=float)
    values = survival["survival"].to_numpy(dtype=float)
    if times[0] > 0:
        times, values = np.concatenate([[0.0], times]), np.concatenate([[1.0], values])
    widths = np.diff(times)
    g = np.concatenate([[0.0], np.cumsum(values[:-1] * widths)])
    h = np.concatenate([[0.0], np.cumsum(g[:-1] * widths + 0.5 * values[:-1] * widths**2)])
    return times, values, g, h


def integrated_survival(survival: pd.DataFrame, x: np.ndarray, order: int = 1) -> np.ndarray:
    """G(x) = ∫₀ˣ S(v) dv (order 1) or H(x) = ∫₀ˣ G(v) dv (order 2); 0 for x ≤ 0."""
    times, values, g, h = _integrals(survival)
    x = np.asarray(x, dtype=float)
    xc = np.maximum(x, 0.0)
    idx = np.searchsorted(times, xc, side="right") - 1
    d = xc - times[idx]
    out = g[idx] + values[idx] * d if order == 1 else h[idx] + g[idx] * d + 0.5 * values[idx] * d**2
    return np.where(x > 0, out, 0.0)


def slot_contributions(slots: pd.DataFrame, survival: pd.DataFrame) -> np.ndarray:
    """Matrix C[k, j]: mean occupancy averaged over slot k per expected arrival in slot j (same weekday).

    With arrivals spread uniformly over slot j = [a_j, b_j) (rate λ_j = r_j/Δ_j) the time-average over slot k of
    ∫ λ_j·S(t−u) du is r_j/(Δ_jΔ_k)·[H(b_k−a_j) − H(a_k−a_j) − H(b_k−b_j) + H(a_k−b_j)], with H the twice
    integrated survival; exact for the piecewise-constant rate and the Kaplan–Meier step function.
    """
    a = slots["slot_minute"].to_numpy(dtype=float)
    b = slots["slot_end_minute"].to_numpy(dtype=float)
    same_day = slots["weekday"].to_numpy()[:, None] == slots["weekday"].to_numpy()[None, :]

    def h(x: np.ndarray) -> np.ndarray:
        return integrated_survival(survival, x, order=2)

    ak, bk, aj, bj = a[:, None], b[:, None], a[None, :], b[None, :]
    total = h(bk - aj) - h(ak - aj) - h(bk - bj) + h(ak - bj)
    return np.where(same_day, total / ((bj - aj) * (bk - ak)), 0.0)


def _restrict_rates(model: ArrivalModel, opening_hours: Mapping | None) -> pd.DataFrame:
    """The model's rates on a (possibly different) set of opening hours; new slots get rate 0, flagged."""
    rates = model.rates.assign(rate_known=True)
    if opening_hours is None:
        return rates
    grid = slot_grid(opening_hours, model.bin_minutes)
    merged = grid.merge(
        rates.rename(columns={"slot_end_minute": "fitted_end"}), on=["weekday", "slot_minute"], how="left"
    )
    fitted_width = (merged["fitted_end"] - merged["slot_minute"]).to_numpy(dtype=float)
    width = (merged["slot_end_minute"] - merged["slot_minute"]).to_numpy(dtype=float)
    merged["rate"] = (merged["rate"] * width / fitted_width).fillna(0.0)
    merged["rate_known"] = merged["rate_known"].eq(True)
    return merged[[*SLOT_COLUMNS, "rate", "rate_known"]]


def occupancy_distribution(mean: np.ndarray, var: np.ndarray) -> Any:
    """Poisson(mean) when var ≈ mean, else the negative binomial with the same mean and variance."""
    mean = np.asarray(mean, dtype=float)
    var = np.maximum(np.asarray(var, dtype=float), mean)
    extra = var - mean
    with np.errstate(divide="ignore", invalid="ignore"):
        n = np.where(extra > 1e-12, mean**2 / extra, np.inf)
        p = np.where(extra > 1e-12, mean / var, 1.0)
    return n, p


def occupancy_quantile(mean: np.ndarray, var: np.ndarray, q: float) -> np.ndarray:
    """Quantile q of slot occupancy: Poisson, or moment-matched NB where there is extra variance."""
    from scipy import stats  # ~0.5 s to import: only stages that plan staffing pay it

    mean = np.asarray(mean, dtype=float)
    n, p = occupancy_distribution(mean, var)
    poisson = stats.poisson.ppf(q, mean)
    with np.errstate(divide="ignore", invalid="ignore"):
        negbin = stats.nbinom.ppf(q, np.where(np.isfinite(n), n, 1.0), np.where(np.isfinite(n), p, 0.5))
    out = np.where(np.isfinite(n), negbin, poisson)
    return np.where(mean > 0, out, 0.0)


def predict_occupancy(
    model: ArrivalModel,
    *,
    scale: float = 1.0,
    level: float = 0.90,
    opening_hours: Mapping | None = None,
) -> pd.DataFrame:
    """Slot occupancy per weekday × slot: mean, variance and a predictive interval at `level`.

    Mean: m̄_k = Σ_j C[k, j]·r_j·scale (see `slot_contributions`). Distribution: the instantaneous occupancy of
    M_t/G/∞ with Poisson arrivals is Poisson(m(t)); the slot value is a time average of it, whose variance is
    at most m̄, so Poisson(m̄) quantiles are used (slightly conservative; they are integers, the observed
    averages are not). With NB2 arrivals each slot's count carries extra variance α·r_j², and a visitor from
    slot j is present in slot k with (average) probability C[k, j], so Var = m̄ + α·Σ_j (C[k, j]·r_j)², assuming
    slot counts are independent as the GLM does; the quantiles are then those of the negative binomial with
    that mean and variance (moment matching). `scale` = 1 + uplift multiplies the arrival rates (α unchanged).
    """
    rates = _restrict_rates(model, opening_hours).sort_values(SLOT_COLUMNS, ignore_index=True)
    contributions = slot_contributions(rates, model.survival)
    expected = scale * rates["rate"].to_numpy(dtype=float)
    parts = contributions * expected[None, :]
    mean = parts.sum(axis=1)
    var = mean + model.alpha * (parts**2).sum(axis=1)
    tail = (1.0 - level) / 2.0
    out = rates[SLOT_COLUMNS].copy()
    out["offer_id"] = model.offer_id
    out["slot"] = minutes_to_hhmm(out["slot_minute"])
    out["scale"] = float(scale)
    out["family"] = model.family
    out["rate_known"] = rates["rate_known"].to_numpy()
    out["arrivals_mean"] = expected
    out["occupancy_mean"] = mean
    out["occupancy_var"] = var
    out["occupancy_lower"] = occupancy_quantile(mean, var, tail)
    out["occupancy_upper"] = occupancy_quantile(mean, var, 1.0 - tail)
    return out[PREDICTION_COLUMNS]
