"""What brings customers back: first-purchase groups, bought together, refunds, products by buyer type.

A customer's first purchase is represented by the group (category, product …)
with the largest amount on their first occasion; the repurchase rate counts the
customers observed for the full window after it, with Wilson 95 % intervals.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from repurchase.cleaning import CleaningResult, normalize_ids, parse_amounts
from repurchase.core.occasions import assign_occasions, require_columns
from repurchase.core.params import CleaningSettings
from repurchase.core.periods import Window
from repurchase.core.proportions import wilson_interval
from repurchase.kpis._base import before, days_observed, observe, second_gap

__all__ = [
    "DRIVER_COLUMNS",
    "driver_columns",
    "first_purchase_groups",
    "products_by_buyer_type",
    "refund_rates",
    "refunded_lines",
    "repurchase_by_first_group",
    "wilson_interval",
]

#: the transaction columns the driver analyses use
DRIVER_COLUMNS: tuple[str, ...] = ("category", "product_name")


def driver_columns(tx: pd.DataFrame, columns: Sequence[str] = DRIVER_COLUMNS) -> list[str]:
    """The columns of ``columns`` the transactions have, with at least one value."""
    return [c for c in columns if c in tx.columns and bool(tx[c].notna().any())]


def first_purchase_groups(
    tx: pd.DataFrame,
    by: str = "category",
    *,
    occasion: str = "customer_day",
    customer_col: str = "customer_id",
    order_col: str = "order_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """The main group (category, product …) of each customer's first occasion.

    When the first occasion holds several groups, the one with the largest amount
    wins (ties: the first name alphabetically). Missing values count as
    ``"(unknown)"``.

    Returns
    -------
    DataFrame
        ``customer_id``, ``group``.
    """
    require_columns(tx, [by], "first-purchase groups")
    ids = assign_occasions(tx, occasion, customer_col=customer_col, order_col=order_col, date_col=date_col)
    codes, uniques = pd.factorize(tx[customer_col])
    first_id = ids.groupby(codes).transform("min").to_numpy()
    on_first = ids.to_numpy() == first_id
    group = tx[by].to_numpy(dtype=object)[on_first]
    group = np.where(pd.isna(group), "(unknown)", group).astype(str)
    gcodes, gnames = pd.factorize(group, sort=True)  # sorted: ties go to the first name alphabetically
    lines = pd.DataFrame({"c": codes[on_first], "g": gcodes, "amount": tx[amount_col].to_numpy()[on_first]})
    per = lines.groupby(["c", "g"], sort=False)["amount"].sum().reset_index()
    per = per.sort_values(["c", "amount", "g"], ascending=[True, False, True], kind="stable")
    per = per.drop_duplicates("c")
    return pd.DataFrame(
        {
            "customer_id": np.asarray(pd.Index(uniques).take(per["c"].to_numpy()), dtype=object),
            "group": np.asarray(gnames, dtype=object)[per["g"].to_numpy()],
        }
    )


def _eligible_customers(occ: pd.DataFrame, window: Window, window_days: int) -> pd.DataFrame:
    """Customers observed for ``window_days`` after their first occasion, with ``repeat`` within the window."""
    first, gap2 = second_gap(occ)
    n_occ = np.diff(np.r_[first, len(occ)])
    first_day = occ["occasion_date"].to_numpy()[first]
    keep = days_observed(first_day, window) >= window_days
    return pd.DataFrame(
        {
            "customer_id": occ["customer_id"].to_numpy()[first][keep],
            "repeat": (gap2 <= window_days)[keep],
            "occasions": n_occ[keep],
        }
    )


def repurchase_by_first_group(
    tx: pd.DataFrame,
    occ: pd.DataFrame,
    window: Window | None = None,
    *,
    by: str = "category",
    window_days: int = 90,
    min_customers: int = 30,
    top: int | None = None,
    occasion: str = "customer_day",
    customer_col: str = "customer_id",
    order_col: str = "order_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Repurchase rate within ``window_days`` by the group of the first purchase, with Wilson 95 % intervals.

    Only customers observed for the full window after their first occasion count.
    Groups with fewer than ``min_customers`` such customers, and beyond the ``top``
    groups with the most customers when ``top`` is given, are pooled into
    ``"(other)"``.

    Parameters
    ----------
    tx
        Cleaned transactions.
    occ
        Their :func:`~repurchase.core.occasions.purchase_occasions`.
    window
        The observation (the report period, or ``Window.ending(cutoff)``).

    Returns
    -------
    DataFrame
        ``group``, ``customers``, ``repeaters``, ``rate``, ``ci_low``, ``ci_high``,
        sorted by rate (highest first); empty when ``by`` is not a column.
    """
    cols = ["group", "customers", "repeaters", "rate", "ci_low", "ci_high"]
    if by not in tx.columns:
        return pd.DataFrame(columns=cols)
    occ, win = observe(occ, window)
    tx = before(tx, win, date_col)
    elig = _eligible_customers(occ, win, window_days)
    groups = first_purchase_groups(
        tx,
        by,
        occasion=occasion,
        customer_col=customer_col,
        order_col=order_col,
        date_col=date_col,
        amount_col=amount_col,
    )
    data = elig.merge(groups, on="customer_id", how="inner")
    per = data.groupby("group").agg(customers=("repeat", "size"), repeaters=("repeat", "sum"))
    small = per["customers"] < min_customers
    if top is not None:
        small |= per["customers"].rank(ascending=False, method="first") > top
    if small.any():
        other = per[small].sum()
        per = per[~small]
        if other["customers"] > 0:
            per.loc["(other)"] = other
    per = per.reset_index()
    per["rate"] = per["repeaters"] / per["customers"]
    per["ci_low"], per["ci_high"] = wilson_interval(per["repeaters"], per["customers"])
    per = per.sort_values(["rate", "customers"], ascending=[False, False]).reset_index(drop=True)
    return per[cols].astype({"customers": "int64", "repeaters": "int64"})


