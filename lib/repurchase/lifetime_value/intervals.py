"""Predictive intervals: purchases and CLV including the purchase process's own randomness, and their holdout check.

The intervals of :func:`~repurchase.lifetime_value.customer_lifetime_value` redraw
the parameters only (parametric bootstrap): they say how uncertain the *expected*
purchases are, not how many purchases a customer will make. For one customer the
purchase process's own randomness dominates. Here every simulation takes one
parameter draw (parameter uncertainty) and draws each customer's future from the
posterior given (x, t_x, T) under it
(:meth:`~repurchase.lifetime_value.models.TransactionModel.simulate_future`:
alive or not, purchase rate, dropout, then the purchases of the horizon), so the
quantiles of the simulations are **predictive** intervals.

* :func:`holdout_coverage` checks them on the holdout: the share of calibration
  customers whose holdout purchases fall inside their 90% interval, next to the
  parameter-only intervals' coverage and the total's interval.
* :func:`predictive_intervals` gives per-customer and total predictive intervals
  of purchases and CLV over the horizon.

Purchase counts are whole numbers, so an interval [lo, hi] holds at least its
nominal probability (often more: for a customer with P(0) = 0.93 the 90%
interval is [0, 1] and holds 97%). The coverage check therefore splits ties at
the bounds: a customer whose count y sits on a bound counts as the share of the
predictive probability of y that lies inside the central 90% (the expected
coverage of the randomized PIT, Czado, Gneiting & Held 2009); this is 90% when
the predictive distributions are right. The coverage counting bounds whole is
reported too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from repurchase.core.errors import AnalysisError
from repurchase.lifetime_value._common import DAYS_PER_MONTH, rfm_columns
from repurchase.lifetime_value.fit import FitResult
from repurchase.lifetime_value.models import TransactionModel

__all__ = [
    "INTERVAL_KINDS",
    "IntervalCheck",
    "PredictiveIntervals",
    "holdout_coverage",
    "predictive_intervals",
    "split_tie_coverage",
]

#: the two kinds of interval the reports show: parameter uncertainty only, or predictive (also the purchases' luck)
INTERVAL_KINDS = ("parameter", "predictive")
#: values simulated at once (simulations × customers)
MEMORY_ELEMENTS = 1_000_000


def _model(fit: FitResult) -> TransactionModel:
    if not isinstance(fit.model, TransactionModel):
        raise AnalysisError(f"{fit.label} is not a purchase model; pass a BG/NBD, Pareto/NBD or MBG/NBD fit.")
    return fit.model


def _drawn_model(fit: FitResult, sims: int, rng: np.random.Generator, parameters: bool) -> TransactionModel:
    """The model with ``sims`` parameter draws of shape (sims, 1), or the estimates repeated (no parameter draws).

    Draws that overflow are replaced by the estimates (they are rare; the CLV
    interval reports the same draws as undefined when most are unusable).
    """
    model = _model(fit)
    est = {k: np.full((sims, 1), float(v)) for k, v in model.params.items()}
    if not parameters:
        return model.with_params(est)
    try:
        drawn = fit.draw(sims, rng)
    except (ValueError, np.linalg.LinAlgError, AttributeError, TypeError):  # no covariance: estimates only
        return model.with_params(est)
    valid = np.logical_and.reduce([np.isfinite(v) & (v > 0) for v in drawn.values()])
    return model.with_params({k: np.where(valid, drawn[k], est[k][:, 0])[:, None] for k in model.param_names})


def _simulate(
    model: TransactionModel, rng: np.random.Generator, t: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray
) -> Iterator[tuple[slice, np.ndarray]]:
    """Simulated purchases (sims, chunk) for consecutive chunks of customers."""
    sims = int(np.asarray(next(iter(model.params.values()))).shape[0])
    step = max(1, MEMORY_ELEMENTS // max(1, sims))
    for start in range(0, len(x), step):
        part = slice(start, min(len(x), start + step))
        with np.errstate(all="ignore"):
            yield part, model.simulate_future(rng, t[part], x[part], tx[part], T[part])


def split_tie_coverage(sims: np.ndarray, observed: np.ndarray, level: float = 0.9) -> np.ndarray:
    """Per customer, the share of the observed count's predictive probability inside the central ``level``.

    With F the simulated predictive distribution function, a count y covers
    |[F(y − 1), F(y)] ∩ [(1 − level)/2, (1 + level)/2]| / (F(y) − F(y − 1)), or
    1/0 when y has no simulated mass (F(y) inside the central range or not).
    Averaged over customers it is ``level`` when the predictive distributions are right.

    Parameters
    ----------
    sims
        Simulated counts, shape (simulations, customers).
    observed
        The observed counts, shape (customers,).
    """
    lo_q, hi_q = (1 - level) / 2, (1 + level) / 2
    below = (sims < observed).mean(axis=0)
    upto = (sims <= observed).mean(axis=0)
    mass = upto - below
    overlap = np.clip(np.minimum(upto, hi_q) - np.maximum(below, lo_q), 0.0, None)
    point = ((upto >= lo_q) & (upto <= hi_q)).astype(float)
    return np.where(mass > 0, overlap / np.where(mass > 0, mass, 1.0), point)


@dataclass(frozen=True)
class IntervalCheck:
    """How the intervals of holdout purchases did on the holdout.

    Attributes
    ----------
    model
        Code of the purchase model checked.
    level
        Nominal level (0.9).
    customers, simulations
        Calibration customers and simulations per customer.
    coverage
        Share of customers whose holdout purchases lie in their predictive
        interval, ties at the bounds split (:func:`split_tie_coverage`).
    coverage_inclusive
        The same with the bounds counted whole (at least ``level`` by construction
        for whole counts; above it when most customers buy 0 or 1 times).
    parameter_coverage
        Share inside the parameter-only interval of their expected purchases
        (bounds included), the kind of interval the CLV table shows.
    total_actual, total_estimate, total_low, total_high
        Holdout repeat purchases of all calibration customers: actual, expected,
        and the predictive interval of the total.
    total_parameter_low, total_parameter_high
        The parameter-only interval of the total.
    """

    model: str
    level: float
    customers: int
    simulations: int
    coverage: float
    coverage_inclusive: float
    parameter_coverage: float
    total_actual: float
    total_estimate: float
    total_low: float
    total_high: float
    total_parameter_low: float
    total_parameter_high: float

    @property
    def total_inside(self) -> bool:
        """Whether the actual holdout total lies in its predictive interval."""
        return bool(self.total_low <= self.total_actual <= self.total_high)


def holdout_coverage(
    calibration: pd.DataFrame,
    fit: FitResult,
    *,
    level: float = 0.9,
    simulations: int = 200,
    parameter_uncertainty: bool = True,
    seed: int = 0,
) -> IntervalCheck:
    """Coverage of the ``level`` predictive intervals of holdout purchases, per customer and in total.

    Parameters
    ----------
    calibration
        From :func:`~repurchase.lifetime_value.calibration_holdout_summary`.
    fit
        A purchase model fitted on it.
    simulations
        Simulations per customer (each with its own parameter draw).
    parameter_uncertainty
        Draw the parameters per simulation (False: the estimates only, e.g. to
        check the purchase process alone against known parameters).
    """
    if not 0 < level < 1:
        raise AnalysisError(f"level {level} must be between 0 and 1, e.g. 0.9.")
    if simulations < 10:
        raise AnalysisError(f"simulations {simulations} must be at least 10.")
    rng = np.random.default_rng(seed)
    x, tx, T = (calibration[c].to_numpy(float) for c in ("frequency_cal", "recency_cal", "T_cal"))
    t = calibration["duration_holdout"].to_numpy(float)
    y = calibration["frequency_holdout"].to_numpy(float)
    model = _drawn_model(fit, simulations, rng, parameter_uncertainty)
    lo_q, hi_q = (1 - level) / 2, (1 + level) / 2
    split, inclusive, param_in = np.empty(len(x)), np.empty(len(x)), np.empty(len(x))
    totals, param_totals = np.zeros(simulations), np.zeros(simulations)
    for part, sims in _simulate(model, rng, t, x, tx, T):
        obs = y[part]
        split[part] = split_tie_coverage(sims, obs, level)
        lo, hi = np.quantile(sims, [lo_q, hi_q], axis=0, method="inverted_cdf")
        inclusive[part] = (obs >= lo) & (obs <= hi)
        with np.errstate(all="ignore"):
            expected = model.conditional_expected_purchases(t[part], x[part], tx[part], T[part])  # (sims, chunk)
        p_lo, p_hi = np.quantile(expected, [lo_q, hi_q], axis=0)
        param_in[part] = (obs >= p_lo) & (obs <= p_hi)
        totals += sims.sum(axis=1)
        param_totals += expected.sum(axis=1)
    point = _model(fit).conditional_expected_purchases(t, x, tx, T)
    t_lo, t_hi = np.quantile(totals, [lo_q, hi_q])
    pt_lo, pt_hi = np.quantile(param_totals, [lo_q, hi_q])
    return IntervalCheck(
        fit.code, level, len(x), simulations, float(split.mean()), float(inclusive.mean()), float(param_in.mean()),
        float(y.sum()), float(point.sum()), float(t_lo), float(t_hi), float(pt_lo), float(pt_hi),
    )  # fmt: skip


#: columns :func:`predictive_intervals` adds per customer
PREDICTIVE_COLUMNS = ("purchases_predictive_low", "purchases_predictive_high", "clv_predictive_low",
                      "clv_predictive_high")  # fmt: skip


@dataclass(frozen=True)
class PredictiveIntervals:
    """Per-customer and total predictive intervals over the CLV horizon.

    Attributes
    ----------
    customers
        ``customer_id`` (or the summary's customer column) and :data:`PREDICTIVE_COLUMNS`.
    totals
        ``quantity`` (``clv``, ``expected_purchases``), ``estimate``, ``low``, ``high``, ``interval`` (``predictive``).
    level, simulations
        The interval level and the simulations it rests on.
    """

    customers: pd.DataFrame
    totals: pd.DataFrame
    level: float
    simulations: int

    def total(self, quantity: str = "clv") -> tuple[float, float, float]:
        """Estimate, low and high of a total (``clv`` or ``expected_purchases``)."""
        row = self.totals.set_index("quantity").loc[quantity]
        return float(row["estimate"]), float(row["low"]), float(row["high"])


def predictive_intervals(
    clv_customers: pd.DataFrame,
    fit: FitResult,
    horizon_months: float,
    *,
    level: float = 0.9,
    simulations: int = 200,
    seed: int = 0,
    customer_col: str = "customer_id",
) -> PredictiveIntervals:
    """Predictive intervals of each customer's purchases and CLV over the horizon, and of the totals.

    Each simulation draws the parameters once (parameter uncertainty) and every
    customer's purchases in the horizon from the posterior
    (:meth:`~repurchase.lifetime_value.models.TransactionModel.simulate_future`).
    A simulated CLV is the customer's CLV scaled by simulated ÷ expected
    purchases: the purchases' luck and the parameters' uncertainty are in it;
    the spend per purchase stays at its expectation and each purchase is
    discounted at the customer's average discount.

    Parameters
    ----------
    clv_customers
        ``ClvResult.customers`` (frequency, recency, T, ``expected_purchases``, ``clv``).
    fit
        The purchase model the CLV was computed with (its refit on all data).
    horizon_months
        The CLV horizon.
    """
    if not 0 < level < 1:
        raise AnalysisError(f"level {level} must be between 0 and 1, e.g. 0.9.")
    rng = np.random.default_rng(seed)
    f_col, r_col, t_col, _ = rfm_columns(clv_customers)
    x, tx, T = (clv_customers[c].to_numpy(float) for c in (f_col, r_col, t_col))
    base = _model(fit)
    horizon = float(base.units(DAYS_PER_MONTH * horizon_months))
    t = np.full(len(x), horizon)
    expected = clv_customers["expected_purchases"].to_numpy(float)
    clv = clv_customers["clv"].to_numpy(float)
    value_per_purchase = np.divide(clv, expected, out=np.zeros(len(x)), where=expected > 0)
    model = _drawn_model(fit, simulations, rng, True)
    lo_q, hi_q = (1 - level) / 2, (1 + level) / 2
    cols = {c: np.empty(len(x)) for c in PREDICTIVE_COLUMNS}
    tot_p, tot_v = np.zeros(simulations), np.zeros(simulations)
    for part, sims in _simulate(model, rng, t, x, tx, T):
        value = sims * value_per_purchase[part]
        p = np.quantile(sims, [lo_q, hi_q], axis=0, method="inverted_cdf")
        v = np.quantile(value, [lo_q, hi_q], axis=0, method="inverted_cdf")
        cols["purchases_predictive_low"][part], cols["purchases_predictive_high"][part] = p
        cols["clv_predictive_low"][part], cols["clv_predictive_high"][part] = v
        tot_p += sims.sum(axis=1)
        tot_v += value.sum(axis=1)
    frame = pd.DataFrame({customer_col: clv_customers[customer_col].to_numpy(), **cols})
    totals = pd.DataFrame([
        {"quantity": "clv", "estimate": float(clv.sum()), "low": float(np.quantile(tot_v, lo_q)),
         "high": float(np.quantile(tot_v, hi_q)), "interval": "predictive"},
        {"quantity": "expected_purchases", "estimate": float(expected.sum()), "low": float(np.quantile(tot_p, lo_q)),
         "high": float(np.quantile(tot_p, hi_q)), "interval": "predictive"},
    ])  # fmt: skip
    return PredictiveIntervals(frame, totals, level, simulations)
