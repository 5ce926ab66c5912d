"""Repurchase KPIs, purchase cycle, cohorts and drivers: hand-computed fixture and CDNOW references.

The fixture (report month 2024-03, end 2024-04-01) has five customers:

* A: same-day orders (two on 2024-03-05), a partial refund on 2024-03-20; first bought 2024-02-10.
* B: first purchase in the period (2024-03-15) and one at 23:59 on 2024-03-31; a row at
  2024-04-01 00:00 lies after the period and must be ignored.
* C: back after a long gap (2023-06-01 -> 2024-03-10, 283 days: reactivated).
* D: bought only in 2024-02 (two lines of one order).
* E: 2023-03-15, 2024-02-05 (327 days later), 2024-03-25.

Customer-day occasions, with the gap since the previous one (days):

    A  2024-02-10 (first)  2024-03-05 (24, orders A2+A3)  2024-03-20 (15)
    B  2024-03-15 (first)  2024-03-31 23:59 (16)
    C  2023-06-01 (first)  2024-03-10 (283)
    D  2024-02-20 (first)
    E  2023-03-15 (first)  2024-02-05 (327)  2024-03-25 (49)
"""

from __future__ import annotations

import importlib.metadata
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import repurchase
from repurchase import kpis as rp
from repurchase.cleaning import datasets
from repurchase.core.errors import AnalysisError
from repurchase.core.params import RepurchaseSettings
from repurchase.core.periods import Period

ROOT = Path(__file__).resolve().parents[1]
PERIOD = Period.from_label("2024-03")
END = PERIOD.end_exclusive  # 2024-04-01 00:00


def _fixture() -> pd.DataFrame:
    rows = [
        # customer, order, time, amount, refund, category, product
        ("A", "A1", "2024-02-10 10:00", 100.0, 0.0, "Coffee", "Beans"),
        ("A", "A2", "2024-03-05 09:00", 50.0, 0.0, "Coffee", "Beans"),
        ("A", "A3", "2024-03-05 18:00", 30.0, 0.0, "Snacks", "Chips"),
        ("A", "A4", "2024-03-20 12:00", 40.0, 10.0, "Coffee", "Capsules"),  # 50 paid, 10 refunded: net 40
        ("B", "B1", "2024-03-15 08:00", 200.0, 0.0, "Phone", "Phone X"),
        ("B", "B2", "2024-03-31 23:59", 20.0, 0.0, "Coffee", "Beans"),
        ("B", "B3", "2024-04-01 00:00", 999.0, 0.0, "Phone", "Phone X"),  # after the period
        ("C", "C1", "2023-06-01 12:00", 60.0, 0.0, "Coffee", "Beans"),
        ("C", "C2", "2024-03-10 12:00", 80.0, 0.0, "Phone", "Case"),
        ("D", "D1", "2024-02-20 12:00", 70.0, 0.0, "Phone", "Case"),
        ("D", "D1", "2024-02-20 12:00", 5.0, 0.0, "Snacks", "Chips"),
        ("E", "E0", "2023-03-15 12:00", 25.0, 0.0, "Coffee", "Beans"),
        ("E", "E1", "2024-02-05 12:00", 25.0, 0.0, "Snacks", "Chips"),
        ("E", "E2", "2024-03-25 12:00", 35.0, 0.0, "Coffee", "Capsules"),
    ]
    tx = pd.DataFrame(
        rows, columns=["customer_id", "order_id", "order_date", "amount", "refund_amount", "category", "product_name"]
    )
    tx["order_date"] = pd.to_datetime(tx["order_date"])
    tx["quantity"] = 1.0
    return tx


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    return _fixture()


@pytest.fixture(scope="module")
def occ(tx) -> pd.DataFrame:
    return rp.purchase_occasions(tx)


@pytest.fixture(scope="module")
def in_period(tx) -> pd.DataFrame:
    return tx[tx["order_date"] < END]


# ---------------------------------------------------------------------------
# occasions


def test_customer_day_occasions(occ):
    a = occ[occ["customer_id"] == "A"]
    # A's two orders on 2024-03-05 are one occasion: 50 + 30 = 80 over 2 orders
    assert a["occasion_date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-02-10", "2024-03-05", "2024-03-20"]
    assert a["amount"].tolist() == [100.0, 80.0, 40.0]
    assert a["orders"].tolist() == [1, 2, 1]
    assert a["refund_amount"].tolist() == [0.0, 0.0, 10.0]
    assert a["occasion_no"].tolist() == [1, 2, 3]
    # gaps: 02-10 -> 03-05 = 19 + 5 = 24 days; 03-05 -> 03-20 = 15
    assert a["days_since_prev"].tolist()[1:] == [24.0, 15.0]
    # D's two lines of one order: one occasion of 70 + 5 = 75
    d = occ[occ["customer_id"] == "D"]
    assert len(d) == 1 and d["amount"].iloc[0] == 75.0 and d["lines"].iloc[0] == 2
    # the 23:59 purchase is dated 2024-03-31 (March)
    b = occ[occ["customer_id"] == "B"]
    assert b["occasion_date"].iloc[1] == pd.Timestamp("2024-03-31")
    assert b["month"].iloc[1] == pd.Timestamp("2024-03-01")
    # C: 2023-06-01 -> 2024-03-10 = 30+31+31+30+31+30+31+31+29+9 = 283 days
    assert occ.loc[occ["customer_id"] == "C", "days_since_prev"].iloc[1] == 283.0
    # 14 rows -> A 3 + B 3 (incl. April) + C 2 + D 1 + E 3 = 12 occasions
    assert len(occ) == 12


def test_order_occasions_split_same_day(tx):
    occ = rp.purchase_occasions(tx, "order")
    a = occ[occ["customer_id"] == "A"]
    # A2 (09:00) and A3 (18:00) are separate occasions; the gap between them is 0 calendar days
    assert len(a) == 4 and a["days_since_prev"].tolist()[1:] == [24.0, 0.0, 15.0]
    # D's two lines share order D1: still one occasion
    assert (occ["customer_id"] == "D").sum() == 1


def test_occasion_errors(tx):
    with pytest.raises(AnalysisError, match="order_id"):
        rp.purchase_occasions(tx.drop(columns="order_id"), "order")
    with pytest.raises(AnalysisError, match="customer_day"):
        rp.assign_occasions(tx, "week")
    with pytest.raises(repurchase.DataError, match="order_date"):
        rp.purchase_occasions(tx.drop(columns="order_date"))


def test_describe_occasion_states_refund_treatment():
    from repurchase.core.params import CleaningSettings

    text = rp.describe_occasion(RepurchaseSettings(), CleaningSettings(refunds="net"))
    assert "distinct customer-day" in text and "netted" in text
    text = rp.describe_occasion(RepurchaseSettings(occasion="order"), CleaningSettings(refunds="exclude"))
    assert "one order" in text and "dropped" in text


