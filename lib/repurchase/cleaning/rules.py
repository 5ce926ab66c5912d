"""Cleaning rules with a ledger that accounts for every input row.

Each raw row ends in exactly one outcome:

* ``kept``: used as read;
* ``fixed``: used after one or more repairs (IDs normalised, amount text parsed,
  date in a non-standard format, refund netted);
* ``excluded``: not used, with the first rule that excluded it.

so that ``raw rows = kept + fixed + excluded`` holds by construction and is
checked in the tests. Rules run in a fixed order (:data:`RULES`); all work is
vectorised.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from repurchase.cleaning.parsing import (
    TEXT,
    check_share,
    date_fix_hint,
    non_finite,
    normalize_ids,
    parse_amounts,
    parse_dates,
)
from repurchase.cleaning.profile import missing_values
from repurchase.core import i18n
from repurchase.core.errors import DataError
from repurchase.core.params import CleaningSettings

__all__ = [
    "RULES",
    "RULE_DESCRIPTION",
    "RULE_OUTCOME",
    "CleaningResult",
    "clean_campaigns",
    "clean_customers",
    "clean_surveys",
    "clean_transactions",
    "ids_as_written",
    "rule_descriptions",
]

#: Every rule, in the order it runs: (rule, outcome, description)
RULES: tuple[tuple[str, str, str], ...] = (
    ("short_row", "excluded", "row with fewer fields than the header: a cut or truncated line"),
    ("cancelled_order", "excluded", "status marks a cancelled or void order"),
    ("duplicate_row", "excluded", "exact copy of an earlier row (all mapped columns equal)"),
    ("missing_customer_id", "excluded", "customer ID blank"),
    ("id_normalized", "fixed", "customer ID trimmed and case-folded (e.g. ' c001' -> 'C001')"),
    ("unparseable_date", "excluded", "order date missing or not a date"),
    ("date_format_normalized", "fixed", "order date in a format other than the column's usual one, parsed"),
    ("unparseable_amount", "excluded", "amount missing or not a number"),
    ("non_finite_amount", "excluded", "amount infinite or not a number (inf, -inf, nan)"),
    ("amount_text_parsed", "fixed", "amount written as text with currency symbols or separators, parsed"),
    ("dated_after_export", "excluded", "order date after the source's export date"),
    ("dated_in_future", "excluded", "order date after the source file was written (no exported_at given)"),
    ("before_min_date", "excluded", "order date before cleaning.min_date (default 1990-01-01): a placeholder or typo"),
    ("after_period_end", "excluded", "order date after the end of the report period"),
    ("zero_amount", "excluded", "amount is zero"),
    ("negative_amount", "excluded", "negative amount on a row that is not a refund (data-entry error)"),
    ("refund_unmatched", "excluded", "refund whose order is not in the data"),
    ("refund_netted", "excluded", "refund row, subtracted from its order (refunds: net)"),
    ("refund_row", "excluded", "refund row, dropped with its order (refunds: exclude)"),
    ("refunded_order", "excluded", "order line refunded (refunds: exclude)"),
    ("fully_refunded", "excluded", "order line whose refunds cover its whole amount"),
    ("partially_refunded", "fixed", "order line reduced by a partial refund (refunds: net)"),
)
RULE_OUTCOME = {r: o for r, o, _ in RULES}
RULE_DESCRIPTION = {r: d for r, _, d in RULES}


def rule_descriptions(ledger: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A copy of a rules ledger with ``description`` in ``lang`` (catalog ``rule.<rule>``, else the code text)."""
    out = ledger.copy()
    out["description"] = [
        i18n.t(f"rule.{rule}", lang) if i18n.has(f"rule.{rule}", lang) else desc
        for rule, desc in zip(out["rule"], out["description"])
    ]
    return out


