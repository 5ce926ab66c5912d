"""A Vega-Lite chart in a report: its spec as escaped JSON, with the chart's reading sentence as alt text."""

from __future__ import annotations

import html
import itertools
import json
from typing import Any

from repurchase.report.display import RichHTML

__all__ = ["VegaChart", "vega_html"]

_ids = itertools.count(1)


class VegaChart(RichHTML):
    """A chart the report page draws with Vega (see :func:`vega_html`); JupyterLab shows it natively."""

    def __init__(self, html_text: str, text: str, spec: dict):
        super().__init__(html_text, text)
        self.spec = spec

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        return {"text/html": self._repr_html_(), "text/plain": repr(self)}


def vega_html(chart: Any, alt_text: str) -> VegaChart:
    """The chart as a ``<figure class="rp-vega">`` with its spec in a JSON script and ``alt_text`` as its label.

    The page draws it once Vega's JavaScript is inlined
    (:func:`repurchase.publish.widgets.add_chart_widgets`); before that (or
    without JavaScript) the figure shows ``alt_text``. Every string in the spec is
    JSON-encoded with ``<``, ``>`` and ``&`` escaped, so data cannot close the script.

    Parameters
    ----------
    chart
        An altair chart (anything with ``to_dict()``) or a Vega-Lite spec dict.
    alt_text
        The chart's reading sentence.
    """
    spec = chart if isinstance(chart, dict) else chart.to_dict()
    payload = (
        json.dumps(spec, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    )
    label = html.escape(alt_text)
    n = next(_ids)
    body = (
        f'<figure class="rp-vega" role="img" aria-label="{label}">'
        f'<div class="rp-vega-view" id="rp-vega-{n}"><p class="rp-vega-alt">{label}</p></div>'
        f'<script type="application/json" class="rp-vega-spec">{payload}</script></figure>'
    )
    return VegaChart(body, alt_text, spec)
