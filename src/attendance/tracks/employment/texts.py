"""Spor 3's sentences and key figures in Danish (report 13): counts quoted in running text, the key figures,
the key points and the paragraphs with numbers that the notebook shows as Markdown.

Why apart from `tables`: a number in a sentence must never say more than the tables (a count is quoted as
the suppressed table shows it: "<5", "×", "ca. 10"), so the texts take the protected tables as input; the
tables themselves, and their protection, are in `tables`, the numbers in `compute`.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from attendance.reporting import disclosure as dc
from attendance.reporting import fmt_dkk, fmt_int, fmt_mio, fmt_mio_change, fmt_number, fmt_pct, join_da
from attendance.reporting.disclosure import ROUNDED
from attendance.reporting.glossary import quantile_label
from attendance.reporting.summary import employment_points, range_words

from .compute import CRITERIA, outside_opening_hours
from .tables import DEFINITION_LABELS, fmt_threshold, threshold_texts

CRITERION_TEXTS = {
    "days_ok": "hyppigheden (dage pr. uge)",
    "weeks_ok": "stabiliteten (andel af ugerne med fremmøde)",
    "hours_ok": "varigheden (timer pr. dag i værkstedsdagen)",
}


def limiting_criterion(funnel: pd.DataFrame) -> str:
    """The criterion fewest citizens meet on its own, over all offers (`days_ok`, `weeks_ok` or `hours_ok`):
    the one the target group's size depends on most."""
    totals = funnel[CRITERIA].sum()
    return str(totals.idxmin())


def count_text(value, threshold: int) -> str:
    """A count of citizens for running text and key figures, by the one rule (`disclosure.count_text`); a
    marker ("<5", "×") from a suppressed table is passed on as it is, a rounded "≈10" reads "ca. 10"."""
    if isinstance(value, str):
        return f"ca. {value[len(ROUNDED) :]}" if value.startswith(ROUNDED) else value
    return dc.count_text(value, threshold)


def _attended_text(value, threshold: int) -> str:
    """ "52", "<5", or for a hidden count ("×": at least the threshold) "mindst 5" in a sentence."""
    return f"mindst {int(threshold)}" if value == "×" else count_text(value, threshold)


def definitions_text(plans: pd.DataFrame) -> str:
    """ "Stram: 3,0 dage pr. uge og 80 % af ugerne; Valgt: …" — what the three definitions mean."""
    rows = plans.drop_duplicates("definition")
    return "; ".join(
        f"{DEFINITION_LABELS[d]}: {fmt_threshold(days)} dage pr. uge og {fmt_pct(share, 0)} af ugerne"
        for d, days, share in zip(
            rows["definition"], rows["min_days_per_week"], rows["min_weeks_active_share"], strict=True
        )
    )


def _shown_plans(plans: pd.DataFrame, definition: str, threshold: int) -> pd.DataFrame:
    """One definition's plans for the offers whose group may be described (0 or ≥ threshold citizens)."""
    rows = plans[plans["definition"] == definition]
    return rows[(rows["citizens"] >= int(threshold)) | (rows["citizens"] == 0)]


def key_figure_items(
    funnel: pd.DataFrame,
    bracket_table: pd.DataFrame,
    plans: pd.DataFrame,
    labels: Mapping[str, str],
    threshold: int,
    shown: pd.DataFrame | None = None,
) -> list[tuple[str, str, str]]:
    """The report's key figures: the target group per offer (with the sensitivity range), and places, staff
    hours and cost of the chosen definition, added over the offers whose group may be described. The cost
    range (strict–loose) is given only when no offer's group is hidden at either end, so a key figure never
    says more than the tables. `shown` is the suppressed funnel (`suppressed_funnel`): the counts of the
    funnel are quoted as the table shows them ("<5", "×")."""
    items = []
    ranges = bracket_table.set_index("offer_id")
    for row in funnel.itertuples(index=False):  # one row per offer
        low, high = ranges.loc[row.offer_id, "lower"], ranges.loc[row.offer_id, "upper"]
        spread = (
            f"{count_text(low, threshold)} ved alle tærskler i følsomhedsanalysen"
            if low == high
            else f"{count_text(low, threshold)}{' til ' if isinstance(high, str) else '–'}{count_text(high, threshold)} "
            "ved andre tærskler"
        )
        seen = shown.loc[row.offer_id] if shown is not None else row._asdict()
        items.append(
            (
                f"Mulig målgruppe, {labels.get(row.offer_id, row.offer_id)}",
                count_text(seen["target"], threshold),
                f"af {_attended_text(seen['attended'], threshold)} med fremmøde · {spread}",
            )
        )
    chosen = plans[plans["definition"] == "chosen"]
    shown = _shown_plans(plans, "chosen", threshold)
    hidden = [labels.get(o, o) for o in chosen.loc[~chosen.index.isin(shown.index), "offer_id"]]
    suffix = f" ({', '.join(hidden)} ikke medregnet: under {int(threshold)} borgere)" if hidden else ""
    per_offer = " · ".join(
        f"{labels.get(o, o)} {fmt_int(p)}" for o, p in zip(shown["offer_id"], shown["places"], strict=True)
    )
    items.append(("Pladser i et værksted", fmt_int(shown["places"].sum()), per_offer + suffix))
    items.append(
        (
            "Personaletimer pr. uge",
            fmt_number(shown["staff_hours_week"].sum(), 0),
            f"{fmt_number(shown['fte'].sum(), 2)} årsværk{suffix}",
        )
    )
    strict, loose = _shown_plans(plans, "strict", threshold), _shown_plans(plans, "loose", threshold)
    n_offers = chosen["offer_id"].nunique()
    if len(strict) == n_offers and len(loose) == n_offers and not hidden:
        note = f"{fmt_int(strict['cost_dkk'].sum())}–{fmt_dkk(loose['cost_dkk'].sum())} ved stram–løs afgrænsning"
    else:
        note = "spændet står i tabellen over lønudgift" + suffix
    items.append(("Lønudgift pr. år (kr.)", fmt_int(shown["cost_dkk"].sum()), note))
    return items


