"""Spor 2 in the report's words: Danish tables, key-figure notes and the sentences of the capacity section.

Why a module of its own: the computation (`compute`) returns English columns a reviewer can check; this module
turns them into what the report shows — headings, intervals written "18,4 (11–26)", scenario labels, and
counts of citizens passed through `suppress_small` — so wording can change without touching the arithmetic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from attendance.reporting import (
    MINUS,
    fmt_dkk,
    fmt_int,
    fmt_mio,
    fmt_mio_change,
    fmt_number,
    fmt_pct,
    glossary,
    join_da,
    master_data_text,
    slot_words,
    suppress_small,
    weekday_name,
)
from attendance.reporting import disclosure_tables as dt

from .compute import rule_description
from .scenarios import HOURS_RECOMMENDED, HOURS_TODAY

HOURS_LABELS_DA = {HOURS_TODAY: "Nuværende åbningstid", HOURS_RECOMMENDED: "Anbefalet åbningstid"}


def scenario_label(uplift: float) -> str:
    """0.2 -> "+20 %", -0.2 -> "−20 %", 0 -> "Som i dag"."""
    if abs(float(uplift)) < 1e-12:
        return "Som i dag"
    text = fmt_pct(abs(float(uplift)), 0)
    return f"+{text}" if uplift > 0 else f"{MINUS}{text}"


def interval_text(lower: float, upper: float) -> str:
    """An interval of whole citizens as "11–26"."""
    return f"{fmt_number(lower, 0)}–{fmt_number(upper, 0)}"


def mean_interval_text(mean: float, lower: float, upper: float) -> str:
    """A mean with its interval as "18,4 (11–26)", kept on one line in a table cell."""
    return _no_break(f"{fmt_number(mean, 1)}\u00a0({interval_text(lower, upper)})")


def places_text(places: float | None) -> str:
    """An offer's approved places for a key-figure note: "30 godkendte pladser" or "intet godkendt pladstal"."""
    if places is None or (isinstance(places, float) and np.isnan(places)):
        return "intet godkendt pladstal"
    return f"{fmt_int(places)} godkendte pladser"


def places_line_text(offers: Mapping[str, Mapping], names: Mapping[str, str]) -> str:
    """The sentence that explains the dashed places line of `plot_scenario_peaks`, from the offers' data."""
    with_places = [names[o] for o in names if (offers.get(o) or {}).get("approved_places") is not None]
    if not with_places:
        return "Ingen af tilbuddene har et godkendt pladstal, så der er ingen linje for pladser."
    lead = (
        "Den stiplede linje er tilbuddets godkendte pladser."
        if len(names) == 1
        else f"Den stiplede linje er de godkendte pladser ({join_da(with_places)})."
        if len(with_places) < len(names)
        else "Den stiplede linje er tilbuddets godkendte pladser i hvert panel."
    )
    return (
        f"{lead} Læs: jo tættere stregens top kommer på linjen, jo oftere vil der være flere end pladstallet."
    )


