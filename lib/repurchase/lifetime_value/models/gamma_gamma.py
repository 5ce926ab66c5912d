"""Gamma-Gamma: the spend per purchase occasion (Fader, Hardie & Lee 2005, "RFM and CLV")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import special

from repurchase.core.errors import AnalysisError, InsufficientData
from repurchase.lifetime_value._common import MIN_REPEAT_CUSTOMERS, rfm_columns
from repurchase.lifetime_value.models.base import FitNote, Model

__all__ = ["GammaGamma"]


@dataclass(frozen=True)
class GammaGamma(Model):
    """Gamma-Gamma spend model: the value of an occasion is Gamma(p, ν), ν ~ Gamma(q, v) per customer.

    Fitted on repeat customers with a positive mean spend: ``(x, m̄)`` =
    (frequency, mean value of the repeat occasions). The population mean spend
    per occasion is v·p/(q − 1), finite only for q > 1.
    """

    code: ClassVar[str] = "gamma_gamma"
    label: ClassVar[str] = "Gamma-Gamma"
    param_names: ClassVar[tuple[str, ...]] = ("p", "q", "v")
    lifetimes_class: ClassVar[str] = "GammaGammaFitter"
    published: ClassVar[dict[str, float]] = {"p": 6.25, "q": 3.74, "v": 15.44}

    @property
    def mean(self) -> float:
        """The population mean spend per occasion, v·p/(q − 1) (inf for q ≤ 1)."""
        p, q, v = (float(self.params[k]) for k in self.param_names)
        return v * p / (q - 1) if q > 1 else float("inf")

    def log_likelihood(self, frequency: Any, monetary_value: Any) -> np.ndarray:
        """Per-customer log-likelihood of (x, m̄) (repeat customers, m̄ > 0)."""
        p, q, v = self.arrays()
        x, m = np.asarray(frequency, dtype=float), np.asarray(monetary_value, dtype=float)
        with np.errstate(all="ignore"):
            return (
                special.gammaln(p * x + q)
                - special.gammaln(p * x)
                - special.gammaln(q)
                + q * np.log(v)
                + (p * x - 1) * np.log(m)
                + (p * x) * np.log(x)
                - (p * x + q) * np.log(x * m + v)
            )

    def log_likelihood_grad(self, frequency: Any, monetary_value: Any) -> np.ndarray:
        """d log-likelihood / d (p, q, v), stacked: (3, ...)."""
        p, q, v = self.arrays()
        x, m = np.asarray(frequency, dtype=float), np.asarray(monetary_value, dtype=float)
        with np.errstate(all="ignore"):
            px = p * x
            psi_pxq = special.digamma(px + q)
            log_xmv = np.log(x * m + v)
            d_p = x * (psi_pxq - special.digamma(px) + np.log(m) + np.log(x) - log_xmv)
            d_q = psi_pxq - special.digamma(q) + np.log(v) - log_xmv
            d_v = q / v - (px + q) / (x * m + v)
            return np.stack(np.broadcast_arrays(d_p, d_q, d_v))

    def expected_spend(self, frequency: Any, monetary_value: Any) -> np.ndarray:
        """Expected mean spend per occasion given (x, m̄) (Fader, Hardie & Lee 2005, eq. 5).

        A weighted average of the customer's observed mean and the population mean
        v·p/(q − 1); one-time buyers (x = 0) get the population mean. Negative or zero
        observed means are treated as 0. Parameters may be draws of shape (D, 1).
        """
        p, q, v = self.arrays()
        x = np.asarray(frequency, dtype=float)
        m = np.maximum(np.asarray(monetary_value, dtype=float), 0.0)
        with np.errstate(all="ignore"):
            weight = p * x / (p * x + q - 1)
            return (1 - weight) * (v * p / (q - 1)) + weight * m

    def mean_spend_density(self, frequency: np.ndarray, counts: np.ndarray, grid: np.ndarray) -> np.ndarray:
        """Density of a customer's mean spend z̄ on ``grid``, mixed over repeat frequencies ``frequency`` (weights ``counts``).

        Given x repeat occasions, z̄ has density
        Γ(px+q)/(Γ(px)Γ(q)) · v^q x^{px} z̄^{px−1} / (v + x z̄)^{px+q}.
        """
        p, q, v = (float(self.params[k]) for k in self.param_names)
        xs = np.asarray(frequency, dtype=float)[:, None]
        px = p * xs
        log_f = (
            special.gammaln(px + q) - special.gammaln(px) - special.gammaln(q) + q * np.log(v)
            + px * np.log(xs) + (px - 1) * np.log(grid[None, :]) - (px + q) * np.log(v + xs * grid[None, :])
        )  # fmt: skip
        return (np.exp(log_f) * counts[:, None]).sum(axis=0) / counts.sum()

    def simulate_amounts(self, rng: np.random.Generator, n_customers: int, customer: np.ndarray) -> np.ndarray:
        """The value of each occasion of ``customer`` (codes 0 .. n_customers − 1): ν per customer, then Gamma(p, ν)."""
        nu = rng.gamma(float(self.params["q"]), 1.0 / float(self.params["v"]), size=n_customers)
        return rng.gamma(float(self.params["p"]), 1.0 / nu[customer])

    # -- fitting -------------------------------------------------------------------------------------------

    @classmethod
    def fit_data(cls, summary: pd.DataFrame) -> tuple[list[np.ndarray], list[FitNote]]:
        f_col, _, _, m_col = rfm_columns(summary)
        if m_col not in summary.columns:
            raise AnalysisError(f"the summary lacks {m_col!r}; build it with amounts (amount_col).")
        x = summary[f_col].to_numpy(dtype=float)
        m = summary[m_col].to_numpy(dtype=float)
        keep = (x > 0) & (m > 0)
        if keep.sum() < MIN_REPEAT_CUSTOMERS:
            raise InsufficientData(
                f"only {int(keep.sum())} repeat customers have a positive spend; Gamma-Gamma needs more "
                f"(at least {MIN_REPEAT_CUSTOMERS}, ideally hundreds). Use a longer calibration period."
            )
        notes: list[FitNote] = []
        n_zero = int(((x > 0) & (m <= 0)).sum())
        if n_zero:
            notes.append(("lifetime_value.note.zero_spend", {"n": f"{n_zero:,}"}))
        return [x[keep], m[keep]], notes

    def fit_notes(self) -> list[FitNote]:
        q = float(self.params["q"])
        return [("lifetime_value.note.q_le_1", {"q": f"{q:.2f}"})] if q <= 1 else []
