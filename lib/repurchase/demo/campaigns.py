"""Three planted campaign tests: a win-back coupon that works, a newsletter that does not, a broken split.

:func:`plant_campaigns` picks each campaign's eligible customers from the
simulated purchases at its assignment day, splits them into treatment and
control, and returns the extra purchases the campaign causes (only the win-back
coupon causes any). It draws from its own stream, so the campaigns do not move
the other random draws of a client, only the rows the extra orders add.

The known truths (:data:`DEMO_CAMPAIGNS`):

``winback_coupon``
    Lapsed customers (last purchase 90-365 days before). A treated customer
    makes one extra purchase within the first 28 days with probability
    :attr:`CampaignPlan.extra_purchase`; the uplift of the 30-day repurchase
    rate is that times the control group's share that would not have bought.
``newsletter``
    Customers who bought within the last year; no effect.
``member_perk``
    Planned 50/50, delivered about 56/44: recent buyers (last 30 days) in the
    control group were moved to treatment, so the split fails the
    sample-ratio check and the naive difference favours treatment without any
    real effect.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from repurchase.demo.common import day_of

__all__ = ["DEMO_CAMPAIGNS", "CampaignPlan", "PlantedCampaigns", "plant_campaigns"]


@dataclass(frozen=True)
class CampaignPlan:
    """One planted campaign.

    Attributes
    ----------
    name, channel
        Campaign name and contact channel written to the file.
    assigned
        Assignment day.
    recency
        Eligible customers' days since their last purchase: ``[low, high)``.
    size
        Customers assigned (fewer when fewer are eligible).
    extra_purchase
        Probability that a treated customer makes one extra purchase in the
        first 28 days (0: no effect).
    moved_share
        Share of all assigned customers moved from control to treatment, taken
        among recent buyers (0: a sound split).
    cost
        Cost per treated contact.
    """

    name: str
    channel: str
    assigned: dt.date
    recency: tuple[int, int]
    size: int
    extra_purchase: float = 0.0
    moved_share: float = 0.0
    cost: float = 0.0


#: The demo campaigns and their known truths.
DEMO_CAMPAIGNS = (
    CampaignPlan("winback_coupon", "sms", dt.date(2026, 4, 13), (90, 365), 4000, extra_purchase=0.08, cost=5.0),
    CampaignPlan("newsletter", "email", dt.date(2026, 7, 6), (0, 365), 6000, cost=0.1),
    CampaignPlan("member_perk", "app_push", dt.date(2026, 9, 7), (0, 365), 5000, moved_share=0.06, cost=2.0),
)


@dataclass
class PlantedCampaigns:
    """The assignments and the extra purchases they caused.

    Attributes
    ----------
    assignments
        ``cust`` (customer index), ``campaign``, ``group`` (treatment / control),
        ``assigned_day`` (days since the start of the history), ``channel``, ``cost``.
    extra_cust, extra_t
        Customer index and time (days) of each extra purchase.
    truth
        Per campaign: ``assigned``, ``customers``, ``treatment_share``,
        ``extra_purchase`` and the ``moved`` customers (for the manifest).
    """

    assignments: pd.DataFrame
    extra_cust: np.ndarray
    extra_t: np.ndarray
    truth: dict


def _last_before(o_cust: np.ndarray, o_t: np.ndarray, n: int, day: float) -> np.ndarray:
    """Each customer's last purchase time before ``day`` (NaN without one)."""
    last = np.full(n, -np.inf)
    before = o_t < day
    np.maximum.at(last, o_cust[before], o_t[before])
    return np.where(np.isfinite(last), last, np.nan)


def plant_campaigns(
    rng: np.random.Generator,
    o_cust: np.ndarray,
    o_t: np.ndarray,
    n_customers: int,
    plans: tuple[CampaignPlan, ...] = DEMO_CAMPAIGNS,
) -> PlantedCampaigns:
    """Assign the campaigns' customers and draw the extra purchases of treated customers.

    Parameters
    ----------
    rng
        The campaigns' own random stream.
    o_cust, o_t
        Customer index and time (days since the start of the history) of every order.
    n_customers
        Buyers.
    plans
        The campaigns to plant.
    """
    frames, extra_c, extra_t, truth = [], [], [], {}
    for plan in plans:
        day = float(day_of(plan.assigned))
        since = day - _last_before(o_cust, o_t, n_customers, day)
        eligible = np.flatnonzero((since >= plan.recency[0]) & (since < plan.recency[1]))
        chosen = np.sort(rng.choice(eligible, min(plan.size, eligible.size), replace=False))
        treated = rng.random(chosen.size) < 0.5
        moved = 0
        if plan.moved_share:
            recent = np.flatnonzero(~treated & (since[chosen] < 30))
            moved = min(recent.size, round(plan.moved_share * chosen.size))
            treated[rng.choice(recent, moved, replace=False)] = True
        if plan.extra_purchase:
            buys = treated & (rng.random(chosen.size) < plan.extra_purchase)
            extra_c.append(chosen[buys])
            extra_t.append(day + rng.uniform(0.1, 28.0, int(buys.sum())))
        frames.append(
            pd.DataFrame(
                {
                    "cust": chosen,
                    "campaign": plan.name,
                    "group": np.where(treated, "treatment", "control"),
                    "assigned_day": int(day),
                    "channel": plan.channel,
                    "cost": np.where(treated, plan.cost, 0.0),
                }
            )
        )
        truth[plan.name] = {
            "assigned": plan.assigned.isoformat(),
            "customers": int(chosen.size),
            "treatment_share": round(float(treated.mean()), 4),
            "extra_purchase": plan.extra_purchase,
            "moved_to_treatment": int(moved),
        }
    return PlantedCampaigns(
        assignments=pd.concat(frames, ignore_index=True),
        extra_cust=np.concatenate(extra_c) if extra_c else np.zeros(0, np.int64),
        extra_t=np.concatenate(extra_t) if extra_t else np.zeros(0),
        truth=truth,
    )
