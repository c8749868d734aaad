"""The parts every report shares: the data banner, the methods pointer and section, the version stamp and
footer, and the links between the reports of the set."""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from attendance.errors import InputError
from attendance.settings.config import project_root
from attendance.settings.report_set import reviewer_reports

from .formats import escape_html, fmt_date, fmt_date_range, fmt_pct, fmt_value
from .glossary import ACCOUNTING_LABELS, ACTION_LABELS, PARAM_LABELS, RULE_LABELS, VALIDATION_LABELS
from .tables import show_table


def load_dataset_info(offers_path: str | Path | None = None) -> dict[str, Any]:
    """The `_dataset` block of data/processed/offers.json (name, synthetic, period, data hash)."""
    if offers_path is None:
        offers_path = project_root() / "data" / "processed" / "offers.json"
    path = Path(offers_path)
    try:
        offers = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(
            "offers.json not found", file=str(path), fix="run the clean stage first (dvc repro clean)"
        ) from exc
    except json.JSONDecodeError as exc:
        raise InputError(
            f"offers.json is not valid JSON ({exc.msg})", file=str(path), row=exc.lineno
        ) from exc
    info = offers.get("_dataset")
    if not isinstance(info, Mapping):
        raise InputError("offers.json has no _dataset block", file=str(path), fix="re-run the clean stage")
    return dict(info)


def banner(dataset_info: Mapping[str, Any] | str | Path | None = None):
    """The data banner under the title: a prominent warning when the data are synthetic, else the period.

    Accepts the `_dataset` block, a whole offers.json mapping, or a path to offers.json (default: the
    project's). The `data-report-*` attributes let the template repeat the warning on every printed page.
    """
    from IPython.display import HTML

    if dataset_info is None or isinstance(dataset_info, str | Path):
        info = load_dataset_info(dataset_info)
    else:
        info = dict(dataset_info.get("_dataset", dataset_info))
    synthetic = bool(info.get("synthetic"))
    period = ""
    if info.get("period_start") and info.get("period_end"):
        period = fmt_date_range(info["period_start"], info["period_end"])
    name = str(info.get("name", ""))
    attributes = f'data-report-synthetic="{str(synthetic).lower()}" data-report-dataset="{escape_html(name)}"'
    if synthetic:
        period_text = f" Perioden er {period}." if period else ""
        return HTML(
            f'<aside class="rp-banner rp-banner-synthetic" role="note" {attributes}>'
            "<strong>Syntetiske data – ikke rigtige borgere.</strong> "
            "Alle tal i denne rapport er beregnet på et kunstigt datasæt, der efterligner "
            "tilbuddenes fremmøderegistreringer. Datasættet er lavet til at vise og afprøve analyserne; det "
            "siger intet om enkelte borgere og må ikke bruges som beslutningsgrundlag."
            f"{period_text}</aside>"
        )
    period_text = f"Fremmøderegistreringer {period}." if period else "Fremmøderegistreringer."
    return HTML(
        f'<aside class="rp-banner rp-banner-data" role="note" {attributes}>'
        f"<strong>Datagrundlag:</strong> {escape_html(period_text)} Datasæt: {escape_html(name)}.</aside>"
    )


ANALYST_ONLY = "Fortroligt – kun til analytikere"
"""The mark of the analyst reports (01_clean, 02_demand in reports/analyst/): in the page and the print header."""


def analyst_banner():
    """The analyst reports' mark under the title: they show counts of small groups of citizens without
    disclosure control (e.g. the raw usage bands), so they must not be forwarded. The `data-report-confidential`
    attribute makes the template repeat the mark in every printed page's header."""
    from IPython.display import HTML

    return HTML(
        '<aside class="rp-banner rp-banner-confidential" role="note" data-report-confidential="true">'
        f"<strong>{escape_html(ANALYST_ONLY)}.</strong> Rapporten viser tal om små grupper af borgere uden "
        "diskretionering og må ikke videresendes. Til styregruppe og udvalg bruges rapporterne i mappen "
        "reports/ (fremmødestatistik, spor 1–3 og beslutningsgrundlag).</aside>"
    )


