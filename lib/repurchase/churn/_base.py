"""What every part of the churn analysis shares: day arithmetic, the observation end, tables with a status.

Private to :mod:`repurchase.churn`; the public names are re-exported by its ``__init__``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from repurchase.core.errors import AnalysisError
from repurchase.core.occasions import purchase_occasions, require_columns
from repurchase.core.periods import Window
from repurchase.core.status import Unavailable

__all__ = ["MODELS", "UNAVAILABLE_CODES", "AsOf", "ChurnTable"]

#: ``as_of(cutoff)``: the cleaned transactions as they were known at a cutoff, i.e.
#: cleaned with ``period_end_exclusive = cutoff`` (``ReportContext.transactions_as_of``).
AsOf = Callable[[pd.Timestamp], pd.DataFrame]

#: The scores compared in the backtest (named by :func:`repurchase.churn.model_label`).
MODELS: tuple[str, ...] = ("gradient_boosting", "logistic", "recency", "bgnbd")

#: The reasons a part of the churn report is not available: the catalog entries
#: ``churn.unavailable.<code>`` (what, why, what to do).
UNAVAILABLE_CODES: tuple[str, ...] = (
    "no_skill",
    "threshold_no_purchases",
    "threshold_not_estimable",
    "bgnbd_not_fitted",
    "check_no_history",
    "no_complete_month",
    "breakdown_no_complete_month",
    "breakdown_too_few",
    "history_too_short",
    "too_few_churners",
)

NEVER = np.iinfo(np.int64).max // 4  # "no next occasion"


@dataclass(frozen=True)
class ChurnTable:
    """A table of the churn analysis and, when the data cannot support it yet, why.

    Attributes
    ----------
    table
        The data (possibly empty).
    unavailable
        None, or what could not be computed, why, and what the user can do
        (the report shows its sentence instead of the table or the chart).
    """

    table: pd.DataFrame
    unavailable: Unavailable | None = None


def why(code: str, **values: Any) -> Unavailable:
    """The :class:`~repurchase.core.status.Unavailable` ``churn.unavailable.<code>``."""
    if code not in UNAVAILABLE_CODES:
        raise ValueError(f"unknown churn reason {code!r}; add it to UNAVAILABLE_CODES and the catalog")
    return Unavailable(f"churn.unavailable.{code}", values)


def end_of(window: Window) -> pd.Timestamp:
    """The exclusive end of the observation: rows dated before it are observed.

    Every churn function reads the whole history before ``window.end_exclusive``
    (the start of a report :class:`~repurchase.core.periods.Period` does not cut
    the data).
    """
    if not isinstance(window, Window):
        raise AnalysisError(
            f"pass the observation as a Window (the report Period, or Window.ending(cutoff)), got {window!r}"
        )
    return window.end_exclusive


def day_numbers(values: Any) -> np.ndarray:
    """Dates as int64 days since 1970-01-01."""
    arr = np.asarray(pd.to_datetime(values), dtype="datetime64[ns]")
    return arr.astype("datetime64[D]").astype(np.int64)


def day_number(value: Any) -> int:
    return int(np.datetime64(pd.Timestamp(value).normalize().to_datetime64(), "D").astype(np.int64))


def month_of_day(days: np.ndarray) -> np.ndarray:
    """Months since 1970-01 of int64 days."""
    return np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def month_start_day(months: np.ndarray) -> np.ndarray:
    return np.asarray(months, dtype=np.int64).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def ts_of_month(months: np.ndarray) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(np.asarray(months, dtype=np.int64).astype("datetime64[M]").astype("datetime64[ns]"))


def safe_div(num: Any, den: Any) -> np.ndarray:
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    return np.divide(num, den, out=np.full(np.broadcast(num, den).shape, np.nan), where=den != 0)


def before(tx: pd.DataFrame, end: pd.Timestamp, date_col: str) -> pd.DataFrame:
    return tx.loc[tx[date_col] < end]


def known_at(
    tx: pd.DataFrame, end: pd.Timestamp, as_of: AsOf | None, cols: Sequence[str], date_col: str
) -> Callable[[pd.Timestamp], pd.DataFrame]:
    """``at(cutoff)``: the transactions as known at a cutoff, each cutoff fetched once.

    ``tx`` is the data as known at ``end``; without ``as_of`` every cutoff reads it.
    """
    known: dict[pd.Timestamp, pd.DataFrame] = {end: tx}

    def at(cutoff: pd.Timestamp) -> pd.DataFrame:
        if as_of is None:
            return tx
        if cutoff not in known:
            frame = as_of(cutoff)
            require_columns(frame, cols, f"as_of({cutoff.date()})")
            late = int((frame[date_col] >= cutoff).sum())
            if late:
                raise AnalysisError(
                    f"as_of({cutoff.date()}) returned {late:,} rows dated on or after the cutoff; it must return the "
                    "transactions cleaned with period_end_exclusive = cutoff (ReportContext.transactions_as_of)"
                )
            known[cutoff] = frame
        return known[cutoff]

    return at


def occasions_before(
    tx: pd.DataFrame,
    end: pd.Timestamp,
    occasion: str,
    customer_col: str,
    order_col: str,
    date_col: str,
    amount_col: str,
) -> pd.DataFrame:
    """The purchase occasions (:func:`repurchase.core.occasions.purchase_occasions`) dated before ``end``."""
    rows = before(tx, end, date_col)
    if rows.empty:
        raise AnalysisError(f"no purchases before {end.date()}; check the period and the cleaning report")
    return purchase_occasions(
        rows, occasion, customer_col=customer_col, order_col=order_col, date_col=date_col, amount_col=amount_col
    )


_TEXT_COLUMNS = ("model", "label", "curve", "feature", "description", "set", "customer_id", "group", "definition")


def empty_table(columns: Sequence[str], text: Sequence[str] = _TEXT_COLUMNS) -> pd.DataFrame:
    """An empty table with these columns: text columns as objects, the others as floats."""
    return pd.DataFrame({c: pd.Series(dtype=object if c in text else float) for c in columns})
