"""The decision basis in Danish (report 20): the models side by side, per offer, who must be revisited,
the key figures, the assumptions and the kommissorium's questions.

Why apart from `compute`: the numbers are computed once there; here they become the text reviewers read,
with the labels, legal basis and risks of each choice. The only counts of citizens shown are the public
figures (referred, active), recorded for the disclosure audit by `publish_counts`.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from attendance.demand.kpis import USAGE_BANDS
from attendance.reporting import disclosure as dc
from attendance.reporting import disclosure_tables as dt
from attendance.reporting import (
    fmt_dkk,
    fmt_dkk_rounded,
    fmt_int,
    fmt_mio,
    fmt_mio_change,
    fmt_number,
    fmt_pct,
    master_data_text,
    offers_phrase,
)

from .compute import Analysis

CHOICE_LABELS_DA = {
    "paragraph_104": "§ 104 med tilpasset normering",
    "drop_in": "åbent værested",
    "workshop_103": "§ 103-værksted",
    "drop_in_and_workshop_103": "åbent værested + § 103-værksted",
}
TRACK_NAMES_DA = {
    "paragraph_104": "Spor 1: fortsat § 104",
    "drop_in": "Spor 2: åbent værested",
    "workshop_103": "Spor 3: § 103-værksted",
}
LEGAL_BASIS_DA = {
    "paragraph_104": "Serviceloven § 104, visiteret aktivitets- og samværstilbud",
    "drop_in": "Serviceloven § 104 som åbent tilbud uden visitation (afklares juridisk)",
    "workshop_103": "Serviceloven § 103, beskyttet beskæftigelse (visiteret)",
    "drop_in_and_workshop_103": "§ 104 uden visitation (værested) og § 103 (værksted)",
}
DOCUMENTATION_DA = {
    "paragraph_104": "Individuelle SMART-mål og opfølgning (VUM 2.0) for hver aktiv borger",
    "drop_in": "Ingen dokumentation på borgerniveau; fremmøde tælles anonymt",
    "workshop_103": "Individuelle mål og opfølgning for hver deltager",
    "drop_in_and_workshop_103": "Ingen i værestedet; individuelle mål for værkstedets deltagere",
}
RISKS_DA = {
    "paragraph_104": (
        "Borgere, der sjældent eller aldrig kommer, skal revisiteres; dokumentationskravet tager tid fra "
        "samværet; færre på vagt giver sårbarhed ved sygdom og alenearbejde."
    ),
    "drop_in": (
        "Alle visiterede mister visitationen og skal have besked; ukendt antal nye brugere; ingen "
        "dokumentation af effekt på borgerniveau; det juridiske grundlag skal afklares."
    ),
    "workshop_103": (
        "Kun borgere med regelmæssigt fremmøde passer til et værksted; de øvrige skal tilbydes noget andet; "
        "kræver samarbejde med beskæftigelsesområdet."
    ),
    "drop_in_and_workshop_103": (
        "To tilbud i samme hus kræver tydelig opdeling; alle visiterede skal revisiteres; værkstedet "
        "kræver samarbejde med beskæftigelsesområdet."
    ),
}
SENSITIVITY_LABELS_DA = {
    "citizens_per_staff": "Borgere pr. medarbejder",
    "min_staff_on_duty": "Mindst på vagt",
    "followup_hours_per_quarter": "Opfølgningstimer pr. borger pr. kvartal",
    "demand_change": "Efterspørgsel",
    "absence_factor": "Fravær (ferie, sygdom) af årsværket",
}


def model_description(choices: Mapping[str, str], names: Mapping[str, str]) -> str:
    """'<tilbud>: åbent værested · <tilbud>: § 104 …' — or one phrase when every offer gets the same choice."""
    distinct = set(choices.values())
    if len(distinct) == 1:
        return f"Alle tilbud: {CHOICE_LABELS_DA[distinct.pop()]}"
    return " · ".join(f"{names[o]}: {CHOICE_LABELS_DA[c]}" for o, c in choices.items())


def _joined(choices: Mapping[str, str], table: Mapping[str, str], names: Mapping[str, str]) -> str:
    distinct = list(dict.fromkeys(choices.values()))
    if len(distinct) == 1:
        return table[distinct[0]]
    return " · ".join(f"{names[o]}: {table[c]}" for o, c in choices.items())


def comparison_table_da(
    totals: pd.DataFrame,
    resolved: Mapping[str, Mapping[str, str]],
    model_names: Mapping[str, str],
    offer_names: Mapping[str, str],
    today_table: pd.DataFrame,
    fmt_mio,
    fmt_mio_change,
    fmt_number,
    affected_text,
) -> pd.DataFrame:
    """Models side by side (rows: what is compared; columns: today and each model), as text for reviewers."""
    columns = {
        "I dag": {
            "Tilbud": "Som i dag (vagtplan)",
            "Borgere, der bruger tilbuddet": fmt_number(today_table["active"].sum(), 0) + " aktive",
            "Visiterede, der skal revisiteres": "–",
            "Personaletimer pr. uge": fmt_number(today_table["staff_hours_week"].sum(), 0),
            "Årsværk": fmt_number(today_table["fte"].sum(), 1),
            "Samlet udgift pr. år": fmt_mio(today_table["total_cost_dkk"].sum()),
            "Ændring fra i dag": "–",
            "Dokumentation, timer pr. år": "–",
            "Lovgrundlag": "Som i dag",
            "Risici": "–",
        }
    }
    for row in totals.to_dict("records"):
        key = row["model"]
        choices = resolved[key]
        columns[model_names[key]] = {
            "Tilbud": model_description(choices, offer_names),
            "Borgere, der bruger tilbuddet": fmt_number(row["citizens_served"], 0),
            "Visiterede, der skal revisiteres": affected_text(row),
            "Personaletimer pr. uge": fmt_number(row["staff_hours_week"], 0),
            "Årsværk": fmt_number(row["fte"], 1),
            "Samlet udgift pr. år": fmt_mio(row["total_cost_dkk"]),
            "Ændring fra i dag": fmt_mio_change(row["change_dkk"]),
            "Dokumentation, timer pr. år": fmt_number(row["documentation_hours_year"], 0),
            "Lovgrundlag": _joined(choices, LEGAL_BASIS_DA, offer_names),
            "Risici": _joined(choices, RISKS_DA, offer_names),
        }
    table = pd.DataFrame(columns)
    table.index.name = ""
    return table.reset_index()


def affected_table_da(totals: pd.DataFrame, model_names: Mapping[str, str], fmt_int) -> pd.DataFrame:
    """Per model: referred citizens who need a new decision, split into those who never came and those who
    came — both public figures (referred − active and active), so no suppressed band can be computed back."""
    came = totals[[f"affected_{band}" for band in USAGE_BANDS if band != "0"]].sum(axis=1)
    return pd.DataFrame(
        {
            "Model": [model_names[k] for k in totals["model"]],
            "Kom ikke i perioden (0 besøg)": [fmt_int(v) for v in totals["affected_0"]],
            "Kom en eller flere gange": [fmt_int(v) for v in came],
            "I alt, der skal revisiteres": [fmt_int(v) for v in totals["referred_affected"]],
        }
    )


_REPORT = {
    "10": "Fremmødestatistik",
    "11": "Spor 1",
    "12": "Spor 2",
    "13": "Spor 3",
    "20": "Beslutningsgrundlag",
}
GROUP = "For arbejdsgruppen"
QUESTIONS_DA = {
    # question: (spor 1, spor 2, spor 3)
    "Formål": (GROUP, GROUP, GROUP),
    "Målgruppe": (
        "Spor 1: visiterede og aktive borgere, brugsmønstre",
        "Spor 2: hvem kommer hvornår; nye brugere: for arbejdsgruppen",
        "Spor 3: målgruppens størrelse og følsomhed",
    ),
    "Organisering": (
        "Spor 1: normering pr. tidsrum; øvrigt for arbejdsgruppen",
        "Spor 2: anbefalet åbningstid",
        "Spor 3: værkstedsdag og pladser; øvrigt for arbejdsgruppen",
    ),
    "Faglig tilgang": (GROUP, GROUP, GROUP),
    "Økonomi": (
        "Beslutningsgrundlag: samlet udgift, ændring og følsomhed",
        "Beslutningsgrundlag: samlet udgift, ændring og følsomhed",
        "Beslutningsgrundlag: samlet udgift, ændring og følsomhed",
    ),
    "Bemanding": (
        "Spor 1: normering tilpasset fremmødet",
        "Spor 2: personale i scenarierne",
        "Spor 3: værkstedsledere",
    ),
    "Dokumentation": (
        "Spor 1 og Beslutningsgrundlag: timer til opfølgning på mål",
        "Beslutningsgrundlag: ingen dokumentation på borgerniveau",
        "Beslutningsgrundlag: timer til opfølgning på mål",
    ),
    "Snitflader": (
        f"{GROUP} (gruppebostøtte, andre § 104-tilbud)",
        f"{GROUP} (gruppebostøtte, § 104-tilbud, civilsamfundet)",
        f"{GROUP} (beskæftigelsesområdet)",
    ),
    "Implementering": (
        "Beslutningsgrundlag: revisitation; kommunikation: for arbejdsgruppen",
        "Beslutningsgrundlag: revisitation; kommunikation: for arbejdsgruppen",
        "Beslutningsgrundlag: revisitation; kommunikation: for arbejdsgruppen",
    ),
}


def question_map_da() -> pd.DataFrame:
    """The kommissorium's questions per track (rows) and where the reports answer them — or that data on
    attendance cannot, and the working group must."""
    return pd.DataFrame(
        [(q, *answers) for q, answers in QUESTIONS_DA.items()],
        columns=["Spørgsmål", *TRACK_NAMES_DA.values()],
    )


# --------------------------------------------------------------------------------------------------------
# The report's tables and texts (report 20), from `compute.analyse`
# --------------------------------------------------------------------------------------------------------


def publish_counts(stage: str, today_table: pd.DataFrame, names: Mapping[str, str], *, root=None) -> None:
    """Record the citizens this report counts for the disclosure audit: the kommissorium's public figures,
    referred and active per offer."""
    dt.publish_public_counts(
        stage,
        "visiterede",
        today_table.set_index("offer_id")["referred"],
        {"referred": "ja"},
        "Visiterede borgere",
        names,
        root=root,
    )
    dt.publish_public_counts(
        stage,
        "aktive",
        today_table.set_index("offer_id")["active"],
        {"referred": "ja", "visits": list(dc.CAME)},
        "Aktive borgere",
        names,
        root=root,
    )


def affected_text(row: Mapping, referred_total: int) -> str:
    """'alle 79 visiterede' or '18, der ikke kom i perioden' (both public figures: referred, referred − active)."""
    total = int(row["referred_affected"])
    if total == int(referred_total):
        return f"alle {fmt_int(total)} visiterede"
    return f"{fmt_int(total)}, der ikke kom i perioden"


def value_text(parameter: str, value) -> str:
    """An assumption's value on the tornado's labels ("+20 %", "1,5", "12,34 mio. kr." for `mio`)."""
    if parameter == "mio":
        return f"{fmt_number(value, 2)} mio. kr."
    if parameter in ("demand_change", "absence_factor"):
        return (
            fmt_pct(value, 0)
            if parameter == "absence_factor"
            else f"{'+' if value > 0 else ''}{fmt_pct(value, 0)}"
        )
    return fmt_number(value, 1 if float(value) % 1 else 0)


def comparison_table(analysis: Analysis, offer_names: Mapping[str, str]) -> pd.DataFrame:
    """`comparison_table_da` with the reports' formats (amounts in mio. kr., revisitation as `affected_text`)."""
    referred_total = int(analysis.today["referred"].sum())
    return comparison_table_da(
        analysis.totals,
        analysis.resolved,
        analysis.model_names,
        offer_names,
        analysis.today,
        fmt_mio,
        fmt_mio_change,
        fmt_number,
        lambda row: affected_text(row, referred_total),
    )


