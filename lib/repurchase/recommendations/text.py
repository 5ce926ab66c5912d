"""What the recommendations report says: the findings, its tables and sentences, in the report language."""

from __future__ import annotations

import pandas as pd

from repurchase.core import i18n
from repurchase.core.table import Table
from repurchase.recommendations.pipeline import BASELINES, RecommendationResult
from repurchase.recommendations.triggers import PRIORITY

__all__ = [
    "describe_evaluation",
    "describe_findings",
    "describe_triggers",
    "evaluation_table",
    "history_table",
    "pairs_table",
    "sample_table",
    "trigger_preview",
    "trigger_table",
    "triples_table",
]


def _pct(x: float) -> str:
    return "–" if pd.isna(x) else f"{x:.1%}"


def describe_findings(result: RecommendationResult, lang: str = "en") -> str:
    """The headline: which method is used and by how much it beats the baselines, and who to contact."""
    if not result.available:
        return result.unavailable.text(lang) if result.unavailable else ""
    ev = result.evaluation.set_index("method")
    chosen = ev.loc[result.method]
    contacts = int(result.trigger_counts["contacts"].sum()) if len(result.trigger_counts) else 0
    method = i18n.t(f"recommendations.method.{result.method}", lang)
    if result.baseline_won:
        head = i18n.t(
            "recommendations.findings_baseline", lang, method=method, hit=_pct(chosen["hit"]), k=result.settings.k
        )
    else:
        best_base = ev.loc[list(BASELINES), "hit"].idxmax()
        head = i18n.t(
            "recommendations.findings_method",
            lang,
            method=method,
            hit=_pct(chosen["hit"]),
            k=result.settings.k,
            baseline=i18n.t(f"recommendations.method.{best_base}", lang),
            base_hit=_pct(ev.loc[best_base, "hit"]),
            low=_pct(ev.loc[best_base, "diff_low"]),
            high=_pct(ev.loc[best_base, "diff_high"]),
        )
    return (
        head
        + " "
        + i18n.t("recommendations.findings_triggers", lang, contacts=f"{contacts:,}", days=result.settings.trigger_days)
    )


def describe_evaluation(result: RecommendationResult, lang: str = "en") -> str:
    """How the evaluation was set up: the cutoff, the test window and the customers evaluated."""
    if not result.available:
        return ""
    n = int(result.evaluation["customers"].iloc[0])
    return i18n.t(
        "recommendations.evaluation_setup",
        lang,
        cutoff=result.cutoff.date().isoformat() if result.cutoff is not None else "",
        days=result.settings.holdout_days,
        customers=f"{n:,}",
        k=result.settings.k,
        weight=result.blend_weight,
    )


def describe_triggers(result: RecommendationResult, lang: str = "en") -> str:
    """The window of the trigger lists and the priority rule."""
    if not result.available:
        return ""
    order = i18n.t("recommendations.sep", lang).join(i18n.t(f"recommendations.list.{n}", lang) for n in PRIORITY)
    return i18n.t(
        "recommendations.triggers_rule",
        lang,
        start=(result.period.end + pd.Timedelta(days=1)).date().isoformat(),
        end=(result.period.end + pd.Timedelta(days=result.settings.trigger_days)).date().isoformat(),
        order=order,
    )


def evaluation_table(result: RecommendationResult, lang: str = "en") -> Table:
    """Hit rate, precision, recall and NDCG at k per method, with the chosen method's lead over each."""
    cols = ["method", "hit", "hit_low", "hit_high", "precision", "recall", "ndcg", "hit_repeat", "hit_new"]
    cols += ["diff_vs_chosen", "diff_low", "diff_high", "customers"]
    frame = result.evaluation[cols] if result.available else pd.DataFrame(columns=cols)
    share = {c: "share" for c in cols if c not in ("method", "customers")}
    return Table(
        frame,
        formats={**share, "customers": "count"},
        values={"method": "recommendations.method"},
        caption=i18n.t("recommendations.caption.evaluation", lang, k=result.settings.k),
    )


def pairs_table(result: RecommendationResult, lang: str = "en") -> Table:
    """Top pairs bought together (support, confidence both ways, lift)."""
    return Table(
        result.pairs,
        formats={"support": "{:.2%}", "confidence_ab": "share", "confidence_ba": "share", "lift": "{:.2f}"},
        caption=i18n.t("recommendations.caption.pairs", lang, support=f"{result.settings.min_support:.1%}"),
        max_rows=15,
    )


def triples_table(result: RecommendationResult, lang: str = "en") -> Table:
    """Top triples bought together."""
    return Table(
        result.triples,
        formats={"support": "{:.2%}", "lift": "{:.2f}"},
        caption=i18n.t("recommendations.caption.triples", lang),
        max_rows=10,
    )


def trigger_table(result: RecommendationResult, lang: str = "en") -> Table:
    """Per list: customers matching, contacts after the priority rule and their CLV."""
    return Table(
        result.trigger_counts,
        formats={"matching": "count", "contacts": "count", "value": "money"},
        values={"list": "recommendations.list"},
        caption=i18n.t("recommendations.caption.triggers", lang, days=result.settings.trigger_days),
    )


def trigger_preview(result: RecommendationResult, lang: str = "en") -> Table:
    """The first contacts of each list (IDs masked in the report; the CSV exports hold them all)."""
    head = result.triggers.groupby("list", sort=False).head(3) if len(result.triggers) else result.triggers
    return Table(
        head,
        formats={"value": "money", "reason_days": "{:.0f}"},
        values={"list": "recommendations.list"},
        caption=i18n.t("recommendations.caption.preview", lang),
    )


def _reason_texts(rows: pd.DataFrame, lang: str) -> list[str]:
    """Each recommendation's reason in ``lang``: "bought N times, every D days" for a regular repeat item."""
    every = (rows["reason"] == "repeat") & (rows["times_bought"] >= 2) & rows["every_days"].notna()
    return [
        i18n.t("recommendations.reason_every", lang, n=int(n), days=f"{d:.0f}")
        if e
        else i18n.t(f"recommendations.reason.{r}", lang)
        for e, r, n, d in zip(every, rows["reason"], rows["times_bought"], rows["every_days"], strict=True)
    ]


def sample_table(result: RecommendationResult, lang: str = "en") -> Table:
    """The sampled customers' recommendations with the reason of each (IDs masked in the report)."""
    recs = result.recommendations
    if recs.empty or result.history.empty:
        return Table(pd.DataFrame(), caption=i18n.t("recommendations.caption.sample", lang))
    rows = recs[recs["customer_id"].isin(result.history["customer_id"])].copy()
    rows["reason"] = _reason_texts(rows, lang)
    return Table(
        rows[["customer_id", "rank", "product", "reason", "score"]].reset_index(drop=True),
        formats={"score": "{:.2f}"},
        caption=i18n.t("recommendations.caption.sample", lang),
    )


def history_table(result: RecommendationResult, lang: str = "en") -> Table:
    """What the sampled customers bought: their most frequent items, how often and how regularly."""
    return Table(
        result.history,
        formats={"times_bought": "count", "every_days": "{:.0f}"},
        caption=i18n.t("recommendations.caption.history", lang),
    )
