"""The purchase cycle (购买周期): Kaplan–Meier, gap durations, the cycle by group and its threshold.

The days between consecutive occasions are estimated by Kaplan–Meier with each
customer's open last gap (from the last occasion to the last observed day)
censored: looking only at the gaps that have closed makes the cycle look short.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from repurchase.core.errors import AnalysisError, InsufficientData
from repurchase.core.occasions import assign_occasions, purchase_occasions, require_columns
from repurchase.core.periods import Window
from repurchase.kpis._base import TOL, before, blocks, observe, resolve_window

__all__ = [
    "gap_durations",
    "kaplan_meier",
    "km_quantiles",
    "naive_gap_stats",
    "purchase_cycle",
    "purchase_cycle_curves",
    "purchase_cycle_threshold",
]

_CYCLE_COLUMNS = [
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
            hit = c["survival"].to_numpy() <= 1 - q + TOL
        else:
            target = q * f_h.reindex(c["group"]).to_numpy()
            hit = (c["time"].to_numpy() <= horizon_days) & (fail >= target - TOL) & (target > 0)
        first = c.loc[hit].groupby("group", sort=False)["time"].min()
        out[name] = first.reindex(out.index).astype("float64")
        if horizon_days is None:
            out[name] = out[name].fillna(np.inf)
    return out.reset_index()


def gap_durations(occ: pd.DataFrame, window: Window | pd.Timestamp | None = None) -> pd.DataFrame:
    """The gap after every occasion: closed by the next occasion, or open and censored.

    Parameters
    ----------
    occ
        :func:`~repurchase.core.occasions.purchase_occasions` output.
    window
        The observation: occasions before ``window.end_exclusive`` count, open gaps
        are censored at ``window.end``, the last observed day (a purchase on that day
        has an open gap of 0 days). A bare timestamp is the exclusive end
        (``Window.ending``). Default: through the day of the last occasion.

    Returns
    -------
    DataFrame
        Index ``occasion_id`` (the occasion that starts the gap); ``customer_id``,
        ``occasion_date``, ``occasion_no``, ``duration`` (days) and ``observed``
        (True when the customer bought again within the observation).
    """
    occ, win = observe(occ, window)
    _, no = blocks(occ)
    nxt = np.full(len(no), np.nan)
    if len(no) > 1:
        same = no[1:] != 1  # the next row continues the same customer
        nxt[:-1] = np.where(same, occ["days_since_prev"].to_numpy()[1:], np.nan)
    observed = ~np.isnan(nxt)
    last = np.datetime64(win.end, "ns")
    open_gap = (last - occ["occasion_date"].to_numpy()).astype("timedelta64[D]").astype("float64")
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
    occ: pd.DataFrame, window: Window | None = None, quantiles: Sequence[float] = (0.5, 0.9, 0.95)
) -> dict[str, float]:
    """Mean and percentiles of the closed gaps only (biased short; shown for comparison).

    Parameters
    ----------
    occ
        :func:`~repurchase.core.occasions.purchase_occasions` output.
    window
        The observation (gaps closed before ``window.end_exclusive``).
    quantiles
        The percentiles reported.

    Returns
    -------
    dict
        ``gaps`` (count), ``mean`` and ``q50``, ``q90``, … (linear interpolation,
        as pandas ``quantile``).
    """
    gaps = observe(occ, window)[0]["days_since_prev"].dropna()
    out: dict[str, float] = {"gaps": len(gaps), "mean": float(gaps.mean()) if len(gaps) else math.nan}
    for q in quantiles:
        out[f"q{round(q * 100):d}"] = float(gaps.quantile(q)) if len(gaps) else math.nan
    return out


def _occasion_groups(tx: pd.DataFrame, ids: pd.Series, by: str) -> pd.DataFrame:
    """Distinct (occasion_id, group) pairs: the groups bought at each occasion."""
    pairs = pd.DataFrame({"occasion_id": ids.to_numpy(), "group": tx[by].to_numpy()})
    pairs = pairs[pairs["group"].notna()]
    return pairs.drop_duplicates()


def _cycle_inputs(
    tx: pd.DataFrame, window: Window | None, occasion: str, cols: dict[str, str]
) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Transactions before the end of the window, their occasion IDs and the gaps, all from the same rows."""
    date_col = cols["date_col"]
    win = resolve_window(window, tx[date_col])
    tx = before(tx, win, date_col)
    if tx.empty:
        raise InsufficientData("no purchases before the end of the period; choose a later period")
    require_columns(tx, [cols["amount_col"]], "purchase cycle")
    ids = assign_occasions(
        tx, occasion, customer_col=cols["customer_col"], order_col=cols["order_col"], date_col=date_col
    )
    occ = purchase_occasions(tx, occasion, **cols)
    return tx, ids, gap_durations(occ, win)


