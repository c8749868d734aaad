"""Spor 2's figures: the opening-hours rule per slot, and expected peaks and staffing per scenario.

Why a module of its own: matplotlib is imported lazily inside each function, so computing spor 2 (e.g. in the
decision report) does not pay for drawing it; the figures only read the tables of `compute`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import numpy as np
import pandas as pd

from attendance.reporting import PALETTE, fmt_number, slot_words, use_danish_axes, weekday_name

from .compute import rule_description
from .scenarios import HOURS_RECOMMENDED, HOURS_TODAY
from .tables import HOURS_LABELS_DA, places_line_text, scenario_label


def plot_opening_hours(slots: pd.DataFrame, offer_id: str, *, threshold: float, measure_label: str):
    """One panel per weekday: the rule's measure per slot of today's hours, recommended slots dark, the
    threshold as a dashed line — so a reader sees why each slot is kept or dropped."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    own = slots[slots["offer_id"] == offer_id]
    weekdays = sorted(own["weekday"].unique())
    fig, axes = plt.subplots(1, len(weekdays), figsize=(10, 3.6), sharey=True, squeeze=False)
    top = max(float(own["measure"].max()), float(threshold)) * 1.12
    first, last = int(own["slot_minute"].min()), int(own["slot_end_minute"].max())
    for ax, weekday in zip(axes[0], weekdays, strict=True):
        day = own[own["weekday"] == weekday]
        colors = np.where(day["recommended"], PALETTE[0], "#c9d3df")
        centres = (day["slot_minute"] + day["slot_end_minute"]) / 2.0 / 60.0
        widths = (day["slot_end_minute"] - day["slot_minute"]) / 60.0 * 0.9
        ax.bar(centres, day["measure"], width=widths, color=colors)
        ax.axhline(threshold, color=PALETTE[1], linestyle="--", linewidth=1.2)
        ax.set_title(weekday_name(weekday).capitalize(), loc="center")
        ax.set_xlim(first / 60.0, last / 60.0)
        ticks = np.arange(np.ceil(first / 60.0), np.floor(last / 60.0) + 1, 2)
        ax.set_xticks(ticks, [f"{int(t):02d}" for t in ticks])
        ax.set_ylim(0, top)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(axis="x", visible=False)
        ax.set_xlabel("Klokken")
        use_danish_axes(ax, x=False)
    axes[0][0].set_ylabel(measure_label)
    handles = [
        Patch(color=PALETTE[0], label="Anbefalet åben"),
        Patch(color="#c9d3df", label="Åben i dag, foreslås lukket"),
        plt.Line2D([], [], color=PALETTE[1], linestyle="--", label=f"Tærskel ({fmt_number(threshold, 1)})"),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=3, bbox_to_anchor=(0.5, -0.08))
    fig.tight_layout()
    return fig


def plot_scenario_peaks(table: pd.DataFrame, offer_names: Mapping[str, str]):
    """Expected daily peak with its interval per scenario, today's vs the recommended hours, one panel per
    offer, with the approved places as a line where the offer has them."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    offers = sorted(table["offer_id"].unique())
    fig, axes = plt.subplots(1, len(offers), figsize=(10, 3.8), squeeze=False)
    offsets = {HOURS_TODAY: -0.17, HOURS_RECOMMENDED: 0.17}
    colors = {HOURS_TODAY: "#8fa9c4", HOURS_RECOMMENDED: PALETTE[0]}
    for ax, offer_id in zip(axes[0], offers, strict=True):
        own = table[table["offer_id"] == offer_id]
        uplifts = sorted(own["uplift"].unique())
        x = np.arange(len(uplifts))
        for hours, offset in offsets.items():
            rows = own[own["hours"] == hours].set_index("uplift").loc[uplifts]
            lower = rows["peak_mean"] - rows["peak_lower"]
            upper = rows["peak_upper"] - rows["peak_mean"]
            ax.errorbar(
                x + offset,
                rows["peak_mean"],
                yerr=[lower, upper],
                fmt="o",
                color=colors[hours],
                capsize=4,
                label=HOURS_LABELS_DA[hours],
            )
        places = own["approved_places"].dropna()
        if len(places):
            ax.axhline(float(places.iloc[0]), color=PALETTE[4], linestyle="--", linewidth=1.2)
            ax.annotate(
                f"Godkendte pladser ({fmt_number(float(places.iloc[0]), 0)})",
                (x[0] - 0.4, float(places.iloc[0])),
                xytext=(0, 4),
                textcoords="offset points",
                color=PALETTE[4],
                fontsize=9,
            )
        ax.set_xticks(x, [scenario_label(u) for u in uplifts])
        ax.set_xlim(-0.5, len(uplifts) - 0.5)
        ax.set_title(offer_names.get(offer_id, offer_id))
        ax.set_xlabel("Ændring i efterspørgsel")
        top = max(float(own["peak_upper"].max()), float(places.max()) if len(places) else 0.0)
        ax.set_ylim(bottom=0, top=top * 1.15)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        use_danish_axes(ax, x=False, decimals=0)
    axes[0][0].set_ylabel("Højeste antal til stede samtidig pr. dag")
    _legend_below(fig, axes[0][0])
    return fig


def plot_scenario_staffing(table: pd.DataFrame, offer_names: Mapping[str, str]):
    """Staff-hours per week needed per scenario, today's vs the recommended hours, one panel per offer."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    offers = sorted(table["offer_id"].unique())
    fig, axes = plt.subplots(1, len(offers), figsize=(10, 3.6), squeeze=False)
    colors = {HOURS_TODAY: "#8fa9c4", HOURS_RECOMMENDED: PALETTE[0]}
    for ax, offer_id in zip(axes[0], offers, strict=True):
        own = table[table["offer_id"] == offer_id]
        uplifts = sorted(own["uplift"].unique())
        x = np.arange(len(uplifts))
        for i, hours in enumerate((HOURS_TODAY, HOURS_RECOMMENDED)):
            rows = own[own["hours"] == hours].set_index("uplift").loc[uplifts]
            bars = ax.bar(
                x + (i - 0.5) * 0.38,
                rows["staff_hours_week_needed"],
                width=0.36,
                color=colors[hours],
                label=HOURS_LABELS_DA[hours],
            )
            ax.bar_label(bars, labels=[fmt_number(v, 1) for v in rows["staff_hours_week_needed"]], fontsize=8)
        ax.set_xticks(x, [scenario_label(u) for u in uplifts])
        ax.set_title(offer_names.get(offer_id, offer_id))
        ax.set_xlabel("Ændring i efterspørgsel")
        ax.set_ylim(0, float(own["staff_hours_week_needed"].max()) * 1.18)
        ax.grid(axis="x", visible=False)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        use_danish_axes(ax, x=False, decimals=0)
    axes[0][0].set_ylabel("Personaletimer pr. uge")
    _legend_below(fig, axes[0][0])
    return fig


