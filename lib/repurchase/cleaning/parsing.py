"""Value parsers of the cleaning rules: IDs, amounts written as text, dates in mixed formats.

All vectorised; each returns the parsed values and a mask of the values that
needed a repair, so the rules can count the fixes (see :mod:`repurchase.cleaning.rules`).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from repurchase.core.errors import DataError, clip

__all__ = [
    "DATE_FORMATS",
    "TEXT",
    "check_share",
    "date_fix_hint",
    "non_finite",
    "normalize_ids",
    "parse_amounts",
    "parse_dates",
]

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
_CURRENCY_RE = re.compile(r"[¥￥$€£]|元|RMB|CNY|USD|EUR|GBP|HKD|JPY", flags=re.IGNORECASE)
_GROUP_SPACE_RE = re.compile(r"[\s\u00a0\u202f\u2009']")
_NON_FINITE_RE = re.compile(r"[+-]?(inf|infinity|nan)", flags=re.IGNORECASE)
_OFFSET_RE = r"\s?(?:Z|[+-]\d{2}:?\d{2})$"
_MAX_BAD_SHARE = 0.5

#: The text dtype of the cleaning's string work: Arrow-backed, so strip, case folding and
#: regular expressions run vectorised in pyarrow instead of once per value in Python.
TEXT = pd.StringDtype("pyarrow")


def normalize_ids(values: pd.Series, case: str = "upper") -> pd.Series:
    """Trim, collapse inner whitespace and fold case; blanks become NA.

    Numbers read from typed sources (``1234.0``) become ``'1234'``.
    """
    if pd.api.types.is_float_dtype(values):
        whole = values.dropna()
        if (whole == np.floor(whole)).all():
            values = values.astype("Int64")
    text = values.astype(TEXT).str.strip().str.replace(r"\s+", " ", regex=True)
    if case == "upper":
        text = text.str.upper()
    elif case == "lower":
        text = text.str.lower()
    return text.mask(text == "").astype("string")  # the IDs leave in the dtype the analyses have always had


def non_finite(values: pd.Series) -> pd.Series:
    """Mask of the values that are numbers but not finite: ``inf``, ``-inf``, ``nan`` written out, or typed ±inf.

    Blank values are not in it (they are missing, not non-finite).
    """
    if pd.api.types.is_numeric_dtype(values):
        return pd.Series(np.isinf(values.to_numpy(dtype="float64")), index=values.index)
    text = values.astype("string").str.strip()
    return text.str.fullmatch(_NON_FINITE_RE).fillna(False).astype(bool)


def _number_body(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The digits and separators of amounts written as text, and whether each is negative.

    Currency symbols and codes go, and so do spaces, no-break spaces and ``'``
    (group separators in ``1 299,00`` or ``1'299.00``); ``(12.00)`` and ``-12`` are
    negative. A value that is not a number after that is ``<NA>``.
    """
    text = values.astype("string").str.strip()
    paren = text.str.fullmatch(r"\(.*\)").fillna(False).astype(bool)
    t = text.where(~paren, text.str.slice(1, -1))
    t = t.str.replace(_CURRENCY_RE, "", regex=True).str.replace("，", ",", regex=False)
    t = t.str.replace(_GROUP_SPACE_RE, "", regex=True).str.replace("−", "-", regex=False)
    minus = t.str.startswith("-").fillna(False).astype(bool)
    t = t.str.lstrip("+-")
    t = t.where(t.str.fullmatch(r"[\d.,]*\d[\d.,]*").fillna(False).astype(bool))
    return t, (paren ^ minus)


def _separator_evidence(body: pd.Series) -> dict[str, pd.Series]:
    """What each number body says about the decimal separator of its column.

    * ``point``: only a decimal point fits (``1,299.00``, ``12.5``, ``1,299,000``);
    * ``comma``: only a decimal comma fits (``1.299,00``, ``12,5``, ``1.299.000``);
    * ``ambiguous_comma`` / ``ambiguous_point``: one separator followed by
      exactly three digits (``1,299``, ``1.299``): a thousands separator or a
      decimal with three places;
    * anything else (``1299``) fits both.
    """
    b = body.fillna("")
    commas = b.str.count(",")
    dots = b.str.count(r"\.")
    last = b.str.extract(r"([.,])\d*$", expand=False)
    both = (commas > 0) & (dots > 0)
    group3_comma = b.str.fullmatch(r"[1-9]\d{0,2},\d{3}")
    group3_dot = b.str.fullmatch(r"[1-9]\d{0,2}\.\d{3}")
    return {
        "point": (both & (last == ".")) | ((dots == 0) & (commas >= 2)) | ((commas == 0) & (dots == 1) & ~group3_dot),
        "comma": (both & (last == ",")) | ((commas == 0) & (dots >= 2)) | ((dots == 0) & (commas == 1) & ~group3_comma),
        "ambiguous_comma": (dots == 0) & group3_comma,
        "ambiguous_point": (commas == 0) & group3_dot,
    }