# ---------------------------------------------------------------------------
# monthly KPIs


@pytest.fixture(scope="module")
def monthly(occ) -> pd.DataFrame:
    return rp.monthly_kpis(occ, END).set_index("month")


def test_march_kpis_by_hand(monthly):
    m = monthly.loc[pd.Timestamp("2024-03-01")]
    # buyers in March: A, B, C, E (B's April row is after the end) = 4
    assert m["buyers"] == 4
    # new: B (first purchase 03-15) = 1; reactivated: C (283 >= 180) = 1; returning: A (24), E (49) = 2
    assert (m["new_buyers"], m["reactivated_buyers"], m["returning_buyers"]) == (1, 1, 2)
    # occasions: A 2 (03-05, 03-20) + B 2 (03-15, 03-31 23:59) + C 1 + E 1 = 6
    assert m["occasions"] == 6
    # orders: A 3 (A2, A3, A4) + B 2 + C 1 + E 1 = 7
    assert m["orders"] == 7
    # revenue: A 50+30+40 = 120, B 200+20 = 220, C 80, E 35 -> 455
    assert m["revenue"] == pytest.approx(455.0)
    assert m["refund_amount"] == pytest.approx(10.0)
    # AOV (客单价) = 455 / 7 = 65; revenue per buyer (人均消费) = 455 / 4 = 113.75
    assert m["aov"] == pytest.approx(65.0)
    assert m["revenue_per_buyer"] == pytest.approx(113.75)
    # 复购率 by customer: A and B have 2 occasions -> 2 / 4 = 0.5
    assert m["repeat_buyers"] == 2 and m["repurchase_rate_customers"] == pytest.approx(0.5)
    # 复购率 by order: repeat occasions (2-1) + (2-1) = 2 of 6 -> 1/3
    assert m["repeat_occasions"] == 2 and m["repurchase_rate_orders"] == pytest.approx(2 / 6)
    # 回购率: February buyers A, D, E = 3; A and E bought in March -> 2/3
    assert (m["prev_month_buyers"], m["retained_buyers"]) == (3, 2)
    assert m["buyback_rate"] == pytest.approx(2 / 3)
    # second purchases in March: A (24 d), B (16 d), C (283 d) -> median 24
    assert m["second_purchases"] == 3 and m["median_days_to_second_purchase"] == 24.0


def test_other_months_by_hand(monthly):
    feb = monthly.loc[pd.Timestamp("2024-02-01")]
    # February: A (new), D (new), E (327 days since 2023-03-15: reactivated) -> 3 buyers
    assert (feb["buyers"], feb["new_buyers"], feb["reactivated_buyers"], feb["returning_buyers"]) == (3, 2, 1, 0)
    # no January buyers: 回购率 of February is undefined, not 0
    assert monthly.loc[pd.Timestamp("2024-01-01"), "buyers"] == 0
    assert math.isnan(feb["buyback_rate"])
    assert math.isnan(monthly.loc[pd.Timestamp("2024-01-01"), "repurchase_rate_customers"])
    # the first month of the data (2023-03) has no value either
    assert monthly.index[0] == pd.Timestamp("2023-03-01") and math.isnan(monthly["buyback_rate"].iloc[0])
    # the table stops at the end month, whatever lies after it
    assert monthly.index[-1] == pd.Timestamp("2024-03-01")


def test_repeat_orders_alternative(occ):
    m = rp.monthly_kpis(occ, END, repeat_orders="all_of_repeaters").set_index("month").loc[pd.Timestamp("2024-03-01")]
    # every occasion of A (2) and B (2) counts: 4 / 6
    assert m["repurchase_rate_orders"] == pytest.approx(4 / 6)
    with pytest.raises(AnalysisError, match="beyond_first"):
        rp.monthly_kpis(occ, END, repeat_orders="everything")


def test_order_occasions_change_repurchase_by_order(tx):
    occ = rp.purchase_occasions(tx, "order")
    m = rp.monthly_kpis(occ, END).set_index("month").loc[pd.Timestamp("2024-03-01")]
    # occasions: A 3 + B 2 + C 1 + E 1 = 7; repeats: (3-1) + (2-1) = 3 -> 3/7
    assert m["occasions"] == 7 and m["repurchase_rate_orders"] == pytest.approx(3 / 7)
    assert m["repurchase_rate_customers"] == pytest.approx(0.5)


def test_reactivation_gap_is_a_parameter(occ):
    m = rp.monthly_kpis(occ, END, reactivation_gap_days=300).set_index("month")
    # C's 283-day gap is below 300 now: returning; E's 327 days in February is still reactivated
    assert m.loc[pd.Timestamp("2024-03-01"), "reactivated_buyers"] == 0
    assert m.loc[pd.Timestamp("2024-02-01"), "reactivated_buyers"] == 1


def test_n_day_repurchase_counts_only_fully_observed(occ):
    nd = rp.n_day_repurchase(occ, END, (30, 60)).set_index(["window", "month"])
    # last observed day 2024-03-31. February first-timers: A (02-10, second after 24 days), D (02-20, none).
    # 30 days: A observed 50 days, D 40 -> both eligible; A repeated -> 1/2
    feb30 = nd.loc[(30, pd.Timestamp("2024-02-01"))]
    assert (feb30["first_time_buyers"], feb30["eligible"], feb30["repeaters"]) == (2, 2, 1)
    assert feb30["rate"] == pytest.approx(0.5) and feb30["fully_observed"]
    # 60 days: neither observed for 60 days -> no rate (NaN), not 0
    feb60 = nd.loc[(60, pd.Timestamp("2024-02-01"))]
    assert feb60["eligible"] == 0 and math.isnan(feb60["rate"])
    # March: B observed only 16 days -> not eligible even though B bought again
    mar30 = nd.loc[(30, pd.Timestamp("2024-03-01"))]
    assert (mar30["eligible"], mar30["repeaters"]) == (0, 0) and not mar30["fully_observed"]
    # E (2023-03) came back after 327 days: eligible for 30 days, not a repeater
    assert nd.loc[(30, pd.Timestamp("2023-03-01")), "rate"] == 0.0


