"""Spor 2 calculations on small hand-worked examples: the opening-hours rule, moving arrivals of closed slots,
simulated peaks against approved places, and the scenario table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from attendance.demand import staffing as staffing_module
from attendance.demand.model import (
    ArrivalModel,
    daily_prediction,
    day_grid,
    predict_occupancy,
    simulate_arrivals,
    simulated_day_outcomes,
)
from attendance.errors import InputError
from attendance.tracks import drop_in as td
from attendance.tracks.drop_in import (
    OPENING_RULES,
    daily_outlook,
    interval_text,
    mean_interval_text,
    opening_hours_mapping,
    opening_hours_summary,
    recommend_opening_hours,
    relocate_arrivals,
    rule_description,
    scenario_attendance_da,
    scenario_label,
    scenario_staffing_da,
    scenario_table,
    share_of_days_text,
    shift_arrivals,
    slot_measures,
    today_slots,
    week_share_kept,
    weekday_check_da,
)
from attendance.tracks.drop_in.compute import _span

STAFFING = {
    "citizens_per_staff": 6,
    "min_staff_on_duty": 1,
    "occupancy_quantile": 0.9,
    "fte_hours_per_year": 1924,
    "cost_per_fte_dkk": 480000,
}


def _slots(measures: dict[int, list[float]], start: int = 540, offer_id: str = "auc") -> pd.DataFrame:
    """Half-hour slots from `start` per weekday with the given measures (and the same observed mean)."""
    rows = [
        (offer_id, wd, start + 30 * i, start + 30 * (i + 1), 0.5, m, m)
        for wd, values in measures.items()
        for i, m in enumerate(values)
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "offer_id",
            "weekday",
            "slot_minute",
            "slot_end_minute",
            "slot_hours",
            "occupancy_mean",
            "measure",
        ],
    )


def _model(rates: list[float], start: int = 540, stay: int = 60, weekday: int = 0) -> ArrivalModel:
    """One weekday of half-hour slots; every citizen stays exactly `stay` minutes (S = 1 then 0)."""
    table = pd.DataFrame(
        {
            "weekday": weekday,
            "slot_minute": [start + 30 * i for i in range(len(rates))],
            "slot_end_minute": [start + 30 * (i + 1) for i in range(len(rates))],
            "rate": rates,
        }
    ).astype({"weekday": "int64", "slot_minute": "int64", "slot_end_minute": "int64"})
    survival = pd.DataFrame({"minutes": [0.0, float(stay)], "survival": [1.0, 0.0]})
    return ArrivalModel("auc", "poisson", 0.0, table, survival, unique_ratio=1.0, bin_minutes=30)


# ---------------------------------------------------------------------------------------- the rule


def test_span_keeps_the_dip_between_the_first_and_last_slot_reaching_the_threshold():
    measure = np.array([1.0, 3.0, 1.0, 4.0, 1.0, 0.5])
    minutes = np.full(6, 30.0)
    assert _span(measure, minutes, 2.0, 0.0) == (1, 3)  # 10:00 dips to 1 but stays open
    # 1,5 h < 2 h: widen; neighbours 1,0 and 1,0 tie -> the earlier slot
    assert _span(measure, minutes, 2.0, 120.0) == (0, 3)
    # 3 h = every slot
    assert _span(measure, minutes, 2.0, 180.0) == (0, 5)
    # more than today's hours: all of today, no more
    assert _span(measure, minutes, 2.0, 600.0) == (0, 5)


def test_span_without_any_slot_reaching_the_threshold_grows_from_the_busiest_slot():
    measure = np.array([0.5, 1.5, 1.0, 0.2])
    minutes = np.full(4, 30.0)
    assert _span(measure, minutes, 2.0, 0.0) == (1, 1)
    assert _span(measure, minutes, 2.0, 60.0) == (1, 2)  # right neighbour 1,0 > left 0,5
    assert _span(measure, minutes, 2.0, 90.0) == (0, 2)  # then left 0,5 > right 0,2


def test_recommend_opening_hours_per_weekday_and_mapping():
    # Monday 09:00–12:00 and Tuesday 09:00–11:00
    slots = _slots({0: [1.0, 2.5, 3.0, 2.0, 1.9, 0.4], 1: [0.1, 0.2, 0.3, 0.1]})
    out = recommend_opening_hours(slots, threshold=2.0, min_hours_per_day=1.0)
    monday = out[out["weekday"] == 0]
    assert monday["recommended"].tolist() == [False, True, True, True, False, False]
    assert monday["reaches_threshold"].tolist() == [False, True, True, True, False, False]
    tuesday = out[out["weekday"] == 1]
    # nobody reaches 2: 1 h around the busiest slot (10:00), widened towards 09:30 (0,2 > 0,1)
    assert tuesday["recommended"].tolist() == [False, True, True, False]
    hours = opening_hours_mapping(out)
    assert hours["auc"]["0"] == [["09:30", "11:00"]]
    assert hours["auc"]["1"] == [["09:30", "10:30"]]
    assert hours["auc"]["5"] == []
    assert opening_hours_mapping(out, None)["auc"]["0"] == [["09:00", "12:00"]]
    with pytest.raises(InputError):
        recommend_opening_hours(slots, threshold=2.0, min_hours_per_day=-1)


def test_opening_hours_summary_hand_numbers():
    slots = _slots({0: [1.0, 2.5, 3.0, 2.0, 1.9, 0.4]})
    summary = opening_hours_summary(recommend_opening_hours(slots, threshold=2.0, min_hours_per_day=0))
    row = summary.iloc[0]
    assert row["today_text"] == "09:00–12:00" and row["recommended_text"] == "09:30–11:00"
    assert row["today_hours"] == pytest.approx(3.0) and row["recommended_hours"] == pytest.approx(1.5)
    assert row["slots_reaching_threshold"] == 3 and row["measure_max"] == pytest.approx(3.0)
    # citizen-hours: kept (2,5 + 3 + 2)·0,5 = 3,75 of (1 + 2,5 + 3 + 2 + 1,9 + 0,4)·0,5 = 5,4
    assert row["citizen_hours_share_kept"] == pytest.approx(7.5 / 10.8)


def test_a_gap_in_todays_hours_stays_a_gap():
    slots = pd.concat(
        [_slots({0: [3.0, 3.0]}, start=540), _slots({0: [3.0, 3.0]}, start=780)], ignore_index=True
    )
    out = recommend_opening_hours(slots, threshold=2.0, min_hours_per_day=0)
    assert opening_hours_mapping(out)["auc"]["0"] == [["09:00", "10:00"], ["13:00", "14:00"]]
    assert opening_hours_summary(out).iloc[0]["recommended_text"] == "09:00–10:00, 13:00–14:00"


def test_slot_measures_reads_the_rules_column():
    offers = {"auc": {"opening_hours": {"0": [["09:00", "10:00"]]}}, "_dataset": {}}
    summary = pd.DataFrame(
        {
            "offer_id": "auc",
            "measure": ["occupancy", "occupancy", "arrivals", "arrivals"],
            "weekday": 0,
            "slot_minute": [540, 570, 540, 570],
            "mean": [1.5, 2.5, 9.0, 9.0],
            "p50": [1.0, 2.0, 9.0, 9.0],
            "p75": [2.0, 3.0, 9.0, 9.0],
            "p95": [4.0, 5.0, 9.0, 9.0],
        }
    )
    prediction = pd.DataFrame(
        {"offer_id": "auc", "weekday": 0, "slot_minute": [540], "occupancy_mean": [1.75]}
    )
    got = {
        rule: slot_measures(offers, summary, prediction, rule=rule, bin_minutes=30)["measure"].tolist()
        for rule in OPENING_RULES
    }
    assert got["mean_occupancy"] == [1.5, 2.5]
    assert got["median_occupancy"] == [1.0, 2.0]
    assert got["p95_occupancy"] == [4.0, 5.0]
    assert got["predicted_occupancy"] == [1.75, 0.0]  # a slot without prediction: nobody expected
    assert "gennemsnitligt" in rule_description("mean_occupancy")
    with pytest.raises(InputError):
        slot_measures(offers, summary, prediction, rule="max_occupancy", bin_minutes=30)
    assert today_slots(offers, 30)["slot_hours"].tolist() == [0.5, 0.5]


# ---------------------------------------------------------------------------- moving arrivals


def test_shift_arrivals_moves_early_arrivals_to_opening_and_loses_late_ones():
    model = _model([2.0, 1.0, 3.0, 4.0])  # 09:00, 09:30, 10:00, 10:30
    shifted, summary = shift_arrivals(model, {"0": [["09:30", "10:30"]]})
    assert shifted.rates["slot_minute"].tolist() == [570, 600]
    assert shifted.rates["rate"].tolist() == [3.0, 3.0]  # 09:00's 2 arrive at 09:30; 10:30's 4 are lost
    row = summary.iloc[0]
    assert (row["arrivals_today"], row["arrivals_moved"], row["arrivals_lost"]) == (10.0, 2.0, 4.0)
    assert model.rates["rate"].tolist() == [2.0, 1.0, 3.0, 4.0]  # the original is untouched
    # a weekday that would close entirely loses everything
    _, closed = shift_arrivals(model, {"0": []})
    assert closed.iloc[0]["arrivals_lost"] == 10.0


def test_shifted_occupancy_by_hand():
    # arrivals uniform within their half-hour slot, every stay exactly 60 min: a visitor is present on
    # average ½ of the arrival slot, all of the next slot and ½ of the one after. Shifted rates 3 (09:30)
    # and 3 (10:00): 09:30 -> 3·½ = 1,5; 10:00 -> 3·1 + 3·½ = 4,5.
    shifted, _ = shift_arrivals(_model([2.0, 1.0, 3.0, 4.0]), {"0": [["09:30", "10:30"]]})
    prediction = predict_occupancy(shifted)
    assert prediction["occupancy_mean"].tolist() == pytest.approx([1.5, 4.5])


# ------------------------------------------------------------------------------------ simulation


def test_daily_outlook_share_over_places_matches_the_simulation():
    model = _model([4.0, 4.0, 4.0, 4.0], stay=120)
    draws = simulate_arrivals(model, n_days=500, max_scale=2.0, seed=7)
    pooled, by_weekday = daily_outlook(
        draws, {"auc": model}, [0.0, 0.5], level=0.9, n_days=500, max_scale=2.0, approved_places={"auc": 8}
    )
    sims = simulated_day_outcomes(draws, day_grid({"auc": model}), [1.5], n_days=500)
    row = pooled[pooled["uplift"] == 0.5].iloc[0]
    assert row["share_days_over_places"] == pytest.approx((sims["peak"] > 8).mean())
    assert row["peak_mean"] == pytest.approx(sims["peak"].mean())
    assert row["unique_mean"] == pytest.approx(sims["unique"].mean())
    assert row["peak_lower"] <= row["peak_mean"] <= row["peak_upper"]
    assert row["peak_mean_se"] == pytest.approx(sims["peak"].std() / np.sqrt(500))
    today = pooled[pooled["uplift"] == 0.0].iloc[0]
    assert (
        today["peak_mean"] < row["peak_mean"]
        and today["share_days_over_places"] < row["share_days_over_places"]
    )
    assert len(by_weekday) == 2 and set(by_weekday["weekday"]) == {0}
    no_places, _ = daily_outlook(
        draws, {"auc": model}, [0.0], level=0.9, n_days=500, max_scale=2.0, approved_places={"auc": None}
    )
    assert np.isnan(no_places.iloc[0]["share_days_over_places"])


def test_daily_outlook_as_today_is_the_demand_stage_prediction_exactly():
    """The spor 2 report reads the demand stage's draws: its "as today" row is daily_prediction, bit for bit,
    and a larger scenario only adds arrivals (common random numbers), so no day's peak goes down."""
    model = _model([2.0, 3.0, 4.0, 1.0], stay=90)
    draws = simulate_arrivals(model, n_days=400, max_scale=2.0, seed=3)
    prediction = daily_prediction(draws, {"auc": model}, n_days=400, level=0.9)
    _, by_weekday = daily_outlook(draws, {"auc": model}, [0.0, 0.2], level=0.9, n_days=400, max_scale=2.0)
    today = by_weekday[by_weekday["uplift"] == 0.0].reset_index(drop=True)
    for column in ("unique_mean", "unique_lower", "unique_upper", "peak_mean", "peak_lower", "peak_upper"):
        assert today.loc[0, column] == prediction.loc[0, column]
    days = simulated_day_outcomes(draws, day_grid({"auc": model}), [1.0, 1.2], n_days=400)
    small, large = (days[days["scale"] == s].reset_index(drop=True) for s in (1.0, 1.2))
    assert (large["peak"] >= small["peak"]).all() and (large["arrivals"] >= small["arrivals"]).all()


