"""Demand model tests on synthetic visits whose true arrival rates and stays are known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from reference import instantaneous_mean

from attendance.demand.kpis import opening_days
from attendance.demand.model import (
    ArrivalModel,
    arrival_counts,
    daily_prediction,
    day_grid,
    fit_offer_models,
    holdout_start,
    load_models,
    model_days,
    monte_carlo_metrics,
    predict_daily,
    predict_occupancy,
    quantile_mc_interval,
    simulate_arrivals,
    simulate_days,
    simulate_offers,
    simulated_day_outcomes,
    slot_grid,
    stay_survival,
    validate_holdout,
)
from attendance.errors import InputError

BIN = 30
HOURS = {**{str(wd): [["09:00", "15:00"]] for wd in range(4)}, "4": [["09:00", "13:00"]]}
CLOSE = {0: 900, 1: 900, 2: 900, 3: 900, 4: 780}


def make_offers(start: str = "2026-03-02", end: str = "2026-05-22") -> dict:
    return {
        "auc": {"name": "AUC", "opening_hours": HOURS, "closed_dates": []},
        "_dataset": {"name": "test", "synthetic": True, "period_start": start, "period_end": end},
    }


def true_rates(grid: pd.DataFrame, base: float = 2.0) -> np.ndarray:
    """A morning hill in the arrivals and a mild weekday effect (log-additive, as the model assumes)."""
    shape = np.exp(-(((grid["slot_minute"] - 600) / 120.0) ** 2)) + 0.2
    return (base * shape * (1 + 0.1 * grid["weekday"])).to_numpy()


def make_visits(offers: dict, *, seed: int, alpha: float = 0.0, stay_mean: float = 90.0, base: float = 2.0):
    """Timed visits: counts per slot Poisson (alpha = 0) or gamma–Poisson, uniform arrival, exponential stay."""
    rng = np.random.default_rng(seed)
    days = opening_days(offers, "auc")
    grid = slot_grid(HOURS, BIN)
    cells = pd.DataFrame({"date": days, "weekday": days.weekday}).merge(grid, on="weekday")
    mu = true_rates(cells, base)
    if alpha > 0:
        mu = rng.gamma(1 / alpha, alpha * mu)
    n = rng.poisson(mu)
    rows = cells.loc[cells.index.repeat(n)].reset_index(drop=True)
    start = np.floor(
        rows["slot_minute"] + rng.random(len(rows)) * (rows["slot_end_minute"] - rows["slot_minute"])
    )
    end = np.minimum(start + np.round(rng.exponential(stay_mean, len(rows))), rows["weekday"].map(CLOSE))
    return pd.DataFrame(
        {
            "offer_id": "auc",
            "date": rows["date"],
            "citizen_key": [f"{i:016x}" for i in rng.integers(0, 10_000, len(rows))],
            "start": rows["date"] + pd.to_timedelta(start, unit="min"),
            "end": rows["date"] + pd.to_timedelta(end, unit="min"),
            "granularity": "timed",
            "on_closed_day": False,
        }
    )


def slot_occupancy(visits: pd.DataFrame, offers: dict) -> pd.DataFrame:
    """Observed slot occupancy (fraction of each slot a visit is present), every model day × slot filled."""
    grid = slot_grid(HOURS, BIN)
    days = model_days(visits, offers, "auc")
    cells = pd.DataFrame({"date": days, "weekday": days.weekday}).merge(grid, on="weekday")
    v = visits.assign(
        s=(visits["start"] - visits["date"]).dt.total_seconds() / 60,
        e=(visits["end"] - visits["date"]).dt.total_seconds() / 60,
    )
    m = v.merge(cells, on="date")
    overlap = (np.minimum(m["e"], m["slot_end_minute"]) - np.maximum(m["s"], m["slot_minute"])).clip(lower=0)
    m["occupancy"] = overlap / (m["slot_end_minute"] - m["slot_minute"])
    occ = m.groupby(["date", "slot_minute"], as_index=False)["occupancy"].sum()
    out = cells.merge(occ, on=["date", "slot_minute"], how="left").fillna({"occupancy": 0.0})
    out["offer_id"] = "auc"
    return out


def fixed_model(rate: float, stay: float, *, alpha: float = 0.0) -> ArrivalModel:
    """A hand-built model: `rate` expected arrivals in every 30-min slot 09–15 on Monday, every stay `stay` min."""
    grid = slot_grid({"0": [["09:00", "15:00"]]}, BIN)
    return ArrivalModel(
        offer_id="auc",
        family="poisson" if alpha == 0 else "negative_binomial",
        alpha=alpha,
        rates=grid.assign(rate=rate),
        survival=pd.DataFrame({"minutes": [0.0, stay], "survival": [1.0, 0.0]}),
        unique_ratio=1.0,
        bin_minutes=BIN,
    )


@pytest.fixture(scope="module")
def offers() -> dict:
    return make_offers()


@pytest.fixture(scope="module")
def poisson_visits(offers) -> pd.DataFrame:
    return make_visits(offers, seed=11)


def test_glm_picks_poisson_on_poisson_data(offers, poisson_visits):
    model = fit_offer_models(poisson_visits, offers, bin_minutes=BIN, dispersion_alpha=0.05)["auc"]
    assert model.family == "poisson"
    assert model.alpha == 0.0
    assert model.dispersion["ct_pvalue"] >= 0.05
    assert 0.8 < model.dispersion["pearson_ratio"] < 1.2
    assert "Poisson" in model.dispersion["reason"]


def test_glm_picks_negative_binomial_on_overdispersed_data(offers):
    visits = make_visits(offers, seed=12, alpha=0.5)
    model = fit_offer_models(visits, offers, bin_minutes=BIN, dispersion_alpha=0.05)["auc"]
    assert model.family == "negative_binomial"
    assert model.dispersion["ct_pvalue"] < 0.05
    assert 0.25 < model.alpha < 1.0  # true α = 0.5


def test_fitted_rates_recover_the_truth(offers):
    visits = make_visits(offers, seed=13, base=4.0)
    model = fit_offer_models(visits, offers, bin_minutes=BIN)["auc"]
    truth = true_rates(model.rates, base=4.0)
    # ~12 days per weekday: a slot with rate ≈ 1 has a standard error of ~15 % per cell
    assert np.allclose(model.rates["rate"], truth, rtol=0.4)
    assert np.corrcoef(model.rates["rate"], truth)[0, 1] > 0.95
    assert model.rates["rate"].sum() == pytest.approx(truth.sum(), rel=0.05)


def test_slot_without_arrivals_gets_rate_zero(offers, poisson_visits):
    late = (poisson_visits["start"] - poisson_visits["date"]) >= pd.Timedelta(hours=14, minutes=30)
    model = fit_offer_models(poisson_visits[~late], offers, bin_minutes=BIN)["auc"]
    last = model.rates[model.rates["slot_minute"] == 870]
    assert (last["rate"] == 0).all() and len(last) == 4
    assert (model.rates.loc[model.rates["slot_minute"] < 870, "rate"] > 0).all()


def test_arrival_counts_zero_fill_and_skip_day_only_days(offers):
    day = pd.Timestamp("2026-03-02")  # a Monday
    visits = pd.DataFrame(
        {
            "offer_id": "auc",
            "date": [day, day, day, pd.Timestamp("2026-03-03"), day],
            "citizen_key": ["a", "b", "c", "d", "e"],
            "start": [
                day + pd.Timedelta("9h10min"),
                day + pd.Timedelta("9h29min"),
                day + pd.Timedelta("16h"),
                pd.NaT,
                day + pd.Timedelta("8h"),
            ],
            "end": [
                day + pd.Timedelta("10h"),
                day + pd.Timedelta("11h"),
                day + pd.Timedelta("17h"),
                pd.NaT,
                day + pd.Timedelta("9h"),
            ],
            "granularity": ["timed", "timed", "timed", "day", "timed"],
            "on_closed_day": False,
        }
    )
    counts = arrival_counts(visits, offers, "auc", BIN)
    assert pd.Timestamp("2026-03-03") not in set(counts["date"])  # a day-only registration that day
    monday = counts[counts["date"] == day].set_index("slot_minute")["arrivals"]
    assert monday.loc[540] == 2  # 9:10 and 9:29; 16:00 and 08:00 are outside opening hours
    assert monday.sum() == 2 and len(monday) == 12
    assert counts["date"].nunique() == len(opening_days(offers, "auc")) - 1


def test_survival_censors_stays_ending_at_closing():
    offers = make_offers()
    day = pd.Timestamp("2026-03-02")
    visits = pd.DataFrame(
        {
            "offer_id": "auc",
            "date": day,
            "citizen_key": ["a", "b"],
            "start": [day + pd.Timedelta("9h"), day + pd.Timedelta("14h")],
            "end": [day + pd.Timedelta("11h"), day + pd.Timedelta("15h")],  # b is still there at closing
            "granularity": "timed",
            "on_closed_day": False,
        }
    )
    surv = stay_survival(visits, offers, "auc", pd.DatetimeIndex([day]))
    # b's 60 min are censored (no departure observed), a leaves at 120 → S = 1 until 120, then 0.
    # Without censoring S(60) would be 0.5.
    assert surv["minutes"].tolist() == [0.0, 120.0]
    assert surv["survival"].tolist() == [1.0, 0.0]


def test_constant_rate_fixed_stay_gives_lambda_times_s():
    rate, stay = 3.0, 60.0  # 3 arrivals per 30 min → λ = 0.1/min; m = λ·s = 6 after warm-up
    prediction = predict_occupancy(fixed_model(rate, stay)).set_index("slot_minute")
    warm = prediction.loc[prediction.index >= 540 + stay, "occupancy_mean"]
    assert np.allclose(warm, 6.0)
    # first slot by hand: m(t) = λ·(t − 9:00) for t < 10:00 → average over 9:00–9:30 = λ·15 = 1.5
    assert prediction.loc[540, "occupancy_mean"] == pytest.approx(1.5)
    # second slot: average of λ·(t−540) over 570..600 = λ·45 = 4.5
    assert prediction.loc[570, "occupancy_mean"] == pytest.approx(4.5)
    assert np.allclose(prediction["occupancy_var"], prediction["occupancy_mean"])  # Poisson
    curve = instantaneous_mean(fixed_model(rate, stay), 0, np.array([550.0, 700.0]))
    assert np.allclose(curve, [1.0, 6.0])


def test_scale_multiplies_mean_and_nb_adds_variance():
    base = predict_occupancy(fixed_model(3.0, 60.0))
    more = predict_occupancy(fixed_model(3.0, 60.0), scale=1.5)
    assert np.allclose(more["occupancy_mean"], 1.5 * base["occupancy_mean"])
    assert (more["occupancy_upper"] >= base["occupancy_upper"]).all()
    nb = predict_occupancy(fixed_model(3.0, 60.0, alpha=0.5))
    assert np.allclose(nb["occupancy_mean"], base["occupancy_mean"])
    # after warm-up two slots contribute 3 arrivals each fully present half the time: Σ(C·r)² = 2·(3·0.5)²…
    assert (nb["occupancy_var"] > nb["occupancy_mean"]).all()
    assert (nb["occupancy_upper"] >= base["occupancy_upper"]).all()


def test_mean_matches_simulation_with_true_model(offers):
    """Observed mean slot occupancy of simulated visits ≈ M_t/G/∞ mean from the true rates and stay law."""
    visits = make_visits(offers, seed=21, base=3.0, stay_mean=75.0)
    grid = slot_grid(HOURS, BIN)
    minutes = np.arange(0.0, 400.0)
    model = ArrivalModel(
        offer_id="auc",
        family="poisson",
        alpha=0.0,
        rates=grid.assign(rate=true_rates(grid, base=3.0)),
        # the simulation rounds stays to whole minutes: P(round(X) > t) = exp(−(t + 0.5)/75) on [t, t+1)
        survival=pd.DataFrame(
            {"minutes": minutes, "survival": np.where(minutes == 0, 1.0, np.exp(-(minutes + 0.5) / 75))}
        ),
        unique_ratio=1.0,
        bin_minutes=BIN,
    )
    predicted = predict_occupancy(model).set_index(["weekday", "slot_minute"])["occupancy_mean"]
    observed = slot_occupancy(visits, offers).groupby(["weekday", "slot_minute"])["occupancy"].mean()
    joined = pd.concat([predicted, observed], axis=1, keys=["p", "o"])
    # ~12 days per weekday: compare averages over the weekday (sd of the mean ≈ sqrt(m/12·…))
    assert joined["o"].mean() == pytest.approx(joined["p"].mean(), rel=0.05)
    assert (joined["o"] - joined["p"]).abs().max() < 1.5
    # and the daily simulation of the same model reproduces the mean arrivals per day
    sims = simulate_days(model, n_days=4000, seed=1)
    per_day = sims.groupby("weekday")["arrivals"].mean()
    expected = model.rates.groupby("weekday")["rate"].sum()
    assert np.allclose(per_day, expected, rtol=0.03)


def test_interval_coverage_near_nominal_on_fresh_data(offers):
    train = make_visits(offers, seed=31, base=3.0)
    model = fit_offer_models(train, offers, bin_minutes=BIN)["auc"]
    prediction = predict_occupancy(model, level=0.90)
    fresh = [make_visits(offers, seed=s, base=3.0) for s in (32, 33)]  # two independent replicates
    observed = pd.concat([slot_occupancy(visits, offers) for visits in fresh])
    scored = observed.merge(prediction, on=["weekday", "slot_minute"])
    covered = (scored["occupancy"] >= scored["occupancy_lower"]) & (
        scored["occupancy"] <= scored["occupancy_upper"]
    )
    # Poisson quantiles of a time average are conservative: at least nominal, not wildly above
    assert 0.88 <= covered.mean() <= 0.995
    daily = predict_daily(model, level=0.90, n_days=2000, seed=5)
    unique = pd.concat(
        [v.groupby("date")["citizen_key"].nunique().rename("unique").reset_index() for v in fresh]
    )
    unique["weekday"] = unique["date"].dt.weekday
    scored_days = unique.merge(daily, on="weekday")
    hit = (scored_days["unique"] >= scored_days["unique_lower"]) & (
        scored_days["unique"] <= scored_days["unique_upper"]
    )
    assert 0.8 <= hit.mean() <= 1.0


def test_nb_intervals_cover_overdispersed_data(offers):
    model = fit_offer_models(make_visits(offers, seed=41, alpha=0.4, base=3.0), offers, bin_minutes=BIN)[
        "auc"
    ]
    assert model.family == "negative_binomial"
    prediction = predict_occupancy(model, level=0.90)
    observed = pd.concat(
        [slot_occupancy(make_visits(offers, seed=s, alpha=0.4, base=3.0), offers) for s in (42, 43)]
    )
    scored = observed.merge(prediction, on=["weekday", "slot_minute"])
    covered = (scored["occupancy"] >= scored["occupancy_lower"]) & (
        scored["occupancy"] <= scored["occupancy_upper"]
    )
    assert covered.mean() >= 0.85


def test_simulation_is_deterministic_and_peak_at_least_mean():
    model = fixed_model(3.0, 60.0)
    a = simulate_days(model, n_days=500, seed=7)
    b = simulate_days(model, n_days=500, seed=7)
    pd.testing.assert_frame_equal(a, b)
    # fixed 60-min stays at λ = 0.1/min: ~6 present on average after warm-up, so peaks are well above 6
    assert a["peak"].mean() > 6.0
    assert (a["peak"] <= a["arrivals"]).all()
    daily = predict_daily(model, n_days=500, seed=7)
    assert daily.loc[0, "peak_lower"] <= daily.loc[0, "peak_mean"] <= daily.loc[0, "peak_upper"]


def _brute_force_peak(start: np.ndarray, end: np.ndarray) -> int:
    """The obvious per-day sweep (departures first at equal times), to check the vectorised one against."""
    events = sorted(
        [(t, 1) for t, e in zip(start, end, strict=True) if e > t]
        + [(e, -1) for t, e in zip(start, end, strict=True) if e > t]
    )
    running = peak = 0
    for _, delta in events:
        running += delta
        peak = max(peak, running)
    return peak


def test_vectorised_day_outcomes_match_a_per_day_loop():
    model = fixed_model(2.0, 75.0)
    model.survival = pd.DataFrame({"minutes": [0.0, 30.0, 75.0, 200.0], "survival": [1.0, 0.6, 0.3, 0.0]})
    model.unique_ratio = 0.8
    draws = simulate_arrivals(model, n_days=40, max_scale=2.0, seed=11)
    days = simulated_day_outcomes(draws, day_grid({"auc": model}), [0.5, 1.0, 2.0], n_days=40)
    for (scale, sim), row in days.set_index(["scale", "sim"]).iterrows():
        own = draws[(draws["sim"] == sim) & (draws["min_scale"] < scale)]
        start = own["arrival_minute"].to_numpy(dtype=float)
        end = np.minimum(start + own["stay_minutes"].to_numpy(dtype=float), 900.0)
        assert row["peak"] == _brute_force_peak(start, end)
        assert row["arrivals"] == len(own) and row["unique"] == int(own["unique"].sum())


def test_thinned_draws_have_the_scenario_rate_and_nb_variance():
    """Arrivals drawn at max_scale and kept below scale s are Poisson / NB2 at rate·s (exact thinning)."""
    for alpha in (0.0, 0.3):
        model = fixed_model(1.5, 60.0, alpha=alpha)
        draws = simulate_arrivals(model, n_days=6000, max_scale=2.0, seed=4)
        for scale in (0.8, 1.3):
            kept = draws[draws["min_scale"] < scale]
            counts = kept.groupby(["sim", "slot_minute"]).size()
            counts = counts.reindex(
                pd.MultiIndex.from_product([range(6000), model.rates["slot_minute"]]), fill_value=0
            )
            mean = 1.5 * scale
            assert counts.mean() == pytest.approx(mean, rel=0.02)
            assert counts.var() == pytest.approx(mean + alpha * mean**2, rel=0.05)


def test_shared_draws_are_deterministic_and_written_byte_identically(tmp_path):
    models = {"auc": fixed_model(2.0, 60.0), "no17": fixed_model(1.0, 90.0, alpha=0.2)}
    models["no17"].offer_id = "no17"
    a = simulate_offers(models, n_days=300, max_scale=2.0, seed=9)
    b = simulate_offers(models, n_days=300, max_scale=2.0, seed=9)
    a.to_parquet(tmp_path / "a.parquet", index=False)
    b.to_parquet(tmp_path / "b.parquet", index=False)
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
    # each offer has its own stream: not the same draws for two offers with the same rates
    c = simulate_offers(
        {"auc": models["auc"], "x": fixed_model(2.0, 60.0)}, n_days=300, max_scale=2.0, seed=9
    )
    assert not np.array_equal(
        c.loc[c["offer_id"] == "auc", "arrival_minute"].to_numpy()[:50],
        c.loc[c["offer_id"] == "x", "arrival_minute"].to_numpy()[:50],
    )
    assert set(a["offer_id"]) == {"auc", "no17"} and (a["min_scale"] < 2.0).all()


def test_day_without_arrivals_counts_as_a_day_with_zero():
    model = fixed_model(0.01, 60.0)
    days = simulate_days(model, n_days=200, seed=2)
    assert len(days) == 200 and (days["peak"] == 0).sum() > 150


def test_monte_carlo_error_is_sd_over_root_n_and_shrinks_with_more_days():
    model = fixed_model(1.0, 60.0)
    small = daily_prediction(
        simulate_arrivals(model, n_days=500, seed=1), {"auc": model}, n_days=500, level=0.9
    )
    large = daily_prediction(
        simulate_arrivals(model, n_days=8000, seed=1), {"auc": model}, n_days=8000, level=0.9
    )
    days = simulate_days(model, n_days=500, seed=1)
    assert small.loc[0, "peak_mean_se"] == pytest.approx(days["peak"].std() / np.sqrt(500))
    assert large.loc[0, "peak_mean_se"] == pytest.approx(small.loc[0, "peak_mean_se"] / 4, rel=0.15)
    assert abs(large.loc[0, "peak_mean"] - small.loc[0, "peak_mean"]) < 4 * small.loc[0, "peak_mean_se"]
    assert (
        small.loc[0, "peak_upper_mc_lower"]
        <= small.loc[0, "peak_upper"]
        <= small.loc[0, "peak_upper_mc_upper"]
    )
    metrics = monte_carlo_metrics(small)
    assert metrics["auc"]["simulated_days"] == 500
    assert metrics["auc"]["mc_se_peak_mean"] == pytest.approx(round(small.loc[0, "peak_mean_se"], 4))


def test_quantile_interval_covers_the_true_quantile_about_95_percent():
    rng = np.random.default_rng(0)
    q, true = 0.95, float(np.quantile(rng.normal(size=2_000_000), 0.95))
    hits = 0
    for _ in range(300):
        lo, hi = quantile_mc_interval(rng.normal(size=1000), q)
        hits += lo <= true <= hi
    assert 0.92 <= hits / 300 <= 0.99
    assert np.isnan(quantile_mc_interval(np.array([]), q)[0])


def test_too_few_days_in_the_table_is_one_line():
    model = fixed_model(2.0, 60.0)
    draws = simulate_arrivals(model, n_days=100, seed=1)
    with pytest.raises(InputError, match="simulated_days"):
        simulated_day_outcomes(draws, day_grid({"auc": model}), [1.0], n_days=50)


def test_from_tables_round_trip(offers, poisson_visits):
    model = fit_offer_models(poisson_visits, offers, bin_minutes=BIN)["auc"]
    rebuilt = ArrivalModel.from_tables(model.rates_table(), model.survival_table(), "auc")
    assert rebuilt.family == model.family and rebuilt.unique_ratio == model.unique_ratio
    pd.testing.assert_frame_equal(predict_occupancy(rebuilt, scale=1.2), predict_occupancy(model, scale=1.2))


def test_load_models_reads_the_stage_tables(tmp_path, offers, poisson_visits):
    model = fit_offer_models(poisson_visits, offers, bin_minutes=BIN)["auc"]
    model.rates_table().to_parquet(tmp_path / "arrival_rates.parquet", index=False)
    model.survival_table().to_parquet(tmp_path / "stay_survival.parquet", index=False)
    loaded = load_models(tmp_path)
    assert list(loaded) == ["auc"]
    pd.testing.assert_frame_equal(predict_occupancy(loaded["auc"]), predict_occupancy(model))
    with pytest.raises(InputError):
        load_models(tmp_path / "missing")


def test_holdout_start_is_monday_of_the_last_weeks():
    dates = pd.date_range("2026-03-02", "2026-05-22", freq="B")  # last date Friday 22 May
    assert holdout_start(dates, 2) == pd.Timestamp("2026-05-11")
    assert holdout_start(dates, 1) == pd.Timestamp("2026-05-18")


def test_validation_splits_the_last_weeks(offers, poisson_visits):
    occupancy = slot_occupancy(poisson_visits, offers)
    slots, days, metrics = validate_holdout(
        poisson_visits, offers, occupancy, bin_minutes=BIN, holdout_weeks=2, level=0.9, n_days=500
    )
    m = metrics["auc"]
    assert m["holdout_start"] == "2026-05-11"
    all_days = model_days(poisson_visits, offers, "auc")
    # 11–22 May minus Ascension Day (Thu 14 May) = 9 opening days
    assert m["holdout_days"] == int((all_days >= "2026-05-11").sum()) == 9
    assert m["train_days"] == len(all_days) - 9
    assert slots["date"].min() == pd.Timestamp("2026-05-11") and slots["date"].max() == pd.Timestamp(
        "2026-05-22"
    )
    assert sorted(days["date"].unique()) == sorted(all_days[all_days >= "2026-05-11"])
    assert len(slots) == 7 * 12 + 2 * 8  # two Fridays with 8 slots
    assert 0.8 <= m["coverage_slot_occupancy"] <= 1.0
    assert m["mae_model"] < 1.5 * m["mae_baseline"]
    # the baseline is the training mean of the same weekday × slot, not using the holdout weeks
    train = occupancy[occupancy["date"] < "2026-05-11"]
    expected = train.groupby(["weekday", "slot_minute"])["occupancy"].mean()
    got = slots.set_index(["weekday", "slot_minute"])["baseline"].groupby(level=[0, 1]).first()
    assert np.allclose(got, expected.loc[got.index])
