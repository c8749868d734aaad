"""Demand model: arrivals per time slot as a GLM, occupancy as an infinite-server queue (M_t/G/∞).

Why this shape (DESIGN.md §5): staffing must be planned for a *high quantile* of how many citizens are present,
not for the mean, and the spor 2 scenarios need "what if 20 % more come" without new data. Arrivals per slot are
counts, so a Poisson GLM (or negative binomial when the counts are over-dispersed) gives their expected rate by
weekday and slot; a citizen's stay does not depend on how many others are there, so occupancy is an
infinite-server queue whose mean is m(t) = ∫ λ(u)·P(stay > t−u) du and whose distribution is Poisson when the
arrivals are Poisson. Scenarios scale λ, which scales m linearly — no refit.

Conventions: slots are `bin_minutes` wide, aligned to midnight (as in hillmaker) and clipped to the opening
intervals, so a slot is identified by `weekday` (0 = Monday) and `slot_minute` (its start, minutes after
midnight). Only opening days (`kpis.opening_days`) on which every registration of the offer is timed are used:
a day with tick-list (day-only) registrations has incomplete times, and its arrival counts would read as
"nobody came".
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.duration.survfunc import SurvfuncRight
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from .errors import InputError
from .kpis import offer_ids, opening_days
from .timeofday import hhmm_to_minutes, minutes_to_hhmm

SLOT_COLUMNS = ["weekday", "slot_minute", "slot_end_minute"]
RATE_COLUMNS = ["offer_id", *SLOT_COLUMNS, "slot", "rate", "family", "alpha", "unique_ratio", "bin_minutes"]
SURVIVAL_COLUMNS = ["offer_id", "minutes", "survival"]
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


# --------------------------------------------------------------------------------------------------- slots


# The slot start as text; kept under this name because the tables call the column `slot`.
slot_label = minutes_to_hhmm


def opening_intervals(opening_hours: Mapping) -> pd.DataFrame:
    """Opening intervals as rows (weekday, open_minute, close_minute); keys "0".."6" or 0..6."""
    rows = []
    for key, intervals in (opening_hours or {}).items():
        for interval in intervals or []:
            open_minute, close_minute = hhmm_to_minutes(interval[0]), hhmm_to_minutes(interval[1])
            if close_minute > open_minute:
                rows.append((int(key), open_minute, close_minute))
    frame = pd.DataFrame(rows, columns=["weekday", "open_minute", "close_minute"], dtype="int64")
    return frame.sort_values(["weekday", "open_minute"], ignore_index=True)


def slot_grid(opening_hours: Mapping, bin_minutes: int) -> pd.DataFrame:
    """Open slots per weekday: midnight-aligned bins clipped to each opening interval."""
    intervals = opening_intervals(opening_hours)
    rows = []
    for weekday, open_minute, close_minute in intervals.itertuples(index=False):  # a handful of intervals
        first = (open_minute // bin_minutes) * bin_minutes
        for start in range(first, close_minute, bin_minutes):
            rows.append((weekday, max(start, open_minute), min(start + bin_minutes, close_minute)))
    grid = pd.DataFrame(rows, columns=SLOT_COLUMNS, dtype="int64")
    return grid.drop_duplicates(["weekday", "slot_minute"]).sort_values(SLOT_COLUMNS, ignore_index=True)


def _slot_of(minutes: pd.Series, weekday: pd.Series, grid: pd.DataFrame) -> pd.Series:
    """The open slot (its `slot_minute`) that contains each minute-of-day, or NaN outside opening hours."""
    frame = pd.DataFrame(
        {"weekday": weekday.to_numpy(), "minute": minutes.to_numpy(), "row": np.arange(len(minutes))}
    )
    merged = frame.merge(grid, on="weekday", how="inner")
    inside = merged[
        (merged["minute"] >= merged["slot_minute"]) & (merged["minute"] < merged["slot_end_minute"])
    ]
    result = pd.Series(np.nan, index=minutes.index)
    result.iloc[inside["row"].to_numpy()] = inside["slot_minute"].to_numpy()
    return result


# ------------------------------------------------------------------------------------------ model data


def model_days(visits: pd.DataFrame, offers: Mapping, offer_id: str) -> pd.DatetimeIndex:
    """Opening days of the offer on which no registration is day-only (their timing is complete)."""
    days = opening_days(offers, offer_id)
    own = visits[visits["offer_id"] == offer_id]
    partial = pd.to_datetime(own.loc[own["granularity"] != "timed", "date"]).dt.normalize().unique()
    return days[~days.isin(partial)]


def _timed_visits(visits: pd.DataFrame, offer_id: str, days: pd.DatetimeIndex) -> pd.DataFrame:
    own = visits[(visits["offer_id"] == offer_id) & (visits["granularity"] == "timed")]
    own = own[own["start"].notna() & own["end"].notna()].copy()
    own["date"] = pd.to_datetime(own["date"]).dt.normalize()
    own = own[own["date"].isin(days)]
    own["weekday"] = own["date"].dt.weekday
    own["start_minute"] = (own["start"] - own["date"]).dt.total_seconds() / 60.0
    own["end_minute"] = (own["end"] - own["date"]).dt.total_seconds() / 60.0
    return own


def arrival_counts(visits: pd.DataFrame, offers: Mapping, offer_id: str, bin_minutes: int) -> pd.DataFrame:
    """Arrivals per model day × open slot, zeros included (a slot where nobody came is an observation).

    Arrivals outside opening hours (kept by the cleaner with a flag) are not counted: the model describes
    demand during opening hours.
    """
    grid = slot_grid(offers[offer_id].get("opening_hours", {}), bin_minutes)
    days = model_days(visits, offers, offer_id)
    cells = pd.DataFrame({"date": days, "weekday": days.weekday}).merge(grid, on="weekday", how="inner")
    timed = _timed_visits(visits, offer_id, days)
    timed["slot_minute"] = _slot_of(np.floor(timed["start_minute"]), timed["weekday"], grid)
    counted = timed.dropna(subset=["slot_minute"]).astype({"slot_minute": "int64"})
    counts = counted.groupby(["date", "slot_minute"]).size().rename("arrivals").reset_index()
    cells = cells.merge(counts, on=["date", "slot_minute"], how="left")
    cells["arrivals"] = cells["arrivals"].fillna(0).astype("int64")
    cells["offer_id"] = offer_id
    cells["slot"] = slot_label(cells["slot_minute"])
    return cells.sort_values(["date", "slot_minute"], ignore_index=True)[
        ["offer_id", "date", *SLOT_COLUMNS, "slot", "arrivals"]
    ]


def stay_lengths(
    visits: pd.DataFrame, offers: Mapping, offer_id: str, days: pd.DatetimeIndex
) -> pd.DataFrame:
    """Timed visits with positive stay on the given days: date, weekday, arrival minute, stay, and whether the
    stay ends at (or after) the closing time of the opening interval the citizen arrived in (`censored`)."""
    timed = _timed_visits(visits, offer_id, days)
    timed = timed[timed["end_minute"] > timed["start_minute"]]
    frame = timed[["date", "weekday", "start_minute", "end_minute"]].reset_index(drop=True)
    intervals = opening_intervals(offers[offer_id].get("opening_hours", {}))
    frame["row"] = np.arange(len(frame))
    merged = frame.merge(intervals, on="weekday", how="left")
    inside = merged[
        (merged["start_minute"] >= merged["open_minute"]) & (merged["start_minute"] < merged["close_minute"])
    ]
    close = np.full(len(frame), np.inf)
    close[inside["row"].to_numpy()] = inside["close_minute"].to_numpy()
    out = pd.DataFrame(
        {
            "offer_id": offer_id,
            "date": frame["date"],
            "weekday": frame["weekday"].astype("int64"),
            "arrival_minute": frame["start_minute"],
            "stay_minutes": frame["end_minute"] - frame["start_minute"],
            "censored": frame["end_minute"].to_numpy() >= close,
        }
    )
    return out.sort_values(["date", "arrival_minute", "stay_minutes"], ignore_index=True)


def stay_survival(
    visits: pd.DataFrame, offers: Mapping, offer_id: str, days: pd.DatetimeIndex
) -> pd.DataFrame:
    """Kaplan–Meier survival of the stay length (minutes), stays ending at closing time treated as censored.

    Why censored: the cleaner clips stays at closing time and staff write the closing time for whoever was
    still there, so such a stay says "at least this long". Ignoring that would shorten late arrivals' stays and
    bias occupancy before closing downwards. Zero-length stays are never present and are left out.
    """
    stays = stay_lengths(visits, offers, offer_id, days)
    if stays.empty or not (~stays["censored"]).any():
        return pd.DataFrame({"offer_id": offer_id, "minutes": [0.0], "survival": [1.0]})
    km = SurvfuncRight(stays["stay_minutes"].to_numpy(), (~stays["censored"]).to_numpy().astype(int))
    times = np.concatenate([[0.0], np.asarray(km.surv_times, dtype=float)])
    probs = np.concatenate([[1.0], np.asarray(km.surv_prob, dtype=float)])
    return pd.DataFrame({"offer_id": offer_id, "minutes": times, "survival": probs})


# ---------------------------------------------------------------------------------------------- the model


@dataclass
class ArrivalModel:
    """A fitted arrival model of one offer: everything needed to predict without the data.

    `rates` holds the expected arrivals per slot on one day (weekday, slot_minute, slot_end_minute, rate);
    `survival` the stay survival step function (minutes, survival: S(t) on [minutes_i, minutes_i+1));
    `alpha` the NB2 dispersion (Var = μ + α μ²; 0 for Poisson); `unique_ratio` the share of a day's arrivals
    that are distinct citizens (someone coming back after lunch is one citizen, two arrivals).
    """

    offer_id: str
    family: str
    alpha: float
    rates: pd.DataFrame
    survival: pd.DataFrame
    unique_ratio: float
    bin_minutes: int
    dispersion: dict = field(default_factory=dict)
    result: Any = None
    counts: pd.DataFrame | None = None

    def rates_table(self) -> pd.DataFrame:
        out = self.rates.copy()
        out["offer_id"] = self.offer_id
        out["slot"] = slot_label(out["slot_minute"])
        out["family"] = self.family
        out["alpha"] = self.alpha
        out["unique_ratio"] = self.unique_ratio
        out["bin_minutes"] = self.bin_minutes
        return out[RATE_COLUMNS]

    def survival_table(self) -> pd.DataFrame:
        out = self.survival.copy()
        out["offer_id"] = self.offer_id
        return out[SURVIVAL_COLUMNS]

    @classmethod
    def from_tables(cls, rates: pd.DataFrame, survival: pd.DataFrame, offer_id: str) -> ArrivalModel:
        """Rebuild a model from `arrival_rates.parquet` and `stay_survival.parquet` (for the reports)."""
        own = rates[rates["offer_id"] == offer_id].sort_values(["weekday", "slot_minute"], ignore_index=True)
        if own.empty:
            raise InputError(f"no fitted rates for offer {offer_id!r}", fix="rerun the demand stage")
        first = own.iloc[0]
        return cls(
            offer_id=offer_id,
            family=str(first["family"]),
            alpha=float(first["alpha"]),
            rates=own[[*SLOT_COLUMNS, "rate"]].reset_index(drop=True),
            survival=survival.loc[survival["offer_id"] == offer_id, ["minutes", "survival"]]
            .sort_values("minutes")
            .reset_index(drop=True),
            unique_ratio=float(first["unique_ratio"]),
            bin_minutes=int(first["bin_minutes"]),
        )


def dispersion_test(result: Any) -> dict:
    """Cameron–Trivedi auxiliary regression for over-dispersion after a Poisson fit, plus Pearson χ²/df.

    Regress ((y−μ)² − y)/μ on μ without intercept: under Poisson the slope is 0, under NB2 it estimates α.
    One-sided t-test of slope > 0 (Cameron & Trivedi 1990). Pearson χ²/df with its upper-tail χ² p-value is
    reported beside it as the familiar rule-of-thumb figure.
    """
    y = np.asarray(result.model.endog, dtype=float)
    mu = np.asarray(result.fittedvalues, dtype=float)
    aux = sm.OLS(((y - mu) ** 2 - y) / mu, mu).fit()
    slope, t_value = float(aux.params[0]), float(aux.tvalues[0])
    df_resid = float(result.df_resid)
    pearson = float(result.pearson_chi2)
    return {
        "ct_alpha": slope,
        "ct_t": t_value,
        "ct_pvalue": float(stats.t.sf(t_value, aux.df_resid)),
        "pearson_chi2": pearson,
        "df_resid": df_resid,
        "pearson_ratio": pearson / df_resid if df_resid > 0 else float("nan"),
        "pearson_pvalue": float(stats.chi2.sf(pearson, df_resid)) if df_resid > 0 else float("nan"),
    }


FORMULA = "arrivals ~ C(weekday) + C(slot_minute)"


def _nb_alpha(poisson: Any, moment_alpha: float) -> tuple[float, str]:
    """NB2 α by maximum likelihood, started at the Poisson fit; the Cameron–Trivedi moment estimate if the
    likelihood does not converge (small, zero-heavy data can make it wander)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            nb = sm.NegativeBinomial(poisson.model.endog, poisson.model.exog, loglike_method="nb2").fit(
                start_params=np.append(poisson.params.to_numpy(), max(moment_alpha, 0.05)),
                disp=0,
                maxiter=200,
            )
        if nb.mle_retvals.get("converged", True) and np.isfinite(nb.params[-1]):
            return float(nb.params[-1]), "ML"
    except (np.linalg.LinAlgError, ValueError, OverflowError):
        pass
    return float(moment_alpha), "Cameron–Trivedi moment"


