"""The recommendations: :func:`run_recommendations` -> :class:`RecommendationResult`, its metrics, exports and STAGE.

1. Two time splits: the blend weight is chosen on the window before the last
   ``holdout_days`` (validation), then every method is scored on the last
   ``holdout_days`` of the period (test), trained on what came before.
2. The method with the best hit rate@k on the test window is used; when it is a
   baseline (best-sellers or the customer's own items), the report says so.
3. The chosen method, refitted on everything to the period end, gives every
   active customer (the churn report's status ``active``) their top k.
4. Bought-together rules and the trigger lists for the days after the period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from repurchase.core.errors import InsufficientData
from repurchase.core.params import RecommendationSettings
from repurchase.core.periods import Period
from repurchase.core.stage import Inputs, Stage
from repurchase.core.status import Unavailable
from repurchase.recommendations.data import Interactions, interactions, item_column
from repurchase.recommendations.evaluate import Split, bootstrap_difference, evaluate, summarise
from repurchase.recommendations.methods import (
    METHODS,
    SIMILARITIES,
    Bestsellers,
    Blend,
    ItemItem,
    OwnItems,
    Recommender,
    top_k,
)
from repurchase.recommendations.rules import RULE_COLUMNS, basket_rules
from repurchase.recommendations.triggers import _occasion_dates as occasion_dates
from repurchase.recommendations.triggers import (
    apply_priority,
    personal_cycle,
    second_purchase_day,
    trigger_lists,
    trigger_summary,
)

__all__ = [
    "BASELINES",
    "BLEND_WEIGHTS",
    "STAGE",
    "RecommendationResult",
    "choose_method",
    "recommendation_exports",
    "recommendation_metrics",
    "run_recommendations",
]

#: The two baselines every method must beat.
BASELINES: tuple[str, ...] = ("bestsellers", "own_items")
#: Weights of item-item in the blend tried on the validation window.
BLEND_WEIGHTS: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0, 8.0)


@dataclass
class RecommendationResult:
    """Everything the recommendations report shows.

    Attributes
    ----------
    evaluation
        One row per method on the test window: ``method``, ``hit``, ``precision``,
        ``recall``, ``ndcg``, ``hit_repeat``, ``hit_new``, ``customers``, and the
        chosen method's hit-rate difference to it with its 90% bootstrap interval.
    method
        The method used (its name); ``blend_weight`` and ``similarity`` (``bm25`` or
        ``cosine``): the item-item weight and similarity chosen on the validation window.
    recommendations
        Top k per active customer: ``customer_id``, ``rank``, ``item``, ``product``, ``score``, ``reason``
        (``repeat``, ``together`` or ``popular``), and ``times_bought`` / ``every_days`` (the customer's
        occasions with the item and the median days between them).
    pairs, triples, rules, category_rules
        Bought together (:func:`repurchase.recommendations.rules.basket_rules`): pairs once, triples, every
        pair in both directions, and the same rules between categories (the repurchase report shows these).
    triggers, trigger_counts
        One contact per customer (``customer_id``, ``list``, ``due``, ``reason_days``,
        ``value``) and the counts per list.
    history
        What a few sampled customers bought (``customer_id``, ``product``,
        ``times_bought``, ``every_days``, ``last_bought``), shown next to their recommendations.
    unavailable
        Why nothing could be recommended (None when it could).
    """

    period: Period
    settings: RecommendationSettings
    language: str = "en"
    currency: str = ""
    item_level: str = "product_id"
    cutoff: pd.Timestamp | None = None
    evaluation: pd.DataFrame = field(default_factory=pd.DataFrame)
    method: str = ""
    blend_weight: float | None = None
    similarity: str = "bm25"
    recommendations: pd.DataFrame = field(default_factory=pd.DataFrame)
    pairs: pd.DataFrame = field(default_factory=pd.DataFrame)
    triples: pd.DataFrame = field(default_factory=pd.DataFrame)
    rules: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=RULE_COLUMNS))
    category_rules: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=RULE_COLUMNS))
    triggers: pd.DataFrame = field(default_factory=pd.DataFrame)
    trigger_counts: pd.DataFrame = field(default_factory=pd.DataFrame)
    history: pd.DataFrame = field(default_factory=pd.DataFrame)
    unavailable: Unavailable | None = None

    @property
    def available(self) -> bool:
        """True when recommendations were made."""
        return self.unavailable is None

    @property
    def baseline_won(self) -> bool:
        """True when a baseline had the best hit rate and is used."""
        return self.method in BASELINES


def choose_method(evaluation: pd.DataFrame) -> str:
    """The method with the highest hit rate@k (a baseline only when it beats every other method)."""
    ranked = evaluation.assign(_base=evaluation["method"].isin(BASELINES))
    ranked = ranked.sort_values(["hit", "_base"], ascending=[False, True], kind="stable")
    return str(ranked["method"].iloc[0])


def _make(name: str, settings: RecommendationSettings, weight: float, kind: str) -> Recommender:
    """A fresh recommender of :data:`METHODS` with the weight and similarity chosen on the validation window."""
    cls = METHODS[name]
    if cls is Blend:
        return Blend(weight, settings.half_life_days, kind=kind)
    if cls is ItemItem:
        return ItemItem(kind=kind)
    return cls()


def _evaluate_all(
    data: Interactions, settings: RecommendationSettings, end: pd.Timestamp
) -> tuple[pd.DataFrame, float, str, pd.Timestamp] | None:
    k, h = settings.k, pd.Timedelta(days=settings.holdout_days)
    stop = end.normalize() + pd.Timedelta(days=1)
    test = Split(stop - h, stop)
    valid = Split(stop - 2 * h, stop - h)
    weight, kind, best = BLEND_WEIGHTS[0], SIMILARITIES[0], -1.0
    for sim in SIMILARITIES:  # a handful of settings, each vectorized over customers
        for w in BLEND_WEIGHTS:
            got = evaluate(Blend(w, settings.half_life_days, kind=sim), data, valid, k)
            if got is not None and (hit := float(got[0]["hit"].mean())) > best:
                weight, kind, best = w, sim, hit
    per: dict[str, pd.DataFrame] = {}
    for name in ("blend", "item_item", *BASELINES):
        got = evaluate(_make(name, settings, weight, kind), data, test, k)
        if got is None:
            return None
        per[name] = got[0]
    rows = [{"method": n, **summarise(p), "customers": len(p)} for n, p in per.items()]
    table = pd.DataFrame(rows)
    chosen = choose_method(table)
    diffs = [bootstrap_difference(per[chosen]["hit"], per[n]["hit"], seed=settings_seed(n)) for n in table["method"]]
    table["diff_vs_chosen"] = [d[0] for d in diffs]
    table["diff_low"] = [d[1] for d in diffs]
    table["diff_high"] = [d[2] for d in diffs]
    table["chosen"] = table["method"] == chosen
    own = [bootstrap_difference(per[n]["hit"], np.zeros(len(per[n])), seed=settings_seed(n)) for n in table["method"]]
    table["hit_low"] = [d[1] for d in own]
    table["hit_high"] = [d[2] for d in own]
    return table, weight, kind, test.cutoff


def settings_seed(name: str) -> int:
    """A fixed bootstrap seed per method name (reproducible intervals)."""
    return sum(map(ord, name))


def _reasons(model: Recommender, times_bought: np.ndarray) -> np.ndarray:
    """Reason code per recommended item: ``repeat`` (the customer bought it), ``together`` or ``popular``."""
    other = "popular" if isinstance(model, (Bestsellers, OwnItems)) else "together"
    return np.where(times_bought > 0, "repeat", other)


def item_history(data: Interactions) -> pd.DataFrame:
    """Per (customer code, item code): occasions it was bought on, the median days between them, the last day."""
    ev = data.events.sort_values(["customer", "item", "date"], kind="stable")
    gap = ev.groupby(["customer", "item"])["date"].diff().dt.days
    g = ev.assign(gap=gap.to_numpy()).groupby(["customer", "item"])
    return pd.DataFrame({"times_bought": g.size(), "every_days": g["gap"].median(), "last_bought": g["date"].max()})


def _sample_history(data: Interactions, stats: pd.DataFrame, rows: np.ndarray, seed: int, n: int = 5) -> pd.DataFrame:
    """What a few recommended customers bought (most occasions first), for the report's sample."""
    rng = np.random.default_rng(seed)
    pick = rng.choice(rows, size=min(n, len(rows)), replace=False) if len(rows) else rows
    hist = stats[stats.index.get_level_values(0).isin(pick)].reset_index()
    hist = hist.sort_values(["customer", "times_bought", "last_bought"], ascending=[True, False, False])
    hist = hist.groupby("customer").head(5)
    return pd.DataFrame(
        {
            "customer_id": data.customers[hist["customer"].to_numpy()].to_numpy(),
            "product": data.items["name"].to_numpy()[hist["item"].to_numpy()],
            "times_bought": hist["times_bought"].to_numpy(),
            "every_days": hist["every_days"].to_numpy(),
            "last_bought": hist["last_bought"].to_numpy(),
        }
    )


