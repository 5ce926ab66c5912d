"""The lifetime-value report's words: sentences and :class:`~repurchase.core.table.Table` specs.

Every function reads a :class:`~repurchase.lifetime_value.pipeline.LifetimeValueResult`
(or one of its parts) and returns what ``ctx.show`` displays: a sentence (plain
``str``, ``**bold**`` allowed; empty for nothing), or a ``Table`` whose columns
are the ``ltv_*`` headers of the catalog (``col.ltv_*``) with their formats.
Text is in ``lang`` (``en`` or ``zh``, from ``resources/i18n/<lang>/lifetime_value.yaml``);
amounts in sentences are in ``currency``. Codes, numbers, metrics and exports
stay the same in every language.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from repurchase.core import formatting, i18n
from repurchase.core.errors import AnalysisError
from repurchase.core.table import Table
from repurchase.lifetime_value._common import UNIT_DAYS, model_label, money, rfm_columns, sep
from repurchase.lifetime_value.clv import MIN_HEURISTIC_WINDOW, ClvResult, DiscountRate, top_customers
from repurchase.lifetime_value.fit import FitResult, ModelFits, failure_text
from repurchase.lifetime_value.pipeline import CAC_COLUMNS, LifetimeValueResult
from repurchase.lifetime_value.summary import HoldoutSplit
from repurchase.lifetime_value.text_holdout import (
    brier_table,
    calibration_table,
    describe_calibration,
    describe_intervals,
    describe_questions,
)
from repurchase.lifetime_value.validation import ModelChoice, SpendCheck

__all__ = [
    "brier_table",
    "cac_table",
    "calibration_table",
    "choice_text",
    "clv_text",
    "comparison_table",
    "concentration_table",
    "describe_cac",
    "describe_calibration",
    "describe_choice",
    "describe_clv",
    "describe_concentration",
    "describe_findings",
    "describe_fits",
    "describe_group",
    "describe_groups",
    "describe_heuristic",
    "describe_holdout_by_frequency",
    "describe_intervals",
    "describe_p_alive",
    "describe_period_transactions",
    "describe_questions",
    "describe_spend",
    "describe_split",
    "describe_status",
    "describe_tracking",
    "discount_text",
    "fit_text",
    "fits_sentence",
    "fits_text",
    "group_table",
    "heuristic_table",
    "overview_table",
    "parameter_table",
    "parameters",
    "plain_number",
    "spend_check_text",
    "split_text",
    "summary_overview",
    "top_customers_table",
    "totals_table",
]


def _t(key: str, lang: str, **values: Any) -> str:
    return i18n.t(f"lifetime_value.{key}", lang, **values)


# --------------------------------------------------------------------------- parts of the result


def split_text(split: HoldoutSplit, lang: str = "en") -> str:
    """The calibration and holdout dates in one sentence, with where they came from."""
    if split.source == "params":
        source = _t("split_params", lang)
    elif split.source == "shortened":
        source = _t("split_shortened", lang, requested=f"{split.requested_weeks:g}",
                    history=f"{split.history_weeks:.1f}")  # fmt: skip
    else:
        source = _t("split_default", lang, weeks=split.default_weeks)
    start = _t("split_from_first", lang) if split.calibration_start is None else f"{split.calibration_start.date()}"
    return _t(
        "split", lang, start=start, calibration_end=split.calibration_end.date(),
        holdout_start=(split.calibration_end + pd.Timedelta(days=1)).date(), holdout_end=split.holdout_end.date(),
        weeks=f"{split.holdout_weeks:.1f}", source=source,
    )  # fmt: skip


def fit_text(fit: FitResult, lang: str = "en") -> str:
    """How a fit went, in one sentence (and its warnings)."""
    text = _t(
        "fit.head", lang, model=model_label(fit.code, lang), customers=f"{fit.n_customers:,}",
        rows=f"{fit.n_unique:,}", ll=f"{fit.log_likelihood:,.1f}",
    )  # fmt: skip
    if fit.retried:
        # English keeps the optimiser's own words; other languages name the reason from the catalog
        reason = fit.retry_reason if lang == "en" or not fit.retry_code else failure_text(fit.retry_code, lang)
        text += _t("fit.retried", lang, reason=reason, penalizer=f"{fit.penalizer:g}")
    elif fit.penalizer > 0:
        text += _t("fit.penalized", lang, penalizer=f"{fit.penalizer:g}")
    else:
        text += _t("fit.converged", lang)
    text += _t("sentence_end", lang)
    notes = [i18n.t(key, lang, **values) for key, values in fit.notes]
    if notes:
        text += sep(lang) + sep(lang).join(notes)
    return text


def fits_text(fits: ModelFits, lang: str = "en") -> list[str]:
    """One sentence per model, failures included."""
    lines = [fit_text(f, lang) for f in fits.fits.values()]
    # English keeps the full error; other languages say what happened (it is always a failed retry)
    lines += [
        _t("fit.failed", lang, model=model_label(m, lang), why=why if lang == "en" else _t("fail.twice", lang))
        for m, why in fits.failures.items()
    ]
    return lines


def _choice_reason(models: pd.DataFrame, chosen: str, requested: str, lang: str) -> str:
    best = str(models["mae"].idxmin())
    row = models.loc[chosen]
    total = _t(
        "choice.total", lang, predicted=f"{row['holdout_predicted']:,.0f}", actual=f"{row['holdout_actual']:,.0f}",
        error=f"{row['holdout_error_pct']:+.1f}%",
    )  # fmt: skip
    if requested != "auto":
        extra = "" if chosen == best else _t("choice.extra", lang, model=model_label(best, lang))
        return _t(
            "choice.requested", lang, model=model_label(chosen, lang), code=chosen, total=total,
            mae=f"{models.at[chosen, 'mae']:.3f}", extra=extra,
        )  # fmt: skip
    others = _t("list_sep", lang).join(
        f"{model_label(m, lang)} {models.at[m, 'mae']:.3f}" for m in models.index if m != best
    )
    return _t(
        "choice.auto", lang, model=model_label(best, lang), mae=f"{models.at[best, 'mae']:.3f}",
        others=_t("choice.others", lang, others=others) if others else "", total=total,
    )  # fmt: skip


def choice_text(choice: ModelChoice, lang: str = "en") -> str:
    """Why this model was chosen: the holdout errors (or the note, without a holdout check)."""
    if choice.comparison is None:
        return choice.note.text(lang) if choice.note is not None else ""
    text = _choice_reason(choice.ranked, choice.model, choice.requested, lang)
    return text if choice.note is None else text + sep(lang) + choice.note.text(lang)


def discount_text(discount: DiscountRate, lang: str = "en") -> str:
    """The annual-to-monthly conversion of the discount rate."""
    return _t(
        "discount", lang, annual=f"{discount.annual:.1%}", annual_raw=f"{discount.annual:g}",
        monthly=f"{discount.monthly:.4%}", monthly_raw=f"{discount.monthly:.6f}",
    )  # fmt: skip


def clv_text(clv: ClvResult, lang: str = "en", currency: str = "") -> str:
    """The total CLV with its interval and the discounting."""
    est, lo, hi = clv.total("clv")
    basis = (
        _t("clv_basis_margin", lang, margin=f"{clv.margin:.0%}") if clv.margin < 1 else _t("clv_basis_revenue", lang)
    )
    key = "clv_total" if clv.spend_basis == "gamma_gamma" else "clv_total_observed"
    text = _t(key, lang, model=model_label(clv.model, lang), months=f"{clv.horizon_months:g}", basis=basis,
              total=money(est, currency, lang))  # fmt: skip
    if clv.draws and np.isfinite(lo) and np.isfinite(hi):
        text += _t(
            "clv_interval", lang, level=f"{clv.interval_level:.0%}", low=money(lo, currency, lang),
            high=money(hi, currency, lang), draws=f"{clv.draws:,}",
        )  # fmt: skip
    elif clv.draws:
        text += _t("clv_interval_none", lang)
    return text + _t("sentence_end", lang) + sep(lang) + discount_text(clv.discount, lang)


def spend_check_text(check: SpendCheck, lang: str = "en") -> str:
    """The frequency–spend correlation check in one sentence."""
    if not np.isfinite(check.correlation):  # every repeat customer has the same frequency (e.g. one month of data)
        return _t("spend_no_correlation", lang, n=f"{check.n_customers:,}")
    key = "spend_correlated" if check.warn else "spend_independent"
    return _t(key, lang, r=f"{check.correlation:.2f}", threshold=f"{check.threshold:g}", n=f"{check.n_customers:,}")


def _spend_text(spend_fit: FitResult, check: SpendCheck, currency: str, lang: str) -> str:
    p, q, v = (spend_fit.params[k] for k in ("p", "q", "v"))
    mean = v * p / (q - 1) if q > 1 else float("inf")
    return _t(
        "spend_reading", lang, customers=f"{spend_fit.n_customers:,}", mean=money(mean, currency, lang),
        p=plain_number(p, 3), q=plain_number(q, 3), v=plain_number(v, 3), check=spend_check_text(check, lang),
    )  # fmt: skip


def plain_number(value: Any, digits: int = 4) -> str:
    """A number for a report without scientific notation: ``digits`` significant digits, thousands separated.

    825312.4 → ``825,300``; 6.2467 → ``6.247``; 0.000012 → ``< 0.0001``; inf, NaN
    or beyond a billion → ``–`` (not identified by the data: a parameter running
    off to infinity, or an interval the data do not bound).
    """
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(x) or abs(x) >= 1e9:
        return "–"
    if x == 0:
        return "0"
    if abs(x) < 1e-4:
        return "< 0.0001" if x > 0 else "> −0.0001"
    magnitude = math.floor(math.log10(abs(x)))
    if magnitude >= digits - 1:
        return f"{round(x, digits - 1 - magnitude):,.0f}"
    rounded = round(x, digits - 1 - magnitude)
    if abs(rounded) >= 1000:  # 999.96 rounds to 1,000
        return f"{rounded:,.0f}"
    text = f"{rounded:.{digits - 1 - magnitude}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# --------------------------------------------------------------------------- tables in the report language

#: report columns and their header keys (``col.ltv_*`` in the lifetime_value catalog); the
#: group columns channel, region, store and customer_id keep the shared headers
DISPLAY_COLUMNS: dict[str, str] = {
    "model": "ltv_model", "label": "ltv_model", "parameter": "ltv_parameter", "estimate": "ltv_estimate",
    "std_error": "ltv_std_error", "ci95_low": "ltv_ci95_low", "ci95_high": "ltv_ci95_high", "fit": "ltv_fit",
    "n_params": "ltv_n_params", "log_likelihood": "ltv_log_likelihood", "aic": "ltv_aic", "bic": "ltv_bic",
    "holdout_actual": "ltv_holdout_actual", "holdout_predicted": "ltv_holdout_predicted",
    "holdout_error_pct": "ltv_holdout_error_pct", "mae": "ltv_mae", "rmse": "ltv_rmse",
    "auc_buy_again": "ltv_auc_buy_again", "penalizer": "ltv_penalizer", "retried": "ltv_retried",
    "quantity": "ltv_quantity", "low": "ltv_low", "high": "ltv_high", "frequency": "ltv_frequency",
    "recency": "ltv_recency", "T": "ltv_T", "expected_purchases": "ltv_expected_purchases",
    "p_alive": "ltv_p_alive", "p_buy_again": "ltv_p_buy_again", "expected_spend": "ltv_expected_spend",
    "clv": "ltv_clv", "clv_low": "ltv_clv_low", "clv_high": "ltv_clv_high", "top": "ltv_top",
    "top_share": "ltv_top_share", "customers": "ltv_customers", "share_of_clv": "ltv_share_of_clv",
    "cohort": "ltv_cohort", "segment_label": "ltv_segment", "clv_total": "ltv_clv_total", "clv_mean": "ltv_clv_mean",
    "clv_median": "ltv_clv_median", "p_buy_again_mean": "ltv_p_buy_again_mean",
    "acquisition_channel": "ltv_acquisition_channel", "buyers": "ltv_buyers", "cac_mean": "ltv_cac_mean",
    "past_value_mean": "ltv_past_value_mean", "value_mean": "ltv_value_mean", "clv_to_cac": "ltv_clv_to_cac",
    "future_to_cac": "ltv_future_to_cac", "meets_3x": "ltv_meets_3x", "basis": "ltv_basis", "interval": "ltv_interval",
}  # fmt: skip
_FIT_CODES = {"calibration": "calibration", "all data to period end": "full"}
_PARAMETER_SYMBOLS = {"alpha": "α", "beta": "β"}
#: groupings the report names in words (``lifetime_value.group.<name>``)
GROUP_NAMES = ("cohort", "channel", "region", "store", "segment")
_GROUP_FORMATS = {"ltv_share_of_clv": "{:.1%}", "ltv_p_buy_again_mean": "{:.1%}"}


def _top_label(share: float, lang: str) -> str:
    return _t("top_label", lang, share=f"{share:.0%}")


def _group_name(by: str, lang: str) -> str:
    """How a grouping is named in a sentence: cohort / 首购同期群, channel / 渠道 …"""
    code = "segment" if by == "segment_label" else by
    return i18n.t(f"lifetime_value.group.{code}", lang) if code in GROUP_NAMES else str(by)


def _group_value(value: Any, by: str, lang: str) -> str:
    """A group in the report language: cohorts as month names, the missing group as (none) / （无）."""
    if value == "(none)":
        return _t("none", lang)
    if by == "cohort" and isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}", value):
        return formatting.format_month(value, lang)
    return str(value)


def _display_frame(frame: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """A table of this analysis as the report shows it: headers ``ltv_*`` and words in ``lang``.

    Columns named in :data:`DISPLAY_COLUMNS` are renamed to their ``ltv_*`` header
    (``ctx.show`` translates them through ``col.ltv_*``; format keys use the new
    names). Values: model codes become model names, parameter names α/β,
    fits, quantities and bases words, yes/no for flags, cohorts month names, the
    missing group (none) / （无）, and top-share labels follow ``top_share``.
    Numbers are untouched.
    """
    out = frame.copy()
    if "model" in out and "label" in out:  # the comparison: codes name the models
        out = out.drop(columns="label")
    if "model" in out:
        out["model"] = [model_label(m, lang) for m in out["model"]]
    if "parameter" in out:
        out["parameter"] = out["parameter"].map(lambda p: _PARAMETER_SYMBOLS.get(p, p))
    if "fit" in out:
        out["fit"] = [
            i18n.t(f"lifetime_value.fit_name.{_FIT_CODES[f]}", lang) if f in _FIT_CODES else f for f in out["fit"]
        ]
    if "quantity" in out:
        codes = ("clv", "expected_purchases")
        out["quantity"] = [i18n.t(f"lifetime_value.quantity.{q}", lang) if q in codes else q for q in out["quantity"]]
    if "basis" in out:
        out["basis"] = [
            i18n.t(f"lifetime_value.basis.{b}", lang) if b in ("margin", "revenue") else b for b in out["basis"]
        ]
    for flag in ("retried", "meets_3x"):
        if flag in out:
            yes, no = _t("yes", lang), _t("no", lang)
            out[flag] = [(yes if v else no) if isinstance(v, (bool, np.bool_)) else v for v in out[flag].astype(object)]
    if "top" in out and "top_share" in out:
        out["top"] = [_top_label(s, lang) for s in out["top_share"]]
    for by in ("cohort", "channel", "region", "store", "segment_label", "acquisition_channel"):
        if by in out:
            out[by] = [_group_value(v, by, lang) for v in out[by]]
    return out.rename(columns=DISPLAY_COLUMNS)


def summary_overview(summary: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The customer summary in a few lines (``item`` in ``lang``, ``value`` as display strings)."""
    f_col, r_col, t_col, m_col = rfm_columns(summary)
    unit_code = summary.attrs.get("time_unit", "W")
    unit = i18n.t(f"lifetime_value.unit.{unit_code if unit_code in UNIT_DAYS else 'W'}", lang)
    x = summary[f_col]
    repeat = x > 0
    rows = [
        ("customers", f"{len(summary):,}"),
        ("repeat_customers", f"{int(repeat.sum()):,} ({repeat.mean():.1%})" if len(summary) else "0"),
        ("repeat_occasions", f"{int(x.sum()):,}"),
        ("repeat_per_customer", f"{x[repeat].mean():.2f}" if repeat.any() else "–"),
        ("median_T", f"{summary[t_col].median():.1f}" if len(summary) else "–"),
        ("median_recency", f"{summary.loc[repeat, r_col].median():.1f}" if repeat.any() else "–"),
        ("mean_repeat_value", f"{summary.loc[repeat, m_col].mean():,.2f}" if repeat.any() and m_col in summary else "–"),
    ]  # fmt: skip
    items = [i18n.t(f"lifetime_value.overview.{code}", lang, unit=unit) for code, _ in rows]
    return pd.DataFrame({"item": items, "value": [value for _, value in rows]})


