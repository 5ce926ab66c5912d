"""Lifetime value: summary, fits, published CDNOW estimates, recovery, CLV and intervals."""

from __future__ import annotations

import importlib.metadata
import json
import math
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("agg")  # tests draw off-screen; the library itself never calls matplotlib.use

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from repurchase import lifetime_value as lv
from repurchase.core.errors import AnalysisError
from repurchase.core.params import LifetimeValueSettings

CAL_END, HOLDOUT_END = "1997-09-30", "1998-06-30"


def _lifetimes_utils():
    """lifetimes.utils, imported without leaking its global pandas option into other tests."""
    with pd.option_context("mode.chained_assignment", pd.get_option("mode.chained_assignment")):
        with warnings.catch_warnings():
            import lifetimes.utils
    return lifetimes.utils


def _sig3(value: float) -> float:
    return float(f"{value:.3g}")


#: Latin words a Chinese report keeps: model and metric names, parameter letters, codes
_KEEP = {
    "BG",
    "NBD",
    "Pareto",
    "MBG",
    "Gamma",
    "CLV",
    "CAC",
    "MAE",
    "RMSE",
    "AUC",
    "AIC",
    "BIC",
    "USD",
    "CNY",
    "lifetime_value",
    "model",
    "margin",
    "bgnbd",
    "inf",
    "nan",
    "acquisition_channel",
    "acquisition_cost",
}  # field names of the customers source


def _english_words(text: str) -> list[str]:
    """Latin words of three letters or more that are not model names, metric acronyms or codes."""
    import re

    return [w for w in re.findall(r"[A-Za-z_]{3,}", text) if w not in _KEEP]


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    """CDNOW_sample as cleaned transactions (the file ships in the lifetimes wheel)."""
    path = importlib.metadata.distribution("lifetimes").locate_file("lifetimes/datasets/CDNOW_sample.txt")
    raw = pd.read_csv(
        path, sep=r"\s+", header=None, names=["customer_id", "index", "date", "quantity", "amount"],
        dtype={"customer_id": str, "date": str},
    )  # fmt: skip
    return pd.DataFrame(
        {
            "customer_id": raw["customer_id"],
            "order_id": raw.index.astype(str),
            "order_date": pd.to_datetime(raw["date"], format="%Y%m%d"),
            "amount": raw["amount"].astype(float),
        }
    )


@pytest.fixture(scope="module")
def cdnow_cal(cdnow) -> pd.DataFrame:
    return lv.calibration_holdout_summary(cdnow, CAL_END, HOLDOUT_END, calibration_start="1997-01-01")


@pytest.fixture(scope="module")
def cdnow_fits(cdnow_cal) -> lv.ModelFits:
    return lv.fit_transaction_models(cdnow_cal)


@pytest.fixture(scope="module")
def cdnow_spend(cdnow_cal) -> lv.FitResult:
    return lv.fit_spend(cdnow_cal)


@pytest.fixture(scope="module")
def cdnow_result(cdnow) -> lv.LifetimeValueResult:
    settings = LifetimeValueSettings(
        calibration_start="1997-01-01", calibration_end=CAL_END, holdout_end=HOLDOUT_END, bootstrap_draws=100
    )
    return lv.run_lifetime_value(cdnow, settings, period_end=HOLDOUT_END)


# --------------------------------------------------------------------------- summary


def test_summary_hand_computed_fixture():
    """Same-day orders are one occasion; a one-time buyer has monetary 0; rows after the end are ignored."""
    tx = pd.DataFrame(
        {
            "customer_id": ["A", "A", "A", "A", "A", "B", "B", "A"],
            "order_id": ["1", "1", "2", "3", "4", "5", "6", "7"],
            "order_date": pd.to_datetime(
                [
                    "2024-01-01",
                    "2024-01-01",
                    "2024-01-08",
                    "2024-01-22",
                    "2024-01-22",
                    "2024-01-15",
                    "2024-01-15",
                    "2024-02-10",
                ]
            ),  # fmt: skip
            "amount": [10.0, 5.0, 20.0, 10.0, 20.0, 7.0, 3.0, 99.0],
        }
    )
    s = lv.customer_summary(tx, observation_end="2024-01-29").set_index("customer_id")
    # A: occasions on day 0 (15), day 7 (20), day 21 (30) → 2 repeats; the 2024-02-10 row is after the end
    assert s.loc["A", "frequency"] == 2
    assert s.loc["A", "recency"] == pytest.approx(21 / 7)
    assert s.loc["A", "T"] == pytest.approx(28 / 7)
    assert s.loc["A", "monetary_value"] == pytest.approx((20 + 30) / 2)
    assert s.loc["A", "total_value"] == pytest.approx(65)
    # B: two lines on one day → one occasion, a one-time buyer
    assert s.loc["B", "frequency"] == 0
    assert s.loc["B", "recency"] == 0
    assert s.loc["B", "T"] == pytest.approx(14 / 7)
    assert s.loc["B", "monetary_value"] == 0
    days = lv.customer_summary(tx, observation_end="2024-01-29", time_unit="D").set_index("customer_id")
    assert days.loc["A", "T"] == 28 and days.loc["A", "recency"] == 21
    # calibration/holdout: A buys once more on 2024-02-10 (holdout), B never
    ch = lv.calibration_holdout_summary(tx, "2024-01-29", "2024-02-12").set_index("customer_id")
    assert ch.loc["A", "frequency_holdout"] == 1 and ch.loc["A", "monetary_value_holdout"] == 99
    assert ch.loc["B", "frequency_holdout"] == 0 and ch.loc["B", "monetary_value_holdout"] == 0
    assert ch["duration_holdout"].iloc[0] == pytest.approx(14 / 7)


