"""RFM values, scores, FM, segment assignment under a rule table, and the segment table.

Every expected value is worked out by hand in the comments (fixture: ``conftest.py``).
"""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from repurchase import segments as sg
from repurchase.core.errors import AnalysisError, PeriodError
from repurchase.core.periods import Period, Window

AS_OF = pd.Timestamp("2024-02-01")
PERIOD = Period.from_label("2024-01")


# ---------------------------------------------------------------------------
# scoring


def test_score_distinct_values_are_equal_bins():
    # ranks 1..5 -> floor(5 * (2r - 1) / 10) + 1 = 1, 2, 3, 4, 5
    s = sg.score(pd.Series([10, 20, 30, 40, 50]), 5)
    assert s.tolist() == [1, 2, 3, 4, 5]
    # recency: smaller is better -> reversed
    assert sg.score(pd.Series([10, 20, 30, 40, 50]), 5, higher_is_better=False).tolist() == [5, 4, 3, 2, 1]
    # 3 bins over 6 values: floor(3 * (1,3,5,7,9,11) / 12) + 1 = 1,1,2,2,3,3
    assert sg.score(pd.Series([1, 2, 3, 4, 5, 6]), 3).tolist() == [1, 1, 2, 2, 3, 3]


def test_score_ties_first_spreads_one_time_buyers():
    # method='first' (for comparison only): ranks 1..10 in order -> two per quintile, so six identical
    # one-time buyers get scores 1, 1, 2, 2, 3, 3 by their order: what the F score must never do
    f = pd.Series([1, 1, 1, 1, 1, 1, 2, 2, 3, 5])
    assert sg.score(f, 5, ties="first").tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_frequency_score_on_fixed_thresholds():
    # default thresholds 2, 3, 5, 10: F 1 = 1, 2 = 2, 3 = 3-4, 4 = 5-9, 5 = 10+
    counts = pd.Series([1, 2, 3, 4, 5, 9, 10, 250, 1])
    assert sg.frequency_score(counts).tolist() == [1, 2, 3, 3, 4, 4, 5, 5, 1]
    # the same counts in another order get the same scores (no rank, no ID order)
    assert sg.frequency_score(counts[::-1]).tolist() == [1, 5, 5, 4, 4, 3, 3, 2, 1]
    # own thresholds with 3 bins: F 1 = 1, 2 = 2-5, 3 = 6+
    assert sg.frequency_score(counts, 3, [2, 6]).tolist() == [1, 2, 2, 2, 2, 3, 3, 3, 1]
    with pytest.raises(AnalysisError, match=r"frequency_thresholds \[2, 3\]: give 4 increasing whole numbers"):
        sg.frequency_score(counts, 5, [2, 3])
    with pytest.raises(AnalysisError, match=r"the first at least 2"):
        sg.frequency_score(counts, 3, [1, 4])


def test_frequency_score_on_quantiles_keeps_ties_together():
    # f = [1 x 6, 2, 2, 3, 5]: average ranks 3.5 (x6), 7.5 (x2), 9, 10; n = 10
    # floor(5 (2r - 1) / 20) + 1: 3.5 -> 30//20+1 = 2; 7.5 -> 70//20+1 = 4; 9 -> 85//20+1 = 5; 10 -> 5
    # then the one-time buyers get F 1 (and everyone else at least F 2)
    f = pd.Series([1, 1, 1, 1, 1, 1, 2, 2, 3, 5])
    assert sg.frequency_score(f, 5, None).tolist() == [1, 1, 1, 1, 1, 1, 4, 4, 5, 5]
    # few one-time buyers: [1, 5, 5, ... 5] (1 + 9): 5 has average rank 6 -> 55//20+1 = 3; 1 has rank 1 -> 1
    # a repeat buyer in the bottom quantile is lifted to F 2: [2, 3 x 9] -> 2 has rank 1 -> F 1 -> 2
    assert sg.frequency_score(pd.Series([1] + [5] * 9), 5, None).tolist() == [1] + [3] * 9
    assert sg.frequency_score(pd.Series([2] + [3] * 9), 5, None).tolist() == [2] + [3] * 9


