"""Charts of the repurchase report: KPI trends, purchase cycle, cohorts and drivers.

Every chart takes attributes of :class:`repurchase.kpis.RepurchaseResult` (tables
computed by :func:`repurchase.kpis.run_repurchase`), ``lang`` (``en`` or ``zh``)
and ``ax=None``, and returns the ``Axes``: titles, axis labels, legends and
annotations come from the message catalog (``repurchase.plot.*``); months are
written with :func:`repurchase.core.formatting.format_month`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, PercentFormatter

from repurchase.core import formatting, i18n
from repurchase.kpis import group_label
from repurchase.plots.style import ACCENT, BAD, GOOD, NEUTRAL, CompactFormatter, get_ax

__all__ = [
    "plot_buyer_mix",
    "plot_cohort_heatmap",
    "plot_cohort_revenue_curves",
    "plot_cycle_by_group",
    "plot_first_group_rates",
    "plot_gap_distribution",
    "plot_gap_ecdf",
    "plot_kpi_trend",
    "plot_lift_matrix",
    "plot_n_day_trend",
    "plot_products_by_buyer_type",
    "plot_rate_trend",
    "plot_refund_rates",
    "plot_time_to_second",
    "plot_top_pairs",
]

#: legend label of each rate (``repurchase.plot.<key>``)
_RATE_KEYS = {
    "repurchase_rate_customers": "rate_repurchase_rate_customers",
    "repurchase_rate_orders": "rate_repurchase_rate_orders",
    "buyback_rate": "rate_buyback_rate",
}


def _t(key: str, lang: str, **values) -> str:
    return i18n.t(f"repurchase.plot.{key}", lang, **values)


def _currency(currency: str) -> str:
    """`` (¥)`` after a money label, or nothing without a currency."""
    return f" ({formatting.CURRENCY_SYMBOLS.get(currency.upper(), currency)})" if currency else ""


def _month(value, lang: str) -> str:
    return formatting.format_month(pd.Timestamp(value).strftime("%Y-%m"), lang)


def _empty(ax: Axes, message: str, title: str) -> Axes:
    """A one-line note in place of the chart (the figure shrinks when it holds only this axes)."""
    fig = ax.get_figure(root=True)
    if isinstance(fig, Figure) and len(fig.axes) == 1:
        fig.set_size_inches(fig.get_size_inches()[0], 0.9)
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color=NEUTRAL)
    ax.set_axis_off()
    ax.set_title(title, fontsize=10)
    return ax


def _label_ends(ax: Axes, x: float, values: list[float], colors: list[str], fmt: str = "{:.1%}") -> None:
    """Value labels at the right end of lines, nudged apart so they do not overlap."""
    points = sorted((v, c) for v, c in zip(values, colors) if pd.notna(v))
    if not points:
        return
    lo, hi = ax.get_ylim()
    gap = (hi - lo) * 0.06
    placed: list[float] = []
    for v, c in points:
        y = v if not placed else max(v, placed[-1] + gap)
        placed.append(y)
        ax.annotate(
            fmt.format(v),
            (x, v),
            xytext=(x + 0.3, y),
            textcoords="data",
            va="center",
            fontsize=9,
            color=c,
            fontweight="bold",
        )


def _recent(monthly: pd.DataFrame, months: int) -> pd.DataFrame:
    return monthly.tail(months)


def _month_axis(ax: Axes, months: pd.Series, lang: str = "en") -> None:
    labels = [_month(m, lang) if (i % 3 == 0 or i == len(months) - 1) else "" for i, m in enumerate(months)]
    ax.set_xticks(range(len(months)))
    ax.set_xticklabels(labels, rotation=45, ha="right", fontsize=8)
    ax.set_xlim(-0.6, len(months) - 0.4)


def plot_buyer_mix(
    monthly: pd.DataFrame, *, months: int = 24, ax: Axes | None = None, title: str | None = None, lang: str = "en"
) -> Axes:
    """Stacked bars of new, returning and reactivated buyers, with last year's total as a dashed line.

    Parameters
    ----------
    monthly
        :func:`repurchase.kpis.monthly_kpis` output.
    months
        The last months shown.
    lang
        Report language of the labels.
    """
    title = title or _t("buyer_mix_title", lang)
    ax = get_ax(ax, (10, 4))
    data = _recent(monthly, months).reset_index(drop=True)
    if data.empty:
        return _empty(ax, _t("no_purchases", lang), title)
    x = np.arange(len(data))
    bottom = np.zeros(len(data))
    for col, color, key in (
        ("returning_buyers", ACCENT, "returning"),
        ("reactivated_buyers", GOOD, "reactivated"),
        ("new_buyers", "#e9c46a", "new"),
    ):
        ax.bar(x, data[col], bottom=bottom, color=color, label=_t(key, lang), width=0.8)
        bottom += data[col].to_numpy()
    year_ago = monthly.set_index("month")["buyers"].reindex(data["month"] - pd.DateOffset(years=1))
    if year_ago.notna().any():
        ax.plot(x, year_ago.to_numpy(), ls="--", color=BAD, marker="o", ms=3, label=_t("all_buyers_last_year", lang))
    _month_axis(ax, data["month"], lang)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_ylabel(_t("buyers", lang))
    ax.legend(ncol=4, fontsize=8, loc="upper left", frameon=False)
    ax.set_ylim(
        0, max(bottom.max(), np.nanmax(year_ago.to_numpy(dtype=float)) if year_ago.notna().any() else 0) * 1.2 or 1
    )
    ax.set_title(title)
    return ax


def plot_rate_trend(
    monthly: pd.DataFrame,
    columns: tuple[str, ...] = ("repurchase_rate_customers", "buyback_rate"),
    *,
    months: int = 24,
    ax: Axes | None = None,
    title: str | None = None,
    lang: str = "en",
) -> Axes:
    """Monthly rates as lines (percent), with each rate's value a year earlier as a thin dashed line."""
    title = title or _t("rate_title", lang)
    ax = get_ax(ax, (10, 3.8))
    data = _recent(monthly, months).reset_index(drop=True)
    if data.empty:
        return _empty(ax, _t("no_purchases", lang), title)
    x = np.arange(len(data))
    palette = [ACCENT, GOOD, "#e9c46a", BAD]
    by_month = monthly.set_index("month")
    for color, col in zip(palette, columns):
        label = _t(_RATE_KEYS[col], lang) if col in _RATE_KEYS else col
        ax.plot(x, data[col], color=color, marker="o", ms=3, lw=2, label=label)
        year_ago = by_month[col].reindex(data["month"] - pd.DateOffset(years=1)).to_numpy(dtype=float)
        if np.isfinite(year_ago).any():
            ax.plot(x, year_ago, color=color, ls="--", lw=1, alpha=0.6)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    top = np.nanmax(data[list(columns)].to_numpy(dtype=float)) if data[list(columns)].notna().any().any() else 1.0
    ax.set_ylim(0, (top if top > 0 else 1.0) * 1.3)  # all rates 0 (no repeat buyer): a 0-100% axis
    _label_ends(ax, float(x[-1]), [data[c].iloc[-1] for c in columns], palette[: len(columns)])
    _month_axis(ax, data["month"], lang)
    ax.set_xlim(-0.6, len(data) + 1.2)
    handles, labels = ax.get_legend_handles_labels()
    handles.append(Line2D([], [], color=NEUTRAL, ls="--", lw=1))
    labels.append(_t("same_month_last_year", lang))
    ax.legend(handles, labels, fontsize=8, ncol=len(labels), loc="upper left", frameon=False)
    ax.set_title(title)
    return ax


