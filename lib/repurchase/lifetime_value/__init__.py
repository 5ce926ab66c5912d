"""Customer lifetime value: BG/NBD, Pareto/NBD, MBG/NBD and Gamma-Gamma.

The models are fitted with :mod:`lifetimes`; everything around the fits is done
here, vectorized:

* :func:`customer_summary` / :func:`calibration_holdout_summary` build the
  (frequency, recency, T, monetary value) summary from cleaned transactions with
  numpy (no ``lifetimes.utils.summary_data_from_transaction_data``, which is slow
  on large data). A purchase occasion is a distinct customer-day; the amounts of
  one day are summed.
* :func:`fit_model` fits on the weighted distinct (frequency, recency, T) rows,
  which gives the same estimates as the full data. A convergence failure is
  retried once with a small penalizer and recorded in the :class:`FitResult`.
* :func:`compare_models` / :func:`select_model` validate on a holdout period.
* :func:`customer_lifetime_value` predicts purchases, P(alive), P(buy again) and
  CLV with parametric-bootstrap intervals.
* :func:`run_lifetime_value` runs it all and degrades gracefully on small or
  short data: a holdout longer than half the history is shortened, validation
  is skipped when it cannot be had, Gamma-Gamma without a finite mean spend is
  replaced by each customer's observed average spend, and without a purchase
  model there is no CLV. Each step not run as set is a :class:`Notice` (what,
  why, what to do) that the report states at the top, and the result's methods
  return the tables, sentences or empty frames the notebook shows, so its cells
  need no branches (:func:`show` displays a table, a sentence or nothing).

Definitions (stated in the report as well)
------------------------------------------
frequency
    repeat purchase occasions (occasions − 1).
recency
    time from the first to the last occasion.
T
    time from the first occasion to the end of observation.
monetary_value
    mean value of the repeat occasions (0 for one-time buyers).
time unit
    ``W`` (default) weeks = days / 7, not floored; ``D`` days; ``M`` months =
    days / 30.4375.

Model formulas are implemented here in vectorized numpy (they broadcast over
bootstrap draws) and are tested against the lifetimes methods at the estimates.

Report language: functions and methods that produce text a report shows take
``lang`` (``en`` or ``zh``) and read it from the ``lifetime_value`` catalog
(``resources/i18n/<lang>/lifetime_value.yaml``); :func:`display_table` gives a
table its ``col.ltv_*`` headers and words in the report language. Codes, numbers,
metrics and exports stay the same in every language.

Importing this module does not import lifetimes (which changes a pandas option
and warning filters when imported); it is imported lazily, and every call into it
restores the global state afterwards.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special, stats

from repurchase.core import formatting, i18n
from repurchase.core.errors import AnalysisError
from repurchase.core.stage import Stage

__all__ = [
    "EXPORT_COLUMNS",
    "MODEL_LABELS",
    "TRANSACTION_MODELS",
    "UNIT_DAYS",
    "ClvResult",
    "DiscountRate",
    "FitResult",
    "HoldoutSplit",
    "InsufficientData",
    "LifetimeValueResult",
    "ModelChoice",
    "ModelFits",
    "Notice",
    "SpendCheck",
    "cac_report",
    "calibration_holdout_summary",
    "clv_by_group",
    "clv_export",
    "clv_to_cac",
    "compare_models",
    "conditional_expected_purchases",
    "customer_groups",
    "customer_lifetime_value",
    "customer_summary",
    "describe_concentration",
    "describe_holdout_by_frequency",
    "describe_period_transactions",
    "describe_spend",
    "describe_tracking",
    "display_table",
    "expected_purchases",
    "fit_model",
    "fit_spend",
    "fit_transaction_models",
    "group_report",
    "heuristic_clv",
    "holdout_by_frequency",
    "holdout_split",
    "lifetime_value_metrics",
    "model_label",
    "monthly_discount_rate",
    "p_alive_matrix",
    "period_transactions",
    "probability_alive",
    "probability_buy_again",
    "run_lifetime_value",
    "select_model",
    "show",
    "simulate_transactions",
    "spend_distribution",
    "spend_independence",
    "summary_overview",
    "top_customers",
    "tracking_data",
    "value_concentration",
]

TimeUnit = Literal["D", "W", "M"]
ModelName = Literal["bgnbd", "pareto_nbd", "mbgnbd"]

#: days per time unit
UNIT_DAYS: dict[str, float] = {"D": 1.0, "W": 7.0, "M": 30.4375}
DAYS_PER_MONTH = 365.25 / 12  # 30.4375
TRANSACTION_MODELS: tuple[str, ...] = ("bgnbd", "pareto_nbd", "mbgnbd")
PARAM_NAMES: dict[str, tuple[str, ...]] = {
    "bgnbd": ("r", "alpha", "a", "b"),
    "mbgnbd": ("r", "alpha", "a", "b"),
    "pareto_nbd": ("r", "alpha", "s", "beta"),
    "gamma_gamma": ("p", "q", "v"),
}
MODEL_LABELS: dict[str, str] = {
    "bgnbd": "BG/NBD",
    "pareto_nbd": "Pareto/NBD",
    "mbgnbd": "MBG/NBD",
    "gamma_gamma": "Gamma-Gamma",
    "run_rate": "run-rate baseline",
    "recency_only": "recency-only baseline",
}
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(64)
#: repeat customers a model needs: a purchase model, and Gamma-Gamma (repeat customers with a positive spend)
MIN_REPEAT_CUSTOMERS = 10
#: the holdout may take at most this share of the history (first purchase to holdout end) ...
HOLDOUT_MAX_SHARE = 0.5
#: ... a longer one is shortened to this share of it (whole days)
HOLDOUT_SHORT_SHARE = 1 / 3
#: a holdout shorter than this is no test: the models are then not validated
MIN_HOLDOUT_DAYS = 14
#: Nelder-Mead evaluations per Pareto/NBD optimisation; CDNOW and the demo clients need under 800, degenerate
#: data can take 100,000 (minutes) without converging
_PARETO_MAXFEV = 3000


def model_label(model: str, lang: str = "en") -> str:
    """A model's name in the report language (``bgnbd`` -> BG/NBD, ``run_rate`` -> run-rate baseline / 历史速率基准)."""
    key = f"lifetime_value.model.{model}"
    return i18n.t(key, lang) if model in MODEL_LABELS else str(model)


def _sep(lang: str) -> str:
    """What joins two sentences: a space in English, nothing in Chinese."""
    return i18n.t("lifetime_value.sentence_sep", lang)


def _money(value: float, currency: str, lang: str) -> str:
    """An amount in a sentence: ¥1.2万 / ¥12.3K with a currency, else a compact number."""
    if value is None or not np.isfinite(value):
        return "–"
    return formatting.format_money(value, currency, lang) if currency else formatting.format_number(value, lang)


class InsufficientData(AnalysisError):
    """The data cannot support the step (too short, too few customers or repeat buyers): not a convergence problem.

    :func:`run_lifetime_value` catches it and says in the report what was skipped and why.
    """


class _HistoryTooShort(InsufficientData):
    """The history is too short for a holdout."""


class _SpendUndefined(AnalysisError):
    """Gamma-Gamma has no finite mean spend (q ≤ 1), or most bootstrap draws have none."""

    def __init__(self, message: str, valid: int | None = None, draws: int | None = None):
        super().__init__(message)
        self.valid, self.draws = valid, draws


# --------------------------------------------------------------------------- lifetimes, isolated


@contextlib.contextmanager
def _isolated() -> Iterator[None]:
    """Run lifetimes code without letting it change global state.

    lifetimes sets ``pd.options.mode.chained_assignment`` when imported and calls
    ``warnings.simplefilter`` inside its fitters; both are restored on exit.
    """
    try:
        saved = pd.get_option("mode.chained_assignment")
    except (KeyError, pd.errors.OptionError):  # pragma: no cover - pandas without the option
        saved = None
    with warnings.catch_warnings():
        try:
            yield
        finally:
            if saved is not None:
                pd.set_option("mode.chained_assignment", saved)


def _lifetimes() -> Any:
    """Import lifetimes lazily, restoring the global state it changes."""
    with _isolated():
        import lifetimes
        import lifetimes.utils
    return lifetimes


# --------------------------------------------------------------------------- transactions → summary


def _require_columns(frame: pd.DataFrame, columns: Mapping[str, str | None], what: str = "transactions") -> None:
    missing = [f"{arg}={name!r}" for arg, name in columns.items() if name is not None and name not in frame.columns]
    if missing:
        raise AnalysisError(
            f"the {what} lack the column(s) {', '.join(missing)}; found {', '.join(map(str, frame.columns))}. "
            "Pass the right column names (e.g. customer_col='buyer')."
        )


def _to_day(value: Any) -> int:
    """A date-like value as days since 1970-01-01."""
    ts = pd.Timestamp(value)
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return int(np.datetime64(ts.normalize().to_datetime64(), "D").astype(np.int64))


def _day_to_timestamp(day: np.ndarray | int) -> Any:
    return np.asarray(day, dtype=np.int64).astype("datetime64[D]").astype("datetime64[ns]")


def _day_to_ts(day: int) -> pd.Timestamp:
    return pd.Timestamp(np.datetime64(int(day), "D"))


@dataclass(frozen=True)
class _Occasions:
    """Purchase occasions (distinct customer-days) sorted by customer, then day."""

    ids: pd.Index  # customer ids, by code
    customer: np.ndarray  # code of each occasion
    day: np.ndarray  # days since epoch
    amount: np.ndarray  # summed amount of the day


def _occasions(
    transactions: pd.DataFrame,
    customer_col: str,
    date_col: str,
    amount_col: str | None,
    start: Any = None,
    end: Any = None,
) -> _Occasions:
    _require_columns(transactions, {"customer_col": customer_col, "date_col": date_col, "amount_col": amount_col})
    dates = transactions[date_col]
    if not pd.api.types.is_datetime64_any_dtype(dates):
        raise AnalysisError(
            f"column {date_col!r} holds {dates.dtype}, not dates; parse it first "
            "(the cleaning step does), e.g. pd.to_datetime(df[date_col])."
        )
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)
    if dates.isna().any():
        raise AnalysisError(
            f"{int(dates.isna().sum())} transactions have no {date_col}; drop them before the lifetime-value "
            "analysis (the cleaning step quarantines them)."
        )
    ids_col = transactions[customer_col]
    if ids_col.isna().any():
        raise AnalysisError(
            f"{int(ids_col.isna().sum())} transactions have no {customer_col}; drop or fill them first."
        )
    day = dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)
    if isinstance(ids_col.dtype, pd.CategoricalDtype):
        codes = ids_col.cat.codes.to_numpy().astype(np.int64)
        ids = pd.Index(ids_col.cat.categories)
    else:
        codes, ids = pd.factorize(ids_col)
        codes = codes.astype(np.int64)
        ids = pd.Index(ids)
    if amount_col is None:
        amount = np.zeros(len(day))
    else:
        amount = pd.to_numeric(transactions[amount_col], errors="coerce").to_numpy(dtype=float)
        if np.isnan(amount).any():
            raise AnalysisError(
                f"{int(np.isnan(amount).sum())} transactions have no numeric {amount_col}; clean them first."
            )
    mask = np.ones(len(day), dtype=bool)
    if start is not None:
        mask &= day >= _to_day(start)
    if end is not None:
        mask &= day <= _to_day(end)
    if not mask.all():
        codes, day, amount = codes[mask], day[mask], amount[mask]
    if len(day) == 0:
        return _Occasions(ids, np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0))
    d0 = int(day.min())
    span = int(day.max()) - d0 + 1
    key = codes * span + (day - d0)
    unique_key, inverse = np.unique(key, return_inverse=True)
    occ_amount = np.bincount(inverse.ravel(), weights=amount, minlength=len(unique_key))
    return _Occasions(ids, unique_key // span, unique_key % span + d0, occ_amount)


@dataclass(frozen=True)
class _PerCustomer:
    codes: np.ndarray
    first: np.ndarray
    last: np.ndarray
    count: np.ndarray
    repeat_sum: np.ndarray
    total: np.ndarray


def _per_customer(occ: _Occasions, mask: np.ndarray | None = None) -> _PerCustomer:
    cust, day, amount = occ.customer, occ.day, occ.amount
    if mask is not None:
        cust, day, amount = cust[mask], day[mask], amount[mask]
    if len(cust) == 0:
        e = np.empty(0, np.int64)
        return _PerCustomer(e, e, e, e, np.empty(0), np.empty(0))
    starts = np.r_[0, np.flatnonzero(np.diff(cust)) + 1]
    count = np.diff(np.r_[starts, len(cust)])
    repeat = amount.copy()
    repeat[starts] = 0.0
    return _PerCustomer(
        codes=cust[starts],
        first=day[starts],
        last=day[starts + count - 1],
        count=count,
        repeat_sum=np.add.reduceat(repeat, starts),
        total=np.add.reduceat(amount, starts),
    )


def _unit_days(time_unit: str) -> float:
    if time_unit not in UNIT_DAYS:
        raise AnalysisError(f"time_unit {time_unit!r} is not one of {', '.join(UNIT_DAYS)}; use W (weeks), D or M.")
    return UNIT_DAYS[time_unit]


def customer_summary(
    transactions: pd.DataFrame,
    *,
    observation_end: Any = None,
    start: Any = None,
    time_unit: TimeUnit = "W",
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    amount_col: str | None = "amount",
) -> pd.DataFrame:
    """Frequency, recency, T and monetary value per customer.

    Parameters
    ----------
    transactions
        Cleaned transactions, one row per order line.
    observation_end
        Last day observed (inclusive); rows after it are ignored. Default: the last
        transaction date.
    start
        First day considered (inclusive); rows before it are ignored, so a
        customer's first purchase is the first one on or after ``start``.
    time_unit
        ``W`` weeks (days / 7, not floored), ``D`` days or ``M`` months (days / 30.4375).
    customer_col, date_col, amount_col
        Column names. ``amount_col=None`` gives ``monetary_value`` 0.

    Returns
    -------
    pandas.DataFrame
        One row per customer with a purchase in the window, in order of first
        appearance in ``transactions``: ``customer_id`` (named ``customer_col``),
        ``frequency`` (repeat occasions), ``recency``, ``T``, ``monetary_value``
        (mean of the repeat occasions, 0 for one-time buyers), ``total_value``
        (all occasions), ``first_purchase`` and ``last_purchase`` (dates).
        ``attrs["time_unit"]`` and ``attrs["observation_end"]`` record the setting.
        A purchase occasion is a distinct customer-day, its amounts summed.

    Notes
    -----
    Equals ``lifetimes.utils.summary_data_from_transaction_data(freq='D')`` with
    recency and T divided by 7 (tested), computed with numpy sorts instead of
    pandas period arithmetic.
    """
    unit = _unit_days(time_unit)
    occ = _occasions(transactions, customer_col, date_col, amount_col, start=start, end=observation_end)
    if len(occ.day) == 0:
        raise InsufficientData(
            "no transactions fall in the summary window"
            + (f" {start} .. {observation_end}" if start is not None or observation_end is not None else "")
            + "; check the calibration dates in the params file (lifetime_value section)."
        )
    end_day = _to_day(observation_end) if observation_end is not None else int(occ.day.max())
    pc = _per_customer(occ)
    return _summary_frame(occ.ids, pc, end_day, unit, time_unit, customer_col)


def _summary_frame(
    ids: pd.Index, pc: _PerCustomer, end_day: int, unit: float, time_unit: str, customer_col: str, suffix: str = ""
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
            "first_purchase": _day_to_timestamp(pc.first),
            "last_purchase": _day_to_timestamp(pc.last),
        }
    )
    frame.attrs["time_unit"] = time_unit
    frame.attrs["observation_end"] = _day_to_ts(end_day)
    return frame


def calibration_holdout_summary(
    transactions: pd.DataFrame,
    calibration_end: Any,
    holdout_end: Any = None,
    *,
    calibration_start: Any = None,
    time_unit: TimeUnit = "W",
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    amount_col: str | None = "amount",
) -> pd.DataFrame:
    """Calibration summary plus what each calibration customer did in the holdout.

    Parameters
    ----------
    transactions
        Cleaned transactions.
    calibration_end
        Last day of the calibration period (inclusive).
    holdout_end
        Last day of the holdout (inclusive). Default: the last transaction date.
    calibration_start
        First day of the calibration period; earlier rows are ignored.
    time_unit, customer_col, date_col, amount_col
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
    ``monetary_value_holdout`` is the mean per occasion (customer-day), whereas
    lifetimes averages raw rows; they differ only for days with several rows.
    """
    unit = _unit_days(time_unit)
    cal_day = _to_day(calibration_end)
    occ = _occasions(transactions, customer_col, date_col, amount_col, start=calibration_start, end=holdout_end)
    if len(occ.day) == 0 or occ.day.min() > cal_day:
        raise AnalysisError(
            f"no transactions on or before calibration_end {pd.Timestamp(calibration_end).date()}; "
            "set lifetime_value.calibration_end inside the data range."
        )
    end_day = _to_day(holdout_end) if holdout_end is not None else int(occ.day.max())
    if end_day <= cal_day:
        raise AnalysisError(
            f"holdout_end {_day_to_ts(end_day).date()} is not after calibration_end "
            f"{pd.Timestamp(calibration_end).date()}; set lifetime_value.holdout_end later or calibration_end earlier."
        )
    in_cal = occ.day <= cal_day
    pc = _per_customer(occ, in_cal)
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
    source
        Where the dates came from, in English words.
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
    source: str
    default_weeks: int | None = None
    requested_weeks: float | None = None
    history_weeks: float | None = None

    @property
    def holdout_weeks(self) -> float:
        return (self.holdout_end - self.calibration_end).days / 7

    def source_text(self, lang: str = "en") -> str:
        """Where the dates came from, in the report language."""
        if self.default_weeks is None:
            return i18n.t("lifetime_value.split_params", lang)
        if self.requested_weeks is not None:
            return i18n.t("lifetime_value.split_shortened", lang, requested=f"{self.requested_weeks:g}",
                          history=f"{self.history_weeks:.1f}")  # fmt: skip
        return i18n.t("lifetime_value.split_default", lang, weeks=self.default_weeks)

    def describe(self, lang: str = "en") -> str:
        """The calibration and holdout dates in one sentence, in ``lang``."""
        start = (
            i18n.t("lifetime_value.split_from_first", lang)
            if self.calibration_start is None
            else f"{self.calibration_start.date()}"
        )
        return i18n.t(
            "lifetime_value.split", lang, start=start, calibration_end=self.calibration_end.date(),
            holdout_start=(self.calibration_end + pd.Timedelta(days=1)).date(), holdout_end=self.holdout_end.date(),
            weeks=f"{self.holdout_weeks:.1f}", source=self.source_text(lang),
        )  # fmt: skip


