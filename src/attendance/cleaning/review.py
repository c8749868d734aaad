"""The analyst's review of one clean run: `data/quarantine/review.xlsx`.

Every interpretive decision of the clean stage is shown here: how each sheet was read, which names did not match
the referral list (or could be several people) with suggested matches ready to confirm, and which kept rows were
read in a way someone should check (quality-log rules in `quality.REVIEW_RULES`). The workbook holds raw names,
so it lives in the quarantine folder (git-ignored, never in reports); the 01_clean report shows only the counts
(`review_counts`).

Confirming names: write `ja` in «Bekræft» (and, if the first suggestion is not right, the name as on the referral
list in «Rigtigt navn»), save, and run `attendance aliases --from data/quarantine/review.xlsx --dataset
data/raw/<name>`: each confirmed row becomes a line `navn som skrevet;rigtigt navn` in `citizen_aliases.csv`.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import datetime as dt
import io
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from attendance.errors import InputError
from attendance.ingest.readers import read_citizen_aliases
from attendance.ingest.xlsx import save_workbook
from attendance.reporting import ACTION_LABELS

from .pseudonym import normalise_identifier
from .quality import detail_da, rule_label

REVIEW_FILE = "review.xlsx"
SHEET_GUIDE = "Vejledning"
SHEET_READING = "Sådan er arkene læst"
SHEET_NAMES = "Navne"
SHEET_ROWS = "Tjek rækker"
MAX_SHEET_ROWS = 5_000  # rows written per sheet; the counts (and strict) use all of them
MAX_SUGGESTED = MAX_SHEET_ROWS  # unmatched names (most frequent first) that get suggestions: those shown

NAME_KIND_LABELS = {
    "unmatched": "ikke på visitationslisten",
    "ambiguous": "kan være flere personer (karantæne)",
    "partial": "kun fornavn/initialer: læst som én visiteret borger",
}
NAME_HEADERS = [
    "Tilbud", "Navn som skrevet", "Type", "Rækker", "Første dato", "Sidste dato", "Kan være",
    "Forslag 1", "Forslag 2", "Forslag 3", "Bekræft", "Rigtigt navn",
]  # fmt: skip
FIELD_LABELS = {
    "date": "dato", "citizen": "borger", "time_in": "ind", "time_out": "ud", "comment": "bemærkning",
    "offer": "tilbud",
}  # fmt: skip
REVIEW_KIND_LABELS = {
    "sheets": "Ark læst (se hvordan)",
    "ambiguous_names": "Navne, der kan være flere personer (karantæne)",
    "partial_names": "Fornavne/initialer læst som én visiteret borger",
    "similar_unmatched_names": "Navne uden for visitationslisten, der ligner en visiteret borger",
    "other_unmatched_names": "Andre navne uden for visitationslisten (fx besøgende uden visitation)",
    "rows": "Beholdte rækker at tjekke",
}
CONFIRM_WORDS = {"ja", "j", "x", "yes", "ok", "✓"}
# kinds of review item that `clean.strict` turns into a stop (see review_counts)
STRICT_KINDS = ("ambiguous_names", "partial_names", "similar_unmatched_names", "rows")


@dataclasses.dataclass
class Review:
    """The review's tables (raw names inside: write them only to the quarantine folder)."""

    sheets: pd.DataFrame
    names: pd.DataFrame
    rows: pd.DataFrame

    def counts(self) -> dict[str, int]:
        """Counts per kind of review item — no names; safe for reports and error messages."""
        names = self.names
        kind = names["Type"] if len(names) else pd.Series(dtype=object)
        unmatched = kind == NAME_KIND_LABELS["unmatched"]
        suggested = names["Forslag 1"].fillna("").astype(str) != "" if len(names) else unmatched
        return {
            "sheets": len(self.sheets),
            "ambiguous_names": int((kind == NAME_KIND_LABELS["ambiguous"]).sum()),
            "partial_names": int((kind == NAME_KIND_LABELS["partial"]).sum()),
            "similar_unmatched_names": int((unmatched & suggested).sum()),
            "other_unmatched_names": int((unmatched & ~suggested).sum()),
            "rows": len(self.rows),
        }


