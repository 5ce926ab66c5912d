"""What the segmentation report says: its sentences and its tables (:class:`~repurchase.core.table.Table` specs).

Sentences are plain ``str`` in the report language (``lang``, or the result's
language); tables carry canonical ``col.seg_*`` headers, their formats and
captions, and are shown with ``ctx.show(...)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from repurchase.core import formatting, i18n
from repurchase.core.schemes import NEW, NOT_SCORED, ONE_TIME_SCORE, SegmentScheme, frequency_ranges, segment_label
from repurchase.core.table import Table
from repurchase.core.tiers import frequency_tier_label
from repurchase.segments.labels import member_tier_label
from repurchase.segments.migration import biggest_flows, stayed
from repurchase.segments.pipeline import SegmentationResult

__all__ = [
    "describe_findings",
    "describe_frequency",
    "describe_migration",
    "describe_one_time",
    "describe_segments",
    "describe_settings",
    "describe_tiers",
    "describe_upgrades",
    "flow_table",
    "frequency_table",
    "rule_table",
    "segment_table",
    "threshold_table",
    "tier_table",
    "upgrade_table",
]


def _money(x: float, currency: str = "", lang: str = "en") -> str:
    """An amount with the currency symbol (``¥1.2万`` / ``¥12.3K``), or a plain number without a currency."""
    return formatting.format_money(x, currency, lang) if currency else formatting.format_number(x, lang)


def _pct(x: float | None) -> str:
    return formatting.format_percent(x if x is not None and np.isfinite(x) else None)


def _lang(result: SegmentationResult, lang: str | None) -> str:
    return lang or result.language


def _frequency_rule(settings: dict, lang: str) -> str:
    """How F was scored: the thresholds with the occasions of each score, or quantiles."""
    if settings.get("frequency_scoring", "thresholds") == "quantiles":
        return i18n.t("segments.frequency_quantiles", lang)
    ranges = frequency_ranges(settings.get("frequency_thresholds") or [])
    scores = i18n.t("segments.sep_list", lang).join(
        i18n.t("segments.frequency_score", lang, score=i + 1, occasions=r) for i, r in enumerate(ranges)
    )
    return i18n.t("segments.frequency_thresholds", lang, scores=scores)


def describe_one_time(scheme: SegmentScheme, lang: str = "en") -> str:
    """The one-time rule of a score scheme, with the cells it implies; empty for a split scheme (cn8)."""
    if scheme.is_split:
        return ""
    if scheme.axes != ("R", "FM"):
        return i18n.t("segments.one_time_rule_f", lang)
    cells = scheme.cell_map()
    levels = range(int(scheme.levels or 0), 0, -1)
    parts = [
        i18n.t(
            "segments.one_time_cell",
            lang,
            code=f"{r}{ONE_TIME_SCORE}",
            name=segment_label(cells[r * 10 + ONE_TIME_SCORE], lang),
        )
        for r in levels
    ]
    return i18n.t("segments.one_time_rule", lang, cells=i18n.t("segments.sep_list", lang).join(parts))


def describe_settings(result: SegmentationResult, lang: str | None = None) -> str:
    """How the scores were computed, in one paragraph (for the definitions section): the F thresholds and
    the one-time rule included.

    ``lang`` is the report language; the result's own language when omitted.
    """
    lang = _lang(result, lang)
    s = result.settings
    window = (
        i18n.t("segments.window_months", lang, months=s["reference_months"])
        if s["reference_months"]
        else i18n.t("segments.window_all", lang)
    )
    occ = i18n.t(
        "segments.occasion_customer_day" if s["occasion"] == "customer_day" else "segments.occasion_order", lang
    )
    mon = i18n.t("segments.monetary_total" if s["monetary"] == "total" else "segments.monetary_average", lang)
    one_time = describe_one_time(result.scheme, lang)
    return i18n.t(
        "segments.describe_settings",
        lang,
        as_of=s["as_of"],
        window=window,
        customers=f"{len(result.customers):,}",
        occasion=occ,
        frequency=_frequency_rule(s, lang),
        monetary=mon,
        bins=s["bins"],
        scheme=s["scheme"],
        description=result.scheme.describe(lang),
    ) + (i18n.t("segments.sentence_sep", lang) + one_time if one_time else "")


def describe_segments(result: SegmentationResult, lang: str | None = None) -> str:
    """The first (best) segment's weight, and the largest segments by customers and by revenue."""
    lang = _lang(result, lang)
    t = result.summary[result.summary["customers"] > 0]
    if t.empty:
        return i18n.t("segments.describe_none", lang)
    names = {seg: segment_label(seg, lang) for seg in result.summary["segment"]}
    first = result.summary.iloc[0]
    big = t.loc[t["customers"].idxmax()]
    rich = t.loc[t["revenue"].idxmax()]
    text = i18n.t(
        "segments.describe_first",
        lang,
        name=names[first["segment"]],
        share=_pct(first["share"]),
        customers=f"{int(first['customers']):,}",
        revenue_share=_pct(first["revenue_share"]),
    )
    if big["segment"] != first["segment"]:
        text += i18n.t(
            "segments.describe_largest",
            lang,
            name=names[big["segment"]],
            customers=f"{int(big['customers']):,}",
            share=_pct(big["share"]),
            revenue_share=_pct(big["revenue_share"]),
        )
    if rich["segment"] != first["segment"]:
        text += i18n.t(
            "segments.describe_richest",
            lang,
            name=names[rich["segment"]],
            revenue_share=_pct(rich["revenue_share"]),
            share=_pct(rich["share"]),
        )
    return text


