"""pandera schemas of the processed tables: the contract in docs/architecture.md, checked on every write.

Later stages rely on these columns and types; validating at the end of cleaning catches a broken contract
where it is made, not three notebooks later.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

KEY_PATTERN = r"^[0-9a-f]{16}$"


class VisitsSchema(pa.DataFrameModel):
    """visits.parquet: one row per cleaned visit, no names, initials, CPR numbers or comments."""

    visit_id: Series[int] = pa.Field(ge=0, unique=True)
    offer_id: Series[str]
    date: Series[pd.Timestamp]
    citizen_key: Series[str] = pa.Field(str_matches=KEY_PATTERN)
    start: Series[pd.Timestamp] = pa.Field(nullable=True)
    end: Series[pd.Timestamp] = pa.Field(nullable=True)
    granularity: Series[str] = pa.Field(isin=["timed", "day"])
    on_closed_day: Series[bool]
    is_trip: Series[bool]
    flags: Series[str]
    source_file: Series[str]
    source_sheet: Series[str]
    source_row: Series[int] = pa.Field(ge=1)

    class Config:
        strict = True
        ordered = True

    @pa.dataframe_check
    def times_match_granularity(cls, df: pd.DataFrame) -> Series[bool]:
        """Timed visits have start <= end on the visit's date; day-only visits have no times."""
        timed = df["granularity"] == "timed"
        ok_timed = df["start"].notna() & df["end"].notna() & (df["start"] <= df["end"])
        ok_timed &= df["start"].dt.normalize() == df["date"]
        ok_day = df["start"].isna() & df["end"].isna()
        return ok_timed.where(timed, ok_day)

    @pa.check("date")
    def date_is_midnight(cls, date: Series[pd.Timestamp]) -> Series[bool]:
        return date == date.dt.normalize()


class ReferralsSchema(pa.DataFrameModel):
    """referrals.parquet: one row per referral."""

    offer_id: Series[str]
    citizen_key: Series[str] = pa.Field(str_matches=KEY_PATTERN)
    referral_start: Series[pd.Timestamp]
    referral_end: Series[pd.Timestamp] = pa.Field(nullable=True)
    age_band: Series[str] = pa.Field(nullable=True)

    class Config:
        strict = True
        ordered = True
