"""The first rules, on the raw rows as read: which rows are registrations at all.

Title, header, blank, total and unmarked rows and absence marks are ignored; every sheet's reading is logged;
each record gets its offer; staff and volunteers are removed and rows whose citizen field holds a CPR number
or nothing are quarantined — all before any date, name or time is read.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from attendance.errors import InputError
from attendance.ingest.columns import normalise_header
from attendance.ingest.parsing import (
    is_blank_values,
)
from attendance.ingest.readers import (
    ABSENCE_MARKS,
    RAW_VALUE_FIELDS,
    TOTAL_WORDS,
    Offer,
    OfferMatcher,
    RawRegistrations,
)

from .pseudonym import normalise_identifier
from .records import (
    CPR_PATTERN,
    IGNORED,
    QUARANTINED,
    State,
    _category_lookup,
)

# Staff and volunteers are recognised by the name field only: listed in offers.yaml, or marked there with a
# prefix (`Personale: Ida`, `Frivillig - Ole`) or the bare word. Words in a comment never decide it.
STAFF_PREFIX = re.compile(
    r"^\s*(?:personale|frivillig|medarbejder|ansat|praktikant)(?:\s*[:\-–]|\s*$)", re.IGNORECASE
)


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
    # "I alt" in the offer column (column A of a long sheet) on a row without a citizen: a total, not an
    # unknown offer to add to offers.yaml. A row that names a citizen is never a total row
    is_total = np.array([bool(pattern.match(v)) for v in state.header_norm("offer")], dtype=bool)
    is_total[-1] = False
    total |= state.per_row("offer", is_total) & is_blank_values(state.df["citizen"])
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
