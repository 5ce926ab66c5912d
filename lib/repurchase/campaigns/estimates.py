"""The statistics of a campaign test, vectorized: every function takes arrays (one entry per test).

* :func:`wilson_interval`, :func:`newcombe_interval`: the Wilson score interval of
  a proportion and Newcombe's hybrid score interval of a difference of two
  (``statsmodels.stats.proportion.confint_proportions_2indep(method="newcomb")``
  gives the same numbers, one test at a time);
* :func:`two_proportion_p_value`: the pooled two-proportion z-test;
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


def _z(confidence: float) -> float:
    return float(stats.norm.ppf(0.5 + confidence / 2))


def wilson_interval(count: ArrayLike, nobs: ArrayLike, confidence: float = 0.90) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of ``count / nobs`` (NaN where ``nobs`` is 0)."""
    x, n = np.asarray(count, float), np.asarray(nobs, float)
    z = _z(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        denom = n + z**2
        centre = (x + z**2 / 2) / denom
        half = z * np.sqrt(n) / denom * np.sqrt(p * (1 - p) + z**2 / (4 * n))
    return centre - half, centre + half


def newcombe_interval(
    count1: ArrayLike, nobs1: ArrayLike, count2: ArrayLike, nobs2: ArrayLike, confidence: float = 0.90
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Newcombe's hybrid score interval of ``p1 − p2`` (method 10 of Newcombe, 1998).

    Returns
    -------
    difference, low, high
        ``p1 − p2`` and its interval, from the Wilson intervals ``(l1, u1)`` and
        ``(l2, u2)``: ``d − √((p1 − l1)² + (u2 − p2)²)`` to ``d + √((u1 − p1)² + (p2 − l2)²)``.
    """
    x1, n1, x2, n2 = (np.asarray(a, float) for a in (count1, nobs1, count2, nobs2))
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_interval(x1, n1, confidence)
    l2, u2 = wilson_interval(x2, n2, confidence)
    d = p1 - p2
    return d, d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def two_proportion_p_value(count1: ArrayLike, nobs1: ArrayLike, count2: ArrayLike, nobs2: ArrayLike) -> np.ndarray:
    """Two-sided p-value of the pooled z-test of ``p1 = p2`` (1 when both rates are 0 or 1)."""
    x1, n1, x2, n2 = (np.asarray(a, float) for a in (count1, nobs1, count2, nobs2))
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (x1 + x2) / (n1 + n2)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = (x1 / n1 - x2 / n2) / se
    p = 2 * stats.norm.sf(np.abs(z))
    return np.where(se > 0, p, np.where(np.isnan(se), np.nan, 1.0))


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
