"""The words of the churn report: sentences, tables and chart text in English and Chinese."""

from __future__ import annotations

import matplotlib

matplotlib.use("agg")  # tests draw off-screen; the library itself never calls matplotlib.use

import matplotlib.pyplot as plt
import pandas as pd
from churn_cases import CYCLE, CYCLE_END, RATE_END, RATE_ROWS, TIERS, W, tx_of

from repurchase import churn, plots


def test_chinese_sentences_tables_and_charts():
    tx = tx_of(RATE_ROWS)
    trend = churn.monthly_churn(tx, W(RATE_END), 30)
    march = type("P", (), {"start": pd.Timestamp("2026-03-01")})()
    # March: 2 active at the start (R, S), R churned (spent 30 + 40), Q came back; February is incomplete
    assert churn.describe_trend(trend, march, "zh", "CNY") == (
        "2026年3月，月初 2 位活跃客户中有 1 位流失：流失率 50.0%。他们在最近一年共消费 ¥70。本月有 1 位已流失的客户回流。"
    )
    assert churn.describe_trend(trend, march).startswith("In Mar 2026, 1 of 2 customers active")
    shown = churn.report_table(churn.recent_months(trend.table), "zh")
    assert list(shown.columns) == [
        "churn_month",
        "churn_active_start",
        "churn_churned",
        "churn_churn_rate",
        "churn_churned_revenue",
        "churn_reactivated",
        "churn_new",
        "churn_complete",
    ]
    assert shown["churn_month"].tolist() == ["2026年4月", "2026年3月", "2026年2月", "2026年1月"]
    assert shown["churn_complete"].tolist() == ["是", "是", "否", "否"]
    fixed = churn.churn_threshold(tx, W("2026-04-01"), threshold_days=30, window_days=31)
    assert (
        churn.describe_definition(fixed, "zh")
        == "客户超过 30 天未购买即视为流失（在参数中固定设置，churn.threshold_days）。"
    )
    check = churn.definition_check(tx, fixed, model=False, language="zh")
    assert check.table["definition"].tolist() == ["不活跃规则：超过 30 天未购买"]
    # breakdown by tier over March and April: occasional R (Mar), Q and S (Apr): 3 customer-months; one-time S (Mar):
    # 1 customer-month, 0.5 a month < min_group_size 1 -> pooled as other
    by_tier = churn.churn_by(tx, W(RATE_END), 30, "frequency_tier", frequency_tiers=TIERS, min_group_size=1)
    ax = plots.plot_churn_breakdown(by_tier.table, by="frequency_tier", unavailable=by_tier.unavailable, lang="zh")
    assert ax.get_title() == "按购买频次层级的月流失率（取月初层级）" and ax.get_xlabel() == "平均月流失率"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["其他", "偶尔复购客户"]  # drawn bottom-up
    assert churn.describe_breakdown(by_tier, "frequency_tier", "zh") == "只有一个购买频次层级分组的人数足以比较。"
    assert plots.plot_churn_trend(trend.table, lang="zh").get_title() == "月流失率"
    plt.close("all")
    # survival of the CYCLE customers: S(10) = 6/7, S(30) = 15/28, S(60) = 5/14, nobody followed 90 days
    spells = churn.survival_inputs(tx_of(CYCLE), W(CYCLE_END), frequency_tiers=TIERS)
    table = churn.survival_at(spells, None, horizons=(10, 30, 60, 90), min_group_size=1)
    assert churn.describe_survival(table, (10, 30, 60, 90), "zh") == (
        "一次购买之后，尚未再次购买的客户占比：10 天后 86%，30 天后 54%，60 天后 36%。"
    )
    shown = churn.report_table(table, "zh")
    assert list(shown.columns) == [
        "churn_group",
        "churn_spells",
        "churn_returned",
        "churn_median_days",
        "10天未回购",
        "30天未回购",
        "60天未回购",
        "90天未回购",
    ]
    assert shown["churn_group"].tolist() == ["全部"]
    assert set(churn.survival_formats((10, 30), "zh")) == {"churn_median_days", "10天未回购", "30天未回购"}
    test = churn.logrank_test(spells, "frequency_tier", min_group_size=1)
    assert churn.describe_logrank(test, "zh").startswith("3 个购买频次层级分组的对数秩检验：χ² = ")
    assert churn.group_label("2024Q3", "cohort", "zh") == "2024年第3季度"
    assert churn.group_label("(unknown)", "first_category", "zh") == "（未知）"
    value = churn.customer_value(tx, W(RATE_END), basis="annual_spend")
    assert churn.value_note(value, "zh") == "价值 = 近 365 天消费额（churn.value_basis: annual_spend）。"


