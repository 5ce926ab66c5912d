"""Simulated shops with known structure: planted co-purchase pairs and known replenishment cycles."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from recs_cases import lines  # noqa: E402


@pytest.fixture(scope="module")
def paired_shop() -> tuple[pd.DataFrame, dict[str, str]]:
    """2,000 customers, 40 items; items 2j and 2j+1 (j < 5) are partners bought in one basket 70% of the time."""
    rng = np.random.default_rng(7)
    n, n_items = 2000, 40
    pop = rng.dirichlet(np.full(n_items, 3.0))
    cust, day, item = [], [], []
    for _visit in range(4):  # four baskets per customer, vectorized over customers
        d = rng.integers(0, 360, n)
        first = rng.choice(n_items, n, p=pop)
        cust += [np.arange(n)]
        day += [d]
        item += [first]
        partner = np.where(first % 2 == 0, first + 1, first - 1)
        add = (first < 10) & (rng.random(n) < 0.7)
        cust += [np.arange(n)[add]]
        day += [d[add]]
        item += [partner[add]]
        noise = rng.random(n) < 0.3
        cust += [np.arange(n)[noise]]
        day += [d[noise]]
        item += [rng.choice(n_items, noise.sum(), p=pop)]
    tx = lines(np.concatenate(cust), np.concatenate(day), np.concatenate(item))
    partners = {str(i): str(i + 1 if i % 2 == 0 else i - 1) for i in range(10)}
    return tx, partners