def fit_arrival_model(
    counts: pd.DataFrame,
    survival: pd.DataFrame,
    *,
    offer_id: str,
    bin_minutes: int,
    dispersion_alpha: float = 0.05,
    unique_ratio: float = 1.0,
    grid: pd.DataFrame | None = None,
) -> ArrivalModel:
    """Fit arrivals per slot ~ weekday + slot (main effects) for one offer; Poisson unless over-dispersed.

    Why main effects and not weekday × slot: three months give ~12 days per weekday, so a saturated
    weekday × slot model estimates each of ~60 cells from a dozen small counts (many zeros) and its intervals
    would mostly reflect noise; weekday + slot has ~16 parameters, lets every day inform the time-of-day shape
    and every slot inform the weekday level, and the holdout validation checks whether that loses anything
    against the weekday × slot mean. A week/trend term was left out: the registration period is short and
    the scenarios are about levels, not trends.

    Slots (or weekdays) without a single arrival in the data have rate 0 (the MLE) and are fitted outside the
    GLM, whose coefficient would otherwise run off to −∞.
    """
    if counts.empty:
        raise InputError(
            f"no opening days with timed registrations for offer {offer_id!r}", fix="check the data"
        )
    data = counts[["weekday", "slot_minute", "slot_end_minute", "arrivals"]].copy()
    slot_total = data.groupby("slot_minute")["arrivals"].transform("sum")
    day_total = data.groupby("weekday")["arrivals"].transform("sum")
    fit_rows = (slot_total > 0) & (day_total > 0)
    fit_data = data[fit_rows]
    family, alpha, dispersion, result = "poisson", 0.0, {}, None
    if fit_data["arrivals"].sum() > 0:
        poisson = smf.glm(FORMULA, data=fit_data, family=sm.families.Poisson()).fit()
        dispersion = dispersion_test(poisson)
        result = poisson
        over = dispersion["ct_alpha"] > 0 and dispersion["ct_pvalue"] < dispersion_alpha
        reason = (
            f"Cameron–Trivedi: alpha={dispersion['ct_alpha']:.3f}, p={dispersion['ct_pvalue']:.3g} "
            f"{'<' if over else '≥'} {dispersion_alpha}"
        )
        if over:
            alpha, how = _nb_alpha(poisson, dispersion["ct_alpha"])
            if np.isfinite(alpha) and alpha > 1e-6:
                family = "negative_binomial"
                result = smf.glm(
                    FORMULA, data=fit_data, family=sm.families.NegativeBinomial(alpha=alpha)
                ).fit()
                reason += f"; negative binomial, {how} alpha={alpha:.3f}"
            else:
                alpha = 0.0
                reason += "; NB fit gave alpha≈0, kept Poisson"
        else:
            reason += "; Poisson"
        dispersion["reason"] = reason
    slots = grid if grid is not None else data[SLOT_COLUMNS].drop_duplicates()
    slots = slots[SLOT_COLUMNS].drop_duplicates().sort_values(SLOT_COLUMNS, ignore_index=True)
    known = slots["weekday"].isin(fit_data["weekday"]) & slots["slot_minute"].isin(fit_data["slot_minute"])
    rates = slots.assign(rate=0.0)
    if result is not None and known.any():
        rates.loc[known, "rate"] = np.asarray(result.predict(slots[known]))
    return ArrivalModel(
        offer_id=offer_id,
        family=family,
        alpha=alpha,
        rates=rates,
        survival=survival[["minutes", "survival"]].reset_index(drop=True),
        unique_ratio=unique_ratio,
        bin_minutes=bin_minutes,
        dispersion=dispersion,
        result=result,
        counts=counts,
    )