def key_figure_items(analysis: Analysis) -> list[tuple[str, str, str]]:
    """The key figures: today's cost, then each model's cost with its change and sensitivity span."""
    totals = analysis.totals.set_index("model")
    items = [
        (
            "Samlet udgift pr. år i dag, mio. kr.",
            fmt_mio(analysis.today_cost, unit=False),
            f"{offers_phrase(analysis.inputs.offer_ids)} efter nuværende vagtplan, husleje og drift",
        )
    ]
    items += [
        (
            f"{analysis.model_names[key]}, mio. kr. pr. år",
            fmt_mio(totals.loc[key, "total_cost_dkk"], unit=False),
            f"{fmt_mio_change(totals.loc[key, 'change_dkk'])} i forhold til i dag · følsomhed "
            f"{fmt_number(analysis.ranges.loc[key, 'min_cost_dkk'] / 1e6, 2)}–"
            f"{fmt_number(analysis.ranges.loc[key, 'max_cost_dkk'] / 1e6, 2)} mio. kr.",
        )
        for key in analysis.resolved
    ]
    return items


def shared_figures(analysis: Analysis) -> dict:
    """The figures every report must quote alike (`reporting.shared_figures`): attendance, today's cost,
    each model's and each track's total cost."""
    totals = analysis.totals.set_index("model")
    return {
        "referred": analysis.today["referred"].sum(),
        "active": analysis.today["active"].sum(),
        "visits": analysis.today["visits"].sum(),
        "today_cost_dkk": analysis.today_cost,
        **{f"model.{k}.total_cost_dkk": totals.loc[k, "total_cost_dkk"] for k in analysis.resolved},
        **{
            f"track.{r['model']}.total_cost_dkk": r["total_cost_dkk"]
            for r in analysis.tracks.to_dict("records")
        },
    }


