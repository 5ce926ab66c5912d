"""Monitoring: control-chart alerts on the monthly KPIs, and a forecast of the next months' purchases.

:func:`run_monitoring` judges each monthly KPI of the ``repurchase`` result
against its own history (:mod:`repurchase.monitoring.alerts`) and forecasts the
purchase occasions of the next months from the purchase model of the
``lifetime_value`` result (:mod:`repurchase.monitoring.forecast`), with a
backtest at earlier cutoffs.
"""

from repurchase.monitoring.alerts import ChartRules, individuals_chart, p_chart
from repurchase.monitoring.forecast import (
    Backtest,
    ForecastSettings,
    backtest,
    existing_customer_purchases,
    forecast_months,
    monthly_history,
    seasonal_index,
    seasonal_naive,
)
from repurchase.monitoring.pipeline import (
    ALERT_KPIS,
    STAGE,
    MonitoringResult,
    kpi_charts,
    monitoring_metrics,
    run_monitoring,
)

__all__ = [
    "ALERT_KPIS",
    "STAGE",
    "Backtest",
    "ChartRules",
    "ForecastSettings",
    "MonitoringResult",
    "backtest",
    "existing_customer_purchases",
    "forecast_months",
    "individuals_chart",
    "kpi_charts",
    "monitoring_metrics",
    "monthly_history",
    "p_chart",
    "run_monitoring",
    "seasonal_index",
    "seasonal_naive",
]
