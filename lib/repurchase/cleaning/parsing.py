"""Value parsers of the cleaning rules: IDs, amounts written as text, dates in mixed formats.

All vectorised; each returns the parsed values and a mask of the values that
needed a repair, so the rules can count the fixes (see :mod:`repurchase.cleaning.rules`).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from repurchase.core.errors import DataError

__all__ = ["DATE_FORMATS", "check_share", "date_fix_hint", "normalize_ids", "parse_amounts", "parse_dates"]

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


def check_share(bad: pd.Series, considered: pd.Series, raw: pd.Series, what: str, source: str, fix: str) -> None:
    """Refuse a column whose considered values are mostly unreadable (more than half): the mapping is wrong."""
    n = int(considered.sum())
    if n == 0:
        return
    share = float((bad & considered).sum()) / n
    if share > _MAX_BAD_SHARE:
        examples = ", ".join(repr(v) for v in raw[bad & considered].astype(str).unique()[:3])
        raise DataError(f"{source}: {share:.0%} of {what} values cannot be read (e.g. {examples}); {fix}")