def test_daily_outlook_refuses_a_scenario_above_the_simulated_scale():
    model = _model([2.0, 2.0])
    draws = simulate_arrivals(model, n_days=50, max_scale=1.5, seed=1)
    with pytest.raises(InputError, match="demand.simulated_max_scale"):
        daily_outlook(draws, {"auc": model}, [0.0, 1.0], level=0.9, n_days=50, max_scale=1.5)


def test_relocate_arrivals_moves_closed_slots_to_the_next_open_one_and_drops_late_ones():
    # today 09:00-11:00; recommended 09:30-10:30: 09:00 arrivals move to 09:30, 10:30 arrivals are lost
    model = _model([2.0, 1.0, 3.0, 4.0])
    draws = simulate_arrivals(model, n_days=300, max_scale=1.0, seed=5)
    moved = relocate_arrivals(draws, {"auc": model}, {"auc": {"0": [["09:30", "10:30"]]}})
    assert set(moved["slot_minute"]) == {570, 600}
    assert moved["arrival_minute"].between(570, 630).all()
    assert len(moved) == int((draws["slot_minute"] < 630).sum())  # everything before 10:30 is kept
    # an arrival kept in its slot keeps its time; one moved keeps its relative position in the slot
    kept = draws[draws["slot_minute"].isin([570, 600])]
    assert np.isin(kept["arrival_minute"].to_numpy(), moved["arrival_minute"].to_numpy()).all()
    early = draws[draws["slot_minute"] == 540]["arrival_minute"].to_numpy(dtype=float)
    assert np.isin((early + 30).astype(np.float32), moved["arrival_minute"].to_numpy()).all()
    # Poisson arrivals moved = the shifted model's rates: 3 + 2 at 09:30 and 1 at 10:00... per day
    per_slot = moved.groupby("slot_minute").size() / 300
    assert per_slot.loc[570] == pytest.approx(3.0, rel=0.1) and per_slot.loc[600] == pytest.approx(
        3.0, rel=0.1
    )


