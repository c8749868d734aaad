"""Clean-stage benchmark: 1 and 10 million synthetic visits in the long CSV layout, wall time and peak memory.

Target (docs): 10 million rows in under 60 s and under 4 GiB on 2 cores. The clean stage runs in a fresh
subprocess (`python -m attendance clean`) so that its peak resident memory (ru_maxrss of that child) is
measured, which tracemalloc cannot do for numpy/pyarrow buffers. CPU seconds and the load average before the run
are printed too: on a shared machine wall time says more about the neighbours than about the code.

    .venv/bin/python benchmarks/bench_clean.py [--sizes 1000000,10000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

OFFERS_YAML = """\
offers:
  auc:
    name: AUC
    aliases: [AUC, A.U.C., auc grenaa]
    approved_places: 30
    opening_hours: {mandag: [["09:00", "15:00"]], tirsdag: [["09:00", "15:00"]], onsdag: [["09:00", "15:00"]],
                    torsdag: [["09:00", "15:00"]], fredag: [["09:00", "13:00"]]}
    closed_dates: [2026-04-30]
    staff_and_volunteers: [Ida Personale]
  no17:
    name: No. 17
    aliases: [No 17, Nr. 17, no17, nr17]
    approved_places: null
    opening_hours: {mandag: [["10:00", "14:00"]], onsdag: [["10:00", "14:00"]], torsdag: [["10:00", "14:00"]]}
    staff_and_volunteers: []
"""
DATASET_YAML = """\
name: bench
synthetic: true
period_start: 2026-03-02
period_end: 2026-05-29
description: benchmark data (synthetic)
"""


def write_local_dataset(root: Path, visits: int, seed: int = 7) -> Path:
    """The long CSV layout of docs/raw_format.md with the usual defects, one file per offer and month."""
    rng = np.random.default_rng(seed)
    raw = root / "raw"
    (raw / "registrations").mkdir(parents=True, exist_ok=True)
    (raw / "dataset.yaml").write_text(DATASET_YAML, encoding="utf-8")
    (raw / "offers.yaml").write_text(OFFERS_YAML, encoding="utf-8")
    (raw / "demo_pseudonym.key").write_text("bench-demo-key-0123456789abcdef\n", encoding="utf-8")
    citizens = [f"Borger {i:03d}" for i in range(400)]
    lines = ["Tilbud;Navn;Visiteret fra;Visiteret til"]
    lines += [f"{'AUC' if i % 4 else 'No 17'};{name};01-01-2026;" for i, name in enumerate(citizens)]
    (raw / "referrals.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    days = pd.date_range("2026-03-02", "2026-05-29", freq="D")
    date_formats = np.array(["%d-%m-%Y", "%d/%m/%y", "%d.%m.%Y", "%Y-%m-%d"])
    time_in_text = np.array(["9.30", "09:30", "930", "kl. 10", "10", "0,4375", "11:15", "12", "9"])
    time_out_text = np.array(["14", "14:30", "1500", "13.45", "", "12:00", "8", "15.30", "23"])
    comments = np.array(
        ["", "", "", "", "tur til stranden", "spiste frokost", "Djurs Sommerland", "personale"]
    )
    per_file = max(1, visits // 6)
    written = 0
    for offer, label in (("auc", "AUC"), ("no17", "Nr17")):
        for month in (3, 4, 5):
            n = min(per_file, visits - written) if (offer, month) != ("no17", 5) else visits - written
            month_days = days[days.month == month]
            day = month_days[rng.integers(0, len(month_days), n)]
            fmt = date_formats[rng.integers(0, len(date_formats), n)]
            date_text = np.empty(n, dtype=object)
            for f in date_formats:
                mask = fmt == f
                date_text[mask] = day[mask].strftime(f)
            frame = pd.DataFrame(
                {
                    "Dato": date_text,
                    "Navn": np.array(citizens, dtype=object)[rng.integers(0, len(citizens), n)],
                    "Ind": time_in_text[rng.integers(0, len(time_in_text), n)],
                    "Ud": time_out_text[rng.integers(0, len(time_out_text), n)],
                    "Bemærkning": comments[rng.integers(0, len(comments), n)],
                }
            )
            path = raw / "registrations" / f"{label}_2026-{month:02d}.csv"
            with open(path, "w", encoding="cp1252", newline="") as handle:
                handle.write(f"Fremmøde {label} {month:02d}-2026;;;;\n")
                frame.to_csv(handle, sep=";", index=False, lineterminator="\n")
            written += n
    return raw


def make_dataset(root: Path, visits: int) -> Path:
    try:
        from attendance.synth import write_raw_dataset
    except ImportError:
        return write_local_dataset(root, visits)
    raw = root / "raw"
    write_raw_dataset(raw, visits=visits)
    return raw


_CHILD = """
import resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:]).returncode
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{code} {wall:.3f} {usage.ru_maxrss} {usage.ru_utime + usage.ru_stime:.3f}")
"""


def run_clean(raw: Path, out: Path) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (GiB) and CPU seconds of one `attendance clean` run in its own process."""
    cmd = [
        sys.executable,
        "-c",
        _CHILD,
        sys.executable,
        "-m",
        "attendance",
        "clean",
        str(raw),
        str(out / "processed"),
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    last = result.stdout.strip().splitlines()[-1]
    code, wall, maxrss_kib, cpu = last.split()
    if code != "0":
        raise SystemExit(f"clean failed:\n{result.stdout}\n{result.stderr}")
    print("   ", result.stdout.strip().splitlines()[0])
    return float(wall), int(maxrss_kib) / 1024**2, float(cpu)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--keep", default=None, help="keep generated data in this folder")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench_clean_"))
    print(
        f"clean benchmark on {os.cpu_count()} cores ({'attendance.synth' if _has_synth() else 'local generator'})"
    )
    rows = []
    try:
        for size in sizes:
            folder = root / f"n{size}"
            started = time.perf_counter()
            raw = (
                folder / "raw" if (folder / "raw" / "dataset.yaml").is_file() else make_dataset(folder, size)
            )
            generated = time.perf_counter() - started
            load = os.getloadavg()[0]
            wall, peak, cpu = run_clean(raw, folder)
            rows.append(
                {
                    "visits": size,
                    "generate_s": round(generated, 1),
                    "clean_s": round(wall, 1),
                    "cpu_s": round(cpu, 1),
                    "peak_gib": round(peak, 2),
                    "load_before": round(load, 1),
                }
            )
            print(f"  {size:>11,} rows: clean {wall:6.1f} s wall ({cpu:.1f} s CPU), peak {peak:5.2f} GiB")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    print(pd.DataFrame(rows).to_string(index=False))
    return 0


def _has_synth() -> bool:
    try:
        import attendance.synth  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
