"""The words of the churn report: sentences, display tables (:class:`~repurchase.core.table.Table`) and labels.

Two levels:

* the ``describe_*`` functions, :func:`report_table` and :func:`metrics_table`
  turn one part of the analysis into a sentence or a table in the report
  language;
* the functions taking a :class:`~repurchase.churn.pipeline.ChurnResult`
  (``definition_text``, ``check_table``, ``trend_text`` …) are what notebook 05
  shows, one per cell: ``ctx.show(churn.check_table(res, ctx.language))``.

Every text comes from ``resources/i18n/<lang>/churn.yaml``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from repurchase.churn import lifetime_value_bridge as bridge
from repurchase.churn._base import ChurnTable
from repurchase.churn.at_risk import CustomerValue, at_risk_preview, has_model
from repurchase.churn.definitions import ChurnDefinition
from repurchase.churn.early_warning import EarlyWarningResult, lift_table
from repurchase.churn.labels import group_label, model_label, value_band_label
from repurchase.churn.pipeline import ChurnResult, churn_metrics
from repurchase.churn.trend import BREAKDOWNS, rate_for_month, recent_months
from repurchase.core import formatting, i18n
from repurchase.core.table import Table
from repurchase.core.tiers import frequency_tier_label
from repurchase.kpis import rate_change_is_news

__all__ = [
    "MONEY_COLUMNS",
    "SMALL_TEST_CHURNERS",
    "SMALL_TEST_CUSTOMERS",
    "WEAK_MARGIN",
    "at_risk_text",
    "breakdown_text",
    "check_table",
    "choice_text",
    "comparison_table",
    "decile_table",
    "definition_text",
    "describe_at_risk",
    "describe_breakdown",
    "describe_choice",
    "describe_definition",
    "describe_findings",
    "describe_logrank",
    "describe_model",
    "describe_model_based",
    "describe_survival",
    "describe_trend",
    "headline_table",
    "logrank_text",
    "metrics_table",
    "model_caution",
    "model_text",
    "preview_table",
    "recent_table",
    "report_table",
    "risk_table",
    "sizes_table",
    "survival_formats",
    "survival_table",
    "survival_text",
    "trend_text",
    "value_note",
]


def _pct(value: float, digits: int = 1) -> str:
    return formatting.format_percent(value, digits)


def _month(value: Any, lang: str) -> str:
    return formatting.format_month(f"{pd.Timestamp(value):%Y-%m}", lang)


def describe_definition(definition: ChurnDefinition, lang: str = "en") -> str:
    """The inactivity rule in use, with where θ came from, in the report language."""
    d = definition
    if d.source == "fixed":
        return i18n.t("churn.definition_fixed", lang, days=d.threshold_days)
    if d.source == "default":
        reason = d.unavailable.text(lang) if d.unavailable is not None else ""
        return i18n.t("churn.definition_default", lang, days=d.threshold_days, reason=reason)
    within = i18n.t("churn.definition_within", lang, days=d.horizon_days) if d.horizon_days else ""
    text = i18n.t(
        "churn.definition_km",
        lang,
        days=d.threshold_days,
        quantile=f"{d.quantile:.0%}",
        within=within,
        date=d.window.end.date().isoformat(),
    )
    span = d.horizon_days or 365
    if d.history_days is not None and d.history_days < span:  # gaps longer than the data cannot be seen yet
        short = i18n.t("churn.definition_short", lang, history=f"{d.history_days:,}", span=span)
        text += i18n.t("churn.sentence_sep", lang) + short
    return text


def describe_model_based(scores: ChurnTable, status: pd.DataFrame, window_days: int, lang: str = "en") -> str:
    """Model-based churn at the period end, next to the inactivity rule (or why the BG/NBD could not be fitted)."""
    if scores.unavailable is not None:
        return scores.unavailable.text(lang)
    merged = status.merge(scores.table[["customer_id", "p_no_purchase", "p_alive"]], on="customer_id", how="left")
    active = merged[merged["status"] == "active"]
    return i18n.t(
        "churn.model_based", lang, active=f"{len(active):,}", expected=f"{active['p_no_purchase'].sum():,.0f}",
        share=_pct(active["p_no_purchase"].mean()), days=window_days, likely=_pct((active["p_no_purchase"] >= 0.5).mean()),
        p_alive=_pct(active["p_alive"].mean()),
    )  # fmt: skip


def describe_trend(trend: ChurnTable, period: Any, lang: str = "en", currency: str = "CNY") -> str:
    """The report month's churn rate against the previous month and a year ago (money in ``currency``).

    When no month has a complete base yet: why, and from which month the rate can be read.
    """
    if trend.unavailable is not None:
        return trend.unavailable.text(lang)
    table = trend.table
    start = pd.Timestamp(period.start)
    now = rate_for_month(table, start)
    prev = rate_for_month(table, start - pd.DateOffset(months=1))
    year = rate_for_month(table, start - pd.DateOffset(months=12))
    row = table[(table["month"] == start) & (table["group"] == "all")]
    if now is None or row.empty:
        return i18n.t("churn.trend_unavailable", lang, month=_month(start, lang))
    r = row.iloc[0]
    parts = []
    if prev is not None:
        parts.append(i18n.t("churn.trend_prev", lang, rate=_pct(prev)))
    if year is not None:
        parts.append(i18n.t("churn.trend_year", lang, rate=_pct(year)))
    compare = i18n.t("churn.trend_compare", lang, parts=i18n.t("churn.sep", lang).join(parts)) if parts else ""
    return i18n.t(
        "churn.trend_main", lang, month=_month(start, lang), churned=f"{int(r['churned']):,}",
        active=f"{int(r['active_start']):,}", rate=_pct(now), compare=compare,
        revenue=formatting.format_money(float(r["churned_revenue"]), currency, lang), reactivated=f"{int(r['reactivated']):,}",
    )  # fmt: skip


def _dimension(by: str, lang: str) -> str:
    return i18n.t(f"churn.by.{by}", lang) if by in BREAKDOWNS else str(by)


def describe_breakdown(result: ChurnTable, by: str, lang: str = "en") -> str:
    """Highest and lowest monthly churn rate among the groups of a breakdown (``by``: a key of :data:`BREAKDOWNS`)."""
    what = _dimension(by, lang)
    breakdown, why = result.table, result.unavailable
    if why is not None:
        total = breakdown.loc[breakdown["group"] == "all", "churn_rate"]
        return why.text(lang, what=what, overall=_pct(float(total.iloc[0])) if len(total) else "–")
    if breakdown.empty:
        return i18n.t("churn.breakdown_none", lang, what=what)
    groups = breakdown[(breakdown["group"] != "all") & (breakdown["group"] != "other")]
    if len(groups) < 2:
        return i18n.t("churn.breakdown_one", lang, what=what)
    hi = groups.iloc[0]
    lo = groups.iloc[-1]
    total = breakdown[breakdown["group"] == "all"].iloc[0]
    return i18n.t(
        "churn.breakdown_main", lang, what=what, high=group_label(hi["group"], by, lang), high_rate=_pct(hi["churn_rate"]),
        low=group_label(lo["group"], by, lang), low_rate=_pct(lo["churn_rate"]), overall=_pct(total["churn_rate"]),
        months=int(total["months"]),
    )  # fmt: skip


def _population_word(warning: EarlyWarningResult, lang: str) -> str:
    return i18n.t("churn.population_active" if warning.population == "active" else "churn.population_all", lang)


def _auc(value: float) -> str:
    return f"{value:.3f}" if np.isfinite(value) else "–"


#: the chosen model is called weak when its test ROC AUC is not above the recency baseline's by more than this
WEAK_MARGIN = 0.02
#: a test set with fewer customers or churners than this gives rough AUCs
SMALL_TEST_CUSTOMERS, SMALL_TEST_CHURNERS = 200, 30


def model_caution(
    warning: EarlyWarningResult,
    lang: str = "en",
    *,
    margin: float = WEAK_MARGIN,
    min_customers: int = SMALL_TEST_CUSTOMERS,
    min_churners: int = SMALL_TEST_CHURNERS,
) -> str:
    """A warning when the backtest gives little reason to trust the model ("" when there is none).

    * weak: the chosen model's test ROC AUC is at most ``margin`` above the
      recency-only baseline's, or below it;
    * BG/NBD: the BG/NBD score (purchase history only) has a test ROC AUC at
      least the chosen model's or a Brier score at most its (the chosen model
      is not the BG/NBD score itself);
    * small: the test cutoff has fewer than ``min_customers`` customers or
      ``min_churners`` churners, so every AUC of the table could move a lot on
      another month.
    """
    if warning.unavailable is not None or warning.chosen is None:
        return ""
    c = warning.chosen
    auc, rec = warning.metric(c, "roc_auc"), warning.metric("recency", "roc_auc")
    customers = len(warning.test_scores)
    churners = int(np.asarray(warning.test_scores["churned"], dtype=bool).sum())
    parts = []
    if np.isfinite(auc) and np.isfinite(rec) and auc <= rec + margin:
        parts.append(i18n.t("churn.caution_weak", lang, model=model_label(c, lang), auc=_auc(auc), recency=_auc(rec)))
    bg_auc, bg_brier, brier = (
        warning.metric("bgnbd", "roc_auc"),
        warning.metric("bgnbd", "brier"),
        warning.metric(c, "brier"),
    )
    if (
        c != "bgnbd"
        and all(np.isfinite(v) for v in (auc, bg_auc, brier, bg_brier))
        and (bg_auc >= auc or bg_brier <= brier)
    ):
        which = "both" if bg_auc >= auc and bg_brier <= brier else ("auc" if bg_auc >= auc else "brier")
        parts.append(i18n.t(
            "churn.caution_bgnbd", lang, model=model_label(c, lang), auc=_auc(auc), bgnbd_auc=_auc(bg_auc),
            brier=_auc(brier), bgnbd_brier=_auc(bg_brier), which=i18n.t(f"churn.caution_bgnbd_{which}", lang),
        ))  # fmt: skip
    if customers < min_customers or churners < min_churners:
        parts.append(
            i18n.t(
                "churn.caution_small",
                lang,
                customers=f"{customers:,}",
                churners=f"{churners:,}",
                min_customers=min_customers,
                min_churners=min_churners,
            )
        )
    return i18n.t("churn.sentence_sep", lang).join(parts)


def _verdict(warning: EarlyWarningResult, lang: str) -> str:
    """Whether the chosen model beats the recency-only baseline on the test cutoff (ROC AUC, 0.005 apart)."""
    c = warning.chosen or ""
    auc = warning.metric(c, "roc_auc")
    rec = warning.metric("recency", "roc_auc")
    values = {"model": model_label(c, lang), "auc": _auc(auc), "recency": _auc(rec)}
    kind = "model" if auc > rec + 0.005 else "recency" if auc < rec - 0.005 else "tie"
    return i18n.t(f"churn.verdict_{kind}", lang, **values)


def describe_model(warning: EarlyWarningResult, lang: str = "en") -> str:
    """The backtest result in plain words, whoever wins, with a warning when the model is weak or the test small.

    Without a model (:attr:`EarlyWarningResult.unavailable`): why, what the user
    can do, and how the at-risk list is ranked instead.
    """
    if warning.unavailable is not None:
        return warning.unavailable.text(lang)
    c = warning.chosen or ""
    verdict = _verdict(warning, lang)
    text = i18n.t(
        "churn.describe_model", lang, verdict=verdict, bgnbd=_auc(warning.metric("bgnbd", "roc_auc")),
        customers=f"{len(warning.test_scores):,}", population=_population_word(warning, lang),
        cutoff=warning.test_cutoff.date().isoformat(), base_rate=_pct(warning.metric(c, "base_rate")),
        days=warning.window_days, pr_auc=_auc(warning.metric(c, "pr_auc")),
    )  # fmt: skip
    caution = model_caution(warning, lang)
    return text + i18n.t("churn.sentence_sep", lang) + caution if caution else text


def describe_choice(warning: EarlyWarningResult, lang: str = "en") -> str:
    """Which model was chosen and why, plus the notes of the run (e.g. why the tier is not a feature).

    "" without a model (:func:`describe_model` says why).
    """
    if warning.unavailable is not None:
        return ""
    auc = warning.validation.set_index("model")["validation_roc_auc"]
    chosen = warning.chosen or ""
    other = "logistic" if chosen == "gradient_boosting" else "gradient_boosting"
    text = i18n.t(
        "churn.describe_choice", lang, model=model_label(chosen, lang), auc=_auc(auc[chosen]),
        other_auc=_auc(auc[other]), other=model_label(other, lang), margin=f"{warning.choice_margin:g}",
        customers=f"{len(warning.scores):,}", population=_population_word(warning, lang),
        date=(warning.end - pd.Timedelta(days=1)).date().isoformat(),
    )  # fmt: skip
    return i18n.t("churn.sentence_sep", lang).join([text, *warning.note_texts(lang)])


def _survival_header(horizon: int, lang: str) -> str:
    return i18n.t("churn.col_survival", lang, days=horizon)


def survival_formats(horizons: Sequence[int], lang: str = "en") -> dict[str, str]:
    """Formats of a :func:`survival_at` table shown through :func:`report_table`: S(t) in percent, whole days."""
    return {"churn_median_days": "{:,.0f}", **{_survival_header(h, lang): "{:.1%}" for h in horizons}}


#: money columns of the churn tables, written with the currency by :func:`report_table`
MONEY_COLUMNS: tuple[str, ...] = ("value", "value_at_risk", "churned_revenue", "spend_365d")


def report_table(
    frame: pd.DataFrame, lang: str = "en", *, by: str | None = None, currency: str | None = None
) -> pd.DataFrame:
    """A churn table ready for ``ctx.show``: codes in words, headers as ``col.churn_*`` catalog keys.

    Columns with a ``col.churn_<name>`` catalog entry are renamed ``churn_<name>``
    (``ctx.show`` then shows the entry; ``customer_id`` keeps its name so
    that it is masked); ``S(t)`` columns get their header in ``lang``. Codes are
    translated: ``group`` (with ``by``, see :func:`group_label`),
    ``frequency_tier``, ``value_band``, ``model`` (the English ``label`` column
    is dropped), ``set`` and ``complete``; months and dates are written out.
    With ``currency``, the money columns (:data:`MONEY_COLUMNS`) are written with
    it by :func:`repurchase.core.formatting.format_money` (e.g. $1,234 or ¥1.2万);
    other numbers are not changed.
    """
    out = frame.copy()
    if currency:
        for col in MONEY_COLUMNS:
            if col in out.columns:
                out[col] = [formatting.format_money(float(v), currency, lang) if pd.notna(v) else "" for v in out[col]]
    if "model" in out.columns:
        out = out.drop(columns=[c for c in ("label",) if c in out.columns])
    coders = {
        "group": lambda v: group_label(v, by, lang),
        "frequency_tier": lambda v: frequency_tier_label(str(v), lang),
        "value_band": lambda v: value_band_label(str(v), lang),
        "model": lambda v: model_label(str(v), lang),
        "set": lambda v: i18n.t(f"churn.set.{v}", lang) if v in ("training", "test", "scoring") else str(v),
        "complete": lambda v: i18n.t("churn.complete_yes" if bool(v) else "churn.complete_no", lang),
    }
    for col, code in coders.items():
        if col in out.columns:
            out[col] = out[col].map(code)
    if "month" in out.columns:
        out["month"] = out["month"].map(lambda v: _month(v, lang))
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    names = {}
    for col in out.columns:
        if isinstance(col, str) and col.startswith("S(") and col.endswith(")") and col[2:-1].isdigit():
            names[col] = _survival_header(int(col[2:-1]), lang)
        elif i18n.has(f"col.churn_{col}", lang):
            names[col] = f"churn_{col}"
    return out.rename(columns=names)


def _metric_text(name: str, value: Any, lang: str) -> str:
    """A value of the metrics table: codes in words, rates in percent, AUCs with three decimals."""
    if isinstance(value, str):
        if name == "threshold_source" and i18n.has(f"churn.source.{value}", lang):
            return i18n.t(f"churn.source.{value}", lang)
        if name.endswith("status") and i18n.has(f"churn.status.{value}", lang):
            return i18n.t(f"churn.status.{value}", lang)
        if name.endswith("reason") and i18n.has(f"churn.reason.{value}", lang):
            return i18n.t(f"churn.reason.{value}", lang)
        if name == "at_risk_rule" and i18n.has(f"churn.at_risk_rule.{value}", lang):
            return i18n.t(f"churn.at_risk_rule.{value}", lang)
        if name == "value_basis" and i18n.has(f"churn.basis.{value}", lang):
            return i18n.t(f"churn.basis.{value}", lang)
        if name == "model.name":
            return model_label(value, lang)
        return value
    if isinstance(value, float):
        return (
            f"{value:.1%}"
            if "rate" in name
            else f"{value:,.3f}"
            if ("auc" in name or "brier" in name)
            else f"{value:,.2f}"
        )
    return (
        "–" if value is None else f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)
    )


def _metric_label(key: str, sub: str | None, lang: str) -> str:
    def one(k: str) -> str:
        return i18n.t(f"churn.metric.{k}", lang) if i18n.has(f"churn.metric.{k}", lang) else k

    return one(key) if sub is None else i18n.t("churn.metric_nested", lang, parent=one(key), child=one(sub))


def metrics_table(metrics: Mapping[str, Any], lang: str = "en") -> pd.DataFrame:
    """The ``churn`` metrics as a two-column ``metric``/``value`` table, labelled in the report language.

    Nested keys (``model.roc_auc``) read "chosen model: ROC AUC"; codes such as
    the threshold source and the value basis are written out.
    """
    rows = []
    for key, value in metrics.items():
        items = value.items() if isinstance(value, Mapping) else [(None, value)]
        for sub, v in items:
            name = key if sub is None else f"{key}.{sub}"
            rows.append({"metric": _metric_label(key, sub, lang), "value": _metric_text(name, v, lang)})
    return pd.DataFrame(rows)


def describe_survival(table: pd.DataFrame, horizons: Sequence[int], lang: str = "en") -> str:
    """S(t) of all spells at the horizons (or that the history is too short to read any)."""
    row = table[table["group"] == "all"]
    if row.empty:
        row = table
    r = row.iloc[0]
    parts = [
        i18n.t("churn.survival_part", lang, share=_pct(r[f"S({h})"], 0), days=h)
        for h in horizons
        if pd.notna(r.get(f"S({h})"))
    ]
    if not parts:  # no spell followed as long as the shortest horizon yet
        return i18n.t("churn.survival_too_short", lang, days=min(horizons))
    return i18n.t("churn.describe_survival", lang, parts=i18n.t("churn.list_sep", lang).join(parts))


def describe_logrank(result: Mapping[str, Any], lang: str = "en") -> str:
    """The log-rank test of :func:`logrank_test` in one sentence (the dimension is ``result["by"]``)."""
    what = _dimension(str(result.get("by", "")), lang)
    if result.get("groups", 0) == 0:
        return i18n.t("churn.logrank_none", lang, what=what)
    if not np.isfinite(result.get("p_value", math.nan)):
        return i18n.t("churn.logrank_one", lang, what=what)
    p = result["p_value"]
    verdict = i18n.t("churn.logrank_differ" if p < 0.05 else "churn.logrank_same", lang)
    return i18n.t(
        "churn.logrank_main", lang, groups=result["groups"], what=what, statistic=f"{result['test_statistic']:,.1f}",
        dof=result["degrees_of_freedom"], p="< 0.001" if p < 0.001 else f"= {p:.3f}", verdict=verdict,
    )  # fmt: skip


def describe_at_risk(at_risk: pd.DataFrame, basis_note: str, currency: str = "CNY", lang: str = "en") -> str:
    """How many active customers are at risk and how much value they carry (``basis_note``: :func:`value_note`).

    Without a model: how the at-risk customers were flagged (days since the last
    purchase) and ranked (by value), and the value they hold.
    """
    flagged = at_risk[at_risk["at_risk"]]
    if len(at_risk) and not has_model(at_risk):
        return i18n.t(
            "churn.describe_at_risk_recency", lang, flagged=f"{len(flagged):,}", active=f"{len(at_risk):,}",
            share=_pct(len(flagged) / max(len(at_risk), 1)), value=formatting.format_money(float(flagged["value"].sum()),
                                                                                      currency, lang),
        ) + basis_note  # fmt: skip
    top = flagged.head(max(1, len(flagged) // 10))
    total = flagged["value_at_risk"].sum()
    share = top["value_at_risk"].sum() / total if total > 0 else math.nan
    text = i18n.t(
        "churn.describe_at_risk", lang, flagged=f"{len(flagged):,}", active=f"{len(at_risk):,}",
        share=_pct(len(flagged) / max(len(at_risk), 1)), value=formatting.format_money(float(total), currency, lang),
    )  # fmt: skip
    if np.isfinite(share):
        text += i18n.t("churn.describe_at_risk_top", lang, share=_pct(share, 0))
    return text + basis_note


def value_note(value: CustomerValue, lang: str = "en") -> str:
    """What the value of the at-risk list is (CLV of the lifetime-value report, or annual spend), in one sentence."""
    if value.basis == "clv":
        return i18n.t("churn.value_clv", lang, months=value.horizon_months, model=bridge.model_name(value.model, lang))
    return i18n.t("churn.value_fallback" if value.fallback else "churn.value_annual", lang)


# ---------------------------------------------------------------------------
# what notebook 05 shows, one call per cell


def definition_text(res: ChurnResult, lang: str = "en") -> str:
    """The inactivity rule in use and the model-based definition at the period end."""
    model_based = describe_model_based(res.model_based, res.status, res.definition.window_days, lang)
    return describe_definition(res.definition, lang) + i18n.t("churn.sentence_sep", lang) + model_based


def check_table(res: ChurnResult, lang: str = "en") -> Table:
    """Both definitions applied N days before the period end: precision, recall, base rate (or why not yet)."""
    shares = dict.fromkeys(("churn_flagged_share", "churn_precision", "churn_recall", "churn_base_rate"), "{:.1%}")
    return Table(report_table(res.check.table, lang), formats=shares, unavailable=res.check.unavailable)


def trend_text(res: ChurnResult, lang: str = "en") -> str:
    """The report month's churn rate against the previous month and a year ago (or why it cannot be read yet)."""
    return describe_trend(res.trend, res.period, lang, res.currency)