def review_summary(counts: Mapping[str, int]) -> pd.DataFrame:
    """The review's counts per kind, in Danish, for the 01_clean report (no names)."""
    return pd.DataFrame(
        {
            "punkt": [REVIEW_KIND_LABELS[k] for k in REVIEW_KIND_LABELS],
            "antal": [int(counts.get(k, 0)) for k in REVIEW_KIND_LABELS],
            "stopper ved strict": ["ja" if k in STRICT_KINDS else "nej" for k in REVIEW_KIND_LABELS],
        }
    )


def strict_items(counts: Mapping[str, int]) -> dict[str, int]:
    """The review items that stop the stage under `clean.strict` (kinds with a count above zero)."""
    return {kind: int(counts.get(kind, 0)) for kind in STRICT_KINDS if counts.get(kind, 0)}


def strict_error(
    counts: Mapping[str, int], path: Path | str = "data/quarantine/review.xlsx"
) -> InputError | None:
    """The one-line stop of `clean.strict`: how many review items, of which kinds, and where to see them."""
    items = strict_items(counts)
    if not items:
        return None
    total = sum(items.values())
    kinds = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in items.items())
    shown = Path(path)
    with contextlib.suppress(ValueError):
        shown = shown.resolve().relative_to(Path.cwd().resolve())
    return InputError(
        f"clean.strict: {total} review item(s) ({kinds}) — see {shown.as_posix()}",
        file="params.yaml",
        fix="confirm names into citizen_aliases.csv (attendance aliases), correct the sheets, or set "
        "clean.strict: false",
    )


# --------------------------------------------------------------------------------------------- the tables


def sheet_table(
    sheets: Sequence[Any],
    accounting: pd.DataFrame,
    skipped: Sequence[str] = (),
    granularity: Mapping[tuple[str, str], tuple[int, int]] | None = None,
) -> pd.DataFrame:
    """Per sheet: how it was read (layout, header row, column → field, offer and where it came from) and where
    its rows ended. SheetInfo fields are read with defaults: fields added later show as extra columns."""
    known = {"file", "sheet", "layout", "rows_read", "header_row", "headers", "sheet_offer", "offer_source"}
    acc = {(r.file, r.sheet): r for r in accounting.itertuples(index=False)} if len(accounting) else {}
    records = []
    for info in sheets:
        file, sheet = getattr(info, "file", ""), getattr(info, "sheet", "")
        headers = getattr(info, "headers", {}) or {}
        row = acc.get((file, sheet))
        record = {
            "Fil": file,
            "Ark": sheet,
            "Layout": {"long": "en række pr. besøg", "tick": "afkrydsningsliste", "empty": "tomt"}.get(
                getattr(info, "layout", ""), str(getattr(info, "layout", ""))
            ),
            "Overskriftsrække": getattr(info, "header_row", None),
            "Kolonner (felt ← overskrift)": "; ".join(
                f"{FIELD_LABELS.get(k, k)} ← {v}" for k, v in headers.items()
            ),
            "Tilbud": getattr(info, "sheet_offer", None) or "(kolonnen Tilbud)",
            "Tilbud fundet i": getattr(info, "offer_source", None)
            or ("kolonne" if "offer" in headers else ""),
            "Rækker læst": getattr(info, "rows_read", 0),
            "Beholdt": getattr(row, "kept", 0) if row is not None else 0,
            "Slået sammen": getattr(row, "merged", 0) if row is not None else 0,
            "Karantæne": getattr(row, "quarantined", 0) if row is not None else 0,
            "Ignoreret": getattr(row, "ignored", 0) if row is not None else 0,
            "Besøg med tider": (granularity or {}).get((file, sheet), (0, 0))[0],
            "Kun dato (kryds)": (granularity or {}).get((file, sheet), (0, 0))[1],
        }
        if dataclasses.is_dataclass(info):
            for extra in dataclasses.fields(info):
                if extra.name not in known:
                    value = getattr(info, extra.name, None)
                    record[extra.name] = (
                        value if isinstance(value, int | float | str) or value is None else str(value)
                    )
        records.append(record)
    for file in skipped:
        records.append({"Fil": file, "Ark": "", "Layout": "ikke læst (filtype)", "Rækker læst": 0})
    return pd.DataFrame(records)


