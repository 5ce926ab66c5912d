"""Charts of the churn report (data from :class:`repurchase.churn.ChurnResult`).

Every function takes tables of the result (``res.trend.table``,
``res.warning.curves`` …), ``lang`` (``en`` or ``zh``) and ``ax=None``, and
returns the ``Axes``: titles, axis labels, legends, annotations and the names of
groups, scores, tiers and value bands come from the catalog
(``resources/i18n/<lang>/churn.yaml``); a ``title`` passed in wins. Where the
data could not support a chart, a slim panel says why instead.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from repurchase.churn.labels import feature_label, group_label, model_label, value_band_label
from repurchase.core import formatting, i18n
from repurchase.core.status import Unavailable
from repurchase.core.tiers import frequency_tier_label
from repurchase.plots.style import ACCENT, BAD, GOOD, NEUTRAL, CompactFormatter, get_ax

__all__ = [
    "plot_calibration",
    "plot_churn_breakdown",
    "plot_churn_flows",
    "plot_churn_trend",
    "plot_churned_revenue",
    "plot_gains",
    "plot_importance",
    "plot_model_curves",
    "plot_survival",
    "plot_value_at_risk",
]

_MODEL_COLORS = {"gradient_boosting": ACCENT, "logistic": GOOD, "recency": NEUTRAL, "bgnbd": BAD}


def _t(key: str, lang: str, **values) -> str:
    return i18n.t(f"churn.plot.{key}", lang, **values)


def _unit(currency: str) -> str:
    """The currency symbol in brackets for an axis label (¥ for CNY), or nothing."""
    return f"({formatting.CURRENCY_SYMBOLS.get(currency.upper(), currency)})" if currency else ""


def _note(ax: Axes, text: str, title: str) -> Axes:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color=NEUTRAL)
    ax.set_axis_off()
    ax.set_title(title)
    return ax


def _missing(ax: Axes | None, key: str, title: str, lang: str) -> Axes:
    """A slim panel with the title and why there is nothing to draw (``churn.plot.<key>``)."""
    return _note(get_ax(ax, (9, 1.4)), _t(key, lang), title)


def _no_month(trend: pd.DataFrame) -> bool:
    """No month of the trend has a complete base (the history is shorter than θ + 1 days before every month)."""
    return not bool(trend["complete"].any())


def _overall(trend: pd.DataFrame, months: int | None) -> pd.DataFrame:
    data = trend[trend["group"] == "all"].sort_values("month")
    return data.tail(months) if months else data


def plot_churn_trend(
    trend: pd.DataFrame, *, months: int | None = 24, ax: Axes | None = None, title: str | None = None, lang: str = "en"
) -> Axes:
    """Monthly churn rate of all customers; months whose base is incomplete are drawn hollow.

    Parameters
    ----------
    trend
        The table of :func:`repurchase.churn.monthly_churn` (``res.trend.table``, group ``all``).
    months
        Last months shown.
    title
        Chart title; the catalog's in ``lang`` when omitted.
    lang
        Report language of the chart text.

    When no month has a complete base yet, a slim panel says so instead.
    """
    if _no_month(trend):
        return _missing(ax, "no_complete_month", title or _t("trend_title", lang), lang)
    ax = get_ax(ax, (9, 3.6))
    data = _overall(trend, months)
    data = data[data["active_start"] > 0]
    full = data[data["complete"]]
    ax.plot(full["month"], full["churn_rate"], color=BAD, marker="o", ms=4, lw=2, label=_t("trend_line", lang))
    part = data[~data["complete"] & data["churn_rate"].notna()]
    if len(part):
        ax.plot(
            part["month"],
            part["churn_rate"],
            ls="none",
            marker="o",
            mfc="white",
            mec=NEUTRAL,
            label=_t("trend_incomplete", lang),
        )
    if len(full):
        last = full.iloc[-1]
        ax.annotate(
            f"{last['churn_rate']:.1%}",
            (last["month"], last["churn_rate"]),
            xytext=(6, 6),
            textcoords="offset points",
            color=BAD,
            fontweight="bold",
        )
        mean = float(full["churned"].sum() / max(full["active_start"].sum(), 1))
        ax.axhline(mean, color=NEUTRAL, ls="--", lw=1, label=_t("trend_average", lang, rate=f"{mean:.1%}"))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
    ax.set_ylim(bottom=0)
    ax.set_ylabel(_t("trend_ylabel", lang))
    ax.set_xlabel("")
    ax.legend(loc="upper left", fontsize=9, frameon=False)
    ax.set_title(title or _t("trend_title", lang))
    return ax


def plot_churn_flows(
    trend: pd.DataFrame, *, months: int | None = 24, ax: Axes | None = None, title: str | None = None, lang: str = "en"
) -> Axes:
    """Churned customers (down) and reactivated customers (up) per month (a note when no month is complete)."""
    if _no_month(trend):
        return _missing(ax, "no_complete_month", title or _t("flows_title", lang), lang)
    ax = get_ax(ax, (9, 3.4))
    data = _overall(trend, months)
    width = 20
    ax.bar(data["month"], data["reactivated"], width=width, color=GOOD, label=_t("reactivated", lang))
    ax.bar(data["month"], -data["churned"], width=width, color=BAD, label=_t("churned", lang))
    ax.axhline(0, color="black", lw=0.8)
    ax.yaxis.set_major_formatter(lambda v, _: f"{abs(v):,.0f}")
    ax.set_ylabel(_t("customers", lang))
    ax.legend(loc="lower left", ncol=2, fontsize=9, frameon=False)
    ax.set_title(title or _t("flows_title", lang))
    return ax


def plot_churned_revenue(
    trend: pd.DataFrame,
    *,
    months: int | None = 24,
    currency: str = "",
    ax: Axes | None = None,
    title: str | None = None,
    lang: str = "en",
) -> Axes:
    """Churned revenue per month: the churned customers' spend in their last 365 days (a note when no month is complete)."""
    if _no_month(trend):
        return _missing(ax, "no_complete_month", title or _t("revenue_title", lang), lang)
    ax = get_ax(ax, (9, 3.2))
    data = _overall(trend, months)
    colors = [BAD if c else NEUTRAL for c in data["complete"]]
    ax.bar(data["month"], data["churned_revenue"], width=20, color=colors)
    ax.yaxis.set_major_formatter(CompactFormatter(lang))
    ax.set_ylabel(_t("revenue_ylabel", lang, currency=_unit(currency)).strip())
    ax.set_title(title or _t("revenue_title", lang))
    return ax


