"""Key drivers: how much of the overall score each aspect rating explains (Johnson's relative weights).

Relative weights (Johnson 2000) split the R² of the overall score regressed on
the aspect ratings among the aspects; the weights sum to R². Together with each
aspect's mean rating they place it in an importance–performance quadrant.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from repurchase.core.errors import AnalysisError
from repurchase.core.status import Unavailable
from repurchase.satisfaction.scores import empty_frame

__all__ = ["DRIVER_COLUMNS", "QUADRANTS", "KeyDrivers", "key_drivers", "relative_weights"]

DRIVER_COLUMNS = ["aspect", "label", "weight", "share", "correlation", "mean_rating", "top2_share", "vif", "quadrant"]
#: importance–performance quadrants (codes of the ``quadrant`` column)
QUADRANTS = ("fix first", "keep up", "maintain", "low priority")


def relative_weights(aspects: pd.DataFrame, target: pd.Series) -> pd.Series:
    """Johnson's (2000) relative weights of correlated predictors.

    With ``R`` the predictors' correlation matrix and ``r`` their correlations
    with the target, ``Λ = R^{1/2}``, ``β = Λ⁻¹ r`` (the target regressed on the
    orthogonal counterparts of the predictors) and the weight of predictor j is
    ``Σ_k Λ_jk² β_k²``. The weights are non-negative and sum to the R² of the
    ordinary least-squares regression of the target on all predictors; with
    uncorrelated predictors each weight is its squared correlation.

    Parameters
    ----------
    aspects
        Numeric predictors (rows with a missing value are dropped together
        with the target).
    target
        The overall score, aligned with ``aspects``.

    Returns
    -------
    Series
        Weight per predictor (name = column).

    Raises
    ------
    AnalysisError
        Fewer complete rows than predictors + 2, or a constant column.
    """
    data = pd.concat(
        [aspects.apply(pd.to_numeric, errors="coerce"), pd.to_numeric(target, errors="coerce").rename("__target__")],
        axis=1,
    ).dropna()
    k = aspects.shape[1]
    if k == 0:
        raise AnalysisError(
            "relative weights need at least one aspect rating column (aspect_<name> in sources.surveys.columns)"
        )
    if len(data) < k + 2:
        raise AnalysisError(
            f"relative weights need at least {k + 2} complete responses (aspects and target answered); got {len(data)}"
        )
    sd = data.std(ddof=0)
    flat = [c for c in data.columns if not sd[c] > 0]
    if flat:
        raise AnalysisError(
            f"relative weights: {', '.join(map(str, flat))} has the same value in every response; "
            "drop it from the aspects"
        )
    corr = np.corrcoef(data.to_numpy(dtype=float), rowvar=False)
    rxx, rxy = corr[:k, :k], corr[:k, k]
    evals, evecs = np.linalg.eigh(rxx)
    evals = np.clip(evals, 0, None)
    lam = (evecs * np.sqrt(evals)) @ evecs.T
    beta = np.linalg.pinv(lam) @ rxy
    weights = (lam**2) @ (beta**2)
    return pd.Series(weights, index=list(aspects.columns), name="weight")


@dataclass
class KeyDrivers:
    """Relative importance of aspect ratings for the overall score.

    Attributes
    ----------
    table
        ``aspect``, ``label`` (how the report names it), ``weight`` (share of
        variance explained), ``share`` (of R²), ``correlation`` with the
        target, ``mean_rating``, ``top2_share`` (share of 4–5), ``vif``,
        ``quadrant`` (one of :data:`QUADRANTS`); most important first.
    r2
        R² of the target on all aspects (= the sum of the weights).
    n
        Complete responses used.
    target
        ``nps`` or ``csat``.
    collinear
        Pairs of aspects with |r| above the threshold: ``aspect_a``,
        ``aspect_b``, ``r``.
    max_vif
        The largest variance inflation factor.
    vif_warn
        VIF above which the collinearity warning is given
        (:func:`repurchase.satisfaction.text.collinearity_warning`).
    unavailable
        Why there is no result (None when there is one).
    """

    table: pd.DataFrame = field(default_factory=lambda: empty_frame(DRIVER_COLUMNS))
    r2: float = float("nan")
    n: int = 0
    target: str = "nps"
    collinear: pd.DataFrame = field(default_factory=lambda: empty_frame(["aspect_a", "aspect_b", "r"]))
    max_vif: float = float("nan")
    vif_warn: float = 5.0
    unavailable: Unavailable | None = None

    @property
    def available(self) -> bool:
        return self.unavailable is None

    @property
    def collinear_warning(self) -> bool:
        """True when the aspects are too collinear for their split of R² to be trusted."""
        return self.available and (not self.collinear.empty or bool(self.max_vif > self.vif_warn))


def key_drivers(
    surveys: pd.DataFrame | None,
    aspect_cols: Sequence[str] | None = None,
    *,
    target: Literal["nps", "csat"] = "nps",
    min_responses: int = 30,
    collinear_r: float = 0.8,
    vif_warn: float = 5.0,
    labels: Mapping[str, str] | None = None,
) -> KeyDrivers:
    """Johnson's relative weights of the aspect ratings on the overall score, with an importance–performance view.

    Parameters
    ----------
    surveys
        Survey responses with ``aspect_*`` columns.
    aspect_cols
        Aspect columns; default every column starting with ``aspect_``.
    target
        ``nps`` (the 0–10 score) or ``csat``.
    min_responses
        Fewer complete responses give no result (``unavailable`` says why).
    collinear_r, vif_warn
        Pairs with |r| above ``collinear_r``, or a VIF above ``vif_warn``,
        trigger the collinearity warning.
    labels
        ``{aspect: name shown in the report}`` (aspect without the
        ``aspect_`` prefix); default the aspect itself.

    Returns
    -------
    KeyDrivers
        ``quadrant`` is ``fix first`` (importance at or above the mean of the
        aspects, rating below the mean), ``keep up`` (important, rated high),
        ``maintain`` (less important, rated high) or ``low priority``.
    """
    target_name = target.upper()
    if surveys is None or surveys.empty:
        return KeyDrivers(target=target, unavailable=Unavailable("satisfaction.reason.no_responses"))
    cols = list(aspect_cols) if aspect_cols is not None else [c for c in surveys.columns if c.startswith("aspect_")]
    if not cols:
        return KeyDrivers(target=target, unavailable=Unavailable("satisfaction.reason.no_aspects"))
    if target not in surveys:
        return KeyDrivers(
            target=target, unavailable=Unavailable("satisfaction.reason.no_target", {"target": target_name})
        )
    data = pd.concat(
        [surveys[cols].apply(pd.to_numeric, errors="coerce"), pd.to_numeric(surveys[target], errors="coerce")], axis=1
    ).dropna()
    need = max(min_responses, len(cols) + 2)
    if len(data) < need:
        return KeyDrivers(
            n=len(data),
            target=target,
            unavailable=Unavailable(
                "satisfaction.reason.few_complete", {"n": f"{len(data):,}", "target": target_name, "need": f"{need:,}"}
            ),
        )
    flat = [c for c in cols if data[c].nunique() < 2]
    cols = [c for c in cols if c not in flat]
    if not cols:
        return KeyDrivers(n=len(data), target=target, unavailable=Unavailable("satisfaction.reason.flat_aspects"))
    weights = relative_weights(data[cols], data[target])
    r2 = float(weights.sum())
    corr = data[cols].corr().to_numpy()
    vif = np.diag(np.linalg.pinv(corr))
    names = [c.removeprefix("aspect_") for c in cols]
    table = pd.DataFrame(
        {
            "aspect": names,
            "label": [str((labels or {}).get(n, n)) for n in names],
            "weight": weights.to_numpy(),
            "share": weights.to_numpy() / r2 if r2 > 0 else np.nan,
            "correlation": data[cols].corrwith(data[target]).to_numpy(),
            "mean_rating": data[cols].mean().to_numpy(),
            "top2_share": (data[cols] >= 4).mean().to_numpy(),
            "vif": vif,
        }
    )
    imp_hi = table["weight"] >= table["weight"].mean()
    perf_hi = table["mean_rating"] >= table["mean_rating"].mean()
    table["quadrant"] = np.select(
        [imp_hi & ~perf_hi, imp_hi & perf_hi, ~imp_hi & perf_hi], list(QUADRANTS[:3]), QUADRANTS[3]
    )
    iu = np.triu_indices(len(cols), 1)
    pairs = pd.DataFrame({"aspect_a": np.array(names)[iu[0]], "aspect_b": np.array(names)[iu[1]], "r": corr[iu]})
    collinear = pairs[pairs["r"].abs() > collinear_r].reset_index(drop=True)
    return KeyDrivers(
        table.sort_values("weight", ascending=False).reset_index(drop=True),
        r2=r2,
        n=len(data),
        target=target,
        collinear=collinear,
        max_vif=float(np.max(vif)),
        vif_warn=vif_warn,
    )
