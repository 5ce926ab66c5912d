"""Charts of the campaigns report."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes

from repurchase.campaigns import text
from repurchase.core import i18n
from repurchase.plots.style import BAD, GOOD, NEUTRAL, get_ax

__all__ = ["plot_campaign_uplift"]

#: colour of each verdict: found effects green, harm red, broken splits and the rest grey
_COLORS = {"effect_found": GOOD, "negative_effect": BAD}


def plot_campaign_uplift(result: Any, *, ax: Axes | None = None, lang: str = "en") -> Axes:
    """The repurchase uplift of each campaign (pts) with its interval, coloured by verdict.

    Parameters
    ----------
    result
        A :class:`~repurchase.campaigns.pipeline.CampaignsResult`.
    ax
        Axes to draw on (a new figure when omitted).
    lang
        Language of the labels.

    Returns
    -------
    Axes
    """
    frame = text.plot_frame(result, lang)
    ax = get_ax(ax, figsize=(9, 1.2 + 0.9 * max(len(frame), 1)))
    if frame.empty:  # no campaign measured: say why instead of an empty chart
        why = text.NOT_AVAILABLE.text(lang)
        ax.text(0.5, 0.5, why, ha="center", va="center", wrap=True, transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    level = f"{result.settings.confidence:.0%}"
    y = np.arange(len(frame))
    for yi, row in zip(y, frame.itertuples()):
        color = _COLORS.get(str(row.verdict), NEUTRAL)
        ax.hlines(yi, row.low, row.high, color=color, linewidth=6, alpha=0.45)
        ax.plot([row.uplift], [yi], "o", color=color, markersize=8)
        ax.annotate(f"{row.uplift:+.1f}", (row.uplift, yi), textcoords="offset points", xytext=(0, 9), ha="center")
    ax.axvline(0, color="black", linewidth=1)
    ax.set_yticks(y, list(frame["label"]))
    ax.set_ylim(-0.7, max(len(frame), 1) - 0.3)
    ax.invert_yaxis()
    ax.set_xlabel(i18n.t("campaigns.plot.xlabel", lang, level=level))
    ax.set_title(i18n.t("campaigns.plot.title", lang))
    return ax
