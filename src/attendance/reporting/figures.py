"""Figures shared by the report notebooks: occupancy heat map and "hills", arrival profile, stay lengths and
daily unique citizens over time.

One implementation for every report, so that a heat map or a hill in the overview and in a track report are
drawn from the same table in the same way. Every function takes a table of the demand stage
(`data/processed/demand/`, see docs/demand_outputs.md) as it is read from Parquet, draws with Danish labels
and number formats, and returns the matplotlib `Figure` — ready for `report.show_figure(fig, caption=...,
alt=...)`. Captions and alt texts stay in the notebook: they say what the reader should see in *this* report.

Offers are drawn in the order given by `offer_ids` (default: the order in the table) and named through
`labels` ({offer_id: "Aktivhuset"}; `offer_labels(offers)` builds it from offers.json). Call
`report.setup_matplotlib()` once in the notebook for the common look.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import glossary
from .formats import MONTHS, fmt_int, fmt_number, fmt_time, weekday_name
from .plotting import PALETTE, danish_formatter

MINUTES_PER_DAY = 24 * 60
BAND_COLOR = "#9ecae1"  # light blue of the p25–p75 band
P95_COLOR = "#c44e52"  # red of the p95 line


# --------------------------------------------------------------------------------------------------------
# Small helpers (also useful for notebook code that draws its own figure)
# --------------------------------------------------------------------------------------------------------


def offer_labels(offers: Mapping[str, Any]) -> dict[str, str]:
    """{offer_id: display name} from offers.json (the `_dataset` block and other `_` keys are skipped)."""
    return {
        key: str(value.get("name", key))
        for key, value in offers.items()
        if not str(key).startswith("_") and isinstance(value, Mapping)
    }


def _offer_order(table: pd.DataFrame, offer_ids: Sequence[str] | None) -> list[str]:
    if offer_ids is not None:
        return list(offer_ids)
    return list(pd.unique(table["offer_id"]))


def _require(table: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise KeyError(f"{what}: the table has no column(s) {missing}")


def infer_bin_minutes(slot_minutes: Any) -> int:
    """The slot width from the slot starts in a table (the smallest step between distinct starts)."""
    starts = np.unique(np.asarray(slot_minutes, dtype=float))
    steps = np.diff(starts)
    steps = steps[steps > 0]
    if not len(steps):
        return 30
    return int(steps.min())


def time_of_day_formatter():
    """A FuncFormatter that shows minutes after midnight as "09:30" (for time-of-day axes in minutes)."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _pos=None: fmt_time(round(value) % (MINUTES_PER_DAY + 1)))


def danish_date_formatter(year: bool = False):
    """A FuncFormatter for matplotlib date axes: "2. mar" (or "2. mar 2026"), without a Danish locale."""
    import matplotlib.dates as mdates
    from matplotlib.ticker import FuncFormatter

    def format_date(value: float, _pos: Any = None) -> str:
        day = mdates.num2date(value)
        text = f"{day.day}. {MONTHS[day.month - 1][:3]}"
        return f"{text} {day.year}" if year else text

    return FuncFormatter(format_date)


def _open_rows(table: pd.DataFrame, measure: str | None) -> pd.DataFrame:
    """Rows of one measure (long `occupancy_summary`) within opening hours (where the table says so)."""
    rows = table
    if measure is not None and "measure" in rows.columns:
        rows = rows[rows["measure"] == measure]
    if "open_slot" in rows.columns:
        rows = rows[rows["open_slot"].astype(bool)]
    return rows


# --------------------------------------------------------------------------------------------------------
# Heat map: mean occupancy by weekday × slot
# --------------------------------------------------------------------------------------------------------


def heatmap_grid(
    summary: pd.DataFrame, offer_id: str, value: str = "mean", measure: str | None = "occupancy"
) -> pd.DataFrame:
    """The weekday × slot grid behind the heat map: index weekday (int), columns slot start (minutes).

    Accepts the long `occupancy_summary` (filtered to `measure` and open slots) or any table with
    `offer_id, weekday, slot_minute` and the `value` column (e.g. `kpis_by_weekday_slot` with
    value="occupancy_mean"). Slots closed on one weekday but open on another are NaN.
    """
    _require(summary, ["offer_id", "weekday", "slot_minute", value], "heatmap_grid")
    rows = _open_rows(summary[summary["offer_id"] == offer_id], measure)
    if rows.empty:
        raise ValueError(f"heatmap_grid: no open slots for offer {offer_id!r}")
    grid = rows.pivot_table(index="weekday", columns="slot_minute", values=value, aggfunc="first")
    return grid.sort_index().sort_index(axis=1)


