"""Monthly churn over time, and the average monthly churn rate by segment, tier, cohort and first purchase.

Monthly churn rate of month m: customers active at the start of m (on its eve)
who, by the month's last day, have gone more than θ days without an occasion ÷
customers active at the start of m. A customer who lapses and buys again within
the same month is not counted. All counts are vectorised over the gaps between
consecutive occasions; no Python loop runs per customer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from repurchase.churn._base import (
    NEVER,
    ChurnTable,
    day_number,
    day_numbers,
    empty_table,
    end_of,
    month_of_day,
    month_start_day,
    occasions_before,
    safe_div,
    ts_of_month,
    why,
)
from repurchase.churn.definitions import tier_of_count
from repurchase.core.errors import AnalysisError
from repurchase.core.params import SegmentationSettings
from repurchase.core.periods import Window
from repurchase.core.schemes import NOT_SCORED, SegmentScheme, get_scheme, segment_label
from repurchase.core.status import Month
from repurchase.segments import segment_customers

__all__ = [
    "BREAKDOWNS",
    "BREAKDOWN_COLUMNS",
    "TREND_COLUMNS",
    "churn_breakdown",
    "churn_by",
    "monthly_churn",
    "monthly_churn_by_rfm",
    "rate_for_month",
    "recent_months",
]

#: Columns of :func:`monthly_churn`.
TREND_COLUMNS = [
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
_TREND_DTYPES = ("datetime64[ns]", object, np.int64, np.int64, float, np.int64, np.int64, float, bool)

#: Columns of :func:`churn_breakdown`.
BREAKDOWN_COLUMNS = [
    "group",
    "months",
    "customer_months",
    "mean_active",
    "churned",
    "churn_rate",
    "churned_revenue",
    "reactivated",
]

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


@dataclass(frozen=True)
class _Gaps:
    cust: np.ndarray  # customer code
    start: np.ndarray  # day of the occasion that opens the gap (L)
    nxt: np.ndarray  # day of the next occasion, or NEVER
    number: np.ndarray  # occasion number of L (1 = first purchase)
    revenue_365: np.ndarray  # customer revenue in the 365 days up to and including L
    ids: pd.Index  # customer ids by code
    first_day: int  # first day of the data
    last_day: int  # last observed day


def _gaps(occ: pd.DataFrame, end: pd.Timestamp) -> _Gaps:
    """Every gap between consecutive occasions, with the customer's trailing-year revenue at its start."""
    codes, ids = pd.factorize(occ["customer_id"], sort=True)
    day = day_numbers(occ["occasion_date"])
    order = np.lexsort((day, codes))
    codes, day = codes[order].astype(np.int64), day[order]
    amount = occ["amount"].to_numpy(dtype=float)[order]
    same_next = np.r_[codes[1:] == codes[:-1], False]
    nxt = np.where(same_next, np.r_[day[1:], 0], NEVER)
    starts = np.r_[True, codes[1:] != codes[:-1]]
    first_idx = np.maximum.accumulate(np.where(starts, np.arange(len(codes)), 0))
    number = np.arange(len(codes)) - first_idx + 1
    # revenue in (L - 365, L]: cumulative sums, searched on (customer, day) keys
    span = int(day.max()) + 400
    key = codes * span + day
    lo = np.searchsorted(key, codes * span + (day - 365), side="right")
    cum = np.r_[0.0, np.cumsum(amount)]
    revenue = cum[np.arange(len(codes)) + 1] - cum[lo]
    return _Gaps(codes, day, nxt, number, revenue, pd.Index(ids), int(day.min()), day_number(end) - 1)


def _group_of_gaps(
    g: _Gaps, by: str | None, attributes: pd.DataFrame | None, frequency_tiers: Mapping[str, int] | None
) -> np.ndarray:
    if by is None:
        return np.full(len(g.cust), "all", dtype=object)
    if by == "frequency_tier":
        if frequency_tiers is None:
            raise AnalysisError("by='frequency_tier' needs frequency_tiers (params.segmentation.frequency_tiers)")
        return tier_of_count(g.number, frequency_tiers)
    if attributes is None or by not in attributes.columns:
        known = [] if attributes is None else list(attributes.columns)
        raise AnalysisError(f"no customer attribute {by!r}; known: {', '.join(['frequency_tier', *known])}")
    values = attributes[by].reindex(g.ids).astype(object).fillna("(unknown)").to_numpy(dtype=object)
    return values[g.cust]