def plot_kpi_trend(
    monthly: pd.DataFrame,
    column: str = "revenue",
    *,
    months: int = 24,
    currency: str = "",
    label: str | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    lang: str = "en",
) -> Axes:
    """One KPI per month as bars, with the same month a year earlier as a dashed line.

    ``label`` names the KPI in titles and axes; by default its glossary name in
    ``lang``. With ``currency`` the values are money: the axis shows the currency
    symbol and compact numbers (1.2万 in Chinese, 12.3K in English).
    """
    if label is None:
        key = f"repurchase.term.{column}"
        label = i18n.t(key, lang) if i18n.has(key, lang) else column.replace("_", " ")
    title = title or _t("kpi_title", lang, label=label)
    ax = get_ax(ax, (10, 3.2))
    data = _recent(monthly, months).reset_index(drop=True)
    if data.empty:
        return _empty(ax, _t("no_purchases", lang), title)
    x = np.arange(len(data))
    ax.bar(x, data[column], color=ACCENT, width=0.8, label=_t("this_year", lang))
    year_ago = monthly.set_index("month")[column].reindex(data["month"] - pd.DateOffset(years=1)).to_numpy(dtype=float)
    if np.isfinite(year_ago).any():
        ax.plot(x, year_ago, ls="--", color=BAD, marker="o", ms=3, label=_t("same_month_last_year", lang))
        ax.legend(fontsize=8, loc="upper left", frameon=False)
    if currency:
        ax.yaxis.set_major_formatter(CompactFormatter(lang))
    else:
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    top = np.nanmax(np.r_[data[column].to_numpy(dtype=float), year_ago, 0.0])
    ax.set_ylim(0, (top if np.isfinite(top) and top > 0 else 1.0) * 1.25)
    ax.set_ylabel(label + _currency(currency))
    _month_axis(ax, data["month"], lang)
    ax.set_title(title)
    return ax


