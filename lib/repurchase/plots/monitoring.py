"""Charts of the monitoring report: the KPI control charts and the forecast with its band.

Both take the tables of a :class:`repurchase.monitoring.MonitoringResult`
(``res.charts``, ``res.history``, ``res.forecast``) and write in ``lang``.
"""

from __future__ import annotations

from typing import cast

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from repurchase.core import i18n
from repurchase.plots.style import ACCENT, BAD, NEUTRAL, get_ax

__all__ = ["plot_control_charts", "plot_forecast"]

_WATCH = "#e9c46a"


def plot_control_charts(charts: pd.DataFrame, lang: str = "en", months: int = 24, ncols: int = 2) -> Axes:
    """One small control chart per KPI over the last ``months`` months: value, expected band, alerted months.

    Returns the first Axes; the figure holds one per KPI, in the order of ``charts`` (``ax.figure.axes``).
    """
    kpis = list(dict.fromkeys(charts["kpi"])) if len(charts) else []
    nrows = max(1, -(-len(kpis) // ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.2 * ncols, 2.4 * nrows), squeeze=False, sharex=True)
    flat = axes.ravel()
    for ax, kpi in zip(flat, kpis):
        c = charts[charts["kpi"] == kpi].tail(months)
        scale = 100.0 if str(c["unit"].iloc[0]) == "rate" else 1.0
        x = pd.to_datetime(c["month"])
        ax.fill_between(x, c["low"] * scale, c["high"] * scale, color=NEUTRAL, alpha=0.25, step="mid", lw=0)
        ax.plot(x, c["center"] * scale, color=NEUTRAL, lw=0.8, ls="--")
        ax.plot(x, c["value"] * scale, color=ACCENT, lw=1.5, marker="o", ms=2.5)
        for status, colour in (("alert", BAD), ("watch", _WATCH)):
            hit = c["status"] == status
            if hit.any():
                ax.scatter(x[hit], c.loc[hit, "value"] * scale, color=colour, s=36, zorder=3,
                           label=i18n.t(f"monitoring.plot.{'alerted' if status == 'alert' else 'watched'}", lang))  # fmt: skip
        title = i18n.t(f"monitoring.kpi.{kpi}", lang) + (" (%)" if scale == 100.0 else "")
        ax.set_title(title, fontsize=10)
        ax.tick_params(labelsize=8)
    for ax in flat[len(kpis) :]:
        ax.set_visible(False)
    handles = [plt.Rectangle((0, 0), 1, 1, color=NEUTRAL, alpha=0.25)]
    fig.legend(handles, [i18n.t("monitoring.plot.expected", lang)], loc="upper right", fontsize=8, frameon=False)
    fig.autofmt_xdate()
    fig.tight_layout()
    if not kpis:
        plt.close(fig)
    first: Axes = flat[0]
    return first


def plot_forecast(
    history: pd.DataFrame,
    forecast: pd.DataFrame,
    lang: str = "en",
    months: int = 24,
    ax: Axes | None = None,
) -> Axes:
    """Purchase occasions per month: the last ``months`` of history, then the forecast with its interval band."""
    if forecast.empty and ax is None:
        new = get_ax(None, (9, 3.6))
        plt.close(cast(Figure, new.figure))
        return new
    ax = get_ax(ax, (9, 3.6))
    h = history.tail(months)
    ax.plot(pd.to_datetime(h["month"]), h["occasions"], color=ACCENT, marker="o", ms=3,
            label=i18n.t("monitoring.plot.history", lang))  # fmt: skip
    if len(forecast):
        x = pd.to_datetime(forecast["month"])
        ax.fill_between(x, forecast["purchases_low"], forecast["purchases_high"], color=BAD, alpha=0.15, lw=0,
                        label=i18n.t("monitoring.plot.band", lang))  # fmt: skip
        ax.plot(x, forecast["purchases"], color=BAD, ls="--", marker="o", ms=3,
                label=i18n.t("monitoring.plot.forecast", lang))  # fmt: skip
    ax.set_title(i18n.t("monitoring.plot.forecast_title", lang))
    ax.set_ylabel(i18n.t("monitoring.plot.occasions", lang))
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False, fontsize=9)
    return ax
