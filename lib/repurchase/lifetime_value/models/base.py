"""The base of every model class: its parameters, their names and time unit, and how lifetimes fits it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd

from repurchase.core.errors import AnalysisError
from repurchase.lifetime_value._common import lifetimes
from repurchase.lifetime_value.models._special import param_arrays

__all__ = ["FitNote", "Model"]

#: a warning about a fit: (catalog key, its values)
FitNote = tuple[str, dict[str, str]]


@dataclass(frozen=True)
class Model:
    """A model with its parameters (fitted, drawn or given).

    Attributes
    ----------
    params
        ``{name: value}`` for every name of :attr:`param_names`; values are
        floats, or arrays that broadcast (bootstrap draws of shape (D, 1)).
        Rates are per :attr:`time_unit`.
    time_unit
        Unit of recency, T and horizons: ``W`` (weeks, default), ``D`` or ``M``.

    Class attributes
    ----------------
    code
        The model's key in params, metrics and the catalog (``lifetime_value.model.<code>``).
    label
        Its name in English (``BG/NBD``), as it appears in tables and chart legends.
    param_names
        The parameters, in lifetimes' order.
    lifetimes_class
        The lifetimes fitter that estimates it.
    published
        The published CDNOW estimates (weeks): the defaults of the simulation.
    """

    params: Mapping[str, Any]
    time_unit: str = "W"

    code: ClassVar[str] = ""
    label: ClassVar[str] = ""
    param_names: ClassVar[tuple[str, ...]] = ()
    lifetimes_class: ClassVar[str] = ""
    published: ClassVar[dict[str, float]] = {}

    def __post_init__(self) -> None:
        names = set(self.params)
        if names != set(self.param_names):
            raise AnalysisError(
                f"{self.label} takes the parameters {', '.join(self.param_names)}; got {', '.join(map(str, self.params))}"
            )
        object.__setattr__(self, "params", {n: self.params[n] for n in self.param_names})

    @property
    def n_params(self) -> int:
        return len(self.param_names)

    def with_params(self, params: Mapping[str, Any]) -> Self:
        """The same model with other parameters (e.g. bootstrap draws)."""
        return replace(self, params=params)

    def arrays(self) -> list[np.ndarray]:
        """The parameters as float arrays, in :attr:`param_names` order."""
        return param_arrays(self.params, self.param_names)

    def log_likelihood(self, *columns: Any) -> np.ndarray:
        """Per-customer log-likelihood of the data columns the model is fitted on."""
        raise NotImplementedError

    # -- fitting (used by repurchase.lifetime_value.fit) -------------------------------------------------

    @classmethod
    def fit_data(cls, summary: pd.DataFrame) -> tuple[list[np.ndarray], list[FitNote]]:
        """The columns the model is fitted on (one array per likelihood argument) and notes about them.

        Raises :class:`repurchase.core.errors.InsufficientData` when the summary cannot support a fit.
        """
        raise NotImplementedError

    @classmethod
    def lifetimes_fit(
        cls, columns: Sequence[np.ndarray], weights: np.ndarray, penalizer: float
    ) -> tuple[dict[str, float], np.ndarray]:
        """One lifetimes fit on weighted rows: the estimates and the Hessian of the negative log-likelihood.

        The Hessian is of the log-parameters and of the summed (not averaged)
        likelihood. The caller isolates lifetimes' global state and turns its
        exceptions into a failed fit.
        """
        lt = lifetimes()
        fitter = getattr(lt, cls.lifetimes_class)(penalizer_coef=penalizer).fit(*columns, weights=weights)
        hess = np.asarray(fitter._hessian_, dtype=float) * float(weights.sum())
        return {n: float(fitter.params_[n]) for n in cls.param_names}, hess

    def fit_notes(self) -> list[FitNote]:
        """Warnings about the fitted parameters (catalog key, values)."""
        return []
