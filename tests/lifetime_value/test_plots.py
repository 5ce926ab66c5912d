"""The charts of notebook 04 draw the result's tables, in English and Chinese, without global state."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt

from repurchase import lifetime_value as lv


def test_plots_return_axes(cdnow, cdnow_result):
    from repurchase.plots import lifetime_value as plv

    res = cdnow_result
    fit = res.fits[res.choice.model]
    rc_before = dict(matplotlib.rcParams)
    calls = [
        lambda ax: plv.plot_tracking(res.tracking, ax=ax),
        lambda ax: plv.plot_tracking(lv.tracking_data(cdnow, fit, res.split), cumulative=True, ax=ax),
        lambda ax: plv.plot_holdout_by_frequency(res.by_frequency, ax=ax),
        lambda ax: plv.plot_period_transactions(res.histogram, ax=ax),
        lambda ax: plv.plot_p_alive_matrix(lv.p_alive_matrix(fit, res.calibration), ax=ax),
        lambda ax: plv.plot_p_alive_matrix(res.p_alive_grid, ax=ax),
        lambda ax: plv.plot_clv_distribution(res.clv_customers, ax=ax),
        lambda ax: plv.plot_value_concentration(res.clv_customers, ax=ax),
        lambda ax: plv.plot_spend_fit(res.spend_curve, ax=ax),
    ]
    for call in calls:
        fig, ax = plt.subplots()
        assert call(ax) is ax
        plt.close(fig)
    new_ax = plv.plot_clv_distribution(res.clv.customers)
    assert new_ax.figure is not None
    plt.close(new_ax.figure)
    assert dict(matplotlib.rcParams) == rc_before


def test_chart_text_in_chinese(cdnow, cdnow_result):
    from repurchase import plots

    res = cdnow_result
    fit = res.fits[res.choice.model]
    with plt.rc_context():  # the report style (CJK font) only inside this test
        plots.use_report_style()
        ax = plots.plot_tracking(res.tracking, cumulative=True, lang="zh")
        assert ax.get_title() == "累计复购次数" and ax.get_ylabel() == "累计复购次数"
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["实际", "模型"]
        assert " 验证期 →" in [t.get_text() for t in ax.texts]
        plt.close(ax.figure)
        ax = plots.plot_period_transactions(res.histogram, lang="zh")
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["实际", fit.label]
        plt.close(ax.figure)
        ax = plots.plot_value_concentration(res.clv_customers, lang="zh")
        assert ax.get_title() == "未来价值有多集中？" and ax.texts[0].get_text().startswith("  前 1%：")
        plt.close(ax.figure)
        ax = plots.plot_clv_distribution(res.clv_customers, currency="CNY", lang="zh")
        assert ax.get_xlabel().startswith("CLV（CNY，对数刻度）") and ax.texts[0].get_text().startswith(" 中位数 ")
        plt.close(ax.figure)
        ax = plots.plot_p_alive_matrix(res.p_alive_grid, lang="zh")
        assert ax.get_title() == "按复购次数与购买跨度看活跃概率"
        plt.close(ax.figure)
