"""The synthetic demo: exact calibration of the truth, every defect kind injected, determinism, no real data."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from attendance import synth
from attendance.pipeline.cli import main
from attendance.synth.defects import _alias_variant
from attendance.synth.writers import _FIXED_ZIP_TIME

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "raw" / "demo"
KOMMISSORIUM = {
    "auc": {"referred": 61, "mean": 18.5, "min": 11, "max": 29, "peak_max": 24, "peak_min": 5},
    "no17": {"referred": 18, "mean": 8.2, "min": 7, "max": 11, "peak_max": 11, "peak_min": 5},
}
CPR_LIKE = re.compile(r"(?<!\d)\d{6}-?\d{4}(?!\d)")


def truth_metrics(visits: pd.DataFrame, referrals: pd.DataFrame) -> dict[str, dict]:
    """The kommissorium's figures computed directly (sweep over arrivals and departures), independent of kpis."""
    out = {}
    for plan in synth.PLANS:
        days = pd.DatetimeIndex([pd.Timestamp(d) for d in synth.opening_days(plan)])
        own = visits[(visits["offer_id"] == plan.offer_id) & visits["date"].isin(days)]
        unique = own.groupby("date")["citizen"].nunique().reindex(days, fill_value=0)
        timed = own[own["granularity"] == "timed"]
        events = pd.concat(
            [
                pd.DataFrame({"date": timed["date"], "t": timed["start"], "d": 1}),
                pd.DataFrame({"date": timed["date"], "t": timed["end"], "d": -1}),
            ]
        ).sort_values(["date", "t", "d"])  # departures before arrivals at the same instant: [start, end)
        events["n"] = events.groupby("date")["d"].cumsum()
        peaks = events.groupby("date")["n"].max().reindex(days, fill_value=0)
        out[plan.offer_id] = {
            "referred": int((referrals["offer_id"] == plan.offer_id).sum()),
            "mean": float(unique.mean()),
            "min": int(unique.min()),
            "max": int(unique.max()),
            "peak_max": int(peaks.max()),
            "peak_min": int(peaks.min()),
        }
    return out


@pytest.fixture(scope="module")
def truth():
    return synth.generate_truth(2026)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    return out, synth.build_demo(out, 2026)


def test_truth_reproduces_the_kommissorium_exactly(truth):
    visits, referrals, _ = truth
    metrics = truth_metrics(visits, referrals)
    for offer_id, expected in KOMMISSORIUM.items():
        got = metrics[offer_id]
        assert got["mean"] == pytest.approx(expected["mean"], abs=1e-12), offer_id
        assert {k: v for k, v in got.items() if k != "mean"} == {
            k: v for k, v in expected.items() if k != "mean"
        }


def test_truth_agrees_with_headline_kpis(truth):
    """The same figures through the project's KPI module, with names standing in for citizen keys."""
    from attendance.demand import kpis

    visits, referrals, offers = truth
    offers_json = {
        oid: {
            **offer,
            "opening_hours": {
                str(synth.WEEKDAYS_DA.index(day)): hours for day, hours in offer["opening_hours"].items()
            },
            "closed_dates": [d.isoformat() for d in offer["closed_dates"]],
        }
        for oid, offer in offers.items()
    }
    offers_json["_dataset"] = {"period_start": "2026-03-02", "period_end": "2026-05-29"}
    result = kpis.headline_kpis(
        visits.rename(columns={"citizen": "citizen_key"}),
        referrals.rename(columns={"citizen": "citizen_key"}),
        offers_json,
    )
    for offer_id, expected in KOMMISSORIUM.items():
        got = result[offer_id]
        assert got["referred"] == expected["referred"]
        assert got["unique_per_day_mean"] == pytest.approx(expected["mean"], abs=1e-12)
        assert (got["unique_per_day_min"], got["unique_per_day_max"]) == (expected["min"], expected["max"])
        assert (got["peak_concurrent_max"], got["peak_concurrent_min"]) == (
            expected["peak_max"],
            expected["peak_min"],
        )