def test_scenario_table_today_and_recommended_hours():
    offers = {
        "auc": {
            "opening_hours": {"0": [["09:00", "11:00"]]},
            "approved_places": 30,
            "roster": [{"weekday": 0, "start": "09:00", "end": "11:00", "staff": 2}],
        }
    }
    model = _model([2.0, 1.0, 3.0, 4.0])
    recommended = {"auc": {"0": [["09:30", "10:30"]]}}
    table, by_weekday = scenario_table(
        {"auc": model},
        offers,
        [0.0, 0.2],
        staffing=STAFFING,
        level=0.9,
        recommended_hours=recommended,
        draws=simulate_arrivals(model, n_days=200, max_scale=2.0, seed=1),
        n_days=200,
        max_scale=2.0,
    )
    assert table[["uplift", "hours"]].values.tolist() == [
        [0.0, "today"],
        [0.0, "recommended"],
        [0.2, "today"],
        [0.2, "recommended"],
    ]
    today = staffing_module.scenarios({"auc": model}, offers, [0.0, 0.2], staffing=STAFFING)
    mine = table[table["hours"] == "today"].reset_index(drop=True)
    assert mine["staff_hours_week_needed"].tolist() == today["staff_hours_week_needed"].tolist()
    rec = table[table["hours"] == "recommended"]
    # 1 hour open; means 1,5 and 4,5 (×1,2 = 1,8 and 5,4); Poisson 90 % quantiles 3 and 7 (4 and 8) ->
    # 1 and 2 on duty (6 citizens per staff) -> 0,5·1 + 0,5·2 = 1,5 staff-hours in both scenarios
    assert rec["opening_hours_week"].tolist() == [1.0, 1.0]
    assert rec["staff_hours_week_needed"].tolist() == [1.5, 1.5]
    assert rec["occupancy_mean_max"].tolist() == pytest.approx([4.5, 5.4])
    assert set(table["approved_places"]) == {30.0}
    assert set(by_weekday["hours"]) == {"today", "recommended"}
    with pytest.raises(InputError):
        scenario_table(
            {"auc": model},
            offers,
            [],
            staffing=STAFFING,
            level=0.9,
            recommended_hours=recommended,
            draws=simulate_arrivals(model, n_days=50, seed=1),
            n_days=50,
            max_scale=1.0,
        )


