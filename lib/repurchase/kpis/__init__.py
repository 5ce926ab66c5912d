"""Repurchase (复购) and retention analysis: KPIs, purchase cycle, cohorts and drivers.

Every number of the repurchase report (notebook 02) comes from here. The
functions take cleaned transactions (one row per order line, see
:func:`repurchase.cleaning.clean_transactions`) or the purchase occasions built
from them (:func:`repurchase.core.occasions.purchase_occasions`, re-exported
here), plus the observation :class:`~repurchase.core.periods.Window` (the report
:class:`~repurchase.core.periods.Period`, or ``Window.ending(cutoff)``): occasions
before ``window.end_exclusive`` count and open gaps are censored at
``window.end``. They return tidy DataFrames; no loop runs per customer.

Where each part lives:

* :mod:`~repurchase.kpis.monthly`: monthly KPIs (buyers new / returning /
  reactivated, 复购率 by customer and by order, 回购率, 客单价), N-day repurchase,
  time to second purchase, the headline KPIs with their comparisons;
* :mod:`~repurchase.kpis.cycle`: Kaplan–Meier, gap durations, the purchase cycle
  by group and the threshold the churn analysis uses;
* :mod:`~repurchase.kpis.cohorts`: acquisition cohorts, their matrix and notes;
* :mod:`~repurchase.kpis.drivers`: what brings customers back (first-purchase
  groups with Wilson intervals, bought together, refunds, products by buyer type);
* :mod:`~repurchase.kpis.glossary`: every figure's name and definition;
* :mod:`~repurchase.kpis.text`: the report's sentences and table specs;
* :mod:`~repurchase.kpis.pipeline`: :func:`run_repurchase` (everything the report
  shows, once), :class:`RepurchaseResult`, :func:`repurchase_metrics` and
  :data:`STAGE` (result ``repurchase``).

Definitions (also in :data:`GLOSSARY`, which the report prints through
:func:`glossary`):

* **Purchase occasion.** A distinct customer-day (default, ``occasion:
  customer_day``) or one order (``occasion: order``). Refunds follow the cleaning
  settings: with ``refunds: net`` a fully refunded line is not a purchase.
* **Buyers** of a month: customers with at least one occasion in it; **new**,
  **reactivated** (back after ``reactivation_gap_days``) or **returning**.
* **复购率 by customer** = buyers with ≥ 2 occasions in the month ÷ buyers;
  **by order** = repeat occasions ÷ occasions (``repeat_orders``).
* **回购率** = buyers of month t−1 who also buy in t ÷ buyers of t−1.
* **客单价 (AOV)** = revenue ÷ orders; **人均消费** = revenue ÷ buyers.
* **N-day repurchase** = first-time buyers with another occasion within N days
  ÷ first-time buyers observed for the full N days.
* **Purchase cycle.** Days between consecutive occasions, estimated by
  Kaplan–Meier with each customer's open last gap censored.

Text shown in a report comes from the message catalog
(``resources/i18n/<lang>/repurchase.yaml``).
"""

from __future__ import annotations

from typing import Any

from repurchase.core.occasions import assign_occasions, purchase_occasions
from repurchase.kpis.cohorts import cohort_matrix, cohort_notes, cohort_table
from repurchase.kpis.cycle import (
    gap_durations,
    kaplan_meier,
    km_quantiles,
    naive_gap_stats,
    purchase_cycle,
    purchase_cycle_curves,
    purchase_cycle_threshold,
)
from repurchase.kpis.drivers import (
    DRIVER_COLUMNS,
    driver_columns,
    first_purchase_groups,
    products_by_buyer_type,
    refund_rates,
    refunded_lines,
    repurchase_by_first_group,
    wilson_interval,
)
from repurchase.kpis.glossary import GLOSSARY_KEYS, glossary, glossary_entries
from repurchase.kpis.monthly import KPI_UNITS, headline_kpis, monthly_kpis, n_day_repurchase, time_to_second_purchase
from repurchase.kpis.pipeline import STAGE, RepurchaseResult, repurchase_metrics, run_repurchase
from repurchase.kpis.text import (
    CHANGE_ALPHA,
    WEAK_LIFT,
    cycle_table,
    describe_buyer_products,
    describe_cohorts,
    describe_cycle,
    describe_drivers_available,
    describe_findings,
    describe_first_groups,
    describe_headline,
    describe_occasion,
    describe_pairs,
    describe_refunds,
    describe_settings,
    describe_time_to_second,
    first_groups_table,
    glossary_table,
    group_label,
    headline_table,
    rate_change_is_news,
    refunds_table,
)

__all__ = [
    "CHANGE_ALPHA",
    "DRIVER_COLUMNS",
    "GLOSSARY",
    "GLOSSARY_KEYS",
    "KPI_UNITS",
    "STAGE",
    "WEAK_LIFT",
    "RepurchaseResult",
    "assign_occasions",
    "cohort_matrix",
    "cohort_notes",
    "cohort_table",
    "cycle_table",
    "describe_buyer_products",
    "describe_cohorts",
    "describe_cycle",
    "describe_drivers_available",
    "describe_findings",
    "describe_first_groups",
    "describe_headline",
    "describe_occasion",
    "describe_pairs",
    "describe_refunds",
    "describe_settings",
    "describe_time_to_second",
    "driver_columns",
    "first_groups_table",
    "first_purchase_groups",
    "gap_durations",
    "glossary",
    "glossary_table",
    "group_label",
    "headline_kpis",
    "headline_table",
    "kaplan_meier",
    "km_quantiles",
    "monthly_kpis",
    "n_day_repurchase",
    "naive_gap_stats",
    "products_by_buyer_type",
    "purchase_cycle",
    "purchase_cycle_curves",
    "purchase_cycle_threshold",
    "purchase_occasions",
    "rate_change_is_news",
    "refund_rates",
    "refunded_lines",
    "refunds_table",
    "repurchase_by_first_group",
    "repurchase_metrics",
    "run_repurchase",
    "time_to_second_purchase",
    "wilson_interval",
]


def __getattr__(name: str) -> Any:
    # GLOSSARY is built from the message catalogs when first used, not on import
    if name == "GLOSSARY":
        return glossary_entries()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
