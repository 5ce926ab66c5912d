"""RFM: recency, frequency and monetary value per customer, their scores, FM, segments and the segment table.

* **Occasion**: :mod:`repurchase.core.occasions` (a customer-day, or an order).
* **Recency (R)**: days from the customer's last occasion to the last day of the
  observation (``as_of.end``; a purchase on that day has recency 0).
* **Frequency (F)**: occasions in the reference window (all history, or the last
  N months).
* **Monetary (M)**: total spend in the window, or spend per occasion.
* **Scores**: ``bins`` equal-sized groups by rank (see :func:`score`). F is ranked
  with ``method="first"`` (customers ordered by ID), R and M with
  ``method="average"``; R is ranked on ``-recency`` (recent means high).
* **FM**: ``round((F + M) / 2)`` with halves rounded **up**, exactly ``(F + M + 1) // 2``.

Segments come from a rule table (:mod:`repurchase.core.schemes`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from repurchase.core.errors import AnalysisError
from repurchase.core.occasions import assign_occasions
from repurchase.core.periods import Window
from repurchase.core.schemes import SegmentScheme, segment_label
from repurchase.segments.labels import recommended_action

__all__ = [
    "assign_segments",
    "customer_activity",
    "fm_score",
    "observation",
    "rfm_scores",
    "score",
    "segment_summary",
]


def observation(as_of: Window | pd.Timestamp, months: int | None = None) -> Window:
    """The window of an "as of" date: everything before its end, or only the last ``months`` months.

    Parameters
    ----------
    as_of
        A :class:`~repurchase.core.periods.Window` or
        :class:`~repurchase.core.periods.Period` (only its end counts: scores as of
        the report month are scores as of its last day), or a day boundary
        (00:00), read as the exclusive end.
    months
        Only the ``months`` calendar months before the end; all history when None.

    Returns
    -------
    Window
        Ending (exclusively) where ``as_of`` ends; starting ``months`` months
        earlier, or open.
    """
    end = as_of.end_exclusive if isinstance(as_of, Window) else as_of
    window = Window.ending(end)
    if months:
        return Window.ending(window.end_exclusive, window.end_exclusive - pd.DateOffset(months=months))
    return window


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
    """``round((F + M) / 2)`` with halves rounded up (2.5 -> 3, 4.5 -> 5), exactly: ``(F + M + 1) // 2``.

    Parameters
    ----------
    f, m
        F and M scores.

    Returns
    -------
    pandas.Series
        The FM score.
    """
    return (f + m + 1) // 2


def customer_activity(
    tx: pd.DataFrame,
    window: Window,
    *,
    occasion: str = "customer_day",
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
    order_col: str = "order_id",
) -> pd.DataFrame:
    """Last purchase day, occasions and spend per customer in a window.

    Parameters
    ----------
    tx
        Cleaned transactions.
    window
        Rows inside it count (:meth:`Window.contains`).
    occasion
        ``customer_day`` or ``order`` (:func:`repurchase.core.occasions.assign_occasions`).

    Returns
    -------
    pandas.DataFrame
        Indexed by customer ID (sorted), customers with a row in the window only:
        ``last_date`` (day of the last line, 00:00), ``frequency`` (occasions) and
        ``spend`` (summed amount).
    """
    rows = tx.loc[window.contains(tx[date_col])]
    ids = assign_occasions(rows, occasion, customer_col=customer_col, order_col=order_col, date_col=date_col)
    first = np.unique(ids.to_numpy(), return_index=True)[1]
    frequency = pd.Series(rows[customer_col].to_numpy()[first]).value_counts(sort=False).sort_index()
    out = pd.DataFrame({"frequency": frequency.astype(np.int64)})
    by = rows.groupby(customer_col, sort=True, observed=True)
    out["last_date"] = by[date_col].max().reindex(out.index).dt.normalize()
    out["spend"] = rows.groupby(customer_col, sort=True)[amount_col].sum().reindex(out.index).fillna(0.0).astype(float)
    return out.rename_axis(customer_col)[["last_date", "frequency", "spend"]]


def rfm_scores(
    tx: pd.DataFrame,
    as_of: Window | pd.Timestamp,
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
    """RFM values and scores per customer as of the end of ``as_of``.

    Parameters
    ----------
    tx
        Cleaned transactions (rows on or after the end of ``as_of`` are ignored).
    as_of
        The report :class:`~repurchase.core.periods.Period` (or any
        :class:`~repurchase.core.periods.Window`): scores as of its last day,
        from the rows before its exclusive end; its start is not used (see
        ``reference_months``). A day boundary (00:00) is read as the exclusive end.
    bins
        Score bins.
    monetary
        ``total`` spend in the window, or ``average`` spend per occasion.
    reference_months
        Only occasions in the last N months before the end count; customers
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
    window = observation(as_of, reference_months)
    out = customer_activity(
        tx,
        window,
        occasion=occasion,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        order_col=order_col,
    )
    out["recency_days"] = (window.end - out["last_date"]).dt.days.astype(np.int64)
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

    Parameters
    ----------
    rfm
        :func:`rfm_scores` output (or the columns the scheme reads).
    scheme
        The rule table.
    split
        ``mean`` or ``median``: the centre of a split scheme.

    Returns
    -------
    pandas.Series
        Categorical in the scheme's segment order, same index as ``rfm``.
    """
    if scheme.is_split:
        if split not in ("mean", "median"):
            raise AnalysisError(f"segmentation.cn8_split must be mean or median, got {split!r}")

        def centre(s: pd.Series) -> float:
            return float(getattr(s, split)())

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
            f"scheme {scheme.name}: scores {sorted(int(c) for c in code[seg.isna()].unique())[:5]} fall outside the rule table; "
            "check segmentation.rfm_bins against the table"
        )
    return pd.Series(pd.Categorical(seg, categories=scheme.segments), index=rfm.index, name="segment")


def segment_summary(
    rfm: pd.DataFrame, scheme: SegmentScheme, *, language: str = "en", actions: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Size, value and action of each segment (every segment of the scheme, in order).

    Revenue is total spend in the window (``spend``), whatever ``monetary`` is.

    Parameters
    ----------
    rfm
        :func:`rfm_scores` output with a ``segment`` column.
    scheme
        The rule table (its segment order).
    language
        Report language of ``label`` and ``action``.
    actions
        ``segmentation.actions`` (overrides of the recommended actions).

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