def _compare_with_lifetimes(tx: pd.DataFrame, end: str, cal_end: str) -> None:
    utils = _lifetimes_utils()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lifetimes' own chained assignments
        ref = utils.summary_data_from_transaction_data(
            tx, "customer_id", "order_date", monetary_value_col="amount", observation_period_end=end, freq="D"
        )
        ref_ch = utils.calibration_and_holdout_data(
            tx, "customer_id", "order_date", calibration_period_end=cal_end, observation_period_end=end,
            freq="D", monetary_value_col="amount",
        )  # fmt: skip
    ours = lv.customer_summary(tx, observation_end=end).set_index("customer_id").loc[ref.index]
    np.testing.assert_array_equal(ours["frequency"], ref["frequency"])
    np.testing.assert_allclose(ours["recency"], ref["recency"] / 7, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours["T"], ref["T"] / 7, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours["monetary_value"], ref["monetary_value"], rtol=1e-12, atol=1e-9)
    assert len(ours) == len(ref)

    ch = lv.calibration_holdout_summary(tx, cal_end, end).set_index("customer_id").loc[ref_ch.index]
    assert len(ch) == len(ref_ch)
    np.testing.assert_array_equal(ch["frequency_cal"], ref_ch["frequency_cal"])
    np.testing.assert_allclose(ch["recency_cal"], ref_ch["recency_cal"] / 7, atol=1e-12)
    np.testing.assert_allclose(ch["T_cal"], ref_ch["T_cal"] / 7, atol=1e-12)
    np.testing.assert_allclose(ch["monetary_value_cal"], ref_ch["monetary_value_cal"], rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(ch["frequency_holdout"], ref_ch["frequency_holdout"])
    np.testing.assert_allclose(ch["duration_holdout"], ref_ch["duration_holdout"] / 7)
    # lifetimes averages raw rows in the holdout, we average occasions: equal where each day has one row
    hold = tx[(tx["order_date"] > cal_end) & (tx["order_date"] <= end)]
    multi = hold.groupby(["customer_id", "order_date"]).size().loc[lambda s: s > 1].index.get_level_values(0)
    single = ~ch.index.isin(multi)
    np.testing.assert_allclose(
        ch.loc[single, "monetary_value_holdout"], ref_ch.loc[single, "monetary_value_holdout"], rtol=1e-12
    )


def test_summary_equals_lifetimes_on_cdnow(cdnow):
    _compare_with_lifetimes(cdnow, HOLDOUT_END, CAL_END)


def test_summary_equals_lifetimes_on_simulated_order_lines():
    tx = lv.simulate_transactions(1500, lines_per_occasion=0.6, observation_days=400, seed=3)
    assert tx.duplicated(["customer_id", "order_date"]).any()  # several lines per day are exercised
    _compare_with_lifetimes(tx, "2025-01-31", "2024-09-30")


def test_summary_is_vectorised_over_categorical_ids(cdnow):
    as_cat = cdnow.assign(customer_id=cdnow["customer_id"].astype("category"))
    a = lv.customer_summary(as_cat).set_index("customer_id").sort_index()
    b = lv.customer_summary(cdnow).set_index("customer_id").sort_index()
    pd.testing.assert_frame_equal(a, b, check_index_type=False)


# --------------------------------------------------------------------------- published CDNOW estimates


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


def test_weighted_unique_fit_equals_unweighted(cdnow_cal, cdnow_fits, cdnow_spend):
    for model in lv.TRANSACTION_MODELS:
        weighted = cdnow_fits[model]
        assert weighted.n_unique < weighted.n_customers
        full = lv.fit_model(cdnow_cal, model, weighted=False)
        assert full.n_unique == full.n_customers
        for name, value in weighted.params.items():
            assert value == pytest.approx(full.params[name], rel=1e-4), (model, name)
        assert weighted.log_likelihood == pytest.approx(full.log_likelihood, abs=1e-4)
    full_gg = lv.fit_model(cdnow_cal, "gamma_gamma", weighted=False)
    for name, value in cdnow_spend.params.items():
        assert value == pytest.approx(full_gg.params[name], rel=1e-4)


# --------------------------------------------------------------------------- formulas vs lifetimes


def test_vectorised_formulas_match_lifetimes(cdnow_cal, cdnow_fits):
    import lifetimes

    x = cdnow_cal["frequency_cal"].to_numpy()
    tx = cdnow_cal["recency_cal"].to_numpy()
    T = cdnow_cal["T_cal"].to_numpy()
    classes = {
        "bgnbd": lifetimes.BetaGeoFitter,
        "mbgnbd": lifetimes.ModifiedBetaGeoFitter,
        "pareto_nbd": lifetimes.ParetoNBDFitter,
    }
    for model, cls in classes.items():
        fit = cdnow_fits[model]
        ref = cls()
        ref.params_ = pd.Series(fit.params)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            exp_ref = ref.conditional_expected_number_of_purchases_up_to_time(39, x, tx, T)
            alive_ref = ref.conditional_probability_alive(x, tx, T)
            uncond_ref = ref.expected_number_of_purchases_up_to_time(np.array([1.0, 10.0, 78.0]))
        np.testing.assert_allclose(lv.conditional_expected_purchases(model, fit.params, 39, x, tx, T), exp_ref,
                                   rtol=1e-9)  # fmt: skip
        np.testing.assert_allclose(lv.probability_alive(model, fit.params, x, tx, T), alive_ref, rtol=1e-9)
        np.testing.assert_allclose(lv.expected_purchases(model, fit.params, [1.0, 10.0, 78.0]), uncond_ref,
                                   rtol=1e-9)  # fmt: skip
    # Pareto/NBD P(buy again) = 1 − P(N(t) = 0 | x, t_x, T) (Fader & Hardie note 028, via lifetimes)
    fit = cdnow_fits["pareto_nbd"]
    ref = lifetimes.ParetoNBDFitter()
    ref.params_ = pd.Series(fit.params)
    idx = np.r_[0:40, 500:520]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        p0 = ref.conditional_probability_of_n_purchases_up_to_time(0, 39.0, x[idx], tx[idx], T[idx])
    np.testing.assert_allclose(lv.probability_buy_again("pareto_nbd", fit.params, 39.0, x[idx], tx[idx], T[idx]),
                               1 - p0, rtol=1e-7, atol=1e-10)  # fmt: skip


def test_p_buy_again_hand_computed():
    """P(buy again) = P(alive)·[1 − ((α+T)/(α+T+t))^(r+x)] for BG/NBD, worked by hand."""
    params = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}
    x, tx, T, t = 2.0, 10.0, 20.0, 10.0
    p_alive = 1 / (1 + 0.8 / (2.5 + 2 - 1) * ((4 + 20) / (4 + 10)) ** (0.25 + 2))
    expected = p_alive * (1 - (24 / 34) ** 2.25)
    assert p_alive == pytest.approx(0.5654, abs=1e-4)  # 1 / (1 + 0.228571 · 3.3626)
    assert lv.probability_alive("bgnbd", params, x, tx, T)[()] == pytest.approx(p_alive, rel=1e-12)
    assert lv.probability_buy_again("bgnbd", params, t, x, tx, T)[()] == pytest.approx(expected, rel=1e-12)
    # one-time buyer: P(alive) is 1 by construction, P(buy again) is not
    assert lv.probability_alive("bgnbd", params, 0.0, 0.0, T)[()] == 1.0
    assert lv.probability_buy_again("bgnbd", params, t, 0.0, 0.0, T)[()] == pytest.approx(1 - (24 / 34) ** 0.25)
    # and it never exceeds P(alive), for every model
    for model, prm in (("mbgnbd", params), ("pareto_nbd", {"r": 0.55, "alpha": 10.6, "s": 0.6, "beta": 11.7})):
        pa = lv.probability_alive(model, prm, x, tx, T)
        pb = lv.probability_buy_again(model, prm, t, x, tx, T)
        assert 0 < pb < pa <= 1


