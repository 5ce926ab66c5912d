"""Alerts and forecast for one client and period: :func:`run_monitoring`, its result, metrics and ``STAGE``.

Reads two stored results: ``repurchase`` (the monthly KPIs, judged by the
control charts of :mod:`repurchase.monitoring.alerts`) and ``lifetime_value``
(the purchase model it chose and fitted, whose expected purchases are the
forecast of :mod:`repurchase.monitoring.forecast`). Without a purchase model the
forecast is unavailable and says why; the alerts still run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from repurchase.core.occasions import purchase_occasions
from repurchase.core.params import MonitoringSettings
from repurchase.core.periods import Period
from repurchase.core.stage import Inputs, Stage
from repurchase.core.status import Unavailable
from repurchase.core.table import Table
from repurchase.monitoring import text
from repurchase.monitoring.alerts import CHART_COLUMNS, ChartRules, individuals_chart, p_chart
from repurchase.monitoring.forecast import (
    FORECAST_COLUMNS,
    Backtest,
    ForecastSettings,
    backtest,
    forecast_months,
    monthly_history,
)

__all__ = ["ALERT_KPIS", "STAGE", "MonitoringResult", "monitoring_metrics", "run_monitoring"]

#: (kpi, unit, column of the monthly KPIs, column of its n for rates): the KPIs judged, in the order shown
ALERT_KPIS: tuple[tuple[str, str, str, str | None], ...] = (
    ("buyers", "count", "buyers", None),
    ("revenue", "money", "revenue", None),
    ("aov", "money", "aov", None),
    ("repurchase_rate_customers", "rate", "repurchase_rate_customers", "buyers"),
    ("repurchase_rate_orders", "rate", "repurchase_rate_orders", "occasions"),
    ("buyback_rate", "rate", "buyback_rate", "prev_month_buyers"),
    ("new_buyer_share", "rate", "new_buyer_share", "buyers"),
)


def rules_of(settings: MonitoringSettings) -> ChartRules:
    """The chart thresholds of ``params.monitoring``."""
    s = settings
    return ChartRules(s.baseline_months, s.min_baseline_months, s.sigma, s.warn_sigma, s.run_length, s.laney_above)


def forecast_settings_of(settings: MonitoringSettings) -> ForecastSettings:
    """The forecast settings of ``params.monitoring``."""
    s = settings
    return ForecastSettings(
        s.horizon_months, s.interval_level, s.draws, s.seasonal, s.seasonal_min_months, s.random_seed,
        tuple(s.backtest_months),
    )  # fmt: skip


def kpi_charts(monthly: pd.DataFrame, period: Period, rules: ChartRules | None = None) -> pd.DataFrame:
    """Every KPI of :data:`ALERT_KPIS` charted over the months to ``period`` (tidy: ``kpi``, ``unit`` + chart columns).

    ``monthly`` is :func:`repurchase.kpis.monthly_kpis` output. A rate's successes
    are its value × n, so the chart follows the KPI's own definition.
    """
    m = monthly[monthly["month"] <= period.start].sort_values("month")
    m = m.assign(new_buyer_share=m["new_buyers"] / m["buyers"].where(m["buyers"] > 0))
    parts = []
    for kpi, unit, col, n_col in ALERT_KPIS:
        if col not in m.columns:
            continue
        if n_col is None:
            chart = individuals_chart(m["month"], m[col].to_numpy(dtype=float), rules)
        else:
            n = m[n_col].to_numpy(dtype=float)
            chart = p_chart(m["month"], np.nan_to_num(m[col].to_numpy(dtype=float)) * n, n, rules)
        parts.append(chart.assign(kpi=kpi, unit=unit))
    if not parts:
        return pd.DataFrame(columns=["kpi", "unit", *CHART_COLUMNS])
    out = pd.concat(parts, ignore_index=True)
    return out[["kpi", "unit", *CHART_COLUMNS]]


@dataclass
class MonitoringResult:
    """Alerts and forecast of one client and period.

    Attributes
    ----------
    period, settings, language, currency
        The report month, ``params.monitoring``, report language and currency.
    charts
        :func:`kpi_charts`: every KPI, every month (the charts).
    current
        The rows of ``charts`` for the report month: its status per KPI.
    forecast
        :func:`~repurchase.monitoring.forecast.forecast_months` after the report
        month (empty without a purchase model).
    backtest
        :func:`~repurchase.monitoring.forecast.backtest` (None without a model).
    model
        Code of the purchase model of the forecast (None without one).
    seasonal
        True when the seasonal index multiplied the forecast.
    history_months
        Months of history before the forecast.
    unavailable
        Why there is no forecast (None when there is one).
    """

    period: Period
    settings: MonitoringSettings
    language: str
    currency: str
    charts: pd.DataFrame
    current: pd.DataFrame
    forecast: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(FORECAST_COLUMNS)))
    backtest: Backtest | None = None
    model: str | None = None
    seasonal: bool = False
    history_months: int = 0
    history: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["month", "occasions"]))
    unavailable: Unavailable | None = None

    def _lang(self, lang: str | None) -> str:
        return lang or self.language

    @property
    def alerted(self) -> list[str]:
        """The KPIs with status ``alert`` in the report month."""
        return [str(k) for k in self.current.loc[self.current["status"] == "alert", "kpi"]]

    @property
    def watched(self) -> list[str]:
        """The KPIs with status ``watch`` in the report month."""
        return [str(k) for k in self.current.loc[self.current["status"] == "watch", "kpi"]]

    def describe_alerts(self, lang: str | None = None) -> str:
        """Which KPIs are alerted (or watched) this month, with value and expected range."""
        return text.describe_alerts(self.current, self.period, self.currency, self._lang(lang))

    def alerts_table(self, lang: str | None = None) -> Table:
        """Every KPI of the report month: value, expected range, chart, status and rule."""
        return text.alerts_table(self.current, self.currency, self._lang(lang))

    def describe_forecast(self, lang: str | None = None) -> str | Unavailable:
        """The forecast total with its interval, its parts and whether it is seasonal."""
        if self.unavailable is not None:
            return self.unavailable
        return text.describe_forecast(
            self.forecast,
            str(self.model),
            self.seasonal,
            self.history_months,
            self.settings,
            self.currency,
            self._lang(lang),
        )

    def forecast_table(self, lang: str | None = None) -> Table:
        """The forecast month by month."""
        return text.forecast_table(self.forecast, self.unavailable, self._lang(lang))

    def describe_backtest(self, lang: str | None = None) -> str | Unavailable:
        """MAPE against the baseline, and the observed interval coverage (said plainly when too narrow)."""
        if self.unavailable is not None:
            return self.unavailable
        return text.describe_backtest(self.backtest, self._lang(lang))

    def backtest_table(self, lang: str | None = None) -> Table:
        """The backtest months: actual, forecast and interval, baseline."""
        return text.backtest_table(self.backtest, self._lang(lang))

    def describe_method(self, lang: str | None = None) -> str:
        """This client's chart thresholds and forecast settings."""
        return text.describe_method(self.settings, self._lang(lang))