def test_truth_is_plausible(truth):
    visits, referrals, _ = truth
    timed = visits[visits["granularity"] == "timed"]
    stay = (timed["end"] - timed["start"]).dt.total_seconds() / 60
    assert stay.min() >= 30 and stay.max() <= 8 * 60
    open_days = visits[~visits["on_closed_day"]]
    for plan in synth.PLANS:
        own = open_days[(open_days["offer_id"] == plan.offer_id) & (open_days["granularity"] == "timed")]
        hours = np.array([plan.hours[d.weekday()] for d in own["date"]])
        start = (own["start"] - own["date"]).dt.total_seconds().to_numpy() / 60
        end = (own["end"] - own["date"]).dt.total_seconds().to_numpy() / 60
        assert (start >= hours[:, 0]).all() and (end <= hours[:, 1]).all(), "truth holds clipped times"
        referred = set(referrals.loc[referrals["offer_id"] == plan.offer_id, "citizen"])
        came = set(visits.loc[visits["offer_id"] == plan.offer_id, "citizen"])
        assert 2 <= len(referred - came) <= 15  # referred citizens who never came
        assert came - referred  # a few unreferred drop-ins
    # a citizen's visits on one day never overlap or touch (else the cleaner would merge them)
    ordered = timed.sort_values(["offer_id", "date", "citizen", "start"])
    same = (
        ordered[["offer_id", "date", "citizen"]]
        .eq(ordered[["offer_id", "date", "citizen"]].shift())
        .all(axis=1)
    )
    assert (ordered["start"][same] > ordered["end"].shift()[same]).all()
    assert set(visits.loc[visits["granularity"] == "day", "date"].dt.date) <= set(synth.TICK_WEEK)
    assert visits["on_closed_day"].sum() == visits["is_trip"].sum() > 0
    assert not visits["citizen"].str.contains(r"\d").any()


def test_missing_time_out_cannot_move_the_figures(truth):
    """Whatever imputation is chosen (closing time, median stay, quarantine), the figures stay the same."""
    visits, referrals, _ = truth
    expected = truth_metrics(visits, referrals)
    per_day = visits.groupby(["offer_id", "date", "citizen"])["start"].transform("size")
    minutes = (visits["start"] - visits["date"]).dt.total_seconds() / 60
    candidates = visits[
        (visits["offer_id"] == "auc")
        & (visits["date"].dt.month == 4)
        & (minutes == 870)
        & ((visits["end"] - visits["date"]).dt.total_seconds() / 60 == 900)
        & (per_day == 2)
    ]
    assert len(candidates) >= 1
    quarantined = visits.drop(index=candidates.index[0])
    assert truth_metrics(quarantined, referrals) == expected
    # closing time and median stay (capped at closing) both end at 15:00: the truth itself


def test_other_seed_also_calibrates():
    visits, referrals, _ = synth.generate_truth(7)
    metrics = truth_metrics(visits, referrals)
    assert metrics["auc"]["mean"] == 18.5 and metrics["no17"]["peak_max"] == 11


def _kinds(manifest: list[dict]) -> dict[str, set[str]]:
    kinds: dict[str, set[str]] = {}
    for item in manifest:
        kinds.setdefault(item["kind"], set()).add(item["detail"])
    return kinds


def test_every_defect_kind_of_the_design_is_injected(demo):
    _, build = demo
    kinds = _kinds(build.manifest)
    required = {
        "blank_row", "title_row", "header_row", "total_row", "staff_or_volunteer", "cpr_in_citizen",
        "time_out_before_time_in", "missing_time_out", "outside_opening_hours", "closed_day", "exact_duplicate",
        "overlapping_duplicate", "name_case_spacing", "name_alias", "initials", "offer_variant", "tick_list",
        "cp1252", "date_format", "time_format",
    }  # fmt: skip
    assert required <= set(kinds)
    assert {"dmy_dash", "slash_yy", "serial", "excel_date", "dot", "long_da", "wd_short"} <= kinds[
        "date_format"
    ]
    assert {"dot", "colon", "compact", "compact0", "kl", "excel_time", "fraction"} <= kinds["time_format"]
    offers_written = " ".join(kinds["offer_variant"])
    assert "No 17" in offers_written and "Nr. 17" in offers_written and "nr17" in offers_written