def test_score_ties_average_share_a_score():
    # average ranks: 5 -> 2.5, 10 -> 5.5, 20 -> 8, 40 -> 10; n = 10
    # floor(5 * (2r - 1) / 20) + 1: 2.5 -> 20//20+1 = 2; 5.5 -> 50//20+1 = 3; 8 -> 75//20+1 = 4; 10 -> 95//20+1 = 5
    m = pd.Series([5, 5, 5, 5, 10, 10, 20, 20, 20, 40])
    assert sg.score(m, 5).tolist() == [2, 2, 2, 2, 3, 3, 4, 4, 4, 5]


def test_score_fewer_distinct_values_than_bins():
    # [7, 7, 9]: average ranks 1.5, 1.5, 3 -> 2r-1 = 2, 2, 5 -> floor(5*2/6)+1 = 2, floor(25/6)+1 = 5
    assert sg.score(pd.Series([7, 7, 9]), 5).tolist() == [2, 2, 5]
    # everyone equal: rank 2.5 of 4 -> floor(5*4/8)+1 = 3 (the middle score)
    assert sg.score(pd.Series([3, 3, 3, 3]), 5).tolist() == [3, 3, 3, 3]


def test_score_single_customer_and_empty():
    # n = 1, r = 1: floor(5 * 1 / 2) + 1 = 3; 4 bins: floor(4 / 2) + 1 = 3
    assert sg.score(pd.Series([42.0]), 5).tolist() == [3]
    assert sg.score(pd.Series([42.0]), 4, higher_is_better=False).tolist() == [3]
    assert sg.score(pd.Series([], dtype=float), 5).tolist() == []


def test_rfm_scores_fixture(tx):
    rfm = sg.rfm_scores(tx, PERIOD).set_index("customer_id")
    assert rfm.index.tolist() == ["A", "B", "C", "D", "E"]
    assert rfm["recency_days"].tolist() == [0, 10, 30, 31, 185]
    assert rfm["frequency"].tolist() == [2, 1, 3, 1, 2]  # A's two orders on 01-31 are one occasion
    assert rfm["spend"].tolist() == [180.0, 20.0, 600.0, 10.0, 5.0]  # the 999 after the period is ignored
    # R: recency 0 < 10 < 30 < 31 < 185 -> 5, 4, 3, 2, 1
    assert rfm["R"].tolist() == [5, 4, 3, 2, 1]
    # F on the default thresholds (1 / 2 / 3-4 / 5-9 / 10+): A 2 -> 2, B 1 -> 1, C 3 -> 3, D 1 -> 1, E 2 -> 2
    assert rfm["F"].tolist() == [2, 1, 3, 1, 2]
    # M (total): E 5 < D 10 < B 20 < A 180 < C 600 -> A 4, B 3, C 5, D 2, E 1
    assert rfm["M"].tolist() == [4, 3, 5, 2, 1]
    # FM = round half up of (F+M)/2: A 3, B 2, C 4, D 1.5 -> 2, E 1.5 -> 2
    assert rfm["FM"].tolist() == [3, 2, 4, 2, 2]
    # quantile F (ties kept together): B, D avg rank 1.5, A, E 3.5, C 5 of 5 -> floor(5 (2r-1) / 10) + 1 = 2, 4, 5;
    # then one-time B and D get F 1
    quant = sg.rfm_scores(tx, PERIOD, frequency_thresholds=None).set_index("customer_id")
    assert quant["F"].tolist() == [4, 1, 5, 1, 4]
    assert (
        rfm["last_date"].tolist()
        == pd.to_datetime(["2024-01-31", "2024-01-21", "2024-01-01", "2023-12-31", "2023-07-30"]).tolist()
    )


