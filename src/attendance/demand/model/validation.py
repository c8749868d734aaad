"""Held-out validation of the demand model: fit on all but the last weeks, predict them, and score coverage
and error against a naive weekday × slot baseline.

Why a module of its own: validation refits the model on a shorter period and uses every other part (data,
fit, occupancy, simulated days); keeping it apart keeps those parts free of the train/test split.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from attendance.errors import InputError
from attendance.timeofday import minutes_to_hhmm

from ..kpis import offer_ids
from .arrivals import fit_offer_models
from .daily import predict_daily
from .data import model_days, slot_grid
from .queue import predict_occupancy


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
