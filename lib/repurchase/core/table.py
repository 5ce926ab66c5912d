"""A table as an analysis hands it to the report: the data plus how to show it.

Analyses return :class:`Table` objects from their ``text`` modules; the report
layer (``ReportContext.show``) masks IDs, translates headers (``col.<column>``
catalog entries) and coded values, formats the numbers and escapes everything.
The formats therefore live with the analysis, once, and never in notebook cells.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from repurchase.core.status import Unavailable

__all__ = ["FORMAT_KINDS", "Table"]

#: Named formats a :class:`Table` may use besides ``str.format`` specs such as ``"{:.1%}"``:
#: ``money`` (currency symbol, thousands separators, 2 decimals), ``count`` (whole number with
#: separators), ``share`` (percentage, 1 decimal).
FORMAT_KINDS = ("money", "count", "share")


@dataclass(frozen=True)
class Table:
    """A DataFrame with its display spec.

    Attributes
    ----------
    frame
        The data, with its canonical column names (headers come from the
        ``col.<column>`` catalog entries at display time).
    formats
        ``{column: format}``: a ``str.format`` spec (``"{:.1%}"``) or one of
        :data:`FORMAT_KINDS`. Unformatted numbers get thousands separators.
    caption
        Caption, already in the report language.
    values
        ``{column: catalog prefix}``: coded values translated at display time,
        e.g. ``{"outcome": "outcome"}`` shows ``kept`` as 保留 in Chinese.
    max_rows
        Rows shown; a note says how many were left out.
    index
        Show the index as the first column.
    unavailable
        Why the table is empty (shown instead of it), or None.
    """

    frame: pd.DataFrame
    formats: Mapping[str, str] = field(default_factory=dict)
    caption: str | None = None
    values: Mapping[str, str] = field(default_factory=dict)
    max_rows: int = 60
    index: bool = False
    unavailable: Unavailable | None = None

    @property
    def empty(self) -> bool:
        """True when there is nothing to show but (perhaps) the reason."""
        return len(self.frame) == 0

    def with_(self, **changes: Any) -> Table:
        """A copy with some attributes changed (e.g. ``caption=``, ``max_rows=``)."""
        return replace(self, **changes)
