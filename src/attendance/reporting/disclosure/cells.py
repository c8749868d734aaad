"""Published cells and count tables: what the reader sees of a count, and the coordinates that link it.

A `Cell` is one published count with its place in the population's cross-classification; a `Table` is a count
table with its true counts and the coordinates of its rows and columns, as `suppress` and `publish_frame` take
it. The suppression, the audit and the records all speak in these two types.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .policy import HIDDEN, ROUNDED, Coords, _merge_coords, coords_of, rounded_interval


@dataclass(frozen=True)
class Cell:
    """One published count: where it is (stage, table, row, column), what it counts (coords within the
    population) and what the reader sees (`value`, or None with a `marker`)."""

    stage: str
    table: str
    row: str
    column: str
    coords: Coords
    value: int | None
    marker: str | None = None
    public: bool = False
    threshold: int = 5
    zero_suppressed: bool = False
    rounding: int = 0  # base of the rounding of counts >= threshold in this table (0: exact)

    @property
    def suppressed(self) -> bool:
        return self.value is None and not self.rounded

    @property
    def rounded(self) -> bool:
        return self.value is None and (self.marker or "").startswith(ROUNDED)

    def prior(self) -> tuple[float, float]:
        """What the marker alone tells the reader."""
        if self.value is not None:
            return float(self.value), float(self.value)
        if self.rounded:
            return rounded_interval(int(self.marker[len(ROUNDED) :]), self.rounding, self.threshold)
        if self.marker == HIDDEN:
            return float(self.threshold), math.inf
        return (0.0 if self.zero_suppressed else 1.0), float(self.threshold - 1)

    def where(self) -> str:
        return f"tabel {self.table} ({self.stage}), celle ({self.column}, {self.row})"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "row": self.row,
            "column": self.column,
            "coords": {dim: list(values) for dim, values in self.coords},
            "value": self.value,
        }
        if self.marker is not None:
            out["marker"] = self.marker
        if self.public:
            out["public"] = True
        return out


@dataclass
class Table:
    """A count table with its true counts, for `suppress`: rows × columns of counts of one population.

    `rows`/`columns` give each label's coordinates ({dim: value or [values]}, {} for a total) or a dimension
    name (then label L means {dim: L}, and `total_row`/`total_column` mean {}). `fixed` is added to every cell
    (e.g. {"referred": "ja"}). Cells in `public_rows`/`public_columns` are public margins: shown, never hidden.
    `domains` declares every value of a dimension when the table uses only some of them (a flag published only
    as {"target": "ja"} needs {"target": ["ja", "nej"]}); otherwise the values seen are taken as all there are.
    `display` is the table as the report shows it (same index; the count columns plus shares, means …): given,
    `suppress` returns it with the counts replaced and each `derived` column ({count column: [columns]})
    hidden ("×") wherever its count is, like `report.suppress_small(derived=...)`.
    `rounding` (e.g. 5) publishes the non-public counts >= threshold rounded to that base ("≈10"): for
    tables of nested thresholds ("at least 1,5 days", "at least 2,0 days"), whose neighbouring cells differ
    by a handful of citizens, rounding keeps the planning range readable where suppression would hide most
    of it, and the difference of two rounded counts never pins a small group (the audit checks it).
    """

    id: str
    counts: pd.DataFrame
    rows: Mapping[Hashable, Mapping[str, Any]] | str
    columns: Mapping[Hashable, Mapping[str, Any]] | str
    fixed: Mapping[str, Any] = field(default_factory=dict)
    total_row: Hashable | None = None
    total_column: Hashable | None = None
    public_rows: Sequence[Hashable] = ()
    public_columns: Sequence[Hashable] = ()
    population: str = "citizens"
    stage: str = ""
    domains: Mapping[str, Sequence[str]] = field(default_factory=dict)
    display: pd.DataFrame | None = None
    derived: Mapping[Hashable, Hashable | Sequence[Hashable]] = field(default_factory=dict)
    rounding: int = 0

    def coords(self, row: Hashable, column: Hashable) -> Coords:
        return _merge_coords(
            coords_of(self.fixed),
            _label_coords(self.rows, row, self.total_row),
            _label_coords(self.columns, column, self.total_column),
        )

    def is_public(self, row: Hashable, column: Hashable) -> bool:
        return row in set(self.public_rows) or column in set(self.public_columns)


def _label_coords(spec: Mapping | str, label: Hashable, total: Hashable | None) -> Coords:
    if isinstance(spec, str):
        return () if label == total else coords_of({spec: str(label)})
    if label not in spec:
        raise KeyError(f"no coordinates for {label!r}: give every row and column label its coordinates")
    return coords_of(spec[label])


def _union_domains(parts: Iterable[Mapping[str, Iterable[str]]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for part in parts:
        for dim, values in part.items():
            out.setdefault(str(dim), set()).update(str(v) for v in values)
    return out
