"""Profile of the data: headline figures, blank values per column, how amounts are distributed.

The tables of the "data profile" part of the cleaning report, computed from the
cleaned transactions (or, for :func:`missing_values`, from the raw rows), so the
report needs no cleaned data of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from repurchase.cleaning.parsing import TEXT

__all__ = [
    "DataProfile",
    "amount_distribution",
    "amount_histogram",
    "amount_median",
    "missing_values",
    "profile_transactions",
    "weekly_revenue",
]


@dataclass
class DataProfile:
    """Headline figures of the cleaned transactions.

    Attributes
    ----------
    first_date, last_date
        First and last order day (ISO date), None without rows.
    rows
        Order lines.
    customers, orders
        Distinct customer and order IDs.
    revenue
        Sum of the (net) amounts.
    refunded
        Sum of the refunds netted from the amounts; None when the data has no
        ``refund_amount`` column.
    """

    first_date: str | None
    last_date: str | None
    rows: int
    customers: int
    orders: int
    revenue: float
    refunded: float | None = None

    @classmethod
    def of(
        cls,
        clean: pd.DataFrame,
        *,
        customer_col: str = "customer_id",
        order_col: str = "order_id",
        date_col: str = "order_date",
        amount_col: str = "amount",
    ) -> DataProfile:
        """The profile of cleaned transactions."""
        dates = clean[date_col]
        return cls(
            first_date=dates.min().date().isoformat() if len(clean) else None,
            last_date=dates.max().date().isoformat() if len(clean) else None,
            rows=len(clean),
            customers=int(clean[customer_col].nunique()),
            orders=int(clean[order_col].nunique()),
            revenue=float(clean[amount_col].sum()),
            refunded=float(clean["refund_amount"].sum()) if "refund_amount" in clean else None,
        )

    def table(self) -> pd.DataFrame:
        """The profile as a tidy ``metric``/``value`` table (``refunded`` only when known)."""
        rows: list[tuple[str, object]] = [
            ("first_date", self.first_date),
            ("last_date", self.last_date),
            ("rows", self.rows),
            ("customers", self.customers),
            ("orders", self.orders),
            ("revenue", self.revenue),
        ]
        if self.refunded is not None:
            rows.append(("refunded", self.refunded))
        return pd.DataFrame(rows, columns=["metric", "value"])


def profile_transactions(
    clean: pd.DataFrame,
    *,
    customer_col: str = "customer_id",
    order_col: str = "order_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Headline profile of cleaned transactions as a tidy ``metric``/``value`` table."""
    return DataProfile.of(
        clean, customer_col=customer_col, order_col=order_col, date_col=date_col, amount_col=amount_col
    ).table()


def missing_values(raw: pd.DataFrame) -> pd.DataFrame:
    """Blank or missing values per source column: ``column``, ``missing``, ``share``."""
    cols = [c for c in raw.columns if c != "raw_row"]
    blank = {c: int((raw[c].isna() | raw[c].astype(TEXT).str.strip().eq("")).sum()) for c in cols}
    out = pd.DataFrame({"column": list(blank), "missing": list(blank.values())})
    out["share"] = out["missing"] / max(len(raw), 1)
    return out


def amount_distribution(
    clean: pd.DataFrame,
    amount_col: str = "amount",
    quantiles: tuple[float, ...] = (0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99),
) -> pd.DataFrame:
    """Quantiles of order-line amounts: ``quantile``, ``amount``."""
    q = clean[amount_col].quantile(list(quantiles))
    return pd.DataFrame({"quantile": q.index.astype(float), "amount": q.to_numpy()})


def amount_histogram(clean: pd.DataFrame, amount_col: str = "amount", bins: int = 50) -> pd.DataFrame:
    """Histogram of the positive order-line amounts in ``bins`` bins of equal width on a log scale.

    Returns
    -------
    pandas.DataFrame
        One row per bin: ``left`` and ``right`` edges (amounts) and ``count`` of
        order lines; empty without positive amounts.
    """
    values = clean[amount_col].to_numpy(dtype="float64")
    logs = np.log10(values[values > 0])
    if logs.size == 0:
        empty = pd.Series(dtype="float64")
        return pd.DataFrame({"left": empty, "right": empty, "count": pd.Series(dtype="int64")})
    edges = np.histogram_bin_edges(logs, bins)
    counts, _ = np.histogram(logs, edges)
    return pd.DataFrame({"left": 10.0 ** edges[:-1], "right": 10.0 ** edges[1:], "count": counts.astype("int64")})


def amount_median(clean: pd.DataFrame, amount_col: str = "amount") -> float | None:
    """Median of the positive order-line amounts (None without any)."""
    values = clean[amount_col][clean[amount_col] > 0]
    return float(np.median(values)) if len(values) else None


def weekly_revenue(clean: pd.DataFrame, date_col: str = "order_date", amount_col: str = "amount") -> pd.DataFrame:
    """Revenue per calendar week (weeks end on Sunday): ``week`` (its last day), ``revenue``."""
    weekly = clean.set_index(date_col)[amount_col].resample("W").sum()
    return pd.DataFrame({"week": weekly.index, "revenue": weekly.to_numpy()})