@pytest.mark.parametrize("model", lv.TRANSACTION_MODELS)
def test_period_transaction_pmf_is_a_distribution(model, cdnow_fits):
    params = cdnow_fits[model].params
    t = np.array([5.0, 39.0])
    pmf = lv._purchase_pmf(model, params, t, 400)
    np.testing.assert_allclose(pmf.sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose((pmf * np.arange(400)).sum(axis=1), lv.expected_purchases(model, params, t),
                               rtol=1e-5)  # fmt: skip


# --------------------------------------------------------------------------- recovery from simulated data


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
    tx = lv.simulate_transactions(
        20_000, params=truth, spend_params=spend_truth, acquisition_days=840, observation_days=5460,
        lines_per_occasion=0.3, seed=11,
    )  # fmt: skip
    end = pd.Timestamp("2024-01-01") + pd.Timedelta(days=5459)
    summary = lv.customer_summary(tx, observation_end=end)
    assert summary["T"].max() <= 5459 / 7
    fit = lv.fit_model(summary, "bgnbd")
    spend = lv.fit_spend(summary)
    for result, true in ((fit, truth), (spend, spend_truth)):
        for name, value in true.items():
            z = (result.params[name] - value) / result.standard_errors[name]
            assert abs(z) < 4, (name, result.params[name], value, result.standard_errors[name])
    assert fit.params["r"] == pytest.approx(truth["r"], rel=0.1)
    assert fit.params["alpha"] == pytest.approx(truth["alpha"], rel=0.1)
    # the fitted spend distribution's mean matches the truth's v·p/(q−1)
    mean = lambda p: p["v"] * p["p"] / (p["q"] - 1)
    assert mean(spend.params) == pytest.approx(mean(spend_truth), rel=0.05)


def test_simulator_pareto_recovers_parameters():
    truth = {"r": 0.553, "alpha": 10.58, "s": 0.606, "beta": 11.67}
    truth = {**truth, "alpha": truth["alpha"] * 10, "beta": truth["beta"] * 10}  # slower: see above
    tx = lv.simulate_transactions(
        8000, model="pareto_nbd", params=truth, acquisition_days=840, observation_days=5460, seed=5
    )
    end = pd.Timestamp("2024-01-01") + pd.Timedelta(days=5459)
    fit = lv.fit_model(lv.customer_summary(tx, observation_end=end), "pareto_nbd")
    for name, value in truth.items():
        assert abs(fit.params[name] - value) < 4 * fit.standard_errors[name], name


# --------------------------------------------------------------------------- convergence retry and errors


def _fail_unpenalized(original):
    def _fit(self, *args, **kwargs):
        if self.penalizer_coef == 0:
            print("  message: Desired error not necessarily achieved due to precision loss.\n  success: False")
            from lifetimes.utils import ConvergenceError

            raise ConvergenceError("The model did not converge.")
        return original(self, *args, **kwargs)

    return _fit


def test_convergence_failure_is_retried_with_a_penalizer_and_reported(cdnow_cal, monkeypatch, capsys):
    import lifetimes

    monkeypatch.setattr(lifetimes.BetaGeoFitter, "_fit", _fail_unpenalized(lifetimes.BetaGeoFitter._fit))
    fit = lv.fit_model(cdnow_cal, "bgnbd", retry_penalizer=1e-3)
    assert fit.retried and fit.penalizer == 1e-3
    assert "precision loss" in fit.retry_reason
    assert "refitted with penalizer 0.001" in fit.describe()
    # in Chinese the optimiser's English message is replaced by the catalog's reason
    assert "首次拟合失败（优化器未能收敛），已加惩罚项 0.001 重新拟合" in fit.describe("zh")
    assert not _english_words(fit.describe("zh"))
    assert capsys.readouterr().out == ""  # lifetimes' print of the optimiser result is captured
    # a small penalizer barely moves the estimates
    assert fit.params["r"] == pytest.approx(0.243, rel=0.05)
    comparison = lv.compare_models(cdnow_cal, {"bgnbd": fit})
    assert bool(comparison.loc[0, "retried"]) is True


def test_convergence_failure_twice_raises(cdnow_cal, monkeypatch):
    import lifetimes
    from lifetimes.utils import ConvergenceError

    def _always(self, *args, **kwargs):
        raise ConvergenceError("The model did not converge.")

    monkeypatch.setattr(lifetimes.BetaGeoFitter, "_fit", _always)
    with pytest.raises(AnalysisError, match=r"BG/NBD did not converge .*penalizer 0.001.*lifetime_value.penalizer"):
        lv.fit_model(cdnow_cal, "bgnbd")
    fits = lv.fit_transaction_models(cdnow_cal, ("bgnbd", "pareto_nbd"))
    assert "bgnbd" in fits.failures and list(fits) == ["pareto_nbd"]
    assert "BG/NBD failed: BG/NBD did not converge" in fits.describe()[-1]
    assert fits.describe("zh")[-1] == "BG/NBD 拟合失败：即使加惩罚项重试也未能收敛。"
    with pytest.raises(AnalysisError, match="not fitted"):
        lv.select_model(lv.compare_models(cdnow_cal, fits), "bgnbd")


def test_errors_state_the_fix(cdnow):
    with pytest.raises(AnalysisError, match=r"lack the column\(s\) amount_col='amount'.*Pass the right column"):
        lv.customer_summary(cdnow.drop(columns="amount"))
    with pytest.raises(AnalysisError, match="not dates; parse it first"):
        lv.customer_summary(cdnow.assign(order_date=cdnow["order_date"].astype(str)))
    with pytest.raises(AnalysisError, match="after the period end"):
        lv.holdout_split("1998-06-30", holdout_end="1998-07-31")
    with pytest.raises(AnalysisError, match="is not before holdout_end"):
        lv.holdout_split("1998-06-30", calibration_end="1998-06-30")
    with pytest.raises(AnalysisError, match="no transactions on or before calibration_end"):
        lv.calibration_holdout_summary(cdnow, "1996-12-31", HOLDOUT_END)
    one_timers = cdnow.drop_duplicates("customer_id")
    with pytest.raises(AnalysisError, match="has a repeat purchase.*longer calibration period"):
        lv.fit_model(lv.customer_summary(one_timers), "bgnbd")
    with pytest.raises(AnalysisError, match="unknown model 'bgnb'"):
        lv.fit_model(lv.customer_summary(cdnow), "bgnb")
    with pytest.raises(AnalysisError, match="must be in \\[0, 1\\)"):
        lv.monthly_discount_rate(1.5)


def test_default_split_is_last_26_weeks():
    split = lv.holdout_split("2025-06-30")
    assert split.holdout_end == pd.Timestamp("2025-06-30")
    assert split.calibration_end == pd.Timestamp("2025-06-30") - pd.Timedelta(weeks=26)
    assert "default" in split.describe() and split.holdout_weeks == 26


def test_library_changes_no_global_state(cdnow_cal):
    filters = list(warnings.filters)
    option = pd.get_option("mode.chained_assignment")
    lv.fit_model(cdnow_cal, "mbgnbd")
    assert pd.get_option("mode.chained_assignment") == option
    assert list(warnings.filters) == filters


# --------------------------------------------------------------------------- validation and CLV


def test_model_comparison_and_selection(cdnow_cal, cdnow_fits):
    table = lv.compare_models(cdnow_cal, cdnow_fits)
    assert list(table["model"]) == ["bgnbd", "pareto_nbd", "mbgnbd", "run_rate", "recency_only"]
    assert (table["holdout_actual"] == cdnow_cal["frequency_holdout"].sum()).all()
    models = table.set_index("model")
    assert models.loc["bgnbd", "aic"] == pytest.approx(8 + 2 * 9582.43, abs=0.01)
    # the probability models beat the naive run rate on customer-level error
    assert models.loc[list(lv.TRANSACTION_MODELS), "mae"].max() < models.loc["run_rate", "mae"]
    choice = lv.select_model(table)
    assert choice.model == models.loc[list(lv.TRANSACTION_MODELS), "mae"].idxmin()
    assert "lowest customer-level holdout error" in choice.reason
    forced = lv.select_model(table, "bgnbd")
    assert forced.model == "bgnbd" and "set in params" in forced.reason


def test_clv_discounting_margin_and_intervals(cdnow_result):
    res = cdnow_result
    clv = res.clv
    assert clv.discount.monthly == pytest.approx(1.1 ** (1 / 12) - 1)
    assert "0.7974% a month" in clv.discount.describe()
    c = clv.customers
    assert {"expected_purchases", "p_alive", "p_buy_again", "clv", "clv_low", "clv_high"} <= set(c.columns)
    assert (c["clv_low"] <= c["clv"] + 1e-9).mean() > 0.95 and (c["clv"] <= c["clv_high"] + 1e-9).mean() > 0.95
    est, lo, hi = clv.total("clv")
    assert lo < est < hi
    assert est == pytest.approx(c["clv"].sum())
    assert (c["p_buy_again"] <= c["p_alive"] + 1e-12).all()
    # without discounting, CLV = margin × expected spend × expected purchases
    plain = lv.customer_lifetime_value(
        res.summary, res.full_fit, res.full_spend_fit, discount_rate_annual=0.0, margin=0.4, draws=0
    )
    pc = plain.customers
    np.testing.assert_allclose(pc["clv"], 0.4 * pc["expected_spend"] * pc["expected_purchases"], rtol=1e-10)
    assert np.isnan(plain.total("clv")[1])
    # intervals are reproducible with the seed
    again = lv.customer_lifetime_value(res.summary, res.full_fit, res.full_spend_fit, draws=100, seed=0)
    assert again.total("clv") == pytest.approx(clv.total("clv"))


def test_metrics_are_plain_json(cdnow_result):
    metrics = lv.lifetime_value_metrics(cdnow_result)
    text = json.dumps(metrics)
    back = json.loads(text)
    assert set(back["models"]["bgnbd"]) == {"r", "alpha", "a", "b", "log_likelihood"}
    assert set(back["models"]["pareto_nbd"]) == {"r", "alpha", "s", "beta", "log_likelihood"}
    assert set(back["models"]["gamma_gamma"]) == {"p", "q", "v"}
    assert set(back["models_full"]) >= {"bgnbd", "pareto_nbd", "gamma_gamma"}
    assert back["models"]["bgnbd"]["r"] == pytest.approx(0.2426, abs=1e-4)
    assert back["selected_model"] in lv.TRANSACTION_MODELS
    assert set(back["holdout"]) == {"actual", "predicted"}
    assert back["clv_total_low"] < back["clv_total"] < back["clv_total_high"]
    assert back["horizon_months"] == 12 and isinstance(metrics["horizon_months"], int)


def test_reading_tables(cdnow, cdnow_result):
    res = cdnow_result
    conc = lv.value_concentration(res.clv)
    assert list(conc["top"]) == ["top 1%", "top 5%", "top 20%"]
    assert conc["share_of_clv"].is_monotonic_increasing and conc["share_of_clv"].iloc[-1] < 1
    by_cohort = lv.clv_by_group(res.clv, "cohort")
    assert list(by_cohort["cohort"]) == ["1997-01", "1997-02", "1997-03"]
    assert by_cohort["clv_total"].sum() == pytest.approx(res.clv.total("clv")[0])
    table, reading = lv.heuristic_clv(cdnow, res.clv, period_end=HOLDOUT_END)
    assert table["value"].notna().all() and "heuristic" in reading.lower()
    # CLV:CAC: a channel whose customers never bought counts with CLV 0
    ids = res.clv.customers["customer_id"]
    customers = pd.DataFrame(
        {
            "customer_id": [*ids, "NEVER1", "NEVER2"],
            "acquisition_channel": ["search"] * len(ids) + ["tv", "tv"],
            "acquisition_cost": [10.0] * len(ids) + [50.0, 50.0],
        }
    )
    cac = lv.clv_to_cac(res.clv, customers).set_index("acquisition_channel")
    assert cac.loc["tv", "clv_to_cac"] == 0 and cac.loc["tv", "buyers"] == 0
    assert cac.loc["search", "clv_to_cac"] == pytest.approx(
        (res.clv.customers["past_value"].mean() + res.clv.customers["clv"].mean()) / 10
    )
    assert cac.loc["search", "basis"] == "revenue"


def test_group_columns_from_first_purchase():
    tx = lv.simulate_transactions(600, seed=2, observation_days=300)
    rng = np.random.default_rng(0)
    tx["channel"] = rng.choice(["app", "web"], size=len(tx))
    groups = lv.customer_groups(tx, ["channel", "region"])
    assert list(groups.columns) == ["customer_id", "channel"]
    first = tx.sort_values("order_date", kind="stable").drop_duplicates("customer_id").set_index("customer_id")
    assert (groups.set_index("customer_id")["channel"] == first["channel"].loc[groups["customer_id"]]).all()


def test_spend_checks_and_plot_data(cdnow_cal, cdnow_spend, cdnow_fits, cdnow):
    check = lv.spend_independence(cdnow_cal)
    assert not check.warn and abs(check.correlation) < 0.3 and check.n_customers == 946
    correlated = cdnow_cal.assign(monetary_value_cal=np.where(cdnow_cal["frequency_cal"] > 0,
                                                              5 + 3 * cdnow_cal["frequency_cal"], 0.0))  # fmt: skip
    assert lv.spend_independence(correlated).warn
    spend = lv.spend_distribution(cdnow_cal, cdnow_spend)
    observed = spend[spend["source"] == "observed"]
    assert (observed["density"] * observed["bin_width"]).sum() == pytest.approx(0.99, abs=0.011)
    hist = lv.period_transactions(cdnow_cal, cdnow_fits["bgnbd"])
    totals = hist.groupby("source")["customers"].sum()
    assert totals["actual"] == 2357 and totals["BG/NBD"] == pytest.approx(2357)
    cond = lv.holdout_by_frequency(cdnow_cal, cdnow_fits)
    assert set(cond["source"]) == {"actual", "BG/NBD", "Pareto/NBD", "MBG/NBD"}
    split = lv.holdout_split(HOLDOUT_END, calibration_start="1997-01-01", calibration_end=CAL_END)
    track = lv.tracking_data(cdnow, cdnow_fits["bgnbd"], split)
    # weeks end on the calibration end: calibration weeks hold exactly the calibration repeat purchases
    cal_weeks = track[track["period"] == "calibration"]
    assert len(cal_weeks) == 39 and cal_weeks["actual"].sum() == cdnow_cal["frequency_cal"].sum()
    assert track["actual"].sum() == cdnow_cal["frequency_cal"].sum() + cdnow_cal["frequency_holdout"].sum()
    assert "1,882 repeat purchases" in lv.describe_tracking(track, cdnow_fits["bgnbd"])
    matrix = lv.p_alive_matrix(cdnow_fits["bgnbd"], cdnow_cal)
    assert matrix.loc[(matrix["frequency"] == 0) & (matrix["recency"] > 0), "value"].isna().all()


def test_plots_return_axes(cdnow, cdnow_result):
    from repurchase.plots import lifetime_value as plv

    res = cdnow_result
    fit = res.fits[res.choice.model]
    rc_before = dict(matplotlib.rcParams)
    calls = [
        lambda ax: plv.plot_tracking(lv.tracking_data(cdnow, fit, res.split), ax=ax),
        lambda ax: plv.plot_tracking(lv.tracking_data(cdnow, fit, res.split), cumulative=True, ax=ax),
        lambda ax: plv.plot_holdout_by_frequency(lv.holdout_by_frequency(res.calibration, res.fits), ax=ax),
        lambda ax: plv.plot_period_transactions(lv.period_transactions(res.calibration, fit), ax=ax),
        lambda ax: plv.plot_p_alive_matrix(lv.p_alive_matrix(fit, res.calibration), ax=ax),
        lambda ax: plv.plot_clv_distribution(res.clv.customers, ax=ax),
        lambda ax: plv.plot_value_concentration(res.clv.customers, ax=ax),
        lambda ax: plv.plot_spend_fit(lv.spend_distribution(res.summary, res.full_spend_fit), ax=ax),
    ]
    for call in calls:
        fig, ax = plt.subplots()
        assert call(ax) is ax
        plt.close(fig)
    new_ax = plv.plot_clv_distribution(res.clv.customers)
    assert new_ax.figure is not None
    plt.close(new_ax.figure)
    assert dict(matplotlib.rcParams) == rc_before


def test_parameters_table_shows_both_fits(cdnow_result):
    table = cdnow_result.parameters()
    assert set(table["fit"]) == {"calibration", "all data to period end"}
    assert {"estimate", "std_error", "ci95_low", "ci95_high"} <= set(table.columns)
    assert math.isfinite(table["std_error"].sum())
    assert (table["ci95_low"] > 0).all() and (table["ci95_low"] < table["estimate"]).all()  # log-scale intervals


def test_report_helpers_handle_missing_sources(cdnow, cdnow_result):
    res = cdnow_result
    export = lv.clv_export(res.clv)
    assert list(export.columns[:1]) == ["customer_id"]
    assert {"expected_purchases", "p_alive", "p_buy_again", "clv", "clv_low", "clv_high"} <= set(export.columns)
    assert export["clv"].is_monotonic_decreasing and len(export) == 2357
    groups = lv.customer_groups(cdnow, ["channel", "region"])
    table, text = lv.group_report(res.clv, "channel", groups)
    assert table.empty and "no channel column" in text
    table, text = lv.group_report(res.clv, "cohort")
    assert len(table) == 3 and "Jan 1997" in text  # cohorts read as month names
    table, text = lv.cac_report(res.clv, None)
    assert table.empty and "CLV:CAC is not shown" in text
    top = lv.top_customers(res.clv, 5)
    assert len(top) == 5 and round(top["clv"].iloc[0], 2) == export["clv"].iloc[0]  # the export rounds money to cents
    overview = lv.summary_overview(res.summary).set_index("item")["value"]
    assert overview["customers"] == "2,357"
    for text in (
        lv.describe_period_transactions(lv.period_transactions(res.calibration, res.fits["bgnbd"])),
        lv.describe_holdout_by_frequency(lv.holdout_by_frequency(res.calibration, res.fits)),
        lv.describe_concentration(lv.value_concentration(res.clv)),
        lv.describe_spend(res.full_spend_fit, res.spend_check, "USD"),
        res.clv.describe(),
        res.split.describe(),
    ):
        assert isinstance(text, str) and len(text) > 40


def test_log_hyp2f1_falls_back_to_euler_transform_where_the_series_overflows():
    from scipy import special

    a, b, c, z = np.array([150.0, 0.5]), 160.0, np.array([100.0, 1.7]), np.array([0.99, 0.3])
    assert np.isinf(special.hyp2f1(150.0, 160.0, 100.0, 0.99))
    # Euler: 2F1(a, b; c; z) = (1 − z)^(c − a − b) 2F1(c − a, c − b; c; z)
    euler = math.log(special.hyp2f1(-50.0, -60.0, 100.0, 0.99)) + (100 - 310) * math.log(0.01)
    got = lv._log_hyp2f1(a, b, c, z)
    assert got[0] == pytest.approx(euler, rel=1e-12)
    assert got[1] == pytest.approx(math.log(special.hyp2f1(0.5, 160.0, 1.7, 0.3)), rel=1e-12)
    assert lv._log_hyp2f1(150.0, 160.0, 100.0, 0.99) == pytest.approx(euler, rel=1e-12)


# --------------------------------------------------------------------------- report language


def test_chinese_report_text_has_no_english(cdnow, cdnow_result):
    res = cdnow_result
    fit = res.fits[res.choice.model]
    tracking = lv.tracking_data(cdnow, fit, res.split)
    groups = lv.customer_groups(cdnow, ["channel"])
    texts = {
        "split": res.split.describe("zh"),
        "fits": res.describe_fits("calibration", "zh"),
        "full_fits": res.describe_fits("full", "zh"),
        "choice": res.choice.describe("zh"),
        "tracking": lv.describe_tracking(tracking, fit, "zh"),
        "frequency": lv.describe_holdout_by_frequency(lv.holdout_by_frequency(res.calibration, res.fits), "zh"),
        "histogram": lv.describe_period_transactions(lv.period_transactions(res.calibration, fit), "zh"),
        "concentration": lv.describe_concentration(lv.value_concentration(res.clv, lang="zh"), "zh"),
        "spend": lv.describe_spend(res.full_spend_fit, res.spend_check, "CNY", "zh"),
        "clv": res.clv.describe("zh", "CNY"),
        "cohorts": lv.group_report(res.clv, "cohort", lang="zh")[1],
        "no_channel": lv.group_report(res.clv, "channel", groups, lang="zh")[1],
        "heuristic": lv.heuristic_clv(cdnow, res.clv, period_end=HOLDOUT_END, currency="CNY", lang="zh")[1],
        "no_cac": lv.cac_report(res.clv, None, lang="zh")[1],
    }
    for name, text in texts.items():
        assert not _english_words(text), f"{name}: {text}"
    assert texts["split"].startswith("校准期：1997-01-01 至 1997-09-30；验证期：1997-10-01 至 1998-06-30")
    assert "在验证期的客户级误差最低" in texts["choice"]
    assert "1997年1月" in texts["cohorts"] and "首购同期群" in texts["cohorts"]
    # the total is money in the Chinese style: ¥ and 万 from ten thousand on
    total = res.clv.total("clv")[0]
    assert f"合计 ¥{total / 1e4:,.1f}万" in texts["clv"]
    # numbers are the same in both languages
    assert "年折现率 10.0% 折合每月" in texts["clv"] and "0.7974%" in texts["clv"]


def test_english_sentences_keep_their_wording(cdnow_result):
    res = cdnow_result
    assert res.split.describe() == (
        "Calibration: 1997-01-01 to 1997-09-30; holdout: 1997-10-01 to 1998-06-30 (39.0 weeks; set in params)."
    )
    assert (
        lv.holdout_split("2025-06-30").describe().endswith("(26.0 weeks; default: the last 26 weeks are the holdout).")
    )
    # money in sentences: $ and K from ten thousand on (English)
    total = res.clv.total("clv")[0]
    assert f"total ${total / 1e3:,.1f}K (90% interval $" in res.clv.describe("en", "USD")
    assert res.choice.describe("en") == res.choice.reason


def test_report_tables_in_chinese(cdnow, cdnow_result):
    from repurchase.core import i18n

    res = cdnow_result
    comparison = lv.display_table(res.comparison, "zh")
    assert list(comparison["ltv_model"]) == ["BG/NBD", "Pareto/NBD", "MBG/NBD", "历史速率基准", "仅按最近购买基准"]
    # retried: 是/否 for the models, blank for the baselines
    assert (
        list(comparison["ltv_retried"].iloc[:3]) == ["否", "否", "否"]
        and comparison["ltv_retried"].iloc[3:].isna().all()
    )
    # numbers untouched
    assert comparison["ltv_mae"].equals(res.comparison["mae"])
    params = lv.display_table(res.parameters(), "zh")
    assert set(params["ltv_fit"]) == {"校准期", "截至期末的全部数据"} and "α" in set(params["ltv_parameter"])
    totals = lv.display_table(res.clv.totals, "zh")
    assert list(totals["ltv_quantity"]) == ["客户终身价值（CLV）", "预期购买次数"]
    conc = lv.display_table(lv.value_concentration(res.clv), "zh")
    assert list(conc["ltv_top"]) == ["前 1%", "前 5%", "前 20%"]
    cohorts = lv.display_table(lv.clv_by_group(res.clv, "cohort"), "zh")
    assert list(cohorts["ltv_cohort"]) == ["1997年1月", "1997年2月", "1997年3月"]
    heuristic, _ = lv.heuristic_clv(cdnow, res.clv, period_end=HOLDOUT_END, lang="zh")
    assert heuristic["quantity"].iloc[-1] == "模型 CLV，未来 12 个月，全部客户的均值"
    overview = lv.summary_overview(res.summary, "zh")
    assert overview["item"].iloc[4] == "客龄 T（中位数，周）"
    # every header of every shown table has a Chinese name
    ids = res.clv.customers["customer_id"]
    customers = pd.DataFrame({"customer_id": ids, "acquisition_channel": "search", "acquisition_cost": 10.0})
    for table in (
        comparison,
        params,
        totals,
        conc,
        cohorts,
        lv.display_table(heuristic, "zh"),
        lv.display_table(lv.top_customers(res.clv, 3), "zh"),
        lv.display_table(lv.cac_report(res.clv, customers, lang="zh")[0], "zh"),
    ):
        headers = i18n.translate_columns(table, "zh").columns
        assert not [h for h in headers if _english_words(h)], list(headers)
    cac = lv.display_table(lv.clv_to_cac(res.clv, customers), "zh")
    assert list(cac["ltv_basis"]) == ["收入"] and cac["ltv_meets_3x"].iloc[0] in ("是", "否")


def test_chart_text_in_chinese(cdnow, cdnow_result):
    from repurchase import plots

    res = cdnow_result
    fit = res.fits[res.choice.model]
    with plt.rc_context():  # the report style (CJK font) only inside this test
        plots.use_report_style()
        ax = plots.plot_tracking(lv.tracking_data(cdnow, fit, res.split), cumulative=True, lang="zh")
        assert ax.get_title() == "累计复购次数" and ax.get_ylabel() == "累计复购次数"
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["实际", "模型"]
        assert " 验证期 →" in [t.get_text() for t in ax.texts]
        plt.close(ax.figure)
        ax = plots.plot_period_transactions(lv.period_transactions(res.calibration, fit), lang="zh")
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["实际", fit.label]
        plt.close(ax.figure)
        ax = plots.plot_value_concentration(res.clv.customers, lang="zh")
        assert ax.get_title() == "未来价值有多集中？" and ax.texts[0].get_text().startswith("  前 1%：")
        plt.close(ax.figure)
        ax = plots.plot_clv_distribution(res.clv.customers, currency="CNY", lang="zh")
        assert ax.get_xlabel().startswith("CLV（CNY，对数刻度）") and ax.texts[0].get_text().startswith(" 中位数 ")
        plt.close(ax.figure)
        ax = plots.plot_p_alive_matrix(lv.p_alive_matrix(fit, res.calibration), lang="zh")
        assert ax.get_title() == "按复购次数与购买跨度看活跃概率"
        plt.close(ax.figure)


# --------------------------------------------------------------------------- small or short data degrade gracefully


def _tiny_client(repeaters: int = 4) -> pd.DataFrame:
    """20 customers over two months (2026-09-01 .. 2026-10-31); the first ``repeaters`` buy once more 14 days later.

    Customer i first buys on day 3·i (days 0 .. 57) for 20 + 10·i.
    """
    first = pd.Timestamp("2026-09-01")
    rows = [(f"T{i:03d}", first + pd.Timedelta(days=3 * i), 20.0 + 10 * i) for i in range(20)]
    rows += [(f"T{i:03d}", first + pd.Timedelta(days=3 * i + 14), 35.0) for i in range(repeaters)]
    return pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"]).assign(
        order_id=lambda d: [f"O{i}" for i in range(len(d))]
    )


