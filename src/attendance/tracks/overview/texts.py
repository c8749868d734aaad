"""The overview report's sentences: the opening paragraph, the busiest and quietest slot per offer, how many
opening days each weekday has, why two visit counts differ, and the texts around the figures and tables.

Why a module of its own: these are Danish wording computed from the data (not tables); `tables` holds the
overview's tables, so either can change without the other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from attendance.reporting import fmt_int, fmt_number, fmt_time, glossary, join_da, weekday_name

from .compute import _bin_minutes, _label, _offers_in, accounting_balances


def closed_day_visits_text(
    visits: pd.DataFrame,
    offer_ids: Sequence[str],
    labels: Mapping[str, str] | None = None,
    granularity: str | None = "timed",
) -> str:
    """Why a table of all visits shows more than the kommissorium's count, which is of opening days only.

    Without it the same offer shows two visit counts (e.g. 1.086 with times, 1.078 on opening days) and the
    reader cannot tell which is wrong. Empty when no visit fell on a closed day.
    """
    rows = visits[visits["on_closed_day"].astype(bool)]
    if granularity is not None:
        rows = rows[rows["granularity"] == granularity]
    counts = rows.groupby("offer_id").size()
    parts = [f"{_label(labels, o)} {fmt_int(counts[o])}" for o in offer_ids if counts.get(o, 0)]
    if not parts:
        return ""
    return (
        "Tabellen tæller alle registrerede besøg, også besøg på lukkedage (ture og arrangementer: "
        f"{join_da(parts)}). Kommissoriets nøgletal tæller kun besøg på åbningsdage og er derfor lidt lavere."
    )


def busiest_slots(
    summary: pd.DataFrame,
    offer_ids: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    measure: str = "occupancy",
) -> list[str]:
    """One Danish sentence per offer naming the weekday and slot with the highest mean occupancy and the
    quietest open slot, e.g. "<tilbud>: flest til stede onsdag 11:30–12:00 (gns. 14,7 borgere) …".

    Input: the long `occupancy_summary` (open slots of `measure`).
    """
    rows = summary
    if "measure" in rows.columns:
        rows = rows[rows["measure"] == measure]
    if "open_slot" in rows.columns:
        rows = rows[rows["open_slot"].astype(bool)]
    bin_minutes = _bin_minutes(rows["slot_minute"])
    sentences = []
    for offer in _offers_in(rows, offer_ids):
        own = rows[rows["offer_id"] == offer].sort_values(["weekday", "slot_minute"], kind="stable")
        if own.empty:
            continue
        top = own.loc[own["mean"].idxmax()]
        low = own.loc[own["mean"].idxmin()]

        def where(row: pd.Series) -> str:
            start = int(row["slot_minute"])
            return f"{weekday_name(row['weekday'])} {fmt_time(start)}–{fmt_time(start + bin_minutes)}"

        sentences.append(
            f"{_label(labels, offer)}: flest til stede {where(top)} (gennemsnitligt {fmt_number(top['mean'])} "
            f"borgere), færrest {where(low)} (gennemsnitligt {fmt_number(low['mean'])})."
        )
    return sentences


def intro_text(
    offers: Mapping[str, Any], offer_ids: Sequence[str], labels: Mapping[str, str] | None = None
) -> str:
    """The overview's opening sentence, naming every offer of the dataset (with its town where known)."""
    named = []
    for offer in offer_ids:
        town = (offers.get(offer) or {}).get("town")
        named.append(f"{_label(labels, offer)} i {town}" if town else _label(labels, offer))
    if len(named) == 1:
        which = "aktivitets- og samværstilbuddet"
    else:
        words = {2: "to", 3: "tre", 4: "fire", 5: "fem", 6: "seks"}
        which = f"de {words.get(len(named), str(len(named)))} aktivitets- og samværstilbud"
    return (
        f"Rapporten samler fremmøderegistreringerne fra {which} efter servicelovens § 104 i socialpsykiatrien: "
        f"{join_da(named)}. Den er første leverance i udviklingsprocessen: fremmødestatistik med opdeling på "
        "tidsrum. Tallene er beregnet direkte fra de rensede registreringer; hvordan de er renset, står på siden "
        "«Metode og data»."
    )