def occupancy_heatmap(
    summary: pd.DataFrame,
    offer_ids: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    *,
    value: str = "mean",
    measure: str | None = "occupancy",
    decimals: int = 1,
    cmap: str = "Blues",
    colorbar_label: str = "Gns. antal borgere til stede",
    shared_scale: bool = True,
):
    """Heat map of (by default) mean occupancy by weekday × slot, one panel per offer, stacked.

    The x axis is the union of the offers' open slots (a slot an offer doesn't open is left blank), so the
    panels line up hour by hour; with `shared_scale` one colour scale and colour bar serves all panels, so
    a darker cell means more citizens whichever offer it belongs to. Cells carry their value ("12,3").
    """
    import matplotlib.pyplot as plt
    import seaborn as sns
    from matplotlib.ticker import MaxNLocator

    labels = dict(labels or {})
    offers = _offer_order(summary, offer_ids)
    grids = {offer: heatmap_grid(summary, offer, value, measure) for offer in offers}
    slots = sorted(set().union(*(g.columns for g in grids.values())))
    bin_minutes = infer_bin_minutes(slots)
    vmax = max(float(np.nanmax(g.to_numpy())) for g in grids.values()) if shared_scale else None
    heights = [max(len(g), 1) for g in grids.values()]
    fig, axes = plt.subplots(
        len(offers),
        1,
        figsize=(max(6.5, 0.62 * len(slots) + 2.2), 0.42 * sum(heights) + 1.1 * len(offers) + 0.4),
        gridspec_kw={"height_ratios": heights},
        squeeze=False,
    )
    for ax, offer in zip(axes[:, 0], offers, strict=True):
        grid = grids[offer].reindex(columns=slots)
        annot = grid.map(lambda v: "" if pd.isna(v) else fmt_number(v, decimals))
        sns.heatmap(
            grid,
            ax=ax,
            cmap=cmap,
            vmin=0,
            vmax=vmax if shared_scale else None,
            annot=annot.to_numpy(),
            fmt="",
            annot_kws={"fontsize": 8},
            linewidths=0.5,
            linecolor="white",
            cbar=True,
            cbar_kws={"format": danish_formatter(0), "label": colorbar_label, "shrink": 0.9},
        )
        # Whole-number ticks: the labels are rounded to integers, so half steps would repeat ("0, 0, 1, 1").
        ax.collections[0].colorbar.locator = MaxNLocator(integer=True)
        ax.collections[0].colorbar.update_ticks()
        ax.set_facecolor("#f2f2f2")  # blank (closed) cells
        ax.set_title(labels.get(offer, offer))
        ax.set_yticks(np.arange(len(grid)) + 0.5, [weekday_name(d) for d in grid.index], rotation=0)
        ax.set_xticks(
            np.arange(len(slots)) + 0.5,
            [f"{fmt_time(s)}–{fmt_time(s + bin_minutes)}" for s in slots],
            rotation=45,
            ha="right",
            fontsize=8,
        )
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.grid(False)
    axes[-1, 0].set_xlabel("Tidsrum")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------------------------
# Occupancy hills: mean by slot with percentile bands, per weekday (hillmaker style)
# --------------------------------------------------------------------------------------------------------


