"""Spor 3's figures (report 13): when the possible target group is present in the workshop day.

Why apart from `tables`: figures need matplotlib (imported lazily, in the functions) and describe only offers
whose target group is large enough to be shown (`tables.shown_offers`); the numbers come from
`compute.presence_by_slot`, the drawing from `reporting.figures` (the hillmaker-style heat map and hills).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from attendance.reporting import figures as fg


def presence_heatmap(presence: pd.DataFrame, shown: Sequence[str], labels: Mapping[str, str]):
    """Mean number of the target group present per weekday × workshop slot, one panel per shown offer; the
    colour bars count whole citizens, without repeated tick labels."""
    from matplotlib.ticker import MaxNLocator

    rows = presence[presence["offer_id"].isin(shown)].rename(columns={"open_today": "open_slot"})
    fig = fg.occupancy_heatmap(
        rows, shown, labels, value="mean", measure=None, colorbar_label="Gns. antal fra målgruppen til stede"
    )
    for cax in fig.axes[len(shown) :]:  # colour bars: whole citizens, no repeated tick labels
        cax.yaxis.set_major_locator(MaxNLocator(integer=True))
    return fig


def presence_hills(presence: pd.DataFrame, offer_id: str, label: str, quantile: float):
    """Hillmaker's hills for one offer's target group: mean present (line), the planning `quantile`
    (dashed) and the middle half of the days (band) per slot and weekday."""
    upper = f"p{round(quantile * 100)}"
    hills = presence.rename(columns={"quantile": upper, "days": "count", "open_today": "open_slot"})
    return fg.occupancy_hills(hills, offer_id, label, upper=upper, ylabel="Fra målgruppen til stede")
