"""The processed tables as written: visits and referrals built as Arrow tables in a fixed order, the
visits validated against their pandera contract slice by slice, and Parquet/CSV written with fixed options
so the same data gives the same bytes; `data_hash` fingerprints the raw folder.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from attendance.ingest.readers import (
    Offer,
)
from attendance.ingest.schemas import VisitsSchema

from .pseudonym import Pseudonymiser
from .records import (
    FLAG_BIT,
    FLAG_RULES,
    NAT,
    NS_PER_DAY,
    AccountingError,
    State,
    Visits,
    release_memory,
)


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
    lookup = np.full(1 << len(FLAG_RULES), -1, dtype=np.int32)
    lookup[used] = np.arange(len(used))
    return lookup[bits], names


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


class StagedFile:
    """A Parquet file written by a thread before the stage knows it will finish (the stage goes on meanwhile,
    and what it was made from is freed once written): under a hidden name next to its place (`partial`) until
    `publish()` waits for it and moves it there; if the stage stops first, leaving the `with` block waits for
    the thread and removes the file and the folders made for it, so a failed run leaves what it left before."""

    def __init__(self, path: Path, table: pa.Table) -> None:
        self.path = path
        self.partial = path.with_name(f".{path.name}.partial")
        self._made = [p for p in (path.parent, *path.parent.parents) if not p.exists()]  # deepest first
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="write-parquet")
        self._writing: Future | None = self._pool.submit(_write_and_release, table, self.partial)

    def _wait(self) -> None:
        if self._writing is not None:
            writing, self._writing = self._writing, None
            try:
                writing.result()  # the writer's error, if any, is raised here
            finally:
                self._pool.shutdown()

    def publish(self) -> None:
        self._wait()
        self.partial.replace(self.path)

    def __enter__(self) -> StagedFile:
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(Exception):  # the stage's own error is the one to report
            self._wait()
        self.partial.unlink(missing_ok=True)  # nothing left when published
        for folder in self._made:
            with contextlib.suppress(OSError):  # not empty: other outputs were written there
                folder.rmdir()


def _write_and_release(table: pa.Table, path: Path) -> None:
    write_parquet(table, path)
    del table
    release_memory()


def _write_csv(frame: Visits, path: Path) -> None:
    """UTF-8, `\\n` line ends, quotes only where needed (pyarrow's writer: fast for big quality logs)."""
    from pyarrow import csv as pacsv

    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
    pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(quoting_style="needed"))


def _sorted_categories(values: pd.Categorical | pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, categories) with categories in lexical order, so codes sort like the strings; int32 like
    pandas' codes of more than 32,767 categories (40 MB at 10 M rows, not 80)."""
    cat = values if isinstance(values, pd.Categorical) else values.array
    categories = np.asarray(cat.categories, dtype=object)
    order = np.argsort(categories.astype(str), kind="stable")
    rank = np.empty(len(order), dtype=np.int32)
    rank[order] = np.arange(len(order))
    codes = np.array(cat.codes, dtype=np.int32)  # a copy: changed in place below
    if not len(order):  # no citizen at all (every row ignored or quarantined)
        return np.full(len(codes), -1, dtype=np.int32), categories
    missing = codes < 0  # in place: two full-length arrays, not five
    codes[missing] = 0
    ranked = rank[codes]
    del codes
    ranked[missing] = -1
    return ranked, categories[order]


def _dictionary(codes: np.ndarray, categories: Any) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(
        pa.array(codes.astype(np.int32, copy=False), mask=codes < 0),
        pa.array(list(categories), type=pa.string()),
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
    primary = frame["offer"][kept].astype(np.int64)
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
        "source_row": pa.array(state.df["row"].to_numpy()[take].astype(np.int64, copy=False)),
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