def recent_table(res: ChurnResult, lang: str = "en", months: int = 13) -> Table:
    """The last ``months`` months of the trend, newest first (nothing when no month is complete)."""
    frame = report_table(recent_months(res.trend.table, months), lang, currency=res.currency)
    return Table(
        frame, formats={"churn_churn_rate": "{:.1%}"}, caption=i18n.t("churn.recent_caption", lang, months=months)
    )


def breakdown_text(res: ChurnResult, by: str, lang: str = "en") -> str:
    """The sentence under the breakdown chart of ``by`` (a key of :data:`repurchase.churn.BREAKDOWNS`)."""
    return describe_breakdown(res.breakdowns[by], by, lang)


def sizes_table(res: ChurnResult, lang: str = "en") -> Table:
    """Customers, churners, base rate and θ at each cutoff of the backtest."""
    return Table(
        report_table(res.warning.sizes, lang),
        formats={"churn_base_rate": "{:.1%}", "churn_churners": "{:,.0f}"},
        caption=i18n.t("churn.sizes_caption", lang),
    )


def model_text(res: ChurnResult, lang: str = "en") -> str:
    """The backtest in plain words (or why there is no model)."""
    return describe_model(res.warning, lang)


def comparison_table(res: ChurnResult, lang: str = "en") -> Table:
    """Every score on the same test customers."""
    formats = {
        "churn_roc_auc": "{:.3f}",
        "churn_pr_auc": "{:.3f}",
        "churn_base_rate": "{:.1%}",
        "churn_brier": "{:.3f}",
        "churn_top_decile_lift": "{:.2f}",
    }
    return Table(
        report_table(res.warning.comparison, lang), formats=formats, caption=i18n.t("churn.comparison_caption", lang)
    )


