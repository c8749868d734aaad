"""Occupancy engine: parity with hillmaker 0.8 on generated data, hand-computed cases and bad input."""

from __future__ import annotations

import logging

import hillmaker as hm  # noqa: E402 - a dev dependency: the parity tests must not skip silently
import numpy as np
import pandas as pd
import pytest
from hillmaker.bydatetime import make_bydatetime  # noqa: E402
from hillmaker.summarize import summarize as hm_summarize  # noqa: E402

from attendance.demand.occupancy import (
    STAT_COLUMNS,
    daily_peaks,
    occupancy_by_datetime,
    summarize,
)
from attendance.demand.occupancy_io import run_occupancy_files
from attendance.errors import InputError
from attendance.pipeline.cli import main as cli_main

WINDOW = ("2026-03-02", "2026-03-29")  # four whole weeks, Monday to Sunday
TOL = 1e-9


def _generated_visits(seed: int, n: int = 700) -> pd.DataFrame:
    """Random stops with second-level times: within days, across slot and day boundaries, starting before /
    ending after the window, spanning it, zero-length, missing ends and a stop just before the window."""
    rng = np.random.default_rng(seed)
    window_start = pd.Timestamp(WINDOW[0])
    window_end = pd.Timestamp(WINDOW[1]) + pd.Timedelta(days=1)
    span = int((window_end - window_start).total_seconds())
    arrive = window_start + pd.to_timedelta(rng.integers(-30 * 3600, span, n), unit="s")
    kind = rng.random(n)
    stay_s = np.where(kind < 0.7, rng.integers(60, 7 * 3600, n), rng.integers(7 * 3600, 40 * 3600, n))
    stay_s[kind > 0.95] = 0  # zero-length
    minute_aligned = rng.random(n) < 0.3  # slot boundaries exactly
    arrive = arrive.where(~minute_aligned, arrive.floor("15min"))
    depart = arrive + pd.to_timedelta(stay_s, unit="s")
    frame = pd.DataFrame({"arrive": arrive, "depart": depart, "group": rng.choice(["auc", "no17"], n)})
    frame.loc[rng.random(n) < 0.03, "depart"] = pd.NaT  # missing ends
    extra = pd.DataFrame(
        {
            "arrive": [
                window_start - pd.Timedelta(days=1),  # spans the whole window
                window_start - pd.Timedelta(seconds=30),  # under a minute before: hillmaker's bin 0
                window_start - pd.Timedelta(minutes=7),
                window_end - pd.Timedelta(minutes=20),
                window_start,
                window_end - pd.Timedelta(hours=1),
            ],
            "depart": [
                window_end + pd.Timedelta(hours=3),
                window_start + pd.Timedelta(minutes=50),
                window_start + pd.Timedelta(minutes=3),
                window_end + pd.Timedelta(minutes=40),
                window_start,  # zero-length at the window start: outside (hillmaker needs end > start)
                window_end,  # ends exactly at midnight after the window
            ],
            "group": ["auc", "no17", "auc", "auc", "no17", "no17"],
        }
    )
    frame = pd.concat([frame, extra], ignore_index=True)
    # hillmaker drops all occupancy of a stop leaving in the window's last second; see the dedicated test.
    last_second = (frame["depart"] >= window_end - pd.Timedelta(seconds=1)) & (frame["depart"] < window_end)
    frame.loc[last_second, "depart"] = window_end
    return frame


def _hillmaker(visits: pd.DataFrame, bin_minutes: int, group: str | None):
    """hillmaker 0.8's own preprocessing (Scenario), by-datetime table and nonstationary summaries."""
    logging.getLogger("hillmaker").setLevel(logging.ERROR)
    scenario = hm.Scenario(
        scenario_name="parity",
        data=visits,
        in_field="arrive",
        out_field="depart",
        start_analysis_dt=WINDOW[0],
        end_analysis_dt=WINDOW[1],
        cat_field=group,
        bin_size_minutes=bin_minutes,
    )
    bydt, _ = make_bydatetime(
        scenario.stops_preprocessed_df,
        "arrive",
        "depart",
        scenario.start_analysis_dt,
        scenario.end_analysis_dt,
        cat_field=group,
        bin_size_minutes=bin_minutes,
        highres_bin_size_minutes=scenario.highres_bin_size_minutes,
    )
    summaries = hm_summarize(bydt, stationary_stats=False)["nonstationary"]
    prefix = f"{group}_" if group else ""
    return bydt[f"{prefix}datetime"].reset_index(), summaries[f"{prefix}dow_binofday"]


