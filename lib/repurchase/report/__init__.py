"""The report layer: what a notebook needs to show an analysis.

* :mod:`repurchase.report.context`: the :class:`ReportContext` of a notebook (params,
  period, output folder, cleaned data, results, display);
* :mod:`repurchase.report.display`: escaped HTML tables and sentences;
* :mod:`repurchase.report.html`: small HTML pieces (sparklines).
"""

from __future__ import annotations

from repurchase.report.context import ReportContext, default_output_dir, open_report
from repurchase.report.display import HTMLTable, RichHTML, SafeMarkdown, say, show_table

__all__ = [
    "HTMLTable",
    "ReportContext",
    "RichHTML",
    "SafeMarkdown",
    "default_output_dir",
    "open_report",
    "say",
    "show_table",
]