def decile_table(res: ChurnResult, lang: str = "en") -> Table:
    """The chosen model by decile on the test cutoff: churn rate, lift, gains."""
    formats = {
        "churn_churn_rate": "{:.1%}",
        "churn_lift": "{:.2f}",
        "churn_cumulative_share": "{:.0%}",
        "churn_cumulative_gain": "{:.1%}",
    }
    return Table(
        report_table(lift_table(res.warning), lang), formats=formats, caption=i18n.t("churn.lift_caption", lang)
    )


def choice_text(res: ChurnResult, lang: str = "en") -> str:
    """Which model was chosen and why, with the notes of the run ("" without a model)."""
    return describe_choice(res.warning, lang)


def survival_text(res: ChurnResult, lang: str = "en") -> str:
    """S(t) of all spells at the horizons."""
    return describe_survival(res.survival, res.settings.survival_horizons, lang)


def survival_table(res: ChurnResult, by: str, lang: str = "en") -> Table:
    """S(t) at the horizons and the median by group of ``by`` (``frequency_tier``, ``first_category``)."""
    horizons = res.settings.survival_horizons
    return Table(report_table(res.survival_by[by].table, lang, by=by), formats=survival_formats(horizons, lang))


def logrank_text(res: ChurnResult, by: str, lang: str = "en") -> str:
    """The log-rank test of the survival curves by ``by``."""
    return describe_logrank(res.survival_by[by].logrank, lang)


