"""Control charts: a hand-computed p-chart, Laney p′ on overdispersed rates, step changes, false-alarm rates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from repurchase.monitoring.alerts import ChartRules, individuals_chart, p_chart


def months(k: int) -> pd.DatetimeIndex:
    return pd.date_range("2020-01-01", periods=k, freq="MS")


def test_hand_computed_p_chart():
    # Baseline: x = 18, 44, 20, 18 of n = 100, 200, 100, 100  ->  p̄ = 100 / 500 = 0.20.
    # Judged month: n = 400, so σ = √(0.2 · 0.8 / 400) = √0.0004 = 0.02;
    # limits 0.20 ± 3 · 0.02 = [0.14, 0.26], warning band ± 2σ = [0.16, 0.24].
    # z of the baseline months: (0.18 − 0.2) / 0.04 = −0.5, (0.22 − 0.2) / 0.028284 = 0.7071, 0, −0.5;
    # moving ranges 1.2071, 0.7071, 0.5 -> MR̄ = 0.80474, σ_z = 0.80474 / 1.128 = 0.71342 ≤ 1.25: a plain p-chart.
    # The month's 108 / 400 = 0.27 > 0.26: alert, above, z = 0.07 / 0.02 = 3.5.
    rules = ChartRules(baseline_months=4, min_baseline_months=4)
    chart = p_chart(months(5), [18, 44, 20, 18, 108], [100, 200, 100, 100, 400], rules)
    last = chart.iloc[-1]
    assert last["center"] == pytest.approx(0.20)
    assert (last["low"], last["high"]) == (pytest.approx(0.14), pytest.approx(0.26))
    assert (last["warn_low"], last["warn_high"]) == (pytest.approx(0.16), pytest.approx(0.24))
    assert last["sigma_z"] == pytest.approx(0.71342, abs=1e-4)
    assert last["chart"] == "p"
    assert last["z"] == pytest.approx(3.5)
    assert (last["status"], last["rule"], last["direction"]) == ("alert", "beyond_limits", "above")
    # the first four months have fewer than 4 baseline months
    assert (chart["status"].iloc[:4] == "no_baseline").all()
    assert chart["center"].iloc[:4].isna().all()


def test_month_inside_the_limits_is_normal_and_2_of_3_beyond_2_sigma_is_watch():
    rules = ChartRules(baseline_months=4, min_baseline_months=4)
    inside = p_chart(months(5), [18, 44, 20, 18, 84], [100, 200, 100, 100, 400], rules).iloc[-1]
    assert inside["value"] == pytest.approx(0.21) and inside["status"] == "normal"
    # 20 months of exactly 400 / 2,000 (p̄ = 0.2, σ_z = 0), then 445 and 446 of 2,000.
    # Month 21: σ = √(0.16 / 2000) = 0.008944, z = (0.2225 − 0.2) / 0.008944 = 2.52: beyond 2σ only -> normal.
    # Month 22: its baseline holds month 21: p̄ = (11 · 400 + 445) / 24,000 = 0.201875, σ = 0.008975;
    # z = (0.223 − 0.201875) / 0.008975 = 2.35 and month 21 at (0.2225 − 0.201875) / 0.008975 = 2.30: 2 of 3 -> watch.
    x, n = [400] * 20 + [445, 446], [2000] * 22
    chart = p_chart(months(22), x, n)
    assert chart.iloc[20]["z"] == pytest.approx(2.52, abs=0.01) and chart.iloc[20]["status"] == "normal"
    last = chart.iloc[-1]
    assert last["center"] == pytest.approx(0.201875)
    assert last["z"] == pytest.approx(2.354, abs=0.002)
    assert (last["status"], last["rule"], last["direction"]) == ("watch", "two_of_three", "above")


def binomial_series(rng: np.random.Generator, k: int, p: np.ndarray | float, n_low=800, n_high=3000):
    n = rng.integers(n_low, n_high, k)
    return rng.binomial(n, p), n


def test_planted_step_change_is_alerted_in_its_month():
    rng = np.random.default_rng(7)
    p = np.r_[np.full(24, 0.20), np.full(6, 0.25)]
    x, n = binomial_series(rng, 30, p)
    chart = p_chart(months(30), x, n)
    assert chart.iloc[24]["status"] == "alert" and chart.iloc[24]["direction"] == "above"
    assert (chart["status"].iloc[12:24] != "alert").all()


def test_step_in_an_amount_is_alerted_in_its_month():
    rng = np.random.default_rng(3)
    v = np.r_[rng.normal(100, 5, 24), rng.normal(70, 5, 3)]
    chart = individuals_chart(months(27), v)
    assert chart.iloc[24]["status"] == "alert" and chart.iloc[24]["direction"] == "below"
    assert chart.iloc[24]["chart"] == "individuals"


def test_stable_binomial_series_alerts_in_at_most_5_percent_of_months():
    rng = np.random.default_rng(2026)
    judged = alerts = watch = 0
    for _ in range(200):
        x, n = binomial_series(rng, 48, 0.2)
        chart = p_chart(months(48), x, n)
        known = chart[chart["status"] != "no_baseline"]
        judged += len(known)
        alerts += int((known["status"] == "alert").sum())
        watch += int((known["status"] == "watch").sum())
    assert judged == 200 * 42
    assert alerts / judged <= 0.05
    assert alerts / judged < 0.01  # 3σ limits: about 0.3% expected
    assert (alerts + watch) / judged <= 0.05


def test_stable_amounts_alert_in_at_most_5_percent_of_months():
    rng = np.random.default_rng(11)
    charts = [individuals_chart(months(48), rng.normal(1000, 50, 48)) for _ in range(200)]
    status = pd.concat(charts)["status"]
    known = status[status != "no_baseline"]
    assert (known == "alert").mean() <= 0.05


def test_overdispersed_rates_use_laney_limits_and_do_not_alarm():
    rng = np.random.default_rng(5)
    judged = alerts = laney = plain_alerts = 0
    for _ in range(50):
        p = np.clip(rng.normal(0.2, 0.02, 48), 0.01, 0.99)  # between-month sd 0.02 ≫ binomial sd ≈ 0.008 at n = 2,500
        x, n = binomial_series(rng, 48, p, 2000, 3000)
        chart = p_chart(months(48), x, n)
        known = chart[chart["status"] != "no_baseline"]
        judged += len(known)
        laney += int((known["chart"] == "laney").sum())
        alerts += int((known["status"] == "alert").sum())
        plain = p_chart(months(48), x, n, ChartRules(laney_above=np.inf))
        plain_alerts += int((plain["status"] == "alert").sum())
    assert laney / judged > 0.95
    assert alerts / judged <= 0.05
    assert plain_alerts / judged > 0.2  # the plain p-chart alarms on much of the series: why Laney exists
    last = chart.iloc[-1]
    assert last["sigma_z"] > 1.25
    # the p′ limits are σ_z times as wide as the p-chart's
    half = (last["high"] - last["low"]) / 2
    assert half == pytest.approx(3 * last["sigma_z"] * np.sqrt(last["center"] * (1 - last["center"]) / last["n"]))


def test_run_of_eight_above_the_centre_is_watch():
    rng = np.random.default_rng(1)
    v = np.r_[rng.normal(100, 10, 16), np.full(8, 112.0)]  # +1.2σ: inside the warning band, a run
    chart = individuals_chart(months(24), v, ChartRules(baseline_months=16, min_baseline_months=6))
    assert chart.iloc[-1]["status"] in ("watch", "alert")
    assert chart.iloc[-1]["rule"] in ("run", "two_of_three", "beyond_limits")
    assert chart.iloc[16]["rule"] != "run"


def test_months_without_trials_have_no_value():
    chart = p_chart(months(8), [10] * 7 + [0], [100] * 7 + [0], ChartRules(min_baseline_months=3))
    assert np.isnan(chart.iloc[-1]["value"]) and chart.iloc[-1]["status"] == "no_baseline"
