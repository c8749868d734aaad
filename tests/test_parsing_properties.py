"""Property-based tests of the date/time parsers: they never crash, and what they accept round-trips."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attendance.ingest.parsing import parse_date, parse_dates, parse_time, parse_times
from attendance.ingest.readers import ABSENCE_MARKS

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


# ------------------------------------------------------------------------------------ issue 10: date forms

SHORT_WEEKDAYS = ["ma", "ti", "on", "to", "fr", "lø", "sø"]
LONG_WEEKDAYS = ["mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"]
MONTH_ABBR = ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]


@given(dates, st.sampled_from(["short", "long"]), st.sampled_from(["", ".", " d.", " den"]))
def test_weekday_prefixed_dates_read_and_name_their_weekday(day, kind, middle):
    """`ti 3/3`, `tirsdag d. 3/3`, `fr. 6/3`: the date is read and the prefix's weekday is reported, so the
    cleaner can check it against the date."""
    from attendance.ingest.parsing import weekday_prefix

    word = (SHORT_WEEKDAYS if kind == "short" else LONG_WEEKDAYS)[day.weekday()]
    text = f"{word}{middle} {day.day}/{day.month}"
    assert parse_date(text, years=[day.year]) == pd.Timestamp(day)
    assert weekday_prefix(text) == day.weekday()


@given(dates, st.sampled_from(["d. {d}/{m}", "{d}-{mon}-{yy}", "{d}/{m} {yyyy}", "{d}. {mon} {yyyy}"]))
def test_danish_date_forms_read(day, pattern):
    text = pattern.format(
        d=day.day, m=day.month, mon=MONTH_ABBR[day.month - 1], yy=f"{day.year % 100:02d}", yyyy=day.year
    )
    assert parse_date(text, years=[day.year]) == pd.Timestamp(day)


@given(dates)
def test_month_first_reads_the_swapped_order_and_evidence_is_one_sided(day):
    from attendance.ingest.parsing import date_order_evidence

    us = f"{day.month}/{day.day}/{day.year}"
    assert parse_date(us, month_first=True) == pd.Timestamp(day)
    dk = f"{day.day}/{day.month}/{day.year}"
    assert parse_date(dk) == pd.Timestamp(day)
    if day.day > 12:
        assert date_order_evidence(dk) == 1 and date_order_evidence(us) == 2
    elif day.day != day.month:  # both readings possible: no evidence either way, only a warning
        assert date_order_evidence(dk) == 3 and date_order_evidence(us) == 3
    else:  # 5/5: the same either way
        assert date_order_evidence(dk) == 0


@given(st.text(max_size=20))
def test_date_order_evidence_never_crashes(text):
    from attendance.ingest.parsing import date_order_evidence, weekday_name, weekday_prefix

    assert date_order_evidence(text) in (0, 1, 2, 3)
    assert weekday_prefix(text) in (None, *range(7))
    assert weekday_name(text) in (None, *range(7))


# ------------------------------------------------------------------------------- issue 10: one Tid column

clock = st.tuples(st.integers(0, 23), st.integers(0, 59))


@given(clock, clock, st.sampled_from(["{a}-{b}", "kl {a} - {b}", "{a}–{b}", "kl. {a}-{b}", "{a} til {b}"]),
       st.sampled_from([":", "."]))  # fmt: skip
def test_time_range_column_splits_into_the_two_times(start, end, pattern, sep):
    """A `Tid` cell such as `9.30-14` or `kl 9 - 13` becomes time in and time out (readers._RANGE_RE2)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from attendance.ingest.readers import _RANGE_RE2

    def fmt(hm: tuple[int, int]) -> str:
        return f"{hm[0]}{sep}{hm[1]:02d}" if hm[1] else str(hm[0])

    text = pattern.format(a=fmt(start), b=fmt(end))
    parts = pc.extract_regex(pa.array([text]), _RANGE_RE2).to_pylist()[0]
    assert parts is not None, text
    assert parse_time(parts["time_in"]) == dt.time(*start)
    assert parse_time(parts["time_out"]) == dt.time(*end)


# ------------------------------------------------------------------------------ issue 10: absence marks


@given(
    st.sampled_from(sorted(ABSENCE_MARKS)),
    st.sampled_from([str.upper, str.lower, str.title, lambda t: t]),
    st.sampled_from(["", " ", "  "]),
    st.sampled_from(["", "."]),
)
def test_absence_marks_are_recognised_whatever_the_case_spacing_or_full_stop(mark, case, pad, stop):
    from attendance.cleaning.raw_rows import _is_absence

    assert _is_absence(f"{pad}{case(mark)}{stop}{pad}")
    assert parse_time(mark) is None  # never a time either


@given(st.sampled_from(["x", "X", "1", "ja", "✓", "9-14", "9.30", "kl 10"]))
def test_presence_marks_and_times_are_not_absence_marks(text):
    from attendance.cleaning.raw_rows import _is_absence

    assert not _is_absence(text)