def _unique_ratio(visits: pd.DataFrame, offer_id: str, days: pd.DatetimeIndex) -> float:
    timed = _timed_visits(visits, offer_id, days)
    if timed.empty:
        return 1.0
    per_day = timed.groupby("date")["citizen_key"].agg(["nunique", "size"])
    return float(per_day["nunique"].sum() / per_day["size"].sum())


def fit_offer_models(
    visits: pd.DataFrame,
    offers: Mapping,
    *,
    bin_minutes: int,
    dispersion_alpha: float = 0.05,
    before: pd.Timestamp | None = None,
) -> dict[str, ArrivalModel]:
    """Fit one ArrivalModel per offer on its model days (only days before `before` when given)."""
    models = {}
    for offer_id in offer_ids(offers):  # two offers
        counts = arrival_counts(visits, offers, offer_id, bin_minutes)
        if before is not None:
            counts = counts[counts["date"] < pd.Timestamp(before)]
        days = pd.DatetimeIndex(counts["date"].unique())
        survival = stay_survival(visits, offers, offer_id, days)
        grid = slot_grid(offers[offer_id].get("opening_hours", {}), bin_minutes)
        models[offer_id] = fit_arrival_model(
            counts,
            survival,
            offer_id=offer_id,
            bin_minutes=bin_minutes,
            dispersion_alpha=dispersion_alpha,
            unique_ratio=_unique_ratio(visits, offer_id, days),
            grid=grid,
        )
    return models


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


