"""Layout checks run inside a report loaded in headless Chromium (tests/browser.py, `evaluate=`).

`OVERFLOW_JS` lists every element whose content is wider than its own box (scrollWidth > clientWidth) while
neither it nor an ancestor is a horizontal scroll box (`overflow-x: auto | scroll`). On screen that content
runs off the page or is cut; a scroll box is the one allowed way to show something wider than the page (a
wide table scrolls inside its own box). With `{print: true}` nothing is exempt: on paper a scroll box cannot
scroll, so anything wider than its box is lost.

`CLIPPED_CARD_JS` lists key-figure cards whose content is wider than the card (the "25 % / 17 %" card).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from browser import load_page

from attendance.settings.report_set import reviewer_reports

OVERFLOW_JS = r"""
((options) => {
  const print = !!(options && options.print);
  const slack = 1;  // sub-pixel rounding
  const isScrollBox = (el) => {
    const ox = getComputedStyle(el).overflowX;
    return (ox === 'auto' || ox === 'scroll') && el !== document.documentElement && el !== document.body;
  };
  const describe = (el) => {
    const parts = [];
    for (let node = el; node && node.nodeType === 1 && parts.length < 4; node = node.parentElement) {
      let part = node.tagName.toLowerCase();
      if (node.id) part += '#' + node.id;
      const cls = [...node.classList].filter((c) => c.startsWith('rp-') || c === 'dataframe').slice(0, 2);
      if (cls.length) part += '.' + cls.join('.');
      parts.unshift(part);
    }
    return parts.join(' > ');
  };
  const depth = (el) => { let d = 0; for (let n = el; n; n = n.parentElement) d++; return d; };
  const inScrollBox = (el) => {
    for (let node = el.parentElement; node; node = node.parentElement) {
      if (isScrollBox(node)) return true;
    }
    return false;
  };
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth + slack) {
    problems.push({where: 'page', depth: 0, scrollWidth: root.scrollWidth, clientWidth: root.clientWidth,
                   text: 'the page is wider than the window'});
  }
  for (const el of document.body.querySelectorAll('*')) {
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.display === 'contents' || style.display.startsWith('inline')) continue;
    if (el.clientWidth === 0) continue;
    if (el.closest('svg, script, style, head')) continue;
    if (el.scrollWidth <= el.clientWidth + slack) continue;
    if (!print && (isScrollBox(el) || inScrollBox(el))) continue;
    problems.push({where: describe(el), depth: depth(el), scrollWidth: el.scrollWidth, clientWidth: el.clientWidth,
                   text: (el.innerText || el.getAttribute('alt') || '').trim().slice(0, 60)});
  }
  // An image or table wider than the element that holds it (it may not make the holder scroll).
  for (const el of document.body.querySelectorAll('img, table, .rp-kf, figure')) {
    const parent = el.parentElement;
    if (!parent || el.getClientRects().length === 0) continue;
    if (!print && (isScrollBox(parent) || inScrollBox(parent))) continue;
    const rect = el.getBoundingClientRect();
    const box = parent.getBoundingClientRect();
    const ps = getComputedStyle(parent);
    const right = box.right - parseFloat(ps.borderRightWidth) - parseFloat(ps.paddingRight);
    if (rect.right > right + slack) {
      problems.push({where: describe(el), depth: depth(el), scrollWidth: Math.round(rect.width), clientWidth: Math.round(right - box.left),
                     text: 'wider than its container'});
    }
  }
  return JSON.stringify(problems);
})
"""

CLIPPED_CARD_JS = r"""
(() => JSON.stringify([...document.querySelectorAll('.rp-kf, .rp-kf *')]
  .filter((el) => el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1)
  .map((el) => ({card: (el.closest('.rp-kf').innerText || '').replace(/\s+/g, ' ').trim().slice(0, 80),
                 scrollWidth: el.scrollWidth, clientWidth: el.clientWidth}))))()
"""

COUNTS_JS = r"""
(() => JSON.stringify({
  tables: document.querySelectorAll('table').length,
  unwrappedTables: [...document.querySelectorAll('table')].filter((t) => !t.closest('.rp-table-scroll')).length,
  images: document.querySelectorAll('img').length,
  cards: document.querySelectorAll('.rp-kf').length,
}))()
"""


def overflow_expression(print_media: bool = False) -> str:
    """The JavaScript expression for load_page(evaluate=...) that returns the overflow problems as JSON."""
    return f"({OVERFLOW_JS.strip()})({{print: {'true' if print_media else 'false'}}})"


# A4 in CSS pixels: 210 mm wide less the @page side margins (14 mm each) in report.css.
PRINT_WIDTH = round((210 - 2 * 14) / 25.4 * 96)
SCREEN_WIDTHS = (1280, 420)


def screen_problems(html_file: Path, width: int, screenshot: Path | None = None) -> list[dict[str, Any]]:
    """Everything wider than its box outside a scroll box, with the page shown `width` px wide."""
    page = load_page(html_file, screenshot, width=width, evaluate=overflow_expression(False))
    assert page.problems == [], page.problems
    return json.loads(page.evaluated)


def print_problems(html_file: Path, pdf: Path | None = None) -> tuple[list[dict[str, Any]], list[dict], int]:
    """(overflow problems in print media at A4 width, clipped key-figure cards, PDF page count)."""
    expression = (
        f"JSON.stringify({{overflow: JSON.parse({overflow_expression(True)}),"
        f" cards: JSON.parse({CLIPPED_CARD_JS.strip()})}})"
    )
    page = load_page(html_file, None, width=PRINT_WIDTH, media="print", pdf=pdf or True, evaluate=expression)
    assert page.problems == [], page.problems
    result = json.loads(page.evaluated)
    return result["overflow"], result["cards"], int(page.pdf_pages or 0)


def table_counts(html_file: Path) -> dict[str, int]:
    page = load_page(html_file, None, evaluate=COUNTS_JS)
    return json.loads(page.evaluated)


def summary(problems: list[dict[str, Any]], limit: int = 8) -> str:
    """The innermost problems first (the deepest element is the one to fix), one line each."""
    ranked = sorted(problems, key=lambda p: -p.get("depth", 0))
    return "\n".join(
        f"  {p['where']}: {p['scrollWidth']} px in {p['clientWidth']} px «{p.get('text', '')[:40]}»"
        for p in ranked[:limit]
    )


# A4 pages each reviewer report may take: before issue 15 they printed to 13, 12, 16, 12 and 11 pages
# (test-artifacts/page_counts_before.txt); with the print layout and the shared appendix (30_metode_og_data,
# 5 pages) of issue 15 to 7, 6, 8, 5 and 5 on the demo data (test-artifacts/page_counts_after.txt). The bound
# is that plus one page of slack: a report that grows past it has lost its print layout (a card or table
# pushed onto a page of its own) or its text has grown — look at the PDF in test-artifacts/.
# The bounds live in dvc.yaml (each reviewer stage's `meta.max_pages`), so a new report brings its own.
PAGE_LIMITS = {r.stem: r.max_pages for r in reviewer_reports(Path(__file__).resolve().parents[1])}
