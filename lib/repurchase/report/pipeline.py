"""The stages of a render, in dependency order, and their on-demand computation.

:data:`STAGE_MODULES` lists the analysis packages; each defines a ``STAGE``
(:class:`repurchase.core.stage.Stage`). :func:`compute` runs a stage's required
stages first, then the stage itself, once: the result goes to the results store
of the report folder (with its metrics), its exports next to the report, and a
line to the store's computation log. Notebooks reach it through
``ctx.result(name)``.
"""

from __future__ import annotations

import importlib
import sys
import time
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from repurchase.core.errors import AnalysisError
from repurchase.core.params import Params
from repurchase.core.periods import Period
from repurchase.core.stage import Stage
from repurchase.core.store import ResultStore

__all__ = ["STAGE_MODULES", "compute", "stage", "stages"]

#: Result name -> the analysis package whose ``STAGE`` computes it, in an order that respects ``requires``.
STAGE_MODULES: Mapping[str, str] = {
    "cleaning": "repurchase.cleaning",
    "repurchase": "repurchase.kpis",
    "segmentation": "repurchase.segments",
    "lifetime_value": "repurchase.lifetime_value",
    "churn": "repurchase.churn",
    "satisfaction": "repurchase.satisfaction",
    "recommendations": "repurchase.recommendations",
    "campaigns": "repurchase.campaigns",
    "monitoring": "repurchase.monitoring",
}


@cache
def stage(name: str) -> Stage:
    """The stage that computes ``name`` (importing only its analysis package)."""
    if name not in STAGE_MODULES:
        raise AnalysisError(f"no analysis computes {name!r}; known results: {', '.join(STAGE_MODULES)}")
    st: Stage = importlib.import_module(STAGE_MODULES[name]).STAGE
    if st.name != name:
        raise AnalysisError(f"{STAGE_MODULES[name]}.STAGE computes {st.name!r}, not {name!r}")
    return st


def stages() -> dict[str, Stage]:
    """Every stage by name, checking that each requires only earlier ones."""
    found: dict[str, Stage] = {}
    for name in STAGE_MODULES:
        st = stage(name)
        unknown = [r for r in st.requires if r not in found]
        if unknown:
            raise AnalysisError(f"stage {name!r} requires {unknown}, which no earlier stage provides")
        found[name] = st
    return found


class ReportContext(Protocol):
    """What the pipeline needs of :class:`repurchase.report.context.ReportContext`."""

    params: Params
    period: Period
    output_dir: Path

    @property
    def store(self) -> ResultStore: ...

    def result_key(self) -> str: ...

    def result(self, name: str) -> Any: ...

    def transactions(self) -> pd.DataFrame: ...

    def customers(self) -> pd.DataFrame | None: ...

    def surveys(self) -> pd.DataFrame | None: ...

    def cleaning(self, role: str = "transactions") -> Any: ...

    def transactions_as_of(self, cutoff: Any) -> pd.DataFrame: ...

    def write_csv(self, frame: pd.DataFrame, relative: str) -> Path: ...


class _Inputs:
    """The context as one stage sees it: results limited to what the stage declares."""

    def __init__(self, ctx: ReportContext, st: Stage):
        self._ctx = ctx
        self._stage = st
        self.params = ctx.params
        self.period = ctx.period

    def transactions(self) -> Any:
        return self._ctx.transactions()

    def customers(self) -> Any:
        return self._ctx.customers()

    def surveys(self) -> Any:
        return self._ctx.surveys()

    def cleaning(self, role: str = "transactions") -> Any:
        return self._ctx.cleaning(role)

    def transactions_as_of(self, cutoff: Any) -> Any:
        return self._ctx.transactions_as_of(cutoff)

    def result(self, name: str) -> Any:
        if name not in self._stage.requires:
            raise AnalysisError(
                f"stage {self._stage.name!r} reads the result {name!r} without declaring it; add it to its requires"
            )
        return self._ctx.result(name)


def _ids_as_written(ctx: ReportContext, frame: pd.DataFrame) -> pd.DataFrame:
    """An export with ``customer_id`` as the client first wrote each ID (matching used the case-folded one)."""
    if "customer_id" not in frame.columns:
        return frame
    from repurchase.cleaning import ids_as_written

    out = frame.copy()
    roles = ("transactions", "customers", "surveys")
    out["customer_id"] = ids_as_written(out["customer_id"], *(ctx.cleaning(role) for role in roles))
    return out


def _progress(line: str) -> None:
    """A progress line on stderr, in one write (a render's notebook thread prints its own lines meanwhile)."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def compute(ctx: ReportContext, name: str) -> Any:
    """Compute the result ``name`` for ``ctx`` (its required results first), store it and return it."""
    st = stage(name)
    for dep in st.requires:
        ctx.result(dep)
    _progress(f"[{ctx.params.client} {ctx.period.label}] computing {name} ...")
    t0 = time.perf_counter()
    result = st.run(_Inputs(ctx, st))
    seconds = time.perf_counter() - t0
    metrics = st.metrics(result) if st.metrics is not None else None
    ctx.store.save(name, result, key=ctx.result_key(), requires=st.requires, metrics=metrics, seconds=round(seconds, 3))
    if st.exports is not None:
        for rel, frame in st.exports(result).items():
            ctx.write_csv(_ids_as_written(ctx, frame), rel)
    _progress(f"[{ctx.params.client} {ctx.period.label}] {name} done in {seconds:.1f} s")
    return result
