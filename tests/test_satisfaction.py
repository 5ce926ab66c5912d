"""Satisfaction: NPS/CSAT with intervals, behaviour after the response, key drivers, comments, coverage."""

from __future__ import annotations

import html
import json
import math
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import matplotlib

matplotlib.use("agg")  # tests only: no display

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from repurchase import satisfaction as sat
from repurchase.core import i18n
from repurchase.core.errors import AnalysisError
from repurchase.core.params import SatisfactionSettings
from repurchase.core.periods import Period
from repurchase.report import show_table

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
HOSTILE = (
    "很好<script>alert(1)</script>",
    "<img src=x onerror=alert(1)> delivery was slow",
    "质量差</table><b>太慢了</b>",
)


def responses(scores, start="2026-10-01", **extra) -> pd.DataFrame:
    n = len(scores)
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i:03d}" for i in range(n)],
            "response_date": pd.Timestamp(start) + pd.to_timedelta(np.arange(n) % 28, unit="D"),
            "nps": np.asarray(scores, dtype=float),
        }
    )
    for k, v in extra.items():
        frame[k] = v
    return frame


def nps_sample(promoters: int, passives: int, detractors: int, start="2026-10-01") -> pd.DataFrame:
    return responses([10] * promoters + [8] * passives + [3] * detractors, start)


# ---------------------------------------------------------------------------
# scores


def test_nps_groups_and_point_interval_by_hand():
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


def test_nps_interval_reference_value_25_pm_7_5_at_n_400():
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


def test_csat_share_of_4_5_with_wilson_interval_and_ces_mean():
    # CSAT answers 5 4 3 2 1 4 5 and one blank: 4 of 7 satisfied = 0.5714
    # Wilson, z = 1.96: centre = (4 + 1.9208) / 10.8416 = .54611; half = 1.96 * sqrt(12/7 + .9604) / 10.8416 = .29566
    frame = responses([9] * 8, csat=[5, 4, 3, 2, 1, 4, 5, np.nan], ces=[7, 6, 5, 4, np.nan, np.nan, np.nan, np.nan])
    row = sat.score_table(frame).iloc[0]
    assert (row["csat_n"], row["satisfied"]) == (7, 4)
    assert row["csat"] == pytest.approx(4 / 7)
    assert row["csat_low"] == pytest.approx(0.25045, abs=1e-4)
    assert row["csat_high"] == pytest.approx(0.84177, abs=1e-4)
    assert (row["ces_n"], row["ces"]) == (4, pytest.approx(5.5))  # (7 + 6 + 5 + 4) / 4


def test_scores_by_month_and_period_change_test_by_hand():
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


# ---------------------------------------------------------------------------
# responses joined to purchases


