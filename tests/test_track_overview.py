"""Tests for the overview report's tables (attendance.overview), each with numbers small enough to check by
hand, and the kommissorium's table on the committed demo data."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from attendance import reporting as rp
from attendance.errors import InputError
from attendance.reporting import disclosure as dc
from attendance.tracks import overview as ov

ROOT = Path(__file__).resolve().parents[1]
LABELS = {"a": "AUC", "b": "No. 17"}


def headline() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "offer_id": ["a", "b"],
            "referred": [61, 18],
            "active": [46, 15],
            "opening_days": [58, 60],
            "visits": [1078, 494],
            "unique_per_day_mean": [18.5, 8.2],
            "unique_per_day_min": [11, 7],
            "unique_per_day_max": [29, 11],
            "peak_concurrent_max": [24, 11],
            "peak_concurrent_min": [5, 5],
        }
    )


OFFERS = {"a": {"name": "AUC", "approved_places": 30}, "b": {"name": "No. 17", "approved_places": None}}


def test_kommissorium_table_reproduces_the_published_columns():
    table = ov.kommissorium_table(headline(), OFFERS, labels=LABELS)
    assert list(table["Tilbud"]) == ["AUC", "No. 17"]
    assert list(table["Unikke borgere pr. dag, spænd"]) == ["11–29", "7–11"]
    assert list(table["Højeste samtidige fremmøde"]) == [24, 11]
    assert list(table["Laveste samtidige fremmøde*"]) == [5, 5]
    assert table.loc[0, "Godkendte pladser"] == 30 and np.isnan(table.loc[1, "Godkendte pladser"])
    html = rp.show_table(table, "t", formats=ov.KOMMISSORIUM_FORMATS, note=ov.LOWEST_PEAK_NOTE).data
    assert ">18,5<" in html and ">8,2<" in html and ">–<" in html  # no approved places for No. 17
    assert "laveste dagsmaksimum" in html and "dagsspids" not in html


def test_kommissorium_table_follows_the_given_offer_order():
    table = ov.kommissorium_table(headline(), OFFERS, offer_ids=["b", "a"], labels=LABELS)
    assert list(table["Tilbud"]) == ["No. 17", "AUC"]


def usage() -> pd.DataFrame:
    """Offer a: 6 referred (2 never came; 1, 4, 10 and 12 visits) and 1 visitor without referral."""
    return pd.DataFrame(
        {
            "offer_id": ["a"] * 7,
            "citizen_key": list("pqrstuv"),
            "referred": [True, True, True, True, True, True, False],
            "visits": [0, 0, 1, 4, 10, 12, 2],
            "band": ["0", "0", "1–2", "3–9", "10+", "10+", "1–2"],
            "visits_per_week": [0.0, 0.0, 0.1, 0.4, 1.0, 1.5, 0.2],
        }
    )


def test_referred_vs_active_by_hand():
    row = ov.referred_vs_active(usage(), labels=LABELS).iloc[0]
    assert row["Visiterede borgere"] == 6
    assert row["Heraf aktive (mindst ét besøg)"] == 4
    assert row["Heraf aldrig mødt op"] == 2
    assert row["Andel aktive"] == pytest.approx(4 / 6)
    assert row["Besøgende uden visitation"] == 1
    assert row["Besøg pr. uge pr. aktiv borger"] == pytest.approx((0.1 + 0.4 + 1.0 + 1.5) / 4)


def test_population_tables_recode_small_bands_and_record_what_is_shown(tmp_path, monkeypatch):
    """4 active citizens in three small bands under the public active total: no suppression can protect
    them, so the bands are merged to 0 / 1+ (both public); the visitor without referral is "<5"."""
    monkeypatch.setenv("ATTENDANCE_PROJECT_ROOT", str(tmp_path))
    shutil.copy(ROOT / "dvc.yaml", tmp_path / "dvc.yaml")  # the report stages (settings.report_set)
    referred, bands, groups = ov.population_tables(usage(), None, LABELS, 5, "10_fremmoedestatistik")
    assert list(groups) == ["0", "1+"]
    assert list(bands.index) == ["0", "1+", "I alt"]
    assert list(bands["AUC"]) == [2, 4, 6] and bands.loc["0", "AUC, andel"] == pytest.approx(2 / 6)
    counts, shares = ov.band_columns(bands)
    assert counts == ["AUC"] and shares == {"AUC": "AUC, andel"}
    assert referred.loc["AUC", "Besøgende uden visitation"] == "<5"
    assert referred.loc["AUC", "Heraf aldrig mødt op"] == 2  # public: referred − active
    assert ov.bands_text(groups) == "0 og 1 eller flere besøg"
    record = tmp_path / "build" / "published" / "10_fremmoedestatistik.json"
    assert record.is_file() and dc.audit(record.parent).findings == []


def test_population_tables_fix_the_issue13_band_leak_by_recoding(tmp_path, monkeypatch):
    """Issue 13: referred 61, never came 15, 10+ 38, and 1–2 (6) / 3–9 (2) — shown as "×" and "<5" the two
    add up to 8 and the "<5" is 1–3. Recoded 0 / 1–9 / 10+ nothing is hidden and "came rarely" stays."""
    monkeypatch.setenv("ATTENDANCE_PROJECT_ROOT", str(tmp_path))
    shutil.copy(ROOT / "dvc.yaml", tmp_path / "dvc.yaml")  # the report stages (settings.report_set)
    bands = ["0"] * 15 + ["1–2"] * 6 + ["3–9"] * 2 + ["10+"] * 38 + ["1–2"] * 6
    frame = pd.DataFrame(
        {
            "offer_id": "a",
            "citizen_key": [f"c{i}" for i in range(len(bands))],
            "referred": [True] * 61 + [False] * 6,
            "visits": [{"0": 0, "1–2": 1, "3–9": 4, "10+": 12}[b] for b in bands],
            "band": bands,
            "visits_per_week": 0.5,
        }
    )
    referred, shown, groups = ov.population_tables(frame, None, LABELS, 5, "10_fremmoedestatistik")
    assert list(groups) == ["0", "1–9", "10+"]
    assert list(shown["AUC"]) == [15, 8, 38, 61]
    assert referred.loc["AUC", "Besøgende uden visitation"] == 6
    assert dc.audit(tmp_path / "build" / "published").findings == []


def test_weekday_table_by_hand():
    by_weekday = pd.DataFrame(
        {
            "offer_id": ["b", "a", "a"],
            "weekday": [0, 4, 0],
            "opening_days": [11, 10, 11],
            "unique_mean": [9.36, 16.2, 19.5],
            "unique_min": [7, 11, 15],
            "unique_max": [11, 24, 25],
            "peak_mean": [7.5, 13.6, 15.4],
            "peak_max": [10, 21, 20],
        }
    )
    table = ov.weekday_table(by_weekday, offer_ids=["a", "b"], labels=LABELS)
    assert list(table["Tilbud"]) == ["AUC", "AUC", "No. 17"]
    assert list(table["Ugedag"]) == ["mandag", "fredag", "mandag"]
    assert list(table["Spænd"]) == ["15–25", "11–24", "7–11"]


def test_period_table_averages_open_slots_only_and_weights_by_days():
    # Monday (2 days) open 09:00–10:00, Tuesday (3 days) open 09:30–10:00; periods split at 09:30
    by_slot = pd.DataFrame(
        {
            "offer_id": ["a", "a", "a"],
            "weekday": [0, 0, 1],
            "slot_minute": [540, 570, 570],
            "days": [2, 2, 3],
            "occupancy_mean": [1.0, 4.0, 2.0],
            "arrivals_mean": [3.0, 1.0, 2.0],
        }
    )
    periods = {"tidlig": ["08:00", "09:30"], "sen": ["09:30", "12:00"]}
    table = ov.period_table(by_slot, periods, labels=LABELS)
    assert list(table["Del af dagen"]) == ["Tidlig", "Sen"]
    assert [t.replace("\u2060", "") for t in table["Åbent"]] == ["09:00–09:30", "09:30–10:00"]
    # early: only Monday is open, 1.0 present, 3 arrivals per (Monday) opening day
    assert table.loc[0, "Gns. antal til stede"] == pytest.approx(1.0)
    assert table.loc[0, "Ankomster pr. åbningsdag"] == pytest.approx(3.0)
    # late: (4·2 + 2·3) / 5 = 2.8 present; arrivals (1·2 + 2·3) / 5 = 1.6 per opening day
    assert table.loc[1, "Gns. antal til stede"] == pytest.approx(2.8)
    assert table.loc[1, "Ankomster pr. åbningsdag"] == pytest.approx(1.6)
    assert table.loc[1, "Travleste tidsrum (gns. til stede)"] == pytest.approx(2.8)
    assert len(ov.period_table(by_slot, {"aften": ["18:00", "22:00"]})) == 0


def accounting() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "file": ["registrations/AUC marts.xlsx", "registrations/No 17.csv"],
            "sheet": ["Uge 10", np.nan],
            "rows_read": [20, 10],
            "kept": [15, 9],
            "merged": [2, 0],
            "quarantined": [1, 0],
            "ignored": [2, 1],
        }
    )


def test_accounting_table_has_a_total_and_checks_every_line():
    table = ov.accounting_table(accounting())
    assert list(table["Fil"]) == ["AUC marts.xlsx", "No 17.csv", "I alt"]
    assert list(table["Ark"])[:2] == ["Uge 10", "–"]
    assert table.loc["total", "Læst"] == 30 and table.loc["total", "Brugt"] == 24
    assert list(table["Stemmer"]) == ["ja", "ja", "ja"]
    assert ov.accounting_balances(accounting())
    broken = accounting().assign(kept=[14, 9])
    assert list(ov.accounting_table(broken)["Stemmer"]) == ["nej", "ja", "nej"]
    assert not ov.accounting_balances(broken)
    with pytest.raises(InputError, match="merged"):
        ov.accounting_table(accounting().drop(columns="merged"))


def test_data_quality_summary_counts_visits_per_rule_once():
    visits = pd.DataFrame(
        {
            "granularity": ["timed", "timed", "timed", "day"],
            "flags": ["", "offer_alias", "missing_time_out;missing_time_out;closed_day", "day_only"],
        }
    )
    table = ov.data_quality_summary(visits, accounting()).set_index("Forhold")
    assert table.loc["Rå rækker læst", "Antal"] == 30
    assert table.loc["– heraf brugt som besøg", "Andel"] == pytest.approx(24 / 30)
    assert table.loc["Besøg efter rensning", "Antal"] == 4
    assert table.loc["– med tidspunkter (kommet og gået)", "Antal"] == 3
    assert table.loc["– manglende sluttid udfyldt", "Antal"] == 1  # twice on one visit counts once
    assert table.loc["– registreret på en lukkedag (fx tur)", "Antal"] == 1
    # offer_alias alone does not count as a corrected visit
    assert table.loc["Besøg rettet eller markeret af mindst én regel", "Antal"] == 2
    assert not any("Tilbuddets navn" in label for label in table.index)


def test_key_figure_items():
    items = ov.key_figure_items(headline(), OFFERS, ["a", "b"], LABELS)
    assert items[0] == ("Unikke borgere pr. dag, AUC", "18,5", "gennemsnit pr. åbningsdag; spænd 11–29")
    assert items[2][1] == "24 / 11" and "30 godkendte pladser i AUC" in items[2][2]
    assert items[3][1] == "61 / 18"
    # 15 of 61 and 3 of 18 never came: a headline figure (referred minus active), shown as it is
    assert items[4][1] == "25 % / 17 %"


def test_validation_table_is_danish():
    validation = pd.DataFrame(
        {
            "offer_id": ["a"],
            "family": ["negative_binomial"],
            "holdout_days": [9],
            "nominal": [0.9],
            "coverage_slot_occupancy": [0.93],
            "coverage_unique_per_day": [1.0],
            "mae_model": [2.149],
            "mae_baseline": [2.2226],
        }
    )
    row = ov.validation_table(validation, labels=LABELS).loc["AUC"]
    assert row["Modelfamilie"] == "negativ binomial"
    assert row["Dækning, antal til stede pr. tidsrum"] == "93 %"
    assert row["Gns. fejl, model"] == "2,15"


def test_stay_table_and_busiest_slots():
    stays = pd.DataFrame(
        {
            "offer_id": ["a"],
            "count": [3],
            "mean": [170.0],
            "p25": [110.0],
            "p50": [155.0],
            "p75": [215.0],
            "p90": [280.0],
        }
    )
    row = ov.stay_table(stays, labels=LABELS).iloc[0]
    assert row["Median"] == "2\u00a0t\u00a035\u00a0min"
    assert row["Den midterste halvdel"].replace("\u00a0", " ") == "1 t 50 min – 3 t 35 min"
    summary = pd.DataFrame(
        {
            "offer_id": ["a"] * 4,
            "measure": ["occupancy"] * 3 + ["arrivals"],
            "weekday": [0, 2, 2, 2],
            "slot_minute": [540, 540, 570, 570],
            "open_slot": [True, True, True, True],
            "mean": [1.3, 3.0, 14.7, 99.0],
        }
    )
    (sentence,) = ov.busiest_slots(summary, labels=LABELS)
    assert sentence == (
        "AUC: flest til stede onsdag 09:30–10:00 (gennemsnitligt 14,7 borgere), "
        "færrest mandag 09:00–09:30 (gennemsnitligt 1,3)."
    )


@pytest.mark.skipif(
    not (ROOT / "data/processed/demand/headline_kpis.parquet").is_file(), reason="demand stage not run"
)
def test_kommissorium_table_on_the_demo_data():
    offers = json.loads((ROOT / "data/processed/offers.json").read_text(encoding="utf-8"))
    if not offers["_dataset"].get("synthetic"):
        pytest.skip("real data: the published figures are the demo's calibration targets only")
    table = ov.kommissorium_table(
        pd.read_parquet(ROOT / "data/processed/demand/headline_kpis.parquet"), offers, ["auc", "no17"]
    ).set_index("Tilbud")
    assert table.loc["auc", "Unikke borgere pr. dag, gns."] == pytest.approx(18.5, abs=0.05)
    assert table.loc["auc", "Unikke borgere pr. dag, spænd"] == "11–29"
    assert table.loc["no17", "Unikke borgere pr. dag, gns."] == pytest.approx(8.2, abs=0.05)
    assert table.loc["no17", "Unikke borgere pr. dag, spænd"] == "7–11"
    assert list(table["Højeste samtidige fremmøde"]) == [24, 11]
    assert list(table["Laveste samtidige fremmøde*"]) == [5, 5]
    assert list(table["Visiterede borgere"]) == [61, 18]


def test_closed_day_visits_text_explains_two_visit_counts():
    """1.086 visits with times vs 1.078 on opening days: the table of all visits must say why."""
    visits = pd.DataFrame(
        {
            "offer_id": ["a", "a", "a", "b", "b"],
            "granularity": ["timed", "timed", "day", "timed", "timed"],
            "on_closed_day": [True, False, True, False, False],
        }
    )
    text = ov.closed_day_visits_text(visits, ["a", "b"], {"a": "Huset", "b": "Stedet"})
    assert "Huset 1" in text and "Stedet" not in text and "lukkedage" in text
    assert "Huset 2" in ov.closed_day_visits_text(visits, ["a", "b"], {"a": "Huset"}, granularity=None)
    assert ov.closed_day_visits_text(visits[~visits["on_closed_day"]], ["a", "b"]) == ""


# ------------------------------------------------------------------ the notebook's calls (report 10)


def test_load_tables_reads_every_demand_table_and_only_the_visit_columns_used(tmp_path):
    (tmp_path / "demand").mkdir()
    for name in ov.DEMAND_TABLES:
        pd.DataFrame({"offer_id": ["a"], "x": [1]}).to_parquet(tmp_path / "demand" / f"{name}.parquet")
    pd.DataFrame(
        {
            "offer_id": ["a"],
            "granularity": ["timed"],
            "flags": [""],
            "on_closed_day": [False],
            "citizen_key": ["k1"],
        }
    ).to_parquet(tmp_path / "visits.parquet")
    accounting().to_csv(tmp_path / "accounting.csv", index=False)
    tables, visits, read = ov.load_tables(tmp_path)
    assert list(tables) == list(ov.DEMAND_TABLES)
    assert list(visits.columns) == ["offer_id", "granularity", "flags", "on_closed_day"]
    assert len(read) == len(accounting())


def test_report_sentences():
    assert ov.slot_text({"plural": "halve timer"}).startswith(
        "Gennemsnitligt antal borgere til stede på samme tid pr. ugedag og halve timer, over alle"
    )
    assert "Med 10–13 åbningsdage pr. ugedag" in ov.hills_text("10–13")
    assert ov.referred_text(5).endswith("vises som «<5».")
    limits = ov.limits_text("marts 2026", "12")
    assert limits.startswith("- Registreringerne dækker marts 2026.") and limits.count("\n- ") == 3
    assert "går op for alle filer" in ov.methods_text(accounting())
    broken = accounting().assign(kept=accounting()["kept"] + 1)
    assert "går IKKE op" in ov.methods_text(broken)
    assert "farveskala" not in ov.heatmap_caption(["a"])
    assert "bruger samme farveskala" in ov.heatmap_caption(["a", "b"])
    assert "halve time" in ov.stay_length_caption(30)


def test_hills_figures_one_per_offer_with_caption():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [
        (offer, wd, minute, "occupancy", m)
        for offer in ("a", "b")
        for wd in (0, 2)
        for minute, m in ((540, 1.0), (570, 3.0))
    ]
    summary = pd.DataFrame(rows, columns=["offer_id", "weekday", "slot_minute", "measure", "mean"])
    for q, f in (("p25", 0.5), ("p50", 1.0), ("p75", 1.5), ("p95", 2.0)):
        summary[q] = summary["mean"] * f
    summary["count"] = 10
    summary["open_slot"] = True
    summary["slot_end_minute"] = summary["slot_minute"] + 30
    figures = list(ov.hills_figures(summary, ["a", "b"], LABELS))
    assert [caption.split(":")[0] for _, caption, _ in figures] == ["AUC", "No. 17"]
    assert all(alt.endswith(LABELS[o]) for (_, _, alt), o in zip(figures, "ab", strict=True))
    for fig, _, _ in figures:
        plt.close(fig)
