"""Tables of the overview report (Fremmødestatistik): the kommissorium's table reproduced from the data,
referred vs. active citizens, usage bands, attendance by weekday and period of the day, stay lengths and the
key figures.

Each function takes the clean/demand stage's tables as read from disk and returns a DataFrame with Danish
column names ready for `report.show_table`; tables counting citizens go through `attendance.disclosure`
(`population_tables`: suppressed with the other reports' tables and recorded for the audit). The notebook
stays a sequence of calls; the arithmetic is here, where it is tested. (The data-quality tables are in
`quality`, the report's sentences in `texts`, the figures' captions in `figures`.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from attendance.reporting import disclosure_tables as dt
from attendance.reporting import fmt_int, fmt_number, fmt_pct, fmt_time, glossary, join_da, weekday_name
from attendance.reporting.figures import fmt_duration
from attendance.timeofday import hhmm_to_minutes

from .compute import _bin_minutes, _in_offer_order, _label, _offers_in

NOBREAK_DASH = "\u2060–\u2060"  # an en dash with word joiners: "09:00–12:00" stays on one line in a table


# --------------------------------------------------------------------------------------------------------
# The kommissorium's table
# --------------------------------------------------------------------------------------------------------


def kommissorium_table(
    headline: pd.DataFrame,
    offers: Mapping[str, Any],
    offer_ids: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The table of the kommissorium, one row per offer, from `headline_kpis` and offers.json.

    Columns: Tilbud, Visiterede borgere, Godkendte pladser, Åbningsdage, Unikke borgere pr. dag, gns. and
    spænd (as "11–29"), Højeste samtidige fremmøde, Laveste samtidige fremmøde (the
    lowest *daily peak*, see `LOWEST_PEAK_NOTE`). Approved places are missing ("–") where the offer has none.
    """
    table = headline.set_index("offer_id")
    rows = []
    for offer in _offers_in(headline, offer_ids):
        row = table.loc[offer]
        places = (offers.get(offer) or {}).get("approved_places")
        rows.append(
            {
                "Tilbud": _label(labels, offer),
                "Visiterede borgere": int(row["referred"]),
                "Godkendte pladser": np.nan if places is None else float(places),
                "Åbningsdage": int(row["opening_days"]),
                "Unikke borgere pr. dag, gns.": float(row["unique_per_day_mean"]),
                "Unikke borgere pr. dag, spænd": (
                    f"{fmt_int(row['unique_per_day_min'])}–{fmt_int(row['unique_per_day_max'])}"
                ),
                "Højeste samtidige fremmøde": int(row["peak_concurrent_max"]),
                "Laveste samtidige fremmøde*": int(row["peak_concurrent_min"]),
            }
        )
    return pd.DataFrame(rows)


LOWEST_PEAK_NOTE = (
    "* Laveste samtidige fremmøde er det laveste dagsmaksimum: for hver åbningsdag findes det højeste antal "
    "borgere, der var til stede på samme tid, og tabellen viser det mindste af disse dagsmaksima. Det laveste "
    "antal til stede i løbet af åbningstiden er tæt på 0 hver dag (ved åbning og lukning) og siger derfor "
    "ikke noget."
)

KOMMISSORIUM_FORMATS = {
    "Visiterede borgere": "int",
    "Godkendte pladser": "int",
    "Åbningsdage": "int",
    "Unikke borgere pr. dag, gns.": "number:1",
    "Højeste samtidige fremmøde": "int",
    "Laveste samtidige fremmøde*": "int",
}


# --------------------------------------------------------------------------------------------------------
# Referred vs. active citizens, usage bands
# --------------------------------------------------------------------------------------------------------


