"""Disclosure control: the one small-cell policy of every report, the published-table registry and the audit.

Attendance at a social-psychiatric offer is special-category personal data (GDPR art. 9). Every table that
counts citizens goes through this module; `report.suppress_small` is a thin wrapper over it.

Policy (`report.suppress_below` = t, default 5)
------------------------------------------------
1. **Global recoding first.** Where suppression would hide what the reader needs (e.g. how many referred
   citizens never came or came rarely), merge categories before publishing: the usage bands 0 / 1–2 / 3–9 /
   10+ become 0 / 1–9 / 10+ or 0 / 1+ (`choose_recoding`; `disclosure_tables.best_recoding` picks the
   grouping whose suppressed table shows the most). This is what Danmarks Statistik and the τ-ARGUS
   manual recommend before cell suppression: a coarser table loses less information than a table of "×".
2. **Primary suppression.** A count c with 1 ≤ c < t (0 ≤ c < t when zeros are sensitive) is shown "<t".
   Zeros are shown by default ("nobody" identifies no one). Counts the kommissorium itself publishes (referred
   per offer, the attendance table) are *public margins*: always shown, never suppressed, and the audit treats
   them as known to every reader.
3. **Secondary suppression** ("×") over *linked* tables: every published count is a sum of cells of one
   population's finest cross-classification (its "atoms"); tables about the same population (same
   `population` key) are linked through them, also across reports. A fast line heuristic (a line with exactly
   one hidden cell, or hidden cells summing to less than t, gets a partner) runs first; then, as sdcTable's
   SIMPLEHEURISTIC does, the attacker's problem is solved exactly and partners are added until no suppressed
   cell is disclosed. A "×" is only ever put on a count ≥ t, so the marker itself tells a reader nothing small.
4. **The audit** (`audit`, `attendance audit-disclosure`) re-does the attacker's work on everything the report
   stages published (`build/published/<stage>.json`): the published cells and margins are linear equations
   over the unknown true atoms (non-negative integers), "<t" says 1 ≤ x ≤ t−1 and "×" says x ≥ t (the rule is
   public, so the reader may use it). For every suppressed cell the feasible interval [lo, hi] is computed by
   integer linear programming (scipy's HiGHS `milp`, exact for these small tables). A cell is **disclosed**
   when it is fixed (lo = hi), or, for a "<t" cell, when the interval is narrower than "<t" itself says
   (lo > 1 or hi < t−1, i.e. width below t−2): the reader would learn more than "fewer than t". A shown
   (non-public) count between 1 and t−1 is a missed primary suppression. It also bounds every group a reader
   can isolate by **differencing** — each class of atoms and each difference of two nested cells ("at least
   1,5 days" minus "at least 2,0 days"): one known to hold 1 … t−1 citizens more precisely than "<t" says is
   disclosed. Any finding stops the pipeline with one line naming the tables, like the leak guard.
5. **Rounding** for nested threshold tables (`Table(rounding=t)`): counts ≥ t shown as "≈r" (nearest multiple
   of t), so that neighbouring cells of a sensitivity grid stay readable as planning ranges without pinning
   the handful of citizens between them.

Why this choice: τ-ARGUS and sdcTable protect *linked* tables by solving the attacker's linear problem (the
"audit"/"protection levels" of Fischetti & Salazar); a line-by-line rule alone misses relations between tables
(the issue's "17 med fremmøde" against "15 aktive"). Danmarks Statistik's discretion rules ask that no
published number lets a reader compute a small group, also by combining tables, and prefer grouping over
blanking. Exact protection intervals in the style of τ-ARGUS's frequency-rule protection levels are kept simple
here: a "<t" cell must keep its whole range 1…t−1; secondary cells carry no protection requirement of their own
(they are not small) except that they must not be fixed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from attendance.errors import InputError
from attendance.settings.config import load_params, project_root

from .formats import fmt_int

HIDDEN = "×"  # secondary suppression: a count >= threshold hidden so that a "<t" cell cannot be computed
PUBLISHED_DIR = Path("build") / "published"
FORMAT_VERSION = 1
MAX_ATOMS = 200_000
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


# --------------------------------------------------------------------------------------------------------
# Cells and tables
# --------------------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------------------
# The attacker's problem: feasible intervals of hidden cells by integer linear programming
# --------------------------------------------------------------------------------------------------------


class Inconsistent(Exception):
    """The published numbers of a population cannot all be true at once."""


class Model:
    """The published cells of one population as linear constraints over its *classes*.

    An atom is one combination of every dimension's values (the finest cross-classification); a class is the
    set of atoms that lie in exactly the same published cells. Every cell is a sum of whole classes, and any
    non-negative integer count per class is possible, so the attacker's problem over classes is exactly the
    one over atoms, with far fewer unknowns. A class is also the finest group of citizens a reader can try to
    isolate by adding and subtracting published numbers (differencing): `audit_cells` bounds each one.
    """

    def __init__(self, cells: Sequence[Cell], domains: Mapping[str, Iterable[str]] | None = None) -> None:
        seen: dict[str, set[str]] = {dim: {str(v) for v in values} for dim, values in (domains or {}).items()}
        for cell in cells:
            for dim, values in cell.coords:
                seen.setdefault(dim, set()).update(values)
        self.dims = sorted(seen)
        self.domains = [sorted(seen[d]) for d in self.dims]
        size = math.prod(len(d) for d in self.domains) if self.dims else 1
        if size > MAX_ATOMS:
            raise InputError(
                f"disclosure: population too finely classified ({size} combinations of {', '.join(self.dims)})",
                fix="use separate population keys for unrelated tables",
            )
        # atoms as integer codes per dimension (row-major over the domains)
        codes = np.indices([len(d) for d in self.domains], dtype=np.int32).reshape(len(self.dims), -1).T
        self._codes = codes if self.dims else np.zeros((1, 0), dtype=np.int32)
        self.atoms = len(self._codes)
        self.cells = list(cells)
        membership = np.array([self._atom_mask(c.coords) for c in self.cells], dtype=bool).reshape(
            len(self.cells), self.atoms
        )
        # classes: distinct membership columns (atoms in no cell form one class too: unconstrained, harmless)
        signatures, self.class_of_atom = np.unique(membership.T, axis=0, return_inverse=True)
        self.class_of_atom = self.class_of_atom.ravel()
        self.n = len(signatures)
        self.rows = signatures.T.astype(float).reshape(len(self.cells), self.n)

    def _atom_mask(self, coords: Coords) -> np.ndarray:
        mask = np.ones(self.atoms, dtype=bool)
        for dim, values in coords:
            k = self.dims.index(dim)
            wanted = [self.domains[k].index(v) for v in values]
            mask &= np.isin(self._codes[:, k], wanted)
        return mask

    def indicator(self, coords: Coords) -> np.ndarray:
        """The classes of a set of atoms given by coordinates (1 where the class lies inside it). Exact only
        for coordinates that are a union of classes, such as a published cell's."""
        inside = np.zeros(self.n, dtype=float)
        inside[np.unique(self.class_of_atom[self._atom_mask(coords)])] = 1.0
        return inside

    def class_coords(self, k: int) -> list[Cell]:
        """The published cells that contain class k (for naming a class in a finding)."""
        return [c for c, row in zip(self.cells, self.rows, strict=True) if row[k]]

    def bounds(
        self, target: np.ndarray, keep: np.ndarray | None = None, *, lower_only_below: float | None = None
    ) -> tuple[float, float]:
        """Min and max of target·x over non-negative integer x satisfying every kept cell's prior.

        With `lower_only_below`, the maximum is skipped (returned as inf) when the minimum is below it: a
        group that may be empty is not disclosed, whatever its maximum."""
        from scipy.optimize import Bounds, LinearConstraint, milp

        keep = np.ones(len(self.cells), dtype=bool) if keep is None else keep
        rows = self.rows[keep]
        priors = [c.prior() for c, k in zip(self.cells, keep, strict=True) if k]
        lower = np.array([p[0] for p in priors])
        upper = np.array([p[1] for p in priors])
        constraints = [LinearConstraint(rows, lower, upper)] if len(priors) else []
        out = []
        for sign in (1.0, -1.0):
            if sign < 0 and lower_only_below is not None and out[0] < lower_only_below:
                out.append(math.inf)
                break
            result = milp(
                sign * target,
                integrality=np.ones(self.n),
                bounds=Bounds(0, np.inf),
                constraints=constraints,
            )
            if result.status == 2:
                raise Inconsistent("the published numbers contradict each other")
            if result.status == 3 or result.x is None:
                out.append(-math.inf if sign > 0 else math.inf)
                continue
            out.append(float(round(sign * result.fun)))
        return out[0], out[1]

    def witnesses(self, count: int = 32, seed: int = 0) -> np.ndarray:
        """Feasible integer solutions (one per row, over the classes) for random objectives: each is a world
        consistent with everything published. A group whose size is 0 in one of them, or at least t, is not
        disclosed — proved without bounding it; only the rest need the exact MILP. Hiding more cells keeps
        them feasible (the constraints only get weaker), so they stay valid during `protect`."""
        from scipy.optimize import Bounds, LinearConstraint, milp

        priors = [c.prior() for c in self.cells]
        lower = np.array([p[0] for p in priors])
        upper = np.array([p[1] for p in priors])
        finite = upper[np.isfinite(upper)]
        cap = (
            2.0 * float(max(finite.max() if finite.size else 0.0, lower.max() if lower.size else 0.0)) + 10.0
        )
        constraints = [LinearConstraint(self.rows, lower, upper)] if len(priors) else []
        rng = np.random.default_rng(seed)
        found = []
        for _ in range(count):
            result = milp(
                rng.uniform(-1.0, 1.0, self.n),
                integrality=np.ones(self.n),
                bounds=Bounds(0, cap),
                constraints=constraints,
            )
            if result.status == 2:
                raise Inconsistent("the published numbers contradict each other")
            if result.x is not None:
                found.append(np.round(result.x))
        return np.array(found).reshape(len(found), self.n)


