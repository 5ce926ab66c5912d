"""Recommendations per customer, bought-together rules and trigger lists (who to contact, and why).

:func:`run_recommendations` evaluates the recommenders of
:mod:`repurchase.recommendations.methods` on a time split against two baselines,
uses the best, and lists who to contact in the days after the report period
(:mod:`repurchase.recommendations.triggers`).
"""

from repurchase.recommendations.data import Interactions, interactions, item_column
from repurchase.recommendations.evaluate import Split, bootstrap_difference, evaluate, per_customer_metrics
from repurchase.recommendations.methods import (
    METHODS,
    Bestsellers,
    Blend,
    ItemItem,
    OwnItems,
    Recommender,
    RepeatItems,
    top_k,
)
from repurchase.recommendations.pipeline import (
    BASELINES,
    STAGE,
    RecommendationResult,
    choose_method,
    recommendation_exports,
    recommendation_metrics,
    run_recommendations,
)
from repurchase.recommendations.rules import BasketRules, basket_rules, bought_together
from repurchase.recommendations.text import (
    describe_evaluation,
    describe_findings,
    describe_triggers,
    evaluation_table,
    history_table,
    pairs_table,
    sample_table,
    trigger_preview,
    trigger_table,
    triples_table,
)
from repurchase.recommendations.triggers import PRIORITY, apply_priority, personal_cycle, trigger_lists

__all__ = [
    "BASELINES",
    "METHODS",
    "PRIORITY",
    "STAGE",
    "BasketRules",
    "Bestsellers",
    "Blend",
    "Interactions",
    "ItemItem",
    "OwnItems",
    "RecommendationResult",
    "Recommender",
    "RepeatItems",
    "Split",
    "apply_priority",
    "basket_rules",
    "bootstrap_difference",
    "bought_together",
    "choose_method",
    "describe_evaluation",
    "describe_findings",
    "describe_triggers",
    "evaluate",
    "evaluation_table",
    "history_table",
    "interactions",
    "item_column",
    "pairs_table",
    "per_customer_metrics",
    "personal_cycle",
    "recommendation_exports",
    "recommendation_metrics",
    "run_recommendations",
    "sample_table",
    "top_k",
    "trigger_lists",
    "trigger_preview",
    "trigger_table",
    "triples_table",
]
