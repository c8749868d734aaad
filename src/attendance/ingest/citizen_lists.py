"""The two lists about citizens beside the registration sheets: the referral list (referrals.xlsx/.csv: who is
referred to which offer, from when to when; CPR numbers are dropped here) and citizen_aliases.csv (spelling
variants of a name → the name they stand for).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from attendance.errors import InputError

from .columns import header_lookup, load_column_aliases, normalise_header
from .csv_files import _csv_grid, detect_encoding, sniff_delimiter
from .grids import _grid_frame, _row_texts
from .offers import Dataset, Offer, OfferMatcher
from .parsing import normalise_identifier, parse_dates
from .sheet_layout import HEADER_SEARCH_ROWS, TOTAL_WORDS
from .workbooks import _xlsx_grids


def _find_referral_file(raw_dir: Path) -> Path:
    for name in ("referrals.xlsx", "referrals.xlsm", "referrals.csv"):
        if (raw_dir / name).is_file():
            return raw_dir / name
    raise InputError(
        "no referral list",
        file=str(raw_dir),
        fix="add referrals.xlsx or referrals.csv (see docs/raw_format.md)",
    )


def read_referrals(raw_dir: Path, offers: dict[str, Offer], dataset: Dataset) -> pd.DataFrame:
    """The referral list: offer_id, name, initials, referral_start, referral_end, age_band (CPR dropped here)."""
    raw_dir = Path(raw_dir)
    path = _find_referral_file(raw_dir)
    rel = path.name
    _, table = load_column_aliases(raw_dir)
    lookup = header_lookup(table)
    matcher = OfferMatcher(offers)
    grids = [("", _csv_grid(path, rel), False)] if path.suffix == ".csv" else _xlsx_grids(path, rel)
    for sheet, grid, _hidden in grids:
        if grid.num_rows == 0:
            continue
        for index, cells in enumerate(_row_texts(grid, HEADER_SEARCH_ROWS)):
            columns = {}
            for column, value in enumerate(cells):
                name = lookup.get(normalise_header(value)) if isinstance(value, str) else None
                if name is not None and name not in columns.values():
                    columns[column] = name
            if len(columns) >= 2:
                return _referral_rows(grid, index, columns, rel, sheet, matcher, dataset)
    raise InputError(
        "no header row found in the referral list",
        file=rel,
        fix="add a header row with Tilbud, Navn, Visiteret fra, Visiteret til (or extend columns.yaml: referrals:)",
    )


def _referral_rows(
    grid: pa.Table,
    header_index: int,
    columns: dict[int, str],
    rel: str,
    sheet: str,
    matcher: OfferMatcher,
    dataset: Dataset,
) -> pd.DataFrame:
    header_cells = _row_texts(grid, 1, header_index)[0]
    present = set(columns.values())
    missing = [name for name in ("offer", "name", "referral_start") if name not in present]
    if missing:
        raise InputError(
            f"referral list lacks column(s) {', '.join(missing)}",
            file=rel,
            sheet=sheet or None,
            row=header_index + 1,
            fix="add Tilbud, Navn and Visiteret fra columns (or their names to columns.yaml under referrals:)",
        )
    column_of = {name: column for column, name in columns.items()}
    body = _grid_frame(grid, header_index + 1)
    rows = np.arange(header_index + 2, header_index + 2 + len(body))

    def raw(name: str) -> pd.Series:
        if name not in column_of:
            return pd.Series(np.nan, index=body.index, dtype=object)
        return body[column_of[name]].astype(object)

    def fail(mask: np.ndarray, message: str, name: str, fix: str) -> None:
        i = int(np.flatnonzero(mask)[0])
        raise InputError(
            message,
            file=rel,
            sheet=sheet or None,
            row=int(rows[i]),
            column=str(header_cells[column_of[name]]),
            fix=fix,
        )

    names = raw("name")
    keep = names.map(
        lambda v: isinstance(v, str) and v.strip() != "" or isinstance(v, int | float) and v == v
    )
    keep &= ~names.map(lambda v: normalise_header(v) in TOTAL_WORDS)
    keep = keep.to_numpy(dtype=bool)
    offer_raw = raw("offer")
    lookup = {v: matcher.match(v) for v in pd.unique(offer_raw.to_numpy())}
    offer_id = offer_raw.map(lookup).to_numpy(dtype=object)
    unknown = keep & pd.isna(offer_id)
    if unknown.any():
        fail(
            unknown,
            "unknown offer in the referral list",
            "offer",
            "add the name to the offer's `aliases` in offers.yaml",
        )
    date_fix = "write the date as DD-MM-YYYY (leave Visiteret til blank for an open referral)"
    start = parse_dates(raw("referral_start"), dataset.years)
    if (keep & start.isna().to_numpy()).any():
        fail(keep & start.isna().to_numpy(), "not a date", "referral_start", date_fix)
    end_raw = raw("referral_end")
    end = parse_dates(end_raw, dataset.years)
    bad_end = (
        keep
        & end.isna().to_numpy()
        & ~end_raw.map(lambda v: v is None or v != v or str(v).strip() == "").to_numpy()
    )
    if bad_end.any():
        fail(bad_end, "not a date", "referral_end", date_fix)

    def text(name: str) -> np.ndarray:
        values = raw(name).map(
            lambda v: None if v is None or v != v or not str(v).strip() else str(v).strip()
        )
        return values.to_numpy(dtype=object)[keep]

    frame = pd.DataFrame(
        {
            "offer_id": offer_id[keep],
            "name": names.astype(str).to_numpy(dtype=object)[keep],
            "initials": text("initials"),
            "referral_start": start.to_numpy()[keep],
            "referral_end": end.to_numpy()[keep],
            "age_band": text("age_band"),
            "source_row": rows[keep],
        }
    )
    return frame.reset_index(drop=True)


def read_citizen_aliases(raw_dir: Path) -> dict[str, str]:
    """citizen_aliases.csv (variant;canonical) → {normalised variant: normalised canonical}."""
    path = Path(raw_dir) / "citizen_aliases.csv"
    if not path.is_file():
        return {}
    encoding = detect_encoding(path)
    try:
        text = path.read_text(encoding=encoding)
    except UnicodeDecodeError:
        text = path.read_text(encoding="cp1252")
    lines = text.splitlines()
    delimiter = sniff_delimiter(lines[:50])
    aliases = {}
    for number, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
        cells = [c for c in row if c.strip()]
        if not cells:
            continue
        if number == 1 and normalise_header(cells[0]) in {"variant", "stavemåde", "alias", "variation"}:
            continue
        if len(cells) != 2:
            raise InputError(
                "each line needs a variant and the canonical name",
                file="citizen_aliases.csv",
                row=number,
                fix=f"write `variant{delimiter}canonical`",
            )
        aliases[normalise_identifier(cells[0])] = normalise_identifier(cells[1])
    return aliases
