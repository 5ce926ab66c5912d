"""Constants, private errors and the lifetimes isolation shared by the lifetime-value modules."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from typing import Any, Literal

import numpy as np
import pandas as pd

from repurchase.core import formatting, i18n
from repurchase.core.errors import AnalysisError, InsufficientData

TimeUnit = Literal["D", "W", "M"]

#: days per time unit
UNIT_DAYS: dict[str, float] = {"D": 1.0, "W": 7.0, "M": 30.4375}
DAYS_PER_MONTH = 365.25 / 12  # 30.4375
#: repeat customers a model needs: a purchase model, and Gamma-Gamma (repeat customers with a positive spend)
MIN_REPEAT_CUSTOMERS = 10
#: the holdout may take at most this share of the history (first purchase to holdout end) ...
HOLDOUT_MAX_SHARE = 0.5
#: ... a longer one is shortened to this share of it (whole days)
HOLDOUT_SHORT_SHARE = 1 / 3
#: a holdout shorter than this is no test: the models are then not validated
MIN_HOLDOUT_DAYS = 14
#: codes of the models and baselines the report names (``lifetime_value.model.<code>``)
MODEL_CODES = ("bgnbd", "pareto_nbd", "mbgnbd", "gamma_gamma", "run_rate", "recency_only")


def unit_days(time_unit: str) -> float:
    """Days per ``time_unit`` (``W``, ``D`` or ``M``)."""
    if time_unit not in UNIT_DAYS:
        raise AnalysisError(f"time_unit {time_unit!r} is not one of {', '.join(UNIT_DAYS)}; use W (weeks), D or M.")
    return UNIT_DAYS[time_unit]


def model_label(model: str, lang: str = "en") -> str:
    """A model's name in the report language (``bgnbd`` -> BG/NBD, ``run_rate`` -> run-rate baseline / 历史速率基准)."""
    return i18n.t(f"lifetime_value.model.{model}", lang) if model in MODEL_CODES else str(model)


def sep(lang: str) -> str:
    """What joins two sentences: a space in English, nothing in Chinese."""
    return i18n.t("lifetime_value.sentence_sep", lang)


def money(value: float | None, currency: str, lang: str) -> str:
    """An amount in a sentence: ¥1.2万 / ¥12.3K with a currency, else a compact number."""
    if value is None or not np.isfinite(value):
        return "–"
    return formatting.format_money(value, currency, lang) if currency else formatting.format_number(value, lang)


class HistoryTooShort(InsufficientData):
    """The history is too short for a holdout (private to the package: callers catch :class:`InsufficientData`)."""


class SpendUndefined(InsufficientData):
    """Gamma-Gamma has no finite mean spend (q ≤ 1), or most bootstrap draws have none.

    ``valid`` and ``draws`` count the bootstrap draws with a finite mean, when that was the reason.
    """

    def __init__(self, message: str, valid: int | None = None, draws: int | None = None):
        super().__init__(message)
        self.valid, self.draws = valid, draws


@contextlib.contextmanager
def isolated() -> Iterator[None]:
    """Run lifetimes code without letting it change global state.

    lifetimes sets ``pd.options.mode.chained_assignment`` when imported and calls
    ``warnings.simplefilter`` inside its fitters; both are restored on exit.
    """
    try:
        saved = pd.get_option("mode.chained_assignment")
    except (KeyError, pd.errors.OptionError):  # pragma: no cover - pandas without the option
        saved = None
    with warnings.catch_warnings():
        try:
            yield
        finally:
            if saved is not None:
                pd.set_option("mode.chained_assignment", saved)


def lifetimes() -> Any:
    """Import lifetimes lazily, restoring the global state it changes."""
    with isolated():
        import lifetimes
        import lifetimes.utils
    return lifetimes


def rfm_columns(summary: pd.DataFrame) -> tuple[str, str, str, str]:
    """The frequency, recency, T and monetary columns of a summary (``*_cal`` for a calibration summary)."""
    for suffix in ("", "_cal"):
        cols = (f"frequency{suffix}", f"recency{suffix}", f"T{suffix}", f"monetary_value{suffix}")
        if all(c in summary.columns for c in cols[:3]):
            return cols
    raise AnalysisError(
        "the summary lacks frequency/recency/T columns; build it with customer_summary() or "
        "calibration_holdout_summary()."
    )
