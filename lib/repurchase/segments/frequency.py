"""Frequency tiers of the segmentation report: size, revenue and treatment of each tier.

The tier rule itself (high-frequency / occasional / one-time from occasion counts)
is :func:`repurchase.core.tiers.frequency_tiers`, shared with churn and satisfaction.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from repurchase.core.tiers import frequency_tier_label
from repurchase.segments.labels import recommended_action

__all__ = ["frequency_summary"]


def frequency_summary(
    rfm: pd.DataFrame, thresholds: Mapping[str, int], *, language: str = "en", actions: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Size, revenue share and treatment per frequency tier.

    Parameters
    ----------
    rfm
        One row per customer with ``frequency_tier``, ``frequency`` and ``spend``.
    thresholds
        Tier -> minimum occasions (``segmentation.frequency_tiers``).
    language
        Report language of ``label`` and ``treatment``.
    actions
        ``segmentation.actions`` (overrides of the treatments).

    Returns
    -------
    pandas.DataFrame
        ``tier``, ``label`` (display name in ``language``), ``occasions`` (the
        rule, e.g. ``≥ 4``), ``customers``, ``share``, ``revenue``,
        ``revenue_share``, ``mean_frequency``, ``treatment``; highest tier first.
    """
    ordered = sorted(thresholds.items(), key=lambda kv: -kv[1])
    rule = [f"≥ {v}" for _, v in ordered] + ["1"]
    g = rfm.groupby("frequency_tier", observed=False)
    out = pd.DataFrame({"customers": g.size(), "revenue": g["spend"].sum(), "mean_frequency": g["frequency"].mean()})
    out = out.rename_axis("tier").reset_index()
    out.insert(1, "occasions", rule)
    out["customers"] = out["customers"].astype(np.int64)
    out.insert(3, "share", out["customers"] / max(int(out["customers"].sum()), 1))
    total = out["revenue"].sum()
    out.insert(5, "revenue_share", out["revenue"] / total if total > 0 else np.nan)
    out["treatment"] = [recommended_action(str(t), language, actions) for t in out["tier"]]
    out["tier"] = out["tier"].astype(str)
    out.insert(1, "label", [frequency_tier_label(t, language) for t in out["tier"]])
    return out
