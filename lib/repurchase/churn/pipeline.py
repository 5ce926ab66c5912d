"""The churn analysis end to end: :func:`run_churn`, its :class:`ChurnResult`, metrics, exports and ``STAGE``.

:func:`run_churn` computes everything notebook 05 shows, once per client and
period; the render stores the result (:mod:`repurchase.core.store`), writes
:func:`churn_metrics` to ``metrics.json`` under ``churn`` and
:func:`churn_exports` next to the report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from repurchase.churn import lifetime_value_bridge as bridge
from repurchase.churn._base import AsOf, ChurnTable
from repurchase.churn.at_risk import CustomerValue, at_risk_export, at_risk_list, at_risk_summary, customer_value
from repurchase.churn.definitions import ChurnDefinition, churn_threshold, customer_status, first_purchase_attributes
from repurchase.churn.early_warning import EarlyWarningResult, early_warning
from repurchase.churn.model_based import definition_check, model_based_at_end
from repurchase.churn.survival import (
    SURVIVAL_GROUPS,
    SurvivalView,
    logrank_test,
    survival_at,
    survival_curves,
    survival_inputs,
)
from repurchase.churn.trend import BREAKDOWNS, churn_by, monthly_churn, rate_for_month
from repurchase.core.ids import CustomerCodes
from repurchase.core.params import ChurnSettings, SegmentationSettings
from repurchase.core.periods import Period
from repurchase.core.stage import Inputs, Stage

__all__ = ["STAGE", "ChurnResult", "churn_exports", "churn_metrics", "headline_metrics", "run_churn"]


@dataclass
class ChurnResult:
    """Everything the churn report shows, computed once (:func:`run_churn`).

    Attributes
    ----------
    period
        The report month.
    settings
        ``params.churn``.
    language, currency
        Report language and currency (for the sentences and money in tables).
    definition
        The inactivity definition (θ) at the period end.
    status
        Every past buyer's status on the last day of the period
        (:func:`repurchase.churn.customer_status`).
    model_based
        P(no purchase in N days) per customer from the lifetime-value result's
        full-data BG/NBD, or why it is not available.
    check
        :func:`repurchase.churn.definition_check`: both definitions applied N days
        before the period end.
    trend
        :func:`repurchase.churn.monthly_churn` of all customers (the overview
        reads its ``churn_rate`` per month too).
    breakdowns
        :func:`repurchase.churn.churn_by` for every key of
        :data:`repurchase.churn.BREAKDOWNS`.
    warning
        The early-warning backtest and the churn probabilities at the period end.
    survival
        :func:`repurchase.churn.survival_at` of all spells at the horizons.
    survival_by
        The curves, table and log-rank test by frequency tier and by first category.
    value
        Each customer's value (the lifetime-value report's CLV, or annual spend).
    at_risk
        :func:`repurchase.churn.at_risk_list`: every active customer, at risk first.
    at_risk_summary
        :func:`repurchase.churn.at_risk_summary` (the chart and its table).
    risk_history
        Value at risk at the end of the report month and of the 11 months before
        it, this month's model applied to each month end
        (:func:`repurchase.churn.history.value_at_risk_by_month`; ``{YYYY-MM: value}``,
        empty without a model). Computed here, where the fitted model lives: the
        stored result keeps the series, not the model.
    """

    period: Period
    settings: ChurnSettings
    language: str
    currency: str
    definition: ChurnDefinition
    status: pd.DataFrame
    model_based: ChurnTable
    check: ChurnTable
    trend: ChurnTable
    breakdowns: dict[str, ChurnTable]
    warning: EarlyWarningResult
    survival: pd.DataFrame
    survival_by: dict[str, SurvivalView]
    value: CustomerValue
    at_risk: pd.DataFrame
    at_risk_summary: pd.DataFrame
    risk_history: dict[str, float] = field(default_factory=dict)


def run_churn(
    transactions: pd.DataFrame,
    period: Period,
    settings: ChurnSettings | None = None,
    *,
    lifetime_value: Any = None,
    segmentation: SegmentationSettings | None = None,
    segmentation_result: Any = None,
    customers: pd.DataFrame | None = None,
    surveys: pd.DataFrame | None = None,
    as_of: AsOf | None = None,
    occasion: str = "customer_day",
    language: str = "en",
    currency: str = "CNY",
) -> ChurnResult:
    """Run the churn analysis for one report period.

    Parameters
    ----------
    transactions
        Cleaned transactions up to the period end.
    period
        The report month; the whole history before its end is used.
    settings
        ``params.churn`` (defaults when None).
    lifetime_value
        The lifetime-value result: its CLV is the value of the at-risk list
        (``churn.value_basis`` auto or clv) and its full-data BG/NBD gives the
        model-based definition at the period end. None: annual spend, and no
        model-based definition.
    segmentation
        ``params.segmentation``: frequency tiers and the RFM settings of the
        breakdown by segment (defaults when None).
    segmentation_result
        The segmentation result, whose rule table (``scheme``) the breakdown by
        RFM segment uses; None resolves it from ``segmentation``.
    customers, surveys
        Cleaned side sources (features of the early-warning model), or None.
    as_of
        ``as_of(cutoff)``: the transactions as known at a cutoff
        (``inputs.transactions_as_of``); None reads ``transactions`` at every cutoff.
    occasion
        ``params.repurchase.occasion``.
    language, currency
        Report language and currency.

    Returns
    -------
    ChurnResult
        Parts the data cannot support carry their ``Unavailable`` instead of raising.
    """
    s = settings if settings is not None else ChurnSettings()
    seg = segmentation if segmentation is not None else SegmentationSettings()
    tiers = seg.frequency_tiers
    tx = transactions
    N = s.label_window_days
    definition = churn_threshold(
        tx, period, threshold_days=s.threshold_days, quantile=s.threshold_quantile,
        horizon_days=s.threshold_horizon_days, window_days=N, fallback=True, occasion=occasion,
    )  # fmt: skip
    theta = definition.threshold_days
    status = customer_status(tx, period, theta)
    check = definition_check(tx, definition, as_of=as_of, occasion=occasion, language=language)
    attributes = first_purchase_attributes(tx)
    # the trend and the breakdowns return only counts and rates: they run on integer customer codes
    codes = CustomerCodes.of(tx)
    coded = codes.encode(tx)
    trend = monthly_churn(coded, period, theta, occasion=occasion)
    scheme = getattr(segmentation_result, "scheme", None)
    breakdown_kw: dict[str, Any] = {
        "attributes": codes.encode_index(attributes), "frequency_tiers": tiers, "segmentation": seg, "scheme": scheme,
        "language": language, "min_group_size": s.min_group_size, "occasion": occasion,
    }  # fmt: skip
    breakdowns = {by: churn_by(coded, period, theta, by, **breakdown_kw) for by in BREAKDOWNS}
    warning = early_warning(
        tx, period, as_of=as_of, window_days=N, threshold_days=s.threshold_days,
        threshold_quantile=s.threshold_quantile, threshold_horizon_days=s.threshold_horizon_days,
        population=s.population, customers=customers, surveys=surveys, random_state=s.random_state, occasion=occasion,
    )  # fmt: skip
    spells = survival_inputs(tx, period, frequency_tiers=tiers, attributes=attributes, occasion=occasion)
    horizons = s.survival_horizons
    group_kw = {"min_group_size": s.min_group_size}
    survival_by = {
        by: SurvivalView(
            by,
            survival_curves(spells, by, max_days=max(horizons), **group_kw),
            survival_at(spells, by, horizons, **group_kw),
            logrank_test(spells, by, **group_kw),
        )
        for by in SURVIVAL_GROUPS
    }
    value = customer_value(
        tx, period, basis=s.value_basis, clv=bridge.customer_values(lifetime_value),
        horizon_months=bridge.clv_horizon_months(lifetime_value), model=bridge.clv_model(lifetime_value),
    )  # fmt: skip
    at_risk = at_risk_list(
        warning.scores, value.value, frequency_tiers=tiers, at_risk_probability=s.at_risk_probability,
        band_shares=s.value_band_shares, threshold_days=theta, language=language, actions=s.actions,
    )  # fmt: skip
    result = ChurnResult(
        period=period,
        settings=s,
        language=language,
        currency=currency,
        definition=definition,
        status=status,
        model_based=model_based_at_end(lifetime_value, N),
        check=check,
        trend=trend,
        breakdowns=breakdowns,
        warning=warning,
        survival=survival_at(spells, None, horizons),
        survival_by=survival_by,
        value=value,
        at_risk=at_risk,
        at_risk_summary=at_risk_summary(at_risk),
    )
    result.risk_history = _risk_history(result, tx, lifetime_value)
    return result


def _risk_history(result: ChurnResult, tx: pd.DataFrame, lifetime_value: Any) -> dict[str, float]:
    """Value at risk of the last 12 month ends from this month's model (see ``ChurnResult.risk_history``)."""
    from repurchase.churn.history import value_at_risk_by_month
    from repurchase.lifetime_value.history import clv_history, history_values

    values = None
    if result.value.basis == "clv" and lifetime_value is not None:
        history = getattr(lifetime_value, "history", None)
        if history is None or not len(history.columns):  # not computed by the lifetime-value stage (a direct call)
            history = clv_history(lifetime_value, tx, result.period)
        values = {m: v.round(2) for m, v in history_values(history).items()}
    return value_at_risk_by_month(result, tx, result.period, values=values)


