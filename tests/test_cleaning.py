"""The clean stage rule by rule, the accounting identity, determinism and privacy, on small raw fixtures."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from attendance.cleaning.clean import check_params, clean_dataset
from attendance.cleaning.processed_tables import data_hash
from attendance.cleaning.records import AccountingError
from attendance.cleaning.visit_merging import trip_flags
from attendance.errors import InputError

KEY = "test-key-0123456789abcdef"
HEADER = ["Dato", "Navn", "Ind", "Ud", "Bemærkning"]

OFFERS_YAML = """\
offers:
  auc:
    name: AUC
    aliases: [AUC, A.U.C., auc grenaa]
    town: Grenaa
    approved_places: 30
    opening_hours:
      mandag: [["09:00", "15:00"]]
      tirsdag: [["09:00", "15:00"]]
      onsdag: [["09:00", "15:00"]]
      torsdag: [["09:00", "15:00"]]
      fredag: [["09:00", "13:00"]]
    closed_dates: [2026-03-12]
    roster:
      - {weekday: mandag, start: "08:30", end: "15:30", staff: 3}
    fte: 5.2
    annual_budget_dkk: 3100000
    staff_and_volunteers: [Ida Personale, Ole Frivillig]
    assumptions_note: "Illustrative."
  no17:
    name: No. 17
    aliases: [No 17, Nr. 17, no17, nr17]
    town: Auning
    approved_places: null
    opening_hours:
      0: [["10:00", "14:00"]]
      2: [["10:00", "14:00"]]
    closed_dates: []
    staff_and_volunteers: []