def _uniform_client(seed: int = 0) -> pd.DataFrame:
    """200 customers, 1 + Poisson(2) orders each on uniform days of a year, amounts uniform 20–800.

    Spend varies as much within a customer as between customers, so Gamma-Gamma
    ends at q ≈ 0.86 ≤ 1 (no finite mean spend) with this seed.
    """
    rng = np.random.default_rng(seed)
    customer = np.repeat(np.arange(200), rng.poisson(2, 200) + 1)
    day = rng.integers(0, 365, len(customer))
    return pd.DataFrame({"customer_id": [f"U{c:03d}" for c in customer],
                         "order_date": pd.Timestamp("2025-11-01") + pd.to_timedelta(day, "D"),
                         "amount": rng.uniform(20, 800, len(customer))})  # fmt: skip


def _every_report_call(res: lv.LifetimeValueResult, tx: pd.DataFrame, lang: str = "en") -> dict:
    """Everything the notebook shows, called as the notebook calls it (no call may raise)."""
    tracking = res.tracking_data(tx)
    by_frequency = res.holdout_by_frequency()
    histogram = res.period_transactions()
    concentration = lv.value_concentration(res.clv, lang=lang)
    return {
        "status": res.describe_status(lang), "split": res.describe_split(lang), "overview": res.overview(lang),
        "cal_fits": res.describe_fits("calibration", lang), "full_fits": res.describe_fits("full", lang),
        "parameters": res.parameter_table(lang), "comparison": res.comparison_table(lang),
        "choice": res.describe_choice(lang), "tracking": res.describe_tracking(tracking, lang),
        "by_frequency": res.describe_holdout_by_frequency(by_frequency, lang),
        "histogram": res.describe_period_transactions(histogram, lang), "p_alive": res.describe_p_alive(lang),
        "p_alive_matrix": res.p_alive_matrix(), "spend": res.describe_spend("CNY", lang),
        "spend_data": res.spend_distribution(), "clv": res.describe_clv(lang, "CNY"), "totals": res.clv_totals(lang),
        "top": lv.display_table(lv.top_customers(res.clv, 10), lang), "concentration": concentration,
        "concentration_text": lv.describe_concentration(concentration, lang), "groups": res.describe_groups(lang),
        "cohorts": lv.group_report(res.clv, "cohort", lang=lang),
        "heuristic": lv.heuristic_clv(tx, res.clv, period_end="2026-10-31", lang=lang),
        "cac": lv.cac_report(res.clv, None, lang=lang), "export": lv.clv_export(res),
        "metrics": json.loads(json.dumps(lv.lifetime_value_metrics(res))),
        "frames": (tracking, by_frequency, histogram),
    }  # fmt: skip


