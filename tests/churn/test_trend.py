"""The monthly churn rate by hand, its breakdowns (tier, RFM segment at the month start), and short histories."""

from __future__ import annotations

import matplotlib

matplotlib.use("agg")  # tests draw off-screen; the library itself never calls matplotlib.use

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from churn_cases import RATE_END, RATE_ROWS, TIERS, W, tx_of

from repurchase import churn, plots
from repurchase.core.errors import AnalysisError
from repurchase.core.status import Month
from repurchase.core.table import Table
from repurchase.report import display


def test_monthly_churn_rate_by_hand():
    result = churn.monthly_churn(tx_of(RATE_ROWS), W(RATE_END), 30)
    trend = result.table
    got = trend.set_index(trend["month"].dt.strftime("%Y-%m"))
    assert got["active_start"].tolist() == [0, 3, 2, 2]
    assert got["churned"].tolist() == [0, 2, 1, 1]
    assert got["reactivated"].tolist() == [0, 0, 1, 0]
    assert got["new"].tolist() == [3, 1, 0, 0]
    assert got["churned_revenue"].tolist() == [0.0, 150.0, 70.0, 120.0]
    assert got["complete"].tolist() == [False, False, True, True]
    assert got.loc["2026-02", "churn_rate"] == pytest.approx(2 / 3)
    assert got.loc["2026-03", "churn_rate"] == pytest.approx(1 / 2)
    assert result.unavailable is None  # March and April are complete
    # stock identity: active(m+1) = active(m) - churned + new + reactivated
    nxt = got["active_start"] - got["churned"] + got["new"] + got["reactivated"]
    assert nxt.iloc[:-1].tolist() == got["active_start"].iloc[1:].tolist()
    assert churn.rate_for_month(trend, "2026-03-01") == pytest.approx(0.5)
    assert churn.rate_for_month(trend, "2026-02-01") is None  # incomplete base
    assert churn.rate_for_month(trend, "2025-12-01") is None  # not in the data


def test_monthly_churn_by_tier_adds_up_and_breakdown_pools():
    tx = tx_of(RATE_ROWS)
    by_tier = churn.monthly_churn(tx, W(RATE_END), 30, by="frequency_tier", frequency_tiers=TIERS).table
    total = churn.monthly_churn(tx, W(RATE_END), 30).table
    summed = by_tier.groupby("month")[["active_start", "churned", "reactivated", "new"]].sum().reset_index(drop=True)
    pd.testing.assert_frame_equal(summed, total[["active_start", "churned", "reactivated", "new"]])
    # Feb churners P and Q had one purchase (one-time); R (Mar) and Q (Apr) had two (occasional)
    hit = by_tier[by_tier["churned"] > 0]
    churned = hit.set_index(["group", hit["month"].dt.month])["churned"]
    assert churned.to_dict() == {("one-time", 2): 2, ("occasional", 3): 1, ("occasional", 4): 1}
    # pooled over the complete months Mar and Apr: base 2 + 2, churned 1 + 1
    table = churn.churn_breakdown(by_tier, W(RATE_END), months=12, min_group_size=1).table
    overall = table[table["group"] == "all"].iloc[0]
    assert (overall["months"], overall["customer_months"], overall["churned"]) == (2, 4, 2)
    assert overall["churn_rate"] == pytest.approx(0.5)
    with pytest.raises(AnalysisError, match="no customer attribute 'region'"):
        churn.monthly_churn(tx, W(RATE_END), 30, by="region")


def test_churn_by_rfm_segment_matches_the_totals():
    tx = tx_of(RATE_ROWS)
    by_rfm = churn.monthly_churn_by_rfm(tx, W(RATE_END), 30, months=2)
    assert sorted(by_rfm["month"].dt.month.unique()) == [3, 4]
    summed = by_rfm.groupby("month")[["active_start", "churned", "reactivated"]].sum()
    # March: active 2 (R, S), churned 1 (R), reactivated 1 (Q); April: active 2 (Q, S), churned 1 (Q)
    assert summed.to_numpy().tolist() == [[2, 1, 1], [2, 1, 0]]
    churned_mar = by_rfm[(by_rfm["month"].dt.month == 3) & (by_rfm["churned"] > 0)]
    assert churned_mar["churned_revenue"].tolist() == [70.0]  # R: 30 + 40
    # a dimension the data do not have: an empty table and a sentence saying so
    empty = churn.churn_by(tx, W(RATE_END), 30, "first_channel", attributes=churn.first_purchase_attributes(tx))
    assert empty.table.empty and "no first channel" in churn.describe_breakdown(empty, "first_channel")
    assert churn.describe_breakdown(empty, "first_channel", "zh") == "该客户的数据中没有首购渠道，因此无法按其细分。"
    with pytest.raises(AnalysisError, match="unknown churn breakdown 'colour'"):
        churn.churn_by(tx, W(RATE_END), 30, "colour")


