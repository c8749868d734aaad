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

The model is a package: `data` (slots, model days, counts and stays), `arrivals` (the fitted GLM,
`ArrivalModel`), `queue` (M_t/G/∞ occupancy), `simulation` (the shared draws and simulated days), `daily`
(summaries of simulated days with their Monte Carlo error) and `validation` (the held-out weeks). The names
below are what the rest of the package, the notebooks and the tests import from `attendance.demand.model`.
"""

from attendance.timeofday import hhmm_to_minutes

from .arrivals import (
    FORMULA,
    RATE_COLUMNS,
    SURVIVAL_COLUMNS,
    ArrivalModel,
    dispersion_test,
    fit_arrival_model,
    fit_offer_models,
    load_models,
)
from .daily import (
    MC_Z,
    daily_prediction,
    monte_carlo_metrics,
    predict_daily,
    quantile_mc_interval,
    simulated_interval_aggs,
    summarise_days,
)
from .data import (
    SLOT_COLUMNS,
    arrival_counts,
    censored_stays,
    model_days,
    opening_intervals,
    slot_grid,
    stay_survival,
)
from .queue import (
    PREDICTION_COLUMNS,
    integrated_survival,
    occupancy_distribution,
    occupancy_quantile,
    predict_occupancy,
    slot_contributions,
)
from .simulation import (
    DAY_COLUMNS,
    SIMULATION_COLUMNS,
    TICKS_PER_MINUTE,
    day_grid,
    read_simulation,
    simulate_arrivals,
    simulate_days,
    simulate_offers,
    simulated_day_outcomes,
)
from .validation import (
    holdout_start,
    validate_holdout,
)

__all__ = [
    "ArrivalModel",
    "DAY_COLUMNS",
    "FORMULA",
    "MC_Z",
    "PREDICTION_COLUMNS",
    "RATE_COLUMNS",
    "SIMULATION_COLUMNS",
    "SLOT_COLUMNS",
    "SURVIVAL_COLUMNS",
    "TICKS_PER_MINUTE",
    "arrival_counts",
    "censored_stays",
    "daily_prediction",
    "day_grid",
    "dispersion_test",
    "fit_arrival_model",
    "fit_offer_models",
    "hhmm_to_minutes",
    "holdout_start",
    "integrated_survival",
    "load_models",
    "model_days",
    "monte_carlo_metrics",
    "occupancy_distribution",
    "occupancy_quantile",
    "opening_intervals",
    "predict_daily",
    "predict_occupancy",
    "quantile_mc_interval",
    "read_simulation",
    "simulate_arrivals",
    "simulate_days",
    "simulate_offers",
    "simulated_day_outcomes",
    "simulated_interval_aggs",
    "slot_contributions",
    "slot_grid",
    "stay_survival",
    "summarise_days",
    "validate_holdout",
]