@pytest.fixture()
def tiny_history():
    t = pd.Timestamp
    tx = pd.DataFrame(
        {
            "customer_id": ["A", "A", "A", "A", "B", "C"],
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
    assert str(e.loc["A", "frequency_tier"]) == "occasional (2–3)"
    # B bought once before answering and never after
    assert e.loc["B", "prior_occasions"] == 1 and pd.isna(e.loc["B", "next_purchase"])
    assert str(e.loc["B", "frequency_tier"]) == "one-time (1)"
    # D never bought
    assert e.loc["D", "prior_occasions"] == 0 and str(e.loc["D", "frequency_tier"]) == "none before (0)"
    assert pd.isna(e.loc["D", "tier"])
    assert e["nps_group"].astype(str).to_dict() == {"A": "promoter", "B": "detractor", "C": "detractor", "D": "passive"}


def test_frequency_tier_labels_follow_the_params_tiers():
    s = sat.frequency_tier(pd.Series([0, 1, 2, 4, 5, 9]), {"loyal": 5, "regular": 2})
    assert s.astype(str).tolist() == [
        "none before (0)",
        "one-time (1)",
        "regular (2–4)",
        "regular (2–4)",
        "loyal (5+)",
        "loyal (5+)",
    ]
    # Chinese: the default tier names are translated, names from the params are kept as written
    zh = sat.frequency_tier(pd.Series([0, 1, 2, 4]), None, "zh")
    assert zh.astype(str).tolist() == ["此前未购（0 次）", "单次（1 次）", "中频（2–3 次）", "高频（4+ 次）"]
    assert str(sat.frequency_tier(pd.Series([3]), {"loyal": 5, "regular": 2}, "zh").iloc[0]) == "regular（2–4 次）"


def test_repurchase_counts_only_fully_observed_responses(tiny_history):
    tx, sv, cu = tiny_history
    e = sat.enrich_responses(sv, tx, cu)
    # period end 2026-04-01, N = 30 days: C answered on Mar 25 -> not observed for 30 days, left out of the rate
    rates = sat.repurchase_after_response(e, pd.Timestamp("2026-04-01"), 30).set_index("nps_group")
    assert rates.loc["promoter", ["observed", "repurchased"]].tolist() == [1, 1]  # A bought 14.5 days later
    assert rates.loc["detractor", ["responses", "observed", "repurchased"]].tolist() == [2, 1, 0]  # B observed, C not
    assert rates.loc["detractor", "rate"] == 0.0
    # N = 10 days: A's purchase after 14.5 days does not count
    assert (
        sat.repurchase_after_response(e, pd.Timestamp("2026-04-01"), 10).set_index("nps_group").loc["promoter", "rate"]
        == 0
    )
    churn = sat.churn_after_response(e, pd.Timestamp("2026-04-01"), 30).set_index("nps_group")
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
    km = sat.time_to_next_purchase(e, pd.Timestamp("2026-04-01"), max_days=60)
    pro = km[km["group"] == "promoter"].set_index("days")["repurchased"]
    assert pro.loc[14] == 0 and pro.loc[15] == 1  # A bought 14.5 days after answering
    det = km[km["group"] == "detractor"].set_index("days")["repurchased"]
    assert det.max() == 0  # B and C never bought again: censored, not counted as events
    assert set(km["group"]) == {"detractor", "passive", "promoter"}


def test_breakdowns_flag_small_groups_and_do_not_rank_them():
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


# ---------------------------------------------------------------------------
# key drivers


def test_relative_weights_uncorrelated_aspects_known_answer():
    # x1, x2 and the noise e are orthogonal with zero mean; y = 2 x1 + x2 + e (each has sum of squares 4)
    # r(y, x1) = 8 / sqrt(4 * 24) -> r^2 = 64 / 96 = 2/3; r(y, x2)^2 = 16 / 96 = 1/6; R^2 = 5/6
    x1 = np.array([1, -1, 1, -1] * 3, dtype=float)
    x2 = np.array([1, 1, -1, -1] * 3, dtype=float)
    e = np.array([1, -1, -1, 1] * 3, dtype=float)
    w = sat.relative_weights(pd.DataFrame({"quality": x1, "delivery": x2}), pd.Series(2 * x1 + x2 + e))
    assert w["quality"] == pytest.approx(2 / 3)
    assert w["delivery"] == pytest.approx(1 / 6)
    assert w.sum() == pytest.approx(5 / 6)


def test_relative_weights_sum_to_r2_with_correlated_aspects():
    rng = np.random.default_rng(7)
    f = rng.normal(size=500)
    x = pd.DataFrame({f"a{j}": 0.7 * f + rng.normal(size=500) * s for j, s in enumerate((0.5, 0.8, 1.0))})
    y = x @ np.array([1.0, 0.5, 0.2]) + rng.normal(size=500)
    w = sat.relative_weights(x, y)
    design = np.column_stack([np.ones(500), x.to_numpy()])
    resid = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
    r2 = 1 - (resid**2).sum() / ((y - y.mean()) ** 2).sum()
    assert w.sum() == pytest.approx(r2, abs=1e-10)
    assert (w > 0).all() and w.idxmax() == "a0"
    # two aspects that are exchangeable share R^2 equally
    sym = sat.relative_weights(
        pd.DataFrame({"a": [1, 2, 3, 4, 5, 1.0], "b": [2, 1, 4, 3, 5, 1.0]}), pd.Series([3, 3, 7, 7, 10, 2.0])
    )
    assert sym["a"] == pytest.approx(sym["b"])


def test_relative_weights_errors_name_the_fix():
    with pytest.raises(AnalysisError, match="at least 4 complete responses"):
        sat.relative_weights(pd.DataFrame({"a": [1, 2, 3], "b": [3, 2, 1]}), pd.Series([1, 2, 3]))
    with pytest.raises(AnalysisError, match="same value in every response"):
        sat.relative_weights(pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [3] * 5}), pd.Series([1, 2, 3, 4, 5]))


