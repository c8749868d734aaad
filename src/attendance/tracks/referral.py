"""Spor 1 — continuing the offers as referred § 104 offers: who is referred and who comes, how often,
staffing matched to attendance against the current roster, the budget per citizen, and what individual goal
follow-up (SMART goals, documentation — the inspection's critique) would cost.

Why a module of its own: the spor 1 report must stay a thin notebook, and every number it shows is arithmetic
a reviewer may question (which citizens count, which hours, which budget). Computing functions return English
columns; the `*_table` functions turn them into display tables with Danish headings for the report, and the
`plot_*` functions draw the report's figures. Budget, roster and cost figures in the demo are illustrative
assumptions (`assumptions_note` in offers.json); the arithmetic is what carries over to real data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from attendance import reporting as rp
from attendance.demand.kpis import USAGE_BANDS
from attendance.demand.model import ArrivalModel, predict_occupancy
from attendance.demand.staffing import budget_for_hours, compare_roster, period_days, staffing_need
from attendance.errors import InputError
from attendance.reporting import disclosure_tables as dt
from attendance.reporting import glossary
from attendance.reporting.figures import offer_labels

QUARTERS_PER_YEAR = 4
BAND_LABELS_DA = {band: glossary.usage_band(band) for band in ("0", "1–2", "3–9", "10+")}
HEADLINE_COLUMNS = [
    "referred",
    "active",
    "opening_days",
    "visits",
    "unique_per_day_mean",
    "unique_per_day_min",
    "unique_per_day_max",
    "peak_concurrent_max",
    "peak_concurrent_min",
]
STATUS_COLOURS = {"over": "#5b9a68", "under": "#c44e52"}


def _number(value) -> float:
    """A number from offers.json, NaN when missing (real data may lack a budget or approved places)."""
    try:
        return float(value) if value is not None else np.nan
    except (TypeError, ValueError):
        return np.nan


def fmt_hours(value) -> str:
    """Hours in Danish without a needless ",0": 70 -> "70", 39.5 -> "39,5" (staff-hours come in half hours)."""
    if value is None or pd.isna(value):
        return rp.MISSING
    rounded = round(float(value), 1)
    return rp.fmt_number(rounded, 0 if rounded.is_integer() else 1)


def _per(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator, NaN where the denominator is 0 or missing (no division by zero in a report)."""
    return (numerator / denominator.where(denominator > 0)).astype(float)


# --------------------------------------------------------------------------------------------------------
# Referred vs. active citizens, usage bands, visits per week
# --------------------------------------------------------------------------------------------------------


def referral_overview(headline: pd.DataFrame, bands: pd.DataFrame, offers: Mapping) -> pd.DataFrame:
    """One row per offer: referred, active and never-came citizens, visitors without a referral, approved
    places, and attendance (unique per opening day, highest concurrent, visits per week).

    `headline` is the demand stage's `headline_kpis` table, `bands` its `usage_bands` table (one row per
    citizen × offer). Visits per week = the period's visits on opening days ÷ the period's calendar weeks.
    Why referred per approved place: the budget follows the referrals, the building and staff the places.
    """
    out = headline[["offer_id", *HEADLINE_COLUMNS]].copy()
    out["name"] = out["offer_id"].map(offer_labels(offers))
    out["never_came"] = out["referred"] - out["active"]
    out["active_share"] = _per(out["active"], out["referred"])
    unreferred = bands[~bands["referred"].astype(bool) & (bands["visits"] > 0)]
    out["unreferred_visitors"] = (
        out["offer_id"].map(unreferred.groupby("offer_id").size()).fillna(0).astype(np.int64)
    )
    out["approved_places"] = out["offer_id"].map(
        {k: _number(offers[k].get("approved_places")) for k in out["offer_id"]}
    )
    out["referred_per_place"] = _per(out["referred"].astype(float), out["approved_places"])
    out["peak_share_of_places"] = _per(out["peak_concurrent_max"].astype(float), out["approved_places"])
    out["weeks"] = period_days(offers) / 7.0
    out["visits_per_week"] = out["visits"] / out["weeks"]
    columns = [
        "offer_id",
        "name",
        "referred",
        "active",
        "never_came",
        "active_share",
        "unreferred_visitors",
        "approved_places",
        "referred_per_place",
        "peak_share_of_places",
        *HEADLINE_COLUMNS[2:],
        "weeks",
        "visits_per_week",
    ]
    return out[columns].sort_values("offer_id", ignore_index=True)


