"""Safe display: escaped HTML tables and sentences for the reports."""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from repurchase.core import i18n
from repurchase.core.formatting import CURRENCY_SYMBOLS
from repurchase.core.status import Unavailable
from repurchase.core.table import Table

__all__ = [
    "ID_COLUMNS",
    "HTMLTable",
    "RichHTML",
    "SafeMarkdown",
    "mask_frame",
    "register_masking",
    "render",
    "say",
    "show_table",
]

#: Columns holding customer IDs: masked in every table a report shows.
ID_COLUMNS = ("customer_id",)


class RichHTML:
    """Rich-display wrapper for HTML built from escaped values (plain text for the console)."""

    def __init__(self, html_text: str, text: str = ""):
        self._html = html_text
        self._text = text

    def _repr_html_(self) -> str:
        return self._html

    def __repr__(self) -> str:
        return self._text or "(html)"


Mask: TypeAlias = Callable[[pd.Series], pd.Series]

#: an escaped HTML table, and a sentence whose values came from data
HTMLTable: TypeAlias = RichHTML
SafeMarkdown: TypeAlias = RichHTML


def _format_value(value: Any, fmt: str | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT:
        return ""
    if fmt:
        try:
            return fmt.format(value)
        except (ValueError, TypeError):
            return str(value)
    if isinstance(value, (float, np.floating)):
        return f"{value:,.2f}"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def _order(value: Any) -> str:
    """``data-order`` of a numeric cell: its value, so a sortable table sorts by number, not by text.

    Ten significant digits sort every table correctly and never write a run of
    11 digits into the page: a float's full ``repr`` (``1998.13575553584``)
    would read as a mobile number to anyone scanning the page for leaks.
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        return ""
    return f' data-order="{number:.10g}"' if math.isfinite(number) else ""


def show_table(
    frame: pd.DataFrame,
    *,
    formats: Mapping[str, str] | None = None,
    caption: str | None = None,
    max_rows: int = 60,
    index: bool = False,
    more_label: str = "{n} more rows not shown.",
) -> HTMLTable:
    """Display a DataFrame as an HTML table with every value escaped.

    Parameters
    ----------
    frame
        The table.
    formats
        ``{column: "{:.1%}"}`` format strings; numbers get thousands separators
        by default.
    caption
        Optional caption (escaped).
    max_rows
        Rows shown; a note says how many were left out.
    index
        Show the index as the first column.
    """
    formats = dict(formats or {})
    shown = frame.reset_index() if index else frame
    cut = len(shown) - max_rows
    shown = shown.head(max_rows)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in shown.columns)
    body_rows = []
    numeric = {c: pd.api.types.is_numeric_dtype(shown[c]) for c in shown.columns}
    cols = list(shown.columns)
    for row in shown.itertuples(index=False, name=None):  # display only: at most max_rows rows
        cells = "".join(
            f'<td class="num"{_order(v)}>{html.escape(_format_value(v, formats.get(c)))}</td>'
            if numeric[c]
            else f'<td class="txt">{html.escape(_format_value(v, formats.get(c)))}</td>'
            for c, v in zip(cols, row)
        )
        body_rows.append(f"<tr>{cells}</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    more = f'<p class="table-note">{html.escape(more_label.format(n=f"{cut:,}"))}</p>' if cut > 0 else ""
    table = (
        f'<table class="rp-table">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(body_rows)}</tbody></table>{more}'
    )
    return HTMLTable(table, shown.to_string(index=False))


def say(template: str, /, **values: Any) -> SafeMarkdown:
    """A sentence for the report: ``template`` is trusted, ``values`` are escaped.

    ``**text**`` in the template becomes bold. Example::

        say("The top category is {cat} with {share:.1%} of revenue.", cat=name, share=0.31)
    """
    safe = {k: html.escape(v) if isinstance(v, str) else v for k, v in values.items()}
    text = template.format(**values)
    body = html.escape(template, quote=False).format(**safe)
    parts = body.split("**")
    body = "".join(f"<strong>{p}</strong>" if i % 2 else p for i, p in enumerate(parts))
    return SafeMarkdown(f'<p class="rp-say">{body}</p>', text)


def _mask_index(index: pd.Index, mask: Mask) -> pd.Index:
    """``index`` with its levels named in :data:`ID_COLUMNS` masked (others unchanged)."""
    names = list(index.names)
    if not any(n in ID_COLUMNS for n in names):
        return index
    levels = [
        pd.Index(
            mask(pd.Series(index.get_level_values(i))).to_numpy(dtype=object)
            if n in ID_COLUMNS
            else index.get_level_values(i)
        )
        for i, n in enumerate(names)
    ]
    if isinstance(index, pd.MultiIndex):
        return pd.MultiIndex.from_arrays(levels, names=names)
    return pd.Index(levels[0], name=names[0])


def mask_frame(obj: pd.DataFrame | pd.Series, mask: Mask) -> pd.DataFrame | pd.Series:
    """A copy of a DataFrame or Series with its customer IDs masked, for display.

    Masked (with ``mask``, e.g. :meth:`ReportContext.mask_ids`): the columns
    named in :data:`ID_COLUMNS`, index levels with such a name (what
    ``groupby("customer_id")`` gives), and a Series of that name. Everything
    else, and ``obj`` itself, is unchanged.

    Parameters
    ----------
    obj
        What a notebook cell displays.
    mask
        Turns a Series of IDs into what a report may show.
    """
    out = obj.copy(deep=False)
    if isinstance(out, pd.DataFrame):
        for col in ID_COLUMNS:
            if col in out.columns:
                out[col] = mask(out[col])
    elif out.name in ID_COLUMNS:
        out = mask(out)
    out.index = _mask_index(out.index, mask)
    return out


def register_masking(mask: Mask) -> bool:
    """Mask customer IDs in every DataFrame and Series the running IPython kernel displays.

    Registers formatters for ``text/html`` and ``text/plain`` of the current
    IPython shell that show :func:`mask_frame` of the object, so a cell an
    analyst adds (``tx.groupby("customer_id")...head()``) shows masked IDs like
    every table of the report. Called by the report context when a notebook is
    rendered (:func:`repurchase.report.open_report` with an ``output_dir``);
    importing the package registers nothing. Calling it again replaces the mask.

    Returns
    -------
    bool
        False outside IPython (nothing registered).
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the notebooks' kernel
        return False
    shell = get_ipython()
    if shell is None:
        return False
    formatters = shell.display_formatter.formatters

    def as_html(obj: pd.DataFrame | pd.Series) -> str | None:
        shown = mask_frame(obj, mask)
        return shown._repr_html_() if isinstance(shown, pd.DataFrame) else None

    def as_text(obj: pd.DataFrame | pd.Series, p: Any, cycle: bool) -> None:
        p.text(repr(mask_frame(obj, mask)))

    for kind in (pd.DataFrame, pd.Series):
        formatters["text/html"].for_type(kind, as_html)
        formatters["text/plain"].for_type(kind, as_text)
    return True


def _kind_formats(formats: Mapping[str, str], currency: str) -> dict[str, str]:
    """``str.format`` specs for the named formats of a :class:`Table` (see ``FORMAT_KINDS``)."""
    symbol = CURRENCY_SYMBOLS.get(currency.upper(), f"{currency} ") if currency else ""
    kinds = {"money": symbol.replace("{", "{{").replace("}", "}}") + "{:,.2f}", "count": "{:,.0f}", "share": "{:.1%}"}
    return {col: kinds.get(fmt, fmt) for col, fmt in formats.items()}


def _table(table: Table, lang: str, currency: str, mask: Mask) -> HTMLTable:
    frame = mask_frame(table.frame, mask)
    for col, prefix in table.values.items():
        if col in frame.columns:
            frame[col] = i18n.translate_values(frame[col], prefix, lang)
    cat = i18n.catalog(lang)
    formats = {cat.get(f"col.{k}", k): v for k, v in _kind_formats(table.formats, currency).items()}
    return show_table(
        i18n.translate_columns(frame, lang),
        formats=formats,
        caption=table.caption,
        max_rows=table.max_rows,
        index=table.index,
        more_label=i18n.t("report.rows_not_shown", lang, n="{n}"),
    )


def render(
    item: Any, *, lang: str, currency: str = "", mask: Callable[[pd.Series], pd.Series] | None = None, **overrides: Any
) -> RichHTML | None:
    """Display ``item`` (a Table, DataFrame, sentence, Unavailable, list of these, or None) as escaped HTML.

    See :meth:`repurchase.report.context.ReportContext.show`; ``mask`` turns customer
    IDs into what the report may show. Returns None when there is nothing to show.
    """
    if item is None:
        return None
    if isinstance(item, RichHTML):
        return item
    if isinstance(item, str):
        return say("{text}", text=item) if item else None
    if isinstance(item, Unavailable):
        return say("{text}", text=item.text(lang))
    if isinstance(item, (list, tuple)):
        parts = [
            r for r in (render(i, lang=lang, currency=currency, mask=mask, **overrides) for i in item) if r is not None
        ]
        if not parts:
            return None
        return RichHTML("".join(p._repr_html_() for p in parts), "\n".join(repr(p) for p in parts))
    if isinstance(item, pd.DataFrame):
        item = Table(item)
    if isinstance(item, Table):
        table = item.with_(**overrides) if overrides else item
        if table.empty:
            return None if table.unavailable is None else say("{text}", text=table.unavailable.text(lang))
        return _table(table, lang, currency, mask or (lambda ids: ids))
    raise TypeError(f"cannot show a {type(item).__name__}; return a Table, a DataFrame, a sentence or an Unavailable")