def name_table(names: pd.DataFrame | None, index: Any, display: Mapping[str, str]) -> pd.DataFrame:
    """Unmatched, ambiguous and partly matched names with suggestions (rapidfuzz; never merged automatically)."""
    if names is None or not len(names):
        return pd.DataFrame(columns=NAME_HEADERS)
    order = {kind: i for i, kind in enumerate(NAME_KIND_LABELS)}
    names = names.assign(_k=names["kind"].map(order), _r=-names["rows"])
    names = names.sort_values(["_k", "offer_id", "_r", "name"], kind="stable")
    # only the rows written to the sheet are built one by one; the rest (not shown, but counted) in one go
    tail = names.iloc[MAX_SHEET_ROWS:]
    names = names.iloc[:MAX_SHEET_ROWS]
    records = []
    for i, r in enumerate(names.itertuples(index=False)):
        if r.kind != "unmatched":  # the candidates themselves are the suggestions
            suggestions = [(c, 100.0) for c in r.candidates][:3]
        elif index is not None and i < MAX_SUGGESTED:  # the most frequent names first
            suggestions = index.suggestions(r.offer_id, r.normalised)
        else:
            suggestions = []
        shown = [f"{display.get(name, name)} ({score:g})" for name, score in suggestions[:3]]
        shown += [""] * (3 - len(shown))
        records.append(
            [
                r.offer_id,
                r.name,
                NAME_KIND_LABELS.get(r.kind, r.kind),
                int(r.rows),
                _day(r.first_date),
                _day(r.last_date),
                _candidates_text(r.candidates, display) if r.kind != "unmatched" else "",
                *shown,
                "",
                "",
            ]
        )
    table = pd.DataFrame(records, columns=NAME_HEADERS)
    if not len(tail):
        return table
    rest = pd.DataFrame({column: "" for column in NAME_HEADERS}, index=range(len(tail)))
    rest["Tilbud"] = tail["offer_id"].to_numpy()
    rest["Navn som skrevet"] = tail["name"].to_numpy()
    rest["Type"] = tail["kind"].map(NAME_KIND_LABELS).to_numpy()
    rest["Rækker"] = tail["rows"].to_numpy()
    return pd.concat([table, rest], ignore_index=True)


def _candidates_text(candidates: Sequence[str], display: Mapping[str, str], shown: int = 10) -> str:
    text = ", ".join(display.get(c, c) for c in candidates[:shown])
    return text + (f" … (+{len(candidates) - shown})" if len(candidates) > shown else "")


def rows_table(quality_log: pd.DataFrame, review_rules: frozenset[str]) -> pd.DataFrame:
    sub = quality_log[quality_log["rule"].isin(review_rules)] if len(quality_log) else quality_log
    return pd.DataFrame(
        {
            "Fil": sub["file"].astype(object).to_numpy() if len(sub) else [],
            "Ark": sub["sheet"].astype(object).to_numpy() if len(sub) else [],
            "Række": sub["row"].astype(object).to_numpy() if len(sub) else [],
            "Kolonne": sub["column"].astype(object).to_numpy() if len(sub) else [],
            "Regel": sub["rule"].map(rule_label).to_numpy() if len(sub) else [],
            "Handling": sub["action"].map(lambda a: ACTION_LABELS.get(a, a)).to_numpy() if len(sub) else [],
            "Detalje": sub["detail"].map(detail_da).astype(object).to_numpy() if len(sub) else [],
        }
    )


RAW_COLUMNS = {
    "date": "Dato (skrevet)",
    "citizen": "Navn (skrevet)",
    "time_in": "Ind (skrevet)",
    "time_out": "Ud (skrevet)",
}


