"""KPI tests on small hand-built cases whose answers are worked out by hand in the comments."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from attendance.kpis import daily_kpis, headline_kpis, opening_days
from attendance.occupancy import daily_peaks, instantaneous_daily_peak

# Period Mon 30 Mar – Wed 8 Apr 2026. "auc" opens Mon–Thu; 2 Apr (Maundy Thursday) and 6 Apr (Easter Monday)
# are public holidays, 7 Apr is a closed date → opening days 30 Mar, 31 Mar, 1 Apr, 8 Apr.
OFFERS = {
    "auc": {
        "name": "AUC",
        "opening_hours": {str(wd): [["09:00", "15:00"]] if wd < 4 else [] for wd in range(7)},
        "closed_dates": ["2026-04-07"],
    },
    "no17": {
        "name": "No. 17",
        "opening_hours": {"1": [["10:00", "14:00"]]},  # Tuesdays only; nobody registered
        "closed_dates": [],
    },
    "_dataset": {"name": "test", "synthetic": True, "period_start": "2026-03-30", "period_end": "2026-04-08"},
}


def _visit(citizen, day, start=None, end=None, offer="auc", closed=False):
    d = pd.Timestamp(day)
    return {
        "offer_id": offer,
        "date": d,
        "citizen_key": citizen,
        "start": d + pd.Timedelta(start) if start else pd.NaT,
        "end": d + pd.Timedelta(end) if end else pd.NaT,
        "granularity": "timed" if start else "day",
        "on_closed_day": closed,
    }


@pytest.fixture
def visits() -> pd.DataFrame:
    rows = [
        # 30 Mar: A leaves at 11:00 as C arrives (no overlap) → peak 2; D day-only → unique 4, visits 4.
        _visit("A", "2026-03-30", "9h", "11h"),
        _visit("B", "2026-03-30", "10h", "12h"),
        _visit("C", "2026-03-30", "11h", "13h"),
        _visit("D", "2026-03-30"),
        # 31 Mar: three arrive at the same instant (tie) → peak 3; A comes twice → unique 3, visits 4.
        _visit("A", "2026-03-31", "9h", "10h"),
        _visit("B", "2026-03-31", "9h", "10h"),
        _visit("C", "2026-03-31", "9h", "10h"),
        _visit("A", "2026-03-31", "13h", "14h"),
        # 1 Apr: open, nobody came → unique 0, peak 0.
        # 7 Apr: closed date, a trip → excluded from per-day KPIs, but E is active.
        _visit("E", "2026-04-07", "9h", "15h", closed=True),
        # 8 Apr: day-only and a zero-length visit → unique 2, visits 2, peak 0.
        _visit("D", "2026-04-08"),
        _visit("F", "2026-04-08", "10h", "10h"),
        # 20 Apr: outside the period → G is referred but not active.
        _visit("G", "2026-04-20", "9h", "12h"),
    ]
    return pd.DataFrame(rows)


@pytest.fixture
def referrals() -> pd.DataFrame:
    rows = [("auc", c, "2025-06-01", None) for c in "ABCDEGH"]
    rows.append(("auc", "I", "2026-01-01", "2026-02-01"))  # referral ended before the period
    frame = pd.DataFrame(rows, columns=["offer_id", "citizen_key", "referral_start", "referral_end"])
    frame["referral_start"] = pd.to_datetime(frame["referral_start"])
    frame["referral_end"] = pd.to_datetime(frame["referral_end"])
    frame["age_band"] = "30-49"
    return frame


def test_opening_days_skip_holidays_closed_dates_and_closed_weekdays():
    days = opening_days(OFFERS, "auc")
    assert [d.strftime("%Y-%m-%d") for d in days] == ["2026-03-30", "2026-03-31", "2026-04-01", "2026-04-08"]
    assert [d.strftime("%Y-%m-%d") for d in opening_days(OFFERS, "no17")] == ["2026-03-31", "2026-04-07"]


def test_headline_kpis_hand_computed(visits, referrals):
    kpis = headline_kpis(visits, referrals, OFFERS)
    assert kpis["auc"] == {
        "referred": 7,
        "active": 5,
        "opening_days": 4,
        "visits": 10,
        "unique_per_day_mean": 2.25,
        "unique_per_day_min": 0,
        "unique_per_day_max": 4,
        "peak_concurrent_max": 3,
        "peak_concurrent_min": 0,
    }
    assert kpis["no17"]["opening_days"] == 2
    assert kpis["no17"]["referred"] == 0
    assert kpis["no17"]["unique_per_day_max"] == 0
    assert set(kpis) == {"auc", "no17"}
    json.dumps(kpis)  # plain Python types only
    assert all(type(v) in (int, float) for offer in kpis.values() for v in offer.values())


def test_daily_kpis_keep_closed_day_rows_flagged(visits):
    daily = daily_kpis(visits, OFFERS)
    auc = daily[daily["offer_id"] == "auc"].set_index("date")
    assert not auc.loc["2026-04-07", "opening_day"]
    assert auc.loc["2026-04-07", "peak"] == 1
    assert auc.loc["2026-04-01", ["unique", "visits", "peak"]].tolist() == [0, 0, 0]
    assert auc.loc["2026-03-31", ["unique", "visits", "peak"]].tolist() == [3, 4, 3]
    assert pd.Timestamp("2026-04-20") not in auc.index


def test_daily_peaks_ties_and_back_to_back(visits):
    peaks = daily_peaks(visits).set_index("date")["peak"]
    assert peaks.loc["2026-03-30"] == 2
    assert peaks.loc["2026-03-31"] == 3
    assert pd.Timestamp("2026-04-08") not in peaks.index  # only a zero-length timed visit


def test_instantaneous_daily_peak_half_open():
    t = pd.Timestamp("2026-03-02")
    h = pd.Timedelta(hours=1)
    # back to back: never together
    assert instantaneous_daily_peak([t + 9 * h, t + 10 * h], [t + 10 * h, t + 11 * h]) == 1
    # nested and overlapping: 9–12 contains 10–11 and 10:30–13 → 3 at 10:30
    starts = [t + 9 * h, t + 10 * h, t + 10.5 * h]
    ends = [t + 12 * h, t + 11 * h, t + 13 * h]
    assert instantaneous_daily_peak(starts, ends) == 3
    # zero-length and missing end never count
    assert instantaneous_daily_peak([t + 9 * h, t + 9 * h], [t + 9 * h, pd.NaT]) == 0