def _legend_below(fig, ax) -> None:
    """One legend for the whole figure, centred under the panels, where it cannot cover a bar or a point."""
    handles, labels = ax.get_legend_handles_labels()
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    fig.legend(handles, labels, loc="lower center", ncol=len(handles), bbox_to_anchor=(0.5, 0.0), fontsize=9)


# ------------------------------------------------------------------------------------ captions for the report


def heatmap_caption(bin_minutes: int, period: str) -> str:
    """Caption of the heatmap of today's demand by weekday and slot (`reporting.figures.occupancy_heatmap`)."""
    slot = slot_words(bin_minutes)
    return (
        f"Gennemsnitligt antal borgere til stede pr. ugedag og {slot['per']} i den nuværende åbningstid, "
        f"{period}. Læs: jo mørkere feltet er, jo flere er til stede; lyse felter "
        f"i dagens yderkanter er {slot['plural']} med få borgere."
    )


def heatmap_alt(bin_minutes: int, offers_text: str) -> str:
    return (
        f"Varmekort over gennemsnitligt antal borgere til stede pr. ugedag og {slot_words(bin_minutes)['per']} "
        f"for {offers_text}"
    )


def opening_hours_figures(
    slots: pd.DataFrame,
    offer_ids: Sequence[str],
    names: Mapping[str, str],
    *,
    spor2: Mapping,
    bin_minutes: int,
) -> Iterator[tuple[str, object, str, str]]:
    """Per offer, drawn one at a time: (name, `plot_opening_hours` figure, caption, alt text), for the rule
    and threshold of the `spor2` parameters."""
    rule, threshold = spor2["opening_rule"], float(spor2["opening_threshold"])
    slot = slot_words(bin_minutes)
    measure_label = "Gns. antal til stede" if rule == "mean_occupancy" else "Antal til stede"
    for o in offer_ids:
        caption = (
            f"{names[o]}: {rule_description(rule)} pr. {slot['per']} og ugedag i den "
            f"nuværende åbningstid. Mørke søjler er den anbefalede åbningstid, lyse søjler foreslås lukket; den "
            f"stiplede linje er tærsklen på {fmt_number(threshold)}. Læs: lyse søjler er de {slot['plural']}, "
            "hvor der i dag er så få borgere, at de foreslås lukket; uden lyse søjler bevares dagens åbningstid."
        )
        alt = (
            f"Søjlediagram for {names[o]} med fremmøde pr. {slot['per']} for hver ugedag og markering af anbefalet "
            "åbningstid"
        )
        yield (
            names[o],
            plot_opening_hours(slots, o, threshold=threshold, measure_label=measure_label),
            caption,
            alt,
        )


def scenario_peaks_caption(offers: Mapping, names: Mapping[str, str], level_text: str) -> str:
    return (
        f"Forventet dagsmaksimum (punkt) med {level_text}-interval (streg) pr. scenarie, med den nuværende "
        "og den anbefalede åbningstid. " + places_line_text(offers, names)
    )


def scenario_staffing_caption(bin_minutes: int) -> str:
    return (
        "Personaletimer pr. uge, som efterspørgslen kræver i åbningstiden, pr. scenarie med den nuværende og "
        "den anbefalede åbningstid. Læs: behovet følger efterspørgslen trinvis, fordi der regnes i hele "
        f"medarbejdere pr. {slot_words(bin_minutes)['per']}."
    )