def is_disclosed(cell: Cell, lo: float, hi: float, threshold: int | None = None) -> bool:
    """The policy's test: fixed, or a "<t" cell narrowed below what "<t" says (width below t−2)."""
    if lo == hi:
        return True
    if cell.marker == HIDDEN:
        return False
    t = int(threshold if threshold is not None else cell.threshold)
    floor = 0.0 if cell.zero_suppressed else 1.0
    return lo > floor or hi < t - 1


def group_disclosed(lo: float, hi: float, threshold: int) -> bool:
    """The policy's test for a group a reader isolates by differencing (a class, see `Model`): disclosed when
    it is known to hold 1 … t−1 citizens more precisely than a "<t" would say (fixed, or bounded inside
    [1, t−1] more narrowly). A group that may be empty, or may hold t or more, is not disclosed."""
    t = int(threshold)
    return lo >= 1 and hi <= t - 1 and (lo == hi or lo > 1 or hi < t - 1)


@dataclass
class Finding:
    cell: Cell
    lo: float
    hi: float
    tables: list[tuple[str, str]]  # (stage, table) that together determine the cell
    kind: str = "disclosed"  # disclosed | shown-small | inconsistent | differencing
    population: str = ""
    detail: str = ""  # differencing: the two published cells whose difference is the group

    def order(self) -> tuple[int, int]:
        """Small counts first: a shown one, then a computable "<t" or group; a fixed "×" last."""
        return ({"shown-small": 0, "inconsistent": 1}.get(self.kind, 2), int(self.cell.marker == HIDDEN))

    def describe(self) -> str:
        if self.kind == "shown-small":
            return f"{self.cell.where()} viser {self.cell.value}, færre end {self.cell.threshold} borgere"
        names = _join_tables(self.tables)
        if self.kind == "inconsistent":
            return (
                f"tabel {names} modsiger hinanden (population {self.population}): a total that is not the sum "
                "of its parts, overlapping coordinates, or a dimension with more values than were published "
                "(declare them with domains=...)"
            )
        interval = f" = {_fmt(self.lo)}" if self.lo == self.hi else f": {_fmt(self.lo)}–{_fmt(self.hi)}"
        if self.kind == "differencing":
            return (
                f"en gruppe borgere kan beregnes ved differens ({self.detail}) ud fra tabel {names}{interval}"
            )
        return f"{self.cell.where()} kan beregnes ud fra tabel {names}{interval}"