def instantaneous_mean(
    model: ArrivalModel, weekday: int, minutes: np.ndarray, scale: float = 1.0
) -> np.ndarray:
    """m(t) = Σ_j λ_j [G(t−a_j) − G(t−b_j)] at the given minutes of a weekday (the curve behind the slots)."""
    rates = model.rates[model.rates["weekday"] == weekday]
    a = rates["slot_minute"].to_numpy(dtype=float)[None, :]
    b = rates["slot_end_minute"].to_numpy(dtype=float)[None, :]
    lam = scale * rates["rate"].to_numpy(dtype=float)[None, :] / (b - a)
    t = np.asarray(minutes, dtype=float)[:, None]
    g = integrated_survival(model.survival, t - a) - integrated_survival(model.survival, t - b)
    return (lam * g).sum(axis=1)


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
    out["slot"] = slot_label(out["slot_minute"])
    out["scale"] = float(scale)
    out["family"] = model.family
    out["rate_known"] = rates["rate_known"].to_numpy()
    out["arrivals_mean"] = expected
    out["occupancy_mean"] = mean
    out["occupancy_var"] = var
    out["occupancy_lower"] = occupancy_quantile(mean, var, tail)
    out["occupancy_upper"] = occupancy_quantile(mean, var, 1.0 - tail)
    return out[PREDICTION_COLUMNS]