def test_rfm_as_of_a_period_a_window_or_a_day_boundary(tx):
    # the report month, any window ending 2024-02-01 and the bare day boundary give the same scores:
    # only the end counts (the period's start does not limit the history)
    by_period = sg.rfm_scores(tx, PERIOD)
    pd.testing.assert_frame_equal(by_period, sg.rfm_scores(tx, Window.through("2024-01-31")))
    pd.testing.assert_frame_equal(by_period, sg.rfm_scores(tx, AS_OF))
    # the previous month: as of 2023-12-31 (recency to that day): C 30, D 0, E 154
    prev = sg.rfm_scores(tx, PERIOD.previous).set_index("customer_id")
    assert prev.index.tolist() == ["C", "D", "E"]
    assert prev["recency_days"].tolist() == [30, 0, 154]
    # an "as of" inside a day is refused: windows end at 00:00
    with pytest.raises(PeriodError, match=r"a window ends at a day boundary"):
        sg.rfm_scores(tx, pd.Timestamp("2024-02-01 12:00"))


def test_observation_window():
    # all history before the end, or the last N calendar months
    assert sg.observation(PERIOD) == Window(start=None, end_exclusive=AS_OF)
    w = sg.observation(PERIOD, 3)
    assert (w.start, w.end_exclusive, w.end) == (pd.Timestamp("2023-11-01"), AS_OF, pd.Timestamp("2024-01-31"))
    assert sg.observation(AS_OF, 12).start == pd.Timestamp("2023-02-01")


def test_fm_rounds_halves_up():
    # every (F, M) pair: (F+M)/2 rounded half up; 2.5 -> 3 and 4.5 -> 5 (Python's round would give 2 and 4)
    expected_by_sum = {2: 1, 3: 2, 4: 2, 5: 3, 6: 3, 7: 4, 8: 4, 9: 5, 10: 5}
    pairs = list(itertools.product(range(1, 6), repeat=2))
    fm = sg.fm_score(pd.Series([p[0] for p in pairs]), pd.Series([p[1] for p in pairs]))
    assert fm.tolist() == [expected_by_sum[a + b] for a, b in pairs]


def test_rfm_average_monetary_window_and_orders(tx):
    avg = sg.rfm_scores(tx, PERIOD, monetary="average").set_index("customer_id")
    # spend / occasions: A 180/2, B 20, C 600/3, D 10, E 5/2
    assert avg["monetary"].tolist() == [90.0, 20.0, 200.0, 10.0, 2.5]
    # last month only (from 2024-01-01): A (2 days, 180), B (20), C (one day: 2024-01-01, 200); D, E not scored
    win = sg.rfm_scores(tx, PERIOD, reference_months=1).set_index("customer_id")
    assert win.index.tolist() == ["A", "B", "C"]
    assert win["frequency"].tolist() == [2, 1, 1]
    assert win["spend"].tolist() == [180.0, 20.0, 200.0]
    # occasion = order: A's two orders on 01-31 count twice
    orders = sg.rfm_scores(tx, PERIOD, occasion="order").set_index("customer_id")
    assert orders.loc["A", "frequency"] == 3
    assert orders.loc["A", "recency_days"] == 0
    with pytest.raises(AnalysisError, match=r"no order column"):
        sg.rfm_scores(tx.drop(columns="order_id"), PERIOD, occasion="order")
    with pytest.raises(AnalysisError, match=r"monetary must be total or average"):
        sg.rfm_scores(tx, PERIOD, monetary="median")


def test_rfm_nobody_in_the_window_is_an_empty_table(tx):
    empty = sg.rfm_scores(tx, Period.from_label("2020-01"))
    assert len(empty) == 0
    assert empty.columns.tolist() == [
        "customer_id",
        "last_date",
        "recency_days",
        "frequency",
        "spend",
        "monetary",
        "R",
        "F",
        "M",
        "FM",
    ]


def test_rfm_single_customer(tx):
    one = sg.rfm_scores(tx[tx["customer_id"] == "B"], PERIOD)
    # R and M in the middle of the scale; F 1 (one occasion), FM (1 + 3 + 1) // 2 = 2
    assert one[["R", "F", "M", "FM"]].iloc[0].tolist() == [3, 1, 3, 2]
    assert sg.assign_segments(one, sg.RFM11).tolist() == ["Promising"]  # one-time: FM 1 column, cell 31


