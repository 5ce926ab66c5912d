"""The inactivity definition: the threshold θ, each customer's status, and attributes fixed at acquisition.

On day d a customer has churned when d − (last occasion on or before d) > θ
days. θ is fixed (``churn.threshold_days``) or, by default, the
``threshold_quantile`` of the days to the next occasion, estimated by
Kaplan–Meier with every open last gap censored
(:func:`repurchase.kpis.purchase_cycle_threshold`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from repurchase.churn._base import before, end_of, why
from repurchase.core.errors import AnalysisError
from repurchase.core.occasions import require_columns
from repurchase.core.periods import Window
from repurchase.core.status import Unavailable
from repurchase.core.tiers import frequency_tiers
from repurchase.kpis import purchase_cycle_threshold

__all__ = ["ChurnDefinition", "churn_threshold", "customer_status", "first_purchase_attributes"]


@dataclass(frozen=True)
class ChurnDefinition:
    """The inactivity definition used throughout the report.

    Attributes
    ----------
    threshold_days
        θ: a customer has churned after more than θ days without a purchase.
    source
        ``fixed`` (from params), ``kaplan_meier``, or ``default`` (θ could not be
        estimated and is N, see ``unavailable``).
    quantile, horizon_days
        The Kaplan–Meier quantile and the horizon it was read within.
    window_days
        N, the horizon of the model-based definition and the early-warning label.
    window
        The observation: every purchase before ``window.end_exclusive``.
    unavailable
        With ``source="default"``: why the Kaplan–Meier θ could not be estimated.
    history_days
        With ``source="kaplan_meier"``: the days of purchases θ was estimated from
        (first purchase to the last observed day).
    """

    threshold_days: int
    source: str
    quantile: float
    horizon_days: int | None
    window_days: int
    window: Window
    unavailable: Unavailable | None = None
    history_days: int | None = None


def churn_threshold(
    tx: pd.DataFrame,
    window: Window,
    *,
    threshold_days: int | None = None,
    quantile: float = 0.9,
    horizon_days: int | None = 365,
    window_days: int = 90,
    fallback: bool = False,
    occasion: str = "customer_day",
    customer_col: str = "customer_id",
    order_col: str = "order_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> ChurnDefinition:
    """The inactivity threshold θ: fixed, or the Kaplan–Meier quantile of purchase gaps.

    Parameters
    ----------
    tx
        Cleaned transactions; only rows before ``window.end_exclusive`` are used.
    window
        The observation: the report :class:`~repurchase.core.periods.Period`, or
        ``Window.ending(cutoff)`` for a cutoff.
    threshold_days
        A fixed θ (``churn.threshold_days``); the data are then not used.
    quantile, horizon_days
        The quantile of the days to the next occasion (open last gaps censored),
        read among gaps closing within ``horizon_days`` (None: unconditional), as
        :func:`repurchase.kpis.purchase_cycle_threshold`. θ is rounded up to
        whole days.
    window_days
        N of the model-based definition (recorded in the result).
    fallback
        When θ cannot be estimated (no purchase before the end, nobody has bought
        twice yet, or too few customers came back to read the quantile): with
        True, θ = ``window_days`` (source ``default``, the reason in
        ``unavailable``, stated by :func:`repurchase.churn.describe_definition`);
        with False, raise.

    Returns
    -------
    ChurnDefinition
    """
    end = end_of(window)
    if threshold_days is not None:
        if threshold_days < 1:
            raise AnalysisError(f"churn.threshold_days must be at least 1, got {threshold_days}")
        return ChurnDefinition(int(threshold_days), "fixed", quantile, horizon_days, int(window_days), window)
    rows = before(tx, end, date_col)
    try:
        if rows.empty:
            raise AnalysisError(
                f"no purchases before {end.date()}: cannot estimate the churn threshold; check the period"
            )
        value = purchase_cycle_threshold(
            rows, quantile, end=end, occasion=occasion, horizon_days=horizon_days, customer_col=customer_col,
            order_col=order_col, date_col=date_col, amount_col=amount_col,
        )  # fmt: skip
    except AnalysisError:
        if not fallback:
            raise
        first = "" if rows.empty else rows[date_col].min().date().isoformat()
        reason = why(
            "threshold_no_purchases" if rows.empty else "threshold_not_estimable",
            date=end.date().isoformat(), first=first, quantile=f"{quantile:.0%}", days=int(window_days),
        )  # fmt: skip
        return ChurnDefinition(int(window_days), "default", quantile, horizon_days, int(window_days), window, reason)
    history = int((end - pd.Timedelta(days=1) - rows[date_col].min().normalize()).days)
    return ChurnDefinition(
        math.ceil(value), "kaplan_meier", quantile, horizon_days, int(window_days), window, history_days=history
    )


def threshold_at(
    tx: pd.DataFrame,
    cutoff: pd.Timestamp,
    fixed: int | None,
    quantile: float,
    horizon: int | None,
    occasion: str,
    cols: Mapping[str, Any],
    *,
    window: int,
) -> int:
    """θ at a cutoff from the data known then: fixed, the Kaplan–Meier quantile, or N when it cannot be estimated."""
    if fixed is not None:
        return int(fixed)
    return churn_threshold(
        tx,
        Window.ending(cutoff),
        quantile=quantile,
        horizon_days=horizon,
        window_days=window,
        fallback=True,
        occasion=occasion,
        **cols,
    ).threshold_days


def customer_status(
    tx: pd.DataFrame,
    window: Window,
    threshold_days: int,
    *,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Every past buyer's inactivity status on the last observed day (``window.end``).

    Returns
    -------
    pandas.DataFrame
        One row per customer, sorted by ID: ``customer_id``, ``first_date``,
        ``last_date`` (days), ``days_since_last`` (from the last occasion to the
        last observed day), ``spend_365d`` (spend in the 365 days up to that day)
        and ``status`` (``active`` when ``days_since_last`` ≤ θ, else
        ``churned``).
    """
    end = end_of(window)
    require_columns(tx, [customer_col, date_col, amount_col], "customer status")
    rows = before(tx, end, date_col)
    last_day = end - pd.Timedelta(days=1)
    day = rows[date_col].dt.normalize()
    recent = rows[amount_col].where(day > last_day - pd.Timedelta(days=365), 0.0)
    out = pd.DataFrame(
        {
            "first_date": day.groupby(rows[customer_col], sort=True).min(),
            "last_date": day.groupby(rows[customer_col], sort=True).max(),
            "spend_365d": recent.groupby(rows[customer_col], sort=True).sum().astype(float),
        }
    )
    out["days_since_last"] = (last_day - out["last_date"]).dt.days.astype(np.int64)
    out["status"] = np.where(out["days_since_last"] <= threshold_days, "active", "churned")
    out = out.rename_axis("customer_id").reset_index()
    return out[["customer_id", "first_date", "last_date", "days_since_last", "spend_365d", "status"]]


