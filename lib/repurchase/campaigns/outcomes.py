"""Each assigned customer's outcome window and pre-period, from the purchase occasions.

:func:`assignment_outcomes` measures, for every row of the cleaned campaigns
source, what the customer did in the ``H`` days from the assignment day
(``[assigned_at, assigned_at + H)``): repurchased (any purchase occasion),
occasions and revenue; and the revenue of the ``pre_period_days`` before it
(the CUPED covariate). It looks up each window in the occasions sorted by
customer and day (binary search, no join), so it scales with the rows.

:func:`usable_assignments` splits off what cannot be measured: customers found
in no source, assignments before the data start, and windows not over by the
period end (never mixed with complete ones).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from repurchase.core.occasions import purchase_occasions

__all__ = ["CHECKS", "OUTCOME_COLUMNS", "assignment_outcomes", "usable_assignments"]

#: columns :func:`assignment_outcomes` adds
OUTCOME_COLUMNS = ("repurchased", "purchases", "revenue", "pre_revenue")
#: reasons an assignment is left out, in the order they are checked
CHECKS = ("unknown_customer", "before_data", "window_open")

_DAY = np.timedelta64(1, "D")


def _day_numbers(values: pd.Series) -> np.ndarray:
    return (pd.to_datetime(values).to_numpy("datetime64[D]") - np.datetime64("1970-01-01", "D")) // _DAY


def assignment_outcomes(
    assignments: pd.DataFrame,
    transactions: pd.DataFrame,
    *,
    window_days: int = 30,
    pre_period_days: int = 365,
    occasion: str = "customer_day",
) -> pd.DataFrame:
    """Outcomes of every assignment.

    Parameters
    ----------
    assignments
        ``customer_id``, ``assigned_at`` (a day) and any other columns (kept).
    transactions
        Cleaned transactions up to the period end.
    window_days
        H: the outcome window from the assignment day.
    pre_period_days
        Days before the assignment whose revenue is the covariate.
    occasion
        ``repurchase.occasion``: what counts as one purchase.

    Returns
    -------
    DataFrame
        ``assignments`` with ``repurchased`` (bool), ``purchases`` (occasions in
        the window), ``revenue`` (net revenue in the window) and ``pre_revenue``.
    """
    out = assignments.reset_index(drop=True).copy()
    occ = purchase_occasions(transactions, occasion)
    codes, uniques = pd.factorize(occ["customer_id"].astype(str))
    days = _day_numbers(occ["occasion_date"])
    order = np.lexsort((days, codes))
    codes, days = codes[order], days[order]
    amount = occ["amount"].to_numpy(float)[order]
    span = int(days.max() - days.min() + window_days + pre_period_days + 2) if len(days) else 1
    base = int(days.min()) - pre_period_days - 1 if len(days) else 0
    key = codes.astype(np.int64) * span + (days - base)
    cum = np.concatenate([[0.0], np.cumsum(amount)])

    cust = uniques.get_indexer(out["customer_id"].astype(str))
    a = _day_numbers(out["assigned_at"]) - base
    a = np.clip(a, 0, span - window_days - 1)
    known = cust >= 0
    k0 = np.where(known, cust.astype(np.int64) * span + a, -1)

    def count(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        i, j = np.searchsorted(key, lo, "left"), np.searchsorted(key, hi, "left")
        return np.where(known, j - i, 0), np.where(known, cum[j] - cum[i], 0.0)

    n_in, rev_in = count(k0, k0 + window_days)
    _, rev_pre = count(k0 - np.minimum(pre_period_days, a), k0)
    out["repurchased"] = n_in > 0
    out["purchases"] = n_in.astype(np.int64)
    out["revenue"] = rev_in
    out["pre_revenue"] = rev_pre
    return out


def usable_assignments(
    outcomes: pd.DataFrame,
    *,
    known_ids: pd.Index,
    data_start: pd.Timestamp,
    period_end_exclusive: pd.Timestamp,
    window_days: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The assignments that can be measured, and the count of those left out per campaign and reason.

    Parameters
    ----------
    outcomes
        :func:`assignment_outcomes` (``campaign``, ``customer_id``, ``assigned_at``).
    known_ids
        Customer IDs of the transactions and the customers source.
    data_start
        First transaction day: earlier assignments have no pre-period or data.
    period_end_exclusive
        End of the report period: a window must end on or before it.
    window_days
        H.

    Returns
    -------
    usable, left_out
        The measurable rows; ``campaign``, ``reason`` (:data:`CHECKS`),
        ``assignments`` (one row per campaign and reason with a count above 0).
    """
    reason = pd.Series(pd.NA, index=outcomes.index, dtype="string")
    ends = pd.to_datetime(outcomes["assigned_at"]) + pd.Timedelta(days=window_days)
    for rule, mask in (
        ("unknown_customer", ~outcomes["customer_id"].astype(str).isin(known_ids.astype(str))),
        ("before_data", pd.to_datetime(outcomes["assigned_at"]) < pd.Timestamp(data_start).normalize()),
        ("window_open", ends > pd.Timestamp(period_end_exclusive)),
    ):
        reason[mask.to_numpy() & reason.isna().to_numpy()] = rule
    left = pd.DataFrame({"campaign": outcomes["campaign"], "reason": reason})[reason.notna()]
    left_out = left.groupby(["campaign", "reason"]).size().rename("assignments").reset_index()
    return outcomes[reason.isna()].reset_index(drop=True), left_out
