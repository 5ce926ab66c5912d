"""Maximum likelihood for every model: one vectorized likelihood call per step, as lifetimes defines the objective.

lifetimes minimises, over the log-parameters (Pareto/NBD: over the
parameters, by Nelder-Mead), ``−Σ wᵢ ℓᵢ / norm + penalizer · Σ θ²`` where the
rate parameters are fitted on time rescaled so that the longest T is 10
(``_scale_time``), and ``norm`` is the sum of the weights (the mean for
Pareto/NBD). Its optimum is what :func:`maximise` finds, much faster:

* a model with an analytic gradient of its log-likelihood (BG/NBD, MBG/NBD,
  Gamma-Gamma: ``Objective.grad``) gets value and gradient from one pass over
  the weighted distinct rows, and its Hessian from central differences of
  that gradient (2k points in one broadcast call);
* otherwise (Pareto/NBD, whose likelihood holds a Gauss hypergeometric
  function) the log-likelihood is evaluated at the point and at its 2k
  central-difference neighbours in **one** broadcast call (the parameters as
  a (2k+1, 1) column), and the Hessian is one broadcast call over the
  (1 + 2k + 4·k(k−1)/2) second-difference points;
* L-BFGS-B runs from a start found on a seeded sample of the rows (when there
  are many), then Newton steps on the Hessian polish the optimum to the
  precision of the central gradient.

The tests keep lifetimes as the reference: estimates agree to 1e-6 relative.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize

__all__ = ["MAX_START_ROWS", "FitError", "GradLogLik", "LogLik", "Objective", "maximise"]

#: distinct rows above which the start is fitted on a seeded sample of this many
MAX_START_ROWS = 2_000
#: central-difference steps in log-parameters: gradient, Hessian
_GRAD_STEP = 1e-5
_HESS_STEP = 1e-4
#: an optimum with a log-parameter beyond ±_EDGE (3.3e6 or 3e-7, time rescaled to the longest T) is degenerate
_EDGE = 15.0
#: log-parameters are kept in [-_BOUND, _BOUND] (e^±30): beyond it a fit is degenerate anyway
_BOUND = 30.0
#: Newton steps on the Hessian that polish the optimum the search ended near
_POLISH_STEPS = 4
#: the search's projected-gradient tolerance (objective per customer): with an analytic gradient the
#: Newton polish (on a Hessian recomputed at each step) converges quadratically from there; with
#: numeric differences the search goes on to the end and the polish reuses one Hessian
_SEARCH_GTOL, _NUMERIC_GTOL = 1e-6, 1e-10


class FitError(Exception):
    """The optimiser failed, or ended where the likelihood is not finite."""


#: the per-row log-likelihood at a (m, k) array of parameter vectors -> (m, n_rows)
LogLik = Callable[[np.ndarray, Sequence[np.ndarray]], np.ndarray]
#: its gradient in the (natural) parameters at a (m, k) array of parameter vectors -> (k, m, n_rows)
GradLogLik = Callable[[np.ndarray, Sequence[np.ndarray]], np.ndarray]


@dataclass(frozen=True)
class Objective:
    """lifetimes' penalised objective on weighted rows, in log-parameters.

    Attributes
    ----------
    loglik
        ``loglik(params, data)``: per-row log-likelihood for each row of
        ``params`` (shape (m, k), natural parameters) -> (m, n).
    data
        The columns the model is fitted on (already rescaled in time).
    weights
        Each row's count (distinct rows).
    penalizer
        lifetimes' ``penalizer_coef`` (on the rescaled parameters).
    norm
        lifetimes' normaliser of the summed log-likelihood.
    grad
        ``grad(params, data)``: the gradient of ``loglik`` in the natural
        parameters, (k, m, n); None when the model has none (numeric differences).
    """

    loglik: LogLik
    data: Sequence[np.ndarray]
    weights: np.ndarray
    penalizer: float
    norm: float
    grad: GradLogLik | None = None

    def values(self, log_params: np.ndarray) -> np.ndarray:
        """The objective at each row of ``log_params`` (m, k); +inf where the likelihood is not finite."""
        p = np.exp(log_params)
        with np.errstate(all="ignore"):
            ll = self.loglik(p, self.data) @ self.weights
            out = -ll / self.norm + self.penalizer * (p**2).sum(axis=1)
        return np.where(np.isfinite(out), out, np.inf)

    def gradients(self, log_params: np.ndarray) -> np.ndarray:
        """The analytic gradient of the objective in the log-parameters at each row of ``log_params`` -> (m, k)."""
        assert self.grad is not None
        p = np.exp(log_params)
        with np.errstate(all="ignore"):
            g = self.grad(p, self.data) @ self.weights  # (k, m): d(sum of w * loglik) / dp
            return -(g.T * p) / self.norm + 2.0 * self.penalizer * p**2

    def value_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """The objective and its gradient at ``theta``: analytic when the model has one, else central differences."""
        k = len(theta)
        if self.grad is not None:
            f0 = self.values(theta[None, :])[0]
            if not np.isfinite(f0):
                return float("inf"), np.zeros(k)
            grad = self.gradients(theta[None, :])[0]
        else:
            f = self.values(theta[None, :] + np.vstack([np.zeros(k), _GRAD_STEP * np.eye(k), -_GRAD_STEP * np.eye(k)]))
            f0 = f[0]
            if not np.isfinite(f0):
                return float("inf"), np.zeros(k)
            grad = (f[1 : k + 1] - f[k + 1 :]) / (2 * _GRAD_STEP)
        if not np.all(np.isfinite(grad)):  # a neighbour beyond the finite region: no slope along that axis
            grad = np.where(np.isfinite(grad), grad, 0.0)
        return float(f0), grad

    def hessian(self, theta: np.ndarray, step: float = _HESS_STEP) -> np.ndarray:
        """The Hessian of the objective at ``theta``, all points in one call.

        Central differences of the analytic gradient when there is one, else
        central second differences of the objective.
        """
        k = len(theta)
        if self.grad is not None:
            eye = np.eye(k) * _GRAD_STEP
            g = self.gradients(np.vstack([theta + eye, theta - eye]))
            h = (g[:k] - g[k:]) / (2 * _GRAD_STEP)  # row j: d grad / d theta_j
            return 0.5 * (h + h.T)
        eye = np.eye(k) * step
        pairs = [(i, j) for i in range(k) for j in range(i + 1, k)]
        points = [theta, *(theta + eye[i] for i in range(k)), *(theta - eye[i] for i in range(k))]
        for i, j in pairs:
            points += [
                theta + eye[i] + eye[j],
                theta + eye[i] - eye[j],
                theta - eye[i] + eye[j],
                theta - eye[i] - eye[j],
            ]
        f = self.values(np.array(points))
        f0, plus, minus, cross = f[0], f[1 : k + 1], f[k + 1 : 2 * k + 1], f[2 * k + 1 :].reshape(-1, 4)
        h = np.diag((plus - 2 * f0 + minus) / step**2)
        for (i, j), (pp, pm, mp, mm) in zip(pairs, cross, strict=True):
            h[i, j] = h[j, i] = (pp - pm - mp + mm) / (4 * step**2)
        return h


def _minimise(obj: Objective, theta0: np.ndarray, gtol: float) -> np.ndarray:
    # per customer (same optimum): gradients of order 1, so the first line search stays where the likelihood is finite
    per = obj.norm / float(obj.weights.sum())

    def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
        f, g = obj.value_and_grad(theta)
        return f * per, g * per

    res = optimize.minimize(
        fun,
        theta0,
        jac=True,
        method="L-BFGS-B",
        bounds=[(-_BOUND, _BOUND)] * len(theta0),
        options={"maxiter": 5000, "ftol": 1e-15, "gtol": gtol},
    )
    if not np.isfinite(res.fun):
        raise FitError("the likelihood is not finite at the optimiser's end point")
    if not res.success and "ABNORMAL" not in str(res.message):
        raise FitError(f"optimiser: {res.message}")
    return np.asarray(res.x, dtype=float)


def maximise(obj: Objective, theta0: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The optimum of ``obj`` in log-parameters and the Hessian there (of ``obj``, not summed).

    With more than :data:`MAX_START_ROWS` distinct rows, the start is the
    optimum on a seeded sample of them (weights kept), so the full-data
    optimiser needs few iterations. A final Newton step on the Hessian
    polishes the optimum to the precision of the gradient.

    Raises
    ------
    FitError
        When the optimiser fails or ends where the likelihood is not finite.
    """
    theta = np.asarray(theta0, dtype=float)
    n = len(obj.weights)
    if n > MAX_START_ROWS:
        rows = np.sort(np.random.default_rng(seed).choice(n, MAX_START_ROWS, replace=False))
        w = obj.weights[rows]
        sample = Objective(
            obj.loglik,
            [np.asarray(c)[rows] for c in obj.data],
            w,
            obj.penalizer,
            obj.norm * w.sum() / obj.weights.sum(),
            obj.grad,
        )
        theta = _minimise(sample, theta, _SEARCH_GTOL)
    theta = _minimise(obj, theta, _SEARCH_GTOL if obj.grad is not None else _NUMERIC_GTOL)
    if np.any(np.abs(theta) > _EDGE):
        # e.g. r, α → ∞ with r/α fixed (no heterogeneity) or s → 0 (no dropout): a limit the model cannot
        # represent, where lifetimes' optimiser fails; the caller retries with a penalizer
        raise FitError(f"the estimates ran off to the edge of the parameter space (a parameter beyond e^±{_EDGE:.0f})")
    hess = obj.hessian(theta)
    f, grad = obj.value_and_grad(theta)
    for _ in range(_POLISH_STEPS):
        with np.errstate(all="ignore"):
            try:
                newton = theta - np.linalg.solve(hess, grad)
            except np.linalg.LinAlgError:
                break
        if not np.all(np.isfinite(newton)):
            break
        f_new, grad_new = obj.value_and_grad(newton)
        if not f_new <= f:
            break
        step = float(np.max(np.abs(newton - theta)))
        theta, f, grad = newton, f_new, grad_new
        if obj.grad is not None:
            hess = obj.hessian(theta)  # cheap with the analytic gradient: the Hessian is that of the optimum
        if step < 1e-10:
            break
    return theta, hess
