"""The churn charts (repurchase.plots.churn) return their Axes, with their text in the report language."""

from __future__ import annotations

import matplotlib

matplotlib.use("agg")  # tests draw off-screen; the library itself never calls matplotlib.use

import matplotlib.pyplot as plt
import pandas as pd
from churn_cases import TIERS, W, cdnow

from repurchase import churn, plots


def test_churn_plots_return_axes():
    tx = cdnow()
    end = pd.Timestamp("1998-07-01")
    w = churn.early_warning(tx, W(end), window_days=90)
    trend = churn.monthly_churn(tx, W(end), 180, by=None).table
    breakdown = churn.churn_by(tx, W(end), 180, "frequency_tier", frequency_tiers=TIERS).table
    empty = churn.churn_by(tx, W(end), 180, "first_category", attributes=churn.first_purchase_attributes(tx)).table
    spells = churn.survival_inputs(tx, W(end), frequency_tiers=TIERS)
    value = churn.customer_value(tx, W(end), basis="annual_spend")
    summary = churn.at_risk_summary(churn.at_risk_list(w.scores, value.value, frequency_tiers=TIERS))
    calls = [
        (plots.plot_churn_trend, (trend,), {}),
        (plots.plot_churn_flows, (trend,), {}),
        (plots.plot_churned_revenue, (trend,), {}),
        (plots.plot_churn_breakdown, (breakdown,), {}),
        (plots.plot_churn_breakdown, (empty,), {}),
        (plots.plot_model_curves, (w.curves, w.comparison), {"kind": "roc"}),
        (plots.plot_model_curves, (w.curves, w.comparison), {"kind": "pr"}),
        (plots.plot_calibration, (w.calibration,), {}),
        (plots.plot_gains, (w.lift,), {}),
        (plots.plot_importance, (w.importance,), {}),
        (plots.plot_survival, (churn.survival_curves(spells, "frequency_tier"),), {}),
        (plots.plot_survival, (churn.survival_curves(spells, "first_category"),), {}),
        (plots.plot_value_at_risk, (summary,), {}),
    ]
    for fn, args, kwargs in calls:
        ax = fn(*args, **kwargs)
        assert isinstance(ax, matplotlib.axes.Axes), fn.__name__
        plt.close(ax.figure)
    # one line per score in the ROC chart (plus the diagonal); survival groups largest first
    # (CDNOW spells: high 2,464, one-time 2,357, occasional 1,875)
    ax = plots.plot_model_curves(w.curves, w.comparison, kind="roc")
    assert len(ax.get_lines()) == len(w.comparison) + 1
    ax2 = plots.plot_survival(churn.survival_curves(spells, "frequency_tier"))
    assert [t.get_text() for t in ax2.get_legend().get_texts()] == ["high", "one-time", "occasional"]
    # Chinese charts: titles, labels, legends, tier and score names from the catalog
    zh = plots.plot_survival(churn.survival_curves(spells, "frequency_tier"), by="frequency_tier", lang="zh")
    assert zh.get_title() == "尚未回购的比例，按购买时的购买频次层级"
    assert [t.get_text() for t in zh.get_legend().get_texts()] == ["高频客户", "一次性客户", "偶尔复购客户"]
    zh = plots.plot_value_at_risk(summary, currency="CNY", lang="zh")
    assert zh.get_xlabel() == "Σ 流失风险客户的价值 (¥)" and zh.get_title() == "按购买频次层级和价值档的风险价值"
    assert {t.get_text() for t in zh.get_legend().get_texts()} <= {"高价值", "中价值", "低价值"}
    zh = plots.plot_model_curves(w.curves, w.comparison, kind="pr", lang="zh")
    assert zh.get_title() == "精确率–召回率曲线（测试截止日）"
    assert any(t.get_text().startswith("仅按 R (") for t in zh.get_legend().get_texts())
    zh = plots.plot_importance(w.importance, lang="zh")
    assert "距最近一次购买的天数" in [t.get_text() for t in zh.get_yticklabels()]
    plt.close("all")