def test_tiny_client_reports_no_clv_and_why():
    """20 customers, 2 months, 4 repeat buyers: no model, no CLV; nothing raises and the report says why."""
    tx = _tiny_client()
    res = lv.run_lifetime_value(tx, LifetimeValueSettings(), period_end="2026-10-31")
    assert res.status == "no_clv" and res.clv is None and res.model is None
    # the root cause only: the shortened holdout and the calibration are moot without repeat buyers
    assert res.reasons == ["few_repeaters"]
    shown = _every_report_call(res, tx)
    assert shown["status"] == (
        "**No lifetime value for these data.** Only 4 of 20 customers have bought more than once (10 needed), so the "
        "purchase models, P(alive) and CLV cannot be estimated. Wait for more history."
    )
    assert "see the note at the top" in shown["choice"] and "see the note at the top" in shown["clv"]
    assert shown["parameters"].empty and shown["comparison"].empty and shown["totals"].empty
    assert all(frame.empty for frame in shown["frames"]) and shown["p_alive_matrix"].empty
    assert shown["cohorts"][0].empty and shown["cohorts"][1] == ""  # said once, by describe_groups
    assert "see the note at the top" in shown["groups"] and "see the note at the top" in shown["cac"][1]
    # 2 months: churn windows of 1 month measure nothing, so the heuristic is not available either
    assert "not available for these data either" in shown["heuristic"][1]
    m = shown["metrics"]
    assert m["status"] == "no_clv" and m["reason"] == ["few_repeaters"]
    assert m["clv_total"] is None and m["clv_total_low"] is None and m["selected_model"] is None
    assert m["holdout"] == {"actual": None, "predicted": None} and m["models"]["gamma_gamma"] is None
    assert m["customers"] == 20 and m["horizon_months"] == 12
    export = shown["export"]
    assert len(export) == 20 and list(export.columns) == ["customer_id", *lv.EXPORT_COLUMNS]
    assert export["clv"].isna().all() and export["frequency"].sum() == 4
    # in Chinese too
    zh = res.describe_status("zh")
    assert zh.startswith("**这些数据无法估计客户终身价值。**20 位客户中只有 4 位购买过不止一次")
    assert not _english_words(zh)


