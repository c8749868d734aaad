"""`attendance occupancy` on files: Arrow batches in, int64 nanoseconds inside, CSV out — without pandas.

Why its own module: the command is what people wait for. Arrow's CSV reader parses typed ISO timestamps in
C++ on all cores, batches stream through `OccupancyAccumulator` so memory stays bounded whatever the file
size, and pandas is imported only when a value needs the tolerant text rules (`occupancy.tolerant_parse`).
The numbers and the CSV bytes are the ones `occupancy_by_datetime`, `summarize` and `DataFrame.to_csv` give.

Input: a CSV (`,` or `;`), a Parquet file, or a folder of Parquet files (read file by file, row group by
row group: the out-of-core path, see docs/architecture.md).
"""

from __future__ import annotations

import csv
import errno
import os
import queue
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from attendance.errors import InputError

from .occupancy import (
    MEASURES,
    STAT_COLUMNS,
    OccupancyAccumulator,
    _looks_semicolon,
    backwards_error,
    slot_statistics,
    tolerant_parse,
    unreadable_error,
)

# pandas' default NA markers for read_csv, so that a file means here what it meant through pandas
NULL_VALUES = [
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>",
    "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
]  # fmt: skip
CSV_BLOCK_BYTES = 16 << 20  # ≈ 350,000 visits per batch: few Python steps, ~100 MB of temporaries
PARQUET_BATCH_ROWS = 1 << 20
# The shapes Arrow's cast reads exactly as pandas' ISO 8601 parser does; anything else goes to pandas.
_STRICT_ISO = r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?$"
_INT_LABEL = re.compile(r"[+-]?\d+")
_FLOAT_LABEL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


class _ReadAsText(Exception):
    """Arrow could not read a timestamp column as typed timestamps: read the file again with text columns."""


@dataclass
class _Batch:
    file: Path
    first_row: int  # the file row number of the batch's first visit, as errors name it
    start: pa.Array
    end: pa.Array | None
    group: pa.Array | None


@dataclass
class _Problems:
    """Everything wrong with the input, counted over the whole file so the error says how many."""

    unreadable: dict[str, tuple[int, str, int, Path]] = field(default_factory=dict)  # count, first, row, file
    backwards: tuple[int, int, Path] | None = None  # count, first row, file
    missing_group: int = 0

    def any(self) -> bool:
        return bool(self.unreadable) or self.backwards is not None or self.missing_group > 0


def _inputs(path: Path) -> tuple[str, list[Path]]:
    """('csv' | 'parquet', files): a CSV, a Parquet file or a folder of Parquet files (sorted by path)."""
    if not path.exists():
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(path))
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix.lower() in {".parquet", ".pq"} and p.is_file())
        if not files:
            raise InputError(
                "no .parquet files in the folder", file=str(path), fix="give a folder of Parquet"
            )
        return "parquet", files
    suffix = path.suffix.lower()
    if suffix in {".parquet", ".pq"}:
        return "parquet", [path]
    if suffix in {".csv", ".txt"}:
        return "csv", [path]
    raise InputError(f"unknown file type {suffix!r}", file=str(path), fix="give a .csv or .parquet file")


def _missing_column(name: str, names: list[str], file: Path, group: bool = False) -> InputError:
    if group:
        return InputError(
            f"no group column {name!r}", file=str(file), column=name, fix="name the right column"
        )
    return InputError(
        f"no column {name!r} (columns: {', '.join(names)})",
        file=str(file),
        column=name,
        fix="name the right column",
    )


def _check_columns(names: list[str], start_col: str, end_col: str, group_col: str | None, file: Path) -> None:
    """Missing columns, in the order the DataFrame path reports them."""
    for column in (start_col, end_col):
        if column not in names:
            raise _missing_column(column, names, file)
    if group_col is not None and group_col not in names:
        raise _missing_column(group_col, names, file, group=True)


