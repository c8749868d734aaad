"""Disclosure control: suppression over linked tables, global recoding, the published-table registry and the
audit that proves no suppressed count can be computed from what the reports publish (issue 13)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from budget import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attendance import reporting as rp
from attendance.errors import InputError
from attendance.pipeline.cli import main
from attendance.reporting import disclosure as dc
from attendance.reporting.disclosure.checks import _certified_safe
from attendance.reporting.disclosure.suppression import _shown_cells

BANDS = ["0", "1–2", "3–9", "10+"]
ACTIVE = ["1–2", "3–9", "10+"]


def _band_rows(labels=BANDS):
    rows = {band: {"visits": band} for band in labels}
    rows["total"] = {}
    return rows


def _publish_bands(root, stage, table_id, shown, rows=None):
    """The Fremmødestatistik usage-band table: referred citizens of one offer per band; the total (referred)
    is the kommissorium's public figure."""
    return dc.publish_frame(
        stage,
        table_id,
        shown,
        population="henviste",
        rows=rows or _band_rows(),
        columns={"AUC": {"offer": "AUC"}},
        fixed={"referred": "ja"},
        public_rows=["total"],
        threshold=5,
        root=root,
    )


# ---------------------------------------------------------------------------------------------- leak 1


def test_leak1_two_suppressed_bands_with_a_known_sum_are_disclosed(tmp_path):
    # referred 61, never came 15, 10+ 38 shown; "1–2: ×" and "3–9: <5" hidden: the two sum to 8, and as a
    # "×" is never a small count (else it would read "<5"), the 3–9 band is 1–3, not "<5".
    shown = pd.DataFrame({"AUC": [15, dc.HIDDEN, "<5", 38, 61]}, index=[*BANDS, "total"])
    _publish_bands(tmp_path, "10_fremmoedestatistik", "brugsbaand", shown)
    with pytest.raises(InputError) as caught:
        dc.audit(tmp_path / "build" / "published")
    message = caught.value.one_line()
    assert "tabel brugsbaand (10_fremmoedestatistik), celle (AUC, 3–9)" in message
    assert ": 1–3" in message
    assert "\n" not in message


def test_leak1_fixed_by_global_recoding_keeps_never_came_visible(tmp_path):
    true = pd.DataFrame({"AUC": [15, 6, 2, 38]}, index=BANDS)
    recoded, groups = dc.choose_recoding(true, dc.USAGE_BAND_RECODINGS, 5)
    assert list(recoded.index) == ["0", "1–9", "10+"]
    assert recoded["AUC"].tolist() == [15, 8, 38]
    shown = pd.concat([recoded, pd.DataFrame({"AUC": [61]}, index=["total"])])
    rows = {label: {"visits": list(members)} for label, members in groups.items()} | {"total": {}}
    _publish_bands(tmp_path, "10_fremmoedestatistik", "brugsbaand", shown, rows=rows)
    result = dc.audit(tmp_path / "build" / "published")
    assert result.findings == [] and result.suppressed == 0 and result.tables == 1


def test_leak1_fixed_by_secondary_suppression_hides_never_came_which_is_why_recoding_is_preferred(tmp_path):
    true = pd.DataFrame({"AUC": [15, 6, 2, 38, 61]}, index=[*BANDS, "total"])
    table = dc.Table(
        "brugsbaand",
        true,
        rows=_band_rows(),
        columns={"AUC": {"offer": "AUC"}},
        fixed={"referred": "ja"},
        total_row="total",
        public_rows=["total"],
        population="henviste",
    )
    shown = dc.suppress([table], 5)["brugsbaand"]
    assert shown["AUC"].tolist() == [dc.HIDDEN, dc.HIDDEN, "<5", 38, 61]
    assert shown.attrs["suppression"] == {"threshold": 5, "primary": 1, "secondary": 2}
    dc.publish_shown("10_fremmoedestatistik", shown, root=tmp_path)
    assert dc.audit(tmp_path / "build" / "published").findings == []


