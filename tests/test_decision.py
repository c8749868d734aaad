"""Models as a choice per offer: composition of staff, documentation, cost and the referred affected.

The tracks' own staffing functions are tested in their modules; here `_staff_plan` and `_workshop_plan` are
replaced by fixed plans so every figure can be computed by hand.
"""

from __future__ import annotations

import pandas as pd
import pytest

from attendance import economy as eco
from attendance.errors import InputError
from attendance.reporting import fmt_pct
from attendance.tracks import decision as de
from attendance.tracks.decision import compute as de_compute

BASIS = eco.cost_basis(
    {"cost_per_fte_dkk": 520000, "fte_hours_per_year": 1300},
    {"absence_factor": 0.0, "prep_minutes_per_day": 60, "management_share": 0.0},
)  # 400 kr. per hour, no management: every figure below is easy to check


def _inputs() -> de.DecisionInputs:
    offers = {
        "a": {
            "name": "Huset",
            "roster": [{"weekday": 0, "start": "09:00", "end": "19:00", "staff": 2}],  # 20 h/week
            "premises_dkk_per_year": 10_000,
            "running_costs_dkk_per_year": 0,
        },
        "b": {
            "name": "Stuen",
            "roster": [{"weekday": 1, "start": "09:00", "end": "14:00", "staff": 1}],
        },  # 5 h
    }
    bands = pd.DataFrame(
        {
            "offer_id": ["a"] * 4 + ["b"] * 4,
            "band": ["0", "1–2", "3–9", "10+"] * 2,
            "citizens": [4, 3, 2, 1, 1, 0, 0, 5],
        }
    )
    headline = pd.DataFrame({"referred": [10, 6], "active": [6, 5], "visits": [50, 40]}, index=["a", "b"])
    return de.DecisionInputs(
        offers=offers,
        offer_ids=["a", "b"],
        models={"a": "model-a", "b": "model-b"},
        shifted={"a": "shifted-a", "b": "shifted-b"},
        recommended_hours={"a": {}, "b": {}},
        presence=pd.DataFrame(columns=["offer_id"]),
        members={"a": 2, "b": 0},
        headline=headline,
        band_counts=bands,
        level=0.9,
    )


SETTINGS = de.Settings(
    staffing={"citizens_per_staff": 6, "min_staff_on_duty": 1, "occupancy_quantile": 0.9},
    basis=BASIS,
    followup_hours_per_quarter=13,  # 13 × 4 / 52 = 1 hour per citizen per week
    participants_per_supervisor=5,
)


@pytest.fixture
def fixed_plans(monkeypatch):
    """§ 104 / drop-in: 10 floor hours a week on 2 days with 1 on duty; a workshop: 6 hours on day 0."""

    def staff_plan(model, inputs, settings, opening_hours):
        hours = 10.0 if str(model).startswith("model") else 8.0  # drop-in (shifted models) needs less
        return hours * (1 + settings.demand_change), {0: 1.0, 1: 1.0}

    def workshop_plan(offer_id, inputs, settings):
        return (6.0, {0: 1.0}) if inputs.members.get(offer_id) else (0.0, {})

    monkeypatch.setattr(de_compute, "_compute_staff_plan", staff_plan)
    monkeypatch.setattr(de_compute, "_compute_workshop_plan", workshop_plan)


def test_paragraph_104_adds_preparation_and_goal_follow_up(fixed_plans):
    row = de.offer_option(_inputs(), "a", "paragraph_104", SETTINGS)
    # floor 10 + prep 2 days × 1 staff × 1 h = 2 + documentation 6 active × 1 h = 6 → 18 h/week
    assert row["prep_hours_week"] == pytest.approx(2.0)
    assert row["documentation_hours_week"] == pytest.approx(6.0)
    assert row["staff_hours_week"] == pytest.approx(18.0)
    assert row["documentation_hours_year"] == pytest.approx(312.0)  # 6 × 13 × 4
    # 18 × 52 = 936 h × 400 kr. = 374.400 + premises 10.000
    assert row["staff_cost_dkk"] == pytest.approx(374_400)
    assert row["total_cost_dkk"] == pytest.approx(384_400)
    assert row["fte"] == pytest.approx(936 / 1300)
    assert row["citizens_served"] == 6
    # only those who never came are revisited under § 104
    assert row["referred_affected"] == 4 and row["affected_1–2"] == 0


def test_drop_in_documents_nothing_and_ends_every_referral(fixed_plans):
    row = de.offer_option(_inputs(), "a", "drop_in", SETTINGS)
    assert row["documentation_hours_week"] == 0
    assert row["staff_hours_week"] == pytest.approx(10.0)  # 8 floor + 2 prep
    assert row["referred_affected"] == 10


