"""What brings customers back: first purchases, bought together, refunds, buyer types (fixture: see conftest.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import repurchase
from repurchase import kpis as rp
from repurchase.cleaning import datasets
from repurchase.core.occasions import purchase_occasions
from repurchase.core.periods import Period

ROOT = Path(__file__).resolve().parents[2]
PERIOD = Period.from_label("2024-03")  # exclusive end 2024-04-01 00:00


def test_first_purchase_groups(in_period):
    g = rp.first_purchase_groups(in_period, "category").set_index("customer_id")["group"]
    # D's first occasion: Phone 70 and Snacks 5 -> Phone (largest amount)
    assert g.to_dict() == {"A": "Coffee", "B": "Phone", "C": "Coffee", "D": "Phone", "E": "Coffee"}
    # a transactions index that is not 0..n-1 gives the same groups
    shuffled = in_period.set_axis(np.arange(len(in_period))[::-1] * 10)
    assert rp.first_purchase_groups(shuffled, "category").set_index("customer_id")["group"].to_dict() == g.to_dict()


def test_repurchase_by_first_category_with_wilson(in_period, occ):
    t = rp.repurchase_by_first_group(in_period, occ, PERIOD, by="category", window_days=30, min_customers=1)
    t = t.set_index("group")
    # eligible (observed >= 30 days): A, C, D, E (B only 16 days). Within 30 days only A came back (24 days).
    # Coffee: A, C, E -> 1/3; Phone: D -> 0/1
    assert (t.loc["Coffee", "customers"], t.loc["Coffee", "repeaters"]) == (3, 1)
    assert t.loc["Phone", "rate"] == 0.0
    # Wilson 95 % for 1/3: denom = 1 + 1.96²/3 = 2.2805; centre = (1/3 + 1.96²/6) / 2.2805 = 0.4269;
    # half = 1.96 * sqrt((1/3)(2/3)/3 + 1.96²/36) / 2.2805 = 0.3654 -> (0.0615, 0.7924)
    assert t.loc["Coffee", "ci_low"] == pytest.approx(0.0615, abs=5e-4)
    assert t.loc["Coffee", "ci_high"] == pytest.approx(0.7924, abs=5e-4)
    pooled = rp.repurchase_by_first_group(in_period, occ, PERIOD, by="category", window_days=30, min_customers=2)
    assert pooled["group"].tolist() == ["Coffee", "(other)"]
    assert rp.repurchase_by_first_group(in_period.drop(columns="category"), occ, PERIOD).empty


def test_wilson_edges():
    low, high = rp.wilson_interval(np.array([0, 10]), np.array([10, 10]))
    # 0/10: lower bound 0, upper z² / (n + z²) = 3.8415 / 13.8415 = 0.2775; 10/10: upper bound 1
    assert low[0] == 0 and high[1] == pytest.approx(1.0) and high[0] == pytest.approx(0.2775, abs=1e-4)
    assert np.isnan(rp.wilson_interval(np.array([0]), np.array([0]))[0][0])


def test_refund_rates_include_fully_refunded_lines(in_period):
    refunded = pd.DataFrame({"category": ["Phone"], "amount": [100.0]})  # a fully refunded phone, excluded by cleaning
    t = rp.refund_rates(in_period, "category", refunded, min_lines=1).set_index("group")
    # Coffee: A1 100, A2 50, A4 40 + 10, B2 20, C1 60, E0 25, E2 35 -> 7 lines, sales 340, refunds 10
    assert (t.loc["Coffee", "lines"], t.loc["Coffee", "refunded_lines"]) == (7, 1)
    assert t.loc["Coffee", "refund_rate"] == pytest.approx(10 / 340)
    # Phone: B1 200, C2 80, D1 70 + the refunded 100 -> sales 450, refunds 100, 1 of 4 lines
    assert t.loc["Phone", "refund_rate"] == pytest.approx(100 / 450)
    assert t.loc["Phone", "line_refund_rate"] == 0.25
    assert t.index[0] == "Phone"  # sorted by refund rate


def test_refunded_lines_from_the_cleaning_ledger():
    from repurchase.cleaning import clean_transactions

    raw = pd.DataFrame(
        {
            "customer_id": ["c1", "c1", "c2", "c2"],
            "order_id": ["o1", "o1", "o2", "o2"],
            "order_date": ["2024-03-01", "2024-03-03", "2024-03-02", "2024-03-04"],
            "amount": ["80", "-80", "50", "-20"],
            "category": ["Phone", "Phone", "Coffee", "Coffee"],
            "status": ["paid", "refund", "paid", "refund"],
            "raw_row": [1, 2, 3, 4],
        }
    )
    result = clean_transactions(raw)
    lines = rp.refunded_lines(result)
    # o1 refunded in full: excluded by cleaning, recovered here at its gross 80; o2 partial: kept in clean
    assert lines["amount"].tolist() == [80.0] and lines["category"].tolist() == ["Phone"]
    assert lines["customer_id"].tolist() == ["C1"]  # IDs folded as the cleaning does
    t = rp.refund_rates(result.clean, "category", lines, min_lines=1).set_index("group")
    assert t.loc["Phone", "refund_rate"] == 1.0 and t.loc["Coffee", "refund_rate"] == pytest.approx(20 / 50)
    assert rp.refunded_lines(None).columns.tolist() == ["amount"]  # no cleaning result: no refunded lines


def test_products_by_buyer_type(in_period, occ):
    t = rp.products_by_buyer_type(in_period, occ, PERIOD, by="category", window_days=30)
    t = t.set_index(["buyer_type", "group"])
    # eligible: A (3 occasions), C (2), E (3) -> repeat; D (1) -> one-time. B not observed 30 days.
    # repeat revenue: Coffee 190 + 60 + 60 = 310, Snacks 30 + 25 = 55, Phone 80 -> 445
    assert t.loc[("repeat", "Coffee"), "revenue_share"] == pytest.approx(310 / 445)
    assert t.loc[("repeat", "Coffee"), "buyers_share"] == 1.0
    # one-time (D): Phone 70 of 75
    assert t.loc[("one-time", "Phone"), "revenue_share"] == pytest.approx(70 / 75)
    assert "Coffee" in rp.describe_buyer_products(t.reset_index())


def test_driver_columns(in_period):
    assert rp.driver_columns(in_period) == ["category", "product_name"]
    assert rp.driver_columns(in_period.assign(category=None)) == ["product_name"]  # a column without values
    assert rp.driver_columns(in_period.drop(columns=["category", "product_name"])) == []


def test_top_groups_are_kept_and_the_rest_pooled(in_period, occ):
    t = rp.repurchase_by_first_group(in_period, occ, PERIOD, by="category", window_days=30, min_customers=1, top=1)
    # Coffee has 3 eligible customers, Phone 1: top=1 keeps Coffee and pools Phone
    assert t["group"].tolist() == ["Coffee", "(other)"] and t["customers"].tolist() == [3, 1]
    r = rp.refund_rates(in_period, "category", min_lines=1, top=1)
    assert r["group"].tolist() == ["Coffee"]  # the only category with a refund


# ---------------------------------------------------------------------------
# demo data: the designed effect


def _demo_kinds() -> dict[str, str]:
    try:
        from repurchase.demo import CATEGORIES
    except ImportError:
        return {}
    kinds = {}
    for c in CATEGORIES:
        kind = getattr(c, "kind", None)
        for name in (getattr(c, "en", None), getattr(c, "zh", None)):
            if name and kind:
                kinds[name] = kind
    return kinds


@pytest.mark.parametrize("client", ["demo-online", "demo-stores"])
@pytest.mark.heavy
def test_demo_consumable_first_customers_repeat_more(client):
    params_path = ROOT / "params" / f"{client}.yaml"
    data_dir = ROOT / "data" / "demo"
    if not params_path.exists() or not data_dir.exists():
        pytest.skip(f"no demo data under {data_dir}: run `python -m repurchase demo-data` (make demo-data)")
    kinds = _demo_kinds()
    if not kinds:
        pytest.skip("repurchase.demo.CATEGORIES does not expose category kinds")
    params = repurchase.load_params(params_path)
    period = datasets.resolve_period(params)
    tx = datasets.load_cleaning(params, period).clean
    occ = purchase_occasions(tx, params.repurchase.occasion)
    table = rp.repurchase_by_first_group(tx, occ, period, by="category", window_days=90)
    table["kind"] = table["group"].map(kinds)
    pooled = table.groupby("kind")[["repeaters", "customers"]].sum()
    rate = pooled["repeaters"] / pooled["customers"]
    assert rate["consumable"] > rate["durable"] + 0.1, table
    # and every consumable category beats every durable one, beyond their 95 % intervals
    assert (
        table.loc[table["kind"] == "consumable", "ci_low"].min()
        > table.loc[table["kind"] == "durable", "ci_high"].max()
    )
