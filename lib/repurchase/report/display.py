"""Safe display: escaped HTML tables and sentences for the reports."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["HTMLTable", "RichHTML", "SafeMarkdown", "say", "show_item", "show_table"]


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
HTMLTable = SafeMarkdown = RichHTML


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
    table = f'<table class="rp-table">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(body_rows)}</tbody></table>{more}'
    return HTMLTable(table, shown.to_string(index=False))


def show_item(ctx: Any, item: pd.DataFrame | str | None, **kwargs: Any) -> Any:
    """Display a table or a sentence of a report, or nothing, so notebook cells need no branches.

    * None, an empty sentence or an empty table: nothing (None: the cell shows no output);
    * a sentence: :func:`say` (escaped; ``**bold**`` kept);
    * a table: ``ctx.show_table(item, **kwargs)`` (IDs masked, headers in the report language).
    """
    if item is None:
        return None
    if isinstance(item, str):
        return say("{text}", text=item) if item else None
    return ctx.show_table(item, **kwargs) if len(item) else None


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