def test_headline_with_comparisons(occ):
    h = rp.headline_kpis(occ, PERIOD, RepurchaseSettings(n_day_windows=[30, 60])).set_index("kpi")
    assert h.loc["buyers", "value"] == 4 and h.loc["buyers", "prev_period"] == 3
    # same month last year (2023-03): E alone
    assert h.loc["buyers", "prev_year"] == 1
    # counts change relatively: 4 / 3 - 1; rates by difference: 0.5 - 0 (February: nobody bought twice)
    assert h.loc["buyers", "change_prev"] == pytest.approx(1 / 3)
    assert h.loc["buyers", "change_year"] == pytest.approx(3.0)
    assert h.loc["repurchase_rate_customers", "change_prev"] == pytest.approx(0.5)
    # 回购率 in February is undefined (no January buyers), so its change is too
    assert math.isnan(h.loc["buyback_rate", "prev_period"]) and math.isnan(h.loc["buyback_rate", "change_prev"])
    # N-day: 2024-03-31 - 30 days = 03-01, not a month end -> latest fully observed month is 2024-02 (rate 1/2)
    assert h.loc["n_day_repurchase_30", "value"] == pytest.approx(0.5)
    assert h.loc["n_day_repurchase_30", ["basis", "basis_kind"]].tolist() == ["2024-02", "first_time_buyers"]
    # 60 days: 03-31 - 60 = 01-31, a month end -> 2024-01, which has no first-time buyers
    assert h.loc["n_day_repurchase_60", "basis"] == "2024-01"
    assert math.isnan(h.loc["n_day_repurchase_60", "value"])
    # Kaplan-Meier median gap as of 2024-03-31: 49 days (see test_km_by_hand)
    assert h.loc["median_days_between_purchases", "value"] == 49.0
    shown = rp.format_headline(h.reset_index(), "CNY").set_index("KPI")
    # AOV in March: 260 revenue / 4 orders = 65
    assert shown.loc["Average order value", "this month"] == "¥65"
    assert shown.loc["Repurchase rate (customers)", "change"] == "+50.0 pp"
    assert shown.loc["30-day repurchase of first-time buyers", "describes"] == "first-time buyers of Feb 2024"
    assert "4 customers bought (1 new, 2 returning, 1 reactivated)" in rp.describe_headline(h.reset_index())
    # the same table and sentence in Chinese: headers, names, units and months from the zh catalog
    zh = rp.format_headline(h.reset_index(), "CNY", "zh").set_index("指标")
    assert zh.loc["客单价", "本月"] == "¥65" and zh.loc["复购率（按人）", "较上月变化"] == "+50.0 个百分点"
    assert zh.loc["30天复购率（新客）", "对应范围"] == "2024年2月的新客"
    assert zh.loc["购买周期", "本月"] == "49 天"
    assert rp.describe_headline(h.reset_index(), "CNY", "zh").startswith(
        "2024年3月共有 4 位客户购买（新客 1、老客 2、回流客 1）"
    )


def test_metrics_have_every_key_and_a_trend(occ):
    s = RepurchaseSettings(trend_months=3)
    monthly = rp.monthly_kpis(occ, END)
    h = rp.headline_kpis(occ, PERIOD, s, monthly)
    m = rp.repurchase_metrics(h, monthly, PERIOD, settings=s)
    for key in (
        "buyers",
        "repurchase_rate_customers",
        "repurchase_rate_orders",
        "buyback_rate",
        "aov",
        "median_days_between_purchases",
    ):
        assert key in m and f"{key}_prev_period" in m and f"{key}_prev_year" in m
    assert m["buyers"] == 4 and isinstance(m["buyers"], int)
    assert m["buyback_rate_prev_period"] is None  # undefined, not 0
    assert [t["month"] for t in m["trend"]] == ["2024-01", "2024-02", "2024-03"]
    assert m["trend"][-1] == {
        "month": "2024-03",
        "buyers": 4,
        "repurchase_rate_customers": 0.5,
        "buyback_rate": pytest.approx(2 / 3),
        "revenue": 455.0,
        "aov": 65.0,
    }
    assert m["trend"][0]["aov"] is None  # January: no orders


# ---------------------------------------------------------------------------
# Kaplan-Meier and the purchase cycle


def test_gap_durations_censor_the_open_last_gap(occ):
    g = rp.gap_durations(occ, END)
    # B bought at 23:59 on the last day: open gap of 0 days, censored; B's April purchase is ignored
    b = g[g["customer_id"] == "B"]
    assert b["duration"].tolist() == [16.0, 0.0] and b["observed"].tolist() == [True, False]
    # D: 02-20 -> 03-31 = 40 days, censored
    d = g[g["customer_id"] == "D"]
    assert d["duration"].tolist() == [40.0] and not d["observed"].iloc[0]
    # closed: 15, 16, 24, 49, 283, 327; open: 0 (B), 6 (E), 11 (A), 21 (C), 40 (D)
    assert sorted(g.loc[g["observed"], "duration"]) == [15, 16, 24, 49, 283, 327]
    assert sorted(g.loc[~g["observed"], "duration"]) == [0, 6, 11, 21, 40]


def test_km_by_hand(occ):
    g = rp.gap_durations(occ, END)
    curve = rp.kaplan_meier(g["duration"], g["observed"]).set_index("time")
    # 11 gaps. Censored at 0, 6, 11 leave 8 at risk at t=15:  S = 7/8 = 0.875
    # t=16: 7 at risk: S = 0.875 * 6/7 = 0.75;  t=21 censored
    # t=24: 5 at risk: S = 0.75 * 4/5 = 0.6;    t=40 censored
    # t=49: 3 at risk: S = 0.6 * 2/3 = 0.4;  t=283: 0.4 * 1/2 = 0.2;  t=327: 0
    expected = {15: 0.875, 16: 0.75, 24: 0.6, 49: 0.4, 283: 0.2, 327: 0.0}
    for t, s in expected.items():
        assert curve.loc[t, "survival"] == pytest.approx(s)
    assert curve.loc[15, "at_risk"] == 8 and curve.loc[49, "at_risk"] == 3
    q = rp.km_quantiles(curve.reset_index(), (0.5, 0.9)).iloc[0]
    # median: first t with S <= 0.5 -> 49 (the naive median of closed gaps is (24 + 49) / 2 = 36.5)
    # p90: first t with S <= 0.1 -> 327
    assert (q["q50"], q["q90"]) == (49.0, 327.0)
    assert rp.naive_gap_stats(occ, END)["q50"] == 36.5
    # within a 100-day horizon: F(100) = 1 - 0.4 = 0.6. Median: F >= 0.3 first at t=24 (F = 0.4);
    # p90: F >= 0.54 first at t=49 (F = 0.6)
    w = rp.km_quantiles(curve.reset_index(), (0.5, 0.9), horizon_days=100).iloc[0]
    assert w["share_by_horizon"] == pytest.approx(0.6) and (w["q50"], w["q90"]) == (24.0, 49.0)


def test_km_quantile_not_reached_and_exact_hits():
    # 4 subjects: events at 1 and 2, censored at 3 and 4: S(1) = 3/4, S(2) = 3/4 * 2/3 = 0.5 exactly
    curve = rp.kaplan_meier([1, 2, 3, 4], [True, True, False, False])
    q = rp.km_quantiles(curve, (0.5, 0.9)).iloc[0]
    assert q["q50"] == 2.0  # S(2) = 0.5 <= 0.5 (lifelines' convention)
    assert q["q90"] == np.inf  # S never falls to 0.1
    with pytest.raises(AnalysisError, match=">= 0|≥ 0"):
        rp.kaplan_meier([1, -2], [True, True])