# --------------------------------------------------------------------------------------------------------
# The report's texts (report 13): sentences with numbers, built here so the notebook only shows them
# --------------------------------------------------------------------------------------------------------


def workshop_text(spor3: Mapping) -> str:
    """The workshop day as the report writes it: "09:00–15:00"."""
    return f"{spor3['workshop_day'][0]}–{spor3['workshop_day'][1]}"


def quantile_text(quantile: float) -> str:
    """ "90 %-fraktilen": the glossary's word for the planning quantile, definite form."""
    return quantile_label(quantile) + "en"


def key_points(
    shown: pd.DataFrame,
    bracket_table: pd.DataFrame,
    funnel: pd.DataFrame,
    spor3: Mapping,
    labels: Mapping[str, str],
    threshold: int,
) -> list[str]:
    """The report's "Det vigtigste" (`summary.employment_points`) from the suppressed funnel `shown`, the
    bracket as shown and the true funnel (only for the criterion that limits the group most)."""
    texts = threshold_texts(spor3)
    team = spor3["participants_per_supervisor"]
    return employment_points(
        shown,
        bracket_table,
        list(labels),
        labels,
        threshold,
        thresholds_text=f"{texts['days']}, {texts['weeks']} og {texts['hours']}",
        limiting_text=CRITERION_TEXTS[limiting_criterion(funnel)],
        small_group=2 * int(team),
        team_size=int(team),
    )


def cost_key_figures(
    track: Mapping,
    funnel: pd.DataFrame,
    bracket_table: pd.DataFrame,
    plans: pd.DataFrame,
    labels: Mapping[str, str],
    threshold: int,
    shown: pd.DataFrame,
) -> list[tuple[str, str, str]]:
    """The key figures of report 13: the shared-basis cost of the track first (`decision.track_cost`'s
    totals), then `key_figure_items` without the workshop leaders' wage alone (that is in the tables)."""
    return [
        (
            "Samlet udgift pr. år, hvis tilbuddene bliver § 103-værksteder, mio. kr.",
            fmt_mio(track["total_cost_dkk"], unit=False),
            f"{fmt_mio_change(track['change_dkk'])} i forhold til i dag ({fmt_mio(track['today_cost_dkk'])} på samme "
            "grundlag: vagtplan, husleje og drift) · se Beslutningsgrundlag",
        ),
        *(
            item
            for item in key_figure_items(funnel, bracket_table, plans, labels, threshold, shown)
            if not str(item[0]).startswith("Lønudgift")
        ),
    ]


def criteria_text(spor3: Mapping, period: str) -> str:
    """How the possible target group is delimited: the three thresholds in Danish, as a numbered list."""
    texts = threshold_texts(spor3)
    return (
        f"En borger regnes med i den mulige målgruppe for et tilbud, når alle tre betingelser er opfyldt i "
        f"perioden {period}:\n\n"
        f"1. **Hyppighed:** {texts['days']} i gennemsnit (åbningsdage med fremmøde delt med periodens uger).\n"
        f"2. **Stabilitet:** {texts['weeks']} (uger med mindst ét besøg).\n"
        f"3. **Varighed:** {texts['hours']} ({workshop_text(spor3)}) i gennemsnit over de dage, borgeren kom.\n\n"
        "Kun åbningsdage tæller. Dage, der kun er krydset af uden klokkeslæt, tæller i hyppighed og stabilitet, "
        "ikke i varighed."
    )


