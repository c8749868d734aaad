"""Citizen identity: the names staff type, resolved against the referral list (visitationslisten).

Each distinct (offer, name) pair is resolved once — a month of registrations, or ten million rows, has few
distinct names — so nothing here loops over rows. The order is fixed and documented (docs/raw_format.md):

1. **exact**: the normalised name (case, spaces) is a name referred to the offer;
2. **alias**: `citizen_aliases.csv` maps it (rule `name_variant`), then 1 again;
3. **initials**: it equals the `Initialer` of one referred citizen of the offer (`initials_resolved`), of
   several (`ambiguous_initials`, quarantined);
4. **normalised**: after punctuation is dropped and `Efternavn, Fornavn` turned round, it equals exactly one
   referred name of the offer (`name_normalised`); several → `ambiguous_name`;
5. **partial** (initial-compatible): a first name alone (`Jan`) or with initials (`allan t.`, `Karen D.`) that
   fits exactly one referred citizen of the offer (`name_partial`, shown for review); several → `ambiguous_name`,
   quarantined: a name that could be two referred people is never resolved to one;
6. **other offer**: 1 or 4 against the referral lists of the other offers (a known citizen visiting);
7. **unmatched**: kept as an unreferred visitor under its normalised form, listed for review with fuzzy
   suggestions (rapidfuzz). A fuzzy match is only ever a suggestion, never a merge.

A name that identifies a person only partly (a first name, initials) is *incomplete*: two such registrations of
one citizen on one day could be two people, so cleaning never merges them (see `cleaning.py`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .pseudonym import normalise_identifier

EXACT = "exact"
ALIAS = "alias"
INITIALS = "initials"
NORMALISED = "normalised"
PARTIAL = "partial"
OTHER_OFFER = "other_offer"
UNMATCHED = "unmatched"
AMBIGUOUS = "ambiguous"
AMBIGUOUS_INITIALS = "ambiguous_initials"
MISSING = "missing"

SUGGESTION_CUTOFF = 80.0  # rapidfuzz token_sort_ratio (0-100): below this no suggestion is shown
SUGGESTION_LIMIT = 3

_NOT_NAME = re.compile(r"[^\w\s'-]|_")


def name_form(value: object) -> str:
    """The comparable form of a name: case, spaces and punctuation dropped, `Efternavn, Fornavn` turned round.

    `THYGESEN, Allan` → `allan thygesen`; `allan t.` → `allan t`; `  Karen  D. ` → `karen d`.
    """
    text = normalise_identifier(value)
    if text.count(",") == 1:
        last, first = (part.strip() for part in text.split(","))
        if last and first:
            text = f"{first} {last}"
    return " ".join(_NOT_NAME.sub(" ", text).split())


# name_form leaves such text as it is: words of letters, digits, ' and - (no _) between single spaces. One
# character class per word (with `_` excluded by `in`) matches 5x faster than a per-character alternation, which
# cost 2 s over the 450,000 names of a large referral list
_PLAIN = re.compile(r"[\w'-]+(?: [\w'-]+)*$")


def _form_of_normalised(text: str) -> str:
    """name_form of a text that is already normalise_identifier'd (fast path: plain words stay as they are)."""
    return text if "_" not in text and _PLAIN.match(text) else name_form(text)


def is_initial(token: str) -> bool:
    return len(token) == 1 and token.isalpha()


def is_incomplete(form: str) -> bool:
    """A first name alone or a name with initials (`jan`, `allan t`): it names a person only partly."""
    tokens = form.split()
    return bool(tokens) and (len(tokens) == 1 or any(is_initial(t) for t in tokens))


def _token_fits(typed: str, full: str) -> bool:
    return typed == full if len(typed) > 1 else full.startswith(typed)


