"""Proportions and their changes: the Wilson interval, Newcombe's interval of a difference, the z-test.

One definition for every analysis: the campaign tests, the repurchase drivers,
the satisfaction scores, the reports' key findings and the overview's "is this
change news?" test all call these. Vectorized: every function takes arrays.

* :func:`wilson_interval`: the Wilson score interval of ``count / nobs``;
* :func:`newcombe_interval`: Newcombe's hybrid score interval of ``p1 − p2``
  (``statsmodels.stats.proportion.confint_proportions_2indep(method="newcomb")``
  gives the same numbers, one test at a time);
* :func:`two_proportion_p_value`: the pooled two-proportion z-test;
* :func:`change_test` and :func:`change_is_news`: a month's rate against the
  month before, as the overview and the findings judge it (:data:`CHANGE_ALPHA`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from repurchase.core.formatting import as_finite

__all__ = [
    "CHANGE_ALPHA",
    "change_is_news",
    "change_test",
    "is_news",
    "newcombe_interval",
    "two_proportion_p_value",
    "wilson_interval",
]

#: significance level of every month-on-month change test (two-sided)
CHANGE_ALPHA = 0.05


def _z(confidence: float) -> float:
    return float(stats.norm.ppf(0.5 + confidence / 2))


def wilson_interval(
    count: ArrayLike, nobs: ArrayLike, confidence: float = 0.95, *, z: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of ``count / nobs``.

    Parameters
    ----------
    count, nobs
        Successes and trials (arrays that broadcast).
    confidence
        Two-sided level; ignored when ``z`` (the normal quantile) is given.

    Returns
    -------
    (low, high)
        Within [0, 1]; NaN where ``nobs`` is 0.
    """
    k, n = np.asarray(count, float), np.asarray(nobs, float)
    z = _z(confidence) if z is None else float(z)
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = n + z**2
        centre = (k + z**2 / 2) / denom
        half = z * np.sqrt(np.clip(k * (n - k) / n, 0, None) + z**2 / 4) / denom
    bad = ~(n > 0)
    return np.where(bad, np.nan, np.clip(centre - half, 0, 1)), np.where(bad, np.nan, np.clip(centre + half, 0, 1))


def newcombe_interval(
    count1: ArrayLike, nobs1: ArrayLike, count2: ArrayLike, nobs2: ArrayLike, confidence: float = 0.95
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


def change_test(rate: Any, n: Any, rate_prev: Any, n_prev: Any) -> tuple[float, float, float] | None:
    """p-value and ``1 − CHANGE_ALPHA`` interval (Newcombe) of ``rate − rate_prev``, rates of ``n`` and ``n_prev`` trials.

    Returns None when a rate or a count is unknown (None, NaN) or a count is 0.
    """
    r1, n1, r2, n2 = (as_finite(v) for v in (rate, n, rate_prev, n_prev))
    if r1 is None or n1 is None or r2 is None or n2 is None or min(n1, n2) <= 0:
        return None
    x1, x2 = r1 * n1, r2 * n2  # the counts behind the rates (not rounded: the rates stay as recorded)
    p = float(two_proportion_p_value(x1, n1, x2, n2))
    _, low, high = newcombe_interval(x1, n1, x2, n2, confidence=1 - CHANGE_ALPHA)
    return p, float(low), float(high)


def is_news(p: Any, low: Any, high: Any) -> bool:
    """A change with p-value ``p`` and interval [``low``, ``high``] is news: p < :data:`CHANGE_ALPHA` and 0 is outside."""
    p, low, high = as_finite(p), as_finite(low), as_finite(high)
    if p is None or low is None or high is None:
        return False
    return bool(p < CHANGE_ALPHA and (low > 0 or high < 0))


def change_is_news(rate: Any, n: Any, rate_prev: Any, n_prev: Any) -> bool | None:
    """Whether a rate's change is more than chance: p < :data:`CHANGE_ALPHA` and the interval excludes 0.

    None when there is nothing to test (see :func:`change_test`).
    """
    test = change_test(rate, n, rate_prev, n_prev)
    if test is None:
        return None
    return is_news(*test)
