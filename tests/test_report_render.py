"""A report notebook that uses every helper, executed and rendered through the real runner (papermill +
nbconvert with the project template), then checked as a reviewer's PC would see it: one self-contained file,
nothing from other hosts, a table of contents, the synthetic-data banner and the version stamp — and, in
headless Chromium with the network cut off, no failed request, no console error and a screenshot in
test-artifacts/ to look at.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from browser import load_page, require_chromium
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from attendance.pipeline import render
from attendance.pipeline.notebook_runner import execute_notebook, render_html

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
EXTERNAL = re.compile(
    r"""<(?:script|link|img|source|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.I
)
DATA_HASH = "3f2a9c1b7d4e5f60a1b2c3d4e5f60718"

SETUP = """\
import warnings
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from attendance import reporting as rp
rp.setup_matplotlib()
SECRET_SETUP_MARKER = 1
"""

TABLE = """\
weekday = pd.DataFrame({
    "Ugedag": [rp.weekday_name(i) for i in range(5)],
    "Borgere": [18, 3, 22, 4, 19],
    "Unikke pr. dag": [18.52, 12.0, 21.3, 9.75, 17.0],
    "Andel": [0.27, 0.05, 0.33, 0.06, 0.29],
})
total = pd.DataFrame({"Ugedag": ["I alt"], "Borgere": [66], "Unikke pr. dag": [15.7], "Andel": [1.0]}, index=["total"])
weekday = pd.concat([weekday, total])
shown = rp.suppress_small(weekday, ["Borgere"], 5, total_row="total", derived={"Borgere": "Andel"})
rp.show_table(shown, f"Unikke borgere pr. ugedag, AUC, {rp.fmt_date_range('2026-03-02', '2026-05-29')}.",
              formats={"Andel": "pct"}, total_row="total", source="syntetiske data")
"""

HEATMAP = """\
slots = [rp.slot_label(8 * 60 + 30 * i) for i in range(14)]
rng = np.random.default_rng(1)
grid = pd.DataFrame(rng.gamma(4, 2.5, size=(5, 14)), index=[rp.weekday_name(i) for i in range(5)], columns=slots)
fig, ax = plt.subplots(figsize=(9, 3.4))
sns.heatmap(grid, ax=ax, cmap="Blues", annot=True, fmt=".0f", cbar_kws={"format": rp.danish_formatter(0)})
ax.set_xlabel("Tidsrum"); ax.set_ylabel("")
rp.show_figure(fig, "Gennemsnitligt antal borgere til stede pr. ugedag og tidsrum, AUC.",
               alt="Varmekort over fremmøde pr. ugedag og tidsrum")
"""

CURVE = """\
x = np.arange(14)
fig, ax = plt.subplots()
ax.fill_between(x, 6 + 4 * np.sin(x / 4), 12 + 6 * np.sin(x / 4), alpha=0.25, label="25–75 %")
ax.plot(x, 9 + 5 * np.sin(x / 4), label="Gennemsnit")
ax.set_xticks(x[::2], slots[::2], rotation=30, ha="right")
rp.use_danish_axes(ax, decimals=1)
ax.set_ylabel("Borgere til stede"); ax.legend()
warnings.warn("noise for the analyst only")
rp.show_figure(fig, "Fremmøde over dagen med percentilbånd, AUC.", alt="Kurve over fremmøde over dagen")
"""

METHODS = """\
rp.methods_section(
    {"report": {"suppress_below": 5}, "demand": {"bin_minutes": 30, "interval": 0.9,
     "periods": {"formiddag": ["08:00", "12:00"], "eftermiddag": ["12:00", "17:00"]}}},
    rp.load_quality_summary("processed"),
    {"auc": {"family": "negativ binomial", "coverage": 0.91, "mae_model": 1.234, "mae_baseline": 1.9}},
)
"""


