"""Monitoring: control-chart alerts on the monthly KPIs, and a forecast of the next months' purchases."""

from repurchase.monitoring.alerts import ChartRules, individuals_chart, p_chart

__all__ = ["ChartRules", "individuals_chart", "p_chart"]
