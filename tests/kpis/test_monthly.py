"""Monthly KPIs, N-day repurchase, time to second purchase and the headline KPIs (fixture: see conftest.py)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from repurchase import kpis as rp
from repurchase.core import i18n
from repurchase.core.errors import AnalysisError, InsufficientData
from repurchase.core.occasions import purchase_occasions
from repurchase.core.params import RepurchaseSettings
from repurchase.core.periods import Period, Window

PERIOD = Period.from_label("2024-03")  # exclusive end 2024-04-01 00:00

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


@pytest.fixture(scope="module")
def monthly(occ) -> pd.DataFrame:
    return rp.monthly_kpis(occ, PERIOD).set_index("month")


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


def test_the_period_and_a_window_ending_with_it_observe_the_same(occ):
    """A Period observes everything before its exclusive end; so does Window.ending(end_exclusive)."""
    by_period = rp.monthly_kpis(occ, PERIOD)
    pd.testing.assert_frame_equal(by_period, rp.monthly_kpis(occ, Window.ending(PERIOD.end_exclusive)))
    pd.testing.assert_frame_equal(by_period, rp.monthly_kpis(occ, Window.through("2024-03-31")))
    # without a window: through the day of the last occasion (B's 2024-04-01 purchase), so April appears
    assert rp.monthly_kpis(occ)["month"].iloc[-1] == pd.Timestamp("2024-04-01")
    with pytest.raises(InsufficientData, match="choose a later period"):
        rp.monthly_kpis(occ, Window.ending("2023-01-01"))


def test_repeat_orders_alternative(occ):
    m = (
        rp.monthly_kpis(occ, PERIOD, repeat_orders="all_of_repeaters")
        .set_index("month")
        .loc[pd.Timestamp("2024-03-01")]
    )
    # every occasion of A (2) and B (2) counts: 4 / 6
    assert m["repurchase_rate_orders"] == pytest.approx(4 / 6)
    with pytest.raises(AnalysisError, match="beyond_first"):
        rp.monthly_kpis(occ, PERIOD, repeat_orders="everything")


def test_order_occasions_change_repurchase_by_order(tx):
    occ = purchase_occasions(tx, "order")
    m = rp.monthly_kpis(occ, PERIOD).set_index("month").loc[pd.Timestamp("2024-03-01")]
    # occasions: A 3 + B 2 + C 1 + E 1 = 7; repeats: (3-1) + (2-1) = 3 -> 3/7
    assert m["occasions"] == 7 and m["repurchase_rate_orders"] == pytest.approx(3 / 7)
    assert m["repurchase_rate_customers"] == pytest.approx(0.5)


def test_reactivation_gap_is_a_parameter(occ):
    m = rp.monthly_kpis(occ, PERIOD, reactivation_gap_days=300).set_index("month")
    # C's 283-day gap is below 300 now: returning; E's 327 days in February is still reactivated
    assert m.loc[pd.Timestamp("2024-03-01"), "reactivated_buyers"] == 0
    assert m.loc[pd.Timestamp("2024-02-01"), "reactivated_buyers"] == 1


def test_n_day_repurchase_counts_only_fully_observed(occ):
    nd = rp.n_day_repurchase(occ, PERIOD, (30, 60)).set_index(["window", "month"])
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
    assert rp.n_day_repurchase(occ, PERIOD, ()).empty


def _shown(table, lang: str = "en") -> pd.DataFrame:
    """A table spec's frame with its headers as the report shows them."""
    return i18n.translate_columns(table.frame, lang)


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
    table = rp.headline_table(h.reset_index(), PERIOD.label, "CNY")
    assert table.caption == "Headline KPIs, Mar 2024"
    shown = _shown(table).set_index("KPI")
    # AOV in March: 260 revenue / 4 orders = 65
    assert shown.loc["Average order value", "this month"] == "¥65"
    assert shown.loc["Repurchase rate (customers)", "change vs last month"] == "+50.0 pp"
    assert shown.loc["30-day repurchase of first-time buyers", "describes"] == "first-time buyers of Feb 2024"
    assert "4 customers bought (1 new, 2 returning, 1 reactivated)" in rp.describe_headline(h.reset_index())
    # the same table and sentence in Chinese: headers, names, units and months from the zh catalog
    zh_table = rp.headline_table(h.reset_index(), PERIOD.label, "CNY", "zh")
    zh = _shown(zh_table, "zh").set_index("指标")
    assert zh.loc["客单价", "本月"] == "¥65" and zh.loc["复购率（按人）", "较上月变化"] == "+50.0 个百分点"
    assert zh.loc["30天复购率（新客）", "对应范围"] == "2024年2月的新客"
    assert zh.loc["购买周期", "本月"] == "49 天"
    assert zh_table.caption == i18n.t("repurchase.caption_headline", "zh", month="2024年3月")
    assert rp.describe_headline(h.reset_index(), "CNY", "zh").startswith(
        "2024年3月共有 4 位客户购买（新客 1、老客 2、回流客 1）"
    )


def test_time_to_second_purchase(occ):
    curve = rp.time_to_second_purchase(occ, PERIOD).set_index("time")
    # first-time buyers: A 24, B 16, C 283, E 327 (closed), D censored at 40
    # S(16) = 4/5, S(24) = 0.8 * 3/4 = 0.6, S(283) = 0.6 * 1/2 = 0.3, S(327) = 0
    assert curve.loc[24, "repurchased"] == pytest.approx(0.4)
    assert curve.loc[283, "survival"] == pytest.approx(0.3)
    assert "40.0% by day 30" in rp.describe_time_to_second(curve.reset_index())


def test_cdnow_monthly_repurchase_rate_1997(cdnow_tx, cdnow_days):
    # independent: count customer-days per (month, customer) from the raw YYYYMMDD strings
    days = cdnow_days.assign(month=cdnow_days["day"].str[:4] + "-" + cdnow_days["day"].str[4:6])
    per = days.groupby(["month", "customer"]).size()
    independent = {m: (int(s.size), int((s >= 2).sum())) for m, s in per.groupby(level="month")}
    assert {m: independent[m] for m in CDNOW_1997} == CDNOW_1997
    occ = purchase_occasions(cdnow_tx)
    monthly = rp.monthly_kpis(occ, Period.from_label("1998-06")).set_index("month")
    for label, (buyers, repeaters) in CDNOW_1997.items():
        row = monthly.loc[pd.Timestamp(f"{label}-01")]
        assert (row["buyers"], row["repeat_buyers"]) == (buyers, repeaters)
        assert row["repurchase_rate_customers"] == pytest.approx(repeaters / buyers)
    # 400 rows of the sample share a day with another row of the same customer: 6,919 rows -> 6,696 occasions
    assert len(cdnow_tx) == 6919 and len(occ) == 6696 and occ.loc[occ["lines"] > 1, "lines"].sum() == 400
