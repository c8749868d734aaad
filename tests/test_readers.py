"""Reading raw files: encodings, separators, layouts, header detection, offers, referrals and aliases."""

from __future__ import annotations

import pandas as pd
import pytest
from test_cleaning import DATASET_YAML, HEADER, OFFERS_YAML, make_dataset, write_csv

from attendance.errors import InputError
from attendance.ingest.columns import COLUMN_ALIASES, header_lookup, load_column_aliases, normalise_header
from attendance.ingest.readers import (
    OfferMatcher,
    detect_encoding,
    read_citizen_aliases,
    read_dataset,
    read_offers,
    read_referrals,
    read_registrations,
    sniff_delimiter,
)


def _read(raw):
    dataset = read_dataset(raw)
    return read_registrations(raw, read_offers(raw), dataset)


def test_header_names_match_case_space_punctuation_insensitively():
    lookup = header_lookup(COLUMN_ALIASES)
    for text in ("Mødt ind", "MØDT-IND", " mødt  ind: "):
        assert lookup[normalise_header(text)] == "time_in"
    assert lookup[normalise_header("Borger-ID")] == "citizen"
    assert normalise_header("Bemærkning") == "bemærkning"


def test_columns_yaml_extends_built_in_names(tmp_path):
    (tmp_path / "columns.yaml").write_text(
        "time_in: [Ankomst]\nreferrals:\n  name: [Borgernavn]\n", encoding="utf-8"
    )
    registrations, referrals = load_column_aliases(tmp_path)
    assert "Ankomst" in registrations["time_in"] and "Ind" in registrations["time_in"]
    assert "Borgernavn" in referrals["name"]
    (tmp_path / "columns.yaml").write_text("arrival: [Ankomst]\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown field"):
        load_column_aliases(tmp_path)


