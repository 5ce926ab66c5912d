"""Frequency tiers (repurchase.core.tiers): one definition for segmentation, churn and satisfaction."""

from __future__ import annotations

import pandas as pd

from repurchase.core import i18n
from repurchase.core.tiers import (
    DEFAULT_FREQUENCY_TIERS,
    FREQUENCY_CODES,
    ONE_TIME,
    frequency_role,
    frequency_tier_label,
    frequency_tiers,
)


def test_frequency_tiers():
    f = pd.Series([1, 2, 3, 4, 7])
    tiers = frequency_tiers(f, {"high": 4, "occasional": 2})
    assert tiers.astype(str).tolist() == ["one-time", "occasional", "occasional", "high", "high"]
    assert list(tiers.cat.categories) == ["high", "occasional", ONE_TIME] and tiers.name == "frequency_tier"
    # the default is the same rule
    assert frequency_tiers(f).astype(str).tolist() == tiers.astype(str).tolist()
    assert DEFAULT_FREQUENCY_TIERS == {"high": 4, "occasional": 2}
    # tiers of your own, given in any order: highest minimum first
    own = frequency_tiers(pd.Series([1, 3, 10]), {"regular": 3, "vip": 10})
    assert own.astype(str).tolist() == ["one-time", "regular", "vip"]


def test_frequency_roles_and_labels():
    tiers = frequency_tiers(pd.Series([1, 2, 5]))
    assert frequency_role(tiers).tolist() == ["one-time", "developing", "loyal"]
    assert frequency_tier_label("high", "en") == "high-frequency"
    assert frequency_tier_label("high", "zh") == "高频客户"
    assert frequency_tier_label("vip", "zh") == "vip"  # a tier of your own keeps its params name
    for code in FREQUENCY_CODES.values():
        assert i18n.has(f"segments.freq.{code}", "zh") and i18n.has(f"segments.freq_action.{code}", "zh")
