"""RFM: recency, frequency and monetary value per customer, their scores, FM, segments and the segment table.

* **Occasion**: :mod:`repurchase.core.occasions` (a customer-day, or an order).
* **Recency (R)**: days from the customer's last occasion to the last day of the
  observation (``as_of.end``; a purchase on that day has recency 0).
* **Frequency (F)**: occasions in the reference window (all history, or the last
  N months).
* **Monetary (M)**: total spend in the window, or spend per occasion.
* **Scores**: R and M in ``bins`` equal-sized groups by rank (see :func:`score`,
  ``method="average"``: equal values share a score); R is ranked on ``-recency``
  (recent means high). F on fixed, stated thresholds of occasions
  (:func:`frequency_score`; default 1 / 2 / 3–4 / 5–9 / 10+), or on quantiles with
  ties kept together; either way F 1 is exactly the one-time buyers. Customers
  with identical histories always get identical scores: no tie is broken by ID.
* **FM**: ``round((F + M) / 2)`` with halves rounded **up**, exactly ``(F + M + 1) // 2``.

Segments come from a rule table (:mod:`repurchase.core.schemes`), with one-time
buyers placed in the FM 1 column (:func:`assign_segments`, the one-time rule).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from repurchase.core.errors import AnalysisError
from repurchase.core.occasions import assign_occasions
from repurchase.core.params import SegmentationSettings
from repurchase.core.periods import Window
from repurchase.core.schemes import (
    DEFAULT_FREQUENCY_THRESHOLDS,
    ONE_TIME_SCORE,
    SegmentScheme,
    frequency_threshold_problems,
    get_scheme,
    segment_label,
)
from repurchase.segments.labels import recommended_action

__all__ = [
    "assign_segments",
    "customer_activity",
    "fm_score",
    "frequency_score",
    "observation",
    "rfm_scores",
    "score",
    "segment_customers",
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
        ``average``: equal values share a score (every score of the RFM); any
        other ``pandas.Series.rank`` method, e.g. ``first`` (ties broken by
        order), is for comparison only: it gives customers with identical
        histories different scores.
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


def frequency_score(
    frequency: pd.Series,
    bins: int = 5,
    thresholds: Sequence[int] | None = DEFAULT_FREQUENCY_THRESHOLDS,
) -> pd.Series:
    """The F score: occasions on fixed thresholds, or quantiles with ties kept together.

    Parameters
    ----------
    frequency
        Purchase occasions per customer (1 or more).
    bins
        Number of scores.
    thresholds
        Minimum occasions of F 2..bins (``segmentation.frequency_thresholds``;
        default 2, 3, 5, 10: F 1 = 1 occasion, 2 = 2, 3 = 3–4, 4 = 5–9, 5 = 10+).
        None scores quantiles (:func:`score` with equal counts sharing a score),
        then gives the one-time buyers F 1 and everyone else at least F 2.

    Returns
    -------
    pandas.Series
        int64 scores, same index; equal occasions always share a score, and F 1
        is exactly the customers with one occasion.

    Raises
    ------
    AnalysisError
        Thresholds that are not ``bins - 1`` increasing counts from 2.
    """
    counts = frequency.to_numpy()
    if thresholds is None:
        f = score(frequency, bins).to_numpy()
        f = np.where(counts <= 1, ONE_TIME_SCORE, np.maximum(f, ONE_TIME_SCORE + 1))
        return pd.Series(f.astype(np.int64), index=frequency.index)
    problems = frequency_threshold_problems(thresholds, bins)
    if problems:
        raise AnalysisError(f"segmentation.frequency_thresholds {list(thresholds)}: {problems[0]}")
    f = 1 + np.searchsorted(np.asarray(thresholds, dtype=float), counts.astype(float), side="right")
    return pd.Series(f.astype(np.int64), index=frequency.index)


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
    frequency_thresholds: Sequence[int] | None = DEFAULT_FREQUENCY_THRESHOLDS,
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
    frequency_thresholds
        Minimum occasions of F 2..bins (:func:`frequency_score`); None for
        quantiles with ties kept together.

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
    out["F"] = frequency_score(out["frequency"], bins, frequency_thresholds)
    out["M"] = score(out["monetary"], bins)
    out["FM"] = fm_score(out["F"], out["M"])
    return out[["customer_id", "last_date", "recency_days", "frequency", "spend", "monetary", "R", "F", "M", "FM"]]


def assign_segments(rfm: pd.DataFrame, scheme: SegmentScheme, *, split: str = "mean") -> pd.Series:
    """The segment of each customer under a rule table.

    Score schemes read the cell from the scores (``R`` and ``FM``, or ``R``,
    ``F`` and ``M``), with **the one-time rule** (:mod:`repurchase.core.schemes`):
    a customer with one occasion (``frequency`` 1) is placed in the F 1 / FM 1
    column whatever their spend, a customer with more occasions never is (F and
    FM at least 2). Split schemes (cn8) call R high when ``recency_days`` is
    below its mean (or median: ``split``), F high when ``frequency`` is above
    it, M high when ``monetary`` is above it; a value equal to the centre is low.

    Parameters
    ----------
    rfm
        :func:`rfm_scores` output (or the columns the scheme reads, and
        ``frequency``).
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
    else:
        if "frequency" not in rfm.columns:
            raise AnalysisError("assign_segments needs the frequency column: one-time buyers are placed by it")
        one_time = rfm["frequency"].to_numpy() <= 1

        def placed(scores: pd.Series) -> np.ndarray:
            return np.where(one_time, ONE_TIME_SCORE, np.maximum(scores.to_numpy(), ONE_TIME_SCORE + 1))

        if scheme.axes == ("R", "FM"):
            code = rfm["R"] * 10 + placed(rfm["FM"])
        else:
            code = rfm["R"] * 100 + placed(rfm["F"]) * 10 + rfm["M"]
    seg = code.map(scheme.cell_map())
    if seg.isna().any():  # a validated table covers every cell; guard against bins that differ
        raise AnalysisError(
            f"scheme {scheme.name}: scores {sorted(int(c) for c in code[seg.isna()].unique())[:5]} fall outside the rule table; "
            "check segmentation.rfm_bins against the table"
        )
    return pd.Series(pd.Categorical(seg, categories=scheme.segments), index=rfm.index, name="segment")


