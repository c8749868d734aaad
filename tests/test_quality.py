"""The clean stage's quality summary folds the log without ever showing raw values."""

from __future__ import annotations

import json

import pandas as pd

from attendance.cleaning import quality as qa
from attendance.cleaning.quality import (
    clean_metrics,
    quarantine_reasons,
    rule_counts,
    rule_examples,
    rules_by_file,
    write_metrics,
)

LOG = pd.DataFrame(
    {
        "file": ["a.xlsx", "a.xlsx", "b.csv", "b.csv", "b.csv"],
        "sheet": ["Marts", "Marts", None, None, None],
        "row": [3, 9, 4, 5, 2],
        "column": ["Ud", None, "Ud", "Ud", None],
        "rule": ["missing_time_out", "blank_row", "missing_time_out", "missing_time_out", "header_row"],
        "action": ["imputed", "ignored", "imputed", "imputed", "ignored"],
        "detail": ["median stay", "empty row", "median stay", "median stay", "header row"],
    }
)


def test_rule_counts_most_frequent_first_with_danish_labels():
    counts = rule_counts(LOG)
    assert counts["rule"].tolist()[0] == "missing_time_out"
    assert counts["antal"].tolist() == [3, 1, 1]
    assert counts.loc[0, "regel"] == "Manglende sluttidspunkt"
    assert counts.loc[0, "handling"] == "udfyldt"


def test_rules_by_file_counts_each_file():
    table = rules_by_file(LOG).set_index("fil")
    assert table.loc["b.csv", "anvendelser"] == 3
    assert table.loc["b.csv", "regler"] == "Manglende sluttidspunkt (2), Overskriftsrække (1)"
    assert table.loc["a.xlsx", "anvendelser"] == 2


def test_examples_are_the_first_rows_per_rule():
    examples = rule_examples(LOG, per_rule=1)
    assert len(examples) == 3
    row = examples[examples["regel"] == "Manglende sluttidspunkt"].iloc[0]
    assert (row["fil"], row["ark"], row["række"], row["kolonne"]) == ("a.xlsx", "Marts", "3", "Ud")


def test_quarantine_reasons_show_no_raw_values():
    quarantine = pd.DataFrame(
        {"file": ["a.xlsx", "a.xlsx"], "reason": ["cpr_in_citizen"] * 2, "raw_citizen": ["Hanne Jensen", "x"]}
    )
    table = quarantine_reasons(quarantine)
    assert table.to_dict("records") == [{"årsag": "CPR-nummer i borgerfeltet", "fil": "a.xlsx", "rækker": 2}]
    assert "Hanne" not in table.to_string()


def test_metrics_hold_rows_and_offers(tmp_path):
    metrics = clean_metrics({"read": 10, "kept": 7}, {"auc": {"unique_per_day_mean": 18.5}})
    path = tmp_path / "m" / "clean.json"
    assert write_metrics(metrics, path) is None  # a cell ending in the call prints nothing into the report
    assert json.loads(path.read_text()) == {
        "rows": {"read": 10, "kept": 7},
        "auc": {"unique_per_day_mean": 18.5},
    }


def test_empty_inputs_give_empty_tables():
    empty = LOG.iloc[0:0]
    assert rule_counts(empty).empty and rules_by_file(empty).empty and rule_examples(empty).empty
    assert quarantine_reasons(pd.DataFrame()).empty


def test_quality_log_details_read_in_danish():
    """Issue 15: the clean report's and the review workbook's «Detalje» column was English."""
    assert qa.detail_da("empty row") == "tom række"
    assert qa.detail_da("time in and time out swapped") == "ind- og udtid byttet om"
    assert qa.detail_da("clipped to 09:00-13:00") == "tilpasset åbningstiden 09:00–13:00"
    assert qa.detail_da("offer no17 read from the sheet name") == "tilbuddet no17 læst fra arkets navn"
    assert qa.detail_da("tick layout; header row 1; fields citizen; offer no17 from the sheet name") == (
        "afkrydsningsliste; overskrift i række 1; felter citizen; tilbud no17 fra arkets navn"
    )
    assert qa.detail_da(None) == "" and qa.detail_da("noget nyt") == "noget nyt"
    log = pd.DataFrame(
        {
            "rule": ["blank_row"],
            "file": ["a.xlsx"],
            "sheet": ["Ark1"],
            "row": [3],
            "column": [None],
            "detail": ["empty row"],
        }
    )
    assert qa.rule_examples(log)["detalje"].tolist() == ["tom række"]
