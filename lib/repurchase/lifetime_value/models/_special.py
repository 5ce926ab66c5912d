"""Special functions the model formulas share: log 2F1 with Euler's transform, 1 − h·k, Gauss-Legendre nodes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy import special

#: 64-point Gauss-Legendre quadrature on [-1, 1] (Pareto/NBD P(buy again) and purchase pmf)
GL_NODES, GL_WEIGHTS = np.polynomial.legendre.leggauss(64)


def param_arrays(params: Mapping[str, Any], names: Sequence[str]) -> list[np.ndarray]:
    """The parameters ``names`` as float arrays (scalars, or draws of shape (D, 1) that broadcast)."""
    return [np.asarray(params[n], dtype=float) for n in names]


def log_hyp2f1(a: Any, b: Any, c: Any, z: Any) -> np.ndarray:
    """log 2F1(a, b; c; z) for 0 <= z < 1, falling back to Euler's transform where it overflows."""
    return signed_log_hyp2f1(a, b, c, z)[0]


def signed_log_hyp2f1(a: Any, b: Any, c: Any, z: Any) -> tuple[np.ndarray, np.ndarray]:
    """log |2F1(a, b; c; z)| and the sign of 2F1, for 0 <= z < 1 (Euler's transform where it overflows).

    2F1 is negative only for c < 0: BG/NBD one-time buyers when a + b < 1
    (a strongly U-shaped dropout distribution), where the closed forms still hold.
    """
    with np.errstate(all="ignore"):
        value = special.hyp2f1(a, b, c, z)
        direct = np.log(np.abs(value))
        sign = np.where(value < 0, -1.0, 1.0)
        bad = ~np.isfinite(direct)
        if np.any(bad):
            a, b, c, z = (np.broadcast_to(v, direct.shape)[bad] for v in (a, b, c, z))
            direct = np.array(direct, copy=True) if np.ndim(direct) else np.atleast_1d(direct)
            sign = np.array(sign, copy=True) if np.ndim(sign) else np.atleast_1d(sign)
            inner = special.hyp2f1(c - a, c - b, c, z)
            direct[np.atleast_1d(bad)] = np.log(np.abs(inner)) + (c - a - b) * np.log1p(-z)
            sign[np.atleast_1d(bad)] = np.where(inner < 0, -1.0, 1.0)
            if not np.ndim(bad):
                direct, sign = direct[0], sign[0]
    return direct, sign


def one_minus(log_h: Any, sign: Any, log_k: Any) -> np.ndarray:
    """1 − h·k from log |h|, the sign of h and log k (k > 0), accurate when h·k is close to 1."""
    with np.errstate(all="ignore"):
        log_hk = np.add(log_h, log_k)
        if np.all(np.asarray(sign) > 0):  # the usual case: one branch, not two over the whole array
            return -np.expm1(log_hk)
        return np.where(sign > 0, -np.expm1(log_hk), 1.0 + np.exp(log_hk))
