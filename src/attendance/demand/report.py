"""The analyst demand report's (notebooks/02_demand.ipynb) figures and formatted tables: occupancy heat map,
stay lengths and arrival profile, model diagnostics, predicted against observed occupancy, Monte Carlo error,
held-out validation and staffing against the roster.

Why a module of its own: these views show the demand stage's own tables and fitted models (residuals and
dispersion need the `ArrivalModel`), so they sit beside the demand code rather than in `reporting`, which the
report notebooks share and which knows nothing of the model; the notebook only calls them. Each figure
function draws with Danish labels and returns the matplotlib `Figure`; offers are drawn in the order of
`offer_names` ({offer_id: name}).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from attendance.reporting.formats import fmt_date_range, fmt_int, fmt_number, fmt_pct
from attendance.reporting.glossary import join_da
from attendance.reporting.plotting import danish_formatter, setup_matplotlib

from .model import ArrivalModel
from .staffing import WEEKDAY_NAMES_DA

WEEKDAYS = WEEKDAY_NAMES_DA
# the columns of `daily_prediction` and `economy` the report shows (the tables hold more)
DAILY_PREDICTION_SHOWN = [
    "offer_id",
    "weekday",
    "simulated_days",
    "arrivals_mean",
    "unique_mean",
    "unique_lower",
    "unique_upper",
    "peak_mean",
    "peak_lower",
    "peak_upper",
    "unique_mean_se",
    "peak_mean_se",
]
ECONOMY_SHOWN = [
    "offer_id",
    "budget_period_dkk",
    "cost_per_visit_dkk",
    "cost_per_active_citizen_dkk",
    "cost_per_opening_hour_dkk",
    "fte_needed",
    "staff_budget_needed_dkk",
    "staff_budget_roster_dkk",
]


def setup_figures() -> None:
    """seaborn's white grid, then the reports' look (Danish numbers and an alt text on every figure shown)."""
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook")
    setup_matplotlib()


def dataset_text(offers: Mapping, n_visits: int, offer_names: Mapping[str, str]) -> str:
    """One line on the data: dataset name, real or synthetic, period, number of visits and the offers."""
    dataset = offers["_dataset"]
    return (
        f"Datasæt: {dataset['name']} ({'syntetiske data' if dataset.get('synthetic') else 'rigtige data'}), "
        f"periode {fmt_date_range(dataset['period_start'], dataset['period_end'])}; {fmt_int(n_visits)} besøg, "
        f"tilbud: {join_da(list(offer_names.values()))}."
    )


def occupancy_heatmap(occ: pd.DataFrame, offer_names: Mapping[str, str]) -> Any:
    """Mean occupancy per weekday × slot on opening days, one heat map per offer (`occ`: the open occupancy
    rows of `occupancy_summary`)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    offer_ids = list(offer_names)
    fig, axes = plt.subplots(1, len(offer_ids), figsize=(6.5 * len(offer_ids), 4.2), squeeze=False)
    for ax, offer_id in zip(axes[0], offer_ids, strict=True):
        table = occ[occ["offer_id"] == offer_id].pivot(index="weekday", columns="slot", values="mean")
        table.index = [WEEKDAYS[i] for i in table.index]
        sns.heatmap(table, ax=ax, cmap="Blues", annot=False, cbar_kws={"label": "Gns. samtidigt fremmødte"})
        ax.set_title(offer_names[offer_id])
        ax.set_xlabel("Tidsrum")
        ax.set_ylabel("Ugedag")
        ax.tick_params(axis="y", labelrotation=0)  # weekday names side by side, not on top of each other
    fig.suptitle("Gennemsnitligt samtidigt fremmøde pr. ugedag og tidsrum (åbningsdage)")
    fig.tight_layout()
    return fig


