"""Survey responses joined to purchases: who answered what, and what they bought before and after.

Definitions
-----------
Prior purchase frequency
    purchase occasions (``repurchase.occasion``: distinct customer-days by
    default) before the response, as the frequency tiers of the segmentation
    params (:func:`repurchase.core.tiers.frequency_tiers`), with customers who
    never bought before the response apart (``none``).
Repurchase within N days after a response
    the customer's first response; a later purchase counts only when it is
    strictly after the response time and within N days; only responses with the
    full N days observed before the period end are counted.
Churn after a response
    no purchase within the churn window after the response (same rules).
Difference of two groups
    ``SE = sqrt(SE₁² + SE₂²)``; two-sided normal test; standardized over strata
    with weights = the stratum's observed responses. Differences of rates are
    percentage points (the report prints them as pts).
Adjustment strata (:func:`prior_strata`)
    purchase occasions before the response (default bands 1, 2, 3–4, 5–9, 10+)
    × whole days from the last purchase before the response to the response
    (default 0–7, 8–30, 31–90, 91–365, 366+); respondents without a purchase
    before are one stratum (``none``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from repurchase.core import tiers
from repurchase.core.occasions import purchase_occasions
from repurchase.core.periods import Window
from repurchase.satisfaction.scores import (
    NPS_GROUPS,
    SCORE_COLUMNS,
    Z95,
    as_ids,
    empty_frame,
    nps_group,
    proportion_interval,
    score_table,
)

__all__ = [
    "CHURN_COLUMNS",
    "DIMENSIONS",
    "NONE_BEFORE",
    "REPURCHASE_COLUMNS",
    "churn_after_response",
    "enrich_responses",
    "first_responses",
    "group_difference",
    "nps_breakdowns",
    "prior_frequency_tier",
    "prior_strata",
    "repurchase_after_response",
    "time_to_next_purchase",
]

#: breakdown dimensions, in report order
DIMENSIONS = ("frequency_tier", "channel", "region", "store", "tier", "acquisition_channel")
REPURCHASE_COLUMNS = ["responses", "observed", "repurchased", "rate", "rate_low", "rate_high", "rate_se"]
CHURN_COLUMNS = ["responses", "observed", "churned", "churn_rate", "churn_low", "churn_high", "churn_se"]
#: prior frequency tier of a respondent without any purchase before the response
NONE_BEFORE = "none"


def prior_frequency_tier(occasions: pd.Series, thresholds: Mapping[str, int] | None = None) -> pd.Series:
    """Frequency tier of each response from the purchase occasions before it.

    The tiers of :func:`repurchase.core.tiers.frequency_tiers` (the one rule of
    segmentation, churn and satisfaction), with 0 occasions apart as
    :data:`NONE_BEFORE`.

    Parameters
    ----------
    occasions
        Purchase occasions before the response, per row.
    thresholds
        ``segmentation.frequency_tiers`` (tier -> minimum occasions); default
        :data:`~repurchase.core.tiers.DEFAULT_FREQUENCY_TIERS`.

    Returns
    -------
    Series
        Ordered categorical of codes, lowest first: ``none``, ``one-time``, then
        the tiers by ascending minimum (``occasional``, ``high`` by default).
        Their display labels (``occasional (2–3)``) are
        :func:`repurchase.satisfaction.text.frequency_tier_labels`.
    """
    thresholds = dict(tiers.DEFAULT_FREQUENCY_TIERS if thresholds is None else thresholds)
    occ = pd.to_numeric(occasions, errors="coerce").fillna(0)
    tier = tiers.frequency_tiers(occ, thresholds).astype(str).to_numpy()
    codes = np.where(occ.to_numpy() >= 1, tier, NONE_BEFORE)
    ascending = [name for name, _ in sorted(thresholds.items(), key=lambda kv: kv[1])]
    categories = [NONE_BEFORE, tiers.ONE_TIME, *ascending]
    return pd.Series(
        pd.Categorical(codes, categories=categories, ordered=True), index=occasions.index, name="frequency_tier"
    )


def _bands(lows: Sequence[int]) -> list[str]:
    """Labels of the bands starting at ``lows``: ``[1, 2, 3, 5]`` -> ``1``, ``2``, ``3–4``, ``5+``."""
    highs = [b - 1 for b in lows[1:]] + [None]
    return [f"{lo}+" if hi is None else (f"{lo}" if hi == lo else f"{lo}–{hi}") for lo, hi in zip(lows, highs)]


def prior_strata(
    responses: pd.DataFrame,
    occasion_bands: Sequence[int] = (1, 2, 3, 5, 10),
    recency_bands: Sequence[int] = (7, 30, 90, 365),
    *,
    response_col: str = "response_date",
) -> pd.DataFrame:
    """The adjustment stratum of each response: prior purchase occasions × days since the last purchase.

    Parameters
    ----------
    responses
        :func:`enrich_responses` output (``prior_occasions``, ``last_purchase``).
    occasion_bands
        Lowest occasions of each band (``satisfaction.adjust_occasions``, from 1).
    recency_bands
        Last day of each recency band but the open last one
        (``satisfaction.adjust_recency_days``); recency is the whole days from the
        last order line before the response to the response.

    Returns
    -------
    DataFrame
        Same index: ``occasion_band`` (``1``, ``3–4``, ``10+`` …, or ``none``),
        ``recency_band`` (``0–7``, ``366+`` …, or ``none``) and ``stratum``
        (``3–4 × 8–30``, or ``none`` for respondents who never bought before).
    """
    occ = pd.to_numeric(responses["prior_occasions"], errors="coerce").fillna(0).to_numpy()
    o_labels = np.array(_bands(list(occasion_bands)), dtype=object)
    o_idx = np.searchsorted(np.asarray(occasion_bands, dtype=float), occ, side="right") - 1
    days = ((responses[response_col] - responses["last_purchase"]).dt.total_seconds() // 86400).to_numpy()
    r_labels = np.array(_bands([0, *(b + 1 for b in recency_bands)]), dtype=object)
    r_idx = np.searchsorted(np.asarray(recency_bands, dtype=float), np.nan_to_num(days, nan=0.0), side="left")
    before = (occ >= 1) & ~np.isnan(days.astype(float))
    o_band = np.where(before, o_labels[np.clip(o_idx, 0, len(o_labels) - 1)], NONE_BEFORE)
    r_band = np.where(before, r_labels[r_idx], NONE_BEFORE)
    stratum = np.where(before, o_band.astype(str) + " × " + r_band.astype(str), NONE_BEFORE)
    return pd.DataFrame({"occasion_band": o_band, "recency_band": r_band, "stratum": stratum}, index=responses.index)


def enrich_responses(
    surveys: pd.DataFrame | None,
    transactions: pd.DataFrame,
    customers: pd.DataFrame | None = None,
    *,
    frequency_tiers: Mapping[str, int] | None = None,
    occasion: str = "customer_day",
    customer_col: str = "customer_id",
    response_col: str = "response_date",
    date_col: str = "order_date",
    amount_col: str = "amount",
    nps_col: str = "nps",
    context_cols: Sequence[str] = ("channel", "region", "store"),
    customer_cols: Sequence[str] = ("tier", "acquisition_channel"),
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
        ``segmentation.frequency_tiers``; see :func:`prior_frequency_tier`.
    occasion
        ``repurchase.occasion`` (``customer_day`` or ``order``): what counts as
        one prior purchase (:func:`repurchase.core.occasions.purchase_occasions`).
    context_cols
        Transaction columns copied from the customer's last order line before
        the response (the purchase the survey is about), unless the survey
        carries the column itself.
    customer_cols
        Customer columns copied when present.

    Returns
    -------
    DataFrame
        The survey columns plus ``nps_group``; ``prior_occasions`` (purchase
        occasions that started before the response), ``prior_spend``,
        ``frequency_tier`` (code, :func:`prior_frequency_tier`); ``last_purchase``
        (before the response); ``next_purchase`` (the first order line strictly
        after the response, NaT if none) and ``days_to_next``; and the context
        and customer columns found.
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
        return empty_frame(base_cols)
    r = surveys.copy()
    r[customer_col] = r[customer_col].astype(str).astype(object)
    r["_rid"] = np.arange(len(r))
    r["nps_group"] = nps_group(r[nps_col]) if nps_col in r else nps_group(pd.Series(np.nan, index=r.index))
    r = r.sort_values(response_col, kind="stable")

    ctx_cols = [c for c in context_cols if c in transactions.columns and c not in r.columns]
    order_cols = ["order_id"] if occasion == "order" and "order_id" in transactions.columns else []
    ids = as_ids(transactions[customer_col])
    mine = ids.isin(pd.unique(r[customer_col]))  # only respondents' purchases matter
    tx = transactions.loc[mine, [date_col, amount_col, *order_cols, *ctx_cols]].copy()
    tx[customer_col] = ids[mine].to_numpy(dtype=object)
    tx = tx.sort_values(date_col, kind="stable")
    tx["_cum_spend"] = tx.groupby(customer_col, sort=False)[amount_col].cumsum()

    # purchase occasions, timed by their first line; occasion_no counts them per customer in time order
    occ = purchase_occasions(
        tx[[customer_col, date_col, amount_col, *order_cols]].rename(columns={customer_col: "customer_id"}),
        occasion,
        date_col=date_col,
        amount_col=amount_col,
    )
    occ = occ[["customer_id", "occasion_time", "occasion_no"]].rename(columns={"customer_id": customer_col})
    occ = occ.sort_values("occasion_time", kind="stable")

    back = pd.merge_asof(
        r[[response_col, customer_col, "_rid"]],
        occ,
        left_on=response_col,
        right_on="occasion_time",
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
    r["prior_occasions"] = back.set_index("_rid")["occasion_no"].reindex(r.index).fillna(0).astype("int64")
    lines = lines.set_index("_rid").reindex(r.index)
    r["prior_spend"] = lines["_cum_spend"].fillna(0.0)
    r["last_purchase"] = lines[date_col]
    for c in ctx_cols:
        r[c] = lines[c]
    r["frequency_tier"] = prior_frequency_tier(r["prior_occasions"], frequency_tiers)
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
    A categorical dimension (the prior ``frequency_tier``) keeps its order and
    its codes.

    Returns
    -------
    DataFrame
        ``dimension``, ``group``, :data:`SCORE_COLUMNS`, ``small_n``, ``rank``
        (1 = highest NPS among groups with enough answers; NaN when flagged).
    """
    out_cols = ["dimension", "group", *SCORE_COLUMNS, "small_n", "rank"]
    if responses is None or responses.empty:
        return empty_frame(out_cols)
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
        return empty_frame(out_cols)
    out = pd.concat(parts, ignore_index=True)
    out["small_n"] = out["nps_n"] < min_n
    ranked = out["nps"].where(~out["small_n"])
    out["rank"] = ranked.groupby(out["dimension"]).rank(ascending=False, method="min")
    return out[out_cols]