def test_km_matches_lifelines_with_groups():
    from lifelines import KaplanMeierFitter

    rng = np.random.default_rng(7)
    n = 400
    durations = rng.integers(0, 120, n).astype(float)
    observed = rng.random(n) < 0.6
    groups = rng.choice(["a", "b"], n)
    curve = rp.kaplan_meier(durations, observed, groups)
    for g in ("a", "b"):
        sel = groups == g
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # lifelines' ApproximationWarning on percentiles
            kmf = KaplanMeierFitter().fit(durations[sel], observed[sel])
            median, p75 = kmf.median_survival_time_, kmf.percentile(0.25)
        ours = curve[curve["group"] == g].set_index("time")["survival"]
        theirs = kmf.survival_function_.iloc[:, 0].reindex(ours.index)
        np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), rtol=1e-12)
        q = rp.km_quantiles(curve[curve["group"] == g], (0.5, 0.75)).iloc[0]
        assert (q["q50"], q["q75"]) == (median, p75)


def test_purchase_cycle_by_category(tx):
    cyc = rp.purchase_cycle(tx, END, by="category", horizon_days=100, min_gaps=1).set_index("group")
    assert cyc.loc["all", "km_median"] == 49.0 and cyc.loc["all", "gaps"] == 11 and cyc.loc["all", "returned"] == 6
    # Phone occasions: B 03-15 (closed 16), C 03-10 (open 21), D 02-20 (open 40):
    # S(16) = 2/3; then only censoring -> median not reached
    assert cyc.loc["Phone", "gaps"] == 3 and cyc.loc["Phone", "km_median"] == np.inf
    assert cyc.loc["Phone", "returned_by_horizon"] == pytest.approx(1 / 3)
    assert cyc.loc["Phone", "window_median"] == 16.0
    # Snacks occasions: A 03-05 (15), D 02-20 (open 40), E 02-05 (49): S(15) = 2/3, S(49) = 0 -> median 49
    assert cyc.loc["Snacks", "km_median"] == 49.0


def test_purchase_cycle_threshold(in_period):
    # horizon 100: p90 = 49 (see test_km_by_hand); unconditional p90 = 327
    assert rp.purchase_cycle_threshold(in_period, 0.9, end=END, horizon_days=100) == 49.0
    assert rp.purchase_cycle_threshold(in_period, 0.9, end=END, horizon_days=None) == 327.0
    with pytest.raises(AnalysisError, match="between 0 and 1"):
        rp.purchase_cycle_threshold(in_period, 1.5)
    once = in_period[in_period["customer_id"] == "D"]
    with pytest.raises(AnalysisError, match="threshold_days"):
        rp.purchase_cycle_threshold(once, end=END)


def test_time_to_second_purchase(occ):
    curve = rp.time_to_second_purchase(occ, END).set_index("time")
    # first-time buyers: A 24, B 16, C 283, E 327 (closed), D censored at 40
    # S(16) = 4/5, S(24) = 0.8 * 3/4 = 0.6, S(283) = 0.6 * 1/2 = 0.3, S(327) = 0
    assert curve.loc[24, "repurchased"] == pytest.approx(0.4)
    assert curve.loc[283, "survival"] == pytest.approx(0.3)
    assert "40.0% by day 30" in rp.describe_time_to_second(curve.reset_index())


# ---------------------------------------------------------------------------
# cohorts


def test_cohorts_by_hand(occ):
    co = rp.cohort_table(occ, END).set_index(["cohort", "age"])
    feb = pd.Timestamp("2024-02-01")
    # 2024-02 cohort: A and D. Month 0: both; month 1 (March): A -> 50 %; month 2 not observable -> NaN
    assert co.loc[(feb, 0), "cohort_size"] == 2 and co.loc[(feb, 1), "retention"] == 0.5
    # revenue: month 0 = 100 (A) + 75 (D) = 175 -> 87.5 per customer; month 1: A 120 -> (175 + 120) / 2 = 147.5
    assert co.loc[(feb, 0), "cum_revenue_per_customer"] == 87.5
    assert co.loc[(feb, 1), "cum_revenue_per_customer"] == 147.5
    mar = pd.Timestamp("2024-03-01")
    assert (co.loc[(mar, 0), "cohort_size"] == 1 and (mar, 1) not in co.index) or math.isnan(
        co.loc[(mar, 1), "retention"]
    )
    # 2023-03 cohort (E): silent for 10 months -> 0 (observed), back in month 11 and 12
    e = pd.Timestamp("2023-03-01")
    assert co.loc[(e, 5), "retention"] == 0.0 and co.loc[(e, 11), "retention"] == 1.0
    # E's cumulative revenue by month 12: 25 + 25 + 35 = 85
    assert co.loc[(e, 12), "cum_revenue_per_customer"] == 85.0
    wide = rp.cohort_matrix(rp.cohort_table(occ, END, max_cohorts=2))
    assert wide.index.tolist() == ["2024-02", "2024-03"]
    assert math.isnan(wide.loc["2024-03", 1])  # blank, not 0


def test_cohort_notes(occ):
    notes = rp.cohort_notes(occ, END, reactivation_gap_days=180)
    # data start 2023-03-15; + 180 days = 2023-09-11 -> cohorts 2023-03 .. 2023-09 may be left-censored
    assert notes["left_censored"][0] == "2023-03" and notes["left_censored"][-1] == "2023-09"
    assert not notes["partial_last_month"]  # data run to 2024-03-31
    later = rp.cohort_notes(occ, pd.Timestamp("2024-05-01"))
    assert later["partial_last_month"]  # April ends without data
    text = rp.describe_cohorts(rp.cohort_table(occ, END), notes)
    assert "cohorts Mar 2023 to Sep 2023" in text
    assert "2023年3月至2023年9月的批次" in rp.describe_cohorts(rp.cohort_table(occ, END), notes, "zh")


# ---------------------------------------------------------------------------
# what brings customers back


def test_first_purchase_groups(in_period):
    g = rp.first_purchase_groups(in_period, "category").set_index("customer_id")["group"]
    # D's first occasion: Phone 70 and Snacks 5 -> Phone (largest amount)
    assert g.to_dict() == {"A": "Coffee", "B": "Phone", "C": "Coffee", "D": "Phone", "E": "Coffee"}


