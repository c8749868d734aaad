"""The overview report's (Fremmødestatistik) data and the small computations its tables share: the clean and
demand stages' tables read from disk, the offers' order and labels, the slot width, and whether the
accounting of raw rows balances.

Why a module of its own: the overview's tables (`tables`, `quality`) and figures (`figures`) all start from
the same processed data; reading it and the helpers they share live here, apart from the Danish wording.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

ACCOUNTING_COLUMNS = ("rows_read", "kept", "merged", "quarantined", "ignored")

# the demand stage's tables the overview reads (data/processed/demand/<name>.parquet)
DEMAND_TABLES = (
    "headline_kpis",
    "occupancy_summary",
    "kpis_by_weekday_slot",
    "kpis_by_weekday",
    "daily_kpis",
    "arrival_profile",
    "stay_lengths",
    "stay_length_summary",
    "usage_bands",
    "validation",
)


def load_tables(processed: Path) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, pd.DataFrame]:
    """The overview's inputs from `data/processed`: the demand tables by name (`DEMAND_TABLES`), the visits
    (only the columns the overview uses) and the accounting of raw rows."""
    tables = {name: pd.read_parquet(processed / "demand" / f"{name}.parquet") for name in DEMAND_TABLES}
    visits = pd.read_parquet(
        processed / "visits.parquet", columns=["offer_id", "granularity", "flags", "on_closed_day"]
    )
    return tables, visits, pd.read_csv(processed / "accounting.csv")


def _label(labels: Mapping[str, str] | None, offer: str) -> str:
    return (labels or {}).get(offer, offer)


def _offers_in(table: pd.DataFrame, offer_ids: Sequence[str] | None) -> list[str]:
    return list(offer_ids) if offer_ids is not None else list(pd.unique(table["offer_id"]))


def _in_offer_order(table: pd.DataFrame, offer_ids: Sequence[str] | None, *then: str) -> pd.DataFrame:
    """Rows of the chosen offers, sorted by the offers' order and then by the `then` columns."""
    offers = _offers_in(table, offer_ids)
    rows = table[table["offer_id"].isin(offers)].copy()
    rows["_order"] = rows["offer_id"].map({offer: i for i, offer in enumerate(offers)})
    return rows.sort_values(["_order", *then], kind="stable").drop(columns="_order")


def _bin_minutes(slot_minutes: pd.Series) -> int:
    steps = np.diff(np.unique(slot_minutes.to_numpy(dtype=int)))
    steps = steps[steps > 0]
    return int(steps.min()) if len(steps) else 30


def accounting_balances(accounting: pd.DataFrame) -> bool:
    """True when every file's rows read equal kept + merged + quarantined + ignored."""
    counts = accounting[list(ACCOUNTING_COLUMNS)].fillna(0).astype(int)
    return bool((counts["rows_read"] == counts[list(ACCOUNTING_COLUMNS[1:])].sum(axis=1)).all())
