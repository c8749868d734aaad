"""Global recoding: merge categories before publishing, where suppression would hide what the reader needs.

Step 1 of the policy: a coarser table (usage bands 0 / 1–9 / 10+ instead of 0 / 1–2 / 3–9 / 10+) loses less
than a table of "×"; `choose_recoding` picks the finest grouping in which no count is small.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import pandas as pd

from .policy import default_threshold

USAGE_BAND_RECODINGS: tuple[dict[str, tuple[str, ...]], ...] = (
    {"0": ("0",), "1–2": ("1–2",), "3–9": ("3–9",), "10+": ("10+",)},
    {"0": ("0",), "1–9": ("1–2", "3–9"), "10+": ("10+",)},
    {"0": ("0",), "1+": ("1–2", "3–9", "10+")},
)
"""The usage bands, finest first: "never came" stays a band of its own in every recoding (the decision needs
it), and "came rarely" (1–9) is kept as long as it can be."""


def recode(counts: pd.DataFrame, groups: Mapping[str, Sequence[Hashable]]) -> pd.DataFrame:
    """Merge rows: {new label: [old labels]} -> one row per new label with the summed counts."""
    rows = {}
    for label, members in groups.items():
        missing = [m for m in members if m not in counts.index]
        if missing:
            raise KeyError(f"recode: no row(s) {missing} in the table")
        rows[label] = counts.loc[list(members)].sum()
    return pd.DataFrame(rows).T.astype(counts.dtypes.iloc[0] if len(counts.columns) else object)


def choose_recoding(
    counts: pd.DataFrame,
    recodings: Sequence[Mapping[str, Sequence[Hashable]]],
    threshold: int | None = None,
    *,
    zero_suppressed: bool = False,
) -> tuple[pd.DataFrame, dict[str, tuple[str, ...]]]:
    """The finest recoding in which no count is small (1 ≤ c < t), else the coarsest; with its groups.

    The groups double as row coordinates for `Table`/`publish_shown`: {new label: {dim: old labels}}.
    """
    t = int(threshold if threshold is not None else default_threshold())
    lower = 0 if zero_suppressed else 1
    chosen = None
    for groups in recodings:
        table = recode(counts, groups)
        values = table.to_numpy(dtype=float)
        chosen = (table, {k: tuple(str(v) for v in vs) for k, vs in groups.items()})
        if not ((values >= lower) & (values < t)).any():
            break
    if chosen is None:
        raise ValueError("choose_recoding needs at least one recoding")
    return chosen
