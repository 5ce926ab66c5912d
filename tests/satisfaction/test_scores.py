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
