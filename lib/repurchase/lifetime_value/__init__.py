"""Customer lifetime value: BG/NBD, Pareto/NBD, MBG/NBD and Gamma-Gamma.

The models are fitted with :mod:`lifetimes`; everything around the fits is done
here, vectorized. Where each part lives:

* :mod:`~repurchase.lifetime_value.summary`: transactions → the customer summary
  (:func:`customer_summary`), the calibration/holdout summary
  (:func:`calibration_holdout_summary`) and the split (:func:`holdout_split`,
  :class:`HoldoutSplit`). A purchase occasion is ``repurchase.occasion``
  (customer-day by default, or order); windows are :class:`~repurchase.core.periods.Window`.
* :mod:`~repurchase.lifetime_value.models`: one class per model
  (:class:`BGNBD`, :class:`ParetoNBD`, :class:`MBGNBD`, :class:`GammaGamma`)
  holding its parameters and formulas (log-likelihood, P(alive), expected and
  conditional expected purchases, P(buy again within t), purchase pmf,
  simulation, expected spend); :func:`model_class` maps a code to its class.
* :mod:`~repurchase.lifetime_value.fit`: :func:`fit_model` (weighted distinct
  rows, one retry with a penalizer, standard errors) → :class:`FitResult`;
  :func:`purchase_probabilities` per customer.
* :mod:`~repurchase.lifetime_value.validation`: holdout comparison and model
  choice, tracking, holdout by frequency, period transactions, the P(alive)
  map and the spend checks.
* :mod:`~repurchase.lifetime_value.calibration`: predicted vs observed P(buy
  again) on the holdout by calibration frequency and by decile, Brier scores,
  and the model per question (counts/CLV: lowest MAE; P(buy again): lowest Brier).
* :mod:`~repurchase.lifetime_value.intervals`: predictive intervals (each
  customer's purchases drawn from the posterior, per parameter draw) and their
  coverage on the holdout.
* :mod:`~repurchase.lifetime_value.clv`: :func:`customer_lifetime_value` with
  parametric-bootstrap intervals, concentration, groups, CLV : CAC and the
  heuristic CLV.
* :mod:`~repurchase.lifetime_value.pipeline`: :func:`run_lifetime_value`
  (degrading gracefully on small or short data), :class:`LifetimeValueResult`,
  :func:`lifetime_value_metrics`, :func:`clv_export` and ``STAGE``.
* :mod:`~repurchase.lifetime_value.text`: the report's sentences and
  :class:`~repurchase.core.table.Table` specs, in ``en`` or ``zh``.

Definitions (stated in the report as well)
------------------------------------------
frequency
    repeat purchase occasions (occasions − 1).
recency
    time from the first to the last occasion.
T
    time from the first occasion to the end of observation (the window's last day).
monetary_value
    mean value of the repeat occasions (0 for one-time buyers).
time unit
    ``W`` (default) weeks = days / 7, not floored; ``D`` days; ``M`` months =
    days / 30.4375.

For a backtest at any cutoff (e.g. the churn analysis)::

    summary = customer_summary(tx, Window.ending(cutoff), occasion=occasion)
    fit = fit_model(summary, BGNBD)
    purchase_probabilities(fit, summary, days=90)  # p_alive, p_buy_again, p_no_purchase

Importing this package does not import lifetimes (which changes a pandas option
and warning filters when imported); it is imported lazily, and every call into it
restores the global state afterwards.
"""

from __future__ import annotations

from repurchase.lifetime_value import text
from repurchase.lifetime_value._common import DAYS_PER_MONTH, MIN_REPEAT_CUSTOMERS, UNIT_DAYS, model_label
from repurchase.lifetime_value.clv import (
    ClvResult,
    DiscountRate,
    HeuristicClv,
    clv_by_group,
    clv_to_cac,
    customer_groups,
    customer_lifetime_value,
    heuristic_clv,
    monthly_discount_rate,
    top_customers,
    value_concentration,
)
from repurchase.lifetime_value.fit import (
    FitResult,
    ModelFits,
    fit_model,
    fit_spend,
    fit_transaction_models,
    purchase_probabilities,
)
from repurchase.lifetime_value.models import (
    BGNBD,
    MBGNBD,
    MODELS,
    PARAM_NAMES,
    TRANSACTION_MODELS,
    GammaGamma,
    Model,
    ParetoNBD,
    TransactionModel,
    model_class,
    simulate_transactions,
)
from repurchase.lifetime_value.pipeline import (
    CUSTOMER_VALUE_COLUMNS,
    EXPORT_COLUMNS,
    STAGE,
    LifetimeValueResult,
    clv_export,
    lifetime_value_metrics,
    run_lifetime_value,
)
from repurchase.lifetime_value.summary import HoldoutSplit, calibration_holdout_summary, customer_summary, holdout_split
from repurchase.lifetime_value.text import plain_number
from repurchase.lifetime_value.validation import (
    ModelChoice,
    SpendCheck,
    compare_models,
    holdout_by_frequency,
    p_alive_matrix,
    period_transactions,
    select_model,
    spend_distribution,
    spend_independence,
    tracking_data,
)

__all__ = [
    "BGNBD",
    "CUSTOMER_VALUE_COLUMNS",
    "DAYS_PER_MONTH",
    "EXPORT_COLUMNS",
    "MBGNBD",
    "MIN_REPEAT_CUSTOMERS",
    "MODELS",
    "PARAM_NAMES",
    "STAGE",
    "TRANSACTION_MODELS",
    "UNIT_DAYS",
    "ClvResult",
    "DiscountRate",
    "FitResult",
    "GammaGamma",
    "HeuristicClv",
    "HoldoutSplit",
    "LifetimeValueResult",
    "Model",
    "ModelChoice",
    "ModelFits",
    "ParetoNBD",
    "SpendCheck",
    "TransactionModel",
    "calibration_holdout_summary",
    "clv_by_group",
    "clv_export",
    "clv_to_cac",
    "compare_models",
    "customer_groups",
    "customer_lifetime_value",
    "customer_summary",
    "fit_model",
    "fit_spend",
    "fit_transaction_models",
    "heuristic_clv",
    "holdout_by_frequency",
    "holdout_split",
    "lifetime_value_metrics",
    "model_class",
    "model_label",
    "monthly_discount_rate",
    "p_alive_matrix",
    "period_transactions",
    "plain_number",
    "purchase_probabilities",
    "run_lifetime_value",
    "select_model",
    "simulate_transactions",
    "spend_distribution",
    "spend_independence",
    "text",
    "top_customers",
    "tracking_data",
    "value_concentration",
]
