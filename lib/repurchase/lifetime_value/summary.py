"""Transactions → the customer summary (frequency, recency, T, monetary value), and the calibration/holdout split.

A purchase occasion is what ``repurchase.occasion`` says (:mod:`repurchase.core.occasions`):
a distinct customer-day by default (lifetimes' convention), or one order. The
summary is computed with numpy from :func:`repurchase.core.occasions.occasion_arrays`
(no ``lifetimes.utils.summary_data_from_transaction_data``, which is slow on
large data) and equals lifetimes' for customer-days (tested).

Windows follow :mod:`repurchase.core.periods`: a summary of the :class:`Window`
``w`` counts the occasions from ``w.start`` to ``w.end`` (the last day, inclusive)
and measures T to ``w.end``, as lifetimes does with an inclusive
``observation_period_end``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from repurchase.core.errors import AnalysisError, InsufficientData
from repurchase.core.occasions import OccasionArrays, money_units, occasion_arrays, require_columns
from repurchase.core.periods import Window
from repurchase.lifetime_value._common import (
    HOLDOUT_MAX_SHARE,
    HOLDOUT_SHORT_SHARE,
    MIN_HOLDOUT_DAYS,
    HistoryTooShort,
    TimeUnit,
    unit_days,
)

__all__ = ["HoldoutSplit", "calibration_holdout_summary", "customer_summary", "empty_summary", "holdout_split"]


def to_day(value: Any) -> int:
    """A date-like value as days since 1970-01-01."""
    ts = pd.Timestamp(value)
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return int(np.datetime64(ts.normalize().to_datetime64(), "D").astype(np.int64))


def day_to_timestamp(day: np.ndarray | int) -> Any:
    """Days since 1970-01-01 as datetime64[ns]."""
    return np.asarray(day, dtype=np.int64).astype("datetime64[D]").astype("datetime64[ns]")


def _day_to_ts(day: int) -> pd.Timestamp:
    return pd.Timestamp(np.datetime64(int(day), "D"))


def occasions(
    transactions: pd.DataFrame,
    occasion: str = "customer_day",
    *,
    start: Any = None,
    end_exclusive: Any = None,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    order_col: str = "order_id",
    amount_col: str | None = "amount",
) -> OccasionArrays:
    """The purchase occasions of ``transactions`` dated from ``start`` to before ``end_exclusive``.

    Occasions are formed on all rows (an order is dated by its first line) and
    then kept by their day, so customer codes follow the first appearance in
    ``transactions`` whatever the window.
    """
    require_columns(transactions, [customer_col, date_col] + ([amount_col] if amount_col else []), "the summary")
    tx = transactions
    dates = tx[date_col]
    if not pd.api.types.is_datetime64_any_dtype(dates):
        raise AnalysisError(
            f"column {date_col!r} holds {dates.dtype}, not dates; parse it first "
            "(the cleaning step does), e.g. pd.to_datetime(df[date_col])."
        )
    if dates.isna().any():
        raise AnalysisError(
            f"{int(dates.isna().sum())} transactions have no {date_col}; drop them before the lifetime-value "
            "analysis (the cleaning step quarantines them)."
        )
    if getattr(dates.dt, "tz", None) is not None:
        tx = tx.assign(**{date_col: dates.dt.tz_localize(None)})
    if amount_col is not None:
        amount = tx[amount_col]
        if not pd.api.types.is_numeric_dtype(amount) or pd.api.types.is_bool_dtype(amount):
            tx = tx.assign(**{amount_col: pd.to_numeric(amount, errors="coerce").astype(float)})
        bad = int(tx[amount_col].isna().sum())
        if bad:
            raise AnalysisError(f"{bad} transactions have no numeric {amount_col}; clean them first.")
    occ = occasion_arrays(
        tx, occasion, customer_col=customer_col, order_col=order_col, date_col=date_col, amount_col=amount_col
    )
    mask = np.ones(len(occ.day), dtype=bool)
    if start is not None:
        mask &= occ.day >= to_day(start)
    if end_exclusive is not None:
        mask &= occ.day < to_day(end_exclusive)
    if mask.all():
        return occ
    return OccasionArrays(occ.ids, occ.customer[mask], occ.day[mask], occ.amount[mask])


@dataclass(frozen=True)
class PerCustomer:
    """Per-customer aggregates of occasions: code, first and last day, count, repeat and total value."""

    codes: np.ndarray
    first: np.ndarray
    last: np.ndarray
    count: np.ndarray
    repeat_sum: np.ndarray
    total: np.ndarray


def per_customer(occ: OccasionArrays, mask: np.ndarray | None = None) -> PerCustomer:
    """Aggregate occasions (sorted by customer, then day) per customer."""
    cust, day, amount = occ.customer, occ.day, occ.amount
    if mask is not None:
        cust, day, amount = cust[mask], day[mask], amount[mask]
    if len(cust) == 0:
        e = np.empty(0, np.int64)
        return PerCustomer(e, e, e, e, np.empty(0), np.empty(0))
    starts = np.r_[0, np.flatnonzero(np.diff(cust)) + 1]
    count = np.diff(np.r_[starts, len(cust)])
    units, scale = money_units(amount)  # exact sums, equal on every engine (repurchase.warehouse)
    repeat = units.copy()
    repeat[starts] = 0
    return PerCustomer(
        codes=cust[starts],
        first=day[starts],
        last=day[starts + count - 1],
        count=count,
        repeat_sum=np.add.reduceat(repeat, starts) / scale,
        total=np.add.reduceat(units, starts) / scale,
    )


def customer_summary(
    transactions: pd.DataFrame,
    window: Window | None = None,
    *,
    occasion: str = "customer_day",
    time_unit: TimeUnit = "W",
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    order_col: str = "order_id",
    amount_col: str | None = "amount",
) -> pd.DataFrame:
    """Frequency, recency, T and monetary value per customer.

    Parameters
    ----------
    transactions
        Cleaned transactions, one row per order line.
    window
        The observed days: occasions from ``window.start`` (None: from the
        beginning) to ``window.end``, the last day (inclusive); T is measured to
        ``window.end``. Default: all rows, T to the last transaction day. For the
        report, ``Window.ending(period.end_exclusive, start=calibration_start)``.
    occasion
        ``customer_day`` (default: all lines of a customer on one day are one
        occasion, their amounts added) or ``order`` (each order is one
        occasion); ``repurchase.occasion`` in params.
    time_unit
        ``W`` weeks (days / 7, not floored), ``D`` days or ``M`` months (days / 30.4375).
    customer_col, date_col, order_col, amount_col
        Column names. ``amount_col=None`` gives ``monetary_value`` 0.

    Returns
    -------
    pandas.DataFrame
        One row per customer with a purchase in the window, in order of first
        appearance in ``transactions``: ``customer_id`` (named ``customer_col``),
        ``frequency`` (repeat occasions), ``recency``, ``T``, ``monetary_value``
        (mean of the repeat occasions, 0 for one-time buyers), ``total_value``
        (all occasions), ``first_purchase`` and ``last_purchase`` (dates).
        ``attrs["time_unit"]`` and ``attrs["observation_end"]`` (the day T is
        measured to) record the setting.

    Raises
    ------
    InsufficientData
        When no occasion falls in the window.

    Notes
    -----
    With customer-days this equals
    ``lifetimes.utils.summary_data_from_transaction_data(freq='D')`` with
    recency and T divided by 7 (tested), computed with numpy sorts instead of
    pandas period arithmetic.
    """
    unit = unit_days(time_unit)
    start, end = (None, None) if window is None else (window.start, window.end_exclusive)
    occ = occasions(
        transactions, occasion, start=start, end_exclusive=end, customer_col=customer_col, date_col=date_col,
        order_col=order_col, amount_col=amount_col,
    )  # fmt: skip
    if len(occ.day) == 0:
        span = (
            ""
            if window is None
            else f" {window.start.date() if window.start is not None else '…'} .. {window.end.date()}"
        )
        raise InsufficientData(
            f"no transactions fall in the summary window{span}; check the calibration dates in the params file "
            "(lifetime_value section)."
        )
    end_day = to_day(window.end) if window is not None else int(occ.day.max())
    return _summary_frame(occ.ids, per_customer(occ), end_day, unit, time_unit, customer_col)


def _summary_frame(
    ids: pd.Index, pc: PerCustomer, end_day: int, unit: float, time_unit: str, customer_col: str, suffix: str = ""
) -> pd.DataFrame:
    frequency = (pc.count - 1).astype(float)
    monetary = np.divide(pc.repeat_sum, frequency, out=np.zeros(len(frequency)), where=frequency > 0)
    frame = pd.DataFrame(
        {
            customer_col: ids.take(pc.codes),
            f"frequency{suffix}": frequency,
            f"recency{suffix}": (pc.last - pc.first) / unit,
            f"T{suffix}": (end_day - pc.first) / unit,
            f"monetary_value{suffix}": monetary,
            f"total_value{suffix}": pc.total,
            "first_purchase": day_to_timestamp(pc.first),
            "last_purchase": day_to_timestamp(pc.last),
        }
    )
    frame.attrs["time_unit"] = time_unit
    frame.attrs["observation_end"] = _day_to_ts(end_day)
    return frame


def empty_summary(customer_col: str = "customer_id", time_unit: str = "W", observation_end: Any = None) -> pd.DataFrame:
    """A customer summary without customers (same columns and attrs as :func:`customer_summary`)."""
    frame = pd.DataFrame(
        {
            customer_col: pd.Series(dtype=object),
            **{c: pd.Series(dtype=float) for c in ("frequency", "recency", "T", "monetary_value", "total_value")},
            "first_purchase": pd.Series(dtype="datetime64[ns]"),
            "last_purchase": pd.Series(dtype="datetime64[ns]"),
        }
    )
    frame.attrs["time_unit"] = time_unit
    frame.attrs["observation_end"] = (
        None if observation_end is None or pd.isna(observation_end) else pd.Timestamp(observation_end)
    )
    return frame


def calibration_holdout_summary(
    transactions: pd.DataFrame,
    calibration: Window,
    holdout: Window | None = None,
    *,
    occasion: str = "customer_day",
    time_unit: TimeUnit = "W",
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    order_col: str = "order_id",
    amount_col: str | None = "amount",
) -> pd.DataFrame:
    """Calibration summary plus what each calibration customer did in the holdout.

    Parameters
    ----------
    transactions
        Cleaned transactions.
    calibration
        The calibration window (``start`` None: all history); T is measured to its last day.
    holdout
        The holdout window, starting the day after the calibration ends (its
        ``start`` may be None). Default: to the last transaction date.
    occasion, time_unit, customer_col, date_col, order_col, amount_col
        As in :func:`customer_summary`.

    Returns
    -------
    pandas.DataFrame
        One row per customer with a purchase in calibration: ``frequency_cal``,
        ``recency_cal``, ``T_cal``, ``monetary_value_cal``, ``total_value_cal``,
        ``first_purchase``, ``last_purchase`` (in calibration),
        ``frequency_holdout`` (occasions in the holdout), ``monetary_value_holdout``
        (mean holdout occasion value, 0 without one) and ``duration_holdout``.

    Notes
    -----
    ``frequency_holdout`` and ``duration_holdout`` equal
    ``lifetimes.utils.calibration_and_holdout_data(freq='D')`` (/ 7 for weeks).
    ``monetary_value_holdout`` is the mean per occasion, whereas lifetimes
    averages raw rows; they differ only for days with several rows.
    """
    unit = unit_days(time_unit)
    if holdout is not None and holdout.start is not None and holdout.start != calibration.end_exclusive:
        raise AnalysisError(
            f"the holdout starts {holdout.start.date()}, not the day after the calibration ends "
            f"({calibration.end.date()}); pass holdout=Window.through(holdout_end, start=calibration.end_exclusive)."
        )
    cal_day = to_day(calibration.end)
    occ = occasions(
        transactions, occasion, start=calibration.start, end_exclusive=None if holdout is None else holdout.end_exclusive,
        customer_col=customer_col, date_col=date_col, order_col=order_col, amount_col=amount_col,
    )  # fmt: skip
    if len(occ.day) == 0 or occ.day.min() > cal_day:
        raise AnalysisError(
            f"no transactions on or before calibration_end {calibration.end.date()}; "
            "set lifetime_value.calibration_end inside the data range."
        )
    end_day = to_day(holdout.end) if holdout is not None else int(occ.day.max())
    if end_day <= cal_day:
        raise AnalysisError(
            f"holdout_end {_day_to_ts(end_day).date()} is not after calibration_end "
            f"{calibration.end.date()}; set lifetime_value.holdout_end later or calibration_end earlier."
        )
    in_cal = occ.day <= cal_day
    pc = per_customer(occ, in_cal)
    frame = _summary_frame(occ.ids, pc, cal_day, unit, time_unit, customer_col, suffix="_cal")
    hold = ~in_cal
    n_ids = len(occ.ids)
    h_count = np.bincount(occ.customer[hold], minlength=n_ids)[pc.codes].astype(float)
    h_sum = np.bincount(occ.customer[hold], weights=occ.amount[hold], minlength=n_ids)[pc.codes]
    frame["frequency_holdout"] = h_count
    frame["monetary_value_holdout"] = np.divide(h_sum, h_count, out=np.zeros(len(h_count)), where=h_count > 0)
    frame["duration_holdout"] = (end_day - cal_day) / unit
    frame.attrs["calibration_end"] = _day_to_ts(cal_day)
    frame.attrs["holdout_end"] = _day_to_ts(end_day)
    return frame


# --------------------------------------------------------------------------- calibration / holdout split


@dataclass(frozen=True)
class HoldoutSplit:
    """Calibration and holdout periods (inclusive dates).

    Attributes
    ----------
    calibration_start
        First day of calibration, or None for all history.
    calibration_end, holdout_end
        Last days of calibration and holdout.
    default_weeks
        The default holdout length in weeks when the params set no
        ``calibration_end``; None when they did.
    requested_weeks
        ``holdout_weeks`` as set, when it was more than half of the history and
        the holdout was shortened to a third of it; None otherwise.
    history_weeks
        Weeks from the first purchase to the holdout end, when the holdout was shortened.
    """

    calibration_start: pd.Timestamp | None
    calibration_end: pd.Timestamp
    holdout_end: pd.Timestamp
    default_weeks: int | None = None
    requested_weeks: float | None = None
    history_weeks: float | None = None

    @property
    def holdout_weeks(self) -> float:
        return (self.holdout_end - self.calibration_end).days / 7

    @property
    def source(self) -> str:
        """Where the dates came from: ``params``, ``default`` or ``shortened`` (a too long default)."""
        if self.default_weeks is None:
            return "params"
        return "default" if self.requested_weeks is None else "shortened"

    @property
    def calibration(self) -> Window:
        """The calibration window (to ``calibration_end`` inclusive)."""
        return Window.through(self.calibration_end, start=self.calibration_start)

    @property
    def holdout(self) -> Window:
        """The holdout window (the day after ``calibration_end`` to ``holdout_end`` inclusive)."""
        return Window.through(self.holdout_end, start=self.calibration_end + pd.Timedelta(days=1))


def holdout_split(
    period: Window,
    *,
    calibration_start: Any = None,
    calibration_end: Any = None,
    holdout_end: Any = None,
    holdout_weeks: int = 26,
    history_start: Any = None,
) -> HoldoutSplit:
    """Resolve the calibration/holdout dates.

    Parameters
    ----------
    period
        The report period (or any window): the data are observed up to its last day, ``period.end``.
    calibration_start, calibration_end, holdout_end
        Explicit dates from params; each is optional.
    holdout_weeks
        Holdout length when ``calibration_end`` is not given: the holdout is the
        last ``holdout_weeks`` weeks before ``holdout_end``.
    history_start
        First purchase in the data (on or after ``calibration_start``). When
        given and ``holdout_weeks`` is more than half of the history (first
        purchase to ``holdout_end``), the holdout is shortened to a third of the
        history (whole days), recorded in ``requested_weeks``. Without it the
        holdout is never shortened.

    Returns
    -------
    HoldoutSplit

    Raises
    ------
    AnalysisError
        When the dates are out of order or the holdout runs past the period end;
        :class:`repurchase.core.errors.InsufficientData` when a third of the
        history is shorter than two weeks (too short for a holdout).
    """
    period_end = period.end
    h_end = period_end if holdout_end is None else pd.Timestamp(holdout_end).normalize()
    if h_end > period_end:
        raise AnalysisError(
            f"lifetime_value.holdout_end {h_end.date()} is after the period end {period_end.date()}: the holdout "
            "would not be fully observed. Set holdout_end on or before the period end, or report a later period."
        )
    c_start = None if calibration_start is None else pd.Timestamp(calibration_start).normalize()
    requested: float | None = None
    history_weeks: float | None = None
    default_weeks: int | None = None
    if calibration_end is None:
        c_end = h_end - pd.Timedelta(weeks=holdout_weeks)
        default_weeks = int(holdout_weeks)
        if history_start is not None:
            first = pd.Timestamp(history_start).normalize()
            first = first if c_start is None else max(first, c_start)
            history_days = (h_end - first).days
            if holdout_weeks * 7 > HOLDOUT_MAX_SHARE * history_days:
                days = int(history_days * HOLDOUT_SHORT_SHARE)
                if days < MIN_HOLDOUT_DAYS:
                    raise HistoryTooShort(
                        f"the history from {first.date()} to {h_end.date()} ({max(history_days, 0) / 7:.1f} weeks) is "
                        f"too short for a holdout of at least {MIN_HOLDOUT_DAYS} days; the models cannot be validated "
                        "until there is more history."
                    )
                c_end = h_end - pd.Timedelta(days=days)
                requested, history_weeks = float(holdout_weeks), history_days / 7
    else:
        c_end = pd.Timestamp(calibration_end).normalize()
    if c_end >= h_end:
        raise AnalysisError(
            f"calibration_end {c_end.date()} is not before holdout_end {h_end.date()}; "
            "set lifetime_value.calibration_end earlier (or holdout_weeks smaller)."
        )
    if c_start is not None and c_start >= c_end:
        raise AnalysisError(
            f"calibration_start {c_start.date()} is not before calibration_end {c_end.date()}; fix the dates "
            "in the lifetime_value section of the params file."
        )
    return HoldoutSplit(c_start, c_end, h_end, default_weeks, requested, history_weeks)
