"""The whole analysis: :func:`run_lifetime_value`, its :class:`LifetimeValueResult`, metrics, exports and ``STAGE``.

The run degrades gracefully on small or short data: a holdout longer than half
the history is shortened, validation is skipped when it cannot be had,
Gamma-Gamma without a finite mean spend is replaced by each customer's observed
average spend, and without a purchase model there is no CLV. Each step not run
as set is an :class:`~repurchase.core.status.Unavailable` (what, why, what to
do, ``lifetime_value.notice.<code>``) that the report states at the top.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from repurchase.core.errors import AnalysisError, InsufficientData
from repurchase.core.occasions import require_columns
from repurchase.core.params import LifetimeValueSettings
from repurchase.core.periods import Window
from repurchase.core.stage import Inputs, Stage
from repurchase.core.status import Term, Unavailable
from repurchase.lifetime_value._common import (
    MIN_REPEAT_CUSTOMERS,
    MODEL_CODES,
    HistoryTooShort,
    SpendUndefined,
    rfm_columns,
)
from repurchase.lifetime_value.calibration import (
    CALIBRATION_COLUMNS,
    ModelsByQuestion,
    brier_scores,
    buy_again_calibration,
    buy_again_columns,
    buy_again_predictions,
    models_by_question,
)
from repurchase.lifetime_value.clv import (
    ClvResult,
    HeuristicClv,
    clv_by_group,
    clv_frame,
    clv_to_cac,
    customer_groups,
    customer_lifetime_value,
    heuristic_clv,
    month_labels,
    value_concentration,
)
from repurchase.lifetime_value.fit import FitResult, ModelFits, fit_models, fit_spend
from repurchase.lifetime_value.history import clv_history
from repurchase.lifetime_value.intervals import (
    PREDICTIVE_COLUMNS,
    IntervalCheck,
    PredictiveIntervals,
    holdout_coverage,
    predictive_intervals,
)
from repurchase.lifetime_value.models import TRANSACTION_MODELS, TransactionModel
from repurchase.lifetime_value.summary import (
    HoldoutSplit,
    calibration_holdout_summary,
    customer_summary,
    empty_summary,
    holdout_split,
)
from repurchase.lifetime_value.validation import (
    COMPARISON_COLUMNS,
    TRACKING_COLUMNS,
    ModelChoice,
    SpendCheck,
    compare_models,
    holdout_by_frequency,
    p_alive_matrix,
    period_transactions,
    select_model,
    spend_distribution,
    spend_independence,
    tracking_data,
)
from repurchase.lifetime_value.warehouse_summary import engine_summarizer
from repurchase.segments import segment_export

__all__ = [
    "CUSTOMER_VALUE_COLUMNS",
    "EXPORT_COLUMNS",
    "GROUPS",
    "STAGE",
    "LifetimeValueResult",
    "clv_export",
    "lifetime_value_metrics",
    "run_lifetime_value",
]

#: columns of ``exports/clv.csv`` after ``customer_id``
EXPORT_COLUMNS = (
    "frequency", "recency", "T", "monetary_value", "first_purchase", "last_purchase", "cohort",
    "expected_purchases", "expected_purchases_low", "expected_purchases_high", "p_alive", "p_buy_again",
    "expected_spend", "past_value", "clv", "clv_low", "clv_high", *PREDICTIVE_COLUMNS,
)  # fmt: skip
#: decimals of the export: money to cents, probabilities, purchase counts and times to 4 places
EXPORT_DECIMALS: dict[str, int] = {
    "monetary_value": 2, "expected_spend": 2, "past_value": 2, "clv": 2, "clv_low": 2, "clv_high": 2,
    "p_alive": 4, "p_buy_again": 4, "expected_purchases": 4, "expected_purchases_low": 4,
    "expected_purchases_high": 4, "recency": 4, "T": 4, "clv_predictive_low": 2, "clv_predictive_high": 2,
}  # fmt: skip
#: columns of :meth:`LifetimeValueResult.customer_values`
CUSTOMER_VALUE_COLUMNS = ("customer_id", "clv", "clv_low", "clv_high", "p_alive", "p_buy_again", "expected_purchases")
#: groupings of CLV the report shows: columns of the first purchase, and the RFM segment (``segment_label``)
GROUP_COLUMNS = ("channel", "region", "store")
GROUPS = ("cohort", *GROUP_COLUMNS, "segment_label")
#: the customers source columns of CLV : CAC
CAC_COLUMNS = ("acquisition_channel", "acquisition_cost")
#: notices that say nothing more once there are too few repeat buyers for any model
_MOOT_WITHOUT_REPEATERS = (
    "holdout_shortened", "history_too_short", "split_invalid", "calibration_few_repeaters", "calibration_fit_failed",
)  # fmt: skip
_MODEL_VALUES = ("model", "failed", "requested")


def notice(code: str, values: Mapping[str, Any] | None = None, then: str | None = None) -> Unavailable:
    """The :class:`Unavailable` ``lifetime_value.notice.<code>``.

    Model codes under ``model``, ``failed`` and ``requested`` become ``Term("lifetime_value.model.<code>")``,
    named in the report language.
    """
    vals = {
        k: Term(f"lifetime_value.model.{v}") if k in _MODEL_VALUES and v in MODEL_CODES else v
        for k, v in (values or {}).items()
    }
    return Unavailable(f"lifetime_value.notice.{code}", vals, then)


def _empty(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=list(columns))


@dataclass
class LifetimeValueResult:
    """Everything the lifetime-value report shows, and what the data could not support.

    Attributes
    ----------
    split
        Calibration/holdout dates; None when the history is too short for a
        holdout or the dates in params do not fit the data.
    calibration
        Calibration/holdout summary (None without a split).
    fits, spend_fit
        Calibration fits (transaction models by code, Gamma-Gamma); empty / None
        when the models could not be validated.
    comparison, choice
        Holdout comparison (empty without validation) and the model chosen for
        predictions (None when no model could be fitted).
    summary
        Summary up to the period end.
    full_fits, full_spend_fit
        Refits on all data to the period end (used for predictions).
    spend_check
        Frequency–spend correlation.
    clv
        Predictions per customer and totals; None when no purchase model could
        be fitted.
    model
        Code of the transaction model used for predictions (None without one).
    notices
        What could not be estimated, why, what was done instead and what the
        user can do; empty when everything ran as set.
    spend_notice, calibration_spend_notice
        Why Gamma-Gamma is not used for CLV (full data) / was not fitted on the
        calibration period; None when it was.
    settings
        The :class:`repurchase.core.params.LifetimeValueSettings` of the run.
    occasion
        What a purchase occasion is (``customer_day`` or ``order``).
    tracking, by_frequency
        :func:`tracking_data` of the model used and :func:`holdout_by_frequency`
        of every model (empty without validation).
    histogram, histogram_data
        :func:`period_transactions` on the calibration period (``calibration``),
        on all data to the period end without a holdout (``full``), or empty
        without a model (``""``).
    p_alive_grid
        :func:`p_alive_matrix` of the refit used for predictions (empty without a model).
    spend_curve
        :func:`spend_distribution` on all data (observed, and the Gamma-Gamma curve when fitted).
    concentration
        :func:`value_concentration` (empty without a CLV).
    groups
        :func:`clv_by_group` by each of :data:`GROUPS`; None for a grouping the
        data do not have; empty without a CLV.
    cac
        :func:`clv_to_cac` by acquisition channel; None without a customers
        source with acquisition channel and cost, or without a CLV.
    heuristic
        :func:`heuristic_clv` (the textbook CLV next to the model).
    buy_again_calibration, brier
        :func:`~repurchase.lifetime_value.calibration.buy_again_calibration` and
        :func:`~repurchase.lifetime_value.calibration.brier_scores` of every
        calibration fit (empty without validation).
    questions
        Which model answers which question (counts/CLV: lowest MAE; P(buy
        again): lowest Brier), None without validation.
    probability_model
        Code of the model whose P(alive) and P(buy again) the CLV table holds:
        ``questions.buy_again`` when it was refitted, else :attr:`model`.
    interval_check
        :func:`~repurchase.lifetime_value.intervals.holdout_coverage` of the
        chosen model's calibration fit (None without validation).
    predictive
        :func:`~repurchase.lifetime_value.intervals.predictive_intervals` of the
        CLV (None without a CLV or without draws); its per-customer columns are
        also in the CLV table. ``clv_low``/``clv_high`` are parameter-only.
    history
        Each customer's CLV at the last 12 month ends from this month's fits
        (:func:`~repurchase.lifetime_value.history.clv_history`), filled by the
        render's stage; empty when not computed.
    """

    split: HoldoutSplit | None
    calibration: pd.DataFrame | None
    fits: ModelFits
    spend_fit: FitResult | None
    comparison: pd.DataFrame
    choice: ModelChoice | None
    summary: pd.DataFrame
    full_fits: ModelFits
    full_spend_fit: FitResult | None
    spend_check: SpendCheck
    clv: ClvResult | None
    model: str | None = None
    notices: tuple[Unavailable, ...] = ()
    spend_notice: Unavailable | None = None
    calibration_spend_notice: Unavailable | None = None
    settings: LifetimeValueSettings | None = None
    occasion: str = "customer_day"
    tracking: pd.DataFrame = field(default_factory=lambda: _empty(TRACKING_COLUMNS))
    by_frequency: pd.DataFrame = field(
        default_factory=lambda: _empty(["frequency_cal", "bin", "customers", "source", "purchases"])
    )
    histogram: pd.DataFrame = field(default_factory=lambda: _empty(["frequency", "bin", "source", "customers"]))
    histogram_data: str = ""
    p_alive_grid: pd.DataFrame = field(default_factory=lambda: _empty(["frequency", "recency", "value"]))
    spend_curve: pd.DataFrame = field(
        default_factory=lambda: _empty(["source", "monetary_value", "density", "bin_width"])
    )
    concentration: pd.DataFrame = field(default_factory=lambda: value_concentration(None))
    groups: dict[str, pd.DataFrame | None] = field(default_factory=dict)
    cac: pd.DataFrame | None = None
    heuristic: HeuristicClv | None = None
    buy_again_calibration: pd.DataFrame = field(default_factory=lambda: _empty(CALIBRATION_COLUMNS))
    brier: dict[str, float] = field(default_factory=dict)
    questions: ModelsByQuestion | None = None
    probability_model: str | None = None
    interval_check: IntervalCheck | None = None
    predictive: PredictiveIntervals | None = None
    history: pd.DataFrame = field(default_factory=pd.DataFrame)

    # -- state ------------------------------------------------------------------

    @property
    def status(self) -> str:
        """``ok`` (everything as set), ``fallback`` (a CLV, with something skipped or replaced) or ``no_clv``."""
        if not self.notices:
            return "ok"
        return "fallback" if self.clv is not None else "no_clv"

    @property
    def reasons(self) -> list[str]:
        """The codes of the notices, e.g. ``["holdout_shortened", "spend_q_le_1"]``."""
        return [n.code for n in self.notices]

    @property
    def validated(self) -> bool:
        """True when the models were compared on a holdout."""
        return bool(self.fits.fits) and not self.comparison.empty

    @property
    def full_fit(self) -> FitResult | None:
        """The refit of the model used for predictions (None without one)."""
        return self.full_fits.fits.get(self.model) if self.model else None

    @property
    def validated_fit(self) -> FitResult | None:
        """The calibration fit of the model used for predictions (None without validation)."""
        return self.fits.fits.get(self.model) if self.model and self.validated else None

    @property
    def clv_customers(self) -> pd.DataFrame:
        """Per-customer CLV (``ClvResult.customers``); an empty table without a CLV (for the charts)."""
        return self.clv.customers if self.clv is not None else clv_frame(None)

    # -- what other analyses read ------------------------------------------------

    def full_model(self, code: str) -> TransactionModel | None:
        """The model ``code`` (``bgnbd``, ``pareto_nbd``, ``mbgnbd``) refitted on all data to the period end.

        A :class:`~repurchase.lifetime_value.models.TransactionModel` holding
        its estimates and ``time_unit``, or None when it was not fitted (too few
        repeat buyers, a failed fit, or not among the models run).
        """
        fit = self.full_fits.fits.get(code)
        return fit.model if fit is not None and isinstance(fit.model, TransactionModel) else None

    def customer_values(self) -> pd.DataFrame:
        """One row per customer of the CLV table, rounded as in ``exports/clv.csv``.

        Columns :data:`CUSTOMER_VALUE_COLUMNS` (``customer_id, clv, clv_low,
        clv_high, p_alive, p_buy_again, expected_purchases``), highest CLV first;
        the interval columns are empty without bootstrap draws. An empty frame
        with these columns when no CLV could be computed.
        """
        if self.clv is None:
            return _empty(CUSTOMER_VALUE_COLUMNS)
        return clv_export(self).reindex(columns=list(CUSTOMER_VALUE_COLUMNS))


def _fit_spend_or_notice(
    summary: pd.DataFrame, fit_kw: Mapping[str, Any]
) -> tuple[FitResult | None, Unavailable | None]:
    """Gamma-Gamma on a summary, and why it cannot give the expected spend (None when it can)."""
    try:
        fit = fit_spend(summary, **fit_kw)
    except InsufficientData:
        f_col, _, _, m_col = rfm_columns(summary)
        n = int(((summary[f_col] > 0) & (summary[m_col] > 0)).sum())
        return None, notice("spend_few", {"n": f"{n:,}", "min": MIN_REPEAT_CUSTOMERS})
    except AnalysisError:
        return None, notice("spend_failed")
    if fit.params["q"] <= 1:
        return fit, notice("spend_q_le_1", {"q": f"{fit.params['q']:.2f}"})
    return fit, None


def _date(value: Any) -> str:
    return "–" if value is None or pd.isna(value) else str(pd.Timestamp(value).date())


def run_lifetime_value(
    transactions: pd.DataFrame,
    period: Window | None = None,
    settings: LifetimeValueSettings | None = None,
    *,
    occasion: str = "customer_day",
    customers: pd.DataFrame | None = None,
    segments: pd.DataFrame | None = None,
    models: Sequence[str] = TRANSACTION_MODELS,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    order_col: str = "order_id",
    amount_col: str = "amount",
    summarize: Callable[[Window], pd.DataFrame] | None = None,
) -> LifetimeValueResult:
    """Run the lifetime-value analysis end to end, degrading gracefully where the data fall short.

    Steps: split → calibration summary → fit BG/NBD, Pareto/NBD, MBG/NBD and
    Gamma-Gamma → holdout comparison → choose the model (params, else lowest
    holdout MAE) → refit the models on all data to the period end → CLV with
    intervals → the tables the report reads (tracking, concentration, CLV by
    cohort, channel, region, store and RFM segment, CLV : CAC, heuristic CLV).

    When the data cannot support a step, the run goes on without it and records
    a notice (an :class:`~repurchase.core.status.Unavailable`) instead of raising:

    * ``holdout_weeks`` more than half of the history (first purchase to the
      holdout end): the holdout is shortened to a third of the history; under
      two weeks, or dates in params that do not fit the data, or fewer than
      ``MIN_REPEAT_CUSTOMERS`` repeat customers in calibration, or no model
      fitting there: the models are not validated, and the model set in params,
      else BG/NBD, makes the predictions;
    * the model chosen on the holdout fails to refit on all data: the next best
      one is used;
    * fewer than ``MIN_REPEAT_CUSTOMERS`` repeat customers, or no model that
      fits even with the retry penalizer: no P(alive) and no CLV (``clv`` None);
    * Gamma-Gamma not fitted, q ≤ 1 (no finite mean spend) or too uncertain for
      the intervals: CLV uses each customer's observed average spend.

    Parameters
    ----------
    transactions
        Cleaned transactions up to (at least) the period end.
    period
        The report period (or any window): the data are observed to its last
        day, ``period.end`` (T is measured to it); its start is not used (the
        history starts at ``settings.calibration_start`` or the first purchase).
        Default: through the last transaction date.
    settings
        ``params.lifetime_value`` (defaults when None).
    occasion
        ``params.repurchase.occasion``: ``customer_day`` or ``order``.
    customers
        The cleaned customers source, for CLV : CAC (``acquisition_channel``,
        ``acquisition_cost``); None without one.
    segments
        Each customer's RFM segment (``customer_id``, ``segment_label``), from
        :func:`repurchase.segments.segment_export`; None to leave CLV by segment out.
    models
        Transaction model codes to fit (the chosen one must be among them).
    summarize
        Computes the customer summary of a window from the same transactions
        elsewhere (``engine_summarizer``: DuckDB); None: :func:`customer_summary` in pandas.

    Returns
    -------
    LifetimeValueResult
        ``status`` is ``ok``, ``fallback`` or ``no_clv``; ``notices`` say why.
    """
    settings = settings if settings is not None else LifetimeValueSettings()
    require_columns(transactions, [customer_col, date_col, amount_col], "the lifetime-value analysis")
    last = transactions[date_col].max() if len(transactions) else pd.NaT
    window = period if period is not None else (None if pd.isna(last) else Window.through(last))
    if settings.model != "auto" and settings.model not in models:
        models = (*models, settings.model)
    models = tuple(models)
    unit = settings.time_unit
    cols = {"customer_col": customer_col, "date_col": date_col, "order_col": order_col}
    fit_kw = {"penalizer": settings.penalizer, "retry_penalizer": settings.retry_penalizer}
    notices: list[Unavailable] = []
    no_fits = ModelFits({})
    empty_comparison = pd.DataFrame(columns=COMPARISON_COLUMNS)
    try:
        if window is None:
            raise InsufficientData("no transactions")
        observed = Window.ending(window.end_exclusive, start=settings.calibration_start)
        summary = (
            summarize(observed)
            if summarize is not None
            else customer_summary(
                transactions, observed, occasion=occasion, time_unit=unit, amount_col=amount_col, **cols
            )
        )
    except InsufficientData:
        summary = empty_summary(customer_col, unit, None if window is None else window.end)
        return LifetimeValueResult(
            None, None, no_fits, None, empty_comparison, None, summary, no_fits, None, spend_independence(summary),
            None, notices=(notice("no_transactions"),), settings=settings, occasion=occasion,
            spend_curve=spend_distribution(summary, None),
        )  # fmt: skip
    period_end = window.end
    first_purchase = summary["first_purchase"].min()
    history = f"{(period_end - first_purchase).days / 7:.1f}"

    # 1. the holdout: shortened when too long for the history, skipped when it cannot be had
    split: HoldoutSplit | None = None
    try:
        split = holdout_split(
            window, calibration_start=settings.calibration_start, calibration_end=settings.calibration_end,
            holdout_end=settings.holdout_end, holdout_weeks=settings.holdout_weeks, history_start=first_purchase,
        )  # fmt: skip
    except HistoryTooShort:
        notices.append(notice("history_too_short", {"weeks": history}))
    except AnalysisError:  # dates in params that do not fit this period
        notices.append(notice("split_invalid", {
            "calibration_end": _date(settings.calibration_end), "holdout_end": _date(settings.holdout_end),
            "first": _date(first_purchase), "period_end": _date(period_end)}))  # fmt: skip
    if split is not None and split.calibration_end < first_purchase:
        notices.append(notice("split_invalid", {
            "calibration_end": _date(split.calibration_end), "holdout_end": _date(split.holdout_end),
            "first": _date(first_purchase), "period_end": _date(period_end)}))  # fmt: skip
        split = None
    if split is not None and split.requested_weeks is not None:
        notices.append(notice("holdout_shortened", {
            "requested": f"{split.requested_weeks:g}", "history": f"{split.history_weeks:.1f}",
            "weeks": f"{split.holdout_weeks:.1f}"}))  # fmt: skip

    # 2. validation on the holdout
    calibration, fits, spend_fit, cal_spend_notice = None, no_fits, None, None
    comparison, choice = empty_comparison, None
    if split is not None:
        calibration = calibration_holdout_summary(
            transactions, split.calibration, split.holdout, occasion=occasion, time_unit=unit, amount_col=amount_col,
            **cols,
        )  # fmt: skip
        repeaters = int((calibration["frequency_cal"] > 0).sum())
        if repeaters < MIN_REPEAT_CUSTOMERS:
            notices.append(notice("calibration_few_repeaters", {
                "n": f"{repeaters:,}", "customers": f"{len(calibration):,}", "min": MIN_REPEAT_CUSTOMERS}))  # fmt: skip
        else:
            fits = fit_models(calibration, models, **fit_kw)
            if not fits.fits:
                notices.append(notice("calibration_fit_failed"))
            else:
                spend_fit, cal_spend_notice = _fit_spend_or_notice(calibration, fit_kw)
                comparison = compare_models(calibration, fits)
                try:
                    choice = select_model(comparison, settings.model)
                except AnalysisError:  # the model set in params did not fit
                    choice = select_model(comparison, "auto")
                    notices.append(notice("requested_failed", {"requested": settings.model, "model": choice.model}))

    # 3. refits on all data to the period end, and the model used for predictions
    full_fits = no_fits
    repeaters = int((summary["frequency"] > 0).sum())
    if repeaters < MIN_REPEAT_CUSTOMERS:
        notices.append(notice("few_repeaters", {
            "n": f"{repeaters:,}", "customers": f"{len(summary):,}", "min": MIN_REPEAT_CUSTOMERS}))  # fmt: skip
    else:
        full_fits = fit_models(summary, list(fits.fits) if fits.fits else list(models), **fit_kw)
        if not full_fits.fits:
            notices.append(notice("fit_failed"))
    model: str | None = None
    if full_fits.fits and choice is not None:
        ranked = comparison[comparison["model"].isin(TRANSACTION_MODELS)].sort_values("mae", kind="stable")
        order = [choice.model, *[m for m in ranked["model"] if m != choice.model]]
        model = next(m for m in order if m in full_fits.fits)
        if model != choice.model:
            note = notice("refit_failed", {"failed": choice.model, "model": model})
            notices.append(note)
            choice = replace(choice, note=note)
    elif full_fits.fits:
        requested = settings.model
        if requested != "auto" and requested in full_fits.fits:
            model, code = requested, "choice_params"
        elif "bgnbd" in full_fits.fits:
            model, code = "bgnbd", "choice_standard"
        else:
            model, code = next(iter(full_fits.fits)), "choice_fallback"
        if requested != "auto" and model != requested:
            notices.append(notice("requested_failed", {"requested": requested, "model": model}))
        choice = ModelChoice(model, requested, None, note=notice(code, {"model": model}))

    # 4. spend and CLV
    full_spend, spend_notice = _fit_spend_or_notice(summary, fit_kw)
    clv: ClvResult | None = None
    if model is not None:
        clv_kw: dict[str, Any] = {
            "horizon_months": settings.horizon_months, "discount_rate_annual": settings.discount_rate_annual,
            "margin": settings.margin, "draws": settings.bootstrap_draws, "interval_level": settings.interval_level,
            "seed": settings.random_seed, "customer_col": customer_col,
        }  # fmt: skip
        try:
            clv = customer_lifetime_value(summary, full_fits[model], full_spend if spend_notice is None else None,
                                          **clv_kw)  # fmt: skip
        except SpendUndefined as exc:  # most bootstrap draws of Gamma-Gamma have no finite mean
            spend_notice = notice("spend_uncertain", {"valid": f"{exc.valid:,}", "draws": f"{exc.draws:,}"})
            clv = customer_lifetime_value(summary, full_fits[model], None, **clv_kw)
        if spend_notice is not None:
            notices.append(replace(spend_notice, then="lifetime_value.spend_fallback"))
        if clv.draws and not np.all(np.isfinite(clv.total("clv")[1:])):
            notices.append(notice("interval_undefined"))
    # 5. P(buy again) from the model calibrated for it (lowest holdout Brier), when it differs
    calibration_table, brier, questions = _empty(CALIBRATION_COLUMNS), {}, None
    if choice is not None and choice.comparison is not None and calibration is not None:
        predictions = buy_again_predictions(calibration, fits)
        calibration_table, brier = buy_again_calibration(predictions), brier_scores(predictions)
        questions = models_by_question(comparison, brier)
    probability_model = model
    calibrated = questions.buy_again if questions is not None and settings.model == "auto" else model
    if clv is not None and calibrated != model and calibrated in full_fits.fits:
        probability_model = calibrated
        clv = replace(clv, customers=buy_again_columns(clv.customers, full_fits[calibrated], clv.horizon_months))
    # 6. predictive intervals (the purchases' own randomness and the parameters'), checked on the holdout
    check, predictive = None, None
    sims = settings.bootstrap_draws if settings.bootstrap_draws >= 10 else 200
    sim_kw: dict[str, Any] = {"level": settings.interval_level, "simulations": sims, "seed": settings.random_seed}
    if questions is not None and calibration is not None and choice is not None and choice.model in fits.fits:
        check = holdout_coverage(calibration, fits[choice.model], parameter_uncertainty=sims == settings.bootstrap_draws,
                                 **sim_kw)  # fmt: skip
    if clv is not None and model is not None and settings.bootstrap_draws > 0:
        predictive = predictive_intervals(clv.customers, full_fits[model], clv.horizon_months, customer_col=customer_col,
                                          **sim_kw)  # fmt: skip
        customers_frame = clv.customers.copy()
        for col in PREDICTIVE_COLUMNS:
            customers_frame[col] = predictive.customers[col].to_numpy()
        clv = replace(clv, customers=customers_frame)
    spend_check = spend_independence(summary, threshold=settings.spend_correlation_warning)
    if any(n.code == "few_repeaters" for n in notices):  # the root cause: the rest (holdout, calibration) is moot
        notices = [n for n in notices if n.code not in _MOOT_WITHOUT_REPEATERS]
    result = LifetimeValueResult(
        split, calibration, fits, spend_fit, comparison, choice, summary, full_fits, full_spend, spend_check, clv,
        model=model, notices=tuple(notices), spend_notice=spend_notice, calibration_spend_notice=cal_spend_notice,
        settings=settings, occasion=occasion, buy_again_calibration=calibration_table, brier=brier,
        questions=questions, probability_model=probability_model, interval_check=check, predictive=predictive,
    )  # fmt: skip
    _report_tables(result, transactions, window, customers, segments, **cols, amount_col=amount_col)
    return result


def _report_tables(
    res: LifetimeValueResult,
    transactions: pd.DataFrame,
    window: Window,
    customers: pd.DataFrame | None,
    segments: pd.DataFrame | None,
    *,
    customer_col: str,
    date_col: str,
    order_col: str,
    amount_col: str,
) -> None:
    """Compute the tables of the report's charts and readings into ``res`` (once, at the run)."""
    settings = res.settings if res.settings is not None else LifetimeValueSettings()
    cols = {"customer_col": customer_col, "date_col": date_col, "order_col": order_col}
    fit = res.validated_fit
    if fit is not None and res.split is not None and res.calibration is not None:
        res.tracking = tracking_data(transactions, fit, res.split, occasion=res.occasion, **cols)
        res.by_frequency = holdout_by_frequency(res.calibration, res.fits)
        res.histogram, res.histogram_data = period_transactions(res.calibration, fit), "calibration"
    elif res.full_fit is not None:
        res.histogram, res.histogram_data = period_transactions(res.summary, res.full_fit), "full"
    if res.full_fit is not None:
        res.p_alive_grid = p_alive_matrix(res.full_fit, res.summary)
    res.spend_curve = spend_distribution(res.summary, res.full_spend_fit)
    res.concentration = value_concentration(res.clv)
    if res.clv is not None:
        firsts = customer_groups(transactions, GROUP_COLUMNS, customer_col=customer_col, date_col=date_col)
        sources: dict[str, pd.DataFrame | None] = dict.fromkeys(GROUP_COLUMNS, firsts)
        sources["cohort"], sources["segment_label"] = None, segments
        for by in GROUPS:
            groups = sources[by]
            present = by in res.clv.customers.columns or (groups is not None and by in groups.columns)
            res.groups[by] = clv_by_group(res.clv, by, groups, customer_col=customer_col) if present else None
        if customers is not None and all(c in customers.columns for c in CAC_COLUMNS):
            res.cac = clv_to_cac(res.clv, customers, customer_col=customer_col)
    res.heuristic = heuristic_clv(
        transactions, res.clv, window, occasion=res.occasion, margin=settings.margin,
        horizon_months=settings.horizon_months, customer_col=customer_col, date_col=date_col, order_col=order_col,
        amount_col=amount_col,
    )  # fmt: skip


