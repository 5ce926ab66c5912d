"""Survey scores: NPS, CSAT and CES with their intervals, by month and by period, and their change.

Definitions
-----------
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
Difference of two periods
    ``SE = sqrt(SE₁² + SE₂²)``; two-sided normal test.
Do months differ? (:func:`nps_heterogeneity`)
    Cochran's Q over the monthly NPS estimates: ``Q = Σ wᵢ (NPSᵢ − NPS̄)²`` with
    ``wᵢ = 1 / SEᵢ²`` and ``NPS̄ = Σ wᵢ NPSᵢ / Σ wᵢ``; with no difference between
    months Q follows χ² on k − 1 degrees of freedom (k months). Months whose
    answers all fall in one NPS group have SE 0 and are left out. Whether two
    months' intervals overlap is not a test.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from repurchase.core.periods import Period, Window
from repurchase.core.proportions import wilson_interval

__all__ = [
    "NPS_GROUPS",
    "SCORE_COLUMNS",
    "Z95",
    "NpsHeterogeneity",
    "empty_frame",
    "nps_group",
    "nps_heterogeneity",
    "nps_interval",
    "period_scores",
    "proportion_interval",
    "score_change",
    "score_table",
    "score_window",
    "scores_by_month",
]

#: NPS groups, worst first
NPS_GROUPS = ("detractor", "passive", "promoter")
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


def empty_frame(columns: Sequence[str]) -> pd.DataFrame:
    """An empty table with float columns ``columns`` (what the functions return without data)."""
    return pd.DataFrame({c: pd.Series(dtype=float) for c in columns})


def as_ids(values: pd.Series) -> pd.Series:
    """Customer IDs as Python strings (object dtype), converted only when needed."""
    return values if values.dtype == object else values.astype(str).astype(object)


def nps_group(scores: pd.Series) -> pd.Series:
    """NPS group of each 0–10 answer: detractor 0–6, passive 7–8, promoter 9–10 (NaN stays NaN).

    Returns an ordered categorical with the categories of :data:`NPS_GROUPS`.
    """
    s = pd.to_numeric(scores, errors="coerce")
    codes = np.select([s >= 9, s >= 7, s >= 0], [2, 1, 0], default=-1)
    return pd.Series(pd.Categorical.from_codes(codes, categories=list(NPS_GROUPS), ordered=True), index=scores.index)


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
    """Wilson score interval of a proportion ``k / n`` (:func:`repurchase.core.proportions.wilson_interval`)."""
    return wilson_interval(k, n, z=z)


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
        return empty_frame([*keys, *SCORE_COLUMNS])
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
        return empty_frame(["month", *SCORE_COLUMNS])
    frame = surveys.assign(month=surveys[date_col].dt.strftime("%Y-%m"))
    return score_table(frame, "month", **kwargs)


def score_window(period: Period, months: int = 1, back: int = 0) -> tuple[Window, str]:
    """The ``months`` months ending with ``period``, shifted ``back`` such windows earlier, and its label.

    The label is ``YYYY-MM`` for one month and ``YYYY-MM..YYYY-MM`` for several.
    """
    last = period.shift(-back * months)
    first = last.shift(-(months - 1))
    label = last.label if months == 1 else f"{first.label}..{last.label}"
    return Window(start=first.start, end_exclusive=last.end_exclusive), label


def period_scores(
    surveys: pd.DataFrame | None,
    period: Period,
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
        The report :class:`~repurchase.core.periods.Period`.
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
        window, label = score_window(period, months, back)
        part = None if surveys is None or surveys.empty else surveys[window.contains(surveys[date_col])]
        table = score_table(part, **kwargs)
        if table.empty:
            table = score_table(pd.DataFrame({"nps": [np.nan]}), **kwargs).assign(responses=0)
        rows.append(table.assign(window=name, label=label, start=window.start, end_exclusive=window.end_exclusive))
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


@dataclass
class NpsHeterogeneity:
    """Cochran's Q test of whether the monthly NPS differ by more than chance (:func:`nps_heterogeneity`).

    Attributes
    ----------
    months
        Months tested (k): an NPS answer and a standard error above 0.
    q, df, p_value
        Q, its degrees of freedom (k − 1) and P(χ²_df ≥ Q); NaN (df 0) with fewer than 2 months.
    pooled
        The inverse-variance weighted mean NPS of those months (points).
    left_out
        Months with NPS answers left out because their SE is 0 (every answer in one group).
    first, last
        The first and last month tested (``YYYY-MM``), empty when none.
    """

    months: int = 0
    q: float = float("nan")
    df: int = 0
    p_value: float = float("nan")
    pooled: float = float("nan")
    left_out: int = 0
    first: str = ""
    last: str = ""

    @property
    def tested(self) -> bool:
        """True when at least two months were compared."""
        return self.months >= 2


def nps_heterogeneity(by_month: pd.DataFrame, months: int = 12) -> NpsHeterogeneity:
    """Cochran's Q over the monthly NPS of the last ``months`` months, with their standard errors.

    Parameters
    ----------
    by_month
        :func:`scores_by_month` output (``month``, ``nps_n``, ``nps``, ``nps_se``).
    months
        The last rows tested (12: the months the report shows).

    Returns
    -------
    NpsHeterogeneity
        ``Q = Σ wᵢ (NPSᵢ − NPS̄)²``, ``wᵢ = 1 / SEᵢ²``, df = k − 1, p from χ²;
        not tested (NaN) with fewer than two usable months.
    """
    if by_month is None or by_month.empty:
        return NpsHeterogeneity()
    last = by_month.tail(months)
    answered = last[last["nps_n"] > 0]
    usable = answered[answered["nps_se"] > 0]
    left_out = len(answered) - len(usable)
    k = len(usable)
    if k < 2:
        return NpsHeterogeneity(months=k, left_out=left_out)
    y = usable["nps"].to_numpy(dtype=float)
    w = 1.0 / usable["nps_se"].to_numpy(dtype=float) ** 2
    pooled = float((w * y).sum() / w.sum())
    q = float((w * (y - pooled) ** 2).sum())
    return NpsHeterogeneity(
        months=k,
        q=q,
        df=k - 1,
        p_value=float(stats.chi2.sf(q, k - 1)),
        pooled=pooled,
        left_out=left_out,
        first=str(usable["month"].iloc[0]),
        last=str(usable["month"].iloc[-1]),
    )
