"""Report windows: a :class:`Window` of days and the calendar-month :class:`Period`.

One convention everywhere: a window starts at 00:00 of its first day and ends
*exclusively* at 00:00 of ``end_exclusive``; :attr:`Window.end` is its last day.
Analyses take a ``Window`` (or its subclass ``Period``) rather than bare end
timestamps, and read whichever of the two ends they need: the last observed day
for the lifetime-value summary's T, the exclusive end for "rows before the
cutoff".
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from repurchase.core.errors import DataError, PeriodError

__all__ = ["Period", "Window", "expand_periods", "latest_complete_month"]

_RANGE_RE = re.compile(r"^(\d{4}-\d{2})\.\.(\d{4}-\d{2})$")


def _day(value: Any) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts


@dataclass(frozen=True)
class Window:
    """Days from ``start`` (inclusive) to ``end_exclusive`` (exclusive).

    Attributes
    ----------
    start
        First day, 00:00; None for "from the beginning of the data".
    end_exclusive
        The day after the last one, 00:00: rows with ``order_date < end_exclusive``
        belong to the window (a purchase at 23:59 on the last day counts).
    """

    start: pd.Timestamp | None
    end_exclusive: pd.Timestamp

    @property
    def end(self) -> pd.Timestamp:
        """The last day of the window (a date, 00:00)."""
        return self.end_exclusive - pd.Timedelta(days=1)

    @classmethod
    def ending(cls, end_exclusive: Any, start: Any = None) -> Window:
        """The window that ends (exclusively) at ``end_exclusive``, e.g. a backtest cutoff."""
        end = _day(end_exclusive)
        if end != end.normalize():
            raise PeriodError(f"a window ends at a day boundary (00:00), got {end}; pass e.g. 2026-08-02")
        return cls(start=None if start is None else _day(start).normalize(), end_exclusive=end)

    @classmethod
    def through(cls, last_day: Any, start: Any = None) -> Window:
        """The window whose last day is ``last_day`` (inclusive)."""
        return cls.ending(_day(last_day).normalize() + pd.Timedelta(days=1), start)

    @property
    def days(self) -> int | None:
        """Number of days (None without a start)."""
        return None if self.start is None else int((self.end_exclusive - self.start).days)

    def until(self, cutoff: Any) -> Window:
        """The same window cut at ``cutoff`` (exclusive), for backtests inside it."""
        return Window.ending(min(_day(cutoff), self.end_exclusive), self.start)

    def contains(self, dates: pd.Series | pd.DatetimeIndex | np.ndarray) -> np.ndarray:
        """Boolean mask of the dates inside the window."""
        values = (
            pd.DatetimeIndex(dates).tz_localize(None)
            if getattr(dates, "tz", None) is not None
            else pd.DatetimeIndex(dates)
        )
        mask = values < self.end_exclusive
        if self.start is not None:
            mask &= values >= self.start
        return np.asarray(mask)


@dataclass(frozen=True)
class Period(Window):
    """A calendar month: the report window.

    Attributes
    ----------
    label
        ``YYYY-MM``.
    start
        First day of the month, 00:00.
    end_exclusive
        First day of the next month, 00:00.
    """

    start: pd.Timestamp
    label: str = ""

    @classmethod
    def from_label(cls, label: str) -> Period:
        """Build a period from ``YYYY-MM``."""
        try:
            start = pd.Timestamp(f"{label}-01")
        except ValueError:
            raise PeriodError(
                f"period {label!r} is not a month; use YYYY-MM (e.g. 2026-10), YYYY-MM..YYYY-MM or latest"
            ) from None
        return cls(label=start.strftime("%Y-%m"), start=start, end_exclusive=start + pd.offsets.MonthBegin(1))

    def shift(self, months: int) -> Period:
        """The period ``months`` months later (negative: earlier)."""
        return Period.from_label((self.start + pd.DateOffset(months=months)).strftime("%Y-%m"))

    @property
    def previous(self) -> Period:
        return self.shift(-1)

    @property
    def year_ago(self) -> Period:
        return self.shift(-12)


def latest_complete_month(last_date: pd.Timestamp, exported_at: dt.date | None = None) -> Period:
    """The last calendar month fully covered by the data.

    With an export date, that is the last month ending on or before it. Without,
    the month of the last transaction counts as complete only when that
    transaction falls on the month's last day; otherwise the month before.
    """
    if pd.isna(last_date):
        raise DataError("no usable transaction dates: cannot resolve period 'latest'; set period: YYYY-MM")
    ref = pd.Timestamp(exported_at if exported_at is not None else last_date).normalize()
    month = Period.from_label(ref.strftime("%Y-%m"))
    if ref.normalize() == month.end:
        return month
    return month.previous


def expand_periods(spec: str) -> list[str]:
    """Expand ``latest``, ``YYYY-MM`` or a range ``YYYY-MM..YYYY-MM`` into month labels."""
    m = _RANGE_RE.match(spec)
    if not m:
        return [spec]
    first, last = Period.from_label(m.group(1)), Period.from_label(m.group(2))
    if last.start < first.start:
        raise PeriodError(f"period range {spec!r} ends before it starts; write FIRST..LAST, e.g. 2026-05..2026-10")
    labels, p = [], first
    while p.start <= last.start:
        labels.append(p.label)
        p = p.shift(1)
    return labels
