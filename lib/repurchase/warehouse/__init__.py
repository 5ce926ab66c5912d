"""Aggregation where the data live: Ibis expressions over cleaned transactions, and cleaning in SQL.

* :mod:`~repurchase.warehouse.aggregates`: the transaction -> customer and
  -> month aggregates, written once, run on DuckDB, PySpark or a warehouse;
* :mod:`~repurchase.warehouse.backends`: the engine choice and connections;
* :mod:`~repurchase.warehouse.cleaning`: the cleaning rules that run in SQL, with
  an exact ledger and a limited quarantine sample.

Importing it does not import Ibis (the functions do).
"""

from repurchase.warehouse.aggregates import (
    MICRO,
    churn_aggregates,
    customer_aggregates,
    day_number,
    micro,
    monthly_aggregates,
    occasions,
    second_gap_histogram,
)
from repurchase.warehouse.backends import (
    AUTO_DUCKDB_LINES,
    choose_engine,
    connect,
    duckdb_connection,
    parquet_table,
    spark_session,
)

__all__ = [
    "AUTO_DUCKDB_LINES",
    "MICRO",
    "choose_engine",
    "churn_aggregates",
    "connect",
    "customer_aggregates",
    "day_number",
    "duckdb_connection",
    "micro",
    "monthly_aggregates",
    "occasions",
    "parquet_table",
    "second_gap_histogram",
    "spark_session",
]
