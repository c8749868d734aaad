"""Tables for reports: small-cell suppression (`suppress_small`), `show_table` and key-figure cards. Every
helper returns `IPython.display.HTML` with semantic `rp-` classes; the CSS lives in the nbconvert template."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from attendance.settings.config import load_params

from . import disclosure, glossary
from .disclosure import HIDDEN
from .formats import (
    MISSING,
    _is_missing,
    escape_html,
    fmt_auto,
    fmt_date,
    fmt_dkk,
    fmt_dkk_rounded,
    fmt_int,
    fmt_number,
    fmt_pct,
    fmt_time,
    slot_label,
    weekday_name,
)

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
        return lambda v: fmt_auto(v, decimals), False
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
        return fmt_auto(v, decimals)

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
        header_cells.append(f'<th scope="col"{css}>{escape_html(labels.get(column, column))}</th>')
        label = f' data-label="{escape_html(labels.get(column, column))}"' if stack else ""
        body_columns.append(([formatter(v) for v in table[column].tolist()], css + label))

    rows = []
    for i in range(len(table)):
        cells = []
        for j, (texts, css) in enumerate(body_columns):
            tag = 'th scope="row"' if index and j == 0 else "td"
            close = "th" if index and j == 0 else "td"
            cells.append(f"<{tag}{css}>{escape_html(texts[i])}</{close}>")
        row_class = ' class="rp-total"' if total_mask[i] else ""
        rows.append(f"<tr{row_class}>{''.join(cells)}</tr>")

    notes = []
    if note:
        notes.append(escape_html(note))
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
        notes.append(f"Kilde: {escape_html(source)}")
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
        f'<figure class="{block}"><figcaption>{escape_html(caption)}</figcaption>'
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
        text = fmt_auto(value, 1)
        note_html = f'<div class="rp-kf-note">{escape_html(note)}</div>' if note else ""
        cards.append(
            f'<div class="rp-kf"><div class="rp-kf-value">{_card_value_html(text)}</div>'
            f'<div class="rp-kf-label">{escape_html(label)}</div>{note_html}</div>'
        )
    if not cards:
        raise ValueError("key_figures needs at least one figure")
    return HTML(f'<section class="rp-keyfigures" aria-label="Nøgletal">{"".join(cards)}</section>')


def _card_value_html(text: str) -> str:
    """A key-figure value that may wrap between its parts ("25 % / 17 %") but never inside one ("25 %")."""
    parts = str(text).split(" / ")
    if len(parts) == 1:
        return escape_html(text)
    return " / ".join(f'<span class="rp-nowrap">{escape_html(part)}</span>' for part in parts)


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