def occupancy_hills(
    summary: pd.DataFrame,
    offer_id: str,
    label: str | None = None,
    *,
    measure: str = "occupancy",
    band: tuple[str, str] = ("p25", "p75"),
    upper: str | None = "p95",
    ncols: int | None = None,
    ylabel: str = "Borgere til stede",
    ymax: float | None = None,
):
    """Hillmaker-style "hills" for one offer: per weekday, the mean per slot (line), the p25–p75 band
    (shaded) and the p95 (dashed) over the opening days of that weekday.

    Input: the long `occupancy_summary` (columns `weekday, slot_minute, mean, p25, p75, p95`; `measure` and
    `open_slot` are used when present). Values are drawn as steps over each slot (a slot's summary holds for
    the whole slot). One panel per open weekday with a shared y axis, so the days compare at a glance.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    columns = ["offer_id", "weekday", "slot_minute", "mean", *band] + ([upper] if upper else [])
    _require(summary, columns, "occupancy_hills")
    rows = _open_rows(summary[summary["offer_id"] == offer_id], measure)
    if rows.empty:
        raise ValueError(f"occupancy_hills: no open slots for offer {offer_id!r}")
    rows = rows.sort_values(["weekday", "slot_minute"])
    bin_minutes = infer_bin_minutes(rows["slot_minute"])
    weekdays = list(pd.unique(rows["weekday"]))
    ncols = ncols or min(len(weekdays), 3)
    nrows = -(-len(weekdays) // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(3.2 * ncols + 0.6, 2.6 * nrows + 0.8), sharex=True, sharey=True, squeeze=False
    )
    top = ymax
    if top is None:
        top = float(rows[[upper or band[1], "mean"]].max().max()) * 1.08 or 1.0
    first, last = int(rows["slot_minute"].min()), int(rows["slot_minute"].max()) + bin_minutes
    for ax, weekday in zip(axes.flat, weekdays, strict=False):
        day = rows[rows["weekday"] == weekday]
        edges = np.append(day["slot_minute"].to_numpy(dtype=float), day["slot_minute"].iloc[-1] + bin_minutes)
        low, high = day[band[0]].to_numpy(dtype=float), day[band[1]].to_numpy(dtype=float)
        ax.fill_between(
            edges, np.append(low, low[-1]), np.append(high, high[-1]), step="post", color=BAND_COLOR, lw=0
        )
        if upper:
            ax.stairs(
                day[upper].to_numpy(dtype=float),
                edges,
                baseline=None,
                color=P95_COLOR,
                lw=1.2,
                ls="--",
                gid=upper,
            )
        ax.stairs(day["mean"].to_numpy(dtype=float), edges, baseline=None, color=PALETTE[0], lw=2, gid="mean")
        count = int(day["count"].iloc[0]) if "count" in day.columns else None
        title = weekday_name(weekday).capitalize()
        ax.set_title(f"{title} ({fmt_int(count)} dage)" if count is not None else title, fontsize=10)
        ax.set_xlim(first, last)
        ax.set_ylim(0, top)
    for ax in list(axes.flat)[len(weekdays) :]:
        ax.set_visible(False)
    step = 60 if last - first <= 8 * 60 else 120
    ticks = np.arange(np.ceil(first / step) * step, last + 1, step)
    for ax in axes.flat:
        ax.set_xticks(ticks)
        ax.xaxis.set_major_formatter(time_of_day_formatter())
        ax.tick_params(axis="x", labelrotation=45, labelsize=8, labelbottom=True)
        ax.yaxis.set_major_formatter(danish_formatter())
    for ax in axes[:, 0]:
        ax.set_ylabel(ylabel)
    band_text = glossary.quantile_band_label(band[0], band[1])  # the glossary's word: "%-fraktil"
    handles = [
        Line2D([], [], color=PALETTE[0], lw=2, label="Gennemsnit"),
        Patch(color=BAND_COLOR, label=band_text),
    ]
    if upper:
        handles.append(Line2D([], [], color=P95_COLOR, lw=1.2, ls="--", label=glossary.quantile_label(upper)))
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), bbox_to_anchor=(0.5, -0.02))
    if label:
        fig.suptitle(label, x=0.02, ha="left", fontweight="bold", fontsize=11)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


# --------------------------------------------------------------------------------------------------------
# Arrivals
# --------------------------------------------------------------------------------------------------------


def arrivals_per_slot(profile: pd.DataFrame, by_weekday: bool = False) -> pd.DataFrame:
    """Mean arrivals per opening day by offer × slot (pooled over weekdays, weighted by their opening
    days), or by offer × weekday × slot. Slots before the first and after the last arrival are dropped.

    Input: `arrival_profile` (`offer_id, weekday, slot_minute, opening_days, arrivals`).
    """
    _require(profile, ["offer_id", "weekday", "slot_minute", "opening_days", "arrivals"], "arrivals_per_slot")
    keys = ["offer_id", "weekday", "slot_minute"] if by_weekday else ["offer_id", "slot_minute"]
    sums = profile.groupby(keys, sort=True)[["arrivals", "opening_days"]].sum().reset_index()
    sums["arrivals_mean"] = sums["arrivals"] / sums["opening_days"].where(sums["opening_days"] > 0)
    active = sums.loc[sums["arrivals"] > 0, "slot_minute"]
    if active.empty:
        return sums.iloc[0:0]
    within = sums["slot_minute"].between(active.min(), active.max())
    return sums[within].reset_index(drop=True)


def arrival_profile(
    profile: pd.DataFrame,
    offer_ids: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    *,
    ylabel: str = "Ankomster pr. åbningsdag",
):
    """Bars of mean arrivals per opening day by slot, the offers side by side (all weekdays pooled).

    Input: `arrival_profile`. Shows when in the day citizens arrive — the basis for opening hours and for
    when staff are needed at the door.
    """
    import matplotlib.pyplot as plt

    labels = dict(labels or {})
    offers = _offer_order(profile, offer_ids)
    pooled = arrivals_per_slot(profile[profile["offer_id"].isin(offers)])
    slots = sorted(pooled["slot_minute"].unique())
    bin_minutes = infer_bin_minutes(slots)
    width = 0.8 / max(len(offers), 1)
    fig, ax = plt.subplots(figsize=(max(6.5, 0.55 * len(slots) + 1.5), 3.8))
    x = np.arange(len(slots))
    for i, offer in enumerate(offers):
        values = pooled[pooled["offer_id"] == offer].set_index("slot_minute")["arrivals_mean"].reindex(slots)
        offset = (i - (len(offers) - 1) / 2) * width
        ax.bar(
            x + offset, values.fillna(0).to_numpy(), width, label=labels.get(offer, offer), color=PALETTE[i]
        )
    ax.set_xticks(x, [f"{fmt_time(s)}–{fmt_time(s + bin_minutes)}" for s in slots], rotation=45, ha="right")
    ax.tick_params(axis="x", labelsize=8)
    ax.set_xlabel("Tidsrum")
    ax.set_ylabel(ylabel)
    ax.yaxis.set_major_formatter(danish_formatter())
    ax.grid(axis="x", visible=False)
    if len(offers) > 1:  # above the plot, right: never over a bar
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=len(offers), fontsize=9)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------------------------
# Stay lengths
# --------------------------------------------------------------------------------------------------------


def stay_length_histogram(stays: pd.DataFrame, offer_id: str, bin_minutes: int = 30) -> pd.DataFrame:
    """Share of one offer's timed visits per stay-length bin [k·bin, (k+1)·bin) minutes.

    Input: `stay_lengths` (`offer_id, stay_minutes`). Returns `bin_start, bin_end, visits, share` for every
    bin from 0 to the longest stay (empty bins included, so the bars stand where they belong).
    """
    _require(stays, ["offer_id", "stay_minutes"], "stay_length_histogram")
    minutes = stays.loc[stays["offer_id"] == offer_id, "stay_minutes"].dropna().to_numpy(dtype=float)
    if not len(minutes):
        return pd.DataFrame({"bin_start": [], "bin_end": [], "visits": [], "share": []})
    index = np.floor(minutes / bin_minutes).astype(int)
    counts = np.bincount(index, minlength=index.max() + 1)
    starts = np.arange(len(counts)) * bin_minutes
    return pd.DataFrame(
        {
            "bin_start": starts,
            "bin_end": starts + bin_minutes,
            "visits": counts,
            "share": counts / counts.sum(),
        }
    )


def stay_length_distribution(
    stays: pd.DataFrame,
    offer_ids: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    *,
    bin_minutes: int = 30,
):
    """Histogram of stay lengths (share of visits per half hour), one panel per offer, with the median.

    Input: `stay_lengths` (one row per timed visit; the citizen key is not used). The x axis is in hours.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    labels = dict(labels or {})
    offers = _offer_order(stays, offer_ids)
    fig, axes = plt.subplots(
        1, len(offers), figsize=(4.2 * len(offers) + 0.6, 3.4), sharex=True, sharey=True, squeeze=False
    )
    for i, (ax, offer) in enumerate(zip(axes[0], offers, strict=True)):
        hist = stay_length_histogram(stays, offer, bin_minutes)
        ax.bar(
            hist["bin_start"] / 60,
            hist["share"],
            width=bin_minutes / 60,
            align="edge",
            color=PALETTE[i],
            edgecolor="white",
        )
        minutes = stays.loc[stays["offer_id"] == offer, "stay_minutes"].dropna()
        if len(minutes):
            median = float(minutes.median())
            ax.axvline(median / 60, color="#333333", lw=1.2, ls="--")
            ax.annotate(
                f"Median {fmt_duration(median)}",
                (median / 60, 1),
                xycoords=("data", "axes fraction"),
                xytext=(4, -4),
                textcoords="offset points",
                va="top",
                fontsize=9,
            )
        ax.set_title(f"{labels.get(offer, offer)} ({fmt_int(len(minutes))} besøg)")
        ax.set_xlabel("Opholdets længde (timer)")
        ax.xaxis.set_major_formatter(danish_formatter())
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))
        ax.yaxis.set_major_formatter(danish_formatter(percent=True))
        ax.grid(axis="x", visible=False)
    axes[0, 0].set_ylabel("Andel af besøg")
    fig.tight_layout()
    return fig


