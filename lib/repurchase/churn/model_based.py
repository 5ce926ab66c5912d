"""The model-based definition (BG/NBD probability of no purchase in N days) and the check of both definitions.

Model-based churn is the probability of no purchase in the next N days,
1 − P(alive) · [1 − ((α+T)/(α+T+t))^(r+x)], not raw P(alive) (which is 1 for
every one-time buyer). At the period end it comes from the lifetime-value
result's full-data BG/NBD; at an earlier cutoff the BG/NBD is fitted on the data
known then (:mod:`repurchase.churn.lifetime_value_bridge`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from repurchase.churn import lifetime_value_bridge as bridge
from repurchase.churn._base import AsOf, ChurnTable, empty_table, end_of, known_at, why
from repurchase.churn.definitions import ChurnDefinition, customer_status, threshold_at
from repurchase.churn.features import churn_labels
from repurchase.core import i18n
from repurchase.core.errors import AnalysisError
from repurchase.core.periods import Window

__all__ = ["CHECK_COLUMNS", "definition_check", "model_based_at_end", "model_based_churn"]

#: Columns of :func:`definition_check`.
CHECK_COLUMNS = ["definition", "cutoff", "customers", "flagged", "flagged_share", "precision", "recall", "base_rate"]


def _not_fitted(window_days: int) -> ChurnTable:
    return ChurnTable(empty_table(bridge.SCORE_COLUMNS), why("bgnbd_not_fitted", days=int(window_days)))


def model_based_churn(
    tx: pd.DataFrame,
    window: Window,
    window_days: int,
    *,
    fallback: bool = False,
    occasion: str = "customer_day",
    customer_col: str = "customer_id",
    order_col: str = "order_id",
    date_col: str = "order_date",
) -> tuple[ChurnTable, Any]:
    """BG/NBD probability of no purchase in the next ``window_days`` days, fitted on the data before a cutoff.

    The BG/NBD is fitted on every customer's (x, t_x, T) in weeks up to the last
    day before ``window.end_exclusive`` (:func:`repurchase.churn.lifetime_value_bridge.fit_bgnbd`);
    then P(no purchase in (T, T + t]) = 1 − P(alive) · [1 − ((α+T)/(α+T+t))^(r+x)]
    with t = ``window_days`` / 7. At the period end, use :func:`model_based_at_end`
    (the lifetime-value result's fit) instead.

    Parameters
    ----------
    window
        ``Window.ending(cutoff)``.
    fallback
        When the BG/NBD cannot be fitted (too few customers or repeat purchases):
        with True, an empty table whose ``unavailable`` says so
        (``bgnbd_not_fitted``) and None for the fit; with False, raise.

    Returns
    -------
    (ChurnTable, FitResult)
        Per customer (sorted by ID): ``customer_id``, ``frequency``, ``recency``,
        ``T`` (weeks), ``p_alive``, ``p_buy_again`` and ``p_no_purchase``; and the fit.
    """
    try:
        summary, fit = bridge.fit_bgnbd(
            tx, window, occasion=occasion, customer_col=customer_col, order_col=order_col, date_col=date_col
        )
    except AnalysisError:
        if not fallback:
            raise
        return _not_fitted(window_days), None
    return ChurnTable(bridge.no_purchase(summary, fit, window_days)), fit


def model_based_at_end(lifetime_value: Any, window_days: int) -> ChurnTable:
    """P(no purchase in the next ``window_days`` days) at the period end, from the lifetime-value result's BG/NBD.

    An empty table whose ``unavailable`` says why (``bgnbd_not_fitted``) when the
    lifetime-value analysis did not fit the BG/NBD on all data.
    """
    scores = bridge.no_purchase_at_end(lifetime_value, window_days)
    return _not_fitted(window_days) if scores is None else ChurnTable(scores)


def definition_check(
    tx: pd.DataFrame,
    definition: ChurnDefinition,
    *,
    model: bool = True,
    as_of: AsOf | None = None,
    language: str = "en",
    occasion: str = "customer_day",
    customer_col: str = "customer_id",
    order_col: str = "order_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> ChurnTable:
    """How well each definition, applied N days before the end, foretold no purchase in those N days.

    At the cutoff ``definition.window.end_exclusive`` − N days, every customer who
    bought before it is flagged by the inactivity rule (θ re-estimated from the
    data before the cutoff, unless fixed) and, with ``model``, by the model rule
    (BG/NBD fitted before the cutoff, P(no purchase in N days) ≥ 0.5). The
    outcome is no occasion in ``[cutoff, end)``.

    Parameters
    ----------
    tx
        Cleaned transactions up to the end of ``definition.window``.
    as_of
        The transactions as known at a cutoff (see :func:`repurchase.churn.early_warning`):
        the rules then see only refunds dated before the cutoff. None reads
        ``tx``, in which later refunds are already netted (no extra cost).
    language
        Report language of the rule names in ``definition``.

    Returns
    -------
    ChurnTable
        ``definition`` (the rule in words), ``cutoff``, ``customers``,
        ``flagged``, ``flagged_share``, ``precision`` (flagged who did not buy ÷
        flagged), ``recall`` (non-buyers flagged ÷ non-buyers) and ``base_rate``
        (non-buyers ÷ customers). When nobody bought before the cutoff, an empty
        table whose ``unavailable`` says so (``check_no_history``).
    """
    window = definition.window_days
    end = end_of(definition.window)
    cutoff = end - pd.Timedelta(days=window)
    cols = {"customer_col": customer_col, "order_col": order_col, "date_col": date_col, "amount_col": amount_col}
    fixed = definition.threshold_days if definition.source == "fixed" else None
    first = tx[date_col].min()
    if pd.isna(first) or first >= cutoff:  # the data start after the cutoff: nothing to check yet
        first_day = "" if pd.isna(first) else first.date().isoformat()
        reason = why("check_no_history", days=int(window), cutoff=cutoff.date().isoformat(), first=first_day)
        return ChurnTable(empty_table(CHECK_COLUMNS, text=("definition", "cutoff")), reason)
    known = known_at(tx, end, as_of, [customer_col, date_col, amount_col], date_col)(cutoff)
    theta = threshold_at(known, cutoff, fixed, definition.quantile, definition.horizon_days, occasion, cols,
                         window=window)  # fmt: skip
    status = customer_status(
        known, Window.ending(cutoff), theta, customer_col=customer_col, date_col=date_col, amount_col=amount_col
    )
    ids = status["customer_id"]
    label_window = Window.ending(cutoff + pd.Timedelta(days=window), start=cutoff)
    label = churn_labels(tx, ids, label_window, customer_col=customer_col, date_col=date_col).to_numpy()
    rules = {i18n.t("churn.rule_inactivity", language, days=theta): (status["status"] == "churned").to_numpy()}
    if model:
        try:
            scores, _ = model_based_churn(
                known, Window.ending(cutoff), window, occasion=occasion, customer_col=customer_col,
                order_col=order_col, date_col=date_col,
            )  # fmt: skip
            p = scores.table.set_index("customer_id")["p_no_purchase"].reindex(ids).to_numpy()
            rules[i18n.t("churn.rule_bgnbd", language, days=window)] = np.nan_to_num(p, nan=0.0) >= 0.5
        except AnalysisError:  # shown without the model row
            pass
    rows = []
    for name, flag in rules.items():  # two rules
        tp = int((flag & label).sum())
        rows.append(
            {
                "definition": name,
                "cutoff": cutoff.date().isoformat(),
                "customers": len(flag),
                "flagged": int(flag.sum()),
                "flagged_share": float(flag.mean()) if len(flag) else math.nan,
                "precision": tp / flag.sum() if flag.sum() else math.nan,
                "recall": tp / label.sum() if label.sum() else math.nan,
                "base_rate": float(label.mean()) if len(label) else math.nan,
            }
        )
    return ChurnTable(pd.DataFrame(rows))
