"""Figures that appear in more than one report are the same number everywhere.

Each reviewer report embeds the figures it shares with others (`report.shared_figures`: referred, active,
visits, today's cost, each track's and each model's cost) next to the text it shows. `check_reports` reads the
rendered HTML and checks that every shared key has one value across the reports, that the rounded amount a
reviewer reads is in the visible text, and that metrics/decision.json holds the same figures. The end-to-end
test runs it on a fresh `dvc repro` (tests/test_e2e_pipeline.py); the test here runs it on this worktree's
reports when they have been rendered.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from attendance import reporting as rp
from attendance.settings.report_set import reviewer_reports

ROOT = Path(__file__).resolve().parents[1]
# The recorded reviewer reports (dvc.yaml), each with its key in metrics/decision.json if it is a track.
REPORTS = {r.stem: r.track for r in reviewer_reports(ROOT) if r.recorded}
SHARED_BY_ALL = ("referred", "active", "visits", "today_cost_dkk")


def _visible(html_text: str) -> str:
    text = re.sub(r"<div [^>]*rp-shared-figures.*?</div>", "", html_text, flags=re.S)
    text = re.sub(r"<(script|style)\b.*?</\1>", "", text, flags=re.S | re.I)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text)))


def check_reports(reports_dir: Path, metrics_path: Path) -> dict[str, dict[str, float]]:
    """The shared figures per report, after asserting that they agree (see the module docstring)."""
    figures, texts = {}, {}
    for stem in REPORTS:
        html_text = (reports_dir / f"{stem}.html").read_text(encoding="utf-8")
        figures[stem] = rp.read_shared_figures(html_text)
        texts[stem] = _visible(html_text)
        missing = [key for key in SHARED_BY_ALL if key not in figures[stem]]
        assert not missing, f"{stem} does not embed {missing}"

    keys = {key for shared in figures.values() for key in shared}
    for key in sorted(keys):
        values = {stem: shared[key] for stem, shared in figures.items() if key in shared}
        assert len(set(values.values())) == 1, f"{key} differs between reports: {values}"

    today = figures["20_beslutningsgrundlag"]["today_cost_dkk"]
    for stem in REPORTS:
        assert rp.fmt_mio(today) in texts[stem], f"{stem} does not show today's cost {rp.fmt_mio(today)}"
    for stem, shared in figures.items():
        if "today_cost_per_active_dkk" in shared:
            # rounded for reviewers (issue 15): "65.000 kr." in a table, "ca. 65.000 kr." in a sentence
            shown = rp.fmt_dkk_rounded(shared["today_cost_per_active_dkk"], approx=False)
            assert shown in texts[stem], f"{stem} does not show today's cost per active citizen {shown}"
    for stem, track in REPORTS.items():
        if track:
            cost = figures[stem][f"track.{track}.total_cost_dkk"]
            assert f"track.{track}.total_cost_dkk" in figures["20_beslutningsgrundlag"], track
            shown = rp.fmt_mio(cost, unit=False)  # the card's label names the unit
            assert shown in texts[stem], f"{stem} does not show its cost {shown}"
    decision = figures["20_beslutningsgrundlag"]
    models = {key.split(".")[1]: value for key, value in decision.items() if key.startswith("model.")}
    assert models, "the decision report embeds no model"
    for value in models.values():
        assert rp.fmt_mio(value) in texts["20_beslutningsgrundlag"]

    metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
    assert metrics["today"]["total_cost_dkk"] == round(today, 2)
    assert {k: v["total_cost_dkk"] for k, v in metrics["models"].items()} == {
        k: round(v, 2) for k, v in models.items()
    }
    for track, row in metrics["tracks"].items():
        assert row["total_cost_dkk"] == round(decision[f"track.{track}.total_cost_dkk"], 2)
    return figures


def test_the_reports_of_this_worktree_agree():
    reports = ROOT / "reports"
    if not all((reports / f"{stem}.html").exists() for stem in REPORTS):
        pytest.skip("the reports have not been rendered here (run dvc repro)")
    figures = check_reports(reports, ROOT / "metrics" / "decision.json")
    assert figures["10_fremmoedestatistik"]["referred"] > 0


def test_a_disagreement_is_caught(tmp_path):
    page = "<html><body>{div} 3,95 mio. kr. 1,00 mio. kr.</body></html>"
    base = {"referred": 79, "active": 61, "visits": 1572, "today_cost_dkk": 3945882.35}
    for stem, track in REPORTS.items():
        shared = dict(base)
        if track:
            shared[f"track.{track}.total_cost_dkk"] = 1_000_000
        if stem == "20_beslutningsgrundlag":
            shared.update({f"track.{t}.total_cost_dkk": 1_000_000 for t in REPORTS.values() if t})
            shared["model.m"] = 1_000_000
        if stem == "12_spor2_aabent_vaerested":
            shared["visits"] = 1580  # a report counting trips on closed days
        div = rp.shared_figures(shared).data
        (tmp_path / f"{stem}.html").write_text(page.format(div=div), encoding="utf-8")
    with pytest.raises(AssertionError, match="visits differs"):
        check_reports(tmp_path, tmp_path / "metrics.json")
