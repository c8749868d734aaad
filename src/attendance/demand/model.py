"""Demand model: arrivals per time slot as a GLM, occupancy as an infinite-server queue (M_t/G/∞).

Why this shape (docs/design.md § 5): staffing must be planned for a *high quantile* of how many citizens are present,
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
import zlib
from collections.abc import Mapping, Sequence
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

from attendance.errors import InputError
from attendance.timeofday import hhmm_to_minutes, minutes_to_hhmm

from .kpis import offer_ids, opening_days

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
    cells["slot"] = minutes_to_hhmm(cells["slot_minute"])
    return cells.sort_values(["date", "slot_minute"], ignore_index=True)[
        ["offer_id", "date", *SLOT_COLUMNS, "slot", "arrivals"]
    ]


def censored_stays(
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
    stays = censored_stays(visits, offers, offer_id, days)
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
        out["slot"] = minutes_to_hhmm(out["slot_minute"])
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
MC_Z = 1.959963984540054  # 95 % for the Monte Carlo intervals


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
    n_days: int = 4000,
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
        test["slot"] = minutes_to_hhmm(test["slot_minute"])
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


def read_simulation(demand_dir: str | Path) -> pd.DataFrame:
    """The demand stage's shared draws (`simulated_arrivals.parquet`), or one line saying how to make them."""
    path = Path(demand_dir) / "simulated_arrivals.parquet"
    try:
        return pd.read_parquet(path)
    except FileNotFoundError as exc:
        raise InputError(
            "the demand stage's simulated arrivals are missing", file=str(path), fix="run `dvc repro demand`"
        ) from exc