def holdout_split(
    period_end: Any,
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
    period_end
        Last day of the report period (the data are observed up to it).
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
        :class:`InsufficientData` when a third of the history is shorter than
        two weeks (too short for a holdout).
    """
    period_end = pd.Timestamp(period_end).normalize()
    h_end = period_end if holdout_end is None else pd.Timestamp(holdout_end).normalize()
    if h_end > period_end:
        raise AnalysisError(
            f"lifetime_value.holdout_end {h_end.date()} is after the period end {period_end.date()}: the holdout "
            "would not be fully observed. Set holdout_end on or before the period end, or report a later period."
        )
    c_start = None if calibration_start is None else pd.Timestamp(calibration_start).normalize()
    requested: float | None = None
    history_weeks: float | None = None
    if calibration_end is None:
        c_end = h_end - pd.Timedelta(weeks=holdout_weeks)
        default_weeks: int | None = int(holdout_weeks)
        if history_start is not None:
            first = pd.Timestamp(history_start).normalize()
            first = first if c_start is None else max(first, c_start)
            history_days = (h_end - first).days
            if holdout_weeks * 7 > HOLDOUT_MAX_SHARE * history_days:
                days = int(history_days * HOLDOUT_SHORT_SHARE)
                if days < MIN_HOLDOUT_DAYS:
                    raise _HistoryTooShort(
                        f"the history from {first.date()} to {h_end.date()} ({max(history_days, 0) / 7:.1f} weeks) is "
                        f"too short for a holdout of at least {MIN_HOLDOUT_DAYS} days; the models cannot be validated "
                        "until there is more history."
                    )
                c_end = h_end - pd.Timedelta(days=days)
                requested, history_weeks = float(holdout_weeks), history_days / 7
        source = i18n.t("lifetime_value.split_default", "en", weeks=default_weeks)
    else:
        c_end = pd.Timestamp(calibration_end).normalize()
        default_weeks = None
        source = i18n.t("lifetime_value.split_params", "en")
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
    split = HoldoutSplit(c_start, c_end, h_end, source, default_weeks, requested, history_weeks)
    return HoldoutSplit(c_start, c_end, h_end, split.source_text("en"), default_weeks, requested, history_weeks)


# --------------------------------------------------------------------------- model formulas (vectorized)


def _p(params: Mapping[str, Any], names: Sequence[str]) -> list[np.ndarray]:
    return [np.asarray(params[n], dtype=float) for n in names]


def _log_hyp2f1(a: Any, b: Any, c: Any, z: Any) -> np.ndarray:
    """log 2F1(a, b; c; z) for 0 <= z < 1, falling back to Euler's transform where it overflows."""
    return _signed_log_hyp2f1(a, b, c, z)[0]


def _signed_log_hyp2f1(a: Any, b: Any, c: Any, z: Any) -> tuple[np.ndarray, np.ndarray]:
    """log |2F1(a, b; c; z)| and the sign of 2F1, for 0 <= z < 1 (Euler's transform where it overflows).

    2F1 is negative only for c < 0: BG/NBD one-time buyers when a + b < 1
    (a strongly U-shaped dropout distribution), where the closed forms still hold.
    """
    with np.errstate(all="ignore"):
        value = special.hyp2f1(a, b, c, z)
        direct = np.log(np.abs(value))
        sign = np.where(value < 0, -1.0, 1.0)
        bad = ~np.isfinite(direct)
        if np.any(bad):
            a, b, c, z = (np.broadcast_to(v, direct.shape)[bad] for v in (a, b, c, z))
            direct = np.array(direct, copy=True) if np.ndim(direct) else np.atleast_1d(direct)
            sign = np.array(sign, copy=True) if np.ndim(sign) else np.atleast_1d(sign)
            inner = special.hyp2f1(c - a, c - b, c, z)
            direct[np.atleast_1d(bad)] = np.log(np.abs(inner)) + (c - a - b) * np.log1p(-z)
            sign[np.atleast_1d(bad)] = np.where(inner < 0, -1.0, 1.0)
            if not np.ndim(bad):
                direct, sign = direct[0], sign[0]
    return direct, sign


def _one_minus(log_h: Any, sign: Any, log_k: Any) -> np.ndarray:
    """1 − h·k from log |h|, the sign of h and log k (k > 0), accurate when h·k is close to 1."""
    with np.errstate(all="ignore"):
        return np.where(sign > 0, -np.expm1(log_h + log_k), 1.0 + np.exp(log_h + log_k))


def _pareto_log_a0(r: Any, alpha: Any, s: Any, beta: Any, x: Any, tx: Any, T: Any) -> np.ndarray:
    """log A0 of the Pareto/NBD likelihood (Fader & Hardie 2005, note 009, eq. 19-20)."""
    alpha_small = alpha < beta
    lo = np.where(alpha_small, alpha, beta)
    hi = np.where(alpha_small, beta, alpha)
    rsx = r + s + x
    t_par = np.where(alpha_small, r + x, s + 1.0)
    with np.errstate(all="ignore"):
        q1, q2 = hi + tx, hi + T
        l1 = np.log(special.hyp2f1(rsx, t_par, rsx + 1.0, (hi - lo) / q1)) - rsx * np.log(q1)
        l2 = np.log(special.hyp2f1(rsx, t_par, rsx + 1.0, (hi - lo) / q2)) - rsx * np.log(q2)
        # log(exp(l1) - exp(l2)); l1 >= l2 since T >= tx; -inf when tx == T
        return l1 + np.log(-np.expm1(np.minimum(l2 - l1, 0.0)))


def _row_loglik(model: str, params: Mapping[str, Any], x: Any, tx: Any, T: Any) -> np.ndarray:
    """Per-customer log-likelihood of (x, t_x, T) (monetary: x, m for gamma_gamma)."""
    with np.errstate(all="ignore"):
        if model == "bgnbd":
            r, alpha, a, b = _p(params, PARAM_NAMES[model])
            a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
            a2 = special.gammaln(a + b) + special.gammaln(b + x) - special.gammaln(b) - special.gammaln(a + b + x)
            a3 = -(r + x) * np.log(alpha + T)
            a4 = np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * np.log(alpha + tx)
            return a1 + a2 + np.logaddexp(a3, np.where(x > 0, a4, -np.inf))
        if model == "mbgnbd":
            r, alpha, a, b = _p(params, PARAM_NAMES[model])
            a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
            a2 = (
                special.gammaln(a + b)
                + special.gammaln(b + x + 1)
                - special.gammaln(b)
                - special.gammaln(a + b + x + 1)
            )
            a3 = -(r + x) * np.log(alpha + T)
            a4 = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
            return a1 + a2 + a3 + np.logaddexp(a4, 0.0)
        if model == "pareto_nbd":
            r, alpha, s, beta = _p(params, PARAM_NAMES[model])
            a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
            log_a0 = _pareto_log_a0(r, alpha, s, beta, x, tx, T)
            a2 = np.logaddexp(
                -(r + x) * np.log(alpha + T) - s * np.log(beta + T), np.log(s) + log_a0 - np.log(r + s + x)
            )
            return a1 + a2
        if model == "gamma_gamma":
            p, q, v = _p(params, PARAM_NAMES[model])
            m = tx
            return (
                special.gammaln(p * x + q)
                - special.gammaln(p * x)
                - special.gammaln(q)
                + q * np.log(v)
                + (p * x - 1) * np.log(m)
                + (p * x) * np.log(x)
                - (p * x + q) * np.log(x * m + v)
            )
    raise AnalysisError(f"unknown model {model!r}; use one of {', '.join(PARAM_NAMES)}")


def probability_alive(model: str, params: Mapping[str, Any], frequency: Any, recency: Any, T: Any) -> np.ndarray:
    """P(alive at T | x, t_x, T).

    For BG/NBD it is exactly 1 when x = 0 (the model lets customers drop out only
    after a repeat purchase): use :func:`probability_buy_again` for one-time buyers.
    """
    x, tx, T = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
    with np.errstate(all="ignore"):
        if model == "bgnbd":
            r, alpha, a, b = _p(params, PARAM_NAMES[model])
            log_odds = np.log(a) - np.log(b + np.maximum(x, 1) - 1) + (r + x) * np.log((alpha + T) / (alpha + tx))
            return np.where(x > 0, special.expit(-log_odds), 1.0)
        if model == "mbgnbd":
            r, alpha, a, b = _p(params, PARAM_NAMES[model])
            log_odds = np.log(a) - np.log(b + x) + (r + x) * np.log((alpha + T) / (alpha + tx))
            return special.expit(-log_odds)
        if model == "pareto_nbd":
            r, alpha, s, beta = _p(params, PARAM_NAMES[model])
            log_a0 = _pareto_log_a0(r, alpha, s, beta, x, tx, T)
            log_odds = np.log(s) - np.log(r + s + x) + (r + x) * np.log(alpha + T) + s * np.log(beta + T) + log_a0
            return special.expit(-log_odds)
    raise AnalysisError(f"unknown transaction model {model!r}; use one of {', '.join(TRANSACTION_MODELS)}")


def conditional_expected_purchases(
    model: str, params: Mapping[str, Any], t: Any, frequency: Any, recency: Any, T: Any
) -> np.ndarray:
    """Expected repeat purchases in (T, T + t] given (x, t_x, T).

    BG/NBD: FHL (2005) eq. 10; MBG/NBD: Wagner & Hoppe (2008); Pareto/NBD:
    Fader & Hardie note 009, eq. 41. All arguments broadcast.
    """
    x, tx, T, t = (np.asarray(v, dtype=float) for v in (frequency, recency, T, t))
    with np.errstate(all="ignore"):
        if model in ("bgnbd", "mbgnbd"):
            r, alpha, a, b = _p(params, PARAM_NAMES[model])
            z = t / (alpha + T + t)
            if model == "bgnbd":
                log_h, sign = _signed_log_hyp2f1(r + x, b + x, a + b + x - 1, z)
                first = (a + b + x - 1) / (a - 1)
                denom = 1 + np.where(x > 0, a / (b + x - 1), 0.0) * ((alpha + T) / (alpha + tx)) ** (r + x)
            else:
                log_h, sign = _signed_log_hyp2f1(r + x, b + x + 1, a + b + x, z)
                first = (a + b + x) / (a - 1)
                denom = 1 + (a / (b + x)) * ((alpha + T) / (alpha + tx)) ** (r + x)
            second = _one_minus(log_h, sign, (r + x) * np.log((alpha + T) / (alpha + T + t)))
            return first * second / denom
        if model == "pareto_nbd":
            r, alpha, s, beta = _p(params, PARAM_NAMES[model])
            alive = probability_alive(model, params, x, tx, T)
            log_y = np.log((beta + T) / (beta + T + t))
            k = s - 1.0
            small = np.abs(k) < 1e-9
            k_safe = np.where(small, 1.0, k)
            horizon = np.where(small, -log_y, -np.expm1(k * log_y) / k_safe)
            return alive * (r + x) * (beta + T) / (alpha + T) * horizon
    raise AnalysisError(f"unknown transaction model {model!r}; use one of {', '.join(TRANSACTION_MODELS)}")


def probability_buy_again(
    model: str, params: Mapping[str, Any], t: Any, frequency: Any, recency: Any, T: Any
) -> np.ndarray:
    """P(at least one purchase in (T, T + t] | x, t_x, T).

    BG/NBD and MBG/NBD: a customer alive at T buys at rate λ with posterior
    Gamma(r + x, α + T), and cannot drop out before the next purchase, so

        P = P(alive) · [1 − ((α + T) / (α + T + t))^(r + x)].

    Pareto/NBD: alive at T, λ ~ Gamma(r + x, α + T) and μ ~ Gamma(s, β + T)
    independently; P(≥1 purchase | λ, μ) = λ/(λ+μ) · (1 − e^{−(λ+μ)t}), whose
    expectation is

        P = P(alive) · ∫₀ᵗ (r+x)/(α+T) · ((α+T)/(α+T+τ))^(r+x+1) · ((β+T)/(β+T+τ))^s dτ,

    evaluated by 64-point Gauss-Legendre quadrature after the substitution
    u = ln(1 + τ/(α+T)). It equals 1 − P(N(t) = 0) of Fader & Hardie's note 028
    (tested against lifetimes).
    """
    x, tx, T, t = (np.asarray(v, dtype=float) for v in (frequency, recency, T, t))
    alive = probability_alive(model, params, x, tx, T)
    with np.errstate(all="ignore"):
        if model in ("bgnbd", "mbgnbd"):
            r, alpha, _, _ = _p(params, PARAM_NAMES[model])
            return alive * -np.expm1((r + x) * np.log((alpha + T) / (alpha + T + t)))
        if model == "pareto_nbd":
            r, alpha, s, beta = _p(params, PARAM_NAMES[model])
            c = alpha + T
            u_max = np.log1p(t / c)
            u = np.asarray(0.5 * u_max)[..., None] * (_GL_NODES + 1.0)  # (..., K)
            tau = np.asarray(c)[..., None] * np.expm1(u)
            rx = np.asarray(r + x)[..., None]
            bt = np.asarray(beta + T)[..., None]
            integrand = rx * np.exp(-rx * u) * (bt / (bt + tau)) ** np.asarray(s)[..., None]
            integral = (0.5 * u_max) * (integrand * _GL_WEIGHTS).sum(axis=-1)
            return alive * integral
    raise AnalysisError(f"unknown transaction model {model!r}; use one of {', '.join(TRANSACTION_MODELS)}")


def expected_purchases(model: str, params: Mapping[str, Any], t: Any) -> np.ndarray:
    """Expected repeat purchases in (0, t] for a new customer (unconditional)."""
    t = np.asarray(t, dtype=float)
    with np.errstate(all="ignore"):
        if model == "bgnbd":
            r, alpha, a, b = _p(params, PARAM_NAMES[model])
            log_h, sign = _signed_log_hyp2f1(r, b, a + b - 1, t / (alpha + t))
            return (a + b - 1) / (a - 1) * _one_minus(log_h, sign, r * np.log(alpha / (alpha + t)))
        if model == "mbgnbd":
            r, alpha, a, b = _p(params, PARAM_NAMES[model])
            log_h, sign = _signed_log_hyp2f1(r, b + 1, a + b, t / (alpha + t))
            return b / (a - 1) * _one_minus(log_h, sign, r * np.log(alpha / (alpha + t)))
        if model == "pareto_nbd":
            r, alpha, s, beta = _p(params, PARAM_NAMES[model])
            log_y = np.log(beta / (beta + t))
            k = s - 1.0
            small = np.abs(k) < 1e-9
            horizon = np.where(small, -log_y, -np.expm1(k * log_y) / np.where(small, 1.0, k))
            return r * beta / alpha * horizon
    raise AnalysisError(f"unknown transaction model {model!r}; use one of {', '.join(TRANSACTION_MODELS)}")


def _purchase_pmf(model: str, params: Mapping[str, Any], t: np.ndarray, n_max: int) -> np.ndarray:
    """P(X(t) = n) for n = 0 .. n_max - 1, shape (len(t), n_max); unconditional (new customers)."""
    t = np.asarray(t, dtype=float)[:, None]
    n = np.arange(n_max)[None, :]
    with np.errstate(all="ignore"):
        if model in ("bgnbd", "mbgnbd"):
            r, alpha, a, b = (float(v) for v in _p(params, PARAM_NAMES[model]))
            prob = alpha / (alpha + t)
            nb = stats.nbinom.pmf(n, r, prob)
            survival = stats.nbinom.sf(n - 1, r, prob)  # P(N >= n)
            lb = special.betaln(a, b)
            if model == "bgnbd":
                first = np.exp(special.betaln(a, b + n) - lb) * nb
                second = np.where(n > 0, np.exp(special.betaln(a + 1, b + np.maximum(n, 1) - 1) - lb) * survival, 0.0)
            else:
                first = np.exp(special.betaln(a, b + n + 1) - lb) * nb
                second = np.exp(special.betaln(a + 1, b + n) - lb) * survival
            return first + second
        if model == "pareto_nbd":
            r, alpha, s, beta = (float(v) for v in _p(params, PARAM_NAMES[model]))
            alive_part = stats.nbinom.pmf(n, r, alpha / (alpha + t)) * (beta / (beta + t)) ** s
            u_max = np.log1p(t / beta)  # (m, 1)
            u = 0.5 * u_max * (_GL_NODES[None, :] + 1.0)  # (m, K)
            tau = beta * np.expm1(u)
            dens = s * np.exp(-s * u) * _GL_WEIGHTS[None, :] * 0.5 * u_max  # (m, K)
            nb_tau = stats.nbinom.pmf(n[:, :, None], r, (alpha / (alpha + tau))[:, None, :])  # (m, n, K)
            return alive_part + (nb_tau * dens[:, None, :]).sum(axis=-1)
    raise AnalysisError(f"unknown transaction model {model!r}; use one of {', '.join(TRANSACTION_MODELS)}")


def expected_spend(params: Mapping[str, Any], frequency: Any, monetary_value: Any) -> np.ndarray:
    """Gamma-Gamma expected mean spend per occasion given (x, m̄) (Fader, Hardie & Lee 2005, eq. 5).

    A weighted average of the customer's observed mean and the population mean
    v·p/(q − 1); one-time buyers (x = 0) get the population mean. Negative or zero
    observed means are treated as 0.
    """
    p, q, v = _p(params, PARAM_NAMES["gamma_gamma"])
    x = np.asarray(frequency, dtype=float)
    m = np.maximum(np.asarray(monetary_value, dtype=float), 0.0)
    with np.errstate(all="ignore"):
        weight = p * x / (p * x + q - 1)
        return (1 - weight) * (v * p / (q - 1)) + weight * m


# --------------------------------------------------------------------------- fitting


@dataclass(frozen=True)
class FitResult:
    """A fitted model with its uncertainty and how the fit went.

    Attributes
    ----------
    model
        ``bgnbd``, ``pareto_nbd``, ``mbgnbd`` or ``gamma_gamma``.
    params
        Estimates (rates in ``time_unit``).
    standard_errors
        Delta-method standard errors from the observed information.
    covariance_log
        Covariance of the log-parameters (used for bootstrap draws).
    log_likelihood
        Log-likelihood of the data at the estimates (without the penalty).
    n_customers, n_unique
        Customers fitted, and distinct rows actually passed to lifetimes (weights).
    penalizer
        L2 penalizer of the final fit (0 = plain maximum likelihood).
    retried, retry_reason
        Whether the first fit failed and was redone with a penalizer, and why
        (in English, with the optimiser's own message when there is one).
    time_unit
        Unit of recency and T (``W``, ``D`` or ``M``).
    notes
        Other warnings about the fit, as (catalog key, values); :meth:`note_texts`
        gives them in a report language.
    retry_code
        Why the first fit failed, as a code (``optimiser``, ``not_positive``,
        ``not_finite``, ``singular``, ``not_maximum``).
    """

    model: str
    params: dict[str, float]
    standard_errors: dict[str, float]
    covariance_log: np.ndarray = field(repr=False)
    log_likelihood: float
    n_customers: int
    n_unique: int
    penalizer: float = 0.0
    retried: bool = False
    retry_reason: str | None = None
    time_unit: str = "W"
    notes: tuple[tuple[str, dict[str, str]], ...] = ()
    retry_code: str | None = None

    @property
    def label(self) -> str:
        return MODEL_LABELS.get(self.model, self.model)

    def note_texts(self, lang: str = "en") -> list[str]:
        """The warnings about the fit, in ``lang``."""
        return [i18n.t(key, lang, **values) for key, values in self.notes]

    @property
    def n_params(self) -> int:
        return len(self.params)

    @property
    def aic(self) -> float:
        return 2 * self.n_params - 2 * self.log_likelihood

    @property
    def bic(self) -> float:
        return self.n_params * math.log(self.n_customers) - 2 * self.log_likelihood

    def table(self) -> pd.DataFrame:
        """Parameters with standard errors and 95% intervals (tidy).

        The intervals are Wald intervals on the log scale, exp(log θ ± 1.96 se(log θ)),
        so they stay positive like the parameters.
        """
        names = list(self.params)
        est = np.array([self.params[n] for n in names])
        se = np.array([self.standard_errors[n] for n in names])
        with np.errstate(over="ignore"):  # a parameter the data do not bound: an infinite upper limit
            se_log = np.sqrt(np.diag(self.covariance_log))
            low, high = est * np.exp(-1.96 * se_log), est * np.exp(1.96 * se_log)
        return pd.DataFrame(
            {
                "model": self.label,
                "parameter": names,
                "estimate": est,
                "std_error": se,
                "ci95_low": low,
                "ci95_high": high,
            }
        )

    def describe(self, lang: str = "en") -> str:
        """How the fit went, in one sentence in ``lang``."""
        text = i18n.t(
            "lifetime_value.fit.head", lang, model=model_label(self.model, lang), customers=f"{self.n_customers:,}",
            rows=f"{self.n_unique:,}", ll=f"{self.log_likelihood:,.1f}",
        )  # fmt: skip
        if self.retried:
            # English keeps the optimiser's own words; other languages name the reason from the catalog
            reason = self.retry_reason if lang == "en" or not self.retry_code else _failure_text(self.retry_code, lang)
            text += i18n.t("lifetime_value.fit.retried", lang, reason=reason, penalizer=f"{self.penalizer:g}")
        elif self.penalizer > 0:
            text += i18n.t("lifetime_value.fit.penalized", lang, penalizer=f"{self.penalizer:g}")
        else:
            text += i18n.t("lifetime_value.fit.converged", lang)
        text += i18n.t("lifetime_value.sentence_end", lang)
        notes = self.note_texts(lang)
        if notes:
            text += _sep(lang) + _sep(lang).join(notes)
        return text

    def draw(self, draws: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Parameter draws from the asymptotic normal distribution of the log-parameters."""
        names = list(self.params)
        mean = np.log([self.params[n] for n in names])
        z = rng.multivariate_normal(mean, self.covariance_log, size=draws, method="eigh")
        with np.errstate(over="ignore"):  # parameters the data do not bound run off to infinity
            return {n: np.exp(z[:, i]) for i, n in enumerate(names)}


def _rfm_columns(summary: pd.DataFrame) -> tuple[str, str, str, str]:
    for suffix in ("", "_cal"):
        cols = (f"frequency{suffix}", f"recency{suffix}", f"T{suffix}", f"monetary_value{suffix}")
        if all(c in summary.columns for c in cols[:3]):
            return cols
    raise AnalysisError(
        "the summary lacks frequency/recency/T columns; build it with customer_summary() or "
        "calibration_holdout_summary()."
    )


def _check_summary(x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> None:
    if len(x) == 0:
        raise InsufficientData("no customers to fit; check the calibration period and the data.")
    problems = []
    if np.any(~np.isfinite(x) | ~np.isfinite(tx) | ~np.isfinite(T)):
        problems.append("missing values in frequency, recency or T")
    if np.any(x < 0) or np.any(x != np.round(x)):
        problems.append("frequency must be a whole number >= 0")
    if np.any(tx < 0) or np.any(tx > T + 1e-9):
        problems.append("recency must lie between 0 and T")
    if np.any((x == 0) & (tx != 0)):
        problems.append("recency must be 0 for one-time buyers")
    if problems:
        raise InsufficientData(
            "the summary is inconsistent (" + "; ".join(problems) + "); build it with customer_summary()."
        )
    if not np.any(x > 0):
        raise InsufficientData(
            f"none of the {len(x):,} customers has a repeat purchase in the calibration period, so the "
            "purchase models cannot be fitted; use a longer calibration period (lifetime_value.calibration_end "
            "later, or holdout_weeks smaller)."
        )


def _weighted_unique(columns: Sequence[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Distinct rows of the given columns, their counts, and each input row's distinct-row index."""
    frame = pd.DataFrame({i: c for i, c in enumerate(columns)})
    codes = frame.groupby(list(frame.columns), sort=True, observed=True).ngroup().to_numpy()
    counts = np.bincount(codes)
    first = np.zeros(len(counts), dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes))[::-1]
    return [np.asarray(c)[first] for c in columns], counts.astype(float), codes


def _numeric_hessian(fun: Any, x0: np.ndarray, step: float = 1e-4) -> np.ndarray:
    k = len(x0)
    h = np.zeros((k, k))
    eye = np.eye(k) * step
    f0 = fun(x0)
    for i in range(k):
        for j in range(i, k):
            if i == j:
                val = (fun(x0 + eye[i]) - 2 * f0 + fun(x0 - eye[i])) / step**2
            else:
                val = (
                    fun(x0 + eye[i] + eye[j])
                    - fun(x0 + eye[i] - eye[j])
                    - fun(x0 - eye[i] + eye[j])
                    + fun(x0 - eye[i] - eye[j])
                ) / (4 * step**2)
            h[i, j] = h[j, i] = val
    return h


_MESSAGE_RE = re.compile(r"message:\s*(.+)")


def _optimiser_message(printed: str, exc: BaseException) -> str:
    found = _MESSAGE_RE.search(printed)
    if found:
        return "optimiser: " + found.group(1).strip().rstrip(".")
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _fit_once(
    model: str, data: Sequence[np.ndarray], weights: np.ndarray, penalizer: float
) -> tuple[dict[str, float], np.ndarray]:
    """One lifetimes fit; returns the estimates and the covariance of the log-parameters.

    Raises ``_FitFailure`` with a reason when the fit fails or is degenerate.
    """
    lt = _lifetimes()
    printed = io.StringIO()
    names = PARAM_NAMES[model]
    total = float(weights.sum())
    try:
        with _isolated(), contextlib.redirect_stdout(printed), np.errstate(all="ignore"):
            if model in ("bgnbd", "mbgnbd"):
                cls = lt.BetaGeoFitter if model == "bgnbd" else lt.ModifiedBetaGeoFitter
                fitter = cls(penalizer_coef=penalizer).fit(*data, weights=weights)
                hess = np.asarray(fitter._hessian_, dtype=float) * total
            elif model == "gamma_gamma":
                fitter = lt.GammaGammaFitter(penalizer_coef=penalizer).fit(*data, weights=weights)
                hess = np.asarray(fitter._hessian_, dtype=float) * total
            elif model == "pareto_nbd":
                # deterministic start (lifetimes draws one at random), tight tolerance and
                # one Nelder-Mead restart from the solution, as Nelder-Mead can stall; at most
                # _PARETO_MAXFEV evaluations each, so degenerate data fail in seconds, not minutes
                fitter = lt.ParetoNBDFitter(penalizer_coef=penalizer)
                fitter.fit(
                    *data, weights=weights, initial_params=np.ones(4), tol=1e-8, maxiter=20000, maxfev=_PARETO_MAXFEV
                )
                scale = fitter._scale
                x0 = fitter.params_.to_numpy() * np.array([1.0, scale, 1.0, scale])
                fitter = lt.ParetoNBDFitter(penalizer_coef=penalizer)
                fitter.fit(*data, weights=weights, initial_params=x0, tol=1e-8, maxiter=20000, maxfev=_PARETO_MAXFEV)
                scale = fitter._scale
                x, tx, T = data
                mean_w = float(weights.mean())
                scaled = (x, tx * scale, T * scale)

                def objective(log_params: np.ndarray) -> float:
                    ps = np.exp(log_params)
                    ll = _row_loglik(model, dict(zip(names, ps)), *scaled)
                    return float(-(weights * ll).sum() + penalizer * mean_w * (ps**2).sum())

                est_scaled = fitter.params_.to_numpy() * np.array([1.0, scale, 1.0, scale])
                hess = _numeric_hessian(objective, np.log(est_scaled))
            else:  # pragma: no cover - guarded by callers
                raise AnalysisError(f"unknown model {model!r}")
    except AnalysisError:
        raise
    except Exception as exc:  # ConvergenceError, LinAlgError, FloatingPointError …
        raise _FitFailure("optimiser", _optimiser_message(printed.getvalue(), exc)) from exc
    params = {n: float(fitter.params_[n]) for n in names}
    if not all(np.isfinite(v) and v > 0 for v in params.values()):
        raise _FitFailure("not_positive")
    if not np.all(np.isfinite(hess)):
        raise _FitFailure("not_finite")
    try:
        cov = np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        raise _FitFailure("singular") from None
    cov = 0.5 * (cov + cov.T)
    if not np.all(np.linalg.eigvalsh(cov) > 0):
        raise _FitFailure("not_maximum")
    return params, cov


class _FitFailure(Exception):
    """A fit that failed or ended somewhere useless; the message says why, ``code`` names it."""

    def __init__(self, code: str, message: str | None = None):
        super().__init__(message or _failure_text(code, "en"))
        self.code = code


#: why a fit failed: codes of the catalog texts ``lifetime_value.fail.<code>``
FAILURE_CODES = ("optimiser", "not_positive", "not_finite", "singular", "not_maximum")


def _failure_text(code: str, lang: str) -> str:
    return i18n.t(f"lifetime_value.fail.{code}", lang) if code in FAILURE_CODES else code


def fit_model(
    summary: pd.DataFrame,
    model: str,
    *,
    penalizer: float = 0.0,
    retry_penalizer: float = 1e-3,
    weighted: bool = True,
    time_unit: TimeUnit | None = None,
) -> FitResult:
    """Fit one transaction model (or Gamma-Gamma) with lifetimes.

    Parameters
    ----------
    summary
        From :func:`customer_summary` (columns ``frequency``, ``recency``, ``T``,
        ``monetary_value``) or :func:`calibration_holdout_summary` (``*_cal``).
    model
        ``bgnbd``, ``pareto_nbd``, ``mbgnbd`` or ``gamma_gamma``. Gamma-Gamma is
        fitted on repeat customers with a positive monetary value.
    penalizer
        L2 penalizer of the first fit (lifetimes' ``penalizer_coef``).
    retry_penalizer
        Penalizer of the single retry after a failed first fit (at least 10 ×
        ``penalizer``). The retry is recorded in the result, never hidden.
    weighted
        Fit on distinct rows with counts as ``weights`` (same estimates, faster).
        False passes every customer.
    time_unit
        Unit of recency and T; default ``summary.attrs["time_unit"]`` or ``W``.

    Returns
    -------
    FitResult

    Raises
    ------
    AnalysisError
        When the summary is unusable, or the fit fails even with the retry penalizer.
    """
    if model not in PARAM_NAMES:
        raise AnalysisError(f"unknown model {model!r}; use one of {', '.join(PARAM_NAMES)}")
    f_col, r_col, t_col, m_col = _rfm_columns(summary)
    unit = time_unit or summary.attrs.get("time_unit", "W")
    x = summary[f_col].to_numpy(dtype=float)
    notes: list[tuple[str, dict[str, str]]] = []
    if model == "gamma_gamma":
        if m_col not in summary.columns:
            raise AnalysisError(f"the summary lacks {m_col!r}; build it with amounts (amount_col).")
        m = summary[m_col].to_numpy(dtype=float)
        keep = (x > 0) & (m > 0)
        if keep.sum() < MIN_REPEAT_CUSTOMERS:
            raise InsufficientData(
                f"only {int(keep.sum())} repeat customers have a positive spend; Gamma-Gamma needs more "
                f"(at least {MIN_REPEAT_CUSTOMERS}, ideally hundreds). Use a longer calibration period."
            )
        n_zero = int(((x > 0) & (m <= 0)).sum())
        if n_zero:
            notes.append(("lifetime_value.note.zero_spend", {"n": f"{n_zero:,}"}))
        columns = [x[keep], m[keep]]
    else:
        tx = summary[r_col].to_numpy(dtype=float)
        T = summary[t_col].to_numpy(dtype=float)
        _check_summary(x, tx, T)
        columns = [x, tx, T]
    n = len(columns[0])
    if weighted:
        data, weights, _ = _weighted_unique(columns)
    else:
        data, weights = columns, np.ones(n)
    retried, reason, code = False, None, None
    try:
        params, cov = _fit_once(model, data, weights, penalizer)
    except _FitFailure as first:
        retried, reason, code = True, str(first), first.code
        penalizer = max(retry_penalizer, 10 * penalizer)
        try:
            params, cov = _fit_once(model, data, weights, penalizer)
        except _FitFailure as second:
            raise AnalysisError(
                f"{MODEL_LABELS[model]} did not converge ({first}), and not with penalizer {penalizer:g} either "
                f"({second}). Check the data for bulk buyers or a very short calibration period, set "
                "lifetime_value.penalizer higher (e.g. 0.01), or choose another lifetime_value.model."
            ) from None
    if model == "gamma_gamma":
        ll = float((weights * _row_loglik(model, params, data[0], data[1], None)).sum())
        if params["q"] <= 1:
            notes.append(("lifetime_value.note.q_le_1", {"q": f"{params['q']:.2f}"}))
    else:
        ll = float((weights * _row_loglik(model, params, *data)).sum())
        if model in ("bgnbd", "mbgnbd") and params["a"] <= 1 and params["b"] < 1:
            notes.append(("lifetime_value.note.u_shaped", {}))
    se = {name: params[name] * math.sqrt(cov[i, i]) for i, name in enumerate(PARAM_NAMES[model])}
    return FitResult(
        model=model,
        params=params,
        standard_errors=se,
        covariance_log=cov,
        log_likelihood=ll,
        n_customers=n,
        n_unique=len(data[0]),
        penalizer=float(penalizer),
        retried=retried,
        retry_reason=reason,
        time_unit=unit,
        notes=tuple(notes),
        retry_code=code,
    )


@dataclass(frozen=True)
class ModelFits:
    """Fits of several transaction models; ``failures`` maps a model to why it failed."""

    fits: dict[str, FitResult]
    failures: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, model: str) -> FitResult:
        if model not in self.fits:
            why = self.failures.get(model, "it was not fitted")
            raise AnalysisError(f"no {MODEL_LABELS.get(model, model)} fit: {why}")
        return self.fits[model]

    def __iter__(self) -> Iterator[str]:
        return iter(self.fits)

    def __len__(self) -> int:
        return len(self.fits)

    def table(self) -> pd.DataFrame:
        """All parameters with standard errors (tidy)."""
        return pd.concat([f.table() for f in self.fits.values()], ignore_index=True)

    def describe(self, lang: str = "en") -> list[str]:
        """One sentence per model in ``lang``, failures included."""
        lines = [f.describe(lang) for f in self.fits.values()]
        # English keeps the full error; other languages say what happened (it is always a failed retry)
        lines += [
            i18n.t("lifetime_value.fit.failed", lang, model=model_label(m, lang),
                   why=why if lang == "en" else i18n.t("lifetime_value.fail.twice", lang))
            for m, why in self.failures.items()
        ]  # fmt: skip
        return lines


