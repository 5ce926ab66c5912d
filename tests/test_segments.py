"""Segmentation: RFM scoring, rule tables, frequency and member tiers, points, migration.

Every expected value is worked out by hand in the comments.
"""

from __future__ import annotations

import itertools
import textwrap

import numpy as np
import pandas as pd
import pytest

from repurchase import segments as sg
from repurchase.core import i18n
from repurchase.core.errors import AnalysisError, DataError, ParamsError
from repurchase.core.params import SegmentationSettings, load_params
from repurchase.core.periods import Period

# ---------------------------------------------------------------------------
# fixture: five customers, report period 2024-01 (as of 2024-02-01, last day 2024-01-31)
#
#   A: 2024-01-10 30; 2024-01-31 10:00 100 and 15:00 50 (same day) -> recency 0, F 2 days, spend 180
#      (+ a row on 2024-02-01 00:00, after the period: ignored)
#   B: 2024-01-21 20                                              -> recency 10, F 1, spend 20
#   C: 2023-11-01, 2023-12-01, 2024-01-01, 200 each               -> recency 30, F 3, spend 600
#   D: 2023-12-31 10                                              -> recency 31, F 1, spend 10
#   E: 2023-06-30 2; 2023-07-30 3                                 -> recency 185, F 2, spend 5


def make_tx() -> pd.DataFrame:
    rows = [
        ("A", "A1", "2024-01-10 09:00", 30.0),
        ("A", "A2", "2024-01-31 10:00", 100.0),
        ("A", "A3", "2024-01-31 15:00", 50.0),
        ("A", "A4", "2024-02-01 00:00", 999.0),
        ("B", "B1", "2024-01-21 12:00", 20.0),
        ("C", "C1", "2023-11-01 08:00", 200.0),
        ("C", "C2", "2023-12-01 08:00", 200.0),
        ("C", "C3", "2024-01-01 08:00", 200.0),
        ("D", "D1", "2023-12-31 23:59", 10.0),
        ("E", "E1", "2023-06-30 10:00", 2.0),
        ("E", "E2", "2023-07-30 10:00", 3.0),
    ]
    tx = pd.DataFrame(rows, columns=["customer_id", "order_id", "order_date", "amount"])
    tx["order_date"] = pd.to_datetime(tx["order_date"])
    return tx


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
    # frequency ranked with method='first': ranks 1..10 in order -> two per quintile
    f = pd.Series([1, 1, 1, 1, 1, 1, 2, 2, 3, 5])
    assert sg.score(f, 5, ties="first").tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


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


def test_rfm_scores_fixture():
    rfm = sg.rfm_scores(make_tx(), AS_OF).set_index("customer_id")
    assert rfm.index.tolist() == ["A", "B", "C", "D", "E"]
    assert rfm["recency_days"].tolist() == [0, 10, 30, 31, 185]
    assert rfm["frequency"].tolist() == [2, 1, 3, 1, 2]  # A's two orders on 01-31 are one occasion
    assert rfm["spend"].tolist() == [180.0, 20.0, 600.0, 10.0, 5.0]  # the 999 after the period is ignored
    # R: recency 0 < 10 < 30 < 31 < 185 -> 5, 4, 3, 2, 1
    assert rfm["R"].tolist() == [5, 4, 3, 2, 1]
    # F, ties by ID order: B(1) 1, D(1) 2, A(2) 3, E(2) 4, C(3) 5
    assert rfm["F"].tolist() == [3, 1, 5, 2, 4]
    # M (total): E 5 < D 10 < B 20 < A 180 < C 600 -> A 4, B 3, C 5, D 2, E 1
    assert rfm["M"].tolist() == [4, 3, 5, 2, 1]
    # FM = round half up of (F+M)/2: A 3.5 -> 4, B 2 -> 2, C 5, D 2, E 2.5 -> 3
    assert rfm["FM"].tolist() == [4, 2, 5, 2, 3]