def refunded_lines(result: CleaningResult | None, settings: CleaningSettings | None = None) -> pd.DataFrame:
    """Order lines the cleaning excluded because they were refunded, with their gross amount.

    With ``refunds: net`` a fully refunded line is excluded (``fully_refunded``);
    with ``refunds: exclude`` every refunded line is (``refunded_order``). They are
    needed for refund rates, since the cleaned transactions no longer hold them.

    Parameters
    ----------
    result
        The transactions' :class:`~repurchase.cleaning.CleaningResult` (None: no
        refunded lines).
    settings
        The cleaning settings (ID case folding).

    Returns
    -------
    DataFrame
        The canonical columns present (``order_id``, ``product_id``,
        ``product_name``, ``category`` …) and ``amount`` (the gross line amount).
    """
    settings = settings or CleaningSettings()
    q = result.quarantine if result is not None else pd.DataFrame()
    if q.empty or "reason" not in q.columns:
        return pd.DataFrame(columns=["amount"])
    rows = q[q["reason"].isin(["fully_refunded", "refunded_order"])]
    out = pd.DataFrame(index=rows.index)
    for col in ("customer_id", "order_id", "product_id"):
        if col in rows.columns:
            out[col] = normalize_ids(rows[col], settings.id_case).astype(object)
    for col in ("product_name", "category", "channel", "region", "store"):
        if col in rows.columns:
            vals = rows[col].astype("string").str.strip()
            out[col] = vals.mask(vals == "").astype(object)
    out["amount"] = parse_amounts(rows["amount"])[0].abs().to_numpy() if "amount" in rows.columns else np.nan
    return out.reset_index(drop=True)


def refund_rates(
    tx: pd.DataFrame,
    by: str = "category",
    refunded: pd.DataFrame | None = None,
    *,
    min_lines: int = 30,
    top: int | None = None,
    amount_col: str = "amount",
    refund_col: str = "refund_amount",
) -> pd.DataFrame:
    """Refund (return) rates by group.

    A line is refunded when it carries a refund (``refund_amount`` > 0) or was
    excluded by the cleaning as refunded (``refunded``, from :func:`refunded_lines`,
    counted as refunded in full). Sales are gross of refunds.

    Returns
    -------
    DataFrame
        ``group``, ``lines``, ``refunded_lines``, ``line_refund_rate``, ``sales``,
        ``refunds`` and ``refund_rate`` (refunds ÷ sales), sorted by ``refund_rate``
        (the ``top`` highest when given); groups with fewer than ``min_lines`` lines
        are left out. Empty when ``by`` is not a column.
    """
    cols = ["group", "lines", "refunded_lines", "line_refund_rate", "sales", "refunds", "refund_rate"]
    if by not in tx.columns:
        return pd.DataFrame(columns=cols)
    refund = tx[refund_col] if refund_col in tx.columns else pd.Series(0.0, index=tx.index)
    kept = pd.DataFrame(
        {
            "group": tx[by].astype(object).where(tx[by].notna(), "(unknown)"),
            "sales": tx[amount_col] + refund,
            "refunds": refund,
            "refunded": refund > 0,
        }
    )
    parts = [kept]
    if refunded is not None and len(refunded) and by in refunded.columns:
        parts.append(
            pd.DataFrame(
                {
                    "group": refunded[by].astype(object).where(refunded[by].notna(), "(unknown)"),
                    "sales": refunded["amount"].astype("float64"),
                    "refunds": refunded["amount"].astype("float64"),
                    "refunded": True,
                }
            )
        )
    allrows = pd.concat(parts, ignore_index=True)
    per = (
        allrows.groupby("group")
        .agg(
            lines=("refunded", "size"),
            refunded_lines=("refunded", "sum"),
            sales=("sales", "sum"),
            refunds=("refunds", "sum"),
        )
        .reset_index()
    )
    per = per[per["lines"] >= min_lines]
    per["line_refund_rate"] = per["refunded_lines"] / per["lines"]
    per["refund_rate"] = per["refunds"] / per["sales"].where(per["sales"] > 0)
    per = per.sort_values("refund_rate", ascending=False).reset_index(drop=True)
    if top is not None:
        per = per.head(top)
    return per[cols].astype({"lines": "int64", "refunded_lines": "int64"})


