"""Danish number, date and time formats: one implementation, so "18,5", "1.234" and "kl. 09:30" mean
the same in every report."""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from . import glossary

MISSING = "–"  # shown for missing values (en dash)
MINUS = "−"  # U+2212, the same minus matplotlib puts on axes

MONTHS = (
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
)
WEEKDAYS = glossary.WEEKDAYS  # the one list of Danish weekday names (attendance.glossary)
WEEKDAYS_SHORT = glossary.WEEKDAYS_SHORT


# --------------------------------------------------------------------------------------------------------
# Danish formats
# --------------------------------------------------------------------------------------------------------


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def fmt_number(value: Any, decimals: int = 1) -> str:
    """18.5 -> "18,5"; 1234567 -> "1.234.567,0" (Danish: decimal comma, thousands point)."""
    if _is_missing(value):
        return MISSING
    number = float(value)
    if math.isinf(number):
        return "∞" if number > 0 else f"{MINUS}∞"
    text = f"{abs(number):,.{decimals}f}"
    text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    negative = number < 0 and text.strip("0.,") != ""
    return f"{MINUS}{text}" if negative else text


def fmt_int(value: Any) -> str:
    """1234567 -> "1.234.567" (rounded half away from zero, as people round)."""
    if _is_missing(value):
        return MISSING
    number = float(value)
    rounded = math.floor(abs(number) + 0.5) * (1 if number >= 0 else -1)
    return fmt_number(rounded, 0)


def fmt_pct(share: Any, decimals: int = 1) -> str:
    """A share (0.123) as a Danish percentage: "12,3 %"."""
    if _is_missing(share):
        return MISSING
    return f"{fmt_number(float(share) * 100, decimals)} %"


def fmt_dkk(amount: Any, decimals: int = 0) -> str:
    """3100000 -> "3.100.000 kr."."""
    if _is_missing(amount):
        return MISSING
    return f"{fmt_number(amount, decimals)} kr."


def round_significant(amount: float, digits: int = 2) -> float:
    """79508 -> 80000, 618 -> 620, 1876 -> 1900 (half away from zero, as people round)."""
    number = float(amount)
    if number == 0 or math.isinf(number) or math.isnan(number):
        return number
    step = 10 ** (math.floor(math.log10(abs(number))) - digits + 1)
    rounded = math.floor(abs(number) / step + 0.5) * step
    return math.copysign(rounded, number)


def fmt_dkk_rounded(amount: Any, approx: bool = True) -> str:
    """An amount for reviewers, rounded as one rule (issue 15): a million or more in millions with two
    decimals ("3,95 mio. kr."), smaller amounts to two significant digits ("ca. 80.000 kr." for 79.508,
    "ca. 620 kr." for 618). `approx=False` leaves out "ca." (tables, whose note says the amounts are rounded).
    Metrics keep the exact figures."""
    if _is_missing(amount):
        return MISSING
    number = float(amount)
    if abs(number) >= 999_500:
        return fmt_mio(number)
    rounded = round_significant(number, 2)
    prefix = "ca. " if approx and rounded != round(number) else ""
    return f"{prefix}{fmt_number(rounded, 0)} kr."


def _as_date(value: Any) -> dt.date:
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (np.datetime64, str)):
        return pd.Timestamp(value).date()
    raise TypeError(f"not a date: {value!r}")


def fmt_date(value: Any) -> str:
    """date(2026, 3, 2) -> "2. marts 2026"."""
    if _is_missing(value):
        return MISSING
    day = _as_date(value)
    return f"{day.day}. {MONTHS[day.month - 1]} {day.year}"


def fmt_date_range(start: Any, end: Any) -> str:
    """A period without repeating the year: "2. marts–29. maj 2026"."""
    if _is_missing(start) or _is_missing(end):
        return MISSING
    first, last = _as_date(start), _as_date(end)
    if first.year == last.year:
        return f"{first.day}. {MONTHS[first.month - 1]}–{fmt_date(last)}"
    return f"{fmt_date(first)}–{fmt_date(last)}"


def weekday_name(weekday: int, short: bool = False) -> str:
    """0 -> "mandag" (Python's weekday numbering, Monday = 0)."""
    names = WEEKDAYS_SHORT if short else WEEKDAYS
    return names[int(weekday)]