def plot_churn_breakdown(
    breakdown: pd.DataFrame,
    *,
    by: str | None = None,
    unavailable: Unavailable | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    lang: str = "en",
) -> Axes:
    """Horizontal bars of the average monthly churn rate per group, with the overall rate.

    Parameters
    ----------
    breakdown
        The table of :func:`repurchase.churn.churn_by` (``res.breakdowns[by].table``).
    by
        The dimension (a key of :data:`repurchase.churn.BREAKDOWNS`): names the
        chart and translates tier, segment and cohort names.
    unavailable
        Why there is no breakdown (``res.breakdowns[by].unavailable``): no
        complete month, or every group too small to show; a slim panel says so.
    title, xlabel
        Chart title and axis label; the catalog's in ``lang`` when omitted.
    lang
        Report language of the chart text.
    """
    if title is None:
        title = (
            _t(f"breakdown.{by}", lang) if i18n.has(f"churn.plot.breakdown.{by}", lang) else _t("breakdown_title", lang)
        )
    if unavailable is not None:  # no complete month, or every group too small to show
        key = "too_few_groups" if unavailable.code == "breakdown_too_few" else "no_complete_month"
        return _missing(ax, key, title, lang)
    data = breakdown[breakdown["group"] != "all"]
    total = breakdown.loc[breakdown["group"] == "all", "churn_rate"]
    ax = get_ax(ax, (9, max(2.4, 0.36 * len(data) + 1.2) if len(data) else 1.4))
    if data.empty:
        return _note(ax, _t("not_in_data", lang), title)
    data = data.iloc[::-1]
    ax.barh([group_label(g, by, lang) for g in data["group"]], data["churn_rate"], color=ACCENT)
    for y, (v, n) in enumerate(zip(data["churn_rate"], data["mean_active"])):
        if pd.notna(v):
            ax.text(v, y, _t("breakdown_bar", lang, rate=f"{v:.1%}", n=f"{n:,.0f}"), va="center", fontsize=8)
    if len(total) and pd.notna(total.iloc[0]):
        ax.axvline(
            float(total.iloc[0]),
            color=BAD,
            ls="--",
            lw=1.2,
            label=_t("all_customers", lang, rate=f"{float(total.iloc[0]):.1%}"),
        )
        ax.legend(loc="lower right", fontsize=9, frameon=False)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
    top = float(np.nanmax(data["churn_rate"].to_numpy(dtype=float))) if len(data) else 0.1
    ax.set_xlim(0, max(top, 0.01) * 1.45)
    ax.set_xlabel(xlabel or _t("breakdown_xlabel", lang))
    ax.set_title(title)
    return ax