# ------------------------------------------------------------------------------------------- simulation


def _sample_stays(survival: pd.DataFrame, u: np.ndarray) -> np.ndarray:
    """Inverse-CDF draws from the KM step function; mass KM leaves above its last time → stays past closing."""
    times = survival["minutes"].to_numpy(dtype=float)
    cdf = 1.0 - survival["survival"].to_numpy(dtype=float)
    idx = np.searchsorted(cdf, u, side="right")
    return np.where(idx < len(times), times[np.minimum(idx, len(times) - 1)], np.inf)


def simulate_days(
    model: ArrivalModel,
    *,
    n_days: int = 2000,
    scale: float = 1.0,
    seed: int = 2026,
    opening_hours: Mapping | None = None,
    closing: Mapping | None = None,
) -> pd.DataFrame:
    """Simulated days per weekday: arrivals, unique citizens and daily peak (instantaneous maximum present).

    Arrival counts per slot are Poisson (or gamma–Poisson = NB2 with the fitted α) at rate·scale, times uniform
    within the slot, stays drawn from the Kaplan–Meier curve and cut at the weekday's closing time; unique
    citizens = Binomial(arrivals, unique_ratio). Deterministic for a given seed.
    """
    rng = np.random.default_rng(seed)
    rates = _restrict_rates(model, opening_hours).sort_values(SLOT_COLUMNS, ignore_index=True)
    frames = []
    for weekday, slots in rates.groupby("weekday", sort=True):  # ≤ 7 weekdays
        lam = scale * slots["rate"].to_numpy(dtype=float)
        a = slots["slot_minute"].to_numpy(dtype=float)
        b = slots["slot_end_minute"].to_numpy(dtype=float)
        close = float(closing[weekday]) if closing and weekday in closing else float(b.max())
        shape = (n_days, len(lam))
        if model.alpha > 0:
            lam_draw = rng.gamma(1.0 / model.alpha, model.alpha * lam, size=shape)
        else:
            lam_draw = np.broadcast_to(lam, shape)
        n = rng.poisson(lam_draw)
        day_of = np.repeat(np.repeat(np.arange(n_days), len(lam)), n.ravel())
        slot_of = np.repeat(np.tile(np.arange(len(lam)), n_days), n.ravel())
        start = a[slot_of] + rng.random(len(slot_of)) * (b - a)[slot_of]
        end = np.minimum(start + _sample_stays(model.survival, rng.random(len(slot_of))), close)
        arrivals = n.sum(axis=1)
        peak = _simulated_peaks(day_of, start, end, n_days)
        unique = rng.binomial(arrivals, min(max(model.unique_ratio, 0.0), 1.0))
        frames.append(
            pd.DataFrame(
                {
                    "weekday": int(weekday),
                    "sim": np.arange(n_days),
                    "arrivals": arrivals,
                    "unique": unique,
                    "peak": peak,
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "offer_id", model.offer_id)
    out["scale"] = float(scale)
    return out


def _simulated_peaks(day: np.ndarray, start: np.ndarray, end: np.ndarray, n_days: int) -> np.ndarray:
    """Sweep line per simulated day, departures before arrivals at equal times (presence on [start, end))."""
    keep = end > start
    day, start, end = day[keep], start[keep], end[keep]
    times = np.concatenate([start, end])
    delta = np.concatenate([np.ones(len(start)), -np.ones(len(end))]).astype(np.int64)
    days = np.concatenate([day, day])
    order = np.lexsort((delta, times, days))
    running = np.cumsum(delta[order])
    peak = np.zeros(n_days, dtype=np.int64)
    np.maximum.at(peak, days[order], running)
    return peak


def predict_daily(
    model: ArrivalModel,
    *,
    level: float = 0.90,
    scale: float = 1.0,
    seed: int = 2026,
    n_days: int = 2000,
    opening_hours: Mapping | None = None,
) -> pd.DataFrame:
    """Per weekday: mean and `level` interval of unique citizens and of the daily peak, by simulation."""
    sims = simulate_days(model, n_days=n_days, scale=scale, seed=seed, opening_hours=opening_hours)
    tail = (1.0 - level) / 2.0
    grouped = sims.groupby(["offer_id", "weekday"], sort=True)
    out = grouped.agg(arrivals_mean=("arrivals", "mean"), **simulated_interval_aggs(tail)).reset_index()
    out["scale"] = float(scale)
    return out


# ------------------------------------------------------------------------------------------- validation


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


def holdout_start(dates: pd.Series | pd.DatetimeIndex, holdout_weeks: int) -> pd.Timestamp:
    """Monday of the first held-out week: the last `holdout_weeks` calendar weeks (Mon–Sun) of the data."""
    dates = pd.DatetimeIndex(pd.to_datetime(pd.Series(dates))).normalize()
    if len(dates) == 0:
        raise InputError("no dates to split into training and holdout weeks")
    last_monday = dates.max() - pd.Timedelta(days=int(dates.max().weekday()))
    return last_monday - pd.Timedelta(weeks=holdout_weeks - 1)


def validate_holdout(
    visits: pd.DataFrame,
    offers: Mapping,
    occupancy: pd.DataFrame,
    *,
    bin_minutes: int,
    holdout_weeks: int,
    level: float = 0.90,
    dispersion_alpha: float = 0.05,
    seed: int = 2026,
    n_days: int = 2000,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, dict]]:
    """Fit on all but the last `holdout_weeks` weeks, predict those, and score the predictions.

    `occupancy` is the observed slot occupancy per offer × date × slot_minute (column `occupancy`, as from
    `occupancy.occupancy_by_datetime`). Returns (slot table, day table, metrics per offer): coverage of the
    `level` interval for slot occupancy and for unique citizens per day, and MAE of slot occupancy for the
    model and for the naive baseline (mean of the training weeks' same weekday × slot).
    """
    slot_frames, day_frames, metrics = [], [], {}
    all_days = pd.DatetimeIndex(
        np.concatenate([model_days(visits, offers, o).to_numpy() for o in offer_ids(offers)])
    )
    cutoff = holdout_start(all_days, holdout_weeks)
    models = fit_offer_models(
        visits, offers, bin_minutes=bin_minutes, dispersion_alpha=dispersion_alpha, before=cutoff
    )
    observed_all = occupancy.assign(date=pd.to_datetime(occupancy["date"]).dt.normalize())
    for offer_id, model in models.items():
        days = model_days(visits, offers, offer_id)
        train_days, test_days = days[days < cutoff], days[days >= cutoff]
        observed = observed_all[observed_all["offer_id"] == offer_id]
        grid = slot_grid(offers[offer_id].get("opening_hours", {}), bin_minutes)
        cells = pd.DataFrame({"date": days, "weekday": days.weekday}).merge(grid, on="weekday")
        cells = cells.merge(
            observed[["date", "slot_minute", "occupancy"]], on=["date", "slot_minute"], how="left"
        )
        cells["occupancy"] = cells["occupancy"].fillna(0.0)
        baseline = (
            cells[cells["date"].isin(train_days)]
            .groupby(["weekday", "slot_minute"])["occupancy"]
            .mean()
            .rename("baseline")
            .reset_index()
        )
        prediction = predict_occupancy(model, level=level)
        test = cells[cells["date"].isin(test_days)].merge(
            prediction[["weekday", "slot_minute", "occupancy_mean", "occupancy_lower", "occupancy_upper"]],
            on=["weekday", "slot_minute"],
            how="left",
        )
        test = test.merge(baseline, on=["weekday", "slot_minute"], how="left")
        test["covered"] = (test["occupancy"] >= test["occupancy_lower"]) & (
            test["occupancy"] <= test["occupancy_upper"]
        )
        test["abs_error_model"] = (test["occupancy"] - test["occupancy_mean"]).abs()
        test["abs_error_baseline"] = (test["occupancy"] - test["baseline"]).abs()
        test.insert(0, "offer_id", offer_id)
        test["slot"] = slot_label(test["slot_minute"])
        slot_frames.append(test)

        own = visits[(visits["offer_id"] == offer_id)].assign(
            date=lambda f: pd.to_datetime(f["date"]).dt.normalize()
        )
        unique = own[own["date"].isin(test_days)].groupby("date")["citizen_key"].nunique()
        daily = predict_daily(model, level=level, seed=seed, n_days=n_days)
        day_table = pd.DataFrame({"date": test_days, "weekday": test_days.weekday})
        day_table["unique"] = unique.reindex(test_days, fill_value=0).to_numpy()
        day_table = day_table.merge(
            daily[["weekday", "unique_mean", "unique_lower", "unique_upper"]], on="weekday"
        )
        day_table["covered"] = (day_table["unique"] >= day_table["unique_lower"]) & (
            day_table["unique"] <= day_table["unique_upper"]
        )
        day_table.insert(0, "offer_id", offer_id)
        day_frames.append(day_table)

        metrics[offer_id] = {
            "family": model.family,
            "train_days": int(len(train_days)),
            "holdout_days": int(len(test_days)),
            "holdout_start": cutoff.strftime("%Y-%m-%d"),
            "coverage_slot_occupancy": float(test["covered"].mean()) if len(test) else float("nan"),
            "coverage_unique_per_day": float(day_table["covered"].mean()) if len(day_table) else float("nan"),
            "mae_model": float(test["abs_error_model"].mean()) if len(test) else float("nan"),
            "mae_baseline": float(test["abs_error_baseline"].mean()) if len(test) else float("nan"),
            "nominal": float(level),
        }
    slots = pd.concat(slot_frames, ignore_index=True).sort_values(
        ["offer_id", "date", "slot_minute"], ignore_index=True
    )
    days_out = pd.concat(day_frames, ignore_index=True).sort_values(["offer_id", "date"], ignore_index=True)
    return slots, days_out, metrics


def load_models(demand_dir: str | Path) -> dict[str, ArrivalModel]:
    """The fitted models from the demand stage's `arrival_rates.parquet` and `stay_survival.parquet`.

    Why: the report notebooks run their own scenarios (spor 2 uplifts, other opening hours) on exactly the
    model the demand stage fitted and validated, without refitting or reading the visits again.
    """
    demand_dir = Path(demand_dir)
    try:
        rates = pd.read_parquet(demand_dir / "arrival_rates.parquet")
        survival = pd.read_parquet(demand_dir / "stay_survival.parquet")
    except FileNotFoundError as exc:
        raise InputError(
            "the demand stage's fitted tables are missing", file=str(demand_dir), fix="run `dvc repro demand`"
        ) from exc
    return {
        offer_id: ArrivalModel.from_tables(rates, survival, offer_id)
        for offer_id in sorted(rates["offer_id"].unique())
    }
