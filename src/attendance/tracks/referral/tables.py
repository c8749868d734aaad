"""Spor 1 in the report's words: Danish display tables (counts of citizens suppressed together with the other
reports' tables and recorded for the disclosure audit), key figures and the report's sentences.

Why a module of its own: `compute` returns English columns a reviewer can check against the data; the wording,
the disclosure control and the number formats of the report live here, apart from the arithmetic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from attendance import reporting as rp
from attendance.reporting import disclosure_tables as dt
from attendance.reporting import glossary

BAND_LABELS_DA = {band: glossary.usage_band(band) for band in ("0", "1–2", "3–9", "10+")}


def fmt_hours(value) -> str:
    """Hours in Danish without a needless ",0": 70 -> "70", 39.5 -> "39,5" (staff-hours come in half hours)."""
    if value is None or pd.isna(value):
        return rp.MISSING
    rounded = round(float(value), 1)
    return rp.fmt_number(rounded, 0 if rounded.is_integer() else 1)


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


REFERRAL_FORMATS = {
    "Andel aktive": "pct",
    "Godkendte pladser": "int",
    "Visiterede pr. godkendt plads": "number",
}
REFERRAL_NOTE = (
    "Aktiv: visiteret borger med mindst ét besøg i perioden. Besøgende uden visitation: borgere, der "
    "kom uden at stå på visitationslisten. Tomt felt (–): ingen godkendte pladser oplyst."
)


def bands_note(threshold: int) -> str:
    """The note under the usage bands of the referred: shares, means, recoded bands and the "×" cells."""
    return (
        "Andel: af tilbuddets visiterede borgere. Besøg pr. uge: gennemsnit for borgerne i gruppen. "
        "Rækken med 0 besøg er forskellen mellem visiterede og aktive borgere, som står i tabellen ovenfor, "
        "og vises derfor. Bånd slås sammen (fx 1–9 besøg), hvor et lille bånd ellers ville kunne regnes ud "
        f"fra de andre tal; «×» skjuler et tal på mindst {threshold}, så et tal under {threshold} ikke kan regnes ud."
    )


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
# Key figures and the report's sentences
# --------------------------------------------------------------------------------------------------------


def per_offer(fmt, offer_ids: Sequence[str], names: Mapping[str, str]) -> str:
    """'<tilbud> x · <tilbud> y' — one short phrase per offer for key-figure notes and sentences."""
    return " · ".join(f"{names[o]} {fmt(o)}" for o in offer_ids)


def key_figure_items(
    overview: pd.DataFrame,
    staff: pd.DataFrame,
    budget: pd.DataFrame,
    followup: pd.DataFrame,
    track: Mapping,
    names: Mapping[str, str],
) -> list[tuple]:
    """The key figures at the top of the spor 1 report: the track's total cost on the shared cost basis
    (`track` from `decision.track_cost`), active of the referred, approved places, staff-hours, the cost per
    active citizen and the årsværk of goal follow-up. Referred and active are public figures."""
    ov, st_, bu, fu = (t.set_index("offer_id") for t in (overview, staff, budget, followup))
    offer_ids = list(overview["offer_id"])
    places = [o for o in offer_ids if pd.notna(ov.loc[o, "approved_places"])]
    items = [
        (
            "Samlet udgift pr. år som § 104 med tilpasset normering, mio. kr.",
            rp.fmt_mio(track["total_cost_dkk"], unit=False),
            f"{rp.fmt_mio_change(track['change_dkk'])} i forhold til i dag ({rp.fmt_mio(track['today_cost_dkk'])} på samme "
            "grundlag: vagtplan, husleje og drift) · se Beslutningsgrundlag",
        ),
        (
            "Aktive af de visiterede borgere",
            f"{rp.fmt_int(ov['active'].sum())} af {rp.fmt_int(ov['referred'].sum())}",
            per_offer(
                lambda o: f"{rp.fmt_int(ov.loc[o, 'active'])} af {rp.fmt_int(ov.loc[o, 'referred'])}",
                offer_ids,
                names,
            ),
        ),
    ]
    items += [
        (
            f"Godkendte pladser, {names[o]}",
            int(ov.loc[o, "approved_places"]),
            f"{rp.fmt_int(ov.loc[o, 'referred'])} visiterede · højst {rp.fmt_int(ov.loc[o, 'peak_concurrent_max'])} "
            "til stede samtidig",
        )
        for o in places
    ]
    items += [
        (
            "Personaletimer pr. uge, som fremmødet kræver",
            fmt_hours(st_["staff_hours_week_needed"].sum()),
            f"vagtplanen: {fmt_hours(st_['staff_hours_week_roster_open'].sum())} timer i åbningstiden",
        ),
        (
            f"Udgift pr. aktiv borger pr. år i dag ({rp.offers_phrase(offer_ids)})",
            rp.fmt_dkk_rounded(track["today_cost_dkk"] / ov["active"].sum()),
            f"på fælles grundlag som i fremmødestatistikken · efter budgettet "
            f"{rp.fmt_dkk_rounded(bu['annual_budget_dkk'].sum() / bu['active'].sum())}",
        ),
        (
            "Årsværk til opfølgning på mål for de aktive borgere",
            rp.fmt_number(fu["fte"].sum(), 2),
            f"{rp.fmt_dkk_rounded(fu['cost_dkk'].sum())} om året · "
            f"{rp.fmt_dkk_rounded(fu['cost_per_citizen_dkk'].iloc[0])} pr. aktiv borger",
        ),
    ]
    return items


def need_text(staffing: Mapping, bin_minutes: int) -> str:
    """How the staff needed per slot is computed, in the report's words."""
    slot = rp.slot_words(bin_minutes)
    return (
        f"Behovet pr. {slot['per']} er det antal borgere, der ifølge efterspørgselsmodellen højst er til stede på "
        f"{rp.fmt_pct(staffing['occupancy_quantile'], 0)} af dagene, delt med "
        f"{rp.fmt_number(staffing['citizens_per_staff'], 0)} borgere pr. medarbejder og rundet op (mindst "
        f"{rp.fmt_int(staffing['min_staff_on_duty'])} på vagt). Den tilpassede normering er behovet i åbningstiden "
        "plus vagtplanens timer før åbning og efter lukning."
    )