def test_repurchase_by_first_category_with_wilson(in_period, occ):
    t = rp.repurchase_by_first_group(in_period, occ, END, by="category", window_days=30, min_customers=1)
    t = t.set_index("group")
    # eligible (observed >= 30 days): A, C, D, E (B only 16 days). Within 30 days only A came back (24 days).
    # Coffee: A, C, E -> 1/3; Phone: D -> 0/1
    assert (t.loc["Coffee", "customers"], t.loc["Coffee", "repeaters"]) == (3, 1)
    assert t.loc["Phone", "rate"] == 0.0
    # Wilson 95 % for 1/3: denom = 1 + 1.96²/3 = 2.2805; centre = (1/3 + 1.96²/6) / 2.2805 = 0.4269;
    # half = 1.96 * sqrt((1/3)(2/3)/3 + 1.96²/36) / 2.2805 = 0.3654 -> (0.0615, 0.7924)
    assert t.loc["Coffee", "ci_low"] == pytest.approx(0.0615, abs=5e-4)
    assert t.loc["Coffee", "ci_high"] == pytest.approx(0.7924, abs=5e-4)
    pooled = rp.repurchase_by_first_group(in_period, occ, END, by="category", window_days=30, min_customers=2)
    assert pooled["group"].tolist() == ["Coffee", "(other)"]
    assert rp.repurchase_by_first_group(in_period.drop(columns="category"), occ, END).empty


def test_wilson_edges():
    low, high = rp.wilson_interval(np.array([0, 10]), np.array([10, 10]))
    # 0/10: lower bound 0, upper z² / (n + z²) = 3.8415 / 13.8415 = 0.2775; 10/10: upper bound 1
    assert low[0] == 0 and high[1] == pytest.approx(1.0) and high[0] == pytest.approx(0.2775, abs=1e-4)
    assert np.isnan(rp.wilson_interval(np.array([0]), np.array([0]))[0][0])


def test_bought_together_by_hand(in_period):
    rules = rp.bought_together(in_period, "category", min_support=0.3)
    # baskets: A {Coffee, Snacks}, B {Phone, Coffee}, C {Coffee, Phone}, D {Phone, Snacks}, E {Coffee, Snacks}
    # Coffee 4/5, Snacks 3/5, Phone 3/5. Coffee & Snacks: A, E -> support 0.4; lift = 0.4 / (0.8 * 0.6) = 0.8333
    # Phone & Snacks: D only -> support 0.2 < 0.3, left out
    r = rules.set_index(["antecedent", "consequent"])
    assert len(rules) == 4
    assert r.loc[("Coffee", "Snacks"), "support"] == pytest.approx(0.4)
    assert r.loc[("Coffee", "Snacks"), "confidence"] == pytest.approx(0.5)  # 2 / 4
    assert r.loc[("Snacks", "Coffee"), "confidence"] == pytest.approx(2 / 3)  # 2 / 3
    assert r.loc[("Coffee", "Phone"), "lift"] == pytest.approx(0.4 / (0.8 * 0.6))
    low = rp.bought_together(in_period, "category", min_support=0.1).set_index(["antecedent", "consequent"])
    assert low.loc[("Phone", "Snacks"), "lift"] == pytest.approx(0.2 / (0.6 * 0.6))
    assert rp.bought_together(in_period, "store").empty


def test_refund_rates_include_fully_refunded_lines(in_period):
    refunded = pd.DataFrame({"category": ["Phone"], "amount": [100.0]})  # a fully refunded phone, excluded by cleaning
    t = rp.refund_rates(in_period, "category", refunded, min_lines=1).set_index("group")
    # Coffee: A1 100, A2 50, A4 40 + 10, B2 20, C1 60, E0 25, E2 35 -> 7 lines, sales 340, refunds 10
    assert (t.loc["Coffee", "lines"], t.loc["Coffee", "refunded_lines"]) == (7, 1)
    assert t.loc["Coffee", "refund_rate"] == pytest.approx(10 / 340)
    # Phone: B1 200, C2 80, D1 70 + the refunded 100 -> sales 450, refunds 100, 1 of 4 lines
    assert t.loc["Phone", "refund_rate"] == pytest.approx(100 / 450)
    assert t.loc["Phone", "line_refund_rate"] == 0.25
    assert t.index[0] == "Phone"  # sorted by refund rate


def test_refunded_lines_from_the_cleaning_ledger():
    from repurchase.cleaning import clean_transactions

    raw = pd.DataFrame(
        {
            "customer_id": ["c1", "c1", "c2", "c2"],
            "order_id": ["o1", "o1", "o2", "o2"],
            "order_date": ["2024-03-01", "2024-03-03", "2024-03-02", "2024-03-04"],
            "amount": ["80", "-80", "50", "-20"],
            "category": ["Phone", "Phone", "Coffee", "Coffee"],
            "status": ["paid", "refund", "paid", "refund"],
            "raw_row": [1, 2, 3, 4],
        }
    )
    result = clean_transactions(raw)
    lines = rp.refunded_lines(result)
    # o1 refunded in full: excluded by cleaning, recovered here at its gross 80; o2 partial: kept in clean
    assert lines["amount"].tolist() == [80.0] and lines["category"].tolist() == ["Phone"]
    assert lines["customer_id"].tolist() == ["C1"]  # IDs folded as the cleaning does
    t = rp.refund_rates(result.clean, "category", lines, min_lines=1).set_index("group")
    assert t.loc["Phone", "refund_rate"] == 1.0 and t.loc["Coffee", "refund_rate"] == pytest.approx(20 / 50)


def test_products_by_buyer_type(in_period, occ):
    t = rp.products_by_buyer_type(in_period, occ, END, by="category", window_days=30)
    t = t.set_index(["buyer_type", "group"])
    # eligible: A (3 occasions), C (2), E (3) -> repeat; D (1) -> one-time. B not observed 30 days.
    # repeat revenue: Coffee 190 + 60 + 60 = 310, Snacks 30 + 25 = 55, Phone 80 -> 445
    assert t.loc[("repeat", "Coffee"), "revenue_share"] == pytest.approx(310 / 445)
    assert t.loc[("repeat", "Coffee"), "buyers_share"] == 1.0
    # one-time (D): Phone 70 of 75
    assert t.loc[("one-time", "Phone"), "revenue_share"] == pytest.approx(70 / 75)
    assert "Coffee" in rp.describe_buyer_products(t.reset_index())


# ---------------------------------------------------------------------------
# glossary


