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

__all__ = ["ID_COLUMNS", "HTMLTable", "RichHTML", "SafeMarkdown", "render", "say", "show_table"]

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
            f'<td class="{"num" if numeric[c] else "txt"}">{html.escape(_format_value(v, formats.get(c)))}</td>'
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


def _kind_formats(formats: Mapping[str, str], currency: str) -> dict[str, str]:
    """``str.format`` specs for the named formats of a :class:`Table` (see ``FORMAT_KINDS``)."""
    symbol = CURRENCY_SYMBOLS.get(currency.upper(), f"{currency} ") if currency else ""
    kinds = {"money": symbol.replace("{", "{{").replace("}", "}}") + "{:,.2f}", "count": "{:,.0f}", "share": "{:.1%}"}
    return {col: kinds.get(fmt, fmt) for col, fmt in formats.items()}


def _table(table: Table, lang: str, currency: str, mask: Callable[[pd.Series], pd.Series]) -> HTMLTable:
    frame = table.frame.copy()
    for col in ID_COLUMNS:
        if col in frame.columns:
            frame[col] = mask(frame[col])
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
