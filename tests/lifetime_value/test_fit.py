"""Fits: published CDNOW estimates, weighted = unweighted, recovery from simulations, retries, backtest probabilities."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from repurchase import lifetime_value as lv
from repurchase.core.errors import AnalysisError
from repurchase.core.periods import Window
from repurchase.lifetime_value.models._optimize import FitError


def _sig3(value: float) -> float:
    return float(f"{value:.3g}")


def test_cdnow_published_estimates_to_three_significant_figures(cdnow_cal, cdnow_fits, cdnow_spend):
    """Fader, Hardie & Lee (2005) on CDNOW_sample, 39-week calibration, through our summary and fits.

    Gamma-Gamma uses the published treatment: the 946 calibration repeat customers,
    m = mean value of their repeat purchase occasions (customer-days) in calibration.
    """
    assert len(cdnow_cal) == 2357
    assert cdnow_cal["T_cal"].max() == pytest.approx(38.857, abs=1e-3)  # 272 days / 7
    bg = cdnow_fits["bgnbd"].params
    assert {k: _sig3(v) for k, v in bg.items()} == {"r": 0.243, "alpha": 4.41, "a": 0.793, "b": 2.43}
    assert bg["alpha"] == pytest.approx(4.414, abs=5e-4) and bg["b"] == pytest.approx(2.426, abs=5e-4)
    assert cdnow_fits["bgnbd"].log_likelihood == pytest.approx(-9582.4, abs=0.05)
    pn = cdnow_fits["pareto_nbd"].params
    assert {k: _sig3(v) for k, v in pn.items()} == {"r": 0.553, "alpha": 10.6, "s": 0.606, "beta": 11.7}
    assert pn["alpha"] == pytest.approx(10.58, abs=5e-3) and pn["beta"] == pytest.approx(11.67, abs=5e-3)
    assert cdnow_fits["pareto_nbd"].log_likelihood == pytest.approx(-9595.0, abs=0.05)
    gg = cdnow_spend.params
    assert cdnow_spend.n_customers == 946
    assert {k: _sig3(v) for k, v in gg.items()} == {"p": 6.25, "q": 3.74, "v": 15.4}
    assert gg["v"] == pytest.approx(15.44, abs=5e-3)
    # standard errors are reported and positive for every parameter
    for fit in [*cdnow_fits.fits.values(), cdnow_spend]:
        assert all(se > 0 and np.isfinite(se) for se in fit.standard_errors.values())
        assert not fit.retried and fit.penalizer == 0
        assert fit.aic == pytest.approx(2 * 4 - 2 * fit.log_likelihood if fit.n_params == 4 else fit.aic)
    # a fit holds its model object, which knows its code and unit
    assert isinstance(cdnow_fits["bgnbd"].model, lv.BGNBD) and cdnow_fits["bgnbd"].code == "bgnbd"
    assert cdnow_spend.model.time_unit == "W" and isinstance(cdnow_spend.model, lv.GammaGamma)


def test_weighted_unique_fit_equals_unweighted(cdnow_cal, cdnow_fits, cdnow_spend):
    for code in lv.TRANSACTION_MODELS:
        weighted = cdnow_fits[code]
        assert weighted.n_unique < weighted.n_customers
        full = lv.fit_model(cdnow_cal, lv.model_class(code), weighted=False)
        assert full.n_unique == full.n_customers
        for name, value in weighted.params.items():
            assert value == pytest.approx(full.params[name], rel=1e-4), (code, name)
        assert weighted.log_likelihood == pytest.approx(full.log_likelihood, abs=1e-4)
    full_gg = lv.fit_model(cdnow_cal, lv.GammaGamma, weighted=False)
    for name, value in cdnow_spend.params.items():
        assert value == pytest.approx(full_gg.params[name], rel=1e-4)


def test_simulated_parameters_are_recovered():
    """Simulate 20,000 customers from known BG/NBD and Gamma-Gamma parameters and refit.

    Tolerance: each estimate within 4 of its own standard errors of the truth. The
    standard errors come from the observed information and measure the sampling
    error of a correct fit at this size; |z| > 4 happens by chance with
    probability 6e-5 per parameter, so a failure means bias (in the summary, the
    simulation or the fit), not bad luck.

    Time scale: the simulation runs at the CDNOW parameters with α × 10 (purchases
    ten times slower per week) over ten times the calendar. At the CDNOW rates
    themselves, flooring event times to days merges same-day purchases of heavy
    buyers (the customer-day convention, as in real data), which biases α upward
    by about 2 SE at this size (mean z 1.9 over 12 seeds); ten times slower makes
    that merge rare (mean z 0.45 over 8 seeds), so the test checks the code, not
    the calendar.
    """
    truth = {"r": 0.243, "alpha": 44.14, "a": 0.793, "b": 2.426}
    spend_truth = {"p": 6.25, "q": 3.74, "v": 15.44}
    tx = lv.BGNBD(truth).simulate(
        20_000, spend=lv.GammaGamma(spend_truth), acquisition_days=840, observation_days=5460,
        lines_per_occasion=0.3, seed=11,
    )  # fmt: skip
    end = pd.Timestamp("2024-01-01") + pd.Timedelta(days=5459)
    summary = lv.customer_summary(tx, Window.through(end))
    assert summary["T"].max() <= 5459 / 7
    fit = lv.fit_model(summary, lv.BGNBD)
    spend = lv.fit_spend(summary)
    for result, true in ((fit, truth), (spend, spend_truth)):
        for name, value in true.items():
            z = (result.params[name] - value) / result.standard_errors[name]
            assert abs(z) < 4, (name, result.params[name], value, result.standard_errors[name])
    assert fit.params["r"] == pytest.approx(truth["r"], rel=0.1)
    assert fit.params["alpha"] == pytest.approx(truth["alpha"], rel=0.1)
    # the fitted spend distribution's mean matches the truth's v·p/(q−1)
    assert spend.model.mean == pytest.approx(lv.GammaGamma(spend_truth).mean, rel=0.05)


def test_simulator_pareto_recovers_parameters():
    truth = {"r": 0.553, "alpha": 10.58, "s": 0.606, "beta": 11.67}
    truth = {**truth, "alpha": truth["alpha"] * 10, "beta": truth["beta"] * 10}  # slower: see above
    tx = lv.simulate_transactions(
        8000, model="pareto_nbd", params=truth, acquisition_days=840, observation_days=5460, seed=5
    )
    end = pd.Timestamp("2024-01-01") + pd.Timedelta(days=5459)
    fit = lv.fit_model(lv.customer_summary(tx, Window.through(end)), lv.ParetoNBD)
    for name, value in truth.items():
        assert abs(fit.params[name] - value) < 4 * fit.standard_errors[name], name


def test_the_simulation_helper_is_the_class_method():
    a = lv.simulate_transactions(300, model="mbgnbd", seed=7, observation_days=200)
    b = lv.MBGNBD(lv.MBGNBD.published).simulate(300, seed=7, observation_days=200)
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(AnalysisError, match="unknown model 'gamma_gamma'"):
        lv.simulate_transactions(10, model="gamma_gamma")


def _fail_unpenalized(original):
    def _estimate(cls, columns, weights, penalizer):
        if penalizer == 0:
            print("  message: Desired error not necessarily achieved due to precision loss.\n  success: False")
            raise FitError("The model did not converge.")
        return original(columns, weights, penalizer)

    return classmethod(_estimate)


def test_convergence_failure_is_retried_with_a_penalizer_and_reported(cdnow_cal, monkeypatch, capsys, helpers):
    monkeypatch.setattr(lv.BGNBD, "estimate", _fail_unpenalized(lv.BGNBD.estimate))
    fit = lv.fit_model(cdnow_cal, lv.BGNBD, retry_penalizer=1e-3)
    assert fit.retried and fit.penalizer == 1e-3
    assert "precision loss" in fit.retry_reason
    assert "refitted with penalizer 0.001" in lv.text.fit_text(fit)
    # in Chinese the optimiser's English message is replaced by the catalog's reason
    assert "首次拟合失败（优化器未能收敛），已加惩罚项 0.001 重新拟合" in lv.text.fit_text(fit, "zh")
    assert not helpers.english_words(lv.text.fit_text(fit, "zh"))
    assert capsys.readouterr().out == ""  # lifetimes' print of the optimiser result is captured
    # a small penalizer barely moves the estimates
    assert fit.params["r"] == pytest.approx(0.243, rel=0.05)
    comparison = lv.compare_models(cdnow_cal, {"bgnbd": fit})
    assert bool(comparison.loc[0, "retried"]) is True


def test_convergence_failure_twice_raises(cdnow_cal, monkeypatch):
    def _always(cls, *args, **kwargs):
        raise FitError("The model did not converge.")

    monkeypatch.setattr(lv.BGNBD, "estimate", classmethod(_always))
    with pytest.raises(AnalysisError, match=r"BG/NBD did not converge .*penalizer 0.001.*lifetime_value.penalizer"):
        lv.fit_model(cdnow_cal, lv.BGNBD)
    fits = lv.fit_transaction_models(cdnow_cal, ("bgnbd", "pareto_nbd"))
    assert "bgnbd" in fits.failures and list(fits) == ["pareto_nbd"]
    assert "BG/NBD failed: BG/NBD did not converge" in lv.text.fits_text(fits)[-1]
    assert lv.text.fits_text(fits, "zh")[-1] == "BG/NBD 拟合失败：即使加惩罚项重试也未能收敛。"
    with pytest.raises(AnalysisError, match="not fitted"):
        lv.select_model(lv.compare_models(cdnow_cal, fits), "bgnbd")


def test_library_changes_no_global_state(cdnow_cal):
    filters = list(warnings.filters)
    option = pd.get_option("mode.chained_assignment")
    lv.fit_model(cdnow_cal, lv.MBGNBD)
    assert pd.get_option("mode.chained_assignment") == option
    assert list(warnings.filters) == filters


def test_purchase_probabilities_at_a_backtest_cutoff(cdnow):
    """Summary of a window ending at a cutoff, a fit, then P(buy again / no purchase within 90 days) per customer."""
    cutoff = pd.Timestamp("1998-01-01")
    summary = lv.customer_summary(cdnow, Window.ending(cutoff), occasion="customer_day")
    assert summary.attrs["observation_end"] == pd.Timestamp("1997-12-31")
    assert summary["last_purchase"].max() < cutoff
    fit = lv.fit_model(summary, lv.BGNBD)
    probs = lv.purchase_probabilities(fit, summary, 90)
    assert list(probs.columns) == ["customer_id", "frequency", "recency", "T", "p_alive", "p_buy_again",
                                   "p_no_purchase"]  # fmt: skip
    assert list(probs["customer_id"]) == list(summary["customer_id"])
    x, tx, T = (summary[c].to_numpy() for c in ("frequency", "recency", "T"))
    np.testing.assert_allclose(probs["p_buy_again"], fit.model.p_buy_again(90 / 7, x, tx, T), rtol=1e-12)
    np.testing.assert_allclose(probs["p_no_purchase"], 1 - probs["p_buy_again"], rtol=1e-12)
    assert (probs["p_buy_again"] <= probs["p_alive"] + 1e-12).all()
    # the model object alone gives the same numbers
    pd.testing.assert_frame_equal(lv.purchase_probabilities(fit.model, summary, 90), probs)
    with pytest.raises(AnalysisError, match="not a purchase model"):
        lv.purchase_probabilities(lv.fit_spend(summary), summary, 90)