def test_key_drivers_quadrants_and_collinearity_warning():
    rng = np.random.default_rng(3)
    n = 400
    q = rng.integers(1, 6, n).astype(float)
    frame = pd.DataFrame(
        {
            "aspect_quality": q,
            "aspect_quality_copy": np.clip(q + (rng.random(n) < 0.05), 1, 5),  # nearly the same rating
            "aspect_price": rng.integers(3, 6, n).astype(float),
        }
    )
    frame["nps"] = np.clip(2 * frame["aspect_quality"] + 0.2 * frame["aspect_price"] + rng.normal(size=n), 0, 10)
    d = sat.key_drivers(frame)
    assert d.available
    assert d.table["weight"].sum() == pytest.approx(d.r2)
    assert not d.collinear.empty and "strongly collinear" in d.warning
    assert set(d.table["aspect"]) == {"quality", "quality_copy", "price"}
    # price is rated higher than quality but explains little -> maintain; quality is important and rated lower
    quad = d.table.set_index("aspect")["quadrant"]
    assert quad["price"] == "maintain" and quad["quality"] == "fix first"

    few = sat.key_drivers(frame.head(10))
    assert not few.available and "only 10 responses" in few.reason
    none = sat.key_drivers(frame[["nps"]])
    assert "no aspect ratings" in none.reason

    # Chinese: reason and warning in Chinese, aspects named by their labels
    zh = sat.key_drivers(
        frame, labels={"quality": "商品质量", "quality_copy": "质量（复核）", "price": "价格"}, lang="zh"
    )
    assert zh.table.set_index("aspect").loc["price", "label"] == "价格"
    assert "共线性" in zh.warning and "商品质量 与 质量（复核）" in zh.warning
    assert sat.key_drivers(frame.head(10), lang="zh").reason.startswith("只有 10 份问卷")


# ---------------------------------------------------------------------------
# comments


def test_stopword_lists_keep_short_sentiment_words_and_negations():
    zh, en = sat.load_stopwords("zh"), sat.load_stopwords("en")
    assert {"的", "了", "很"} <= zh and {"the", "was", "and"} <= en
    assert not {"差", "慢", "贵", "好", "坏", "不", "没"} & zh
    assert not {"not", "no", "never", "bad", "slow", "good", "ok"} & en
    with pytest.raises(AnalysisError, match="use 'zh' or 'en'"):
        sat.load_stopwords("fr")


def test_tokenize_chinese_with_jieba_and_english_with_regex():
    comments = pd.Series(
        ["质量差", "太慢了", "The delivery was SLOW, didn't arrive", None, "  ", "好<script>x</script>"],
        index=[10, 11, 12, 13, 14, 15],
    )
    tok = sat.tokenize_comments(comments)
    by_doc = tok.groupby("doc")["token"].apply(list).to_dict()
    assert by_doc[10] == ["质量", "差"]  # one-character sentiment word kept
    assert by_doc[11] == ["太慢"]  # 了 is a stop word
    assert by_doc[12] == ["delivery", "slow", "didn't", "arrive"]  # lower-cased; the, was dropped
    assert by_doc[15] == ["好", "script", "script"]  # markup is just letters to the tokenizer
    assert set(tok["script"]) == {"zh", "en"} and 13 not in by_doc and 14 not in by_doc


def test_log_odds_with_informative_dirichlet_prior_by_hand():
    a = pd.Series({"bad": 3, "good": 1})
    b = pd.Series({"bad": 1, "good": 3})
    # prior = background a + b: alpha_bad = alpha_good = 4, alpha0 = 8; n_a = n_b = 4
    # delta_bad = log((3+4)/(4+8-3-4)) - log((1+4)/(4+8-1-4)) = log(7/5) - log(5/7) = 0.672944
    # var = 1/7 + 1/5 = .342857 -> z = 0.672944 / .585540 = 1.149271
    lo = sat.log_odds_terms(a, b).set_index("term")
    assert lo.loc["bad", "delta"] == pytest.approx(2 * math.log(1.4))
    assert lo.loc["bad", "z"] == pytest.approx(1.149271, abs=1e-6)
    assert lo.loc["good", "z"] == pytest.approx(-1.149271, abs=1e-6)
    assert lo.index[0] == "bad"  # most a-leaning first
    # prior_scale .5: alpha = 2, alpha0 = 4: delta = log(5/3) - log(3/5) = 1.021651; var = 1/5 + 1/3 -> z = 1.398954
    half = sat.log_odds_terms(a, b, prior_scale=0.5).set_index("term")
    assert half.loc["bad", "z"] == pytest.approx(1.398954, abs=1e-6)
    # an explicit background: 'meh' only in the background raises alpha0 but gets no row
    bg = pd.Series({"bad": 4, "good": 4, "meh": 8})
    # alpha0 = 16: delta_bad = log(7/(4+16-7)) - log(5/(4+16-5)) = log(7/13) - log(5/15)
    withbg = sat.log_odds_terms(a, b, bg).set_index("term")
    assert "meh" not in withbg.index
    assert withbg.loc["bad", "delta"] == pytest.approx(math.log(7 / 13) - math.log(5 / 15))


