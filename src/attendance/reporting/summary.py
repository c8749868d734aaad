"""«Det vigtigste»: the 3–5 sentences each reviewer report opens with, built from the report's own numbers
(issue 15). A busy reviewer reads these and the key figures and knows the report's conclusion.

Every function takes the tables the report already computed and returns plain Danish sentences; nothing
here reads files. Counts of citizens go through the one small-count rule (`disclosure.count_text`), or are
quoted as the suppressed table shows them ("<5", "×"); a count of 0 reads "ingen", and a range from 0 to 0
is "ingen" too, never "fra 0 til 0". `show_key_points` renders the sentences as the report's first section.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import disclosure
from .formats import (
    escape_html,
    fmt_dkk_rounded,
    fmt_mio,
    fmt_mio_change,
    fmt_number,
    fmt_pct,
    fmt_time,
    weekday_name,
)
from .glossary import join_da

TITLE = "Det vigtigste"


# --------------------------------------------------------------------------------------------------------
# Shared phrasing
# --------------------------------------------------------------------------------------------------------


def count_words(value: Any, threshold: int) -> str:
    """A count of citizens in a sentence: "ingen" for 0, "<5" below the threshold, a marker as shown
    ("×" reads "mindst 5", a rounded "≈10" reads "ca. 10"), else the number (the rule of
    `disclosure.count_text`)."""
    if isinstance(value, str):
        if value.startswith(disclosure.ROUNDED):
            return f"ca. {value[len(disclosure.ROUNDED) :]}"
        return f"mindst {int(threshold)}" if value == disclosure.HIDDEN else value
    if int(value) == 0:
        return "ingen"
    return disclosure.count_text(int(value), threshold)


def range_words(lower: Any, upper: Any, threshold: int) -> str:
    """ "0–10", "0 til ca. 10" (a rounded end), "6" (no spread) or "ingen" (0 to 0) — never "fra 0 til 0"."""
    if not isinstance(lower, str) and not isinstance(upper, str) and int(lower) == int(upper):
        return count_words(lower, threshold)
    low = "0" if not isinstance(lower, str) and int(lower) == 0 else count_words(lower, threshold)
    high = count_words(upper, threshold)
    return f"{low} til {high}" if " " in low + high else f"{low}–{high}"


def _offers_join(parts: Sequence[str]) -> str:
    return join_da(parts)


def show_key_points(points: Sequence[str], title: str = TITLE):
    """The «Det vigtigste» section: a heading and the sentences as one paragraph.

    The heading has no id on purpose: the table of contents starts after the key figures, so the first
    screen holds the title, this section and the key figures."""
    from IPython.display import HTML

    if not points:
        raise ValueError("show_key_points needs at least one sentence")
    body = " ".join(escape_html(p) for p in points)
    return HTML(
        f'<section class="rp-key-points" aria-label="{escape_html(title)}">'
        f'<h2 class="rp-key-points-title">{escape_html(title)}</h2><p>{body}</p></section>'
    )


# --------------------------------------------------------------------------------------------------------
# 10 Fremmødestatistik
# --------------------------------------------------------------------------------------------------------


def busiest_slot(summary: pd.DataFrame, offer_id: str, measure: str = "occupancy") -> str | None:
    """ "onsdag 11:30–12:00": the open weekday × slot with the highest mean number present."""
    rows = summary[summary["offer_id"] == offer_id]
    if "measure" in rows.columns:
        rows = rows[rows["measure"] == measure]
    if "open_slot" in rows.columns:
        rows = rows[rows["open_slot"].astype(bool)]
    if rows.empty:
        return None
    minutes = np.diff(np.unique(rows["slot_minute"].to_numpy()))
    width = int(minutes.min()) if minutes.size else 60
    top = rows.sort_values(["weekday", "slot_minute"], kind="stable").loc[lambda r: r["mean"].idxmax()]
    start = int(top["slot_minute"])
    return f"{weekday_name(top['weekday'])} {fmt_time(start)}–{fmt_time(start + width)}"


def overview_points(
    headline: pd.DataFrame,
    offers: Mapping[str, Any],
    offer_ids: Sequence[str],
    labels: Mapping[str, str],
    today_cost_dkk: float,
    occupancy_summary: pd.DataFrame | None,
    threshold: int,
) -> list[str]:
    """Fremmødestatistik: attendance per day, referred vs. active, the busiest time, today's cost, and the
    conclusion (how much of the referred group a normal day sees)."""
    table = headline.set_index("offer_id")
    names = [labels.get(o, o) for o in offer_ids]
    per_day = [
        f"{fmt_number(table.loc[o, 'unique_per_day_mean'])}"
        + (" forskellige borgere" if i == 0 else "")
        + f" i {n} (mellem {count_words(table.loc[o, 'unique_per_day_min'], threshold)} og "
        f"{count_words(table.loc[o, 'unique_per_day_max'], threshold)})"
        for i, (o, n) in enumerate(zip(offer_ids, names, strict=True))
    ]
    points = [f"På en åbningsdag kom der i gennemsnit {_offers_join(per_day)}."]

    referred = int(table.loc[list(offer_ids), "referred"].sum())
    active = int(table.loc[list(offer_ids), "active"].sum())
    if referred:
        points.append(
            f"Budgettet bygger på {count_words(referred, threshold)} visiterede borgere; "
            f"{count_words(active, threshold)} af dem ({fmt_pct(active / referred, 0)}) kom mindst én gang i "
            f"perioden, og {count_words(referred - active, threshold)} kom aldrig."
        )

    peaks = []
    for o, n in zip(offer_ids, names, strict=True):
        places = (offers.get(o) or {}).get("approved_places")
        where = busiest_slot(occupancy_summary, o) if occupancy_summary is not None else None
        text = (
            f"{count_words(table.loc[o, 'peak_concurrent_max'], threshold)}"
            + (" borgere" if not peaks else "")
            + f" i {n}"
        )
        extra = []
        if places is not None and not pd.isna(places):
            extra.append(f"godkendt til {fmt_number(places, 0)} pladser")
        if where:
            extra.append(f"travlest {where}")
        peaks.append(text + (f" ({', '.join(extra)})" if extra else ""))
    points.append(f"Flest til stede på samme tid: {_offers_join(peaks)}.")

    if active:
        points.append(
            f"Tilbuddene koster i dag {fmt_mio(today_cost_dkk)} om året på fælles grundlag, "
            f"{fmt_dkk_rounded(today_cost_dkk / active)} pr. aktiv borger."
        )
    shares = {
        n: float(table.loc[o, "unique_per_day_mean"]) / float(table.loc[o, "referred"])
        for o, n in zip(offer_ids, names, strict=True)
        if table.loc[o, "referred"]
    }
    if shares:
        low = [n for n, s in shares.items() if s < 0.5]
        share_text = _offers_join(
            [
                f"{fmt_pct(s, 0)}" + (" af de visiterede" if i == 0 else "") + f" i {n}"
                for i, (n, s) in enumerate(shares.items())
            ]
        )
        if low:
            points.append(
                f"Konklusion: på en almindelig dag kommer {share_text}; antallet af "
                "visiterede, som budgettet fordeles efter, siger derfor lidt om, hvor mange tilbuddene betjener "
                "en given dag."
            )
        else:
            points.append(
                f"Konklusion: på en almindelig dag kommer {share_text}, så fremmødet "
                "følger visitationen nogenlunde."
            )
    return points


# --------------------------------------------------------------------------------------------------------
# 11 Spor 1
# --------------------------------------------------------------------------------------------------------


def referral_points(
    overview: pd.DataFrame,
    staff: pd.DataFrame,
    followup: pd.DataFrame,
    track: Mapping[str, float],
    offer_ids: Sequence[str],
    labels: Mapping[str, str],
    threshold: int,
) -> list[str]:
    """Spor 1: referred vs. active, staff hours needed vs. the roster, the track's cost, goal follow-up."""
    ov = overview.set_index("offer_id").loc[list(offer_ids)]
    st = staff.set_index("offer_id").loc[list(offer_ids)]
    referred, active = int(ov["referred"].sum()), int(ov["active"].sum())
    points = []
    if referred:
        points.append(
            f"{count_words(active, threshold).capitalize()} af de {count_words(referred, threshold)} visiterede "
            f"borgere ({fmt_pct(active / referred, 0)}) kom mindst én gang i perioden."
        )
    need, roster = float(st["staff_hours_week_needed"].sum()), float(st["staff_hours_week_roster_open"].sum())
    diff = roster - need
    if abs(diff) < 0.5:
        verdict = "altså det, fremmødet kræver"
    elif diff > 0:
        verdict = f"altså {fmt_number(diff, 0)} timer mere, end fremmødet kræver"
    else:
        verdict = f"altså {fmt_number(-diff, 0)} timer for lidt i forhold til fremmødet"
    points.append(
        f"Fremmødet kræver {fmt_number(need, 0)} personaletimer pr. uge i åbningstiden; vagtplanen har "
        f"{fmt_number(roster, 0)}, {verdict}."
    )
    points.append(
        f"Som § 104-tilbud med normering tilpasset fremmødet koster tilbuddene {fmt_mio(track['total_cost_dkk'])} "
        f"om året, {fmt_mio_change(track['change_dkk'])} i forhold til i dag "
        f"({fmt_mio(track['today_cost_dkk'])})."
    )
    fu = followup.set_index("offer_id").loc[list(offer_ids)]
    if len(fu):
        points.append(
            f"Opfølgning på individuelle mål, som tilsynet efterlyste, koster "
            f"{fmt_dkk_rounded(fu['cost_per_citizen_dkk'].iloc[0])} pr. aktiv borger om året "
            f"({fmt_number(fu['fte'].sum(), 2)} årsværk i alt)."
        )
    never = referred - active
    if referred and never / referred >= 0.1:
        points.append(
            f"Konklusion: fortsætter tilbuddene efter § 104, skal de {count_words(never, threshold)} visiterede, "
            "der ikke kom, revisiteres, og normeringen kan følge fremmødet."
        )
    return points