def plot_n_day_trend(
    nday: pd.DataFrame, *, months: int = 24, ax: Axes | None = None, title: str | None = None, lang: str = "en"
) -> Axes:
    """One line per N; dotted where a month's first-time buyers are not all observed for N days yet."""
    title = title or _t("n_day_title", lang)
    ax = get_ax(ax, (10, 3.8))
    if nday.empty:
        return _empty(ax, _t("no_first_time", lang), title)
    all_months = sorted(nday["month"].unique())[-months:]
    pos = {m: i for i, m in enumerate(all_months)}
    palette = sns.color_palette("crest", n_colors=max(nday["window"].nunique(), 1))
    for color, (n, part) in zip(palette, nday[nday["month"].isin(all_months)].groupby("window")):
        part = part.sort_values("month")
        x = part["month"].map(pos).to_numpy()
        ax.plot(x, part["rate"], color=color, lw=1.5, ls=":")  # every month, dotted underneath
        ax.plot(
            x,
            part["rate"].where(part["fully_observed"]),
            color=color,
            lw=2,
            marker="o",
            ms=3,
            label=_t("n_days", lang, n=n),
        )
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    top = nday.loc[nday["month"].isin(all_months), "rate"].max()
    ax.set_ylim(0, (top if np.isfinite(top) and top > 0 else 1.0) * 1.3)
    _month_axis(ax, pd.Series(pd.to_datetime(all_months)), lang)
    handles, labels = ax.get_legend_handles_labels()
    handles.append(Line2D([], [], color=NEUTRAL, ls=":"))
    labels.append(_t("not_all_observed", lang))
    ax.legend(handles, labels, fontsize=8, ncol=len(labels), loc="upper left", frameon=False)
    ax.set_title(title)
    return ax


def plot_time_to_second(
    curve: pd.DataFrame,
    *,
    max_days: int = 365,
    marks: tuple[int, ...] = (30, 60, 90, 180, 365),
    ax: Axes | None = None,
    title: str | None = None,
    lang: str = "en",
) -> Axes:
    """Kaplan–Meier share of first-time buyers with a second purchase by day t, marked at 30/60/90/… days."""
    title = title or _t("second_title", lang)
    ax = get_ax(ax, (9, 3.8))
    if curve.empty:
        return _empty(ax, i18n.t("repurchase.second_none", lang), title)
    c = curve[curve["time"] <= max_days]
    t = np.r_[0.0, c["time"].to_numpy()]
    y = np.r_[0.0, c["repurchased"].to_numpy()]
    ax.step(t, y, where="post", color=ACCENT, lw=2)
    ax.fill_between(t, y, step="post", color=ACCENT, alpha=0.12)
    for d in marks:
        if d > max_days or d > curve["time"].max():
            continue
        idx = np.searchsorted(t, d, side="right") - 1
        ax.plot([d], [y[idx]], "o", color=BAD, ms=5)
        ax.annotate(
            _t("second_mark", lang, share=f"{y[idx]:.0%}", day=d),
            (d, y[idx]),
            xytext=(4, -12),
            textcoords="offset points",
            fontsize=8,
        )
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylim(0, max(y.max() * 1.2, 0.05))
    ax.set_xlim(0, max_days)
    ax.set_xlabel(_t("days_since_first", lang))
    ax.set_ylabel(_t("bought_again", lang))
    ax.set_title(title)
    return ax


