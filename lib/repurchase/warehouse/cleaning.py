"""The cleaning rules that can run in SQL, run where the transactions live, with an exact ledger.

The rules are those of :func:`repurchase.cleaning.rules.clean_transactions`, by
the same names and in the same order (:data:`~repurchase.cleaning.rules.RULES`):
``cancelled_order``, ``duplicate_row``, ``missing_customer_id``,
``id_normalized`` (a fix), ``unparseable_date``, ``unparseable_amount``,
``non_finite_amount``, ``dated_after_export`` / ``dated_in_future``,
``before_min_date``, ``after_period_end``, ``zero_amount`` and
``negative_amount``. Each row gets the first rule that excludes it, in one
``CASE`` expression, so ``raw = kept + fixed + excluded`` holds exactly; the
counts are computed by the backend, and only a limited quarantine sample comes
back.

A warehouse table is typed: dates are timestamps and amounts numbers, so the
text repairs (``date_format_normalized``, ``amount_text_parsed``) and
``short_row`` never apply there. Refund rows (a refund status, or a negative
amount without a status column) must be matched to their orders, which the
SQL path does not do: it refuses them, naming the fix.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from repurchase.cleaning.rules import RULES
from repurchase.core.errors import DataError
from repurchase.core.params import CleaningSettings

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["SQL_RULES", "WarehouseCleaning", "normalized_ids", "warehouse_cleaning"]

#: the rules the SQL path runs (the others cannot apply to a typed table, or need refund matching)
SQL_RULES = (
    "cancelled_order",
    "duplicate_row",
    "missing_customer_id",
    "id_normalized",
    "unparseable_date",
    "unparseable_amount",
    "non_finite_amount",
    "dated_after_export",
    "dated_in_future",
    "before_min_date",
    "after_period_end",
    "zero_amount",
    "negative_amount",
)


@dataclass
class WarehouseCleaning:
    """The outcome of cleaning a warehouse table in SQL.

    Attributes
    ----------
    ledger
        One row per rule of :data:`~repurchase.cleaning.rules.RULES`: ``rule``,
        ``outcome``, ``rows`` and ``description``, as
        :meth:`repurchase.cleaning.rules.CleaningResult.rule_counts`.
    summary
        ``outcome`` (raw, kept, fixed, excluded), ``rows`` and ``share``, as
        :meth:`~repurchase.cleaning.rules.CleaningResult.summary`.
    quarantine
        At most ``sample`` excluded rows as read, with ``reason`` first.
    clean
        The kept rows as an Ibis table (canonical columns, IDs normalized,
        ``refund_amount`` 0), for :mod:`repurchase.warehouse.aggregates`.
    """

    ledger: pd.DataFrame
    summary: pd.DataFrame
    quarantine: pd.DataFrame
    clean: Any


def normalized_ids(values: Any, case: str = "upper") -> Any:
    """IDs trimmed, inner whitespace collapsed and case folded; blanks become null (``normalize_ids`` in SQL)."""
    import ibis

    text = values.cast("string").strip().re_replace(r"\s+", " ")
    if case == "upper":
        text = text.upper()
    elif case == "lower":
        text = text.lower()
    return (text == "").ifelse(ibis.null("string"), text)


def _lowered(values: Any) -> Any:
    return values.cast("string").strip().lower()


def warehouse_cleaning(
    raw: ir.Table,
    settings: CleaningSettings | None = None,
    *,
    exported_at: dt.date | None = None,
    written_at: dt.date | None = None,
    period_end_exclusive: pd.Timestamp | None = None,
    sample: int = 100,
) -> WarehouseCleaning:
    """Clean a warehouse table of order lines in SQL: the exact ledger, a quarantine sample and the clean table.

    Parameters
    ----------
    raw
        The order lines with canonical column names (``customer_id``,
        ``order_date`` a timestamp, ``amount`` a number; ``status``, ``order_id``
        and the optional text columns when mapped).
    settings
        ``params.cleaning``.
    exported_at, written_at, period_end_exclusive
        As in :func:`repurchase.cleaning.rules.clean_transactions`.
    sample
        At most this many quarantined rows are fetched.

    Raises
    ------
    DataError
        When rows need refund matching (refund rows), which the SQL path does not do.
    """
    import ibis

    settings = settings or CleaningSettings()
    cols = [c for c in raw.columns if c != "raw_row"]
    has_status = "status" in raw.columns
    status = _lowered(raw.status) if has_status else ibis.null("string")
    amount = raw.amount.cast("float64")
    date = raw.order_date.cast("timestamp")
    cust = normalized_ids(raw.customer_id, settings.id_case)
    cancelled = status.isin([s.lower() for s in settings.cancelled_statuses]) if has_status else ibis.literal(False)
    is_refund = (
        status.isin([s.lower() for s in settings.refund_statuses]).fill_null(False)
        if has_status
        else (amount < 0).fill_null(False)
    )
    dup_w = ibis.window(group_by=[raw[c] for c in cols])
    duplicate = (ibis.row_number().over(dup_w) > 0) if settings.drop_exact_duplicates else ibis.literal(False)
    checks: list[tuple[Any, str]] = [
        (cancelled.fill_null(False), "cancelled_order"),
        (duplicate, "duplicate_row"),
        (cust.isnull(), "missing_customer_id"),
        (date.isnull(), "unparseable_date"),
        (amount.isnull() | amount.isnan(), "unparseable_amount"),
        (amount.isinf(), "non_finite_amount"),
    ]
    if exported_at is not None:
        checks.append((date >= ibis.timestamp(pd.Timestamp(exported_at) + pd.Timedelta(days=1)), "dated_after_export"))
    elif written_at is not None:
        checks.append((date >= ibis.timestamp(pd.Timestamp(written_at) + pd.Timedelta(days=1)), "dated_in_future"))
    checks.append((date < ibis.timestamp(pd.Timestamp(settings.min_date)), "before_min_date"))
    if period_end_exclusive is not None:
        checks.append((date >= ibis.timestamp(pd.Timestamp(period_end_exclusive)), "after_period_end"))
    if settings.zero_amounts == "exclude":
        checks.append(((amount == 0) & ~is_refund, "zero_amount"))
    checks.append(((amount < 0) & ~is_refund, "negative_amount"))
    case = ibis.cases(*((cond.fill_null(False), rule) for cond, rule in checks), else_=ibis.null("string"))
    fixed = cust.notnull() & (cust != raw.customer_id.cast("string")).fill_null(True)
    marked = raw.mutate(_reason=case, _fix=fixed, _refund=is_refund, _cust=cust)

    counts = marked.group_by("_reason").aggregate(rows=marked.count(), fixed=marked._fix.cast("int64").sum())
    counts = counts.to_pandas()
    refunds = int(marked.filter(marked._reason.isnull() & marked._refund).count().to_pandas())
    if refunds:
        raise DataError(
            f"{refunds:,} refund rows must be matched to their orders, which the warehouse cleaning does not do; "
            "net them in the warehouse first (a view without refund rows), or export the table and clean it "
            "from a file (sources.transactions.path)"
        )
    excluded = {str(r): int(n) for r, n in zip(counts["_reason"], counts["rows"]) if pd.notna(r)}
    kept_rows = counts[counts["_reason"].isna()]
    n_kept_or_fixed = int(kept_rows["rows"].sum())
    n_fixed = int(kept_rows["fixed"].sum())
    fix_counts = {"id_normalized": n_fixed}
    ledger = pd.DataFrame(list(RULES), columns=["rule", "outcome", "description"])
    rows = [
        excluded.get(rule, 0) if outcome == "excluded" else fix_counts.get(rule, 0)
        for rule, outcome, _ in RULES  # a fixed list of ~20 rules
    ]
    ledger.insert(2, "rows", pd.Series(rows, dtype="int64"))
    raw_rows = int(counts["rows"].sum())
    summary = pd.DataFrame(
        {
            "outcome": ["raw", "kept", "fixed", "excluded"],
            "rows": [raw_rows, n_kept_or_fixed - n_fixed, n_fixed, sum(excluded.values())],
        }
    )
    summary["share"] = summary["rows"] / max(raw_rows, 1)

    bad = marked.filter(marked._reason.notnull())
    quarantine = bad.select(reason=bad._reason, **{c: bad[c] for c in raw.columns}).limit(sample).to_pandas()

    kept = marked.filter(marked._reason.isnull())
    clean_cols: dict[str, Any] = {
        "customer_id": kept._cust,
        "order_date": kept.order_date.cast("timestamp"),
        "amount": kept.amount.cast("float64").round(6),
        "refund_amount": ibis.literal(0.0),
    }
    if "order_id" in raw.columns:
        clean_cols["order_id"] = normalized_ids(kept.order_id, settings.id_case)
    for col in ("product_id", "product_name", "category", "channel", "region", "store", "raw_row"):
        if col in raw.columns:
            clean_cols[col] = kept[col]
    return WarehouseCleaning(ledger, summary, quarantine, kept.select(**clean_cols))