def headline_metrics(
    trend: ChurnTable,
    period: Any,
    definition: ChurnDefinition,
    warning: EarlyWarningResult,
    at_risk: pd.DataFrame,
    value_basis: str,
) -> dict[str, Any]:
    """The ``churn`` section of metrics.json from its parts (see :func:`churn_metrics`).

    Keys: ``churn_rate``, ``churn_rate_prev_period``, ``churn_rate_prev_year``
    (None when the month is incomplete), ``churn_rate_n`` and
    ``churn_rate_n_prev_period`` (the customers active at the start of the month:
    the rate's denominator, None with the rate), ``threshold_days``, ``threshold_source``,
    ``label_window_days``, ``active_customers``, ``at_risk_customers``,
    ``value_at_risk`` (Σ value, i.e. CLV or annual spend, over the at-risk customers: not P(churn) × value),
    ``value_basis``, ``model`` (``name``, ``roc_auc``, ``pr_auc``, ``base_rate``,
    ``brier`` on the test cutoff), ``baseline_recency_roc_auc``,
    ``bgnbd_roc_auc``, ``test_cutoff``.

    What the data could not support is recorded as null with its reason (the
    codes of :data:`repurchase.churn.UNAVAILABLE_CODES`), and these keys appear
    only then: ``churn_rate_status`` and ``churn_rate_reason`` (no complete
    month); ``threshold_reason`` (θ set to N, ``threshold_source`` ``default``);
    ``model.status`` and ``model.reason``, ``value_at_risk_status`` and
    ``value_at_risk_reason`` and ``at_risk_rule`` (``recency``: no model, the
    at-risk customers flagged by the days since their last purchase).
    """
    start = pd.Timestamp(period.start)
    chosen = warning.chosen
    table = trend.table

    def _num(v: float) -> float | None:
        return float(v) if v is not None and np.isfinite(v) else None

    flagged = at_risk[at_risk["at_risk"]]
    out: dict[str, Any] = {
        "churn_rate": rate_for_month(table, start),
        "churn_rate_prev_period": rate_for_month(table, start - pd.DateOffset(months=1)),
        "churn_rate_prev_year": rate_for_month(table, start - pd.DateOffset(months=12)),
    }
    for key, rate, month in (
        ("churn_rate_n", "churn_rate", start),
        ("churn_rate_n_prev_period", "churn_rate_prev_period", start - pd.DateOffset(months=1)),
    ):
        row = table[(table["month"] == month) & (table["group"] == "all")] if len(table) else table
        out[key] = int(row["active_start"].iloc[0]) if out[rate] is not None and len(row) else None
    if trend.unavailable is not None:
        out.update({"churn_rate_status": "unavailable", "churn_rate_reason": trend.unavailable.code})
    out.update({
        "threshold_days": int(definition.threshold_days),
        "threshold_source": definition.source,
    })  # fmt: skip
    if definition.unavailable is not None:
        out["threshold_reason"] = definition.unavailable.code
    no_model = warning.unavailable
    out.update({
        "label_window_days": int(definition.window_days),
        "active_customers": len(at_risk),
        "at_risk_customers": len(flagged),
        "value_at_risk": float(flagged["value_at_risk"].sum()) if no_model is None else None,
    })  # fmt: skip
    if no_model is not None:
        out.update(
            {"value_at_risk_status": "unavailable", "value_at_risk_reason": no_model.code, "at_risk_rule": "recency"}
        )
    out.update({
        "value_basis": value_basis,
        "model": {
            "name": chosen,
            "roc_auc": _num(warning.metric(chosen, "roc_auc")) if chosen else None,
            "pr_auc": _num(warning.metric(chosen, "pr_auc")) if chosen else None,
            "base_rate": _num(warning.metric(chosen, "base_rate")) if chosen else None,
            "brier": _num(warning.metric(chosen, "brier")) if chosen else None,
            **({} if no_model is None else no_model.metrics()),
        },
        "baseline_recency_roc_auc": _num(warning.metric("recency", "roc_auc")),
        "bgnbd_roc_auc": _num(warning.metric("bgnbd", "roc_auc")),
        "test_cutoff": warning.test_cutoff.date().isoformat() if no_model is None else None,
    })  # fmt: skip
    return out


