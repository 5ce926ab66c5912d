"""The recommenders: two baselines, the customer's repeat items, item-item co-occurrence, and their blend.

Each method is one class with ``fit(train, cutoff)`` and ``scores(rows)`` (a dense
customers × items block); :func:`top_k` turns scores into ranked lists.

* :class:`Bestsellers` (baseline): the items with the most buyers in the 90 days
  before the cutoff, the same list for everyone.
* :class:`OwnItems` (baseline): the customer's own most-bought items (occasions),
  the most recent first among ties, filled up with best-sellers.
* :class:`RepeatItems`: the customer's items weighted by recency and frequency
  (each occasion counts ``0.5 ** (age / half-life)``), times the share of the
  item's category buyers who bought that category again: durables, which few buy
  twice, sink.
* :class:`ItemItem`: item-item neighbours from ``implicit`` (BM25 or cosine,
  chosen on a time split): items bought by customers who bought the
  customer's items.
* :class:`Blend`: repeat items + ``weight`` × item-item, each scaled to the
  customer's best item; the weight is chosen on a time split.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from repurchase.recommendations.data import Interactions

__all__ = [
    "METHODS",
    "SIMILARITIES",
    "Bestsellers",
    "Blend",
    "ItemItem",
    "OwnItems",
    "Recommender",
    "RepeatItems",
    "top_k",
]

#: Tie-breaking weight of the best-seller score inside the personal methods.
_FILL = 1e-6


@dataclass
class Recommender:
    """Base class: ``fit`` on the events before a cutoff, then ``scores`` for blocks of customers."""

    name: str = "base"
    data: Interactions | None = field(default=None, repr=False)
    cutoff: pd.Timestamp | None = None

    def fit(self, data: Interactions, train: pd.DataFrame, cutoff: pd.Timestamp) -> Recommender:
        """Learn from ``train`` (events before ``cutoff``) of ``data``."""
        self.data, self.cutoff = data, cutoff
        self._popularity = _popularity(data, train, cutoff)
        self._fit(data, train, cutoff)
        return self

    def _fit(self, data: Interactions, train: pd.DataFrame, cutoff: pd.Timestamp) -> None:
        """Method-specific fitting."""

    def scores(self, rows: np.ndarray) -> np.ndarray:
        """Scores of every item for the customers ``rows`` (codes), higher is better."""
        raise NotImplementedError


def _popularity(data: Interactions, train: pd.DataFrame, cutoff: pd.Timestamp, days: int = 90) -> np.ndarray:
    """Distinct buyers per item in the ``days`` before the cutoff (all training data when that is empty)."""
    recent = train[train["date"] >= cutoff - pd.Timedelta(days=days)]
    use = recent if len(recent) else train
    pairs = use.drop_duplicates(["customer", "item"])
    pop = np.bincount(pairs["item"].to_numpy(), minlength=data.n_items).astype(float)
    return pop / max(pop.max(), 1.0)


def _row_scaled(m: np.ndarray) -> np.ndarray:
    """Each row divided by its maximum (rows of zeros stay zero)."""
    top = m.max(axis=1, keepdims=True)
    return np.divide(m, top, out=np.zeros_like(m), where=top > 0)


class Bestsellers(Recommender):
    """Baseline: the same best-sellers for every customer."""

    def __init__(self) -> None:
        super().__init__(name="bestsellers")

    def scores(self, rows: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self._popularity, (len(rows), len(self._popularity))).copy()


class OwnItems(Recommender):
    """Baseline: the customer's own most-bought items, the most recent first among ties, then best-sellers."""

    def __init__(self) -> None:
        super().__init__(name="own_items")

    def _fit(self, data: Interactions, train: pd.DataFrame, cutoff: pd.Timestamp) -> None:
        age = (cutoff - train["date"]).dt.days.to_numpy(dtype=float)
        self._counts = data.matrix(train)
        self._recent = data.matrix(train, weights=1e-4 / (1.0 + age))  # tie-break only

    def scores(self, rows: np.ndarray) -> np.ndarray:
        own = (self._counts[rows] + self._recent[rows]).toarray()
        return own + _FILL * self._popularity


def category_repeat_rate(data: Interactions, train: pd.DataFrame) -> np.ndarray:
    """Per item: the share of its category's buyers who bought the category on two or more occasions."""
    cat_codes, _ = pd.factorize(data.items["category"])
    ev = pd.DataFrame({"customer": train["customer"].to_numpy(), "cat": cat_codes[train["item"].to_numpy()]})
    ev["occasion"] = train["occasion"].to_numpy()
    per = ev.drop_duplicates().groupby(["cat", "customer"]).size()
    rate = (per >= 2).groupby(level="cat").mean()
    out = rate.reindex(range(cat_codes.max() + 1), fill_value=0.0).to_numpy()
    return out[cat_codes]


