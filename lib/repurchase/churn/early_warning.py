"""The early-warning model: a backtest over time, then a churn probability for every active customer.

The models learn on an earlier cutoff and are tested on a later one whose label
window ends at the period end (fully observed); the chosen model is refitted on
the test cutoff and scores the active customers at the period end. Each cutoff
sees the data as they were known that day (``as_of``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, precision_recall_curve, roc_auc_score, roc_curve
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from threadpoolctl import threadpool_limits

from repurchase.churn._base import AsOf, before, empty_table, end_of, known_at, why
from repurchase.churn.definitions import threshold_at
from repurchase.churn.features import churn_features, churn_labels, top_values
from repurchase.churn.labels import feature_label, model_label
from repurchase.core import i18n
from repurchase.core.errors import AnalysisError, InsufficientData
from repurchase.core.periods import Window
from repurchase.core.status import Term, Unavailable

__all__ = ["MIN_CLASS", "BacktestSets", "EarlyWarningResult", "backtest_sets", "early_warning", "lift_table"]


def _signed_log1p(x: np.ndarray) -> np.ndarray:
    return np.sign(x) * np.log1p(np.abs(x))


def _models(random_state: int) -> dict[str, Any]:
    return {
        "gradient_boosting": HistGradientBoostingClassifier(
            max_iter=200,
            learning_rate=0.05,
            max_leaf_nodes=15,
            min_samples_leaf=40,
            l2_regularization=1.0,
            early_stopping=False,
            random_state=random_state,
        ),
        "logistic": make_pipeline(
            SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
            FunctionTransformer(_signed_log1p),
            StandardScaler(),
            LogisticRegression(C=1.0, max_iter=2000),
        ),
    }


@dataclass
class EarlyWarningResult:
    """The backtest and the scores at the period end.

    Attributes
    ----------
    train_cutoff, test_cutoff, end
        The cutoffs (day boundaries; ``end`` is the exclusive end of the period):
        features before each cutoff, labels in the N days from it. The test label
        window ends at ``end`` (fully observed); the training label window ends at
        the test cutoff, so train and test never overlap.
    window_days
        N.
    thresholds
        θ used for the population at each cutoff (``train``, ``test``, ``end``).
    population
        ``active`` or ``all``.
    sizes
        Customers and churners per set (tidy).
    comparison
        Test-set metrics per score: ``model``, ``label``, ``roc_auc``, ``pr_auc``,
        ``base_rate``, ``brier`` (NaN for recency, which is not a probability),
        ``top_decile_lift``.
    validation
        ROC AUC of each candidate on a stratified 25 % validation split of the
        training cutoff: the choice is made there (the logistic regression unless
        gradient boosting is better by more than a margin), so the test set plays
        no part in it.
    chosen
        ``gradient_boosting`` or ``logistic``; None when there is no model.
    test_scores
        Per test customer: ``customer_id``, ``churned`` and one column per score.
    calibration, lift, importance, curves
        Tidy tables for the charts.
    scores
        Per active customer at the end: ``customer_id``, ``p_churn`` (the chosen
        model refitted on the test cutoff, the latest fully observed window) and
        the features used by the at-risk list.
    notes
        What the reader should know about the run, as ``(catalog key, values)``
        pairs; :meth:`note_texts` gives the sentences in a report language.
    unavailable
        None, or why there is no model (the data are too short or too small):
        the backtest tables are then empty and ``p_churn`` is missing.
    """

    train_cutoff: pd.Timestamp
    test_cutoff: pd.Timestamp
    end: pd.Timestamp
    window_days: int
    thresholds: dict[str, int]
    population: str
    sizes: pd.DataFrame
    comparison: pd.DataFrame
    validation: pd.DataFrame
    chosen: str | None
    test_scores: pd.DataFrame
    calibration: pd.DataFrame
    lift: pd.DataFrame
    importance: pd.DataFrame
    curves: pd.DataFrame
    scores: pd.DataFrame
    features: list[str] = field(default_factory=list)
    notes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    choice_margin: float = 0.005
    unavailable: Unavailable | None = None
    #: the fitted final model that made ``p_churn`` (None without one) and the sets' feature/θ settings
    model: Any = field(default=None, metadata={"store": False})
    feature_kwargs: dict[str, Any] = field(default_factory=dict)
    threshold_kwargs: dict[str, Any] = field(default_factory=dict)

    def metric(self, model: str, name: str) -> float:
        row = self.comparison.set_index("model")
        return float(row.loc[model, name]) if model in row.index else math.nan

    def note_texts(self, lang: str = "en") -> list[str]:
        """The notes of the run as sentences in ``lang``."""
        return [i18n.t(key, lang, **values) for key, values in self.notes]


def _lift_table(label: np.ndarray, scores: Mapping[str, np.ndarray], deciles: int = 10) -> pd.DataFrame:
    n = len(label)
    base = label.mean()
    frames = []
    for name, s in scores.items():  # a handful of models
        order = np.lexsort((np.arange(n), -s))  # highest score first, ties by position
        dec = np.empty(n, dtype=np.int64)
        dec[order] = np.arange(n) * deciles // n + 1
        t = pd.DataFrame({"decile": dec, "y": label.astype(float)}).groupby("decile")["y"].agg(["size", "sum"])
        t = t.rename(columns={"size": "customers", "sum": "churners"})
        t["churn_rate"] = t["churners"] / t["customers"]
        t["lift"] = t["churn_rate"] / base if base > 0 else np.nan
        t["cumulative_gain"] = t["churners"].cumsum() / max(label.sum(), 1)
        t["cumulative_share"] = t["customers"].cumsum() / n
        t.insert(0, "model", name)
        frames.append(t.reset_index())
    out = pd.concat(frames, ignore_index=True)
    out["churners"] = out["churners"].astype(np.int64)
    return out


def _calibration_table(label: np.ndarray, probs: Mapping[str, np.ndarray], bins: int = 10) -> pd.DataFrame:
    frames = []
    for name, p in probs.items():
        ranks = pd.Series(p).rank(method="first").to_numpy()
        b = np.minimum(((ranks - 1) * bins // len(p)).astype(np.int64), bins - 1)
        t = (
            pd.DataFrame({"bin": b, "p": p, "y": label.astype(float)})
            .groupby("bin")
            .agg(customers=("y", "size"), mean_predicted=("p", "mean"), observed=("y", "mean"))
        )
        t.insert(0, "model", name)
        frames.append(t.reset_index())
    return pd.concat(frames, ignore_index=True)


def _curve_points(label: np.ndarray, scores: Mapping[str, np.ndarray], points: int = 200) -> pd.DataFrame:
    frames = []
    for name, s in scores.items():
        fpr, tpr, _ = roc_curve(label, s)
        prec, rec, _ = precision_recall_curve(label, s)
        take = np.unique(np.linspace(0, len(fpr) - 1, min(points, len(fpr))).astype(int))
        frames.append(pd.DataFrame({"model": name, "curve": "roc", "x": fpr[take], "y": tpr[take]}))
        take = np.unique(np.linspace(0, len(rec) - 1, min(points, len(rec))).astype(int))
        frames.append(pd.DataFrame({"model": name, "curve": "pr", "x": rec[take], "y": prec[take]}))
    return pd.concat(frames, ignore_index=True)


def _cap(X: pd.DataFrame, y: np.ndarray, rows: int, random_state: int) -> tuple[pd.DataFrame, np.ndarray]:
    """At most ``rows`` training rows: a stratified random sample (seeded) when there are more."""
    if len(X) <= rows:
        return X, y
    X_s, _, y_s, _ = train_test_split(X, y, train_size=rows, stratify=y, random_state=random_state)
    return X_s, y_s


def _population(X: pd.DataFrame, theta: int, population: str) -> pd.DataFrame:
    if population == "all":
        return X
    if population != "active":
        raise AnalysisError(f"churn.population must be active or all, got {population!r}")
    return X.loc[X["recency_days"] <= theta]


@dataclass
class BacktestSets:
    """The customers, feature matrices and labels at the cutoffs of the backtest.

    Attributes
    ----------
    train_cutoff, test_cutoff, end
        The three cutoffs (see :func:`early_warning`).
    window_days
        N.
    thresholds
        θ at each cutoff (``train``, ``test``, ``end``), from the data known then.
    features
        ``train``, ``test``, ``end``: :func:`churn_features` of the population at
        that cutoff, computed from the data known then.
    labels
        ``train``, ``test``: :func:`churn_labels`, indexed like the features, read
        from the data known at the end of the label window.
    """

    train_cutoff: pd.Timestamp
    test_cutoff: pd.Timestamp
    end: pd.Timestamp
    window_days: int
    thresholds: dict[str, int]
    features: dict[str, pd.DataFrame]
    labels: dict[str, pd.Series]
    #: how the features and θ were computed (for scoring other cutoffs, :mod:`repurchase.churn.history`)
    feature_kwargs: dict[str, Any] = field(default_factory=dict)
    threshold_kwargs: dict[str, Any] = field(default_factory=dict)


def backtest_sets(
    tx: pd.DataFrame,
    window: Window,
    *,
    window_days: int = 90,
    as_of: AsOf | None = None,
    threshold_days: int | None = None,
    threshold_quantile: float = 0.9,
    threshold_horizon_days: int | None = 365,
    population: str = "active",
    customers: pd.DataFrame | None = None,
    surveys: pd.DataFrame | None = None,
    tier_date_col: str | None = None,
    occasion: str = "customer_day",
    customer_col: str = "customer_id",
    order_col: str = "order_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> BacktestSets:
    """The feature matrices and labels that :func:`early_warning` learns, is tested and scores on.

    At the training and test cutoffs the features, θ, the population and the
    category and channel columns come from ``as_of(cutoff)``: the data as they
    were known that day. A label is read from the data as known at the end of
    its label window: the training labels from ``as_of(test cutoff)``, the test
    labels from ``tx`` (its window ends at the period end). The scoring set at
    the period end uses ``tx``. Parameters as in :func:`early_warning`.

    Raises
    ------
    InsufficientData
        When the data do not reach back three label windows before the period
        end (its ``unavailable`` says why, for :func:`early_warning`).
    AnalysisError
        When ``as_of`` returns rows dated on or after its cutoff.
    """
    end = end_of(window)
    cols = {"customer_col": customer_col, "order_col": order_col, "date_col": date_col, "amount_col": amount_col}
    test_cutoff = end - pd.Timedelta(days=int(window_days))
    train_cutoff = test_cutoff - pd.Timedelta(days=int(window_days))
    first = tx[date_col].min()
    need = train_cutoff - pd.Timedelta(days=int(window_days))
    if pd.isna(first) or first >= need:
        span = (end - first) / pd.Timedelta(days=1) if pd.notna(first) else 0.0
        reason = why(
            "history_too_short", days=int(window_days), need=3 * int(window_days), date=need.date().isoformat(),
            first="" if pd.isna(first) else first.date().isoformat(), suggest=max(1, math.ceil(span / 3) - 1),
            ready="" if pd.isna(first)
            else (first.normalize() + pd.Timedelta(days=3 * int(window_days) + 1)).date().isoformat(),
        )  # fmt: skip
        raise InsufficientData(
            f"the early-warning backtest needs purchases from before {need.date()} "
            f"(three label windows of {window_days} days before the period end); set churn.label_window_days lower "
            "or use a later period",
            reason,
        )
    at = known_at(tx, end, as_of, [customer_col, date_col, amount_col], date_col)
    rows = before(at(train_cutoff), train_cutoff, date_col)
    categories = top_values(rows, "category", amount_col)
    channels = top_values(rows, "channel", amount_col)
    feat_kw: dict[str, Any] = dict(
        customers=customers,
        surveys=surveys,
        categories=categories,
        channels=channels,
        tier_date_col=tier_date_col,
        bgnbd_window_days=window_days,
        occasion=occasion,
        **cols,
    )
    thetas: dict[str, int] = {}
    features: dict[str, pd.DataFrame] = {}
    labels: dict[str, pd.Series] = {}
    for name, cut in (("train", train_cutoff), ("test", test_cutoff), ("end", end)):  # three cutoffs
        known = at(cut)
        thetas[name] = threshold_at(
            known,
            cut,
            threshold_days,
            threshold_quantile,
            threshold_horizon_days,
            occasion,
            cols,
            window=int(window_days),
        )
        features[name] = _population(churn_features(known, Window.ending(cut), **feat_kw), thetas[name], population)
        if name != "end":
            stop = cut + pd.Timedelta(days=int(window_days))
            labels[name] = churn_labels(
                at(stop), features[name].index, Window.ending(stop, start=cut), customer_col=customer_col,
                date_col=date_col,
            )  # fmt: skip
    return BacktestSets(
        train_cutoff=train_cutoff,
        test_cutoff=test_cutoff,
        end=end,
        window_days=int(window_days),
        thresholds=thetas,
        features=features,
        labels=labels,
        feature_kwargs=feat_kw,
        threshold_kwargs={
            "fixed": threshold_days,
            "quantile": threshold_quantile,
            "horizon": threshold_horizon_days,
            "occasion": occasion,
            "cols": cols,
            "window": int(window_days),
        },
    )


def early_warning(
    tx: pd.DataFrame,
    window: Window,
    *,
    window_days: int = 90,
    as_of: AsOf | None = None,
    threshold_days: int | None = None,
    threshold_quantile: float = 0.9,
    threshold_horizon_days: int | None = 365,
    population: str = "active",
    customers: pd.DataFrame | None = None,
    surveys: pd.DataFrame | None = None,
    tier_date_col: str | None = None,
    random_state: int = 0,
    importance_repeats: int = 3,
    importance_rows: int = 5000,
    choice_margin: float = 0.005,
    max_train_rows: int = 200_000,
    occasion: str = "customer_day",
    customer_col: str = "customer_id",
    order_col: str = "order_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> EarlyWarningResult:
    """Backtest the early-warning model over time, then score every active customer at the period end.

    * Test cutoff = end − N days, where end = ``window.end_exclusive`` (its label
      window ends at the period end, fully observed); training cutoff = test cutoff − N days (its label window ends
      where the test features start: no overlap).
    * Population at each cutoff: customers with a purchase before it; with
      ``population="active"`` only those at most θ days (θ estimated from the
      data before that cutoff) since their last purchase.
    * Candidates: ``HistGradientBoostingClassifier`` and a logistic regression
      (median imputation with missing-value flags, signed log1p, standardised),
      both given the BG/NBD probability fitted before each cutoff as one more
      feature. Gradient boosting is chosen only when its ROC AUC on a stratified
      25 % validation split of the training cutoff beats the logistic regression's
      by more than ``choice_margin`` (the simpler model wins ties); both are then
      refitted on the whole training cutoff and
      compared on the test cutoff with the recency-only baseline and the BG/NBD
      P(no purchase in N days) (fitted on the data before the test cutoff).
    * Scoring: the chosen model is refitted on the test cutoff (the latest fully
      observed label window) and scores the active customers at the period end.
    * Data as known at each cutoff: with ``as_of``, the features, θ and the
      population at the training and test cutoffs come from ``as_of(cutoff)``,
      and a label from the data as known at the end of its window (see
      :func:`backtest_sets`).

    Parameters
    ----------
    tx
        Cleaned transactions up to the period end.
    window
        The observation: the report :class:`~repurchase.core.periods.Period` (or
        ``Window.ending(day)``).
    window_days
        N (``churn.label_window_days``).
    as_of
        ``as_of(cutoff)`` returns the transactions as they were known at a cutoff,
        i.e. the raw data cleaned with ``period_end_exclusive = cutoff``; in a
        notebook ``ctx.transactions_as_of``. Without it (None) every cutoff reads
        ``tx``, whose cleaning already netted refunds dated after the cutoff into
        earlier lines and dropped lines refunded in full after it: the features
        and the training labels then see those later refunds, which flatters the
        backtest whenever refunds are recorded. With it, the cost is two more
        cleanings of the raw source (the training and test cutoffs; cached on
        disk by ``ctx.transactions_as_of``) and two more cleaned tables in memory.
    threshold_days, threshold_quantile, threshold_horizon_days
        θ, as in :func:`repurchase.churn.churn_threshold`.
    population
        ``active`` or ``all``.
    customers, surveys, tier_date_col
        Side sources for :func:`repurchase.churn.churn_features`.
    random_state
        Seed of the models, the validation split and the permutation importance.
    choice_margin
        How much better (validation ROC AUC) gradient boosting must be to be chosen.
    max_train_rows
        The models learn on at most this many customers (a stratified, seeded
        sample), which keeps very large clients to seconds; the test set and the
        scoring always use every customer.
    importance_repeats, importance_rows
        Shuffles per feature in the permutation importance (test set, ROC AUC),
        on at most this many test rows (a random sample, seeded).

    Returns
    -------
    EarlyWarningResult
        When the data are too short (no purchase three label windows before the
        period end) or too small (fewer than 10 churners or 10 buyers at a cutoff)
        for a model, a result without one: its ``unavailable`` says why and what
        to do, the backtest tables are empty, ``chosen`` is None and ``scores``
        holds the active customers at the period end with ``p_churn`` missing (the
        at-risk list then ranks them by value and recency).

    Raises
    ------
    AnalysisError
        When ``as_of`` returns rows dated on or after its cutoff.

    Notes
    -----
    The models run on one thread (``threadpoolctl``, restored on return): on a
    shared 2-core machine OpenMP's spinning threads made gradient boosting ten
    times slower, not faster.
    """
    cols = {"customer_col": customer_col, "order_col": order_col, "date_col": date_col, "amount_col": amount_col}
    sets = None
    with threadpool_limits(limits=1):
        try:
            sets = backtest_sets(
                tx, window, window_days=window_days, as_of=as_of, threshold_days=threshold_days,
                threshold_quantile=threshold_quantile, threshold_horizon_days=threshold_horizon_days,
                population=population, customers=customers, surveys=surveys, tier_date_col=tier_date_col,
                occasion=occasion, **cols,
            )  # fmt: skip
            return _early_warning(
                sets, population=population, customers=customers, tier_date_col=tier_date_col,
                random_state=random_state, importance_repeats=importance_repeats, importance_rows=importance_rows,
                choice_margin=choice_margin, max_train_rows=max_train_rows,
            )  # fmt: skip
        except InsufficientData as exc:  # the report goes on without a model: the list is ranked by value and recency
            if not isinstance(exc.unavailable, Unavailable):
                raise
            return _without_model(
                tx, window, exc.unavailable, sets, window_days=int(window_days), threshold_days=threshold_days,
                threshold_quantile=threshold_quantile, threshold_horizon_days=threshold_horizon_days,
                population=population, choice_margin=choice_margin, occasion=occasion, cols=cols,
            )  # fmt: skip


#: the fewest churners and buyers a cutoff needs for the early-warning model
MIN_CLASS = 10
#: below this ROC AUC on the test cutoff the chosen model has no skill and is not used
MIN_SKILL_AUC = 0.55


def _sizes(sets: BacktestSets) -> pd.DataFrame:
    """Customers, churners, base rate and θ at each cutoff of the backtest."""
    y_train, y_test = sets.labels["train"], sets.labels["test"]
    return pd.DataFrame(
        {
            "set": ["training", "test", "scoring"],
            "cutoff": [sets.train_cutoff, sets.test_cutoff, sets.end],
            "threshold_days": [sets.thresholds["train"], sets.thresholds["test"], sets.thresholds["end"]],
            "customers": [len(y_train), len(y_test), len(sets.features["end"])],
            "churners": [int(y_train.sum()), int(y_test.sum()), np.nan],
            "base_rate": [
                float(y_train.mean()) if len(y_train) else np.nan,
                float(y_test.mean()) if len(y_test) else np.nan,
                np.nan,
            ],
        }
    )


def _without_model(
    tx: pd.DataFrame,
    window: Window,
    reason: Unavailable,
    sets: BacktestSets | None,
    *,
    window_days: int,
    threshold_days: int | None,
    threshold_quantile: float,
    threshold_horizon_days: int | None,
    population: str,
    choice_margin: float,
    occasion: str,
    cols: dict,
) -> EarlyWarningResult:
    """The result of :func:`early_warning` when the data cannot support a model: no scores, only the customers."""
    end = end_of(window)
    test_cutoff = end - pd.Timedelta(days=window_days)
    train_cutoff = test_cutoff - pd.Timedelta(days=window_days)
    if sets is not None:  # the sets exist but hold too few churners or buyers
        thetas, X_end, sizes = dict(sets.thresholds), sets.features["end"], _sizes(sets)
    else:
        theta = threshold_at(
            tx, end, threshold_days, threshold_quantile, threshold_horizon_days, occasion, cols, window=window_days
        )
        thetas = {"end": theta}
        X_end = _population(churn_features(tx, Window.ending(end), occasion=occasion, **cols), theta, population)
        sizes = empty_table(["set", "cutoff", "threshold_days", "customers", "churners", "base_rate"])
    scores = pd.DataFrame({"customer_id": X_end.index, "p_churn": np.nan})
    scores = scores.join(X_end[["recency_days", "frequency", "spend_365d", "spend_total"]].reset_index(drop=True))
    return EarlyWarningResult(
        train_cutoff=train_cutoff, test_cutoff=test_cutoff, end=end, window_days=window_days, thresholds=thetas,
        population=population, sizes=sizes,
        comparison=empty_table(["model", "label", "roc_auc", "pr_auc", "base_rate", "brier", "top_decile_lift"]),
        validation=empty_table(["model", "label", "validation_roc_auc"]), chosen=None,
        test_scores=empty_table(["customer_id", "churned"]),
        calibration=empty_table(["model", "bin", "customers", "mean_predicted", "observed"]),
        lift=empty_table(["model", "decile", "customers", "churners", "churn_rate", "lift", "cumulative_gain",
                     "cumulative_share"]),
        importance=empty_table(["feature", "importance", "std", "description"]),
        curves=empty_table(["model", "curve", "x", "y"]), scores=scores, unavailable=reason, choice_margin=choice_margin,
    )  # fmt: skip


def _early_warning(
    sets: BacktestSets,
    *,
    population: str,
    customers: pd.DataFrame | None,
    tier_date_col: str | None,
    random_state: int,
    importance_repeats: int,
    importance_rows: int,
    choice_margin: float,
    max_train_rows: int,
) -> EarlyWarningResult:
    train_cutoff, test_cutoff, end, window_days = sets.train_cutoff, sets.test_cutoff, sets.end, sets.window_days
    thetas = sets.thresholds
    X_train, y_train = sets.features["train"], sets.labels["train"]
    X_test, y_test = sets.features["test"], sets.labels["test"]
    X_end = sets.features["end"]
    for name, y, cut in (("training", y_train, train_cutoff), ("test", y_test, test_cutoff)):
        if y.nunique() < 2 or min(int(y.sum()), int((~y).sum())) < MIN_CLASS:
            reason = why(
                "too_few_churners", set=Term(f"churn.set.{name}"), date=cut.date().isoformat(),
                customers=f"{len(y):,}", churners=f"{int(y.sum()):,}", buyers=f"{int((~y).sum()):,}", min=MIN_CLASS,
                days=int(window_days),
            )  # fmt: skip
            raise InsufficientData(
                f"the {name} cutoff has {int(y.sum())} churners and {int((~y).sum())} buyers among {len(y)} customers; "
                f"the model needs at least {MIN_CLASS} of each. Set churn.label_window_days to another value or "
                "churn.population: all.",
                reason,
            )
    features = list(X_train.columns)
    X_test = X_test.reindex(columns=features)
    X_end = X_end.reindex(columns=features)
    bg = X_test["bgnbd_p_no_purchase"].to_numpy()
    ytr, yte = y_train.to_numpy(), y_test.to_numpy()
    X_train, ytr = _cap(X_train, ytr, max_train_rows, random_state)
    # choose on a validation split of the training cutoff
    X_fit, X_val, y_fit, y_val = train_test_split(X_train, ytr, test_size=0.25, stratify=ytr, random_state=random_state)
    # a feature without any value in a set a model learns on or scores (e.g. the BG/NBD probability at a cutoff
    # where the BG/NBD could not be fitted) is left out: it would break the boosting's binning, or be missing
    # at scoring for a model that learned on it
    fitted_sets = [X_fit, X_train, X_test] + ([X_end] if len(X_end) else [])
    measured = pd.concat([X.notna().any() for X in fitted_sets], axis=1).all(axis=1)
    features = [f for f in features if measured[f]]
    unmeasured = int((~measured).sum()) - int(not measured.get("bgnbd_p_no_purchase", True))
    X_fit, X_val, X_train, X_test, X_end = (X[features] for X in (X_fit, X_val, X_train, X_test, X_end))
    validation_rows = []
    for name, model in _models(random_state).items():  # two candidates
        model.fit(X_fit, y_fit)
        validation_rows.append(
            {
                "model": name,
                "label": model_label(name),
                "validation_roc_auc": roc_auc_score(y_val, model.predict_proba(X_val)[:, 1]),
            }
        )
    validation = pd.DataFrame(validation_rows)
    auc = validation.set_index("model")["validation_roc_auc"]
    chosen = "gradient_boosting" if auc["gradient_boosting"] > auc["logistic"] + choice_margin else "logistic"
    fitted = _models(random_state)
    probs: dict[str, np.ndarray] = {}
    for name, model in fitted.items():
        model.fit(X_train, ytr)
        probs[name] = model.predict_proba(X_test)[:, 1]
    notes: list[tuple[str, dict[str, Any]]] = []
    if "bgnbd_p_no_purchase" not in features:
        notes.append(("churn.note_no_bgnbd", {}))
    else:
        probs["bgnbd"] = np.nan_to_num(bg, nan=float(np.nanmean(bg)))
    if unmeasured:
        notes.append(("churn.note_unmeasured", {"n": unmeasured}))
    scores = {**probs, "recency": X_test["recency_days"].to_numpy()}
    base_rate = float(yte.mean())
    lift = _lift_table(yte, scores)
    top = lift[lift["decile"] == 1].set_index("model")["lift"]
    comparison = pd.DataFrame(
        [
            {
                "model": name,
                "label": model_label(name),
                "roc_auc": roc_auc_score(yte, s),
                "pr_auc": average_precision_score(yte, s),
                "base_rate": base_rate,
                "brier": brier_score_loss(yte, s) if name != "recency" else math.nan,
                "top_decile_lift": float(top.get(name, math.nan)),
            }
            for name, s in scores.items()
        ]
    )
    skill = float(comparison.set_index("model").loc[chosen, "roc_auc"])
    if not skill >= MIN_SKILL_AUC:  # a model no better than chance must not flag anyone (e.g. a constant score)
        raise InsufficientData(
            f"the chosen model's ROC AUC on the test cutoff is {skill:.2f}, no better than chance",
            why("no_skill", auc=f"{skill:.2f}", min=f"{MIN_SKILL_AUC:.2f}", date=test_cutoff.date().isoformat()),
        )
    order = {chosen: 0, "recency": 1, "bgnbd": 2}
    comparison = comparison.assign(_o=comparison["model"].map(order).fillna(3)).sort_values("_o", kind="stable")
    comparison = comparison.drop(columns="_o").reset_index(drop=True)
    perm = permutation_importance(
        fitted[chosen],
        X_test,
        yte,
        scoring="roc_auc",
        n_repeats=importance_repeats,
        random_state=random_state,
        max_samples=min(1.0, importance_rows / len(X_test)),
    )
    importance = (
        pd.DataFrame({"feature": features, "importance": perm.importances_mean, "std": perm.importances_std})
        .sort_values("importance", ascending=False, kind="stable")
        .reset_index(drop=True)
    )
    importance["description"] = [feature_label(f) for f in importance["feature"]]
    calibration = _calibration_table(yte, {k: v for k, v in probs.items() if k in (chosen, "bgnbd")})
    curves = _curve_points(yte, scores)
    test_scores = pd.DataFrame({"customer_id": X_test.index, "churned": yte, **scores})
    # final model on the latest fully observed window, scoring the active customers at the end
    final = _models(random_state)[chosen]
    final.fit(*_cap(X_test, yte, max_train_rows, random_state))
    p_end = final.predict_proba(X_end)[:, 1] if len(X_end) else np.array([])
    end_scores = pd.DataFrame({"customer_id": X_end.index, "p_churn": p_end})
    end_scores = end_scores.join(
        X_end[["recency_days", "frequency", "spend_365d", "spend_total"]].reset_index(drop=True)
    )
    sizes = _sizes(sets)
    if len(y_train) > max_train_rows:
        notes.append(("churn.note_sample", {"rows": f"{max_train_rows:,}", "total": f"{len(y_train):,}"}))
    if customers is not None and "tier" in customers.columns and not tier_date_col:
        notes.append(("churn.note_tier", {}))
    return EarlyWarningResult(
        train_cutoff=train_cutoff, test_cutoff=test_cutoff, end=end, window_days=int(window_days), thresholds=thetas,
        population=population, sizes=sizes, comparison=comparison, validation=validation, chosen=chosen,
        test_scores=test_scores, calibration=calibration, lift=lift, importance=importance, curves=curves,
        scores=end_scores, features=features, notes=notes, choice_margin=choice_margin, model=final,
        feature_kwargs=sets.feature_kwargs, threshold_kwargs=sets.threshold_kwargs,
    )  # fmt: skip


def lift_table(warning: EarlyWarningResult, model: str | None = None) -> pd.DataFrame:
    """Churners, churn rate, lift and cumulative gain by decile of one score (default: the chosen model)."""
    name = model or warning.chosen
    out = warning.lift[warning.lift["model"] == name].drop(columns="model").reset_index(drop=True)
    return out[["decile", "customers", "churners", "churn_rate", "lift", "cumulative_share", "cumulative_gain"]]