def _fmt(value: float) -> str:
    return "∞" if math.isinf(value) else str(int(value))


def _join_tables(tables: Sequence[tuple[str, str]]) -> str:
    names = [f"{table} ({stage})" for stage, table in tables]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} og {names[-1]}"


def _explain(
    model: Model,
    target: np.ndarray,
    disclosed: Callable[[float, float], bool],
    anchor: int | None = None,
) -> list[tuple[str, str]]:
    """A minimal set of tables that still discloses `target` (greedy removal, deterministic); cell `anchor`
    (the suppressed cell itself: its marker is part of what the reader knows) is always kept."""
    keys = sorted({(c.stage, c.table) for c in model.cells})
    keep_tables = set(keys)
    for key in keys:
        trial = keep_tables - {key}
        keep = np.array(
            [(c.stage, c.table) in trial or i == anchor for i, c in enumerate(model.cells)], dtype=bool
        )
        try:
            lo, hi = model.bounds(target, keep, lower_only_below=None if anchor is not None else 1.0)
        except Inconsistent:
            continue
        if disclosed(lo, hi):
            keep_tables = trial
    first = (model.cells[anchor].stage, model.cells[anchor].table) if anchor is not None else None
    return sorted(keep_tables, key=lambda k: (k != first, k))


def differencing_groups(model: Model) -> list[tuple[np.ndarray, Callable[[], str]]]:
    """The groups a reader can try to isolate by subtraction, as 0/1 vectors over the classes, with a
    description: every class inside some published cell, and every difference A − B of two published cells
    with B inside A (the nested-threshold attack: "at least 1,5 days" minus "at least 2,0 days"). Groups that
    are one published cell are left out (they are checked as cells); each group is listed once."""
    rows = model.rows.astype(bool)
    seen = {r.tobytes() for r in rows}
    groups: list[tuple[np.ndarray, Callable[[], str]]] = []

    def add(vector: np.ndarray, describe: Callable[[], str]) -> None:
        key = vector.tobytes()
        if vector.any() and key not in seen:
            seen.add(key)
            groups.append((vector.astype(float), describe))

    for k in range(model.n):
        if rows[:, k].any():
            vector = np.zeros(model.n, dtype=bool)
            vector[k] = True
            add(vector, lambda k=k: _class_detail(model, k))
    for i, outer in enumerate(rows):
        for j, inner in enumerate(rows):
            if i != j and inner.any() and not (inner & ~outer).any():
                add(
                    outer & ~inner,
                    lambda i=i, j=j: f"{model.cells[i].where()} minus {model.cells[j].where()}",
                )
    return groups


def _class_detail(model: Model, k: int) -> str:
    """Class k as "A minus B": the smallest published cell containing it, less the largest published cell
    inside that one which does not contain it (or A alone when there is none)."""
    rows = model.rows.astype(bool)
    size = rows.sum(axis=1)
    containing = [i for i in range(len(model.cells)) if rows[i, k]]
    outer = min(containing, key=lambda i: (size[i], i))
    inner = [
        i
        for i in range(len(model.cells))
        if not rows[i, k] and rows[i].any() and not (rows[i] & ~rows[outer]).any()
    ]
    if not inner:
        return f"en del af {model.cells[outer].where()}"
    best = max(inner, key=lambda i: (size[i], -i))
    return f"{model.cells[outer].where()} minus {model.cells[best].where()}"


def _certified_safe(witnesses: np.ndarray, target: np.ndarray, threshold: int) -> bool:
    """A group that is empty in some consistent world, or holds t or more in one, is not disclosed."""
    if not len(witnesses):
        return False
    sizes = witnesses @ target
    return bool(((sizes < 1) | (sizes > int(threshold) - 1)).any())


def _public_exempt(
    model: Model, groups: Sequence[tuple[np.ndarray, Callable[[], str]]], fixed: np.ndarray, threshold: int
) -> set[int]:
    """The groups (by index) that the public margins (and `fixed` knowledge) alone give away: not this
    table's doing, and not a finding (the kommissorium publishes those numbers itself)."""
    if not fixed.any():
        return set()
    out = set()
    for g, (target, _) in enumerate(groups):
        lo, hi = model.bounds(target, fixed, lower_only_below=1.0)
        if group_disclosed(lo, hi, threshold):
            out.add(g)
    return out


