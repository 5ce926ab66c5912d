"""Satisfaction: NPS, CSAT and CES with intervals, their link to repurchase, key drivers and comments.

Survey scores become useful when they are joined to behaviour. This module
scores the survey (:func:`score_table`, :func:`period_scores`,
:func:`score_change`), joins every response to the customer's purchases before
and after it (:func:`enrich_responses`), measures repurchase and churn after the
response by NPS group (:func:`repurchase_after_response`,
:func:`time_to_next_purchase`, :func:`group_difference`), splits the explained
variance of the overall score among aspect ratings (:func:`relative_weights`,
:func:`key_drivers`), reads the comments (:func:`tokenize_comments`,
:func:`top_terms`, :func:`log_odds_terms`) and checks who answered
(:func:`coverage`). :func:`build_report` runs everything for a report context
and copes with clients that have no survey source.

Definitions (stated in the report as well)
------------------------------------------
NPS group
    promoter 9–10, passive 7–8, detractor 0–6 on the 0–10 "would you recommend" scale.
NPS
    % promoters − % detractors, in points (−100 … 100), among responses with an
    NPS answer. 95% interval ``NPS ± 1.96·SE`` with
    ``SE = sqrt((p + d − (p − d)²) / n)`` (p, d shares; ×100 for points).
CSAT
    share of 4–5 answers on the 1–5 satisfaction scale; 95% Wilson interval.
CES
    mean of the 1–7 effort scale (7 = very easy).
Difference of two periods or groups
    ``SE = sqrt(SE₁² + SE₂²)``; two-sided normal test.
Repurchase within N days after a response
    the customer's first response; a later purchase counts only when it is
    strictly after the response time and within N days; only responses with the
    full N days observed before the period end are counted.
Churn after a response
    no purchase within the churn window after the response (same rules).
Prior purchase frequency
    distinct purchase days (occasions) before the response.
Relative weights
    Johnson (2000): the R² of the overall score regressed on the aspect ratings,
    split among the aspects; the weights sum to R².
Distinguishing terms
    weighted log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi
    & Quinn 2008), reported as a z-score.
Response rate
    customers who answered in the period ÷ customers who bought or answered in
    the period (there is no invitation list, so buyers are the base).

Report language
---------------
Every text the report shows comes from the message catalog
(``resources/i18n/<lang>/satisfaction.yaml``): functions that produce text take
``lang`` ("en" or "zh"). Codes stay in the tables (``detractor``, ``fix first``
…); :class:`SatisfactionReport` translates them for display. Comments, category
and store names from the data are shown as they are.

Importing this module imports neither jieba nor lifelines; both are imported
lazily where needed.
"""

from __future__ import annotations

import functools
import logging
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from repurchase.core import formatting, i18n
from repurchase.core.errors import AnalysisError
from repurchase.core.tiers import DEFAULT_FREQUENCY_TIERS

if TYPE_CHECKING:  # pragma: no cover
    from repurchase.report import ReportContext, SafeMarkdown

__all__ = [
    "CHURN_COLUMNS",
    "DIMENSIONS",
    "NPS_GROUPS",
    "REPURCHASE_COLUMNS",
    "SCORE_COLUMNS",
    "Z95",
    "CoverageResult",
    "KeyDrivers",
    "SatisfactionReport",
    "aspect_labels",
    "build_report",
    "churn_after_response",
    "coverage",
    "dimension_label",
    "distinguishing_terms",
    "enrich_responses",
    "first_responses",
    "format_window",
    "frequency_tier",
    "group_difference",
    "key_drivers",
    "load_stopwords",
    "log_odds_terms",
    "nps_breakdowns",
    "nps_group",
    "nps_group_label",
    "nps_interval",
    "period_scores",
    "proportion_interval",
    "quadrant_label",
    "relative_weights",
    "repurchase_after_response",
    "sample_comments",
    "satisfaction_metrics",
    "score_change",
    "score_table",
    "scores_by_month",
    "time_to_next_purchase",
    "tokenize_comments",
    "top_terms",
]

#: NPS groups, worst first
NPS_GROUPS = ("detractor", "passive", "promoter")
#: breakdown dimensions, in report order (named by :func:`dimension_label`)
DIMENSIONS = ("frequency_tier", "channel", "region", "store", "tier", "acquisition_channel")
#: two-sided 95% normal quantile
Z95 = float(stats.norm.ppf(0.975))

SCORE_COLUMNS = [
    "responses",
    "nps_n",
    "promoters",
    "passives",
    "detractors",
    "nps",
    "nps_se",
    "nps_low",
    "nps_high",
    "csat_n",
    "satisfied",
    "csat",
    "csat_low",
    "csat_high",
    "ces_n",
    "ces",
]
REPURCHASE_COLUMNS = ["responses", "observed", "repurchased", "rate", "rate_low", "rate_high", "rate_se"]
CHURN_COLUMNS = ["responses", "observed", "churned", "churn_rate", "churn_low", "churn_high", "churn_se"]

_CJK_RE = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+"
_EN_RE = r"[a-z]+(?:'[a-z]+)?"


# ---------------------------------------------------------------------------
# scores


def nps_group(scores: pd.Series) -> pd.Series:
    """NPS group of each 0–10 answer: detractor 0–6, passive 7–8, promoter 9–10 (NaN stays NaN).

    Returns an ordered categorical with the categories of :data:`NPS_GROUPS`.
    """
    s = pd.to_numeric(scores, errors="coerce")
    codes = np.select([s >= 9, s >= 7, s >= 0], [2, 1, 0], default=-1)
    return pd.Series(pd.Categorical.from_codes(codes, categories=list(NPS_GROUPS), ordered=True), index=scores.index)


def nps_group_label(group: Any, lang: str = "en", *, plural: bool = False) -> str:
    """An NPS group code (``detractor`` …) in the report language: detractor / 贬损者; ``plural`` gives detractors."""
    code = str(group)
    if code not in NPS_GROUPS:
        return code
    return i18n.t(f"satisfaction.groups.{code}" if plural else f"satisfaction.group.{code}", lang)


def dimension_label(dimension: str, lang: str = "en") -> str:
    """How a breakdown dimension (``channel``, ``tier`` …) is named in the report language."""
    return i18n.t(f"satisfaction.dim.{dimension}", lang) if dimension in DIMENSIONS else str(dimension)


def format_window(label: str, lang: str = "en") -> str:
    """A scored window's label (``2026-10`` or ``2026-08..2026-10``) as month names in the report language."""
    if not label:
        return ""
    parts = str(label).split("..")
    if len(parts) == 1:
        return formatting.format_month(parts[0], lang)
    return i18n.t(
        "satisfaction.month_range",
        lang,
        first=formatting.format_month(parts[0], lang),
        last=formatting.format_month(parts[1], lang),
    )


def nps_interval(promoters: Any, detractors: Any, n: Any, z: float = Z95) -> tuple[Any, Any, Any, Any]:
    """NPS, its standard error and interval from counts (vectorized).

    ``NPS = 100·(p − d)`` and ``SE = 100·sqrt((p + d − (p − d)²) / n)`` with
    ``p = promoters / n`` and ``d = detractors / n``. The interval is
    ``NPS ± z·SE`` clipped to [−100, 100]. ``n = 0`` gives NaN.

    Returns
    -------
    nps, se, low, high
    """
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.asarray(promoters, dtype=float) / n
        d = np.asarray(detractors, dtype=float) / n
        nps = 100.0 * (p - d)
        se = 100.0 * np.sqrt(np.clip(p + d - (p - d) ** 2, 0, None) / n)
    return nps, se, np.clip(nps - z * se, -100, 100), np.clip(nps + z * se, -100, 100)


