"""A client's transactions cleaned and summarised where they live (``sources.transactions.backend``).

:func:`run_in_warehouse` runs the SQL cleaning rules
(:func:`repurchase.warehouse.cleaning.warehouse_cleaning`) and the Ibis
aggregates in the backend the params name (DuckDB, PySpark, a warehouse URL)
and brings back only the ledger counts, a quarantine sample and the
per-customer and per-month tables. The notebooks are not rendered from such a
source (they read files); these tables are what a large retailer's job needs
to hand on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from repurchase.churn.warehouse_features import warehouse_churn_features
from repurchase.cleaning.datasets import written_at
from repurchase.core.errors import AnalysisError
from repurchase.core.params import Params
from repurchase.core.periods import Period, Window
from repurchase.kpis.warehouse_monthly import warehouse_monthly_kpis
from repurchase.lifetime_value.warehouse_summary import warehouse_customer_summary
from repurchase.warehouse import connect
from repurchase.warehouse.cleaning import warehouse_cleaning

__all__ = ["WarehouseRun", "run_in_warehouse", "source_table"]


@dataclass
class WarehouseRun:
    """What comes back from the warehouse: counts, a sample and per-customer / per-month tables.

    Attributes
    ----------
    ledger, outcomes, quarantine
        The cleaning ledger (rows per rule), the raw / kept / fixed / excluded
        summary and at most ``sample`` quarantined rows.
    customer_summary
        :func:`repurchase.lifetime_value.customer_summary` of the period (sorted by ID).
    monthly_kpis
        :func:`repurchase.kpis.monthly_kpis` through the period.
    churn_features
        The aggregate columns of :func:`repurchase.churn.churn_features` at the period end.
    """

    ledger: pd.DataFrame
    outcomes: pd.DataFrame
    quarantine: pd.DataFrame
    customer_summary: pd.DataFrame
    monthly_kpis: pd.DataFrame
    churn_features: pd.DataFrame


def source_table(params: Params, con: Any) -> Any:
    """The warehouse table of ``sources.transactions`` with its columns renamed to the canonical names."""
    spec = params.sources.transactions
    if spec.backend is None or spec.table is None:
        raise AnalysisError("sources.transactions has no backend: set backend and table to run in a warehouse")
    t = con.table(spec.table)
    missing = [str(src) for src in spec.columns.values() if str(src) not in t.columns]
    if missing:
        raise AnalysisError(
            f"the table {spec.table!r} has no column(s) {', '.join(missing)}; its columns are "
            f"{', '.join(t.columns)}: fix sources.transactions.columns"
        )
    return t.select(**{canon: t[str(src)] for canon, src in spec.columns.items()})


def run_in_warehouse(params: Params, period: Period, *, con: Any = None, sample: int = 100) -> WarehouseRun:
    """Clean and summarise a warehouse source for one report period, in the warehouse.

    Parameters
    ----------
    params
        A client whose ``sources.transactions`` has ``backend`` and ``table``.
    period
        The report period: rows after it are excluded (``after_period_end``).
    con
        An open Ibis connection; default :func:`repurchase.warehouse.connect` of the backend.
    sample
        At most this many quarantined rows are fetched.
    """
    spec = params.sources.transactions
    if con is None and spec.backend is not None:
        con = connect(spec.backend)
    raw = source_table(params, con)  # refuses a source without backend and table
    cleaning = warehouse_cleaning(
        raw,
        params.cleaning,
        exported_at=spec.exported_at,
        written_at=None if spec.exported_at is not None else written_at(spec, params.cleaning.timezone),
        period_end_exclusive=period.end_exclusive,
        sample=sample,
    )
    occasion = params.repurchase.occasion
    lv = params.lifetime_value
    observed = Window.ending(period.end_exclusive, start=lv.calibration_start)
    summary = warehouse_customer_summary(cleaning.clean, observed, occasion=occasion, time_unit=lv.time_unit)
    monthly = warehouse_monthly_kpis(
        cleaning.clean, period, reactivation_gap_days=params.repurchase.reactivation_gap_days,
        repeat_orders=params.repurchase.repeat_orders, occasion=occasion,
    )  # fmt: skip
    churn = warehouse_churn_features(cleaning.clean, Window.ending(period.end_exclusive), occasion=occasion)
    return WarehouseRun(cleaning.ledger, cleaning.summary, cleaning.quarantine, summary, monthly, churn)
