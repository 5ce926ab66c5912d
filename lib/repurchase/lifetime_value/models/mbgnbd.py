"""MBG/NBD: BG/NBD where a customer may also drop out at the first purchase (Batislam et al. 2007; Wagner & Hoppe 2008)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from scipy import special, stats

from repurchase.lifetime_value.models._special import one_minus, signed_log_hyp2f1
from repurchase.lifetime_value.models.base import FitNote
from repurchase.lifetime_value.models.bgnbd import simulate_beta_geometric
from repurchase.lifetime_value.models.transaction import TransactionModel

__all__ = ["MBGNBD"]


@dataclass(frozen=True)
class MBGNBD(TransactionModel):
    """MBG/NBD: λ ~ Gamma(r, α); dropout p ~ Beta(a, b) at every purchase, the first included.

    Unlike BG/NBD, a one-time buyer can be gone (P(alive) < 1).
    """

    code: ClassVar[str] = "mbgnbd"
    label: ClassVar[str] = "MBG/NBD"
    param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "a", "b")
    lifetimes_class: ClassVar[str] = "ModifiedBetaGeoFitter"
    published: ClassVar[dict[str, float]] = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    rate_params: ClassVar[tuple[str, ...]] = ("alpha",)

    def log_likelihood(self, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        r, alpha, a, b = self.arrays()
        x, tx = frequency, recency
        with np.errstate(all="ignore"):
            a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
            a2 = (
                special.gammaln(a + b)
                + special.gammaln(b + x + 1)
                - special.gammaln(b)
                - special.gammaln(a + b + x + 1)
            )
            a3 = -(r + x) * np.log(alpha + T)
            a4 = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
            return a1 + a2 + a3 + np.logaddexp(a4, 0.0)

    def log_likelihood_grad(self, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """d log-likelihood / d (r, α, a, b), stacked: (4, ...); the last term log(1 + e^A4) gives σ(A4) · dA4."""
        r, alpha, a, b = self.arrays()
        x, tx, T = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        with np.errstate(all="ignore"):
            log_span = np.log(alpha + T) - np.log(alpha + tx)
            sig = special.expit(np.log(a) - np.log(b + x) + (r + x) * log_span)
            psi_ab, psi_abx = special.digamma(a + b), special.digamma(a + b + x + 1)
            d_r = special.digamma(r + x) - special.digamma(r) + np.log(alpha) - np.log(alpha + T) + sig * log_span
            d_alpha = r / alpha - (r + x) / (alpha + T) + sig * (r + x) * (1 / (alpha + T) - 1 / (alpha + tx))
            d_a = psi_ab - psi_abx + sig / a
            d_b = psi_ab + special.digamma(b + x + 1) - special.digamma(b) - psi_abx - sig / (b + x)
            return np.stack(np.broadcast_arrays(d_r, d_alpha, d_a, d_b))

    def p_alive(self, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        x, tx, T = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        r, alpha, a, b = self.arrays()
        with np.errstate(all="ignore"):
            log_odds = np.log(a) - np.log(b + x) + (r + x) * np.log((alpha + T) / (alpha + tx))
            return special.expit(-log_odds)

    def expected_purchases_if_alive(self, t: Any, frequency: Any, T: Any) -> np.ndarray:
        """(a + b + x) / (a − 1) · [1 − ((α + T) / (α + T + t))^(r + x) · 2F1(…)] (Wagner & Hoppe 2008)."""
        x, T, t = (np.asarray(v, dtype=float) for v in (frequency, T, t))
        r, alpha, a, b = self.arrays()
        with np.errstate(all="ignore"):
            log_h, sign = signed_log_hyp2f1(r + x, b + x + 1, a + b + x, t / (alpha + T + t))
            first = (a + b + x) / (a - 1)
            return first * one_minus(log_h, sign, (r + x) * np.log((alpha + T) / (alpha + T + t)))

    def p_buy_again(self, t: Any, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """P(≥ 1 purchase in (T, T + t]) = P(alive) · [1 − ((α + T) / (α + T + t))^(r + x)], as for BG/NBD."""
        x, tx, T, t = (np.asarray(v, dtype=float) for v in (frequency, recency, T, t))
        alive = self.p_alive(x, tx, T)
        r, alpha = self.arrays()[:2]
        with np.errstate(all="ignore"):
            return alive * -np.expm1((r + x) * np.log((alpha + T) / (alpha + T + t)))

    def simulate_future(self, rng: np.random.Generator, t: Any, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """Alive with P(alive); λ ~ Gamma(r + x, α + T), p ~ Beta(a, b + x + 1); min(Poisson(λt), Geometric(p)) purchases.

        Given alive at T the likelihood is λ^x e^(−λT) (1 − p)^(x + 1), hence these
        posteriors; the customer drops out right after a purchase with probability p,
        so the purchases of the horizon are capped by a geometric count.
        """
        return simulate_beta_geometric(self, rng, t, frequency, recency, T, extra_dropouts=1)

    def expected_purchases(self, t: Any) -> np.ndarray:
        t = np.asarray(t, dtype=float)
        r, alpha, a, b = self.arrays()
        with np.errstate(all="ignore"):
            log_h, sign = signed_log_hyp2f1(r, b + 1, a + b, t / (alpha + t))
            return b / (a - 1) * one_minus(log_h, sign, r * np.log(alpha / (alpha + t)))

    def purchase_pmf(self, t: Any, n_max: int) -> np.ndarray:
        t = np.asarray(t, dtype=float)[:, None]
        n = np.arange(n_max)[None, :]
        r, alpha, a, b = (float(v) for v in self.arrays())
        with np.errstate(all="ignore"):
            prob = alpha / (alpha + t)
            nb = stats.nbinom.pmf(n, r, prob)
            survival = stats.nbinom.sf(n - 1, r, prob)  # P(N >= n)
            lb = special.betaln(a, b)
            first = np.exp(special.betaln(a, b + n + 1) - lb) * nb
            second = np.exp(special.betaln(a + 1, b + n) - lb) * survival
            return first + second

    def _lifetime(self, rng: np.random.Generator, n: int, age_weeks: np.ndarray) -> tuple[np.ndarray, Any]:
        # as BG/NBD, and the customer may also drop at time 0 (after the first purchase)
        pdrop = rng.beta(float(self.params["a"]), float(self.params["b"]), size=n)
        k = rng.geometric(np.clip(pdrop, 1e-12, 1.0))
        return age_weeks, np.where(rng.random(n) < pdrop, 0, k)

    def fit_notes(self) -> list[FitNote]:
        a, b = float(self.params["a"]), float(self.params["b"])
        return [("lifetime_value.note.u_shaped", {})] if a <= 1 and b < 1 else []