@dataclass
class CleaningResult:
    """The outcome of cleaning one source.

    Attributes
    ----------
    clean
        The usable rows with canonical, typed columns.
    outcome
        One row per raw row: ``raw_row``, ``outcome`` (kept / fixed / excluded) and
        ``reason`` (the excluding rule, or the fixes joined by ``;``).
    quarantine
        The excluded raw rows as read, with ``raw_row`` and ``reason``.
    source
        Where the rows came from (for messages and reports).
    id_spelling
        ``customer_id`` (canonical, case-folded for matching) and ``written``:
        the first spelling of that ID in the source, for each ID first written
        otherwise (exports give IDs as the client wrote them, see
        :func:`ids_as_written`).
    """

    clean: pd.DataFrame
    outcome: pd.DataFrame
    quarantine: pd.DataFrame
    source: str = ""
    fix_counts: dict[str, int] = field(default_factory=dict)
    rules: tuple[tuple[str, str, str], ...] = RULES
    missing: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["column", "missing", "share"]))
    id_spelling: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["customer_id", "written"]))

    @property
    def raw_rows(self) -> int:
        return len(self.outcome)

    def rule_counts(self) -> pd.DataFrame:
        """Rows per rule: ``rule``, ``outcome``, ``rows`` and the rule's code ``description`` (English).

        Excluded rows are counted under the first rule that excluded them; fixed
        rows under every fix applied (a row can carry several fixes), so the
        ``fixed`` rule counts can add up to more than the fixed rows.
        """
        excluded = self.outcome.loc[self.outcome["outcome"] == "excluded", "reason"].value_counts()
        rules = pd.DataFrame(list(self.rules), columns=["rule", "outcome", "description"])
        fixes = pd.Series(self.fix_counts, dtype="int64")
        counted = rules["rule"].map(excluded).where(rules["outcome"] == "excluded", rules["rule"].map(fixes))
        rules.insert(2, "rows", counted.fillna(0).astype("int64"))
        return rules

    def ledger(self, lang: str = "en") -> pd.DataFrame:
        """:meth:`rule_counts` with ``description`` in the report language ``lang`` (catalog key ``rule.<rule>``)."""
        return rule_descriptions(self.rule_counts(), lang)

    def summary(self) -> pd.DataFrame:
        """Raw rows and their outcomes: ``outcome``, ``rows``, ``share``; balances exactly."""
        counts = self.outcome["outcome"].value_counts()
        out = pd.DataFrame(
            {
                "outcome": ["raw", "kept", "fixed", "excluded"],
                "rows": [self.raw_rows] + [int(counts.get(k, 0)) for k in ("kept", "fixed", "excluded")],
            }
        )
        out["share"] = out["rows"] / max(self.raw_rows, 1)
        return out


def id_spelling(raw_ids: pd.Series, canonical: pd.Series) -> pd.DataFrame:
    """The first spelling of each canonical ID in file order, where it differs from the canonical one.

    The spelling is the ID as written, trimmed (:func:`normalize_ids` with
    ``case="keep"``): ``'Ann@Example.com'`` for the canonical ``'ANN@EXAMPLE.COM'``.
    """
    written = normalize_ids(raw_ids, "keep")
    pairs = pd.DataFrame({"customer_id": canonical, "written": written}).dropna()
    pairs = pairs.drop_duplicates("customer_id", keep="first")
    pairs = pairs[pairs["written"] != pairs["customer_id"]]
    return pairs.astype({"customer_id": str, "written": str}).reset_index(drop=True)


def ids_as_written(ids: pd.Series, *results: CleaningResult | None) -> pd.Series:
    """Canonical customer IDs mapped back to the first spelling the client wrote.

    Cleaning case-folds IDs so that ``'ann@x.com'`` and ``'ANN@x.com '`` are one
    customer; an export gives the ID as it was first written. The first result
    that knows an ID's spelling wins (transactions, then customers, then
    surveys); IDs written as they are canonically stay as they are.
    """
    spellings = [r.id_spelling for r in results if r is not None and len(r.id_spelling)]
    if not spellings or ids.empty:
        return ids
    table = pd.concat(spellings, ignore_index=True).drop_duplicates("customer_id", keep="first")
    mapping = pd.Series(table["written"].to_numpy(), index=table["customer_id"].to_numpy())
    as_text = ids.astype(TEXT)
    return as_text.map(mapping).fillna(as_text).astype(object).where(ids.notna(), ids)