def _by_code(values: pd.Series | None, customers: pd.Index) -> pd.Series | None:
    """``values`` (indexed by customer ID) re-indexed by customer code, buyers only."""
    if values is None:
        return None
    codes = customers.get_indexer(values.index)
    return pd.Series(values.to_numpy()[codes >= 0], index=codes[codes >= 0])


def run_recommendations(
    tx: pd.DataFrame,
    period: Period,
    settings: RecommendationSettings | None = None,
    *,
    active: pd.Index | None = None,
    at_risk: pd.Index | None = None,
    churn_threshold_days: float | None = None,
    category_cycle: pd.Series | None = None,
    second_purchase_day: float | None = None,
    value: pd.Series | None = None,
    birth_dates: pd.Series | None = None,
    occasion: str = "customer_day",
    language: str = "en",
    currency: str = "",
) -> RecommendationResult:
    """Evaluate, choose, recommend, find what is bought together and list who to contact.

    Parameters
    ----------
    tx
        Cleaned transactions.
    period
        The report month (everything up to its last day is used).
    settings
        ``params.recommendations``.
    active
        IDs of the customers to recommend to (default: everyone who bought).
    at_risk, churn_threshold_days
        The churn report's at-risk customers and inactivity threshold θ (for win-back).
    category_cycle
        Kaplan–Meier median gap in days by category, with ``all`` (the repurchase report's purchase cycle).
    second_purchase_day
        The day by which half of the second purchases happen (None: no second-purchase list).
    value
        Each customer's CLV (for the trigger lists' value).
    birth_dates
        Birth date by customer ID (the customers source's ``birth_date``), for the birthday list.
    occasion, language, currency
        The purchase occasion, report language and currency.
    """
    s = settings or RecommendationSettings()
    end = period.end
    result = RecommendationResult(period=period, settings=s, language=language, currency=currency)
    try:
        data = interactions(tx, item=s.item, occasion=occasion, end=end)
    except InsufficientData:
        result.unavailable = Unavailable("recommendations.unavailable.no_items")
        return result
    result.item_level = item_column(tx, s.item)
    found = _evaluate_all(data, s, end)
    if found is None:
        result.unavailable = Unavailable("recommendations.unavailable.no_test", {"days": s.holdout_days})
        return result
    result.evaluation, result.blend_weight, result.similarity, result.cutoff = found
    result.method = choose_method(result.evaluation)
    model = _make(result.method, s, result.blend_weight, result.similarity).fit(
        data, data.events, end.normalize() + pd.Timedelta(days=1)
    )
    ids = data.customers if active is None else data.customers.intersection(active)
    rows = data.customers.get_indexer(ids)
    items, scores = top_k(model, rows, s.k)
    k = items.shape[1]
    result.recommendations = pd.DataFrame(
        {
            "customer_id": np.repeat(data.customers[rows].to_numpy(), k),
            "rank": np.tile(np.arange(1, k + 1), len(rows)),
            "item": data.items["item"].to_numpy()[items.ravel()],
            "product": data.items["name"].to_numpy()[items.ravel()],
            "score": scores.ravel(),
        }
    )
    stats = item_history(data)
    got = stats.reindex(pd.MultiIndex.from_arrays([np.repeat(rows, k), items.ravel()]))
    times_bought = got["times_bought"].fillna(0).astype(int).to_numpy()
    result.recommendations["reason"] = _reasons(model, times_bought)
    result.recommendations["times_bought"] = times_bought
    result.recommendations["every_days"] = got["every_days"].to_numpy()
    result.history = _sample_history(data, stats, rows, s.random_state)
    basket = basket_rules(data, data.events, min_support=s.min_support)
    result.pairs, result.triples, result.rules = basket.pairs, basket.triples, basket.rules
    result.category_rules = result.rules
    if result.item_level != "category" and "category" in tx and tx["category"].notna().any():
        cats = interactions(tx, item="category", occasion=occasion, end=end)
        result.category_rules = basket_rules(cats, cats.events, min_support=s.min_support).rules
    occ = occasion_dates(data.events)
    last_item = data.events.sort_values("date").groupby("customer")["item"].last()
    last_cat = pd.Series(data.items["category"].to_numpy()[last_item.to_numpy()], index=last_item.index)
    cycles = personal_cycle(occ, last_cat, category_cycle if category_cycle is not None else pd.Series(dtype=float))
    risk_codes = pd.Index(data.customers.get_indexer(at_risk)) if at_risk is not None else pd.Index([])
    pairs = trigger_lists(
        occ,
        cycles,
        end=end,
        days=s.trigger_days,
        at_risk=risk_codes[risk_codes >= 0],
        churn_threshold_days=churn_threshold_days,
        second_purchase_day=second_purchase_day,
        birth_dates=_by_code(birth_dates, data.customers),
    )
    if active is not None:
        keep = data.customers.get_indexer(data.customers.intersection(active))
        pairs = pairs[pairs["customer"].isin(keep) | (pairs["list"] == "win_back")]
    chosen = apply_priority(pairs)
    val = (value if value is not None else pd.Series(dtype=float)).reindex(data.customers).fillna(0.0)
    val.index = pd.RangeIndex(len(val))
    result.trigger_counts = trigger_summary(pairs, chosen, val)
    result.triggers = pd.DataFrame(
        {
            "customer_id": data.customers[chosen["customer"].to_numpy(int)].to_numpy(),
            "list": chosen["list"].to_numpy(),
            "due": pd.to_datetime(chosen["due"]).dt.normalize().to_numpy(),
            "reason_days": chosen["reason_days"].to_numpy(),
            "value": val.reindex(chosen["customer"].to_numpy(int)).to_numpy(),
        }
    )
    return result


