"""`attendance occupancy` on files: Arrow fast path vs the tolerant fallback, chunks vs one pass, the CSV bytes
pandas would write, Parquet files and folders, and the one-line errors."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import attendance.demand.occupancy_io as occupancy_io
from attendance.demand.occupancy import OccupancyAccumulator, occupancy_by_datetime, summarize
from attendance.demand.occupancy_io import run_occupancy_files, timestamps, write_csv
from attendance.errors import InputError

WINDOW = ("2026-03-02", "2026-03-29")


def _visits(seed: int, n: int = 3000) -> pd.DataFrame:
    """Second-level stops across slot, day and window edges, zero-length and missing ends, two groups."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp(WINDOW[0])
    span = 28 * 86400
    arrive = start + pd.to_timedelta(rng.integers(-40 * 3600, span, n), unit="s")
    stay = rng.integers(0, 30 * 3600, n)
    stay[rng.random(n) < 0.05] = 0
    depart = pd.Series(arrive + pd.to_timedelta(stay, unit="s"))
    depart[rng.random(n) < 0.03] = pd.NaT
    # hillmaker's last-second quirk is covered in test_occupancy.py; keep such stops out of these files
    last = start + pd.Timedelta(days=28)
    depart = depart.where(~((depart >= last - pd.Timedelta(seconds=1)) & (depart < last)), last)
    groups = rng.choice(["b, quoted", "a", 'c"'], n)
    return pd.DataFrame({"arrive": arrive, "depart": depart.to_numpy(), "group": groups})


def _expected(frame: pd.DataFrame, tmp_path, bin_minutes=30, group="group"):
    """What the pandas path writes: occupancy_by_datetime + summarize + to_csv."""
    table = occupancy_by_datetime(frame, "arrive", "depart", bin_minutes, *WINDOW, group_col=group)
    summary_path, table_path = tmp_path / "expected_summary.csv", tmp_path / "expected_table.csv"
    summarize(table).to_csv(summary_path, index=False)
    table.to_csv(table_path, index=False)
    return summary_path.read_bytes(), table_path.read_bytes()


def _run(path, tmp_path, bin_minutes=30, group="group", name="got"):
    out, table = tmp_path / f"{name}_summary.csv", tmp_path / f"{name}_table.csv"
    message = run_occupancy_files(path, "arrive", "depart", bin_minutes, *WINDOW, group, out, table)
    return out.read_bytes(), table.read_bytes(), message


@pytest.mark.parametrize(("bin_minutes", "group"), [(30, "group"), (60, None), (15, "group"), (1440, None)])
def test_csv_fast_path_writes_the_bytes_of_the_pandas_path(tmp_path, bin_minutes, group):
    frame = _visits(1)
    path = tmp_path / "visits.csv"
    frame.to_csv(path, index=False)
    expected = _expected(pd.read_csv(path), tmp_path, bin_minutes, group)
    summary, table, message = _run(path, tmp_path, bin_minutes, group)
    assert (summary, table) == expected
    assert f"from {len(frame)} visits" in message and "\n" not in message


def test_chunks_give_the_same_bits_as_one_pass(tmp_path, monkeypatch):
    frame = _visits(2, n=5000)
    path = tmp_path / "visits.csv"
    frame.to_csv(path, index=False)
    whole = _run(path, tmp_path, name="whole")
    monkeypatch.setattr(occupancy_io, "CSV_BLOCK_BYTES", 4096)  # ≈ 60 visits per batch, groups appear late
    chunked = _run(path, tmp_path, name="chunked")
    assert chunked[:2] == whole[:2]


def test_accumulator_chunks_equal_one_pass_bitwise():
    frame = _visits(3, n=4000)
    start, end = frame["arrive"].to_numpy("datetime64[ns]"), frame["depart"].to_numpy("datetime64[ns]")
    one, many = OccupancyAccumulator(15, *WINDOW), OccupancyAccumulator(15, *WINDOW)
    keep = one.overlapping(start, end)
    one.add(start[keep], end[keep])
    for part in np.array_split(np.arange(len(start)), 7):
        kept = part[many.overlapping(start[part], end[part])]
        many.add(start[kept], end[kept])
    for a, b in zip(one.result(), many.result(), strict=True):
        assert a.tobytes() == b.tobytes()


def test_fallback_text_matches_pandas_and_uses_arrow_for_iso(tmp_path):
    """Day-first and padded values send the file down the text path; results equal the pandas path."""
    frame = _visits(4, n=600)
    text = frame.copy()
    text["arrive"] = text["arrive"].dt.strftime("%Y-%m-%d %H:%M:%S")
    text.loc[::7, "arrive"] = frame["arrive"][::7].dt.strftime("%d-%m-%Y %H:%M:%S")  # pandas' day-first rule
    text.loc[::11, "arrive"] = " " + frame["arrive"][::11].dt.strftime("%Y-%m-%dT%H:%M:%S") + " "
    text.loc[::13, "arrive"] = frame["arrive"][::13].dt.strftime("%Y-%m-%d %H:%M:%S.%f")
    path = tmp_path / "visits.csv"
    text.to_csv(path, index=False, sep=";")
    expected = _expected(pd.read_csv(path, sep=";"), tmp_path)
    assert _run(path, tmp_path)[:2] == expected