# --------------------------------------------------------------------------------------------------------
# Methods section, version stamp, footer


def load_quality_summary(processed_dir: str | Path | None = None) -> dict[str, pd.DataFrame]:
    """accounting.csv and the rule counts of quality_log.csv from the clean stage."""
    if processed_dir is None:
        processed_dir = project_root() / "data" / "processed"
    folder = Path(processed_dir)
    summary: dict[str, pd.DataFrame] = {}
    accounting, log = folder / "accounting.csv", folder / "quality_log.csv"
    if accounting.is_file():
        summary["accounting"] = pd.read_csv(accounting)
    if log.is_file():
        summary["rules"] = pd.read_csv(log, usecols=lambda c: c in {"rule", "action"})
    if not summary:
        raise InputError(
            "no accounting.csv or quality_log.csv", file=str(folder), fix="run the clean stage first"
        )
    return summary


def _rule_counts(rules: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in ("rule", "action") if c in rules.columns]
    if not keys:
        raise ValueError("the quality summary's rule table needs a 'rule' column")
    count = next((c for c in ("n", "count", "rows") if c in rules.columns), None)
    grouped = rules.groupby(keys, dropna=False)
    counts = grouped[count].sum() if count else grouped.size()
    return counts.rename("n").reset_index().sort_values("n", ascending=False, kind="stable")


def _quality_html(quality_summary: Any) -> str:
    if isinstance(quality_summary, pd.DataFrame):
        key = "accounting" if "rows_read" in quality_summary.columns else "rules"
        quality_summary = {key: quality_summary}
    parts = []
    accounting = quality_summary.get("accounting")
    if accounting is not None:
        totals = (
            accounting[[c for c in ACCOUNTING_LABELS if c in accounting.columns]].sum()
            if isinstance(accounting, pd.DataFrame)
            else pd.Series(accounting)
        )
        table = pd.DataFrame(
            {"Rækker": [ACCOUNTING_LABELS.get(k, k) for k in totals.index], "Antal": totals.to_numpy()}
        )
        parts.append(
            show_table(
                table,
                "Regnskab for de rå registreringer: hver læst række er brugt, slået sammen, sat i karantæne "
                "eller ignoreret.",
                formats={"Antal": "int"},
            ).data
        )
    rules = quality_summary.get("rules")
    if rules is not None and len(rules):
        counts = _rule_counts(rules)
        counts["rule"] = counts["rule"].map(lambda r: RULE_LABELS.get(r, str(r).replace("_", " ")))
        if "action" in counts.columns:
            counts["action"] = counts["action"].map(lambda a: ACTION_LABELS.get(a, str(a).replace("_", " ")))
        labels = {"rule": "Regel", "action": "Handling", "n": "Rækker"}
        parts.append(
            show_table(counts, "Rensningsregler, der har ændret eller afvist rækker.", labels=labels).data
        )
    return "".join(parts)


def _validation_html(validation: Any) -> str:
    if isinstance(validation, str):
        return f"<p>{escape_html(validation)}</p>"
    if isinstance(validation, Mapping):
        table = pd.DataFrame(
            {k: _flatten(v) if isinstance(v, Mapping) else {"værdi": v} for k, v in validation.items()}
        ).T
        table.index.name = "Tilbud"
    else:
        table = pd.DataFrame(validation)
    for column in [c for c in table.columns if "coverage" in str(c)]:
        table[column] = table[column].map(lambda v: v if isinstance(v, str) else fmt_pct(v, 0))
    table = table.rename(columns=lambda c: VALIDATION_LABELS.get(str(c), str(c).replace("_", " ")))
    return show_table(
        table,
        "Validering af efterspørgselsmodellen på de udeholdte uger.",
        index=table.index.name is not None,
        decimals=2,
    ).data