def test_fm_rounds_halves_up():
    # every (F, M) pair: (F+M)/2 rounded half up; 2.5 -> 3 and 4.5 -> 5 (Python's round would give 2 and 4)
    expected_by_sum = {2: 1, 3: 2, 4: 2, 5: 3, 6: 3, 7: 4, 8: 4, 9: 5, 10: 5}
    pairs = list(itertools.product(range(1, 6), repeat=2))
    fm = sg.fm_score(pd.Series([p[0] for p in pairs]), pd.Series([p[1] for p in pairs]))
    assert fm.tolist() == [expected_by_sum[a + b] for a, b in pairs]


def test_rfm_average_monetary_window_and_orders():
    tx = make_tx()
    avg = sg.rfm_scores(tx, AS_OF, monetary="average").set_index("customer_id")
    # spend / occasions: A 180/2, B 20, C 600/3, D 10, E 5/2
    assert avg["monetary"].tolist() == [90.0, 20.0, 200.0, 10.0, 2.5]
    # last month only (from 2024-01-01): A (2 days, 180), B (20), C (one day: 2024-01-01, 200); D, E not scored
    win = sg.rfm_scores(tx, AS_OF, reference_months=1).set_index("customer_id")
    assert win.index.tolist() == ["A", "B", "C"]
    assert win["frequency"].tolist() == [2, 1, 1]
    assert win["spend"].tolist() == [180.0, 20.0, 200.0]
    # occasion = order: A's two orders on 01-31 count twice
    orders = sg.rfm_scores(tx, AS_OF, occasion="order").set_index("customer_id")
    assert orders.loc["A", "frequency"] == 3


def test_rfm_single_customer():
    tx = make_tx()
    one = sg.rfm_scores(tx[tx["customer_id"] == "B"], AS_OF)
    assert one[["R", "F", "M", "FM"]].iloc[0].tolist() == [3, 3, 3, 3]  # the middle of every scale
    assert sg.assign_segments(one, sg.RFM11).tolist() == ["Potential Loyalist"]  # cell 33


# ---------------------------------------------------------------------------
# rule tables

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
    rfm = pd.DataFrame({"R": [r], "F": [fm], "M": [fm], "FM": [fm]})
    assert sg.assign_segments(rfm, sg.RFM11).iloc[0] == EXPECTED_RFM11[r][fm - 1]


def test_rfm11_table_is_complete_and_grid_matches():
    assert sg.rule_table_problems(sg.RFM11.rules, 5) == []
    grid = sg.RFM11.grid().set_index("R")
    for r, row in EXPECTED_RFM11.items():
        assert grid.loc[str(r)].tolist() == row


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


def test_every_builtin_segment_and_tier_has_text_in_both_catalogs():
    for scheme in sg.BUILTIN_SCHEMES.values():
        for seg in scheme.segments:
            code = sg.SEGMENT_CODES[seg]
            for lang in i18n.LANGUAGES:
                assert i18n.has(f"segments.name.{code}", lang) and i18n.has(f"segments.action.{code}", lang)
    for code in sg.FREQUENCY_CODES.values():
        assert i18n.has(f"segments.freq.{code}", "zh") and i18n.has(f"segments.freq_action.{code}", "zh")
    for code in sg.TIER_CODES.values():
        assert i18n.has(f"segments.tier.{code}", "zh")


