"""Where every raw row ended: the per-file, per-sheet accounting whose identity
`rows_read == kept + merged + quarantined + ignored` is checked before anything is trusted, the quarantine
table (the only place raw values go, CPR numbers masked) and the analyst's review workbook.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from attendance.ingest.readers import (
    RAW_VALUE_FIELDS,
    RawRegistrations,
)

from .quality import REVIEW_RULES
from .records import (
    ACCOUNTING_COLUMNS,
    CPR_PATTERN,
    IGNORED,
    KEPT,
    QUARANTINED,
    RULE_ORDER,
    STATUS_NAMES,
    AccountingError,
    State,
)
from .review import (
    Review,
    name_table,
    rows_table,
    sheet_table,
    with_raw_values,
)


def _accounting(state: State, raw: RawRegistrations) -> pd.DataFrame:
    """Per file and sheet: rows read and how each ended; raises if the identity does not hold."""
    log = state.log
    if len(state.status) and (state.status.min() < KEPT or state.status.max() > IGNORED):
        raise AccountingError("a record ended with no valid status (kept/merged/quarantined/ignored)")
    n_sheets = len(log.sheet_keys)
    status = state.status.astype(np.int64)
    counts = np.bincount(log.sheet_idx * 4 + status, minlength=4 * n_sheets).reshape(-1, 4)
    counted = pd.DataFrame(counts, columns=list(STATUS_NAMES))
    counted.insert(0, "file", [k[0] for k in log.sheet_keys])
    counted.insert(1, "sheet", [k[1] for k in log.sheet_keys])
    sheets = pd.DataFrame(
        [(s.file, s.sheet, s.rows_read, "hidden sheet, read" if s.hidden else "") for s in raw.sheets],
        columns=["file", "sheet", "rows_read", "note"],
    )
    table = sheets.merge(counted, on=["file", "sheet"], how="left")
    # files and sheets not read: one line each, 0 rows, with why (every file of the folder is accounted)
    skipped = pd.DataFrame(
        [(s.file, s.sheet, 0, s.note) for s in raw.skipped], columns=["file", "sheet", "rows_read", "note"]
    )
    if len(skipped):
        table = pd.concat([table, skipped], ignore_index=True)
    for name in ("rows_read", *STATUS_NAMES):
        table[name] = table[name].fillna(0).astype(np.int64)
    broken = table["rows_read"] != table[list(STATUS_NAMES)].sum(axis=1)
    if broken.any() or int(table["rows_read"].sum()) != len(state.df):
        bad = table[broken].head(1).to_dict("records")
        raise AccountingError(f"rows_read != kept + merged + quarantined + ignored for {bad}")
    return table[ACCOUNTING_COLUMNS].sort_values(["file", "sheet"], kind="stable").reset_index(drop=True)


def _mask_cpr(value: Any) -> Any:
    return CPR_PATTERN.sub("XXXXXX-XXXX", value) if isinstance(value, str) else value


def _quarantine_table(state: State) -> pd.DataFrame:
    """Quarantined rows with reason and raw values (CPR numbers masked) — the only place raw values go."""
    idx = np.flatnonzero(state.status == QUARANTINED)
    sub = state.df.iloc[idx]
    out = pd.DataFrame(
        {
            "file": sub["file"].astype(object).to_numpy(),
            "sheet": sub["sheet"].astype(object).to_numpy(),
            "row": sub["row"].to_numpy(),
            "cell": sub["cell"].astype(object).fillna("").to_numpy(),
            "reason": np.array(["", *RULE_ORDER], dtype=object)[state.reason[idx]],
        }
    )
    for name in RAW_VALUE_FIELDS:
        values = sub[name]
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.cat.remove_unused_categories()
            values = (
                values.cat.rename_categories([_mask_cpr(c) for c in values.cat.categories])
                if len({_mask_cpr(c) for c in values.cat.categories}) == len(values.cat.categories)
                else values.astype(object).map(_mask_cpr)
            )
        out[f"raw_{name}"] = values.astype(object).to_numpy()
    return out.sort_values(["file", "sheet", "row", "cell"], kind="stable").reset_index(drop=True)


def _granularity_by_sheet(state: State) -> dict[tuple[str, str], tuple[int, int]]:
    """Per (file, sheet): kept visits with times and kept day-only marks."""
    kept = state.status == KEPT
    timed = (state.df["granularity"] == "timed").to_numpy()
    n = len(state.log.sheet_keys)
    with_times = np.bincount(state.log.sheet_idx[kept & timed], minlength=n)
    day_only = np.bincount(state.log.sheet_idx[kept & ~timed], minlength=n)
    return {key: (int(with_times[i]), int(day_only[i])) for i, key in enumerate(state.log.sheet_keys)}


def build_review(raw: RawRegistrations, accounting: pd.DataFrame, log: pd.DataFrame, state: State) -> Review:
    """The analyst's review (review.py): sheets as read, names to confirm, kept rows to check."""
    return Review(
        sheets=sheet_table(raw.sheets, accounting, raw.skipped_files, _granularity_by_sheet(state)),
        names=state.names if state.names is not None else name_table(None, None, {}),
        rows=with_raw_values(rows_table(log, REVIEW_RULES), state.df),
    )