def test_glossary_covers_every_headline_kpi_in_two_languages():
    table = rp.glossary(RepurchaseSettings(reactivation_gap_days=120))
    assert list(table.columns) == ["term", "中文", "definition", "定义"]
    assert table.notna().all().all() and (table["中文"].str.len() > 0).all()
    keys = {g["key"] for g in rp.GLOSSARY}
    assert set(rp.KPI_UNITS) <= keys | {"n_day_repurchase"}
    reactivated = table.set_index("term").loc["Reactivated buyers"]
    assert "after 120 or more days" in reactivated["definition"] and "120 天" in reactivated["定义"]
    # GLOSSARY comes from the catalogs: its Chinese definition is the zh template
    entry = next(g for g in rp.GLOSSARY if g["key"] == "occasion")
    assert entry["zh"] == "购买次数口径" and "{occasion}" in entry["definition_zh"]
    # a report's table: the term in the report language, its name in the other, the definition in the report language
    zh = rp.glossary(RepurchaseSettings(occasion="order"), lang="zh").set_index("术语")
    assert list(zh.columns) == ["英文名称", "定义"]
    assert zh.loc["购买次数口径", "英文名称"] == "Purchase occasion"
    assert zh.loc["购买次数口径", "定义"].startswith("一次购买：每个订单记为一次。")
    en = rp.glossary(keys=["lift", "support"], lang="en")
    assert en.columns.tolist() == ["term", "中文", "definition"] and en["term"].tolist() == ["Lift", "Support"]
    with pytest.raises(AnalysisError, match="no glossary entry 'churn'"):
        rp.glossary(keys=["churn"])


# ---------------------------------------------------------------------------
# CDNOW reference values

#: 复购率 by distinct customer-days, each month of 1997 on CDNOW_sample: (buyers, buyers with >= 2 customer-days)
CDNOW_1997 = {
    "1997-01": (781, 74),  # 0.0948
    "1997-02": (981, 127),  # 0.1295
    "1997-03": (948, 137),  # 0.1445
    "1997-04": (267, 57),  # 0.2135
    "1997-05": (224, 46),  # 0.2054
    "1997-06": (232, 41),  # 0.1767
    "1997-07": (203, 40),  # 0.1970
    "1997-08": (178, 37),  # 0.2079
    "1997-09": (168, 40),  # 0.2381
    "1997-10": (176, 40),  # 0.2273
    "1997-11": (205, 40),  # 0.1951
    "1997-12": (183, 31),  # 0.1694
}


def _cdnow_file(name: str) -> Path:
    return Path(str(importlib.metadata.distribution("lifetimes").locate_file(f"lifetimes/datasets/{name}")))


@pytest.fixture(scope="module")
def cdnow_tx() -> pd.DataFrame:
    params = repurchase.load_params(ROOT / "params" / "cdnow.yaml")
    return datasets.load_cleaning(params, Period.from_label("1998-06")).clean


@pytest.fixture(scope="module")
def cdnow_days() -> pd.DataFrame:
    """Distinct customer-days read straight from the file, independently of the library."""
    raw = pd.read_csv(_cdnow_file("CDNOW_sample.txt"), sep=r"\s+", header=None, dtype=str)
    return raw[[0, 2]].drop_duplicates().rename(columns={0: "customer", 2: "day"})


def test_cdnow_monthly_repurchase_rate_1997(cdnow_tx, cdnow_days):
    # independent: count customer-days per (month, customer) from the raw YYYYMMDD strings
    days = cdnow_days.assign(month=cdnow_days["day"].str[:4] + "-" + cdnow_days["day"].str[4:6])
    per = days.groupby(["month", "customer"]).size()
    independent = {m: (int(s.size), int((s >= 2).sum())) for m, s in per.groupby(level="month")}
    assert {m: independent[m] for m in CDNOW_1997} == CDNOW_1997
    occ = rp.purchase_occasions(cdnow_tx)
    monthly = rp.monthly_kpis(occ, pd.Timestamp("1998-07-01")).set_index("month")
    for label, (buyers, repeaters) in CDNOW_1997.items():
        row = monthly.loc[pd.Timestamp(f"{label}-01")]
        assert (row["buyers"], row["repeat_buyers"]) == (buyers, repeaters)
        assert row["repurchase_rate_customers"] == pytest.approx(repeaters / buyers)
    # 400 rows of the sample share a day with another row of the same customer: 6,919 rows -> 6,696 occasions
    assert len(cdnow_tx) == 6919 and len(occ) == 6696 and occ.loc[occ["lines"] > 1, "lines"].sum() == 400


def test_cdnow_naive_gaps_and_km_median(cdnow_tx, cdnow_days):
    from lifelines import KaplanMeierFitter

    occ = rp.purchase_occasions(cdnow_tx)
    end = pd.Timestamp("1998-07-01")
    # naive closed gaps on CDNOW_sample: 4,339 gaps, mean 70.9, median 34, p90 196, p95 279
    naive = rp.naive_gap_stats(occ, end)
    assert naive["gaps"] == 4339 and naive["mean"] == pytest.approx(70.86, abs=0.01)
    assert (naive["q50"], naive["q90"], naive["q95"]) == (34.0, 196.0, 279.0)
    # independent durations: plain diff on the raw customer-days; open gaps to 1998-06-30 / 1997-12-31
    d = cdnow_days.assign(day=pd.to_datetime(cdnow_days["day"], format="%Y%m%d")).sort_values(["customer", "day"])
    for cut, lib_end, median in (("1998-06-30", end, 93.0), ("1997-12-31", pd.Timestamp("1998-01-01"), 115.0)):
        dd = d[d["day"] <= cut]
        closed = dd.groupby("customer")["day"].diff().dt.days.dropna()
        open_ = (pd.Timestamp(cut) - dd.groupby("customer")["day"].max()).dt.days
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # lifelines' ApproximationWarning on percentiles
            kmf = KaplanMeierFitter().fit(np.r_[closed, open_], np.r_[np.ones(len(closed)), np.zeros(len(open_))])
            ll_median, ll_p90 = kmf.median_survival_time_, kmf.percentile(0.1)
        gaps = rp.gap_durations(occ, lib_end)
        q = rp.km_quantiles(rp.kaplan_meier(gaps["duration"], gaps["observed"]), (0.5, 0.9)).iloc[0]
        assert q["q50"] == ll_median == median
        # more than 10 % of purchases are never followed by another: the censored p90 does not exist
        assert q["q90"] == ll_p90 == np.inf
    # the expected next-purchase window (365-day horizon): 35-192 days at 1998-06, p90 178 days at 1997-12
    assert rp.purchase_cycle_threshold(cdnow_tx, 0.5, end=end) == 35.0
    assert rp.purchase_cycle_threshold(cdnow_tx, 0.9, end=end) == 192.0
    assert (
        rp.purchase_cycle_threshold(
            cdnow_tx[cdnow_tx["order_date"] < "1998-01-01"], 0.9, end=pd.Timestamp("1998-01-01")
        )
        == 178.0
    )