def compatible(typed: Sequence[str], referred: Sequence[str]) -> bool:
    """Could the typed name tokens be a shortened form of the referred name's tokens?

    The first name must be written out and equal; a last typed token must fit the referred last name (in full
    or as its initial); tokens in between fit middle names in order. `jan` fits `jan hansen`; `allan t` fits
    `allan thygesen`; `karen d` does not fit `karen hansen`.
    """
    if not typed or not referred or len(typed) > len(referred) or is_initial(typed[0]):
        return False
    if typed[0] != referred[0]:
        return False
    if len(typed) == 1:
        return True
    if len(referred) < 2 or not _token_fits(typed[-1], referred[-1]):
        return False
    j = 1
    for token in typed[1:-1]:
        while j < len(referred) - 1 and not _token_fits(token, referred[j]):
            j += 1
        if j >= len(referred) - 1:
            return False
        j += 1
    return True


def block_keys(tokens: Sequence[str]) -> set[str]:
    """Blocking keys for suggestions: first name + last name's initial, last name + first name's initial.

    `hane jensen` and `hanne jensen` share `jensen|h`; `malene henrikssen` and `malene henriksen` share
    `malene|h`. A name misspelt in both its first and last name, or in a first letter, gets no suggestion.
    """
    words = [t for t in tokens if t]
    if len(words) < 2:
        return {f"{words[0]}|"} if words and len(words[0]) > 1 else set()
    first, last = words[0], words[-1]
    return {f"{first}|{last[0]}", f"{last}|{first[0]}"}


class OfferNames:
    """The referral list of one offer, indexed for resolution (the indexes for partial names and suggestions
    are built on first use: most runs need neither)."""

    def __init__(self) -> None:
        self.identities: set[str] = set()
        self.by_form: dict[str, set[str]] = {}
        self.by_initials: dict[str, set[str]] = {}
        self.form: dict[str, str] = {}  # identity -> its form
        self._by_first: dict[str, set[str]] | None = None
        self._by_block: dict[str, set[str]] | None = None

    def add(self, identity: str, form: str, initials: str = "") -> None:
        self.identities.add(identity)
        self.form[identity] = form
        found = self.by_form.get(form)  # not setdefault(form, set()): no empty set made per call
        if found is None:
            self.by_form[form] = {identity}
        else:
            found.add(identity)
        if initials:
            self.by_initials.setdefault(initials, set()).add(identity)
        self._by_first = self._by_block = None

    @property
    def by_first(self) -> dict[str, set[str]]:
        """first name -> identities"""
        if self._by_first is None:
            self._by_first = {}
            for identity, form in self.form.items():
                if form:
                    self._by_first.setdefault(form.split(" ", 1)[0], set()).add(identity)
        return self._by_first

    @property
    def by_block(self) -> dict[str, set[str]]:
        """block key (see block_keys) -> identities"""
        if self._by_block is None:
            self._by_block = {}
            for identity, form in self.form.items():
                for key in block_keys(form.split()):
                    self._by_block.setdefault(key, set()).add(identity)
        return self._by_block

    def tokens(self, identity: str) -> list[str]:
        return self.form[identity].split()


@dataclass
class Resolution:
    """Per distinct (offer, name) pair: the identity to key, how it was found, and candidates if ambiguous."""

    identity: np.ndarray  # object: normalised identity ("" = missing or ambiguous)
    method: np.ndarray  # object: one of the constants above
    candidates: list[tuple[str, ...]]  # referred identities the name could be (ambiguous) or was resolved to
    incomplete: np.ndarray  # bool: the name as typed names a person only partly


