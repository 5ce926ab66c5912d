"""Repurchase (复购) and retention analysis: occasions, KPIs, purchase cycle, cohorts, drivers.

Every number of the repurchase report comes from a function here. The functions
take cleaned transactions (one row per order line, see
:func:`repurchase.cleaning.clean_transactions`) or the purchase occasions built
from them, plus the exclusive end of the observation (``period.end_exclusive``),
and return tidy DataFrames. All work is vectorised: no loop runs per customer.

Definitions (also in :data:`GLOSSARY`, which the reports print through :func:`glossary`):

* **Purchase occasion.** A distinct customer-day (default, ``occasion:
  customer_day``) or one order (``occasion: order``). Refunds follow the cleaning
  settings: with ``refunds: net`` a fully refunded line is not a purchase, so an
  occasion whose lines were all refunded does not count (购买次数 = 成交次数 −
  退款次数).
* **Buyers** of a month: customers with at least one occasion in it; **new**
  when their first occasion in the data is in that month, **reactivated** when
  their previous occasion was at least ``reactivation_gap_days`` before their first
  occasion of the month, **returning** otherwise. new + returning + reactivated =
  buyers.
* **复购率 by customer** = buyers with ≥ 2 occasions in the month ÷ buyers;
  **by order** = repeat occasions ÷ occasions, where a buyer's repeat occasions
  are the occasions beyond the first in the month (``repeat_orders:
  beyond_first``) or all occasions of buyers with ≥ 2 (``all_of_repeaters``).
* **回购率** = buyers of month t−1 who also buy in t ÷ buyers of t−1.
* **客单价 (AOV)** = revenue ÷ orders; **人均消费** = revenue ÷ buyers.
* **N-day repurchase** = first-time buyers with another occasion within N days of
  their first ÷ first-time buyers, counting only those observed for the full N
  days.
* **Purchase cycle.** Days between consecutive occasions, estimated by
  Kaplan–Meier with each customer's open last gap (from the last occasion to the
  end of the data) censored.

Text shown in a report (sentences, table headers, KPI names, the glossary) comes
from the message catalog (``resources/i18n/<lang>/repurchase.yaml``): the
``describe_*`` and ``format_*`` functions and :func:`glossary` take ``lang``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from repurchase.core import formatting, i18n
from repurchase.core.errors import AnalysisError, DataError
from repurchase.core.occasions import (
    _build_occasions,
    _occasion_codes,
    assign_occasions,
    purchase_occasions,
    require_columns,
)
from repurchase.core.params import CleaningSettings, RepurchaseSettings

__all__ = [
    "GLOSSARY",
    "GLOSSARY_KEYS",
    "KPI_UNITS",
    "assign_occasions",
    "bought_together",
    "cohort_matrix",
    "cohort_notes",
    "cohort_table",
    "describe_buyer_products",
    "describe_cohorts",
    "describe_cycle",
    "describe_drivers_available",
    "describe_first_groups",
    "describe_headline",
    "describe_occasion",
    "describe_pairs",
    "describe_refunds",
    "describe_settings",
    "describe_time_to_second",
    "first_purchase_groups",
    "format_cycle",
    "format_first_groups",
    "format_headline",
    "format_pairs",
    "format_refunds",
    "gap_durations",
    "glossary",
    "group_label",
    "headline_kpis",
    "kaplan_meier",
    "km_quantiles",
    "monthly_kpis",
    "n_day_repurchase",
    "naive_gap_stats",
    "products_by_buyer_type",
    "purchase_cycle",
    "purchase_cycle_curves",
    "purchase_cycle_threshold",
    "purchase_occasions",
    "refund_rates",
    "refunded_lines",
    "repurchase_by_first_group",
    "repurchase_metrics",
    "time_to_second_purchase",
    "wilson_interval",
]

_TOL = 1e-10


# ---------------------------------------------------------------------------
# helpers


def _last_day(end: pd.Timestamp) -> pd.Timestamp:
    """The last observed calendar day before the exclusive instant ``end``."""
    return (pd.Timestamp(end) - pd.Timedelta(1, "ns")).normalize()


def _month_index(dates: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    """Months since year 0 (year * 12 + month - 1) as int64."""
    d = pd.DatetimeIndex(dates)
    return d.year.to_numpy(dtype="int64") * 12 + d.month.to_numpy(dtype="int64") - 1


def _month_start(index: np.ndarray | Sequence[int]) -> pd.DatetimeIndex:
    idx = np.asarray(index, dtype="int64")
    return pd.to_datetime({"year": idx // 12, "month": idx % 12 + 1, "day": np.ones_like(idx)})


#: codes the library puts in ``group`` columns, shown through the catalog
_GROUP_KEYS = {
    "all": "repurchase.group_all",
    "(other)": "repurchase.group_other",
    "(unknown)": "repurchase.group_unknown",
}


def group_label(value, lang: str = "en") -> str:
    """A value of a ``group`` column as shown: ``all``, ``(other)`` and ``(unknown)`` in ``lang``, data values as they are."""
    key = _GROUP_KEYS.get(value) if isinstance(value, str) else None
    return i18n.t(key, lang) if key else str(value)


def _column_name(col: str, lang: str) -> str:
    """A transaction column's display name (``col.<column>`` in the catalog), or the column itself."""
    return i18n.t(f"col.{col}", lang) if i18n.has(f"col.{col}", lang) else col


def _pct(value: float, digits: int = 1) -> str:
    return f"{value:.{digits}%}" if value is not None and np.isfinite(value) else "–"


def _whole(value: float) -> str:
    return f"{value:,.0f}" if value is not None and np.isfinite(value) else "–"


_require = require_columns


def _default_end(dates: pd.Series) -> pd.Timestamp:
    if len(dates) == 0:
        raise AnalysisError(
            "no purchases to analyse: the cleaned transactions are empty; check the period and the cleaning report"
        )
    return pd.Timestamp(dates.max()).normalize() + pd.Timedelta(days=1)


