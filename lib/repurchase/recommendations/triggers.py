"""Trigger lists for the coming window: who to contact, why, and one contact per customer.

As of the report's last day ``E``, for the window ``(E, E + days]``:

* **win-back**: customers the churn report flags at risk (its churn probability
  at or above ``churn.at_risk_probability``) who will pass the inactivity
  threshold θ of the churn definition during the window — before they lapse;
* **replenishment**: customers whose expected next purchase (last purchase +
  their cycle) falls in the window. The cycle is the customer's own median gap
  with three or more occasions, else the Kaplan–Meier median gap of the category
  of their last purchase (the repurchase report's purchase cycle). Customers whose
  next purchase is due after the window (still inside their normal cycle) are
  never listed, nor are overdue ones (they are win-back's);
* **second purchase**: one-time buyers reaching, in the window, the day by which
  half of the second purchases happen (the repurchase report's time-to-second-
  purchase curve);
* **birthday**: customers whose birthday (``birth_date`` of the customers
  source, when mapped) falls in the window;
* **anniversary**: customers whose first purchase was one or more whole years
  before a day of the window.

A customer in several lists is contacted once, for the first list in
:data:`PRIORITY`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["PRIORITY", "apply_priority", "personal_cycle", "second_purchase_day", "trigger_lists", "trigger_summary"]

#: The lists, in priority order (one contact per customer: the first list that holds them).
PRIORITY: tuple[str, ...] = ("win_back", "replenishment", "second_purchase", "birthday", "anniversary")


def _occasion_dates(events: pd.DataFrame) -> pd.DataFrame:
    """One row per (customer, occasion) with its day, chronological within each customer."""
    occ = events.groupby(["customer", "occasion"], sort=False, as_index=False)["date"].min()
    return occ.sort_values(["customer", "date"], kind="stable")


def second_purchase_day(time_to_second: pd.DataFrame | None) -> float | None:
    """The day by which half of the second purchases seen on the time-to-second-purchase curve have happened.

    ``time_to_second`` is the repurchase report's curve (``time``, ``repurchased``, optionally ``group``;
    the ``all`` group is read). None when nobody bought a second time.
    """
    if time_to_second is None or time_to_second.empty:
        return None
    curve = time_to_second[time_to_second["group"] == "all"] if "group" in time_to_second else time_to_second
    final = float(curve["repurchased"].max())
    if not final > 0:
        return None
    return float(curve.loc[curve["repurchased"] >= final / 2, "time"].min())


def personal_cycle(
    occ: pd.DataFrame, last_category: pd.Series, category_cycle: pd.Series, *, min_occasions: int = 3
) -> pd.DataFrame:
    """Each customer's cycle in days and where it comes from (``own`` or ``category``).

    Parameters
    ----------
    occ
        :func:`_occasion_dates` rows (``customer``, ``date``).
    last_category
        Category of each customer's last purchase, indexed by customer code.
    category_cycle
        Kaplan–Meier median gap by category, with an ``all`` entry as the fallback.
    """
    gaps = occ.groupby("customer")["date"].diff().dt.days
    per = pd.DataFrame({"customer": occ["customer"].to_numpy(), "gap": gaps.to_numpy()})
    g = per.groupby("customer")
    out = pd.DataFrame({"occasions": g.size(), "own_median": g["gap"].median()})
    out["last_date"] = occ.groupby("customer")["date"].max()
    out["first_date"] = occ.groupby("customer")["date"].min()
    fallback = float(category_cycle.get("all", np.nan))
    cat = last_category.reindex(out.index).map(category_cycle).astype(float).fillna(fallback)
    own = out["occasions"] >= min_occasions
    out["cycle_days"] = np.where(own, out["own_median"], cat)
    out["cycle_source"] = np.where(own, "own", "category")
    return out


def trigger_lists(
    occ: pd.DataFrame,
    cycles: pd.DataFrame,
    *,
    end: pd.Timestamp,
    days: int,
    at_risk: pd.Index,
    churn_threshold_days: float | None,
    second_purchase_day: float | None,
    birth_dates: pd.Series | None = None,
) -> pd.DataFrame:
    """Every (customer, list) pair of the window, before the priority rule.

    Returns
    -------
    DataFrame
        ``customer`` (code), ``list``, ``due`` (the day in the window), ``reason_days``
        (the cycle, θ or the day used).
    """
    end = pd.Timestamp(end).normalize()
    stop = end + pd.Timedelta(days=days)
    last = cycles["last_date"]
    frames = []
    # the due day: last purchase + the cycle, on whole days (a cycle of 32.5 days falls due on day 32)
    due = (last + pd.to_timedelta(cycles["cycle_days"].fillna(np.inf).clip(upper=1e5), unit="D")).dt.floor("D")
    rep = cycles.index[(due > end) & (due <= stop) & cycles["cycle_days"].notna()]
    frames.append(
        pd.DataFrame(
            {
                "customer": rep,
                "list": "replenishment",
                "due": due[rep].to_numpy(),
                "reason_days": cycles.loc[rep, "cycle_days"].to_numpy(),
            }
        )
    )
    if churn_threshold_days is not None and len(at_risk):
        cross = last + pd.Timedelta(days=float(churn_threshold_days))
        wb = cycles.index[cycles.index.isin(at_risk) & (cross > end) & (cross <= stop)]
        frames.append(
            pd.DataFrame(
                {
                    "customer": wb,
                    "list": "win_back",
                    "due": cross[wb].to_numpy(),
                    "reason_days": float(churn_threshold_days),
                }
            )
        )
    if second_purchase_day is not None:
        at = cycles["first_date"] + pd.Timedelta(days=float(second_purchase_day))
        sp2 = cycles.index[(cycles["occasions"] == 1) & (at > end) & (at <= stop)]
        frames.append(
            pd.DataFrame(
                {
                    "customer": sp2,
                    "list": "second_purchase",
                    "due": at[sp2].to_numpy(),
                    "reason_days": float(second_purchase_day),
                }
            )
        )
    first = cycles["first_date"]
    born = pd.to_datetime(birth_dates, errors="coerce").dropna() if birth_dates is not None else None
    for offset in range(1, days + 1):  # the days of the window, not the customers
        day = end + pd.Timedelta(days=offset)
        if born is not None:
            bd = born.index[((born.dt.month == day.month) & (born.dt.day == day.day)).to_numpy()]
            frames.append(pd.DataFrame({"customer": bd, "list": "birthday", "due": day, "reason_days": 0.0}))
        hit = (first.dt.month == day.month) & (first.dt.day == day.day) & (first.dt.year < day.year)
        an = cycles.index[hit.to_numpy()]
        frames.append(
            pd.DataFrame(
                {"customer": an, "list": "anniversary", "due": day, "reason_days": day.year - first[an].dt.year}
            )
        )
    return pd.concat(frames, ignore_index=True)


def apply_priority(pairs: pd.DataFrame, priority: tuple[str, ...] = PRIORITY) -> pd.DataFrame:
    """One row per customer: the first list of ``priority`` that holds them."""
    rank = pairs["list"].map({name: i for i, name in enumerate(priority)})
    return (
        pairs.assign(_r=rank).sort_values(["_r", "due"], kind="stable").drop_duplicates("customer").drop(columns="_r")
    )


def trigger_summary(pairs: pd.DataFrame, chosen: pd.DataFrame, value: pd.Series) -> pd.DataFrame:
    """Per list: customers matching, contacted after the priority rule, and their summed value (CLV)."""
    rows = []
    for name in PRIORITY:
        got = chosen[chosen["list"] == name]
        rows.append(
            {
                "list": name,
                "matching": int((pairs["list"] == name).sum()),
                "contacts": len(got),
                "value": float(value.reindex(got["customer"]).fillna(0.0).sum()),
            }
        )
    return pd.DataFrame(rows)
