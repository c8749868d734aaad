"""The `clean` stage: raw records → cleaned visits, with every raw row accounted for.

Each rule of the table in docs/raw_format.md is one function below, applied in the table's order to the whole
column at once (the benchmark is 10 million rows). Every application is written to the quality log, every
record ends as exactly one of kept / merged / quarantined / ignored, and the accounting identity
`rows_read == kept + merged + quarantined + ignored` is checked per file and sheet before anything is trusted.
Names, initials, CPR numbers and comments stop here: only keyed pseudonyms and flags leave this module, raw
values go to the quarantine folder only.
"""

from __future__ import annotations

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

from .columns import header_lookup, load_column_aliases, normalise_header
from .errors import InputError
from .parsing import is_blank_values, parse_dates, parse_times
from .pseudonym import Pseudonymiser, load_key, normalise_identifier
from .readers import (
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
from .schemas import ReferralsSchema, VisitsSchema

DEFAULT_PARAMS: dict[str, Any] = {
    "missing_time_out": "median_stay",
    "time_out_before_in": "swap",
    "outside_opening_hours": "clip",
    "max_stay_hours": 12,
    "merge_gap_minutes": 0,
    "trip_keywords": ["tur", "udflugt", "sommerland", "museum", "skov", "strand", "biograf"],
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
    "time_out_before_time_in",
    "missing_time_out",
    "outside_opening_hours",
    "closed_day",
    "overlapping_visits",
    "day_only",
    "name_variant",
    "initials_resolved",
    "offer_alias",
)
FLAG_BIT = {name: np.uint16(1 << i) for i, name in enumerate(FLAG_RULES)}
NAT = np.iinfo(np.int64).min
NS_PER_MINUTE = 60_000_000_000
NS_PER_DAY = 86_400_000_000_000
CPR_PATTERN = re.compile(r"(?<!\d)\d{6}\s?-?\s?\d{4}(?!\d)")
STAFF_COMMENT = re.compile(r"\b(?:personale|frivillig)", re.IGNORECASE)
LOG_COLUMNS = ["file", "sheet", "row", "column", "rule", "action", "detail"]
ACCOUNTING_COLUMNS = ["file", "sheet", "rows_read", "kept", "merged", "quarantined", "ignored"]
VISIT_COLUMNS = [
    "visit_id", "offer_id", "date", "citizen_key", "start", "end", "granularity", "on_closed_day", "is_trip",
    "flags", "source_file", "source_sheet", "source_row",
]  # fmt: skip


class AccountingError(RuntimeError):
    """The accounting identity failed: a bug in cleaning, never the analyst's input."""


@dataclass
class CleanResult:
    visits: pd.DataFrame
    referrals: pd.DataFrame
    offers: dict[str, Any]
    quality_log: pd.DataFrame
    accounting: pd.DataFrame
    quarantine: pd.DataFrame
    paths: dict[str, Path] = field(default_factory=dict)

    def totals(self) -> dict[str, int]:
        sums = self.accounting[["rows_read", *STATUS_NAMES]].sum()
        return {"read": int(sums["rows_read"]), **{name: int(sums[name]) for name in STATUS_NAMES}}

    def summary(self) -> str:
        t = self.totals()
        return (
            f"clean: {t['read']} rows read -> {t['kept']} kept, {t['merged']} merged, {t['quarantined']} "
            f"quarantined, {t['ignored']} ignored; {len(self.visits)} visits, {len(self.referrals)} referrals "
            f"-> {self.paths.get('visits', '')}"
        )


# --------------------------------------------------------------------------------------------- helpers


def check_params(params: dict[str, Any] | None) -> dict[str, Any]:
    merged = {**DEFAULT_PARAMS, **(params or {})}
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


def _hhmm_to_ns(text: str) -> int:
    hour, minute = text.split(":")
    return (int(hour) * 60 + int(minute)) * NS_PER_MINUTE


class QualityLog:
    """One row per rule application; `column` is the header as written in the sheet (or the tick cell)."""

    def __init__(self, frame: pd.DataFrame, sheets: list) -> None:
        self.frame = frame
        self.parts: list[pd.DataFrame] = []
        file_codes = frame["file"].cat.codes.to_numpy().astype(np.int64)
        sheet_codes = frame["sheet"].cat.codes.to_numpy().astype(np.int64)
        width = len(frame["sheet"].cat.categories) + 1
        self.sheet_idx, uniques = pd.factorize(file_codes * width + sheet_codes)
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
        detail_values = (
            detail[idx] if isinstance(detail, np.ndarray) else np.full(len(idx), detail, dtype=object)
        )
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

    def add_sheet(self, file: str, sheet: str, rule: str, action: str, detail: str) -> None:
        self.parts.append(
            pd.DataFrame(
                {
                    "file": [file],
                    "sheet": [sheet],
                    "row": [pd.NA],
                    "column": [""],
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
    "unsupported_file", "title_row", "header_row", "blank_row", "total_row", "no_marks", "offer_alias",
    "staff_or_volunteer", "cpr_in_citizen", "missing_citizen", "unparseable_date", "date_outside_period",
    "name_variant", "initials_resolved", "ambiguous_initials", "unparseable_time", "time_out_before_time_in",
    "missing_time_out", "implausible_duration", "outside_opening_hours", "closed_day", "exact_duplicate",
    "overlapping_visits", "day_only",
)  # fmt: skip


class State:
    """The records being cleaned plus their status, reason and flags (arrays aligned with the records)."""

    def __init__(self, raw: RawRegistrations) -> None:
        self.df = raw.records.reset_index(drop=True)
        n = len(self.df)
        self.status = np.zeros(n, dtype=np.int8)
        self.reason = np.full(n, "", dtype=object)
        self.flags = np.zeros(n, dtype=np.uint16)
        self.log = QualityLog(self.df, raw.sheets)

    @property
    def active(self) -> np.ndarray:
        return self.status == KEPT

    def drop(
        self, mask: np.ndarray, status: int, rule: str, field: str | None, detail: Any, action: str = ""
    ) -> None:
        mask = mask & self.active
        self.status[mask] = status
        self.reason[mask] = rule
        self.log.add(mask, rule, action or STATUS_NAMES[status], field, detail)

    def flag(self, mask: np.ndarray, rule: str, action: str, field: str | None, detail: Any) -> None:
        self.flags[mask] |= FLAG_BIT[rule]
        self.log.add(mask, rule, action, field, detail)


# --------------------------------------------------------------------------------------------- rules


def ignore_title_and_header_rows(state: State, lookup: dict[str, str]) -> None:
    """Title rows above the header, the header row itself and header rows repeated further down."""
    df = state.df
    kind = df["kind"].astype(object).to_numpy()
    state.drop(kind == "title", IGNORED, "title_row", None, "title row above the header")
    state.drop(kind == "header", IGNORED, "header_row", None, "header row")
    hits = np.zeros(len(df), dtype=np.int8)
    for name in RAW_VALUE_FIELDS:
        hits += _category_lookup(
            df[name], lambda v, name=name: v is not None and lookup.get(normalise_header(v)) == name
        )
    state.drop((kind == "data") & (hits >= 2), IGNORED, "header_row", None, "repeated header row")


def ignore_blank_rows(state: State) -> None:
    df = state.df
    blank = np.ones(len(df), dtype=bool)
    for name in RAW_VALUE_FIELDS:
        blank &= is_blank_values(df[name])
    state.drop(blank, IGNORED, "blank_row", None, "empty row")


def ignore_total_rows(state: State) -> None:
    pattern = re.compile(r"^(?:" + "|".join(sorted(TOTAL_WORDS)) + r")\d*$")
    total = np.zeros(len(state.df), dtype=bool)
    for name in ("date", "citizen", "time_in"):
        total |= _category_lookup(
            state.df[name], lambda v: v is not None and bool(pattern.match(normalise_header(v)))
        )
    state.drop(total, IGNORED, "total_row", None, "total row (I alt / Total / Sum)")


def ignore_unmarked_rows(state: State) -> None:
    kind = state.df["kind"].astype(object).to_numpy()
    state.drop(kind == "no_marks", IGNORED, "no_marks", "citizen", "tick-list row without any marks")


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
    """Registrations of staff and volunteers are not citizens' visits."""
    df = state.df
    staff = np.zeros(len(df), dtype=bool)
    for i, offer in enumerate(offers.values()):
        names = {normalise_identifier(n) for n in offer.staff_and_volunteers}
        if names:
            staff |= (offer_idx == i) & _category_lookup(
                df["citizen"], lambda v, names=names: normalise_identifier(v) in names
            )
    by_comment = _category_lookup(
        df["comment"], lambda v: v is not None and bool(STAFF_COMMENT.search(str(v)))
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
        by_comment,
        IGNORED,
        "staff_or_volunteer",
        "comment",
        "comment says staff or volunteer",
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


def parse_visit_dates(state: State, dataset: Dataset) -> np.ndarray:
    """Dates as int64 ns; rows without a readable date or outside the dataset period are quarantined."""
    dates = parse_dates(state.df["date"], dataset.years).to_numpy().view(np.int64)
    state.drop(dates == NAT, QUARANTINED, "unparseable_date", "date", "not a date (raw value in quarantine)")
    outside = (dates != NAT) & ((dates < dataset.period_start.value) | (dates > dataset.period_end.value))
    state.drop(
        outside,
        QUARANTINED,
        "date_outside_period",
        "date",
        f"outside the period {dataset.period_start.date()}..{dataset.period_end.date()}",
    )
    return dates


def resolve_citizens(
    state: State,
    offer_idx: np.ndarray,
    offers: dict[str, Offer],
    referrals: pd.DataFrame,
    aliases: dict[str, str],
    pseudonym: Pseudonymiser,
) -> pd.Categorical:
    """Normalise identifiers, apply citizen_aliases.csv and referral initials, then key them (HMAC)."""
    df = state.df
    citizens = df["citizen"].cat.categories
    norm = [normalise_identifier(c) for c in citizens]
    variant = np.array([n in aliases and aliases[n] != n for n in norm] + [False])
    ident = [aliases.get(n, n) for n in norm]
    codes = df["citizen"].cat.codes.to_numpy()
    pos = np.where(codes < 0, len(citizens), codes)
    active = state.active
    state.flag(
        active & variant[pos],
        "name_variant",
        "normalised",
        "citizen",
        "spelling variant from citizen_aliases.csv",
    )

    keys: dict[str, int] = {}
    key_code = np.full(len(df), -1, dtype=np.int64)
    resolved_flag = np.zeros(len(df), dtype=bool)
    ambiguous = np.zeros(len(df), dtype=bool)
    for i, offer_id in enumerate(offers):
        rows = referrals[referrals["offer_id"] == offer_id]
        names = {aliases.get(normalise_identifier(n), normalise_identifier(n)) for n in rows["name"]}
        by_initials: dict[str, set[str]] = {}
        for name, initials in zip(rows["name"], rows["initials"], strict=True):
            if initials:
                full = normalise_identifier(name)
                by_initials.setdefault(normalise_identifier(initials), set()).add(aliases.get(full, full))
        final, resolved, unclear = [], [], []
        for identity in ident:
            candidates = by_initials.get(identity, set()) if identity not in names else set()
            if len(candidates) == 1:
                final.append(next(iter(candidates)))
                resolved.append(True)
                unclear.append(False)
            else:
                final.append(identity)
                resolved.append(False)
                unclear.append(len(candidates) > 1)
        code_of = np.array([keys.setdefault(pseudonym(f), len(keys)) for f in final] + [-1], dtype=np.int64)
        mask = offer_idx == i
        key_code[mask] = code_of[pos[mask]]
        resolved_flag[mask] = np.array(resolved + [False])[pos[mask]]
        ambiguous[mask] = np.array(unclear + [False])[pos[mask]]
    state.drop(
        ambiguous, QUARANTINED, "ambiguous_initials", "citizen", "initials match several referred citizens"
    )
    state.flag(
        state.active & resolved_flag,
        "initials_resolved",
        "normalised",
        "citizen",
        "initials matched in the referral list",
    )
    return pd.Categorical.from_codes(key_code, categories=list(keys), validate=False)


def parse_visit_times(state: State) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Time in/out as ns since midnight; a timed row needs a readable time in, and time out if given."""
    df = state.df
    timed = df["granularity"].astype(object).to_numpy() == "timed"
    t_in = parse_times(df["time_in"]).to_numpy().view(np.int64).copy()
    t_out = parse_times(df["time_out"]).to_numpy().view(np.int64).copy()
    in_blank = is_blank_values(df["time_in"])
    out_blank = is_blank_values(df["time_out"])
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
                open_ns[i, j] = min(_hhmm_to_ns(a) for a, _ in hours)
                close_ns[i, j] = max(_hhmm_to_ns(b) for _, b in hours)
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
    complete = state.active & timed & (t_out != NAT) & (t_out - t_in <= max_stay_ns)
    median = np.full(n_offers, NAT, dtype=np.int64)
    for i in range(n_offers):
        stays = (t_out - t_in)[complete & (offer_idx == i)]
        if len(stays):
            median[i] = int(np.median(stays) // NS_PER_MINUTE * NS_PER_MINUTE)
    has_close = is_open & (t_in < close_ns)
    med = median[np.clip(offer_idx, 0, None)]
    if how == "closing_time":
        end = np.where(has_close, close_ns, np.where(med != NAT, t_in + med, NAT))
        detail = np.where(
            has_close, "imputed: closing time", "imputed: median stay (no closing time that day)"
        )
    else:
        by_median = np.where(med != NAT, t_in + med, NAT)
        capped = has_close & (by_median != NAT) & (by_median > close_ns)
        end = np.where(
            capped, close_ns, np.where(by_median != NAT, by_median, np.where(has_close, close_ns, NAT))
        )
        text = np.array(
            [f"imputed: median stay {_fmt_offset(m)}" if m != NAT else "" for m in median] + [""],
            dtype=object,
        )
        detail = np.where(
            capped,
            "imputed: median stay, capped at closing time",
            text[np.where(offer_idx >= 0, offer_idx, n_offers)],
        )
        detail = np.where(by_median == NAT, "imputed: closing time (no median stay)", detail)
    end = np.minimum(end, np.where(end == NAT, NAT, NS_PER_DAY - 1_000_000_000))
    impossible = missing & (end == NAT)
    state.drop(
        impossible, QUARANTINED, "missing_time_out", "time_out", "no time out and nothing to impute it from"
    )
    fill = missing & ~impossible
    t_out[fill] = end[fill]
    imputed[fill] = True
    state.flag(fill, "missing_time_out", "imputed", "time_out", detail.astype(object))
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
    state.flag(
        wholly,
        "outside_opening_hours",
        "kept",
        "time_in",
        "entirely outside opening hours, kept as registered",
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


def drop_exact_duplicates(state: State, frame: pd.DataFrame) -> None:
    """Same offer, date, citizen, start and end: the first (by file, sheet, row) is kept."""
    active = state.active
    sub = frame.loc[active, ["offer", "date", "key", "granularity", "start", "end"]]
    dup = np.zeros(len(frame), dtype=bool)
    dup[np.flatnonzero(active)[sub.duplicated(keep="first").to_numpy()]] = True
    state.drop(
        dup,
        MERGED,
        "exact_duplicate",
        "date",
        "same offer, date, citizen, start and end as another row",
        action="dropped",
    )


def merge_overlapping_visits(state: State, frame: pd.DataFrame, gap_ns: int) -> None:
    """Visits of one citizen on one day that overlap (or touch within the gap) become one spanning visit."""
    idx = np.flatnonzero(state.active & (frame["granularity"].to_numpy() == "timed"))
    if not len(idx):
        return
    sub = frame.iloc[idx][["offer", "key", "date", "start", "end"]].copy()
    sub["pos"] = idx
    sub = sub.sort_values(["offer", "key", "date", "start", "end", "pos"], kind="stable")
    start = sub["start"].to_numpy()
    end = sub["end"].to_numpy()
    same = np.zeros(len(sub), dtype=bool)
    same[1:] = (
        (sub["offer"].to_numpy()[1:] == sub["offer"].to_numpy()[:-1])
        & (sub["key"].to_numpy()[1:] == sub["key"].to_numpy()[:-1])
        & (sub["date"].to_numpy()[1:] == sub["date"].to_numpy()[:-1])
    )
    segment = np.cumsum(~same)
    running_end = pd.Series(end).groupby(segment).cummax().to_numpy()
    prev_end = np.empty_like(running_end)
    prev_end[0] = NAT
    prev_end[1:] = running_end[:-1]
    joins = same & (start <= prev_end + gap_ns)
    group = np.cumsum(~joins)
    pos = sub["pos"].to_numpy()
    first = np.r_[True, group[1:] != group[:-1]]
    head_of = pos[first][group - 1]
    merged_pos = pos[~first]
    if not len(merged_pos):
        return
    # groups are contiguous after the sort: reduce each run in one pass
    starts = np.flatnonzero(first)
    group_end = np.maximum.reduceat(end, starts)
    flags_or = np.bitwise_or.reduceat(state.flags[pos], starts)
    trip_any = np.logical_or.reduceat(frame["is_trip"].to_numpy()[pos], starts)
    heads = pos[first]
    multi = np.diff(np.r_[starts, len(pos)]) > 1
    end_column = frame["end"].to_numpy().copy()
    end_column[heads] = group_end
    frame["end"] = end_column
    trip_column = frame["is_trip"].to_numpy().copy()
    trip_column[heads] = trip_any
    frame["is_trip"] = trip_column
    state.flags[heads] = flags_or
    head_rows = frame["row"].to_numpy()[head_of[~first]]
    head_files = frame["file"].astype(object).to_numpy()[head_of[~first]]
    detail = np.full(len(frame), "", dtype=object)
    detail[merged_pos] = [
        f"merged into the visit in {f} row {r}" for f, r in zip(head_files, head_rows, strict=True)
    ]
    mask = np.zeros(len(frame), dtype=bool)
    mask[merged_pos] = True
    state.drop(mask, MERGED, "overlapping_visits", "time_in", detail, action="merged")
    head_mask = np.zeros(len(frame), dtype=bool)
    head_mask[heads[multi]] = True
    state.flag(
        head_mask, "overlapping_visits", "extended", "time_out", "spans the overlapping visits merged into it"
    )


def handle_day_only(state: State, frame: pd.DataFrame) -> None:
    """Tick-list marks: kept as day-level visits unless the citizen has a timed visit that day."""
    active = state.active
    day = active & (frame["granularity"].to_numpy() == "day")
    timed = active & (frame["granularity"].to_numpy() == "timed")
    keys = pd.MultiIndex.from_arrays(
        [frame["offer"].to_numpy(), frame["key"].to_numpy(), frame["date"].to_numpy()]
    )
    timed_keys = keys[timed]
    covered = day & keys.isin(timed_keys)
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


def _flag_strings(bits: np.ndarray) -> pd.Categorical:
    uniq, inverse = np.unique(bits, return_inverse=True)
    names = [";".join(r for r in FLAG_RULES if int(u) & int(FLAG_BIT[r])) for u in uniq]
    return (
        pd.Categorical.from_codes(
            inverse.astype(np.int64), categories=pd.Index(names).astype(object), validate=False
        )
        if len(set(names)) == len(names)
        else pd.Categorical(np.array(names, dtype=object)[inverse])
    )


def _arrow_string(values: Any) -> pa.Array:
    array = pa.array(values)
    if pa.types.is_dictionary(array.type):
        array = array.cast(pa.string())
    return array.cast(pa.string())


VISITS_ARROW = pa.schema(
    [
        ("visit_id", pa.int64()), ("offer_id", pa.string()), ("date", pa.timestamp("ns")),
        ("citizen_key", pa.string()), ("start", pa.timestamp("ns")), ("end", pa.timestamp("ns")),
        ("granularity", pa.string()), ("on_closed_day", pa.bool_()), ("is_trip", pa.bool_()),
        ("flags", pa.string()), ("source_file", pa.string()), ("source_sheet", pa.string()),
        ("source_row", pa.int64()),
    ]
)  # fmt: skip
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
        write_statistics=True,
        row_group_size=1 << 20,
        data_page_version="1.0",
        store_schema=False,
    )


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """UTF-8, `\\n` line ends, quotes only where needed (pyarrow's writer: fast for big quality logs)."""
    from pyarrow import csv as pacsv

    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
    pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(quoting_style="needed"))


# --------------------------------------------------------------------------------------------- the stage


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
    raw = read_registrations(raw_dir, offers, dataset)
    registrations, _ = load_column_aliases(raw_dir)
    lookup = header_lookup(registrations)

    state = State(raw)
    for skipped in raw.skipped_files:
        state.log.add_sheet(skipped, "", "unsupported_file", "ignored", "not .xlsx or .csv")
    ignore_title_and_header_rows(state, lookup)
    ignore_blank_rows(state)
    ignore_total_rows(state)
    ignore_unmarked_rows(state)
    matcher = OfferMatcher(offers)
    offer_idx = assign_offers(state, matcher, offers, raw)
    remove_staff_and_volunteers(state, offer_idx, offers)
    quarantine_cpr_numbers(state)
    quarantine_missing_citizen(state)
    dates = parse_visit_dates(state, dataset)
    pseudonym = Pseudonymiser(key)
    keys = resolve_citizens(state, offer_idx, offers, referrals_raw, aliases, pseudonym)
    timed, t_in, t_out = parse_visit_times(state)
    fix_time_out_before_in(state, timed, t_in, t_out, params["time_out_before_in"])
    calendar = opening_calendar(offers, dataset)
    is_open, open_ns, close_ns, why_closed = calendar.lookup(offer_idx, dates)
    max_stay_ns = int(params["max_stay_hours"] * 3.6e12)
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

    active = state.active
    frame = pd.DataFrame(
        {
            "offer": offer_idx,
            "date": dates,
            "key": keys.codes.astype(np.int64),
            "granularity": np.where(timed, "timed", "day"),
            "start": np.where(active & timed, dates + t_in, NAT),
            "end": np.where(active & timed, dates + t_out, NAT),
            "is_trip": trip_flags(state.df["comment"], params["trip_keywords"]),
            "row": state.df["row"].to_numpy(),
            "file": state.df["file"],
        }
    )
    drop_exact_duplicates(state, frame)
    merge_overlapping_visits(state, frame, int(params["merge_gap_minutes"] * NS_PER_MINUTE))
    handle_day_only(state, frame)

    kept = np.flatnonzero(state.active)
    visits = _visits_table(state, frame, kept, offers, keys, closed)
    accounting = _accounting(state, raw)
    if int(accounting["kept"].sum()) != visits.num_rows:
        raise AccountingError(f"{int(accounting['kept'].sum())} kept rows but {visits.num_rows} visits")
    referrals = _referrals_table(referrals_raw, aliases, pseudonym)
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

    visits_df = visits.to_pandas()
    referrals_df = referrals.to_pandas()
    ReferralsSchema.validate(referrals_df)
    paths = {
        "visits": out_dir / "visits.parquet",
        "referrals": out_dir / "referrals.parquet",
        "offers": out_dir / "offers.json",
        "quality_log": out_dir / "quality_log.csv",
        "accounting": out_dir / "accounting.csv",
        "quarantine": quarantine_dir / "quarantine.csv",
    }
    write_parquet(visits, paths["visits"])
    write_parquet(referrals, paths["referrals"])
    paths["offers"].write_text(json.dumps(offers_json, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    _write_csv(log, paths["quality_log"])
    _write_csv(accounting, paths["accounting"])
    _write_csv(quarantine, paths["quarantine"])
    return CleanResult(visits_df, referrals_df, offers_json, log, accounting, quarantine, paths)


def _visits_table(
    state: State,
    frame: pd.DataFrame,
    kept: np.ndarray,
    offers: dict[str, Offer],
    keys: pd.Categorical,
    closed: np.ndarray,
) -> pa.Table:
    sub = pd.DataFrame(
        {
            "offer_id": pd.Categorical.from_codes(
                frame["offer"].to_numpy()[kept], categories=list(offers), validate=False
            ),
            "date": frame["date"].to_numpy()[kept].view("datetime64[ns]"),
            "citizen_key": pd.Categorical.from_codes(
                frame["key"].to_numpy()[kept], categories=keys.categories, validate=False
            ),
            "start": frame["start"].to_numpy()[kept].view("datetime64[ns]"),
            "end": frame["end"].to_numpy()[kept].view("datetime64[ns]"),
            "granularity": pd.Categorical(frame["granularity"].to_numpy()[kept], categories=["day", "timed"]),
            "on_closed_day": closed[kept],
            "is_trip": frame["is_trip"].to_numpy()[kept].astype(bool),
            "flags": _flag_strings(state.flags[kept]),
            "source_file": state.df["file"].iloc[kept].reset_index(drop=True),
            "source_sheet": state.df["sheet"].iloc[kept].reset_index(drop=True),
            "source_row": state.df["row"].to_numpy()[kept],
        }
    )
    # Order: offer, date, start (day-only last), citizen, provenance — independent of file reading order.
    sub["_start"] = sub["start"].fillna(pd.Timestamp.max)
    for name in (
        "citizen_key",
        "source_file",
        "source_sheet",
    ):  # sort categoricals lexically, not by first sight
        sub[name] = sub[name].cat.set_categories(sorted(sub[name].cat.categories))
    sub = sub.sort_values(
        ["offer_id", "date", "_start", "citizen_key", "source_file", "source_sheet", "source_row"],
        kind="stable",
    ).drop(columns=["_start"])
    sub.insert(0, "visit_id", np.arange(len(sub), dtype=np.int64))
    VisitsSchema.validate(sub)  # on the categorical frame: cheap, and the same values go to Parquet
    arrays = []
    for name in VISIT_COLUMNS:
        column = sub[name]
        if isinstance(column.dtype, pd.CategoricalDtype) or column.dtype == object:
            arrays.append(_arrow_string(column))
        else:
            arrays.append(pa.array(column.to_numpy(), type=VISITS_ARROW.field(name).type, from_pandas=True))
    return pa.Table.from_arrays(arrays, schema=VISITS_ARROW)


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
        [(s.file, s.sheet, s.rows_read) for s in raw.sheets], columns=["file", "sheet", "rows_read"]
    )
    table = sheets.merge(counted, on=["file", "sheet"], how="left").fillna(0)
    for name in ("rows_read", *STATUS_NAMES):
        table[name] = table[name].astype(np.int64)
    broken = table["rows_read"] != table[list(STATUS_NAMES)].sum(axis=1)
    if broken.any() or int(table["rows_read"].sum()) != len(state.df):
        bad = table[broken].head(1).to_dict("records")
        raise AccountingError(f"rows_read != kept + merged + quarantined + ignored for {bad}")
    return table[ACCOUNTING_COLUMNS].sort_values(["file", "sheet"], kind="stable").reset_index(drop=True)


def _referrals_table(referrals: pd.DataFrame, aliases: dict[str, str], pseudonym: Pseudonymiser) -> pa.Table:
    names = referrals["name"].astype("category")
    norm = [normalise_identifier(n) for n in names.cat.categories]
    keys = np.array([pseudonym(aliases.get(n, n)) for n in norm] + [""], dtype=object)
    frame = pd.DataFrame(
        {
            "offer_id": referrals["offer_id"].astype(object),
            "citizen_key": keys[names.cat.codes.to_numpy()],
            "referral_start": referrals["referral_start"],
            "referral_end": referrals["referral_end"],
            "age_band": referrals["age_band"].astype(object),
        }
    )
    frame = frame.sort_values(["offer_id", "citizen_key", "referral_start"], kind="stable").reset_index(
        drop=True
    )
    arrays = [
        pa.array(frame["offer_id"], type=pa.string()),
        pa.array(frame["citizen_key"], type=pa.string()),
        pa.array(frame["referral_start"].to_numpy(), type=pa.timestamp("ns")),
        pa.array(frame["referral_end"].to_numpy(), type=pa.timestamp("ns")),
        pa.array(frame["age_band"].where(frame["age_band"].notna(), None), type=pa.string()),
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
            "reason": state.reason[idx],
        }
    )
    for name in RAW_VALUE_FIELDS:
        values = sub[name]
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = (
                values.cat.rename_categories([_mask_cpr(c) for c in values.cat.categories])
                if len({_mask_cpr(c) for c in values.cat.categories}) == len(values.cat.categories)
                else values.astype(object).map(_mask_cpr)
            )
        out[f"raw_{name}"] = values.astype(object).to_numpy()
    return out.sort_values(["file", "sheet", "row", "cell"], kind="stable").reset_index(drop=True)