def test_customer_activity(tx):
    # 2024-01 only: A 2 days 180 (last 01-31), B 1 day 20, C 1 day 200 (01-01)
    act = sg.customer_activity(tx, PERIOD)
    assert act.index.tolist() == ["A", "B", "C"]
    assert act["frequency"].tolist() == [2, 1, 1]
    assert act["spend"].tolist() == [180.0, 20.0, 200.0]
    assert act["last_date"].tolist() == pd.to_datetime(["2024-01-31", "2024-01-21", "2024-01-01"]).tolist()


# ---------------------------------------------------------------------------
# segments under a rule table

# The 11-segment map, written out as the grid (R rows 5..1, FM columns 1..5) from the list.
EXPECTED_RFM11 = {
    5: ["New", "Potential Loyalist", "Loyal", "Champions", "Champions"],
    4: ["Promising", "Potential Loyalist", "Potential Loyalist", "Loyal", "Champions"],
    3: ["Promising", "Need Attention", "Potential Loyalist", "Loyal", "Loyal"],
    2: ["About to Sleep", "Need Attention", "Need Attention", "At Risk", "At Risk"],
    1: ["Lost", "Hibernating", "At Risk", "Can't Lose Them", "Can't Lose Them"],
}


@pytest.mark.parametrize("r, fm", list(itertools.product(range(1, 6), repeat=2)))
def test_rfm11_every_cell(r, fm):
    # FM 1 is only reachable with F 1 and M 1, i.e. one occasion; every other cell by a repeat buyer
    rfm = pd.DataFrame({"R": [r], "F": [fm], "M": [fm], "FM": [fm], "frequency": [1 if fm == 1 else 2]})
    assert sg.assign_segments(rfm, sg.RFM11).iloc[0] == EXPECTED_RFM11[r][fm - 1]


@pytest.mark.parametrize("r, m", list(itertools.product(range(1, 6), repeat=2)))
def test_one_time_buyers_are_placed_on_recency_alone(r, m):
    # with F 1, FM = (1 + M + 1) // 2 = 1, 2, 2, 3, 3 for M 1..5: M 4-5 at R 5 would be cell 53, Loyal.
    # The one-time rule places every one-time buyer in the FM 1 column: 51 New, 41/31 Promising,
    # 21 About to Sleep, 11 Lost -- never Champions, Loyal or Can't Lose Them
    fm = (1 + m + 1) // 2
    rfm = pd.DataFrame({"R": [r], "F": [1], "M": [m], "FM": [fm], "frequency": [1]})
    got = sg.assign_segments(rfm, sg.RFM11).iloc[0]
    assert got == {5: "New", 4: "Promising", 3: "Promising", 2: "About to Sleep", 1: "Lost"}[r]
    assert got not in ("Champions", "Loyal", "Can't Lose Them")
    # a repeat buyer with the same scores is on the grid, never in the FM 1 column (FM at least 2)
    repeat = sg.assign_segments(rfm.assign(frequency=2), sg.RFM11).iloc[0]
    assert repeat == EXPECTED_RFM11[r][max(fm, 2) - 1]
    assert repeat not in ("New", "Promising")


def test_assign_segments_needs_the_frequency():
    with pytest.raises(AnalysisError, match=r"needs the frequency column"):
        sg.assign_segments(pd.DataFrame({"R": [5], "F": [1], "M": [1], "FM": [1]}), sg.RFM11)


# cn8: R, F, M high or low; R high = recent
EXPECTED_CN8 = {
    ("high", "high", "high"): "重要价值",
    ("high", "low", "high"): "重要发展",
    ("low", "high", "high"): "重要保持",
    ("low", "low", "high"): "重要挽留",
    ("high", "high", "low"): "一般价值",
    ("high", "low", "low"): "一般发展",
    ("low", "high", "low"): "一般保持",
    ("low", "low", "low"): "一般挽留",
}


