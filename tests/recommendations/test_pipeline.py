"""The whole recommendations stage: evaluation, choice, lists, metrics, exports, and what it cannot do."""

from __future__ import annotations

import re

import pandas as pd
from recs_cases import START

from repurchase.core.params import RecommendationSettings
from repurchase.core.periods import Period
from repurchase.recommendations import (
    BASELINES,
    describe_findings,
    evaluation_table,
    recommendation_exports,
    recommendation_metrics,
    run_recommendations,
    sample_table,
    trigger_table,
)
from repurchase.recommendations.text import _reason_texts as reason_texts


def _period(tx: pd.DataFrame) -> Period:
    return Period.from_label(tx["order_date"].max().strftime("%Y-%m"))


def test_the_stage_evaluates_chooses_and_lists(paired_shop):
    tx, _ = paired_shop
    tx = tx[tx["order_date"] < START + pd.Timedelta(days=334)]  # through 2025-11-30
    period = Period.from_label("2025-11")
    res = run_recommendations(
        tx, period, RecommendationSettings(holdout_days=30), category_cycle=pd.Series({"all": 90.0})
    )
    assert res.available
    ev = res.evaluation.set_index("method")
    assert set(ev.index) == {"blend", "item_item", *BASELINES}
    assert res.method == ev["hit"].idxmax()  # the decision follows the numbers
    assert (ev["hit_low"] <= ev["hit"]).all() and (ev["hit"] <= ev["hit_high"]).all()
    recs = res.recommendations
    assert recs.groupby("customer_id").size().eq(5).all() and set(recs["rank"]) == {1, 2, 3, 4, 5}
    assert not recs.duplicated(["customer_id", "item"]).any()
    assert res.triggers["customer_id"].is_unique
    m = recommendation_metrics(res)
    assert m["method"] == res.method and m["k"] == 5 and m["cutoff"] == "2025-11-01"
    assert m["hit_rate_at_k_low"] <= m["hit_rate_at_k"] <= m["hit_rate_at_k_high"]
    assert m["baseline_bestseller_hit_rate_at_k"] == ev.loc["bestsellers", "hit"]
    assert m["triggers"] == dict(zip(res.trigger_counts["list"], res.trigger_counts["contacts"]))
    exports = recommendation_exports(res)
    assert list(exports["exports/recommendations.csv"].columns) == ["customer_id", "rank", "product", "score", "reason"]
    assert sum(len(v) for k, v in exports.items() if "triggers_" in k) == len(res.triggers)
    assert describe_findings(res, "en") and describe_findings(res, "zh")
    # repeat items carry how often the customer bought them; the sample shows history next to the list
    rep = recs[recs["reason"] == "repeat"]
    assert (
        len(rep)
        and (rep["times_bought"] >= 1).all()
        and (recs.loc[recs["reason"] != "repeat", "times_bought"] == 0).all()
    )
    assert res.history["customer_id"].nunique() == 5
    shown = sample_table(res, "en").frame
    assert set(shown["customer_id"]) == set(res.history["customer_id"]) and len(shown) == 25
    again = recs[(recs["reason"] == "repeat") & (recs["times_bought"] >= 2)].head(3)
    texts = reason_texts(again, "en")
    assert len(texts) == 3 and all(re.fullmatch(r"repeat: bought \d+×, about every \d+ days", t) for t in texts)


def test_without_products_or_categories_it_says_so_in_both_languages():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "order_date": pd.to_datetime(["2026-10-01", "2026-10-02"]),
            "amount": [1.0, 2.0],
        }
    )
    res = run_recommendations(tx, _period(tx))
    assert not res.available
    assert "product_id or category" in describe_findings(res, "en")
    assert "product_id" in describe_findings(res, "zh")
    assert recommendation_metrics(res) == {"k": 5, "status": "unavailable", "reason": "no_items"}
    assert recommendation_exports(res) == {}
    # the findings say it once; the tables are empty (shown as nothing)
    assert evaluation_table(res).frame.empty and trigger_table(res).frame.empty


def test_nobody_to_test_on_is_unavailable_not_a_number():
    # every purchase is older than the test window
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b"],
            "order_date": pd.to_datetime(["2026-01-01", "2026-02-01", "2026-03-01"]),
            "amount": [1.0, 2.0, 3.0],
            "category": ["x", "y", "x"],
        }
    )
    res = run_recommendations(tx, Period.from_label("2026-10"))
    assert res.unavailable is not None and res.unavailable.code == "no_test"
    assert recommendation_metrics(res)["status"] == "unavailable"
