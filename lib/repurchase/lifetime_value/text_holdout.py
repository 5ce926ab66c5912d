"""The lifetime-value report's words for the holdout checks of P(buy again) and of the intervals.

Re-exported by :mod:`repurchase.lifetime_value.text` (notebooks call ``lvt.<name>``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from repurchase.core import i18n
from repurchase.core.table import Table
from repurchase.lifetime_value._common import model_label, sep
from repurchase.lifetime_value.pipeline import LifetimeValueResult

__all__ = ["brier_table", "calibration_table", "describe_calibration", "describe_intervals", "describe_questions"]


def _t(key: str, lang: str, **values: Any) -> str:
    return i18n.t(f"lifetime_value.{key}", lang, **values)


def _pct(value: float) -> str:
    return f"{value:.1%}" if np.isfinite(value) else "–"


def calibration_table(res: LifetimeValueResult, lang: str = "en", by: str = "frequency") -> Table:
    """Predicted vs observed P(buy again in the holdout), one row per group, one column pair per model.

    ``by`` is ``frequency`` (calibration repeat purchases 0, 1, 2, 3–5, 6+) or
    ``decile`` (of each model's predicted P; the customers of a decile differ by model).
    """
    data = res.buy_again_calibration
    data = data[data["by"] == by] if not data.empty else data
    group_head = i18n.t(f"lifetime_value.calibration_group.{by}", lang)
    if data.empty:
        return Table(pd.DataFrame(columns=[group_head, _t("cal_observed", lang)]))
    observed_head = _t("cal_observed", lang)
    first = data[data["model"] == data["model"].iloc[0]]
    frame = pd.DataFrame({group_head: first["group"].to_numpy()})
    if by == "frequency":  # the same customers for every model: one observed column
        frame[_t("cal_customers", lang)] = first["customers"].to_numpy()
        frame[observed_head] = first["observed"].to_numpy()
    formats: dict[str, str] = {observed_head: "{:.1%}"}
    for code in dict.fromkeys(data["model"]):
        rows = data[data["model"] == code]
        name = model_label(code, lang)
        head = _t("predicted_by", lang, model=name)
        frame[head] = rows["predicted"].to_numpy()
        formats[head] = "{:.1%}"
        if by == "decile":
            obs = _t("observed_by", lang, model=name)
            frame[obs] = rows["observed"].to_numpy()
            formats[obs] = "{:.1%}"
    return Table(frame, formats=formats, caption=i18n.t(f"lifetime_value.caption.calibration_{by}", lang))


def brier_table(res: LifetimeValueResult, lang: str = "en") -> Table:
    """Brier score of P(buy again) and customer-level MAE of purchases per model, with the model each rule picks."""
    q = res.questions
    if q is None:
        return Table(pd.DataFrame(columns=["ltv_model", "ltv_brier", "ltv_mae"]))
    codes = list(q.brier)
    frame = pd.DataFrame({
        "ltv_model": [model_label(c, lang) for c in codes],
        "ltv_brier": [q.brier[c] for c in codes],
        "ltv_mae": [q.mae[c] for c in codes],
        "ltv_used_for": [
            _t("list_sep", lang).join(
                i18n.t(f"lifetime_value.question.{k}", lang) for k, m in (("counts", q.counts), ("buy_again", q.buy_again)) if m == c
            ) or "–"
            for c in codes
        ],
    })  # fmt: skip
    return Table(frame, formats={"ltv_brier": "{:.4f}", "ltv_mae": "{:.3f}"})


def _one_time(res: LifetimeValueResult, code: str) -> tuple[float, float, int]:
    data = res.buy_again_calibration
    row = data[(data["model"] == code) & (data["by"] == "frequency") & (data["group"] == "0")]
    if row.empty:
        return float("nan"), float("nan"), 0
    return float(row["predicted"].iloc[0]), float(row["observed"].iloc[0]), int(row["customers"].iloc[0])


def describe_calibration(res: LifetimeValueResult, lang: str = "en") -> str:
    """One-time buyers' predicted vs observed share buying again in the holdout, per model, and the worst group."""
    q = res.questions
    if q is None or res.buy_again_calibration.empty:
        return _t("skip.validation", lang)
    _, observed, n = _one_time(res, q.buy_again)
    parts = [
        _t("calibration_model", lang, model=model_label(c, lang), predicted=_pct(_one_time(res, c)[0])) for c in q.brier
    ]
    return _t(
        "calibration_reading", lang, customers=f"{n:,}", observed=_pct(observed),
        models=_t("list_sep", lang).join(parts),
    )  # fmt: skip


def describe_questions(res: LifetimeValueResult, lang: str = "en") -> str:
    """The rule, which model it picks for each question, and which P(buy again) the report and exports use."""
    q = res.questions
    if q is None:
        return ""
    counts, again = model_label(q.counts, lang), model_label(q.buy_again, lang)
    rule = _t("questions_rule", lang)
    if not q.differ:
        text = _t("questions_same", lang, model=counts, brier=f"{q.brier[q.buy_again]:.4f}",
                  mae=f"{q.mae[q.counts]:.3f}")  # fmt: skip
    else:
        text = _t(
            "questions_differ", lang, counts=counts, mae=f"{q.mae[q.counts]:.3f}", again=again,
            brier=f"{q.brier[q.buy_again]:.4f}", counts_brier=f"{q.brier[q.counts]:.4f}",
        )  # fmt: skip
    used = res.probability_model
    if used is not None and used != q.buy_again:
        text += sep(lang) + _t("questions_requested", lang, model=model_label(used, lang))
    elif used is not None:
        text += sep(lang) + _t("questions_used", lang, model=again)
    return rule + sep(lang) + text


def describe_intervals(res: LifetimeValueResult, lang: str = "en") -> str:
    """The two kinds of interval, and how each covered the customers' holdout purchases."""
    c = res.interval_check
    if c is None:
        return _t("skip.validation", lang)
    inside = _t("intervals_inside" if c.total_inside else "intervals_outside", lang)
    return _t(
        "intervals_reading", lang, level=f"{c.level:.0%}", model=model_label(c.model, lang),
        coverage=_pct(c.coverage), whole=_pct(c.coverage_inclusive), parameter=_pct(c.parameter_coverage),
        actual=f"{c.total_actual:,.0f}", low=f"{c.total_low:,.0f}", high=f"{c.total_high:,.0f}", inside=inside,
        p_low=f"{c.total_parameter_low:,.0f}", p_high=f"{c.total_parameter_high:,.0f}",
        customers=f"{c.customers:,}", sims=f"{c.simulations:,}",
    )  # fmt: skip
