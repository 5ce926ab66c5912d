"""Charts of the lifetime-value report.

Each function takes a table of the :class:`repurchase.lifetime_value.LifetimeValueResult`
(named in its docstring), draws on ``ax`` (a new figure when omitted) and returns
the ``Axes``. Titles, labels and legends are in ``lang`` (``en`` or ``zh``, from
the ``lifetime_value.plot.*`` catalog entries). Nothing here changes global
matplotlib or seaborn state.

When a frame is empty (the data could not support that part of the analysis:
no holdout, no model, no CLV) and no ``ax`` was given, the new figure is closed
again, so a notebook cell shows nothing; the report states the reason once.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from repurchase.core import i18n
from repurchase.lifetime_value import model_label
from repurchase.plots.style import ACCENT, BAD, GOOD, NEUTRAL, get_ax

__all__ = [
    "plot_buy_again_calibration",
    "plot_clv_distribution",
    "plot_holdout_by_frequency",
    "plot_p_alive_matrix",
    "plot_period_transactions",
    "plot_spend_fit",
    "plot_tracking",
    "plot_value_concentration",
]

_PALETTE = [ACCENT, BAD, GOOD, "#e9c46a", "#6d597a"]


def _t(key: str, lang: str, **values: object) -> str:
    return i18n.t(f"lifetime_value.plot.{key}", lang, **values)


def _start(data: pd.DataFrame | None, ax: Axes | None, figsize: tuple[float, float]) -> tuple[Axes, bool]:
    """The axes to draw on, and whether there is anything to draw (a new figure is closed when there is not)."""
    empty = data is None or len(data) == 0
    if empty and ax is None:
        new = get_ax(None, figsize)
        if isinstance(new.figure, Figure):
            plt.close(new.figure)  # nothing to show: keep the notebook output blank
        return new, False
    return get_ax(ax, figsize), not empty


def _source(source: str, lang: str) -> str:
    """A ``source`` value as a legend entry: actual / observed in ``lang``, model names as they are."""
    return _t(source, lang) if source in ("actual", "observed") else str(source)


def plot_tracking(
    tracking: pd.DataFrame,
    *,
    cumulative: bool = False,
    ax: Axes | None = None,
    title: str | None = None,
    lang: str = "en",
) -> Axes:
    """Weekly repeat purchases, actual vs predicted, with the calibration end marked.

    Parameters
    ----------
    tracking
        ``LifetimeValueResult.tracking`` (:func:`repurchase.lifetime_value.tracking_data`).
    cumulative
        Cumulative totals instead of weekly counts.
    """
    ax, drawable = _start(tracking, ax, (9, 4))
    if not drawable:
        return ax
    suffix = "_cumulative" if cumulative else ""
    dates = pd.to_datetime(tracking["week_start"])
    ax.plot(dates, tracking[f"actual{suffix}"], color=ACCENT, lw=1.6, label=_t("actual", lang))
    ax.plot(dates, tracking[f"predicted{suffix}"], color=BAD, lw=1.6, ls="--", label=_t("model", lang))
    holdout = tracking.loc[tracking["period"] == "holdout", "week_start"]
    if len(holdout):
        start = pd.Timestamp(holdout.iloc[0])
        ax.axvline(start, color=NEUTRAL, ls=":", lw=1.2)
        ax.text(start, ax.get_ylim()[1] * 0.95, _t("holdout_marker", lang), color=NEUTRAL, va="top")
    ax.set_ylabel(_t("tracking_cumulative_ylabel" if cumulative else "tracking_weekly_ylabel", lang))
    ax.set_xlabel("")
    ax.legend(loc="upper left")
    ax.set_title(title or _t("tracking_cumulative_title" if cumulative else "tracking_weekly_title", lang))
    return ax


def plot_holdout_by_frequency(
    data: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None, lang: str = "en"
) -> Axes:
    """Mean holdout purchases by calibration frequency, actual vs each model.

    Parameters
    ----------
    data
        ``LifetimeValueResult.by_frequency`` (:func:`repurchase.lifetime_value.holdout_by_frequency`).
    """
    ax, drawable = _start(data, ax, (8, 4))
    if not drawable:
        return ax
    order = data.drop_duplicates("frequency_cal").sort_values("frequency_cal")["bin"].tolist()
    sources = list(dict.fromkeys(data["source"]))
    palette = {
        s: (ACCENT if s == "actual" else _PALETTE[1 + i % 4]) for i, s in enumerate(x for x in sources if x != "actual")
    }
    palette["actual"] = ACCENT
    for source in sources:
        part = data[data["source"] == source].set_index("bin").reindex(order)
        ax.plot(
            order,
            part["purchases"].to_numpy(),
            marker="o",
            lw=2.2 if source == "actual" else 1.4,
            ls="-" if source == "actual" else "--",
            color=palette[source],
            label=_source(source, lang),
        )
    ax.set_xlabel(_t("frequency_xlabel", lang))
    ax.set_ylabel(_t("frequency_ylabel", lang))
    ax.legend()
    ax.set_title(title or _t("frequency_title", lang))
    return ax


def plot_buy_again_calibration(
    data: pd.DataFrame, *, by: str = "decile", ax: Axes | None = None, title: str | None = None, lang: str = "en"
) -> Axes:
    """Predicted vs observed P(buy again in the holdout), one line per model, against the diagonal.

    Parameters
    ----------
    data
        ``LifetimeValueResult.buy_again_calibration``
        (:func:`repurchase.lifetime_value.calibration.buy_again_calibration`).
    by
        ``decile`` (of each model's predicted P) or ``frequency`` (calibration repeat purchases).
    """
    part = data[data["by"] == by] if len(data) else data
    ax, drawable = _start(part, ax, (6, 5))
    if not drawable:
        return ax
    ax.plot([0, 1], [0, 1], color=NEUTRAL, ls=":", lw=1.0, label=_t("calibration_diagonal", lang))
    for i, code in enumerate(dict.fromkeys(part["model"])):
        rows = part[part["model"] == code]
        ax.plot(rows["predicted"], rows["observed"], marker="o", lw=1.4, color=_PALETTE[i % len(_PALETTE)],
                label=model_label(str(code), lang))  # fmt: skip
        if by == "frequency":
            for row in rows.to_dict("records"):
                ax.annotate(str(row["group"]), (row["predicted"], row["observed"]), textcoords="offset points",
                            xytext=(4, -10), fontsize=8, color=NEUTRAL)  # fmt: skip
    top = float(max(part["predicted"].max(), part["observed"].max(), 0.05)) * 1.05
    ax.set_xlim(0, min(1.0, top))
    ax.set_ylim(0, min(1.0, top))
    ax.xaxis.set_major_formatter(mticker.PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0))
    ax.set_xlabel(_t("calibration_xlabel", lang))
    ax.set_ylabel(_t("calibration_ylabel", lang))
    ax.legend(loc="upper left")
    ax.set_title(title or _t("calibration_title", lang))
    return ax


def plot_period_transactions(
    data: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None, lang: str = "en"
) -> Axes:
    """Customers by number of repeat purchases: actual vs the model's expectation.

    Parameters
    ----------
    data
        ``LifetimeValueResult.histogram`` (:func:`repurchase.lifetime_value.period_transactions`).
    """
    ax, drawable = _start(data, ax, (8, 4))
    if not drawable:
        return ax
    order = data.drop_duplicates("frequency").sort_values("frequency")["bin"].tolist()
    sources = list(dict.fromkeys(data["source"]))
    palette = {_source(s, lang): (ACCENT if s == "actual" else BAD) for s in sources}
    shown = data.assign(source=[_source(s, lang) for s in data["source"]])
    sns.barplot(data=shown, x="bin", y="customers", hue="source", order=order, palette=palette, ax=ax)
    ax.set_xlabel(_t("repeat_purchases", lang))
    ax.set_ylabel(_t("customers", lang))
    ax.legend(title="")
    ax.set_title(title or _t("histogram_title", lang))
    return ax


def plot_p_alive_matrix(
    matrix: pd.DataFrame,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    label: str | None = None,
    lang: str = "en",
) -> Axes:
    """Heatmap of P(alive) (or another probability) by frequency and recency.

    Parameters
    ----------
    matrix
        ``LifetimeValueResult.p_alive_grid`` (:func:`repurchase.lifetime_value.p_alive_matrix`).
    label
        Name of the probability; default P(alive) in ``lang``.
    """
    ax, drawable = _start(matrix, ax, (9, 4.5))
    if not drawable:
        return ax
    label = label or _t("p_alive", lang)
    grid = matrix.pivot(index="frequency", columns="recency", values="value").sort_index(ascending=False)
    x_step = max(1, grid.shape[1] // 12)
    y_step = max(1, grid.shape[0] // 10)
    sns.heatmap(
        grid,
        ax=ax,
        cmap="RdYlGn",
        vmin=0,
        vmax=1,
        cbar_kws={"label": label},
        xticklabels=x_step,
        yticklabels=y_step,
    )
    ax.set_xticklabels([f"{float(t.get_text()):g}" for t in ax.get_xticklabels()], rotation=0)
    ax.tick_params(axis="y", rotation=0)
    ax.set_xlabel(_t("p_alive_xlabel", lang))
    ax.set_ylabel(_t("repeat_purchases", lang))
    ax.set_title(title or _t("p_alive_title", lang, label=label))
    return ax


def plot_clv_distribution(
    clv: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None, currency: str = "", lang: str = "en"
) -> Axes:
    """Histogram of customer CLV (log scale), with the median and mean marked.

    Parameters
    ----------
    clv
        ``LifetimeValueResult.clv_customers`` (column ``clv``).
    """
    ax, drawable = _start(clv, ax, (9, 4))
    if not drawable:
        return ax
    values = clv["clv"].to_numpy(dtype=float)
    values = values[np.isfinite(values)]
    median, mean = (float(np.median(values)), float(values.mean())) if len(values) else (0.0, 0.0)
    floor = median / 1000 if median > 0 else 0.0
    shown = values[values > max(floor, 0.0)]
    hidden = len(values) - len(shown)
    if len(shown):
        sns.histplot(shown, bins=50, log_scale=True, ax=ax, color=ACCENT)
        top = ax.get_ylim()[1]
        for stat, name, color, height in ((median, "median", BAD, 0.92), (mean, "mean", GOOD, 0.82)):
            ax.axvline(stat, color=color, ls="--")
            ax.text(
                stat,
                top * height,
                _t(name, lang, value=f"{stat:,.1f}"),
                color=color,
                bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1},
            )
    label = _t("clv_xlabel", lang, currency=currency) if currency else _t("clv_xlabel_plain", lang)
    if hidden:
        label += _t("clv_hidden", lang, n=f"{hidden:,}", floor=f"{floor:,.3g}")
    ax.set_xlabel(label)
    ax.set_ylabel(_t("customers", lang))
    ax.set_title(title or _t("clv_title", lang))
    return ax


def plot_value_concentration(
    clv: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None, lang: str = "en"
) -> Axes:
    """Cumulative share of future value against the share of customers, best first.

    Parameters
    ----------
    clv
        ``LifetimeValueResult.clv_customers`` (column ``clv``).
    """
    ax, drawable = _start(clv, ax, (6, 4.5))
    if not drawable:
        return ax
    values = np.sort(clv["clv"].to_numpy(dtype=float))[::-1]
    total = values.sum()
    share_customers = np.arange(1, len(values) + 1) / max(1, len(values))
    share_value = np.cumsum(values) / total if total > 0 else np.zeros(len(values))
    ax.plot(np.r_[0, share_customers], np.r_[0, share_value], color=ACCENT, lw=2)
    ax.plot([0, 1], [0, 1], color=NEUTRAL, ls=":")
    for cut in (0.01, 0.05, 0.2):
        k = max(1, int(np.ceil(cut * len(values)))) - 1
        if len(values):
            ax.plot(share_customers[k], share_value[k], "o", color=BAD)
            top = i18n.t("lifetime_value.top_label", lang, share=f"{cut:.0%}")
            ax.text(share_customers[k], share_value[k], _t("concentration_point", lang, top=top,
                                                          share=f"{share_value[k]:.0%}"), va="top")  # fmt: skip
    ax.set_xlabel(_t("concentration_xlabel", lang))
    ax.set_ylabel(_t("concentration_ylabel", lang))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_title(title or _t("concentration_title", lang))
    return ax


def plot_spend_fit(
    spend: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None, currency: str = "", lang: str = "en"
) -> Axes:
    """Observed distribution of mean spend per repeat purchase vs the fitted Gamma-Gamma.

    Parameters
    ----------
    spend
        ``LifetimeValueResult.spend_curve`` (:func:`repurchase.lifetime_value.spend_distribution`).
    """
    ax, drawable = _start(spend, ax, (8, 4))
    if not drawable:
        return ax
    observed = spend[spend["source"] == "observed"]
    fitted = spend[spend["source"] != "observed"]
    if len(observed):
        ax.bar(
            observed["monetary_value"],
            observed["density"],
            width=float(observed["bin_width"].iloc[0]) * 0.95,
            color=NEUTRAL,
            alpha=0.7,
            label=_t("observed", lang),
        )
    if len(fitted):
        ax.plot(fitted["monetary_value"], fitted["density"], color=BAD, lw=2, label=str(fitted["source"].iloc[0]))
    ax.set_xlabel(_t("spend_xlabel", lang, currency=currency) if currency else _t("spend_xlabel_plain", lang))
    ax.set_ylabel(_t("density", lang))
    ax.legend()
    ax.set_title(title or _t("spend_title", lang))
    return ax