def fit_transaction_models(
    summary: pd.DataFrame,
    models: Sequence[str] = TRANSACTION_MODELS,
    *,
    penalizer: float = 0.0,
    retry_penalizer: float = 1e-3,
    weighted: bool = True,
) -> ModelFits:
    """Fit several transaction models; a model that fails is recorded, not fatal.

    Raises
    ------
    AnalysisError
        When every model fails (the first failure's message is included).
    """
    fits = _fit_models(summary, models, penalizer=penalizer, retry_penalizer=retry_penalizer, weighted=weighted)
    if not fits.fits:
        raise AnalysisError("no purchase model could be fitted: " + "; ".join(fits.failures.values()))
    return fits


def _fit_models(summary: pd.DataFrame, models: Sequence[str], **fit_kw: Any) -> ModelFits:
    """Fit several transaction models; failures are recorded (possibly all of them), unusable data raise."""
    fits: dict[str, FitResult] = {}
    failures: dict[str, str] = {}
    for model in models:
        if model not in TRANSACTION_MODELS:
            raise AnalysisError(f"unknown transaction model {model!r}; use {', '.join(TRANSACTION_MODELS)}")
        try:
            fits[model] = fit_model(summary, model, **fit_kw)
        except InsufficientData:
            raise
        except AnalysisError as exc:
            failures[model] = str(exc)
    return ModelFits(fits, failures)


def fit_spend(
    summary: pd.DataFrame, *, penalizer: float = 0.0, retry_penalizer: float = 1e-3, weighted: bool = True
) -> FitResult:
    """Fit Gamma-Gamma on repeat customers with a positive mean spend (see :func:`fit_model`)."""
    return fit_model(summary, "gamma_gamma", penalizer=penalizer, retry_penalizer=retry_penalizer, weighted=weighted)


# --------------------------------------------------------------------------- validation


