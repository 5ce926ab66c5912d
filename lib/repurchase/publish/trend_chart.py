"""The overview's 12-month KPI trends as one interactive chart (values on hover), from the cards' series."""

from __future__ import annotations

import pandas as pd

from repurchase.core import formatting, i18n
from repurchase.core.formatting import as_finite, format_value
from repurchase.core.periods import Period
from repurchase.plots.interactive import kpi_trend_chart
from repurchase.report.vega import VegaChart, vega_html

__all__ = ["trend_chart", "trend_frame"]


def trend_frame(cards: pd.DataFrame, period: Period, currency: str, lang: str) -> pd.DataFrame:
    """The cards' series as tidy rows: ``kpi`` (label), ``month``, ``value``, ``shown`` (as the report writes it).

    Parameters
    ----------
    cards
        :func:`repurchase.publish.overview.kpi_cards` output (``kpi``, ``unit``, ``series``).
    period
        The report month: the series' last month.
    """
    rows = cards[["kpi", "unit", "series"]].explode("series", ignore_index=True)
    n = len(cards["series"].iloc[0]) if len(cards) else 0
    months = [period.shift(-k).label for k in range(n - 1, -1, -1)]
    rows["month"] = months * len(cards)
    rows["value"] = pd.to_numeric(rows["series"].map(as_finite), errors="coerce")
    rows["shown"] = [format_value(v, u, currency, lang) for v, u in zip(rows["value"], rows["unit"])]  # ≤ 12 per KPI
    rows["month_shown"] = rows["month"].map(lambda m: formatting.format_month(m, lang))  # 12 labels
    rows["kpi"] = rows["kpi"].map(lambda k: i18n.t(f"overview.kpi.{k}", lang))
    return rows[["kpi", "month", "month_shown", "value", "shown"]]


def _reading(frame: pd.DataFrame, lang: str) -> str:
    """One sentence: each KPI's first and last known month of the chart (its alt text)."""
    known = frame.dropna(subset=["value"])
    first = known.groupby("kpi", sort=False).first()
    last = known.groupby("kpi", sort=False).last()
    parts = [
        i18n.t(
            "overview.trend_chart.part",
            lang,
            kpi=k,
            first=first.at[k, "shown"],
            first_month=first.at[k, "month_shown"],
            last=last.at[k, "shown"],
            last_month=last.at[k, "month_shown"],
        )
        for k in first.index
    ]
    return i18n.t("overview.trend_chart.alt", lang, parts=i18n.t("overview.trend_chart.sep", lang).join(parts))


def trend_chart(cards: pd.DataFrame, period: Period, currency: str, lang: str) -> VegaChart:
    """Every card's last 12 months, one small panel per KPI; hovering a point shows its month and value."""
    frame = trend_frame(cards, period, currency, lang)
    labels = {k: i18n.t(f"overview.trend_chart.{k}", lang) for k in ("kpi", "month", "value")}
    return vega_html(kpi_trend_chart(frame, labels=labels), _reading(frame, lang))