def parameters(res: LifetimeValueResult) -> pd.DataFrame:
    """Calibration and full-data parameters with standard errors, side by side (tidy)."""
    parts = []
    for fit_name, fits, spend in (("calibration", res.fits, res.spend_fit),
                                  ("all data to period end", res.full_fits, res.full_spend_fit)):  # fmt: skip
        tables = [f.table() for f in [*fits.fits.values(), spend] if f is not None]
        if tables:
            parts.append(pd.concat(tables, ignore_index=True).assign(fit=fit_name))
    if not parts:
        return pd.DataFrame(columns=["model", "parameter", "estimate", "std_error", "ci95_low", "ci95_high", "fit"])
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------- the report, section by section


def describe_findings(res: LifetimeValueResult, lang: str = "en", currency: str = "") -> str:
    """The key findings at the top of the lifetime-value report: 2–4 sentences with the numbers to act on.

    Parameters
    ----------
    res
        The lifetime-value result (:func:`repurchase.lifetime_value.run_lifetime_value`).
    lang
        Report language (``en`` or ``zh``).
    currency
        Currency of the amounts (as for :func:`describe_clv`).

    Returns
    -------
    str
        The expected purchases and total CLV over the horizon with the
        predictive interval of the total (the parameter-only one when there is
        no predictive interval), as :func:`describe_clv` gives them; the share
        of that value held by the top customers (:func:`describe_concentration`);
        the RFM segment worth most per customer (:func:`describe_group`); and
        the chosen model's holdout check (:func:`describe_choice`), or that it
        could not be checked. Without a CLV: why (:func:`describe_status`).
    """
    clv = res.clv
    if clv is None:
        return describe_status(res, lang) or _t("skip.model", lang)
    est, low, high = clv.total("clv")
    level, kind = clv.interval_level, "parameter"
    if res.predictive is not None:
        _, low, high = res.predictive.total("clv")
        level, kind = res.predictive.level, "predictive"
    interval = ""
    if (kind == "predictive" or clv.draws) and np.isfinite(low) and np.isfinite(high):
        interval = _t("findings.interval", lang, level=f"{level:.0%}", kind=_t(f"interval_kind.{kind}", lang),
                      low=money(low, currency, lang), high=money(high, currency, lang))  # fmt: skip
    basis = _t("findings.margin", lang, margin=f"{clv.margin:.0%}") if clv.margin < 1 else ""
    parts = [
        _t("findings.total", lang, months=f"{clv.horizon_months:g}", purchases=f"{clv.total('expected_purchases')[0]:,.0f}",
           total=money(est, currency, lang), basis=basis, interval=interval)
    ]  # fmt: skip
    top = res.concentration.sort_values("top_share")
    if len(top):
        wide, narrow = top.iloc[-1], top.iloc[0]
        parts.append(_t("findings.concentration", lang, top=_top_label(wide["top_share"], lang),
                        share=f"{wide['share_of_clv']:.0%}", narrow=_top_label(narrow["top_share"], lang),
                        narrow_share=f"{narrow['share_of_clv']:.0%}"))  # fmt: skip
    segments = res.groups.get("segment_label")
    if segments is not None and len(segments) >= 2:
        best = segments.sort_values("clv_mean", ascending=False).iloc[0]
        parts.append(_t("findings.segment", lang, segment=_group_value(best["segment_label"], "segment_label", lang),
                        mean=money(best["clv_mean"], currency, lang), share=f"{best['share_of_clv']:.0%}",
                        customers=f"{int(best['customers']):,}"))  # fmt: skip
    choice = res.choice
    if choice is not None:
        model = model_label(choice.model, lang)
        ranked = choice.ranked
        if res.validated and choice.comparison is not None and choice.model in ranked.index:
            row = ranked.loc[choice.model]
            total = _t(
                "choice.total", lang, predicted=f"{row['holdout_predicted']:,.0f}",
                actual=f"{row['holdout_actual']:,.0f}", error=f"{row['holdout_error_pct']:+.1f}%",
            )  # fmt: skip
            parts.append(_t("findings.checked", lang, model=model, total=total))
        else:
            parts.append(_t("findings.unchecked", lang, model=model))
    return sep(lang).join(parts)


