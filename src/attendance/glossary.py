"""One Danish glossary for the words the reports use (issue 15): every report, table and figure legend takes
its terms from here, so a reader meets one word for one thing ("dagsmaksimum", never also "dagsspids";
"90 %-fraktil", never also "90. percentil").

English identifiers, Danish values. The design glossary (shared/DESIGN.md §2) maps the domain words to code;
this module holds the words as the reports print them.
"""

from __future__ import annotations

from collections.abc import Mapping

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
