"""The policy's tests over one population: which suppressed cells and differenced groups are disclosed.

Shared by the suppression (`protect` adds partners until these tests find nothing) and the audit (which runs
them on everything the reports published): `is_disclosed` / `group_disclosed` are the policy, `Finding` the
one-line report of a failure, `differencing_groups` the groups a reader can isolate by subtraction, and
`audit_cells` the whole check of one population's cells.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .cells import Cell
from .model import Inconsistent, Model
from .policy import HIDDEN


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
