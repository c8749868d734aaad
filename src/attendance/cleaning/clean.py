"""The `clean` stage: raw records → cleaned visits, with every raw row accounted for.

Each rule of the table in docs/raw_format.md is one function of the step modules, applied in the table's order
to the whole column at once (the benchmark is 10 million rows): the raw rows (`raw_rows`), dates
(`visit_dates`), citizens (`citizens`), times (`visit_times`), visits per citizen and day (`visit_merging`), on
the records and quality log of `records`; then the accounting (`accounting`) and the processed tables
(`processed_tables`). This module checks the parameters and runs the steps in order (`clean_dataset`). Every
application is written to the quality log, every record ends as exactly one of kept / merged / quarantined /
ignored, and the accounting identity `rows_read == kept + merged + quarantined + ignored` is checked per file
and sheet before anything is trusted. Names, initials, CPR numbers and comments stop here: only keyed
pseudonyms and flags leave this stage, raw values go to the quarantine folder only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from attendance.errors import InputError
from attendance.ingest.columns import header_lookup, load_column_aliases
from attendance.ingest.readers import (
    OfferMatcher,
    read_citizen_aliases,
    read_dataset,
    read_offers,
    read_referrals,
    read_registrations,
)
from attendance.ingest.schemas import ReferralsSchema

from .accounting import _accounting, _quarantine_table, build_review
from .citizens import referral_identities, resolve_citizens
from .processed_tables import (
    StagedFile,
    _referrals_table,
    _visits_table,
    _write_csv,
    data_hash,
    validate_visits,
    write_parquet,
)
from .pseudonym import Pseudonymiser, load_key
from .raw_rows import (
    assign_offers,
    ignore_absence_marks,
    ignore_blank_rows,
    ignore_date_only_rows,
    ignore_title_and_header_rows,
    ignore_total_rows,
    ignore_unmarked_rows,
    log_sheet_readings,
    quarantine_cpr_numbers,
    quarantine_missing_citizen,
    remove_staff_and_volunteers,
)
from .records import (
    NAT,
    NS_PER_MINUTE,
    STATUS_NAMES,
    AccountingError,
    State,
    Visits,
    gc_paused,
    release_memory,
)
from .review import REVIEW_FILE, strict_error, write_review
from .visit_dates import parse_visit_dates
from .visit_merging import (
    citizen_day_order,
    drop_exact_duplicates,
    handle_day_only,
    keep_incomplete_names_apart,
    merge_overlapping_visits,
    trip_flags,
)
from .visit_times import (
    apply_opening_hours,
    fix_time_out_before_in,
    flag_closed_days,
    impute_missing_time_out,
    opening_calendar,
    parse_visit_times,
    quarantine_implausible_durations,
    quarantine_stays_across_days,
    read_afternoon_hours,
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
    state.forget_header_norms()
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
    with gc_paused():
        keys = resolve_citizens(state, offer_idx, offers, referrals_raw, ref_ident, aliases, pseudonym, dates)
    referrals = _referrals_table(referrals_raw, ref_ident, pseudonym)  # now: the raw referral list is freed
    del referrals_raw, ref_ident
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
        "offer": offer_idx.astype(np.int32),  # int32 (40 MB at 10 M rows, not 80): widened where packed
        "date": dates,
        "key": keys.codes,  # int32
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
    # written now, by a thread while the visits are validated and the review is made (Parquet's compression
    # runs outside the GIL: 3 s at 10 M), under a temporary name moved to its place with the other outputs
    # below or removed if the stage stops first; the Arrow table (0.6 GB at 10 M) is freed once it is written
    n_visits = visits.num_rows
    with StagedFile(out_dir / "visits.parquet", visits) as visits_file:
        validate_visits(visits)
        del visits
        release_memory()
        accounting = _accounting(state, raw)
        if int(accounting["kept"].sum()) != n_visits:
            raise AccountingError(f"{int(accounting['kept'].sum())} kept rows but {n_visits} visits")
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
            "visits": visits_file.path,
            "referrals": out_dir / "referrals.parquet",
            "offers": out_dir / "offers.json",
            "quality_log": out_dir / "quality_log.csv",
            "accounting": out_dir / "accounting.csv",
            "quarantine": quarantine_dir / "quarantine.csv",
        }
        visits_file.publish()
        write_parquet(referrals, paths["referrals"])
        paths["offers"].write_text(
            json.dumps(offers_json, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        _write_csv(log, paths["quality_log"])
        _write_csv(accounting, paths["accounting"])
        _write_csv(quarantine, paths["quarantine"])
        paths["review"] = review_path
        return CleanResult(offers_json, log, accounting, quarantine, paths, review_counts=review_counts)
