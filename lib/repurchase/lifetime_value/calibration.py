"""Calibration of P(buy again) on the holdout, the Brier score, and the model for each question.

Every purchase model predicts, from calibration data alone, each customer's
probability of at least one purchase in the holdout. :func:`buy_again_calibration`
sets that probability next to the share who did buy, by calibration frequency
(0, 1, 2, 3–5, 6+ repeat purchases) and by decile of the predicted probability;
:func:`brier_scores` scores each model by the mean squared error of the
probability. :func:`models_by_question` states the rule that picks a model for
each question:

* **purchase counts and CLV**: the lowest customer-level holdout MAE (as
  :func:`~repurchase.lifetime_value.validation.select_model`);
* **P(buy again)**: the lowest holdout Brier score of P(buy again).

When they differ the report says so, and P(buy again) (the exports' column and
the at-risk ranking that reads it) comes from the calibrated model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from repurchase.core.errors import AnalysisError
from repurchase.lifetime_value._common import DAYS_PER_MONTH, rfm_columns
from repurchase.lifetime_value.fit import FitResult, ModelFits
from repurchase.lifetime_value.models import TRANSACTION_MODELS, TransactionModel

__all__ = [
    "CALIBRATION_COLUMNS",
    "FREQUENCY_GROUPS",
    "ModelsByQuestion",
    "brier_scores",
    "buy_again_calibration",
    "buy_again_columns",
    "buy_again_predictions",
    "frequency_group",
    "models_by_question",
]

#: calibration-frequency groups: (label, lowest, highest) repeat purchases in calibration
FREQUENCY_GROUPS: tuple[tuple[str, float, float], ...] = (
    ("0", 0, 0), ("1", 1, 1), ("2", 2, 2), ("3–5", 3, 5), ("6+", 6, np.inf),
)  # fmt: skip
#: columns of :func:`buy_again_calibration`
CALIBRATION_COLUMNS = ["model", "by", "group", "customers", "predicted", "observed"]


def frequency_group(frequency: np.ndarray) -> np.ndarray:
    """The :data:`FREQUENCY_GROUPS` label of each calibration frequency (``0``, ``1``, ``2``, ``3–5``, ``6+``)."""
    x = np.asarray(frequency, dtype=float)
    bins = np.searchsorted([hi for _, _, hi in FREQUENCY_GROUPS], x, side="left")
    return np.asarray([label for label, _, _ in FREQUENCY_GROUPS], dtype=object)[bins]


def _fits(fits: ModelFits | Mapping[str, FitResult]) -> dict[str, FitResult]:
    return fits.fits if isinstance(fits, ModelFits) else dict(fits)


def buy_again_predictions(calibration: pd.DataFrame, fits: ModelFits | Mapping[str, FitResult]) -> pd.DataFrame:
    """Each model's P(at least one purchase in the holdout) per calibration customer, and whether they bought.

    Returns
    -------
    pandas.DataFrame
        ``frequency_cal``, ``bought`` (0/1) and one column per model code.
    """
    x = calibration["frequency_cal"].to_numpy(float)
    tx = calibration["recency_cal"].to_numpy(float)
    T = calibration["T_cal"].to_numpy(float)
    duration = calibration["duration_holdout"].to_numpy(float)
    out = pd.DataFrame({"frequency_cal": x, "bought": (calibration["frequency_holdout"].to_numpy(float) > 0) * 1.0})
    for code, fit in _fits(fits).items():
        if not isinstance(fit.model, TransactionModel):
            raise AnalysisError(f"{fit.label} is not a purchase model; pass BG/NBD, Pareto/NBD or MBG/NBD fits.")
        out[code] = np.clip(fit.model.p_buy_again(duration, x, tx, T), 0.0, 1.0)
    return out


def _deciles(p: np.ndarray) -> np.ndarray:
    """Decile 1 … 10 of a probability, by rank (ties share the decile of their first rank)."""
    n = len(p)
    ranks = pd.Series(p).rank(method="min").to_numpy() - 1
    return np.minimum((ranks * 10 // max(n, 1)).astype(int) + 1, 10)


def buy_again_calibration(predictions: pd.DataFrame) -> pd.DataFrame:
    """Predicted vs observed P(buy again in the holdout), by calibration frequency and by decile of P.

    Parameters
    ----------
    predictions
        From :func:`buy_again_predictions`.

    Returns
    -------
    pandas.DataFrame
        :data:`CALIBRATION_COLUMNS`: ``model`` (code), ``by`` (``frequency`` or
        ``decile``), ``group`` (``0`` … ``6+``, or ``D1`` … ``D10`` from the
        lowest predicted P), ``customers``, ``predicted`` (mean predicted P) and
        ``observed`` (share who bought in the holdout). Empty groups are left out.
    """
    models = [c for c in predictions.columns if c not in ("frequency_cal", "bought")]
    if predictions.empty or not models:
        return pd.DataFrame(columns=CALIBRATION_COLUMNS)
    freq = frequency_group(predictions["frequency_cal"].to_numpy(float))
    order = [label for label, _, _ in FREQUENCY_GROUPS]
    parts = []
    for code in models:
        p = predictions[code].to_numpy(float)
        for by, keys, labels in (
            ("frequency", freq, order),
            ("decile", _deciles(p), list(range(1, 11))),
        ):
            frame = pd.DataFrame({"key": keys, "p": p, "y": predictions["bought"].to_numpy(float)})
            g = frame.groupby("key", sort=False).agg(customers=("p", "size"), predicted=("p", "mean"),
                                                     observed=("y", "mean"))  # fmt: skip
            g = g.reindex([k for k in labels if k in g.index])
            parts.append(pd.DataFrame({
                "model": code, "by": by, "group": [k if by == "frequency" else f"D{k}" for k in g.index],
                "customers": g["customers"].to_numpy(int), "predicted": g["predicted"].to_numpy(),
                "observed": g["observed"].to_numpy(),
            }))  # fmt: skip
    return pd.concat(parts, ignore_index=True)[CALIBRATION_COLUMNS]


def brier_scores(predictions: pd.DataFrame) -> dict[str, float]:
    """Brier score of each model's P(buy again in the holdout): mean of (P − bought)² over the customers."""
    y = predictions["bought"].to_numpy(float)
    models = [c for c in predictions.columns if c not in ("frequency_cal", "bought")]
    return {code: float(np.mean((predictions[code].to_numpy(float) - y) ** 2)) for code in models}


