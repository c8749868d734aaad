"""The demand stage's tables, metrics and report figures (`demand.outputs`, `demand.report`), on the synthetic
visits of the demand model tests."""

from __future__ import annotations

import json

import matplotlib
import numpy as np
import pandas as pd
import pytest
from test_demand_model import BIN, make_offers, make_visits

from attendance.demand import kpis, outputs
from attendance.demand import report as dr
from attendance.demand.model import (
    FORMULA,
    arrival_counts,
    daily_prediction,
    fit_offer_models,
    monte_carlo_metrics,
    predict_occupancy,
    simulate_offers,
)

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

NAMES = {"auc": "AUC"}


@pytest.fixture(scope="module")
def data():
    offers = make_offers()
    visits = make_visits(offers, seed=5)
    models = fit_offer_models(visits, offers, bin_minutes=BIN)
    return offers, visits, models


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_table_writer_writes_parquet_and_remembers_shapes(tmp_path):
    writer = outputs.TableWriter(tmp_path)
    frame = pd.DataFrame({"weekday": np.array([2, 0], dtype="int8"), "x": [1.5, 2.5]}, index=[7, 3])
    written = writer.write(frame, "t")
    assert list(written.index) == [0, 1]
    assert written["weekday"].dtype == "int64"
    back = pd.read_parquet(tmp_path / "t.parquet")
    pd.testing.assert_frame_equal(back, written)
    writer.write(pd.DataFrame({"a": [1]}), "u")
    overview = writer.overview()
    assert overview.to_dict("list") == {"tabel": ["t", "u"], "rækker": [2, 1], "kolonner": [2, 1]}


def test_project_columns_renames_hillmaker_names_and_replaces_the_bin_by_its_minute():
    frame = pd.DataFrame({"day_of_week": [1], "bin_of_day": [3], "bin_of_day_str": ["01:30"], "n": [4]})
    out = outputs.project_columns(frame, 30)
    assert list(out.columns) == ["weekday", "slot", "n", "slot_minute"]
    assert out["slot_minute"].tolist() == [90]
    only_renamed = outputs.project_columns(frame)
    assert list(only_renamed.columns) == ["weekday", "bin_of_day", "slot", "n"]


def test_occupancy_tables_flag_opening_days_and_open_slots(data):
    offers, visits, _ = data
    bydatetime = outputs.occupancy_bydatetime_table(visits, offers, BIN, ["auc"])
    assert list(bydatetime.columns) == outputs.OCCUPANCY_BYDATETIME_COLUMNS
    assert bydatetime["datetime"].is_monotonic_increasing
    # opening hours are 09-15 (Friday 09-13) on weekdays: nothing open at night or in the weekend
    assert not bydatetime.loc[bydatetime["slot_minute"] < 540, "open_slot"].any()
    assert not bydatetime.loc[bydatetime["weekday"] >= 5, "opening_day"].any()
    assert bydatetime.loc[bydatetime["open_slot"], "occupancy"].sum() > 0
    assert (
        bydatetime.loc[~bydatetime["open_slot"] & (bydatetime["slot_minute"] < 540), "occupancy"].sum() == 0
    )

    summary = outputs.occupancy_summary_table(visits, offers, BIN, ["auc"])
    assert list(summary.columns[:6]) == ["offer_id", "measure", "weekday", "slot_minute", "slot", "open_slot"]
    occ = outputs.open_occupancy(summary)
    assert set(occ["measure"]) == {"occupancy"} and occ["open_slot"].all()
    assert set(occ["weekday"]) == {0, 1, 2, 3, 4}
    assert occ.loc[occ["weekday"] == 4, "slot_minute"].max() == 750  # Friday closes 13:00


def test_kpis_by_weekday_slot_puts_occupancy_and_arrivals_side_by_side(data):
    offers, visits, _ = data
    summary = outputs.occupancy_summary_table(visits, offers, BIN, ["auc"])
    wide = outputs.kpis_by_weekday_slot(summary)
    assert "days" in wide and "arrivals_count" not in wide and wide["days"].dtype == "int64"
    assert {"occupancy_mean", "arrivals_mean", "occupancy_p95", "arrivals_max"} <= set(wide.columns)
    occ = outputs.open_occupancy(summary).set_index(["weekday", "slot_minute"])["mean"]
    got = wide.set_index(["weekday", "slot_minute"])["occupancy_mean"]
    pd.testing.assert_series_equal(got.sort_index(), occ.sort_index(), check_names=False)