def describe_status(res: LifetimeValueResult, lang: str = "en") -> str:
    """What these data could not support, why, and what the user can do; empty when all ran as set."""
    if not res.notices:
        return ""
    head = _t("status.no_clv" if res.clv is None else "status.fallback", lang)
    return f"**{head}**" + sep(lang) + sep(lang).join(n.text(lang) for n in res.notices)


def describe_split(res: LifetimeValueResult, lang: str = "en") -> str:
    """The calibration and holdout dates, or that there is no holdout check."""
    skip = _t("skip.validation", lang)
    if res.split is None:
        return skip
    return split_text(res.split, lang) + ("" if res.validated else sep(lang) + skip)


def overview_table(res: LifetimeValueResult, lang: str = "en") -> Table:
    """The customer summary in a few lines."""
    return Table(summary_overview(res.summary, lang), caption=_t("caption.overview", lang))


def describe_fits(
    res: LifetimeValueResult, which: Literal["calibration", "full"] = "calibration", lang: str = "en"
) -> str:
    """How every fit went (transaction models, then Gamma-Gamma).

    ``calibration``: the fits validated on the holdout; ``full``: the refits on
    all data to the period end, which make the predictions. Fits that were not
    attempted say why.
    """
    if which not in ("calibration", "full"):
        raise AnalysisError(f"which is {which!r}; use 'calibration' or 'full'.")
    if which == "calibration":
        fits, spend, note, skip = res.fits, res.spend_fit, res.calibration_spend_notice, "validation"
    else:
        fits, spend, note, skip = res.full_fits, res.full_spend_fit, res.spend_notice, "model"
    if not fits.fits and not fits.failures:
        return i18n.t(f"lifetime_value.skip.{skip}", lang)
    lines = fits_text(fits, lang)
    if spend is not None:
        lines.append(fit_text(spend, lang))
    elif note is not None:
        lines.append(note.text(lang))
    return sep(lang).join(lines)