def monthly_churn(
    tx: pd.DataFrame,
    window: Window,
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
) -> ChurnTable:
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
        Cleaned transactions (rows from ``window.end_exclusive`` on are ignored).
    window
        The observation (the report period); months after its last full month
        are left out.
    threshold_days
        θ.
    by
        None, ``frequency_tier`` (the tier of the customer's occasion count at the
        start of the month, see :func:`repurchase.core.tiers.frequency_tiers`) or
        a column of ``attributes`` (e.g. ``first_category``, ``cohort``).
    attributes
        Customer attributes indexed by customer ID (:func:`repurchase.churn.first_purchase_attributes`).
    frequency_tiers
        Tier minimums (``params.segmentation.frequency_tiers``), for ``by="frequency_tier"``.

    Returns
    -------
    ChurnTable
        ``table``: ``month`` (first day), ``group`` (``all`` without ``by``),
        ``active_start``, ``churned``, ``churn_rate``, ``reactivated``, ``new``,
        ``churned_revenue`` and ``complete`` (False while the month's look-back,
        θ + 1 days before it, starts before the data: customers who bought before
        the data are missing from the base, so the rate is biased). When no month
        is complete (or the data hold less than one full month, and the table is
        empty), ``unavailable`` says so (``no_complete_month``).
    """
    end = end_of(window)
    theta = int(threshold_days)
    occ = occasions_before(tx, end, occasion, customer_col, order_col, date_col, amount_col)
    g = _gaps(occ, end)
    group = _group_of_gaps(g, by, attributes, frequency_tiers)
    labels, gcode = np.unique(group.astype(str), return_inverse=True)
    n_groups = len(labels)
    m_first = int(month_of_day(np.array([g.first_day]))[0])
    m_last = int(month_of_day(np.array([g.last_day]))[0])
    if int(month_start_day(np.array([m_last + 1]))[0]) - 1 != g.last_day:
        m_last -= 1  # the last month is not fully observed
    # the first month whose look-back (θ + 1 days before it) lies inside the data
    ready_day = g.first_day + theta + 1
    m_ready = int(month_of_day(np.array([ready_day]))[0])
    m_ready += int(int(month_start_day(np.array([m_ready]))[0]) < ready_day)
    reason = why(
        "no_complete_month", days=theta + 1, first=str(np.datetime64(g.first_day, "D")),
        month=Month(str(np.datetime64(m_ready, "M"))),
    )  # fmt: skip
    if m_last < m_first:  # not one full month of data: nothing to count yet
        empty = pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(TREND_COLUMNS, _TREND_DTYPES)})
        return ChurnTable(empty, reason)
    n_months = m_last - m_first + 1
    L, N = g.start, g.nxt
    C = L + theta + 1  # first day on which the customer counts as churned
    mL, mC = month_of_day(L), month_of_day(C)
    mN = np.where(N < NEVER, month_of_day(np.minimum(N, 10**7)), np.iinfo(np.int64).max)
    # active at the start of months a..b
    a = mL + 1
    b = month_of_day(np.minimum(N, C))
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
    react_mask = (N < NEVER) & (C < N) & (mC < mN)
    reactivated = _count(react_mask, mN)
    # first occasions: the group is the group of the gap that the first purchase opens
    new = _count(g.number == 1, mL)
    months = np.arange(m_first, m_last + 1)
    month_start = month_start_day(months)
    complete = month_start - 1 - theta >= g.first_day
    frame = pd.DataFrame(
        {
            "month": np.tile(ts_of_month(months), n_groups),
            "group": np.repeat(labels, n_months),
            "active_start": active.ravel().round().astype(np.int64),
            "churned": churned.ravel().round().astype(np.int64),
            "reactivated": reactivated.ravel().round().astype(np.int64),
            "new": new.ravel().round().astype(np.int64),
            "churned_revenue": churned_rev.ravel(),
            "complete": np.tile(complete, n_groups),
        }
    )
    frame["churn_rate"] = safe_div(frame["churned"], frame["active_start"])
    out = frame[TREND_COLUMNS].sort_values(["group", "month"], kind="stable").reset_index(drop=True)
    return ChurnTable(out, None if complete.any() else reason)


def rate_for_month(trend: pd.DataFrame, month: Any, group: str = "all") -> float | None:
    """The churn rate of one month (None when the month is missing or incomplete)."""
    month = pd.Timestamp(month).to_period("M").to_timestamp()
    row = trend[(trend["month"] == month) & (trend["group"] == group)]
    if row.empty or not bool(row["complete"].iloc[0]) or pd.isna(row["churn_rate"].iloc[0]):
        return None
    return float(row["churn_rate"].iloc[0])


def churn_breakdown(
    trend: pd.DataFrame,
    window: Window,
    *,
    months: int = 12,
    min_group_size: int = 30,
    max_groups: int = 12,
) -> ChurnTable:
    """Churn by group, pooled over the last ``months`` complete months.

    Parameters
    ----------
    trend
        The table of :func:`monthly_churn` (or :func:`monthly_churn_by_rfm`) with groups.
    window
        The observation (the report period): the last month pooled is the last
        month before ``window.end_exclusive``.
    months
        How many of the last months to pool.
    min_group_size
        Groups with a mean monthly base below this are pooled into ``other``,
        always: when every group is that small, only ``other`` and ``all`` are
        left and ``unavailable`` says so (``breakdown_too_few``).
    max_groups
        At most this many groups (the largest by base) are shown; the rest join ``other``.

    Returns
    -------
    ChurnTable
        ``table``: ``group``, ``months``, ``customer_months`` (Σ active_start),
        ``mean_active`` (per month), ``churned``, ``churn_rate`` (Σ churned ÷ Σ
        active_start: the average monthly churn rate), ``churned_revenue``,
        ``reactivated``; groups sorted by churn rate, then ``other`` and the total
        ``all``. Groups with no customer at risk in the window are left out. When
        none of the months is complete, an empty table and ``unavailable``
        (``breakdown_no_complete_month``).
    """
    end = end_of(window)
    last = end.to_period("M").to_timestamp() - pd.DateOffset(months=1)
    first = last - pd.DateOffset(months=months - 1)
    pooled = trend[(trend["month"] >= first) & (trend["month"] <= last) & trend["complete"]]
    if pooled.empty:  # the history does not reach back θ days before any of the months
        return ChurnTable(
            empty_table(BREAKDOWN_COLUMNS, text=("group",)), why("breakdown_no_complete_month", months=int(months))
        )
    n_months = pooled["month"].nunique()
    agg = pooled.groupby("group", sort=True)[["active_start", "churned", "churned_revenue", "reactivated"]].sum()
    agg = agg[agg["active_start"] > 0]
    big = agg.sort_values("active_start", ascending=False, kind="stable").index[:max_groups]
    small = (agg["active_start"] / n_months < min_group_size) | ~agg.index.isin(big)
    other = agg[small].sum().to_frame("other").T if small.any() else None  # every small group, always
    named = agg[~small]
    out = named.rename_axis("group").reset_index()
    out["_rate"] = safe_div(out["churned"], out["active_start"])
    out = out.sort_values("_rate", ascending=False, kind="stable").drop(columns="_rate")
    total = agg.sum().to_frame("all").T
    tail = [other, total] if other is not None else [total]
    out = pd.concat([out, *[t.rename_axis("group").reset_index() for t in tail]], ignore_index=True)
    out = out.rename(columns={"active_start": "customer_months"})
    out.insert(1, "months", n_months)
    out.insert(3, "mean_active", out["customer_months"] / n_months)
    out["churn_rate"] = safe_div(out["churned"], out["customer_months"])
    for c in ("customer_months", "churned", "reactivated"):
        out[c] = out[c].astype(np.int64)
    too_few = why("breakdown_too_few", size=int(min_group_size)) if named.empty else None
    return ChurnTable(out[BREAKDOWN_COLUMNS].reset_index(drop=True), too_few)


def monthly_churn_by_rfm(
    tx: pd.DataFrame,
    window: Window,
    threshold_days: int,
    segmentation: SegmentationSettings | None = None,
    *,
    scheme: SegmentScheme | None = None,
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
    segmented as of the month's first day (:func:`repurchase.segments.segment_customers` with the params'
    segmentation settings, on the data before that day), then counted as in
    :func:`monthly_churn`. The segment uses recency, so the segments with low R
    churn first by construction: read it as "where this month's churn comes from".

    Parameters
    ----------
    segmentation
        ``params.segmentation`` (:class:`repurchase.core.params.SegmentationSettings`);
        defaults when None.
    scheme
        The rule table (e.g. the segmentation result's ``scheme``); default the
        one ``segmentation`` names.
    months
        Months computed (one RFM scoring each).
    language
        Segment names in the report language.

    Returns
    -------
    pandas.DataFrame
        As the table of :func:`monthly_churn` (``new`` is 0: a new customer has
        no segment at the start of the month).
    """
    settings = segmentation if segmentation is not None else SegmentationSettings()
    end = end_of(window)
    theta = int(threshold_days)
    if scheme is None:
        scheme = get_scheme(settings.scheme, settings.custom_schemes, settings.rfm_bins)
    occ = occasions_before(tx, end, occasion, customer_col, order_col, date_col, amount_col)
    g = _gaps(occ, end)
    n_cust = len(g.ids)
    span = int(g.start.max()) + 400
    key = g.cust * span + g.start
    first_idx = np.searchsorted(g.cust, np.arange(n_cust), side="left")
    last_month = int(month_of_day(np.array([g.last_day + 1]))[0]) - 1
    frames = []
    for m in range(last_month - months + 1, last_month + 1):  # one snapshot per month (12 by default)
        s_day, e_day = (int(x) for x in month_start_day(np.array([m, m + 1])))
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
            rfm = segment_customers(
                rows,
                start_ts,
                settings,
                occasion=occasion,
                scheme=scheme,
                customer_col=customer_col,
                date_col=date_col,
                amount_col=amount_col,
                order_col=order_col,
            )
            labels = rfm["segment"].astype(str)
            shown = {x: segment_label(x, language) for x in labels.unique()}  # one per segment
            names = pd.Series(labels.map(shown).to_numpy(), index=rfm["customer_id"])
            group = names.reindex(g.ids).fillna(NOT_SCORED).to_numpy(dtype=object)
        else:
            group = np.full(n_cust, NOT_SCORED, dtype=object)
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
    out["churn_rate"] = safe_div(out["churned"], out["active_start"])
    return out[TREND_COLUMNS].sort_values(["group", "month"], kind="stable").reset_index(drop=True)