def test_scenario_label():
    assert scenario_label(0.0) == "Som i dag"
    assert scenario_label(0.2) == "+20 %"
    assert scenario_label(-0.2) == "−20 %"
    assert scenario_label(0.5) == "+50 %"


# ------------------------------------------------------------------------------- report-facing helpers


def test_week_share_kept_and_texts():
    slots = recommend_opening_hours(
        _slots({0: [1.0, 2.5, 3.0, 2.0, 1.9, 0.4], 1: [4.0, 4.0]}), threshold=2.0, min_hours_per_day=0
    )
    # Monday keeps 7,5 of 10,8 citizen-half-hours, Tuesday all 8 -> 15,5 / 18,8
    assert week_share_kept(slots, "auc") == pytest.approx(15.5 / 18.8)
    assert interval_text(11, 26) == "11–26"
    assert mean_interval_text(18.36, 11, 26) == "18,4\u00a0(11\u2060–\u206026)"
    assert share_of_days_text(0.0) == "ingen af de beregnede dage"
    assert share_of_days_text(0.0004) == "under 0,1 % af dagene"
    assert share_of_days_text(0.031) == "3,1 % af dagene"


def test_danish_tables_suppress_small_observed_counts_and_drop_capacity_without_places():
    observed = pd.DataFrame(
        {
            "offer_id": "no17",
            "weekday": [0, 1],
            "opening_days": [11, 13],
            "unique_mean": [9.4, 4.2],
            "unique_min": [7, 3],
            "unique_max": [11, 6],
            "peak_mean": [7.5, 3.1],
            "peak_max": [10, 4],
        }
    )
    model = pd.DataFrame(
        {
            "offer_id": "no17",
            "uplift": 0.0,
            "hours": "today",
            "weekday": [0, 1],
            "unique_mean": [9.1, 4.0],
            "unique_lower": [5, 1],
            "unique_upper": [14, 8],
            "peak_mean": [7.7, 3.0],
            "peak_lower": [4, 1],
            "peak_upper": [12, 6],
        }
    )
    table = weekday_check_da(observed, model, "no17", suppress_below=5)
    assert table["Ugedag"].tolist() == ["mandag", "tirsdag"]
    assert table["Færrest"].tolist() == [7, "<5"] and table["Højeste"].tolist() == [10, "<5"]
    assert table["Flest"].tolist() == [11, 6]
    assert table["Unikke, model (interval)"].iloc[0] == mean_interval_text(9.1, 5, 14)

    scen = model.assign(
        approved_places=np.nan,
        share_days_over_places=np.nan,
        occupancy_mean_max=6.6,
        opening_hours_week=24.0,
        staff_hours_week_needed=39.5,
        fte_needed=1.07,
        staff_budget_needed_dkk=512432.0,
    ).iloc[[0]]
    attendance = scenario_attendance_da(scen, "no17")
    assert "Dage over godkendte pladser" not in attendance.columns
    assert (
        attendance.iloc[0]["Efterspørgsel"] == "Som i dag" and attendance.iloc[0]["Åbningstid"] == "nuværende"
    )
    staff = scenario_staffing_da(scen, "no17")
    assert staff.iloc[0]["Personaletimer pr. uge"] == 39.5
    with_places = scenario_attendance_da(
        scen.assign(approved_places=30.0, share_days_over_places=0.0), "no17"
    )
    assert "Dage over godkendte pladser" in with_places.columns