def audit_cells(
    cells: Sequence[Cell],
    threshold: int | None = None,
    domains: Mapping[str, Iterable[str]] | None = None,
    explain: bool = True,
) -> list[Finding]:
    """Every disclosed suppressed cell, every group isolated by differencing, and every shown small count
    among `cells` of one population."""
    findings: list[Finding] = []
    for cell in cells:
        t = int(threshold if threshold is not None else cell.threshold)
        if cell.value is not None and not cell.public and 0 < cell.value < t:
            findings.append(Finding(cell, cell.value, cell.value, [(cell.stage, cell.table)], "shown-small"))
    if not cells:
        return findings
    model = Model(cells, domains)
    for i, cell in enumerate(cells):
        if not cell.suppressed:
            continue
        try:
            lo, hi = model.bounds(model.rows[i])
        except Inconsistent:
            tables = sorted({(c.stage, c.table) for c in cells})
            return [*findings, Finding(cell, math.nan, math.nan, tables, "inconsistent")]
        if is_disclosed(cell, lo, hi, threshold):
            tables = (
                _explain(model, model.rows[i], lambda a, b, c=cell: is_disclosed(c, a, b, threshold), i)
                if explain
                else [(cell.stage, cell.table)]
            )
            findings.append(Finding(cell, lo, hi, tables))
    t = int(threshold if threshold is not None else max(c.threshold for c in cells))
    groups = differencing_groups(model)
    public = np.array([c.public for c in cells], dtype=bool)
    try:
        witnesses = model.witnesses() if groups else np.zeros((0, model.n))
        for target, describe in groups:
            if _certified_safe(witnesses, target, t):
                continue
            lo, hi = model.bounds(target, lower_only_below=1.0)
            if not group_disclosed(lo, hi, t) or _public_exempt(model, [(target, describe)], public, t):
                continue
            inside = [c for c, row in zip(cells, model.rows, strict=True) if (row * target).any()]
            tables = (
                _explain(model, target, lambda a, b: group_disclosed(a, b, t))
                if explain
                else sorted({(c.stage, c.table) for c in inside})
            )
            findings.append(Finding(inside[0], lo, hi, tables, "differencing", detail=describe()))
    except Inconsistent:
        tables = sorted({(c.stage, c.table) for c in cells})
        return [*findings, Finding(cells[0], math.nan, math.nan, tables, "inconsistent")]
    return findings


# --------------------------------------------------------------------------------------------------------
# Suppression: primary, line heuristic, then exact secondary suppression over linked tables
# --------------------------------------------------------------------------------------------------------

Line = tuple[list[tuple[int, int]], tuple[int, int] | None]


def line_suppression(
    values: np.ndarray, primary: np.ndarray, lines: Sequence[Line], threshold: int
) -> np.ndarray:
    """The fast heuristic: a line (cells whose sum is shown, with its total cell if in the table) is unsafe
    when exactly one of its cells is hidden, or when its total is shown and its hidden cells add up to less
    than the threshold; then its smallest positive visible cell is hidden too (or its total when there is
    none), until every line is safe. Returns the hidden mask (primary included)."""
    hidden = primary.copy()

    def unsafe(parts: list[tuple[int, int]], total: tuple[int, int] | None) -> bool:
        cells = parts + ([total] if total is not None else [])
        n_hidden = sum(bool(hidden[c]) for c in cells)
        if n_hidden == 1:
            return True
        total_shown = total is None or not hidden[total]
        hidden_sum = sum(values[c] for c in parts if hidden[c] and not np.isnan(values[c]))
        return n_hidden >= 2 and total_shown and hidden_sum < threshold

    changed = True
    while changed:
        changed = False
        for parts, total in lines:
            if not unsafe(parts, total):
                continue
            candidates = [c for c in parts if not hidden[c] and not np.isnan(values[c]) and values[c] > 0]
            if candidates:
                hidden[min(candidates, key=lambda c: values[c])] = True
                changed = True
            elif total is not None and not hidden[total]:
                hidden[total] = True
                changed = True
    return hidden


def _shown_cells(cells: Sequence[Cell], hidden: Sequence[bool], threshold: int) -> list[Cell]:
    """The cells as the reader sees them: the count, "≈r" (rounded, in a table with `rounding`), or the
    marker of a hidden cell ("<t" for a small count, "×" for one >= t)."""
    out = []
    t = int(threshold)
    for cell, hide in zip(cells, hidden, strict=True):
        if not hide:
            if cell.rounding and not cell.public and cell.value is not None and cell.value >= t:
                out.append(replace(cell, value=None, marker=rounded_marker(cell.value, cell.rounding)))
            else:
                out.append(replace(cell, marker=None))
            continue
        small = cell.value is not None and cell.value < t
        out.append(replace(cell, value=None, marker=small_marker(t) if small else HIDDEN))
    return out