@pytest.mark.parametrize(
    ("bin_minutes", "group", "seed"), [(15, None, 1), (30, "group", 2), (60, None, 3), (60, "group", 4)]
)
def test_parity_with_hillmaker(bin_minutes, group, seed):
    visits = _generated_visits(seed)
    hm_bydt, hm_summary = _hillmaker(visits, bin_minutes, group)
    ours = occupancy_by_datetime(visits, "arrive", "depart", bin_minutes, *WINDOW, group_col=group)
    keys = ([group] if group else []) + ["datetime"]

    assert len(ours) == len(hm_bydt) == 28 * 1440 // bin_minutes * (2 if group else 1)
    merged = hm_bydt.merge(ours, on=keys, suffixes=("_hm", ""), validate="one_to_one")
    assert len(merged) == len(ours)
    for column in ["arrivals", "departures", "occupancy"]:
        assert np.abs(merged[f"{column}_hm"] - merged[column]).max() <= TOL, column
    for column in ["day_of_week", "dow_name", "bin_of_day", "bin_of_day_str"]:
        assert (merged[f"{column}_hm"] == merged[column]).all(), column
    assert merged["occupancy"].sum() > 100 and merged["arrivals"].sum() > 500  # not trivially empty

    summary = summarize(ours)
    slot_keys = ([group] if group else []) + ["day_of_week", "bin_of_day"]
    for measure in ["occupancy", "arrivals", "departures"]:
        theirs = hm_summary[measure]
        mine = summary[summary["measure"] == measure]
        both = theirs.merge(mine, on=slot_keys, suffixes=("_hm", ""), validate="one_to_one")
        assert len(both) == len(theirs) == len(mine)
        for stat in STAT_COLUMNS:
            a = both[f"{stat}_hm"].to_numpy(dtype=float)
            b = both[stat].to_numpy(dtype=float)
            assert (np.isnan(a) == np.isnan(b)).all(), (measure, stat)
            assert np.nanmax(np.abs(a - b)) <= TOL, (measure, stat)
        assert both["stdev"].max() > 0


def test_hillmaker_last_second_divergence_is_deliberate():
    """hillmaker gives a stop leaving in the window's last second no occupancy at all ([:-0] slice); we
    count the 59 minutes 59 seconds it was present and, like hillmaker, no departure."""
    visits = pd.DataFrame(
        {
            "arrive": pd.to_datetime(["2026-03-02 09:00:00", "2026-03-29 23:00:00"]),
            "depart": pd.to_datetime(["2026-03-02 10:00:00", "2026-03-29 23:59:59"]),
        }
    )
    hm_bydt, _ = _hillmaker(visits, 60, None)
    ours = occupancy_by_datetime(visits, "arrive", "depart", 60, *WINDOW).set_index("datetime")
    theirs = hm_bydt.set_index("datetime")
    last = pd.Timestamp("2026-03-29 23:00")
    assert ours.loc[last, "occupancy"] == pytest.approx(3599 / 3600)
    assert theirs.loc[last, "occupancy"] == 0.0
    assert ours.loc[last, "arrivals"] == theirs.loc[last, "arrivals"] == 1
    assert ours.loc[last, "departures"] == theirs.loc[last, "departures"] == 0
    # everything else is identical
    rest = ours.index != last
    assert np.abs(ours.loc[rest, "occupancy"] - theirs.loc[rest, "occupancy"]).max() <= TOL


def test_hand_computed_fractions_and_counts():
    visits = pd.DataFrame(
        {
            "start": pd.to_datetime(
                ["2026-03-02 09:10", "2026-03-02 09:30", "2026-03-01 23:00", "2026-03-03 12:00"]
            ),
            "end": pd.to_datetime(["2026-03-02 10:40", "2026-03-02 09:30", "2026-03-02 01:30", pd.NaT]),
        }
    )
    table = occupancy_by_datetime(visits, "start", "end", 60, "2026-03-02", "2026-03-03").set_index(
        "datetime"
    )
    at = table.loc
    assert at["2026-03-02 09:00", "occupancy"] == pytest.approx(50 / 60)
    assert at["2026-03-02 10:00", "occupancy"] == pytest.approx(40 / 60)
    assert at["2026-03-02 09:00", "arrivals"] == 2  # the zero-length stop arrives and leaves, no occupancy
    assert at["2026-03-02 09:00", "departures"] == 1
    assert at["2026-03-02 10:00", "departures"] == 1
    # started the evening before the window: present 00–01 and half of 01–02, arrival not counted
    assert at["2026-03-02 00:00", "occupancy"] == 1.0
    assert at["2026-03-02 01:00", "occupancy"] == 0.5
    assert table["arrivals"].sum() == 2
    assert table["occupancy"].sum() == pytest.approx(1.5 + 1.5)  # missing end ignored
    assert len(table) == 48
    assert list(table["day_of_week"].unique()) == [0, 1]