@dataclass(frozen=True)
class ModelsByQuestion:
    """Which model answers which question, by the stated rule.

    Attributes
    ----------
    counts
        The model for purchase counts and CLV: the lowest customer-level holdout MAE.
    buy_again
        The model for P(buy again): the lowest holdout Brier score.
    mae, brier
        The measured numbers the rule read, by model code.
    """

    counts: str
    buy_again: str
    mae: dict[str, float]
    brier: dict[str, float]

    @property
    def differ(self) -> bool:
        """True when different models answer the two questions."""
        return self.counts != self.buy_again


def models_by_question(comparison: pd.DataFrame, brier: Mapping[str, float]) -> ModelsByQuestion:
    """Apply the rule: counts/CLV by the lowest MAE, P(buy again) by the lowest Brier score.

    Parameters
    ----------
    comparison
        From :func:`~repurchase.lifetime_value.validation.compare_models`.
    brier
        From :func:`brier_scores` (the same fits).

    Raises
    ------
    AnalysisError
        When no purchase model has both a finite MAE and a finite Brier score.
    """
    rows = comparison[comparison["model"].isin(TRANSACTION_MODELS)]
    mae = {str(m): float(v) for m, v in zip(rows["model"], rows["mae"]) if np.isfinite(v)}
    scores = {m: float(v) for m, v in brier.items() if m in mae and np.isfinite(v)}
    if not scores:
        raise AnalysisError("no purchase model has a holdout MAE and Brier score to choose from.")
    counts = min(mae, key=lambda m: mae[m])
    return ModelsByQuestion(counts, min(scores, key=lambda m: scores[m]), mae, scores)


def buy_again_columns(customers: pd.DataFrame, fit: FitResult, horizon_months: float) -> pd.DataFrame:
    """``customers`` with ``p_alive`` and ``p_buy_again`` (in the CLV horizon) from another model's fit.

    The CLV table keeps its purchase counts and CLV from the counts model; this
    puts the calibrated model's probabilities in (see :func:`models_by_question`).
    """
    if not isinstance(fit.model, TransactionModel):
        raise AnalysisError(f"{fit.label} is not a purchase model.")
    model = fit.model
    x, tx, T = (customers[c].to_numpy(float) for c in rfm_columns(customers)[:3])
    horizon = float(model.units(DAYS_PER_MONTH * horizon_months))
    out = customers.copy()
    out["p_alive"] = model.p_alive(x, tx, T)
    out["p_buy_again"] = model.p_buy_again(horizon, x, tx, T)
    return out
