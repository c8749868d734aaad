"""The audit over all published records (`attendance audit-disclosure`, the `audit_disclosure` stage).

Re-does the attacker's work on everything the report stages published, population by population, and stops
the pipeline with one line naming the tables when any suppressed cell or differenced group is disclosed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from attendance.errors import InputError

from .checks import Finding, audit_cells
from .records import _write_record, load_published


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
