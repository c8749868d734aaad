"""Property-based tests of the date/time parsers: they never crash, and what they accept round-trips."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attendance.parsing import parse_date, parse_dates, parse_time, parse_times

MONTHS = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
          "november", "december"]  # fmt: skip
EXCEL_EPOCH = dt.date(1899, 12, 30)

anything = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.booleans(),
)
dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31))
times = st.times().map(lambda t: t.replace(second=0, microsecond=0))
settings.register_profile("ci", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci")


@given(anything)
def test_parse_date_never_crashes(value):
    result = parse_date(value)
    assert result is None or (isinstance(result, pd.Timestamp) and result == result.normalize())


@given(anything)
def test_parse_time_never_crashes(value):
    result = parse_time(value)
    assert result is None or isinstance(result, dt.time)


@given(st.text(max_size=25))
def test_accepted_date_text_round_trips_through_the_canonical_form(text):
    parsed = parse_date(text)
    if parsed is not None:
        assert parse_date(parsed.strftime("%d-%m-%Y")) == parsed
        assert parse_date(parsed.date()) == parsed


@given(st.text(max_size=12))
def test_accepted_time_text_round_trips_through_the_canonical_form(text):
    parsed = parse_time(text)
    if parsed is not None:
        assert parse_time(parsed.strftime("%H:%M:%S" if parsed.second else "%H:%M")) == parsed


@given(
    dates,
    st.sampled_from(["dd-mm-yyyy", "d/m/yy", "dd.mm.yyyy", "iso", "serial", "text", "excel", "weekday"]),
)
def test_every_documented_date_variant_parses_to_the_date(date, variant):
    value = {
        "dd-mm-yyyy": f"{date.day:02d}-{date.month:02d}-{date.year}",
        "d/m/yy": f"{date.day}/{date.month}/{date.year % 100:02d}",
        "dd.mm.yyyy": f"{date.day:02d}.{date.month:02d}.{date.year}",
        "iso": date.isoformat(),
        "serial": (date - EXCEL_EPOCH).days,
        "text": f"{date.day}. {MONTHS[date.month - 1]} {date.year}",
        "excel": dt.datetime(date.year, date.month, date.day),
        "weekday": f"man {date.day}/{date.month}/{date.year}",
    }[variant]
    assert parse_date(value) == pd.Timestamp(date), value


@given(times, st.sampled_from(["dot", "colon", "compact", "kl", "fraction", "time", "excel_number"]))
def test_every_documented_time_variant_parses_to_the_time(time, variant):
    if variant in {"compact", "excel_number"} and time.hour == 0:
        time = time.replace(hour=9)  # "030" or 0.3 would read as a fraction/ambiguous; staff never type those
    if variant == "kl":
        time = time.replace(minute=0)
    value = {
        "dot": f"{time.hour}.{time.minute:02d}",
        "colon": f"{time.hour:02d}:{time.minute:02d}",
        "compact": f"{time.hour}{time.minute:02d}",
        "kl": f"kl. {time.hour}",
        "fraction": (time.hour * 60 + time.minute) / 1440,
        "time": time,
        "excel_number": time.hour + time.minute / 100,
    }[variant]
    if variant == "fraction" and time.hour == 0 and time.minute == 0:
        return  # 0.0 is an empty Excel cell, not midnight
    assert parse_time(value) == time, value


@given(
    st.lists(
        st.one_of(st.none(), st.text(max_size=10), st.sampled_from(["9.30", "kl. 9", "1530", "25.70"])),
        max_size=40,
    )
)
def test_column_parser_equals_the_scalar_parser(values):
    column = parse_times(pd.Series(values, dtype=object))
    for raw, parsed in zip(values, column, strict=True):
        scalar = parse_time(raw)
        if scalar is None:
            assert pd.isna(parsed)
        else:
            assert parsed == pd.Timedelta(hours=scalar.hour, minutes=scalar.minute, seconds=scalar.second)


@given(
    st.lists(
        st.one_of(st.none(), st.text(max_size=12), dates.map(lambda d: d.strftime("%d-%m-%Y"))), max_size=40
    )
)
def test_date_column_parser_equals_the_scalar_parser(values):
    column = parse_dates(pd.Series(values, dtype=object))
    for raw, parsed in zip(values, column, strict=True):
        scalar = parse_date(raw)
        assert (pd.isna(parsed) and scalar is None) or parsed == scalar


def test_impossible_times_are_rejected():
    for text in ["25.70", "24:00", "9.60", "-1", "kl. 25", "99999"]:
        assert parse_time(text) is None, text
