"""`attendance synth --visits N`: wall time and peak memory of writing the benchmark-scale raw data.

Target (brief): 10 million visits in under about 2 minutes and a few GB. Each size runs in a fresh subprocess so
its peak resident memory (ru_maxrss of the child) is measured.

    .venv/bin/python benchmarks/bench_synth.py [--sizes 1000000,10000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(size: int, out: Path) -> tuple[float, float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "attendance", "synth", str(out), "--visits", str(size)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux; max over children so far
    size_bytes = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return seconds, max(peak, before) / 1024 / 1024, size_bytes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--keep", default=None, help="write into this folder and keep the data")
    args = parser.parse_args()
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench_synth_"))
    print(f"{'visits':>12} {'wall s':>8} {'peak GiB':>9} {'on disk MB':>11}")
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            seconds, gib, size_bytes = run(size, root / f"synth_{size}")
            print(f"{size:>12} {seconds:>8.1f} {gib:>9.2f} {size_bytes / 1e6:>11.0f}", flush=True)
            if not args.keep:
                shutil.rmtree(root / f"synth_{size}")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
