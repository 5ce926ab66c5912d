"""Predictive intervals: purchases' own randomness plus parameter uncertainty, checked on simulations (issue #15)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from repurchase import lifetime_value as lv
from repurchase.core.errors import AnalysisError
from repurchase.core.periods import Window
from repurchase.lifetime_value import intervals as iv
from repurchase.lifetime_value.models import BGNBD, MBGNBD, ParetoNBD

TRUE = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}


@pytest.fixture(scope="module")
def simulated() -> pd.DataFrame:
    """3,000 BG/NBD customers with known parameters: 39 calibration weeks, 39 holdout weeks."""
    tx = BGNBD(TRUE).simulate(3000, acquisition_days=84, observation_days=546, seed=1)
    cal = Window.through("2024-09-29", start="2024-01-01")
    hold = Window.through("2025-06-29", start=cal.end_exclusive)
    return lv.calibration_holdout_summary(tx, cal, hold)


def _known(model=BGNBD, params=TRUE) -> lv.FitResult:
    names = model.param_names
    return lv.FitResult(model(params), dict.fromkeys(names, 0.0), np.zeros((4, 4)), 0.0, 3000, 3000)


@pytest.mark.parametrize("model", [BGNBD, MBGNBD, ParetoNBD])
def test_simulated_futures_match_the_closed_forms(model):
    x, tx, T = np.array([0.0, 1, 3, 10]), np.array([0.0, 5, 20, 30]), np.array([39.0, 39, 35, 38])
    m = model(model.published)
    n = 100_000
    sims = m.simulate_future(np.random.default_rng(0), 39.0, *(np.broadcast_to(v, (n, 4)) for v in (x, tx, T)))
    assert sims.mean(axis=0) == pytest.approx(m.conditional_expected_purchases(39.0, x, tx, T), rel=0.03, abs=0.005)
    assert (sims > 0).mean(axis=0) == pytest.approx(m.p_buy_again(39.0, x, tx, T), abs=0.006)


def test_split_tie_coverage_is_hand_computed():
    # predictive: P(0) = 0.5, P(1) = 0.3, P(2) = 0.2 (10 simulations); central 90% = [0.05, 0.95]
    sims = np.array([0, 0, 0, 0, 0, 1, 1, 1, 2, 2])[:, None].repeat(3, axis=1)
    cover = iv.split_tie_coverage(sims, np.array([0.0, 1.0, 2.0]), 0.9)
    # y = 0: [0, 0.5] ∩ [0.05, 0.95] = 0.45 of 0.5; y = 1: [0.5, 0.8] whole; y = 2: [0.8, 1] -> 0.15 of 0.2
    assert cover == pytest.approx([0.9, 1.0, 0.75])
    # a count with no simulated mass: covered only inside the central range
    assert iv.split_tie_coverage(sims[:, :1], np.array([5.0]), 0.9) == pytest.approx([0.0])


def test_90_percent_predictive_intervals_cover_85_to_95_percent_with_known_parameters(simulated):
    check = iv.holdout_coverage(simulated, _known(), level=0.9, simulations=400, parameter_uncertainty=False, seed=3)
    assert 0.85 <= check.coverage <= 0.95
    assert check.coverage_inclusive >= 0.9  # whole counts: bounds counted whole cover at least the level
    assert check.total_inside


def test_fitted_predictive_intervals_cover_and_parameter_only_ones_do_not(simulated):
    fit = lv.fit_model(simulated, BGNBD)
    check = iv.holdout_coverage(simulated, fit, level=0.9, simulations=300, seed=4)
    assert 0.85 <= check.coverage <= 0.95
    # intervals of the expected purchases miss most customers' actual counts
    assert check.parameter_coverage < 0.5
    assert check.total_low <= check.total_parameter_low and check.total_high >= check.total_parameter_high


def test_predictive_intervals_of_clv_contain_the_parameter_ones(simulated):
    summary = simulated.rename(columns={"frequency_cal": "frequency", "recency_cal": "recency", "T_cal": "T"})
    summary = summary.assign(customer_id=np.arange(len(summary)).astype(str), monetary_value=10.0,
                             total_value=10.0 * (summary["frequency"] + 1))  # fmt: skip
    fit = lv.fit_model(summary, BGNBD)
    clv = lv.customer_lifetime_value(summary, fit, None, horizon_months=6, draws=100)
    pred = iv.predictive_intervals(clv.customers, fit, 6, simulations=200, seed=1)
    est, lo, hi = pred.total("clv")
    _, p_lo, p_hi = clv.total("clv")
    assert est == pytest.approx(clv.total("clv")[0])
    assert lo <= p_lo + 1e-6 and hi >= p_hi - 1e-6 and lo < est < hi
    per = pred.customers
    assert (per["purchases_predictive_low"] <= per["purchases_predictive_high"]).all()
    # one customer's count is whole: the upper bound of most is 0, 1 or 2, far wider than the expectation's interval
    assert (per["purchases_predictive_high"] >= clv.customers["expected_purchases_high"].to_numpy() - 1e-9).mean() > 0.9


def test_settings_are_checked(simulated):
    with pytest.raises(AnalysisError, match="level"):
        iv.holdout_coverage(simulated, _known(), level=1.2)
    with pytest.raises(AnalysisError, match="simulations"):
        iv.holdout_coverage(simulated, _known(), simulations=2)


def test_cdnow_report_prints_the_coverage_and_names_each_interval(cdnow_result):
    from repurchase.lifetime_value import text

    res = cdnow_result
    check = res.interval_check
    assert check is not None and check.model == res.model and check.customers == 2357
    assert 0.8 <= check.coverage <= 0.97 and check.parameter_coverage < 0.2
    m = lv.lifetime_value_metrics(res)
    assert m["holdout"]["interval_coverage"]["predictive"] == pytest.approx(check.coverage)
    assert m["clv_total_interval"] == "parameter_only"
    assert m["clv_total_predictive_low"] < m["clv_total_low"] < m["clv_total_high"] < m["clv_total_predictive_high"]
    words = text.describe_intervals(res, "en")
    assert f"held {check.coverage:.1%}" in words and "Parameter-only" in words
    assert "Predictive 90% interval" in text.describe_clv(res, "en", "USD")
    kinds = text.totals_table(res, "en").frame["ltv_interval"]
    assert sorted(set(kinds)) == ["parameter only", "predictive"]
    export = lv.clv_export(res)
    assert {"clv_predictive_low", "clv_predictive_high", "purchases_predictive_high"} <= set(export.columns)
    assert (export["clv_predictive_low"] <= export["clv"] + 0.01).all()
