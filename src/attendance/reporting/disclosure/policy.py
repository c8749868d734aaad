"""The rules every report applies to a count of citizens, kept apart so that all other modules share them.

The threshold t (`report.suppress_below`), the markers a reader sees ("<t" for a small count, "×" for a hidden
partner, "≈r" for a rounded one), how a number in running text is shown (`count_text`), and the shared
coordinates that link tables about the same citizens (docs/disclosure.md, "Coordinates").
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from attendance.settings.config import load_params

from ..formats import fmt_int

HIDDEN = "×"  # secondary suppression: a count >= threshold hidden so that a "<t" cell cannot be computed
ROUNDED = (
    "≈"  # a count >= threshold rounded to the table's base (nested threshold tables, docs/disclosure.md)
)

Coords = tuple[tuple[str, tuple[str, ...]], ...]

# The shared coordinates of the reports (docs/disclosure.md, "Coordinates"): tables about the same citizens
# must describe their cells in these words, or the audit cannot link them.
POPULATION = "borgere-i-tilbud"  # units: a citizen in an offer in the period (usage_bands: one row each)
OFFER = "offer"  # offer_id
REFERRED = "referred"  # "ja" | "nej": on the offer's referral list in the period
VISITS = "visits"  # usage band: kpis.USAGE_BANDS "0", "1–2", "3–9", "10+"
YES_NO = ("ja", "nej")
CAME = ("1–2", "3–9", "10+")  # "active" / "med fremmøde" = visits in these bands
DOMAINS = {REFERRED: YES_NO, VISITS: ("0", *CAME)}  # declare them on tables that use only some values
STRUCTURAL_ZERO_HINT = "publish a public margin of 0 for combinations that cannot occur"


def small_marker(threshold: int) -> str:
    return f"<{int(threshold)}"


def count_text(count: Any, threshold: int | None = None) -> str:
    """A count of citizens for running text and key figures: "<5" for 1..t−1, else Danish digits (the same
    rule as the tables; a number in the text is a published cell too: record it with `publish`)."""

    t = int(threshold if threshold is not None else default_threshold())
    value = int(count)
    return small_marker(t) if 0 < value < t else fmt_int(value)


def default_threshold() -> int:

    return int(load_params()["report"]["suppress_below"])


def coords_of(spec: Mapping[str, Any] | None) -> Coords:
    """{dim: value or [values]} -> a sorted, hashable form; a list means the union of those values."""
    out = []
    for dim, value in (spec or {}).items():
        values = [value] if isinstance(value, str) or not isinstance(value, Iterable) else list(value)
        out.append((str(dim), tuple(sorted({str(v) for v in values}))))
    return tuple(sorted(out))


def _merge_coords(*specs: Coords) -> Coords:
    merged: dict[str, set[str]] = {}
    for spec in specs:
        for dim, values in spec:
            merged[dim] = merged[dim] & set(values) if dim in merged else set(values)
    return tuple(sorted((dim, tuple(sorted(values))) for dim, values in merged.items()))


def round_count(value: int, base: int) -> int:
    """Round half up to a multiple of `base`."""
    return int(base * math.floor(value / base + 0.5))


def rounded_interval(shown: int, base: int, threshold: int) -> tuple[float, float]:
    """The true counts that round to `shown` (counts below the threshold are never rounded, they are "<t")."""
    if base <= 0:
        raise ValueError("a rounded count needs the table's rounding base")
    return float(max(int(threshold), shown - base // 2)), float(shown + (base + 1) // 2 - 1)


def rounded_marker(value: int, base: int) -> str:
    return f"{ROUNDED}{round_count(value, base)}"
