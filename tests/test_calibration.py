"""End to end: cleaning the committed demo gives the kommissorium's table exactly, and recovers the truth.

The demo is data/raw/demo.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from attendance import synth
from attendance.cleaning import clean as cleaning
from attendance.cleaning.pseudonym import citizen_key, load_key, normalise_identifier
from attendance.demand.kpis import headline_kpis
from attendance.settings.config import load_params

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "raw" / "demo"
EXPECTED = {
    "auc": {"referred": 61, "unique_per_day_mean": 18.5, "unique_per_day_min": 11, "unique_per_day_max": 29,
            "peak_concurrent_max": 24, "peak_concurrent_min": 5},
    "no17": {"referred": 18, "unique_per_day_mean": 8.2, "unique_per_day_min": 7, "unique_per_day_max": 11,
             "peak_concurrent_max": 11, "peak_concurrent_min": 5},
}  # fmt: skip
VISIT_COLUMNS = ["offer_id", "date", "citizen_key", "start", "end", "granularity", "on_closed_day", "is_trip"]


def _clean(tmp_path: Path, **overrides) -> tuple[pd.DataFrame, pd.DataFrame, dict, Path]:
    params = dict(load_params(ROOT / "params.yaml")["clean"], **overrides)
    out = tmp_path / "processed"
    cleaning.clean_dataset(DEMO, out, quarantine_dir=tmp_path / "quarantine", params=params)
    visits = pd.read_parquet(out / "visits.parquet")
    referrals = pd.read_parquet(out / "referrals.parquet")
    offers = json.loads((out / "offers.json").read_text(encoding="utf-8"))
    return visits, referrals, offers, out


@pytest.fixture(scope="module")
def cleaned(tmp_path_factory):
    return _clean(tmp_path_factory.mktemp("clean"))


def test_cleaned_demo_reproduces_the_kommissorium(cleaned):
    visits, referrals, offers, _ = cleaned
    kpis = headline_kpis(visits, referrals, offers)
    for offer_id, expected in EXPECTED.items():
        got = {key: kpis[offer_id][key] for key in expected}
        assert got["unique_per_day_mean"] == pytest.approx(expected["unique_per_day_mean"], abs=1e-12)
        assert got == {**expected, "unique_per_day_mean": got["unique_per_day_mean"]}, offer_id


def test_cleaning_recovers_the_truth_visit_for_visit(cleaned):
    visits, _, _, _ = cleaned
    truth, _, _ = synth.generate_truth(2026)
    key = load_key(DEMO)
    truth["citizen_key"] = [citizen_key(normalise_identifier(name), key) for name in truth["citizen"]]
    as_rows = lambda frame: sorted(frame[VISIT_COLUMNS].astype(str).itertuples(index=False, name=None))  # noqa: E731
    assert as_rows(visits) == as_rows(truth)


def test_every_injected_defect_is_met_by_its_rule(cleaned):
    _, _, _, out = cleaned
    log = pd.read_csv(out / "quality_log.csv")
    rules = set(log["rule"])
    assert {
        "blank_row", "header_row", "title_row", "total_row", "staff_or_volunteer", "cpr_in_citizen",
        "time_out_before_time_in", "missing_time_out", "outside_opening_hours", "closed_day", "exact_duplicate",
        "overlapping_visits", "day_only", "name_variant", "initials_resolved", "offer_alias",
    } <= rules  # fmt: skip
    text = (out / "quality_log.csv").read_text(encoding="utf-8").casefold()
    truth, _, _ = synth.generate_truth(2026)
    assert not any(name.casefold() in text for name in truth["citizen"].unique())
    assert synth.FAKE_CPR not in text


@pytest.mark.parametrize("imputation", ["closing_time", "quarantine"])
def test_missing_time_out_imputation_does_not_move_the_figures(tmp_path, imputation):
    visits, referrals, offers, _ = _clean(tmp_path, missing_time_out=imputation)
    kpis = headline_kpis(visits, referrals, offers)
    for offer_id, expected in EXPECTED.items():
        assert {key: kpis[offer_id][key] for key in expected} == pytest.approx(expected), offer_id