def test_top_and_distinguishing_terms_on_a_tiny_corpus():
    comments = pd.Series(["质量差", "质量差，太慢了", "delivery was slow", "质量好", "很好", "great quality"])
    groups = pd.Series(["detractor", "detractor", "detractor", "promoter", "promoter", "promoter"])
    tok = sat.tokenize_comments(comments)
    top = sat.top_terms(tok, groups, n=2)
    det = top[top["group"] == "detractor"]
    assert det["term"].tolist() == ["差", "质量"]  # 2 comments each, ties by term order
    assert det["share"].tolist() == pytest.approx([2 / 3, 2 / 3])
    dist = sat.distinguishing_terms(tok, groups, n=3, min_count=1)
    # counts: detractor 质量 2, 差 2, 太慢 1, delivery 1, slow 1 (n=7); promoter 质量 1, 好 2, great 1, quality 1 (n=5)
    # background = all: 差 2 -> alpha 2, alpha0 = 12; z(差) = [log(4/(7+12-4)) - log(2/(5+12-2))] / sqrt(1/4 + 1/2)
    z_cha = (math.log(4 / 15) - math.log(2 / 15)) / math.sqrt(1 / 4 + 1 / 2)
    row = dist.set_index("term").loc["差"]
    assert row["leans"] == "detractor" and row["z"] == pytest.approx(z_cha)
    assert dist[dist["leans"] == "promoter"]["term"].iloc[0] == "好"


def test_sample_comments_shown_as_text_in_html_table():
    frame = nps_sample(2, 2, 2).assign(comment=[HOSTILE[0], "fine", HOSTILE[1], None, HOSTILE[2], "  "])
    frame["nps_group"] = sat.nps_group(frame["nps"])
    samples = sat.sample_comments(frame, per_group=5)
    assert sorted(samples["comment"]) == sorted([*HOSTILE, "fine"])
    page = show_table(samples)._repr_html_()
    for text in HOSTILE:
        assert html.escape(text) in page
    assert "<script" not in page and "<img" not in page and "<b>" not in page
    assert page.count("<table") == 1 and page.count("</table>") == 1
    parsed = _CellText()
    parsed.feed(page)
    assert set(HOSTILE) <= set(parsed.cells)  # the browser shows exactly what was written
    assert parsed.tags.get("script", 0) == 0 and parsed.tags.get("img", 0) == 0


class _CellText(HTMLParser):
    def __init__(self):
        super().__init__()
        self.cells, self.tags, self._in = [], {}, False

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if tag == "td":
            self._in, self._buf = True, ""

    def handle_endtag(self, tag):
        if tag == "td":
            self._in = False
            self.cells.append(self._buf)

    def handle_data(self, data):
        if self._in:
            self._buf += data


# ---------------------------------------------------------------------------
# coverage


