"""Churn (流失) analysis: definitions, churn over time, an early-warning model, survival and an at-risk list.

Retail customers never cancel; they stop buying. :func:`run_churn` computes
everything the churn report shows, once per client and period, into a
:class:`ChurnResult`; ``STAGE`` is how a render runs it (it requires the
segmentation and lifetime-value results). The functions take cleaned
transactions (one row per order line) and the observation as a
:class:`~repurchase.core.periods.Window`: the report
:class:`~repurchase.core.periods.Period`, or ``Window.ending(cutoff)`` for a
backtest cutoff; every purchase before ``window.end_exclusive`` is used. All
work is vectorised: no Python loop runs per customer.

Where each part lives
---------------------
:mod:`~repurchase.churn.definitions`
    θ (:func:`churn_threshold`), :func:`customer_status`, :func:`first_purchase_attributes`.
:mod:`~repurchase.churn.trend`
    Monthly churn over time (:func:`monthly_churn`) and the breakdowns
    (:func:`churn_by`, :func:`churn_breakdown`, :func:`monthly_churn_by_rfm`).
:mod:`~repurchase.churn.model_based`
    The BG/NBD definition (:func:`model_based_churn` at a cutoff,
    :func:`model_based_at_end` from the lifetime-value result) and :func:`definition_check`.
:mod:`~repurchase.churn.features`
    Early-warning features and labels (:func:`churn_features`, :func:`churn_labels`).
:mod:`~repurchase.churn.early_warning`
    The backtest and the churn probabilities (:func:`early_warning`, :func:`backtest_sets`).
:mod:`~repurchase.churn.survival`
    Time to the next purchase (:func:`survival_inputs`, :func:`survival_curves`,
    :func:`survival_at`, :func:`logrank_test`).
:mod:`~repurchase.churn.at_risk`
    Value and the at-risk list (:func:`customer_value`, :func:`at_risk_list`, …).
:mod:`~repurchase.churn.lifetime_value_bridge`
    Everything read from the lifetime-value analysis (its CLV, its BG/NBD).
:mod:`~repurchase.churn.pipeline`
    :func:`run_churn`, :class:`ChurnResult`, :func:`churn_metrics`, :func:`churn_exports`, ``STAGE``.
:mod:`~repurchase.churn.text` and :mod:`~repurchase.churn.labels`
    Sentences, display tables (:class:`~repurchase.core.table.Table`) and names
    in the report language.

Definitions (stated in the report as well)
------------------------------------------
Purchase occasion
    A distinct customer-day (or one order, ``repurchase.occasion: order``), as in
    :func:`repurchase.core.occasions.purchase_occasions`.
Inactivity churn
    On day d a customer has churned when d − (last occasion on or before d) > θ
    days. θ is fixed (``churn.threshold_days``) or, by default, the
    ``threshold_quantile`` (0.9) of the days to the next occasion, estimated by
    Kaplan–Meier with every customer's open last gap censored at the end of the
    data (:func:`repurchase.kpis.purchase_cycle_threshold`), read among the
    gaps that close within ``threshold_horizon_days`` (365) so that it exists even
    when many customers never return.
Active customer
    A customer with at least one occasion whose days since the last occasion are
    at most θ.
Monthly churn rate
    customers active at the start of the month (on its eve) who, by the month's
    last day, have gone more than θ days without an occasion ÷ customers active
    at the start of the month. A customer who lapses and buys again within the
    same month is not counted.
Churned revenue
    the churned customers' revenue in the 365 days up to their last occasion.
Reactivated
    customers churned at the start of the month who buy in the month.
Model-based churn
    the probability of no purchase in the next N days from the BG/NBD,
    1 − P(alive) · [1 − ((α+T)/(α+T+t))^(r+x)], not raw P(alive) (which is 1 for
    every one-time buyer). At the period end it is the lifetime-value result's
    full-data BG/NBD; at a backtest cutoff the BG/NBD is fitted on the data known then.
Early-warning label
    no occasion in the N days from the cutoff ``[cutoff, cutoff + N days)``;
    features use only rows dated before the cutoff.
Value
    the lifetime-value report's CLV of the customer (the ``clv`` of
    ``exports/clv.csv``), or the spend in the last 365 days (``churn.value_basis``).
Data as known at a cutoff
    Cleaning nets each refund into its order line and drops lines refunded in
    full, so a table cleaned up to the period end already holds refunds dated
    after a cutoff inside the period. With ``as_of`` (e.g.
    ``ReportContext.transactions_as_of``) the backtest reads, at each cutoff,
    the transactions cleaned with that cutoff as their end.

Short or small data
-------------------
Where the data cannot support a part of the analysis, the functions return a
result that says so instead of raising: a
:class:`~repurchase.core.status.Unavailable` (catalog ``churn.unavailable.<code>``,
the codes in :data:`UNAVAILABLE_CODES`) on the result (:class:`ChurnTable`,
:attr:`ChurnDefinition.unavailable`, :attr:`EarlyWarningResult.unavailable`),
with the dependent tables empty; :func:`churn_metrics` records null values with
a status and a reason.
"""

