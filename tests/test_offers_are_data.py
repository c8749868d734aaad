"""Offers are data (docs/design.md § 3): a dataset has one or many offers, and no notebook or report text names the
demo's offers or states a fact true only of the demo.

Three parts: the sentence helpers that build report text from data, `attendance synth --offers` (one and three
offers), and a scan of notebooks/ and src/attendance/ for the demo's offer ids, names and fixed demo sentences so
they cannot creep back. attendance.synth is allowed to name the demo's offers (it writes them); tests and docs
are not scanned.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from attendance import reporting as rp
from attendance import synth
from attendance.tracks import drop_in as td
from attendance.tracks import overview as ov

ROOT = Path(__file__).resolve().parents[1]

# ---------------------------------------------------------------------------------------------- sentence helpers


def test_join_da_and_offers_list():
    assert rp.join_da([]) == ""
    assert rp.join_da(["A"]) == "A"
    assert rp.join_da(["A", "B"]) == "A og B"
    assert rp.join_da(["A", "B", "C"]) == "A, B og C"
    assert rp.join_da(["A", "B"], "eller") == "A eller B"
    assert rp.offers_list({"x": "Nord", "y": "Syd"}) == "Nord og Syd"
    assert rp.offers_list(["Nord"]) == "Nord"


def test_offers_phrase_counts_the_offers():
    assert rp.offers_phrase(["a"]) == "tilbuddet"
    assert rp.offers_phrase({"a": "A", "b": "B"}) == "begge tilbud"
    assert rp.offers_phrase(["a", "b", "c"]) == "de tre tilbud"
    assert rp.offers_phrase(11) == "alle 11 tilbud"
    assert rp.offers_phrase(1, definite=False) == "ét tilbud"
    assert rp.offers_phrase(3, definite=False) == "tre tilbud"
    with pytest.raises(ValueError):
        rp.offers_phrase([])


@pytest.mark.parametrize(
    ("minutes", "per", "plural", "one", "each"),
    [
        (15, "kvarter", "kvarterer", "et kvarter", "hvert kvarter"),
        (30, "halve time", "halve timer", "en halv time", "hver halve time"),
        (60, "time", "timer", "en time", "hver time"),
        (
            45,
            "45 minutter",
            "tidsrum på 45 minutter",
            "et tidsrum på 45 minutter",
            "hvert tidsrum på 45 minutter",
        ),
    ],
)
def test_slot_words_follow_bin_minutes(minutes, per, plural, one, each):
    words = rp.slot_words(minutes)
    assert words == {"per": per, "plural": plural, "one": one, "each": each}
    assert rp.slot_width_text(minutes) == per
    assert rp.slot_width_text(str(minutes)) == per
    assert td.busiest_slot_column(minutes) == f"Travleste {per}, gns. til stede"


def test_slot_words_reject_nonsense():
    with pytest.raises(ValueError):
        rp.slot_words(0)


def test_master_data_text_says_demo_only_when_synthetic():
    assert "syntetiske demodata" in rp.master_data_text(True)
    real = rp.master_data_text(False)
    assert "stamdata" in real and "demo" not in real and "opdigte" not in real


def test_banner_names_no_offer():
    text = rp.banner(
        {"name": "x", "synthetic": True, "period_start": "2026-03-02", "period_end": "2026-05-29"}
    ).data
    assert "Syntetiske data" in text and "tilbuddenes fremmøderegistreringer" in text


def test_places_texts():
    assert td.places_text(30) == "30 godkendte pladser"
    assert td.places_text(None) == "intet godkendt pladstal"
    assert td.places_text(float("nan")) == "intet godkendt pladstal"
    one = td.places_line_text({"a": {"approved_places": 12}}, {"a": "Nord"})
    assert one.startswith("Den stiplede linje er tilbuddets godkendte pladser.")
    mixed = td.places_line_text(
        {"a": {"approved_places": 12}, "b": {"approved_places": None}, "c": {"approved_places": 8}},
        {"a": "Nord", "b": "Syd", "c": "Vest"},
    )
    assert "(Nord og Vest)" in mixed and "Syd" not in mixed
    none = td.places_line_text({"a": {}, "b": {}}, {"a": "Nord", "b": "Syd"})
    assert none.startswith("Ingen af tilbuddene")


def _scenarios(offer_id: str, places: float | None) -> pd.DataFrame:
    rows = []
    for uplift, share in ((0.0, 0.0), (0.5, 0.2)):
        rows.append(
            {
                "offer_id": offer_id,
                "hours": "recommended",
                "uplift": uplift,
                "peak_mean": 10.0 * (1 + uplift),
                "peak_lower": 6.0,
                "peak_upper": 14.0 * (1 + uplift),
                "approved_places": np.nan if places is None else places,
                "share_days_over_places": share,
            }
        )
    return pd.DataFrame(rows)


def test_capacity_text_per_offer():
    with_places = td.capacity_text(_scenarios("n", 12), "n", "Nord", 12, 15, "90\u00a0%")
    assert with_places.startswith("Nord er godkendt til 12 pladser.")
    assert "højst 15 borgere" in with_places and "Stiger efterspørgslen 50" in with_places
    assert (
        "pladstallet i Nord altså en begrænsning" in with_places
    )  # 20 % of days over in the largest scenario
    busy = _scenarios("n", 12).assign(share_days_over_places=0.5)
    assert "allerede med dagens efterspørgsel en begrænsning" in td.capacity_text(
        busy, "n", "Nord", 12, 15, "90 %"
    )
    without = td.capacity_text(_scenarios("s", None), "s", "Syd", None, 9, "90\u00a0%")
    assert without.startswith("Syd har intet godkendt pladstal")


def test_overview_intro_and_days_per_weekday():
    offers = {"a": {"name": "Nord", "town": "Ry"}, "b": {"name": "Syd"}, "c": {"name": "Vest", "town": "Bå"}}
    labels = {o: offers[o]["name"] for o in offers}
    three = ov.intro_text(offers, list(offers), labels)
    assert "de tre aktivitets- og samværstilbud" in three and "Nord i Ry, Syd og Vest i Bå." in three
    one = ov.intro_text(offers, ["a"], labels)
    assert "fra aktivitets- og samværstilbuddet efter" in one and "Nord i Ry." in one
    summary = pd.DataFrame(
        {"offer_id": ["a", "a", "b"], "weekday": [0, 1, 0], "count": [10, 13, 12], "open_slot": [True] * 3}
    )
    assert ov.days_per_weekday_text(summary) == "10–13"
    assert ov.days_per_weekday_text(summary[summary["count"] == 12]) == "12"


# ---------------------------------------------------------------------------------------------- synth --offers


def test_select_offers():
    assert synth.select_offers(None) == ("auc", "no17") == synth.DEFAULT_OFFERS
    assert synth.select_offers(1) == ("auc",)
    assert synth.select_offers("3") == ("auc", "no17", "aktivhuset")
    assert synth.select_offers("aktivhuset,no17") == ("no17", "aktivhuset")  # order of ALL_PLANS
    for bad in ("0", 4, "auc,nope", ""):
        with pytest.raises(ValueError, match="--offers"):
            synth.select_offers(bad)


def test_extra_offer_truth_is_calibrated():
    visits, referrals, offers = synth.generate_truth(2026, synth.select_offers(3))
    assert list(offers) == ["auc", "no17", "aktivhuset"]
    assert offers["aktivhuset"]["approved_places"] == 12
    figures = synth.truth_figures(visits)
    plan = synth.EXTRA_PLANS[0]
    assert figures["aktivhuset"] == {
        "mean": plan.unique_mean,
        "min": plan.unique_min,
        "max": plan.unique_max,
        "peak_max": plan.peak_max,
        "peak_min": plan.peak_min,
    }
    demo_visits, _, _ = synth.generate_truth(2026)
    # an offer's random stream does not depend on which other offers are selected
    pd.testing.assert_frame_equal(
        visits[visits["offer_id"] == "auc"].reset_index(drop=True),
        demo_visits[demo_visits["offer_id"] == "auc"].reset_index(drop=True),
    )
    assert set(referrals["offer_id"]) == {"auc", "no17", "aktivhuset"}


@pytest.mark.parametrize("selection", ["no17", "3"])
def test_synth_offers_clean_back_to_the_truth(tmp_path, selection):
    from attendance.cleaning.clean import clean_dataset

    raw = tmp_path / "raw" / f"offers{selection}"
    summary = synth.write_raw_dataset(raw, offers=selection)
    ids = synth.select_offers(selection)
    for offer_id in ids:
        assert synth.offers_config(ids)[offer_id]["name"] in summary
    offers_yaml = (raw / "offers.yaml").read_text(encoding="utf-8")
    dataset_yaml = (raw / "dataset.yaml").read_text(encoding="utf-8")
    assert f"name: offers{selection}" in dataset_yaml and "synthetic: true" in dataset_yaml
    assert all(f"\n  {o}:\n" in offers_yaml for o in ids)
    clean_dataset(raw, tmp_path / "processed", quarantine_dir=tmp_path / "quarantine", params={})
    visits = pd.read_parquet(tmp_path / "processed" / "visits.parquet")
    truth, _, _ = synth.generate_truth(2026, ids)
    assert visits.groupby("offer_id").size().to_dict() == truth.groupby("offer_id").size().to_dict()
    offers_json = json.loads((tmp_path / "processed" / "offers.json").read_text(encoding="utf-8"))
    assert sorted(k for k in offers_json if not k.startswith("_")) == sorted(ids)


# ---------------------------------------------------------------------------------------------- the scan

# The demo's offer ids and names (and their spelling variants), and sentences that were true only of the demo.
DEMO_OFFER_WORDS = re.compile(
    r"\bauc\b|\bno\.?\s?17\b|\bnr\.?\s?17\b|\bgrenaa\b|\bauning\b|aktivitets- og udviklingscenter",
    re.IGNORECASE,
)
DEMO_SENTENCES = re.compile(
    r"de to tilbud|begge tilbud|\bto tilbud\b|halve? time|halvtime|tre forårsmåneder|10–13|marts–maj|"
    r"kommissoriets tabel|intet godkendt pladstal",
    re.IGNORECASE,
)
# Words that describe demo data: a notebook cell may use them only where it also asks whether the data are
# synthetic (offers.json `_dataset.synthetic`), so that they never reach a report made from real data.
DEMO_WORDS = re.compile(r"opdigte|demodata|syntetiske data|i demodata", re.IGNORECASE)
SYNTHETIC_CHECK = re.compile(r"SYNTHETIC|\[.synthetic.\]|get\(.synthetic.\)")
# src files whose text may name the demo's offers: the generator of the demo itself (the package synth/).
ALLOWED_SRC = {"synth"}


def _notebook_sources() -> list[tuple[str, str]]:
    out = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for index, cell in enumerate(cells):
            out.append((f"{path.name} cell {index}", "".join(cell["source"])))
    return out


def test_no_demo_offer_in_notebooks():
    hits = [
        f"{where}: {match.group(0)!r}"
        for where, text in _notebook_sources()
        for pattern in (DEMO_OFFER_WORDS, DEMO_SENTENCES)
        for match in pattern.finditer(text)
    ]
    hits += [
        f"{where}: {match.group(0)!r} without a check of _dataset.synthetic"
        for where, text in _notebook_sources()
        if not SYNTHETIC_CHECK.search(text)
        for match in DEMO_WORDS.finditer(text)
    ]
    assert not hits, "notebooks name the demo's offers or state demo facts:\n" + "\n".join(hits)


def test_no_demo_offer_in_src():
    files = sorted((ROOT / "src" / "attendance").rglob("*"))
    hits = []
    for path in files:
        if not path.is_file() or path.suffix not in {".py", ".tpl", ".html", ".css", ".json", ".j2"}:
            continue
        if path.relative_to(ROOT / "src" / "attendance").parts[0] in ALLOWED_SRC:
            continue
        text = path.read_text(encoding="utf-8")
        hits += [
            f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, m.start()) + 1}: {m.group(0)!r}"
            for m in DEMO_OFFER_WORDS.finditer(text)
        ]
    assert not hits, "src names the demo's offers (only attendance.synth may):\n" + "\n".join(hits)


def test_scan_patterns_catch_the_demo():
    for text in ("AUC", "auc", "No. 17", "no17", "Nr 17", "Grenaa", "Auning", 'offers["auc"]'):
        assert DEMO_OFFER_WORDS.search(text), text
    for text in ("begge tilbud", "de to tilbud", "pr. halve time", "No. 17 har intet godkendt pladstal"):
        assert DEMO_SENTENCES.search(text), text
    assert DEMO_WORDS.search("opdigtede (syntetiske demodata)") and DEMO_WORDS.search(
        "i demodata illustrative"
    )
    assert SYNTHETIC_CHECK.search('if dataset.get("synthetic"):') and SYNTHETIC_CHECK.search("if SYNTHETIC:")
    assert not SYNTHETIC_CHECK.search("synthetic data are shown")
    assert not DEMO_OFFER_WORDS.search("Aktivhuset, Nord og Syd; sauce; no 170")
