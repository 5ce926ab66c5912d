"""Charts of the churn report (data from :mod:`repurchase.churn`)."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from .style import ACCENT, BAD, GOOD, NEUTRAL, get_ax

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
_MODEL_NAMES = {
    "gradient_boosting": "gradient boosting",
    "logistic": "logistic regression",
    "recency": "recency only",
    "bgnbd": "BG/NBD",
}


def _note(ax: Axes, text: str, title: str) -> Axes:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color=NEUTRAL)
    ax.set_axis_off()
    ax.set_title(title)
    return ax


def _overall(trend: pd.DataFrame, months: int | None) -> pd.DataFrame:
    data = trend[trend["group"] == "all"].sort_values("month")
    return data.tail(months) if months else data


def plot_churn_trend(trend: pd.DataFrame, *, months: int | None = 24, ax: Axes | None = None,
                     title: str = "Monthly churn rate") -> Axes:
    """Monthly churn rate of all customers; months whose base is incomplete are drawn hollow.

    Parameters
    ----------
    trend
        :func:`repurchase.churn.monthly_churn` output (group ``all``).
    months
        Last months shown.
    """
    ax = get_ax(ax, (9, 3.6))
    data = _overall(trend, months)
    data = data[data["active_start"] > 0]
    full = data[data["complete"]]
    ax.plot(full["month"], full["churn_rate"], color=BAD, marker="o", ms=4, lw=2, label="churn rate")
    part = data[~data["complete"] & data["churn_rate"].notna()]
    if len(part):
        ax.plot(part["month"], part["churn_rate"], ls="none", marker="o", mfc="white", mec=NEUTRAL,
                label="incomplete base (history too short)")
    if len(full):
        last = full.iloc[-1]
        ax.annotate(f"{last['churn_rate']:.1%}", (last["month"], last["churn_rate"]), xytext=(6, 6),
                    textcoords="offset points", color=BAD, fontweight="bold")
        mean = float(full["churned"].sum() / max(full["active_start"].sum(), 1))
        ax.axhline(mean, color=NEUTRAL, ls="--", lw=1, label=f"average {mean:.1%}")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
    ax.set_ylim(bottom=0)
    ax.set_ylabel("churned ÷ active at month start")
    ax.set_xlabel("")
    ax.legend(loc="upper left", fontsize=9, frameon=False)
    ax.set_title(title)
    return ax


def plot_churn_flows(trend: pd.DataFrame, *, months: int | None = 24, ax: Axes | None = None,
                     title: str = "Customers churned and reactivated per month") -> Axes:
    """Churned customers (down) and reactivated customers (up) per month."""
    ax = get_ax(ax, (9, 3.4))
    data = _overall(trend, months)
    width = 20
    ax.bar(data["month"], data["reactivated"], width=width, color=GOOD, label="reactivated")
    ax.bar(data["month"], -data["churned"], width=width, color=BAD, label="churned")
    ax.axhline(0, color="black", lw=0.8)
    ax.yaxis.set_major_formatter(lambda v, _: f"{abs(v):,.0f}")
    ax.set_ylabel("customers")
    ax.legend(loc="lower left", ncol=2, fontsize=9, frameon=False)
    ax.set_title(title)
    return ax


def plot_churned_revenue(trend: pd.DataFrame, *, months: int | None = 24, currency: str = "", ax: Axes | None = None,
                         title: str = "Revenue of the customers who churned") -> Axes:
    """Churned revenue per month: the churned customers' spend in their last 365 days."""
    ax = get_ax(ax, (9, 3.2))
    data = _overall(trend, months)
    colors = [BAD if c else NEUTRAL for c in data["complete"]]
    ax.bar(data["month"], data["churned_revenue"], width=20, color=colors)
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    ax.set_ylabel(f"last-year spend {currency}".strip())
    ax.set_title(title)
    return ax


