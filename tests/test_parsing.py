"""Every date and time variant of docs/raw_format.md, scalar and column-wise."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from attendance.ingest.parsing import is_blank_values, parse_date, parse_dates, parse_time, parse_times

MARCH_2 = pd.Timestamp("2026-03-02")


@pytest.mark.parametrize(
    "value",
    [
        "02-03-2026", "2-3-2026", "2/3/26", "02.03.2026", "2026-03-02", "2026-03-02 00:00:00",
        46083, 46083.0, "46083", "46083,0", np.int64(46083),
        dt.datetime(2026, 3, 2), dt.datetime(2026, 3, 2, 14, 5), dt.date(2026, 3, 2), pd.Timestamp("2026-03-02 09:00"),
        "2. marts 2026", "2 marts 2026", "2. mar 2026", "man 2/3", "mandag 2/3", "mandag d. 2/3", "man. den 2.3",
        "  02-03-2026 ",
    ],
)  # fmt: skip
def test_date_variants(value):
    assert parse_date(value, years=(2026,)) == MARCH_2


@pytest.mark.parametrize(
    "value",
    [None, np.nan, "", "  ", "abc", "31-02-2026", "32/3/26", "2026-13-01", 12, "13. smarts 2026", True],
)
def test_unreadable_dates(value):
    assert parse_date(value, years=(2026,)) is None


def test_dates_without_year_need_a_candidate_year():
    assert parse_date("man 2/3") is None
    assert parse_date("2/3", years=(2026,)) == MARCH_2
    # 29 February only exists in a leap year among the candidates
    assert parse_date("29/2", years=(2027, 2028)) == pd.Timestamp("2028-02-29")


def test_day_first_always():
    assert parse_date("03/02/2026") == pd.Timestamp("2026-02-03")
    assert parse_date("12/1/26") == pd.Timestamp("2026-01-12")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("9.30", (9, 30)), ("09:30", (9, 30)), ("9:30", (9, 30)), ("930", (9, 30)), ("0930", (9, 30)),
        ("kl. 9", (9, 0)), ("kl 9.30", (9, 30)), ("Kl.9", (9, 0)), ("9", (9, 0)), ("15", (15, 0)),
        ("1530", (15, 30)), ("9,30", (9, 30)), ("9.3", (9, 30)), ("9.05", (9, 5)), ("09:30:00", (9, 30)),
        (0.395833, (9, 30)), ("0.395833", (9, 30)), ("0,395833", (9, 30)), (0.5, (12, 0)),
        (9.3, (9, 30)), (9.05, (9, 5)), (9.0, (9, 0)), (930, (9, 30)), (9, (9, 0)),
        (dt.time(9, 30), (9, 30)), (dt.datetime(2026, 3, 2, 9, 30), (9, 30)),
        ("2026-03-02 09:30:00", (9, 30)), ("1899-12-30 09:30", (9, 30)), (dt.timedelta(hours=9, minutes=30), (9, 30)),
        ("0.30", (0, 30)),
    ],
)  # fmt: skip
def test_time_variants(value, expected):
    assert parse_time(value) == dt.time(*expected)


@pytest.mark.parametrize(
    "value", [None, np.nan, "", "ni", "25:00", "9.75", "24", "1.5.3.2", -0.5, 1.5e9, float("inf"), "x", True]
)
def test_unreadable_times(value):
    assert parse_time(value) is None


def test_fraction_keeps_seconds():
    assert parse_time(0.3958449074) == dt.time(9, 30, 1)


def test_column_dates_parse_each_value_once_and_keep_blanks():
    values = pd.Series(["02-03-2026", None, "2/3/26", "x", "02-03-2026"], dtype="category")
    parsed = parse_dates(values, years=(2026,))
    assert parsed.dtype == "datetime64[ns]"
    assert parsed.tolist()[0] == MARCH_2 and parsed.tolist()[2] == MARCH_2
    assert parsed.isna().tolist() == [False, True, False, True, False]
    objects = parse_dates(pd.Series(["02-03-2026", np.nan], dtype=object))
    assert objects.isna().tolist() == [False, True]


def test_column_times_are_offsets_since_midnight():
    values = pd.Series(["9.30", "kl. 10", None, "ni", "0,375"], dtype="category")
    parsed = parse_times(values)
    assert parsed.dtype == "timedelta64[ns]"
    assert parsed[0] == pd.Timedelta(hours=9, minutes=30)
    assert parsed[1] == pd.Timedelta(hours=10)
    assert parsed[4] == pd.Timedelta(hours=9)  # a fraction of a day (three or more decimals)
    assert parsed.isna().tolist() == [False, False, True, True, False]


def test_column_parsers_scale_by_distinct_values():
    many = pd.Series(pd.Categorical(np.tile(["02-03-2026", "9.30", "3/3/26"], 400_000)))
    dates = parse_dates(many, years=(2026,))
    assert dates.notna().sum() == 800_000
    assert parse_times(many).notna().sum() == 400_000


def test_blank_values():
    values = pd.Series(["a", " ", None, "", "0"], dtype=object)
    assert is_blank_values(values).tolist() == [False, True, True, True, False]
