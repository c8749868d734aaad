"""The arrival model: a Poisson or negative binomial GLM of arrivals per slot, with the stay survival curve.

Why a module of its own: this is the only place the model is *fitted* (and rebuilt from the demand stage's
tables); prediction and simulation only read a fitted `ArrivalModel`, so the choice of family (Cameron–Trivedi
over-dispersion test) and the formula are defined once, here.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from attendance.errors import InputError
from attendance.timeofday import minutes_to_hhmm

from ..kpis import offer_ids
from .data import SLOT_COLUMNS, _timed_visits, arrival_counts, slot_grid, stay_survival

RATE_COLUMNS = ["offer_id", *SLOT_COLUMNS, "slot", "rate", "family", "alpha", "unique_ratio", "bin_minutes"]
SURVIVAL_COLUMNS = ["offer_id", "minutes", "survival"]


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
    import statsmodels.api as sm  # fitting only: a report stage skips ~0.9 s of imports
    from scipy import stats

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
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

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
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

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