def test_coverage_response_rate_and_not_representative_warning():
    t = pd.Timestamp
    tx = pd.DataFrame(
        {
            # prior year: R1 3 occasions, R2 5; N1, N2 one each; all four buy in the period
            "customer_id": ["R1"] * 3 + ["R2"] * 5 + ["N1", "N2"] + ["R1", "R2", "N1", "N2"],
            "order_date": [t("2026-03-01") + pd.Timedelta(days=i) for i in range(3)]
            + [t("2026-04-01") + pd.Timedelta(days=i) for i in range(5)]
            + [t("2026-05-01"), t("2026-06-01")]
            + [t("2026-10-05")] * 4,
            "amount": 10.0,
        }
    )
    sv = pd.DataFrame(
        {"customer_id": ["R1", "R2", "X"], "response_date": [t("2026-10-06"), t("2026-10-07"), t("2026-09-01")]}
    )
    cov = sat.coverage(sv, tx, t("2026-10-01"), t("2026-11-01"))
    assert (cov.base, cov.respondents, cov.response_rate) == (4, 2, 0.5)
    comp = cov.comparison.set_index("measure")
    # occasions: respondents 3, 5 (mean 4, var 2); non-respondents 1, 1 (var 0): SMD = 3 / sqrt((2 + 0) / 2) = 3
    assert comp.loc["prior_occasions", "smd"] == pytest.approx(3.0)
    assert not cov.representative and "not representative" in cov.warning
    zh = sat.coverage(sv, tx, t("2026-10-01"), t("2026-11-01"), lang="zh").warning
    assert zh.startswith("作答者不具代表性") and "购买次数：4.00 对 1.00" in zh
    tab = cov.table.set_index("group")
    assert tab.loc["respondents", "prior_spend"] == 40.0 and tab.loc["non-respondents", "customers"] == 2


# ---------------------------------------------------------------------------
# the report object


def _ctx(surveys, tx=None, customers=None, period="2026-10", language="en"):
    params = SimpleNamespace(
        satisfaction=SatisfactionSettings(), segmentation=None, title="Test client", language=language
    )
    return SimpleNamespace(
        params=params,
        period=Period.from_label(period),
        surveys=lambda: surveys,
        transactions=lambda: tx,
        customers=lambda: customers,
        show_table=lambda frame, **kw: show_table(frame, **kw),
    )


def test_no_survey_source_gives_empty_report_and_null_metrics():
    rep = sat.build_report(_ctx(None))
    assert not rep.available and "no surveys source" in rep.reason
    assert "No survey data" in repr(rep.describe_availability())
    for name in rep._TABLES:
        assert rep.table(name)._repr_html_() == ""
    for f in (
        "describe_scores",
        "describe_trend",
        "describe_breakdowns",
        "describe_link",
        "describe_loyalty",
        "describe_drivers",
        "describe_comments",
        "describe_coverage",
    ):
        assert "Not available" in repr(getattr(rep, f)())
    m = rep.metrics()
    assert m["survey_available"] is False and m["nps"] is None and m["nps_prev_period"] is None
    assert m["repurchase_rate_by_group"] == {"detractor": None, "passive": None, "promoter": None}
    json.dumps(m)
    from repurchase import plots

    before = plt.get_fignums()
    for fn, data in (
        (plots.plot_nps_trend, rep.by_month),
        (plots.plot_csat_trend, rep.by_month),
        (plots.plot_nps_breakdown, rep.breakdowns),
        (plots.plot_repurchase_by_group, rep.repurchase),
        (plots.plot_time_to_next_purchase, rep.km),
        (plots.plot_repurchase_by_frequency, rep.stratified),
        (plots.plot_importance_performance, rep.drivers.table),
        (plots.plot_distinguishing_terms, rep.distinguishing),
    ):
        fn(data)
    assert plt.get_fignums() == before  # nothing left to show


def _small_client():
    rng = np.random.default_rng(11)
    n = 300
    ids = [f"K{i:04d}" for i in range(n)]
    first = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 500, n), unit="D")
    nps = rng.integers(0, 11, n).astype(float)
    promoter = nps >= 9
    # promoters come back after ~20 days, others after ~80 or never
    gap = np.where(promoter, rng.integers(5, 40, n), rng.integers(40, 200, n))
    tx = pd.DataFrame(
        {
            "customer_id": ids * 2,
            "order_date": list(first) + list(first + pd.to_timedelta(gap + 3, unit="D")),
            "amount": 20.0,
            "channel": ["app", "web"] * n,
        }
    )
    tx = tx[tx["order_date"] < pd.Timestamp("2026-11-01")]
    sv = pd.DataFrame(
        {
            "customer_id": ids,
            "response_date": first + pd.Timedelta(days=2),
            "nps": nps,
            "csat": rng.integers(1, 6, n).astype(float),
            "aspect_a": rng.integers(1, 6, n).astype(float),
            "aspect_b": rng.integers(1, 6, n).astype(float),
            "comment": rng.choice(["太慢了", "很好", "ok", HOSTILE[0]], n),
        }
    )
    sv["nps"] = np.clip(np.round(sv["aspect_a"] * 1.6 + rng.normal(size=n)), 0, 10)
    sv = sv[sv["response_date"] < pd.Timestamp("2026-11-01")].reset_index(drop=True)
    return sv, tx


