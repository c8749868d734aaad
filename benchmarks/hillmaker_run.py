"""hillmaker 0.8 on a visits CSV, as a whole process: the reference `attendance occupancy` is timed against.

Reads the file with pandas, then hillmaker's own steps for the same output as `attendance occupancy`:
Scenario preprocessing, the by-datetime table and the nonstationary summaries, both written as CSV.

    .venv/bin/python benchmarks/hillmaker_run.py VISITS.csv --bin-minutes 30 --from 2026-01-05 --to 2026-07-05 \
        --group-col offer_id --out OUT_DIR
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import pandas as pd


def run(path: Path, bin_minutes: int, start: str, end: str, group: str | None, out: Path) -> None:
    import hillmaker as hm
    from hillmaker.bydatetime import make_bydatetime
    from hillmaker.summarize import summarize

    logging.getLogger("hillmaker").setLevel(logging.ERROR)
    visits = pd.read_csv(path, parse_dates=["arrive", "depart"])
    scenario = hm.Scenario(
        scenario_name="bench",
        data=visits,
        in_field="arrive",
        out_field="depart",
        start_analysis_dt=start,
        end_analysis_dt=end,
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
    summaries = summarize(bydt, stationary_stats=False)["nonstationary"]
    prefix = f"{group}_" if group else ""
    out.mkdir(parents=True, exist_ok=True)
    bydt[f"{prefix}datetime"].reset_index().to_csv(out / "bydatetime.csv", index=False)
    for measure, frame in summaries[f"{prefix}dow_binofday"].items():
        frame.to_csv(out / f"summary_{measure}.csv")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input")
    parser.add_argument("--bin-minutes", type=int, default=30)
    parser.add_argument("--from", dest="start", required=True)
    parser.add_argument("--to", dest="end", required=True)
    parser.add_argument("--group-col", default=None)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    run(Path(args.input), args.bin_minutes, args.start, args.end, args.group_col, Path(args.out))


if __name__ == "__main__":
    main()
