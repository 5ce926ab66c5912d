"""Purchase occasions: the one definition of "a purchase" that every analysis counts.

``repurchase.occasion`` in params chooses it:

* ``customer_day`` (default, lifetimes' convention and the common B2C choice):
  all lines of a customer on one calendar day are one occasion, their amounts
  added; several orders on one day count once;
* ``order``: each order is one occasion, dated by its first line (needs an
  ``order_id`` column).

:func:`purchase_occasions` gives one row per occasion (for the KPIs, cohorts,
segments and churn), :func:`occasion_arrays` the same occasions as numpy arrays
(for the lifetime-value summary, at scale).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from repurchase.core.errors import AnalysisError, DataError

__all__ = [
    "MICRO",
    "OCCASIONS",
    "OccasionArrays",
    "assign_occasions",
    "money_units",
    "occasion_arrays",
    "purchase_occasions",
    "require_columns",
]

#: The occasion definitions ``repurchase.occasion`` accepts.
OCCASIONS = ("customer_day", "order")

#: Money is summed in integer micro-units when the amounts allow it (cleaned amounts have at most 6 decimals), so
#: a sum is exact and the same on every engine (pandas, DuckDB, Spark) whatever the order of the additions.
MICRO = 1_000_000
_MICRO_TOLERANCE = 1e-2  # of a micro-unit: far above float error, far below a real 7th decimal


def money_units(values: Any) -> tuple[np.ndarray, int]:
    """Amounts as exact int64 micro-units and :data:`MICRO`, or as the floats themselves and 1.

    Micro-units when every amount is a whole number of them (at most 6 decimals,
    as the cleaning rounds them; occasion sums of such amounts too): sums of the
    units divided by the scale are then exact and equal to the SQL side's
    (:func:`repurchase.warehouse.micro`). Other amounts (raw floats) are summed
    as floats, as before.
    """
    amounts = np.asarray(values, dtype="float64")
    scaled = amounts * MICRO
    units = np.rint(scaled)
    if len(units) and not (np.abs(scaled - units) <= _MICRO_TOLERANCE).all():
        return amounts, 1
    return units.astype(np.int64), MICRO


def require_columns(tx: pd.DataFrame, cols: Iterable[str], what: str) -> None:
    """Raise a :class:`DataError` naming the columns ``what`` needs and ``tx`` lacks."""
    missing = [c for c in cols if c not in tx.columns]
    if missing:
        raise DataError(
            f"{what} needs the column(s) {', '.join(missing)}; pass the right column names or map them in "
            "sources.transactions.columns"
        )


def _occasion_codes(
    tx: pd.DataFrame, occasion: str, customer_col: str, order_col: str, date_col: str
) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """Occasion ID of every line, the customer code of every line, and the customer IDs by code.

    Occasion IDs are ordered by customer code (order of first appearance) and then
    by time, so a customer's occasions are consecutive and chronological.
    """
    require_columns(tx, [customer_col, date_col], "purchase occasions")
    codes, uniques = pd.factorize(tx[customer_col])
    if (codes < 0).any():
        raise DataError(f"blank {customer_col} values: clean the transactions first (repurchase.cleaning)")
    codes = codes.astype("int64")
    if len(codes) == 0:
        return codes, codes, pd.Index(uniques)
    if occasion == "customer_day":
        day = tx[date_col].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype("int64")
        lo = day.min()
        key = codes * (day.max() - lo + 1) + (day - lo)
        ids = np.unique(key, return_inverse=True)[1]
    elif occasion == "order":
        if order_col not in tx.columns:
            raise AnalysisError(
                "repurchase.occasion is 'order' but the transactions have no order column; "
                "map sources.transactions.columns.order_id or set repurchase.occasion: customer_day"
            )
        order = pd.factorize(tx[order_col])[0].astype("int64")
        pair = codes * (order.max() + 1) + order
        _, first_row, inverse = np.unique(pair, return_index=True, return_inverse=True)
        t = tx[date_col].to_numpy(dtype="datetime64[ns]").astype("int64")
        start = pd.Series(t).groupby(inverse).min().to_numpy()
        rank = np.empty(len(first_row), dtype="int64")
        rank[np.lexsort((order[first_row], start, codes[first_row]))] = np.arange(len(first_row))
        ids = rank[inverse]
    else:
        raise AnalysisError(f"unknown occasion {occasion!r}; use 'customer_day' or 'order' (repurchase.occasion)")
    return ids.astype("int64").ravel(), codes, pd.Index(uniques)


def assign_occasions(
    tx: pd.DataFrame,
    occasion: str = "customer_day",
    *,
    customer_col: str = "customer_id",
    order_col: str = "order_id",
    date_col: str = "order_date",
) -> pd.Series:
    """The purchase occasion of every line, as an int64 ID aligned with ``tx``.

    IDs run customer by customer, and within a customer in time order, so
    sorting by ID sorts each customer's occasions chronologically.

    Parameters
    ----------
    tx
        Cleaned transactions.
    occasion
        ``customer_day``: all lines of a customer on one calendar day are one
        occasion; ``order``: each order is one occasion (dated by its first line).
    customer_col, order_col, date_col
        Column names.

    Raises
    ------
    AnalysisError
        For an unknown ``occasion`` or ``order`` without an order column.
    """
    ids = _occasion_codes(tx, occasion, customer_col, order_col, date_col)[0]
    return pd.Series(ids, index=tx.index, name="occasion_id")


def _build_occasions(
    tx: pd.DataFrame,
    ids: np.ndarray,
    codes: np.ndarray,
    uniques: pd.Index,
    *,
    order_col: str,
    date_col: str,
    amount_col: str,
    refund_col: str,
) -> pd.DataFrame:
    n = int(ids.max()) + 1 if len(ids) else 0
    lines = np.bincount(ids, minlength=n).astype("int64")
    amount = np.bincount(ids, weights=tx[amount_col].to_numpy(dtype="float64"), minlength=n)
    refund = (
        np.bincount(ids, weights=tx[refund_col].to_numpy(dtype="float64"), minlength=n)
        if refund_col in tx.columns
        else np.zeros(n)
    )
    t = tx[date_col].to_numpy(dtype="datetime64[ns]")
    time = pd.Series(t.astype("int64")).groupby(ids).min().to_numpy().astype("datetime64[ns]")
    cust = np.empty(n, dtype="int64")
    cust[ids] = codes
    if order_col in tx.columns:
        orders = np.ones(n, dtype="int64")
        multi = lines[ids] > 1  # only occasions with several lines can hold several orders
        if multi.any():
            sub = ids[multi]
            order = pd.factorize(tx[order_col].to_numpy()[multi])[0].astype("int64")
            pairs = np.unique(sub * (order.max() + 1) + order)
            counts = np.bincount(pairs // (order.max() + 1), minlength=n)
            orders = np.where(lines > 1, counts, 1).astype("int64")
    else:
        orders = lines
    day = time.astype("datetime64[D]")
    is_first = np.ones(n, dtype=bool)
    is_first[1:] = cust[1:] != cust[:-1]
    pos = np.arange(n)
    block_start = np.maximum.accumulate(np.where(is_first, pos, 0))
    day_int = day.astype("int64")
    gap = np.empty(n, dtype="float64")
    gap[0:1] = np.nan
    gap[1:] = (day_int[1:] - day_int[:-1]).astype("float64")
    gap[is_first] = np.nan
    occ = pd.DataFrame(
        {
            "customer_id": np.asarray(uniques.take(cust), dtype=object),
            "occasion_date": day.astype("datetime64[ns]"),
            "occasion_time": time,
            "month": day.astype("datetime64[M]").astype("datetime64[ns]"),
            "amount": amount,
            "refund_amount": refund,
            "orders": orders,
            "lines": lines,
            "occasion_no": (pos - block_start + 1).astype("int64"),
            "days_since_prev": gap,
            "first_date": day[block_start].astype("datetime64[ns]"),
        },
        index=pd.RangeIndex(n, name="occasion_id"),
    )
    return occ


def purchase_occasions(
    tx: pd.DataFrame,
    occasion: str = "customer_day",
    *,
    customer_col: str = "customer_id",
    order_col: str = "order_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
    refund_col: str = "refund_amount",
) -> pd.DataFrame:
    """One row per purchase occasion, customer by customer in time order.

    Parameters
    ----------
    tx
        Cleaned transactions (one row per order line).
    occasion
        ``customer_day`` (default) or ``order``; see :func:`assign_occasions`.

    Returns
    -------
    DataFrame
        Index ``occasion_id``; columns ``customer_id``, ``occasion_date`` (the
        calendar day), ``occasion_time`` (first line's time), ``month`` (first day of
        the month), ``amount`` (net revenue), ``refund_amount``, ``orders`` (distinct
        orders), ``lines``, ``occasion_no`` (1 for the customer's first occasion),
        ``days_since_prev`` (calendar days since the previous occasion; NaN for the
        first) and ``first_date`` (the customer's first occasion day). Each
        customer's occasions are consecutive rows; the other functions rely on
        that order, so filter this table only by time (or not at all).
    """
    require_columns(tx, [customer_col, date_col, amount_col], "purchase occasions")
    ids, codes, uniques = _occasion_codes(tx, occasion, customer_col, order_col, date_col)
    return _build_occasions(
        tx, ids, codes, uniques, order_col=order_col, date_col=date_col, amount_col=amount_col, refund_col=refund_col
    )


@dataclass(frozen=True)
class OccasionArrays:
    """Purchase occasions as arrays, sorted by customer code, then time.

    Attributes
    ----------
    ids
        Customer IDs by code.
    customer
        Customer code of each occasion.
    day
        Day of each occasion (days since 1970-01-01).
    amount
        Summed amount of each occasion.
    """

    ids: pd.Index
    customer: np.ndarray
    day: np.ndarray
    amount: np.ndarray


def occasion_arrays(
    tx: pd.DataFrame,
    occasion: str = "customer_day",
    *,
    customer_col: str = "customer_id",
    order_col: str = "order_id",
    date_col: str = "order_date",
    amount_col: str | None = "amount",
) -> OccasionArrays:
    """The purchase occasions of ``tx`` as :class:`OccasionArrays` (see :func:`purchase_occasions`).

    Customer codes follow the order of first appearance in ``tx`` (or the
    categories of a categorical ID column), occasions run customer by customer
    in time order.
    """
    require_columns(tx, [customer_col, date_col] + ([amount_col] if amount_col else []), "purchase occasions")
    ids_col = tx[customer_col]
    categorical = isinstance(ids_col.dtype, pd.CategoricalDtype)
    if len(tx) == 0:
        ids = pd.Index(ids_col.cat.categories) if categorical else pd.Index(pd.unique(ids_col.to_numpy()))
        e = np.empty(0, np.int64)
        return OccasionArrays(ids, e, e.copy(), np.empty(0))
    occ_ids, codes, uniques = _occasion_codes(tx, occasion, customer_col, order_col, date_col)
    if categorical:  # keep the categories' codes
        codes = ids_col.cat.codes.to_numpy().astype(np.int64)
        uniques = pd.Index(ids_col.cat.categories)
    n = int(occ_ids.max()) + 1
    day_of_line = tx[date_col].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)
    day = np.empty(n, dtype=np.int64)
    if occasion == "customer_day":
        day[occ_ids] = day_of_line  # all lines of a customer-day share its day
    else:
        day.fill(np.iinfo(np.int64).max)
        np.minimum.at(day, occ_ids, day_of_line)  # an order is dated by its first line
    cust = np.empty(n, dtype=np.int64)
    cust[occ_ids] = codes
    amount: np.ndarray
    if amount_col is None:
        amount = np.zeros(n)
    else:
        amount = np.bincount(occ_ids, weights=tx[amount_col].to_numpy(dtype="float64"), minlength=n)
    if not categorical:  # occasion IDs already run by customer code, then time
        return OccasionArrays(pd.Index(uniques), cust, day, amount)
    order = np.lexsort((day, cust))
    return OccasionArrays(pd.Index(uniques), cust[order], day[order], amount[order])
