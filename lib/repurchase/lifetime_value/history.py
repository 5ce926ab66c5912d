"""Total CLV of past month ends from this month's fitted models (:func:`clv_totals_by_month`).

The report month's transaction and spend fits are applied, unchanged, to the
customer summary as of each earlier month end (transactions up to that day, T
measured to it), with the same horizon, discount rate and margin. No model is
refitted, so a past month costs one summary and one CLV evaluation without
bootstrap draws. The numbers are "this month's model applied to that month's
data", not what a report of that month would have said.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from repurchase.core.errors import AnalysisError
from repurchase.core.ids import CustomerCodes
from repurchase.core.periods import Period, Window
from repurchase.lifetime_value.clv import customer_lifetime_value
from repurchase.lifetime_value.summary import customer_summary

__all__ = ["clv_by_month", "clv_history", "clv_totals_by_month", "history_values"]


def clv_by_month(
    result: Any,
    transactions: pd.DataFrame,
    period: Period,
    months: int = 12,
    *,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    order_col: str = "order_id",
    amount_col: str = "amount",
) -> dict[str, pd.DataFrame]:
    """Each customer's CLV at the end of the report month and of the ``months - 1`` months before it.

    Parameters
    ----------
    result
        The report month's :class:`~repurchase.lifetime_value.LifetimeValueResult`
        (its ``model``, ``full_fits``, ``full_spend_fit``, ``spend_notice``, ``settings``
        and ``occasion``).
    transactions
        Cleaned transactions (at least up to the report month end).
    period
        The report month.
    months
        Months of the series, the report month included.
    customer_col, date_col, order_col, amount_col
        Column names.

    Returns
    -------
    dict
        ``{YYYY-MM: customers}``, the customers frame of
        :func:`~repurchase.lifetime_value.customer_lifetime_value` (``customer_id``,
        ``clv`` …) without intervals; empty without a transaction model. A month
        with no customers yet, or whose CLV cannot be computed, is left out.
    """
    if result is None or getattr(result, "model", None) is None or getattr(result, "clv", None) is None:
        return {}
    fit = result.full_fits.fits.get(result.model)
    if fit is None:
        return {}
    settings = result.settings
    spend_fit = result.full_spend_fit if result.clv.spend_basis == "gamma_gamma" else None
    out: dict[str, pd.DataFrame] = {}
    if transactions.empty:
        return out
    codes = CustomerCodes.of(transactions, customer_col)  # twelve summaries on integer codes, decoded once each
    transactions = codes.encode(transactions, customer_col)
    for k in range(months - 1, -1, -1):  # one summary per month, not per customer
        month = period.shift(-k)
        observed = Window.ending(month.end_exclusive, start=settings.calibration_start)
        try:
            summary = customer_summary(
                transactions,
                observed,
                occasion=result.occasion,
                time_unit=settings.time_unit,
                customer_col=customer_col,
                date_col=date_col,
                order_col=order_col,
                amount_col=amount_col,
            )
        except AnalysisError:  # a month without data is left out (InsufficientData is one)
            continue
        if summary.empty:
            continue
        try:
            clv = customer_lifetime_value(
                summary,
                fit,
                spend_fit,
                horizon_months=settings.horizon_months,
                discount_rate_annual=settings.discount_rate_annual,
                margin=settings.margin,
                draws=0,
                customer_col=customer_col,
            )
        except AnalysisError:  # left out: the sparkline shows a gap
            continue
        customers = clv.customers
        customers[customer_col] = codes.decode(customers[customer_col])
        out[month.label] = customers
    return out


def clv_totals_by_month(result: Any, transactions: pd.DataFrame, period: Period, months: int = 12) -> dict[str, float]:
    """Total CLV at the end of the report month and of the ``months - 1`` months before it.

    Parameters
    ----------
    result, transactions, period, months
        As in :func:`clv_by_month` (default column names).

    Returns
    -------
    dict
        ``{YYYY-MM: total CLV}`` (the sum of :func:`clv_by_month`'s ``clv``, as
        ``ClvResult.total("clv")``); empty without a transaction model.
    """
    return {label: float(c["clv"].sum()) for label, c in clv_by_month(result, transactions, period, months).items()}


def clv_history(result: Any, transactions: pd.DataFrame, period: Period, months: int = 12) -> pd.DataFrame:
    """Each customer's CLV at each of the last ``months`` month ends, one column per month: computed once per report.

    The lifetime-value stage stores it in ``LifetimeValueResult.history``; the
    churn stage's value-at-risk history and the overview's total-CLV sparkline
    read it (:func:`history_values`) instead of recomputing :func:`clv_by_month`.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer ID (sorted), one float column per ``YYYY-MM`` that
        could be computed (oldest first), NaN for a customer who had not bought
        by that month end; no columns without a transaction model.
    """
    by_month = clv_by_month(result, transactions, period, months)
    if not by_month:
        return pd.DataFrame(index=pd.Index([], name="customer_id", dtype=object))
    wide = pd.concat({m: c.set_index("customer_id")["clv"] for m, c in by_month.items()}, axis=1).sort_index()
    wide.index.name = "customer_id"
    return wide


def history_values(history: pd.DataFrame) -> dict[str, pd.Series]:
    """The CLV of each month of :func:`clv_history`, indexed by the customers who had bought by then."""
    return {str(m): history[m].dropna() for m in history.columns}
