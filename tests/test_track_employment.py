"""Spor 3 (§ 103) calculations on a small hand-built case; every expected number is worked out in comments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from attendance.errors import InputError
from attendance.tracks import employment as te

# Period Mon 2 – Fri 20 Mar 2026 (three calendar weeks, no Danish public holiday). "auc" opens Mon–Fri
# 09:00–15:00 and is closed on Fri 13 Mar → 14 opening days in 3 weeks. "no17" opens Mon–Wed 10:00–14:00 and
# nobody came.
OFFERS = {
    "auc": {
        "name": "AUC",
        "opening_hours": {str(wd): [["09:00", "15:00"]] if wd < 5 else [] for wd in range(7)},
        "closed_dates": ["2026-03-13"],
    },
    "no17": {
        "name": "No. 17",
        "opening_hours": {str(wd): [["10:00", "14:00"]] if wd < 3 else [] for wd in range(7)},
        "closed_dates": [],
    },
    "_dataset": {"name": "test", "synthetic": True, "period_start": "2026-03-02", "period_end": "2026-03-20"},
}
WORKSHOP = ["09:00", "15:00"]
STAFFING = {
    "occupancy_quantile": 0.9,
    "min_staff_on_duty": 1,
    "fte_hours_per_year": 1924,
    "cost_per_fte_dkk": 480000,
}
MONDAYS = ["2026-03-02", "2026-03-09", "2026-03-16"]
TUESDAYS = ["2026-03-03", "2026-03-10", "2026-03-17"]
WEDNESDAYS = ["2026-03-04", "2026-03-11", "2026-03-18"]


def _visit(citizen, day, start=None, end=None, offer="auc"):
    d = pd.Timestamp(day)
    return {
        "offer_id": offer,
        "date": d,
        "citizen_key": citizen,
        "start": d + pd.Timedelta(start) if start else pd.NaT,
        "end": d + pd.Timedelta(end) if end else pd.NaT,
        "granularity": "timed" if start else "day",
    }


@pytest.fixture
def visits() -> pd.DataFrame:
    rows = []
    # A: Mon + Tue every week, 09–13 → 6 days / 3 weeks = 2,0 per week, 3/3 weeks, 4,0 h a day.
    #    The trip on the closed Friday 13 Mar does not count.
    rows += [_visit("A", d, "9h", "13h") for d in MONDAYS + TUESDAYS]
    rows.append(_visit("A", "2026-03-13", "9h", "15h"))
    # B: Mon–Wed in weeks 1 and 2, 08–11 → 6 days = 2,0 per week, 2/3 weeks, 2,0 h within 09–15.
    rows += [_visit("B", d, "8h", "11h") for d in MONDAYS[:2] + TUESDAYS[:2] + WEDNESDAYS[:2]]
    # C: Mon–Fri of week 1 only → 5/3 = 1,67 per week, 1/3 weeks. 10–14 (4 h), but on Mon two registrations
    #    10–12 and 13–14 → 3 h that day; mean (3 + 4 × 4) / 5 = 3,8 h.
    rows += [_visit("C", "2026-03-02", "10h", "12h"), _visit("C", "2026-03-02", "13h", "14h")]
    rows += [_visit("C", d, "10h", "14h") for d in ["2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06"]]
    # D: tick list only (no times), Mon + Tue every week → 2,0 per week, 3/3 weeks, hours unknown.
    rows += [_visit("D", d) for d in MONDAYS + TUESDAYS]
    # E: Mon–Wed every week, 14–17 → 9/3 = 3,0 per week, 3/3 weeks, 1,0 h within 09–15.
    rows += [_visit("E", d, "14h", "17h") for d in MONDAYS + TUESDAYS + WEDNESDAYS]
    return pd.DataFrame(rows)


@pytest.fixture
def regularity(visits) -> pd.DataFrame:
    return te.citizen_regularity(visits, OFFERS, WORKSHOP)


def _spor3(**overrides):
    spor3 = {
        "min_days_per_week": 2.0,
        "min_weeks_active_share": 0.6,
        "min_daytime_hours": 3.0,
        "workshop_day": WORKSHOP,
        "participants_per_supervisor": 5,
        "sensitivity_days_per_week": [1.5, 2.0, 2.5],
        "sensitivity_weeks_active_share": [0.3, 0.5, 0.7],
    }
    spor3.update(overrides)
    return spor3


def test_period_weeks_count_weeks_with_an_opening_day():
    assert te.period_weeks(OFFERS, "auc") == 3
    assert te.period_weeks(OFFERS, "no17") == 3


def test_citizen_regularity_by_hand(regularity):
    table = regularity.set_index("citizen_key")
    assert list(table.index) == ["A", "B", "C", "D", "E"]  # no17 had nobody
    assert (table["offer_id"] == "auc").all() and (table["period_weeks"] == 3).all()
    assert table["days_attended"].to_dict() == {"A": 6, "B": 6, "C": 5, "D": 6, "E": 9}
    assert table["weeks_active"].to_dict() == {"A": 3, "B": 2, "C": 1, "D": 3, "E": 3}
    assert table["timed_days"].to_dict() == {"A": 6, "B": 6, "C": 5, "D": 0, "E": 9}
    assert table["days_per_week"].to_numpy() == pytest.approx([2.0, 2.0, 5 / 3, 2.0, 3.0])
    assert table["weeks_active_share"].to_numpy() == pytest.approx([1.0, 2 / 3, 1 / 3, 1.0, 1.0])
    hours = table["daytime_hours_mean"]
    assert hours[["A", "B", "C", "E"]].to_numpy() == pytest.approx([4.0, 2.0, 3.8, 1.0])
    assert np.isnan(hours["D"])


def test_criteria_funnel_by_hand(regularity):
    funnel = te.criteria_funnel(regularity, _spor3(), OFFERS).set_index("offer_id")
    # days ≥ 2,0: A B D E; weeks ≥ 0,6: A B D E; hours ≥ 3,0: A C; all three: A
    assert funnel.loc["auc"].to_dict() == {
        "attended": 5,
        "days_ok": 4,
        "weeks_ok": 4,
        "hours_ok": 2,
        "days_weeks_ok": 4,
        "target": 1,
    }
    assert (funnel.loc["no17"] == 0).all()
    # with the referral list: A and D are referred to AUC (E's referral ended before the period) → 3 not
    referrals = pd.DataFrame(
        {
            "offer_id": ["auc", "auc", "auc", "no17"],
            "citizen_key": ["A", "D", "E", "B"],
            "referral_start": pd.to_datetime(["2025-01-01", "2026-03-10", "2025-01-01", "2025-01-01"]),
            "referral_end": pd.to_datetime([None, None, "2026-02-01", None]),
        }
    )
    with_ref = te.criteria_funnel(regularity, _spor3(), OFFERS, referrals).set_index("offer_id")
    assert with_ref.loc["auc", "not_referred"] == 3 and with_ref.loc["no17", "not_referred"] == 0
    assert with_ref.loc["auc", "target"] == 1
    members = te.target_group(regularity, _spor3())
    assert members.to_dict("records") == [{"offer_id": "auc", "citizen_key": "A"}]


def test_sensitivity_table_by_hand(regularity):
    # hours ≥ 1,0 keeps A (2,0/1,0), B (2,0/0,67), C (1,67/0,33), E (3,0/1,0); D has no hours
    table = te.sensitivity_table(regularity, [2.5, 1.5, 2.0], [0.3, 0.5, 0.7], 1.0, OFFERS)
    auc = table[table["offer_id"] == "auc"].pivot(
        index="min_days_per_week", columns="min_weeks_active_share", values="citizens"
    )
    expected = pd.DataFrame([[4, 3, 2], [3, 3, 2], [1, 1, 1]], index=[1.5, 2.0, 2.5], columns=[0.3, 0.5, 0.7])
    np.testing.assert_array_equal(auc.to_numpy(), expected.to_numpy())
    assert list(auc.index) == [1.5, 2.0, 2.5] and list(auc.columns) == [0.3, 0.5, 0.7]
    assert (table.loc[table["offer_id"] == "no17", "citizens"] == 0).all()
    assert len(table) == 2 * 9
    assert te.bracket(table).set_index("offer_id").loc["auc"].to_dict() == {"lower": 1, "upper": 4}


def test_hours_sensitivity_by_hand(regularity):
    # days ≥ 2,0 and weeks ≥ 0,6: A (4,0 h), B (2,0 h), D (no hours), E (1,0 h)
    table = te.hours_sensitivity(regularity, _spor3(), OFFERS)
    auc = table[table["offer_id"] == "auc"].set_index("min_daytime_hours")["citizens"]
    assert auc.to_dict() == {2.0: 2, 2.5: 1, 3.0: 1, 3.5: 1, 4.0: 1}
    low = te.hours_sensitivity(regularity, _spor3(min_daytime_hours=0.5), OFFERS)
    auc_low = low[low["offer_id"] == "auc"].set_index("min_daytime_hours")["citizens"]
    assert auc_low.to_dict() == {0.0: 3, 0.5: 3, 1.0: 3, 1.5: 2}  # never below 0; D never counts


def test_presence_by_slot_and_quantile(visits):
    members = pd.DataFrame({"offer_id": ["auc", "auc"], "citizen_key": ["A", "B"]})
    presence = te.presence_by_slot(visits, OFFERS, members, WORKSHOP, 60, 0.25)
    auc = presence[presence["offer_id"] == "auc"].set_index(["weekday", "slot_minute"])
    # Monday 10–11: A on all three Mondays, B on the first two → 2, 2, 1 present
    monday10 = auc.loc[(0, 600)]
    assert monday10["days"] == 3
    assert monday10["mean"] == pytest.approx(5 / 3)
    assert monday10["quantile"] == pytest.approx(1.5)  # sorted 1, 2, 2: position 0,25 × 2 = 0,5
    assert monday10["max"] == 2
    # Monday 13–14: nobody (A leaves at 13, B at 11); Friday has two opening days (13 Mar closed)
    assert auc.loc[(0, 780), "mean"] == 0
    assert auc.loc[(4, 540), "days"] == 2
    assert len(auc) == 5 * 6  # Mon–Fri × six one-hour slots of 09–15
    no17 = presence[presence["offer_id"] == "no17"]
    assert len(no17) == 3 * 6 and (no17["mean"] == 0).all()
    # No. 17 opens 10–14 today: the 09 and 14 slots of the workshop day lie outside today's hours
    assert no17.loc[~no17["open_today"], "slot_minute"].unique().tolist() == [540, 840]


def test_presence_by_weekday_and_typical_hours(visits):
    members = pd.DataFrame({"offer_id": ["auc"], "citizen_key": ["A"]})
    weekday = te.presence_by_weekday(visits, OFFERS, members)
    auc = weekday[weekday["offer_id"] == "auc"].set_index("weekday")
    assert auc["members_mean"].to_dict() == {0: 1.0, 1: 1.0, 2: 0.0, 3: 0.0, 4: 0.0}
    assert auc.loc[4, "opening_days"] == 2  # the closed Friday (and A's trip on it) is not counted
    hours = te.typical_hours(visits, OFFERS, members).set_index(["offer_id", "group"])
    target = hours.loc[("auc", "target")]
    assert target["citizens"] == 1 and target["visits"] == 6
    assert target["arrival_median"] == 540 and target["departure_median"] == 780
    assert target["stay_hours_mean"] == pytest.approx(4.0)
    assert hours.loc[("auc", "other"), "citizens"] == 3  # B, C, E (D has no times)


def test_report_tables_suppress_small_groups(visits, regularity, tmp_path):
    labels = {"auc": "AUC", "no17": "No. 17"}
    funnel = te.criteria_funnel(regularity, _spor3(), OFFERS)
    suppressed = te.suppressed_funnel(funnel, labels, 5, "13_spor3_beskyttet_beskaeftigelse", root=tmp_path)
    assert (tmp_path / "build" / "published" / "13_spor3_beskyttet_beskaeftigelse.json").is_file()
    shown = te.funnel_table(suppressed, _spor3(), labels)
    assert shown.loc[0, "Alle tre: mulig målgruppe"] == "<5" and shown.loc[0, "Borgere med fremmøde"] == 5
    assert shown.loc[1, "Alle tre: mulig målgruppe"] == 0  # nobody is shown as 0, not hidden
    assert te.shown_offers(funnel, 5) == [] and te.shown_offers(funnel, 1) == ["auc"]
    assert te.count_text(3, 5) == "<5" and te.count_text(0, 5) == "0" and te.count_text(1234, 5) == "1.234"
    assert te.count_text("×", 5) == "×"  # a marker from a suppressed table is quoted as it is
    assert te.limiting_criterion(funnel) == "hours_ok"  # 2 meet the hours, 4 the days, 4 the weeks
    # target A (1 citizen) and the other timed group (B, C, E) are both below 5: hidden with their times
    members = te.target_group(regularity, _spor3())
    hours = te.typical_hours_display(te.typical_hours(visits, OFFERS, members), labels, 5)
    assert hours["Borgere"].tolist() == ["<5", "<5"]
    assert hours["Typisk ankomst"].tolist() == ["×", "×"]
    # with a threshold of 2, A (1) is hidden and the other group (3) too: the offer's total would give A away
    hours2 = te.typical_hours_display(te.typical_hours(visits, OFFERS, members), labels, 2)
    assert hours2["Borgere"].tolist() == ["<2", "×"]
    plans = te.bracket_plans(
        visits, OFFERS, regularity, _spor3(min_daytime_hours=1.0), bin_minutes=60, staffing=STAFFING
    )
    capacity = te.plans_display(plans, labels, 5, "capacity")
    assert (capacity.loc[capacity["Tilbud"] == "AUC", "Pladser"] == "×").all()  # groups of 1–4: hidden
    economy = te.plans_display(plans, labels, 5, "economy")
    assert "Borgere i målgruppen" not in economy.columns
    assert (economy.loc[economy["Tilbud"] == "No. 17", "Løn pr. år"] == 0).all()


def test_workshop_plan_by_hand():
    presence = pd.DataFrame(
        {
            "offer_id": ["x"] * 4 + ["y"] * 2,
            "weekday": [0] * 6,
            "slot_minute": [540, 600, 660, 720, 540, 600],
            "slot_end_minute": [600, 660, 720, 750, 600, 660],
            "slot": ["09:00", "10:00", "11:00", "12:00", "09:00", "10:00"],
            "open_today": [True] * 6,
            "days": [10] * 6,
            "mean": [0.0, 3.0, 4.0, 8.0, 0.0, 0.0],
            "quantile": [0.0, 4.2, 5.0, 11.0, 0.0, 0.0],
            "max": [0.0, 5.0, 6.0, 12.0, 0.0, 0.0],
        }
    )
    slots, summary = te.workshop_plan(presence, participants_per_supervisor=5, staffing=STAFFING)
    x = slots[slots["offer_id"] == "x"]
    assert x["places"].tolist() == [0, 5, 5, 11]
    assert x["supervisors"].tolist() == [1, 1, 1, 3]  # at least one while open; ⌈11/5⌉ = 3
    # 1 + 1 + 1 staff-hours, and 3 staff × ½ hour in the 12:00–12:30 slot
    assert x["staff_hours"].tolist() == pytest.approx([1.0, 1.0, 1.0, 1.5])
    row = summary.set_index("offer_id").loc["x"]
    assert row["places"] == 11 and row["supervisors_max"] == 3 and row["supervisors_fixed"] == 3
    assert row["workshop_hours_week"] == pytest.approx(3.5)
    assert row["staff_hours_week"] == pytest.approx(4.5)
    assert row["staff_hours_week_fixed"] == pytest.approx(3 * 3.5)
    assert row["fte"] == pytest.approx(4.5 * 52 / 1924)
    assert row["cost_dkk"] == pytest.approx(4.5 * 52 / 1924 * 480000)
    # "y": nobody present at any slot → no workshop, no staff
    y = summary.set_index("offer_id").loc["y"]
    assert y["places"] == 0 and y["staff_hours_week"] == 0 and y["staff_hours_week_fixed"] == 0
    with pytest.raises(InputError):
        te.workshop_plan(presence, participants_per_supervisor=0, staffing=STAFFING)


def test_workshop_plan_from_the_data(visits, regularity):
    members = te.target_group(regularity, _spor3())  # A only: Mon + Tue 09–13
    presence = te.presence_by_slot(visits, OFFERS, members, WORKSHOP, 60, 0.9)
    _, summary = te.workshop_plan(presence, participants_per_supervisor=5, staffing=STAFFING)
    auc = summary.set_index("offer_id").loc["auc"]
    # one place; one supervisor in each of the 6 × 5 workshop hours a week = 30 staff-hours
    assert auc["places"] == 1 and auc["staff_hours_week"] == pytest.approx(30.0)
    assert auc["cost_dkk"] == pytest.approx(30 * 52 / 1924 * 480000)
    assert summary.set_index("offer_id").loc["no17", "staff_hours_week"] == 0


def test_bracket_plans_strict_chosen_loose(visits, regularity):
    spor3 = _spor3(min_daytime_hours=1.0, min_weeks_active_share=0.5)
    plans = te.bracket_plans(visits, OFFERS, regularity, spor3, bin_minutes=60, staffing=STAFFING)
    auc = plans[plans["offer_id"] == "auc"].set_index("definition")
    assert list(auc.index) == ["strict", "chosen", "loose"]
    # strict 2,5/0,7 → E; chosen 2,0/0,5 → A B E; loose 1,5/0,3 → A B C E
    assert auc["citizens"].to_dict() == {"strict": 1, "chosen": 3, "loose": 4}
    assert auc.loc["strict", "min_days_per_week"] == 2.5 and auc.loc["loose", "min_weeks_active_share"] == 0.3
    assert (plans.loc[plans["offer_id"] == "no17", "citizens"] == 0).all()


def test_bad_parameters_are_input_errors(visits):
    with pytest.raises(InputError):
        te.citizen_regularity(visits, OFFERS, ["15:00", "09:00"])
    with pytest.raises(InputError):
        te.workshop_minutes("09:00")
    with pytest.raises(InputError):
        te.sensitivity_table(te.citizen_regularity(visits, OFFERS, WORKSHOP), [], [0.5], 3.0)


def test_key_figures_never_say_more_than_the_tables(visits, regularity):
    labels = {"auc": "AUC", "no17": "No. 17"}
    spor3 = _spor3()
    funnel = te.criteria_funnel(regularity, spor3, OFFERS)
    sensitivity = te.sensitivity_table(
        regularity, spor3["sensitivity_days_per_week"], spor3["sensitivity_weeks_active_share"], 3.0, OFFERS
    )
    plans = te.bracket_plans(visits, OFFERS, regularity, spor3, bin_minutes=60, staffing=STAFFING)
    # threshold 5: AUC's group (A) is hidden and left out of places, hours and cost
    items = te.key_figure_items(funnel, te.bracket(sensitivity), plans, labels, 5)
    assert items[0] == ("Mulig målgruppe, AUC", "<5", "af 5 med fremmøde · 0–<5 ved andre tærskler")
    assert items[1][1] == "0" and "ved alle tærskler" in items[1][2]
    assert items[2] == ("Pladser i et værksted", "0", "No. 17 0 (AUC ikke medregnet: under 5 borgere)")
    assert items[4][1] == "0" and items[4][2].startswith("spændet står i tabellen")
    # threshold 1: A counts; 1 place, a supervisor in each of 30 workshop hours; strict (2,5 days) is empty,
    # loose (1,5 days, 30 %) adds C, still one supervisor at a time → the same cost
    items = te.key_figure_items(funnel, te.bracket(sensitivity), plans, labels, 1)
    assert items[2] == ("Pladser i et værksted", "1", "AUC 1 · No. 17 0")
    assert items[3] == ("Personaletimer pr. uge", "30", "0,81 årsværk")
    assert items[4] == ("Lønudgift pr. år (kr.)", "389.189", "0–389.189 kr. ved stram–løs afgrænsning")


# --------------------------------------------------------------------------------------------------------
# Report 13's computation in one call, its texts and figures (moved out of the notebook)
# --------------------------------------------------------------------------------------------------------

LABELS = {"auc": "AUC", "no17": "No. 17"}
REFERRALS = pd.DataFrame(
    {
        "offer_id": ["auc", "auc"],
        "citizen_key": ["A", "B"],
        "referral_start": pd.to_datetime(["2025-01-01", "2025-01-01"]),
        "referral_end": pd.to_datetime([pd.NaT, pd.NaT]),
    }
)


@pytest.fixture
def analysis(visits) -> te.Analysis:
    return te.analyse(visits, OFFERS, REFERRALS, _spor3(), bin_minutes=60, staffing=STAFFING)


def test_analyse_is_the_track_functions_in_one_call(visits, regularity, analysis):
    spor3 = _spor3()
    pd.testing.assert_frame_equal(analysis.regularity, regularity)
    pd.testing.assert_frame_equal(analysis.funnel, te.criteria_funnel(regularity, spor3, OFFERS, REFERRALS))
    assert analysis.members.to_dict("records") == [{"offer_id": "auc", "citizen_key": "A"}]
    pd.testing.assert_frame_equal(analysis.hours, te.hours_sensitivity(regularity, spor3, OFFERS))
    presence = te.presence_by_slot(visits, OFFERS, analysis.members, WORKSHOP, 60, 0.9)
    pd.testing.assert_frame_equal(analysis.presence, presence)
    _, plan = te.workshop_plan(presence, participants_per_supervisor=5, staffing=STAFFING)
    pd.testing.assert_frame_equal(analysis.plan, plan)
    plans = te.bracket_plans(visits, OFFERS, regularity, spor3, bin_minutes=60, staffing=STAFFING)
    pd.testing.assert_frame_equal(analysis.plans, plans)
    # C, D and E are not on AUC's referral list
    assert analysis.funnel.set_index("offer_id").loc["auc", "not_referred"] == 3


def test_read_processed_reads_what_analyse_needs(visits, tmp_path):
    import json

    visits.to_parquet(tmp_path / "visits.parquet")
    REFERRALS.to_parquet(tmp_path / "referrals.parquet")
    (tmp_path / "offers.json").write_text(json.dumps(OFFERS), encoding="utf-8")
    got_visits, got_referrals, got_offers = te.read_processed(tmp_path)
    assert len(got_visits) == len(visits) and len(got_referrals) == 2 and got_offers == OFFERS


def test_metrics_and_hours_outside_opening_hours(analysis):
    # No. 17 is open 10–14 on Mon–Wed: the workshop day 09–15 reaches 2 hours beyond it on 3 days
    outside = te.outside_opening_hours(analysis.slots)
    assert outside.to_dict() == {"no17": pytest.approx(6.0)}
    metrics = te.metrics(analysis.funnel, analysis.plan, ["auc", "no17", "gone"])
    assert metrics["auc"] == {
        "target_group": 1,
        "places": 1,
        "supervisor_hours_week": 30.0,
        "supervisor_cost_dkk": round(30 * 52 / 1924 * 480000, 2),
    }
    assert metrics["no17"]["places"] == 0 and metrics["no17"]["supervisor_hours_week"] == 0.0
    assert metrics["gone"] == {
        "target_group": 0,
        "places": 0,
        "supervisor_hours_week": 0.0,
        "supervisor_cost_dkk": 0.0,
    }


def test_report_texts(analysis):
    spor3 = _spor3()
    assert te.workshop_text(spor3) == "09:00–15:00"
    assert te.quantile_text(0.9) == "90\u00a0%-fraktilen"  # the glossary's word, non-breaking space
    criteria = te.criteria_text(spor3, "2.–20. marts 2026")
    assert criteria.startswith("En borger regnes med i den mulige målgruppe for et tilbud")
    assert "1. **Hyppighed:** mindst 2,0 dage pr. uge i gennemsnit" in criteria
    assert "(09:00–15:00)" in criteria
    shown = pd.DataFrame({"not_referred": [3, "<5"]}, index=["auc", "no17"])
    assert te.unreferred_text(shown, LABELS, 5).startswith(
        "«Borgere med fremmøde» omfatter også borgere uden visitation (<5 i AUC, <5 i No. 17); derfor"
    )
    bracket = pd.DataFrame({"offer_id": ["auc", "no17"], "lower": [0, 0], "upper": ["≈10", 0]})
    assert te.range_text(bracket, LABELS, 5) == (
        "Spændet over tabellen med hyppighed og stabilitet:\n\n"
        "- **AUC:** 0 til ca. 10 mulige deltagere\n- **No. 17:** ingen mulige deltagere"
    )
    method = te.workshop_method_text(spor3, STAFFING)
    assert "det højeste 90\u00a0%-fraktil over ugedage" in method and "én pr. 5 deltagere" in method
    outside = te.outside_hours_text(analysis.slots, LABELS, spor3)
    assert "rækker ud over den nuværende åbningstid i No. 17 (6,0 timer om ugen);" in outside
    no_outside = te.outside_hours_text(analysis.slots[analysis.slots["offer_id"] == "auc"], LABELS, spor3)
    assert "rækker ud over" not in no_outside and no_outside.startswith("Et tilbud uden borgere")
    caveats = te.caveats_text(analysis.regularity, analysis.presence, "2.–20. marts 2026")
    # 3 weeks; AUC's Friday has 2 opening days (13 Mar closed), every other weekday 3
    assert caveats.startswith(
        "- **Kort periode.** 2.–20. marts 2026 (3 uger); pladsbehovet pr. ugedag bygger på 2–3"
    )
    assert te.no_group_text(5).startswith("Ingen af tilbuddene har en mulig målgruppe på mindst 5 borgere")


def test_key_points_and_key_figures(analysis, tmp_path):
    spor3 = _spor3()
    protected = te.protected_tables(
        analysis.funnel,
        analysis.sensitivity,
        analysis.hours,
        spor3,
        LABELS,
        5,
        "13_spor3_beskyttet_beskaeftigelse",
        root=tmp_path,
    )
    points = te.key_points(protected.funnel, protected.bracket, analysis.funnel, spor3, LABELS, 5)
    assert points[0].startswith(
        "Ved de valgte krav (mindst 2,0 dage pr. uge, fremmøde i mindst 60 % af ugerne"
    )
    assert "varigheden (timer pr. dag i værkstedsdagen)" in points[1]  # hours limit the group most
    track = {"total_cost_dkk": 2_500_000.0, "change_dkk": -500_000.0, "today_cost_dkk": 3_000_000.0}
    items = te.cost_key_figures(
        track, analysis.funnel, protected.bracket, analysis.plans, LABELS, 5, protected.funnel
    )
    assert items[0][0] == "Samlet udgift pr. år, hvis tilbuddene bliver § 103-værksteder, mio. kr."
    assert items[0][2].endswith("på samme grundlag: vagtplan, husleje og drift) · se Beslutningsgrundlag")
    assert not any(label.startswith("Lønudgift") for label, _, _ in items)
    expected = te.key_figure_items(
        analysis.funnel, protected.bracket, analysis.plans, LABELS, 5, protected.funnel
    )
    assert items[1:] == expected[:-1]
    headline = pd.DataFrame({"referred": [3, 4], "active": [2, 1], "visits": [10, 20]})
    assert te.shared_figures(headline, track) == {
        "referred": 7,
        "active": 3,
        "visits": 30,
        "today_cost_dkk": 3_000_000.0,
        "track.workshop_103.total_cost_dkk": 2_500_000.0,
    }


def test_tables_without_rows_of_zeros(analysis, tmp_path):
    protected = te.protected_tables(
        analysis.funnel,
        analysis.sensitivity,
        analysis.hours,
        _spor3(),
        LABELS,
        1,
        "13_spor3_beskyttet_beskaeftigelse",
        root=tmp_path,
    )
    kept, note = te.without_zero_rows(
        protected.sensitivity, ["Tilbud", "Dage pr. uge (mindst)"], "dage pr. uge"
    )
    assert "No. 17" not in set(kept["Tilbud"])  # nobody came: every row is 0
    assert note.startswith("Rækker uden borgere er udeladt") and "No. 17" in note
    capacity, capacity_note = te.plans_table(analysis.plans, LABELS, 1, "capacity", protected)
    assert list(capacity.columns) == ["Tilbud", "Afgrænsning", *te.PLAN_PARTS["capacity"]]
    assert set(capacity["Tilbud"]) == {"AUC"} and "No. 17" in capacity_note
    full = pd.DataFrame({"Tilbud": ["AUC"], "Afgrænsning": ["Valgt"], "Pladser": [2]})
    same, none = te.without_zero_rows(full, ["Tilbud", "Afgrænsning"])
    pd.testing.assert_frame_equal(same, full)
    assert none is None  # nothing left out, no note


def test_presence_figures(analysis):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = te.presence_heatmap(analysis.presence, ["auc"], LABELS)
    assert len(fig.axes) >= 2  # the panel and its colour bar
    assert fig.axes[1].yaxis.get_major_locator().__class__.__name__ == "MaxNLocator"
    plt.close(fig)
    fig = te.presence_hills(analysis.presence, "auc", "AUC", 0.9)
    assert fig.axes and fig.axes[0].get_ylabel() in ("Fra målgruppen til stede", "")
    plt.close("all")
