"""The issue's speed table, measured as a user runs it: each row a whole process (or process tree), wall time
and peak RSS of the tree, median of 3 (`measure.py`).

Rows: `attendance occupancy` on 600,000 edge-heavy visits (CSV, 30-minute slots, 26 weeks) against hillmaker
0.8 on the same file, with the parity of the two; `attendance occupancy` on 10 million visits; optionally
`attendance clean` on 10 million synthetic visits (`--clean`) and the out-of-core point, 50 million visits
from a folder of Parquet files (`--out-of-core`). The pipeline rows (staffing scenario, full repro) are in
`bench_turnaround.py` because they need a throwaway copy of the project.

    nice -n 5 .venv/bin/python benchmarks/bench_table.py [--data DIR] [--clean] [--out-of-core] [--repeat 3]
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import BIN, GIB, load, median_run  # noqa: E402
from visits_data import WINDOW, write_visits  # noqa: E402

HERE = Path(__file__).resolve().parent
OCCUPANCY = ["--start-col", "arrive", "--end-col", "depart", "--bin-minutes", "30"]
OCCUPANCY += ["--from", WINDOW[0], "--to", WINDOW[1], "--group-col", "offer_id"]


def _occupancy_cmd(source: Path, out: Path) -> list[str]:
    return [
        str(BIN / "attendance"),
        "occupancy",
        str(source),
        *OCCUPANCY,
        "--out",
        str(out / "summary.csv"),
    ] + [
        "--bydatetime",
        str(out / "bydatetime.csv"),
    ]


def _read(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def parity(ours: Path, theirs: Path) -> float:
    """Largest |difference| between our and hillmaker's by-datetime measures and summary statistics."""
    worst = 0.0
    mine = {(r["offer_id"], r["datetime"]): r for r in _read(ours / "bydatetime.csv")}
    hm = _read(theirs / "bydatetime.csv")
    assert len(mine) == len(hm), (len(mine), len(hm))
    for row in hm:
        own = mine[(row["offer_id"], row["datetime"])]
        for measure in ("arrivals", "departures", "occupancy"):
            worst = max(worst, abs(float(own[measure]) - float(row[measure])))
    summary = {
        (r["measure"], r["offer_id"], r["day_of_week"], r["bin_of_day"]): r
        for r in _read(ours / "summary.csv")
    }
    stats = {"count": "count", "mean": "mean", "min": "min", "max": "max", "stdev": "stdev"}
    stats |= {f"p{p}": f"p{p}" for p in (25, 50, 75, 95, 99)}
    for measure in ("arrivals", "departures", "occupancy"):
        for row in _read(theirs / f"summary_{measure}.csv"):
            own = summary[(measure, row["offer_id"], row["day_of_week"], row["bin_of_day"])]
            for ours_name, theirs_name in stats.items():
                a, b = float(own[ours_name] or "nan"), float(row[theirs_name] or "nan")
                if not (np.isnan(a) and np.isnan(b)):
                    worst = max(worst, abs(a - b))
    return worst


def row(name: str, seconds: float, peak: int, note: str = "") -> str:
    line = f"| {name} | {seconds:.2f} s | {peak / GIB:.2f} GiB | {note} |"
    print(line, flush=True)
    return line


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="keep the generated inputs here (default: a temp dir)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--small", type=int, default=600_000)
    parser.add_argument("--big", type=int, default=10_000_000)
    parser.add_argument("--skip-hillmaker", action="store_true")
    parser.add_argument(
        "--clean", action="store_true", help="also `attendance clean` on 10 M synthetic visits"
    )
    parser.add_argument("--out-of-core", type=int, default=0, help="also N visits from a Parquet folder")
    args = parser.parse_args()
    data = Path(args.data) if args.data else Path(tempfile.mkdtemp(prefix="bench_table_"))
    data.mkdir(parents=True, exist_ok=True)
    print(f"machine: {load()} before; data in {data}")
    print("| work | wall (median of 3) | peak RSS of the tree | note |\n|---|---|---|---|")

    small = data / f"visits_{args.small}.csv"
    if not small.exists():
        write_visits(small, args.small)
    ours, _ = median_run(_occupancy_cmd(small, data / "ours_small"), repeat=args.repeat)
    if not args.skip_hillmaker:
        cmd = [sys.executable, str(HERE / "hillmaker_run.py"), str(small), "--bin-minutes", "30"]
        cmd += [
            "--from",
            WINDOW[0],
            "--to",
            WINDOW[1],
            "--group-col",
            "offer_id",
            "--out",
            str(data / "hm_small"),
        ]
        theirs, _ = median_run(cmd, repeat=args.repeat)
        diff = parity(data / "ours_small", data / "hm_small")
        row(f"hillmaker 0.8 on {args.small:,} edge-heavy visits", theirs.seconds, theirs.peak_bytes)
        note = f"{theirs.seconds / ours.seconds:.1f}× hillmaker; parity max |diff| {diff:.1e}"
    else:
        note = ""
    row(f"`attendance occupancy`, {args.small:,} edge-heavy visits", ours.seconds, ours.peak_bytes, note)

    big = data / f"visits_{args.big}.csv"
    if not big.exists():
        write_visits(big, args.big)
    result, _ = median_run(_occupancy_cmd(big, data / "ours_big"), repeat=args.repeat)
    row(f"`attendance occupancy`, {args.big:,} visits (CSV)", result.seconds, result.peak_bytes)

    if args.clean:
        raw = data / "synth_10m"
        if not (raw / "dataset.yaml").exists():
            median_run([str(BIN / "attendance"), "synth", str(raw), "--visits", "10000000"], repeat=1)
        cmd = [str(BIN / "attendance"), "clean", str(raw), str(data / "clean_out" / "processed")]
        result, _ = median_run(cmd, repeat=args.repeat)
        row("`attendance clean`, 10,000,000 synthetic visits", result.seconds, result.peak_bytes)

    if args.out_of_core:
        folder = data / f"parquet_{args.out_of_core}"
        if not folder.exists():
            write_visits(folder, args.out_of_core, parquet_parts=max(1, args.out_of_core // 5_000_000))
        result, _ = median_run(_occupancy_cmd(folder, data / "ours_ooc"), repeat=args.repeat)
        row(
            f"`attendance occupancy`, {args.out_of_core:,} visits (Parquet folder)",
            result.seconds,
            result.peak_bytes,
        )
    print(f"machine: {load()} after")
    return 0


if __name__ == "__main__":
    sys.exit(main())
