"""What the report says: display labels of codes, sentences and table specs, in English and Chinese."""

from __future__ import annotations

import pandas as pd

from repurchase import satisfaction as sat
from repurchase.core.table import Table
from repurchase.report.display import render


def test_frequency_tier_labels_follow_the_params_tiers():
    s = sat.frequency_tier(pd.Series([0, 1, 2, 4, 5, 9]), {"loyal": 5, "regular": 2})
    assert s.astype(str).tolist() == [
        "none before (0)",
        "one-time (1)",
        "regular (2–4)",
        "regular (2–4)",
        "loyal (5+)",
        "loyal (5+)",
    ]
    # Chinese: the default tier names are translated, names from the params are kept as written
    zh = sat.frequency_tier(pd.Series([0, 1, 2, 4]), None, "zh")
    assert zh.astype(str).tolist() == ["此前未购（0 次）", "单次（1 次）", "中频（2–3 次）", "高频（4+ 次）"]
    assert str(sat.frequency_tier(pd.Series([3]), {"loyal": 5, "regular": 2}, "zh").iloc[0]) == "regular（2–4 次）"
    # the labels are a display of the codes, lowest first
    assert list(sat.frequency_tier_labels({"vip": 10, "high": 4, "occasional": 2})) == [
        "none",
        "one-time",
        "occasional",
        "high",
        "vip",
    ]
    assert sat.frequency_tier_labels({"vip": 10, "high": 4, "occasional": 2})["high"] == "high (4–9)"


def test_window_and_code_labels():
    assert sat.format_window("2026-08..2026-10", "zh") == "2026年8月至2026年10月"
    assert sat.format_window("2026-08..2026-10", "en") == "Aug 2026 to Oct 2026"
    assert sat.format_window("", "en") == ""
    assert sat.nps_group_label("detractor", "en", plural=True) == "detractors"
    assert sat.nps_group_label("unknown", "zh") == "unknown"
    assert sat.quadrant_label("fix first", "zh") == "优先改进"
    assert sat.dimension_label("channel", "en") == "channel" and sat.dimension_label("colour") == "colour"


def test_tables_are_specs_with_catalog_headers_and_formats():
    rates = pd.DataFrame(
        {
            "frequency_tier": pd.Categorical(["none", "high"], categories=["none", "one-time", "occasional", "high"]),
            "nps_group": ["detractor", "promoter"],
            "observed": [10, 20],
            "repurchased": [2, 15],
            "rate": [0.2, 0.75],
            "rate_low": [0.05, 0.5],
            "rate_high": [0.5, 0.9],
        }
    )
    table = sat.satisfaction_table("stratified", rates, "zh")
    assert isinstance(table, Table) and table.caption == "按此前购买频次与 NPS 分组的复购"
    assert table.frame["sat_frequency_tier"].tolist() == ["此前未购（0 次）", "高频（4+ 次）"]
    assert table.frame["sat_nps_group"].tolist() == ["贬损者", "推荐者"]
    assert table.formats["sat_rate"] == "{:.1%}"
    page = render(table, lang="zh")._repr_html_()
    assert "75.0%" in page and "此前购买频次" in page  # header from col.sat_frequency_tier
    empty = sat.satisfaction_table("stratified", rates.iloc[:0], "en")
    assert empty.empty and render(empty, lang="en") is None