def capacity_text(
    table: pd.DataFrame,
    offer_id: str,
    name: str,
    places: float | None,
    peak_max: float,
    level_text: str,
) -> str:
    """One offer's paragraph of the capacity section: approved places against the expected daily peaks.

    `table` is `scenario_table`'s first result; `peak_max` the highest concurrent attendance registered.
    An offer without approved places gets the sentence that its capacity cannot be compared.
    """
    if places is None or (isinstance(places, float) and np.isnan(places)):
        return (
            f"{name} har intet godkendt pladstal, så kapaciteten kan ikke sammenlignes. Forventet dagsmaksimum "
            f"for {name} står i tabellerne ovenfor og i scenarierne nedenfor; hvis {name} bliver et åbent "
            "værested, bør der fastsættes et pladstal ud fra lokalerne."
        )
    own = table[(table["offer_id"] == offer_id) & (table["hours"] == "recommended")].set_index("uplift")
    top = float(max(own.index))
    worst = own.loc[top]
    limiting = worst["share_days_over_places"] >= 0.05
    growth = (
        f"Stiger efterspørgslen {fmt_pct(top, 0)}, overskrides pladstallet på "
        f"{share_of_days_text(worst['share_days_over_places'])} (forventet dagsmaksimum "
        f"{fmt_number(worst['peak_mean'])}, interval {interval_text(worst['peak_lower'], worst['peak_upper'])}). "
        if top > 0
        else ""
    )
    today = own.loc[0.0]
    return (
        f"{name} er godkendt til {fmt_int(places)} pladser. I registreringsperioden var der højst "
        f"{fmt_int(peak_max)} borgere til stede samtidig. Med den anbefalede åbningstid og uændret efterspørgsel "
        f"forventes dagsmaksimum at ligge mellem {interval_text(today['peak_lower'], today['peak_upper'])} på "
        f"{level_text} af dagene, og pladstallet overskrides på "
        f"{share_of_days_text(today['share_days_over_places'])}. "
        + growth
        + (
            f"Pladstallet i {name} er altså allerede med dagens efterspørgsel en begrænsning, som et åbent "
            "værested skal tage stilling til (fx flere lokaler eller et loft over antal samtidige gæster)."
            if today["share_days_over_places"] >= 0.05
            else f"Pladstallet bliver altså kun sjældent en begrænsning for et åbent værested i {name}, også i det "
            "største scenarie; bemandingen betyder mere for økonomien."
            if not limiting
            else f"I det største scenarie bliver pladstallet i {name} altså en begrænsning, som et åbent værested "
            "skal tage stilling til (fx flere lokaler eller et loft over antal samtidige gæster)."
        )
    )


def share_of_days_text(share: float) -> str:
    """How often a simulated day exceeds a limit, in words a reader can use ("under 0,1 % af dagene")."""
    if share <= 0:
        return "ingen af de beregnede dage"
    if share < 0.001:
        return "under 0,1 % af dagene"
    return f"{fmt_pct(share, 1)} af dagene"


def _no_break(text: str) -> str:
    """Keep "09:00–15:00" on one line in a narrow table column (word joiners around the dash)."""
    return text.replace("–", "\u2060–\u2060")


def hours_table_da(summary: pd.DataFrame, shift: pd.DataFrame, offer_id: str) -> pd.DataFrame:
    """Today's vs the recommended opening hours of one offer per weekday, with Danish column names."""
    own = summary[summary["offer_id"] == offer_id].merge(shift, on=["offer_id", "weekday"], how="left")
    return pd.DataFrame(
        {
            "Ugedag": [weekday_name(w) for w in own["weekday"]],
            "Åbningstid i dag": [_no_break(t) for t in own["today_text"]],
            "Anbefalet åbningstid": [_no_break(t) for t in own["recommended_text"]],
            "Timer i dag": own["today_hours"].to_numpy(),
            "Timer anbefalet": own["recommended_hours"].to_numpy(),
            "Andel af borgertimerne inden for anbefalet tid": own["citizen_hours_share_kept"].to_numpy(),
            "Ankomster pr. dag, der flyttes til åbning": own["arrivals_moved"].fillna(0.0).to_numpy(),
        }
    )


