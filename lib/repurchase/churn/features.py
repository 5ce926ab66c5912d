"""Early-warning features and labels, each read strictly from its own side of a cutoff.

Features use only rows dated before the cutoff (and survey answers and sign-ups
before it); the label of a customer is whether they bought in the label window
``[cutoff, cutoff + N days)``, read from that window only. Both are tested by
changing or deleting everything on the other side.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from repurchase.churn import lifetime_value_bridge as bridge
from repurchase.churn._base import before, day_number, day_numbers, end_of, safe_div
from repurchase.core.errors import AnalysisError
from repurchase.core.occasions import MICRO, money_units, purchase_occasions, require_columns
from repurchase.core.periods import Window

__all__ = ["churn_features", "churn_labels", "occasion_features", "top_values"]

_MIX_TOP = 8  # columns of a category/channel mix


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
    codes, uniques = pd.factorize(values)  # the distinct values once, not every line's text per column
    text = np.array([str(u) for u in uniques], dtype=object)
    cols: dict[str, np.ndarray] = {}
    for name in keep:  # a few columns (at most 8)
        hit = np.append(text == name, False)[codes]  # code -1 (missing) is never a match
        spent = np.bincount(line_code[hit], weights=amount[hit], minlength=len(ids))
        cols[f"{prefix}{name}"] = safe_div(spent, np.where(total > 0, total, np.nan))
    return pd.DataFrame(cols, index=ids)


def top_values(rows: pd.DataFrame, col: str, amount_col: str, top: int = _MIX_TOP) -> list[str]:
    if col not in rows.columns:
        return []
    spend = (
        rows.groupby(rows[col].astype(object), sort=False)[amount_col].sum().sort_values(ascending=False, kind="stable")
    )
    return [str(v) for v in spend.index[:top] if pd.notna(v)]


def occasion_features(agg: pd.DataFrame, d0: int, *, scale: int = MICRO) -> pd.DataFrame:
    """The occasion features of :func:`churn_features` from per-customer aggregates, whichever engine made them.

    Parameters
    ----------
    agg
        Indexed by customer ID: ``n`` (occasions), ``first_day`` and ``last_day``
        (whole days since 1970-01-01), ``spend_u`` (micro-units), ``sum_gap`` and
        ``sum_gap2`` (sums of the gaps between occasions and of their squares),
        ``gap_last`` and ``gap_max`` (NaN with one occasion), ``occ_90``,
        ``occ_365``, ``spend_90_u``, ``spend_prev_90_u`` and ``spend_365_u`` (by
        the age ``d0 - day``): :func:`repurchase.warehouse.churn_aggregates`.
    d0
        The last observed day (the day before the cutoff).
    scale
        Units per currency unit of the ``*_u`` sums: ``MICRO``, or 1 for float sums.
    """
    n = agg["n"].to_numpy(dtype=float)
    spend = agg["spend_u"].to_numpy(dtype=float) / scale
    n_gaps = n - 1
    gap_mean = safe_div(agg["sum_gap"].to_numpy(dtype=float), n_gaps)
    X = pd.DataFrame(index=agg.index)
    X["recency_days"] = (d0 - agg["last_day"].to_numpy(dtype=np.int64)).astype(float)
    X["frequency"] = n
    X["tenure_days"] = (d0 - agg["first_day"].to_numpy(dtype=np.int64)).astype(float)
    X["spend_total"] = spend
    X["spend_per_occasion"] = spend / n
    X["gap_mean"] = gap_mean
    X["gap_std"] = np.sqrt(np.maximum(safe_div(agg["sum_gap2"].to_numpy(dtype=float), n_gaps) - gap_mean**2, 0.0))
    X["gap_last"] = agg["gap_last"].to_numpy(dtype=float)
    X["gap_max"] = agg["gap_max"].to_numpy(dtype=float)
    X["overdue_ratio"] = safe_div(X["recency_days"], X["gap_mean"])
    X["occasions_90d"] = agg["occ_90"].to_numpy(dtype=float)
    X["occasions_365d"] = agg["occ_365"].to_numpy(dtype=float)
    X["spend_90d"] = agg["spend_90_u"].to_numpy(dtype=float) / scale
    X["spend_prev_90d"] = agg["spend_prev_90_u"].to_numpy(dtype=float) / scale
    X["spend_365d"] = agg["spend_365_u"].to_numpy(dtype=float) / scale
    X["spend_trend"] = np.nan_to_num(
        safe_div(X["spend_90d"] - X["spend_prev_90d"], X["spend_90d"] + X["spend_prev_90d"])
    )
    return X


def churn_features(
    tx: pd.DataFrame,
    window: Window,
    *,
    customers: pd.DataFrame | None = None,
    surveys: pd.DataFrame | None = None,
    categories: Sequence[str] | None = None,
    channels: Sequence[str] | None = None,
    tier_date_col: str | None = None,
    tier_order: Sequence[str] | None = None,
    bgnbd_window_days: int | None = None,
    bgnbd_fit: Any = None,
    occasion: str = "customer_day",
    customer_col: str = "customer_id",
    order_col: str = "order_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
    refund_col: str = "refund_amount",
    category_col: str = "category",
    channel_col: str = "channel",
) -> pd.DataFrame:
    """Early-warning features per customer, computed strictly from data dated before the cutoff.

    Rows of ``tx`` on or after the cutoff, survey responses on or after it, and
    sign-ups after it are dropped first, so changing or deleting anything dated
    from the cutoff on leaves the result unchanged (tested). The member tier is
    used only with ``tier_date_col`` (the date the tier was recorded): a tier
    without a date may reflect spending after the cutoff.

    Parameters
    ----------
    tx
        Cleaned transactions.
    window
        ``Window.ending(cutoff)``: the cutoff (a day boundary) is "today" for the features.
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
        purchase in that many days (:func:`repurchase.churn.model_based_churn`),
        fitted on the purchase occasions before the cutoff only (NaN when the BG/NBD cannot be fitted). None
        skips the fit (faster).
    bgnbd_fit
        A BG/NBD fit (``FitResult``) to apply instead of fitting one before the
        cutoff: the value-at-risk history scores past months with the report
        month's models, refitting none.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer ID (sorted), float columns: see :func:`feature_label`;
        ``cat_<category>`` and ``chn_<channel>`` are shares of spend;
        ``acq_<channel>`` flags the acquisition channel of customers signed up
        before the cutoff.
    """
    cutoff = end_of(window)
    require_columns(tx, [customer_col, date_col, amount_col], "churn features")
    rows = before(tx, cutoff, date_col)
    if rows.empty:
        raise AnalysisError(f"no purchases before the cutoff {cutoff.date()}; use a later cutoff or period")
    d0 = day_number(cutoff) - 1  # last day observed
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
    day = day_numbers(occ["occasion_date"])
    order = np.lexsort((day, codes))
    codes, day = codes[order], day[order]
    amount = occ["amount"].to_numpy(dtype=float)[order]
    k = len(ids)
    starts = np.r_[0, np.flatnonzero(np.diff(codes)) + 1]
    ends = np.r_[starts[1:], len(codes)] - 1
    units, scale = money_units(amount)  # exact sums, as on every engine (repurchase.warehouse)
    age = d0 - day

    def per(weights: np.ndarray) -> np.ndarray:
        return np.bincount(codes, weights=weights, minlength=k)

    gap = np.r_[np.nan, np.diff(day).astype(float)]
    gap[starts] = np.nan  # no gap before a customer's first occasion
    has_gap = ~np.isnan(gap)
    g0 = np.where(has_gap, gap, 0.0)
    n = np.bincount(codes, minlength=k).astype(float)
    agg = pd.DataFrame(
        {
            "n": n,
            "first_day": day[starts],
            "last_day": day[ends],
            "spend_u": per(units),
            "sum_gap": per(g0),
            "sum_gap2": per(g0**2),
            "gap_last": np.where(n > 1, gap[ends], np.nan),
            "gap_max": np.where(n > 1, np.maximum.reduceat(np.where(has_gap, gap, -1.0), starts), np.nan),
            "occ_90": per((age < 90).astype(float)),
            "occ_365": per((age < 365).astype(float)),
            "spend_90_u": per(np.where(age < 90, units, 0)),
            "spend_prev_90_u": per(np.where((age >= 90) & (age < 180), units, 0)),
            "spend_365_u": per(np.where(age < 365, units, 0)),
        },
        index=ids,
    )
    occ_X = occasion_features(agg, d0, scale=scale)
    # every part below is indexed by ``ids``: the columns are collected and the frame is built once (joining
    # frame after frame copied and consolidated the growing matrix at every step)
    X: dict[str, np.ndarray] = {c: occ_X[c].to_numpy() for c in occ_X.columns}

    def add(part: pd.DataFrame) -> None:
        X.update({c: part[c].to_numpy() for c in part.columns})

    # order lines: category and channel mix, refunds
    line_code = ids.get_indexer(rows[customer_col])
    line_amount = rows[amount_col].to_numpy(dtype=float)
    line_units, line_scale = money_units(line_amount)
    line_total = np.bincount(line_code, weights=line_units, minlength=k) / line_scale
    if category_col in rows.columns:
        cat_codes, _ = pd.factorize(rows[category_col])
        known = cat_codes >= 0
        pairs = np.unique(line_code[known].astype(np.int64) * (cat_codes.max() + 1) + cat_codes[known])
        X["n_categories"] = np.bincount(pairs // (cat_codes.max() + 1), minlength=k).astype(float)
        cats = list(categories) if categories is not None else top_values(rows, category_col, amount_col)
        add(_mix(rows[category_col], line_code, line_amount, line_total, ids, cats, "cat_"))
    if channel_col in rows.columns:
        chans = list(channels) if channels is not None else top_values(rows, channel_col, amount_col)
        add(_mix(rows[channel_col], line_code, line_amount, line_total, ids, chans, "chn_"))
    if refund_col in rows.columns:
        refund = rows[refund_col].to_numpy(dtype=float)
        refund_units, refund_scale = money_units(refund)
        refunded = np.bincount(line_code, weights=refund_units, minlength=k) / refund_scale
        X["refund_share"] = np.nan_to_num(safe_div(refunded, line_total + refunded))
        X["refunded_lines"] = np.bincount(line_code, weights=(refund > 0).astype(float), minlength=k)
    if customers is not None and customer_col in customers.columns:
        add(_customer_features(customers, ids, cutoff, d0, customer_col, tier_date_col, tier_order))
    if surveys is not None and customer_col in surveys.columns and "response_date" in surveys.columns:
        add(_survey_features(surveys, ids, cutoff, d0, customer_col))
    if bgnbd_window_days is not None:
        try:
            cols = {"occasion": occasion, "customer_col": customer_col, "order_col": order_col, "date_col": date_col}
            if bgnbd_fit is None:
                summary, fit = bridge.fit_bgnbd(rows, window, **cols)
            else:
                summary, fit = bridge.bgnbd_summary(rows, window, **cols), bgnbd_fit
            bg = bridge.no_purchase(summary, fit, bgnbd_window_days)
            X["bgnbd_p_no_purchase"] = bg.set_index("customer_id")["p_no_purchase"].reindex(ids).to_numpy()
        except AnalysisError:  # the BG/NBD does not fit these data: the feature is missing, not the model
            X["bgnbd_p_no_purchase"] = np.full(k, np.nan)
    return pd.DataFrame(X, index=ids).astype(float)


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
        out["days_since_signup"] = np.where(known, d0 - day_numbers(signup.fillna(cutoff)), np.nan)
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
    out["days_since_survey"] = np.where(last.notna(), d0 - day_numbers(last.fillna(cutoff)), np.nan)
    return out


def churn_labels(
    tx: pd.DataFrame,
    customer_ids: Sequence[str] | pd.Index | pd.Series,
    label_window: Window,
    *,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
) -> pd.Series:
    """Churn label: True when the customer has no purchase in the label window ``[cutoff, cutoff + N days)``.

    Only rows inside the label window are read (tested): nothing before the
    cutoff or after the window changes a label.

    Parameters
    ----------
    label_window
        ``Window.ending(cutoff + N days, start=cutoff)``.

    Returns
    -------
    pandas.Series
        Boolean, indexed by ``customer_ids`` (in the given order), named ``churned``.
    """
    if label_window.start is None:
        raise AnalysisError("the label window needs a start (the cutoff): Window.ending(cutoff + N days, start=cutoff)")
    end_of(label_window)
    bought = pd.Index(tx.loc[label_window.contains(tx[date_col]), customer_col].unique())
    ids = pd.Index(customer_ids, name="customer_id")
    return pd.Series(~ids.isin(bought), index=ids, name="churned")
