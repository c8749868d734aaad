"""Spor 1 arithmetic on small hand-worked examples: referred vs. active, usage bands, matched staffing, budget
per citizen and the cost of goal follow-up — and the display tables' suppression and the figures' shape."""

from __future__ import annotations

import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from attendance.demand.model import ArrivalModel, slot_grid  # noqa: E402
from attendance.errors import InputError  # noqa: E402
from attendance.tracks import referral as tr  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

STAFFING = {
    "citizens_per_staff": 6,
    "min_staff_on_duty": 1,
    "occupancy_quantile": 0.9,
    "fte_hours_per_year": 1924,
    "cost_per_fte_dkk": 480000,
}

# Two weeks (14 calendar days), so visits per week = visits / 2.
OFFERS = {
    "auc": {
        "name": "AUC",
        "approved_places": 30,
        "opening_hours": {"0": [["09:00", "11:00"]], "4": [["09:00", "10:00"]]},
        # Monday: 1 on duty 08:30–11:00 plus a second 09:15–10:00; Friday: nobody rostered
        "roster": [
            {"weekday": 0, "start": "08:30", "end": "11:00", "staff": 1},
            {"weekday": 0, "start": "09:15", "end": "10:00", "staff": 1},
        ],
        "fte": 2.0,
        "annual_budget_dkk": 1_000_000,
    },
    "no17": {
        "name": "No. 17",
        "approved_places": None,
        "opening_hours": {"0": [["10:00", "11:00"]]},
        "roster": [{"weekday": 0, "start": "10:00", "end": "11:00", "staff": 2}],
        "fte": 1.0,
        "annual_budget_dkk": None,
    },
    "_dataset": {"name": "t", "synthetic": True, "period_start": "2026-03-02", "period_end": "2026-03-15"},
}

HEADLINE = pd.DataFrame(
    {
        "offer_id": ["auc", "no17"],
        "referred": [10, 4],
        "active": [7, 0],
        "opening_days": [3, 2],
        "visits": [20, 3],
        "unique_per_day_mean": [5.5, 1.0],
        "unique_per_day_min": [4, 1],
        "unique_per_day_max": [7, 1],
        "peak_concurrent_max": [6, 2],
        "peak_concurrent_min": [3, 1],
    }
)


def _bands() -> pd.DataFrame:
    """AUC: 10 referred (3 never came, visits 1, 2, 4, 10, 12, 14, 20), 2 visitors without referral (one with
    0 visits, which cannot happen but must not count); No. 17: 4 referred who never came, 1 unreferred."""
    auc_visits = [0, 0, 0, 1, 2, 4, 10, 12, 14, 20]
    rows = [("auc", f"a{i}", True, v) for i, v in enumerate(auc_visits)]
    rows += [("auc", "x1", False, 3), ("auc", "x2", False, 0)]
    rows += [("no17", f"n{i}", True, 0) for i in range(4)] + [("no17", "y1", False, 3)]
    table = pd.DataFrame(rows, columns=["offer_id", "citizen_key", "referred", "visits"])
    table["band"] = pd.cut(table["visits"], [-1, 0, 2, 9, np.inf], labels=["0", "1–2", "3–9", "10+"]).astype(
        str
    )
    table["visits_per_week"] = table["visits"] / 2.0
    return table


def test_referral_overview_by_hand():
    ov = tr.referral_overview(HEADLINE, _bands(), OFFERS).set_index("offer_id")
    assert ov.loc["auc", "name"] == "AUC" and ov.loc["no17", "name"] == "No. 17"
    assert ov.loc["auc", "never_came"] == 3
    assert ov.loc["auc", "active_share"] == pytest.approx(0.7)
    assert ov.loc["auc", "unreferred_visitors"] == 1  # x2 has no visit
    assert ov.loc["no17", "unreferred_visitors"] == 1
    assert ov.loc["auc", "approved_places"] == 30
    assert ov.loc["auc", "referred_per_place"] == pytest.approx(10 / 30)
    assert ov.loc["auc", "peak_share_of_places"] == pytest.approx(6 / 30)
    assert np.isnan(ov.loc["no17", "approved_places"]) and np.isnan(ov.loc["no17", "referred_per_place"])
    assert ov.loc["auc", "weeks"] == pytest.approx(2.0)
    assert ov.loc["auc", "visits_per_week"] == pytest.approx(10.0)
    assert ov.loc["no17", "active_share"] == 0.0