def _auc(score: np.ndarray, label: np.ndarray) -> float:
    """ROC AUC by the rank-sum formula (ties get half credit)."""
    label = label.astype(bool)
    n_pos, n_neg = int(label.sum()), int((~label).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = stats.rankdata(score)
    return float((ranks[label].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def compare_models(calibration: pd.DataFrame, fits: ModelFits | Mapping[str, FitResult]) -> pd.DataFrame:
    """Model comparison on the holdout.

    Parameters
    ----------
    calibration
        From :func:`calibration_holdout_summary`.
    fits
        Models fitted on ``calibration``.

    Returns
    -------
    pandas.DataFrame
        One row per model plus two baselines: ``model``, ``label``, ``n_params``,
        ``log_likelihood``, ``aic``, ``bic``, ``holdout_actual`` (repeat occasions
        in the holdout), ``holdout_predicted``, ``holdout_error_pct``, ``mae`` and
        ``rmse`` (customer-level holdout purchases), ``auc_buy_again`` (ROC AUC of
        the model's P(buy again in the holdout) for "bought in the holdout"),
        ``penalizer`` and ``retried``.

        Baselines: ``run_rate`` predicts x / T × holdout length; ``recency_only``
        ranks customers by time since their last purchase (AUC only; it makes no
        count prediction). A model that does not beat them is not worth its
        complexity.
    """
    fit_map = fits.fits if isinstance(fits, ModelFits) else dict(fits)
    x = calibration["frequency_cal"].to_numpy(float)
    tx = calibration["recency_cal"].to_numpy(float)
    T = calibration["T_cal"].to_numpy(float)
    actual = calibration["frequency_holdout"].to_numpy(float)
    duration = calibration["duration_holdout"].to_numpy(float)
    bought = actual > 0
    rows = []
    for name, fit in fit_map.items():
        pred = conditional_expected_purchases(name, fit.params, duration, x, tx, T)
        p_again = probability_buy_again(name, fit.params, duration, x, tx, T)
        rows.append(
            {
                "model": name,
                "label": fit.label,
                "n_params": fit.n_params,
                "log_likelihood": fit.log_likelihood,
                "aic": fit.aic,
                "bic": fit.bic,
                "holdout_predicted": float(pred.sum()),
                "mae": float(np.abs(pred - actual).mean()),
                "rmse": float(np.sqrt(((pred - actual) ** 2).mean())),
                "auc_buy_again": _auc(p_again, bought),
                "penalizer": fit.penalizer,
                "retried": fit.retried,
            }
        )
    run_rate = np.divide(x, T, out=np.zeros(len(x)), where=T > 0) * duration
    rows.append(
        {
            "model": "run_rate",
            "label": MODEL_LABELS["run_rate"],
            "n_params": 0,
            "holdout_predicted": float(run_rate.sum()),
            "mae": float(np.abs(run_rate - actual).mean()),
            "rmse": float(np.sqrt(((run_rate - actual) ** 2).mean())),
            "auc_buy_again": _auc(run_rate, bought),
        }
    )
    rows.append(
        {
            "model": "recency_only",
            "label": MODEL_LABELS["recency_only"],
            "n_params": 0,
            "auc_buy_again": _auc(-(T - tx), bought),
        }
    )
    table = pd.DataFrame(rows)
    table["holdout_actual"] = float(actual.sum())
    table["holdout_error_pct"] = 100 * (table["holdout_predicted"] / table["holdout_actual"] - 1)
    cols = [
        "model", "label", "n_params", "log_likelihood", "aic", "bic", "holdout_actual", "holdout_predicted",
        "holdout_error_pct", "mae", "rmse", "auc_buy_again", "penalizer", "retried",
    ]  # fmt: skip
    return table.reindex(columns=cols)


@dataclass(frozen=True)
class ModelChoice:
    """The model used for predictions, and why.

    Attributes
    ----------
    model
        The chosen model.
    reason
        Why, in English (:meth:`describe` gives it in a report language).
    requested
        ``lifetime_value.model`` in params (``auto`` or a model name).
    comparison
        The holdout comparison the choice was made from; None when the models
        could not be validated on a holdout.
    note
        A :class:`Notice` added to the reason: why the model was taken without
        a holdout check, or that the holdout's choice could not be refitted.
    """

    model: str
    reason: str
    requested: str = "auto"
    comparison: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    note: Notice | None = None

    @property
    def label(self) -> str:
        return MODEL_LABELS.get(self.model, self.model)

    def describe(self, lang: str = "en") -> str:
        """Why this model was chosen, in ``lang``."""
        if self.comparison is None:
            return self.note.text(lang) if self.note is not None else self.reason
        models = self.comparison[self.comparison["model"].isin(TRANSACTION_MODELS)].set_index("model")
        text = _choice_reason(models, self.model, self.requested, lang)
        return text if self.note is None else text + _sep(lang) + self.note.text(lang)


def _choice_reason(models: pd.DataFrame, chosen: str, requested: str, lang: str) -> str:
    best = str(models["mae"].idxmin())
    row = models.loc[chosen]
    total = i18n.t(
        "lifetime_value.choice.total", lang, predicted=f"{row['holdout_predicted']:,.0f}",
        actual=f"{row['holdout_actual']:,.0f}", error=f"{row['holdout_error_pct']:+.1f}%",
    )  # fmt: skip
    if requested != "auto":
        extra = "" if chosen == best else i18n.t("lifetime_value.choice.extra", lang, model=model_label(best, lang))
        return i18n.t(
            "lifetime_value.choice.requested", lang, model=model_label(chosen, lang), code=chosen, total=total,
            mae=f"{models.at[chosen, 'mae']:.3f}", extra=extra,
        )  # fmt: skip
    others = i18n.t("lifetime_value.list_sep", lang).join(
        f"{model_label(m, lang)} {models.at[m, 'mae']:.3f}" for m in models.index if m != best
    )
    return i18n.t(
        "lifetime_value.choice.auto", lang, model=model_label(best, lang), mae=f"{models.at[best, 'mae']:.3f}",
        others=i18n.t("lifetime_value.choice.others", lang, others=others) if others else "", total=total,
    )  # fmt: skip


def select_model(comparison: pd.DataFrame, requested: str = "auto") -> ModelChoice:
    """Pick the model for predictions: the one set in params, or the lowest holdout MAE.

    Parameters
    ----------
    comparison
        From :func:`compare_models`.
    requested
        ``auto`` or a model name (``lifetime_value.model`` in params).

    Returns
    -------
    ModelChoice
        The model, and why (``describe(lang)`` in a report language).

    Raises
    ------
    AnalysisError
        When the requested model was not fitted (or failed).
    """
    models = comparison[comparison["model"].isin(TRANSACTION_MODELS)].set_index("model")
    if models.empty:
        raise AnalysisError("no fitted purchase model to choose from.")
    if requested != "auto" and requested not in models.index:
        raise AnalysisError(
            f"lifetime_value.model is {requested!r} but that model was not fitted (or failed); "
            f"set model: auto or one of {', '.join(models.index)}."
        )
    chosen = str(models["mae"].idxmin()) if requested == "auto" else requested
    return ModelChoice(chosen, _choice_reason(models, chosen, requested, "en"), requested, comparison)


def holdout_by_frequency(
    calibration: pd.DataFrame, fits: ModelFits | Mapping[str, FitResult], *, max_frequency: int = 7
) -> pd.DataFrame:
    """Mean holdout purchases by calibration frequency, actual vs each model.

    Returns
    -------
    pandas.DataFrame
        Long format: ``frequency_cal`` (0 … ``max_frequency``, the last bin being
        "or more"), ``bin`` (label), ``customers``, ``source`` (``actual`` or the
        model label) and ``purchases`` (mean holdout purchases per customer).
    """
    fit_map = fits.fits if isinstance(fits, ModelFits) else dict(fits)
    x = calibration["frequency_cal"].to_numpy(float)
    tx = calibration["recency_cal"].to_numpy(float)
    T = calibration["T_cal"].to_numpy(float)
    duration = calibration["duration_holdout"].to_numpy(float)
    bins = np.minimum(x, max_frequency).astype(int)
    data = {"actual": calibration["frequency_holdout"].to_numpy(float)}
    for name, fit in fit_map.items():
        data[fit.label] = conditional_expected_purchases(name, fit.params, duration, x, tx, T)
    frame = pd.DataFrame(data)
    frame["frequency_cal"] = bins
    grouped = frame.groupby("frequency_cal")
    means = grouped.mean().reset_index()
    means["customers"] = grouped.size().to_numpy()
    long = means.melt(id_vars=["frequency_cal", "customers"], var_name="source", value_name="purchases")
    long["bin"] = long["frequency_cal"].astype(str).where(long["frequency_cal"] < max_frequency, f"{max_frequency}+")
    return long[["frequency_cal", "bin", "customers", "source", "purchases"]]


def period_transactions(summary: pd.DataFrame, fit: FitResult, *, max_frequency: int = 7) -> pd.DataFrame:
    """Customers by number of repeat purchases, actual vs the model's expectation.

    The expectation is exact: Σ over customers of P(X(T_i) = n) under the fitted
    model (closed form for BG/NBD and MBG/NBD, quadrature for Pareto/NBD),
    computed once per distinct T.

    Returns
    -------
    pandas.DataFrame
        Long format: ``frequency`` (0 … ``max_frequency``), ``bin`` (label, last
        is "or more"), ``source`` (``actual`` or the model label), ``customers``.
    """
    f_col, _, t_col, _ = _rfm_columns(summary)
    x = summary[f_col].to_numpy(float)
    T = summary[t_col].to_numpy(float)
    t_unique, t_counts = np.unique(T, return_counts=True)
    pmf = _purchase_pmf(fit.model, fit.params, t_unique, max_frequency)
    expected = (pmf * t_counts[:, None]).sum(axis=0)
    expected = np.r_[expected, len(x) - expected.sum()]
    actual = np.bincount(np.minimum(x, max_frequency).astype(int), minlength=max_frequency + 1)
    freq = np.arange(max_frequency + 1)
    labels = [str(i) for i in freq[:-1]] + [f"{max_frequency}+"]
    return pd.concat(
        [
            pd.DataFrame({"frequency": freq, "bin": labels, "source": "actual", "customers": actual.astype(float)}),
            pd.DataFrame({"frequency": freq, "bin": labels, "source": fit.label, "customers": expected}),
        ],
        ignore_index=True,
    )


def tracking_data(
    transactions: pd.DataFrame,
    fit: FitResult,
    split: HoldoutSplit,
    *,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
) -> pd.DataFrame:
    """Weekly repeat purchases of the calibration customers, actual vs predicted.

    The cohort is every customer whose first purchase falls in the calibration
    period. Predicted repeat purchases by the end of week k are Σ over customers
    of the model's unconditional E[X(t)] at their age t then (the tracking plot
    of Fader, Hardie & Lee 2005), computed once per distinct first-purchase day.

    Returns
    -------
    pandas.DataFrame
        One row per week: ``week`` (0-based), ``week_start``, ``period``
        (``calibration`` / ``holdout``), ``actual``, ``predicted``,
        ``actual_cumulative``, ``predicted_cumulative``. Weeks are counted back
        from the calibration end, so none straddles it (the first may be short).
    """
    occ = _occasions(transactions, customer_col, date_col, None, start=split.calibration_start, end=split.holdout_end)
    cal_day = _to_day(split.calibration_end)
    end_day = _to_day(split.holdout_end)
    pc = _per_customer(occ)
    cohort = pc.first <= cal_day
    if not cohort.any():
        raise AnalysisError("no customer made a first purchase in the calibration period; check the split dates.")
    # weeks end on calibration_end, so each week is wholly calibration or wholly holdout
    first_day = int(pc.first[cohort].min())
    start_day = cal_day + 1 - 7 * int(math.ceil((cal_day + 1 - first_day) / 7))
    # repeat occasions of the cohort
    first_of = np.full(len(occ.ids), np.iinfo(np.int64).max)
    first_of[pc.codes[cohort]] = pc.first[cohort]
    repeat = occ.day > first_of[occ.customer]
    weeks_total = (end_day - start_day) // 7 + 1
    actual = np.bincount((occ.day[repeat] - start_day) // 7, minlength=weeks_total)[:weeks_total]
    # predicted: cumulative expectation at the last day of each week
    births, n_born = np.unique(pc.first[cohort], return_counts=True)
    week_last = np.minimum(start_day + 7 * np.arange(weeks_total) + 6, end_day)
    week_first = np.maximum(start_day + 7 * np.arange(weeks_total), first_day)
    age_days = np.maximum(week_last[None, :] - births[:, None], 0)
    unit = UNIT_DAYS[fit.time_unit]
    cum = (expected_purchases(fit.model, fit.params, age_days / unit) * n_born[:, None]).sum(axis=0)
    week_start = _day_to_timestamp(week_first)
    return pd.DataFrame(
        {
            "week": np.arange(weeks_total),
            "week_start": week_start,
            "period": np.where(week_last <= cal_day, "calibration", "holdout"),
            "actual": actual.astype(float),
            "predicted": np.diff(np.r_[0.0, cum]),
            "actual_cumulative": np.cumsum(actual).astype(float),
            "predicted_cumulative": cum,
        }
    )


def p_alive_matrix(
    fit: FitResult, summary: pd.DataFrame, *, max_frequency: int | None = None, quantity: str = "p_alive"
) -> pd.DataFrame:
    """P(alive) (or P(buy again in 26 weeks)) over a frequency × recency grid, at T = the oldest customer's age.

    Parameters
    ----------
    fit
        A transaction model fit.
    summary
        The summary it was fitted on (sets T and the frequency range).
    max_frequency
        Largest frequency shown; default the 99th percentile of frequency (≥ 5).
    quantity
        ``p_alive`` or ``p_buy_again`` (next 26 weeks).

    Returns
    -------
    pandas.DataFrame
        Long format: ``frequency``, ``recency`` (whole time units), ``value``.
        Impossible cells (x = 0 with recency > 0) are NaN.
    """
    f_col, _, t_col, _ = _rfm_columns(summary)
    T = float(summary[t_col].max())
    if max_frequency is None:
        max_frequency = max(5, int(np.ceil(np.quantile(summary[f_col], 0.99))))
    freq = np.arange(max_frequency + 1, dtype=float)
    rec = np.arange(int(np.floor(T)) + 1, dtype=float)
    ff, rr = np.meshgrid(freq, rec, indexing="ij")
    if quantity == "p_alive":
        val = probability_alive(fit.model, fit.params, ff, rr, T)
    elif quantity == "p_buy_again":
        t = 26 * 7 / UNIT_DAYS[fit.time_unit]
        val = probability_buy_again(fit.model, fit.params, t, ff, rr, T)
    else:
        raise AnalysisError(f"quantity {quantity!r} is not p_alive or p_buy_again")
    val = np.where((ff == 0) & (rr > 0), np.nan, val)
    return pd.DataFrame({"frequency": ff.ravel().astype(int), "recency": rr.ravel(), "value": val.ravel()})


# --------------------------------------------------------------------------- spend


@dataclass(frozen=True)
class SpendCheck:
    """Correlation of frequency and mean spend among repeat customers (Gamma-Gamma assumes none)."""

    correlation: float
    n_customers: int
    threshold: float
    warn: bool
    message: str

    def describe(self, lang: str = "en") -> str:
        """The check in one sentence, in ``lang`` (``message`` is the English one)."""
        key = "lifetime_value.spend_correlated" if self.warn else "lifetime_value.spend_independent"
        return i18n.t(key, lang, r=f"{self.correlation:.2f}", threshold=f"{self.threshold:g}",
                      n=f"{self.n_customers:,}")  # fmt: skip


def spend_independence(summary: pd.DataFrame, *, threshold: float = 0.3) -> SpendCheck:
    """Pearson correlation of frequency and monetary value among repeat customers with positive spend.

    ``warn`` is True when |r| > ``threshold``: Gamma-Gamma assumes spend is
    independent of purchase frequency, so its spend predictions are then biased
    for frequent (or infrequent) buyers.
    """
    f_col, _, _, m_col = _rfm_columns(summary)
    x = summary[f_col].to_numpy(float)
    m = summary[m_col].to_numpy(float)
    keep = (x > 0) & (m > 0)
    n = int(keep.sum())
    r = float(np.corrcoef(x[keep], m[keep])[0, 1]) if n > 2 and np.std(m[keep]) > 0 else float("nan")
    warn = bool(np.isfinite(r) and abs(r) > threshold)
    check = SpendCheck(r, n, threshold, warn, "")
    return SpendCheck(r, n, threshold, warn, check.describe("en"))


def spend_distribution(summary: pd.DataFrame, spend_fit: FitResult | None, *, bins: int = 40) -> pd.DataFrame:
    """Observed vs fitted distribution of the mean spend per repeat occasion.

    The fitted density of a customer's mean spend z̄ given x repeat occasions is
    Γ(px+q)/(Γ(px)Γ(q)) · v^q x^{px} z̄^{px−1} / (v + x z̄)^{px+q}; the curve is
    its mixture over the observed x of the repeat customers.

    Returns
    -------
    pandas.DataFrame
        Long format: ``source`` (``observed`` histogram density / ``Gamma-Gamma``),
        ``monetary_value`` (bin centre), ``density``, ``bin_width``. The range is
        cut at the 99th percentile. Without ``spend_fit`` only the observed
        histogram; without repeat customers with a positive spend, empty.
    """
    f_col, _, _, m_col = _rfm_columns(summary)
    x = summary[f_col].to_numpy(float)
    m = summary[m_col].to_numpy(float)
    keep = (x > 0) & (m > 0)
    x, m = x[keep], m[keep]
    if len(m) == 0:
        return pd.DataFrame(columns=["source", "monetary_value", "density", "bin_width"])
    upper = float(np.quantile(m, 0.99))
    edges = np.linspace(0.0, upper, bins + 1)
    hist, _ = np.histogram(m, bins=edges)
    width = edges[1] - edges[0]
    centres = 0.5 * (edges[1:] + edges[:-1])
    observed = hist / (len(m) * width)
    observed_frame = pd.DataFrame({"source": "observed", "monetary_value": centres, "density": observed,
                                   "bin_width": width})  # fmt: skip
    if spend_fit is None:
        return observed_frame
    grid = np.linspace(width / 4, upper, 200)
    xs, counts = np.unique(x, return_counts=True)
    p, q, v = (spend_fit.params[k] for k in ("p", "q", "v"))
    px = p * xs[:, None]
    log_f = (
        special.gammaln(px + q) - special.gammaln(px) - special.gammaln(q) + q * np.log(v)
        + px * np.log(xs[:, None]) + (px - 1) * np.log(grid[None, :]) - (px + q) * np.log(v + xs[:, None] * grid[None, :])
    )  # fmt: skip
    fitted = (np.exp(log_f) * counts[:, None]).sum(axis=0) / counts.sum()
    return pd.concat(
        [
            observed_frame,
            pd.DataFrame({"source": spend_fit.label, "monetary_value": grid, "density": fitted, "bin_width": np.nan}),
        ],
        ignore_index=True,
    )


# --------------------------------------------------------------------------- CLV


@dataclass(frozen=True)
class DiscountRate:
    """An annual discount rate and its monthly equivalent."""

    annual: float
    monthly: float

    def describe(self, lang: str = "en") -> str:
        """The conversion in one sentence, in ``lang``."""
        return i18n.t(
            "lifetime_value.discount", lang, annual=f"{self.annual:.1%}", annual_raw=f"{self.annual:g}",
            monthly=f"{self.monthly:.4%}", monthly_raw=f"{self.monthly:.6f}",
        )  # fmt: skip


def monthly_discount_rate(annual: float) -> DiscountRate:
    """Convert an annual discount rate to the equivalent monthly rate: (1 + d)^(1/12) − 1."""
    if not 0 <= annual < 1:
        raise AnalysisError(f"discount rate {annual} must be in [0, 1), e.g. 0.10 for 10% a year.")
    return DiscountRate(annual, (1 + annual) ** (1 / 12) - 1)


@dataclass(frozen=True)
class ClvResult:
    """Per-customer predictions and totals.

    Attributes
    ----------
    customers
        One row per customer: summary columns, ``cohort`` (first-purchase month),
        ``expected_purchases`` (+ ``_low``/``_high``), ``p_alive``,
        ``p_buy_again``, ``expected_spend``, ``clv`` (+ ``clv_low``/``clv_high``)
        and ``past_value`` (spend so far × margin).
    totals
        ``quantity`` (``clv``, ``expected_purchases``), ``estimate``, ``low``, ``high``.
    spend_basis
        ``gamma_gamma`` (expected spend from the Gamma-Gamma model) or
        ``observed`` (each customer's own average spend per occasion so far).
    """

    customers: pd.DataFrame
    totals: pd.DataFrame
    model: str
    horizon_months: float
    discount: DiscountRate
    margin: float
    draws: int
    interval_level: float
    time_unit: str
    spend_basis: str = "gamma_gamma"

    def total(self, quantity: str = "clv") -> tuple[float, float, float]:
        row = self.totals.set_index("quantity").loc[quantity]
        return float(row["estimate"]), float(row["low"]), float(row["high"])

    def describe(self, lang: str = "en", currency: str = "") -> str:
        """The total CLV with its interval and the discounting, in ``lang`` (amounts in ``currency``)."""
        est, lo, hi = self.total("clv")
        basis = (
            i18n.t("lifetime_value.clv_basis_margin", lang, margin=f"{self.margin:.0%}")
            if self.margin < 1
            else i18n.t("lifetime_value.clv_basis_revenue", lang)
        )
        key = "lifetime_value.clv_total" if self.spend_basis == "gamma_gamma" else "lifetime_value.clv_total_observed"
        text = i18n.t(
            key, lang, model=model_label(self.model, lang), months=f"{self.horizon_months:g}",
            basis=basis, total=_money(est, currency, lang),
        )  # fmt: skip
        if self.draws and np.isfinite(lo) and np.isfinite(hi):
            text += i18n.t(
                "lifetime_value.clv_interval", lang, level=f"{self.interval_level:.0%}", low=_money(lo, currency, lang),
                high=_money(hi, currency, lang), draws=f"{self.draws:,}",
            )  # fmt: skip
        elif self.draws:
            text += i18n.t("lifetime_value.clv_interval_none", lang)
        return text + i18n.t("lifetime_value.sentence_end", lang) + _sep(lang) + self.discount.describe(lang)


def _finite_quantiles(values: np.ndarray, levels: Sequence[float]) -> list[float]:
    """Quantiles of bootstrap totals; NaN when a draw is not finite (the interval is then undefined)."""
    if not np.all(np.isfinite(values)):
        return [math.nan] * len(levels)
    return np.quantile(values, levels).tolist()


def _month_labels(dates: pd.Series) -> np.ndarray:
    """``YYYY-MM`` of each date (vectorized: one string per distinct month, not per row)."""
    months = dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[M]")
    unique, inverse = np.unique(months, return_inverse=True)
    return np.datetime_as_string(unique, unit="M").astype(object)[inverse.ravel()]


def _discounted_purchases(
    model: str,
    params: Mapping[str, Any],
    x: np.ndarray,
    tx: np.ndarray,
    T: np.ndarray,
    month_units: float,
    months: int,
    monthly_rate: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Expected purchases in the horizon and their discounted sum (by month).

    Params may be arrays of shape (D, 1) for draws; data of shape (U,).
    Returns arrays of shape broadcast(params, data).
    """
    t = month_units * np.arange(1, months + 1)
    p = {k: np.asarray(v, dtype=float)[..., None] for k, v in params.items()}
    cum = conditional_expected_purchases(model, p, t, x[..., None], tx[..., None], T[..., None])
    inc = np.diff(cum, axis=-1, prepend=0.0)
    factors = (1 + monthly_rate) ** -np.arange(1, months + 1)
    return cum[..., -1], inc @ factors


def customer_lifetime_value(
    summary: pd.DataFrame,
    transaction_fit: FitResult,
    spend_fit: FitResult | None,
    *,
    horizon_months: float = 12,
    discount_rate_annual: float = 0.10,
    margin: float = 1.0,
    draws: int = 200,
    interval_level: float = 0.9,
    seed: int = 0,
    customer_col: str = "customer_id",
    memory_elements: int = 1_000_000,
) -> ClvResult:
    """CLV per customer over a horizon, with parametric-bootstrap intervals.

    CLV = margin × E[spend per occasion] × Σ_m E[purchases in month m] / (1 + d_m)^m,
    with d_m = (1 + d_annual)^(1/12) − 1 and month m = (m − 1, m] × 30.4375 days.
    E[spend] comes from Gamma-Gamma, or, with ``spend_fit=None``, is the
    customer's own average spend per occasion so far (total value ÷ occasions,
    no shrinkage to the population mean); E[purchases] from the transaction model,
    conditional on each customer's (x, t_x, T). Also: expected purchases in the
    horizon, P(alive) and P(buy again in the horizon) (see
    :func:`probability_buy_again`, meaningful for one-time buyers, whose BG/NBD
    P(alive) is 1).

    Intervals: ``draws`` parameter sets are drawn from the asymptotic normal
    distribution of each model's log-parameters (transaction and spend models
    independently); every customer's CLV and the totals are recomputed per draw,
    vectorized over draws (in chunks of at most ``memory_elements`` values), and
    the ``interval_level`` percentile interval is reported. It reflects parameter
    uncertainty, not the randomness of an individual's purchases. Draws that
    overflow (a parameter the data do not bound) are left out; with fewer than
    half of the draws usable, or a total that is not finite, the interval is
    NaN (undefined) and :meth:`ClvResult.describe` says so.

    Parameters
    ----------
    summary
        From :func:`customer_summary` (to the period end).
    transaction_fit, spend_fit
        Fits on that summary (transaction model and Gamma-Gamma). ``spend_fit``
        None uses each customer's observed average spend (the fallback when
        Gamma-Gamma cannot be fitted or has no finite mean); the interval then
        covers the transaction model's uncertainty only.
    horizon_months
        Horizon in months (whole months).
    discount_rate_annual
        Annual discount rate, converted to monthly.
    margin
        Gross margin in (0, 1]; CLV is on margin when below 1.
    draws
        Bootstrap draws; 0 skips the intervals.
    interval_level
        Central interval probability, e.g. 0.9 for the 5th–95th percentiles.
    seed
        Seed of the draws.

    Returns
    -------
    ClvResult

    Raises
    ------
    AnalysisError
        For invalid settings, and when Gamma-Gamma has no finite mean spend
        (q ≤ 1, or most bootstrap draws with q ≤ 1): pass ``spend_fit=None`` to
        use the observed average spend instead.
    """
    if transaction_fit.model not in TRANSACTION_MODELS:
        raise AnalysisError(f"transaction_fit is {transaction_fit.model}; pass a BG/NBD, Pareto/NBD or MBG/NBD fit.")
    if spend_fit is not None and spend_fit.model != "gamma_gamma":
        raise AnalysisError(f"spend_fit is {spend_fit.model}; pass the Gamma-Gamma fit (fit_spend).")
    if spend_fit is not None and spend_fit.params["q"] <= 1:
        raise _SpendUndefined(
            f"Gamma-Gamma q = {spend_fit.params['q']:.2f} ≤ 1 means the fitted spend has no finite mean; remove or "
            "cap outlier orders (bulk/B2B buyers) in cleaning and rerun, or pass spend_fit=None to use each "
            "customer's observed average spend."
        )
    if not 0 < margin <= 1:
        raise AnalysisError(f"margin {margin} must be in (0, 1], e.g. 0.35 for a 35% gross margin.")
    if horizon_months < 1 or int(horizon_months) != horizon_months:
        raise AnalysisError(f"horizon_months {horizon_months} must be a whole number of months ≥ 1.")
    if not 0 < interval_level < 1:
        raise AnalysisError(f"interval_level {interval_level} must be between 0 and 1, e.g. 0.9.")
    months = int(horizon_months)
    discount = monthly_discount_rate(discount_rate_annual)
    f_col, r_col, t_col, m_col = _rfm_columns(summary)
    x_all = summary[f_col].to_numpy(float)
    tx_all = summary[r_col].to_numpy(float)
    T_all = summary[t_col].to_numpy(float)
    m_all = np.maximum(summary[m_col].to_numpy(float), 0.0)
    (x, tx, T), counts, row = _weighted_unique([x_all, tx_all, T_all])
    month_units = DAYS_PER_MONTH / UNIT_DAYS[transaction_fit.time_unit]
    model, tp = transaction_fit.model, transaction_fit.params
    horizon = month_units * months

    purchases_u, disc_u = _discounted_purchases(model, tp, x, tx, T, month_units, months, discount.monthly)
    if spend_fit is None:
        total_col = "total_value_cal" if "total_value_cal" in summary else "total_value"
        if total_col not in summary:
            raise AnalysisError("the summary lacks total_value; build it with customer_summary() and amounts.")
        spend = np.maximum(summary[total_col].to_numpy(float), 0.0) / (x_all + 1)
    else:
        spend = expected_spend(spend_fit.params, x_all, m_all)
    clv = margin * disc_u[row] * spend
    out = summary.copy()
    if "first_purchase" in out:
        out["cohort"] = _month_labels(out["first_purchase"])
    out["expected_purchases"] = purchases_u[row]
    out["p_alive"] = probability_alive(model, tp, x, tx, T)[row]
    out["p_buy_again"] = probability_buy_again(model, tp, horizon, x, tx, T)[row]
    out["expected_spend"] = spend
    out["clv"] = clv
    total_col = "total_value_cal" if "total_value_cal" in out else "total_value"
    if total_col in out:
        out["past_value"] = margin * out[total_col]
    totals = {
        "clv": [float(clv.sum()), np.nan, np.nan],
        "expected_purchases": [float(out["expected_purchases"].sum()), np.nan, np.nan],
    }
    if draws > 0:
        lo_q, hi_q = (1 - interval_level) / 2, 1 - (1 - interval_level) / 2
        rng = np.random.default_rng(seed)
        tp_draws = transaction_fit.draw(draws, rng)
        # a draw that overflows (a parameter the data do not bound runs off to infinity) is left out
        valid = np.logical_and.reduce([np.isfinite(val) for val in tp_draws.values()])
        if spend_fit is not None:
            sp_draws = spend_fit.draw(draws, rng)
            finite_mean = sp_draws["q"] > 1
            n_finite = int(finite_mean.sum())
            if n_finite < max(10, draws // 2):
                raise _SpendUndefined(
                    f"only {n_finite} of {draws} bootstrap draws of Gamma-Gamma have q > 1 (a finite mean spend): the "
                    "spend model is too uncertain for intervals. Cap outlier orders in cleaning, set "
                    "lifetime_value.bootstrap_draws: 0 to report CLV without intervals, or pass spend_fit=None to "
                    "use each customer's observed average spend.",
                    valid=n_finite,
                    draws=draws,
                )
            valid &= finite_mean & np.logical_and.reduce([np.isfinite(val) for val in sp_draws.values()])
        n_valid = int(valid.sum())
        if n_valid < draws:
            tp_draws = {k: val[valid] for k, val in tp_draws.items()}
            if spend_fit is not None:
                sp_draws = {k: val[valid] for k, val in sp_draws.items()}
        if spend_fit is not None:
            p, q, v = (sp_draws[k][:, None] for k in ("p", "q", "v"))
            pop_mean = v * p / (q - 1)  # (D, 1)
        if n_valid < max(10, draws // 2):  # too few usable draws: no interval (NaN), said in the report
            for col in ("expected_purchases_low", "expected_purchases_high", "clv_low", "clv_high"):
                out[col] = np.nan
        else:
            order = np.argsort(row, kind="stable")  # customers grouped by distinct row
            row_sorted = row[order]
            bounds = np.searchsorted(row_sorted, np.arange(len(x) + 1))
            chunk = max(1, memory_elements // max(1, n_valid * (months + 1)))
            total_clv = np.zeros(n_valid)
            total_purchases = np.zeros(n_valid)
            clv_lo, clv_hi = np.empty(len(x_all)), np.empty(len(x_all))
            pur_lo, pur_hi = np.empty(len(x)), np.empty(len(x))
            td = {k: val[:, None] for k, val in tp_draws.items()}
            # parameters the data do not bound can draw values that overflow: their results are not finite,
            # and an interval that includes them is reported as undefined (NaN), not as a number
            with np.errstate(over="ignore", invalid="ignore"):
                for u0 in range(0, len(x), chunk):
                    u1 = min(len(x), u0 + chunk)
                    pur_d, disc_d = _discounted_purchases(
                        model, td, x[u0:u1], tx[u0:u1], T[u0:u1], month_units, months, discount.monthly
                    )  # (D, U_c)
                    pur_lo[u0:u1], pur_hi[u0:u1] = np.quantile(pur_d, [lo_q, hi_q], axis=0)
                    total_purchases += pur_d @ counts[u0:u1]
                    c0, c1 = bounds[u0], bounds[u1]
                    cust = order[c0:c1]
                    step = max(1, memory_elements // max(1, n_valid))
                    for k0 in range(0, len(cust), step):
                        idx = cust[k0 : k0 + step]
                        if spend_fit is None:
                            spend_d = spend[idx][None, :]
                        else:
                            xi = x_all[idx][None, :]
                            weight = p * xi / (p * xi + q - 1)
                            spend_d = (1 - weight) * pop_mean + weight * m_all[idx][None, :]
                        clv_d = margin * disc_d[:, row[idx] - u0] * spend_d
                        total_clv += clv_d.sum(axis=1)
                        clv_lo[idx], clv_hi[idx] = np.quantile(clv_d, [lo_q, hi_q], axis=0)
            for bound in (pur_lo, pur_hi, clv_lo, clv_hi):
                bound[~np.isfinite(bound)] = np.nan
            out["expected_purchases_low"] = pur_lo[row]
            out["expected_purchases_high"] = pur_hi[row]
            out["clv_low"] = clv_lo
            out["clv_high"] = clv_hi
            totals["clv"][1:] = _finite_quantiles(total_clv, [lo_q, hi_q])
            totals["expected_purchases"][1:] = _finite_quantiles(total_purchases, [lo_q, hi_q])
            draws = n_valid
    totals_frame = pd.DataFrame(
        [{"quantity": k, "estimate": v[0], "low": v[1], "high": v[2]} for k, v in totals.items()]
    )
    return ClvResult(
        customers=out,
        totals=totals_frame,
        model=model,
        horizon_months=float(months),
        discount=discount,
        margin=margin,
        draws=draws,
        interval_level=interval_level,
        time_unit=transaction_fit.time_unit,
        spend_basis="gamma_gamma" if spend_fit is not None else "observed",
    )


# --------------------------------------------------------------------------- reading the results


def _clv_frame(clv: pd.DataFrame | ClvResult | None) -> pd.DataFrame:
    """Per-customer CLV rows of a ClvResult or a frame; an empty frame for None."""
    if clv is None:
        return pd.DataFrame(columns=["customer_id", "clv", "expected_purchases", "p_buy_again"])
    return clv.customers if isinstance(clv, ClvResult) else clv


def _top_label(share: float, lang: str) -> str:
    return i18n.t("lifetime_value.top_label", lang, share=f"{share:.0%}")


def value_concentration(
    clv: pd.DataFrame | ClvResult | None, shares: Sequence[float] = (0.01, 0.05, 0.2), lang: str = "en"
) -> pd.DataFrame:
    """Share of the total future value held by the top customers.

    Returns
    -------
    pandas.DataFrame
        ``top`` (label in ``lang``: top 1% / 前 1%), ``top_share`` (fraction of
        customers), ``customers``, ``clv`` (their total) and ``share_of_clv``;
        empty without a CLV (``clv`` None or no customers).
    """
    frame = _clv_frame(clv)
    if frame.empty:
        return pd.DataFrame(columns=["top", "top_share", "customers", "clv", "share_of_clv"])
    values = np.sort(frame["clv"].to_numpy(float))[::-1]
    total = values.sum()
    rows = []
    for share in shares:
        n = max(1, int(math.ceil(share * len(values))))
        top = values[:n].sum()
        rows.append(
            {
                "top": _top_label(share, lang),
                "top_share": share,
                "customers": n,
                "clv": float(top),
                "share_of_clv": float(top / total) if total > 0 else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def customer_groups(
    transactions: pd.DataFrame,
    columns: Sequence[str] = ("channel", "region"),
    *,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
) -> pd.DataFrame:
    """Each customer's group at their first purchase (e.g. acquisition channel, region).

    Columns absent from ``transactions`` are skipped. Returns ``customer_col`` plus
    one column per group.
    """
    _require_columns(transactions, {"customer_col": customer_col, "date_col": date_col})
    present = [c for c in columns if c in transactions.columns]
    first = transactions.sort_values(date_col, kind="stable").drop_duplicates(customer_col)
    return first[[customer_col, *present]].reset_index(drop=True)


def clv_by_group(
    clv: pd.DataFrame | ClvResult,
    by: str,
    groups: pd.DataFrame | None = None,
    *,
    customer_col: str = "customer_id",
) -> pd.DataFrame:
    """CLV totals and averages by a group (cohort, channel, region, segment …).

    Parameters
    ----------
    clv
        Per-customer CLV (``ClvResult.customers``).
    by
        Group column, in ``clv`` (e.g. ``cohort``) or in ``groups``.
    groups
        Customer attributes with ``customer_col`` and ``by`` (e.g. from
        :func:`customer_groups` or a segmentation); customers without one are "(none)".

    Returns
    -------
    pandas.DataFrame
        ``by``, ``customers``, ``clv_total``, ``clv_mean``, ``clv_median``,
        ``share_of_clv``, ``expected_purchases``, ``p_buy_again_mean``, sorted by
        ``clv_total`` (cohorts chronologically).
    """
    frame = _clv_frame(clv)
    if by not in frame.columns:
        if groups is None or by not in groups.columns:
            raise AnalysisError(
                f"no column {by!r} in the CLV table or the groups; pass groups=customer_groups(transactions, "
                f"[{by!r}]) or a frame with {customer_col!r} and {by!r}."
            )
        _require_columns(groups, {"customer_col": customer_col}, "groups")
        frame = frame.merge(groups[[customer_col, by]].drop_duplicates(customer_col), on=customer_col, how="left")
    keys = frame[by].astype(object).where(frame[by].notna(), "(none)")
    grouped = frame.assign(_g=keys).groupby("_g", sort=False)
    table = pd.DataFrame(
        {
            "customers": grouped.size(),
            "clv_total": grouped["clv"].sum(),
            "clv_mean": grouped["clv"].mean(),
            "clv_median": grouped["clv"].median(),
            "expected_purchases": grouped["expected_purchases"].sum(),
            "p_buy_again_mean": grouped["p_buy_again"].mean(),
        }
    )
    total = table["clv_total"].sum()
    table["share_of_clv"] = table["clv_total"] / total if total > 0 else np.nan
    table = table.rename_axis(by).reset_index()
    table = table.sort_values(by if by == "cohort" else "clv_total", ascending=by == "cohort")
    cols = [by, "customers", "clv_total", "clv_mean", "clv_median", "share_of_clv", "expected_purchases",
            "p_buy_again_mean"]  # fmt: skip
    return table[cols].reset_index(drop=True)


#: shortest window (months) over which the heuristic measures churn
_MIN_HEURISTIC_WINDOW = 3


def heuristic_clv(
    transactions: pd.DataFrame,
    clv: pd.DataFrame | ClvResult | None,
    *,
    period_end: Any = None,
    margin: float = 1.0,
    horizon_months: float = 12,
    window_months: int = 12,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
    currency: str = "",
    lang: str = "en",
) -> tuple[pd.DataFrame, str]:
    """The textbook CLV (AOV × purchases per year × expected lifespan × margin) next to the model's.

    Definitions, with purchase occasions (customer-days), over the ``window_months``
    to ``period_end`` ("last window") and the window before it; the window shrinks
    to half the data span (whole months) when the data are shorter than two windows:

    * AOV = revenue ÷ occasions in the last window;
    * windows shorter than 3 months do not measure churn (annualised, they are
      noise): retention, lifespan and the heuristic CLV are then NaN;
    * purchases per year = occasions ÷ buyers in the last window, × 12 / window;
    * retention = share of the previous window's buyers who bought in the last one,
      annualised as retention^(12 / window); churn = 1 − annual retention;
      expected lifespan = 1 ÷ churn (years);
    * heuristic CLV (lifetime) = AOV × purchases per year × lifespan × margin,
      undiscounted;
    * over the horizon: AOV × purchases per year × ∫₀ᴴ ρᵗ dt × margin with
      ρ the annual retention and H the horizon in years.

    The model CLV is averaged over the last window's buyers (the heuristic's base)
    and over all customers. Without a model CLV (``clv`` None) only the
    heuristic rows are returned, and the reading says so; without transactions
    the table is empty.

    ``currency`` and ``lang`` set how amounts and words read in the sentence and
    the ``quantity`` labels.

    Returns
    -------
    (pandas.DataFrame, str)
        ``quantity``, ``value`` rows, and a plain-language reading of the gap.
    """
    frame = _clv_frame(clv)
    occ = _occasions(transactions, customer_col, date_col, amount_col, end=period_end)
    if len(occ.day) == 0:
        return pd.DataFrame(columns=["quantity", "value"]), i18n.t("lifetime_value.heuristic_unavailable", lang)
    end_day = _to_day(period_end) if period_end is not None else int(occ.day.max())
    span_months = int((end_day - int(occ.day.min()) + 1) // DAYS_PER_MONTH)
    window = int(min(window_months, max(1, span_months // 2)))
    measurable = window >= _MIN_HEURISTIC_WINDOW  # shorter windows, annualised, make churn noise
    w_days = int(round(window * DAYS_PER_MONTH))
    last = occ.day > end_day - w_days
    before = (occ.day > end_day - 2 * w_days) & ~last
    revenue = float(occ.amount[last].sum())
    n_occ = int(last.sum())
    buyers_last = np.unique(occ.customer[last])
    buyers_before = np.unique(occ.customer[before])
    aov = revenue / n_occ if n_occ else float("nan")
    per_year = n_occ / len(buyers_last) * 12 / window if len(buyers_last) else float("nan")
    if len(buyers_before) and measurable:
        retention = float(np.isin(buyers_before, buyers_last).mean()) ** (12 / window)
    else:
        retention = float("nan")
    churn = 1 - retention
    years = horizon_months / 12
    if not np.isfinite(retention):
        lifespan = active_years = float("nan")
    elif retention >= 1:
        lifespan, active_years = float("inf"), years
    elif retention <= 0:
        lifespan, active_years = 0.0, 0.0
    else:
        lifespan = 1 / churn
        active_years = (1 - retention**years) / -math.log(retention)
    h_life = aov * per_year * lifespan * margin
    h_horizon = aov * per_year * active_years * margin
    active_ids = occ.ids.take(buyers_last)
    has_model = not frame.empty
    model_active = float(frame.loc[frame[customer_col].isin(active_ids), "clv"].mean()) if has_model else math.nan
    model_all = float(frame["clv"].mean()) if has_model else math.nan
    months = f"{horizon_months:g}"
    rows = [
        ("window", float(window)),
        ("aov", aov),
        ("per_year", per_year),
        ("retention", retention),
        ("churn", churn),
        ("lifespan", lifespan),
        ("margin", margin),
        ("heuristic_lifetime", h_life),
        ("heuristic_horizon", h_horizon),
        ("model_active", model_active),
        ("model_all", model_all),
    ][: None if has_model else -2]
    table = pd.DataFrame(
        {"quantity": [i18n.t(f"lifetime_value.heuristic.{code}", lang, months=months) for code, _ in rows],
         "value": [value for _, value in rows]}
    )  # fmt: skip
    note = i18n.t("lifetime_value.heuristic_short_window", lang, window=window) if window < 12 else ""
    if not has_model and not np.isfinite(h_horizon):
        reading = i18n.t("lifetime_value.heuristic_none", lang, months=_MIN_HEURISTIC_WINDOW)
    elif not has_model:
        reading = i18n.t("lifetime_value.heuristic_only", lang, heuristic=_money(h_horizon, currency, lang),
                         months=months) + note  # fmt: skip
    elif not np.isfinite(h_horizon) or not np.isfinite(model_active):
        reading = i18n.t("lifetime_value.heuristic_unavailable", lang)
    else:
        ratio = h_horizon / model_active if model_active > 0 else float("inf")
        values = {"heuristic": _money(h_horizon, currency, lang), "model": _money(model_active, currency, lang)}
        if 0.8 <= ratio <= 1.25:
            reading = i18n.t("lifetime_value.heuristic_agrees", lang, **values)
        elif ratio > 1.25:
            reading = i18n.t("lifetime_value.heuristic_higher", lang, ratio=f"{ratio:.1f}", **values)
        else:
            reading = i18n.t("lifetime_value.heuristic_lower", lang, ratio=f"{ratio:.2f}", **values)
        reading += note
    return table, reading


def clv_to_cac(
    clv: pd.DataFrame | ClvResult,
    customers: pd.DataFrame,
    *,
    channel_col: str = "acquisition_channel",
    cost_col: str = "acquisition_cost",
    customer_col: str = "customer_id",
    margin: float | None = None,
) -> pd.DataFrame:
    """CLV : CAC by acquisition channel.

    Customers in ``customers`` without a purchase count with CLV 0 (they cost
    money and bring none). Value is past value (spend so far × margin) plus the
    future CLV over the horizon; ``future_to_cac`` uses the future part only.
    The usual bar is CLV : CAC ≥ 3 on gross margin.

    Returns
    -------
    pandas.DataFrame
        ``acquisition_channel``, ``customers``, ``buyers``, ``cac_mean``,
        ``past_value_mean``, ``clv_mean``, ``value_mean``, ``clv_to_cac``,
        ``future_to_cac``, ``meets_3x``, ``basis`` (``margin`` or ``revenue``).
    """
    frame = clv.customers if isinstance(clv, ClvResult) else clv
    margin = clv.margin if isinstance(clv, ClvResult) and margin is None else (margin or 1.0)
    _require_columns(customers, {"customer_col": customer_col, "channel_col": channel_col, "cost_col": cost_col},
                     "customers")  # fmt: skip
    base = customers[[customer_col, channel_col, cost_col]].drop_duplicates(customer_col)
    value_cols = [customer_col, "clv"] + (["past_value"] if "past_value" in frame else [])
    merged = base.merge(frame[value_cols], on=customer_col, how="left")
    merged["buyer"] = merged["clv"].notna()
    merged["clv"] = merged["clv"].fillna(0.0)
    merged["past_value"] = merged["past_value"].fillna(0.0) if "past_value" in merged else 0.0
    merged[cost_col] = pd.to_numeric(merged[cost_col], errors="coerce")
    merged[channel_col] = merged[channel_col].astype(object).where(merged[channel_col].notna(), "(none)")
    g = merged.groupby(channel_col, sort=False)
    table = pd.DataFrame(
        {
            "customers": g.size(),
            "buyers": g["buyer"].sum(),
            "cac_mean": g[cost_col].mean(),
            "past_value_mean": g["past_value"].mean(),
            "clv_mean": g["clv"].mean(),
        }
    )
    table["value_mean"] = table["past_value_mean"] + table["clv_mean"]
    table["clv_to_cac"] = table["value_mean"] / table["cac_mean"].where(table["cac_mean"] > 0)
    table["future_to_cac"] = table["clv_mean"] / table["cac_mean"].where(table["cac_mean"] > 0)
    table["meets_3x"] = table["clv_to_cac"] >= 3
    table["basis"] = "margin" if margin < 1 else "revenue"
    return table.rename_axis(channel_col).reset_index().sort_values("clv_to_cac", ascending=False,
                                                                    ignore_index=True)  # fmt: skip


# --------------------------------------------------------------------------- report helpers


EXPORT_COLUMNS = (
    "frequency", "recency", "T", "monetary_value", "first_purchase", "last_purchase", "cohort",
    "expected_purchases", "expected_purchases_low", "expected_purchases_high", "p_alive", "p_buy_again",
    "expected_spend", "past_value", "clv", "clv_low", "clv_high",
)  # fmt: skip


def summary_overview(summary: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The customer summary in a few lines (``item`` in ``lang``, ``value`` as display strings)."""
    f_col, r_col, t_col, m_col = _rfm_columns(summary)
    unit_code = summary.attrs.get("time_unit", "W")
    unit = i18n.t(f"lifetime_value.unit.{unit_code if unit_code in UNIT_DAYS else 'W'}", lang)
    x = summary[f_col]
    repeat = x > 0
    rows = [
        ("customers", f"{len(summary):,}"),
        ("repeat_customers", f"{int(repeat.sum()):,} ({repeat.mean():.1%})" if len(summary) else "0"),
        ("repeat_occasions", f"{int(x.sum()):,}"),
        ("repeat_per_customer", f"{x[repeat].mean():.2f}" if repeat.any() else "–"),
        ("median_T", f"{summary[t_col].median():.1f}" if len(summary) else "–"),
        ("median_recency", f"{summary.loc[repeat, r_col].median():.1f}" if repeat.any() else "–"),
        ("mean_repeat_value", f"{summary.loc[repeat, m_col].mean():,.2f}" if repeat.any() and m_col in summary else "–"),
    ]  # fmt: skip
    items = [i18n.t(f"lifetime_value.overview.{code}", lang, unit=unit) for code, _ in rows]
    return pd.DataFrame({"item": items, "value": [value for _, value in rows]})


#: decimals of the export: money to cents, probabilities, purchase counts and times to 4 places
EXPORT_DECIMALS: dict[str, int] = {
    "monetary_value": 2, "expected_spend": 2, "past_value": 2, "clv": 2, "clv_low": 2, "clv_high": 2,
    "p_alive": 4, "p_buy_again": 4, "expected_purchases": 4, "expected_purchases_low": 4,
    "expected_purchases_high": 4, "recency": 4, "T": 4,
}  # fmt: skip


def clv_export(clv: ClvResult | LifetimeValueResult | None, *, customer_col: str = "customer_id") -> pd.DataFrame:
    """Per-customer table for ``exports/clv.csv``: predictions, P(alive), P(buy again), CLV and its interval.

    Sorted by CLV, highest first. Money is rounded to 2 decimals; probabilities,
    expected purchases, recency and T to 4. Given a :class:`LifetimeValueResult`
    without a CLV (no purchase model could be fitted), every customer of the
    summary is listed with the same columns and empty predictions; given None,
    the table is empty.
    """
    predictions = True
    if isinstance(clv, LifetimeValueResult):
        predictions = clv.clv is not None
        frame = clv.clv.customers if predictions else clv.summary.copy()
        if not predictions and "first_purchase" in frame and len(frame):
            frame["cohort"] = _month_labels(frame["first_purchase"])
    elif clv is None:
        frame, predictions = pd.DataFrame(columns=[customer_col]), False
    else:
        frame = clv.customers
    cols = [customer_col, *[c for c in EXPORT_COLUMNS if c in frame.columns or not predictions]]
    if "clv" in frame:
        frame = frame.sort_values("clv", ascending=False, ignore_index=True)
    out = frame.reindex(columns=cols)
    for col, decimals in EXPORT_DECIMALS.items():
        if col in out and pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].round(decimals)
    return out


