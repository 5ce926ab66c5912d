"""Purchase occasions (repurchase.core.occasions) on a hand-computed fixture.

Five customers, report month 2024-03 (see tests/kpis/conftest.py for the story): A has two orders on
2024-03-05 and a partial refund on 2024-03-20; B buys at 23:59 on 2024-03-31 and again on 2024-04-01;
C comes back after 283 days; D has two lines of one order; E buys three times.
"""

from __future__ import annotations

import pandas as pd
import pytest

import repurchase
from repurchase.core.errors import AnalysisError
from repurchase.core.occasions import assign_occasions, occasion_arrays, purchase_occasions


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    rows = [
        ("A", "A1", "2024-02-10 10:00", 100.0, 0.0),
        ("A", "A2", "2024-03-05 09:00", 50.0, 0.0),
        ("A", "A3", "2024-03-05 18:00", 30.0, 0.0),
        ("A", "A4", "2024-03-20 12:00", 40.0, 10.0),
        ("B", "B1", "2024-03-15 08:00", 200.0, 0.0),
        ("B", "B2", "2024-03-31 23:59", 20.0, 0.0),
        ("B", "B3", "2024-04-01 00:00", 999.0, 0.0),
        ("C", "C1", "2023-06-01 12:00", 60.0, 0.0),
        ("C", "C2", "2024-03-10 12:00", 80.0, 0.0),
        ("D", "D1", "2024-02-20 12:00", 70.0, 0.0),
        ("D", "D1", "2024-02-20 12:00", 5.0, 0.0),
        ("E", "E0", "2023-03-15 12:00", 25.0, 0.0),
        ("E", "E1", "2024-02-05 12:00", 25.0, 0.0),
        ("E", "E2", "2024-03-25 12:00", 35.0, 0.0),
    ]
    tx = pd.DataFrame(rows, columns=["customer_id", "order_id", "order_date", "amount", "refund_amount"])
    tx["order_date"] = pd.to_datetime(tx["order_date"])
    return tx


def test_customer_day_occasions(tx):
    occ = purchase_occasions(tx)
    a = occ[occ["customer_id"] == "A"]
    # A's two orders on 2024-03-05 are one occasion: 50 + 30 = 80 over 2 orders
    assert a["occasion_date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-02-10", "2024-03-05", "2024-03-20"]
    assert a["amount"].tolist() == [100.0, 80.0, 40.0]
    assert a["orders"].tolist() == [1, 2, 1]
    assert a["refund_amount"].tolist() == [0.0, 0.0, 10.0]
    assert a["occasion_no"].tolist() == [1, 2, 3]
    # gaps: 02-10 -> 03-05 = 19 + 5 = 24 days; 03-05 -> 03-20 = 15
    assert a["days_since_prev"].tolist()[1:] == [24.0, 15.0]
    # D's two lines of one order: one occasion of 70 + 5 = 75
    d = occ[occ["customer_id"] == "D"]
    assert len(d) == 1 and d["amount"].iloc[0] == 75.0 and d["lines"].iloc[0] == 2
    # the 23:59 purchase is dated 2024-03-31 (March)
    b = occ[occ["customer_id"] == "B"]
    assert b["occasion_date"].iloc[1] == pd.Timestamp("2024-03-31")
    assert b["month"].iloc[1] == pd.Timestamp("2024-03-01")
    # C: 2023-06-01 -> 2024-03-10 = 30+31+31+30+31+30+31+31+29+9 = 283 days
    assert occ.loc[occ["customer_id"] == "C", "days_since_prev"].iloc[1] == 283.0
    # 14 rows -> A 3 + B 3 (incl. April) + C 2 + D 1 + E 3 = 12 occasions
    assert len(occ) == 12
    # the occasion of every line: A2 and A3 share one; the IDs index the occasions
    ids = assign_occasions(tx)
    assert ids.iloc[1] == ids.iloc[2] and ids.nunique() == 12
    assert occ.loc[ids.iloc[1], "amount"] == 80.0
    # the same occasions as arrays
    arrays = occasion_arrays(tx)
    assert len(arrays.day) == 12 and arrays.amount.sum() == pytest.approx(occ["amount"].sum())


def test_order_occasions_split_same_day(tx):
    occ = purchase_occasions(tx, "order")
    a = occ[occ["customer_id"] == "A"]
    # A2 (09:00) and A3 (18:00) are separate occasions; the gap between them is 0 calendar days
    assert len(a) == 4 and a["days_since_prev"].tolist()[1:] == [24.0, 0.0, 15.0]
    # D's two lines share order D1: still one occasion
    assert (occ["customer_id"] == "D").sum() == 1


def test_occasion_errors(tx):
    with pytest.raises(AnalysisError, match="order_id"):
        purchase_occasions(tx.drop(columns="order_id"), "order")
    with pytest.raises(AnalysisError, match="customer_day"):
        assign_occasions(tx, "week")
    with pytest.raises(repurchase.DataError, match="order_date"):
        purchase_occasions(tx.drop(columns="order_date"))


def test_money_units_are_exact_micro_units_only_for_amounts_of_at_most_six_decimals():
    from repurchase.core.occasions import MICRO, money_units

    units, scale = money_units([0.1, 0.2, 0.1 + 0.2, 1234.567891])
    assert scale == MICRO and units.tolist() == [100_000, 200_000, 300_000, 1_234_567_891]
    assert units.sum() / scale == 1235.167891  # the float sum is 1235.1678909999998
    floats, one = money_units([0.1234567, 2.0])  # a 7th decimal: summed as floats, as written
    assert one == 1 and floats.tolist() == [0.1234567, 2.0]