def staffing_note(bin_minutes: int) -> str:
    return (
        "Timer pr. uge. Ændring: tilpasset normering minus vagtplanen i alt (negativ = færre timer). "
        f"For få / for mange: antal {rp.slot_words(bin_minutes)['plural']} i en uges åbningstid med færre på vagt "
        "end behovet / med mindst én medarbejder mere end behovet."
    )


def budget_assumptions_text(offers: Mapping, offer_ids: Sequence[str], staffing: Mapping) -> str:
    """The assumptions of the budget section: the offers' own `assumptions_note`s and how staff cost is costed."""
    notes = sorted({offers[o].get("assumptions_note") for o in offer_ids} - {None, ""})
    return (
        "**Forudsætninger.** " + " ".join(notes) + " Personaleudgift = personaletimer pr. uge × 52 ÷ "
        f"{rp.fmt_int(staffing['fte_hours_per_year'])} timer pr. årsværk × {rp.fmt_dkk(staffing['cost_per_fte_dkk'])} "
        "(en antagelse). Ved tilpasset normering skiftes kun personaleudgiften efter vagtplanen ud; resten af "
        "budgettet er uændret. Beløbene er afrundede."
    )


def budget_per_active_caption(synthetic: bool) -> str:
    return (
        "Budget pr. aktiv borger pr. år i dag, ved normering tilpasset fremmødet og ved tilpasset normering "
        "med opfølgning på individuelle mål. Forskellen mellem den blå og den orange bjælke er prisen "
        "for dokumentationskravet. "
        + (
            "Beløbene bygger på illustrative antagelser om budget, vagtplan og løn."
            if synthetic
            else "Beløbene bygger på tilbuddenes budget og vagtplan og en antaget udgift pr. årsværk."
        )
    )