def _read_body(body: pd.Series, decimal: str) -> pd.Series:
    """Number bodies read with ``decimal`` as the decimal separator (the other one groups thousands)."""
    group, dec = (",", ".") if decimal == "point" else (".", ",")
    b = body.fillna("")
    integer = b.str.split(dec, n=1, regex=False).str[0]
    valid = (
        (b.str.count(re.escape(dec)) <= 1)
        & ~b.str.contains(re.escape(dec) + ".*" + re.escape(group), regex=True)
        & (integer.str.fullmatch(r"\d*") | integer.str.fullmatch(r"\d{1,3}(" + re.escape(group) + r"\d{2,3})+"))
    )
    plain = b.str.replace(group, "", regex=False).str.replace(dec, ".", regex=False)
    return pd.to_numeric(plain.where(valid & (b != "")), errors="coerce").astype("float64")


def _mixed_decimal_error(
    body: pd.Series,
    raw: pd.Series,
    first: pd.Series,
    second: pd.Series,
    kinds: tuple[str, str],
    field: str,
    rows: pd.Series | None,
    source: str,
) -> DataError:
    row_no = rows if rows is not None else pd.Series(np.arange(1, len(body) + 1), index=body.index)

    def sample(mask: pd.Series) -> str:
        shown = row_no[mask].head(3).tolist()
        more = int(mask.sum()) - len(shown)
        where = ", ".join(str(int(r)) for r in shown) + (f" and {more:,} more" if more > 0 else "")
        return f"{clip(str(raw[mask].iloc[0]), 40)} (data row{'s' if len(shown) + max(more, 0) > 1 else ''} {where})"

    key = field.rsplit(".columns.", 1)[0] + ".decimal" if ".columns." in field else "decimal"
    prefix = f"{source}: " if source else ""
    return DataError(
        f"{prefix}{field} mixes decimal conventions: {sample(first)} {kinds[0]}, "
        f"{sample(second)} {kinds[1]}; set {key}: comma (1.299,00) or point (1,299.00), "
        "or correct those rows"
    )


def parse_amounts(
    values: pd.Series,
    decimal: str | None = None,
    *,
    field: str | None = None,
    rows: pd.Series | None = None,
    source: str = "",
) -> tuple[pd.Series, pd.Series]:
    """Parse amounts written as numbers or text like ``'¥1,299.00'``, ``'1.299,00 €'``, ``'1 299,00'``, ``'(12.00)'``.

    The decimal separator is decided for the whole column: ``decimal``
    (``point`` or ``comma``) when given, else from the values (a ``1,299.00``
    or ``12.5`` means a decimal point, a ``1.299,00`` or ``12,5`` a decimal
    comma; a lone ``1,299`` is 1299). The other separator, spaces and ``'`` group
    thousands.

    Parameters
    ----------
    values
        The column as read.
    decimal
        ``point`` or ``comma`` (the source's ``decimal``); detected when None.
    field
        The params key of the column (e.g. ``sources.transactions.columns.amount``).
        When given, a column whose values contradict each other (``1.299,00``
        next to ``1,299.00``, or only ``1.299``-like values that can be read
        both ways) is refused; without it each such value is read by its own
        separators.
    rows
        Row numbers for the message (the ``raw_row`` of each value).
    source
        The file, for the message.

    Returns
    -------
    (amounts, was_text)
        float64 amounts (NaN where unusable; ``inf`` written out stays
        infinite, see :func:`non_finite`) and a mask of the values that needed
        more than a plain number parse.

    Raises
    ------
    DataError
        With ``field``: the column mixes decimal conventions, naming example rows
        and ``decimal:``.
    """
    if pd.api.types.is_numeric_dtype(values):
        return values.astype("float64"), pd.Series(False, index=values.index)
    text = values.astype("string").str.strip()
    body, negative = _number_body(text)
    evidence = _separator_evidence(body)
    if decimal is None:
        point, comma = evidence["point"], evidence["comma"]
        amb_comma, amb_point = evidence["ambiguous_comma"], evidence["ambiguous_point"]
        if point.any() and comma.any():
            if field is not None:
                raise _mixed_decimal_error(
                    body, text, comma, point, ("has a decimal comma", "a decimal point"), field, rows, source
                )
            decimal = "mixed"
        elif point.any() or comma.any():
            decimal = "point" if point.any() else "comma"
        elif amb_point.any() and field is not None:
            if amb_comma.any():
                raise _mixed_decimal_error(
                    body, text, amb_point, amb_comma, ("has a dot before three digits", "a comma"), field, rows, source
                )
            raise _ambiguous_decimal_error(text, amb_point, field, rows, source)
        else:
            decimal = "point"
    if decimal == "mixed":  # each value by its own separators (only without a field to refuse)
        by_comma = evidence["comma"]
        parsed = _read_body(body, "point").where(~by_comma, _read_body(body, "comma"))
    else:
        parsed = _read_body(body, decimal)
    parsed = parsed.where(~negative, -parsed)
    plain = pd.to_numeric(text.where(~text.str.contains(",", regex=False).fillna(False)), errors="coerce")
    if decimal == "comma":
        plain = plain.where(~text.str.contains(".", regex=False).fillna(False))
    finite_plain = plain.notna()
    out = plain.astype("float64").where(finite_plain, parsed)
    needs = ~finite_plain & text.notna() & (text != "")
    return out.astype("float64"), (needs & out.notna()).astype(bool)