def proportion_interval(k: Any, n: Any, z: float = Z95) -> tuple[Any, Any]:
    """Wilson score interval of a proportion ``k / n`` (vectorized; ``n = 0`` gives NaN)."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        denom = n + z**2
        centre = (k + z**2 / 2) / denom
        half = z * np.sqrt(np.clip(k * (n - k) / n, 0, None) + z**2 / 4) / denom
        low, high = centre - half, centre + half
    bad = n <= 0
    return np.where(bad, np.nan, np.clip(low, 0, 1)), np.where(bad, np.nan, np.clip(high, 0, 1))


def _empty(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=float) for c in columns})


def _ids(values: pd.Series) -> pd.Series:
    """Customer IDs as Python strings (object dtype), converted only when needed."""
    return values if values.dtype == object else values.astype(str).astype(object)


def score_table(
    surveys: pd.DataFrame | None,
    by: str | Sequence[str] | None = None,
    *,
    nps_col: str = "nps",
    csat_col: str = "csat",
    ces_col: str = "ces",
    z: float = Z95,
) -> pd.DataFrame:
    """NPS, CSAT and CES with intervals, overall or per group.

    Parameters
    ----------
    surveys
        Survey responses (one row each); None or empty gives an empty table.
    by
        Column(s) to group by; None for one overall row.
    nps_col, csat_col, ces_col
        Score columns; a missing column counts as unanswered.

    Returns
    -------
    DataFrame
        ``by`` columns, then :data:`SCORE_COLUMNS`: ``responses``; ``nps_n``
        answers with ``promoters``, ``passives``, ``detractors``, ``nps`` in
        points with ``nps_se``, ``nps_low``, ``nps_high``; ``csat_n`` answers,
        ``satisfied`` (4–5), ``csat`` share with Wilson ``csat_low``/``csat_high``;
        ``ces_n`` and mean ``ces``.
    """
    keys = [] if by is None else ([by] if isinstance(by, str) else list(by))
    if surveys is None or surveys.empty:
        return _empty([*keys, *SCORE_COLUMNS])
    idx = surveys.index

    def col(name: str) -> pd.Series:
        return pd.to_numeric(surveys[name], errors="coerce") if name in surveys else pd.Series(np.nan, index=idx)

    nps, csat, ces = col(nps_col), col(csat_col), col(ces_col)
    group = nps_group(nps)
    parts = pd.DataFrame(
        {
            "responses": 1,
            "nps_n": nps.notna().astype(int),
            "promoters": (group == "promoter").astype(int),
            "passives": (group == "passive").astype(int),
            "detractors": (group == "detractor").astype(int),
            "csat_n": csat.notna().astype(int),
            "satisfied": (csat >= 4).astype(int),
            "ces_n": ces.notna().astype(int),
            "ces_sum": ces.fillna(0.0),
        },
        index=idx,
    )
    if keys:
        for k in keys:
            parts[k] = surveys[k]
        agg = parts.groupby(keys, observed=True, sort=True, dropna=True).sum().reset_index()
    else:
        agg = parts.sum().to_frame().T
    agg["nps"], agg["nps_se"], agg["nps_low"], agg["nps_high"] = nps_interval(
        agg["promoters"], agg["detractors"], agg["nps_n"], z
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        agg["csat"] = agg["satisfied"] / agg["csat_n"].where(agg["csat_n"] > 0)
        agg["ces"] = agg["ces_sum"] / agg["ces_n"].where(agg["ces_n"] > 0)
    agg["csat_low"], agg["csat_high"] = proportion_interval(agg["satisfied"], agg["csat_n"], z)
    ints = ["responses", "nps_n", "promoters", "passives", "detractors", "csat_n", "satisfied", "ces_n"]
    agg[ints] = agg[ints].astype("int64")
    return agg[[*keys, *SCORE_COLUMNS]].reset_index(drop=True)


def scores_by_month(surveys: pd.DataFrame | None, *, date_col: str = "response_date", **kwargs: Any) -> pd.DataFrame:
    """:func:`score_table` per calendar month of the response (column ``month``, ``YYYY-MM``)."""
    if surveys is None or surveys.empty:
        return _empty(["month", *SCORE_COLUMNS])
    frame = surveys.assign(month=surveys[date_col].dt.strftime("%Y-%m"))
    return score_table(frame, "month", **kwargs)


def _window(period: Any, months: int, back: int = 0) -> tuple[pd.Timestamp, pd.Timestamp, str]:
    """[start, end) of the ``months`` months ending with ``period`` shifted ``back`` windows earlier."""
    last = period.shift(-back * months)
    first = last.shift(-(months - 1))
    label = last.label if months == 1 else f"{first.label}..{last.label}"
    return first.start, last.end_exclusive, label


def period_scores(
    surveys: pd.DataFrame | None,
    period: Any,
    *,
    months: int = 1,
    date_col: str = "response_date",
    **kwargs: Any,
) -> pd.DataFrame:
    """Scores of this period and the previous one (two rows).

    Parameters
    ----------
    surveys
        Survey responses.
    period
        The report :class:`~repurchase.periods.Period`.
    months
        Months per scored period: 1 scores the report month against the month
        before; 3 scores the three months ending with it against the three before.

    Returns
    -------
    DataFrame
        ``window`` (``this period`` / ``previous period``), ``label``, ``start``,
        ``end_exclusive``, then :data:`SCORE_COLUMNS` (zero responses give NaN scores).
    """
    rows = []
    for back, name in ((0, "this period"), (1, "previous period")):
        start, end, label = _window(period, months, back)
        if surveys is None or surveys.empty:
            part = None
        else:
            part = surveys[(surveys[date_col] >= start) & (surveys[date_col] < end)]
        table = score_table(part, **kwargs)
        if table.empty:
            table = score_table(pd.DataFrame({"nps": [np.nan]}), **kwargs).assign(responses=0)
        rows.append(table.assign(window=name, label=label, start=start, end_exclusive=end))
    out = pd.concat(rows, ignore_index=True)
    return out[["window", "label", "start", "end_exclusive", *SCORE_COLUMNS]]


def score_change(scores: pd.DataFrame, z: float = Z95) -> pd.DataFrame:
    """Difference of NPS and CSAT between this period and the previous one, with a test.

    Parameters
    ----------
    scores
        :func:`period_scores` output (rows ``this period`` and ``previous period``).

    Returns
    -------
    DataFrame
        One row per metric (``nps`` in points, ``csat`` as a share): ``this``,
        ``previous``, ``difference``, ``se`` = sqrt(SE₁² + SE₂²), ``low``,
        ``high``, ``z``, ``p_value`` (two-sided), ``n_this``, ``n_previous``.
    """
    cur = scores.set_index("window").loc["this period"]
    prev = scores.set_index("window").loc["previous period"]
    with np.errstate(invalid="ignore", divide="ignore"):
        csat_se = [
            math.sqrt(r["csat"] * (1 - r["csat"]) / r["csat_n"]) if r["csat_n"] > 0 else np.nan for r in (cur, prev)
        ]
    rows = []
    for metric, a, b, se_a, se_b, n_a, n_b in (
        ("nps", cur["nps"], prev["nps"], cur["nps_se"], prev["nps_se"], cur["nps_n"], prev["nps_n"]),
        ("csat", cur["csat"], prev["csat"], csat_se[0], csat_se[1], cur["csat_n"], prev["csat_n"]),
    ):
        diff = float(a) - float(b)
        se = math.sqrt(float(se_a) ** 2 + float(se_b) ** 2)
        zz = diff / se if se > 0 else np.nan
        p = float(2 * stats.norm.sf(abs(zz))) if np.isfinite(zz) else np.nan
        rows.append(
            {
                "metric": metric,
                "this": float(a),
                "previous": float(b),
                "difference": diff,
                "se": se,
                "low": diff - z * se,
                "high": diff + z * se,
                "z": zz,
                "p_value": p,
                "n_this": int(n_a),
                "n_previous": int(n_b),
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# responses joined to behaviour


def frequency_tier(occasions: pd.Series, tiers: Mapping[str, int] | None = None, lang: str = "en") -> pd.Series:
    """Label purchase counts with frequency tiers.

    Parameters
    ----------
    occasions
        Purchase occasions (distinct days) per row.
    tiers
        ``{name: minimum occasions}``, default ``{"high": 4, "occasional": 2}``;
        1 occasion is ``one-time (1)`` and 0 is ``none before (0)``. Labels
        carry their range, e.g. ``occasional (2–3)``, ``high (4+)``.
    lang
        Report language of the labels (中频（2–3 次） in Chinese). The default
        tier names ``high`` and ``occasional`` are translated; names set in the
        params are kept as written.

    Returns
    -------
    Series
        Ordered categorical, lowest tier first.
    """
    tiers = dict(tiers or DEFAULT_FREQUENCY_TIERS)
    ordered = sorted(tiers.items(), key=lambda kv: kv[1])  # ascending minimum
    upper = [lo - 1 for _, lo in ordered[1:]] + [None]
    ranges = [
        f"{lo}+" if hi is None else (f"{lo}" if hi == lo else f"{lo}–{hi}") for (_, lo), hi in zip(ordered, upper)
    ]

    def label(name: str, span: str) -> str:
        return i18n.t("satisfaction.freq_label", lang, name=name, range=span)

    def tier_name(name: str) -> str:
        return i18n.t(f"satisfaction.freq.{name}", lang) if name in ("high", "occasional") else name

    labels = [
        label(i18n.t("satisfaction.freq.none", lang), "0"),
        label(i18n.t("satisfaction.freq.one_time", lang), "1"),
        *[label(tier_name(name), r) for (name, _), r in zip(ordered, ranges)],
    ]
    occ = pd.to_numeric(occasions, errors="coerce").fillna(0).to_numpy()
    codes = np.where(occ >= 1, 1, 0)
    for i, (_, lo) in enumerate(ordered):
        codes = np.where(occ >= lo, i + 2, codes)
    return pd.Series(pd.Categorical.from_codes(codes, categories=labels, ordered=True), index=occasions.index)


def enrich_responses(
    surveys: pd.DataFrame | None,
    transactions: pd.DataFrame,
    customers: pd.DataFrame | None = None,
    *,
    frequency_tiers: Mapping[str, int] | None = None,
    customer_col: str = "customer_id",
    response_col: str = "response_date",
    date_col: str = "order_date",
    amount_col: str = "amount",
    nps_col: str = "nps",
    context_cols: Sequence[str] = ("channel", "region", "store"),
    customer_cols: Sequence[str] = ("tier", "acquisition_channel"),
    lang: str = "en",
) -> pd.DataFrame:
    """Join every survey response to the customer's purchases before and after it.

    Parameters
    ----------
    surveys
        Cleaned survey responses; None or empty gives an empty frame.
    transactions
        Cleaned transactions (order lines).
    customers
        Optional customers source, for ``customer_cols``.
    frequency_tiers
        See :func:`frequency_tier`.
    context_cols
        Transaction columns copied from the customer's last order line before
        the response (the purchase the survey is about), unless the survey
        carries the column itself.
    customer_cols
        Customer columns copied when present.
    lang
        Language of the ``frequency_tier`` labels.

    Returns
    -------
    DataFrame
        The survey columns plus ``nps_group``; ``prior_occasions`` (distinct
        purchase days with an order before the response), ``prior_spend``,
        ``frequency_tier``; ``last_purchase`` (before the response);
        ``next_purchase`` (the first order strictly after the response, NaT if
        none) and ``days_to_next``; and the context and customer columns found.
    """
    base_cols = [
        customer_col,
        response_col,
        "nps_group",
        "prior_occasions",
        "prior_spend",
        "frequency_tier",
        "last_purchase",
        "next_purchase",
        "days_to_next",
    ]
    if surveys is None or surveys.empty:
        return _empty(base_cols)
    r = surveys.copy()
    r[customer_col] = r[customer_col].astype(str).astype(object)
    r["_rid"] = np.arange(len(r))
    r["nps_group"] = nps_group(r[nps_col]) if nps_col in r else nps_group(pd.Series(np.nan, index=r.index))
    r = r.sort_values(response_col, kind="stable")

    ctx_cols = [c for c in context_cols if c in transactions.columns and c not in r.columns]
    ids = _ids(transactions[customer_col])
    mine = ids.isin(pd.unique(r[customer_col]))  # only respondents' purchases matter
    tx = transactions.loc[mine, [date_col, amount_col, *ctx_cols]].copy()
    tx[customer_col] = ids[mine].to_numpy(dtype=object)
    tx = tx.sort_values(date_col, kind="stable")
    tx["_cum_spend"] = tx.groupby(customer_col, sort=False)[amount_col].cumsum()

    # occasions: distinct customer-days, timed by the day's first order
    occ = (
        tx.assign(_day=tx[date_col].dt.normalize())
        .groupby([customer_col, "_day"], sort=False)[date_col]
        .min()
        .rename("_first")
        .reset_index()
        .sort_values("_first", kind="stable")
    )
    occ["_cum_occ"] = occ.groupby(customer_col, sort=False).cumcount() + 1

    back = pd.merge_asof(
        r[[response_col, customer_col, "_rid"]],
        occ[["_first", customer_col, "_cum_occ"]],
        left_on=response_col,
        right_on="_first",
        by=customer_col,
        direction="backward",
        allow_exact_matches=False,
    )
    lines = pd.merge_asof(
        r[[response_col, customer_col, "_rid"]],
        tx[[date_col, customer_col, "_cum_spend", *ctx_cols]],
        left_on=response_col,
        right_on=date_col,
        by=customer_col,
        direction="backward",
        allow_exact_matches=False,
    )
    nxt = pd.merge_asof(
        r[[response_col, customer_col, "_rid"]],
        tx[[date_col, customer_col]].rename(columns={date_col: "_next"}),
        left_on=response_col,
        right_on="_next",
        by=customer_col,
        direction="forward",
        allow_exact_matches=False,
    )
    r = r.set_index("_rid")
    r["prior_occasions"] = back.set_index("_rid")["_cum_occ"].reindex(r.index).fillna(0).astype("int64")
    lines = lines.set_index("_rid").reindex(r.index)
    r["prior_spend"] = lines["_cum_spend"].fillna(0.0)
    r["last_purchase"] = lines[date_col]
    for c in ctx_cols:
        r[c] = lines[c]
    r["frequency_tier"] = frequency_tier(r["prior_occasions"], frequency_tiers, lang)
    r["next_purchase"] = nxt.set_index("_rid")["_next"].reindex(r.index)
    r["days_to_next"] = (r["next_purchase"] - r[response_col]).dt.total_seconds() / 86400.0
    if customers is not None and not customers.empty:
        keep = [c for c in customer_cols if c in customers.columns and c not in r.columns]
        if keep:
            cu = customers[[customer_col, *keep]].copy()
            cu[customer_col] = cu[customer_col].astype(str).astype(object)
            cu = cu.drop_duplicates(customer_col).set_index(customer_col)
            for c in keep:
                r[c] = r[customer_col].map(cu[c])
    return r.sort_index().reset_index(drop=True)


def first_responses(
    enriched: pd.DataFrame, *, customer_col: str = "customer_id", response_col: str = "response_date"
) -> pd.DataFrame:
    """Each customer's first response (later ones are triggered by later purchases, so they are not independent)."""
    if enriched.empty:
        return enriched
    return enriched.sort_values(response_col, kind="stable").drop_duplicates(customer_col).reset_index(drop=True)