def _minutes_of_day(value: Any) -> int:
    """Minutes since midnight from a time, a timestamp, "HH:MM", a timedelta or a number of minutes."""
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.hour * 60 + value.minute
    if isinstance(value, dt.time):
        return value.hour * 60 + value.minute
    if isinstance(value, dt.timedelta | pd.Timedelta | np.timedelta64):
        return int(pd.Timedelta(value).total_seconds() // 60)
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(\d{1,2})[:.](\d{2})\s*", value)
        if not match:
            raise ValueError(f"not a time of day: {value!r}")
        return int(match.group(1)) * 60 + int(match.group(2))
    if isinstance(value, int | float | np.integer | np.floating):
        return int(value)
    raise TypeError(f"not a time of day: {value!r}")


def fmt_time(value: Any) -> str:
    """A time of day as "09:30" (24:00 for the end of the day)."""
    if _is_missing(value):
        return MISSING
    minutes = _minutes_of_day(value)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def slot_label(start: Any, end: Any = None, minutes: int = 30) -> str:
    """The label of a time slot: "09:00–09:30" (end = start + minutes unless given)."""
    if _is_missing(start):
        return MISSING
    first = _minutes_of_day(start)
    last = first + int(minutes) if end is None or _is_missing(end) else _minutes_of_day(end)
    if last <= first:  # a slot ending at midnight
        last += 24 * 60
    return f"{fmt_time(first)}–{fmt_time(last)}"


# Parameters that are shares: shown as "90 %", like every other share in the reports (issue 15: no "0,9"
# beside "90 %"). The key in params.yaml stays beside the value, so the analyst finds the number to edit.
SHARE_PARAMS = frozenset(
    {
        "demand.interval",
        "staffing.occupancy_quantile",
        "economy.absence_factor",
        "economy.management_share",
        "spor2.scenarios",
        "spor3.min_weeks_active_share",
        "spor3.sensitivity_weeks_active_share",
        "decision.sensitivity.absence_factor",
        "decision.sensitivity.demand_change",
    }
)


def _share_text(value: Any, signed: bool) -> str:
    text = fmt_tick(float(value) * 100, None)
    sign = "+" if signed and float(value) > 0 else ""
    return f"{sign}{text} %"  # as fmt_pct


def fmt_value(value: Any, key: str = "") -> str:
    """Any parameter value in Danish: numbers with commas, lists joined, mappings as "key: value"; shares
    (`SHARE_PARAMS`) as percentages.

    Identifiers that happen to be numbers (random seeds) keep their digits: "2026", not "2.026".
    """
    if key in SHARE_PARAMS:
        signed = key.endswith(("scenarios", "demand_change"))
        numbers = value if isinstance(value, list | tuple) else [value]
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in numbers):
            return ", ".join(_share_text(v, signed) for v in numbers)
    if isinstance(value, int) and not isinstance(value, bool) and key.rsplit(".", 1)[-1].endswith("seed"):
        return str(value)
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {fmt_value(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        if len(value) == 2 and all(isinstance(v, str) and re.fullmatch(r"\d{1,2}:\d{2}", v) for v in value):
            return f"{value[0]}–{value[1]}"
        return ", ".join(fmt_value(v) for v in value)
    if isinstance(value, float) and not value.is_integer():
        return fmt_tick(value, None)
    return fmt_auto(value, 1)


def fmt_mio(amount: Any, decimals: int = 2, unit: bool = True) -> str:
    """490123 -> "0,49 mio. kr." — amounts rounded for reviewers (metrics keep the exact figure).
    `unit=False` gives "0,49 mio." for a key-figure card whose label names the unit."""
    if _is_missing(amount):
        return MISSING
    return f"{fmt_number(float(amount) / 1e6, decimals)} mio." + (" kr." if unit else "")


def fmt_mio_change(amount: Any, decimals: int = 2) -> str:
    """A change in millions with its sign: "+0,12 mio. kr." / "−0,49 mio. kr." / "±0,00 mio. kr."."""
    if _is_missing(amount):
        return MISSING
    rounded = round(float(amount) / 1e6, decimals)
    sign = "+" if rounded > 0 else (MINUS if rounded < 0 else "\u00b1")
    return f"{sign}{fmt_number(abs(rounded), decimals)} mio. kr."


def fmt_tick(value: float, decimals: int | None) -> str:
    if decimals is not None:
        return fmt_number(value, decimals)
    text = fmt_number(value, 6)
    return text.rstrip("0").rstrip(",") if "," in text else text


def fmt_auto(value: Any, decimals: int) -> str:
    if isinstance(value, str):
        return value
    if _is_missing(value):
        return MISSING
    if isinstance(value, bool | np.bool_):
        return "ja" if value else "nej"
    if isinstance(value, int | np.integer):
        return fmt_int(value)
    if isinstance(value, float | np.floating):
        return fmt_number(value, decimals)
    if isinstance(value, dt.date | pd.Timestamp | np.datetime64):
        return fmt_date(value)
    return str(value)


def escape_html(text: Any) -> str:
    return html.escape(str(text), quote=True)