# --------------------------------------------------------------------------- metrics, exports, stage


def _model_metrics(fits: ModelFits, spend_fit: FitResult | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in TRANSACTION_MODELS:
        if name in fits.fits:
            fit = fits.fits[name]
            out[name] = {k: float(v) for k, v in fit.params.items()}
            out[name]["log_likelihood"] = float(fit.log_likelihood)
    out["gamma_gamma"] = None if spend_fit is None else {k: float(v) for k, v in spend_fit.params.items()}
    return out


def lifetime_value_metrics(result: LifetimeValueResult) -> dict[str, Any]:
    """The ``lifetime_value`` section of metrics.json (plain, JSON-serialisable values).

    Keys: ``models`` (calibration fits: ``bgnbd {r, alpha, a, b, log_likelihood}``,
    ``pareto_nbd {r, alpha, s, beta, log_likelihood}``, ``mbgnbd`` when fitted,
    ``gamma_gamma {p, q, v}``), ``models_full`` (refits to the period end),
    ``selected_model`` (purchase counts and CLV), ``buy_again_model`` (P(alive)
    and P(buy again) of the exports), ``holdout {actual, predicted}`` (selected
    model) with ``calibration`` (predicted vs observed P(buy again) per model,
    ``by`` frequency or decile, ``group``, ``customers``) and ``brier`` by model,
    ``interval_coverage`` (:class:`~repurchase.lifetime_value.intervals.IntervalCheck`:
    observed coverage of the predictive and parameter-only intervals of holdout
    purchases), ``clv_total``, ``clv_total_low``, ``clv_total_high`` (parameter
    uncertainty only, ``clv_total_interval``), ``clv_total_predictive_low`` and
    ``_high`` (predictive), ``horizon_months``, plus
    ``time_unit``, ``calibration_end``, ``holdout_end``, ``customers``,
    ``retried`` (models whose fit needed the retry penalizer) and
    ``spend_correlation``.

    What the data could not support is null (a model that was not fitted, the
    holdout figures without validation, CLV without a purchase model), and two
    more keys say why: ``status`` (``fallback`` or ``no_clv``, see
    :attr:`LifetimeValueResult.status`) and ``reason`` (the notice codes, e.g.
    ``["history_too_short", "few_repeaters"]``). They are absent when everything
    ran as set.
    """

    def _num(v: float) -> float | None:
        return float(v) if v is not None and np.isfinite(v) else None

    settings = result.settings
    holdout: dict[str, Any] = {"actual": None, "predicted": None}
    if result.validated and result.model in set(result.comparison["model"]):
        row = result.comparison.set_index("model").loc[result.model]
        holdout = {"actual": float(row["holdout_actual"]), "predicted": float(row["holdout_predicted"])}
    holdout["calibration"] = None if result.buy_again_calibration.empty else [
        {"model": r.model, "by": r.by, "group": r.group, "customers": int(r.customers),
         "predicted": float(r.predicted), "observed": float(r.observed)}
        for r in result.buy_again_calibration.itertuples()
    ]  # fmt: skip
    holdout["brier"] = {k: float(v) for k, v in result.brier.items()} or None
    c = result.interval_check
    holdout["interval_coverage"] = None if c is None else {
        "model": c.model, "level": c.level, "predictive": c.coverage, "predictive_bounds_whole": c.coverage_inclusive,
        "parameter_only": c.parameter_coverage, "total_actual": c.total_actual, "total_low": c.total_low,
        "total_high": c.total_high, "total_parameter_low": c.total_parameter_low,
        "total_parameter_high": c.total_parameter_high,
    }  # fmt: skip
    _, p_lo, p_hi = result.predictive.total("clv") if result.predictive is not None else (math.nan,) * 3
    est, lo, hi = result.clv.total("clv") if result.clv is not None else (math.nan, math.nan, math.nan)
    fits = [*result.fits.fits.values(), *result.full_fits.fits.values(), result.spend_fit, result.full_spend_fit]
    retried = sorted({f.code for f in fits if f is not None and f.retried})
    horizon = result.clv.horizon_months if result.clv is not None else getattr(settings, "horizon_months", math.nan)
    metrics: dict[str, Any] = {
        "models": _model_metrics(result.fits, result.spend_fit),
        "models_full": _model_metrics(result.full_fits, result.full_spend_fit),
        "selected_model": result.model,
        "buy_again_model": result.probability_model,
        "holdout": holdout,
        "clv_total": _num(est),
        "clv_total_low": _num(lo),
        "clv_total_high": _num(hi),
        "clv_total_interval": "parameter_only",
        "clv_total_predictive_low": _num(p_lo),
        "clv_total_predictive_high": _num(p_hi),
        "horizon_months": int(horizon) if np.isfinite(horizon) else None,
        "time_unit": result.clv.time_unit if result.clv is not None else result.summary.attrs.get("time_unit"),
        "calibration_end": str(result.split.calibration_end.date()) if result.split is not None else None,
        "holdout_end": str(result.split.holdout_end.date()) if result.split is not None else None,
        "customers": len(result.summary),
        "retried": retried,
        "spend_correlation": _num(result.spend_check.correlation),
    }
    if result.status != "ok":
        metrics["status"] = result.status
        metrics["reason"] = result.reasons
    return metrics


def clv_export(clv: ClvResult | LifetimeValueResult | None, *, customer_col: str = "customer_id") -> pd.DataFrame:
    """Per-customer table for ``exports/clv.csv``: predictions, P(alive), P(buy again), CLV and its interval.

    Sorted by CLV, highest first. Money is rounded to 2 decimals; probabilities,
    expected purchases, recency and T to 4. Given a :class:`LifetimeValueResult`
    without a CLV (no purchase model could be fitted), every customer of the
    summary is listed with the same columns and empty predictions; given None,
    the table is empty.
    """
    predictions = True
    if isinstance(clv, LifetimeValueResult):
        predictions = clv.clv is not None
        frame = clv.clv.customers if clv.clv is not None else clv.summary.copy()
        if not predictions and "first_purchase" in frame and len(frame):
            frame["cohort"] = month_labels(frame["first_purchase"])
    elif clv is None:
        frame, predictions = pd.DataFrame(columns=[customer_col]), False
    else:
        frame = clv.customers
    cols = [customer_col, *[c for c in EXPORT_COLUMNS if c in frame.columns or not predictions]]
    if "clv" in frame:
        frame = frame.sort_values("clv", ascending=False, ignore_index=True)
    out = frame.reindex(columns=cols)
    for col, decimals in EXPORT_DECIMALS.items():
        if col in out and pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].round(decimals)
    return out


def _stage_run(inputs: Inputs) -> LifetimeValueResult:
    p = inputs.params
    segments = segment_export(inputs.result("segmentation"))[["customer_id", "segment", "segment_label"]]
    tx = inputs.transactions()
    result = run_lifetime_value(
        tx, inputs.period, p.lifetime_value, occasion=p.repurchase.occasion,
        customers=inputs.customers(), segments=segments, summarize=engine_summarizer(p, inputs.period, tx),
    )  # fmt: skip
    result.history = clv_history(result, tx, inputs.period)  # read by churn and the overview: computed once
    return result


def _exports(result: LifetimeValueResult) -> dict[str, pd.DataFrame]:
    return {"exports/clv.csv": clv_export(result)}


#: The lifetime-value analysis as a render runs it (see :mod:`repurchase.core.stage`).
STAGE = Stage(
    name="lifetime_value",
    run=_stage_run,
    requires=("segmentation",),
    metrics=lifetime_value_metrics,
    exports=_exports,
)