def build_sample_notebook(folder: Path) -> Path:
    """A report notebook in `folder` using every helper of attendance.reporting, with its data beside it."""
    processed = folder / "processed"
    processed.mkdir(parents=True, exist_ok=True)
    dataset = {
        "name": "demo",
        "synthetic": True,
        "period_start": "2026-03-02",
        "period_end": "2026-05-29",
        "data_hash": DATA_HASH,
    }
    (processed / "offers.json").write_text(
        json.dumps({"auc": {"name": "AUC"}, "_dataset": dataset}), encoding="utf-8"
    )
    (processed / "accounting.csv").write_text(
        "file,sheet,rows_read,kept,merged,quarantined,ignored\na.xlsx,marts,120,100,5,3,12\n",
        encoding="utf-8",
    )
    (processed / "quality_log.csv").write_text(
        "file,sheet,row,column,rule,action,detail\n"
        "a.xlsx,marts,4,time_out,missing_time_out,imputed,median stay\n"
        "a.xlsx,marts,9,time_out,missing_time_out,imputed,median stay\n"
        "a.xlsx,marts,12,date,exact_duplicate,merged,\n",
        encoding="utf-8",
    )
    cells = [
        new_markdown_cell(
            "# Fremmødestatistik for AUC og No. 17\n\n"
            "Fremmøde marts–maj 2026 fordelt på ugedag og tidsrum. Baggrunden er kommissoriet for "
            "udviklingsforløbet; se [Serviceloven § 104](https://www.retsinformation.dk/eli/lta/2024/909) "
            "og https://www.norddjurs.dk."
        ),
        new_code_cell("PARAMETER_MARKER = None", metadata={"tags": ["parameters"]}),
        new_code_cell(SETUP, metadata={"tags": ["remove-cell"]}),
        new_code_cell("rp.banner('processed/offers.json')"),
        new_code_cell(
            "rp.key_figures([\n"
            "    ('Visiterede borgere', 61),\n"
            "    ('Unikke borgere pr. åbningsdag', 18.5, 'spænd 11–29'),\n"
            "    ('Højeste samtidige fremmøde', 24, f'laveste dagsmaksimum {rp.fmt_int(5)}'),\n"
            "    ('Andel aktive', rp.fmt_pct(43 / 61)),\n"
            "    ('Budget pr. aktiv borger', rp.fmt_dkk(3_100_000 / 43)),\n"
            "])"
        ),
        new_markdown_cell(
            "## Fremmøde pr. ugedag\n\nTabellen viser, hvor mange forskellige borgere der kom på hver ugedag. "
            "Små tal er skjult af hensyn til borgernes anonymitet."
        ),
        new_code_cell(TABLE),
        new_markdown_cell("## Fremmøde pr. tidsrum\n\n### Varmekort"),
        new_code_cell(HEATMAP),
        new_markdown_cell("### Dagens forløb"),
        new_code_cell(CURVE),
        new_code_cell(
            "print(f'Første registrering: {rp.fmt_date(pd.Timestamp(\"2026-03-02\"))}, {rp.fmt_number(18.5)} borgere')"
        ),
        new_code_cell(METHODS),
        new_code_cell("rp.footer(rp.version_info('.', offers_path='processed/offers.json'))"),
    ]
    notebook = new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
    )
    path = folder / "sample_report.ipynb"
    nbformat.write(notebook, str(path))
    return path


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("report")
    notebook = build_sample_notebook(folder)
    executed = folder / "executed" / notebook.name
    execute_notebook(notebook, executed, {"PARAMETER_MARKER": "injected"}, cwd=folder)
    html = render_html(executed, folder / "sample_report.html")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "sample_report.html").write_bytes(html.read_bytes())
    return html, html.read_text(encoding="utf-8")


def test_nothing_is_loaded_or_linked_from_outside_the_file(rendered):
    _, html = rendered
    assert render.external_urls(html) == []
    assert not EXTERNAL.search(html)
    assert not re.search(r"<script\b[^>]*\bsrc\s*=", html, re.I)
    assert "@import" not in html and "@font-face" not in html
    # the markdown links are still readable as text
    assert "https://www.retsinformation.dk/eli/lta/2024/909" in html and "https://www.norddjurs.dk" in html


def test_every_image_is_embedded(rendered):
    _, html = rendered
    sources = re.findall(r"<img\b[^>]*\bsrc=\"([^\"]*)\"", html)
    assert len(sources) == 2
    assert all(src.startswith("data:image/png;base64,") for src in sources)
    assert all(re.search(r'alt="[^"]+"', tag) for tag in re.findall(r"<img\b[^>]*>", html))


