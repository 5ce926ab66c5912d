"""The statistics of a campaign test, vectorized: every function takes arrays (one entry per test).

* :func:`wilson_interval`, :func:`newcombe_interval`, :func:`two_proportion_p_value`:
  from :mod:`repurchase.core.proportions` (one definition for every analysis);
* :func:`welch_difference` (per customer) and :func:`welch_from_moments` (per
  group): a difference of means with Welch's interval;
* :func:`cuped`: the CUPED adjustment ``y − θ (x − x̄)`` with
  ``θ = cov(x, y) / var(x)`` on the pooled groups;
* :func:`srm_test`: the chi-square test of the group sizes against the planned split;
* :func:`mde_proportion`: the minimum detectable uplift of a repurchase rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from repurchase.core.proportions import _z, newcombe_interval, two_proportion_p_value, wilson_interval

__all__ = [
    "Difference",
    "cuped",
    "cuped_theta",
    "mde_proportion",
    "newcombe_interval",
    "srm_test",
    "two_proportion_p_value",
    "welch_difference",
    "welch_from_moments",
    "wilson_interval",
]


@dataclass(frozen=True)
class Difference:
    """A difference of means ``treatment − control`` with its interval (arrays, one entry per test).

    Attributes
    ----------
    mean_treatment, mean_control, difference, low, high, se, p_value
        The group means, their difference, its interval, standard error and the
        two-sided Welch p-value.
    """

    mean_treatment: np.ndarray
    mean_control: np.ndarray
    difference: np.ndarray
    low: np.ndarray
    high: np.ndarray
    se: np.ndarray
    p_value: np.ndarray


def _masked_moments(y: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = mask.sum(axis=-1).astype(float)
    s = np.where(mask, y, 0.0).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        m = s / n
        v = np.where(mask, (y - m[..., None]) ** 2, 0.0).sum(axis=-1) / (n - 1)
    return n, m, v


def welch_from_moments(
    n1: ArrayLike,
    mean1: ArrayLike,
    var1: ArrayLike,
    n0: ArrayLike,
    mean0: ArrayLike,
    var0: ArrayLike,
    confidence: float = 0.90,
) -> Difference:
    """Welch's interval of ``mean1 − mean0`` from each group's size, mean and variance (ddof 1)."""
    n1, m1, v1, n0, m0, v0 = (np.asarray(a, float) for a in (n1, mean1, var1, n0, mean0, var0))
    with np.errstate(divide="ignore", invalid="ignore"):
        a, b = v1 / n1, v0 / n0
        se = np.sqrt(a + b)
        df = (a + b) ** 2 / (a**2 / (n1 - 1) + b**2 / (n0 - 1))
        df = np.where(df > 0, df, np.nan)
        q = stats.t.ppf(0.5 + confidence / 2, df)
        d = m1 - m0
        p = 2 * stats.t.sf(np.abs(d / se), df)
    return Difference(m1, m0, d, d - q * se, d + q * se, se, p)


def welch_difference(y: ArrayLike, treated: ArrayLike, confidence: float = 0.90) -> Difference:
    """Mean of ``y`` in treatment minus control, with Welch's t interval.

    Parameters
    ----------
    y
        Outcome per customer; the last axis holds the customers of one test
        (a 2-D array runs many tests at once).
    treated
        Boolean of the same shape: True in treatment, False in control.
    confidence
        Level of the interval.
    """
    y, t = np.asarray(y, float), np.asarray(treated, bool)
    return welch_from_moments(*_masked_moments(y, t), *_masked_moments(y, ~t), confidence=confidence)


def cuped_theta(y: ArrayLike, x: ArrayLike) -> np.ndarray:
    """θ = cov(x, y) / var(x) over the last axis (0 when x does not vary)."""
    y, x = np.asarray(y, float), np.asarray(x, float)
    xc = x - x.mean(axis=-1, keepdims=True)
    yc = y - y.mean(axis=-1, keepdims=True)
    var = (xc**2).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(var > 0, (xc * yc).sum(axis=-1) / var, 0.0)


def cuped(y: ArrayLike, x: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """The CUPED-adjusted outcome ``y − θ (x − x̄)`` and θ, with x̄ and θ on the pooled groups.

    The adjustment has mean zero in expectation in both groups of a randomized
    test (x is measured before the assignment), so the difference of the adjusted
    means estimates the same effect with variance reduced by the share of y's
    variance x explains.
    """
    y, x = np.asarray(y, float), np.asarray(x, float)
    theta = cuped_theta(y, x)
    adjusted = y - theta[..., None] * (x - x.mean(axis=-1, keepdims=True))
    return adjusted, theta


def srm_test(treatment: ArrayLike, control: ArrayLike, planned_share: ArrayLike = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Chi-square goodness of fit of the group sizes against the planned treatment share (1 df).

    Returns
    -------
    statistic, p_value
    """
    nt, nc = np.asarray(treatment, float), np.asarray(control, float)
    share = np.asarray(planned_share, float)
    n = nt + nc
    et, ec = n * share, n * (1 - share)
    with np.errstate(divide="ignore", invalid="ignore"):
        chi2 = (nt - et) ** 2 / et + (nc - ec) ** 2 / ec
    return chi2, stats.chi2.sf(chi2, 1)


def mde_proportion(
    rate_control: ArrayLike, nobs1: ArrayLike, nobs2: ArrayLike, confidence: float = 0.90, power: float = 0.8
) -> np.ndarray:
    """Smallest uplift (a difference of shares) the test detects with ``power`` at α = 1 − ``confidence``.

    ``(z₁₋α/₂ + z_power) · √(p(1 − p)(1/n₁ + 1/n₂))`` with p the control rate.
    """
    p = np.asarray(rate_control, float)
    n1, n2 = np.asarray(nobs1, float), np.asarray(nobs2, float)
    z = _z(confidence) + float(stats.norm.ppf(power))
    with np.errstate(divide="ignore", invalid="ignore"):
        return z * np.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
