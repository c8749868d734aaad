"""KPI tests on small hand-built cases whose answers are worked out by hand in the comments."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from reference import instantaneous_daily_peak

from attendance.demand.kpis import (
    arrival_profile,
    daily_kpis,
    headline_kpis,
    kpis_by_slot,
    kpis_by_weekday,
    opening_days,
    period_kpis,
    stay_length_summary,
    stay_lengths,
    usage_band_summary,
    usage_bands,
)
from attendance.demand.occupancy import daily_peaks

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


def test_kpis_by_weekday(visits):
    table = kpis_by_weekday(visits, OFFERS).set_index(["offer_id", "weekday"])
    monday = table.loc[("auc", 0)]  # 30 Mar only; 6 Apr is Easter Monday
    assert monday["opening_days"] == 1 and monday["unique_mean"] == 4 and monday["peak_max"] == 2
    wednesday = table.loc[("auc", 2)]  # 1 Apr (nobody) and 8 Apr (2 unique, peak 0)
    assert wednesday["opening_days"] == 2 and wednesday["unique_mean"] == 1.0 and wednesday["peak_max"] == 0
    assert table.loc[("no17", 1), "opening_days"] == 2


def test_kpis_by_slot_over_opening_days_only(visits):
    summary = kpis_by_slot(visits, OFFERS, 60)
    occ = summary[summary["measure"] == "occupancy"].set_index(["offer_id", "day_of_week", "bin_of_day"])
    assert occ.loc[("auc", 0, 10), "mean"] == 2.0  # A and B the whole hour on 30 Mar
    tuesday = occ.loc[("auc", 1, 9)]  # 31 Mar only: the trip on closed 7 Apr is left out
    assert tuesday["count"] == 1 and tuesday["max"] == 3.0
    arr = summary[summary["measure"] == "arrivals"].set_index(["offer_id", "day_of_week", "bin_of_day"])
    assert arr.loc[("auc", 2, 10), "count"] == 2 and arr.loc[("auc", 2, 10), "mean"] == 0.5  # zero-length F
    assert occ.loc[("no17", 1, 10), "count"] == 2 and occ.loc[("no17", 1, 10), "max"] == 0.0  # nobody came


def test_arrival_profile(visits):
    profile = arrival_profile(visits, OFFERS, 60).set_index(["offer_id", "day_of_week", "bin_of_day"])
    for hour in (9, 10, 11):
        assert profile.loc[("auc", 0, hour), "arrivals_mean"] == 1.0
        assert profile.loc[("auc", 0, hour), "arrival_share"] == pytest.approx(1 / 3)
    assert profile.loc[("auc", 0, 12), "arrival_share"] == 0.0


def test_stay_lengths(visits):
    stays = stay_lengths(visits)
    assert len(stays) == 10  # timed visits with both ends, zero-length included
    summary = stay_length_summary(visits).set_index("offer_id")
    assert summary.loc["auc", "mean"] == pytest.approx(114.0)
    assert summary.loc["auc", "max"] == 360 and summary.loc["auc", "min"] == 0


def test_usage_bands(visits, referrals):
    bands = usage_bands(visits, referrals, OFFERS).set_index("citizen_key")
    assert bands.loc["A", "visits"] == 3 and bands.loc["A", "band"] == "3–9"
    assert bands.loc["A", "visits_per_week"] == pytest.approx(3 / (10 / 7))
    assert bands.loc["G", "band"] == "0" and bands.loc["H", "band"] == "0"  # G only came after the period
    assert not bands.loc["F", "referred"] and bands.loc["F", "band"] == "1–2"
    assert "I" not in bands.index  # referral ended before the period
    summary = usage_band_summary(bands.reset_index())
    auc = summary[summary["offer_id"] == "auc"].set_index("band")["citizens"]
    unreferred = int((~bands["referred"] & (bands["offer_id"] == "auc")).sum())
    assert auc.to_dict() == {"0": 2, "1–2": 5 - unreferred, "3–9": 1, "10+": 0}  # referred citizens only
    rows = summary[summary["offer_id"] == "auc"].set_index("band")
    assert rows["unreferred_visitors"].sum() == unreferred and rows.loc["1–2", "unreferred_visitors"] >= 1
    assert rows["share"].sum() == pytest.approx(1.0)
    assert rows.loc["0", "share"] == pytest.approx(2 / rows["citizens"].sum())


def test_period_kpis(visits):
    periods = {"formiddag": ["08:00", "12:00"], "eftermiddag": ["12:00", "17:00"]}
    table = period_kpis(visits, OFFERS, periods, by_weekday=False).set_index(["offer_id", "period"])
    morning = table.loc[("auc", "formiddag")]
    assert morning["opening_days"] == 4
    # AUC opens 09:00–15:00: only the open hours 09–12 and 12–15 of the periods are averaged
    assert morning["occupancy_mean"] == pytest.approx((5 / 3 + 3 / 3) / 4)
    assert morning["arrivals_per_day"] == pytest.approx(7 / 4)
    assert morning["occupancy_max_slot"] == pytest.approx(1.0)
    afternoon = table.loc[("auc", "eftermiddag")]
    assert afternoon["occupancy_mean"] == pytest.approx((1 / 3 + 1 / 3) / 4)
    assert afternoon["arrivals_per_day"] == pytest.approx(1 / 4)
    by_day = period_kpis(visits, OFFERS, periods).set_index(["offer_id", "day_of_week", "period"])
    assert by_day.loc[("auc", 1, "formiddag"), "occupancy_mean"] == pytest.approx(1.0)