# --------------------------------------------------------------------------------------------------------
# 12 Spor 2
# --------------------------------------------------------------------------------------------------------


def drop_in_points(
    week_hours: pd.DataFrame,
    scenarios: pd.DataFrame,
    track: Mapping[str, float],
    offers: Mapping[str, Any],
    offer_ids: Sequence[str],
    labels: Mapping[str, str],
    level_text: str,
) -> list[str]:
    """Spor 2: recommended opening hours, the expected daily peak against approved places, the track's cost,
    and what the largest demand scenario would need."""
    rec = scenarios[scenarios["hours"] == "recommended"]
    base = rec[rec["uplift"] == 0.0].set_index("offer_id")
    hours = [
        f"{fmt_number(week_hours.loc[o, 'recommended_hours'])} timer pr. uge i {labels.get(o, o)} (i dag "
        f"{fmt_number(week_hours.loc[o, 'today_hours'])})"
        for o in offer_ids
    ]
    points = [f"Den anbefalede åbningstid er {_offers_join(hours)}."]
    peaks = []
    for o in offer_ids:
        row = base.loc[o]
        places = (offers.get(o) or {}).get("approved_places")
        room = (
            f"; {fmt_number(places, 0)} godkendte pladser"
            if places is not None and not pd.isna(places)
            else ""
        )
        peaks.append(
            f"{fmt_number(row['peak_mean'])}"
            + (" samtidige borgere" if not peaks else "")
            + f" i {labels.get(o, o)} ({level_text}-interval "
            f"{fmt_number(row['peak_lower'], 0)}–{fmt_number(row['peak_upper'], 0)}{room})"
        )
    points.append(f"Ved uændret efterspørgsel forventes et dagsmaksimum på {_offers_join(peaks)}.")
    points.append(
        f"Som åbne væresteder koster tilbuddene {fmt_mio(track['total_cost_dkk'])} om året, "
        f"{fmt_mio_change(track['change_dkk'])} i forhold til i dag ({fmt_mio(track['today_cost_dkk'])})."
    )
    top = float(rec["uplift"].max())
    if top > 0:
        high = rec[rec["uplift"] == top].set_index("offer_id").loc[list(offer_ids)]
        need_top = float(high["staff_hours_week_needed"].sum())
        need_base = float(base.loc[list(offer_ids), "staff_hours_week_needed"].sum())
        over = [
            labels.get(o, o)
            for o in offer_ids
            if "share_days_over_places" in high.columns
            and not pd.isna(high.loc[o, "share_days_over_places"])
            and float(high.loc[o, "share_days_over_places"]) >= 0.05
        ]
        sentence = (
            f"Kommer der {fmt_pct(top, 0)} flere, kræver det {fmt_number(need_top, 0)} personaletimer pr. uge i "
            f"åbningstiden mod {fmt_number(need_base, 0)} ved uændret efterspørgsel"
        )
        with_places = [
            labels.get(o, o)
            for o in offer_ids
            if (offers.get(o) or {}).get("approved_places") is not None
            and not pd.isna((offers.get(o) or {}).get("approved_places"))
        ]
        if over:
            sentence += f", og pladstallet bliver en begrænsning i {_offers_join(over)}"
        elif with_places:
            sentence += f"; pladstallet i {_offers_join(with_places)} bliver heller ikke da en begrænsning"
        points.append(sentence + ".")
    return points


