"""Wall time of the whole pipeline against its floor.

The floor is what any papermill pipeline of this shape pays regardless of our code: starting a kernel and
importing the same libraries, once per notebook. Target (issue 2): a full `dvc repro --force` on the demo data
takes no more than 1.5x the floor. Also times the no-op `dvc repro` (target < 2 s).

    .venv/bin/python benchmarks/bench_pipeline.py [--runs 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
IMPORTS = """\
import json, hashlib
from pathlib import Path
import numpy as np
import pandas as pd
import pyarrow
import scipy.stats
import matplotlib
import matplotlib.pyplot as plt
import seaborn as sns
import statsmodels.api as sm
import holidays
import attendance
"""


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "DVC_NO_ANALYTICS": "1",
        "MPLBACKEND": "Agg",
    }


def timed(args: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(args, cwd=cwd, env=_env(), check=True, capture_output=True)
    return time.perf_counter() - start


def _floor_notebook(folder: Path) -> Path:
    """A notebook whose only cell imports what the pipeline's notebooks import."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(IMPORTS)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    source = folder / "floor.ipynb"
    nbformat.write(nb, source)
    return source


def floor_seconds(notebooks: int) -> float:
    import papermill as pm

    with tempfile.TemporaryDirectory() as tmp:
        source = _floor_notebook(Path(tmp))
        start = time.perf_counter()
        for index in range(notebooks):
            pm.execute_notebook(
                str(source), str(Path(tmp) / f"out{index}.ipynb"), progress_bar=False, cwd=str(ROOT)
            )
        return time.perf_counter() - start


def floor_cli_seconds(notebooks: int) -> float:
    """The same floor as separate `papermill` processes, one per notebook — the shape of a DVC pipeline,
    where every stage is its own process and pays its own imports."""
    with tempfile.TemporaryDirectory() as tmp:
        source = _floor_notebook(Path(tmp))
        start = time.perf_counter()
        for index in range(notebooks):
            subprocess.run(
                [
                    str(BIN / "papermill"),
                    "--no-progress-bar",
                    str(source),
                    str(Path(tmp) / f"out{index}.ipynb"),
                ],
                cwd=ROOT,
                env=_env(),
                check=True,
                capture_output=True,
            )
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    notebooks = len(list((ROOT / "notebooks").glob("*.ipynb")))
    dvc = str(BIN / "dvc")

    full = [timed([dvc, "repro", "--force"], ROOT) for _ in range(args.runs)]
    noop = [timed([dvc, "repro"], ROOT) for _ in range(3)]
    floors = [floor_seconds(notebooks) for _ in range(args.runs)]
    cli_floors = [floor_cli_seconds(notebooks) for _ in range(args.runs)]

    full_s, floor_s = statistics.median(full), statistics.median(floors)
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print(f"{'measure':<46}{'seconds':>10}")
    print(f"{'dvc repro --force (full pipeline, demo data)':<46}{full_s:>10.1f}")
    print(f"{f'floor: papermill import-only notebook x {notebooks}':<46}{floor_s:>10.1f}")
    cli_s = statistics.median(cli_floors)
    print(f"{f'floor: papermill CLI process x {notebooks}':<46}{cli_s:>10.1f}")
    print(f"{'ratio full / floor (target <= 1.5)':<46}{full_s / floor_s:>10.2f}")
    print(f"{'ratio full / CLI floor':<46}{full_s / cli_s:>10.2f}")
    print(f"{'dvc repro, nothing changed (target < 2 s)':<46}{statistics.median(noop):>10.2f}")


if __name__ == "__main__":
    main()
