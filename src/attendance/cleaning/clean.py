"""The `clean` stage: raw records → cleaned visits, with every raw row accounted for.

Each rule of the table in docs/raw_format.md is one function below, applied in the table's order to the whole
column at once (the benchmark is 10 million rows). Every application is written to the quality log, every
record ends as exactly one of kept / merged / quarantined / ignored, and the accounting identity
`rows_read == kept + merged + quarantined + ignored` is checked per file and sheet before anything is trusted.
Names, initials, CPR numbers and comments stop here: only keyed pseudonyms and flags leave this module, raw
values go to the quarantine folder only.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import holidays
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from attendance.errors import InputError
from attendance.ingest.columns import header_lookup, load_column_aliases, normalise_header
from attendance.ingest.parsing import (
    date_order_evidence,
    is_blank_values,
    parse_date,
    parse_dates,
    parse_time,
    parse_times,
    time_to_offset,
    weekday_name,
    weekday_prefix,
)
from attendance.ingest.readers import (
    _TICK_RANGE,
    ABSENCE_MARKS,
    RAW_VALUE_FIELDS,
    TOTAL_WORDS,
    Dataset,
    Offer,
    OfferMatcher,
    RawRegistrations,
    read_citizen_aliases,
    read_dataset,
    read_offers,
    read_referrals,
    read_registrations,
)
from attendance.ingest.schemas import ReferralsSchema, VisitsSchema
from attendance.timeofday import hhmm_to_minutes

from . import names
from .names import ReferralIndex
from .pseudonym import Pseudonymiser, load_key, normalise_identifier
from .quality import REVIEW_RULES
from .review import (
    REVIEW_FILE,
    Review,
    name_table,
    rows_table,
    sheet_table,
    strict_error,
    with_raw_values,
    write_review,
)

DEFAULT_PARAMS: dict[str, Any] = {
    "include_hidden_sheets": False,  # hidden sheets are accounted and logged, read only when true
    "missing_time_out": "median_stay",
    "time_out_before_in": "swap",
    "outside_opening_hours": "clip",
    "max_stay_hours": 12,
    "merge_gap_minutes": 0,
    "trip_keywords": ["tur", "udflugt", "sommerland", "museum", "skov", "strand", "biograf"],
    "strict": False,
}
CHOICES = {
    "missing_time_out": ("closing_time", "median_stay", "quarantine"),
    "time_out_before_in": ("swap", "quarantine"),
    "outside_opening_hours": ("clip", "keep"),
}

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
# Staff and volunteers are recognised by the name field only: listed in offers.yaml, or marked there with a
# prefix (`Personale: Ida`, `Frivillig - Ole`) or the bare word. Words in a comment never decide it.
STAFF_PREFIX = re.compile(
    r"^\s*(?:personale|frivillig|medarbejder|ansat|praktikant)(?:\s*[:\-–]|\s*$)", re.IGNORECASE
)
LOG_COLUMNS = ["file", "sheet", "row", "column", "rule", "action", "detail"]
ACCOUNTING_COLUMNS = ["file", "sheet", "rows_read", "kept", "merged", "quarantined", "ignored", "note"]
VISIT_COLUMNS = [
    "visit_id", "offer_id", "date", "citizen_key", "start", "end", "granularity", "on_closed_day", "is_trip",
    "flags", "source_file", "source_sheet", "source_row",
]  # fmt: skip


Visits = dict[str, np.ndarray]  # column arrays of the records being turned into visits, aligned with State


class AccountingError(RuntimeError):
    """The accounting identity failed: a bug in cleaning, never the analyst's input."""


@dataclass
class CleanResult:
    """The stage's outputs. `visits` and `referrals` are read back from the Parquet files on first use, so
    they have exactly the types every later stage sees (and the CLI never pays for them)."""

    offers: dict[str, Any]
    quality_log: pd.DataFrame
    accounting: pd.DataFrame
    quarantine: pd.DataFrame
    paths: dict[str, Path] = field(default_factory=dict)
    review_counts: dict[str, int] = field(default_factory=dict)  # items in review.xlsx per kind (no names)
    _cache: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    def _table(self, name: str) -> pd.DataFrame:
        if name not in self._cache:
            self._cache[name] = pd.read_parquet(self.paths[name])
        return self._cache[name]

    @property
    def visits(self) -> pd.DataFrame:
        return self._table("visits")

    @property
    def referrals(self) -> pd.DataFrame:
        return self._table("referrals")

    def totals(self) -> dict[str, int]:
        sums = self.accounting[["rows_read", *STATUS_NAMES]].sum()
        return {"read": int(sums["rows_read"]), **{name: int(sums[name]) for name in STATUS_NAMES}}

    def summary(self) -> str:
        t = self.totals()
        return (
            f"clean: {t['read']} rows read -> {t['kept']} kept, {t['merged']} merged, {t['quarantined']} "
            f"quarantined, {t['ignored']} ignored; {t['kept']} visits -> {self.paths.get('visits', '')}"
        )


# --------------------------------------------------------------------------------------------- helpers


def check_params(params: dict[str, Any] | None) -> dict[str, Any]:
    merged = {**DEFAULT_PARAMS, **(params or {})}
    if not isinstance(merged["include_hidden_sheets"], bool):
        raise InputError(
            "clean.include_hidden_sheets must be true or false", file="params.yaml", fix="e.g. false"
        )
    for key, allowed in CHOICES.items():
        if merged[key] not in allowed:
            raise InputError(
                f"clean.{key} is {merged[key]!r}", file="params.yaml", fix=f"use one of {', '.join(allowed)}"
            )
    for key in ("max_stay_hours", "merge_gap_minutes"):
        value = merged[key]
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise InputError(f"clean.{key} must be a non-negative number", file="params.yaml", fix="e.g. 12")
    keywords = merged["trip_keywords"] or []
    if isinstance(keywords, str) or not all(isinstance(k, str) and k.strip() for k in keywords):
        raise InputError(
            "clean.trip_keywords must be a list of words", file="params.yaml", fix="e.g. [tur, udflugt]"
        )
    merged["trip_keywords"] = [k.strip() for k in keywords]
    if not isinstance(merged["strict"], bool):
        raise InputError("clean.strict must be true or false", file="params.yaml", fix="e.g. strict: false")
    return merged


def _category_lookup(values: pd.Series, func) -> np.ndarray:
    """Apply `func` to each category once and broadcast to rows (missing → func(None))."""
    cats = values.cat.categories
    table = np.array([func(c) for c in cats] + [func(None)])
    codes = values.cat.codes.to_numpy()
    return table[np.where(codes < 0, len(cats), codes)]


