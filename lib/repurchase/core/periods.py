"""Report periods: calendar months, resolved from ``YYYY-MM`` or ``latest``."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from repurchase.core.errors import DataError, PeriodError

_RANGE_RE = re.compile(r"^(\d{4}-\d{2})\.\.(\d{4}-\d{2})$")


@dataclass(frozen=True)
class Period:
    """A calendar month.

    Attributes
    ----------
    label
        ``YYYY-MM``.
    start
        First day of the month, 00:00.
    end_exclusive
        First day of the next month, 00:00: rows with ``order_date < end_exclusive``
        belong to the month or earlier (a purchase at 23:59 on the last day counts).
    """

    label: str
    start: pd.Timestamp
    end_exclusive: pd.Timestamp

    @property
    def end(self) -> pd.Timestamp:
        """The last day of the month (a date, 00:00)."""
        return self.end_exclusive - pd.Timedelta(days=1)

    @classmethod
    def from_label(cls, label: str) -> "Period":
        """Build a period from ``YYYY-MM``."""
        try:
            start = pd.Timestamp(f"{label}-01")
        except ValueError:
            raise PeriodError(f"period {label!r} is not a month; use YYYY-MM (e.g. 2026-10), YYYY-MM..YYYY-MM or latest") from None
        return cls(label=start.strftime("%Y-%m"), start=start, end_exclusive=start + pd.offsets.MonthBegin(1))

    def shift(self, months: int) -> "Period":
        """The period ``months`` months later (negative: earlier)."""
        return Period.from_label((self.start + pd.DateOffset(months=months)).strftime("%Y-%m"))

    @property
    def previous(self) -> "Period":
        return self.shift(-1)

    @property
    def year_ago(self) -> "Period":
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