def at_risk_text(res: ChurnResult, lang: str = "en") -> str:
    """How many active customers are at risk, the value they carry, what value at risk is and what the value is."""
    text = describe_at_risk(res.at_risk, value_note(res.value, lang), res.currency, lang)
    if not len(res.at_risk) or not has_model(res.at_risk):
        return text
    definition = i18n.t(
        "churn.value_at_risk_definition", lang, days=res.warning.window_days,
        threshold=_pct(res.settings.at_risk_probability, 0),
    )  # fmt: skip
    return text + i18n.t("churn.sentence_sep", lang) + definition


def _findings_rate(res: ChurnResult, lang: str) -> str:
    """The month's churn rate with the month before (a change only when more than chance) and a year earlier."""
    start = pd.Timestamp(res.period.start)
    month, days = _month(start, lang), res.definition.threshold_days
    table = res.trend.table
    now = rate_for_month(table, start) if res.trend.unavailable is None else None
    row = table[(table["month"] == start) & (table["group"] == "all")] if now is not None else table.iloc[:0]
    if now is None or row.empty:
        return i18n.t("churn.findings_no_rate", lang, month=month, days=days)
    last = start - pd.DateOffset(months=1)
    prev = rate_for_month(table, last)
    year = rate_for_month(table, start - pd.DateOffset(months=12))
    active = int(row.iloc[0]["active_start"])
    parts = []
    if prev is not None:
        before = table[(table["month"] == last) & (table["group"] == "all")]
        n_prev = float(before["active_start"].iloc[0]) if len(before) else math.nan
        news = rate_change_is_news(now, active, prev, n_prev)  # the overview's test of the churn-rate card
        if news is None:
            parts.append(i18n.t("churn.trend_prev", lang, rate=_pct(prev)))
        else:
            change = i18n.t("churn.findings_pp", lang, value=f"{(now - prev) * 100:+.1f}")
            key = "churn.findings_prev_changed" if news else "churn.findings_prev_same"
            parts.append(i18n.t(key, lang, prev=_pct(prev), change=change))
    if year is not None:
        parts.append(i18n.t("churn.trend_year", lang, rate=_pct(year)))
    compare = i18n.t("churn.trend_compare", lang, parts=i18n.t("churn.sep", lang).join(parts)) if parts else ""
    return i18n.t("churn.findings_rate", lang, rate=_pct(now), active=f"{active:,}", month=month, days=days,
                  compare=compare)  # fmt: skip