def plot_churn_breakdown(breakdown: pd.DataFrame, *, ax: Axes | None = None, title: str = "Monthly churn rate by group",
                         xlabel: str = "average monthly churn rate") -> Axes:
    """Horizontal bars of the average monthly churn rate per group, with the overall rate."""
    data = breakdown[breakdown["group"] != "all"]
    total = breakdown.loc[breakdown["group"] == "all", "churn_rate"]
    ax = get_ax(ax, (9, max(2.4, 0.36 * len(data) + 1.2) if len(data) else 1.4))
    if data.empty:
        return _note(ax, "Not in this client's data.", title)
    data = data.iloc[::-1]
    ax.barh(data["group"].astype(str), data["churn_rate"], color=ACCENT)
    for y, (v, n) in enumerate(zip(data["churn_rate"], data["mean_active"])):
        if pd.notna(v):
            ax.text(v, y, f" {v:.1%}  (≈{n:,.0f} active/month)", va="center", fontsize=8)
    if len(total) and pd.notna(total.iloc[0]):
        ax.axvline(float(total.iloc[0]), color=BAD, ls="--", lw=1.2, label=f"all customers {float(total.iloc[0]):.1%}")
        ax.legend(loc="lower right", fontsize=9, frameon=False)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
    top = float(np.nanmax(data["churn_rate"].to_numpy(dtype=float))) if len(data) else 0.1
    ax.set_xlim(0, max(top, 0.01) * 1.45)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    return ax


def plot_model_curves(curves: pd.DataFrame, comparison: pd.DataFrame, *, kind: str = "roc", ax: Axes | None = None,
                      title: str | None = None) -> Axes:
    """ROC (``kind="roc"``) or precision–recall (``kind="pr"``) curves of every score on the test cutoff."""
    ax = get_ax(ax, (5.2, 4.6))
    metric = "roc_auc" if kind == "roc" else "pr_auc"
    values = comparison.set_index("model")[metric]
    for model in comparison["model"]:
        c = curves[(curves["model"] == model) & (curves["curve"] == kind)]
        ax.plot(c["x"], c["y"], color=_MODEL_COLORS.get(model, NEUTRAL), lw=2 if model == comparison["model"].iloc[0] else 1.3,
                label=f"{_MODEL_NAMES.get(model, model)} ({values[model]:.3f})")
    if kind == "roc":
        ax.plot([0, 1], [0, 1], color="grey", ls=":", lw=1, label="random (0.500)")
        ax.set_xlabel("false-positive rate (buyers flagged)")
        ax.set_ylabel("true-positive rate (churners caught)")
    else:
        base = float(comparison["base_rate"].iloc[0])
        ax.axhline(base, color="grey", ls=":", lw=1, label=f"base rate ({base:.3f})")
        ax.set_xlabel("recall (churners caught)")
        ax.set_ylabel("precision (flagged who churn)")
        ax.set_ylim(0, 1.02)
    ax.legend(loc="lower right" if kind == "roc" else "lower left", fontsize=8, frameon=False)
    ax.set_title(title or ("ROC curves, test cutoff" if kind == "roc" else "Precision–recall, test cutoff"))
    return ax


def plot_calibration(calibration: pd.DataFrame, *, ax: Axes | None = None,
                     title: str = "Calibration on the test cutoff") -> Axes:
    """Mean predicted probability against the observed churn share, by decile of the prediction."""
    ax = get_ax(ax, (5.2, 4.6))
    ax.plot([0, 1], [0, 1], color="grey", ls=":", lw=1, label="perfect calibration")
    for model, part in calibration.groupby("model", sort=False):
        ax.plot(part["mean_predicted"], part["observed"], marker="o", ms=4, color=_MODEL_COLORS.get(str(model), NEUTRAL),
                label=_MODEL_NAMES.get(str(model), str(model)))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("predicted P(no purchase)")
    ax.set_ylabel("observed share with no purchase")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.set_title(title)
    return ax


def plot_gains(lift: pd.DataFrame, *, ax: Axes | None = None, title: str = "Cumulative gains by decile") -> Axes:
    """Share of all churners caught when contacting the top k deciles, per score."""
    ax = get_ax(ax, (5.2, 4.6))
    ax.plot([0, 1], [0, 1], color="grey", ls=":", lw=1, label="random")
    for model, part in lift.groupby("model", sort=False):
        x = np.r_[0, part["cumulative_share"].to_numpy()]
        y = np.r_[0, part["cumulative_gain"].to_numpy()]
        top = float(part["lift"].iloc[0])
        ax.plot(x, y, marker="o", ms=3, color=_MODEL_COLORS.get(str(model), NEUTRAL),
                label=f"{_MODEL_NAMES.get(str(model), str(model))} (top-decile lift {top:.2f})")
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("customers contacted (highest score first)")
    ax.set_ylabel("share of all churners caught")
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.set_title(title)
    return ax


