"""The monthly KPIs computed where the data live: :func:`monthly_kpis` run as Ibis on any backend.

The per-month counts come from :func:`repurchase.warehouse.monthly_aggregates`
and :func:`repurchase.warehouse.second_gap_histogram` (DuckDB, PySpark, a
warehouse); the table is finished by :func:`repurchase.kpis.monthly_table`,
the same code as the pandas path, so both give identical results.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from repurchase.core.errors import InsufficientData
from repurchase.core.periods import Window
from repurchase.kpis.monthly import monthly_table
from repurchase.warehouse import day_number, monthly_aggregates, second_gap_histogram

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["histogram_median", "warehouse_monthly_kpis"]


def histogram_median(hist: pd.DataFrame) -> pd.DataFrame:
    """Per group ``m``: ``size`` and the exact ``median`` of the values ``gap`` counted ``n`` times.

    The median of an even count is the mean of the two middle values, as pandas'.
    """
    if hist.empty:
        return pd.DataFrame({"size": pd.Series(dtype="int64"), "median": pd.Series(dtype="float64")})
    h = hist.sort_values(["m", "gap"], ignore_index=True)
    n = h["n"].to_numpy(dtype=np.int64)
    m = h["m"].to_numpy(dtype=np.int64)
    cum = np.cumsum(n)
    starts = np.r_[0, np.flatnonzero(np.diff(m)) + 1]
    before = np.r_[0, cum][starts]  # values before each group
    size = np.add.reduceat(n, starts)
    lo_rank = before + (size - 1) // 2  # 0-based ranks of the two middle values
    hi_rank = before + size // 2
    gap = h["gap"].to_numpy(dtype=np.float64)
    lo = gap[np.searchsorted(cum, lo_rank, side="right")]
    hi = gap[np.searchsorted(cum, hi_rank, side="right")]
    return pd.DataFrame({"size": size, "median": (lo + hi) / 2}, index=pd.Index(m[starts], name="m"))


def warehouse_monthly_kpis(
    table: ir.Table,
    window: Window | None = None,
    *,
    reactivation_gap_days: int = 180,
    repeat_orders: str = "beyond_first",
    occasion: str = "customer_day",
) -> pd.DataFrame:
    """:func:`~repurchase.kpis.monthly_kpis` of an Ibis table of cleaned transactions.

    Parameters
    ----------
    table
        Cleaned transactions on any Ibis backend (canonical column names).
    window, reactivation_gap_days, repeat_orders
        As in :func:`~repurchase.kpis.monthly_kpis`.
    occasion
        ``customer_day`` or ``order`` (``repurchase.occasion``).

    Raises
    ------
    InsufficientData
        When no occasion lies before the end of the window.
    """
    if window is None:
        last = table.aggregate(d=day_number(table.order_date).max()).to_pandas()["d"].iloc[0]
        if pd.isna(last):
            raise InsufficientData("no purchases before the end of the period; choose a later period")
        window = Window.ending(pd.Timestamp(np.datetime64(int(last) + 1, "D")))
    end = window.end_exclusive
    per = monthly_aggregates(
        table, end_time=end, reactivation_gap_days=reactivation_gap_days, repeat_orders=repeat_orders,
        occasion=occasion,
    ).to_pandas()  # fmt: skip
    if per.empty:
        raise InsufficientData("no purchases before the end of the period; choose a later period")
    per = per.set_index("m").sort_index()
    second = histogram_median(second_gap_histogram(table, end_time=end, occasion=occasion).to_pandas())
    return monthly_table(per, second, int(per.index.min()), window)
