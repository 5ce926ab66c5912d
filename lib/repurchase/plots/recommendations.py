"""Charts of the recommendations report (notebooks/09_recommendations.ipynb)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from repurchase.core import i18n
from repurchase.plots.style import ACCENT, NEUTRAL, get_ax

__all__ = ["plot_hit_rates"]


def plot_hit_rates(evaluation: pd.DataFrame, *, ax: Axes | None = None, k: int = 5, lang: str = "en") -> Axes:
    """Hit rate at k of every method, with 90% bootstrap intervals; the chosen method is dark.

    Parameters
    ----------
    evaluation
        ``res.evaluation`` (:class:`repurchase.recommendations.RecommendationResult`).
    """
    title = i18n.t("recommendations.chart.title", lang)
    if evaluation is None or evaluation.empty:
        ax = get_ax(ax, (7, 0.8))
        ax.text(0.5, 0.5, i18n.t("recommendations.chart.no_data", lang), ha="center", va="center", color=NEUTRAL)
        ax.set_axis_off()
        return ax
    ax = get_ax(ax, (7, 3.2))
    data = evaluation.sort_values("hit")
    y = np.arange(len(data))
    hit = data["hit"].to_numpy(float)
    err = np.vstack([hit - data["hit_low"].to_numpy(float), data["hit_high"].to_numpy(float) - hit])
    colors = [ACCENT if c else NEUTRAL for c in data["chosen"]]
    ax.barh(y, hit, color=colors, height=0.6)
    ax.errorbar(hit, y, xerr=err, fmt="none", ecolor="black", capsize=4, lw=1)
    for yi, h in zip(y, hit):
        ax.text(float(h) + 0.01, float(yi), f"{h:.1%}", va="center", fontsize=9)
    ax.set_yticks(y)
    ax.set_yticklabels([i18n.t(f"recommendations.method.{m}", lang) for m in data["method"]])
    ax.set_xlabel(i18n.t("recommendations.chart.x", lang) + f" @{k}")
    ax.set_xlim(0, min(1.0, float(data["hit_high"].max()) * 1.25 + 0.02))
    ax.set_title(title)
    return ax