def test_short_history_with_a_small_holdout_does_not_raise():
    """The reviewer's second case: holdout_weeks 4 on 2 months; 11 calibration customers, 4 repeat buyers.

    Day 0 .. 2026-10-31 is 60 days; 4 weeks = 28 days ≤ half of 60, so the holdout is kept and the
    calibration ends 2026-10-03 (customers i ≤ 10 have bought by then, T000 .. T003 twice).
    """
    res = lv.run_lifetime_value(_tiny_client(), LifetimeValueSettings(holdout_weeks=4), period_end="2026-10-31")
    assert res.split.calibration_end == pd.Timestamp("2026-10-03") and res.split.requested_weeks is None
    assert len(res.calibration) == 11 and (res.calibration["frequency_cal"] > 0).sum() == 4
    assert res.status == "no_clv" and res.reasons == ["few_repeaters"]
    text = res.describe_status() + res.describe_fits("calibration") + res.describe_fits("full")
    assert "_" not in text.replace("lifetime_value", "")  # no private class names or codes in the report


def test_holdout_longer_than_half_the_history_is_shortened_to_a_third():
    # history 2026-09-01 .. 2026-10-31: 60 days; 26 weeks > 30 days → a third, int(60 / 3) = 20 days
    split = lv.holdout_split("2026-10-31", holdout_weeks=26, history_start="2026-09-01")
    assert split.calibration_end == pd.Timestamp("2026-10-11") and split.holdout_weeks == pytest.approx(20 / 7)
    assert split.requested_weeks == 26 and split.history_weeks == pytest.approx(60 / 7)
    assert "holdout_weeks 26 is more than half of the 8.6 weeks of history" in split.describe()
    # 52 weeks of history: 26 weeks is exactly half, kept (the default runs unchanged)
    kept = lv.holdout_split(
        "2026-10-31", holdout_weeks=26, history_start=pd.Timestamp("2026-10-31") - pd.Timedelta(weeks=52)
    )
    assert kept.requested_weeks is None and kept.holdout_weeks == 26
    # 20 days of history: a third is 6 days, under the 14 a holdout needs
    with pytest.raises(lv.InsufficientData, match="too short for a holdout of at least 14 days"):
        lv.holdout_split("2026-10-31", holdout_weeks=26, history_start="2026-10-11")
    res = lv.run_lifetime_value(_tiny_client(repeaters=20), LifetimeValueSettings(bootstrap_draws=0),
                                period_end="2026-10-31")  # fmt: skip
    assert res.reasons[0] == "holdout_shortened" and res.split.calibration_end == pd.Timestamp("2026-10-11")
    assert "shortened to 2.9 weeks" in res.describe_status()


