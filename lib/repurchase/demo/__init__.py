"""Deterministic, realistic and deliberately messy demo data for two fictional clients.

Two clients exercise every analysis of the template:

``demo-online``
    An online shop (English product names, UTF-8 CSV files): transactions,
    customers and surveys.
``demo-stores``
    A chain of shops in Chinese cities (Chinese headers): a GBK-encoded CSV
    export of transactions and two Excel workbooks (members, surveys).

The purchase process is BG/NBD-like. Every customer has a purchase rate
``lambda ~ Gamma`` and, after each purchase, drops out with probability
``p ~ Beta``. Both depend on the category of the first purchase (consumables are
bought again far more often than durables) and on the acquisition channel.
Purchase times run on a seasonal clock (peaks at 双11 and 618, a dip at Chinese
New Year); new customers arrive at a growing rate over three years ending on
2026-10-31, the export date.

Survey scores are driven by the customer's latent dropout propensity, so
detractors buy less after they respond. Aspect ratings drive the overall score
with known weights (quality and delivery matter most).

Transactions carry the faults of real exports, each at a known rate (see
:data:`MESSINESS_RATES`): exact duplicate rows, blank IDs, IDs differing by case
or whitespace, amounts written as text with currency symbols, zero and
negative amounts, mixed and unparseable date formats, and rows dated after the
export. The exact counts are written next to the data in ``_manifest.json`` so
the cleaning ledger can be checked against them.

Everything is drawn from ``numpy.random.default_rng`` streams derived from the
seed: the same seed gives byte-identical files. Importing this module changes no
global state.

Where each part lives:

* :mod:`~repurchase.demo.common`: the simulated history (:data:`DATA_START` to
  :data:`DATA_END`), the random helpers and the export date formats;
* :mod:`~repurchase.demo.clients`: the two clients' profiles (seasonality,
  channels, stores, tiers, survey aspects);
* :mod:`~repurchase.demo.catalogue`: categories, products and prices;
* :mod:`~repurchase.demo.transactions`: the purchase process, baskets, refunds
  and cancelled orders;
* :mod:`~repurchase.demo.customers`: the customers (members) file;
* :mod:`~repurchase.demo.surveys`: the survey responses and their comments;
* :mod:`~repurchase.demo.messiness`: the export faults and their counts;
* :mod:`~repurchase.demo.generate`: one client from seed to tables, and its manifest;
* :mod:`~repurchase.demo.writing`: the files, and :func:`write_demo_data`.
"""

from __future__ import annotations

from repurchase.demo.catalogue import CATEGORIES
from repurchase.demo.common import DATA_END, DATA_START, DEFAULT_OUT_DIR, DEFAULT_SEED
from repurchase.demo.messiness import MESSINESS_RATES
from repurchase.demo.surveys import HTML_JUNK_COMMENTS
from repurchase.demo.transactions import CANCELLED_ORDER_RATE
from repurchase.demo.writing import write_demo_data

__all__ = [
    "CANCELLED_ORDER_RATE",
    "CATEGORIES",
    "DATA_END",
    "DATA_START",
    "DEFAULT_OUT_DIR",
    "DEFAULT_SEED",
    "HTML_JUNK_COMMENTS",
    "MESSINESS_RATES",
    "write_demo_data",
]
