"""Layout on a laptop, a phone and paper: each report shown in headless Chromium 1280 and 420 px wide must have
nothing wider than its box except inside a scroll box (a wide table scrolls in its own box, cards wrap, figures
scale), and printed to A4 it must have no clipped key-figure card, nothing wider than the page, and a bounded
number of pages. Screenshots at both widths (and the PDFs) go to test-artifacts/ for a person to look at.

The checks run on a sample report built here with the real runner (every helper, plus the things that broke
before: a "25 % / 17 %" card, a wide table, a plain pandas table, a figure shown without show_figure), on the
reviewer reports of the working tree when `dvc repro` has made them, and — so they cannot silently pass — on
pages with an overflow planted on purpose, which they must catch.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest
from browser import require_chromium
from layout_check import PAGE_LIMITS, SCREEN_WIDTHS, print_problems, screen_problems, summary, table_counts
from nbformat.v4 import new_code_cell, new_markdown_cell
from test_report_render import build_sample_notebook

from attendance.pipeline.notebook_runner import execute_notebook, render_html
from attendance.settings.report_set import reviewer_reports

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
REVIEWER_REPORTS = tuple(r.stem for r in reviewer_reports(ROOT))  # from dvc.yaml, the shared appendix too

STRESS_CELLS = [
    new_markdown_cell("## Brede tabeller og kort"),
    new_code_cell(
        "rp.key_figures([\n"
        "    ('Visiterede, der aldrig mødte op', '25 % / 17 %', 'AUC / No. 17, i perioden'),\n"
        "    ('Personaletimer pr. uge, som fremmødet kræver', '27,5 t/uge', 'i dag 28,0 timer pr. uge'),\n"
        "    ('Udgift pr. aktiv borger pr. år i dag', rp.fmt_dkk(64_687), "
        "'på fælles grundlag som i fremmødestatistikken · efter budgetforudsætninger'),\n"
        "    ('Samlet udgift pr. år som § 104 med tilpasset normering, mio. kr.', '3,35 mio.', "
        "'−0,59 mio. kr. i forhold til i dag'),\n"
        "    ('Unikke borgere pr. åbningsdag', 18.5),\n"
        "])"
    ),
    new_code_cell(
        "wide = pd.DataFrame({f'Åbningsdage med fremmøde, kolonne {i}': [18.5 + i, 1234.25 * i] for i in range(9)})\n"
        "rp.show_table(wide, 'En bred tabel med mange kolonner.')"
    ),
    new_code_cell("pd.DataFrame({f'staff_hours_week_needed_{i}': [829041.096 * i] for i in range(10)})"),
    new_code_cell(
        "fig, ax = plt.subplots(figsize=(12, 3))\n"
        "ax.bar(['AUC', 'No. 17'], [0.8, 0.93])\n"
        "ax.set_title('Dækning af forudsigelsesintervaller'); ax.set_ylabel('Dækningsgrad')\n"
        "from IPython.display import display\n"
        "display(fig)  # shown as plain notebook output, not through show_figure\n"
        "plt.close(fig)"
    ),
]


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """The sample report of test_report_render plus the cases that overflowed before issue 15."""
    require_chromium()
    folder = tmp_path_factory.mktemp("layout")
    path = build_sample_notebook(folder)
    notebook = nbformat.read(str(path), as_version=4)
    footer_at = len(notebook.cells) - 2  # before the methods section and the footer
    notebook.cells[footer_at:footer_at] = STRESS_CELLS
    nbformat.write(notebook, str(path))
    executed = folder / "executed" / path.name
    execute_notebook(path, executed, {"PARAMETER_MARKER": "injected"}, cwd=folder)
    html = render_html(executed, folder / "layout_sample.html")
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(html, ARTIFACTS / "layout_sample.html")
    return html


def _planted(sample: Path, folder: Path, name: str, html: str) -> Path:
    """The sample report with `html` inserted right after the title."""
    text = sample.read_text(encoding="utf-8")
    text = re.sub(r"(</h1>)", lambda m: m.group(1) + html, text, count=1)
    path = folder / f"{name}.html"
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------------------
# The sample report
# --------------------------------------------------------------------------------------------------------


def test_every_table_of_the_sample_sits_in_a_scroll_box_and_every_image_has_alt_text(sample):
    counts = table_counts(sample)
    assert counts["tables"] >= 4 and counts["unwrappedTables"] == 0, counts
    html = sample.read_text(encoding="utf-8")
    alts = re.findall(r'<img\b[^>]*\balt="([^"]*)"', html)
    assert len(alts) == len(re.findall(r"<img\b", html)) == 3
    assert all(alt.strip() and "No description" not in alt for alt in alts), alts
    # the figure shown with plt.show() is described from its own title and axis label
    assert any("Dækning af forudsigelsesintervaller" in alt and "Dækningsgrad" in alt for alt in alts), alts
    # a value with parts wraps between them, never inside one
    assert '<span class="rp-nowrap">25 %</span> / <span class="rp-nowrap">17 %</span>' in html


@pytest.mark.parametrize("width", SCREEN_WIDTHS)
def test_nothing_in_the_sample_overflows_outside_a_scroll_box(sample, width):
    problems = screen_problems(sample, width, ARTIFACTS / f"layout_sample_{width}.png")
    assert problems == [], f"at {width} px:\n{summary(problems)}"


def test_the_sample_prints_on_a4_without_a_clipped_card(sample):
    overflow, cards, pages = print_problems(sample, ARTIFACTS / "layout_sample.pdf")
    assert cards == [], cards
    assert overflow == [], summary(overflow)
    assert 2 <= pages <= 8, pages


# --------------------------------------------------------------------------------------------------------
# The checks must be able to fail
# --------------------------------------------------------------------------------------------------------


def test_a_planted_wide_element_without_scroll_box_is_caught(sample, tmp_path):
    page = _planted(
        sample,
        tmp_path,
        "planted_wide",
        '<div id="planted"><p style="width: 900px">Alt for bred tekst</p></div>',
    )
    assert screen_problems(page, 1280) == []  # 900 px fits the report column at 1280 px …
    problems = screen_problems(page, 420)  # … but not a phone's
    assert any("div#planted" in p["where"] or p["where"] == "page" for p in problems), summary(problems)


def test_a_planted_wide_table_inside_a_scroll_box_is_allowed_but_not_on_paper(sample, tmp_path):
    cells = "".join(f'<td class="num">{i}.234.567,8</td>' for i in range(20))  # numbers never wrap
    page = _planted(
        sample,
        tmp_path,
        "planted_scroll",
        f'<div class="rp-table-scroll" id="planted"><table class="rp-table"><tr>{cells}</tr></table></div>',
    )
    assert screen_problems(page, 420) == []
    overflow, _, _ = print_problems(page)
    assert any("planted" in p["where"] or p["where"] == "page" for p in overflow), summary(overflow)


def test_a_planted_clipped_card_is_caught(sample, tmp_path):
    card = (
        '<section class="rp-keyfigures"><div class="rp-kf" style="width: 8rem; overflow: hidden">'
        '<div class="rp-kf-value" style="white-space: nowrap">1.234.567.890 kr. / 25 %</div>'
        '<div class="rp-kf-label">Planted</div></div></section>'
    )
    page = _planted(sample, tmp_path, "planted_card", card)
    problems = screen_problems(page, 1280)
    assert any("rp-kf" in p["where"] for p in problems), summary(problems)
    _, cards, _ = print_problems(page)
    assert any("Planted" in c["card"] for c in cards), cards


# --------------------------------------------------------------------------------------------------------
# The reviewer reports of this working tree (made by `dvc repro`)
# --------------------------------------------------------------------------------------------------------


def _reviewer_report(name: str) -> Path:
    require_chromium()
    path = ROOT / "reports" / f"{name}.html"
    if not path.exists():
        pytest.skip(
            f"reports/{name}.html is not there: run `dvc repro` first (the e2e tests check a fresh one)"
        )
    return path


@pytest.mark.parametrize("name", REVIEWER_REPORTS)
@pytest.mark.parametrize("width", SCREEN_WIDTHS)
def test_reviewer_report_has_no_overflow_outside_a_scroll_box(name, width):
    path = _reviewer_report(name)
    problems = screen_problems(path, width, ARTIFACTS / f"{name}_{width}.png")
    assert problems == [], f"{name} at {width} px:\n{summary(problems)}"
    counts = table_counts(path)
    assert counts["unwrappedTables"] == 0, counts


@pytest.mark.parametrize("name", REVIEWER_REPORTS)
def test_reviewer_report_prints_on_a4_within_its_page_bound(name):
    path = _reviewer_report(name)
    overflow, cards, pages = print_problems(path, ARTIFACTS / f"{name}.pdf")
    assert cards == [], cards
    assert overflow == [], f"{name} in print:\n{summary(overflow)}"
    assert 1 <= pages <= PAGE_LIMITS[name], (name, pages)