def methods_section(
    params: Mapping[str, Any],
    quality_summary: Any = None,
    validation: Any = None,
    *,
    notes: str | None = None,
):
    """The "Metode og datagrundlag" section: the parameters used, the data-quality summary and validation.

    `params` is what the notebook ran with (`fill_params(...)` returns it); `quality_summary` is
    `load_quality_summary()` (or the accounting / quality-log DataFrame); `validation` the demand model's
    held-out validation as {offer: {metric: value}} or a DataFrame (optional).
    """
    from IPython.display import HTML

    flat = _flatten(params)
    rows = pd.DataFrame(
        {
            "Parameter": [PARAM_LABELS.get(k, k) for k in flat],
            "Værdi": [fmt_value(v, key=k) for k, v in flat.items()],
            "Nøgle i params.yaml": list(flat),
        }
    )
    parts = [
        '<section class="rp-methods">',
        '<h2 id="metode-og-datagrundlag">Metode og datagrundlag</h2>',
        "<p>Rapporten er lavet automatisk ud fra de rå fremmøderegistreringer. Alle beregninger følger "
        "parametrene nedenfor (filen params.yaml); en ændret parameter giver en ny kørsel af rapporten.</p>",
    ]
    if notes:
        parts.append(f"<p>{escape_html(notes)}</p>")
    parts.append('<h3 id="metode-parametre">Parametre</h3>')
    parts.append(show_table(rows, "Parametre brugt i denne rapport.").data)
    if quality_summary is not None:
        parts.append('<h3 id="metode-datakvalitet">Datakvalitet</h3>')
        parts.append(_quality_html(quality_summary))
    if validation is not None:
        parts.append('<h3 id="metode-validering">Validering</h3>')
        parts.append(_validation_html(validation))
    parts.append("</section>")
    return HTML("".join(parts))


METHODS_PAGE = "30_metode_og_data"  # the one shared page of methods, parameters and data quality


def methods_pointer(notes: str | None = None):
    """The short "Metode og data" section of a reviewer report: the report's own method in one paragraph
    (`notes`) and a link to the shared page (`METHODS_PAGE`) with the parameters, the data quality, the
    cleaning rules and the demand model's validation, which every report used to repeat (issue 15)."""
    from IPython.display import HTML

    text = (escape_html(notes) + " ") if notes else ""
    return HTML(
        '<section class="rp-methods rp-methods-pointer">'
        '<h2 id="metode-og-data">Metode og data</h2>'
        f"<p>{text}Parametrene (params.yaml), datakvaliteten, rensningsreglerne, efterspørgselsmodellens "
        f'validering og kilderne står samlet på siden <a href="{METHODS_PAGE}.html">Metode og data</a> '
        "(filen skal ligge i samme mappe som denne rapport).</p></section>"
    )


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        result = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


# What a report is made from. Only these count when the stamp says "med lokale ændringer": the pipeline's own
# outputs (dvc.lock, metrics, reports) change during every run and say nothing about the code or the data.
SOURCE_PATHS = ("src", "notebooks", "params.yaml", "dvc.yaml", "pyproject.toml", "data/raw")