from __future__ import annotations

from repurchase.churn import lifetime_value_bridge
from repurchase.churn._base import MODELS, UNAVAILABLE_CODES, AsOf, ChurnTable
from repurchase.churn.at_risk import (
    ACTIONS,
    RECENCY_AT_RISK_SHARE,
    ROLES,
    VALUE_BANDS,
    CustomerValue,
    at_risk_export,
    at_risk_list,
    at_risk_preview,
    at_risk_summary,
    customer_value,
    frequency_role,
    retention_action,
)
from repurchase.churn.definitions import ChurnDefinition, churn_threshold, customer_status, first_purchase_attributes
from repurchase.churn.early_warning import (
    MIN_CLASS,
    BacktestSets,
    EarlyWarningResult,
    backtest_sets,
    early_warning,
    lift_table,
)
from repurchase.churn.features import churn_features, churn_labels
from repurchase.churn.labels import feature_label, group_label, model_label, value_band_label
from repurchase.churn.model_based import definition_check, model_based_at_end, model_based_churn
from repurchase.churn.pipeline import STAGE, ChurnResult, churn_exports, churn_metrics, headline_metrics, run_churn
from repurchase.churn.survival import (
    SURVIVAL_GROUPS,
    SurvivalView,
    logrank_test,
    survival_at,
    survival_curves,
    survival_inputs,
)
from repurchase.churn.text import (
    MONEY_COLUMNS,
    SMALL_TEST_CHURNERS,
    SMALL_TEST_CUSTOMERS,
    WEAK_MARGIN,
    at_risk_text,
    breakdown_text,
    check_table,
    choice_text,
    comparison_table,
    decile_table,
    definition_text,
    describe_at_risk,
    describe_breakdown,
    describe_choice,
    describe_definition,
    describe_findings,
    describe_logrank,
    describe_model,
    describe_model_based,
    describe_survival,
    describe_trend,
    headline_table,
    logrank_text,
    metrics_table,
    model_caution,
    model_text,
    preview_table,
    recent_table,
    report_table,
    risk_table,
    sizes_table,
    survival_formats,
    survival_table,
    survival_text,
    trend_text,
    value_note,
)
from repurchase.churn.trend import (
    BREAKDOWNS,
    churn_breakdown,
    churn_by,
    monthly_churn,
    monthly_churn_by_rfm,
    rate_for_month,
    recent_months,
)

__all__ = [
    "ACTIONS",
    "BREAKDOWNS",
    "MIN_CLASS",
    "MODELS",
    "MONEY_COLUMNS",
    "RECENCY_AT_RISK_SHARE",
    "ROLES",
    "SMALL_TEST_CHURNERS",
    "SMALL_TEST_CUSTOMERS",
    "STAGE",
    "SURVIVAL_GROUPS",
    "UNAVAILABLE_CODES",
    "VALUE_BANDS",
    "WEAK_MARGIN",
    "AsOf",
    "BacktestSets",
    "ChurnDefinition",
    "ChurnResult",
    "ChurnTable",
    "CustomerValue",
    "EarlyWarningResult",
    "SurvivalView",
    "at_risk_export",
    "at_risk_list",
    "at_risk_preview",
    "at_risk_summary",
    "at_risk_text",
    "backtest_sets",
    "breakdown_text",
    "check_table",
    "choice_text",
    "churn_breakdown",
    "churn_by",
    "churn_exports",
    "churn_features",
    "churn_labels",
    "churn_metrics",
    "churn_threshold",
    "comparison_table",
    "customer_status",
    "customer_value",
    "decile_table",
    "definition_check",
    "definition_text",
    "describe_at_risk",
    "describe_breakdown",
    "describe_choice",
    "describe_definition",
    "describe_findings",
    "describe_logrank",
    "describe_model",
    "describe_model_based",
    "describe_survival",
    "describe_trend",
    "early_warning",
    "feature_label",
    "first_purchase_attributes",
    "frequency_role",
    "group_label",
    "headline_metrics",
    "headline_table",
    "lifetime_value_bridge",
    "lift_table",
    "logrank_test",
    "logrank_text",
    "metrics_table",
    "model_based_at_end",
    "model_based_churn",
    "model_caution",
    "model_label",
    "model_text",
    "monthly_churn",
    "monthly_churn_by_rfm",
    "preview_table",
    "rate_for_month",
    "recent_months",
    "recent_table",
    "report_table",
    "retention_action",
    "risk_table",
    "run_churn",
    "sizes_table",
    "survival_at",
    "survival_curves",
    "survival_formats",
    "survival_inputs",
    "survival_table",
    "survival_text",
    "trend_text",
    "value_band_label",
    "value_note",
]