def test_the_key_findings_give_the_months_numbers_in_both_languages():
    import dataclasses

    from repurchase.core.params import ChurnSettings
    from repurchase.core.periods import Period

    # April, θ = 30: Q (last Mar 10) and S (last Mar 5) are active on Apr 1; Q churns, S buys on Apr 20 -> 1/2 = 50%;
    # March: R (Feb 27) and S (Feb 10) active on Mar 1, R churns -> 50%. On Apr 30, T (one purchase of 25 on Apr 10,
    # 20 days > θ/2 = 15) is flagged, S (10 days) is not: no model (too few customers), value = annual spend
    tx = tx_of([*RATE_ROWS, ("T", "2026-04-10", 25)])
    april = Period.from_label("2026-04")
    en = churn.run_churn(tx, april, ChurnSettings(threshold_days=30), language="en", currency="USD")
    zh = churn.run_churn(tx, april, ChurnSettings(threshold_days=30), language="zh", currency="CNY")
    assert churn.describe_findings(en) == (
        "Churn rate of Apr 2026: **50.0%** (about the same as the month before, 50.0%, a change of +0.0 pts within "
        "chance variation), of the 2 customers active at its start "
        "(churned = more than θ = 30 days without a purchase). **1** of the 2 active customers (50.0%) are likely to "
        "lapse: more than half of θ since their last purchase (there is no churn model for these data); together they "
        "hold **$25** of value. The largest part of it is held by the one-time customers of low value (1 likely to lapse, $25); "
        "recommended action: Low-cost automated second-purchase nudge; do not spend on incentives."
    )
    assert churn.describe_findings(zh, "zh") == (
        "2026年4月流失率 **50.0%**（与上月 50.0% 基本持平，变化 +0.0 个百分点在随机波动范围内），"
        "基数为月初 2 位活跃客户（超过 θ = 30 天未购买即视为流失）。"
        "2 位活跃客户中有 **1** 位（50.0%）可能流失：距最近一次购买已超过 θ 的一半（这些数据没有流失模型）；"
        "他们合计持有 **¥25** 的价值。其中占比最大的是低价值的一次性客户（1 位可能流失，¥25）；建议动作："
        + churn.retention_action("one-time", "low", "zh")
    )
    # a change on the month before is a change only when the overview's test says so: 500 of 1,000 against
    # 100 of 1,000 is; 1 of 2 against 100 of 1,000 (z = 0.40 / 0.213 = 1.88, p = 0.06) is not
    trend = en.trend.table.set_index(["month", "group"])
    trend.loc[(pd.Timestamp("2026-03-01"), "all"), ["active_start", "churned", "churn_rate"]] = [1000, 100, 0.1]
    noisy = dataclasses.replace(en, trend=dataclasses.replace(en.trend, table=trend.reset_index()))
    assert "**50.0%** (about the same as the month before, 10.0%, a change of +40.0 pts within chance variation)" in (
        churn.describe_findings(noisy)
    )
    trend.loc[(pd.Timestamp("2026-04-01"), "all"), ["active_start", "churned", "churn_rate"]] = [1000, 500, 0.5]
    moved = dataclasses.replace(en, trend=dataclasses.replace(en.trend, table=trend.reset_index()))
    assert churn.describe_findings(moved).startswith(
        "Churn rate of Apr 2026: **50.0%** (+40.0 pts on 10.0% the month before), of the 1,000 customers active"
    )
    assert churn.describe_findings(moved, "zh").startswith(
        "2026年4月流失率 **50.0%**（较上月 10.0% 变化 +40.0 个百分点），"
    )
    # nobody flagged: said so, with no value sentence
    calm = churn.run_churn(tx_of(RATE_ROWS), april, ChurnSettings(threshold_days=30), currency="USD")
    assert "None of the 1 active customers is likely to lapse." in churn.describe_findings(calm)
    assert "1 位活跃客户中没有可能流失的客户。" in churn.describe_findings(calm, "zh")
    # January: no month has a complete base yet (θ + 1 = 31 days before it); the rest still reads
    jan = churn.run_churn(tx_of(RATE_ROWS), Period.from_label("2026-01"), ChurnSettings(threshold_days=30))
    assert churn.describe_findings(jan).startswith(
        "The churn rate of Jan 2026 cannot be read yet (see Churn over time below); a customer counts as churned "
        "after more than θ = 30 days without a purchase. **1** of the 3 active customers (33.3%) are likely to lapse"
    )
    assert churn.describe_findings(jan, "zh").startswith("2026年1月的流失率暂时无法读取")
    # neither a churn rate nor an active customer: the reason the churn rate is unavailable, as the trend says it
    empty = dataclasses.replace(jan, at_risk=jan.at_risk.iloc[:0])
    for lang in ("en", "zh"):
        assert churn.describe_findings(empty, lang) == jan.trend.unavailable.text(lang) == churn.trend_text(jan, lang)