def fits_sentence(res: LifetimeValueResult, which: Literal["calibration", "full"], lang: str = "en") -> str:
    """:func:`describe_fits` after its bold heading (calibration fits, or refits on all data)."""
    head = _t("calibration_fits" if which == "calibration" else "full_fits", lang)
    return f"**{head}** {describe_fits(res, which, lang)}"


def parameter_table(res: LifetimeValueResult, lang: str = "en") -> Table:
    """Calibration and full-data parameters as the report shows them: names in ``lang``, numbers as text.

    Numbers have no scientific notation (825,300, not 8.253e+05; see
    :func:`plain_number`): 4 significant digits, 3 for standard errors;
    intervals the data do not bound (infinite or undefined) read "–".
    """
    out = _display_frame(parameters(res), lang)
    for col, digits in (("ltv_estimate", 4), ("ltv_std_error", 3), ("ltv_ci95_low", 4), ("ltv_ci95_high", 4)):
        out[col] = [plain_number(v, digits) for v in out[col]]
    return Table(out, caption=_t("caption.parameters", lang), max_rows=40)


def comparison_table(res: LifetimeValueResult, lang: str = "en") -> Table:
    """The holdout comparison (empty without validation)."""
    frame = _display_frame(res.comparison.drop(columns=["n_params", "rmse", "penalizer"]), lang)
    formats = {"ltv_log_likelihood": "{:,.1f}", "ltv_aic": "{:,.1f}", "ltv_bic": "{:,.1f}",
               "ltv_holdout_actual": "{:,.0f}", "ltv_holdout_predicted": "{:,.0f}", "ltv_holdout_error_pct": "{:+.1f}%",
               "ltv_mae": "{:.3f}", "ltv_auc_buy_again": "{:.3f}"}  # fmt: skip
    return Table(frame, formats=formats)