def churn_by(
    tx: pd.DataFrame,
    window: Window,
    threshold_days: int,
    by: str,
    *,
    attributes: pd.DataFrame | None = None,
    frequency_tiers: Mapping[str, int] | None = None,
    segmentation: SegmentationSettings | None = None,
    scheme: SegmentScheme | None = None,
    language: str = "en",
    months: int = 12,
    min_group_size: int = 30,
    max_groups: int = 12,
    occasion: str = "customer_day",
) -> ChurnTable:
    """Average monthly churn rate over the last ``months`` complete months, by one dimension.

    ``by`` is a key of :data:`BREAKDOWNS`. A dimension the client's data do not
    have (e.g. no channel column) gives an empty table with the same columns,
    which the chart and the sentence report as "not in this client's data".

    Returns
    -------
    ChurnTable
        :func:`churn_breakdown` output.
    """
    if by not in BREAKDOWNS:
        raise AnalysisError(f"unknown churn breakdown {by!r}; use one of {', '.join(BREAKDOWNS)}")
    column = BREAKDOWNS[by][1]
    if column is not None and (attributes is None or column not in attributes.columns):
        return ChurnTable(pd.DataFrame(columns=BREAKDOWN_COLUMNS))
    if by == "rfm_segment":
        trend = monthly_churn_by_rfm(
            tx, window, threshold_days, segmentation, scheme=scheme, months=months, language=language,
            occasion=occasion,
        )  # fmt: skip
    else:
        trend = monthly_churn(
            tx,
            window,
            threshold_days,
            by=by if column is None else column,
            attributes=attributes,
            frequency_tiers=frequency_tiers,
            occasion=occasion,
        ).table
    return churn_breakdown(trend, window, months=months, min_group_size=min_group_size, max_groups=max_groups)


def recent_months(trend: pd.DataFrame, months: int = 13) -> pd.DataFrame:
    """The last ``months`` months of the overall trend, newest first, for a table (empty when none is complete)."""
    data = trend[trend["group"] == "all"].sort_values("month", ascending=False).head(months)
    if not data["complete"].any():  # no month to read yet (the trend sentence says why): an empty table
        data = data.iloc[:0]
    out = data.assign(month=data["month"].dt.strftime("%Y-%m"))
    return out[["month", "active_start", "churned", "churn_rate", "churned_revenue", "reactivated", "new", "complete"]]
