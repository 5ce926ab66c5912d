"""Names in the report language: backtest scores, early-warning features, groups and value bands.

The data stay in codes (``gradient_boosting``, ``high``, ``2024Q1`` …); these
functions turn a code into the words of ``resources/i18n/<lang>/churn.yaml``.
"""

from __future__ import annotations

from typing import Any

from repurchase.churn._base import MODELS
from repurchase.churn.at_risk import VALUE_BANDS
from repurchase.core import i18n
from repurchase.core.schemes import segment_label
from repurchase.core.tiers import frequency_tier_label

__all__ = ["feature_label", "group_label", "model_label", "value_band_label"]


def model_label(model: str, lang: str = "en", *, short: bool = False) -> str:
    """Display name of a backtest score (``gradient_boosting`` …) in the report language; ``short`` for chart legends."""
    if model not in MODELS:
        return str(model)
    return i18n.t(f"churn.model_short.{model}" if short else f"churn.model.{model}", lang)


def feature_label(name: str, lang: str = "en") -> str:
    """What an early-warning feature measures, in the report language (the name itself when unknown).

    ``cat_<category>``, ``chn_<channel>`` and ``acq_<channel>`` name the category,
    channel or acquisition channel from the data.
    """
    if i18n.has(f"churn.feature.{name}", lang):
        return i18n.t(f"churn.feature.{name}", lang)
    for prefix, key in (("cat_", "churn.feature_cat"), ("chn_", "churn.feature_chn"), ("acq_", "churn.feature_acq")):
        if name.startswith(prefix):
            return i18n.t(key, lang, name=name[len(prefix) :])
    return name


def group_label(group: Any, by: str | None = None, lang: str = "en") -> str:
    """A group of a breakdown or survival table in the report language.

    ``all``, ``other`` and ``(unknown)`` come from the catalog; with ``by`` the
    default frequency-tier names, RFM segment codes and cohorts (``2024Q1``) are
    translated too. Names from the data (categories, stores …) stay as they are.
    """
    g = str(group)
    if g in ("all", "other"):
        return i18n.t(f"churn.group.{g}", lang)
    if g == "(unknown)":
        return i18n.t("churn.group.unknown", lang)
    if by == "frequency_tier":
        return frequency_tier_label(g, lang)
    if by == "rfm_segment":
        return segment_label(g, lang)
    if by == "cohort" and len(g) == 6 and g[:4].isdigit() and g[4] == "Q":
        return i18n.t("churn.cohort", lang, year=g[:4], quarter=g[5])
    return g


def value_band_label(band: str, lang: str = "en") -> str:
    """A value band (``high``, ``mid``, ``low``) in the report language."""
    return i18n.t(f"churn.band.{band}", lang) if band in VALUE_BANDS else str(band)
