"""The whole segmentation: :func:`run_segmentation` -> :class:`SegmentationResult`, its metrics, exports and STAGE."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from repurchase.core.errors import AnalysisError, DataError
from repurchase.core.params import SegmentationSettings
from repurchase.core.periods import Period
from repurchase.core.schemes import NEW, NOT_SCORED, SegmentScheme, get_scheme, segment_label
from repurchase.core.stage import Inputs, Stage
from repurchase.core.tiers import frequency_tiers
from repurchase.segments.frequency import frequency_summary
from repurchase.segments.labels import recommended_action
from repurchase.segments.members import member_tiers, tier_summary, upgrade_candidates
from repurchase.segments.migration import migration_matrix, stayed
from repurchase.segments.rfm import segment_customers, segment_summary

__all__ = ["STAGE", "SegmentationResult", "run_segmentation", "segment_export", "segmentation_metrics"]


@dataclass
class SegmentationResult:
    """Everything the segmentation report shows.

    Attributes
    ----------
    customers
        One row per scored customer (real IDs): RFM values and scores,
        ``segment``, ``action``, ``frequency_tier`` and the member-tier columns.
    scheme
        The rule table used.
    summary, frequency, tiers, thresholds, upgrades
        Segment table, frequency tiers, member tiers, tier thresholds,
        customers close to the next tier.
    migration
        Previous period's segment (rows) -> this period's (columns), counts.
    settings
        What was used (bins, frequency scoring and thresholds, monetary, window,
        split, occasion, as-of dates, language).
    rule_grid
        The rule table as a grid of segments, levels named in the report
        language (:meth:`SegmentScheme.grid`), for the chart.
    period
        The report month: scores as of its last day, the previous segments as
        of the last day of the month before.
    """

    customers: pd.DataFrame
    scheme: SegmentScheme
    summary: pd.DataFrame
    frequency: pd.DataFrame
    tiers: pd.DataFrame
    thresholds: pd.DataFrame
    upgrades: pd.DataFrame
    migration: pd.DataFrame
    settings: dict = field(default_factory=dict)
    rule_grid: pd.DataFrame | None = None
    period: Period | None = None

    def migration_share(self) -> pd.DataFrame:
        """Row percentages of the migration matrix (each previous segment sums to 1)."""
        totals = self.migration.sum(axis=1)
        return self.migration.div(totals.where(totals > 0), axis=0)

    @property
    def language(self) -> str:
        """The report language given to :func:`run_segmentation`."""
        return str(self.settings.get("language", "en"))

    @property
    def labels(self) -> dict[str, str]:
        """Segment -> display name in the report language (also the ``(new)`` and ``(not scored)`` rows)."""
        lang = self.language
        return {seg: segment_label(seg, lang) for seg in [*self.scheme.segments, NEW, NOT_SCORED]}


def run_segmentation(
    tx: pd.DataFrame,
    period: Period,
    settings: SegmentationSettings,
    *,
    customers: pd.DataFrame | None = None,
    occasion: str = "customer_day",
    language: str = "en",
) -> SegmentationResult:
    """Score, segment and tier every customer as of the period end; migrate from the previous period.

    Parameters
    ----------
    tx
        Cleaned transactions up to the period end.
    period
        Report month: scores are as of its last day; the previous segments as of
        the last day of ``period.previous``.
    settings
        ``params.segmentation``.
    customers
        The cleaned customers source (for recorded tiers), or None.
    occasion
        ``customer_day`` or ``order`` (``params.repurchase.occasion``).
    language
        Report language of the names, actions, tables and sentences.

    Returns
    -------
    SegmentationResult
        Per-customer table (real IDs), segment, frequency and member-tier
        tables, thresholds, upgrade candidates, migration and the rule grid.

    Raises
    ------
    AnalysisError
        No transaction before the period end, or none in the reference window.
    DataError
        ``occasion="order"`` without an ``order_id`` column, or tier labels of
        the customers source that the params do not map.
    """
    s = settings
    scheme = get_scheme(s.scheme, s.custom_schemes, s.rfm_bins)
    if tx.empty or not (tx["order_date"] < period.end_exclusive).any():
        raise AnalysisError(f"no transactions before the end of {period.label}: nothing to segment; check the period")
    # Work on integer codes of the IDs (sorted, so code order = ID order): grouping and merging on 1M string
    # IDs is what would make this slow. No score depends on the ID order (ties share a score).
    codes, ids = pd.factorize(tx["customer_id"], sort=True)
    slim = pd.DataFrame(
        {"customer_id": codes, "order_date": tx["order_date"].to_numpy(), "amount": tx["amount"].to_numpy()},
        index=tx.index,
    )
    if occasion == "order":
        if "order_id" not in tx.columns:
            raise DataError(
                "occasion 'order' needs an order_id column; map it or use repurchase.occasion: customer_day"
            )
        slim["order_id"] = pd.factorize(tx["order_id"])[0]
    members = None
    if customers is not None:
        members = customers.assign(customer_id=ids.get_indexer(customers["customer_id"]))
        members = members[members["customer_id"] >= 0]
    rfm = segment_customers(slim, period, s, occasion=occasion, scheme=scheme)
    if rfm.empty:
        raise AnalysisError(
            f"no customer bought in the last {s.reference_months} months before {period.end.date()}; "
            "raise segmentation.reference_months or remove it"
        )
    action_of = np.array([recommended_action(x, language, s.actions) for x in scheme.segments], dtype=object)
    rfm["action"] = action_of[rfm["segment"].cat.codes.to_numpy()]
    rfm["frequency_tier"] = frequency_tiers(rfm["frequency"], s.frequency_tiers)
    tiers, table = member_tiers(
        slim,
        rfm["customer_id"],
        period,
        customers=members,
        source=s.tier_source,
        basis=s.tier_basis,
        names=s.tier_names,
        thresholds=s.tier_thresholds,
        top_shares=s.tier_top_shares,
        points_per_100=s.points_per_100,
        aliases=s.tier_aliases,
        occasion=occasion,
    )
    merged = rfm.merge(tiers, on="customer_id", how="left", validate="one_to_one")
    prev = segment_customers(slim, period.previous, s, occasion=occasion, scheme=scheme)
    migration = migration_matrix(
        prev.set_index("customer_id")["segment"], rfm.set_index("customer_id")["segment"], scheme.segments
    )
    upgrades = upgrade_candidates(tiers, within=s.upgrade_within)
    merged["customer_id"] = ids.take(merged["customer_id"].to_numpy())
    upgrades["customer_id"] = ids.take(upgrades["customer_id"].to_numpy())
    return SegmentationResult(
        customers=merged,
        scheme=scheme,
        summary=segment_summary(rfm, scheme, language=language, actions=s.actions),
        frequency=frequency_summary(rfm, s.frequency_tiers, language=language, actions=s.actions),
        tiers=tier_summary(tiers, point_value=s.point_value, language=language),
        thresholds=table,
        upgrades=upgrades,
        migration=migration,
        settings={
            "as_of": period.end.date().isoformat(),
            "previous_as_of": period.previous.end.date().isoformat(),
            "bins": s.rfm_bins,
            "frequency_scoring": s.frequency_scoring,
            "frequency_thresholds": list(s.frequency_thresholds or []),
            "monetary": s.monetary,
            "reference_months": s.reference_months,
            "scheme": scheme.name,
            "cn8_split": s.cn8_split,
            "occasion": occasion,
            "tier_source": str(tiers["tier_source"].iloc[0]).split(" ")[0] if len(tiers) else s.tier_source,
            "tier_basis": s.tier_basis,
            "point_value": s.point_value,
            "upgrade_within": s.upgrade_within,
            "language": language,
        },
        rule_grid=scheme.grid(language),
        period=period,
    )


# ---------------------------------------------------------------------------
# exports and metrics


def segment_export(result: SegmentationResult) -> pd.DataFrame:
    """The CRM export (real IDs): one row per customer with values, scores, segment, tier and action.

    Parameters
    ----------
    result
        :func:`run_segmentation` output.

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``last_purchase``, ``recency_days``, ``frequency``,
        ``monetary``, ``spend``, ``R``, ``F``, ``M``, ``segment``,
        ``segment_label`` (in the report language), ``recommended_action``,
        ``frequency_tier``, ``tier``, ``tier_source``, ``spend_12m``,
        ``points_outstanding``, ``next_tier``, ``spend_to_next_tier``
        (``exports/segments.csv``; lifetime value and churn read it).
    """
    c = result.customers
    return pd.DataFrame(
        {
            "customer_id": c["customer_id"],
            "last_purchase": c["last_date"].dt.date,
            "recency_days": c["recency_days"],
            "frequency": c["frequency"],
            "monetary": c["monetary"].round(2),
            "spend": c["spend"].round(2),
            "R": c["R"],
            "F": c["F"],
            "M": c["M"],
            "segment": c["segment"].astype(str),
            "segment_label": c["segment"].map(result.labels).astype(str),
            "recommended_action": c["action"],
            "frequency_tier": c["frequency_tier"].astype(str),
            "tier": c["tier"].astype(str),
            "tier_source": c["tier_source"],
            "spend_12m": c["spend_12m"].round(2),
            "points_outstanding": c["points_12m"].round(2),
            "next_tier": c["next_tier"],
            "spend_to_next_tier": c["spend_to_next_tier"].round(2),
        }
    )


def _shares(table: pd.DataFrame, key: str) -> dict[str, dict[str, Any]]:
    """``{key value: {customers, share, revenue_share}}`` of a summary table (one entry per segment or tier)."""
    return {
        str(k): {"customers": int(n), "share": s, "revenue_share": r}
        for k, n, s, r in zip(table[key], table["customers"], table["share"], table["revenue_share"])
    }


def segmentation_metrics(result: SegmentationResult) -> dict[str, Any]:
    """Headline figures for ``metrics.json``: size and revenue share of each segment and tier.

    Parameters
    ----------
    result
        :func:`run_segmentation` output.

    Returns
    -------
    dict
        ``as_of``, ``scheme``, ``customers``, ``segments``, ``frequency_tiers``,
        ``member_tiers`` (each ``{customers, share, revenue_share}``),
        ``tier_source``, ``tier_thresholds``, ``points_outstanding``,
        ``points_liability``, ``upgrade_candidates`` and
        ``migration_stayed_share`` (None when nobody was scored before).
    """
    kept, previous = stayed(result.migration, result.scheme.segments)
    return {
        "as_of": result.settings["as_of"],
        "scheme": result.scheme.name,
        "customers": len(result.customers),
        "segments": _shares(result.summary, "segment"),
        "frequency_tiers": _shares(result.frequency, "tier"),
        "member_tiers": _shares(result.tiers, "tier"),
        "tier_source": result.settings["tier_source"],
        "tier_thresholds": dict(zip(result.thresholds["tier"], result.thresholds["threshold"])),
        "points_outstanding": float(result.tiers["points_outstanding"].sum()),
        "points_liability": float(result.tiers["liability"].sum()),
        "upgrade_candidates": len(result.upgrades),
        "migration_stayed_share": kept / previous if previous else None,
    }


def segmentation_exports(result: SegmentationResult) -> dict[str, pd.DataFrame]:
    """The CSV files next to the report (real IDs): ``exports/segments.csv`` and ``exports/tier_upgrade_candidates.csv``."""
    return {"exports/segments.csv": segment_export(result), "exports/tier_upgrade_candidates.csv": result.upgrades}


def _stage_run(inputs: Inputs) -> SegmentationResult:
    p = inputs.params
    return run_segmentation(
        inputs.transactions(),
        inputs.period,
        p.segmentation,
        customers=inputs.customers(),
        occasion=p.repurchase.occasion,
        language=p.language,
    )


#: The segmentation as a render runs it (see :mod:`repurchase.core.stage`): no requirements.
STAGE = Stage(name="segmentation", run=_stage_run, metrics=segmentation_metrics, exports=segmentation_exports)
