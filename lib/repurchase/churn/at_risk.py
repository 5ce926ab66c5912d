"""Value and the at-risk list: who is likely to stop buying, what they are worth, and what to do.

Value at risk = the value of the at-risk customers: Σ value over the customers
whose churn probability (of no purchase over the churn window) is at least the
threshold. It is not an expected loss (CLV already discounts dropout, so
P(churn) × CLV would count it twice). Value is the customer's CLV
from the lifetime-value report (the ``clv`` of ``exports/clv.csv``) or their
spend in the last 365 days (``churn.value_basis``). The recommended action
depends on the frequency tier (its role: loyal, developing, one-time) and the
value band.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from repurchase.churn.definitions import customer_status
from repurchase.core import i18n
from repurchase.core.errors import AnalysisError
from repurchase.core.periods import Window
from repurchase.core.tiers import frequency_role
from repurchase.core.tiers import frequency_tiers as tiers_of

__all__ = [
    "ACTIONS",
    "RECENCY_AT_RISK_SHARE",
    "ROLES",
    "VALUE_BANDS",
    "CustomerValue",
    "at_risk_export",
    "at_risk_list",
    "at_risk_preview",
    "at_risk_summary",
    "customer_value",
    "frequency_role",
    "has_model",
    "retention_action",
]

#: Customer roles behind the retention actions: the highest frequency tier, the
#: tiers between, and one-time buyers.
ROLES: tuple[str, ...] = ("loyal", "developing", "one-time")
#: Value bands of active customers, highest first.
VALUE_BANDS: tuple[str, ...] = ("high", "mid", "low")

#: Recommended retention action per (role, value band): its catalog key (text in
#: ``resources/i18n/<lang>/churn.yaml``; ``churn.actions`` in params replaces any).
ACTIONS: dict[tuple[str, str], str] = {
    ("loyal", "high"): "churn.action.loyal_high",
    ("loyal", "mid"): "churn.action.loyal_mid",
    ("loyal", "low"): "churn.action.loyal_low",
    ("developing", "high"): "churn.action.developing_high",
    ("developing", "mid"): "churn.action.developing_mid",
    ("developing", "low"): "churn.action.developing_low",
    ("one-time", "high"): "churn.action.one_time_high",
    ("one-time", "mid"): "churn.action.one_time_mid",
    ("one-time", "low"): "churn.action.one_time_low",
}


@dataclass
class CustomerValue:
    """Each customer's value for ranking the at-risk list, and where it came from.

    Attributes
    ----------
    value
        Value indexed by customer ID.
    basis
        ``clv`` (the lifetime-value report's CLV) or ``annual_spend``.
    fallback
        True when ``churn.value_basis`` is ``auto`` and the lifetime-value
        analysis had no CLV, so annual spend is used instead.
    horizon_months
        The months the CLV looks ahead (with ``basis="clv"``).
    model
        The purchase model behind the CLV (``bgnbd``, ``pareto_nbd`` …; with ``basis="clv"``).
    """

    value: pd.Series
    basis: str
    fallback: bool = False
    horizon_months: int | None = None
    model: str = ""


def customer_value(
    tx: pd.DataFrame,
    window: Window,
    *,
    basis: str = "auto",
    clv: pd.DataFrame | None = None,
    horizon_months: int | None = None,
    model: str = "",
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> CustomerValue:
    """Each customer's value for ranking the at-risk list: the CLV of the lifetime-value report, or annual spend.

    Parameters
    ----------
    tx, window
        Cleaned transactions and the observation, for the spend in the 365 days
        up to ``window.end``.
    basis
        ``auto``, ``clv`` or ``annual_spend`` (``churn.value_basis``). With
        ``auto``, a lifetime-value analysis without a CLV falls back to annual
        spend (and the note says so); with ``clv`` it raises.
    clv
        The lifetime-value result's customer values (``customer_id``, ``clv``,
        rounded as in ``exports/clv.csv``; see
        :func:`repurchase.churn.lifetime_value_bridge.customer_values`); empty or
        None without a CLV.
    horizon_months, model
        What the CLV covers, for the note.

    Returns
    -------
    CustomerValue
    """
    if basis not in ("auto", "clv", "annual_spend"):
        raise AnalysisError(f"churn.value_basis must be auto, clv or annual_spend, got {basis!r}")
    status = customer_status(tx, window, 1, customer_col=customer_col, date_col=date_col, amount_col=amount_col)
    annual = status.set_index("customer_id")["spend_365d"]
    if basis == "annual_spend":
        return CustomerValue(annual, "annual_spend")
    if clv is None or clv.empty:
        if basis == "clv":
            raise AnalysisError(
                "churn.value_basis is clv but the lifetime-value analysis has no CLV for these data "
                "(see its notes); set churn.value_basis: auto or annual_spend"
            )
        return CustomerValue(annual, "annual_spend", fallback=True)
    value = clv.set_index("customer_id")["clv"].astype(float)
    return CustomerValue(value, "clv", horizon_months=horizon_months, model=model)


def retention_action(role: str, band: str, language: str = "en", overrides: Mapping[str, str] | None = None) -> str:
    """The recommended retention action for a role and value band (``churn.actions`` overrides win).

    The built-in texts are the catalog entries of :data:`ACTIONS`
    (``churn.action.<role>_<band>``) in ``language``.
    """
    key = f"{role}/{band}"
    if overrides and key in overrides:
        return overrides[key]
    if (role, band) not in ACTIONS:
        raise AnalysisError(
            f"no retention action for {key!r}; roles: {', '.join(ROLES)}; bands: {', '.join(VALUE_BANDS)}"
        )
    return i18n.t(ACTIONS[(role, band)], language)


#: without churn probabilities (no model), an active customer is at risk after this share of θ without a purchase
RECENCY_AT_RISK_SHARE = 0.5


def at_risk_list(
    scores: pd.DataFrame,
    value: pd.Series,
    *,
    frequency_tiers: Mapping[str, int],
    at_risk_probability: float = 0.5,
    band_shares: Sequence[float] = (0.2, 0.5),
    threshold_days: int | None = None,
    language: str = "en",
    actions: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Active customers, the at-risk ones first ranked by value (= their value at risk), with an action.

    Without churn probabilities (``p_churn`` missing: :func:`early_warning` had
    too little data for a model) the list is ranked without a model: a customer
    is at risk after more than half of θ (``threshold_days`` ×
    :data:`RECENCY_AT_RISK_SHARE`) without a purchase, ``value_at_risk`` is
    missing, and customers are ranked by value, then by days since the last
    purchase.

    Parameters
    ----------
    scores
        :attr:`EarlyWarningResult.scores` (``customer_id``, ``p_churn``,
        ``recency_days``, ``frequency``, ``spend_365d``).
    value
        Value per customer (:func:`customer_value`); missing values count as 0.
    frequency_tiers
        Tier minimums; the tier picks the role of the action (:func:`frequency_role`).
    at_risk_probability
        Customers with ``p_churn`` at least this are flagged ``at_risk``.
    band_shares
        Cumulative shares of active customers by value: the top 20 % are ``high``,
        up to 50 % ``mid``, the rest ``low`` (ties share a band by rank order).
    threshold_days
        θ at the period end; needed only without churn probabilities.
    language, actions
        Report language of the action text and ``churn.actions`` overrides.

    Returns
    -------
    pandas.DataFrame
        Every scored customer, the at-risk customers first by value at risk (their
        value) then churn probability, the others by churn probability (without
        a model: by value, then days since the last purchase): ``rank``
        (1, 2, … in that order, so the at-risk customers hold ranks 1 … k),
        ``customer_id``, ``p_churn``, ``value``, ``value_at_risk``, ``at_risk``,
        ``frequency_tier``, ``role``, ``value_band``, ``days_since_last``,
        ``occasions``, ``spend_365d`` and ``action``.
    """
    out = scores[["customer_id", "p_churn", "recency_days", "frequency", "spend_365d"]].copy()
    out["value"] = value.reindex(out["customer_id"]).fillna(0.0).to_numpy(dtype=float)
    # value at risk: the value of an at-risk customer, 0 for the others (not P(churn) × value: see the module)
    modelled = has_model(out)
    if modelled:
        out["at_risk"] = out["p_churn"] >= at_risk_probability
        out["value_at_risk"] = out["value"].where(out["at_risk"], 0.0)
    elif len(out) and threshold_days is None:
        raise AnalysisError(
            "the scores have no churn probability (no model): pass threshold_days (θ at the period end) "
            "to flag at-risk customers by the days since their last purchase"
        )
    else:
        out["at_risk"] = out["recency_days"] > RECENCY_AT_RISK_SHARE * float(threshold_days or 0)
        out["value_at_risk"] = np.nan
    out["frequency_tier"] = tiers_of(out["frequency"], frequency_tiers).astype(str).to_numpy()
    out["role"] = frequency_role(out["frequency_tier"], frequency_tiers).to_numpy()
    n = len(out)
    rank = out["value"].rank(method="first", ascending=False).to_numpy()
    hi, mid = band_shares
    out["value_band"] = np.where(rank <= math.ceil(hi * n), "high", np.where(rank <= math.ceil(mid * n), "mid", "low"))
    keys = pd.Series(list(zip(out["role"], out["value_band"])), index=out.index)
    table = {k: retention_action(k[0], k[1], language, actions) for k in ACTIONS}
    out["action"] = keys.map(table)
    out = out.rename(columns={"recency_days": "days_since_last", "frequency": "occasions"})
    out["days_since_last"] = out["days_since_last"].astype(np.int64)
    out["occasions"] = out["occasions"].astype(np.int64)
    order = ["at_risk", "value_at_risk", "p_churn"] if modelled else ["at_risk", "value", "days_since_last"]
    out = out.sort_values(order, ascending=False, kind="stable").reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, n + 1))
    return out[
        [
            "rank",
            "customer_id",
            "p_churn",
            "value",
            "value_at_risk",
            "at_risk",
            "frequency_tier",
            "role",
            "value_band",
            "days_since_last",
            "occasions",
            "spend_365d",
            "action",
        ]
    ]


