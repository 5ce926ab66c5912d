"""The churn features that are plain aggregates, computed where the data live (Ibis on any backend).

:func:`repurchase.warehouse.churn_aggregates` counts and sums per customer in
SQL; :func:`repurchase.churn.features.occasion_features` finishes the columns,
the same code as the pandas path of :func:`repurchase.churn.churn_features`.
The spend mix by category and channel, the customer and survey features and
the BG/NBD probability are not aggregates and stay with the pandas path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from repurchase.churn._base import day_number, end_of, safe_div
from repurchase.churn.features import occasion_features
from repurchase.core.errors import AnalysisError
from repurchase.core.occasions import MICRO
from repurchase.core.periods import Window
from repurchase.warehouse import churn_aggregates

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["warehouse_churn_features"]


def warehouse_churn_features(table: ir.Table, window: Window, *, occasion: str = "customer_day") -> pd.DataFrame:
    """The aggregate columns of :func:`~repurchase.churn.churn_features` from an Ibis table.

    Parameters
    ----------
    table
        Cleaned transactions on any Ibis backend (canonical column names).
    window
        ``Window.ending(cutoff)``: only lines before the cutoff are read.
    occasion
        ``customer_day`` or ``order``.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer ID (sorted), float columns: the occasion features
        (``recency_days`` … ``spend_trend``), and ``n_categories``,
        ``refund_share`` and ``refunded_lines`` when the table has ``category`` and
        ``refund_amount`` columns; equal to those of ``churn_features``.

    Raises
    ------
    AnalysisError
        When no purchase lies before the cutoff.
    """
    cutoff = end_of(window)
    agg = churn_aggregates(table, end_time=cutoff, occasion=occasion).to_pandas()
    if agg.empty:
        raise AnalysisError(f"no purchases before the cutoff {cutoff.date()}; use a later cutoff or period")
    agg = agg.sort_values("customer_id", ignore_index=True)
    agg.index = pd.Index(agg.pop("customer_id").to_numpy(dtype=object), name="customer_id")
    X = occasion_features(agg, day_number(cutoff) - 1)
    if "n_categories" in agg:
        X["n_categories"] = agg["n_categories"].to_numpy(dtype=float)
    if "refund_u" in agg:
        line_total = agg["line_u"].to_numpy(dtype=float) / MICRO
        refunded = agg["refund_u"].to_numpy(dtype=float) / MICRO
        X["refund_share"] = np.nan_to_num(safe_div(refunded, line_total + refunded))
        X["refunded_lines"] = agg["refunded_lines"].to_numpy(dtype=float)
    return X.astype(float)
