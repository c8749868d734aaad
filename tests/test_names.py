"""Citizen names resolved against the referral list: normalisation, aliases, initials, partial names, ambiguity."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_cleaning import HEADER, REFERRALS, log_rules, run

from attendance.cleaning import names
from attendance.cleaning.names import ReferralIndex, compatible, is_incomplete, name_form

# ------------------------------------------------------------------------------------------ unit


@pytest.mark.parametrize(
    ("typed", "form"),
    [
        ("THYGESEN, Allan", "allan thygesen"),
        ("  allan   t. ", "allan t"),
        ("Karen D.", "karen d"),
        ("Hanne Jensen", "hanne jensen"),
        ("Jensen,Hanne", "hanne jensen"),
        ("Anne-Mette O'Neil", "anne-mette o'neil"),
        (None, ""),
    ],
)
def test_name_form(typed, form):
    assert name_form(typed) == form


name_words = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzæøåABCDEFGHIJKLMNOPQRSTUVWXYZÆØÅ", min_size=2, max_size=9
)


@given(first=name_words, last=name_words, spaces=st.sampled_from([" ", "  ", "\t", " \u00a0"]))
def test_name_form_properties(first, last, spaces):
    """Case, spacing and `Efternavn, Fornavn` never change the form; the form is a fixed point."""
    plain = name_form(f"{first} {last}")
    assert name_form(f"{spaces}{first.upper()}{spaces}{last.lower()}{spaces}") == plain
    assert name_form(f"{last}, {first}") == plain
    assert name_form(f"{last.upper()},{spaces}{first}") == plain
    assert name_form(plain) == plain
    assert plain == plain.strip() and "  " not in plain


@given(st.text(alphabet="abcæøå ,.'-_1ÉE\u00a0", max_size=20))
def test_fast_form_equals_name_form(text):
    from attendance.cleaning.names import _form_of_normalised
    from attendance.cleaning.pseudonym import normalise_identifier

    normalised = normalise_identifier(text)
    assert _form_of_normalised(normalised) == name_form(normalised)


def test_compatible_and_incomplete():
    assert compatible(["jan"], ["jan", "hansen"])
    assert compatible(["allan", "t"], ["allan", "thygesen"])
    assert compatible(["karen", "d"], ["karen", "marie", "dahl"])
    assert compatible(["karen", "m", "d"], ["karen", "marie", "dahl"])
    assert not compatible(["karen", "d"], ["karen", "hansen"])
    assert not compatible(["j"], ["jan", "hansen"])
    assert not compatible(["jan", "hansen", "x"], ["jan", "hansen"])
    assert is_incomplete("jan") and is_incomplete("allan t") and not is_incomplete("allan thygesen")


def index(rows):
    offers = [r[0] for r in rows]
    ident = [name_form(r[1]) for r in rows]
    initials = [r[2] for r in rows]
    return ReferralIndex(sorted(set(offers)), offers, ident, initials)


def test_resolution_order():
    idx = index(
        [
            ("auc", "Allan Thygesen", "AT"),
            ("auc", "Jan Hansen", "JH"),
            ("auc", "Jan Berg", "JB"),
            ("auc", "Karen Dahl", None),
            ("no17", "Ole Sand", None),
        ]
    )
    aliases = {"alan thygesen": "allan thygesen"}
    cases = {
        "allan thygesen": ("allan thygesen", names.EXACT),
        "alan thygesen": ("allan thygesen", names.ALIAS),
        "at": ("allan thygesen", names.INITIALS),
        "thygesen, allan": ("allan thygesen", names.NORMALISED),
        "allan t.": ("allan thygesen", names.PARTIAL),
        "karen d.": ("karen dahl", names.PARTIAL),
        "karen": ("karen dahl", names.PARTIAL),
        "jan": ("", names.AMBIGUOUS),
        "ole sand": ("ole sand", names.OTHER_OFFER),
        "bente hansen": ("bente hansen", names.UNMATCHED),
    }
    offers = ["auc"] * len(cases)
    res = idx.resolve(offers, list(cases), aliases)
    got = {v: (i, m) for v, i, m in zip(cases, res.identity, res.method, strict=True)}
    assert got == cases
    jan = list(cases).index("jan")
    assert res.candidates[jan] == ("jan berg", "jan hansen")
    assert list(res.incomplete) == [m in (names.PARTIAL,) for _, m in cases.values()]


def test_punctuation_only_name_keeps_an_identity(tmp_path):
    result = run(tmp_path, [HEADER, ["02-03-2026", "?", "9", "10", ""], ["03-03-2026", "B.", "9", "10", ""]])
    assert len(result.visits) == 2 and result.visits["citizen_key"].notna().all()


def test_fuzzy_is_only_a_suggestion():
    idx = index([("auc", "Malene Henriksen", "MH")])
    res = idx.resolve(["auc"], ["malene henrikssen"], {})
    assert res.method[0] == names.UNMATCHED and res.identity[0] == "malene henrikssen"
    (best, score), *_ = idx.suggestions("auc", "malene henrikssen")
    assert best == "malene henriksen" and score > 90
    assert idx.suggestions("auc", "zygmunt qvist") == []


# ------------------------------------------------------------------------------------------ in the clean stage


def test_variants_become_the_referred_citizen(tmp_path):
    rows = [
        HEADER,
        ["02-03-2026", "Hanne Jensen", "9", "10", ""],
        ["03-03-2026", "JENSEN, Hanne", "9", "10", ""],
        ["04-03-2026", "hanne j.", "9", "10", ""],
        ["05-03-2026", "Anders", "9", "10", ""],
    ]
    result = run(tmp_path, rows)
    assert result.visits["citizen_key"].nunique() == 2
    assert (
        result.referrals["citizen_key"].isin(result.visits["citizen_key"]).sum() == 3
    )  # Hanne x2 offers, Anders
    rules = log_rules(result)
    assert rules.count("name_normalised") == 1 and rules.count("name_partial") == 2
    flags = set(result.visits["flags"])
    assert {"name_normalised", "name_partial"} <= flags


def test_first_name_of_two_referred_people_is_never_resolved(tmp_path, monkeypatch):
    """Two referred Bos: `Bo` twice on one day is neither resolved to one of them nor merged into one visit."""
    referrals = [*REFERRALS, ["AUC", "Bo Bertelsen", None, None, "2026-02-01", None, None]]
    monkeypatch.setattr("test_cleaning.REFERRALS", referrals)
    rows = [HEADER, ["02-03-2026", "Bo", "9", "12", ""], ["02-03-2026", "Bo", "10", "13", ""]]
    result = run(tmp_path, rows)
    assert len(result.visits) == 0
    assert list(result.quarantine["reason"]) == ["ambiguous_name", "ambiguous_name"]
    assert "overlapping_visits" not in log_rules(result)


def test_incomplete_names_on_one_day_are_never_merged(tmp_path):
    """One referred Anders: `Anders` resolves to him, but with a second registration that day it could be a
    second person — quarantined, not merged into his visit."""
    rows = [
        HEADER,
        ["02-03-2026", "Anders Holm", "9", "12", ""],
        ["02-03-2026", "Anders", "10", "13", ""],
        ["03-03-2026", "Anders", "10", "13", ""],
    ]
    result = run(tmp_path, rows)
    assert len(result.visits) == 2
    assert list(result.quarantine["reason"]) == ["ambiguous_name"]
    assert "overlapping_visits" not in log_rules(result)


def test_unmatched_names_are_kept_and_listed(tmp_path):
    rows = [
        HEADER,
        ["02-03-2026", "Zygmunt Qvist", "9", "12", ""],
        ["02-03-2026", "Hane Jensen", "9", "12", ""],
    ]
    result = run(tmp_path, rows)
    assert len(result.visits) == 2
    assert result.review_counts["similar_unmatched_names"] == 1
    assert result.review_counts["other_unmatched_names"] == 1


def test_resolution_works_on_distinct_names_not_rows(tmp_path, monkeypatch):
    calls = []
    original = ReferralIndex.resolve_one

    def counting(self, offer, value, aliases):
        calls.append(value)
        return original(self, offer, value, aliases)

    monkeypatch.setattr(ReferralIndex, "resolve_one", counting)
    rows = [HEADER] + [
        [f"{d:02d}-03-2026", n, "9", "10", ""] for d in range(2, 28) for n in ("Bo Berg", "hj")
    ]
    result = run(tmp_path, rows)
    assert len(result.visits) == len(rows) - 1
    assert sorted(calls) == ["bo berg", "hj"]


def test_unreferred_first_names_on_one_day_are_not_merged(tmp_path):
    """`Jan` with no referred Jan at all: two registrations that day could be two visitors — not merged."""
    rows = [HEADER, ["02-03-2026", "Jan", "9", "12", ""], ["02-03-2026", "Jan", "10", "13", ""]]
    result = run(tmp_path, rows)
    assert len(result.visits) == 0
    assert list(result.quarantine["reason"]) == ["ambiguous_name", "ambiguous_name"]
    one = run(tmp_path / "one", [HEADER, ["02-03-2026", "Jan", "9", "12", ""]])
    assert len(one.visits) == 1 and one.review_counts["other_unmatched_names"] == 1