def test_labels_and_actions_in_the_report_language():
    assert sg.segment_label("Champions") == "Champions"
    assert sg.segment_label("Champions", "zh") == "冠军客户"
    assert sg.segment_label("重要价值", "en") == "重要价值 (important value)"
    assert sg.segment_label("My own", "zh") == "My own"  # a custom segment keeps its name
    assert sg.segment_label(sg.NEW, "zh") == "（本月新增）"
    assert sg.recommended_action("At Risk", "en").startswith("Personal win-back before they lapse")
    assert sg.recommended_action("At Risk", "zh").startswith("流失前一对一挽回")
    assert sg.recommended_action("one-time", "zh") == "促成第二次购买：新客引导、限时复购券。"
    assert sg.recommended_action("At Risk", "zh", {"At Risk": "打电话"}) == "打电话"  # params win
    assert sg.recommended_action("Mine", "zh") == "（未设置建议动作：请在参数中添加 segmentation.actions.Mine）"
    assert sg.frequency_tier_label("high", "en") == "high-frequency"
    assert sg.member_tier_label("gold", "zh") == "黄金会员" and sg.member_tier_label("VIP", "zh") == "VIP"


def test_rule_table_problems():
    ok = {"Active": ["21", "22"], "Lapsed": [11, "12"]}  # ints allowed (YAML without quotes)
    assert sg.rule_table_problems(ok, 2) == []
    missing = sg.rule_table_problems({"Active": ["21", "22"], "Lapsed": ["11"]}, 2)
    assert missing == [
        "1 of the 4 cells (R x FM, scores 1..2) belong to no segment: 12; add each to exactly one segment"
    ]
    twice = sg.rule_table_problems({"A": ["11", "12", "21"], "B": ["21", "22"]}, 2)
    assert twice == ["cells listed more than once: 21 (A, B); keep each cell in one segment"]
    assert "each digit must be 1..2" in sg.rule_table_problems({"A": ["13", "11", "12", "21", "22"]}, 2)[0]
    assert "same number of digits" in sg.rule_table_problems({"A": ["11", "111"]}, 2)[0]


def test_custom_three_axis_table():
    rules = {
        "High M": [f"{r}{f}2" for r in (1, 2) for f in (1, 2)],
        "Low M": [f"{r}{f}1" for r in (1, 2) for f in (1, 2)],
    }
    scheme = sg.get_scheme("mine", {"mine": rules}, bins=2)
    assert scheme.axes == ("R", "F", "M")
    rfm = pd.DataFrame({"R": [1, 2], "F": [2, 1], "M": [2, 1]})
    assert sg.assign_segments(rfm, scheme).tolist() == ["High M", "Low M"]


def test_get_scheme_errors():
    with pytest.raises(AnalysisError, match=r"rfm11 is defined on 5 score bins; set segmentation.rfm_bins: 5"):
        sg.get_scheme("rfm11", bins=4)
    with pytest.raises(AnalysisError, match=r"unknown scheme 'nope'"):
        sg.get_scheme("nope")
    with pytest.raises(AnalysisError, match=r"segmentation.custom_schemes.bad: 1 of the 4 cells"):
        sg.get_scheme("bad", {"bad": {"A": ["11", "12", "21"]}}, bins=2)


# -- rule tables supplied in params ------------------------------------------


def write_params(tmp_path, segmentation: str):
    csv = tmp_path / "tx.csv"
    make_tx().to_csv(csv, index=False)
    p = tmp_path / "client.yaml"
    p.write_text(
        textwrap.dedent(
            f"""\
            client: test
            title: Test
            sources:
              transactions:
                path: {csv}
                columns: {{customer_id: customer_id, order_id: order_id, order_date: order_date, amount: amount}}
            segmentation:
            """
        )
        + textwrap.indent(textwrap.dedent(segmentation), "  "),
        encoding="utf-8",
    )
    return p


def test_params_custom_rule_table_works(tmp_path):
    p = write_params(
        tmp_path,
        """\
        rfm_bins: 2
        scheme: two
        custom_schemes:
          two:
            Active: ["21", "22"]
            Lapsed: [11, 12]
        actions:
          Active: Thank them.
        """,
    )
    settings = load_params(p).segmentation
    res = sg.run_segmentation(make_tx(), PERIOD, settings)
    # R with 2 bins: recency ranks E 1, D 2, C 3, B 4, A 5 -> floor(2 * (1,3,5,7,9) / 10) + 1 = 1, 1, 2, 2, 2
    seg = res.customers.set_index("customer_id")["segment"].astype(str)
    assert seg.to_dict() == {"A": "Active", "B": "Active", "C": "Active", "D": "Lapsed", "E": "Lapsed"}
    summary = res.summary.set_index("segment")
    assert summary.loc["Active", "customers"] == 3
    assert summary.loc["Active", "action"] == "Thank them."
    assert summary.loc["Lapsed", "action"].startswith("(no action set: add segmentation.actions.Lapsed")


