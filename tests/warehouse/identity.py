"""The identity checks shared by the DuckDB and the PySpark tests: the Ibis path equals the pandas path exactly."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from repurchase.churn.features import churn_features
from repurchase.churn.warehouse_features import warehouse_churn_features
from repurchase.core.occasions import purchase_occasions
from repurchase.core.periods import Period, Window
from repurchase.kpis.monthly import monthly_kpis
from repurchase.kpis.warehouse_monthly import warehouse_monthly_kpis
from repurchase.lifetime_value.summary import customer_summary
from repurchase.lifetime_value.warehouse_summary import warehouse_customer_summary

#: the report period of each data set
CDNOW_PERIOD = Period.from_label("1998-06")
DEMO_PERIOD = Period.from_label("2026-09")
#: the columns an engine gets: the canonical ones the aggregation reads
COLUMNS = ("customer_id", "order_id", "order_date", "amount", "refund_amount", "category")


def engine_frame(tx: pd.DataFrame) -> pd.DataFrame:
    """The columns handed to a backend, with ``_pos`` (the row's position) and plain dtypes."""
    cols = [c for c in COLUMNS if c in tx.columns]
    out = tx[cols].reset_index(drop=True).astype({"customer_id": str})
    if "category" in out:
        out["category"] = out["category"].astype(object).where(out["category"].notna(), None)
    return out.assign(_pos=np.arange(len(out), dtype=np.int64))


def check_identity(tx: pd.DataFrame, table: Any, period: Period, *, occasion: str = "customer_day") -> None:
    """Summary, monthly KPIs and churn aggregates of ``table`` (Ibis) equal the pandas results exactly."""
    observed = Window.ending(period.end_exclusive)
    calibration = Window.ending(period.end_exclusive - pd.Timedelta(days=200), start=tx["order_date"].min())
    for window in (observed, calibration):
        expected = customer_summary(tx, window, occasion=occasion)
        got = warehouse_customer_summary(table, window, occasion=occasion, position_col="_pos")
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
        assert got.attrs == expected.attrs
        if occasion == "customer_day":  # orders at the same first instant need the positions to be told apart
            by_id = warehouse_customer_summary(table, window, occasion=occasion)  # no positions: sorted by ID
            pd.testing.assert_frame_equal(
                by_id, expected.sort_values("customer_id", ignore_index=True), check_exact=True
            )
    occ = purchase_occasions(tx, occasion)
    for gap, rule in ((180, "beyond_first"), (60, "all_of_repeaters")):
        expected = monthly_kpis(occ, period, reactivation_gap_days=gap, repeat_orders=rule)
        got = warehouse_monthly_kpis(table, period, reactivation_gap_days=gap, repeat_orders=rule, occasion=occasion)
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
    for cutoff in (period.end_exclusive, period.end_exclusive - pd.Timedelta(days=120)):
        w = Window.ending(cutoff)
        got = warehouse_churn_features(table, w, occasion=occasion)
        expected = churn_features(tx, w, occasion=occasion)
        assert len(got.columns) >= 16
        pd.testing.assert_frame_equal(got, expected[got.columns], check_exact=True)


def frames(cdnow_tx: pd.DataFrame, demo_clean: pd.DataFrame) -> dict[str, tuple[pd.DataFrame, Period]]:
    """The data sets of the identity checks and their report periods."""
    return {"cdnow": (cdnow_tx, CDNOW_PERIOD), "demo": (demo_clean, DEMO_PERIOD)}
