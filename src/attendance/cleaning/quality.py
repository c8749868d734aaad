"""The clean stage's data-quality picture for the analyst, and its metrics.

The quality log has one row per rule application; an analyst needs it folded: how often each rule fired,
where, a few examples to find the rows in the source sheets, and why rows went to quarantine. Nothing here
reads raw values: the quality log carries none, and from the quarantine only the reason and place are used.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from attendance.reporting import ACTION_LABELS, RULE_LABELS

# Rules whose rows are kept but read in a way the analyst should look at: listed in data/quarantine/review.xlsx
# (sheet "Tjek rækker") and counted by `clean.strict`. One name per line, sorted.
REVIEW_RULES: frozenset[str] = frozenset(
    {
        "afternoon_hour",
        "entirely_outside_opening_hours",
        "name_partial",
        "outside_opening_hours",
        "time_out_before_time_in",
    }
)


# The quality log's `detail` is written in English by the cleaning code (stable, greppable); the analyst reads
# it in Danish (issue 15: "empty row", "time in and time out swapped" in the clean report's Detalje column).
DETAIL_DA: dict[str, str] = {
    "empty row": "tom række",
    "no opening hours on this weekday": "ingen åbningstid på denne ugedag",
    "CPR-like number in the citizen field (not logged)": "tal som et CPR-nummer i borgerfeltet (ikke gemt)",
    "day mark dropped: timed visit the same day": "afkrydsning fjernet: besøg med klokkeslæt samme dag",
    "day-level mark (no times)": "afkrydsning uden klokkeslæt",
    "same offer, date, citizen, start and end as another row": (
        "samme tilbud, dato, borger, start og slut som en anden række"
    ),
    "header row": "overskriftsrække",
    "repeated header row": "gentaget overskriftsrække",
    "initials matched in the referral list": "initialer fundet på visitationslisten",
    "imputed: median stay, capped at closing time": "udfyldt: typisk opholdslængde (median), højst til lukketid",
    "spelling variant from citizen_aliases.csv": "stavevariant fra citizen_aliases.csv",
    "spans the overlapping visits merged into it": "dækker de overlappende besøg, der er lagt sammen med det",
    "staff or volunteer listed in offers.yaml": "medarbejder eller frivillig opført i offers.yaml",
    "time in and time out swapped": "ind- og udtid byttet om",
    "title row above the header": "titelrække over overskriften",
    "total row (I alt / Total / Sum)": "totalrække (I alt / Total / Sum)",
    "column not read: not a known header name (add it to columns.yaml if it holds a field), or a field this "
    "layout does not use": (
        "kolonnen er ikke læst: ukendt overskrift (tilføj den i columns.yaml, hvis den rummer et felt), eller et "
        "felt, som denne opstilling ikke bruger"
    ),
}
_DETAIL_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^clipped to (\d{1,2}:\d{2})-(\d{1,2}:\d{2})$"), r"tilpasset åbningstiden \1–\2"),
    (re.compile(r"^merged into the visit in (.+) row (\d+)$"), r"lagt sammen med besøget i \1, række \2"),
    (re.compile(r"^offer (\S+) read from the title row$"), r"tilbuddet \1 læst fra titelrækken"),
    (re.compile(r"^offer (\S+) read from the file name$"), r"tilbuddet \1 læst fra filnavnet"),
    (re.compile(r"^offer (\S+) read from the sheet name$"), r"tilbuddet \1 læst fra arkets navn"),
    (re.compile(r"^offer name read as (\S+)$"), r"tilbuddets navn læst som \1"),
)
_LAYOUT_WORDS = (
    ("long layout", "lang opstilling"),
    ("tick layout", "afkrydsningsliste"),
    ("header row", "overskrift i række"),
    ("fields", "felter"),
    ("from the title row", "fra titelrækken"),
    ("from the file name", "fra filnavnet"),
    ("from the sheet name", "fra arkets navn"),
    ("offer column per row", "tilbudskolonne pr. række"),
    ("offer ", "tilbud "),
)


def detail_da(detail: object) -> str:
    """The quality log's English `detail` in Danish: exact phrases from `DETAIL_DA`, parametrised ones by
    pattern, the sheet-layout summary word by word; anything else is shown as it is (never dropped)."""
    if detail is None or (isinstance(detail, float) and pd.isna(detail)):
        return ""
    text = str(detail)
    if text in DETAIL_DA:
        return DETAIL_DA[text]
    for pattern, replacement in _DETAIL_PATTERNS:
        if pattern.match(text):
            return pattern.sub(replacement, text)
    if text.startswith(("long layout", "tick layout")):
        for english, danish in _LAYOUT_WORDS:
            text = text.replace(english, danish)
    return text


def rule_label(rule: str) -> str:
    return RULE_LABELS.get(rule, rule.replace("_", " "))


def rule_counts(quality_log: pd.DataFrame) -> pd.DataFrame:
    """Applications per rule and action, most frequent first (Danish labels, rule id kept for lookup)."""
    if quality_log.empty:
        return pd.DataFrame(columns=["regel", "handling", "antal", "rule"])
    counts = quality_log.groupby(["rule", "action"], sort=False).size().reset_index(name="antal")
    counts["regel"] = counts["rule"].map(rule_label)
    counts["handling"] = counts["action"].map(lambda a: ACTION_LABELS.get(a, a))
    counts = counts.sort_values(["antal", "rule"], ascending=[False, True], kind="stable")
    return counts[["regel", "handling", "antal", "rule"]].reset_index(drop=True)


def rules_by_file(quality_log: pd.DataFrame) -> pd.DataFrame:
    """Per file: how many rule applications and which rules, most frequent first — a problem sheet stands
    out without a table as wide as the number of rules."""
    if quality_log.empty:
        return pd.DataFrame(columns=["fil", "anvendelser", "regler"])
    counts = quality_log.groupby(["file", "rule"]).size().reset_index(name="n")
    counts = counts.sort_values(["file", "n", "rule"], ascending=[True, False, True], kind="stable")
    counts["text"] = counts["rule"].map(rule_label) + " (" + counts["n"].astype(str) + ")"
    grouped = counts.groupby("file", sort=True)
    return pd.DataFrame(
        {
            "fil": list(grouped.groups),
            "anvendelser": grouped["n"].sum().to_numpy(),
            "regler": grouped["text"].agg(", ".join).to_numpy(),
        }
    )


def rule_examples(quality_log: pd.DataFrame, per_rule: int = 2) -> pd.DataFrame:
    """The first applications of each rule (file, sheet, row, column) to look up in the source."""
    if quality_log.empty:
        return pd.DataFrame(columns=["regel", "fil", "ark", "række", "kolonne", "detalje"])
    ordered = quality_log.sort_values(["rule", "file", "sheet", "row"], kind="stable", na_position="first")
    first = ordered.groupby("rule", sort=True).head(per_rule)
    out = pd.DataFrame(
        {
            "regel": first["rule"].map(rule_label),
            "fil": first["file"],
            "ark": first["sheet"].fillna(""),
            "række": first["row"].map(lambda r: "" if pd.isna(r) else str(int(r))),
            "kolonne": first["column"].fillna(""),
            "detalje": first["detail"].map(detail_da),
        }
    )
    return out.reset_index(drop=True)


def quarantine_reasons(quarantine: pd.DataFrame) -> pd.DataFrame:
    """Quarantined rows per reason and file — never their raw values."""
    if quarantine is None or quarantine.empty:
        return pd.DataFrame(columns=["årsag", "fil", "rækker"])
    counts = quarantine.groupby(["reason", "file"], sort=True).size().reset_index(name="rækker")
    counts["årsag"] = counts["reason"].map(rule_label)
    return counts.rename(columns={"file": "fil"})[["årsag", "fil", "rækker"]]


def clean_metrics(totals: Mapping[str, int], kpis: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """metrics/clean.json: raw-row accounting and the kommissorium's table per offer (`dvc metrics show`)."""
    return {"rows": dict(totals), **{offer: dict(values) for offer, values in kpis.items()}}


def write_metrics(metrics: Mapping[str, Any], path: str | Path) -> None:
    """Returns nothing on purpose: a notebook cell ending in this call would otherwise print the absolute path
    into the report (and make the executed notebook differ between clones)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(metrics, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
