"""Monthly acquisition cohorts: retention and revenue by months since the first purchase."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from repurchase.core.periods import Window
from repurchase.kpis._base import blocks, last_month_index, month_index, month_start, observe

__all__ = ["cohort_matrix", "cohort_notes", "cohort_table"]

_COHORT_COLUMNS = [
    "cohort",
    "age",
    "cohort_size",
    "active",
    "retention",
    "revenue",
    "revenue_per_customer",
    "cum_revenue_per_customer",
    "observable",
]


def cohort_table(occ: pd.DataFrame, window: Window | None = None, *, max_cohorts: int | None = None) -> pd.DataFrame:
    """Monthly acquisition cohorts: retention and revenue by months since acquisition.

    The cohort of a customer is the month of their first occasion. Age 0 is that
    month. Cells the data cannot show yet (cohort month + age after the month of
    the window's last day) are NaN, not 0.

    Parameters
    ----------
    occ
        :func:`~repurchase.core.occasions.purchase_occasions` output.
    window
        The observation (the report period, or ``Window.ending(cutoff)``).
    max_cohorts
        Keep only the latest cohorts (e.g. 24); all by default.

    Returns
    -------
    DataFrame
        ``cohort`` (first day of the month), ``age`` (months since acquisition),
        ``cohort_size``, ``active`` (customers with an occasion at that age),
        ``retention`` (active ÷ cohort size), ``revenue``, ``revenue_per_customer``,
        ``cum_revenue_per_customer`` (revenue up to that age ÷ cohort size) and
        ``observable``.
    """
    occ, win = observe(occ, window)
    end_idx = last_month_index(win)
    frame = pd.DataFrame(
        {
            "c": blocks(occ)[0],
            "m": month_index(occ["occasion_date"]),
            "f": month_index(occ["first_date"]),
            "amount": occ["amount"].to_numpy(),
        }
    )
    cm = frame.groupby(["c", "m"], sort=False).agg(f=("f", "first"), amount=("amount", "sum")).reset_index()
    cm["age"] = cm["m"] - cm["f"]
    per = cm.groupby(["f", "age"]).agg(active=("c", "size"), revenue=("amount", "sum"))
    sizes = cm[cm["age"] == 0].groupby("f").size()
    cohorts = sizes.index.to_numpy()
    if max_cohorts is not None:
        cohorts = cohorts[cohorts > end_idx - max_cohorts]
    if len(cohorts) == 0:
        return pd.DataFrame(columns=_COHORT_COLUMNS)
    max_age = end_idx - int(cohorts.min())
    grid = pd.MultiIndex.from_product([cohorts, np.arange(max_age + 1)], names=["f", "age"])
    out = per.reindex(grid).reset_index()
    out["observable"] = out["f"] + out["age"] <= end_idx
    out["active"] = out["active"].fillna(0).where(out["observable"])
    out["revenue"] = out["revenue"].fillna(0.0).where(out["observable"])
    out["cohort_size"] = sizes.reindex(out["f"]).to_numpy(dtype="int64")
    out["retention"] = out["active"] / out["cohort_size"]
    out["revenue_per_customer"] = out["revenue"] / out["cohort_size"]
    out["cum_revenue_per_customer"] = (out.groupby("f")["revenue"].cumsum() / out["cohort_size"]).where(
        out["observable"]
    )
    out["cohort"] = month_start(out["f"].to_numpy())
    return out[_COHORT_COLUMNS]


def cohort_matrix(cohorts: pd.DataFrame, value: str = "retention") -> pd.DataFrame:
    """A cohort table as a matrix: one row per cohort (``YYYY-MM``), one column per age.

    Unobservable cells stay NaN (blank in the heatmap).
    """
    wide = cohorts.pivot(index="cohort", columns="age", values=value)
    wide.index = pd.DatetimeIndex(wide.index).strftime("%Y-%m")
    wide.index.name = "cohort"
    wide.columns.name = "months since first purchase"
    return wide


def cohort_notes(
    occ: pd.DataFrame,
    window: Window | None = None,
    *,
    reactivation_gap_days: int = 180,
    exported_at: dt.date | None = None,
) -> dict[str, Any]:
    """What to keep in mind when reading the cohort charts.

    Parameters
    ----------
    occ
        :func:`~repurchase.core.occasions.purchase_occasions` output.
    window
        The observation (the report period, or ``Window.ending(cutoff)``).
    reactivation_gap_days
        Cohorts starting less than this many days after the data start are marked.
    exported_at
        The source's export date: it counts as the data end, so a quiet last day
        or two is not read as missing data.

    Returns
    -------
    dict
        ``data_start`` and ``data_end`` (first and last occasion days),
        ``partial_last_month`` (the data stop before the window's last day),
        ``left_censored`` (cohort labels starting less than
        ``reactivation_gap_days`` after the data start: their "new" customers may
        have bought before the data begins) and ``end_month`` (``YYYY-MM`` of the
        window's last day).
    """
    occ, win = observe(occ, window)
    last = win.end
    start = occ["occasion_date"].min()
    data_end = occ["occasion_date"].max()
    months = pd.date_range(start.to_period("M").to_timestamp(), last, freq="MS")
    left = [m.strftime("%Y-%m") for m in months if m < start + pd.Timedelta(days=reactivation_gap_days)]
    observed_to = max(data_end, pd.Timestamp(exported_at)) if exported_at is not None else data_end
    return {
        "data_start": start,
        "data_end": data_end,
        "partial_last_month": bool(observed_to < last),
        "left_censored": left,
        "end_month": last.strftime("%Y-%m"),
    }
