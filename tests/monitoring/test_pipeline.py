"""The monitoring stage: its KPIs, metrics, sentences without a purchase model, and its registration."""

from __future__ import annotations

import pytest

from repurchase.monitoring import ALERT_KPIS, STAGE, kpi_charts, monitoring_metrics, run_monitoring
from repurchase.report import pipeline


def test_stage_is_registered_after_what_it_reads():
    stages = list(pipeline.stages())
    assert STAGE.name == "monitoring" and pipeline.stage("monitoring") is STAGE
    assert set(STAGE.requires) == {"repurchase", "lifetime_value"}
    assert all(stages.index(r) < stages.index("monitoring") for r in STAGE.requires)


def test_kpi_charts_judge_rates_on_their_own_n(cdnow_1997_09):
    _, period, monthly, _ = cdnow_1997_09
    charts = kpi_charts(monthly, period)
    assert list(dict.fromkeys(charts["kpi"])) == [k for k, *_ in ALERT_KPIS]
    rate = charts[charts["kpi"] == "repurchase_rate_customers"].set_index("month")
    row = monthly.set_index("month")
    assert rate["n"].tolist() == row["buyers"].tolist()
    assert rate["value"].to_numpy() == pytest.approx(row["repurchase_rate_customers"].to_numpy())
    assert set(charts.loc[charts["unit"] != "rate", "chart"]) == {"individuals"}
    assert set(charts.loc[charts["unit"] == "rate", "chart"]) <= {"p", "laney"}


def test_without_a_purchase_model_the_alerts_run_and_the_forecast_says_why(cdnow_1997_09):
    tx, period, monthly, _ = cdnow_1997_09
    res = run_monitoring(monthly, None, tx, period)
    assert res.forecast.empty and res.backtest is None
    assert len(res.current) == len(ALERT_KPIS)
    assert "could not fit a purchase model" in res.describe_forecast().text("en")
    assert res.forecast_table().unavailable is not None
    m = monitoring_metrics(res)
    assert m["forecast"] is None and m["reason"] == "no_model"
    assert set(m["alerts"]) == {k for k, *_ in ALERT_KPIS}
    assert set(m["alerts"]["revenue"]) == {
        "status",
        "rule",
        "chart",
        "direction",
        "expected_low",
        "expected_high",
        "value",
    }


def test_metrics_hold_the_forecast_months_and_backtest(cdnow_1997_09):
    tx, period, monthly, lv_result = cdnow_1997_09
    res = run_monitoring(monthly, lv_result, tx, period)
    m = monitoring_metrics(res)
    months = m["forecast"]["months"]
    assert [x["month"] for x in months] == ["1997-10", "1997-11", "1997-12", "1998-01", "1998-02", "1998-03"]
    assert sum(x["purchases"] for x in months) == pytest.approx(res.forecast["purchases"].sum())
    assert set(m["forecast"]["backtest"]) >= {"mape_purchases", "baseline_mape_purchases", "coverage"}
    assert m["alerted"] == res.alerted
    for lang in ("en", "zh"):  # every sentence and table renders in both languages
        assert res.describe_alerts(lang) and res.describe_forecast(lang) and res.describe_backtest(lang)
        assert len(res.alerts_table(lang).frame) == len(ALERT_KPIS)
        assert len(res.forecast_table(lang).frame) == 6
