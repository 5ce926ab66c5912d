"""Scores: NPS groups, NPS/CSAT/CES with intervals, by month and period, and the change test."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from repurchase import satisfaction as sat
from repurchase.core.periods import Period


def test_nps_groups_and_point_interval_by_hand(nps_sample):
    # 10, 9 -> promoter; 8, 7 -> passive; 6 ... 0 -> detractor; NaN stays NaN
    g = sat.nps_group(pd.Series([10, 9, 8, 7, 6, 0, np.nan]))
    assert g.astype(object).tolist()[:6] == ["promoter", "promoter", "passive", "passive", "detractor", "detractor"]
    assert pd.isna(g.iloc[6])

    # 8 promoters, 7 passives, 5 detractors of 20: p = .40, d = .25, NPS = 15
    # SE = 100 * sqrt((.40 + .25 - .15^2) / 20) = 100 * sqrt(.6275 / 20) = 17.7129
    row = sat.score_table(nps_sample(8, 7, 5)).iloc[0]
    assert (row["nps_n"], row["promoters"], row["passives"], row["detractors"]) == (20, 8, 7, 5)
    assert row["nps"] == pytest.approx(15.0)
    assert row["nps_se"] == pytest.approx(17.712990, abs=1e-5)
    assert row["nps_low"] == pytest.approx(15 - 1.959964 * 17.712990, abs=1e-4)


def test_nps_interval_reference_value_25_pm_7_5_at_n_400(nps_sample):
    # methods.md: NPS 25 ± 7.5 points at n = 400: 180 promoters (45%), 140 passives, 80 detractors (20%)
    # SE = 100 * sqrt((.45 + .20 - .25^2) / 400) = 100 * sqrt(.5875 / 400) = 3.8324 -> ± 1.96 SE = 7.51
    row = sat.score_table(nps_sample(180, 140, 80)).iloc[0]
    assert row["nps"] == pytest.approx(25.0)
    assert row["nps_se"] == pytest.approx(3.832427, abs=1e-5)
    assert row["nps_high"] - row["nps"] == pytest.approx(7.51, abs=0.01)


def test_nps_interval_clipped_and_empty_group_is_nan():
    nps, se, low, high = sat.nps_interval([5, 0], [0, 0], [5, 0])
    assert nps[0] == 100 and se[0] == 0 and high[0] == 100  # all promoters: no spread, clipped at 100
    assert np.isnan(nps[1]) and np.isnan(low[1])


def test_csat_share_of_4_5_with_wilson_interval_and_ces_mean(responses):
    # CSAT answers 5 4 3 2 1 4 5 and one blank: 4 of 7 satisfied = 0.5714
    # Wilson, z = 1.96: centre = (4 + 1.9208) / 10.8416 = .54611; half = 1.96 * sqrt(12/7 + .9604) / 10.8416 = .29566
    frame = responses([9] * 8, csat=[5, 4, 3, 2, 1, 4, 5, np.nan], ces=[7, 6, 5, 4, np.nan, np.nan, np.nan, np.nan])
    row = sat.score_table(frame).iloc[0]
    assert (row["csat_n"], row["satisfied"]) == (7, 4)
    assert row["csat"] == pytest.approx(4 / 7)
    assert row["csat_low"] == pytest.approx(0.25045, abs=1e-4)
    assert row["csat_high"] == pytest.approx(0.84177, abs=1e-4)
    assert (row["ces_n"], row["ces"]) == (4, pytest.approx(5.5))  # (7 + 6 + 5 + 4) / 4


def test_scores_by_month_and_period_change_test_by_hand(nps_sample):
    # previous month: 160 promoters, 140 passives, 100 detractors of 400 -> NPS 15, SE = 100 * sqrt((.65 - .0225) / 400) = 3.9608
    # this month: NPS 25, SE 3.8324 (see above); difference 10, SE = sqrt(3.8324^2 + 3.9608^2) = 5.5114
    # z = 1.8144, two-sided p = 0.0696
    frame = pd.concat(
        [
            nps_sample(160, 140, 100, "2026-09-01"),
            nps_sample(180, 140, 80, "2026-10-01"),
            nps_sample(1, 0, 0, "2026-11-01"),
        ],
        ignore_index=True,
    )
    months = sat.scores_by_month(frame)
    assert months["month"].tolist() == ["2026-09", "2026-10", "2026-11"]
    scores = sat.period_scores(frame, Period.from_label("2026-10"))
    assert scores["label"].tolist() == ["2026-10", "2026-09"]
    assert scores["nps"].tolist() == pytest.approx([25.0, 15.0])
    change = sat.score_change(scores).set_index("metric").loc["nps"]
    assert change["difference"] == pytest.approx(10.0)
    assert change["se"] == pytest.approx(math.sqrt(0.5875 / 400 + 0.6275 / 400) * 100, abs=1e-6)
    assert change["se"] == pytest.approx(5.5114, abs=1e-4)
    assert change["z"] == pytest.approx(1.8144, abs=1e-3)
    assert change["p_value"] == pytest.approx(0.0696, abs=1e-3)

    quarter = sat.period_scores(frame, Period.from_label("2026-10"), months=3)
    assert quarter["label"].tolist() == ["2026-08..2026-10", "2026-05..2026-07"]
    assert quarter["responses"].tolist() == [800, 0] and np.isnan(quarter.loc[1, "nps"])


def test_score_window_is_a_window_of_whole_months():
    window, label = sat.score_window(Period.from_label("2026-10"), 3, back=1)
    assert label == "2026-05..2026-07"
    assert window.start == pd.Timestamp("2026-05-01") and window.end_exclusive == pd.Timestamp("2026-08-01")
    one, one_label = sat.score_window(Period.from_label("2026-10"))
    assert one_label == "2026-10" and one.end == pd.Timestamp("2026-10-31")


def test_no_surveys_give_empty_tables():
    assert sat.scores_by_month(None).empty and "nps" in sat.scores_by_month(None).columns
    assert sat.score_table(None, "channel").columns[0] == "channel"
    none = sat.period_scores(None, Period.from_label("2026-10"))
    assert none["responses"].tolist() == [0, 0] and none["nps"].isna().all()


def test_nps_heterogeneity_cochran_q_by_hand(nps_sample):
    # four months:
    #   2026-01: 10 promoters, 10 detractors (n 20): NPS 0,  SE = 100 sqrt((.5 + .5 - 0) / 20)   = sqrt(500),   w = 1/500
    #   2026-02: 20 P, 10 passives, 10 D (n 40):     NPS 25, SE = 100 sqrt((.75 - .0625) / 40) = sqrt(171.875), w = 8/1375
    #   2026-03: 5 promoters only: SE 0 -> left out (infinite weight)
    #   2026-04: 8 P, 8 passives, 4 D (n 20):        NPS 20, SE = 100 sqrt((.6 - .04) / 20)    = sqrt(280),   w = 1/280
    # weighted mean = (0 + 25 x 8/1375 + 20/280) / (1/500 + 8/1375 + 1/280) = 16700/877 = 19.042
    # Q = Σ w (NPS - mean)^2 = 820/877 = 0.9350 on 3 - 1 = 2 df; with 2 df P(χ² ≥ Q) = exp(-Q/2) = 0.6266
    frames = [
        nps_sample(10, 0, 10, "2026-01-01"),
        nps_sample(20, 10, 10, "2026-02-01"),
        nps_sample(5, 0, 0, "2026-03-01"),
        nps_sample(8, 8, 4, "2026-04-01"),
    ]
    by_month = sat.scores_by_month(pd.concat(frames, ignore_index=True))
    test = sat.nps_heterogeneity(by_month)
    assert (test.months, test.df, test.left_out, test.first, test.last) == (3, 2, 1, "2026-01", "2026-04")
    assert test.pooled == pytest.approx(16700 / 877)
    assert test.q == pytest.approx(820 / 877)
    assert test.p_value == pytest.approx(math.exp(-820 / 877 / 2))
    assert sat.text.describe_heterogeneity(test) == (
        "A heterogeneity test over the 3 months (Cochran's Q on the monthly NPS and their standard errors; "
        "months left out because every answer fell in one group: 1) gives Q = 0.9 with 2 degrees of freedom, p = 0.63: "
        "the months differ no more than chance alone would make them, so read the pooled score, not the monthly "
        "ups and downs."
    )
    # two clearly different months: NPS -50 and +50 with n 100 each (SE = 100 sqrt((.25 + .75 - .5²) / 100)
    # = sqrt(75), w = 1/75) -> mean 0, Q = 2 x 50² / 75 = 66.7 on 1 df, p < 0.001
    split = sat.scores_by_month(pd.concat([nps_sample(25, 0, 75, "2026-01-01"), nps_sample(75, 0, 25, "2026-02-01")]))
    strong = sat.nps_heterogeneity(split)
    assert strong.q == pytest.approx(200 / 3) and strong.df == 1 and strong.p_value < 1e-15
    assert "Q = 66.7 with 1 degrees of freedom, p < 0.001: NPS differed between months by more than chance" in (
        sat.text.describe_heterogeneity(strong)
    )
    assert "Q = 66.7，自由度 1，p < 0.001：各月 NPS 的差异超出了偶然波动" in sat.text.describe_heterogeneity(
        strong, "zh"
    )
    # only the last 12 months count; fewer than two usable months are not tested
    assert sat.nps_heterogeneity(split, months=1).months == 1 and not sat.nps_heterogeneity(split, months=1).tested
    assert not sat.nps_heterogeneity(sat.scores_by_month(None)).tested
    assert sat.text.describe_heterogeneity(sat.nps_heterogeneity(split, months=1)).startswith("Fewer than two months")
