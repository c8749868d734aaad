"""Whole-process measurement shared by the benchmarks: wall time and peak RSS of the process tree, median of 3.

Why the tree: `dvc repro` and papermill start kernels and subprocesses; the memory a user's machine needs is
the sum over all of them at the worst moment, which `ru_maxrss` (one process, or the largest child) misses.
RSS is sampled every 20 ms with psutil, so a peak shorter than that can be missed (noted in the README).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

BIN = Path(sys.executable).parent
GIB = 1024**3


@dataclass
class Run:
    seconds: float
    peak_bytes: int


def environment() -> dict[str, str]:
    return {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "DVC_NO_ANALYTICS": "1",
        "MPLBACKEND": "Agg",
    }


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


def run_once(cmd: list[str], cwd: Path | None = None, interval: float = 0.02) -> Run:
    """Run `cmd` to the end; its wall time and the peak of the summed RSS of it and its descendants."""
    started = time.perf_counter()
    child = subprocess.Popen(
        cmd, cwd=cwd, env=environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    process = psutil.Process(child.pid)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            try:
                peak = max(peak, _tree_rss(process))
            except psutil.NoSuchProcess:
                return
            time.sleep(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = child.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if child.returncode != 0:
        raise RuntimeError(
            f"{' '.join(map(str, cmd))} failed ({child.returncode}):\n{out[-2000:]}\n{err[-2000:]}"
        )
    return Run(seconds, peak)


def median_run(cmd: list[str], cwd: Path | None = None, repeat: int = 3) -> tuple[Run, list[Run]]:
    """Median wall time and median peak over `repeat` runs (each its own process), and the runs."""
    runs = [run_once(cmd, cwd) for _ in range(repeat)]
    return Run(
        statistics.median(r.seconds for r in runs), int(statistics.median(r.peak_bytes for r in runs))
    ), runs


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"
