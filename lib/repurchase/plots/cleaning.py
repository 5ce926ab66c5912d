"""Charts of the cleaning report."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

from repurchase.core import i18n
from repurchase.plots.style import ACCENT, BAD, GOOD, NEUTRAL, get_ax

__all__ = ["plot_amount_distribution", "plot_ledger", "plot_outcomes", "plot_weekly_revenue"]


def plot_ledger(ledger: pd.DataFrame, *, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Horizontal bars of rows per rule, coloured by outcome (fixed / excluded).

    Parameters
    ----------
    ledger
        :attr:`repurchase.cleaning.CleaningReport.ledger` (or
        :meth:`repurchase.cleaning.CleaningResult.ledger`): ``rule``, ``outcome``, ``rows``.
    """
    data = ledger[ledger["rows"] > 0].sort_values("rows")
    ax = get_ax(ax, (9, max(2.5, 0.38 * len(data) + 1)))
    if data.empty:
        ax.text(0.5, 0.5, i18n.t("cleaning.plot_ledger_empty", lang), ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        ax.set_title(i18n.t("cleaning.plot_ledger_title", lang))
        return ax
    colors = data["outcome"].map({"fixed": GOOD, "excluded": BAD}).fillna(NEUTRAL)
    ax.barh(i18n.translate_values(data["rule"], "rulename", lang), data["rows"], color=colors.tolist())
    ax.set_xscale("symlog", linthresh=10)
    for y, v in enumerate(data["rows"]):
        ax.text(v, y, f" {v:,}", va="center", fontsize=9)
    ax.set_xlabel(i18n.t("cleaning.plot_ledger_xlabel", lang))
    ax.set_title(i18n.t("cleaning.plot_ledger_title", lang))
    from matplotlib.patches import Patch

    ax.legend(
        handles=[
            Patch(color=GOOD, label=i18n.t("outcome.fixed", lang)),
            Patch(color=BAD, label=i18n.t("outcome.excluded", lang)),
        ],
        loc="lower right",
    )
    return ax


def plot_outcomes(summary: pd.DataFrame, *, ax: Axes | None = None, lang: str = "en") -> Axes:
    """One stacked bar: kept, fixed and excluded rows out of all raw rows.

    Parameters
    ----------
    summary
        :attr:`repurchase.cleaning.CleaningReport.summary`: ``outcome``, ``rows``.
    """
    ax = get_ax(ax, (9, 1.8))
    counts = summary.set_index("outcome")["rows"]
    left = 0
    for name, color in (("kept", ACCENT), ("fixed", GOOD), ("excluded", BAD)):
        v = int(counts.get(name, 0))
        ax.barh([0], [v], left=left, color=color, label=f"{i18n.t('outcome.' + name, lang)}: {v:,}")
        left += v
    ax.set_yticks([])
    ax.set_xlim(0, max(left, 1))
    ax.set_xlabel(i18n.t("cleaning.plot_outcomes_xlabel", lang, n=f"{int(counts.get('raw', left)):,}"))
    ax.legend(ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.45), frameon=False)
    ax.set_title(i18n.t("cleaning.plot_outcomes_title", lang))
    return ax


def plot_amount_distribution(
    histogram: pd.DataFrame,
    median: float | None = None,
    *,
    ax: Axes | None = None,
    currency: str = "",
    lang: str = "en",
) -> Axes:
    """Histogram of positive amounts on a log axis, with the median marked.

    Parameters
    ----------
    histogram
        :attr:`repurchase.cleaning.CleaningReport.amount_histogram`: ``left``,
        ``right`` (bin edges, equal width on a log scale) and ``count``.
    median
        :attr:`repurchase.cleaning.CleaningReport.amount_median`, marked with a
        dashed line; None for no line.
    """
    ax = get_ax(ax)
    if len(histogram):
        left = histogram["left"].to_numpy(dtype="float64")
        right = histogram["right"].to_numpy(dtype="float64")
        sns.histplot(
            x=np.sqrt(left * right),  # each bin's centre on the log scale
            weights=histogram["count"].to_numpy(dtype="float64"),
            bins=len(histogram),
            binrange=(float(np.log10(left[0])), float(np.log10(right[-1]))),
            log_scale=True,
            ax=ax,
            color=ACCENT,
        )
    if median is not None:
        ax.axvline(median, color=BAD, ls="--")
        ax.text(
            median,
            ax.get_ylim()[1] * 0.92,
            " " + i18n.t("cleaning.plot_amounts_median", lang, value=f"{median:,.0f}"),
            color=BAD,
        )
    ax.set_xlabel(i18n.t("cleaning.plot_amounts_xlabel", lang, currency=currency))
    ax.set_ylabel(i18n.t("cleaning.plot_amounts_ylabel", lang))
    ax.set_title(i18n.t("cleaning.plot_amounts_title", lang))
    return ax


def plot_weekly_revenue(weekly: pd.DataFrame, *, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Revenue per week over the whole data range (shows gaps and spikes).

    Parameters
    ----------
    weekly
        :attr:`repurchase.cleaning.CleaningReport.weekly_revenue`: ``week``, ``revenue``.
    """
    ax = get_ax(ax, (9, 3))
    ax.plot(weekly["week"], weekly["revenue"].to_numpy(), color=ACCENT, lw=1.2)
    ax.fill_between(weekly["week"], weekly["revenue"].to_numpy(), alpha=0.15, color=ACCENT)
    ax.set_ylabel(i18n.t("cleaning.plot_volume_ylabel", lang))
    ax.set_title(i18n.t("cleaning.plot_volume_title", lang))
    return ax