def test_small_client_report_end_to_end_and_metrics():
    sv, tx = _small_client()
    rep = sat.build_report(_ctx(sv, tx))
    assert rep.available
    m = rep.metrics()
    assert set(m) >= {
        "nps",
        "nps_low",
        "nps_high",
        "csat",
        "responses",
        "response_rate",
        "nps_prev_period",
        "nps_low_prev_period",
        "nps_high_prev_period",
        "csat_prev_period",
        "responses_prev_period",
        "response_rate_prev_period",
        "repurchase_rate_by_group",
    }
    json.dumps(m)
    assert rep.drivers.available and rep.drivers.table.iloc[0]["aspect"] == "a"
    for name in rep._TABLES:
        rep.table(name)._repr_html_()
    for f in (
        "describe_availability",
        "describe_scores",
        "describe_trend",
        "describe_breakdowns",
        "describe_link",
        "describe_loyalty",
        "describe_drivers",
        "describe_comments",
        "describe_coverage",
    ):
        assert "<script" not in getattr(rep, f)()._repr_html_()
    from repurchase import plots

    w = rep.settings["repurchase_window_days"]
    for fn, data, kw in (
        (plots.plot_nps_trend, rep.by_month, {}),
        (plots.plot_csat_trend, rep.by_month, {}),
        (plots.plot_nps_breakdown, rep.breakdowns, {}),
        (plots.plot_repurchase_by_group, rep.repurchase, {"window_days": w}),
        (plots.plot_time_to_next_purchase, rep.km, {"window_days": w}),
        (plots.plot_repurchase_by_frequency, rep.stratified, {}),
        (plots.plot_importance_performance, rep.drivers.table, {}),
        (plots.plot_distinguishing_terms, rep.distinguishing, {}),
    ):
        ax = fn(data, **kw)
        assert isinstance(ax, matplotlib.axes.Axes) and plt.fignum_exists(ax.figure.number) and ax.has_data()
        plt.close(ax.figure)


#: abbreviations a Chinese report keeps (single letters such as n, r, p, z are not counted as words)
ALLOWED_LATIN = {"NPS", "CSAT", "CES", "VIF", "SMD"}


def _english(text: str) -> set[str]:
    import re

    return set(re.findall(r"[A-Za-z]{2,}", text)) - ALLOWED_LATIN


def test_chinese_report_has_no_english_in_sentences_tables_and_charts():
    sv, tx = _small_client()
    rep = sat.build_report(_ctx(sv, tx, language="zh"))
    assert rep.available and rep.lang == "zh"
    for f in (
        "describe_availability",
        "describe_scores",
        "describe_trend",
        "describe_breakdowns",
        "describe_link",
        "describe_loyalty",
        "describe_drivers",
        "describe_coverage",
    ):
        text = repr(getattr(rep, f)())
        assert not _english(text), f"{f}: {text}"
    assert repr(rep.describe_comments()).startswith("贬损者最有代表性的用词")  # the words themselves come from the data
    assert "2026年10月" in repr(rep.describe_scores())
    assert sat.format_window("2026-08..2026-10", "zh") == "2026年8月至2026年10月"
    assert sat.format_window("2026-08..2026-10", "en") == "Aug 2026 to Oct 2026"
    for name in rep._TABLES:
        frame = rep.frame(name)
        headers = " ".join(map(str, i18n.translate_columns(frame, "zh").columns))
        assert not _english(headers + rep.caption(name)), f"{name}: {headers} / {rep.caption(name)}"
    groups = set(rep.frame("repurchase")["sat_nps_group"])
    assert groups == {"贬损者", "被动者", "推荐者"}
    assert set(rep.frame("drivers")["sat_quadrant"]) <= {"优先改进", "继续保持", "维持现状", "次要关注"}
    assert rep.frame("effect")["sat_comparison"].tolist() == [
        "贬损者 − 推荐者，整体",
        "贬损者 − 推荐者，购买频次层内（标准化）",
    ]
    codes = " ".join(rep.frame("stratified")["sat_frequency_tier"].astype(str)) + " ".join(
        rep.frame("by_month")["sat_month"]
    )
    assert not _english(codes)
    from repurchase import plots

    w = rep.settings["repurchase_window_days"]
    for fn, data, kw in (
        (plots.plot_nps_trend, rep.by_month, {}),
        (plots.plot_csat_trend, rep.by_month, {}),
        (plots.plot_nps_breakdown, rep.breakdowns, {}),
        (plots.plot_repurchase_by_group, rep.repurchase, {"window_days": w}),
        (plots.plot_time_to_next_purchase, rep.km, {"window_days": w}),
        (plots.plot_repurchase_by_frequency, rep.stratified, {}),
        (plots.plot_importance_performance, rep.drivers.table, {}),
        (plots.plot_distinguishing_terms, rep.distinguishing, {}),
    ):
        ax = fn(data, lang="zh", **kw)
        legend = ax.get_legend()
        texts = [
            ax.get_title(),
            ax.get_xlabel(),
            ax.get_ylabel(),
            *(t.get_text() for t in ax.texts),
            *([t.get_text() for t in legend.get_texts()] if legend else []),
        ]
        if fn is not plots.plot_nps_breakdown:  # its tick labels are channel names from the data
            texts += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        if fn is plots.plot_distinguishing_terms:  # ... and these are the comments' words
            texts = texts[: -len(ax.get_yticklabels())]
        assert not _english(" ".join(texts)), f"{fn.__name__}: {texts}"
        plt.close(ax.figure)
    assert "贬损者" in plots.plot_repurchase_by_group(rep.repurchase, lang="zh").get_xticklabels()[0].get_text()
    plt.close("all")


