"""CSV and text exports → a grid. Staff files come as UTF-8 (with or without byte-order mark), UTF-16 or
cp1252 (Danish Excel), separated by `;`, `,` or tab, sometimes with ragged title rows: detect that, read a
regular file fast with Arrow and anything else line-exactly with pandas, so row numbers match the file.
"""

from __future__ import annotations

import codecs
import csv
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
from pyarrow import csv as pacsv

from attendance.errors import InputError

from .grids import _empty_grid


def detect_encoding(path: Path, sample_size: int = 1 << 20) -> str:
    """UTF-8 (with or without BOM), UTF-16 (BOM) or else cp1252, the encoding of Danish Excel CSV exports."""
    with open(path, "rb") as handle:
        sample = handle.read(sample_size)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=len(sample) < sample_size)
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def sniff_delimiter(lines: list[str]) -> str:
    """`;`, `,` or tab: the one that splits most lines into the same number of fields (decimal commas lose)."""
    best, best_score = ";", (-1, -1)
    for candidate in (";", ",", "\t"):
        counts = [len(row) for row in csv.reader(lines, delimiter=candidate) if row]
        multi = [c for c in counts if c > 1]
        if not multi:
            continue
        mode = max(set(multi), key=lambda c: (multi.count(c), c))
        score = (multi.count(mode), mode)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _csv_grid_arrow(path: Path, delimiter: str, width: int, encoding: str) -> pa.Table | None:
    """Fast multi-threaded read (pyarrow) of a regular CSV: every line has the same number of fields.

    Returns None for anything irregular (ragged title rows, empty lines, quoted line breaks, encoding
    trouble) so that the line-exact pandas reader handles it; row numbers must match the file either way.
    """
    names = [f"c{i}" for i in range(width)]  # Arrow skips a UTF-8 byte-order mark itself
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(
                column_names=names, encoding="utf8" if encoding.startswith("utf-8") else encoding
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, ignore_empty_lines=False, newlines_in_values=False
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in names},
                strings_can_be_null=True,
                null_values=[""],
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError, LookupError):
        return None
    return table


def _csv_grid(path: Path, rel: str) -> pa.Table:
    encoding = detect_encoding(path)
    if not encoding.startswith("utf-16"):
        with open(path, "rb") as handle:
            if b"\x00" in handle.read(1 << 16):
                raise InputError(
                    "the file is not readable text (it contains NUL bytes: UTF-16 without a byte-order mark, "
                    "or not a CSV file at all)",
                    file=rel,
                    fix="open it in Excel and save it as CSV UTF-8 (or as .xlsx)",
                )
    try:
        with open(path, encoding=encoding, newline="") as handle:
            head = [line for _, line in zip(range(200), handle, strict=False)]
    except UnicodeDecodeError:
        encoding = "cp1252"
        try:
            with open(path, encoding=encoding, newline="") as handle:
                head = [line for _, line in zip(range(200), handle, strict=False)]
        except UnicodeDecodeError:
            raise InputError(
                "cannot decode the file: it is neither UTF-8 nor Windows-1252 (cp1252) text",
                file=rel,
                fix="open it in Excel and save it as CSV UTF-8, or check that it is a CSV file at all",
            ) from None
    if not any(line.strip() for line in head):
        return _empty_grid()
    delimiter = sniff_delimiter(head)
    width = max(len(row) for row in csv.reader(head, delimiter=delimiter))
    fast = _csv_grid_arrow(path, delimiter, width, encoding)
    if fast is not None:
        return fast
    for attempt in (encoding, "cp1252"):
        try:
            frame = pd.read_csv(
                path,
                sep=delimiter,
                header=None,
                names=[f"c{i}" for i in range(width)],
                dtype=str,
                encoding=attempt,
                skip_blank_lines=False,
                keep_default_na=False,
                na_values=[""],
                engine="c",
                index_col=False,
                quotechar='"',
            )
            break
        except UnicodeDecodeError:
            if attempt == "cp1252":
                raise InputError("cannot decode the file", file=rel, fix="save it as UTF-8 CSV") from None
        except pd.errors.ParserError as exc:
            line = re.search(r"line (\d+)", str(exc))
            raise InputError(
                "a row has more fields than the rows at the top",
                file=rel,
                row=int(line[1]) if line else None,
                fix=f"check quoting and the separator {delimiter!r} in that row",
            ) from None
    return pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
