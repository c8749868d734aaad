"""Report helpers: Danish formats, small-cell suppression, HTML building blocks, version stamp, preprocessor."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import subprocess

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output  # noqa: E402

from attendance import reporting as rp  # noqa: E402
from attendance.errors import InputError  # noqa: E402
from attendance.pipeline import render  # noqa: E402
from attendance.reporting import plotting  # noqa: E402

# ---------------------------------------------------------------------------------------------- formats


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (18.5, 1, "18,5"),
        (1234567, 0, "1.234.567"),
        (1234567.891, 2, "1.234.567,89"),
        (0.3, 1, "0,3"),
        (-3.26, 1, "−3,3"),
        (-0.04, 1, "0,0"),  # no "minus zero"
        (999.96, 1, "1.000,0"),
        (float("nan"), 1, "–"),
        (None, 1, "–"),
        (pd.NA, 1, "–"),
        (np.int64(5), 2, "5,00"),
    ],
)
def test_fmt_number(value, decimals, expected):
    assert rp.fmt_number(value, decimals) == expected


def test_fmt_int_rounds_half_away_from_zero_with_thousands_points():
    assert rp.fmt_int(1234567) == "1.234.567"
    assert rp.fmt_int(2.5) == "3"
    assert rp.fmt_int(-2.5) == "−3"
    assert rp.fmt_int(18.49) == "18"
    assert rp.fmt_int(None) == "–"


def test_fmt_pct_dkk():
    assert rp.fmt_pct(0.123) == "12,3 %"
    assert rp.fmt_pct(1) == "100,0 %"
    assert rp.fmt_pct(0.5, 0) == "50 %"
    assert rp.fmt_dkk(3100000) == "3.100.000 kr."
    assert rp.fmt_dkk(1234.5, 2) == "1.234,50 kr."
    assert rp.fmt_pct(np.nan) == "–"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2026, 3, 2), "2. marts 2026"),
        (dt.datetime(2026, 5, 29, 14, 30), "29. maj 2026"),
        (pd.Timestamp("2026-12-24"), "24. december 2026"),
        ("2026-01-01", "1. januar 2026"),
        (np.datetime64("2026-07-15"), "15. juli 2026"),
        (pd.NaT, "–"),
    ],
)
def test_fmt_date(value, expected):
    assert rp.fmt_date(value) == expected


def test_fmt_date_range():
    assert rp.fmt_date_range("2026-03-02", "2026-05-29") == "2. marts–29. maj 2026"
    assert rp.fmt_date_range("2025-12-01", "2026-01-31") == "1. december 2025–31. januar 2026"


def test_weekday_names():
    assert [rp.weekday_name(i) for i in range(7)] == [
        "mandag",
        "tirsdag",
        "onsdag",
        "torsdag",
        "fredag",
        "lørdag",
        "søndag",
    ]
    assert rp.weekday_name(np.int64(4), short=True) == "fre"


@pytest.mark.parametrize(
    ("start", "kwargs", "expected"),
    [
        ("09:00", {}, "09:00–09:30"),
        ("9.30", {"minutes": 60}, "09:30–10:30"),
        (dt.time(23, 30), {}, "23:30–24:00"),
        (pd.Timestamp("2026-03-02 14:00"), {"minutes": 15}, "14:00–14:15"),
        (pd.Timedelta(hours=8), {}, "08:00–08:30"),
        (540, {"end": 600}, "09:00–10:00"),
    ],
)
def test_slot_label(start, kwargs, expected):
    assert rp.slot_label(start, **kwargs) == expected


def test_slot_label_rejects_nonsense():
    with pytest.raises(ValueError):
        rp.slot_label("kl. ni")


def test_danish_formatter():
    plain = rp.danish_formatter()
    assert plain(1234.5) == "1.234,5"
    assert plain(0.30000000000000004) == "0,3"
    assert plain(20.0) == "20"
    assert plain(-2.0) == "−2"
    assert rp.danish_formatter(decimals=1)(2) == "2,0"
    assert rp.danish_formatter(decimals=0, percent=True)(0.25) == "25 %"


def test_use_danish_axes_gives_decimal_commas_on_a_drawn_axis():
    with matplotlib.rc_context():  # setup_matplotlib changes global rcParams: keep them out of other tests
        rp.setup_matplotlib()
        assert matplotlib.rcParams["axes.spines.top"] is False
        fig, ax = plt.subplots()
        ax.plot([0, 1, 2], [0.5, 1.25, 2.5])
        ax.set_xticks([0, 1, 2], ["a", "b", "c"])  # categorical axis stays as it is
        rp.use_danish_axes(ax)
        fig.canvas.draw()
        labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
        plt.close(fig)
    assert matplotlib.rcParams["axes.spines.top"] is True
    assert any("," in label for label in labels), labels
    assert not any("." in label for label in labels), labels
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]


# ---------------------------------------------------------------------------------------------- suppression


def _hidden(table: pd.DataFrame, columns) -> np.ndarray:
    return table[columns].map(lambda v: isinstance(v, str)).to_numpy()


def test_primary_suppression_hides_small_counts_and_keeps_zero():
    df = pd.DataFrame({"band": ["0", "1-2", "3-9", "10+"], "citizens": [18, 3, 0, 22]})
    out = rp.suppress_small(df, ["citizens"], 5)
    assert out["citizens"].tolist() == [18, "<5", 0, 22]
    assert df["citizens"].tolist() == [18, 3, 0, 22]  # input untouched
    assert out.attrs["suppression"] == {"threshold": 5, "primary": 1, "secondary": 0}
    zero = rp.suppress_small(df, ["citizens"], 5, suppress_zero=True)
    assert zero["citizens"].tolist() == [18, "<5", "<5", 22]
    assert rp.suppress_small(df, ["citizens"], 3)["citizens"].tolist() == [18, 3, 0, 22]


def test_secondary_suppression_with_a_total_row():
    df = pd.DataFrame({"citizens": [18, 3, 22, 19, 62]}, index=["a", "b", "c", "d", "total"])
    out = rp.suppress_small(df, ["citizens"], 5, total_row="total")
    # 62 - (22 + 19 + 18) would reveal the 3, so the smallest other count (18) is hidden too
    assert out["citizens"].tolist() == [rp.HIDDEN, "<5", 22, 19, 62]
    assert out.attrs["suppression"]["secondary"] == 1


def test_secondary_suppression_when_the_total_is_published_elsewhere():
    df = pd.DataFrame({"band": ["0", "1-2", "3-9", "10+"], "citizens": [30, 4, 12, 15]})
    assert rp.suppress_small(df, ["citizens"], 5)["citizens"].tolist() == [30, "<5", 12, 15]
    known = rp.suppress_small(df, ["citizens"], 5, column_totals_known=True)
    assert known["citizens"].tolist() == [30, "<5", rp.HIDDEN, 15]


def test_two_hidden_cells_summing_below_threshold_still_get_a_partner():
    df = pd.DataFrame({"citizens": [1, 2, 20, 30]})
    out = rp.suppress_small(df, ["citizens"], 5, column_totals_known=True)
    assert out["citizens"].tolist() == ["<5", "<5", rp.HIDDEN, 30]


def test_secondary_suppression_cascades_across_rows_and_columns():
    df = pd.DataFrame(
        {"x": [3, 8, 7, 18], "y": [10, 9, 12, 31], "total": [13, 17, 19, 49]},
        index=["A", "B", "C", "I alt"],
    )
    out = rp.suppress_small(df, ["x", "y"], 5, total_row="I alt", total_column="total")
    hidden = _hidden(out, ["x", "y", "total"])
    # column x: 3 is primary, 7 its partner; rows A and C then need a partner each: y=10 and y=12
    assert out.loc["A", "x"] == "<5" and out.loc["C", "x"] == rp.HIDDEN
    assert out.loc["A", "y"] == rp.HIDDEN and out.loc["C", "y"] == rp.HIDDEN
    assert out.loc["I alt", "total"] == 49
    # invariant: no line (row with its total, column with its total) has exactly one hidden cell
    assert all(row.sum() != 1 for row in hidden)
    assert all(col.sum() != 1 for col in hidden.T)


def test_a_line_with_no_visible_partner_hides_its_total():
    df = pd.DataFrame({"a": [2, 7], "b": [0, 3]}, index=["r", "I alt"])
    out = rp.suppress_small(df, ["a", "b"], 5, total_row="I alt")
    assert out.loc["r", "a"] == "<5"
    assert out.loc["I alt", "a"] == rp.HIDDEN  # 7 >= 5, but it is the only cell left that can hide the 2
    assert out.loc["I alt", "b"] == "<5"


def test_derived_columns_follow_their_count():
    df = pd.DataFrame({"citizens": [18, 3, 40], "share": [0.3, 0.05, 0.65]})
    out = rp.suppress_small(df, ["citizens"], 5, derived={"citizens": "share"})
    assert out["share"].tolist() == [0.3, rp.HIDDEN, 0.65]


def test_threshold_defaults_to_params_yaml(project_root, monkeypatch):
    monkeypatch.chdir(project_root)
    from attendance.settings.config import load_params

    expected = load_params(project_root / "params.yaml")["report"]["suppress_below"]
    df = pd.DataFrame({"n": [expected - 1, expected]})
    out = rp.suppress_small(df, ["n"])
    assert out["n"].tolist() == [f"<{expected}", expected]


def test_suppress_small_names_a_missing_column():
    with pytest.raises(KeyError, match="nope"):
        rp.suppress_small(pd.DataFrame({"n": [1]}), ["nope"], 5)


# ---------------------------------------------------------------------------------------------- tables


def test_show_table_formats_danish_and_escapes():
    df = pd.DataFrame(
        {
            "Tilbud": ["AUC", "<script>alert(1)</script>"],
            "Borgere": [1234, 56],
            "Gennemsnit": [18.54, 8.2],
            "Andel": [0.123, 0.5],
            "Budget": [3100000, 950000],
            "Dato": pd.to_datetime(["2026-03-02", "2026-05-29"]),
        }
    )
    html = rp.show_table(df, "Nøgletal & mere", formats={"Andel": "pct", "Budget": "dkk"}).data
    assert "<figcaption>Nøgletal &amp; mere</figcaption>" in html
    assert "&lt;script&gt;" in html and "<script>" not in html
    for text in ("1.234", "18,5", "12,3 %", "3.100.000 kr.", "2. marts 2026"):
        assert f">{text}</td>" in html, text
    assert '<th scope="col" class="num">Borgere</th>' in html
    assert '<th scope="col">Tilbud</th>' in html
    assert "rp-note" not in html  # no suppression, no note


def test_show_table_with_suppression_adds_the_footnote_and_marks_the_total():
    df = pd.DataFrame({"n": [18, 3, 22, 43]}, index=["a", "b", "c", "I alt"])
    table = rp.suppress_small(df, ["n"], 5, total_row="I alt")
    html = rp.show_table(table, "Borgere", index=True, total_row="I alt", labels={"index": "Gruppe"}).data
    assert '<td class="num">&lt;5</td>' in html
    assert f'<td class="num">{rp.HIDDEN}</td>' in html
    assert "færre end 5 borgere" in html and "kan regnes ud fra en total" in html
    assert '<tr class="rp-total"><th scope="row">I alt</th>' in html
    assert ">Gruppe</th>" in html


def test_show_table_number_format_with_decimals_and_unknown_format():
    df = pd.DataFrame({"x": [1.23456]})
    assert ">1,23</td>" in rp.show_table(df, "t", formats={"x": "number:2"}).data
    with pytest.raises(ValueError, match="unknown table format"):
        rp.show_table(df, "t", formats={"x": "euro"})


def test_show_figure_embeds_a_small_png_and_closes_the_figure():
    fig, ax = plt.subplots(figsize=(8, 4.2))
    ax.plot(np.arange(50), np.sin(np.arange(50) / 5))
    html = rp.show_figure(fig, "Figurtekst", alt='Kurve "med" citat', source="syntetiske data").data
    assert fig.number not in plt.get_fignums()
    match = re.search(r'src="data:image/png;base64,([^"]+)"', html)
    assert match
    png = base64.b64decode(match.group(1))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(png) < 300_000
    assert 'alt="Kurve &quot;med&quot; citat"' in html
    assert re.search(r'width="(\d+)"', html).group(1) == str(round(plotting._png_size(png)[0] * 96 / 144))
    assert "<figcaption>Figurtekst" in html and "Kilde: syntetiske data" in html


def test_show_figure_needs_alt_text():
    fig, _ = plt.subplots()
    with pytest.raises(ValueError, match="alt"):
        rp.show_figure(fig, "caption", alt=" ")
    plt.close(fig)


def test_key_figures():
    html = rp.key_figures(
        [("Visiterede", 61), {"label": "Pr. dag", "value": 18.5, "note": "spænd 11–29"}]
    ).data
    assert '<div class="rp-kf-value">61</div>' in html
    assert '<div class="rp-kf-value">18,5</div>' in html
    assert "spænd 11–29" in html
    with pytest.raises(ValueError):
        rp.key_figures([])


# ---------------------------------------------------------------------------------------------- banner, methods, footer

DATASET = {
    "name": "demo",
    "synthetic": True,
    "period_start": "2026-03-02",
    "period_end": "2026-05-29",
    "data_hash": "3f2a9c1b7d4e5f60a1b2c3d4e5f60718",
}


def test_banner_synthetic_and_real(tmp_path):
    synthetic = rp.banner(DATASET).data
    assert 'data-report-synthetic="true"' in synthetic and "Syntetiske data" in synthetic
    assert "2. marts–29. maj 2026" in synthetic
    real = rp.banner({**DATASET, "synthetic": False, "name": "norddjurs_2026"}).data
    assert "Syntetiske" not in real and 'data-report-synthetic="false"' in real
    offers = tmp_path / "offers.json"
    offers.write_text(json.dumps({"auc": {}, "_dataset": DATASET}), encoding="utf-8")
    assert rp.banner(offers).data == synthetic
    assert rp.banner({"auc": {}, "_dataset": DATASET}).data == synthetic
    with pytest.raises(InputError, match="offers.json not found"):
        rp.banner(tmp_path / "missing.json")


def test_methods_section_lists_parameters_quality_and_validation():
    params = {
        "report": {"suppress_below": 5},
        "demand": {"interval": 0.9, "periods": {"formiddag": ["08:00", "12:00"]}},
    }
    quality_log = pd.DataFrame(
        {
            "file": ["a.xlsx"] * 3,
            "rule": ["missing_time_out", "missing_time_out", "some_new_rule"],
            "action": ["imputed", "imputed", "quarantined"],
        }
    )
    accounting = pd.DataFrame(
        {
            "file": ["a", "b"],
            "rows_read": [100, 20],
            "kept": [90, 10],
            "merged": [2, 0],
            "quarantined": [3, 1],
            "ignored": [5, 9],
        }
    )
    html = rp.methods_section(
        params,
        {"accounting": accounting, "rules": quality_log},
        {"auc": {"family": "negbin", "coverage": 0.91}},
    ).data
    assert '<h2 id="metode-og-datagrundlag">' in html
    assert "Niveau for prædiktionsintervaller" in html and ">90 %</td>" in html  # a share as a percentage
    assert "formiddag: 08:00–12:00" in html
    assert '<td>Rækker læst</td><td class="num">120</td>' in html
    assert '<td>Manglende sluttidspunkt</td><td>udfyldt</td><td class="num">2</td>' in html
    assert "<td>some new rule</td><td>karantæne</td>" in html
    assert "Modelfamilie" in html and ">91 %</td>" in html


def test_load_quality_summary(tmp_path):
    pd.DataFrame(
        {"file": ["a"], "rows_read": [3], "kept": [3], "merged": [0], "quarantined": [0], "ignored": [0]}
    ).to_csv(tmp_path / "accounting.csv", index=False)
    pd.DataFrame(
        {
            "file": ["a"],
            "sheet": ["s"],
            "row": [2],
            "column": ["c"],
            "rule": ["r"],
            "action": ["x"],
            "detail": ["d"],
        }
    ).to_csv(tmp_path / "quality_log.csv", index=False)
    summary = rp.load_quality_summary(tmp_path)
    assert list(summary["rules"].columns) == ["rule", "action"]  # detail text never reaches the report
    with pytest.raises(InputError):
        rp.load_quality_summary(tmp_path / "empty")


def _git(args, cwd):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def _commit(cwd, message="x"):
    _git(["-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", message], cwd)


def test_version_info_from_git_and_offers(tmp_path, monkeypatch):
    monkeypatch.delenv("DVC_EXP_NAME", raising=False)
    _git(["init", "-q"], tmp_path)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("a", encoding="utf-8")
    _git(["add", "src/a.py"], tmp_path)
    _commit(tmp_path)
    source_commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True
    ).stdout
    processed = tmp_path / "data" / "processed"
    processed.mkdir(parents=True)
    (processed / "offers.json").write_text(json.dumps({"_dataset": DATASET}), encoding="utf-8")
    now = dt.datetime(2026, 6, 1, 9, 5)
    info = rp.version_info(tmp_path, now=now)
    assert re.fullmatch(r"[0-9a-f]{7,}", info["commit"]) and source_commit.startswith(info["commit"])
    assert info["dirty"] is False
    assert info["data_hash"] == DATASET["data_hash"] and info["synthetic"] is True
    # a clean run is dated by its source commit, not the clock: the same sources give the same bytes
    assert info["run_date"] == dt.date.today() and info["run_time"] is None
    # the pipeline's own outputs (dvc.lock, metrics) never mark the stamp as changed, nor move the commit
    (tmp_path / "dvc.lock").write_text("schema: '2.0'", encoding="utf-8")
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics" / "clean.json").write_text("{}", encoding="utf-8")
    assert rp.version_info(tmp_path, now=now)["dirty"] is False
    _git(["add", "dvc.lock", "metrics/clean.json"], tmp_path)
    _commit(tmp_path, "dvc.lock after a run")
    assert rp.version_info(tmp_path, now=now)["commit"] == info["commit"]
    (tmp_path / "dvc.lock").write_text("schema: '2.0'\nstages: {}", encoding="utf-8")
    assert rp.version_info(tmp_path, now=now)["dirty"] is False
    # a changed source does
    (tmp_path / "src" / "a.py").write_text("changed", encoding="utf-8")
    changed = rp.version_info(tmp_path, now=now)
    assert changed["dirty"] is True and changed["run_time"] == "09:05"
    html = rp.footer(changed).data
    assert f'data-report-commit="{info["commit"]} (med lokale ændringer)"' in html
    assert 'data-report-data-hash="3f2a9c1b7d4e"' in html
    assert "Kørt: 1. juni 2026 kl. 09:05" in html
    # so does a new, untracked source file (e.g. a module not committed yet)
    (tmp_path / "src" / "a.py").write_text("a", encoding="utf-8")
    assert rp.version_info(tmp_path, now=now)["dirty"] is False
    (tmp_path / "src" / "b.py").write_text("b", encoding="utf-8")
    assert rp.version_info(tmp_path, now=now)["dirty"] is True


def test_footer_names_the_dvc_experiment(tmp_path, monkeypatch):
    monkeypatch.setenv("DVC_EXP_NAME", "lavere-normering")
    info = rp.version_info(tmp_path)
    assert info["experiment"] == "lavere-normering"
    assert "Eksperiment: lavere-normering" in rp.footer(info).data


def test_version_info_without_git_or_data(tmp_path, monkeypatch):
    info = rp.version_info(tmp_path)
    assert info["commit"] == "ikke under versionsstyring" and info["data_hash"] == "ukendt"
    monkeypatch.setenv("PATH", str(tmp_path))  # no git binary at all
    assert rp.version_info(tmp_path)["commit"] == "ikke under versionsstyring"


# ---------------------------------------------------------------------------------------------- rendering helpers


def test_slugify():
    assert render.slugify("Fremmøde pr. tidsrum") == "fremmoede-pr-tidsrum"
    assert render.slugify("Spor 1 — § 104") == "spor-1-104"
    assert render.slugify("Åbningstid og årsværk") == "aabningstid-og-aarsvaerk"
    assert render.slugify("§§") == "afsnit"


def test_external_urls():
    html = (
        '<img src="https://cdn.example/x.png"><script src="//cdn.example/a.js"></script>'
        '<link href="style.css"><a href="#top">top</a><a href="mailto:a@b.dk">m</a>'
        '<img src="data:image/png;base64,AAAA"><div style="background:url(http://x/y.png)"></div>'
        '<style>@import "https://fonts.example/css";</style>'
    )
    found = render.external_urls(html)
    assert found == [
        "https://cdn.example/x.png",
        "//cdn.example/a.js",
        "style.css",
        "http://x/y.png",
        "https://fonts.example/css",
    ]


def test_toc_html_nests_subsections():
    entries = [
        {"level": 3, "id": "intro", "text": "Indledning"},
        {"level": 2, "id": "a", "text": "A"},
        {"level": 3, "id": "a1", "text": "A.1"},
        {"level": 2, "id": "b", "text": "B & C"},
    ]
    html = render.toc_html(entries)
    assert html.count("<ol>") == 3 and html.count("</ol>") == 3
    assert html.count("<li>") == html.count("</li>") == 5
    assert '<a href="#b">B &amp; C</a>' in html


def _notebook(*cells):
    return new_notebook(
        cells=list(cells), metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}}
    )


def test_preprocessor_builds_toc_ids_and_removes_tagged_cells(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no project here: the automatic footer says so
    nb = _notebook(
        new_markdown_cell(
            "# Rapport om fremmøde\n\nIntro med [kilde](https://www.retsinformation.dk/x) og https://example.com."
        ),
        new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
        new_markdown_cell("## Skjult afsnit", metadata={"tags": ["remove-cell"]}),
        new_code_cell(
            "banner",
            outputs=[
                new_output("execute_result", data={"text/html": rp.banner(DATASET).data}, execution_count=1)
            ],
        ),
        new_markdown_cell("Tekst før.\n\n## Fremmøde\n\n```\n## ikke en overskrift\n```\n\n### Fremmøde"),
        new_code_cell(
            "table",
            outputs=[
                new_output(
                    "display_data",
                    data={"text/html": '<h2 id="metode">Metode</h2><a href="https://x.dk/a">X</a>'},
                )
            ],
        ),
        new_markdown_cell("## Fremmøde"),
    )
    nb, resources = render.ReportPreprocessor()(nb, {"metadata": {"name": "test"}})
    toc = resources["report"]["toc"]
    assert [(e["level"], e["id"], e["text"]) for e in toc] == [
        (2, "fremmoede", "Fremmøde"),
        (3, "fremmoede-2", "Fremmøde"),
        (2, "metode", "Metode"),
        (2, "fremmoede-3", "Fremmøde"),
    ]
    assert (
        resources["report"]["title"] == "Rapport om fremmøde"
        and nb.metadata["title"] == "Rapport om fremmøde"
    )
    assert resources["report"]["synthetic"] is True
    sources = [c.source for c in nb.cells]
    assert not any("Skjult" in s for s in sources) and "x = 1" not in sources
    toc_cells = [i for i, c in enumerate(nb.cells) if "report-toc" in c.metadata.get("tags", [])]
    heading_cell = next(i for i, c in enumerate(nb.cells) if '<h2 id="fremmoede">' in c.source)
    assert toc_cells == [heading_cell - 1]  # just before the first section
    assert "## ikke en overskrift" in nb.cells[heading_cell].source  # code fences are left alone
    intro = nb.cells[0].source
    assert "kilde (`https://www.retsinformation.dk/x`)" in intro and "`https://example.com`" in intro
    html_out = nb.cells[heading_cell + 1].outputs[0].data["text/html"]
    assert "href" not in html_out.replace('href="#', "") and "(https://x.dk/a)" in html_out
    footer = nb.cells[-1]
    assert (
        "report-footer" in footer.metadata["tags"]
        and "ikke under versionsstyring" in footer.outputs[0].data["text/html"]
    )
    assert "Programkode: ikke under versionsstyring" in resources["report"]["stamp"]


def test_preprocessor_refuses_resources_from_other_hosts(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    image = _notebook(new_markdown_cell("# T\n\n![logo](https://example.com/logo.png)"))
    with pytest.raises(InputError, match="image from another host"):
        render.ReportPreprocessor()(image, {})
    script = _notebook(
        new_code_cell(
            "x",
            outputs=[
                new_output("display_data", data={"text/html": '<script src="https://cdn.x/a.js"></script>'})
            ],
        )
    )
    with pytest.raises(InputError, match="cdn.x"):
        render.ReportPreprocessor()(script, {})


def test_preprocessor_keeps_an_existing_footer_and_is_a_valid_notebook(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    footer_html = rp.footer({"commit": "abc1234", "data_hash": "ffff", "run_date": dt.date(2026, 3, 2)}).data
    nb = _notebook(
        new_markdown_cell("# T\n\n## A"),
        new_code_cell("f", outputs=[new_output("display_data", data={"text/html": footer_html})]),
    )
    nb, resources = render.ReportPreprocessor()(nb, {})
    assert sum("rp-footer" in json.dumps(c.get("outputs", [])) for c in nb.cells) == 1
    assert resources["report"]["stamp"] == "Programkode: abc1234 · Datagrundlag: ffff · Kørt: 2. marts 2026"
    nbformat.validate(nb)


def test_preprocessor_adds_the_synthetic_banner_a_notebook_forgot(tmp_path, monkeypatch):
    (tmp_path / "params.yaml").write_text("report: {suppress_below: 5}\n", encoding="utf-8")
    (tmp_path / "dvc.yaml").write_text("stages: {}\n", encoding="utf-8")
    processed = tmp_path / "data" / "processed"
    processed.mkdir(parents=True)
    (processed / "offers.json").write_text(json.dumps({"_dataset": DATASET}), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ATTENDANCE_PROJECT_ROOT", raising=False)
    nb = _notebook(
        new_markdown_cell("Forord."), new_markdown_cell("# Titel\n\n## A"), new_markdown_cell("## B")
    )
    nb, resources = render.ReportPreprocessor()(nb, {})
    assert resources["report"]["synthetic"] is True
    banners = [i for i, c in enumerate(nb.cells) if "report-banner" in c.metadata.get("tags", [])]
    assert banners == [2]  # right under the title cell
    assert "Syntetiske data" in nb.cells[2].outputs[0].data["text/html"]
    assert "Datagrundlag: 3f2a9c1b7d4e" in resources["report"]["stamp"]  # the automatic footer found the data


def test_preprocessor_adds_no_banner_for_real_data(tmp_path, monkeypatch):
    (tmp_path / "params.yaml").write_text("{}\n", encoding="utf-8")
    (tmp_path / "dvc.yaml").write_text("stages: {}\n", encoding="utf-8")
    processed = tmp_path / "data" / "processed"
    processed.mkdir(parents=True)
    (processed / "offers.json").write_text(
        json.dumps({"_dataset": {**DATASET, "synthetic": False}}), encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ATTENDANCE_PROJECT_ROOT", raising=False)
    nb, resources = render.ReportPreprocessor()(_notebook(new_markdown_cell("# Titel")), {})
    assert resources["report"]["synthetic"] is False
    assert not any("report-banner" in c.metadata.get("tags", []) for c in nb.cells)


def test_preprocessor_keeps_a_trailing_heading_with_the_next_figure(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    figure = '<figure class="rp-figure"><img src="data:image/png;base64,AAAA" alt="x"></figure>'
    nb = _notebook(
        new_markdown_cell("# T\n\nTekst.\n\n### Dagens forløb"),
        new_code_cell(
            "fig",
            outputs=[
                new_output("stream", name="stderr", text="a warning\n"),
                new_output("display_data", data={"text/html": figure}),
            ],
        ),
        new_markdown_cell("## Slut"),
        new_code_cell("t", outputs=[new_output("display_data", data={"text/html": "<p>not a figure</p>"})]),
    )
    nb, resources = render.ReportPreprocessor()(nb, {})
    markdown = [c for c in nb.cells if c.cell_type == "markdown"]
    assert "Dagens forløb" not in markdown[0].source and "Tekst." in markdown[0].source
    moved = (
        [c for c in nb.cells if c.cell_type == "code" and len(c.outputs) == 2][0].outputs[1].data["text/html"]
    )
    assert moved.startswith('<div class="rp-keep"><h3 id="dagens-forloeb">Dagens forløb</h3><figure')
    assert '<h2 id="slut">' in markdown[1].source  # the next cell is no figure: the heading stays
    assert [e["id"] for e in resources["report"]["toc"]] == ["dagens-forloeb", "slut"]


def test_fmt_value_keeps_seed_digits_but_groups_amounts():
    from attendance.reporting import fmt_value

    assert fmt_value(2026, key="demand.seed") == "2026"
    assert fmt_value(480000, key="staffing.cost_per_fte_dkk") == "480.000"
    assert fmt_value(0.15, key="economy.absence_factor") == "15 %"
    assert fmt_value([-0.2, 0.0, 0.5], key="spor2.scenarios") == "−20 %, 0 %, +50 %"


def test_preprocessor_marks_an_analyst_report_confidential_for_the_print_header(tmp_path, monkeypatch):
    """Issue 13: an analyst report (rp.analyst_banner) says "Fortroligt – kun til analytikere" in the page,
    and the preprocessor passes the mark on to the template's print header; reviewer reports carry none."""
    monkeypatch.chdir(tmp_path)
    footer_html = rp.footer({"commit": "abc1234", "data_hash": "ffff", "run_date": dt.date(2026, 3, 2)}).data
    mark = rp.analyst_banner().data
    assert "Fortroligt – kun til analytikere" in mark and 'data-report-confidential="true"' in mark
    nb = _notebook(
        new_markdown_cell("# T"),
        new_code_cell("b", outputs=[new_output("display_data", data={"text/html": mark})]),
        new_code_cell("f", outputs=[new_output("display_data", data={"text/html": footer_html})]),
    )
    _nb, resources = render.ReportPreprocessor()(nb, {})
    assert resources["report"]["confidential"] is True
    assert resources["report"]["confidential_text"] == rp.ANALYST_ONLY
    plain = _notebook(
        new_markdown_cell("# T"),
        new_code_cell("f", outputs=[new_output("display_data", data={"text/html": footer_html})]),
    )
    assert render.ReportPreprocessor()(plain, {})[1]["report"]["confidential"] is False