def followup_text(followup: pd.DataFrame, hours_per_citizen_per_quarter: float) -> str:
    """What goal follow-up costs for the active citizens, and for all referred, in one paragraph."""
    fu = followup
    hours = hours_per_citizen_per_quarter
    return (
        f"Med {fmt_hours(hours)} timer pr. borger pr. kvartal til opfølgning på mål og dokumentation "
        f"bliver det {fmt_hours(hours * 4)} timer pr. borger om året. Det svarer til "
        f"{rp.fmt_dkk_rounded(fu['cost_per_citizen_dkk'].iloc[0])} pr. aktiv borger om året og i alt "
        f"{rp.fmt_number(fu['fte'].sum(), 2)} årsværk ({rp.fmt_dkk_rounded(fu['cost_dkk'].sum())}) for de "
        f"{rp.fmt_int(fu['active'].sum())} aktive borgere. Skal alle {rp.fmt_int(fu['referred'].sum())} visiterede "
        f"borgere have mål og opfølgning, er det {rp.fmt_number(fu['fte_referred'].sum(), 2)} årsværk "
        f"({rp.fmt_dkk_rounded(fu['cost_referred_dkk'].sum())})."
    )


FOLLOWUP_FORMATS = {
    "Timer pr. borger pr. år": fmt_hours,
    "Timer pr. år": "int",
    "Årsværk": "number:2",
    "Udgift pr. år": "dkk_rounded",
    "Udgift pr. aktiv borger": "dkk_rounded",
    "Hvis alle visiterede: årsværk": "number:2",
    "Hvis alle visiterede: udgift pr. år": "dkk_rounded",
}


def limits_text(
    validation: pd.DataFrame,
    offer_ids: Sequence[str],
    names: Mapping[str, str],
    staffing: Mapping,
    *,
    level: float,
    period: str,
    synthetic: bool,
) -> str:
    """Uncertainty and what the figures cannot say, as a bulleted list (with the model's held-out coverage)."""
    cov = validation.set_index("offer_id")["coverage_slot_occupancy"]
    bullets = []
    if synthetic:
        bullets.append(
            "- **Demodata.** Tallene her er beregnet på syntetiske data, ikke på rigtige registreringer. "
            "Vagtplan, budget, årsværk og løn er illustrative antagelser, ikke kommunens tal."
        )
    bullets += [
        f"- **Én periode.** Registreringen dækker {period}. Fremmødet kan være anderledes i andre dele af året, "
        "og en enkelt periode kan ikke vise udviklingen over tid.",
        "- **Behovet er et skøn.** Personalebehovet bygger på en forudsætning om, hvor mange borgere én "
        f"medarbejder kan være sammen med ({rp.fmt_number(staffing['citizens_per_staff'], 0)}), og på en model for, "
        f"hvor mange der kommer. Modellen giver intervaller, ikke sikre tal: der planlægges efter et fremmøde, som "
        f"ikke overskrides på {rp.fmt_pct(staffing['occupancy_quantile'], 0)} af dagene, så på de travleste dage "
        "kan der komme flere. På de udeholdte testuger lå det faktiske fremmøde inden for modellens "
        f"{rp.fmt_pct(level, 0)}-interval i "
        + " og ".join(f"{rp.fmt_pct(cov.get(o), 0)} af tidsrummene i {names[o]}" for o in offer_ids)
        + ".",
        "- **Aktiv er ikke det samme som målgruppe.** Om tilbuddet er det rette for borgeren, kræver en faglig "
        "vurdering ved revisitation.",
        "- **Tiden til opfølgning er en antagelse**, ikke målt; den bør afstemmes med medarbejderne.",
    ]
    return "\n".join(bullets)


def methods_text(synthetic: bool) -> str:
    """The pointer to the methods page: what is counted and what is modelled."""
    return (
        "Visiterede og aktive borgere, fremmøde og brugsmønstre er talt direkte i de rensede registreringer; "
        "personalebehovet bygger på efterspørgselsmodellen (ankomster pr. tidsrum og opholdslængder). "
        + (
            "Vagtplan, budget og årsværk er i demodata illustrative antagelser."
            if synthetic
            else "Vagtplan, budget og årsværk kommer fra tilbuddenes stamdata; lønnen pr. årsværk er en parameter."
        )
    )
