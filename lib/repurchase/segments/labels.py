"""Display names and recommended actions of segments, frequency tiers and member tiers.

Segment names come from :func:`repurchase.core.schemes.segment_label`, frequency tier
names from :func:`repurchase.core.tiers.frequency_tier_label`; this module adds the
member tiers and the recommended action of a segment or a frequency tier. The text is
in the message catalog (``resources/i18n/<lang>/segments.yaml``).
"""

from __future__ import annotations

from collections.abc import Mapping

from repurchase.core import i18n
from repurchase.core.schemes import SEGMENT_CODES
from repurchase.core.tiers import FREQUENCY_CODES

__all__ = ["TIER_CODES", "member_tier_label", "recommended_action"]

#: Default member tier -> catalog code (``segments.tier.<code>``).
TIER_CODES: dict[str, str] = {"normal": "normal", "gold": "gold", "diamond": "diamond"}


def member_tier_label(tier: str, language: str = "en") -> str:
    """Display name of a member tier (the params name itself for a tier of your own).

    Parameters
    ----------
    tier
        A tier name of ``segmentation.tier_names``.
    language
        Report language.

    Returns
    -------
    str
        The catalog's name of a default tier, otherwise ``tier`` unchanged.
    """
    code = TIER_CODES.get(tier)
    return i18n.t(f"segments.tier.{code}", language) if code else tier


def recommended_action(key: str, language: str = "en", overrides: Mapping[str, str] | None = None) -> str:
    """The recommended action for a segment or frequency tier.

    Parameters
    ----------
    key
        A segment (``Champions``, ``重要价值``, a custom segment) or a frequency tier.
    language
        Report language.
    overrides
        ``segmentation.actions`` in params: they win over the built-in text.

    Returns
    -------
    str
        The override; else the built-in text in ``language``
        (``segments.action.<code>`` / ``segments.freq_action.<code>`` in the
        catalog); for an unknown key, a note naming the params field to set.
    """
    if overrides and key in overrides:
        return overrides[key]
    if key in SEGMENT_CODES:
        return i18n.t(f"segments.action.{SEGMENT_CODES[key]}", language)
    if key in FREQUENCY_CODES:
        return i18n.t(f"segments.freq_action.{FREQUENCY_CODES[key]}", language)
    return i18n.t("segments.no_action", language, key=key)
