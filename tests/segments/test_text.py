"""What the segmentation report says: sentences and table specs, in English and Chinese."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from repurchase import segments as sg
from repurchase.core import i18n
from repurchase.core.params import SegmentationSettings
from repurchase.core.periods import Period
from repurchase.core.table import Table

PERIOD = Period.from_label("2024-01")
SETTINGS = SegmentationSettings(tier_thresholds=[100, 500])


@pytest.fixture
def res(tx):
    return sg.run_segmentation(tx, PERIOD, SETTINGS)


@pytest.fixture
def res_zh(tx):
    return sg.run_segmentation(tx, PERIOD, SETTINGS, language="zh")


def test_report_tables_and_sentences_fixture(res):
    # Champions: nobody (A has 2 occasions: cell 53, Loyal); Loyal A and C: 2 of 5, (180 + 600) / 815 = 95.7%
    assert sg.describe_segments(res) == (
        "Champions, the first segment of the rule table, are 0.0% of customers (0) and bring 0.0% of revenue. "
        "The largest segment is Loyal: 2 customers (40.0%), 95.7% of revenue. "
        "Loyal bring the most revenue: 95.7% from 40.0% of customers."
    )
    # report tables: every header has a catalog entry (col.*), shown as before in English
    headers = i18n.translate_columns(sg.segment_table(res).frame, "en").columns.tolist()
    assert headers == [
        "segment",
        "customers",
        "share",
        "revenue share",
        "mean recency (days)",
        "mean frequency",
        "mean monetary",
        "recommended action",
    ]
    tables = [
        sg.rule_table(res),
        sg.segment_table(res),
        sg.frequency_table(res),
        sg.threshold_table(res),
        sg.tier_table(res),
        sg.upgrade_table(res),
        sg.flow_table(res),
    ]
    for table in tables:
        assert isinstance(table, Table)
        assert all(i18n.has(f"col.{c}") for c in table.frame.columns), table.frame.columns
        assert set(table.formats) <= set(table.frame.columns), table.formats  # every format names a column
    assert sg.tier_table(res).frame["seg_tier"].tolist() == ["normal", "gold", "diamond"]
    assert sg.rule_table(res).frame.iloc[0].tolist() == ["Champions", "55, 54, 45"]
    # flows: New -> About to Sleep, 1 of 1 (D, one-time, R 5 then R 2); the only move between two segments
    assert sg.flow_table(res).frame.iloc[0].tolist() == ["New", "About to Sleep", 1, 1.0]


def test_table_specs_carry_the_report_formats_and_captions(res):
    assert sg.segment_table(res).formats == {
        "share": "{:.1%}",
        "seg_revenue_share": "{:.1%}",
        "seg_mean_recency": "{:,.0f}",
        "seg_mean_frequency": "{:.1f}",
        "seg_mean_monetary": "{:,.0f}",
    }
    assert sg.frequency_table(res).formats["seg_revenue"] == "{:,.0f}"
    assert sg.tier_table(res).formats["seg_repurchase_rate"] == "{:.1%}"
    assert sg.threshold_table(res).formats == {"seg_threshold": "{:,.0f}", "seg_points_per_100": "{:g}"}
    assert "customer_id" not in sg.upgrade_table(res).frame.columns  # counts by step, not a list of masked IDs
    assert sg.flow_table(res).formats == {"seg_share_of_from": "{:.1%}"}
    assert sg.rule_table(res).caption == (
        "Rule table: the cells of each segment (one-time buyers are placed in the FM 1 column whatever their M)"
    )
    assert sg.flow_table(res).caption == "Biggest moves between segments"
    assert sg.threshold_table(res).caption.startswith("Tier thresholds (rolling-12-month spend or points)")
    # an unreachable threshold is blank, not infinity
    res.thresholds.loc[2, "threshold"] = float("inf")
    assert sg.threshold_table(res).frame["seg_threshold"].isna().tolist() == [False, False, True]


def test_report_in_chinese(res_zh):
    res = res_zh
    # same numbers as the English sentence above
    assert sg.describe_segments(res) == (
        "规则表的第一个客群是冠军客户：占客户的 0.0%（0 位），贡献 0.0% 的销售额。"
        "人数最多的客群是忠诚客户：2 位客户（40.0%），贡献 95.7% 的销售额。"
        "忠诚客户贡献的销售额最多：以 40.0% 的客户贡献了 95.7% 的销售额。"
    )
    assert sg.describe_segments(res, "en").startswith("Champions, the first segment")  # lang overrides the result's
    # 2 of 3 previous customers stayed; A and B are new
    assert sg.describe_migration(res).startswith("上期已评分的 3 位客户中，2 位（66.7%）保持原客群；新增 2 位。")
    assert sg.tier_table(res).frame["seg_tier"].tolist() == ["普通会员", "黄金会员", "钻石会员"]
    assert sg.threshold_table(res).frame["seg_set_from"].tolist() == ["参数"] * 3
    assert sg.frequency_table(res).frame["seg_frequency_tier"].tolist() == ["高频客户", "偶尔复购客户", "一次性客户"]
    assert i18n.translate_columns(sg.segment_table(res).frame, "zh").columns[0] == "客群"
    assert res.labels[sg.NEW] == "（本月新增）"
    assert res.scheme.describe("zh").startswith("R 分 × FM 分网格上的 11 个客群")
    assert sg.rule_table(res).caption == i18n.t("segments.rule_table_caption", "zh")
    assert res.rule_grid.columns.tolist() == res.scheme.grid("zh").columns.tolist()


def test_describe_tiers_states_the_points_assumption(res):
    # outstanding points: A 3.6 + B 0.2 + C 18 + D 0.1 + E 0.05 = 21.95 (shown 22), liability 21.95 x 1 = ¥21.95;
    # diamond = C: 1 of 5, 600 of 815 spend
    assert sg.describe_tiers(res, "CNY") == (
        "Tiers are simulated from rolling-12-month spend (thresholds set from params). The top tier, diamond, holds "
        "20.0% of customers and 73.6% of the last 12 months' spend. Points outstanding: 22, a liability of ¥21.95 "
        "at 1 per point, assuming no point was redeemed (no redemption data) and points expire after 12 months."
    )
    assert sg.describe_tiers(res, "CNY", "zh") == (
        "会员等级按滚动 12 个月消费额模拟（门槛来自参数）。最高等级钻石会员占客户的 20.0%，贡献近 12 个月消费额的 73.6%。"
        "未使用积分：22，按每分 1 计，积分负债为 ¥21.95；假设积分均未兑换（没有兑换数据），且积分在 12 个月后过期。"
    )


def test_describe_settings_frequency_and_upgrades(tx, res):
    assert sg.describe_settings(res) == (
        "Scored as of 2024-01-31 on all history: 5 customers, occasions are distinct customer-days, "
        "F on fixed thresholds (F 1 = 1, F 2 = 2, F 3 = 3–4, F 4 = 5–9, F 5 = 10+), M is total spend, "
        f"5 score bins; scheme rfm11 ({sg.RFM11.describe('en')}). "
        "One-time buyers are placed on recency alone, whatever they spent: 51 New, 41 Promising, 31 Promising, "
        "21 About to Sleep, 11 Lost; no other cell holds a one-time buyer, and these cells hold no repeat buyer."
    )
    assert sg.describe_settings(res, "zh").startswith(
        "评分截至 2024-01-31，基于全部历史数据：共 5 位客户，购买次数按不同的“客户-日”计，"
        "F 按固定门槛评分（F 1 = 1 次，F 2 = 2 次，F 3 = 3–4 次，F 4 = 5–9 次，F 5 = 10+ 次）"
    )
    # quantile F and other thresholds are stated as used; cn8 has no one-time rule (it splits the raw values)
    quant = sg.run_segmentation(
        tx, PERIOD, SegmentationSettings(tier_thresholds=[100, 500], frequency_scoring="quantiles")
    )
    assert "F on quantiles of occasions, customers with the same count sharing a score (F 1 = one occasion)" in (
        sg.describe_settings(quant)
    )
    three = sg.run_segmentation(
        tx,
        PERIOD,
        SegmentationSettings(tier_thresholds=[100, 500], rfm_bins=3, scheme="cn8", frequency_thresholds=[2, 6]),
    )
    assert "F on fixed thresholds (F 1 = 1, F 2 = 2–5, F 3 = 6+)" in sg.describe_settings(three)
    assert sg.describe_one_time(three.scheme) == "" and "One-time buyers" not in sg.describe_settings(three)
    # high (>= 4 occasions): nobody; one-time: B and D, 2 of 5 with 30 of 815 revenue
    assert sg.describe_frequency(res) == (
        "The high-frequency tier (≥ 4 occasions) holds 0.0% of customers and brings 0.0% of revenue; "
        "one-time buyers are 40.0% of customers with 3.7% of revenue."
    )
    # gaps to gold 100: B 80, D 90, E 95 -- none within 20% (20); to diamond 500: A 320 > 100
    assert sg.describe_upgrades(res) == "No customer is within 20% of the next tier's threshold."
    wide = sg.run_segmentation(tx, PERIOD, SegmentationSettings(tier_thresholds=[100, 500], upgrade_within=0.9))
    # B 80, D 90 to gold (median 85); A 320 to diamond
    assert sg.describe_upgrades(wide, "USD") == (
        "3 customers are within 90% of the next tier's threshold: 2 to gold (median $85 more); "
        "1 to diamond (median $320 more)."
    )


def test_the_key_findings_name_the_segments_to_act_on_in_both_languages(tx, res, res_zh):
    import dataclasses

    # Loyal (A, C): 2 of 5 customers, (180 + 600) / 815 = 95.7% of revenue; previous month end (2023-12-31): B and
    # A not yet scored (new), C Loyal, D New, E Hibernating -> C and E kept theirs, D moved to About to Sleep: 2/3
    loyal_action = res.summary.set_index("segment").loc["Loyal", "action"]
    assert sg.describe_findings(res) == (
        f"**Loyal** bring the most revenue: **95.7%** from 40.0% of customers (2); recommended action: {loyal_action} "
        "66.7% of the 3 customers scored at the end of the previous month kept their segment; the biggest move is "
        "New → About to Sleep (1 customers, 100.0% of New)."
    )
    zh_action = res_zh.summary.set_index("segment").loc["Loyal", "action"]
    assert sg.describe_findings(res_zh) == (
        f"**忠诚客户**贡献的销售额最多：以 40.0% 的客户（2 位）贡献了 **95.7%** 的销售额；建议动作：{zh_action}"
        "上月末已评分的 3 位客户中，66.7% 保持原客群；最大的迁移是新客户 → 即将沉睡（1 位，占新客户的 100.0%）。"
    )
    assert sg.describe_findings(res, "zh") == sg.describe_findings(res_zh).replace(zh_action, loyal_action)
    # a larger segment than the richest is named too; customers close to the next tier are counted
    summary = res.summary.set_index("segment")
    summary.loc["Hibernating", ["customers", "share", "revenue_share"]] = [7, 0.7, 0.01]
    wider = sg.run_segmentation(tx, PERIOD, SegmentationSettings(tier_thresholds=[100, 500], upgrade_within=0.9))
    bigger = dataclasses.replace(wider, summary=summary.reset_index())
    text = sg.describe_findings(bigger)
    assert (
        "The largest segment is **Hibernating**: 7 customers (70.0%) with 1.0% of revenue; recommended action:" in text
    )
    # B (20 of 100 to gold, 80% short), D (10 of 100, 90%) and A (180 of 500 to diamond, 64%): all within 90%
    assert text.endswith("**3** customers are within 90% of the next member tier's threshold (see below).")
    assert sg.describe_findings(bigger, "zh").endswith("**3** 位客户的消费额距下一会员等级门槛在 90% 以内（见下文）。")
    # nobody scored: that sentence
    empty = dataclasses.replace(res, summary=res.summary.assign(customers=0))
    assert sg.describe_findings(empty) == "No customer was scored."
    assert sg.describe_findings(empty, "zh") == "没有客户参与评分。"


def test_the_liability_column_is_a_caption_when_it_would_repeat_points_outstanding(res, res_zh):
    assert res.settings["point_value"] == 1.0  # the default: a point is worth one unit of money
    for result, lang in ((res, "en"), (res_zh, "zh")):
        table = sg.tier_table(result)
        assert "seg_liability" not in table.frame.columns and "seg_points_outstanding" in table.frame.columns
        assert table.caption == i18n.t("segments.caption_tiers_liability", lang, point_value="1")
    assert sg.tier_table(res).caption.startswith("The liability equals the points outstanding")
    cents = dataclasses.replace(res, settings={**res.settings, "point_value": 0.01})
    kept = sg.tier_table(cents)
    assert "seg_liability" in kept.frame.columns and kept.caption is None


def test_upgrade_candidates_are_counted_by_tier_step_and_the_caption_names_the_export(res, res_zh):
    upgrades = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "tier": ["normal", "normal", "normal", "gold"],
            "next_tier": ["gold", "gold", "gold", "diamond"],
            "spend_12m": [90.0, 95.0, 85.0, 450.0],
            "spend_to_next_tier": [10.0, 5.0, 15.0, 50.0],
        }
    )
    table = sg.upgrade_table(dataclasses.replace(res, upgrades=upgrades))
    rows = table.frame.to_dict("records")
    # normal -> gold: 3 candidates, spend 270, median gap 10, total gap 30; gold -> diamond: 1, 450, 50, 50
    assert [
        (r["seg_candidates"], r["seg_spend_12m"], r["seg_median_to_next"], r["seg_total_to_next"]) for r in rows
    ] == [
        (3, 270.0, 10.0, 30.0),
        (1, 450.0, 50.0, 50.0),
    ]
    assert [r["seg_next_tier"] for r in rows] == ["gold", "diamond"]
    assert table.caption.endswith("exports/tier_upgrade_candidates.csv")
    zh = sg.upgrade_table(dataclasses.replace(res_zh, upgrades=upgrades))
    assert "联系名单" in zh.caption and all(i18n.has(f"col.{c}", "zh") for c in zh.frame.columns)
