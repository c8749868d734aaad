"""`attendance compare`: DVC experiments side by side, readable in a 100-column terminal.

Why not just `dvc exp show`: it puts every parameter, metric and dependency hash in one wide row per
experiment, so the one parameter that changed disappears behind `…`. Here the table is turned on its side — one
row per parameter or key figure that differs between the runs, one narrow column per run — and numbers are
written the Danish way.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from attendance.errors import InputError


@dataclass
class Run:
    name: str
    params: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, Mapping):
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    return {prefix: value}


def _files(section: Mapping[str, Any] | None, strip_prefix: str = "") -> dict[str, Any]:
    """{'metrics/spor2.json': {'data': {...}}} → {'spor2.<offer>.peak': …} (file name without folder/suffix)."""
    flat: dict[str, Any] = {}
    for path, content in (section or {}).items():
        data = (content or {}).get("data") or {}
        stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        flat.update(_flatten(data, "" if stem == strip_prefix else stem))
    return flat


def runs_from_exp_show(records: list[dict[str, Any]]) -> list[Run]:
    """Parse `dvc exp show --json`: the workspace, each baseline commit and its experiments, in that order."""
    runs: list[Run] = []

    def add(record: Mapping[str, Any], fallback: str) -> None:
        data = record.get("data") or {}
        if record.get("error") or not data:
            return
        rev = str(record.get("rev") or fallback)
        name = record.get("name") or (rev if rev == "workspace" else rev[:7])
        runs.append(Run(name, _files(data.get("params"), "params"), _files(data.get("metrics"))))

    for record in records:
        add(record, "workspace")
        for experiment in record.get("experiments") or []:
            for rev in experiment.get("revs") or []:
                add(rev, experiment.get("name") or "eksperiment")
    return runs


def changed_keys(runs: list[Run], attribute: str) -> list[str]:
    keys: list[str] = []
    for run in runs:
        keys.extend(key for key in getattr(run, attribute) if key not in keys)
    return [key for key in keys if len({json.dumps(getattr(r, attribute).get(key)) for r in runs}) > 1]


def danish(value: Any) -> str:
    """12345.678 → '12.345,68'; lists and text as they are; a missing value as '–'."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    if isinstance(value, float):
        digits = 0 if abs(value) >= 1000 else 2
        text = f"{value:,.{digits}f}".replace(",", "X").replace(".", ",").replace("X", ".")
        return text.rstrip("0").rstrip(",") if digits and "," in text else text
    if isinstance(value, list):
        return "[" + "; ".join(danish(item) for item in value) + "]"
    return str(value)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def format_comparison(runs: list[Run], width: int = 100) -> str:
    """Rows: changed parameters, then changed key figures; columns: runs (wrapped into blocks to fit)."""
    if len(runs) < 2:
        return "Der er kun én kørsel – start et eksperiment med `dvc exp run -S nøgle=værdi`."
    params, metrics = changed_keys(runs, "params"), changed_keys(runs, "metrics")
    rows: list[tuple[str, list[str]]] = []
    if params:
        rows.append(("Parametre", []))
        rows.extend((key, [danish(run.params.get(key)) for run in runs]) for key in params)
    if metrics:
        rows.append(("Nøgletal", []))
        rows.extend((key, [danish(run.metrics.get(key)) for run in runs]) for key in metrics)
    if not params and not metrics:
        return "Kørslerne har samme parametre og nøgletal."
    label_width = min(46, max(len(label) for label, _ in rows) + 2)
    column_width = 14
    per_block = max(1, (width - label_width - 1) // (column_width + 1))
    blocks = []
    for first in range(0, len(runs), per_block):
        chosen = range(first, min(first + per_block, len(runs)))
        header = " " * label_width + "".join(
            " " + _clip(runs[i].name, column_width).rjust(column_width) for i in chosen
        )
        lines = [header, "-" * len(header)]
        for label, values in rows:
            if not values:
                lines.append(label)
                continue
            cells = "".join(" " + _clip(values[i], column_width).rjust(column_width) for i in chosen)
            lines.append("  " + _clip(label, label_width - 2).ljust(label_width - 2) + cells)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def exp_show_json(extra_args: Iterable[str] = ()) -> list[dict[str, Any]]:
    try:
        result = subprocess.run(
            ["dvc", "exp", "show", "--json", *extra_args], capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise InputError(
            "could not run dvc", fix="activate the environment: source .venv/bin/activate"
        ) from exc
    if result.returncode != 0:
        message = (result.stderr.strip().splitlines() or ["dvc exp show failed"])[-1]
        raise InputError(f"dvc exp show: {message}", fix="run it inside the project folder")
    return json.loads(result.stdout or "[]")