def _sheet_rows(out: Path, file: str, sheet: str | None) -> list[tuple]:
    path = out / "registrations" / file
    if sheet is None:
        text = path.read_bytes().decode("cp1252")
        return [tuple(r) for r in csv.reader(io.StringIO(text), delimiter=";")]
    return list(openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True))


def test_manifest_points_at_real_rows(demo):
    out, build = demo
    sheets: dict[tuple, list[tuple]] = {}
    for item in build.manifest:
        if item["row"] is None:
            continue
        where = (item["file"], item["sheet"])
        if where not in sheets:
            sheets[where] = _sheet_rows(out, *where)
        row = sheets[where][item["row"] - 1]
        cells = [c for c in row if c not in (None, "")]
        if item["kind"] == "blank_row":
            assert not cells
        elif item["kind"] == "total_row":
            assert "I alt" in cells
        elif item["kind"] == "cpr_in_citizen":
            assert synth.FAKE_CPR in cells
        elif item["kind"] == "missing_time_out":
            assert len(cells) == 3  # date, citizen, time in
        elif item["kind"] == "closed_day":
            assert synth.TRIP_COMMENT in cells
        elif item["kind"] == "header_row":
            assert "Tilbud" in cells and "Navn" in cells
        elif item["kind"] == "staff_or_volunteer":
            staff = {n for o in synth.offers_config().values() for n in o["staff_and_volunteers"]}
            assert staff & set(cells)


def test_tick_list_and_encodings(demo):
    out, _ = demo
    rows = _sheet_rows(out, "No 17 fremmoede marts 2026.xlsx", "No17 uge 12")
    assert rows[0][0] == "Navn" and len(rows[0]) == 6
    cells = [c for r in rows[1:] for c in r[1:] if c is not None]
    assert cells.count("10-14") == 1 and {"X", "x", "1"} <= set(cells)
    raw = (out / "registrations" / "AUC fremmoede maj 2026.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # really cp1252, with Danish letters
    text = raw.decode("cp1252")
    assert text.startswith("Tilbud;Dato;Navn") and "ø" in text and re.search(r";\d+,\d\d;", text)
    assert (out / "citizen_aliases.csv").read_text(encoding="utf-8").startswith("variant;canonical\n")


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path, demo):
    out, _ = demo
    again = tmp_path / "again"
    synth.build_demo(again, 2026)
    files = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    for rel in files:
        assert (out / rel).read_bytes() == (again / rel).read_bytes(), rel
    other = tmp_path / "other"
    synth.build_demo(other, 2027)
    for rel in files:
        if rel.parts[0] == "registrations" or rel.name in ("referrals.xlsx", "demo_pseudonym.key"):
            assert (out / rel).read_bytes() != (other / rel).read_bytes(), rel


def test_xlsx_timestamps_are_pinned(demo):
    out, _ = demo
    with zipfile.ZipFile(out / "referrals.xlsx") as archive:
        assert {info.date_time for info in archive.infolist()} == {_FIXED_ZIP_TIME}
        core = archive.read("docProps/core.xml").decode()
    assert "2026-06-01T00:00:00Z" in core


def test_committed_demo_is_what_the_generator_writes(demo):
    """data/raw/demo must be regenerated (`attendance synth data/raw/demo`) whenever the generator changes."""
    out, _ = demo
    committed = sorted(p.relative_to(DEMO) for p in DEMO.rglob("*") if p.is_file())
    assert committed == sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    for rel in committed:
        assert (DEMO / rel).read_bytes() == (out / rel).read_bytes(), rel
    assert sum((DEMO / rel).stat().st_size for rel in committed) < 1_000_000


