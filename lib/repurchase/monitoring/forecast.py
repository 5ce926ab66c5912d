"""A forecast of the next months' purchase occasions and revenue, from the lifetime-value purchase model.

* **Existing customers**: the purchase model the lifetime-value analysis chose
  and fitted (BG/NBD, Pareto/NBD or MBG/NBD, its own parameters) gives each
  customer's conditional expected purchases over (T, T + t]; the expected
  occasions of month k are the sum over customers of E(t_k) − E(t_{k−1}), with
  t_k the end of month k measured from the cutoff.
* **New customers**: the monthly number of first purchases is forecast by the
  same month last year (seasonal naive) when there are 13 months of history,
  scaled by the trend (last 12 months ÷ the 12 before) when there are 24,
  otherwise the mean of the last 3 months. Each arrival counts its first
  occasion in its month (arriving mid-month) and the model's unconditional
  expected repeat purchases after it.
* **Seasonality**: a stationary model cannot know that December sells more.
  With at least ``seasonal_min_months`` (24) full months of history, a monthly
  multiplicative index (each month ÷ its centred 12-month moving average,
  averaged by calendar month, normalized to mean 1) multiplies the forecast;
  with less history the forecast is stationary and says so.
* **Intervals** (``level``, default 90%): parameter draws from the fit's
  asymptotic normal (log-parameters) give the expected occasions of each draw;
  the occasions of a month are then Poisson around them, and new-customer
  arrivals Poisson around their forecast. Poisson noise ignores that customers
  differ, so the intervals are a lower bound on the uncertainty: the backtest
  coverage measures how they fared.
* **Revenue** = occasions × the mean occasion value of the last 12 months.
* **Backtest**: the same model code refitted (same fit settings) on the data
  known at earlier cutoffs, forecast forward and compared with what happened,
  next to the seasonal-naive baseline (same month last year × trend).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from repurchase.core.errors import AnalysisError, InsufficientData
from repurchase.core.periods import Period, Window
from repurchase.lifetime_value.fit import FitResult, fit_model, weighted_unique
from repurchase.lifetime_value.models import TransactionModel
from repurchase.lifetime_value.summary import customer_summary

__all__ = [
    "BACKTEST_COLUMNS",
    "FORECAST_COLUMNS",
    "Backtest",
    "ForecastSettings",
    "backtest",
    "existing_customer_purchases",
    "forecast_months",
    "monthly_history",
    "seasonal_index",
    "seasonal_naive",
]

#: columns of :func:`forecast_months`
FORECAST_COLUMNS = (
    "month", "purchases", "purchases_low", "purchases_high", "existing", "new_customers", "new_purchases",
    "seasonal_index", "revenue", "revenue_low", "revenue_high",
)  # fmt: skip
#: columns of :attr:`Backtest.table`
BACKTEST_COLUMNS = (
    "cutoff", "month", "horizon", "actual", "forecast", "low", "high", "inside", "baseline", "error", "baseline_error",
)  # fmt: skip


@dataclass(frozen=True)
class ForecastSettings:
    """How the forecast is made (``params.monitoring``)."""

    horizon_months: int = 6
    level: float = 0.9
    draws: int = 200
    seasonal: str = "auto"  # auto | off
    seasonal_min_months: int = 24
    seed: int = 0
    backtest_offsets: tuple[int, ...] = (6, 12)


def monthly_history(occ: pd.DataFrame, end_exclusive: pd.Timestamp) -> pd.DataFrame:
    """Occasions, new customers (first occasions) and revenue of every calendar month before ``end_exclusive``.

    ``occ`` is :func:`~repurchase.core.occasions.purchase_occasions` output. Months
    without an occasion are 0; the last month is the one before ``end_exclusive``.
    """
    occ = occ[occ["occasion_date"] < end_exclusive]
    if occ.empty:
        return pd.DataFrame(columns=["month", "occasions", "new_customers", "revenue"])
    month = occ["occasion_date"].dt.to_period("M")
    span = pd.period_range(month.min(), pd.Timestamp(end_exclusive - pd.Timedelta(days=1)).to_period("M"), freq="M")
    out = pd.DataFrame(
        {
            "occasions": month.value_counts().reindex(span, fill_value=0),
            "new_customers": month[occ["occasion_no"] == 1].value_counts().reindex(span, fill_value=0),
            "revenue": occ["amount"].groupby(month).sum().reindex(span, fill_value=0.0),
        }
    )
    out.index = span.to_timestamp()
    return out.rename_axis("month").reset_index()


def seasonal_index(history: pd.Series, min_months: int = 24) -> np.ndarray | None:
    """Multiplicative monthly index (12 values, January first, mean 1), or None with fewer than ``min_months``.

    ``history`` is monthly values indexed by month start. Each month's ratio to
    its centred 2×12 moving average is averaged by calendar month.
    """
    s = history.astype(float)
    if len(s) < max(min_months, 24):
        return None
    ma = s.rolling(12, center=True).mean().rolling(2).mean().shift(-1)  # the centred 2×12 average
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = (s / ma).where(ma > 0)
    by_month = ratio.groupby(pd.DatetimeIndex(s.index).month).mean().reindex(range(1, 13))
    if by_month.isna().any():
        return None
    index = by_month.to_numpy()
    return index / index.mean()


def seasonal_naive(history: pd.Series, months: pd.DatetimeIndex) -> np.ndarray:
    """Same month last year × trend (last 12 months ÷ the 12 before) when known; else the mean of the last 3 months.

    ``history`` is monthly values indexed by month start, ending just before ``months``.
    """
    s = history.astype(float)
    if len(s) >= 13:
        trend = s.iloc[-12:].sum() / s.iloc[-24:-12].sum() if len(s) >= 24 and s.iloc[-24:-12].sum() > 0 else 1.0
        last_year = s.reindex(months - pd.DateOffset(years=1)).to_numpy()
        # beyond 12 months ahead, last year's value is itself a forecast: reuse the year before
        fallback = s.reindex(months - pd.DateOffset(years=2)).to_numpy() * trend
        return np.where(np.isfinite(last_year), last_year, fallback) * trend
    return np.full(len(months), s.iloc[-3:].mean() if len(s) else 0.0)


def _unit_days(model: TransactionModel) -> float:
    return float(model.units(1.0)) ** -1


def _edges(end_exclusive: pd.Timestamp, months: pd.DatetimeIndex) -> np.ndarray:
    """Days from the cutoff to the end of each forecast month, starting with 0."""
    ends = months + pd.offsets.MonthBegin(1)
    return np.r_[0.0, (ends - end_exclusive).days.to_numpy(dtype=float)]


def existing_customer_purchases(
    fit: FitResult,
    summary: pd.DataFrame,
    end_exclusive: pd.Timestamp,
    months: pd.DatetimeIndex,
    *,
    draws: int = 0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Expected occasions of the customers in ``summary`` in each of ``months`` (after the cutoff).

    Parameters
    ----------
    fit
        The fitted purchase model (its ``time_unit`` is the summary's).
    summary
        :func:`~repurchase.lifetime_value.summary.customer_summary` to the cutoff.
    end_exclusive
        The cutoff: the day after the summary's last observed day.
    months
        Month starts of the forecast.
    draws
        Parameter draws for the intervals (0: none).

    Returns
    -------
    (point, by_draw)
        The expected occasions per month at the estimates, shape (H,), and per
        parameter draw, shape (D, H) (D = 0 rows without draws; draws whose
        parameters are not finite are dropped).
    """
    model = fit.model
    if not isinstance(model, TransactionModel):
        raise AnalysisError(f"{fit.label} is not a purchase model")
    (x, T, tx), weights, _ = weighted_unique(
        [summary[c].to_numpy(dtype=float) for c in ("frequency", "T", "recency")]
    )  # customers who share (x, t_x, T) share their forecast
    t = _edges(end_exclusive, months) / _unit_days(model)

    def monthly(m: TransactionModel) -> np.ndarray:
        # Σ_customers P(alive) · path(x, T): the paths once per distinct (x, T), weighted by the pair's P(alive) sum
        path, pair = m.expected_purchases_by_pair(t, x, T)  # (…, P, H + 1)
        alive = np.nan_to_num(m.p_alive(x, tx, T) * weights, nan=0.0)  # (…, U)
        order = np.argsort(pair, kind="stable")
        starts = np.flatnonzero(np.diff(pair[order], prepend=-1))
        by_pair = np.add.reduceat(alive[..., order], starts, axis=-1)  # (…, P): every pair has a customer
        cum = np.einsum("...ph,...p->...h", np.nan_to_num(path, nan=0.0), by_pair)
        return np.diff(cum, axis=-1)

    point = monthly(model)
    if draws <= 0:
        return point, np.empty((0, len(months)))
    drawn = fit.draw(draws, np.random.default_rng(seed))
    ok = np.logical_and.reduce([np.isfinite(v) for v in drawn.values()])
    chunks = []
    step = max(1, int(2e7 // max(1, len(weights) * len(t))))  # at most 2e7 values at once
    idx = np.flatnonzero(ok)
    for start in range(0, len(idx), step):  # chunks of parameter draws, not of customers
        sel = idx[start : start + step]
        chunks.append(monthly(model.with_params({k: v[sel, None] for k, v in drawn.items()})))
    by_draw = np.concatenate(chunks) if chunks else np.empty((0, len(months)))
    return point, by_draw[np.all(np.isfinite(by_draw), axis=1)]


def _new_customer_matrix(model: TransactionModel, months: pd.DatetimeIndex) -> np.ndarray:
    """(H × H): expected occasions in month j (columns) of one customer arriving mid-month i (rows)."""
    starts = months
    ends = months + pd.offsets.MonthBegin(1)
    mid = starts + (ends - starts) / 2
    unit = _unit_days(model)
    rel_start = ((starts.to_numpy()[None, :] - mid.to_numpy()[:, None]) / np.timedelta64(1, "D")) / unit
    rel_end = ((ends.to_numpy()[None, :] - mid.to_numpy()[:, None]) / np.timedelta64(1, "D")) / unit
    cum = lambda t: model.expected_purchases(np.clip(t, 0.0, None))
    repeats = np.where(rel_end > 0, cum(rel_end) - cum(rel_start), 0.0)
    return np.eye(len(months)) + repeats


def forecast_months(
    fit: FitResult,
    summary: pd.DataFrame,
    history: pd.DataFrame,
    end_exclusive: pd.Timestamp,
    settings: ForecastSettings | None = None,
) -> pd.DataFrame:
    """The forecast of the ``horizon_months`` months after ``end_exclusive`` (see the module notes).

    Parameters
    ----------
    fit
        The purchase model fitted on ``summary``.
    summary
        The customer summary to the cutoff.
    history
        :func:`monthly_history` to the cutoff.
    end_exclusive
        The cutoff (the first day of the first forecast month).

    Returns
    -------
    pandas.DataFrame
        :data:`FORECAST_COLUMNS`: ``purchases`` (occasions) with its interval,
        ``existing`` and ``new_purchases`` (its two parts, before the seasonal
        index), ``new_customers`` (arrivals), ``seasonal_index`` (1 when not
        applied) and ``revenue`` with its interval.
    """
    s = settings or ForecastSettings()
    model = fit.model
    if not isinstance(model, TransactionModel):
        raise AnalysisError(f"{fit.label} is not a purchase model")
    start = pd.Timestamp(end_exclusive).to_period("M").to_timestamp()
    months = pd.date_range(start, periods=s.horizon_months, freq="MS")
    existing, by_draw = existing_customer_purchases(fit, summary, end_exclusive, months, draws=s.draws, seed=s.seed)
    hist = history.set_index("month")
    arrivals = np.clip(seasonal_naive(hist["new_customers"], months), 0.0, None)
    per_arrival = _new_customer_matrix(model, months)
    new = arrivals @ per_arrival
    index = seasonal_index(hist["occasions"], s.seasonal_min_months) if s.seasonal == "auto" else None
    season = np.ones(len(months)) if index is None else index[months.month - 1]
    point = (existing + new) * season
    rng = np.random.default_rng(s.seed + 1)
    if len(by_draw):
        drawn_arrivals = rng.poisson(arrivals, size=(len(by_draw), len(months)))
        means = (by_draw + drawn_arrivals @ per_arrival) * season
        sims = rng.poisson(np.clip(means, 0.0, None))
        alpha = (1 - s.level) / 2
        low, high = np.quantile(sims, [alpha, 1 - alpha], axis=0)
    else:
        low = high = np.full(len(months), np.nan)
    recent = hist.iloc[-12:]
    value = float(recent["revenue"].sum() / recent["occasions"].sum()) if recent["occasions"].sum() > 0 else np.nan
    return pd.DataFrame(
        {
            "month": months,
            "purchases": point,
            "purchases_low": low,
            "purchases_high": high,
            "existing": existing,
            "new_customers": arrivals,
            "new_purchases": new,
            "seasonal_index": season,
            "revenue": point * value,
            "revenue_low": low * value,
            "revenue_high": high * value,
        }
    ).reindex(columns=list(FORECAST_COLUMNS))


@dataclass
class Backtest:
    """Forecasts made at earlier cutoffs against what happened.

    Attributes
    ----------
    table
        :data:`BACKTEST_COLUMNS`, one row per cutoff and forecast month with an
        observed actual; ``error`` and ``baseline_error`` are relative
        (forecast ÷ actual − 1).
    by_horizon
        ``horizon``, ``months``, ``mape``, ``baseline_mape``.
    mape, baseline_mape
        Mean absolute percentage error of the forecast and of the seasonal-naive
        baseline over every backtest month (NaN without any).
    coverage
        Share of the actuals inside the forecast interval.
    level
        The nominal level of the intervals.
    cutoffs
        The cutoffs that could be backtested.
    """

    table: pd.DataFrame
    by_horizon: pd.DataFrame
    mape: float
    baseline_mape: float
    coverage: float
    level: float
    cutoffs: tuple[str, ...]

    @property
    def too_narrow(self) -> bool:
        """True when the intervals held clearly fewer actuals than their level (by more than 10 points)."""
        return bool(np.isfinite(self.coverage) and self.coverage < self.level - 0.10)

    @property
    def better(self) -> str | None:
        """``model`` or ``baseline``: which had the lower MAPE (None without a backtest)."""
        if not (np.isfinite(self.mape) and np.isfinite(self.baseline_mape)):
            return None
        return "model" if self.mape <= self.baseline_mape else "baseline"


def _empty_backtest(level: float) -> Backtest:
    return Backtest(
        pd.DataFrame(columns=list(BACKTEST_COLUMNS)),
        pd.DataFrame(columns=["horizon", "months", "mape", "baseline_mape"]),
        np.nan,
        np.nan,
        np.nan,
        level,
        (),
    )


def backtest(
    transactions: pd.DataFrame,
    history: pd.DataFrame,
    period: Period,
    model_code: str,
    settings: ForecastSettings | None = None,
    *,
    occasion: str = "customer_day",
    time_unit: str = "W",
    penalizer: float = 0.0,
    retry_penalizer: float = 1e-3,
    as_of: Callable[[pd.Timestamp], pd.DataFrame] | None = None,
    offsets: Sequence[int] | None = None,
) -> Backtest:
    """Refit ``model_code`` at each cutoff ``offsets`` months before the period end and forecast forward.

    Parameters
    ----------
    transactions
        Cleaned transactions to the period end.
    history
        :func:`monthly_history` to the period end (the actuals).
    period
        The report month; a cutoff ``k`` months back is the start of month ``period − k + 1``.
    model_code
        The purchase model used for the forecast (refitted the same way).
    as_of
        Transactions as known at a cutoff (``ReportContext.transactions_as_of``);
        None filters ``transactions`` by date.

    Returns
    -------
    Backtest
        Empty (NaN figures) when no cutoff has enough data before it.
    """
    s = settings or ForecastSettings()
    offsets = tuple(offsets if offsets is not None else s.backtest_offsets)
    actual = history.set_index("month")["occasions"].astype(float)
    rows, cutoffs = [], []
    for k in offsets:  # a handful of cutoffs, each one refit
        cutoff = period.shift(-(k - 1)).start
        known = history[history["month"] < cutoff]
        if len(known) < 3:
            continue
        tx = as_of(cutoff) if as_of is not None else transactions[transactions["order_date"] < cutoff]
        try:
            summary = customer_summary(tx, Window.ending(cutoff), occasion=occasion, time_unit=time_unit)  # type: ignore[arg-type]
            fit = fit_model(summary, model_code, penalizer=penalizer, retry_penalizer=retry_penalizer)
        except (InsufficientData, AnalysisError):
            continue
        fc = forecast_months(fit, summary, known, cutoff, s)
        fc = fc[fc["month"] <= period.start]
        base = seasonal_naive(known.set_index("month")["occasions"], pd.DatetimeIndex(fc["month"]))
        obs = actual.reindex(fc["month"]).to_numpy()
        cutoffs.append(str(cutoff.date()))
        rows.append(
            pd.DataFrame(
                {
                    "cutoff": str(cutoff.date()),
                    "month": fc["month"].to_numpy(),
                    "horizon": np.arange(1, len(fc) + 1),
                    "actual": obs,
                    "forecast": fc["purchases"].to_numpy(),
                    "low": fc["purchases_low"].to_numpy(),
                    "high": fc["purchases_high"].to_numpy(),
                    "baseline": base,
                }
            )
        )
    if not rows:
        return _empty_backtest(s.level)
    table = pd.concat(rows, ignore_index=True)
    table["inside"] = (table["actual"] >= table["low"]) & (table["actual"] <= table["high"])
    with np.errstate(invalid="ignore", divide="ignore"):
        table["error"] = table["forecast"] / table["actual"] - 1
        table["baseline_error"] = table["baseline"] / table["actual"] - 1
    table = table.reindex(columns=list(BACKTEST_COLUMNS))
    by_h = (
        table.assign(ae=table["error"].abs(), be=table["baseline_error"].abs())
        .groupby("horizon", as_index=False)
        .agg(months=("actual", "size"), mape=("ae", "mean"), baseline_mape=("be", "mean"))
    )
    finite = np.isfinite(table["error"].to_numpy(dtype=float))
    return Backtest(
        table,
        by_h,
        float(table["error"].abs()[finite].mean()) if finite.any() else np.nan,
        float(table["baseline_error"].abs()[finite].mean()) if finite.any() else np.nan,
        float(table["inside"].mean()),
        s.level,
        tuple(cutoffs),
    )