def first_purchase_attributes(
    tx: pd.DataFrame,
    columns: Sequence[str] = ("category", "channel", "region", "store"),
    *,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Attributes fixed at acquisition: the first purchase's category, channel, region, store, and the cohort.

    The first purchase is the customer's earliest order line; among lines at the
    same time, the one with the largest amount ("first category" is the category
    of the main line of the first order).

    Returns
    -------
    pandas.DataFrame
        Indexed by customer ID (sorted): ``cohort`` (quarter of the first purchase,
        e.g. ``2024Q1``) and ``first_<column>`` for each column present in ``tx``
        (missing values become ``"(unknown)"``).
    """
    require_columns(tx, [customer_col, date_col, amount_col], "first-purchase attributes")
    present = [c for c in columns if c in tx.columns]
    frame = tx[[customer_col, date_col, amount_col, *present]]
    ordered = frame.sort_values([customer_col, date_col, amount_col], ascending=[True, True, False], kind="stable")
    first = ordered.drop_duplicates(customer_col, keep="first").set_index(customer_col)
    out = pd.DataFrame(index=first.index)
    out["cohort"] = first[date_col].dt.to_period("Q").astype(str)
    for c in present:
        out[f"first_{c}"] = first[c].astype(object).where(first[c].notna(), "(unknown)").astype(str)
    out.index.name = "customer_id"
    return out


def tier_of_count(count: np.ndarray, thresholds: Mapping[str, int]) -> np.ndarray:
    """Frequency tier of occasion counts (:func:`repurchase.core.tiers.frequency_tiers`), as an object array."""
    return frequency_tiers(pd.Series(count), thresholds).astype(str).to_numpy(dtype=object)
