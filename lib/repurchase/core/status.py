"""The one "not available" status: what the data cannot support, why, and what to do.

Short or small data (a new shop, two months of history, twenty customers) must
not stop a report. An analysis then returns its result with an
:class:`Unavailable` in place of the missing part; the report shows its sentence
in the report language, and ``metrics.json`` records
``{"status": "unavailable", "reason": <code>}`` with null values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from repurchase.core import i18n
from repurchase.core.formatting import format_month

__all__ = ["Month", "Term", "Unavailable", "unavailable_metrics"]


@dataclass(frozen=True)
class Term:
    """A value of a sentence that is itself catalog text, e.g. a model name: ``Term("lifetime_value.model.bgnbd")``."""

    key: str

    def text(self, lang: str) -> str:
        return i18n.t(self.key, lang)


@dataclass(frozen=True)
class Month:
    """A ``YYYY-MM`` value of a sentence, written out in the report language (Oct 2026, 2026年10月)."""

    label: str

    def text(self, lang: str) -> str:
        return format_month(self.label, lang)


@dataclass(frozen=True)
class Unavailable:
    """Something an analysis could not estimate on the data given.

    Attributes
    ----------
    key
        Catalog key of the sentence (what could not be estimated, why, and what
        the user can do), e.g. ``churn.unavailable.history_too_short``.
    values
        Its placeholders: numbers, ISO dates, :class:`Term` and :class:`Month`
        values (written in the report language).
    then
        Catalog key of a sentence appended after it: the consequence (e.g. that
        CLV uses the observed average spend instead).
    """

    key: str
    values: Mapping[str, Any] = field(default_factory=dict)
    then: str | None = None

    @property
    def code(self) -> str:
        """The reason: the last part of the key (``history_too_short``)."""
        return self.key.rsplit(".", 1)[-1]

    def text(self, lang: str = "en", **extra: Any) -> str:
        """The sentence in ``lang`` (``extra``: more placeholders)."""
        values = {k: v.text(lang) if isinstance(v, (Term, Month)) else v for k, v in {**self.values, **extra}.items()}
        text = i18n.t(self.key, lang, **values)
        return text if self.then is None else text + i18n.t("report.sentence_sep", lang) + i18n.t(self.then, lang)

    def metrics(self) -> dict[str, str]:
        """``{"status": "unavailable", "reason": code}`` for metrics.json."""
        return unavailable_metrics(self.code)


def unavailable_metrics(reason: str) -> dict[str, str]:
    """The metrics entry of an unavailable figure: ``{"status": "unavailable", "reason": reason}``."""
    return {"status": "unavailable", "reason": reason}