def purchase_cycle_curves(
    tx: pd.DataFrame,
    window: Window | None = None,
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
        Cleaned transactions; rows at or after ``window.end_exclusive`` are ignored.
    window
        The observation; open gaps are censored at its last day.
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
    cols = {"customer_col": customer_col, "order_col": order_col, "date_col": date_col, "amount_col": amount_col}
    tx, ids, gaps = _cycle_inputs(tx, window, occasion, cols)
    if by is None:
        curve = kaplan_meier(gaps["duration"], gaps["observed"])
    else:
        require_columns(tx, [by], "purchase cycle by group")
        pairs = _occasion_groups(tx, ids, by)
        joined = pairs.merge(gaps[["duration", "observed"]], left_on="occasion_id", right_index=True, how="inner")
        curve = kaplan_meier(joined["duration"], joined["observed"], joined["group"].astype(str))
    curve["returned"] = 1 - curve["survival"]
    return curve


def purchase_cycle(
    tx: pd.DataFrame,
    window: Window | None = None,
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
        Cleaned transactions; rows at or after ``window.end_exclusive`` are ignored.
    window
        The observation (the report period, or ``Window.ending(cutoff)``).
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
    cols = {"customer_col": customer_col, "order_col": order_col, "date_col": date_col, "amount_col": amount_col}
    tx, ids, gaps = _cycle_inputs(tx, window, occasion, cols)
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
    return out[_CYCLE_COLUMNS]


def purchase_cycle_threshold(
    tx: pd.DataFrame,
    quantile: float = 0.9,
    *,
    window: Window | None = None,
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
    window
        The observation (open gaps censored at ``window.end``); default through
        the day of the last purchase.
    end
        The exclusive end of the observation as a timestamp (a day boundary), for
        callers without a window: the same as ``window=Window.ending(end)``.
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
    InsufficientData
        When no customer ever bought twice, or the unconditional quantile is never
        reached (then pass ``horizon_days``); an :class:`AnalysisError`.
    """
    if not 0 < quantile < 1:
        raise AnalysisError(f"quantile must be between 0 and 1, got {quantile!r}")
    if window is not None and end is not None:
        raise AnalysisError("purchase_cycle_threshold: pass window or end, not both")
    occ = purchase_occasions(
        tx, occasion, customer_col=customer_col, order_col=order_col, date_col=date_col, amount_col=amount_col
    )
    gaps = gap_durations(occ, window if window is not None else end)
    if not gaps["observed"].any():
        raise InsufficientData("no customer bought twice, so there is no purchase cycle; set churn.threshold_days")
    curve = kaplan_meier(gaps["duration"], gaps["observed"])
    value = float(km_quantiles(curve, (quantile,), horizon_days=horizon_days).iloc[0, -1])
    if not np.isfinite(value):
        raise InsufficientData(
            f"fewer than {quantile:.0%} of purchases are ever followed by another, so the Kaplan–Meier "
            f"{quantile:.0%} quantile does not exist; pass horizon_days (e.g. 365) or set churn.threshold_days"
        )
    return value
