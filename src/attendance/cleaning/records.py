"""The records being cleaned and the vocabulary every rule shares.

`State` holds the raw records with, per record, its status (kept / merged / quarantined / ignored), the rule
that ended it and the flags of the rules that changed it; `QualityLog` is the line written for every rule
application, in `RULE_ORDER`. Every step module works on one `State`, so the statuses, flag bits and time
units live here, below all of them — as does `release_memory`, which the stage calls between its phases.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from attendance.ingest.columns import normalise_header
from attendance.ingest.readers import (
    RAW_VALUE_FIELDS,
    RawRegistrations,
)

from .pseudonym import normalise_identifier

KEPT, MERGED, QUARANTINED, IGNORED = 0, 1, 2, 3
STATUS_NAMES = ("kept", "merged", "quarantined", "ignored")
# Rules that change a kept row; their names form `visits.flags` in this order.
FLAG_RULES = (
    "afternoon_hour",
    "time_out_before_time_in",
    "missing_time_out",
    "outside_opening_hours",
    "closed_day",
    "overlapping_visits",
    "day_only",
    "name_variant",
    "initials_resolved",
    "offer_alias",
    "name_normalised",
    "name_partial",
)
FLAG_BIT = {name: np.uint16(1 << i) for i, name in enumerate(FLAG_RULES)}
NAT = np.iinfo(np.int64).min
NS_PER_MINUTE = 60_000_000_000
NS_PER_DAY = 86_400_000_000_000
CPR_PATTERN = re.compile(r"(?<!\d)\d{6}\s?-?\s?\d{4}(?!\d)")

LOG_COLUMNS = ["file", "sheet", "row", "column", "rule", "action", "detail"]
ACCOUNTING_COLUMNS = ["file", "sheet", "rows_read", "kept", "merged", "quarantined", "ignored", "note"]
VISIT_COLUMNS = [
    "visit_id", "offer_id", "date", "citizen_key", "start", "end", "granularity", "on_closed_day", "is_trip",
    "flags", "source_file", "source_sheet", "source_row",
]  # fmt: skip


Visits = dict[str, np.ndarray]  # column arrays of the records being turned into visits, aligned with State


class AccountingError(RuntimeError):
    """The accounting identity failed: a bug in cleaning, never the analyst's input."""


def _category_lookup(values: pd.Series, func) -> np.ndarray:
    """Apply `func` to each category once and broadcast to rows (missing → func(None))."""
    cats = values.cat.categories
    table = np.array([func(c) for c in cats] + [func(None)])
    codes = values.cat.codes.to_numpy()
    return table[np.where(codes < 0, len(cats), codes)]


