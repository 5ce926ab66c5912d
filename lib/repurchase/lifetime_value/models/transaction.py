"""What every purchase (transaction) model offers: BG/NBD, Pareto/NBD and MBG/NBD subclass it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from repurchase.core.errors import InsufficientData
from repurchase.lifetime_value._common import UNIT_DAYS, rfm_columns
from repurchase.lifetime_value.models.base import FitNote, Model
from repurchase.lifetime_value.models.gamma_gamma import GammaGamma

__all__ = ["TransactionModel"]


def _check_summary(x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> None:
    if len(x) == 0:
        raise InsufficientData("no customers to fit; check the calibration period and the data.")
    problems = []
    if np.any(~np.isfinite(x) | ~np.isfinite(tx) | ~np.isfinite(T)):
        problems.append("missing values in frequency, recency or T")
    if np.any(x < 0) or np.any(x != np.round(x)):
        problems.append("frequency must be a whole number >= 0")
    if np.any(tx < 0) or np.any(tx > T + 1e-9):
        problems.append("recency must lie between 0 and T")
    if np.any((x == 0) & (tx != 0)):
        problems.append("recency must be 0 for one-time buyers")
    if problems:
        raise InsufficientData(
            "the summary is inconsistent (" + "; ".join(problems) + "); build it with customer_summary()."
        )
    if not np.any(x > 0):
        raise InsufficientData(
            f"none of the {len(x):,} customers has a repeat purchase in the calibration period, so the "
            "purchase models cannot be fitted; use a longer calibration period (lifetime_value.calibration_end "
            "later, or holdout_weeks smaller)."
        )


@dataclass(frozen=True)
class TransactionModel(Model):
    """A model of whether and how often customers buy, given (x, t_x, T) = (frequency, recency, T).

    Every method broadcasts over its arguments and over parameter draws; ``t``
    (a horizon) and the times are in :attr:`time_unit`.
    """

    def log_likelihood(self, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """Per-customer log-likelihood of (x, t_x, T)."""
        raise NotImplementedError

    def p_alive(self, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """P(alive at T | x, t_x, T)."""
        raise NotImplementedError

    def expected_purchases(self, t: Any) -> np.ndarray:
        """Expected repeat purchases in (0, t] for a new customer (unconditional)."""
        raise NotImplementedError

    def conditional_expected_purchases(self, t: Any, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """Expected repeat purchases in (T, T + t] given (x, t_x, T).

        :meth:`p_alive` (x, t_x, T) · :meth:`expected_purchases_if_alive` (t, x, T). The second factor
        does not depend on t_x, so many customers and horizons cost one hypergeometric term per
        distinct (x, T) pair and one P(alive) per customer
        (see :func:`~repurchase.lifetime_value.clv.customer_lifetime_value`).
        """
        x, tx, T, t = (np.asarray(v, dtype=float) for v in (frequency, recency, T, t))
        with np.errstate(all="ignore"):
            return self.p_alive(x, tx, T) * self.expected_purchases_if_alive(t, x, T)

    def expected_purchases_if_alive(self, t: Any, frequency: Any, T: Any) -> np.ndarray:
        """Expected repeat purchases in (T, T + t] of a customer alive at T with x repeat purchases."""
        raise NotImplementedError

    def expected_purchases_by_pair(self, t: Any, frequency: Any, T: Any) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`expected_purchases_if_alive` once per distinct (x, T) pair of the customers.

        Parameters
        ----------
        t
            Horizons, shape (H,).
        frequency, T
            The customers' x and T, shape (U,).

        Returns
        -------
        (values, pair)
            The values of shape (…, P, H), with the parameters' leading shape (draws of shape
            (D, 1) give (D, P, H)), and each customer's pair index, shape (U,).
        """
        x, T = np.asarray(frequency, dtype=float), np.asarray(T, dtype=float)
        pairs, pair = np.unique(np.stack([x, T], axis=1), axis=0, return_inverse=True)
        per_pair = self.with_params({k: np.asarray(v, dtype=float)[..., None] for k, v in self.params.items()})
        values = per_pair.expected_purchases_if_alive(np.asarray(t, dtype=float), pairs[:, :1], pairs[:, 1:])
        return values, pair.ravel()

    def p_buy_again(self, t: Any, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """P(at least one purchase in (T, T + t] | x, t_x, T)."""
        raise NotImplementedError

    def p_no_purchase(self, t: Any, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """P(no purchase in (T, T + t] | x, t_x, T) = 1 − :meth:`p_buy_again`."""
        return 1.0 - self.p_buy_again(t, frequency, recency, T)

    def simulate_future(self, rng: np.random.Generator, t: Any, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """Repeat purchases in (T, T + t], drawn from each customer's posterior given (x, t_x, T).

        One draw per element of broadcast(parameters, data): with parameters of
        shape (D, 1) (bootstrap draws) and data of shape (N,), a (D, N) array of
        counts, each from its own parameter draw. Alive-ness, the purchase rate
        and the dropout are drawn from their posteriors, then the purchases of the
        horizon: the purchase process's own randomness, which the conditional
        expectation averages out.
        """
        raise NotImplementedError

    def purchase_pmf(self, t: Any, n_max: int) -> np.ndarray:
        """P(X(t) = n) for n = 0 .. n_max − 1, shape (len(t), n_max); unconditional (new customers)."""
        raise NotImplementedError

    def units(self, days: Any) -> Any:
        """``days`` in the model's time unit (e.g. 90 days = 12.857 weeks)."""
        return np.asarray(days, dtype=float) / UNIT_DAYS[self.time_unit]

    # -- simulation ----------------------------------------------------------------------------------------

    def _lifetime(self, rng: np.random.Generator, n: int, age_weeks: np.ndarray) -> tuple[np.ndarray, Any]:
        """How long each customer can buy (weeks, up to its age) and its most repeat purchases (None: no cap)."""
        raise NotImplementedError

    def simulate(
        self,
        n_customers: int,
        *,
        spend: GammaGamma | None = None,
        start: Any = "2024-01-01",
        acquisition_days: int = 84,
        observation_days: int = 546,
        lines_per_occasion: float = 0.0,
        seed: int = 0,
        id_prefix: str = "C",
    ) -> pd.DataFrame:
        """Simulate transactions from this model and a Gamma-Gamma spend model (vectorized).

        Customers make a first purchase on a uniformly drawn day of the first
        ``acquisition_days``; repeat purchases follow the model with its rates per
        week (whatever :attr:`time_unit` says), truncated at ``observation_days``
        after ``start``. Event times are floored to days, so two events on one day
        become one occasion (rare at CDNOW-like rates). Each occasion's value is
        drawn from ``spend`` (default: the published CDNOW Gamma-Gamma); with
        ``lines_per_occasion`` > 0 an occasion is split into
        1 + Poisson(lines_per_occasion) order lines (same day, split amount).

        Returns
        -------
        pandas.DataFrame
            ``customer_id`` (str), ``order_id`` (str), ``order_date`` (datetime64[ns]),
            ``amount`` (float), sorted by date.
        """
        spend = spend if spend is not None else GammaGamma(GammaGamma.published)
        rng = np.random.default_rng(seed)
        n = int(n_customers)
        birth = rng.integers(0, acquisition_days, size=n)
        age_weeks = (observation_days - 1 - birth) / 7.0
        lam = rng.gamma(float(self.params["r"]), 1.0 / float(self.params["alpha"]), size=n)
        window, max_repeats = self._lifetime(rng, n, age_weeks)
        n_events = rng.poisson(lam * window)
        cap = n_events if max_repeats is None else np.minimum(n_events, max_repeats)
        owner = np.repeat(np.arange(n), n_events)
        times = rng.random(len(owner)) * window[owner]
        order = np.lexsort((times, owner))
        owner, times = owner[order], times[order]
        starts = np.r_[0, np.cumsum(n_events)[:-1]]
        rank = np.arange(len(owner)) - starts[owner]
        keep = rank < cap[owner]
        owner, times = owner[keep], times[keep]
        cust = np.r_[np.arange(n), owner]
        day = np.r_[birth, birth[owner] + np.floor(times * 7).astype(np.int64)]
        amount = spend.simulate_amounts(rng, n, cust)
        if lines_per_occasion > 0:
            lines = 1 + rng.poisson(lines_per_occasion, size=len(cust))
            occ_index = np.repeat(np.arange(len(cust)), lines)
            share = rng.exponential(size=len(occ_index))  # normalised: a flat Dirichlet split
            share = share / np.bincount(occ_index, weights=share)[occ_index]
            amount = amount[occ_index] * share
            cust, day = cust[occ_index], day[occ_index]
            order_no = occ_index
        else:
            order_no = np.arange(len(cust))
        width = max(7, len(str(n)))
        ids = np.char.add(id_prefix, np.char.zfill(np.arange(n).astype(str), width))
        frame = pd.DataFrame(
            {
                "customer_id": ids[cust].astype(object),
                "order_id": np.char.add("O", order_no.astype(str)).astype(object),
                "order_date": (np.datetime64(pd.Timestamp(start).date(), "D") + day).astype("datetime64[ns]"),
                "amount": amount,
            }
        )
        return frame.sort_values(["order_date", "customer_id"], kind="stable", ignore_index=True)

    # -- fitting -------------------------------------------------------------------------------------------

    @classmethod
    def time_scale(cls, columns: Sequence[np.ndarray]) -> float:
        return float(1.0 / np.max(columns[2]))

    @classmethod
    def rescaled(cls, columns: Sequence[np.ndarray], scale: float) -> list[np.ndarray]:
        x, tx, T = columns
        return [x, tx * scale, T * scale]

    @classmethod
    def fit_data(cls, summary: pd.DataFrame) -> tuple[list[np.ndarray], list[FitNote]]:
        f_col, r_col, t_col, _ = rfm_columns(summary)
        x = summary[f_col].to_numpy(dtype=float)
        tx = summary[r_col].to_numpy(dtype=float)
        T = summary[t_col].to_numpy(dtype=float)
        _check_summary(x, tx, T)
        return [x, tx, T], []