def test_band_counts_referred_only_every_band():
    counts = tr.band_counts(_bands())
    auc = counts[counts["offer_id"] == "auc"].set_index("band")
    assert auc["citizens"].to_dict() == {"0": 3, "1–2": 2, "3–9": 1, "10+": 4}
    assert auc.loc["10+", "share"] == pytest.approx(0.4)
    # 10, 12, 14, 20 visits over 2 weeks -> 5, 6, 7, 10 per week -> mean 7
    assert auc.loc["10+", "visits_per_week_mean"] == pytest.approx(7.0)
    no17 = counts[counts["offer_id"] == "no17"].set_index("band")
    assert no17["citizens"].tolist() == [4, 0, 0, 0]  # the unreferred visitor is not counted
    assert no17["share"].sum() == pytest.approx(1.0)


def test_visits_per_week_summary():
    summary = tr.visits_per_week_summary(_bands()).set_index("offer_id")
    assert list(summary.index) == ["auc"]  # No. 17 has no active referred citizen
    per_week = np.array([1, 2, 4, 10, 12, 14, 20]) / 2.0
    assert summary.loc["auc", "citizens"] == 7
    assert summary.loc["auc", "mean"] == pytest.approx(per_week.mean())
    assert summary.loc["auc", "median"] == pytest.approx(5.0)
    assert summary.loc["auc", "p25"] == pytest.approx(np.percentile(per_week, 25))
    assert summary.loc["auc", "weekly_or_more"] == 6  # 0,5 per week is below once a week
    assert summary.loc["auc", "weekly_share"] == pytest.approx(6 / 7)


def _model(offer_id: str, rate: float) -> ArrivalModel:
    grid = slot_grid(OFFERS[offer_id]["opening_hours"], 30)
    return ArrivalModel(
        offer_id=offer_id,
        family="poisson",
        alpha=0.0,
        rates=grid.assign(rate=rate),
        survival=pd.DataFrame({"minutes": [0.0, 60.0], "survival": [1.0, 0.0]}),
        unique_ratio=1.0,
        bin_minutes=30,
    )


def test_matched_staffing_keeps_preparation_time():
    """Nobody comes (rate 0): 1 on duty in every open slot = 2 h Monday + 1 h Friday = 3 staff-hours.
    Roster: 08:30–11:00 (2,5 h) + 09:15–10:00 (0,75 h) = 3,25 h, of which 0,5 h before opening."""
    slots, summary = tr.matched_staffing({"auc": _model("auc", 0.0)}, OFFERS, STAFFING, level=0.9)
    row = summary.set_index("offer_id").loc["auc"]
    assert row["staff_hours_week_needed"] == pytest.approx(3.0)
    assert row["staff_hours_week_roster_total"] == pytest.approx(3.25)
    assert row["staff_hours_week_roster_open"] == pytest.approx(2.75)
    assert row["staff_hours_week_roster_outside"] == pytest.approx(0.5)
    assert row["staff_hours_week_matched"] == pytest.approx(3.5)
    assert row["staff_hours_week_change"] == pytest.approx(0.25)
    # Friday: nobody rostered -> 2 slots under; Monday 09:30–10:00 has 2 on duty -> over; the rest matched
    assert (row["slots_under"], row["slots_over"], row["slots_matched"]) == (2, 1, 3)
    by_day = tr.hours_by_weekday(slots).set_index("weekday")
    assert by_day.loc[4, "staff_hours_roster"] == 0 and by_day.loc[4, "slots_under"] == 2
    assert by_day.loc[0, "difference"] == pytest.approx(0.75)


def test_matched_staffing_follows_demand():
    """Many arrivals: the need rises above the minimum and above the roster."""
    _, quiet = tr.matched_staffing({"auc": _model("auc", 0.0)}, OFFERS, STAFFING, level=0.9)
    _, busy = tr.matched_staffing({"auc": _model("auc", 30.0)}, OFFERS, STAFFING, level=0.9)
    assert busy["staff_hours_week_needed"].iloc[0] > quiet["staff_hours_week_needed"].iloc[0]
    assert busy["slots_under"].iloc[0] == busy["slots"].iloc[0]
    with pytest.raises(InputError):
        tr.matched_staffing({}, OFFERS, STAFFING, level=0.9)