def test_scenario_keys_are_dvc_friendly():
    assert td.scenario_key(0.0) == "today"
    assert td.scenario_key(0.2) == "plus_20pct" and td.scenario_key(-0.2) == "minus_20pct"
    assert td.scenario_key(0.125) == "plus_12_5pct"
    assert all("." not in td.scenario_key(u) for u in (-0.5, 0.0, 0.25, 1.0, 0.333))


def test_scenario_metrics_follow_the_scenarios_asked_for():
    table = pd.DataFrame(
        {
            "offer_id": ["x", "x", "x", "x"],
            "uplift": [0.0, 0.0, 0.5, 0.5],
            "hours": [td.HOURS_TODAY, td.HOURS_RECOMMENDED, td.HOURS_TODAY, td.HOURS_RECOMMENDED],
            "peak_mean": [10.0, 9.5, 15.0, 14.25],
            "staff_hours_week_needed": [60.0, 55.0, 80.0, 75.0],
            "staff_budget_needed_dkk": [1e6, 9e5, 1.2e6, 1.1e6],
        }
    )
    metrics = td.scenario_metrics(table)
    assert set(metrics["x"]) == {"today", "plus_50pct"}
    assert metrics["x"]["plus_50pct"] == {
        "peak_mean": 14.25,
        "staff_hours_week": 75.0,
        "staff_budget_dkk": 1.1e6,
    }


