"""Charts of the segmentation report."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap

from repurchase.core import i18n
from repurchase.core.schemes import SEGMENT_CODES
from repurchase.plots.style import ACCENT, NEUTRAL, get_ax
from repurchase.segments import frequency_tier_label, member_tier_label

__all__ = [
    "SEGMENT_COLORS",
    "plot_frequency_tiers",
    "plot_member_tiers",
    "plot_migration",
    "plot_rf_scatter",
    "plot_rule_grid",
    "plot_segment_sizes",
]


#: The built-in segments' colours by catalog code, from good (greens: Champions, 重要价值) through
#: new (blues) and watch (yellows) to at risk (oranges, reds) and lost (greys), so a colour means the
#: same in every segment chart. Custom segments get distinct colours instead.
SEGMENT_COLORS: dict[str, str] = {
    "champions": "#1b7a4a",
    "loyal": "#2a9d8f",
    "potential_loyalist": "#74c69d",
    "new": "#4895ef",
    "promising": "#90e0ef",
    "need_attention": "#e9c46a",
    "about_to_sleep": "#f4a261",
    "at_risk": "#e76f51",
    "cant_lose_them": "#b5172b",
    "hibernating": "#a5a5a5",
    "lost": "#5c6670",
    "important_value": "#1b7a4a",
    "general_value": "#74c69d",
    "important_develop": "#4895ef",
    "general_develop": "#90e0ef",
    "important_retain": "#f4a261",
    "general_retain": "#e9c46a",
    "important_winback": "#b5172b",
    "general_winback": "#a5a5a5",
}


def _segment_colors(segments: list[str]) -> dict[str, tuple]:
    """A colour per segment: :data:`SEGMENT_COLORS` for built-in segments, distinct ones for custom segments."""
    from matplotlib.colors import to_rgb

    tab20 = sns.color_palette("tab20", 20)
    palette = sns.color_palette("tab10", 10) + tab20[1::2]  # strong colours first, then their light variants
    custom = iter(palette * (len(segments) // len(palette) + 1))
    return {
        s: to_rgb(SEGMENT_COLORS[SEGMENT_CODES[s]]) if SEGMENT_CODES.get(s) in SEGMENT_COLORS else next(custom)
        for s in segments
    }


def _share_bars(
    ax: Axes,
    labels: list[str],
    customers: pd.Series,
    revenue: pd.Series,
    counts: pd.Series,
    revenue_label: str,
    lang: str = "en",
) -> None:
    y = np.arange(len(labels))
    h = 0.38
    ax.barh(y - h / 2, customers, height=h, color=NEUTRAL, label=i18n.t("segments.plot.share_customers", lang))
    ax.barh(y + h / 2, revenue.fillna(0), height=h, color=ACCENT, label=revenue_label)
    for yi, c, n, r in zip(y, customers, counts, revenue.fillna(0)):
        ax.text(c, yi - h / 2, f" {c:.1%} ({int(n):,})", va="center", fontsize=8)
        ax.text(r, yi + h / 2, f" {r:.1%}", va="center", fontsize=8)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    top = float(max(customers.max(), revenue.fillna(0).max(), 0.01))
    ax.set_xlim(0, top * 1.25)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)


def plot_segment_sizes(
    summary: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None, lang: str = "en"
) -> Axes:
    """Paired bars per segment: share of customers (grey) and of revenue (dark).

    Parameters
    ----------
    summary
        :func:`repurchase.segments.segment_summary` output (its ``label`` names the bars).
    title
        Chart title; the catalog's in ``lang`` when omitted.
    lang
        Report language of the title and legend.
    """
    ax = get_ax(ax, (9, max(3.0, 0.5 * len(summary) + 1)))
    _share_bars(
        ax,
        list(summary["label"]),
        summary["share"],
        summary["revenue_share"],
        summary["customers"],
        i18n.t("segments.plot.share_revenue", lang),
        lang,
    )
    ax.set_title(title or i18n.t("segments.plot.sizes_title", lang))
    return ax


def plot_rf_scatter(
    customers: pd.DataFrame,
    segments: list[str] | None = None,
    *,
    labels: Mapping[str, str] | None = None,
    max_points: int = 4000,
    seed: int = 0,
    ax: Axes | None = None,
    title: str | None = None,
    lang: str = "en",
) -> Axes:
    """Scatter of recency (days) against frequency (occasions, log scale), one colour per segment.

    Parameters
    ----------
    customers
        ``recency_days``, ``frequency`` and ``segment`` per customer.
    segments
        Segment order (legend); the categories of ``segment`` when omitted.
    labels
        Segment -> display name (legend), e.g. ``SegmentationResult.labels``.
    max_points
        A random sample of this many customers is drawn when there are more
        (fixed ``seed``); the title says so. Frequencies are jittered so equal
        values don't overlap.
    title
        Chart title; the catalog's in ``lang`` when omitted.
    lang
        Report language of the title and axis labels.
    """
    ax = get_ax(ax, (9, 5.5))
    seg = customers["segment"]
    if segments is not None:
        order = list(segments)
    elif isinstance(seg.dtype, pd.CategoricalDtype):
        order = list(seg.cat.categories)
    else:
        order = list(pd.unique(seg.astype(str)))
    data = customers
    sampled = len(data) > max_points
    if sampled:
        data = data.sample(max_points, random_state=seed)
    rng = np.random.default_rng(seed)
    jitter = np.exp(rng.uniform(-0.12, 0.12, len(data)))
    colors = _segment_colors(order)
    present = set(data["segment"].astype(str))
    for name in order:
        part = data["segment"].astype(str) == name
        if name not in present:
            continue
        ax.scatter(
            data.loc[part, "recency_days"],
            data.loc[part, "frequency"] * jitter[part.to_numpy()],
            s=10,
            alpha=0.6,
            color=colors[name],
            label=(labels or {}).get(name, name),
            linewidths=0,
        )
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:g}")
    ax.set_xlabel(i18n.t("segments.plot.scatter_xlabel", lang))
    ax.set_ylabel(i18n.t("segments.plot.scatter_ylabel", lang))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False, markerscale=1.5)
    note = (
        i18n.t("segments.plot.scatter_sample", lang, n=f"{max_points:,}", total=f"{len(customers):,}")
        if sampled
        else ""
    )
    ax.set_title((title or i18n.t("segments.plot.scatter_title", lang)) + note)
    return ax


def plot_rule_grid(
    grid: pd.DataFrame,
    segments: list[str],
    *,
    labels: Mapping[str, str] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    lang: str = "en",
) -> Axes:
    """The rule table as a coloured grid with the segment name in each cell.

    Parameters
    ----------
    grid
        ``SegmentationResult.rule_grid`` (:meth:`repurchase.segments.SegmentScheme.grid`, in the report
        language): the row-axis columns first, then one column per level of
        the last axis.
    segments
        The scheme's segments (colours).
    labels
        Segment -> display name written in the cells.
    title
        Chart title; the catalog's in ``lang`` when omitted.
    """
    value_cols = [c for c in grid.columns if " " in str(c)]
    row_cols = [c for c in grid.columns if c not in value_cols]
    parts = [f"{c} " + grid[c].astype(str) for c in row_cols]
    row_labels = parts[0].str.cat(parts[1:], sep=", ") if parts else pd.Series("", index=grid.index)
    cells = grid[value_cols]
    ax = get_ax(ax, (min(2.0 + 1.9 * len(value_cols), 12), 0.6 * len(grid) + 1.4))
    index = {s: i for i, s in enumerate(segments)}
    codes = cells.apply(lambda col: col.map(index)).to_numpy(dtype=float)
    colors = list(_segment_colors(segments).values())
    names = labels or {}
    text = cells.apply(lambda col: col.map(lambda v: names.get(v, v))).to_numpy()
    sns.heatmap(
        codes,
        ax=ax,
        cmap=ListedColormap(colors),
        vmin=-0.5,
        vmax=len(segments) - 0.5,
        cbar=False,
        linewidths=1,
        linecolor="white",
        annot=text,
        fmt="",
        annot_kws={"fontsize": 11, "color": "black"},
        xticklabels=value_cols,
        yticklabels=list(row_labels),
    )
    for label, code in zip(ax.texts, codes.ravel()):  # white names on the dark cells
        if np.isfinite(code):
            r, g, b = colors[int(code)][:3]
            label.set_color("white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.5 else "black")
    ax.tick_params(axis="y", rotation=0)
    ax.set_title(title or i18n.t("segments.plot.grid_title", lang))
    return ax


def plot_frequency_tiers(
    frequency: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None, lang: str = "en"
) -> Axes:
    """Paired bars per frequency tier (:func:`repurchase.segments.frequency_summary` output).

    Tier names, title and legend are in ``lang``; a tier of your own keeps its params name.
    """
    ax = get_ax(ax, (9, 2.8))
    labels = [
        i18n.t("segments.plot.frequency_label", lang, tier=frequency_tier_label(t, lang), occasions=o)
        for t, o in zip(frequency["tier"], frequency["occasions"])
    ]
    _share_bars(
        ax,
        labels,
        frequency["share"],
        frequency["revenue_share"],
        frequency["customers"],
        i18n.t("segments.plot.share_revenue", lang),
        lang,
    )
    ax.set_title(title or i18n.t("segments.plot.frequency_title", lang))
    return ax


def plot_member_tiers(
    tiers: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None, lang: str = "en"
) -> Axes:
    """Paired bars per member tier, with each tier's repurchase rate in its label.

    Parameters
    ----------
    tiers
        :func:`repurchase.segments.tier_summary` output.
    title
        Chart title; the catalog's in ``lang`` when omitted.
    lang
        Report language of the tier names, title and legend.
    """
    ax = get_ax(ax, (9, 2.8))
    names = [member_tier_label(t, lang) for t in tiers["tier"]]
    labels = [
        i18n.t("segments.plot.tier_repurchase", lang, tier=t, rate=f"{r:.0%}") if pd.notna(r) else t
        for t, r in zip(names, tiers["repurchase_rate"])
    ]
    _share_bars(
        ax,
        labels,
        tiers["share"],
        tiers["revenue_share"],
        tiers["customers"],
        i18n.t("segments.plot.share_spend_12m", lang),
        lang,
    )
    ax.set_title(title or i18n.t("segments.plot.tiers_title", lang))
    return ax


def plot_migration(
    counts: pd.DataFrame,
    *,
    labels: Mapping[str, str] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    lang: str = "en",
) -> Axes:
    """Heatmap of the migration matrix: colour = row percentage, text = count and row %.

    Parameters
    ----------
    counts
        :func:`repurchase.segments.migration_matrix` output.
    labels
        Segment -> display name for the axes (e.g. ``SegmentationResult.labels``,
        which names the ``(new)`` and ``(not scored)`` rows too).
    title
        Chart title; the catalog's in ``lang`` when omitted.
    lang
        Report language of the title, axis and colour-bar labels.
    """
    names = labels or {}
    counts = counts.rename(index=lambda v: names.get(v, v), columns=lambda v: names.get(v, v))
    totals = counts.sum(axis=1)
    share = counts.div(totals.where(totals > 0), axis=0)
    n_rows, n_cols = counts.shape
    ax = get_ax(ax, (min(2.5 + 0.95 * n_cols, 14), 1.5 + 0.5 * n_rows))
    text = np.where(
        counts.to_numpy() > 0,
        [
            [f"{c:,}\n{'<1%' if s < 0.01 else f'{s:.0%}'}" for c, s in zip(cr, sr)]
            for cr, sr in zip(counts.to_numpy(), share.fillna(0).to_numpy())
        ],
        "",
    )
    sns.heatmap(
        share.fillna(0),
        ax=ax,
        cmap=sns.light_palette(ACCENT, as_cmap=True),
        vmin=0,
        vmax=1,
        annot=text,
        fmt="",
        annot_kws={"fontsize": 7},
        linewidths=0.5,
        linecolor="white",
        cbar_kws={"label": i18n.t("segments.plot.migration_cbar", lang), "format": "{x:.0%}"},
    )
    ax.set_xlabel(i18n.t("segments.plot.migration_xlabel", lang))
    ax.set_ylabel(i18n.t("segments.plot.migration_ylabel", lang))
    ax.tick_params(axis="x", rotation=35)
    for lab in ax.get_xticklabels():
        lab.set_horizontalalignment("right")
    ax.set_title(title or i18n.t("segments.plot.migration_title", lang))
    return ax