def top_customers(clv: ClvResult | None, n: int = 10, *, customer_col: str = "customer_id") -> pd.DataFrame:
    """The ``n`` customers with the highest CLV, with the columns a reader needs (empty without a CLV)."""
    cols = [customer_col, "frequency", "recency", "T", "expected_purchases", "p_buy_again", "expected_spend", "clv",
            "clv_low", "clv_high"]  # fmt: skip
    frame = _clv_frame(clv)
    if frame.empty:
        return pd.DataFrame(columns=cols)
    return frame[[c for c in cols if c in frame.columns]].nlargest(n, "clv").reset_index(drop=True)


def _group_name(by: str, lang: str) -> str:
    """How a grouping is named in a sentence: cohort / 首购同期群, channel / 渠道 …"""
    code = "segment" if by == "segment_label" else by
    return i18n.t(f"lifetime_value.group.{code}", lang) if code in GROUPS else str(by)


def _group_value(value: Any, by: str, lang: str) -> str:
    """A group in the report language: cohorts as month names, the missing group as (none) / （无）."""
    if value == "(none)":
        return i18n.t("lifetime_value.none", lang)
    if by == "cohort" and isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}", value):
        return formatting.format_month(value, lang)
    return str(value)


#: groupings the report names in words (``lifetime_value.group.<name>``)
GROUPS = ("cohort", "channel", "region", "store", "segment")