def recommendation_metrics(result: RecommendationResult) -> dict[str, Any]:
    """The ``recommendations`` section of metrics.json (and ``triggers``: the counts per list)."""
    if not result.available or result.evaluation.empty:
        reason = result.unavailable.metrics() if result.unavailable else {}
        return {"k": result.settings.k, **reason}
    ev = result.evaluation.set_index("method")
    chosen = ev.loc[result.method]

    def hit(name: str) -> float | None:
        return float(ev.loc[name, "hit"]) if name in ev.index else None

    n = int(chosen["customers"])
    return {
        "k": result.settings.k,
        "cutoff": result.cutoff.date().isoformat() if result.cutoff is not None else None,
        "customers_evaluated": n,
        "hit_rate_at_k": float(chosen["hit"]),
        "hit_rate_at_k_low": float(chosen["hit_low"]),
        "hit_rate_at_k_high": float(chosen["hit_high"]),
        "baseline_bestseller_hit_rate_at_k": hit("bestsellers"),
        "baseline_own_items_hit_rate_at_k": hit("own_items"),
        "method": result.method,
        "blend_weight": result.blend_weight,
        "similarity": result.similarity,
        "triggers": {
            str(k): int(v)
            for k, v in zip(result.trigger_counts["list"], result.trigger_counts["contacts"], strict=True)
        },
    }