def _all_text(out: Path) -> list[str]:
    texts = []
    for path in out.rglob("*"):
        if path.suffix == ".xlsx":
            for ws in openpyxl.load_workbook(path).worksheets:
                texts += [str(c) for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
        elif path.suffix == ".csv":
            raw = path.read_bytes()
            try:
                texts.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                texts.append(raw.decode("cp1252"))
        elif path.is_file() and path.suffix in (".yaml", ".key"):
            texts.append(path.read_text(encoding="utf-8"))
    return texts


def test_no_personal_data_beyond_the_fake_ones(demo):
    out, build = demo
    texts = _all_text(out)
    joined = "\n".join(texts).casefold()
    for person in synth.REAL_PEOPLE:
        assert person.casefold() not in joined
    cprs = {m for t in texts for m in CPR_LIKE.findall(t)}
    assert cprs == {synth.FAKE_CPR}
    # every citizen name in the registrations is built from the generator's fake name lists
    words = {w.casefold() for w in synth.FIRST_NAMES + synth.MIDDLE_NAMES + synth.SURNAMES}
    words |= {_alias_variant(s).casefold() for s in synth.SURNAMES if s.endswith("sen")}
    visits, referrals, offers = synth.generate_truth(2026)
    for name in pd.concat([visits["citizen"], referrals["citizen"]]).unique():
        assert {w.casefold() for w in name.split()} <= words, name
    initials = set(referrals["initials"])
    for file in (out / "registrations").glob("*.xlsx"):
        for ws in openpyxl.load_workbook(file).worksheets:
            header = None
            for row in ws.iter_rows(values_only=True):
                if header is None and row and row[0] in ("Dato", "Dag", "Navn", "Tilbud"):
                    header = [str(c) for c in row]
                    continue
                if header is None:
                    continue
                col = next((i for i, h in enumerate(header) if h in ("Navn", "Borger", "Initialer")), None)
                value = row[col] if col is not None and col < len(row) else None
                if not isinstance(value, str) or value in header or value == synth.FAKE_CPR:
                    continue
                assert value in initials or {w.casefold() for w in value.split()} <= words, value


def test_cli_writes_the_demo(tmp_path, capsys):
    assert main(["synth", str(tmp_path / "d"), "--seed", "2026"]) == 0
    summary = capsys.readouterr().out
    assert "18,5" in summary and "\n" not in summary.strip()
    assert (tmp_path / "d" / "dataset.yaml").read_text(encoding="utf-8").count("synthetic: true") == 1
    assert len(list((tmp_path / "d" / "registrations").iterdir())) == 6


def test_scaled_dataset_has_the_volume_and_the_defects(tmp_path, capsys):
    assert main(["synth", str(tmp_path / "s"), "--visits", "20000", "--seed", "3"]) == 0
    assert "20000" in capsys.readouterr().out
    files = sorted((tmp_path / "s" / "registrations").glob("*.csv"))
    assert {f.name.split("_")[0] for f in files} == {"auc", "no17"}
    frame = pd.concat(pd.read_csv(f, sep=";", dtype=str, keep_default_na=False) for f in files)
    assert list(frame.columns) == ["Dato", "Navn", "Ind", "Ud", "Bemærkning"]
    assert 20000 <= len(frame) <= 20000 * 1.02
    assert (frame["Navn"] == synth.FAKE_CPR).sum() >= 2
    assert (frame["Bemærkning"] == synth.TRIP_COMMENT).sum() >= 4
    assert (frame["Ud"] == "").sum() > 0 and frame.duplicated().sum() > 0
    assert frame["Dato"].str.contains("/").any() and frame["Ind"].str.startswith("kl").any()
    assert (frame["Navn"] != frame["Navn"].str.strip()).any()  # case/space variants
    assert (frame["Dato"] == "I alt").sum() == len(files)  # a total row closes every file
    referrals = pd.read_csv(tmp_path / "s" / "referrals.csv", sep=";")
    assert len(referrals) > 0 and set(referrals["Tilbud"]) == {"AUC", "No. 17"}