def version_info(
    root: str | Path | None = None,
    offers_path: str | Path | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """What a printed page needs to be traced to its run: the commit of the sources, the data hash, a date.

    The commit is the last one that changed a source (SOURCE_PATHS), not HEAD, and a clean run is dated by that
    commit: the same sources and data then give the same report bytes, so committing dvc.lock after a run does
    not make the next run differ. Only uncommitted changes to the sources mark the stamp as changed (and date
    it by the clock). Tolerates a copy without git or without processed data: the fields then say so in Danish.
    """
    if root is None:
        try:
            root = project_root()
        except InputError:
            root = Path.cwd()
    root = Path(root)
    log = _git(["log", "-1", "--format=%h %cs", "--abbrev=7", "--", *SOURCE_PATHS], root)
    if not log:  # no commit touches a source path (e.g. a test repository): the newest commit
        log = _git(["log", "-1", "--format=%h %cs", "--abbrev=7"], root)
    commit, commit_date = (log.split() + [None])[:2] if log else (None, None)
    changed = _git(["status", "--porcelain", "--", *SOURCE_PATHS], root) if commit else None
    dirty = bool(changed)
    offers = Path(offers_path) if offers_path is not None else root / "data" / "processed" / "offers.json"
    data_hash, dataset, synthetic = None, None, None
    try:
        info = load_dataset_info(offers)
        data_hash, dataset, synthetic = info.get("data_hash"), info.get("name"), info.get("synthetic")
    except InputError:
        pass
    if commit and not dirty and commit_date:
        run_date, run_time = dt.date.fromisoformat(commit_date), None
    else:
        now = now or dt.datetime.now()
        run_date, run_time = now.date(), now.strftime("%H:%M")
    return {
        "commit": commit or "ikke under versionsstyring",
        "commit_found": commit is not None,
        "dirty": dirty,
        "data_hash": str(data_hash) if data_hash else "ukendt",
        "dataset": dataset,
        "synthetic": synthetic,
        "run_date": run_date,
        "run_time": run_time,
        "experiment": os.environ.get("DVC_EXP_NAME") or None,
    }


def footer(info: Mapping[str, Any] | None = None):
    """The version stamp at the end of the report (and, via the template, in every printed page's margin)."""
    from IPython.display import HTML

    info = dict(info or version_info())
    commit = str(info["commit"]) + (" (med lokale ændringer)" if info.get("dirty") else "")
    data_hash = str(info["data_hash"])
    short_hash = data_hash[:12] if data_hash != "ukendt" else data_hash
    run = fmt_date(info["run_date"]) + (f" kl. {info['run_time']}" if info.get("run_time") else "")
    when = "Kørt" if info.get("run_time") else "Kodens dato"
    dataset = f" · Datasæt: {escape_html(info['dataset'])}" if info.get("dataset") else ""
    experiment = f" · Eksperiment: {escape_html(info['experiment'])}" if info.get("experiment") else ""
    return HTML(
        f'<footer class="rp-footer" data-report-commit="{escape_html(commit)}" data-report-data-hash="{escape_html(short_hash)}" '
        f'data-report-run-date="{escape_html(run)}">'
        f"<p><strong>Version</strong> · Programkode: {escape_html(commit)} · Datagrundlag: {escape_html(short_hash)}{dataset}"
        f"{experiment} · {when}: {escape_html(run)}</p>"
        "<p>Rapporten er dannet automatisk af fremmødeanalysens pipeline. Kode og data kan genfindes ud fra "
        "versionsnummer og datagrundlag.</p></footer>"
    )


def report_links(current: str):
    """A line of links to the other reports of the set, in dvc.yaml's order (`settings.report_set`), by relative
    file names: they open offline when the reports lie in the same folder, as `dvc repro` writes them."""
    from IPython.display import HTML

    parts = [
        f"<strong>{escape_html(title)}</strong>"
        if stem == current
        else f'<a href="{stem}.html">{escape_html(title)}</a>'
        for stem, title in ((r.stem, r.title) for r in reviewer_reports())
    ]
    return HTML(
        '<nav class="rp-report-links" aria-label="Rapporterne">Rapporterne: '
        + " · ".join(parts)
        + ' <span class="rp-note">(filerne skal ligge i samme mappe)</span></nav>'
    )


def shared_figures(figures: Mapping[str, Any]):
    """The figures this report shares with other reports (referred, active, visits, today's cost, the
    tracks' and models' costs), exact, in a hidden element: tests/test_cross_report.py checks that every
    report says the same. Nothing is shown; the visible text comes from the same numbers."""
    import json

    from IPython.display import HTML

    payload = json.dumps({k: float(v) for k, v in figures.items()}, sort_keys=True)
    return HTML(f'<div class="rp-shared-figures" hidden data-shared-figures="{html.escape(payload)}"></div>')


def read_shared_figures(html_text: str) -> dict[str, float]:
    """The shared figures embedded by `shared_figures` in a rendered report (merged if there are several)."""
    import json

    out: dict[str, float] = {}
    # the renderer may re-quote the attribute ('…' instead of "…")
    for match in re.finditer(r"""data-shared-figures=(["'])(.*?)\1""", html_text, re.S):
        out.update(json.loads(html.unescape(match.group(2))))
    return out


def _flatten(mapping: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in mapping.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if (
            isinstance(value, Mapping)
            and value
            and not all(isinstance(v, list | tuple) for v in value.values())
        ):
            flat.update(_flatten(value, path))
        else:
            flat[path] = value
    return flat