class RepeatItems(Recommender):
    """The customer's items by recency-weighted frequency, times their category's repurchase rate."""

    def __init__(self, half_life_days: float = 90.0) -> None:
        super().__init__(name="repeat_items")
        self.half_life_days = half_life_days

    def _fit(self, data: Interactions, train: pd.DataFrame, cutoff: pd.Timestamp) -> None:
        age = (cutoff - train["date"]).dt.days.to_numpy(dtype=float)
        self._weights = data.matrix(train, weights=0.5 ** (age / self.half_life_days))
        self.repeat_rate = category_repeat_rate(data, train)

    def scores(self, rows: np.ndarray) -> np.ndarray:
        return self._weights[rows].toarray() * self.repeat_rate + _FILL * self._popularity


#: Item-item similarities of ``implicit`` the split may choose from.
SIMILARITIES: tuple[str, ...] = ("bm25", "cosine")


class ItemItem(Recommender):
    """Items bought by the buyers of the customer's items (item-item neighbours from ``implicit``).

    ``kind`` is ``bm25`` (:class:`~implicit.nearest_neighbours.BM25Recommender`) or
    ``cosine`` (:class:`~implicit.nearest_neighbours.CosineRecommender`, which
    discounts popular items more).
    """

    def __init__(self, neighbours: int = 50, kind: str = "bm25") -> None:
        super().__init__(name="item_item")
        if kind not in SIMILARITIES:
            raise ValueError(f"unknown item-item similarity {kind!r}; use one of {', '.join(SIMILARITIES)}")
        self.neighbours = neighbours
        self.kind = kind

    def _fit(self, data: Interactions, train: pd.DataFrame, cutoff: pd.Timestamp) -> None:
        from implicit.nearest_neighbours import BM25Recommender, CosineRecommender

        bought = data.matrix(train)
        bought.data = np.ones_like(bought.data)
        self._bought = bought.tocsr()
        cls = BM25Recommender if self.kind == "bm25" else CosineRecommender
        model = cls(K=self.neighbours)
        with warnings.catch_warnings():  # implicit warns about its own internal COO -> CSR conversion
            warnings.filterwarnings("ignore", message="Method expects CSR input")
            model.fit(self._bought, show_progress=False)
        sim = sp.csr_matrix(model.similarity, dtype=float)
        sim.setdiag(0.0)  # an item is not its own partner
        sim.eliminate_zeros()
        self.similarity = sim

    def scores(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray((self._bought[rows] @ self.similarity).todense()) + _FILL * self._popularity


class Blend(Recommender):
    """Repeat items + ``weight`` × item-item, each scaled to the customer's best item."""

    def __init__(
        self, weight: float = 0.5, half_life_days: float = 90.0, neighbours: int = 50, kind: str = "bm25"
    ) -> None:
        super().__init__(name="blend")
        self.weight = weight
        self.repeat = RepeatItems(half_life_days)
        self.item_item = ItemItem(neighbours, kind)

    def _fit(self, data: Interactions, train: pd.DataFrame, cutoff: pd.Timestamp) -> None:
        self.repeat.fit(data, train, cutoff)
        self.item_item.fit(data, train, cutoff)

    def parts(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The scaled repeat and item-item scores of ``rows``."""
        return _row_scaled(self.repeat.scores(rows)), _row_scaled(self.item_item.scores(rows))

    def scores(self, rows: np.ndarray) -> np.ndarray:
        rep, ii = self.parts(rows)
        return rep + self.weight * ii + _FILL * self._popularity


#: Method name -> class (the report's names).
METHODS: dict[str, type[Recommender]] = {
    "bestsellers": Bestsellers,
    "own_items": OwnItems,
    "repeat_items": RepeatItems,
    "item_item": ItemItem,
    "blend": Blend,
}


def top_k(model: Recommender, rows: np.ndarray, k: int, block: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best items (codes, best first) and their scores for each customer in ``rows``.

    Works through ``rows`` in blocks so the dense score matrix stays small.
    """
    n_items = model.data.n_items if model.data is not None else 0
    k = min(k, n_items)
    items = np.empty((len(rows), k), dtype=np.int64)
    scores = np.empty((len(rows), k))
    for start in range(0, len(rows), block):
        s = model.scores(rows[start : start + block])
        part = np.argpartition(-s, k - 1, axis=1)[:, :k] if k < n_items else np.tile(np.arange(n_items), (len(s), 1))
        vals = np.take_along_axis(s, part, axis=1)
        order = np.argsort(-vals, axis=1, kind="stable")
        items[start : start + block] = np.take_along_axis(part, order, axis=1)
        scores[start : start + block] = np.take_along_axis(vals, order, axis=1)
    return items, scores