def test_table_of_contents_links_resolve(rendered):
    _, html = rendered
    nav = re.search(r'<nav[^>]*class="rp-toc".*?</nav>', html, re.S)
    assert nav, "no table of contents"
    targets = re.findall(r'href="#([^"]+)"', nav.group(0))
    assert targets == [
        "fremmoede-pr-ugedag",
        "fremmoede-pr-tidsrum",
        "varmekort",
        "dagens-forloeb",
        "metode-og-datagrundlag",
        "metode-parametre",
        "metode-datakvalitet",
        "metode-validering",
    ]
    for target in targets:
        assert len(re.findall(rf'\bid="{target}"', html)) == 1, target
    # after the title, banner and key figures; before the first section
    assert html.index("rp-keyfigures") < nav.start() < html.index('id="fremmoede-pr-ugedag"')


def test_banner_footer_and_print_stamps(rendered):
    _, html = rendered
    assert '<html lang="da">' in html
    assert "<title>Fremmødestatistik for AUC og No. 17</title>" in html
    assert html.count("Syntetiske data – ikke rigtige borgere.") == 1
    assert html.index("rp-banner-synthetic") < html.index("rp-keyfigures")
    footer = re.search(r'<footer class="rp-footer"[^>]*>.*?</footer>', html, re.S).group(0)
    assert DATA_HASH[:12] in footer and "Programkode: " in footer and "Kørt: " in footer
    assert '@top-center { content: "SYNTETISKE DATA' in html
    assert re.search(
        r'@bottom-left \{ content: "Programkode: [^"]+ · Datagrundlag: 3f2a9c1b7d4e · Kørt: ', html
    )


def test_no_code_prompts_parameters_or_warnings_reach_the_reader(rendered):
    _, html = rendered
    for text in (
        "SECRET_SETUP_MARKER",
        "PARAMETER_MARKER",
        "injected",
        "noise for the analyst",
        "In&nbsp;[",
        "Out[",
    ):
        assert text not in html, text
    assert "jp-InputArea-editor" not in html and "highlight" not in html
    assert "Første registrering: 2. marts 2026, 18,5 borgere" in html  # printed output is kept


def test_danish_formats_and_suppression_in_the_report(rendered):
    _, html = rendered
    for text in (
        "18,5",
        "70,5 %",
        "72.093 kr.",
        "2. marts–29. maj 2026",
        "&lt;5",
        "færre end 5 borgere",
        "91 %",  # the validation coverage as a percentage (issue 15), not "0,91"
    ):
        assert text in html, text


def test_report_is_small(rendered):
    path, _ = rendered
    assert path.stat().st_size < 5 * 1024 * 1024
    assert path.stat().st_size < 600 * 1024  # two figures and a few tables; a regression would show here


@pytest.mark.browser
def test_chromium_loads_the_report_offline_without_errors(rendered):
    require_chromium()
    path, _ = rendered
    page = load_page(path, ARTIFACTS / "sample_report_screen.png")
    assert page.problems == []
    assert page.title == "Fremmødestatistik for AUC og No. 17"
    assert page.load_seconds is not None and page.load_seconds < 2.0, page.load_seconds
    shot = page.screenshot.read_bytes()
    assert shot[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(shot[20:24], "big") == page.page_height > 1500  # the full page, not the viewport


@pytest.mark.browser
def test_chromium_prints_the_report(rendered):
    require_chromium()
    path, _ = rendered
    page = load_page(path, ARTIFACTS / "sample_report_print.png", width=794, media="print", pdf=True)
    assert page.problems == []
    assert page.pdf_pages is not None and 2 <= page.pdf_pages <= 8, page.pdf_pages


@pytest.mark.browser
def test_browser_helper_reports_requests_to_other_hosts(tmp_path):
    """The check must be able to fail: a page that loads from another host is reported, offline."""
    require_chromium()
    page_file = tmp_path / "bad.html"
    page_file.write_text(
        '<!DOCTYPE html><html><head><title>x</title><script src="https://cdn.example.invalid/a.js"></script></head>'
        "<body><script>console.error('boom')</script></body></html>",
        encoding="utf-8",
    )
    page = load_page(page_file)
    assert any("cdn.example.invalid" in url for url in page.external_requests)
    assert page.failed_requests
    assert any("boom" in message for message in page.console_errors)