def wilson_interval(
    successes: np.ndarray | pd.Series, n: np.ndarray | pd.Series, z: float = 1.959963984540054
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion (95 % by default), vectorised.

    Parameters
    ----------
    successes, n
        Counts of successes and trials (arrays of the same length).
    z
        Normal quantile; 1.96 for 95 %.

    Returns
    -------
    (low, high)
        Arrays; NaN where ``n`` is 0.
    """
    k = np.asarray(successes, dtype="float64")
    n = np.asarray(n, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    low = np.where(n > 0, np.clip(centre - half, 0, 1), np.nan)
    high = np.where(n > 0, np.clip(centre + half, 0, 1), np.nan)
    return low, high


# ---------------------------------------------------------------------------
# purchase occasions


def _blocks(occ: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Customer codes (0, 1, … by block) and occasion numbers of :func:`purchase_occasions` rows."""
    no = occ["occasion_no"].to_numpy()
    if len(no) and (no[0] != 1 or not ((no[1:] == 1) | (no[1:] == no[:-1] + 1)).all()):
        raise AnalysisError(
            "the occasions are not in the order purchase_occasions returns (each customer's occasions consecutive, "
            "from the first); rebuild them with purchase_occasions and filter them only by time"
        )
    return np.cumsum(no == 1) - 1, no


def _second_gap(occ: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of first occasions and the days to each customer's second occasion (NaN if none)."""
    _, no = _blocks(occ)
    first = np.flatnonzero(no == 1)
    nxt = first + 1
    has = nxt < len(no)
    has[has] = no[nxt[has]] == 2
    gaps = np.full(len(first), np.nan)
    dsp = occ["days_since_prev"].to_numpy()
    gaps[has] = dsp[nxt[has]]
    return first, gaps


def _until(occ: pd.DataFrame, end: pd.Timestamp | None) -> tuple[pd.DataFrame, pd.Timestamp]:
    """Occasions before ``end`` (exclusive) with the resolved end."""
    if end is None:
        end = _default_end(occ["occasion_date"])
    end = pd.Timestamp(end)
    if len(occ) and occ["occasion_time"].max() >= end:
        occ = occ[occ["occasion_time"] < end]
    return occ, end


def describe_occasion(settings: RepurchaseSettings, cleaning: CleaningSettings | None = None, lang: str = "en") -> str:
    """How purchase occasions and refunds are counted, in one paragraph for the report (in ``lang``)."""
    cleaning = cleaning or CleaningSettings()
    occ = i18n.t(
        "repurchase.occasion_customer_day" if settings.occasion == "customer_day" else "repurchase.occasion_order", lang
    )
    ref = i18n.t("repurchase.refunds_net" if cleaning.refunds == "net" else "repurchase.refunds_exclude", lang)
    return occ + i18n.t("repurchase.sentence_sep", lang) + ref


def describe_settings(settings: RepurchaseSettings, lang: str = "en") -> str:
    """This client's values of the settings that enter the KPI definitions (in ``lang``)."""
    repeat = i18n.t(
        "repurchase.repeat_beyond_first"
        if settings.repeat_orders == "beyond_first"
        else "repurchase.repeat_all_of_repeaters",
        lang,
    )
    windows = i18n.t("repurchase.list_sep", lang).join(str(n) for n in settings.n_day_windows) or i18n.t(
        "repurchase.none", lang
    )
    return i18n.t(
        "repurchase.settings",
        lang,
        gap=settings.reactivation_gap_days,
        repeat=repeat,
        repeat_orders=settings.repeat_orders,
        windows=windows,
    )


# ---------------------------------------------------------------------------
# monthly KPIs


def monthly_kpis(
    occ: pd.DataFrame,
    end: pd.Timestamp | None = None,
    *,
    reactivation_gap_days: int = 180,
    repeat_orders: str = "beyond_first",
) -> pd.DataFrame:
    """Headline KPIs for every calendar month from the first occasion to ``end``.

    Parameters
    ----------
    occ
        :func:`purchase_occasions` output.
    end
        Exclusive end of the observation (``period.end_exclusive``); occasions at or
        after it are ignored. Default: the day after the last occasion.
    reactivation_gap_days
        A returning buyer whose previous occasion was at least this many days
        before their first occasion of the month is *reactivated*.
    repeat_orders
        ``beyond_first``: a buyer's repeat occasions in the month are those beyond
        the first; ``all_of_repeaters``: all occasions of buyers with ≥ 2.

    Returns
    -------
    DataFrame
        One row per month (``month`` = first day), with ``buyers``, ``new_buyers``,
        ``returning_buyers``, ``reactivated_buyers``, ``occasions``,
        ``repeat_occasions``, ``repeat_buyers``, ``orders``, ``revenue``,
        ``refund_amount``, ``aov``, ``revenue_per_buyer``,
        ``repurchase_rate_customers``, ``repurchase_rate_orders``,
        ``prev_month_buyers``, ``retained_buyers``, ``buyback_rate``,
        ``second_purchases`` and ``median_days_to_second_purchase``. Months without
        buyers have zero counts and blank (NaN) rates.
    """
    if repeat_orders not in ("beyond_first", "all_of_repeaters"):
        raise AnalysisError(f"unknown repeat_orders {repeat_orders!r}; use 'beyond_first' or 'all_of_repeaters'")
    occ, end = _until(occ, end)
    if occ.empty:
        raise AnalysisError("no purchases before the end of the period; choose a later period")
    m = _month_index(occ["occasion_date"])
    cust = _blocks(occ)[0]
    frame = pd.DataFrame(
        {
            "c": cust,
            "m": m,
            "amount": occ["amount"].to_numpy(),
            "refund": occ["refund_amount"].to_numpy(),
            "orders": occ["orders"].to_numpy(),
            "no": occ["occasion_no"].to_numpy(),
            "gap": occ["days_since_prev"].to_numpy(),
        }
    )
    # customer x month; occasions are in customer and time order, so "first" is the month's first occasion
    cm = (
        frame.groupby(["c", "m"], sort=True)
        .agg(
            n=("no", "size"),
            amount=("amount", "sum"),
            refund=("refund", "sum"),
            orders=("orders", "sum"),
            first_no=("no", "first"),
            gap_in=("gap", "first"),
        )
        .reset_index()
    )
    cm["new"] = cm["first_no"] == 1
    cm["reactivated"] = ~cm["new"] & (cm["gap_in"] >= reactivation_gap_days)
    cm["repeat"] = cm["n"] >= 2
    cm["repeat_occ"] = (cm["n"] - 1) if repeat_orders == "beyond_first" else cm["n"].where(cm["repeat"], 0)
    same = cm["c"].to_numpy()[1:] == cm["c"].to_numpy()[:-1]
    consecutive = cm["m"].to_numpy()[1:] == cm["m"].to_numpy()[:-1] + 1
    cm["retained"] = np.r_[False, same & consecutive]
    per = cm.groupby("m").agg(
        buyers=("c", "size"),
        new_buyers=("new", "sum"),
        reactivated_buyers=("reactivated", "sum"),
        occasions=("n", "sum"),
        repeat_occasions=("repeat_occ", "sum"),
        repeat_buyers=("repeat", "sum"),
        orders=("orders", "sum"),
        revenue=("amount", "sum"),
        refund_amount=("refund", "sum"),
        retained_buyers=("retained", "sum"),
    )
    second = frame[frame["no"] == 2].groupby("m")["gap"].agg(["size", "median"])
    months = np.arange(int(m.min()), int(_month_index(pd.Series([_last_day(end)]))[0]) + 1)
    per = per.reindex(months, fill_value=0)
    out = pd.DataFrame({"month": _month_start(months)})
    for col in (
        "buyers",
        "new_buyers",
        "reactivated_buyers",
        "occasions",
        "repeat_occasions",
        "repeat_buyers",
        "orders",
        "retained_buyers",
    ):
        out[col] = per[col].to_numpy(dtype="int64")
    out["returning_buyers"] = out["buyers"] - out["new_buyers"] - out["reactivated_buyers"]
    out["revenue"] = per["revenue"].to_numpy(dtype="float64")
    out["refund_amount"] = per["refund_amount"].to_numpy(dtype="float64")
    buyers = out["buyers"].where(out["buyers"] > 0)
    out["aov"] = out["revenue"] / out["orders"].where(out["orders"] > 0)
    out["revenue_per_buyer"] = out["revenue"] / buyers
    out["repurchase_rate_customers"] = out["repeat_buyers"] / buyers
    out["repurchase_rate_orders"] = out["repeat_occasions"] / out["occasions"].where(out["occasions"] > 0)
    out["prev_month_buyers"] = out["buyers"].shift(1).fillna(0).astype("int64")
    out["buyback_rate"] = out["retained_buyers"] / out["prev_month_buyers"].where(out["prev_month_buyers"] > 0)
    out["second_purchases"] = second["size"].reindex(months, fill_value=0).to_numpy(dtype="int64")
    out["median_days_to_second_purchase"] = second["median"].reindex(months).to_numpy(dtype="float64")
    cols = [
        "month",
        "buyers",
        "new_buyers",
        "returning_buyers",
        "reactivated_buyers",
        "occasions",
        "repeat_occasions",
        "repeat_buyers",
        "orders",
        "revenue",
        "refund_amount",
        "aov",
        "revenue_per_buyer",
        "repurchase_rate_customers",
        "repurchase_rate_orders",
        "prev_month_buyers",
        "retained_buyers",
        "buyback_rate",
        "second_purchases",
        "median_days_to_second_purchase",
    ]
    return out[cols]


def n_day_repurchase(
    occ: pd.DataFrame,
    end: pd.Timestamp | None = None,
    windows: Sequence[int] = (30, 60, 90),
) -> pd.DataFrame:
    """N-day repurchase of first-time buyers, by the month of their first occasion.

    A first-time buyer whose first occasion is on day ``d`` repurchases within N
    days when their second occasion is on or before ``d + N``; they count only when
    ``d + N`` is on or before the last observed day (the full N days observed).

    Returns
    -------
    DataFrame
        ``month``, ``window`` (N), ``first_time_buyers``, ``eligible`` (observed for
        the full N days), ``repeaters``, ``rate`` (repeaters ÷ eligible; NaN when
        none is eligible) and ``fully_observed`` (every first-time buyer of the month
        is eligible).
    """
    occ, end = _until(occ, end)
    last = _last_day(end)
    first, second_gap = _second_gap(occ)
    first_day = occ["occasion_date"].to_numpy()[first]
    observed = (np.datetime64(last, "ns") - first_day).astype("timedelta64[D]").astype("int64")
    months = _month_index(first_day)
    rows = []
    for n in windows:  # a handful of windows, each vectorised over all customers
        eligible = observed >= n
        rep = eligible & (second_gap <= n)
        part = (
            pd.DataFrame({"m": months, "e": eligible, "r": rep})
            .groupby("m")
            .agg(first_time_buyers=("e", "size"), eligible=("e", "sum"), repeaters=("r", "sum"))
        )
        part["window"] = int(n)
        rows.append(part)
    if not rows:
        return pd.DataFrame(
            columns=["month", "window", "first_time_buyers", "eligible", "repeaters", "rate", "fully_observed"]
        )
    out = pd.concat(rows).reset_index()
    out["month"] = _month_start(out["m"].to_numpy())
    out["rate"] = out["repeaters"] / out["eligible"].where(out["eligible"] > 0)
    out["fully_observed"] = out["eligible"] == out["first_time_buyers"]
    out = out.sort_values(["window", "month"]).reset_index(drop=True)
    return out[["month", "window", "first_time_buyers", "eligible", "repeaters", "rate", "fully_observed"]]


def time_to_second_purchase(occ: pd.DataFrame, end: pd.Timestamp | None = None) -> pd.DataFrame:
    """Kaplan–Meier curve of the days from a customer's first to second occasion.

    Customers without a second occasion are censored at the last observed day.

    Returns
    -------
    DataFrame
        :func:`kaplan_meier` output with ``repurchased`` = 1 − survival: the share
        of first-time buyers who have bought again by day ``time``.
    """
    occ, end = _until(occ, end)
    last = _last_day(end)
    first, second_gap = _second_gap(occ)
    first_day = occ["occasion_date"].to_numpy()[first]
    open_gap = (np.datetime64(last, "ns") - first_day).astype("timedelta64[D]").astype("float64")
    observed = ~np.isnan(second_gap)
    durations = np.where(observed, second_gap, open_gap)
    curve = kaplan_meier(durations, observed)
    curve["repurchased"] = 1 - curve["survival"]
    return curve


# ---------------------------------------------------------------------------
# Kaplan-Meier


def kaplan_meier(
    durations: Sequence[float] | np.ndarray | pd.Series,
    observed: Sequence[bool] | np.ndarray | pd.Series,
    groups: Sequence | np.ndarray | pd.Series | None = None,
) -> pd.DataFrame:
    """Kaplan–Meier survival curves, one per group, vectorised.

    S(t) = ∏_{t_i ≤ t} (1 − d_i / n_i), with d_i events at t_i and n_i at risk just
    before t_i (computed as lifelines does, through sums of logs).

    Parameters
    ----------
    durations
        Time to the event or to censoring (days), ≥ 0.
    observed
        True when the event happened, False when censored.
    groups
        Optional group labels; one curve per group.

    Returns
    -------
    DataFrame
        ``group`` (``"all"`` without groups), ``time``, ``at_risk``, ``events``,
        ``censored`` and ``survival`` at every distinct time of each group.
    """
    t = np.asarray(durations, dtype="float64")
    e = np.asarray(observed, dtype=bool)
    if t.shape != e.shape:
        raise AnalysisError("kaplan_meier: durations and observed must have the same length")
    if len(t) and (np.isnan(t).any() or (t < 0).any()):
        raise AnalysisError("kaplan_meier: durations must be numbers ≥ 0 (check the dates)")
    g = np.full(len(t), "all", dtype=object) if groups is None else np.asarray(groups, dtype=object)
    df = pd.DataFrame({"group": g, "time": t, "e": e.astype("int64")})
    agg = df.groupby(["group", "time"], sort=True)["e"].agg(["size", "sum"]).reset_index()
    agg = agg.rename(columns={"size": "n", "sum": "events"})
    total = agg.groupby("group")["n"].transform("sum")
    removed_before = agg.groupby("group")["n"].cumsum() - agg["n"]
    agg["at_risk"] = (total - removed_before).astype("int64")
    agg["censored"] = (agg["n"] - agg["events"]).astype("int64")
    with np.errstate(divide="ignore"):
        log_term = np.log((agg["at_risk"] - agg["events"]).to_numpy(dtype="float64")) - np.log(
            agg["at_risk"].to_numpy(dtype="float64")
        )
    agg["survival"] = np.exp(pd.Series(log_term, index=agg.index).groupby(agg["group"]).cumsum())
    return agg[["group", "time", "at_risk", "events", "censored", "survival"]].reset_index(drop=True)


def km_quantiles(
    curve: pd.DataFrame, quantiles: Sequence[float] = (0.5, 0.9), horizon_days: float | None = None
) -> pd.DataFrame:
    """Quantiles of the time to the event read off Kaplan–Meier curves.

    Parameters
    ----------
    curve
        :func:`kaplan_meier` output.
    quantiles
        Shares q of events: the q-quantile is the first time with
        S(t) ≤ 1 − q (lifelines' convention); ``inf`` when the curve never gets there.
    horizon_days
        When given, the quantiles of the time to the event *among events within the
        horizon*: the first t ≤ H with F(t) ≥ q · F(H), where F = 1 − S. Finite
        whenever some event happens within H.

    Returns
    -------
    DataFrame
        One row per group: ``group``, ``n`` (at risk at the start), ``events``,
        ``share_by_horizon`` (F(H), or the share with the event by the last time) and
        one column ``q50``, ``q90`` … per quantile.
    """
    c = curve
    groups = c.groupby("group", sort=False)
    out = pd.DataFrame({"n": groups["at_risk"].first(), "events": groups["events"].sum()})
    within = c if horizon_days is None else c[c["time"] <= horizon_days]
    f_h = (1 - within.groupby("group", sort=False)["survival"].last()).reindex(out.index).fillna(0.0)
    out["share_by_horizon"] = f_h
    fail = 1 - c["survival"].to_numpy()
    for q in quantiles:
        name = f"q{round(q * 100):d}"
        if horizon_days is None:
            hit = c["survival"].to_numpy() <= 1 - q + _TOL
        else:
            target = q * f_h.reindex(c["group"]).to_numpy()
            hit = (c["time"].to_numpy() <= horizon_days) & (fail >= target - _TOL) & (target > 0)
        first = c.loc[hit].groupby("group", sort=False)["time"].min()
        out[name] = first.reindex(out.index).astype("float64")
        if horizon_days is None:
            out[name] = out[name].fillna(np.inf)
    return out.reset_index()


def gap_durations(occ: pd.DataFrame, end: pd.Timestamp | None = None) -> pd.DataFrame:
    """The gap after every occasion: closed by the next occasion, or open and censored.

    Parameters
    ----------
    occ
        :func:`purchase_occasions` output.
    end
        Exclusive end of the observation; open gaps are censored at the last
        observed day (a purchase on that day has an open gap of 0 days).

    Returns
    -------
    DataFrame
        Index ``occasion_id`` (the occasion that starts the gap); ``customer_id``,
        ``occasion_date``, ``occasion_no``, ``duration`` (days) and ``observed``
        (True when the customer bought again before ``end``).
    """
    occ, end = _until(occ, end)
    last = _last_day(end)
    _, no = _blocks(occ)
    nxt = np.full(len(no), np.nan)
    if len(no) > 1:
        same = no[1:] != 1  # the next row continues the same customer
        nxt[:-1] = np.where(same, occ["days_since_prev"].to_numpy()[1:], np.nan)
    observed = ~np.isnan(nxt)
    open_gap = (np.datetime64(last, "ns") - occ["occasion_date"].to_numpy()).astype("timedelta64[D]").astype("float64")
    return pd.DataFrame(
        {
            "customer_id": occ["customer_id"].to_numpy(),
            "occasion_date": occ["occasion_date"].to_numpy(),
            "occasion_no": no,
            "duration": np.where(observed, nxt, open_gap),
            "observed": observed,
        },
        index=occ.index,
    )


def naive_gap_stats(
    occ: pd.DataFrame, end: pd.Timestamp | None = None, quantiles: Sequence[float] = (0.5, 0.9, 0.95)
) -> dict:
    """Mean and percentiles of the closed gaps only (biased short; shown for comparison).

    Returns
    -------
    dict
        ``gaps`` (count), ``mean`` and ``q50``, ``q90``, … (linear interpolation,
        as pandas ``quantile``).
    """
    gaps = _until(occ, end)[0]["days_since_prev"].dropna()
    out = {"gaps": len(gaps), "mean": float(gaps.mean()) if len(gaps) else math.nan}
    for q in quantiles:
        out[f"q{round(q * 100):d}"] = float(gaps.quantile(q)) if len(gaps) else math.nan
    return out


def _occasion_groups(tx: pd.DataFrame, ids: pd.Series, by: str) -> pd.DataFrame:
    """Distinct (occasion_id, group) pairs: the groups bought at each occasion."""
    pairs = pd.DataFrame({"occasion_id": ids.to_numpy(), "group": tx[by].to_numpy()})
    pairs = pairs[pairs["group"].notna()]
    return pairs.drop_duplicates()


def _cycle_inputs(tx: pd.DataFrame, end: pd.Timestamp | None, occasion: str, cols: dict) -> tuple:
    """Transactions before ``end``, their occasion IDs and the gaps, all from the same rows."""
    date_col = cols["date_col"]
    if end is None:
        end = _default_end(tx[date_col])
    end = pd.Timestamp(end)
    tx = tx[tx[date_col] < end]
    if tx.empty:
        raise AnalysisError("no purchases before the end of the period; choose a later period")
    _require(tx, [cols["amount_col"]], "purchase cycle")
    ids, codes, uniques = _occasion_codes(tx, occasion, cols["customer_col"], cols["order_col"], date_col)
    occ = _build_occasions(
        tx,
        ids,
        codes,
        uniques,
        order_col=cols["order_col"],
        date_col=date_col,
        amount_col=cols["amount_col"],
        refund_col="refund_amount",
    )
    return tx, pd.Series(ids, index=tx.index, name="occasion_id"), gap_durations(occ, end)


def purchase_cycle_curves(
    tx: pd.DataFrame,
    end: pd.Timestamp | None = None,
    *,
    by: str | None = None,
    occasion: str = "customer_day",
    customer_col: str = "customer_id",
    order_col: str = "order_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Kaplan–Meier curves of the days to the next occasion, overall or by group.

    With ``by`` (e.g. ``category``), a gap belongs to every group bought at the
    occasion that starts it: "after buying coffee, when does the customer buy
    again (anything)?".

    Parameters
    ----------
    tx
        Cleaned transactions; rows at or after ``end`` are ignored.
    end
        Exclusive end of the observation; open gaps are censored at its last day.
    by
        Optional group column.
    occasion
        ``customer_day`` or ``order``.

    Returns
    -------
    DataFrame
        :func:`kaplan_meier` output (``group`` is ``"all"`` without ``by``) plus
        ``returned`` = 1 − survival.
    """
    cols = dict(customer_col=customer_col, order_col=order_col, date_col=date_col, amount_col=amount_col)
    tx, ids, gaps = _cycle_inputs(tx, end, occasion, cols)
    if by is None:
        curve = kaplan_meier(gaps["duration"], gaps["observed"])
    else:
        _require(tx, [by], "purchase cycle by group")
        pairs = _occasion_groups(tx, ids, by)
        joined = pairs.merge(gaps[["duration", "observed"]], left_on="occasion_id", right_index=True, how="inner")
        curve = kaplan_meier(joined["duration"], joined["observed"], joined["group"].astype(str))
    curve["returned"] = 1 - curve["survival"]
    return curve


def purchase_cycle(
    tx: pd.DataFrame,
    end: pd.Timestamp | None = None,
    *,
    by: str | None = None,
    horizon_days: int = 365,
    occasion: str = "customer_day",
    min_gaps: int = 30,
    customer_col: str = "customer_id",
    order_col: str = "order_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Purchase cycle (购买周期): censored medians, p90 and the expected next-purchase window.

    Parameters
    ----------
    tx
        Cleaned transactions; rows at or after ``end`` are ignored.
    end
        Exclusive end of the observation.
    by
        Optional group column (``category``); one row per group plus ``"all"``.
        Ignored when the column is missing.
    horizon_days
        The expected next-purchase window is read among gaps that close within this
        many days (a longer break is a reactivation, not the usual cycle).
    occasion
        ``customer_day`` or ``order``.
    min_gaps
        Groups with fewer gaps are left out.

    Returns
    -------
    DataFrame
        ``group``, ``gaps`` (occasions that start a gap, closed or open),
        ``returned`` (closed gaps), ``km_median`` and ``km_p90`` (Kaplan–Meier,
        open gaps censored; ``inf`` when never reached), ``returned_by_horizon``
        (share of gaps closed within ``horizon_days``), ``window_median`` and
        ``window_p90`` (the same quantiles among gaps closing within the horizon:
        the expected next-purchase window), ``naive_median`` and ``naive_p90``
        (closed gaps only, biased short).
    """
    cols = dict(customer_col=customer_col, order_col=order_col, date_col=date_col, amount_col=amount_col)
    tx, ids, gaps = _cycle_inputs(tx, end, occasion, cols)
    curves = [kaplan_meier(gaps["duration"], gaps["observed"])]
    closed_all = gaps.loc[gaps["observed"], "duration"]
    naive = [
        pd.DataFrame({"group": ["all"], "naive_median": [closed_all.median()], "naive_p90": [closed_all.quantile(0.9)]})
    ]
    if by is not None and by in tx.columns:
        pairs = _occasion_groups(tx, ids, by)
        joined = pairs.merge(gaps[["duration", "observed"]], left_on="occasion_id", right_index=True, how="inner")
        group = joined["group"].astype(str)
        curves.append(kaplan_meier(joined["duration"], joined["observed"], group))
        closed = joined[joined["observed"]]
        q = closed.groupby(group[joined["observed"]])["duration"].quantile([0.5, 0.9]).unstack()
        if len(q):
            naive.append(
                pd.DataFrame({"group": q.index, "naive_median": q[0.5].to_numpy(), "naive_p90": q[0.9].to_numpy()})
            )
    curve = pd.concat(curves, ignore_index=True)
    km = km_quantiles(curve, (0.5, 0.9)).rename(
        columns={"n": "gaps", "events": "returned", "q50": "km_median", "q90": "km_p90"}
    )
    km = km.drop(columns="share_by_horizon")
    win = km_quantiles(curve, (0.5, 0.9), horizon_days=horizon_days)[["group", "share_by_horizon", "q50", "q90"]]
    win = win.rename(columns={"share_by_horizon": "returned_by_horizon", "q50": "window_median", "q90": "window_p90"})
    out = km.merge(win, on="group").merge(pd.concat(naive, ignore_index=True), on="group", how="left")
    out = out[(out["gaps"] >= min_gaps) | (out["group"] == "all")]
    order = np.where(out["group"] == "all", 0, 1)
    out = out.assign(_o=order).sort_values(["_o", "window_median", "group"]).drop(columns="_o").reset_index(drop=True)
    return out[
        [
            "group",
            "gaps",
            "returned",
            "km_median",
            "km_p90",
            "returned_by_horizon",
            "window_median",
            "window_p90",
            "naive_median",
            "naive_p90",
        ]
    ]


def purchase_cycle_threshold(
    tx: pd.DataFrame,
    quantile: float = 0.9,
    *,
    end: pd.Timestamp | None = None,
    occasion: str = "customer_day",
    horizon_days: int | None = 365,
    customer_col: str = "customer_id",
    order_col: str = "order_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> float:
    """Days without a purchase after which a customer is past the usual purchase cycle.

    The ``quantile`` of the days to the next occasion, estimated by Kaplan–Meier
    with each customer's open last gap censored at the end of the data. With
    ``horizon_days`` (default 365) it is the quantile among gaps that close within
    the horizon, which is finite even when many customers never come back (on
    CDNOW more than 10 % of purchases are never followed by another, so the
    unconditional p90 does not exist). The churn analysis uses it as its default
    inactivity threshold.

    Parameters
    ----------
    tx
        Cleaned transactions.
    quantile
        Share of returns covered, e.g. 0.9.
    end
        Exclusive end of the observation; default the day after the last purchase.
    occasion
        ``customer_day`` or ``order``.
    horizon_days
        See above; ``None`` for the unconditional Kaplan–Meier quantile.

    Returns
    -------
    float
        Days.

    Raises
    ------
    AnalysisError
        When no customer ever bought twice, or the unconditional quantile is never
        reached (then pass ``horizon_days``).
    """
    if not 0 < quantile < 1:
        raise AnalysisError(f"quantile must be between 0 and 1, got {quantile!r}")
    occ = purchase_occasions(
        tx, occasion, customer_col=customer_col, order_col=order_col, date_col=date_col, amount_col=amount_col
    )
    gaps = gap_durations(occ, end)
    if not gaps["observed"].any():
        raise AnalysisError("no customer bought twice, so there is no purchase cycle; set churn.threshold_days")
    curve = kaplan_meier(gaps["duration"], gaps["observed"])
    value = float(km_quantiles(curve, (quantile,), horizon_days=horizon_days).iloc[0, -1])
    if not np.isfinite(value):
        raise AnalysisError(
            f"fewer than {quantile:.0%} of purchases are ever followed by another, so the Kaplan–Meier "
            f"{quantile:.0%} quantile does not exist; pass horizon_days (e.g. 365) or set churn.threshold_days"
        )
    return value


# ---------------------------------------------------------------------------
# headline KPIs with comparisons

#: unit of every headline KPI: count, money, rate (a share) or days
KPI_UNITS: dict[str, str] = {
    "buyers": "count",
    "new_buyers": "count",
    "returning_buyers": "count",
    "reactivated_buyers": "count",
    "orders": "count",
    "occasions": "count",
    "revenue": "money",
    "aov": "money",
    "revenue_per_buyer": "money",
    "repurchase_rate_customers": "rate",
    "repurchase_rate_orders": "rate",
    "buyback_rate": "rate",
    "median_days_to_second_purchase": "days",
    "median_days_between_purchases": "days",
}
_MONTHLY_HEADLINE = [k for k in KPI_UNITS if k != "median_days_between_purchases"]


def _latest_full_month(last: pd.Timestamp, n: int) -> int:
    """Month index of the latest month whose every day d satisfies d + n <= last."""
    d = last - pd.Timedelta(days=n)
    idx = int(_month_index(pd.Series([d]))[0])
    month_end = (d + pd.offsets.MonthEnd(0)).normalize()
    return idx if d == month_end else idx - 1


def _km_median_until(occ: pd.DataFrame, end: pd.Timestamp) -> float:
    sub = occ[occ["occasion_time"] < end]
    if sub.empty:
        return math.nan
    gaps = gap_durations(sub, end)
    if not gaps["observed"].any():
        return math.nan
    return float(km_quantiles(kaplan_meier(gaps["duration"], gaps["observed"]), (0.5,))["q50"].iloc[0])


def headline_kpis(
    occ: pd.DataFrame, period, settings: RepurchaseSettings | None = None, monthly: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The report month's KPIs with the previous month and the same month last year.

    Parameters
    ----------
    occ
        :func:`purchase_occasions` of the transactions up to the period end.
    period
        The report :class:`~repurchase.periods.Period`.
    settings
        Repurchase settings (reactivation gap, N-day windows, repeat-order rule).
    monthly
        :func:`monthly_kpis` output, when already computed.

    Returns
    -------
    DataFrame
        One row per KPI: ``kpi``, ``unit``, ``value``, ``prev_period``, ``prev_year``,
        ``change_prev`` and ``change_year`` (the difference for rates, in
        share points; the relative change otherwise; NaN when either side is
        undefined or ``inf``), ``basis`` (the month the value describes, ``YYYY-MM``)
        and ``basis_kind`` (``month``; ``first_time_buyers``: the N-day rows
        (``n_day_repurchase_30`` …) describe the first-time buyers of the latest
        acquisition month whose first-time buyers were all observed for N days;
        ``gaps_up_to``: ``median_days_between_purchases`` is the Kaplan–Meier median
        gap of all gaps up to the month's end). A Kaplan–Meier median that is never
        reached is ``inf``.
    """
    settings = settings or RepurchaseSettings()
    end = period.end_exclusive
    if monthly is None:
        monthly = monthly_kpis(
            occ, end, reactivation_gap_days=settings.reactivation_gap_days, repeat_orders=settings.repeat_orders
        )
    by_month = monthly.set_index("month")
    months = [period.start, period.previous.start, period.year_ago.start]
    rows = []
    for kpi in _MONTHLY_HEADLINE:
        vals = [float(by_month[kpi].get(m, np.nan)) for m in months]
        rows.append(
            {
                "kpi": kpi,
                "unit": KPI_UNITS[kpi],
                "value": vals[0],
                "prev_period": vals[1],
                "prev_year": vals[2],
                "basis": period.label,
                "basis_kind": "month",
            }
        )
    last = _last_day(end)
    nday = n_day_repurchase(occ, end, settings.n_day_windows)
    for n in settings.n_day_windows:
        idx = _latest_full_month(last, n)
        table = nday[nday["window"] == n].set_index("month")["rate"]
        when = _month_start([idx, idx - 1, idx - 12])
        vals = [float(table.get(m, np.nan)) for m in when]
        rows.append(
            {
                "kpi": f"n_day_repurchase_{n}",
                "unit": "rate",
                "value": vals[0],
                "prev_period": vals[1],
                "prev_year": vals[2],
                "basis": f"{when[0]:%Y-%m}",
                "basis_kind": "first_time_buyers",
            }
        )
    ends = [end, period.previous.end_exclusive, period.year_ago.end_exclusive]
    vals = [_km_median_until(occ, e) for e in ends]
    rows.append(
        {
            "kpi": "median_days_between_purchases",
            "unit": "days",
            "value": vals[0],
            "prev_period": vals[1],
            "prev_year": vals[2],
            "basis": period.label,
            "basis_kind": "gaps_up_to",
        }
    )
    out = pd.DataFrame(rows)
    rate = out["unit"] == "rate"
    with np.errstate(divide="ignore", invalid="ignore"):
        for col, ref in (("change_prev", "prev_period"), ("change_year", "prev_year")):
            both = np.isfinite(out["value"]) & np.isfinite(out[ref])  # "not reached" (inf) has no change
            rel = out["value"] / out[ref].where(out[ref] != 0) - 1
            out[col] = np.where(both, np.where(rate, out["value"] - out[ref], rel), np.nan)
    return out[
        ["kpi", "unit", "value", "prev_period", "prev_year", "change_prev", "change_year", "basis", "basis_kind"]
    ]


def _kpi_name(kpi: str, lang: str = "en") -> str:
    """A headline KPI's name in ``lang`` (the glossary term)."""
    if i18n.has(f"repurchase.term.{kpi}", lang):
        return i18n.t(f"repurchase.term.{kpi}", lang)
    if kpi.startswith("n_day_repurchase_"):
        return i18n.t("repurchase.kpi_n_day", lang, n=kpi.rsplit("_", 1)[1])
    return kpi


def _fmt(value: float, unit: str, currency: str = "", lang: str = "en") -> str:
    if value is None or not np.isfinite(value):
        return "–" if value is None or np.isnan(value) else i18n.t("repurchase.not_reached", lang)
    if unit == "rate":
        return f"{value:.1%}"
    if unit == "money":
        return formatting.format_money(value, currency, lang) if currency else formatting.format_number(value, lang)
    if unit == "days":
        return i18n.t("repurchase.days", lang, n=f"{value:,.0f}")
    return f"{value:,.0f}"


def _fmt_change(value: float, unit: str, lang: str = "en") -> str:
    if value is None or not np.isfinite(value):
        return "–"
    if unit == "rate":
        return i18n.t("repurchase.pp", lang, value=f"{value * 100:+.1f}")
    return f"{value:+.1%}"


def _basis(label: str, kind: str, lang: str) -> str:
    month = formatting.format_month(label, lang)
    if kind == "first_time_buyers":
        return i18n.t("repurchase.basis_first_time_buyers", lang, month=month)
    if kind == "gaps_up_to":
        return i18n.t("repurchase.basis_gaps_up_to", lang, month=month)
    return month


def _headers(frame: pd.DataFrame, lang: str, names: dict[str, str]) -> pd.DataFrame:
    """Rename display columns to their ``repurchase.col.<name>`` text, or to a name already given."""
    return frame.rename(columns={c: names.get(c) or i18n.t(f"repurchase.col.{c}", lang) for c in frame.columns})


def format_headline(headline: pd.DataFrame, currency: str = "", lang: str = "en") -> pd.DataFrame:
    """The headline table as display text in ``lang``: KPI names, values with units, changes, the month described.

    Rates change in percentage points; everything else in percent. Money is
    written with :func:`repurchase.formatting.format_money` (e.g. ¥1.2万 in Chinese).
    """
    units = headline["unit"].tolist()
    kinds = headline["basis_kind"] if "basis_kind" in headline else pd.Series("month", index=headline.index)
    table = pd.DataFrame(
        {
            "kpi": [_kpi_name(k, lang) for k in headline["kpi"]],
            "this_month": [_fmt(v, u, currency, lang) for v, u in zip(headline["value"], units)],
            "previous_month": [_fmt(v, u, currency, lang) for v, u in zip(headline["prev_period"], units)],
            "change": [_fmt_change(v, u, lang) for v, u in zip(headline["change_prev"], units)],
            "same_month_last_year": [_fmt(v, u, currency, lang) for v, u in zip(headline["prev_year"], units)],
            "change_year": [_fmt_change(v, u, lang) for v, u in zip(headline["change_year"], units)],
            "describes": [_basis(b, k, lang) for b, k in zip(headline["basis"], kinds)],
        }
    )
    return _headers(table, lang, {})


def describe_headline(headline: pd.DataFrame, currency: str = "", lang: str = "en") -> str:
    """Two plain-language sentences on the month's buyers and 复购率, in ``lang``."""
    h = headline.set_index("kpi")

    def v(k: str, col: str = "value") -> float:
        return float(h.loc[k, col]) if k in h.index else math.nan

    text = i18n.t(
        "repurchase.headline",
        lang,
        month=formatting.format_month(h.loc["buyers", "basis"], lang),
        buyers=_fmt(v("buyers"), "count"),
        new=_fmt(v("new_buyers"), "count"),
        returning=_fmt(v("returning_buyers"), "count"),
        reactivated=_fmt(v("reactivated_buyers"), "count"),
        revenue=_fmt(v("revenue"), "money", currency, lang),
        rate=_fmt(v("repurchase_rate_customers"), "rate"),
    )
    chg = v("repurchase_rate_customers", "change_prev")
    if np.isfinite(chg):
        text += i18n.t("repurchase.headline_change", lang, change=_fmt_change(chg, "rate", lang))
        chg_y = v("repurchase_rate_customers", "change_year")
        text += (
            i18n.t("repurchase.headline_change_year", lang, change=_fmt_change(chg_y, "rate", lang))
            if np.isfinite(chg_y)
            else i18n.t("repurchase.headline_close", lang)
        )
    bb = v("buyback_rate")
    if np.isfinite(bb):
        text += i18n.t("repurchase.headline_buyback", lang, rate=_fmt(bb, "rate"))
    return text + i18n.t("repurchase.sentence_end", lang)


# ---------------------------------------------------------------------------
# cohorts


def cohort_table(occ: pd.DataFrame, end: pd.Timestamp | None = None, *, max_cohorts: int | None = None) -> pd.DataFrame:
    """Monthly acquisition cohorts: retention and revenue by months since acquisition.

    The cohort of a customer is the month of their first occasion. Age 0 is that
    month. Cells the data cannot show yet (cohort month + age after the end
    month) are NaN, not 0.

    Parameters
    ----------
    occ
        :func:`purchase_occasions` output.
    end
        Exclusive end of the observation.
    max_cohorts
        Keep only the latest cohorts (e.g. 24); all by default.

    Returns
    -------
    DataFrame
        ``cohort`` (first day of the month), ``age`` (months since acquisition),
        ``cohort_size``, ``active`` (customers with an occasion at that age),
        ``retention`` (active ÷ cohort size), ``revenue``, ``revenue_per_customer``,
        ``cum_revenue_per_customer`` (revenue up to that age ÷ cohort size) and
        ``observable``.
    """
    occ, end = _until(occ, end)
    end_idx = int(_month_index(pd.Series([_last_day(end)]))[0])
    frame = pd.DataFrame(
        {
            "c": _blocks(occ)[0],
            "m": _month_index(occ["occasion_date"]),
            "f": _month_index(occ["first_date"]),
            "amount": occ["amount"].to_numpy(),
        }
    )
    cm = frame.groupby(["c", "m"], sort=False).agg(f=("f", "first"), amount=("amount", "sum")).reset_index()
    cm["age"] = cm["m"] - cm["f"]
    per = cm.groupby(["f", "age"]).agg(active=("c", "size"), revenue=("amount", "sum"))
    sizes = cm[cm["age"] == 0].groupby("f").size()
    cohorts = sizes.index.to_numpy()
    if max_cohorts is not None:
        cohorts = cohorts[cohorts > end_idx - max_cohorts]
    if len(cohorts) == 0:
        return pd.DataFrame(
            columns=[
                "cohort",
                "age",
                "cohort_size",
                "active",
                "retention",
                "revenue",
                "revenue_per_customer",
                "cum_revenue_per_customer",
                "observable",
            ]
        )
    max_age = end_idx - int(cohorts.min())
    grid = pd.MultiIndex.from_product([cohorts, np.arange(max_age + 1)], names=["f", "age"])
    out = per.reindex(grid).reset_index()
    out["observable"] = out["f"] + out["age"] <= end_idx
    out["active"] = out["active"].fillna(0).where(out["observable"])
    out["revenue"] = out["revenue"].fillna(0.0).where(out["observable"])
    out["cohort_size"] = sizes.reindex(out["f"]).to_numpy(dtype="int64")
    out["retention"] = out["active"] / out["cohort_size"]
    out["revenue_per_customer"] = out["revenue"] / out["cohort_size"]
    out["cum_revenue_per_customer"] = (out.groupby("f")["revenue"].cumsum() / out["cohort_size"]).where(
        out["observable"]
    )
    out["cohort"] = _month_start(out["f"].to_numpy())
    return out[
        [
            "cohort",
            "age",
            "cohort_size",
            "active",
            "retention",
            "revenue",
            "revenue_per_customer",
            "cum_revenue_per_customer",
            "observable",
        ]
    ]


def cohort_matrix(cohorts: pd.DataFrame, value: str = "retention") -> pd.DataFrame:
    """A cohort table as a matrix: one row per cohort (``YYYY-MM``), one column per age.

    Unobservable cells stay NaN (blank in the heatmap).
    """
    wide = cohorts.pivot(index="cohort", columns="age", values=value)
    wide.index = pd.DatetimeIndex(wide.index).strftime("%Y-%m")
    wide.index.name = "cohort"
    wide.columns.name = "months since first purchase"
    return wide


def cohort_notes(
    occ: pd.DataFrame, end: pd.Timestamp, *, reactivation_gap_days: int = 180, exported_at: dt.date | None = None
) -> dict:
    """What to keep in mind when reading the cohort charts.

    Returns
    -------
    dict
        ``data_start`` and ``data_end`` (first and last occasion days),
        ``partial_last_month`` (the data stop before the last day of the end month;
        with ``exported_at``, the source's export date counts as the data end, so a
        quiet last day or two is not read as missing data),
        ``left_censored`` (cohort labels starting less than
        ``reactivation_gap_days`` after the data start: their "new" customers may
        have bought before the data begins) and ``end_month``.
    """
    occ, end = _until(occ, end)
    last = _last_day(end)
    start = occ["occasion_date"].min()
    data_end = occ["occasion_date"].max()
    months = pd.date_range(start.to_period("M").to_timestamp(), last, freq="MS")
    left = [m.strftime("%Y-%m") for m in months if m < start + pd.Timedelta(days=reactivation_gap_days)]
    observed_to = max(data_end, pd.Timestamp(exported_at)) if exported_at is not None else data_end
    return {
        "data_start": start,
        "data_end": data_end,
        "partial_last_month": bool(observed_to < last),
        "left_censored": left,
        "end_month": last.strftime("%Y-%m"),
    }


def describe_cohorts(cohorts: pd.DataFrame, notes: dict, lang: str = "en") -> str:
    """Plain-language reading of the retention heatmap, with its caveats, in ``lang``."""
    if cohorts.empty:
        return i18n.t("repurchase.cohorts_none", lang)
    at = {}
    for age in (1, 3, 12):
        vals = cohorts[(cohorts["age"] == age) & cohorts["observable"]]
        if len(vals):
            w = vals["cohort_size"].sum()
            at[age] = float((vals["active"].sum()) / w) if w else math.nan
    keys = {1: "repurchase.cohorts_month1", 3: "repurchase.cohorts_month3", 12: "repurchase.cohorts_month12"}
    parts = [i18n.t(keys[age], lang, rate=_pct(at[age])) for age in (1, 3, 12) if age in at]
    text = (
        i18n.t("repurchase.cohorts_weighted", lang, parts=i18n.t("repurchase.clause_sep", lang).join(parts))
        if parts
        else i18n.t("repurchase.cohorts_too_young", lang)
    )
    if notes.get("left_censored"):
        lc = notes["left_censored"]
        text += i18n.t(
            "repurchase.cohorts_left_censored",
            lang,
            start=f"{notes['data_start']:%Y-%m-%d}",
            first=formatting.format_month(lc[0], lang),
            last=formatting.format_month(lc[-1], lang),
        )
    if notes.get("partial_last_month"):
        text += i18n.t(
            "repurchase.cohorts_partial",
            lang,
            end=f"{notes['data_end']:%Y-%m-%d}",
            month=formatting.format_month(notes["end_month"], lang),
        )
    return text


# ---------------------------------------------------------------------------
# what brings customers back


def first_purchase_groups(
    tx: pd.DataFrame,
    by: str = "category",
    *,
    occasion: str = "customer_day",
    customer_col: str = "customer_id",
    order_col: str = "order_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """The main group (category, product …) of each customer's first occasion.

    When the first occasion holds several groups, the one with the largest amount
    wins (ties: the first name alphabetically). Missing values count as
    ``"(unknown)"``.

    Returns
    -------
    DataFrame
        ``customer_id``, ``group``.
    """
    _require(tx, [by], "first-purchase groups")
    ids, codes, uniques = _occasion_codes(tx, occasion, customer_col, order_col, date_col)
    first_id = pd.Series(ids).groupby(codes).transform("min").to_numpy()
    on_first = ids == first_id
    group = tx[by].to_numpy(dtype=object)[on_first]
    group = np.where(pd.isna(group), "(unknown)", group).astype(str)
    gcodes, gnames = pd.factorize(group, sort=True)  # sorted: ties go to the first name alphabetically
    lines = pd.DataFrame({"c": codes[on_first], "g": gcodes, "amount": tx[amount_col].to_numpy()[on_first]})
    per = lines.groupby(["c", "g"], sort=False)["amount"].sum().reset_index()
    per = per.sort_values(["c", "amount", "g"], ascending=[True, False, True], kind="stable")
    per = per.drop_duplicates("c")
    return pd.DataFrame(
        {
            "customer_id": np.asarray(uniques.take(per["c"].to_numpy()), dtype=object),
            "group": np.asarray(gnames, dtype=object)[per["g"].to_numpy()],
        }
    )


def _eligible_customers(occ: pd.DataFrame, end: pd.Timestamp, window_days: int) -> pd.DataFrame:
    """Customers observed for ``window_days`` after their first occasion, with ``repeat`` within the window."""
    last = _last_day(end)
    first, second_gap = _second_gap(occ)
    n_occ = np.diff(np.r_[first, len(occ)])
    first_day = occ["occasion_date"].to_numpy()[first]
    observed = (np.datetime64(last, "ns") - first_day).astype("timedelta64[D]").astype("int64")
    keep = observed >= window_days
    return pd.DataFrame(
        {
            "customer_id": occ["customer_id"].to_numpy()[first][keep],
            "repeat": (second_gap <= window_days)[keep],
            "occasions": n_occ[keep],
        }
    )


def repurchase_by_first_group(
    tx: pd.DataFrame,
    occ: pd.DataFrame,
    end: pd.Timestamp | None = None,
    *,
    by: str = "category",
    window_days: int = 90,
    min_customers: int = 30,
    top: int | None = None,
    occasion: str = "customer_day",
    customer_col: str = "customer_id",
    order_col: str = "order_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Repurchase rate within ``window_days`` by the group of the first purchase, with Wilson 95 % intervals.

    Only customers observed for the full window after their first occasion count.
    Groups with fewer than ``min_customers`` such customers, and beyond the ``top``
    groups with the most customers when ``top`` is given, are pooled into
    ``"(other)"``.

    Returns
    -------
    DataFrame
        ``group``, ``customers``, ``repeaters``, ``rate``, ``ci_low``, ``ci_high``,
        sorted by rate (highest first); empty when ``by`` is not a column.
    """
    cols = ["group", "customers", "repeaters", "rate", "ci_low", "ci_high"]
    if by not in tx.columns:
        return pd.DataFrame(columns=cols)
    occ, end = _until(occ, end)
    tx = tx[tx[date_col] < end]
    elig = _eligible_customers(occ, end, window_days)
    groups = first_purchase_groups(
        tx,
        by,
        occasion=occasion,
        customer_col=customer_col,
        order_col=order_col,
        date_col=date_col,
        amount_col=amount_col,
    )
    data = elig.merge(groups.rename(columns={"customer_id": "customer_id"}), on="customer_id", how="inner")
    per = data.groupby("group").agg(customers=("repeat", "size"), repeaters=("repeat", "sum"))
    small = per["customers"] < min_customers
    if top is not None:
        small |= per["customers"].rank(ascending=False, method="first") > top
    if small.any():
        other = per[small].sum()
        per = per[~small]
        if other["customers"] > 0:
            per.loc["(other)"] = other
    per = per.reset_index()
    per["rate"] = per["repeaters"] / per["customers"]
    per["ci_low"], per["ci_high"] = wilson_interval(per["repeaters"], per["customers"])
    per = per.sort_values(["rate", "customers"], ascending=[False, False]).reset_index(drop=True)
    return per[cols].astype({"customers": "int64", "repeaters": "int64"})


def describe_drivers_available(
    tx: pd.DataFrame, columns: Sequence[str] = ("category", "product_name"), lang: str = "en"
) -> str:
    """Which of the columns the driver analyses need this client's data have, in ``lang``."""
    present = [c for c in columns if c in tx.columns and tx[c].notna().any()]
    missing = [c for c in columns if c not in present]
    both, either = i18n.t("repurchase.and", lang), i18n.t("repurchase.or", lang)

    def names(cols: list[str], sep: str) -> str:
        return sep.join(_column_name(c, lang) for c in cols)

    if not missing:
        return i18n.t("repurchase.drivers_all", lang, columns=names(present, both))
    if not present:
        return i18n.t("repurchase.drivers_none", lang, columns=names(missing, either), codes=", ".join(missing))
    return i18n.t("repurchase.drivers_some", lang, present=names(present, both), missing=names(missing, either))


def describe_first_groups(table: pd.DataFrame, by: str = "category", window_days: int = 90, lang: str = "en") -> str:
    """Which first purchases bring customers back, in one or two sentences in ``lang``."""
    name = _column_name(by, lang)
    if table.empty:
        return i18n.t("repurchase.first_groups_missing", lang, by=name)
    ranked = table[table["group"] != "(other)"]
    overall = table["repeaters"].sum() / max(table["customers"].sum(), 1)
    if ranked.empty:
        return i18n.t("repurchase.first_groups_few", lang, by=name)
    top, low = ranked.iloc[0], ranked.iloc[-1]
    text = i18n.t(
        "repurchase.first_groups",
        lang,
        overall=_pct(overall),
        window=window_days,
        group=group_label(top["group"], lang),
        rate=_pct(top["rate"]),
        low=_pct(top["ci_low"]),
        high=_pct(top["ci_high"]),
        n=f"{int(top['customers']):,}",
    )
    if len(ranked) > 1:
        text += i18n.t(
            "repurchase.first_groups_low",
            lang,
            group=group_label(low["group"], lang),
            rate=_pct(low["rate"]),
            low=_pct(low["ci_low"]),
            high=_pct(low["ci_high"]),
            n=f"{int(low['customers']):,}",
        )
    return text + i18n.t("repurchase.sentence_end", lang)


def bought_together(
    tx: pd.DataFrame,
    by: str = "category",
    *,
    min_support: float = 0.005,
    top: int | None = None,
    customer_col: str = "customer_id",
) -> pd.DataFrame:
    """Groups bought by the same customer across their orders: support, confidence, lift.

    Each customer is one basket holding every group they ever bought. For groups A
    and B: support = customers with both ÷ customers; confidence(A → B) = support
    ÷ share of customers with A; lift = support ÷ (share with A × share with B).
    Computed with one sparse matrix product.

    Parameters
    ----------
    by
        ``category``, ``product_name`` …
    min_support
        Pairs bought by a smaller share of customers are left out.
    top
        Keep the ``top`` rules by lift.

    Returns
    -------
    DataFrame
        ``antecedent``, ``consequent``, ``customers_both``, ``support``,
        ``confidence``, ``lift``, sorted by lift then support; both directions of
        every pair. Empty when ``by`` is not a column.
    """
    cols = ["antecedent", "consequent", "customers_both", "support", "confidence", "lift"]
    if by not in tx.columns:
        return pd.DataFrame(columns=cols)
    from scipy import sparse

    data = tx.loc[tx[by].notna(), [customer_col, by]]
    if data.empty:
        return pd.DataFrame(columns=cols)
    cust = pd.factorize(data[customer_col])[0]
    item, items = pd.factorize(data[by].astype(str))
    x = sparse.csr_matrix((np.ones(len(cust), dtype="int64"), (cust, item)), shape=(cust.max() + 1, len(items)))
    x.sum_duplicates()
    x.data[:] = 1
    n = x.shape[0]
    counts = np.asarray(x.sum(axis=0)).ravel()
    co = (x.T @ x).tocoo()
    keep = (co.row != co.col) & (co.data >= min_support * n)
    a, b, both = co.row[keep], co.col[keep], co.data[keep].astype("float64")
    support = both / n
    out = pd.DataFrame(
        {
            "antecedent": items[a],
            "consequent": items[b],
            "customers_both": both.astype("int64"),
            "support": support,
            "confidence": both / counts[a],
            "lift": support / ((counts[a] / n) * (counts[b] / n)),
        }
    )
    out = out.sort_values(["lift", "support", "antecedent", "consequent"], ascending=[False, False, True, True])
    out = out.reset_index(drop=True)
    return out.head(top) if top is not None else out


#: below this lift the strongest pair is hardly more than chance, and the sentence says so
WEAK_LIFT = 1.1


def describe_pairs(rules: pd.DataFrame, by: str = "category", lang: str = "en") -> str:
    """The strongest pair bought together, in one sentence in ``lang``."""
    if rules.empty:
        return i18n.t("repurchase.pairs_none", lang, by=_column_name(by, lang))
    r = rules.iloc[0]
    key = "repurchase.pairs" if r["lift"] >= WEAK_LIFT else "repurchase.pairs_weak"
    return i18n.t(
        key,
        lang,
        a=str(r["antecedent"]),
        b=str(r["consequent"]),
        lift=f"{r['lift']:.2f}",
        confidence=_pct(r["confidence"]),
        support=_pct(r["support"]),
    )


def refunded_lines(result, settings: CleaningSettings | None = None) -> pd.DataFrame:
    """Order lines the cleaning excluded because they were refunded, with their gross amount.

    With ``refunds: net`` a fully refunded line is excluded (``fully_refunded``);
    with ``refunds: exclude`` every refunded line is (``refunded_order``). They are
    needed for refund rates, since the cleaned transactions no longer hold them.

    Parameters
    ----------
    result
        The transactions' :class:`~repurchase.cleaning.CleaningResult`.
    settings
        The cleaning settings (ID case folding).

    Returns
    -------
    DataFrame
        The canonical columns present (``order_id``, ``product_id``,
        ``product_name``, ``category`` …) and ``amount`` (the gross line amount).
    """
    from repurchase.cleaning import normalize_ids, parse_amounts

    settings = settings or CleaningSettings()
    q = result.quarantine
    if q.empty or "reason" not in q.columns:
        return pd.DataFrame(columns=["amount"])
    rows = q[q["reason"].isin(["fully_refunded", "refunded_order"])]
    out = pd.DataFrame(index=rows.index)
    for col in ("customer_id", "order_id", "product_id"):
        if col in rows.columns:
            out[col] = normalize_ids(rows[col], settings.id_case).astype(object)
    for col in ("product_name", "category", "channel", "region", "store"):
        if col in rows.columns:
            vals = rows[col].astype("string").str.strip()
            out[col] = vals.mask(vals == "").astype(object)
    out["amount"] = parse_amounts(rows["amount"])[0].abs().to_numpy() if "amount" in rows.columns else np.nan
    return out.reset_index(drop=True)


def refund_rates(
    tx: pd.DataFrame,
    by: str = "category",
    refunded: pd.DataFrame | None = None,
    *,
    min_lines: int = 30,
    top: int | None = None,
    amount_col: str = "amount",
    refund_col: str = "refund_amount",
) -> pd.DataFrame:
    """Refund (return) rates by group.

    A line is refunded when it carries a refund (``refund_amount`` > 0) or was
    excluded by the cleaning as refunded (``refunded``, from :func:`refunded_lines`,
    counted as refunded in full). Sales are gross of refunds.

    Returns
    -------
    DataFrame
        ``group``, ``lines``, ``refunded_lines``, ``line_refund_rate``, ``sales``,
        ``refunds`` and ``refund_rate`` (refunds ÷ sales), sorted by ``refund_rate``
        (the ``top`` highest when given); groups with fewer than ``min_lines`` lines
        are left out. Empty when ``by`` is not a column.
    """
    cols = ["group", "lines", "refunded_lines", "line_refund_rate", "sales", "refunds", "refund_rate"]
    if by not in tx.columns:
        return pd.DataFrame(columns=cols)
    refund = tx[refund_col] if refund_col in tx.columns else pd.Series(0.0, index=tx.index)
    kept = pd.DataFrame(
        {
            "group": tx[by].astype(object).where(tx[by].notna(), "(unknown)"),
            "sales": tx[amount_col] + refund,
            "refunds": refund,
            "refunded": refund > 0,
        }
    )
    parts = [kept]
    if refunded is not None and len(refunded) and by in refunded.columns:
        parts.append(
            pd.DataFrame(
                {
                    "group": refunded[by].astype(object).where(refunded[by].notna(), "(unknown)"),
                    "sales": refunded["amount"].astype("float64"),
                    "refunds": refunded["amount"].astype("float64"),
                    "refunded": True,
                }
            )
        )
    allrows = pd.concat(parts, ignore_index=True)
    per = (
        allrows.groupby("group")
        .agg(
            lines=("refunded", "size"),
            refunded_lines=("refunded", "sum"),
            sales=("sales", "sum"),
            refunds=("refunds", "sum"),
        )
        .reset_index()
    )
    per = per[per["lines"] >= min_lines]
    per["line_refund_rate"] = per["refunded_lines"] / per["lines"]
    per["refund_rate"] = per["refunds"] / per["sales"].where(per["sales"] > 0)
    per = per.sort_values("refund_rate", ascending=False).reset_index(drop=True)
    if top is not None:
        per = per.head(top)
    return per[cols].astype({"lines": "int64", "refunded_lines": "int64"})


def describe_refunds(table: pd.DataFrame, by: str = "category", lang: str = "en") -> str:
    """Overall refund rate and the group with the highest one, in ``lang``."""
    if table.empty:
        return i18n.t("repurchase.refunds_missing", lang, by=_column_name(by, lang))
    overall = table["refunds"].sum() / max(table["sales"].sum(), 1e-9)
    top = table.iloc[0]
    return i18n.t(
        "repurchase.refunds",
        lang,
        overall=_pct(overall),
        group=group_label(top["group"], lang),
        rate=_pct(top["refund_rate"]),
        line_rate=_pct(top["line_refund_rate"]),
    )


def products_by_buyer_type(
    tx: pd.DataFrame,
    occ: pd.DataFrame,
    end: pd.Timestamp | None = None,
    *,
    by: str = "product_name",
    window_days: int = 90,
    top: int = 10,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Top products among repeat buyers versus one-time buyers.

    Among customers observed for at least ``window_days`` after their first
    occasion, *repeat* buyers have two or more occasions by ``end`` and
    *one-time* buyers one. A product's share is its share of the group's revenue
    (so repeat buyers' extra purchases do not inflate it); ``buyers_share`` is the
    share of the group's customers who bought it.

    Returns
    -------
    DataFrame
        One row per (product, buyer type) for the union of both types' top
        products: ``group``, ``buyer_type`` (``repeat`` / ``one-time``),
        ``customers``, ``buyers_share``, ``revenue``, ``revenue_share`` and ``rank``
        (within the buyer type). Empty when ``by`` is not a column.
    """
    cols = ["group", "buyer_type", "customers", "buyers_share", "revenue", "revenue_share", "rank"]
    if by not in tx.columns:
        return pd.DataFrame(columns=cols)
    occ, end = _until(occ, end)
    elig = _eligible_customers(occ, end, window_days)
    lines = tx[tx[date_col] < end]
    codes, uniques = pd.factorize(lines[customer_col])
    kind_by_code = np.full(len(uniques), -1, dtype="int64")  # -1 not eligible, 0 one-time, 1 repeat
    pos = pd.Index(uniques).get_indexer(elig["customer_id"])
    kind_by_code[pos[pos >= 0]] = (elig["occasions"].to_numpy() >= 2)[pos >= 0].astype("int64")
    kind = kind_by_code[codes]
    keep = kind >= 0
    group = lines[by].to_numpy(dtype=object)[keep]
    gcodes, gnames = pd.factorize(np.where(pd.isna(group), "(unknown)", group).astype(str))
    ng = max(len(gnames), 1)
    cell = kind[keep] * ng + gcodes  # (buyer type, group)
    revenue = np.bincount(cell, weights=lines[amount_col].to_numpy(dtype="float64")[keep], minlength=2 * ng)
    pairs = np.unique(codes[keep].astype("int64") * (2 * ng) + cell)  # distinct (customer, type, group)
    customers = np.bincount(pairs % (2 * ng), minlength=2 * ng)
    cells = np.arange(2 * ng)
    per = pd.DataFrame(
        {
            "buyer_type": np.where(cells // ng == 1, "repeat", "one-time"),
            "group": np.asarray(gnames, dtype=object)[cells % ng] if len(gnames) else "",
            "customers": customers.astype("int64"),
            "revenue": revenue,
        }
    )
    per = per[per["customers"] > 0]
    type_size = pd.Series(np.where(elig["occasions"] >= 2, "repeat", "one-time")).value_counts()
    type_rev = per.groupby("buyer_type")["revenue"].transform("sum")
    per["buyers_share"] = per["customers"] / type_size.reindex(per["buyer_type"]).to_numpy()
    per["revenue_share"] = per["revenue"] / type_rev
    per["rank"] = per.groupby("buyer_type")["revenue_share"].rank(ascending=False, method="first")
    chosen = per.loc[per["rank"] <= top, "group"].unique()
    per = per[per["group"].isin(chosen)].sort_values(["buyer_type", "rank"], ascending=[False, True])
    return per[cols].reset_index(drop=True)


def describe_buyer_products(table: pd.DataFrame, by: str = "product_name", lang: str = "en") -> str:
    """The product most over-represented among repeat buyers, in one sentence in ``lang``."""
    if table.empty:
        return i18n.t("repurchase.buyer_products_missing", lang, by=_column_name(by, lang))
    wide = table.pivot_table(index="group", columns="buyer_type", values="revenue_share", aggfunc="first").fillna(0.0)
    if not {"repeat", "one-time"} <= set(wide.columns):
        return i18n.t("repurchase.buyer_products_one_type", lang)
    diff = (wide["repeat"] - wide["one-time"]).sort_values()
    up, down = diff.index[-1], diff.index[0]
    return i18n.t(
        "repurchase.buyer_products",
        lang,
        up=group_label(up, lang),
        down=group_label(down, lang),
        up_repeat=_pct(wide.loc[up, "repeat"]),
        up_once=_pct(wide.loc[up, "one-time"]),
        down_repeat=_pct(wide.loc[down, "repeat"]),
        down_once=_pct(wide.loc[down, "one-time"]),
    )


def describe_cycle(cycle: pd.DataFrame, naive: dict, horizon_days: int = 365, lang: str = "en") -> str:
    """Plain-language reading of the purchase cycle, with the expected next-purchase window, in ``lang``."""
    row = cycle[cycle["group"] == "all"].iloc[0]
    med = row["km_median"]
    med_txt = (
        i18n.t("repurchase.cycle_median", lang, days=f"{med:,.0f}")
        if np.isfinite(med)
        else i18n.t("repurchase.cycle_no_median", lang)
    )
    return i18n.t(
        "repurchase.cycle",
        lang,
        median=med_txt,
        naive=_whole(naive.get("q50", math.nan)),
        share=_pct(row["returned_by_horizon"]),
        horizon=horizon_days,
        low=_whole(row["window_median"]),
        high=_whole(row["window_p90"]),
    )


def describe_time_to_second(curve: pd.DataFrame, days: Sequence[int] = (30, 90, 365), lang: str = "en") -> str:
    """Share of first-time buyers who made a second purchase by 30, 90 and 365 days (Kaplan–Meier), in ``lang``."""
    if curve.empty:
        return i18n.t("repurchase.second_none", lang)
    times = curve["time"].to_numpy()
    parts = []
    for d in days:
        if d > times.max():  # not followed that long
            continue
        idx = np.searchsorted(times, d, side="right") - 1
        share = 0.0 if idx < 0 else float(curve["repurchased"].iloc[idx])
        parts.append(i18n.t("repurchase.second_part", lang, share=_pct(share), day=d))
    if not parts:
        return i18n.t("repurchase.second_short", lang)
    return i18n.t("repurchase.second", lang, parts=i18n.t("repurchase.clause_sep", lang).join(parts))


# ---------------------------------------------------------------------------
# glossary and metrics

#: Every figure of the repurchase report, in glossary order. Its name and definition
#: are catalog entries ``repurchase.term.<key>`` and ``repurchase.def.<key>``.
#: Placeholders of the definitions: {gap} (reactivation gap days), {horizon} (cycle
#: horizon days), {occasion} (the occasion in use), {repeat_orders} (the repeat rule),
#: {window} (the first-purchase window).
GLOSSARY_KEYS: tuple[str, ...] = (
    "occasion",
    "buyers",
    "new_buyers",
    "returning_buyers",
    "reactivated_buyers",
    "orders",
    "occasions",
    "revenue",
    "aov",
    "revenue_per_buyer",
    "repurchase_rate_customers",
    "repurchase_rate_orders",
    "buyback_rate",
    "n_day_repurchase",
    "median_days_to_second_purchase",
    "median_days_between_purchases",
    "expected_window",
    "retention",
    "cum_revenue_per_customer",
    "first_purchase_repurchase",
    "support",
    "confidence",
    "lift",
    "refund_rate",
)


def _glossary_entries() -> tuple[dict[str, str], ...]:
    """:data:`GLOSSARY` read from the catalogs: key, en, zh, definition_en, definition_zh (templates)."""
    en, zh = i18n.catalog("en"), i18n.catalog("zh")
    return tuple(
        {
            "key": k,
            "en": en[f"repurchase.term.{k}"],
            "zh": zh[f"repurchase.term.{k}"],
            "definition_en": en[f"repurchase.def.{k}"],
            "definition_zh": zh[f"repurchase.def.{k}"],
        }
        for k in GLOSSARY_KEYS
    )


def __getattr__(name: str):
    # GLOSSARY is built from the message catalogs when first used, not on import
    if name == "GLOSSARY":
        return _glossary_entries()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _glossary_values(s: RepurchaseSettings, window: int, lang: str) -> dict:
    return {
        "gap": s.reactivation_gap_days,
        "horizon": s.cycle_horizon_days,
        "window": window,
        "occasion": i18n.t(
            "repurchase.glossary_occasion_customer_day"
            if s.occasion == "customer_day"
            else "repurchase.glossary_occasion_order",
            lang,
        ),
        "repeat_orders": i18n.t(
            "repurchase.glossary_repeat_beyond_first"
            if s.repeat_orders == "beyond_first"
            else "repurchase.glossary_repeat_all_of_repeaters",
            lang,
        ),
    }


def glossary(
    settings: RepurchaseSettings | None = None,
    *,
    window_days: int | None = None,
    keys: Sequence[str] | None = None,
    lang: str | None = None,
) -> pd.DataFrame:
    """The glossary as a table, from the message catalogs.

    Parameters
    ----------
    settings
        Fill in the reactivation gap, the occasion and the other settings.
    window_days
        The first-purchase window (default: the largest N-day window).
    keys
        Only these entries (see :data:`GLOSSARY_KEYS`), in this order (default: all).
    lang
        ``None``: both languages, columns ``term``, ``中文``, ``definition`` (English)
        and ``定义`` (Chinese). ``"en"`` or ``"zh"``: the table of a report in that
        language: the term, its name in the other language and the definition, with
        headers in ``lang``.
    """
    s = settings or RepurchaseSettings()
    window = window_days if window_days is not None else max(s.n_day_windows or [90])
    chosen = GLOSSARY_KEYS if keys is None else tuple(keys)
    unknown = [k for k in chosen if k not in GLOSSARY_KEYS]
    if unknown:
        raise AnalysisError(f"no glossary entry {', '.join(map(repr, unknown))}; use keys from GLOSSARY_KEYS")

    def column(kind: str, language: str, values: dict | None = None) -> list[str]:
        return [i18n.t(f"repurchase.{kind}.{k}", language, **(values or {})) for k in chosen]

    if lang is None:
        return pd.DataFrame(
            {
                "term": column("term", "en"),
                "中文": column("term", "zh"),
                "definition": column("def", "en", _glossary_values(s, window, "en")),
                "定义": column("def", "zh", _glossary_values(s, window, "zh")),
            }
        )
    other = "zh" if lang == "en" else "en"
    return pd.DataFrame(
        {
            i18n.t("repurchase.col.term", lang): column("term", lang),
            i18n.t("repurchase.col.other_name", lang): column("term", other),
            i18n.t("repurchase.col.definition", lang): column("def", lang, _glossary_values(s, window, lang)),
        }
    )


# ---------------------------------------------------------------------------
# tables for the report: display text in the report language


def _text(values: pd.Series, fmt) -> list[str]:
    return ["" if pd.isna(v) else fmt(v) for v in values]


def _days(value: float, lang: str) -> str:
    return f"{value:,.0f}" if np.isfinite(value) else i18n.t("repurchase.not_reached", lang)


def format_cycle(cycle: pd.DataFrame, by: str = "category", lang: str = "en") -> pd.DataFrame:
    """:func:`purchase_cycle` as display text in ``lang`` (days; never-reached medians say so)."""

    def days(value: float) -> str:
        return "" if pd.isna(value) else _days(value, lang)

    table = pd.DataFrame(
        {
            "group": [group_label(g, lang) for g in cycle["group"]],
            "gaps": _text(cycle["gaps"], lambda v: f"{v:,.0f}"),
            "returned": _text(cycle["returned"], lambda v: f"{v:,.0f}"),
            "km_median": [days(v) for v in cycle["km_median"]],
            "km_p90": [days(v) for v in cycle["km_p90"]],
            "returned_by_horizon": _text(cycle["returned_by_horizon"], _pct),
            "window_median": [days(v) for v in cycle["window_median"]],
            "window_p90": [days(v) for v in cycle["window_p90"]],
            "naive_median": [days(v) for v in cycle["naive_median"]],
            "naive_p90": [days(v) for v in cycle["naive_p90"]],
        }
    )
    return _headers(table, lang, {"group": _column_name(by, lang)})


def format_first_groups(table: pd.DataFrame, by: str = "category", lang: str = "en") -> pd.DataFrame:
    """:func:`repurchase_by_first_group` as display text in ``lang``."""
    out = pd.DataFrame(
        {
            "group": [group_label(g, lang) for g in table["group"]],
            "customers": _text(table["customers"], lambda v: f"{v:,.0f}"),
            "repeaters": _text(table["repeaters"], lambda v: f"{v:,.0f}"),
            "rate": _text(table["rate"], _pct),
            "ci_low": _text(table["ci_low"], _pct),
            "ci_high": _text(table["ci_high"], _pct),
        }
    )
    return _headers(out, lang, {"group": _column_name(by, lang)})


def format_pairs(rules: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """:func:`bought_together` as display text in ``lang``."""
    out = pd.DataFrame(
        {
            "antecedent": rules["antecedent"].astype(str).tolist(),
            "consequent": rules["consequent"].astype(str).tolist(),
            "customers_both": _text(rules["customers_both"], lambda v: f"{v:,.0f}"),
            "support": _text(rules["support"], lambda v: _pct(v, 2)),
            "confidence": _text(rules["confidence"], _pct),
            "lift": _text(rules["lift"], lambda v: f"{v:.2f}"),
        }
    )
    return _headers(out, lang, {})


def format_refunds(table: pd.DataFrame, by: str = "category", currency: str = "", lang: str = "en") -> pd.DataFrame:
    """:func:`refund_rates` as display text in ``lang`` (money with :func:`repurchase.formatting.format_money`)."""

    def money(value: float) -> str:
        return _fmt(value, "money", currency, lang)

    out = pd.DataFrame(
        {
            "group": [group_label(g, lang) for g in table["group"]],
            "lines": _text(table["lines"], lambda v: f"{v:,.0f}"),
            "refunded_lines": _text(table["refunded_lines"], lambda v: f"{v:,.0f}"),
            "line_refund_rate": _text(table["line_refund_rate"], _pct),
            "sales": _text(table["sales"], money),
            "refunds": _text(table["refunds"], money),
            "refund_rate": _text(table["refund_rate"], _pct),
        }
    )
    return _headers(out, lang, {"group": _column_name(by, lang)})


def repurchase_metrics(
    headline: pd.DataFrame,
    monthly: pd.DataFrame,
    period,
    *,
    settings: RepurchaseSettings | None = None,
    cycle: pd.DataFrame | None = None,
) -> dict:
    """Headline figures for ``metrics.json`` under ``repurchase``.

    Every headline KPI appears as ``<kpi>``, ``<kpi>_prev_period`` and
    ``<kpi>_prev_year`` (None where undefined), plus ``trend``: one dict per month
    of the last ``trend_months`` months with ``month``, ``buyers``,
    ``repurchase_rate_customers``, ``buyback_rate``, ``revenue`` and ``aov``.
    """
    s = settings or RepurchaseSettings()
    out: dict = {"period": period.label, "occasion": s.occasion, "reactivation_gap_days": s.reactivation_gap_days}

    def plain(value: float, unit: str):
        value = float(value)
        if not np.isfinite(value):
            return None
        return int(round(value)) if unit == "count" else value

    for row in headline.itertuples(index=False):  # one row per KPI, about twenty
        out[row.kpi] = plain(row.value, row.unit)
        out[f"{row.kpi}_prev_period"] = plain(row.prev_period, row.unit)
        out[f"{row.kpi}_prev_year"] = plain(row.prev_year, row.unit)
    if cycle is not None and len(cycle):
        row = cycle[cycle["group"] == "all"].iloc[0]
        out["purchase_cycle_km_p90"] = plain(row["km_p90"], "days")
        out["expected_next_purchase_days_low"] = plain(row["window_median"], "days")
        out["expected_next_purchase_days_high"] = plain(row["window_p90"], "days")
        out["cycle_horizon_days"] = s.cycle_horizon_days
    recent = monthly[monthly["month"] <= period.start].tail(s.trend_months)
    out["trend"] = [
        {
            "month": m.strftime("%Y-%m"),
            "buyers": int(b),
            "repurchase_rate_customers": plain(r, "rate"),
            "buyback_rate": plain(bb, "rate"),
            "revenue": float(rev),
            "aov": plain(a, "money"),
        }
        for m, b, r, bb, rev, a in zip(
            recent["month"],
            recent["buyers"],
            recent["repurchase_rate_customers"],
            recent["buyback_rate"],
            recent["revenue"],
            recent["aov"],
        )
    ]
    return {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in out.items()}
