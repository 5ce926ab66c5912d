"""Validation on the holdout: model comparison and choice, tracking, by frequency, period transactions, P(alive) map.

Also the checks of the spend model (frequency–spend independence, observed vs
fitted spend distribution). Every function returns a tidy table; the sentences
that read them are in :mod:`repurchase.lifetime_value.text`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from repurchase.core.errors import AnalysisError
from repurchase.core.status import Unavailable
from repurchase.lifetime_value._common import UNIT_DAYS, rfm_columns
from repurchase.lifetime_value.fit import FitResult, ModelFits
from repurchase.lifetime_value.models import TRANSACTION_MODELS, GammaGamma, TransactionModel
from repurchase.lifetime_value.summary import HoldoutSplit, day_to_timestamp, occasions, per_customer, to_day

__all__ = [
    "COMPARISON_COLUMNS",
    "ModelChoice",
    "SpendCheck",
    "compare_models",
    "holdout_by_frequency",
    "p_alive_matrix",
    "period_transactions",
    "select_model",
    "spend_distribution",
    "spend_independence",
    "tracking_data",
]

#: columns of :func:`compare_models`
COMPARISON_COLUMNS = [
    "model", "label", "n_params", "log_likelihood", "aic", "bic", "holdout_actual", "holdout_predicted",
    "holdout_error_pct", "mae", "rmse", "auc_buy_again", "penalizer", "retried",
]  # fmt: skip
#: English names of the baselines (the ``label`` column; the report names them from the catalog)
BASELINE_LABELS = {"run_rate": "run-rate baseline", "recency_only": "recency-only baseline"}


def _transaction_model(fit: FitResult) -> TransactionModel:
    if not isinstance(fit.model, TransactionModel):
        raise AnalysisError(f"{fit.label} is not a purchase model; pass a BG/NBD, Pareto/NBD or MBG/NBD fit.")
    return fit.model


def _fit_map(fits: ModelFits | Mapping[str, FitResult]) -> dict[str, FitResult]:
    return fits.fits if isinstance(fits, ModelFits) else dict(fits)


def _auc(score: np.ndarray, label: np.ndarray) -> float:
    """ROC AUC by the rank-sum formula (ties get half credit)."""
    label = label.astype(bool)
    n_pos, n_neg = int(label.sum()), int((~label).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = stats.rankdata(score)
    return float((ranks[label].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def compare_models(calibration: pd.DataFrame, fits: ModelFits | Mapping[str, FitResult]) -> pd.DataFrame:
    """Model comparison on the holdout.

    Parameters
    ----------
    calibration
        From :func:`~repurchase.lifetime_value.calibration_holdout_summary`.
    fits
        Models fitted on ``calibration``, by code.

    Returns
    -------
    pandas.DataFrame
        One row per model plus two baselines: ``model``, ``label``, ``n_params``,
        ``log_likelihood``, ``aic``, ``bic``, ``holdout_actual`` (repeat occasions
        in the holdout), ``holdout_predicted``, ``holdout_error_pct``, ``mae`` and
        ``rmse`` (customer-level holdout purchases), ``auc_buy_again`` (ROC AUC of
        the model's P(buy again in the holdout) for "bought in the holdout"),
        ``penalizer`` and ``retried``.

        Baselines: ``run_rate`` predicts x / T × holdout length; ``recency_only``
        ranks customers by time since their last purchase (AUC only; it makes no
        count prediction). A model that does not beat them is not worth its
        complexity.
    """
    x = calibration["frequency_cal"].to_numpy(float)
    tx = calibration["recency_cal"].to_numpy(float)
    T = calibration["T_cal"].to_numpy(float)
    actual = calibration["frequency_holdout"].to_numpy(float)
    duration = calibration["duration_holdout"].to_numpy(float)
    bought = actual > 0
    rows = []
    for name, fit in _fit_map(fits).items():
        model = _transaction_model(fit)
        pred = model.conditional_expected_purchases(duration, x, tx, T)
        p_again = model.p_buy_again(duration, x, tx, T)
        rows.append(
            {
                "model": name,
                "label": fit.label,
                "n_params": fit.n_params,
                "log_likelihood": fit.log_likelihood,
                "aic": fit.aic,
                "bic": fit.bic,
                "holdout_predicted": float(pred.sum()),
                "mae": float(np.abs(pred - actual).mean()),
                "rmse": float(np.sqrt(((pred - actual) ** 2).mean())),
                "auc_buy_again": _auc(p_again, bought),
                "penalizer": fit.penalizer,
                "retried": fit.retried,
            }
        )
    run_rate = np.divide(x, T, out=np.zeros(len(x)), where=T > 0) * duration
    rows.append(
        {
            "model": "run_rate",
            "label": BASELINE_LABELS["run_rate"],
            "n_params": 0,
            "holdout_predicted": float(run_rate.sum()),
            "mae": float(np.abs(run_rate - actual).mean()),
            "rmse": float(np.sqrt(((run_rate - actual) ** 2).mean())),
            "auc_buy_again": _auc(run_rate, bought),
        }
    )
    rows.append(
        {
            "model": "recency_only",
            "label": BASELINE_LABELS["recency_only"],
            "n_params": 0,
            "auc_buy_again": _auc(-(T - tx), bought),
        }
    )
    table = pd.DataFrame(rows)
    table["holdout_actual"] = float(actual.sum())
    table["holdout_error_pct"] = 100 * (table["holdout_predicted"] / table["holdout_actual"] - 1)
    return table.reindex(columns=COMPARISON_COLUMNS)


@dataclass(frozen=True)
class ModelChoice:
    """The model used for predictions, and why.

    Attributes
    ----------
    model
        The chosen model's code.
    requested
        ``lifetime_value.model`` in params (``auto`` or a model code).
    comparison
        The holdout comparison the choice was made from; None when the models
        could not be validated on a holdout.
    note
        Added to the reason: why the model was taken without a holdout check, or
        that the holdout's choice could not be refitted.
    """

    model: str
    requested: str = "auto"
    comparison: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    note: Unavailable | None = None

    @property
    def ranked(self) -> pd.DataFrame:
        """The purchase models of the comparison, indexed by code (empty without one)."""
        if self.comparison is None:
            return pd.DataFrame(columns=COMPARISON_COLUMNS).set_index("model")
        return self.comparison[self.comparison["model"].isin(TRANSACTION_MODELS)].set_index("model")

    @property
    def best(self) -> str | None:
        """The model with the lowest holdout MAE (None without a comparison)."""
        ranked = self.ranked
        return None if ranked.empty else str(ranked["mae"].idxmin())


def select_model(comparison: pd.DataFrame, requested: str = "auto") -> ModelChoice:
    """Pick the model for predictions: the one set in params, or the lowest holdout MAE.

    Parameters
    ----------
    comparison
        From :func:`compare_models`.
    requested
        ``auto`` or a model code (``lifetime_value.model`` in params).

    Returns
    -------
    ModelChoice
        The model, and what the reason is read from (:func:`repurchase.lifetime_value.text.choice_text`).

    Raises
    ------
    AnalysisError
        When the requested model was not fitted (or failed).
    """
    models = comparison[comparison["model"].isin(TRANSACTION_MODELS)].set_index("model")
    if models.empty:
        raise AnalysisError("no fitted purchase model to choose from.")
    if requested != "auto" and requested not in models.index:
        raise AnalysisError(
            f"lifetime_value.model is {requested!r} but that model was not fitted (or failed); "
            f"set model: auto or one of {', '.join(models.index)}."
        )
    chosen = str(models["mae"].idxmin()) if requested == "auto" else requested
    return ModelChoice(chosen, requested, comparison)


def holdout_by_frequency(
    calibration: pd.DataFrame, fits: ModelFits | Mapping[str, FitResult], *, max_frequency: int = 7
) -> pd.DataFrame:
    """Mean holdout purchases by calibration frequency, actual vs each model.

    Returns
    -------
    pandas.DataFrame
        Long format: ``frequency_cal`` (0 … ``max_frequency``, the last bin being
        "or more"), ``bin`` (label), ``customers``, ``source`` (``actual`` or the
        model label) and ``purchases`` (mean holdout purchases per customer).
    """
    x = calibration["frequency_cal"].to_numpy(float)
    tx = calibration["recency_cal"].to_numpy(float)
    T = calibration["T_cal"].to_numpy(float)
    duration = calibration["duration_holdout"].to_numpy(float)
    bins = np.minimum(x, max_frequency).astype(int)
    data = {"actual": calibration["frequency_holdout"].to_numpy(float)}
    for fit in _fit_map(fits).values():
        data[fit.label] = _transaction_model(fit).conditional_expected_purchases(duration, x, tx, T)
    frame = pd.DataFrame(data)
    frame["frequency_cal"] = bins
    grouped = frame.groupby("frequency_cal")
    means = grouped.mean().reset_index()
    means["customers"] = grouped.size().to_numpy()
    long = means.melt(id_vars=["frequency_cal", "customers"], var_name="source", value_name="purchases")
    long["bin"] = long["frequency_cal"].astype(str).where(long["frequency_cal"] < max_frequency, f"{max_frequency}+")
    return long[["frequency_cal", "bin", "customers", "source", "purchases"]]


def period_transactions(summary: pd.DataFrame, fit: FitResult, *, max_frequency: int = 7) -> pd.DataFrame:
    """Customers by number of repeat purchases, actual vs the model's expectation.

    The expectation is exact: Σ over customers of P(X(T_i) = n) under the fitted
    model (closed form for BG/NBD and MBG/NBD, quadrature for Pareto/NBD),
    computed once per distinct T.

    Returns
    -------
    pandas.DataFrame
        Long format: ``frequency`` (0 … ``max_frequency``), ``bin`` (label, last
        is "or more"), ``source`` (``actual`` or the model label), ``customers``.
    """
    f_col, _, t_col, _ = rfm_columns(summary)
    x = summary[f_col].to_numpy(float)
    T = summary[t_col].to_numpy(float)
    t_unique, t_counts = np.unique(T, return_counts=True)
    pmf = _transaction_model(fit).purchase_pmf(t_unique, max_frequency)
    expected = (pmf * t_counts[:, None]).sum(axis=0)
    expected = np.r_[expected, len(x) - expected.sum()]
    actual = np.bincount(np.minimum(x, max_frequency).astype(int), minlength=max_frequency + 1)
    freq = np.arange(max_frequency + 1)
    labels = [str(i) for i in freq[:-1]] + [f"{max_frequency}+"]
    return pd.concat(
        [
            pd.DataFrame({"frequency": freq, "bin": labels, "source": "actual", "customers": actual.astype(float)}),
            pd.DataFrame({"frequency": freq, "bin": labels, "source": fit.label, "customers": expected}),
        ],
        ignore_index=True,
    )


#: columns of :func:`tracking_data`
TRACKING_COLUMNS = ["week", "week_start", "period", "actual", "predicted", "actual_cumulative", "predicted_cumulative"]


def tracking_data(
    transactions: pd.DataFrame,
    fit: FitResult,
    split: HoldoutSplit,
    *,
    occasion: str = "customer_day",
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    order_col: str = "order_id",
) -> pd.DataFrame:
    """Weekly repeat purchases of the calibration customers, actual vs predicted.

    The cohort is every customer whose first purchase falls in the calibration
    period. Predicted repeat purchases by the end of week k are Σ over customers
    of the model's unconditional E[X(t)] at their age t then (the tracking plot
    of Fader, Hardie & Lee 2005), computed once per distinct first-purchase day.

    Returns
    -------
    pandas.DataFrame
        One row per week: ``week`` (0-based), ``week_start``, ``period``
        (``calibration`` / ``holdout``), ``actual``, ``predicted``,
        ``actual_cumulative``, ``predicted_cumulative``. Weeks are counted back
        from the calibration end, so none straddles it (the first may be short).
    """
    model = _transaction_model(fit)
    occ = occasions(
        transactions, occasion, start=split.calibration_start, end_exclusive=split.holdout.end_exclusive,
        customer_col=customer_col, date_col=date_col, order_col=order_col, amount_col=None,
    )  # fmt: skip
    cal_day = to_day(split.calibration_end)
    end_day = to_day(split.holdout_end)
    pc = per_customer(occ)
    cohort = pc.first <= cal_day
    if not cohort.any():
        raise AnalysisError("no customer made a first purchase in the calibration period; check the split dates.")
    # weeks end on calibration_end, so each week is wholly calibration or wholly holdout
    first_day = int(pc.first[cohort].min())
    start_day = cal_day + 1 - 7 * math.ceil((cal_day + 1 - first_day) / 7)
    # repeat occasions of the cohort
    first_of = np.full(len(occ.ids), np.iinfo(np.int64).max)
    first_of[pc.codes[cohort]] = pc.first[cohort]
    repeat = occ.day > first_of[occ.customer]
    weeks_total = (end_day - start_day) // 7 + 1
    actual = np.bincount((occ.day[repeat] - start_day) // 7, minlength=weeks_total)[:weeks_total]
    # predicted: cumulative expectation at the last day of each week
    births, n_born = np.unique(pc.first[cohort], return_counts=True)
    week_last = np.minimum(start_day + 7 * np.arange(weeks_total) + 6, end_day)
    week_first = np.maximum(start_day + 7 * np.arange(weeks_total), first_day)
    age_days = np.maximum(week_last[None, :] - births[:, None], 0)
    unit = UNIT_DAYS[fit.time_unit]
    cum = (model.expected_purchases(age_days / unit) * n_born[:, None]).sum(axis=0)
    return pd.DataFrame(
        {
            "week": np.arange(weeks_total),
            "week_start": day_to_timestamp(week_first),
            "period": np.where(week_last <= cal_day, "calibration", "holdout"),
            "actual": actual.astype(float),
            "predicted": np.diff(np.r_[0.0, cum]),
            "actual_cumulative": np.cumsum(actual).astype(float),
            "predicted_cumulative": cum,
        }
    )


def p_alive_matrix(
    fit: FitResult, summary: pd.DataFrame, *, max_frequency: int | None = None, quantity: str = "p_alive"
) -> pd.DataFrame:
    """P(alive) (or P(buy again in 26 weeks)) over a frequency × recency grid, at T = the oldest customer's age.

    Parameters
    ----------
    fit
        A transaction model fit.
    summary
        The summary it was fitted on (sets T and the frequency range).
    max_frequency
        Largest frequency shown; default the 99th percentile of frequency (≥ 5).
    quantity
        ``p_alive`` or ``p_buy_again`` (next 26 weeks).

    Returns
    -------
    pandas.DataFrame
        Long format: ``frequency``, ``recency`` (whole time units), ``value``.
        Impossible cells (x = 0 with recency > 0) are NaN.
    """
    model = _transaction_model(fit)
    f_col, _, t_col, _ = rfm_columns(summary)
    T = float(summary[t_col].max())
    if max_frequency is None:
        max_frequency = max(5, int(np.ceil(np.quantile(summary[f_col], 0.99))))
    freq = np.arange(max_frequency + 1, dtype=float)
    rec = np.arange(int(np.floor(T)) + 1, dtype=float)
    ff, rr = np.meshgrid(freq, rec, indexing="ij")
    if quantity == "p_alive":
        val = model.p_alive(ff, rr, T)
    elif quantity == "p_buy_again":
        val = model.p_buy_again(model.units(26 * 7), ff, rr, T)
    else:
        raise AnalysisError(f"quantity {quantity!r} is not p_alive or p_buy_again")
    val = np.where((ff == 0) & (rr > 0), np.nan, val)
    return pd.DataFrame({"frequency": ff.ravel().astype(int), "recency": rr.ravel(), "value": val.ravel()})


# --------------------------------------------------------------------------- spend


@dataclass(frozen=True)
class SpendCheck:
    """Correlation of frequency and mean spend among repeat customers (Gamma-Gamma assumes none)."""

    correlation: float
    n_customers: int
    threshold: float
    warn: bool


def spend_independence(summary: pd.DataFrame, *, threshold: float = 0.3) -> SpendCheck:
    """Pearson correlation of frequency and monetary value among repeat customers with positive spend.

    ``warn`` is True when |r| > ``threshold``: Gamma-Gamma assumes spend is
    independent of purchase frequency, so its spend predictions are then biased
    for frequent (or infrequent) buyers.
    """
    f_col, _, _, m_col = rfm_columns(summary)
    x = summary[f_col].to_numpy(float)
    m = summary[m_col].to_numpy(float)
    keep = (x > 0) & (m > 0)
    n = int(keep.sum())
    r = float(np.corrcoef(x[keep], m[keep])[0, 1]) if n > 2 and np.std(m[keep]) > 0 else float("nan")
    return SpendCheck(r, n, threshold, bool(np.isfinite(r) and abs(r) > threshold))


def spend_distribution(summary: pd.DataFrame, spend_fit: FitResult | None, *, bins: int = 40) -> pd.DataFrame:
    """Observed vs fitted distribution of the mean spend per repeat occasion.

    The curve is the fitted density of a customer's mean spend
    (:meth:`GammaGamma.mean_spend_density`) mixed over the observed x of the repeat customers.

    Returns
    -------
    pandas.DataFrame
        Long format: ``source`` (``observed`` histogram density / ``Gamma-Gamma``),
        ``monetary_value`` (bin centre), ``density``, ``bin_width``. The range is
        cut at the 99th percentile. Without ``spend_fit`` only the observed
        histogram; without repeat customers with a positive spend, empty.
    """
    f_col, _, _, m_col = rfm_columns(summary)
    x = summary[f_col].to_numpy(float)
    m = summary[m_col].to_numpy(float)
    keep = (x > 0) & (m > 0)
    x, m = x[keep], m[keep]
    if len(m) == 0:
        return pd.DataFrame(columns=["source", "monetary_value", "density", "bin_width"])
    upper = float(np.quantile(m, 0.99))
    edges = np.linspace(0.0, upper, bins + 1)
    hist, _ = np.histogram(m, bins=edges)
    width = edges[1] - edges[0]
    centres = 0.5 * (edges[1:] + edges[:-1])
    observed = hist / (len(m) * width)
    observed_frame = pd.DataFrame({"source": "observed", "monetary_value": centres, "density": observed,
                                   "bin_width": width})  # fmt: skip
    if spend_fit is None:
        return observed_frame
    if not isinstance(spend_fit.model, GammaGamma):
        raise AnalysisError(f"spend_fit is {spend_fit.label}; pass the Gamma-Gamma fit (fit_spend).")
    grid = np.linspace(width / 4, upper, 200)
    xs, counts = np.unique(x, return_counts=True)
    fitted = spend_fit.model.mean_spend_density(xs, counts, grid)
    return pd.concat(
        [
            observed_frame,
            pd.DataFrame({"source": spend_fit.label, "monetary_value": grid, "density": fitted, "bin_width": np.nan}),
        ],
        ignore_index=True,
    )
