"""repurchase: customer repurchase analysis (复购分析) helpers behind the notebooks.

Importing the package changes no global state (no pandas options, warning
filters or logging configuration).
"""

from __future__ import annotations

__version__ = "0.1.0"

from repurchase.core.errors import AnalysisError, DataError, ParamsError, RepurchaseError, SourceError
from repurchase.core.params import Params, load_params

__all__ = [
    "AnalysisError",
    "DataError",
    "Params",
    "ParamsError",
    "RepurchaseError",
    "SourceError",
    "__version__",
    "load_params",
]