def test_the_same_bands_published_differently_in_two_reports_are_caught_together(tmp_path):
    # each table alone is safe; together (same population, same coordinates) they give the 3–9 band away
    overview = pd.DataFrame({"AUC": [15, 8, 38, 61]}, index=["0", "1–9", "10+", "total"])
    rows = {"0": {"visits": "0"}, "1–9": {"visits": ["1–2", "3–9"]}, "10+": {"visits": "10+"}, "total": {}}
    _publish_bands(tmp_path, "10_fremmoedestatistik", "brugsbaand", overview, rows=rows)
    spor1 = pd.DataFrame({"AUC": [6, "<5"]}, index=["1–2", "3–9"])
    dc.publish_frame(
        "11_spor1",
        "baand_aktive",
        spor1,
        population="henviste",
        rows={"1–2": {"visits": "1–2"}, "3–9": {"visits": "3–9"}},
        columns={"AUC": {"offer": "AUC"}},
        fixed={"referred": "ja"},
        threshold=5,
        root=tmp_path,
    )
    with pytest.raises(
        InputError,
        match=r"celle \(AUC, 3–9\) kan beregnes ud fra tabel baand_aktive \(11_spor1\) og "
        r"brugsbaand \(10_fremmoedestatistik\) = 2",
    ):
        dc.audit(tmp_path / "build" / "published")


# ---------------------------------------------------------------------------------------------- leak 2

COME = {"ja", "nej"}


def _overview_table(unreferred):
    counts = pd.DataFrame(
        {"Visiterede": [20], "Aktive": [15], "Aldrig mødt op": [5], "Uden visitation": [unreferred]},
        index=["No. 17"],
    )
    return dc.Table(
        "visiterede_aktive",
        counts,
        rows={"No. 17": {"offer": "no17"}},
        columns={
            "Visiterede": {"referred": "ja"},
            "Aktive": {"referred": "ja", "came": "ja"},
            "Aldrig mødt op": {"referred": "ja", "came": "nej"},
            "Uden visitation": {"referred": "nej", "came": "ja"},
        },
        public_columns=["Visiterede", "Aktive", "Aldrig mødt op"],
        population="borgere",
        stage="10_fremmoedestatistik",
    )


def _funnel_table(attended, target):
    counts = pd.DataFrame({"Med fremmøde": [attended], "Mulig målgruppe": [target]}, index=["No. 17"])
    return dc.Table(
        "tragt",
        counts,
        rows={"No. 17": {"offer": "no17"}},
        columns={"Med fremmøde": {"came": "ja"}, "Mulig målgruppe": {"came": "ja", "target": "ja"}},
        population="borgere",
        stage="13_spor3",
        domains={"target": ["ja", "nej"]},
    )


def _publish_table(root, table, shown):
    dc.publish_frame(
        table.stage,
        table.id,
        shown,
        population=table.population,
        rows=table.rows,
        columns=table.columns,
        public_columns=table.public_columns,
        domains=table.domains,
        threshold=5,
        root=root,
    )


def test_leak2_attended_against_active_fixes_the_unreferred_visitors(tmp_path):
    overview, funnel = _overview_table(2), _funnel_table(17, 6)
    # each report suppressed on its own: the overview hides the 2, spor 3 has nothing small
    shown_overview = overview.counts.astype(object)
    shown_overview.loc["No. 17", "Uden visitation"] = "<5"
    _publish_table(tmp_path, overview, shown_overview)
    _publish_table(tmp_path, funnel, funnel.counts)
    with pytest.raises(InputError) as caught:
        dc.audit(tmp_path / "build" / "published")
    assert (
        "tabel visiterede_aktive (10_fremmoedestatistik), celle (Uden visitation, No. 17) kan beregnes ud fra "
        "tabel visiterede_aktive (10_fremmoedestatistik) og tragt (13_spor3) = 2"
    ) in caught.value.one_line()


def test_leak2_fixed_by_secondary_suppression_across_the_two_reports(tmp_path):
    overview, funnel = _overview_table(2), _funnel_table(17, 6)
    shown = dc.suppress([overview, funnel], 5)
    assert shown["visiterede_aktive"].loc["No. 17"].tolist() == [20, 15, 5, "<5"]
    assert shown["tragt"].loc["No. 17"].tolist() == [dc.HIDDEN, 6]  # the public 15 stays, the 17 goes
    _publish_table(tmp_path, overview, shown["visiterede_aktive"])
    _publish_table(tmp_path, funnel, shown["tragt"])
    result = dc.audit(tmp_path / "build" / "published")
    assert result.findings == [] and result.suppressed == 2 and result.populations == 1


def test_public_margins_alone_giving_a_cell_away_cannot_be_suppressed():
    overview = _overview_table(2)
    funnel = _funnel_table(17, 6)
    funnel.public_columns = ["Med fremmøde"]  # if spor 3's 17 were a kommissorium figure, nothing can hide
    with pytest.raises(InputError, match="recoding"):
        dc.suppress([overview, funnel], 5)


# ---------------------------------------------------------------------------------------------- the CLI