def _csv_batches(
    path: Path, start_col: str, end_col: str, group_col: str | None, as_text: bool
) -> Iterator[_Batch]:
    """Stream a CSV as Arrow batches of the needed columns; timestamps typed unless `as_text`."""
    import pyarrow.csv as pacsv

    delimiter = ";" if _looks_semicolon(path) else ","
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        names = next(csv.reader(handle, delimiter=delimiter), [])
    _check_columns(names, start_col, end_col, group_col, path)
    stamp = pa.string() if as_text else pa.timestamp("ns")
    types = {start_col: stamp, end_col: stamp}
    columns = [start_col, end_col]
    if group_col is not None:
        types[group_col] = pa.dictionary(pa.int32(), pa.string())  # few distinct groups: codes straight away
        columns.append(group_col)

    def failed(exc: pa.ArrowInvalid) -> Exception:
        if not as_text and "conversion error to timestamp" in str(exc):
            return _ReadAsText()
        return InputError(f"cannot read the CSV: {exc}", file=str(path), fix="check the file")

    try:  # Arrow reads the first block on opening
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=CSV_BLOCK_BYTES),
            parse_options=pacsv.ParseOptions(delimiter=delimiter),
            convert_options=pacsv.ConvertOptions(
                include_columns=columns,
                column_types=types,
                null_values=NULL_VALUES,
                strings_can_be_null=True,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise failed(exc) from exc
    row = 2  # line 1 is the header
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            return
        except pa.ArrowInvalid as exc:
            raise failed(exc) from exc
        yield _Batch(
            path,
            row,
            batch.column(start_col),
            batch.column(end_col),
            batch.column(group_col) if group_col is not None else None,
        )
        row += batch.num_rows


def _parquet_batches(
    files: list[Path], start_col: str, end_col: str, group_col: str | None
) -> Iterator[_Batch]:
    """Stream Parquet files row group by row group, only the needed columns."""
    import pyarrow.parquet as pq

    for path in files:
        parquet = pq.ParquetFile(path)
        _check_columns(parquet.schema_arrow.names, start_col, end_col, group_col, path)
        columns = [start_col, end_col] + ([group_col] if group_col is not None else [])
        row = 1
        for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=columns):
            yield _Batch(
                path,
                row,
                batch.column(start_col),
                batch.column(end_col),
                batch.column(group_col) if group_col is not None else None,
            )
            row += batch.num_rows


def _numpy(array: pa.Array, dtype) -> tuple[np.ndarray, np.ndarray | None]:
    """(values, validity or None) of a fixed-width Arrow array, zero-copy from its buffers.

    Why not `Array.to_numpy`: in pyarrow it imports pandas (≈ 0.3–1 s), which is most of this command's time.
    """
    dtype = np.dtype(dtype)
    validity, data = array.buffers()[:2]
    values = np.frombuffer(data, dtype=dtype, count=len(array) + array.offset)[array.offset :]
    if not array.null_count:
        return values, None
    bits = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")
    return values, bits[array.offset : array.offset + len(array)].astype(bool)


def _bools(array: pa.Array) -> np.ndarray:
    """A boolean Arrow array as numpy bool (nulls False)."""
    values, valid = _numpy(array.cast(pa.uint8()), np.uint8)
    out = values.astype(bool)
    return out if valid is None else out & valid