def with_raw_values(rows: pd.DataFrame, records: pd.DataFrame, limit: int | None = None) -> pd.DataFrame:
    """The rows to check with their cells as typed (date, name, times), looked up by file, sheet and row (and the
    tick-list cell) — for the rows written to the sheet only. Raw values: the quarantine folder only."""
    limit = MAX_SHEET_ROWS if limit is None else limit
    head = rows.iloc[:limit].copy()
    for name in RAW_COLUMNS.values():
        head[name] = None
    if not len(head) or records is None or not len(records):
        return pd.concat([head, rows.iloc[limit:]], ignore_index=True) if len(rows) > limit else head
    numbers = pd.to_numeric(head["Række"], errors="coerce")
    wanted = np.isin(records["row"].to_numpy(), numbers.dropna().astype(np.int64).unique())
    cells = pd.DataFrame(
        {
            "Fil": records["file"].to_numpy()[wanted].astype(object),
            "Ark": records["sheet"].to_numpy()[wanted].astype(object),
            "_row": records["row"].to_numpy()[wanted].astype(np.int64),
            "_cell": pd.Series(records["cell"].to_numpy()[wanted]).astype(object).fillna("").to_numpy(),
            **{label: records[name].to_numpy()[wanted].astype(object) for name, label in RAW_COLUMNS.items()},
        }
    )
    left = head.drop(columns=list(RAW_COLUMNS.values())).assign(
        _pos=range(len(head)), _row=numbers.astype("Int64")
    )
    left["Ark"] = left["Ark"].astype(object).fillna("")
    cells["Ark"] = cells["Ark"].fillna("")
    merged = left.merge(
        cells.assign(_row=cells["_row"].astype("Int64")), on=["Fil", "Ark", "_row"], how="left"
    )
    fits = (merged["_cell"].fillna("") == "") | (merged["_cell"] == merged["Kolonne"])
    merged = merged[fits].drop_duplicates("_pos").set_index("_pos").reindex(range(len(head)))
    for label in RAW_COLUMNS.values():
        head[label] = merged[label].to_numpy()
    if len(rows) <= limit:
        return head
    tail = rows.iloc[limit:].assign(**{label: None for label in RAW_COLUMNS.values()})
    return pd.concat([head, tail], ignore_index=True)


def _day(value: Any) -> dt.date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


# --------------------------------------------------------------------------------------------- the workbook

GUIDE = [
    ["Gennemgang af rensningen — til analytikeren"],
    [""],
    ["Filen indeholder navne fra registreringerne. Den ligger i data/quarantine/ og må ikke deles eller lægges i git."],
    [""],
    [f"«{SHEET_READING}»: for hvert ark: layout, overskriftsrække, hvilken kolonne der er læst som hvilket felt, "
     "tilbud og hvor det er fundet, og hvordan rækkerne endte."],
    [f"«{SHEET_NAMES}»: navne, der ikke står på visitationslisten, kan være flere personer, eller kun er fornavn/"
     "initialer. Forslag er fundet ved lighed (rapidfuzz) og bruges aldrig automatisk."],
    [f"«{SHEET_ROWS}»: beholdte rækker, der er læst på en måde, som bør tjekkes (fx byttet om på tider, tid uden for "
     "åbningstiden, fornavn læst som en visiteret borger)."],
    [""],
    ["Sådan bekræftes et navn:"],
    ["1. Skriv ja i kolonnen «Bekræft» ud for navnet."],
    ["2. Er «Forslag 1» ikke det rigtige, skriv navnet som på visitationslisten i «Rigtigt navn» (altid for navne, der kan være flere personer)."],
    ["3. Gem filen og kør:  attendance aliases --from data/quarantine/review.xlsx --dataset data/raw/<datasæt>"],
    ["   Hver bekræftet række bliver en linje «navn som skrevet;rigtigt navn» i citizen_aliases.csv."],
    ["   (Uden kommandoen: skriv linjerne selv i data/raw/<datasæt>/citizen_aliases.csv.)"],
    ["4. Kør rensningen igen (dvc repro). Med clean.strict: true stopper rensningen, så længe der er punkter."],
]  # fmt: skip