def _fmt_offset(ns: int) -> str:
    minutes = int(ns // NS_PER_MINUTE)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


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
        self.df = raw.records.reset_index(drop=True)
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


# --------------------------------------------------------------------------------------------- rules


def ignore_title_and_header_rows(state: State, lookup: dict[str, str]) -> None:
    """Title rows above the header, the header row itself and header rows repeated further down."""
    df = state.df
    kind = df["kind"]
    state.drop((kind == "title").to_numpy(), IGNORED, "title_row", None, "title row above the header")
    state.drop((kind == "header").to_numpy(), IGNORED, "header_row", None, "header row")
    hits = np.zeros(len(df), dtype=np.int8)
    for name in RAW_VALUE_FIELDS:
        is_header = np.array([lookup.get(v) == name for v in state.header_norm(name)], dtype=bool)
        hits += state.per_row(name, is_header)
    state.drop((kind == "data").to_numpy() & (hits >= 2), IGNORED, "header_row", None, "repeated header row")


def _blank_but_date(df: pd.DataFrame) -> np.ndarray:
    blank = np.ones(len(df), dtype=bool)
    for name in RAW_VALUE_FIELDS:
        if name != "date":
            blank &= is_blank_values(df[name])
    return blank


def ignore_blank_rows(state: State) -> None:
    df = state.df
    state.drop(_blank_but_date(df) & is_blank_values(df["date"]), IGNORED, "blank_row", None, "empty row")


def ignore_date_only_rows(state: State) -> None:
    """Lines of the long layout with only a date (a pre-filled line nobody used, as in the registration
    template): a date without a citizen, times, comment or offer is no visit. After the total rows."""
    df = state.df
    long = (df["layout"] == "long").to_numpy()
    state.drop(_blank_but_date(df) & long, IGNORED, "blank_row", None, "only a date: an unused line")


def ignore_total_rows(state: State) -> None:
    pattern = re.compile(r"^(?:" + "|".join(sorted(TOTAL_WORDS)) + r")\d*$")
    total = np.zeros(len(state.df), dtype=bool)
    for name in ("date", "citizen", "time_in"):
        is_total = np.array([bool(pattern.match(v)) for v in state.header_norm(name)], dtype=bool)
        is_total[-1] = False
        total |= state.per_row(name, is_total)
    state.drop(total, IGNORED, "total_row", None, "total row (I alt / Total / Sum)")


def ignore_unmarked_rows(state: State) -> None:
    state.drop(
        (state.df["kind"] == "no_marks").to_numpy(),
        IGNORED,
        "no_marks",
        "citizen",
        "tick-list row without any marks",
    )


def _is_absence(value: Any) -> bool:
    return value is not None and " ".join(str(value).casefold().split()).rstrip(".") in ABSENCE_MARKS


def ignore_absence_marks(state: State) -> None:
    """`syg`, `afbud`, `/` … in a tick-list cell or the time-in cell (or as the whole comment of a row without
    times) say the citizen was not there: not a visit, logged (`absence_mark`)."""
    df = state.df
    data = (df["kind"] == "data").to_numpy()
    in_time = _category_lookup(df["time_in"], _is_absence).astype(bool)
    state.drop(
        data & in_time, IGNORED, "absence_mark", "time_in", "absence mark (syg, afbud, / …): not a visit"
    )
    no_times = is_blank_values(df["time_in"]) & is_blank_values(df["time_out"])
    in_comment = _category_lookup(df["comment"], _is_absence).astype(bool)
    state.drop(
        data & no_times & in_comment,
        IGNORED,
        "absence_mark",
        "comment",
        "no times and the comment is an absence mark (syg, afbud …): not a visit",
    )


def log_sheet_readings(state: State, raw: RawRegistrations) -> None:
    """One line per sheet saying how it was read (layout, header row, fields found, offer) and one per column
    that was not read — never a silent choice. Details name fields, never cell values."""
    for info in raw.sheets:
        if info.layout == "empty":
            continue
        fields = sorted(info.headers)
        parts = [f"{info.layout} layout", f"header row {info.header_row}", "fields " + ", ".join(fields)]
        for name, columns in sorted(info.field_columns.items()):
            if len(columns) > 1:
                parts.append(f"{name} from {len(columns)} columns (the first filled cell from the left)")
        if info.time_range_column:
            parts.append("time in and out split from one time-range column")
        if info.weekday_column:
            parts.append("weekday column checked against the date, not read as the date")
        if info.sheet_offer:
            parts.append(f"offer {info.sheet_offer} from the {info.offer_source}")
        if "offer" in info.headers:
            parts.append("offer column per row")
        state.log.add_sheet(info.file, info.sheet, "sheet_layout", "read", "; ".join(parts))
        for column in info.unread_columns:
            state.log.add_sheet(
                info.file,
                info.sheet,
                "unread_column",
                "ignored",
                "column not read: not a known header name (add it to columns.yaml if it holds a field), or a "
                "field this layout does not use",
                column=column,
                row=info.header_row,
            )


def assign_offers(
    state: State, matcher: OfferMatcher, offers: dict[str, Offer], raw: RawRegistrations
) -> np.ndarray:
    """offer index per record: the Tilbud cell if there is one, else the sheet's offer (title/sheet/file name)."""
    df = state.df
    offer_ids = list(offers)
    offer_cat = df["offer"]
    cell_offer = _category_lookup(
        offer_cat, lambda v: -1 if v is None else offer_ids.index(m) if (m := matcher.match(v)) else -2
    )
    sheet_offer = _category_lookup(df["sheet_offer"], lambda v: -1 if v is None else offer_ids.index(v))
    blank = is_blank_values(offer_cat)
    cell_offer = np.where(blank, -1, cell_offer)
    active = state.active
    unknown = active & (cell_offer == -2)
    if unknown.any():
        i = int(np.flatnonzero(unknown)[0])
        raise InputError(
            "unknown offer name in the offer column",
            file=str(df["file"].iat[i]),
            sheet=str(df["sheet"].iat[i]) or None,
            row=int(df["row"].iat[i]),
            column=str(state.log.headers["offer"][state.log.sheet_idx[i]]),
            fix="add the name to the offer's `aliases` in offers.yaml",
        )
    disagree = active & (cell_offer >= 0) & (sheet_offer >= 0) & (cell_offer != sheet_offer)
    if disagree.any():
        i = int(np.flatnonzero(disagree)[0])
        file, sheet = str(df["file"].iat[i]), str(df["sheet"].iat[i])
        source = next((s.offer_source for s in raw.sheets if (s.file, s.sheet) == (file, sheet)), "sheet")
        raise InputError(
            f"the offer column says {offer_ids[cell_offer[i]]} but the {source} says "
            f"{offer_ids[sheet_offer[i]]}: two readings of the offer",
            file=file,
            sheet=sheet or None,
            row=int(df["row"].iat[i]),
            column=str(state.log.headers["offer"][state.log.sheet_idx[i]]),
            fix="correct the offer cell, or the title/sheet/file name, so they agree",
        )
    offer_idx = np.where(cell_offer >= 0, cell_offer, sheet_offer).astype(np.int64)
    missing = active & (offer_idx < 0)
    if missing.any():
        i = int(np.flatnonzero(missing)[0])
        raise InputError(
            "the offer cell is empty and the sheet does not name an offer",
            file=str(df["file"].iat[i]),
            sheet=str(df["sheet"].iat[i]) or None,
            row=int(df["row"].iat[i]),
            column=str(state.log.headers["offer"][state.log.sheet_idx[i]]),
            fix="fill in the offer, or name it in a title row or the file name",
        )
    canonical = _category_lookup(
        offer_cat,
        lambda v: (
            v is None
            or normalise_header(v)
            in {normalise_header(o) for o in offer_ids}
            | {normalise_header(offers[o].name) for o in offer_ids}
        ),
    )
    alias_rows = active & (cell_offer >= 0) & ~canonical
    state.flag(
        alias_rows,
        "offer_alias",
        "normalised",
        "offer",
        np.array([f"offer name read as {o}" for o in offer_ids] + [""], dtype=object)[offer_idx],
    )
    for sheet in raw.sheets:
        if sheet.sheet_offer and sheet.offer_source:
            state.log.add_sheet(
                sheet.file,
                sheet.sheet,
                "offer_alias",
                "normalised",
                f"offer {sheet.sheet_offer} read from the {sheet.offer_source}",
            )
    return offer_idx


def remove_staff_and_volunteers(state: State, offer_idx: np.ndarray, offers: dict[str, Offer]) -> None:
    """Registrations of staff and volunteers are not citizens' visits: recognised by the name field only
    (the offer's `staff_and_volunteers`, or a `Personale:`/`Frivillig:` prefix) — a comment such as
    "Personalet hjalp med ansøgning" is a citizen's visit."""
    staff = np.zeros(len(state.df), dtype=bool)
    norm = pd.Index(state.citizen_norm)
    for i, offer in enumerate(offers.values()):
        names = [normalise_identifier(n) for n in offer.staff_and_volunteers]
        if names:
            staff |= (offer_idx == i) & norm.isin(names)[state.citizen_pos]
    by_prefix = _category_lookup(
        state.df["citizen"], lambda v: v is not None and bool(STAFF_PREFIX.match(str(v)))
    )
    state.drop(
        staff,
        IGNORED,
        "staff_or_volunteer",
        "citizen",
        "staff or volunteer listed in offers.yaml",
        action="removed",
    )
    state.drop(
        by_prefix,
        IGNORED,
        "staff_or_volunteer",
        "citizen",
        "name field marked as staff or volunteer (Personale:/Frivillig:)",
        action="removed",
    )


def quarantine_cpr_numbers(state: State) -> np.ndarray:
    """A CPR number typed into the citizen field: the row is unusable and the number is never logged."""
    cpr = _category_lookup(state.df["citizen"], lambda v: v is not None and bool(CPR_PATTERN.search(str(v))))
    state.drop(
        cpr, QUARANTINED, "cpr_in_citizen", "citizen", "CPR-like number in the citizen field (not logged)"
    )
    return cpr


def quarantine_missing_citizen(state: State) -> None:
    state.drop(is_blank_values(state.df["citizen"]), QUARANTINED, "missing_citizen", "citizen", "no citizen")


def _date_order(state: State) -> np.ndarray:
    """Per file: read numeric dates month first? Decided from the file's unambiguous values (`15/3` can only
    be day first, `3/15` only month first); a file with both stops; a file with neither is day first, and
    says so in the log when it has dates that could be read both ways (`3/4`)."""
    df = state.df
    cats = df["date"].cat.categories
    evidence = np.array([date_order_evidence(c) for c in cats] + [0], dtype=np.int8)
    if not evidence.any():  # no numeric dates that could be read two ways: every file is day first
        return np.zeros(len(df["file"].cat.categories), dtype=bool)
    ev = state.per_row("date", evidence)
    file_codes = df["file"].cat.codes.to_numpy().astype(np.int64)
    n_files = len(df["file"].cat.categories)
    data = (df["kind"] == "data").to_numpy()
    day_first = np.bincount(file_codes[data & (ev == 1)], minlength=n_files) > 0
    month_first = np.bincount(file_codes[data & (ev == 2)], minlength=n_files) > 0
    both = day_first & month_first
    if both.any():
        f = int(np.flatnonzero(both)[0])
        i_day = int(np.flatnonzero((file_codes == f) & data & (ev == 1))[0])
        i_month = int(np.flatnonzero((file_codes == f) & data & (ev == 2))[0])
        raise InputError(
            f"dates are written both day first (row {int(df['row'].iat[i_day])}) and month first "
            f"(row {int(df['row'].iat[i_month])}), so a date such as 3/4 has two readings",
            file=str(df["file"].iat[i_month]),
            sheet=str(df["sheet"].iat[i_month]) or None,
            row=int(df["row"].iat[i_month]),
            column=str(state.log.headers["date"][state.log.sheet_idx[i_month]]),
            fix="write every date of the file the same way, e.g. DD-MM-YYYY",
        )
    ambiguous = np.bincount(file_codes[data & (ev == 3)], minlength=n_files) > 0
    for f in np.flatnonzero(ambiguous & ~day_first & ~month_first):
        state.log.add_sheet(
            str(df["file"].cat.categories[f]),
            "",
            "date_order",
            "read",
            "numeric dates read day first (DD/MM, the Danish default): no date in the file decides the order",
        )
    for f in np.flatnonzero(month_first):
        state.log.add_sheet(
            str(df["file"].cat.categories[f]),
            "",
            "date_order",
            "read",
            "numeric dates read month first (MM/DD): the file has dates that can only be read that way",
        )
    return month_first


def _period_dates(state: State, dataset: Dataset, month_first: bool) -> np.ndarray:
    """Each distinct date value parsed once (int64 ns per row). A date typed without a year (`ti 3/3`) takes
    the year of the dataset period in which it falls: in a period across New Year, `5/1` is in the later
    year (before: the first year, then quarantined as outside the period)."""
    years = dataset.years
    if len(years) == 1:
        return parse_dates(state.df["date"], years, month_first).to_numpy().view(np.int64).copy()
    start, end = dataset.period_start.value, dataset.period_end.value

    def pick(value: Any) -> int:
        found = [parse_date(value, (year,), month_first) for year in years]
        values = {f.value for f in found if f is not None}
        if len(values) <= 1:
            return values.pop() if values else NAT
        inside = sorted(v for v in values if start <= v <= end)
        if len(inside) == 1:
            return inside[0]
        return NAT if inside else min(values)  # two years in the period: no single reading

    table = np.array([pick(c) for c in state.df["date"].cat.categories] + [NAT], dtype=np.int64)
    return state.per_row("date", table).copy()


def parse_visit_dates(state: State, dataset: Dataset) -> np.ndarray:
    """Dates as int64 ns; the day/month order per file (`_date_order`); a date written only on the first row
    of a day (or merged down) filled down; the weekday of a `Dag` column or a prefix (`ti 3/3`) checked; rows
    without a readable date or outside the dataset period are quarantined."""
    df = state.df
    month_first = _date_order(state)
    dates = _period_dates(state, dataset, False)
    file_codes = df["file"].cat.codes.to_numpy()
    if month_first.any():
        dates = np.where(month_first[file_codes], _period_dates(state, dataset, True), dates)
    fill_down_dates(state, dates)
    state.drop(dates == NAT, QUARANTINED, "unparseable_date", "date", "not a date (raw value in quarantine)")
    check_weekdays(state, dates)
    outside = (dates != NAT) & ((dates < dataset.period_start.value) | (dates > dataset.period_end.value))
    state.drop(
        outside,
        QUARANTINED,
        "date_outside_period",
        "date",
        f"outside the period {dataset.period_start.date()}..{dataset.period_end.date()}",
    )
    return dates


def fill_down_dates(state: State, dates: np.ndarray) -> None:
    """Long layout: a row with an empty date cell takes the date of the nearest row above in the same sheet
    whose date cell is filled — if that date is readable (a total row, repeated header or unreadable date
    above stops it). Covers dates written once per day and vertically merged date cells. Logged per row."""
    df = state.df
    blank = is_blank_values(df["date"])
    long = (df["layout"] == "long").to_numpy()
    fill = state.active & blank & long & (df["kind"] == "data").to_numpy()
    if not fill.any():
        return
    source = ~blank & long
    last = np.maximum.accumulate(np.where(source, np.arange(len(dates)), -1))
    idx = np.flatnonzero(fill & (last >= 0))
    src = last[idx]
    sheet_idx = state.log.sheet_idx
    good = (sheet_idx[src] == sheet_idx[idx]) & (dates[src] != NAT)
    idx, src = idx[good], src[good]
    if not len(idx):
        return
    dates[idx] = dates[src]
    mask = np.zeros(len(dates), dtype=bool)
    mask[idx] = True
    detail = np.full(len(dates), "", dtype=object)
    detail[idx] = "date taken from row " + pd.Series(df["row"].to_numpy()[src]).astype(str).to_numpy(
        dtype=object
    )
    state.log.add(mask, "date_filled_down", "filled", "date", detail)


DANISH_WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")


def check_weekdays(state: State, dates: np.ndarray) -> None:
    """A weekday written beside the date (a `Dag` column) or before it (`ti 3/3`) must be that date's
    weekday; when it is not, the row has two readings and is quarantined (`weekday_mismatch`)."""
    df = state.df
    prefixes = np.array(
        [-1 if (w := weekday_prefix(c)) is None else w for c in df["date"].cat.categories] + [-1]
    )
    cats = df["weekday"].cat.categories
    if not len(cats) and (prefixes < 0).all():  # no weekday written anywhere: nothing to check
        return
    weekday = (dates // NS_PER_DAY + 3) % 7  # 1970-01-01 was a Thursday
    written = state.per_row("date", prefixes)
    if len(cats):
        from_column = state.per_row(
            "weekday", np.array([-1 if (w := weekday_name(c)) is None else w for c in cats] + [-1])
        )
        # the Dag column, where it is filled and disagrees, else the prefix
        written = np.where((from_column >= 0) & (from_column != weekday), from_column, written)
    wrong = (dates != NAT) & (written >= 0) & (written != weekday)
    if not wrong.any():
        return
    names = np.array(DANISH_WEEKDAYS, dtype=object)
    detail = np.full(len(dates), "", dtype=object)
    detail[wrong] = (
        "weekday written as " + names[written[wrong]] + ", but the date is a " + names[weekday[wrong]]
    )
    state.drop(wrong, QUARANTINED, "weekday_mismatch", "date", detail)


def resolve_citizens(
    state: State,
    offer_idx: np.ndarray,
    offers: dict[str, Offer],
    referrals: pd.DataFrame,
    ref_ident: np.ndarray,
    aliases: dict[str, str],
    pseudonym: Pseudonymiser,
    dates: np.ndarray | None = None,
) -> pd.Categorical:
    """Resolve each citizen name against the referral list (`names.py`), then key identities (HMAC).

    Works on the distinct (offer, citizen value) pairs, never on rows: even ten million rows have few distinct
    names. Leaves `state.names` (per pair: method, candidates; per row: the pair) for the review and
    `state.incomplete` (rows whose name names a person only partly) for the merge rules.
    """
    pos = state.citizen_pos
    n_cat = len(state.citizen_norm)
    offer_ids = list(offers)
    pair = np.clip(offer_idx, 0, None).astype(np.int64)
    pair *= n_cat
    pair += pos
    active = state.active
    present = np.flatnonzero(np.bincount(pair[active], minlength=len(offer_ids) * n_cat))
    pair_offer = [offer_ids[p // n_cat] for p in present]
    pair_value = [state.citizen_norm[p % n_cat] for p in present]
    index = ReferralIndex(
        offer_ids, referrals["offer_id"].to_numpy(dtype=object), ref_ident, referrals["initials"]
    )
    res = index.resolve(pair_offer, pair_value, aliases)

    # pair code → position in `present` (dense table: offers × distinct names is small)
    slot = np.full(len(offer_ids) * n_cat, -1, dtype=np.int32)
    slot[present] = np.arange(len(present), dtype=np.int32)
    row_slot = slot[pair]  # int32: 10 M rows cost 40 MB, not 80
    del pair, slot
    known = row_slot >= 0

    def per_row(table: np.ndarray) -> np.ndarray:
        out = np.zeros(len(row_slot), dtype=bool)
        out[known] = table[row_slot[known]]
        return out

    method = res.method
    variant = np.array([aliases.get(v, v) != v for v in pair_value], dtype=bool)
    state.flag(
        active & per_row(variant),
        "name_variant",
        "normalised",
        "citizen",
        "spelling variant from citizen_aliases.csv",
    )
    state.drop(
        per_row(method == names.AMBIGUOUS_INITIALS),
        QUARANTINED,
        "ambiguous_initials",
        "citizen",
        "initials match several referred citizens",
    )
    ambiguous = per_row(method == names.AMBIGUOUS)
    if ambiguous.any():  # the detail (how many people it could be) only where needed: it is an object array
        texts = np.array(
            [f"could be {len(c)} referred citizens (see review.xlsx)" for c in res.candidates] + [""]
        )
        detail = np.full(len(ambiguous), "", dtype=object)
        detail[ambiguous] = texts[row_slot[ambiguous]]
        state.drop(ambiguous, QUARANTINED, "ambiguous_name", "citizen", detail)
    del ambiguous
    state.flag(
        state.active & per_row(method == names.INITIALS),
        "initials_resolved",
        "normalised",
        "citizen",
        "initials matched in the referral list",
    )
    state.flag(
        state.active & per_row(method == names.NORMALISED),
        "name_normalised",
        "normalised",
        "citizen",
        "name matched the referral list after case, punctuation and name order",
    )
    state.flag(
        state.active & per_row(method == names.PARTIAL),
        "name_partial",
        "normalised",
        "citizen",
        "first name or initials fit one referred citizen (check in review.xlsx)",
    )
    state.incomplete = state.active & per_row(res.incomplete)

    key_of: dict[str, int] = {}
    pair_key = np.array(
        [key_of.setdefault(pseudonym.of_normalised(v), len(key_of)) if v else -1 for v in res.identity]
        + [-1],
        dtype=np.int64,
    )
    key_code = pair_key[np.where(known, row_slot, len(present))]
    name_rows = _name_review(state, active, row_slot, known, dates, pair_offer, present % n_cat, res)
    # the review's name table is made now, while the referral index is alive (its suggestions need it), so the
    # index (hundreds of MB for a large referral list) is freed before the rest of the stage
    display: dict[str, str] = {}
    for identity, name in zip(ref_ident, referrals["name"].to_numpy(dtype=object), strict=True):
        display.setdefault(identity, " ".join(str(name).split()))
    state.names = name_table(name_rows, index, display)
    return pd.Categorical.from_codes(key_code, categories=list(key_of), validate=False)


def _name_review(
    state: State,
    was_active: np.ndarray,
    row_slot: np.ndarray,
    known: np.ndarray,
    dates: np.ndarray | None,
    pair_offer: list[str],
    pair_category: np.ndarray,
    res: names.Resolution,
) -> pd.DataFrame:
    """Names for the analyst's review (unmatched, ambiguous, partly matched): one row per offer and name as
    typed, with rows, first and last date. Holds raw names: it goes to data/quarantine/review.xlsx only."""
    kinds = {
        names.UNMATCHED: "unmatched",
        names.AMBIGUOUS: "ambiguous",
        names.AMBIGUOUS_INITIALS: "ambiguous",
        names.PARTIAL: "partial",
    }
    wanted = np.array([m in kinds for m in res.method] + [False], dtype=bool)
    rows = np.flatnonzero(was_active & known & wanted[np.where(known, row_slot, len(res.method))])
    columns = [
        "offer_id",
        "name",
        "normalised",
        "kind",
        "method",
        "candidates",
        "rows",
        "first_date",
        "last_date",
    ]
    if not len(rows):
        return pd.DataFrame(columns=columns)
    day = dates[rows] if dates is not None else np.full(len(rows), NAT, dtype=np.int64)
    grouped = (
        pd.DataFrame({"slot": row_slot[rows], "date": day.view("datetime64[ns]")})
        .groupby("slot", sort=True)["date"]
        .agg(["size", "min", "max"])
    )
    slots = grouped.index.to_numpy()
    categories = state.df["citizen"].cat.categories
    return pd.DataFrame(
        {
            "offer_id": [pair_offer[s] for s in slots],
            "name": [str(categories[pair_category[s]]) for s in slots],
            "normalised": [state.citizen_norm[pair_category[s]] for s in slots],
            "kind": [kinds[res.method[s]] for s in slots],
            "method": [res.method[s] for s in slots],
            "candidates": [res.candidates[s] for s in slots],
            "rows": grouped["size"].to_numpy().astype(np.int64),
            "first_date": grouped["min"].to_numpy(),
            "last_date": grouped["max"].to_numpy(),
        }
    )[columns]


def parse_visit_times(state: State) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Time in/out as ns since midnight; a timed row needs a readable time in, and time out if given."""
    df = state.df
    timed = (df["granularity"] == "timed").to_numpy()
    t_in = parse_times(df["time_in"]).to_numpy().view(np.int64).copy()
    t_out = parse_times(df["time_out"]).to_numpy().view(np.int64).copy()
    in_blank = is_blank_values(df["time_in"])
    out_blank = is_blank_values(df["time_out"])
    split_time_ranges(state, timed, t_in, t_out, out_blank)
    state.drop(timed & in_blank, QUARANTINED, "unparseable_time", "time_in", "time in is empty")
    state.drop(
        timed & (t_in == NAT),
        QUARANTINED,
        "unparseable_time",
        "time_in",
        "time in is not a time (raw value in quarantine)",
    )
    state.drop(
        timed & ~out_blank & (t_out == NAT),
        QUARANTINED,
        "unparseable_time",
        "time_out",
        "time out is not a time (raw value in quarantine)",
    )
    return timed, t_in, t_out


def _range_offsets(value: Any) -> tuple[int, int]:
    """`9.30-14`, `kl 9 - 13` in one cell → (time in, time out) as ns since midnight; (NAT, NAT) otherwise."""
    match = _TICK_RANGE.match(value) if isinstance(value, str) else None
    if not match:
        return NAT, NAT
    start, end = time_to_offset(parse_time(match[1])), time_to_offset(parse_time(match[2]))
    return (NAT, NAT) if start is None or end is None else (start, end)


def split_time_ranges(
    state: State, timed: np.ndarray, t_in: np.ndarray, t_out: np.ndarray, out_blank: np.ndarray
) -> None:
    """A range typed in the time-in cell with the time-out cell empty (`Ind: 9.30-14`) is both times: split,
    logged (`time_range_in_cell`). Per distinct value, so 10 million rows cost nothing extra."""
    cats = state.df["time_in"].cat.categories
    pairs = [_range_offsets(c) for c in cats]
    if not any(a != NAT for a, _ in pairs):
        return
    starts = state.per_row("time_in", np.array([a for a, _ in pairs] + [NAT], dtype=np.int64))
    ends = state.per_row("time_in", np.array([b for _, b in pairs] + [NAT], dtype=np.int64))
    split = state.active & timed & out_blank & (starts != NAT)
    t_in[split] = starts[split]
    t_out[split] = ends[split]
    out_blank[split] = False
    state.log.add(
        split, "time_range_in_cell", "split", "time_in", "a time range in the time-in cell: both times"
    )


_DATETIME_TEXT = re.compile(r"^\s*\d{4}-\d{1,2}-\d{1,2}[ tT]\d{1,2}:\d{2}")
EXCEL_TIME_ONLY_BEFORE = pd.Timestamp("1900-01-01").value  # Excel keeps a bare time on 1899-12-30/31


def _date_part(values: pd.Series) -> np.ndarray:
    """The date (int64 ns) of cells holding a date-time, as Excel date-time cells arrive; NAT otherwise."""

    def date_of(value: Any) -> int:
        if not isinstance(value, str) or not _DATETIME_TEXT.match(value):
            return NAT
        parsed = parse_date(value)
        return NAT if parsed is None or parsed.value < EXCEL_TIME_ONLY_BEFORE else parsed.value

    return _category_lookup(values, date_of).astype(np.int64)


def quarantine_stays_across_days(
    state: State, timed: np.ndarray, t_in: np.ndarray, t_out: np.ndarray, max_stay_ns: int
) -> None:
    """Time in and out typed as date-times on different days: judged on the whole registered stay, which the
    times of day alone would hide (7/4 9:00 → 9/4 10:00 is 49 hours, not one)."""
    day_in = _date_part(state.df["time_in"])
    if (day_in == NAT).all():
        return
    day_out = _date_part(state.df["time_out"])
    check = state.active & timed & (day_in != NAT) & (day_out != NAT) & (day_in != day_out)
    span = np.zeros(len(check), dtype=np.int64)
    span[check] = day_out[check] - day_in[check] + t_out[check] - t_in[check]
    state.drop(
        check & (np.abs(span) > max_stay_ns),
        QUARANTINED,
        "implausible_duration",
        "time_out",
        f"time in and time out on different days: stay longer than {max_stay_ns / 3.6e12:g} hours",
    )


NS_PER_HOUR = 60 * NS_PER_MINUTE


def read_afternoon_hours(
    state: State,
    timed: np.ndarray,
    t_in: np.ndarray,
    t_out: np.ndarray,
    is_open: np.ndarray,
    open_ns: np.ndarray,
    close_ns: np.ndarray,
) -> None:
    """`Gik 2.15` after `Kom 10.30`: staff type afternoon hours as 1–3. On an opening day, a time before
    12:00 that is before the day's opening while the same time + 12 h lies within the opening hours is read
    as the afternoon time — when that makes time out come after time in (00:xx is never moved). Flagged
    for review."""
    half_day = 12 * NS_PER_HOUR
    # candidates first (a time typed before opening), then the rule on those few rows only
    early = (t_in < open_ns) | ((t_out < open_ns) & (t_out != NAT))
    rows = np.flatnonzero(early & state.active & timed & is_open)
    n = len(t_in)
    move_in, move_out = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    if not len(rows):
        return
    a_in, a_out, o, c = t_in[rows], t_out[rows], open_ns[rows], close_ns[rows]

    def afternoon(t: np.ndarray) -> np.ndarray:
        later = t + half_day
        return (t != NAT) & (t >= NS_PER_HOUR) & (t < half_day) & (t < o) & (later >= o) & (later <= c)

    m_in, m_out = afternoon(a_in), afternoon(a_out)
    new_in = np.where(m_in, a_in + half_day, a_in)
    new_out = np.where(m_out, a_out + half_day, a_out)
    consistent = (new_out == NAT) | (new_out > new_in)
    move_in[rows] = m_in & consistent
    move_out[rows] = m_out & consistent
    for mask, times, column, what in (
        (move_in, t_in, "time_in", "time in"),
        (move_out, t_out, "time_out", "time out"),
    ):
        if not mask.any():
            continue
        idx = np.flatnonzero(mask)
        detail = np.full(len(times), "", dtype=object)
        detail[idx] = [
            f"{what} read as {_fmt_offset(t + 12 * NS_PER_HOUR)} (typed before opening; open until {_fmt_offset(c)})"
            for t, c in zip(times[idx], close_ns[idx], strict=True)
        ]
        times[idx] += 12 * NS_PER_HOUR
        state.flag(mask, "afternoon_hour", "read as afternoon", column, detail)


def fix_time_out_before_in(
    state: State, timed: np.ndarray, t_in: np.ndarray, t_out: np.ndarray, how: str
) -> None:
    wrong = state.active & timed & (t_out != NAT) & (t_out < t_in)
    if how == "quarantine":
        state.drop(wrong, QUARANTINED, "time_out_before_time_in", "time_out", "time out before time in")
        return
    state.flag(wrong, "time_out_before_time_in", "swapped", "time_out", "time in and time out swapped")
    t_in[wrong], t_out[wrong] = t_out[wrong], t_in[wrong].copy()


@dataclass
class Calendar:
    """Per offer and period day: open?, first opening and last closing time (ns since midnight)."""

    start_ns: int
    is_open: np.ndarray  # [offer, day]
    open_ns: np.ndarray
    close_ns: np.ndarray
    why_closed: np.ndarray  # [offer, day] text

    def lookup(
        self, offer_idx: np.ndarray, dates: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        valid = (offer_idx >= 0) & (dates != NAT) & (dates >= self.start_ns)
        day = np.where(valid, (dates - self.start_ns) // NS_PER_DAY, 0)
        valid &= day < self.is_open.shape[1]
        day = np.where(valid, day, 0)
        o = np.where(valid, offer_idx, 0)
        return (
            valid & self.is_open[o, day],
            self.open_ns[o, day],
            self.close_ns[o, day],
            self.why_closed[o, day],
        )


def opening_calendar(offers: dict[str, Offer], dataset: Dataset) -> Calendar:
    """Opening days: weekday hours, minus Danish public holidays (holidays.Denmark), minus closed dates."""
    days = pd.date_range(dataset.period_start, dataset.period_end, freq="D")
    dk_holidays = holidays.country_holidays("DK", years=list(dataset.years), language="da")
    shape = (len(offers), len(days))
    is_open = np.zeros(shape, dtype=bool)
    open_ns = np.zeros(shape, dtype=np.int64)
    close_ns = np.zeros(shape, dtype=np.int64)
    why = np.full(shape, "", dtype=object)
    for i, offer in enumerate(offers.values()):
        closed = set(offer.closed_dates)
        for j, day in enumerate(days):
            hours = offer.opening_hours.get(day.weekday(), [])
            if day.date() in dk_holidays:
                why[i, j] = f"public holiday ({dk_holidays.get(day.date())})"
            elif day.date() in closed:
                why[i, j] = "closed date in offers.yaml"
            elif not hours:
                why[i, j] = "no opening hours on this weekday"
            else:
                is_open[i, j] = True
                open_ns[i, j] = min(hhmm_to_minutes(a) * NS_PER_MINUTE for a, _ in hours)
                close_ns[i, j] = max(hhmm_to_minutes(b) * NS_PER_MINUTE for _, b in hours)
    return Calendar(days[0].value if len(days) else 0, is_open, open_ns, close_ns, why)


def impute_missing_time_out(
    state: State,
    timed: np.ndarray,
    t_in: np.ndarray,
    t_out: np.ndarray,
    offer_idx: np.ndarray,
    is_open: np.ndarray,
    close_ns: np.ndarray,
    how: str,
    max_stay_ns: int,
    n_offers: int,
) -> np.ndarray:
    """Impute time out (closing time or the offer's median stay, capped at closing) or quarantine."""
    missing = state.active & timed & (t_out == NAT)
    imputed = np.zeros(len(t_in), dtype=bool)
    if how == "quarantine":
        state.drop(missing, QUARANTINED, "missing_time_out", "time_out", "no time out")
        return imputed
    stay = t_out - t_in
    complete = state.active & timed & (t_out != NAT) & (stay <= max_stay_ns)
    median = np.full(n_offers, NAT, dtype=np.int64)
    for i in range(n_offers):
        stays = stay[complete & (offer_idx == i)]
        if len(stays):
            median[i] = int(np.median(stays) // NS_PER_MINUTE * NS_PER_MINUTE)
    del stay, complete
    # only the rows without a time out (a few percent): no full-length temporaries or text arrays (issue 14)
    idx = np.flatnonzero(missing)
    t_in_m, close_m, offer_m = t_in[idx], close_ns[idx], offer_idx[idx]
    has_close = is_open[idx] & (t_in_m < close_m)
    med = median[np.clip(offer_m, 0, None)]
    if how == "closing_time":
        end = np.where(has_close, close_m, np.where(med != NAT, t_in_m + med, NAT))
        detail = np.where(
            has_close, "imputed: closing time", "imputed: median stay (no closing time that day)"
        )
    else:
        by_median = np.where(med != NAT, t_in_m + med, NAT)
        capped = has_close & (by_median != NAT) & (by_median > close_m)
        end = np.where(
            capped, close_m, np.where(by_median != NAT, by_median, np.where(has_close, close_m, NAT))
        )
        text = np.array(
            [f"imputed: median stay {_fmt_offset(m)}" if m != NAT else "" for m in median] + [""],
            dtype=object,
        )
        detail = np.where(
            capped,
            "imputed: median stay, capped at closing time",
            text[np.where(offer_m >= 0, offer_m, n_offers)],
        )
        detail = np.where(by_median == NAT, "imputed: closing time (no median stay)", detail)
    end = np.minimum(end, np.where(end == NAT, NAT, NS_PER_DAY - 1_000_000_000))
    nothing = end == NAT
    impossible = np.zeros(len(t_in), dtype=bool)
    impossible[idx[nothing]] = True
    state.drop(
        impossible, QUARANTINED, "missing_time_out", "time_out", "no time out and nothing to impute it from"
    )
    fill_idx = idx[~nothing]
    t_out[fill_idx] = end[~nothing]
    imputed[fill_idx] = True
    state.flag(
        imputed,
        "missing_time_out",
        "imputed",
        "time_out",
        pd.Series(detail[~nothing].astype(object), index=fill_idx, dtype=object),
    )
    return imputed


def quarantine_implausible_durations(
    state: State,
    timed: np.ndarray,
    t_in: np.ndarray,
    t_out: np.ndarray,
    imputed: np.ndarray,
    max_stay_ns: int,
) -> None:
    """Stays longer than max_stay_hours are typing errors, judged on the times as registered (before clipping)."""
    long = state.active & timed & ~imputed & (t_out - t_in > max_stay_ns)
    state.drop(
        long,
        QUARANTINED,
        "implausible_duration",
        "time_out",
        f"stay longer than {max_stay_ns / 3.6e12:g} hours",
    )


def apply_opening_hours(
    state: State,
    timed: np.ndarray,
    t_in: np.ndarray,
    t_out: np.ndarray,
    is_open: np.ndarray,
    open_ns: np.ndarray,
    close_ns: np.ndarray,
    how: str,
) -> None:
    """Clip (or only flag) visits reaching outside the day's opening hours; visits wholly outside stay as typed."""
    candidates = state.active & timed & is_open
    outside = candidates & ((t_in < open_ns) | (t_out > close_ns))
    wholly = outside & ((t_out <= open_ns) | (t_in >= close_ns))
    partly = outside & ~wholly
    # kept with its times as typed (an evening event, or a typing error): flagged and listed for review
    state.flags[wholly] |= FLAG_BIT["outside_opening_hours"]
    state.log.add(
        wholly,
        "entirely_outside_opening_hours",
        "kept",
        "time_in",
        "entirely outside opening hours, kept as registered (check the times)",
    )
    if how == "clip":
        hours = np.array(
            [
                f"clipped to {_fmt_offset(a)}-{_fmt_offset(b)}"
                for a, b in zip(open_ns[partly], close_ns[partly], strict=True)
            ],
            dtype=object,
        )
        detail = np.full(len(t_in), "", dtype=object)
        detail[partly] = hours
        state.flag(partly, "outside_opening_hours", "clipped", "time_in", detail)
        t_in[partly] = np.maximum(t_in[partly], open_ns[partly])
        t_out[partly] = np.minimum(t_out[partly], close_ns[partly])
    else:
        state.flag(
            partly, "outside_opening_hours", "flagged", "time_in", "partly outside opening hours, kept"
        )


def flag_closed_days(state: State, is_open: np.ndarray, why_closed: np.ndarray) -> np.ndarray:
    closed = state.active & ~is_open
    state.flag(closed, "closed_day", "kept", "date", why_closed.astype(object))
    return closed


def _seconds(ns: np.ndarray, dates: np.ndarray) -> np.ndarray:
    """Seconds since the visit's midnight; -1 for missing times (day-only visits). In place on one new
    array: at 10 million rows each full-length temporary is 80 MB."""
    out = np.subtract(ns, dates)
    out //= 1_000_000_000
    out[ns == NAT] = -1
    return out


def _day_group(frame: Visits) -> np.ndarray:
    """One int64 per (offer, citizen, date): equal exactly when all three are equal."""
    day = frame["date"] // NS_PER_DAY  # days since 1970, < 2**17 for centuries
    key = frame["key"]
    offer = frame["offer"]
    if key.max(initial=0) >= 1 << 30 or offer.max(initial=0) >= 1 << 15:
        return pd.MultiIndex.from_arrays([offer, key, day]).codes  # pragma: no cover - absurd sizes
    group = offer << 47  # (offer << 47) | (key << 17) | day, in place
    group |= key << 17
    group |= day
    return group


def drop_exact_duplicates(state: State, frame: Visits, order: np.ndarray) -> None:
    """Same offer, date, citizen, start and end: the first (by file, sheet, row) is kept."""
    group = frame["group"][order]
    times = frame["times"][order]
    repeat = np.zeros(len(order), dtype=bool)
    repeat[1:] = (group[1:] == group[:-1]) & (times[1:] == times[:-1])
    dup = np.zeros(len(frame["date"]), dtype=bool)
    dup[order[repeat]] = True
    state.drop(
        dup,
        MERGED,
        "exact_duplicate",
        "date",
        "same offer, date, citizen, start and end as another row",
        action="dropped",
    )


def merge_overlapping_visits(state: State, frame: Visits, order: np.ndarray, gap_ns: int) -> None:
    """Visits of one citizen on one day that overlap (or touch within the gap) become one spanning visit."""
    pos = order[state.active[order] & frame["timed"][order]]  # still sorted by citizen-day, start
    # a visit alone on its citizen-day merges with nothing: only the shared days (a few percent) go on,
    # which keeps the temporaries below small at 10 million rows (issue 14)
    group = frame["group"][pos]
    shared = np.zeros(len(pos), dtype=bool)
    shared[1:] = group[1:] == group[:-1]
    shared[:-1] |= shared[1:]
    pos, group = pos[shared], group[shared]
    del shared
    if not len(pos):
        return
    dates = frame["date"][pos]
    start = _seconds(frame["start"][pos], dates)
    end = _seconds(frame["end"][pos], dates)
    same = np.zeros(len(pos), dtype=bool)
    same[1:] = group[1:] == group[:-1]
    segment = np.cumsum(~same)
    # running max of `end` within each citizen-day: offset segments so one global accumulate suffices
    span = np.int64(1 << 18)
    running = np.maximum.accumulate(end + segment * span) - segment * span
    previous_end = np.r_[np.int64(-(1 << 40)), running[:-1]]
    joins = same & (start <= previous_end + gap_ns // 1_000_000_000)
    first = ~joins
    if first.all():
        return
    starts = np.flatnonzero(first)
    heads = pos[starts]
    head_of = heads[np.cumsum(first) - 1]
    # groups are contiguous after the sort: reduce each run in one pass
    group_end = np.maximum.reduceat(frame["end"][pos], starts)
    flags_or = np.bitwise_or.reduceat(state.flags[pos], starts)
    trip_any = np.logical_or.reduceat(frame["is_trip"][pos], starts)
    multi = np.diff(np.r_[starts, len(pos)]) > 1
    frame["end"][heads] = group_end
    frame["is_trip"][heads] = trip_any
    state.flags[heads] = flags_or
    merged_pos = pos[joins]
    rows = state.df["row"].to_numpy()[head_of[joins]]
    files = state.df["file"].cat.codes.to_numpy()[head_of[joins]]
    names = np.asarray(state.df["file"].cat.categories, dtype=object)
    detail = pd.Series(
        [f"merged into the visit in {names[f]} row {r}" for f, r in zip(files, rows, strict=True)],
        index=merged_pos,
        dtype=object,
    ).sort_index()
    mask = np.zeros(len(frame["date"]), dtype=bool)
    mask[merged_pos] = True
    state.drop(mask, MERGED, "overlapping_visits", "time_in", detail, action="merged")
    head_mask = np.zeros(len(frame["date"]), dtype=bool)
    head_mask[heads[multi]] = True
    state.flag(
        head_mask, "overlapping_visits", "extended", "time_out", "spans the overlapping visits merged into it"
    )


def keep_incomplete_names_apart(state: State, frame: Visits) -> None:
    """A first name or initials only (`Jan`, `allan t.`) with another registration of the same citizen that
    day: the two could be two people, so they are never merged — the incomplete rows are quarantined."""
    candidates = state.active & state.incomplete
    if not candidates.any():
        return
    group = _day_group(frame)
    near = state.active & np.isin(group, group[candidates])
    values, counts = np.unique(group[near], return_counts=True)
    state.drop(
        candidates & np.isin(group, values[counts > 1]),
        QUARANTINED,
        "ambiguous_name",
        "citizen",
        "first name or initials only, and another registration of this citizen the same day: may be two people",
    )


def citizen_day_order(state: State, frame: Visits) -> np.ndarray:
    """Active records sorted by (offer, citizen, date), then start and end; ties keep the reading order.

    Adds `group` (one int per offer-citizen-date) and `times` (start and end packed) to `frame`; the
    duplicate and overlap rules both walk this one order.
    """
    dates = frame["date"]
    times = _seconds(frame["start"], dates)
    end = _seconds(frame["end"], dates)
    # ((start + 1) << 20) | (end + 1), in place: seconds < 2**17, so unique per (start, end)
    times += 1
    times <<= 20
    end += 1
    times |= end
    del end
    frame["times"] = times
    frame["group"] = _day_group(frame)
    active = np.flatnonzero(state.active)
    group = frame["group"][active]
    order = np.argsort(group, kind="stable")
    group = group[order]  # sorted; the unsorted copy is freed (80 MB at 10 million rows)
    shared = np.zeros(len(order), dtype=bool)  # rows whose citizen-day has more than one record
    shared[1:] = group[1:] == group[:-1]
    shared[:-1] |= shared[1:]
    if shared.any():  # only these few need ordering by time within the day
        sub = order[shared]
        order[shared] = sub[np.lexsort((frame["times"][active[sub]], group[shared]))]
    del group
    return active[order]


def handle_day_only(state: State, frame: Visits) -> None:
    """Tick-list marks: kept as day-level visits unless the citizen has a timed visit that day."""
    active = state.active
    timed_rows = frame["timed"]
    day = active & ~timed_rows
    if not day.any():
        return
    group = frame["group"]
    covered = day & np.isin(group, group[active & timed_rows])
    state.drop(
        covered, MERGED, "day_only", "date", "day mark dropped: timed visit the same day", action="merged"
    )
    state.flag(state.active & day, "day_only", "kept", "date", "day-level mark (no times)")


def trip_flags(comments: pd.Series, keywords: list[str]) -> np.ndarray:
    """True where the comment names an outing; keywords match at word starts (`tur` finds `turen`, not `kultur`)."""
    if not keywords:
        return np.zeros(len(comments), dtype=bool)
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(k.casefold()) for k in keywords) + ")", re.IGNORECASE)
    return _category_lookup(comments, lambda v: v is not None and bool(pattern.search(str(v))))


# --------------------------------------------------------------------------------------------- outputs


def data_hash(raw_dir: Path) -> str:
    """sha256 over the bytes of the raw files (not keys, not hidden files) in sorted relative-path order."""
    digest = hashlib.sha256()
    files = [
        p for p in Path(raw_dir).rglob("*")
        if p.is_file() and p.suffix != ".key" and not any(part.startswith(".") for part in p.relative_to(raw_dir).parts)
    ]  # fmt: skip
    for path in sorted(files, key=lambda p: p.relative_to(raw_dir).as_posix()):
        with open(path, "rb") as handle:
            for block in iter(lambda handle=handle: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _flag_strings(bits: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """`;`-joined rule names per row, as codes into the (few) distinct combinations."""
    used = np.flatnonzero(np.bincount(bits.astype(np.int64), minlength=1 << len(FLAG_RULES)))
    names = [";".join(r for r in FLAG_RULES if int(u) & int(FLAG_BIT[r])) for u in used]
    lookup = np.full(1 << len(FLAG_RULES), -1, dtype=np.int64)
    lookup[used] = np.arange(len(used))
    return lookup[bits.astype(np.int64)], names


REFERRALS_ARROW = pa.schema(
    [
        ("offer_id", pa.string()), ("citizen_key", pa.string()), ("referral_start", pa.timestamp("ns")),
        ("referral_end", pa.timestamp("ns")), ("age_band", pa.string()),
    ]
)  # fmt: skip


def write_parquet(table: pa.Table, path: Path) -> None:
    """Fixed writer options and no pandas metadata: same data → same bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        table.replace_schema_metadata(None),
        path,
        compression="zstd",
        compression_level=3,
        use_dictionary=True,
        # min/max of pseudonyms say nothing and cost seconds on large dictionaries
        write_statistics=[name for name in table.column_names if name != "citizen_key"],
        row_group_size=1 << 20,
        data_page_version="1.0",
        store_schema=False,
    )


def _write_csv(frame: Visits, path: Path) -> None:
    """UTF-8, `\\n` line ends, quotes only where needed (pyarrow's writer: fast for big quality logs)."""
    from pyarrow import csv as pacsv

    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
    pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(quoting_style="needed"))


# --------------------------------------------------------------------------------------------- the stage


def _libc_malloc_trim() -> Any:
    """glibc's malloc_trim, or None (musl, macOS, Windows)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        return None


_MALLOC_TRIM = _libc_malloc_trim()


def release_memory() -> None:
    """Hand freed heap pages back to the OS between phases: glibc keeps the pages of freed numpy/pandas
    temporaries (and Arrow's pool its buffers) and the peak RSS adds them up phase by phase (issue 14)."""
    pa.default_memory_pool().release_unused()
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def clean_dataset(
    raw_dir: Path, out_dir: Path, quarantine_dir: Path | None, params: dict | None
) -> CleanResult:
    """Read, clean, pseudonymise and write the processed files of one dataset folder."""
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    if not raw_dir.is_dir():
        raise InputError(
            "dataset folder not found", file=str(raw_dir), fix="check dataset.name in params.yaml"
        )
    quarantine_dir = Path(quarantine_dir) if quarantine_dir is not None else out_dir.parent / "quarantine"
    params = check_params(params)
    dataset = read_dataset(raw_dir)
    offers = read_offers(raw_dir)
    key = load_key(raw_dir)
    aliases = read_citizen_aliases(raw_dir)
    referrals_raw = read_referrals(raw_dir, offers, dataset)
    raw = read_registrations(raw_dir, offers, dataset, params["include_hidden_sheets"])
    release_memory()  # hand the CSV reader's buffers back before cleaning
    registrations, _ = load_column_aliases(raw_dir)
    lookup = header_lookup(registrations)

    state = State(raw)
    for skipped in raw.skipped:
        if skipped.rule != "dataset_file":
            state.log.add_sheet(skipped.file, skipped.sheet, skipped.rule, "ignored", skipped.note)
    for file, sheet in raw.hidden_read:
        state.log.add_sheet(
            file, sheet, "hidden_sheet", "read", "hidden sheet read (clean.include_hidden_sheets)"
        )
    ignore_title_and_header_rows(state, lookup)
    ignore_blank_rows(state)
    ignore_total_rows(state)
    ignore_date_only_rows(state)
    ignore_unmarked_rows(state)
    ignore_absence_marks(state)
    log_sheet_readings(state, raw)
    matcher = OfferMatcher(offers)
    offer_idx = assign_offers(state, matcher, offers, raw)
    remove_staff_and_volunteers(state, offer_idx, offers)
    quarantine_cpr_numbers(state)
    quarantine_missing_citizen(state)
    dates = parse_visit_dates(state, dataset)
    pseudonym = Pseudonymiser(key)
    ref_ident = referral_identities(referrals_raw, aliases)
    keys = resolve_citizens(state, offer_idx, offers, referrals_raw, ref_ident, aliases, pseudonym, dates)
    release_memory()
    timed, t_in, t_out = parse_visit_times(state)
    max_stay_ns = int(params["max_stay_hours"] * 3.6e12)
    quarantine_stays_across_days(state, timed, t_in, t_out, max_stay_ns)
    calendar = opening_calendar(offers, dataset)
    is_open, open_ns, close_ns, why_closed = calendar.lookup(offer_idx, dates)
    read_afternoon_hours(state, timed, t_in, t_out, is_open, open_ns, close_ns)
    fix_time_out_before_in(state, timed, t_in, t_out, params["time_out_before_in"])
    imputed = impute_missing_time_out(
        state,
        timed,
        t_in,
        t_out,
        offer_idx,
        is_open,
        close_ns,
        params["missing_time_out"],
        max_stay_ns,
        len(offers),
    )
    quarantine_implausible_durations(state, timed, t_in, t_out, imputed, max_stay_ns)
    apply_opening_hours(
        state, timed, t_in, t_out, is_open, open_ns, close_ns, params["outside_opening_hours"]
    )
    closed = flag_closed_days(state, is_open, why_closed)
    del open_ns, close_ns, why_closed, imputed, is_open
    release_memory()

    # start and end are made in the arrays of the times of day (not used after): no full-length copies
    untimed = ~(state.active & timed)
    np.add(t_in, dates, out=t_in)
    t_in[untimed] = NAT
    np.add(t_out, dates, out=t_out)
    t_out[untimed] = NAT
    del untimed
    frame: Visits = {
        "offer": offer_idx.astype(np.int64, copy=False),
        "date": dates,
        "key": keys.codes.astype(np.int64),
        "timed": timed,
        "start": t_in,
        "end": t_out,
        "is_trip": trip_flags(state.df["comment"], params["trip_keywords"]),
    }
    del t_in, t_out, dates, offer_idx
    keep_incomplete_names_apart(state, frame)
    order = citizen_day_order(state, frame)
    drop_exact_duplicates(state, frame, order)
    merge_overlapping_visits(state, frame, order, int(params["merge_gap_minutes"] * NS_PER_MINUTE))
    del order
    handle_day_only(state, frame)
    del frame["times"], frame["group"]  # only the citizen-day rules use them
    release_memory()

    kept = np.flatnonzero(state.active)
    visits = _visits_table(state, frame, kept, offers, keys, closed)
    del frame, kept, keys, closed
    release_memory()
    validate_visits(visits)
    release_memory()
    accounting = _accounting(state, raw)
    if int(accounting["kept"].sum()) != visits.num_rows:
        raise AccountingError(f"{int(accounting['kept'].sum())} kept rows but {visits.num_rows} visits")
    referrals = _referrals_table(referrals_raw, ref_ident, pseudonym)
    offers_json = {offer_id: offer.public_dict() for offer_id, offer in offers.items()}
    offers_json["_dataset"] = {
        "name": dataset.name,
        "synthetic": dataset.synthetic,
        "period_start": dataset.period_start.date().isoformat(),
        "period_end": dataset.period_end.date().isoformat(),
        "data_hash": data_hash(raw_dir),
    }
    quarantine = _quarantine_table(state)
    log = state.log.table()
    review_path = quarantine_dir / REVIEW_FILE
    review = build_review(raw, accounting, log, state)
    write_review(review, review_path)
    review_counts = review.counts()
    if params["strict"] and (error := strict_error(review_counts, review_path)) is not None:
        _write_csv(quarantine, quarantine_dir / "quarantine.csv")
        raise error

    ReferralsSchema.validate(referrals.to_pandas())
    paths = {
        "visits": out_dir / "visits.parquet",
        "referrals": out_dir / "referrals.parquet",
        "offers": out_dir / "offers.json",
        "quality_log": out_dir / "quality_log.csv",
        "accounting": out_dir / "accounting.csv",
        "quarantine": quarantine_dir / "quarantine.csv",
    }
    write_parquet(visits, paths["visits"])
    del visits
    write_parquet(referrals, paths["referrals"])
    paths["offers"].write_text(json.dumps(offers_json, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    _write_csv(log, paths["quality_log"])
    _write_csv(accounting, paths["accounting"])
    _write_csv(quarantine, paths["quarantine"])
    paths["review"] = review_path
    return CleanResult(offers_json, log, accounting, quarantine, paths, review_counts=review_counts)


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


def _sorted_categories(values: pd.Categorical | pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, categories) with categories in lexical order, so codes sort like the strings."""
    cat = values if isinstance(values, pd.Categorical) else values.array
    categories = np.asarray(cat.categories, dtype=object)
    order = np.argsort(categories.astype(str), kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    codes = np.array(cat.codes, dtype=np.int64)  # a copy: changed in place below
    if not len(order):  # no citizen at all (every row ignored or quarantined)
        return np.full(len(codes), -1, dtype=np.int64), categories
    missing = codes < 0  # in place: two full-length arrays, not five
    codes[missing] = 0
    ranked = rank[codes]
    del codes
    ranked[missing] = -1
    return ranked, categories[order]


def _dictionary(codes: np.ndarray, categories: Any) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(
        pa.array(codes.astype(np.int32), mask=codes < 0), pa.array(list(categories), type=pa.string())
    )


def _visits_table(
    state: State,
    frame: Visits,
    kept: np.ndarray,
    offers: dict[str, Offer],
    keys: pd.Categorical,
    closed: np.ndarray,
) -> pa.Table:
    """The kept records as visits, sorted by offer, date, start (day-only last), citizen key, then reading
    order (file path, sheet as in the workbook, row) — independent of anything but the input.

    Empties `frame` as it goes (each per-row array is freed once its column is built: peak memory)."""
    key_codes, key_names = _sorted_categories(keys)
    frame.pop("key")  # key_codes replace it
    # primary = (offer << 34) | (day << 17) | seconds of the start (1 << 17 without one), built in place:
    # every full-length temporary is 80 MB at 10 million visits
    day = frame["date"][kept]
    start_sec = frame["start"][kept]
    missing = start_sec == NAT
    start_sec -= day
    start_sec //= 1_000_000_000
    start_sec[missing] = 1 << 17
    del missing
    day //= NS_PER_DAY
    if len(day):
        day -= day.min()
    primary = frame["offer"][kept]
    primary <<= 34
    day <<= 17
    primary |= day
    primary |= start_sec
    del day, start_sec
    secondary = key_codes[kept]
    # `kept` is in reading order and the sorts are stable, so ties keep the reading order
    shift = int(secondary.max(initial=0)).bit_length()
    if int(primary.max(initial=0)).bit_length() + shift <= 63:
        primary <<= shift
        primary |= secondary
        take = kept[np.argsort(primary, kind="stable")]
    else:  # pragma: no cover - only for datasets far beyond a municipality's size
        take = kept[np.lexsort((secondary, primary))]
    del primary, secondary
    flag_codes, flag_names = _flag_strings(state.flags[take])

    def categorical(name: str) -> pa.DictionaryArray:
        values = state.df[name]
        return _dictionary(values.cat.codes.to_numpy()[take], values.cat.categories)

    def timestamps(name: str) -> pa.Array:
        return pa.array(frame.pop(name)[take].view("datetime64[ns]"), from_pandas=True)

    columns = {
        "visit_id": pa.array(np.arange(len(take), dtype=np.int64)),
        "offer_id": _dictionary(frame.pop("offer")[take], list(offers)),
        "date": timestamps("date"),
        "citizen_key": _dictionary(key_codes[take], key_names),
        "start": timestamps("start"),
        "end": timestamps("end"),
        "granularity": _dictionary(frame.pop("timed")[take].astype(np.int8), ["day", "timed"]),
        "on_closed_day": pa.array(closed[take]),
        "is_trip": pa.array(frame.pop("is_trip")[take].astype(bool)),
        "flags": _dictionary(flag_codes, flag_names),
        "source_file": categorical("file"),
        "source_sheet": categorical("sheet"),
        "source_row": pa.array(state.df["row"].to_numpy()[take].astype(np.int64)),
    }
    return pa.table(columns)


def _one_chunk(column: pa.ChunkedArray) -> pa.Array:
    """The column as one array; without a copy when it is one already (combine_chunks copies)."""
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()


def validate_visits(table: pa.Table, chunk: int = 500_000) -> None:
    """The pandera contract, checked slice by slice (bounded memory); visit ids are checked globally.

    A text column's checks look at its distinct values (the categories), which are the column's dictionary,
    the same in every slice: they run once, on the first slice, and the slices share one pandas dtype per
    column instead of turning the dictionary (hundreds of thousands of keys) into Python strings per slice.
    """
    for start in range(0, table.num_rows, chunk):  # slice by slice: no full-length temporaries
        ids = table.column("visit_id").slice(start, chunk).to_numpy()
        if not np.array_equal(ids, np.arange(start, start + len(ids), dtype=np.int64)):
            raise AccountingError("visit_id is not 0..n-1 in file order")
    text = {
        name: _one_chunk(table.column(name))
        for name in table.column_names
        if pa.types.is_dictionary(table.schema.field(name).type)
    }
    dtypes = {
        name: pd.CategoricalDtype(pd.Index(column.dictionary.to_pandas(), dtype=object))
        for name, column in text.items()
    }
    rest = VisitsSchema.update_columns(
        {name: {"checks": []} for name in text if name in VisitsSchema.columns}
    )
    # each pandera validation leaves its frame in a reference cycle (~25 MB per slice, piling up until the
    # collector runs): collect after each slice, over the objects made since the freeze only (cheap)
    gc.freeze()
    try:
        for start in range(0, max(table.num_rows, 1), chunk):
            frame = table.slice(start, chunk).drop_columns(list(text)).to_pandas()
            for name, column in text.items():
                codes = column.indices.slice(start, chunk).fill_null(-1).to_numpy(zero_copy_only=False)
                frame[name] = pd.Categorical.from_codes(codes, dtype=dtypes[name])
            (VisitsSchema if start == 0 else rest).validate(frame[table.column_names])
            del frame
            gc.collect()
            release_memory()
    finally:
        gc.unfreeze()


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


def referral_identities(referrals: pd.DataFrame, aliases: dict[str, str]) -> np.ndarray:
    """Normalised identity of each referral's citizen (citizen_aliases.csv applied)."""
    codes, names = pd.factorize(referrals["name"].to_numpy(dtype=object))
    norm = [normalise_identifier(n) for n in names]
    return np.array([aliases.get(n, n) for n in norm] + [""], dtype=object)[codes]


def _referrals_table(referrals: pd.DataFrame, identities: np.ndarray, pseudonym: Pseudonymiser) -> pa.Table:
    codes, uniques = pd.factorize(identities)
    unique_keys = [pseudonym.of_normalised(u) for u in uniques]
    keys = np.array(unique_keys + [""], dtype=object)[codes]
    key_rank = np.array([int(k, 16) for k in unique_keys] + [0], dtype=np.uint64)[codes]
    offer_codes, _ = pd.factorize(referrals["offer_id"].to_numpy(dtype=object), sort=True)
    start = referrals["referral_start"].to_numpy().view(np.int64)
    order = np.lexsort((start, key_rank, offer_codes))
    age = referrals["age_band"].to_numpy(dtype=object)[order]
    arrays = [
        pa.array(referrals["offer_id"].to_numpy(dtype=object)[order], type=pa.string()),
        pa.array(keys[order], type=pa.string()),
        pa.array(referrals["referral_start"].to_numpy()[order], type=pa.timestamp("ns"), from_pandas=True),
        pa.array(referrals["referral_end"].to_numpy()[order], type=pa.timestamp("ns"), from_pandas=True),
        pa.array([a if isinstance(a, str) else None for a in age], type=pa.string()),
    ]
    return pa.Table.from_arrays(arrays, schema=REFERRALS_ARROW)


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
