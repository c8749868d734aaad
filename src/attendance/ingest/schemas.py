"""pandera schemas of the processed tables: the contract in docs/architecture.md, checked on every write.

Later stages rely on these columns and types; validating at the end of cleaning catches a broken contract
where it is made, not three notebooks later. Text columns are checked on their distinct values (categories or
`unique()`), so the schemas accept both the categorical frames cleaning builds and the object columns
`pd.read_parquet` returns, and validating 10 million visits takes seconds, not minutes.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pandera.pandas as pa

KEY_HEX_LENGTH = 16
HEX = re.compile(r"[0-9a-f]*")


def _distinct(series: pd.Series) -> np.ndarray:
    if isinstance(series.dtype, pd.CategoricalDtype):
        return np.asarray(series.cat.categories, dtype=object)
    return pd.unique(series.dropna().to_numpy())


def _text_check(hex_length: int | None = None, allowed: tuple[str, ...] | None = None) -> pa.Check:
    """All distinct values are text (of `hex_length` lower-case hex digits, or among `allowed`)."""

    def check(series: pd.Series) -> bool:
        values = _distinct(series)
        if len(values) == 0:
            return True
        if pd.api.types.infer_dtype(values, skipna=False) != "string":
            return False
        if hex_length is not None:
            lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
            if not (lengths == hex_length).all() or not HEX.fullmatch("".join(values)):
                return False
        return allowed is None or set(values) <= set(allowed)

    name = (
        "text"
        + (f" of {hex_length} hex digits" if hex_length else "")
        + (f" in {allowed}" if allowed else "")
    )
    return pa.Check(check, name=name, element_wise=False)


def _text(nullable: bool = False, **kwargs) -> pa.Column:
    return pa.Column(None, checks=[_text_check(**kwargs)], nullable=nullable)


def _timed_rows_consistent(df: pd.DataFrame) -> pd.Series:
    """Timed visits have start <= end on the visit's own date; day-only visits have no times."""
    timed = (df["granularity"] == "timed").to_numpy()
    start, end = df["start"], df["end"]
    ok_timed = start.notna() & end.notna() & (start <= end) & (start.dt.normalize() == df["date"])
    ok_day = start.isna() & end.isna()
    return ok_timed.where(timed, ok_day)


VisitsSchema = pa.DataFrameSchema(
    {
        "visit_id": pa.Column("int64", pa.Check.ge(0), unique=True),
        "offer_id": _text(),
        "date": pa.Column(
            "datetime64[ns]", pa.Check(lambda s: (s == s.dt.normalize()).all(), name="midnight")
        ),
        "citizen_key": _text(hex_length=KEY_HEX_LENGTH),
        "start": pa.Column("datetime64[ns]", nullable=True),
        "end": pa.Column("datetime64[ns]", nullable=True),
        "granularity": _text(allowed=("timed", "day")),
        "on_closed_day": pa.Column("bool"),
        "is_trip": pa.Column("bool"),
        "flags": _text(),
        "source_file": _text(),
        "source_sheet": _text(),
        "source_row": pa.Column("int64", pa.Check.ge(1)),
    },
    checks=[pa.Check(_timed_rows_consistent, name="times_match_granularity")],
    strict=True,
    ordered=True,
    name="VisitsSchema",
)

ReferralsSchema = pa.DataFrameSchema(
    {
        "offer_id": _text(),
        "citizen_key": _text(hex_length=KEY_HEX_LENGTH),
        "referral_start": pa.Column("datetime64[ns]"),
        "referral_end": pa.Column("datetime64[ns]", nullable=True),
        "age_band": _text(nullable=True),
    },
    strict=True,
    ordered=True,
    name="ReferralsSchema",
)