# ------------------------------------------------------------------ the notebook's calls (report 12)


def test_scenario_uplifts_always_include_today():
    assert td.scenario_uplifts({"scenarios": [0.2, -0.2]}) == [-0.2, 0.0, 0.2]
    assert td.scenario_uplifts({"scenarios": [0.0, 0.5]}) == [0.0, 0.5]


def _analysis():
    offers = {
        "auc": {
            "name": "AUC",
            "opening_hours": {"0": [["09:00", "11:00"]]},
            "approved_places": 30,
            "roster": [{"weekday": 0, "start": "09:00", "end": "11:00", "staff": 2}],
        }
    }
    model = _model([2.0, 1.0, 3.0, 4.0])
    prediction = predict_occupancy(model, level=0.9)
    summary = prediction.assign(measure="occupancy", mean=prediction["occupancy_mean"])
    for q in ("p50", "p75", "p95"):
        summary[q] = prediction["occupancy_mean"]
    draws = simulate_arrivals(model, n_days=100, max_scale=1.5, seed=1)
    spor2 = {
        "opening_rule": "mean_occupancy",
        "opening_threshold": 2.0,
        "min_opening_hours_per_day": 1.0,
        "scenarios": [0.2],
    }
    demand = {"bin_minutes": 30, "interval": 0.9, "simulated_days": 100, "simulated_max_scale": 1.5}
    result = td.analyse(
        offers, summary, prediction, {"auc": model}, draws, spor2=spor2, demand=demand, staffing=STAFFING
    )
    return offers, model, summary, prediction, draws, result


def test_analyse_is_the_chain_of_the_track_functions():
    offers, model, summary, prediction, draws, result = _analysis()
    slots = slot_measures(offers, summary, prediction, rule="mean_occupancy", bin_minutes=30)
    slots = recommend_opening_hours(slots, threshold=2.0, min_hours_per_day=1.0)
    pd.testing.assert_frame_equal(result.slots, slots)
    assert result.recommended_hours == opening_hours_mapping(slots, "recommended")
    table, _ = scenario_table(
        {"auc": model},
        offers,
        [0.0, 0.2],
        staffing=STAFFING,
        level=0.9,
        recommended_hours=result.recommended_hours,
        draws=draws,
        n_days=100,
        max_scale=1.5,
    )
    pd.testing.assert_frame_equal(result.scenarios, table)
    assert list(result.base.index) == [("auc", "today"), ("auc", "recommended")]
    assert result.week_hours.loc["auc", "today_hours"] == 2.0
    assert result.week_hours.loc["auc", "recommended_hours"] == result.slots["recommended"].sum() * 0.5


