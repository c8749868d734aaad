"""End to end: a copy of the repository runs `dvc repro` and produces every declared output.

This is what a new analyst does after cloning; it proves the stages, params and notebooks fit together.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
import yaml
from project_copy import copy_project
from project_copy import run as _run

BIN = Path(sys.executable).parent
EXTERNAL = re.compile(
    r"""<(?:script|link|img|source|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.I
)

# Figures each report shows today; fewer means a figure silently went missing (e.g. a lost backend).
# A report not listed here (a new track) is held to showing at least none.
MIN_FIGURES = {
    "01_clean": 0,
    "02_demand": 4,
    "10_fremmoedestatistik": 4,
    "11_spor1_paragraf104": 2,
    "12_spor2_aabent_vaerested": 3,
    "13_spor3_beskyttet_beskaeftigelse": 2,
    "20_beslutningsgrundlag": 1,
    "30_metode_og_data": 0,
}

pytestmark = [pytest.mark.slow]


def declared_outputs(project: Path) -> list[Path]:
    stages = yaml.safe_load((project / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    outputs = []
    for stage in stages.values():
        for entry in stage.get("outs", []) + stage.get("metrics", []):
            outputs.append(project / (next(iter(entry)) if isinstance(entry, dict) else entry))
    return outputs


@pytest.fixture(scope="module")
def reproduced(tmp_path_factory) -> Path:
    """Built once per test run (conftest.py checks it): the tests of this module run on one worker."""
    from conftest import record_pipeline_build

    record_pipeline_build(tmp_path_factory, "test_e2e_pipeline.reproduced")
    project = copy_project(tmp_path_factory.mktemp("clone") / "project")
    _run([str(BIN / "dvc"), "repro"], project)
    return project


def test_every_declared_output_exists(reproduced: Path):
    missing = [str(p.relative_to(reproduced)) for p in declared_outputs(reproduced) if not p.exists()]
    assert missing == []


def test_every_report_is_a_complete_offline_html_document(reproduced: Path):
    reports = sorted((reproduced / "reports").rglob("*.html"))
    declared = sorted(
        str(project_file)
        for stage in yaml.safe_load((reproduced / "dvc.yaml").read_text(encoding="utf-8"))["stages"].values()
        for project_file in stage.get("outs", [])
        if str(project_file).endswith(".html")
    )
    assert declared and [r.relative_to(reproduced).as_posix() for r in reports] == declared
    for report in reports:
        text = report.read_text(encoding="utf-8")
        assert text.lstrip().lower().startswith("<!doctype html>"), report.name
        assert text.rstrip().lower().endswith("</html>"), report.name
        assert not EXTERNAL.search(text), f"{report.name} loads something from another host"
        assert "Traceback" not in text, f"{report.name} shows a traceback"
        # a cell's stray return value (a path, an object repr) is code talking to the reader, and the clone's
        # path would make every clone's report differ
        assert str(reproduced) not in text and "PosixPath(" not in text, f"{report.name} prints a path"
        figures = len(re.findall(r"<img[^>]+src=\"data:image/png;base64,", text))
        assert figures >= MIN_FIGURES.get(report.stem, 0), f"{report.name} has only {figures} figures"


def test_analyst_reports_are_apart_and_marked_confidential(reproduced: Path):
    """Issue 13: the analyst reports show unsuppressed counts; they live in reports/analyst/, say so in the
    page and in every printed page's header, and the reviewer folder holds only the reports to forward."""
    from attendance.reporting import ANALYST_ONLY
    from attendance.settings.report_set import reviewer_reports

    reviewer = sorted(p.stem for p in (reproduced / "reports").glob("*.html"))
    assert reviewer == sorted(r.stem for r in reviewer_reports(reproduced))
    for stem in ("01_clean", "02_demand"):
        text = (reproduced / "reports" / "analyst" / f"{stem}.html").read_text(encoding="utf-8")
        assert f"{ANALYST_ONLY}." in text, stem  # the banner in the page
        assert f'@top-left {{ content: "{ANALYST_ONLY}"' in text, stem  # the print header
    for stem in reviewer:
        assert ANALYST_ONLY not in (reproduced / "reports" / f"{stem}.html").read_text(encoding="utf-8")
    assert json.loads((reproduced / "build" / "disclosure_audit.json").read_text())["disclosed"] == 0


def test_metrics_are_readable_by_dvc(reproduced: Path):
    shown = json.loads(_run([str(BIN / "dvc"), "metrics", "show", "--json"], reproduced).stdout)
    text = json.dumps(shown)
    assert "unique_per_day_mean" in text
    assert "metrics/demand.json" in text
    assert "metrics/decision.json" in text and "total_cost_dkk" in text


def test_second_repro_is_up_to_date(reproduced: Path):
    result = _run([str(BIN / "dvc"), "repro"], reproduced)
    assert "Running stage" not in result.stdout, result.stdout
    status = _run([str(BIN / "dvc"), "status"], reproduced)
    assert "up to date" in status.stdout.lower(), status.stdout


def test_spor2_parameter_change_touches_only_the_spor2_decision_and_methods_stages(reproduced: Path):
    params_path = reproduced / "params.yaml"
    original = params_path.read_text(encoding="utf-8")
    params = yaml.safe_load(original)
    try:
        changed = original.replace(
            f"opening_threshold: {params['spor2']['opening_threshold']}",
            f"opening_threshold: {params['spor2']['opening_threshold'] + 1}",
        )
        assert changed != original
        params_path.write_text(changed, encoding="utf-8")
        status = json.loads(_run([str(BIN / "dvc"), "status", "--json"], reproduced).stdout)
        # the decision report costs the drop-in; the shared methods page (30) lists the parameters
        assert sorted(status) == ["report_decision", "report_methods", "report_spor2"], status
    finally:
        params_path.write_text(original, encoding="utf-8")


def test_calibration_table_in_metrics(reproduced: Path):
    """The kommissorium's published table, reproduced from the raw demo registrations after cleaning."""
    metrics = json.loads((reproduced / "metrics" / "clean.json").read_text(encoding="utf-8"))
    expected = {
        "auc": {
            "unique_per_day_mean": 18.5,
            "unique_per_day_min": 11,
            "unique_per_day_max": 29,
            "peak_concurrent_max": 24,
            "peak_concurrent_min": 5,
            "referred": 61,
        },
        "no17": {
            "unique_per_day_mean": 8.2,
            "unique_per_day_min": 7,
            "unique_per_day_max": 11,
            "peak_concurrent_max": 11,
            "peak_concurrent_min": 5,
            "referred": 18,
        },
    }
    for offer, figures in expected.items():
        for key, value in figures.items():
            assert metrics[offer][key] == pytest.approx(value, abs=1e-9), (offer, key)
        assert 0 < metrics[offer]["active"] < metrics[offer]["referred"]


def _raw_identifiers(project: Path) -> tuple[set[str], set[str]]:
    """Every name and initials string of the raw demo, read independently of the leak guard."""
    from attendance.ingest.readers import read_dataset, read_offers, read_referrals, read_registrations

    raw = project / "data" / "raw" / "demo"
    dataset, offers = read_dataset(raw), read_offers(raw)
    referrals = read_referrals(raw, offers, dataset)
    records = read_registrations(raw, offers, dataset).records
    citizens = records.loc[records["kind"].astype(str) == "data", "citizen"].dropna().astype(str)
    names = {
        n.strip().casefold()
        for n in [*referrals["name"], *citizens]
        if len(n.strip()) >= 5 and " " in n.strip()
    }
    initials = {i.strip() for i in referrals["initials"].dropna() if 2 <= len(i.strip()) <= 4}
    return names, initials


def test_no_raw_identifier_in_any_output(reproduced: Path):
    import pandas as pd

    from attendance.pipeline.leakguard import CPR_PATTERN

    names, initials = _raw_identifiers(reproduced)
    vocabulary = _vocabulary()
    assert len(names) > 50 and len(initials) > 50
    scanned = 0
    roots = [
        reproduced / "data" / "processed",
        reproduced / "build",
        reproduced / "reports",
        reproduced / "metrics",
    ]
    for path in (p for root in roots for p in root.rglob("*") if p.is_file()):
        if path.suffix == ".parquet":
            table = pd.read_parquet(path)
            text = "\n".join(
                table[c].astype(str).str.cat(sep="\n") for c in table.columns if table[c].dtype == object
            )
        else:
            text = path.read_text(encoding="utf-8", errors="replace")
        text = re.sub(r"[A-Za-z0-9+/=]{120,}", " ", text)  # embedded images
        folded = " ".join(text.casefold().split())
        found = [n for n in names if n in folded]
        assert not found, f"{path.relative_to(reproduced)} contains {len(found)} raw name(s)"
        assert not CPR_PATTERN.search(text), f"{path.relative_to(reproduced)} contains a CPR-like number"
        tokens = set(re.findall(r"(?<![\w-])[A-ZÆØÅ]{2,4}(?![\w-])", re.sub(r"<[^>]+>", " ", text)))
        # Tokens the project itself writes (offer names like "AUC", model names like "NB") are not from raw data.
        leaked = (tokens & initials) - vocabulary
        assert not leaked, f"{path.relative_to(reproduced)} shows initials {sorted(leaked)}"
        scanned += 1
    assert scanned >= 20


def _vocabulary() -> set[str]:
    from attendance.pipeline.leakguard import project_vocabulary

    return project_vocabulary(Path(__file__).resolve().parents[1])


def _hashes(project: Path) -> dict[str, str]:
    import hashlib

    files = [p for d in ("data/processed", "metrics") for p in (project / d).rglob("*") if p.is_file()]
    return {str(p.relative_to(project)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(files)}


def test_forced_rerun_gives_identical_processed_data_and_metrics(reproduced: Path):
    """Same inputs, same bytes — the executed notebooks and reports too, so a committed dvc.lock stays as it is
    after the next run, and the reports' stamp does not claim local changes."""
    before = _hashes(reproduced)
    assert len(before) >= 20
    for report in (reproduced / "reports").rglob("*.html"):
        assert "med lokale ændringer" not in report.read_text(encoding="utf-8"), report.name
    _run(["git", "add", "dvc.lock", "metrics"], reproduced)
    _run(["git", "commit", "-qm", "lock after the first run"], reproduced)
    _run([str(BIN / "dvc"), "repro", "--force", "clean", "demand", "report_overview"], reproduced)
    assert _hashes(reproduced) == before
    assert _run(["git", "status", "--porcelain"], reproduced).stdout == "", "a re-run changed dvc.lock"


def test_interrupted_run_keeps_previous_outputs_recoverable_and_reruns_cleanly(reproduced: Path):
    """Killing `dvc repro` mid-stage never leaves a half-written result in place of the previous one: DVC's
    cache restores the previous outputs (`dvc checkout`), and the next `dvc repro` completes with the same
    bytes as before."""
    import os
    import signal
    import subprocess
    import time

    before = _hashes(reproduced)
    process = subprocess.Popen(
        [str(BIN / "dvc"), "repro", "--force", "clean"],
        cwd=reproduced,
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "DVC_NO_ANALYTICS": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    executed = reproduced / "build" / "notebooks" / "01_clean.ipynb"
    deadline = time.monotonic() + 60
    while executed.exists() and time.monotonic() < deadline:  # DVC removes the outputs when the stage starts
        time.sleep(0.1)
    time.sleep(2.0)  # the kernel is now running the cleaning
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode != 0, "the run finished before it could be interrupted"

    _run([str(BIN / "dvc"), "checkout", "--force"], reproduced)
    restored = _hashes(reproduced)
    cached = {k: v for k, v in before.items() if not k.startswith("metrics/")}
    assert {k: restored.get(k) for k in cached} == cached, "dvc checkout did not restore the previous outputs"

    _run([str(BIN / "dvc"), "repro"], reproduced)
    assert _hashes(reproduced) == before
    status = _run([str(BIN / "dvc"), "status"], reproduced)
    assert "up to date" in status.stdout.lower(), status.stdout


@pytest.mark.browser
def test_every_report_loads_offline_in_chromium_and_is_screenshotted(reproduced: Path):
    """What a reviewer opens: each report in headless Chromium with no network, full-page screenshot kept in
    test-artifacts/ for a person to look at."""

    from browser import load_page, require_chromium

    require_chromium()
    artifacts = Path(__file__).resolve().parents[1] / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    for report in sorted((reproduced / "reports").rglob("*.html")):
        assert report.stat().st_size < 5 * 1024 * 1024, f"{report.name} is over 5 MB"
        page = load_page(report, artifacts / f"{report.stem}.png")
        assert page.problems == [], (report.name, page.problems)
        assert page.title, report.name
        assert page.page_height > 2000, (report.name, page.page_height)


def test_figures_agree_across_reports(reproduced: Path):
    """Referred, active, visits, today's cost and each track's and model's cost: one value in every report."""
    from test_cross_report import check_reports

    check_reports(reproduced / "reports", reproduced / "metrics" / "decision.json")


@pytest.mark.browser
def test_reviewer_reports_fit_a_phone_a_laptop_and_a4(reproduced: Path):
    """Issue 15: in a fresh pipeline run, no reviewer report has anything wider than its box outside a scroll
    box at 1280 or 420 px, and printed to A4 none has a clipped card, anything over the edge of the paper,
    or more pages than its bound (the demo's page counts plus one). Screenshots at both widths and the PDFs
    go to test-artifacts/."""

    from browser import require_chromium
    from layout_check import PAGE_LIMITS, SCREEN_WIDTHS, print_problems, screen_problems, summary

    require_chromium()
    artifacts = Path(__file__).resolve().parents[1] / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    reports = sorted((reproduced / "reports").glob("*.html"))
    assert sorted(r.stem for r in reports) == sorted(PAGE_LIMITS)
    for report in reports:
        for width in SCREEN_WIDTHS:
            problems = screen_problems(report, width, artifacts / f"{report.stem}_{width}.png")
            assert problems == [], f"{report.name} at {width} px:\n{summary(problems)}"
        overflow, cards, pages = print_problems(report, artifacts / f"{report.stem}.pdf")
        assert cards == [] and overflow == [], f"{report.name} in print: {cards}\n{summary(overflow)}"
        assert PAGE_LIMITS[report.stem], f"{report.name}: give its stage meta.max_pages in dvc.yaml"
        assert 1 <= pages <= PAGE_LIMITS[report.stem], (report.name, pages)