def describe_choice(res: LifetimeValueResult, lang: str = "en") -> str:
    """The model used for predictions and why."""
    if res.model is None or res.choice is None:
        return _t("skip.model", lang)
    head = _t("model_used", lang, model=model_label(res.model, lang))
    return f"**{head}**" + sep(lang) + choice_text(res.choice, lang)


def describe_tracking(res: LifetimeValueResult, lang: str = "en") -> str:
    """How closely the model tracks cumulative repeat purchases in the holdout, or that there is no check."""
    fit, tracking = res.validated_fit, res.tracking
    if fit is None or tracking.empty:
        return _t("skip.validation", lang)
    hold = tracking[tracking["period"] == "holdout"]
    cal = tracking[tracking["period"] == "calibration"]
    model = model_label(fit.code, lang)
    if hold.empty or cal.empty:
        return _t("tracking_empty", lang, model=model)
    a0, p0 = cal["actual_cumulative"].iloc[-1], cal["predicted_cumulative"].iloc[-1]
    actual = hold["actual_cumulative"].iloc[-1] - a0
    predicted = hold["predicted_cumulative"].iloc[-1] - p0
    gap = predicted / actual - 1 if actual else float("nan")
    return _t("tracking_reading", lang, actual=f"{actual:,.0f}", model=model, predicted=f"{predicted:,.0f}",
              gap=f"{gap:+.1%}")  # fmt: skip


