"""The customer × item matrices the recommendations are scored and evaluated on.

An *item* is a product (``product_id``) when the transactions have product IDs,
otherwise a category (``recommendations.item``). A customer bought an item on a
purchase occasion (:mod:`repurchase.core.occasions`): several lines of one item
in one occasion count once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from repurchase.core.errors import InsufficientData
from repurchase.core.occasions import assign_occasions

__all__ = ["Interactions", "interactions", "item_column"]


def item_column(tx: pd.DataFrame, item: str = "auto") -> str:
    """The column that names an item: ``product_id`` (or ``category`` without products).

    Raises
    ------
    InsufficientData
        When the transactions have neither products nor categories.
    """
    has_products = "product_id" in tx and bool(tx["product_id"].notna().any())
    if item in ("auto", "product") and has_products:
        return "product_id"
    if item in ("auto", "category") and "category" in tx and tx["category"].notna().any():
        return "category"
    raise InsufficientData(
        "recommendations need a product_id or category column: map one in sources.transactions.columns"
    )


@dataclass
class Interactions:
    """Who bought which item when, up to a cutoff, with the item and customer codes shared by all matrices.

    Attributes
    ----------
    events
        One row per (customer, item, occasion): ``customer``, ``item`` (codes),
        ``date`` (normalized to the day).
    customers
        Customer IDs by code.
    items
        Item keys by code, with ``name`` and ``category`` columns.
    """

    events: pd.DataFrame
    customers: pd.Index
    items: pd.DataFrame

    @property
    def n_customers(self) -> int:
        """Number of customers (rows of the matrices)."""
        return len(self.customers)

    @property
    def n_items(self) -> int:
        """Number of items (columns of the matrices)."""
        return len(self.items)

    def before(self, cutoff: pd.Timestamp) -> pd.DataFrame:
        """Events dated before ``cutoff``."""
        return self.events[self.events["date"] < cutoff]

    def between(self, start: pd.Timestamp, end_exclusive: pd.Timestamp) -> pd.DataFrame:
        """Events dated in ``[start, end_exclusive)``."""
        d = self.events["date"]
        return self.events[(d >= start) & (d < end_exclusive)]

    def matrix(self, events: pd.DataFrame, weights: np.ndarray | None = None) -> sp.csr_matrix:
        """Customer × item CSR matrix of ``events`` (occasion counts, or summed ``weights``)."""
        w = np.ones(len(events)) if weights is None else weights
        m = sp.coo_matrix(
            (w, (events["customer"].to_numpy(), events["item"].to_numpy())), shape=(self.n_customers, self.n_items)
        )
        return m.tocsr()


def interactions(
    tx: pd.DataFrame, *, item: str = "auto", occasion: str = "customer_day", end: pd.Timestamp | None = None
) -> Interactions:
    """Customer × item purchase events of the cleaned transactions (up to ``end``, inclusive of its day).

    Parameters
    ----------
    tx
        Cleaned transactions (``customer_id``, ``order_date``, a product or category column).
    item
        ``auto`` (products when there are product IDs, else categories), ``product`` or ``category``.
    occasion
        The purchase occasion (``repurchase.occasion``).
    end
        Last day to include; None for all rows.
    """
    col = item_column(tx, item)
    if end is not None:
        tx = tx[tx["order_date"] < end.normalize() + pd.Timedelta(days=1)]
    tx = tx[tx[col].notna()]
    if tx.empty:
        raise InsufficientData("no purchases with a product or category to recommend from")
    occ = assign_occasions(tx, occasion)
    cust_codes, cust = pd.factorize(tx["customer_id"])
    item_codes, keys = pd.factorize(tx[col])
    ev = pd.DataFrame(
        {
            "customer": cust_codes,
            "item": item_codes,
            "occasion": occ.to_numpy(),
            "date": tx["order_date"].dt.normalize().to_numpy(),
        }
    )
    ev = ev.groupby(["customer", "item", "occasion"], sort=False, as_index=False)["date"].min()
    items = pd.DataFrame({"item": keys})
    first = pd.Series(np.arange(len(tx)), index=tx.index).groupby(item_codes).first().to_numpy()
    rows = tx.iloc[first]
    names = rows["product_name"] if (col == "product_id" and "product_name" in tx) else rows[col]
    items["name"] = names.fillna(rows[col]).astype(str).to_numpy()
    items["category"] = rows["category"].astype(str).to_numpy() if "category" in tx else items["name"]
    return Interactions(events=ev[["customer", "item", "occasion", "date"]], customers=pd.Index(cust), items=items)
