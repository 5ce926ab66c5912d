"""BG/NBD: beta-geometric dropout after a repeat purchase, Poisson purchases (Fader, Hardie & Lee 2005)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from scipy import special, stats

from repurchase.lifetime_value.models._special import one_minus, signed_log_hyp2f1
from repurchase.lifetime_value.models.base import FitNote
from repurchase.lifetime_value.models.transaction import TransactionModel

__all__ = ["BGNBD"]


@dataclass(frozen=True)
class BGNBD(TransactionModel):
    """BG/NBD: purchase rate λ ~ Gamma(r, α); after each repeat purchase the customer drops out with p ~ Beta(a, b).

    A customer can drop out only right after a repeat purchase, so P(alive) of a
    one-time buyer is exactly 1: use :meth:`p_buy_again` to rank them.
    """

    code: ClassVar[str] = "bgnbd"
    label: ClassVar[str] = "BG/NBD"
    param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "a", "b")
    lifetimes_class: ClassVar[str] = "BetaGeoFitter"
    published: ClassVar[dict[str, float]] = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    rate_params: ClassVar[tuple[str, ...]] = ("alpha",)

    def log_likelihood(self, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        r, alpha, a, b = self.arrays()
        x, tx = frequency, recency
        with np.errstate(all="ignore"):
            a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
            a2 = special.gammaln(a + b) + special.gammaln(b + x) - special.gammaln(b) - special.gammaln(a + b + x)
            a3 = -(r + x) * np.log(alpha + T)
            a4 = np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * np.log(alpha + tx)
            return a1 + a2 + np.logaddexp(a3, np.where(x > 0, a4, -np.inf))

    def log_likelihood_grad(self, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """d log-likelihood / d (r, α, a, b), stacked: (4, ...).

        With ℓ = A1 + A2 + log(e^A3 + 1{x>0} e^A4), the last term's derivative
        is the mix of A3's and A4's, weighted by their shares of the sum.
        """
        r, alpha, a, b = self.arrays()
        x, tx, T = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        with np.errstate(all="ignore"):
            a3 = -(r + x) * np.log(alpha + T)
            b1 = b + np.maximum(x, 1) - 1
            a4 = np.where(x > 0, np.log(a) - np.log(b1) - (r + x) * np.log(alpha + tx), -np.inf)
            w4 = special.expit(a4 - a3)  # e^A4 / (e^A3 + e^A4); 0 for x = 0
            w3 = 1.0 - w4
            psi_ab, psi_abx = special.digamma(a + b), special.digamma(a + b + x)
            d_r = special.digamma(r + x) - special.digamma(r) + np.log(alpha)
            d_r = d_r - w3 * np.log(alpha + T) - w4 * np.log(alpha + tx)
            d_alpha = r / alpha - w3 * (r + x) / (alpha + T) - w4 * (r + x) / (alpha + tx)
            d_a = psi_ab - psi_abx + w4 / a
            d_b = psi_ab + special.digamma(b + x) - special.digamma(b) - psi_abx - w4 / b1
            return np.stack(np.broadcast_arrays(d_r, d_alpha, d_a, d_b))

    def p_alive(self, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """P(alive at T | x, t_x, T); exactly 1 for x = 0."""
        x, tx, T = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        r, alpha, a, b = self.arrays()
        with np.errstate(all="ignore"):
            log_odds = np.log(a) - np.log(b + np.maximum(x, 1) - 1) + (r + x) * np.log((alpha + T) / (alpha + tx))
            return np.where(x > 0, special.expit(-log_odds), 1.0)

    def expected_purchases_if_alive(self, t: Any, frequency: Any, T: Any) -> np.ndarray:
        """(a + b + x − 1) / (a − 1) · [1 − ((α + T) / (α + T + t))^(r + x) · 2F1(…)] (FHL 2005, eq. 10)."""
        x, T, t = (np.asarray(v, dtype=float) for v in (frequency, T, t))
        r, alpha, a, b = self.arrays()
        with np.errstate(all="ignore"):
            log_h, sign = signed_log_hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
            first = (a + b + x - 1) / (a - 1)
            return first * one_minus(log_h, sign, (r + x) * np.log((alpha + T) / (alpha + T + t)))

    def p_buy_again(self, t: Any, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """P(≥ 1 purchase in (T, T + t]) = P(alive) · [1 − ((α + T) / (α + T + t))^(r + x)].

        A customer alive at T buys at rate λ with posterior Gamma(r + x, α + T), and
        cannot drop out before the next purchase.
        """
        x, tx, T, t = (np.asarray(v, dtype=float) for v in (frequency, recency, T, t))
        alive = self.p_alive(x, tx, T)
        r, alpha = self.arrays()[:2]
        with np.errstate(all="ignore"):
            return alive * -np.expm1((r + x) * np.log((alpha + T) / (alpha + T + t)))

    def simulate_future(self, rng: np.random.Generator, t: Any, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """Alive with P(alive); λ ~ Gamma(r + x, α + T), p ~ Beta(a, b + x); min(Poisson(λt), Geometric(p)) purchases.

        Given alive at T the likelihood is λ^x e^(−λT) (1 − p)^x, hence these
        posteriors; the customer drops out right after a purchase with probability p,
        so the purchases of the horizon are capped by a geometric count.
        """
        return simulate_beta_geometric(self, rng, t, frequency, recency, T, extra_dropouts=0)

    def expected_purchases(self, t: Any) -> np.ndarray:
        t = np.asarray(t, dtype=float)
        r, alpha, a, b = self.arrays()
        with np.errstate(all="ignore"):
            log_h, sign = signed_log_hyp2f1(r, b, a + b - 1, t / (alpha + t))
            return (a + b - 1) / (a - 1) * one_minus(log_h, sign, r * np.log(alpha / (alpha + t)))

    def purchase_pmf(self, t: Any, n_max: int) -> np.ndarray:
        t = np.asarray(t, dtype=float)[:, None]
        n = np.arange(n_max)[None, :]
        r, alpha, a, b = (float(v) for v in self.arrays())
        with np.errstate(all="ignore"):
            prob = alpha / (alpha + t)
            nb = stats.nbinom.pmf(n, r, prob)
            survival = stats.nbinom.sf(n - 1, r, prob)  # P(N >= n)
            lb = special.betaln(a, b)
            first = np.exp(special.betaln(a, b + n) - lb) * nb
            second = np.where(n > 0, np.exp(special.betaln(a + 1, b + np.maximum(n, 1) - 1) - lb) * survival, 0.0)
            return first + second

    def _lifetime(self, rng: np.random.Generator, n: int, age_weeks: np.ndarray) -> tuple[np.ndarray, Any]:
        # K >= 1 repeat purchases, the K-th followed by dropout
        pdrop = rng.beta(float(self.params["a"]), float(self.params["b"]), size=n)
        return age_weeks, rng.geometric(np.clip(pdrop, 1e-12, 1.0))

    def fit_notes(self) -> list[FitNote]:
        a, b = float(self.params["a"]), float(self.params["b"])
        return [("lifetime_value.note.u_shaped", {})] if a <= 1 and b < 1 else []


def simulate_beta_geometric(
    model: TransactionModel,
    rng: np.random.Generator,
    t: Any,
    frequency: Any,
    recency: Any,
    T: Any,
    *,
    extra_dropouts: int,
) -> np.ndarray:
    """Future purchases in ``t`` of a BG/NBD-type model, drawn from each customer's posterior.

    Alive with P(alive); λ ~ Gamma(r + x, α + T), p ~ Beta(a, b + x + ``extra_dropouts``);
    min(Poisson(λt), Geometric(p)) purchases. ``extra_dropouts`` is 0 for the BG/NBD and 1
    for the MBG/NBD (which also lets a customer drop out at the first purchase).
    """
    x, tx, T, t = (np.asarray(v, dtype=float) for v in (frequency, recency, T, t))
    r, alpha, a, b = model.arrays()
    shape = np.broadcast_shapes(r.shape, x.shape, T.shape, t.shape)
    alive = rng.random(shape) < model.p_alive(x, tx, T)
    lam = rng.gamma(np.broadcast_to(r + x, shape), 1.0 / np.broadcast_to(alpha + T, shape))
    p = rng.beta(np.broadcast_to(a, shape), np.broadcast_to(b + x + extra_dropouts, shape))
    n = rng.poisson(lam * t)
    k = rng.geometric(np.clip(p, 1e-12, 1.0))
    return np.where(alive, np.minimum(n, k), 0)