def plot_gap_distribution(
    gaps: pd.DataFrame,
    cycle: pd.DataFrame | None = None,
    *,
    max_days: int = 365,
    ax: Axes | None = None,
    title: str | None = None,
    lang: str = "en",
) -> Axes:
    """Histogram of closed gaps, with the Kaplan–Meier median and the expected next-purchase window marked.

    Parameters
    ----------
    gaps
        :func:`repurchase.kpis.gap_durations` output.
    cycle
        :func:`repurchase.kpis.purchase_cycle` output (the ``all`` row is used).
    """
    title = title or _t("gap_title", lang)
    ax = get_ax(ax, (9, 3.8))
    closed = gaps.loc[gaps["observed"], "duration"]
    if closed.empty:
        return _empty(ax, _t("no_second", lang), title)
    shown = closed.clip(upper=max_days)
    ax.hist(shown, bins=list(range(0, max_days + 8, 7)), color=NEUTRAL, edgecolor="white")
    if cycle is not None and len(cycle):
        row = cycle[cycle["group"] == "all"].iloc[0]
        lo, hi = row["window_median"], row["window_p90"]
        if np.isfinite(lo) and np.isfinite(hi):
            ax.axvspan(
                lo, hi, color=GOOD, alpha=0.15, label=_t("expected_window", lang, low=f"{lo:,.0f}", high=f"{hi:,.0f}")
            )
        if np.isfinite(row["km_median"]) and row["km_median"] <= max_days:
            ax.axvline(row["km_median"], color=BAD, lw=2, label=_t("km_median", lang, days=f"{row['km_median']:,.0f}"))
        ax.axvline(
            closed.median(), color=ACCENT, ls="--", label=_t("naive_median", lang, days=f"{closed.median():,.0f}")
        )
        ax.legend(fontsize=8, frameon=False)
    ax.set_xlim(0, max_days + 7)
    ax.set_xlabel(_t("gap_xlabel", lang, max=max_days))
    ax.set_ylabel(_t("gaps", lang))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_title(title)
    return ax


def plot_gap_ecdf(
    gaps: pd.DataFrame,
    curve: pd.DataFrame,
    *,
    max_days: int = 365,
    ax: Axes | None = None,
    title: str | None = None,
    lang: str = "en",
) -> Axes:
    """Naive ECDF of closed gaps against the Kaplan–Meier estimate with open gaps censored.

    Parameters
    ----------
    gaps
        :func:`repurchase.kpis.gap_durations` output.
    curve
        :func:`repurchase.kpis.purchase_cycle_curves` output without groups.
    """
    title = title or _t("ecdf_title", lang)
    ax = get_ax(ax, (9, 3.8))
    closed = np.sort(gaps.loc[gaps["observed"], "duration"].to_numpy())
    if closed.size == 0:
        return _empty(ax, _t("no_second", lang), title)
    ecdf = np.arange(1, closed.size + 1) / closed.size
    ax.step(closed, ecdf, where="post", color=NEUTRAL, lw=2, label=_t("ecdf_naive", lang))
    c = curve[curve["group"] == "all"] if "group" in curve else curve
    ax.step(
        np.r_[0.0, c["time"]], np.r_[0.0, c["returned"]], where="post", color=ACCENT, lw=2, label=_t("ecdf_km", lang)
    )
    ax.axhline(0.5, color=BAD, lw=0.8, ls=":")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlim(0, max_days)
    ax.set_ylim(0, 1)
    ax.set_xlabel(_t("days_since_purchase", lang))
    ax.set_ylabel(_t("followed_by_another", lang))
    ax.legend(fontsize=8, loc="lower right", frameon=False)
    ax.set_title(title)
    return ax