def test_cdnow_master_matches_the_notes():
    """methods.md's CDNOW figures are CDNOW_master: naive gaps mean 72, median 34, p90 200, p95 283, 3,842 rows on
    shared days; its "KM p90 = 160 days with a 1997-12-31 cutoff" is the naive p90 of closed gaps up to that day:
    with open gaps censored, the Kaplan-Meier p90 does not exist."""
    raw = pd.read_csv(_cdnow_file("CDNOW_master.txt"), sep=r"\s+", dtype={"customer_id": str, "date": str})
    tx = pd.DataFrame(
        {
            "customer_id": raw["customer_id"],
            "order_date": pd.to_datetime(raw["date"], format="%Y%m%d"),
            "amount": raw["dollar_value"].astype(float),
        }
    )
    occ = rp.purchase_occasions(tx)
    assert occ.loc[occ["lines"] > 1, "lines"].sum() == 3842  # "3,842 rows fall on days with more than one row"
    naive = rp.naive_gap_stats(occ)
    assert round(naive["mean"]) == 72 and (naive["q50"], naive["q90"], naive["q95"]) == (34.0, 200.0, 283.0)
    cut = pd.Timestamp("1998-01-01")
    assert rp.naive_gap_stats(occ, cut)["q90"] == 160.0
    gaps = rp.gap_durations(occ, cut)
    assert rp.km_quantiles(rp.kaplan_meier(gaps["duration"], gaps["observed"]), (0.9,))["q90"].iloc[0] == np.inf


# ---------------------------------------------------------------------------
# demo data: the designed effect


def _demo_kinds() -> dict[str, str]:
    try:
        from repurchase.demo import CATEGORIES
    except ImportError:
        return {}
    kinds = {}
    for c in CATEGORIES:
        kind = getattr(c, "kind", None)
        for name in (getattr(c, "en", None), getattr(c, "zh", None)):
            if name and kind:
                kinds[name] = kind
    return kinds


@pytest.mark.parametrize("client", ["demo-online", "demo-stores"])
def test_demo_consumable_first_customers_repeat_more(client):
    params_path = ROOT / "params" / f"{client}.yaml"
    data_dir = ROOT / "data" / "demo"
    if not params_path.exists() or not data_dir.exists():
        pytest.skip(f"no demo data under {data_dir}: run `python -m repurchase demo-data` (make demo-data)")
    kinds = _demo_kinds()
    if not kinds:
        pytest.skip("repurchase.demo.CATEGORIES does not expose category kinds")
    params = repurchase.load_params(params_path)
    period = datasets.resolve_period(params)
    tx = datasets.load_cleaning(params, period).clean
    occ = rp.purchase_occasions(tx, params.repurchase.occasion)
    table = rp.repurchase_by_first_group(tx, occ, period.end_exclusive, by="category", window_days=90)
    table["kind"] = table["group"].map(kinds)
    pooled = table.groupby("kind")[["repeaters", "customers"]].sum()
    rate = pooled["repeaters"] / pooled["customers"]
    assert rate["consumable"] > rate["durable"] + 0.1, table
    # and every consumable category beats every durable one, beyond their 95 % intervals
    assert (
        table.loc[table["kind"] == "consumable", "ci_low"].min()
        > table.loc[table["kind"] == "durable", "ci_high"].max()
    )


# ---------------------------------------------------------------------------
# settings text and charts


def test_describe_settings_and_drivers(in_period):
    text = rp.describe_settings(
        RepurchaseSettings(reactivation_gap_days=90, repeat_orders="all_of_repeaters", n_day_windows=[7, 30])
    )
    assert "after 90 days" in text and "all_of_repeaters" in text and "N = 7, 30 days" in text
    zh = rp.describe_settings(RepurchaseSettings(reactivation_gap_days=90, n_day_windows=[7, 30]), "zh")
    assert "满 90 天后再次购买记为回流客" in zh and "N = 7、30 天" in zh
    assert "category and product columns" in rp.describe_drivers_available(in_period)
    missing = rp.describe_drivers_available(in_period.drop(columns=["category", "product_name"]))
    assert "no category or product column" in missing and "(category, product_name)" in missing
    assert "品类和商品字段" in rp.describe_drivers_available(in_period, lang="zh")


def test_top_groups_are_kept_and_the_rest_pooled(in_period, occ):
    t = rp.repurchase_by_first_group(in_period, occ, END, by="category", window_days=30, min_customers=1, top=1)
    # Coffee has 3 eligible customers, Phone 1: top=1 keeps Coffee and pools Phone
    assert t["group"].tolist() == ["Coffee", "(other)"] and t["customers"].tolist() == [3, 1]
    r = rp.refund_rates(in_period, "category", min_lines=1, top=1)
    assert r["group"].tolist() == ["Coffee"]  # the only category with a refund


def test_repurchase_plots_return_axes_and_leave_unobservable_cells_blank(tx, occ, in_period):
    import matplotlib

    matplotlib.use("agg")
    import matplotlib.pyplot as plt

    from repurchase import plots

    monthly = rp.monthly_kpis(occ, END)
    gaps = rp.gap_durations(occ, END)
    cycle = rp.purchase_cycle(tx, END, by="category", min_gaps=1)
    cohorts = rp.cohort_table(occ, END, max_cohorts=3)
    rules = rp.bought_together(in_period, "category", min_support=0.1)
    calls = [
        (plots.plot_buyer_mix, (monthly,)),
        (plots.plot_rate_trend, (monthly,)),
        (plots.plot_kpi_trend, (monthly, "aov")),
        (plots.plot_n_day_trend, (rp.n_day_repurchase(occ, END),)),
        (plots.plot_time_to_second, (rp.time_to_second_purchase(occ, END),)),
        (plots.plot_gap_distribution, (gaps, cycle)),
        (plots.plot_gap_ecdf, (gaps, rp.purchase_cycle_curves(tx, END))),
        (plots.plot_cycle_by_group, (cycle,)),
        (plots.plot_cohort_revenue_curves, (cohorts,)),
        (
            plots.plot_first_group_rates,
            (rp.repurchase_by_first_group(in_period, occ, END, window_days=30, min_customers=1),),
        ),
        (plots.plot_lift_matrix, (rules,)),
        (plots.plot_top_pairs, (rules,)),
        (plots.plot_refund_rates, (rp.refund_rates(in_period, min_lines=1),)),
        (
            plots.plot_products_by_buyer_type,
            (rp.products_by_buyer_type(in_period, occ, END, by="category", window_days=30),),
        ),
        (plots.plot_first_group_rates, (rp.repurchase_by_first_group(in_period.drop(columns="category"), occ, END),)),
    ]
    for fn, args in calls:
        ax = fn(*args)
        assert isinstance(ax, matplotlib.axes.Axes), fn.__name__
        plt.close(ax.figure)
    # empty input: a one-line note instead of a chart
    empty = plots.plot_refund_rates(rp.refund_rates(in_period.drop(columns="category")))
    assert not empty.axison and "no such column" in empty.texts[0].get_text()
    plt.close("all")
    # cohorts 2024-02 (100%, 50%) and 2024-03 (100%); 2024-01 had no new customers. March's month 1 is not
    # observable: no annotation and no colour (seaborn masks NaN), never "0%"
    heat = plots.plot_cohort_heatmap(rp.cohort_matrix(cohorts), left_censored=["2024-02"])
    assert [t.get_text() for t in heat.texts] == ["100%", "50%", "100%"]
    assert np.ma.getmaskarray(heat.collections[0].get_array()).ravel().tolist() == [False, False, False, True]
    assert [t.get_text() for t in heat.get_yticklabels()] == ["Feb 2024 *", "Mar 2024"]
    plt.close("all")
    # in Chinese every title, axis label, legend entry and annotation is Chinese: no Latin word is left but the
    # method names and symbols (Kaplan–Meier, log2, N, n, t, p90 inside numbers); data values sit on tick labels only
    allowed = re.compile(r"Kaplan–Meier|log2|(?<![A-Za-z])[Nnt](?![A-Za-z])|[^A-Za-z]")
    cjk = plots.register_cjk_font()  # Chinese glyphs for these charts only (rc_context), as the reports get them
    with matplotlib.rc_context({"font.sans-serif": [cjk, "DejaVu Sans"] if cjk else ["DejaVu Sans"]}):
        zh_axes = [fn(*args, lang="zh") for fn, args in calls]
    for (fn, _), ax in zip(calls, zh_axes):
        shown = [ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), *(t.get_text() for t in ax.texts)]
        legend = ax.get_legend()
        shown += [t.get_text() for t in legend.get_texts()] if legend else []
        assert re.search(r"[\u4e00-\u9fff]", ax.get_title()), fn.__name__
        left = [text for text in shown if allowed.sub("", text)]
        assert left == [], f"{fn.__name__}: English left in {left}"
        plt.close(ax.figure)
    heat = plots.plot_cohort_heatmap(rp.cohort_matrix(cohorts), left_censored=["2024-02"], lang="zh")
    assert [t.get_text() for t in heat.get_yticklabels()] == ["2024年2月 *", "2024年3月"]
    assert heat.get_title() == "各获客批次再次购买的客户比例（按首购后月数）"
    plt.close("all")