def nps_breakdowns(
    responses: pd.DataFrame | None,
    dimensions: Sequence[str] = DIMENSIONS,
    *,
    min_n: int = 30,
    max_groups: int = 12,
    other_label: str = "other",
    z: float = Z95,
) -> pd.DataFrame:
    """NPS and CSAT by segment, channel, region, store or tier, with n and intervals.

    Groups with fewer than ``min_n`` NPS answers are flagged (``small_n``) and
    not ranked. Per dimension the ``max_groups`` largest groups are kept (the
    rest are summed into one group named ``other_label``, in the report language).

    Returns
    -------
    DataFrame
        ``dimension``, ``group``, :data:`SCORE_COLUMNS`, ``small_n``, ``rank``
        (1 = highest NPS among groups with enough answers; NaN when flagged).
    """
    out_cols = ["dimension", "group", *SCORE_COLUMNS, "small_n", "rank"]
    if responses is None or responses.empty:
        return _empty(out_cols)
    parts = []
    for dim in dimensions:  # a handful of dimensions, each vectorized
        if dim not in responses.columns or responses[dim].notna().sum() == 0:
            continue
        values = responses[dim].astype(object).where(responses[dim].notna(), None)
        sizes = values.value_counts()
        if len(sizes) <= 1:
            continue
        if isinstance(responses[dim].dtype, pd.CategoricalDtype):
            cats = [c for c in responses[dim].cat.categories if c in set(values.dropna())]
        else:  # largest first, the rest summed into "other" (last)
            cats = list(sizes.index)
            if len(sizes) > max_groups:
                cats = cats[: max_groups - 1]
                values = values.where(values.isin(cats) | values.isna(), other_label)
                cats.append(other_label)
        values = pd.Categorical(values, categories=cats, ordered=True)
        table = score_table(responses.assign(group=values), "group", z=z)
        table.insert(0, "dimension", dim)
        table["group"] = table["group"].astype(str)
        parts.append(table)
    if not parts:
        return _empty(out_cols)
    out = pd.concat(parts, ignore_index=True)
    out["small_n"] = out["nps_n"] < min_n
    ranked = out["nps"].where(~out["small_n"])
    out["rank"] = ranked.groupby(out["dimension"]).rank(ascending=False, method="min")
    return out[out_cols]


def repurchase_after_response(
    responses: pd.DataFrame | None,
    period_end: pd.Timestamp,
    window_days: int = 90,
    by: str | Sequence[str] = "nps_group",
    *,
    response_col: str = "response_date",
    z: float = Z95,
) -> pd.DataFrame:
    """Share of responses followed by a purchase within ``window_days``, per group.

    Parameters
    ----------
    responses
        :func:`enrich_responses` output (usually :func:`first_responses`).
    period_end
        End of observation (exclusive): the period end.
    window_days
        N. Only responses with ``response + N days <= period_end`` are
        ``observed``; a purchase counts when it is strictly after the response
        and within N days.
    by
        Group column(s).

    Returns
    -------
    DataFrame
        ``by`` columns, ``responses``, ``observed``, ``repurchased``, ``rate``
        with Wilson ``rate_low``/``rate_high`` and ``rate_se``.
    """
    keys = [by] if isinstance(by, str) else list(by)
    if responses is None or responses.empty:
        return _empty([*keys, *REPURCHASE_COLUMNS])
    window = pd.Timedelta(days=window_days)
    observed = responses[response_col] + window <= pd.Timestamp(period_end)
    bought = responses["days_to_next"].le(window_days) & observed
    parts = pd.DataFrame({"responses": 1, "observed": observed.astype(int), "repurchased": bought.astype(int)})
    for k in keys:
        parts[k] = responses[k]
    agg = parts.groupby(keys, observed=False, sort=True).sum().reset_index()
    with np.errstate(invalid="ignore", divide="ignore"):
        agg["rate"] = agg["repurchased"] / agg["observed"].where(agg["observed"] > 0)
        agg["rate_se"] = np.sqrt(agg["rate"] * (1 - agg["rate"]) / agg["observed"].where(agg["observed"] > 0))
    agg["rate_low"], agg["rate_high"] = proportion_interval(agg["repurchased"], agg["observed"], z)
    return agg[[*keys, *REPURCHASE_COLUMNS]]


def churn_after_response(
    responses: pd.DataFrame | None,
    period_end: pd.Timestamp,
    churn_days: int = 180,
    by: str | Sequence[str] = "nps_group",
    **kwargs: Any,
) -> pd.DataFrame:
    """Share of responses with no purchase within ``churn_days`` after them (observed responses only).

    Returns ``by`` columns and :data:`CHURN_COLUMNS` (Wilson interval).
    """
    rep = repurchase_after_response(responses, period_end, churn_days, by, **kwargs)
    keys = [by] if isinstance(by, str) else list(by)
    out = rep[keys + ["responses", "observed"]].copy()
    out["churned"] = rep["observed"] - rep["repurchased"]
    out["churn_rate"] = 1 - rep["rate"]
    out["churn_low"] = 1 - rep["rate_high"]
    out["churn_high"] = 1 - rep["rate_low"]
    out["churn_se"] = rep["rate_se"]
    return out[[*keys, *CHURN_COLUMNS]]


def group_difference(
    rates: pd.DataFrame,
    a: str = "detractor",
    b: str = "promoter",
    *,
    group_col: str = "nps_group",
    stratum_col: str | None = None,
    z: float = Z95,
) -> pd.DataFrame:
    """Difference of two groups' repurchase rates, crude or standardized over strata.

    Parameters
    ----------
    rates
        :func:`repurchase_after_response` output, by ``group_col`` (and
        ``stratum_col`` for the stratified comparison).
    a, b
        The groups compared: ``rate(a) − rate(b)``.
    stratum_col
        With strata, the within-stratum differences are averaged with weights
        = the stratum's observed responses in both groups (direct
        standardization); strata missing either group are left out.
        ``SE = sqrt(Σ w² (SE_a² + SE_b²))``.

    Returns
    -------
    DataFrame
        One row: ``comparison`` (e.g. ``detractor − promoter, crude``),
        ``method`` (``crude`` or ``standardized``), ``a``, ``b``,
        ``difference``, ``se``, ``low``, ``high``, ``p_value``, ``observed``
        (responses used), ``strata`` (used).
    """
    cols = ["comparison", "method", "a", "b", "difference", "se", "low", "high", "p_value", "observed", "strata"]
    label = f"{a} − {b}" + (f", standardized over {stratum_col}" if stratum_col else ", crude")
    ident = {"comparison": label, "method": "standardized" if stratum_col else "crude", "a": a, "b": b}
    if rates is None or rates.empty:
        return pd.DataFrame([dict.fromkeys(cols, np.nan) | ident])[cols]
    keys = [stratum_col] if stratum_col else []
    frame = rates.assign(_g=rates[group_col].astype(str))
    ra = frame[frame["_g"] == a].set_index(keys) if keys else frame[frame["_g"] == a]
    rb = frame[frame["_g"] == b].set_index(keys) if keys else frame[frame["_g"] == b]
    if not keys:
        ra, rb = ra.reset_index(drop=True), rb.reset_index(drop=True)
    joined = ra[["rate", "rate_se", "observed"]].join(
        rb[["rate", "rate_se", "observed"]], lsuffix="_a", rsuffix="_b", how="inner"
    )
    joined = joined[(joined["observed_a"] > 0) & (joined["observed_b"] > 0)]
    if joined.empty:
        return pd.DataFrame([dict.fromkeys(cols, np.nan) | ident | {"observed": 0, "strata": 0}])[cols]
    n = joined["observed_a"] + joined["observed_b"]
    w = n / n.sum()
    diff = float((w * (joined["rate_a"] - joined["rate_b"])).sum())
    se = float(np.sqrt((w**2 * (joined["rate_se_a"] ** 2 + joined["rate_se_b"] ** 2)).sum()))
    p = float(2 * stats.norm.sf(abs(diff / se))) if se > 0 else np.nan
    return pd.DataFrame(
        [
            ident
            | {
                "difference": diff,
                "se": se,
                "low": diff - z * se,
                "high": diff + z * se,
                "p_value": p,
                "observed": int(n.sum()),
                "strata": len(joined),
            }
        ]
    )[cols]


