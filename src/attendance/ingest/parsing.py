"""Dates and times as staff type them (see docs/raw_format.md), day-first always.

The scalar parsers know every variant; the column versions parse each distinct value once and map the result
back, which is what makes 10 million rows cheap (a month of registrations has a few hundred distinct values).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Iterable

import numpy as np
import pandas as pd

EXCEL_EPOCH = dt.datetime(1899, 12, 30)
# Excel serials we accept as dates: 1954-10-03 .. 2119-01-06 (keeps small integers from looking like dates).
SERIAL_MIN, SERIAL_MAX = 20000, 80000

DANISH_MONTHS = {
    "januar": 1, "jan": 1, "februar": 2, "feb": 2, "marts": 3, "mar": 3, "april": 4, "apr": 4, "maj": 5,
    "juni": 6, "jun": 6, "juli": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
# Weekday prefixes such as `man 2/3`, `mandag d. 2/3`, `tirs. 3.3.`, two-letter `ti 3/3`, `fr 6/3`, and a bare
# `d. 9/3` are dropped before parsing; `weekday_prefix` gives the weekday they name (checked against the date).
WEEKDAY_WORDS = {
    "mandag": 0, "tirsdag": 1, "onsdag": 2, "torsdag": 3, "fredag": 4, "lørdag": 5, "søndag": 6,
    "tirs": 1, "tors": 3, "man": 0, "tir": 1, "ons": 2, "tor": 3, "fre": 4, "lør": 5, "lor": 5, "søn": 6,
    "son": 6, "ma": 0, "ti": 1, "on": 2, "to": 3, "fr": 4, "lø": 5, "lo": 5, "sø": 6, "so": 6,
}  # fmt: skip
_LONG_WEEKDAYS = (
    "mandag|tirsdag|onsdag|torsdag|fredag|lørdag|søndag|tirs|tors|man|tir|ons|tor|fre|lør|lor|søn|son"
)
_WEEKDAY_PREFIX = re.compile(
    rf"^(?:(?P<long>{_LONG_WEEKDAYS})\.?\s*|(?P<short>ma|ti|on|to|fr|lø|lo|sø|so)(?:\.\s*|\s+))?"
    r"(?:(?:den|d)\.\s*|den\s+|d\s+)?(?=\d)"
)
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_NUMERIC_DATE = re.compile(r"^(\d{1,2})\s*[-/.]\s*(\d{1,2})(?:(?:\s*[-/.]\s*|\s+)(\d{2}|\d{4}))?\.?$")
_TEXT_DATE = re.compile(r"^(\d{1,2})\.?\s*[-/]?\s*([a-zæøå]+)\.?(?:\s*[-/]?\s*(\d{4}|\d{2}))?$")
_SERIAL = re.compile(r"^\d{5}(?:[.,]\d+)?$")

_CLOCK = re.compile(r"^(\d{1,2})[:.](\d{1,2})(?:[:.](\d{2}))?$")
_COMPACT = re.compile(r"^(\d{3,4})$")
_HOUR = re.compile(r"^(\d{1,2})$")
_FRACTION = re.compile(r"^0?[.,](\d+)$|^0[.,](\d{3,})$")
_DATETIME_TIME = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}[ t](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?$")
_KL = re.compile(r"^kl\.?\s*")


def _is_blank(value: object) -> bool:
    if value is None or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _make_date(year: int, month: int, day: int) -> pd.Timestamp | None:
    try:
        return pd.Timestamp(dt.date(year, month, day))
    except ValueError:
        return None


def _year(text: str | None, years: tuple[int, ...]) -> list[int]:
    if text is None:
        return list(years)
    year = int(text)
    return [2000 + year if year < 100 else year]


def _from_serial(serial: float) -> pd.Timestamp | None:
    if not SERIAL_MIN <= serial < SERIAL_MAX:
        return None
    return pd.Timestamp(EXCEL_EPOCH + dt.timedelta(days=int(math.floor(serial))))


def _date_text(value: object) -> str | None:
    if _is_blank(value) or not isinstance(value, str):
        return None
    return " ".join(value.strip().casefold().split())


def weekday_prefix(value: object) -> int | None:
    """The weekday (0 = Monday) named before a typed date (`ti 3/3` → 1), or None."""
    text = _date_text(value)
    if text is None:
        return None
    match = _WEEKDAY_PREFIX.match(text)
    if not match:
        return None
    word = match["long"] or match["short"]
    return WEEKDAY_WORDS[word] if word else None


def weekday_name(value: object) -> int | None:
    """A cell holding only a weekday (`mandag`, `Man.`, `ti`) → 0..6, else None (a `Dag` column)."""
    text = _date_text(value)
    if text is None:
        return None
    return WEEKDAY_WORDS.get(text.rstrip("."))


def date_order_evidence(value: object) -> int:
    """What a typed numeric date says about day/month order: 1 = only day-first is possible (`15/3`),
    2 = only month-first (`3/15`), 3 = both readings possible and different (`3/4`), 0 = not a numeric date
    (or the same either way, `5/5`)."""
    text = _date_text(value)
    if text is None:
        return 0
    match = _NUMERIC_DATE.match(_WEEKDAY_PREFIX.sub("", text).strip())
    if not match:
        return 0
    first, second = int(match[1]), int(match[2])
    if first > 12 and 1 <= second <= 12:
        return 1
    if second > 12 and 1 <= first <= 12:
        return 2
    if first != second and 1 <= first <= 12 and 1 <= second <= 12:
        return 3
    return 0


def parse_date(value: object, years: Iterable[int] = (), month_first: bool = False) -> pd.Timestamp | None:
    """A date (midnight) from any variant staff type, or None.

    `years` are the candidate years for dates typed without one (`man 2/3`); the caller passes the dataset
    period's years and checks the result against the period. Without candidates such dates are unparseable.
    `month_first` reads numeric dates as month/day (a file whose dates say so, see `date_order_evidence`).
    """
    years = tuple(years)
    if _is_blank(value):
        return None
    if isinstance(value, pd.Timestamp | dt.datetime):
        return pd.Timestamp(value).tz_localize(None).normalize()
    if isinstance(value, dt.date):
        return pd.Timestamp(value)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        return _from_serial(float(value))
    text = " ".join(str(value).strip().casefold().split())
    if _SERIAL.match(text):
        return _from_serial(float(text.replace(",", ".")))
    match = _ISO.match(text)
    if match:
        return _make_date(int(match[1]), int(match[2]), int(match[3]))
    text = _WEEKDAY_PREFIX.sub("", text).strip()
    match = _NUMERIC_DATE.match(text)
    if match:
        day, month = (int(match[2]), int(match[1])) if month_first else (int(match[1]), int(match[2]))
        for year in _year(match[3], years):
            parsed = _make_date(year, month, day)
            if parsed is not None:
                return parsed
        return None
    match = _TEXT_DATE.match(text)
    if match and match[2] in DANISH_MONTHS:
        for year in _year(match[3], years):
            parsed = _make_date(year, DANISH_MONTHS[match[2]], int(match[1]))
            if parsed is not None:
                return parsed
    return None


def _make_time(hour: int, minute: int, second: int = 0) -> dt.time | None:
    if 0 <= hour <= 23 and 0 <= minute <= 59 and 0 <= second <= 59:
        return dt.time(hour, minute, second)
    return None


def _from_fraction(fraction: float) -> dt.time | None:
    if not 0 <= fraction < 1:
        return None
    seconds = int(round(fraction * 86400))
    if seconds >= 86400:
        return None
    return dt.time(seconds // 3600, seconds % 3600 // 60, seconds % 60)


def _from_hours_minutes(number: float) -> dt.time | None:
    """9.3 or 9.30 typed into an Excel cell arrives as the number 9.3: Danish staff mean 9:30."""
    hour = int(math.floor(number))
    minutes = round((number - hour) * 100, 6)
    if abs(minutes - round(minutes)) > 1e-6:
        return None
    return _make_time(hour, int(round(minutes)))


def parse_time(value: object) -> dt.time | None:
    """A time of day from any variant staff type, or None (blank or unreadable)."""
    if _is_blank(value):
        return None
    if isinstance(value, dt.datetime | pd.Timestamp):
        return pd.Timestamp(value).time().replace(microsecond=0)
    if isinstance(value, dt.time):
        return value.replace(microsecond=0, tzinfo=None)
    if isinstance(value, dt.timedelta | pd.Timedelta):
        return _from_fraction(pd.Timedelta(value).total_seconds() / 86400)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | np.integer):
        return _parse_time_text(str(int(value)))
    if isinstance(value, float | np.floating):
        number = float(value)
        if not math.isfinite(number):
            return None
        if 0 <= number < 1:
            return _from_fraction(number)
        if number.is_integer():
            return _parse_time_text(str(int(number)))
        return _from_hours_minutes(number)
    return _parse_time_text(str(value))


def _parse_time_text(raw: str) -> dt.time | None:
    text = " ".join(raw.strip().casefold().split())
    text = _KL.sub("", text).rstrip(".").strip().replace(",", ".")
    if not text:
        return None
    match = _DATETIME_TIME.match(text)
    if match:
        return _make_time(int(match[1]), int(match[2]), int(match[3] or 0))
    match = _CLOCK.match(text)
    if match:
        hour, minute_text = int(match[1]), match[2]
        # `9.3` means 9:30 (a decimal lost its trailing zero); `9.05` and `9:05` mean five past nine.
        minute = int(minute_text) * 10 if len(minute_text) == 1 else int(minute_text)
        return _make_time(hour, minute, int(match[3] or 0))
    match = _FRACTION.match(text)
    if match:
        return _from_fraction(float("0." + (match[1] or match[2])))
    match = _COMPACT.match(text)
    if match:
        digits = match[1]
        return _make_time(int(digits[:-2]), int(digits[-2:]))
    match = _HOUR.match(text)
    if match:
        return _make_time(int(match[1]), 0)
    return None


def _codes_and_uniques(values: pd.Series) -> tuple[np.ndarray, pd.Index | np.ndarray]:
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(), values.cat.categories
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes, uniques


def parse_dates(values: pd.Series, years: Iterable[int] = (), month_first: bool = False) -> pd.Series:
    """Column version of `parse_date`: datetime64[ns] at midnight, NaT where blank or unreadable."""
    years = tuple(years)
    codes, uniques = _codes_and_uniques(values)
    parsed = [parse_date(u, years, month_first) for u in uniques]
    lookup = np.array(
        [p.value if p is not None else np.iinfo(np.int64).min for p in parsed] + [np.iinfo(np.int64).min],
        dtype=np.int64,
    )
    result = lookup[np.where(codes < 0, len(parsed), codes)]
    return pd.Series(result.view("datetime64[ns]"), index=values.index, name=values.name)


def time_to_offset(value: dt.time | None) -> int | None:
    """Nanoseconds since midnight (None stays None)."""
    if value is None:
        return None
    return ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000_000


def parse_times(values: pd.Series) -> pd.Series:
    """Column version of `parse_time`: timedelta64[ns] since midnight, NaT where blank or unreadable."""
    codes, uniques = _codes_and_uniques(values)
    nat = np.iinfo(np.int64).min
    offsets = [time_to_offset(parse_time(u)) for u in uniques]
    lookup = np.array([o if o is not None else nat for o in offsets] + [nat], dtype=np.int64)
    result = lookup[np.where(codes < 0, len(offsets), codes)]
    return pd.Series(result.view("timedelta64[ns]"), index=values.index, name=values.name)


def is_blank_values(values: pd.Series) -> np.ndarray:
    """True where a raw cell is empty (NaN, None or only spaces)."""
    codes, uniques = _codes_and_uniques(values)
    if pd.api.types.infer_dtype(uniques, skipna=False) == "string":  # only texts (the citizen column's
        blank = [not u.strip() for u in uniques]  # half a million names): no per-value type checks
    else:
        blank = [_is_blank(u) for u in uniques]
    lookup = np.array(blank + [True], dtype=bool)
    return lookup[np.where(codes < 0, len(uniques), codes)]


def normalise_identifier(identifier: object) -> str:
    """NFC, trimmed, inner spaces collapsed, case-folded: `  hanne  JENSEN` → `hanne jensen`."""
    if identifier is None or (isinstance(identifier, float) and np.isnan(identifier)):
        return ""
    text = str(identifier)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return " ".join(text.split()).casefold()
