"""Bought together: support, confidence and lift of a hand-computed fixture, each pair once."""

from __future__ import annotations

import pytest
from recs_cases import lines

from repurchase.recommendations import basket_rules, bought_together, interactions


def test_pairs_match_hand_computed_support_confidence_and_lift():
    # four baskets (customer-days): {A, B}, {A, B}, {A, C}, {C}
    tx = lines(["x", "x", "y", "y", "z", "z", "w"], [0, 0, 1, 1, 2, 2, 3], [10, 11, 10, 11, 10, 12, 12])
    data = interactions(tx)
    pairs, triples = bought_together(data, data.events, min_support=0.25)
    ab = pairs[(pairs["item_a"] == "item 10") & (pairs["item_b"] == "item 11")].iloc[0]
    # support(A,B) = 2/4; P(B|A) = 2/3; P(A|B) = 1; lift = 0.5 / (0.75 * 0.5)
    assert ab["support"] == pytest.approx(0.5)
    assert ab["confidence_ab"] == pytest.approx(2 / 3) and ab["confidence_ba"] == pytest.approx(1.0)
    assert ab["lift"] == pytest.approx(0.5 / (0.75 * 0.5))
    assert len(pairs) == len(pairs[["item_a", "item_b"]].drop_duplicates()) == 2  # (A,B), (A,C); each once
    assert triples.empty  # no basket holds three items
    # the same rules in both directions (the repurchase report names the strongest one)
    rules = basket_rules(data, data.events, min_support=0.25).rules.set_index(["antecedent", "consequent"])
    assert rules.loc[("item 10", "item 11"), "confidence"] == pytest.approx(2 / 3)
    assert rules.loc[("item 11", "item 10"), "confidence"] == pytest.approx(1.0)
    assert rules.loc[("item 11", "item 10"), "baskets_both"] == 2
    assert rules.loc[("item 10", "item 12"), "lift"] == pytest.approx(0.25 / (0.75 * 0.5))
    assert len(rules) == 4 and rules["lift"].is_monotonic_decreasing


def test_min_support_drops_rare_sets():
    tx = lines(["x", "x", "y", "y", "z"], [0, 0, 1, 1, 2], [10, 11, 10, 12, 10])
    data = interactions(tx)
    pairs, _ = bought_together(data, data.events, min_support=0.5)
    assert pairs.empty  # each pair is in 1 of 3 baskets


def test_baskets_without_frequent_items_still_count_in_the_support():
    # {A, B}, {A, B}, {C}, {D}: only A and B reach 50%, and their pair is in 2 of the 4 baskets
    tx = lines(["x", "x", "y", "y", "z", "w"], [0, 0, 1, 1, 2, 3], [10, 11, 10, 11, 12, 13])
    data = interactions(tx)
    pairs, _ = bought_together(data, data.events, min_support=0.5)
    assert pairs["support"].tolist() == [0.5] and pairs["lift"].tolist() == [2.0]


def test_triples_lift_is_support_over_the_product_of_single_supports():
    # baskets {A, B, C}, {A, B, C}, {A, B}, {D}: support(ABC) = 2/4; singles A 3/4, B 3/4, C 2/4
    tx = lines(["x"] * 3 + ["y"] * 3 + ["z"] * 2 + ["w"], [0, 0, 0, 1, 1, 1, 2, 2, 3], [10, 11, 12] * 2 + [10, 11, 13])
    data = interactions(tx)
    _, triples = bought_together(data, data.events, min_support=0.25)
    assert len(triples) == 1
    row = triples.iloc[0]
    assert row["support"] == pytest.approx(0.5)
    assert row["lift"] == pytest.approx(0.5 / (0.75 * 0.75 * 0.5))
