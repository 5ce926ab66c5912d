"""Churn (流失) analysis: definitions, churn over time, an early-warning model, survival and an at-risk list.

Retail customers never cancel; they stop buying. Every number of the churn report
comes from a function here. The functions take cleaned transactions (one row per
order line, see :func:`repurchase.cleaning.clean_transactions`) and the exclusive
end of the observation (``period.end_exclusive``) and return tidy DataFrames. All
work is vectorised: no Python loop runs per customer.

Definitions (stated in the report as well)
------------------------------------------
Purchase occasion
    A distinct customer-day (or one order, ``repurchase.occasion: order``), as in
    :func:`repurchase.repurchase.purchase_occasions`.
Inactivity churn
    On day d a customer has churned when d − (last occasion on or before d) > θ
    days. θ is fixed (``churn.threshold_days``) or, by default, the
    ``threshold_quantile`` (0.9) of the days to the next occasion, estimated by
    Kaplan–Meier with every customer's open last gap censored at the end of the
    data (:func:`repurchase.repurchase.purchase_cycle_threshold`), read among the
    gaps that close within ``threshold_horizon_days`` (365) so that it exists even
    when many customers never return.
Active customer
    A customer with at least one occasion whose days since the last occasion are
    at most θ.
Monthly churn rate
    customers active at the start of the month (on its eve) who, by the month's
    last day, have gone more than θ days without an occasion ÷ customers active
    at the start of the month. A customer who lapses and buys again within the
    same month is not counted.
Churned revenue
    the churned customers' revenue in the 365 days up to their last occasion.
Reactivated
    customers churned at the start of the month who buy in the month.
Model-based churn
    the probability of no purchase in the next N days from the fitted BG/NBD,
    1 − P(alive) · [1 − ((α+T)/(α+T+t))^(r+x)], not raw P(alive) (which is 1 for
    every one-time buyer).
Early-warning label
    no occasion in the N days from the cutoff ``[cutoff, cutoff + N days)``;
    features use only rows dated before the cutoff.
Data as known at a cutoff
    Cleaning nets each refund into its order line and drops lines refunded in
    full, so a table cleaned up to the period end already holds refunds dated
    after a cutoff inside the period. With ``as_of`` (e.g.
    ``ReportContext.transactions_as_of``) the backtest reads, at each cutoff,
    the transactions cleaned with that cutoff as their end: features, θ and the
    population see only refunds dated before the cutoff; a label is read from
    the data as known at the end of its label window.

Short or small data
-------------------
A new client (two months of history, twenty customers) must still get a
report. Where the data cannot support a part of the analysis, the functions
return a result that says so instead of raising: an :class:`Unavailable`
(what, why, what the user can do, in the report language) on the result
(:func:`unavailable` reads it), with the dependent tables empty.

* θ: :func:`churn_threshold` with ``fallback=True`` uses N days when the
  Kaplan–Meier quantile cannot be read, and cautions when it was read from less
  than a year of data;
* the monthly trend and the breakdowns: no month with a complete base;
  groups that are all smaller than ``min_group_size`` are pooled and reported
  as too few to show;
* the definition check: no purchase before its cutoff;
* the early-warning model: no purchase three label windows before the end, or
  fewer than :data:`MIN_CLASS` churners or buyers at a cutoff. The at-risk list
  is then built without a model (at risk after more than half of θ without a
  purchase, ranked by value);
* a model that barely beats recency, or a small test set, is flagged by
  :func:`model_caution`.

The notebook shows each part through :func:`show` (a table, a sentence, or
nothing) and the charts draw a slim note instead, so its cells need no branches;
:func:`churn_metrics` records null values with a status and a reason.

Report language
---------------
Every text the report shows comes from the catalog
(``resources/i18n/<lang>/churn.yaml``): the ``describe_*`` sentences,
:func:`metrics_table`, the retention actions (:data:`ACTIONS` holds their keys)
and the names of scores, features, groups and value bands take ``lang`` (or
``language``, where the function already had it). The data stay in codes
(``high``, ``gradient_boosting`` …); :func:`report_table` turns a table into
words and ``col.churn_*`` headers for ``ctx.show_table``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, precision_recall_curve, roc_auc_score, roc_curve
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from threadpoolctl import threadpool_limits

from repurchase.core import formatting, i18n
from repurchase.core.errors import AnalysisError, DataError
from repurchase.core.periods import Window
from repurchase.core import tiers as core_tiers
from repurchase.core.tiers import frequency_role
from repurchase.kpis import gap_durations, purchase_cycle_threshold, purchase_occasions

__all__ = [
    "ACTIONS",
    "BREAKDOWNS",
    "MIN_CLASS",
    "MODELS",
    "MONEY_COLUMNS",
    "RECENCY_AT_RISK_SHARE",
    "ROLES",
    "SMALL_TEST_CHURNERS",
    "SMALL_TEST_CUSTOMERS",
    "UNAVAILABLE_CODES",
    "VALUE_BANDS",
    "WEAK_MARGIN",
    "AsOf",
    "BacktestSets",
    "ChurnDefinition",
    "EarlyWarningResult",
    "NotEnoughData",
    "Unavailable",
    "at_risk_export",
    "at_risk_list",
    "at_risk_preview",
    "at_risk_summary",
    "backtest_sets",
    "churn_breakdown",
    "churn_by",
    "churn_features",
    "churn_labels",
    "churn_metrics",
    "churn_threshold",
    "customer_status",
    "customer_value",
    "definition_check",
    "describe_at_risk",
    "describe_breakdown",
    "describe_choice",
    "describe_definition",
    "describe_logrank",
    "describe_model",
    "describe_model_based",
    "describe_survival",
    "describe_trend",
    "early_warning",
    "feature_label",
    "first_purchase_attributes",
    "frequency_role",
    "group_label",
    "lift_table",
    "logrank_test",
    "metrics_table",
    "model_based_churn",
    "model_caution",
    "model_label",
    "monthly_churn",
    "monthly_churn_by_rfm",
    "rate_for_month",
    "recent_months",
    "report_table",
    "retention_action",
    "show",
    "survival_at",
    "survival_curves",
    "survival_formats",
    "survival_inputs",
    "unavailable",
    "value_band_label",
]

#: Customer roles behind the retention actions: the highest frequency tier, the
#: tiers between, and one-time buyers.
ROLES: tuple[str, ...] = ("loyal", "developing", "one-time")
#: Value bands of active customers, highest first.
VALUE_BANDS: tuple[str, ...] = ("high", "mid", "low")

#: Recommended retention action per (role, value band): its catalog key (text in
#: ``resources/i18n/<lang>/churn.yaml``; ``churn.actions`` in params replaces any).
ACTIONS: dict[tuple[str, str], str] = {
    ("loyal", "high"): "churn.action.loyal_high",
    ("loyal", "mid"): "churn.action.loyal_mid",
    ("loyal", "low"): "churn.action.loyal_low",
    ("developing", "high"): "churn.action.developing_high",
    ("developing", "mid"): "churn.action.developing_mid",
    ("developing", "low"): "churn.action.developing_low",
    ("one-time", "high"): "churn.action.one_time_high",
    ("one-time", "mid"): "churn.action.one_time_mid",
    ("one-time", "low"): "churn.action.one_time_low",
}

#: The scores compared in the backtest (named by :func:`model_label`).
MODELS: tuple[str, ...] = ("gradient_boosting", "logistic", "recency", "bgnbd")

#: ``as_of(cutoff)``: the cleaned transactions as they were known at a cutoff, i.e.
#: cleaned with ``period_end_exclusive = cutoff`` (``ReportContext.transactions_as_of``).
AsOf = Callable[[pd.Timestamp], pd.DataFrame]


def model_label(model: str, lang: str = "en", *, short: bool = False) -> str:
    """Display name of a backtest score (``gradient_boosting`` …) in the report language; ``short`` for chart legends."""
    if model not in MODELS:
        return str(model)
    return i18n.t(f"churn.model_short.{model}" if short else f"churn.model.{model}", lang)


def feature_label(name: str, lang: str = "en") -> str:
    """What an early-warning feature measures, in the report language (the name itself when unknown).

    ``cat_<category>``, ``chn_<channel>`` and ``acq_<channel>`` name the category,
    channel or acquisition channel from the data.
    """
    if i18n.has(f"churn.feature.{name}", lang):
        return i18n.t(f"churn.feature.{name}", lang)
    for prefix, key in (("cat_", "churn.feature_cat"), ("chn_", "churn.feature_chn"), ("acq_", "churn.feature_acq")):
        if name.startswith(prefix):
            return i18n.t(key, lang, name=name[len(prefix) :])
    return name


_EPOCH = np.datetime64("1970-01-01", "D")
_NEVER = np.iinfo(np.int64).max // 4  # "no next occasion"
_MIX_TOP = 8  # columns of a category/channel mix


# ---------------------------------------------------------------------------
# helpers


def _day(values: Any) -> np.ndarray:
    """Dates as int64 days since 1970-01-01."""
    arr = np.asarray(pd.to_datetime(values), dtype="datetime64[ns]")
    return arr.astype("datetime64[D]").astype(np.int64)


def _day1(value: Any) -> int:
    return int(np.datetime64(pd.Timestamp(value).normalize().to_datetime64(), "D").astype(np.int64))


def _month_of_day(days: np.ndarray) -> np.ndarray:
    """Months since 1970-01 of int64 days."""
    return np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def _month_start_day(months: np.ndarray) -> np.ndarray:
    return np.asarray(months, dtype=np.int64).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def _ts_of_month(months: np.ndarray) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(np.asarray(months, dtype=np.int64).astype("datetime64[M]").astype("datetime64[ns]"))


def _end(end: Any) -> pd.Timestamp:
    ts = pd.Timestamp(end)
    if ts != ts.normalize():
        raise AnalysisError(
            f"the end of the observation must be a day boundary (00:00), got {ts}; pass period.end_exclusive"
        )
    return ts


def _require(frame: pd.DataFrame, cols: Sequence[str], what: str) -> None:
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise DataError(
            f"{what} needs the column(s) {', '.join(missing)}; found {', '.join(map(str, frame.columns))}. "
            "Pass the right column names or map them in sources.transactions.columns."
        )


def _before(tx: pd.DataFrame, end: pd.Timestamp, date_col: str) -> pd.DataFrame:
    return tx.loc[tx[date_col] < end]


def _known_at(
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
            _require(frame, cols, f"as_of({cutoff.date()})")
            late = int((frame[date_col] >= cutoff).sum())
            if late:
                raise AnalysisError(
                    f"as_of({cutoff.date()}) returned {late:,} rows dated on or after the cutoff; it must return the "
                    "transactions cleaned with period_end_exclusive = cutoff (ReportContext.transactions_as_of)"
                )
            known[cutoff] = frame
        return known[cutoff]

    return at


def _occasions(
    tx: pd.DataFrame,
    end: pd.Timestamp,
    occasion: str,
    customer_col: str,
    order_col: str,
    date_col: str,
    amount_col: str,
) -> pd.DataFrame:
    rows = _before(tx, end, date_col)
    if rows.empty:
        raise AnalysisError(f"no purchases before {end.date()}; check the period and the cleaning report")
    return purchase_occasions(
        rows, occasion, customer_col=customer_col, order_col=order_col, date_col=date_col, amount_col=amount_col
    )


# ---------------------------------------------------------------------------
# what the data cannot support

_UNAVAILABLE = "churn_unavailable"  # DataFrame.attrs key of an :class:`Unavailable`


@dataclass(frozen=True)
class Unavailable:
    """A part of the analysis the data cannot support yet: what, why, and what the user can do.

    Short or small data (a new client, two months of history, twenty customers)
    must not stop the report: the functions of this module then return a result
    that carries an ``Unavailable`` (an attribute of a result object, or
    ``frame.attrs["churn_unavailable"]`` of a table; :func:`unavailable` reads
    both) and the notebook shows its sentence instead of what is missing
    (:func:`show`).

    Attributes
    ----------
    code
        The reason; the sentence is the catalog entry ``churn.unavailable.<code>``.
    values
        Its placeholders: numbers and ISO dates; ``month`` (``YYYY-MM``) is written
        out and ``set`` (``training``, ``test``) named in the report language.
    """

    code: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def text(self, lang: str = "en", **extra: Any) -> str:
        """What could not be estimated, why, and what the user can do, in ``lang`` (``extra``: more placeholders)."""
        values = {**self.values, **extra}
        if "month" in values:
            values["month"] = _month(values["month"], lang)
        if values.get("set") in ("training", "test"):
            values["set"] = i18n.t(f"churn.set.{values['set']}", lang)
        return i18n.t(f"churn.unavailable.{self.code}", lang, **values)

    def metrics(self) -> dict[str, str]:
        """``{"status": "unavailable", "reason": code}`` for metrics.json."""
        return {"status": "unavailable", "reason": self.code}


#: the reasons of :class:`Unavailable` (catalog ``churn.unavailable.<code>``)
UNAVAILABLE_CODES: tuple[str, ...] = (
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


class NotEnoughData(AnalysisError):
    """The data are too short or too small for one part of the analysis (see :class:`Unavailable`)."""

    def __init__(self, message: str, unavailable: Unavailable):
        super().__init__(message)
        self.unavailable = unavailable


def _mark(frame: pd.DataFrame, why: Unavailable | None) -> pd.DataFrame:
    if why is not None:
        frame.attrs[_UNAVAILABLE] = why
    return frame


def unavailable(result: Any) -> Unavailable | None:
    """Why a result of this module could not be computed, or None when it could.

    Reads :attr:`EarlyWarningResult.unavailable`, :attr:`ChurnDefinition.unavailable`
    or, for a table, ``frame.attrs["churn_unavailable"]``.
    """
    if isinstance(result, pd.DataFrame):
        return result.attrs.get(_UNAVAILABLE)
    return getattr(result, "unavailable", None)


def show(ctx: Any, item: pd.DataFrame | str | None, **kwargs: Any) -> Any:
    """Display a table or a sentence of the churn report, or nothing.

    * a table that carries an :class:`Unavailable`: its sentence (what, why, what
      to do) in the report language;
    * an empty table, an empty sentence or None: nothing (None, so the cell shows
      no output);
    * otherwise ``ctx.show_table(item, **kwargs)``, or ``say`` for a sentence.

    This lets the notebook run the same cells whatever the data support, without
    branches.
    """
    from repurchase.report import say, show_item

    why = None if item is None or isinstance(item, str) else unavailable(item)
    if why is not None:
        return say("{text}", text=why.text(ctx.language))
    return show_item(ctx, item, **kwargs)


def _safe_div(num: Any, den: Any) -> np.ndarray:
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    return np.divide(num, den, out=np.full(np.broadcast(num, den).shape, np.nan), where=den != 0)


# ---------------------------------------------------------------------------
# definitions


@dataclass(frozen=True)
class ChurnDefinition:
    """The inactivity definition used throughout the report.

    Attributes
    ----------
    threshold_days
        θ: a customer has churned after more than θ days without a purchase.
    source
        ``fixed`` (from params), ``kaplan_meier``, or ``default`` (θ could not be
        estimated and is N, see ``unavailable``).
    quantile, horizon_days
        The Kaplan–Meier quantile and the horizon it was read within.
    window_days
        N, the horizon of the model-based definition and the early-warning label.
    end
        Exclusive end of the observation.
    unavailable
        With ``source="default"``: why the Kaplan–Meier θ could not be estimated.
    history_days
        With ``source="kaplan_meier"``: the days of purchases θ was estimated from
        (first purchase to the last observed day).
    """

    threshold_days: int
    source: str
    quantile: float
    horizon_days: int | None
    window_days: int
    end: pd.Timestamp
    unavailable: Unavailable | None = None
    history_days: int | None = None

    def describe(self, lang: str = "en") -> str:
        """The inactivity definition in one sentence, in the report language."""
        return describe_definition(self, lang)


def churn_threshold(
    tx: pd.DataFrame,
    end: Any,
    *,
    threshold_days: int | None = None,
    quantile: float = 0.9,
    horizon_days: int | None = 365,
    window_days: int = 90,
    fallback: bool = False,
    occasion: str = "customer_day",
    customer_col: str = "customer_id",
    order_col: str = "order_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> ChurnDefinition:
    """The inactivity threshold θ: fixed, or the Kaplan–Meier quantile of purchase gaps.

    Parameters
    ----------
    tx
        Cleaned transactions; only rows before ``end`` are used.
    end
        Exclusive end of the observation (a day boundary).
    threshold_days
        A fixed θ (``churn.threshold_days``); the data are then not used.
    quantile, horizon_days
        The quantile of the days to the next occasion (open last gaps censored),
        read among gaps closing within ``horizon_days`` (None: unconditional), as
        :func:`repurchase.repurchase.purchase_cycle_threshold`. θ is rounded up to
        whole days.
    window_days
        N of the model-based definition (recorded in the result).
    fallback
        When θ cannot be estimated (no purchase before ``end``, nobody has bought
        twice yet, or too few customers came back to read the quantile): with
        True, θ = ``window_days`` (source ``default``, the reason in
        ``unavailable``, stated by :meth:`ChurnDefinition.describe`); with False,
        raise.

    Returns
    -------
    ChurnDefinition
    """
    end = _end(end)
    if threshold_days is not None:
        if threshold_days < 1:
            raise AnalysisError(f"churn.threshold_days must be at least 1, got {threshold_days}")
        return ChurnDefinition(int(threshold_days), "fixed", quantile, horizon_days, int(window_days), end)
    rows = _before(tx, end, date_col)
    try:
        if rows.empty:
            raise AnalysisError(
                f"no purchases before {end.date()}: cannot estimate the churn threshold; check the period"
            )
        value = purchase_cycle_threshold(
            rows, quantile, end=end, occasion=occasion, horizon_days=horizon_days, customer_col=customer_col,
            order_col=order_col, date_col=date_col, amount_col=amount_col,
        )  # fmt: skip
    except AnalysisError:
        if not fallback:
            raise
        code = "threshold_no_purchases" if rows.empty else "threshold_not_estimable"
        first = "" if rows.empty else rows[date_col].min().date().isoformat()
        why = Unavailable(
            code,
            {"date": end.date().isoformat(), "first": first, "quantile": f"{quantile:.0%}", "days": int(window_days)},
        )
        return ChurnDefinition(int(window_days), "default", quantile, horizon_days, int(window_days), end, why)
    history = int((end - pd.Timedelta(days=1) - rows[date_col].min().normalize()).days)
    return ChurnDefinition(
        int(math.ceil(value)), "kaplan_meier", quantile, horizon_days, int(window_days), end, history_days=history
    )


def customer_status(
    tx: pd.DataFrame,
    end: Any,
    threshold_days: int,
    *,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Every past buyer's inactivity status on the last observed day.

    Returns
    -------
    pandas.DataFrame
        One row per customer, sorted by ID: ``customer_id``, ``first_date``,
        ``last_date`` (days), ``days_since_last`` (from the last occasion to the
        last day before ``end``), ``spend_365d`` (spend in the 365 days up to that
        day) and ``status`` (``active`` when ``days_since_last`` ≤ θ, else
        ``churned``).
    """
    end = _end(end)
    _require(tx, [customer_col, date_col, amount_col], "customer status")
    rows = _before(tx, end, date_col)
    last_day = end - pd.Timedelta(days=1)
    day = rows[date_col].dt.normalize()
    recent = rows[amount_col].where(day > last_day - pd.Timedelta(days=365), 0.0)
    out = pd.DataFrame(
        {
            "first_date": day.groupby(rows[customer_col], sort=True).min(),
            "last_date": day.groupby(rows[customer_col], sort=True).max(),
            "spend_365d": recent.groupby(rows[customer_col], sort=True).sum().astype(float),
        }
    )
    out["days_since_last"] = (last_day - out["last_date"]).dt.days.astype(np.int64)
    out["status"] = np.where(out["days_since_last"] <= threshold_days, "active", "churned")
    out = out.rename_axis("customer_id").reset_index()
    return out[["customer_id", "first_date", "last_date", "days_since_last", "spend_365d", "status"]]


