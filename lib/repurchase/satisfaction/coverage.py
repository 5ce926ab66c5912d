"""Coverage: the response rate of a period, and whether respondents resemble the other buyers.

Response rate
    customers who answered in the period ÷ customers who bought or answered in
    the period (there is no invitation list, so buyers are the base).
Representative
    the standardized mean difference ``(m₁ − m₀) / sqrt((s₁² + s₀²) / 2)`` of
    prior purchase occasions and prior spend between respondents and
    non-respondents stays within a threshold (0.2 is a small effect in Cohen's
    terms).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from repurchase.core.occasions import purchase_occasions
from repurchase.core.periods import Window
from repurchase.satisfaction.scores import as_ids, empty_frame

__all__ = ["COVERAGE_COLUMNS", "CoverageResult", "coverage"]

COVERAGE_COLUMNS = ["group", "customers", "share", "prior_occasions", "prior_spend", "no_prior_purchase"]
_COMPARISON_COLUMNS = ["measure", "respondents", "non_respondents", "smd"]


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
    """

    table: pd.DataFrame = field(default_factory=lambda: empty_frame(COVERAGE_COLUMNS))
    comparison: pd.DataFrame = field(default_factory=lambda: empty_frame(_COMPARISON_COLUMNS))
    base: int = 0
    respondents: int = 0
    response_rate: float = float("nan")
    representative: bool = True
    threshold: float = 0.2


def coverage(
    surveys: pd.DataFrame | None,
    transactions: pd.DataFrame,
    window: Window,
    *,
    lookback_days: int = 365,
    smd_threshold: float = 0.2,
    occasion: str = "customer_day",
    customer_col: str = "customer_id",
    response_col: str = "response_date",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> CoverageResult:
    """Response rate in a window and respondents vs non-respondents in prior spend and frequency.

    The base is every customer who bought or answered in ``window`` (a
    :class:`~repurchase.core.periods.Window` with a start, e.g. the scored
    period). Prior behaviour is measured over ``lookback_days`` before its
    start: purchase occasions (``repurchase.occasion``, distinct customer-days
    by default) and spend. Respondents are not representative when the
    standardized mean difference ``(m₁ − m₀) / sqrt((s₁² + s₀²) / 2)`` of
    either measure exceeds ``smd_threshold`` in absolute value (0.2 is a small
    effect in Cohen's terms).
    """
    empty = CoverageResult(threshold=smd_threshold)
    if surveys is None or transactions is None or window.start is None:
        return empty
    start = window.start
    dates = transactions[date_col]
    in_period = window.contains(dates)
    answered = window.contains(surveys[response_col]) if len(surveys) else np.zeros(0, dtype=bool)
    respondents = pd.Index(pd.unique(as_ids(surveys.loc[answered, customer_col]))) if len(surveys) else pd.Index([])
    base = pd.Index(pd.unique(as_ids(transactions.loc[in_period, customer_col]))).union(respondents)
    if len(base) == 0:
        return empty
    prior = Window(start=start - pd.Timedelta(days=lookback_days), end_exclusive=start).contains(dates)
    order_cols = ["order_id"] if occasion == "order" and "order_id" in transactions.columns else []
    ptx = transactions.loc[prior, [date_col, amount_col, *order_cols]].copy()
    ptx["customer_id"] = as_ids(transactions.loc[prior, customer_col]).to_numpy(dtype=object)
    ptx = ptx[ptx["customer_id"].isin(base)]
    occ = (
        purchase_occasions(ptx, occasion, date_col=date_col, amount_col=amount_col)
        .groupby("customer_id")
        .size()
        .reindex(base, fill_value=0)
    )
    spend = ptx.groupby("customer_id")[amount_col].sum().reindex(base, fill_value=0.0)
    is_resp = base.isin(respondents)
    frame = pd.DataFrame(
        {
            "group": np.where(is_resp, "respondents", "non-respondents"),
            "prior_occasions": occ.to_numpy(dtype=float),
            "prior_spend": spend.to_numpy(dtype=float),
            "no_prior": (occ.to_numpy() == 0).astype(float),
        }
    )
    table = frame.groupby("group").agg(
        customers=("prior_occasions", "size"),
        prior_occasions=("prior_occasions", "mean"),
        prior_spend=("prior_spend", "mean"),
        no_prior_purchase=("no_prior", "mean"),
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
    comparison = pd.DataFrame(rows, columns=_COMPARISON_COLUMNS)
    representative = bool((comparison["smd"].abs() <= smd_threshold).all())
    return CoverageResult(
        table,
        comparison,
        len(base),
        int(is_resp.sum()),
        float(is_resp.sum() / len(base)),
        representative,
        smd_threshold,
    )