def test_headline_profile_and_counts_tables(data):
    offers, visits, _ = data
    headline = {"auc": {"visits": 10, "active": 3}}
    assert outputs.headline_table(headline, ["auc"]).to_dict("records") == [
        {"offer_id": "auc", "visits": 10, "active": 3}
    ]
    profile = outputs.arrival_profile_table(visits, offers, BIN)
    assert profile.columns[-1] == "slot_minute" and "bin_of_day" not in profile
    assert {"weekday", "slot"} <= set(profile.columns)
    assert profile["slot_minute"].equals(profile["slot"].map(lambda s: int(s[:2]) * 60 + int(s[3:5])))
    counts = outputs.arrival_counts_table(visits, offers, BIN, ["auc"])
    pd.testing.assert_frame_equal(counts, arrival_counts(visits, offers, "auc", BIN))


def test_model_summary_and_coefficients(data):
    _, _, models = data
    summary = outputs.model_summary_table(models)
    row = summary.iloc[0]
    assert row["formula"] == FORMULA and row["family"] == models["auc"].family
    assert row["arrivals"] == models["auc"].counts["arrivals"].sum() and "ct_pvalue" in summary
    coefficients = outputs.coefficient_table(models, 0.90)
    assert len(coefficients) == len(models["auc"].result.params)
    np.testing.assert_allclose(coefficients["rate_ratio"], np.exp(coefficients["coef"]))
    assert (coefficients["rate_ratio_lower"] <= coefficients["rate_ratio"]).all()
    assert (coefficients["rate_ratio"] <= coefficients["rate_ratio_upper"]).all()


def test_prediction_tables(data):
    offers, visits, models = data
    prediction = outputs.occupancy_prediction_table(models, 0.9)
    expected = predict_occupancy(models["auc"], level=0.9)
    assert len(prediction) == len(expected)
    assert prediction["weekday"].is_monotonic_increasing
    summary = outputs.occupancy_summary_table(visits, offers, BIN, ["auc"])
    compare = outputs.prediction_vs_observed(prediction, summary)
    assert compare["observed_mean"].notna().all()
    assert len(compare) == len(prediction)


def _roster_and_economy():
    roster = pd.DataFrame(
        {
            "offer_id": ["auc"],
            "staff_hours_week_needed": [12.345],
            "staff_hours_week_roster_total": [20.0],
            "staff_hours_week_roster_open": [18.0],
        }
    )
    economy = pd.DataFrame(
        {
            "offer_id": ["auc"],
            "cost_per_visit_dkk": [123.6],
            "cost_per_active_citizen_dkk": [np.nan],
            "staff_budget_needed_dkk": [1000.4],
        }
    )
    return roster, economy


def test_economy_inputs(data):
    offers, visits, _ = data
    offers = {**offers, "auc": {**offers["auc"], "annual_budget_dkk": 365000, "fte": None}}
    headline = {"auc": {"visits": 10, "active": 3, "referred": 2}}
    roster, _ = _roster_and_economy()
    inputs = outputs.economy_inputs(offers, headline, roster, ["auc"])
    row = inputs.iloc[0]
    assert row["annual_budget_dkk"] == 365000.0 and np.isnan(row["fte"])
    assert row["visits"] == 10 and row["referred"] == 2
    assert row["opening_hours"] > 0 and row["staff_hours_week_needed"] == 12.345