# --------------------------------------------------------------------------------------------------------
# 13 Spor 3
# --------------------------------------------------------------------------------------------------------


def employment_points(
    shown_funnel: pd.DataFrame,
    ranges: pd.DataFrame,
    offer_ids: Sequence[str],
    labels: Mapping[str, str],
    threshold: int,
    *,
    thresholds_text: str,
    limiting_text: str,
    small_group: int,
    team_size: int,
) -> list[str]:
    """Spor 3's message: possible participants per offer at the chosen thresholds and over the sensitivity
    range, the criterion that decides it, and — when the group is small — that a § 103 offer would have to
    recruit through the jobcenter.

    `shown_funnel` is the suppressed funnel (`track_employment.suppressed_funnel`: counts as the table shows
    them); `ranges` the sensitivity bracket (offer_id, lower, upper); `small_group` the size below which a
    group is too small to carry a workshop on its own (the notebook passes two workshop teams, 2 ×
    `spor3.participants_per_supervisor` = `team_size` × 2).
    """
    funnel = shown_funnel if "offer_id" not in shown_funnel.columns else shown_funnel.set_index("offer_id")
    bracket = ranges.set_index("offer_id")
    chosen = [
        f"{count_words(funnel.loc[o, 'target'], threshold)}"
        + (" mulige deltagere i et beskyttet værksted" if i == 0 else "")
        + f" i {labels.get(o, o)}"
        for i, o in enumerate(offer_ids)
    ]
    points = [
        f"Ved de valgte krav ({thresholds_text}) er der {_offers_join(chosen)} blandt de borgere, der kommer i dag."
    ]
    spans = [
        f"{range_words(bracket.loc[o, 'lower'], bracket.loc[o, 'upper'], threshold)} i {labels.get(o, o)}"
        for o in offer_ids
    ]
    points.append(
        f"Over hele følsomhedsanalysen (lempeligere og strammere krav) er spændet {_offers_join(spans)}; "
        f"tallet afhænger mest af {limiting_text}."
    )

    def chosen_value(o: str) -> int | None:
        value = funnel.loc[o, "target"]
        return None if isinstance(value, str) else int(value)

    small = [
        o
        for o in offer_ids
        # "<5" is below the threshold and so below any workshop; "×" is at least the threshold: not known small
        if (chosen_value(o) is not None and chosen_value(o) < small_group)
        or funnel.loc[o, "target"] != "×"
        and isinstance(funnel.loc[o, "target"], str)
    ]
    if small:
        which = (
            "alle tilbud"
            if len(small) == len(offer_ids) and len(offer_ids) > 1
            else _offers_join([labels.get(o, o) for o in small])
        )
        points.append(
            f"Konklusion: i {which} er gruppen ved de valgte krav mindre end {small_group} deltagere (to hold à "
            f"{team_size} pr. værkstedsleder), så et § 103-tilbud ville skulle rekruttere de fleste deltagere "
            "gennem jobcentret, ikke blandt tilbuddenes nuværende brugere."
        )
    else:
        points.append(
            f"Konklusion: ved de valgte krav er der mindst {small_group} mulige deltagere i hvert tilbud (to "
            f"hold à {team_size} pr. værkstedsleder), så et værksted kan tage udgangspunkt i tilbuddenes "
            "nuværende brugere."
        )
    # that attendance says nothing about capacity for work is the report's banner right below
    return points


