"""The glossary of the repurchase report: every figure's name and definition, from the catalogs.

The name and definition of each entry of :data:`GLOSSARY_KEYS` are the catalog
entries ``repurchase.term.<key>`` and ``repurchase.def.<key>``; :func:`glossary`
fills in this client's settings.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from repurchase.core import i18n
from repurchase.core.errors import AnalysisError
from repurchase.core.params import RepurchaseSettings

__all__ = ["GLOSSARY_KEYS", "glossary", "glossary_entries"]

#: Every figure of the repurchase report, in glossary order. Its name and definition
#: are catalog entries ``repurchase.term.<key>`` and ``repurchase.def.<key>``.
#: Placeholders of the definitions: {gap} (reactivation gap days), {horizon} (cycle
#: horizon days), {occasion} (the occasion in use), {repeat_orders} (the repeat rule),
#: {window} (the first-purchase window).
GLOSSARY_KEYS: tuple[str, ...] = (
    "occasion",
    "buyers",
    "new_buyers",
    "returning_buyers",
    "reactivated_buyers",
    "orders",
    "occasions",
    "revenue",
    "aov",
    "revenue_per_buyer",
    "repurchase_rate_customers",
    "repurchase_rate_orders",
    "buyback_rate",
    "n_day_repurchase",
    "median_days_to_second_purchase",
    "median_days_between_purchases",
    "expected_window",
    "retention",
    "cum_revenue_per_customer",
    "first_purchase_repurchase",
    "support",
    "confidence",
    "lift",
    "refund_rate",
)


def glossary_entries() -> tuple[dict[str, str], ...]:
    """``GLOSSARY`` read from the catalogs: key, en, zh, definition_en, definition_zh (templates)."""
    en, zh = i18n.catalog("en"), i18n.catalog("zh")
    return tuple(
        {
            "key": k,
            "en": en[f"repurchase.term.{k}"],
            "zh": zh[f"repurchase.term.{k}"],
            "definition_en": en[f"repurchase.def.{k}"],
            "definition_zh": zh[f"repurchase.def.{k}"],
        }
        for k in GLOSSARY_KEYS
    )


def __getattr__(name: str) -> Any:
    # GLOSSARY is built from the message catalogs when first used, not on import
    if name == "GLOSSARY":
        return glossary_entries()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _values(s: RepurchaseSettings, window: int, lang: str) -> dict[str, Any]:
    return {
        "gap": s.reactivation_gap_days,
        "horizon": s.cycle_horizon_days,
        "window": window,
        "occasion": i18n.t(
            "repurchase.glossary_occasion_customer_day"
            if s.occasion == "customer_day"
            else "repurchase.glossary_occasion_order",
            lang,
        ),
        "repeat_orders": i18n.t(
            "repurchase.glossary_repeat_beyond_first"
            if s.repeat_orders == "beyond_first"
            else "repurchase.glossary_repeat_all_of_repeaters",
            lang,
        ),
    }


def glossary(
    settings: RepurchaseSettings | None = None,
    *,
    window_days: int | None = None,
    keys: Sequence[str] | None = None,
    lang: str | None = None,
) -> pd.DataFrame:
    """The glossary as a table, from the message catalogs.

    Parameters
    ----------
    settings
        Fill in the reactivation gap, the occasion and the other settings.
    window_days
        The first-purchase window (default: the largest N-day window).
    keys
        Only these entries (see :data:`GLOSSARY_KEYS`), in this order (default: all).
    lang
        ``None``: both languages, columns ``term``, ``中文``, ``definition`` (English)
        and ``定义`` (Chinese). ``"en"`` or ``"zh"``: the table of a report in that
        language, columns ``rp_term`` (the term in ``lang``), ``rp_other_name`` (its
        name in the other language) and ``rp_definition`` (in ``lang``), whose
        headers are the ``col.rp_*`` catalog entries.
    """
    s = settings or RepurchaseSettings()
    window = window_days if window_days is not None else max(s.n_day_windows or [90])
    chosen = GLOSSARY_KEYS if keys is None else tuple(keys)
    unknown = [k for k in chosen if k not in GLOSSARY_KEYS]
    if unknown:
        raise AnalysisError(f"no glossary entry {', '.join(map(repr, unknown))}; use keys from GLOSSARY_KEYS")

    def column(kind: str, language: str, values: dict[str, Any] | None = None) -> list[str]:
        return [i18n.t(f"repurchase.{kind}.{k}", language, **(values or {})) for k in chosen]

    if lang is None:
        return pd.DataFrame(
            {
                "term": column("term", "en"),
                "中文": column("term", "zh"),
                "definition": column("def", "en", _values(s, window, "en")),
                "定义": column("def", "zh", _values(s, window, "zh")),
            }
        )
    other = "zh" if lang == "en" else "en"
    return pd.DataFrame(
        {
            "rp_term": column("term", lang),
            "rp_other_name": column("term", other),
            "rp_definition": column("def", lang, _values(s, window, lang)),
        }
    )
