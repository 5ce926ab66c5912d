"""Seaborn/matplotlib charts for the reports.

Every plot function takes ``ax=None`` (a new figure when omitted) and returns
the ``Axes``. One submodule per analysis; each defines ``__all__`` and is
re-exported here, so notebooks call ``plots.plot_...``. Importing this package
changes no global state; notebooks call :func:`use_report_style` explicitly.
"""

from __future__ import annotations

from repurchase.plots.churn import *
from repurchase.plots.cleaning import *
from repurchase.plots.lifetime_value import *
from repurchase.plots.repurchase import *
from repurchase.plots.satisfaction import *
from repurchase.plots.segments import *
from repurchase.plots.style import *
