"""Frequency tiers: high-frequency / occasional / one-time buyers, defined once.

A customer's tier is the highest tier whose minimum number of purchase occasions
they reach; customers below every minimum are ``one-time``. The thresholds come
from ``segmentation.frequency_tiers`` in params (default
:data:`DEFAULT_FREQUENCY_TIERS`); segmentation, churn and satisfaction all use
:func:`frequency_tiers`, so the three reports always agree on who is "high".
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from repurchase.core import i18n

__all__ = [
    "DEFAULT_FREQUENCY_TIERS",
    "FREQUENCY_CODES",
    "ONE_TIME",
    "frequency_role",
    "frequency_tier_label",
    "frequency_tiers",
]

ONE_TIME = "one-time"

#: The default tiers: minimum occasions per tier (everyone below 2 occasions is one-time).
DEFAULT_FREQUENCY_TIERS: dict[str, int] = {"high": 4, "occasional": 2}

#: Default frequency tier -> catalog code (``segments.freq.<code>``, ``segments.freq_action.<code>``).
FREQUENCY_CODES: dict[str, str] = {"high": "high", "occasional": "occasional", ONE_TIME: "one_time"}


def frequency_tier_label(tier: str, language: str = "en") -> str:
    """Display name of a frequency tier (the params name itself for a tier of your own)."""
    code = FREQUENCY_CODES.get(tier)
    return i18n.t(f"segments.freq.{code}", language) if code else tier


def frequency_tiers(frequency: pd.Series, thresholds: Mapping[str, int] | None = None) -> pd.Series:
    """High-frequency / occasional / one-time (or your own tiers) from occasion counts.

    Parameters
    ----------
    frequency
        Purchase occasions per customer.
    thresholds
        Tier -> minimum occasions (>= 2); customers below every minimum are
        ``one-time``. Default :data:`DEFAULT_FREQUENCY_TIERS`.

    Returns
    -------
    pandas.Series
        Categorical named ``frequency_tier``, highest tier first, same index.
    """
    thresholds = DEFAULT_FREQUENCY_TIERS if thresholds is None else thresholds
    ordered = sorted(thresholds.items(), key=lambda kv: -kv[1])
    names = [k for k, _ in ordered] + [ONE_TIME]
    mins = np.array([v for _, v in ordered], dtype=float)
    # index of the first (highest) threshold met; len(mins) when none is met
    met = frequency.to_numpy()[:, None] >= mins[None, :]
    idx = np.where(met.any(axis=1), met.argmax(axis=1), len(mins))
    return pd.Series(pd.Categorical.from_codes(idx, categories=names), index=frequency.index, name="frequency_tier")


def frequency_role(tiers: pd.Series, thresholds: Mapping[str, int] | None = None) -> pd.Series:
    """Map frequency tiers to the roles of the retention actions: loyal, developing, one-time.

    The tier with the highest minimum is ``loyal``; tiers between it and
    ``one-time`` are ``developing``.
    """
    thresholds = DEFAULT_FREQUENCY_TIERS if thresholds is None else thresholds
    top = max(thresholds.items(), key=lambda kv: kv[1])[0] if thresholds else None
    t = tiers.astype(str)
    role = np.where(t == ONE_TIME, ONE_TIME, np.where(t == str(top), "loyal", "developing"))
    return pd.Series(role, index=tiers.index, name="role")
