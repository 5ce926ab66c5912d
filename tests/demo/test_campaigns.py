"""The planted campaign tests: who is eligible, the split as planted, extra purchases only for the treated."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd

from repurchase.demo.campaigns import DEMO_CAMPAIGNS, plant_campaigns
from repurchase.demo.common import day_of


def _orders(n=30_000, seed=1):
    rng = np.random.default_rng(seed)
    return np.arange(n), rng.uniform(0, day_of(DEMO_CAMPAIGNS[-1].assigned), n)  # one purchase each


def test_the_campaigns_are_planted_as_specified():
    o_cust, o_t = _orders()
    planted = plant_campaigns(np.random.default_rng(5), o_cust, o_t, o_cust.size)
    a = planted.assignments
    for plan in DEMO_CAMPAIGNS:
        rows = a[a["campaign"] == plan.name]
        since = day_of(plan.assigned) - o_t[rows["cust"].to_numpy()]
        assert len(rows) == plan.size and rows["cust"].is_unique
        assert ((since >= plan.recency[0]) & (since < plan.recency[1])).all()
        share = (rows["group"] == "treatment").mean()
        assert abs(share - (0.5 + plan.moved_share)) < 0.03
        assert planted.truth[plan.name]["treatment_share"] == round(float(share), 4)
        assert (rows.loc[rows["group"] == "control", "cost"] == 0).all()
    perk = a[a["campaign"] == "member_perk"]
    recent = day_of(DEMO_CAMPAIGNS[2].assigned) - o_t[perk["cust"].to_numpy()] < 30
    by_recency = perk.assign(recent=recent).groupby("recent")["group"].apply(lambda g: (g == "treatment").mean())
    assert by_recency[True] > by_recency[False] + 0.15  # the broken split favours recent buyers
    win = DEMO_CAMPAIGNS[0]
    treated = set(a.loc[(a["campaign"] == win.name) & (a["group"] == "treatment"), "cust"])
    assert set(planted.extra_cust) <= treated
    assert abs(planted.extra_cust.size / len(treated) - win.extra_purchase) < 0.02
    day = day_of(win.assigned)
    assert ((planted.extra_t >= day) & (planted.extra_t < day + 28)).all()


def test_the_campaigns_file_of_demo_online(kit: ModuleType, demo: Path):
    cp = pd.read_csv(demo / "online" / "campaigns.csv", dtype=str)
    assert list(cp.columns) == ["member_id", "campaign", "group", "sent_at", "channel", "cost_per_contact"]
    assert cp.duplicated().sum() == 3
    assert set(cp["campaign"]) == {p.name for p in DEMO_CAMPAIGNS} and set(cp["group"]) == {"treatment", "control"}
    truth = kit.manifest(demo, "online")["campaigns"]
    assert truth["member_perk"]["treatment_share"] > 0.54 and truth["winback_coupon"]["extra_purchase"] == 0.08
    members = pd.read_csv(demo / "online" / "customers.csv", usecols=["member_id"], dtype=str)["member_id"]
    assert cp["member_id"].isin(members).all()
    assert not (demo / "stores" / "campaigns.csv").exists()
