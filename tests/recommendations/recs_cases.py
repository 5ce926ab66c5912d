"""Shared builders of the recommendation tests: transaction lines in the cleaned layout."""

from __future__ import annotations

import numpy as np
import pandas as pd

START = pd.Timestamp("2025-01-01")


def lines(customer, day, item, amount=10.0) -> pd.DataFrame:
    """Transaction lines (one per item) in the cleaned layout."""
    n = len(np.atleast_1d(customer))
    return pd.DataFrame(
        {
            "customer_id": np.atleast_1d(customer).astype(str),
            "order_id": [f"O{i}" for i in range(n)],
            "order_date": START + pd.to_timedelta(np.atleast_1d(day), unit="D"),
            "amount": np.full(n, amount),
            "product_id": np.atleast_1d(item).astype(str),
            "product_name": np.char.add("item ", np.atleast_1d(item).astype(str)),
            "category": np.char.add("cat ", (np.atleast_1d(item) // 2).astype(str)),
        }
    )