def _short_mask(raw: pd.DataFrame, short_rows: Collection[int] | None) -> pd.Series:
    if not short_rows:
        return pd.Series(False, index=raw.index)
    return raw["raw_row"].isin(list(short_rows))


def _refuse_mostly_short(short: pd.Series, raw: pd.DataFrame, source: str, role: str) -> None:
    """Most rows shorter than the header: the delimiter or the header is wrong, not the rows."""
    if len(short) and short.mean() > 0.5:
        first = int(raw.loc[short, "raw_row"].iloc[0])
        raise DataError(
            f"{source}: {short.mean():.0%} of the rows have fewer fields than the header (e.g. data row {first}); "
            f"check sources.{role}.delimiter and whether the first row is the header"
        )


# ---------------------------------------------------------------------------
# transactions


def clean_transactions(
    raw: pd.DataFrame,
    settings: CleaningSettings | None = None,
    *,
    exported_at: dt.date | None = None,
    period_end_exclusive: pd.Timestamp | None = None,
    date_format: str | None = None,
    source: str = "transactions",
    written_at: dt.date | None = None,
    decimal: str | None = None,
    short_rows: Collection[int] | None = None,
) -> CleaningResult:
    """Clean raw transaction rows into one row per order line.

    Parameters
    ----------
    raw
        Output of :func:`repurchase.io.read_source`: canonical columns as read,
        plus ``raw_row``.
    settings
        Cleaning rules; defaults when omitted.
    exported_at
        Rows dated after this day are excluded (``dated_after_export``).
    written_at
        The day the source was written (its file's modification time, or the
        day it was read from a database): without ``exported_at``, rows dated
        after it are excluded (``dated_in_future``).
    period_end_exclusive
        Rows on or after this instant are excluded (``after_period_end``) before
        refunds are matched, so a later refund never reaches an earlier report.
    date_format
        The source's explicit date format, if any.
    source
        Name used in messages (the file path).
    decimal
        The source's decimal separator (``point`` or ``comma``); detected from
        the amount column when None.
    short_rows
        ``raw_row`` of the rows with fewer fields than the header
        (``read_source(...).attrs["short_rows"]``): excluded (``short_row``).

    Returns
    -------
    CleaningResult
        ``clean`` has ``customer_id``, ``order_id``, ``order_date``, ``amount``
        (net of refunds with ``refunds: net``), ``refund_amount``, ``quantity``, the
        optional mapped text columns, and ``raw_row``.

    Raises
    ------
    DataError
        When most values of the date or amount column cannot be read (the
        column is mapped wrongly or needs ``date_format``), when the amounts mix
        decimal conventions (naming rows and ``decimal:``), or when most rows
        are shorter than the header.
    """
    settings = settings or CleaningSettings()
    idx = raw.index
    reason = pd.Series(pd.NA, index=idx, dtype="string")
    fixes: dict[str, pd.Series] = {}

    def exclude(mask: pd.Series, rule: str) -> None:
        reason[mask.fillna(False).astype(bool) & reason.isna()] = rule

    def alive() -> pd.Series:
        return reason.isna()

    short = _short_mask(raw, short_rows)
    _refuse_mostly_short(short, raw, source, "transactions")
    exclude(short, "short_row")

    status = (
        raw["status"].astype(TEXT).str.strip().str.lower()
        if "status" in raw
        else pd.Series(pd.NA, index=idx, dtype="string")
    )
    cancelled = status.isin([s.lower() for s in settings.cancelled_statuses])
    is_refund_status = status.isin([s.lower() for s in settings.refund_statuses])
    exclude(cancelled, "cancelled_order")

    if settings.drop_exact_duplicates:
        cols = [c for c in raw.columns if c != "raw_row"]
        exclude(raw.duplicated(subset=cols, keep="first"), "duplicate_row")

    cust = normalize_ids(raw["customer_id"], settings.id_case)
    exclude(cust.isna(), "missing_customer_id")
    raw_cust = raw["customer_id"].astype(TEXT)
    fixes["id_normalized"] = cust.notna() & (cust != raw_cust).fillna(True)

    dates, nonstd = parse_dates(raw["order_date"], date_format, settings.day_first, settings.timezone)
    check_share(
        dates.isna(), alive(), raw["order_date"], "order_date", source, date_fix_hint(raw["order_date"][dates.isna()])
    )
    exclude(dates.isna(), "unparseable_date")
    fixes["date_format_normalized"] = nonstd

    amounts, was_text = parse_amounts(
        raw["amount"][~short],
        decimal,
        field="sources.transactions.columns.amount",
        rows=raw["raw_row"][~short],
        source=source,
    )
    amounts = amounts.reindex(idx)
    was_text = was_text.reindex(idx, fill_value=False)
    infinite = non_finite(raw["amount"]) | np.isinf(amounts.fillna(0.0))
    check_share(
        amounts.isna() | infinite,
        alive(),
        raw["amount"],
        "amount",
        source,
        "check sources.transactions.columns.amount (it must be the paid amount)",
    )
    exclude(amounts.isna() & ~infinite, "unparseable_amount")
    exclude(infinite, "non_finite_amount")
    fixes["amount_text_parsed"] = was_text

    if exported_at is not None:
        exclude(dates >= pd.Timestamp(exported_at) + pd.Timedelta(days=1), "dated_after_export")
    elif written_at is not None:
        exclude(dates >= pd.Timestamp(written_at) + pd.Timedelta(days=1), "dated_in_future")
    exclude(dates < pd.Timestamp(settings.min_date), "before_min_date")
    if period_end_exclusive is not None:
        exclude(dates >= pd.Timestamp(period_end_exclusive), "after_period_end")

    has_status = "status" in raw
    is_refund = is_refund_status if has_status else (amounts < 0)
    is_refund = is_refund.fillna(False).astype(bool)
    if settings.zero_amounts == "exclude":
        exclude((amounts == 0) & ~is_refund, "zero_amount")
    exclude((amounts < 0) & ~is_refund, "negative_amount")

    if "order_id" in raw:
        order = normalize_ids(raw["order_id"], settings.id_case)
        order = order.fillna("row-" + raw["raw_row"].astype(TEXT))
    else:
        order = "row-" + raw["raw_row"].astype(TEXT)
    product = normalize_ids(raw["product_id"], settings.id_case) if "product_id" in raw else None
    # refunds match an order line by product ID, or by product name when the export has no IDs
    line_key = (
        product
        if product is not None
        else (normalize_ids(raw["product_name"], "keep") if "product_name" in raw else None)
    )

    refund_amount = pd.Series(0.0, index=idx)
    net_amount = amounts.copy()
    refund_rows = alive() & is_refund
    purchase_rows = alive() & ~is_refund
    if refund_rows.any():
        net_amount, refund_amount, matched = _apply_refunds(
            order, line_key, amounts, refund_rows, purchase_rows, settings.refunds
        )
        exclude(refund_rows & ~matched, "refund_unmatched")
        if settings.refunds == "net":
            exclude(refund_rows, "refund_netted")
            exclude(purchase_rows & (net_amount <= 0.005), "fully_refunded")
            fixes["partially_refunded"] = purchase_rows & (refund_amount > 0) & (net_amount > 0.005)
        else:
            exclude(refund_rows, "refund_row")
            exclude(purchase_rows & (refund_amount > 0), "refunded_order")

    keep = reason.isna()
    fix_frame = pd.DataFrame({k: v.fillna(False).astype(bool) & keep for k, v in fixes.items()})
    any_fix = fix_frame.any(axis=1)
    fix_names = _join_fix_names(fix_frame)
    outcome = pd.DataFrame(
        {
            "raw_row": raw["raw_row"].to_numpy(),
            "outcome": np.where(~keep, "excluded", np.where(any_fix, "fixed", "kept")),
            "reason": reason.where(~keep, fix_names.where(any_fix, pd.NA)),
        }
    )

    clean = pd.DataFrame(
        {
            "customer_id": cust[keep].astype(str),
            "order_id": order[keep].astype(str),
            "order_date": dates[keep],
            "amount": net_amount[keep].astype("float64").round(6),
            "refund_amount": refund_amount[keep].astype("float64").round(6),
        }
    )
    if "quantity" in raw:
        qty, _ = parse_amounts(raw["quantity"][keep], decimal)
        clean["quantity"] = qty.where(np.isfinite(qty), np.nan).fillna(1.0)
    else:
        clean["quantity"] = 1.0
    for col in ("product_id", "product_name", "category", "channel", "region", "store"):
        if col in raw:
            values = raw[col][keep].astype(TEXT).str.strip()
            if col == "product_id":
                values = product[keep]  # type: ignore[index]
            clean[col] = values.mask(values == "").astype(object)
    clean["raw_row"] = raw["raw_row"][keep].astype("int64")
    clean = clean.sort_values(["order_date", "raw_row"], kind="stable").reset_index(drop=True)

    quarantine = raw.loc[~keep].copy()
    quarantine.insert(0, "reason", reason[~keep].astype(str))
    return CleaningResult(
        clean=clean,
        outcome=outcome,
        quarantine=quarantine.reset_index(drop=True),
        source=source,
        fix_counts={k: int(v.sum()) for k, v in fix_frame.items()},
        missing=missing_values(raw),
        id_spelling=id_spelling(raw["customer_id"], cust),
    )