def weekday_check_da(
    observed: pd.DataFrame, by_weekday: pd.DataFrame, offer_id: str, *, suppress_below: int
) -> pd.DataFrame:
    """Observed unique citizens and daily peaks per weekday (`kpis_by_weekday`) beside the model's
    expectation at today's hours and demand — the check that the model reproduces today before it is used
    for other hours and scenarios. Observed counts of citizens go through `report.suppress_small`."""
    own = observed[observed["offer_id"] == offer_id].sort_values("weekday")
    model = by_weekday[
        (by_weekday["offer_id"] == offer_id)
        & (by_weekday["hours"] == HOURS_TODAY)
        & (by_weekday["uplift"] == 0.0)
    ].set_index("weekday")
    model = model.reindex(own["weekday"])
    table = pd.DataFrame(
        {
            "Ugedag": [weekday_name(w) for w in own["weekday"]],
            "Unikke, gns.": own["unique_mean"].to_numpy(),
            "Færrest": own["unique_min"].to_numpy(),
            "Flest": own["unique_max"].to_numpy(),
            "Unikke, model (interval)": [
                mean_interval_text(m, a, b)
                for m, a, b in zip(
                    model["unique_mean"], model["unique_lower"], model["unique_upper"], strict=True
                )
            ],
            "Dagsmaks., gns.": own["peak_mean"].to_numpy(),
            "Højeste": own["peak_max"].to_numpy(),
            "Dagsmaks., model (interval)": [
                mean_interval_text(m, a, b)
                for m, a, b in zip(model["peak_mean"], model["peak_lower"], model["peak_upper"], strict=True)
            ],
        }
    )
    return suppress_small(table, ["Færrest", "Flest", "Højeste"], suppress_below)


def recommended_weekday_da(summary: pd.DataFrame, by_weekday: pd.DataFrame, offer_id: str) -> pd.DataFrame:
    """Per weekday with the recommended hours at today's demand: expected unique citizens and daily peak."""
    hours = summary[summary["offer_id"] == offer_id].set_index("weekday")
    rows = by_weekday[
        (by_weekday["offer_id"] == offer_id)
        & (by_weekday["hours"] == HOURS_RECOMMENDED)
        & (by_weekday["uplift"] == 0.0)
    ].sort_values("weekday")
    return pd.DataFrame(
        {
            "Ugedag": [weekday_name(w) for w in rows["weekday"]],
            "Anbefalet åbningstid": [_no_break(t) for t in hours.loc[rows["weekday"], "recommended_text"]],
            "Unikke borgere, forventet (interval)": [
                mean_interval_text(m, a, b)
                for m, a, b in zip(
                    rows["unique_mean"], rows["unique_lower"], rows["unique_upper"], strict=True
                )
            ],
            "Dagsmaksimum, forventet (interval)": [
                mean_interval_text(m, a, b)
                for m, a, b in zip(rows["peak_mean"], rows["peak_lower"], rows["peak_upper"], strict=True)
            ],
        }
    )


def _scenario_keys(own: pd.DataFrame) -> dict[str, list[str]]:
    return {
        "Efterspørgsel": [scenario_label(u) for u in own["uplift"]],
        "Åbningstid": [HOURS_LABELS_DA[h].split()[0].lower() for h in own["hours"]],
    }


def busiest_slot_column(bin_minutes: int = 30) -> str:
    """The scenario table's column of the busiest slot, named by the slot width ("Travleste halve time, …")."""
    return f"Travleste {slot_words(bin_minutes)['per']}, gns. til stede"


def scenario_attendance_da(table: pd.DataFrame, offer_id: str, bin_minutes: int = 30) -> pd.DataFrame:
    """One offer's scenarios (demand change × opening hours): expected attendance, peaks and capacity."""
    own = table[table["offer_id"] == offer_id]
    out = pd.DataFrame(
        {
            **_scenario_keys(own),
            "Unikke borgere pr. dag (interval)": [
                mean_interval_text(m, a, b)
                for m, a, b in zip(own["unique_mean"], own["unique_lower"], own["unique_upper"], strict=True)
            ],
            "Dagsmaksimum (interval)": [
                mean_interval_text(m, a, b)
                for m, a, b in zip(own["peak_mean"], own["peak_lower"], own["peak_upper"], strict=True)
            ],
            busiest_slot_column(bin_minutes): own["occupancy_mean_max"].to_numpy(),
            "Dage over godkendte pladser": own["share_days_over_places"].to_numpy(),
        }
    )
    if own["approved_places"].isna().all():
        out = out.drop(columns="Dage over godkendte pladser")
    return out