def describe_findings(result: SegmentationResult, lang: str | None = None) -> str:
    """The key findings at the top of the segmentation report: 2–4 sentences with the numbers to act on.

    Parameters
    ----------
    result
        The segmentation result (:func:`repurchase.segments.run_segmentation`).
    lang
        Report language (``en`` or ``zh``; default: the result's).

    Returns
    -------
    str
        The segment bringing the most revenue and the largest segment, each
        with its share of customers and revenue and its recommended action
        (the numbers of :func:`describe_segments` and :func:`segment_table`);
        the share of last month's scored customers who kept their segment and
        the biggest move (:func:`describe_migration`); and how many customers
        are close to the next member tier (:func:`describe_upgrades`). Without
        a scored customer: that sentence.
    """
    lang = _lang(result, lang)
    t = result.summary[result.summary["customers"] > 0]
    if t.empty:
        return i18n.t("segments.describe_none", lang)
    rich = t.loc[t["revenue"].idxmax()]
    big = t.loc[t["customers"].idxmax()]

    def values(row: pd.Series) -> dict[str, str]:
        return {
            "name": segment_label(row["segment"], lang),
            "customers": f"{int(row['customers']):,}",
            "share": _pct(row["share"]),
            "revenue_share": _pct(row["revenue_share"]),
            "action": str(row["action"]),
        }

    parts = [i18n.t("segments.findings.richest", lang, **values(rich))]
    if big["segment"] != rich["segment"]:
        parts.append(i18n.t("segments.findings.largest", lang, **values(big)))
    m = result.migration
    kept, previous = stayed(m, result.scheme.segments)
    if previous:
        flows = biggest_flows(m, 1)
        names = {seg: segment_label(seg, lang) for seg in [*result.scheme.segments, NEW, NOT_SCORED]}
        move = ""
        if len(flows):
            r = flows.iloc[0]
            move = i18n.t(
                "segments.findings.move", lang, source=names.get(r["from_segment"], r["from_segment"]),
                target=names.get(r["to_segment"], r["to_segment"]), n=f"{int(r['customers']):,}",
                share=_pct(r["share_of_from"]),
            )  # fmt: skip
        parts.append(i18n.t("segments.findings.migration", lang, previous=f"{previous:,}",
                            share=_pct(kept / previous), move=move))  # fmt: skip
    if not result.upgrades.empty:
        within = formatting.format_percent(result.settings["upgrade_within"], 0)
        parts.append(i18n.t("segments.findings.upgrades", lang, n=f"{len(result.upgrades):,}", within=within))
    return i18n.t("segments.sentence_sep", lang).join(parts)