def test_summarize_stats_hand_computed():
    # Two Mondays; one citizen 09:00–10:00 on the first only → slot 9 on Mondays: values [1, 0].
    visits = pd.DataFrame(
        {"s": pd.to_datetime(["2026-03-02 09:00"]), "e": pd.to_datetime(["2026-03-02 10:00"])}
    )
    table = occupancy_by_datetime(visits, "s", "e", 60, "2026-03-02", "2026-03-15")
    summary = summarize(table)
    row = summary[
        (summary["measure"] == "occupancy") & (summary["day_of_week"] == 0) & (summary["bin_of_day"] == 9)
    ]
    row = row.iloc[0]
    assert row["count"] == 2 and row["mean"] == 0.5 and row["min"] == 0 and row["max"] == 1
    assert row["stdev"] == pytest.approx(np.sqrt(0.5))
    assert row["p25"] == 0.25 and row["p95"] == pytest.approx(0.95)
    assert len(summary) == 3 * 7 * 24


@pytest.mark.parametrize(
    ("frame", "kwargs", "fragment"),
    [
        (pd.DataFrame({"s": ["2026-03-02 09:00"], "e": ["2026-03-02 08:00"]}), {}, "end before they start"),
        (pd.DataFrame({"s": ["2026-03-02 09:00"], "x": ["2026-03-02 10:00"]}), {}, "no column 'e'"),
        (pd.DataFrame({"s": ["not a time"], "e": ["2026-03-02 10:00"]}), {}, "cannot read 1 timestamp"),
        (
            pd.DataFrame({"s": ["2026-03-02 09:00"], "e": ["2026-03-02 10:00"]}),
            {"bin_minutes": 7},
            "divide a day",
        ),
        (
            pd.DataFrame({"s": ["2026-03-02 09:00"], "e": ["2026-03-02 10:00"]}),
            {"end_date": "2026-02-01"},
            "before",
        ),
    ],
)
def test_bad_input_raises_input_error(frame, kwargs, fragment):
    args = {"bin_minutes": 60, "start_date": "2026-03-02", "end_date": "2026-03-08"} | kwargs
    with pytest.raises(InputError, match=fragment):
        occupancy_by_datetime(frame, "s", "e", **args)


def test_cli_csv_and_parquet(tmp_path):
    visits = _generated_visits(7, n=200)
    csv = tmp_path / "visits.csv"
    visits.to_csv(csv, index=False)
    parquet = tmp_path / "visits.parquet"
    visits.to_parquet(parquet)
    out_csv, out_pq, bydt = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "bydt.csv"
    message = run_occupancy_files(csv, "arrive", "depart", 30, *WINDOW, "group", out_csv, bydt)
    assert "wrote" in message and "\n" not in message
    run_occupancy_files(parquet, "arrive", "depart", 30, *WINDOW, "group", out_pq, None)
    a, b = pd.read_csv(out_csv), pd.read_csv(out_pq)
    assert len(a) == 3 * 2 * 7 * 48
    pd.testing.assert_frame_equal(a, b)
    assert len(pd.read_csv(bydt)) == 2 * 28 * 48


def test_cli_bad_input_is_one_line_exit_2(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    pd.DataFrame(
        {"s": ["2026-03-02 09:00", "2026-03-02 11:00"], "e": ["2026-03-02 10:00", "kl. elleve"]}
    ).to_csv(path, index=False)
    argv = ["occupancy", str(path), "--start-col", "s", "--end-col", "e", "--bin-minutes", "60"]
    argv += ["--from", "2026-03-02", "--to", "2026-03-08", "--out", str(tmp_path / "o.csv")]
    assert cli_main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "bad.csv" in err and "row 3" in err and "'e'" in err


def test_daily_peaks_match_minute_by_minute_count():
    rng = np.random.default_rng(11)
    n = 400
    day = pd.Timestamp("2026-03-02") + pd.to_timedelta(rng.integers(0, 5, n), unit="D")
    start = day + pd.to_timedelta(rng.integers(8 * 60, 15 * 60, n), unit="m")
    end = start + pd.to_timedelta(rng.integers(0, 180, n), unit="m")
    visits = pd.DataFrame(
        {"offer_id": rng.choice(["auc", "no17"], n), "date": day, "start": start, "end": end}
    )
    peaks = daily_peaks(visits).set_index(["offer_id", "date"])["peak"]
    minutes = pd.date_range("2026-03-02", "2026-03-07", freq="min", inclusive="left").to_numpy()
    for (offer, date), expected_peak in peaks.items():  # brute force over a handful of days in the test only
        own = visits[(visits["offer_id"] == offer) & (visits["date"] == date)]
        present = (own["start"].to_numpy()[:, None] <= minutes) & (minutes < own["end"].to_numpy()[:, None])
        assert expected_peak == present.sum(axis=0).max()


def test_cli_names_the_file_line_of_a_backwards_visit(tmp_path):
    path = tmp_path / "visits.csv"
    path.write_text(
        "s;e\n2026-03-02 09:00;2026-03-02 10:00\n2026-03-02 12:00;2026-03-02 11:00\n", encoding="utf-8"
    )
    with pytest.raises(InputError) as info:
        run_occupancy_files(path, "s", "e", 60, "2026-03-02", "2026-03-08", None, tmp_path / "o.csv", None)
    assert (
        info.value.row == 3 and info.value.file == str(path) and "end before they start" in info.value.message
    )
