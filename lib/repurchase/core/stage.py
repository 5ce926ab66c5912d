"""How an analysis plugs into a render: a named :class:`Stage` with its declared inputs.

Each analysis package defines one ``STAGE``: the name of its result (also its
section of ``metrics.json``), the results it reads (``requires``), the function
that computes it from an :class:`Inputs` and, optionally, its headline metrics
and its CSV exports. The report layer (:mod:`repurchase.report.pipeline`) runs
each stage once per client and period and keeps the result in the results
store; notebooks, the overview and the exports read it from there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd

from repurchase.core.params import Params
from repurchase.core.periods import Period

__all__ = ["Inputs", "Stage"]


class Inputs(Protocol):
    """What a stage may read: params, the report period, cleaned data and declared results."""

    params: Params
    period: Period

    def transactions(self) -> pd.DataFrame: ...

    def customers(self) -> pd.DataFrame | None: ...

    def surveys(self) -> pd.DataFrame | None: ...

    def cleaning(self, role: str = "transactions") -> Any: ...

    def transactions_as_of(self, cutoff: pd.Timestamp) -> pd.DataFrame: ...

    def result(self, name: str) -> Any: ...


@dataclass(frozen=True)
class Stage:
    """One analysis as the render runs it.

    Attributes
    ----------
    name
        The result's name in the store and its section in ``metrics.json``.
    run
        Computes the result (a dataclass) from the inputs.
    requires
        Names of the results ``run`` reads through ``inputs.result(name)``; any
        other name is refused.
    metrics
        The result's headline figures for ``metrics.json``.
    exports
        ``{path relative to the report folder: table}`` written next to the
        report (CSV with real IDs, for the CRM), e.g. ``{"exports/clv.csv": …}``.
    """

    name: str
    run: Callable[[Inputs], Any]
    requires: tuple[str, ...] = ()
    metrics: Callable[[Any], Mapping[str, Any]] | None = None
    exports: Callable[[Any], Mapping[str, pd.DataFrame]] | None = None
