"""The demand stage's outputs: the tables of `data/processed/demand/` (docs/demand_outputs.md) and
`metrics/demand.json`, built from the occupancy, KPI and model functions.

Why a module of its own: the demand notebook is the stage, but the tables it writes are read by every report
stage, so how they are built (hillmaker's column names turned into the project's, the wide weekday × slot KPIs,
the model summary and coefficients, the economy inputs, the metrics) belongs in tested package code, and the
notebook only calls it and shows the results.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import kpis, occupancy, staffing
from .model import FORMULA, ArrivalModel, arrival_counts, predict_occupancy, slot_grid

OCCUPANCY_BYDATETIME_COLUMNS = [
    "offer_id",
    "datetime",
    "date",
    "weekday",
    "slot_minute",
    "slot",
    "arrivals",
    "departures",
    "occupancy",
    "opening_day",
    "open_slot",
]


class TableWriter:
    """Writes tables to `out_dir/NAME.parquet` and remembers their shapes (for the stage's overview)."""

    def __init__(self, out_dir: str | Path) -> None:
        self.out_dir = Path(out_dir)
        self.written: dict[str, tuple[int, int]] = {}

    def write(self, frame: pd.DataFrame, name: str) -> pd.DataFrame:
        """Write a table to data/processed/demand/NAME.parquet (index dropped, row order as given)."""
        frame = frame.reset_index(drop=True)
        if "weekday" in frame.columns:
            frame["weekday"] = frame["weekday"].astype(
                "int64"
            )  # one dtype across tables, for joins in reports
        frame.to_parquet(self.out_dir / f"{name}.parquet", index=False)
        self.written[name] = frame.shape
        return frame

    def overview(self) -> pd.DataFrame:
        """One row per table written: name, rows, columns (Danish headers, as the report shows them)."""
        return pd.DataFrame(
            {
                "tabel": list(self.written),
                "rækker": [s[0] for s in self.written.values()],
                "kolonner": [s[1] for s in self.written.values()],
            }
        )


def project_columns(frame: pd.DataFrame, bin_minutes: int | None = None) -> pd.DataFrame:
    """hillmaker's column names as the project's: `day_of_week` → `weekday`, `bin_of_day_str` → `slot`, and
    (with `bin_minutes`) `bin_of_day` replaced by `slot_minute` (minutes after midnight, the last column)."""
    out = frame.rename(columns={"day_of_week": "weekday", "bin_of_day_str": "slot"})
    if bin_minutes is not None:
        out["slot_minute"] = out.pop("bin_of_day") * bin_minutes
    return out


def open_slot_grids(offers: Mapping, offer_ids: Sequence[str], bin_minutes: int) -> pd.DataFrame:
    """The open slots of every offer (`model.slot_grid` with an `offer_id` column)."""
    return pd.concat(
        [slot_grid(offers[o].get("opening_hours", {}), bin_minutes).assign(offer_id=o) for o in offer_ids],
        ignore_index=True,
    )


def _flag_open_slots(frame: pd.DataFrame, grids: pd.DataFrame) -> pd.DataFrame:
    out = frame.merge(
        grids[["offer_id", "weekday", "slot_minute"]].assign(open_slot=True),
        on=["offer_id", "weekday", "slot_minute"],
        how="left",
    )
    out["open_slot"] = out["open_slot"].notna()
    return out


def occupancy_bydatetime_table(
    visits: pd.DataFrame, offers: Mapping, bin_minutes: int, offer_ids: Sequence[str]
) -> pd.DataFrame:
    """Occupancy per offer × date × slot (hillmaker) of the timed visits over the dataset's period, flagged
    with `opening_day` and `open_slot` (the `occupancy_bydatetime` table)."""
    dataset = offers["_dataset"]
    timed = visits[(visits["granularity"] == "timed") & visits["start"].notna() & visits["end"].notna()]
    bydatetime = occupancy.occupancy_by_datetime(
        timed,
        "start",
        "end",
        bin_minutes,
        dataset["period_start"],
        dataset["period_end"],
        group_col="offer_id",
    )
    bydatetime = project_columns(bydatetime, bin_minutes)
    open_days = pd.concat(
        [pd.DataFrame({"offer_id": o, "date": kpis.opening_days(offers, o)}) for o in offer_ids]
    )
    bydatetime = bydatetime.merge(open_days.assign(opening_day=True), on=["offer_id", "date"], how="left")
    bydatetime["opening_day"] = bydatetime["opening_day"].notna()
    bydatetime = _flag_open_slots(bydatetime, open_slot_grids(offers, offer_ids, bin_minutes))
    bydatetime = bydatetime.sort_values(["offer_id", "datetime"], ignore_index=True)
    return bydatetime[OCCUPANCY_BYDATETIME_COLUMNS]


def occupancy_summary_table(
    visits: pd.DataFrame, offers: Mapping, bin_minutes: int, offer_ids: Sequence[str]
) -> pd.DataFrame:
    """Statistics per offer × measure × weekday × slot over the opening days (`kpis.kpis_by_slot`), flagged
    with `open_slot` (the `occupancy_summary` table)."""
    summary = project_columns(kpis.kpis_by_slot(visits, offers, bin_minutes), bin_minutes)
    summary = _flag_open_slots(summary, open_slot_grids(offers, offer_ids, bin_minutes))
    summary = summary.drop(columns=["dow_name"]).sort_values(
        ["offer_id", "measure", "weekday", "slot_minute"], ignore_index=True
    )
    return summary[
        ["offer_id", "measure", "weekday", "slot_minute", "slot", "open_slot", *occupancy.STAT_COLUMNS]
    ]


def open_occupancy(occupancy_summary: pd.DataFrame) -> pd.DataFrame:
    """The occupancy rows of `occupancy_summary` in open slots (what the figures and the comparison use)."""
    return occupancy_summary[(occupancy_summary["measure"] == "occupancy") & occupancy_summary["open_slot"]]


def headline_table(headline: Mapping[str, Mapping], offer_ids: Sequence[str]) -> pd.DataFrame:
    """The commission's key figures (`kpis.headline_kpis`) as one row per offer."""
    return pd.DataFrame([{"offer_id": o, **headline[o]} for o in offer_ids])


def kpis_by_weekday_slot(occupancy_summary: pd.DataFrame) -> pd.DataFrame:
    """Occupancy and arrival statistics side by side per offer × weekday × open slot (`days` = opening days)."""
    wide = occupancy_summary[
        occupancy_summary["open_slot"] & occupancy_summary["measure"].isin(["occupancy", "arrivals"])
    ]
    wide = wide.pivot_table(
        index=["offer_id", "weekday", "slot_minute", "slot"],
        columns="measure",
        values=["count", "mean", "stdev", "p50", "p95", "max"],
    )
    wide.columns = [f"{measure}_{stat}" for stat, measure in wide.columns]
    return (
        wide.reset_index()
        .rename(columns={"occupancy_count": "days"})
        .drop(columns=["arrivals_count"])
        .astype({"days": "int64"})
        .sort_values(["offer_id", "weekday", "slot_minute"])
    )


def arrival_profile_table(visits: pd.DataFrame, offers: Mapping, bin_minutes: int) -> pd.DataFrame:
    """Mean arrivals per offer × weekday × slot (`kpis.arrival_profile`) with the project's column names."""
    profile = project_columns(kpis.arrival_profile(visits, offers, bin_minutes), bin_minutes)
    return profile.sort_values(["offer_id", "weekday", "slot_minute"])


def arrival_counts_table(
    visits: pd.DataFrame, offers: Mapping, bin_minutes: int, offer_ids: Sequence[str]
) -> pd.DataFrame:
    """Arrivals per model day × open slot of every offer (`model.arrival_counts`), stacked."""
    return pd.concat([arrival_counts(visits, offers, o, bin_minutes) for o in offer_ids], ignore_index=True)


def model_summary_table(models: Mapping[str, ArrivalModel]) -> pd.DataFrame:
    """One row per offer: the chosen family, α, the formula, the data it was fitted on and the dispersion test."""
    return pd.DataFrame(
        [
            {
                "offer_id": o,
                "family": m.family,
                "alpha": m.alpha,
                "formula": FORMULA,
                "model_days": int(m.counts["date"].nunique()),
                "arrivals": int(m.counts["arrivals"].sum()),
                "unique_ratio": m.unique_ratio,
                **{k: v for k, v in m.dispersion.items()},
            }
            for o, m in models.items()
        ]
    )


def coefficient_table(models: Mapping[str, ArrivalModel], level: float) -> pd.DataFrame:
    """The GLM's coefficients per offer with rate ratios and their `level` confidence interval."""
    coefficients = []
    for offer_id, model in models.items():
        if model.result is None:
            continue
        ci = model.result.conf_int(alpha=1 - level)
        coefficients.append(
            pd.DataFrame(
                {
                    "offer_id": offer_id,
                    "term": model.result.params.index,
                    "coef": model.result.params.to_numpy(),
                    "std_err": model.result.bse.to_numpy(),
                    "rate_ratio": np.exp(model.result.params.to_numpy()),
                    "rate_ratio_lower": np.exp(ci[0].to_numpy()),
                    "rate_ratio_upper": np.exp(ci[1].to_numpy()),
                }
            )
        )
    return pd.concat(coefficients, ignore_index=True)


def occupancy_prediction_table(models: Mapping[str, ArrivalModel], level: float) -> pd.DataFrame:
    """Predicted slot occupancy (mean, `level` interval) of every offer at today's demand, sorted by offer ×
    weekday × slot."""
    prediction = pd.concat([predict_occupancy(m, level=level) for m in models.values()], ignore_index=True)
    return prediction.sort_values(["offer_id", "weekday", "slot_minute"])


def prediction_vs_observed(
    occupancy_prediction: pd.DataFrame, occupancy_summary: pd.DataFrame
) -> pd.DataFrame:
    """The predicted slot occupancy with the observed mean of the same offer × weekday × slot beside it."""
    observed_mean = open_occupancy(occupancy_summary)[["offer_id", "weekday", "slot_minute", "mean"]].rename(
        columns={"mean": "observed_mean"}
    )
    return occupancy_prediction.merge(observed_mean, on=["offer_id", "weekday", "slot_minute"], how="left")


def economy_inputs(
    offers: Mapping, headline: Mapping[str, Mapping], roster_summary: pd.DataFrame, offer_ids: Sequence[str]
) -> pd.DataFrame:
    """Per offer what `staffing.economy` needs: budget, period, visits, citizens, opening hours, FTE and the
    weekly staff hours needed and rostered."""
    return pd.DataFrame(
        [
            {
                "offer_id": o,
                "annual_budget_dkk": float(offers[o].get("annual_budget_dkk") or np.nan),
                "period_days": staffing.period_days(offers),
                "visits": headline[o]["visits"],
                "active": headline[o]["active"],
                "referred": headline[o]["referred"],
                "opening_hours": staffing.opening_hours_in_period(offers, o, kpis.opening_days(offers, o)),
                "fte": float(offers[o].get("fte") or np.nan),
            }
            for o in offer_ids
        ]
    ).merge(
        roster_summary[["offer_id", "staff_hours_week_needed", "staff_hours_week_roster_total"]],
        on="offer_id",
    )


def _num(value: Any, digits: int = 4) -> float | None:
    value = float(value)
    return None if not np.isfinite(value) else round(value, digits)


def demand_metrics(
    models: Mapping[str, ArrivalModel],
    validation: Mapping[str, Mapping],
    roster_summary: pd.DataFrame,
    economy: pd.DataFrame,
    monte_carlo: Mapping[str, Mapping],
    *,
    offer_ids: Sequence[str],
    holdout_weeks: int,
    level: float,
) -> dict[str, dict[str, Any]]:
    """The per-offer figures of `metrics/demand.json` (read by `dvc metrics show`): model, validation,
    staffing, economy and the Monte Carlo error; non-finite numbers as null."""
    metrics = {}
    for offer_id in offer_ids:
        model, val = models[offer_id], validation[offer_id]
        rost = roster_summary.set_index("offer_id").loc[offer_id]
        econ = economy.set_index("offer_id").loc[offer_id]
        metrics[offer_id] = {
            "model_family": model.family,
            "nb_alpha": _num(model.alpha),
            "dispersion_ct_alpha": _num(model.dispersion.get("ct_alpha", np.nan)),
            "dispersion_ct_pvalue": _num(model.dispersion.get("ct_pvalue", np.nan), 6),
            "dispersion_pearson_ratio": _num(model.dispersion.get("pearson_ratio", np.nan)),
            "holdout_weeks": int(holdout_weeks),
            "holdout_days": val["holdout_days"],
            "coverage_nominal": level,
            "coverage_slot_occupancy": _num(val["coverage_slot_occupancy"]),
            "coverage_unique_per_day": _num(val["coverage_unique_per_day"]),
            "mae_model": _num(val["mae_model"]),
            "mae_baseline": _num(val["mae_baseline"]),
            "staff_hours_week_needed": _num(rost["staff_hours_week_needed"], 2),
            "staff_hours_week_roster": _num(rost["staff_hours_week_roster_total"], 2),
            "staff_hours_week_roster_open": _num(rost["staff_hours_week_roster_open"], 2),
            "cost_per_visit_dkk": _num(econ["cost_per_visit_dkk"], 0),
            "cost_per_active_citizen_dkk": _num(econ["cost_per_active_citizen_dkk"], 0),
            "staff_budget_needed_dkk": _num(econ["staff_budget_needed_dkk"], 0),
            **monte_carlo[
                offer_id
            ],  # simulated_days and the Monte Carlo error of the simulated daily figures
        }
    return metrics


def write_metrics(metrics: Mapping, path: str | Path) -> Path:
    """`metrics` as indented JSON (non-ASCII kept) with a final newline; the folder is created if needed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