def run_monitoring(
    monthly: pd.DataFrame,
    lifetime_value: Any,
    transactions: pd.DataFrame,
    period: Period,
    settings: MonitoringSettings | None = None,
    *,
    occasion: str = "customer_day",
    as_of: Callable[[pd.Timestamp], pd.DataFrame] | None = None,
    language: str = "en",
    currency: str = "",
) -> MonitoringResult:
    """Judge the report month's KPIs and forecast the next months.

    Parameters
    ----------
    monthly
        The monthly KPIs (``RepurchaseResult.monthly``).
    lifetime_value
        The :class:`~repurchase.lifetime_value.LifetimeValueResult` of the period
        (its chosen model, ``full_fit``, its summary and settings); None for no forecast.
    transactions
        Cleaned transactions to the period end.
    period
        The report month.
    settings
        ``params.monitoring``.
    occasion
        ``params.repurchase.occasion``.
    as_of
        Transactions known at a backtest cutoff (``inputs.transactions_as_of``).
    """
    s = settings or MonitoringSettings()
    charts = kpi_charts(monthly, period, rules_of(s))
    current = charts[charts["month"] == period.start].reset_index(drop=True)
    common: dict[str, Any] = {"period": period, "settings": s, "language": language, "currency": currency}
    history = monthly_history(purchase_occasions(transactions, occasion), period.end_exclusive)
    fit = getattr(lifetime_value, "full_fit", None) if lifetime_value is not None else None
    if fit is None:
        why = Unavailable("monitoring.unavailable.no_model", then="monitoring.unavailable.no_model_then")
        return MonitoringResult(
            charts=charts, current=current, unavailable=why, history=history, history_months=len(history), **common
        )
    fs = forecast_settings_of(s)
    lv_settings = lifetime_value.settings
    forecast = forecast_months(fit, lifetime_value.summary, history, period.end_exclusive, fs)
    bt = backtest(
        transactions, history, period, fit.code, fs, occasion=occasion, time_unit=fit.time_unit,
        penalizer=getattr(lv_settings, "penalizer", 0.0), retry_penalizer=getattr(lv_settings, "retry_penalizer", 1e-3),
        as_of=as_of,
    )  # fmt: skip
    return MonitoringResult(
        charts=charts,
        current=current,
        forecast=forecast,
        backtest=bt,
        model=fit.code,
        seasonal=bool((forecast["seasonal_index"] != 1.0).any()),
        history_months=len(history),
        history=history,
        **common,
    )


