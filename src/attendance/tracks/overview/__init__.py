"""The overview report (Fremmødestatistik, report 10) and the data-quality tables other reports share.

Why a package: the processed data and shared helpers (`compute`), the data-quality tables (`quality`), the
Danish tables with disclosure control (`tables`), the report's sentences (`texts`) and the figures' captions
(`figures`) are kept apart, as hillmaker keeps bydatetime, summarize and plotting apart. The names other code
uses are re-exported here.
"""

from __future__ import annotations

from .compute import (
    ACCOUNTING_COLUMNS,
    DEMAND_TABLES,
    accounting_balances,
    load_tables,
)
from .figures import (
    ARRIVAL_PROFILE_CAPTION,
    DAILY_UNIQUE_CAPTION,
    heatmap_caption,
    hills_figures,
    stay_length_caption,
)
from .quality import (
    FLAG_LABELS,
    accounting_table,
    data_quality_summary,
    empty_files_text,
)
from .tables import (
    KOMMISSORIUM_FORMATS,
    LOWEST_PEAK_NOTE,
    NOBREAK_DASH,
    band_columns,
    band_display,
    bands_text,
    key_figure_items,
    kommissorium_table,
    period_table,
    population_tables,
    referred_vs_active,
    stay_table,
    validation_table,
    weekday_table,
)
from .texts import (
    BANDS_NOTE,
    busiest_slots,
    closed_day_visits_text,
    days_per_weekday_text,
    hills_text,
    intro_text,
    limits_text,
    methods_text,
    referred_text,
    slot_text,
)

__all__ = [
    "ACCOUNTING_COLUMNS",
    "ARRIVAL_PROFILE_CAPTION",
    "BANDS_NOTE",
    "DAILY_UNIQUE_CAPTION",
    "DEMAND_TABLES",
    "FLAG_LABELS",
    "KOMMISSORIUM_FORMATS",
    "LOWEST_PEAK_NOTE",
    "NOBREAK_DASH",
    "accounting_balances",
    "accounting_table",
    "band_columns",
    "band_display",
    "bands_text",
    "busiest_slots",
    "closed_day_visits_text",
    "data_quality_summary",
    "days_per_weekday_text",
    "empty_files_text",
    "heatmap_caption",
    "hills_figures",
    "hills_text",
    "intro_text",
    "key_figure_items",
    "kommissorium_table",
    "limits_text",
    "load_tables",
    "methods_text",
    "period_table",
    "population_tables",
    "referred_text",
    "referred_vs_active",
    "slot_text",
    "stay_length_caption",
    "stay_table",
    "validation_table",
    "weekday_table",
]