def test_budget_per_citizen_by_hand():
    """Roster 37 h/week = 1 årsværk (37 × 52 = 1924 h) = 480.000 kr.; matched 18,5 h = 240.000 kr."""
    overview = pd.DataFrame(
        {"offer_id": ["auc", "no17"], "name": ["AUC", "No. 17"], "referred": [10, 4], "active": [5, 0]}
    )
    summary = pd.DataFrame(
        {
            "offer_id": ["auc", "no17"],
            "staff_hours_week_roster_total": [37.0, 10.0],
            "staff_hours_week_matched": [18.5, 10.0],
        }
    )
    budget = tr.budget_per_citizen(overview, summary, OFFERS, STAFFING).set_index("offer_id")
    auc = budget.loc["auc"]
    assert auc["fte_roster"] == pytest.approx(1.0) and auc["fte_matched"] == pytest.approx(0.5)
    assert auc["staff_cost_roster_dkk"] == pytest.approx(480_000)
    assert auc["budget_change_dkk"] == pytest.approx(-240_000)
    assert auc["budget_matched_dkk"] == pytest.approx(760_000)
    assert auc["budget_per_referred_dkk"] == pytest.approx(100_000)
    assert auc["budget_per_active_dkk"] == pytest.approx(200_000)
    assert auc["budget_matched_per_referred_dkk"] == pytest.approx(76_000)
    assert auc["budget_matched_per_active_dkk"] == pytest.approx(152_000)
    assert auc["fte_stated"] == 2.0
    no17 = budget.loc["no17"]  # no budget in offers.json, no active citizen: missing, not an error
    assert np.isnan(no17["annual_budget_dkk"]) and np.isnan(no17["budget_per_referred_dkk"])
    assert np.isnan(no17["budget_matched_per_active_dkk"]) and no17["budget_change_dkk"] == 0


def test_goal_followup_by_hand():
    """3 h per quarter × 10 citizens × 4 = 120 h; at 1.200 h per årsværk 0,1 årsværk; × 500.000 = 50.000 kr."""
    staffing = {"fte_hours_per_year": 1200, "cost_per_fte_dkk": 500_000}
    one = tr.goal_followup(10, 3, staffing).iloc[0]
    assert one["hours_year"] == pytest.approx(120)
    assert one["fte"] == pytest.approx(0.1)
    assert one["cost_dkk"] == pytest.approx(50_000)
    assert one["cost_per_citizen_dkk"] == pytest.approx(5_000)
    many = tr.goal_followup(pd.Series([0, 46]), 3, STAFFING)
    assert many["cost_dkk"].iloc[0] == 0
    assert many["hours_year"].iloc[1] == pytest.approx(552)
    assert many["fte"].iloc[1] == pytest.approx(552 / 1924)
    assert many["cost_per_citizen_dkk"].iloc[1] == pytest.approx(12 / 1924 * 480_000)
    for bad in (-1, float("nan")):
        with pytest.raises(InputError):
            tr.goal_followup(10, bad, staffing)


def test_followup_by_offer_adds_to_matched_budget():
    budget = pd.DataFrame(
        {
            "offer_id": ["auc"],
            "name": ["AUC"],
            "active": [10],
            "referred": [20],
            "budget_matched_dkk": [950_000.0],
        }
    )
    staffing = {"fte_hours_per_year": 1200, "cost_per_fte_dkk": 500_000}
    row = tr.followup_by_offer(budget, 3, staffing).iloc[0]
    assert row["cost_dkk"] == pytest.approx(50_000)
    assert row["cost_referred_dkk"] == pytest.approx(100_000)
    assert row["budget_with_followup_dkk"] == pytest.approx(1_000_000)
    assert row["budget_with_followup_per_active_dkk"] == pytest.approx(100_000)


def test_population_tables_hide_small_bands_with_their_means(tmp_path, monkeypatch):
    """AUC's active 7 are 2 / 1 / 4 in the bands 1–2 / 3–9 / 10+ under the public active total: three "<5"
    that still leave each band 1–4 (no recoding shows more, so the finest is kept); means hidden with them."""
    from attendance.reporting import disclosure as dc

    monkeypatch.setenv("ATTENDANCE_PROJECT_ROOT", str(tmp_path))
    shutil.copy(ROOT / "dvc.yaml", tmp_path / "dvc.yaml")  # the report stages (settings.report_set)
    overview = tr.referral_overview(HEADLINE, _bands(), OFFERS)
    referral, bands = tr.population_tables(
        _bands(), overview, {"auc": "AUC", "no17": "No. 17"}, 5, "11_spor1_paragraf104"
    )
    assert bands["Brug i perioden"].tolist()[0] == "0 besøg (kom ikke)"
    assert bands["Brug i perioden"].tolist()[-1] == "I alt"
    assert bands["AUC: borgere"].tolist() == [3, "<5", "<5", "<5", 10]
    assert bands["AUC: besøg pr. uge (gns.)"].tolist()[1:4] == ["×"] * 3
    assert bands["No. 17: borgere"].tolist() == [4, 0, 0, 0, 4]
    assert referral["Besøgende uden visitation"].tolist() == ["<5", "<5"]
    assert referral["Visiterede borgere"].tolist() == [10, 4]  # public
    record = tmp_path / "build" / "published" / "11_spor1_paragraf104.json"
    assert record.is_file() and dc.audit(record.parent).findings == []