def stays_and_arrivals(
    stay_lengths: pd.DataFrame, arrival_profile: pd.DataFrame, offer_names: Mapping[str, str]
) -> Any:
    """Histogram of stay lengths (hours) and the mean arrival profile over all weekdays, per offer."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
    stay_named = stay_lengths.assign(Tilbud=stay_lengths["offer_id"].map(offer_names))
    sns.histplot(
        stay_named, x=stay_named["stay_minutes"] / 60, hue="Tilbud", bins=24, ax=axes[0], element="step"
    )
    axes[0].set_xlabel("Opholdstid (timer)")
    axes[0].set_ylabel("Antal besøg")
    axes[0].set_title("Opholdstider")
    profile_named = arrival_profile.assign(Tilbud=arrival_profile["offer_id"].map(offer_names))
    sns.lineplot(
        profile_named[profile_named["arrivals"] > 0],
        x="slot",
        y="arrivals_mean",
        hue="Tilbud",
        ax=axes[1],
        errorbar=None,
    )
    axes[1].set_xlabel("Tidsrum")
    axes[1].set_ylabel("Gns. ankomster pr. tidsrum")
    axes[1].set_title("Ankomstprofil (alle ugedage)")
    axes[1].tick_params(axis="x", rotation=90)
    fig.tight_layout()
    return fig


def model_diagnostics(models: Mapping[str, ArrivalModel], offer_names: Mapping[str, str]) -> Any:
    """Per offer: Pearson residuals against fitted arrivals, and variance against mean of arrivals per
    weekday × slot with the Poisson line and (for NB2) the fitted curve."""
    import matplotlib.pyplot as plt

    offer_ids = list(offer_names)
    fig, axes = plt.subplots(2, len(offer_ids), figsize=(6 * len(offer_ids), 7.5), squeeze=False)
    for col, (offer_id, model) in enumerate(models.items()):
        if model.result is None:
            continue
        fitted = np.asarray(model.result.fittedvalues)
        resid = np.asarray(model.result.resid_pearson)
        ax = axes[0, col]
        ax.scatter(fitted, resid, s=8, alpha=0.4)
        ax.axhline(0, color="black", lw=0.8)
        ax.set_xlabel("Forventede ankomster pr. tidsrum")
        ax.set_ylabel("Pearson-residual")
        ax.set_title(
            f"{offer_names[offer_id]}: residualer "
            f"({'negativ binomial' if model.family != 'poisson' else 'Poisson'})"
        )
        # dispersion: variance vs mean of arrivals per weekday × slot, Poisson line and the fitted NB curve
        own = model.counts.groupby(["weekday", "slot_minute"])["arrivals"]
        prof = pd.DataFrame({"arrivals_mean": own.mean(), "arrivals_var": own.var()})
        ax = axes[1, col]
        ax.scatter(prof["arrivals_mean"], prof["arrivals_var"], s=12, label="ugedag × tidsrum")
        grid_mu = np.linspace(0, max(prof["arrivals_mean"].max(), 0.1), 50)
        ax.plot(grid_mu, grid_mu, color="black", lw=1, label="Poisson: varians = middel")
        if model.alpha > 0:
            ax.plot(
                grid_mu,
                grid_mu + model.alpha * grid_mu**2,
                color="C3",
                lw=1,
                label=f"NB2, α = {fmt_number(model.alpha, 2)}",
            )
        ax.set_xlabel("Gns. ankomster")
        ax.set_ylabel("Varians af ankomster")
        ax.set_title("Overspredning (ugedag × tidsrum)")
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def prediction_vs_observed(compare: pd.DataFrame, offer_names: Mapping[str, str], level: float) -> Any:
    """Predicted mean and `level` interval of slot occupancy against the observed mean, one panel per offer ×
    open weekday (`compare`: `outputs.prediction_vs_observed`)."""
    import matplotlib.pyplot as plt

    offer_ids = list(offer_names)
    weekdays_open = {o: sorted(compare.loc[compare["offer_id"] == o, "weekday"].unique()) for o in offer_ids}
    ncols = max(len(w) for w in weekdays_open.values())
    fig, axes = plt.subplots(
        len(offer_ids), ncols, figsize=(2.8 * ncols, 2.8 * len(offer_ids)), squeeze=False, sharex=True
    )
    for row, offer_id in enumerate(offer_ids):
        for col in range(ncols):
            ax = axes[row, col]
            if col >= len(weekdays_open[offer_id]):
                ax.set_visible(False)
                continue
            weekday = weekdays_open[offer_id][col]
            data = compare[(compare["offer_id"] == offer_id) & (compare["weekday"] == weekday)]
            hours = (data["slot_minute"] + data["slot_end_minute"]) / 120  # slot midpoints
            ax.fill_between(
                hours,
                data["occupancy_lower"],
                data["occupancy_upper"],
                step="mid",
                alpha=0.25,
                color="C0",
                label=f"{level:.0%}-interval",
            )
            ax.plot(hours, data["occupancy_mean"], color="C0", label="Model, middel")
            ax.plot(hours, data["observed_mean"], "o", ms=3, color="C3", label="Observeret gennemsnit")
            ax.set_title(f"{offer_names[offer_id]} – {WEEKDAYS[weekday]}", fontsize=10)
            ax.set_xlabel("Klokkeslæt")
            ax.set_ylabel("Samtidigt fremmødte" if col == 0 else "")
    axes[0, 0].legend(fontsize=7)
    fig.suptitle("Forudsagt og observeret samtidigt fremmøde pr. tidsrum")
    fig.tight_layout()
    return fig


def monte_carlo_text(monte_carlo: Mapping[str, Mapping], n_days: int) -> str:
    """The largest Monte Carlo errors over offers and weekdays (`model.monte_carlo_metrics`) in Danish."""
    mc = monte_carlo
    return (
        f"Med {fmt_int(n_days)} simulerede dage pr. ugedag er Monte Carlo-fejlen (standardfejl) på det gennemsnitlige "
        f"dagsmaksimum højst ±{fmt_number(max(v['mc_se_peak_mean'] for v in mc.values()), 2)} og på gennemsnittet af "
        f"unikke borgere pr. dag højst ±{fmt_number(max(v['mc_se_unique_mean'] for v in mc.values()), 2)} borger "
        "(største over tilbud og ugedage): et andet seed flytter typisk gennemsnittene mindre end 0,1, den sidste decimal, "
        "rapporterne viser. Den øvre grænse for dagsmaksimum "
        f"ligger med 95 % sikkerhed inden for ±{fmt_number(max(v['mc_peak_upper_halfwidth'] for v in mc.values()), 1)} "
        "borger af den beregnede. Flere dage (`demand.simulated_days`) giver mindre fejl: fejlen falder med √n."
    )


def monte_carlo_table(
    daily_prediction: pd.DataFrame, offer_names: Mapping[str, str], level: float
) -> pd.DataFrame:
    """The simulated daily peak and unique citizens per offer × weekday with their Monte Carlo error, formatted
    (Danish headers and numbers)."""
    return pd.DataFrame(
        {
            "Tilbud": daily_prediction["offer_id"].map(offer_names),
            "Ugedag": daily_prediction["weekday"].map(lambda d: WEEKDAYS[d]),
            "Dagsmaks., gns.": daily_prediction["peak_mean"].map(lambda v: fmt_number(v, 2)),
            "± standardfejl": daily_prediction["peak_mean_se"].map(lambda v: fmt_number(v, 3)),
            f"Øvre grænse ({fmt_pct(level, 0)}-interval)": daily_prediction["peak_upper"].map(
                lambda v: fmt_number(v, 0)
            ),
            "95 %-interval for øvre grænse": [
                fmt_number(a, 0) if a == b else f"{fmt_number(a, 0)}–{fmt_number(b, 0)}"
                for a, b in zip(
                    daily_prediction["peak_upper_mc_lower"],
                    daily_prediction["peak_upper_mc_upper"],
                    strict=True,
                )
            ],
            "Unikke, gns.": daily_prediction["unique_mean"].map(lambda v: fmt_number(v, 2)),
            "± standardfejl (unikke)": daily_prediction["unique_mean_se"].map(lambda v: fmt_number(v, 3)),
        }
    )


def validation_figure(validation_table: pd.DataFrame, offer_names: Mapping[str, str], level: float) -> Any:
    """Coverage of the prediction intervals against the nominal level, and MAE of the model against the naive
    weekday × slot mean, in the held-out weeks."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
    cover = validation_table.melt(
        id_vars="offer_id",
        value_vars=["coverage_slot_occupancy", "coverage_unique_per_day"],
        var_name="mål",
        value_name="dækning",
    )
    cover["mål"] = cover["mål"].map(
        {
            "coverage_slot_occupancy": "Samtidigt fremmøde pr. tidsrum",
            "coverage_unique_per_day": "Unikke borgere pr. dag",
        }
    )
    cover["Tilbud"] = cover["offer_id"].map(offer_names)
    sns.barplot(cover, x="mål", y="dækning", hue="Tilbud", ax=axes[0])
    axes[0].axhline(level, color="black", ls="--", lw=1, label="nominelt niveau")
    axes[0].set_ylim(0, 1)
    axes[0].set_xlabel("")
    axes[0].set_ylabel("Dækningsgrad i testugerne")
    # legends below the bars, never on top of them
    axes[0].legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3)
    axes[0].yaxis.set_major_formatter(danish_formatter(percent=True, decimals=0))
    axes[0].set_title("Dækning af forudsigelsesintervaller")
    mae = validation_table.melt(
        id_vars="offer_id", value_vars=["mae_model", "mae_baseline"], var_name="model", value_name="MAE"
    )
    mae["model"] = mae["model"].map(
        {"mae_model": "Model (M_t/G/∞)", "mae_baseline": "Naiv (ugedag × tidsrum)"}
    )
    mae["offer_id"] = mae["offer_id"].map(offer_names)
    sns.barplot(mae, x="offer_id", y="MAE", hue="model", ax=axes[1])
    axes[1].legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)
    axes[1].set_xlabel("Tilbud")
    axes[1].set_ylabel("Gns. absolut fejl (borgere)")
    axes[1].set_title("Fejl i testugerne")
    fig.tight_layout()
    return fig


def staffing_figure(staffing_per_slot: pd.DataFrame, offer_names: Mapping[str, str]) -> Any:
    """Staff needed (from the predicted occupancy) and rostered per weekday × slot, one panel per offer."""
    import matplotlib.pyplot as plt

    offer_ids = list(offer_names)
    fig, axes = plt.subplots(len(offer_ids), 1, figsize=(12, 3.2 * len(offer_ids)), squeeze=False)
    for ax, offer_id in zip(axes[:, 0], offer_ids, strict=True):
        data = staffing_per_slot[staffing_per_slot["offer_id"] == offer_id].copy()
        data["x"] = data["weekday"].map(lambda d: WEEKDAYS[d][:3]) + " " + data["slot"]
        ax.step(range(len(data)), data["staff_needed"], where="mid", label="Behov (efter fremmøde)")
        ax.step(range(len(data)), data["staff_roster"], where="mid", label="Vagtplan")
        ticks = range(0, len(data), 4)
        ax.set_xticks(list(ticks), data["x"].iloc[list(ticks)], rotation=90, fontsize=7)
        ax.set_ylabel("Personale på vagt")
        ax.set_title(f"{offer_names[offer_id]}: behov og vagtplan pr. tidsrum")
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig
