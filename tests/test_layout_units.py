"""Unit checks of the layout and figure helpers of issue 15 (no browser): gaps for closed days, Danish numbers on
every axis, alt text for every figure, tables in scroll boxes, card values that wrap between their parts."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pandas as pd

from attendance import reporting as rp
from attendance.pipeline import render
from attendance.reporting import figures as fg
from attendance.reporting import plotting


def _daily(dates, offer="a", value=10):
    return pd.DataFrame(
        {
            "offer_id": offer,
            "date": pd.to_datetime(dates),
            "opening_day": True,
            "unique": value,
        }
    )


def test_opening_day_runs_keeps_the_offers_weekdays_and_finds_the_holiday():
    # Monday-Thursday offer; Thursday 2 April and Monday 6 April 2026 (Easter) are missing
    dates = pd.to_datetime(
        ["2026-03-30", "2026-03-31", "2026-04-01", "2026-04-07", "2026-04-08", "2026-04-09"]
    )
    calendar = fg.opening_day_runs(dates)
    assert set(calendar.weekday) == {0, 1, 2, 3}
    assert set(calendar.difference(dates)) == {pd.Timestamp("2026-04-02"), pd.Timestamp("2026-04-06")}


def test_daily_unique_breaks_the_line_at_closed_days_and_shades_them():
    dates = ["2026-03-30", "2026-03-31", "2026-04-01", "2026-04-07", "2026-04-08"]
    fig = fg.daily_unique(
        pd.concat([_daily(dates, "a", 10), _daily(dates, "b", 5)]), labels={"a": "A", "b": "B"}
    )
    ax = fig.axes[0]
    line = ax.lines[0]
    y = np.asarray(line.get_ydata(), dtype=float)
    # a Monday-Wednesday offer, closed Easter Monday 6 April: the line is not drawn across it
    assert np.isnan(y).sum() == 1
    assert len(ax.patches) == 1  # shaded: every offer is closed that day
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["A", "B", "Lukket (helligdag eller lukkedag)"]
    plt.close(fig)


def test_danish_numbers_on_every_default_axis_and_colour_bar():
    fig, ax = plt.subplots()
    image = ax.imshow(np.array([[0.25, 0.5], [0.75, 1200.5]]))
    fig.colorbar(image)
    ax.plot([0, 1], [0.2, 0.8])
    plotting.danish_numbers(fig)
    fig.canvas.draw()
    for axis in (ax.yaxis, fig.axes[1].yaxis):
        labels = [t.get_text() for t in axis.get_ticklabels() if t.get_text()]
        assert labels and not any("." in label and "," not in label for label in labels if len(label) < 5), (
            labels
        )
    assert fig.axes[0].yaxis.get_major_formatter()(0.8) == "0,8"
    assert fig.axes[1].yaxis.get_major_formatter()(1200) == "1.200"
    plt.close(fig)


def test_describe_figure_names_kind_title_axes_and_series():
    fig, axes = plt.subplots(1, 2)
    axes[0].bar(["x", "y"], [1, 2], label="Model")
    axes[0].bar(["x", "y"], [2, 1], label="Naiv")
    axes[0].set_title("Fejl")
    axes[0].set_ylabel("Borgere")
    axes[0].legend()
    axes[1].plot([1, 2], [3, 4])
    axes[1].set_xlabel("Dato")
    fig.suptitle("Validering")
    text = plotting.describe_figure(fig)
    assert text.startswith("Søjlediagram og kurve: Validering.")
    assert "Fejl (lodret: Borgere; serier: Model, Naiv)" in text and "vandret: Dato" in text
    plt.close(fig)


def test_preprocessor_wraps_plain_tables_and_gives_every_image_an_alt_text():
    cells = [
        nbformat.v4.new_markdown_cell("# Titel\n\n## Validering"),
        nbformat.v4.new_code_cell(
            outputs=[
                nbformat.v4.new_output(
                    "display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}
                ),
                nbformat.v4.new_output(
                    "display_data",
                    data={"image/png": "iVBORw0KGgo="},
                    metadata={"image/png": {"alt": "Kurve: egen tekst."}},
                ),
                nbformat.v4.new_output(
                    "execute_result",
                    data={"text/html": '<div><table class="dataframe"><tr><td>1</td></tr></table></div>'},
                    execution_count=1,
                ),
            ]
        ),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb, _ = render.ReportPreprocessor().preprocess(nb, {"metadata": {"name": "x"}})
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    alts = [o["metadata"]["image/png"]["alt"] for o in outputs if "image/png" in o.get("data", {})]
    assert alts == ["Figur i afsnittet «Validering»", "Kurve: egen tekst."]
    html = "".join(o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {}))
    assert '<div class="rp-table-scroll"><table class="dataframe">' in html


def test_wrap_tables_leaves_a_table_already_in_a_scroll_box_alone():
    inside = '<div class="rp-table-scroll"><table class="rp-table"><tr><td>1</td></tr></table></div>'
    assert render._wrap_tables(inside) == inside
    both = inside + "<table><tr><td>2</td></tr></table>"
    assert render._wrap_tables(both).count("rp-table-scroll") == 2


def test_key_figure_values_wrap_between_parts_only():
    html = rp.key_figures([("Andel", "25 % / 17 %"), ("Borgere", 61)]).data
    assert '<span class="rp-nowrap">25 %</span> / <span class="rp-nowrap">17 %</span>' in html
    assert '<div class="rp-kf-value">61</div>' in html


def test_show_table_marks_tables_that_reflow_break_or_shrink():
    short_wide = pd.DataFrame({f"Kolonne {i}": [1, 2] for i in range(6)})
    html = rp.show_table(short_wide, "Kort og bred.").data
    assert 'class="rp-table rp-table-stack"' in html and 'data-label="Kolonne 3"' in html
    long_narrow = pd.DataFrame({"Regel": [f"r{i}" for i in range(20)], "Rækker": range(20)})
    html = rp.show_table(long_narrow, "Lang.").data
    assert "rp-table-long" in html and "rp-table-stack" not in html and "data-label" not in html
    very_wide = pd.DataFrame({f"K{i}": [1] for i in range(9)})
    assert "rp-table-wide" in rp.show_table(very_wide, "Meget bred.").data