def test_combination_adds_the_workshop_on_the_same_days(fixed_plans):
    row = de.offer_option(_inputs(), "a", "drop_in_and_workshop_103", SETTINGS)
    # floor 8 + 6; prep: day 0 has 1 + 1 on duty, day 1 has 1 → 3 h; documentation 2 members × 1 h
    assert row["floor_hours_week"] == pytest.approx(14.0)
    assert row["prep_hours_week"] == pytest.approx(3.0)
    assert row["documentation_hours_week"] == pytest.approx(2.0)
    assert row["citizens_served"] == 6  # the drop-in's active citizens (the workshop's are among them)
    workshop_only = de.offer_option(_inputs(), "a", "workshop_103", SETTINGS)
    assert workshop_only["citizens_served"] == 2
    assert workshop_only["staff_hours_week"] == pytest.approx(6 + 1 + 2)


def test_evaluate_totals_and_change_from_today(fixed_plans):
    inputs = _inputs()
    resolved = de.resolve_models(
        [{"key": "m", "name": "M", "default": "drop_in", "overrides": {"b": "paragraph_104"}}], ["a", "b"]
    )
    assert resolved == {"m": {"a": "drop_in", "b": "paragraph_104"}}
    per_offer, totals = de.evaluate(inputs, resolved, SETTINGS)
    # a: drop-in 10 h/week; b: § 104 10 + 2 + 5 active × 1 = 17 h/week → 27 h × 52 × 400 = 561.600 + 10.000
    row = totals.iloc[0]
    assert row["staff_hours_week"] == pytest.approx(27.0)
    assert row["total_cost_dkk"] == pytest.approx(571_600)
    # today: rosters 20 + 5 = 25 h/week × 52 × 400 = 520.000 + 10.000 premises
    assert row["today_cost_dkk"] == pytest.approx(530_000)
    assert row["change_dkk"] == pytest.approx(41_600)
    assert row["referred_affected"] == 10 + 1


def test_an_override_naming_an_absent_offer_is_one_line():
    spec = [{"key": "m", "name": "M", "default": "drop_in", "overrides": {"auc": "workshop_103"}}]
    with pytest.raises(InputError) as info:
        de.resolve_models(spec, ["no17"])
    line = info.value.one_line()
    assert "'auc'" in line and "offers: no17" in line and "\n" not in line


def test_sensitivity_moves_one_assumption_at_a_time(fixed_plans):
    inputs = _inputs()
    resolved = {"m": {"a": "paragraph_104", "b": "paragraph_104"}}
    table = de.sensitivity(
        inputs, resolved, SETTINGS, {"demand_change": [-0.5, 0.5], "followup_hours_per_quarter": [0, 26]}
    ).set_index("parameter")
    # base: a 18 h, b 10 + 2 + 5 = 17 h → 35 h/week → 728.000 + 10.000
    assert table.loc["demand_change", "base_cost_dkk"] == pytest.approx(738_000)
    # demand −50 %: floor 5 + 5, active 3 + 2.5 → 10 + 4 + 5.5 = 19.5 h → 405.600 + 10.000
    assert table.loc["demand_change", "cost_low_dkk"] == pytest.approx(415_600)
    # follow-up 0: 35 − 11 = 24 h → 499.200 + 10.000; 26 h/quarter: 35 + 11 = 46 h → 956.800 + 10.000
    assert table.loc["followup_hours_per_quarter", "cost_low_dkk"] == pytest.approx(509_200)
    assert table.loc["followup_hours_per_quarter", "cost_high_dkk"] == pytest.approx(966_800)
    ranges = de.sensitivity_ranges(table.reset_index()).set_index("model")
    assert ranges.loc["m", "min_cost_dkk"] == pytest.approx(415_600)