def test_params_invalid_rule_table_gives_clear_error(tmp_path):
    p = write_params(
        tmp_path,
        """\
        rfm_bins: 2
        scheme: two
        custom_schemes:
          two:
            Active: ["21", "22"]
            Lapsed: ["11", "21"]
        """,
    )
    with pytest.raises(
        ParamsError,
        match=r"segmentation\.custom_schemes\.two: 1 of the 4 cells \(R x FM, scores 1\.\.2\) belong to no segment: 12; "
        r"add each to exactly one segment\n  - segmentation\.custom_schemes\.two: cells listed more than once: 21 \(Active, Lapsed\)",
    ):
        load_params(p)


def test_params_unknown_scheme_and_wrong_bins(tmp_path):
    with pytest.raises(ParamsError, match=r"scheme: unknown scheme 'rfm12' \(did you mean 'rfm11'\?\)"):
        load_params(write_params(tmp_path, "scheme: rfm12\n"))
    with pytest.raises(ParamsError, match=r"scheme: rfm11 is defined on 5 score bins; set rfm_bins: 5"):
        load_params(write_params(tmp_path, "rfm_bins: 4\n"))
    with pytest.raises(ParamsError, match=r"tier_thresholds: give 2 increasing positive values"):
        load_params(write_params(tmp_path, "tier_thresholds: [500, 100]\n"))


# ---------------------------------------------------------------------------
# segment table, frequency tiers


def test_segment_summary_fixture():
    rfm = sg.rfm_scores(make_tx(), AS_OF)
    rfm["segment"] = sg.assign_segments(rfm, sg.RFM11)
    # cells: A 54 Champions, B 42 Potential Loyalist, C 35 Loyal, D 22 Need Attention, E 13 At Risk
    assert rfm["segment"].astype(str).tolist() == [
        "Champions",
        "Potential Loyalist",
        "Loyal",
        "Need Attention",
        "At Risk",
    ]
    t = sg.segment_summary(rfm, sg.RFM11).set_index("segment")
    assert len(t) == 11 and t["customers"].sum() == 5
    assert t.loc["Champions", "share"] == pytest.approx(1 / 5)
    assert t.loc["Champions", "revenue_share"] == pytest.approx(180 / 815)  # total 180+20+600+10+5 = 815
    assert t.loc["Lost", "customers"] == 0 and t.loc["Lost", "revenue_share"] == 0
    assert (
        t.loc["Champions", "action"]
        == "Reward them: early access to new products, VIP perks, ask for reviews and referrals."
    )
    zh = sg.segment_summary(rfm, sg.RFM11, language="zh", actions={"Loyal": "打电话"}).set_index("segment")
    assert zh.loc["Champions", "action"] == "重点奖励：新品抢先体验、VIP 专属权益，邀请评价和推荐新客。"
    assert zh.loc["Champions", "label"] == "冠军客户"
    assert zh.loc["Loyal", "action"] == "打电话"