def describe_frequency(result: SegmentationResult, lang: str | None = None) -> str:
    """Share of customers and revenue of the highest and the one-time tier."""
    lang = _lang(result, lang)
    f = result.frequency
    top, low = f.iloc[0], f.iloc[-1]
    return i18n.t(
        "segments.describe_frequency",
        lang,
        tier=frequency_tier_label(top["tier"], lang),
        occasions=top["occasions"],
        share=_pct(top["share"]),
        revenue_share=_pct(top["revenue_share"]),
        low=frequency_tier_label(low["tier"], lang),
        low_share=_pct(low["share"]),
        low_revenue_share=_pct(low["revenue_share"]),
    )


def describe_tiers(result: SegmentationResult, currency: str = "", lang: str | None = None) -> str:
    """Tier source, distribution of the top tier, points outstanding and liability."""
    lang = _lang(result, lang)
    s, t = result.settings, result.tiers
    if s["tier_source"] == "customers":
        how = i18n.t("segments.tiers_recorded", lang)
    else:
        basis = i18n.t("segments.basis_spend" if s["tier_basis"] == "spend" else "segments.basis_points", lang)
        set_from = i18n.t(f"segments.set_from.{result.thresholds['set_from'].iloc[0]}", lang)
        how = i18n.t("segments.tiers_simulated", lang, basis=basis, set_from=set_from)
    top = t.iloc[-1]
    return i18n.t(
        "segments.describe_tiers",
        lang,
        how=how,
        tier=member_tier_label(top["tier"], lang),
        share=_pct(top["share"]),
        revenue_share=_pct(top["revenue_share"]),
        points=f"{t['points_outstanding'].sum():,.0f}",
        liability=_money(t["liability"].sum(), currency, lang),
        point_value=f"{s['point_value']:g}",
    )


def describe_upgrades(result: SegmentationResult, currency: str = "", lang: str | None = None) -> str:
    """How many customers are close to the next tier, and the median spend they need."""
    lang = _lang(result, lang)
    u = result.upgrades
    within = formatting.format_percent(result.settings["upgrade_within"], 0)
    if u.empty:
        return i18n.t("segments.upgrades_none", lang, within=within)
    first = u.groupby("next_tier", sort=False).agg(n=("customer_id", "size"), gap=("spend_to_next_tier", "median"))
    parts = [
        i18n.t(
            "segments.upgrades_part",
            lang,
            n=f"{int(r['n']):,}",
            tier=member_tier_label(k, lang),
            gap=_money(r["gap"], currency, lang),
        )
        for k, r in zip(first.index, first.to_dict("records"), strict=True)
    ]
    already = int((result.customers["spend_to_next_tier"] == 0).sum())
    extra = (
        i18n.t("segments.upgrades_already", lang, n=f"{already:,}")
        if already and result.settings["tier_source"] == "customers"
        else ""
    )
    return i18n.t(
        "segments.describe_upgrades",
        lang,
        n=f"{len(u):,}",
        within=within,
        parts=i18n.t("segments.sep", lang).join(parts),
        extra=extra,
    )