def group_report(
    clv: ClvResult | None,
    by: str,
    groups: pd.DataFrame | None = None,
    *,
    label: str | None = None,
    customer_col: str = "customer_id",
    currency: str = "",
    lang: str = "en",
) -> tuple[pd.DataFrame, str]:
    """:func:`clv_by_group` plus a one-line reading; an empty table and a note when the column is absent.

    ``label`` names the grouping in the sentence (default: ``by``); ``cohort``,
    ``channel``, ``region``, ``store`` and ``segment`` are named in ``lang``.
    Amounts in the sentence are in ``currency``. Without a CLV (``clv`` None)
    the table is empty and the sentence too (the report says why once, see
    :meth:`LifetimeValueResult.describe_groups`).
    """
    if clv is None:
        return pd.DataFrame(columns=[by, "customers", "clv_total", "clv_mean", "share_of_clv"]), ""
    frame = clv.customers
    name = _group_name(label or by, lang)
    available = by in frame.columns or (groups is not None and by in groups.columns)
    if not available:
        return pd.DataFrame(columns=[by, "customers", "clv_total", "clv_mean", "share_of_clv"]), i18n.t(
            "lifetime_value.group_missing", lang, name=name
        )
    table = clv_by_group(clv, by, groups, customer_col=customer_col)
    ranked = table.sort_values("clv_mean", ascending=False)
    top, low = ranked.iloc[0], ranked.iloc[-1]
    text = i18n.t(
        "lifetime_value.group_reading", lang, n=f"{len(table):,}", name=name, top=_group_value(top[by], by, lang),
        mean=_money(top["clv_mean"], currency, lang), share=f"{top['share_of_clv']:.0%}",
        low=_group_value(low[by], by, lang), low_mean=_money(low["clv_mean"], currency, lang),
    )  # fmt: skip
    if by == "cohort":
        text += _sep(lang) + i18n.t("lifetime_value.group_cohort_note", lang)
    return table, text


def cac_report(
    clv: ClvResult | None,
    customers: pd.DataFrame | None,
    *,
    channel_col: str = "acquisition_channel",
    cost_col: str = "acquisition_cost",
    customer_col: str = "customer_id",
    lang: str = "en",
) -> tuple[pd.DataFrame, str]:
    """:func:`clv_to_cac` plus a reading in ``lang``; an empty table and a note without acquisition costs or CLV."""
    if clv is None:
        return pd.DataFrame(columns=[channel_col, "customers", "cac_mean", "clv_mean", "clv_to_cac"]), i18n.t(
            "lifetime_value.skip.model", lang
        )
    if customers is None or channel_col not in customers.columns or cost_col not in customers.columns:
        return pd.DataFrame(columns=[channel_col, "customers", "cac_mean", "clv_mean", "clv_to_cac"]), i18n.t(
            "lifetime_value.cac_missing", lang, channel_col=channel_col, cost_col=cost_col
        )
    table = clv_to_cac(clv, customers, channel_col=channel_col, cost_col=cost_col, customer_col=customer_col)
    paid = table[table["cac_mean"] > 0]
    basis = (
        i18n.t("lifetime_value.cac_basis_margin", lang, margin=f"{clv.margin:.0%}")
        if clv.margin < 1
        else i18n.t("lifetime_value.cac_basis_revenue", lang)
    )
    if paid.empty:
        return table, i18n.t("lifetime_value.cac_unpaid", lang, basis=basis)
    best, worst = paid.iloc[0], paid.iloc[-1]
    text = i18n.t(
        "lifetime_value.cac_reading", lang, meets=f"{int(paid['meets_3x'].sum()):,}", paid=f"{len(paid):,}",
        months=f"{clv.horizon_months:g}", basis=basis, best=_group_value(best[channel_col], channel_col, lang),
        best_ratio=f"{best['clv_to_cac']:.1f}", worst=_group_value(worst[channel_col], channel_col, lang),
        worst_ratio=f"{worst['clv_to_cac']:.1f}",
    )  # fmt: skip
    return table, text


def describe_tracking(tracking: pd.DataFrame, fit: FitResult, lang: str = "en") -> str:
    """How closely the model tracks cumulative repeat purchases in the holdout, in ``lang``."""
    hold = tracking[tracking["period"] == "holdout"]
    cal = tracking[tracking["period"] == "calibration"]
    model = model_label(fit.model, lang)
    if hold.empty or cal.empty:
        return i18n.t("lifetime_value.tracking_empty", lang, model=model)
    a0, p0 = cal["actual_cumulative"].iloc[-1], cal["predicted_cumulative"].iloc[-1]
    actual = hold["actual_cumulative"].iloc[-1] - a0
    predicted = hold["predicted_cumulative"].iloc[-1] - p0
    gap = predicted / actual - 1 if actual else float("nan")
    return i18n.t("lifetime_value.tracking_reading", lang, actual=f"{actual:,.0f}", model=model,
                  predicted=f"{predicted:,.0f}", gap=f"{gap:+.1%}")  # fmt: skip


def describe_period_transactions(hist: pd.DataFrame, lang: str = "en") -> str:
    """Largest gap between actual and expected customers per repeat-purchase count, in ``lang``."""
    wide = hist.pivot(index="bin", columns="source", values="customers")
    model = [c for c in wide.columns if c != "actual"][0]
    gap = (wide[model] - wide["actual"]) / wide["actual"].sum()
    worst = gap.abs().idxmax()
    return i18n.t("lifetime_value.histogram_reading", lang, model=model, bin=worst, gap=f"{abs(gap[worst]):.1%}")


def describe_holdout_by_frequency(data: pd.DataFrame, lang: str = "en") -> str:
    """Reading of the conditional-expectation plot, in ``lang``."""
    wide = data.pivot(index="frequency_cal", columns="source", values="purchases")
    models = [c for c in wide.columns if c != "actual"]
    mae = {m: float((wide[m] - wide["actual"]).abs().mean()) for m in models}
    best = min(mae, key=mae.get)
    return i18n.t("lifetime_value.frequency_reading", lang, model=best, gap=f"{mae[best]:.2f}")


def describe_concentration(concentration: pd.DataFrame, lang: str = "en") -> str:
    """Reading of the top-customer shares, in ``lang`` (that it is not available, for an empty table)."""
    if concentration.empty:
        return i18n.t("lifetime_value.skip.model", lang)
    parts = [
        i18n.t("lifetime_value.concentration_part", lang, top=_top_label(row.top_share, lang),
               share=f"{row.share_of_clv:.0%}")
        for row in concentration.itertuples()
    ]  # fmt: skip
    return i18n.t(
        "lifetime_value.concentration_reading", lang, parts=i18n.t("lifetime_value.list_sep", lang).join(parts)
    )


def describe_spend(spend_fit: FitResult, check: SpendCheck, currency: str = "", lang: str = "en") -> str:
    """Gamma-Gamma in one sentence, with the independence check, in ``lang`` (mean spend in ``currency``)."""
    p, q, v = (spend_fit.params[k] for k in ("p", "q", "v"))
    mean = v * p / (q - 1) if q > 1 else float("inf")
    return i18n.t(
        "lifetime_value.spend_reading", lang, customers=f"{spend_fit.n_customers:,}", mean=_money(mean, currency, lang),
        p=plain_number(p, 3), q=plain_number(q, 3), v=plain_number(v, 3), check=check.describe(lang),
    )  # fmt: skip


