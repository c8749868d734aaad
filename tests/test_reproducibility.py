"""Same inputs, same outputs; a new secret key changes every pseudonym and nothing else."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from attendance.cleaning.clean import clean_dataset

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "raw" / "demo"
KEY_A = "a-first-secret-key-for-testing-0001"
KEY_B = "another-secret-key-for-testing-0002"


def _clean(tmp: Path, monkeypatch, key: str | None) -> tuple[Path, object]:
    if key is None:
        monkeypatch.delenv("ATTENDANCE_PSEUDONYM_KEY", raising=False)
    else:
        monkeypatch.setenv("ATTENDANCE_PSEUDONYM_KEY", key)
    out = tmp / "processed"
    result = clean_dataset(DEMO, out, tmp / "quarantine", {})
    return out, result


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()
    }


@pytest.fixture(scope="module")
def two_keys(tmp_path_factory):
    monkeypatch = pytest.MonkeyPatch()
    try:
        out_a, a = _clean(tmp_path_factory.mktemp("a"), monkeypatch, KEY_A)
        out_b, b = _clean(tmp_path_factory.mktemp("b"), monkeypatch, KEY_B)
        out_a2, _ = _clean(tmp_path_factory.mktemp("a2"), monkeypatch, KEY_A)
    finally:
        monkeypatch.undo()
    return out_a, a, out_b, b, out_a2


def test_same_key_gives_byte_identical_outputs(two_keys):
    out_a, _, _, _, out_a2 = two_keys
    assert _digests(out_a) == _digests(out_a2)


def test_a_new_key_changes_every_pseudonym(two_keys):
    _, a, _, b, _ = two_keys
    keys_a, keys_b = set(a.visits["citizen_key"]), set(b.visits["citizen_key"])
    assert len(keys_a) == len(keys_b) > 50
    assert keys_a.isdisjoint(keys_b)
    assert set(a.referrals["citizen_key"]).isdisjoint(set(b.referrals["citizen_key"]))


def test_a_new_key_changes_nothing_else(two_keys):
    _, a, _, b, _ = two_keys
    place = ["offer_id", "date", "start", "end", "source_file", "source_sheet", "source_row"]
    va = a.visits.sort_values(place, kind="stable").reset_index(drop=True)
    vb = b.visits.sort_values(place, kind="stable").reset_index(drop=True)
    others = [c for c in va.columns if c not in ("citizen_key", "visit_id")]
    pd.testing.assert_frame_equal(va[others], vb[others])
    # The pseudonyms map one-to-one: the same citizens, only renamed.
    pairs = pd.DataFrame({"a": va["citizen_key"], "b": vb["citizen_key"]}).drop_duplicates()
    assert pairs["a"].is_unique and pairs["b"].is_unique
    pd.testing.assert_frame_equal(a.quality_log, b.quality_log)
    pd.testing.assert_frame_equal(a.accounting, b.accounting)
    assert {k: v for k, v in a.offers.items() if k != "_dataset"} == {
        k: v for k, v in b.offers.items() if k != "_dataset"
    }


def test_demo_key_is_used_only_without_a_secret(two_keys, tmp_path, monkeypatch):
    _, a, _, _, _ = two_keys
    monkeypatch.setenv("ATTENDANCE_PROJECT_ROOT", str(tmp_path))  # no .secrets/ there
    (tmp_path / "params.yaml").write_text("{}", encoding="utf-8")
    (tmp_path / "dvc.yaml").write_text("stages: {}", encoding="utf-8")
    _, demo = _clean(tmp_path, monkeypatch, None)
    assert set(demo.visits["citizen_key"]).isdisjoint(set(a.visits["citizen_key"]))