def plot_cycle_by_group(
    cycle: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None, lang: str = "en"
) -> Axes:
    """One bar per group from the window median to its p90, with the overall window shaded."""
    title = title or _t("cycle_title", lang)
    groups = cycle[cycle["group"] != "all"]
    ax = get_ax(ax, (9, max(2.5, 0.42 * len(groups) + 1.2)))
    if groups.empty:
        return _empty(ax, _t("no_category_cycle", lang), title)
    # a group none of whose purchases was followed by another within the horizon has no window to draw
    groups = groups[np.isfinite(groups["window_median"]) & np.isfinite(groups["window_p90"])]
    if groups.empty:
        return _empty(ax, _t("no_cycle", lang), title)
    groups = groups.sort_values("window_median", ascending=False).reset_index(drop=True)
    y = np.arange(len(groups))
    ax.hlines(y, groups["window_median"], groups["window_p90"], color=ACCENT, lw=8, alpha=0.6)
    ax.plot(groups["window_median"], y, "o", color=ACCENT, ms=7, label=_t("cycle_median", lang))
    ax.plot(groups["window_p90"], y, "|", color=BAD, ms=16, mew=2.5, label=_t("cycle_p90", lang))
    for yi, row in enumerate(groups.to_dict("records")):
        ax.text(
            row["window_p90"],
            yi,
            "  "
            + _t(
                "cycle_annotation",
                lang,
                low=f"{row['window_median']:,.0f}",
                high=f"{row['window_p90']:,.0f}",
                share=f"{row['returned_by_horizon']:.0%}",
            ),
            va="center",
            fontsize=8,
        )
    overall = cycle[cycle["group"] == "all"]
    if len(overall):
        o = overall.iloc[0]
        ax.axvspan(o["window_median"], o["window_p90"], color=NEUTRAL, alpha=0.15, label=_t("cycle_all", lang))
    ax.set_yticks(y)
    ax.set_yticklabels([group_label(g, lang) for g in groups["group"]])
    ax.set_xlim(0, groups["window_p90"].max() * 1.45)
    ax.set_xlabel(_t("cycle_xlabel", lang))
    ax.legend(
        fontsize=8,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.14 - 1.2 / max(len(groups), 3) / 2),
        ncol=3,
        frameon=False,
    )
    ax.set_title(title)
    return ax


