"""Everything the churn analysis reads from the lifetime-value analysis, in one place.

Churn uses one CLV and one full-data BG/NBD, those of the lifetime-value result
(the ``lifetime_value`` stage churn requires), and fits the BG/NBD itself only
where it must: at the backtest cutoffs, on the data known then.

* :func:`customer_values`: each customer's CLV as in ``exports/clv.csv`` (the
  at-risk list's value);
* :func:`full_model` and :func:`no_purchase_at_end`: the lifetime-value result's
  BG/NBD fitted on all data to the period end, and P(no purchase in N days) from it;
* :func:`fit_bgnbd` and :func:`no_purchase`: a BG/NBD fitted on the purchase
  occasions (``repurchase.occasion``) before a cutoff, and its scores.

This module is the only one of :mod:`repurchase.churn` that touches
:mod:`repurchase.lifetime_value`: when its API changes, only this file does.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from repurchase import lifetime_value as lv
from repurchase.churn._base import before, end_of
from repurchase.core.errors import AnalysisError
from repurchase.core.periods import Window

__all__ = [
    "CLV_COLUMNS",
    "SCORE_COLUMNS",
    "clv_horizon_months",
    "clv_model",
    "customer_values",
    "fit_bgnbd",
    "full_model",
    "model_name",
    "no_purchase",
    "no_purchase_at_end",
]

#: Columns of :func:`customer_values`.
CLV_COLUMNS = ["customer_id", "clv", "clv_low", "clv_high", "p_alive", "p_buy_again", "expected_purchases"]
#: Columns of the BG/NBD scores (:func:`no_purchase`, :func:`no_purchase_at_end`).
SCORE_COLUMNS = ["customer_id", "frequency", "recency", "T", "p_alive", "p_buy_again", "p_no_purchase"]


def customer_values(result: Any) -> pd.DataFrame:
    """Each customer's CLV from the lifetime-value result, rounded exactly as in ``exports/clv.csv``.

    Returns
    -------
    pandas.DataFrame
        :data:`CLV_COLUMNS`; empty (with these columns) when the lifetime-value
        analysis could not compute a CLV.
    """
    if result is None:
        return pd.DataFrame({c: pd.Series(dtype=object if c == "customer_id" else float) for c in CLV_COLUMNS})
    return result.customer_values().reindex(columns=CLV_COLUMNS).reset_index(drop=True)


def clv_horizon_months(result: Any) -> int | None:
    """The months the CLV looks ahead (None without a CLV)."""
    if result is None or result.clv is None:
        return None
    return int(result.clv.horizon_months)


def clv_model(result: Any) -> str:
    """The purchase model behind the CLV (``bgnbd``, ``pareto_nbd`` …; "" without a CLV)."""
    if result is None or result.clv is None or not result.model:
        return ""
    return str(result.model)


def model_name(model: str, lang: str = "en") -> str:
    """A purchase model's name in the report language (``pareto_nbd`` -> Pareto/NBD)."""
    return lv.model_label(model, lang) if model else ""


def full_model(result: Any, model: str = "bgnbd") -> Any | None:
    """The lifetime-value result's ``model`` fitted on all data to the period end (None when not fitted)."""
    return None if result is None else result.full_model(model)


def _scores(model: Any, summary: pd.DataFrame, window_days: int) -> pd.DataFrame:
    out = lv.purchase_probabilities(model, summary, float(window_days))
    return out.sort_values("customer_id", kind="stable").reset_index(drop=True)


def no_purchase_at_end(result: Any, window_days: int) -> pd.DataFrame | None:
    """P(no purchase in the next ``window_days`` days) of every customer at the period end.

    From the lifetime-value result's full-data BG/NBD (:func:`full_model`) and its
    customer summary; None when that BG/NBD was not fitted.

    Returns
    -------
    pandas.DataFrame or None
        :data:`SCORE_COLUMNS`, sorted by customer ID; ``frequency``, ``recency``
        and ``T`` in the lifetime-value time unit.
    """
    model = full_model(result, "bgnbd")
    if model is None:
        return None
    return _scores(model, result.summary, int(window_days))


def fit_bgnbd(
    tx: pd.DataFrame,
    window: Window,
    *,
    occasion: str = "customer_day",
    customer_col: str = "customer_id",
    order_col: str = "order_id",
    date_col: str = "order_date",
) -> tuple[pd.DataFrame, Any]:
    """Fit the BG/NBD on the purchase occasions dated before ``window.end_exclusive`` (a backtest cutoff).

    x, t_x and T are in weeks, T up to the last day before the cutoff; a purchase
    occasion follows ``occasion`` (``customer_day`` or ``order``).

    Returns
    -------
    (pandas.DataFrame, FitResult)
        The customer summary (``customer_id``, ``frequency``, ``recency``, ``T``)
        and the fit.

    Raises
    ------
    AnalysisError
        When nobody bought before the cutoff or the BG/NBD cannot be fitted.
    """
    summary = bgnbd_summary(
        tx, window, occasion=occasion, customer_col=customer_col, order_col=order_col, date_col=date_col
    )
    return summary, lv.fit_model(summary, lv.BGNBD)


def bgnbd_summary(
    tx: pd.DataFrame,
    window: Window,
    *,
    occasion: str = "customer_day",
    customer_col: str = "customer_id",
    order_col: str = "order_id",
    date_col: str = "order_date",
) -> pd.DataFrame:
    """The customer summary :func:`fit_bgnbd` fits (x, t_x and T in weeks, occasions before the cutoff).

    Raises
    ------
    AnalysisError
        When nobody bought before the cutoff.
    """
    end = end_of(window)
    rows = before(tx, end, date_col)
    if rows.empty:
        raise AnalysisError(f"no purchases before {end.date()}: the BG/NBD cannot be fitted")
    return lv.customer_summary(
        rows,
        Window.ending(window.end_exclusive),
        occasion=occasion,
        time_unit="W",
        customer_col=customer_col,
        order_col=order_col,
        date_col=date_col,
        amount_col=None,
    )


def no_purchase(summary: pd.DataFrame, fit: Any, window_days: int) -> pd.DataFrame:
    """P(no purchase in the next ``window_days`` days) per customer of a :func:`fit_bgnbd` summary (:data:`SCORE_COLUMNS`)."""
    return _scores(fit, summary, int(window_days))
