"""Member tiers and points: rolling spend, thresholds (given or from the data), recorded tiers, upgrades.

Rolling 12 months = [2023-02-01, 2024-02-01); F bought once, in 2023-01, outside it (``tier_tx`` in conftest.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from repurchase import segments as sg
from repurchase.core.errors import AnalysisError, DataError
from repurchase.core.periods import Period

PERIOD = Period.from_label("2024-01")
IDS = pd.Series(list("ABCDEF"))


def test_rolling_spend(tier_tx):
    # 12 months before 2024-02-01: A 180 on 2 days, B 20, C 600 on 3 days, D 10, E 5 on 2 days; F (2023-01) outside
    roll = sg.rolling_spend(tier_tx, PERIOD)
    assert roll.index.tolist() == ["A", "B", "C", "D", "E"]
    assert roll["spend"].tolist() == [180.0, 20.0, 600.0, 10.0, 5.0]
    assert roll["occasions"].tolist() == [2, 1, 3, 1, 2]
    # 3 months (from 2023-11-01): E drops out
    assert sg.rolling_spend(tier_tx, PERIOD, months=3).index.tolist() == ["A", "B", "C", "D"]


def test_member_tiers_simulated_with_thresholds_and_points(tier_tx):
    per, table = sg.member_tiers(tier_tx, IDS, PERIOD, thresholds=[100, 500], points_per_100=[1, 2, 3])
    per = per.set_index("customer_id")
    # 12-month spend: A 180, B 20, C 600, D 10, E 5, F 0 -> gold, normal, diamond, normal, normal, normal
    assert per["spend_12m"].tolist() == [180.0, 20.0, 600.0, 10.0, 5.0, 0.0]
    assert per["tier"].astype(str).tolist() == ["gold", "normal", "diamond", "normal", "normal", "normal"]
    assert table["threshold"].tolist() == [0.0, 100.0, 500.0] and set(table["set_from"]) == {"params"}
    # points = spend / 100 x rate: A 1.8 x 2 = 3.6; C 6 x 3 = 18; B 0.2
    assert per["points_12m"].tolist() == pytest.approx([3.6, 0.2, 18.0, 0.1, 0.05, 0.0])
    # points issued in the report month (2024-01 spend): A 180 -> 3.6, B 20 -> 0.2, C 200 -> 6, D/E/F 0
    assert per["points_period"].tolist() == pytest.approx([3.6, 0.2, 6.0, 0.0, 0.0, 0.0])
    # gap to the next tier: A 500-180 = 320, B 80, C top (NaN), D 90, E 95, F 100
    assert per["spend_to_next_tier"].tolist() == pytest.approx([320, 80, np.nan, 90, 95, 100], nan_ok=True)
    assert per.loc["C", "next_tier"] is None

    summary = sg.tier_summary(per.reset_index(), point_value=0.5).set_index("tier")
    assert summary["customers"].tolist() == [4, 1, 1]
    # normal: spend 20+10+5+0 = 35 of 815; buyers in 12 months B, D, E (3), repeaters E (2 occasions) -> 1/3
    assert summary.loc["normal", "revenue_share"] == pytest.approx(35 / 815)
    assert summary.loc["normal", "buyers_12m"] == 3
    assert summary.loc["normal", "repurchase_rate"] == pytest.approx(1 / 3)
    assert summary.loc["normal", "points_outstanding"] == pytest.approx(0.35)
    assert summary.loc["normal", "liability"] == pytest.approx(0.175)
    assert summary.loc["diamond", "repurchase_rate"] == 1.0

    # close to the next tier: gap <= 0.9 x next threshold: B 80 <= 90, D 90 <= 90, A 320 <= 450; E 95 and F 100 are not
    up = sg.upgrade_candidates(per.reset_index(), within=0.9)
    assert up["customer_id"].tolist() == ["B", "D", "A"]
    assert up["next_tier"].tolist() == ["gold", "gold", "diamond"]


def test_tier_thresholds_from_data_and_points_basis(tier_tx):
    # buyers' 12-month spend 5, 10, 20, 180, 600: quantile 0.6 = 20 + 0.4 x 160 = 84; 0.8 = 180 + 0.2 x 420 = 264 -> 260
    per, table = sg.member_tiers(tier_tx, IDS, PERIOD, top_shares=[0.4, 0.2])
    assert table["threshold"].tolist() == [0.0, 84.0, 260.0] and set(table["set_from"]) == {"data"}
    assert per.set_index("customer_id")["tier"].astype(str).tolist() == [
        "gold",
        "normal",
        "diamond",
        "normal",
        "normal",
        "normal",
    ]
    # points basis, base rate 1 per 100: thresholds 1 and 5 points = 100 and 500 spent
    per_p, _ = sg.member_tiers(tier_tx, IDS, PERIOD, basis="points", thresholds=[1, 5])
    per_p = per_p.set_index("customer_id")
    assert per_p["tier"].astype(str).tolist() == ["gold", "normal", "diamond", "normal", "normal", "normal"]
    assert per_p.loc["B", "spend_to_next_tier"] == pytest.approx(80.0)  # (1 - 0.2) points x 100


def test_member_tiers_from_customers_source(tier_tx):
    customers = pd.DataFrame({"customer_id": ["A", "B", "C", "E"], "tier": ["Gold ", "钻石", None, "普通"]})
    per, _ = sg.member_tiers(
        tier_tx,
        IDS,
        PERIOD,
        customers=customers,
        thresholds=[100, 500],
        aliases={"钻石": "diamond", "普通": "normal"},
    )
    per = per.set_index("customer_id")
    # A 'Gold ' -> gold (trimmed, case-insensitive); B 钻石 -> diamond; C blank and D, F missing -> normal
    assert per["tier"].astype(str).tolist() == ["gold", "diamond", "normal", "normal", "normal", "normal"]
    assert per.loc["A", "tier_source"] == "customers"
    assert per.loc["C", "tier_source"] == "customers (blank: lowest tier)"
    # B: recorded diamond at 3 points per 100 on 20 spent = 0.6
    assert per.loc["B", "points_12m"] == pytest.approx(0.6)
    # simulated ignores the column
    sim, _ = sg.member_tiers(tier_tx, IDS, PERIOD, customers=customers, source="simulated", thresholds=[100, 500])
    assert sim.set_index("customer_id").loc["B", "tier"] == "normal"


def test_member_tiers_errors(tier_tx):
    bad = pd.DataFrame({"customer_id": ["A", "B"], "tier": ["VIP", "gold"]})
    with pytest.raises(
        DataError, match=r"tier labels 'VIP' \(1 customers\) are not in segmentation.tier_names .*tier_aliases"
    ):
        sg.member_tiers(tier_tx, IDS, PERIOD, customers=bad)
    with pytest.raises(
        DataError, match=r"tier_source is customers, but there is no customers source with a tier column"
    ):
        sg.member_tiers(tier_tx, IDS, PERIOD, source="customers")


def test_tier_thresholds_with_too_few_buyers():
    names, rates = ["normal", "gold", "diamond"], [1, 2, 3]
    # one buyer spending 10: the 80% and 96% quantiles are both 10; diamond would not exceed gold -> unreachable
    one = sg.tier_thresholds(pd.Series([10.0]), names, rates)
    assert one["threshold"].tolist() == [0.0, 10.0, np.inf]
    none = sg.tier_thresholds(pd.Series([], dtype=float), names, rates)
    assert none["threshold"].tolist() == [0.0, np.inf, np.inf]


def test_member_tier_settings_that_do_not_fit_are_errors(tier_tx):
    with pytest.raises(AnalysisError, match=r"must describe the same tiers"):
        sg.member_tiers(tier_tx, IDS, PERIOD, thresholds=[100])
    with pytest.raises(AnalysisError, match=r"tier_basis points needs a positive first points_per_100"):
        sg.member_tiers(tier_tx, IDS, PERIOD, basis="points", points_per_100=[0, 2, 3])