def products_by_buyer_type(
    tx: pd.DataFrame,
    occ: pd.DataFrame,
    window: Window | None = None,
    *,
    by: str = "product_name",
    window_days: int = 90,
    top: int = 10,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Top products among repeat buyers versus one-time buyers.

    Among customers observed for at least ``window_days`` after their first
    occasion, *repeat* buyers have two or more occasions by the end of the
    observation and *one-time* buyers one. A product's share is its share of the
    group's revenue (so repeat buyers' extra purchases do not inflate it);
    ``buyers_share`` is the share of the group's customers who bought it.

    Parameters
    ----------
    tx
        Cleaned transactions.
    occ
        Their :func:`~repurchase.core.occasions.purchase_occasions`.
    window
        The observation (the report period, or ``Window.ending(cutoff)``).

    Returns
    -------
    DataFrame
        One row per (product, buyer type) for the union of both types' top
        products: ``group``, ``buyer_type`` (``repeat`` / ``one-time``),
        ``customers``, ``buyers_share``, ``revenue``, ``revenue_share`` and ``rank``
        (within the buyer type). Empty when ``by`` is not a column.
    """
    cols = ["group", "buyer_type", "customers", "buyers_share", "revenue", "revenue_share", "rank"]
    if by not in tx.columns:
        return pd.DataFrame(columns=cols)
    occ, win = observe(occ, window)
    elig = _eligible_customers(occ, win, window_days)
    lines = before(tx, win, date_col)
    codes, uniques = pd.factorize(lines[customer_col])
    kind_by_code = np.full(len(uniques), -1, dtype="int64")  # -1 not eligible, 0 one-time, 1 repeat
    pos = pd.Index(uniques).get_indexer(elig["customer_id"])
    kind_by_code[pos[pos >= 0]] = (elig["occasions"].to_numpy() >= 2)[pos >= 0].astype("int64")
    kind = kind_by_code[codes]
    keep = kind >= 0
    group = lines[by].to_numpy(dtype=object)[keep]
    gcodes, gnames = pd.factorize(np.where(pd.isna(group), "(unknown)", group).astype(str))
    ng = max(len(gnames), 1)
    cell = kind[keep] * ng + gcodes  # (buyer type, group)
    revenue = np.bincount(cell, weights=lines[amount_col].to_numpy(dtype="float64")[keep], minlength=2 * ng)
    pairs = np.unique(codes[keep].astype("int64") * (2 * ng) + cell)  # distinct (customer, type, group)
    customers = np.bincount(pairs % (2 * ng), minlength=2 * ng)
    cells = np.arange(2 * ng)
    per = pd.DataFrame(
        {
            "buyer_type": np.where(cells // ng == 1, "repeat", "one-time"),
            "group": np.asarray(gnames, dtype=object)[cells % ng] if len(gnames) else "",
            "customers": customers.astype("int64"),
            "revenue": revenue,
        }
    )
    per = per[per["customers"] > 0]
    type_size = pd.Series(np.where(elig["occasions"] >= 2, "repeat", "one-time")).value_counts()
    type_rev = per.groupby("buyer_type")["revenue"].transform("sum")
    per["buyers_share"] = per["customers"] / type_size.reindex(per["buyer_type"]).to_numpy()
    per["revenue_share"] = per["revenue"] / type_rev
    per["rank"] = per.groupby("buyer_type")["revenue_share"].rank(ascending=False, method="first")
    chosen = per.loc[per["rank"] <= top, "group"].unique()
    per = per[per["group"].isin(chosen)].sort_values(["buyer_type", "rank"], ascending=[False, True])
    return per[cols].reset_index(drop=True)
