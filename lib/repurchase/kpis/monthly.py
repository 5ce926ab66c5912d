"""Monthly KPIs, N-day repurchase, time to second purchase and the headline KPIs with comparisons.

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
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from repurchase.core.errors import AnalysisError, InsufficientData
from repurchase.core.occasions import MICRO, money_units
from repurchase.core.params import RepurchaseSettings
from repurchase.core.periods import Period, Window
from repurchase.kpis._base import (
    blocks,
    days_observed,
    last_month_index,
    month_index,
    month_start,
    observe,
    second_gap,
)
from repurchase.kpis.cycle import gap_durations, kaplan_meier, km_quantiles

__all__ = [
    "KPI_UNITS",
    "headline_kpis",
    "monthly_kpis",
    "monthly_table",
    "n_day_repurchase",
    "time_to_second_purchase",
]

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

_MONTHLY_COLUMNS = [
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
_N_DAY_COLUMNS = ["month", "window", "first_time_buyers", "eligible", "repeaters", "rate", "fully_observed"]


def monthly_kpis(
    occ: pd.DataFrame,
    window: Window | None = None,
    *,
    reactivation_gap_days: int = 180,
    repeat_orders: str = "beyond_first",
) -> pd.DataFrame:
    """Headline KPIs for every calendar month from the first occasion to the end of ``window``.

    Parameters
    ----------
    occ
        :func:`~repurchase.core.occasions.purchase_occasions` output.
    window
        The observation: occasions at or after ``window.end_exclusive`` are ignored
        (the report :class:`~repurchase.core.periods.Period`, or
        ``Window.ending(cutoff)``). Default: through the day of the last occasion.
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

    Raises
    ------
    InsufficientData
        When no occasion lies before the end of the window.
    """
    if repeat_orders not in ("beyond_first", "all_of_repeaters"):
        raise AnalysisError(f"unknown repeat_orders {repeat_orders!r}; use 'beyond_first' or 'all_of_repeaters'")
    occ, win = observe(occ, window)
    if occ.empty:
        raise InsufficientData("no purchases before the end of the period; choose a later period")
    m = month_index(occ["occasion_date"])
    amount, scale = money_units(occ["amount"].to_numpy())  # exact sums, as on every engine
    refund, refund_scale = money_units(occ["refund_amount"].to_numpy())
    frame = pd.DataFrame(
        {
            "c": blocks(occ)[0],
            "m": m,
            "amount": amount,
            "refund": refund,
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
        revenue_u=("amount", "sum"),
        refund_u=("refund", "sum"),
        retained_buyers=("retained", "sum"),
    )
    second = frame[frame["no"] == 2].groupby("m")["gap"].agg(["size", "median"])
    return monthly_table(per, second, int(m.min()), win, scale=(scale, refund_scale))


def monthly_table(
    per: pd.DataFrame,
    second: pd.DataFrame,
    first_month: int,
    window: Window,
    *,
    scale: tuple[int, int] = (MICRO, MICRO),
) -> pd.DataFrame:
    """The :func:`monthly_kpis` table from its per-month counts, whichever engine counted them.

    Parameters
    ----------
    per
        Indexed by :func:`~repurchase.kpis._base.month_index`: ``buyers``,
        ``new_buyers``, ``reactivated_buyers``, ``occasions``, ``repeat_occasions``,
        ``repeat_buyers``, ``orders``, ``revenue_u`` and ``refund_u`` (sums in
        units of 1 / ``scale``) and ``retained_buyers``; months without buyers may
        be missing.
    second
        Indexed by month: ``size`` (second purchases) and ``median`` (days from
        the first to the second occasion).
    first_month
        Month index of the first occasion.
    window
        The resolved observation window (the last month is its last day's).
    scale
        Units per currency unit of ``revenue_u`` and ``refund_u``:
        :data:`~repurchase.core.occasions.MICRO` (micro-units), or 1 (floats).
    """
    months = np.arange(first_month, last_month_index(window) + 1)
    per = per.reindex(months, fill_value=0)
    out = pd.DataFrame({"month": month_start(months)})
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
    out["revenue"] = per["revenue_u"].to_numpy(dtype="float64") / scale[0]
    out["refund_amount"] = per["refund_u"].to_numpy(dtype="float64") / scale[1]
    buyers = out["buyers"].where(out["buyers"] > 0)
    out["aov"] = out["revenue"] / out["orders"].where(out["orders"] > 0)
    out["revenue_per_buyer"] = out["revenue"] / buyers
    out["repurchase_rate_customers"] = out["repeat_buyers"] / buyers
    out["repurchase_rate_orders"] = out["repeat_occasions"] / out["occasions"].where(out["occasions"] > 0)
    out["prev_month_buyers"] = out["buyers"].shift(1).fillna(0).astype("int64")
    out["buyback_rate"] = out["retained_buyers"] / out["prev_month_buyers"].where(out["prev_month_buyers"] > 0)
    out["second_purchases"] = second["size"].reindex(months, fill_value=0).to_numpy(dtype="int64")
    out["median_days_to_second_purchase"] = second["median"].reindex(months).to_numpy(dtype="float64")
    return out[_MONTHLY_COLUMNS]


def n_day_repurchase(
    occ: pd.DataFrame,
    window: Window | None = None,
    windows: Sequence[int] = (30, 60, 90),
) -> pd.DataFrame:
    """N-day repurchase of first-time buyers, by the month of their first occasion.

    A first-time buyer whose first occasion is on day ``d`` repurchases within N
    days when their second occasion is on or before ``d + N``; they count only when
    ``d + N`` is on or before the last observed day (``window.end``: the full N
    days observed).

    Parameters
    ----------
    occ
        :func:`~repurchase.core.occasions.purchase_occasions` output.
    window
        The observation (see :func:`monthly_kpis`).
    windows
        The N of each rate, in days.

    Returns
    -------
    DataFrame
        ``month``, ``window`` (N), ``first_time_buyers``, ``eligible`` (observed for
        the full N days), ``repeaters``, ``rate`` (repeaters ÷ eligible; NaN when
        none is eligible) and ``fully_observed`` (every first-time buyer of the month
        is eligible).
    """
    occ, win = observe(occ, window)
    first, gap2 = second_gap(occ)
    first_day = occ["occasion_date"].to_numpy()[first]
    observed = days_observed(first_day, win)
    months = month_index(first_day)
    rows = []
    for n in windows:  # a handful of windows, each vectorised over all customers
        eligible = observed >= n
        rep = eligible & (gap2 <= n)
        part = (
            pd.DataFrame({"m": months, "e": eligible, "r": rep})
            .groupby("m")
            .agg(first_time_buyers=("e", "size"), eligible=("e", "sum"), repeaters=("r", "sum"))
        )
        part["window"] = int(n)
        rows.append(part)
    if not rows:
        return pd.DataFrame(columns=_N_DAY_COLUMNS)
    out = pd.concat(rows).reset_index()
    out["month"] = month_start(out["m"].to_numpy())
    out["rate"] = out["repeaters"] / out["eligible"].where(out["eligible"] > 0)
    out["fully_observed"] = out["eligible"] == out["first_time_buyers"]
    out = out.sort_values(["window", "month"]).reset_index(drop=True)
    return out[_N_DAY_COLUMNS]


def time_to_second_purchase(occ: pd.DataFrame, window: Window | None = None) -> pd.DataFrame:
    """Kaplan–Meier curve of the days from a customer's first to second occasion.

    Customers without a second occasion are censored at the last observed day
    (``window.end``).

    Returns
    -------
    DataFrame
        :func:`~repurchase.kpis.cycle.kaplan_meier` output with ``repurchased`` =
        1 − survival: the share of first-time buyers who have bought again by day
        ``time``.
    """
    occ, win = observe(occ, window)
    first, gap2 = second_gap(occ)
    first_day = occ["occasion_date"].to_numpy()[first]
    open_gap = days_observed(first_day, win).astype("float64")
    observed = ~np.isnan(gap2)
    durations = np.where(observed, gap2, open_gap)
    curve = kaplan_meier(durations, observed)
    curve["repurchased"] = 1 - curve["survival"]
    return curve


# ---------------------------------------------------------------------------
# headline KPIs with comparisons


def _latest_full_month(last: pd.Timestamp, n: int) -> int:
    """Month index of the latest month whose every day d satisfies d + n <= last."""
    d = last - pd.Timedelta(days=n)
    idx = int(month_index(pd.Series([d]))[0])
    month_end = (d + pd.offsets.MonthEnd(0)).normalize()
    return idx if d == month_end else idx - 1


def _km_median_until(occ: pd.DataFrame, window: Window) -> float:
    sub = occ[occ["occasion_time"] < window.end_exclusive]
    if sub.empty:
        return math.nan
    gaps = gap_durations(sub, window)
    if not gaps["observed"].any():
        return math.nan
    return float(km_quantiles(kaplan_meier(gaps["duration"], gaps["observed"]), (0.5,))["q50"].iloc[0])


def headline_kpis(
    occ: pd.DataFrame, period: Period, settings: RepurchaseSettings | None = None, monthly: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The report month's KPIs with the previous month and the same month last year.

    Parameters
    ----------
    occ
        :func:`~repurchase.core.occasions.purchase_occasions` of the transactions up
        to the period end.
    period
        The report :class:`~repurchase.core.periods.Period`.
    settings
        Repurchase settings (reactivation gap, N-day windows, repeat-order rule).
    monthly
        :func:`monthly_kpis` output through the period, when already computed.

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
    if monthly is None:
        monthly = monthly_kpis(
            occ, period, reactivation_gap_days=settings.reactivation_gap_days, repeat_orders=settings.repeat_orders
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
    nday = n_day_repurchase(occ, period, settings.n_day_windows)
    for n in settings.n_day_windows:
        idx = _latest_full_month(period.end, n)
        table = nday[nday["window"] == n].set_index("month")["rate"]
        when = month_start([idx, idx - 1, idx - 12])
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
    vals = [_km_median_until(occ, p) for p in (period, period.previous, period.year_ago)]
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