def _findings_at_risk(res: ChurnResult, lang: str) -> list[str]:
    """Who is likely to lapse and the value they hold, then the tier and value band holding the most of it."""
    at_risk = res.at_risk
    if not len(at_risk):
        return []
    flagged = at_risk[at_risk["at_risk"]]
    if flagged.empty:
        return [i18n.t("churn.findings_none", lang, active=f"{len(at_risk):,}")]
    model = has_model(at_risk)
    value = float(flagged["value_at_risk" if model else "value"].sum())
    values = {
        "flagged": f"{len(flagged):,}",
        "active": f"{len(at_risk):,}",
        "share": _pct(len(flagged) / len(at_risk)),
        "value": formatting.format_money(value, res.currency, lang),
    }
    if model:
        threshold = _pct(res.settings.at_risk_probability, 0)
        head = i18n.t("churn.findings_at_risk", lang, threshold=threshold, days=res.warning.window_days, **values)
    else:
        head = i18n.t("churn.findings_at_risk_recency", lang, **values)
    summary = res.at_risk_summary
    column = "value_at_risk" if model else "value"
    if summary.empty or not summary[column].iloc[0] > 0:
        return [head]
    top = summary.iloc[0]  # at_risk_summary is sorted by that value, highest first
    group = i18n.t(
        "churn.findings_top_group", lang, tier=frequency_tier_label(str(top["frequency_tier"]), lang),
        band=value_band_label(str(top["value_band"]), lang), n=f"{int(top['at_risk']):,}",
        value=formatting.format_money(float(top[column]), res.currency, lang), action=str(top["action"]),
    )  # fmt: skip
    return [head, group]