def test_chinese_report_without_surveys():
    rep = sat.build_report(_ctx(None, language="zh"))
    assert repr(rep.describe_availability()).startswith("**没有问卷数据：**Test client 没有问卷数据源")
    assert repr(rep.describe_link()) == "该客户不适用：没有问卷数据（见报告开头的说明）。"
    assert _plot_no_data_text("zh") == "无数据"


def _plot_no_data_text(lang):
    from repurchase import plots

    fig, ax = plt.subplots()
    plots.plot_nps_trend(sat.scores_by_month(None), ax=ax, lang=lang)
    text = ax.texts[0].get_text()
    plt.close(fig)
    return text


# ---------------------------------------------------------------------------
# the designed effect in the demo data


@pytest.mark.parametrize("client", ["demo-online", "demo-stores"])
def test_demo_detractors_repurchase_less_and_drivers_recover_design(client):
    folder = DEMO / client.removeprefix("demo-")
    if not (folder / "_manifest.json").exists():
        pytest.skip(f"{folder} missing: run `python -m repurchase demo-data` to create the demo data")
    from repurchase.report import open_report

    ctx = open_report(ROOT / "params" / f"{client}.yaml")
    rep = sat.build_report(ctx)
    rates = rep.repurchase.set_index(rep.repurchase["nps_group"].astype(str))
    det, pas, pro = rates.loc["detractor"], rates.loc["passive"], rates.loc["promoter"]
    assert det["rate"] < pas["rate"] < pro["rate"]
    assert det["rate_high"] < pro["rate_low"]  # non-overlapping intervals
    adjusted = rep.effect.iloc[1]
    assert "standardized" in adjusted["comparison"] and adjusted["high"] < 0  # holds within prior-frequency tiers
    # the aspect weights used to simulate the overall score come back as shares of R^2
    design = json.loads((folder / "_manifest.json").read_text(encoding="utf-8"))["aspect_weights"]
    shares = rep.drivers.table.set_index("aspect")["share"]
    for aspect, weight in design.items():
        assert shares[aspect] == pytest.approx(weight, abs=0.06)
    assert rep.drivers.table["weight"].sum() == pytest.approx(rep.drivers.r2)
    # junk markup in comments stays text
    junk = ctx.surveys()["comment"].isin(HOSTILE)
    assert junk.sum() == 3
    html_samples = ctx.show_table(
        sat.sample_comments(sat.enrich_responses(ctx.surveys()[junk], ctx.transactions()))
    )._repr_html_()
    assert "<script" not in html_samples and html.escape(HOSTILE[2]) in html_samples


# ---------------------------------------------------------------------------
# hostile comments through the rendered report, opened in a browser