def plot_model_curves(
    curves: pd.DataFrame,
    comparison: pd.DataFrame,
    *,
    kind: str = "roc",
    ax: Axes | None = None,
    title: str | None = None,
    lang: str = "en",
) -> Axes:
    """ROC (``kind="roc"``) or precision–recall (``kind="pr"``) curves of every score on the test cutoff.

    Without a model (empty tables) a slim panel says so instead; so do the other model charts.
    """
    if comparison.empty:
        return _missing(ax, "no_model", title or _t("roc_title" if kind == "roc" else "pr_title", lang), lang)
    ax = get_ax(ax, (5.2, 4.6))
    metric = "roc_auc" if kind == "roc" else "pr_auc"
    values = comparison.set_index("model")[metric]
    for model in comparison["model"]:
        c = curves[(curves["model"] == model) & (curves["curve"] == kind)]
        ax.plot(
            c["x"],
            c["y"],
            color=_MODEL_COLORS.get(model, NEUTRAL),
            lw=2 if model == comparison["model"].iloc[0] else 1.3,
            label=f"{model_label(model, lang, short=True)} ({values[model]:.3f})",
        )
    if kind == "roc":
        ax.plot([0, 1], [0, 1], color="grey", ls=":", lw=1, label=_t("random_auc", lang))
        ax.set_xlabel(_t("roc_xlabel", lang))
        ax.set_ylabel(_t("roc_ylabel", lang))
    else:
        base = float(comparison["base_rate"].iloc[0])
        ax.axhline(base, color="grey", ls=":", lw=1, label=_t("base_rate", lang, rate=f"{base:.3f}"))
        ax.set_xlabel(_t("pr_xlabel", lang))
        ax.set_ylabel(_t("pr_ylabel", lang))
        ax.set_ylim(0, 1.02)
    ax.legend(loc="lower right" if kind == "roc" else "lower left", fontsize=8, frameon=False)
    ax.set_title(title or _t("roc_title" if kind == "roc" else "pr_title", lang))
    return ax


