"""Fixtures of the repurchase KPI tests: a hand-computed fixture and the CDNOW sample.

The fixture (report month 2024-03, end 2024-04-01) has five customers:

* A: same-day orders (two on 2024-03-05), a partial refund on 2024-03-20; first bought 2024-02-10.
* B: first purchase in the period (2024-03-15) and one at 23:59 on 2024-03-31; a row at
  2024-04-01 00:00 lies after the period and must be ignored.
* C: back after a long gap (2023-06-01 -> 2024-03-10, 283 days: reactivated).
* D: bought only in 2024-02 (two lines of one order).
* E: 2023-03-15, 2024-02-05 (327 days later), 2024-03-25.

Customer-day occasions, with the gap since the previous one (days):

    A  2024-02-10 (first)  2024-03-05 (24, orders A2+A3)  2024-03-20 (15)
    B  2024-03-15 (first)  2024-03-31 23:59 (16)
    C  2023-06-01 (first)  2024-03-10 (283)
    D  2024-02-20 (first)
    E  2023-03-15 (first)  2024-02-05 (327)  2024-03-25 (49)

The tests observe it through ``PERIOD = Period.from_label("2024-03")`` (exclusive end 2024-04-01).
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pandas as pd
import pytest

import repurchase
from repurchase.cleaning import datasets
from repurchase.core.occasions import purchase_occasions
from repurchase.core.periods import Period

ROOT = Path(__file__).resolve().parents[2]
END = pd.Timestamp("2024-04-01")


def fixture_transactions() -> pd.DataFrame:
    rows = [
        # customer, order, time, amount, refund, category, product
        ("A", "A1", "2024-02-10 10:00", 100.0, 0.0, "Coffee", "Beans"),
        ("A", "A2", "2024-03-05 09:00", 50.0, 0.0, "Coffee", "Beans"),
        ("A", "A3", "2024-03-05 18:00", 30.0, 0.0, "Snacks", "Chips"),
        ("A", "A4", "2024-03-20 12:00", 40.0, 10.0, "Coffee", "Capsules"),  # 50 paid, 10 refunded: net 40
        ("B", "B1", "2024-03-15 08:00", 200.0, 0.0, "Phone", "Phone X"),
        ("B", "B2", "2024-03-31 23:59", 20.0, 0.0, "Coffee", "Beans"),
        ("B", "B3", "2024-04-01 00:00", 999.0, 0.0, "Phone", "Phone X"),  # after the period
        ("C", "C1", "2023-06-01 12:00", 60.0, 0.0, "Coffee", "Beans"),
        ("C", "C2", "2024-03-10 12:00", 80.0, 0.0, "Phone", "Case"),
        ("D", "D1", "2024-02-20 12:00", 70.0, 0.0, "Phone", "Case"),
        ("D", "D1", "2024-02-20 12:00", 5.0, 0.0, "Snacks", "Chips"),
        ("E", "E0", "2023-03-15 12:00", 25.0, 0.0, "Coffee", "Beans"),
        ("E", "E1", "2024-02-05 12:00", 25.0, 0.0, "Snacks", "Chips"),
        ("E", "E2", "2024-03-25 12:00", 35.0, 0.0, "Coffee", "Capsules"),
    ]
    tx = pd.DataFrame(
        rows, columns=["customer_id", "order_id", "order_date", "amount", "refund_amount", "category", "product_name"]
    )
    tx["order_date"] = pd.to_datetime(tx["order_date"])
    tx["quantity"] = 1.0
    return tx


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    return fixture_transactions()


@pytest.fixture(scope="module")
def occ(tx) -> pd.DataFrame:
    return purchase_occasions(tx)


@pytest.fixture(scope="module")
def in_period(tx) -> pd.DataFrame:
    return tx[tx["order_date"] < END]


def _cdnow_file(name: str) -> Path:
    return Path(str(importlib.metadata.distribution("lifetimes").locate_file(f"lifetimes/datasets/{name}")))


@pytest.fixture(scope="session")
def cdnow_file():
    """The path of a file of the CDNOW dataset shipped with lifetimes (``CDNOW_master.txt`` …)."""
    return _cdnow_file


@pytest.fixture(scope="session")
def cdnow_tx() -> pd.DataFrame:
    params = repurchase.load_params(ROOT / "params" / "cdnow.yaml")
    return datasets.load_cleaning(params, Period.from_label("1998-06")).clean


@pytest.fixture(scope="session")
def cdnow_days() -> pd.DataFrame:
    """Distinct customer-days read straight from the file, independently of the library."""
    raw = pd.read_csv(_cdnow_file("CDNOW_sample.txt"), sep=r"\s+", header=None, dtype=str)
    return raw[[0, 2]].drop_duplicates().rename(columns={0: "customer", 2: "day"})