def has_model(at_risk: pd.DataFrame) -> bool:
    """Whether a list or scores carry churn probabilities (an early-warning model was fitted)."""
    return bool(at_risk["p_churn"].notna().any())


def at_risk_preview(at_risk: pd.DataFrame, n: int = 15) -> pd.DataFrame:
    """The top ``n`` at-risk customers with the columns the report shows (IDs are masked by ``ctx.show``).

    ``rank`` counts the at-risk customers only (1 … n); without a model the
    churn probability and the value at risk are left out.
    """
    cols = [
        "rank",
        "customer_id",
        "p_churn",
        "value",
        "value_at_risk",
        "frequency_tier",
        "value_band",
        "days_since_last",
        "occasions",
    ]
    if not has_model(at_risk):
        cols = [c for c in cols if c not in ("p_churn", "value_at_risk")]
    out = at_risk.loc[at_risk["at_risk"], cols].head(n).reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    return out


def at_risk_export(at_risk: pd.DataFrame) -> pd.DataFrame:
    """The at-risk list as written to ``exports/at_risk.csv`` (real IDs, for the CRM team).

    Every active customer, with the ``at_risk`` flag (True/False) next to the ID:
    the at-risk customers come first (ranks 1 … k), then the other active
    customers. Money (``value``, ``value_at_risk``, ``spend_365d``) is rounded to
    2 decimals, the churn probability to 4.
    """
    cols = [
        "rank",
        "customer_id",
        "at_risk",
        "p_churn",
        "value",
        "value_at_risk",
        "frequency_tier",
        "role",
        "value_band",
        "days_since_last",
        "occasions",
        "spend_365d",
        "action",
    ]
    out = at_risk[cols].copy()
    for c in ("value", "value_at_risk", "spend_365d"):
        out[c] = out[c].astype(float).round(2)
    out["p_churn"] = out["p_churn"].astype(float).round(4)
    return out.reset_index(drop=True)