def test_demand_metrics_round_and_null_and_are_written_as_json(tmp_path, data):
    _, _, models = data
    roster, economy = _roster_and_economy()
    validation = {
        "auc": {
            "holdout_days": 5,
            "coverage_slot_occupancy": 0.912345,
            "coverage_unique_per_day": float("nan"),
            "mae_model": 0.5,
            "mae_baseline": 0.6,
        }
    }
    monte_carlo = {"auc": {"simulated_days": 100, "mc_se_peak_mean": 0.01}}
    metrics = outputs.demand_metrics(
        models, validation, roster, economy, monte_carlo, offer_ids=["auc"], holdout_weeks=3, level=0.9
    )
    got = metrics["auc"]
    assert got["model_family"] == models["auc"].family
    assert got["coverage_slot_occupancy"] == 0.9123 and got["coverage_unique_per_day"] is None
    assert got["staff_hours_week_needed"] == 12.35 and got["cost_per_visit_dkk"] == 124.0
    assert got["cost_per_active_citizen_dkk"] is None and got["holdout_weeks"] == 3
    assert got["simulated_days"] == 100 and got["coverage_nominal"] == 0.9
    path = outputs.write_metrics(metrics, tmp_path / "metrics" / "demand.json")
    text = path.read_text(encoding="utf-8")
    assert text.endswith("}\n") and json.loads(text) == metrics


# ------------------------------------------------------------------------------------ report figures


def _titles(fig) -> list[str]:
    return [ax.get_title() for ax in fig.axes if ax.get_visible()]


def test_figures_draw_every_offer_with_danish_titles(data):
    offers, visits, models = data
    summary = outputs.occupancy_summary_table(visits, offers, BIN, ["auc"])
    fig = dr.occupancy_heatmap(outputs.open_occupancy(summary), NAMES)
    assert "AUC" in _titles(fig) and fig.axes[0].get_ylabel() == "Ugedag"

    stays = kpis.stay_lengths(visits)
    fig = dr.stays_and_arrivals(stays, outputs.arrival_profile_table(visits, offers, BIN), NAMES)
    assert _titles(fig) == ["Opholdstider", "Ankomstprofil (alle ugedage)"]

    fig = dr.model_diagnostics(models, NAMES)
    assert _titles(fig)[0].startswith("AUC: residualer") and len(fig.axes) == 2

    prediction = outputs.occupancy_prediction_table(models, 0.9)
    fig = dr.prediction_vs_observed(outputs.prediction_vs_observed(prediction, summary), NAMES, 0.9)
    assert _titles(fig) == [f"AUC – {day}" for day in ["mandag", "tirsdag", "onsdag", "torsdag", "fredag"]]


def test_validation_and_staffing_figures():
    validation = pd.DataFrame(
        {
            "offer_id": ["auc"],
            "coverage_slot_occupancy": [0.9],
            "coverage_unique_per_day": [0.8],
            "mae_model": [0.4],
            "mae_baseline": [0.5],
        }
    )
    fig = dr.validation_figure(validation, NAMES, 0.9)
    assert _titles(fig) == ["Dækning af forudsigelsesintervaller", "Fejl i testugerne"]
    slots = pd.DataFrame(
        {
            "offer_id": "auc",
            "weekday": [0, 0, 1],
            "slot": ["09:00", "09:30", "09:00"],
            "staff_needed": [1, 2, 1],
            "staff_roster": [2, 2, 2],
        }
    )
    fig = dr.staffing_figure(slots, NAMES)
    assert _titles(fig) == ["AUC: behov og vagtplan pr. tidsrum"]
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["man 09:00"]


def test_monte_carlo_text_and_table(data):
    _, _, models = data
    draws = simulate_offers(models, n_days=50, max_scale=1.0, seed=1)
    daily = daily_prediction(draws, models, n_days=50, level=0.9)
    mc = monte_carlo_metrics(daily)
    text = dr.monte_carlo_text(mc, 50)
    assert text.startswith("Med 50 simulerede dage pr. ugedag") and text.endswith("fejlen falder med √n.")
    table = dr.monte_carlo_table(daily, NAMES, 0.9)
    assert list(table.columns)[4] == "Øvre grænse (90 %-interval)"
    assert set(table["Tilbud"]) == {"AUC"} and table["Ugedag"].iloc[0] == "mandag"
    assert all("," in v or v.isdigit() for v in table["Dagsmaks., gns."])


def test_dataset_text():
    text = dr.dataset_text(make_offers(), 1234, {"auc": "AUC", "b": "Bo"})
    assert text.startswith("Datasæt: test (syntetiske data), periode ")
    assert "1.234 besøg" in text and text.endswith("tilbud: AUC og Bo.")