def churn_metrics(result: ChurnResult) -> dict[str, Any]:
    """The ``churn`` section of metrics.json (keys in :func:`headline_metrics`)."""
    return headline_metrics(
        result.trend, result.period, result.definition, result.warning, result.at_risk, result.value.basis
    )


def churn_exports(result: ChurnResult) -> Mapping[str, pd.DataFrame]:
    """``exports/at_risk.csv``: every active customer with real IDs, the at-risk ones first (see :func:`repurchase.churn.at_risk_export`)."""
    return {"exports/at_risk.csv": at_risk_export(result.at_risk)}


def _stage_run(inputs: Inputs) -> ChurnResult:
    p = inputs.params
    return run_churn(
        inputs.transactions(), inputs.period, p.churn, lifetime_value=inputs.result("lifetime_value"),
        segmentation=p.segmentation, segmentation_result=inputs.result("segmentation"), customers=inputs.customers(),
        surveys=inputs.surveys(), as_of=inputs.transactions_as_of, occasion=p.repurchase.occasion, language=p.language,
        currency=p.currency,
    )  # fmt: skip


#: The churn analysis as a render runs it (see :mod:`repurchase.core.stage`).
STAGE = Stage(
    name="churn",
    run=_stage_run,
    requires=("segmentation", "lifetime_value"),
    metrics=churn_metrics,
    exports=churn_exports,
)
