"""Value at risk of past month ends from this month's fitted churn model (:func:`value_at_risk_by_month`).

The report month's final early-warning model (``EarlyWarningResult.model``) scores
the active customers at each earlier month end, on the features computed as the
report computes them at its period end (:func:`repurchase.churn.features.churn_features`
of the transactions before that day, the same categories, channels and side
sources, the population active under θ at that day). The value at risk is, as
in :func:`repurchase.churn.at_risk.at_risk_list`, the sum of the value of the
customers with ``p_churn`` at least ``churn.at_risk_probability``. No model is
refitted: it is "this month's model applied to that month's data", the BG/NBD
behind the ``bgnbd_p_no_purchase`` feature included (fitted once, on the data to
the report month end, as the report month's own features are).

The twelve month ends work on integer customer codes
(:class:`repurchase.core.ids.CustomerCodes`), encoded once: only sums come out.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

import pandas as pd

from repurchase.churn.definitions import customer_status, threshold_at
from repurchase.churn.early_warning import _population
from repurchase.churn.features import churn_features
from repurchase.churn.lifetime_value_bridge import fit_bgnbd
from repurchase.core.errors import AnalysisError
from repurchase.core.ids import CustomerCodes
from repurchase.core.periods import Period, Window

__all__ = ["value_at_risk_by_month"]


def value_at_risk_by_month(
    result: Any,
    transactions: pd.DataFrame,
    period: Period,
    months: int = 12,
    *,
    values: Mapping[str, pd.Series] | None = None,
    date_col: str = "order_date",
) -> dict[str, float]:
    """Value at risk at the end of the report month and of the ``months - 1`` months before it.

    Parameters
    ----------
    result
        The report month's :class:`~repurchase.churn.pipeline.ChurnResult`.
    transactions
        Cleaned transactions (at least up to the report month end).
    period
        The report month.
    months
        Months of the series, the report month included.
    values
        With the CLV value basis: each customer's value by ``YYYY-MM`` (CLV as of
        that month end, indexed by customer ID); a month missing from it is left
        out. Not used with the annual-spend basis (the spend of the 365 days to
        each month end).
    date_col
        Date column of ``transactions``.

    Returns
    -------
    dict
        ``{YYYY-MM: value at risk}``; empty without a churn model (the at-risk
        list then has no value at risk either).
    """
    warning: Any = getattr(result, "warning", None)
    model = getattr(warning, "model", None)
    if model is None or warning.unavailable is not None or not warning.threshold_kwargs:
        return {}
    basis = result.value.basis
    cut_p = float(result.settings.at_risk_probability)
    kwargs = dict(warning.feature_kwargs)
    col = kwargs.get("customer_col", "customer_id")
    if transactions.empty:
        return {}
    codes = CustomerCodes.of(transactions, col)
    transactions = codes.encode(transactions, col)
    for side in ("customers", "surveys"):
        kwargs[side] = codes.encode(kwargs.get(side), col)
    if kwargs.get("bgnbd_window_days") is not None:
        end = Window.ending(period.end_exclusive)
        cols = {k: kwargs[k] for k in ("occasion", "customer_col", "order_col", "date_col") if k in kwargs}
        with contextlib.suppress(AnalysisError):  # if it cannot be fitted, each month fits its own (the default)
            kwargs["bgnbd_fit"] = fit_bgnbd(transactions, end, **cols)[1]
    out: dict[str, float] = {}
    for k in range(months - 1, -1, -1):  # one feature matrix per month, not per customer
        month = period.shift(-k)
        if basis == "clv" and (values is None or month.label not in values):
            continue
        cut = month.end_exclusive
        known = transactions.loc[transactions[date_col] < cut]
        if known.empty:
            continue
        theta = threshold_at(known, cut, **warning.threshold_kwargs)
        X = _population(churn_features(known, Window.ending(cut), **kwargs), theta, warning.population)
        if X.empty:
            out[month.label] = 0.0
            continue
        p = model.predict_proba(X.reindex(columns=warning.features))[:, 1]
        if basis == "clv" and values is not None:
            value = codes.encode_index(values[month.label])
        else:
            status = customer_status(known, Window.ending(cut), 1)
            value = status.set_index("customer_id")["spend_365d"]  # already by code
        worth = value.reindex(X.index).fillna(0.0).to_numpy(dtype=float)
        out[month.label] = float(worth[p >= cut_p].sum())
    return out