def fmt_duration(minutes: float) -> str:
    """155 -> "2 t 35 min" (how long a stay is, in words a reader uses), with no-break spaces so that a
    table cell never splits the duration over two lines."""
    total = int(round(minutes))
    hours, rest = divmod(total, 60)
    if not hours:
        return f"{rest}\u00a0min"
    return f"{hours}\u00a0t\u00a0{rest}\u00a0min" if rest else f"{hours}\u00a0t"


# --------------------------------------------------------------------------------------------------------
# Daily unique citizens over time
# --------------------------------------------------------------------------------------------------------


def opening_day_runs(dates: Any, weekdays: Sequence[int] | None = None) -> pd.DatetimeIndex:
    """The calendar of days the offer normally opens, from the first to the last of `dates`.

    `weekdays` (0 = Monday) defaults to the weekdays that occur in `dates`. A normal opening day that is not in
    `dates` (a holiday, a closed date, a day without registrations) is a gap: `daily_unique` reindexes onto
    this calendar so the missing day is NaN and matplotlib breaks the line there instead of drawing across it.
    """
    days = pd.DatetimeIndex(pd.to_datetime(pd.Series(dates)).dt.normalize().unique()).sort_values()
    if days.empty:
        return days
    wanted = set(weekdays) if weekdays is not None else set(days.weekday)
    calendar = pd.date_range(days[0], days[-1], freq="D")
    return calendar[calendar.weekday.isin(sorted(wanted))]


