"""Customer segmentation: RFM segments with actions, frequency tiers, member tiers and points, migration.

Where each part lives:

* :mod:`~repurchase.segments.rfm`: the "as of" window (:func:`observation`),
  RFM values and scores (:func:`score`, :func:`frequency_score` on fixed
  occasion thresholds, :func:`fm_score`, :func:`rfm_scores`), segment assignment
  under a rule table with the one-time rule (:func:`assign_segments`), both in
  one call from the params (:func:`segment_customers`: what churn by segment
  should use too) and the segment table (:func:`segment_summary`);
* :mod:`~repurchase.segments.frequency`: the frequency-tier table
  (:func:`frequency_summary`); the tier rule is :mod:`repurchase.core.tiers`;
* :mod:`~repurchase.segments.members`: member tiers, thresholds, points and
  upgrade candidates (:func:`member_tiers`, :func:`tier_thresholds`,
  :func:`tier_summary`, :func:`upgrade_candidates`, :func:`rolling_spend`);
* :mod:`~repurchase.segments.migration`: the migration matrix and its biggest flows;
* :mod:`~repurchase.segments.labels`: member tier names and recommended actions;
* :mod:`~repurchase.segments.pipeline`: :func:`run_segmentation` ->
  :class:`SegmentationResult`, :func:`segmentation_metrics`,
  :func:`segment_export` (``exports/segments.csv``, read by lifetime value and
  churn) and the render's ``STAGE`` (``segmentation``, no requirements);
* :mod:`~repurchase.segments.text`: the report's sentences (``describe_*``) and
  table specs (``*_table``).

The rule tables (``rfm11``, ``cn8``, custom schemes from params) are
:mod:`repurchase.core.schemes` and the frequency tiers :mod:`repurchase.core.tiers`;
they are re-exported here. Definitions (occasion, R, F, M, scores, FM) are in
:mod:`repurchase.segments.rfm` and stated in the report; every text comes from the
message catalog (``resources/i18n/<lang>/segments.yaml``).
"""

from __future__ import annotations

from repurchase.core.schemes import (
    BUILTIN_SCHEMES,
    CN8,
    DEFAULT_FREQUENCY_THRESHOLDS,
    NEW,
    NOT_SCORED,
    ONE_TIME_SCORE,
    RFM11,
    SEGMENT_CODES,
    SegmentScheme,
    get_scheme,
    rule_table_problems,
    segment_label,
)
from repurchase.core.tiers import FREQUENCY_CODES, ONE_TIME, frequency_tier_label, frequency_tiers
from repurchase.segments.frequency import frequency_summary
from repurchase.segments.labels import TIER_CODES, member_tier_label, recommended_action
from repurchase.segments.members import (
    member_tiers,
    rolling_spend,
    tier_summary,
    tier_thresholds,
    upgrade_candidates,
)
from repurchase.segments.migration import biggest_flows, migration_matrix
from repurchase.segments.pipeline import (
    STAGE,
    SegmentationResult,
    run_segmentation,
    segment_export,
    segmentation_exports,
    segmentation_metrics,
)
from repurchase.segments.rfm import (
    assign_segments,
    customer_activity,
    fm_score,
    frequency_score,
    observation,
    rfm_scores,
    score,
    segment_customers,
    segment_summary,
)
from repurchase.segments.text import (
    describe_findings,
    describe_frequency,
    describe_migration,
    describe_one_time,
    describe_segments,
    describe_settings,
    describe_tiers,
    describe_upgrades,
    flow_table,
    frequency_table,
    rule_table,
    segment_table,
    threshold_table,
    tier_table,
    upgrade_table,
)

__all__ = [
    "BUILTIN_SCHEMES",
    "CN8",
    "DEFAULT_FREQUENCY_THRESHOLDS",
    "FREQUENCY_CODES",
    "NEW",
    "NOT_SCORED",
    "ONE_TIME",
    "ONE_TIME_SCORE",
    "RFM11",
    "SEGMENT_CODES",
    "STAGE",
    "TIER_CODES",
    "SegmentScheme",
    "SegmentationResult",
    "assign_segments",
    "biggest_flows",
    "customer_activity",
    "describe_findings",
    "describe_frequency",
    "describe_migration",
    "describe_one_time",
    "describe_segments",
    "describe_settings",
    "describe_tiers",
    "describe_upgrades",
    "flow_table",
    "fm_score",
    "frequency_score",
    "frequency_summary",
    "frequency_table",
    "frequency_tier_label",
    "frequency_tiers",
    "get_scheme",
    "member_tier_label",
    "member_tiers",
    "migration_matrix",
    "observation",
    "recommended_action",
    "rfm_scores",
    "rolling_spend",
    "rule_table",
    "rule_table_problems",
    "run_segmentation",
    "score",
    "segment_customers",
    "segment_export",
    "segment_label",
    "segment_summary",
    "segment_table",
    "segmentation_exports",
    "segmentation_metrics",
    "threshold_table",
    "tier_summary",
    "tier_table",
    "tier_thresholds",
    "upgrade_candidates",
    "upgrade_table",
]