class QualityLog:
    """One row per rule application; `column` is the header as written in the sheet (or the tick cell)."""

    def __init__(self, frame: pd.DataFrame, sheets: list) -> None:
        self.frame = frame
        self.parts: list[pd.DataFrame] = []
        file_codes = frame["file"].cat.codes.to_numpy().astype(np.int64)
        sheet_codes = frame["sheet"].cat.codes.to_numpy().astype(np.int64)
        width = len(frame["sheet"].cat.categories) + 1
        sheet_idx, uniques = pd.factorize(file_codes * width + sheet_codes)
        self.sheet_idx = sheet_idx.astype(np.int32)  # an index into a few sheets: 40 MB at 10 M rows, not 80
        del file_codes, sheet_codes, sheet_idx
        files, sheet_names = frame["file"].cat.categories, frame["sheet"].cat.categories
        keys = [(str(files[u // width]), str(sheet_names[u % width])) for u in uniques]
        self.sheet_keys = keys
        by_sheet = {(s.file, s.sheet): s.headers for s in sheets}
        self.headers: dict[str, np.ndarray] = {
            name: np.array([by_sheet.get(k, {}).get(name, name) for k in keys] or [""], dtype=object)
            for name in RAW_VALUE_FIELDS
        }

    def add(self, mask: np.ndarray, rule: str, action: str, field: str | None, detail: Any) -> None:
        idx = np.flatnonzero(mask)
        if not len(idx):
            return
        sub = self.frame.iloc[idx]
        if field is None:
            column = np.full(len(idx), "", dtype=object)
        else:
            column = self.headers[field][self.sheet_idx[idx]]
            if field in ("date", "time_in", "time_out"):
                cell = sub["cell"].astype(object).fillna("").to_numpy()
                column = np.where(cell != "", cell, column)
        if isinstance(detail, pd.Series):  # sparse: the details of the marked rows only, by row position
            detail_values = detail.loc[idx].to_numpy(dtype=object)
        elif isinstance(detail, np.ndarray):
            detail_values = detail[idx]
        else:
            detail_values = np.full(len(idx), detail, dtype=object)
        self.parts.append(
            pd.DataFrame(
                {
                    "file": sub["file"].astype(object).to_numpy(),
                    "sheet": sub["sheet"].astype(object).to_numpy(),
                    "row": sub["row"].to_numpy(),
                    "column": column,
                    "rule": rule,
                    "action": action,
                    "detail": detail_values,
                }
            )
        )

    def add_sheet(
        self, file: str, sheet: str, rule: str, action: str, detail: str, column: str = "", row: Any = pd.NA
    ) -> None:
        self.parts.append(
            pd.DataFrame(
                {
                    "file": [file],
                    "sheet": [sheet],
                    "row": [row],
                    "column": [column],
                    "rule": [rule],
                    "action": [action],
                    "detail": [detail],
                }  # fmt: skip
            )
        )

    def table(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in LOG_COLUMNS})
        log = pd.concat(self.parts, ignore_index=True)
        log["row"] = log["row"].astype("Int64")
        rank = {name: i for i, name in enumerate(RULE_ORDER)}
        log["_rank"] = log["rule"].map(rank).fillna(len(rank)).astype(int)
        log = log.sort_values(["file", "sheet", "row", "_rank", "column"], kind="stable", na_position="first")
        return log.drop(columns="_rank").reset_index(drop=True)


RULE_ORDER = (
    "dataset_file", "skipped_file", "hidden_sheet", "sheet_layout", "unread_column", "date_order",
    "unsupported_file", "title_row", "header_row", "blank_row", "total_row", "no_marks", "offer_alias",
    "absence_mark", "date_filled_down", "weekday_mismatch",
    "staff_or_volunteer", "cpr_in_citizen", "missing_citizen", "unparseable_date", "date_outside_period",
    "name_variant", "initials_resolved", "ambiguous_initials", "name_normalised", "name_partial", "ambiguous_name",
    "unparseable_time", "time_out_before_time_in",
    "missing_time_out", "implausible_duration", "outside_opening_hours", "closed_day", "exact_duplicate",
    "afternoon_hour", "entirely_outside_opening_hours", "time_range_in_cell",
    "overlapping_visits", "day_only",
)  # fmt: skip


class State:
    """The records being cleaned plus their status, reason and flags (arrays aligned with the records)."""

    def __init__(self, raw: RawRegistrations) -> None:
        # a new index on the same columns: reset_index would copy every column (330 MB at 10 M rows), and
        # the raw records are not read again
        self.df = raw.records.set_axis(pd.RangeIndex(len(raw.records)), copy=False)
        n = len(self.df)
        self.status = np.zeros(n, dtype=np.int8)
        self.reason = np.zeros(n, dtype=np.int8)  # index into RULE_ORDER + 1; 0 = none
        self.flags = np.zeros(n, dtype=np.uint16)
        self.incomplete = np.zeros(n, dtype=bool)  # name names a person only partly (set by resolve_citizens)
        self.names: pd.DataFrame | None = None  # review.xlsx's name table (raw names: quarantine folder only)
        self.log = QualityLog(self.df, raw.sheets)
        citizens = self.df["citizen"].cat.categories
        # per distinct citizen value: the normalised identifier (hashed later) — computed once
        self.citizen_norm = np.array([normalise_identifier(c) for c in citizens] + [""], dtype=object)
        codes = self.df["citizen"].cat.codes.to_numpy()
        # int32 like the codes: 40 MB at 10 M rows, not 80
        self.citizen_pos = np.where(codes < 0, len(citizens), codes).astype(np.int32, copy=False)

    def header_norm(self, name: str) -> np.ndarray:
        """normalise_header of each distinct value of a raw column (cached), plus "" for missing."""
        cache = self.__dict__.setdefault("_header_norm", {})
        if name not in cache:
            cats = self.df[name].cat.categories
            cache[name] = np.array([normalise_header(c) for c in cats] + [""], dtype=object)
        return cache[name]

    def forget_header_norms(self) -> None:
        """Drop the cache of `header_norm` once the header and total rules have run (the citizen column's
        distinct values alone are 45 MB at 10 M rows)."""
        self.__dict__.pop("_header_norm", None)

    def per_row(self, name: str, table: np.ndarray) -> np.ndarray:
        """Broadcast a per-category table (last entry: missing) to the rows."""
        codes = self.df[name].cat.codes.to_numpy()
        return table[np.where(codes < 0, len(table) - 1, codes)]

    @property
    def active(self) -> np.ndarray:
        return self.status == KEPT

    def drop(
        self, mask: np.ndarray, status: int, rule: str, field: str | None, detail: Any, action: str = ""
    ) -> None:
        mask = mask & self.active
        self.status[mask] = status
        self.reason[mask] = RULE_ORDER.index(rule) + 1
        self.log.add(mask, rule, action or STATUS_NAMES[status], field, detail)

    def flag(self, mask: np.ndarray, rule: str, action: str, field: str | None, detail: Any) -> None:
        self.flags[mask] |= FLAG_BIT[rule]
        self.log.add(mask, rule, action, field, detail)


# --------------------------------------------------------------------------------------------- memory


def _libc_malloc_trim() -> Any:
    """glibc's malloc_trim, or None (musl, macOS, Windows)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        return None


_MALLOC_TRIM = _libc_malloc_trim()


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off for a phase that builds millions of small acyclic containers (the
    referral index: a set per name and offer). Each full collection walks every tracked object, and building
    the index of 450,000 referred names set off full collections costing 1.1 s; what it makes is freed by
    reference counting, and any cycles wait for the next collection after the phase."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def release_memory() -> None:
    """Hand freed heap pages back to the OS between phases: glibc keeps the pages of freed numpy/pandas
    temporaries (and Arrow's pool its buffers) and the peak RSS adds them up phase by phase (issue 14)."""
    pa.default_memory_pool().release_unused()
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)