def _planted(root):
    """A safe band table, then a second stage that prints the 1–2 band: the <5 follows by subtraction."""
    shown = pd.DataFrame({"AUC": [dc.HIDDEN, dc.HIDDEN, "<5", 38, 61]}, index=[*BANDS, "total"])
    _publish_bands(root, "10_fremmoedestatistik", "brugsbaand", shown)


def test_cli_passes_a_protected_set_of_tables(tmp_path, capsys):
    _planted(tmp_path)
    assert main(["audit-disclosure", "--published", str(tmp_path / "build" / "published")]) == 0
    out = capsys.readouterr().out
    assert "1 published tables" in out and "no suppressed cell can be computed" in out


def test_cli_stops_on_a_planted_differencing_leak(tmp_path, capsys):
    _planted(tmp_path)
    leak = pd.DataFrame({"AUC": [15, 6]}, index=["0", "1–2"])
    dc.publish_frame(
        "02_planted",
        "plantet",
        leak,
        population="henviste",
        rows={"0": {"visits": "0"}, "1–2": {"visits": "1–2"}},
        columns={"AUC": {"offer": "AUC"}},
        fixed={"referred": "ja"},
        threshold=5,
        root=tmp_path,
    )
    published = tmp_path / "build" / "published"
    code = main(["audit-disclosure", "--published", str(published), "--threshold", "5"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert (
        "celle (AUC, 3–9) kan beregnes ud fra tabel brugsbaand (10_fremmoedestatistik) og plantet (02_planted) = 2"
        in err
    )
    # the same through the installed entry point, as a DVC stage runs it
    run = subprocess.run(
        [sys.executable, "-m", "attendance", "audit-disclosure", "--published", str(published)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2 and "plantet (02_planted)" in run.stderr and run.stdout == ""


def test_cli_names_a_missing_folder(tmp_path, capsys):
    assert main(["audit-disclosure", "--published", str(tmp_path / "nope")]) == 2
    assert "no published-table records" in capsys.readouterr().err


def test_audit_flags_a_small_count_that_was_shown(tmp_path):
    shown = pd.DataFrame({"AUC": [15, 6, 2, 38, 61]}, index=[*BANDS, "total"])
    _publish_bands(tmp_path, "02_demand", "raa_baand", shown)
    with pytest.raises(InputError, match=r"celle \(AUC, 3–9\) viser 2, færre end 5"):
        dc.audit(tmp_path / "build" / "published")


# ---------------------------------------------------------------------------------------------- registry


def test_publish_is_deterministic_counts_only_and_replaces_a_table(tmp_path):
    shown = pd.DataFrame({"AUC": [dc.HIDDEN, dc.HIDDEN, "<5", 38, 61]}, index=[*BANDS, "total"])
    path = _publish_bands(tmp_path, "10_x", "b", shown)
    first = path.read_bytes()
    _publish_bands(tmp_path, "10_x", "a", shown)
    _publish_bands(tmp_path, "10_x", "b", shown)  # the same table again replaces, does not duplicate
    record = json.loads(path.read_text(encoding="utf-8"))
    assert [t["table"] for t in record["tables"]] == ["a", "b"]
    assert json.dumps(record["tables"][1], sort_keys=True) == json.dumps(
        json.loads(first)["tables"][0], sort_keys=True
    )
    cells = record["tables"][1]["cells"]
    hidden = [c for c in cells if c["value"] is None]
    assert [c["marker"] for c in hidden] == [dc.HIDDEN, dc.HIDDEN, "<5"]
    assert all(set(c) <= {"row", "column", "coords", "value", "marker", "public", "margin"} for c in cells)
    dc.begin_stage("10_x", root=tmp_path)
    assert json.loads(path.read_text(encoding="utf-8")) == {"format": 1, "stage": "10_x", "tables": []}
    with pytest.raises(InputError, match="no published count tables"):
        dc.audit(path.parent)


def test_publish_refuses_a_cell_that_is_not_a_count(tmp_path):
    with pytest.raises(ValueError, match="not a count or a marker"):
        dc.publish(
            "s",
            "t",
            [{"row": "r", "column": "c", "value": "18,5 %"}],
            population="p",
            threshold=5,
            root=tmp_path,
        )


# ---------------------------------------------------------------------------------------------- suppress_small


def test_suppress_small_gives_two_small_cells_with_a_large_known_sum_a_partner():
    # the old line rule stopped at "hidden sum 8 >= 5"; but 4 + 4 = 8 with both "<5" makes both exactly 4
    df = pd.DataFrame({"citizens": [4, 4, 20, 30]})
    out = rp.suppress_small(df, ["citizens"], 5, column_totals_known=True)
    assert out["citizens"].tolist() == ["<5", "<5", rp.HIDDEN, 30]


def _suppress_small_cells(out, values, total_row_pos):
    """The suppress_small result as published cells (rows × one column, the total row as the margin)."""
    cells = []
    for i, shown in enumerate(out["n"].tolist()):
        coords = () if i == total_row_pos else dc.coords_of({"row": str(i)})
        hidden = isinstance(shown, str)
        cells.append(
            dc.Cell(
                "s",
                "t",
                str(i),
                "n",
                coords,
                None if hidden else int(values[i]),
                marker=shown if hidden else None,
                threshold=5,
            )
        )
    return cells


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 25), min_size=1, max_size=6))
def test_suppress_small_with_a_total_row_leaves_nothing_to_compute(body):
    values = [*body, sum(body)]
    df = pd.DataFrame({"n": values}, index=[*range(len(body)), "total"])
    out = rp.suppress_small(df, ["n"], 5, total_row="total")
    findings = dc.audit_cells(_suppress_small_cells(out, values, len(body)), explain=False)
    if findings:
        # only a line with nothing left to hide (e.g. 1 + 1 under a "<5" total: each part is at most 3);
        # hiding every count there is still leaves the finding, so no suppression could do better
        everything = pd.DataFrame({"n": [v if v == 0 else ("<5" if v < 5 else dc.HIDDEN) for v in values]})
        assert dc.audit_cells(_suppress_small_cells(everything, values, len(body)), explain=False)


# ---------------------------------------------------------------------------------------------- property


@st.composite
def linked_tables(draw):
    """A rows × columns count table with a total row and a total column, and a second table (another report)
    publishing the same rows split by a different dimension, with the same row margins."""
    n_rows = draw(st.integers(1, 3))
    n_cols = draw(st.integers(1, 3))
    small_or_large = st.one_of(st.integers(0, 6), st.integers(5, 30))
    grid = np.array(draw(st.lists(small_or_large, min_size=n_rows * n_cols, max_size=n_rows * n_cols)))
    grid = grid.reshape(n_rows, n_cols)
    split = np.array(draw(st.lists(st.integers(0, 1000), min_size=n_rows, max_size=n_rows)))
    rows = [f"r{i}" for i in range(n_rows)]
    cols = [f"c{j}" for j in range(n_cols)]
    a = pd.DataFrame(grid, index=rows, columns=cols)
    a["total"] = a.sum(axis=1)
    a.loc["total"] = a.sum(axis=0)
    # table B: the same citizens by row and a yes/no attribute; "ja" is a share of each row's total
    ja = np.minimum(split % (a["total"].iloc[:n_rows].to_numpy() + 1), a["total"].iloc[:n_rows].to_numpy())
    b = pd.DataFrame({"ja": ja, "nej": a["total"].iloc[:n_rows].to_numpy() - ja}, index=rows)
    b["total"] = b.sum(axis=1)
    return a, b


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(linked_tables())
def test_after_suppress_with_linked_margins_the_audit_finds_nothing(tmp_path_factory, tables):
    a, b = tables
    table_a = dc.Table("a", a, rows="row", columns="col", total_row="total", total_column="total", stage="s1")
    table_b = dc.Table("b", b, rows="row", columns="attr", total_column="total", stage="s2")
    root = tmp_path_factory.mktemp("published")
    try:
        shown = dc.suppress([table_a, table_b], 5)
    except InputError:
        # only when even hiding every count >= 5 leaves a "<5" narrower than 1–4 (e.g. 1 + 1 under a "<5"
        # total): then nothing could have protected it, which the audit of that maximal suppression confirms
        cells = dc.table_cells(table_a, 5) + dc.table_cells(table_b, 5)
        maximal = [c.value is not None and c.value >= 1 for c in cells]
        assert dc.audit_cells(_shown_cells(cells, maximal, 5), explain=False)
        return
    for table in (table_a, table_b):
        published = shown[table.id]
        counts = published.map(lambda v: v if isinstance(v, str) else int(v))
        assert ((counts == table.counts) | counts.map(lambda v: isinstance(v, str))).all().all()
        dc.publish_frame(
            table.stage,
            table.id,
            published,
            population="p",
            rows=table.rows,
            columns=table.columns,
            total_row=table.total_row,
            total_column=table.total_column,
            threshold=5,
            root=root,
        )
    result = dc.audit(root / "build" / "published")
    assert result.findings == []
    small = int(
        ((a.to_numpy() >= 1) & (a.to_numpy() < 5)).sum() + ((b.to_numpy() >= 1) & (b.to_numpy() < 5)).sum()
    )
    assert result.suppressed >= small


def test_suppress_returns_the_display_table_with_derived_columns_hidden_with_their_count():
    counts = pd.DataFrame({"AUC": [15, 6, 2, 38, 61]}, index=[*BANDS, "total"])
    display = counts.assign(**{"AUC, andel": counts["AUC"] / 61, "Bånd": ["0", "1–2", "3–9", "10+", "I alt"]})
    table = dc.Table(
        "brugsbaand",
        counts,
        rows="visits",
        columns={"AUC": {"offer": "AUC"}},
        total_row="total",
        public_rows=["total"],
        display=display,
        derived={"AUC": ["AUC, andel"]},
    )
    shown = dc.suppress([table], 5)["brugsbaand"]
    assert shown["AUC, andel"].tolist()[:3] == [dc.HIDDEN, dc.HIDDEN, dc.HIDDEN]
    assert shown["AUC, andel"].tolist()[3:] == [38 / 61, 1.0]
    assert shown["Bånd"].tolist() == display["Bånd"].tolist()
    assert shown.attrs["suppression"] == {"threshold": 5, "primary": 1, "secondary": 5}
    html = rp.show_table(shown, "Brug", total_row="total").data
    assert "færre end 5 borgere" in html and "skjult, så et skjult tal" in html


def test_count_text_is_the_table_rule():
    assert [dc.count_text(v, 5) for v in (0, 1, 4, 5, 1234)] == ["0", "<5", "<5", "5", "1.234"]


def test_cli_writes_a_summary_and_removes_reports_on_failure(tmp_path, capsys):
    _planted(tmp_path)
    published = tmp_path / "build" / "published"
    summary = tmp_path / "metrics" / "disclosure.json"
    assert main(["audit-disclosure", "--published", str(published), "--out", str(summary)]) == 0
    assert json.loads(summary.read_text(encoding="utf-8")) == {
        "cells": 5,
        "disclosed": 0,
        "populations": 1,
        "suppressed": 3,
        "tables": 1,
    }
    dc.publish(
        "02_planted",
        "plantet",
        [
            {
                "row": "0",
                "column": "AUC",
                "coords": {"referred": "ja", "offer": "AUC", "visits": "0"},
                "value": 15,
            },
            {
                "row": "1–2",
                "column": "AUC",
                "coords": {"referred": "ja", "offer": "AUC", "visits": "1–2"},
                "value": 6,
            },
        ],
        population="henviste",
        threshold=5,
        root=tmp_path,
    )
    report = tmp_path / "reports" / "10_fremmoedestatistik.html"
    report.parent.mkdir()
    report.write_text("<html></html>", encoding="utf-8")
    code = main(
        [
            "audit-disclosure",
            "--published",
            str(published),
            "--out",
            str(summary),
            "--remove-on-failure",
            str(report),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "removed 10_fremmoedestatistik.html" in err
    assert not report.exists() and not summary.exists()


def test_a_later_report_suppresses_around_what_an_earlier_report_published(tmp_path):
    # stage 10 publishes the overview on its own (the 2 as "<5"); stage 13 then suppresses its funnel with
    # stage 10's record as the reader's knowledge, so its "17 med fremmøde" is hidden
    overview, funnel = _overview_table(2), _funnel_table(17, 6)
    _publish_table(tmp_path, overview, dc.suppress([overview], 5)["visiterede_aktive"])
    published = tmp_path / "build" / "published"
    known = dc.published_cells("borgere", published, exclude_stage="13_spor3")
    assert {c.table for c in known} == {"visiterede_aktive"}
    shown = dc.suppress([funnel], 5, known=known)["tragt"]
    assert shown.loc["No. 17"].tolist() == [dc.HIDDEN, 6]
    _publish_table(tmp_path, funnel, shown)
    assert dc.audit(published).findings == []
    # without the earlier record the funnel alone has nothing to hide, and the audit catches the pair
    _publish_table(tmp_path, funnel, dc.suppress([funnel], 5)["tragt"])
    with pytest.raises(InputError, match="tragt"):
        dc.audit(published)


# ---------------------------------------------------------------------------------------------- builders

from attendance.reporting import disclosure_tables as dt  # noqa: E402

# The demo's referred/unreferred citizens per band and spor 3's funnel (the numbers of the rendered reports)
DEMO_BANDS = {
    ("auc", True): {"0": 15, "1–2": 5, "3–9": 3, "10+": 38},
    ("auc", False): {"1–2": 2, "3–9": 4},
    ("no17", True): {"0": 3, "1–2": 2, "10+": 13},
    ("no17", False): {"1–2": 2},
}
BAND_VISITS = {"0": 0, "1–2": 1, "3–9": 5, "10+": 20}
LABELS = {"auc": "AUC", "no17": "No. 17"}


def _demo_usage_bands():
    rows = []
    for (offer, referred), counts in DEMO_BANDS.items():
        for band, n in counts.items():
            rows += [{"offer_id": offer, "referred": referred, "band": band, "visits": BAND_VISITS[band]}] * n
    return pd.DataFrame(rows)


def _demo_funnel():
    return pd.DataFrame(
        {
            "offer_id": ["auc", "no17"],
            "attended": [52, 17],
            "not_referred": [6, 2],
            "days_ok": [25, 10],
            "weeks_ok": [36, 13],
            "hours_ok": [16, 1],
            "days_weeks_ok": [25, 10],
            "target": [6, 0],
        }
    )


def test_builders_on_the_demo_numbers_recode_suppress_across_reports_and_pass_the_audit(tmp_path):
    bands = _demo_usage_bands()
    referral = dt.referral_table(bands, LABELS, stage="10_fremmoedestatistik")
    assert referral.counts.loc["No. 17"].tolist() == [18, 15, 3, 2]
    counts = dt.band_counts(bands)
    groups, shown = dt.best_recoding(
        lambda g: dt.band_table(counts, g, LABELS, stage="10_fremmoedestatistik"),
        others=[referral],
        threshold=5,
    )
    assert list(groups) == ["0", "1–9", "10+"]  # came rarely (1–9) stays, 0/1–2/3–9/10+ would hide more
    assert shown["brugsbaand"]["AUC"].tolist() == [15, 8, 38, 61]
    assert shown["brugsbaand"]["No. 17"].tolist() == [3, "<5", dc.HIDDEN, 18]
    for table in shown.values():
        dc.publish_shown("10_fremmoedestatistik", table, root=tmp_path)
    published = tmp_path / "build" / "published"
    funnel = dt.funnel_table(_demo_funnel(), LABELS, stage="13_spor3")
    known = dc.published_cells(dc.POPULATION, published, exclude_stage="13_spor3")
    shown_funnel = dc.suppress([funnel], 5, known=known)["tragt"]
    assert shown_funnel.loc["No. 17", "attended"] == dc.HIDDEN  # 17 − 15 would give the 2 away
    assert shown_funnel.loc["AUC", "attended"] == 52
    dc.publish_shown("13_spor3", shown_funnel, root=tmp_path)
    result = dc.audit(published, 5)
    assert result.findings == [] and result.tables == 3


def test_builders_catch_the_demo_leak_of_the_current_reports(tmp_path):
    bands = _demo_usage_bands()
    referral = dt.referral_table(bands, LABELS, stage="10_fremmoedestatistik")
    # today: the overview hides the 2 on its own, spor 3 prints "17 med fremmøde"
    dc.publish_shown("10_fremmoedestatistik", dc.suppress([referral], 5)["visiterede_aktive"], root=tmp_path)
    funnel = dt.funnel_table(_demo_funnel(), LABELS, stage="13_spor3")
    # as the report did then: primary suppression only ("<5"), "17 med fremmøde" shown
    shown = funnel.counts.astype(object).mask(funnel.counts.lt(5) & funnel.counts.gt(0), "<5")
    assert shown.loc["No. 17", "attended"] == 17
    dc.publish_frame(
        "13_spor3",
        "tragt",
        shown,
        population=dc.POPULATION,
        rows=funnel.rows,
        columns=funnel.columns,
        domains=funnel.domains,
        root=tmp_path,
    )
    with pytest.raises(InputError) as caught:
        dc.audit(tmp_path / "build" / "published")
    assert (
        "celle (Besøgende uden visitation, No. 17) kan beregnes ud fra tabel visiterede_aktive "
        "(10_fremmoedestatistik) og tragt (13_spor3) = 2"
    ) in caught.value.one_line()


def _grid_cells(shown: pd.DataFrame, true: pd.DataFrame) -> list[dc.Cell]:
    """A rows × columns table with a total row and a total column as published cells."""
    cells = []
    for r in true.index:
        for c in true.columns:
            coords = dc.coords_of(
                {**({} if r == "total" else {"row": r}), **({} if c == "total" else {"col": c})}
            )
            value = shown.at[r, c]
            hidden = isinstance(value, str)
            cells.append(
                dc.Cell(
                    "s",
                    "t",
                    str(r),
                    str(c),
                    coords,
                    None if hidden else int(true.at[r, c]),
                    marker=value if hidden else None,
                    threshold=5,
                )
            )
    return cells


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(1, 3).flatmap(
        lambda n_rows: st.integers(1, 3).flatmap(
            lambda n_cols: st.lists(
                st.one_of(st.integers(0, 6), st.integers(5, 30)),
                min_size=n_rows * n_cols,
                max_size=n_rows * n_cols,
            ).map(lambda v: np.array(v).reshape(n_rows, n_cols))
        )
    )
)
def test_suppress_small_on_a_two_way_table_with_totals_leaves_nothing_to_compute(grid):
    true = pd.DataFrame(
        grid, index=[f"r{i}" for i in range(grid.shape[0])], columns=[f"c{j}" for j in range(grid.shape[1])]
    )
    true["total"] = true.sum(axis=1)
    true.loc["total"] = true.sum(axis=0)
    out = rp.suppress_small(
        true, [c for c in true.columns if c != "total"], 5, total_row="total", total_column="total"
    )
    findings = dc.audit_cells(_grid_cells(out, true), explain=False)
    if findings:
        everything = true.map(lambda v: v if v == 0 else ("<5" if v < 5 else dc.HIDDEN))
        assert dc.audit_cells(_grid_cells(everything, true), explain=False)


def test_a_margin_published_elsewhere_links_in_and_contradictions_are_named(tmp_path):
    # the bands without a total row are safe on their own; the referred count in the key figures (a margin of
    # the same citizens) makes the "<5" computable
    shown = pd.DataFrame({"AUC": [15, "<5", 38]}, index=["0", "1–9", "10+"])
    rows = {"0": {"visits": "0"}, "1–9": {"visits": ["1–2", "3–9"]}, "10+": {"visits": "10+"}}
    columns = {"AUC": {"offer": "AUC"}}
    dc.publish_frame(
        "11_spor1", "baand", shown, population="p", rows=rows, columns=columns, threshold=5, root=tmp_path
    )
    published = tmp_path / "build" / "published"
    assert dc.audit(published).findings == []
    margin = {"row": "Visiterede", "column": "AUC", "coords": {"offer": "AUC"}, "value": 55, "public": True}
    dc.publish_frame(
        "11_spor1",
        "baand",
        shown,
        population="p",
        rows=rows,
        columns=columns,
        margins=[margin],
        threshold=5,
        root=tmp_path,
    )
    record = json.loads((published / "11_spor1.json").read_text(encoding="utf-8"))
    assert [c.get("margin", False) for c in record["tables"][0]["cells"]] == [False] * 3 + [True]
    with pytest.raises(
        InputError, match=r"celle \(AUC, 1–9\) kan beregnes ud fra tabel baand \(11_spor1\) = 2"
    ):
        dc.audit(published)
    # a total that cannot be the sum of its parts is reported as a contradiction, not as safe
    margin["value"] = 40
    dc.publish_frame(
        "11_spor1",
        "baand",
        shown,
        population="p",
        rows=rows,
        columns=columns,
        margins=[margin],
        threshold=5,
        root=tmp_path,
    )
    with pytest.raises(InputError, match="modsiger hinanden"):
        dc.audit(published)


# --------------------------------------------------------------------------------------------------------
# Differencing: nested thresholds (issue 13's spor 3 gap) and rounding
# --------------------------------------------------------------------------------------------------------


def _nested(values, markers=None, rounding=0):
    """Cells "at least 1,0 / 1,5 / 2,0 days" of one offer (nested), as published."""
    bands = ["1", "1.5", "2"]
    cells = []
    for k, value in enumerate(values):
        marker = (markers or {}).get(k)
        cells.append(
            dc.Cell(
                "13_spor3",
                "foelsomhed",
                f"mindst {bands[k]}",
                "borgere",
                dc.coords_of({"offer": "auc", "days": bands[k:]}),
                None if marker else value,
                marker=marker,
                rounding=rounding,
            )
        )
    return cells, {"days": ["under", *bands], "offer": ["auc"]}


def test_the_difference_of_two_nested_thresholds_is_found():
    cells, domains = _nested([10, 7, 6])
    findings = dc.audit_cells(cells, 5, domains)
    assert [f.kind for f in findings] == ["differencing"] * 3
    # 10 − 7 = 3 between 1,0 and 1,5 days; 7 − 6 = 1 between 1,5 and 2,0; 10 − 6 = 4 between 1,0 and 2,0
    assert sorted((f.lo, f.hi) for f in findings) == [(1, 1), (3, 3), (4, 4)]
    text = next(f for f in findings if f.lo == 1).describe()
    assert "celle (borgere, mindst 1.5) minus" in text and "celle (borgere, mindst 2)" in text
    assert text.endswith("ud fra tabel foelsomhed (13_spor3) = 1")


def test_rounded_nested_counts_do_not_pin_a_small_group():
    cells, domains = _nested([10, 7, 6], {0: "≈10", 1: "≈5", 2: "≈5"}, rounding=5)
    assert dc.audit_cells(cells, 5, domains) == []
    assert cells[0].prior() == (8.0, 12.0) and cells[1].prior() == (5.0, 7.0)


def test_a_rounded_count_beside_an_exact_one_can_still_give_a_group_away():
    # 9 exact at >= 1,0 and "≈5" (5–7) at >= 1,5: between them 2–4 citizens, inside 1–4 more narrowly than "<5"
    cells, domains = _nested([9, 6, 6], {1: "≈5", 2: "≈5"}, rounding=5)
    findings = dc.audit_cells(cells, 5, domains)
    assert findings and findings[0].kind == "differencing" and (findings[0].lo, findings[0].hi) == (2, 4)


def test_suppress_rounds_nested_tables_and_protects_the_exact_one():
    counts = pd.DataFrame({"borgere": [10, 7, 6]}, index=["1", "1.5", "2"])
    rows = {label: {"days": ["1", "1.5", "2"][k:]} for k, label in enumerate(counts.index)}
    domains = {"days": ["under", "1", "1.5", "2"]}
    rounded = dc.Table("foelsomhed", counts, rows=rows, columns={"borgere": {}}, domains=domains, rounding=5)
    assert dc.suppress([rounded], 5)["foelsomhed"]["borgere"].tolist() == ["≈10", "≈5", "≈5"]
    exact = dc.Table("tragt", counts, rows=rows, columns={"borgere": {}}, domains=domains)
    shown = dc.suppress([exact], 5)["tragt"]["borgere"].tolist()
    assert shown.count(dc.HIDDEN) >= 1
    cells = [
        dc.Cell(
            "s",
            "tragt",
            r,
            "borgere",
            dc.coords_of(rows[r]),
            v if isinstance(v, int) else None,
            marker=None if isinstance(v, int) else v,
        )
        for r, v in zip(counts.index, shown, strict=True)
    ]
    assert dc.audit_cells(cells, 5, domains) == []


def test_rounding_is_half_up_and_its_interval_is_what_the_reader_knows():
    assert [dc.round_count(v, 5) for v in (5, 7, 8, 12, 13)] == [5, 5, 10, 10, 15]
    assert dc.rounded_interval(5, 5, 5) == (5.0, 7.0)  # 3 and 4 would have been "<5"
    assert dc.rounded_interval(20, 10, 5) == (15.0, 24.0)
    for v in range(5, 60):
        lo, hi = dc.rounded_interval(dc.round_count(v, 5), 5, 5)
        assert lo <= v <= hi


@st.composite
def nested_grids(draw):
    """Two nested threshold dimensions (a sensitivity grid) with random atoms; some cells rounded."""
    atoms = draw(st.lists(st.integers(0, 6), min_size=9, max_size=9))
    grid = np.array(atoms).reshape(3, 3)
    rounded = draw(st.lists(st.booleans(), min_size=9, max_size=9))
    return grid, rounded


@settings(max_examples=examples(25), deadline=None)
@given(nested_grids())
def test_the_witness_shortcut_never_clears_a_group_the_exact_bounds_disclose(case):
    grid, rounded = case
    cells = []
    for i in range(3):
        for j in range(3):
            value = int(grid[i:, j:].sum())  # at least threshold i in one, j in the other dimension
            marker = None
            if rounded[3 * i + j] and value >= 5:
                marker = dc.rounded_marker(value, 5)
            elif 0 < value < 5:
                marker = "<5"
            cells.append(
                dc.Cell(
                    "s",
                    "grid",
                    str(i),
                    str(j),
                    dc.coords_of({"a": [str(k) for k in range(i, 3)], "b": [str(k) for k in range(j, 3)]}),
                    None if marker else value,
                    marker=marker,
                    rounding=5,
                )
            )
    model = dc.Model(cells)
    witnesses = model.witnesses()
    assert len(witnesses) > 0
    for target, _ in dc.differencing_groups(model):
        lo, hi = model.bounds(target)
        if _certified_safe(witnesses, target, 5):
            assert not dc.group_disclosed(lo, hi, 5)
        sizes = witnesses @ target
        assert ((lo <= sizes) & (sizes <= hi)).all()  # every witness is a consistent world
