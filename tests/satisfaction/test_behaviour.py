"""Responses joined to purchases: prior frequency, repurchase and churn after the response, group differences."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from repurchase import satisfaction as sat
from repurchase.core.periods import Window
from repurchase.core.tiers import frequency_tiers


@pytest.fixture()
def tiny_history():
    t = pd.Timestamp
    tx = pd.DataFrame(
        {
            "customer_id": ["A", "A", "A", "A", "B", "C"],
            "order_id": ["a1", "a2", "a3", "a4", "b1", "c1"],
            "order_date": [
                t("2026-01-01 10:00"),
                t("2026-01-01 15:00"),
                t("2026-01-05 09:00"),
                t("2026-01-20 12:00"),
                t("2026-01-02 08:00"),
                t("2026-01-03 08:00"),
            ],
            "amount": [10.0, 5.0, 20.0, 7.0, 50.0, 30.0],
            "channel": ["app", "app", "web", "app", "web", "app"],
        }
    )
    sv = pd.DataFrame(
        {
            "customer_id": ["A", "B", "C", "D"],
            "response_date": [t("2026-01-06"), t("2026-01-04"), t("2026-03-25"), t("2026-01-10")],
            "nps": [9.0, 3.0, 5.0, 8.0],
        }
    )
    cu = pd.DataFrame({"customer_id": ["A", "B"], "tier": ["gold", "normal"]})
    return tx, sv, cu


def test_enrich_counts_only_purchases_before_and_after_the_response(tiny_history):
    tx, sv, cu = tiny_history
    e = sat.enrich_responses(sv, tx, cu).set_index("customer_id")
    # A: two lines on Jan 1 = one occasion, Jan 5 another -> 2 prior occasions, spend 10 + 5 + 20 = 35;
    #    next purchase Jan 20 12:00, 14.5 days after the response; channel of the last line before it: web
    assert e.loc["A", "prior_occasions"] == 2 and e.loc["A", "prior_spend"] == 35.0
    assert e.loc["A", "days_to_next"] == pytest.approx(14.5)
    assert e.loc["A", "channel"] == "web" and e.loc["A", "tier"] == "gold"
    labels = sat.frequency_tier_labels()
    assert labels[e.loc["A", "frequency_tier"]] == "occasional (2–3)"
    # B bought once before answering and never after
    assert e.loc["B", "prior_occasions"] == 1 and pd.isna(e.loc["B", "next_purchase"])
    assert labels[e.loc["B", "frequency_tier"]] == "one-time (1)"
    # D never bought
    assert e.loc["D", "prior_occasions"] == 0 and labels[e.loc["D", "frequency_tier"]] == "none before (0)"
    assert pd.isna(e.loc["D", "tier"])
    assert e["nps_group"].astype(str).to_dict() == {"A": "promoter", "B": "detractor", "C": "detractor", "D": "passive"}


def test_enrich_honours_the_occasion_definition(tiny_history):
    tx, sv, cu = tiny_history
    # by order, A's two orders on Jan 1 are two occasions: 3 before the response, the high tier
    e = sat.enrich_responses(sv, tx, cu, occasion="order").set_index("customer_id")
    assert e.loc["A", "prior_occasions"] == 3 and e.loc["A", "frequency_tier"] == "occasional"
    high = sat.enrich_responses(sv, tx, cu, occasion="order", frequency_tiers={"high": 3, "occasional": 2})
    assert high.set_index("customer_id").loc["A", "frequency_tier"] == "high"
    # the spend and the next purchase are line-level either way
    assert e.loc["A", "prior_spend"] == 35.0 and e.loc["A", "days_to_next"] == pytest.approx(14.5)


def test_prior_frequency_tiers_follow_the_core_rule():
    occ = pd.Series([0, 1, 2, 3, 4, 7, 12])
    for thresholds in (None, {"loyal": 5, "regular": 2}, {"vip": 10, "high": 4, "occasional": 2}):
        codes = sat.prior_frequency_tier(occ, thresholds)
        core = frequency_tiers(occ, thresholds).astype(str)
        # the same tier as segmentation and churn for anyone who bought before; 0 occasions apart
        assert codes.astype(str).where(occ > 0, core).tolist() == core.tolist()
        assert codes.astype(str)[occ == 0].tolist() == [sat.NONE_BEFORE]
        assert codes.cat.ordered and list(codes.cat.categories[:2]) == [sat.NONE_BEFORE, "one-time"]
    assert list(sat.prior_frequency_tier(occ).cat.categories) == ["none", "one-time", "occasional", "high"]


def test_repurchase_counts_only_fully_observed_responses(tiny_history):
    tx, sv, cu = tiny_history
    e = sat.enrich_responses(sv, tx, cu)
    # period end 2026-04-01, N = 30 days: C answered on Mar 25 -> not observed for 30 days, left out of the rate
    until = Window.ending("2026-04-01")
    rates = sat.repurchase_after_response(e, until, 30).set_index("nps_group")
    assert rates.loc["promoter", ["observed", "repurchased"]].tolist() == [1, 1]  # A bought 14.5 days later
    assert rates.loc["detractor", ["responses", "observed", "repurchased"]].tolist() == [2, 1, 0]  # B observed, C not
    assert rates.loc["detractor", "rate"] == 0.0
    # N = 10 days: A's purchase after 14.5 days does not count
    assert sat.repurchase_after_response(e, until, 10).set_index("nps_group").loc["promoter", "rate"] == 0
    churn = sat.churn_after_response(e, until, 30).set_index("nps_group")
    assert churn.loc["detractor", "churn_rate"] == 1.0 and churn.loc["promoter", "churn_rate"] == 0.0


def test_group_difference_crude_and_standardized_by_hand():
    rates = pd.DataFrame(
        {
            "stratum": ["low", "low", "high", "high"],
            "nps_group": ["detractor", "promoter", "detractor", "promoter"],
            "observed": [100, 50, 50, 100],
            "rate": [0.2, 0.3, 0.6, 0.8],
            "rate_se": [0.04, 0.06, 0.07, 0.04],
        }
    )
    # weights: low 150/300 = .5, high .5; difference = .5 * (.2 - .3) + .5 * (.6 - .8) = -.15
    # SE = sqrt(.25 * (.04^2 + .06^2) + .25 * (.07^2 + .04^2)) = sqrt(.25 * .0052 + .25 * .0065) = .054083
    d = sat.group_difference(rates, stratum_col="stratum").iloc[0]
    assert (d["method"], d["a"], d["b"]) == ("standardized", "detractor", "promoter")
    assert d["difference"] == pytest.approx(-0.15)
    assert d["se"] == pytest.approx(0.054083, abs=1e-6)
    assert (d["observed"], d["strata"]) == (300, 2)
    crude = sat.group_difference(rates[rates["stratum"] == "low"]).iloc[0]
    assert crude["method"] == "crude" and crude["difference"] == pytest.approx(-0.1)
    assert crude["se"] == pytest.approx(math.sqrt(0.04**2 + 0.06**2))


def test_kaplan_meier_censors_at_period_end(tiny_history):
    tx, sv, cu = tiny_history
    e = sat.enrich_responses(sv, tx, cu)
    km = sat.time_to_next_purchase(e, Window.ending("2026-04-01"), max_days=60)
    pro = km[km["group"] == "promoter"].set_index("days")["repurchased"]
    assert pro.loc[14] == 0 and pro.loc[15] == 1  # A bought 14.5 days after answering
    det = km[km["group"] == "detractor"].set_index("days")["repurchased"]
    assert det.max() == 0  # B and C never bought again: censored, not counted as events
    assert set(km["group"]) == {"detractor", "passive", "promoter"}


def test_breakdowns_flag_small_groups_and_do_not_rank_them(nps_sample):
    frame = pd.concat(
        [
            nps_sample(20, 5, 5).assign(channel="app"),
            nps_sample(5, 10, 15).assign(channel="web"),
            nps_sample(3, 0, 0).assign(channel="kiosk"),
        ],
        ignore_index=True,
    )
    b = sat.nps_breakdowns(frame, ["channel", "absent_column"], min_n=10).set_index("group")
    assert b.loc["kiosk", "small_n"] and np.isnan(
        b.loc["kiosk", "rank"]
    )  # 3 answers: flagged, NPS 100 not ranked first
    assert b.loc["app", "rank"] == 1 and b.loc["web", "rank"] == 2
    assert b.loc["app", "nps"] == pytest.approx(50.0)  # (20 - 5) / 30
    assert set(b["dimension"]) == {"channel"}


def test_breakdown_by_prior_frequency_keeps_the_tier_order(nps_sample):
    frame = nps_sample(10, 10, 10)
    frame["frequency_tier"] = sat.prior_frequency_tier(pd.Series(np.tile([5, 0, 2], 10)))
    b = sat.nps_breakdowns(frame, ["frequency_tier"], min_n=5)
    assert b["group"].tolist() == ["none", "occasional", "high"]  # lowest first, codes


def test_prior_strata_bands():
    # default bands: occasions 1, 2, 3-4, 5-9, 10+; days since the last purchase 0-7, 8-30, 31-90, 91-365, 366+
    response = pd.Timestamp("2026-06-15 12:00")
    days = [0, 7, 8, 30, 31, 365, 366, 3]
    frame = pd.DataFrame(
        {
            "prior_occasions": [1, 2, 3, 4, 5, 9, 10, 0],
            "last_purchase": [response - pd.Timedelta(days=d, hours=1) for d in days[:-1]] + [pd.NaT],
            "response_date": response,
        }
    )
    st = sat.prior_strata(frame)
    assert st["occasion_band"].tolist() == ["1", "2", "3–4", "3–4", "5–9", "5–9", "10+", "none"]
    assert st["recency_band"].tolist() == ["0–7", "0–7", "8–30", "8–30", "31–90", "91–365", "366+", "none"]
    assert st["stratum"].iloc[0] == "1 × 0–7" and st["stratum"].iloc[-1] == "none"
    # own bands: occasions 1, 2+ and days 0-14, 15+
    own = sat.prior_strata(frame, [1, 2], [14])
    assert own["stratum"].tolist()[:4] == ["1 × 0–14", "2+ × 0–14", "2+ × 0–14", "2+ × 15+"]


def test_strata_settings_are_validated():
    from pydantic import ValidationError

    from repurchase.core.params import SatisfactionSettings

    s = SatisfactionSettings()
    assert (s.adjust_occasions, s.adjust_recency_days) == ([1, 2, 3, 5, 10], [7, 30, 90, 365])
    with pytest.raises(ValidationError, match=r"adjust_occasions: give increasing whole numbers starting at 1"):
        SatisfactionSettings(adjust_occasions=[2, 5])
    with pytest.raises(ValidationError, match=r"adjust_recency_days: give increasing whole numbers of days"):
        SatisfactionSettings(adjust_recency_days=[30, 7])
