"""One Danish glossary for the words the reports use (issue 15): every report, table and figure legend takes
its terms from here, so a reader meets one word for one thing ("dagsmaksimum", never also "dagsspids";
"90 %-fraktil", never also "90. percentil").

English identifiers, Danish values. The design glossary (docs/design.md §2) maps the domain words to code;
this module holds the words as the reports print them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

NBSP = "\u00a0"

WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
WEEKDAYS_SHORT = ("man", "tir", "ons", "tor", "fre", "lør", "søn")

# Usage bands (kpis.USAGE_BANDS and the merged groups of disclosure.choose_recoding) as the reports name them.
USAGE_BANDS = {
    "0": "0 besøg (kom ikke)",
    "1–2": "1–2 besøg",
    "3–9": "3–9 besøg",
    "10+": "10+ besøg",
    "1–9": "1–9 besøg",
    "1+": "1 eller flere besøg",
}
USAGE_BANDS_SHORT = {"10+": "10 eller flere", "1+": "1 eller flere"}

TERMS: Mapping[str, str] = {
    "daily_peak": "dagsmaksimum",  # the highest number present at the same time on one day
    "daily_peak_plural": "dagsmaksima",
    "daily_peak_mean": "Gns. dagsmaksimum",
    "daily_peak_max": "Højeste dagsmaksimum",
    "lowest_daily_peak": "laveste dagsmaksimum",
    "unique_per_day": "unikke borgere pr. åbningsdag",
    "concurrent": "samtidigt fremmøde",
    "referred": "visiterede borgere",
    "active": "aktive borgere",
    "opening_day": "åbningsdag",
    "slot": "tidsrum",
    "staffing": "normering",
    "fte": "årsværk",
    "drop_in": "værested",
    "track": "spor",
    "possible_participants": "mulige deltagere",
}

# The one reference for the usage bands (shared/seeds/003_…: Aarhus Kommune's committee papers). Title, year
# and the two publishers as the papers give them; no address is given there, so none is invented here.
AARHUS_EVALUATION = (
    "«Evaluering af Psykiatriens Hus i Aarhus» (delrapport med beskrivelse af indsatser i Psykiatriens Hus og "
    "aktivitetsdata), Aarhus Kommune og Region Midtjylland, 2022; forelagt Aarhus Byråd af Sociale Forhold og "
    "Beskæftigelse"
)
AARHUS_EVALUATION_SHORT = (
    "evalueringen af Psykiatriens Hus i Aarhus (Aarhus Kommune og Region Midtjylland, 2022)"
)


def term(key: str) -> str:
    """The report word for a glossary key; a KeyError names the missing key (no silent fallback)."""
    return TERMS[key]


def quantile_label(quantile: float | str) -> str:
    """0.9, 90 or "p90" -> "90 %-fraktil" (the one word for a percentile in every report and legend)."""
    if isinstance(quantile, str):
        value = float(quantile.lstrip("p"))
    else:
        value = float(quantile)
        if value <= 1:
            value *= 100
    number = f"{value:g}".replace(".", ",")
    return f"{number}{NBSP}%-fraktil"


def quantile_band_label(lower: float | str, upper: float | str) -> str:
    """("p25", "p75") -> "25.–75. %-fraktil" is clumsy; the band is "25 %- til 75 %-fraktil"."""
    low = quantile_label(lower).replace(f"{NBSP}%-fraktil", f"{NBSP}%")
    return f"{low} til {quantile_label(upper)}"


def usage_band(group: str) -> str:
    """ "10+" -> "10+ besøg" (unknown groups: "<group> besøg")."""
    return USAGE_BANDS.get(group, f"{group} besøg")


# Column names of the demand stage's tables (data/processed/demand/, docs/demand_outputs.md) as the analyst
# report shows them: Danish labels, and the format of each column for `report.analyst_table`.
COLUMNS: Mapping[str, tuple[str, str]] = {
    "offer_id": ("Tilbud", "text"),
    "band": ("Antal besøg", "text"),
    "citizens": ("Borgere", "int"),
    "share": ("Andel", "pct"),
    "unreferred_visitors": ("Besøgende uden visitation", "int"),
    "family": ("Modelfamilie", "text"),
    "alpha": ("Overspredning (α)", "number:3"),
    "ct_alpha": ("Cameron–Trivedi α", "number:3"),
    "ct_pvalue": ("Cameron–Trivedi p", "number:3"),
    "pearson_ratio": ("Pearson χ²/fg", "number:2"),
    "pearson_pvalue": ("Pearson p", "number:3"),
    "reason": ("Begrundelse", "text"),
    "train_days": ("Træningsdage", "int"),
    "holdout_days": ("Testdage", "int"),
    "holdout_start": ("Første testdag", "date"),
    "coverage_slot_occupancy": ("Dækning, til stede pr. tidsrum", "pct:0"),
    "coverage_unique_per_day": ("Dækning, unikke pr. dag", "pct:0"),
    "mae_model": ("Gns. fejl, model", "number:2"),
    "mae_baseline": ("Gns. fejl, ugedagsgennemsnit", "number:2"),
    "nominal": ("Tilsigtet dækning", "pct:0"),
    "staff_hours_week_needed": ("Personaletimer pr. uge, behov", "number:1"),
    "staff_hours_week_roster_open": ("Vagtplan i åbningstiden, timer pr. uge", "number:1"),
    "staff_hours_week_roster_total": ("Vagtplan i alt, timer pr. uge", "number:1"),
    "slots": ("Tidsrum pr. uge", "int"),
    "slots_under": ("Tidsrum med for få", "int"),
    "slots_over": ("Tidsrum med for mange", "int"),
    "slots_matched": ("Tidsrum, der passer", "int"),
    "budget_period_dkk": ("Budget i perioden", "dkk"),
    "cost_per_visit_dkk": ("Udgift pr. besøg", "dkk"),
    "cost_per_active_citizen_dkk": ("Udgift pr. aktiv borger", "dkk"),
    "cost_per_opening_hour_dkk": ("Udgift pr. åbningstime", "dkk"),
    "fte_needed": ("Årsværk, behov", "number:2"),
    "staff_budget_needed_dkk": ("Personaleudgift ved behov pr. år", "dkk"),
    "staff_budget_roster_dkk": ("Personaleudgift efter vagtplan pr. år", "dkk"),
    "referred": ("Visiterede", "int"),
    "active": ("Aktive", "int"),
    "opening_days": ("Åbningsdage", "int"),
    "visits": ("Besøg", "int"),
    "unique_per_day_mean": ("Unikke pr. dag, gns.", "number:1"),
    "unique_per_day_min": ("Unikke pr. dag, færrest", "int"),
    "unique_per_day_max": ("Unikke pr. dag, flest", "int"),
    "peak_concurrent_max": ("Højeste dagsmaksimum", "int"),
    "peak_concurrent_min": ("Laveste dagsmaksimum", "int"),
    "tabel": ("Tabel", "text"),
    "rækker": ("Rækker", "int"),
    "kolonner": ("Kolonner", "int"),
    # the demand stage's summaries (02_demand)
    "weekday": ("Ugedag", "weekday"),
    "slot": ("Tidsrum", "text"),
    "count": ("Dage", "int"),
    "mean": ("Gennemsnit", "number:2"),
    "min": ("Mindst", "number:2"),
    "max": ("Højst", "number:2"),
    "stdev": ("Standardafvigelse", "number:2"),
    "p25": ("25 %-fraktil", "number:2"),
    "p50": ("Median", "number:2"),
    "p75": ("75 %-fraktil", "number:2"),
    "p95": ("95 %-fraktil", "number:2"),
    "p99": ("99 %-fraktil", "number:2"),
    "simulated_days": ("Simulerede dage", "int"),
    "arrivals_mean": ("Ankomster, gns.", "number:1"),
    "unique_mean": ("Unikke borgere, gns.", "number:1"),
    "unique_lower": ("Unikke, nedre grænse", "int"),
    "unique_upper": ("Unikke, øvre grænse", "int"),
    "peak_mean": ("Dagsmaksimum, gns.", "number:1"),
    "peak_lower": ("Dagsmaksimum, nedre grænse", "int"),
    "peak_upper": ("Dagsmaksimum, øvre grænse", "int"),
    "unique_mean_se": ("Unikke, standardfejl", "number:3"),
    "peak_mean_se": ("Dagsmaksimum, standardfejl", "number:3"),
}


# ----------------------------------------------------------------------------------------------------
# Danish wording and labels of the reports (moved from report.py: one place for Danish words)
# ----------------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------------------
# Sentences built from the data: the offers, the slot width, synthetic or real
# --------------------------------------------------------------------------------------------------------

_NUMBER_WORDS = {2: "to", 3: "tre", 4: "fire", 5: "fem", 6: "seks", 7: "syv", 8: "otte", 9: "ni", 10: "ti"}


def join_da(parts: Iterable[Any], conjunction: str = "og") -> str:
    """ "A", "A og B", "A, B og C" (no Oxford comma in Danish); "" for nothing."""
    items = [str(p) for p in parts]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def offers_list(names: Mapping[str, str] | Iterable[str]) -> str:
    """The offers by name, in the given order: "Nord, Syd og Aktivhuset" (a mapping gives its values)."""
    return join_da(names.values() if isinstance(names, Mapping) else names)


def offers_phrase(names: Mapping[str, str] | Iterable[str] | int, *, definite: bool = True) -> str:
    """How many offers a sentence is about: "tilbuddet", "begge tilbud", "de tre tilbud", "alle 11 tilbud".

    `names` is the offers (ids or names) or their number. With `definite=False` the phrase has no article:
    "ét tilbud", "to tilbud", "tre tilbud", "11 tilbud" (for "i alt i …").
    """
    n = names if isinstance(names, int) else len(list(names))
    if n < 1:
        raise ValueError("a dataset has at least one offer")
    if not definite:
        return "ét tilbud" if n == 1 else f"{_NUMBER_WORDS.get(n, str(n))} tilbud"
    if n == 1:
        return "tilbuddet"
    if n == 2:
        return "begge tilbud"
    if n == 3:
        return "de tre tilbud"
    return f"alle {n} tilbud"


_SLOT_WORDS = {
    15: {"per": "kvarter", "plural": "kvarterer", "one": "et kvarter", "each": "hvert kvarter"},
    30: {"per": "halve time", "plural": "halve timer", "one": "en halv time", "each": "hver halve time"},
    60: {"per": "time", "plural": "timer", "one": "en time", "each": "hver time"},
}


def slot_words(bin_minutes: Any) -> dict[str, str]:
    """The Danish words for a time slot of `bin_minutes` (demand.bin_minutes), so text follows the parameter.

    Keys: "per" (after "pr.": "halve time"), "plural" ("halve timer"), "one" ("en halv time") and "each"
    ("hver halve time"). Widths without a word of their own say "45 minutter" / "tidsrum på 45 minutter".
    """
    minutes = int(bin_minutes)
    if minutes <= 0:
        raise ValueError(f"a slot is a positive number of minutes, not {bin_minutes!r}")
    if minutes in _SLOT_WORDS:
        return dict(_SLOT_WORDS[minutes])
    return {
        "per": f"{minutes} minutter",
        "plural": f"tidsrum på {minutes} minutter",
        "one": f"et tidsrum på {minutes} minutter",
        "each": f"hvert tidsrum på {minutes} minutter",
    }


def slot_width_text(bin_minutes: Any) -> str:
    """The slot width as it follows "pr.": "kvarter" (15), "halve time" (30), "time" (60), "45 minutter"."""
    return slot_words(bin_minutes)["per"]


def master_data_text(synthetic: bool) -> str:
    """Where the roster, budget and FTE figures come from, to follow "Vagtplan og budget …"."""
    if synthetic:
        return "er i dette datasæt opdigtede (syntetiske demodata) og kun til sammenligning"
    return "kommer fra tilbuddenes stamdata (offers.yaml)"


# --------------------------------------------------------------------------------------------------------

# Danish explanations of params.yaml keys for the methods section; unknown keys are shown by their name.
PARAM_LABELS: dict[str, str] = {
    "dataset.name": "Datasæt (mappe under data/raw)",
    "clean.include_hidden_sheets": "Skjulte ark læses med",
    "clean.missing_time_out": "Manglende sluttidspunkt udfyldes med",
    "clean.time_out_before_in": "Sluttid før starttid",
    "clean.outside_opening_hours": "Tider uden for åbningstiden",
    "clean.max_stay_hours": "Længste plausible ophold (timer)",
    "clean.merge_gap_minutes": "Besøg tættere end dette slås sammen (minutter)",
    "clean.trip_keywords": "Ord i kommentaren, der markerer en tur",
    "demand.bin_minutes": "Tidsrummets længde (minutter)",
    "demand.periods": "Perioder af dagen",
    "demand.holdout_weeks": "Uger holdt ude til validering af modellen",
    "demand.interval": "Niveau for prædiktionsintervaller",
    "demand.dispersion_alpha": "Testniveau for valg af negativ binomial frem for Poisson",
    "demand.seed": "Startværdi for tilfældige tal",
    "demand.simulated_days": "Simulerede dage pr. ugedag",
    "demand.simulated_max_scale": "Simuleringen dækker efterspørgsel op til (× i dag)",
    "staffing.citizens_per_staff": "Borgere pr. medarbejder på vagt",
    "staffing.min_staff_on_duty": "Mindste antal medarbejdere på vagt i åbningstiden",
    "staffing.occupancy_quantile": "Der planlægges efter denne fraktil af forventet fremmøde",
    "staffing.fte_hours_per_year": "Timer pr. årsværk",
    "staffing.cost_per_fte_dkk": "Omkostning pr. årsværk (antagelse, kr.)",
    "economy.absence_factor": "Ferie og fravær, andel af årsværkets timer",
    "economy.prep_minutes_per_day": "Forberedelse og oprydning pr. medarbejder på vagt pr. dag (minutter)",
    "economy.management_share": "Ledelse og administration, andel oven i personaletimerne",
    "decision.models": "Modeller (valg pr. tilbud)",
    "decision.sensitivity.citizens_per_staff": "Følsomhed: borgere pr. medarbejder (lav, høj)",
    "decision.sensitivity.min_staff_on_duty": "Følsomhed: mindst på vagt (lav, høj)",
    "decision.sensitivity.followup_hours_per_quarter": "Følsomhed: opfølgningstimer pr. borger pr. kvartal",
    "decision.sensitivity.demand_change": "Følsomhed: ændring i efterspørgsel (lav, høj)",
    "decision.sensitivity.absence_factor": "Følsomhed: fravær (lav, høj)",
    "report.suppress_below": "Tal om færre borgere end dette vises som «<N»",
    "report.language": "Rapportsprog",
    "spor1.goal_followup_hours_per_citizen_per_quarter": "Timer til opfølgning på mål pr. borger pr. kvartal",
    "spor2.scenarios": "Scenarier: ændring i efterspørgsel i forhold til i dag",
    "spor2.opening_rule": "Regel for valg af åbningstid",
    "spor2.opening_threshold": "Tærskel for at holde et tidsrum åbent (borgere til stede)",
    "spor2.min_opening_hours_per_day": "Mindste åbningstid pr. dag (timer)",
    "spor3.min_days_per_week": "Regelmæssigt fremmøde: dage pr. uge (mindst)",
    "spor3.min_weeks_active_share": "Andel af periodens uger med fremmøde (mindst)",
    "spor3.min_daytime_hours": "Timer pr. besøg inden for værkstedsdagen (mindst)",
    "spor3.workshop_day": "Værkstedsdag",
    "spor3.participants_per_supervisor": "Deltagere pr. værkstedsleder",
    "spor3.sensitivity_days_per_week": "Følsomhedsanalyse: dage pr. uge",
    "spor3.sensitivity_weeks_active_share": "Følsomhedsanalyse: andel aktive uger",
}

ACCOUNTING_LABELS = {
    "rows_read": "Rækker læst",
    "kept": "Brugt som besøg",
    "merged": "Slået sammen med et andet besøg",
    "quarantined": "Sat i karantæne (ikke brugt)",
    "ignored": "Ignoreret (tomme rækker, overskrifter, totaler)",
}

# Rule and action names of the clean stage's quality log (attendance.cleaning.RULE_ORDER); unknown names
# are shown with spaces instead of underscores rather than failing the report.
RULE_LABELS = {
    "dataset_file": "Konfigurationsfil (ikke registreringer)",
    "skipped_file": "Skjult fil eller Excel-låsefil, ikke læst",
    "hidden_sheet": "Skjult ark",
    "sheet_layout": "Sådan blev arket læst",
    "unread_column": "Kolonne, der ikke blev læst",
    "date_order": "Datoer læst med måned først",
    "absence_mark": "Fraværsmarkering (syg, afbud, /)",
    "date_filled_down": "Dato udfyldt fra rækken ovenfor",
    "weekday_mismatch": "Ugedag passer ikke til datoen",
    "unsupported_file": "Fil i et format, der ikke kan læses",
    "title_row": "Titelrække",
    "header_row": "Overskriftsrække",
    "blank_row": "Tom række",
    "total_row": "Totalrække",
    "no_marks": "Række uden afkrydsninger",
    "offer_alias": "Tilbuddets navn skrevet på en anden måde",
    "staff_or_volunteer": "Medarbejder eller frivillig på listen",
    "cpr_in_citizen": "CPR-nummer i borgerfeltet",
    "missing_citizen": "Borger mangler",
    "unparseable_date": "Dato kunne ikke læses",
    "date_outside_period": "Dato uden for perioden",
    "name_variant": "Stavevariant af en borger",
    "initials_resolved": "Initialer genkendt som visiteret borger",
    "ambiguous_initials": "Initialer passer på flere borgere",
    "name_normalised": "Navn genkendt trods stavemåde (store/små bogstaver, tegn, «Efternavn, Fornavn»)",
    "name_partial": "Fornavn eller initialer passer på én visiteret borger",
    "ambiguous_name": "Navn kan være flere personer",
    "unparseable_time": "Tidspunkt kunne ikke læses",
    "time_out_before_time_in": "Sluttid før starttid",
    "missing_time_out": "Manglende sluttidspunkt",
    "implausible_duration": "Urealistisk langt ophold",
    "outside_opening_hours": "Tid uden for åbningstiden",
    "closed_day": "Registrering på en lukkedag",
    "exact_duplicate": "Præcis dublet",
    "overlapping_visits": "Overlappende besøg",
    "day_only": "Kun dato (afkrydsningsliste)",
    "afternoon_hour": "Eftermiddagstid skrevet som 1-3 (læst efter åbningstiden)",
    "entirely_outside_opening_hours": "Besøg helt uden for åbningstiden (tjek tiderne)",
    "time_range_in_cell": "Tidsrum skrevet i Ind-feltet (9-14) delt i start og slut",
}

ACTION_LABELS = {
    "kept": "beholdt",
    "merged": "slået sammen",
    "quarantined": "karantæne",
    "ignored": "ignoreret",
    "imputed": "udfyldt",
    "clipped": "tilpasset åbningstiden",
    "flagged": "markeret",
    "swapped": "byttet om",
    "normalised": "rettet",
    "extended": "forlænget",
    "dropped": "fjernet",
    "removed": "fjernet",
    "read": "læst",
    "filled": "udfyldt",
    "read as afternoon": "læst som eftermiddag",
    "split": "delt",
}

VALIDATION_LABELS = {
    "family": "Modelfamilie",
    "model_family": "Modelfamilie",
    "dispersion": "Overspredning",
    "coverage": "Intervaldækning (testuger)",
    "holdout_coverage": "Intervaldækning (testuger)",
    "mae_model": "Gns. absolut fejl, model",
    "mae_baseline": "Gns. absolut fejl, ugedagsgennemsnit",
}
