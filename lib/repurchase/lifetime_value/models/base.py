"""The base of every model class: its parameters, their names and time unit, and how they are fitted."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd

from repurchase.core.errors import AnalysisError
from repurchase.lifetime_value._common import lifetimes
from repurchase.lifetime_value.models._optimize import Objective, maximise
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
        The lifetimes fitter that estimates it (the reference the tests and ``bench/`` compare with).
    rate_params
        The parameters that are rates per time unit: fitted, as lifetimes does,
        on time rescaled so that the longest T is 1 (which matters only with a
        penalizer).
    likelihood_norm
        What lifetimes divides the summed log-likelihood by: ``sum`` of the
        weights, or their ``mean`` (Pareto/NBD); with a penalizer it sets its weight.
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
    rate_params: ClassVar[tuple[str, ...]] = ()
    likelihood_norm: ClassVar[str] = "sum"

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

    def log_likelihood_grad(self, *columns: Any) -> np.ndarray:
        """The gradient of :meth:`log_likelihood` in the parameters: one array per parameter, stacked first.

        Optional: a model that defines it is fitted with it (one pass over
        the rows per step); one that does not, by numeric differences.
        """
        raise NotImplementedError

    @classmethod
    def has_gradient(cls) -> bool:
        """Whether the model defines :meth:`log_likelihood_grad`."""
        return cls.log_likelihood_grad is not Model.log_likelihood_grad

    # -- fitting (used by repurchase.lifetime_value.fit) -------------------------------------------------

    @classmethod
    def fit_data(cls, summary: pd.DataFrame) -> tuple[list[np.ndarray], list[FitNote]]:
        """The columns the model is fitted on (one array per likelihood argument) and notes about them.

        Raises :class:`repurchase.core.errors.InsufficientData` when the summary cannot support a fit.
        """
        raise NotImplementedError

    @classmethod
    def time_scale(cls, columns: Sequence[np.ndarray]) -> float:
        """lifetimes' rescaling of time for the fit (1 / the longest T); 1 for a model without time."""
        return 1.0

    @classmethod
    def rescaled(cls, columns: Sequence[np.ndarray], scale: float) -> list[np.ndarray]:
        """The fit columns with time multiplied by ``scale``."""
        return list(columns)

    @classmethod
    def estimate(
        cls, columns: Sequence[np.ndarray], weights: np.ndarray, penalizer: float
    ) -> tuple[dict[str, float], np.ndarray]:
        """The fit :func:`~repurchase.lifetime_value.fit_model` uses: estimates and Hessian.

        :meth:`maximum_likelihood`, which finds lifetimes' optimum (to 1e-6,
        tested against :meth:`lifetimes_fit`) several times faster: with the
        analytic gradient, one pass over the distinct rows per step (measured
        in ``bench/lifetime_value.py``).
        """
        return cls.maximum_likelihood(columns, weights, penalizer)

    @classmethod
    def maximum_likelihood(
        cls, columns: Sequence[np.ndarray], weights: np.ndarray, penalizer: float
    ) -> tuple[dict[str, float], np.ndarray]:
        """The maximum-likelihood estimates on weighted rows and the Hessian of the negative log-likelihood.

        The objective is lifetimes' (see :mod:`~repurchase.lifetime_value.models._optimize`):
        same optimum, same penalizer, found by L-BFGS-B on one vectorized
        likelihood call per step. The Hessian is of the log-parameters and of
        the summed (not averaged) likelihood, as :meth:`lifetimes_fit` returns it.

        Raises
        ------
        repurchase.lifetime_value.models._optimize.FitError
            When the optimiser fails; the caller retries with a penalizer.
        """
        names = cls.param_names
        scale = cls.time_scale(columns)
        weights = np.asarray(weights, dtype=float)
        norm = float(weights.sum() if cls.likelihood_norm == "sum" else weights.mean())

        def loglik(p: np.ndarray, data: Sequence[np.ndarray]) -> np.ndarray:
            return cls({n: p[:, i : i + 1] for i, n in enumerate(names)}).log_likelihood(*data)

        def grad(p: np.ndarray, data: Sequence[np.ndarray]) -> np.ndarray:
            return cls({n: p[:, i : i + 1] for i, n in enumerate(names)}).log_likelihood_grad(*data)

        objective = Objective(
            loglik, cls.rescaled(columns, scale), weights, penalizer, norm, grad if cls.has_gradient() else None
        )
        theta, hess = maximise(objective, np.zeros(len(names)))
        params = np.exp(theta)
        return {
            n: float(v / scale if n in cls.rate_params else v) for n, v in zip(names, params, strict=True)
        }, hess * norm

    @classmethod
    def lifetimes_fit(
        cls, columns: Sequence[np.ndarray], weights: np.ndarray, penalizer: float, tol: float = 1e-7
    ) -> tuple[dict[str, float], np.ndarray]:
        """One lifetimes fit on weighted rows: the estimates and the Hessian of the negative log-likelihood.

        The reference for :meth:`maximum_likelihood` (tests, ``bench/``), which
        compare with ``tol=1e-8``: at lifetimes' default 1e-7 BFGS stops about 1e-6
        (relative) short of the optimum on CDNOW, while a tighter tolerance makes
        it report failure on hard data, so fits keep the default. The Hessian is of the log-parameters and of the summed (not averaged)
        likelihood. The caller isolates lifetimes' global state and turns its
        exceptions into a failed fit.
        """
        lt = lifetimes()
        fitter = getattr(lt, cls.lifetimes_class)(penalizer_coef=penalizer).fit(*columns, weights=weights, tol=tol)
        hess = np.asarray(fitter._hessian_, dtype=float) * float(weights.sum())
        return {n: float(fitter.params_[n]) for n in cls.param_names}, hess

    def fit_notes(self) -> list[FitNote]:
        """Warnings about the fitted parameters (catalog key, values)."""
        return []