def per_offer_table_da(analysis: Analysis, offer_names: Mapping[str, str]) -> pd.DataFrame:
    """Each model per offer: the choice, staff hours, årsværk, wage, premises and running costs, and the total."""
    per_offer = analysis.per_offer
    rows = []
    for key, choices in analysis.resolved.items():
        for o in analysis.inputs.offer_ids:
            r = per_offer[(per_offer["model"] == key) & (per_offer["offer_id"] == o)].iloc[0]
            rows.append(
                {
                    "Model": analysis.model_names[key],
                    "Tilbud": offer_names[o],
                    "Valg": CHOICE_LABELS_DA[choices[o]],
                    "Personaletimer pr. uge": r["staff_hours_week"],
                    "Årsværk": r["fte"],
                    "Løn": fmt_mio(r["staff_cost_dkk"]),
                    "Husleje og drift": fmt_mio(r["premises_dkk"] + r["running_dkk"]),
                    "Samlet": fmt_mio(r["total_cost_dkk"]),
                }
            )
    return pd.DataFrame(rows)


def assumptions_text(analysis: Analysis, staffing: Mapping, spor3: Mapping, synthetic: bool) -> str:
    """The assumptions every model is costed on, as a Markdown list with their values."""
    basis = analysis.settings.basis
    return "\n".join(
        [
            f"- **Timepris:** {fmt_dkk(basis.cost_per_fte_dkk)} pr. årsværk á {fmt_int(basis.fte_hours_per_year)} "
            f"timer, heraf {fmt_pct(basis.absence_factor, 0)} fravær: {fmt_dkk_rounded(basis.hourly_cost_dkk)} pr. time; "
            f"{fmt_int(basis.prep_minutes_per_day)} minutters forberedelse pr. medarbejder pr. dag og "
            f"{fmt_pct(basis.management_share, 0)} ledelse oven i.",
            f"- **Normering:** {fmt_number(float(staffing['citizens_per_staff']), 0)} borgere pr. medarbejder, mindst "
            f"{fmt_int(staffing['min_staff_on_duty'])} på vagt; værkstedet "
            f"{fmt_number(float(spor3['participants_per_supervisor']), 0)} deltagere pr. leder; "
            f"{fmt_number(analysis.settings.followup_hours_per_quarter, 1)} timer pr. borger pr. kvartal til opfølgning på mål.",
            "- **Åbent værested:** spor 2's anbefalede åbningstid og uændret efterspørgsel; nye brugere er ikke med.",
            f"- **Vagtplan, budget, husleje og drift** {master_data_text(synthetic)}.",
        ]
    )