def describe_migration(result: SegmentationResult, lang: str | None = None) -> str:
    """Who stayed, the biggest flows, and where the top segment went."""
    lang = _lang(result, lang)
    m = result.migration
    segs = result.scheme.segments
    kept, previous = stayed(m, segs)
    if previous == 0:
        return i18n.t("segments.migration_none", lang)
    flows = biggest_flows(m, 3)
    names = {seg: segment_label(seg, lang) for seg in [*segs, NEW, NOT_SCORED]}
    parts = [
        i18n.t(
            "segments.migration_flow",
            lang,
            source=names.get(r["from_segment"], r["from_segment"]),
            target=names.get(r["to_segment"], r["to_segment"]),
            n=f"{int(r['customers']):,}",
            share=_pct(r["share_of_from"]),
        )
        for r in flows.to_dict("records")
    ]
    top = segs[0]
    n_top = int(m.loc[top].sum()) if top in m.index else 0
    top_text = ""
    if n_top:
        row = m.loc[top].drop(top)
        dest = row.idxmax()
        top_text = i18n.t(
            "segments.migration_top",
            lang,
            n=f"{n_top:,}",
            name=names[top],
            stayed=f"{int(m.loc[top, top]):,}",
            moved=f"{int(row.sum()):,}",
            dest=names.get(dest, dest),
            dest_n=f"{int(row.max()):,}",
        )
    new = int(m.loc[NEW].sum()) if NEW in m.index else 0
    moves = i18n.t("segments.sep", lang).join(parts) if parts else i18n.t("segments.migration_no_flows", lang)
    return i18n.t(
        "segments.describe_migration",
        lang,
        stayed=f"{kept:,}",
        previous=f"{previous:,}",
        share=_pct(kept / previous),
        new=f"{new:,}",
        moves=moves,
        top=top_text,
    )


# ---------------------------------------------------------------------------
# tables: headers are ``col.seg_*`` catalog keys, values in the result's language


def rule_table(result: SegmentationResult, lang: str | None = None) -> Table:
    """The rule table: each segment's display name and its cells (:meth:`SegmentScheme.table`)."""
    lang = _lang(result, lang)
    return Table(result.scheme.table(lang), caption=i18n.t("segments.rule_table_caption", lang))


def segment_table(result: SegmentationResult) -> Table:
    """The segment table: display name, size, revenue share, mean R/F/M and the action."""
    t = result.summary
    frame = pd.DataFrame(
        {
            "seg_segment": t["label"],
            "seg_customers": t["customers"],
            "share": t["share"],
            "seg_revenue_share": t["revenue_share"],
            "seg_mean_recency": t["mean_recency_days"],
            "seg_mean_frequency": t["mean_frequency"],
            "seg_mean_monetary": t["mean_monetary"],
            "seg_action": t["action"],
        }
    )
    formats = {
        "share": "{:.1%}",
        "seg_revenue_share": "{:.1%}",
        "seg_mean_recency": "{:,.0f}",
        "seg_mean_frequency": "{:.1f}",
        "seg_mean_monetary": "{:,.0f}",
    }
    return Table(frame, formats=formats)


def frequency_table(result: SegmentationResult) -> Table:
    """The frequency-tier table: tier, its rule, size, revenue, mean frequency and treatment."""
    f = result.frequency
    frame = pd.DataFrame(
        {
            "seg_frequency_tier": f["label"],
            "seg_occasions": f["occasions"],
            "seg_customers": f["customers"],
            "share": f["share"],
            "seg_revenue": f["revenue"],
            "seg_revenue_share": f["revenue_share"],
            "seg_mean_frequency": f["mean_frequency"],
            "seg_treatment": f["treatment"],
        }
    )
    formats = {
        "share": "{:.1%}",
        "seg_revenue": "{:,.0f}",
        "seg_revenue_share": "{:.1%}",
        "seg_mean_frequency": "{:.1f}",
    }
    return Table(frame, formats=formats)


def threshold_table(result: SegmentationResult) -> Table:
    """Tier thresholds and earning rates; a threshold that cannot be reached (infinite) is blank."""
    t, lang = result.thresholds, result.language
    frame = pd.DataFrame(
        {
            "seg_tier": [member_tier_label(x, lang) for x in t["tier"]],
            "seg_threshold": t["threshold"].where(np.isfinite(t["threshold"])),
            "seg_points_per_100": t["points_per_100"],
            "seg_set_from": [i18n.t(f"segments.set_from.{x}", lang) for x in t["set_from"]],
        }
    )
    return Table(
        frame,
        formats={"seg_threshold": "{:,.0f}", "seg_points_per_100": "{:g}"},
        caption=i18n.t("segments.thresholds_caption", lang),
    )