def _prefetch(batches: Iterator[_Batch], depth: int = 2) -> Iterator[_Batch]:
    """Read the next batches in a thread while this one is computed.

    Why: Arrow's streaming reader parses one batch at a time; with the parse on one core and numpy on the
    other, the two overlap instead of taking turns. `depth` batches in the queue keep memory bounded.
    """
    items: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def work() -> None:
        try:
            for batch in batches:
                while not stop.is_set():
                    try:
                        items.put(batch, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            items.put(done)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, raised there
            items.put(exc)

    thread = threading.Thread(target=work, name="occupancy-reader", daemon=True)
    thread.start()
    try:
        while True:
            item = items.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


def _to_numpy_ns(array: pa.Array) -> np.ndarray:
    """timestamp[ns] → datetime64[ns], nulls as NaT."""
    values, valid = _numpy(array, np.int64)
    values = values.view("datetime64[ns]")
    if valid is not None:
        values = np.where(valid, values, np.datetime64("NaT", "ns"))
    return values


def timestamps(array: pa.Array) -> tuple[np.ndarray, np.ndarray, pa.Array | None]:
    """(naive datetime64[ns] with NaT, mask of unreadable values, the stripped text or None) of a column.

    Typed timestamps are taken as they are (wall-clock time when they carry a time zone, as pandas'
    tz_localize(None) does); dates become midnight; text in the strict ISO shapes is cast by Arrow, and only
    the values Arrow cannot read go through the tolerant text rules (`occupancy.tolerant_parse`).
    """
    kind = array.type
    if pa.types.is_timestamp(kind):
        if kind.tz is not None:
            array = pc.local_timestamp(array)
        return _to_numpy_ns(array.cast(pa.timestamp("ns"))), np.zeros(len(array), dtype=bool), None
    if pa.types.is_date(kind):
        return _to_numpy_ns(array.cast(pa.timestamp("ns"))), np.zeros(len(array), dtype=bool), None
    if pa.types.is_null(kind):
        return np.full(len(array), np.datetime64("NaT", "ns")), np.zeros(len(array), dtype=bool), None
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        array = array.cast(pa.string())
    text = pc.utf8_trim_whitespace(array)
    empty = ~_bools(pc.not_equal(text, ""))  # null or ""
    strict_mask = pc.match_substring_regex(text, _STRICT_ISO)
    strict = _bools(strict_mask)
    out = np.full(len(text), np.datetime64("NaT", "ns"))
    rest = ~empty & ~strict
    if strict.any():
        try:
            out[strict] = _to_numpy_ns(pc.filter(text, strict_mask).cast(pa.timestamp("ns")))
        except pa.ArrowInvalid:  # e.g. 2026-02-30: let the tolerant rules decide and name it
            rest |= strict
    bad = np.zeros(len(text), dtype=bool)
    where = np.flatnonzero(rest)
    if len(where):
        import pandas as pd

        parsed = tolerant_parse(pd.Series(text.take(pa.array(where)).to_pylist(), dtype="string"))
        if getattr(parsed.dt, "tz", None) is not None:
            parsed = parsed.dt.tz_localize(None)
        values = parsed.to_numpy("datetime64[ns]")
        out[where] = values
        bad[where] = np.isnat(values)
    return out, bad, text


class _Groups:
    """Group labels in order of first appearance among the visits that count; codes index them."""

    def __init__(self) -> None:
        self.labels: list = []
        self._code: dict = {}
        self.text_labels = True  # CSV: labels come as text and take pandas' column type at the end
        self.all_int = True
        self.all_float = True
        self.any_null = False

    def codes(self, array: pa.Array, keep: np.ndarray) -> tuple[np.ndarray, int]:
        """Global codes of the kept rows and how many of them have no group."""
        encoded = array if pa.types.is_dictionary(array.type) else pc.dictionary_encode(array)
        dictionary = encoded.dictionary
        local, valid = _numpy(encoded.indices.cast(pa.int64()), np.int64)
        if valid is not None:
            local = np.where(valid, local, -1)
        if pa.types.is_string(dictionary.type) or pa.types.is_large_string(dictionary.type):
            values = dictionary.to_pylist()
            self.all_int &= all(_INT_LABEL.fullmatch(v) for v in values)
            self.all_float &= all(_FLOAT_LABEL.fullmatch(v) for v in values)
        else:
            self.text_labels = False
            values = dictionary.to_pylist()
        self.any_null |= array.null_count > 0
        kept = local[keep]
        counts = np.bincount(kept + 1, minlength=len(values) + 1)  # counts[0]: no group
        missing = int(counts[0])
        mapping = np.full(len(values) + 1, -1, dtype=np.int64)  # last slot: null stays -1
        for code in np.flatnonzero(counts[1:]):
            label = values[code]
            mapping[code] = self._code.setdefault(label, len(self.labels))
            if mapping[code] == len(self.labels):
                self.labels.append(label)
        return mapping[kept], missing

    def sorted_labels(self) -> tuple[list, np.ndarray]:
        """Labels sorted as pandas sorts the column it would have read (numbers as numbers), and the order."""
        labels = self.labels
        if self.text_labels and labels and self.all_int and not self.any_null:
            labels = [int(label) for label in labels]
        elif self.text_labels and labels and self.all_float:
            labels = [float(label) for label in labels]
        order = sorted(range(len(labels)), key=labels.__getitem__)
        return [labels[i] for i in order], np.array(order, dtype=np.int64)


def _accumulate(
    batches: Iterator[_Batch],
    accumulator: OccupancyAccumulator,
    start_col: str,
    end_col: str,
    group_col: str | None,
) -> tuple[int, _Groups | None, _Problems]:
    """Feed every batch to the accumulator; count problems over the whole input (work stops at the first)."""
    problems = _Problems()
    groups = _Groups() if group_col is not None else None
    rows = 0
    for batch in batches:
        rows += len(batch.start)
        start, bad_start, start_text = timestamps(batch.start)
        end, bad_end, end_text = timestamps(batch.end)
        for column, bad, text in ((start_col, bad_start, start_text), (end_col, bad_end, end_text)):
            if not bad.any():
                continue
            if column in problems.unreadable:
                count, *first = problems.unreadable[column]
            else:
                position = int(np.flatnonzero(bad)[0])
                count, first = 0, [text[position].as_py(), batch.first_row + position, batch.file]
            problems.unreadable[column] = (count + int(bad.sum()), *first)
        if problems.unreadable:
            continue
        backwards = ~(np.isnat(start) | np.isnat(end)) & (end < start)
        if backwards.any():
            count, row, file = problems.backwards or (0, None, None)
            if row is None:
                row, file = batch.first_row + int(np.flatnonzero(backwards)[0]), batch.file
            problems.backwards = (count + int(backwards.sum()), row, file)
        if problems.any():
            continue
        keep = accumulator.overlapping(start, end)
        codes = None
        if groups is not None:
            codes, missing = groups.codes(batch.group, keep)
            problems.missing_group += missing
            if missing:
                continue
        accumulator.add(start[keep], end[keep], codes)
    return rows, groups, problems


def _raise_first(
    problems: _Problems, start_col: str, end_col: str, group_col: str | None, file: Path
) -> None:
    """The error the DataFrame path would raise first: start column, end column, backwards, no group."""
    for column in (start_col, end_col):
        if column in problems.unreadable:
            count, first, row, where = problems.unreadable[column]
            raise unreadable_error(count, first, row, column, file=str(where))
    if problems.backwards is not None:
        count, row, where = problems.backwards
        raise backwards_error(count, row, end_col, file=str(where))
    if problems.missing_group:
        raise InputError(
            f"{problems.missing_group} visits have no {group_col}", file=str(file), column=group_col
        )


def _column_text(values) -> list:
    """A column as the strings pandas' to_csv writes (shortest round-trip floats, NaN empty, ISO dates)."""
    values = np.asarray(values)
    if values.dtype.kind == "M":
        days = values.astype("datetime64[D]")
        if (values == days).all():
            return days.astype(str).tolist()
        return np.char.replace(values.astype("datetime64[s]").astype(str), "T", " ").tolist()
    if values.dtype.kind == "f":
        text = values.astype(str).astype(object)
        text[np.isnan(values)] = ""
        return text.tolist()
    if values.dtype.kind in "iub":
        return values.astype(str).tolist()
    return ["" if value is None else str(value) for value in values]


def write_csv(path: Path, columns: dict) -> None:
    """Write columns as `DataFrame(columns).to_csv(path, index=False)` would, byte for byte."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    texts = [_column_text(values) for values in columns.values()]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(list(columns))
        writer.writerows(zip(*texts, strict=True))


def bydatetime_columns(
    accumulator: OccupancyAccumulator, labels: list, order: np.ndarray | None, group_col: str | None
) -> dict:
    """The by-datetime table as columns, rows by group and datetime (`occupancy_by_datetime`'s layout)."""
    n_groups = len(labels)
    occupancy, arrivals, departures = accumulator.result(order)
    columns = {}
    if group_col is not None:
        columns[group_col] = np.repeat(np.array(labels + [None], dtype=object)[:-1], accumulator.n_bins)
    for name, values in accumulator.slot_columns().items():
        columns[name] = np.tile(values, n_groups)
    columns["arrivals"] = arrivals.ravel()
    columns["departures"] = departures.ravel()
    columns["occupancy"] = occupancy.ravel()
    return columns


def summary_columns(table: dict, labels: list, bin_minutes: int, group_col: str | None) -> dict:
    """`summarize` of the by-datetime columns, without pandas: same keys, same order of sums, same bits."""
    bins_per_day = 1440 // bin_minutes
    n_slots = len(table["day_of_week"]) // max(len(labels), 1)
    group_index = np.repeat(np.arange(len(labels), dtype=np.int64), n_slots)
    raw = (group_index * 7 + table["day_of_week"]) * bins_per_day + table["bin_of_day"]
    keys, key_code = np.unique(raw, return_inverse=True)
    first = np.unique(key_code, return_index=True)[1]  # a row of each key, for its labels
    key_columns = {}
    if group_col is not None:
        key_columns[group_col] = np.array(labels + [None], dtype=object)[:-1][keys // (7 * bins_per_day)]
    for name in ("day_of_week", "dow_name", "bin_of_day", "bin_of_day_str"):
        key_columns[name] = table[name][first]
    parts = []
    for measure in MEASURES:
        stats = slot_statistics(key_code, len(keys), table[measure].astype(np.float64))
        parts.append({"measure": np.full(len(keys), measure, dtype=object), **key_columns, **stats})
    names = list(parts[0])
    assert names[-len(STAT_COLUMNS) :] == STAT_COLUMNS
    return {name: np.concatenate([part[name] for part in parts]) for name in names}


def run_occupancy_files(
    input_path: Path,
    start_col: str,
    end_col: str,
    bin_minutes: int,
    start_date: str,
    end_date: str,
    group_col: str | None,
    out: Path,
    bydatetime: Path | None,
) -> str:
    """Visits file(s) → summary CSV (and by-datetime CSV), streaming; returns the one-line message."""
    kind, files = _inputs(Path(input_path))
    accumulator = OccupancyAccumulator(bin_minutes, start_date, end_date)
    if group_col is None:
        accumulator.ensure_groups(1)
    if kind == "csv":
        try:
            rows, groups, problems = _accumulate(
                _prefetch(_csv_batches(files[0], start_col, end_col, group_col, as_text=False)),
                accumulator,
                start_col,
                end_col,
                group_col,
            )
        except _ReadAsText:  # some value is not typed ISO: start again, Arrow first and pandas for the rest
            accumulator = OccupancyAccumulator(bin_minutes, start_date, end_date)
            if group_col is None:
                accumulator.ensure_groups(1)
            rows, groups, problems = _accumulate(
                _prefetch(_csv_batches(files[0], start_col, end_col, group_col, as_text=True)),
                accumulator,
                start_col,
                end_col,
                group_col,
            )
    else:
        batches = _prefetch(_parquet_batches(files, start_col, end_col, group_col))
        rows, groups, problems = _accumulate(batches, accumulator, start_col, end_col, group_col)
    _raise_first(problems, start_col, end_col, group_col, Path(input_path))

    if groups is None:
        labels, order = [None], None
    else:
        labels, order = groups.sorted_labels()
    table = bydatetime_columns(accumulator, labels, order, group_col)
    summary = summary_columns(table, labels, bin_minutes, group_col)
    write_csv(Path(out), summary)
    n_summary = len(summary["measure"])
    message = f"wrote {out} ({n_summary} rows) from {rows} visits, {bin_minutes}-minute slots"
    if bydatetime is not None:
        write_csv(Path(bydatetime), table)
        message += f"; by date and slot: {bydatetime} ({len(table['datetime'])} rows)"
    return message