def unreferred_text(shown: pd.DataFrame, labels: Mapping[str, str], threshold: int) -> str:
    """Why "med fremmøde" is more than the other reports' active citizens: the unreferred visitors per offer,
    as the suppressed funnel `shown` has them."""
    unreferred = ", ".join(
        f"{count_text(shown.loc[o, 'not_referred'], threshold)} i {labels[o]}" for o in shown.index
    )
    return (
        "«Borgere med fremmøde» omfatter også borgere uden visitation "
        f"({unreferred}); derfor er tallet højere end de aktive i de øvrige rapporter."
    )


def range_text(bracket_table: pd.DataFrame, labels: Mapping[str, str], threshold: int) -> str:
    """The sensitivity grid's span per offer (strictest to loosest cell, as the table shows them)."""
    lines = [
        f"- **{labels[row.offer_id]}:** {range_words(row.lower, row.upper, threshold)} mulige deltagere"
        for row in bracket_table.itertuples(index=False)
    ]
    return "Spændet over tabellen med hyppighed og stabilitet:\n\n" + "\n".join(lines)


def workshop_method_text(spor3: Mapping, staffing: Mapping) -> str:
    """How places, workshop leaders and their wage are computed, with the parameters' values."""
    q_text = quantile_text(float(staffing["occupancy_quantile"]))
    return (
        f"Beregnet ud fra målgruppens fremmøde pr. tidsrum i værkstedsdagen ({workshop_text(spor3)}): **pladser** = det højeste "
        f"{q_text.removesuffix('en')} over ugedage og tidsrum, rundet op; **værkstedsledere** = én pr. "
        f"{fmt_int(spor3['participants_per_supervisor'])} "
        f"deltagere til stede, mindst {fmt_int(staffing['min_staff_on_duty'])}; **løn** = ledernes timer omregnet "
        f"til årsværk à {fmt_int(staffing['fte_hours_per_year'])} timer og {fmt_dkk(staffing['cost_per_fte_dkk'])} "
        "(en antagelse). Til sammenligning vises lønnen ved fast bemanding hele værkstedsdagen."
    )


def outside_hours_text(slots: pd.DataFrame, labels: Mapping[str, str], spor3: Mapping) -> str:
    """What the plan assumes where the workshop day reaches beyond today's opening hours, and its limits."""
    outside = outside_opening_hours(slots)
    parts = [f"{labels[o]} ({fmt_number(h, 1)} timer om ugen)" for o, h in outside.items() if h > 0]
    text = "Et tilbud uden borgere i målgruppen får ingen pladser og ingen ledere. "
    if parts:
        text += (
            f"Værkstedsdagen {workshop_text(spor3)} rækker ud over den nuværende åbningstid i "
            + join_da(parts)
            + "; her er "
            "værkstedet bemandet med det mindste antal ledere. "
        )
    return (
        text
        + "Med faste mødetider kan behovet blive større end her; omvendt vil ikke alle i målgruppen deltage."
    )


def caveats_text(regularity: pd.DataFrame, presence: pd.DataFrame, period: str) -> str:
    """The report's reservations: the short period (weeks, opening days per weekday behind the places), the
    citizens the data cannot see, and what the economy leaves out."""
    weeks = int(regularity["period_weeks"].max()) if len(regularity) else 0
    days = presence.groupby(["offer_id", "weekday"])["days"].first()
    return (
        f"- **Kort periode.** {period} ({fmt_int(weeks)} uger); pladsbehovet pr. ugedag bygger på "
        f"{fmt_int(days.min())}–{fmt_int(days.max())} åbningsdage. En borger, der først blev visiteret midt i "
        "perioden, ser mindre regelmæssig ud, end vedkommende er.\n"
        "- **Borgere uden for tilbuddene tæller ikke med**, fx visiterede, der ikke kommer, og borgere på kanten af "
        "arbejdsmarkedet, som jobcentret kender.\n"
        "- **Økonomien er kun løn til værkstedsledere**; lokaler, materialer, transport, ledelse og deltagernes "
        "aflønning kommer oven i."
    )


def no_group_text(threshold: int) -> str:
    """What the report says instead of the weekday and slot figures when no offer's group may be described."""
    return (
        f"Ingen af tilbuddene har en mulig målgruppe på mindst {fmt_int(threshold)} borgere ved de "
        "valgte tærskler, så fordelingen på ugedage og tidsrum vises ikke."
    )


def shared_figures(headline: pd.DataFrame, track: Mapping) -> dict:
    """The figures every report must quote alike (`reporting.shared_figures`): attendance from the demand
    stage's headline and the track's shared-basis cost (`decision.track_cost`)."""
    return {
        "referred": headline["referred"].sum(),
        "active": headline["active"].sum(),
        "visits": headline["visits"].sum(),
        "today_cost_dkk": track["today_cost_dkk"],
        "track.workshop_103.total_cost_dkk": track["total_cost_dkk"],
    }
