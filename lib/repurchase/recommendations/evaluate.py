"""Honest evaluation on a time split: hit rate, precision, recall and NDCG at k, repeat and new items apart.

Train on the purchases before a cutoff, test on the items each customer bought in
the window after it (never a random split). A customer is evaluated when they
bought before the cutoff and in the test window. *Repeat* items are test items the
customer had bought before the cutoff, *new* items the others.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from repurchase.recommendations.data import Interactions
from repurchase.recommendations.methods import Recommender, top_k

__all__ = ["Split", "bootstrap_difference", "evaluate", "per_customer_metrics", "summarise"]


@dataclass(frozen=True)
class Split:
    """A time split: train before ``cutoff``, test on ``[cutoff, end_exclusive)``."""

    cutoff: pd.Timestamp
    end_exclusive: pd.Timestamp

    def parts(self, data: Interactions) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
        """Training events, test events and the codes of the customers evaluated."""
        train = data.before(self.cutoff)
        test = data.between(self.cutoff, self.end_exclusive)
        rows = np.intersect1d(train["customer"].unique(), test["customer"].unique())
        return train, test, rows


def per_customer_metrics(
    recommended: np.ndarray, test: sp.csr_matrix, seen: sp.csr_matrix, rows: np.ndarray, k: int
) -> pd.DataFrame:
    """Per evaluated customer: hit, precision, recall and NDCG at k, and the hit on repeat / new items.

    Parameters
    ----------
    recommended
        Item codes, one row of ``k`` per customer in ``rows``, best first.
    test, seen
        Customer × item matrices (non-zero = bought) of the test window and of the training period.
    rows
        Customer codes of the rows of ``recommended``.
    k
        The list length asked for (precision divides by it; a catalogue with fewer items gives shorter lists).
    """
    r = rows[:, None]
    truth = (np.asarray(test[r, recommended].todense()) > 0) if len(rows) else np.zeros((0, k), bool)
    was_seen = (np.asarray(seen[r, recommended].todense()) > 0) if len(rows) else np.zeros((0, k), bool)
    t = test[rows]
    t.data = np.ones_like(t.data)
    n_true = np.asarray(t.sum(axis=1)).ravel()
    s = seen[rows]
    s.data = np.ones_like(s.data)
    n_repeat = np.asarray(t.multiply(s).sum(axis=1)).ravel()
    hits = truth.sum(axis=1)
    listed = truth.shape[1]  # fewer than k when the catalogue has fewer items
    discount = 1.0 / np.log2(np.arange(2, listed + 2))
    dcg = (truth * discount).sum(axis=1)
    ideal = np.cumsum(discount)[np.minimum(n_true, listed).astype(int) - 1]
    return pd.DataFrame(
        {
            "hit": (hits > 0).astype(float),
            "precision": hits / k,
            "recall": hits / np.maximum(n_true, 1),
            "ndcg": dcg / ideal,
            "hit_repeat": np.where(n_repeat > 0, (truth & was_seen).any(axis=1), np.nan),
            "hit_new": np.where(n_true - n_repeat > 0, (truth & ~was_seen).any(axis=1), np.nan),
        }
    )


def evaluate(model: Recommender, data: Interactions, split: Split, k: int) -> tuple[pd.DataFrame, np.ndarray] | None:
    """Fit ``model`` on the training part of ``split`` and score its top-k lists on the test part.

    Returns the per-customer metrics and the customer codes, or None when nobody can be evaluated.
    """
    train, test, rows = split.parts(data)
    if len(rows) == 0:
        return None
    model.fit(data, train, split.cutoff)
    rec, _ = top_k(model, rows, k)
    return per_customer_metrics(rec, data.matrix(test), data.matrix(train), rows, k), rows


def summarise(per: pd.DataFrame) -> dict[str, float]:
    """Mean of each metric (repeat / new hit rates among customers who bought such items)."""
    return {c: float(per[c].mean()) if per[c].notna().any() else float("nan") for c in per.columns}


def bootstrap_difference(
    a: np.ndarray, b: np.ndarray, *, level: float = 0.9, n_boot: int = 1000, seed: int = 0
) -> tuple[float, float, float]:
    """Mean of ``a - b`` (paired, per customer) and its percentile bootstrap interval."""
    d = np.asarray(a, float) - np.asarray(b, float)
    if len(d) == 0:
        return float("nan"), float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = np.empty(n_boot)
    chunk = max(1, 2_000_000 // len(d))
    for s in range(0, n_boot, chunk):
        m = min(chunk, n_boot - s)
        means[s : s + m] = d[rng.integers(0, len(d), size=(m, len(d)))].mean(axis=1)
    lo, hi = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return float(d.mean()), float(lo), float(hi)
