"""The package's maximum likelihood (vectorized, L-BFGS-B) against lifetimes, the reference, to 1e-6 relative."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from repurchase import lifetime_value as lv
from repurchase.lifetime_value.fit import weighted_unique
from repurchase.lifetime_value.models import MODELS
from repurchase.lifetime_value.models._optimize import MAX_START_ROWS, FitError, Objective, maximise


@pytest.fixture(scope="module")
def simulated() -> pd.DataFrame:
    """20,000 Pareto/NBD customers at the published CDNOW parameters: more distinct rows than the sample start."""
    return lv.customer_summary(lv.simulate_transactions(20_000, model="pareto_nbd", seed=11))


@pytest.fixture(scope="module")
def summaries(cdnow_cal, simulated) -> dict[str, pd.DataFrame]:
    return {"cdnow": cdnow_cal, "simulated": simulated}


@pytest.mark.parametrize("penalizer", [0.0, 0.01])
@pytest.mark.parametrize("data", ["cdnow", "simulated"])
@pytest.mark.parametrize("code", list(MODELS))
def test_estimates_and_hessian_equal_lifetimes(summaries, code, data, penalizer):
    cls = MODELS[code]
    columns, _ = cls.fit_data(summaries[data])
    rows, weights, _ = weighted_unique(columns)
    if data == "simulated":
        assert len(weights) > MAX_START_ROWS  # the sample start is exercised
    own, own_hess = cls.maximum_likelihood(rows, weights, penalizer)
    # lifetimes' Gamma-Gamma BFGS reports failure at 1e-8 on CDNOW with a penalizer; its default 1e-7 is precise there
    tol = 1e-7 if code == "gamma_gamma" else 1e-8
    ref, ref_hess = cls.lifetimes_fit(rows, weights, penalizer, tol=tol)
    for name in cls.param_names:
        assert own[name] == pytest.approx(ref[name], rel=1e-6), name
    np.testing.assert_allclose(own_hess, ref_hess, rtol=1e-3, atol=1e-3 * np.abs(ref_hess).max())


def test_pareto_nbd_fit_model_uses_the_fast_fit_and_keeps_lifetimes_estimates(cdnow_cal):
    fit = lv.fit_model(cdnow_cal, "pareto_nbd")
    rows, weights, _ = weighted_unique(lv.ParetoNBD.fit_data(cdnow_cal)[0])
    ref, _ = lv.ParetoNBD.lifetimes_fit(rows, weights, 0.0, tol=1e-8)
    assert fit.params == pytest.approx(ref, rel=1e-6)
    # the published CDNOW estimates (Fader, Hardie & Lee 2005): r 0.553, α 10.58, s 0.606, β 11.67
    assert fit.params == pytest.approx(lv.ParetoNBD.published, rel=5e-3)


def test_objective_hessian_is_exact_on_a_quadratic():
    """−ℓ = ½ Σ wᵢ (θ − cᵢ)ᵀ A (θ − cᵢ) in the log-parameters: the optimum is the weighted mean, the Hessian A."""
    a = np.array([[2.0, 0.5], [0.5, 1.0]])
    centres = np.array([[0.1, -0.2], [0.3, 0.4], [-0.5, 0.0]])
    weights = np.array([1.0, 2.0, 1.0])

    def loglik(p: np.ndarray, data: list[np.ndarray]) -> np.ndarray:
        d = np.log(p)[:, None, :] - np.stack(data, axis=1)[None, :, :]  # (m, n, k)
        return -0.5 * np.einsum("mni,ij,mnj->mn", d, a, d)

    obj = Objective(loglik, [centres[:, 0], centres[:, 1]], weights, 0.0, float(weights.sum()))
    theta, hess = maximise(obj, np.zeros(2))
    np.testing.assert_allclose(theta, weights @ centres / weights.sum(), atol=1e-8)
    np.testing.assert_allclose(hess, a, rtol=1e-6)


def test_an_optimum_at_the_edge_of_the_parameter_space_is_a_failure_the_fit_retries(helpers):
    """Uniform purchase timing (no heterogeneity): BG/NBD's r, α run off to infinity; the penalised retry is kept."""
    summary = lv.customer_summary(helpers.uniform_client())
    rows, weights, _ = weighted_unique(lv.BGNBD.fit_data(summary)[0])
    with pytest.raises(FitError, match="edge of the parameter space"):
        lv.BGNBD.maximum_likelihood(rows, weights, 0.0)
    fit = lv.fit_model(summary, lv.BGNBD)
    assert fit.retried and fit.penalizer == pytest.approx(1e-3) and fit.params["r"] < 1e3


@pytest.mark.parametrize("code", [c for c, cls in MODELS.items() if cls.has_gradient()])
def test_analytic_gradient_equals_central_differences_of_the_log_likelihood(code):
    rng = np.random.default_rng(3)
    n = 400
    x = rng.integers(0, 25, n).astype(float)
    T = rng.uniform(0.5, 10.0, n)
    tx = np.where(x > 0, T * rng.uniform(0.01, 1.0, n), 0.0)
    cls = MODELS[code]
    columns = [x + 1, rng.gamma(3.0, 10.0, n)] if code == "gamma_gamma" else [x, tx, T]
    for point in rng.uniform(0.2, 4.0, (3, len(cls.param_names))):
        grad = cls(dict(zip(cls.param_names, point, strict=True))).log_likelihood_grad(*columns)
        assert grad.shape == (len(point), n)
        for i in range(len(point)):
            h = 1e-6 * point[i]
            up, down = point.copy(), point.copy()
            up[i] += h
            down[i] -= h
            numeric = (
                cls(dict(zip(cls.param_names, up, strict=True))).log_likelihood(*columns)
                - cls(dict(zip(cls.param_names, down, strict=True))).log_likelihood(*columns)
            ) / (2 * h)
            np.testing.assert_allclose(grad[i], numeric, rtol=1e-6, atol=1e-6)


def test_pareto_nbd_has_no_analytic_gradient_and_is_fitted_by_differences():
    assert not lv.ParetoNBD.has_gradient() and lv.BGNBD.has_gradient()


def test_objective_with_an_analytic_gradient_finds_the_same_optimum_and_hessian():
    a = np.array([[2.0, 0.5], [0.5, 1.0]])
    centres = np.array([[0.1, -0.2], [0.3, 0.4], [-0.5, 0.0]])
    weights = np.array([1.0, 2.0, 1.0])

    def loglik(p: np.ndarray, data: list[np.ndarray]) -> np.ndarray:
        d = np.log(p)[:, None, :] - np.stack(data, axis=1)[None, :, :]
        return -0.5 * np.einsum("mni,ij,mnj->mn", d, a, d)

    def grad(p: np.ndarray, data: list[np.ndarray]) -> np.ndarray:
        d = np.log(p)[:, None, :] - np.stack(data, axis=1)[None, :, :]  # (m, n, k)
        return -np.einsum("ij,mnj->imn", a, d) / p.T[:, :, None]  # d/dp = d/dlog p / p

    data = [centres[:, 0], centres[:, 1]]
    obj = Objective(loglik, data, weights, 0.0, float(weights.sum()), grad)
    theta, hess = maximise(obj, np.zeros(2))
    np.testing.assert_allclose(theta, weights @ centres / weights.sum(), atol=1e-10)
    np.testing.assert_allclose(hess, a, rtol=1e-8)
    numeric = Objective(loglik, data, weights, 0.0, float(weights.sum()))
    for point in (np.zeros(2), np.array([0.4, -0.3])):
        np.testing.assert_allclose(obj.value_and_grad(point)[1], numeric.value_and_grad(point)[1], rtol=1e-8)
