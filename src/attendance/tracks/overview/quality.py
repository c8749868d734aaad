"""The data-quality tables shared by the cleaning report, the overview and the methods page: the accounting of
raw rows per file and what the cleaning rules did to the visits.

Why a module of its own: reviewers check these before any figure; they read only the clean stage's
`accounting.csv` and `visits.parquet`, not the demand tables the rest of the overview uses.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from attendance.errors import InputError
from attendance.reporting import join_da

from .compute import ACCOUNTING_COLUMNS

# --------------------------------------------------------------------------------------------------------
# Data quality and the accounting of raw rows
# --------------------------------------------------------------------------------------------------------


def accounting_table(accounting: pd.DataFrame, *, drop_empty: bool = False) -> pd.DataFrame:
    """The accounting of raw rows per file and sheet, with a total row (index "total") and a check column.

    `drop_empty=True` leaves out files with no rows at all (configuration, key and referral files: rows of
    zeros fill space; `empty_files_text` names them in one sentence instead).

    rows read = kept + merged + quarantined + ignored must hold on every line; "Stemmer" says "ja"/"nej"
    (the clean stage refuses to finish if not, so "nej" would mean an outdated or hand-edited file).
    File paths are shown without the `registrations/` folder; file names carry no personal data.
    """
    missing = [c for c in ("file", *ACCOUNTING_COLUMNS) if c not in accounting.columns]
    if missing:
        raise InputError(
            f"accounting.csv lacks the column(s) {missing}",
            file="data/processed/accounting.csv",
            fix="re-run the clean stage",
        )
    counts = accounting[list(ACCOUNTING_COLUMNS)].fillna(0).astype(int)
    sheet = accounting["sheet"] if "sheet" in accounting.columns else pd.Series("", index=accounting.index)
    table = pd.DataFrame(
        {
            "Fil": accounting["file"].astype(str).map(lambda p: Path(p).name),
            "Ark": sheet.fillna("").astype(str).replace("", "–"),
            "Læst": counts["rows_read"],
            "Brugt": counts["kept"],
            "Slået sammen": counts["merged"],
            "Karantæne": counts["quarantined"],
            "Ignoreret": counts["ignored"],
        }
    )
    total = pd.DataFrame(
        {"Fil": ["I alt"], "Ark": [""], **{c: [int(table[c].sum())] for c in table.columns[2:]}},
        index=["total"],
    )
    if drop_empty:
        table = table[table[table.columns[2:]].sum(axis=1) > 0]
    table = pd.concat([table, total])
    balanced = table["Læst"] == table[["Brugt", "Slået sammen", "Karantæne", "Ignoreret"]].sum(axis=1)
    table["Stemmer"] = np.where(balanced, "ja", "nej")
    return table


def empty_files_text(accounting: pd.DataFrame) -> str:
    """One sentence naming the files of the dataset folder that hold no registration rows ("" if none)."""
    counts = accounting[list(ACCOUNTING_COLUMNS)].fillna(0).astype(int)
    empty = accounting.loc[counts.sum(axis=1) == 0, "file"].astype(str).map(lambda p: Path(p).name)
    names = sorted(dict.fromkeys(empty))
    if not names:
        return ""
    return (
        "Filer i datamappen uden registreringsrækker (opsætning, nøgle, visitationsliste eller filer, der ikke "
        f"kan læses), som derfor ikke står i tabellen: {join_da(names)}."
    )


FLAG_LABELS = {
    "missing_time_out": "Manglende sluttid udfyldt",
    "time_out_before_time_in": "Sluttid før starttid (byttet om)",
    "outside_opening_hours": "Tid uden for åbningstiden tilpasset",
    "overlapping_visits": "Overlappende registreringer lagt sammen",
    "name_variant": "Stavevariant af navn genkendt",
    "initials_resolved": "Initialer genkendt som visiteret borger",
    "offer_alias": "Tilbuddets navn skrevet på en anden måde",
    "closed_day": "Registreret på en lukkedag (fx tur)",
    "day_only": "Kun dato, ingen tider (afkrydsningsliste)",
}


def data_quality_summary(visits: pd.DataFrame, accounting: pd.DataFrame) -> pd.DataFrame:
    """A short data-quality table for reviewers: raw rows read and their fate, visits with full times vs.
    day only, visits on closed days, and how many visits each cleaning rule touched.

    Input: `visits.parquet` (`granularity`, `on_closed_day`, `flags`) and `accounting.csv`. Columns
    "Forhold", "Antal", "Andel" (share of the cleaned visits, or of the rows read for the raw-row lines).
    """
    counts = accounting[list(ACCOUNTING_COLUMNS)].fillna(0).astype(int).sum()
    n = len(visits)
    read = int(counts["rows_read"])
    lines: list[tuple[str, int, float]] = [
        ("Rå rækker læst", read, 1.0),
        ("– heraf brugt som besøg", int(counts["kept"]), counts["kept"] / read if read else np.nan),
        (
            "– heraf slået sammen med et andet besøg",
            int(counts["merged"]),
            counts["merged"] / read if read else np.nan,
        ),
        (
            "– heraf sat i karantæne",
            int(counts["quarantined"]),
            counts["quarantined"] / read if read else np.nan,
        ),
        (
            "– heraf ignoreret (tomme rækker, overskrifter, totaler)",
            int(counts["ignored"]),
            counts["ignored"] / read if read else np.nan,
        ),
        ("Besøg efter rensning", n, 1.0),
    ]
    granularity = visits["granularity"].astype(str)
    timed = int((granularity == "timed").sum())
    lines.append(("– med tidspunkter (kommet og gået)", timed, timed / n if n else np.nan))
    # one row per (visit, rule); the offer's name spelt differently says nothing about the visit itself
    flags = visits["flags"].fillna("").astype(str).str.split(";").explode()
    flags = flags[(flags != "") & (flags != "offer_alias")]
    pairs = pd.DataFrame({"visit": flags.index, "flag": flags.to_numpy()}).drop_duplicates()
    per_flag = pairs["flag"].value_counts()
    for flag, label in FLAG_LABELS.items():
        count = int(per_flag.get(flag, 0))
        if count:
            lines.append((f"– {label[0].lower()}{label[1:]}", count, count / n if n else np.nan))
    touched = int(pairs["visit"].nunique())
    lines.append(("Besøg rettet eller markeret af mindst én regel", touched, touched / n if n else np.nan))
    return pd.DataFrame(lines, columns=["Forhold", "Antal", "Andel"])