def band_counts(bands: pd.DataFrame) -> pd.DataFrame:
    """Referred citizens per offer × usage band (every band, 0 where empty), their share of the referred and
    their mean visits per week. Visitors without a referral are left out: spor 1 is about the referred."""
    referred = bands[bands["referred"].astype(bool)].copy()
    referred["band"] = pd.Categorical(referred["band"].astype(str), categories=USAGE_BANDS, ordered=True)
    grouped = referred.groupby(["offer_id", "band"], observed=False)
    out = grouped.agg(citizens=("visits", "size"), visits_per_week_mean=("visits_per_week", "mean"))
    out = out.reset_index()
    out["citizens"] = out["citizens"].astype(np.int64)
    out["share"] = _per(out["citizens"], out.groupby("offer_id")["citizens"].transform("sum"))
    out["band"] = out["band"].astype(str)
    return out


def visits_per_week_summary(bands: pd.DataFrame) -> pd.DataFrame:
    """Per offer, over referred citizens who came at least once: how many, and their visits per week (mean,
    quartiles) and the share who came at least once a week on average — the regularity a § 104 plan needs."""
    active = bands[bands["referred"].astype(bool) & (bands["visits"] > 0)]
    grouped = active.groupby("offer_id", sort=True)["visits_per_week"]
    out = grouped.agg(citizens="size", mean="mean").reset_index()
    quartiles = grouped.quantile([0.25, 0.5, 0.75]).unstack()
    quartiles.columns = ["p25", "median", "p75"]
    out = out.merge(quartiles.reset_index(), on="offer_id")
    weekly = (active["visits_per_week"] >= 1).groupby(active["offer_id"]).sum()
    out["weekly_or_more"] = out["offer_id"].map(weekly).astype(np.int64)
    out["weekly_share"] = _per(out["weekly_or_more"], out["citizens"])
    return out


# --------------------------------------------------------------------------------------------------------
# Staffing matched to attendance
# --------------------------------------------------------------------------------------------------------