def referred_vs_active(
    usage_bands: pd.DataFrame,
    offer_ids: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Per offer: referred citizens, of whom active (≥ 1 visit) and never came, the active share, visitors
    without a referral and mean visits per week of an active referred citizen.

    Input: `usage_bands` (one row per offer × citizen: `referred, visits, visits_per_week`). Counts of
    citizens — shown through `population_tables` (disclosure control with the other reports' tables).
    """
    rows = []
    for offer in _offers_in(usage_bands, offer_ids):
        citizens = usage_bands[usage_bands["offer_id"] == offer]
        referred = citizens[citizens["referred"].astype(bool)]
        active = referred[referred["visits"] > 0]
        others = citizens[~citizens["referred"].astype(bool) & (citizens["visits"] > 0)]
        rows.append(
            {
                "Tilbud": _label(labels, offer),
                "Visiterede borgere": len(referred),
                "Heraf aktive (mindst ét besøg)": len(active),
                "Heraf aldrig mødt op": len(referred) - len(active),
                "Andel aktive": len(active) / len(referred) if len(referred) else np.nan,
                "Besøgende uden visitation": len(others),
                "Besøg pr. uge pr. aktiv borger": (
                    float(active["visits_per_week"].mean()) if len(active) else np.nan
                ),
            }
        )
    return pd.DataFrame(rows)


# Referred, active and never-came per offer are headline totals (the kommissorium publishes the referred
# count, and the gap to the active count is the very finding the tracks are about), so they are shown as they
# are everywhere (public margins of `disclosure_tables.referral_table`); visitors without a referral are a
# sub-group and suppressed (docs/disclosure.md).


def band_display(counts: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """The usage-band table as the overview shows it, from `disclosure_tables.band_table(...).counts` (rows:
    the recoded bands and "I alt"; a column per offer): the band label, and per offer the count and its share
    of the offer's referred citizens. Returns it with the `derived` mapping (a share is hidden with its count).
    """
    table = pd.DataFrame({"Antal besøg i perioden": list(counts.index)}, index=counts.index)
    derived = {}
    for name in counts.columns:
        total = int(counts.loc["I alt", name])
        table[name] = counts[name].astype(int)
        table[f"{name}, andel"] = counts[name] / total if total else counts[name] * np.nan
        derived[name] = [f"{name}, andel"]
    return table, derived


def population_tables(
    usage_bands: pd.DataFrame,
    offer_ids: Sequence[str] | None,
    labels: Mapping[str, str] | None,
    threshold: int,
    stage: str,
) -> tuple[pd.DataFrame, pd.DataFrame, Mapping[str, Sequence[str]]]:
    """Referred vs. active per offer and the usage bands of the referred (recoded as every report recodes
    them), suppressed together around what earlier reports published and recorded for the audit.

    Returns the two display tables (counts or "<5"/"×"; shares hidden with their counts) and the band grouping.
    """
    referral = dt.referral_table(usage_bands, labels, offer_ids, stage=stage)
    referral = dt.with_display(
        referral, referred_vs_active(usage_bands, offer_ids, labels).set_index("Tilbud")
    )
    groups = dt.usage_band_groups(usage_bands, offer_ids, threshold)
    bands = dt.band_table(dt.band_counts(usage_bands, offer_ids), groups, labels, stage=stage)
    bands = dt.with_display(bands, *band_display(bands.counts))
    shown = dt.suppress_and_publish(stage, [referral, bands], threshold)
    return shown[referral.id], shown[bands.id], groups


def band_columns(table: pd.DataFrame) -> tuple[list[str], dict[str, str]]:
    """The count columns of a `band_display` table and {count column: share column}."""
    shares = [c for c in table.columns if str(c).endswith(", andel")]
    counts = [c.removesuffix(", andel") for c in shares]
    return counts, dict(zip(counts, shares, strict=True))


def bands_text(groups: Mapping[str, Sequence[str]]) -> str:
    """ "0, 1–9 og 10 eller flere besøg" for a caption (the groups' labels in order)."""
    words = [("10 eller flere" if g == "10+" else "1 eller flere" if g == "1+" else g) for g in groups]
    return join_da(words) + " besøg"


# --------------------------------------------------------------------------------------------------------
# Attendance by weekday and by period of the day
# --------------------------------------------------------------------------------------------------------


def weekday_table(
    by_weekday: pd.DataFrame,
    offer_ids: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Per offer × weekday: opening days, mean unique citizens (range), mean and highest daily peak.

    Input: `kpis_by_weekday`. Daily means over many citizens, not counts of a small group: no suppression.
    """
    rows = _in_offer_order(by_weekday, offer_ids, "weekday")
    return pd.DataFrame(
        {
            "Tilbud": [_label(labels, o) for o in rows["offer_id"]],
            "Ugedag": [weekday_name(d) for d in rows["weekday"]],
            "Åbningsdage": rows["opening_days"].astype(int).to_numpy(),
            "Gns. unikke borgere": rows["unique_mean"].to_numpy(dtype=float),
            "Spænd": [
                f"{fmt_int(a)}–{fmt_int(b)}"
                for a, b in zip(rows["unique_min"], rows["unique_max"], strict=True)
            ],
            glossary.term("daily_peak_mean"): rows["peak_mean"].to_numpy(dtype=float),
            glossary.term("daily_peak_max"): rows["peak_max"].astype(int).to_numpy(),
        }
    )


def period_table(
    by_slot: pd.DataFrame,
    periods: Mapping[str, Sequence[str]],
    offer_ids: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Per offer × named period of the day (`demand.periods`, e.g. formiddag 08:00–12:00): the mean number
    present while open (time average over the open slots of all opening days), arrivals per opening day and
    the busiest slot's mean, pooled over weekdays.

    Input: `kpis_by_weekday_slot` (open slots only: `weekday, slot_minute, days, occupancy_mean,
    arrivals_mean`). Only open slots count, so a period that starts before the offer opens is averaged over
    its open part (column "Åbent": "09:00–12:00"); weekdays weigh by their opening
    days. A period in which the offer is never open is left out.
    """
    bin_minutes = _bin_minutes(by_slot["slot_minute"])
    rows = _in_offer_order(by_slot, offer_ids, "weekday", "slot_minute")
    result = []
    for name, (start, end) in periods.items():
        first, last = hhmm_to_minutes(start), hhmm_to_minutes(end)
        inside = rows[(rows["slot_minute"] >= first) & (rows["slot_minute"] < last)].copy()
        if inside.empty:
            continue
        inside["w_occupancy"] = inside["occupancy_mean"] * inside["days"]
        inside["w_arrivals"] = inside["arrivals_mean"] * inside["days"]
        # opening days of the offer with any open slot in the period (each weekday counted once)
        days = inside.groupby(["offer_id", "weekday"], sort=False)["days"].max().groupby(level=0).sum()
        pooled = inside.groupby(["offer_id", "slot_minute"], sort=False)[["days", "w_occupancy"]].sum()
        busiest = (pooled["w_occupancy"] / pooled["days"]).groupby(level=0).max()
        totals = inside.groupby("offer_id", sort=False).agg(
            slot_days=("days", "sum"),
            w_occupancy=("w_occupancy", "sum"),
            w_arrivals=("w_arrivals", "sum"),
            open_from=("slot_minute", "min"),
            open_to=("slot_minute", "max"),
        )
        summary = pd.DataFrame(
            {
                "occupancy": totals["w_occupancy"] / totals["slot_days"],
                "arrivals": totals["w_arrivals"] / days.reindex(totals.index),
                "busiest": busiest.reindex(totals.index),
                "open_from": totals["open_from"],
                "open_to": totals["open_to"],
            }
        )
        for offer, row in summary.iterrows():
            open_to = min(int(row["open_to"]) + bin_minutes, last)
            result.append(
                {
                    "offer_id": offer,
                    "start": first,
                    "Tilbud": _label(labels, offer),
                    "Del af dagen": str(name).capitalize(),
                    "Åbent": f"{fmt_time(row['open_from'])}{NOBREAK_DASH}{fmt_time(open_to)}",
                    "Gns. antal til stede": float(row["occupancy"]),
                    "Ankomster pr. åbningsdag": float(row["arrivals"]),
                    "Travleste tidsrum (gns. til stede)": float(row["busiest"]),
                }
            )
    table = _in_offer_order(pd.DataFrame(result), offer_ids, "start") if result else pd.DataFrame(result)
    return table.drop(columns=["offer_id", "start"], errors="ignore").reset_index(drop=True)


# --------------------------------------------------------------------------------------------------------
# Key figures and model validation
# --------------------------------------------------------------------------------------------------------


def key_figure_items(
    headline: pd.DataFrame,
    offers: Mapping[str, Any],
    offer_ids: Sequence[str],
    labels: Mapping[str, str] | None = None,
    threshold: int = 5,
) -> list[tuple[str, str, str]]:
    """The five key figures at the top of the overview: unique citizens per opening day per offer, the
    highest concurrent attendance (vs. approved places), referred citizens and the share who never came.

    Figures for several offers are shown "A / B / C" in the order of `offer_ids`. The never-came share of an
    offer where fewer than `threshold` (but some) referred citizens never came is shown as "<5", like the
    tables: with the referred count on the same card, a share would give the small number away.
    """
    table = headline.set_index("offer_id")
    names = " / ".join(_label(labels, o) for o in offer_ids)
    items: list[tuple[str, str, str]] = []
    for offer in offer_ids:
        row = table.loc[offer]
        items.append(
            (
                f"Unikke borgere pr. dag, {_label(labels, offer)}",
                fmt_number(row["unique_per_day_mean"], 1),
                f"gennemsnit pr. åbningsdag; spænd {fmt_int(row['unique_per_day_min'])}–"
                f"{fmt_int(row['unique_per_day_max'])}",
            )
        )
    places = [
        f"{fmt_int(offers[o]['approved_places'])} godkendte pladser i {_label(labels, o)}"
        for o in offer_ids
        if (offers.get(o) or {}).get("approved_places") is not None
    ]
    items.append(
        (
            "Højeste samtidige fremmøde",
            " / ".join(fmt_int(table.loc[o, "peak_concurrent_max"]) for o in offer_ids),
            f"{names}" + (f"; {', '.join(places)}" if places else ""),
        )
    )
    items.append(
        (
            "Visiterede borgere",
            " / ".join(fmt_int(table.loc[o, "referred"]) for o in offer_ids),
            names,
        )
    )
    never_texts = []
    for offer in offer_ids:
        referred = int(table.loc[offer, "referred"])
        never = referred - int(table.loc[offer, "active"])
        never_texts.append(fmt_pct(never / referred, 0) if referred else fmt_pct(np.nan))
    items.append(("Visiterede, der aldrig mødte op", " / ".join(never_texts), f"{names}, i perioden"))
    return items


def validation_table(
    validation: pd.DataFrame,
    offer_ids: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The demand model's held-out validation in Danish (index: the offer's name), for `methods_section`.

    Input: `validation` of the demand stage (`family, holdout_days, holdout_start, nominal,
    coverage_slot_occupancy, coverage_unique_per_day, mae_model, mae_baseline`).
    """
    families = {"poisson": "Poisson", "negative_binomial": "negativ binomial"}
    table = validation.set_index("offer_id").loc[_offers_in(validation, offer_ids)]
    result = pd.DataFrame(
        {
            "Modelfamilie": [families.get(f, str(f)) for f in table["family"]],
            "Testdage": table["holdout_days"].astype(int).to_numpy(),
            "Tilsigtet dækning": [fmt_pct(v, 0) for v in table["nominal"]],
            "Dækning, antal til stede pr. tidsrum": [fmt_pct(v, 0) for v in table["coverage_slot_occupancy"]],
            "Dækning, unikke borgere pr. dag": [fmt_pct(v, 0) for v in table["coverage_unique_per_day"]],
            "Gns. fejl, model": [fmt_number(v, 2) for v in table["mae_model"]],
            "Gns. fejl, ugedagsgennemsnit": [fmt_number(v, 2) for v in table["mae_baseline"]],
        },
        index=pd.Index([_label(labels, o) for o in table.index], name="Tilbud"),
    )
    return result


# --------------------------------------------------------------------------------------------------------
# Stay lengths and the busiest time of the week
# --------------------------------------------------------------------------------------------------------


def stay_table(
    stay_summary: pd.DataFrame,
    offer_ids: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Per offer: timed visits, mean and median stay, the middle half (p25–p75) and the p90, in hours and
    minutes ("2 t 35 min"). Input: `stay_length_summary`."""
    rows = _in_offer_order(stay_summary, offer_ids)
    return pd.DataFrame(
        {
            "Tilbud": [_label(labels, o) for o in rows["offer_id"]],
            "Besøg med tider": rows["count"].astype(int).to_numpy(),
            "Gennemsnit": [fmt_duration(v) for v in rows["mean"]],
            "Median": [fmt_duration(v) for v in rows["p50"]],
            "Den midterste halvdel": [
                f"{fmt_duration(a)} – {fmt_duration(b)}"
                for a, b in zip(rows["p25"], rows["p75"], strict=True)
            ],
            "9 ud af 10 besøg er kortere end": [fmt_duration(v) for v in rows["p90"]],
        }
    )