def at_risk_summary(at_risk: pd.DataFrame) -> pd.DataFrame:
    """At-risk customers and value at risk by frequency tier and value band (aggregates only, no IDs).

    Returns
    -------
    pandas.DataFrame
        ``frequency_tier``, ``value_band``, ``active`` (scored customers),
        ``at_risk``, ``mean_p_churn`` (of the at-risk customers),
        ``value_at_risk`` (Σ value over the at-risk customers) and
        ``action``; highest value at risk first. Without churn probabilities
        (no model): ``value`` (Σ value of the at-risk customers) instead of
        ``mean_p_churn`` and ``value_at_risk``, highest first.
    """
    if not has_model(at_risk):  # no churn probability: the value of the at-risk customers
        frame = at_risk.sort_values(["value", "days_since_last"], ascending=False, kind="stable")
        frame = frame.assign(_v=frame["value"].where(frame["at_risk"], 0.0), _n=frame["at_risk"].astype(np.int64))
        g = frame.groupby(["frequency_tier", "value_band"], sort=False)
        out = pd.DataFrame(
            {"active": g.size(), "at_risk": g["_n"].sum(), "value": g["_v"].sum(), "action": g["action"].first()}
        ).reset_index()
        return out.sort_values("value", ascending=False, kind="stable").reset_index(drop=True)
    # by value at risk over every active customer (the at-risk ones first in the list does not matter here)
    frame = at_risk.sort_values(["value_at_risk", "p_churn"], ascending=False, kind="stable")
    flagged = frame["value_at_risk"].where(frame["at_risk"], 0.0)
    p = frame["p_churn"].where(frame["at_risk"])
    frame = frame.assign(_v=flagged, _p=p, _n=frame["at_risk"].astype(np.int64))
    g = frame.groupby(["frequency_tier", "value_band"], sort=False)
    out = pd.DataFrame(
        {
            "active": g.size(),
            "at_risk": g["_n"].sum(),
            "mean_p_churn": g["_p"].mean(),
            "value_at_risk": g["_v"].sum(),
            "action": g["action"].first(),
        }
    ).reset_index()
    return out.sort_values("value_at_risk", ascending=False, kind="stable").reset_index(drop=True)