def scenario_staffing_da(table: pd.DataFrame, offer_id: str) -> pd.DataFrame:
    """One offer's scenarios (demand change × opening hours): opening hours, staff-hours, FTE and staff cost."""
    own = table[table["offer_id"] == offer_id]
    return pd.DataFrame(
        {
            **_scenario_keys(own),
            "Åbne timer pr. uge": own["opening_hours_week"].to_numpy(),
            "Personaletimer pr. uge": own["staff_hours_week_needed"].to_numpy(),
            "Årsværk": own["fte_needed"].to_numpy(),
            "Lønudgift pr. år": own["staff_budget_needed_dkk"].to_numpy(),
        }
    )


# ----------------------------------------------------------------------------- the report's key figures and texts


def key_figure_items(
    week_hours: pd.DataFrame,
    base: pd.DataFrame,
    track: Mapping,
    offers: Mapping,
    offer_ids: Sequence[str],
    names: Mapping[str, str],
    level_text: str,
) -> list[tuple]:
    """The key figures at the top of the spor 2 report: per offer the recommended open hours per week and
    the expected daily peak at those hours, and the track's total cost on the shared cost basis (`track`
    from `decision.track_cost`)."""
    items = [
        (
            f"Anbefalet åbningstid, {names[o]}",
            f"{fmt_number(week_hours.loc[o, 'recommended_hours'])} t/uge",
            f"i dag {fmt_number(week_hours.loc[o, 'today_hours'])} timer pr. uge",
        )
        for o in offer_ids
    ]
    items += [
        (
            f"Forventet dagsmaksimum, {names[o]}",
            base.loc[(o, "recommended"), "peak_mean"],
            f"{level_text}-interval "
            f"{interval_text(base.loc[(o, 'recommended'), 'peak_lower'], base.loc[(o, 'recommended'), 'peak_upper'])}; "
            f"{places_text(offers[o].get('approved_places'))}",
        )
        for o in offer_ids
    ]
    items.append(
        (
            "Samlet udgift pr. år som åbne væresteder, mio. kr.",
            fmt_mio(track["total_cost_dkk"], unit=False),
            f"{fmt_mio_change(track['change_dkk'])} i forhold til i dag ({fmt_mio(track['today_cost_dkk'])} på samme "
            "grundlag: vagtplan, husleje og drift) · se Beslutningsgrundlag",
        )
    )
    return items


def illustrative_text(synthetic: bool) -> str:
    """Whether the staff and wage amounts rest on illustrative or on the offers' own assumptions."""
    return (
        "Personale- og lønbeløbene bygger på **illustrative** antagelser (se «Forudsætninger» nedenfor)."
        if synthetic
        else "Personale- og lønbeløbene bygger på antagelser om normering og løn (se «Forudsætninger» nedenfor)."
    )


def slot_text(bin_minutes: int) -> str:
    """The sentence before the heatmap of demand by slot."""
    slot = slot_words(bin_minutes)
    return (
        f"Varmekortet viser for hver ugedag, hvor mange borgere der i gennemsnit var til stede i {slot['each']} af "
        "den nuværende åbningstid. Det er grundlaget for forslaget til åbningstid."
    )


def rule_text(spor2: Mapping, bin_minutes: int) -> str:
    """The opening-hours rule (`compute` module docstring) in the report's words, from the `spor2` parameters."""
    rule, threshold = spor2["opening_rule"], float(spor2["opening_threshold"])
    min_hours = float(spor2["min_opening_hours_per_day"])
    return (
        f"**Reglen for anbefalet åbningstid:** hver ugedag holdes åbent fra det første til det sidste tidsrum "
        f"({slot_words(bin_minutes)['one']}), hvor {rule_description(rule)} er mindst {fmt_number(threshold)}; "
        f"stille tidsrum midt på dagen holdes også åbent. Er perioden kortere end {fmt_number(min_hours)} timer, "
        "udvides den mod det nabotidsrum, hvor flest er til stede. Reglen foreslår kun tider inden for den nuværende "
        "åbningstid: ingen registreringer viser, hvem der ville komme, når der er lukket."
    )