"""

DATASET_YAML = """\
name: fixture
synthetic: true
period_start: 2026-03-02
period_end: 2026-05-29
description: test fixture
"""

REFERRALS = [
    ["Tilbud", "Navn", "Initialer", "CPR", "Visiteret fra", "Visiteret til", "Aldersgruppe"],
    ["AUC", "Hanne Jensen", "HJ", "010190-1234", "01-01-2026", None, "30-49"],
    ["AUC", "Anders Holm", "AH", "020291-2345", "01-01-2026", "2026-12-31", "18-29"],
    ["AUC", "Bo Berg", "BB", None, "2026-02-01", None, "50-64"],
    ["AUC", "Birgit Brun", "BB", None, "2026-02-01", None, "65+"],
    ["No 17", "Karl Nielsen", "KN", None, "2025-06-01", None, None],
    ["No 17", "Hanne Jensen", "HJ", None, "2025-06-01", None, "30-49"],
]


def write_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def write_csv(path: Path, rows: list[list], sep: str = ";", encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "\n".join(sep.join("" if v is None else str(v) for v in row) for row in rows) + "\n"
    path.write_bytes(text.encode(encoding))
    return path


def make_dataset(root: Path, registrations: dict[str, object] | None = None, **extra: str) -> Path:
    """A dataset folder; `registrations` maps file names to {sheet: rows} (xlsx) or rows (csv)."""
    raw = root / "raw"
    (raw / "registrations").mkdir(parents=True, exist_ok=True)
    (raw / "dataset.yaml").write_text(DATASET_YAML, encoding="utf-8")
    (raw / "offers.yaml").write_text(OFFERS_YAML, encoding="utf-8")
    (raw / "demo_pseudonym.key").write_text(KEY + "\n", encoding="utf-8")
    write_xlsx(raw / "referrals.xlsx", {"Visitation": REFERRALS})
    for name, content in (registrations or {}).items():
        if name.endswith(".csv"):
            write_csv(raw / "registrations" / name, content)
        else:
            write_xlsx(raw / "registrations" / name, content)
    for name, text in extra.items():
        (raw / name.replace("__", ".")).write_text(text, encoding="utf-8")
    return raw


@pytest.fixture(autouse=True)
def _no_env_key(monkeypatch):
    monkeypatch.delenv("ATTENDANCE_PSEUDONYM_KEY", raising=False)
    monkeypatch.setattr("attendance.cleaning.pseudonym._project_secret", lambda: None)


def run(
    tmp_path: Path, rows: list[list], params: dict | None = None, name: str = "auc_2026-03.xlsx", **extra
):
    raw = make_dataset(tmp_path, {name: {"Uge 10": rows} if name.endswith(".xlsx") else rows}, **extra)
    return clean_dataset(raw, tmp_path / "processed", None, params or {})


def log_rules(result) -> list[str]:
    return list(result.quality_log["rule"])


def status_of(result, rule: str) -> set[str]:
    return set(result.quality_log.loc[result.quality_log["rule"] == rule, "action"])


# ------------------------------------------------------------------------------------------ basic


def test_basic_visit_is_kept_with_key_and_times(tmp_path):
    result = run(tmp_path, [HEADER, ["02-03-2026", "Hanne Jensen", "9.30", "14:00", ""]])
    visits = result.visits
    assert len(visits) == 1
    visit = visits.iloc[0]
    assert visit["offer_id"] == "auc"
    assert visit["start"] == pd.Timestamp("2026-03-02 09:30")
    assert visit["end"] == pd.Timestamp("2026-03-02 14:00")
    assert visit["granularity"] == "timed"
    assert visit["flags"] == ""
    assert visit["source_row"] == 2 and visit["source_sheet"] == "Uge 10"
    assert len(visit["citizen_key"]) == 16
    # the same person in the referral list gets the same key
    assert visit["citizen_key"] in set(result.referrals["citizen_key"])
    assert result.totals() == {"read": 2, "kept": 1, "merged": 0, "quarantined": 0, "ignored": 1}


def test_outputs_exist_and_offers_json_has_dataset_block(tmp_path):
    result = run(tmp_path, [HEADER, ["02-03-2026", "Hanne Jensen", "9", "12", ""]])
    for path in result.paths.values():
        assert path.is_file(), path
    offers = json.loads(result.paths["offers"].read_text(encoding="utf-8"))
    assert offers["_dataset"]["synthetic"] is True
    assert offers["_dataset"]["period_start"] == "2026-03-02"
    assert len(offers["_dataset"]["data_hash"]) == 64
    assert offers["auc"]["opening_hours"]["4"] == [["09:00", "13:00"]]
    assert offers["auc"]["opening_hours"]["5"] == []
    assert offers["auc"]["roster"][0]["weekday"] == 0
    assert "staff_and_volunteers" not in offers["auc"]
    assert result.paths["quarantine"].parent == tmp_path / "quarantine"


# ------------------------------------------------------------------------------------------ ignored rows


def test_title_header_blank_total_rows_are_ignored(tmp_path):
    rows = [
        ["Fremmøde AUC marts 2026"],
        [],
        HEADER,
        ["02-03-2026", "Hanne Jensen", "9", "12", ""],
        [None, None, None, None, None],
        HEADER,
        ["I alt", None, None, None, None],
        ["03-03-2026", "Hanne Jensen", "10", "11", ""],
    ]
    result = run(tmp_path, rows, name="marts.xlsx")
    rules = log_rules(result)
    assert rules.count("title_row") == 2
    assert rules.count("header_row") == 2
    assert rules.count("blank_row") == 1
    assert rules.count("total_row") == 1
    assert len(result.visits) == 2
    assert result.totals()["ignored"] == 6


def test_a_total_in_the_offer_column_is_a_total_row_not_an_unknown_offer(tmp_path):
    """Staff write "I alt" in column A of a long sheet under the hours; with a citizen it stays an error."""
    header = ["Tilbud", "Dato", "Navn", "Ind", "Ud", "Timer"]
    rows = [
        header,
        ["AUC", "02-03-2026", "Hanne Jensen", "9", "12", "3"],
        ["I alt", None, None, None, None, "3"],
    ]
    result = run(tmp_path / "a", rows, name="auc_2026-03.csv")
    assert log_rules(result).count("total_row") == 1
    assert result.totals() == {"read": 3, "kept": 1, "merged": 0, "quarantined": 0, "ignored": 2}
    with pytest.raises(InputError, match="unknown offer"):
        run(tmp_path / "b", [header, ["I alt", "02-03-2026", "Hanne Jensen", "9", "12", "3"]], name="x.csv")


def test_sum_like_names_are_not_total_rows(tmp_path):
    result = run(tmp_path, [HEADER, ["02-03-2026", "Summer Hansen", "9", "12", ""]])
    assert "total_row" not in log_rules(result)
    assert len(result.visits) == 1


def test_staff_and_volunteers_are_removed(tmp_path):
    """By the name field only (offers.yaml's list, a Personale:/Frivillig: prefix) — never by a comment."""
    rows = [
        HEADER,
        ["02-03-2026", "ida  PERSONALE", "9", "12", ""],
        ["02-03-2026", "Personale: Ole", "9", "12", ""],
        ["02-03-2026", "FRIVILLIG - Kim", "9", "12", ""],
        ["02-03-2026", "Hanne Jensen", "9", "12", "hjalp som frivillig"],
        ["02-03-2026", "Anders Holm", "9", "12", "Personalet hjalp med ansøgning"],
        ["02-03-2026", "Bo Berg", "9", "12", "spiste frokost"],
    ]
    result = run(tmp_path, rows)
    assert log_rules(result).count("staff_or_volunteer") == 3
    assert len(result.visits) == 3


# ------------------------------------------------------------------------------------------ quarantine


def test_cpr_in_citizen_is_quarantined_and_never_logged(tmp_path):
    rows = [HEADER, ["02-03-2026", "010190-1234", "9", "12", ""], ["02-03-2026", "0101901234", "9", "12", ""]]
    result = run(tmp_path, rows)
    assert log_rules(result).count("cpr_in_citizen") == 2
    assert result.visits.empty
    text = result.paths["quarantine"].read_text(encoding="utf-8")
    assert "010190" not in text and "0101901234" not in text
    assert "010190" not in result.paths["quality_log"].read_text(encoding="utf-8")


def test_not_a_cpr_number_is_kept(tmp_path):
    result = run(tmp_path, [HEADER, ["02-03-2026", "B-1234", "9", "12", ""]])
    assert "cpr_in_citizen" not in log_rules(result)
    assert len(result.visits) == 1


def test_missing_citizen_unparseable_date_and_outside_period(tmp_path):
    rows = [
        HEADER,
        ["02-03-2026", None, "9", "12", ""],
        ["32-03-2026", "Hanne Jensen", "9", "12", ""],
        ["02-03-2025", "Hanne Jensen", "9", "12", ""],
        ["2. marts 2026", "Hanne Jensen", "9", "12", ""],
    ]
    result = run(tmp_path, rows)
    rules = log_rules(result)
    assert rules.count("missing_citizen") == 1
    assert rules.count("unparseable_date") == 1
    assert rules.count("date_outside_period") == 1
    assert len(result.visits) == 1
    assert set(result.quarantine["reason"]) == {"missing_citizen", "unparseable_date", "date_outside_period"}
    assert "32-03-2026" in set(result.quarantine["raw_date"])


def test_unparseable_time_is_quarantined(tmp_path):
    rows = [HEADER, ["02-03-2026", "Hanne Jensen", "ni", "12", ""], ["02-03-2026", "Bo Berg", "9", "x", ""]]
    result = run(tmp_path, rows)
    assert log_rules(result).count("unparseable_time") == 2
    assert result.visits.empty
    detail = " ".join(result.quality_log["detail"])
    assert "ni" not in detail.split()


def test_time_out_before_time_in_swap_or_quarantine(tmp_path):
    rows = [HEADER, ["02-03-2026", "Hanne Jensen", "13", "10", ""], ["02-03-2026", "Bo Berg", "10", "13", ""]]
    swapped = run(tmp_path / "a", rows)
    visit = swapped.visits.set_index("source_row").loc[2]
    assert visit["start"].hour == 10 and visit["end"].hour == 13
    assert "time_out_before_time_in" in visit["flags"]
    assert swapped.visits.set_index("source_row").loc[3]["flags"] == ""
    quarantined = run(tmp_path / "b", rows, {"time_out_before_in": "quarantine"})
    assert len(quarantined.visits) == 1
    assert list(quarantined.quarantine["reason"]) == ["time_out_before_time_in"]


def test_missing_time_out_median_stay_closing_time_and_quarantine(tmp_path):
    rows = [
        HEADER,
        ["02-03-2026", "Hanne Jensen", "9", "11", ""],
        ["03-03-2026", "Hanne Jensen", "9", "12", ""],
        ["04-03-2026", "Hanne Jensen", "9", "13", ""],
        ["05-03-2026", "Anders Holm", "10", None, ""],
        ["05-03-2026", "Bo Berg", "14", None, ""],
    ]
    median = run(tmp_path / "m", rows).visits.set_index("source_row")
    assert median.loc[5, "end"] == pd.Timestamp("2026-03-05 13:00")  # 10 + median 3 h
    assert median.loc[6, "end"] == pd.Timestamp("2026-03-05 15:00")  # 14 + 3 h capped at closing 15:00
    assert "missing_time_out" in median.loc[5, "flags"]
    assert median.loc[2, "flags"] == ""
    closing = run(tmp_path / "c", rows, {"missing_time_out": "closing_time"}).visits.set_index("source_row")
    assert closing.loc[5, "end"] == pd.Timestamp("2026-03-05 15:00")
    quarantine = run(tmp_path / "q", rows, {"missing_time_out": "quarantine"})
    assert len(quarantine.visits) == 3
    assert list(quarantine.quarantine["reason"]) == ["missing_time_out"] * 2


def test_outside_opening_hours_clip_keep_and_wholly_outside(tmp_path):
    rows = [
        HEADER,
        ["02-03-2026", "Hanne Jensen", "8", "16", ""],
        ["02-03-2026", "Anders Holm", "17", "18", ""],
        ["02-03-2026", "Bo Berg", "10", "12", ""],
    ]
    clipped = run(tmp_path / "c", rows).visits.set_index("source_row")
    assert clipped.loc[2, "start"].hour == 9 and clipped.loc[2, "end"].hour == 15
    assert "outside_opening_hours" in clipped.loc[2, "flags"]
    assert clipped.loc[3, "start"].hour == 17 and "outside_opening_hours" in clipped.loc[3, "flags"]
    assert clipped.loc[4, "flags"] == ""
    kept = run(tmp_path / "k", rows, {"outside_opening_hours": "keep"}).visits.set_index("source_row")
    assert kept.loc[2, "start"].hour == 8 and "outside_opening_hours" in kept.loc[2, "flags"]


def test_implausible_duration_is_quarantined(tmp_path):
    rows = [HEADER, ["02-03-2026", "Hanne Jensen", "6", "20", ""], ["02-03-2026", "Bo Berg", "9", "15", ""]]
    result = run(tmp_path, rows)
    assert list(result.quarantine["reason"]) == ["implausible_duration"]
    assert len(result.visits) == 1
    relaxed = run(tmp_path / "r", rows, {"max_stay_hours": 16})
    assert len(relaxed.visits) == 2


def test_closed_days_are_kept_and_flagged(tmp_path):
    rows = [
        HEADER,
        ["07-03-2026", "Hanne Jensen", "10", "16", "Tur til Djurs Sommerland"],  # Saturday
        ["12-03-2026", "Bo Berg", "10", "12", ""],  # closed date
        ["02-04-2026", "Bo Berg", "10", "12", ""],  # Skærtorsdag
        ["03-03-2026", "Bo Berg", "10", "12", "kulturhus"],
    ]
    visits = run(tmp_path, rows).visits.set_index("source_row").sort_index()
    assert visits["on_closed_day"].tolist() == [True, True, True, False]
    assert "closed_day" in visits.loc[2, "flags"]
    assert visits.loc[2, "start"].hour == 10 and visits.loc[2, "end"].hour == 16  # not clipped on closed days
    assert visits["is_trip"].tolist() == [True, False, False, False]


def test_exact_duplicates_and_overlaps_are_merged(tmp_path):
    rows = [
        HEADER,
        ["02-03-2026", "Hanne Jensen", "9", "11", ""],
        ["02-03-2026", "hanne jensen", "9", "11", ""],  # exact duplicate after normalisation
        ["02-03-2026", "Hanne Jensen", "10.30", "13", ""],  # overlaps
        ["02-03-2026", "Hanne Jensen", "13", "14", ""],  # touches
        ["02-03-2026", "Hanne Jensen", "14.30", "15", ""],  # separate
        ["02-03-2026", "Bo Berg", "9", "11", ""],  # other citizen
    ]
    result = run(tmp_path, rows)
    rules = log_rules(result)
    assert rules.count("exact_duplicate") == 1
    assert status_of(result, "overlapping_visits") == {"merged", "extended"}
    visits = result.visits.set_index("source_row")
    assert len(visits) == 3
    assert visits.loc[2, "start"].hour == 9 and visits.loc[2, "end"].hour == 14
    assert "overlapping_visits" in visits.loc[2, "flags"]
    assert visits.loc[6, "start"] == pd.Timestamp("2026-03-02 14:30")
    assert result.totals()["merged"] == 3
    gap = run(tmp_path / "g", rows, {"merge_gap_minutes": 30})
    assert len(gap.visits) == 2


def test_same_citizen_two_offers_is_not_merged(tmp_path):
    rows = [["Dato", "Navn", "Ind", "Ud", "Tilbud"], ["02-03-2026", "Hanne Jensen", "10", "12", "AUC"],
            ["02-03-2026", "Hanne Jensen", "10", "12", "Nr. 17"]]  # fmt: skip
    result = run(tmp_path, rows, name="samlet.xlsx")
    assert sorted(result.visits["offer_id"]) == ["auc", "no17"]
    assert result.visits["citizen_key"].nunique() == 1
    no17 = result.visits.set_index("offer_id").loc["no17"]
    assert "offer_alias" in no17["flags"]
    assert result.visits.set_index("offer_id").loc["auc", "flags"] == ""


# ------------------------------------------------------------------------------------------ tick lists


TICK = [
    ["Uge 10 AUC"],
    ["Navn", "man 2/3", "tir 3/3", "ons 4/3", "tor 5/3", "I alt"],
    ["Hanne Jensen", "X", None, "9-14", "x", 3],
    ["Bo Berg", None, None, None, None, 0],
    ["Anders Holm", "1", "syg", None, None, 1],
    ["I alt", 2, 0, 1, 1, 4],
]


def test_tick_list_day_only_and_timed_cells(tmp_path):
    result = run(tmp_path, TICK, name="krydsliste.xlsx")
    visits = result.visits
    day = visits[visits["granularity"] == "day"]
    timed = visits[visits["granularity"] == "timed"]
    assert len(day) == 3 and day["start"].isna().all()
    assert all("day_only" in f for f in day["flags"])
    assert len(timed) == 1
    assert timed.iloc[0]["start"] == pd.Timestamp("2026-03-04 09:00")
    assert timed.iloc[0]["end"] == pd.Timestamp("2026-03-04 14:00")
    rules = log_rules(result)
    assert rules.count("no_marks") == 1
    assert rules.count("total_row") == 1
    assert rules.count("absence_mark") == 1  # "syg": not a visit, not an error
    assert result.quarantine.empty
    absence = result.quality_log[result.quality_log["rule"] == "absence_mark"].iloc[0]
    assert absence["column"] == "C" and absence["row"] == 5
    acc = result.accounting.iloc[0]
    assert acc["rows_read"] == acc[["kept", "merged", "quarantined", "ignored"]].sum()


def test_day_only_merged_when_timed_visit_same_day(tmp_path):
    raw = make_dataset(
        tmp_path,
        {
            "kryds.xlsx": {"Uge 10 AUC": TICK},
            "auc_marts.csv": [HEADER, ["02-03-2026", "Hanne Jensen", "10", "12", ""]],
        },
    )
    result = clean_dataset(raw, tmp_path / "processed", None, {})
    merged = result.quality_log[
        (result.quality_log["rule"] == "day_only") & (result.quality_log["action"] == "merged")
    ]
    assert len(merged) == 1 and merged.iloc[0]["row"] == 3
    hanne = result.visits[result.visits["start"].dt.date == dt.date(2026, 3, 2)]
    assert len(hanne) == 1 and hanne.iloc[0]["granularity"] == "timed"


# ------------------------------------------------------------------------------------------ identities


def test_name_variants_and_initials(tmp_path):
    rows = [
        HEADER,
        ["02-03-2026", "  hanne  JENSEN ", "9", "10", ""],
        ["03-03-2026", "Hanne Jensn", "9", "10", ""],
        ["04-03-2026", "HJ", "9", "10", ""],
        ["05-03-2026", "BB", "9", "10", ""],  # Bo Berg and Birgit Brun: ambiguous
        ["05-03-2026", "ZZ", "9", "10", ""],  # unknown initials: kept as their own identifier
    ]
    result = run(tmp_path, rows, citizen_aliases__csv="variant;canonical\nHanne Jensn;Hanne Jensen\n")
    visits = result.visits.set_index("source_row")
    assert visits.loc[[2, 3, 4], "citizen_key"].nunique() == 1
    assert visits.loc[2, "flags"] == ""
    assert "name_variant" in visits.loc[3, "flags"]
    assert "initials_resolved" in visits.loc[4, "flags"]
    assert list(result.quarantine["reason"]) == ["ambiguous_initials"]
    assert 6 in visits.index and visits.loc[6, "citizen_key"] != visits.loc[2, "citizen_key"]


def test_initials_resolved_per_offer(tmp_path):
    # HJ is Hanne Jensen in both offers' referral lists; KN only in No 17
    rows = [
        ["Fremmøde Nr. 17 april"],
        HEADER,
        ["01-04-2026", "KN", "10", "12", ""],
        ["01-04-2026", "HJ", "10", "12", ""],
    ]
    result = run(tmp_path, rows, name="april.xlsx")
    assert set(result.visits["offer_id"]) == {"no17"}
    assert result.visits["flags"].str.contains("initials_resolved").all()
    referred = set(result.referrals.loc[result.referrals["offer_id"] == "no17", "citizen_key"])
    assert set(result.visits["citizen_key"]) <= referred


# ------------------------------------------------------------------------------------------ whole stage


def _messy_dataset(root: Path) -> Path:
    long_rows = [
        ["Fremmøde A.U.C. marts 2026"],
        HEADER,
        ["02-03-2026", "Hanne Jensen", "9.30", "14", "tur i skoven"],
        [46083, "Anders Holm", 0.395833, "1500", ""],
        ["2/3/26", "AH", "kl. 10", "11", ""],
        ["03.03.2026", "010190-1234", "9", "12", ""],
        ["I alt", None, None, None, None],
        ["man 9/3", "Bo Berg", "930", None, ""],
        [dt.datetime(2026, 3, 10), "Ida Personale", dt.time(9, 0), dt.time(15, 0), ""],
    ]
    csv_rows = [["Dato", "Borger", "Kom", "Gik", "Note"], ["02-04-2026", "Karl Nielsen", "10", "14", "Hjælp; ok"],
                ["01-04-2026", "Karl Nielsen", "10,5", "13", ""], ["", "", "", "", ""]]  # fmt: skip
    raw = make_dataset(root, {"auc_2026-03.xlsx": {"Uge 10": long_rows, "Uge 11": TICK[1:]}})
    (raw / "registrations" / "nr17_2026-04.csv").write_bytes(
        ("\n".join(";".join(f'"{c}"' if ";" in c else c for c in r) for r in csv_rows) + "\n").encode(
            "cp1252"
        )
    )
    return raw


def test_accounting_identity_per_file_and_sheet(tmp_path):
    raw = _messy_dataset(tmp_path)
    result = clean_dataset(raw, tmp_path / "processed", tmp_path / "q", {})
    acc = pd.read_csv(result.paths["accounting"], keep_default_na=False)
    assert list(acc.columns) == [
        "file", "sheet", "rows_read", "kept", "merged", "quarantined", "ignored", "note"
    ]  # fmt: skip
    assert (acc["rows_read"] == acc[["kept", "merged", "quarantined", "ignored"]].sum(axis=1)).all()
    on_disk = {p.relative_to(raw).as_posix() for p in raw.rglob("*") if p.is_file()}
    assert set(acc["file"]) == on_disk  # every file of the dataset folder, read or not
    read = acc[acc["file"].str.startswith("registrations/")]
    assert set(read["file"]) == {"registrations/auc_2026-03.xlsx", "registrations/nr17_2026-04.csv"}
    assert (acc.loc[~acc["file"].str.startswith("registrations/"), "note"] != "").all()
    csv_row = acc[acc["file"].str.endswith(".csv")].iloc[0]
    assert csv_row["rows_read"] == 4 and csv_row["kept"] == 2 and csv_row["ignored"] == 2
    assert acc["kept"].sum() == len(result.visits)


def test_accounting_failure_raises(tmp_path, monkeypatch):
    import attendance.cleaning.records as cleaning

    raw = _messy_dataset(tmp_path)
    original = cleaning.State.drop

    def leaky(self, mask, status, rule, field, detail, action=""):
        original(self, mask, status, rule, field, detail, action)
        if rule == "blank_row":
            self.status[np.flatnonzero(self.status == cleaning.IGNORED)[:1]] = 9

    monkeypatch.setattr(cleaning.State, "drop", leaky)
    with pytest.raises(AccountingError):
        clean_dataset(raw, tmp_path / "processed", None, {})


def test_outputs_are_deterministic(tmp_path):
    raw = _messy_dataset(tmp_path)
    first = clean_dataset(raw, tmp_path / "one" / "processed", None, {})
    second = clean_dataset(raw, tmp_path / "two" / "processed", None, {})
    for name, path in first.paths.items():
        assert path.read_bytes() == second.paths[name].read_bytes(), name


def test_visits_sorted_with_stable_ids(tmp_path):
    visits = clean_dataset(_messy_dataset(tmp_path), tmp_path / "p", None, {}).visits
    assert visits["visit_id"].tolist() == list(range(len(visits)))
    assert visits[["offer_id", "date"]].apply(tuple, axis=1).is_monotonic_increasing


def test_no_personal_data_in_processed_outputs(tmp_path):
    raw = _messy_dataset(tmp_path)
    result = clean_dataset(raw, tmp_path / "processed", tmp_path / "quarantine", {})
    assert len(result.visits) >= 5 and len(result.quarantine) >= 1
    secrets = ["Hanne", "Jensen", "Anders", "Holm", "Bo Berg", "Karl", "Nielsen", "010190", "1234", "AH", "HJ",
               "Ida Personale", "skoven", "Hjælp"]  # fmt: skip
    for path in (tmp_path / "processed").iterdir():
        data = path.read_bytes()
        for secret in secrets:
            if secret in ("AH", "HJ", "1234"):
                # short tokens: check as whole cells/words in text files only
                if path.suffix in (".csv", ".json"):
                    text = data.decode("utf-8")
                    assert f",{secret}," not in text and f'"{secret}"' not in text, (path.name, secret)
                continue
            assert secret.encode("utf-8") not in data, (path.name, secret)
            assert secret.encode("cp1252") not in data, (path.name, secret)
    frames = [
        pd.read_parquet(tmp_path / "processed" / "visits.parquet"),
        pd.read_parquet(tmp_path / "processed" / "referrals.parquet"),
    ]
    values = {str(v) for frame in frames for column in frame for v in frame[column].unique()}
    assert not values & {"AH", "HJ", "KN", "BB", "Hanne Jensen", "010190-1234"}


def test_key_changes_pseudonyms_but_not_structure(tmp_path, monkeypatch):
    raw = _messy_dataset(tmp_path)
    demo = clean_dataset(raw, tmp_path / "a" / "p", None, {}).visits
    monkeypatch.setenv("ATTENDANCE_PSEUDONYM_KEY", "another-secret-key-0123456789")
    other = clean_dataset(raw, tmp_path / "b" / "p", None, {}).visits
    assert len(demo) == len(other)
    assert set(demo["citizen_key"]).isdisjoint(set(other["citizen_key"]))


def test_data_hash_changes_with_content_but_not_key(tmp_path):
    raw = _messy_dataset(tmp_path)
    before = data_hash(raw)
    (raw / "demo_pseudonym.key").write_text("x" * 40, encoding="utf-8")
    assert data_hash(raw) == before
    (raw / "dataset.yaml").write_text(DATASET_YAML + "# edited\n", encoding="utf-8")
    assert data_hash(raw) != before


def test_params_are_checked():
    assert check_params(None)["missing_time_out"] == "median_stay"
    with pytest.raises(InputError, match="missing_time_out"):
        check_params({"missing_time_out": "guess"})
    with pytest.raises(InputError, match="max_stay_hours"):
        check_params({"max_stay_hours": -1})


def test_trip_keywords_match_word_starts():
    comments = pd.Series(
        ["Tur til stranden", "kulturhus", "Skovtur", None, "Djurs Sommerland"], dtype="category"
    )
    assert trip_flags(comments, ["tur", "strand", "skov", "sommerland"]).tolist() == [
        True,
        False,
        True,
        False,
        True,
    ]
    assert not trip_flags(comments, []).any()
