"""Report helpers shared by the four report notebooks: Danish formats, small-cell suppression, tables,
figures, key figures, the synthetic-data banner, the methods section and the version stamp.

One implementation for every report, so that "18,5", "<5" and the footer mean the same everywhere. Every
helper returns `IPython.display.HTML`, so the result lands in the notebook output and from there in the HTML
report. The CSS lives in the nbconvert template (`templates/nbconvert/attendance_report/static/report.css`);
the helpers only emit semantic HTML with `rp-` classes.

`ReportPreprocessor` runs inside nbconvert (registered by the template's conf.json): it builds the table of
contents from the headings, collects the banner/footer stamps for the print margins and keeps anything that
would be loaded from another host out of the report. It deliberately does not import nbconvert (a notebook
importing this module should not pay for it).
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
import math
import os
import re
import subprocess
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import disclosure, glossary
from .errors import InputError

MISSING = "–"  # shown for missing values (en dash)
HIDDEN = disclosure.HIDDEN  # secondary suppression: hidden so that a total cannot reveal a "<5" cell
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


# --------------------------------------------------------------------------------------------------------
# Sentences built from the data: the offers, the slot width, synthetic or real
# --------------------------------------------------------------------------------------------------------

_NUMBER_WORDS = {2: "to", 3: "tre", 4: "fire", 5: "fem", 6: "seks", 7: "syv", 8: "otte", 9: "ni", 10: "ti"}


def join_da(parts: Iterable[Any], conjunction: str = "og") -> str:
    """ "A", "A og B", "A, B og C" (no Oxford comma in Danish); "" for nothing."""
    items = [str(p) for p in parts]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def offers_list(names: Mapping[str, str] | Iterable[str]) -> str:
    """The offers by name, in the given order: "Nord, Syd og Aktivhuset" (a mapping gives its values)."""
    return join_da(names.values() if isinstance(names, Mapping) else names)


def offers_phrase(names: Mapping[str, str] | Iterable[str] | int, *, definite: bool = True) -> str:
    """How many offers a sentence is about: "tilbuddet", "begge tilbud", "de tre tilbud", "alle 11 tilbud".

    `names` is the offers (ids or names) or their number. With `definite=False` the phrase has no article:
    "ét tilbud", "to tilbud", "tre tilbud", "11 tilbud" (for "i alt i …").
    """
    n = names if isinstance(names, int) else len(list(names))
    if n < 1:
        raise ValueError("a dataset has at least one offer")
    if not definite:
        return "ét tilbud" if n == 1 else f"{_NUMBER_WORDS.get(n, str(n))} tilbud"
    if n == 1:
        return "tilbuddet"
    if n == 2:
        return "begge tilbud"
    if n == 3:
        return "de tre tilbud"
    return f"alle {n} tilbud"


_SLOT_WORDS = {
    15: {"per": "kvarter", "plural": "kvarterer", "one": "et kvarter", "each": "hvert kvarter"},
    30: {"per": "halve time", "plural": "halve timer", "one": "en halv time", "each": "hver halve time"},
    60: {"per": "time", "plural": "timer", "one": "en time", "each": "hver time"},
}


def slot_words(bin_minutes: Any) -> dict[str, str]:
    """The Danish words for a time slot of `bin_minutes` (demand.bin_minutes), so text follows the parameter.

    Keys: "per" (after "pr.": "halve time"), "plural" ("halve timer"), "one" ("en halv time") and "each"
    ("hver halve time"). Widths without a word of their own say "45 minutter" / "tidsrum på 45 minutter".
    """
    minutes = int(bin_minutes)
    if minutes <= 0:
        raise ValueError(f"a slot is a positive number of minutes, not {bin_minutes!r}")
    if minutes in _SLOT_WORDS:
        return dict(_SLOT_WORDS[minutes])
    return {
        "per": f"{minutes} minutter",
        "plural": f"tidsrum på {minutes} minutter",
        "one": f"et tidsrum på {minutes} minutter",
        "each": f"hvert tidsrum på {minutes} minutter",
    }


def slot_width_text(bin_minutes: Any) -> str:
    """The slot width as it follows "pr.": "kvarter" (15), "halve time" (30), "time" (60), "45 minutter"."""
    return slot_words(bin_minutes)["per"]


def master_data_text(synthetic: bool) -> str:
    """Where the roster, budget and FTE figures come from, to follow "Vagtplan og budget …"."""
    if synthetic:
        return "er i dette datasæt opdigtede (syntetiske demodata) og kun til sammenligning"
    return "kommer fra tilbuddenes stamdata (offers.yaml)"


# --------------------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------------------

PALETTE = ("#1f4e79", "#e07b39", "#5b9a68", "#8c6bb1", "#c44e52", "#6f6f6f")


def _tick_text(value: float, decimals: int | None) -> str:
    if decimals is not None:
        return fmt_number(value, decimals)
    text = fmt_number(value, 6)
    return text.rstrip("0").rstrip(",") if "," in text else text


def danish_formatter(decimals: int | None = None, percent: bool = False, suffix: str = ""):
    """A matplotlib FuncFormatter with Danish decimal commas and thousands points.

    matplotlib's `axes.formatter.use_locale` needs a Danish locale installed on the machine, which municipal
    and CI machines rarely have; formatting ourselves works everywhere. `percent=True` reads values as shares.
    """
    from matplotlib.ticker import FuncFormatter

    def format_tick(value: float, _position: Any = None) -> str:
        if percent:
            return f"{_tick_text(value * 100, decimals)} %"
        return f"{_tick_text(value, decimals)}{suffix}"

    return FuncFormatter(format_tick)


def use_danish_axes(ax, x: bool = True, y: bool = True, decimals: int | None = None, percent: bool = False):
    """Danish number formats on the numeric axes of `ax` (categorical axes are left alone)."""
    from matplotlib.ticker import ScalarFormatter

    for wanted, axis in ((x, ax.xaxis), (y, ax.yaxis)):
        if wanted and isinstance(axis.get_major_formatter(), ScalarFormatter):
            axis.set_major_formatter(danish_formatter(decimals, percent=percent))
    return ax


def setup_matplotlib() -> None:
    """One look for every report figure: system fonts, light grid, no top/right spines, the report palette."""
    import matplotlib as mpl

    mpl.rcParams.update(
        {
            "figure.figsize": (8.0, 4.2),
            "figure.dpi": 100,
            "figure.facecolor": "white",
            "savefig.facecolor": "white",
            "font.family": "sans-serif",
            "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica"],
            "font.size": 10,
            "axes.titlesize": 11,
            "axes.titleweight": "bold",
            "axes.labelsize": 10,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.edgecolor": "#6f6f6f",
            "axes.grid": True,
            "axes.axisbelow": True,
            "grid.color": "#dddddd",
            "grid.linewidth": 0.6,
            "axes.prop_cycle": mpl.cycler(color=list(PALETTE)),
            "legend.frameon": False,
            "axes.unicode_minus": True,
            "axes.formatter.use_locale": False,
        }
    )
    try:
        import seaborn as sns

        sns.set_palette(list(PALETTE))
    except ImportError:  # pragma: no cover - seaborn is a dependency
        pass
    from .figures import enable_alt_text

    enable_alt_text()  # a figure displayed without show_figure still gets an alt text


def _figure_of(fig: Any):
    """Accept a Figure, an Axes or a seaborn grid."""
    for attribute in ("savefig",):
        if hasattr(fig, attribute):
            return fig
    for attribute in ("figure", "fig"):
        candidate = getattr(fig, attribute, None)
        if candidate is not None and hasattr(candidate, "savefig"):
            return candidate
    raise TypeError(f"not a matplotlib figure: {type(fig).__name__}")


def show_figure(fig: Any, caption: str, alt: str, *, dpi: int = 144, source: str | None = None):
    """Embed a figure as a base64 PNG with a numbered caption; the figure is closed (no second copy).

    144 dpi is 1.5 × screen resolution: sharp on screen and on paper, and a typical figure stays ~100 kB,
    so a report with a dozen figures is far below the 5 MB limit for e-mail.
    """
    from IPython.display import HTML

    if not str(alt).strip():
        raise ValueError("show_figure needs an alt text that says what the figure shows")
    figure = _figure_of(fig)
    from .figures import danish_numbers

    danish_numbers(figure)  # "0,8" on every numeric axis, whoever drew the figure
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", pil_kwargs={"optimize": True})
    import matplotlib.pyplot as plt

    plt.close(figure)
    png = buffer.getvalue()
    width, height = _png_size(png)
    css_width, css_height = round(width * 96 / dpi), round(height * 96 / dpi)
    data = base64.b64encode(png).decode("ascii")
    parts = [
        '<figure class="rp-figure">',
        f'<img src="data:image/png;base64,{data}" alt="{_esc(alt)}" width="{css_width}" height="{css_height}">',
        f"<figcaption>{_esc(caption)}",
    ]
    if source:
        parts.append(f' <span class="rp-source">Kilde: {_esc(source)}</span>')
    parts.append("</figcaption></figure>")
    return HTML("".join(parts))


def _png_size(png: bytes) -> tuple[int, int]:
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


# --------------------------------------------------------------------------------------------------------
# Small-cell suppression
# --------------------------------------------------------------------------------------------------------


def suppress_small(
    df: pd.DataFrame,
    count_columns: Sequence[Hashable],
    threshold: int | None = None,
    *,
    total_row: Hashable | None = None,
    total_column: Hashable | None = None,
    column_totals_known: bool = False,
    row_totals_known: bool = False,
    derived: Mapping[Hashable, Hashable | Sequence[Hashable]] | None = None,
    suppress_zero: bool = False,
) -> pd.DataFrame:
    """Hide counts of citizens below `threshold` as "<5" — the one small-cell rule of every report.

    Primary suppression: a count c with 0 < c < threshold (also c == 0 if `suppress_zero`) becomes "<5".
    Zeros are shown by default: "nobody" identifies no one.

    Secondary suppression: a *line* is a set of cells whose sum is shown somewhere — a column when the table
    has a total row (`total_row`, an index label) or when the column sums are published elsewhere in the
    report (`column_totals_known`, e.g. referred citizens in the key figures); a row when the table has a
    total column (`total_column`) or `row_totals_known`. A line is unsafe when exactly one of its cells (the
    total included) is hidden — it could be computed from the others — or when its total is shown and its
    hidden cells add up to less than the threshold (two hidden cells of 1 and 2 with a known sum of 3 give
    each other away). In an unsafe line the smallest positive visible cell is hidden too (shown as "×");
    when there is none, the line's total cell is hidden. This repeats until every line is safe (hiding one
    cell can expose a crossing line). Then the attacker's problem is solved exactly
    (`disclosure.suppress_matrix`): partners are added until no hidden cell can be narrowed below "<5" by the
    table's own lines — e.g. two "<5" cells with a known sum of 8 are both 4, so they get a partner too.
    This is a thin wrapper over `attendance.disclosure`, the one policy (docs/disclosure.md); tables about
    the same citizens in several places should go through `disclosure.suppress` together and be recorded with
    `disclosure.publish_*` for the audit.

    `derived` maps a count column to columns computed from it (shares, rates): they are hidden ("×")
    wherever their count is. Returns a copy whose count and derived columns hold the original numbers or the
    marker strings; `result.attrs["suppression"]` says how many cells were hidden, which `show_table` uses
    for the footnote.
    """
    if threshold is None:
        from .config import load_params

        threshold = int(load_params()["report"]["suppress_below"])
    threshold = int(threshold)
    columns = list(count_columns)
    if total_column is not None and total_column not in columns:
        columns.append(total_column)
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise KeyError(f"suppress_small: no column(s) {missing} in the table")
    if total_row is not None and total_row not in df.index:
        raise KeyError(f"suppress_small: no row {total_row!r} in the table index")

    values = df[columns].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    hidden, primary = disclosure.suppress_matrix(
        values,
        threshold,
        row_labels=list(df.index),
        total_row=total_row,
        total_column_pos=columns.index(total_column) if total_column is not None else None,
        column_totals_known=column_totals_known,
        row_totals_known=row_totals_known,
        suppress_zero=suppress_zero,
    )

    result = df.copy()
    secondary = hidden & ~primary
    for j, column in enumerate(columns):
        shown = result[column].astype(object)
        shown[primary[:, j]] = f"<{threshold}"
        shown[secondary[:, j]] = HIDDEN
        result[column] = shown
    n_derived = 0
    for count_column, targets in (derived or {}).items():
        if count_column not in columns:
            raise KeyError(
                f"suppress_small: derived columns given for {count_column!r}, which is not a count column"
            )
        targets = (
            [targets] if isinstance(targets, str) or not isinstance(targets, Sequence) else list(targets)
        )
        mask = hidden[:, columns.index(count_column)]
        for target in targets:
            shown = result[target].astype(object)
            shown[mask] = HIDDEN
            result[target] = shown
            n_derived += int(mask.sum())
    result.attrs["suppression"] = {
        "threshold": threshold,
        "primary": int(primary.sum()),
        "secondary": int(secondary.sum()) + n_derived,
    }
    return result


# --------------------------------------------------------------------------------------------------------
# Tables, key figures, banner
# --------------------------------------------------------------------------------------------------------

Formatter = str | Callable[[Any], str]

_NAMED_FORMATS: dict[str, Callable[[Any], str]] = {
    "int": fmt_int,
    "number": fmt_number,
    "pct": fmt_pct,
    "dkk": fmt_dkk,
    "dkk_rounded": lambda v: fmt_dkk_rounded(v, approx=False),
    "date": fmt_date,
    "time": fmt_time,
    "slot": slot_label,
    "weekday": lambda v: MISSING if _is_missing(v) else weekday_name(v),
    "text": lambda v: MISSING if _is_missing(v) else str(v),
}
_NUMERIC_FORMATS = {"int", "number", "pct", "dkk", "dkk_rounded"}


def _auto_format(value: Any, decimals: int) -> str:
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


def _column_formatter(
    series: pd.Series, spec: Formatter | None, decimals: int
) -> tuple[Callable[[Any], str], bool]:
    """The cell formatter of a column and whether it is numeric (right-aligned)."""
    if callable(spec):
        return spec, pd.api.types.is_numeric_dtype(series)
    if isinstance(spec, str):
        name, _, digits = spec.partition(":")
        if name not in _NAMED_FORMATS:
            raise ValueError(
                f"unknown table format {spec!r}; use one of {sorted(_NAMED_FORMATS)} or a function"
            )
        base = _NAMED_FORMATS[name]
        if digits and name in {"number", "pct", "dkk"}:
            places = int(digits)

            def base(v, _f=base, _p=places):
                return _f(v, _p)

        def formatted(v, _f=base):
            return v if isinstance(v, str) else _f(v)

        return formatted, name in _NUMERIC_FORMATS
    if pd.api.types.is_bool_dtype(series):
        return lambda v: _auto_format(v, decimals), False
    if pd.api.types.is_integer_dtype(series):
        return lambda v: v if isinstance(v, str) else fmt_int(v), True
    if pd.api.types.is_float_dtype(series):
        return lambda v: v if isinstance(v, str) else fmt_number(v, decimals), True
    if pd.api.types.is_datetime64_any_dtype(series):
        return fmt_date, False
    # object columns: numbers mixed with suppression markers count as numeric
    non_missing = [v for v in series if not _is_missing(v)]
    numeric = bool(non_missing) and all(
        (isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool))
        or (isinstance(v, str) and (v == HIDDEN or v.startswith(("<", disclosure.ROUNDED))))
        for v in non_missing
    )

    def auto(v):
        if isinstance(v, float | np.floating) and float(v).is_integer():
            return fmt_int(v)
        return _auto_format(v, decimals)

    return auto, numeric


LONG_TABLE_ROWS = 12  # tables with more rows may break across printed pages
WIDE_TABLE_COLUMNS = 8  # tables with more columns get smaller type in print
STACK_MIN_COLUMNS, STACK_MAX_ROWS = 5, 12  # such tables reflow into one card per row on a phone


def show_table(
    df: pd.DataFrame,
    caption: str,
    *,
    formats: Mapping[Hashable, Formatter] | None = None,
    labels: Mapping[Hashable, str] | None = None,
    index: bool = False,
    decimals: int = 1,
    total_row: Hashable | None = None,
    note: str | None = None,
    source: str | None = None,
):
    """A styled, numbered table with Danish number formats.

    Columns are formatted by dtype (integers "1.234", floats "18,5" with `decimals`, dates "2. marts 2026")
    unless `formats` names a format per column ("int", "number:2", "pct", "dkk", "date", "time", "slot",
    "weekday", "text") or gives a function. Cells that are already strings (e.g. "<5" from
    `suppress_small`) are shown as they are; a suppression footnote is added when the table has any.
    `index=True` shows the index as the first column(s); `total_row` (an index label) is set in bold.
    """
    from IPython.display import HTML

    formats = dict(formats or {})
    labels = dict(labels or {})
    suppression = df.attrs.get("suppression")
    table = df.copy()
    total_mask = np.zeros(len(table), dtype=bool)
    if total_row is not None:
        total_mask = np.asarray(table.index == total_row)
    if index:
        table = table.reset_index()

    # A short table with many columns reflows on a phone: each row becomes a small card of "label value"
    # lines (report.css, from the cells' data-label); the rest scroll sideways inside their box.
    stack = len(table.columns) >= STACK_MIN_COLUMNS and len(table) <= STACK_MAX_ROWS
    header_cells, body_columns = [], []
    for column in table.columns:
        formatter, numeric = _column_formatter(table[column], formats.get(column), decimals)
        css = ' class="num"' if numeric else ""
        header_cells.append(f'<th scope="col"{css}>{_esc(labels.get(column, column))}</th>')
        label = f' data-label="{_esc(labels.get(column, column))}"' if stack else ""
        body_columns.append(([formatter(v) for v in table[column].tolist()], css + label))

    rows = []
    for i in range(len(table)):
        cells = []
        for j, (texts, css) in enumerate(body_columns):
            tag = 'th scope="row"' if index and j == 0 else "td"
            close = "th" if index and j == 0 else "td"
            cells.append(f"<{tag}{css}>{_esc(texts[i])}</{close}>")
        row_class = ' class="rp-total"' if total_mask[i] else ""
        rows.append(f"<tr{row_class}>{''.join(cells)}</tr>")

    notes = []
    if note:
        notes.append(_esc(note))
    marks = {v for texts, _ in body_columns for v in texts}
    threshold = (suppression or {}).get("threshold")
    if threshold is not None and f"<{threshold}" in marks:
        notes.append(
            f"&lt;{threshold}: færre end {threshold} borgere (skjult af hensyn til borgernes anonymitet)."
        )
    rounding = (suppression or {}).get("rounding")
    if rounding and any(str(m).startswith(disclosure.ROUNDED) for m in marks):
        lo, hi = disclosure.rounded_interval(2 * int(rounding), int(rounding), int(threshold or rounding))
        notes.append(
            f"{disclosure.ROUNDED}: afrundet til nærmeste {fmt_int(rounding)} (fx {disclosure.ROUNDED}"
            f"{fmt_int(2 * int(rounding))} = {fmt_int(lo)}–{fmt_int(hi)} borgere), så forskellen mellem to tal "
            "ikke afslører en lille gruppe."
        )
    if HIDDEN in marks:
        notes.append(f"{HIDDEN}: skjult, så et skjult tal ikke kan regnes ud fra en total.")
    if source:
        notes.append(f"Kilde: {_esc(source)}")
    note_html = "".join(f'<p class="rp-note">{n}</p>' for n in notes)
    # A figure/figcaption rather than <caption>: the caption may be wider than a narrow table.
    # A long table may continue on the next printed page (report.css); a short one is kept whole.
    # ... and a very wide one gets smaller type on paper and may break a header word (report.css).
    block = "rp-table-block"
    if len(table) > LONG_TABLE_ROWS:
        block += " rp-table-long"
    if len(table.columns) > WIDE_TABLE_COLUMNS:
        block += " rp-table-wide"
    return HTML(
        f'<figure class="{block}"><figcaption>{_esc(caption)}</figcaption>'
        f'<div class="rp-table-scroll"><table class="rp-table{" rp-table-stack" if stack else ""}">'
        f"<thead><tr>{''.join(header_cells)}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>{note_html}</figure>"
    )


def key_figures(items: Iterable[Any]):
    """A row of "nøgletal" cards for the top of a report.

    Each item is `(label, value)`, `(label, value, note)` or a dict with those keys. Numbers are formatted
    Danish (ints "1.234", floats "18,5"); strings are shown as given (format them with fmt_* for units).
    """
    from IPython.display import HTML

    cards = []
    for item in items:
        if isinstance(item, Mapping):
            label, value, note = item["label"], item["value"], item.get("note")
        else:
            label, value, *rest = item
            note = rest[0] if rest else None
        text = _auto_format(value, 1)
        note_html = f'<div class="rp-kf-note">{_esc(note)}</div>' if note else ""
        cards.append(
            f'<div class="rp-kf"><div class="rp-kf-value">{_card_value_html(text)}</div>'
            f'<div class="rp-kf-label">{_esc(label)}</div>{note_html}</div>'
        )
    if not cards:
        raise ValueError("key_figures needs at least one figure")
    return HTML(f'<section class="rp-keyfigures" aria-label="Nøgletal">{"".join(cards)}</section>')


def _card_value_html(text: str) -> str:
    """A key-figure value that may wrap between its parts ("25 % / 17 %") but never inside one ("25 %")."""
    parts = str(text).split(" / ")
    if len(parts) == 1:
        return _esc(text)
    return " / ".join(f'<span class="rp-nowrap">{_esc(part)}</span>' for part in parts)


def load_dataset_info(offers_path: str | Path | None = None) -> dict[str, Any]:
    """The `_dataset` block of data/processed/offers.json (name, synthetic, period, data hash)."""
    if offers_path is None:
        from .config import project_root

        offers_path = project_root() / "data" / "processed" / "offers.json"
    path = Path(offers_path)
    try:
        offers = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(
            "offers.json not found", file=str(path), fix="run the clean stage first (dvc repro clean)"
        ) from exc
    except json.JSONDecodeError as exc:
        raise InputError(
            f"offers.json is not valid JSON ({exc.msg})", file=str(path), row=exc.lineno
        ) from exc
    info = offers.get("_dataset")
    if not isinstance(info, Mapping):
        raise InputError("offers.json has no _dataset block", file=str(path), fix="re-run the clean stage")
    return dict(info)


def banner(dataset_info: Mapping[str, Any] | str | Path | None = None):
    """The data banner under the title: a prominent warning when the data are synthetic, else the period.

    Accepts the `_dataset` block, a whole offers.json mapping, or a path to offers.json (default: the
    project's). The `data-report-*` attributes let the template repeat the warning on every printed page.
    """
    from IPython.display import HTML

    if dataset_info is None or isinstance(dataset_info, str | Path):
        info = load_dataset_info(dataset_info)
    else:
        info = dict(dataset_info.get("_dataset", dataset_info))
    synthetic = bool(info.get("synthetic"))
    period = ""
    if info.get("period_start") and info.get("period_end"):
        period = fmt_date_range(info["period_start"], info["period_end"])
    name = str(info.get("name", ""))
    attributes = f'data-report-synthetic="{str(synthetic).lower()}" data-report-dataset="{_esc(name)}"'
    if synthetic:
        period_text = f" Perioden er {period}." if period else ""
        return HTML(
            f'<aside class="rp-banner rp-banner-synthetic" role="note" {attributes}>'
            "<strong>Syntetiske data – ikke rigtige borgere.</strong> "
            "Alle tal i denne rapport er beregnet på et kunstigt datasæt, der efterligner "
            "tilbuddenes fremmøderegistreringer. Datasættet er lavet til at vise og afprøve analyserne; det "
            "siger intet om enkelte borgere og må ikke bruges som beslutningsgrundlag."
            f"{period_text}</aside>"
        )
    period_text = f"Fremmøderegistreringer {period}." if period else "Fremmøderegistreringer."
    return HTML(
        f'<aside class="rp-banner rp-banner-data" role="note" {attributes}>'
        f"<strong>Datagrundlag:</strong> {_esc(period_text)} Datasæt: {_esc(name)}.</aside>"
    )


ANALYST_ONLY = "Fortroligt – kun til analytikere"
"""The mark of the analyst reports (01_clean, 02_demand in reports/analyst/): in the page and the print header."""


def analyst_banner():
    """The analyst reports' mark under the title: they show counts of small groups of citizens without
    disclosure control (e.g. the raw usage bands), so they must not be forwarded. The `data-report-confidential`
    attribute makes the template repeat the mark in every printed page's header."""
    from IPython.display import HTML

    return HTML(
        '<aside class="rp-banner rp-banner-confidential" role="note" data-report-confidential="true">'
        f"<strong>{_esc(ANALYST_ONLY)}.</strong> Rapporten viser tal om små grupper af borgere uden "
        "diskretionering og må ikke videresendes. Til styregruppe og udvalg bruges rapporterne i mappen "
        "reports/ (fremmødestatistik, spor 1–3 og beslutningsgrundlag).</aside>"
    )


# --------------------------------------------------------------------------------------------------------
# Methods section, version stamp, footer
# --------------------------------------------------------------------------------------------------------

# Danish explanations of params.yaml keys for the methods section; unknown keys are shown by their name.
PARAM_LABELS: dict[str, str] = {
    "dataset.name": "Datasæt (mappe under data/raw)",
    "clean.include_hidden_sheets": "Skjulte ark læses med",
    "clean.missing_time_out": "Manglende sluttidspunkt udfyldes med",
    "clean.time_out_before_in": "Sluttid før starttid",
    "clean.outside_opening_hours": "Tider uden for åbningstiden",
    "clean.max_stay_hours": "Længste plausible ophold (timer)",
    "clean.merge_gap_minutes": "Besøg tættere end dette slås sammen (minutter)",
    "clean.trip_keywords": "Ord i kommentaren, der markerer en tur",
    "demand.bin_minutes": "Tidsrummets længde (minutter)",
    "demand.periods": "Perioder af dagen",
    "demand.holdout_weeks": "Uger holdt ude til validering af modellen",
    "demand.interval": "Niveau for prædiktionsintervaller",
    "demand.dispersion_alpha": "Testniveau for valg af negativ binomial frem for Poisson",
    "demand.seed": "Startværdi for tilfældige tal",
    "demand.simulated_days": "Simulerede dage pr. ugedag",
    "demand.simulated_max_scale": "Simuleringen dækker efterspørgsel op til (× i dag)",
    "staffing.citizens_per_staff": "Borgere pr. medarbejder på vagt",
    "staffing.min_staff_on_duty": "Mindste antal medarbejdere på vagt i åbningstiden",
    "staffing.occupancy_quantile": "Der planlægges efter denne fraktil af forventet fremmøde",
    "staffing.fte_hours_per_year": "Timer pr. årsværk",
    "staffing.cost_per_fte_dkk": "Omkostning pr. årsværk (antagelse, kr.)",
    "economy.absence_factor": "Ferie og fravær, andel af årsværkets timer",
    "economy.prep_minutes_per_day": "Forberedelse og oprydning pr. medarbejder på vagt pr. dag (minutter)",
    "economy.management_share": "Ledelse og administration, andel oven i personaletimerne",
    "decision.models": "Modeller (valg pr. tilbud)",
    "decision.sensitivity.citizens_per_staff": "Følsomhed: borgere pr. medarbejder (lav, høj)",
    "decision.sensitivity.min_staff_on_duty": "Følsomhed: mindst på vagt (lav, høj)",
    "decision.sensitivity.followup_hours_per_quarter": "Følsomhed: opfølgningstimer pr. borger pr. kvartal",
    "decision.sensitivity.demand_change": "Følsomhed: ændring i efterspørgsel (lav, høj)",
    "decision.sensitivity.absence_factor": "Følsomhed: fravær (lav, høj)",
    "report.suppress_below": "Tal om færre borgere end dette vises som «<N»",
    "report.language": "Rapportsprog",
    "spor1.goal_followup_hours_per_citizen_per_quarter": "Timer til opfølgning på mål pr. borger pr. kvartal",
    "spor2.scenarios": "Scenarier: ændring i efterspørgsel i forhold til i dag",
    "spor2.opening_rule": "Regel for valg af åbningstid",
    "spor2.opening_threshold": "Tærskel for at holde et tidsrum åbent (borgere til stede)",
    "spor2.min_opening_hours_per_day": "Mindste åbningstid pr. dag (timer)",
    "spor3.min_days_per_week": "Regelmæssigt fremmøde: dage pr. uge (mindst)",
    "spor3.min_weeks_active_share": "Andel af periodens uger med fremmøde (mindst)",
    "spor3.min_daytime_hours": "Timer pr. besøg inden for værkstedsdagen (mindst)",
    "spor3.workshop_day": "Værkstedsdag",
    "spor3.participants_per_supervisor": "Deltagere pr. værkstedsleder",
    "spor3.sensitivity_days_per_week": "Følsomhedsanalyse: dage pr. uge",
    "spor3.sensitivity_weeks_active_share": "Følsomhedsanalyse: andel aktive uger",
}

ACCOUNTING_LABELS = {
    "rows_read": "Rækker læst",
    "kept": "Brugt som besøg",
    "merged": "Slået sammen med et andet besøg",
    "quarantined": "Sat i karantæne (ikke brugt)",
    "ignored": "Ignoreret (tomme rækker, overskrifter, totaler)",
}

# Rule and action names of the clean stage's quality log (attendance.cleaning.RULE_ORDER); unknown names
# are shown with spaces instead of underscores rather than failing the report.
RULE_LABELS = {
    "dataset_file": "Konfigurationsfil (ikke registreringer)",
    "skipped_file": "Skjult fil eller Excel-låsefil, ikke læst",
    "hidden_sheet": "Skjult ark",
    "sheet_layout": "Sådan blev arket læst",
    "unread_column": "Kolonne, der ikke blev læst",
    "date_order": "Datoer læst med måned først",
    "absence_mark": "Fraværsmarkering (syg, afbud, /)",
    "date_filled_down": "Dato udfyldt fra rækken ovenfor",
    "weekday_mismatch": "Ugedag passer ikke til datoen",
    "unsupported_file": "Fil i et format, der ikke kan læses",
    "title_row": "Titelrække",
    "header_row": "Overskriftsrække",
    "blank_row": "Tom række",
    "total_row": "Totalrække",
    "no_marks": "Række uden afkrydsninger",
    "offer_alias": "Tilbuddets navn skrevet på en anden måde",
    "staff_or_volunteer": "Medarbejder eller frivillig på listen",
    "cpr_in_citizen": "CPR-nummer i borgerfeltet",
    "missing_citizen": "Borger mangler",
    "unparseable_date": "Dato kunne ikke læses",
    "date_outside_period": "Dato uden for perioden",
    "name_variant": "Stavevariant af en borger",
    "initials_resolved": "Initialer genkendt som visiteret borger",
    "ambiguous_initials": "Initialer passer på flere borgere",
    "name_normalised": "Navn genkendt trods stavemåde (store/små bogstaver, tegn, «Efternavn, Fornavn»)",
    "name_partial": "Fornavn eller initialer passer på én visiteret borger",
    "ambiguous_name": "Navn kan være flere personer",
    "unparseable_time": "Tidspunkt kunne ikke læses",
    "time_out_before_time_in": "Sluttid før starttid",
    "missing_time_out": "Manglende sluttidspunkt",
    "implausible_duration": "Urealistisk langt ophold",
    "outside_opening_hours": "Tid uden for åbningstiden",
    "closed_day": "Registrering på en lukkedag",
    "exact_duplicate": "Præcis dublet",
    "overlapping_visits": "Overlappende besøg",
    "day_only": "Kun dato (afkrydsningsliste)",
    "afternoon_hour": "Eftermiddagstid skrevet som 1-3 (læst efter åbningstiden)",
    "entirely_outside_opening_hours": "Besøg helt uden for åbningstiden (tjek tiderne)",
    "time_range_in_cell": "Tidsrum skrevet i Ind-feltet (9-14) delt i start og slut",
}

ACTION_LABELS = {
    "kept": "beholdt",
    "merged": "slået sammen",
    "quarantined": "karantæne",
    "ignored": "ignoreret",
    "imputed": "udfyldt",
    "clipped": "tilpasset åbningstiden",
    "flagged": "markeret",
    "swapped": "byttet om",
    "normalised": "rettet",
    "extended": "forlænget",
    "dropped": "fjernet",
    "removed": "fjernet",
    "read": "læst",
    "filled": "udfyldt",
    "read as afternoon": "læst som eftermiddag",
    "split": "delt",
}

VALIDATION_LABELS = {
    "family": "Modelfamilie",
    "model_family": "Modelfamilie",
    "dispersion": "Overspredning",
    "coverage": "Intervaldækning (testuger)",
    "holdout_coverage": "Intervaldækning (testuger)",
    "mae_model": "Gns. absolut fejl, model",
    "mae_baseline": "Gns. absolut fejl, ugedagsgennemsnit",
}


def _flatten(mapping: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in mapping.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if (
            isinstance(value, Mapping)
            and value
            and not all(isinstance(v, list | tuple) for v in value.values())
        ):
            flat.update(_flatten(value, path))
        else:
            flat[path] = value
    return flat


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
    text = _tick_text(float(value) * 100, None)
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
        return _tick_text(value, None)
    return _auto_format(value, 1)


def load_quality_summary(processed_dir: str | Path | None = None) -> dict[str, pd.DataFrame]:
    """accounting.csv and the rule counts of quality_log.csv from the clean stage."""
    if processed_dir is None:
        from .config import project_root

        processed_dir = project_root() / "data" / "processed"
    folder = Path(processed_dir)
    summary: dict[str, pd.DataFrame] = {}
    accounting, log = folder / "accounting.csv", folder / "quality_log.csv"
    if accounting.is_file():
        summary["accounting"] = pd.read_csv(accounting)
    if log.is_file():
        summary["rules"] = pd.read_csv(log, usecols=lambda c: c in {"rule", "action"})
    if not summary:
        raise InputError(
            "no accounting.csv or quality_log.csv", file=str(folder), fix="run the clean stage first"
        )
    return summary


def _rule_counts(rules: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in ("rule", "action") if c in rules.columns]
    if not keys:
        raise ValueError("the quality summary's rule table needs a 'rule' column")
    count = next((c for c in ("n", "count", "rows") if c in rules.columns), None)
    grouped = rules.groupby(keys, dropna=False)
    counts = grouped[count].sum() if count else grouped.size()
    return counts.rename("n").reset_index().sort_values("n", ascending=False, kind="stable")


def _quality_html(quality_summary: Any) -> str:
    if isinstance(quality_summary, pd.DataFrame):
        key = "accounting" if "rows_read" in quality_summary.columns else "rules"
        quality_summary = {key: quality_summary}
    parts = []
    accounting = quality_summary.get("accounting")
    if accounting is not None:
        totals = (
            accounting[[c for c in ACCOUNTING_LABELS if c in accounting.columns]].sum()
            if isinstance(accounting, pd.DataFrame)
            else pd.Series(accounting)
        )
        table = pd.DataFrame(
            {"Rækker": [ACCOUNTING_LABELS.get(k, k) for k in totals.index], "Antal": totals.to_numpy()}
        )
        parts.append(
            show_table(
                table,
                "Regnskab for de rå registreringer: hver læst række er brugt, slået sammen, sat i karantæne "
                "eller ignoreret.",
                formats={"Antal": "int"},
            ).data
        )
    rules = quality_summary.get("rules")
    if rules is not None and len(rules):
        counts = _rule_counts(rules)
        counts["rule"] = counts["rule"].map(lambda r: RULE_LABELS.get(r, str(r).replace("_", " ")))
        if "action" in counts.columns:
            counts["action"] = counts["action"].map(lambda a: ACTION_LABELS.get(a, str(a).replace("_", " ")))
        labels = {"rule": "Regel", "action": "Handling", "n": "Rækker"}
        parts.append(
            show_table(counts, "Rensningsregler, der har ændret eller afvist rækker.", labels=labels).data
        )
    return "".join(parts)


def _validation_html(validation: Any) -> str:
    if isinstance(validation, str):
        return f"<p>{_esc(validation)}</p>"
    if isinstance(validation, Mapping):
        table = pd.DataFrame(
            {k: _flatten(v) if isinstance(v, Mapping) else {"værdi": v} for k, v in validation.items()}
        ).T
        table.index.name = "Tilbud"
    else:
        table = pd.DataFrame(validation)
    for column in [c for c in table.columns if "coverage" in str(c)]:
        table[column] = table[column].map(lambda v: v if isinstance(v, str) else fmt_pct(v, 0))
    table = table.rename(columns=lambda c: VALIDATION_LABELS.get(str(c), str(c).replace("_", " ")))
    return show_table(
        table,
        "Validering af efterspørgselsmodellen på de udeholdte uger.",
        index=table.index.name is not None,
        decimals=2,
    ).data


def methods_section(
    params: Mapping[str, Any],
    quality_summary: Any = None,
    validation: Any = None,
    *,
    notes: str | None = None,
):
    """The "Metode og datagrundlag" section: the parameters used, the data-quality summary and validation.

    `params` is what the notebook ran with (`fill_params(...)` returns it); `quality_summary` is
    `load_quality_summary()` (or the accounting / quality-log DataFrame); `validation` the demand model's
    held-out validation as {offer: {metric: value}} or a DataFrame (optional).
    """
    from IPython.display import HTML

    flat = _flatten(params)
    rows = pd.DataFrame(
        {
            "Parameter": [PARAM_LABELS.get(k, k) for k in flat],
            "Værdi": [fmt_value(v, key=k) for k, v in flat.items()],
            "Nøgle i params.yaml": list(flat),
        }
    )
    parts = [
        '<section class="rp-methods">',
        '<h2 id="metode-og-datagrundlag">Metode og datagrundlag</h2>',
        "<p>Rapporten er lavet automatisk ud fra de rå fremmøderegistreringer. Alle beregninger følger "
        "parametrene nedenfor (filen params.yaml); en ændret parameter giver en ny kørsel af rapporten.</p>",
    ]
    if notes:
        parts.append(f"<p>{_esc(notes)}</p>")
    parts.append('<h3 id="metode-parametre">Parametre</h3>')
    parts.append(show_table(rows, "Parametre brugt i denne rapport.").data)
    if quality_summary is not None:
        parts.append('<h3 id="metode-datakvalitet">Datakvalitet</h3>')
        parts.append(_quality_html(quality_summary))
    if validation is not None:
        parts.append('<h3 id="metode-validering">Validering</h3>')
        parts.append(_validation_html(validation))
    parts.append("</section>")
    return HTML("".join(parts))


def drop_zero_rows(
    table: pd.DataFrame, columns: Sequence[Hashable], label_columns: Sequence[Hashable] = ()
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Leave out the rows whose `columns` are all 0 (a count shown as 0, not a marker such as "<5"): rows of
    zeros fill space and say one thing, which a sentence says better (issue 15). Returns the kept table (its
    `attrs`, e.g. the suppression record, kept) and the dropped rows' `label_columns`."""
    values = table[list(columns)]
    zero = values.apply(
        lambda col: col.map(lambda v: not isinstance(v, str) and not _is_missing(v) and v == 0)
    )
    mask = zero.all(axis=1).to_numpy()
    kept = table.loc[~mask].copy()
    kept.attrs = dict(table.attrs)
    return kept, table.loc[mask, list(label_columns)].copy()


def analyst_table(
    df: pd.DataFrame, caption: str, offer_names: Mapping[str, str] | None = None, **kwargs: Any
):
    """A table of the analyst reports with Danish column labels and formats (`glossary.COLUMNS`): no
    `offer_id` or `staff_hours_week_needed` in the header, "1,58" not "1,580", dates as "18. maj 2026", amounts
    to the krone. Columns the glossary lacks keep their name and the automatic format."""
    table = df.copy()
    if offer_names is not None and "offer_id" in table.columns:
        table["offer_id"] = table["offer_id"].map(lambda o: offer_names.get(o, o))
    formats: dict[Hashable, Formatter] = {}
    labels: dict[Hashable, str] = {}
    for column in table.columns:
        if column in glossary.COLUMNS:
            label, spec = glossary.COLUMNS[column]
            labels[column] = label
            if spec == "date":
                table[column] = pd.to_datetime(table[column])
            formats[column] = spec
    formats.update(kwargs.pop("formats", {}) or {})
    labels.update(kwargs.pop("labels", {}) or {})
    return show_table(table, caption, formats=formats, labels=labels, **kwargs)


METHODS_PAGE = "30_metode_og_data"  # the one shared page of methods, parameters and data quality


def methods_pointer(notes: str | None = None):
    """The short "Metode og data" section of a reviewer report: the report's own method in one paragraph
    (`notes`) and a link to the shared page (`METHODS_PAGE`) with the parameters, the data quality, the
    cleaning rules and the demand model's validation, which every report used to repeat (issue 15)."""
    from IPython.display import HTML

    text = (_esc(notes) + " ") if notes else ""
    return HTML(
        '<section class="rp-methods rp-methods-pointer">'
        '<h2 id="metode-og-data">Metode og data</h2>'
        f"<p>{text}Parametrene (params.yaml), datakvaliteten, rensningsreglerne, efterspørgselsmodellens "
        f'validering og kilderne står samlet på siden <a href="{METHODS_PAGE}.html">Metode og data</a> '
        "(filen skal ligge i samme mappe som denne rapport).</p></section>"
    )


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        result = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


# What a report is made from. Only these count when the stamp says "med lokale ændringer": the pipeline's own
# outputs (dvc.lock, metrics, reports) change during every run and say nothing about the code or the data.
SOURCE_PATHS = ("src", "notebooks", "params.yaml", "dvc.yaml", "pyproject.toml", "data/raw")


def version_info(
    root: str | Path | None = None,
    offers_path: str | Path | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """What a printed page needs to be traced to its run: the commit of the sources, the data hash, a date.

    The commit is the last one that changed a source (SOURCE_PATHS), not HEAD, and a clean run is dated by that
    commit: the same sources and data then give the same report bytes, so committing dvc.lock after a run does
    not make the next run differ. Only uncommitted changes to the sources mark the stamp as changed (and date
    it by the clock). Tolerates a copy without git or without processed data: the fields then say so in Danish.
    """
    if root is None:
        from .config import project_root

        try:
            root = project_root()
        except InputError:
            root = Path.cwd()
    root = Path(root)
    log = _git(["log", "-1", "--format=%h %cs", "--abbrev=7", "--", *SOURCE_PATHS], root)
    if not log:  # no commit touches a source path (e.g. a test repository): the newest commit
        log = _git(["log", "-1", "--format=%h %cs", "--abbrev=7"], root)
    commit, commit_date = (log.split() + [None])[:2] if log else (None, None)
    changed = _git(["status", "--porcelain", "--", *SOURCE_PATHS], root) if commit else None
    dirty = bool(changed)
    offers = Path(offers_path) if offers_path is not None else root / "data" / "processed" / "offers.json"
    data_hash, dataset, synthetic = None, None, None
    try:
        info = load_dataset_info(offers)
        data_hash, dataset, synthetic = info.get("data_hash"), info.get("name"), info.get("synthetic")
    except InputError:
        pass
    if commit and not dirty and commit_date:
        run_date, run_time = dt.date.fromisoformat(commit_date), None
    else:
        now = now or dt.datetime.now()
        run_date, run_time = now.date(), now.strftime("%H:%M")
    return {
        "commit": commit or "ikke under versionsstyring",
        "commit_found": commit is not None,
        "dirty": dirty,
        "data_hash": str(data_hash) if data_hash else "ukendt",
        "dataset": dataset,
        "synthetic": synthetic,
        "run_date": run_date,
        "run_time": run_time,
        "experiment": os.environ.get("DVC_EXP_NAME") or None,
    }


def footer(info: Mapping[str, Any] | None = None):
    """The version stamp at the end of the report (and, via the template, in every printed page's margin)."""
    from IPython.display import HTML

    info = dict(info or version_info())
    commit = str(info["commit"]) + (" (med lokale ændringer)" if info.get("dirty") else "")
    data_hash = str(info["data_hash"])
    short_hash = data_hash[:12] if data_hash != "ukendt" else data_hash
    run = fmt_date(info["run_date"]) + (f" kl. {info['run_time']}" if info.get("run_time") else "")
    when = "Kørt" if info.get("run_time") else "Kodens dato"
    dataset = f" · Datasæt: {_esc(info['dataset'])}" if info.get("dataset") else ""
    experiment = f" · Eksperiment: {_esc(info['experiment'])}" if info.get("experiment") else ""
    return HTML(
        f'<footer class="rp-footer" data-report-commit="{_esc(commit)}" data-report-data-hash="{_esc(short_hash)}" '
        f'data-report-run-date="{_esc(run)}">'
        f"<p><strong>Version</strong> · Programkode: {_esc(commit)} · Datagrundlag: {_esc(short_hash)}{dataset}"
        f"{experiment} · {when}: {_esc(run)}</p>"
        "<p>Rapporten er dannet automatisk af fremmødeanalysens pipeline. Kode og data kan genfindes ud fra "
        "versionsnummer og datagrundlag.</p></footer>"
    )


# --------------------------------------------------------------------------------------------------------
# Rendering: table of contents, print stamps, offline guard (an nbconvert preprocessor)
# --------------------------------------------------------------------------------------------------------

_HEADING_LINE = re.compile(r"^(#{1,3})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_HTML_HEADING = re.compile(r"<h([23])\b[^>]*\bid=\"([^\"]+)\"[^>]*>(.*?)</h\1>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_URL_ATTR = re.compile(
    r"""\b(src|href|srcset|poster|data|action|formaction)\s*=\s*(["']?)([^"'\s>]+)\2""", re.I
)
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?((?:[a-z][a-z0-9+.-]*:)?//[^)\s>]+)>?[^)]*\)", re.I)
_MD_LINK = re.compile(r"(?<!!)\[([^\]]+)\]\(\s*<?([a-z][a-z0-9+.-]*:[^)\s>]+|//[^)\s>]+)>?[^)]*\)", re.I)
_MD_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^>\s]+)>", re.I)
_BARE_URL = re.compile(r"(?<![\w/\"'<=`])((?:https?|ftp)://|www\.)([^\s<>\"')]*[^\s<>\"').,;:!?])", re.I)
_SIBLING_REPORT = r"\d{2}_[a-z0-9_]+\.html(?:#[a-z0-9_-]*)?"  # another report of the set, same folder
_HTML_LINK = re.compile(
    r"<a\b[^>]*\bhref\s*=\s*([\"'])(?!#|mailto:|data:|"
    + _SIBLING_REPORT
    + r"[\"'])([^\"']*)\1[^>]*>(.*?)</a>",
    re.S | re.I,
)
_CSS_URL = re.compile(r"url\(\s*([\"']?)(?!data:|#)([^\"')]+)\1\s*\)", re.I)
_LOCAL_URL = re.compile(r"^(#|data:|mailto:|" + _SIBLING_REPORT + r"$)", re.I)


def slugify(text: str) -> str:
    """An ASCII anchor id from a Danish heading: "Fremmøde pr. tidsrum" -> "fremmoede-pr-tidsrum"."""
    text = text.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return slug or "afsnit"


def external_urls(html_text: str) -> list[str]:
    """Every URL in `html_text` that a browser would load or follow to somewhere outside the file.

    Allowed: `#anchors`, `data:` URIs, `mailto:` and links to another report of the set by its file name
    (`20_beslutningsgrundlag.html`: nothing is loaded when the report opens; the link works where the reports
    lie together in one folder). Everything else in src/href/url() — other hosts, but
    also relative and file: paths, which break as soon as the report is forwarded by e-mail — is listed.
    """
    found = [m.group(3) for m in _URL_ATTR.finditer(html_text) if not _LOCAL_URL.match(m.group(3))]
    found += [m.group(2) for m in _CSS_URL.finditer(html_text)]
    found += re.findall(r"@import\s+[\"']([^\"']+)", html_text, re.I)
    return found


def _unlink_html(html_text: str) -> str:
    """Links to other hosts become text with the address in brackets: readable offline, nothing to click."""

    def replace(match: re.Match) -> str:
        url, text = match.group(2), match.group(3)
        plain = _TAG.sub("", text).strip()
        if plain == url or not url:
            return f'<span class="rp-url">{text}</span>'
        return f'{text} <span class="rp-url">({html.escape(url)})</span>'

    return _HTML_LINK.sub(replace, html_text)


def _offline_markdown(source: str, where: str) -> str:
    images = _MD_IMAGE.findall(source)
    if images:
        raise InputError(
            f"the report would load an image from another host: {images[0]}",
            file=where,
            fix="embed the figure with attendance.report.show_figure (or attach the image to the cell)",
        )
    source = _MD_LINK.sub(lambda m: f"{m.group(1)} (`{m.group(2)}`)", source)
    source = _MD_AUTOLINK.sub(lambda m: f"`{m.group(1)}`", source)
    source = _BARE_URL.sub(lambda m: f"`{m.group(0)}`", source)
    return _unlink_html(source)


def _markdown_headings(source: str, used: set[str], entries: list[dict[str, Any]]) -> tuple[str, str | None]:
    """Turn level-2/3 ATX headings into HTML headings with stable ASCII ids; return the new source and the
    first level-1 heading text (the report title)."""
    from nbconvert.filters.markdown import markdown2html_mistune

    lines, title, fenced = [], None, False
    for line in source.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        match = None if fenced else _HEADING_LINE.match(line)
        if not match:
            lines.append(line)
            continue
        level, text = len(match.group(1)), match.group(2)
        inline = markdown2html_mistune(text).strip()
        inline = re.sub(r"^<p>(.*)</p>$", r"\1", inline, flags=re.S)
        plain = html.unescape(_TAG.sub("", inline)).strip()
        if level == 1:
            title = title or plain
            lines.append(line)
            continue
        anchor = _unique(slugify(plain), used)
        entries.append({"level": level, "id": anchor, "text": plain})
        lines.extend(["", f'<h{level} id="{anchor}">{inline}</h{level}>', ""])
    return "\n".join(lines), title


def _unique(slug: str, used: set[str]) -> str:
    candidate, n = slug, 2
    while candidate in used:
        candidate, n = f"{slug}-{n}", n + 1
    used.add(candidate)
    return candidate


def toc_html(entries: Sequence[Mapping[str, Any]]) -> str:
    """A nested list of links (works without JavaScript and prints as a contents list)."""
    items, open_sub = [], False
    for entry in entries:
        link = f'<a href="#{_esc(entry["id"])}">{_esc(entry["text"])}</a>'
        if entry["level"] >= 3:
            if not items:
                items.append("<li>")
            if not open_sub:
                items.append("<ol>")
                open_sub = True
            items.append(f"<li>{link}</li>")
        else:
            if open_sub:
                items.append("</ol>")
                open_sub = False
            if items:
                items.append("</li>")
            items.append(f"<li>{link}")
    if open_sub:
        items.append("</ol>")
    if items:
        items.append("</li>")
    return (
        '<nav class="rp-toc" aria-label="Indholdsfortegnelse"><p class="rp-toc-title">Indhold</p>'
        f"<ol>{''.join(items)}</ol></nav>"
    )


_DATA_ATTR = re.compile(r'data-report-([a-z-]+)="([^"]*)"')


class ReportPreprocessor:
    """nbconvert preprocessor (registered in the template's conf.json) that prepares a notebook for reviewers.

    1. removes the cells the runner removes (same TagRemovePreprocessor settings), so nothing below sees them;
    2. gives level-2/3 headings stable ASCII ids and inserts a table of contents before the first of them;
    3. turns links to other hosts into text and refuses images from other hosts (reports load nothing);
    4. reads the banner/footer stamps into `resources["report"]` for the print margins; appends a footer
       when the notebook has none, and inserts the synthetic-data banner under the title when the project's
       data are synthetic and the notebook shows no banner — every report carries both, whoever wrote it.
    """

    def __init__(self, enabled: bool = True, **_: Any) -> None:
        self.enabled = enabled

    def __call__(self, nb, resources):
        if not self.enabled:
            return nb, resources
        return self.preprocess(nb, resources)

    def preprocess(self, nb, resources):
        import nbformat

        from .notebook_runner import tag_remover

        nb, resources = tag_remover().preprocess(nb, resources)
        where = str(resources.get("metadata", {}).get("name", "notebook"))
        used: set[str] = set()
        stamps: dict[str, str] = {}
        heading = ""
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                heading = _last_markdown_heading(_join(cell.source)) or heading
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if "text/markdown" in data:
                    heading = _last_markdown_heading(_join(data["text/markdown"])) or heading
                if "image/png" in data:
                    _ensure_alt(output, heading)
                if "text/html" in data:
                    text = _wrap_tables(_unlink_html(_join(data["text/html"])))
                    bad = external_urls(text)
                    if bad:
                        raise InputError(
                            f"the report would load {bad[0]} from outside the file",
                            file=where,
                            fix="embed images as data URIs (attendance.report.show_figure) and inline styles",
                        )
                    data["text/html"] = text
                    used.update(m.group(2) for m in _HTML_HEADING.finditer(text))
                    stamps.update(_DATA_ATTR.findall(text))

        entries: list[dict[str, Any]] = []
        first_heading_cell: int | None = None
        title, title_cell = None, None
        for index, cell in enumerate(nb.cells):
            before = len(entries)
            if cell.cell_type == "markdown":
                source = _offline_markdown(_join(cell.source), where)
                cell.source, cell_title = _markdown_headings(source, used, entries)
                if cell_title and title is None:
                    title, title_cell = cell_title, index
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if "text/markdown" in data:
                    text = _offline_markdown(_join(data["text/markdown"]), where)
                    data["text/markdown"], _ = _markdown_headings(text, used, entries)
                if "text/html" in data:
                    entries.extend(
                        {
                            "level": int(m.group(1)),
                            "id": m.group(2),
                            "text": html.unescape(_TAG.sub("", m.group(3))).strip(),
                        }
                        for m in _HTML_HEADING.finditer(_join(data["text/html"]))
                    )
            if first_heading_cell is None and len(entries) > before:
                first_heading_cell = index

        if "commit" not in stamps:
            info = version_info()
            footer_html = footer(info).data
            stamps.update(_DATA_ATTR.findall(footer_html))
            nb.cells.append(_html_cell(nbformat, footer_html, "report-footer"))
        if entries:
            position = first_heading_cell if first_heading_cell is not None else len(nb.cells)
            nb.cells.insert(position, _html_cell(nbformat, toc_html(entries), "report-toc"))
        if "synthetic" not in stamps:
            dataset = _project_dataset_info()
            if dataset and dataset.get("synthetic"):
                banner_html = banner(dataset).data
                stamps.update(_DATA_ATTR.findall(banner_html))
                position = title_cell + 1 if title_cell is not None else 0
                nb.cells.insert(position, _html_cell(nbformat, banner_html, "report-banner"))
        _keep_headings_with_next(nb)
        if title and not nb.metadata.get("title"):
            nb.metadata["title"] = title
        resources["report"] = {
            "toc": entries,
            "title": title,
            "synthetic": stamps.get("synthetic") == "true",
            "confidential": stamps.get("confidential") == "true",
            "confidential_text": ANALYST_ONLY,
            "stamp": _print_stamp(stamps),
        }
        return nb, resources


_MARKDOWN_HEADING = re.compile(r"^#{1,4}\s+(.+?)\s*#*\s*$", re.M)
_TABLE_BLOCK = re.compile(r"(<div class=\"rp-table-scroll\">\s*)?(<table\b.*?</table>)", re.S | re.I)


def _last_markdown_heading(source: str) -> str | None:
    found = _MARKDOWN_HEADING.findall(source)
    return _TAG.sub("", found[-1]).strip() if found else None


def _ensure_alt(output, heading: str) -> None:
    """Every figure image gets an alt text that says what it shows (nbconvert's own fallback reads "No
    description has been provided for this image"): the one the kernel put in the output's metadata
    (`figures.enable_alt_text`, from the figure's titles and axis labels), else one naming the section."""
    metadata = output.setdefault("metadata", {})
    image = dict(metadata.get("image/png") or {})
    if str(image.get("alt", "")).strip():
        return
    image["alt"] = f"Figur i afsnittet «{heading}»" if heading else "Figur fra analysen"
    metadata["image/png"] = image  # (a NotebookNode copies a dict on assignment: set it when complete)


def _wrap_tables(text: str) -> str:
    """Put a table that is not already in a scroll box (a plain pandas table, a Styler table) into one, so a
    wide table scrolls inside its own box and never widens or cuts the page on a narrow screen."""
    if "<table" not in text.lower():
        return text
    return _TABLE_BLOCK.sub(
        lambda m: m.group(0) if m.group(1) else f'<div class="rp-table-scroll">{m.group(2)}</div>', text
    )


_TRAILING_HEADING = re.compile(r"\n*(<h([234]) id=\"[^\"]+\">.*?</h\2>)\s*$", re.S)


def _keep_headings_with_next(nb) -> None:
    """A heading that ends a markdown cell moves into the figure or table of the next cell, in one block that
    print keeps together: CSS `break-after: avoid` across cells is not reliable in Chromium, and a heading
    alone at the foot of a printed page looks careless."""
    for cell, following in zip(nb.cells, nb.cells[1:], strict=False):
        if cell.cell_type != "markdown" or following.cell_type != "code" or not following.get("outputs"):
            continue
        match = _TRAILING_HEADING.search(_join(cell.source))
        shown = [
            o
            for o in following.outputs
            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
        ]
        data = shown[0].get("data", {}) if shown else {}
        if not match or not _join(data.get("text/html", "")).lstrip().startswith("<figure"):
            continue
        data["text/html"] = f'<div class="rp-keep">{match.group(1)}{_join(data["text/html"])}</div>'
        cell.source = _join(cell.source)[: match.start()]


def _project_dataset_info() -> dict[str, Any] | None:
    """The project's dataset block, or None outside a project or before the clean stage has run."""
    try:
        return load_dataset_info()
    except InputError:
        return None


def _join(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _html_cell(nbformat, text: str, tag: str):
    output = nbformat.v4.new_output("display_data", data={"text/html": text})
    cell = nbformat.v4.new_code_cell(source="", outputs=[output])
    cell.metadata["tags"] = [tag]
    cell.id = tag  # a fixed id (nbformat draws a random one): the same notebook renders to the same bytes
    return cell


def _print_stamp(stamps: Mapping[str, str]) -> str:
    """The one-line stamp in the printed pages' bottom margin, safe inside a CSS string."""
    parts = []
    if stamps.get("commit"):
        parts.append(f"Programkode: {stamps['commit']}")
    if stamps.get("data-hash"):
        parts.append(f"Datagrundlag: {stamps['data-hash']}")
    if stamps.get("run-date"):
        parts.append(f"Kørt: {stamps['run-date']}")
    text = html.unescape(" · ".join(parts))
    return re.sub(r"[^\w .,:()·–-]", "", text)


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


# The reports of the set, in reading order: (file stem, short Danish title). `report_links` links them.
REPORT_SET = [
    ("10_fremmoedestatistik", "Fremmødestatistik"),
    ("11_spor1_paragraf104", "Spor 1: § 104"),
    ("12_spor2_aabent_vaerested", "Spor 2: åbent værested"),
    ("13_spor3_beskyttet_beskaeftigelse", "Spor 3: § 103"),
    ("20_beslutningsgrundlag", "Beslutningsgrundlag"),
    ("30_metode_og_data", "Metode og data"),
]


def report_links(current: str):
    """A line of links to the other reports of the set (relative file names: they open offline when the
    reports lie in the same folder, as `dvc repro` writes them to reports/)."""
    from IPython.display import HTML

    parts = [
        f"<strong>{_esc(title)}</strong>" if stem == current else f'<a href="{stem}.html">{_esc(title)}</a>'
        for stem, title in REPORT_SET
    ]
    return HTML(
        '<nav class="rp-report-links" aria-label="Rapporterne">Rapporterne: '
        + " · ".join(parts)
        + ' <span class="rp-note">(filerne skal ligge i samme mappe)</span></nav>'
    )


def shared_figures(figures: Mapping[str, Any]):
    """The figures this report shares with other reports (referred, active, visits, today's cost, the
    tracks' and models' costs), exact, in a hidden element: tests/test_cross_report.py checks that every
    report says the same. Nothing is shown; the visible text comes from the same numbers."""
    import json

    from IPython.display import HTML

    payload = json.dumps({k: float(v) for k, v in figures.items()}, sort_keys=True)
    return HTML(f'<div class="rp-shared-figures" hidden data-shared-figures="{html.escape(payload)}"></div>')


def read_shared_figures(html_text: str) -> dict[str, float]:
    """The shared figures embedded by `shared_figures` in a rendered report (merged if there are several)."""
    import json

    out: dict[str, float] = {}
    # the renderer may re-quote the attribute ('…' instead of "…")
    for match in re.finditer(r"""data-shared-figures=(["'])(.*?)\1""", html_text, re.S):
        out.update(json.loads(html.unescape(match.group(2))))
    return out
