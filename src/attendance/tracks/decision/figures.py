"""The decision basis's figure (report 20): the tornado of each model's cost under one-at-a-time changes of
the assumptions. matplotlib is imported in the function (a report that draws nothing does not load it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from attendance.reporting import PALETTE, use_danish_axes

from .compute import Analysis
from .tables import SENSITIVITY_LABELS_DA, value_text


def plot_tornado(
    table: pd.DataFrame,
    model_names: Mapping[str, str],
    fmt_value,
    palette: Sequence[str],
    use_danish_axes=None,
):
    """One panel per model: the total cost at each assumption's low and high value around the base cost."""
    import matplotlib.pyplot as plt

    models = list(dict.fromkeys(table["model"]))
    n_params = table["parameter"].nunique()
    fig, axes = plt.subplots(
        len(models), 1, figsize=(8, 0.55 * n_params * len(models) + 1.2 * len(models)), squeeze=False
    )
    lo = min(table["cost_low_dkk"].min(), table["cost_high_dkk"].min()) / 1e6
    hi = max(table["cost_low_dkk"].max(), table["cost_high_dkk"].max()) / 1e6
    pad = (hi - lo) * 0.08 or 0.1
    for ax, model in zip(axes[:, 0], models, strict=True):
        own = table[table["model"] == model].iloc[::-1]
        base = float(own["base_cost_dkk"].iloc[0]) / 1e6
        y = np.arange(len(own))
        for i, row in enumerate(own.to_dict("records")):
            for end, colour in (("low", palette[0]), ("high", palette[1])):
                value = row[f"cost_{end}_dkk"] / 1e6
                ax.barh(i, value - base, left=base, color=colour, height=0.6)
        labels = [
            f"{SENSITIVITY_LABELS_DA[p]}: {fmt_value(p, lo_v)} / {fmt_value(p, hi_v)}"
            for p, lo_v, hi_v in zip(own["parameter"], own["low_value"], own["high_value"], strict=True)
        ]
        ax.set_yticks(y, labels)
        ax.axvline(base, color="#333333", linewidth=1)
        ax.set_xlim(lo - pad, hi + pad)
        ax.set_title(
            f"{model_names[model]} (grundberegning {fmt_value('mio', base)})", loc="left", fontsize=10
        )
        ax.set_xlabel("Samlet udgift pr. år, mio. kr.")
        if use_danish_axes is not None:
            use_danish_axes(ax, y=False, decimals=2)
    from matplotlib.patches import Patch

    axes[0, 0].legend(
        handles=[Patch(color=palette[0], label="lav værdi"), Patch(color=palette[1], label="høj værdi")],
        loc="lower right",
        fontsize=8,
        frameon=False,
    )
    fig.tight_layout()
    return fig


def tornado(analysis: Analysis):
    """`plot_tornado` of the report's sensitivity with its palette, Danish axes and `value_text` labels."""
    return plot_tornado(analysis.sensitivity, analysis.model_names, value_text, PALETTE, use_danish_axes)
