"""The monitoring charts draw every KPI and the forecast band, in both languages."""

from __future__ import annotations

import matplotlib

matplotlib.use("agg")

import matplotlib.pyplot as plt

from repurchase import plots
from repurchase.monitoring import ALERT_KPIS, run_monitoring


def test_control_charts_and_forecast(cdnow_1997_09):
    tx, period, monthly, lv_result = cdnow_1997_09
    res = run_monitoring(monthly, lv_result, tx, period)
    ax = plots.plot_control_charts(res.charts, lang="zh")
    visible = [a for a in ax.figure.axes if a.get_visible()]
    assert len(visible) == len(ALERT_KPIS)
    assert ax.get_title() == "购买人数"
    ax2 = plots.plot_forecast(res.history, res.forecast, lang="en")
    assert ax2.get_title() == "Purchase occasions, history and forecast"
    labels = [t.get_text() for t in ax2.get_legend().get_texts()]
    assert labels == ["actual", "interval", "forecast"]
    plt.close("all")
    empty = plots.plot_forecast(res.history, res.forecast.iloc[:0])
    assert not plt.get_fignums() and isinstance(empty, type(ax2))
