"""Reporting: everything a report notebook shows goes through here (`from attendance import reporting as rp`).

Danish formats (`formats`), Danish words and labels (`glossary`), figures (`plotting`, `figures`), tables and
small-cell suppression (`tables`), statistical disclosure control (the `disclosure` sub-package: policy, cells,
model, checks, suppression, recoding, records, auditing; and `disclosure_tables`), the parts every report
shares (`sections`) and the "Det vigtigste" summaries (`summary`). The names below are the notebooks' API;
modules inside the package import each other directly, never through this file.
"""

from .disclosure import HIDDEN
from .formats import (
    MINUS,
    MISSING,
    WEEKDAYS,
    fmt_date,
    fmt_date_range,
    fmt_dkk,
    fmt_dkk_rounded,
    fmt_int,
    fmt_mio,
    fmt_mio_change,
    fmt_number,
    fmt_pct,
    fmt_time,
    fmt_value,
    slot_label,
    weekday_name,
)
from .glossary import (
    ACTION_LABELS,
    RULE_LABELS,
    join_da,
    master_data_text,
    offers_list,
    offers_phrase,
    slot_width_text,
    slot_words,
)
from .plotting import (
    PALETTE,
    danish_formatter,
    setup_matplotlib,
    show_figure,
    use_danish_axes,
)
from .sections import (
    ANALYST_ONLY,
    analyst_banner,
    banner,
    footer,
    load_quality_summary,
    methods_pointer,
    methods_section,
    read_shared_figures,
    report_links,
    shared_figures,
    version_info,
)
from .tables import (
    analyst_table,
    drop_zero_rows,
    key_figures,
    show_table,
    suppress_small,
)

__all__ = [
    "HIDDEN",
    "ACTION_LABELS",
    "ANALYST_ONLY",
    "MINUS",
    "MISSING",
    "PALETTE",
    "RULE_LABELS",
    "WEEKDAYS",
    "analyst_banner",
    "analyst_table",
    "banner",
    "danish_formatter",
    "drop_zero_rows",
    "fmt_date",
    "fmt_date_range",
    "fmt_dkk",
    "fmt_dkk_rounded",
    "fmt_int",
    "fmt_mio",
    "fmt_mio_change",
    "fmt_number",
    "fmt_pct",
    "fmt_time",
    "fmt_value",
    "footer",
    "join_da",
    "key_figures",
    "load_quality_summary",
    "master_data_text",
    "methods_pointer",
    "methods_section",
    "offers_list",
    "offers_phrase",
    "read_shared_figures",
    "report_links",
    "setup_matplotlib",
    "shared_figures",
    "show_figure",
    "show_table",
    "slot_label",
    "slot_width_text",
    "slot_words",
    "suppress_small",
    "use_danish_axes",
    "version_info",
    "weekday_name",
]
