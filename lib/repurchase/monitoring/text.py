"""The words of the monitoring report: sentences and table specs, from ``resources/i18n/<lang>/monitoring.yaml``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from repurchase.core import formatting, i18n
from repurchase.core.formatting import format_value
from repurchase.core.params import MonitoringSettings
from repurchase.core.periods import Period
from repurchase.core.status import Unavailable
from repurchase.core.table import Table
from repurchase.monitoring.forecast import Backtest

__all__ = [
    "alerts_table",
    "backtest_table",
    "describe_alerts",
    "describe_backtest",
    "describe_forecast",
    "describe_method",
    "forecast_table",
    "kpi_name",
]


def kpi_name(kpi: str, lang: str) -> str:
    """The KPI's name in ``lang``."""
    return i18n.t(f"monitoring.kpi.{kpi}", lang)


def _range(row: pd.Series, currency: str, lang: str) -> str:
    return i18n.t(
        "monitoring.range",
        lang,
        low=format_value(row["low"], str(row["unit"]), currency, lang),
        high=format_value(row["high"], str(row["unit"]), currency, lang),
    )


def describe_alerts(current: pd.DataFrame, period: Period, currency: str, lang: str) -> str:
    """The KPIs alerted (then watched) in the report month, each with its value and expected range."""
    month = formatting.format_month(period.label, lang)
    judged = current[current["status"] != "no_baseline"]
    if judged.empty:
        return i18n.t("monitoring.alerts.none_judged", lang, month=month)
    parts = []
    for status in ("alert", "watch"):
        rows = judged[judged["status"] == status]
        if rows.empty:
            continue
        items = [
            i18n.t(
                "monitoring.alerts.item",
                lang,
                kpi=kpi_name(str(r["kpi"]), lang),
                value=format_value(r["value"], str(r["unit"]), currency, lang),
                direction=i18n.t(f"monitoring.direction.{r['direction'] or 'above'}", lang),
                range=_range(r, currency, lang),
                rule=i18n.t(f"monitoring.rule.{r['rule']}", lang),
            )
            for r in rows.to_dict("records")
        ]
        parts.append(
            i18n.t(
                f"monitoring.alerts.{status}",
                lang,
                month=month,
                n=len(rows),
                items=i18n.t("monitoring.sep", lang).join(items),
            )
        )
    if not parts:
        return i18n.t("monitoring.alerts.all_normal", lang, month=month, n=len(judged))
    return " ".join(parts)


def alerts_table(current: pd.DataFrame, currency: str, lang: str) -> Table:
    """The report month per KPI: value, centre, expected range, chart, status, rule."""
    rows = current
    frame = pd.DataFrame(
        {
            "monitor_kpi": [kpi_name(str(k), lang) for k in rows["kpi"]],
            "monitor_value": [format_value(v, str(u), currency, lang) for v, u in zip(rows["value"], rows["unit"])],
            "monitor_center": [format_value(v, str(u), currency, lang) for v, u in zip(rows["center"], rows["unit"])],
            "monitor_range": ["–" if pd.isna(r["low"]) else _range(r, currency, lang) for r in rows.to_dict("records")],
            "monitor_chart": [i18n.t(f"monitoring.chart.{c}", lang) for c in rows["chart"]],
            "monitor_status": [i18n.t(f"monitoring.status.{c}", lang) for c in rows["status"]],
            "monitor_rule": [i18n.t(f"monitoring.rule.{r or 'none'}", lang) for r in rows["rule"]],
        }
    )
    return Table(
        frame,
        caption=i18n.t("monitoring.caption.alerts", lang),
    )


def describe_forecast(
    fc: pd.DataFrame,
    model: str,
    seasonal: bool,
    history_months: int,
    settings: MonitoringSettings,
    currency: str,
    lang: str,
) -> str:
    """The forecast total with its interval, the new customers' part and the seasonal statement."""
    first = formatting.format_month(pd.Timestamp(fc["month"].iloc[0]).strftime("%Y-%m"), lang)
    last = formatting.format_month(pd.Timestamp(fc["month"].iloc[-1]).strftime("%Y-%m"), lang)
    total = float(fc["purchases"].sum())
    share_new = float((fc["new_purchases"] * fc["seasonal_index"]).sum()) / total if total > 0 else 0.0
    text = i18n.t(
        "monitoring.forecast.total",
        lang,
        model=i18n.t(f"lifetime_value.model.{model}", lang),
        first=first,
        last=last,
        total=f"{total:,.0f}",
        per_month=f"{total / len(fc):,.0f}",
        new=f"{share_new:.0%}",
        revenue=formatting.format_money(float(fc["revenue"].sum()), currency, lang),
        level=f"{settings.interval_level:.0%}",
        low=f"{fc['purchases_low'].iloc[0]:,.0f}",
        high=f"{fc['purchases_high'].iloc[0]:,.0f}",
        month=first,
        total_first=f"{fc['purchases'].iloc[0]:,.0f}",
    )
    key = "monitoring.forecast.seasonal" if seasonal else "monitoring.forecast.stationary"
    return text + " " + i18n.t(key, lang, months=history_months, need=settings.seasonal_min_months)