def daily_unique(
    daily: pd.DataFrame,
    offer_ids: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    *,
    value: str = "unique",
    opening_days_only: bool = True,
    ylabel: str = "Unikke borgere pr. dag",
    show_mean: bool = True,
):
    """Unique citizens per day over the period, one line per offer, with each offer's mean (dashed).

    Input: `daily_kpis` (`offer_id, date, opening_day` and `value`; value="peak" draws the daily peak).
    Only opening days by default — the KPIs are per opening day; registrations on closed days (trips) would
    otherwise show as dips and spikes that aren't ordinary days. The line breaks where a day the offer
    normally opens on has no opening day (a public holiday such as Easter, a closed date): such days are
    shaded grey, so the reader sees the gap rather than a line drawn across it. The legend sits below the
    plot, where it cannot cover a line.
    """
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    _require(daily, ["offer_id", "date", value], "daily_unique")
    labels = dict(labels or {})
    offers = _offer_order(daily, offer_ids)
    rows = daily
    if opening_days_only and "opening_day" in rows.columns:
        rows = rows[rows["opening_day"].astype(bool)]
    fig, ax = plt.subplots(figsize=(8.5, 3.8))
    handles = []
    closed: set[pd.Timestamp] | None = None
    for i, offer in enumerate(offers):
        series = rows[rows["offer_id"] == offer].copy()
        if series.empty:
            continue
        series["date"] = pd.to_datetime(series["date"]).dt.normalize()
        series = series.groupby("date")[value].sum(min_count=1).sort_index()
        calendar = opening_day_runs(series.index)
        missing = set(calendar.difference(series.index))
        closed = missing if closed is None else closed & missing  # shade a day only when every offer is shut
        series = series.reindex(calendar)
        color = PALETTE[i % len(PALETTE)]
        (line,) = ax.plot(
            series.index,
            series.to_numpy(dtype=float),
            marker="o",
            ms=3,
            lw=1.2,
            color=color,
            label=labels.get(offer, offer),
        )
        handles.append(line)
        if show_mean:
            mean = float(series.mean())
            ax.axhline(mean, color=color, lw=1, ls="--", alpha=0.8)
            ax.annotate(
                f"gns. {fmt_number(mean)}",
                (1, mean),
                xycoords=("axes fraction", "data"),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
                color=color,
            )
    for day in sorted(closed or ()):
        ax.axvspan(
            day - pd.Timedelta(hours=12), day + pd.Timedelta(hours=12), color="#e3e3e3", lw=0, zorder=0
        )
    if closed:
        handles.append(Patch(color="#e3e3e3", label="Lukket (helligdag eller lukkedag)"))
    ax.xaxis.set_major_locator(mdates.WeekdayLocator(byweekday=mdates.MO, interval=2))
    ax.xaxis.set_major_formatter(danish_date_formatter())
    ax.set_ylim(bottom=0)
    ax.set_ylabel(ylabel)
    ax.set_xlabel("Dato")
    ax.yaxis.set_major_formatter(danish_formatter(0))
    if len(handles) > 1:
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.2),
            ncol=len(handles),
            fontsize=9,
        )
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------------------------
# Alt text for figures shown without report.show_figure (plain matplotlib output in analyst notebooks)
# --------------------------------------------------------------------------------------------------------
