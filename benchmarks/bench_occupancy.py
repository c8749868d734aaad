"""Benchmark: the occupancy engine against hillmaker 0.8, then the engine alone on 10 million visits.

Why: the brief's targets are ≥ 20× faster than hillmaker on the same input and 10 M visits in < 20 s and
< 4 GiB. Part 1 runs both on the same 600,000 visits (60-minute slots, six months, two offers) and checks
they agree; part 2 runs the engine in a fresh subprocess so its peak memory (ru_maxrss) is its own.

    .venv/bin/python benchmarks/bench_occupancy.py [--visits 600000] [--big 10000000] [--skip-hillmaker]
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd

from attendance.demand.occupancy import occupancy_by_datetime, summarize

WINDOW = ("2026-01-05", "2026-07-05")  # 26 weeks


def make_visits(n: int, seed: int = 2026) -> pd.DataFrame:
    """Day-time visits of 15 min – 8 h across the window, some starting before or ending after it."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp(WINDOW[0])
    days = (pd.Timestamp(WINDOW[1]) - start).days + 1
    day = rng.integers(-1, days + 1, n).astype("timedelta64[D]")
    minute = rng.integers(7 * 60, 20 * 60, n).astype("timedelta64[m]")
    arrive = np.datetime64(start, "ns") + day.astype("timedelta64[ns]") + minute.astype("timedelta64[ns]")
    stay = rng.integers(15, 8 * 60, n).astype("timedelta64[m]").astype("timedelta64[ns]")
    offers = np.array(["auc", "no17"], dtype=object)[rng.integers(0, 2, n)]
    return pd.DataFrame({"arrive": arrive, "depart": arrive + stay, "offer_id": offers})


def run_engine(visits: pd.DataFrame, bin_minutes: int = 60) -> tuple[pd.DataFrame, pd.DataFrame]:
    table = occupancy_by_datetime(visits, "arrive", "depart", bin_minutes, *WINDOW, group_col="offer_id")
    return table, summarize(table)


def run_hillmaker(visits: pd.DataFrame, bin_minutes: int = 60):
    """hillmaker's own steps for the same output: Scenario preprocessing, by-datetime, nonstationary summary."""
    import hillmaker as hm
    from hillmaker.bydatetime import make_bydatetime
    from hillmaker.summarize import summarize as hm_summarize

    logging.getLogger("hillmaker").setLevel(logging.ERROR)
    scenario = hm.Scenario(
        scenario_name="bench",
        data=visits,
        in_field="arrive",
        out_field="depart",
        start_analysis_dt=WINDOW[0],
        end_analysis_dt=WINDOW[1],
        cat_field="offer_id",
        bin_size_minutes=bin_minutes,
    )
    bydt, _ = make_bydatetime(
        scenario.stops_preprocessed_df,
        "arrive",
        "depart",
        scenario.start_analysis_dt,
        scenario.end_analysis_dt,
        cat_field="offer_id",
        bin_size_minutes=bin_minutes,
        highres_bin_size_minutes=scenario.highres_bin_size_minutes,
    )
    return bydt, hm_summarize(bydt, stationary_stats=False)


def child(n: int) -> None:
    """Run in a subprocess: generate n visits, time the engine, print JSON with time and peak memory."""
    visits = make_visits(n, seed=7)
    rss_data = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    table, summary = run_engine(visits)
    seconds = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(
        json.dumps(
            {
                "visits": n,
                "seconds": seconds,
                "peak_rss_gib": rss / 1024**2,
                "rss_after_data_gib": rss_data / 1024**2,
                "rows": len(table),
                "summary_rows": len(summary),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=600_000)
    parser.add_argument("--big", type=int, default=10_000_000)
    parser.add_argument("--skip-hillmaker", action="store_true")
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child)
        return

    rows = []
    if not args.skip_hillmaker:
        visits = make_visits(args.visits)
        t0 = time.perf_counter()
        table, summary = run_engine(visits)
        engine_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        hm_bydt, hm_summary = run_hillmaker(visits)
        hillmaker_s = time.perf_counter() - t0
        theirs = hm_bydt["offer_id_datetime"].reset_index()
        both = theirs.merge(table, on=["offer_id", "datetime"], suffixes=("_hm", ""))
        diff = max(
            float(np.abs(both[f"{c}_hm"] - both[c]).max()) for c in ["arrivals", "departures", "occupancy"]
        )
        rows.append((f"hillmaker 0.8, {args.visits:,} visits", hillmaker_s, None, ""))
        rows.append(
            (
                f"engine, {args.visits:,} visits",
                engine_s,
                None,
                f"{hillmaker_s / engine_s:,.0f}× faster; max |diff| {diff:.1e}",
            )
        )

    result = subprocess.run(
        [sys.executable, __file__, "--child", str(args.big)], capture_output=True, text=True, check=True
    )
    big = json.loads(result.stdout.strip().splitlines()[-1])
    verdict = "OK" if big["seconds"] < 20 and big["peak_rss_gib"] < 4 else "OVER TARGET"
    rows.append((f"engine, {args.big:,} visits", big["seconds"], big["peak_rss_gib"], verdict))

    print(f"\n{'run':<34} {'wall s':>9} {'peak GiB':>9}  note")
    print("-" * 90)
    for name, seconds, gib, note in rows:
        print(f"{name:<34} {seconds:>9.2f} {'' if gib is None else f'{gib:.2f}':>9}  {note}")
    print(
        f"\n60-minute slots, window {WINDOW[0]} – {WINDOW[1]}, group = offer_id; peak GiB = ru_maxrss of the "
        f"subprocess (includes the {big['rss_after_data_gib']:.2f} GiB after generating its input)."
    )


if __name__ == "__main__":
    main()
