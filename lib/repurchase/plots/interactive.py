"""Interactive charts (Vega-Lite through altair): values on hover, in JupyterLab and in the offline report.

The chart is an ``altair`` chart; a report embeds its spec with
:func:`repurchase.report.vega.vega_html`, and the page gets Vega's JavaScript
inlined once (:func:`repurchase.publish.widgets.add_chart_widgets`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

__all__ = ["kpi_trend_chart"]

_PALETTE = "#264653"


def kpi_trend_chart(
    trends: pd.DataFrame, *, labels: Mapping[str, str] | None = None, columns: int = 5, title: str = ""
) -> Any:
    """Small multiples of monthly KPI lines, one panel per KPI, each with its own y scale.

    Parameters
    ----------
    trends
        Tidy rows: ``kpi`` (the panel's title, in the report language), ``month``
        (``YYYY-MM``), ``value`` (float, NaN where unknown) and ``shown`` (the
        value as the report writes it) and optionally ``month_shown`` (the month as
        the report writes it); ``shown`` and ``month_shown`` make the tooltip.
    labels
        The tooltip's names of ``kpi``, ``month`` and ``value`` (in the report language).
    columns
        Panels per row.
    title
        The chart's title (optional).

    Returns
    -------
    altair.FacetChart
        Lines with a point per month; hovering a point shows the KPI, the month
        and the value as written in the report.
    """
    import altair as alt

    names = {"kpi": "kpi", "month": "month", "value": "value", **(labels or {})}
    data = trends.dropna(subset=["value"])
    if "month_shown" not in data.columns:
        data = data.assign(month_shown=data["month"])
    base = alt.Chart(data).encode(
        x=alt.X("month:O", title=None, axis=alt.Axis(labelAngle=-45, labelFontSize=11, labelOverlap=True)),
        y=alt.Y(
            "value:Q", title=None, axis=alt.Axis(labels=False, ticks=False, grid=True), scale=alt.Scale(zero=False)
        ),
        tooltip=[
            alt.Tooltip("kpi:N", title=names["kpi"]),
            alt.Tooltip("month_shown:N", title=names["month"]),
            alt.Tooltip("shown:N", title=names["value"]),
        ],
    )
    layers = base.mark_line(color=_PALETTE, strokeWidth=2) + base.mark_point(
        color=_PALETTE, filled=True, size=45, opacity=0.9
    )
    chart = (
        layers.properties(width=170, height=90)
        .facet(facet=alt.Facet("kpi:N", title=None, sort=list(dict.fromkeys(data["kpi"]))), columns=columns)
        .resolve_scale(y="independent")
        .configure_header(labelFontSize=13, labelFontWeight="bold", labelColor="#1d2a30")
        .configure_view(stroke=None)
    )
    return chart.properties(title=title) if title else chart
