"""Hand-computed cases shared by the churn tests (imported as ``churn_cases``; see conftest.py).

Dates are written as offsets from 2026-01-01 where that keeps the arithmetic readable.
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import numpy as np
import pandas as pd

from repurchase.cleaning import clean_transactions
from repurchase.core.periods import Window

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo"
D0 = pd.Timestamp("2026-01-01")
TIERS = {"high": 3, "occasional": 2}


def W(end) -> Window:
    """The observation that ends (exclusively) at ``end``."""
    return Window.ending(pd.Timestamp(end))


def label_window(cutoff, days: int) -> Window:
    """The label window ``[cutoff, cutoff + days)``."""
    cutoff = pd.Timestamp(cutoff)
    return Window.ending(cutoff + pd.Timedelta(days=days), start=cutoff)


def tx_of(rows: list[tuple[str, object, float]], **extra) -> pd.DataFrame:
    """Transactions from (customer, day offset or date, amount) rows."""
    dates = [D0 + pd.Timedelta(days=d) if isinstance(d, int) else pd.Timestamp(d) for _, d, _ in rows]
    frame = pd.DataFrame(
        {
            "customer_id": [c for c, _, _ in rows],
            "order_id": [f"o{i}" for i in range(len(rows))],
            "order_date": pd.to_datetime(dates) + pd.Timedelta(hours=10),
            "amount": [float(a) for _, _, a in rows],
            "refund_amount": 0.0,
        }
    )
    for k, v in extra.items():
        frame[k] = v
    return frame


# A buys on days 0, 10, 30; B on days 0, 30, 70; C on day 33. Last observed day 95
# (end exclusive = day 96).
#   closed gaps (events): A 10, 20; B 30, 40
#   open gaps (censored): A 95-30 = 65; B 95-70 = 25; C 95-33 = 62
# Kaplan-Meier over 10e 20e 25c 30e 40e 62c 65c (n = 7):
#   S(10) = 6/7; S(20) = 6/7 * 5/6 = 5/7 = 0.714; at 25 one censored -> 4 at risk
#   S(30) = 5/7 * 3/4 = 15/28 = 0.536; S(40) = 15/28 * 2/3 = 5/14 = 0.357; flat after.
#   median (first t with S <= 0.5) = 40; the naive median of the closed gaps is 25.
CYCLE = [("A", 0, 10), ("A", 10, 10), ("A", 30, 10), ("B", 0, 20), ("B", 30, 20), ("B", 70, 20), ("C", 33, 5)]
CYCLE_END = D0 + pd.Timedelta(days=96)


# theta = 30 days; churn date C = last purchase + 31 days.
#   P: Jan 5 (100)                      -> C = Feb 5: churns in Feb
#   Q: Jan 20 (50), Mar 10 (70)          -> C = Feb 20: churns in Feb; back Mar 10 (reactivated in Mar);
#                                           C = Apr 10: churns in Apr
#   R: Jan 25 (30), Feb 27 (40)          -> lapses Feb 25 but buys Feb 27 in the same month: no churn in Feb;
#                                           C = Mar 30: churns in Mar
#   S: Feb 10, Mar 5, Apr 20 (10 each)   -> lapses Apr 5, back Apr 20, same month: never churned at a month end
# active at the start (eve) of Feb: P (26 days), Q (11), R (6) = 3; churned P, Q -> 2/3
# active at the start of Mar: R (1 day), S (18) = 2 = 3 - 2 + 1 new (S) + 0; churned R -> 1/2; reactivated Q
# active at the start of Apr: Q (21 days), S (26) = 2 = 2 - 1 + 0 + 1; churned Q -> 1/2
# churned revenue (last 365 days up to the last purchase): Feb P 100 + Q 50 = 150; Mar R 30 + 40 = 70;
#   Apr Q 50 + 70 = 120
# complete months: the eve minus theta must not precede the first data day (Jan 5): Feb (Jan 1) no, Mar (Jan 29) yes
RATE_ROWS = [
    ("P", "2026-01-05", 100),
    ("Q", "2026-01-20", 50),
    ("Q", "2026-03-10", 70),
    ("R", "2026-01-25", 30),
    ("R", "2026-02-27", 40),
    ("S", "2026-02-10", 10),
    ("S", "2026-03-05", 10),
    ("S", "2026-04-20", 10),
]
RATE_END = pd.Timestamp("2026-05-01")


def simulated(n: int = 400, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Purchases of n customers over 2025-2026 with categories, channels, refunds, sign-ups and surveys."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(2.0, 1 / 60, n)  # purchases per day while alive
    start = rng.integers(0, 300, n)
    stop = np.minimum(730, start + 1 + rng.exponential(300, n).astype(int))  # customers drop out
    counts = rng.poisson(rate * (stop - start)) + 1
    cust = np.repeat(np.arange(n), counts)
    day = np.repeat(start, counts) + (rng.random(len(cust)) * np.repeat(stop - start, counts)).astype(int)
    tx = pd.DataFrame(
        {
            "customer_id": [f"K{c:04d}" for c in cust],
            "order_id": [f"o{i}" for i in range(len(cust))],
            "order_date": pd.Timestamp("2025-01-01")
            + pd.to_timedelta(day, "D")
            + pd.to_timedelta(rng.integers(0, 86400, len(cust)), "s"),
            "amount": rng.gamma(2.0, 40.0, len(cust)).round(2),
            "refund_amount": np.where(rng.random(len(cust)) < 0.05, 5.0, 0.0),
            "category": rng.choice(["tea", "snacks", "home", "toys"], len(cust)),
            "channel": rng.choice(["app", "web"], len(cust)),
        }
    )
    ids = [f"K{c:04d}" for c in range(n)]
    customers = pd.DataFrame(
        {
            "customer_id": ids,
            "signup_date": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(-100, 700, n), "D"),
            "tier": rng.choice(["normal", "gold"], n),
            "acquisition_channel": rng.choice(["ads", "store"], n),
        }
    )
    surveys = pd.DataFrame(
        {
            "customer_id": rng.choice(ids, 300),
            "response_date": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 730, 300), "D"),
            "nps": rng.integers(0, 11, 300).astype(float),
            "csat": rng.integers(1, 6, 300).astype(float),
        }
    )
    return tx.sort_values("order_date", ignore_index=True), customers, surveys


CUTOFF = pd.Timestamp("2026-03-01")


# The simulated purchases as a RAW table (before cleaning), with refund rows 1-45 days after 8 % of the
# lines (half of them full, half 30 %), plus three hand-made customers around the test cutoff 2026-03-01
# (END 2026-04-30, N = 60 days: test cutoff = END - 60 = 2026-03-01, training cutoff 2025-12-31):
#   A: line a1 of 100 on Feb 10, refunded 10 on Feb 20 (before the cutoff) and 40 on Mar 10 (after)
#   B: b0 of 20 on Jan 15; b1 of 50 on Feb 20, refunded in full on Mar 5 (after the cutoff)
#   E: e1 of 30 on Feb 25 (their only purchase), refunded in full on Mar 3 (after the cutoff)
BT_END = pd.Timestamp("2026-04-30")
BT_TEST, BT_TRAIN = pd.Timestamp("2026-03-01"), pd.Timestamp("2025-12-31")
HAND_ROWS = [  # customer, order, date, amount, status
    ("A", "a1", "2026-02-10 11:00:00", 100.0, "paid"),
    ("A", "a1", "2026-02-20 09:00:00", -10.0, "refund"),
    ("A", "a1", "2026-03-10 09:00:00", -40.0, "refund"),
    ("B", "b0", "2026-01-15 12:00:00", 20.0, "paid"),
    ("B", "b1", "2026-02-20 12:00:00", 50.0, "paid"),
    ("B", "b1", "2026-03-05 12:00:00", -50.0, "refund"),
    ("E", "e1", "2026-02-25 15:00:00", 30.0, "paid"),
    ("E", "e1", "2026-03-03 15:00:00", -30.0, "refund"),
]


def raw_with_refunds() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    tx, customers, surveys = simulated()
    rng = np.random.default_rng(8)
    paid = pd.DataFrame(
        {
            "customer_id": tx["customer_id"],
            "order_id": tx["order_id"],
            "order_date": tx["order_date"],
            "amount": tx["amount"],
            "status": "paid",
            "category": tx["category"],
            "channel": tx["channel"],
        }
    )
    pick = rng.random(len(paid)) < 0.08
    full = rng.random(len(paid)) < 0.5
    refunds = paid[pick].assign(status="refund")
    refunds["order_date"] += pd.to_timedelta(rng.integers(1, 46, len(refunds)), "D")
    refunds["amount"] = -np.where(full[pick], refunds["amount"], (refunds["amount"] * 0.3).round(2))
    hand = pd.DataFrame(HAND_ROWS, columns=["customer_id", "order_id", "order_date", "amount", "status"])
    raw = pd.concat(
        [
            paid.assign(order_date=paid["order_date"].dt.strftime("%Y-%m-%d %H:%M:%S")),
            refunds.assign(order_date=refunds["order_date"].dt.strftime("%Y-%m-%d %H:%M:%S")),
            hand.assign(category="tea", channel="app"),
        ],
        ignore_index=True,
    )
    raw["raw_row"] = np.arange(2, len(raw) + 2)
    return raw, customers, surveys


def cleaned_as_of(raw: pd.DataFrame):
    """What ReportContext.transactions_as_of does, without the cache: clean the raw rows up to the cutoff."""
    return lambda cutoff: clean_transactions(raw, period_end_exclusive=cutoff).clean


def backtest(raw, customers, surveys, as_of=True):
    """The backtest sets of the raw table, cleaned for the report period (each cutoff as known then, or not)."""
    from repurchase import churn

    tx = clean_transactions(raw, period_end_exclusive=BT_END).clean  # the report period's transactions
    return churn.backtest_sets(
        tx, W(BT_END), window_days=60, as_of=cleaned_as_of(raw) if as_of else None, customers=customers,
        surveys=surveys,
    )  # fmt: skip


def dated_from(raw: pd.DataFrame, cutoff: pd.Timestamp) -> pd.Series:
    """Raw rows dated on or after ``cutoff``."""
    return pd.to_datetime(raw["order_date"]) >= cutoff


def cdnow() -> pd.DataFrame:
    path = importlib.metadata.distribution("lifetimes").locate_file("lifetimes/datasets/CDNOW_sample.txt")
    raw = pd.read_csv(
        path,
        sep=r"\s+",
        header=None,
        names=["customer_id", "index", "date", "quantity", "amount"],
        dtype={"customer_id": str, "date": str},
    )
    return pd.DataFrame(
        {
            "customer_id": raw["customer_id"],
            "order_date": pd.to_datetime(raw["date"], format="%Y%m%d"),
            "amount": raw["amount"].astype(float),
        }
    )


def tiny_client(root: Path, extra: str = "") -> Path:
    """20 customers buying once on Aug 3-22 2026, the even ones again on Sep 8-26: a params file in ``root/params``."""
    lines = ["c,o,d,a"]
    lines += [f"C{c:02d},O{c}a,2026-08-{3 + c:02d} 10:00,{10 * (c + 1)}" for c in range(20)]
    lines += [f"C{c:02d},O{c}b,2026-09-{8 + c:02d} 11:00,5" for c in range(0, 20, 2)]
    (root / "params").mkdir(parents=True)
    (root / "tx.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    path = root / "params" / "tiny.yaml"
    path.write_text(
        "client: tiny\ntitle: Tiny\nsources:\n  transactions:\n    path: tx.csv\n"
        "    columns: {customer_id: c, order_id: o, order_date: d, amount: a}\n" + extra,
        encoding="utf-8",
    )
    return path