def time_to_next_purchase(
    responses: pd.DataFrame | None,
    period_end: pd.Timestamp,
    *,
    by: str = "nps_group",
    max_days: int = 365,
    response_col: str = "response_date",
) -> pd.DataFrame:
    """Kaplan–Meier curves of the time from a response to the next purchase, per group.

    A response without a later purchase is censored at the period end. Uses
    lifelines' ``KaplanMeierFitter`` (exponential Greenwood 95% interval).

    Returns
    -------
    DataFrame
        ``group``, ``days`` (0 … ``max_days``), ``repurchased`` (share who
        bought again by then = 1 − S(t)), ``low``, ``high``, ``at_risk``, ``n``.
    """
    cols = ["group", "days", "repurchased", "low", "high", "at_risk", "n"]
    if responses is None or responses.empty:
        return _empty(cols)
    from lifelines import KaplanMeierFitter  # lazy: lifelines is slow to import

    follow = (pd.Timestamp(period_end) - responses[response_col]).dt.total_seconds() / 86400.0
    event = responses["days_to_next"].notna()
    duration = responses["days_to_next"].where(event, follow).clip(lower=1e-9)
    timeline = np.arange(0, max_days + 1, dtype=float)
    frames = []
    groups = responses[by].astype(str).where(responses[by].notna())
    order = (
        [g for g in NPS_GROUPS if g in set(groups.dropna())] if by == "nps_group" else sorted(groups.dropna().unique())
    )
    for g in order:  # one fit per group (three NPS groups)
        mask = (groups == g).to_numpy()
        if mask.sum() == 0:
            continue
        kmf = KaplanMeierFitter(alpha=0.05)
        kmf.fit(duration[mask], event_observed=event[mask], timeline=timeline)
        s = kmf.survival_function_.iloc[:, 0].to_numpy()
        ci = kmf.confidence_interval_survival_function_
        at_risk = kmf.event_table["at_risk"].reindex(timeline, method="ffill") if len(kmf.event_table) else np.nan
        frames.append(
            pd.DataFrame(
                {
                    "group": g,
                    "days": timeline,
                    "repurchased": 1 - s,
                    "low": 1 - ci.iloc[:, 1].to_numpy(),
                    "high": 1 - ci.iloc[:, 0].to_numpy(),
                    "at_risk": np.asarray(at_risk, dtype=float),
                    "n": int(mask.sum()),
                }
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else _empty(cols)


# ---------------------------------------------------------------------------
# key drivers


def relative_weights(aspects: pd.DataFrame, target: pd.Series) -> pd.Series:
    """Johnson's (2000) relative weights of correlated predictors.

    With ``R`` the predictors' correlation matrix and ``r`` their correlations
    with the target, ``Λ = R^{1/2}``, ``β = Λ⁻¹ r`` (the target regressed on the
    orthogonal counterparts of the predictors) and the weight of predictor j is
    ``Σ_k Λ_jk² β_k²``. The weights are non-negative and sum to the R² of the
    ordinary least-squares regression of the target on all predictors; with
    uncorrelated predictors each weight is its squared correlation.

    Parameters
    ----------
    aspects
        Numeric predictors (rows with a missing value are dropped together
        with the target).
    target
        The overall score, aligned with ``aspects``.

    Returns
    -------
    Series
        Weight per predictor (name = column).

    Raises
    ------
    AnalysisError
        Fewer complete rows than predictors + 2, or a constant column.
    """
    data = pd.concat(
        [aspects.apply(pd.to_numeric, errors="coerce"), pd.to_numeric(target, errors="coerce").rename("__target__")],
        axis=1,
    ).dropna()
    k = aspects.shape[1]
    if k == 0:
        raise AnalysisError(
            "relative weights need at least one aspect rating column (aspect_<name> in sources.surveys.columns)"
        )
    if len(data) < k + 2:
        raise AnalysisError(
            f"relative weights need at least {k + 2} complete responses (aspects and target answered); got {len(data)}"
        )
    sd = data.std(ddof=0)
    flat = [c for c in data.columns if not sd[c] > 0]
    if flat:
        raise AnalysisError(
            f"relative weights: {', '.join(map(str, flat))} has the same value in every response; "
            "drop it from the aspects"
        )
    corr = np.corrcoef(data.to_numpy(dtype=float), rowvar=False)
    rxx, rxy = corr[:k, :k], corr[:k, k]
    evals, evecs = np.linalg.eigh(rxx)
    evals = np.clip(evals, 0, None)
    lam = (evecs * np.sqrt(evals)) @ evecs.T
    beta = np.linalg.pinv(lam) @ rxy
    weights = (lam**2) @ (beta**2)
    return pd.Series(weights, index=list(aspects.columns), name="weight")


@dataclass
class KeyDrivers:
    """Relative importance of aspect ratings for the overall score.

    Attributes
    ----------
    table
        ``aspect``, ``label`` (how the report names it), ``weight`` (share of
        variance explained), ``share`` (of R²), ``correlation`` with the
        target, ``mean_rating``, ``top2_share`` (share of 4–5), ``vif``,
        ``quadrant``; most important first.
    r2
        R² of the target on all aspects (= the sum of the weights).
    n
        Complete responses used.
    target
        ``nps`` or ``csat``.
    collinear
        Pairs of aspects with |r| above the threshold: ``aspect_a``,
        ``aspect_b``, ``r``.
    max_vif
        The largest variance inflation factor.
    vif_warn
        VIF above which the collinearity warning is given.
    reason
        Why there is no result, in ``lang`` (empty when there is one).
    lang
        Language of ``reason`` and :attr:`warning`.
    """

    table: pd.DataFrame
    r2: float = float("nan")
    n: int = 0
    target: str = "nps"
    collinear: pd.DataFrame = field(default_factory=lambda: _empty(["aspect_a", "aspect_b", "r"]))
    max_vif: float = float("nan")
    vif_warn: float = 5.0
    reason: str = ""
    lang: str = "en"

    @property
    def available(self) -> bool:
        return not self.reason

    @property
    def warning(self) -> str:
        """A plain-language collinearity warning in ``lang``, or an empty string."""
        if not self.available or (self.collinear.empty and not self.max_vif > self.vif_warn):
            return ""
        names = dict(zip(self.table["aspect"], self.table["label"])) if "label" in self.table else {}
        pairs = i18n.t("satisfaction.list_sep", self.lang).join(
            i18n.t("satisfaction.warn.pair", self.lang, a=names.get(a, a), b=names.get(b, b), r=f"{r:.2f}")
            for a, b, r in self.collinear.itertuples(index=False)
        )
        which = i18n.t("satisfaction.warn.pairs", self.lang, pairs=pairs) if pairs else ""
        return i18n.t("satisfaction.warn.collinear", self.lang, vif=f"{self.max_vif:.1f}", which=which)


_DRIVER_COLUMNS = ["aspect", "label", "weight", "share", "correlation", "mean_rating", "top2_share", "vif", "quadrant"]


def key_drivers(
    surveys: pd.DataFrame | None,
    aspect_cols: Sequence[str] | None = None,
    *,
    target: Literal["nps", "csat"] = "nps",
    min_responses: int = 30,
    collinear_r: float = 0.8,
    vif_warn: float = 5.0,
    labels: Mapping[str, str] | None = None,
    lang: str = "en",
) -> KeyDrivers:
    """Johnson's relative weights of the aspect ratings on the overall score, with an importance–performance view.

    Parameters
    ----------
    surveys
        Survey responses with ``aspect_*`` columns.
    aspect_cols
        Aspect columns; default every column starting with ``aspect_``.
    target
        ``nps`` (the 0–10 score) or ``csat``.
    min_responses
        Fewer complete responses give no result (``reason`` says why).
    collinear_r, vif_warn
        Pairs with |r| above ``collinear_r``, or a VIF above ``vif_warn``,
        trigger the collinearity warning.
    labels
        ``{aspect: name shown in the report}`` (aspect without the
        ``aspect_`` prefix); default the aspect itself.
    lang
        Language of ``reason`` and the warning.

    Returns
    -------
    KeyDrivers
        ``quadrant`` is ``fix first`` (importance at or above the mean of the
        aspects, rating below the mean), ``keep up`` (important, rated high),
        ``maintain`` (less important, rated high) or ``low priority``.
    """
    empty = _empty(_DRIVER_COLUMNS)
    target_name = target.upper()
    if surveys is None or surveys.empty:
        return KeyDrivers(empty, target=target, reason=i18n.t("satisfaction.reason.no_responses", lang), lang=lang)
    cols = list(aspect_cols) if aspect_cols is not None else [c for c in surveys.columns if c.startswith("aspect_")]
    if not cols:
        return KeyDrivers(empty, target=target, reason=i18n.t("satisfaction.reason.no_aspects", lang), lang=lang)
    if target not in surveys:
        return KeyDrivers(
            empty, target=target, reason=i18n.t("satisfaction.reason.no_target", lang, target=target_name), lang=lang
        )
    data = pd.concat(
        [surveys[cols].apply(pd.to_numeric, errors="coerce"), pd.to_numeric(surveys[target], errors="coerce")], axis=1
    ).dropna()
    if len(data) < max(min_responses, len(cols) + 2):
        return KeyDrivers(
            empty,
            n=len(data),
            target=target,
            lang=lang,
            reason=i18n.t(
                "satisfaction.reason.few_complete",
                lang,
                n=f"{len(data):,}",
                target=target_name,
                need=f"{max(min_responses, len(cols) + 2):,}",
            ),
        )
    flat = [c for c in cols if data[c].nunique() < 2]
    cols = [c for c in cols if c not in flat]
    if not cols:
        return KeyDrivers(
            empty, n=len(data), target=target, reason=i18n.t("satisfaction.reason.flat_aspects", lang), lang=lang
        )
    weights = relative_weights(data[cols], data[target])
    r2 = float(weights.sum())
    corr = data[cols].corr().to_numpy()
    vif = np.diag(np.linalg.pinv(corr))
    names = [c.removeprefix("aspect_") for c in cols]
    table = pd.DataFrame(
        {
            "aspect": names,
            "label": [str((labels or {}).get(n, n)) for n in names],
            "weight": weights.to_numpy(),
            "share": weights.to_numpy() / r2 if r2 > 0 else np.nan,
            "correlation": data[cols].corrwith(data[target]).to_numpy(),
            "mean_rating": data[cols].mean().to_numpy(),
            "top2_share": (data[cols] >= 4).mean().to_numpy(),
            "vif": vif,
        }
    )
    imp_hi = table["weight"] >= table["weight"].mean()
    perf_hi = table["mean_rating"] >= table["mean_rating"].mean()
    table["quadrant"] = np.select(
        [imp_hi & ~perf_hi, imp_hi & perf_hi, ~imp_hi & perf_hi], ["fix first", "keep up", "maintain"], "low priority"
    )
    iu = np.triu_indices(len(cols), 1)
    pairs = pd.DataFrame({"aspect_a": np.array(names)[iu[0]], "aspect_b": np.array(names)[iu[1]], "r": corr[iu]})
    collinear = pairs[pairs["r"].abs() > collinear_r].reset_index(drop=True)
    return KeyDrivers(
        table.sort_values("weight", ascending=False).reset_index(drop=True),
        r2=r2,
        n=len(data),
        target=target,
        collinear=collinear,
        max_vif=float(np.max(vif)),
        vif_warn=vif_warn,
        lang=lang,
    )


# ---------------------------------------------------------------------------
# comments


@functools.cache
def load_stopwords(language: Literal["zh", "en"]) -> frozenset[str]:
    """The shipped stop-word list of a language (``resources/stopwords_<language>.txt``).

    The Chinese list keeps short sentiment words (差, 慢, 贵, 好) and negations,
    which ``jieba.analyse.extract_tags`` would drop.
    """
    if language not in ("zh", "en"):
        raise AnalysisError(f"no stop-word list for language {language!r}; use 'zh' or 'en'")
    text = resources.files("repurchase").joinpath("resources", f"stopwords_{language}.txt").read_text(encoding="utf-8")
    return frozenset(w.strip().lower() for w in text.splitlines() if w.strip() and not w.lstrip().startswith("#"))


def _jieba_cut(runs: Sequence[str]) -> list[list[str]]:
    """Segment Chinese runs with ``jieba.lcut`` in one call (runs joined by newlines)."""
    if not runs:
        return []
    try:
        import jieba  # lazy: loads a dictionary on first use
    except ModuleNotFoundError:
        raise AnalysisError(
            "Chinese comments need the jieba package; run `make reports` to install requirements.txt"
        ) from None
    jieba.setLogLevel(logging.WARNING)  # jieba's own logger only
    tokens = np.asarray(jieba.lcut("\n".join(runs)), dtype=object)
    is_sep = tokens == "\n"
    run_id = np.cumsum(is_sep)[~is_sep]
    grouped = pd.Series(tokens[~is_sep]).groupby(run_id).agg(list)
    return grouped.reindex(range(len(runs))).map(lambda v: v if isinstance(v, list) else []).tolist()


def tokenize_comments(comments: pd.Series | None, stopwords: Iterable[str] | None = None) -> pd.DataFrame:
    """Split comments into words: Chinese with ``jieba.lcut``, English with a regex.

    Chinese runs (CJK ideographs) are segmented by jieba; English words are
    lower-cased runs of letters (with an inner apostrophe, e.g. ``don't``).
    Digits, punctuation, one-letter English tokens and stop words are dropped.
    Each distinct Chinese run is segmented once.

    Parameters
    ----------
    comments
        Comment text; the index identifies the response.
    stopwords
        Words to drop; default both shipped lists (:func:`load_stopwords`).

    Returns
    -------
    DataFrame
        ``doc`` (the comment's index label), ``token``, ``script`` (``zh``/``en``),
        in comment order.
    """
    cols = ["doc", "token", "script"]
    if comments is None or len(comments) == 0:
        return pd.DataFrame(
            {"doc": pd.Series(dtype=object), "token": pd.Series(dtype=object), "script": pd.Series(dtype=object)}
        )
    stop = frozenset(stopwords) if stopwords is not None else load_stopwords("zh") | load_stopwords("en")
    text = comments.dropna().astype(str)
    text = text[text.str.strip() != ""]
    en = text.str.lower().str.findall(_EN_RE).explode().dropna()
    en = en[en.str.len() >= 2]
    runs = text.str.findall(_CJK_RE).explode().dropna()
    unique_runs = list(pd.unique(runs))
    seg = dict(zip(unique_runs, _jieba_cut(unique_runs)))
    zh = runs.map(seg).explode().dropna()
    pos = pd.Series(np.arange(len(text)), index=text.index)
    frames = [
        pd.DataFrame({"doc": s.index, "token": s.to_numpy(dtype=object), "script": script})
        for s, script in ((zh, "zh"), (en, "en"))
        if len(s)
    ]
    if not frames:
        return tokenize_comments(None)
    out = pd.concat(frames, ignore_index=True)
    out = out[~out["token"].str.lower().isin(stop) & (out["token"].str.strip() != "")]
    out = out.assign(_pos=out["doc"].map(pos)).sort_values("_pos", kind="stable").drop(columns="_pos")
    return out[cols].reset_index(drop=True)


def top_terms(tokens: pd.DataFrame, groups: pd.Series, n: int = 10) -> pd.DataFrame:
    """Most frequent terms per group, counted once per comment.

    Parameters
    ----------
    tokens
        :func:`tokenize_comments` output.
    groups
        Group of each comment, indexed like the comments (``doc``).
    n
        Terms per group.

    Returns
    -------
    DataFrame
        ``group``, ``rank``, ``term``, ``comments`` (comments using the term),
        ``share`` (of the group's comments with at least one word).
    """
    cols = ["group", "rank", "term", "comments", "share"]
    if tokens is None or tokens.empty:
        return _empty(cols)
    t = tokens.drop_duplicates(["doc", "token"]).assign(group=lambda d: d["doc"].map(groups))
    t = t[t["group"].notna()]
    if t.empty:
        return _empty(cols)
    t["group"] = t["group"].astype(str)
    docs = t.drop_duplicates("doc").groupby("group").size()
    counts = t.groupby(["group", "token"]).size().rename("comments").reset_index()
    counts = counts.sort_values(["group", "comments", "token"], ascending=[True, False, True], kind="stable")
    counts["rank"] = counts.groupby("group").cumcount() + 1
    counts = counts[counts["rank"] <= n].rename(columns={"token": "term"})
    counts["share"] = counts["comments"] / counts["group"].map(docs)
    order = {g: i for i, g in enumerate(NPS_GROUPS)}
    counts = counts.assign(_o=counts["group"].map(order).fillna(len(order))).sort_values(["_o", "rank"], kind="stable")
    return counts[cols].reset_index(drop=True)


def log_odds_terms(
    counts_a: pd.Series,
    counts_b: pd.Series,
    background: pd.Series | None = None,
    *,
    prior_scale: float = 1.0,
) -> pd.DataFrame:
    """Weighted log-odds ratios with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008).

    For word w with counts ``y_a``, ``y_b`` in corpora of sizes ``n_a``, ``n_b``
    and prior ``α_w = prior_scale · background_w`` (``α₀ = Σ α_w``)::

        δ_w = log((y_a + α_w) / (n_a + α₀ − y_a − α_w)) − log((y_b + α_w) / (n_b + α₀ − y_b − α_w))
        σ²_w ≈ 1 / (y_a + α_w) + 1 / (y_b + α_w)
        z_w = δ_w / σ_w

    Parameters
    ----------
    counts_a, counts_b
        Word counts of the two corpora (index = word).
    background
        Word counts of the background corpus; default ``counts_a + counts_b``.
        Words absent from the background get no prior and are dropped.
    prior_scale
        Multiplies the background counts (1 = the background corpus itself).

    Returns
    -------
    DataFrame
        ``term``, ``count_a``, ``count_b``, ``alpha``, ``delta``, ``se``, ``z``;
        most ``a``-leaning first (positive z).
    """
    cols = ["term", "count_a", "count_b", "alpha", "delta", "se", "z"]
    vocab = counts_a.index.union(counts_b.index)
    if len(vocab) == 0:
        return _empty(cols)
    ya = counts_a.reindex(vocab, fill_value=0).astype(float)
    yb = counts_b.reindex(vocab, fill_value=0).astype(float)
    bg = (ya + yb) if background is None else background.astype(float)
    alpha_all = prior_scale * bg[bg > 0]
    a0 = float(alpha_all.sum())
    alpha = alpha_all.reindex(vocab)
    keep = alpha.notna() & ((ya + yb) > 0)
    ya, yb, alpha = ya[keep], yb[keep], alpha[keep]
    na, nb = float(counts_a.sum()), float(counts_b.sum())
    delta = np.log((ya + alpha) / (na + a0 - ya - alpha)) - np.log((yb + alpha) / (nb + a0 - yb - alpha))
    se = np.sqrt(1 / (ya + alpha) + 1 / (yb + alpha))
    out = pd.DataFrame(
        {
            "term": ya.index.to_numpy(dtype=object),
            "count_a": ya.to_numpy().astype(int),
            "count_b": yb.to_numpy().astype(int),
            "alpha": alpha.to_numpy(),
            "delta": delta.to_numpy(),
            "se": se.to_numpy(),
            "z": (delta / se).to_numpy(),
        }
    )
    return out.sort_values(["z", "term"], ascending=[False, True], kind="stable").reset_index(drop=True)


def distinguishing_terms(
    tokens: pd.DataFrame,
    groups: pd.Series,
    a: str = "detractor",
    b: str = "promoter",
    *,
    n: int = 10,
    min_count: int = 3,
    prior_scale: float = 1.0,
) -> pd.DataFrame:
    """The words that most distinguish group ``a`` from group ``b`` (:func:`log_odds_terms`).

    The prior is the word counts of all comments (every group). Words used
    fewer than ``min_count`` times by ``a`` and ``b`` together are left out.

    Returns
    -------
    DataFrame
        ``leans`` (``a`` or ``b``), ``term``, ``count_a``, ``count_b``, ``z``:
        the ``n`` most ``a``-leaning words with z > 0, then the ``n`` most
        ``b``-leaning with z < 0.
    """
    cols = ["leans", "term", "count_a", "count_b", "z"]
    if tokens is None or tokens.empty:
        return _empty(cols)
    g = tokens["doc"].map(groups).astype(object)
    background = tokens.groupby("token").size()
    ca = tokens[g == a].groupby("token").size()
    cb = tokens[g == b].groupby("token").size()
    if ca.empty or cb.empty:
        return _empty(cols)
    lo = log_odds_terms(ca, cb, background, prior_scale=prior_scale)
    lo = lo[(lo["count_a"] + lo["count_b"]) >= min_count]
    side_a = lo[lo["z"] > 0].head(n).assign(leans=a)
    side_b = lo[lo["z"] < 0].sort_values("z", kind="stable").head(n).assign(leans=b)
    return pd.concat([side_a, side_b], ignore_index=True)[cols]


def sample_comments(
    responses: pd.DataFrame | None,
    per_group: int = 3,
    *,
    seed: int = 0,
    max_chars: int = 200,
    comment_col: str = "comment",
    response_col: str = "response_date",
) -> pd.DataFrame:
    """A few comments per NPS group, drawn at random with a fixed seed.

    The text is returned as it was written (it must be displayed as text, e.g.
    with ``ctx.show_table``, which escapes HTML); longer comments are cut at
    ``max_chars`` with an ellipsis.

    Returns
    -------
    DataFrame
        ``nps_group``, ``nps``, ``month``, ``comment``.
    """
    cols = ["nps_group", "nps", "month", "comment"]
    if responses is None or responses.empty or comment_col not in responses:
        return _empty(cols)
    text = responses[comment_col].astype("string").str.strip()
    have = responses[text.fillna("").ne("") & responses["nps_group"].notna()]
    if have.empty:
        return _empty(cols)
    rng = np.random.default_rng(seed)
    picked = (
        have.assign(_key=rng.random(len(have)), _g=have["nps_group"].astype(str))
        .sort_values("_key")
        .groupby("_g", sort=False)
        .head(per_group)
    )
    comment = picked[comment_col].astype(str).str.strip()
    comment = comment.where(comment.str.len() <= max_chars, comment.str.slice(0, max_chars) + "…")
    out = pd.DataFrame(
        {
            "nps_group": picked["nps_group"],
            "nps": picked["nps"],
            "month": picked[response_col].dt.strftime("%Y-%m"),
            "comment": comment,
        }
    )
    return out.sort_values(["nps_group", "month"], kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------
# coverage


@dataclass
class CoverageResult:
    """Who answered, compared with who did not.

    Attributes
    ----------
    table
        ``group`` (respondents / non-respondents), ``customers``, ``share``,
        ``prior_occasions`` and ``prior_spend`` (means over the lookback
        window before the period), ``no_prior_purchase`` (share).
    comparison
        ``measure``, ``respondents``, ``non_respondents``, ``smd``
        (standardized mean difference).
    base, respondents
        Customers who bought or answered in the period; those who answered.
    response_rate
        respondents ÷ base (NaN without a base).
    representative
        False when any |SMD| exceeds the threshold.
    threshold
        The |SMD| threshold.
    lang
        Language of :attr:`warning`.
    """

    table: pd.DataFrame
    comparison: pd.DataFrame
    base: int
    respondents: int
    response_rate: float
    representative: bool
    threshold: float
    lang: str = "en"

    @property
    def warning(self) -> str:
        """A plain warning in ``lang`` when respondents are not representative, else an empty string."""
        if self.representative or self.comparison.empty:
            return ""
        worst = self.comparison.loc[self.comparison["smd"].abs().idxmax()]
        direction = i18n.t("satisfaction.warn.more" if worst["smd"] > 0 else "satisfaction.warn.less", self.lang)
        measure = i18n.t(f"satisfaction.measure.{worst['measure']}", self.lang)
        return i18n.t(
            "satisfaction.warn.not_representative",
            self.lang,
            direction=direction,
            measure=measure,
            a=f"{worst['respondents']:,.2f}",
            b=f"{worst['non_respondents']:,.2f}",
        )


def coverage(
    surveys: pd.DataFrame | None,
    transactions: pd.DataFrame,
    start: pd.Timestamp,
    end_exclusive: pd.Timestamp,
    *,
    lookback_days: int = 365,
    smd_threshold: float = 0.2,
    customer_col: str = "customer_id",
    response_col: str = "response_date",
    date_col: str = "order_date",
    amount_col: str = "amount",
    lang: str = "en",
) -> CoverageResult:
    """Response rate in a period and respondents vs non-respondents in prior spend and frequency.

    The base is every customer who bought or answered in [start, end). Prior
    behaviour is measured over ``lookback_days`` before ``start``: purchase
    occasions (distinct days) and spend. Respondents are not representative when
    the standardized mean difference ``(m₁ − m₀) / sqrt((s₁² + s₀²) / 2)`` of
    either measure exceeds ``smd_threshold`` in absolute value (0.2 is a small
    effect in Cohen's terms). ``lang`` is the language of the warning.
    """
    start, end = pd.Timestamp(start), pd.Timestamp(end_exclusive)
    empty = CoverageResult(
        _empty(["group", "customers", "share", "prior_occasions", "prior_spend", "no_prior_purchase"]),
        _empty(["measure", "respondents", "non_respondents", "smd"]),
        0,
        0,
        float("nan"),
        True,
        smd_threshold,
        lang,
    )
    if surveys is None or transactions is None:
        return empty
    dates = transactions[date_col]
    in_period = (dates >= start) & (dates < end)
    answered = (
        (surveys[response_col] >= start) & (surveys[response_col] < end) if len(surveys) else pd.Series(dtype=bool)
    )
    respondents = pd.Index(pd.unique(_ids(surveys.loc[answered, customer_col]))) if len(surveys) else pd.Index([])
    base = pd.Index(pd.unique(_ids(transactions.loc[in_period, customer_col]))).union(respondents)
    if len(base) == 0:
        return empty
    prior = (dates >= start - pd.Timedelta(days=lookback_days)) & (dates < start)
    ptx = pd.DataFrame(
        {
            "c": _ids(transactions.loc[prior, customer_col]),
            "day": dates[prior].dt.normalize(),
            "a": transactions.loc[prior, amount_col],
        }
    )
    ptx = ptx[ptx["c"].isin(base)]
    occ = ptx.drop_duplicates(["c", "day"]).groupby("c").size().reindex(base, fill_value=0)
    spend = ptx.groupby("c")["a"].sum().reindex(base, fill_value=0.0)
    is_resp = base.isin(respondents)
    frame = pd.DataFrame(
        {
            "group": np.where(is_resp, "respondents", "non-respondents"),
            "prior_occasions": occ.to_numpy(dtype=float),
            "prior_spend": spend.to_numpy(dtype=float),
        }
    )
    table = frame.groupby("group").agg(
        customers=("prior_occasions", "size"),
        prior_occasions=("prior_occasions", "mean"),
        prior_spend=("prior_spend", "mean"),
        no_prior_purchase=("prior_occasions", lambda s: float((s == 0).mean())),
    )
    table = table.reindex(["respondents", "non-respondents"]).dropna(how="all").reset_index()
    table["customers"] = table["customers"].astype("int64")
    table.insert(2, "share", table["customers"] / len(base))
    rows = []
    if is_resp.any() and (~is_resp).any():
        for measure in ("prior_occasions", "prior_spend"):
            a, b = frame.loc[is_resp, measure], frame.loc[~is_resp, measure]
            pooled = math.sqrt((a.var(ddof=1) if len(a) > 1 else 0.0) / 2 + (b.var(ddof=1) if len(b) > 1 else 0.0) / 2)
            smd = (a.mean() - b.mean()) / pooled if pooled > 0 else 0.0
            rows.append({"measure": measure, "respondents": a.mean(), "non_respondents": b.mean(), "smd": smd})
    comparison = pd.DataFrame(rows, columns=["measure", "respondents", "non_respondents", "smd"])
    representative = bool((comparison["smd"].abs() <= smd_threshold).all())
    return CoverageResult(
        table,
        comparison,
        len(base),
        int(is_resp.sum()),
        float(is_resp.sum() / len(base)),
        representative,
        smd_threshold,
        lang,
    )


# ---------------------------------------------------------------------------
# the whole report


def _blank() -> SafeMarkdown:
    from repurchase.report import SafeMarkdown

    return SafeMarkdown("", "")


def _say(key: str, lang: str, /, **values: Any) -> SafeMarkdown:
    """A report sentence from the catalog: the template is trusted, ``values`` are escaped."""
    from repurchase.report import say

    return say(i18n.t(key, lang), **values)


def _not_available(lang: str = "en") -> SafeMarkdown:
    return _say("satisfaction.describe.not_available", lang)


#: driver quadrant code -> catalog key
_QUADRANT_KEYS = {
    "fix first": "satisfaction.quadrant.fix_first",
    "keep up": "satisfaction.quadrant.keep_up",
    "maintain": "satisfaction.quadrant.maintain",
    "low priority": "satisfaction.quadrant.low_priority",
}
#: coverage group code -> catalog key
_COVERAGE_KEYS = {"respondents": "satisfaction.cov.respondents", "non-respondents": "satisfaction.cov.non_respondents"}


def quadrant_label(code: str, lang: str = "en") -> str:
    """A driver quadrant code (``fix first`` …) in the report language."""
    return i18n.t(_QUADRANT_KEYS[code], lang) if code in _QUADRANT_KEYS else str(code)


@dataclass
class SatisfactionReport:
    """Everything the satisfaction notebook shows, for one client and period.

    When the client has no survey source (``available`` False) every table is
    empty and :meth:`table` displays nothing, every other ``describe_*``
    sentence says "not available" (:meth:`describe_availability` says why), and
    the plot functions draw nothing.

    Attributes
    ----------
    available
        True when there are survey responses to analyse.
    reason
        Why not, in ``lang`` (empty when available).
    lang
        Report language of every sentence, table header, caption and code
        shown (``en`` or ``zh``).
    scores
        :func:`period_scores` with the response rate of each window.
    change
        :func:`score_change`.
    by_month
        :func:`scores_by_month` (all months up to the period end).
    breakdowns
        :func:`nps_breakdowns` over the analysis window.
    repurchase, churn, stratified
        :func:`repurchase_after_response` / :func:`churn_after_response` by NPS
        group, and repurchase by prior frequency tier × NPS group (first
        responses, all history).
    effect
        :func:`group_difference`, crude and standardized over frequency tiers.
    km
        :func:`time_to_next_purchase`.
    drivers
        :func:`key_drivers` over the analysis window.
    top_terms, distinguishing, samples
        Comment analysis over the analysis window.
    coverage, coverage_previous
        :func:`coverage` of this and the previous period.
    settings
        The settings used (window days, minimum group size, ...).
    """

    available: bool
    reason: str = ""
    lang: str = "en"
    period_label: str = ""
    analysis_label: str = ""
    scores: pd.DataFrame = field(default_factory=lambda: _empty(SCORE_COLUMNS))
    change: pd.DataFrame = field(default_factory=lambda: _empty(["metric"]))
    by_month: pd.DataFrame = field(default_factory=lambda: _empty(["month", *SCORE_COLUMNS]))
    breakdowns: pd.DataFrame = field(
        default_factory=lambda: _empty(["dimension", "group", *SCORE_COLUMNS, "small_n", "rank"])
    )
    repurchase: pd.DataFrame = field(default_factory=lambda: _empty(["nps_group", *REPURCHASE_COLUMNS]))
    churn: pd.DataFrame = field(default_factory=lambda: _empty(["nps_group", *CHURN_COLUMNS]))
    stratified: pd.DataFrame = field(
        default_factory=lambda: _empty(["frequency_tier", "nps_group", *REPURCHASE_COLUMNS])
    )
    effect: pd.DataFrame = field(default_factory=lambda: _empty(["comparison", "method", "difference", "low", "high"]))
    km: pd.DataFrame = field(default_factory=lambda: _empty(["group", "days", "repurchased", "low", "high"]))
    drivers: KeyDrivers = field(
        default_factory=lambda: KeyDrivers(_empty(_DRIVER_COLUMNS), reason="no survey responses")
    )
    top_terms: pd.DataFrame = field(default_factory=lambda: _empty(["group", "rank", "term", "comments", "share"]))
    distinguishing: pd.DataFrame = field(default_factory=lambda: _empty(["leans", "term", "count_a", "count_b", "z"]))
    samples: pd.DataFrame = field(default_factory=lambda: _empty(["nps_group", "nps", "month", "comment"]))
    coverage: CoverageResult | None = None
    coverage_previous: CoverageResult | None = None
    settings: dict = field(default_factory=dict)
    _ctx: Any = field(default=None, repr=False)

    # -- tables ---------------------------------------------------------------

    #: name -> ({column: display column, translated through col.<display>}, {column: format});
    #: the caption is satisfaction.caption.<name>
    _TABLES = {
        "scores": (
            {
                "label": "sat_period",
                "responses": "sat_responses",
                "nps_n": "sat_nps_n",
                "nps": "sat_nps",
                "nps_low": "sat_nps_low",
                "nps_high": "sat_nps_high",
                "csat_n": "sat_csat_n",
                "csat": "sat_csat",
                "csat_low": "sat_csat_low",
                "csat_high": "sat_csat_high",
                "ces": "sat_ces",
                "response_rate": "sat_response_rate",
            },
            {
                "nps": "{:+.1f}",
                "nps_low": "{:+.1f}",
                "nps_high": "{:+.1f}",
                "csat": "{:.1%}",
                "csat_low": "{:.1%}",
                "csat_high": "{:.1%}",
                "ces": "{:.2f}",
                "response_rate": "{:.1%}",
            },
        ),
        "change": (
            {
                "metric": "sat_metric",
                "this": "sat_this",
                "previous": "sat_previous",
                "difference": "sat_difference",
                "low": "sat_low",
                "high": "sat_high",
                "p_value": "sat_p_value",
                "n_this": "sat_n_this",
                "n_previous": "sat_n_previous",
            },
            {
                "this": "{:.1f}",
                "previous": "{:.1f}",
                "difference": "{:+.1f}",
                "low": "{:+.1f}",
                "high": "{:+.1f}",
                "p_value": "{:.3f}",
            },
        ),
        "by_month": (
            {
                "month": "sat_month",
                "nps_n": "sat_nps_n",
                "nps": "sat_nps",
                "nps_low": "sat_nps_low",
                "nps_high": "sat_nps_high",
                "csat": "sat_csat",
                "ces": "sat_ces",
            },
            {"nps": "{:+.1f}", "nps_low": "{:+.1f}", "nps_high": "{:+.1f}", "csat": "{:.1%}", "ces": "{:.2f}"},
        ),
        "breakdowns": (
            {
                "dimension": "sat_dimension",
                "group": "sat_group",
                "nps_n": "sat_nps_n",
                "nps": "sat_nps",
                "nps_low": "sat_nps_low",
                "nps_high": "sat_nps_high",
                "csat": "sat_csat",
                "small_n": "sat_note",
                "rank": "sat_rank",
            },
            {"nps": "{:+.1f}", "nps_low": "{:+.1f}", "nps_high": "{:+.1f}", "csat": "{:.1%}", "rank": "{:.0f}"},
        ),
        "repurchase": (
            {
                "nps_group": "sat_nps_group",
                "responses": "sat_first_responses",
                "observed": "sat_observed",
                "repurchased": "sat_repurchased",
                "rate": "sat_rate",
                "rate_low": "sat_low",
                "rate_high": "sat_high",
            },
            {"rate": "{:.1%}", "rate_low": "{:.1%}", "rate_high": "{:.1%}"},
        ),
        "churn": (
            {
                "nps_group": "sat_nps_group",
                "observed": "sat_observed",
                "churned": "sat_churned",
                "churn_rate": "sat_churn_rate",
                "churn_low": "sat_low",
                "churn_high": "sat_high",
            },
            {"churn_rate": "{:.1%}", "churn_low": "{:.1%}", "churn_high": "{:.1%}"},
        ),
        "stratified": (
            {
                "frequency_tier": "sat_frequency_tier",
                "nps_group": "sat_nps_group",
                "observed": "sat_observed",
                "repurchased": "sat_repurchased",
                "rate": "sat_rate",
                "rate_low": "sat_low",
                "rate_high": "sat_high",
            },
            {"rate": "{:.1%}", "rate_low": "{:.1%}", "rate_high": "{:.1%}"},
        ),
        "effect": (
            {
                "comparison": "sat_comparison",
                "difference": "sat_difference",
                "low": "sat_low",
                "high": "sat_high",
                "p_value": "sat_p_value",
                "observed": "sat_observed",
                "strata": "sat_strata",
            },
            {"difference": "{:+.1%}", "low": "{:+.1%}", "high": "{:+.1%}", "p_value": "{:.3g}"},
        ),
        "drivers": (
            {
                "label": "sat_aspect",
                "weight": "sat_weight",
                "share": "sat_share_r2",
                "correlation": "sat_correlation",
                "mean_rating": "sat_mean_rating",
                "top2_share": "sat_top2_share",
                "vif": "sat_vif",
                "quadrant": "sat_quadrant",
            },
            {
                "weight": "{:.3f}",
                "share": "{:.1%}",
                "correlation": "{:.2f}",
                "mean_rating": "{:.2f}",
                "top2_share": "{:.1%}",
                "vif": "{:.2f}",
            },
        ),
        "top_terms": (
            {
                "group": "sat_nps_group",
                "rank": "sat_rank",
                "term": "sat_term",
                "comments": "sat_comments",
                "share": "sat_comment_share",
            },
            {"share": "{:.1%}"},
        ),
        "distinguishing": (
            {"leans": "sat_leans", "term": "sat_term", "count_a": "count_a", "count_b": "count_b", "z": "sat_z"},
            {"z": "{:+.2f}"},
        ),
        "samples": (
            {"nps_group": "sat_nps_group", "nps": "sat_nps_answer", "month": "sat_month", "comment": "sat_comment"},
            {"nps": "{:.0f}"},
        ),
        "coverage": (
            {
                "group": "sat_customer_group",
                "customers": "sat_customers",
                "share": "sat_customer_share",
                "prior_occasions": "sat_prior_occasions",
                "prior_spend": "sat_prior_spend",
                "no_prior_purchase": "sat_no_prior_purchase",
            },
            {"share": "{:.1%}", "prior_occasions": "{:.2f}", "prior_spend": "{:,.0f}", "no_prior_purchase": "{:.1%}"},
        ),
    }

    def _source(self, name: str) -> pd.DataFrame:
        if name == "drivers":
            return self.drivers.table
        if name == "coverage":
            return self.coverage.table if self.coverage is not None else _empty([])
        if name == "by_month":
            return self.by_month.tail(12)
        return getattr(self, name)

    def frame(self, name: str) -> pd.DataFrame:
        """The table called ``name`` (see :meth:`table`) as displayed: codes in the report language,
        columns renamed to their display names (``sat_*``, translated by ``col.sat_*`` when shown)."""
        if name not in self._TABLES:
            raise AnalysisError(f"unknown satisfaction table {name!r}; use one of {', '.join(self._TABLES)}")
        lang = self.lang
        data = self._source(name)
        columns = self._TABLES[name][0]
        if not data.empty:
            data = data.copy()
            for col in ("nps_group", "group", "leans"):
                if col in data.columns and name != "breakdowns" and name != "coverage":
                    data[col] = data[col].astype(object).map(lambda g: nps_group_label(g, lang) if pd.notna(g) else g)
            if "month" in data.columns:
                data["month"] = data["month"].map(
                    lambda m: formatting.format_month(m, lang) if isinstance(m, str) else m
                )
            if name == "scores":
                data["label"] = data["label"].map(lambda v: format_window(v, lang))
            elif name == "change":  # CSAT in percentage points next to NPS points
                scale = np.where(data["metric"] == "csat", 100.0, 1.0)
                data = data.assign(
                    metric=data["metric"].map(lambda m: i18n.t(f"satisfaction.metric.{m}", lang)),
                    **{c: data[c] * scale for c in ("this", "previous", "difference", "low", "high")},
                )
            elif name == "breakdowns":
                data["dimension"] = data["dimension"].map(lambda d: dimension_label(d, lang))
                data["small_n"] = data["small_n"].map(lambda v: i18n.t("satisfaction.small_n", lang) if v else "")
            elif name == "effect":
                data["comparison"] = [
                    i18n.t(
                        f"satisfaction.effect.{m}",
                        lang,
                        a=nps_group_label(a, lang, plural=True),
                        b=nps_group_label(b, lang, plural=True),
                    )
                    for m, a, b in zip(data["method"], data["a"], data["b"])
                ]
            elif name == "drivers":
                data["quadrant"] = data["quadrant"].map(lambda q: quadrant_label(q, lang))
            elif name == "coverage":
                data["group"] = data["group"].map(
                    lambda g: i18n.t(_COVERAGE_KEYS[g], lang) if g in _COVERAGE_KEYS else g
                )
        out = data[[c for c in columns if c in data.columns]].rename(columns=columns)
        if name == "distinguishing":
            a, b = self.settings.get("compare", ("detractor", "promoter"))
            out = out.rename(
                columns={
                    "count_a": i18n.t("satisfaction.uses_by", lang, group=nps_group_label(a, lang, plural=True)),
                    "count_b": i18n.t("satisfaction.uses_by", lang, group=nps_group_label(b, lang, plural=True)),
                }
            )
        return out

    def caption(self, name: str) -> str:
        """The caption of table ``name`` in the report language."""
        s = self.settings
        return i18n.t(
            f"satisfaction.caption.{name}",
            self.lang,
            days=s.get("repurchase_window_days", ""),
            churn_days=s.get("churn_window_days", ""),
        )

    def table(self, name: str, caption: str | None = None) -> Any:
        """Display the table ``name`` through ``ctx.show_table`` (escaped, IDs masked, headers in the report
        language); blank when unavailable."""
        data = self.frame(name)
        if not self.available or data.empty:
            return _blank()
        columns, formats = self._TABLES[name]
        return self._ctx.show_table(
            data, formats={columns[k]: v for k, v in formats.items()}, caption=caption or self.caption(name)
        )

    # -- sentences ------------------------------------------------------------

    def describe_availability(self) -> SafeMarkdown:
        """One sentence: what survey data there is, or why there is none."""
        if not self.available:
            return _say("satisfaction.describe.no_survey", self.lang, reason=self.reason)
        s = self.settings
        return _say(
            "satisfaction.describe.availability",
            self.lang,
            n=s["responses_total"],
            c=s["respondents_total"],
            end=s["period_end"],
            label=format_window(self.period_label, self.lang),
            alabel=self.analysis_label,
        )

    def describe_scores(self) -> SafeMarkdown:
        """NPS and CSAT of the period with intervals, and the change from the previous one."""
        lang = self.lang
        if not self.available:
            return _not_available(lang)
        cur = self.scores.iloc[0]
        ch = self.change.set_index("metric")
        label = format_window(self.period_label, lang)
        if not cur["nps_n"] > 0:
            return _say("satisfaction.describe.scores_none", lang, label=label)
        nps = ch.loc["nps"]
        sig = i18n.t(
            "satisfaction.describe.significant" if nps["p_value"] < 0.05 else "satisfaction.describe.not_significant",
            lang,
        )
        return _say(
            "satisfaction.describe.scores",
            lang,
            label=label,
            nps=cur["nps"],
            lo=cur["nps_low"],
            hi=cur["nps_high"],
            n=int(cur["nps_n"]),
            csat=cur["csat"],
            d=nps["difference"],
            dlo=nps["low"],
            dhi=nps["high"],
            sig=sig,
        )

    def describe_trend(self) -> SafeMarkdown:
        """NPS over the last 12 months pooled, and the range of the monthly values."""
        lang = self.lang
        if not self.available:
            return _not_available(lang)
        last = self.by_month.tail(12)
        last = last[last["nps_n"] > 0]
        if last.empty:
            return _say("satisfaction.describe.trend_none", lang)
        nps, _, low, high = nps_interval(last["promoters"].sum(), last["detractors"].sum(), last["nps_n"].sum())
        lo_row, hi_row = last.loc[last["nps"].idxmin()], last.loc[last["nps"].idxmax()]
        overlap = i18n.t(
            "satisfaction.describe.trend_overlap"
            if hi_row["nps_low"] <= lo_row["nps_high"]
            else "satisfaction.describe.trend_no_overlap",
            lang,
        )
        return _say(
            "satisfaction.describe.trend",
            lang,
            k=len(last),
            nps=float(nps),
            low=float(low),
            high=float(high),
            n=int(last["nps_n"].sum()),
            lo=lo_row["nps"],
            lom=formatting.format_month(str(lo_row["month"]), lang),
            hi=hi_row["nps"],
            him=formatting.format_month(str(hi_row["month"]), lang),
            overlap=overlap,
        )

    def describe_loyalty(self) -> SafeMarkdown:
        """Whether detractors buy less than promoters within each prior-frequency tier."""
        lang = self.lang
        if not self.available:
            return _not_available(lang)
        st = self.stratified.assign(
            _g=self.stratified["nps_group"].astype(str), _s=self.stratified["frequency_tier"].astype(str)
        )
        wide = st.pivot_table(index="_s", columns="_g", values=["rate", "observed"], aggfunc="first", observed=True)
        m = self.settings["min_group_size"]
        if wide.empty or not {"detractor", "promoter"} <= set(wide.columns.get_level_values(1)):
            return _say("satisfaction.describe.loyalty_few", lang)
        ok = (wide[("observed", "detractor")] >= m) & (wide[("observed", "promoter")] >= m)
        lower = int((wide.loc[ok, ("rate", "detractor")] < wide.loc[ok, ("rate", "promoter")]).sum())
        crude, adj = self.effect.iloc[0], self.effect.iloc[1]
        kept = adj["difference"] / crude["difference"] if crude["difference"] else float("nan")
        return _say(
            "satisfaction.describe.loyalty",
            lang,
            lower=lower,
            k=int(ok.sum()),
            m=m,
            adj=adj["difference"],
            alo=adj["low"],
            ahi=adj["high"],
            crude=crude["difference"],
            kept=kept,
        )

    def describe_breakdowns(self) -> SafeMarkdown:
        """Which groups were flagged as too small, and the best and worst ranked group per dimension."""
        lang = self.lang
        if not self.available:
            return _not_available(lang)
        if self.breakdowns.empty:
            return _say("satisfaction.describe.breakdowns_none", lang)
        b = self.breakdowns
        small = int(b["small_n"].sum())
        if not (~b["small_n"]).any():
            return _say("satisfaction.describe.breakdowns_all_small", lang, m=self.settings["min_group_size"])
        return _say(
            "satisfaction.describe.breakdowns",
            lang,
            g=len(b),
            d=b["dimension"].nunique(),
            small=small,
            m=self.settings["min_group_size"],
        )

    def describe_link(self) -> SafeMarkdown:
        """Repurchase rate of detractors vs promoters, crude and within frequency tiers."""
        lang = self.lang
        if not self.available:
            return _not_available(lang)
        rates = self.repurchase.set_index(self.repurchase["nps_group"].astype(str))
        if (
            not {"detractor", "promoter"} <= set(rates.index)
            or rates.loc[["detractor", "promoter"], "observed"].min() == 0
        ):
            return _say("satisfaction.describe.link_few", lang, d=self.settings["repurchase_window_days"])
        det, pro = rates.loc["detractor"], rates.loc["promoter"]
        crude, adj = self.effect.iloc[0], self.effect.iloc[1]
        return _say(
            "satisfaction.describe.link",
            lang,
            d=self.settings["repurchase_window_days"],
            dr=det["rate"],
            dlo=det["rate_low"],
            dhi=det["rate_high"],
            dn=int(det["observed"]),
            pr=pro["rate"],
            plo=pro["rate_low"],
            phi=pro["rate_high"],
            pn=int(pro["observed"]),
            diff=crude["difference"],
            lo=crude["low"],
            hi=crude["high"],
            adiff=adj["difference"],
            alo=adj["low"],
            ahi=adj["high"],
        )

    def describe_drivers(self) -> SafeMarkdown:
        """R², the most important aspect and what to fix first; the collinearity warning."""
        from repurchase.report import say

        lang = self.lang
        if not self.available:
            return _not_available(lang)
        d = self.drivers
        if not d.available:
            return _say("satisfaction.describe.drivers_none", lang, reason=d.reason)
        top = d.table.iloc[0]
        fix = d.table.loc[d.table["quadrant"] == "fix first", "label"].tolist()
        fix_text = (
            i18n.t("satisfaction.list_sep", lang).join(fix) if fix else i18n.t("satisfaction.describe.fix_none", lang)
        )
        text = i18n.t("satisfaction.describe.drivers", lang)
        values = dict(r2=d.r2, target=d.target.upper(), n=d.n, top=str(top["label"]), share=top["share"], fix=fix_text)
        if d.warning:
            text += i18n.t("satisfaction.describe.warning", lang)
            values["warning"] = d.warning
        return say(text, **values)

    def describe_comments(self) -> SafeMarkdown:
        """The words that most distinguish detractors and promoters."""
        lang = self.lang
        if not self.available:
            return _not_available(lang)
        dist = self.distinguishing
        if dist.empty:
            return _say("satisfaction.describe.comments_few", lang)
        sep, none = i18n.t("satisfaction.list_sep", lang), i18n.t("satisfaction.describe.none", lang)
        det = dist.loc[dist["leans"] == "detractor", "term"].head(5).tolist()
        pro = dist.loc[dist["leans"] == "promoter", "term"].head(5).tolist()
        return _say("satisfaction.describe.comments", lang, det=sep.join(det) or none, pro=sep.join(pro) or none)

    def describe_coverage(self) -> SafeMarkdown:
        """Response rate and, when respondents are not representative, a plain warning."""
        from repurchase.report import say

        lang = self.lang
        if not self.available or self.coverage is None:
            return _not_available(lang)
        cov = self.coverage
        label = format_window(self.period_label, lang)
        if cov.base == 0:
            return _say("satisfaction.describe.coverage_none", lang, label=label)
        text = i18n.t("satisfaction.describe.coverage", lang)
        values = dict(r=cov.respondents, b=cov.base, label=label, rate=cov.response_rate)
        if cov.warning:
            text += i18n.t("satisfaction.describe.warning", lang)
            values["warning"] = cov.warning
        else:
            text += i18n.t("satisfaction.describe.coverage_ok", lang)
            values["t"] = cov.threshold
        return say(text, **values)

    def metrics(self) -> dict:
        """Headline figures for ``metrics.json`` (see :func:`satisfaction_metrics`)."""
        return satisfaction_metrics(self)


def satisfaction_metrics(report: SatisfactionReport) -> dict:
    """Headline figures under ``satisfaction`` in ``metrics.json``.

    ``nps``, ``nps_low``, ``nps_high`` (points), ``csat`` (share), ``responses``
    and ``response_rate`` of the period, each also with ``_prev_period``;
    ``repurchase_rate_by_group`` ({detractor, passive, promoter}: share
    repurchasing within the window), ``repurchase_window_days`` and
    ``survey_available``. Values that cannot be computed are None.
    """
    keys = ["nps", "nps_low", "nps_high", "csat", "responses", "response_rate"]
    out: dict[str, Any] = {"survey_available": bool(report.available)}
    rows = report.scores.set_index("window") if report.available else None
    for suffix, window in (("", "this period"), ("_prev_period", "previous period")):
        for k in keys:
            value = None
            if rows is not None and window in rows.index and k in rows.columns:
                value = rows.loc[window, k]
                value = None if pd.isna(value) else (int(value) if k == "responses" else float(value))
            out[k + suffix] = value
    rates = {}
    if report.available and not report.repurchase.empty:
        for g, rate in zip(report.repurchase["nps_group"].astype(str), report.repurchase["rate"]):
            rates[g] = None if pd.isna(rate) else float(rate)
    out["repurchase_rate_by_group"] = {g: rates.get(g) for g in NPS_GROUPS}
    out["repurchase_window_days"] = int(report.settings.get("repurchase_window_days", 0)) or None
    return out


def aspect_labels(params: Any, lang: str = "en") -> dict[str, str]:
    """How each aspect rating is named in the report: ``{aspect: name}``.

    Aspects are mapped in the params as ``aspect_<english name>: <column in the
    export>``. English reports show the English name (``product_quality`` as
    ``product quality``); Chinese reports show the export's column name (商品质量),
    which is the client's own name for it.
    """
    sources = getattr(params, "sources", None)
    spec = getattr(sources, "surveys", None)
    columns = dict(getattr(spec, "columns", None) or {})
    out = {}
    for canonical, source in columns.items():
        if not str(canonical).startswith("aspect_"):
            continue
        name = str(canonical).removeprefix("aspect_")
        out[name] = (
            str(source) if lang == "zh" and isinstance(source, str) and source.strip() else name.replace("_", " ")
        )
    return out


def build_report(ctx: ReportContext) -> SatisfactionReport:
    """Run the whole satisfaction analysis for a report context.

    Parameters
    ----------
    ctx
        The notebook's :class:`~repurchase.report.ReportContext`. Settings come
        from ``ctx.params.satisfaction`` and the frequency tiers from
        ``ctx.params.segmentation.frequency_tiers``.

    Returns
    -------
    SatisfactionReport
        With ``available`` False (and empty tables) when the client has no
        survey source or no response before the period end.
    """
    s = ctx.params.satisfaction
    seg = getattr(ctx.params, "segmentation", None)
    tiers = dict(getattr(seg, "frequency_tiers", None) or DEFAULT_FREQUENCY_TIERS)
    settings = {
        "repurchase_window_days": s.repurchase_window_days,
        "churn_window_days": s.churn_window_days,
        "min_group_size": s.min_group_size,
        "score_months": s.score_months,
        "analysis_months": s.analysis_months,
        "driver_target": s.driver_target,
        "compare": ("detractor", "promoter"),
        "period_end": ctx.period.end.date().isoformat(),
    }
    lang = ctx.params.language
    surveys = ctx.surveys()
    if surveys is None:
        return SatisfactionReport(
            False,
            reason=i18n.t("satisfaction.reason.no_source", lang, title=ctx.params.title),
            lang=lang,
            settings=settings,
            _ctx=ctx,
        )
    if surveys.empty:
        return SatisfactionReport(
            False, reason=i18n.t("satisfaction.reason.no_usable", lang), lang=lang, settings=settings, _ctx=ctx
        )
    tx = ctx.transactions()
    end = ctx.period.end_exclusive
    settings |= {"responses_total": len(surveys), "respondents_total": int(surveys["customer_id"].nunique())}

    scores = period_scores(surveys, ctx.period, months=s.score_months)
    cov_now = coverage(
        surveys,
        tx,
        scores.loc[0, "start"],
        scores.loc[0, "end_exclusive"],
        lookback_days=s.coverage_lookback_days,
        smd_threshold=s.representative_smd,
        lang=lang,
    )
    cov_prev = coverage(
        surveys,
        tx,
        scores.loc[1, "start"],
        scores.loc[1, "end_exclusive"],
        lookback_days=s.coverage_lookback_days,
        smd_threshold=s.representative_smd,
        lang=lang,
    )
    scores["response_rate"] = [cov_now.response_rate, cov_prev.response_rate]
    a_start, _, a_label = _window(ctx.period, s.analysis_months)

    enriched = enrich_responses(surveys, tx, ctx.customers(), frequency_tiers=tiers, lang=lang)
    recent = enriched[enriched["response_date"] >= a_start]
    firsts = first_responses(enriched)
    repurchase = repurchase_after_response(firsts, end, s.repurchase_window_days)
    stratified = repurchase_after_response(firsts, end, s.repurchase_window_days, ["frequency_tier", "nps_group"])
    stratified = stratified[stratified["responses"] > 0].reset_index(drop=True)
    effect = pd.concat(
        [group_difference(repurchase), group_difference(stratified, stratum_col="frequency_tier")], ignore_index=True
    )
    tokens = tokenize_comments(recent["comment"]) if "comment" in recent else tokenize_comments(None)
    groups = recent["nps_group"].astype(object)
    if s.analysis_months > 1:
        analysis_label = i18n.t(
            "satisfaction.analysis_window", lang, n=s.analysis_months, range=format_window(a_label, lang)
        )
    else:
        analysis_label = format_window(a_label, lang)
    return SatisfactionReport(
        True,
        lang=lang,
        period_label=str(scores.loc[0, "label"]),
        analysis_label=analysis_label,
        scores=scores,
        change=score_change(scores),
        by_month=scores_by_month(surveys),
        breakdowns=nps_breakdowns(recent, min_n=s.min_group_size, other_label=i18n.t("satisfaction.other", lang)),
        repurchase=repurchase,
        churn=churn_after_response(firsts, end, s.churn_window_days),
        stratified=stratified,
        effect=effect,
        km=time_to_next_purchase(firsts, end, max_days=max(365, s.repurchase_window_days)),
        drivers=key_drivers(
            recent,
            target=s.driver_target,
            min_responses=s.min_group_size,
            labels=aspect_labels(ctx.params, lang),
            lang=lang,
        ),
        top_terms=top_terms(tokens, groups, n=s.comment_terms),
        distinguishing=distinguishing_terms(tokens, groups, n=s.comment_terms, prior_scale=s.log_odds_prior_scale),
        samples=sample_comments(recent, s.sample_comments),
        coverage=cov_now,
        coverage_previous=cov_prev,
        settings=settings,
        _ctx=ctx,
    )