def _num(v: Any) -> float | None:
    return None if v is None or not np.isfinite(float(v)) else float(v)


def monitoring_metrics(result: MonitoringResult) -> dict[str, Any]:
    """The ``monitoring`` section of ``metrics.json``.

    ``alerts``: ``{kpi: {status, rule, chart, direction, expected_low, expected_high, value}}``
    for the report month; ``alerted`` and ``watched``: the KPIs with that
    status; ``forecast``: ``{model, seasonal, months: [{month, purchases,
    purchases_low, purchases_high, revenue, revenue_low, revenue_high}],
    backtest: {mape_purchases, baseline_mape_purchases, coverage, level,
    too_narrow, cutoffs}}`` (null without a purchase model, with ``reason``).
    """
    alerts = {
        str(r.kpi): {
            "status": str(r.status),
            "rule": str(r.rule) or None,
            "chart": str(r.chart),
            "direction": str(r.direction) or None,
            "expected_low": _num(r.low),
            "expected_high": _num(r.high),
            "value": _num(r.value),
        }
        for r in result.current.itertuples(index=False)
    }
    out: dict[str, Any] = {"alerts": alerts, "alerted": result.alerted, "watched": result.watched}
    if result.unavailable is not None:
        out["forecast"] = None
        out["reason"] = result.unavailable.code
        return out
    keys = ("purchases", "purchases_low", "purchases_high", "revenue", "revenue_low", "revenue_high")
    months = [
        {"month": pd.Timestamp(row["month"]).strftime("%Y-%m"), **{k: _num(row[k]) for k in keys}}
        for row in result.forecast.to_dict("records")
    ]
    bt = result.backtest
    out["forecast"] = {
        "model": result.model,
        "seasonal": result.seasonal,
        "months": months,
        "backtest": None
        if bt is None
        else {
            "mape_purchases": _num(bt.mape),
            "baseline_mape_purchases": _num(bt.baseline_mape),
            "coverage": _num(bt.coverage),
            "level": bt.level,
            "too_narrow": bt.too_narrow,
            "cutoffs": list(bt.cutoffs),
        },
    }
    return out


def _stage_run(inputs: Inputs) -> MonitoringResult:
    p = inputs.params
    return run_monitoring(
        inputs.result("repurchase").monthly,
        inputs.result("lifetime_value"),
        inputs.transactions(),
        inputs.period,
        p.monitoring,
        occasion=p.repurchase.occasion,
        as_of=inputs.transactions_as_of,
        language=p.language,
        currency=p.currency,
    )


#: Alerts and forecast as a render runs them (see :mod:`repurchase.core.stage`).
STAGE = Stage(name="monitoring", run=_stage_run, requires=("repurchase", "lifetime_value"), metrics=monitoring_metrics)
