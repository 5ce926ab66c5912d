"""Member tiers and points: rolling-12-month spend, tier thresholds, tiers, points, upgrade candidates.

* **Tier**: the tier recorded in the customers source when it has one (blank or
  missing: the lowest tier); otherwise simulated, the highest tier whose threshold
  the rolling-12-month spend (or base points) reaches.
* **Thresholds**: from params, or the ``1 - share`` quantiles of the last 12
  months' buyers' spend (:func:`tier_thresholds`).
* **Points**: spend / 100 x the tier's points per 100 at the customer's current
  tier; none assumed redeemed (no redemption data), expiring after 12 months.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from repurchase.core.errors import AnalysisError, DataError
from repurchase.core.periods import Period, Window
from repurchase.segments.labels import member_tier_label
from repurchase.segments.rfm import customer_activity, observation

__all__ = ["member_tiers", "rolling_spend", "tier_summary", "tier_thresholds", "upgrade_candidates"]


def rolling_spend(
    tx: pd.DataFrame,
    as_of: Window | pd.Timestamp,
    *,
    months: int = 12,
    occasion: str = "customer_day",
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
    order_col: str = "order_id",
) -> pd.DataFrame:
    """Spend and occasions per customer in the ``months`` months before the end of ``as_of``.

    Parameters
    ----------
    tx
        Cleaned transactions.
    as_of
        The report :class:`~repurchase.core.periods.Period` (or a
        :class:`~repurchase.core.periods.Window`, or a day boundary read as the
        exclusive end): the rolling window ends where it ends.
    months
        Length of the rolling window in calendar months.
    occasion
        ``customer_day`` or ``order``.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer ID: ``spend`` and ``occasions`` (customers with a
        purchase in the window only).
    """
    act = customer_activity(
        tx,
        observation(as_of, months),
        occasion=occasion,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        order_col=order_col,
    )
    out = pd.DataFrame({"spend": act["spend"].astype(float), "occasions": act["frequency"].astype(np.int64)})
    return out.rename_axis("customer_id")


def _round_sig(x: float, digits: int = 2) -> float:
    if not np.isfinite(x) or x <= 0:
        return float(x)
    return float(round(x, digits - 1 - math.floor(math.log10(abs(x)))))


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

    Parameters
    ----------
    tx
        Cleaned transactions.
    customer_ids
        The customers to tier (the scored ones).
    period
        The report month: the rolling 12 months end with it; ``points_period``
        is its spend.
    customers
        The cleaned customers source (its ``tier`` column), or None.
    source
        ``auto``, ``customers`` or ``simulated`` (``segmentation.tier_source``).
    basis
        ``spend`` or ``points``: what the thresholds measure.
    names, thresholds, top_shares, points_per_100, aliases
        ``segmentation.tier_names``, ``tier_thresholds``, ``tier_top_shares``,
        ``points_per_100`` and ``tier_aliases``.
    occasion
        ``customer_day`` or ``order``.

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
        period,
        months=12,
        occasion=occasion,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        order_col=order_col,
    )
    month = tx.loc[period.contains(tx[date_col])]
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

    Parameters
    ----------
    tiers
        The per-customer table of :func:`member_tiers`.
    point_value
        Value of one point in the report currency.
    language
        Report language of ``label``.

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

    Parameters
    ----------
    tiers
        The per-customer table of :func:`member_tiers`.
    within
        ``segmentation.upgrade_within``: the largest gap, as a share of the next threshold.

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
