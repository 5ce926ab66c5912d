"""Satisfaction: NPS, CSAT and CES with intervals, their link to repurchase, key drivers and comments.

Survey scores become useful when they are joined to behaviour. The entry point
is :func:`run_satisfaction` (plain data in, a :class:`SatisfactionResult` out,
everything notebook 06 shows); a render runs it as :data:`STAGE`
(``satisfaction``). A client without surveys gets a result that says what is not
available.

Where each part lives
---------------------
:mod:`~repurchase.satisfaction.scores`
    NPS groups, NPS/CSAT/CES with intervals (:func:`score_table`), by month
    (:func:`scores_by_month`) and period (:func:`period_scores`), the change
    between periods (:func:`score_change`) and whether the months differ
    (:func:`nps_heterogeneity`: Cochran's Q).
:mod:`~repurchase.satisfaction.behaviour`
    Responses joined to purchases (:func:`enrich_responses`, prior frequency
    tiers from :func:`repurchase.core.tiers.frequency_tiers`), breakdowns
    (:func:`nps_breakdowns`), repurchase and churn after the response
    (:func:`repurchase_after_response`, :func:`churn_after_response`), group
    differences (:func:`group_difference`, crude or standardized over the
    strata of :func:`prior_strata`: prior occasions × recency) and time to the next purchase
    (:func:`time_to_next_purchase`).
:mod:`~repurchase.satisfaction.drivers`
    Johnson's relative weights (:func:`relative_weights`) and key drivers
    (:func:`key_drivers`).
:mod:`~repurchase.satisfaction.comments`
    Tokenizing (Chinese with jieba, English by regex), top terms, weighted
    log-odds, sample comments.
:mod:`~repurchase.satisfaction.coverage`
    Response rate and whether respondents are representative (:func:`coverage`).
:mod:`~repurchase.satisfaction.text`
    Sentences, :class:`~repurchase.core.table.Table` specs and display labels in
    the report language.
:mod:`~repurchase.satisfaction.pipeline`
    :func:`run_satisfaction`, :class:`SatisfactionResult`,
    :func:`satisfaction_metrics` and :data:`STAGE`.

Importing this package imports neither jieba nor lifelines; both are imported
lazily where needed.
"""

from __future__ import annotations

from repurchase.satisfaction.behaviour import (
    CHURN_COLUMNS,
    DIMENSIONS,
    NONE_BEFORE,
    REPURCHASE_COLUMNS,
    churn_after_response,
    enrich_responses,
    first_responses,
    group_difference,
    nps_breakdowns,
    prior_frequency_tier,
    prior_strata,
    repurchase_after_response,
    time_to_next_purchase,
)
from repurchase.satisfaction.comments import (
    distinguishing_terms,
    load_stopwords,
    log_odds_terms,
    sample_comments,
    tokenize_comments,
    top_terms,
)
from repurchase.satisfaction.coverage import CoverageResult, coverage
from repurchase.satisfaction.drivers import QUADRANTS, KeyDrivers, key_drivers, relative_weights
from repurchase.satisfaction.findings import describe_findings
from repurchase.satisfaction.pipeline import STAGE, SatisfactionResult, run_satisfaction, satisfaction_metrics
from repurchase.satisfaction.scores import (
    NPS_GROUPS,
    SCORE_COLUMNS,
    Z95,
    NpsHeterogeneity,
    nps_group,
    nps_heterogeneity,
    nps_interval,
    period_scores,
    proportion_interval,
    score_change,
    score_table,
    score_window,
    scores_by_month,
)
from repurchase.satisfaction.text import (
    SatisfactionSentences,
    SatisfactionTables,
    aspect_labels,
    collinearity_warning,
    coverage_warning,
    dimension_label,
    format_window,
    frequency_tier,
    frequency_tier_labels,
    nps_group_label,
    quadrant_label,
    satisfaction_table,
)

__all__ = [
    "CHURN_COLUMNS",
    "DIMENSIONS",
    "NONE_BEFORE",
    "NPS_GROUPS",
    "QUADRANTS",
    "REPURCHASE_COLUMNS",
    "SCORE_COLUMNS",
    "STAGE",
    "Z95",
    "CoverageResult",
    "KeyDrivers",
    "NpsHeterogeneity",
    "SatisfactionResult",
    "SatisfactionSentences",
    "SatisfactionTables",
    "aspect_labels",
    "churn_after_response",
    "collinearity_warning",
    "coverage",
    "coverage_warning",
    "describe_findings",
    "dimension_label",
    "distinguishing_terms",
    "enrich_responses",
    "first_responses",
    "format_window",
    "frequency_tier",
    "frequency_tier_labels",
    "group_difference",
    "key_drivers",
    "load_stopwords",
    "log_odds_terms",
    "nps_breakdowns",
    "nps_group",
    "nps_group_label",
    "nps_heterogeneity",
    "nps_interval",
    "period_scores",
    "prior_frequency_tier",
    "prior_strata",
    "proportion_interval",
    "quadrant_label",
    "relative_weights",
    "repurchase_after_response",
    "run_satisfaction",
    "sample_comments",
    "satisfaction_metrics",
    "satisfaction_table",
    "score_change",
    "score_table",
    "score_window",
    "scores_by_month",
    "time_to_next_purchase",
    "tokenize_comments",
    "top_terms",
]