HOURS_TABLE_FORMATS = {
    "Andel af borgertimerne inden for anbefalet tid": "pct:0",
    "Ankomster pr. dag, der flyttes til åbning": "number:1",
    "Timer i dag": "number:1",
    "Timer anbefalet": "number:1",
}
HOURS_TABLE_NOTE = (
    "Ankomster er modellens forventede antal pr. åbningsdag (ikke en optælling af enkelte borgere)."
)
RECOMMENDED_WEEKDAY_FORMATS = {"Unikke borgere, forventet": "number:1", "Dagsmaksimum, forventet": "number:1"}
RECOMMENDED_WEEKDAY_NOTE = "Modelberegnede forventninger, ikke optællinger af konkrete borgere."


def capacity_section(
    table: pd.DataFrame,
    offers: Mapping,
    offer_ids: Sequence[str],
    names: Mapping[str, str],
    headline: pd.DataFrame,
    level_text: str,
) -> str:
    """The capacity section: `capacity_text` of every offer, one paragraph each (`headline` by offer_id)."""
    return "\n\n".join(
        capacity_text(
            table,
            o,
            names[o],
            offers[o].get("approved_places"),
            headline.loc[o, "peak_concurrent_max"],
            level_text,
        )
        for o in offer_ids
    )


def scenario_attendance_formats(bin_minutes: int) -> dict[str, str]:
    return {busiest_slot_column(bin_minutes): "number:1", "Dage over godkendte pladser": "pct:1"}


def scenario_attendance_note(bin_minutes: int) -> str:
    slot = slot_words(bin_minutes)
    return (
        f"Unikke borgere og dagsmaksimum pr. åbningsdag; «travleste {slot['per']}» er det højeste forventede "
        f"gennemsnitlige antal til stede i {slot['one']} i løbet af ugen."
    )


SCENARIO_STAFFING_FORMATS = {
    "Åbne timer pr. uge": "number:1",
    "Personaletimer pr. uge": "number:1",
    "Årsværk": "number:2",
    "Lønudgift pr. år": "dkk_rounded",
}
SCENARIO_STAFFING_NOTE = (
    "Personaletimer dækker kun åbningstiden; forberedelse før åbning og oprydning efter lukning kommer "
    "oven i. Lønudgiften er årsværk × den antagne udgift pr. årsværk."
)


def roster_table_da(
    economy: pd.DataFrame, base: pd.DataFrame, offer_ids: Sequence[str], names: Mapping[str, str]
) -> pd.DataFrame:
    """Today's roster (`economy` of the demand stage, by offer_id) beside the need with the recommended hours
    at today's demand (`base`)."""
    return pd.DataFrame(
        {
            "Tilbud": [names[o] for o in offer_ids],
            "Vagtplan, timer pr. uge i alt": [
                economy.loc[o, "staff_hours_week_roster_total"] for o in offer_ids
            ],
            "Årsværk efter vagtplan": [economy.loc[o, "fte_roster"] for o in offer_ids],
            "Lønudgift efter vagtplan": [economy.loc[o, "staff_budget_roster_dkk"] for o in offer_ids],
            "Behov, anbefalet tid, som i dag": [
                base.loc[(o, "recommended"), "staff_hours_week_needed"] for o in offer_ids
            ],
            "Lønudgift ved behov": [
                base.loc[(o, "recommended"), "staff_budget_needed_dkk"] for o in offer_ids
            ],
        }
    )


ROSTER_CAPTION = "Til sammenligning: den nuværende vagtplan og behovet med den anbefalede åbningstid ved uændret efterspørgsel."
ROSTER_FORMATS = {
    "Vagtplan, timer pr. uge i alt": "number:1",
    "Årsværk efter vagtplan": "number:2",
    "Lønudgift efter vagtplan": "dkk_rounded",
    "Behov, anbefalet tid, som i dag": "number:1",
    "Lønudgift ved behov": "dkk_rounded",
}
ROSTER_NOTE = (
    "Vagtplanen omfatter også tiden før og efter åbning, behovet kun åbningstiden; forskellen er tid til "
    "andet end at være til stede (forberedelse, aktiviteter, dokumentation), ikke en besparelse i sig selv."
)


