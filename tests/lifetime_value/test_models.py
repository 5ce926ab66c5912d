"""The model classes: formulas against lifetimes and by hand, pmf, special functions, one class per code."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from repurchase import lifetime_value as lv
from repurchase.core.errors import AnalysisError
from repurchase.core.store import dump, load
from repurchase.lifetime_value.models._special import log_hyp2f1


def test_one_class_per_model_code():
    assert lv.TRANSACTION_MODELS == ("bgnbd", "pareto_nbd", "mbgnbd")
    assert [lv.model_class(c) for c in lv.TRANSACTION_MODELS] == [lv.BGNBD, lv.ParetoNBD, lv.MBGNBD]
    assert lv.model_class("gamma_gamma") is lv.GammaGamma and lv.model_class(lv.BGNBD) is lv.BGNBD
    assert lv.PARAM_NAMES["pareto_nbd"] == ("r", "alpha", "s", "beta")
    assert all(issubclass(lv.MODELS[c], lv.TransactionModel) for c in lv.TRANSACTION_MODELS)
    assert not issubclass(lv.GammaGamma, lv.TransactionModel)
    with pytest.raises(AnalysisError, match="unknown model 'bgnb'"):
        lv.model_class("bgnb")
    with pytest.raises(AnalysisError, match="BG/NBD takes the parameters r, alpha, a, b"):
        lv.BGNBD({"r": 1.0, "alpha": 1.0, "s": 1.0, "beta": 1.0})


def test_a_model_is_stored_and_loaded_with_its_parameters(tmp_path):
    model = lv.ParetoNBD(lv.ParetoNBD.published, time_unit="D")
    back = load(dump(model, tmp_path), tmp_path)
    assert back == model and type(back) is lv.ParetoNBD and back.time_unit == "D"
    assert back.p_alive(2.0, 10.0, 20.0) == pytest.approx(model.p_alive(2.0, 10.0, 20.0))


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
    for code, cls in classes.items():
        fit = cdnow_fits[code]
        model = fit.model
        ref = cls()
        ref.params_ = pd.Series(fit.params)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            exp_ref = ref.conditional_expected_number_of_purchases_up_to_time(39, x, tx, T)
            alive_ref = ref.conditional_probability_alive(x, tx, T)
            uncond_ref = ref.expected_number_of_purchases_up_to_time(np.array([1.0, 10.0, 78.0]))
        np.testing.assert_allclose(model.conditional_expected_purchases(39, x, tx, T), exp_ref, rtol=1e-9)
        np.testing.assert_allclose(model.p_alive(x, tx, T), alive_ref, rtol=1e-9)
        np.testing.assert_allclose(model.expected_purchases([1.0, 10.0, 78.0]), uncond_ref, rtol=1e-9)
        np.testing.assert_allclose(model.p_no_purchase(39.0, x, tx, T), 1 - model.p_buy_again(39.0, x, tx, T))
    # Pareto/NBD P(buy again) = 1 − P(N(t) = 0 | x, t_x, T) (Fader & Hardie note 028, via lifetimes)
    fit = cdnow_fits["pareto_nbd"]
    ref = lifetimes.ParetoNBDFitter()
    ref.params_ = pd.Series(fit.params)
    idx = np.r_[0:40, 500:520]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        p0 = ref.conditional_probability_of_n_purchases_up_to_time(0, 39.0, x[idx], tx[idx], T[idx])
    np.testing.assert_allclose(fit.model.p_buy_again(39.0, x[idx], tx[idx], T[idx]), 1 - p0, rtol=1e-7, atol=1e-10)


def test_p_buy_again_hand_computed():
    """P(buy again) = P(alive)·[1 − ((α+T)/(α+T+t))^(r+x)] for BG/NBD, worked by hand."""
    params = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}
    bg = lv.BGNBD(params)
    x, tx, T, t = 2.0, 10.0, 20.0, 10.0
    p_alive = 1 / (1 + 0.8 / (2.5 + 2 - 1) * ((4 + 20) / (4 + 10)) ** (0.25 + 2))
    expected = p_alive * (1 - (24 / 34) ** 2.25)
    assert p_alive == pytest.approx(0.5654, abs=1e-4)  # 1 / (1 + 0.228571 · 3.3626)
    assert bg.p_alive(x, tx, T)[()] == pytest.approx(p_alive, rel=1e-12)
    assert bg.p_buy_again(t, x, tx, T)[()] == pytest.approx(expected, rel=1e-12)
    # one-time buyer: P(alive) is 1 by construction, P(buy again) is not
    assert bg.p_alive(0.0, 0.0, T)[()] == 1.0
    assert bg.p_buy_again(t, 0.0, 0.0, T)[()] == pytest.approx(1 - (24 / 34) ** 0.25)
    # and it never exceeds P(alive), for every model
    for model in (lv.MBGNBD(params), lv.ParetoNBD({"r": 0.55, "alpha": 10.6, "s": 0.6, "beta": 11.7})):
        pa = model.p_alive(x, tx, T)
        pb = model.p_buy_again(t, x, tx, T)
        assert 0 < pb < pa <= 1
    # a horizon in days is converted to the model's unit
    assert bg.units(70) == pytest.approx(10.0) and lv.BGNBD(params, time_unit="D").units(70) == pytest.approx(70.0)


@pytest.mark.parametrize("code", lv.TRANSACTION_MODELS)
def test_period_transaction_pmf_is_a_distribution(code, cdnow_fits):
    model = cdnow_fits[code].model
    t = np.array([5.0, 39.0])
    pmf = model.purchase_pmf(t, 400)
    np.testing.assert_allclose(pmf.sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose((pmf * np.arange(400)).sum(axis=1), model.expected_purchases(t), rtol=1e-5)


@pytest.mark.parametrize(
    "model",
    [
        lv.BGNBD({"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.43}),
        lv.MBGNBD({"r": 0.52, "alpha": 6.2, "a": 0.89, "b": 1.61}),
        lv.ParetoNBD({"r": 0.55, "alpha": 10.6, "s": 0.61, "beta": 11.7}),
    ],
)
def test_expected_purchases_by_pair_equal_customer_by_customer(model):
    """Evaluated once per distinct (x, T), spread back and times P(alive): the customer-wise expectation.

    With draws of shape (D, 1) as in the CLV, for every model; 400 customers hold far
    fewer (x, T) pairs than (x, t_x, T) rows.
    """
    rng = np.random.default_rng(3)
    n = 400
    x = rng.integers(0, 6, n).astype(float)
    T = rng.integers(30, 40, n).astype(float)  # few distinct (x, T) pairs, many distinct t_x
    tx = np.where(x > 0, rng.uniform(0.5, 1.0, n) * T, 0.0)
    t = 4.348 * np.arange(1, 13)
    draws = {k: v * rng.uniform(0.9, 1.1, (5, 1)) for k, v in model.params.items()}
    for m in (model, model.with_params(draws)):
        path, pair = m.expected_purchases_by_pair(t, x, T)
        assert path.shape[-2] == len(np.unique(np.stack([x, T]), axis=1).T) <= 60
        combined = m.p_alive(x, tx, T)[..., None] * np.take(path, pair, axis=-2)
        for i in range(0, n, 37):
            one = m.with_params({k: np.asarray(v, dtype=float)[..., None] for k, v in m.params.items()})
            direct = one.conditional_expected_purchases(t, x[i], tx[i], T[i])  # (…, 12) for this customer
            np.testing.assert_allclose(combined[..., i, :], direct.reshape(combined[..., i, :].shape), rtol=1e-13)
        assert len(np.unique(combined[..., -1].reshape(-1, n), axis=1).T) > 60  # t_x matters: not one value per pair


def test_bgnbd_one_time_buyers_with_a_plus_b_below_one():
    """a + b < 1 makes 2F1(r, b; a + b − 1; z) negative: the closed form holds, it must not become NaN.

    Reference: Monte Carlo of E[(1 − e^{−λpt}) / p] with λ ~ Gamma(r, α + T), p ~ Beta(a, b)
    (4M draws: 1.6743 ± 0.0004 for the first case; the closed form gives 1.67361).
    """
    params = {"r": 3.987, "alpha": 80.0, "a": 0.039, "b": 0.896}
    value = lv.BGNBD(params).conditional_expected_purchases(52.0, 0.0, 0.0, 40.0)
    assert value == pytest.approx(1.67361, abs=1e-5)
    # a one-time buyer aged T is a new customer with α + T (unconditional expectation)
    shifted = lv.BGNBD({**params, "alpha": 120.0})
    assert shifted.expected_purchases(52.0) == pytest.approx(value, rel=1e-12)
    rng = np.random.default_rng(0)
    n = 400_000
    log_p = np.log(rng.gamma(params["a"] + 1, size=n)) + np.log(rng.random(n)) / params["a"]
    log_p = log_p - np.logaddexp(log_p, np.log(rng.gamma(params["b"], size=n)))  # Beta(a, b) in log space
    lam = rng.gamma(params["r"], 1 / 120.0, size=n)
    p = np.exp(log_p)
    draws = np.where(lam * p * 52 < 1e-12, lam * 52, -np.expm1(-lam * p * 52) / np.maximum(p, 1e-300))
    assert abs(draws.mean() - value) < 4 * draws.std() / np.sqrt(n)


def test_log_hyp2f1_falls_back_to_euler_transform_where_the_series_overflows():
    from scipy import special

    a, b, c, z = np.array([150.0, 0.5]), 160.0, np.array([100.0, 1.7]), np.array([0.99, 0.3])
    assert np.isinf(special.hyp2f1(150.0, 160.0, 100.0, 0.99))
    # Euler: 2F1(a, b; c; z) = (1 − z)^(c − a − b) 2F1(c − a, c − b; c; z)
    euler = math.log(special.hyp2f1(-50.0, -60.0, 100.0, 0.99)) + (100 - 310) * math.log(0.01)
    got = log_hyp2f1(a, b, c, z)
    assert got[0] == pytest.approx(euler, rel=1e-12)
    assert got[1] == pytest.approx(math.log(special.hyp2f1(0.5, 160.0, 1.7, 0.3)), rel=1e-12)
    assert log_hyp2f1(150.0, 160.0, 100.0, 0.99) == pytest.approx(euler, rel=1e-12)


def test_gamma_gamma_expected_spend_and_mean():
    gg = lv.GammaGamma({"p": 6.25, "q": 3.74, "v": 15.44})
    assert gg.mean == pytest.approx(15.44 * 6.25 / 2.74)
    # one-time buyers get the population mean; many purchases pull towards the own mean
    assert gg.expected_spend(0.0, 0.0) == pytest.approx(gg.mean)
    w = 6.25 * 50 / (6.25 * 50 + 2.74)
    assert gg.expected_spend(50.0, 100.0) == pytest.approx((1 - w) * gg.mean + w * 100.0)
    assert lv.GammaGamma({"p": 1.0, "q": 0.9, "v": 1.0}).mean == math.inf


@pytest.mark.parametrize("a,b", [(1.5, 1.2), (5.0, 4.0), (0.7, 1.6), (30.0, 29.0), (1.16, 1.6)])
def test_pareto_nbd_hypergeometric_equals_its_euler_integral_near_z_1(a, b):
    from scipy import integrate

    from repurchase.lifetime_value.models.pareto_nbd import _PFAFF_FROM, _log_hyp2f1_a1

    z = np.array([0.0, 0.2, _PFAFF_FROM, 0.51, 0.9, 0.99, 0.9999])

    # 2F1(a, b; a + 1; z) = a ∫₀¹ t^(a−1) (1 − z t)^(−b) dt, integrated numerically as the reference
    # (scaled by the integrand's peak at t = 1, with break points where it rises steeply)
    def log_euler_integral(zi: float) -> float:
        peak = -b * np.log1p(-zi)
        f = lambda t: np.exp((a - 1) * np.log(t) - b * np.log1p(-zi * t) - peak)
        return peak + np.log(
            a * integrate.quad(f, 0, 1, epsabs=0, epsrel=1e-12, limit=500, points=[0.99, 0.999, 0.9999])[0]
        )

    ref = [log_euler_integral(zi) for zi in z]
    got = _log_hyp2f1_a1(np.full(len(z), a), np.full(len(z), b), z)
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-12)


def test_pareto_nbd_p_alive_evaluates_each_distinct_row_once_with_the_same_values():
    rng = np.random.default_rng(3)
    n = 5_000  # above the deduplication threshold; one-time buyers of the same day share a row
    x = rng.integers(0, 4, n).astype(float)
    T = rng.integers(30, 60, n).astype(float)
    tx = np.where(x > 0, np.floor(T * 0.5), 0.0)
    model = lv.ParetoNBD({"r": 0.55, "alpha": 10.6, "s": 0.61, "beta": 11.7})
    assert model.p_alive(x, tx, T).shape == (n,)
    np.testing.assert_array_equal(model.p_alive(x, tx, T), model._p_alive(x, tx, T))
    # parameter draws of shape (D, 1) against customers (n,), and customers laid out as (n, 1)
    draws = model.with_params({k: np.array([[v], [v * 1.1]]) for k, v in model.params.items()})
    np.testing.assert_array_equal(draws.p_alive(x, tx, T), draws._p_alive(x, tx, T))
    col = draws.with_params({k: v[:, :, None] for k, v in draws.params.items()})
    np.testing.assert_array_equal(
        col.p_alive(x[:, None], tx[:, None], T[:, None]), col._p_alive(x[:, None], tx[:, None], T[:, None])
    )
    assert col.p_alive(x[:, None], tx[:, None], T[:, None]).shape == (2, n, 1)


def test_pareto_nbd_likelihood_per_distinct_pair_equals_the_row_by_row_formula(monkeypatch):
    """The hypergeometric terms are evaluated once per distinct (x, t_x) and (x, T): the values do not change."""
    from repurchase.lifetime_value.models import pareto_nbd

    summary = lv.customer_summary(lv.simulate_transactions(6_000, model="pareto_nbd", seed=5))
    x, tx, T = lv.ParetoNBD.fit_data(summary)[0]
    assert len(x) >= pareto_nbd._DISTINCT_FROM
    draws = {"r": np.array([[0.55], [1.2]]), "alpha": np.array([[10.6], [3.0]]),
             "s": np.array([[0.61], [2.0]]), "beta": np.array([[11.7], [1.5]])}  # fmt: skip
    model = lv.ParetoNBD(draws)
    fast = model.log_likelihood(x, tx, T)
    alive = model.p_alive(x, tx, T)
    monkeypatch.setattr(pareto_nbd, "_DISTINCT_FROM", 10**12)  # every row on its own
    np.testing.assert_allclose(fast, model.log_likelihood(x, tx, T), rtol=1e-13)
    np.testing.assert_allclose(alive, model.p_alive(x, tx, T), rtol=1e-13)
    assert fast.shape == (2, len(x)) and np.isfinite(fast).all()


@pytest.mark.parametrize("shape", [(-1,), (1, -1), (-1, 1)])
def test_pareto_nbd_distinct_rows_are_numpy_unique_rows(shape):
    # the distinct (x, t_x, T) rows behind P(alive) come from one lexsort: the same rows and inverse as np.unique
    from repurchase.lifetime_value.models import pareto_nbd

    rng = np.random.default_rng(5)
    n = 20_000
    x = rng.integers(0, 6, n).astype(float)
    T = rng.integers(1, 60, n).astype(float)
    tx = np.where(x > 0, np.floor(rng.random(n) * T), 0.0)
    cols = [v.reshape(shape) for v in (x, tx, T)]
    (ux, utx, uT), inverse, axis = pareto_nbd._distinct_rows(*cols)
    uniq, expected = np.unique(np.stack([x, tx, T], axis=1), axis=0, return_inverse=True)
    np.testing.assert_array_equal(np.stack([ux.ravel(), utx.ravel(), uT.ravel()], axis=1), uniq)
    np.testing.assert_array_equal(inverse, expected.ravel())
    assert ux.shape[axis] == len(uniq) < n
    assert pareto_nbd._distinct_rows(np.arange(5000.0), np.zeros(5000), np.ones(5000)) is None  # nothing shared