def test_population_tables_keep_fine_bands_when_they_can_be_shown(tmp_path, monkeypatch):
    monkeypatch.setenv("ATTENDANCE_PROJECT_ROOT", str(tmp_path))
    shutil.copy(ROOT / "dvc.yaml", tmp_path / "dvc.yaml")  # the report stages (settings.report_set)
    visits = [0] * 9 + [1] * 12 + [5] * 6 + [15] * 30
    frame = pd.DataFrame({"offer_id": "big", "citizen_key": [f"c{i}" for i in range(len(visits))]})
    frame["referred"], frame["visits"] = True, visits
    frame["band"] = pd.cut(frame["visits"], [-1, 0, 2, 9, np.inf], labels=["0", "1–2", "3–9", "10+"]).astype(
        str
    )
    frame["visits_per_week"] = frame["visits"] / 2.0
    headline = HEADLINE.iloc[[0]].assign(offer_id="big", referred=57, active=48)
    overview = tr.referral_overview(
        headline, frame, {"big": {"name": "Stort"}, "_dataset": OFFERS["_dataset"]}
    )
    _referral, bands = tr.population_tables(frame, overview, {"big": "Stort"}, 5, "11_spor1_paragraf104")
    assert bands["Brug i perioden"].tolist()[:4] == [
        "0 besøg (kom ikke)",
        "1–2 besøg",
        "3–9 besøg",
        "10+ besøg",
    ]
    assert bands["Stort: borgere"].tolist() == [9, 12, 6, 30, 57]


def test_display_tables_are_danish_and_complete():
    ov = tr.referral_overview(HEADLINE, _bands(), OFFERS)
    table = tr.overview_table(ov)
    assert table["Visiterede borgere"].tolist() == [10, 4]
    assert "Godkendte pladser" in table.columns and len(table) == 2
    attendance = tr.attendance_table(ov)
    assert attendance["Fremmødespænd (unikke pr. dag)"].tolist() == ["4–7", "1–1"]
    assert attendance["Besøg pr. uge"].tolist() == pytest.approx([10.0, 1.5])


def test_figures_have_a_panel_per_offer_and_weekday():
    slots, _ = tr.matched_staffing(
        {"auc": _model("auc", 2.0), "no17": _model("no17", 1.0)}, OFFERS, STAFFING, level=0.9
    )
    fig = tr.plot_roster_vs_need(slots, {"auc": "AUC", "no17": "No. 17"})
    assert len(fig.axes) == 2 * 2  # offers × weekdays open in either (Monday, Friday)
    assert [ax.get_title() for ax in fig.axes[:2]] == ["mandag", "fredag"]
    assert any(t.get_text() == "lukket" for t in fig.axes[3].texts)  # No. 17 is closed on Fridays
    plt.close(fig)
    ov = tr.referral_overview(HEADLINE, _bands(), OFFERS)
    fig = tr.plot_referred_active(ov)
    assert [ax.get_title() for ax in fig.axes] == ["AUC", "No. 17"]
    plt.close(fig)


def test_fmt_hours_and_staffing_table():
    assert [tr.fmt_hours(v) for v in (70.0, 39.5, 0, 1924, None)] == ["70", "39,5", "0", "1.924", "–"]
    summary = pd.DataFrame(
        {
            "offer_id": ["auc"],
            "staff_hours_week_needed": [70.0],
            "staff_hours_week_roster_open": [108.0],
            "staff_hours_week_roster_outside": [19.0],
            "staff_hours_week_roster_total": [127.0],
            "staff_hours_week_matched": [89.0],
            "staff_hours_week_change": [-38.0],
            "slots": [56],
            "slots_under": [0],
            "slots_over": [50],
        }
    )
    table = tr.staffing_table(summary, {"auc": "AUC"})
    assert table.iloc[0, -1] == "0 / 50 af 56"
    assert table["Tilpasset normering i alt"].iloc[0] == 89.0


