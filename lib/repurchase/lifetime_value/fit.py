"""Maximum-likelihood fits: weighted distinct rows, one retry with a penalizer, standard errors.

:func:`fit_model` fits one model class (its ``estimate``: lifetimes' fitter for BG/NBD,
MBG/NBD and Gamma-Gamma, the package's vectorized L-BFGS for Pareto/NBD) on the distinct
(frequency, recency, T) rows (or (frequency, monetary value) for Gamma-Gamma)
weighted by how many customers share them: the same estimates as the full data,
much faster. A fit that fails (optimiser error, non-positive or non-finite
estimates, a singular or indefinite information matrix) is retried once with a
small penalizer, and the retry is recorded in the :class:`FitResult`.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from repurchase.core import i18n
from repurchase.core.errors import AnalysisError, InsufficientData
from repurchase.lifetime_value._common import isolated, rfm_columns
from repurchase.lifetime_value.models import TRANSACTION_MODELS, GammaGamma, Model, TransactionModel, model_class

__all__ = [
    "FAILURE_CODES",
    "FitResult",
    "ModelFits",
    "fit_model",
    "fit_spend",
    "fit_transaction_models",
    "purchase_probabilities",
]

#: why a fit failed: codes of the catalog texts ``lifetime_value.fail.<code>``
FAILURE_CODES = ("optimiser", "not_positive", "not_finite", "singular", "not_maximum")


def failure_text(code: str, lang: str) -> str:
    """Why a fit failed, in ``lang``."""
    return i18n.t(f"lifetime_value.fail.{code}", lang) if code in FAILURE_CODES else code


@dataclass(frozen=True)
class FitResult:
    """A fitted model with its uncertainty and how the fit went.

    Attributes
    ----------
    model
        The fitted model (:class:`~repurchase.lifetime_value.models.BGNBD` …),
        holding the estimates (rates in its ``time_unit``).
    standard_errors
        Delta-method standard errors from the observed information.
    covariance_log
        Covariance of the log-parameters (used for bootstrap draws).
    log_likelihood
        Log-likelihood of the data at the estimates (without the penalty).
    n_customers, n_unique
        Customers fitted, and distinct rows actually fitted (weights).
    penalizer
        L2 penalizer of the final fit (0 = plain maximum likelihood).
    retried, retry_reason
        Whether the first fit failed and was redone with a penalizer, and why
        (in English, with the optimiser's own message when there is one).
    notes
        Other warnings about the fit, as (catalog key, values).
    retry_code
        Why the first fit failed, as a code (one of :data:`FAILURE_CODES`).
    """

    model: Model
    standard_errors: dict[str, float]
    covariance_log: np.ndarray = field(repr=False)
    log_likelihood: float
    n_customers: int
    n_unique: int
    penalizer: float = 0.0
    retried: bool = False
    retry_reason: str | None = None
    notes: tuple[tuple[str, dict[str, str]], ...] = ()
    retry_code: str | None = None

    @property
    def code(self) -> str:
        """The model's code (``bgnbd`` …)."""
        return self.model.code

    @property
    def params(self) -> dict[str, float]:
        """The estimates."""
        return dict(self.model.params)

    @property
    def time_unit(self) -> str:
        return self.model.time_unit

    @property
    def label(self) -> str:
        return self.model.label

    @property
    def n_params(self) -> int:
        return self.model.n_params

    @property
    def aic(self) -> float:
        return 2 * self.n_params - 2 * self.log_likelihood

    @property
    def bic(self) -> float:
        return self.n_params * math.log(self.n_customers) - 2 * self.log_likelihood

    def table(self) -> pd.DataFrame:
        """Parameters with standard errors and 95% intervals (tidy).

        The intervals are Wald intervals on the log scale, exp(log θ ± 1.96 se(log θ)),
        so they stay positive like the parameters.
        """
        names = list(self.params)
        est = np.array([self.params[n] for n in names])
        se = np.array([self.standard_errors[n] for n in names])
        with np.errstate(over="ignore"):  # a parameter the data do not bound: an infinite upper limit
            se_log = np.sqrt(np.diag(self.covariance_log))
            low, high = est * np.exp(-1.96 * se_log), est * np.exp(1.96 * se_log)
        return pd.DataFrame(
            {
                "model": self.label,
                "parameter": names,
                "estimate": est,
                "std_error": se,
                "ci95_low": low,
                "ci95_high": high,
            }
        )

    def draw(self, draws: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Parameter draws from the asymptotic normal distribution of the log-parameters."""
        names = list(self.params)
        mean = np.log([self.params[n] for n in names])
        z = rng.multivariate_normal(mean, self.covariance_log, size=draws, method="eigh")
        with np.errstate(over="ignore"):  # parameters the data do not bound run off to infinity
            return {n: np.exp(z[:, i]) for i, n in enumerate(names)}


def weighted_unique(columns: Sequence[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Distinct rows of the given columns, their counts, and each input row's distinct-row index."""
    frame = pd.DataFrame(dict(enumerate(columns)))
    codes = frame.groupby(list(frame.columns), sort=True, observed=True).ngroup().to_numpy()
    counts = np.bincount(codes)
    first = np.zeros(len(counts), dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes))[::-1]
    return [np.asarray(c)[first] for c in columns], counts.astype(float), codes


_MESSAGE_RE = re.compile(r"message:\s*(.+)")


def _optimiser_message(printed: str, exc: BaseException) -> str:
    found = _MESSAGE_RE.search(printed)
    if found:
        return "optimiser: " + found.group(1).strip().rstrip(".")
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


class _FitFailure(Exception):
    """A fit that failed or ended somewhere useless; the message says why, ``code`` names it."""

    def __init__(self, code: str, message: str | None = None):
        super().__init__(message or failure_text(code, "en"))
        self.code = code


def _fit_once(
    cls: type[Model], data: Sequence[np.ndarray], weights: np.ndarray, penalizer: float
) -> tuple[dict[str, float], np.ndarray]:
    """One fit (the model's ``estimate``); returns the estimates and the covariance of the log-parameters.

    Raises ``_FitFailure`` with a reason when the fit fails or is degenerate.
    """
    printed = io.StringIO()
    try:
        with isolated(), contextlib.redirect_stdout(printed), np.errstate(all="ignore"):
            params, hess = cls.estimate(data, weights, penalizer)
    except AnalysisError:
        raise
    except Exception as exc:  # ConvergenceError, LinAlgError, FloatingPointError …
        raise _FitFailure("optimiser", _optimiser_message(printed.getvalue(), exc)) from exc
    if not all(np.isfinite(v) and v > 0 for v in params.values()):
        raise _FitFailure("not_positive")
    if not np.all(np.isfinite(hess)):
        raise _FitFailure("not_finite")
    try:
        cov = np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        raise _FitFailure("singular") from None
    cov = 0.5 * (cov + cov.T)
    if not np.all(np.linalg.eigvalsh(cov) > 0):
        raise _FitFailure("not_maximum")
    return params, cov


def fit_model(
    summary: pd.DataFrame,
    model: type[Model] | str,
    *,
    penalizer: float = 0.0,
    retry_penalizer: float = 1e-3,
    weighted: bool = True,
    time_unit: str | None = None,
) -> FitResult:
    """Fit one model class (or Gamma-Gamma) by maximum likelihood, as lifetimes defines it.

    Parameters
    ----------
    summary
        From :func:`~repurchase.lifetime_value.customer_summary` (columns ``frequency``,
        ``recency``, ``T``, ``monetary_value``) or
        :func:`~repurchase.lifetime_value.calibration_holdout_summary` (``*_cal``).
    model
        The class (:class:`BGNBD`, :class:`ParetoNBD`, :class:`MBGNBD` or
        :class:`GammaGamma`) or its code. Gamma-Gamma is fitted on repeat
        customers with a positive monetary value.
    penalizer
        L2 penalizer of the first fit (lifetimes' ``penalizer_coef``).
    retry_penalizer
        Penalizer of the single retry after a failed first fit (at least 10 ×
        ``penalizer``). The retry is recorded in the result, never hidden.
    weighted
        Fit on distinct rows with counts as ``weights`` (same estimates, faster).
        False passes every customer.
    time_unit
        Unit of recency and T; default ``summary.attrs["time_unit"]`` or ``W``.

    Returns
    -------
    FitResult

    Raises
    ------
    InsufficientData
        When the summary cannot support the model (no repeat buyers, too few
        repeat customers with a spend, an inconsistent summary).
    AnalysisError
        For an unknown model, or when the fit fails even with the retry penalizer.
    """
    cls = model_class(model)
    unit = time_unit or summary.attrs.get("time_unit", "W")
    columns, notes = cls.fit_data(summary)
    n = len(columns[0])
    if weighted:
        data, weights, _ = weighted_unique(columns)
    else:
        data, weights = columns, np.ones(n)
    retried, reason, code = False, None, None
    try:
        params, cov = _fit_once(cls, data, weights, penalizer)
    except _FitFailure as first:
        retried, reason, code = True, str(first), first.code
        penalizer = max(retry_penalizer, 10 * penalizer)
        try:
            params, cov = _fit_once(cls, data, weights, penalizer)
        except _FitFailure as second:
            raise AnalysisError(
                f"{cls.label} did not converge ({first}), and not with penalizer {penalizer:g} either "
                f"({second}). Check the data for bulk buyers or a very short calibration period, set "
                "lifetime_value.penalizer higher (e.g. 0.01), or choose another lifetime_value.model."
            ) from None
    fitted = cls(params, time_unit=unit)
    ll = float((weights * fitted.log_likelihood(*data)).sum())
    se = {name: params[name] * math.sqrt(cov[i, i]) for i, name in enumerate(cls.param_names)}
    return FitResult(
        model=fitted,
        standard_errors=se,
        covariance_log=cov,
        log_likelihood=ll,
        n_customers=n,
        n_unique=len(data[0]),
        penalizer=float(penalizer),
        retried=retried,
        retry_reason=reason,
        notes=(*notes, *fitted.fit_notes()),
        retry_code=code,
    )


@dataclass(frozen=True)
class ModelFits:
    """Fits of several transaction models by code; ``failures`` maps a model to why it failed (English)."""

    fits: dict[str, FitResult]
    failures: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, model: str) -> FitResult:
        if model not in self.fits:
            why = self.failures.get(model, "it was not fitted")
            label = model_class(model).label if model in TRANSACTION_MODELS else model
            raise AnalysisError(f"no {label} fit: {why}")
        return self.fits[model]

    def __iter__(self) -> Iterator[str]:
        return iter(self.fits)

    def __len__(self) -> int:
        return len(self.fits)

    def table(self) -> pd.DataFrame:
        """All parameters with standard errors (tidy)."""
        return pd.concat([f.table() for f in self.fits.values()], ignore_index=True)


