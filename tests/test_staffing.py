"""Staffing formula, roster comparison and economy arithmetic on small hand-worked examples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from attendance.demand.model import ArrivalModel, slot_grid
from attendance.demand.staffing import (
    compare_roster,
    economy,
    opening_hours_in_period,
    roster_by_slot,
    roster_hours_per_week,
    scenario,
    scenarios,
    staff_needed,
    staffing_need,
)
from attendance.errors import InputError

STAFFING = {
    "citizens_per_staff": 6,
    "min_staff_on_duty": 1,
    "occupancy_quantile": 0.9,
    "fte_hours_per_year": 1924,
    "cost_per_fte_dkk": 480000,
}

OFFERS = {
    "auc": {
        "name": "AUC",
        "opening_hours": {"0": [["09:00", "11:00"]], "4": [["09:00", "10:00"]]},
        "closed_dates": [],
        # Monday: 1 on duty 08:30–11:00 plus a second 09:15–10:00; Friday: nobody rostered
        "roster": [
            {"weekday": "mandag", "start": "08:30", "end": "11:00", "staff": 1},
            {"weekday": 0, "start": "09:15", "end": "10:00", "staff": 1},
        ],
        "fte": 2.0,
        "annual_budget_dkk": 1_000_000,
    },
    "_dataset": {"name": "t", "synthetic": True, "period_start": "2026-03-02", "period_end": "2026-05-29"},
}


def test_staff_needed_minimum_ceil_and_closed():
    occupancy = np.array([0.0, 0.4, 6.0, 6.01, 12.0, 13.0, 30.0])
    got = staff_needed(occupancy, citizens_per_staff=6, min_staff_on_duty=1)
    assert got.tolist() == [1, 1, 1, 2, 2, 3, 5]
    assert staff_needed(occupancy, citizens_per_staff=6, min_staff_on_duty=2).tolist() == [
        2,
        2,
        2,
        2,
        2,
        3,
        5,
    ]
    is_open = np.array([True, False, True, True, False, True, True])
    assert staff_needed(occupancy, citizens_per_staff=6, min_staff_on_duty=1, is_open=is_open).tolist() == [
        1,
        0,
        1,
        2,
        0,
        3,
        5,
    ]
    # floating error must not add a member of staff: 0.1·3 / 0.05 is 6.000000000000001
    assert staff_needed([0.1 * 3], citizens_per_staff=0.05, min_staff_on_duty=1).tolist() == [6]
    with pytest.raises(InputError):
        staff_needed([1.0], citizens_per_staff=0, min_staff_on_duty=1)


def _prediction(means: list[float]) -> pd.DataFrame:
    grid = slot_grid(OFFERS["auc"]["opening_hours"], 30)
    assert len(grid) == len(means)
    return grid.assign(offer_id="auc", occupancy_mean=means, occupancy_var=means)


def test_staffing_need_uses_the_quantile_of_predicted_occupancy():
    # Monday 09:00–11:00 (4 slots), Friday 09:00–10:00 (2 slots)
    need = staffing_need(_prediction([0.0, 5.0, 9.0, 2.0, 0.0, 4.0]), STAFFING)
    # Poisson 90 % quantiles: Poisson(0)=0, Poisson(5)=8, Poisson(9)=13, Poisson(2)=4, Poisson(4)=7
    assert need["occupancy_quantile"].tolist() == [0, 8, 13, 4, 0, 7]
    assert need["staff_needed"].tolist() == [1, 2, 3, 1, 1, 2]
    assert need["staff_hours_needed"].sum() == pytest.approx(0.5 * (1 + 2 + 3 + 1 + 1 + 2))
    closed = staffing_need(
        _prediction([0.0, 5.0, 9.0, 2.0, 0.0, 4.0]).assign(is_open=[True] * 5 + [False]), STAFFING
    )
    assert closed["staff_needed"].tolist() == [1, 2, 3, 1, 1, 0]


def test_roster_by_slot_is_time_weighted():
    roster = roster_by_slot(OFFERS, "auc", 30).set_index(["weekday", "slot_minute"])["staff_roster"]
    # 09:00–09:30: 1 all slot + 1 for 15 of 30 min = 1.5; 09:30–10:00: 2; 10:00–11:00: 1; Friday: 0
    assert roster.tolist() == [1.5, 2.0, 1.0, 1.0, 0.0, 0.0]
    # all rostered hours: 2.5 h + 0.75 h
    assert roster_hours_per_week(OFFERS, "auc") == pytest.approx(3.25)


def test_compare_roster_statuses_and_weekly_hours():
    need = staffing_need(_prediction([0.0, 5.0, 9.0, 2.0, 0.0, 4.0]), STAFFING)
    slots, summary = compare_roster(need, OFFERS, 30)
    # need [1, 2, 3, 1, 1, 2] vs roster [1.5, 2, 1, 1, 0, 0]
    assert slots["status"].tolist() == ["matched", "matched", "under", "matched", "under", "under"]
    row = summary.iloc[0]
    assert row["staff_hours_week_needed"] == pytest.approx(5.0)
    assert row["staff_hours_week_roster_open"] == pytest.approx(0.5 * (1.5 + 2 + 1 + 1))
    assert row["staff_hours_week_roster_total"] == pytest.approx(3.25)
    assert (row["slots_under"], row["slots_over"], row["slots_matched"]) == (3, 0, 3)
    over = compare_roster(staffing_need(_prediction([0.0] * 6), STAFFING).assign(staff_needed=0), OFFERS, 30)[
        0
    ]
    assert over["status"].tolist()[:4] == ["over", "over", "over", "over"]


def test_opening_hours_in_period():
    days = pd.DatetimeIndex(["2026-03-02", "2026-03-06", "2026-03-09"])  # Mon, Fri, Mon
    assert opening_hours_in_period(OFFERS, "auc", days) == pytest.approx(2 + 1 + 2)


def test_economy_arithmetic():
    inputs = pd.DataFrame(
        {
            "offer_id": ["auc"],
            "annual_budget_dkk": [3_650_000.0],
            "period_days": [73],  # a fifth of a year → 730,000 kr. in the period
            "visits": [1000],
            "active": [40],
            "referred": [50],
            "opening_hours": [365.0],
            "staff_hours_week_needed": [74.0],  # 74 h × 52 = 3848 h = 2 årsværk
            "staff_hours_week_roster_total": [111.0],  # 3 årsværk
            "fte": [3.5],
        }
    )
    row = economy(inputs, STAFFING).iloc[0]
    assert row["budget_period_dkk"] == pytest.approx(730_000)
    assert row["cost_per_visit_dkk"] == pytest.approx(730)
    assert row["cost_per_active_citizen_dkk"] == pytest.approx(18_250)
    assert row["cost_per_referred_citizen_dkk"] == pytest.approx(14_600)
    assert row["cost_per_opening_hour_dkk"] == pytest.approx(2000)
    assert row["fte_needed"] == pytest.approx(2.0)
    assert row["staff_budget_needed_dkk"] == pytest.approx(960_000)
    assert row["staff_budget_roster_dkk"] == pytest.approx(1_440_000)
    assert row["staff_budget_stated_fte_dkk"] == pytest.approx(1_680_000)
    assert row["staff_budget_change_dkk"] == pytest.approx(-480_000)
    zero = economy(inputs.assign(active=0), STAFFING).iloc[0]
    assert np.isnan(zero["cost_per_active_citizen_dkk"])
    with pytest.raises(InputError):
        economy(inputs.drop(columns="fte"), STAFFING)


def _model(rate: float) -> ArrivalModel:
    grid = slot_grid(OFFERS["auc"]["opening_hours"], 30)
    return ArrivalModel(
        offer_id="auc",
        family="poisson",
        alpha=0.0,
        rates=grid.assign(rate=rate),
        survival=pd.DataFrame({"minutes": [0.0, 60.0], "survival": [1.0, 0.0]}),
        unique_ratio=1.0,
        bin_minutes=30,
    )


def test_scenario_uplift_and_opening_hours():
    slots, base = scenario(_model(6.0), OFFERS, uplift=0.0, staffing=STAFFING)
    _, more = scenario(_model(6.0), OFFERS, uplift=0.5, staffing=STAFFING)
    assert more["occupancy_mean_max"] == pytest.approx(1.5 * base["occupancy_mean_max"])
    assert more["staff_hours_week_needed"] >= base["staff_hours_week_needed"]
    assert base["opening_hours_week"] == pytest.approx(3.0)
    assert "staff_roster" in slots.columns
    # open Monday 09:00–10:00 and 11:00–12:00 only: two known slots, two without a fitted rate
    hours = {"0": [["09:00", "10:00"], ["11:00", "12:00"]]}
    slots, short = scenario(_model(6.0), OFFERS, uplift=0.0, staffing=STAFFING, opening_hours=hours)
    assert short["opening_hours_week"] == pytest.approx(2.0)
    assert short["slots_without_fitted_rate"] == 2
    assert slots.loc[~slots["rate_known"], "arrivals_mean"].eq(0).all()
    table = scenarios({"auc": _model(6.0)}, OFFERS, [-0.2, 0.0, 0.2, 0.5], staffing=STAFFING)
    assert table["uplift"].tolist() == [-0.2, 0.0, 0.2, 0.5]
    assert table["staff_budget_needed_dkk"].is_monotonic_increasing
