"""Survival: the days from a purchase to the next one, with the spells still open censored (Kaplan–Meier).

Every purchase occasion starts a spell that ends at the customer's next
purchase (an event) or, when there is none yet, at the last observed day
(censored). The curves and the log-rank test come from lifelines.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from repurchase.churn._base import end_of, occasions_before
from repurchase.churn.definitions import tier_of_count
from repurchase.core.periods import Window
from repurchase.kpis import gap_durations

__all__ = ["SURVIVAL_GROUPS", "SurvivalView", "logrank_test", "survival_at", "survival_curves", "survival_inputs"]

#: The groupings of the survival section: the frequency tier at the start of the spell and the first category.
SURVIVAL_GROUPS: tuple[str, ...] = ("frequency_tier", "first_category")


@dataclass
class SurvivalView:
    """The survival of one grouping, as the report shows it.

    Attributes
    ----------
    by
        The grouping column (``frequency_tier``, ``first_category``).
    curves
        :func:`survival_curves` (the chart).
    table
        :func:`survival_at` at the horizons (the table).
    logrank
        :func:`logrank_test` (the sentence under the table).
    """

    by: str
    curves: pd.DataFrame
    table: pd.DataFrame
    logrank: dict[str, Any] = field(default_factory=dict)


def survival_inputs(
    tx: pd.DataFrame,
    window: Window,
    *,
    frequency_tiers: Mapping[str, int] | None = None,
    attributes: pd.DataFrame | None = None,
    occasion: str = "customer_day",
    customer_col: str = "customer_id",
    order_col: str = "order_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Spells of time to the next purchase: one per occasion, closed by the next or censored.

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``start`` (the occasion day), ``occasion_no``,
        ``duration`` (days to the next occasion, or to the last observed day when
        there is none) and ``event`` (1 when the next occasion was observed, 0 when
        censored); with ``frequency_tiers`` a ``frequency_tier`` column (the tier of
        the occasion count at the start of the spell), and every column of
        ``attributes`` joined by customer.
    """
    end = end_of(window)
    occ = occasions_before(tx, end, occasion, customer_col, order_col, date_col, amount_col)
    gaps = gap_durations(occ, end)
    out = pd.DataFrame(
        {
            "customer_id": gaps["customer_id"].to_numpy(),
            "start": gaps["occasion_date"].to_numpy(),
            "occasion_no": gaps["occasion_no"].to_numpy(dtype=np.int64),
            "duration": gaps["duration"].to_numpy(dtype=float),
            "event": gaps["observed"].to_numpy().astype(np.int64),
        }
    )
    if frequency_tiers is not None:
        out["frequency_tier"] = tier_of_count(out["occasion_no"].to_numpy(), frequency_tiers)
    if attributes is not None:
        out = out.join(attributes, on="customer_id")
    return out


def _top_groups(spells: pd.DataFrame, by: str, min_group_size: int, max_groups: int) -> pd.Series:
    groups = spells[by].astype(str)
    counts = groups.value_counts()
    keep = counts[counts >= min_group_size].index[:max_groups]
    return groups.where(groups.isin(keep), "other")


def _group_order(groups: pd.Series) -> list[str]:
    """Largest group first, ``other`` last."""
    counts = groups.value_counts(sort=True)
    return [g for g in counts.index if g != "other"] + (["other"] if "other" in counts.index else [])


