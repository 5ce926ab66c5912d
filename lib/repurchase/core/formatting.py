"""Numbers, money, percentages, points and months, formatted once for every report.

Tables, sentences, cards and chart axes all format through these functions, in
the report language: compact units (12.3K / 4.5M in English, 1.2万 / 3.4亿 in
Chinese), money with the currency symbol, shares as percentages and changes of
rates in points (pts / 个百分点).
"""

from __future__ import annotations

import itertools
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
    "format_ticks",
    "format_value",
    "kpi_change",
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
    for start, size, unit in _units(lang):
        if a >= start:
            return f"{v / size:,.{digits}f}{unit}"
    return f"{v:,.0f}" if a >= 100 or v == int(v) else f"{v:,.{digits + 1}f}"


def _units(lang: str) -> tuple[tuple[float, float, str], ...]:
    """(from, divide by, unit) of the compact units, largest first."""
    if lang == "zh":
        return ((1e8, 1e8, "亿"), (1e4, 1e4, "万"))
    return ((1e9, 1e9, "B"), (1e6, 1e6, "M"), (1e4, 1e3, "K"))


def _step_digits(step: float, size: float, most: int = 3) -> int:
    """The fewest decimals (<= ``most``) that write multiples of ``step`` exactly in units of ``size``."""
    ratio = step / size
    for digits in range(most + 1):
        scaled = ratio * 10**digits
        if abs(scaled - round(scaled)) < 1e-6 * max(1.0, abs(scaled)):
            return digits
    return most


def format_ticks(values: list[float], lang: str = "en", symbol: str = "") -> list[str]:
    """Axis tick labels in compact units, with enough decimals for the step between ticks.

    Ticks 0.75M, 1M, 1.25M read ``750K``, ``1.00M``, ``1.25M`` (not ``1.2M`` for
    1.25M); every tick of one unit gets the same decimals. ``symbol`` (e.g. ``¥``)
    goes before each non-zero label.

    Examples
    --------
    >>> format_ticks([0, 250_000, 500_000, 750_000, 1_000_000, 1_250_000])
    ['0', '250K', '500K', '750K', '1.00M', '1.25M']
    >>> format_ticks([0, 5_000, 10_000, 15_000], lang="zh")
    ['0', '5,000', '1.0万', '1.5万']
    """
    finite = sorted({float(v) for v in values if math.isfinite(float(v))})
    gaps = [b - a for a, b in itertools.pairwise(finite) if b - a > 0]
    step = min(gaps) if gaps else 0.0
    labels = []
    for v in values:
        v = float(v)
        if not math.isfinite(v):
            labels.append("")
            continue
        a = abs(v)
        _, size, unit = next(((s, z, u) for s, z, u in _units(lang) if a >= s), (0.0, 1.0, ""))
        digits = _step_digits(step, size) if step else 0
        body = f"{abs(v) / size:,.{digits}f}{unit}"
        sign = "-" if v < 0 else ""
        labels.append(f"{sign}{symbol}{body}" if v != 0 else "0")
    return labels


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


def kpi_change(value: float | None, ref: float | None, unit: str) -> float | None:
    """A KPI's change from ``ref``: points for rates (x100) and scores, relative change for counts and money.

    None when either value is unknown (or not finite), or for a relative change from 0.
    :func:`format_change` writes it.
    """
    value, ref = as_finite(value), as_finite(ref)
    if value is None or ref is None:
        return None
    if unit == "rate":
        return (value - ref) * 100
    if unit == "score":
        return value - ref
    return None if ref == 0 else value / ref - 1


def format_change(change: float | None, unit: str, lang: str) -> str:
    """``▲ 2.1 pts`` / ``▼ 3.4%`` (points for rates and scores); ``–`` when unknown."""
    change = as_finite(change)
    if change is None:
        return "–"
    arrow = "▲" if change > 0 else ("▼" if change < 0 else "■")
    if unit in ("rate", "score"):
        return f"{arrow} {abs(change):.1f} {i18n.t('overview.points', lang)}"
    return f"{arrow} {abs(change) * 100:.1f}%"
