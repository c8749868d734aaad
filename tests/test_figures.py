"""Tests for the shared report figures: the tables behind each figure by hand, and that each figure draws
what it should (panels, Danish labels, values in the cells) from small hand-made demand tables."""

from __future__ import annotations

import datetime as dt

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from attendance import reporting as rp  # noqa: E402
from attendance.reporting import figures as fg  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def summary_table() -> pd.DataFrame:
    """A long occupancy_summary: offer a open Mon+Tue 09:00–10:00, offer b Mon 09:30–10:30; one closed slot
    (08:30) and one arrivals row that must be ignored."""
    rows = []
    for offer, weekday, slot, mean in [
        ("a", 0, 540, 2.0),
        ("a", 0, 570, 4.25),
        ("a", 1, 540, 1.0),
        ("a", 1, 570, 3.0),
        ("b", 0, 570, 1.5),
        ("b", 0, 600, 0.5),
    ]:
        rows.append(
            {
                "offer_id": offer,
                "measure": "occupancy",
                "weekday": weekday,
                "slot_minute": slot,
                "slot": rp.fmt_time(slot),
                "open_slot": True,
                "count": 4,
                "mean": mean,
                "p25": mean - 0.5,
                "p75": mean + 0.5,
                "p95": mean + 1.0,
            }
        )
    closed = dict(rows[0], slot_minute=510, slot="08:30", open_slot=False, mean=9.0)
    arrivals = dict(rows[0], measure="arrivals", mean=7.0)
    return pd.DataFrame([*rows, closed, arrivals])


def test_offer_labels_skip_the_dataset_block():
    offers = {"auc": {"name": "AUC"}, "no17": {"name": "No. 17"}, "_dataset": {"name": "demo"}}
    assert fg.offer_labels(offers) == {"auc": "AUC", "no17": "No. 17"}


def test_infer_bin_minutes():
    assert fg.infer_bin_minutes([540, 570, 600, 540]) == 30
    assert fg.infer_bin_minutes([540, 555, 600]) == 15
    assert fg.infer_bin_minutes([540]) == 30


def test_heatmap_grid_keeps_one_measure_and_open_slots_only():
    grid = fg.heatmap_grid(summary_table(), "a")
    assert list(grid.index) == [0, 1]
    assert list(grid.columns) == [540, 570]  # 08:30 is closed
    assert grid.loc[0, 570] == 4.25  # occupancy, not the arrivals row (7.0)
    assert grid.loc[0, 540] == 2.0


def test_heatmap_grid_unknown_offer_is_an_error():
    with pytest.raises(ValueError, match="no open slots"):
        fg.heatmap_grid(summary_table(), "zz")


def test_occupancy_heatmap_panels_share_the_slot_axis_and_show_danish_values():
    fig = fg.occupancy_heatmap(summary_table(), labels={"a": "AUC", "b": "No. 17"})
    heat_axes = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in heat_axes] == ["AUC", "No. 17"]
    for ax in heat_axes:  # union of open slots: 09:00, 09:30, 10:00
        assert [t.get_text() for t in ax.get_xticklabels()] == ["09:00–09:30", "09:30–10:00", "10:00–10:30"]
    texts = {t.get_text() for t in heat_axes[0].texts}
    assert {"2,0", "4,2", "1,0", "3,0"} <= texts  # 4.25 with one decimal, Danish comma
    assert [t.get_text() for t in heat_axes[1].get_yticklabels()] == ["mandag"]
    assert heat_axes[1].get_xlabel() == "Tidsrum"


def test_occupancy_hills_one_panel_per_weekday_with_band_and_p95():
    fig = fg.occupancy_hills(summary_table(), "a", "AUC")
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == ["Mandag (4 dage)", "Tirsdag (4 dage)"]
    monday = visible[0]
    steps = [p for p in monday.patches if type(p).__name__ == "StepPatch"]
    assert len(steps) == 2  # mean and p95
    assert {s.get_gid() for s in steps} == {"mean", "p95"}
    means = next(s for s in steps if s.get_gid() == "mean")
    np.testing.assert_allclose(means.get_data().values, [2.0, 4.25])
    np.testing.assert_allclose(means.get_data().edges, [540, 570, 600])
    p95 = next(s for s in steps if s.get_gid() == "p95")
    np.testing.assert_allclose(p95.get_data().values, [3.0, 5.25])
    band = monday.collections[0].get_paths()[0].vertices
    assert band[:, 1].min() == pytest.approx(1.5) and band[:, 1].max() == pytest.approx(4.75)
    assert monday.get_xlim() == (540.0, 600.0)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == [
        "Gennemsnit",
        "25\u00a0% til 75\u00a0%-fraktil",
        "95\u00a0%-fraktil",
    ]  # the glossary's word