def survival_curves(
    spells: pd.DataFrame,
    by: str | None = None,
    *,
    max_days: int = 365,
    min_group_size: int = 30,
    max_groups: int = 8,
) -> pd.DataFrame:
    """Kaplan–Meier curves of the days to the next purchase (lifelines), overall or by group.

    Spells are aggregated to distinct (duration, event) rows and fitted with
    weights (the same estimate, faster). Groups with fewer than
    ``min_group_size`` spells, and beyond the ``max_groups`` largest, are pooled
    as ``other``.

    Returns
    -------
    pandas.DataFrame
        ``group``, ``days`` (0 … ``max_days``), ``survival`` (share not yet back),
        ``ci_low``, ``ci_high`` (95 %), ``at_risk``.
    """
    from lifelines import KaplanMeierFitter

    if by is not None and by not in spells.columns:
        return pd.DataFrame(columns=["group", "days", "survival", "ci_low", "ci_high", "at_risk"])
    groups = pd.Series("all", index=spells.index) if by is None else _top_groups(spells, by, min_group_size, max_groups)
    timeline = np.arange(0, max_days + 1, dtype=float)
    frames = []
    order = _group_order(groups)
    for name, part in sorted(spells.groupby(groups, sort=False), key=lambda kv: order.index(kv[0])):  # a handful
        agg = part.groupby(["duration", "event"]).size().reset_index(name="n")
        kmf = KaplanMeierFitter()
        kmf.fit(agg["duration"], agg["event"], weights=agg["n"], timeline=timeline)
        ci = kmf.confidence_interval_survival_function_
        at_risk = (part["duration"].to_numpy()[None, :] >= timeline[::30, None]).sum(axis=1)
        frame = pd.DataFrame(
            {
                "group": str(name),
                "days": timeline.astype(np.int64),
                "survival": kmf.survival_function_.iloc[:, 0].to_numpy(),
                "ci_low": ci.iloc[:, 0].to_numpy(),
                "ci_high": ci.iloc[:, 1].to_numpy(),
            }
        )
        frame["at_risk"] = np.interp(frame["days"], timeline[::30], at_risk).round().astype(np.int64)
        beyond = frame["days"] > part["duration"].max()
        frame.loc[beyond, ["survival", "ci_low", "ci_high"]] = np.nan
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def survival_at(
    spells: pd.DataFrame,
    by: str | None = None,
    horizons: Sequence[int] = (30, 90, 180, 365),
    *,
    min_group_size: int = 30,
    max_groups: int = 8,
) -> pd.DataFrame:
    """S(t) at fixed horizons per group: the share of spells with no next purchase by day t.

    Returns
    -------
    pandas.DataFrame
        ``group``, ``spells``, ``returned`` (closed spells), ``median_days``
        (Kaplan–Meier median; NaN when not reached by the longest horizon) and ``S(t)`` per horizon
        (NaN when no spell of the group was followed that long).
    """
    if by is not None and by not in spells.columns:
        return pd.DataFrame(columns=["group", "spells", "returned", "median_days", *[f"S({h})" for h in horizons]])
    curves = survival_curves(spells, by, max_days=max(horizons), min_group_size=min_group_size, max_groups=max_groups)
    groups = pd.Series("all", index=spells.index) if by is None else _top_groups(spells, by, min_group_size, max_groups)
    g = spells.groupby(groups, sort=True)
    out = pd.DataFrame({"spells": g.size(), "returned": g["event"].sum()})
    wide = curves[curves["days"].isin(list(horizons))].pivot(index="group", columns="days", values="survival")
    below = curves[curves["survival"] <= 0.5].groupby("group")["days"].min()
    out["median_days"] = below.reindex(out.index).astype(float)
    for h in horizons:
        out[f"S({h})"] = wide[h].reindex(out.index) if h in wide.columns else np.nan
    out = out.reindex(_group_order(groups)).rename_axis("group").reset_index()
    out["spells"] = out["spells"].astype(np.int64)
    out["returned"] = out["returned"].astype(np.int64)
    return out


def logrank_test(
    spells: pd.DataFrame, by: str, *, min_group_size: int = 30, max_groups: int = 8
) -> dict[str, float | int | str]:
    """Multivariate log-rank test (lifelines) that the time to the next purchase is the same across groups.

    Returns
    -------
    dict
        ``by``, ``groups``, ``test_statistic``, ``degrees_of_freedom`` and ``p_value``.
    """
    from lifelines.statistics import multivariate_logrank_test

    if by not in spells.columns:
        return {"by": by, "groups": 0, "test_statistic": math.nan, "degrees_of_freedom": 0, "p_value": math.nan}
    groups = _top_groups(spells, by, min_group_size, max_groups)
    if groups.nunique() < 2:
        return {
            "by": by,
            "groups": int(groups.nunique()),
            "test_statistic": math.nan,
            "degrees_of_freedom": 0,
            "p_value": math.nan,
        }
    agg = pd.DataFrame({"g": groups, "d": spells["duration"], "e": spells["event"]}).groupby(["g", "d", "e"]).size()
    agg = agg.reset_index(name="n")
    res = multivariate_logrank_test(agg["d"], agg["g"], agg["e"], weights=agg["n"])
    return {
        "by": by,
        "groups": int(groups.nunique()),
        "test_statistic": float(res.test_statistic),
        "degrees_of_freedom": int(res.degrees_of_freedom),
        "p_value": float(res.p_value),
    }
