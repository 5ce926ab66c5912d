"""Bought together: association rules over purchase occasions, through ``mlxtend``.

A basket is one purchase occasion. ``fpgrowth`` finds the item sets bought in at
least ``min_support`` of the baskets (pairs and triples), and
``association_rules`` gives each pair's confidence in both directions and its lift
(support of the pair / product of the items' supports; above 1 = bought together
more often than by chance). Each pair is shown once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from repurchase.recommendations.data import Interactions

__all__ = ["RULE_COLUMNS", "BasketRules", "basket_rules", "bought_together"]


RULE_COLUMNS = ["antecedent", "consequent", "baskets_both", "support", "confidence", "lift"]


@dataclass
class BasketRules:
    """What is bought together, three ways.

    Attributes
    ----------
    rules
        Every pair in both directions: ``antecedent``, ``consequent`` (names),
        ``baskets_both``, ``support``, ``confidence`` (P(consequent | antecedent)),
        ``lift``; highest lift first.
    pairs
        Each pair once: ``item_a``, ``item_b``, ``support``, ``confidence_ab``,
        ``confidence_ba``, ``lift``; the ``top`` by lift.
    triples
        ``items`` (names joined with " + "), ``support``, ``lift`` (support ÷ product of the three supports).
    """

    rules: pd.DataFrame
    pairs: pd.DataFrame
    triples: pd.DataFrame


def bought_together(
    data: Interactions, events: pd.DataFrame, *, min_support: float = 0.001, top: int = 20
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The top item pairs and triples by lift (:attr:`BasketRules.pairs` and ``triples``)."""
    found = basket_rules(data, events, min_support=min_support, top=top)
    return found.pairs, found.triples


def basket_rules(data: Interactions, events: pd.DataFrame, *, min_support: float = 0.001, top: int = 20) -> BasketRules:
    """Association rules among the item sets in at least ``min_support`` of the baskets (purchase occasions)."""
    from mlxtend.frequent_patterns import association_rules, fpgrowth

    empty_pairs = pd.DataFrame(columns=["item_a", "item_b", "support", "confidence_ab", "confidence_ba", "lift"])
    empty_triples = pd.DataFrame(columns=["items", "support", "lift"])
    empty = BasketRules(pd.DataFrame(columns=RULE_COLUMNS), empty_pairs, empty_triples)
    _, occ = pd.factorize(events["occasion"])
    n_baskets = len(occ)
    if n_baskets == 0:
        return empty
    support = np.bincount(events.drop_duplicates(["occasion", "item"])["item"], minlength=data.n_items) / n_baskets
    keep = np.flatnonzero(support >= min_support)
    ev = events[np.isin(events["item"].to_numpy(), keep)]
    if len(keep) < 2 or ev.empty:
        return empty
    col = pd.Index(keep).get_indexer(ev["item"].to_numpy())
    row = pd.Index(occ).get_indexer(ev["occasion"].to_numpy())
    # baskets × items as a sparse frame: a big client's millions of baskets never become a dense matrix
    onehot = sp.csc_matrix((np.ones(len(row), dtype=np.uint8), (row, col)), shape=(n_baskets, len(keep)))
    onehot.sum_duplicates()
    onehot.data[:] = 1
    frame = pd.DataFrame.sparse.from_spmatrix(onehot, columns=keep).astype(pd.SparseDtype(bool, False))
    sets = fpgrowth(frame, min_support=min_support, use_colnames=True, max_len=3)
    if sets.empty or sets["itemsets"].map(len).max() < 2:
        return empty
    rules = association_rules(sets, num_itemsets=n_baskets, metric="lift", min_threshold=0.0)
    single = rules[(rules["antecedents"].map(len) == 1) & (rules["consequents"].map(len) == 1)].copy()
    single["a"] = single["antecedents"].map(lambda s: next(iter(s)))
    single["b"] = single["consequents"].map(lambda s: next(iter(s)))
    names = data.items["name"].to_numpy()
    both = single.sort_values(["lift", "support"], ascending=False, kind="stable")
    directed = pd.DataFrame(
        {
            "antecedent": names[both["a"].to_numpy(int)],
            "consequent": names[both["b"].to_numpy(int)],
            "baskets_both": np.rint(both["support"].to_numpy() * n_baskets).astype(int),
            "support": both["support"].to_numpy(),
            "confidence": both["confidence"].to_numpy(),
            "lift": both["lift"].to_numpy(),
        }
    ).reset_index(drop=True)
    forward = single[single["a"] < single["b"]].set_index(["a", "b"])
    backward = single[single["a"] > single["b"]].set_index(["b", "a"])["confidence"]
    backward.index.names = ["a", "b"]
    pairs = forward.assign(confidence_ba=backward.reindex(forward.index).to_numpy()).reset_index()
    pairs = pairs.sort_values(["lift", "support"], ascending=False).head(top)
    pairs = pd.DataFrame(
        {
            "item_a": names[pairs["a"].to_numpy(int)],
            "item_b": names[pairs["b"].to_numpy(int)],
            "support": pairs["support"].to_numpy(),
            "confidence_ab": pairs["confidence"].to_numpy(),
            "confidence_ba": pairs["confidence_ba"].to_numpy(),
            "lift": pairs["lift"].to_numpy(),
        }
    )
    three = sets[sets["itemsets"].map(len) == 3].copy()
    if three.empty:
        return BasketRules(directed, pairs.reset_index(drop=True), empty_triples)
    single_support = pd.Series(support)
    items = three["itemsets"].map(list).explode()
    expected = pd.Series(single_support.reindex(items.to_numpy()).to_numpy(), index=items.index).groupby(level=0).prod()
    three["lift"] = three["support"] / expected
    three = three.sort_values(["lift", "support"], ascending=False).head(top)
    triples = pd.DataFrame(
        {
            "items": three["itemsets"].map(lambda s: " + ".join(sorted(names[list(s)]))).to_numpy(),
            "support": three["support"].to_numpy(),
            "lift": three["lift"].to_numpy(),
        }
    )
    return BasketRules(directed, pairs.reset_index(drop=True), triples.reset_index(drop=True))