def _join_fix_names(fix_frame: pd.DataFrame) -> pd.Series:
    """The names of the fixes applied to each row, joined by ';' (empty when none)."""
    parts = np.full(len(fix_frame), "", dtype=object)
    for col in fix_frame.columns:
        parts = parts + np.where(fix_frame[col].to_numpy(), col + ";", "")
    return pd.Series(parts, index=fix_frame.index, dtype="string").str.rstrip(";")


def _apply_refunds(
    order: pd.Series,
    product: pd.Series | None,
    amounts: pd.Series,
    refund_rows: pd.Series,
    purchase_rows: pd.Series,
    mode: str,
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Match refund rows to purchase lines and spread each refund over them.

    Refunds match on (order, product) when products are known, otherwise (or
    when that finds nothing) on the order alone. A refund is spread over the
    matched lines in proportion to their amounts.

    Returns
    -------
    (net_amount, refund_amount, matched)
    """
    refund_value = amounts.abs().where(refund_rows, 0.0)
    refund_amount = pd.Series(0.0, index=amounts.index)
    matched = pd.Series(False, index=amounts.index)
    remaining = refund_rows.copy()
    keys: list[pd.Series] = []
    if product is not None:
        keys.append(order.str.cat(product.fillna(""), sep="\x1f"))
    keys.append(order)
    amount = amounts.to_numpy(dtype="float64")
    is_purchase = purchase_rows.to_numpy(dtype=bool)
    purchase_weight = np.where(is_purchase & ~np.isnan(amount), amount, 0.0)
    refund_weight = np.nan_to_num(refund_value.to_numpy(dtype="float64"))
    for key in keys:
        if not remaining.any():
            break
        # group sums by integer key code (0: a blank key, which matches nothing)
        code = pd.factorize(key)[0] + 1
        groups = int(code.max()) + 1
        purchase_total = np.bincount(code, weights=purchase_weight, minlength=groups)[code]
        has_purchase = np.bincount(code, weights=is_purchase, minlength=groups)[code] > 0
        hit = remaining & pd.Series(has_purchase & (code > 0), index=amounts.index)
        refund_total = np.bincount(code, weights=np.where(hit, refund_weight, 0.0), minlength=groups)[code]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(purchase_total != 0, refund_total / purchase_total, 0.0)
        share = pd.Series(np.clip(np.nan_to_num(ratio), None, 1.0), index=amounts.index)
        refund_amount = refund_amount + (amounts * share).where(purchase_rows, 0.0)
        matched |= hit
        remaining &= ~hit
    net = amounts.where(~purchase_rows, amounts - refund_amount)
    if mode == "exclude":
        net = amounts
    return net, refund_amount, matched


# ---------------------------------------------------------------------------
# customers and surveys


_SHORT_RULE = RULES[0]
_CUSTOMER_RULES = (
    _SHORT_RULE,
    ("duplicate_row", "excluded", "exact copy of an earlier row"),
    ("missing_customer_id", "excluded", "customer ID blank"),
    ("duplicate_customer", "excluded", "second row for a customer ID already listed (first one kept)"),
    ("id_normalized", "fixed", "customer ID trimmed and case-folded"),
    ("unparseable_date", "fixed", "date not readable, left blank"),
    ("number_unreadable", "fixed", "numeric field not readable, left blank"),
)
_SURVEY_RULES = (
    _SHORT_RULE,
    ("duplicate_row", "excluded", "exact copy of an earlier row"),
    ("missing_customer_id", "excluded", "customer ID blank"),
    ("unparseable_date", "excluded", "response date missing or not a date"),
    ("after_period_end", "excluded", "response after the end of the report period"),
    ("id_normalized", "fixed", "customer ID trimmed and case-folded"),
    ("score_out_of_range", "fixed", "score outside its scale (NPS 0-10, CSAT 1-5, CES 1-7, aspects 1-5), left blank"),
)
_SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}


def _side_result(
    raw: pd.DataFrame,
    reason: pd.Series,
    fixes: dict[str, pd.Series],
    clean: pd.DataFrame,
    source: str,
    rules: tuple,
    cust: pd.Series,
) -> CleaningResult:
    keep = reason.isna()
    fix_frame = pd.DataFrame({k: v.fillna(False).astype(bool) & keep for k, v in fixes.items()}, index=raw.index)
    any_fix = fix_frame.any(axis=1)
    outcome = pd.DataFrame(
        {
            "raw_row": raw["raw_row"].to_numpy(),
            "outcome": np.where(~keep, "excluded", np.where(any_fix, "fixed", "kept")),
            "reason": reason.astype(object).where(~keep, None),
        }
    )
    quarantine = raw.loc[~keep].copy()
    quarantine.insert(0, "reason", reason[~keep].astype(str))
    return CleaningResult(
        clean=clean.reset_index(drop=True),
        outcome=outcome,
        quarantine=quarantine.reset_index(drop=True),
        source=source,
        fix_counts={k: int(v.sum()) for k, v in fix_frame.items()},
        rules=rules,
        missing=missing_values(raw),
        id_spelling=id_spelling(raw["customer_id"], cust),
    )


def _side_source_start(
    raw: pd.DataFrame, settings: CleaningSettings, short_rows: Collection[int] | None, source: str, role: str
) -> tuple[pd.Series, Callable[[pd.Series, str], None], pd.Series]:
    """The rules every side source starts with: short rows, exact duplicates, blank IDs.

    Returns the exclusion reason per row (NA = kept so far), ``exclude(mask, rule)``
    (records ``rule`` for the rows of ``mask`` not excluded yet) and the normalized IDs.
    """
    reason = pd.Series(pd.NA, index=raw.index, dtype="string")

    def exclude(mask: pd.Series, rule: str) -> None:
        reason[mask.fillna(False).astype(bool) & reason.isna()] = rule

    short = _short_mask(raw, short_rows)
    _refuse_mostly_short(short, raw, source, role)
    exclude(short, "short_row")
    exclude(raw.duplicated(subset=[c for c in raw.columns if c != "raw_row"], keep="first"), "duplicate_row")
    cust = normalize_ids(raw["customer_id"], settings.id_case)
    exclude(cust.isna(), "missing_customer_id")
    return reason, exclude, cust


def clean_customers(
    raw: pd.DataFrame,
    settings: CleaningSettings | None = None,
    *,
    source: str = "customers",
    decimal: str | None = None,
    short_rows: Collection[int] | None = None,
) -> CleaningResult:
    """Clean the customers source: one row per customer ID.

    Dates and numbers that cannot be read are left blank (the customer is kept);
    blank and repeated IDs, and rows shorter than the header, are excluded.
    """
    settings = settings or CleaningSettings()
    idx = raw.index
    reason, exclude, cust = _side_source_start(raw, settings, short_rows, source, "customers")
    exclude(cust.duplicated(keep="first") & cust.notna(), "duplicate_customer")
    fixes = {"id_normalized": cust.notna() & (cust != raw["customer_id"].astype(TEXT)).fillna(True)}
    clean = pd.DataFrame({"customer_id": cust})
    bad_date = pd.Series(False, index=idx)
    bad_num = pd.Series(False, index=idx)
    for col in raw.columns:
        if col in ("customer_id", "raw_row"):
            continue
        if col in ("signup_date", "birth_date"):
            d, _ = parse_dates(raw[col], None, settings.day_first, settings.timezone)
            bad_date |= d.isna() & raw[col].astype(TEXT).str.strip().fillna("").ne("")
            clean[col] = d
        elif col in ("acquisition_cost", "points"):
            v, _ = parse_amounts(
                raw[col], decimal, field=f"sources.customers.columns.{col}", rows=raw["raw_row"], source=source
            )
            v = v.where(np.isfinite(v))
            bad_num |= v.isna() & raw[col].astype(TEXT).str.strip().fillna("").ne("")
            clean[col] = v
        else:
            clean[col] = raw[col].astype(TEXT).str.strip().astype(object)
    fixes["unparseable_date"] = bad_date
    fixes["number_unreadable"] = bad_num
    clean["raw_row"] = raw["raw_row"]
    return _side_result(raw, reason, fixes, clean[reason.isna()], source, _CUSTOMER_RULES, cust)


def clean_surveys(
    raw: pd.DataFrame,
    settings: CleaningSettings | None = None,
    *,
    period_end_exclusive: pd.Timestamp | None = None,
    source: str = "surveys",
    decimal: str | None = None,
    short_rows: Collection[int] | None = None,
) -> CleaningResult:
    """Clean survey responses: scores on their scales, aspect ratings as numbers.

    Columns named ``aspect_*`` are aspect ratings on 1-5. Out-of-range scores are
    blanked (the response is kept); responses without an ID or a date, after
    the period, or shorter than the header are excluded.
    """
    settings = settings or CleaningSettings()
    idx = raw.index
    reason, exclude, cust = _side_source_start(raw, settings, short_rows, source, "surveys")
    dates, _ = parse_dates(raw["response_date"], None, settings.day_first, settings.timezone)
    check_share(
        dates.isna(),
        reason.isna(),
        raw["response_date"],
        "response_date",
        source,
        "check sources.surveys.columns.response_date",
    )
    exclude(dates.isna(), "unparseable_date")
    if period_end_exclusive is not None:
        exclude(dates >= pd.Timestamp(period_end_exclusive), "after_period_end")
    fixes = {"id_normalized": cust.notna() & (cust != raw["customer_id"].astype(TEXT)).fillna(True)}
    clean = pd.DataFrame({"customer_id": cust, "response_date": dates})
    out_of_range = pd.Series(False, index=idx)
    for col in raw.columns:
        if col in ("customer_id", "response_date", "raw_row"):
            continue
        if col in _SCALES or col.startswith("aspect_"):
            lo, hi = _SCALES.get(col, (1, 5))
            v, _ = parse_amounts(
                raw[col], decimal, field=f"sources.surveys.columns.{col}", rows=raw["raw_row"], source=source
            )
            v = v.where(np.isfinite(v))
            bad = v.notna() & ((v < lo) | (v > hi))
            out_of_range |= bad
            clean[col] = v.mask(bad)
        else:
            clean[col] = raw[col].astype(TEXT).str.strip().mask(lambda s: s == "").astype(object)
    fixes["score_out_of_range"] = out_of_range
    clean["raw_row"] = raw["raw_row"]
    return _side_result(raw, reason, fixes, clean[reason.isna()], source, _SURVEY_RULES, cust)


_CAMPAIGN_RULES = (
    _SHORT_RULE,
    ("duplicate_row", "excluded", "exact copy of an earlier row"),
    ("missing_customer_id", "excluded", "customer ID blank"),
    ("missing_campaign", "excluded", "campaign name blank"),
    ("unparseable_date", "excluded", "assignment date missing or not a date"),
    ("after_period_end", "excluded", "assignment after the end of the report period"),
    ("unknown_group", "excluded", "group is neither the treatment nor the control label (campaigns settings)"),
    ("both_groups", "excluded", "customer assigned to both groups of one campaign (all their rows of it excluded)"),
    ("duplicate_assignment", "excluded", "second row for a customer already assigned in the campaign (first kept)"),
    ("id_normalized", "fixed", "customer ID trimmed and case-folded"),
    ("number_unreadable", "fixed", "numeric field not readable, left blank"),
)


def clean_campaigns(
    raw: pd.DataFrame,
    settings: CleaningSettings | None = None,
    *,
    treatment_label: str = "treatment",
    control_label: str = "control",
    period_end_exclusive: pd.Timestamp | None = None,
    source: str = "campaigns",
    decimal: str | None = None,
    short_rows: Collection[int] | None = None,
) -> CleaningResult:
    """Clean campaign assignments: one row per customer and campaign, group ``treatment`` or ``control``.

    The group labels are compared trimmed and case-insensitively with
    ``treatment_label`` and ``control_label``. Rows without an ID, a campaign or
    an assignment date, assigned after the period, with another group label, of
    a customer assigned to both groups of one campaign, or repeating an
    assignment are excluded; ``cost`` is read as a number (blank when not
    readable).
    """
    settings = settings or CleaningSettings()
    idx = raw.index
    reason, exclude, cust = _side_source_start(raw, settings, short_rows, source, "campaigns")
    name = raw["campaign"].astype(TEXT).str.strip().mask(lambda s: s == "")
    exclude(name.isna(), "missing_campaign")
    dates, _ = parse_dates(raw["assigned_at"], None, settings.day_first, settings.timezone)
    check_share(
        dates.isna(),
        reason.isna(),
        raw["assigned_at"],
        "assigned_at",
        source,
        "check sources.campaigns.columns.assigned_at",
    )
    exclude(dates.isna(), "unparseable_date")
    dates = dates.dt.normalize()
    if period_end_exclusive is not None:
        exclude(dates >= pd.Timestamp(period_end_exclusive), "after_period_end")
    label = raw["group"].astype(TEXT).str.strip().str.casefold()
    group = pd.Series(
        np.select(
            [label == treatment_label.strip().casefold(), label == control_label.strip().casefold()],
            ["treatment", "control"],
            "",
        ),
        index=idx,
    ).mask(label.isna().to_numpy(), "")
    exclude(group == "", "unknown_group")
    alive = reason.isna()
    pair = pd.DataFrame({"c": cust, "k": name, "g": group})[alive]
    both = pair.groupby(["c", "k"])["g"].transform("nunique") > 1
    exclude(both.reindex(idx, fill_value=False), "both_groups")
    alive = reason.isna()
    exclude(pair[alive[pair.index]].duplicated(["c", "k"]).reindex(idx, fill_value=False), "duplicate_assignment")
    fixes = {"id_normalized": cust.notna() & (cust != raw["customer_id"].astype(TEXT)).fillna(True)}
    clean = pd.DataFrame({"customer_id": cust, "campaign": name.astype(object), "group": group, "assigned_at": dates})
    bad_num = pd.Series(False, index=idx)
    for col in raw.columns:
        if col in ("customer_id", "campaign", "group", "assigned_at", "raw_row"):
            continue
        if col == "cost":
            v, _ = parse_amounts(
                raw[col], decimal, field="sources.campaigns.columns.cost", rows=raw["raw_row"], source=source
            )
            v = v.where(np.isfinite(v))
            bad_num |= v.isna() & raw[col].astype(TEXT).str.strip().fillna("").ne("")
            clean[col] = v
        else:
            clean[col] = raw[col].astype(TEXT).str.strip().mask(lambda s: s == "").astype(object)
    fixes["number_unreadable"] = bad_num
    clean["raw_row"] = raw["raw_row"]
    return _side_result(raw, reason, fixes, clean[reason.isna()], source, _CAMPAIGN_RULES, cust)
