"""The cleaning rules in SQL: the ledger equals the pandas cleaning's on a hand-made messy table."""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd
import pytest

from repurchase.cleaning.rules import RULES, clean_transactions
from repurchase.core.errors import DataError
from repurchase.core.params import CleaningSettings
from repurchase.warehouse.cleaning import warehouse_cleaning

T = pd.Timestamp
EXPORTED = dt.date(2024, 6, 30)
PERIOD_END = T("2024-02-01")

#: one row per situation, with the rule that must take it (None: kept; "fixed": kept after a fix)
ROWS = [
    ("C1", "o1", T("2024-01-05"), 10.0, "paid", None),
    (" c1 ", "o2", T("2024-01-06"), 20.0, "paid", "fixed"),  # ID trimmed and case-folded
    ("C2", "o3", T("2024-01-07"), 30.0, "paid", None),
    ("C2", "o3", T("2024-01-07"), 30.0, "paid", "duplicate_row"),  # exact copy of the row above
    (None, "o5", T("2024-01-08"), 5.0, "paid", "missing_customer_id"),
    ("  ", "o6", T("2024-01-08"), 6.0, "paid", "missing_customer_id"),
    ("C3", "o7", pd.NaT, 7.0, "paid", "unparseable_date"),
    ("C4", "o8", T("2024-01-09"), np.nan, "paid", "unparseable_amount"),
    ("C5", "o9", T("2024-01-09"), np.inf, "paid", "non_finite_amount"),
    ("C6", "o10", T("2030-01-01"), 9.0, "paid", "dated_after_export"),
    ("C7", "o11", T("1980-05-05"), 9.0, "paid", "before_min_date"),
    ("C8", "o12", T("2024-03-01"), 9.0, "paid", "after_period_end"),
    ("C9", "o13", T("2024-01-10"), 0.0, "paid", "zero_amount"),
    ("C1", "o14", T("2024-01-11"), -4.0, "paid", "negative_amount"),
    ("C2", "o15", T("2024-01-12"), 12.5, "Cancelled", "cancelled_order"),
    ("C2", "o15", T("2024-01-12"), 12.5, "Cancelled", "cancelled_order"),  # a copy of a cancelled row: cancelled first
    ("C2", "o16", T("2024-01-13 23:59"), 8.0, " PAID", None),
]


@pytest.fixture
def raw() -> pd.DataFrame:
    frame = pd.DataFrame(ROWS, columns=["customer_id", "order_id", "order_date", "amount", "status", "expected"])
    frame["raw_row"] = np.arange(1, len(frame) + 1)
    return frame.drop(columns="expected")


def hand_counts() -> dict[str, int]:
    counts: dict[str, int] = {}
    for *_, expected in ROWS:
        if expected not in (None, "fixed"):
            counts[expected] = counts.get(expected, 0) + 1
    return counts


def test_sql_ledger_equals_the_pandas_ledger_and_the_hand_counts(raw):
    kw = {"exported_at": EXPORTED, "period_end_exclusive": PERIOD_END}
    pandas_result = clean_transactions(raw, CleaningSettings(), **kw)
    sql = warehouse_cleaning(ibis.memtable(raw), CleaningSettings(), sample=5, **kw)
    pd.testing.assert_frame_equal(sql.ledger, pandas_result.rule_counts())
    pd.testing.assert_frame_equal(sql.summary, pandas_result.summary())
    rows = sql.ledger.set_index("rule")["rows"]
    hand = hand_counts()
    for rule, outcome, _ in RULES:
        if outcome == "excluded":
            assert rows[rule] == hand.get(rule, 0), rule
    assert rows["id_normalized"] == 1
    by_outcome = sql.summary.set_index("outcome")["rows"]
    assert by_outcome.to_dict() == {"raw": 17, "kept": 3, "fixed": 1, "excluded": 13}
    assert by_outcome["raw"] == by_outcome["kept"] + by_outcome["fixed"] + by_outcome["excluded"]
    assert len(sql.quarantine) == 5 and sql.quarantine.columns[0] == "reason"  # the sample is limited
    clean = sql.clean.to_pandas().sort_values("raw_row", ignore_index=True)
    assert clean["customer_id"].tolist() == ["C1", "C1", "C2", "C2"]
    assert clean["raw_row"].tolist() == pandas_result.clean.sort_values("raw_row")["raw_row"].tolist()


def test_without_exported_at_rows_after_the_write_day_are_in_the_future(raw):
    sql = warehouse_cleaning(ibis.memtable(raw), written_at=dt.date(2024, 1, 9))
    rows = sql.ledger.set_index("rule")["rows"]
    pandas_rows = clean_transactions(raw, written_at=dt.date(2024, 1, 9)).rule_counts().set_index("rule")["rows"]
    # the 10th, 11th and 13th, March, 2030; the two cancelled rows of the 12th are cancelled first
    assert rows["dated_in_future"] == pandas_rows["dated_in_future"] == 5
    pd.testing.assert_series_equal(rows, pandas_rows)


def test_refund_rows_are_refused_with_the_fix(raw):
    refund = raw.iloc[[0]].assign(status="refunded", amount=-10.0, raw_row=99)
    with pytest.raises(DataError, match=r"1 refund rows must be matched.*sources\.transactions\.path"):
        warehouse_cleaning(ibis.memtable(pd.concat([raw, refund], ignore_index=True)))