def fit_transaction_models(
    summary: pd.DataFrame,
    models: Sequence[str | type[Model]] = TRANSACTION_MODELS,
    *,
    penalizer: float = 0.0,
    retry_penalizer: float = 1e-3,
    weighted: bool = True,
) -> ModelFits:
    """Fit several transaction models; a model that fails is recorded, not fatal.

    Raises
    ------
    AnalysisError
        When every model fails (the first failure's message is included).
    """
    fits = fit_models(summary, models, penalizer=penalizer, retry_penalizer=retry_penalizer, weighted=weighted)
    if not fits.fits:
        raise AnalysisError("no purchase model could be fitted: " + "; ".join(fits.failures.values()))
    return fits


def fit_models(summary: pd.DataFrame, models: Sequence[str | type[Model]], **fit_kw: Any) -> ModelFits:
    """Fit several transaction models; failures are recorded (possibly all of them), unusable data raise."""
    fits: dict[str, FitResult] = {}
    failures: dict[str, str] = {}
    for model in models:
        cls = model_class(model)
        if not issubclass(cls, TransactionModel):
            raise AnalysisError(f"unknown transaction model {model!r}; use {', '.join(TRANSACTION_MODELS)}")
        try:
            fits[cls.code] = fit_model(summary, cls, **fit_kw)
        except InsufficientData:
            raise
        except AnalysisError as exc:
            failures[cls.code] = str(exc)
    return ModelFits(fits, failures)


