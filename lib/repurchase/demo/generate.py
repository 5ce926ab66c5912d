"""One client from seed to tables: the purchases, the customers file, the surveys and the export faults.

Each stage draws from its own stream derived from ``(seed, client, stage)``, so
the product catalogue does not depend on the number of customers and a stage's
numbers do not depend on how another stage draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from repurchase.demo.catalogue import build_catalog
from repurchase.demo.clients import Client
from repurchase.demo.common import DATA_END, DATA_START
from repurchase.demo.customers import simulate_members
from repurchase.demo.messiness import MESSINESS_RATES, export_transactions
from repurchase.demo.surveys import HTML_JUNK_COMMENTS, simulate_surveys
from repurchase.demo.transactions import simulate_purchases

__all__ = ["Generated", "simulate_client"]


@dataclass
class Generated:
    """The tables of one client, before they are written (see :mod:`repurchase.demo.writing`).

    Attributes
    ----------
    transactions
        The export rows (canonical column names, values as text).
    customers
        The customers file (:attr:`repurchase.demo.customers.Members.table`).
    surveys
        The survey responses, ``cust`` holding member IDs.
    manifest
        Row counts and the exact count of every injected fault (``_manifest.json``).
    campaigns
        The campaign assignments (``cust`` holding member IDs), None for a client
        without campaigns.
    """

    transactions: pd.DataFrame
    customers: pd.DataFrame
    surveys: pd.DataFrame
    manifest: dict
    campaigns: pd.DataFrame | None = None


def simulate_client(client: Client, seed: int, n_customers: int) -> Generated:
    """Simulate one client: purchases, customers, surveys, then the export faults."""

    def stream(i: int) -> np.random.Generator:
        return np.random.default_rng([seed, client.stream, i])

    catalog = build_catalog(stream(0), client)
    purchases = simulate_purchases(
        client, stream(1), catalog, n_customers, campaign_rng=stream(5) if client.campaigns else None
    )
    members = simulate_members(client, stream(2), purchases)
    surveys = simulate_surveys(client, stream(3), purchases)
    export = export_transactions(client, stream(4), purchases, catalog, members.ids)

    n, n_non, ids = purchases.n_customers, members.n_nonbuyers, members.ids
    transactions, counts, by_format = export.transactions, export.counts, export.by_format
    r_order, rows_kind, paid_mask, n_rows = (
        purchases.r_order,
        purchases.rows_kind,
        purchases.paid_mask,
        purchases.n_rows,
    )
    n_cancel, m, s_cust = purchases.n_cancel, len(surveys), surveys["cust"].to_numpy()
    messy = sum(counts.values())
    orders_paid = np.unique(r_order[rows_kind == 0])
    orders_refunded = np.unique(r_order[rows_kind == 1])
    manifest = {
        "client": client.slug,
        "seed": seed,
        "data_start": DATA_START.isoformat(),
        "exported_at": DATA_END.isoformat(),
        "buyers": n,
        "customers_file_rows": n + n_non,
        "members_without_purchase": n_non,
        "products": int(catalog.product_id.size),
        "transaction_rows": len(transactions),
        "rows_before_duplicates": int(n_rows),
        "paid_rows": int(paid_mask.sum()),
        "refund_rows": int((rows_kind == 1).sum()),
        "cancelled_rows": int((rows_kind == 2).sum()),
        "orders": int(np.unique(r_order).size),
        "cancelled_orders": int(n_cancel),
        "refunded_order_share": round(orders_refunded.size / max(orders_paid.size, 1), 4),
        "messiness_rates": MESSINESS_RATES,
        "messiness_counts": counts,
        "date_alternate_formats": by_format,
        "clean_row_share": round(1 - messy / len(transactions), 4),
        "survey_responses": int(m),
        "survey_respondents": int(np.unique(s_cust).size),
        "html_junk_comments": list(HTML_JUNK_COMMENTS),
        "aspect_weights": {a[0]: a[2] for a in client.aspects},
    }
    surveys["cust"] = ids[surveys["cust"].to_numpy()]
    campaigns = None
    if purchases.campaigns is not None:
        campaigns = purchases.campaigns.assignments.copy()
        campaigns["cust"] = ids[campaigns["cust"].to_numpy()]
        manifest["campaigns"] = purchases.campaigns.truth
    return Generated(transactions, members.table, surveys, manifest, campaigns)
