"""Numbers, money, percentages, points and months, formatted once for every report.

Tables, sentences, cards and chart axes all format through these functions, in
the report language: compact units (12.3K / 4.5M in English, 1.2万 / 3.4亿 in
Chinese), money with the currency symbol, shares as percentages and changes of
rates in points (pts / 个百分点).
"""

from __future__ import annotations

import math
from typing import Any

from repurchase.core import i18n

__all__ = [
    "CURRENCY_SYMBOLS",
    "as_finite",
    "format_change",
    "format_money",
    "format_month",
    "format_number",
    "format_percent",
    "format_value",
]

CURRENCY_SYMBOLS = {"CNY": "¥", "RMB": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "HKD": "HK$"}
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def as_finite(x: Any) -> float | None:
    """A finite float, or None (for None, NaN, infinities and non-numbers)."""
    if x is None:
        return None
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def format_number(value: float | int | None, lang: str = "en", digits: int = 1) -> str:
    """Compact numbers: 12.3K / 4.5M in English, 1.2万 / 3.4亿 in Chinese."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    v = float(value)
    a = abs(v)
    # (from, divide by, unit): English keeps 1,234 whole and writes 12.3K from ten thousand on
    units = (
        ((1e8, 1e8, "亿"), (1e4, 1e4, "万")) if lang == "zh" else ((1e9, 1e9, "B"), (1e6, 1e6, "M"), (1e4, 1e3, "K"))
    )
    for start, size, unit in units:
        if a >= start:
            return f"{v / size:,.{digits}f}{unit}"
    return f"{v:,.0f}" if a >= 100 or v == int(v) else f"{v:,.{digits + 1}f}"


def format_money(value: float | None, currency: str = "CNY", lang: str = "en", digits: int = 1) -> str:
    """Money with its symbol and compact units, e.g. ¥1.2万 or ¥12.3K."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    symbol = CURRENCY_SYMBOLS.get(currency.upper(), currency + " ")
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{format_number(abs(value), lang, digits)}"


def format_percent(value: float | None, digits: int = 1) -> str:
    """A share as a percentage, e.g. 0.234 -> 23.4%."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value * 100:.{digits}f}%"


def format_month(label: str, lang: str = "en") -> str:
    """``YYYY-MM`` as a month name: 2026年10月, or Oct 2026."""
    year, month = label.split("-")[:2]
    if lang == "zh":
        return f"{int(year)}年{int(month)}月"
    return f"{_MONTHS_EN[int(month) - 1]} {year}"


def format_value(value: float | None, unit: str, currency: str, lang: str) -> str:
    """A KPI value for a card: counts compact, money with symbol, rates in %, scores signed."""
    value = as_finite(value)
    if value is None:
        return "–"
    if unit == "money":
        return format_money(value, currency, lang)
    if unit == "rate":
        return format_percent(value)
    if unit == "score":
        return f"{value:+.1f}"
    return format_number(value, lang)


def format_change(change: float | None, unit: str, lang: str) -> str:
    """``▲ 2.1 pts`` / ``▼ 3.4%`` (points for rates and scores); ``–`` when unknown."""
    change = as_finite(change)
    if change is None:
        return "–"
    arrow = "▲" if change > 0 else ("▼" if change < 0 else "■")
    if unit in ("rate", "score"):
        return f"{arrow} {abs(change):.1f} {i18n.t('overview.points', lang)}"
    return f"{arrow} {abs(change) * 100:.1f}%"