def fit_spend(
    summary: pd.DataFrame, *, penalizer: float = 0.0, retry_penalizer: float = 1e-3, weighted: bool = True
) -> FitResult:
    """Fit Gamma-Gamma on repeat customers with a positive mean spend (see :func:`fit_model`)."""
    return fit_model(summary, GammaGamma, penalizer=penalizer, retry_penalizer=retry_penalizer, weighted=weighted)


def purchase_probabilities(
    model: TransactionModel | FitResult, summary: pd.DataFrame, days: float, *, customer_col: str = "customer_id"
) -> pd.DataFrame:
    """P(alive), P(buy again within ``days``) and P(no purchase within ``days``) per customer of a summary.

    For a backtest at any cutoff: ``customer_summary(tx, Window.ending(cutoff), occasion=...)``,
    ``fit_model(summary, BGNBD)``, then this.

    Parameters
    ----------
    model
        A fitted transaction model (or its :class:`FitResult`), in the summary's time unit.
    summary
        The customers, from :func:`~repurchase.lifetime_value.customer_summary`.
    days
        The horizon in days (converted to the model's time unit: 90 days = 12.857 weeks).

    Returns
    -------
    pandas.DataFrame
        In the summary's order: ``customer_id``, ``frequency``, ``recency``, ``T``
        (model time unit), ``p_alive``, ``p_buy_again`` and ``p_no_purchase``.
    """
    fitted = model.model if isinstance(model, FitResult) else model
    if not isinstance(fitted, TransactionModel):
        raise AnalysisError(f"{fitted.label} is not a purchase model; pass a BG/NBD, Pareto/NBD or MBG/NBD fit.")
    f_col, r_col, t_col, _ = rfm_columns(summary)
    x, tx, T = (summary[c].to_numpy(float) for c in (f_col, r_col, t_col))
    t = fitted.units(days)
    p_buy = fitted.p_buy_again(t, x, tx, T)
    return pd.DataFrame(
        {
            "customer_id": summary[customer_col].to_numpy(),
            "frequency": x,
            "recency": tx,
            "T": T,
            "p_alive": fitted.p_alive(x, tx, T),
            "p_buy_again": p_buy,
            "p_no_purchase": 1.0 - p_buy,
        }
    )
