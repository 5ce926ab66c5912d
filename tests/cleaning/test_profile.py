"""The data profile: headline figures, amount quantiles and histogram, weekly revenue."""

from __future__ import annotations

import numpy as np
import pandas as pd

from repurchase.cleaning import DataProfile, amount_histogram, amount_median, profile_transactions, weekly_revenue


def _clean(amounts, dates=None):
    n = len(amounts)
    return pd.DataFrame(
        {
            "customer_id": [f"C{i % 3}" for i in range(n)],
            "order_id": [f"O{i}" for i in range(n)],
            "order_date": pd.to_datetime(dates or ["2026-01-05"] * n, format="ISO8601"),
            "amount": np.asarray(amounts, dtype=float),
            "refund_amount": 0.0,
        }
    )


def test_profile_table_lists_the_headline_figures(result):
    table = profile_transactions(result.clean)
    assert table["metric"].tolist() == ["first_date", "last_date", "rows", "customers", "orders", "revenue", "refunded"]
    values = dict(zip(table["metric"], table["value"]))
    assert values["first_date"] == "2026-01-01" and values["last_date"] == "2026-01-31"
    assert values["rows"] == 6 and values["customers"] == 4 and values["revenue"] == 1510.0
    assert DataProfile.of(result.clean).table().equals(table)
    no_refunds = DataProfile.of(result.clean.drop(columns="refund_amount"))
    assert no_refunds.refunded is None and "refunded" not in set(no_refunds.table()["metric"])


def test_an_empty_profile_has_no_dates():
    profile = DataProfile.of(_clean([]))
    assert (profile.first_date, profile.last_date, profile.rows, profile.revenue) == (None, None, 0, 0.0)


def test_amount_histogram_has_equal_bins_on_a_log_scale():
    clean = _clean([1, 10, 10, 100, 1000, 0, -5])
    hist = amount_histogram(clean, bins=3)
    assert hist["left"].tolist() == [1.0, 10.0, 100.0] and np.allclose(hist["right"], [10.0, 100.0, 1000.0])
    assert hist["count"].tolist() == [1, 2, 2]  # zero and negative amounts left out; the last bin is closed
    assert amount_median(clean) == 10.0
    assert len(amount_histogram(_clean([0, -1]))) == 0 and amount_median(_clean([0, -1])) is None
    assert len(amount_histogram(_clean([50, 50, 70]))) == 50  # the default: 50 bins


def test_weekly_revenue_sums_calendar_weeks_ending_on_sunday():
    clean = _clean([10, 20, 5], ["2026-01-05", "2026-01-11 23:00", "2026-01-12"])
    weekly = weekly_revenue(clean)
    assert weekly["week"].tolist() == [pd.Timestamp("2026-01-11"), pd.Timestamp("2026-01-18")]
    assert weekly["revenue"].tolist() == [30.0, 5.0]
