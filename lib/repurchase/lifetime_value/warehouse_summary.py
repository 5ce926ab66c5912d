"""The customer summary computed where the data live: :func:`customer_summary` run as Ibis on any backend.

The aggregation is :func:`repurchase.warehouse.customer_aggregates` (DuckDB,
PySpark, a warehouse); only the per-customer table comes back, and the
summary's columns are finished by the same code as the pandas path
(:func:`repurchase.lifetime_value.summary.customer_summary`), so both give the
same frequency, recency, T and dates, and money equal up to the last bits of
the float sum (the SQL side sums exact micro-units).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from repurchase.cleaning.datasets import cache_dir
from repurchase.core.errors import InsufficientData
from repurchase.core.occasions import MICRO
from repurchase.core.params import Params
from repurchase.core.periods import Period, Window
from repurchase.lifetime_value._common import TimeUnit, unit_days
from repurchase.lifetime_value.summary import PerCustomer, _summary_frame, to_day
from repurchase.warehouse import choose_engine, customer_aggregates, day_number, duckdb_connection, parquet_table

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["engine_summarizer", "warehouse_customer_summary"]


def warehouse_customer_summary(
    table: ir.Table,
    window: Window | None = None,
    *,
    occasion: str = "customer_day",
    time_unit: TimeUnit = "W",
    position_col: str | None = None,
) -> pd.DataFrame:
    """:func:`~repurchase.lifetime_value.customer_summary` of an Ibis table of cleaned transactions.

    Parameters
    ----------
    table
        Cleaned transactions on any Ibis backend (canonical column names).
    window, occasion, time_unit
        As in :func:`~repurchase.lifetime_value.customer_summary`.
    position_col
        The column giving each line's position in the log (``file_row_number`` of
        :func:`repurchase.warehouse.parquet_table`): customers then come in order of
        first appearance, exactly as the pandas path; without it, sorted by ID.

    Returns
    -------
    pandas.DataFrame
        The columns and ``attrs`` of :func:`~repurchase.lifetime_value.customer_summary`.

    Raises
    ------
    InsufficientData
        When no occasion falls in the window.
    """
    start = None if window is None or window.start is None else to_day(window.start)
    end = None if window is None else to_day(window.end_exclusive)
    agg = customer_aggregates(table, start_day=start, end_day=end, occasion=occasion, position_col=position_col)
    frame = agg.to_pandas()
    if frame.empty:
        raise InsufficientData(
            "no transactions fall in the summary window; check the calibration dates in the params file "
            "(lifetime_value section)."
        )
    frame = frame.sort_values("pos" if position_col is not None else "customer_id", kind="stable", ignore_index=True)
    if window is not None:
        end_day = to_day(window.end)
    else:
        end_day = int(table.aggregate(d=day_number(table.order_date).max()).to_pandas()["d"].iloc[0])
    pc = PerCustomer(
        codes=np.arange(len(frame)),
        first=frame["first_day"].to_numpy(dtype=np.int64),
        last=frame["last_day"].to_numpy(dtype=np.int64),
        count=frame["occasions"].to_numpy(dtype=np.int64),
        repeat_sum=frame["repeat_u"].to_numpy(dtype=np.float64) / MICRO,
        total=frame["total_u"].to_numpy(dtype=np.float64) / MICRO,
    )
    ids = pd.Index(frame["customer_id"].to_numpy(dtype=object))
    return _summary_frame(ids, pc, end_day, unit_days(time_unit), time_unit, "customer_id")


def engine_summarizer(
    params: Params, period: Period, transactions: pd.DataFrame
) -> Callable[[Window], pd.DataFrame] | None:
    """The customer summary on DuckDB when ``params.engine`` chooses it for this log, else None (pandas).

    DuckDB reads the cleaned log's Parquet cache (``data/cache/<client>/<period>/
    transactions/clean.parquet``) when it holds exactly these rows, else the
    frame itself; customers come in order of first appearance, so the summary
    equals :func:`~repurchase.lifetime_value.customer_summary` (tested).
    """
    if choose_engine(params.engine, len(transactions)) != "duckdb":
        return None
    import ibis
    import pyarrow.parquet as pq

    con = duckdb_connection()
    cached = cache_dir(params, "transactions", period.label) / "clean.parquet"
    try:
        usable = cached.exists() and pq.ParquetFile(cached).metadata.num_rows == len(transactions)
    except (OSError, ValueError):
        usable = False
    if usable:
        table = parquet_table(con, cached)
        position = "file_row_number"
    else:
        cols = [c for c in ("customer_id", "order_id", "order_date", "amount", "refund_amount") if c in transactions]
        frame = transactions[cols].reset_index(drop=True).assign(_pos=np.arange(len(transactions)))
        table = con.create_table("transactions", obj=ibis.memtable(frame))
        position = "_pos"
    occasion = params.repurchase.occasion
    unit = params.lifetime_value.time_unit

    def summarize(window: Window) -> pd.DataFrame:
        return warehouse_customer_summary(table, window, occasion=occasion, time_unit=unit, position_col=position)

    return summarize
