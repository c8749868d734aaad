"""Benchmark scale: about N visits of the same kinds of mess, vectorised, written as CSV chunks.

Why a module of its own: `attendance synth --visits N` produces millions of rows for the benchmarks of the
clean and occupancy stages, with numpy in O(visits) and no row loops; it is not calibrated to the
kommissorium.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .population import (
    CITIZEN_COMMENTS,
    FAKE_CPR,
    FIRST_NAMES,
    MIDDLE_NAMES,
    PERIOD_END,
    PERIOD_START,
    PLANS,
    STEP,
    SURNAMES,
    TRIP_COMMENT,
    TRIP_DATE,
    TRIP_TIMES,
    offers_config,
    opening_days,
)
from .sheets import format_date, format_time
from .writers import demo_key

SCALE_CHUNK_ROWS = 1_000_000
SCALE_SHARES = {"auc": 0.7, "no17": 0.3}
_SCALE_DATE_FORMATS = ["dmy_dash", "dot", "iso", "slash_yy", "dmy_dash_short"]
_SCALE_TIME_FORMATS = ["dot", "colon", "colon_short", "compact0", "kl"]


def scaled_names(n: int) -> np.ndarray:
    """n distinct fake names by mixed-radix decomposition of the index (vectorised, no lookups per row)."""
    i = np.arange(n, dtype=np.int64)
    f, m, s = len(FIRST_NAMES), len(MIDDLE_NAMES) + 1, len(SURNAMES)
    if n > f * m * s * (s + 1):
        raise ValueError(f"at most {f * m * s * (s + 1)} distinct scaled names")
    first = np.array(FIRST_NAMES, dtype=object)[i % f]
    middle = np.array(["", *[name + " " for name in MIDDLE_NAMES]], dtype=object)[(i // f) % m]
    surname = np.array(SURNAMES, dtype=object)[(i // (f * m)) % s]
    extra_index = i // (f * m * s)
    extra = np.array(["", *["-" + name for name in SURNAMES]], dtype=object)[extra_index % (s + 1)]
    return first + " " + middle + surname + extra


def write_scaled_dataset(out_dir: Path, seed: int, visits: int) -> str:
    """About `visits` visits of the two offers over the same period, as `;` CSV chunks with low-rate defects.

    Why no calibration here: this is for benchmarks (memory and time of the clean and occupancy stages), so
    the point is volume with the same kinds of mess, generated with numpy in O(visits) without row loops.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if visits < 100:
        raise ValueError("--visits must be at least 100")
    started = time.perf_counter()
    out_dir = Path(out_dir)
    reg_dir = out_dir / "registrations"
    reg_dir.mkdir(parents=True, exist_ok=True)
    for stale in reg_dir.iterdir():
        if stale.is_file() and stale.suffix in (".xlsx", ".csv"):
            stale.unlink()
    rng = np.random.default_rng([seed, 1000])
    offers = offers_config()
    all_days = pd.date_range(PERIOD_START, PERIOD_END, freq="D").date
    date_table = pa.array(
        [format_date(d, f) for f in _SCALE_DATE_FORMATS for d in all_days]
        + [format_date(TRIP_DATE, "dmy_dash")]
    )
    time_table = pa.array([format_time(m, f)[0] for f in _SCALE_TIME_FORMATS for m in range(1440)] + [None])
    no_time = len(time_table) - 1
    comment_table = pa.array([None, *CITIZEN_COMMENTS, TRIP_COMMENT, "frivillig"])
    n_citizens = int(min(max(visits // 20, 50), 2_000_000))
    files, total_rows, offset = 0, 0, 0
    referral_parts = []
    for plan in PLANS:
        share = SCALE_SHARES[plan.offer_id]
        n_visits = int(round(visits * share))
        n_cit = max(int(round(n_citizens * share)), 20)
        names = scaled_names(offset + int(n_cit * 1.15))[offset:]
        offset += len(names)
        days = opening_days(plan)
        day_pos = np.array([list(all_days).index(d) for d in days], dtype=np.int32)
        opens = np.array([plan.hours[d.weekday()][0] for d in days], dtype=np.int16)
        closes = np.array([plan.hours[d.weekday()][1] for d in days], dtype=np.int16)
        months = np.array([d.month for d in days], dtype=np.int8)

        day = np.sort(rng.integers(0, len(days), n_visits)).astype(np.int16)
        # distinct citizens within a day (mostly one visit per citizen-day): the k-th visit of day d is citizen
        # (offset_d + k * step) mod n_cit with step coprime to n_cit
        rank = np.arange(n_visits) - np.searchsorted(day, day, side="left")
        step = next(p for p in (7919, 104729, 1299709) if np.gcd(p, n_cit) == 1)
        offset_day = rng.integers(0, n_cit, len(days))
        citizen = ((offset_day[day] + rank.astype(np.int64) * step) % n_cit).astype(np.int32)
        open_, close = opens[day].astype(np.int32), closes[day].astype(np.int32)
        late = rng.random(n_visits) < 0.3
        arrive = np.where(late, rng.uniform(open_, close - 45), rng.normal(open_ + 75, 50))
        arrive = np.clip(np.floor(arrive / STEP) * STEP, open_, close - 30).astype(np.int32)
        stay = np.exp(rng.normal(np.log(plan.stay_median), 0.45, n_visits))
        stay = np.clip(np.round(stay / STEP) * STEP, 30, close - arrive).astype(np.int32)
        t_in, t_out = arrive, arrive + stay
        comment = np.where(
            rng.random(n_visits) < 0.1, rng.integers(1, 1 + len(CITIZEN_COMMENTS), n_visits), 0
        )

        # defects at low rates, all as masks over the visits
        u = rng.random(n_visits)
        swap = u < 0.003
        t_in, t_out = np.where(swap, t_out, t_in), np.where(swap, t_in, t_out)
        missing_out = (u >= 0.003) & (u < 0.005)
        early = (u >= 0.005) & (u < 0.008) & (t_in == open_)
        t_in = np.where(early, t_in - 15, t_in)
        name_code = citizen.astype(np.int64)
        variant = (u >= 0.008) & (u < 0.013)
        name_code = np.where(variant, name_code + len(names), name_code)
        t_out = np.where(missing_out, -1, t_out)
        date_fmt = rng.integers(0, len(_SCALE_DATE_FORMATS), n_visits)
        date_code = (date_fmt * len(all_days) + day_pos[day]).astype(np.int64)
        time_fmt = rng.integers(0, len(_SCALE_TIME_FORMATS), n_visits) * 1440

        dup = rng.random(n_visits) < 0.002  # exact duplicates: the same row again
        split = (rng.random(n_visits) < 0.002) & (stay >= 120) & ~swap & ~missing_out
        mid = (arrive + stay // 2) // STEP * STEP
        rows = {
            "day": np.concatenate([day, day[dup], day[split]]),
            "date": np.concatenate([date_code, date_code[dup], date_code[split]]),
            "name": np.concatenate([name_code, name_code[dup], name_code[split]]),
            "in": np.concatenate([t_in, t_in[dup], mid[split] - 15]),
            "out": np.concatenate([np.where(split, mid + 15, t_out), t_out[dup], t_out[split]]),
            "fmt": np.concatenate([time_fmt, time_fmt[dup], time_fmt[split]]),
            "comment": np.concatenate([comment, comment[dup], comment[split]]),
        }
        # staff rows, CPR typed as a name, a Saturday trip (closed day)
        n_staff, n_cpr, n_trip = (
            max(1, n_visits // 1000),
            max(1, n_visits // 50_000),
            max(2, n_visits // 5000),
        )
        extra_day = rng.integers(0, len(days), n_staff + n_cpr).astype(np.int16)
        trip_day = np.full(n_trip, -1, dtype=np.int16)
        staff_names = offers[plan.offer_id]["staff_and_volunteers"]
        name_extra = np.concatenate(
            [
                2 * len(names) + rng.integers(0, len(staff_names), n_staff),
                np.full(n_cpr, 2 * len(names) + len(staff_names)),
                rng.integers(0, n_cit, n_trip),
            ]
        )
        rows["day"] = np.concatenate([rows["day"], extra_day, trip_day])
        rows["date"] = np.concatenate(
            [rows["date"], day_pos[extra_day].astype(np.int64), np.full(n_trip, len(date_table) - 1)]
        )
        rows["name"] = np.concatenate([rows["name"], name_extra])
        rows["in"] = np.concatenate([rows["in"], opens[extra_day] - 30, np.full(n_trip, TRIP_TIMES[0])])
        rows["out"] = np.concatenate([rows["out"], closes[extra_day] + 30, np.full(n_trip, TRIP_TIMES[1])])
        rows["fmt"] = np.concatenate([rows["fmt"], np.zeros(n_staff + n_cpr + n_trip, dtype=np.int64)])
        rows["comment"] = np.concatenate(
            [
                rows["comment"],
                np.full(n_staff, len(comment_table) - 1),
                np.zeros(n_cpr, dtype=np.int64),
                np.full(n_trip, len(comment_table) - 2),
            ]
        )

        name_table = pa.array(
            np.concatenate(
                [names, np.char.upper(names.astype(str)).astype(object) + " ", staff_names, [FAKE_CPR]]
            )
        )
        row_month = np.where(rows["day"] >= 0, months[np.maximum(rows["day"], 0)], TRIP_DATE.month)
        order = np.lexsort((rows["in"], np.where(rows["day"] >= 0, day_pos[np.maximum(rows["day"], 0)], 999)))
        t_in_code = rows["fmt"] + rows["in"]
        t_out_code = np.where(rows["out"] < 0, no_time, rows["fmt"] + rows["out"])
        for month in sorted(set(row_month.tolist())):
            idx = order[row_month[order] == month]
            for part, lo in enumerate(range(0, len(idx), SCALE_CHUNK_ROWS), start=1):
                take = idx[lo : lo + SCALE_CHUNK_ROWS]
                table = pa.table(
                    {
                        "Dato": date_table.take(pa.array(rows["date"][take])),
                        "Navn": name_table.take(pa.array(rows["name"][take])),
                        "Ind": time_table.take(pa.array(t_in_code[take])),
                        "Ud": time_table.take(pa.array(t_out_code[take])),
                        "Bemærkning": comment_table.take(pa.array(rows["comment"][take])),
                    }
                )
                path = reg_dir / f"{plan.offer_id}_2026-{month:02d}_{part:03d}.csv"
                pacsv.write_csv(
                    table, path, write_options=pacsv.WriteOptions(delimiter=";", quoting_style="none")
                )
                with open(path, "a", encoding="utf-8", newline="") as handle:  # a blank row and a total row
                    handle.write(f";;;;\nI alt;;;;{len(take)} registreringer\n")
                files += 1
                total_rows += len(take)
        referred = int(round(len(names) * 0.75 / 1.15 + (len(names) - n_cit)))
        ref_index = np.concatenate([np.arange(int(n_cit * 0.75)), np.arange(n_cit, len(names))])[:referred]
        referral_parts.append(
            pd.DataFrame(
                {
                    "Tilbud": offers[plan.offer_id]["name"],
                    "Navn": names[ref_index],
                    "Visiteret fra": "01-01-2025",
                    "Visiteret til": "",
                    "Aldersgruppe": np.array(["18-29", "30-49", "50-64", "65+"])[ref_index % 4],
                }
            )
        )
    pd.concat(referral_parts).to_csv(out_dir / "referrals.csv", sep=";", index=False, encoding="utf-8")
    dataset = {
        "name": out_dir.name,
        "synthetic": True,
        "period_start": PERIOD_START,
        "period_end": PERIOD_END,
        "description": f"Syntetiske benchmarkdata, ca. {visits} besøg (attendance synth --visits, seed {seed}).",
    }
    (out_dir / "dataset.yaml").write_text(
        yaml.safe_dump(dataset, sort_keys=False, allow_unicode=True), "utf-8"
    )
    (out_dir / "offers.yaml").write_text(
        yaml.safe_dump({"offers": offers}, sort_keys=False, allow_unicode=True, width=110), encoding="utf-8"
    )
    (out_dir / "citizen_aliases.csv").write_text("variant;canonical\n", encoding="utf-8")
    (out_dir / "demo_pseudonym.key").write_text(demo_key(seed) + "\n", encoding="ascii")
    seconds = time.perf_counter() - started
    return (
        f"Wrote synthetic benchmark data (seed {seed}) to {out_dir}: {total_rows} raw rows for about {visits} visits "
        f"in {files} CSV files (long layout, ';', UTF-8), with low rates of swapped and missing times, early "
        f"arrivals, exact and overlapping duplicates, case variants, staff rows, CPR-in-name rows, blank and total "
        f"rows and a Saturday trip; {seconds:.1f} s. Not calibrated to the kommissorium."
    )