def protect(
    cells: Sequence[Cell],
    hidden: Sequence[bool],
    threshold: int,
    domains: Mapping[str, Iterable[str]] | None = None,
    known: Sequence[Cell] = (),
) -> list[bool]:
    """Add secondary suppressions until the audit finds nothing (sdcTable's SIMPLEHEURISTIC idea).

    `known` are cells already published elsewhere (other reports' records, as the reader sees them): they
    constrain the attacker and are checked too, but cannot be changed here.

    `cells` carry their true values; `hidden` is the suppression so far (primary + heuristic). Partners are
    visible, non-public counts >= threshold: the one that protects the disclosed cell or group (else widens
    its interval most; cells overlapping the group and cells of the same table first, smallest first) is
    hidden, and the check goes on. Hiding only weakens what the reader knows, so a cell or group found safe
    stays safe and each is checked until it is safe, once. Groups that the public margins and `known` alone
    give away are not this table's to protect. Raises InputError when nothing is left to hide (public margins
    alone give the cell away: recode or drop the table).
    """
    hidden = list(hidden)
    t = int(threshold)
    known = list(known)
    model = Model([*cells, *known], domains)
    fixed = np.array([c.public for c in cells] + [True] * len(known), dtype=bool)

    def show(flags: Sequence[bool]) -> list[Cell]:
        model.cells = _shown_cells(cells, flags, t) + known
        return model.cells

    shown = show(hidden)
    groups = differencing_groups(model)
    witnesses = model.witnesses() if groups else np.zeros((0, model.n))
    safe_cells: set[int] = set()
    position = 0  # groups before it are safe
    while True:
        shown = show(hidden)
        found = None
        for i, cell in enumerate(shown):
            if not cell.suppressed or i in safe_cells:
                continue
            lo, hi = model.bounds(model.rows[i])
            if is_disclosed(cell, lo, hi, t):
                found = (model.rows[i], lambda a, b, c=cell: is_disclosed(c, a, b, t), lo, hi, cell.where())
                break
            safe_cells.add(i)
        while found is None and position < len(groups):
            target, describe = groups[position]
            if not _certified_safe(witnesses, target, t):
                lo, hi = model.bounds(target, lower_only_below=1.0)
                if group_disclosed(lo, hi, t) and not _public_exempt(model, [groups[position]], fixed, t):
                    found = (target, lambda a, b: group_disclosed(a, b, t), lo, hi, describe())
                    break
            position += 1
        if found is None:
            return hidden
        target, disclosed, lo, hi, where = found
        candidates = [
            j
            for j, c in enumerate(cells)
            if not hidden[j] and not c.public and c.value is not None and c.value >= t
        ]
        if not candidates:
            raise InputError(
                f"disclosure: {where} can be computed from public numbers ({_fmt(lo)}–{_fmt(hi)}) "
                "and nothing else can be hidden",
                fix="merge categories (global recoding, disclosure.choose_recoding) or do not publish the table",
            )
        tables = {c.table for c, row in zip(shown, model.rows, strict=True) if (row * target).any()}
        candidates.sort(
            key=lambda j: (
                not (model.rows[j] * target).any(),
                cells[j].table not in tables,
                cells[j].value,
                j,
            )
        )
        best, best_width = None, hi - lo
        for j in candidates:
            trial = list(hidden)
            trial[j] = True
            show(trial)
            new_lo, new_hi = model.bounds(target)
            if not disclosed(new_lo, new_hi):
                best = j
                break
            if new_hi - new_lo > best_width:
                best, best_width = j, new_hi - new_lo
        hidden[best if best is not None else candidates[0]] = True


def table_cells(
    table: Table, threshold: int, zero_suppressed: bool = False, stage: str | None = None
) -> list[Cell]:
    cells = []
    for row in table.counts.index:
        for column in table.counts.columns:
            value = table.counts.at[row, column]
            cells.append(
                Cell(
                    stage=stage if stage is not None else table.stage,
                    table=table.id,
                    row=str(row),
                    column=str(column),
                    coords=table.coords(row, column),
                    value=None if pd.isna(value) else int(value),
                    public=table.is_public(row, column),
                    threshold=int(threshold),
                    zero_suppressed=zero_suppressed,
                    rounding=int(table.rounding),
                )
            )
    return cells


def _table_lines(table: Table) -> list[Line]:
    rows, columns = list(table.counts.index), list(table.counts.columns)
    body_rows = [i for i, r in enumerate(rows) if r != table.total_row]
    body_cols = [j for j, c in enumerate(columns) if c != table.total_column]
    lines: list[Line] = []
    if table.total_row is not None:
        tr = rows.index(table.total_row)
        lines += [([(i, j) for i in body_rows], (tr, j)) for j in range(len(columns))]
    if table.total_column is not None:
        tc = columns.index(table.total_column)
        lines += [([(i, j) for j in body_cols], (i, tc)) for i in range(len(rows))]
    return lines