def _ambiguous_decimal_error(
    text: pd.Series, ambiguous: pd.Series, field: str, rows: pd.Series | None, source: str
) -> DataError:
    row_no = rows if rows is not None else pd.Series(np.arange(1, len(text) + 1), index=text.index)
    example = str(text[ambiguous].iloc[0])
    shown = ", ".join(str(int(r)) for r in row_no[ambiguous].head(3)) + (" …" if ambiguous.sum() > 3 else "")
    rows_word = "data rows" if ambiguous.sum() > 1 else "data row"
    key = field.rsplit(".columns.", 1)[0] + ".decimal" if ".columns." in field else "decimal"
    prefix = f"{source}: " if source else ""
    return DataError(
        f"{prefix}{field}: values like {clip(example, 40)} ({rows_word} {shown}) can be read with a decimal comma "
        f"(the dot groups thousands: 1.299 is 1299) or a decimal point (1.299), and no other value of the column "
        f"tells which; set {key}: comma or point"
    )


def parse_dates(
    values: pd.Series, date_format: str | None = None, day_first: bool = False, timezone: str | None = None
) -> tuple[pd.Series, pd.Series]:
    """Parse dates in mixed formats, vectorised.

    ISO 8601 is tried first, then :data:`DATE_FORMATS`, then slash dates
    (day-first or month-first by ``day_first``). With ``date_format`` only that
    format is used.

    A value with a UTC offset (``2026-01-31T23:30:00+08:00``, ``…Z``) becomes the
    client's local wall-clock time: converted to ``timezone`` (e.g.
    ``Asia/Shanghai``) when given, else the offset is dropped and the time kept
    as written. Never UTC: the calendar day is the one the client's customer saw.

    Returns
    -------
    (dates, non_standard)
        datetime64[ns] values (NaT where unusable) and a mask of values written in
        a format other than the column's most common one.
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        out = values
        if getattr(out.dt, "tz", None) is not None:
            out = (out.dt.tz_convert(timezone) if timezone else out).dt.tz_localize(None)
        return out.astype("datetime64[ns]"), pd.Series(False, index=values.index)
    text = values.astype(TEXT).str.strip()
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
        iso = text[iso_like]
        offset = iso.str.contains(_OFFSET_RE, regex=True).fillna(False).astype(bool)
        local = pd.to_datetime(iso.str.replace(_OFFSET_RE, "", regex=True), format="ISO8601", errors="coerce")
        if timezone and offset.any():  # the instant, on the client's clock
            aware = pd.to_datetime(iso[offset], format="ISO8601", errors="coerce", utc=True)
            local[offset] = aware.dt.tz_convert(timezone).dt.tz_localize(None).to_numpy()
        out[iso_like] = local.astype("datetime64[ns]").to_numpy()
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
    text = unread.astype(TEXT).str.strip().dropna()
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


def check_share(bad: pd.Series, considered: pd.Series, raw: pd.Series, what: str, source: str, fix: str) -> None:
    """Refuse a column whose considered values are mostly unreadable (more than half): the mapping is wrong."""
    n = int(considered.sum())
    if n == 0:
        return
    share = float((bad & considered).sum()) / n
    if share > _MAX_BAD_SHARE:
        examples = ", ".join(clip(v, 60) for v in raw[bad & considered].astype(str).unique()[:3])
        raise DataError(f"{source}: {share:.0%} of {what} values cannot be read (e.g. {examples}); {fix}")
