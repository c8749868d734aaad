"""Size and load time of every rendered report in headless Chromium, offline (target: < 5 MB, < 2 s).

Run after `make repro`:  .venv/bin/python benchmarks/bench_reports.py
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser import load_page  # noqa: E402


def main() -> int:
    reports = sorted((ROOT / "reports").rglob("*.html"))  # reviewer reports and reports/analyst/
    if not reports:
        print("no reports: run `make repro` first")
        return 1
    print(f"{'report':<42}{'MB':>8}{'load s (median of 3)':>24}{'problems':>10}")
    for report in reports:
        pages = [load_page(report) for _ in range(3)]
        seconds = statistics.median(p.load_seconds or float("nan") for p in pages)
        problems = len(pages[0].problems)
        print(f"{report.name:<42}{report.stat().st_size / 1e6:>8.2f}{seconds:>24.2f}{problems:>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
