"""Chart style of the reports.

:func:`use_report_style` is called explicitly by a notebook (never on import):
it sets the seaborn theme for that kernel only.
"""

from __future__ import annotations

import importlib.metadata
from functools import lru_cache
from pathlib import Path

import matplotlib.pyplot as plt
import seaborn as sns
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.ticker import Formatter

from repurchase.core import formatting

__all__ = [
    "ACCENT",
    "BAD",
    "GOOD",
    "NEUTRAL",
    "CompactFormatter",
    "cjk_font_path",
    "get_ax",
    "register_cjk_font",
    "use_report_style",
]

#: colours used across reports: good / bad / neutral / accent
GOOD, BAD, NEUTRAL, ACCENT = "#2a9d8f", "#e76f51", "#8d99ae", "#264653"


#: the PyPI package (in requirements.txt) that ships the CJK font, and the file in it
CJK_FONT_PACKAGE = "pylopdf-fonts-zh-cn"
CJK_FONT_FILE = "pylopdf_fonts_zh_cn/NotoSansSC-Regular.otf"


def cjk_font_path() -> Path | None:
    """Path of the bundled Noto Sans SC font, or None when the package is missing."""
    try:
        path = Path(str(importlib.metadata.distribution(CJK_FONT_PACKAGE).locate_file(CJK_FONT_FILE)))
    except importlib.metadata.PackageNotFoundError:
        return None
    return path if path.exists() else None


@lru_cache(maxsize=1)
def register_cjk_font() -> str | None:
    """Register Noto Sans SC with matplotlib's font manager (this process only).

    Returns the family name to use, or None when the font package is missing.
    The user's matplotlib configuration files are not touched.
    """
    path = cjk_font_path()
    if path is None:
        return None
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def use_report_style() -> None:
    """Apply the report theme in this kernel: seaborn whitegrid, readable sizes,
    and Noto Sans SC (with DejaVu Sans as fallback) so Chinese labels render."""
    sns.set_theme(style="whitegrid", context="notebook", palette="deep")
    cjk = register_cjk_font()
    families = ([cjk] if cjk else []) + ["DejaVu Sans"]
    plt.rcParams.update(
        {
            "font.family": "sans-serif",
            "font.sans-serif": families,
            "figure.figsize": (9, 4.5),
            "figure.dpi": 100,
            "axes.titleweight": "normal",  # the bundled CJK font has no bold face
            "axes.titlesize": 13,
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


class CompactFormatter(Formatter):
    """Axis ticks in the reports' compact units (12.5K, 1.25M; 1.5万, 2亿), decimals set by the tick step.

    The labels of one axis come from :func:`repurchase.core.formatting.format_ticks`,
    so ticks every 250K read ``1.00M, 1.25M`` and never ``1.2M`` for 1.25M; a
    single value (e.g. the cursor position) is written by ``format_number``.

    Parameters
    ----------
    lang
        Report language (``en`` or ``zh``).
    symbol
        Put before every non-zero tick, e.g. ``¥`` (empty: none).
    """

    def __init__(self, lang: str = "en", symbol: str = "") -> None:
        self.lang = lang
        self.symbol = symbol

    def format_ticks(self, values: list[float]) -> list[str]:
        return formatting.format_ticks(list(values), self.lang, self.symbol)

    def __call__(self, x: float, pos: int | None = None) -> str:
        return self.symbol + formatting.format_number(x, self.lang)
