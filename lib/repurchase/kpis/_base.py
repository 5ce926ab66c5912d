"""Shared helpers of the repurchase analysis: the observation window and occasion blocks.

Every function of the analysis observes the purchase history up to the end of a
:class:`~repurchase.core.periods.Window` (the report
:class:`~repurchase.core.periods.Period`, or ``Window.ending(cutoff)``): occasions
before ``window.end_exclusive`` count, open gaps are censored at ``window.end``
(the last observed day), and history before the window's start counts too (a
buyer's first purchase may lie years before the report month).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from repurchase.core.errors import AnalysisError, InsufficientData
from repurchase.core.periods import Window

__all__ = ["before", "blocks", "days_observed", "month_index", "month_start", "observe", "resolve_window", "second_gap"]

#: tolerance of the Kaplan–Meier quantile comparisons
TOL = 1e-10


def resolve_window(window: Window | pd.Timestamp | None, dates: pd.Series) -> Window:
    """The observation window: ``window`` itself, or through the last day of ``dates`` when None.

    A bare timestamp is read as the exclusive end of the observation (a day boundary),
    as ``Window.ending(timestamp)``.

    Raises
    ------
    InsufficientData
        When ``window`` is None and there are no dates.
    """
    if isinstance(window, Window):
        return window
    if window is not None:
        return Window.ending(window)
    if len(dates) == 0:
        raise InsufficientData(
            "no purchases to analyse: the cleaned transactions are empty; check the period and the cleaning report"
        )
    return Window.ending(pd.Timestamp(dates.max()).normalize() + pd.Timedelta(days=1))


def observe(occ: pd.DataFrame, window: Window | pd.Timestamp | None) -> tuple[pd.DataFrame, Window]:
    """The occasions before the end of ``window`` (exclusive), with the resolved window."""
    win = resolve_window(window, occ["occasion_date"])
    if len(occ) and occ["occasion_time"].max() >= win.end_exclusive:
        occ = occ[occ["occasion_time"] < win.end_exclusive]
    return occ, win


def before(tx: pd.DataFrame, window: Window, date_col: str = "order_date") -> pd.DataFrame:
    """Transaction lines before the end of ``window`` (exclusive)."""
    return tx[tx[date_col] < window.end_exclusive]


def month_index(dates: Any) -> np.ndarray:
    """Months since year 0 (year * 12 + month - 1) as int64."""
    d = pd.DatetimeIndex(dates)
    return np.asarray(d.year.to_numpy(dtype="int64") * 12 + d.month.to_numpy(dtype="int64") - 1)


def month_start(index: np.ndarray | Sequence[int]) -> pd.DatetimeIndex:
    """First days of the months of :func:`month_index` values."""
    idx = np.asarray(index, dtype="int64")
    return pd.DatetimeIndex(pd.to_datetime({"year": idx // 12, "month": idx % 12 + 1, "day": np.ones_like(idx)}))


def last_month_index(window: Window) -> int:
    """:func:`month_index` of the window's last day."""
    return int(month_index(pd.Series([window.end]))[0])


def blocks(occ: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Customer codes (0, 1, … by block) and occasion numbers of ``purchase_occasions`` rows."""
    no = occ["occasion_no"].to_numpy()
    if len(no) and (no[0] != 1 or not ((no[1:] == 1) | (no[1:] == no[:-1] + 1)).all()):
        raise AnalysisError(
            "the occasions are not in the order purchase_occasions returns (each customer's occasions consecutive, "
            "from the first); rebuild them with purchase_occasions and filter them only by time"
        )
    return np.cumsum(no == 1) - 1, no


def second_gap(occ: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of first occasions and the days to each customer's second occasion (NaN if none)."""
    _, no = blocks(occ)
    first = np.flatnonzero(no == 1)
    nxt = first + 1
    has = nxt < len(no)
    has[has] = no[nxt[has]] == 2
    gaps = np.full(len(first), np.nan)
    dsp = occ["days_since_prev"].to_numpy()
    gaps[has] = dsp[nxt[has]]
    return first, gaps


def days_observed(first_day: np.ndarray, window: Window) -> np.ndarray:
    """Whole days from each first-occasion day to the window's last day."""
    last = np.datetime64(window.end, "ns")
    days = np.asarray(last - np.asarray(first_day, dtype="datetime64[ns]")).astype("timedelta64[D]")
    return days.astype("int64")
