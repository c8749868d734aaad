"""The shared economy model, against hand-computed figures."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from attendance import economy as eco
from attendance import reporting as rp
from attendance.errors import InputError

STAFFING = {"cost_per_fte_dkk": 480000, "fte_hours_per_year": 1924}
ECONOMY = {"absence_factor": 0.15, "prep_minutes_per_day": 60, "management_share": 0.10}


def _offers():
    return {
        "a": {
            "name": "Huset",
            "opening_hours": {"0": [["09:00", "15:00"]], "4": [["09:00", "13:00"]]},
            "roster": [
                {"weekday": 0, "start": "08:30", "end": "15:30", "staff": 2},  # 14 h
                {"weekday": 4, "start": "08:30", "end": "13:30", "staff": 1},  # 5 h
            ],
            "fte": 1.0,
            "annual_budget_dkk": 1_000_000,
            "premises_dkk_per_year": 100_000,
            "running_costs_dkk_per_year": 20_000,
            "approved_places": 10,
        },
        "b": {"name": "Stuen", "opening_hours": {}, "roster": []},
        "_dataset": {"period_start": "2026-03-02", "period_end": "2026-03-08"},  # 7 days
    }


def test_cost_basis_nets_absence_from_the_fte_hours():
    basis = eco.cost_basis(STAFFING, ECONOMY)
    assert basis.net_hours_per_fte == pytest.approx(1924 * 0.85)  # 1635.4
    assert basis.hourly_cost_dkk == pytest.approx(480000 / 1635.4)  # 293.51 kr. per worked hour


def test_absence_factor_of_one_is_refused():
    with pytest.raises(InputError, match="absence_factor"):
        eco.cost_basis(STAFFING, {**ECONOMY, "absence_factor": 1})


def test_annual_cost_by_hand():
    basis = eco.cost_basis(
        STAFFING, {"absence_factor": 0.0, "prep_minutes_per_day": 60, "management_share": 0.1}
    )
    cost = eco.annual_cost(
        floor_hours_week=30,
        prep_hours_week=5,
        documentation_hours_week=2,
        premises_dkk=1000,
        running_dkk=500,
        basis=basis,
    )
    # (30 + 5 + 2) × 1.1 = 40.7 h/week; × 52 = 2116.4 h/year; / 1924 = 1.1 årsværk; × 480.000 = 528.000
    assert cost["management_hours_week"] == pytest.approx(3.7)
    assert cost["staff_hours_week"] == pytest.approx(40.7)
    assert cost["staff_hours_year"] == pytest.approx(2116.4)
    assert cost["fte"] == pytest.approx(1.1)
    assert cost["staff_cost_dkk"] == pytest.approx(528000)
    assert cost["total_cost_dkk"] == pytest.approx(529500)


def test_prep_hours_are_minutes_per_member_of_staff_on_duty_a_day():
    basis = eco.cost_basis(STAFFING, {**ECONOMY, "prep_minutes_per_day": 30})
    assert eco.prep_hours_per_week({0: 2, 2: 3, 4: 1}, basis) == pytest.approx(3.0)  # 6 staff-days × ½ h


def test_today_cost_from_the_roster_without_extra_preparation():
    offers = _offers()
    basis = eco.cost_basis(STAFFING, ECONOMY)
    cost = eco.today_cost(offers, "a", basis)
    assert cost["floor_hours_week"] == pytest.approx(19.0)
    assert cost["prep_hours_week"] == 0.0
    # 19 × 1.1 = 20.9 h/week × 52 = 1086.8 h/year at 480000/1635.4 kr./h
    assert cost["staff_cost_dkk"] == pytest.approx(1086.8 * 480000 / 1635.4)
    assert cost["total_cost_dkk"] == pytest.approx(1086.8 * 480000 / 1635.4 + 120_000)


def test_missing_premises_and_running_costs_are_zero_and_named():
    offers = _offers()
    assert eco.other_costs(offers["b"]) == {"premises_dkk_per_year": 0.0, "running_costs_dkk_per_year": 0.0}
    assert eco.missing_cost_fields(offers, ["a", "b"]) == ["Stuen: husleje", "Stuen: øvrig drift"]


def test_today_overview_per_citizen_visit_and_opening_hour():
    offers = {k: v for k, v in _offers().items() if k != "b"}
    basis = eco.cost_basis(STAFFING, ECONOMY)
    today = eco.today_frame(offers, ["a"], basis)
    headline = pd.DataFrame(
        {"referred": [20], "active": [10], "visits": [35], "unique_per_day_mean": [5.0]}, index=["a"]
    )
    table = eco.today_overview(today, offers, headline).set_index("offer_id")
    total = float(today["total_cost_dkk"].iloc[0])
    assert table.loc["a", "cost_per_referred_dkk"] == pytest.approx(total / 20)
    assert table.loc["a", "cost_per_active_dkk"] == pytest.approx(total / 10)
    # 35 visits in 7 days → 1825 a year; opening hours 6 + 4 = 10 a week → 520 a year
    assert table.loc["a", "cost_per_visit_dkk"] == pytest.approx(total / 1825)
    assert table.loc["a", "cost_per_opening_hour_dkk"] == pytest.approx(total / 520)
    assert table.loc["a", "place_occupancy"] == pytest.approx(0.5)
    assert table.loc["_total", "referred"] == 20
    assert math.isnan(table.loc["_total", "place_occupancy"])


def test_fmt_mio_rounds_for_reviewers():
    assert rp.fmt_mio(490123) == "0,49 mio. kr."
    assert rp.fmt_mio(3945882.35) == "3,95 mio. kr."
    assert rp.fmt_mio_change(-594702) == "\u22120,59 mio. kr."
    assert rp.fmt_mio_change(120000) == "+0,12 mio. kr."
    assert rp.fmt_mio_change(1000) == "\u00b10,00 mio. kr."


def test_offers_yaml_premises_and_running_costs_are_optional(tmp_path):
    from attendance.ingest.readers import read_offers

    (tmp_path / "offers.yaml").write_text(
        "offers:\n  a: {name: Huset, premises_dkk_per_year: 250000}\n  b: {name: Stuen}\n",
        encoding="utf-8",
    )
    offers = read_offers(tmp_path)
    assert offers["a"].public_dict()["premises_dkk_per_year"] == 250000.0
    assert offers["a"].running_costs_dkk_per_year is None
    assert offers["b"].public_dict()["premises_dkk_per_year"] is None


def test_offers_yaml_amount_that_is_not_a_number_is_one_line(tmp_path):
    from attendance.ingest.readers import read_offers

    (tmp_path / "offers.yaml").write_text(
        'offers:\n  a: {name: Huset, running_costs_dkk_per_year: "180.000 kr."}\n', encoding="utf-8"
    )
    with pytest.raises(InputError) as info:
        read_offers(tmp_path)
    assert "a.running_costs_dkk_per_year" in info.value.one_line()
