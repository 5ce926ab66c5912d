"""The recommenders and their evaluation: hand-computed metrics, planted partners, the decision rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from recs_cases import lines

from repurchase.recommendations import (
    BASELINES,
    Bestsellers,
    Blend,
    ItemItem,
    OwnItems,
    RecommendationResult,
    choose_method,
    describe_findings,
    interactions,
    per_customer_metrics,
    top_k,
)
from repurchase.recommendations.evaluate import bootstrap_difference
from repurchase.recommendations.methods import category_repeat_rate


def test_metrics_match_a_hand_computed_fixture():
    # customer 0 bought items 1 and 4 in the test window, had bought item 1 before; list [1, 2, 3]
    # customer 1 bought item 0 (new to them); list [2, 3, 4] misses
    test = sp.csr_matrix(np.array([[0, 1, 0, 0, 1], [1, 0, 0, 0, 0]]))
    seen = sp.csr_matrix(np.array([[0, 1, 0, 0, 0], [0, 0, 1, 0, 0]]))
    rec = np.array([[1, 2, 3], [2, 3, 4]])
    m = per_customer_metrics(rec, test, seen, np.array([0, 1]), k=3)
    assert m["hit"].tolist() == [1.0, 0.0]
    assert m["precision"].tolist() == pytest.approx([1 / 3, 0.0])
    assert m["recall"].tolist() == pytest.approx([1 / 2, 0.0])
    # NDCG: hit at rank 1 -> 1 / (1 + 1/log2(3)) with two relevant items
    assert m["ndcg"].iloc[0] == pytest.approx(1.0 / (1.0 + 1.0 / np.log2(3)))
    assert m["hit_repeat"].iloc[0] == 1.0 and np.isnan(m["hit_repeat"].iloc[1])
    assert m["hit_new"].tolist() == [0.0, 0.0]  # item 4 (new) was not recommended; customer 1's item 0 neither


def test_a_catalogue_smaller_than_k_gives_shorter_lists():
    test = sp.csr_matrix(np.array([[1, 0], [0, 0]]))
    seen = sp.csr_matrix(np.array([[0, 1], [1, 0]]))
    m = per_customer_metrics(np.array([[0, 1], [1, 0]]), test, seen, np.array([0, 1]), k=5)
    assert m["hit"].tolist() == [1.0, 0.0] and m["precision"].tolist() == [0.2, 0.0] and m["ndcg"].iloc[0] == 1.0


def test_planted_partner_is_in_the_top_five_for_buyers_of_the_first_item(paired_shop):
    tx, partners = paired_shop
    data = interactions(tx)
    model = ItemItem(kind="cosine").fit(data, data.events, pd.Timestamp("2026-01-01"))
    items, _ = top_k(model, np.arange(data.n_customers), 5)
    keys = data.items["item"].to_numpy()
    rec = keys[items]
    shares = {}
    for first, partner in partners.items():  # ten planted pairs, each checked over all its buyers at once
        buyers = data.customers.get_indexer(tx.loc[tx["product_id"] == first, "customer_id"].unique())
        shares[first] = (rec[buyers] == partner).any(axis=1).mean()
    assert min(shares.values()) >= 0.8, shares


def test_blend_keeps_the_planted_partner_and_the_customers_own_repeat_item(paired_shop):
    tx, partners = paired_shop
    data = interactions(tx)
    model = Blend(weight=2.0, kind="cosine").fit(data, data.events, pd.Timestamp("2026-01-01"))
    items, _ = top_k(model, np.arange(data.n_customers), 5)
    rec = data.items["item"].to_numpy()[items]
    buyers = data.customers.get_indexer(tx.loc[tx["product_id"] == "0", "customer_id"].unique())
    assert (rec[buyers] == partners["0"]).any(axis=1).mean() >= 0.8


def test_own_items_ranks_by_occasions_then_recency_and_bestsellers_are_shared():
    tx = lines(["a", "a", "a", "b"], [1, 5, 9, 2], [3, 3, 7, 7])
    data = interactions(tx)
    cutoff = pd.Timestamp("2025-02-01")
    own = OwnItems().fit(data, data.events, cutoff)
    items, _ = top_k(own, np.array([0]), 2)
    assert data.items["item"].to_numpy()[items[0]].tolist() == ["3", "7"]  # bought 3 twice, 7 once
    best = Bestsellers().fit(data, data.events, cutoff)
    a, _ = top_k(best, np.array([0, 1]), 1)
    assert a[0, 0] == a[1, 0] and data.items["item"].iloc[a[0, 0]] == "7"  # two buyers against one


def test_durables_bought_once_are_down_weighted_by_their_category_repurchase_rate():
    # category "cat 0" (items 0, 1): both buyers return; "cat 5" (item 10): nobody buys it twice
    tx = lines(["a", "a", "b", "b", "a"], [1, 20, 1, 30, 2], [0, 1, 0, 0, 10])
    data = interactions(tx)
    rate = pd.Series(category_repeat_rate(data, data.events), index=data.items["item"])
    assert rate["0"] == rate["1"] == 1.0 and rate["10"] == 0.0


def _evaluation(hits: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame({"method": list(hits), "hit": list(hits.values())})


@pytest.mark.parametrize(
    ("hits", "expected"),
    [
        ({"blend": 0.42, "item_item": 0.39, "bestsellers": 0.33, "own_items": 0.33}, "blend"),
        ({"blend": 0.30, "item_item": 0.29, "bestsellers": 0.33, "own_items": 0.31}, "bestsellers"),
        ({"blend": 0.30, "item_item": 0.29, "bestsellers": 0.20, "own_items": 0.35}, "own_items"),
        ({"blend": 0.33, "item_item": 0.29, "bestsellers": 0.33, "own_items": 0.20}, "blend"),  # a tie keeps the method
    ],
)
def test_the_choice_follows_the_measured_hit_rates(hits, expected):
    assert choose_method(_evaluation(hits)) == expected


def test_the_findings_say_plainly_when_a_baseline_wins():
    ev = _evaluation({"blend": 0.30, "item_item": 0.29, "bestsellers": 0.33, "own_items": 0.31})
    ev = ev.assign(customers=100, diff_low=0.0, diff_high=0.0)
    from repurchase.core.periods import Period

    res = RecommendationResult(
        period=Period.from_label("2026-10"),
        settings=__import__("repurchase.core.params", fromlist=["RecommendationSettings"]).RecommendationSettings(),
    )
    res.evaluation, res.method = ev, choose_method(ev)
    res.trigger_counts = pd.DataFrame({"list": ["win_back"], "matching": [1], "contacts": [1], "value": [0.0]})
    assert res.baseline_won and res.method in BASELINES
    assert describe_findings(res, "en").startswith("A baseline wins: **Best-sellers**")
    assert "基线胜出" in describe_findings(res, "zh")


def test_bootstrap_interval_of_a_difference_covers_its_mean_and_is_reproducible():
    rng = np.random.default_rng(1)
    a, b = rng.random(500) < 0.4, rng.random(500) < 0.3
    first = bootstrap_difference(a, b, seed=3)
    assert first == bootstrap_difference(a, b, seed=3)
    mean, lo, hi = first
    assert lo < mean < hi and mean == pytest.approx(a.mean() - b.mean())
    assert hi - lo == pytest.approx(2 * 1.645 * np.sqrt((0.24 + 0.21) / 500), rel=0.25)
