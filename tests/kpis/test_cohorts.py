"""Acquisition cohorts, their matrix and notes (fixture: see conftest.py)."""

from __future__ import annotations

import math

import pandas as pd

from repurchase import kpis as rp
from repurchase.core.occasions import purchase_occasions
from repurchase.core.periods import Period, Window

PERIOD = Period.from_label("2024-03")  # exclusive end 2024-04-01 00:00


def test_cohorts_by_hand(occ):
    co = rp.cohort_table(occ, PERIOD).set_index(["cohort", "age"])
    feb = pd.Timestamp("2024-02-01")
    # 2024-02 cohort: A and D. Month 0: both; month 1 (March): A -> 50 %; month 2 not observable -> NaN
    assert co.loc[(feb, 0), "cohort_size"] == 2 and co.loc[(feb, 1), "retention"] == 0.5
    # revenue: month 0 = 100 (A) + 75 (D) = 175 -> 87.5 per customer; month 1: A 120 -> (175 + 120) / 2 = 147.5
    assert co.loc[(feb, 0), "cum_revenue_per_customer"] == 87.5
    assert co.loc[(feb, 1), "cum_revenue_per_customer"] == 147.5
    mar = pd.Timestamp("2024-03-01")
    assert (co.loc[(mar, 0), "cohort_size"] == 1 and (mar, 1) not in co.index) or math.isnan(
        co.loc[(mar, 1), "retention"]
    )
    # 2023-03 cohort (E): silent for 10 months -> 0 (observed), back in month 11 and 12
    e = pd.Timestamp("2023-03-01")
    assert co.loc[(e, 5), "retention"] == 0.0 and co.loc[(e, 11), "retention"] == 1.0
    # E's cumulative revenue by month 12: 25 + 25 + 35 = 85
    assert co.loc[(e, 12), "cum_revenue_per_customer"] == 85.0
    wide = rp.cohort_matrix(rp.cohort_table(occ, PERIOD, max_cohorts=2))
    assert wide.index.tolist() == ["2024-02", "2024-03"]
    assert math.isnan(wide.loc["2024-03", 1])  # blank, not 0
    # no cohort started in the last month of a window: an empty table with the columns
    empty = rp.cohort_table(occ, Window.ending("2024-01-01"), max_cohorts=1)
    assert empty.empty and "cum_revenue_per_customer" in empty.columns


def test_cohort_notes(occ):
    notes = rp.cohort_notes(occ, PERIOD, reactivation_gap_days=180)
    # data start 2023-03-15; + 180 days = 2023-09-11 -> cohorts 2023-03 .. 2023-09 may be left-censored
    assert notes["left_censored"][0] == "2023-03" and notes["left_censored"][-1] == "2023-09"
    assert not notes["partial_last_month"]  # data run to 2024-03-31
    assert notes["end_month"] == "2024-03"
    later = rp.cohort_notes(occ, Period.from_label("2024-04"))
    assert later["partial_last_month"]  # April ends without data
    text = rp.describe_cohorts(rp.cohort_table(occ, PERIOD), notes)
    assert "cohorts Mar 2023 to Sep 2023" in text
    assert "2023年3月至2023年9月的批次" in rp.describe_cohorts(rp.cohort_table(occ, PERIOD), notes, "zh")


def test_cohort_note_counts_the_export_date_as_observed():
    occ = purchase_occasions(
        pd.DataFrame(
            {
                "customer_id": ["a", "b"],
                "order_id": ["1", "2"],
                "order_date": pd.to_datetime(["2026-10-02", "2026-10-29"]),
                "amount": [5.0, 6.0],
            }
        )
    )
    end = Period.from_label("2026-10")
    assert rp.cohort_notes(occ, end)["partial_last_month"] is True  # data stop on the 29th
    assert rp.cohort_notes(occ, end, exported_at=pd.Timestamp("2026-10-31").date())["partial_last_month"] is False