class ReferralIndex:
    """The referral list, per offer, as the resolver needs it."""

    def __init__(
        self, offer_ids: Iterable[str], ref_offer: Sequence, ref_ident: Sequence, ref_initials: Sequence
    ):
        self.offers = {o: OfferNames() for o in offer_ids}
        self.all = OfferNames()
        forms: dict[str, str] = {}
        for offer, identity, initials in zip(ref_offer, ref_ident, ref_initials, strict=True):
            if not identity:
                continue
            form = forms.get(identity)
            if form is None:
                form = forms[identity] = _form_of_normalised(identity)
                self.all.add(identity, form)
            initials = normalise_identifier(initials) if isinstance(initials, str) else ""
            names = self.offers.get(offer)
            if names is None:
                names = self.offers[offer] = OfferNames()
            names.add(identity, form, initials)

    def resolve_one(
        self, offer: str, value: str, aliases: dict[str, str]
    ) -> tuple[str, str, tuple[str, ...]]:
        """(identity, method, candidates) of one normalised name typed for one offer."""
        if not value:
            return "", MISSING, ()
        names = self.offers.get(offer) or OfferNames()
        if value in names.identities:
            return value, EXACT, (value,)
        ident = aliases.get(value, value)
        aliased = ident != value
        if aliased and ident in names.identities:
            return ident, ALIAS, (ident,)
        if ident in names.by_initials:
            found = names.by_initials[ident]
            if len(found) == 1:
                (only,) = found
                return only, INITIALS, (only,)
            return "", AMBIGUOUS_INITIALS, tuple(sorted(found))
        form = _form_of_normalised(ident)
        found = names.by_form.get(form, set())
        if len(found) == 1:
            (only,) = found
            return only, NORMALISED, (only,)
        if len(found) > 1:
            return "", AMBIGUOUS, tuple(sorted(found))
        if is_incomplete(form):
            typed = form.split()
            fits = {i for i in names.by_first.get(typed[0], ()) if compatible(typed, names.tokens(i))}
            if len(fits) == 1:
                (only,) = fits
                return only, PARTIAL, (only,)
            if len(fits) > 1:
                return "", AMBIGUOUS, tuple(sorted(fits))
        if ident in self.all.identities:
            return ident, ALIAS if aliased else OTHER_OFFER, (ident,)
        found = self.all.by_form.get(form, set())
        if len(found) == 1:
            (only,) = found
            return only, OTHER_OFFER, (only,)
        return (ident if aliased else form or ident), (ALIAS if aliased else UNMATCHED), ()

    def resolve(self, offers: Sequence[str], values: Sequence[str], aliases: dict[str, str]) -> Resolution:
        """Resolve distinct (offer, normalised name) pairs (never rows)."""
        identity = np.empty(len(values), dtype=object)
        method = np.empty(len(values), dtype=object)
        candidates: list[tuple[str, ...]] = []
        incomplete = np.zeros(len(values), dtype=bool)
        for i, (offer, value) in enumerate(zip(offers, values, strict=True)):
            identity[i], method[i], found = self.resolve_one(offer, value, aliases)
            candidates.append(found)
            incomplete[i] = method[i] in (PARTIAL, UNMATCHED) and is_incomplete(_form_of_normalised(value))
        return Resolution(identity, method, candidates, incomplete)

    def suggestions(
        self, offer: str, value: str, limit: int = SUGGESTION_LIMIT, cutoff: float = SUGGESTION_CUTOFF
    ) -> list[tuple[str, float]]:
        """Referred identities of the offer that look like `value` (rapidfuzz), best first — suggestions only.

        Blocking as in OpenRefine's reconciliation: only referred names in the same block (see `block_keys`: the
        first name spelled right and the last name's first letter, or the other way round) are scored, so a
        referral list of 450,000 names costs milliseconds per name.
        """
        from rapidfuzz import fuzz, process

        names = self.offers.get(offer) or OfferNames()
        query = name_form(value)
        block: set[str] = set()
        for key in block_keys(query.split()):
            block |= names.by_block.get(key, set())
        if not block or not query:
            return []
        choices = sorted(block)
        found = process.extract(
            query,
            [names.form[c] for c in choices],
            scorer=fuzz.token_sort_ratio,
            limit=limit,
            score_cutoff=cutoff,
        )
        return [(choices[index], round(float(score), 1)) for _, score, index in found]
