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
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from repurchase.core import i18n
from repurchase.core.errors import DataError
from repurchase.core.params import CleaningSettings

#: Every rule, in the order it runs: (rule, outcome, description)
RULES: tuple[tuple[str, str, str], ...] = (
    ("cancelled_order", "excluded", "status marks a cancelled or void order"),
    ("duplicate_row", "excluded", "exact copy of an earlier row (all mapped columns equal)"),
    ("missing_customer_id", "excluded", "customer ID blank"),
    ("id_normalized", "fixed", "customer ID trimmed and case-folded (e.g. ' c001' -> 'C001')"),
    ("unparseable_date", "excluded", "order date missing or not a date"),
    ("date_format_normalized", "fixed", "order date in a format other than the column's usual one, parsed"),
    ("unparseable_amount", "excluded", "amount missing or not a number"),
    ("amount_text_parsed", "fixed", "amount written as text with currency symbols or separators, parsed"),
    ("dated_after_export", "excluded", "order date after the source's export date"),
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

#: Date formats tried in order after ISO 8601 (month-first unless day_first)
DATE_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y%m%d",
    "%Y%m%d%H%M%S",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
    "%Y.%m.%d %H:%M",
    "%Y.%m.%d",
)
_DAY_FIRST = ("%d/%m/%Y %H:%M", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")
_MONTH_FIRST = ("%m/%d/%Y %H:%M", "%m/%d/%Y", "%m-%d-%Y")
_CURRENCY_RE = re.compile(r"[¥￥$€£,，\s]|元|RMB|CNY|USD", flags=re.IGNORECASE)
_MAX_BAD_SHARE = 0.5


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
    """

    clean: pd.DataFrame
    outcome: pd.DataFrame
    quarantine: pd.DataFrame
    source: str = ""
    fix_counts: dict[str, int] = field(default_factory=dict)
    rules: tuple[tuple[str, str, str], ...] = RULES
    missing: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["column", "missing", "share"]))

    @property
    def raw_rows(self) -> int:
        return len(self.outcome)

    def ledger(self, lang: str = "en") -> pd.DataFrame:
        """Rows per rule: a tidy table with ``rule``, ``outcome``, ``rows``, ``description``.

        ``description`` is in the report language ``lang`` (catalog key ``rule.<rule>``).

        Excluded rows are counted under the first rule that excluded them; fixed
        rows under every fix applied (a row can carry several fixes), so the
        ``fixed`` rule counts can add up to more than the fixed rows.
        """
        excluded = self.outcome.loc[self.outcome["outcome"] == "excluded", "reason"].value_counts()
        rows = []
        for rule, outcome, desc in self.rules:
            n = int(excluded.get(rule, 0)) if outcome == "excluded" else int(self.fix_counts.get(rule, 0))
            rows.append(
                {
                    "rule": rule,
                    "outcome": outcome,
                    "rows": n,
                    "description": i18n.t(f"rule.{rule}", lang) if i18n.has(f"rule.{rule}", lang) else desc,
                }
            )
        return pd.DataFrame(rows)

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


# ---------------------------------------------------------------------------
# value parsers


def normalize_ids(values: pd.Series, case: str = "upper") -> pd.Series:
    """Trim, collapse inner whitespace and fold case; blanks become NA.

    Numbers read from typed sources (``1234.0``) become ``'1234'``.
    """
    if pd.api.types.is_float_dtype(values):
        whole = values.dropna()
        if (whole == np.floor(whole)).all():
            values = values.astype("Int64")
    text = values.astype("string").str.strip().str.replace(r"\s+", " ", regex=True)
    if case == "upper":
        text = text.str.upper()
    elif case == "lower":
        text = text.str.lower()
    return text.mask(text == "")


def parse_amounts(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse amounts written as numbers or text like ``'¥1,299.00'``, ``'1,024.5 元'``, ``'(12.00)'``.

    Returns
    -------
    (amounts, was_text)
        float64 amounts (NaN where unusable) and a mask of values that needed
        more than a plain number parse.
    """
    if pd.api.types.is_numeric_dtype(values):
        return values.astype("float64"), pd.Series(False, index=values.index)
    text = values.astype("string").str.strip()
    plain = pd.to_numeric(text, errors="coerce")
    needs = plain.isna() & text.notna() & (text != "")
    if needs.any():
        t = text[needs]
        negative = t.str.match(r"^\(.*\)$").fillna(False)
        t = t.str.strip("()").str.replace(_CURRENCY_RE, "", regex=True)
        parsed = pd.to_numeric(t, errors="coerce")
        parsed = parsed.where(~negative.to_numpy(dtype=bool), -parsed)
        plain = plain.astype("float64")
        plain[needs] = parsed.to_numpy(dtype="float64")
    return plain.astype("float64"), (needs & plain.notna()).astype(bool)


def parse_dates(
    values: pd.Series, date_format: str | None = None, day_first: bool = False
) -> tuple[pd.Series, pd.Series]:
    """Parse dates in mixed formats, vectorised.

    ISO 8601 is tried first, then :data:`DATE_FORMATS`, then slash dates
    (day-first or month-first by ``day_first``). With ``date_format`` only that
    format is used. Time zones are converted to naive local time.

    Returns
    -------
    (dates, non_standard)
        datetime64[ns] values (NaT where unusable) and a mask of values written in
        a format other than the column's most common one.
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        out = values
        if getattr(out.dt, "tz", None) is not None:
            out = out.dt.tz_localize(None)
        return out.astype("datetime64[ns]"), pd.Series(False, index=values.index)
    text = values.astype("string").str.strip()
    if date_format:
        out = pd.to_datetime(text, format=date_format, errors="coerce")
        return out.astype("datetime64[ns]"), pd.Series(False, index=values.index)
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    fmt_id = pd.Series(-1, index=values.index, dtype="int16")  # which format parsed each value
    iso_like = (
        text.str.match(r"^\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")
        .fillna(False)
        .astype(bool)
    )
    if iso_like.any():
        parsed = pd.to_datetime(text[iso_like], format="ISO8601", errors="coerce", utc=True)
        out[iso_like] = parsed.dt.tz_localize(None).to_numpy()
        fmt_id[iso_like & out.notna()] = 0
    todo = out.isna() & text.notna() & (text != "")
    formats = DATE_FORMATS + (_DAY_FIRST if day_first else _MONTH_FIRST)
    for k, fmt in enumerate(formats, start=1):
        if not todo.any():
            break
        parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        hit = parsed.notna()
        if hit.any():
            idx = parsed.index[hit]
            out[idx] = parsed[hit].to_numpy()
            fmt_id[idx] = k
            todo[idx] = False
    # implausible years (e.g. 0001-01-01 placeholders) are unusable
    bad_year = out.notna() & ((out.dt.year < 1900) | (out.dt.year > 2200))
    out[bad_year] = pd.NaT
    fmt_id[bad_year] = -1
    # the column's own (most common) format is standard; any other format is a repair
    parsed_ids = fmt_id[fmt_id >= 0]
    dominant = int(parsed_ids.mode().iloc[0]) if len(parsed_ids) else 0
    non_standard = (fmt_id >= 0) & (fmt_id != dominant)
    return out, non_standard


def date_fix_hint(
    unread: pd.Series, column: str = "sources.transactions.columns.order_date", source_key: str = "sources.transactions"
) -> str:
    """The likely fix for dates that could not be read, judged from the values themselves."""
    text = unread.astype("string").str.strip().dropna()
    text = text[text != ""]
    if len(text) and text.str.match(r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{4}").mean() > 0.5:
        return (
            f"they look like day/month/year: set cleaning.day_first: true, or {source_key}.date_format (e.g. %d/%m/%Y)"
        )
    if len(text) and text.str.match(r"^\d{5}(\.\d+)?$").mean() > 0.5:
        return (
            "they look like Excel serial day numbers: export the column as dates (YYYY-MM-DD) or save the file as .xlsx"
        )
    if len(text) and text.str.match(r"^\d{10}(\d{3})?$").mean() > 0.5:
        return "they look like Unix timestamps: export the column as dates (YYYY-MM-DD)"
    return f"check {column}, or set {source_key}.date_format (e.g. %Y%m%d or %d.%m.%Y)"


def _check_share(bad: pd.Series, considered: pd.Series, raw: pd.Series, what: str, source: str, fix: str) -> None:
    n = int(considered.sum())
    if n == 0:
        return
    share = float((bad & considered).sum()) / n
    if share > _MAX_BAD_SHARE:
        examples = ", ".join(repr(v) for v in raw[bad & considered].astype(str).unique()[:3])
        raise DataError(f"{source}: {share:.0%} of {what} values cannot be read (e.g. {examples}); {fix}")


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
    period_end_exclusive
        Rows on or after this instant are excluded (``after_period_end``) before
        refunds are matched, so a later refund never reaches an earlier report.
    date_format
        The source's explicit date format, if any.
    source
        Name used in messages (the file path).

    Returns
    -------
    CleaningResult
        ``clean`` has ``customer_id``, ``order_id``, ``order_date``, ``amount``
        (net of refunds with ``refunds: net``), ``refund_amount``, ``quantity``, the
        optional mapped text columns, and ``raw_row``.

    Raises
    ------
    DataError
        When most values of the date or amount column cannot be read: the
        column is mapped wrongly or needs ``date_format``.
    """
    settings = settings or CleaningSettings()
    n = len(raw)
    idx = raw.index
    reason = pd.Series(pd.NA, index=idx, dtype="string")
    fixes: dict[str, pd.Series] = {}

    def exclude(mask: pd.Series, rule: str) -> None:
        reason[mask.fillna(False).astype(bool) & reason.isna()] = rule

    def alive() -> pd.Series:
        return reason.isna()

    status = (
        raw["status"].astype("string").str.strip().str.lower()
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
    raw_cust = raw["customer_id"].astype("string")
    fixes["id_normalized"] = cust.notna() & (cust != raw_cust).fillna(True)

    dates, nonstd = parse_dates(raw["order_date"], date_format, settings.day_first)
    _check_share(
        dates.isna(), alive(), raw["order_date"], "order_date", source, date_fix_hint(raw["order_date"][dates.isna()])
    )
    exclude(dates.isna(), "unparseable_date")
    fixes["date_format_normalized"] = nonstd

    amounts, was_text = parse_amounts(raw["amount"])
    _check_share(
        amounts.isna(),
        alive(),
        raw["amount"],
        "amount",
        source,
        "check sources.transactions.columns.amount (it must be the paid amount)",
    )
    exclude(amounts.isna(), "unparseable_amount")
    fixes["amount_text_parsed"] = was_text

    if exported_at is not None:
        exclude(dates >= pd.Timestamp(exported_at) + pd.Timedelta(days=1), "dated_after_export")
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
        order = order.fillna("row-" + raw["raw_row"].astype("string"))
    else:
        order = "row-" + raw["raw_row"].astype("string")
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
        qty, _ = parse_amounts(raw["quantity"][keep])
        clean["quantity"] = qty.fillna(1.0)
    else:
        clean["quantity"] = 1.0
    for col in ("product_id", "product_name", "category", "channel", "region", "store"):
        if col in raw:
            values = raw[col][keep].astype("string").str.strip()
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
    for key in keys:
        if not remaining.any():
            break
        purchase_total = amounts.where(purchase_rows, 0.0).groupby(key).transform("sum")
        has_purchase = key.isin(key[purchase_rows])
        hit = remaining & has_purchase
        refund_total = refund_value.where(hit, 0.0).groupby(key).transform("sum")
        share = (refund_total / purchase_total.replace(0, np.nan)).fillna(0.0).clip(upper=1.0)
        refund_amount = refund_amount + (amounts * share).where(purchase_rows, 0.0)
        matched |= hit
        remaining &= ~hit
    net = amounts.where(~purchase_rows, amounts - refund_amount)
    if mode == "exclude":
        net = amounts
    return net, refund_amount, matched


# ---------------------------------------------------------------------------
# customers and surveys


_CUSTOMER_RULES = (
    ("duplicate_row", "excluded", "exact copy of an earlier row"),
    ("missing_customer_id", "excluded", "customer ID blank"),
    ("duplicate_customer", "excluded", "second row for a customer ID already listed (first one kept)"),
    ("id_normalized", "fixed", "customer ID trimmed and case-folded"),
    ("unparseable_date", "fixed", "date not readable, left blank"),
    ("number_unreadable", "fixed", "numeric field not readable, left blank"),
)
_SURVEY_RULES = (
    ("duplicate_row", "excluded", "exact copy of an earlier row"),
    ("missing_customer_id", "excluded", "customer ID blank"),
    ("unparseable_date", "excluded", "response date missing or not a date"),
    ("after_period_end", "excluded", "response after the end of the report period"),
    ("id_normalized", "fixed", "customer ID trimmed and case-folded"),
    ("score_out_of_range", "fixed", "score outside its scale (NPS 0-10, CSAT 1-5, CES 1-7, aspects 1-5), left blank"),
)
_SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}


def _side_result(
    raw: pd.DataFrame, reason: pd.Series, fixes: dict[str, pd.Series], clean: pd.DataFrame, source: str, rules: tuple
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
    )


def clean_customers(
    raw: pd.DataFrame, settings: CleaningSettings | None = None, *, source: str = "customers"
) -> CleaningResult:
    """Clean the customers source: one row per customer ID.

    Dates and numbers that cannot be read are left blank (the customer is kept);
    blank and repeated IDs are excluded.
    """
    settings = settings or CleaningSettings()
    idx = raw.index
    reason = pd.Series(pd.NA, index=idx, dtype="string")

    def exclude(mask: pd.Series, rule: str) -> None:
        reason[mask.fillna(False).astype(bool) & reason.isna()] = rule

    exclude(raw.duplicated(subset=[c for c in raw.columns if c != "raw_row"], keep="first"), "duplicate_row")
    cust = normalize_ids(raw["customer_id"], settings.id_case)
    exclude(cust.isna(), "missing_customer_id")
    exclude(cust.duplicated(keep="first") & cust.notna(), "duplicate_customer")
    fixes = {"id_normalized": cust.notna() & (cust != raw["customer_id"].astype("string")).fillna(True)}
    clean = pd.DataFrame({"customer_id": cust})
    bad_date = pd.Series(False, index=idx)
    bad_num = pd.Series(False, index=idx)
    for col in raw.columns:
        if col in ("customer_id", "raw_row"):
            continue
        if col == "signup_date":
            d, _ = parse_dates(raw[col], None, settings.day_first)
            bad_date |= d.isna() & raw[col].astype("string").str.strip().fillna("").ne("")
            clean[col] = d
        elif col in ("acquisition_cost", "points"):
            v, _ = parse_amounts(raw[col])
            bad_num |= v.isna() & raw[col].astype("string").str.strip().fillna("").ne("")
            clean[col] = v
        else:
            clean[col] = raw[col].astype("string").str.strip().astype(object)
    fixes["unparseable_date"] = bad_date
    fixes["number_unreadable"] = bad_num
    clean["raw_row"] = raw["raw_row"]
    return _side_result(raw, reason, fixes, clean[reason.isna()], source, _CUSTOMER_RULES)


def clean_surveys(
    raw: pd.DataFrame,
    settings: CleaningSettings | None = None,
    *,
    period_end_exclusive: pd.Timestamp | None = None,
    source: str = "surveys",
) -> CleaningResult:
    """Clean survey responses: scores on their scales, aspect ratings as numbers.

    Columns named ``aspect_*`` are aspect ratings on 1-5. Out-of-range scores are
    blanked (the response is kept); responses without an ID or a date, or after
    the period, are excluded.
    """
    settings = settings or CleaningSettings()
    idx = raw.index
    reason = pd.Series(pd.NA, index=idx, dtype="string")

    def exclude(mask: pd.Series, rule: str) -> None:
        reason[mask.fillna(False).astype(bool) & reason.isna()] = rule

    exclude(raw.duplicated(subset=[c for c in raw.columns if c != "raw_row"], keep="first"), "duplicate_row")
    cust = normalize_ids(raw["customer_id"], settings.id_case)
    exclude(cust.isna(), "missing_customer_id")
    dates, _ = parse_dates(raw["response_date"], None, settings.day_first)
    _check_share(
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
    fixes = {"id_normalized": cust.notna() & (cust != raw["customer_id"].astype("string")).fillna(True)}
    clean = pd.DataFrame({"customer_id": cust, "response_date": dates})
    out_of_range = pd.Series(False, index=idx)
    for col in raw.columns:
        if col in ("customer_id", "response_date", "raw_row"):
            continue
        if col in _SCALES or col.startswith("aspect_"):
            lo, hi = _SCALES.get(col, (1, 5))
            v, _ = parse_amounts(raw[col])
            bad = v.notna() & ((v < lo) | (v > hi))
            out_of_range |= bad
            clean[col] = v.mask(bad)
        else:
            clean[col] = raw[col].astype("string").str.strip().mask(lambda s: s == "").astype(object)
    fixes["score_out_of_range"] = out_of_range
    clean["raw_row"] = raw["raw_row"]
    return _side_result(raw, reason, fixes, clean[reason.isna()], source, _SURVEY_RULES)


# ---------------------------------------------------------------------------
# profile


def profile_transactions(
    clean: pd.DataFrame,
    *,
    customer_col: str = "customer_id",
    order_col: str = "order_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Headline profile of cleaned transactions as a tidy ``metric``/``value`` table."""
    dates = clean[date_col]
    rows = [
        ("first_date", dates.min().date().isoformat() if len(clean) else None),
        ("last_date", dates.max().date().isoformat() if len(clean) else None),
        ("rows", len(clean)),
        ("customers", int(clean[customer_col].nunique())),
        ("orders", int(clean[order_col].nunique())),
        ("revenue", float(clean[amount_col].sum())),
    ]
    if "refund_amount" in clean:
        rows.append(("refunded", float(clean["refund_amount"].sum())))
    return pd.DataFrame(rows, columns=["metric", "value"])


def missing_values(raw: pd.DataFrame) -> pd.DataFrame:
    """Blank or missing values per source column: ``column``, ``missing``, ``share``."""
    cols = [c for c in raw.columns if c != "raw_row"]
    blank = {c: int((raw[c].isna() | raw[c].astype("string").str.strip().eq("")).sum()) for c in cols}
    out = pd.DataFrame({"column": list(blank), "missing": list(blank.values())})
    out["share"] = out["missing"] / max(len(raw), 1)
    return out


def amount_distribution(
    clean: pd.DataFrame,
    amount_col: str = "amount",
    quantiles: tuple[float, ...] = (0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99),
) -> pd.DataFrame:
    """Quantiles of order-line amounts: ``quantile``, ``amount``."""
    q = clean[amount_col].quantile(list(quantiles))
    return pd.DataFrame({"quantile": q.index.astype(float), "amount": q.to_numpy()})


def cleaning_metrics(result: CleaningResult) -> dict:
    """Headline figures of a cleaning run for ``metrics.json`` under ``cleaning``."""
    summary = result.summary().set_index("outcome")["rows"]
    ledger = result.ledger()
    clean = result.clean
    return {
        "raw_rows": int(summary["raw"]),
        "kept_rows": int(summary["kept"]),
        "fixed_rows": int(summary["fixed"]),
        "excluded_rows": int(summary["excluded"]),
        "excluded_by_rule": {
            r: int(n)
            for r, o, n in ledger[["rule", "outcome", "rows"]].itertuples(index=False)
            if o == "excluded" and n
        },
        "fixed_by_rule": {
            r: int(n) for r, o, n in ledger[["rule", "outcome", "rows"]].itertuples(index=False) if o == "fixed" and n
        },
        "customers": int(clean["customer_id"].nunique()),
        "orders": int(clean["order_id"].nunique()),
        "revenue": float(clean["amount"].sum()),
        "first_date": None if clean.empty else clean["order_date"].min().date().isoformat(),
        "last_date": None if clean.empty else clean["order_date"].max().date().isoformat(),
    }


def describe_outcome(result: CleaningResult, lang: str = "en") -> str:
    """One plain-language sentence on where the raw rows went, in ``lang``."""
    s = result.summary().set_index("outcome")["rows"]
    raw = max(int(s["raw"]), 1)
    ledger = result.ledger(lang)
    excluded = ledger[(ledger["outcome"] == "excluded") & (ledger["rows"] > 0)].sort_values("rows", ascending=False)
    text = i18n.t(
        "cleaning.describe",
        lang,
        raw=f"{int(s['raw']):,}",
        kept=f"{int(s['kept']):,}",
        kept_share=f"{s['kept'] / raw:.1%}",
        fixed=f"{int(s['fixed']):,}",
        fixed_share=f"{s['fixed'] / raw:.1%}",
        excluded=f"{int(s['excluded']):,}",
        excluded_share=f"{s['excluded'] / raw:.1%}",
    )
    if len(excluded):
        top = excluded.iloc[0]
        text += i18n.t("cleaning.describe_top", lang, rule=top["description"], rows=f"{int(top['rows']):,}")
    return text