def segment_customers(
    tx: pd.DataFrame,
    as_of: Window | pd.Timestamp,
    settings: SegmentationSettings | None = None,
    *,
    occasion: str = "customer_day",
    scheme: SegmentScheme | None = None,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
    order_col: str = "order_id",
) -> pd.DataFrame:
    """RFM scores and segment of every customer as of the end of ``as_of``, as ``params.segmentation`` says.

    The one call for anyone who needs the segments (the segmentation report, its
    migration, churn by segment): :func:`rfm_scores` with the settings' bins,
    monetary, reference window and frequency scoring, then :func:`assign_segments`.

    Parameters
    ----------
    tx
        Cleaned transactions.
    as_of
        See :func:`rfm_scores`.
    settings
        ``params.segmentation``; defaults when None.
    occasion
        ``params.repurchase.occasion``.
    scheme
        The rule table, when already resolved (default: the settings' scheme).
    customer_col, date_col, amount_col, order_col
        Column names, as in :func:`rfm_scores`.

    Returns
    -------
    pandas.DataFrame
        :func:`rfm_scores` output with a ``segment`` column.
    """
    s = settings if settings is not None else SegmentationSettings()
    scheme = scheme if scheme is not None else get_scheme(s.scheme, s.custom_schemes, s.rfm_bins)
    thresholds = s.frequency_thresholds if s.frequency_scoring == "thresholds" else None
    rfm = rfm_scores(
        tx,
        as_of,
        bins=s.rfm_bins,
        monetary=s.monetary,
        reference_months=s.reference_months,
        occasion=occasion,
        frequency_thresholds=thresholds,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        order_col=order_col,
    )
    rfm["segment"] = assign_segments(rfm, scheme, split=s.cn8_split)
    return rfm


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
