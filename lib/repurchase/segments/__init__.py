"""Customer segmentation: RFM segments with actions, frequency tiers, member tiers and points, migration.

Definitions (stated in the report, tested in ``tests/test_segments.py``):

* **Occasion**: a distinct customer-day (or one order, with ``occasion="order"``).
* **Recency (R)**: days from the customer's last occasion to the last day before
  ``as_of`` (a purchase on the period's last day has recency 0).
* **Frequency (F)**: occasions in the reference window (all history, or the last
  N months).
* **Monetary (M)**: total spend in the window, or spend per occasion.
* **Scores**: ``bins`` equal-sized groups by rank (quintiles by default). A value
  with rank ``r`` among ``n`` customers gets ``floor(bins * (r - 0.5) / n) + 1``:
  its mid-rank percentile cut into ``bins`` slices. F is ranked with
  ``method="first"`` (customers ordered by ID), so the many one-time buyers spread
  over the low bins instead of collapsing them; R and M are ranked with
  ``method="average"``, so equal values share a score. R is ranked on
  ``-recency``: recent means high. A value shared by everyone (or a single
  customer) gets the middle score.
* **FM**: ``round((F + M) / 2)`` with halves rounded **up** (F=3, M=4 -> 4),
  computed exactly as ``(F + M + 1) // 2``. (Python's ``round`` rounds halves to
  even, which would send 2.5 down and 3.5 up.)

Every text the report shows (segment names, actions, tier names, table headers,
sentences, chart labels) comes from the message catalog
(``resources/i18n/<lang>/segments.yaml``) in the report language.

Segment schemes are *data*: a rule table maps each cell of a grid to one
segment. Built in: ``rfm11`` (11 segments on R x FM, 5 bins) and ``cn8`` (the
Chinese 8 classes on a high/low split of R, F and M against their mean or
median, R high = more recent). Clients add their own tables in params
(``segmentation.custom_schemes``); :func:`rule_table_problems` validates them.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from repurchase.core import formatting, i18n
from repurchase.core.errors import AnalysisError, DataError
from repurchase.core.schemes import (
    BUILTIN_SCHEMES,
    CN8,
    NEW,
    NOT_SCORED,
    RFM11,
    SEGMENT_CODES,
    SegmentScheme,
    get_scheme,
    rule_table_problems,
    segment_label,
)
from repurchase.core.stage import Stage
from repurchase.core.tiers import FREQUENCY_CODES, ONE_TIME, frequency_tier_label, frequency_tiers

if TYPE_CHECKING:  # pragma: no cover
    from repurchase.core.params import SegmentationSettings
    from repurchase.core.periods import Period

__all__ = [
    "BUILTIN_SCHEMES",
    "CN8",
    "FREQUENCY_CODES",
    "NEW",
    "NOT_SCORED",
    "ONE_TIME",
    "RFM11",
    "SEGMENT_CODES",
    "TIER_CODES",
    "SegmentScheme",
    "SegmentationResult",
    "assign_segments",
    "biggest_flows",
    "describe_frequency",
    "describe_migration",
    "describe_segments",
    "describe_settings",
    "describe_tiers",
    "describe_upgrades",
    "fm_score",
    "frequency_summary",
    "frequency_tier_label",
    "frequency_tiers",
    "get_scheme",
    "member_tier_label",
    "member_tiers",
    "migration_matrix",
    "recommended_action",
    "rfm_scores",
    "rolling_spend",
    "rule_table_problems",
    "run_segmentation",
    "score",
    "segment_export",
    "segment_label",
    "segment_summary",
    "segmentation_metrics",
    "tier_summary",
    "tier_thresholds",
    "upgrade_candidates",
]


#: Default member tier -> catalog code (``segments.tier.<code>``).
TIER_CODES: dict[str, str] = {"normal": "normal", "gold": "gold", "diamond": "diamond"}


def member_tier_label(tier: str, language: str = "en") -> str:
    """Display name of a member tier (the params name itself for a tier of your own)."""
    code = TIER_CODES.get(tier)
    return i18n.t(f"segments.tier.{code}", language) if code else tier


def recommended_action(key: str, language: str = "en", overrides: Mapping[str, str] | None = None) -> str:
    """The recommended action for a segment or frequency tier.

    ``overrides`` (``segmentation.actions`` in params) win; then the built-in
    text in ``language`` (``segments.action.<code>`` / ``segments.freq_action.<code>``
    in the catalog); an unknown key gets a note naming the params field.
    """
    if overrides and key in overrides:
        return overrides[key]
    if key in SEGMENT_CODES:
        return i18n.t(f"segments.action.{SEGMENT_CODES[key]}", language)
    if key in FREQUENCY_CODES:
        return i18n.t(f"segments.freq_action.{FREQUENCY_CODES[key]}", language)
    return i18n.t("segments.no_action", language, key=key)


# ---------------------------------------------------------------------------
# RFM


def score(values: pd.Series, bins: int = 5, *, ties: str = "average", higher_is_better: bool = True) -> pd.Series:
    """Score values 1..bins by rank: ``floor(bins * (rank - 0.5) / n) + 1``.

    Parameters
    ----------
    values
        One value per customer.
    bins
        Number of scores (5 = quintiles).
    ties
        ``average``: equal values share a score; ``first``: ties are broken by
        order (used for frequency, so ties don't collapse bins).
    higher_is_better
        False for recency: the smallest value gets the highest score.

    Returns
    -------
    pandas.Series
        int64 scores, same index. With distinct values the bins hold equal
        numbers of customers (±1); a single customer, or a value everyone
        shares, gets the middle score.
    """
    n = len(values)
    if n == 0:
        return pd.Series(np.array([], dtype=np.int64), index=values.index)
    ranks = (values if higher_is_better else -values).rank(method=ties)
    twice = np.rint(2 * ranks.to_numpy(dtype=float) - 1).astype(np.int64)  # 2r - 1 is a whole number
    scores = (bins * twice) // (2 * n) + 1
    return pd.Series(np.clip(scores, 1, bins), index=values.index, dtype=np.int64)


def fm_score(f: pd.Series, m: pd.Series) -> pd.Series:
    """``round((F + M) / 2)`` with halves rounded up (2.5 -> 3, 4.5 -> 5), exactly: ``(F + M + 1) // 2``."""
    return (f + m + 1) // 2


def _occasions(tx: pd.DataFrame, occasion: str, customer_col: str, date_col: str, order_col: str) -> pd.DataFrame:
    """One row per occasion: customer, day, amount (summed)."""
    day = tx[date_col].dt.normalize()
    if occasion == "customer_day":
        key = day
    elif occasion == "order":
        if order_col not in tx.columns:
            raise DataError(f"occasion 'order' needs an {order_col} column; map it or use occasion: customer_day")
        key = tx[order_col]
    else:
        raise AnalysisError(f"occasion must be customer_day or order, got {occasion!r}")
    frame = pd.DataFrame({"customer_id": tx[customer_col].to_numpy(), "key": key.to_numpy(), "day": day.to_numpy()})
    return frame.groupby(["customer_id", "key"], sort=False, observed=True).agg(day=("day", "max")).reset_index()


def rfm_scores(
    tx: pd.DataFrame,
    as_of: pd.Timestamp,
    *,
    bins: int = 5,
    monetary: str = "total",
    reference_months: int | None = None,
    occasion: str = "customer_day",
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
    order_col: str = "order_id",
) -> pd.DataFrame:
    """RFM values and scores per customer as of ``as_of`` (exclusive).

    Parameters
    ----------
    tx
        Cleaned transactions (rows on or after ``as_of`` are ignored).
    as_of
        End of the observation, exclusive: e.g. ``period.end_exclusive``.
    bins
        Score bins.
    monetary
        ``total`` spend in the window, or ``average`` spend per occasion.
    reference_months
        Only occasions in the last N months before ``as_of`` count; customers
        without one are not scored. All history when None.
    occasion
        ``customer_day`` (distinct customer-days) or ``order``.

    Returns
    -------
    pandas.DataFrame
        One row per customer, sorted by ID: ``customer_id``, ``last_date``,
        ``recency_days``, ``frequency``, ``spend`` (total), ``monetary``, and
        the scores ``R``, ``F``, ``M`` and ``FM`` (round half up of (F+M)/2).
    """
    if monetary not in ("total", "average"):
        raise AnalysisError(f"segmentation.monetary must be total or average, got {monetary!r}")
    as_of = pd.Timestamp(as_of)
    start = as_of - pd.DateOffset(months=reference_months) if reference_months else None
    mask = tx[date_col] < as_of
    if start is not None:
        mask &= tx[date_col] >= start
    rows = tx.loc[mask]
    occ = _occasions(rows, occasion, customer_col, date_col, order_col)
    by = occ.groupby("customer_id", sort=True)
    out = pd.DataFrame({"last_date": by["day"].max(), "frequency": by.size().astype(np.int64)})
    spend = rows.groupby(customer_col, sort=True)[amount_col].sum()
    out["spend"] = spend.reindex(out.index).fillna(0.0).astype(float)
    last_day = as_of.normalize() - pd.Timedelta(days=1) if as_of == as_of.normalize() else as_of.normalize()
    out["recency_days"] = (last_day - out["last_date"]).dt.days.astype(np.int64)
    out["monetary"] = out["spend"] if monetary == "total" else out["spend"] / out["frequency"]
    out = out.rename_axis("customer_id").reset_index()
    out["R"] = score(out["recency_days"], bins, higher_is_better=False)
    out["F"] = score(out["frequency"], bins, ties="first")
    out["M"] = score(out["monetary"], bins)
    out["FM"] = fm_score(out["F"], out["M"])
    return out[["customer_id", "last_date", "recency_days", "frequency", "spend", "monetary", "R", "F", "M", "FM"]]


def assign_segments(rfm: pd.DataFrame, scheme: SegmentScheme, *, split: str = "mean") -> pd.Series:
    """The segment of each customer under a rule table.

    Score schemes read the cell from the scores (``R`` and ``FM``, or ``R``,
    ``F`` and ``M``). Split schemes (cn8) call R high when ``recency_days`` is
    below its mean (or median: ``split``), F high when ``frequency`` is above
    it, M high when ``monetary`` is above it; a value equal to the centre is low.

    Returns
    -------
    pandas.Series
        Categorical in the scheme's segment order, same index as ``rfm``.
    """
    if scheme.is_split:
        if split not in ("mean", "median"):
            raise AnalysisError(f"segmentation.cn8_split must be mean or median, got {split!r}")
        centre = lambda s: getattr(s, split)()
        r_hi = rfm["recency_days"] < centre(rfm["recency_days"])
        f_hi = rfm["frequency"] > centre(rfm["frequency"])
        m_hi = rfm["monetary"] > centre(rfm["monetary"])
        code = (1 + r_hi.astype(int)) * 100 + (1 + f_hi.astype(int)) * 10 + (1 + m_hi.astype(int))
    elif scheme.axes == ("R", "FM"):
        code = rfm["R"] * 10 + rfm["FM"]
    else:
        code = rfm["R"] * 100 + rfm["F"] * 10 + rfm["M"]
    seg = code.map(scheme.cell_map())
    if seg.isna().any():  # a validated table covers every cell; guard against bins that differ
        raise AnalysisError(
            f"scheme {scheme.name}: scores {sorted(code[seg.isna()].unique())[:5]} fall outside the rule table; "
            "check segmentation.rfm_bins against the table"
        )
    return pd.Series(pd.Categorical(seg, categories=scheme.segments), index=rfm.index, name="segment")


def segment_summary(
    rfm: pd.DataFrame, scheme: SegmentScheme, *, language: str = "en", actions: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Size, value and action of each segment (every segment of the scheme, in order).

    ``rfm`` needs a ``segment`` column. Revenue is total spend in the window
    (``spend``), whatever ``monetary`` is.

    Returns
    -------
    pandas.DataFrame
        ``segment``, ``label``, ``customers``, ``share``, ``revenue``,
        ``revenue_share``, ``mean_recency_days``, ``mean_frequency``,
        ``mean_monetary``, ``action``.
    """
    g = rfm.groupby("segment", observed=False)
    out = pd.DataFrame(
        {
            "customers": g.size(),
            "revenue": g["spend"].sum(),
            "mean_recency_days": g["recency_days"].mean(),
            "mean_frequency": g["frequency"].mean(),
            "mean_monetary": g["monetary"].mean(),
        }
    ).reindex(scheme.segments)
    out["customers"] = out["customers"].fillna(0).astype(np.int64)
    out["revenue"] = out["revenue"].fillna(0.0)
    out.insert(1, "share", out["customers"] / max(int(out["customers"].sum()), 1))
    total = out["revenue"].sum()
    out.insert(3, "revenue_share", out["revenue"] / total if total > 0 else np.nan)
    out = out.rename_axis("segment").reset_index()
    out.insert(1, "label", [segment_label(s, language) for s in out["segment"]])
    out["action"] = [recommended_action(s, language, actions) for s in out["segment"]]
    return out


# ---------------------------------------------------------------------------
# frequency tiers


def frequency_summary(
    rfm: pd.DataFrame, thresholds: Mapping[str, int], *, language: str = "en", actions: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Size, revenue share and treatment per frequency tier.

    ``rfm`` needs ``frequency_tier``, ``frequency`` and ``spend``.

    Returns
    -------
    pandas.DataFrame
        ``tier``, ``label`` (display name in ``language``), ``occasions`` (the
        rule, e.g. ``≥ 4``), ``customers``, ``share``, ``revenue``,
        ``revenue_share``, ``mean_frequency``, ``treatment``.
    """
    ordered = sorted(thresholds.items(), key=lambda kv: -kv[1])
    rule = [f"≥ {v}" for _, v in ordered] + ["1"]
    g = rfm.groupby("frequency_tier", observed=False)
    out = pd.DataFrame({"customers": g.size(), "revenue": g["spend"].sum(), "mean_frequency": g["frequency"].mean()})
    out = out.rename_axis("tier").reset_index()
    out.insert(1, "occasions", rule)
    out["customers"] = out["customers"].astype(np.int64)
    out.insert(3, "share", out["customers"] / max(int(out["customers"].sum()), 1))
    total = out["revenue"].sum()
    out.insert(5, "revenue_share", out["revenue"] / total if total > 0 else np.nan)
    out["treatment"] = [recommended_action(str(t), language, actions) for t in out["tier"]]
    out["tier"] = out["tier"].astype(str)
    out.insert(1, "label", [frequency_tier_label(t, language) for t in out["tier"]])
    return out


# ---------------------------------------------------------------------------
# member tiers and points


def rolling_spend(
    tx: pd.DataFrame,
    as_of: pd.Timestamp,
    *,
    months: int = 12,
    occasion: str = "customer_day",
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
    order_col: str = "order_id",
) -> pd.DataFrame:
    """Spend and occasions per customer in the ``months`` before ``as_of`` (exclusive).

    Returns
    -------
    pandas.DataFrame
        Indexed by customer ID: ``spend`` and ``occasions`` (customers with a
        purchase in the window only).
    """
    as_of = pd.Timestamp(as_of)
    rows = tx.loc[(tx[date_col] < as_of) & (tx[date_col] >= as_of - pd.DateOffset(months=months))]
    spend = rows.groupby(customer_col)[amount_col].sum()
    occ = _occasions(rows, occasion, customer_col, date_col, order_col).groupby("customer_id").size()
    out = pd.DataFrame({"spend": spend.astype(float), "occasions": occ.reindex(spend.index).fillna(0).astype(np.int64)})
    return out.rename_axis("customer_id")


def _round_sig(x: float, digits: int = 2) -> float:
    if not np.isfinite(x) or x <= 0:
        return float(x)
    return float(round(x, digits - 1 - int(math.floor(math.log10(abs(x))))))


def tier_thresholds(
    qualifying: pd.Series,
    names: Sequence[str],
    points_per_100: Sequence[float],
    *,
    thresholds: Sequence[float] | None = None,
    top_shares: Sequence[float] = (0.20, 0.04),
) -> pd.DataFrame:
    """Tier thresholds: given, or set from the data.

    Parameters
    ----------
    qualifying
        Rolling-12-month spend (or base points) of the customers who bought in
        the last 12 months.
    names, points_per_100
        Tiers, lowest first, and their earning rates.
    thresholds
        Minimum of each tier after the first; None: the ``1 - share`` quantile
        of ``qualifying`` for each of ``top_shares``, rounded to 2 significant
        digits. A tier gets infinity (cannot be reached) when there is no buyer,
        or when its quantile does not exceed the tier below's (too few buyers).

    Returns
    -------
    pandas.DataFrame
        ``tier``, ``threshold`` (the first tier starts at 0), ``points_per_100``,
        ``set_from`` (params or data).
    """
    if thresholds is not None:
        values, source = [0.0, *map(float, thresholds)], "params"
    else:
        q = qualifying[qualifying > 0]
        if len(q):
            raw = [_round_sig(float(q.quantile(1 - s)), 2) for s in top_shares]
        else:
            raw = [np.inf] * len(top_shares)
        # a tier whose quantile does not exceed the tier below (too few buyers) cannot be reached
        for i in range(1, len(raw)):
            if not raw[i] > raw[i - 1]:
                raw[i] = np.inf
        values, source = [0.0, *raw], "data"
    if len(values) != len(names) or len(points_per_100) != len(names):
        raise AnalysisError(
            "segmentation.tier_names, tier_thresholds/tier_top_shares and points_per_100 must describe the same tiers"
        )
    return pd.DataFrame(
        {
            "tier": list(names),
            "threshold": values,
            "points_per_100": list(map(float, points_per_100)),
            "set_from": source,
        }
    )


def _map_recorded_tiers(labels: pd.Series, names: Sequence[str], aliases: Mapping[str, str]) -> pd.Series:
    """Map the customers source's tier labels to tier names (case-insensitive); blank -> NaN."""
    lookup = {str(n).strip().lower(): n for n in names}
    lookup.update({str(k).strip().lower(): v for k, v in aliases.items() if v in names})
    codes, uniques = pd.factorize(labels)  # map the few distinct labels, not every customer
    text = pd.Series(uniques, dtype="string").str.strip()
    mapped_uniques = text.str.lower().map(lookup)
    mapped = pd.Series(
        np.where(codes >= 0, mapped_uniques.to_numpy(dtype=object)[np.maximum(codes, 0)], None),
        index=labels.index,
        dtype=object,
    )
    bad = mapped_uniques.isna() & text.notna() & (text != "")
    if bad.any():
        per_code = pd.Series(codes[codes >= 0]).value_counts()
        per_code = per_code[per_code.index.isin(np.flatnonzero(bad.to_numpy()))]
        counts = pd.Series(per_code.to_numpy(), index=text.to_numpy(dtype=object)[per_code.index.to_numpy()])
        shown = ", ".join(f"{k!r} ({v:,} customers)" for k, v in counts.head(5).items())
        raise DataError(
            f"customers source: tier labels {shown} are not in segmentation.tier_names ({', '.join(names)}); "
            f"map them in segmentation.tier_aliases, e.g. tier_aliases: {{{counts.index[0]}: {names[-1]}}}"
        )
    return mapped


def member_tiers(
    tx: pd.DataFrame,
    customer_ids: pd.Series,
    period: Period,
    *,
    customers: pd.DataFrame | None = None,
    source: str = "auto",
    basis: str = "spend",
    names: Sequence[str] = ("normal", "gold", "diamond"),
    thresholds: Sequence[float] | None = None,
    top_shares: Sequence[float] = (0.20, 0.04),
    points_per_100: Sequence[float] = (1.0, 2.0, 3.0),
    aliases: Mapping[str, str] | None = None,
    occasion: str = "customer_day",
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
    order_col: str = "order_id",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Member tier, rolling spend, points and the gap to the next tier per customer.

    The tier is the one recorded in ``customers`` (column ``tier``) when
    ``source`` is ``auto`` or ``customers`` and the column exists; a customer
    with a blank tier or missing from that source is in the lowest tier.
    Otherwise it is simulated: the highest tier whose threshold the
    rolling-12-month spend (or base points = spend / 100 x the first tier's
    rate) reaches.

    Points (no redemption data, so none is assumed redeemed; points expire 12
    months after they are earned; fractions kept): earned = spend / 100 x the
    customer's current tier rate. ``points_12m`` (outstanding) uses the last 12
    months' spend, ``points_period`` the report month's.

    Returns
    -------
    (per_customer, thresholds)
        ``per_customer``: ``customer_id``, ``tier`` (ordered categorical),
        ``tier_source``, ``spend_12m``, ``occasions_12m``, ``spend_period``,
        ``points_rate``, ``points_period``, ``points_12m``, ``next_tier``,
        ``spend_to_next_tier`` (currency; 0 when the spend already reaches it;
        NaN in the top tier). ``thresholds``: see :func:`tier_thresholds`.
    """
    names = list(names)
    ids = pd.Index(customer_ids, name="customer_id")
    roll = rolling_spend(
        tx,
        period.end_exclusive,
        months=12,
        occasion=occasion,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        order_col=order_col,
    )
    month = tx.loc[(tx[date_col] >= period.start) & (tx[date_col] < period.end_exclusive)]
    spend_period = month.groupby(customer_col)[amount_col].sum()
    out = pd.DataFrame(index=ids)
    out["spend_12m"] = roll["spend"].reindex(ids).fillna(0.0)
    out["occasions_12m"] = roll["occasions"].reindex(ids).fillna(0).astype(np.int64)
    out["spend_period"] = spend_period.reindex(ids).fillna(0.0).astype(float)
    base_rate = float(points_per_100[0])
    per_unit = 1.0 if basis == "spend" else base_rate / 100.0  # qualifying value per unit of spend
    if basis == "points" and base_rate <= 0:
        raise AnalysisError("segmentation.tier_basis points needs a positive first points_per_100 rate")
    qualifying = out["spend_12m"] * per_unit
    table = tier_thresholds(
        qualifying[qualifying > 0], names, points_per_100, thresholds=thresholds, top_shares=top_shares
    )
    has_column = customers is not None and "tier" in customers.columns
    if source == "customers" and not has_column:
        raise DataError(
            "segmentation.tier_source is customers, but there is no customers source with a tier column; "
            "map tier under sources.customers.columns, or set segmentation.tier_source: auto"
        )
    if source != "simulated" and has_column:
        recorded = customers.drop_duplicates(customer_col).set_index(customer_col)["tier"]  # type: ignore[union-attr]
        mapped = _map_recorded_tiers(recorded, names, aliases or {}).reindex(ids)
        out["tier_source"] = np.where(mapped.notna(), "customers", "customers (blank: lowest tier)")
        codes = mapped.map({n: i for i, n in enumerate(names)}).fillna(0).astype(np.int64).to_numpy()
    else:
        out["tier_source"] = "simulated"
        codes = np.searchsorted(table["threshold"].to_numpy(), qualifying.to_numpy(), side="right") - 1
        codes = np.clip(codes, 0, len(names) - 1)
    out["tier"] = pd.Categorical.from_codes(codes, categories=names, ordered=True)
    rates = table["points_per_100"].to_numpy()
    out["points_rate"] = rates[codes]
    out["points_period"] = out["spend_period"] / 100.0 * out["points_rate"]
    out["points_12m"] = out["spend_12m"] / 100.0 * out["points_rate"]
    nxt = codes + 1
    top = nxt >= len(names)
    nxt_safe = np.minimum(nxt, len(names) - 1)
    out["next_tier"] = np.where(top, None, np.array(names, dtype=object)[nxt_safe])
    next_threshold_spend = table["threshold"].to_numpy()[nxt_safe] / per_unit
    gap = np.maximum(next_threshold_spend - out["spend_12m"].to_numpy(), 0.0)
    out["spend_to_next_tier"] = np.where(top, np.nan, gap)
    out["next_threshold_spend"] = np.where(top, np.nan, next_threshold_spend)
    return out.reset_index(), table


def tier_summary(tiers: pd.DataFrame, *, point_value: float = 1.0, language: str = "en") -> pd.DataFrame:
    """Distribution, spend, repurchase and points per member tier.

    Repurchase rate = customers with >= 2 occasions in the last 12 months ÷
    customers with >= 1 (blank when none bought). Liability = outstanding points
    x ``point_value``.

    Returns
    -------
    pandas.DataFrame
        ``tier``, ``label`` (display name in ``language``), ``customers``,
        ``share``, ``spend_12m``, ``revenue_share``, ``spend_per_customer``,
        ``buyers_12m``, ``repurchase_rate``, ``points_per_100``,
        ``points_period``, ``points_outstanding``, ``liability``.
    """
    t = tiers.assign(buyer=tiers["occasions_12m"] >= 1, repeat=tiers["occasions_12m"] >= 2)
    g = t.groupby("tier", observed=False)
    out = (
        pd.DataFrame(
            {
                "customers": g.size(),
                "spend_12m": g["spend_12m"].sum(),
                "buyers_12m": g["buyer"].sum(),
                "repeaters_12m": g["repeat"].sum(),
                "points_per_100": g["points_rate"].max(),
                "points_period": g["points_period"].sum(),
                "points_outstanding": g["points_12m"].sum(),
            }
        )
        .rename_axis("tier")
        .reset_index()
    )
    out["tier"] = out["tier"].astype(str)
    n = max(int(out["customers"].sum()), 1)
    out.insert(2, "share", out["customers"] / n)
    total = out["spend_12m"].sum()
    out.insert(4, "revenue_share", out["spend_12m"] / total if total > 0 else np.nan)
    out.insert(5, "spend_per_customer", out["spend_12m"] / out["customers"].where(out["customers"] > 0))
    out["buyers_12m"] = out["buyers_12m"].astype(np.int64)
    out.insert(7, "repurchase_rate", out["repeaters_12m"] / out["buyers_12m"].where(out["buyers_12m"] > 0))
    out = out.drop(columns="repeaters_12m")
    out["liability"] = out["points_outstanding"] * point_value
    out.insert(1, "label", [member_tier_label(t, language) for t in out["tier"]])
    return out


def upgrade_candidates(tiers: pd.DataFrame, *, within: float = 0.2) -> pd.DataFrame:
    """Customers close to the next tier: ``0 < spend_to_next_tier <= within x next threshold``.

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``tier``, ``next_tier``, ``spend_12m``,
        ``spend_to_next_tier``, smallest gap first.
    """
    gap = tiers["spend_to_next_tier"]
    close = (gap > 0) & (gap <= within * tiers["next_threshold_spend"])
    out = tiers.loc[close, ["customer_id", "tier", "next_tier", "spend_12m", "spend_to_next_tier"]]
    out = out.sort_values(["spend_to_next_tier", "customer_id"], kind="stable").reset_index(drop=True)
    out["tier"] = out["tier"].astype(str)
    return out


# ---------------------------------------------------------------------------
# migration


def migration_matrix(previous: pd.Series, current: pd.Series, order: Sequence[str]) -> pd.DataFrame:
    """Customers by previous segment (rows) and current segment (columns).

    Parameters
    ----------
    previous, current
        Segment per customer ID (index). A customer missing from ``previous``
        is counted in the row ``(new)``; one missing from ``current`` (not
        scored now, possible with a reference window) in the column
        ``(not scored)``.
    order
        Segment order.

    Returns
    -------
    pandas.DataFrame
        Counts (int); the ``(new)`` row and ``(not scored)`` column appear only
        when non-empty.
    """
    both = pd.concat({"from": previous.astype(object), "to": current.astype(object)}, axis=1, join="outer")
    both["from"] = both["from"].fillna(NEW)
    both["to"] = both["to"].fillna(NOT_SCORED)
    counts = pd.crosstab(both["from"], both["to"])
    rows = list(order) + ([NEW] if NEW in counts.index else [])
    cols = list(order) + ([NOT_SCORED] if NOT_SCORED in counts.columns else [])
    counts = counts.reindex(index=rows, columns=cols, fill_value=0).astype(np.int64)
    counts.index.name, counts.columns.name = "previous", "current"
    return counts


def biggest_flows(counts: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """The largest moves between two different segments (new customers excluded).

    Returns
    -------
    pandas.DataFrame
        ``from_segment``, ``to_segment``, ``customers``, ``share_of_from`` (of
        the previous segment's customers), largest first.
    """
    long = counts.stack().rename("customers").reset_index()
    long.columns = ["from_segment", "to_segment", "customers"]
    row_totals = counts.sum(axis=1)
    long["share_of_from"] = long["customers"] / long["from_segment"].map(row_totals).where(lambda s: s > 0)
    keep = (long["from_segment"] != long["to_segment"]) & (long["from_segment"] != NEW) & (long["customers"] > 0)
    return long[keep].sort_values(["customers", "from_segment"], ascending=[False, True]).head(n).reset_index(drop=True)


# ---------------------------------------------------------------------------
# the whole analysis


@dataclass
class SegmentationResult:
    """Everything the segmentation report shows.

    Attributes
    ----------
    customers
        One row per scored customer: RFM values and scores, ``segment``,
        ``action``, ``frequency_tier`` and the member-tier columns.
    scheme
        The rule table used.
    summary, frequency, tiers, thresholds, upgrades
        Segment table, frequency tiers, member tiers, tier thresholds,
        customers close to the next tier.
    migration
        Previous period's segment (rows) -> this period's (columns), counts.
    settings
        What was used (bins, monetary, window, split, occasion, as-of dates).
    """

    customers: pd.DataFrame
    scheme: SegmentScheme
    summary: pd.DataFrame
    frequency: pd.DataFrame
    tiers: pd.DataFrame
    thresholds: pd.DataFrame
    upgrades: pd.DataFrame
    migration: pd.DataFrame
    settings: dict = field(default_factory=dict)

    def migration_share(self) -> pd.DataFrame:
        """Row percentages of the migration matrix (each previous segment sums to 1)."""
        totals = self.migration.sum(axis=1)
        return self.migration.div(totals.where(totals > 0), axis=0)

    @property
    def language(self) -> str:
        """The report language given to :func:`run_segmentation`."""
        return self.settings.get("language", "en")

    @property
    def labels(self) -> dict[str, str]:
        """Segment -> display name in the report language (also the ``(new)`` and ``(not scored)`` rows)."""
        lang = self.language
        return {seg: segment_label(seg, lang) for seg in [*self.scheme.segments, NEW, NOT_SCORED]}

    def flows(self, n: int = 5) -> pd.DataFrame:
        """The ``n`` biggest moves between segments (see :func:`biggest_flows`), with display names."""
        out = biggest_flows(self.migration, n)
        for col in ("from_segment", "to_segment"):
            out[col] = out[col].map(lambda s: self.labels.get(s, s))
        return out

    # -- tables for the report: headers are ``col.seg_*`` catalog keys, values in the report language

    def segment_table(self) -> pd.DataFrame:
        """The segment table: display name, size, revenue share, mean R/F/M and the action."""
        t = self.summary
        return pd.DataFrame(
            {
                "seg_segment": t["label"],
                "seg_customers": t["customers"],
                "share": t["share"],
                "seg_revenue_share": t["revenue_share"],
                "seg_mean_recency": t["mean_recency_days"],
                "seg_mean_frequency": t["mean_frequency"],
                "seg_mean_monetary": t["mean_monetary"],
                "seg_action": t["action"],
            }
        )

    def frequency_table(self) -> pd.DataFrame:
        """The frequency-tier table: tier, its rule, size, revenue, mean frequency and treatment."""
        f = self.frequency
        return pd.DataFrame(
            {
                "seg_frequency_tier": f["label"],
                "seg_occasions": f["occasions"],
                "seg_customers": f["customers"],
                "share": f["share"],
                "seg_revenue": f["revenue"],
                "seg_revenue_share": f["revenue_share"],
                "seg_mean_frequency": f["mean_frequency"],
                "seg_treatment": f["treatment"],
            }
        )

    def threshold_table(self) -> pd.DataFrame:
        """Tier thresholds and earning rates; a threshold that cannot be reached (infinite) is blank."""
        t = self.thresholds
        return pd.DataFrame(
            {
                "seg_tier": [member_tier_label(x, self.language) for x in t["tier"]],
                "seg_threshold": t["threshold"].where(np.isfinite(t["threshold"])),
                "seg_points_per_100": t["points_per_100"],
                "seg_set_from": [i18n.t(f"segments.set_from.{x}", self.language) for x in t["set_from"]],
            }
        )

    def tier_table(self) -> pd.DataFrame:
        """The member-tier table: distribution, 12-month spend, repurchase and points per tier."""
        t = self.tiers
        return pd.DataFrame(
            {
                "seg_tier": t["label"],
                "seg_customers": t["customers"],
                "share": t["share"],
                "seg_spend_12m": t["spend_12m"],
                "seg_spend_share": t["revenue_share"],
                "seg_spend_per_customer": t["spend_per_customer"],
                "seg_repurchase_rate": t["repurchase_rate"],
                "seg_points_issued": t["points_period"],
                "seg_points_outstanding": t["points_outstanding"],
                "seg_liability": t["liability"],
            }
        )

    def upgrade_table(self) -> pd.DataFrame:
        """Customers close to the next tier (``customer_id`` is masked by ``ctx.show_table``), closest first."""
        u = self.upgrades
        lang = self.language
        return pd.DataFrame(
            {
                "customer_id": u["customer_id"],
                "seg_tier": [member_tier_label(x, lang) for x in u["tier"]],
                "seg_next_tier": [member_tier_label(x, lang) for x in u["next_tier"]],
                "seg_spend_12m": u["spend_12m"],
                "seg_spend_to_next": u["spend_to_next_tier"],
            }
        )

    def flow_table(self, n: int = 5) -> pd.DataFrame:
        """The ``n`` biggest moves between segments, with display names."""
        f = self.flows(n)
        return pd.DataFrame(
            {
                "seg_from": f["from_segment"],
                "seg_to": f["to_segment"],
                "seg_customers": f["customers"],
                "seg_share_of_from": f["share_of_from"],
            }
        )


def _rfm_with_segments(
    tx: pd.DataFrame, as_of: pd.Timestamp, scheme: SegmentScheme, s: SegmentationSettings, occasion: str
) -> pd.DataFrame:
    rfm = rfm_scores(
        tx, as_of, bins=s.rfm_bins, monetary=s.monetary, reference_months=s.reference_months, occasion=occasion
    )
    rfm["segment"] = assign_segments(rfm, scheme, split=s.cn8_split)
    return rfm


def run_segmentation(
    tx: pd.DataFrame,
    period: Period,
    settings: SegmentationSettings,
    *,
    customers: pd.DataFrame | None = None,
    occasion: str = "customer_day",
    language: str = "en",
) -> SegmentationResult:
    """Score, segment and tier every customer as of the period end; migrate from the previous period.

    Parameters
    ----------
    tx
        Cleaned transactions up to the period end.
    period
        Report month: scores are as of its end; the previous segments as of its start.
    settings
        ``params.segmentation``.
    customers
        The cleaned customers source (for recorded tiers), or None.
    occasion
        ``customer_day`` or ``order`` (``params.repurchase.occasion``).
    language
        Report language of the names, actions, tables and sentences.
    """
    s = settings
    scheme = get_scheme(s.scheme, s.custom_schemes, s.rfm_bins)
    if tx.empty or not (tx["order_date"] < period.end_exclusive).any():
        raise AnalysisError(f"no transactions before the end of {period.label}: nothing to segment; check the period")
    # Work on integer codes of the IDs (sorted, so code order = ID order and rank ties break the same way):
    # grouping and merging on 1M string IDs is what would make this slow.
    codes, ids = pd.factorize(tx["customer_id"], sort=True)
    slim = pd.DataFrame(
        {"customer_id": codes, "order_date": tx["order_date"].to_numpy(), "amount": tx["amount"].to_numpy()},
        index=tx.index,
    )
    if occasion == "order":
        if "order_id" not in tx.columns:
            raise DataError(
                "occasion 'order' needs an order_id column; map it or use repurchase.occasion: customer_day"
            )
        slim["order_id"] = pd.factorize(tx["order_id"])[0]
    members = None
    if customers is not None:
        members = customers.assign(customer_id=ids.get_indexer(customers["customer_id"]))
        members = members[members["customer_id"] >= 0]
    rfm = _rfm_with_segments(slim, period.end_exclusive, scheme, s, occasion)
    if rfm.empty:
        raise AnalysisError(
            f"no customer bought in the last {s.reference_months} months before {period.end.date()}; "
            "raise segmentation.reference_months or remove it"
        )
    action_of = np.array([recommended_action(x, language, s.actions) for x in scheme.segments], dtype=object)
    rfm["action"] = action_of[rfm["segment"].cat.codes.to_numpy()]
    rfm["frequency_tier"] = frequency_tiers(rfm["frequency"], s.frequency_tiers)
    tiers, table = member_tiers(
        slim,
        rfm["customer_id"],
        period,
        customers=members,
        source=s.tier_source,
        basis=s.tier_basis,
        names=s.tier_names,
        thresholds=s.tier_thresholds,
        top_shares=s.tier_top_shares,
        points_per_100=s.points_per_100,
        aliases=s.tier_aliases,
        occasion=occasion,
    )
    merged = rfm.merge(tiers, on="customer_id", how="left", validate="one_to_one")
    prev = _rfm_with_segments(slim, period.start, scheme, s, occasion)
    migration = migration_matrix(
        prev.set_index("customer_id")["segment"], rfm.set_index("customer_id")["segment"], scheme.segments
    )
    upgrades = upgrade_candidates(tiers, within=s.upgrade_within)
    merged["customer_id"] = ids.take(merged["customer_id"].to_numpy())
    upgrades["customer_id"] = ids.take(upgrades["customer_id"].to_numpy())
    return SegmentationResult(
        customers=merged,
        scheme=scheme,
        summary=segment_summary(rfm, scheme, language=language, actions=s.actions),
        frequency=frequency_summary(rfm, s.frequency_tiers, language=language, actions=s.actions),
        tiers=tier_summary(tiers, point_value=s.point_value, language=language),
        thresholds=table,
        upgrades=upgrades,
        migration=migration,
        settings={
            "as_of": period.end.date().isoformat(),
            "previous_as_of": period.previous.end.date().isoformat(),
            "bins": s.rfm_bins,
            "monetary": s.monetary,
            "reference_months": s.reference_months,
            "scheme": scheme.name,
            "cn8_split": s.cn8_split,
            "occasion": occasion,
            "tier_source": str(tiers["tier_source"].iloc[0]).split(" ")[0] if len(tiers) else s.tier_source,
            "tier_basis": s.tier_basis,
            "point_value": s.point_value,
            "upgrade_within": s.upgrade_within,
            "language": language,
        },
    )


# ---------------------------------------------------------------------------
# exports, metrics, sentences


def segment_export(result: SegmentationResult) -> pd.DataFrame:
    """The CRM export (real IDs): one row per customer with values, scores, segment, tier and action."""
    c = result.customers
    out = pd.DataFrame(
        {
            "customer_id": c["customer_id"],
            "last_purchase": c["last_date"].dt.date,
            "recency_days": c["recency_days"],
            "frequency": c["frequency"],
            "monetary": c["monetary"].round(2),
            "spend": c["spend"].round(2),
            "R": c["R"],
            "F": c["F"],
            "M": c["M"],
            "segment": c["segment"].astype(str),
            "segment_label": c["segment"].map(result.labels).astype(str),
            "recommended_action": c["action"],
            "frequency_tier": c["frequency_tier"].astype(str),
            "tier": c["tier"].astype(str),
            "tier_source": c["tier_source"],
            "spend_12m": c["spend_12m"].round(2),
            "points_outstanding": c["points_12m"].round(2),
            "next_tier": c["next_tier"],
            "spend_to_next_tier": c["spend_to_next_tier"].round(2),
        }
    )
    return out


def segmentation_metrics(result: SegmentationResult) -> dict:
    """Headline figures for ``metrics.json``: size and revenue share of each segment and tier."""
    seg = result.summary.set_index("segment")
    freq = result.frequency.set_index("tier")
    tiers = result.tiers.set_index("tier")
    stayed = int(
        np.trace(result.migration.reindex(index=result.scheme.segments, columns=result.scheme.segments).to_numpy())
    )
    previous = int(result.migration.drop(index=NEW, errors="ignore").to_numpy().sum())
    return {
        "as_of": result.settings["as_of"],
        "scheme": result.scheme.name,
        "customers": len(result.customers),
        "segments": {
            s: {"customers": int(r["customers"]), "share": r["share"], "revenue_share": r["revenue_share"]}
            for s, r in seg.iterrows()
        },
        "frequency_tiers": {
            t: {"customers": int(r["customers"]), "share": r["share"], "revenue_share": r["revenue_share"]}
            for t, r in freq.iterrows()
        },
        "member_tiers": {
            t: {"customers": int(r["customers"]), "share": r["share"], "revenue_share": r["revenue_share"]}
            for t, r in tiers.iterrows()
        },
        "tier_source": result.settings["tier_source"],
        "tier_thresholds": dict(zip(result.thresholds["tier"], result.thresholds["threshold"])),
        "points_outstanding": float(result.tiers["points_outstanding"].sum()),
        "points_liability": float(result.tiers["liability"].sum()),
        "upgrade_candidates": len(result.upgrades),
        "migration_stayed_share": stayed / previous if previous else None,
    }


def _money(x: float, currency: str = "", lang: str = "en") -> str:
    """An amount with the currency symbol (``¥1.2万`` / ``¥12.3K``), or a plain number without a currency."""
    return formatting.format_money(x, currency, lang) if currency else formatting.format_number(x, lang)


def _pct(x: float | None) -> str:
    return formatting.format_percent(x if x is not None and np.isfinite(x) else None)


def _lang(result: SegmentationResult, lang: str | None) -> str:
    return lang or result.language


def describe_settings(result: SegmentationResult, lang: str | None = None) -> str:
    """How the scores were computed, in one paragraph (for the definitions section).

    ``lang`` is the report language; the result's own language when omitted.
    """
    lang = _lang(result, lang)
    s = result.settings
    window = (
        i18n.t("segments.window_months", lang, months=s["reference_months"])
        if s["reference_months"]
        else i18n.t("segments.window_all", lang)
    )
    occ = i18n.t(
        "segments.occasion_customer_day" if s["occasion"] == "customer_day" else "segments.occasion_order", lang
    )
    mon = i18n.t("segments.monetary_total" if s["monetary"] == "total" else "segments.monetary_average", lang)
    return i18n.t(
        "segments.describe_settings",
        lang,
        as_of=s["as_of"],
        window=window,
        customers=f"{len(result.customers):,}",
        occasion=occ,
        monetary=mon,
        bins=s["bins"],
        scheme=s["scheme"],
        description=result.scheme.describe(lang),
    )


def describe_segments(result: SegmentationResult, lang: str | None = None) -> str:
    """The first (best) segment's weight, and the largest segments by customers and by revenue."""
    lang = _lang(result, lang)
    t = result.summary[result.summary["customers"] > 0]
    if t.empty:
        return i18n.t("segments.describe_none", lang)
    names = {seg: segment_label(seg, lang) for seg in result.summary["segment"]}
    first = result.summary.iloc[0]
    big = t.loc[t["customers"].idxmax()]
    rich = t.loc[t["revenue"].idxmax()]
    text = i18n.t(
        "segments.describe_first",
        lang,
        name=names[first["segment"]],
        share=_pct(first["share"]),
        customers=f"{int(first['customers']):,}",
        revenue_share=_pct(first["revenue_share"]),
    )
    if big["segment"] != first["segment"]:
        text += i18n.t(
            "segments.describe_largest",
            lang,
            name=names[big["segment"]],
            customers=f"{int(big['customers']):,}",
            share=_pct(big["share"]),
            revenue_share=_pct(big["revenue_share"]),
        )
    if rich["segment"] != first["segment"]:
        text += i18n.t(
            "segments.describe_richest",
            lang,
            name=names[rich["segment"]],
            revenue_share=_pct(rich["revenue_share"]),
            share=_pct(rich["share"]),
        )
    return text


def describe_frequency(result: SegmentationResult, lang: str | None = None) -> str:
    """Share of customers and revenue of the highest and the one-time tier."""
    lang = _lang(result, lang)
    f = result.frequency
    top, low = f.iloc[0], f.iloc[-1]
    return i18n.t(
        "segments.describe_frequency",
        lang,
        tier=frequency_tier_label(top["tier"], lang),
        occasions=top["occasions"],
        share=_pct(top["share"]),
        revenue_share=_pct(top["revenue_share"]),
        low=frequency_tier_label(low["tier"], lang),
        low_share=_pct(low["share"]),
        low_revenue_share=_pct(low["revenue_share"]),
    )


def describe_tiers(result: SegmentationResult, currency: str = "", lang: str | None = None) -> str:
    """Tier source, distribution of the top tier, points outstanding and liability."""
    lang = _lang(result, lang)
    s, t = result.settings, result.tiers
    if s["tier_source"] == "customers":
        how = i18n.t("segments.tiers_recorded", lang)
    else:
        basis = i18n.t("segments.basis_spend" if s["tier_basis"] == "spend" else "segments.basis_points", lang)
        set_from = i18n.t(f"segments.set_from.{result.thresholds['set_from'].iloc[0]}", lang)
        how = i18n.t("segments.tiers_simulated", lang, basis=basis, set_from=set_from)
    top = t.iloc[-1]
    return i18n.t(
        "segments.describe_tiers",
        lang,
        how=how,
        tier=member_tier_label(top["tier"], lang),
        share=_pct(top["share"]),
        revenue_share=_pct(top["revenue_share"]),
        points=f"{t['points_outstanding'].sum():,.0f}",
        liability=_money(t["liability"].sum(), currency, lang),
        point_value=f"{s['point_value']:g}",
    )


def describe_upgrades(result: SegmentationResult, currency: str = "", lang: str | None = None) -> str:
    """How many customers are close to the next tier, and the median spend they need."""
    lang = _lang(result, lang)
    u = result.upgrades
    within = formatting.format_percent(result.settings["upgrade_within"], 0)
    if u.empty:
        return i18n.t("segments.upgrades_none", lang, within=within)
    first = u.groupby("next_tier", sort=False).agg(n=("customer_id", "size"), gap=("spend_to_next_tier", "median"))
    parts = [
        i18n.t(
            "segments.upgrades_part",
            lang,
            n=f"{int(r['n']):,}",
            tier=member_tier_label(k, lang),
            gap=_money(r["gap"], currency, lang),
        )
        for k, r in first.iterrows()
    ]
    already = int((result.customers["spend_to_next_tier"] == 0).sum())
    extra = (
        i18n.t("segments.upgrades_already", lang, n=f"{already:,}")
        if already and result.settings["tier_source"] == "customers"
        else ""
    )
    return i18n.t(
        "segments.describe_upgrades",
        lang,
        n=f"{len(u):,}",
        within=within,
        parts=i18n.t("segments.sep", lang).join(parts),
        extra=extra,
    )


def describe_migration(result: SegmentationResult, lang: str | None = None) -> str:
    """Who stayed, the biggest flows, and where the top segment went."""
    lang = _lang(result, lang)
    m = result.migration
    segs = result.scheme.segments
    old = m.drop(index=NEW, errors="ignore")
    previous = int(old.to_numpy().sum())
    if previous == 0:
        return i18n.t("segments.migration_none", lang)
    stayed = int(np.trace(m.reindex(index=segs, columns=segs).to_numpy()))
    flows = biggest_flows(m, 3)
    names = {seg: segment_label(seg, lang) for seg in [*segs, NEW, NOT_SCORED]}
    parts = [
        i18n.t(
            "segments.migration_flow",
            lang,
            source=names.get(r["from_segment"], r["from_segment"]),
            target=names.get(r["to_segment"], r["to_segment"]),
            n=f"{int(r['customers']):,}",
            share=_pct(r["share_of_from"]),
        )
        for _, r in flows.iterrows()
    ]
    top = segs[0]
    n_top = int(m.loc[top].sum()) if top in m.index else 0
    top_text = ""
    if n_top:
        row = m.loc[top].drop(top)
        dest = row.idxmax()
        top_text = i18n.t(
            "segments.migration_top",
            lang,
            n=f"{n_top:,}",
            name=names[top],
            stayed=f"{int(m.loc[top, top]):,}",
            moved=f"{int(row.sum()):,}",
            dest=names.get(dest, dest),
            dest_n=f"{int(row.max()):,}",
        )
    new = int(m.loc[NEW].sum()) if NEW in m.index else 0
    moves = i18n.t("segments.sep", lang).join(parts) if parts else i18n.t("segments.migration_no_flows", lang)
    return i18n.t(
        "segments.describe_migration",
        lang,
        stayed=f"{stayed:,}",
        previous=f"{previous:,}",
        share=_pct(stayed / previous),
        new=f"{new:,}",
        moves=moves,
        top=top_text,
    )


def _stage_run(inputs: Any) -> SegmentationResult:
    p = inputs.params
    return run_segmentation(inputs.transactions(), inputs.period, p.segmentation, customers=inputs.customers(),
                            occasion=p.repurchase.occasion, language=p.language)


#: The segmentation as a render runs it (see :mod:`repurchase.core.stage`).
STAGE = Stage(name="segmentation", run=_stage_run, metrics=segmentation_metrics,
              exports=lambda r: {"exports/segments.csv": segment_export(r), "exports/tier_upgrade_candidates.csv": r.upgrades})