def _findings_model(warning: EarlyWarningResult, lang: str) -> list[str]:
    """The backtest's verdict against the recency-only baseline, as :func:`describe_model` words it."""
    if warning.unavailable is not None or warning.chosen is None:
        return []
    auc, rec = warning.metric(warning.chosen, "roc_auc"), warning.metric("recency", "roc_auc")
    if not (np.isfinite(auc) and np.isfinite(rec)):
        return []
    return [i18n.t("churn.findings_model", lang, verdict=_verdict(warning, lang))]


def describe_findings(res: ChurnResult, lang: str = "en") -> str:
    """The key findings at the top of the churn report: 2–4 sentences with the month's numbers to act on.

    Parameters
    ----------
    res
        The churn result (:func:`repurchase.churn.run_churn`).
    lang
        Report language (``en`` or ``zh``).

    Returns
    -------
    str
        The report month's churn rate with the month before, worded as a change
        only when the overview's test of the churn-rate card says it is more
        than chance (:func:`repurchase.kpis.rate_change_is_news`: churned out
        of the customers active at each month's start), else "about the same",
        and the rate a year earlier; how many active customers are likely to lapse and
        the value they hold (value at risk with a model, their value without);
        the frequency tier and value band holding the most of it with its
        action; and whether the early-warning model beats the days since the
        last purchase. The numbers are those of :func:`trend_text`,
        :func:`at_risk_text`, :func:`risk_table` and :func:`model_text`. When
        there is neither a churn rate nor an active customer, the reason the
        churn rate is unavailable.
    """
    risk = _findings_at_risk(res, lang)
    if not risk and res.trend.unavailable is not None:
        return res.trend.unavailable.text(lang)
    parts = [_findings_rate(res, lang), *risk, *_findings_model(res.warning, lang)]
    return i18n.t("churn.sentence_sep", lang).join(parts)


def risk_table(res: ChurnResult, lang: str = "en") -> Table:
    """At-risk customers, value at risk and the action by frequency tier and value band."""
    return Table(
        report_table(res.at_risk_summary, lang, currency=res.currency),
        formats={"churn_mean_p_churn": "{:.1%}"},
        caption=i18n.t("churn.risk_caption", lang),
    )


def preview_table(res: ChurnResult, lang: str = "en", n: int = 15) -> Table:
    """The ``n`` at-risk customers ranked first (IDs are masked by the report)."""
    return Table(
        report_table(at_risk_preview(res.at_risk, n), lang, currency=res.currency),
        formats={"churn_p_churn": "{:.1%}"},
        caption=i18n.t("churn.preview_caption", lang),
    )


def headline_table(res: ChurnResult, lang: str = "en") -> Table:
    """The ``churn`` metrics of metrics.json, labelled in the report language."""
    return Table(metrics_table(churn_metrics(res), lang))