# --------------------------------------------------------------------------------------------------------
# 20 Beslutningsgrundlag
# --------------------------------------------------------------------------------------------------------


def decision_points(
    today_cost_dkk: float,
    totals: pd.DataFrame,
    model_names: Mapping[str, str],
    ranges: pd.DataFrame,
    referred_total: int,
    threshold: int,
) -> list[str]:
    """The decision basis: today's cost, each model's cost and change, the cheapest model and whom it affects,
    the most uncertain model, and that the recommendation is the administration's."""
    tot = totals.set_index("model")
    keys = [k for k in model_names if k in tot.index]
    points = [f"I dag koster tilbuddene {fmt_mio(today_cost_dkk)} om året på fælles grundlag."]
    costs = [
        f"«{model_names[k]}» {fmt_mio(tot.loc[k, 'total_cost_dkk'])} ({fmt_mio_change(tot.loc[k, 'change_dkk'])})"
        for k in keys
    ]
    points.append(f"Modellerne koster pr. år: {join_da(costs)}.")
    cheapest = min(keys, key=lambda k: float(tot.loc[k, "total_cost_dkk"]))
    affected = int(tot.loc[cheapest, "referred_affected"])
    who = (
        f"alle {count_words(referred_total, threshold)} visiterede"
        if affected == referred_total
        else f"{count_words(affected, threshold)} visiterede"
    )
    points.append(
        f"Billigst er «{model_names[cheapest]}»; den kræver en ny afgørelse (revisitation) for {who} borgere."
    )
    rng = ranges if "model" not in ranges.columns else ranges.set_index("model")
    spread = {
        k: float(rng.loc[k, "max_cost_dkk"] - rng.loc[k, "min_cost_dkk"]) for k in keys if k in rng.index
    }
    if spread:
        widest = max(spread, key=spread.get)
        points.append(
            f"Mest usikker er «{model_names[widest]}»: følsomhedsanalysen giver "
            f"{fmt_number(rng.loc[widest, 'min_cost_dkk'] / 1e6, 2)}–"
            f"{fmt_number(rng.loc[widest, 'max_cost_dkk'] / 1e6, 2)} mio. kr."
        )
    points.append("Værktøjet anbefaler ingen model; forvaltningens anbefaling skrives nederst i rapporten.")
    return points


def zero_rows_note(
    dropped: pd.DataFrame, table: pd.DataFrame, group: str, detail: str, unit: str | None = None
) -> str:
    """The sentence that replaces rows of zeros left out of a table (`report.drop_zero_rows`): "Rækker uden
    borgere er udeladt: i A ingen ved mindst 3,0 dage pr. uge; i B ingen ved nogen af kravene." ("" if
    nothing was dropped). `group` is the offer column, `detail` the row label column; with a `unit` the labels
    read as thresholds ("ved mindst 3,0 dage pr. uge"), without one as names ("ved stram afgrænsning")."""
    if dropped.empty:
        return ""
    parts = []
    for name, rows in dropped.groupby(group, sort=False):
        labels = [str(v) for v in rows[detail]]
        if len(rows) == int((table[group] == name).sum()):
            parts.append(f"i {name} ingen ved nogen af kravene")
        elif unit:
            parts.append(f"i {name} ingen ved mindst {join_da(labels, 'eller')} {unit}")
        else:
            parts.append(f"i {name} ingen ved {join_da([v.lower() for v in labels], 'eller')} afgrænsning")
    return "Rækker uden borgere er udeladt: " + "; ".join(parts) + "."