def forecast_table(forecast: pd.DataFrame, unavailable: Unavailable | None, lang: str) -> Table:
    """The forecast month by month: occasions with interval, its parts, the seasonal index, revenue."""
    frame = pd.DataFrame(
        {
            "monitor_month": [
                formatting.format_month(pd.Timestamp(m).strftime("%Y-%m"), lang) for m in forecast["month"]
            ],
            "monitor_purchases": forecast["purchases"].to_numpy(dtype=float),
            "monitor_low": forecast["purchases_low"].to_numpy(dtype=float),
            "monitor_high": forecast["purchases_high"].to_numpy(dtype=float),
            "monitor_existing": forecast["existing"].to_numpy(dtype=float),
            "monitor_new": forecast["new_purchases"].to_numpy(dtype=float),
            "monitor_index": forecast["seasonal_index"].to_numpy(dtype=float),
            "monitor_revenue": forecast["revenue"].to_numpy(dtype=float),
        }
    )
    counts = dict.fromkeys(
        ("monitor_purchases", "monitor_low", "monitor_high", "monitor_existing", "monitor_new"), "{:,.0f}"
    )
    return Table(
        frame,
        formats=counts | {"monitor_index": "{:.2f}", "monitor_revenue": "money"},
        caption=i18n.t("monitoring.caption.forecast", lang),
        unavailable=unavailable,
    )


def describe_backtest(bt: Backtest | None, lang: str) -> str:
    """MAPE of the model and of the baseline, which is better, and the observed coverage (too narrow said plainly)."""
    if bt is None or bt.table.empty:
        return i18n.t("monitoring.backtest.none", lang)
    text = i18n.t(
        "monitoring.backtest.summary",
        lang,
        cutoffs=i18n.t("monitoring.sep", lang).join(bt.cutoffs),
        n=len(bt.table),
        mape=f"{bt.mape:.1%}",
        baseline=f"{bt.baseline_mape:.1%}" if np.isfinite(bt.baseline_mape) else "–",
        better=i18n.t(f"monitoring.backtest.better_{bt.better or 'model'}", lang),
    )
    coverage = i18n.t(
        "monitoring.backtest.too_narrow" if bt.too_narrow else "monitoring.backtest.coverage",
        lang,
        coverage=f"{bt.coverage:.0%}",
        level=f"{bt.level:.0%}",
        inside=int(bt.table["inside"].sum()),
        n=len(bt.table),
    )
    return text + " " + coverage


def backtest_table(bt: Backtest | None, lang: str) -> Table:
    """Each backtest month: cutoff, horizon, actual, forecast with interval, inside, baseline, errors."""
    t = bt.table if bt is not None else pd.DataFrame(columns=["cutoff", "month", "horizon"])
    frame = pd.DataFrame(
        {
            "monitor_cutoff": t["cutoff"].astype(str).to_numpy(),
            "monitor_month": [formatting.format_month(pd.Timestamp(m).strftime("%Y-%m"), lang) for m in t["month"]],
            "monitor_horizon": t["horizon"].to_numpy(),
            "monitor_actual": t.get("actual", pd.Series(dtype=float)).to_numpy(dtype=float),
            "monitor_purchases": t.get("forecast", pd.Series(dtype=float)).to_numpy(dtype=float),
            "monitor_low": t.get("low", pd.Series(dtype=float)).to_numpy(dtype=float),
            "monitor_high": t.get("high", pd.Series(dtype=float)).to_numpy(dtype=float),
            "monitor_inside": [i18n.t(f"monitoring.inside.{'yes' if v else 'no'}", lang) for v in t.get("inside", [])],
            "monitor_error": t.get("error", pd.Series(dtype=float)).to_numpy(dtype=float),
            "monitor_baseline": t.get("baseline", pd.Series(dtype=float)).to_numpy(dtype=float),
            "monitor_baseline_error": t.get("baseline_error", pd.Series(dtype=float)).to_numpy(dtype=float),
        }
    )
    counts = dict.fromkeys(
        ("monitor_actual", "monitor_purchases", "monitor_low", "monitor_high", "monitor_baseline"), "{:,.0f}"
    )
    return Table(
        frame,
        formats=counts | {"monitor_error": "{:+.1%}", "monitor_baseline_error": "{:+.1%}"},
        caption=i18n.t("monitoring.caption.backtest", lang),
    )


def describe_method(settings: MonitoringSettings, lang: str) -> str:
    """The thresholds and forecast settings in use."""
    s = settings
    return i18n.t(
        "monitoring.method",
        lang,
        baseline=s.baseline_months,
        min_baseline=s.min_baseline_months,
        sigma=f"{s.sigma:g}",
        warn=f"{s.warn_sigma:g}",
        run=s.run_length,
        laney=f"{s.laney_above:g}",
        horizon=s.horizon_months,
        level=f"{s.interval_level:.0%}",
        draws=s.draws,
        seasonal_min=s.seasonal_min_months,
        backtest=", ".join(str(m) for m in s.backtest_months),
    )
