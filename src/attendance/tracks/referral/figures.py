"""Spor 1's figures: referred vs. active per offer, the roster against the staff needed per slot, and the
budget per active citizen.

Why a module of its own: matplotlib is imported lazily inside each function, and the figures only read the
tables of `compute`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from attendance import reporting as rp

STATUS_COLOURS = {"over": "#5b9a68", "under": "#c44e52"}


def plot_referred_active(overview: pd.DataFrame):
    """One panel per offer: referred, active, unique per opening day and highest concurrent as bars, with the
    approved places (where the offer has any) as a dashed line — the gap the budget is built on."""
    import matplotlib.pyplot as plt

    labels = ["Visiterede", "Aktive", "Unikke pr.\nåbningsdag (gns.)", "Højeste\nsamtidige"]
    columns = ["referred", "active", "unique_per_day_mean", "peak_concurrent_max"]
    top = float(np.nanmax(overview[columns + ["approved_places"]].to_numpy(dtype=float))) * 1.15
    fig, axes = plt.subplots(1, len(overview), figsize=(4.2 * len(overview), 3.6), squeeze=False, sharey=True)
    for ax, (_, row) in zip(axes[0], overview.iterrows(), strict=True):
        values = row[columns].to_numpy(dtype=float)
        bars = ax.bar(
            range(len(values)), values, color=[rp.PALETTE[0], rp.PALETTE[0], rp.PALETTE[2], rp.PALETTE[2]]
        )
        for bar, value in zip(bars, values, strict=True):
            decimals = 0 if float(value).is_integer() else 1
            ax.annotate(
                rp.fmt_number(value, decimals),
                (bar.get_x() + bar.get_width() / 2, value),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                fontsize=9,
            )
        if np.isfinite(row["approved_places"]):
            ax.axhline(row["approved_places"], color=rp.PALETTE[1], linestyle="--", linewidth=1.4)
            ax.annotate(
                f"Godkendte pladser: {rp.fmt_int(row['approved_places'])}",
                (len(values) - 0.5, row["approved_places"]),
                xytext=(0, 4),
                textcoords="offset points",
                ha="right",
                color=rp.PALETTE[1],
                fontsize=9,
            )
        ax.set_xticks(range(len(values)), labels, fontsize=9)
        ax.set_title(str(row["name"]))
        ax.set_ylim(0, top)
        ax.grid(axis="x", visible=False)
        rp.use_danish_axes(ax, x=False)
    axes[0][0].set_ylabel("Borgere")
    fig.tight_layout()
    return fig


def plot_roster_vs_need(slots: pd.DataFrame, names: Mapping[str, str]):
    """Staff on duty in the roster vs. staff needed, per slot, one panel per offer × weekday.

    Steps over the day (time on the x axis); green where more are rostered than needed, red where fewer.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    offers_ = sorted(slots["offer_id"].unique())
    weekdays = sorted(slots["weekday"].unique())
    fig, axes = plt.subplots(
        len(offers_),
        len(weekdays),
        figsize=(2.25 * len(weekdays) + 0.6, 2.5 * len(offers_) + 0.7),
        squeeze=False,
        sharex=True,
        sharey="row",
    )
    first_hour = int(slots["slot_minute"].min() // 60)
    last_hour = int(-(-slots["slot_end_minute"].max() // 60))
    for r, offer_id in enumerate(offers_):
        own = slots[slots["offer_id"] == offer_id]
        top = max(float(own["staff_needed"].max()), float(own["staff_roster"].max())) + 1
        for c, weekday in enumerate(weekdays):
            ax = axes[r][c]
            day = own[own["weekday"] == weekday].sort_values("slot_minute")
            if day.empty:
                ax.text(0.5, 0.5, "lukket", transform=ax.transAxes, ha="center", va="center", color="#6f6f6f")
            else:
                edges = np.append(day["slot_minute"].to_numpy(), day["slot_end_minute"].iloc[-1]) / 60.0
                need = np.append(day["staff_needed"].to_numpy(dtype=float), day["staff_needed"].iloc[-1])
                roster = np.append(day["staff_roster"].to_numpy(dtype=float), day["staff_roster"].iloc[-1])
                ax.fill_between(
                    edges,
                    need,
                    roster,
                    where=roster > need,
                    step="post",
                    color=STATUS_COLOURS["over"],
                    alpha=0.25,
                    linewidth=0,
                )
                ax.fill_between(
                    edges,
                    need,
                    roster,
                    where=roster < need,
                    step="post",
                    color=STATUS_COLOURS["under"],
                    alpha=0.35,
                    linewidth=0,
                )
                # the roster drawn wide underneath, so it stays visible where the need equals it
                ax.step(edges, roster, where="post", color=rp.PALETTE[0], linewidth=3.2, alpha=0.8)
                ax.step(edges, need, where="post", color=rp.PALETTE[1], linewidth=1.6)
            ax.set_ylim(0, top)
            ax.set_xlim(first_hour, last_hour)
            ax.set_yticks(range(0, int(top) + 1))
            ticks = list(range(first_hour + first_hour % 2, last_hour + 1, 2))
            ax.set_xticks(ticks, [rp.fmt_time(h * 60) for h in ticks], fontsize=8)
            if r == 0:
                ax.set_title(rp.weekday_name(weekday), loc="center", fontsize=10)
            if c == 0:
                ax.set_ylabel(f"{names.get(offer_id, offer_id)}\nmedarbejdere på vagt")
    legend = [
        plt.Line2D([], [], color=rp.PALETTE[0], linewidth=3.2, alpha=0.8, label="Vagtplan i dag"),
        plt.Line2D([], [], color=rp.PALETTE[1], linewidth=1.6, label="Behov efter fremmødet"),
        Patch(color=STATUS_COLOURS["over"], alpha=0.25, label="Flere på vagt end behovet"),
        Patch(color=STATUS_COLOURS["under"], alpha=0.35, label="Færre på vagt end behovet"),
    ]
    fig.legend(handles=legend, loc="lower center", ncol=4, fontsize=9, bbox_to_anchor=(0.5, 0.0))
    fig.supxlabel("Tidspunkt på dagen", y=0.06, fontsize=10)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def plot_budget_per_active(budget: pd.DataFrame, followup: pd.DataFrame):
    """Annual budget per active citizen: today, at matched staffing, and at matched staffing with goal
    follow-up — horizontal bars per offer with the amounts written after the bars (no overlapping labels)."""
    import matplotlib.pyplot as plt

    merged = budget.merge(followup[["offer_id", "budget_with_followup_per_active_dkk"]], on="offer_id")
    series = [
        ("I dag", "budget_per_active_dkk", rp.PALETTE[5]),
        ("Normering tilpasset fremmødet", "budget_matched_per_active_dkk", rp.PALETTE[0]),
        ("Tilpasset normering + opfølgning på mål", "budget_with_followup_per_active_dkk", rp.PALETTE[1]),
    ]
    height = 0.26
    fig, ax = plt.subplots(figsize=(8.0, 1.0 + 1.1 * len(merged)))
    y = np.arange(len(merged))
    for i, (label, column, colour) in enumerate(series):
        values = merged[column].to_numpy(dtype=float)
        bars = ax.barh(y + (i - 1) * height, values, height, label=label, color=colour)
        for bar, value in zip(bars, values, strict=True):
            if np.isfinite(value):
                ax.annotate(
                    rp.fmt_dkk_rounded(value, approx=False),  # rounded for reviewers
                    (value, bar.get_y() + bar.get_height() / 2),
                    xytext=(4, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=8.5,
                )
    ax.set_yticks(y, merged["name"])
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    ax.xaxis.set_major_formatter(rp.danish_formatter(0))
    ax.set_xlabel("Kroner pr. aktiv borger pr. år")
    top = float(np.nanmax(merged[[c for _, c, _ in series]].to_numpy(dtype=float)))
    ax.set_xlim(0, top * 1.22 if np.isfinite(top) and top > 0 else 1)
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=9, bbox_to_anchor=(0.5, 0.0))
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    return fig
