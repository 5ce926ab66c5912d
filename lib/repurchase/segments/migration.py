"""Segment migration: each customer's segment at the previous period end against now.

Customers missing from the previous scoring are counted in the row ``(new)``
(:data:`repurchase.core.schemes.NEW`); those not scored now (possible with a
reference window) in the column ``(not scored)`` (:data:`~repurchase.core.schemes.NOT_SCORED`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from repurchase.core.schemes import NEW, NOT_SCORED

__all__ = ["biggest_flows", "migration_matrix", "stayed"]


def migration_matrix(previous: pd.Series, current: pd.Series, order: Sequence[str]) -> pd.DataFrame:
    """Customers by previous segment (rows) and current segment (columns).

    Parameters
    ----------
    previous, current
        Segment per customer ID (index). A customer missing from ``previous``
        is counted in the row ``(new)``; one missing from ``current`` (not
        scored now, possible with a reference window) in the column
        ``(not scored)``.
    order
        Segment order.

    Returns
    -------
    pandas.DataFrame
        Counts (int); the ``(new)`` row and ``(not scored)`` column appear only
        when non-empty.
    """
    both = pd.concat({"from": previous.astype(object), "to": current.astype(object)}, axis=1, join="outer")
    both["from"] = both["from"].fillna(NEW)
    both["to"] = both["to"].fillna(NOT_SCORED)
    counts = pd.crosstab(both["from"], both["to"])
    rows = list(order) + ([NEW] if NEW in counts.index else [])
    cols = list(order) + ([NOT_SCORED] if NOT_SCORED in counts.columns else [])
    counts = counts.reindex(index=rows, columns=cols, fill_value=0).astype(np.int64)
    counts.index.name, counts.columns.name = "previous", "current"
    return counts


def biggest_flows(counts: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """The largest moves between two different segments (new customers excluded).

    Parameters
    ----------
    counts
        :func:`migration_matrix` output.
    n
        How many moves.

    Returns
    -------
    pandas.DataFrame
        ``from_segment``, ``to_segment``, ``customers``, ``share_of_from`` (of
        the previous segment's customers), largest first.
    """
    long = counts.stack().rename("customers").reset_index()
    long.columns = ["from_segment", "to_segment", "customers"]
    row_totals = counts.sum(axis=1)
    long["share_of_from"] = long["customers"] / long["from_segment"].map(row_totals).where(lambda s: s > 0)
    keep = (long["from_segment"] != long["to_segment"]) & (long["from_segment"] != NEW) & (long["customers"] > 0)
    return long[keep].sort_values(["customers", "from_segment"], ascending=[False, True]).head(n).reset_index(drop=True)


def stayed(counts: pd.DataFrame, order: Sequence[str]) -> tuple[int, int]:
    """Customers who kept their segment, and customers scored at the previous period end.

    Parameters
    ----------
    counts
        :func:`migration_matrix` output.
    order
        The scheme's segments.

    Returns
    -------
    (stayed, previous)
        The diagonal's total, and every customer of a previous segment (the
        ``(new)`` row excluded).
    """
    kept = int(np.trace(counts.reindex(index=list(order), columns=list(order)).to_numpy()))
    previous = int(counts.drop(index=NEW, errors="ignore").to_numpy().sum())
    return kept, previous
