"""Suppression: primary, line heuristic, then exact secondary suppression over linked tables.

`suppress` hides what must be hidden in a set of linked count tables of one population (around what other
reports already published), `suppress_matrix` is the same for one bare matrix (the engine of
`report.suppress_small`); both add partners with `protect` until the checks of the audit find nothing.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from attendance.errors import InputError

from .cells import Cell, Table, _union_domains
from .checks import _certified_safe, _fmt, _public_exempt, differencing_groups, group_disclosed, is_disclosed
from .model import Inconsistent, Model
from .policy import HIDDEN, ROUNDED, Coords, coords_of, default_threshold, rounded_marker, small_marker

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
