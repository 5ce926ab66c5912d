"""Whether a KPI card's change from last month is news or chance variation.

The overview headlines a change only when a test says it is more than chance.
Each card's change from the previous month is judged by what its data allow:

* **NPS**: the satisfaction report's test of the change (difference of two
  NPS with their standard errors, :func:`repurchase.satisfaction.scores.score_change`).
* **Rates with a count behind them** (repurchase rate: repeat buyers out of
  buyers; buy-back rate: retained out of last month's buyers; churn rate:
  churned out of the customers active at the start of the month): Newcombe's
  interval of the difference of two proportions and the pooled z-test
  (:mod:`repurchase.campaigns.estimates`).
* **KPIs on a control chart** (buyers, revenue, AOV and the rates of the
  monitoring report): the chart's limits give the month-to-month noise of the
  KPI, σ = (upper − lower limit) ÷ (2 × the limit's σ multiple), overdispersion
  included; the change ``d`` from last month is tested as d ÷ (√2 σ), the
  difference of two months each with that noise.

A change is **noise** (shown grey, worded "about the same") when any of its
tests is not significant at :data:`ALPHA` or its interval includes zero;
**significant** when it has a test and all say so; **untested** otherwise
(customers to date, CLV, value at risk). The narrative ranks significant
changes first, then untested ones, by size; noise is never headlined.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from repurchase.core.formatting import as_finite
from repurchase.core.periods import Period
from repurchase.core.proportions import CHANGE_ALPHA, change_test, is_news

__all__ = ["ALPHA", "SIGNALS", "change_signals", "control_chart_test", "proportion_test"]

#: p-value and interval of a rate's change (:func:`repurchase.core.proportions.change_test`)
proportion_test = change_test

#: significance level of every change test (two-sided): the one of :mod:`repurchase.core.proportions`
ALPHA = CHANGE_ALPHA
#: the verdicts, in the order the narrative ranks them
SIGNALS = ("significant", "untested", "noise")


def control_chart_test(
    value: Any, prev: Any, low: Any, high: Any, limit_sigma: float = 3.0
) -> tuple[float, float, float] | None:
    """p-value and 95% interval of ``value − prev`` with the noise of the month's control-chart limits.

    σ = (high − low) ÷ (2 ``limit_sigma``); the difference of two months has
    standard error √2 σ. None when a value or a limit is unknown or the limits coincide.
    """
    v, r, lo, hi = (as_finite(x) for x in (value, prev, low, high))
    if v is None or r is None or lo is None or hi is None:
        return None
    sigma = (hi - lo) / (2 * limit_sigma)
    if not sigma > 0:
        return None
    se = math.sqrt(2) * sigma
    d = v - r
    z = float(stats.norm.ppf(1 - ALPHA / 2))
    return float(2 * stats.norm.sf(abs(d) / se)), d - z * se, d + z * se


def _verdict(test: tuple[float, float, float] | None) -> bool | None:
    """True when significant, False when noise (p ≥ ALPHA or the interval includes 0), None without a test."""
    if test is None or not all(np.isfinite(test)):
        return None
    return is_news(*test)


def _tests(
    card: Any, metrics: Mapping[str, Mapping[str, Any]], period: Period, limit_sigma: float
) -> list[bool | None]:
    """The verdicts of the tests a card's change has (see the module docstring)."""
    rep = metrics.get("repurchase") or {}
    trend = {row.get("month"): row for row in rep.get("trend") or []}
    out: list[bool | None] = []
    if card.kpi == "nps":
        sat = metrics.get("satisfaction") or {}
        keys = ("nps_change_p_value", "nps_change_low", "nps_change_high")
        p, low, high = (as_finite(sat.get(k)) for k in keys)
        if p is not None and low is not None and high is not None:
            out.append(_verdict((p, low, high)))
    elif card.kpi == "repurchase_rate_customers":
        out.append(
            _verdict(proportion_test(card.value, rep.get("buyers"), card.prev_period, rep.get("buyers_prev_period")))
        )
    elif card.kpi == "buyback_rate":
        two_back = (trend.get(period.shift(-2).label) or {}).get("buyers")  # last month's denominator
        out.append(_verdict(proportion_test(card.value, rep.get("buyers_prev_period"), card.prev_period, two_back)))
    elif card.kpi == "churn_rate":
        churn = metrics.get("churn") or {}
        out.append(
            _verdict(
                proportion_test(
                    card.value, churn.get("churn_rate_n"), card.prev_period, churn.get("churn_rate_n_prev_period")
                )
            )
        )
    status = getattr(card, "status", None)
    if status in ("alert", "watch", "normal"):
        out.append(
            _verdict(
                control_chart_test(card.value, card.prev_period, card.expected_low, card.expected_high, limit_sigma)
            )
        )
    return out


def change_signals(
    cards: pd.DataFrame, metrics: Mapping[str, Mapping[str, Any]], period: Period, limit_sigma: float = 3.0
) -> pd.Series:
    """The verdict on each card's change from last month: ``significant``, ``noise`` or ``untested``.

    Parameters
    ----------
    cards
        :func:`repurchase.publish.overview.kpi_cards` rows (``kpi``, ``value``,
        ``prev_period``, ``change_prev``, and ``status``, ``expected_low``,
        ``expected_high`` from the monitoring alerts).
    metrics
        This period's metrics by section.
    period
        The report month.
    limit_sigma
        The σ multiple of the control-chart limits (``monitoring.sigma``).

    Returns
    -------
    pandas.Series
        Aligned with ``cards``; ``untested`` also when the change is unknown.
    """
    verdicts = []
    for card in cards.itertuples(index=False):  # one row per KPI card, ten
        if as_finite(card.change_prev) is None:
            verdicts.append("untested")
            continue
        found = [t for t in _tests(card, metrics, period, limit_sigma) if t is not None]
        verdicts.append("untested" if not found else "significant" if all(found) else "noise")
    return pd.Series(verdicts, index=cards.index, dtype=object)