def repurchase_after_response(
    responses: pd.DataFrame | None,
    observed_until: Window,
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
    observed_until
        The observation window (the report :class:`~repurchase.core.periods.Period`
        or ``Window.ending(cutoff)``): purchases are known until its exclusive end.
    window_days
        N. Only responses with ``response + N days <= end_exclusive`` are
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
        return empty_frame([*keys, *REPURCHASE_COLUMNS])
    window = pd.Timedelta(days=window_days)
    observed = responses[response_col] + window <= observed_until.end_exclusive
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
    observed_until: Window,
    churn_days: int = 180,
    by: str | Sequence[str] = "nps_group",
    **kwargs: Any,
) -> pd.DataFrame:
    """Share of responses with no purchase within ``churn_days`` after them (observed responses only).

    Returns ``by`` columns and :data:`CHURN_COLUMNS` (Wilson interval); see
    :func:`repurchase_after_response` for ``observed_until``.
    """
    rep = repurchase_after_response(responses, observed_until, churn_days, by, **kwargs)
    keys = [by] if isinstance(by, str) else list(by)
    out = rep[[*keys, "responses", "observed"]].copy()
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
    observed_until: Window,
    *,
    by: str = "nps_group",
    max_days: int = 365,
    response_col: str = "response_date",
) -> pd.DataFrame:
    """Kaplan–Meier curves of the time from a response to the next purchase, per group.

    A response without a later purchase is censored at the exclusive end of
    ``observed_until`` (the period end). Uses lifelines' ``KaplanMeierFitter``
    (exponential Greenwood 95% interval).

    Returns
    -------
    DataFrame
        ``group``, ``days`` (0 … ``max_days``), ``repurchased`` (share who
        bought again by then = 1 − S(t)), ``low``, ``high``, ``at_risk``, ``n``.
    """
    cols = ["group", "days", "repurchased", "low", "high", "at_risk", "n"]
    if responses is None or responses.empty:
        return empty_frame(cols)
    from lifelines import KaplanMeierFitter  # lazy: lifelines is slow to import

    follow = (observed_until.end_exclusive - responses[response_col]).dt.total_seconds() / 86400.0
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
    return pd.concat(frames, ignore_index=True) if frames else empty_frame(cols)
