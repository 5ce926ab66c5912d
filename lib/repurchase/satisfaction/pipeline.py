"""The whole satisfaction analysis for one client and period: :func:`run_satisfaction` and its ``STAGE``.

:func:`run_satisfaction` takes plain data (survey responses, transactions,
customers, the ``satisfaction`` settings and the report period) and computes
everything notebook 06 shows, the sentences and table specs included
(:class:`SatisfactionResult`). A client without a surveys source, or without a
usable response, gets a result with ``available`` False: empty tables, and
sentences that say what is not available and why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from repurchase.core import i18n
from repurchase.core.params import SatisfactionSettings
from repurchase.core.periods import Period
from repurchase.core.stage import Inputs, Stage
from repurchase.core.status import Unavailable
from repurchase.core.tiers import DEFAULT_FREQUENCY_TIERS
from repurchase.satisfaction import text
from repurchase.satisfaction.behaviour import (
    CHURN_COLUMNS,
    REPURCHASE_COLUMNS,
    churn_after_response,
    enrich_responses,
    first_responses,
    group_difference,
    nps_breakdowns,
    prior_strata,
    repurchase_after_response,
    time_to_next_purchase,
)
from repurchase.satisfaction.comments import distinguishing_terms, sample_comments, tokenize_comments, top_terms
from repurchase.satisfaction.coverage import CoverageResult, coverage
from repurchase.satisfaction.drivers import KeyDrivers, key_drivers
from repurchase.satisfaction.scores import (
    NPS_GROUPS,
    SCORE_COLUMNS,
    NpsHeterogeneity,
    empty_frame,
    nps_heterogeneity,
    period_scores,
    score_change,
    score_window,
    scores_by_month,
)

__all__ = ["STAGE", "SatisfactionResult", "run_satisfaction", "satisfaction_metrics"]


@dataclass
class SatisfactionResult:
    """Everything the satisfaction report shows, for one client and period.

    Attributes
    ----------
    available
        True when there are survey responses to analyse.
    unavailable
        Why not (None when available): ``satisfaction.unavailable.no_source`` or
        ``no_usable``.
    language
        Report language of :attr:`sentences`, :attr:`tables` and the ``other``
        group of :attr:`breakdowns`.
    period
        The report month.
    settings
        The ``satisfaction`` settings used.
    frequency_tiers
        The prior-frequency thresholds used (``segmentation.frequency_tiers``);
        pass them to the charts to name the tiers.
    period_label, analysis_label
        The scored window (``2026-10`` or ``2026-08..2026-10``) and the pooled
        analysis window of breakdowns, drivers and comments (``2025-11..2026-10``).
    responses, respondents
        Survey responses and distinct respondents up to the period end.
    scores
        :func:`~repurchase.satisfaction.scores.period_scores` with the
        ``response_rate`` of each window.
    change
        :func:`~repurchase.satisfaction.scores.score_change`.
    by_month
        :func:`~repurchase.satisfaction.scores.scores_by_month` (all months up to
        the period end).
    heterogeneity
        Cochran's Q over the NPS of the last 12 months
        (:func:`~repurchase.satisfaction.scores.nps_heterogeneity`): the basis of
        the month-to-month statement.
    breakdowns
        :func:`~repurchase.satisfaction.behaviour.nps_breakdowns` over the
        analysis window (prior frequency tiers as codes).
    repurchase, churn, stratified
        Repurchase and churn after the first response by NPS group, and
        repurchase by prior frequency tier (codes) × NPS group (all history).
    adjustment
        Repurchase by adjustment stratum (prior occasions × days since the last
        purchase, :func:`~repurchase.satisfaction.behaviour.prior_strata`) × NPS group.
    effect
        Detractors − promoters (differences of rates, percentage points as
        shares): crude, then standardized over the adjustment strata.
    km
        :func:`~repurchase.satisfaction.behaviour.time_to_next_purchase`.
    drivers
        :func:`~repurchase.satisfaction.drivers.key_drivers` over the analysis window.
    top_terms, distinguishing, samples
        Comment analysis over the analysis window.
    coverage, coverage_previous
        :func:`~repurchase.satisfaction.coverage.coverage` of this and the previous window.
    sentences, tables
        What the notebook shows (:mod:`repurchase.satisfaction.text`).
    """

    available: bool
    sentences: text.SatisfactionSentences
    tables: text.SatisfactionTables
    unavailable: Unavailable | None = None
    language: str = "en"
    period: Period | None = None
    settings: SatisfactionSettings = field(default_factory=SatisfactionSettings)
    frequency_tiers: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_FREQUENCY_TIERS))
    period_label: str = ""
    analysis_label: str = ""
    responses: int = 0
    respondents: int = 0
    scores: pd.DataFrame = field(
        default_factory=lambda: empty_frame(
            ["window", "label", "start", "end_exclusive", *SCORE_COLUMNS, "response_rate"]
        )
    )
    change: pd.DataFrame = field(default_factory=lambda: empty_frame(["metric"]))
    by_month: pd.DataFrame = field(default_factory=lambda: empty_frame(["month", *SCORE_COLUMNS]))
    breakdowns: pd.DataFrame = field(
        default_factory=lambda: empty_frame(["dimension", "group", *SCORE_COLUMNS, "small_n", "rank"])
    )
    repurchase: pd.DataFrame = field(default_factory=lambda: empty_frame(["nps_group", *REPURCHASE_COLUMNS]))
    churn: pd.DataFrame = field(default_factory=lambda: empty_frame(["nps_group", *CHURN_COLUMNS]))
    stratified: pd.DataFrame = field(
        default_factory=lambda: empty_frame(["frequency_tier", "nps_group", *REPURCHASE_COLUMNS])
    )
    adjustment: pd.DataFrame = field(default_factory=lambda: empty_frame(["stratum", "nps_group", *REPURCHASE_COLUMNS]))
    heterogeneity: NpsHeterogeneity = field(default_factory=NpsHeterogeneity)
    effect: pd.DataFrame = field(
        default_factory=lambda: empty_frame(["comparison", "method", "a", "b", "difference", "low", "high"])
    )
    km: pd.DataFrame = field(
        default_factory=lambda: empty_frame(["group", "days", "repurchased", "low", "high", "at_risk", "n"])
    )
    drivers: KeyDrivers = field(default_factory=KeyDrivers)
    top_terms: pd.DataFrame = field(default_factory=lambda: empty_frame(["group", "rank", "term", "comments", "share"]))
    distinguishing: pd.DataFrame = field(
        default_factory=lambda: empty_frame(["leans", "term", "count_a", "count_b", "z"])
    )
    samples: pd.DataFrame = field(default_factory=lambda: empty_frame(["nps_group", "nps", "month", "comment"]))
    coverage: CoverageResult = field(default_factory=CoverageResult)
    coverage_previous: CoverageResult = field(default_factory=CoverageResult)


def _tables(
    parts: Mapping[str, pd.DataFrame], settings: SatisfactionSettings, tiers: Mapping[str, int], lang: str
) -> text.SatisfactionTables:
    days = {"repurchase_days": settings.repurchase_window_days, "churn_days": settings.churn_window_days}
    return text.SatisfactionTables(
        **{
            name: text.satisfaction_table(name, parts.get(name, empty_frame([])), lang, tiers=tiers, **days)
            for name in text.TABLE_NAMES
        }
    )


def run_satisfaction(
    surveys: pd.DataFrame | None,
    transactions: pd.DataFrame,
    settings: SatisfactionSettings,
    period: Period,
    *,
    customers: pd.DataFrame | None = None,
    frequency_tiers: Mapping[str, int] | None = None,
    occasion: str = "customer_day",
    aspect_labels: Mapping[str, str] | None = None,
    title: str = "",
    language: str = "en",
) -> SatisfactionResult:
    """Run the whole satisfaction analysis.

    Parameters
    ----------
    surveys
        Cleaned survey responses up to the period end; None when the client has
        no surveys source.
    transactions
        Cleaned transactions up to the period end.
    settings
        ``params.satisfaction``.
    period
        The report month.
    customers
        The customers source (member tier, acquisition channel), if any.
    frequency_tiers
        ``params.segmentation.frequency_tiers`` (default
        :data:`~repurchase.core.tiers.DEFAULT_FREQUENCY_TIERS`).
    occasion
        ``params.repurchase.occasion``: what counts as one purchase.
    aspect_labels
        ``{aspect: name}`` shown for the aspect ratings
        (:func:`repurchase.satisfaction.text.aspect_labels`).
    title
        The client's title, named when there is no surveys source.
    language
        Report language of the sentences and tables.

    Returns
    -------
    SatisfactionResult
        With ``available`` False (empty tables, "not available" sentences) when
        the client has no survey source or no response before the period end.
    """
    s, lang = settings, language
    tiers = dict(DEFAULT_FREQUENCY_TIERS if frequency_tiers is None else frequency_tiers)
    common: dict[str, Any] = {"language": lang, "period": period, "settings": s, "frequency_tiers": tiers}
    if surveys is None or surveys.empty:
        why = (
            Unavailable(
                "satisfaction.unavailable.no_source", {"title": title}, then="satisfaction.unavailable.add_source"
            )
            if surveys is None
            else Unavailable("satisfaction.unavailable.no_usable", then="satisfaction.unavailable.add_source")
        )
        return SatisfactionResult(
            False, text.SatisfactionSentences(why), _tables({}, s, tiers, lang), unavailable=why, **common
        )

    scores = period_scores(surveys, period, months=s.score_months)
    windows = [score_window(period, s.score_months, back)[0] for back in (0, 1)]
    cov_now, cov_prev = (
        coverage(
            surveys,
            transactions,
            w,
            lookback_days=s.coverage_lookback_days,
            smd_threshold=s.representative_smd,
            occasion=occasion,
        )
        for w in windows
    )
    scores["response_rate"] = [cov_now.response_rate, cov_prev.response_rate]
    analysis, analysis_label = score_window(period, s.analysis_months)

    enriched = enrich_responses(surveys, transactions, customers, frequency_tiers=tiers, occasion=occasion)
    recent = enriched[enriched["response_date"] >= analysis.start]  # surveys end at the period end
    firsts = first_responses(enriched)
    repurchase = repurchase_after_response(firsts, period, s.repurchase_window_days)
    stratified = repurchase_after_response(firsts, period, s.repurchase_window_days, ["frequency_tier", "nps_group"])
    stratified = stratified[stratified["responses"] > 0].reset_index(drop=True)
    strata = firsts.join(prior_strata(firsts, s.adjust_occasions, s.adjust_recency_days)) if len(firsts) else firsts
    adjustment = (
        repurchase_after_response(strata, period, s.repurchase_window_days, ["stratum", "nps_group"])
        if len(firsts)
        else empty_frame(["stratum", "nps_group", *REPURCHASE_COLUMNS])
    )
    adjustment = adjustment[adjustment["responses"] > 0].reset_index(drop=True)
    effect = pd.concat(
        [group_difference(repurchase), group_difference(adjustment, stratum_col="stratum")], ignore_index=True
    )
    tokens = tokenize_comments(recent["comment"]) if "comment" in recent else tokenize_comments(None)
    groups = recent["nps_group"].astype(object)
    parts: dict[str, Any] = {
        "scores": scores,
        "change": score_change(scores),
        "by_month": scores_by_month(surveys),
        "breakdowns": nps_breakdowns(recent, min_n=s.min_group_size, other_label=i18n.t("satisfaction.other", lang)),
        "repurchase": repurchase,
        "churn": churn_after_response(firsts, period, s.churn_window_days),
        "stratified": stratified,
        "adjustment": adjustment,
        "effect": effect,
        "km": time_to_next_purchase(firsts, period, max_days=max(365, s.repurchase_window_days)),
        "top_terms": top_terms(tokens, groups, n=s.comment_terms),
        "distinguishing": distinguishing_terms(tokens, groups, n=s.comment_terms, prior_scale=s.log_odds_prior_scale),
        "samples": sample_comments(recent, s.sample_comments),
    }
    heterogeneity = nps_heterogeneity(parts["by_month"])
    drivers = key_drivers(recent, target=s.driver_target, min_responses=s.min_group_size, labels=aspect_labels)
    period_label = str(scores.loc[0, "label"])
    sentences = text.SatisfactionSentences(
        availability=text.describe_availability(
            len(surveys),
            int(surveys["customer_id"].nunique()),
            period.end.date().isoformat(),
            period_label,
            text.analysis_window_label(analysis_label, s.analysis_months, lang),
            lang,
        ),
        scores=text.describe_scores(scores, parts["change"], lang),
        trend=text.describe_trend(parts["by_month"], heterogeneity, lang),
        breakdowns=text.describe_breakdowns(parts["breakdowns"], s.min_group_size, lang),
        link=text.describe_link(repurchase, effect, s.repurchase_window_days, lang),
        loyalty=text.describe_loyalty(stratified, effect, s.min_group_size, lang),
        drivers=text.describe_drivers(drivers, lang),
        comments=text.describe_comments(parts["distinguishing"], lang),
        coverage=text.describe_coverage(cov_now, period_label, lang),
    )
    shown = parts | {"by_month": parts["by_month"].tail(12), "drivers": drivers.table, "coverage": cov_now.table}
    return SatisfactionResult(
        True,
        sentences,
        _tables(shown, s, tiers, lang),
        period_label=period_label,
        analysis_label=analysis_label,
        responses=len(surveys),
        respondents=int(surveys["customer_id"].nunique()),
        heterogeneity=heterogeneity,
        drivers=drivers,
        coverage=cov_now,
        coverage_previous=cov_prev,
        **common,
        **parts,
    )


def satisfaction_metrics(result: SatisfactionResult) -> dict[str, Any]:
    """Headline figures under ``satisfaction`` in ``metrics.json``.

    ``nps``, ``nps_low``, ``nps_high`` (points), ``csat`` (share), ``responses``
    and ``response_rate`` of the period, each also with ``_prev_period``;
    ``nps_change``, ``nps_change_low``, ``nps_change_high`` (points, 95%) and
    ``nps_change_p_value``: the test of the change from the previous period
    (:func:`~repurchase.satisfaction.scores.score_change`);
    ``repurchase_rate_by_group`` ({detractor, passive, promoter}: share
    repurchasing within the window), ``repurchase_gap`` (detractors − promoters
    as a difference of shares: ``crude``, ``adjusted`` over the prior occasions ×
    recency strata, ``strata`` used), ``nps_heterogeneity`` (Cochran's Q over
    the monthly NPS: ``months``, ``q``, ``df``, ``p_value``),
    ``repurchase_window_days`` and ``survey_available``. Values that cannot be
    computed are None.
    """
    keys = ["nps", "nps_low", "nps_high", "csat", "responses", "response_rate"]
    out: dict[str, Any] = {"survey_available": bool(result.available)}
    rows = result.scores.set_index("window") if result.available else None
    for suffix, window in (("", "this period"), ("_prev_period", "previous period")):
        for k in keys:
            value = None
            if rows is not None and window in rows.index and k in rows.columns:
                value = rows.loc[window, k]
                value = None if pd.isna(value) else (int(value) if k == "responses" else float(value))
            out[k + suffix] = value
    change = result.change.set_index("metric") if result.available and "p_value" in result.change.columns else None
    for key, col in (("nps_change", "difference"), ("nps_change_low", "low"), ("nps_change_high", "high"),
                     ("nps_change_p_value", "p_value")):  # fmt: skip
        value = change.loc["nps", col] if change is not None and "nps" in change.index else None
        out[key] = None if value is None or pd.isna(value) else float(value)
    rates = {}
    if result.available and not result.repurchase.empty:
        for g, rate in zip(result.repurchase["nps_group"].astype(str), result.repurchase["rate"]):
            rates[g] = None if pd.isna(rate) else float(rate)
    out["repurchase_rate_by_group"] = {g: rates.get(g) for g in NPS_GROUPS}

    def num(x: Any) -> float | None:
        return None if x is None or pd.isna(x) else float(x)

    eff = result.effect if result.available and len(result.effect) >= 2 else None
    out["repurchase_gap"] = {
        "crude": num(eff["difference"].iloc[0]) if eff is not None else None,
        "adjusted": num(eff["difference"].iloc[1]) if eff is not None else None,
        "strata": int(eff["strata"].iloc[1]) if eff is not None and pd.notna(eff["strata"].iloc[1]) else None,
    }
    h = result.heterogeneity
    out["nps_heterogeneity"] = {
        "months": h.months if result.available else None,
        "q": num(h.q) if h.tested else None,
        "df": h.df if h.tested else None,
        "p_value": num(h.p_value) if h.tested else None,
    }
    out["repurchase_window_days"] = int(result.settings.repurchase_window_days) or None
    return out


def _stage_run(inputs: Inputs) -> SatisfactionResult:
    p = inputs.params
    surveys = inputs.surveys()
    return run_satisfaction(
        surveys,
        inputs.transactions(),
        p.satisfaction,
        inputs.period,
        customers=inputs.customers() if surveys is not None else None,
        frequency_tiers=p.segmentation.frequency_tiers,
        occasion=p.repurchase.occasion,
        aspect_labels=text.aspect_labels(p, p.language),
        title=p.title,
        language=p.language,
    )


#: The satisfaction analysis as a render runs it (see :mod:`repurchase.core.stage`).
STAGE = Stage(name="satisfaction", run=_stage_run, metrics=satisfaction_metrics)