def plot_calibration(
    calibration: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None, lang: str = "en"
) -> Axes:
    """Mean predicted probability against the observed churn share, by decile of the prediction."""
    if calibration.empty:
        return _missing(ax, "no_model", title or _t("calibration_title", lang), lang)
    ax = get_ax(ax, (5.2, 4.6))
    ax.plot([0, 1], [0, 1], color="grey", ls=":", lw=1, label=_t("perfect", lang))
    for model, part in calibration.groupby("model", sort=False):
        ax.plot(
            part["mean_predicted"],
            part["observed"],
            marker="o",
            ms=4,
            color=_MODEL_COLORS.get(str(model), NEUTRAL),
            label=model_label(str(model), lang, short=True),
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(_t("calibration_xlabel", lang))
    ax.set_ylabel(_t("calibration_ylabel", lang))
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.set_title(title or _t("calibration_title", lang))
    return ax


def plot_gains(lift: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None, lang: str = "en") -> Axes:
    """Share of all churners caught when contacting the top k deciles, per score."""
    if lift.empty:
        return _missing(ax, "no_model", title or _t("gains_title", lang), lang)
    ax = get_ax(ax, (5.2, 4.6))
    ax.plot([0, 1], [0, 1], color="grey", ls=":", lw=1, label=_t("random", lang))
    for model, part in lift.groupby("model", sort=False):
        x = np.r_[0, part["cumulative_share"].to_numpy()]
        y = np.r_[0, part["cumulative_gain"].to_numpy()]
        top = float(part["lift"].iloc[0])
        ax.plot(
            x,
            y,
            marker="o",
            ms=3,
            color=_MODEL_COLORS.get(str(model), NEUTRAL),
            label=_t("gains_label", lang, model=model_label(str(model), lang, short=True), lift=f"{top:.2f}"),
        )
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(_t("gains_xlabel", lang))
    ax.set_ylabel(_t("gains_ylabel", lang))
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.set_title(title or _t("gains_title", lang))
    return ax


def plot_importance(
    importance: pd.DataFrame, *, top: int = 12, ax: Axes | None = None, title: str | None = None, lang: str = "en"
) -> Axes:
    """Horizontal bars of the permutation importance of the top features, with ±1 sd.

    Each bar is named by what the feature measures (:func:`repurchase.churn.feature_label`) in ``lang``.
    """
    if importance.empty:
        return _missing(ax, "no_model", title or _t("importance_title", lang), lang)
    data = importance.head(top).iloc[::-1]
    ax = get_ax(ax, (9, max(2.5, 0.34 * len(data) + 1)))
    labels = [feature_label(f, lang) for f in data["feature"]]
    colors = [ACCENT if v > 0 else NEUTRAL for v in data["importance"]]
    ax.barh(labels, data["importance"], xerr=data["std"], color=colors, error_kw={"lw": 0.8, "ecolor": "grey"})
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel(_t("importance_xlabel", lang))
    ax.tick_params(axis="y", labelsize=8)
    ax.set_title(title or _t("importance_title", lang))
    return ax


def plot_survival(
    curves: pd.DataFrame,
    *,
    horizons: Sequence[int] = (30, 90, 180, 365),
    by: str | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    lang: str = "en",
) -> Axes:
    """Kaplan–Meier curves of the days to the next purchase, one line per group, horizons marked.

    Parameters
    ----------
    curves
        :func:`repurchase.churn.survival_curves` output.
    by
        The grouping column of the curves (``frequency_tier``, ``first_category`` …):
        names the chart and translates tier names.
    title
        Chart title; the catalog's in ``lang`` when omitted.
    lang
        Report language of the chart text.
    """
    if title is None:
        title = (
            _t(f"survival.{by}", lang) if i18n.has(f"churn.plot.survival.{by}", lang) else _t("survival_title", lang)
        )
    ax = get_ax(ax, (9, 4.4) if len(curves) else (9, 1.4))
    if curves.empty:
        return _note(ax, _t("not_in_data", lang), title)
    groups = list(dict.fromkeys(curves["group"]))
    palette = sns.color_palette("tab10", n_colors=max(len(groups), 1))
    for color, name in zip(palette, groups):
        part = curves[curves["group"] == name]
        ax.step(
            part["days"],
            part["survival"],
            where="post",
            color=NEUTRAL if name == "other" else color,
            lw=1.8,
            label=group_label(name, by, lang),
        )
        if len(groups) <= 3:
            ax.fill_between(part["days"], part["ci_low"], part["ci_high"], step="post", color=color, alpha=0.15, lw=0)
    for h in horizons:
        ax.axvline(h, color="grey", ls=":", lw=0.8)
        ax.text(h, 1.0, _t("horizon", lang, days=h), fontsize=8, color="grey", va="bottom")
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(_t("survival_xlabel", lang))
    ax.set_ylabel(_t("survival_ylabel", lang))
    ax.legend(loc="upper right", fontsize=8, frameon=False, ncol=2 if len(groups) > 5 else 1)
    ax.set_title(title)
    return ax


def plot_value_at_risk(
    summary: pd.DataFrame, *, currency: str = "", ax: Axes | None = None, title: str | None = None, lang: str = "en"
) -> Axes:
    """Bars of the value at risk of the at-risk customers per frequency tier, split by value band.

    Tier and band names are shown in ``lang`` (the default tier names are translated).
    Without a model (:func:`repurchase.churn.at_risk_summary` has ``value``
    instead of ``value_at_risk``) the bars show the value of the at-risk customers.
    """
    ax = get_ax(ax, (9, 3.6))
    col = "value_at_risk" if "value_at_risk" in summary.columns else "value"
    bands = [b for b in ("high", "mid", "low") if b in set(summary["value_band"])]
    tiers = list(dict.fromkeys(summary.sort_values(col, ascending=False)["frequency_tier"]))
    table = (
        summary.pivot_table(index="frequency_tier", columns="value_band", values=col, aggfunc="sum", observed=True)
        .reindex(index=tiers, columns=bands)
        .fillna(0.0)
    )
    colors = {"high": BAD, "mid": ACCENT, "low": NEUTRAL}
    left = np.zeros(len(table))
    for band in bands:
        ax.barh(
            [frequency_tier_label(str(t), lang) for t in table.index],
            table[band],
            left=left,
            color=colors[band],
            label=_t("risk_band", lang, band=value_band_label(band, lang)),
        )
        left += table[band].to_numpy()
    for y, v in enumerate(left):
        ax.text(v, y, " " + formatting.format_number(v, lang), va="center", fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(0, max(float(left.max()) if len(left) else 1.0, 1.0) * 1.18)
    ax.xaxis.set_major_formatter(CompactFormatter(lang))
    risk = col == "value_at_risk"
    ax.set_xlabel(_t("risk_xlabel" if risk else "value_xlabel", lang, currency=_unit(currency)).strip())
    if bands:
        ax.legend(loc="lower right", fontsize=9, frameon=False)
    ax.set_title(title or _t("risk_title" if risk else "value_title", lang))
    return ax