def recommendation_exports(result: RecommendationResult) -> dict[str, pd.DataFrame]:
    """``exports/recommendations.csv`` and one ``exports/triggers_<list>.csv`` per list (real IDs)."""
    if not result.available:
        return {}
    out = {"exports/recommendations.csv": result.recommendations[["customer_id", "rank", "product", "score", "reason"]]}
    for name in result.trigger_counts["list"]:
        out[f"exports/triggers_{name}.csv"] = result.triggers[result.triggers["list"] == name].reset_index(drop=True)
    return out


def _stage_run(inputs: Inputs) -> RecommendationResult:
    p = inputs.params
    churn = inputs.result("churn")
    kpis = inputs.result("repurchase")
    lv = inputs.result("lifetime_value")
    status = churn.status
    active = pd.Index(status.loc[status["status"] == "active", "customer_id"])
    risk = churn.at_risk
    at_risk = pd.Index(risk.loc[risk["at_risk"].astype(bool), "customer_id"]) if "at_risk" in risk else None
    theta = churn.definition.threshold_days if churn.definition.unavailable is None else None
    cycle = kpis.cycle.set_index("group")["km_median"] if "km_median" in kpis.cycle else None
    second = second_purchase_day(kpis.time_to_second)
    value = lv.clv.customers.set_index("customer_id")["clv"] if lv.clv is not None else None
    members = inputs.customers()
    born = None
    if members is not None and "birth_date" in members:
        born = members.set_index("customer_id")["birth_date"].dropna()
    return run_recommendations(
        inputs.transactions(),
        inputs.period,
        p.recommendations,
        active=active,
        at_risk=at_risk,
        churn_threshold_days=theta,
        category_cycle=cycle.replace([np.inf, -np.inf], np.nan).dropna() if cycle is not None else None,
        second_purchase_day=second,
        value=value,
        birth_dates=born,
        occasion=p.repurchase.occasion,
        language=p.language,
        currency=p.currency,
    )


#: The recommendations as a render runs them (see :mod:`repurchase.core.stage`).
STAGE = Stage(
    name="recommendations",
    run=_stage_run,
    requires=("repurchase", "lifetime_value", "churn"),
    metrics=recommendation_metrics,
    exports=recommendation_exports,
)
