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


def test_the_key_findings_call_a_change_news_only_when_it_is_significant(small_client):
    import dataclasses

    from repurchase.core.params import SatisfactionSettings
    from repurchase.core.periods import Period

    sv, tx = small_client
    res = sat.run_satisfaction(sv, tx, SatisfactionSettings(), Period.from_label("2026-10"), title="T")
    # the small client has no response in Oct 2026; the link (first responses) and the drivers pool all history:
    # 97 of 223 detractors (43.5%) and 10 of 20 promoters (50.0%) bought again; the gap, -6.5 pts (-29.4 to +16.4),
    # includes 0; aspect a holds 100% of R² and is rated above average (keep up): nothing to fix first
    assert sat.describe_findings(res) == (
        "No survey response with an NPS answer in Oct 2026. Within 90 days of their first response, **43.5%** of "
        "detractors bought again against **50.0%** of promoters; among customers with the same purchases before the "
        "survey the gap (-6.5 pts, -29.4 to +16.4) is within chance variation. Every important aspect is rated above "
        "average; a carries the largest share of the NPS score (100% of R²)."
    )
    assert sat.describe_findings(res, "zh") == (
        "2026年10月 没有回答 NPS 题的问卷。首份问卷作答后 90 天内，**43.5%** 的贬损者再次购买，推荐者为 **50.0%**；"
        "在作答前购买情况相同的客户之间，差值（-6.5 个百分点，-29.4 至 +16.4）在随机波动范围内。"
        "所有重要单项的评分都高于平均；a在 NPS 评分中所占份额最大（占 R² 的 100%）。"
    )

    def scored(difference: float, low: float, high: float, p: float):
        scores = res.scores.copy()
        scores.loc[0, ["nps_n", "nps", "nps_low", "nps_high", "csat"]] = [250, 12.3, 4.1, 20.5, 0.781]
        change = res.change.copy()
        change.loc[0, ["previous", "difference", "low", "high", "p_value"]] = [
            12.3 - difference,
            difference,
            low,
            high,
            p,
        ]
        effect = res.effect.copy()
        effect.loc[1, ["difference", "low", "high", "p_value"]] = [-0.12, -0.2, -0.04, 0.003]
        return dataclasses.replace(res, scores=scores, change=change, effect=effect)

    # NPS +8.5 on the previous period, p = 0.31, interval -7.9 to +24.9: not news (the example)
    noise = scored(8.5, -7.9, 24.9, 0.31)
    assert sat.describe_findings(noise).startswith(
        "NPS in Oct 2026: **+12.3** (95% interval +4.1 to +20.5, n = 250), CSAT **78.1%**; about the same as the "
        "previous period (+3.8; the change of +8.5 points, -7.9 to +24.9, is within chance variation). "
    )
    assert "rose" not in sat.describe_findings(noise)
    assert sat.describe_findings(noise, "zh").startswith(
        "2026年10月 的 NPS 为 **+12.3**（95% 区间 +4.1 至 +20.5，250 份作答），CSAT 为 **78.1%**；"
        "与上期（+3.8）基本持平（变化 +8.5 分，-7.9 至 +24.9，在随机波动范围内）。"
    )
    # significant: p < 0.05 and the interval excludes 0, up or down
    assert (
        "; NPS rose 8.5 points on the previous period (+3.8; 95% interval of the change +1.2 to +15.8, significant)."
        in (sat.describe_findings(scored(8.5, 1.2, 15.8, 0.02)))
    )
    assert "；较上期（+21.3）下降 9.0 分（变化的 95% 区间 -15.0 至 -3.0，显著）。" in (
        sat.describe_findings(scored(-9.0, -15.0, -3.0, 0.004), "zh")
    )
    # a p < 0.05 whose interval touches 0 is still not news
    assert "about the same" in sat.describe_findings(scored(8.5, 0.0, 17.0, 0.049))
    # the adjusted gap of -12.0 pts (-20.0 to -4.0, p = 0.003) is a real one
    assert "detractors − promoters is -12.0 pts (-20.0 to -4.0), more than chance." in sat.describe_findings(noise)
    assert "贬损者 − 推荐者为 -12.0 个百分点（-20.0 至 -4.0），超出随机波动。" in sat.describe_findings(noise, "zh")


def test_the_key_findings_without_survey_data_say_why():
    import pandas as pd

    from repurchase.core.params import SatisfactionSettings
    from repurchase.core.periods import Period

    tx = pd.DataFrame({"customer_id": [], "order_date": pd.to_datetime([]), "amount": []})
    res = sat.run_satisfaction(None, tx, SatisfactionSettings(), Period.from_label("2026-10"), title="T")
    for lang in ("en", "zh"):
        assert sat.describe_findings(res, lang) == res.unavailable.text(lang) != ""
    assert "no surveys source" in sat.describe_findings(res)