def days_per_weekday_text(summary: pd.DataFrame) -> str:
    """How many opening days each weekday has in the period, as "10–13" (or "12" when all are equal).

    Input: the long `occupancy_summary`; its `count` is the number of dates of that weekday in the window.
    """
    rows = summary
    if "open_slot" in rows.columns:
        rows = rows[rows["open_slot"].astype(bool)]
    counts = rows.groupby(["offer_id", "weekday"])["count"].max()
    if counts.empty:
        return "0"
    low, high = int(counts.min()), int(counts.max())
    return fmt_int(low) if low == high else f"{fmt_int(low)}–{fmt_int(high)}"


# --------------------------------------------------------------------------------------------------------
# The report's sentences
# --------------------------------------------------------------------------------------------------------


def slot_text(slot: Mapping[str, str]) -> str:
    """The sentence before the heatmap (`slot`: `reporting.slot_words` of the slot width)."""
    return (
        f"Gennemsnitligt antal borgere til stede på samme tid pr. ugedag og {slot['plural']}, over alle åbningsdage "
        "med den ugedag (regnet som i værktøjet *hillmaker*: en borger til stede i halvdelen af tidsrummet tæller "
        "en halv)."
    )


def hills_text(days_per_weekday: str) -> str:
    """How to read the curves over the day, and how uncertain the 95 % line is with few days per weekday."""
    return (
        "Den mørke linje er gennemsnittet, det lyse bånd den midterste halvdel af dagene, og den stiplede linje "
        f"det niveau, kun 5 % af dagene når over. Med {days_per_weekday} åbningsdage pr. ugedag er især den "
        "stiplede linje usikker: et groft billede af travle dage, ikke et loft."
    )


def referred_text(threshold: int) -> str:
    return (
        "En aktiv borger er en visiteret borger med mindst ét besøg i perioden. Grupper med færre end "
        f"{threshold} borgere vises som «<{threshold}»."
    )


def limits_text(period: str, days_per_weekday: str) -> str:
    """What the figures cannot say, as a bulleted list."""
    return (
        f"- Registreringerne dækker {period}. Andre årstider, ferier og højtider kan se anderledes ud.\n"
        "- Tallene viser, hvornår borgerne er registreret, ikke hvad de har brug for. Borgere, der kunne have gavn af\n"
        "  tilbuddet, men ikke kommer, ses ikke.\n"
        "- Korte besøg, der ikke er skrevet ned, mangler. Enkelte uger er ført som afkrydsningslister uden tidspunkter;\n"
        "  de tæller med i antallet af unikke borgere, men ikke i kurverne over dagen og opholdenes længde.\n"
        f"- Variationen fra dag til dag bygger på {days_per_weekday} dage pr. ugedag. Percentiler fra så få dage er "
        "usikre."
    )


def methods_text(accounting: pd.DataFrame) -> str:
    """The pointer to the methods page, saying whether the accounting of raw rows balances."""
    return (
        "Alle tal er beregnet direkte fra de rensede registreringer; efterspørgselsmodellen bruges ikke her, men i "
        "de tre analysespor. "
        + (
            "Regnskabet for de rå rækker går op for alle filer."
            if accounting_balances(accounting)
            else "Regnskabet for de rå rækker går IKKE op for alle filer; kør "
            "rensningen igen, før tallene bruges."
        )
    )


BANDS_NOTE = (
    f"Båndene bygger på {glossary.AARHUS_EVALUATION_SHORT} (0, 1–2, 3–9 og 10 eller flere besøg; kilde under "
    "Metode og data); bånd slås sammen, hvor et lille bånd ellers kunne regnes ud. Besøgende uden visitation "
    "er ikke med."
)