def describe_holdout_by_frequency(res: LifetimeValueResult, lang: str = "en") -> str:
    """Reading of the conditional-expectation chart, or that there is no holdout check."""
    data = res.by_frequency
    if data.empty:
        return _t("skip.validation", lang)
    wide = data.pivot(index="frequency_cal", columns="source", values="purchases")
    models = [c for c in wide.columns if c != "actual"]
    mae = {m: float((wide[m] - wide["actual"]).abs().mean()) for m in models}
    best = min(mae, key=lambda m: mae[m])
    return _t("frequency_reading", lang, model=best, gap=f"{mae[best]:.2f}")


def describe_period_transactions(res: LifetimeValueResult, lang: str = "en") -> str:
    """Largest gap between actual and expected customers per repeat-purchase count (saying when it reads all data)."""
    hist = res.histogram
    if hist.empty:
        return _t("skip.model", lang)
    wide = hist.pivot(index="bin", columns="source", values="customers")
    model = next(c for c in wide.columns if c != "actual")
    gap = (wide[model] - wide["actual"]) / wide["actual"].sum()
    worst = gap.abs().idxmax()
    text = _t("histogram_reading", lang, model=model, bin=worst, gap=f"{abs(gap[worst]):.1%}")
    if res.histogram_data == "full":
        text = _t("histogram_full_data", lang) + sep(lang) + text
    return text


def describe_p_alive(res: LifetimeValueResult, lang: str = "en") -> str:
    """Nothing when P(alive) is shown; that it is not available otherwise."""
    return "" if res.full_fit is not None else _t("skip.model", lang)


def describe_spend(res: LifetimeValueResult, lang: str = "en", currency: str = "") -> str:
    """Gamma-Gamma in one sentence with the independence check, or why it is not used."""
    if res.full_spend_fit is not None and res.spend_notice is None:
        return _spend_text(res.full_spend_fit, res.spend_check, currency, lang)
    parts = []
    if res.spend_notice is not None:
        then = res.clv is not None and res.clv.spend_basis == "observed"
        parts.append(replace(res.spend_notice, then="lifetime_value.spend_fallback" if then else None).text(lang))
    if res.spend_check.n_customers > 2 and np.isfinite(res.spend_check.correlation):
        parts.append(spend_check_text(res.spend_check, lang))
    return sep(lang).join(parts)


