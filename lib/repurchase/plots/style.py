"""Chart style of the reports.

:func:`use_report_style` is called explicitly by a notebook (never on import):
it sets the seaborn theme for that kernel only.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import seaborn as sns
from matplotlib.axes import Axes

__all__ = ["ACCENT", "BAD", "GOOD", "NEUTRAL", "get_ax", "use_report_style"]

#: colours used across reports: good / bad / neutral / accent
GOOD, BAD, NEUTRAL, ACCENT = "#2a9d8f", "#e76f51", "#8d99ae", "#264653"


def use_report_style() -> None:
    """Apply the report theme (seaborn whitegrid, readable sizes) in this kernel."""
    sns.set_theme(style="whitegrid", context="notebook", palette="deep")
    plt.rcParams.update(
        {
            "figure.figsize": (9, 4.5),
            "figure.dpi": 100,
            "axes.titleweight": "bold",
            "axes.titlesize": 12,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )


def get_ax(ax: Axes | None, figsize: tuple[float, float] | None = None) -> Axes:
    """Return ``ax``, or the axes of a new figure."""
    if ax is not None:
        return ax
    _, new_ax = plt.subplots(figsize=figsize)
    return new_ax