def publish_referred(stage: str, headline: pd.DataFrame, offer_ids: Sequence[str], names: Mapping[str, str]):
    """Record the referred citizens per offer quoted in the assumptions (public figures: the kommissorium's
    referred per offer) for the disclosure audit."""
    dt.publish_public_counts(
        stage,
        "visiterede_tekst",
        {o: headline.loc[o, "referred"] for o in offer_ids},
        {"referred": "ja"},
        "Visiterede borgere",
        names,
    )


def assumptions_text(
    staffing: Mapping,
    headline: pd.DataFrame,
    offer_ids: Sequence[str],
    names: Mapping[str, str],
    *,
    bin_minutes: int,
    synthetic: bool,
) -> str:
    """The assumptions of the staffing and scenarios, as a bulleted list (`headline` by offer_id)."""
    slot = slot_words(bin_minutes)
    referred_text = join_da(f"{fmt_int(headline.loc[o, 'referred'])} i {names[o]}" for o in offer_ids)
    return "\n".join(
        [
            f"- **Normering:** {glossary.quantile_label(float(staffing['occupancy_quantile']))}en af forventet antal til stede i "
            f"{slot['each']}, {fmt_number(float(staffing['citizens_per_staff']), 0)} borgere pr. medarbejder, mindst "
            f"{fmt_int(staffing['min_staff_on_duty'])} på vagt; løn {fmt_dkk(float(staffing['cost_per_fte_dkk']))} pr. "
            f"årsværk à {fmt_int(staffing['fte_hours_per_year'])} timer (illustrative antagelser; husleje og drift ikke med). "
            f"Vagtplan og budget {master_data_text(synthetic)}.",
            "- **Ændret efterspørgsel** rammer alle tider af dagen med samme procent; opholdenes længde er som i dag.",
            "- **Ændret åbningstid:** den, der i dag kommer før åbning, kommer ved åbning; den, der kommer efter lukketid, "
            "kommer ikke. Ingen nye borgere på tider, hvor der i dag er lukket.",
            f"- **Ingen visitation:** dagens visiterede ({referred_text}) siger ikke, hvor mange der vil bruge et åbent "
            "værested; det gør scenarierne.",
        ]
    )


def limits_text(period: str) -> str:
    """What the figures cannot say, as a bulleted list."""
    return "\n".join(
        [
            "- Registreringerne viser kun, hvem der kom, mens tilbuddene var visiterede. Hvor mange nye borgere et åbent, uvisiteret værested vil tiltrække — fx borgere i gruppebostøtte eller borgere uden kontakt til socialpsykiatrien i dag — kan de ikke sige.",
            "- Der er ingen registreringer uden for den nuværende åbningstid. Om der er behov for at holde åbent om eftermiddagen, om aftenen eller i weekenden, kan derfor ikke vurderes ud fra tallene.",
            f"- Perioden er {period}. Andre årstider, ferier og højtider kan give et andet mønster.",
            "- Planlagte ture og aktiviteter påvirker fremmødet på enkelte dage; modellen beskriver en almindelig dag.",
            "- Personaleberegningen handler om at være til stede for borgerne. Faglige opgaver, samarbejde med civilsamfundet, sygdom og ferie skal lægges oven i.",
        ]
    )


def methods_text(demand: Mapping, level_text: str) -> str:
    """The pointer to the methods page: how arrivals, presence and the simulated days were computed."""
    return (
        f"Ankomster pr. {slot_words(int(demand['bin_minutes']))['per']} er beskrevet med en regressionsmodel efter "
        "ugedag og tidsrum, og antallet til stede som en kø uden ventetid med dagens opholdslængder; forventet "
        f"antal unikke borgere og dagsmaksimum er simuleret med {fmt_int(demand['simulated_days'])} dage pr. "
        f"ugedag og scenarie. Modellens {level_text}-intervaller er kontrolleret på de sidste "
        f"{fmt_int(demand['holdout_weeks'])} uger."
    )