def suppress(
    tables: Sequence[Table],
    threshold: int | None = None,
    *,
    zero_suppressed: bool = False,
    domains: Mapping[str, Iterable[str]] | None = None,
    known: Sequence[Cell] = (),
) -> dict[str, pd.DataFrame]:
    """Suppress a set of linked count tables (same population) jointly; returns {table id: shown table}.

    Shown tables hold the true count or the marker ("<t" primary, "×" secondary) and carry
    `attrs["suppression"]` for `report.show_table` and `attrs["disclosure"]` (the published cells) for
    `publish_shown`. Tables about the same citizens must go through one call, so that no combination of them
    gives a hidden cell away; what other reports have already published about the population comes in as
    `known` (`published_cells(population, exclude_stage=...)`): fixed knowledge of the reader, which the new
    tables are suppressed around.
    """
    t = int(threshold if threshold is not None else default_threshold())
    populations = {tb.population for tb in tables}
    if len(populations) > 1:
        raise ValueError(f"suppress: one population per call, got {sorted(populations)}")
    domains = _union_domains([domains or {}, *(tb.domains for tb in tables)])
    all_cells: list[Cell] = []
    hidden: list[bool] = []
    spans = []
    for tb in tables:
        if tb.counts.isna().any().any():
            raise ValueError(f"suppress: table {tb.id} has missing counts (give 0 for nobody)")
        cells = table_cells(tb, t, zero_suppressed)
        values = tb.counts.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        lower = 0 if zero_suppressed else 1
        public = np.array(
            [[tb.is_public(r, c) for c in tb.counts.columns] for r in tb.counts.index], dtype=bool
        )
        primary = ~np.isnan(values) & (values >= lower) & (values < t) & ~public
        mask = line_suppression(values, primary, _table_lines(tb), t) & ~public
        spans.append((len(all_cells), len(cells)))
        all_cells += cells
        hidden += [bool(h) for h in mask.ravel()]
    try:
        hidden = protect(all_cells, hidden, t, domains, known)
    except Inconsistent as exc:
        raise InputError(
            f"disclosure: the tables {', '.join(tb.id for tb in tables)} contradict each other "
            "(a total that is not the sum of its parts, overlapping coordinates, or a dimension with values the "
            "tables do not show)",
            fix="check each table's row/column coordinates and totals, and declare Table(domains=...)",
        ) from exc
    # a rounded cell whose group is published exactly elsewhere (another table, an earlier report) is shown
    # exactly too: the reader knows it already, so rounding it would only confuse
    exact = {
        c.coords: c.value
        for c in [*_shown_cells(all_cells, hidden, t), *known]
        if c.value is not None and not c.suppressed
    }
    hidden_or_exact = [
        h or (c.rounding and exact.get(c.coords) == c.value and c.value is not None)
        for c, h in zip(all_cells, hidden, strict=True)
    ]
    out = {}
    for tb, (start, length) in zip(tables, spans, strict=True):
        shown_cells = _shown_cells(all_cells[start : start + length], hidden[start : start + length], t)
        shown_cells = [
            replace(c, value=all_cells[start + k].value, marker=None)
            if c.rounded and hidden_or_exact[start + k]
            else c
            for k, c in enumerate(shown_cells)
        ]
        shown = (tb.display if tb.display is not None else tb.counts).astype(object).copy()
        rows, cols = list(tb.counts.index), list(tb.counts.columns)
        n_cols = len(cols)
        n_derived = 0
        for k, cell in enumerate(shown_cells):
            row, column = rows[k // n_cols], cols[k % n_cols]
            if cell.rounded:
                shown.at[row, column] = ROUNDED + f"{int(cell.marker[len(ROUNDED) :]):,}".replace(",", ".")
            if not cell.suppressed:
                continue
            shown.at[row, column] = cell.marker
            targets = tb.derived.get(column, [])
            targets = [targets] if isinstance(targets, str) or not isinstance(targets, Sequence) else targets
            for target in targets:
                shown.at[row, target] = HIDDEN
                n_derived += 1
        n_primary = sum(c.marker == small_marker(t) for c in shown_cells)
        n_secondary = sum(c.marker == HIDDEN for c in shown_cells) + n_derived
        shown.attrs["suppression"] = {"threshold": t, "primary": n_primary, "secondary": n_secondary}
        if tb.rounding:
            shown.attrs["suppression"]["rounding"] = int(tb.rounding)
        shown.attrs["disclosure"] = {
            "table": tb.id,
            "population": tb.population,
            "cells": [c.to_json() for c in shown_cells],
            "threshold": t,
            "zero_suppressed": zero_suppressed,
            "domains": {dim: list(values) for dim, values in sorted(tb.domains.items())},
            "rounding": int(tb.rounding),
        }
        out[tb.id] = shown
    return out


# --------------------------------------------------------------------------------------------------------
# Global recoding
# --------------------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------------------
# The published-table registry
# --------------------------------------------------------------------------------------------------------


def published_dir(root: Path | None = None) -> Path:
    if root is None:
        root = project_root()
    return Path(root) / PUBLISHED_DIR


def begin_stage(stage: str, root: Path | None = None) -> Path:
    """Start a report stage's record afresh (call once at the top of the notebook): an empty record, so the
    stage's declared output exists even before (or without) its first table."""
    path = published_dir(root) / f"{stage}.json"
    _write_record(path, {"format": FORMAT_VERSION, "stage": stage, "tables": []})
    return path


def _write_record(path: Path, record: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(record, ensure_ascii=False, sort_keys=True, indent=1) + "\n"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def publish(
    stage: str,
    table_id: str,
    cells: Iterable[Mapping[str, Any]],
    margins: Iterable[Mapping[str, Any]] = (),
    *,
    population: str,
    threshold: int | None = None,
    zero_suppressed: bool = False,
    domains: Mapping[str, Sequence[str]] | None = None,
    rounding: int = 0,
    root: Path | None = None,
) -> Path:
    """Record one published count table in build/published/<stage>.json (counts only, no names).

    `cells` and `margins` are mappings with "row", "column", "coords" ({dim: value or [values]}) and "value"
    (an int, or the marker string "<t"/"×" the reader sees); "public": True marks a public margin. Margins are
    sums published with the table (or elsewhere: in the text, the key figures). The same (population, coords)
    in two tables is the same number of citizens: that is how tables link, across reports too.
    """
    t = int(threshold if threshold is not None else default_threshold())
    path = published_dir(root) / f"{stage}.json"
    record = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    record.setdefault("format", FORMAT_VERSION)
    record["stage"] = stage
    tables = {tb["table"]: tb for tb in record.get("tables", [])}

    def normal(entry: Mapping[str, Any], margin: bool) -> dict[str, Any]:
        value = entry.get("value")
        if value is None and entry.get("marker"):
            value = entry["marker"]
        out: dict[str, Any] = {
            "row": str(entry.get("row", "")),
            "column": str(entry.get("column", "")),
            "coords": {dim: list(vs) for dim, vs in coords_of(entry.get("coords"))},
        }
        if isinstance(value, str):
            if value.startswith(ROUNDED) and not rounding:
                raise ValueError(
                    f"publish: {table_id}: a rounded count {value!r} needs the table's rounding base"
                )
            if value != HIDDEN and not value.startswith(("<", ROUNDED)):
                raise ValueError(f"publish: {table_id}: a cell holds {value!r}, not a count or a marker")
            out["value"], out["marker"] = None, value
        elif value is None or (isinstance(value, float) and math.isnan(value)):
            raise ValueError(f"publish: {table_id}: a cell has no value (give the count or its marker)")
        else:
            if float(value) != int(value):
                raise ValueError(f"publish: {table_id}: {value!r} is not a count")
            out["value"] = int(value)
        if entry.get("public"):
            out["public"] = True
        if margin:
            out["margin"] = True
        return out

    entries = [normal(c, False) for c in cells] + [normal(m, True) for m in margins]
    tables[table_id] = {
        "table": table_id,
        "population": population,
        "threshold": t,
        "zero_suppressed": bool(zero_suppressed),
        "cells": entries,
    }
    if rounding:
        tables[table_id]["rounding"] = int(rounding)
    if domains:
        tables[table_id]["domains"] = {str(d): sorted({str(v) for v in vs}) for d, vs in domains.items()}
    record["tables"] = [tables[k] for k in sorted(tables)]
    _write_record(path, record)
    return path


def publish_shown(
    stage: str,
    shown: pd.DataFrame,
    *,
    table_id: str | None = None,
    margins: Iterable[Mapping[str, Any]] = (),
    root: Path | None = None,
) -> Path:
    """Record a table returned by `suppress` (or `report.suppress_small` with coordinates) as published."""
    info = shown.attrs.get("disclosure")
    if not info:
        raise ValueError(
            "publish_shown: the table carries no disclosure record; make it with disclosure.suppress"
        )
    return publish(
        stage,
        table_id or info["table"],
        info["cells"],
        margins,
        population=info["population"],
        threshold=info["threshold"],
        zero_suppressed=info["zero_suppressed"],
        domains=info.get("domains"),
        rounding=int(info.get("rounding", 0)),
        root=root,
    )


def publish_frame(
    stage: str,
    table_id: str,
    shown: pd.DataFrame,
    *,
    population: str,
    rows: Mapping[Hashable, Mapping[str, Any]] | str,
    columns: Mapping[Hashable, Mapping[str, Any]] | str,
    fixed: Mapping[str, Any] | None = None,
    total_row: Hashable | None = None,
    total_column: Hashable | None = None,
    public_rows: Sequence[Hashable] = (),
    public_columns: Sequence[Hashable] = (),
    margins: Iterable[Mapping[str, Any]] = (),
    threshold: int | None = None,
    zero_suppressed: bool = False,
    domains: Mapping[str, Sequence[str]] | None = None,
    root: Path | None = None,
) -> Path:
    """Record an already suppressed table (counts or "<t"/"×" markers) as published, given the coordinates of
    its rows and columns (see `Table`). Only the listed rows/columns are recorded (leave out share columns)."""
    spec = Table(
        id=table_id,
        counts=shown,
        rows=rows,
        columns=columns,
        fixed=fixed or {},
        total_row=total_row,
        total_column=total_column,
        public_rows=public_rows,
        public_columns=public_columns,
        population=population,
    )
    row_labels = list(rows) if not isinstance(rows, str) else list(shown.index)
    column_labels = list(columns) if not isinstance(columns, str) else list(shown.columns)
    cells = [
        {
            "row": r,
            "column": c,
            "coords": {d: list(v) for d, v in spec.coords(r, c)},
            "value": shown.at[r, c],
            "public": spec.is_public(r, c),
        }
        for r in row_labels
        for c in column_labels
    ]
    return publish(
        stage,
        table_id,
        cells,
        margins,
        population=population,
        threshold=threshold,
        zero_suppressed=zero_suppressed,
        domains=domains,
        root=root,
    )


# --------------------------------------------------------------------------------------------------------
# The audit over all published records
# --------------------------------------------------------------------------------------------------------


def load_published(directory: Path) -> dict[str, tuple[list[Cell], dict[str, set[str]]]]:
    """All published cells under `directory`, grouped by population, with the declared dimension values."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(
            f"no published-table records in {directory}",
            fix="run the report stages first (each records its count tables with disclosure.publish)",
        )
    populations: dict[str, tuple[list[Cell], dict[str, set[str]]]] = {}
    for path in sorted(directory.glob("*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            stage = str(record.get("stage") or path.stem)
            for table in record["tables"]:
                cells, domains = populations.setdefault(str(table["population"]), ([], {}))
                for dim, values in (table.get("domains") or {}).items():
                    domains.setdefault(str(dim), set()).update(str(v) for v in values)
                for entry in table["cells"]:
                    cell = Cell(
                        stage=stage,
                        table=str(table["table"]),
                        row=str(entry.get("row", "")),
                        column=str(entry.get("column", "")),
                        coords=coords_of(entry.get("coords")),
                        value=None if entry.get("value") is None else int(entry["value"]),
                        marker=entry.get("marker"),
                        public=bool(entry.get("public", False)),
                        threshold=int(table.get("threshold", 5)),
                        zero_suppressed=bool(table.get("zero_suppressed", False)),
                        rounding=int(table.get("rounding", 0)),
                    )
                    if cell.value is None and cell.marker is None:
                        raise ValueError("a cell with neither value nor marker")
                    cells.append(cell)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InputError(
                f"unreadable published-table record ({exc})",
                file=str(path),
                fix="rerun the stage that wrote it",
            ) from exc
    return populations


def published_cells(
    population: str,
    directory: Path | None = None,
    *,
    exclude_stage: str | None = None,
) -> list[Cell]:
    """What the other stages have published about `population` (for `suppress(known=...)`); [] when none."""
    directory = Path(directory) if directory is not None else published_dir()
    if not directory.is_dir():
        return []
    cells, _domains = load_published(directory).get(population, ([], {}))
    return [c for c in cells if c.stage != exclude_stage]


def _union_domains(parts: Iterable[Mapping[str, Iterable[str]]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for part in parts:
        for dim, values in part.items():
            out.setdefault(str(dim), set()).update(str(v) for v in values)
    return out


@dataclass
class AuditResult:
    tables: int
    cells: int
    suppressed: int
    populations: int
    findings: list[Finding]

    def summary(self, threshold: int | None) -> str:
        t = f" (threshold {threshold})" if threshold is not None else ""
        return (
            f"disclosure audit{t}: {self.tables} published tables in {self.populations} population(s), "
            f"{self.suppressed} suppressed of {self.cells} cells — no suppressed cell can be computed"
        )


def audit(
    directory: Path,
    threshold: int | None = None,
    *,
    raise_on_finding: bool = True,
    out: Path | None = None,
    remove_on_failure: Iterable[Path] = (),
) -> AuditResult:
    """Collect every record under `directory` and prove no suppressed cell is determined by the published
    numbers (linked by population key across stages). Raises InputError (one line) on the first findings.

    `out` gets a small JSON summary when the audit passes (a DVC output/metric of the audit stage);
    `remove_on_failure` lists files to delete when it fails (a stage's HTML, like the leak guard does)."""
    populations = load_published(directory)
    findings: list[Finding] = []
    n_cells = n_suppressed = 0
    tables = set()
    for population in sorted(populations):
        cells, domains = populations[population]
        n_cells += len(cells)
        n_suppressed += sum(c.suppressed for c in cells)
        tables |= {(c.stage, c.table) for c in cells}
        for finding in audit_cells(cells, threshold, domains):
            finding.population = population
            findings.append(finding)
    if not tables:
        raise InputError(
            f"no published count tables recorded in {directory}",
            fix="each report stage records its tables with disclosure.publish_* (docs/disclosure.md)",
        )
    findings.sort(key=Finding.order)
    result = AuditResult(len(tables), n_cells, n_suppressed, len(populations), findings)
    if out is not None:
        Path(out).unlink(missing_ok=True)
    if findings and raise_on_finding:
        removed = []
        for path in remove_on_failure:
            if Path(path).is_file():
                Path(path).unlink()
                removed.append(Path(path).name)
        gone = f"; removed {', '.join(removed)}" if removed else ""
        first = findings[0]
        more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
        raise InputError(
            f"disclosure audit failed: {first.describe()}{more}{gone}",
            fix="hide a partner cell (secondary suppression over the linked tables, disclosure.suppress) or "
            "merge categories (disclosure.choose_recoding); see docs/disclosure.md",
        )
    if out is not None:
        summary = {
            "tables": result.tables,
            "cells": result.cells,
            "suppressed": result.suppressed,
            "populations": result.populations,
            "disclosed": len(findings),
        }
        _write_record(Path(out), summary)
    return result


def suppress_matrix(
    values: np.ndarray,
    threshold: int,
    *,
    row_labels: Sequence[Hashable] | None = None,
    total_row: Hashable | None = None,
    total_column_pos: int | None = None,
    column_totals_known: bool = False,
    row_totals_known: bool = False,
    suppress_zero: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """One table's suppression (the engine of `report.suppress_small`): (hidden mask, primary mask).

    Lines as in `suppress_small`; after the line heuristic, `protect` adds partners until the exact attacker
    problem of this table (its totals, and its column/row sums when they are known elsewhere) discloses
    nothing. Tables whose totals are not the sums of their parts (or with missing counts) keep the heuristic
    result: their lines are not equations.
    """
    t = int(threshold)
    values = np.asarray(values, dtype=float)
    n_rows, n_cols = values.shape
    labels = list(row_labels) if row_labels is not None else list(range(n_rows))
    lower = 0 if suppress_zero else 1
    primary = ~np.isnan(values) & (values >= lower) & (values < t)

    body_rows = [i for i, label in enumerate(labels) if total_row is None or label != total_row]
    total_row_pos = labels.index(total_row) if total_row is not None else None
    part_cols = [j for j in range(n_cols) if j != total_column_pos]
    lines: list[Line] = []
    if total_row is not None or column_totals_known:
        for j in range(n_cols):
            total = (total_row_pos, j) if total_row_pos is not None else None
            lines.append(([(i, j) for i in body_rows], total))
    if total_column_pos is not None or row_totals_known:
        rows = body_rows + ([total_row_pos] if total_row_pos is not None else [])
        for i in rows:
            total = (i, total_column_pos) if total_column_pos is not None else None
            lines.append(([(i, j) for j in part_cols], total))
    hidden = line_suppression(values, primary, lines, t)

    consistent = not np.isnan(values).any() and all(
        total is None or values[total] == sum(values[c] for c in parts) for parts, total in lines
    )
    if not consistent or not hidden.any():
        return hidden, primary

    def coords(i: int, j: int) -> Coords:
        spec: dict[str, str] = {}
        if i != total_row_pos:
            spec["row"] = str(i)
        if j != total_column_pos:
            spec["col"] = str(j)
        return coords_of(spec)

    cells = [
        Cell(
            "",
            "",
            str(i),
            str(j),
            coords(i, j),
            int(values[i, j]),
            threshold=t,
            zero_suppressed=suppress_zero,
        )
        for i in range(n_rows)
        for j in range(n_cols)
    ]
    if column_totals_known and total_row_pos is None:
        cells += [
            Cell("", "", "sum", str(j), coords_of({"col": str(j)}), int(values[:, j].sum()), public=True)
            for j in part_cols
        ]
        if total_column_pos is not None:
            cells.append(Cell("", "", "sum", "sum", (), int(values[:, total_column_pos].sum()), public=True))
    if row_totals_known and total_column_pos is None:
        cells += [
            Cell("", "", str(i), "sum", coords_of({"row": str(i)}), int(values[i, :].sum()), public=True)
            for i in body_rows
        ]
        if total_row_pos is not None:
            cells.append(Cell("", "", "sum", "sum", (), int(values[total_row_pos, :].sum()), public=True))
    n_table = n_rows * n_cols
    flags = [bool(h) for h in hidden.ravel()] + [False] * (len(cells) - n_table)
    try:
        flags = protect(cells, flags, t)
    except (Inconsistent, InputError):
        return hidden, primary
    return np.array(flags[:n_table], dtype=bool).reshape(n_rows, n_cols), primary