def matched_staffing(
    models: Mapping[str, ArrivalModel], offers: Mapping, staffing: Mapping, level: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Staff needed per open slot (from the demand model at today's demand) against the current roster.

    Recomputed in the report stage from the fitted models so that the report follows its own `staffing`
    parameters. Returns the per-slot table of `staffing.compare_roster` and a per-offer summary that adds the
    roster's hours outside opening hours (preparation before opening, tidying after closing) and the
    **matched** staff-hours per week: the need within opening hours plus today's hours outside them — matching
    staffing to attendance changes who is on the floor while citizens can come, not the preparation time.
    """
    if not models:
        raise InputError("no fitted demand models", fix="run the demand stage (dvc repro demand)")
    bins = {m.bin_minutes for m in models.values()}
    if len(bins) != 1:
        raise InputError(f"the offers' models use different slot widths {sorted(bins)}", fix="rerun demand")
    prediction = pd.concat(
        [predict_occupancy(model, level=level) for _, model in sorted(models.items())], ignore_index=True
    )
    need = staffing_need(prediction, staffing)
    slots, summary = compare_roster(need, offers, bins.pop())
    summary["staff_hours_week_roster_outside"] = (
        summary["staff_hours_week_roster_total"] - summary["staff_hours_week_roster_open"]
    ).clip(lower=0)
    summary["staff_hours_week_matched"] = (
        summary["staff_hours_week_needed"] + summary["staff_hours_week_roster_outside"]
    )
    summary["staff_hours_week_change"] = (
        summary["staff_hours_week_matched"] - summary["staff_hours_week_roster_total"]
    )
    summary["staff_hours_week_open_difference"] = (
        summary["staff_hours_week_roster_open"] - summary["staff_hours_week_needed"]
    )
    return slots, summary


def hours_by_weekday(slots: pd.DataFrame) -> pd.DataFrame:
    """Per offer × weekday: staff-hours needed and rostered within opening hours, and slots over/under."""
    grouped = slots.groupby(["offer_id", "weekday"], sort=True)
    out = grouped.agg(
        staff_hours_needed=("staff_hours_needed", "sum"),
        staff_hours_roster=("staff_hours_roster", "sum"),
        slots=("status", "size"),
        slots_under=("status", lambda s: int((s == "under").sum())),
        slots_over=("status", lambda s: int((s == "over").sum())),
        max_staff_needed=("staff_needed", "max"),
        max_occupancy_quantile=("occupancy_quantile", "max"),
    ).reset_index()
    out["difference"] = out["staff_hours_roster"] - out["staff_hours_needed"]
    return out


# --------------------------------------------------------------------------------------------------------
# Economy: budget per citizen now and at matched staffing; goal follow-up
# --------------------------------------------------------------------------------------------------------


def budget_per_citizen(overview: pd.DataFrame, summary: pd.DataFrame, offers: Mapping, staffing: Mapping):
    """Annual budget per referred and per active citizen today and at staffing matched to attendance.

    The budget at matched staffing is today's budget with the rostered staff's cost replaced by the matched
    staff's cost (both costed the same way: staff-hours per week × 52 / `fte_hours_per_year` ×
    `cost_per_fte_dkk`); everything else in the budget (rent, activities, staff time off the floor) is kept.
    Per referred citizen as well as per active: the budget is allocated by referrals.
    """
    out = overview[["offer_id", "name", "referred", "active"]].merge(
        summary[["offer_id", "staff_hours_week_roster_total", "staff_hours_week_matched"]],
        on="offer_id",
        how="left",
    )
    out["annual_budget_dkk"] = out["offer_id"].map(
        {k: _number(offers[k].get("annual_budget_dkk")) for k in out["offer_id"]}
    )
    out["fte_stated"] = out["offer_id"].map({k: _number(offers[k].get("fte")) for k in out["offer_id"]})
    roster = budget_for_hours(out["staff_hours_week_roster_total"], staffing)
    matched = budget_for_hours(out["staff_hours_week_matched"], staffing)
    out["fte_roster"] = roster["fte"]
    out["fte_matched"] = matched["fte"]
    out["staff_cost_roster_dkk"] = roster["cost_dkk"]
    out["staff_cost_matched_dkk"] = matched["cost_dkk"]
    out["budget_change_dkk"] = out["staff_cost_matched_dkk"] - out["staff_cost_roster_dkk"]
    out["budget_matched_dkk"] = out["annual_budget_dkk"] + out["budget_change_dkk"]
    out["budget_per_referred_dkk"] = _per(out["annual_budget_dkk"], out["referred"])
    out["budget_per_active_dkk"] = _per(out["annual_budget_dkk"], out["active"])
    out["budget_matched_per_referred_dkk"] = _per(out["budget_matched_dkk"], out["referred"])
    out["budget_matched_per_active_dkk"] = _per(out["budget_matched_dkk"], out["active"])
    return out


def goal_followup(citizens, hours_per_citizen_per_quarter: float, staffing: Mapping) -> pd.DataFrame:
    """What individual goal follow-up would cost: hours per citizen per quarter × citizens × 4 quarters →
    staff-hours per year → årsværk (`fte_hours_per_year`) → kroner (`cost_per_fte_dkk`).

    `citizens` is a number or a Series (e.g. active citizens per offer, index kept). The cost per citizen does
    not depend on how many citizens there are; it is returned so the report can show it next to the budget.
    """
    hours = float(hours_per_citizen_per_quarter)
    if not np.isfinite(hours) or hours < 0:
        raise InputError(
            f"goal follow-up hours must be a number ≥ 0 (got {hours_per_citizen_per_quarter!r})",
            file="params.yaml",
            column="spor1.goal_followup_hours_per_citizen_per_quarter",
            fix="set e.g. 3 (hours per citizen per quarter)",
        )
    fte_hours, cost_per_fte = float(staffing["fte_hours_per_year"]), float(staffing["cost_per_fte_dkk"])
    if fte_hours <= 0:
        raise InputError("fte_hours_per_year must be positive", file="params.yaml", fix="set e.g. 1924")
    count = pd.Series(citizens, dtype=float) if not np.isscalar(citizens) else pd.Series([float(citizens)])
    out = pd.DataFrame({"citizens": count})
    out["hours_per_citizen_year"] = hours * QUARTERS_PER_YEAR
    out["hours_year"] = out["citizens"] * out["hours_per_citizen_year"]
    out["fte"] = out["hours_year"] / fte_hours
    out["cost_dkk"] = out["fte"] * cost_per_fte
    out["cost_per_citizen_dkk"] = out["hours_per_citizen_year"] / fte_hours * cost_per_fte
    return out


def followup_by_offer(budget: pd.DataFrame, hours_per_citizen_per_quarter: float, staffing: Mapping):
    """Goal follow-up per offer for the active citizens (and, for comparison, for all referred), and the
    budget per active citizen at matched staffing with the follow-up added — a § 104 offer that does both."""
    active = goal_followup(budget["active"], hours_per_citizen_per_quarter, staffing)
    referred = goal_followup(budget["referred"], hours_per_citizen_per_quarter, staffing)
    out = budget[["offer_id", "name", "active", "referred", "budget_matched_dkk"]].copy()
    for column in ("hours_per_citizen_year", "hours_year", "fte", "cost_dkk", "cost_per_citizen_dkk"):
        out[column] = active[column].to_numpy()
    out["hours_year_referred"] = referred["hours_year"].to_numpy()
    out["fte_referred"] = referred["fte"].to_numpy()
    out["cost_referred_dkk"] = referred["cost_dkk"].to_numpy()
    out["budget_with_followup_dkk"] = out["budget_matched_dkk"] + out["cost_dkk"]
    out["budget_with_followup_per_active_dkk"] = _per(out["budget_with_followup_dkk"], out["active"])
    return out


# --------------------------------------------------------------------------------------------------------
# Display tables (Danish headings) for the report
# --------------------------------------------------------------------------------------------------------


def overview_table(overview: pd.DataFrame) -> pd.DataFrame:
    """Referred vs. active per offer, in the report's words (counts of citizens: suppress before showing)."""
    return pd.DataFrame(
        {
            "Tilbud": overview["name"],
            "Visiterede borgere": overview["referred"],
            "Aktive borgere (kom mindst én gang)": overview["active"],
            "Andel aktive": overview["active_share"],
            "Visiterede, der ikke kom": overview["never_came"],
            "Besøgende uden visitation": overview["unreferred_visitors"],
            "Godkendte pladser": overview["approved_places"],
            "Visiterede pr. godkendt plads": overview["referred_per_place"],
        }
    )


def attendance_table(overview: pd.DataFrame) -> pd.DataFrame:
    """The kommissorium's attendance figures per offer, plus visits per week (no small groups of citizens)."""
    return pd.DataFrame(
        {
            "Tilbud": overview["name"],
            "Åbningsdage": overview["opening_days"],
            "Unikke borgere pr. åbningsdag (gns.)": overview["unique_per_day_mean"],
            "Fremmødespænd (unikke pr. dag)": [
                f"{rp.fmt_int(lo)}–{rp.fmt_int(hi)}"
                for lo, hi in zip(overview["unique_per_day_min"], overview["unique_per_day_max"], strict=True)
            ],
            "Højeste samtidige fremmøde": overview["peak_concurrent_max"],
            "Laveste samtidige fremmøde (dagsmaksimum)": overview["peak_concurrent_min"],
            "Besøg pr. uge": overview["visits_per_week"],
        }
    )


def band_label(group: str) -> str:
    """A usage band (or a recoded one, e.g. "1–9") in the report's words."""
    if group in BAND_LABELS_DA:
        return BAND_LABELS_DA[group]
    return "1 besøg eller flere" if group == "1+" else f"{group} besøg" if group != "I alt" else group


def band_display(
    bands: pd.DataFrame, counts: pd.DataFrame, groups: Mapping[str, Sequence[str]], offer_ids: Sequence[str]
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """The usage bands of the referred as spor 1 shows them, from `disclosure_tables.band_table(...).counts`
    (rows: the recoded bands and "I alt"; a column per offer name): per offer the citizens, their share of the
    referred and their mean visits per week. Count columns keep the offer's name (renamed after suppression by
    `population_tables`); returns the table and the `derived` mapping (a share or mean hidden with its count).
    """
    referred = bands[bands["referred"].astype(bool)]
    table = pd.DataFrame({"Brug i perioden": [band_label(str(g)) for g in counts.index]}, index=counts.index)
    derived = {}
    for offer_id, name in zip(offer_ids, counts.columns, strict=True):
        own = referred[referred["offer_id"].astype(str) == offer_id]
        total = int(counts.loc["I alt", name])
        means = [
            float(own.loc[own["band"].astype(str).isin(list(groups[g])), "visits_per_week"].mean())
            if g in groups
            else np.nan  # the total row: no mean over all referred (not a figure the track uses)
            for g in counts.index
        ]
        share, per_week = f"{name}: andel", f"{name}: besøg pr. uge (gns.)"
        table[name] = counts[name].astype(np.int64)
        table[share] = counts[name] / total if total else counts[name] * np.nan
        table[per_week] = means
        derived[name] = [share, per_week]
    return table, derived


def population_tables(
    bands: pd.DataFrame, overview: pd.DataFrame, names: Mapping[str, str], threshold: int, stage: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Referred vs. active per offer and the usage bands of the referred, built as every report builds them
    (`disclosure_tables`, the same band grouping), suppressed together around what earlier reports
    published, and recorded for the disclosure audit. Returns the two display tables."""
    offer_ids = list(overview["offer_id"])
    referral = dt.referral_table(bands, names, offer_ids, stage=stage)
    referral = dt.with_display(referral, overview_table(overview).set_index("Tilbud"))
    groups = dt.usage_band_groups(bands, offer_ids, threshold)
    band = dt.band_table(dt.band_counts(bands, offer_ids), groups, names, stage=stage)
    band = dt.with_display(band, *band_display(bands, band.counts, groups, offer_ids))
    shown = dt.suppress_and_publish(stage, [referral, band], threshold)
    referral_shown = shown[referral.id].reset_index()
    band_shown = shown[band.id].rename(columns={n: f"{n}: borgere" for n in band.counts.columns})
    for frame, source in ((referral_shown, shown[referral.id]), (band_shown, shown[band.id])):
        frame.attrs = dict(source.attrs)
    return referral_shown, band_shown.reset_index(drop=True)


def visits_per_week_table(summary: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Tilbud": summary["offer_id"].map(names),
            "Aktive visiterede borgere": summary["citizens"],
            "Gennemsnit": summary["mean"],
            "Nedre kvartil": summary["p25"],
            "Median": summary["median"],
            "Øvre kvartil": summary["p75"],
        }
    )


def staffing_table(summary: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    """Staff-hours per week now and matched to attendance, and how many slots are over/under-staffed."""
    return pd.DataFrame(
        {
            "Tilbud": summary["offer_id"].map(names),
            "Behov i åbningstiden": summary["staff_hours_week_needed"],
            "Vagtplan i åbningstiden": summary["staff_hours_week_roster_open"],
            "Vagtplan før og efter åbning": summary["staff_hours_week_roster_outside"],
            "Vagtplan i alt": summary["staff_hours_week_roster_total"],
            "Tilpasset normering i alt": summary["staff_hours_week_matched"],
            "Ændring": summary["staff_hours_week_change"],
            "Tidsrum med for få / for mange på vagt": [
                f"{rp.fmt_int(u)} / {rp.fmt_int(o)} af {rp.fmt_int(t)}"
                for u, o, t in zip(
                    summary["slots_under"], summary["slots_over"], summary["slots"], strict=True
                )
            ],
        }
    )


def weekday_table(by_weekday: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Tilbud": by_weekday["offer_id"].map(names),
            "Ugedag": by_weekday["weekday"].map(lambda d: rp.weekday_name(d)),
            "Flest på vagt, der er brug for": by_weekday["max_staff_needed"],
            "Behov (timer)": by_weekday["staff_hours_needed"],
            "Vagtplan (timer)": by_weekday["staff_hours_roster"],
            "Forskel (timer)": by_weekday["difference"],
        }
    )


def budget_table(budget: pd.DataFrame) -> pd.DataFrame:
    """Annual budget today and at matched staffing (kroner per year)."""
    return pd.DataFrame(
        {
            "Tilbud": budget["name"],
            "Årligt budget i dag": budget["annual_budget_dkk"],
            "Personaleudgift efter vagtplanen": budget["staff_cost_roster_dkk"],
            "Personaleudgift ved tilpasset normering": budget["staff_cost_matched_dkk"],
            "Ændring": budget["budget_change_dkk"],
            "Budget ved tilpasset normering": budget["budget_matched_dkk"],
        }
    )


def budget_per_citizen_table(budget: pd.DataFrame, followup: pd.DataFrame) -> pd.DataFrame:
    """Budget per referred and per active citizen per year: today, matched, matched + goal follow-up."""
    merged = budget.merge(followup[["offer_id", "budget_with_followup_per_active_dkk"]], on="offer_id")
    return pd.DataFrame(
        {
            "Tilbud": merged["name"],
            "Pr. visiteret borger i dag": merged["budget_per_referred_dkk"],
            "Pr. aktiv borger i dag": merged["budget_per_active_dkk"],
            "Pr. visiteret borger, tilpasset normering": merged["budget_matched_per_referred_dkk"],
            "Pr. aktiv borger, tilpasset normering": merged["budget_matched_per_active_dkk"],
            "Pr. aktiv borger, tilpasset normering og opfølgning på mål": merged[
                "budget_with_followup_per_active_dkk"
            ],
        }
    )


def followup_table(followup: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Tilbud": followup["name"],
            "Aktive borgere": followup["active"],
            "Timer pr. borger pr. år": followup["hours_per_citizen_year"],
            "Timer pr. år": followup["hours_year"],
            "Årsværk": followup["fte"],
            "Udgift pr. år": followup["cost_dkk"],
            "Udgift pr. aktiv borger": followup["cost_per_citizen_dkk"],
            "Hvis alle visiterede: årsværk": followup["fte_referred"],
            "Hvis alle visiterede: udgift pr. år": followup["cost_referred_dkk"],
        }
    )


# --------------------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------------------


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
