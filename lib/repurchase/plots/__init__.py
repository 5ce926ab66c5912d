"""Seaborn/matplotlib charts for the reports.

Every plot function takes ``ax=None`` (a new figure when omitted) and returns
the ``Axes``. One submodule per analysis; each defines ``__all__`` and is
re-exported here, so notebooks call ``plots.plot_...``. Importing this package
changes no global state; notebooks call :func:`use_report_style` explicitly.
"""

from __future__ import annotations

from .style import *  # noqa: F401,F403
from .cleaning import *  # noqa: F401,F403
from .segments import *  # noqa: F401,F403
from .satisfaction import *  # noqa: F401,F403
from .churn import *  # noqa: F401,F403
from .repurchase import *  # noqa: F401,F403
from .lifetime_value import *  # noqa: F401,F403