@pytest.mark.parametrize("split", ["mean", "median"])
def test_cn8_every_cell(split):
    # one customer per combination; recency 10 (recent) or 100, frequency 5 or 1, monetary 500 or 50.
    # mean/median: recency 55, frequency 3, monetary 275 -> the first value of each pair is high
    combos = list(EXPECTED_CN8)
    rfm = pd.DataFrame(
        {
            "recency_days": [10 if r == "high" else 100 for r, _, _ in combos],
            "frequency": [5 if f == "high" else 1 for _, f, _ in combos],
            "monetary": [500.0 if m == "high" else 50.0 for _, _, m in combos],
        }
    )
    got = sg.assign_segments(rfm, sg.CN8, split=split).tolist()
    assert got == [EXPECTED_CN8[c] for c in combos]


def test_cn8_recency_direction_and_ties_at_centre():
    # recency 10, 20, 30 (mean 20): only 10 is "R high"; 20 equals the centre -> low.
    # frequency 1, 1, 4 (mean 2): only 4 is high. monetary 10, 20, 30 (mean 20): only 30 is high.
    rfm = pd.DataFrame({"recency_days": [10, 20, 30], "frequency": [1, 1, 4], "monetary": [10.0, 20.0, 30.0]})
    assert sg.assign_segments(rfm, sg.CN8).tolist() == ["一般发展", "一般挽留", "重要保持"]
    with pytest.raises(AnalysisError, match=r"cn8_split must be mean or median"):
        sg.assign_segments(rfm, sg.CN8, split="mode")


def test_custom_three_axis_table():
    rules = {
        "High M": [f"{r}{f}2" for r in (1, 2) for f in (1, 2)],
        "Low M": [f"{r}{f}1" for r in (1, 2) for f in (1, 2)],
    }
    scheme = sg.get_scheme("mine", {"mine": rules}, bins=2)
    assert scheme.axes == ("R", "F", "M")
    rfm = pd.DataFrame({"R": [1, 2], "F": [2, 1], "M": [2, 1], "frequency": [3, 1]})
    assert sg.assign_segments(rfm, scheme).tolist() == ["High M", "Low M"]
    # R x F x M: one-time buyers are read with F 1, repeat buyers with F at least 2
    swapped = rfm.assign(frequency=[1, 4])
    assert sg.assign_segments(swapped, scheme).tolist() == ["High M", "Low M"]  # cells 112 and 221


def test_scores_outside_the_rule_table_are_an_error():
    # a 5-bin table read with a score of 6
    rfm = pd.DataFrame({"R": [6], "F": [1], "M": [1], "FM": [1], "frequency": [1]})
    with pytest.raises(AnalysisError, match=r"scores \[61\] fall outside the rule table"):
        sg.assign_segments(rfm, sg.RFM11)


# ---------------------------------------------------------------------------
# segment table


def test_segment_summary_fixture(tx):
    rfm = sg.rfm_scores(tx, PERIOD)
    rfm["segment"] = sg.assign_segments(rfm, sg.RFM11)
    # cells (R, FM): A 53 Loyal, C 34 Loyal, E 12 Hibernating; one-time buyers on recency alone:
    # B (R 4) 41 Promising, D (R 2) 21 About to Sleep
    assert rfm["segment"].astype(str).tolist() == [
        "Loyal",
        "Promising",
        "Loyal",
        "About to Sleep",
        "Hibernating",
    ]
    t = sg.segment_summary(rfm, sg.RFM11).set_index("segment")
    assert len(t) == 11 and t["customers"].sum() == 5
    assert t.loc["Loyal", "share"] == pytest.approx(2 / 5)
    assert t.loc["Loyal", "revenue_share"] == pytest.approx(780 / 815)  # A 180 + C 600 of 180+20+600+10+5 = 815
    assert t.loc["Champions", "customers"] == 0 and t.loc["Champions", "revenue_share"] == 0
    assert (
        t.loc["Champions", "action"]
        == "Reward them: early access to new products, VIP perks, ask for reviews and referrals."
    )
    zh = sg.segment_summary(rfm, sg.RFM11, language="zh", actions={"Loyal": "打电话"}).set_index("segment")
    assert zh.loc["Champions", "action"] == "重点奖励：新品抢先体验、VIP 专属权益，邀请评价和推荐新客。"
    assert zh.loc["Champions", "label"] == "冠军客户"
    assert zh.loc["Loyal", "action"] == "打电话"