def plot_importance(importance: pd.DataFrame, *, top: int = 12, ax: Axes | None = None,
                    title: str = "Permutation importance (drop in test ROC AUC)") -> Axes:
    """Horizontal bars of the permutation importance of the top features, with ±1 sd."""
    data = importance.head(top).iloc[::-1]
    ax = get_ax(ax, (9, max(2.5, 0.34 * len(data) + 1)))
    labels = [f"{d} ({f})" if len(d) < 48 else f for f, d in zip(data["feature"], data["description"])]
    colors = [ACCENT if v > 0 else NEUTRAL for v in data["importance"]]
    ax.barh(labels, data["importance"], xerr=data["std"], color=colors, error_kw={"lw": 0.8, "ecolor": "grey"})
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel("mean drop in ROC AUC when the feature is shuffled")
    ax.tick_params(axis="y", labelsize=8)
    ax.set_title(title)
    return ax


def plot_survival(curves: pd.DataFrame, *, horizons: Sequence[int] = (30, 90, 180, 365), ax: Axes | None = None,
                  title: str = "Share not yet back after a purchase (Kaplan–Meier)") -> Axes:
    """Kaplan–Meier curves of the days to the next purchase, one line per group, horizons marked."""
    ax = get_ax(ax, (9, 4.4) if len(curves) else (9, 1.4))
    if curves.empty:
        return _note(ax, "Not in this client's data.", title)
    groups = list(dict.fromkeys(curves["group"]))
    palette = sns.color_palette("tab10", n_colors=max(len(groups), 1))
    for color, name in zip(palette, groups):
        part = curves[curves["group"] == name]
        ax.step(part["days"], part["survival"], where="post", color=NEUTRAL if name == "other" else color, lw=1.8,
                label=str(name))
        if len(groups) <= 3:
            ax.fill_between(part["days"], part["ci_low"], part["ci_high"], step="post", color=color, alpha=0.15, lw=0)
    for h in horizons:
        ax.axvline(h, color="grey", ls=":", lw=0.8)
        ax.text(h, 1.0, f" {h}d", fontsize=8, color="grey", va="bottom")
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("days since the purchase")
    ax.set_ylabel("share with no next purchase yet")
    ax.legend(loc="upper right", fontsize=8, frameon=False, ncol=2 if len(groups) > 5 else 1)
    ax.set_title(title)
    return ax


def plot_value_at_risk(summary: pd.DataFrame, *, currency: str = "", ax: Axes | None = None,
                       title: str = "Expected value at risk by frequency tier and value band") -> Axes:
    """Bars of the value at risk of the at-risk customers per frequency tier, split by value band."""
    ax = get_ax(ax, (9, 3.6))
    bands = [b for b in ("high", "mid", "low") if b in set(summary["value_band"])]
    tiers = list(dict.fromkeys(summary.sort_values("value_at_risk", ascending=False)["frequency_tier"]))
    table = summary.pivot_table(index="frequency_tier", columns="value_band", values="value_at_risk",
                                aggfunc="sum", observed=True).reindex(index=tiers, columns=bands).fillna(0.0)
    colors = {"high": BAD, "mid": ACCENT, "low": NEUTRAL}
    left = np.zeros(len(table))
    for band in bands:
        ax.barh(table.index.astype(str), table[band], left=left, color=colors[band], label=f"{band} value")
        left += table[band].to_numpy()
    for y, v in enumerate(left):
        ax.text(v, y, f" {v:,.0f}", va="center", fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(0, max(float(left.max()) if len(left) else 1.0, 1.0) * 1.18)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    ax.set_xlabel(f"Σ churn probability × value {currency}".strip())
    ax.legend(loc="lower right", fontsize=9, frameon=False)
    ax.set_title(title)
    return ax