# ---------------------------------------------------------------------------
# customer attributes


def first_purchase_attributes(
    tx: pd.DataFrame,
    columns: Sequence[str] = ("category", "channel", "region", "store"),
    *,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Attributes fixed at acquisition: the first purchase's category, channel, region, store, and the cohort.

    The first purchase is the customer's earliest order line; among lines at the
    same time, the one with the largest amount ("first category" is the category
    of the main line of the first order).

    Returns
    -------
    pandas.DataFrame
        Indexed by customer ID (sorted): ``cohort`` (quarter of the first purchase,
        e.g. ``2024Q1``) and ``first_<column>`` for each column present in ``tx``
        (missing values become ``"(unknown)"``).
    """
    _require(tx, [customer_col, date_col, amount_col], "first-purchase attributes")
    present = [c for c in columns if c in tx.columns]
    frame = tx[[customer_col, date_col, amount_col, *present]]
    ordered = frame.sort_values([customer_col, date_col, amount_col], ascending=[True, True, False], kind="stable")
    first = ordered.drop_duplicates(customer_col, keep="first").set_index(customer_col)
    out = pd.DataFrame(index=first.index)
    out["cohort"] = first[date_col].dt.to_period("Q").astype(str)
    for c in present:
        out[f"first_{c}"] = first[c].astype(object).where(first[c].notna(), "(unknown)").astype(str)
    out.index.name = "customer_id"
    return out


def _tier_of_count(count: np.ndarray, thresholds: Mapping[str, int]) -> np.ndarray:
    """Frequency tier of occasion counts (highest tier met, else one-time), as object array."""
    from repurchase.segments import frequency_tiers

    return core_tiers.frequency_tiers(pd.Series(count), thresholds).astype(str).to_numpy(dtype=object)


# ---------------------------------------------------------------------------
# churn over time


@dataclass(frozen=True)
class _Gaps:
    cust: np.ndarray  # customer code
    start: np.ndarray  # day of the occasion that opens the gap (L)
    nxt: np.ndarray  # day of the next occasion, or _NEVER
    number: np.ndarray  # occasion number of L (1 = first purchase)
    revenue_365: np.ndarray  # customer revenue in the 365 days up to and including L
    ids: pd.Index  # customer ids by code
    first_day: int  # first day of the data
    last_day: int  # last observed day


def _gaps(occ: pd.DataFrame, end: pd.Timestamp) -> _Gaps:
    """Every gap between consecutive occasions, with the customer's trailing-year revenue at its start."""
    codes, ids = pd.factorize(occ["customer_id"], sort=True)
    day = _day(occ["occasion_date"])
    order = np.lexsort((day, codes))
    codes, day = codes[order].astype(np.int64), day[order]
    amount = occ["amount"].to_numpy(dtype=float)[order]
    same_next = np.r_[codes[1:] == codes[:-1], False]
    nxt = np.where(same_next, np.r_[day[1:], 0], _NEVER)
    starts = np.r_[True, codes[1:] != codes[:-1]]
    first_idx = np.maximum.accumulate(np.where(starts, np.arange(len(codes)), 0))
    number = np.arange(len(codes)) - first_idx + 1
    # revenue in (L - 365, L]: cumulative sums, searched on (customer, day) keys
    span = int(day.max()) + 400
    key = codes * span + day
    lo = np.searchsorted(key, codes * span + (day - 365), side="right")
    cum = np.r_[0.0, np.cumsum(amount)]
    revenue = cum[np.arange(len(codes)) + 1] - cum[lo]
    return _Gaps(codes, day, nxt, number, revenue, pd.Index(ids), int(day.min()), _day1(end) - 1)


def _group_of_gaps(
    g: _Gaps, by: str | None, attributes: pd.DataFrame | None, frequency_tiers: Mapping[str, int] | None
) -> np.ndarray:
    if by is None:
        return np.full(len(g.cust), "all", dtype=object)
    if by == "frequency_tier":
        if frequency_tiers is None:
            raise AnalysisError("by='frequency_tier' needs frequency_tiers (params.segmentation.frequency_tiers)")
        return _tier_of_count(g.number, frequency_tiers)
    if attributes is None or by not in attributes.columns:
        known = [] if attributes is None else list(attributes.columns)
        raise AnalysisError(f"no customer attribute {by!r}; known: {', '.join(['frequency_tier', *known])}")
    values = attributes[by].reindex(g.ids).astype(object).fillna("(unknown)").to_numpy(dtype=object)
    return values[g.cust]


def monthly_churn(
    tx: pd.DataFrame,
    end: Any,
    threshold_days: int,
    *,
    by: str | None = None,
    attributes: pd.DataFrame | None = None,
    frequency_tiers: Mapping[str, int] | None = None,
    occasion: str = "customer_day",
    customer_col: str = "customer_id",
    order_col: str = "order_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Monthly inactivity churn: active at the start, churned, reactivated, churned revenue.

    For month m with first day s and last day e:

    * ``active_start``: customers whose last occasion L ≤ s − 1 has s − 1 − L ≤ θ;
    * ``churned``: of those, customers without an occasion in [s, e] and with
      e − L > θ (they crossed θ days during the month and had not come back by e);
    * ``churn_rate`` = churned ÷ active_start;
    * ``reactivated``: customers churned on s − 1 who buy in the month;
    * ``new``: customers whose first occasion is in the month;
    * ``churned_revenue``: the churned customers' revenue in the 365 days up to L.

    so that active at the start of m + 1 = active_start − churned + new + reactivated.

    Parameters
    ----------
    tx
        Cleaned transactions (rows on or after ``end`` are ignored).
    end
        Exclusive end of the observation; months after its last full month are
        left out.
    threshold_days
        θ.
    by
        None, ``frequency_tier`` (the tier of the customer's occasion count at the
        start of the month, see :func:`repurchase.segments.frequency_tiers`) or a
        column of ``attributes`` (e.g. ``first_category``, ``cohort``).
    attributes
        Customer attributes indexed by customer ID (:func:`first_purchase_attributes`).
    frequency_tiers
        Tier minimums (``params.segmentation.frequency_tiers``), for ``by="frequency_tier"``.

    Returns
    -------
    pandas.DataFrame
        ``month`` (first day), ``group`` (``all`` without ``by``), ``active_start``,
        ``churned``, ``churn_rate``, ``reactivated``, ``new``, ``churned_revenue``
        and ``complete`` (False while the month's look-back, θ + 1 days before it,
        starts before the data: customers who bought before the data are missing
        from the base, so the rate is biased). When no month is complete (or the
        data hold less than one full month, and the table is empty) the table
        carries an :class:`Unavailable` (``no_complete_month``, see :func:`unavailable`).
    """
    end = _end(end)
    theta = int(threshold_days)
    occ = _occasions(tx, end, occasion, customer_col, order_col, date_col, amount_col)
    g = _gaps(occ, end)
    group = _group_of_gaps(g, by, attributes, frequency_tiers)
    labels, gcode = np.unique(group.astype(str), return_inverse=True)
    n_groups = len(labels)
    m_first = int(_month_of_day(np.array([g.first_day]))[0])
    m_last = int(_month_of_day(np.array([g.last_day]))[0])
    if int(_month_start_day(np.array([m_last + 1]))[0]) - 1 != g.last_day:
        m_last -= 1  # the last month is not fully observed
    cols = [
        "month",
        "group",
        "active_start",
        "churned",
        "churn_rate",
        "reactivated",
        "new",
        "churned_revenue",
        "complete",
    ]
    # the first month whose look-back (θ + 1 days before it) lies inside the data
    ready_day = g.first_day + theta + 1
    m_ready = int(_month_of_day(np.array([ready_day]))[0])
    m_ready += int(int(_month_start_day(np.array([m_ready]))[0]) < ready_day)
    why = Unavailable("no_complete_month", {
        "days": theta + 1, "first": str(np.datetime64(g.first_day, "D")),
        "month": str(np.datetime64(m_ready, "M")),
    })  # fmt: skip
    if m_last < m_first:  # not one full month of data: nothing to count yet
        empty = pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(cols, _TREND_DTYPES)})
        return _mark(empty, why)
    n_months = m_last - m_first + 1
    L, N = g.start, g.nxt
    C = L + theta + 1  # first day on which the customer counts as churned
    mL, mC = _month_of_day(L), _month_of_day(C)
    mN = np.where(N < _NEVER, _month_of_day(np.minimum(N, 10**7)), np.iinfo(np.int64).max)
    # active at the start of months a..b
    a = mL + 1
    b = _month_of_day(np.minimum(N, C))
    a_i = np.clip(a - m_first, 0, n_months)
    b_i = np.clip(b - m_first + 1, 0, n_months)
    ok = b_i > a_i
    diff = np.zeros((n_groups, n_months + 1))
    np.add.at(diff, (gcode[ok], a_i[ok]), 1.0)
    np.add.at(diff, (gcode[ok], b_i[ok]), -1.0)
    active = np.cumsum(diff, axis=1)[:, :n_months]

    def _count(mask: np.ndarray, month: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        idx = month[mask] - m_first
        keep = (idx >= 0) & (idx < n_months)
        out = np.zeros((n_groups, n_months))
        w = None if weights is None else weights[mask][keep]
        np.add.at(out, (gcode[mask][keep], idx[keep]), 1.0 if w is None else w)
        return out

    churn_mask = (C < N) & (mN > mC) & (mL < mC)
    churned = _count(churn_mask, mC)
    churned_rev = _count(churn_mask, mC, g.revenue_365)
    react_mask = (N < _NEVER) & (C < N) & (mC < mN)
    reactivated = _count(react_mask, mN)
    # first occasions: the group is the group of the gap that the first purchase opens
    new = _count(g.number == 1, mL)
    months = np.arange(m_first, m_last + 1)
    month_start = _month_start_day(months)
    complete = month_start - 1 - theta >= g.first_day
    frame = pd.DataFrame(
        {
            "month": np.tile(_ts_of_month(months), n_groups),
            "group": np.repeat(labels, n_months),
            "active_start": active.ravel().round().astype(np.int64),
            "churned": churned.ravel().round().astype(np.int64),
            "reactivated": reactivated.ravel().round().astype(np.int64),
            "new": new.ravel().round().astype(np.int64),
            "churned_revenue": churned_rev.ravel(),
            "complete": np.tile(complete, n_groups),
        }
    )
    frame["churn_rate"] = _safe_div(frame["churned"], frame["active_start"])
    out = frame[cols].sort_values(["group", "month"], kind="stable").reset_index(drop=True)
    return _mark(out, None if complete.any() else why)


_TREND_DTYPES = ("datetime64[ns]", object, np.int64, np.int64, float, np.int64, np.int64, float, bool)


def rate_for_month(trend: pd.DataFrame, month: Any, group: str = "all") -> float | None:
    """The churn rate of one month (None when the month is missing or incomplete)."""
    month = pd.Timestamp(month).to_period("M").to_timestamp()
    row = trend[(trend["month"] == month) & (trend["group"] == group)]
    if row.empty or not bool(row["complete"].iloc[0]) or pd.isna(row["churn_rate"].iloc[0]):
        return None
    return float(row["churn_rate"].iloc[0])


def churn_breakdown(
    trend: pd.DataFrame,
    end: Any,
    *,
    months: int = 12,
    min_group_size: int = 30,
    max_groups: int = 12,
) -> pd.DataFrame:
    """Churn by group, pooled over the last ``months`` complete months.

    Parameters
    ----------
    trend
        :func:`monthly_churn` (or :func:`monthly_churn_by_rfm`) output with groups.
    end
        Exclusive end of the observation.
    months
        How many of the last months to pool.
    min_group_size
        Groups with a mean monthly base below this are pooled into ``other``,
        always: when every group is that small, only ``other`` and ``all`` are
        left and the table carries an :class:`Unavailable` (``breakdown_too_few``).
    max_groups
        At most this many groups (the largest by base) are shown; the rest join ``other``.

    Returns
    -------
    pandas.DataFrame
        ``group``, ``months``, ``customer_months`` (Σ active_start),
        ``mean_active`` (per month), ``churned``, ``churn_rate`` (Σ churned ÷ Σ
        active_start: the average monthly churn rate), ``churned_revenue``,
        ``reactivated``; groups sorted by churn rate, then ``other`` and the total
        ``all``. Groups with no customer at risk in the window are left out. When
        none of the months is complete, an empty table with an
        :class:`Unavailable` (``breakdown_no_complete_month``).
    """
    cols = [
        "group",
        "months",
        "customer_months",
        "mean_active",
        "churned",
        "churn_rate",
        "churned_revenue",
        "reactivated",
    ]
    last = pd.Timestamp(end).to_period("M").to_timestamp() - pd.DateOffset(months=1)
    first = last - pd.DateOffset(months=months - 1)
    window = trend[(trend["month"] >= first) & (trend["month"] <= last) & trend["complete"]]
    if window.empty:  # the history does not reach back θ days before any of the months
        empty = pd.DataFrame({c: pd.Series(dtype=object if c == "group" else float) for c in cols})
        return _mark(empty, Unavailable("breakdown_no_complete_month", {"months": int(months)}))
    n_months = window["month"].nunique()
    agg = window.groupby("group", sort=True)[["active_start", "churned", "churned_revenue", "reactivated"]].sum()
    agg = agg[agg["active_start"] > 0]
    big = agg.sort_values("active_start", ascending=False, kind="stable").index[:max_groups]
    small = (agg["active_start"] / n_months < min_group_size) | ~agg.index.isin(big)
    other = agg[small].sum().to_frame("other").T if small.any() else None  # every small group, always
    named = agg[~small]
    out = named.rename_axis("group").reset_index()
    out["_rate"] = _safe_div(out["churned"], out["active_start"])
    out = out.sort_values("_rate", ascending=False, kind="stable").drop(columns="_rate")
    total = agg.sum().to_frame("all").T
    tail = [other, total] if other is not None else [total]
    out = pd.concat([out, *[t.rename_axis("group").reset_index() for t in tail]], ignore_index=True)
    out = out.rename(columns={"active_start": "customer_months"})
    out.insert(1, "months", n_months)
    out.insert(3, "mean_active", out["customer_months"] / n_months)
    out["churn_rate"] = _safe_div(out["churned"], out["customer_months"])
    for c in ("customer_months", "churned", "reactivated"):
        out[c] = out[c].astype(np.int64)
    too_few = Unavailable("breakdown_too_few", {"size": int(min_group_size)}) if named.empty else None
    return _mark(out[cols].reset_index(drop=True), too_few)


def monthly_churn_by_rfm(
    tx: pd.DataFrame,
    end: Any,
    threshold_days: int,
    segmentation: Any = None,
    *,
    months: int = 12,
    language: str = "en",
    occasion: str = "customer_day",
    customer_col: str = "customer_id",
    order_col: str = "order_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Monthly churn by RFM segment, the segment taken at the start of each month.

    For each of the last ``months`` full months, every customer is scored and
    segmented as of the month's first day (:func:`repurchase.segments.rfm_scores`
    and :func:`repurchase.segments.assign_segments` with the params'
    segmentation settings, on the data before that day), then counted as in
    :func:`monthly_churn`. The segment uses recency, so the segments with low R
    churn first by construction: read it as "where this month's churn comes from".

    Parameters
    ----------
    segmentation
        ``params.segmentation`` (:class:`repurchase.params.SegmentationSettings`);
        defaults when None.
    months
        Months computed (one RFM scoring each).
    language
        Segment names in the report language.

    Returns
    -------
    pandas.DataFrame
        As :func:`monthly_churn` (``new`` is 0: a new customer has no segment at
        the start of the month).
    """
    from repurchase import segments as seg

    if segmentation is None:
        from repurchase.core.params import SegmentationSettings

        segmentation = SegmentationSettings()
    end = _end(end)
    theta = int(threshold_days)
    scheme = seg.get_scheme(segmentation.scheme, segmentation.custom_schemes, segmentation.rfm_bins)
    occ = _occasions(tx, end, occasion, customer_col, order_col, date_col, amount_col)
    g = _gaps(occ, end)
    n_cust = len(g.ids)
    span = int(g.start.max()) + 400
    key = g.cust * span + g.start
    first_idx = np.searchsorted(g.cust, np.arange(n_cust), side="left")
    last_month = int(_month_of_day(np.array([g.last_day + 1]))[0]) - 1
    frames = []
    for m in range(last_month - months + 1, last_month + 1):  # one snapshot per month (12 by default)
        s_day, e_day = (int(x) for x in _month_start_day(np.array([m, m + 1])))
        start_ts = pd.Timestamp(np.datetime64(s_day, "D"))
        idx = np.searchsorted(key, np.arange(n_cust) * span + (s_day - 1), side="right") - 1
        seen = idx >= first_idx
        idx_safe = np.where(seen, idx, 0)
        L = g.start[idx_safe]
        N = g.nxt[idx_safe]
        since = s_day - 1 - L
        active = seen & (since <= theta)
        churned = active & (e_day <= N) & (e_day - 1 - L > theta)
        reactivated = seen & (since > theta) & (e_day > N)
        if active.any() or reactivated.any():
            rows = tx.loc[tx[date_col] < start_ts]
            rfm = seg.rfm_scores(
                rows,
                start_ts,
                bins=segmentation.rfm_bins,
                monetary=segmentation.monetary,
                reference_months=segmentation.reference_months,
                occasion=occasion,
                customer_col=customer_col,
                date_col=date_col,
                amount_col=amount_col,
                order_col=order_col,
            )
            labels = seg.assign_segments(rfm, scheme, split=segmentation.cn8_split).astype(str)
            shown = {x: seg.segment_label(x, language) for x in labels.unique()}  # one per segment
            names = pd.Series(labels.map(shown).to_numpy(), index=rfm["customer_id"])
            group = names.reindex(g.ids).fillna(seg.NOT_SCORED).to_numpy(dtype=object)
        else:
            group = np.full(n_cust, seg.NOT_SCORED, dtype=object)
        frame = (
            pd.DataFrame(
                {
                    "group": group,
                    "active_start": active.astype(np.int64),
                    "churned": churned.astype(np.int64),
                    "reactivated": reactivated.astype(np.int64),
                    "churned_revenue": np.where(churned, g.revenue_365[idx_safe], 0.0),
                }
            )
            .groupby("group", sort=True)
            .sum()
            .reset_index()
        )
        frame.insert(0, "month", start_ts)
        frame["new"] = 0
        frame["complete"] = s_day - 1 - theta >= g.first_day
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    out["churn_rate"] = _safe_div(out["churned"], out["active_start"])
    cols = [
        "month",
        "group",
        "active_start",
        "churned",
        "churn_rate",
        "reactivated",
        "new",
        "churned_revenue",
        "complete",
    ]
    return out[cols].sort_values(["group", "month"], kind="stable").reset_index(drop=True)


#: The dimensions of :func:`churn_by`: name -> (what it is, the attribute column).
BREAKDOWNS: dict[str, tuple[str, str | None]] = {
    "rfm_segment": ("RFM segment at the start of the month", None),
    "frequency_tier": ("frequency tier at the start of the month", None),
    "cohort": ("quarter of the first purchase", "cohort"),
    "first_category": ("category of the first purchase", "first_category"),
    "first_channel": ("channel of the first purchase", "first_channel"),
    "first_region": ("region of the first purchase", "first_region"),
    "first_store": ("store of the first purchase", "first_store"),
}


def churn_by(
    tx: pd.DataFrame,
    end: Any,
    threshold_days: int,
    by: str,
    *,
    attributes: pd.DataFrame | None = None,
    frequency_tiers: Mapping[str, int] | None = None,
    segmentation: Any = None,
    language: str = "en",
    months: int = 12,
    min_group_size: int = 30,
    max_groups: int = 12,
    occasion: str = "customer_day",
) -> pd.DataFrame:
    """Average monthly churn rate over the last ``months`` complete months, by one dimension.

    ``by`` is a key of :data:`BREAKDOWNS`. A dimension the client's data do not
    have (e.g. no channel column) gives an empty table with the same columns,
    which the chart and the sentence report as "not in this client's data".

    Returns
    -------
    pandas.DataFrame
        :func:`churn_breakdown` output.
    """
    if by not in BREAKDOWNS:
        raise AnalysisError(f"unknown churn breakdown {by!r}; use one of {', '.join(BREAKDOWNS)}")
    column = BREAKDOWNS[by][1]
    if column is not None and (attributes is None or column not in attributes.columns):
        return pd.DataFrame(
            columns=[
                "group",
                "months",
                "customer_months",
                "mean_active",
                "churned",
                "churn_rate",
                "churned_revenue",
                "reactivated",
            ]
        )
    if by == "rfm_segment":
        trend = monthly_churn_by_rfm(
            tx, end, threshold_days, segmentation, months=months, language=language, occasion=occasion
        )
    else:
        trend = monthly_churn(
            tx,
            end,
            threshold_days,
            by=by if column is None else column,
            attributes=attributes,
            frequency_tiers=frequency_tiers,
            occasion=occasion,
        )
    return churn_breakdown(trend, end, months=months, min_group_size=min_group_size, max_groups=max_groups)


def recent_months(trend: pd.DataFrame, months: int = 13) -> pd.DataFrame:
    """The last ``months`` months of the overall trend, newest first, for a table (empty when none is complete)."""
    data = trend[trend["group"] == "all"].sort_values("month", ascending=False).head(months)
    if not data["complete"].any():  # no month to read yet (describe_trend says why): an empty table
        data = data.iloc[:0]
    out = data.assign(month=data["month"].dt.strftime("%Y-%m"))
    out.attrs.clear()
    return out[["month", "active_start", "churned", "churn_rate", "churned_revenue", "reactivated", "new", "complete"]]


# ---------------------------------------------------------------------------
# model-based definition


def model_based_churn(
    tx: pd.DataFrame,
    end: Any,
    window_days: int,
    *,
    fallback: bool = False,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> tuple[pd.DataFrame, Any]:
    """BG/NBD probability of no purchase in the next ``window_days`` days, per customer.

    The BG/NBD is fitted (by :func:`repurchase.lifetime_value.fit_model`) on
    every customer's (x, t_x, T) in weeks up to the last day before ``end``;
    then P(no purchase in (T, T + t]) = 1 − P(alive) · [1 − ((α+T)/(α+T+t))^(r+x)]
    with t = ``window_days`` / 7 (:meth:`repurchase.lifetime_value.BGNBD.p_buy_again`).

    Parameters
    ----------
    fallback
        When the BG/NBD cannot be fitted (too few customers or repeat purchases):
        with True, return an empty table that carries an :class:`Unavailable`
        (``bgnbd_not_fitted``) and None for the fit; with False, raise.

    Returns
    -------
    (pandas.DataFrame, FitResult)
        Per customer (sorted by ID): ``customer_id``, ``frequency``, ``recency``,
        ``T`` (weeks), ``p_alive``, ``p_buy_again`` and ``p_no_purchase``; and the fit.
    """
    from repurchase import lifetime_value as lv

    end = _end(end)
    rows = _before(tx, end, date_col)
    try:
        if rows.empty:
            raise AnalysisError(f"no purchases before {end.date()}: the BG/NBD cannot be fitted")
        summary = lv.customer_summary(
            rows,
            Window.ending(end),
            time_unit="W",
            customer_col=customer_col,
            date_col=date_col,
            amount_col=amount_col,
        )
        fit = lv.fit_model(summary, "bgnbd")
    except AnalysisError:
        if not fallback:
            raise
        cols = ["customer_id", "frequency", "recency", "T", "p_alive", "p_buy_again", "p_no_purchase"]
        empty = pd.DataFrame({c: pd.Series(dtype=object if c == "customer_id" else float) for c in cols})
        return _mark(empty, Unavailable("bgnbd_not_fitted", {"days": int(window_days)})), None
    x, tx_, T = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    p_alive = fit.model.p_alive(x, tx_, T)
    p_buy = fit.model.p_buy_again(window_days / 7.0, x, tx_, T)
    out = pd.DataFrame(
        {
            "customer_id": summary[customer_col].to_numpy(),
            "frequency": x,
            "recency": tx_,
            "T": T,
            "p_alive": p_alive,
            "p_buy_again": p_buy,
            "p_no_purchase": 1.0 - p_buy,
        }
    )
    return out.sort_values("customer_id", kind="stable").reset_index(drop=True), fit


def definition_check(
    tx: pd.DataFrame,
    definition: ChurnDefinition,
    *,
    model: bool = True,
    as_of: AsOf | None = None,
    language: str = "en",
    occasion: str = "customer_day",
    customer_col: str = "customer_id",
    order_col: str = "order_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """How well each definition, applied N days before the end, foretold no purchase in those N days.

    At the cutoff ``definition.end`` − N days, every customer who bought before
    it is flagged by the inactivity rule (θ re-estimated from the data before
    the cutoff, unless fixed) and, with ``model``, by the model rule (BG/NBD
    fitted before the cutoff, P(no purchase in N days) ≥ 0.5). The outcome is no
    occasion in ``[cutoff, end)``.

    Parameters
    ----------
    tx
        Cleaned transactions up to ``definition.end``.
    as_of
        The transactions as known at a cutoff (see :func:`early_warning`): the
        rules then see only refunds dated before the cutoff. None reads ``tx``,
        in which later refunds are already netted (no extra cost).
    language
        Report language of the rule names in ``definition``.

    Returns
    -------
    pandas.DataFrame
        ``definition`` (the rule in words), ``cutoff``, ``customers``, ``flagged``, ``flagged_share``,
        ``precision`` (flagged who did not buy ÷ flagged), ``recall`` (non-buyers
        flagged ÷ non-buyers) and ``base_rate`` (non-buyers ÷ customers). When
        nobody bought before the cutoff, an empty table that carries an
        :class:`Unavailable` (``check_no_history``).
    """
    window = definition.window_days
    cutoff = definition.end - pd.Timedelta(days=window)
    cols = {"customer_col": customer_col, "order_col": order_col, "date_col": date_col, "amount_col": amount_col}
    fixed = definition.threshold_days if definition.source == "fixed" else None
    first = tx[date_col].min()
    if pd.isna(first) or first >= cutoff:  # the data start after the cutoff: nothing to check yet
        names = ["definition", "cutoff", "customers", "flagged", "flagged_share", "precision", "recall", "base_rate"]
        empty = pd.DataFrame({c: pd.Series(dtype=object if c in ("definition", "cutoff") else float) for c in names})
        first_day = "" if pd.isna(first) else first.date().isoformat()
        return _mark(
            empty,
            Unavailable(
                "check_no_history", {"days": int(window), "cutoff": cutoff.date().isoformat(), "first": first_day}
            ),
        )
    known = _known_at(tx, _end(definition.end), as_of, [customer_col, date_col, amount_col], date_col)(cutoff)
    theta = _threshold_at(
        known, cutoff, fixed, definition.quantile, definition.horizon_days, occasion, cols, window=window
    )
    status = customer_status(known, cutoff, theta, customer_col=customer_col, date_col=date_col, amount_col=amount_col)
    ids = status["customer_id"]
    label = churn_labels(tx, ids, cutoff, window, customer_col=customer_col, date_col=date_col).to_numpy()
    rules = {i18n.t("churn.rule_inactivity", language, days=theta): (status["status"] == "churned").to_numpy()}
    if model:
        try:
            scores, _ = model_based_churn(
                known, cutoff, window, customer_col=customer_col, date_col=date_col, amount_col=amount_col
            )
            p = scores.set_index("customer_id")["p_no_purchase"].reindex(ids).to_numpy()
            rules[i18n.t("churn.rule_bgnbd", language, days=window)] = np.nan_to_num(p, nan=0.0) >= 0.5
        except AnalysisError:  # shown without the model row
            pass
    rows = []
    for name, flag in rules.items():  # two rules
        tp = int((flag & label).sum())
        rows.append(
            {
                "definition": name,
                "cutoff": cutoff.date().isoformat(),
                "customers": len(flag),
                "flagged": int(flag.sum()),
                "flagged_share": float(flag.mean()) if len(flag) else math.nan,
                "precision": tp / flag.sum() if flag.sum() else math.nan,
                "recall": tp / label.sum() if label.sum() else math.nan,
                "base_rate": float(label.mean()) if len(label) else math.nan,
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# early-warning features and labels


def _mix(
    values: pd.Series,
    line_code: np.ndarray,
    amount: np.ndarray,
    total: np.ndarray,
    ids: pd.Index,
    keep: Sequence[str],
    prefix: str,
) -> pd.DataFrame:
    """Share of each customer's spend (``total``) in each of ``keep`` (other values left out)."""
    out = pd.DataFrame(index=ids)
    text = np.where(values.notna().to_numpy(), values.astype(str).to_numpy(dtype=object), None)
    for j, name in enumerate(keep):  # a few columns (at most 8)
        hit = text == name
        spent = np.bincount(line_code[hit], weights=amount[hit], minlength=len(ids))
        out[f"{prefix}{name}"] = _safe_div(spent, np.where(total > 0, total, np.nan))
    return out


def _top_values(rows: pd.DataFrame, col: str, amount_col: str, top: int = _MIX_TOP) -> list[str]:
    if col not in rows.columns:
        return []
    spend = (
        rows.groupby(rows[col].astype(object), sort=False)[amount_col].sum().sort_values(ascending=False, kind="stable")
    )
    return [str(v) for v in spend.index[:top] if pd.notna(v)]


def churn_features(
    tx: pd.DataFrame,
    cutoff: Any,
    *,
    customers: pd.DataFrame | None = None,
    surveys: pd.DataFrame | None = None,
    categories: Sequence[str] | None = None,
    channels: Sequence[str] | None = None,
    tier_date_col: str | None = None,
    tier_order: Sequence[str] | None = None,
    bgnbd_window_days: int | None = None,
    occasion: str = "customer_day",
    customer_col: str = "customer_id",
    order_col: str = "order_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
    refund_col: str = "refund_amount",
    category_col: str = "category",
    channel_col: str = "channel",
) -> pd.DataFrame:
    """Early-warning features per customer, computed strictly from data dated before ``cutoff``.

    Rows of ``tx`` on or after the cutoff, survey responses on or after it, and
    sign-ups after it are dropped first, so changing or deleting anything dated
    from the cutoff on leaves the result unchanged (tested). The member tier is
    used only with ``tier_date_col`` (the date the tier was recorded): a tier
    without a date may reflect spending after the cutoff.

    Parameters
    ----------
    tx
        Cleaned transactions.
    cutoff
        A day boundary; "today" for the features.
    customers, surveys
        Cleaned side sources, or None.
    categories, channels
        The category and channel columns of the spend mix (shares of spend), fixed
        by the caller so that train and test matrices have the same columns.
        Default: the top 8 by spend before the cutoff.
    tier_date_col, tier_order
        Date column of the tier in ``customers`` and the tiers lowest first.
    bgnbd_window_days
        When given, add ``bgnbd_p_no_purchase``: the BG/NBD probability of no
        purchase in that many days (:func:`model_based_churn`), fitted on the
        data before the cutoff only (NaN when the BG/NBD cannot be fitted). None
        skips the fit (faster).

    Returns
    -------
    pandas.DataFrame
        Indexed by customer ID (sorted), float columns: see :func:`feature_label`;
        ``cat_<category>`` and ``chn_<channel>`` are shares of spend;
        ``acq_<channel>`` flags the acquisition channel of customers signed up
        before the cutoff.
    """
    cutoff = _end(cutoff)
    _require(tx, [customer_col, date_col, amount_col], "churn features")
    rows = _before(tx, cutoff, date_col)
    if rows.empty:
        raise AnalysisError(f"no purchases before the cutoff {cutoff.date()}; use a later cutoff or period")
    d0 = _day1(cutoff) - 1  # last day observed
    occ = purchase_occasions(
        rows,
        occasion,
        customer_col=customer_col,
        order_col=order_col,
        date_col=date_col,
        amount_col=amount_col,
        refund_col=refund_col,
    )
    # integer customer codes against the sorted IDs; occasions sorted by customer, then day
    codes, uniques = pd.factorize(occ["customer_id"], sort=True)
    ids = pd.Index(uniques, name="customer_id")
    day = _day(occ["occasion_date"])
    order = np.lexsort((day, codes))
    codes, day = codes[order], day[order]
    amount = occ["amount"].to_numpy(dtype=float)[order]
    k = len(ids)
    starts = np.r_[0, np.flatnonzero(np.diff(codes)) + 1]
    ends = np.r_[starts[1:], len(codes)] - 1
    n = np.bincount(codes, minlength=k).astype(float)
    spend = np.bincount(codes, weights=amount, minlength=k)
    age = d0 - day

    def per(weights: np.ndarray) -> np.ndarray:
        return np.bincount(codes, weights=weights, minlength=k)

    gap = np.r_[np.nan, np.diff(day).astype(float)]
    gap[starts] = np.nan  # no gap before a customer's first occasion
    has_gap = ~np.isnan(gap)
    g0 = np.where(has_gap, gap, 0.0)
    n_gaps = n - 1
    gap_mean = _safe_div(per(g0), n_gaps)
    X = pd.DataFrame(index=ids)
    X["recency_days"] = (d0 - day[ends]).astype(float)
    X["frequency"] = n
    X["tenure_days"] = (d0 - day[starts]).astype(float)
    X["spend_total"] = spend
    X["spend_per_occasion"] = spend / n
    X["gap_mean"] = gap_mean
    X["gap_std"] = np.sqrt(np.maximum(_safe_div(per(g0**2), n_gaps) - gap_mean**2, 0.0))
    X["gap_last"] = np.where(n > 1, gap[ends], np.nan)
    X["gap_max"] = np.where(n > 1, np.maximum.reduceat(np.where(has_gap, gap, -1.0), starts), np.nan)
    X["overdue_ratio"] = _safe_div(X["recency_days"], X["gap_mean"])
    X["occasions_90d"] = per((age < 90).astype(float))
    X["occasions_365d"] = per((age < 365).astype(float))
    X["spend_90d"] = per(np.where(age < 90, amount, 0.0))
    X["spend_prev_90d"] = per(np.where((age >= 90) & (age < 180), amount, 0.0))
    X["spend_365d"] = per(np.where(age < 365, amount, 0.0))
    X["spend_trend"] = np.nan_to_num(
        _safe_div(X["spend_90d"] - X["spend_prev_90d"], X["spend_90d"] + X["spend_prev_90d"])
    )
    # order lines: category and channel mix, refunds
    line_code = ids.get_indexer(rows[customer_col])
    line_amount = rows[amount_col].to_numpy(dtype=float)
    line_total = np.bincount(line_code, weights=line_amount, minlength=k)
    if category_col in rows.columns:
        cat_codes, _ = pd.factorize(rows[category_col])
        known = cat_codes >= 0
        pairs = np.unique(line_code[known].astype(np.int64) * (cat_codes.max() + 1) + cat_codes[known])
        X["n_categories"] = np.bincount(pairs // (cat_codes.max() + 1), minlength=k).astype(float)
        cats = list(categories) if categories is not None else _top_values(rows, category_col, amount_col)
        X = X.join(_mix(rows[category_col], line_code, line_amount, line_total, ids, cats, "cat_"))
    if channel_col in rows.columns:
        chans = list(channels) if channels is not None else _top_values(rows, channel_col, amount_col)
        X = X.join(_mix(rows[channel_col], line_code, line_amount, line_total, ids, chans, "chn_"))
    if refund_col in rows.columns:
        refund = rows[refund_col].to_numpy(dtype=float)
        refunded = np.bincount(line_code, weights=refund, minlength=k)
        X["refund_share"] = np.nan_to_num(_safe_div(refunded, line_total + refunded))
        X["refunded_lines"] = np.bincount(line_code, weights=(refund > 0).astype(float), minlength=k)
    if customers is not None and customer_col in customers.columns:
        X = X.join(_customer_features(customers, ids, cutoff, d0, customer_col, tier_date_col, tier_order))
    if surveys is not None and customer_col in surveys.columns and "response_date" in surveys.columns:
        X = X.join(_survey_features(surveys, ids, cutoff, d0, customer_col))
    if bgnbd_window_days is not None:
        try:
            bg, _ = model_based_churn(
                rows, cutoff, bgnbd_window_days, customer_col=customer_col, date_col=date_col, amount_col=amount_col
            )
            X["bgnbd_p_no_purchase"] = bg.set_index("customer_id")["p_no_purchase"].reindex(ids)
        except AnalysisError:  # the BG/NBD does not fit these data: the feature is missing, not the model
            X["bgnbd_p_no_purchase"] = np.nan
    return X.astype(float)


def _customer_features(
    customers: pd.DataFrame,
    ids: pd.Index,
    cutoff: pd.Timestamp,
    d0: int,
    customer_col: str,
    tier_date_col: str | None,
    tier_order: Sequence[str] | None,
) -> pd.DataFrame:
    cu = customers.drop_duplicates(customer_col, keep="last").set_index(customer_col)
    out = pd.DataFrame(index=ids)
    if "signup_date" in cu.columns:
        signup = pd.to_datetime(cu["signup_date"]).reindex(ids)
        known = signup < cutoff
        out["days_since_signup"] = np.where(known, d0 - _day(signup.fillna(cutoff)), np.nan)
        if "acquisition_channel" in cu.columns:
            acq = cu["acquisition_channel"].reindex(ids).astype(object)
            top = acq[known].value_counts().index[:_MIX_TOP]
            for v in top:
                out[f"acq_{v}"] = np.where(known, (acq == v).astype(float), np.nan)
    if tier_date_col and "tier" in cu.columns and tier_date_col in cu.columns:
        order = list(tier_order) if tier_order is not None else sorted(cu["tier"].dropna().astype(str).unique())
        rank = cu["tier"].astype(str).map({t: float(i) for i, t in enumerate(order)})
        dated = pd.to_datetime(cu[tier_date_col]) < cutoff
        out["tier_rank"] = rank.where(dated).reindex(ids)
    return out


def _survey_features(
    surveys: pd.DataFrame, ids: pd.Index, cutoff: pd.Timestamp, d0: int, customer_col: str
) -> pd.DataFrame:
    sv = surveys.loc[surveys["response_date"] < cutoff]
    out = pd.DataFrame(index=ids)
    sv = sv.sort_values(["response_date"], kind="stable")
    g = sv.groupby(customer_col, sort=True)
    out["survey_responses"] = g.size().reindex(ids, fill_value=0).astype(float)
    for col, name in (("nps", "last_nps"), ("csat", "last_csat")):
        if col in sv.columns:
            out[name] = g[col].last().reindex(ids)
    last = g["response_date"].max().reindex(ids)
    out["days_since_survey"] = np.where(last.notna(), d0 - _day(last.fillna(cutoff)), np.nan)
    return out


def churn_labels(
    tx: pd.DataFrame,
    customer_ids: Sequence[str] | pd.Index | pd.Series,
    cutoff: Any,
    window_days: int,
    *,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
) -> pd.Series:
    """Churn label: True when the customer has no purchase in ``[cutoff, cutoff + window_days)``.

    Only rows inside the label window are read (tested): nothing before the
    cutoff or after the window changes a label.

    Returns
    -------
    pandas.Series
        Boolean, indexed by ``customer_ids`` (in the given order), named ``churned``.
    """
    cutoff = _end(cutoff)
    stop = cutoff + pd.Timedelta(days=int(window_days))
    dates = tx[date_col]
    bought = pd.Index(tx.loc[(dates >= cutoff) & (dates < stop), customer_col].unique())
    ids = pd.Index(customer_ids, name="customer_id")
    return pd.Series(~ids.isin(bought), index=ids, name="churned")


# ---------------------------------------------------------------------------
# early-warning model


def _signed_log1p(x: np.ndarray) -> np.ndarray:
    return np.sign(x) * np.log1p(np.abs(x))


def _models(random_state: int) -> dict[str, Any]:
    return {
        "gradient_boosting": HistGradientBoostingClassifier(
            max_iter=200,
            learning_rate=0.05,
            max_leaf_nodes=15,
            min_samples_leaf=40,
            l2_regularization=1.0,
            early_stopping=False,
            random_state=random_state,
        ),  # fmt: skip
        "logistic": make_pipeline(
            SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
            FunctionTransformer(_signed_log1p),
            StandardScaler(),
            LogisticRegression(C=1.0, max_iter=2000),
        ),
    }


@dataclass
class EarlyWarningResult:
    """The backtest and the scores at the period end.

    Attributes
    ----------
    train_cutoff, test_cutoff, end
        Features before each cutoff; labels in the N days from it. The test label
        window ends at ``end`` (fully observed); the training label window ends at
        the test cutoff, so train and test never overlap.
    window_days
        N.
    thresholds
        θ used for the population at each cutoff (``train``, ``test``, ``end``).
    population
        ``active`` or ``all``.
    sizes
        Customers and churners per set (tidy).
    comparison
        Test-set metrics per score: ``model``, ``label``, ``roc_auc``, ``pr_auc``,
        ``base_rate``, ``brier`` (NaN for recency, which is not a probability),
        ``top_decile_lift``.
    validation
        ROC AUC of each candidate on a stratified 25 % validation split of the
        training cutoff: the choice is made there (the logistic regression unless
        gradient boosting is better by more than a margin), so the test set plays
        no part in it.
    chosen
        ``gradient_boosting`` or ``logistic``; None when there is no model.
    test_scores
        Per test customer: ``customer_id``, ``churned`` and one column per score.
    calibration, lift, importance, curves
        Tidy tables for the charts.
    scores
        Per active customer at the end: ``customer_id``, ``p_churn`` (the chosen
        model refitted on the test cutoff, the latest fully observed window) and
        the features used by the at-risk list.
    notes
        What the reader should know about the run, as ``(catalog key, values)``
        pairs; :meth:`note_texts` gives the sentences in a report language.
    unavailable
        None, or why there is no model (the data are too short or too small):
        the backtest tables are then empty and ``p_churn`` is missing.
    """

    train_cutoff: pd.Timestamp
    test_cutoff: pd.Timestamp
    end: pd.Timestamp
    window_days: int
    thresholds: dict[str, int]
    population: str
    sizes: pd.DataFrame
    comparison: pd.DataFrame
    validation: pd.DataFrame
    chosen: str | None
    test_scores: pd.DataFrame
    calibration: pd.DataFrame
    lift: pd.DataFrame
    importance: pd.DataFrame
    curves: pd.DataFrame
    scores: pd.DataFrame
    features: list[str] = field(default_factory=list)
    notes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    choice_margin: float = 0.005
    unavailable: Unavailable | None = None

    def metric(self, model: str, name: str) -> float:
        row = self.comparison.set_index("model")
        return float(row.loc[model, name]) if model in row.index else math.nan

    def note_texts(self, lang: str = "en") -> list[str]:
        """The notes of the run as sentences in ``lang``."""
        return [i18n.t(key, lang, **values) for key, values in self.notes]


def _lift_table(label: np.ndarray, scores: Mapping[str, np.ndarray], deciles: int = 10) -> pd.DataFrame:
    n = len(label)
    base = label.mean()
    frames = []
    for name, s in scores.items():  # a handful of models
        order = np.lexsort((np.arange(n), -s))  # highest score first, ties by position
        dec = np.empty(n, dtype=np.int64)
        dec[order] = np.arange(n) * deciles // n + 1
        t = pd.DataFrame({"decile": dec, "y": label.astype(float)}).groupby("decile")["y"].agg(["size", "sum"])
        t = t.rename(columns={"size": "customers", "sum": "churners"})
        t["churn_rate"] = t["churners"] / t["customers"]
        t["lift"] = t["churn_rate"] / base if base > 0 else np.nan
        t["cumulative_gain"] = t["churners"].cumsum() / max(label.sum(), 1)
        t["cumulative_share"] = t["customers"].cumsum() / n
        t.insert(0, "model", name)
        frames.append(t.reset_index())
    out = pd.concat(frames, ignore_index=True)
    out["churners"] = out["churners"].astype(np.int64)
    return out


def _calibration_table(label: np.ndarray, probs: Mapping[str, np.ndarray], bins: int = 10) -> pd.DataFrame:
    frames = []
    for name, p in probs.items():
        ranks = pd.Series(p).rank(method="first").to_numpy()
        b = np.minimum(((ranks - 1) * bins // len(p)).astype(np.int64), bins - 1)
        t = (
            pd.DataFrame({"bin": b, "p": p, "y": label.astype(float)})
            .groupby("bin")
            .agg(customers=("y", "size"), mean_predicted=("p", "mean"), observed=("y", "mean"))
        )
        t.insert(0, "model", name)
        frames.append(t.reset_index())
    return pd.concat(frames, ignore_index=True)


def _curve_points(label: np.ndarray, scores: Mapping[str, np.ndarray], points: int = 200) -> pd.DataFrame:
    frames = []
    for name, s in scores.items():
        fpr, tpr, _ = roc_curve(label, s)
        prec, rec, _ = precision_recall_curve(label, s)
        take = np.unique(np.linspace(0, len(fpr) - 1, min(points, len(fpr))).astype(int))
        frames.append(pd.DataFrame({"model": name, "curve": "roc", "x": fpr[take], "y": tpr[take]}))
        take = np.unique(np.linspace(0, len(rec) - 1, min(points, len(rec))).astype(int))
        frames.append(pd.DataFrame({"model": name, "curve": "pr", "x": rec[take], "y": prec[take]}))
    return pd.concat(frames, ignore_index=True)


def _cap(X: pd.DataFrame, y: np.ndarray, rows: int, random_state: int) -> tuple[pd.DataFrame, np.ndarray]:
    """At most ``rows`` training rows: a stratified random sample (seeded) when there are more."""
    if len(X) <= rows:
        return X, y
    X_s, _, y_s, _ = train_test_split(X, y, train_size=rows, stratify=y, random_state=random_state)
    return X_s, y_s


def _threshold_at(
    tx: pd.DataFrame,
    cutoff: pd.Timestamp,
    fixed: int | None,
    quantile: float,
    horizon: int | None,
    occasion: str,
    cols: dict,
    *,
    window: int,
) -> int:
    """θ at a cutoff from the data known then: fixed, the Kaplan–Meier quantile, or N when it cannot be estimated."""
    if fixed is not None:
        return int(fixed)
    return churn_threshold(
        tx,
        cutoff,
        quantile=quantile,
        horizon_days=horizon,
        window_days=window,
        fallback=True,
        occasion=occasion,
        **cols,
    ).threshold_days


def _population(X: pd.DataFrame, theta: int, population: str) -> pd.DataFrame:
    if population == "all":
        return X
    if population != "active":
        raise AnalysisError(f"churn.population must be active or all, got {population!r}")
    return X.loc[X["recency_days"] <= theta]


@dataclass
class BacktestSets:
    """The customers, feature matrices and labels at the cutoffs of the backtest.

    Attributes
    ----------
    train_cutoff, test_cutoff, end
        The three cutoffs (see :func:`early_warning`).
    window_days
        N.
    thresholds
        θ at each cutoff (``train``, ``test``, ``end``), from the data known then.
    features
        ``train``, ``test``, ``end``: :func:`churn_features` of the population at
        that cutoff, computed from the data known then.
    labels
        ``train``, ``test``: :func:`churn_labels`, indexed like the features, read
        from the data known at the end of the label window.
    """

    train_cutoff: pd.Timestamp
    test_cutoff: pd.Timestamp
    end: pd.Timestamp
    window_days: int
    thresholds: dict[str, int]
    features: dict[str, pd.DataFrame]
    labels: dict[str, pd.Series]


def backtest_sets(
    tx: pd.DataFrame,
    end: Any,
    *,
    window_days: int = 90,
    as_of: AsOf | None = None,
    threshold_days: int | None = None,
    threshold_quantile: float = 0.9,
    threshold_horizon_days: int | None = 365,
    population: str = "active",
    customers: pd.DataFrame | None = None,
    surveys: pd.DataFrame | None = None,
    tier_date_col: str | None = None,
    occasion: str = "customer_day",
    customer_col: str = "customer_id",
    order_col: str = "order_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> BacktestSets:
    """The feature matrices and labels that :func:`early_warning` learns, is tested and scores on.

    At the training and test cutoffs the features, θ, the population and the
    category and channel columns come from ``as_of(cutoff)``: the data as they
    were known that day. A label is read from the data as known at the end of
    its label window: the training labels from ``as_of(test cutoff)``, the test
    labels from ``tx`` (its window ends at ``end``). The scoring set at ``end``
    uses ``tx``. Parameters as in :func:`early_warning`.

    Raises
    ------
    NotEnoughData
        When the data do not reach back three label windows before ``end``
        (its ``unavailable`` says why, for :func:`early_warning`).
    AnalysisError
        When ``as_of`` returns rows dated on or after its cutoff.
    """
    end = _end(end)
    cols = {"customer_col": customer_col, "order_col": order_col, "date_col": date_col, "amount_col": amount_col}
    test_cutoff = end - pd.Timedelta(days=int(window_days))
    train_cutoff = test_cutoff - pd.Timedelta(days=int(window_days))
    first = tx[date_col].min()
    need = train_cutoff - pd.Timedelta(days=int(window_days))
    if pd.isna(first) or first >= need:
        span = (end - first) / pd.Timedelta(days=1) if pd.notna(first) else 0.0
        why = Unavailable("history_too_short", {
            "days": int(window_days), "need": 3 * int(window_days), "date": need.date().isoformat(),
            "first": "" if pd.isna(first) else first.date().isoformat(),
            "suggest": max(1, math.ceil(span / 3) - 1),
            "ready": "" if pd.isna(first)
            else (first.normalize() + pd.Timedelta(days=3 * int(window_days) + 1)).date().isoformat(),
        })  # fmt: skip
        raise NotEnoughData(
            f"the early-warning backtest needs purchases from before {need.date()} "
            f"(three label windows of {window_days} days before the period end); set churn.label_window_days lower "
            "or use a later period",
            why,
        )
    at = _known_at(tx, end, as_of, [customer_col, date_col, amount_col], date_col)
    rows = _before(at(train_cutoff), train_cutoff, date_col)
    categories = _top_values(rows, "category", amount_col)
    channels = _top_values(rows, "channel", amount_col)
    feat_kw = dict(
        customers=customers,
        surveys=surveys,
        categories=categories,
        channels=channels,
        tier_date_col=tier_date_col,
        bgnbd_window_days=window_days,
        occasion=occasion,
        **cols,
    )
    thetas: dict[str, int] = {}
    features: dict[str, pd.DataFrame] = {}
    labels: dict[str, pd.Series] = {}
    for name, cut in (("train", train_cutoff), ("test", test_cutoff), ("end", end)):  # three cutoffs
        known = at(cut)
        thetas[name] = _threshold_at(
            known,
            cut,
            threshold_days,
            threshold_quantile,
            threshold_horizon_days,
            occasion,
            cols,
            window=int(window_days),
        )
        features[name] = _population(churn_features(known, cut, **feat_kw), thetas[name], population)
        if name != "end":
            stop = cut + pd.Timedelta(days=int(window_days))
            labels[name] = churn_labels(
                at(stop), features[name].index, cut, window_days, customer_col=customer_col, date_col=date_col
            )
    return BacktestSets(
        train_cutoff=train_cutoff,
        test_cutoff=test_cutoff,
        end=end,
        window_days=int(window_days),
        thresholds=thetas,
        features=features,
        labels=labels,
    )


def early_warning(
    tx: pd.DataFrame,
    end: Any,
    *,
    window_days: int = 90,
    as_of: AsOf | None = None,
    threshold_days: int | None = None,
    threshold_quantile: float = 0.9,
    threshold_horizon_days: int | None = 365,
    population: str = "active",
    customers: pd.DataFrame | None = None,
    surveys: pd.DataFrame | None = None,
    tier_date_col: str | None = None,
    random_state: int = 0,
    importance_repeats: int = 3,
    importance_rows: int = 5000,
    choice_margin: float = 0.005,
    max_train_rows: int = 200_000,
    occasion: str = "customer_day",
    customer_col: str = "customer_id",
    order_col: str = "order_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> EarlyWarningResult:
    """Backtest the early-warning model over time, then score every active customer at ``end``.

    * Test cutoff = ``end`` − N days (its label window ends at ``end``, fully
      observed); training cutoff = test cutoff − N days (its label window ends
      where the test features start: no overlap).
    * Population at each cutoff: customers with a purchase before it; with
      ``population="active"`` only those at most θ days (θ estimated from the
      data before that cutoff) since their last purchase.
    * Candidates: ``HistGradientBoostingClassifier`` and a logistic regression
      (median imputation with missing-value flags, signed log1p, standardised),
      both given the BG/NBD probability fitted before each cutoff as one more
      feature. Gradient boosting is chosen only when its ROC AUC on a stratified
      25 % validation split of the training cutoff beats the logistic regression's
      by more than ``choice_margin`` (the simpler model wins ties); both are then
      refitted on the whole training cutoff and
      compared on the test cutoff with the recency-only baseline and the BG/NBD
      P(no purchase in N days) (fitted on the data before the test cutoff).
    * Scoring: the chosen model is refitted on the test cutoff (the latest fully
      observed label window) and scores the active customers at ``end``.
    * Data as known at each cutoff: with ``as_of``, the features, θ and the
      population at the training and test cutoffs come from ``as_of(cutoff)``,
      and a label from the data as known at the end of its window (see
      :func:`backtest_sets`).

    Parameters
    ----------
    tx
        Cleaned transactions up to ``end``.
    end
        Exclusive end of the observation (``period.end_exclusive``).
    window_days
        N (``churn.label_window_days``).
    as_of
        ``as_of(cutoff)`` returns the transactions as they were known at a cutoff,
        i.e. the raw data cleaned with ``period_end_exclusive = cutoff``; in a
        notebook ``ctx.transactions_as_of``. Without it (None) every cutoff reads
        ``tx``, whose cleaning already netted refunds dated after the cutoff into
        earlier lines and dropped lines refunded in full after it: the features
        and the training labels then see those later refunds, which flatters the
        backtest whenever refunds are recorded. With it, the cost is two more
        cleanings of the raw source (the training and test cutoffs; cached on
        disk by ``ctx.transactions_as_of``) and two more cleaned tables in memory.
    threshold_days, threshold_quantile, threshold_horizon_days
        θ, as in :func:`churn_threshold`.
    population
        ``active`` or ``all``.
    customers, surveys, tier_date_col
        Side sources for :func:`churn_features`.
    random_state
        Seed of the models, the validation split and the permutation importance.
    choice_margin
        How much better (validation ROC AUC) gradient boosting must be to be chosen.
    max_train_rows
        The models learn on at most this many customers (a stratified, seeded
        sample), which keeps very large clients to seconds; the test set and the
        scoring always use every customer.
    importance_repeats, importance_rows
        Shuffles per feature in the permutation importance (test set, ROC AUC),
        on at most this many test rows (a random sample, seeded).

    Returns
    -------
    EarlyWarningResult
        When the data are too short (no purchase three label windows before
        ``end``) or too small (fewer than 10 churners or 10 buyers at a cutoff)
        for a model, a result without one: its ``unavailable`` says why and what
        to do, the backtest tables are empty, ``chosen`` is None and ``scores``
        holds the active customers at ``end`` with ``p_churn`` missing (the
        at-risk list then ranks them by value and recency).

    Raises
    ------
    AnalysisError
        When ``as_of`` returns rows dated on or after its cutoff.

    Notes
    -----
    The models run on one thread (``threadpoolctl``, restored on return): on a
    shared 2-core machine OpenMP's spinning threads made gradient boosting ten
    times slower, not faster.
    """
    cols = {"customer_col": customer_col, "order_col": order_col, "date_col": date_col, "amount_col": amount_col}
    sets = None
    with threadpool_limits(limits=1):
        try:
            sets = backtest_sets(
                tx, end, window_days=window_days, as_of=as_of, threshold_days=threshold_days,
                threshold_quantile=threshold_quantile, threshold_horizon_days=threshold_horizon_days,
                population=population, customers=customers, surveys=surveys, tier_date_col=tier_date_col,
                occasion=occasion, **cols,
            )  # fmt: skip
            return _early_warning(
                sets, population=population, customers=customers, tier_date_col=tier_date_col,
                random_state=random_state, importance_repeats=importance_repeats, importance_rows=importance_rows,
                choice_margin=choice_margin, max_train_rows=max_train_rows,
            )  # fmt: skip
        except NotEnoughData as exc:  # the report goes on without a model: the list is ranked by value and recency
            return _without_model(
                tx, end, exc.unavailable, sets, window_days=int(window_days), threshold_days=threshold_days,
                threshold_quantile=threshold_quantile, threshold_horizon_days=threshold_horizon_days,
                population=population, choice_margin=choice_margin, occasion=occasion, cols=cols,
            )  # fmt: skip


#: the fewest churners and buyers a cutoff needs for the early-warning model
MIN_CLASS = 10


def _sizes(sets: BacktestSets) -> pd.DataFrame:
    """Customers, churners, base rate and θ at each cutoff of the backtest."""
    y_train, y_test = sets.labels["train"], sets.labels["test"]
    return pd.DataFrame(
        {
            "set": ["training", "test", "scoring"],
            "cutoff": [sets.train_cutoff, sets.test_cutoff, sets.end],
            "threshold_days": [sets.thresholds["train"], sets.thresholds["test"], sets.thresholds["end"]],
            "customers": [len(y_train), len(y_test), len(sets.features["end"])],
            "churners": [int(y_train.sum()), int(y_test.sum()), np.nan],
            "base_rate": [
                float(y_train.mean()) if len(y_train) else np.nan,
                float(y_test.mean()) if len(y_test) else np.nan,
                np.nan,
            ],
        }
    )


def _empty(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            c: pd.Series(
                dtype=object
                if c in ("model", "label", "curve", "feature", "description", "set", "customer_id")
                else float
            )
            for c in columns
        }
    )


def _without_model(
    tx: pd.DataFrame,
    end: Any,
    why: Unavailable,
    sets: BacktestSets | None,
    *,
    window_days: int,
    threshold_days: int | None,
    threshold_quantile: float,
    threshold_horizon_days: int | None,
    population: str,
    choice_margin: float,
    occasion: str,
    cols: dict,
) -> EarlyWarningResult:
    """The result of :func:`early_warning` when the data cannot support a model: no scores, only the customers."""
    end = _end(end)
    test_cutoff = end - pd.Timedelta(days=window_days)
    train_cutoff = test_cutoff - pd.Timedelta(days=window_days)
    if sets is not None:  # the sets exist but hold too few churners or buyers
        thetas, X_end, sizes = dict(sets.thresholds), sets.features["end"], _sizes(sets)
    else:
        theta = _threshold_at(
            tx, end, threshold_days, threshold_quantile, threshold_horizon_days, occasion, cols, window=window_days
        )
        thetas = {"end": theta}
        X_end = _population(churn_features(tx, end, occasion=occasion, **cols), theta, population)
        sizes = _empty(["set", "cutoff", "threshold_days", "customers", "churners", "base_rate"])
    scores = pd.DataFrame({"customer_id": X_end.index, "p_churn": np.nan})
    scores = scores.join(X_end[["recency_days", "frequency", "spend_365d", "spend_total"]].reset_index(drop=True))
    return EarlyWarningResult(
        train_cutoff=train_cutoff, test_cutoff=test_cutoff, end=end, window_days=window_days, thresholds=thetas,
        population=population, sizes=sizes,
        comparison=_empty(["model", "label", "roc_auc", "pr_auc", "base_rate", "brier", "top_decile_lift"]),
        validation=_empty(["model", "label", "validation_roc_auc"]), chosen=None,
        test_scores=_empty(["customer_id", "churned"]),
        calibration=_empty(["model", "bin", "customers", "mean_predicted", "observed"]),
        lift=_empty(["model", "decile", "customers", "churners", "churn_rate", "lift", "cumulative_gain",
                     "cumulative_share"]),
        importance=_empty(["feature", "importance", "std", "description"]),
        curves=_empty(["model", "curve", "x", "y"]), scores=scores, unavailable=why, choice_margin=choice_margin,
    )  # fmt: skip


def _early_warning(
    sets: BacktestSets,
    *,
    population: str,
    customers: pd.DataFrame | None,
    tier_date_col: str | None,
    random_state: int,
    importance_repeats: int,
    importance_rows: int,
    choice_margin: float,
    max_train_rows: int,
) -> EarlyWarningResult:
    train_cutoff, test_cutoff, end, window_days = sets.train_cutoff, sets.test_cutoff, sets.end, sets.window_days
    thetas = sets.thresholds
    X_train, y_train = sets.features["train"], sets.labels["train"]
    X_test, y_test = sets.features["test"], sets.labels["test"]
    X_end = sets.features["end"]
    for name, y, cut in (("training", y_train, train_cutoff), ("test", y_test, test_cutoff)):
        if y.nunique() < 2 or min(int(y.sum()), int((~y).sum())) < MIN_CLASS:
            why = Unavailable("too_few_churners", {
                "set": name, "date": cut.date().isoformat(), "customers": f"{len(y):,}", "churners": f"{int(y.sum()):,}",
                "buyers": f"{int((~y).sum()):,}", "min": MIN_CLASS, "days": int(window_days),
            })  # fmt: skip
            raise NotEnoughData(
                f"the {name} cutoff has {int(y.sum())} churners and {int((~y).sum())} buyers among {len(y)} customers; "
                f"the model needs at least {MIN_CLASS} of each. Set churn.label_window_days to another value or "
                "churn.population: all.",
                why,
            )
    features = list(X_train.columns)
    X_test = X_test.reindex(columns=features)
    X_end = X_end.reindex(columns=features)
    ytr, yte = y_train.to_numpy(), y_test.to_numpy()
    X_train, ytr = _cap(X_train, ytr, max_train_rows, random_state)
    # choose on a validation split of the training cutoff
    X_fit, X_val, y_fit, y_val = train_test_split(X_train, ytr, test_size=0.25, stratify=ytr, random_state=random_state)
    validation_rows = []
    for name, model in _models(random_state).items():  # two candidates
        model.fit(X_fit, y_fit)
        validation_rows.append(
            {
                "model": name,
                "label": model_label(name),
                "validation_roc_auc": roc_auc_score(y_val, model.predict_proba(X_val)[:, 1]),
            }
        )
    validation = pd.DataFrame(validation_rows)
    auc = validation.set_index("model")["validation_roc_auc"]
    chosen = "gradient_boosting" if auc["gradient_boosting"] > auc["logistic"] + choice_margin else "logistic"
    fitted = _models(random_state)
    probs: dict[str, np.ndarray] = {}
    for name, model in fitted.items():
        model.fit(X_train, ytr)
        probs[name] = model.predict_proba(X_test)[:, 1]
    notes = []
    bg = X_test["bgnbd_p_no_purchase"].to_numpy()
    if np.isnan(bg).all():
        notes.append(("churn.note_no_bgnbd", {}))
    else:
        probs["bgnbd"] = np.nan_to_num(bg, nan=float(np.nanmean(bg)))
    scores = {**probs, "recency": X_test["recency_days"].to_numpy()}
    base_rate = float(yte.mean())
    lift = _lift_table(yte, scores)
    top = lift[lift["decile"] == 1].set_index("model")["lift"]
    comparison = pd.DataFrame(
        [
            {
                "model": name,
                "label": model_label(name),
                "roc_auc": roc_auc_score(yte, s),
                "pr_auc": average_precision_score(yte, s),
                "base_rate": base_rate,
                "brier": brier_score_loss(yte, s) if name != "recency" else math.nan,
                "top_decile_lift": float(top.get(name, math.nan)),
            }
            for name, s in scores.items()
        ]
    )
    order = {chosen: 0, "recency": 1, "bgnbd": 2}
    comparison = comparison.assign(_o=comparison["model"].map(order).fillna(3)).sort_values("_o", kind="stable")
    comparison = comparison.drop(columns="_o").reset_index(drop=True)
    perm = permutation_importance(
        fitted[chosen],
        X_test,
        yte,
        scoring="roc_auc",
        n_repeats=importance_repeats,
        random_state=random_state,
        max_samples=min(1.0, importance_rows / len(X_test)),
    )
    importance = (
        pd.DataFrame({"feature": features, "importance": perm.importances_mean, "std": perm.importances_std})
        .sort_values("importance", ascending=False, kind="stable")
        .reset_index(drop=True)
    )
    importance["description"] = [feature_label(f) for f in importance["feature"]]
    calibration = _calibration_table(yte, {k: v for k, v in probs.items() if k in (chosen, "bgnbd")})
    curves = _curve_points(yte, scores)
    test_scores = pd.DataFrame({"customer_id": X_test.index, "churned": yte, **scores})
    # final model on the latest fully observed window, scoring the active customers at the end
    final = _models(random_state)[chosen]
    final.fit(*_cap(X_test, yte, max_train_rows, random_state))
    p_end = final.predict_proba(X_end)[:, 1] if len(X_end) else np.array([])
    end_scores = pd.DataFrame({"customer_id": X_end.index, "p_churn": p_end})
    end_scores = end_scores.join(
        X_end[["recency_days", "frequency", "spend_365d", "spend_total"]].reset_index(drop=True)
    )
    sizes = _sizes(sets)
    if len(y_train) > max_train_rows:
        notes.append(("churn.note_sample", {"rows": f"{max_train_rows:,}", "total": f"{len(y_train):,}"}))
    if customers is not None and "tier" in customers.columns and not tier_date_col:
        notes.append(("churn.note_tier", {}))
    return EarlyWarningResult(
        train_cutoff=train_cutoff, test_cutoff=test_cutoff, end=end, window_days=int(window_days), thresholds=thetas,
        population=population, sizes=sizes, comparison=comparison, validation=validation, chosen=chosen,
        test_scores=test_scores, calibration=calibration, lift=lift, importance=importance, curves=curves,
        scores=end_scores, features=features, notes=notes, choice_margin=choice_margin,
    )  # fmt: skip


# ---------------------------------------------------------------------------
# survival


def survival_inputs(
    tx: pd.DataFrame,
    end: Any,
    *,
    frequency_tiers: Mapping[str, int] | None = None,
    attributes: pd.DataFrame | None = None,
    occasion: str = "customer_day",
    customer_col: str = "customer_id",
    order_col: str = "order_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Spells of time to the next purchase: one per occasion, closed by the next or censored.

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``start`` (the occasion day), ``occasion_no``,
        ``duration`` (days to the next occasion, or to the last observed day when
        there is none) and ``event`` (1 when the next occasion was observed, 0 when
        censored); with ``frequency_tiers`` a ``frequency_tier`` column (the tier of
        the occasion count at the start of the spell), and every column of
        ``attributes`` joined by customer.
    """
    end = _end(end)
    occ = _occasions(tx, end, occasion, customer_col, order_col, date_col, amount_col)
    gaps = gap_durations(occ, end)
    out = pd.DataFrame(
        {
            "customer_id": gaps["customer_id"].to_numpy(),
            "start": gaps["occasion_date"].to_numpy(),
            "occasion_no": gaps["occasion_no"].to_numpy(dtype=np.int64),
            "duration": gaps["duration"].to_numpy(dtype=float),
            "event": gaps["observed"].to_numpy().astype(np.int64),
        }
    )
    if frequency_tiers is not None:
        out["frequency_tier"] = _tier_of_count(out["occasion_no"].to_numpy(), frequency_tiers)
    if attributes is not None:
        out = out.join(attributes, on="customer_id")
    return out


def _top_groups(spells: pd.DataFrame, by: str, min_group_size: int, max_groups: int) -> pd.Series:
    groups = spells[by].astype(str)
    counts = groups.value_counts()
    keep = counts[counts >= min_group_size].index[:max_groups]
    return groups.where(groups.isin(keep), "other")


def _group_order(groups: pd.Series) -> list[str]:
    """Largest group first, ``other`` last."""
    counts = groups.value_counts(sort=True)
    return [g for g in counts.index if g != "other"] + (["other"] if "other" in counts.index else [])


def survival_curves(
    spells: pd.DataFrame,
    by: str | None = None,
    *,
    max_days: int = 365,
    min_group_size: int = 30,
    max_groups: int = 8,
) -> pd.DataFrame:
    """Kaplan–Meier curves of the days to the next purchase (lifelines), overall or by group.

    Spells are aggregated to distinct (duration, event) rows and fitted with
    weights (the same estimate, faster). Groups with fewer than
    ``min_group_size`` spells, and beyond the ``max_groups`` largest, are pooled
    as ``other``.

    Returns
    -------
    pandas.DataFrame
        ``group``, ``days`` (0 … ``max_days``), ``survival`` (share not yet back),
        ``ci_low``, ``ci_high`` (95 %), ``at_risk``.
    """
    from lifelines import KaplanMeierFitter

    if by is not None and by not in spells.columns:
        return pd.DataFrame(columns=["group", "days", "survival", "ci_low", "ci_high", "at_risk"])
    groups = pd.Series("all", index=spells.index) if by is None else _top_groups(spells, by, min_group_size, max_groups)
    timeline = np.arange(0, max_days + 1, dtype=float)
    frames = []
    order = _group_order(groups)
    for name, part in sorted(spells.groupby(groups, sort=False), key=lambda kv: order.index(kv[0])):  # a handful
        agg = part.groupby(["duration", "event"]).size().reset_index(name="n")
        kmf = KaplanMeierFitter()
        kmf.fit(agg["duration"], agg["event"], weights=agg["n"], timeline=timeline)
        ci = kmf.confidence_interval_survival_function_
        at_risk = (part["duration"].to_numpy()[None, :] >= timeline[::30, None]).sum(axis=1)
        frame = pd.DataFrame(
            {
                "group": str(name),
                "days": timeline.astype(np.int64),
                "survival": kmf.survival_function_.iloc[:, 0].to_numpy(),
                "ci_low": ci.iloc[:, 0].to_numpy(),
                "ci_high": ci.iloc[:, 1].to_numpy(),
            }
        )
        frame["at_risk"] = np.interp(frame["days"], timeline[::30], at_risk).round().astype(np.int64)
        beyond = frame["days"] > part["duration"].max()
        frame.loc[beyond, ["survival", "ci_low", "ci_high"]] = np.nan
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def survival_at(
    spells: pd.DataFrame,
    by: str | None = None,
    horizons: Sequence[int] = (30, 90, 180, 365),
    *,
    min_group_size: int = 30,
    max_groups: int = 8,
) -> pd.DataFrame:
    """S(t) at fixed horizons per group: the share of spells with no next purchase by day t.

    Returns
    -------
    pandas.DataFrame
        ``group``, ``spells``, ``returned`` (closed spells), ``median_days``
        (Kaplan–Meier median; NaN when not reached by the longest horizon) and ``S(t)`` per horizon
        (NaN when no spell of the group was followed that long).
    """
    if by is not None and by not in spells.columns:
        return pd.DataFrame(columns=["group", "spells", "returned", "median_days", *[f"S({h})" for h in horizons]])
    curves = survival_curves(spells, by, max_days=max(horizons), min_group_size=min_group_size, max_groups=max_groups)
    groups = pd.Series("all", index=spells.index) if by is None else _top_groups(spells, by, min_group_size, max_groups)
    g = spells.groupby(groups, sort=True)
    out = pd.DataFrame({"spells": g.size(), "returned": g["event"].sum()})
    wide = curves[curves["days"].isin(list(horizons))].pivot(index="group", columns="days", values="survival")
    below = curves[curves["survival"] <= 0.5].groupby("group")["days"].min()
    out["median_days"] = below.reindex(out.index).astype(float)
    for h in horizons:
        out[f"S({h})"] = wide[h].reindex(out.index) if h in wide.columns else np.nan
    out = out.reindex(_group_order(groups)).rename_axis("group").reset_index()
    out["spells"] = out["spells"].astype(np.int64)
    out["returned"] = out["returned"].astype(np.int64)
    return out


def logrank_test(
    spells: pd.DataFrame, by: str, *, min_group_size: int = 30, max_groups: int = 8
) -> dict[str, float | int | str]:
    """Multivariate log-rank test (lifelines) that the time to the next purchase is the same across groups.

    Returns
    -------
    dict
        ``by``, ``groups``, ``test_statistic``, ``degrees_of_freedom`` and ``p_value``.
    """
    from lifelines.statistics import multivariate_logrank_test

    if by not in spells.columns:
        return {"by": by, "groups": 0, "test_statistic": math.nan, "degrees_of_freedom": 0, "p_value": math.nan}
    groups = _top_groups(spells, by, min_group_size, max_groups)
    if groups.nunique() < 2:
        return {
            "by": by,
            "groups": int(groups.nunique()),
            "test_statistic": math.nan,
            "degrees_of_freedom": 0,
            "p_value": math.nan,
        }
    agg = pd.DataFrame({"g": groups, "d": spells["duration"], "e": spells["event"]}).groupby(["g", "d", "e"]).size()
    agg = agg.reset_index(name="n")
    res = multivariate_logrank_test(agg["d"], agg["g"], agg["e"], weights=agg["n"])
    return {
        "by": by,
        "groups": int(groups.nunique()),
        "test_statistic": float(res.test_statistic),
        "degrees_of_freedom": int(res.degrees_of_freedom),
        "p_value": float(res.p_value),
    }


# ---------------------------------------------------------------------------
# value and the at-risk list


def customer_value(
    tx: pd.DataFrame,
    end: Any,
    *,
    basis: str = "auto",
    lifetime_value: Any = None,
    language: str = "en",
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> tuple[pd.Series, str, str]:
    """Each customer's value for ranking the at-risk list: CLV, or spend in the last 365 days.

    CLV is the BG/NBD + Gamma-Gamma lifetime value of
    :func:`repurchase.lifetime_value.customer_lifetime_value` (horizon,
    discount rate and margin from ``lifetime_value`` settings, no bootstrap)
    fitted on all data before ``end``. With ``basis="auto"`` a fit that fails
    falls back to annual spend, and the note says why.

    Parameters
    ----------
    basis
        ``auto``, ``clv`` or ``annual_spend`` (``churn.value_basis``).
    lifetime_value
        ``params.lifetime_value`` (horizon, discount rate, margin); defaults when None.
    language
        Report language of the note.

    Returns
    -------
    (pandas.Series, str, str)
        Value indexed by customer ID; the basis used (``clv`` or ``annual_spend``);
        a sentence for the report, in ``language``.
    """
    end = _end(end)
    if basis not in ("auto", "clv", "annual_spend"):
        raise AnalysisError(f"churn.value_basis must be auto, clv or annual_spend, got {basis!r}")
    status = customer_status(tx, end, 1, customer_col=customer_col, date_col=date_col, amount_col=amount_col)
    annual = status.set_index("customer_id")["spend_365d"]
    if basis == "annual_spend":
        return annual, "annual_spend", i18n.t("churn.value_annual", language)
    try:
        from repurchase import lifetime_value as lv

        settings = lifetime_value
        horizon = int(getattr(settings, "horizon_months", 12))
        rows = _before(tx, end, date_col)
        summary = lv.customer_summary(
            rows,
            Window.ending(end),
            time_unit="W",
            customer_col=customer_col,
            date_col=date_col,
            amount_col=amount_col,
        )
        fit = lv.fit_model(summary, "bgnbd")
        spend = lv.fit_spend(summary)
        clv = lv.customer_lifetime_value(
            summary, fit, spend, horizon_months=horizon,
            discount_rate_annual=float(getattr(settings, "discount_rate_annual", 0.10)),
            margin=float(getattr(settings, "margin", 1.0)), draws=0, customer_col=customer_col,
        )  # fmt: skip
    except (AnalysisError, ImportError) as exc:
        if basis == "clv":
            raise AnalysisError(f"churn.value_basis is clv but the lifetime value could not be fitted: {exc}") from None
        return annual, "annual_spend", i18n.t("churn.value_fallback", language, reason=str(exc))
    value = clv.customers.set_index(customer_col)["clv"].astype(float)
    return value, "clv", i18n.t("churn.value_clv", language, months=horizon)


def retention_action(role: str, band: str, language: str = "en", overrides: Mapping[str, str] | None = None) -> str:
    """The recommended retention action for a role and value band (``churn.actions`` overrides win).

    The built-in texts are the catalog entries of :data:`ACTIONS`
    (``churn.action.<role>_<band>``) in ``language``.
    """
    key = f"{role}/{band}"
    if overrides and key in overrides:
        return overrides[key]
    if (role, band) not in ACTIONS:
        raise AnalysisError(
            f"no retention action for {key!r}; roles: {', '.join(ROLES)}; bands: {', '.join(VALUE_BANDS)}"
        )
    return i18n.t(ACTIONS[(role, band)], language)


#: without churn probabilities (no model), an active customer is at risk after this share of θ without a purchase
RECENCY_AT_RISK_SHARE = 0.5


def at_risk_list(
    scores: pd.DataFrame,
    value: pd.Series,
    *,
    frequency_tiers: Mapping[str, int],
    at_risk_probability: float = 0.5,
    band_shares: Sequence[float] = (0.2, 0.5),
    threshold_days: int | None = None,
    language: str = "en",
    actions: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Active customers ranked by expected value at risk = churn probability × value, with an action.

    Without churn probabilities (``p_churn`` missing: :func:`early_warning` had
    too little data for a model) the list is ranked without a model: a customer
    is at risk after more than half of θ (``threshold_days`` ×
    :data:`RECENCY_AT_RISK_SHARE`) without a purchase, ``value_at_risk`` is
    missing, and customers are ranked by value, then by days since the last
    purchase.

    Parameters
    ----------
    scores
        :attr:`EarlyWarningResult.scores` (``customer_id``, ``p_churn``,
        ``recency_days``, ``frequency``, ``spend_365d``).
    value
        Value per customer (:func:`customer_value`); missing values count as 0.
    frequency_tiers
        Tier minimums; the tier picks the role of the action (:func:`frequency_role`).
    at_risk_probability
        Customers with ``p_churn`` at least this are flagged ``at_risk``.
    band_shares
        Cumulative shares of active customers by value: the top 20 % are ``high``,
        up to 50 % ``mid``, the rest ``low`` (ties share a band by rank order).
    threshold_days
        θ at the period end; needed only without churn probabilities.
    language, actions
        Report language of the action text and ``churn.actions`` overrides.

    Returns
    -------
    pandas.DataFrame
        Every scored customer, the at-risk customers first, each part highest
        value at risk first (without a model: highest value first): ``rank``
        (1, 2, … in that order, so the at-risk customers hold ranks 1 … k),
        ``customer_id``, ``p_churn``, ``value``, ``value_at_risk``, ``at_risk``,
        ``frequency_tier``, ``role``, ``value_band``, ``days_since_last``,
        ``occasions``, ``spend_365d`` and ``action``.
    """
    from repurchase.segments import frequency_tiers as tiers_of

    out = scores[["customer_id", "p_churn", "recency_days", "frequency", "spend_365d"]].copy()
    out["value"] = value.reindex(out["customer_id"]).fillna(0.0).to_numpy(dtype=float)
    out["value_at_risk"] = out["p_churn"] * out["value"]
    modelled = _has_model(out)
    if modelled:
        out["at_risk"] = out["p_churn"] >= at_risk_probability
    elif len(out) and threshold_days is None:
        raise AnalysisError(
            "the scores have no churn probability (no model): pass threshold_days (θ at the period end) "
            "to flag at-risk customers by the days since their last purchase"
        )
    else:
        out["at_risk"] = out["recency_days"] > RECENCY_AT_RISK_SHARE * float(threshold_days or 0)
    out["frequency_tier"] = tiers_of(out["frequency"], frequency_tiers).astype(str).to_numpy()
    out["role"] = frequency_role(out["frequency_tier"], frequency_tiers).to_numpy()
    n = len(out)
    rank = out["value"].rank(method="first", ascending=False).to_numpy()
    hi, mid = band_shares
    out["value_band"] = np.where(rank <= math.ceil(hi * n), "high", np.where(rank <= math.ceil(mid * n), "mid", "low"))
    keys = pd.Series(list(zip(out["role"], out["value_band"])), index=out.index)
    table = {k: retention_action(k[0], k[1], language, actions) for k in ACTIONS}
    out["action"] = keys.map(table)
    out = out.rename(columns={"recency_days": "days_since_last", "frequency": "occasions"})
    out["days_since_last"] = out["days_since_last"].astype(np.int64)
    out["occasions"] = out["occasions"].astype(np.int64)
    order = ["at_risk", "value_at_risk", "p_churn"] if modelled else ["at_risk", "value", "days_since_last"]
    out = out.sort_values(order, ascending=False, kind="stable").reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, n + 1))
    return out[
        [
            "rank",
            "customer_id",
            "p_churn",
            "value",
            "value_at_risk",
            "at_risk",
            "frequency_tier",
            "role",
            "value_band",
            "days_since_last",
            "occasions",
            "spend_365d",
            "action",
        ]
    ]


def _has_model(at_risk: pd.DataFrame) -> bool:
    """Whether a list or scores carry churn probabilities (an early-warning model was fitted)."""
    return bool(at_risk["p_churn"].notna().any())


def at_risk_preview(at_risk: pd.DataFrame, n: int = 15) -> pd.DataFrame:
    """The top ``n`` at-risk customers with the columns the report shows (IDs are masked by ``ctx.show_table``).

    ``rank`` counts the at-risk customers only (1 … n); without a model the
    churn probability and the value at risk are left out.
    """
    cols = [
        "rank",
        "customer_id",
        "p_churn",
        "value",
        "value_at_risk",
        "frequency_tier",
        "value_band",
        "days_since_last",
        "occasions",
    ]
    if not _has_model(at_risk):
        cols = [c for c in cols if c not in ("p_churn", "value_at_risk")]
    out = at_risk.loc[at_risk["at_risk"], cols].head(n).reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    return out


def at_risk_export(at_risk: pd.DataFrame) -> pd.DataFrame:
    """The at-risk list as written to ``exports/at_risk.csv`` (real IDs, for the CRM team).

    Every active customer, with the ``at_risk`` flag (True/False) next to the ID:
    the at-risk customers come first (ranks 1 … k), then the other active
    customers. Money (``value``, ``value_at_risk``, ``spend_365d``) is rounded to
    2 decimals, the churn probability to 4.
    """
    cols = [
        "rank",
        "customer_id",
        "at_risk",
        "p_churn",
        "value",
        "value_at_risk",
        "frequency_tier",
        "role",
        "value_band",
        "days_since_last",
        "occasions",
        "spend_365d",
        "action",
    ]
    out = at_risk[cols].copy()
    for c in ("value", "value_at_risk", "spend_365d"):
        out[c] = out[c].astype(float).round(2)
    out["p_churn"] = out["p_churn"].astype(float).round(4)
    return out.reset_index(drop=True)


def lift_table(warning: EarlyWarningResult, model: str | None = None) -> pd.DataFrame:
    """Churners, churn rate, lift and cumulative gain by decile of one score (default: the chosen model)."""
    name = model or warning.chosen
    out = warning.lift[warning.lift["model"] == name].drop(columns="model").reset_index(drop=True)
    return out[["decile", "customers", "churners", "churn_rate", "lift", "cumulative_share", "cumulative_gain"]]


def at_risk_summary(at_risk: pd.DataFrame) -> pd.DataFrame:
    """At-risk customers and value at risk by frequency tier and value band (aggregates only, no IDs).

    Returns
    -------
    pandas.DataFrame
        ``frequency_tier``, ``value_band``, ``active`` (scored customers),
        ``at_risk``, ``mean_p_churn`` (of the at-risk customers),
        ``value_at_risk`` (Σ p_churn × value over the at-risk customers) and
        ``action``; highest value at risk first. Without churn probabilities
        (no model): ``value`` (Σ value of the at-risk customers) instead of
        ``mean_p_churn`` and ``value_at_risk``, highest first.
    """
    if not _has_model(at_risk):  # no churn probability: the value of the at-risk customers
        frame = at_risk.sort_values(["value", "days_since_last"], ascending=False, kind="stable")
        frame = frame.assign(_v=frame["value"].where(frame["at_risk"], 0.0), _n=frame["at_risk"].astype(np.int64))
        g = frame.groupby(["frequency_tier", "value_band"], sort=False)
        out = pd.DataFrame(
            {"active": g.size(), "at_risk": g["_n"].sum(), "value": g["_v"].sum(), "action": g["action"].first()}
        ).reset_index()
        return out.sort_values("value", ascending=False, kind="stable").reset_index(drop=True)
    # by value at risk over every active customer (the at-risk ones first in the list does not matter here)
    frame = at_risk.sort_values(["value_at_risk", "p_churn"], ascending=False, kind="stable")
    flagged = frame["value_at_risk"].where(frame["at_risk"], 0.0)
    p = frame["p_churn"].where(frame["at_risk"])
    frame = frame.assign(_v=flagged, _p=p, _n=frame["at_risk"].astype(np.int64))
    g = frame.groupby(["frequency_tier", "value_band"], sort=False)
    out = pd.DataFrame(
        {
            "active": g.size(),
            "at_risk": g["_n"].sum(),
            "mean_p_churn": g["_p"].mean(),
            "value_at_risk": g["_v"].sum(),
            "action": g["action"].first(),
        }
    ).reset_index()
    return out.sort_values("value_at_risk", ascending=False, kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------
# metrics and sentences


def churn_metrics(
    trend: pd.DataFrame,
    period: Any,
    definition: ChurnDefinition,
    warning: EarlyWarningResult,
    at_risk: pd.DataFrame,
    value_basis: str,
) -> dict[str, Any]:
    """The ``churn`` section of metrics.json.

    Keys: ``churn_rate``, ``churn_rate_prev_period``, ``churn_rate_prev_year``
    (None when the month is incomplete), ``threshold_days``, ``threshold_source``,
    ``label_window_days``, ``active_customers``, ``at_risk_customers``,
    ``value_at_risk`` (Σ p_churn × value over the at-risk customers),
    ``value_basis``, ``model`` (``name``, ``roc_auc``, ``pr_auc``, ``base_rate``,
    ``brier`` on the test cutoff), ``baseline_recency_roc_auc``,
    ``bgnbd_roc_auc``, ``test_cutoff``.

    What the data could not support is recorded as null with its reason (the
    codes of :class:`Unavailable`), and these keys appear only then:
    ``churn_rate_status`` and ``churn_rate_reason`` (no complete month);
    ``threshold_reason`` (θ set to N, ``threshold_source`` ``default``);
    ``model.status`` and ``model.reason``, ``value_at_risk_status`` and
    ``value_at_risk_reason`` and ``at_risk_rule`` (``recency``: no model, the
    at-risk customers flagged by the days since their last purchase).
    """
    start = pd.Timestamp(period.start)
    chosen = warning.chosen

    def _num(v: float) -> float | None:
        return float(v) if v is not None and np.isfinite(v) else None

    flagged = at_risk[at_risk["at_risk"]]
    out: dict[str, Any] = {
        "churn_rate": rate_for_month(trend, start),
        "churn_rate_prev_period": rate_for_month(trend, start - pd.DateOffset(months=1)),
        "churn_rate_prev_year": rate_for_month(trend, start - pd.DateOffset(months=12)),
    }
    no_trend = unavailable(trend)
    if no_trend is not None:
        out.update({"churn_rate_status": "unavailable", "churn_rate_reason": no_trend.code})
    out.update({
        "threshold_days": int(definition.threshold_days),
        "threshold_source": definition.source,
    })  # fmt: skip
    if definition.unavailable is not None:
        out["threshold_reason"] = definition.unavailable.code
    no_model = warning.unavailable
    out.update({
        "label_window_days": int(definition.window_days),
        "active_customers": len(at_risk),
        "at_risk_customers": len(flagged),
        "value_at_risk": float(flagged["value_at_risk"].sum()) if no_model is None else None,
    })  # fmt: skip
    if no_model is not None:
        out.update(
            {"value_at_risk_status": "unavailable", "value_at_risk_reason": no_model.code, "at_risk_rule": "recency"}
        )
    out.update({
        "value_basis": value_basis,
        "model": {
            "name": chosen,
            "roc_auc": _num(warning.metric(chosen, "roc_auc")),
            "pr_auc": _num(warning.metric(chosen, "pr_auc")),
            "base_rate": _num(warning.metric(chosen, "base_rate")),
            "brier": _num(warning.metric(chosen, "brier")),
            **({} if no_model is None else no_model.metrics()),
        },
        "baseline_recency_roc_auc": _num(warning.metric("recency", "roc_auc")),
        "bgnbd_roc_auc": _num(warning.metric("bgnbd", "roc_auc")),
        "test_cutoff": warning.test_cutoff.date().isoformat() if no_model is None else None,
    })  # fmt: skip
    return out


def _pct(value: float, digits: int = 1) -> str:
    return formatting.format_percent(value, digits)


def _month(value: Any, lang: str) -> str:
    return formatting.format_month(f"{pd.Timestamp(value):%Y-%m}", lang)


def describe_definition(definition: ChurnDefinition, lang: str = "en") -> str:
    """The inactivity rule in use, with where θ came from, in the report language."""
    d = definition
    if d.source == "fixed":
        return i18n.t("churn.definition_fixed", lang, days=d.threshold_days)
    if d.source == "default":
        reason = d.unavailable.text(lang) if d.unavailable is not None else ""
        return i18n.t("churn.definition_default", lang, days=d.threshold_days, reason=reason)
    within = i18n.t("churn.definition_within", lang, days=d.horizon_days) if d.horizon_days else ""
    text = i18n.t(
        "churn.definition_km",
        lang,
        days=d.threshold_days,
        quantile=f"{d.quantile:.0%}",
        within=within,
        date=(d.end - pd.Timedelta(days=1)).date().isoformat(),
    )
    span = d.horizon_days or 365
    if d.history_days is not None and d.history_days < span:  # gaps longer than the data cannot be seen yet
        short = i18n.t("churn.definition_short", lang, history=f"{d.history_days:,}", span=span)
        text += i18n.t("churn.sentence_sep", lang) + short
    return text


def describe_model_based(scores: pd.DataFrame, status: pd.DataFrame, window_days: int, lang: str = "en") -> str:
    """Model-based churn at the period end, next to the inactivity rule (or why the BG/NBD could not be fitted)."""
    why = unavailable(scores)
    if why is not None:
        return why.text(lang)
    merged = status.merge(scores[["customer_id", "p_no_purchase", "p_alive"]], on="customer_id", how="left")
    active = merged[merged["status"] == "active"]
    return i18n.t(
        "churn.model_based", lang, active=f"{len(active):,}", expected=f"{active['p_no_purchase'].sum():,.0f}",
        share=_pct(active["p_no_purchase"].mean()), days=window_days, likely=_pct((active["p_no_purchase"] >= 0.5).mean()),
        p_alive=_pct(active["p_alive"].mean()),
    )  # fmt: skip


def describe_trend(trend: pd.DataFrame, period: Any, lang: str = "en", currency: str = "CNY") -> str:
    """The report month's churn rate against the previous month and a year ago (money in ``currency``).

    When no month has a complete base yet: why, and from which month the rate can be read.
    """
    why = unavailable(trend)
    if why is not None:
        return why.text(lang)
    start = pd.Timestamp(period.start)
    now = rate_for_month(trend, start)
    prev = rate_for_month(trend, start - pd.DateOffset(months=1))
    year = rate_for_month(trend, start - pd.DateOffset(months=12))
    row = trend[(trend["month"] == start) & (trend["group"] == "all")]
    if now is None or row.empty:
        return i18n.t("churn.trend_unavailable", lang, month=_month(start, lang))
    r = row.iloc[0]
    parts = []
    if prev is not None:
        parts.append(i18n.t("churn.trend_prev", lang, rate=_pct(prev)))
    if year is not None:
        parts.append(i18n.t("churn.trend_year", lang, rate=_pct(year)))
    compare = i18n.t("churn.trend_compare", lang, parts=i18n.t("churn.sep", lang).join(parts)) if parts else ""
    return i18n.t(
        "churn.trend_main", lang, month=_month(start, lang), churned=f"{int(r['churned']):,}",
        active=f"{int(r['active_start']):,}", rate=_pct(now), compare=compare,
        revenue=formatting.format_money(float(r["churned_revenue"]), currency, lang), reactivated=f"{int(r['reactivated']):,}",
    )  # fmt: skip


def _dimension(by: str, lang: str) -> str:
    return i18n.t(f"churn.by.{by}", lang) if by in BREAKDOWNS else str(by)


def group_label(group: Any, by: str | None = None, lang: str = "en") -> str:
    """A group of a breakdown or survival table in the report language.

    ``all``, ``other`` and ``(unknown)`` come from the catalog; with ``by`` the
    default frequency-tier names, RFM segment codes and cohorts (``2024Q1``) are
    translated too. Names from the data (categories, stores …) stay as they are.
    """
    from repurchase.segments import frequency_tier_label, segment_label

    g = str(group)
    if g in ("all", "other"):
        return i18n.t(f"churn.group.{g}", lang)
    if g == "(unknown)":
        return i18n.t("churn.group.unknown", lang)
    if by == "frequency_tier":
        return frequency_tier_label(g, lang)
    if by == "rfm_segment":
        return segment_label(g, lang)
    if by == "cohort" and len(g) == 6 and g[:4].isdigit() and g[4] == "Q":
        return i18n.t("churn.cohort", lang, year=g[:4], quarter=g[5])
    return g


def value_band_label(band: str, lang: str = "en") -> str:
    """A value band (``high``, ``mid``, ``low``) in the report language."""
    return i18n.t(f"churn.band.{band}", lang) if band in VALUE_BANDS else str(band)


def describe_breakdown(breakdown: pd.DataFrame, by: str, lang: str = "en") -> str:
    """Highest and lowest monthly churn rate among the groups of a breakdown (``by``: a key of :data:`BREAKDOWNS`)."""
    what = _dimension(by, lang)
    why = unavailable(breakdown)
    if why is not None:
        total = breakdown.loc[breakdown["group"] == "all", "churn_rate"]
        return why.text(lang, what=what, overall=_pct(float(total.iloc[0])) if len(total) else "–")
    if breakdown.empty:
        return i18n.t("churn.breakdown_none", lang, what=what)
    groups = breakdown[(breakdown["group"] != "all") & (breakdown["group"] != "other")]
    if len(groups) < 2:
        return i18n.t("churn.breakdown_one", lang, what=what)
    hi = groups.iloc[0]
    lo = groups.iloc[-1]
    total = breakdown[breakdown["group"] == "all"].iloc[0]
    return i18n.t(
        "churn.breakdown_main", lang, what=what, high=group_label(hi["group"], by, lang), high_rate=_pct(hi["churn_rate"]),
        low=group_label(lo["group"], by, lang), low_rate=_pct(lo["churn_rate"]), overall=_pct(total["churn_rate"]),
        months=int(total["months"]),
    )  # fmt: skip


def _population_word(warning: EarlyWarningResult, lang: str) -> str:
    return i18n.t("churn.population_active" if warning.population == "active" else "churn.population_all", lang)


def _auc(value: float) -> str:
    return f"{value:.3f}" if np.isfinite(value) else "–"


#: the chosen model is called weak when its test ROC AUC is not above the recency baseline's by more than this
WEAK_MARGIN = 0.02
#: a test set with fewer customers or churners than this gives rough AUCs
SMALL_TEST_CUSTOMERS, SMALL_TEST_CHURNERS = 200, 30


def model_caution(
    warning: EarlyWarningResult,
    lang: str = "en",
    *,
    margin: float = WEAK_MARGIN,
    min_customers: int = SMALL_TEST_CUSTOMERS,
    min_churners: int = SMALL_TEST_CHURNERS,
) -> str:
    """A warning when the backtest gives little reason to trust the model ("" when there is none).

    * weak: the chosen model's test ROC AUC is at most ``margin`` above the
      recency-only baseline's, or below it;
    * small: the test cutoff has fewer than ``min_customers`` customers or
      ``min_churners`` churners, so every AUC of the table could move a lot on
      another month.
    """
    if warning.unavailable is not None or warning.chosen is None:
        return ""
    c = warning.chosen
    auc, rec = warning.metric(c, "roc_auc"), warning.metric("recency", "roc_auc")
    customers = len(warning.test_scores)
    churners = int(np.asarray(warning.test_scores["churned"], dtype=bool).sum())
    parts = []
    if np.isfinite(auc) and np.isfinite(rec) and auc <= rec + margin:
        parts.append(i18n.t("churn.caution_weak", lang, model=model_label(c, lang), auc=_auc(auc), recency=_auc(rec)))
    if customers < min_customers or churners < min_churners:
        parts.append(
            i18n.t(
                "churn.caution_small",
                lang,
                customers=f"{customers:,}",
                churners=f"{churners:,}",
                min_customers=min_customers,
                min_churners=min_churners,
            )
        )
    return i18n.t("churn.sentence_sep", lang).join(parts)


def describe_model(warning: EarlyWarningResult, lang: str = "en") -> str:
    """The backtest result in plain words, whoever wins, with a warning when the model is weak or the test small.

    Without a model (:attr:`EarlyWarningResult.unavailable`): why, what the user
    can do, and how the at-risk list is ranked instead.
    """
    if warning.unavailable is not None:
        return warning.unavailable.text(lang)
    c = warning.chosen
    auc = warning.metric(c, "roc_auc")
    rec = warning.metric("recency", "roc_auc")
    values = {"model": model_label(c, lang), "auc": _auc(auc), "recency": _auc(rec)}
    if auc > rec + 0.005:
        verdict = i18n.t("churn.verdict_model", lang, **values)
    elif auc < rec - 0.005:
        verdict = i18n.t("churn.verdict_recency", lang, **values)
    else:
        verdict = i18n.t("churn.verdict_tie", lang, **values)
    text = i18n.t(
        "churn.describe_model", lang, verdict=verdict, bgnbd=_auc(warning.metric("bgnbd", "roc_auc")),
        customers=f"{len(warning.test_scores):,}", population=_population_word(warning, lang),
        cutoff=warning.test_cutoff.date().isoformat(), base_rate=_pct(warning.metric(c, "base_rate")),
        days=warning.window_days, pr_auc=_auc(warning.metric(c, "pr_auc")),
    )  # fmt: skip
    caution = model_caution(warning, lang)
    return text + i18n.t("churn.sentence_sep", lang) + caution if caution else text


def describe_choice(warning: EarlyWarningResult, lang: str = "en") -> str:
    """Which model was chosen and why, plus the notes of the run (e.g. why the tier is not a feature).

    "" without a model (:func:`describe_model` says why).
    """
    if warning.unavailable is not None:
        return ""
    auc = warning.validation.set_index("model")["validation_roc_auc"]
    other = "logistic" if warning.chosen == "gradient_boosting" else "gradient_boosting"
    text = i18n.t(
        "churn.describe_choice", lang, model=model_label(warning.chosen, lang), auc=_auc(auc[warning.chosen]),
        other_auc=_auc(auc[other]), other=model_label(other, lang), margin=f"{warning.choice_margin:g}",
        customers=f"{len(warning.scores):,}", population=_population_word(warning, lang),
        date=(warning.end - pd.Timedelta(days=1)).date().isoformat(),
    )  # fmt: skip
    return i18n.t("churn.sentence_sep", lang).join([text, *warning.note_texts(lang)])


def _survival_header(horizon: int, lang: str) -> str:
    return i18n.t("churn.col_survival", lang, days=horizon)


def survival_formats(horizons: Sequence[int], lang: str = "en") -> dict[str, str]:
    """Formats of a :func:`survival_at` table shown through :func:`report_table`: S(t) in percent, whole days."""
    return {"churn_median_days": "{:,.0f}", **{_survival_header(h, lang): "{:.1%}" for h in horizons}}


#: money columns of the churn tables, written with the currency by :func:`report_table`
MONEY_COLUMNS: tuple[str, ...] = ("value", "value_at_risk", "churned_revenue", "spend_365d")


def report_table(
    frame: pd.DataFrame, lang: str = "en", *, by: str | None = None, currency: str | None = None
) -> pd.DataFrame:
    """A churn table ready for ``ctx.show_table``: codes in words, headers as ``col.churn_*`` catalog keys.

    Columns with a ``col.churn_<name>`` catalog entry are renamed ``churn_<name>``
    (``ctx.show_table`` then shows the entry; ``customer_id`` keeps its name so
    that it is masked); ``S(t)`` columns get their header in ``lang``. Codes are
    translated: ``group`` (with ``by``, see :func:`group_label`),
    ``frequency_tier``, ``value_band``, ``model`` (the English ``label`` column
    is dropped), ``set`` and ``complete``; months and dates are written out.
    With ``currency``, the money columns (:data:`MONEY_COLUMNS`) are written with
    it by :func:`repurchase.formatting.format_money` (e.g. $1,234 or ¥1.2万); other
    numbers are not changed. A table's :class:`Unavailable` is kept.
    """
    from repurchase.segments import frequency_tier_label

    out = frame.copy()
    if currency:
        for col in MONEY_COLUMNS:
            if col in out.columns:
                out[col] = [formatting.format_money(float(v), currency, lang) if pd.notna(v) else "" for v in out[col]]
    if "model" in out.columns:
        out = out.drop(columns=[c for c in ("label",) if c in out.columns])
    coders = {
        "group": lambda v: group_label(v, by, lang),
        "frequency_tier": lambda v: frequency_tier_label(str(v), lang),
        "value_band": lambda v: value_band_label(str(v), lang),
        "model": lambda v: model_label(str(v), lang),
        "set": lambda v: i18n.t(f"churn.set.{v}", lang) if v in ("training", "test", "scoring") else str(v),
        "complete": lambda v: i18n.t("churn.complete_yes" if bool(v) else "churn.complete_no", lang),
    }
    for col, code in coders.items():
        if col in out.columns:
            out[col] = out[col].map(code)
    if "month" in out.columns:
        out["month"] = out["month"].map(lambda v: _month(v, lang))
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    names = {}
    for col in out.columns:
        if isinstance(col, str) and col.startswith("S(") and col.endswith(")") and col[2:-1].isdigit():
            names[col] = _survival_header(int(col[2:-1]), lang)
        elif i18n.has(f"col.churn_{col}", lang):
            names[col] = f"churn_{col}"
    return out.rename(columns=names)


def _metric_text(name: str, value: Any, lang: str) -> str:
    """A value of the metrics table: codes in words, rates in percent, AUCs with three decimals."""
    if isinstance(value, str):
        if name == "threshold_source" and i18n.has(f"churn.source.{value}", lang):
            return i18n.t(f"churn.source.{value}", lang)
        if name.endswith("status") and i18n.has(f"churn.status.{value}", lang):
            return i18n.t(f"churn.status.{value}", lang)
        if name.endswith("reason") and i18n.has(f"churn.reason.{value}", lang):
            return i18n.t(f"churn.reason.{value}", lang)
        if name == "at_risk_rule" and i18n.has(f"churn.at_risk_rule.{value}", lang):
            return i18n.t(f"churn.at_risk_rule.{value}", lang)
        if name == "value_basis" and i18n.has(f"churn.basis.{value}", lang):
            return i18n.t(f"churn.basis.{value}", lang)
        if name == "model.name":
            return model_label(value, lang)
        return value
    if isinstance(value, float):
        return (
            f"{value:.1%}"
            if "rate" in name
            else f"{value:,.3f}"
            if ("auc" in name or "brier" in name)
            else f"{value:,.2f}"
        )
    return (
        "–" if value is None else f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)
    )


def _metric_label(key: str, sub: str | None, lang: str) -> str:
    def one(k: str) -> str:
        return i18n.t(f"churn.metric.{k}", lang) if i18n.has(f"churn.metric.{k}", lang) else k

    return one(key) if sub is None else i18n.t("churn.metric_nested", lang, parent=one(key), child=one(sub))


def metrics_table(metrics: Mapping[str, Any], lang: str = "en") -> pd.DataFrame:
    """The ``churn`` metrics as a two-column ``metric``/``value`` table, labelled in the report language.

    Nested keys (``model.roc_auc``) read "chosen model: ROC AUC"; codes such as
    the threshold source and the value basis are written out.
    """
    rows = []
    for key, value in metrics.items():
        items = value.items() if isinstance(value, Mapping) else [(None, value)]
        for sub, v in items:
            name = key if sub is None else f"{key}.{sub}"
            rows.append({"metric": _metric_label(key, sub, lang), "value": _metric_text(name, v, lang)})
    return pd.DataFrame(rows)


def describe_survival(table: pd.DataFrame, horizons: Sequence[int], lang: str = "en") -> str:
    """S(t) of all spells at the horizons (or that the history is too short to read any)."""
    row = table[table["group"] == "all"]
    if row.empty:
        row = table
    r = row.iloc[0]
    parts = [
        i18n.t("churn.survival_part", lang, share=_pct(r[f"S({h})"], 0), days=h)
        for h in horizons
        if pd.notna(r.get(f"S({h})"))
    ]
    if not parts:  # no spell followed as long as the shortest horizon yet
        return i18n.t("churn.survival_too_short", lang, days=min(horizons))
    return i18n.t("churn.describe_survival", lang, parts=i18n.t("churn.list_sep", lang).join(parts))


def describe_logrank(result: Mapping[str, Any], lang: str = "en") -> str:
    """The log-rank test of :func:`logrank_test` in one sentence (the dimension is ``result["by"]``)."""
    what = _dimension(str(result.get("by", "")), lang)
    if result.get("groups", 0) == 0:
        return i18n.t("churn.logrank_none", lang, what=what)
    if not np.isfinite(result.get("p_value", math.nan)):
        return i18n.t("churn.logrank_one", lang, what=what)
    p = result["p_value"]
    verdict = i18n.t("churn.logrank_differ" if p < 0.05 else "churn.logrank_same", lang)
    return i18n.t(
        "churn.logrank_main", lang, groups=result["groups"], what=what, statistic=f"{result['test_statistic']:,.1f}",
        dof=result["degrees_of_freedom"], p="< 0.001" if p < 0.001 else f"= {p:.3f}", verdict=verdict,
    )  # fmt: skip


def describe_at_risk(at_risk: pd.DataFrame, basis_note: str, currency: str = "CNY", lang: str = "en") -> str:
    """How many active customers are at risk and how much value they carry (``basis_note`` from :func:`customer_value`).

    Without a model: how the at-risk customers were flagged (days since the last
    purchase) and ranked (by value), and the value they hold.
    """
    flagged = at_risk[at_risk["at_risk"]]
    if len(at_risk) and not _has_model(at_risk):
        return i18n.t(
            "churn.describe_at_risk_recency", lang, flagged=f"{len(flagged):,}", active=f"{len(at_risk):,}",
            share=_pct(len(flagged) / max(len(at_risk), 1)), value=formatting.format_money(float(flagged["value"].sum()),
                                                                                      currency, lang),
        ) + basis_note  # fmt: skip
    top = flagged.head(max(1, len(flagged) // 10))
    total = flagged["value_at_risk"].sum()
    share = top["value_at_risk"].sum() / total if total > 0 else math.nan
    text = i18n.t(
        "churn.describe_at_risk", lang, flagged=f"{len(flagged):,}", active=f"{len(at_risk):,}",
        share=_pct(len(flagged) / max(len(at_risk), 1)), value=formatting.format_money(float(total), currency, lang),
    )  # fmt: skip
    if np.isfinite(share):
        text += i18n.t("churn.describe_at_risk_top", lang, share=_pct(share, 0))
    return text + basis_note
