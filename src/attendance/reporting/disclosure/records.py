"""The published-table registry: what each report stage published, in build/published/<stage>.json.

Every report stage records the count tables (and numbers in the text) it shows, as the reader sees them, so
that later stages can suppress around them (`published_cells`) and the audit can check all reports together
(`load_published`). Counts only, no names.
"""

from __future__ import annotations

import json
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from attendance.errors import InputError
from attendance.settings.config import project_root

from .cells import Cell, Table
from .policy import HIDDEN, ROUNDED, coords_of, default_threshold

PUBLISHED_DIR = Path("build") / "published"
FORMAT_VERSION = 1


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