def _hostile_client(folder: Path) -> Path:
    rng = np.random.default_rng(5)
    n = 90
    ids = [f"H{i:03d}" for i in range(n)]
    start = pd.Timestamp("2026-01-05") + pd.to_timedelta(rng.integers(0, 200, n), unit="D")
    rows = []
    for k in range(3):  # three purchases per customer, 40-70 days apart
        rows.append(
            pd.DataFrame(
                {
                    "customer_id": ids,
                    "order_id": [f"O{k}-{i}" for i in range(n)],
                    "order_date": start + pd.to_timedelta(k * rng.integers(40, 70, n), unit="D"),
                    "amount": rng.integers(20, 200, n).astype(float),
                }
            )
        )
    tx = pd.concat(rows, ignore_index=True)
    tx = tx[tx["order_date"] < pd.Timestamp("2026-11-01")]
    quality = rng.integers(1, 6, n)
    nps = np.clip(quality * 2 + rng.integers(-1, 2, n), 0, 10)
    comment = np.where(nps >= 9, "很好，质量好", np.where(nps >= 7, "ok", None)).astype(object)
    det = np.flatnonzero(nps <= 6)
    comment[det] = None
    comment[det[:3]] = list(HOSTILE)  # the detractors' only comments: all three are sampled
    sv = pd.DataFrame(
        {
            "customer_id": ids,
            "response_date": start + pd.Timedelta(days=3),
            "nps": nps,
            "csat": np.clip(quality, 1, 5),
            "quality": quality,
            "delivery": rng.integers(1, 6, n),
            "comment": comment,
        }
    )
    tx.to_csv(folder / "transactions.csv", index=False)
    sv.to_csv(folder / "surveys.csv", index=False)
    params = folder / "hostile.yaml"
    params.write_text(
        f"""client: hostile-test
title: Hostile comments test
period: 2026-10
sources:
  transactions:
    path: {folder / "transactions.csv"}
    columns: {{customer_id: customer_id, order_id: order_id, order_date: order_date, amount: amount}}
  surveys:
    path: {folder / "surveys.csv"}
    columns: {{customer_id: customer_id, response_date: response_date, nps: nps, csat: csat, comment: comment,
               aspect_quality: quality, aspect_delivery: delivery}}
""",
        encoding="utf-8",
    )
    return params


@pytest.mark.render
@pytest.mark.browser
def test_hostile_comments_render_as_literal_text_in_the_browser(tmp_path):
    import shutil

    from repurchase.publish.render import render_reports

    params = _hostile_client(tmp_path)
    nb_dir = tmp_path / "notebooks"
    nb_dir.mkdir()
    shutil.copy(ROOT / "notebooks" / "06_satisfaction.ipynb", nb_dir)
    (outcome,) = render_reports([params], None, out=tmp_path / "reports", notebooks_dir=nb_dir)
    assert outcome.ok, outcome.error
    report = outcome.report_dir / "06_satisfaction.html"
    page_html = report.read_text(encoding="utf-8")
    for text in HOSTILE:
        assert html.escape(text) in page_html
    assert "<script>alert(1)</script>" not in page_html and "<img src=x" not in page_html
    assert "</table><b>" not in page_html

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip(
            "chromium not installed (apt-get install chromium): the escaped HTML was checked, the browser part is skipped"
        )
    from playwright.sync_api import sync_playwright

    args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--host-resolver-rules=MAP * ~NOTFOUND",
    ]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=args)
        page = browser.new_page()
        dialogs, errors = [], []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(report.resolve().as_uri(), wait_until="load")
        cells = page.evaluate("Array.from(document.querySelectorAll('td')).map(td => td.textContent)")
        injected = page.evaluate("document.querySelectorAll('td script, td img, td b').length")
        tables = page.evaluate("document.querySelectorAll('table.rp-table').length")
        sample_rows = page.evaluate(
            "Array.from(document.querySelectorAll('table.rp-table')).filter(t => t.caption && "
            "t.caption.textContent.startsWith('Sample comments')).map(t => t.tBodies[0].rows.length)"
        )
        browser.close()
    assert dialogs == [] and errors == []  # no script ran
    assert set(HOSTILE) <= set(cells)  # shown exactly as written
    assert injected == 0
    assert tables == page_html.count('<table class="rp-table">')  # no table closed early by a comment
    assert sample_rows and sample_rows[0] >= 3