def plain_number(value: Any, digits: int = 4) -> str:
    """A number for a report without scientific notation: ``digits`` significant digits, thousands separated.

    825312.4 → ``825,300``; 6.2467 → ``6.247``; 0.000012 → ``< 0.0001``; inf, NaN
    or beyond a billion → ``–`` (not identified by the data: a parameter running
    off to infinity, or an interval the data do not bound).
    """
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(x) or abs(x) >= 1e9:
        return "–"
    if x == 0:
        return "0"
    if abs(x) < 1e-4:
        return "< 0.0001" if x > 0 else "> −0.0001"
    magnitude = math.floor(math.log10(abs(x)))
    if magnitude >= digits - 1:
        return f"{round(x, digits - 1 - magnitude):,.0f}"
    rounded = round(x, digits - 1 - magnitude)
    if abs(rounded) >= 1000:  # 999.96 rounds to 1,000
        return f"{rounded:,.0f}"
    text = f"{rounded:.{digits - 1 - magnitude}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


#: report columns and their header keys (``col.ltv_*`` in the lifetime_value catalog); the
#: group columns channel, region, store and customer_id keep the shared headers
DISPLAY_COLUMNS: dict[str, str] = {
    "model": "ltv_model", "label": "ltv_model", "parameter": "ltv_parameter", "estimate": "ltv_estimate",
    "std_error": "ltv_std_error", "ci95_low": "ltv_ci95_low", "ci95_high": "ltv_ci95_high", "fit": "ltv_fit",
    "n_params": "ltv_n_params", "log_likelihood": "ltv_log_likelihood", "aic": "ltv_aic", "bic": "ltv_bic",
    "holdout_actual": "ltv_holdout_actual", "holdout_predicted": "ltv_holdout_predicted",
    "holdout_error_pct": "ltv_holdout_error_pct", "mae": "ltv_mae", "rmse": "ltv_rmse",
    "auc_buy_again": "ltv_auc_buy_again", "penalizer": "ltv_penalizer", "retried": "ltv_retried",
    "quantity": "ltv_quantity", "low": "ltv_low", "high": "ltv_high", "frequency": "ltv_frequency",
    "recency": "ltv_recency", "T": "ltv_T", "expected_purchases": "ltv_expected_purchases",
    "p_alive": "ltv_p_alive", "p_buy_again": "ltv_p_buy_again", "expected_spend": "ltv_expected_spend",
    "clv": "ltv_clv", "clv_low": "ltv_clv_low", "clv_high": "ltv_clv_high", "top": "ltv_top",
    "top_share": "ltv_top_share", "customers": "ltv_customers", "share_of_clv": "ltv_share_of_clv",
    "cohort": "ltv_cohort", "segment_label": "ltv_segment", "clv_total": "ltv_clv_total", "clv_mean": "ltv_clv_mean",
    "clv_median": "ltv_clv_median", "p_buy_again_mean": "ltv_p_buy_again_mean",
    "acquisition_channel": "ltv_acquisition_channel", "buyers": "ltv_buyers", "cac_mean": "ltv_cac_mean",
    "past_value_mean": "ltv_past_value_mean", "value_mean": "ltv_value_mean", "clv_to_cac": "ltv_clv_to_cac",
    "future_to_cac": "ltv_future_to_cac", "meets_3x": "ltv_meets_3x", "basis": "ltv_basis",
}  # fmt: skip
_FIT_CODES = {"calibration": "calibration", "all data to period end": "full"}
_PARAMETER_SYMBOLS = {"alpha": "α", "beta": "β"}