def test_timestamps_sends_only_non_iso_values_to_the_tolerant_rules(monkeypatch):
    calls = []
    import attendance.demand.occupancy_io as occupancy_io

    original = occupancy_io.tolerant_parse
    monkeypatch.setattr(
        occupancy_io, "tolerant_parse", lambda text: calls.append(list(text)) or original(text)
    )
    values = pa.array(
        ["2026-03-02 09:00:00", "2026-03-02T10:30", " 2026-03-02 ", "2/3/2026 09:30", None, "", "x"]
    )
    parsed, bad, _ = timestamps(values)
    assert calls == [["2/3/2026 09:30", "x"]]
    assert list(bad) == [False, False, False, False, False, False, True]
    assert parsed[0] == np.datetime64("2026-03-02T09:00") and parsed[1] == np.datetime64("2026-03-02T10:30")
    assert parsed[2] == np.datetime64("2026-03-02") and parsed[3] == np.datetime64("2026-03-02T09:30")
    assert np.isnat(parsed[4]) and np.isnat(parsed[5])


def test_fast_path_does_not_import_pandas(tmp_path):
    path = tmp_path / "visits.csv"
    _visits(5, n=200).to_csv(path, index=False)
    code = (
        "import sys; from attendance.pipeline.cli import main; "
        f"main(['occupancy', {str(path)!r}, '--start-col', 'arrive', '--end-col', 'depart', '--bin-minutes', '30', "
        f"'--from', '2026-03-02', '--to', '2026-03-29', '--group-col', 'group', '--out', {str(tmp_path / 'o.csv')!r}]); "
        "print('pandas' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_parquet_file_and_folder_equal_the_csv(tmp_path):
    frame = _visits(6, n=4000)
    csv_path = tmp_path / "visits.csv"
    frame.to_csv(csv_path, index=False)
    from_csv = _run(csv_path, tmp_path, name="csv")
    single = tmp_path / "visits.parquet"
    frame.to_parquet(single)
    assert _run(single, tmp_path, name="single")[:2] == from_csv[:2]
    folder = tmp_path / "parts"
    (folder / "month=03").mkdir(parents=True)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for i, part in enumerate(np.array_split(np.arange(len(frame)), 3)):
        pq.write_table(table.take(part), folder / "month=03" / f"part-{i}.parquet", row_group_size=500)
    assert _run(folder, tmp_path, name="folder")[:2] == from_csv[:2]


def test_parquet_time_zone_is_read_as_wall_clock_like_pandas(tmp_path):
    frame = _visits(7, n=300)
    aware = frame.assign(
        arrive=frame["arrive"].dt.tz_localize("Europe/Copenhagen", ambiguous="NaT", nonexistent="NaT"),
        depart=frame["depart"].dt.tz_localize("Europe/Copenhagen", ambiguous="NaT", nonexistent="NaT"),
    )
    path = tmp_path / "aware.parquet"
    aware.to_parquet(path)
    expected = _expected(pd.read_parquet(path), tmp_path)
    assert _run(path, tmp_path)[:2] == expected


def test_numeric_group_labels_sort_and_print_as_pandas_does(tmp_path):
    frame = _visits(8, n=500).assign(group=lambda f: np.where(f.index % 3 == 0, 10, 2))
    path = tmp_path / "visits.csv"
    frame.to_csv(path, index=False)
    assert _run(path, tmp_path)[:2] == _expected(pd.read_csv(path), tmp_path)


def test_write_csv_matches_pandas_to_csv(tmp_path):
    columns = {
        "s": np.array(["a", "b,c", 'd"e', "", None], dtype=object),
        "f": np.array([0.1, np.nan, 1e-5, 1e16, -0.0]),
        "i": np.array([1, -2, 3, 0, 5]),
        "t": np.array(["2026-03-02T09:30", "2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05"], "M8[ns]"),
        "d": np.array(["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06"], "M8[ns]"),
    }
    write_csv(tmp_path / "ours.csv", columns)
    pd.DataFrame(columns).to_csv(tmp_path / "pandas.csv", index=False)
    assert (tmp_path / "ours.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()


@pytest.mark.parametrize(
    ("lines", "fragment", "row", "column"),
    [
        (
            ["s,e", "2026-03-02 09:00,2026-03-02 10:00", "2026-03-02 11:00,kl. elleve"],
            "cannot read 1",
            3,
            "e",
        ),
        (["s,e", "x,2026-03-02 10:00", "y,z"], "cannot read 2 timestamp(s), first 'x'", 2, "s"),
        (
            ["s;e", "2026-03-02 09:00;2026-03-02 10:00", "2026-03-02 12:00;2026-03-02 11:00"],
            "end before",
            3,
            "e",
        ),
        (["s,x", "2026-03-02 09:00,2026-03-02 10:00"], "no column 'e'", None, "e"),
    ],
)
def test_errors_name_file_row_and_column(tmp_path, lines, fragment, row, column):
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        run_occupancy_files(path, "s", "e", 60, "2026-03-02", "2026-03-08", None, tmp_path / "o.csv", None)
    error = info.value
    assert fragment in error.message and error.row == row and error.column == column
    assert error.file == str(path)


def test_error_counts_span_batches_and_name_the_first_row(tmp_path, monkeypatch):
    monkeypatch.setattr(occupancy_io, "CSV_BLOCK_BYTES", 1024)
    good = "2026-03-02 09:00,2026-03-02 10:00"
    lines = ["s,e"] + [good] * 100 + ["2026-03-02 12:00,2026-03-02 11:00"] + [good] * 100
    lines += ["2026-03-03 12:00,2026-03-03 11:00"]
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        run_occupancy_files(path, "s", "e", 60, "2026-03-02", "2026-03-08", None, tmp_path / "o.csv", None)
    assert info.value.message.startswith("2 visit(s) end before they start") and info.value.row == 102


def test_missing_group_is_an_error(tmp_path):
    path = tmp_path / "visits.csv"
    path.write_text("s,e,g\n2026-03-02 09:00,2026-03-02 10:00,\n", encoding="utf-8")
    with pytest.raises(InputError, match="1 visits have no g"):
        run_occupancy_files(path, "s", "e", 60, "2026-03-02", "2026-03-08", "g", tmp_path / "o.csv", None)
