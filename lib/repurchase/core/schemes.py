"""RFM segment schemes: rule tables that map score cells to named segments.

A scheme is *data*: every cell of a grid (R x FM scores, or a high/low split of
R, F and M) belongs to exactly one segment. Built in: ``rfm11`` (11 segments on
R x FM, 5 bins) and ``cn8`` (the Chinese 8 classes 重要价值 … 一般挽留). Clients add
their own tables in params (``segmentation.custom_schemes``), validated by
:func:`rule_table_problems` when the params load.

Frequency is scored on fixed, stated thresholds of purchase occasions
(:data:`DEFAULT_FREQUENCY_THRESHOLDS`: F 1 = 1 occasion, 2 = 2, 3 = 3–4,
4 = 5–9, 5 = 10+; ``segmentation.frequency_thresholds``, checked by
:func:`frequency_threshold_problems`), so F 1 always means one occasion.

**The one-time rule** (score schemes): a customer with a single occasion is
placed on recency alone, in the F 1 / FM 1 column of the grid, whatever their
spend (:data:`ONE_TIME_SCORE`); a customer with more occasions never is (F and
FM at least 2). Without it, M would lift one-time buyers into other cells: with
F 1, FM = round-half-up((1 + M) / 2) is 2 for M 2–3 and 3 for M 4–5, so a
recent one-time big spender would sit in cell 53, Loyal. In ``rfm11`` the FM 1
column is 51 New, 41 and 31 Promising, 21 About to Sleep and 11 Lost, so a
one-time buyer is never Champions, Loyal or Can't Lose Them (which need FM 3 at
R 5, FM 4 or more elsewhere), nor Potential Loyalist, Need Attention, At Risk or
Hibernating; New and Promising hold one-time buyers only.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from repurchase.core import i18n
from repurchase.core.errors import AnalysisError

__all__ = [
    "BUILTIN_SCHEMES",
    "CN8",
    "DEFAULT_FREQUENCY_THRESHOLDS",
    "NEW",
    "NOT_SCORED",
    "ONE_TIME_SCORE",
    "RFM11",
    "SEGMENT_CODES",
    "SegmentScheme",
    "default_frequency_thresholds",
    "frequency_ranges",
    "frequency_threshold_problems",
    "get_scheme",
    "rule_table_problems",
    "segment_label",
]

NEW = "(new)"
NOT_SCORED = "(not scored)"

#: Minimum occasions of the F scores 2, 3, 4 and 5 (F 1 is everyone below the first):
#: 1 / 2 / 3–4 / 5–9 / 10+ occasions.
DEFAULT_FREQUENCY_THRESHOLDS: tuple[int, ...] = (2, 3, 5, 10)

#: The F and FM score of the column a one-time buyer is placed in (see the module docstring).
ONE_TIME_SCORE = 1


def default_frequency_thresholds(bins: int) -> tuple[int, ...] | None:
    """The default F thresholds for ``bins`` score bins: the first ``bins - 1`` of the default, None above 5 bins."""
    if bins - 1 > len(DEFAULT_FREQUENCY_THRESHOLDS):
        return None
    return DEFAULT_FREQUENCY_THRESHOLDS[: bins - 1]


def frequency_threshold_problems(thresholds: Sequence[int], bins: int) -> list[str]:
    """Check F thresholds (minimum occasions of F 2..bins); return one line per problem (empty when valid)."""
    t = list(thresholds)
    example = list(default_frequency_thresholds(bins) or [2, 3, 5, 10, 20, 50, 100, 200][: bins - 1])
    if (
        len(t) != bins - 1
        or any(int(x) != x for x in t)
        or (t and t[0] < 2)
        or any(b <= a for a, b in itertools.pairwise(t))
    ):
        return [
            f"give {bins - 1} increasing whole numbers of occasions, the first at least 2: the minimum occasions "
            f"of F 2..{bins} (F 1 is one occasion), e.g. {example}"
        ]
    return []


def frequency_ranges(thresholds: Sequence[int]) -> list[str]:
    """The occasions of each F score, lowest first: ``["1", "2", "3–4", "5–9", "10+"]`` for the default."""
    lows = [1, *thresholds]
    highs = [b - 1 for b in thresholds] + [None]
    return [f"{lo}+" if hi is None else (f"{lo}" if hi == lo else f"{lo}–{hi}") for lo, hi in zip(lows, highs)]


@dataclass(frozen=True)
class SegmentScheme:
    """A segment rule table: every cell of a grid belongs to exactly one segment.

    Attributes
    ----------
    name
        ``rfm11``, ``cn8`` or a custom name.
    rules
        Segment -> cell codes, in display order. A code has one digit per axis,
        e.g. ``"54"`` for R=5, FM=4.
    axes
        ``("R", "FM")`` or ``("R", "F", "M")``.
    levels
        Values per axis: the score bins (1..levels), or ``None`` for a high/low
        split (codes use 1 = low, 2 = high).
    description
        One line for the report, replacing the catalog's (``segments.scheme_desc.<name>``
        for a built-in scheme, ``segments.scheme_desc_custom`` otherwise); empty by default.
    """

    name: str
    rules: Mapping[str, tuple[str, ...]]
    axes: tuple[str, ...]
    levels: int | None
    description: str = ""

    @property
    def segments(self) -> list[str]:
        return list(self.rules)

    @property
    def is_split(self) -> bool:
        """True when the axes are high/low splits of the values, not scores."""
        return self.levels is None

    def cell_map(self) -> dict[int, str]:
        """Integer cell code (e.g. 54) -> segment."""
        return {int(code): seg for seg, codes in self.rules.items() for code in codes}

    def describe(self, language: str = "en") -> str:
        """One line on how the scheme works, in the report language."""
        if self.description:
            return self.description
        if self.name in BUILTIN_SCHEMES:
            return i18n.t(f"segments.scheme_desc.{self.name}", language)
        return i18n.t("segments.scheme_desc_custom", language, name=self.name)

    def table(self, language: str = "en") -> pd.DataFrame:
        """The rule table for the report: ``seg_segment`` (display name) and its ``seg_cells``.

        Score schemes list the cell codes (``55, 54, 45``); split schemes spell
        out high/low per axis in ``language`` (``R high, F low, M high``).
        """
        high, low = i18n.t("segments.high", language), i18n.t("segments.low", language)
        sep = i18n.t("segments.sep", language)
        rows = []
        for seg, codes in self.rules.items():
            if self.is_split:
                cells = sep.join(
                    ", ".join(f"{a} {high if d == '2' else low}" for a, d in zip(self.axes, code)) for code in codes
                )
            else:
                cells = ", ".join(codes)
            rows.append({"seg_segment": segment_label(seg, language), "seg_cells": cells})
        return pd.DataFrame(rows)

    def grid(self, language: str = "en") -> pd.DataFrame:
        """The rule table as a grid of segment names.

        Two axes: rows R (high to low) x columns FM. Three axes: rows R, F x
        columns M. Split schemes label the levels high / low in ``language``.
        """
        levels = [2, 1] if self.is_split else list(range(self.levels, 0, -1))  # type: ignore[arg-type]
        high, low = i18n.t("segments.high", language), i18n.t("segments.low", language)
        name = (lambda v: high if v == 2 else low) if self.is_split else str
        cmap = self.cell_map()
        *row_axes, col_axis = self.axes
        rows = []
        for combo in itertools.product(levels, repeat=len(row_axes)):
            row = {a: name(v) for a, v in zip(row_axes, combo)}
            prefix = int("".join(map(str, combo)))
            for v in sorted(levels):
                row[f"{col_axis} {name(v)}"] = cmap.get(prefix * 10 + v, "")
            rows.append(row)
        return pd.DataFrame(rows)


RFM11 = SegmentScheme(
    name="rfm11",
    rules={
        "Champions": ("55", "54", "45"),
        "Loyal": ("53", "44", "35", "34"),
        "Potential Loyalist": ("52", "42", "33", "43"),
        "New": ("51",),
        "Promising": ("41", "31"),
        "Need Attention": ("32", "23", "22"),
        "About to Sleep": ("21",),
        "At Risk": ("25", "24", "13"),
        "Can't Lose Them": ("15", "14"),
        "Hibernating": ("12",),
        "Lost": ("11",),
    },
    axes=("R", "FM"),
    levels=5,
)

CN8 = SegmentScheme(
    name="cn8",
    rules={
        "重要价值": ("222",),
        "重要发展": ("212",),
        "重要保持": ("122",),
        "重要挽留": ("112",),
        "一般价值": ("221",),
        "一般发展": ("211",),
        "一般保持": ("121",),
        "一般挽留": ("111",),
    },
    axes=("R", "F", "M"),
    levels=None,
)

BUILTIN_SCHEMES: dict[str, SegmentScheme] = {"rfm11": RFM11, "cn8": CN8}

#: Segment -> catalog code of its name (``segments.name.<code>``) and action (``segments.action.<code>``);
#: the text lives in ``resources/i18n/<lang>/segments.yaml``. Custom segments keep their own name.
SEGMENT_CODES: dict[str, str] = {
    "Champions": "champions",
    "Loyal": "loyal",
    "Potential Loyalist": "potential_loyalist",
    "New": "new",
    "Promising": "promising",
    "Need Attention": "need_attention",
    "About to Sleep": "about_to_sleep",
    "At Risk": "at_risk",
    "Can't Lose Them": "cant_lose_them",
    "Hibernating": "hibernating",
    "Lost": "lost",
    "重要价值": "important_value",
    "重要发展": "important_develop",
    "重要保持": "important_retain",
    "重要挽留": "important_winback",
    "一般价值": "general_value",
    "一般发展": "general_develop",
    "一般保持": "general_retain",
    "一般挽留": "general_winback",
}


#: Rows and columns of the migration matrix that are not segments -> catalog key.
_MIGRATION_KEYS = {NEW: "segments.migration_new", NOT_SCORED: "segments.migration_not_scored"}


def segment_label(segment: str, language: str = "en") -> str:
    """Display name of a segment in the report language (the name itself for a custom segment)."""
    code = SEGMENT_CODES.get(segment)
    if code is not None:
        return i18n.t(f"segments.name.{code}", language)
    if segment in _MIGRATION_KEYS:
        return i18n.t(_MIGRATION_KEYS[segment], language)
    return segment


def _codes(values: Iterable) -> list[str]:
    return [str(v).strip() for v in values]


def rule_table_problems(rules: Mapping[str, Sequence], bins: int) -> list[str]:
    """Check a custom rule table; return one line per problem (empty when valid).

    Parameters
    ----------
    rules
        Segment -> list of cell codes. A code is R then FM (``"54"``), or R, F
        and M (``"543"``); every code has the same length.
    bins
        Score bins (``segmentation.rfm_bins``): each digit must be 1..bins.

    Returns
    -------
    list of str
        Problems, each with its fix; every cell of the grid must be listed under
        exactly one segment.
    """
    if not rules:
        return ["the table is empty; map each segment name to a list of score codes, e.g. Best: ['55', '54']"]
    problems: list[str] = []
    all_codes: list[tuple[str, str]] = []
    for seg, codes in rules.items():
        codes = _codes(codes if isinstance(codes, (list, tuple)) else [codes])
        if not codes:
            problems.append(f"segment {seg!r} has no codes; list its cells or remove it")
        all_codes += [(c, seg) for c in codes]
    lengths = {len(c) for c, _ in all_codes}
    bad = [c for c, _ in all_codes if not c.isdigit() or any(not 1 <= int(d) <= bins for d in c)]
    if bad:
        problems.append(
            f"codes {', '.join(map(repr, bad[:6]))} are not scores: each digit must be 1..{bins} (rfm_bins)"
        )
    if lengths - {2, 3} or len(lengths) > 1:
        problems.append(
            "write every code with the same number of digits: 2 for R and FM (e.g. '54'), or 3 for R, F and M (e.g. '543')"
        )
    if problems:
        return problems
    width = lengths.pop()
    axes = "R x FM" if width == 2 else "R x F x M"
    expected = {"".join(map(str, combo)) for combo in itertools.product(range(1, bins + 1), repeat=width)}
    owners: dict[str, list[str]] = {}
    for code, seg in all_codes:
        owners.setdefault(code, []).append(seg)
    missing = sorted(expected - set(owners))
    twice = {c: s for c, s in owners.items() if len(s) > 1}
    if missing:
        shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        problems.append(
            f"{len(missing)} of the {len(expected)} cells ({axes}, scores 1..{bins}) belong to no segment: {shown}; "
            "add each to exactly one segment"
        )
    if twice:
        shown = "; ".join(f"{c} ({', '.join(s)})" for c, s in sorted(twice.items())[:10])
        problems.append(f"cells listed more than once: {shown}; keep each cell in one segment")
    return problems


def get_scheme(
    name: str, custom_schemes: Mapping[str, Mapping[str, Sequence]] | None = None, bins: int = 5
) -> SegmentScheme:
    """A built-in scheme, or a validated custom rule table from params.

    Raises
    ------
    AnalysisError
        Unknown name, invalid custom table, or a built-in scheme used with other bins.
    """
    custom = dict(custom_schemes or {})
    if name in BUILTIN_SCHEMES:
        scheme = BUILTIN_SCHEMES[name]
        if scheme.levels not in (None, bins):
            raise AnalysisError(
                f"segmentation.scheme {name} is defined on {scheme.levels} score bins; set segmentation.rfm_bins: "
                f"{scheme.levels}, or use cn8 or a custom scheme"
            )
        return scheme
    if name not in custom:
        raise AnalysisError(
            f"segmentation.scheme: unknown scheme {name!r}; use {', '.join([*BUILTIN_SCHEMES, *custom])} "
            "or add a rule table under segmentation.custom_schemes"
        )
    problems = rule_table_problems(custom[name], bins)
    if problems:
        raise AnalysisError(f"segmentation.custom_schemes.{name}: " + "; ".join(problems))
    rules = {
        seg: tuple(_codes(codes if isinstance(codes, (list, tuple)) else [codes]))
        for seg, codes in custom[name].items()
    }
    width = len(next(iter(rules.values()))[0])
    return SegmentScheme(
        name=name,
        rules=rules,
        axes=("R", "FM") if width == 2 else ("R", "F", "M"),
        levels=bins,
    )
