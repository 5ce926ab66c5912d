"""Shared fixtures of the cleaning tests: one hand-labelled row per rule, and its cleaning."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd
import pytest

from repurchase.cleaning import CleaningResult, clean_transactions
from repurchase.core.params import CleaningSettings


def _raw(rows: list[tuple]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["customer_id", "order_id", "product_id", "order_date", "amount", "status"])
    df["raw_row"] = range(1, len(df) + 1)
    return df


# one row per rule, hand-labelled with the outcome each must get
FIXTURE = _raw(
    [
        ("C1", "O1", "P1", "2026-01-01 10:00:00", "100", "paid"),  # 1 kept
        (" c1", "O2", "P1", "2026/1/5 23:59", "￥1,200.00", "paid"),  # 2 fixed: id, date format, amount text
        ("C2", "O3", "P2", "2026-01-10", "50", "paid"),  # 3 fixed: partially refunded by row 9 (50 - 20 = 30)
        ("", "O4", "P1", "2026-01-02", "10", "paid"),  # 4 excluded: missing_customer_id
        ("C3", "O5", "P3", "2026-01-03", "30", "paid"),  # 5 kept
        ("C3", "O5", "P3", "2026-01-03", "30", "paid"),  # 6 excluded: duplicate_row
        ("C4", "O6", "P1", "N/A", "5", "paid"),  # 7 excluded: unparseable_date
        ("C5", "O7", "P1", "2026-01-04", "0", "paid"),  # 8 excluded: zero_amount
        ("C2", "O3", "P2", "2026-01-12", "-20", "refund"),  # 9 excluded: refund_netted
        ("C6", "O8", "P1", "2026-01-06", "-15", "paid"),  # 10 excluded: negative_amount
        ("C7", "O9", "P1", "2026-01-07", "abc", "paid"),  # 11 excluded: unparseable_amount
        ("C8", "O10", "P1", "2026-01-08", "40", "cancelled"),  # 12 excluded: cancelled_order
        ("C9", "O11", "P1", "2026-02-01", "25", "paid"),  # 13 excluded: after_period_end (period ends 2026-01-31)
        ("C9", "O12", "P1", "2026-03-02", "25", "paid"),  # 14 excluded: dated_after_export (export 2026-03-01)
        ("C10", "O13", "P4", "2026-01-09", "60", "paid"),  # 15 excluded: fully_refunded by row 16
        ("C10", "O13", "P4", "2026-01-11", "-60", "refund"),  # 16 excluded: refund_netted
        ("C11", "O99", "P4", "2026-01-11", "-9", "refund"),  # 17 excluded: refund_unmatched
        ("C12", "O14", "P1", "2026-01-31 23:59:59", "70", "paid"),  # 18 kept: last second of the period
        ("C1", "O15", "P2", "2026-01-20", "80", "paid"),  # 19 excluded: refunded after the period end (row 20)...
        ("C1", "O15", "P2", "2026-02-03", "-80", "refund"),  # 20 excluded: after_period_end, so row 19 stays kept
    ]
)
EXPECTED = {
    1: ("kept", None),
    2: ("fixed", "id_normalized;date_format_normalized;amount_text_parsed"),
    3: ("fixed", "partially_refunded"),
    4: ("excluded", "missing_customer_id"),
    5: ("kept", None),
    6: ("excluded", "duplicate_row"),
    7: ("excluded", "unparseable_date"),
    8: ("excluded", "zero_amount"),
    9: ("excluded", "refund_netted"),
    10: ("excluded", "negative_amount"),
    11: ("excluded", "unparseable_amount"),
    12: ("excluded", "cancelled_order"),
    13: ("excluded", "after_period_end"),
    14: ("excluded", "dated_after_export"),
    15: ("excluded", "fully_refunded"),
    16: ("excluded", "refund_netted"),
    17: ("excluded", "refund_unmatched"),
    18: ("kept", None),
    19: ("kept", None),
    20: ("excluded", "after_period_end"),
}


@pytest.fixture(scope="session")
def make_raw() -> Callable[[list[tuple]], pd.DataFrame]:
    """Raw transaction rows (customer, order, product, date, amount, status) with their ``raw_row``."""
    return _raw


@pytest.fixture
def fixture_raw() -> pd.DataFrame:
    """One raw row per rule (:data:`FIXTURE`), hand-labelled in :data:`EXPECTED`."""
    return FIXTURE.copy()


@pytest.fixture
def expected() -> dict[int, tuple[str, str | None]]:
    """The outcome and reason each row of :data:`FIXTURE` must get."""
    return dict(EXPECTED)


@pytest.fixture
def result() -> CleaningResult:
    """:data:`FIXTURE` cleaned for a period ending 2026-01-31, exported 2026-03-01."""
    return clean_transactions(
        FIXTURE, CleaningSettings(), exported_at=dt.date(2026, 3, 1), period_end_exclusive=pd.Timestamp("2026-02-01")
    )