def test_plans_are_computed_once_per_roster_assumption(monkeypatch):
    """The tornado asks for the same roster dozens of times; only a change of staffing or demand (or of
    participants per supervisor for the workshop) may compute a plan again, and a caller changing the plan
    it got back must not change the remembered one."""
    calls = []

    def staff_plan(model, inputs, settings, opening_hours):
        calls.append(("staff", model, settings.demand_change, settings.staffing["citizens_per_staff"]))
        return 10.0 * (1 + settings.demand_change), {0: 1.0}

    def workshop_plan(offer_id, inputs, settings):
        calls.append(("workshop", offer_id, settings.participants_per_supervisor))
        return 6.0, {0: 1.0}

    monkeypatch.setattr(de_compute, "_compute_staff_plan", staff_plan)
    monkeypatch.setattr(de_compute, "_compute_workshop_plan", workshop_plan)
    inputs = _inputs()
    resolved = {"m": {"a": "drop_in_and_workshop_103", "b": "paragraph_104"}}
    ranges = {
        "followup_hours_per_quarter": [0, 26],
        "absence_factor": [0.1, 0.2],
        "demand_change": [-0.5, 0.5],
        "citizens_per_staff": [5, 7],
    }
    de.sensitivity(inputs, resolved, SETTINGS, ranges)
    staff = [c for c in calls if c[0] == "staff"]
    # base, demand ±50 %, citizens per staff 5 / 7: five roster assumptions × two offers (a's drop-in, b's § 104)
    assert len(staff) == 5 * 2 == len(set(staff))
    # the workshop depends on staffing (citizens per staff) but not on demand or cost: base, 5, 7
    assert len([c for c in calls if c[0] == "workshop"]) == 3
    first = de.offer_option(inputs, "a", "drop_in_and_workshop_103", SETTINGS)
    again = de.offer_option(inputs, "a", "drop_in_and_workshop_103", SETTINGS)
    assert first == again and first["floor_hours_week"] == pytest.approx(16.0)  # 10 + 6, not 10 + 6 + 6


def test_absence_factor_raises_the_hourly_cost():
    varied = de_compute._vary(SETTINGS, "absence_factor", 0.2)
    assert varied.basis.hourly_cost_dkk == pytest.approx(520000 / (1300 * 0.8))
    assert SETTINGS.basis.hourly_cost_dkk == pytest.approx(400)


def test_metrics_keep_exact_figures():
    today = pd.DataFrame(
        {"total_cost_dkk": [1.0, 2.004], "staff_hours_week": [1, 2], "fte": [0.1, 0.2], "active": [3, 4]}
    )
    totals = pd.DataFrame(
        [
            {
                "model": "m",
                "total_cost_dkk": 5.5,
                "change_dkk": 2.496,
                "staff_hours_week": 7,
                "fte": 0.3,
                "citizens_served": 7,
            }
        ]
    )
    out = de.metrics(today, totals, totals.assign(model="drop_in"))
    assert out["today"]["total_cost_dkk"] == 3.0
    assert out["models"]["m"]["change_dkk"] == 2.5
    assert set(out["tracks"]) == {"drop_in"}


def test_question_map_covers_every_question_of_the_kommissorium():
    table = de.question_map_da()
    assert list(table["Spørgsmål"]) == [
        "Formål",
        "Målgruppe",
        "Organisering",
        "Faglig tilgang",
        "Økonomi",
        "Bemanding",
        "Dokumentation",
        "Snitflader",
        "Implementering",
    ]
    assert table.shape[1] == 4 and table.notna().all().all()


# --------------------------------------------------------------------------------------------------------
# Report 20 in one call, its tables, texts and figure (moved out of the notebook)
# --------------------------------------------------------------------------------------------------------

NAMES = {"a": "Huset", "b": "Stuen"}
PARAMS = {
    "staffing": {
        "citizens_per_staff": 6,
        "min_staff_on_duty": 1,
        "occupancy_quantile": 0.9,
        "cost_per_fte_dkk": 520000,
        "fte_hours_per_year": 1300,
    },
    "economy": {"absence_factor": 0.0, "prep_minutes_per_day": 60, "management_share": 0.0},
    "spor1": {"goal_followup_hours_per_citizen_per_quarter": 13},
    "spor3": {"participants_per_supervisor": 5},
    "decision": {
        "models": [
            {"key": "m1", "name": "Model 1", "default": "paragraph_104"},
            {"key": "m2", "name": "Model 2", "default": "drop_in", "overrides": {"b": "workshop_103"}},
        ],
        "sensitivity": {"demand_change": [-0.5, 0.5]},
    },
}


@pytest.fixture
def analysis(fixed_plans, monkeypatch) -> de.Analysis:
    monkeypatch.setattr(de_compute, "load_inputs", lambda processed, params: _inputs())
    return de.analyse("unused", PARAMS)


