"""Lifetime value: summary, fits, published CDNOW estimates, recovery, CLV and intervals."""

from __future__ import annotations

import importlib.metadata
import json
import math
import warnings

import matplotlib

matplotlib.use("agg")  # tests draw off-screen; the library itself never calls matplotlib.use

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from repurchase import lifetime_value as lv
from repurchase.errors import AnalysisError
from repurchase.params import LifetimeValueSettings

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
_KEEP = {"BG", "NBD", "Pareto", "MBG", "Gamma", "CLV", "CAC", "MAE", "RMSE", "AUC", "AIC", "BIC", "USD", "CNY", "lifetime_value", "model",
         "margin", "bgnbd", "inf", "nan",
         "acquisition_channel", "acquisition_cost"}  # field names of the customers source


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
                ["2024-01-01", "2024-01-01", "2024-01-08", "2024-01-22", "2024-01-22", "2024-01-15", "2024-01-15",
                 "2024-02-10"]
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
    import lifetimes  # noqa: F401  (imported by the fixtures already)

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
    mean = lambda p: p["v"] * p["p"] / (p["q"] - 1)  # noqa: E731
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
    assert len(top) == 5 and top["clv"].iloc[0] == export["clv"].iloc[0]
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
    assert lv.holdout_split("2025-06-30").describe().endswith("(26.0 weeks; default: the last 26 weeks are the holdout).")
    # money in sentences: $ and K from ten thousand on (English)
    total = res.clv.total("clv")[0]
    assert f"total ${total / 1e3:,.1f}K (90% interval $" in res.clv.describe("en", "USD")
    assert res.choice.describe("en") == res.choice.reason


def test_report_tables_in_chinese(cdnow, cdnow_result):
    from repurchase import i18n

    res = cdnow_result
    comparison = lv.display_table(res.comparison, "zh")
    assert list(comparison["ltv_model"]) == ["BG/NBD", "Pareto/NBD", "MBG/NBD", "历史速率基准", "仅按最近购买基准"]
    # retried: 是/否 for the models, blank for the baselines
    assert list(comparison["ltv_retried"].iloc[:3]) == ["否", "否", "否"] and comparison["ltv_retried"].iloc[3:].isna().all()
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
    for table in (comparison, params, totals, conc, cohorts, lv.display_table(heuristic, "zh"),
                  lv.display_table(lv.top_customers(res.clv, 3), "zh"),
                  lv.display_table(lv.cac_report(res.clv, customers, lang="zh")[0], "zh")):
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
