"""The frequency-tier table of the segmentation report (the tier rule is tested in tests/core/test_tiers.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from repurchase import segments as sg


def test_frequency_summary():
    f = pd.Series([1, 2, 3, 4, 7])
    tiers = sg.frequency_tiers(f, {"high": 4, "occasional": 2})
    rfm = pd.DataFrame({"frequency": f, "spend": [10.0, 20.0, 30.0, 40.0, 100.0], "frequency_tier": tiers})
    t = sg.frequency_summary(rfm, {"high": 4, "occasional": 2}).set_index("tier")
    assert t.index.tolist() == ["high", "occasional", "one-time"]
    assert t["customers"].tolist() == [2, 2, 1]
    # revenue 140, 50, 10 of 200
    assert t["revenue_share"].tolist() == pytest.approx([0.7, 0.25, 0.05])
    assert t.loc["one-time", "treatment"] == sg.recommended_action("one-time", "en")
    assert t["occasions"].tolist() == ["≥ 4", "≥ 2", "1"]
    assert t["label"].tolist() == ["high-frequency", "occasional", "one-time"]
    # mean occasions: high (4 + 7) / 2, occasional (2 + 3) / 2, one-time 1
    assert t["mean_frequency"].tolist() == [5.5, 2.5, 1.0]
    zh = sg.frequency_summary(rfm, {"high": 4, "occasional": 2}, language="zh", actions={"high": "奖励"})
    assert zh["label"].tolist() == ["高频客户", "偶尔复购客户", "一次性客户"]
    assert zh["treatment"].iloc[0] == "奖励"
