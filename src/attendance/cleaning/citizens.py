"""Who each record is about: names resolved against the referral list (`names`), keyed pseudonyms made
(`pseudonym`), and the names the analyst must confirm collected for review.xlsx — per distinct name, never
per row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from attendance.ingest.readers import (
    Offer,
)

from . import names
from .names import ReferralIndex
from .pseudonym import Pseudonymiser, normalise_identifier
from .records import (
    NAT,
    QUARANTINED,
    State,
)
from .review import (
    name_table,
)


def resolve_citizens(
    state: State,
    offer_idx: np.ndarray,
    offers: dict[str, Offer],
    referrals: pd.DataFrame,
    ref_ident: np.ndarray,
    aliases: dict[str, str],
    pseudonym: Pseudonymiser,
    dates: np.ndarray | None = None,
) -> pd.Categorical:
    """Resolve each citizen name against the referral list (`names.py`), then key identities (HMAC).

    Works on the distinct (offer, citizen value) pairs, never on rows: even ten million rows have few distinct
    names. Leaves `state.names` (per pair: method, candidates; per row: the pair) for the review and
    `state.incomplete` (rows whose name names a person only partly) for the merge rules.
    """
    pos = state.citizen_pos
    n_cat = len(state.citizen_norm)
    offer_ids = list(offers)
    pair = np.clip(offer_idx, 0, None).astype(np.int64)
    pair *= n_cat
    pair += pos
    active = state.active
    present = np.flatnonzero(np.bincount(pair[active], minlength=len(offer_ids) * n_cat))
    pair_offer = [offer_ids[p // n_cat] for p in present]
    pair_value = [state.citizen_norm[p % n_cat] for p in present]
    index = ReferralIndex(
        offer_ids, referrals["offer_id"].to_numpy(dtype=object), ref_ident, referrals["initials"]
    )
    res = index.resolve(pair_offer, pair_value, aliases)

    # pair code → position in `present` (dense table: offers × distinct names is small)
    slot = np.full(len(offer_ids) * n_cat, -1, dtype=np.int32)
    slot[present] = np.arange(len(present), dtype=np.int32)
    row_slot = slot[pair]  # int32: 10 M rows cost 40 MB, not 80
    del pair, slot
    known = row_slot >= 0

    def per_row(table: np.ndarray) -> np.ndarray:
        out = np.zeros(len(row_slot), dtype=bool)
        out[known] = table[row_slot[known]]
        return out

    method = res.method
    variant = np.array([aliases.get(v, v) != v for v in pair_value], dtype=bool)
    state.flag(
        active & per_row(variant),
        "name_variant",
        "normalised",
        "citizen",
        "spelling variant from citizen_aliases.csv",
    )
    state.drop(
        per_row(method == names.AMBIGUOUS_INITIALS),
        QUARANTINED,
        "ambiguous_initials",
        "citizen",
        "initials match several referred citizens",
    )
    ambiguous = per_row(method == names.AMBIGUOUS)
    if ambiguous.any():  # the detail (how many people it could be) only where needed: it is an object array
        texts = np.array(
            [f"could be {len(c)} referred citizens (see review.xlsx)" for c in res.candidates] + [""]
        )
        detail = np.full(len(ambiguous), "", dtype=object)
        detail[ambiguous] = texts[row_slot[ambiguous]]
        state.drop(ambiguous, QUARANTINED, "ambiguous_name", "citizen", detail)
    del ambiguous
    state.flag(
        state.active & per_row(method == names.INITIALS),
        "initials_resolved",
        "normalised",
        "citizen",
        "initials matched in the referral list",
    )
    state.flag(
        state.active & per_row(method == names.NORMALISED),
        "name_normalised",
        "normalised",
        "citizen",
        "name matched the referral list after case, punctuation and name order",
    )
    state.flag(
        state.active & per_row(method == names.PARTIAL),
        "name_partial",
        "normalised",
        "citizen",
        "first name or initials fit one referred citizen (check in review.xlsx)",
    )
    state.incomplete = state.active & per_row(res.incomplete)

    key_of: dict[str, int] = {}
    pair_key = np.array(
        [key_of.setdefault(pseudonym.of_normalised(v), len(key_of)) if v else -1 for v in res.identity]
        + [-1],
        dtype=np.int64,
    )
    key_code = pair_key[np.where(known, row_slot, len(present))]
    name_rows = _name_review(state, active, row_slot, known, dates, pair_offer, present % n_cat, res)
    # the review's name table is made now, while the referral index is alive (its suggestions need it), so the
    # index (hundreds of MB for a large referral list) is freed before the rest of the stage
    display: dict[str, str] = {}
    for identity, name in zip(ref_ident, referrals["name"].to_numpy(dtype=object), strict=True):
        display.setdefault(identity, " ".join(str(name).split()))
    state.names = name_table(name_rows, index, display)
    return pd.Categorical.from_codes(key_code, categories=list(key_of), validate=False)


def _name_review(
    state: State,
    was_active: np.ndarray,
    row_slot: np.ndarray,
    known: np.ndarray,
    dates: np.ndarray | None,
    pair_offer: list[str],
    pair_category: np.ndarray,
    res: names.Resolution,
) -> pd.DataFrame:
    """Names for the analyst's review (unmatched, ambiguous, partly matched): one row per offer and name as
    typed, with rows, first and last date. Holds raw names: it goes to data/quarantine/review.xlsx only."""
    kinds = {
        names.UNMATCHED: "unmatched",
        names.AMBIGUOUS: "ambiguous",
        names.AMBIGUOUS_INITIALS: "ambiguous",
        names.PARTIAL: "partial",
    }
    wanted = np.array([m in kinds for m in res.method] + [False], dtype=bool)
    rows = np.flatnonzero(was_active & known & wanted[np.where(known, row_slot, len(res.method))])
    columns = [
        "offer_id",
        "name",
        "normalised",
        "kind",
        "method",
        "candidates",
        "rows",
        "first_date",
        "last_date",
    ]
    if not len(rows):
        return pd.DataFrame(columns=columns)
    day = dates[rows] if dates is not None else np.full(len(rows), NAT, dtype=np.int64)
    grouped = (
        pd.DataFrame({"slot": row_slot[rows], "date": day.view("datetime64[ns]")})
        .groupby("slot", sort=True)["date"]
        .agg(["size", "min", "max"])
    )
    slots = grouped.index.to_numpy()
    categories = state.df["citizen"].cat.categories
    return pd.DataFrame(
        {
            "offer_id": [pair_offer[s] for s in slots],
            "name": [str(categories[pair_category[s]]) for s in slots],
            "normalised": [state.citizen_norm[pair_category[s]] for s in slots],
            "kind": [kinds[res.method[s]] for s in slots],
            "method": [res.method[s] for s in slots],
            "candidates": [res.candidates[s] for s in slots],
            "rows": grouped["size"].to_numpy().astype(np.int64),
            "first_date": grouped["min"].to_numpy(),
            "last_date": grouped["max"].to_numpy(),
        }
    )[columns]


def referral_identities(referrals: pd.DataFrame, aliases: dict[str, str]) -> np.ndarray:
    """Normalised identity of each referral's citizen (citizen_aliases.csv applied)."""
    codes, names = pd.factorize(referrals["name"].to_numpy(dtype=object))
    norm = [normalise_identifier(n) for n in names]
    return np.array([aliases.get(n, n) for n in norm] + [""], dtype=object)[codes]