def test_uniform_spend_falls_back_to_the_observed_average():
    """200 customers with uniform 20–800 lines: Gamma-Gamma q ≤ 1, so CLV uses each customer's own average spend."""
    tx = _uniform_client()
    res = lv.run_lifetime_value(tx, LifetimeValueSettings(), period_end="2026-10-31")
    assert res.full_spend_fit.params["q"] <= 1
    assert res.status == "fallback" and "spend_q_le_1" in res.reasons and res.clv is not None
    c = res.clv.customers
    assert res.clv.spend_basis == "observed"
    # expected spend per purchase = total spend / purchase occasions (frequency + 1)
    np.testing.assert_allclose(c["expected_spend"], c["total_value"] / (c["frequency"] + 1), rtol=1e-12)
    assert np.isfinite(c["clv"]).all() and (c["clv"] > 0).all()
    est, lo, hi = res.clv.total("clv")
    assert est == pytest.approx(c["clv"].sum()) and lo < est < hi
    shown = _every_report_call(res, tx)
    assert "q = 0.86 ≤ 1" in shown["status"] and "own average spend per purchase" in shown["status"]
    assert "own average spend per purchase" in shown["spend"] and "own average spend" in shown["clv"]
    m = shown["metrics"]
    assert m["status"] == "fallback" and "spend_q_le_1" in m["reason"] and m["clv_total"] == pytest.approx(est)
    assert m["models_full"]["gamma_gamma"]["q"] <= 1  # the fit is recorded, and not used
    assert set(m) == set(lv.lifetime_value_metrics(res)) and {"status", "reason"} <= set(m)
    # called directly with the q ≤ 1 fit, the function still refuses, and names the way out
    with pytest.raises(AnalysisError, match=r"q = 0\.\d+ ≤ 1 .*spend_fit=None"):
        lv.customer_lifetime_value(res.summary, res.full_fit, res.full_spend_fit, draws=0)


def test_observed_spend_clv_by_hand():
    """spend_fit=None: CLV = margin × own mean spend per occasion × expected purchases (no discounting)."""
    summary = pd.DataFrame({"customer_id": ["A", "B"], "frequency": [1.0, 0.0], "recency": [2.0, 0.0],
                            "T": [4.0, 3.0], "monetary_value": [30.0, 0.0], "total_value": [40.0, 25.0]})  # fmt: skip
    fit = lv.FitResult("bgnbd", {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}, {}, np.eye(4) * 0.01, 0.0, 2, 2)
    clv = lv.customer_lifetime_value(summary, fit, None, horizon_months=6, discount_rate_annual=0.0, margin=0.5,
                                     draws=0)  # fmt: skip
    c = clv.customers.set_index("customer_id")
    # A: (10 + 30) / 2 occasions = 20 per purchase; B: 25 from its one purchase
    assert list(c["expected_spend"]) == [20.0, 25.0]
    np.testing.assert_allclose(c["clv"], 0.5 * c["expected_spend"] * c["expected_purchases"], rtol=1e-12)
    assert "own average spend per purchase" in clv.describe()


def test_no_repeat_buyers_gives_no_clv():
    one_timers = lv.simulate_transactions(300, seed=4).drop_duplicates("customer_id")
    res = lv.run_lifetime_value(one_timers, LifetimeValueSettings())
    assert res.status == "no_clv" and "few_repeaters" in res.reasons and res.clv is None
    assert "Only 0 of 300 customers have bought more than once" in res.describe_status()
    assert res.describe_spend() == "Only 0 repeat customers have a positive spend (10 needed for Gamma-Gamma)."
    # the public class, not a private one, when the models are called directly
    with pytest.raises(lv.InsufficientData, match="none of the 300 customers has a repeat purchase"):
        lv.fit_model(lv.customer_summary(one_timers), "bgnbd")
    empty = lv.run_lifetime_value(one_timers.iloc[:0], LifetimeValueSettings())
    assert empty.status == "no_clv" and empty.reasons == ["no_transactions"]
    assert lv.lifetime_value_metrics(empty)["customers"] == 0


def test_dates_outside_the_data_skip_validation_and_say_so(cdnow):
    """calibration_end before the first purchase: no holdout check, BG/NBD (the standard model) on all data."""
    settings = LifetimeValueSettings(calibration_end="1996-06-30", holdout_end="1998-06-30", bootstrap_draws=0)
    res = lv.run_lifetime_value(cdnow, settings, period_end="1998-06-30")
    assert res.status == "fallback" and res.reasons == ["split_invalid"] and res.model == "bgnbd"
    assert not res.validated and res.comparison.empty and res.clv is not None
    assert "calibration_end 1996-06-30" in res.describe_status() and "1997-01-01 to 1998-06-30" in res.describe_status()
    assert res.describe_choice().startswith("**Model used for predictions: BG/NBD.** BG/NBD is the standard model")
    assert res.tracking_data(cdnow).empty and res.holdout_by_frequency().empty
    histogram = res.period_transactions()  # without a holdout: all data and the refit
    assert histogram.attrs["data"] == "full" and histogram.groupby("source")["customers"].sum()["actual"] == 2357
    assert res.describe_period_transactions(histogram).startswith("Without a holdout, this check uses all data")
    m = lv.lifetime_value_metrics(res)
    assert m["holdout"] == {"actual": None, "predicted": None} and m["calibration_end"] is None
    assert m["clv_total"] > 0 and m["reason"] == ["split_invalid"]
    # empty tables draw nothing: the figure is closed, so the notebook cell stays blank
    from repurchase.plots import lifetime_value as plv

    open_before = plt.get_fignums()
    plv.plot_tracking(res.tracking_data(cdnow))
    plv.plot_holdout_by_frequency(res.holdout_by_frequency())
    assert plt.get_fignums() == open_before