def describe_clv(res: LifetimeValueResult, lang: str = "en", currency: str = "") -> str:
    """The total CLV with its parameter-only interval (:func:`clv_text`) and its predictive one, or that there is no CLV."""
    if res.clv is None:
        return _t("skip.model", lang)
    text = clv_text(res.clv, lang, currency)
    if res.predictive is not None:
        _, lo, hi = res.predictive.total("clv")
        text += sep(lang) + _t("clv_predictive", lang, level=f"{res.predictive.level:.0%}",
                               low=money(lo, currency, lang), high=money(hi, currency, lang))  # fmt: skip
    return text


def totals_table(res: LifetimeValueResult, lang: str = "en") -> Table:
    """CLV totals with their interval (empty without a CLV)."""
    if res.clv is None:
        frame = pd.DataFrame(columns=["ltv_quantity", "ltv_interval", "ltv_estimate", "ltv_low", "ltv_high"])
    else:
        parts = [res.clv.totals.assign(interval="parameter")]
        if res.predictive is not None:
            parts.append(res.predictive.totals)
        totals = pd.concat(parts, ignore_index=True).sort_values("quantity", kind="stable")
        totals["interval"] = [i18n.t(f"lifetime_value.interval_kind.{k}", lang) for k in totals["interval"]]
        frame = _display_frame(totals[["quantity", "interval", "estimate", "low", "high"]], lang)
    formats = {"ltv_estimate": "{:,.1f}", "ltv_low": "{:,.1f}", "ltv_high": "{:,.1f}"}
    return Table(frame, formats=formats, caption=_t("caption.totals", lang))


def top_customers_table(res: LifetimeValueResult, lang: str = "en", n: int = 10) -> Table:
    """The ``n`` customers with the highest CLV (IDs masked by the report)."""
    formats = {"ltv_p_buy_again": "{:.1%}", "ltv_expected_purchases": "{:.2f}", "ltv_recency": "{:.1f}",
               "ltv_T": "{:.1f}", "ltv_frequency": "{:.0f}"}  # fmt: skip
    return Table(_display_frame(top_customers(res.clv, n), lang), formats=formats)


def concentration_table(res: LifetimeValueResult, lang: str = "en") -> Table:
    """Share of the future value held by the top 1%, 5% and 20% (empty without a CLV)."""
    frame = res.concentration.copy()
    frame.insert(0, "top", [_top_label(s, lang) for s in frame["top_share"]])
    formats = {"ltv_top_share": "{:.0%}", "ltv_share_of_clv": "{:.1%}", "ltv_clv": "{:,.0f}"}
    return Table(_display_frame(frame, lang), formats=formats)


def describe_concentration(res: LifetimeValueResult, lang: str = "en") -> str:
    """Reading of the top-customer shares (that it is not available, without a CLV)."""
    concentration = res.concentration
    if concentration.empty:
        return _t("skip.model", lang)
    parts = [
        _t("concentration_part", lang, top=_top_label(share, lang), share=f"{value:.0%}")
        for share, value in zip(concentration["top_share"], concentration["share_of_clv"])
    ]
    return _t("concentration_reading", lang, parts=_t("list_sep", lang).join(parts))


def describe_groups(res: LifetimeValueResult, lang: str = "en") -> str:
    """Nothing when CLV by group is shown; that it is not available otherwise (said once for all groups)."""
    return "" if res.clv is not None else _t("skip.model", lang)


def group_table(res: LifetimeValueResult, by: str, lang: str = "en") -> Table:
    """CLV by ``by`` (``cohort``, ``channel``, ``region``, ``store``, ``segment_label``); empty when not shown."""
    table = res.groups.get(by) if res.clv is not None else None
    if table is None:
        table = pd.DataFrame(columns=[by, "customers", "clv_total", "clv_mean", "share_of_clv"])
    return Table(_display_frame(table, lang), formats=_GROUP_FORMATS)


def describe_group(res: LifetimeValueResult, by: str, lang: str = "en", currency: str = "") -> str:
    """A one-line reading of CLV by ``by``; that the data lack the column; nothing without a CLV.

    Without a CLV the report says why once (:func:`describe_groups`).
    """
    if res.clv is None:
        return ""
    name = _group_name(by, lang)
    table = res.groups.get(by)
    if table is None:
        return _t("group_missing", lang, name=name)
    ranked = table.sort_values("clv_mean", ascending=False)
    top, low = ranked.iloc[0], ranked.iloc[-1]
    text = _t(
        "group_reading", lang, n=f"{len(table):,}", name=name, top=_group_value(top[by], by, lang),
        mean=money(top["clv_mean"], currency, lang), share=f"{top['share_of_clv']:.0%}",
        low=_group_value(low[by], by, lang), low_mean=money(low["clv_mean"], currency, lang),
    )  # fmt: skip
    if by == "cohort":
        text += sep(lang) + _t("group_cohort_note", lang)
    return text