def test_frequency_tiers():
    f = pd.Series([1, 2, 3, 4, 7])
    tiers = sg.frequency_tiers(f, {"high": 4, "occasional": 2})
    assert tiers.astype(str).tolist() == ["one-time", "occasional", "occasional", "high", "high"]
    rfm = pd.DataFrame({"frequency": f, "spend": [10.0, 20.0, 30.0, 40.0, 100.0], "frequency_tier": tiers})
    t = sg.frequency_summary(rfm, {"high": 4, "occasional": 2}).set_index("tier")
    assert t.index.tolist() == ["high", "occasional", "one-time"]
    assert t["customers"].tolist() == [2, 2, 1]
    # revenue 140, 50, 10 of 200
    assert t["revenue_share"].tolist() == pytest.approx([0.7, 0.25, 0.05])
    assert t.loc["one-time", "treatment"] == sg.recommended_action("one-time", "en")
    assert t["occasions"].tolist() == ["≥ 4", "≥ 2", "1"]
    assert t["label"].tolist() == ["high-frequency", "occasional", "one-time"]


# ---------------------------------------------------------------------------
# member tiers and points


# rolling 12 months = [2023-02-01, 2024-02-01). F bought once, in 2023-01, outside it.
def tier_tx() -> pd.DataFrame:
    tx = make_tx()
    extra = pd.DataFrame(
        {"customer_id": ["F"], "order_id": ["F1"], "order_date": [pd.Timestamp("2023-01-15")], "amount": [1000.0]}
    )
    return pd.concat([tx, extra], ignore_index=True)


IDS = pd.Series(list("ABCDEF"))


def test_member_tiers_simulated_with_thresholds_and_points():
    per, table = sg.member_tiers(tier_tx(), IDS, PERIOD, thresholds=[100, 500], points_per_100=[1, 2, 3])
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


def test_tier_thresholds_from_data_and_points_basis():
    # buyers' 12-month spend 5, 10, 20, 180, 600: quantile 0.6 = 20 + 0.4 x 160 = 84; 0.8 = 180 + 0.2 x 420 = 264 -> 260
    per, table = sg.member_tiers(tier_tx(), IDS, PERIOD, top_shares=[0.4, 0.2])
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
    per_p, _ = sg.member_tiers(tier_tx(), IDS, PERIOD, basis="points", thresholds=[1, 5])
    per_p = per_p.set_index("customer_id")
    assert per_p["tier"].astype(str).tolist() == ["gold", "normal", "diamond", "normal", "normal", "normal"]
    assert per_p.loc["B", "spend_to_next_tier"] == pytest.approx(80.0)  # (1 - 0.2) points x 100


