"""Fixtures of the segmentation tests: five customers and a report period 2024-01.

Report period 2024-01 (as of 2024-02-01, last day 2024-01-31)::

    A: 2024-01-10 30; 2024-01-31 10:00 100 and 15:00 50 (same day) -> recency 0, F 2 days, spend 180
       (+ a row on 2024-02-01 00:00, after the period: ignored)
    B: 2024-01-21 20                                              -> recency 10, F 1, spend 20
    C: 2023-11-01, 2023-12-01, 2024-01-01, 200 each               -> recency 30, F 3, spend 600
    D: 2023-12-31 10                                              -> recency 31, F 1, spend 10
    E: 2023-06-30 2; 2023-07-30 3                                 -> recency 185, F 2, spend 5

``tier_tx`` adds F, who bought once in 2023-01, outside the rolling 12 months
[2023-02-01, 2024-02-01).
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest


def make_tx() -> pd.DataFrame:
    rows = [
        ("A", "A1", "2024-01-10 09:00", 30.0),
        ("A", "A2", "2024-01-31 10:00", 100.0),
        ("A", "A3", "2024-01-31 15:00", 50.0),
        ("A", "A4", "2024-02-01 00:00", 999.0),
        ("B", "B1", "2024-01-21 12:00", 20.0),
        ("C", "C1", "2023-11-01 08:00", 200.0),
        ("C", "C2", "2023-12-01 08:00", 200.0),
        ("C", "C3", "2024-01-01 08:00", 200.0),
        ("D", "D1", "2023-12-31 23:59", 10.0),
        ("E", "E1", "2023-06-30 10:00", 2.0),
        ("E", "E2", "2023-07-30 10:00", 3.0),
    ]
    tx = pd.DataFrame(rows, columns=["customer_id", "order_id", "order_date", "amount"])
    tx["order_date"] = pd.to_datetime(tx["order_date"])
    return tx


@pytest.fixture
def tx() -> pd.DataFrame:
    """The five customers' transactions (a fresh copy per test)."""
    return make_tx()


@pytest.fixture
def tier_tx() -> pd.DataFrame:
    """``tx`` plus customer F, who bought 1,000 on 2023-01-15 (outside the rolling 12 months)."""
    extra = pd.DataFrame(
        {"customer_id": ["F"], "order_id": ["F1"], "order_date": [pd.Timestamp("2023-01-15")], "amount": [1000.0]}
    )
    return pd.concat([make_tx(), extra], ignore_index=True)


@pytest.fixture
def seg_params(tmp_path: Path) -> Callable[[str], Path]:
    """Write a params file over ``tx`` with the given ``segmentation:`` section (YAML text); return its path."""

    def write(segmentation: str) -> Path:
        csv = tmp_path / "tx.csv"
        make_tx().to_csv(csv, index=False)
        p = tmp_path / "client.yaml"
        p.write_text(
            textwrap.dedent(
                f"""\
                client: test
                title: Test
                sources:
                  transactions:
                    path: {csv}
                    columns: {{customer_id: customer_id, order_id: order_id, order_date: order_date, amount: amount}}
                segmentation:
                """
            )
            + textwrap.indent(textwrap.dedent(segmentation), "  "),
            encoding="utf-8",
        )
        return p

    return write