def tier_table(result: SegmentationResult) -> Table:
    """The member-tier table: distribution, 12-month spend, repurchase and points per tier."""
    t = result.tiers
    frame = pd.DataFrame(
        {
            "seg_tier": t["label"],
            "seg_customers": t["customers"],
            "share": t["share"],
            "seg_spend_12m": t["spend_12m"],
            "seg_spend_share": t["revenue_share"],
            "seg_spend_per_customer": t["spend_per_customer"],
            "seg_repurchase_rate": t["repurchase_rate"],
            "seg_points_issued": t["points_period"],
            "seg_points_outstanding": t["points_outstanding"],
            "seg_liability": t["liability"],
        }
    )
    formats = {
        "share": "{:.1%}",
        "seg_spend_12m": "{:,.0f}",
        "seg_spend_share": "{:.1%}",
        "seg_spend_per_customer": "{:,.0f}",
        "seg_repurchase_rate": "{:.1%}",
        "seg_points_issued": "{:,.0f}",
        "seg_points_outstanding": "{:,.0f}",
        "seg_liability": "{:,.0f}",
    }
    point_value = float(result.settings["point_value"])
    if point_value == 1.0:  # the liability column would repeat points outstanding: one caption says so
        caption = i18n.t("segments.caption_tiers_liability", _lang(result, None), point_value=f"{point_value:g}")
        del formats["seg_liability"]
        return Table(frame.drop(columns="seg_liability"), formats=formats, caption=caption)
    return Table(frame, formats=formats)


def upgrade_table(result: SegmentationResult) -> Table:
    """Customers close to the next tier, counted by tier step (the list to contact is the export).

    One row per step (``tier`` → ``next tier``): candidates, their 12-month spend,
    the median and total spend they still need. No customer IDs: who to contact is
    ``exports/tier_upgrade_candidates.csv``, named in the caption.
    """
    u, lang = result.upgrades, result.language
    steps = (
        u.groupby(["tier", "next_tier"], sort=False, observed=True)
        .agg(
            candidates=("customer_id", "size"),
            spend=("spend_12m", "sum"),
            median_gap=("spend_to_next_tier", "median"),
            total_gap=("spend_to_next_tier", "sum"),
        )
        .reset_index()
    )
    frame = pd.DataFrame(
        {
            "seg_tier": steps["tier"].map(lambda x: member_tier_label(x, lang)),
            "seg_next_tier": steps["next_tier"].map(lambda x: member_tier_label(x, lang)),
            "seg_candidates": steps["candidates"],
            "seg_spend_12m": steps["spend"],
            "seg_median_to_next": steps["median_gap"],
            "seg_total_to_next": steps["total_gap"],
        }
    )
    formats = {
        "seg_candidates": "{:,}",
        "seg_spend_12m": "{:,.0f}",
        "seg_median_to_next": "{:,.2f}",
        "seg_total_to_next": "{:,.0f}",
    }
    caption = i18n.t("segments.caption_upgrades", lang, export="exports/tier_upgrade_candidates.csv")
    return Table(frame, formats=formats, caption=caption)


def flow_table(result: SegmentationResult, n: int = 5) -> Table:
    """The ``n`` biggest moves between segments (:func:`biggest_flows`), with display names."""
    f = biggest_flows(result.migration, n)
    labels = result.labels
    frame = pd.DataFrame(
        {
            "seg_from": [labels.get(s, s) for s in f["from_segment"]],
            "seg_to": [labels.get(s, s) for s in f["to_segment"]],
            "seg_customers": f["customers"],
            "seg_share_of_from": f["share_of_from"],
        }
    )
    return Table(
        frame,
        formats={"seg_share_of_from": "{:.1%}"},
        caption=i18n.t("segments.flows_caption", result.language),
    )