def test_a_model_that_fails_is_replaced_and_reported(cdnow, monkeypatch):
    """lifetime_value.model: pareto_nbd, but Pareto/NBD never converges: the holdout's best model is used."""
    import lifetimes
    from lifetimes.utils import ConvergenceError

    def _never(self, *args, **kwargs):
        raise ConvergenceError("The model did not converge.")

    monkeypatch.setattr(lifetimes.ParetoNBDFitter, "_fit", _never)
    settings = LifetimeValueSettings(calibration_start="1997-01-01", calibration_end=CAL_END, holdout_end=HOLDOUT_END,
                                     model="pareto_nbd", bootstrap_draws=0)  # fmt: skip
    res = lv.run_lifetime_value(cdnow, settings, period_end=HOLDOUT_END)
    assert res.reasons == ["requested_failed"] and res.model in ("bgnbd", "mbgnbd") and res.validated
    assert f"lifetime_value.model is Pareto/NBD, but it could not be fitted; {lv.model_label(res.model)}" in (
        res.describe_status()
    )
    assert lv.lifetime_value_metrics(res)["selected_model"] == res.model


def test_bgnbd_one_time_buyers_with_a_plus_b_below_one():
    """a + b < 1 makes 2F1(r, b; a + b − 1; z) negative: the closed form holds, it must not become NaN.

    Reference: Monte Carlo of E[(1 − e^{−λpt}) / p] with λ ~ Gamma(r, α + T), p ~ Beta(a, b)
    (4M draws: 1.6743 ± 0.0004 for the first case; the closed form gives 1.67361).
    """
    params = {"r": 3.987, "alpha": 80.0, "a": 0.039, "b": 0.896}
    value = lv.conditional_expected_purchases("bgnbd", params, 52.0, 0.0, 0.0, 40.0)
    assert value == pytest.approx(1.67361, abs=1e-5)
    # a one-time buyer aged T is a new customer with α + T (unconditional expectation)
    shifted = {**params, "alpha": 120.0}
    assert lv.expected_purchases("bgnbd", shifted, 52.0) == pytest.approx(value, rel=1e-12)
    rng = np.random.default_rng(0)
    n = 400_000
    log_p = np.log(rng.gamma(params["a"] + 1, size=n)) + np.log(rng.random(n)) / params["a"]
    log_p = log_p - np.logaddexp(log_p, np.log(rng.gamma(params["b"], size=n)))  # Beta(a, b) in log space
    lam = rng.gamma(params["r"], 1 / 120.0, size=n)
    p = np.exp(log_p)
    draws = np.where(lam * p * 52 < 1e-12, lam * 52, -np.expm1(-lam * p * 52) / np.maximum(p, 1e-300))
    assert abs(draws.mean() - value) < 4 * draws.std() / np.sqrt(n)


def test_parameters_without_scientific_notation(cdnow_result):
    assert lv.plain_number(825312.4) == "825,300"
    assert lv.plain_number(6.2467) == "6.247" and lv.plain_number(0.2426, 3) == "0.243"
    assert lv.plain_number(27354374.1) == "27,350,000" and lv.plain_number(999.96) == "1,000"
    assert lv.plain_number(0.000012) == "< 0.0001" and lv.plain_number(0) == "0"
    assert lv.plain_number(float("inf")) == "–" and lv.plain_number(float("nan")) == "–"
    assert lv.plain_number(4.2e9) == "–"  # beyond a billion: not identified
    table = cdnow_result.parameter_table()
    cells = table[["ltv_estimate", "ltv_std_error", "ltv_ci95_low", "ltv_ci95_high"]].to_numpy().ravel()
    assert not [c for c in cells if "e" in c.lower()]
    bg = table[(table["ltv_model"] == "BG/NBD") & (table["ltv_fit"] == "calibration")].set_index("ltv_parameter")
    assert bg.loc["r", "ltv_estimate"] == "0.2426" and bg.loc["α", "ltv_estimate"] == "4.414"


def test_export_rounds_money_to_cents_and_probabilities_to_four_places(cdnow_result):
    export = lv.clv_export(cdnow_result)
    for col, places in (("clv", 2), ("clv_low", 2), ("expected_spend", 2), ("monetary_value", 2), ("past_value", 2),
                        ("p_alive", 4), ("p_buy_again", 4), ("expected_purchases", 4)):  # fmt: skip
        scaled = export[col].to_numpy() * 10**places
        np.testing.assert_allclose(scaled, np.round(scaled), atol=1e-6, err_msg=col)
    # same rows and order as the unrounded predictions
    assert list(export["customer_id"]) == list(
        cdnow_result.clv.customers.sort_values("clv", ascending=False)["customer_id"]
    )


@pytest.mark.render
def test_notebook_renders_for_a_tiny_client_and_states_why(tmp_path):
    """The lifetime-value notebook of a 20-customer, 2-month client renders and says why there is no CLV."""
    import html as html_lib
    import shutil

    from repurchase.publish.render import render_reports

    root = Path(__file__).resolve().parents[1]
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    for name in ("01_cleaning.ipynb", "04_lifetime_value.ipynb"):
        shutil.copy(root / "notebooks" / name, nbs / name)
    _tiny_client().to_csv(tmp_path / "tx.csv", index=False)
    params = tmp_path / "tiny.yaml"
    params.write_text(
        f"""client: tiny
title: Tiny client
language: en
currency: CNY
period: 2026-10
sources:
  transactions:
    path: {tmp_path / "tx.csv"}
    columns: {{customer_id: customer_id, order_id: order_id, order_date: order_date, amount: amount}}
""",
        encoding="utf-8",
    )
    (outcome,) = render_reports([params], None, out=tmp_path / "reports", notebooks_dir=nbs)
    assert outcome.ok, outcome.error
    page = html_lib.unescape((outcome.report_dir / "04_lifetime_value.html").read_text(encoding="utf-8"))
    assert "No lifetime value for these data." in page
    assert "Only 4 of 20 customers have bought more than once (10 needed)" in page
    assert "Traceback" not in page and 'data-mime-type="application/vnd.jupyter.stderr"' not in page  # no warning
    metrics = json.loads((outcome.report_dir / "metrics.json").read_text(encoding="utf-8"))["lifetime_value"]
    assert metrics["status"] == "no_clv" and metrics["clv_total"] is None
    export = pd.read_csv(outcome.report_dir / "exports" / "clv.csv", encoding="utf-8-sig")
    assert len(export) == 20 and export["clv"].isna().all()


def test_every_notice_reads_in_chinese():
    """What the data could not support is said in Chinese without English words (params keys aside)."""
    import re

    from repurchase.core import i18n

    codes = [k.split(".")[-1] for k in i18n.catalog("zh") if k.startswith("lifetime_value.notice.")]
    values = {
        "weeks": "2.6",
        "history": "7.9",
        "requested": "bgnbd",
        "model": "mbgnbd",
        "failed": "pareto_nbd",
        "n": "4",
        "customers": "20",
        "min": "10",
        "q": "0.86",
        "valid": "12",
        "draws": "200",
        "calibration_end": "2026-03-31",
        "holdout_end": "–",
        "first": "2026-09-01",
        "period_end": "2026-10-31",
    }
    for code in codes:
        text = lv.Notice(code, values, then="lifetime_value.spend_fallback").text("zh")
        assert "{" not in text
        words = _english_words(re.sub(r"\b[a-z_]+\.[a-z_]+\b|\b[a-z]+_[a-z_]+\b", "", text))
        assert not words, (code, text)