def write_review(review: Review, path: Path) -> Path:
    """Write review.xlsx: Danish sheet titles, bold frozen header row, column widths, autofilter.

    openpyxl's write-only mode streams the rows (a few thousand rows a second faster than cell objects)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tables = [(SHEET_READING, review.sheets), (SHEET_NAMES, review.names), (SHEET_ROWS, review.rows)]
    notes = [
        [f"«{title}» viser de første {MAX_SHEET_ROWS:,} af {len(table):,} rækker; alle står i "
         "data/processed/quality_log.csv (filtrér på kolonnen rule) — tallene tæller dem alle."]
        for title, table in tables
        if len(table) > MAX_SHEET_ROWS  # openpyxl writes cell by cell: a million rows would take minutes
    ]  # fmt: skip
    workbook = Workbook(write_only=True)
    guide = workbook.create_sheet(SHEET_GUIDE)
    guide.column_dimensions["A"].width = 120
    for number, line in enumerate([*GUIDE, *([[""]] + notes if notes else [])]):
        if number == 0:
            cell = WriteOnlyCell(guide, value=line[0])
            cell.font = Font(bold=True, size=13)
            line = [cell]
        guide.append(line)
    bold = Font(bold=True)
    for title, table in tables:
        table = table.head(MAX_SHEET_ROWS)
        sheet = workbook.create_sheet(title)
        sheet.freeze_panes = "A2"
        for i, column in enumerate(table.columns, start=1):
            values = [str(column)] + [str(v) for v in table.iloc[:200, i - 1].tolist()]
            width = min(60, max(len(v) for v in values) + 2)
            sheet.column_dimensions[get_column_letter(i)].width = max(width, 8)
        if len(table.columns):
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{len(table) + 1}"
        header = []
        for column in table.columns:
            cell = WriteOnlyCell(sheet, value=str(column))
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in table.itertuples(index=False):
            values = [_cell(v) for v in row]
            for i, value in enumerate(values):
                if isinstance(value, dt.date):
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.number_format = "DD-MM-YYYY"
                    values[i] = cell
            sheet.append(values)
    save_workbook(workbook, path)
    return path


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if hasattr(value, "item") and not isinstance(value, str):
        return value.item()
    return value


# --------------------------------------------------------------------------------------------- aliases


def confirmed_aliases(review_path: Path) -> list[tuple[str, str]]:
    """(name as typed, right name) of each row confirmed in the «Navne» sheet of a review workbook."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(review_path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the same error for the analyst
        raise InputError(
            f"cannot read the review workbook ({exc.__class__.__name__})",
            file=str(review_path),
            fix="open it in Excel and save it as .xlsx",
        ) from exc
    if SHEET_NAMES not in workbook.sheetnames:
        raise InputError(
            f"no sheet «{SHEET_NAMES}»",
            file=str(review_path),
            fix="use the review.xlsx the clean stage wrote",
        )
    rows = list(workbook[SHEET_NAMES].iter_rows(values_only=True))
    workbook.close()
    if not rows:
        return []
    header = [str(h) if h is not None else "" for h in rows[0]]
    col = {name: header.index(name) for name in NAME_HEADERS if name in header}
    missing = [n for n in ("Navn som skrevet", "Bekræft", "Rigtigt navn", "Forslag 1") if n not in col]
    if missing:
        raise InputError(
            f"the «{SHEET_NAMES}» sheet lacks column(s) {', '.join(missing)}", file=str(review_path)
        )
    out = []
    for number, row in enumerate(rows[1:], start=2):

        def get(name: str, row: tuple = row) -> str:
            value = row[col[name]] if col[name] < len(row) else None
            return "" if value is None else str(value).strip()

        if get("Bekræft").casefold() not in CONFIRM_WORDS:
            continue
        ambiguous = "Type" in col and get("Type") == NAME_KIND_LABELS["ambiguous"]
        if ambiguous and not get("Rigtigt navn"):
            raise InputError(
                "a confirmed name that could be several people needs «Rigtigt navn» (no suggestion is taken)",
                file=str(review_path),
                sheet=SHEET_NAMES,
                row=number,
                fix="write the one referred citizen it always means, or clear «Bekræft»",
            )
        right = get("Rigtigt navn") or re.sub(r"\s*\([\d.]+\)$", "", get("Forslag 1"))
        if not right or not get("Navn som skrevet"):
            raise InputError(
                "a confirmed name has no right name and no suggestion",
                file=str(review_path),
                sheet=SHEET_NAMES,
                row=number,
                fix="write the name as on the referral list in «Rigtigt navn»",
            )
        out.append((get("Navn som skrevet"), right))
    return out


def append_aliases(raw_dir: Path, pairs: Sequence[tuple[str, str]]) -> tuple[Path, int]:
    """Append variant;canonical lines to citizen_aliases.csv (skipping variants it already has)."""
    path = Path(raw_dir) / "citizen_aliases.csv"
    existing = read_citizen_aliases(raw_dir) if path.is_file() else {}
    new = []
    for variant, canonical in pairs:
        if normalise_identifier(variant) in existing or normalise_identifier(variant) == normalise_identifier(
            canonical
        ):
            continue
        existing[normalise_identifier(variant)] = normalise_identifier(canonical)
        new.append((variant, canonical))
    if new:
        text = path.read_text(encoding="utf-8-sig") if path.is_file() else "variant;canonical\n"
        if text and not text.endswith("\n"):
            text += "\n"
        first = text.splitlines()[0] if text.strip() else ";"
        delimiter = ";" if ";" in first or "," not in first else ","
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(new)
        path.write_text(text + buffer.getvalue(), encoding="utf-8")
    return path, len(new)