#: how each quantity of the heuristic table is written: money, a share, a count of months, or a ratio
_HEURISTIC_KINDS = {
    "window": "months",
    "aov": "money",
    "retention": "share",
    "churn": "share",
    "margin": "share",
    "heuristic_lifetime": "money",
    "heuristic_horizon": "money",
    "model_active": "money",
    "model_all": "money",
}


def _heuristic_value(value: float, kind: str, currency: str, lang: str) -> str:
    if not np.isfinite(value):
        return "–"
    if kind == "money":
        return money(value, currency, lang)
    if kind == "share":
        return formatting.format_percent(value)
    if kind == "months":
        return f"{value:g}"
    return f"{value:,.2f}"


def heuristic_table(res: LifetimeValueResult, lang: str = "en", currency: str = "") -> Table:
    """The heuristic CLV's quantities next to the model's (empty without transactions).

    Each value is written as what it is: money as in the sentences (¥1,290),
    shares as percentages, the window in months, rates with two decimals.
    """
    h = res.heuristic
    if h is None or h.table.empty:
        frame = pd.DataFrame(columns=["quantity", "value"])
    else:
        months = f"{h.horizon_months:g}"
        codes = h.table["quantity"].astype(str)
        labels = [i18n.t(f"lifetime_value.heuristic.{code}", lang, months=months) for code in codes]
        values = [
            _heuristic_value(float(v), _HEURISTIC_KINDS.get(c, "ratio"), currency, lang)
            for c, v in zip(codes, h.table["value"])
        ]
        frame = pd.DataFrame({"quantity": labels, "value": values})
    return Table(_display_frame(frame, lang))


def describe_heuristic(res: LifetimeValueResult, lang: str = "en", currency: str = "") -> str:
    """Why the heuristic and the model CLV differ (or what the heuristic alone says)."""
    h = res.heuristic
    if h is None or h.table.empty or h.window is None:
        return _t("heuristic_unavailable", lang)
    h_horizon, model_active = h.value("heuristic_horizon"), h.value("model_active")
    months = f"{h.horizon_months:g}"
    note = _t("heuristic_short_window", lang, window=h.window) if h.window < 12 else ""
    if not h.has_model and not np.isfinite(h_horizon):
        return _t("heuristic_none", lang, months=MIN_HEURISTIC_WINDOW)
    if not h.has_model:
        return _t("heuristic_only", lang, heuristic=money(h_horizon, currency, lang), months=months) + note
    if not np.isfinite(h_horizon) or not np.isfinite(model_active):
        return _t("heuristic_unavailable", lang)
    ratio = h_horizon / model_active if model_active > 0 else float("inf")
    values = {"heuristic": money(h_horizon, currency, lang), "model": money(model_active, currency, lang)}
    if 0.8 <= ratio <= 1.25:
        reading = _t("heuristic_agrees", lang, **values)
    elif ratio > 1.25:
        reading = _t("heuristic_higher", lang, ratio=f"{ratio:.1f}", **values)
    else:
        reading = _t("heuristic_lower", lang, ratio=f"{ratio:.2f}", **values)
    return reading + note


def cac_table(res: LifetimeValueResult, lang: str = "en") -> Table:
    """CLV : CAC by acquisition channel (empty without acquisition costs or CLV)."""
    if res.clv is None or res.cac is None:
        frame = pd.DataFrame(columns=[CAC_COLUMNS[0], "customers", "cac_mean", "clv_mean", "clv_to_cac"])
    else:
        frame = res.cac
    formats = {"ltv_cac_mean": "{:,.2f}", "ltv_clv_to_cac": "{:.1f}", "ltv_future_to_cac": "{:.1f}"}
    return Table(_display_frame(frame, lang), formats=formats)


def describe_cac(res: LifetimeValueResult, lang: str = "en") -> str:
    """Which channels reach CLV : CAC ≥ 3, or why the table is not shown."""
    channel_col, cost_col = CAC_COLUMNS
    if res.clv is None:
        return _t("skip.model", lang)
    if res.cac is None:
        return _t("cac_missing", lang, channel_col=channel_col, cost_col=cost_col)
    table, clv = res.cac, res.clv
    paid = table[table["cac_mean"] > 0]
    basis = (
        _t("cac_basis_margin", lang, margin=f"{clv.margin:.0%}") if clv.margin < 1 else _t("cac_basis_revenue", lang)
    )
    if paid.empty:
        return _t("cac_unpaid", lang, basis=basis)
    best, worst = paid.iloc[0], paid.iloc[-1]
    return _t(
        "cac_reading", lang, meets=f"{int(paid['meets_3x'].sum()):,}", paid=f"{len(paid):,}",
        months=f"{clv.horizon_months:g}", basis=basis, best=_group_value(best[channel_col], channel_col, lang),
        best_ratio=f"{best['clv_to_cac']:.1f}", worst=_group_value(worst[channel_col], channel_col, lang),
        worst_ratio=f"{worst['clv_to_cac']:.1f}",
    )  # fmt: skip