def display_table(frame: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """A table of this module as the report shows it: headers ``ltv_*`` and words in ``lang``.

    Columns named in :data:`DISPLAY_COLUMNS` are renamed to their ``ltv_*`` header
    (``ctx.show_table`` translates them through ``col.ltv_*``; format keys use the
    new names). Values: model codes become model names, parameter names α/β,
    fits, quantities and bases words, yes/no for flags, cohorts month names, the
    missing group (none) / （无）, and top-share labels follow ``top_share``.
    Numbers are untouched.
    """
    out = frame.copy()

    def t(key: str) -> str:
        return i18n.t(key, lang)

    if "model" in out and "label" in out:  # the comparison: codes name the models
        out = out.drop(columns="label")
    if "model" in out:
        out["model"] = [model_label(m, lang) if m in MODEL_LABELS else m for m in out["model"]]
    if "parameter" in out:
        out["parameter"] = out["parameter"].map(lambda p: _PARAMETER_SYMBOLS.get(p, p))
    if "fit" in out:
        out["fit"] = [t(f"lifetime_value.fit_name.{_FIT_CODES[f]}") if f in _FIT_CODES else f for f in out["fit"]]
    if "quantity" in out:
        codes = ("clv", "expected_purchases")
        out["quantity"] = [t(f"lifetime_value.quantity.{q}") if q in codes else q for q in out["quantity"]]
    if "basis" in out:
        out["basis"] = [t(f"lifetime_value.basis.{b}") if b in ("margin", "revenue") else b for b in out["basis"]]
    for flag in ("retried", "meets_3x"):
        if flag in out:
            out[flag] = [
                (t("lifetime_value.yes") if v else t("lifetime_value.no")) if isinstance(v, (bool, np.bool_)) else v
                for v in out[flag].astype(object)
            ]
    if "top" in out and "top_share" in out:
        out["top"] = [_top_label(s, lang) for s in out["top_share"]]
    for by in ("cohort", "channel", "region", "store", "segment_label", "acquisition_channel"):
        if by in out:
            out[by] = [_group_value(v, by, lang) for v in out[by]]
    return out.rename(columns=DISPLAY_COLUMNS)


# --------------------------------------------------------------------------- simulation


def simulate_transactions(
    n_customers: int,
    *,
    model: str = "bgnbd",
    params: Mapping[str, float] | None = None,
    spend_params: Mapping[str, float] | None = None,
    start: Any = "2024-01-01",
    acquisition_days: int = 84,
    observation_days: int = 546,
    lines_per_occasion: float = 0.0,
    seed: int = 0,
    id_prefix: str = "C",
) -> pd.DataFrame:
    """Simulate transactions from a BG/NBD, MBG/NBD or Pareto/NBD and Gamma-Gamma model (vectorized).

    Customers make a first purchase on a uniformly drawn day of the first
    ``acquisition_days``; repeat purchases follow the model in weeks (rate λ per
    week), truncated at ``observation_days`` after ``start``. Event times are
    floored to days, so two events on one day become one occasion (rare at
    CDNOW-like rates). Each occasion's value is Gamma(p, ν) with ν ~ Gamma(q, v)
    per customer; with ``lines_per_occasion`` > 0 an occasion is split into
    1 + Poisson(lines_per_occasion) order lines (same day, split amount).

    Parameters
    ----------
    n_customers
        Customers to simulate.
    model
        ``bgnbd``, ``mbgnbd`` or ``pareto_nbd``.
    params
        Model parameters (rates per week); default the published CDNOW BG/NBD
        (r 0.243, α 4.414, a 0.793, b 2.426) or Pareto/NBD estimates.
    spend_params
        Gamma-Gamma p, q, v; default the published CDNOW estimates (6.25, 3.74, 15.44).
    start, acquisition_days, observation_days
        Calendar of the simulation.
    lines_per_occasion
        Mean extra order lines per occasion.
    seed
        Random seed.

    Returns
    -------
    pandas.DataFrame
        ``customer_id`` (str), ``order_id`` (str), ``order_date`` (datetime64[ns]),
        ``amount`` (float), sorted by date.
    """
    if model not in TRANSACTION_MODELS:
        raise AnalysisError(f"unknown model {model!r}; use one of {', '.join(TRANSACTION_MODELS)}")
    defaults = {
        "bgnbd": {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
        "mbgnbd": {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
        "pareto_nbd": {"r": 0.553, "alpha": 10.58, "s": 0.606, "beta": 11.67},
    }
    prm = dict(defaults[model] if params is None else params)
    sp = {"p": 6.25, "q": 3.74, "v": 15.44} if spend_params is None else dict(spend_params)
    rng = np.random.default_rng(seed)
    n = int(n_customers)
    birth = rng.integers(0, acquisition_days, size=n)
    age_weeks = (observation_days - 1 - birth) / 7.0
    lam = rng.gamma(prm["r"], 1.0 / prm["alpha"], size=n)
    if model == "pareto_nbd":
        mu = rng.gamma(prm["s"], 1.0 / prm["beta"], size=n)
        life = rng.exponential(1.0 / mu)
        window = np.minimum(age_weeks, life)
        n_events = rng.poisson(lam * window)
        cap = n_events
    else:
        pdrop = rng.beta(prm["a"], prm["b"], size=n)
        # repeat purchases before dropout: BG/NBD drops out after a repeat purchase
        # (K >= 1 purchases, the K-th followed by dropout); MBG/NBD may also drop at time 0
        k = rng.geometric(np.clip(pdrop, 1e-12, 1.0))
        if model == "mbgnbd":
            k = np.where(rng.random(n) < pdrop, 0, k)
        window = age_weeks
        n_events = rng.poisson(lam * window)
        cap = np.minimum(n_events, k)
    owner = np.repeat(np.arange(n), n_events)
    times = rng.random(len(owner)) * window[owner]
    order = np.lexsort((times, owner))
    owner, times = owner[order], times[order]
    starts = np.r_[0, np.cumsum(n_events)[:-1]]
    rank = np.arange(len(owner)) - starts[owner]
    keep = rank < cap[owner]
    owner, times = owner[keep], times[keep]
    cust = np.r_[np.arange(n), owner]
    day = np.r_[birth, birth[owner] + np.floor(times * 7).astype(np.int64)]
    nu = rng.gamma(sp["q"], 1.0 / sp["v"], size=n)
    amount = rng.gamma(sp["p"], 1.0 / nu[cust])
    if lines_per_occasion > 0:
        lines = 1 + rng.poisson(lines_per_occasion, size=len(cust))
        occ_index = np.repeat(np.arange(len(cust)), lines)
        share = rng.exponential(size=len(occ_index))  # normalised: a flat Dirichlet split
        share = share / np.bincount(occ_index, weights=share)[occ_index]
        amount = amount[occ_index] * share
        cust, day = cust[occ_index], day[occ_index]
        order_no = occ_index
    else:
        order_no = np.arange(len(cust))
    width = max(7, len(str(n)))
    ids = np.char.add(id_prefix, np.char.zfill(np.arange(n).astype(str), width))
    frame = pd.DataFrame(
        {
            "customer_id": ids[cust].astype(object),
            "order_id": np.char.add("O", order_no.astype(str)).astype(object),
            "order_date": (np.datetime64(pd.Timestamp(start).date(), "D") + day).astype("datetime64[ns]"),
            "amount": amount,
        }
    )
    return frame.sort_values(["order_date", "customer_id"], kind="stable", ignore_index=True)


# --------------------------------------------------------------------------- the whole analysis


@dataclass(frozen=True)
class Notice:
    """Something the data could not support, stated in any report language.

    Attributes
    ----------
    code
        What happened (``few_repeaters``, ``holdout_shortened`` …). The catalog
        text ``lifetime_value.notice.<code>`` says what could not be estimated,
        why, and what the user can do.
    values
        The numbers and dates of the text; values under ``model``, ``failed``
        and ``requested`` are model codes, named in the report language.
    then
        A catalog key appended to the text: the consequence (e.g. that CLV uses
        the observed average spend instead).
    """

    code: str
    values: Mapping[str, Any] = field(default_factory=dict)
    then: str | None = None

    def text(self, lang: str = "en") -> str:
        """The notice in ``lang``."""
        values = {k: model_label(v, lang) if k in _MODEL_VALUES else v for k, v in self.values.items()}
        text = i18n.t(f"lifetime_value.notice.{self.code}", lang, **values)
        return text if self.then is None else text + _sep(lang) + i18n.t(self.then, lang)


_MODEL_VALUES = ("model", "failed", "requested")
_COMPARISON_COLUMNS = [
    "model", "label", "n_params", "log_likelihood", "aic", "bic", "holdout_actual", "holdout_predicted",
    "holdout_error_pct", "mae", "rmse", "auc_buy_again", "penalizer", "retried",
]  # fmt: skip


def show(ctx: Any, item: pd.DataFrame | str | None, **kwargs: Any) -> Any:
    """Display a table or a sentence of the lifetime-value report, or nothing.

    * None, an empty sentence or an empty table: nothing (None, so the cell shows
      no output) — the report states once, at the top, what was skipped and why;
    * a sentence: ``say`` (escaped; ``**bold**`` kept);
    * a table: ``ctx.show_table(item, **kwargs)`` (IDs masked, headers in the
      report language).

    This lets the notebook run the same cells whatever the data support, without
    branches (see :func:`repurchase.report.show_item`).
    """
    from repurchase.report import show_item

    return show_item(ctx, item, **kwargs)


@dataclass
class LifetimeValueResult:
    """Everything the lifetime-value report shows, and what the data could not support.

    Attributes
    ----------
    split
        Calibration/holdout dates; None when the history is too short for a
        holdout or the dates in params do not fit the data.
    calibration
        Calibration/holdout summary (None without a split).
    fits, spend_fit
        Calibration fits (transaction models, Gamma-Gamma); empty / None when
        the models could not be validated.
    comparison, choice
        Holdout comparison (empty without validation) and the model chosen for
        predictions (None when no model could be fitted).
    summary
        Summary up to the period end.
    full_fits, full_spend_fit
        Refits on all data to the period end (used for predictions).
    spend_check
        Frequency–spend correlation.
    clv
        Predictions per customer and totals; None when no purchase model could
        be fitted.
    model
        The transaction model used for predictions (None without one).
    notices
        What could not be estimated, why, what was done instead and what the
        user can do (:meth:`describe_status`); empty when everything ran as set.
    spend_notice, calibration_spend_notice
        Why Gamma-Gamma is not used for CLV (full data) / was not fitted on the
        calibration period; None when it was.
    settings
        The :class:`repurchase.params.LifetimeValueSettings` of the run.
    """

    split: HoldoutSplit | None
    calibration: pd.DataFrame | None
    fits: ModelFits
    spend_fit: FitResult | None
    comparison: pd.DataFrame
    choice: ModelChoice | None
    summary: pd.DataFrame
    full_fits: ModelFits
    full_spend_fit: FitResult | None
    spend_check: SpendCheck
    clv: ClvResult | None
    model: str | None = None
    notices: tuple[Notice, ...] = ()
    spend_notice: Notice | None = None
    calibration_spend_notice: Notice | None = None
    settings: Any = None

    # -- state ------------------------------------------------------------------

    @property
    def status(self) -> str:
        """``ok`` (everything as set), ``fallback`` (a CLV, with something skipped or replaced) or ``no_clv``."""
        if not self.notices:
            return "ok"
        return "fallback" if self.clv is not None else "no_clv"

    @property
    def reasons(self) -> list[str]:
        """The codes of the notices, e.g. ``["holdout_shortened", "spend_q_le_1"]``."""
        return [n.code for n in self.notices]

    @property
    def validated(self) -> bool:
        """True when the models were compared on a holdout."""
        return bool(self.fits.fits) and not self.comparison.empty

    @property
    def full_fit(self) -> FitResult | None:
        """The refit of the model used for predictions (None without one)."""
        return self.full_fits.fits.get(self.model) if self.model else None

    @property
    def validated_fit(self) -> FitResult | None:
        """The calibration fit of the model used for predictions (None without validation)."""
        return self.fits.fits.get(self.model) if self.model and self.validated else None

    def describe_status(self, lang: str = "en") -> str:
        """What these data could not support, why, and what the user can do; empty when all ran as set."""
        if not self.notices:
            return ""
        head = i18n.t("lifetime_value.status.no_clv" if self.clv is None else "lifetime_value.status.fallback", lang)
        return f"**{head}**" + _sep(lang) + _sep(lang).join(n.text(lang) for n in self.notices)

    # -- split and fits ---------------------------------------------------------

    def describe_split(self, lang: str = "en") -> str:
        """The calibration and holdout dates, or that there is no holdout check."""
        skip = i18n.t("lifetime_value.skip.validation", lang)
        if self.split is None:
            return skip
        return self.split.describe(lang) + ("" if self.validated else _sep(lang) + skip)

    def overview(self, lang: str = "en") -> pd.DataFrame:
        """The customer summary in a few lines (:func:`summary_overview`)."""
        return summary_overview(self.summary, lang)

    def describe_fits(self, which: Literal["calibration", "full"] = "calibration", lang: str = "en") -> str:
        """How every fit went (transaction models, then Gamma-Gamma), in ``lang``.

        ``calibration``: the fits validated on the holdout; ``full``: the refits on
        all data to the period end, which make the predictions. Fits that were not
        attempted say why.
        """
        if which not in ("calibration", "full"):
            raise AnalysisError(f"which is {which!r}; use 'calibration' or 'full'.")
        if which == "calibration":
            fits, spend, notice, skip = self.fits, self.spend_fit, self.calibration_spend_notice, "validation"
        else:
            fits, spend, notice, skip = self.full_fits, self.full_spend_fit, self.spend_notice, "model"
        if not fits.fits and not fits.failures:
            return i18n.t(f"lifetime_value.skip.{skip}", lang)
        lines = fits.describe(lang)
        if spend is not None:
            lines.append(spend.describe(lang))
        elif notice is not None:
            lines.append(notice.text(lang))
        return _sep(lang).join(lines)

    def parameters(self) -> pd.DataFrame:
        """Calibration and full-data parameters with standard errors, side by side (tidy)."""
        parts = []
        for fit_name, fits, spend in (("calibration", self.fits, self.spend_fit),
                                      ("all data to period end", self.full_fits, self.full_spend_fit)):  # fmt: skip
            tables = [f.table() for f in [*fits.fits.values(), spend] if f is not None]
            if tables:
                parts.append(pd.concat(tables, ignore_index=True).assign(fit=fit_name))
        if not parts:
            return pd.DataFrame(columns=["model", "parameter", "estimate", "std_error", "ci95_low", "ci95_high", "fit"])
        return pd.concat(parts, ignore_index=True)

    def parameter_table(self, lang: str = "en") -> pd.DataFrame:
        """:meth:`parameters` as the report shows them: headers and names in ``lang``, numbers as text.

        Numbers have no scientific notation (825,300, not 8.253e+05; see
        :func:`plain_number`): 4 significant digits, 3 for standard errors;
        intervals the data do not bound (infinite or undefined) read "–".
        """
        out = display_table(self.parameters(), lang)
        for col, digits in (("ltv_estimate", 4), ("ltv_std_error", 3), ("ltv_ci95_low", 4), ("ltv_ci95_high", 4)):
            out[col] = [plain_number(v, digits) for v in out[col]]
        return out

    def comparison_table(self, lang: str = "en") -> pd.DataFrame:
        """The holdout comparison as the report shows it (empty without validation)."""
        return display_table(self.comparison.drop(columns=["n_params", "rmse", "penalizer"]), lang)

    def describe_choice(self, lang: str = "en") -> str:
        """The model used for predictions and why, in ``lang``."""
        if self.model is None or self.choice is None:
            return i18n.t("lifetime_value.skip.model", lang)
        head = i18n.t("lifetime_value.model_used", lang, model=model_label(self.model, lang))
        return f"**{head}**" + _sep(lang) + self.choice.describe(lang)

    # -- validation charts ------------------------------------------------------

    def tracking_data(
        self, transactions: pd.DataFrame, *, customer_col: str = "customer_id", date_col: str = "order_date"
    ) -> pd.DataFrame:
        """:func:`tracking_data` of the model used, or an empty table without validation."""
        fit = self.validated_fit
        if fit is None or self.split is None:
            return pd.DataFrame(columns=["week", "week_start", "period", "actual", "predicted", "actual_cumulative",
                                         "predicted_cumulative"])  # fmt: skip
        return tracking_data(transactions, fit, self.split, customer_col=customer_col, date_col=date_col)

    def describe_tracking(self, tracking: pd.DataFrame, lang: str = "en") -> str:
        """:func:`describe_tracking`, or that there is no holdout check."""
        fit = self.validated_fit
        if fit is None or tracking.empty:
            return i18n.t("lifetime_value.skip.validation", lang)
        return describe_tracking(tracking, fit, lang)

    def holdout_by_frequency(self, *, max_frequency: int = 7) -> pd.DataFrame:
        """:func:`holdout_by_frequency` of every validated model (empty without validation)."""
        if not self.validated or self.calibration is None:
            return pd.DataFrame(columns=["frequency_cal", "bin", "customers", "source", "purchases"])
        return holdout_by_frequency(self.calibration, self.fits, max_frequency=max_frequency)

    def describe_holdout_by_frequency(self, data: pd.DataFrame, lang: str = "en") -> str:
        """:func:`describe_holdout_by_frequency`, or that there is no holdout check."""
        if data.empty:
            return i18n.t("lifetime_value.skip.validation", lang)
        return describe_holdout_by_frequency(data, lang)

    def period_transactions(self, *, max_frequency: int = 7) -> pd.DataFrame:
        """:func:`period_transactions` on the calibration period; on all data to the period end without a holdout.

        ``attrs["data"]`` is ``calibration`` or ``full``; empty without a model.
        """
        fit, summary, data = self.validated_fit, self.calibration, "calibration"
        if fit is None:
            fit, summary, data = self.full_fit, self.summary, "full"
        if fit is None or summary is None:
            return pd.DataFrame(columns=["frequency", "bin", "source", "customers"])
        table = period_transactions(summary, fit, max_frequency=max_frequency)
        table.attrs["data"] = data
        return table

    def describe_period_transactions(self, hist: pd.DataFrame, lang: str = "en") -> str:
        """:func:`describe_period_transactions`, saying when it reads all data (no holdout)."""
        if hist.empty:
            return i18n.t("lifetime_value.skip.model", lang)
        text = describe_period_transactions(hist, lang)
        if hist.attrs.get("data") == "full":
            text = i18n.t("lifetime_value.histogram_full_data", lang) + _sep(lang) + text
        return text

    # -- P(alive), spend and CLV ------------------------------------------------

    def p_alive_matrix(self, *, quantity: str = "p_alive") -> pd.DataFrame:
        """:func:`p_alive_matrix` of the refit used for predictions (empty without a model)."""
        if self.full_fit is None:
            return pd.DataFrame(columns=["frequency", "recency", "value"])
        return p_alive_matrix(self.full_fit, self.summary, quantity=quantity)

    def describe_p_alive(self, lang: str = "en") -> str:
        """Nothing when P(alive) is shown; that it is not available otherwise."""
        return "" if self.full_fit is not None else i18n.t("lifetime_value.skip.model", lang)

    def spend_distribution(self, *, bins: int = 40) -> pd.DataFrame:
        """:func:`spend_distribution` on all data: the observed spread, with the Gamma-Gamma curve when fitted."""
        return spend_distribution(self.summary, self.full_spend_fit, bins=bins)

    def describe_spend(self, currency: str = "", lang: str = "en") -> str:
        """Gamma-Gamma in one sentence with the independence check, or why it is not used, in ``lang``."""
        if self.full_spend_fit is not None and self.spend_notice is None:
            return describe_spend(self.full_spend_fit, self.spend_check, currency, lang)
        parts = []
        if self.spend_notice is not None:
            then = self.clv is not None and self.clv.spend_basis == "observed"
            parts.append(replace(self.spend_notice, then="lifetime_value.spend_fallback" if then else None).text(lang))
        if self.spend_check.n_customers > 2 and np.isfinite(self.spend_check.correlation):
            parts.append(self.spend_check.describe(lang))
        return _sep(lang).join(parts)

    def describe_clv(self, lang: str = "en", currency: str = "") -> str:
        """:meth:`ClvResult.describe`, or that there is no CLV."""
        if self.clv is None:
            return i18n.t("lifetime_value.skip.model", lang)
        return self.clv.describe(lang, currency)

    def clv_totals(self, lang: str = "en") -> pd.DataFrame:
        """CLV totals with their interval as the report shows them (empty without a CLV)."""
        if self.clv is None:
            return pd.DataFrame(columns=["ltv_quantity", "ltv_estimate", "ltv_low", "ltv_high"])
        return display_table(self.clv.totals, lang)

    def clv_customers(self) -> pd.DataFrame:
        """Per-customer CLV (``ClvResult.customers``); an empty table without a CLV."""
        return self.clv.customers if self.clv is not None else _clv_frame(None)

    def describe_groups(self, lang: str = "en") -> str:
        """Nothing when CLV by group is shown; that it is not available otherwise (said once for all groups)."""
        return "" if self.clv is not None else i18n.t("lifetime_value.skip.model", lang)


def _empty_summary(customer_col: str, time_unit: str, observation_end: Any) -> pd.DataFrame:
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


def _fit_spend_or_notice(summary: pd.DataFrame, fit_kw: Mapping[str, Any]) -> tuple[FitResult | None, Notice | None]:
    """Gamma-Gamma on a summary, and why it cannot give the expected spend (None when it can)."""
    try:
        fit = fit_spend(summary, **fit_kw)
    except InsufficientData:
        f_col, _, _, m_col = _rfm_columns(summary)
        n = int(((summary[f_col] > 0) & (summary[m_col] > 0)).sum())
        return None, Notice("spend_few", {"n": f"{n:,}", "min": MIN_REPEAT_CUSTOMERS})
    except AnalysisError:
        return None, Notice("spend_failed")
    if fit.params["q"] <= 1:
        return fit, Notice("spend_q_le_1", {"q": f"{fit.params['q']:.2f}"})
    return fit, None


def _date(value: Any) -> str:
    return "–" if value is None or pd.isna(value) else str(pd.Timestamp(value).date())


def run_lifetime_value(
    transactions: pd.DataFrame,
    settings: Any = None,
    *,
    period_end: Any = None,
    models: Sequence[str] = TRANSACTION_MODELS,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> LifetimeValueResult:
    """Run the lifetime-value analysis end to end, degrading gracefully where the data fall short.

    Steps: split → calibration summary → fit BG/NBD, Pareto/NBD, MBG/NBD and
    Gamma-Gamma → holdout comparison → choose the model (params, else lowest
    holdout MAE) → refit the models on all data to the period end → CLV with
    intervals.

    When the data cannot support a step, the run goes on without it and records
    a :class:`Notice` (what, why, what to do) instead of raising:

    * ``holdout_weeks`` more than half of the history (first purchase to the
      holdout end): the holdout is shortened to a third of the history; under
      two weeks, or dates in params that do not fit the data, or fewer than
      :data:`MIN_REPEAT_CUSTOMERS` repeat customers in calibration, or no model
      fitting there: the models are not validated, and the model set in params,
      else BG/NBD, makes the predictions;
    * the model chosen on the holdout fails to refit on all data: the next best
      one is used;
    * fewer than :data:`MIN_REPEAT_CUSTOMERS` repeat customers, or no model that
      fits even with the retry penalizer: no P(alive) and no CLV (``clv`` None);
    * Gamma-Gamma not fitted, q ≤ 1 (no finite mean spend) or too uncertain for
      the intervals: CLV uses each customer's observed average spend.

    Parameters
    ----------
    transactions
        Cleaned transactions up to (at least) the period end.
    settings
        :class:`repurchase.params.LifetimeValueSettings` (defaults when None).
    period_end
        Last day of the report period; default the last transaction date.
    models
        Transaction models to fit (the chosen one must be among them).

    Returns
    -------
    LifetimeValueResult
        ``status`` is ``ok``, ``fallback`` or ``no_clv``; ``notices`` say why.
    """
    if settings is None:
        from repurchase.core.params import LifetimeValueSettings

        settings = LifetimeValueSettings()
    cols = {"customer_col": customer_col, "date_col": date_col}
    _require_columns(transactions, {**cols, "amount_col": amount_col})
    if period_end is None:
        period_end = transactions[date_col].max()
    if settings.model != "auto" and settings.model not in models:
        models = (*models, settings.model)
    models = tuple(models)
    unit = settings.time_unit
    fit_kw = {"penalizer": settings.penalizer, "retry_penalizer": settings.retry_penalizer}
    notices: list[Notice] = []
    no_fits = ModelFits({})
    empty_comparison = pd.DataFrame(columns=_COMPARISON_COLUMNS)
    try:
        if period_end is None or pd.isna(period_end):
            raise InsufficientData("no transactions")
        summary = customer_summary(
            transactions, observation_end=period_end, start=settings.calibration_start, time_unit=unit,
            amount_col=amount_col, **cols,
        )  # fmt: skip
    except InsufficientData:
        summary = _empty_summary(customer_col, unit, period_end)
        return LifetimeValueResult(
            None, None, no_fits, None, empty_comparison, None, summary, no_fits, None, spend_independence(summary),
            None, notices=(Notice("no_transactions"),), settings=settings,
        )  # fmt: skip
    first_purchase = summary["first_purchase"].min()
    history = f"{(pd.Timestamp(period_end).normalize() - first_purchase).days / 7:.1f}"

    # 1. the holdout: shortened when too long for the history, skipped when it cannot be had
    split: HoldoutSplit | None = None
    try:
        split = holdout_split(
            period_end, calibration_start=settings.calibration_start, calibration_end=settings.calibration_end,
            holdout_end=settings.holdout_end, holdout_weeks=settings.holdout_weeks, history_start=first_purchase,
        )  # fmt: skip
    except _HistoryTooShort:
        notices.append(Notice("history_too_short", {"weeks": history}))
    except AnalysisError:  # dates in params that do not fit this period
        notices.append(Notice("split_invalid", {
            "calibration_end": _date(settings.calibration_end), "holdout_end": _date(settings.holdout_end),
            "first": _date(first_purchase), "period_end": _date(period_end)}))  # fmt: skip
    if split is not None and split.calibration_end < first_purchase:
        notices.append(Notice("split_invalid", {
            "calibration_end": _date(split.calibration_end), "holdout_end": _date(split.holdout_end),
            "first": _date(first_purchase), "period_end": _date(period_end)}))  # fmt: skip
        split = None
    if split is not None and split.requested_weeks is not None:
        notices.append(Notice("holdout_shortened", {
            "requested": f"{split.requested_weeks:g}", "history": f"{split.history_weeks:.1f}",
            "weeks": f"{split.holdout_weeks:.1f}"}))  # fmt: skip

    # 2. validation on the holdout
    calibration, fits, spend_fit, cal_spend_notice = None, no_fits, None, None
    comparison, choice = empty_comparison, None
    if split is not None:
        calibration = calibration_holdout_summary(
            transactions, split.calibration_end, split.holdout_end, calibration_start=split.calibration_start,
            time_unit=unit, amount_col=amount_col, **cols,
        )  # fmt: skip
        repeaters = int((calibration["frequency_cal"] > 0).sum())
        if repeaters < MIN_REPEAT_CUSTOMERS:
            notices.append(Notice("calibration_few_repeaters", {
                "n": f"{repeaters:,}", "customers": f"{len(calibration):,}", "min": MIN_REPEAT_CUSTOMERS}))  # fmt: skip
        else:
            fits = _fit_models(calibration, models, **fit_kw)
            if not fits.fits:
                notices.append(Notice("calibration_fit_failed"))
            else:
                spend_fit, cal_spend_notice = _fit_spend_or_notice(calibration, fit_kw)
                comparison = compare_models(calibration, fits)
                try:
                    choice = select_model(comparison, settings.model)
                except AnalysisError:  # the model set in params did not fit
                    choice = select_model(comparison, "auto")
                    notices.append(Notice("requested_failed", {"requested": settings.model, "model": choice.model}))

    # 3. refits on all data to the period end, and the model used for predictions
    full_fits = no_fits
    repeaters = int((summary["frequency"] > 0).sum())
    if repeaters < MIN_REPEAT_CUSTOMERS:
        notices.append(Notice("few_repeaters", {
            "n": f"{repeaters:,}", "customers": f"{len(summary):,}", "min": MIN_REPEAT_CUSTOMERS}))  # fmt: skip
    else:
        full_fits = _fit_models(summary, list(fits.fits) if fits.fits else list(models), **fit_kw)
        if not full_fits.fits:
            notices.append(Notice("fit_failed"))
    model: str | None = None
    if full_fits.fits and choice is not None:
        ranked = comparison[comparison["model"].isin(TRANSACTION_MODELS)].sort_values("mae", kind="stable")
        order = [choice.model, *[m for m in ranked["model"] if m != choice.model]]
        model = next(m for m in order if m in full_fits.fits)
        if model != choice.model:
            note = Notice("refit_failed", {"failed": choice.model, "model": model})
            notices.append(note)
            choice = replace(choice, note=note)
    elif full_fits.fits:
        requested = settings.model
        if requested != "auto" and requested in full_fits.fits:
            model, code = requested, "choice_params"
        elif "bgnbd" in full_fits.fits:
            model, code = "bgnbd", "choice_standard"
        else:
            model, code = next(iter(full_fits.fits)), "choice_fallback"
        if requested != "auto" and model != requested:
            notices.append(Notice("requested_failed", {"requested": requested, "model": model}))
        note = Notice(code, {"model": model})
        choice = ModelChoice(model, note.text("en"), requested, None, note=note)

    # 4. spend and CLV
    full_spend, spend_notice = _fit_spend_or_notice(summary, fit_kw)
    clv: ClvResult | None = None
    if model is not None:
        clv_kw = {
            "horizon_months": settings.horizon_months, "discount_rate_annual": settings.discount_rate_annual,
            "margin": settings.margin, "draws": settings.bootstrap_draws, "interval_level": settings.interval_level,
            "seed": settings.random_seed, "customer_col": customer_col,
        }  # fmt: skip
        try:
            clv = customer_lifetime_value(summary, full_fits[model], full_spend if spend_notice is None else None,
                                          **clv_kw)  # fmt: skip
        except _SpendUndefined as exc:  # most bootstrap draws of Gamma-Gamma have no finite mean
            spend_notice = Notice("spend_uncertain", {"valid": f"{exc.valid:,}", "draws": f"{exc.draws:,}"})
            clv = customer_lifetime_value(summary, full_fits[model], None, **clv_kw)
        if spend_notice is not None:
            notices.append(replace(spend_notice, then="lifetime_value.spend_fallback"))
        if clv.draws and not np.all(np.isfinite(clv.total("clv")[1:])):
            notices.append(Notice("interval_undefined"))
    spend_check = spend_independence(summary, threshold=settings.spend_correlation_warning)
    if any(n.code == "few_repeaters" for n in notices):  # the root cause: the rest (holdout, calibration) is moot
        notices = [
            n
            for n in notices
            if n.code
            not in (
                "holdout_shortened",
                "history_too_short",
                "split_invalid",
                "calibration_few_repeaters",
                "calibration_fit_failed",
            )
        ]
    return LifetimeValueResult(
        split, calibration, fits, spend_fit, comparison, choice, summary, full_fits, full_spend, spend_check, clv,
        model=model, notices=tuple(notices), spend_notice=spend_notice, calibration_spend_notice=cal_spend_notice,
        settings=settings,
    )  # fmt: skip


def _model_metrics(fits: ModelFits, spend_fit: FitResult | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("bgnbd", "pareto_nbd", "mbgnbd"):
        if name in fits.fits:
            fit = fits.fits[name]
            out[name] = {k: float(v) for k, v in fit.params.items()}
            out[name]["log_likelihood"] = float(fit.log_likelihood)
    out["gamma_gamma"] = None if spend_fit is None else {k: float(v) for k, v in spend_fit.params.items()}
    return out


def lifetime_value_metrics(result: LifetimeValueResult) -> dict[str, Any]:
    """The ``lifetime_value`` section of metrics.json (plain, JSON-serialisable values).

    Keys: ``models`` (calibration fits: ``bgnbd {r, alpha, a, b, log_likelihood}``,
    ``pareto_nbd {r, alpha, s, beta, log_likelihood}``, ``mbgnbd`` when fitted,
    ``gamma_gamma {p, q, v}``), ``models_full`` (refits to the period end),
    ``selected_model``, ``holdout {actual, predicted}`` (selected model),
    ``clv_total``, ``clv_total_low``, ``clv_total_high``, ``horizon_months``, plus
    ``time_unit``, ``calibration_end``, ``holdout_end``, ``customers``,
    ``retried`` (models whose fit needed the retry penalizer) and
    ``spend_correlation``.

    What the data could not support is null (a model that was not fitted, the
    holdout figures without validation, CLV without a purchase model), and two
    more keys say why: ``status`` (``fallback`` or ``no_clv``, see
    :attr:`LifetimeValueResult.status`) and ``reason`` (the notice codes, e.g.
    ``["history_too_short", "few_repeaters"]``). They are absent when everything
    ran as set.
    """

    def _num(v: float) -> float | None:
        return float(v) if v is not None and np.isfinite(v) else None

    settings = result.settings
    holdout: dict[str, float | None] = {"actual": None, "predicted": None}
    if result.validated and result.model in set(result.comparison["model"]):
        row = result.comparison.set_index("model").loc[result.model]
        holdout = {"actual": float(row["holdout_actual"]), "predicted": float(row["holdout_predicted"])}
    est, lo, hi = result.clv.total("clv") if result.clv is not None else (math.nan, math.nan, math.nan)
    fits = [*result.fits.fits.values(), *result.full_fits.fits.values(), result.spend_fit, result.full_spend_fit]
    retried = sorted({f.model for f in fits if f is not None and f.retried})
    horizon = result.clv.horizon_months if result.clv is not None else getattr(settings, "horizon_months", math.nan)
    metrics: dict[str, Any] = {
        "models": _model_metrics(result.fits, result.spend_fit),
        "models_full": _model_metrics(result.full_fits, result.full_spend_fit),
        "selected_model": result.model,
        "holdout": holdout,
        "clv_total": _num(est),
        "clv_total_low": _num(lo),
        "clv_total_high": _num(hi),
        "horizon_months": int(horizon) if np.isfinite(horizon) else None,
        "time_unit": result.clv.time_unit if result.clv is not None else result.summary.attrs.get("time_unit"),
        "calibration_end": str(result.split.calibration_end.date()) if result.split is not None else None,
        "holdout_end": str(result.split.holdout_end.date()) if result.split is not None else None,
        "customers": len(result.summary),
        "retried": retried,
        "spend_correlation": _num(result.spend_check.correlation),
    }
    if result.status != "ok":
        metrics["status"] = result.status
        metrics["reason"] = result.reasons
    return metrics


def _stage_run(inputs: Any) -> LifetimeValueResult:
    return run_lifetime_value(inputs.transactions(), inputs.params.lifetime_value, period_end=inputs.period.end)


#: The lifetime-value analysis as a render runs it (see :mod:`repurchase.core.stage`).
STAGE = Stage(name="lifetime_value", run=_stage_run, requires=("segmentation",), metrics=lifetime_value_metrics,
              exports=lambda r: {"exports/clv.csv": clv_export(r)})