def profile_table() -> pd.DataFrame:
    """arrival_profile: offer a, Monday (2 opening days) and Tuesday (3 opening days)."""
    return pd.DataFrame(
        {
            "offer_id": ["a"] * 6,
            "weekday": [0, 0, 0, 1, 1, 1],
            "slot_minute": [510, 540, 570, 510, 540, 570],
            "opening_days": [2, 2, 2, 3, 3, 3],
            "arrivals": [0, 4, 2, 0, 6, 0],
        }
    )


def test_arrivals_per_slot_pools_weekdays_by_opening_days():
    pooled = fg.arrivals_per_slot(profile_table())
    # 08:30 has no arrivals on any day and is trimmed; 09:00: (4+6)/(2+3) = 2; 09:30: 2/5 = 0.4
    assert list(pooled["slot_minute"]) == [540, 570]
    np.testing.assert_allclose(pooled["arrivals_mean"], [2.0, 0.4])
    by_day = fg.arrivals_per_slot(profile_table(), by_weekday=True)
    np.testing.assert_allclose(by_day["arrivals_mean"], [2.0, 1.0, 2.0, 0.0])


def test_arrival_profile_draws_one_bar_per_offer_and_slot():
    fig = fg.arrival_profile(profile_table(), labels={"a": "AUC"})
    ax = fig.axes[0]
    np.testing.assert_allclose(sorted(p.get_height() for p in ax.patches), [0.4, 2.0])
    assert ax.get_ylabel() == "Ankomster pr. åbningsdag"


def test_stay_length_histogram_by_hand():
    stays = pd.DataFrame({"offer_id": ["a", "a", "a", "a", "b"], "stay_minutes": [10, 29, 30, 95, 5]})
    hist = fg.stay_length_histogram(stays, "a", 30)
    assert list(hist["bin_start"]) == [0, 30, 60, 90]
    assert list(hist["visits"]) == [2, 1, 0, 1]
    np.testing.assert_allclose(hist["share"], [0.5, 0.25, 0.0, 0.25])
    assert fg.stay_length_histogram(stays, "none").empty


def test_stay_length_distribution_marks_the_median_in_hours_and_minutes():
    stays = pd.DataFrame({"offer_id": ["a"] * 3, "stay_minutes": [60.0, 155.0, 300.0]})
    fig = fg.stay_length_distribution(stays, labels={"a": "AUC"})
    ax = fig.axes[0]
    assert ax.get_title() == "AUC (3 besøg)"
    assert "Median 2 t 35 min" in [t.get_text().replace("\u00a0", " ") for t in ax.texts]
    assert fg.fmt_duration(45) == "45\u00a0min" and fg.fmt_duration(120) == "2\u00a0t"


def test_daily_unique_uses_opening_days_and_draws_the_mean():
    daily = pd.DataFrame(
        {
            "offer_id": ["a"] * 4,
            "date": pd.to_datetime(["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-07"]),
            "opening_day": [True, True, True, False],
            "unique": [10, 20, 30, 2],
        }
    )
    fig = fg.daily_unique(daily, labels={"a": "AUC"})
    ax = fig.axes[0]
    line = ax.lines[0]
    assert list(line.get_ydata()) == [10, 20, 30]  # the Saturday trip is not an opening day
    assert "gns. 20,0" in [t.get_text() for t in ax.texts]
    assert ax.lines[1].get_ydata()[0] == pytest.approx(20.0)


def test_danish_axis_formatters():
    assert fg.danish_date_formatter()(mdates.date2num(dt.date(2026, 3, 2))) == "2. mar"
    assert fg.danish_date_formatter(year=True)(mdates.date2num(dt.date(2026, 5, 29))) == "29. maj 2026"
    assert fg.time_of_day_formatter()(570) == "09:30"


def test_missing_column_names_the_function():
    with pytest.raises(KeyError, match="occupancy_hills"):
        fg.occupancy_hills(summary_table().drop(columns="p75"), "a")