def test_member_tiers_from_customers_source():
    customers = pd.DataFrame({"customer_id": ["A", "B", "C", "E"], "tier": ["Gold ", "钻石", None, "普通"]})
    per, _ = sg.member_tiers(
        tier_tx(),
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
    sim, _ = sg.member_tiers(tier_tx(), IDS, PERIOD, customers=customers, source="simulated", thresholds=[100, 500])
    assert sim.set_index("customer_id").loc["B", "tier"] == "normal"


def test_member_tiers_errors():
    bad = pd.DataFrame({"customer_id": ["A", "B"], "tier": ["VIP", "gold"]})
    with pytest.raises(
        DataError, match=r"tier labels 'VIP' \(1 customers\) are not in segmentation.tier_names .*tier_aliases"
    ):
        sg.member_tiers(tier_tx(), IDS, PERIOD, customers=bad)
    with pytest.raises(
        DataError, match=r"tier_source is customers, but there is no customers source with a tier column"
    ):
        sg.member_tiers(tier_tx(), IDS, PERIOD, source="customers")


# ---------------------------------------------------------------------------
# migration


def test_migration_matrix_counts():
    prev = pd.Series({"a": "X", "b": "X", "c": "Y", "d": "Y"})
    cur = pd.Series({"a": "X", "b": "Y", "d": "X", "e": "X"})
    m = sg.migration_matrix(prev, cur, ["X", "Y"])
    # a X->X, b X->Y, c Y->(not scored), d Y->X, e (new)->X
    assert m.index.tolist() == ["X", "Y", sg.NEW]
    assert m.columns.tolist() == ["X", "Y", sg.NOT_SCORED]
    assert m.to_numpy().tolist() == [[1, 1, 0], [1, 0, 1], [1, 0, 0]]
    flows = sg.biggest_flows(m, 5)
    # moves between different segments, new excluded: X->Y 1 (1/2), Y->X 1 (1/2), Y->(not scored) 1
    assert len(flows) == 3 and set(flows["from_segment"]) == {"X", "Y"}
    assert flows["share_of_from"].tolist() == [0.5, 0.5, 0.5]


def test_run_segmentation_fixture_end_to_end():
    settings = SegmentationSettings(tier_thresholds=[100, 500])
    res = sg.run_segmentation(make_tx(), PERIOD, settings)
    # previous period (as of 2024-01-01, last day 2023-12-31): C, D, E only.
    #   recency C 30, D 0, E 154 -> R: E 1, C 3, D 5 (n = 3: floor(5 x (1,3,5) / 6) + 1)
    #   F (first, order C, D, E): D(1) 1st, C(2) 2nd, E(2) 3rd -> D 1, C 3, E 5
    #   M: E 5, D 10, C 400 -> E 1, D 3, C 5
    #   FM: C (3+5+1)//2 = 4 -> 34 Loyal; D (1+3+1)//2 = 2 -> 52 Potential Loyalist; E (5+1+1)//2 = 3 -> 13 At Risk
    # now: A Champions, B Potential Loyalist, C Loyal, D Need Attention, E At Risk
    m = res.migration
    assert int(m.to_numpy().sum()) == 5
    assert m.loc["Loyal", "Loyal"] == 1
    assert m.loc["Potential Loyalist", "Need Attention"] == 1
    assert m.loc["At Risk", "At Risk"] == 1
    assert m.loc[sg.NEW, "Champions"] == 1 and m.loc[sg.NEW, "Potential Loyalist"] == 1
    metrics = sg.segmentation_metrics(res)
    assert metrics["customers"] == 5
    assert metrics["segments"]["Champions"] == {"customers": 1, "share": 0.2, "revenue_share": pytest.approx(180 / 815)}
    assert metrics["member_tiers"]["gold"]["customers"] == 1
    assert metrics["migration_stayed_share"] == pytest.approx(2 / 3)  # Loyal and At Risk stayed, of 3
    export = sg.segment_export(res)
    assert export.columns[:10].tolist() == [
        "customer_id",
        "last_purchase",
        "recency_days",
        "frequency",
        "monetary",
        "spend",
        "R",
        "F",
        "M",
        "segment",
    ]
    assert export.set_index("customer_id").loc["A", "recommended_action"] == sg.recommended_action("Champions", "en")
    assert "2 of 3 customers (66.7%) kept their segment; 2 were new" in sg.describe_migration(res)


def test_run_segmentation_empty_window_is_an_error():
    with pytest.raises(AnalysisError, match=r"no customer bought in the last 1 months"):
        sg.run_segmentation(
            make_tx()[lambda d: d["customer_id"] == "E"], PERIOD, SegmentationSettings(reference_months=1)
        )


def test_report_tables_and_sentences_fixture():
    res = sg.run_segmentation(make_tx(), PERIOD, SegmentationSettings(tier_thresholds=[100, 500]))
    # Champions: A alone, 1 of 5 customers, 180 of 815 revenue; the richest segment is Loyal (C: 600 / 815 = 73.6%)
    assert sg.describe_segments(res) == (
        "Champions, the first segment of the rule table, are 20.0% of customers (1) and bring 22.1% of revenue. "
        "Loyal bring the most revenue: 73.6% from 20.0% of customers."
    )
    # report tables: every header has a catalog entry (col.*), shown as before in English
    headers = i18n.translate_columns(res.segment_table(), "en").columns.tolist()
    assert headers == [
        "segment",
        "customers",
        "share",
        "revenue share",
        "mean recency (days)",
        "mean frequency",
        "mean monetary",
        "recommended action",
    ]
    for table in (
        res.frequency_table(),
        res.threshold_table(),
        res.tier_table(),
        res.upgrade_table(),
        res.flow_table(),
        res.scheme.table(),
    ):
        assert all(i18n.has(f"col.{c}") for c in table.columns), table.columns
    assert res.tier_table()["seg_tier"].tolist() == ["normal", "gold", "diamond"]
    assert res.scheme.table().iloc[0].tolist() == ["Champions", "55, 54, 45"]
    assert sg.CN8.table().iloc[1].tolist() == ["重要发展 (important to develop)", "R high, F low, M high"]
    # flows: Potential Loyalist -> Need Attention, 1 of 1 (D); the only move between two segments
    assert res.flow_table().iloc[0].tolist() == ["Potential Loyalist", "Need Attention", 1, 1.0]


def test_report_in_chinese():
    res = sg.run_segmentation(make_tx(), PERIOD, SegmentationSettings(tier_thresholds=[100, 500]), language="zh")
    # same numbers as the English sentence above
    assert sg.describe_segments(res) == (
        "规则表的第一个客群是冠军客户：占客户的 20.0%（1 位），贡献 22.1% 的销售额。"
        "忠诚客户贡献的销售额最多：以 20.0% 的客户贡献了 73.6% 的销售额。"
    )
    assert sg.describe_segments(res, "en").startswith("Champions, the first segment")  # lang overrides the result's
    # 2 of 3 previous customers stayed; A and B are new
    assert sg.describe_migration(res).startswith("上期已评分的 3 位客户中，2 位（66.7%）保持原客群；新增 2 位。")
    assert sg.CN8.table("zh").iloc[1].tolist() == ["重要发展客户", "R 高, F 低, M 高"]
    assert res.tier_table()["seg_tier"].tolist() == ["普通会员", "黄金会员", "钻石会员"]
    assert res.threshold_table()["seg_set_from"].tolist() == ["参数"] * 3
    assert res.frequency_table()["seg_frequency_tier"].tolist() == ["高频客户", "偶尔复购客户", "一次性客户"]
    assert i18n.translate_columns(res.segment_table(), "zh").columns[0] == "客群"
    assert res.labels[sg.NEW] == "（本月新增）"
    assert res.scheme.describe("zh").startswith("R 分 × FM 分网格上的 11 个客群")


def test_plots_draw_from_a_result():
    import matplotlib

    matplotlib.use("agg")  # off-screen; the library never calls matplotlib.use
    import matplotlib.pyplot as plt

    from repurchase import plots

    res = sg.run_segmentation(make_tx(), PERIOD, SegmentationSettings(tier_thresholds=[100, 500]))
    with plt.rc_context():
        plots.use_report_style()  # registers the CJK font for the Chinese label below
        ax = plots.plot_segment_sizes(res.summary)
        assert len(ax.patches) == 2 * 11  # two bars per segment
        ax = plots.plot_rf_scatter(res.customers, res.scheme.segments, max_points=3)
        assert "random sample of 3 of 5" in ax.get_title()
        assert sum(len(c.get_offsets()) for c in ax.collections) == 3
        plots.plot_rule_grid(res.scheme.grid(), res.scheme.segments)
        plots.plot_rule_grid(sg.CN8.grid(), sg.CN8.segments)
        plots.plot_frequency_tiers(res.frequency)
        plots.plot_member_tiers(res.tiers)
        ax = plots.plot_migration(res.migration, labels={"Champions": "冠军客户"})
        assert ax.get_ylabel() == "previous period"
        assert "冠军客户" in [t.get_text() for t in ax.get_xticklabels()]
        # Chinese: titles, axes, legends and tier names from the zh catalog
        ax = plots.plot_migration(res.migration, labels=res.labels, lang="zh")
        assert ax.get_title() == "客群迁移：上期（行）到本期（列）" and ax.get_ylabel() == "上期"
        ax = plots.plot_rf_scatter(res.customers, res.scheme.segments, max_points=3, lang="zh")
        assert ax.get_title() == "最近一次消费与购买次数（按客群着色）（从 5 位中随机抽样 3 位）"
        ax = plots.plot_member_tiers(res.tiers, lang="zh")
        # normal: 1 repeater (E) of 3 buyers -> 33%
        assert [t.get_text() for t in ax.get_yticklabels()][0] == "普通会员（复购率 33%）"
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["客户数占比", "近 12 个月消费额占比"]
        ax = plots.plot_frequency_tiers(res.frequency, lang="zh")
        assert [t.get_text() for t in ax.get_yticklabels()][0] == "高频客户（≥ 4 次）"
        ax = plots.plot_rule_grid(
            sg.CN8.grid("zh"),
            sg.CN8.segments,
            labels={s: sg.segment_label(s, "zh") for s in sg.CN8.segments},
            lang="zh",
        )
        assert ax.get_title() == "客群规则表" and "R 高, F 高" in [t.get_text() for t in ax.get_yticklabels()]
        plt.close("all")


def test_run_segmentation_with_customers_source_keeps_real_ids():
    # IDs are replaced by integer codes inside run_segmentation; the result must carry the real ones back.
    customers = pd.DataFrame({"customer_id": ["B", "ZZ"], "tier": ["钻石", "gold"]})  # ZZ never bought: ignored
    res = sg.run_segmentation(
        make_tx(), PERIOD, SegmentationSettings(tier_thresholds=[100, 500], upgrade_within=0.9), customers=customers
    )
    c = res.customers.set_index("customer_id")
    assert c.index.tolist() == ["A", "B", "C", "D", "E"]
    # B recorded diamond; the others are missing from the source -> lowest tier
    assert c["tier"].astype(str).tolist() == ["normal", "diamond", "normal", "normal", "normal"]
    # gaps to gold (100): A 0 (already spends 180: not listed), C 0, D 90 <= 90, E 95 > 90
    assert res.upgrades["customer_id"].tolist() == ["D"]
    assert res.settings["tier_source"] == "customers"
    assert sg.segment_export(res)["customer_id"].tolist() == ["A", "B", "C", "D", "E"]


def test_tier_thresholds_with_too_few_buyers():
    names, rates = ["normal", "gold", "diamond"], [1, 2, 3]
    # one buyer spending 10: the 80% and 96% quantiles are both 10; diamond would not exceed gold -> unreachable
    one = sg.tier_thresholds(pd.Series([10.0]), names, rates)
    assert one["threshold"].tolist() == [0.0, 10.0, np.inf]
    none = sg.tier_thresholds(pd.Series([], dtype=float), names, rates)
    assert none["threshold"].tolist() == [0.0, np.inf, np.inf]


def test_describe_tiers_states_the_points_assumption():
    res = sg.run_segmentation(make_tx(), PERIOD, SegmentationSettings(tier_thresholds=[100, 500]))
    # outstanding points: A 3.6 + B 0.2 + C 18 + D 0.1 + E 0.05 = 21.95 (shown 22), liability 21.95 x 1 = ¥21.95;
    # diamond = C: 1 of 5, 600 of 815 spend
    assert sg.describe_tiers(res, "CNY") == (
        "Tiers are simulated from rolling-12-month spend (thresholds set from params). The top tier, diamond, holds "
        "20.0% of customers and 73.6% of the last 12 months' spend. Points outstanding: 22, a liability of ¥21.95 "
        "at 1 per point, assuming no point was redeemed (no redemption data) and points expire after 12 months."
    )
    assert sg.describe_tiers(res, "CNY", "zh") == (
        "会员等级按滚动 12 个月消费额模拟（门槛来自参数）。最高等级钻石会员占客户的 20.0%，贡献近 12 个月消费额的 73.6%。"
        "未使用积分：22，按每分 1 计，积分负债为 ¥21.95；假设积分均未兑换（没有兑换数据），且积分在 12 个月后过期。"
    )
