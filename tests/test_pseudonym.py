"""Keyed pseudonyms: normalisation, HMAC, and where the key may come from."""

from __future__ import annotations

import hashlib
import hmac
import re

import pandas as pd
import pytest
from reference import citizen_keys

from attendance.cleaning.pseudonym import (
    KEY_ENV,
    Pseudonymiser,
    citizen_key,
    load_key,
    normalise_identifier,
)
from attendance.errors import InputError

KEY = b"0123456789abcdef-test"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.setattr("attendance.cleaning.pseudonym._project_secret", lambda: None)


def test_normalisation():
    assert normalise_identifier("  hanne  JENSEN ") == "hanne jensen"
    assert normalise_identifier("Søren\tØstergård") == "søren østergård"
    # NFD (decomposed å) and NFC give the same identifier
    assert normalise_identifier("Aase Ga\u030ard") == normalise_identifier("Aase Gård")
    assert normalise_identifier(None) == ""


def test_key_is_hmac_sha256_of_normalised_identifier():
    expected = hmac.new(KEY, b"hanne jensen", hashlib.sha256).hexdigest()[:16]
    assert citizen_key("  Hanne  Jensen", KEY) == expected
    assert citizen_key("Hanne Jensen", KEY) != citizen_key("Hanne Jensen", KEY + b"x")
    assert citizen_key("Hanne Jensen", KEY) != citizen_key("Hanne Jense", KEY)
    assert re.fullmatch(r"[0-9a-f]{16}", citizen_key("Hanne Jensen", KEY))


def test_cached_and_column_versions_agree():
    pseudonym = Pseudonymiser(KEY)
    assert pseudonym("HANNE jensen") == citizen_key("hanne jensen", KEY)
    column = citizen_keys(pd.Series(["Hanne Jensen", None, "hanne  jensen", "Bo"]), KEY)
    assert column[0] == column[2] == citizen_key("Hanne Jensen", KEY)
    assert pd.isna(column[1])
    assert column[3] == citizen_key("bo", KEY)


def _dataset(tmp_path, synthetic: bool, with_key: bool = True):
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "dataset.yaml").write_text(
        f"name: x\nsynthetic: {str(synthetic).lower()}\n", encoding="utf-8"
    )
    if with_key:
        (tmp_path / "demo_pseudonym.key").write_text("demo-key-0123456789\n", encoding="utf-8")
    return tmp_path


def test_demo_key_only_for_synthetic_data(tmp_path):
    assert load_key(_dataset(tmp_path / "a", synthetic=True)) == b"demo-key-0123456789"
    with pytest.raises(InputError, match=KEY_ENV):
        load_key(_dataset(tmp_path / "b", synthetic=False))


def test_env_key_wins_and_is_checked(tmp_path, monkeypatch):
    raw = _dataset(tmp_path, synthetic=True)
    monkeypatch.setenv(KEY_ENV, "an-environment-secret-key")
    assert load_key(raw) == b"an-environment-secret-key"
    monkeypatch.setenv(KEY_ENV, "short")
    with pytest.raises(InputError, match="shorter"):
        load_key(raw)


def test_project_secret_file(tmp_path, monkeypatch):
    secret = tmp_path / "pseudonym.key"
    secret.write_text("a-secret-from-the-project-folder\n", encoding="utf-8")
    monkeypatch.setattr("attendance.cleaning.pseudonym._project_secret", lambda: secret)
    raw = _dataset(tmp_path / "raw", synthetic=False)
    assert load_key(raw) == b"a-secret-from-the-project-folder"


def test_missing_key_message_says_how_to_set_one(tmp_path):
    with pytest.raises(InputError) as info:
        load_key(_dataset(tmp_path, synthetic=True, with_key=False))
    assert ".secrets/pseudonym.key" in info.value.one_line()