# ---------------------------------------------------------------------------
# report language


def _latin_left(text: str, data_values: set[str]) -> list[str]:
    """Latin words in a Chinese text, except data values, method names and params keys (repurchase.occasion …)."""
    words = re.findall(r"[A-Za-z][A-Za-z_.\-]*", text)
    allowed = {
        "Kaplan–Meier",
        "Kaplan",
        "Meier",
        "Wilson",
        "KM",
        "N",
        "n",
        "A",
        "B",
        "log2",
        "customer_day",
        "order",
        "net",
        "exclude",
        "beyond_first",
        "all_of_repeaters",
    }
    return [
        w
        for w in words
        if w not in allowed and w not in data_values and not w.startswith(("repurchase.", "cleaning.", "sources."))
    ]


def test_every_sentence_and_table_in_chinese(tx, occ, in_period):
    from repurchase.core.params import CleaningSettings

    data_values = set(tx["category"]) | set(tx["product_name"]) | {"Phone X"} | {"X"}
    s = RepurchaseSettings(n_day_windows=[30, 60])
    monthly = rp.monthly_kpis(occ, END)
    cycle = rp.purchase_cycle(tx, END, by="category", min_gaps=1)
    groups = rp.repurchase_by_first_group(in_period, occ, END, window_days=30, min_customers=1, top=1)
    rules = rp.bought_together(in_period, "category", min_support=0.1)
    refunds = rp.refund_rates(in_period, "category", min_lines=1)
    texts = [
        rp.describe_occasion(s, CleaningSettings(refunds="net"), "zh"),
        rp.describe_occasion(RepurchaseSettings(occasion="order"), CleaningSettings(refunds="exclude"), "zh"),
        rp.describe_settings(s, "zh"),
        rp.describe_headline(rp.headline_kpis(occ, PERIOD, s, monthly), "CNY", "zh"),
        rp.describe_time_to_second(rp.time_to_second_purchase(occ, END), lang="zh"),
        rp.describe_cycle(cycle, rp.naive_gap_stats(occ, END), 365, "zh"),
        rp.describe_cohorts(rp.cohort_table(occ, END), rp.cohort_notes(occ, pd.Timestamp("2024-05-01")), "zh"),
        rp.describe_drivers_available(in_period.drop(columns="product_name"), lang="zh"),
        rp.describe_first_groups(groups, "category", 30, "zh"),
        rp.describe_pairs(rules, "category", "zh"),
        rp.describe_refunds(refunds, "category", "zh"),
        rp.describe_buyer_products(
            rp.products_by_buyer_type(in_period, occ, END, by="category", window_days=30), lang="zh"
        ),
        rp.describe_first_groups(groups.iloc[0:0], "category", 30, "zh"),
    ]
    tables = [
        rp.format_headline(rp.headline_kpis(occ, PERIOD, s, monthly), "CNY", "zh"),
        rp.format_cycle(cycle, "category", "zh"),
        rp.format_first_groups(groups, "category", "zh"),
        rp.format_pairs(rules, "zh"),
        rp.format_refunds(refunds, "category", "CNY", "zh"),
        rp.glossary(s, lang="zh").drop(columns="英文名称"),
    ]
    for table in tables:
        texts += [" ".join(map(str, table.columns))] + [
            " ".join(map(str, row)) for row in table.itertuples(index=False)
        ]
    left = {text: _latin_left(text, data_values) for text in texts}
    assert {k: v for k, v in left.items() if v} == {}
    # the pooled group and the overall row are translated, data values kept
    assert rp.format_first_groups(groups, "category", "zh")["品类"].tolist() == ["Coffee", "（其他）"]
    assert rp.format_cycle(cycle, "category", "zh")["品类"].iloc[0] == "全部"
    # money in the locale's format: Coffee carries the fixture's only refund, 10 (line A4)
    assert rp.format_refunds(refunds, "category", "CNY", "zh").iloc[0]["退款金额"] == "¥10"


def test_cohort_note_counts_the_export_date_as_observed():
    occ = rp.purchase_occasions(
        pd.DataFrame(
            {
                "customer_id": ["a", "b"],
                "order_id": ["1", "2"],
                "order_date": pd.to_datetime(["2026-10-02", "2026-10-29"]),
                "amount": [5.0, 6.0],
            }
        )
    )
    end = pd.Timestamp("2026-11-01")
    assert rp.cohort_notes(occ, end)["partial_last_month"] is True  # data stop on the 29th
    assert rp.cohort_notes(occ, end, exported_at=pd.Timestamp("2026-10-31").date())["partial_last_month"] is False


def test_weak_strongest_pair_is_called_weak():
    rules = pd.DataFrame(
        {"antecedent": ["茶叶"], "consequent": ["茶具"], "lift": [1.01], "confidence": [0.2], "support": [0.05]}
    )
    assert rp.describe_pairs(rules, lang="en").startswith("No pair stands out: the strongest, 茶叶 with 茶具")
    assert rp.describe_pairs(rules.assign(lift=1.6), lang="en").startswith("The strongest link")
