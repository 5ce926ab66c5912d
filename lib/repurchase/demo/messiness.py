"""The faults of real exports, each at a known rate, on distinct paid rows.

Exact duplicate rows, blank IDs, IDs differing by case or whitespace, amounts
written as text with currency symbols, zero and negative amounts, mixed and
unparseable date formats and rows dated after the export
(:data:`MESSINESS_RATES`). :func:`export_transactions` writes the rows as the
export holds them and counts each fault, for ``_manifest.json``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from repurchase.demo.catalogue import CATEGORIES, Catalog
from repurchase.demo.clients import Client
from repurchase.demo.common import EPOCH, N_DAYS, fmt_dates
from repurchase.demo.transactions import Purchases

__all__ = ["MESSINESS_RATES", "Export", "export_transactions", "money_text"]

#: Share of transaction rows (before duplicates are added) given each fault.
#: The faults are put on distinct ``paid`` rows, so the counts add up. The
#: duplicate copies are extra rows, counted against the same base.
MESSINESS_RATES: dict[str, float] = {
    "exact_duplicate": 0.008,
    "blank_customer_id": 0.003,
    "customer_id_variant": 0.010,  # case and/or surrounding whitespace differ
    "amount_as_text": 0.006,  # currency symbols, thousands separators, 元
    "zero_amount": 0.003,
    "negative_amount_not_refund": 0.002,
    "date_alternate_format": 0.010,  # split evenly over four alternate formats
    "date_unparseable": 0.002,  # "N/A", "0000-00-00", ""
    "date_after_export": 0.002,  # 2026-11-01 … 2027-12-31
}


def money_text(amounts: np.ndarray, variant: np.ndarray, zh: bool) -> np.ndarray:
    """Amounts as an export writes them by hand: '¥1,299.00', '￥59', '1,024.5 元'."""
    out = np.empty(amounts.size, dtype=object)
    for i, (a, v) in enumerate(zip(amounts.tolist(), variant.tolist())):  # ~1% of rows
        full = f"{a:,.2f}"
        short = full.rstrip("0").rstrip(".")
        if v == 0:
            out[i] = ("￥" if zh else "¥") + full
        elif v == 1:
            out[i] = "￥" + short
        else:
            out[i] = short + " 元"
    return out


@dataclass
class Export:
    """The transactions as exported, with the count of every fault.

    Attributes
    ----------
    transactions
        The export rows, every value as the file will hold it (canonical column
        names; :mod:`repurchase.demo.writing` gives them the client's headers).
    counts
        Rows given each fault of :data:`MESSINESS_RATES`.
    by_format
        Rows written in each alternate date format.
    """

    transactions: pd.DataFrame
    counts: dict[str, int]
    by_format: dict[str, int]


def export_transactions(
    client: Client, rng_m: np.random.Generator, purchases: Purchases, catalog: Catalog, ids: np.ndarray
) -> Export:
    """The export rows of ``client`` with the faults injected, drawing from ``rng_m`` only."""
    o_cust, r_order, r_ts, r_prod, r_amount = (
        purchases.o_cust,
        purchases.r_order,
        purchases.r_ts,
        purchases.r_prod,
        purchases.r_amount,
    )
    o_no, o_channel, o_region = purchases.o_no, purchases.o_channel, purchases.o_region
    l_cat, qty, rows_line, rows_kind = purchases.l_cat, purchases.qty, purchases.rows_line, purchases.rows_kind
    paid_mask, n_rows = purchases.paid_mask, purchases.n_rows
    out_id = ids[o_cust[r_order]]
    status_names = ("已支付", "已退款", "已取消") if client.zh else ("paid", "refund", "cancelled")
    dominant = "slash" if client.zh else "iso_space"
    alternates = [f for f in ("iso_space", "slash", "compact", "chinese", "iso_t") if f != dominant]
    tx = {
        "order_id": o_no[r_order],
        "customer_id": out_id.copy(),
        "order_date": fmt_dates(r_ts, dominant),
        "store" if client.zh else "channel": o_channel[r_order],
        "region": o_region[r_order],
        "product_id": catalog.product_id[r_prod],
        "product_name": catalog.name[r_prod],
        "category": np.array([c.zh if client.zh else c.en for c in CATEGORIES], dtype=object)[l_cat[rows_line]],
        "quantity": qty[rows_line],
        "amount": np.char.mod("%.2f", r_amount).astype(object),
        "status": np.array(status_names, dtype=object)[rows_kind],
    }
    counts: dict[str, int] = {}
    paid_rows = rng_m.permutation(np.flatnonzero(paid_mask))
    pos = 0

    def take(name: str) -> np.ndarray:
        nonlocal pos
        cnt = round(MESSINESS_RATES[name] * n_rows)
        sel = np.sort(paid_rows[pos : pos + cnt])
        pos += cnt
        counts[name] = cnt
        return sel

    sel = take("blank_customer_id")
    tx["customer_id"][sel] = np.array(["", " ", "   "], dtype=object)[rng_m.integers(0, 3, sel.size)]
    sel = take("customer_id_variant")
    base_ids = tx["customer_id"][sel].astype(str)
    low = np.char.lower(base_ids)
    kind = rng_m.integers(0, 5, sel.size)
    variants = np.select(
        [kind == 0, kind == 1, kind == 2, kind == 3],
        [low, np.char.add(" ", low), np.char.add(base_ids, " "), np.char.add(np.char.add("  ", base_ids), "  ")],
        np.char.add(" ", np.char.add(low, " ")),
    )
    tx["customer_id"][sel] = variants.astype(object)
    sel = take("amount_as_text")
    tx["amount"][sel] = money_text(r_amount[sel], rng_m.integers(0, 3, sel.size), client.zh)
    sel = take("zero_amount")
    tx["amount"][sel] = np.array(["0.00", "0"], dtype=object)[rng_m.integers(0, 2, sel.size)]
    sel = take("negative_amount_not_refund")
    tx["amount"][sel] = np.char.mod("%.2f", -r_amount[sel]).astype(object)
    sel = take("date_alternate_format")
    fmt_kind = np.arange(sel.size) % len(alternates)
    rng_m.shuffle(fmt_kind)
    by_format = {}
    for j, fmt in enumerate(alternates):  # four formats
        part = sel[fmt_kind == j]
        tx["order_date"][part] = fmt_dates(r_ts[part], fmt)
        by_format[fmt] = int(part.size)
    sel = take("date_unparseable")
    tx["order_date"][sel] = np.array(["N/A", "0000-00-00", ""], dtype=object)[np.arange(sel.size) % 3]
    sel = take("date_after_export")
    start_late = N_DAYS * 86400
    late = start_late + rng_m.integers(0, 426 * 86400, sel.size)
    tx["order_date"][sel] = fmt_dates(EPOCH + late.astype("timedelta64[s]"), dominant)
    # exact duplicates: copies of clean paid rows, next to their originals
    dup_src = take("exact_duplicate")
    all_rows = np.sort(np.concatenate([np.arange(n_rows), dup_src]), kind="stable")
    transactions = pd.DataFrame({c: v[all_rows] for c, v in tx.items()})
    return Export(transactions=transactions, counts=counts, by_format=by_format)
