"""Charts of the satisfaction report.

Every function takes the tables of a :class:`repurchase.satisfaction.SatisfactionResult`
(``res.by_month``, ``res.breakdowns`` …). When a table
is empty (a client without surveys) and no ``ax`` was given, the new figure is
closed again, so a notebook cell shows nothing instead of an empty frame.
Titles, axis labels, legends and annotations are in ``lang`` (``en``/``zh``,
from the message catalog); NPS groups are translated, names from the data are not.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from repurchase.core import i18n
from repurchase.plots.style import ACCENT, BAD, GOOD, NEUTRAL, get_ax
from repurchase.satisfaction import dimension_label, frequency_tier_labels, nps_group_label, quadrant_label

__all__ = [
    "GROUP_COLORS",
    "plot_csat_trend",
    "plot_distinguishing_terms",
    "plot_importance_performance",
    "plot_nps_breakdown",
    "plot_nps_trend",
    "plot_repurchase_by_frequency",
    "plot_repurchase_by_group",
    "plot_time_to_next_purchase",
]

#: colour of each NPS group
GROUP_COLORS = {"detractor": BAD, "passive": NEUTRAL, "promoter": GOOD}


def _start(data: pd.DataFrame | None, ax: Axes | None, figsize: tuple[float, float] | None) -> tuple[Axes, bool]:
    """The axes to draw on, and whether there is anything to draw."""
    empty = data is None or len(data) == 0
    if empty and ax is None:
        new = get_ax(None, figsize)
        plt.close(cast(Figure, new.figure))  # nothing to show: keep the notebook output blank
        return new, False
    return get_ax(ax, figsize), not empty


def _no_data(ax: Axes, title: str, lang: str = "en") -> Axes:
    ax.text(
        0.5,
        0.5,
        i18n.t("satisfaction.plot.no_data", lang),
        ha="center",
        va="center",
        transform=ax.transAxes,
        color=NEUTRAL,
    )
    ax.set_axis_off()
    ax.set_title(title)
    return ax


def _percent_axis(ax: Axes, axis: str = "y") -> None:
    from matplotlib.ticker import PercentFormatter

    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(PercentFormatter(1.0, decimals=0))


def plot_nps_trend(
    by_month: pd.DataFrame, *, ax: Axes | None = None, months: int = 24, title: str | None = None, lang: str = "en"
) -> Axes:
    """NPS per month of response with its 95% interval as a band.

    Parameters
    ----------
    by_month
        ``res.by_month`` (:func:`repurchase.satisfaction.scores_by_month`).
    months
        The last ``months`` months are drawn.
    lang
        Report language of the title, labels and legend.
    """
    title = title or i18n.t("satisfaction.plot.nps_trend_title", lang)
    data = by_month.tail(months) if by_month is not None else None
    ax, ok = _start(data, ax, (9, 3.6))
    if not ok or data is None:
        return _no_data(ax, title, lang)
    x = pd.to_datetime(data["month"] + "-01")
    ax.fill_between(
        x,
        data["nps_low"],
        data["nps_high"],
        color=ACCENT,
        alpha=0.15,
        lw=0,
        label=i18n.t("satisfaction.plot.interval", lang),
    )
    ax.plot(x, data["nps"], color=ACCENT, marker="o", ms=3.5, lw=1.5, label="NPS")
    ax.axhline(0, color=NEUTRAL, lw=0.8)
    ax.set_ylabel(i18n.t("satisfaction.plot.nps_axis", lang))
    ax.set_ylim(max(-100, float(np.nanmin(data["nps_low"])) - 5), min(100, float(np.nanmax(data["nps_high"])) + 5))
    ax.legend(loc="lower left", frameon=False, ncol=2)
    ax.set_title(title)
    return ax


def plot_csat_trend(
    by_month: pd.DataFrame, *, ax: Axes | None = None, months: int = 24, title: str | None = None, lang: str = "en"
) -> Axes:
    """CSAT per month of response with its Wilson 95% interval as a band (texts in ``lang``)."""
    title = title or i18n.t("satisfaction.plot.csat_trend_title", lang)
    data = by_month.tail(months) if by_month is not None else None
    ax, ok = _start(data, ax, (9, 3.2))
    if not ok or data is None:
        return _no_data(ax, title, lang)
    x = pd.to_datetime(data["month"] + "-01")
    ax.fill_between(
        x,
        data["csat_low"],
        data["csat_high"],
        color=GOOD,
        alpha=0.15,
        lw=0,
        label=i18n.t("satisfaction.plot.interval", lang),
    )
    ax.plot(x, data["csat"], color=GOOD, marker="o", ms=3.5, lw=1.5, label="CSAT")
    _percent_axis(ax)
    ax.set_ylim(
        max(0.0, float(np.nanmin(data["csat_low"])) - 0.05), min(1.0, float(np.nanmax(data["csat_high"])) + 0.05)
    )
    ax.set_ylabel(i18n.t("satisfaction.plot.csat_axis", lang))
    ax.legend(loc="lower left", frameon=False, ncol=2)
    ax.set_title(title)
    return ax


def plot_nps_breakdown(
    breakdowns: pd.DataFrame,
    *,
    ax: Axes | None = None,
    dimension_labels: dict | None = None,
    tiers: Mapping[str, int] | None = None,
    title: str | None = None,
    lang: str = "en",
) -> Axes:
    """Forest plot of NPS per group, one block per dimension; small groups in grey.

    Parameters
    ----------
    breakdowns
        ``res.breakdowns`` (:func:`repurchase.satisfaction.nps_breakdowns`).
    dimension_labels
        ``{dimension: heading}``; default the dimension's name in ``lang``.
    tiers
        ``res.frequency_tiers``: names the prior-frequency tiers (``occasional (2–3)``).
    """
    title = title or i18n.t("satisfaction.plot.breakdown_title", lang)
    n_rows = 0 if breakdowns is None else len(breakdowns) + breakdowns["dimension"].nunique()
    ax, ok = _start(breakdowns, ax, (9, max(3.0, 0.26 * n_rows + 1.2)))
    if not ok:
        return _no_data(ax, title, lang)
    labels = dimension_labels or {}
    tier_names = frequency_tier_labels(tiers, lang)
    y, ticks, names, header_y = 0, [], [], []
    for dim, part in breakdowns.groupby("dimension", sort=False):  # a handful of dimensions
        header_y.append((y, labels.get(dim) or dimension_label(dim, lang)))
        y += 1
        for row in part.itertuples(index=False):
            small = bool(row.small_n)
            color = NEUTRAL if small else ACCENT
            ax.errorbar(
                row.nps,
                y,
                xerr=[[row.nps - row.nps_low], [row.nps_high - row.nps]],
                fmt="o",
                color=color,
                ms=4,
                capsize=2,
                lw=1.2,
                alpha=0.6 if small else 1.0,
            )
            ticks.append(y)
            key = "satisfaction.plot.group_n_small" if small else "satisfaction.plot.group_n"
            group = tier_names.get(str(row.group), row.group) if dim == "frequency_tier" else row.group
            names.append(i18n.t(key, lang, group=group, n=f"{int(row.nps_n):,}"))
            y += 1
    ax.set_yticks(ticks)
    ax.set_yticklabels(names, fontsize=8.5)
    for hy, text in header_y:
        ax.text(
            0.0,
            hy,
            text,
            transform=ax.get_yaxis_transform(),
            fontweight="bold",
            fontsize=9,
            va="center",
            ha="left",
            color=ACCENT,
        )
    ax.set_ylim(y, -1)
    ax.axvline(0, color=NEUTRAL, lw=0.8)
    ax.set_xlim(-100, 100)
    ax.set_xlabel(i18n.t("satisfaction.plot.nps_axis", lang))
    ax.grid(axis="y", visible=False)
    ax.set_title(title)
    return ax


def plot_repurchase_by_group(
    rates: pd.DataFrame,
    *,
    ax: Axes | None = None,
    window_days: int | None = None,
    title: str | None = None,
    lang: str = "en",
) -> Axes:
    """Repurchase rate per NPS group as bars with 95% interval whiskers.

    Parameters
    ----------
    rates
        ``res.repurchase`` (:func:`repurchase.satisfaction.repurchase_after_response` by ``nps_group``).
    """
    title = title or (
        i18n.t("satisfaction.plot.repurchase_title", lang, days=window_days)
        if window_days
        else i18n.t("satisfaction.plot.repurchase_title_plain", lang)
    )
    data = None if rates is None else rates[rates["observed"] > 0]
    ax, ok = _start(data, ax, (7, 3.6))
    if not ok or data is None:
        return _no_data(ax, title, lang)
    groups = data["nps_group"].astype(str).tolist()
    x = np.arange(len(groups))
    rate = data["rate"].to_numpy(dtype=float)
    err = np.vstack([rate - data["rate_low"].to_numpy(dtype=float), data["rate_high"].to_numpy(dtype=float) - rate])
    ax.bar(x, rate, color=[GROUP_COLORS.get(g, ACCENT) for g in groups], width=0.6)
    ax.errorbar(x, rate, yerr=err, fmt="none", ecolor="black", capsize=5, lw=1.2)
    for xi, r, hi, n in zip(x, rate, data["rate_high"], data["observed"]):
        ax.text(
            float(xi),
            hi + 0.02,
            f"{r:.0%}\n" + i18n.t("satisfaction.plot.n", lang, n=f"{int(n):,}"),
            ha="center",
            va="bottom",
            fontsize=9,
        )
    ax.set_xticks(x)
    ax.set_xticklabels([nps_group_label(g, lang) for g in groups])
    ax.set_ylim(0, min(1.15, float(np.nanmax(data["rate_high"])) + 0.2))
    _percent_axis(ax)
    ax.set_ylabel(i18n.t("satisfaction.plot.share_bought", lang))
    ax.set_title(title)
    return ax


def plot_time_to_next_purchase(
    km: pd.DataFrame,
    *,
    ax: Axes | None = None,
    window_days: int | None = None,
    title: str | None = None,
    lang: str = "en",
) -> Axes:
    """Cumulative share who bought again, per NPS group, with 95% bands; censored at the period end.

    Parameters
    ----------
    km
        ``res.km`` (:func:`repurchase.satisfaction.time_to_next_purchase`).
    window_days
        Draws a vertical line at the repurchase window.
    """
    title = title or i18n.t("satisfaction.plot.km_title", lang)
    ax, ok = _start(km, ax, (9, 4))
    if not ok:
        return _no_data(ax, title, lang)
    for g, part in km.groupby("group", sort=False):
        color = GROUP_COLORS.get(str(g), ACCENT)
        ax.step(
            part["days"],
            part["repurchased"],
            where="post",
            color=color,
            lw=1.8,
            label=i18n.t(
                "satisfaction.plot.group_n", lang, group=nps_group_label(g, lang), n=f"{int(part['n'].iloc[0]):,}"
            ),
        )
        ax.fill_between(part["days"], part["low"], part["high"], step="post", color=color, alpha=0.15, lw=0)
    if window_days:
        ax.axvline(window_days, color=NEUTRAL, ls="--", lw=1)
        ax.text(
            window_days,
            0.02,
            " " + i18n.t("satisfaction.plot.days_mark", lang, days=window_days),
            color=NEUTRAL,
            fontsize=9,
        )
    ax.set_xlim(0, float(km["days"].max()))
    ax.set_ylim(0, 1)
    _percent_axis(ax)
    ax.set_xlabel(i18n.t("satisfaction.plot.km_xlabel", lang))
    ax.set_ylabel(i18n.t("satisfaction.plot.share_bought", lang))
    ax.legend(loc="lower right", frameon=False)
    ax.set_title(title)
    return ax


def plot_repurchase_by_frequency(
    stratified: pd.DataFrame,
    *,
    ax: Axes | None = None,
    stratum_col: str = "frequency_tier",
    tiers: Mapping[str, int] | None = None,
    title: str | None = None,
    lang: str = "en",
) -> Axes:
    """Repurchase rate per NPS group side by side within each prior-frequency tier, with 95% intervals.

    Parameters
    ----------
    stratified
        ``res.stratified``: repurchase by prior frequency tier (codes) and NPS group.
    tiers
        ``res.frequency_tiers``: names the tiers (``occasional (2–3)``).
    """
    title = title or i18n.t("satisfaction.plot.freq_title", lang)
    data = None if stratified is None else stratified[stratified["observed"] > 0]
    ax, ok = _start(data, ax, (9, 4))
    if not ok or data is None:
        return _no_data(ax, title, lang)
    strata = list(dict.fromkeys(data[stratum_col].astype(str)))
    groups = [g for g in GROUP_COLORS if g in set(data["nps_group"].astype(str))]
    width = 0.8 / max(len(groups), 1)
    for i, g in enumerate(groups):  # three NPS groups
        part = data[data["nps_group"].astype(str) == g].set_index(
            data[stratum_col].astype(str)[data["nps_group"].astype(str) == g]
        )
        part = part.reindex(strata)
        x = np.arange(len(strata)) + (i - (len(groups) - 1) / 2) * width
        rate = part["rate"].to_numpy(dtype=float)
        err = np.vstack([rate - part["rate_low"].to_numpy(dtype=float), part["rate_high"].to_numpy(dtype=float) - rate])
        ax.bar(x, rate, width=width * 0.95, color=GROUP_COLORS[g], label=nps_group_label(g, lang))
        ax.errorbar(x, rate, yerr=err, fmt="none", ecolor="black", capsize=3, lw=1)
    counts = data.groupby(data[stratum_col].astype(str), sort=False)["observed"].sum().reindex(strata)
    ax.set_xticks(np.arange(len(strata)))
    tier_names = frequency_tier_labels(tiers, lang) if stratum_col == "frequency_tier" else {}
    ax.set_xticklabels(
        [
            f"{tier_names.get(s, s)}\n" + i18n.t("satisfaction.plot.n", lang, n=f"{int(n):,}")
            for s, n in zip(strata, counts)
        ],
        fontsize=9,
    )
    ax.set_ylim(0, 1.05)
    _percent_axis(ax)
    ax.set_xlabel(i18n.t("satisfaction.plot.freq_xlabel", lang))
    ax.set_ylabel(i18n.t("satisfaction.plot.share_bought", lang))
    ax.legend(loc="upper left", frameon=False, ncol=3)
    ax.set_title(title)
    return ax


def plot_importance_performance(
    drivers: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None, lang: str = "en"
) -> Axes:
    """Importance–performance quadrant: share of R² against mean rating, lines at the averages.

    The top-left quadrant (important, rated below average) is shaded: fix first.

    Parameters
    ----------
    drivers
        ``res.drivers.table`` (:func:`repurchase.satisfaction.key_drivers`;
        (points are named by its ``label`` column, else ``aspect``).
    """
    title = title or i18n.t("satisfaction.plot.ip_title", lang)
    ax, ok = _start(drivers, ax, (8, 5))
    if not ok:
        return _no_data(ax, title, lang)
    x = drivers["mean_rating"].to_numpy(dtype=float)
    y = drivers["share"].to_numpy(dtype=float)
    xm, ym = float(np.mean(x)), float(np.mean(y))
    pad_x = max(0.15, (x.max() - x.min()) * 0.35)
    pad_y = max(0.05, (y.max() - y.min()) * 0.25)
    x0, x1 = x.min() - pad_x, x.max() + pad_x
    y0, y1 = max(0.0, y.min() - pad_y), y.max() + pad_y
    ax.add_patch(Rectangle((x0, ym), xm - x0, y1 - ym, color=BAD, alpha=0.08, lw=0))
    ax.axvline(xm, color=NEUTRAL, ls="--", lw=1)
    ax.axhline(ym, color=NEUTRAL, ls="--", lw=1)
    colors = [BAD if q == "fix first" else (GOOD if q == "keep up" else NEUTRAL) for q in drivers["quadrant"]]
    ax.scatter(x, y, s=90, color=colors, zorder=3, edgecolor="white")
    for xi, yi, name in zip(x, y, drivers["label"] if "label" in drivers else drivers["aspect"]):
        ax.annotate(str(name), (xi, yi), textcoords="offset points", xytext=(6, 6), fontsize=10)
    corner: dict[str, Any] = {"fontsize": 9, "color": NEUTRAL, "alpha": 0.9}
    ax.text(x0, y1, " " + quadrant_label("fix first", lang), va="top", ha="left", **{**corner, "color": BAD})
    ax.text(x1, y1, quadrant_label("keep up", lang) + " ", va="top", ha="right", **corner)
    ax.text(x0, y0, " " + quadrant_label("low priority", lang), va="bottom", ha="left", **corner)
    ax.text(x1, y0, quadrant_label("maintain", lang) + " ", va="bottom", ha="right", **corner)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    _percent_axis(ax)
    ax.set_xlabel(i18n.t("satisfaction.plot.ip_xlabel", lang))
    ax.set_ylabel(i18n.t("satisfaction.plot.ip_ylabel", lang))
    ax.set_title(title)
    return ax


def plot_distinguishing_terms(
    terms: pd.DataFrame,
    *,
    ax: Axes | None = None,
    a: str = "detractor",
    b: str = "promoter",
    title: str | None = None,
    lang: str = "en",
) -> Axes:
    """Diverging bars of the log-odds z-score: words of ``a`` to the right, words of ``b`` to the left.

    Parameters
    ----------
    terms
        ``res.distinguishing`` (:func:`repurchase.satisfaction.distinguishing_terms`).
    """
    name_a, name_b = nps_group_label(a, lang, plural=True), nps_group_label(b, lang, plural=True)
    title = title or i18n.t("satisfaction.plot.terms_title", lang, a=name_a, b=name_b)
    n = 0 if terms is None else len(terms)
    ax, ok = _start(terms, ax, (8, max(3.0, 0.28 * n + 1.2)))
    if not ok:
        return _no_data(ax, title, lang)
    data = terms.sort_values("z")
    colors = [GROUP_COLORS.get(a, BAD) if z > 0 else GROUP_COLORS.get(b, GOOD) for z in data["z"]]
    ax.barh(np.arange(len(data)), data["z"], color=colors)
    ax.set_yticks(np.arange(len(data)))
    ax.set_yticklabels(data["term"].astype(str).tolist())
    ax.axvline(0, color="black", lw=0.8)
    for lim in (-1.96, 1.96):
        ax.axvline(lim, color=NEUTRAL, ls=":", lw=1)
    ax.set_xlabel(i18n.t("satisfaction.plot.terms_xlabel", lang, a=name_a, b=name_b))
    ax.legend(
        handles=[
            Patch(color=GROUP_COLORS.get(a, BAD), label=i18n.t("satisfaction.plot.used_more", lang, group=name_a)),
            Patch(color=GROUP_COLORS.get(b, GOOD), label=i18n.t("satisfaction.plot.used_more", lang, group=name_b)),
        ],
        loc="lower right",
        frameon=False,
    )
    ax.set_title(title)
    return ax
