"""Seaborn/matplotlib charts for the reports.

Every plot function takes ``ax=None`` (a new figure when omitted) and returns
the ``Axes``. Importing this package changes no global state; notebooks call
:func:`use_report_style` explicitly.
"""

from __future__ import annotations

from .cleaning import plot_amount_distribution, plot_daily_volume, plot_ledger, plot_outcomes
from .style import ACCENT, BAD, GOOD, NEUTRAL, get_ax, use_report_style

__all__ = [
    "ACCENT",
    "BAD",
    "GOOD",
    "NEUTRAL",
    "get_ax",
    "plot_amount_distribution",
    "plot_daily_volume",
    "plot_ledger",
    "plot_outcomes",
    "use_report_style",
]