def test_analyse_is_the_report_computation_in_one_call(analysis):
    inputs = _inputs()
    assert analysis.resolved == {
        "m1": {"a": "paragraph_104", "b": "paragraph_104"},
        "m2": {"a": "drop_in", "b": "workshop_103"},
    }
    assert analysis.model_names == {"m1": "Model 1", "m2": "Model 2"}
    assert analysis.settings == de.settings_from_params(PARAMS)
    per_offer, totals = de.evaluate(inputs, analysis.resolved, analysis.settings)
    pd.testing.assert_frame_equal(analysis.totals, totals)
    pd.testing.assert_frame_equal(analysis.per_offer, per_offer)
    pd.testing.assert_frame_equal(analysis.tracks, de.track_totals(inputs, analysis.settings))
    assert analysis.today_cost == pytest.approx(530_000)  # rosters 25 h/week × 52 × 400 + 10.000
    assert list(analysis.ranges.index) == ["m1", "m2"]
    assert list(analysis.sensitivity["parameter"].unique()) == ["demand_change"]


def test_publish_counts_records_the_public_figures(tmp_path):
    from attendance.reporting import disclosure as dc

    stage = "20_beslutningsgrundlag"
    dc.begin_stage(stage, root=tmp_path)
    today = pd.DataFrame({"offer_id": ["a", "b"], "referred": [10, 6], "active": [6, 5]})
    de.publish_counts(stage, today, NAMES, root=tmp_path)
    import json

    record = json.loads((tmp_path / "build" / "published" / f"{stage}.json").read_text(encoding="utf-8"))
    tables = {table["table"]: table for table in record["tables"]}
    assert set(tables) == {"visiterede", "aktive"}
    assert [cell["value"] for cell in tables["aktive"]["cells"]] == [6, 5]
    assert all(cell["public"] for cell in tables["visiterede"]["cells"])


def test_affected_and_value_texts():
    assert de.affected_text({"referred_affected": 16}, 16) == "alle 16 visiterede"
    assert de.affected_text({"referred_affected": 5}, 16) == "5, der ikke kom i perioden"
    assert de.value_text("mio", 1.234) == "1,23 mio. kr."
    assert de.value_text("demand_change", 0.2) == "+" + fmt_pct(0.2, 0)  # a change has its sign
    assert de.value_text("demand_change", -0.2) == fmt_pct(-0.2, 0)
    assert de.value_text("absence_factor", 0.15) == fmt_pct(0.15, 0)
    assert de.value_text("citizens_per_staff", 6) == "6" and de.value_text("min_staff_on_duty", 1.5) == "1,5"


def test_report_tables_and_texts(analysis):
    comparison = de.comparison_table(analysis, NAMES)
    assert list(comparison.columns) == ["", "I dag", "Model 1", "Model 2"]
    revisited = comparison.set_index("").loc["Visiterede, der skal revisiteres"]
    assert revisited["Model 1"] == "5, der ikke kom i perioden"  # § 104: those who never came (4 + 1)
    assert revisited["Model 2"] == "alle 16 visiterede"
    items = de.key_figure_items(analysis)
    assert items[0][0] == "Samlet udgift pr. år i dag, mio. kr." and len(items) == 3
    assert items[1][0] == "Model 1, mio. kr. pr. år" and "følsomhed" in items[1][2]
    shared = de.shared_figures(analysis)
    assert shared["referred"] == 16 and shared["active"] == 11 and shared["visits"] == 90
    assert shared["today_cost_dkk"] == pytest.approx(530_000)
    assert set(shared) >= {"model.m1.total_cost_dkk", "track.workshop_103.total_cost_dkk"}
    per_offer = de.per_offer_table_da(analysis, NAMES)
    assert list(per_offer["Model"]) == ["Model 1", "Model 1", "Model 2", "Model 2"]
    assert list(per_offer["Valg"]) == ["§ 104 med tilpasset normering"] * 2 + [
        "åbent værested",
        "§ 103-værksted",
    ]
    # m1, a: 18 h/week (see test_paragraph_104_adds_preparation_and_goal_follow_up)
    assert per_offer.loc[0, "Personaletimer pr. uge"] == pytest.approx(18.0)
    text = de.assumptions_text(analysis, PARAMS["staffing"], PARAMS["spor3"], synthetic=True)
    lines = text.split("\n")
    assert len(lines) == 4 and lines[0].startswith("- **Timepris:** 520.000 kr. pr. årsværk á 1.300 timer")
    assert (
        "6 borgere pr. medarbejder, mindst 1 på vagt; værkstedet 5 deltagere pr. leder; 13,0 timer"
        in lines[1]
    )


def test_tornado_has_a_panel_per_model(analysis):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = de.tornado(analysis)
    assert [ax.get_title(loc="left").split(" (")[0] for ax in fig.axes] == ["Model 1", "Model 2"]
    plt.close(fig)