def test_columns_yaml_is_used_when_reading(tmp_path):
    raw = make_dataset(tmp_path, {"auc.csv": [["Dato", "Navn", "Ankomst", "Ud"], ["02-03-2026", "Bo Berg", "9", "12"]]},
                       columns__yaml="time_in: [Ankomst]\n")  # fmt: skip
    records = _read(raw).records
    assert records["time_in"].astype(object).tolist() == ["Ankomst", "9"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("sep", [";", ","])
def test_csv_encodings_and_separators(tmp_path, encoding, sep):
    rows = [
        ["Fremmøde AUC", "", "", "", ""],
        HEADER,
        ["02-03-2026", "Søren Ærø", "9,30" if sep == ";" else "9.30", "14", "tur"],
    ]
    raw = make_dataset(tmp_path)
    path = write_csv(raw / "registrations" / "auc.csv", rows, sep=sep, encoding=encoding)
    assert detect_encoding(path) == encoding
    result = _read(raw)
    records = result.records
    assert records["citizen"].astype(object).tolist()[-1] == "Søren Ærø"
    assert records["row"].tolist() == [1, 2, 3]
    assert records["kind"].astype(object).tolist() == ["title", "header", "data"]
    assert result.sheets[0].headers["time_in"] == "Ind"
    assert result.sheets[0].sheet_offer == "auc" and result.sheets[0].offer_source == "title row"


def test_ragged_csv_with_empty_lines_keeps_row_numbers(tmp_path):
    raw = make_dataset(tmp_path)
    text = "Fremmøde AUC marts\n\nDato;Navn;Ind;Ud\n02-03-2026;Bo Berg;9;12\n\n03-03-2026;Bo Berg;9;12\n"
    (raw / "registrations" / "auc.csv").write_text(text, encoding="utf-8")
    records = _read(raw).records
    assert records["row"].tolist() == [1, 2, 3, 4, 5, 6]
    assert records.loc[records["row"] == 6, "date"].astype(object).item() == "03-03-2026"


def test_sniff_delimiter_prefers_consistent_separator():
    assert sniff_delimiter(["a;b;c\n", "1,5;2,5;3\n"]) == ";"
    assert sniff_delimiter(["a,b,c\n", "1,2,3\n"]) == ","
    assert sniff_delimiter(["a\tb\tc\n", "1\t2\t3\n"]) == "\t"


def test_xlsx_all_sheets_with_provenance_and_excel_values(tmp_path):
    import datetime as dt

    sheets = {
        "Uge 10": [["AUC marts"], HEADER, [dt.datetime(2026, 3, 2), "Bo Berg", dt.time(9, 30), 0.625, None]],
        "Uge 11": [HEADER, [46090, "Bo Berg", 9.3, 15, None]],
        "Ark3": [],
    }
    raw = make_dataset(tmp_path, {"auc_2026-03.xlsx": sheets})
    result = _read(raw)
    records = result.records
    assert [s.layout for s in result.sheets] == ["long", "long", "empty"]
    empty = records[records["sheet"] == "Ark3"]  # an empty sheet: at most Excel's one blank row
    assert len(empty) <= 1 and empty["citizen"].isna().all()
    data = records[(records["kind"] == "data") & (records["sheet"] != "Ark3")]
    assert data["date"].astype(object).tolist() == ["2026-03-02 00:00:00", "46090"]
    assert data["time_in"].astype(object).tolist() == ["09:30:00", "9.3"]
    assert data["row"].tolist() == [3, 2]
    assert set(records["file"].astype(object)) == {"registrations/auc_2026-03.xlsx"}


def test_tick_list_is_detected_and_melted(tmp_path):
    rows = [
        ["Navn", "02-03-2026", "03-03-2026", "04-03-2026"],
        ["Bo Berg", "X", None, "9-14"],
        ["Ida", None, None, None],
    ]
    raw = make_dataset(tmp_path, {"kryds_auc.xlsx": {"Uge 10": rows}})
    result = _read(raw)
    assert result.sheets[0].layout == "tick"
    records = result.records
    marks = records[records["kind"] == "data"]
    assert marks["cell"].astype(object).tolist() == ["B", "D"]
    assert marks["granularity"].astype(object).tolist() == ["day", "timed"]
    assert (
        marks["time_in"].astype(object).tolist()[1] == "9"
        and marks["time_out"].astype(object).tolist()[1] == "14"
    )
    assert (records["kind"] == "no_marks").sum() == 1


def test_offer_from_column_title_sheet_and_file_name(tmp_path):
    offers = read_offers(make_dataset(tmp_path))
    matcher = OfferMatcher(offers)
    assert (
        matcher.match("A.U.C.") == "auc" and matcher.match("nr. 17") == "no17" and matcher.match("X") is None
    )
    assert matcher.find_in("Fremmøde No 17 - april 2026") == "no17"
    assert matcher.find_in("nr17_2026-04") == "no17"
    assert matcher.find_in("auc grenaa marts") == "auc"
    assert matcher.find_in("Ark1") is None


def test_offers_yaml_normalised(tmp_path):
    offers = read_offers(make_dataset(tmp_path))
    assert offers["auc"].opening_hours[0] == [("09:00", "15:00")]
    assert 5 not in offers["auc"].opening_hours
    assert offers["no17"].opening_hours[2] == [("10:00", "14:00")]
    assert offers["auc"].roster[0]["weekday"] == 0
    assert offers["auc"].public_dict()["closed_dates"] == ["2026-03-12"]


def test_unquoted_yaml_times_stay_times(tmp_path):
    raw = make_dataset(tmp_path)
    (raw / "offers.yaml").write_text(
        OFFERS_YAML.replace('["09:00", "15:00"]', "[9:00, 15:00]"), encoding="utf-8"
    )
    assert read_offers(raw)["auc"].opening_hours[0] == [("09:00", "15:00")]


def test_referrals_read_without_cpr(tmp_path):
    raw = make_dataset(tmp_path)
    frame = read_referrals(raw, read_offers(raw), read_dataset(raw))
    assert list(frame.columns) == [
        "offer_id",
        "name",
        "initials",
        "referral_start",
        "referral_end",
        "age_band",
        "source_row",
    ]
    assert frame["offer_id"].tolist().count("auc") == 4
    assert frame["referral_end"].isna().sum() == 5
    assert frame.loc[1, "referral_end"] == pd.Timestamp("2026-12-31")
    assert "010190-1234" not in frame.to_string()


def test_citizen_aliases(tmp_path):
    (tmp_path / "citizen_aliases.csv").write_text(
        "variant;canonical\nHanne  Jensn;Hanne Jensen\n", encoding="utf-8"
    )
    assert read_citizen_aliases(tmp_path) == {"hanne jensn": "hanne jensen"}
    (tmp_path / "citizen_aliases.csv").write_text("a;b;c\n", encoding="utf-8")
    with pytest.raises(InputError, match="variant"):
        read_citizen_aliases(tmp_path)


def test_dataset_yaml_requires_period(tmp_path):
    raw = make_dataset(tmp_path)
    (raw / "dataset.yaml").write_text(DATASET_YAML.replace("period_end: 2026-05-29\n", ""), encoding="utf-8")
    with pytest.raises(InputError, match="period_end"):
        read_dataset(raw)
