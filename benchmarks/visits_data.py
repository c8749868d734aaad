"""Benchmark input: edge-heavy visit files (CSV or Parquet) for `attendance occupancy` and hillmaker.

Why edge-heavy: the cost and the risk of an occupancy engine are in the edges — stays that cross slot and day
boundaries, start before or end after the window, last zero seconds, sit exactly on a slot edge or lack an end.
Times have whole seconds, as exports from registration systems do. No stay leaves in the window's very last
second (hillmaker drops such a stay's occupancy, a known divergence; see tests/test_occupancy.py).

    .venv/bin/python benchmarks/visits_data.py OUT.csv --visits 600000 [--parquet-parts N]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

WINDOW = ("2026-01-05", "2026-07-05")  # 26 weeks, Monday to Sunday
_S = 1_000_000_000


def edge_heavy_table(n: int, seed: int = 2026) -> pa.Table:
    """n visits (arrive, depart as timestamp[s], offer_id) over WINDOW with the edge cases above."""
    rng = np.random.default_rng(seed)
    start = np.datetime64(WINDOW[0], "s").astype(np.int64)
    end = (np.datetime64(WINDOW[1], "s") + np.timedelta64(1, "D")).astype(np.int64)
    span = end - start
    arrive = start + rng.integers(-36 * 3600, span, n)  # some start up to 1.5 days before the window
    kind = rng.random(n)
    stay = rng.integers(60, 8 * 3600, n)  # most stay 1 min – 8 h
    stay = np.where(kind < 0.15, rng.integers(8 * 3600, 72 * 3600, n), stay)  # multi-day stays
    stay[kind > 0.95] = 0  # zero-length
    aligned = rng.random(n) < 0.2  # arrivals exactly on a quarter-hour edge
    arrive = np.where(aligned, arrive - arrive % 900, arrive)
    depart = arrive + stay
    depart = np.where((depart >= end - 1) & (depart < end), end, depart)
    missing = rng.random(n) < 0.02
    offers = np.array(["auc", "no17"])[rng.integers(0, 2, n)]
    return pa.table(
        {
            "arrive": pa.array(arrive.astype("datetime64[s]")),
            "depart": pa.array(depart.astype("datetime64[s]"), mask=missing),
            "offer_id": pa.array(offers),
        }
    )


def write_visits(path: Path, n: int, seed: int = 2026, parquet_parts: int = 1) -> Path:
    """Write n visits as CSV (ISO timestamps) or as Parquet (one file, or a folder of `parquet_parts` files)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".csv":
        chunk = 2_000_000
        with pacsv.CSVWriter(path, edge_heavy_table(0).schema) as writer:
            for part, first in enumerate(range(0, n, chunk)):
                writer.write_table(edge_heavy_table(min(chunk, n - first), seed=seed + part))
        return path
    if parquet_parts == 1:
        pq.write_table(edge_heavy_table(n, seed), path, row_group_size=1_000_000)
        return path
    path.mkdir(parents=True, exist_ok=True)
    per_part = -(-n // parquet_parts)
    for part in range(parquet_parts):
        size = min(per_part, n - part * per_part)
        table = edge_heavy_table(size, seed=seed + part)
        pq.write_table(table, path / f"part-{part:03d}.parquet", row_group_size=1_000_000)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--visits", type=int, default=600_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--parquet-parts", type=int, default=1)
    args = parser.parse_args()
    print(write_visits(Path(args.out), args.visits, args.seed, args.parquet_parts))


if __name__ == "__main__":
    main()