def test_track_metrics_and_key_figures():
    offers, *_, result = _analysis()
    metrics = td.track_metrics(result.week_hours, result.base, result.scenarios, ["auc"])
    assert metrics["auc"]["open_hours_week_today"] == 2.0
    assert set(metrics["auc"]["scenarios"]) == {"today", "plus_20pct"}
    assert metrics["auc"]["peak_mean_recommended"] == metrics["auc"]["scenarios"]["today"]["peak_mean"]
    track = {"total_cost_dkk": 1_200_000, "change_dkk": 200_000, "today_cost_dkk": 1_000_000}
    items = td.key_figure_items(
        result.week_hours, result.base, track, offers, ["auc"], {"auc": "AUC"}, "90 %"
    )
    assert [i[0] for i in items] == [
        "Anbefalet åbningstid, AUC",
        "Forventet dagsmaksimum, AUC",
        "Samlet udgift pr. år som åbne væresteder, mio. kr.",
    ]
    assert items[0][2] == "i dag 2,0 timer pr. uge"
    assert items[1][2].startswith("90 %-interval ") and items[1][2].endswith("; 30 godkendte pladser")


def test_roster_table_and_report_texts():
    offers, *_, result = _analysis()
    economy = pd.DataFrame(
        {
            "staff_hours_week_roster_total": [4.0],
            "fte_roster": [0.1],
            "staff_budget_roster_dkk": [50_000.0],
        },
        index=pd.Index(["auc"], name="offer_id"),
    )
    roster = td.roster_table_da(economy, result.base, ["auc"], {"auc": "AUC"})
    assert list(roster.columns) == ["Tilbud", *td.ROSTER_FORMATS]
    assert (
        roster.loc[0, "Behov, anbefalet tid, som i dag"]
        == result.base.loc[("auc", "recommended"), "staff_hours_week_needed"]
    )
    headline = pd.DataFrame({"referred": [12], "peak_concurrent_max": [9]}, index=pd.Index(["auc"]))
    text = td.assumptions_text(STAFFING, headline, ["auc"], {"auc": "AUC"}, bin_minutes=30, synthetic=True)
    assert text.count("\n") == 3 and "dagens visiterede (12 i AUC)" in text
    spor2 = {"opening_rule": "mean_occupancy", "opening_threshold": 2.0, "min_opening_hours_per_day": 1.0}
    assert "mindst 2" in td.rule_text(spor2, 30)
    assert "Perioden er marts 2026." in td.limits_text("marts 2026")
    assert "100 dage pr. ugedag" in td.methods_text(
        {"bin_minutes": 30, "simulated_days": 100, "holdout_weeks": 2}, "90 %"
    )
    section = td.capacity_section(result.scenarios, offers, ["auc"], {"auc": "AUC"}, headline, "90 %")
    assert section.startswith("AUC er godkendt til 30 pladser. I registreringsperioden var der højst 9")
    assert "**illustrative**" in td.illustrative_text(True) and "**" not in td.illustrative_text(False)


def test_opening_hours_figures_one_per_offer_with_captions():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    offers, *_, result = _analysis()
    figures = list(
        td.opening_hours_figures(
            result.slots,
            ["auc"],
            {"auc": "AUC"},
            spor2={"opening_rule": "mean_occupancy", "opening_threshold": 2.0},
            bin_minutes=30,
        )
    )
    assert len(figures) == 1
    name, fig, caption, alt = figures[0]
    assert name == "AUC" and caption.startswith("AUC: gennemsnitligt antal") and "AUC" in alt
    assert fig.axes[0].get_ylabel() == "Gns. antal til stede"
    plt.close(fig)
    assert td.scenario_peaks_caption(offers, {"auc": "AUC"}, "90 %").startswith(
        "Forventet dagsmaksimum (punkt) med 90 %-interval"
    )
