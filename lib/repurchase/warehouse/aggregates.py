"""The transaction -> customer and -> month aggregates, written once as Ibis expressions.

They run on any Ibis backend (DuckDB embedded, PySpark, a warehouse) over a
table of cleaned transactions with the canonical columns ``customer_id``,
``order_date`` (a timestamp), ``amount`` and optionally ``order_id`` and
``refund_amount``; only the per-customer or per-month result comes back.

Conventions, the same on every backend:

* **Days** are whole calendar days: ``order_date`` cast to a DATE, then
  :meth:`epoch_days` (``DATE_DIFF('day', 1970-01-01, d)`` on DuckDB,
  ``DATEDIFF`` on Spark), so differences are plain integer subtractions and
  never depend on time of day, daylight saving or the backend's interval type.
  Timestamps are read as naive (Spark needs ``spark.sql.session.timeZone=UTC``).
* **Money** is summed as int64 micro-units (``round(amount * 1e6)``; the
  cleaning rounds amounts to 6 decimals), so sums are exact and equal on every
  backend whatever the order of summation; :data:`MICRO` converts back.
* **Purchase occasions** follow :mod:`repurchase.core.occasions`: a customer-day
  (``customer_day``) or an order dated by its first line (``order``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from repurchase.core.errors import AnalysisError
from repurchase.core.occasions import MICRO, OCCASIONS

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = [
    "MICRO",
    "churn_aggregates",
    "customer_aggregates",
    "day_number",
    "micro",
    "monthly_aggregates",
    "occasions",
    "second_gap_histogram",
]


def day_number(ts: Any) -> ir.IntegerValue:
    """Whole days since 1970-01-01 of a timestamp (or date) column: its calendar day, as an integer."""
    d = ts.date() if ts.type().is_timestamp() else ts
    return d.epoch_days().cast("int64")


def micro(amount: Any) -> ir.IntegerValue:
    """An amount column as int64 micro-units (exact sums)."""
    return (amount.cast("float64") * MICRO).round().cast("int64")


def _check_occasion(occasion: str, t: ir.Table) -> None:
    if occasion not in OCCASIONS:
        raise AnalysisError(f"unknown occasion {occasion!r}; use 'customer_day' or 'order' (repurchase.occasion)")
    if occasion == "order" and "order_id" not in t.columns:
        raise AnalysisError(
            "repurchase.occasion is 'order' but the transactions have no order column; "
            "map sources.transactions.columns.order_id or set repurchase.occasion: customer_day"
        )


def occasions(
    t: ir.Table,
    occasion: str = "customer_day",
    *,
    position_col: str | None = None,
    fields: tuple[str, ...] | None = None,
) -> ir.Table:
    """One row per purchase occasion of the cleaned transactions ``t``.

    Parameters
    ----------
    t
        Cleaned transactions (``customer_id``, ``order_date``, ``amount``; ``order_id``
        and ``refund_amount`` when present).
    occasion
        ``customer_day`` or ``order`` (:mod:`repurchase.core.occasions`).
    position_col
        A column giving each line's position in the log (e.g. DuckDB's
        ``file_row_number``): kept as ``pos``, the occasion's first position, so
        results can be put in order of first appearance, and used to break ties
        between orders that start at the same instant, as pandas does.
    fields
        Only these of the occasion's fields (``pos`` is kept with ``position_col``);
        None: all. Leaving out ``orders`` (a distinct count per occasion, which
        DuckDB cannot spill to disk) keeps the memory of a 100M-line log bounded.

    Returns
    -------
    ibis Table
        ``customer_id``, ``day`` (whole days since 1970-01-01), ``time`` (first
        line's timestamp), ``amount_u`` and ``refund_u`` (micro-units), ``lines``,
        ``orders`` (distinct orders) and, with ``position_col``, ``pos``.
    """
    _check_occasion(occasion, t)
    lines = t.mutate(
        _day=day_number(t.order_date),
        _amount_u=micro(t.amount),
        _refund_u=micro(t.refund_amount) if "refund_amount" in t.columns else 0,
    )
    keys = ["customer_id", "_day"] if occasion == "customer_day" else ["customer_id", "order_id"]
    metrics: dict[str, Any] = {
        "time": lines.order_date.min(),
        "day": lines._day.min(),
        "amount_u": lines._amount_u.sum(),
        "refund_u": lines._refund_u.sum(),
        "lines": lines.count(),
        "orders": lines.order_id.nunique() if "order_id" in t.columns else lines.count(),
    }
    if fields is not None:
        metrics = {k: v for k, v in metrics.items() if k in fields}
    if position_col is not None:
        metrics["pos"] = lines[position_col].min()
    occ = lines.group_by(keys).aggregate(**metrics)
    return occ.select("customer_id", *metrics)


def _ranked(occ: ir.Table, occasion: str) -> ir.Table:
    """Occasions with ``no`` (0 = the customer's first) and ``prev_day`` (day of the previous occasion)."""
    import ibis

    order_by = [occ.day] if occasion == "customer_day" else [occ.time, occ.pos if "pos" in occ.columns else occ.day]
    w = ibis.window(group_by=occ.customer_id, order_by=order_by)
    return occ.mutate(no=ibis.row_number().over(w), prev_day=occ.day.lag().over(w))


def _observed(occ: ir.Table, start_day: int | None, end_day: int | None) -> ir.Table:
    if start_day is not None:
        occ = occ.filter(occ.day >= start_day)
    if end_day is not None:
        occ = occ.filter(occ.day < end_day)
    return occ


def customer_aggregates(
    t: ir.Table,
    *,
    start_day: int | None = None,
    end_day: int | None = None,
    occasion: str = "customer_day",
    position_col: str | None = None,
) -> ir.Table:
    """Per customer: the occasions of the summary window and their first, last and total.

    Parameters
    ----------
    t
        Cleaned transactions.
    start_day, end_day
        Occasions dated ``start_day <= day < end_day`` (whole days since
        1970-01-01; None: unbounded), as :func:`repurchase.lifetime_value.customer_summary`.
    occasion, position_col
        As in :func:`occasions`.

    Returns
    -------
    ibis Table
        ``customer_id``, ``occasions``, ``first_day``, ``last_day``, ``total_u``
        and ``repeat_u`` (all occasions but the first, in micro-units) and, with
        ``position_col``, ``pos`` (the customer's first position in the whole log).
    """
    # only what the summary needs: no distinct count of orders, which DuckDB holds in memory
    needed = ("day", "amount_u") if occasion == "customer_day" else ("time", "day", "amount_u")
    occ = occasions(t, occasion, position_col=position_col, fields=needed)
    kept = _observed(occ, start_day, end_day)
    if occasion == "customer_day":
        # one occasion per customer and day: the first is the one on the first day. It is found by a join,
        # not by argmin, which DuckDB runs as an ordered FIRST(... ORDER BY day) that cannot spill to disk
        agg = kept.group_by("customer_id").aggregate(
            occasions=kept.count(),
            first_day=kept.day.min(),
            last_day=kept.day.max(),
            total_u=kept.amount_u.sum(),
        )
        starts = agg.select(agg.customer_id.name("_cid"), agg.first_day.name("_first_day"))
        firsts = kept.join(starts, [kept.customer_id == starts._cid, kept.day == starts._first_day])
        firsts = firsts.select(firsts.customer_id.name("_cid"), firsts.amount_u.name("first_u"))
        agg = agg.join(firsts, agg.customer_id == firsts._cid).drop("_cid")
    else:  # several orders a day: rank them as pandas does (time, then first appearance)
        ranked = _ranked(kept, occasion)
        agg = ranked.group_by("customer_id").aggregate(
            occasions=ranked.count(),
            first_day=ranked.day.min(),
            last_day=ranked.day.max(),
            total_u=ranked.amount_u.sum(),
            first_u=(ranked.no == 0).ifelse(ranked.amount_u, 0).sum(),
        )
    agg = agg.mutate(repeat_u=agg.total_u - agg.first_u).drop("first_u")
    if position_col is not None:
        first_pos = occ.group_by("customer_id").aggregate(pos=occ.pos.min())
        agg = agg.join(first_pos, "customer_id")
    return agg


def monthly_aggregates(
    t: ir.Table,
    *,
    end_time: Any = None,
    reactivation_gap_days: int = 180,
    repeat_orders: str = "beyond_first",
    occasion: str = "customer_day",
) -> ir.Table:
    """Per calendar month: the counts of :func:`repurchase.kpis.monthly_kpis`.

    Parameters
    ----------
    t
        Cleaned transactions.
    end_time
        Occasions whose first line is at or after this instant are ignored (the
        window's exclusive end); None: all.
    reactivation_gap_days, repeat_orders
        As in :func:`repurchase.kpis.monthly_kpis`.
    occasion
        ``customer_day`` or ``order``.

    Returns
    -------
    ibis Table
        ``m`` (year * 12 + month - 1), ``buyers``, ``new_buyers``,
        ``reactivated_buyers``, ``occasions``, ``repeat_occasions``,
        ``repeat_buyers``, ``orders``, ``revenue_u``, ``refund_u`` and
        ``retained_buyers`` (buyers of the month who also bought the month before).
    """
    import ibis

    if repeat_orders not in ("beyond_first", "all_of_repeaters"):
        raise AnalysisError(f"unknown repeat_orders {repeat_orders!r}; use 'beyond_first' or 'all_of_repeaters'")
    occ = occasions(t, occasion)
    if end_time is not None:
        occ = occ.filter(occ.time < ibis.timestamp(end_time))
    d = occ.time.date()
    occ = occ.mutate(m=(d.year() * 12 + d.month() - 1).cast("int64"))
    cm = occ.group_by(["customer_id", "m"]).aggregate(
        n=occ.count(),
        amount_u=occ.amount_u.sum(),
        refund_u=occ.refund_u.sum(),
        orders=occ.orders.sum(),
        first_day=occ.day.min(),
        last_day=occ.day.max(),
    )
    w = ibis.window(group_by=cm.customer_id, order_by=cm.m)
    cm = cm.mutate(prev_m=cm.m.lag().over(w), prev_last=cm.last_day.lag().over(w))
    new = cm.prev_m.isnull()
    reactivated = ~new & ((cm.first_day - cm.prev_last) >= reactivation_gap_days)
    repeat = cm.n >= 2
    repeat_occ = (cm.n - 1) if repeat_orders == "beyond_first" else repeat.ifelse(cm.n, 0)
    retained = (~new) & (cm.prev_m == cm.m - 1)
    return cm.group_by("m").aggregate(
        buyers=cm.count(),
        new_buyers=new.cast("int64").sum(),
        reactivated_buyers=reactivated.cast("int64").sum(),
        occasions=cm.n.sum(),
        repeat_occasions=repeat_occ.sum(),
        repeat_buyers=repeat.cast("int64").sum(),
        orders=cm.orders.sum(),
        revenue_u=cm.amount_u.sum(),
        refund_u=cm.refund_u.sum(),
        retained_buyers=retained.cast("int64").sum(),
    )


def second_gap_histogram(t: ir.Table, *, end_time: Any = None, occasion: str = "customer_day") -> ir.Table:
    """Second purchases by month: ``m`` (month of the second occasion), ``gap`` (days from the first) and ``n``.

    A per-month histogram of the days between each customer's first and second
    occasion, from which the exact median of
    :func:`repurchase.kpis.monthly_kpis` (``median_days_to_second_purchase``) follows.
    """
    import ibis

    occ = occasions(t, occasion)
    if end_time is not None:
        occ = occ.filter(occ.time < ibis.timestamp(end_time))
    r = _ranked(occ, occasion)
    second = r.filter(r.no == 1)
    d = second.time.date()
    second = second.mutate(m=(d.year() * 12 + d.month() - 1).cast("int64"), gap=second.day - second.prev_day)
    return second.group_by(["m", "gap"]).aggregate(n=second.count())


def churn_aggregates(t: ir.Table, *, end_time: Any, occasion: str = "customer_day") -> ir.Table:
    """Per customer: the plain aggregates behind :func:`repurchase.churn.churn_features`.

    Parameters
    ----------
    t
        Cleaned transactions; only lines dated before ``end_time`` (the cutoff, a
        day boundary) are read.
    end_time
        The cutoff.
    occasion
        ``customer_day`` or ``order``.

    Returns
    -------
    ibis Table
        ``customer_id``; over occasions: ``n``, ``first_day``, ``last_day``,
        ``spend_u``, ``sum_gap``, ``sum_gap2`` (sum of squared gaps), ``gap_last``,
        ``gap_max`` (days; null with one occasion), ``occ_90``, ``occ_365``,
        ``spend_90_u``, ``spend_prev_90_u``, ``spend_365_u`` (by the age
        ``d0 - day`` where ``d0`` is the day before the cutoff); over lines:
        ``line_u``, ``refund_u``, ``refunded_lines`` and ``n_categories`` (when
        there is a ``category`` column).
    """
    import ibis

    end = ibis.timestamp(end_time)
    rows = t.filter(t.order_date < end)
    d0 = day_number(end) - 1
    occ = _ranked(occasions(rows, occasion, position_col=None), occasion)
    gap = occ.day - occ.prev_day
    age = d0 - occ.day
    last_w = ibis.window(group_by=occ.customer_id, order_by=ibis.desc(occ.no))
    occ = occ.mutate(gap=gap, age=age, is_last=ibis.row_number().over(last_w) == 0)
    per = occ.group_by("customer_id").aggregate(
        n=occ.count(),
        first_day=occ.day.min(),
        last_day=occ.day.max(),
        spend_u=occ.amount_u.sum(),
        sum_gap=occ.gap.sum(),
        sum_gap2=(occ.gap * occ.gap).sum(),
        gap_last=occ.is_last.ifelse(occ.gap, ibis.null("int64")).max(),
        gap_max=occ.gap.max(),
        occ_90=(occ.age < 90).cast("int64").sum(),
        occ_365=(occ.age < 365).cast("int64").sum(),
        spend_90_u=(occ.age < 90).ifelse(occ.amount_u, 0).sum(),
        spend_prev_90_u=((occ.age >= 90) & (occ.age < 180)).ifelse(occ.amount_u, 0).sum(),
        spend_365_u=(occ.age < 365).ifelse(occ.amount_u, 0).sum(),
    )
    line_metrics: dict[str, Any] = {"line_u": micro(rows.amount).sum()}
    if "refund_amount" in rows.columns:
        line_metrics["refund_u"] = micro(rows.refund_amount).sum()
        line_metrics["refunded_lines"] = (rows.refund_amount > 0).cast("int64").sum()
    if "category" in rows.columns:
        line_metrics["n_categories"] = rows.category.nunique()
    lines = rows.group_by("customer_id").aggregate(**line_metrics)
    return per.join(lines, "customer_id")