def plot_cohort_heatmap(
    matrix: pd.DataFrame,
    *,
    kind: str = "retention",
    left_censored: list[str] | None = None,
    currency: str = "",
    ax: Axes | None = None,
    title: str | None = None,
    lang: str = "en",
) -> Axes:
    """Cohort heatmap (seaborn) with annotations; blank cells are not observable yet.

    Parameters
    ----------
    matrix
        :func:`repurchase.kpis.cohort_matrix` output (rows ``YYYY-MM``, shown as month names in ``lang``).
    kind
        ``retention`` (percent annotations) or ``revenue`` (cumulative revenue per
        acquired customer).
    left_censored
        Cohort labels (``YYYY-MM``) to mark with ``*`` (may include customers from before the data).
    """
    rows, cols = matrix.shape
    ax = get_ax(ax, (min(2 + 0.55 * cols, 16), max(3, 0.36 * rows + 1.6)))
    if title is None:
        title = (
            _t("retention_title", lang)
            if kind == "retention"
            else _t("cohort_revenue_title", lang, currency=_currency(currency))
        )
    if matrix.empty:
        return _empty(ax, _t("no_cohort", lang), title)
    data = matrix.astype(float)
    if kind == "retention":
        later = data.iloc[:, 1:] if cols > 1 else data
        vmax = float(np.nanpercentile(later.to_numpy(), 98)) if np.isfinite(later.to_numpy()).any() else 1.0
        annot = data.map(lambda v: "" if pd.isna(v) else f"{v:.0%}")
        sns.heatmap(
            data,
            ax=ax,
            cmap="YlGnBu",
            vmin=0,
            vmax=max(vmax, 0.01),
            annot=annot,
            fmt="",
            annot_kws={"fontsize": 7},
            cbar_kws={"format": PercentFormatter(1.0, decimals=0), "shrink": 0.6},
            linewidths=0.3,
            linecolor="white",
        )
    else:
        annot = data.map(lambda v: "" if pd.isna(v) else (f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.1f}"))
        sns.heatmap(
            data,
            ax=ax,
            cmap="YlOrBr",
            annot=annot,
            fmt="",
            annot_kws={"fontsize": 7},
            cbar_kws={"shrink": 0.6},
            linewidths=0.3,
            linecolor="white",
        )
    ax.grid(False)
    marked = set(left_censored or [])
    ax.set_yticks(np.arange(rows) + 0.5)
    ax.set_yticklabels(
        [formatting.format_month(c, lang) + (" *" if c in marked else "") for c in data.index], rotation=0, fontsize=8
    )
    ax.set_xlabel(_t("months_since_first", lang))
    ax.set_ylabel(_t("cohort_ylabel", lang))
    ax.set_title(title)
    return ax


def plot_cohort_revenue_curves(
    cohorts: pd.DataFrame,
    *,
    currency: str = "",
    max_cohorts: int = 24,
    ax: Axes | None = None,
    title: str | None = None,
    lang: str = "en",
) -> Axes:
    """One line per cohort (older cohorts darker), and the size-weighted average in bold."""
    title = title or _t("curves_title", lang)
    ax = get_ax(ax, (9, 4))
    data = cohorts[cohorts["observable"]]
    if data.empty:
        return _empty(ax, _t("no_cohort", lang), title)
    keep = sorted(data["cohort"].unique())[-max_cohorts:]
    data = data[data["cohort"].isin(keep)]
    palette = sns.color_palette("crest_r", n_colors=len(keep))
    for color, (_, part) in zip(palette, data.groupby("cohort")):
        ax.plot(part["age"], part["cum_revenue_per_customer"], color=color, lw=1, alpha=0.8)
    w = data.assign(weighted=data["cum_revenue_per_customer"] * data["cohort_size"])
    avg = w.groupby("age").agg(weighted=("weighted", "sum"), size=("cohort_size", "sum"), n=("cohort", "size"))
    avg = avg[avg["n"] >= min(3, len(keep))]  # the oldest ages rest on one or two cohorts
    ax.plot(avg.index, avg["weighted"] / avg["size"], color=BAD, lw=3, label=_t("curves_average", lang))
    ax.set_xlabel(_t("months_since_first", lang))
    ax.set_ylabel(_t("curves_ylabel", lang, currency=_currency(currency)))
    ax.yaxis.set_major_formatter(CompactFormatter(lang))
    handles, labels = ax.get_legend_handles_labels()
    handles.append(Line2D([], [], color=palette[0], lw=1))
    labels.append(_t("curves_cohorts", lang, first=_month(keep[0], lang), last=_month(keep[-1], lang)))
    ax.legend(handles, labels, fontsize=8, loc="upper left", frameon=False)
    ax.set_xlim(left=0)
    ax.set_title(title)
    return ax


#: how the first-purchase chart names the groups of each column (``repurchase.<key>``)
_FIRST_LABELS = {"category": "label_first_category", "product_name": "label_first_product"}


def plot_first_group_rates(
    table: pd.DataFrame,
    *,
    window_days: int = 90,
    by: str | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    label: str | None = None,
    lang: str = "en",
) -> Axes:
    """Repurchase rate by first-purchase group: dots with Wilson 95 % intervals and n, against the overall rate.

    Parameters
    ----------
    table
        :func:`repurchase.kpis.repurchase_by_first_group` output.
    window_days
        The window of the rate (``repurchase.first_purchase_window_days``).
    by
        The group column (``category``, ``product_name``): names the groups in the
        title ("category of the first purchase").
    label
        Names the groups in the title instead of ``by``.
    """
    if label is None and by in _FIRST_LABELS:
        label = i18n.t(f"repurchase.{_FIRST_LABELS[by]}", lang)
    title = title or _t("first_title", lang, window=window_days, label=label or _t("first_label", lang))
    ax = get_ax(ax, (9, max(2.5, 0.4 * len(table) + 1.2)))
    if table.empty:
        return _empty(ax, _t("no_column", lang), title)
    data = table.sort_values("rate").reset_index(drop=True)
    y = np.arange(len(data))
    overall = data["repeaters"].sum() / max(data["customers"].sum(), 1)
    colors = [
        NEUTRAL if g == "(other)" else (GOOD if r > overall else BAD) for g, r in zip(data["group"], data["rate"])
    ]
    ax.hlines(y, data["ci_low"], data["ci_high"], color=colors, lw=2.5, alpha=0.6)
    ax.scatter(data["rate"], y, color=colors, s=40, zorder=3)
    ax.axvline(overall, color=NEUTRAL, ls="--", label=_t("all_customers", lang, rate=f"{overall:.1%}"))
    for yi, row in enumerate(data.to_dict("records")):
        ax.text(
            row["ci_high"],
            yi,
            "  " + _t("first_annotation", lang, rate=f"{row['rate']:.0%}", n=f"{int(row['customers']):,}"),
            va="center",
            fontsize=8,
        )
    ax.set_yticks(y)
    ax.set_yticklabels([group_label(g, lang) for g in data["group"]], fontsize=8)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlim(0, min(1.0, data["ci_high"].max() * 1.3 + 0.02))
    ax.legend(fontsize=8, loc="lower right", frameon=False)
    ax.set_xlabel(_t("first_xlabel", lang))
    ax.set_title(title)
    return ax


def plot_lift_matrix(
    rules: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None, lang: str = "en"
) -> Axes:
    """Heatmap of lift between groups (1 = independent); blank below the minimum support."""
    title = title or _t("lift_title", lang)
    items = sorted(set(rules["antecedent"]) | set(rules["consequent"])) if len(rules) else []
    ax = get_ax(ax, (max(5, 0.7 * len(items) + 2.5), max(4, 0.6 * len(items) + 1.5)))
    if rules.empty:
        return _empty(ax, _t("no_pairs", lang), title)
    matrix = rules.pivot(index="antecedent", columns="consequent", values="lift").reindex(index=items, columns=items)
    spread = (
        float(np.nanmax(np.abs(np.log2(matrix.to_numpy(dtype=float)))))
        if np.isfinite(matrix.to_numpy(dtype=float)).any()
        else 1.0
    )
    sns.heatmap(
        np.log2(matrix.astype(float)),
        ax=ax,
        cmap="RdBu_r",
        center=0,
        vmin=-spread,
        vmax=spread,
        annot=matrix.map(lambda v: "" if pd.isna(v) else f"{v:.2f}"),
        fmt="",
        annot_kws={"fontsize": 8},
        cbar_kws={"label": _t("log_lift", lang), "shrink": 0.6},
        linewidths=0.3,
        linecolor="white",
    )
    ax.grid(False)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.tick_params(axis="x", rotation=45)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
    ax.set_title(title)
    return ax


def plot_top_pairs(
    rules: pd.DataFrame, *, top: int = 12, ax: Axes | None = None, title: str | None = None, lang: str = "en"
) -> Axes:
    """Horizontal bars of lift for the top pairs (each pair once), labelled with support and confidence."""
    title = title or _t("pairs_title", lang)
    ax = get_ax(ax, (9, max(2.5, 0.4 * min(top, len(rules)) + 1.2)))
    if rules.empty:
        return _empty(ax, _t("no_pairs", lang), title)
    a, b = rules["antecedent"].astype(str), rules["consequent"].astype(str)
    first, second = a.where(a <= b, b), b.where(a <= b, a)
    pairs = rules.assign(first=first, second=second).drop_duplicates(["first", "second"])
    pairs = pairs.head(top).iloc[::-1].reset_index(drop=True)
    y = np.arange(len(pairs))
    ax.barh(y, pairs["lift"], color=ACCENT)
    for yi, row in enumerate(pairs.to_dict("records")):
        ax.text(
            row["lift"], yi, "  " + _t("pairs_support", lang, support=f"{row['support']:.1%}"), va="center", fontsize=8
        )
    ax.set_yticks(y)
    ax.set_yticklabels((pairs["first"] + " + " + pairs["second"]).tolist(), fontsize=8)
    ax.axvline(1, color=NEUTRAL, ls="--")
    ax.set_xlim(0, pairs["lift"].max() * 1.3)
    ax.set_xlabel(_t("pairs_xlabel", lang))
    ax.set_title(title)
    return ax


def plot_refund_rates(
    table: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None, lang: str = "en"
) -> Axes:
    """Refunded share of sales per group, with the share of refunded lines and the overall rate."""
    title = title or _t("refund_title", lang)
    ax = get_ax(ax, (9, max(2.5, 0.4 * len(table) + 1.2)))
    if table.empty:
        return _empty(ax, _t("no_column", lang), title)
    data = table.sort_values("refund_rate").reset_index(drop=True)
    y = np.arange(len(data))
    overall = data["refunds"].sum() / max(data["sales"].sum(), 1e-9)
    ax.barh(y, data["refund_rate"], color=[BAD if r > overall else NEUTRAL for r in data["refund_rate"]])
    ax.plot(data["line_refund_rate"], y, "D", color=ACCENT, ms=5, label=_t("lines_refunded", lang))
    ax.axvline(overall, color=ACCENT, ls="--", lw=1, label=_t("all_sales", lang, rate=f"{overall:.1%}"))
    for yi, row in enumerate(data.to_dict("records")):
        ax.text(
            max(row["refund_rate"], row["line_refund_rate"]), yi, f"  {row['refund_rate']:.1%}", va="center", fontsize=8
        )
    ax.set_yticks(y)
    ax.set_yticklabels([group_label(g, lang) for g in data["group"]], fontsize=8)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlim(0, max(data["refund_rate"].max(), data["line_refund_rate"].max()) * 1.25 + 0.005)
    ax.set_xlabel(_t("refund_xlabel", lang))
    ax.legend(
        handles=[Patch(color=BAD, label=_t("above_average", lang)), *ax.get_legend_handles_labels()[0]],
        fontsize=8,
        loc="lower right",
        frameon=False,
    )
    ax.set_title(title)
    return ax


def plot_products_by_buyer_type(
    table: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None, lang: str = "en"
) -> Axes:
    """Dumbbell chart: each product's share of repeat and one-time buyers' spend."""
    title = title or _t("buyer_title", lang)
    n = table["group"].nunique() if len(table) else 0
    ax = get_ax(ax, (9, max(2.5, 0.38 * n + 1.4)))
    if table.empty:
        return _empty(ax, _t("no_column", lang), title)
    wide = table.pivot_table(index="group", columns="buyer_type", values="revenue_share", aggfunc="first").fillna(0.0)
    for col in ("repeat", "one-time"):
        if col not in wide:
            wide[col] = 0.0
    wide = wide.assign(diff=wide["repeat"] - wide["one-time"]).sort_values("diff")
    y = np.arange(len(wide))
    ax.hlines(y, wide["one-time"], wide["repeat"], color=[GOOD if d > 0 else BAD for d in wide["diff"]], lw=2)
    ax.scatter(wide["one-time"], y, color=NEUTRAL, s=36, zorder=3, label=i18n.t("repurchase.buyer_one_time", lang))
    ax.scatter(wide["repeat"], y, color=ACCENT, s=36, zorder=3, label=i18n.t("repurchase.buyer_repeat", lang))
    ax.set_yticks(y)
    ax.set_yticklabels([group_label(g, lang) for g in wide.index], fontsize=8)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlim(left=0)
    ax.set_xlabel(_t("spend_share", lang))
    ax.legend(fontsize=8, loc="upper right", frameon=False)
    ax.set_title(title)
    return ax