def test_rfm_breakdown_segments_from_the_lower_level_functions_only(monkeypatch):
    """Segments as of each month start come from rfm_scores/assign_segments: the segmentation itself runs once, elsewhere."""
    import repurchase.segments as seg

    def refuse(*args, **kwargs):
        raise AssertionError("the churn analysis must not run the segmentation")

    monkeypatch.setattr(seg, "run_segmentation", refuse)
    by_rfm = churn.monthly_churn_by_rfm(tx_of(RATE_ROWS), W(RATE_END), 30, months=2)
    assert by_rfm["active_start"].sum() == 4


def test_breakdown_pools_every_small_group_and_says_when_none_is_left():
    tx = tx_of(RATE_ROWS)
    by_tier = churn.monthly_churn(tx, W(RATE_END), 30, by="frequency_tier", frequency_tiers=TIERS).table
    # Mar + Apr: occasional 3 customer-months (1.5 a month), one-time 1 (0.5): both below 5 -> all in other
    result = churn.churn_breakdown(by_tier, W(RATE_END), min_group_size=5)
    table = result.table
    assert table["group"].tolist() == ["other", "all"]
    assert table["customer_months"].tolist() == [4, 4] and table["churned"].tolist() == [2, 2]
    assert result.unavailable.code == "breakdown_too_few"
    assert churn.describe_breakdown(result, "frequency_tier") == (
        "No breakdown by frequency tier: every group has fewer than 5 active customers a month (churn.min_group_size), "
        "too few to compare; together they churn 50.0% a month."
    )
    ax = plots.plot_churn_breakdown(table, by="frequency_tier", unavailable=result.unavailable, lang="zh")
    assert ax.texts[0].get_text() == "各分组人数都太少，不予显示（见下文）。"
    plt.close("all")
    # one group large enough: the small one is pooled, nothing is flagged
    result = churn.churn_breakdown(by_tier, W(RATE_END), min_group_size=1)
    assert result.table["group"].tolist() == ["occasional", "other", "all"] and result.unavailable is None


def test_short_history_trend_and_breakdowns_say_why():
    # 2 months: Aug 3 - Sep 28 2026; theta 30: a month is complete once Aug 3 + 31 days = Sep 3 lies before its start,
    # so neither August nor September is; the first complete month is October
    rows = [(f"C{c:02d}", f"2026-08-{3 + c:02d}", 10 * (c + 1)) for c in range(20)]
    rows += [(f"C{c:02d}", f"2026-09-{8 + c:02d}", 5.0) for c in range(0, 20, 2)]
    tx = tx_of(rows, category=["tea"] * 20 + ["toys"] * 10)
    end = pd.Timestamp("2026-10-01")
    result = churn.monthly_churn(tx, W(end), 30)
    trend = result.table
    assert trend["month"].dt.month.unique().tolist() == [8, 9] and not trend["complete"].any()
    why = result.unavailable
    assert (why.code, why.values["days"], why.values["first"], why.values["month"]) == (
        "no_complete_month",
        31,
        "2026-08-03",
        Month("2026-10"),
    )
    period = type("P", (), {"start": pd.Timestamp("2026-09-01")})()
    assert "The first month that can be measured is Oct 2026" in churn.describe_trend(result, period)
    assert "第一个可以衡量的月份是2026年10月" in churn.describe_trend(result, period, "zh")
    assert churn.recent_months(trend).empty and display.render(Table(churn.recent_months(trend)), lang="en") is None
    assert plots.plot_churn_trend(trend).texts[0].get_text() == "No month with a complete base yet (see above)."
    assert plots.plot_churned_revenue(trend, lang="zh").get_title() == "流失客户的销售额"
    # less than one full month of data (end Aug 21): an empty trend that says the same
    short = churn.monthly_churn(tx, W("2026-08-21"), 30)
    assert short.table.empty and short.unavailable.code == "no_complete_month"
    # breakdowns: no complete month in the last 12
    attributes = churn.first_purchase_attributes(tx)
    for by in ("frequency_tier", "first_category", "rfm_segment"):
        breakdown = churn.churn_by(tx, W(end), 30, by, attributes=attributes, frequency_tiers=TIERS)
        assert breakdown.table.empty and breakdown.unavailable.code == "breakdown_no_complete_month"
    assert churn.describe_breakdown(breakdown, "rfm_segment") == (
        "No breakdown by RFM segment: none of the last 12 months has a complete base yet (see Churn over time above)."
    )
    ax = plots.plot_churn_breakdown(breakdown.table, by="rfm_segment", unavailable=breakdown.unavailable)
    assert ax.texts[0].get_text() == "No month with a complete base yet (see above)."
    plt.close("all")
    # trend metrics: null with the reason
    definition = churn.churn_threshold(tx, W(end), threshold_days=30)
    w = churn.early_warning(tx, W(end), window_days=90, threshold_days=30)
    value = churn.customer_value(tx, W(end), basis="annual_spend")
    at_risk = churn.at_risk_list(w.scores, value.value, frequency_tiers=TIERS, threshold_days=30)
    m = churn.headline_metrics(result, period, definition, w, at_risk, "annual_spend")
    assert (m["churn_rate"], m["churn_rate_status"], m["churn_rate_reason"]) == (
        None,
        "unavailable",
        "no_complete_month",
    )