def test_budget_figure_writes_every_amount():
    budget = pd.DataFrame(
        {
            "offer_id": ["auc"],
            "name": ["AUC"],
            "budget_per_active_dkk": [73_913.0],
            "budget_matched_per_active_dkk": [63_196.0],
        }
    )
    followup = pd.DataFrame({"offer_id": ["auc"], "budget_with_followup_per_active_dkk": [66_190.0]})
    fig = tr.plot_budget_per_active(budget, followup)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["74.000 kr.", "63.000 kr.", "66.000 kr."]  # rounded for reviewers (fmt_dkk_rounded)
    plt.close(fig)


# ------------------------------------------------------------------ the notebook's calls (report 11)


def _analysis():
    models = {"auc": _model("auc", 2.0), "no17": _model("no17", 1.0)}
    return tr.analyse(
        HEADLINE, _bands(), models, OFFERS, staffing=STAFFING, level=0.9, hours_per_citizen_per_quarter=3.0
    )


def test_analyse_is_the_chain_of_the_track_functions():
    """`analyse` gives exactly what the notebook computed step by step."""
    result = _analysis()
    models = {"auc": _model("auc", 2.0), "no17": _model("no17", 1.0)}
    overview = tr.referral_overview(HEADLINE, _bands(), OFFERS)
    slots, staff = tr.matched_staffing(models, OFFERS, STAFFING, 0.9)
    budget = tr.budget_per_citizen(overview, staff, OFFERS, STAFFING)
    pd.testing.assert_frame_equal(result.overview, overview)
    pd.testing.assert_frame_equal(result.staff, staff)
    pd.testing.assert_frame_equal(result.slots, slots)
    pd.testing.assert_frame_equal(result.by_weekday, tr.hours_by_weekday(slots))
    pd.testing.assert_frame_equal(result.per_week, tr.visits_per_week_summary(_bands()))
    pd.testing.assert_frame_equal(result.followup, tr.followup_by_offer(budget, 3.0, STAFFING))


def test_track_metrics_per_offer():
    result = _analysis()
    metrics = tr.track_metrics(result.staff, result.budget, result.followup, ["auc"])
    assert list(metrics) == ["auc"]
    auc = metrics["auc"]
    assert set(auc) == {
        "staff_hours_week_needed",
        "budget_today_dkk",
        "budget_matched_dkk",
        "budget_with_followup_dkk",
        "followup_fte",
    }
    assert auc["budget_today_dkk"] == 1_000_000.0
    # 7 active × 3 h × 4 quarters = 84 h a year / 1924 h per årsværk
    assert auc["followup_fte"] == pytest.approx(round(84 / 1924, 4))


def test_key_figure_items_name_every_offer_and_places_only_where_given():
    result = _analysis()
    track = {"total_cost_dkk": 2_500_000, "change_dkk": -500_000, "today_cost_dkk": 3_000_000}
    names = {"auc": "AUC", "no17": "No. 17"}
    items = tr.key_figure_items(result.overview, result.staff, result.budget, result.followup, track, names)
    titles = [item[0] for item in items]
    assert titles[1] == "Aktive af de visiterede borgere"
    assert items[1][1] == "7 af 14" and items[1][2] == "AUC 7 af 10 · No. 17 0 af 4"
    assert "Godkendte pladser, AUC" in titles and "Godkendte pladser, No. 17" not in titles
    assert items[0][1].startswith("2,50")
    assert len(items) == 6


def test_report_sentences_follow_parameters():
    result = _analysis()
    assert "6 borgere pr. medarbejder" in tr.need_text(STAFFING, 30)
    assert "halve timer" in tr.staffing_note(30) or "tidsrum" in tr.staffing_note(30)
    text = tr.followup_text(result.followup, 3.0)
    assert text.startswith("Med 3 timer pr. borger pr. kvartal") and "12 timer pr. borger om året" in text
    assert "7 aktive borgere" in text and "alle 14 visiterede" in text
    assert tr.budget_assumptions_text(OFFERS, ["auc"], STAFFING).startswith("**Forudsætninger.** ")
    validation = pd.DataFrame({"offer_id": ["auc"], "coverage_slot_occupancy": [0.92]})
    limits = tr.limits_text(
        validation, ["auc"], {"auc": "AUC"}, STAFFING, level=0.9, period="marts 2026", synthetic=True
    )
    assert limits.startswith("- **Demodata.**") and "92 % af tidsrummene i AUC" in limits
    real = tr.limits_text(
        validation, ["auc"], {"auc": "AUC"}, STAFFING, level=0.9, period="marts 2026", synthetic=False
    )
    assert real.startswith("- **Én periode.**") and "marts 2026" in real
    assert "illustrative" in tr.methods_text(True) and "stamdata" in tr.methods_text(False)
    assert "illustrative" in tr.budget_per_active_caption(True)
