"""Churn analysis: threshold with censoring, churn-rate definition, survival inputs, leakage (refunds too), backtest, at-risk list.

Fixtures are tiny and computed by hand in the comments. Dates are written as
offsets from 2026-01-01 where that keeps the arithmetic readable.
"""

from __future__ import annotations

import importlib.metadata
import math
from pathlib import Path

import matplotlib

matplotlib.use("agg")  # tests draw off-screen; the library itself never calls matplotlib.use

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from repurchase import churn, plots
from repurchase.cleaning import clean_transactions
from repurchase.core.errors import AnalysisError

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
D0 = pd.Timestamp("2026-01-01")
TIERS = {"high": 3, "occasional": 2}


def _tx(rows: list[tuple[str, object, float]], **extra) -> pd.DataFrame:
    """Transactions from (customer, day offset or date, amount) rows."""
    dates = [D0 + pd.Timedelta(days=d) if isinstance(d, int) else pd.Timestamp(d) for _, d, _ in rows]
    frame = pd.DataFrame(
        {
            "customer_id": [c for c, _, _ in rows],
            "order_id": [f"o{i}" for i in range(len(rows))],
            "order_date": pd.to_datetime(dates) + pd.Timedelta(hours=10),
            "amount": [float(a) for _, _, a in rows],
            "refund_amount": 0.0,
        }
    )
    for k, v in extra.items():
        frame[k] = v
    return frame


# ---------------------------------------------------------------------------
# threshold with censoring and the survival inputs

# A buys on days 0, 10, 30; B on days 0, 30, 70; C on day 33. Last observed day 95
# (end exclusive = day 96).
#   closed gaps (events): A 10, 20; B 30, 40
#   open gaps (censored): A 95-30 = 65; B 95-70 = 25; C 95-33 = 62
# Kaplan-Meier over 10e 20e 25c 30e 40e 62c 65c (n = 7):
#   S(10) = 6/7; S(20) = 6/7 * 5/6 = 5/7 = 0.714; at 25 one censored -> 4 at risk
#   S(30) = 5/7 * 3/4 = 15/28 = 0.536; S(40) = 15/28 * 2/3 = 5/14 = 0.357; flat after.
#   median (first t with S <= 0.5) = 40; the naive median of the closed gaps is 25.
CYCLE = [("A", 0, 10), ("A", 10, 10), ("A", 30, 10), ("B", 0, 20), ("B", 30, 20), ("B", 70, 20), ("C", 33, 5)]
CYCLE_END = D0 + pd.Timedelta(days=96)


def test_threshold_is_the_censored_kaplan_meier_quantile():
    tx = _tx(CYCLE)
    median = churn.churn_threshold(tx, CYCLE_END, quantile=0.5, horizon_days=None)
    assert median.threshold_days == 40 and median.source == "kaplan_meier"
    assert churn.churn_threshold(tx, CYCLE_END, quantile=0.4, horizon_days=None).threshold_days == 30  # S(30) <= 0.6
    # within a 35-day horizon: F(35) = 1 - 15/28 = 13/28; 90% of it = 0.418; F(20) = 0.286, F(30) = 0.464 -> 30
    assert churn.churn_threshold(tx, CYCLE_END, quantile=0.9, horizon_days=35).threshold_days == 30
    assert "Kaplan–Meier" in median.describe() and "40 days" in median.describe()


def test_threshold_errors_and_fixed_value():
    tx = _tx(CYCLE)
    with pytest.raises(AnalysisError, match="quantile does not exist"):  # S never falls below 0.357
        churn.churn_threshold(tx, CYCLE_END, quantile=0.9, horizon_days=None)
    fixed = churn.churn_threshold(tx, CYCLE_END, threshold_days=45)
    assert (fixed.threshold_days, fixed.source) == (45, "fixed")
    assert "fixed in the params" in fixed.describe()
    with pytest.raises(AnalysisError, match="at least 1"):
        churn.churn_threshold(tx, CYCLE_END, threshold_days=0)
    with pytest.raises(AnalysisError, match="day boundary"):
        churn.churn_threshold(tx, CYCLE_END + pd.Timedelta(hours=3))


def test_survival_inputs_durations_and_event_flags():
    spells = churn.survival_inputs(_tx(CYCLE), CYCLE_END, frequency_tiers=TIERS)
    got = spells.sort_values(["customer_id", "start"])[
        ["customer_id", "occasion_no", "duration", "event", "frequency_tier"]
    ]
    expected = pd.DataFrame(
        {
            "customer_id": ["A", "A", "A", "B", "B", "B", "C"],
            "occasion_no": [1, 2, 3, 1, 2, 3, 1],
            "duration": [10.0, 20.0, 65.0, 30.0, 40.0, 25.0, 62.0],
            "event": [1, 1, 0, 1, 1, 0, 0],
            # the tier of the occasion count at the start of the spell
            "frequency_tier": ["one-time", "occasional", "high", "one-time", "occasional", "high", "one-time"],
        }
    )
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected, check_dtype=False)


def test_survival_at_and_logrank():
    spells = churn.survival_inputs(_tx(CYCLE), CYCLE_END, frequency_tiers=TIERS)
    table = churn.survival_at(spells, None, horizons=(10, 30, 60, 90), min_group_size=1)
    row = table.iloc[0]
    assert (row["spells"], row["returned"], row["median_days"]) == (7, 4, 40.0)
    assert row["S(10)"] == pytest.approx(6 / 7)
    assert row["S(30)"] == pytest.approx(15 / 28)
    assert row["S(60)"] == pytest.approx(5 / 14)
    assert math.isnan(row["S(90)"])  # nobody was followed 90 days (longest spell 65)
    test = churn.logrank_test(spells, "frequency_tier", min_group_size=1)
    assert test["groups"] == 3 and test["degrees_of_freedom"] == 2 and 0 <= test["p_value"] <= 1


# ---------------------------------------------------------------------------
# the churn-rate definition

# theta = 30 days; churn date C = last purchase + 31 days.
#   P: Jan 5 (100)                      -> C = Feb 5: churns in Feb
#   Q: Jan 20 (50), Mar 10 (70)          -> C = Feb 20: churns in Feb; back Mar 10 (reactivated in Mar);
#                                           C = Apr 10: churns in Apr
#   R: Jan 25 (30), Feb 27 (40)          -> lapses Feb 25 but buys Feb 27 in the same month: no churn in Feb;
#                                           C = Mar 30: churns in Mar
#   S: Feb 10, Mar 5, Apr 20 (10 each)   -> lapses Apr 5, back Apr 20, same month: never churned at a month end
# active at the start (eve) of Feb: P (26 days), Q (11), R (6) = 3; churned P, Q -> 2/3
# active at the start of Mar: R (1 day), S (18) = 2 = 3 - 2 + 1 new (S) + 0; churned R -> 1/2; reactivated Q
# active at the start of Apr: Q (21 days), S (26) = 2 = 2 - 1 + 0 + 1; churned Q -> 1/2
# churned revenue (last 365 days up to the last purchase): Feb P 100 + Q 50 = 150; Mar R 30 + 40 = 70;
#   Apr Q 50 + 70 = 120
# complete months: the eve minus theta must not precede the first data day (Jan 5): Feb (Jan 1) no, Mar (Jan 29) yes
RATE_ROWS = [
    ("P", "2026-01-05", 100),
    ("Q", "2026-01-20", 50),
    ("Q", "2026-03-10", 70),
    ("R", "2026-01-25", 30),
    ("R", "2026-02-27", 40),
    ("S", "2026-02-10", 10),
    ("S", "2026-03-05", 10),
    ("S", "2026-04-20", 10),
]
RATE_END = pd.Timestamp("2026-05-01")


def test_monthly_churn_rate_by_hand():
    trend = churn.monthly_churn(_tx(RATE_ROWS), RATE_END, 30)
    got = trend.set_index(trend["month"].dt.strftime("%Y-%m"))
    assert got["active_start"].tolist() == [0, 3, 2, 2]
    assert got["churned"].tolist() == [0, 2, 1, 1]
    assert got["reactivated"].tolist() == [0, 0, 1, 0]
    assert got["new"].tolist() == [3, 1, 0, 0]
    assert got["churned_revenue"].tolist() == [0.0, 150.0, 70.0, 120.0]
    assert got["complete"].tolist() == [False, False, True, True]
    assert got.loc["2026-02", "churn_rate"] == pytest.approx(2 / 3)
    assert got.loc["2026-03", "churn_rate"] == pytest.approx(1 / 2)
    # stock identity: active(m+1) = active(m) - churned + new + reactivated
    nxt = got["active_start"] - got["churned"] + got["new"] + got["reactivated"]
    assert nxt.iloc[:-1].tolist() == got["active_start"].iloc[1:].tolist()
    assert churn.rate_for_month(trend, "2026-03-01") == pytest.approx(0.5)
    assert churn.rate_for_month(trend, "2026-02-01") is None  # incomplete base
    assert churn.rate_for_month(trend, "2025-12-01") is None  # not in the data


def test_monthly_churn_by_tier_adds_up_and_breakdown_pools():
    tx = _tx(RATE_ROWS)
    by_tier = churn.monthly_churn(tx, RATE_END, 30, by="frequency_tier", frequency_tiers=TIERS)
    total = churn.monthly_churn(tx, RATE_END, 30)
    summed = by_tier.groupby("month")[["active_start", "churned", "reactivated", "new"]].sum().reset_index(drop=True)
    pd.testing.assert_frame_equal(summed, total[["active_start", "churned", "reactivated", "new"]])
    # Feb churners P and Q had one purchase (one-time); R (Mar) and Q (Apr) had two (occasional)
    hit = by_tier[by_tier["churned"] > 0]
    churned = hit.set_index(["group", hit["month"].dt.month])["churned"]
    assert churned.to_dict() == {("one-time", 2): 2, ("occasional", 3): 1, ("occasional", 4): 1}
    # pooled over the complete months Mar and Apr: base 2 + 2, churned 1 + 1
    table = churn.churn_breakdown(by_tier, RATE_END, months=12, min_group_size=1)
    overall = table[table["group"] == "all"].iloc[0]
    assert (overall["months"], overall["customer_months"], overall["churned"]) == (2, 4, 2)
    assert overall["churn_rate"] == pytest.approx(0.5)
    with pytest.raises(AnalysisError, match="no customer attribute 'region'"):
        churn.monthly_churn(tx, RATE_END, 30, by="region")


def test_churn_by_rfm_segment_matches_the_totals():
    tx = _tx(RATE_ROWS)
    by_rfm = churn.monthly_churn_by_rfm(tx, RATE_END, 30, months=2)
    assert sorted(by_rfm["month"].dt.month.unique()) == [3, 4]
    summed = by_rfm.groupby("month")[["active_start", "churned", "reactivated"]].sum()
    # March: active 2 (R, S), churned 1 (R), reactivated 1 (Q); April: active 2 (Q, S), churned 1 (Q)
    assert summed.to_numpy().tolist() == [[2, 1, 1], [2, 1, 0]]
    churned_mar = by_rfm[(by_rfm["month"].dt.month == 3) & (by_rfm["churned"] > 0)]
    assert churned_mar["churned_revenue"].tolist() == [70.0]  # R: 30 + 40
    # a dimension the data do not have: an empty table and a sentence saying so
    empty = churn.churn_by(tx, RATE_END, 30, "first_channel", attributes=churn.first_purchase_attributes(tx))
    assert empty.empty and "no first channel" in churn.describe_breakdown(empty, "first_channel")
    assert churn.describe_breakdown(empty, "first_channel", "zh") == "该客户的数据中没有首购渠道，因此无法按其细分。"
    with pytest.raises(AnalysisError, match="unknown churn breakdown 'colour'"):
        churn.churn_by(tx, RATE_END, 30, "colour")


def test_customer_status_and_definition_check():
    tx = _tx(RATE_ROWS)
    status = churn.customer_status(tx, pd.Timestamp("2026-03-01"), 30).set_index("customer_id")
    # on Feb 28: P 54 days, Q 39, R 1, S 18
    assert status["days_since_last"].to_dict() == {"P": 54, "Q": 39, "R": 1, "S": 18}
    assert status["status"].to_dict() == {"P": "churned", "Q": "churned", "R": "active", "S": "active"}
    # theta fixed at 30, N = 31: cutoff = Apr 1 - 31 days = Mar 1
    definition = churn.churn_threshold(tx, pd.Timestamp("2026-04-01"), threshold_days=30, window_days=31)
    check = churn.definition_check(tx, definition, model=False).iloc[0]
    # flagged P, Q; in March P and R do not buy, Q and S do: precision 1/2, recall 1/2, base rate 2/4
    assert check["cutoff"] == "2026-03-01"
    assert (check["flagged"], check["precision"], check["recall"], check["base_rate"]) == (2, 0.5, 0.5, 0.5)


def test_first_purchase_attributes():
    tx = _tx(
        [("A", 3, 5), ("A", 3, 50), ("A", 1, 9), ("B", 40, 7)],
        category=["x", "y", "z", None],
        channel=["web", "app", "app", "web"],
    )
    got = churn.first_purchase_attributes(tx)
    # A's first line is day 1 (z); B's category is missing; B bought on Feb 10 -> 2026Q1
    assert got.loc["A", "first_category"] == "z" and got.loc["B", "first_category"] == "(unknown)"
    assert got["cohort"].tolist() == ["2026Q1", "2026Q1"] and got.loc["B", "first_channel"] == "web"


def test_chinese_sentences_tables_and_charts():
    tx = _tx(RATE_ROWS)
    trend = churn.monthly_churn(tx, RATE_END, 30)
    march = type("P", (), {"start": pd.Timestamp("2026-03-01")})()
    # March: 2 active at the start (R, S), R churned (spent 30 + 40), Q came back; February is incomplete
    assert churn.describe_trend(trend, march, "zh", "CNY") == (
        "2026年3月，月初 2 位活跃客户中有 1 位流失：流失率 50.0%。他们在最近一年共消费 ¥70。本月有 1 位已流失的客户回流。"
    )
    assert churn.describe_trend(trend, march).startswith("In Mar 2026, 1 of 2 customers active")
    shown = churn.report_table(churn.recent_months(trend), "zh")
    assert list(shown.columns) == [
        "churn_month",
        "churn_active_start",
        "churn_churned",
        "churn_churn_rate",
        "churn_churned_revenue",
        "churn_reactivated",
        "churn_new",
        "churn_complete",
    ]
    assert shown["churn_month"].tolist() == ["2026年4月", "2026年3月", "2026年2月", "2026年1月"]
    assert shown["churn_complete"].tolist() == ["是", "是", "否", "否"]
    fixed = churn.churn_threshold(tx, pd.Timestamp("2026-04-01"), threshold_days=30, window_days=31)
    assert fixed.describe("zh") == "客户超过 30 天未购买即视为流失（在参数中固定设置，churn.threshold_days）。"
    check = churn.definition_check(tx, fixed, model=False, language="zh")
    assert check["definition"].tolist() == ["不活跃规则：超过 30 天未购买"]
    # breakdown by tier over March and April: occasional R (Mar), Q and S (Apr): 3 customer-months; one-time S (Mar):
    # 1 customer-month, 0.5 a month < min_group_size 1 -> pooled as other
    by_tier = churn.churn_by(tx, RATE_END, 30, "frequency_tier", frequency_tiers=TIERS, min_group_size=1)
    ax = plots.plot_churn_breakdown(by_tier, by="frequency_tier", lang="zh")
    assert ax.get_title() == "按购买频次层级的月流失率（取月初层级）" and ax.get_xlabel() == "平均月流失率"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["其他", "偶尔复购客户"]  # drawn bottom-up
    assert churn.describe_breakdown(by_tier, "frequency_tier", "zh") == "只有一个购买频次层级分组的人数足以比较。"
    assert plots.plot_churn_trend(trend, lang="zh").get_title() == "月流失率"
    plt.close("all")
    # survival of the CYCLE customers: S(10) = 6/7, S(30) = 15/28, S(60) = 5/14, nobody followed 90 days
    spells = churn.survival_inputs(_tx(CYCLE), CYCLE_END, frequency_tiers=TIERS)
    table = churn.survival_at(spells, None, horizons=(10, 30, 60, 90), min_group_size=1)
    assert churn.describe_survival(table, (10, 30, 60, 90), "zh") == (
        "一次购买之后，尚未再次购买的客户占比：10 天后 86%，30 天后 54%，60 天后 36%。"
    )
    shown = churn.report_table(table, "zh")
    assert list(shown.columns) == [
        "churn_group",
        "churn_spells",
        "churn_returned",
        "churn_median_days",
        "10天未回购",
        "30天未回购",
        "60天未回购",
        "90天未回购",
    ]
    assert shown["churn_group"].tolist() == ["全部"]
    assert set(churn.survival_formats((10, 30), "zh")) == {"churn_median_days", "10天未回购", "30天未回购"}
    test = churn.logrank_test(spells, "frequency_tier", min_group_size=1)
    assert churn.describe_logrank(test, "zh").startswith("3 个购买频次层级分组的对数秩检验：χ² = ")
    assert churn.group_label("2024Q3", "cohort", "zh") == "2024年第3季度"
    assert churn.group_label("(unknown)", "first_category", "zh") == "（未知）"
    value, _, note = churn.customer_value(tx, RATE_END, basis="annual_spend", language="zh")
    assert note == "价值 = 近 365 天消费额（churn.value_basis: annual_spend）。"


# ---------------------------------------------------------------------------
# leakage


def _simulated(n: int = 400, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Purchases of n customers over 2025-2026 with categories, channels, refunds, sign-ups and surveys."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(2.0, 1 / 60, n)  # purchases per day while alive
    start = rng.integers(0, 300, n)
    stop = np.minimum(730, start + 1 + rng.exponential(300, n).astype(int))  # customers drop out
    counts = rng.poisson(rate * (stop - start)) + 1
    cust = np.repeat(np.arange(n), counts)
    day = np.repeat(start, counts) + (rng.random(len(cust)) * np.repeat(stop - start, counts)).astype(int)
    tx = pd.DataFrame(
        {
            "customer_id": [f"K{c:04d}" for c in cust],
            "order_id": [f"o{i}" for i in range(len(cust))],
            "order_date": pd.Timestamp("2025-01-01")
            + pd.to_timedelta(day, "D")
            + pd.to_timedelta(rng.integers(0, 86400, len(cust)), "s"),
            "amount": rng.gamma(2.0, 40.0, len(cust)).round(2),
            "refund_amount": np.where(rng.random(len(cust)) < 0.05, 5.0, 0.0),
            "category": rng.choice(["tea", "snacks", "home", "toys"], len(cust)),
            "channel": rng.choice(["app", "web"], len(cust)),
        }
    )
    ids = [f"K{c:04d}" for c in range(n)]
    customers = pd.DataFrame(
        {
            "customer_id": ids,
            "signup_date": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(-100, 700, n), "D"),
            "tier": rng.choice(["normal", "gold"], n),
            "acquisition_channel": rng.choice(["ads", "store"], n),
        }
    )
    surveys = pd.DataFrame(
        {
            "customer_id": rng.choice(ids, 300),
            "response_date": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 730, 300), "D"),
            "nps": rng.integers(0, 11, 300).astype(float),
            "csat": rng.integers(1, 6, 300).astype(float),
        }
    )
    return tx.sort_values("order_date", ignore_index=True), customers, surveys


CUTOFF = pd.Timestamp("2026-03-01")


def _features(tx, customers, surveys):
    return churn.churn_features(tx, CUTOFF, customers=customers, surveys=surveys, bgnbd_window_days=60)


def test_features_ignore_everything_from_the_cutoff_on():
    tx, customers, surveys = _simulated()
    base = _features(tx, customers, surveys)
    after = tx["order_date"] >= CUTOFF
    assert after.sum() > 100 and len(base) > 300
    # 1. delete every transaction, survey and sign-up dated from the cutoff on
    deleted = _features(
        tx[~after], customers[customers["signup_date"] < CUTOFF], surveys[surveys["response_date"] < CUTOFF]
    )
    # 2. change them: amounts x 10, other categories and channels, new customers, other scores
    changed = tx.copy()
    changed.loc[after, "amount"] *= 10
    changed.loc[after, "category"] = "new-category"
    changed.loc[after, "channel"] = "livestream"
    changed.loc[after, "refund_amount"] = 99.0
    extra = changed[after].assign(customer_id="NEW-" + changed.loc[after, "customer_id"])
    changed = pd.concat([changed, extra], ignore_index=True)
    sv = surveys.copy()
    sv.loc[sv["response_date"] >= CUTOFF, "nps"] = 0.0
    cu = customers.copy()
    cu.loc[cu["signup_date"] >= CUTOFF, "acquisition_channel"] = "ads"
    modified = _features(changed, cu, sv)
    pd.testing.assert_frame_equal(deleted, base)
    pd.testing.assert_frame_equal(modified, base)
    # the tier has no date, so it is never a feature; a dated tier is used only when dated before the cutoff
    assert "tier_rank" not in base.columns
    dated = customers.assign(tier_date=CUTOFF - pd.Timedelta(days=1))
    dated.loc[dated.index[:10], "tier_date"] = CUTOFF  # recorded on the cutoff day: unknown at the cutoff
    with_tier = churn.churn_features(
        tx, CUTOFF, customers=dated, tier_date_col="tier_date", tier_order=["normal", "gold"]
    )
    ranks = with_tier["tier_rank"]
    assert ranks.reindex(dated["customer_id"].iloc[:10]).isna().all()
    assert set(ranks.dropna().unique()) <= {0.0, 1.0} and ranks.notna().sum() > 300


def test_a_bgnbd_that_does_not_fit_leaves_the_feature_missing(monkeypatch):
    from repurchase import lifetime_value

    def fail(*args, **kwargs):
        raise AnalysisError("BG/NBD did not converge")

    monkeypatch.setattr(lifetime_value, "fit_model", fail)
    tx, _, _ = _simulated(120)
    features = churn.churn_features(tx, CUTOFF, bgnbd_window_days=60)
    assert features["bgnbd_p_no_purchase"].isna().all() and features["recency_days"].notna().all()


def test_features_by_hand():
    # customer A: days 0 (100 + refund 20 on the line), 30 (50), 80 (30) before the cutoff on day 100; one line after
    tx = _tx([("A", 0, 100), ("A", 30, 50), ("A", 80, 30), ("A", 120, 999)], category=["t", "t", "h", "h"])
    tx.loc[0, "refund_amount"] = 20.0
    f = churn.churn_features(tx, D0 + pd.Timedelta(days=100)).loc["A"]
    # last observed day 99: recency 99 - 80 = 19, tenure 99, gaps 30 and 50
    assert (f["recency_days"], f["frequency"], f["tenure_days"], f["spend_total"]) == (19, 3, 99, 180)
    assert (f["gap_mean"], f["gap_std"], f["gap_last"], f["gap_max"]) == (40, 10, 50, 50)
    assert f["overdue_ratio"] == pytest.approx(19 / 40)
    # last 90 days = days 10..99: occasions on 30 and 80 (spend 80); days 91..180 before: day 0 (100)
    assert (f["occasions_90d"], f["spend_90d"], f["spend_prev_90d"]) == (2, 80, 100)
    assert f["spend_trend"] == pytest.approx((80 - 100) / 180)
    assert f["refund_share"] == pytest.approx(20 / 200)  # refunded 20 of gross 180 + 20
    assert (f["cat_t"], f["cat_h"], f["n_categories"]) == (pytest.approx(150 / 180), pytest.approx(30 / 180), 2)


def test_labels_read_only_the_label_window():
    tx, _, _ = _simulated()
    ids = pd.Index(sorted(tx["customer_id"].unique()))
    base = churn.churn_labels(tx, ids, CUTOFF, 60)
    window = (tx["order_date"] >= CUTOFF) & (tx["order_date"] < CUTOFF + pd.Timedelta(days=60))
    outside = tx.copy()
    outside.loc[~window, "amount"] = 1.0
    outside = outside.drop(outside.index[(~window).to_numpy()][::2])  # delete half the rows outside the window
    pd.testing.assert_series_equal(churn.churn_labels(outside, ids, CUTOFF, 60), base)
    # a purchase moved into the window flips that customer's label, and only that one
    churned = base[base].index[0]
    moved = pd.concat([tx, _tx([(churned, "2026-03-30", 10)]).drop(columns="order_id")], ignore_index=True)
    flipped = churn.churn_labels(moved, ids, CUTOFF, 60)
    assert not flipped[churned] and (flipped != base).sum() == 1
    # the window is [cutoff, cutoff + N days): a purchase on day N counts for the next window
    edge = pd.concat([tx, _tx([(churned, "2026-04-30", 10)]).drop(columns="order_id")], ignore_index=True)
    assert churn.churn_labels(edge, ids, CUTOFF, 60)[churned]


# ---------------------------------------------------------------------------
# refunds: each cutoff of the backtest sees the data as they were known that day

# The simulated purchases as a RAW table (before cleaning), with refund rows 1-45 days after 8 % of the
# lines (half of them full, half 30 %), plus three hand-made customers around the test cutoff 2026-03-01
# (END 2026-04-30, N = 60 days: test cutoff = END - 60 = 2026-03-01, training cutoff 2025-12-31):
#   A: line a1 of 100 on Feb 10, refunded 10 on Feb 20 (before the cutoff) and 40 on Mar 10 (after)
#   B: b0 of 20 on Jan 15; b1 of 50 on Feb 20, refunded in full on Mar 5 (after the cutoff)
#   E: e1 of 30 on Feb 25 (their only purchase), refunded in full on Mar 3 (after the cutoff)
BT_END = pd.Timestamp("2026-04-30")
BT_TEST, BT_TRAIN = pd.Timestamp("2026-03-01"), pd.Timestamp("2025-12-31")
HAND_ROWS = [  # customer, order, date, amount, status
    ("A", "a1", "2026-02-10 11:00:00", 100.0, "paid"),
    ("A", "a1", "2026-02-20 09:00:00", -10.0, "refund"),
    ("A", "a1", "2026-03-10 09:00:00", -40.0, "refund"),
    ("B", "b0", "2026-01-15 12:00:00", 20.0, "paid"),
    ("B", "b1", "2026-02-20 12:00:00", 50.0, "paid"),
    ("B", "b1", "2026-03-05 12:00:00", -50.0, "refund"),
    ("E", "e1", "2026-02-25 15:00:00", 30.0, "paid"),
    ("E", "e1", "2026-03-03 15:00:00", -30.0, "refund"),
]


def _raw_with_refunds() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    tx, customers, surveys = _simulated()
    rng = np.random.default_rng(8)
    paid = pd.DataFrame(
        {
            "customer_id": tx["customer_id"],
            "order_id": tx["order_id"],
            "order_date": tx["order_date"],
            "amount": tx["amount"],
            "status": "paid",
            "category": tx["category"],
            "channel": tx["channel"],
        }
    )
    pick = rng.random(len(paid)) < 0.08
    full = rng.random(len(paid)) < 0.5
    refunds = paid[pick].assign(status="refund")
    refunds["order_date"] += pd.to_timedelta(rng.integers(1, 46, len(refunds)), "D")
    refunds["amount"] = -np.where(full[pick], refunds["amount"], (refunds["amount"] * 0.3).round(2))
    hand = pd.DataFrame(HAND_ROWS, columns=["customer_id", "order_id", "order_date", "amount", "status"])
    raw = pd.concat(
        [
            paid.assign(order_date=paid["order_date"].dt.strftime("%Y-%m-%d %H:%M:%S")),
            refunds.assign(order_date=refunds["order_date"].dt.strftime("%Y-%m-%d %H:%M:%S")),
            hand.assign(category="tea", channel="app"),
        ],
        ignore_index=True,
    )
    raw["raw_row"] = np.arange(2, len(raw) + 2)
    return raw, customers, surveys


def _as_of(raw: pd.DataFrame):
    """What ReportContext.transactions_as_of does, without the cache: clean the raw rows up to the cutoff."""
    return lambda cutoff: clean_transactions(raw, period_end_exclusive=cutoff).clean


def _sets(raw, customers, surveys, as_of=True):
    tx = clean_transactions(raw, period_end_exclusive=BT_END).clean  # the report period's transactions
    return churn.backtest_sets(
        tx, BT_END, window_days=60, as_of=_as_of(raw) if as_of else None, customers=customers, surveys=surveys
    )


def _after(raw: pd.DataFrame, cutoff: pd.Timestamp) -> pd.Series:
    return pd.to_datetime(raw["order_date"]) >= cutoff


def test_backtest_features_are_those_of_the_raw_data_known_at_each_cutoff():
    raw, customers, surveys = _raw_with_refunds()
    sets = _sets(raw, customers, surveys)
    assert (sets.train_cutoff, sets.test_cutoff) == (BT_TRAIN, BT_TEST)
    # by hand at the test cutoff (last observed day Feb 28): the later refunds are not known yet
    X = sets.features["test"]
    assert (X.loc["A", "spend_total"], X.loc["A", "refund_share"], X.loc["A", "refunded_lines"]) == (
        90,
        0.1,
        1,
    )  # 100 - 10
    assert (X.loc["B", "frequency"], X.loc["B", "recency_days"], X.loc["B", "spend_total"]) == (2, 8, 70)  # Feb 28 - 20
    assert (X.loc["E", "frequency"], X.loc["E", "recency_days"], X.loc["E", "spend_total"]) == (1, 3, 30)
    # the bug this guards against: features from the period's cleaning see the later refunds
    old = _sets(raw, customers, surveys, as_of=False).features["test"]
    assert (old.loc["A", "spend_total"], old.loc["A", "refund_share"]) == (50, 0.5)  # 100 - 10 - 40; 50 of 100
    assert (old.loc["B", "frequency"], old.loc["B", "recency_days"]) == (1, 44)  # b1 gone: last purchase Jan 15
    assert "E" not in old.index  # the only line refunded in full after the cutoff
    # 1. each cutoff's features, theta and population = those of the raw data with every row from the cutoff on deleted
    for name, cut in (("train", BT_TRAIN), ("test", BT_TEST)):
        got = sets.features[name]
        known = clean_transactions(raw[~_after(raw, cut)]).clean
        theta = churn.churn_threshold(known, cut, quantile=0.9, horizon_days=365).threshold_days
        expected = churn.churn_features(
            known,
            cut,
            customers=customers,
            surveys=surveys,
            bgnbd_window_days=60,
            categories=[c[4:] for c in got.columns if c.startswith("cat_")],
            channels=[c[4:] for c in got.columns if c.startswith("chn_")],
        )
        assert sets.thresholds[name] == theta
        pd.testing.assert_frame_equal(got, expected.loc[expected["recency_days"] <= theta, got.columns])
    # 2. changing or deleting raw rows dated from a cutoff on leaves that cutoff's matrix unchanged; the training
    #    labels are read as known at the end of their window (the test cutoff), so they do not move either
    for name, cut in (("train", BT_TRAIN), ("test", BT_TEST)):
        after = _after(raw, cut)
        assert after.sum() > 500 and (raw.loc[after, "status"] == "refund").sum() > 30
        changed = raw.copy()
        changed.loc[after, "amount"] *= 10  # purchases and refunds ten times larger
        changed.loc[after, "category"] = "new-category"
        # every line of the 60 days before the cutoff refunded in full 3 days after it (for the test cutoff, that
        # is the training label window: read from the period's cleaning, those buyers would all become churners)
        late = raw[~after & (raw["status"] == "paid") & _after(raw, cut - pd.Timedelta(days=60))]
        late = late.assign(
            order_date=(cut + pd.Timedelta(days=3)).strftime("%Y-%m-%d"),
            status="refund",
            amount=-late["amount"],
            raw_row=np.arange(90_000, 90_000 + len(late)),
        )
        newcomers = raw[after].assign(
            customer_id="NEW-" + raw.loc[after, "customer_id"], raw_row=lambda f: f["raw_row"] + 100_000
        )
        changed = pd.concat([changed.drop(changed.index[after.to_numpy()][::3]), late, newcomers], ignore_index=True)
        deleted = raw[~after]
        for other in (changed, deleted):
            pd.testing.assert_frame_equal(_sets(other, customers, surveys).features[name], sets.features[name])
        if name == "test":
            moved = _sets(changed, customers, surveys)
            assert (
                moved.thresholds["test"] == sets.thresholds["test"]
                and moved.thresholds["train"] == sets.thresholds["train"]
            )
            pd.testing.assert_frame_equal(moved.features["train"], sets.features["train"])
            pd.testing.assert_series_equal(moved.labels["train"], sets.labels["train"])
            # ... whereas the period's cleaning lets the same changes reach the test features
            assert not _sets(changed, customers, surveys, as_of=False).features["test"].equals(sets.features["test"])
    # 3. the model learns and is tested on exactly these sets
    w = churn.early_warning(
        clean_transactions(raw, period_end_exclusive=BT_END).clean,
        BT_END,
        window_days=60,
        as_of=_as_of(raw),
        customers=customers,
        surveys=surveys,
        importance_repeats=1,
    )
    scores = w.test_scores.set_index("customer_id")
    pd.testing.assert_index_equal(scores.index, sets.features["test"].index)
    np.testing.assert_array_equal(scores["recency"], sets.features["test"]["recency_days"])
    np.testing.assert_array_equal(scores["churned"], sets.labels["test"])
    assert w.sizes["customers"].tolist() == [
        len(sets.labels["train"]),
        len(sets.labels["test"]),
        len(sets.features["end"]),
    ]


def test_as_of_must_cut_at_the_cutoff_and_the_definition_check_uses_it():
    raw, customers, surveys = _raw_with_refunds()
    tx = clean_transactions(raw, period_end_exclusive=BT_END).clean
    with pytest.raises(AnalysisError, match="rows dated on or after the cutoff"):
        churn.early_warning(tx, BT_END, window_days=60, as_of=lambda cutoff: tx)
    # the definition check (cutoff END - N = the test cutoff) counts E, whose only line was refunded later
    definition = churn.churn_threshold(tx, BT_END, window_days=60)
    known = clean_transactions(raw[~_after(raw, BT_TEST)]).clean
    check = churn.definition_check(tx, definition, as_of=_as_of(raw), model=False).iloc[0]
    old = churn.definition_check(tx, definition, model=False).iloc[0]
    assert check["customers"] == known["customer_id"].nunique() == old["customers"] + 1
    assert check["definition"] == churn.i18n.t(
        "churn.rule_inactivity", "en", days=churn.churn_threshold(known, BT_TEST, window_days=60).threshold_days
    )


def test_report_context_cleans_the_raw_source_as_of_a_cutoff(tmp_path):
    from repurchase.report import open_report

    (tmp_path / "params").mkdir()
    src = tmp_path / "tx.csv"
    head = "c,o,d,a,s\n"
    before = "A,O1,2026-01-10,100,paid\nA,O1,2026-01-12,-10,refund\nB,O2,2026-01-15,50,paid\nB,O3,2026-01-20,20,paid\n"
    after = "A,O1,2026-02-20,-40,refund\nB,O2,2026-02-05,-50,refund\nC,O4,2026-02-10,30,paid\n"
    src.write_text(head + before + after, encoding="utf-8")
    p = tmp_path / "params" / "t.yaml"
    p.write_text(
        "client: t\ntitle: T\nsources:\n  transactions:\n    path: tx.csv\n"
        "    columns: {customer_id: c, order_id: o, order_date: d, amount: a, status: s}\n"
    )
    ctx = open_report(p, period="2026-02", output_dir=tmp_path / "o")
    cut = pd.Timestamp("2026-02-01")
    seen = ctx.transactions_as_of(cut)
    # as known on Feb 1: O1 = 100 - 10 (the Feb 20 refund not yet), O2 whole; at the period end O1 = 50, O2 gone
    assert seen[["order_id", "amount", "refund_amount"]].values.tolist() == [
        ["O1", 90, 10],
        ["O2", 50, 0],
        ["O3", 20, 0],
    ]
    assert ctx.transactions()[["order_id", "amount"]].values.tolist() == [["O1", 50], ["O3", 20], ["O4", 30]]
    assert (tmp_path / "data" / "cache" / "t" / "asof-2026-02-01" / "transactions" / "clean.parquet").exists()
    assert ctx.transactions_as_of(cut) is seen  # cached in the context
    assert ctx.transactions_as_of(ctx.period.end_exclusive) is ctx.transactions()
    # rows from the cutoff on changed or deleted: the same table (the stale disk cache is rebuilt)
    # (C's purchase keeps the period 2026-02 inside the data: a period after the last transaction is refused)
    src.write_text(head + before + "A,O1,2026-02-02,-90,refund\nC,O4,2026-02-12,35,paid\n", encoding="utf-8")
    again = open_report(p, period="2026-02", output_dir=tmp_path / "o").transactions_as_of(cut)
    pd.testing.assert_frame_equal(again, seen)
    with pytest.raises(AnalysisError, match="on or before the period end 2026-03-01"):
        ctx.transactions_as_of(pd.Timestamp("2026-03-02"))
    with pytest.raises(AnalysisError, match="day boundary"):
        ctx.transactions_as_of(pd.Timestamp("2026-02-01 12:00"))


# ---------------------------------------------------------------------------
# the backtest, the at-risk list and the metrics


def _cdnow() -> pd.DataFrame:
    path = importlib.metadata.distribution("lifetimes").locate_file("lifetimes/datasets/CDNOW_sample.txt")
    raw = pd.read_csv(
        path,
        sep=r"\s+",
        header=None,
        names=["customer_id", "index", "date", "quantity", "amount"],
        dtype={"customer_id": str, "date": str},
    )
    return pd.DataFrame(
        {
            "customer_id": raw["customer_id"],
            "order_date": pd.to_datetime(raw["date"], format="%Y%m%d"),
            "amount": raw["amount"].astype(float),
        }
    )


def test_bgnbd_no_purchase_probability_on_cdnow_reference():
    # methods.md: CDNOW, calibration to 1997-09-30, 39-week holdout: ROC AUC 0.758 for p_return, 0.315 for P(alive)
    tx = _cdnow()
    cutoff = pd.Timestamp("1997-10-01")
    scores, fit = churn.model_based_churn(tx, cutoff, 273)
    assert fit.params["r"] == pytest.approx(0.243, abs=0.001) and fit.params["a"] == pytest.approx(0.793, abs=0.001)
    churned = churn.churn_labels(tx, scores["customer_id"], cutoff, 273).to_numpy()
    assert roc_auc_score(churned, scores["p_no_purchase"]) == pytest.approx(0.758, abs=0.002)
    assert roc_auc_score(~churned, scores["p_alive"]) == pytest.approx(0.315, abs=0.002)
    one_time = scores["frequency"] == 0
    assert (scores.loc[one_time, "p_alive"] == 1).all() and (scores.loc[one_time, "p_no_purchase"] < 1).all()


def test_backtest_on_cdnow_reports_every_score_honestly():
    tx = _cdnow()
    end = pd.Timestamp("1998-07-01")
    w = churn.early_warning(tx, end, window_days=90)
    assert (w.test_cutoff, w.train_cutoff) == (pd.Timestamp("1998-04-02"), pd.Timestamp("1998-01-02"))
    assert set(w.comparison["model"]) == {"gradient_boosting", "logistic", "recency", "bgnbd"}
    assert w.comparison["model"].iloc[0] == w.chosen and w.chosen in ("gradient_boosting", "logistic")
    assert math.isnan(w.metric("recency", "brier")) and 0 < w.metric("bgnbd", "brier") < 0.5
    assert (w.comparison["roc_auc"].between(0.5, 1)).all()
    # the test population is active at the test cutoff: at most theta days since the last purchase
    sizes = w.sizes.set_index("set")
    assert sizes.loc["test", "customers"] == len(w.test_scores) and sizes.loc["scoring", "customers"] == len(w.scores)
    assert w.lift.groupby("model")["customers"].sum().eq(len(w.test_scores)).all()
    assert w.lift.groupby("model")["cumulative_gain"].last().round(9).eq(1.0).all()
    assert "bgnbd_p_no_purchase" in w.features and w.importance["feature"].isin(w.features).all()
    # the metrics of the report
    definition = churn.churn_threshold(tx, end)
    trend = churn.monthly_churn(tx, end, definition.threshold_days)
    value, basis, _ = churn.customer_value(tx, end, basis="annual_spend")
    at_risk = churn.at_risk_list(w.scores, value, frequency_tiers=TIERS)
    period = type("P", (), {"start": pd.Timestamp("1998-06-01")})()
    m = churn.churn_metrics(trend, period, definition, w, at_risk, basis)
    assert m["churn_rate"] == pytest.approx(churn.rate_for_month(trend, "1998-06-01"))
    assert m["churn_rate_prev_year"] is None  # June 1997: the look-back starts before the data
    assert m["model"]["roc_auc"] == pytest.approx(w.metric(w.chosen, "roc_auc"))
    assert m["baseline_recency_roc_auc"] == pytest.approx(w.metric("recency", "roc_auc"))
    assert m["at_risk_customers"] == int(at_risk["at_risk"].sum())
    assert m["value_at_risk"] == pytest.approx(at_risk.loc[at_risk["at_risk"], "value_at_risk"].sum())
    assert m["threshold_days"] == definition.threshold_days and m["value_basis"] == "annual_spend"
    # in Chinese: the tables keep their numbers, headers become col.churn_* keys, codes become words
    shown = churn.report_table(w.comparison, "zh")
    assert list(shown.columns) == [
        "churn_model",
        "churn_roc_auc",
        "churn_pr_auc",
        "churn_base_rate",
        "churn_brier",
        "churn_top_decile_lift",
    ]
    assert set(shown["churn_model"]) == {"梯度提升", "逻辑回归", "仅按 R（基准）", "BG/NBD N 天内不购买概率"}
    assert shown["churn_roc_auc"].tolist() == w.comparison["roc_auc"].tolist()
    assert churn.report_table(w.sizes, "zh")["churn_set"].tolist() == ["训练", "测试", "打分"]
    assert churn.describe_choice(w, "zh").startswith("在查看测试截止日之前就选定了")
    table = churn.metrics_table(m, "zh").set_index("metric")["value"]
    assert table["θ 的来源"] == "购买间隔的 Kaplan–Meier 分位数" and table["价值口径"] == "近 365 天消费额"
    assert table["所选模型：名称"] in ("梯度提升", "逻辑回归") and table["报告月流失率"] == f"{m['churn_rate']:.1%}"


def test_churn_plots_return_axes():
    tx = _cdnow()
    end = pd.Timestamp("1998-07-01")
    w = churn.early_warning(tx, end, window_days=90)
    trend = churn.monthly_churn(tx, end, 180, by=None)
    breakdown = churn.churn_by(tx, end, 180, "frequency_tier", frequency_tiers=TIERS)
    empty = churn.churn_by(tx, end, 180, "first_category", attributes=churn.first_purchase_attributes(tx))
    spells = churn.survival_inputs(tx, end, frequency_tiers=TIERS)
    value, _, _ = churn.customer_value(tx, end, basis="annual_spend")
    summary = churn.at_risk_summary(churn.at_risk_list(w.scores, value, frequency_tiers=TIERS))
    calls = [
        (plots.plot_churn_trend, (trend,), {}),
        (plots.plot_churn_flows, (trend,), {}),
        (plots.plot_churned_revenue, (trend,), {}),
        (plots.plot_churn_breakdown, (breakdown,), {}),
        (plots.plot_churn_breakdown, (empty,), {}),
        (plots.plot_model_curves, (w.curves, w.comparison), {"kind": "roc"}),
        (plots.plot_model_curves, (w.curves, w.comparison), {"kind": "pr"}),
        (plots.plot_calibration, (w.calibration,), {}),
        (plots.plot_gains, (w.lift,), {}),
        (plots.plot_importance, (w.importance,), {}),
        (plots.plot_survival, (churn.survival_curves(spells, "frequency_tier"),), {}),
        (plots.plot_survival, (churn.survival_curves(spells, "first_category"),), {}),
        (plots.plot_value_at_risk, (summary,), {}),
    ]
    for fn, args, kwargs in calls:
        ax = fn(*args, **kwargs)
        assert isinstance(ax, matplotlib.axes.Axes), fn.__name__
        plt.close(ax.figure)
    # one line per score in the ROC chart (plus the diagonal); survival groups largest first
    # (CDNOW spells: high 2,464, one-time 2,357, occasional 1,875)
    ax = plots.plot_model_curves(w.curves, w.comparison, kind="roc")
    assert len(ax.get_lines()) == len(w.comparison) + 1
    ax2 = plots.plot_survival(churn.survival_curves(spells, "frequency_tier"))
    assert [t.get_text() for t in ax2.get_legend().get_texts()] == ["high", "one-time", "occasional"]
    # Chinese charts: titles, labels, legends, tier and score names from the catalog
    zh = plots.plot_survival(churn.survival_curves(spells, "frequency_tier"), by="frequency_tier", lang="zh")
    assert zh.get_title() == "尚未回购的比例，按购买时的购买频次层级"
    assert [t.get_text() for t in zh.get_legend().get_texts()] == ["高频客户", "一次性客户", "偶尔复购客户"]
    zh = plots.plot_value_at_risk(summary, currency="CNY", lang="zh")
    assert zh.get_xlabel() == "Σ 流失概率 × 价值 (¥)" and zh.get_title() == "按购买频次层级和价值档的预期风险价值"
    assert {t.get_text() for t in zh.get_legend().get_texts()} <= {"高价值", "中价值", "低价值"}
    zh = plots.plot_model_curves(w.curves, w.comparison, kind="pr", lang="zh")
    assert zh.get_title() == "精确率–召回率曲线（测试截止日）"
    assert any(t.get_text().startswith("仅按 R (") for t in zh.get_legend().get_texts())
    zh = plots.plot_importance(w.importance, lang="zh")
    assert "距最近一次购买的天数" in [t.get_text() for t in zh.get_yticklabels()]
    plt.close("all")


def test_the_sentence_says_so_when_recency_wins():
    import dataclasses

    w = churn.early_warning(_cdnow(), pd.Timestamp("1998-07-01"), window_days=90)
    table = w.comparison.set_index("model")
    table.loc["recency", "roc_auc"] = table.loc[w.chosen, "roc_auc"] + 0.05
    lost = dataclasses.replace(w, comparison=table.reset_index())
    assert "The recency-only baseline beats the" in churn.describe_model(lost)
    table.loc["recency", "roc_auc"] = table.loc[w.chosen, "roc_auc"] - 0.001
    tied = dataclasses.replace(w, comparison=table.reset_index())
    assert "rank customers about equally well" in churn.describe_model(tied)
    assert "仅按 R 的基准优于" in churn.describe_model(lost, "zh")
    assert "排序效果相当" in churn.describe_model(tied, "zh")


def test_training_sample_is_capped_and_said():
    tx = _cdnow()
    w = churn.early_warning(tx, pd.Timestamp("1998-07-01"), window_days=90, max_train_rows=300)
    # 604 training customers (see the CDNOW backtest) -> a stratified sample of 300
    assert w.sizes.set_index("set").loc["training", "customers"] == 604
    assert any("sample of 300 of the 604" in n for n in w.note_texts())
    assert any("分层随机抽取的 300 位" in n for n in w.note_texts("zh"))


def test_too_short_a_history_gives_a_report_without_a_model():
    tx = _tx(RATE_ROWS)
    # N = 90: test cutoff May 1 - 90 = Jan 31, training cutoff Nov 2 2025; the training features need purchases before
    # Nov 2 - 90 days = Aug 4 2025, but the data start on Jan 5 2026
    with pytest.raises(churn.NotEnoughData, match="label_window_days lower") as err:
        churn.backtest_sets(tx, RATE_END, window_days=90)
    assert err.value.unavailable.code == "history_too_short"
    w = churn.early_warning(tx, RATE_END, window_days=90, threshold_days=60)
    assert w.unavailable.code == "history_too_short" and w.chosen is None
    assert w.comparison.empty and w.lift.empty and w.sizes.empty and churn.lift_table(w).empty
    # (May 1 - Jan 5 10:00) = 115.6 days; 3 N < 115.6 for N <= 38; Jan 5 + 3 x 90 + 1 days = Oct 3
    text = churn.describe_model(w)
    assert "needs purchases from 270 days before the period end (before 2025-08-04)" in text
    assert "the data start on 2026-01-05" in text and "to 38 days or fewer" in text and "2026-10-03" in text
    assert churn.describe_model(w, "zh").startswith("无法回测流失预警模型") and churn.describe_choice(w) == ""
    # no churn probability: the active customers on Apr 30 with theta = 60 are Q (last Mar 10: 51 days) and S (Apr 20:
    # 10 days); at risk after more than 60 / 2 = 30 days: Q. Values (spend in the last year): Q 70 + 50 = 120, S 30
    assert w.scores["customer_id"].tolist() == ["Q", "S"] and w.scores["p_churn"].isna().all()
    value, basis, note = churn.customer_value(tx, RATE_END, basis="annual_spend")
    with pytest.raises(AnalysisError, match="pass threshold_days"):
        churn.at_risk_list(w.scores, value, frequency_tiers=TIERS)
    at_risk = churn.at_risk_list(w.scores, value, frequency_tiers=TIERS, threshold_days=60)
    assert at_risk[["rank", "customer_id", "at_risk", "value"]].values.tolist() == [
        [1, "Q", True, 120.0],
        [2, "S", False, 30.0],
    ]
    assert at_risk["value_at_risk"].isna().all()
    assert list(churn.at_risk_preview(at_risk).columns) == [
        "rank",
        "customer_id",
        "value",
        "frequency_tier",
        "value_band",
        "days_since_last",
        "occasions",
    ]
    summary = churn.at_risk_summary(at_risk)
    assert summary["value"].sum() == 120.0 and "value_at_risk" not in summary and summary["at_risk"].sum() == 1
    assert churn.describe_at_risk(at_risk, note, "USD").startswith(
        "Without a churn model, 1 of 2 active customers (50.0%) are at risk by the days since their last purchase"
    )
    assert churn.describe_at_risk(at_risk, note, "CNY", "zh").startswith("没有流失模型")
    ax = plots.plot_value_at_risk(summary, currency="USD")
    assert ax.get_title() == "Value of the at-risk customers by frequency tier and value band"
    for fn, args in (
        (plots.plot_model_curves, (w.curves, w.comparison)),
        (plots.plot_calibration, (w.calibration,)),
        (plots.plot_gains, (w.lift,)),
        (plots.plot_importance, (w.importance,)),
    ):
        assert fn(*args, lang="zh").texts[0].get_text() == "没有模型，暂不可用（见上文）。"
    plt.close("all")
    # metrics: nulls with the reason, only here
    definition = churn.churn_threshold(tx, RATE_END, threshold_days=60)
    trend = churn.monthly_churn(tx, RATE_END, 60)
    march = type("P", (), {"start": pd.Timestamp("2026-04-01")})()
    m = churn.churn_metrics(trend, march, definition, w, at_risk, basis)
    assert m["model"] == {
        "name": None,
        "roc_auc": None,
        "pr_auc": None,
        "base_rate": None,
        "brier": None,
        "status": "unavailable",
        "reason": "history_too_short",
    }
    assert (m["value_at_risk"], m["value_at_risk_status"], m["value_at_risk_reason"]) == (
        None,
        "unavailable",
        "history_too_short",
    )
    assert (m["at_risk_customers"], m["at_risk_rule"], m["test_cutoff"]) == (1, "recency", None)
    table = churn.metrics_table(m, "zh").set_index("metric")["value"]
    assert table["所选模型：状态"] == "暂不可用" and table["所选模型：原因"] == "历史数据不足三个标签窗口"


def test_too_few_churners_gives_a_report_without_a_model():
    # 15 customers buy every 10 days through 2025 and 2026: nobody ever goes 30 days without a purchase, so the
    # training cutoff (END - 60 days) has 0 churners and 15 buyers
    rows = [(f"K{c:02d}", d, 10 + c) for c in range(15) for d in range(-365, 119, 10)]
    tx = _tx(rows)
    end = pd.Timestamp("2026-05-01")
    w = churn.early_warning(tx, end, window_days=30, threshold_days=45)
    assert w.unavailable.code == "too_few_churners"
    assert w.sizes[["set", "customers", "churners"]].values.tolist()[:2] == [["training", 15, 0], ["test", 15, 0]]
    assert churn.describe_model(w).startswith(
        "The early-warning model could not be fitted: at the training cutoff (2026-03-02), 0 of 15 customers made no "
        "purchase in the next 30 days and 15 did; the model needs at least 10 of each."
    )
    assert "在训练截止日（2026-03-02），15 位客户中有 0 位" in churn.describe_model(w, "zh")
    assert len(w.scores) == 15 and w.scores["p_churn"].isna().all()


class _Ctx:
    """What churn.show needs of a ReportContext."""

    def __init__(self, language: str = "en"):
        self.language = language

    def show_table(self, frame, **kwargs):
        return ("table", len(frame))


def test_short_history_trend_breakdowns_and_check_say_why():
    # 2 months: Aug 3 - Sep 28 2026; theta 30: a month is complete once Aug 3 + 31 days = Sep 3 lies before its start,
    # so neither August nor September is; the first complete month is October
    rows = [(f"C{c:02d}", f"2026-08-{3 + c:02d}", 10 * (c + 1)) for c in range(20)]
    rows += [(f"C{c:02d}", f"2026-09-{8 + c:02d}", 5.0) for c in range(0, 20, 2)]
    tx = _tx(rows, category=["tea"] * 20 + ["toys"] * 10)
    end = pd.Timestamp("2026-10-01")
    trend = churn.monthly_churn(tx, end, 30)
    assert trend["month"].dt.month.unique().tolist() == [8, 9] and not trend["complete"].any()
    why = churn.unavailable(trend)
    assert (why.code, why.values["days"], why.values["first"], why.values["month"]) == (
        "no_complete_month",
        31,
        "2026-08-03",
        "2026-10",
    )
    period = type("P", (), {"start": pd.Timestamp("2026-09-01")})()
    assert "The first month that can be measured is Oct 2026" in churn.describe_trend(trend, period)
    assert "第一个可以衡量的月份是2026年10月" in churn.describe_trend(trend, period, "zh")
    assert churn.recent_months(trend).empty and churn.show(_Ctx(), churn.recent_months(trend)) is None
    assert plots.plot_churn_trend(trend).texts[0].get_text() == "No month with a complete base yet (see above)."
    assert plots.plot_churned_revenue(trend, lang="zh").get_title() == "流失客户的销售额"
    # less than one full month of data (end Aug 21): an empty trend that says the same
    short = churn.monthly_churn(tx, pd.Timestamp("2026-08-21"), 30)
    assert short.empty and churn.unavailable(short).code == "no_complete_month"
    # breakdowns: no complete month in the last 12
    attributes = churn.first_purchase_attributes(tx)
    for by in ("frequency_tier", "first_category", "rfm_segment"):
        table = churn.churn_by(tx, end, 30, by, attributes=attributes, frequency_tiers=TIERS)
        assert table.empty and churn.unavailable(table).code == "breakdown_no_complete_month"
    assert churn.describe_breakdown(table, "rfm_segment") == (
        "No breakdown by RFM segment: none of the last 12 months has a complete base yet (see Churn over time above)."
    )
    assert (
        plots.plot_churn_breakdown(table, by="rfm_segment").texts[0].get_text()
        == "No month with a complete base yet (see above)."
    )
    plt.close("all")
    # the definitions are checked N = 90 days before the end (Jul 3), before the first purchase
    definition = churn.churn_threshold(tx, end, threshold_days=30)
    check = churn.definition_check(tx, definition)
    assert check.empty and churn.unavailable(check).code == "check_no_history"
    said = churn.show(_Ctx(), churn.report_table(check))
    assert "on 2026-07-03, but the data start on 2026-08-03" in repr(said)
    assert "数据从 2026-08-03 才开始" in repr(churn.show(_Ctx("zh"), churn.report_table(check, "zh")))
    assert churn.show(_Ctx(), "") is None and churn.show(_Ctx(), pd.DataFrame({"a": [1]})) == ("table", 1)
    # trend metrics: null with the reason
    w = churn.early_warning(tx, end, window_days=90, threshold_days=30)
    at_risk = churn.at_risk_list(
        w.scores, churn.customer_value(tx, end, basis="annual_spend")[0], frequency_tiers=TIERS, threshold_days=30
    )
    m = churn.churn_metrics(trend, period, definition, w, at_risk, "annual_spend")
    assert (m["churn_rate"], m["churn_rate_status"], m["churn_rate_reason"]) == (
        None,
        "unavailable",
        "no_complete_month",
    )


def test_breakdown_pools_every_small_group_and_says_when_none_is_left():
    tx = _tx(RATE_ROWS)
    by_tier = churn.monthly_churn(tx, RATE_END, 30, by="frequency_tier", frequency_tiers=TIERS)
    # Mar + Apr: occasional 3 customer-months (1.5 a month), one-time 1 (0.5): both below 5 -> all in other
    table = churn.churn_breakdown(by_tier, RATE_END, min_group_size=5)
    assert table["group"].tolist() == ["other", "all"]
    assert table["customer_months"].tolist() == [4, 4] and table["churned"].tolist() == [2, 2]
    assert churn.unavailable(table).code == "breakdown_too_few"
    assert churn.describe_breakdown(table, "frequency_tier") == (
        "No breakdown by frequency tier: every group has fewer than 5 active customers a month (churn.min_group_size), "
        "too few to compare; together they churn 50.0% a month."
    )
    ax = plots.plot_churn_breakdown(table, by="frequency_tier", lang="zh")
    assert ax.texts[0].get_text() == "各分组人数都太少，不予显示（见下文）。"
    plt.close("all")
    # one group large enough: the small one is pooled, nothing is flagged
    table = churn.churn_breakdown(by_tier, RATE_END, min_group_size=1)
    assert table["group"].tolist() == ["occasional", "other", "all"] and churn.unavailable(table) is None


def test_threshold_falls_back_to_the_label_window_and_says_why():
    tx = _tx(CYCLE)
    # the unconditional 90 % quantile does not exist (S stays at 5/14): theta = N = 45 days, with the reason
    d = churn.churn_threshold(tx, CYCLE_END, quantile=0.9, horizon_days=None, window_days=45, fallback=True)
    assert (d.threshold_days, d.source, d.unavailable.code) == (45, "default", "threshold_not_estimable")
    assert d.describe() == (
        "A customer has churned after more than 45 days without a purchase. θ could not be estimated from the purchase "
        "gaps: too few customers have bought again since the data began (2026-01-01) to read the 90% point of the days "
        "between purchases. θ is therefore set to the label window N = 45 days (churn.label_window_days); set "
        "churn.threshold_days to the number of days after which your customers count as lost."
    )
    assert d.describe("zh").startswith("客户超过 45 天未购买即视为流失。无法根据购买间隔估计 θ")
    empty = churn.churn_threshold(tx, D0, window_days=30, fallback=True)  # nothing before Jan 1
    assert (empty.threshold_days, empty.unavailable.code) == (30, "threshold_no_purchases")
    # estimated from 95 days of data (Jan 1 - Apr 5), less than a year: a caution, theta unchanged
    km = churn.churn_threshold(tx, CYCLE_END, quantile=0.5, horizon_days=None)
    assert km.threshold_days == 40 and km.history_days == 95
    assert "Caution: θ was estimated from only 95 days of purchases (less than 365)" in km.describe()
    assert "This is θ at the period end" in km.describe()
    # every reason has its sentence in both languages
    assert all(
        churn.i18n.has(f"churn.unavailable.{code}", lang) for code in churn.UNAVAILABLE_CODES for lang in ("en", "zh")
    )


def test_a_bgnbd_that_cannot_be_fitted_is_said_not_raised(monkeypatch):
    from repurchase import lifetime_value

    def fail(*args, **kwargs):
        raise AnalysisError("BG/NBD did not converge")

    monkeypatch.setattr(lifetime_value, "fit_model", fail)
    tx = _tx(RATE_ROWS)
    with pytest.raises(AnalysisError, match="did not converge"):
        churn.model_based_churn(tx, RATE_END, 90)
    scores, fit = churn.model_based_churn(tx, RATE_END, 90, fallback=True)
    assert fit is None and scores.empty and churn.unavailable(scores).code == "bgnbd_not_fitted"
    status = churn.customer_status(tx, RATE_END, 30)
    assert churn.describe_model_based(scores, status, 90).startswith("The model-based definition is not available")
    assert churn.describe_model_based(scores, status, 90, "zh").startswith("模型流失定义暂不可用")


def test_weak_or_small_backtests_are_flagged():
    import dataclasses

    w = churn.early_warning(_cdnow(), pd.Timestamp("1998-07-01"), window_days=90)
    # CDNOW: the logistic regression beats recency by more than 0.02 (0.731 vs 0.677) on 605 test customers, 395 of
    # whom churned: no caution
    assert len(w.test_scores) >= 200 and w.test_scores["churned"].sum() >= 30
    assert w.metric(w.chosen, "roc_auc") > w.metric("recency", "roc_auc") + 0.02 and churn.model_caution(w) == ""
    # the review's case: 80 test customers, 12 churners, ROC AUC 0.62 against 0.61 for recency
    table = w.comparison.set_index("model")
    table.loc[w.chosen, "roc_auc"], table.loc["recency", "roc_auc"] = 0.62, 0.61
    small = w.test_scores.head(80).assign(churned=[True] * 12 + [False] * 68)
    weak = dataclasses.replace(w, comparison=table.reset_index(), test_scores=small)
    text = churn.describe_model(weak)
    assert (
        "**Caution:** the logistic regression ranks customers hardly better than the days since the last purchase "
        "(0.620 vs 0.610 ROC AUC)" in text
    )
    assert (
        "**Caution:** the test cutoff has only 80 customers and 12 churners (fewer than 200 customers or 30 churners)"
        in text
    )
    zh = churn.describe_model(weak, "zh")
    assert (
        "**注意：**逻辑回归对客户的排序几乎不比距最近一次购买的天数更好" in zh
        and "测试截止日只有 80 位客户、12 位流失客户" in zh
    )
    # below the baseline counts as weak too; a large margin on a large set does not
    table.loc[w.chosen, "roc_auc"] = 0.55
    assert "hardly better" in churn.model_caution(dataclasses.replace(w, comparison=table.reset_index()))


def test_the_export_flags_the_at_risk_customers_and_rounds():
    scores = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "p_churn": [0.123456, 0.987654, 0.55555],
            "recency_days": [5, 50, 20],
            "frequency": [2, 1, 3],
            "spend_365d": [10.0 / 3, 7.0, 2.0 / 3],
        }
    )
    value = pd.Series({"a": 1000 / 3, "b": 20.0, "c": 100 / 7})
    out = churn.at_risk_export(churn.at_risk_list(scores, value, frequency_tiers=TIERS))
    # at risk (p >= 0.5): b (0.988 x 20 = 19.75), c (0.556 x 14.29 = 7.94); then a (0.123 x 333.3 = 41.15), not at risk
    assert list(out.columns[:4]) == ["rank", "customer_id", "at_risk", "p_churn"]
    assert out[["rank", "customer_id", "at_risk"]].values.tolist() == [[1, "b", True], [2, "c", True], [3, "a", False]]
    assert out["p_churn"].tolist() == [0.9877, 0.5556, 0.1235]
    assert out["value"].tolist() == [20.0, 14.29, 333.33] and out["value_at_risk"].tolist() == [19.75, 7.94, 41.15]
    assert out["spend_365d"].tolist() == [7.0, 0.67, 3.33]


@pytest.mark.parametrize("client", ["demo-online", "demo-stores"])
def test_model_beats_recency_baseline_on_demo_data(client):
    if not (DEMO / ("online" if client == "demo-online" else "stores")).exists():
        pytest.skip("data/demo is missing: run `python -m repurchase demo-data` (or `make demo-data`) first")
    from repurchase.report import open_report

    ctx = open_report(ROOT / "params" / f"{client}.yaml")
    w = churn.early_warning(
        ctx.transactions(),
        ctx.period.end_exclusive,
        as_of=ctx.transactions_as_of,
        customers=ctx.customers(),
        surveys=ctx.surveys(),
    )
    model, recency = w.metric(w.chosen, "roc_auc"), w.metric("recency", "roc_auc")
    assert model > recency + 0.03, f"{client}: model {model:.3f} vs recency {recency:.3f}"
    assert w.metric(w.chosen, "pr_auc") > w.metric(w.chosen, "base_rate")


def test_at_risk_list_ranks_by_probability_times_value():
    scores = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d", "e"],
            "p_churn": [0.9, 0.2, 0.6, 0.5, 0.8],
            "recency_days": [100, 5, 40, 20, 60],
            "frequency": [1, 6, 2, 3, 1],
            "spend_365d": [10.0, 500.0, 80.0, 90.0, 5.0],
        }
    )
    value = pd.Series({"a": 10.0, "b": 1000.0, "c": 300.0, "d": 100.0})  # e has no value: 0
    out = churn.at_risk_list(scores, value, frequency_tiers=TIERS, band_shares=(0.2, 0.6), language="zh")
    # value at risk: a 9, b 200, c 180, d 50, e 0; b (p 0.2 < 0.5) is not at risk: the at-risk customers come first
    assert out["customer_id"].tolist() == ["c", "d", "a", "e", "b"]
    assert out["value_at_risk"].tolist() == pytest.approx([180, 50, 9, 0, 200])
    assert out["rank"].tolist() == [1, 2, 3, 4, 5]
    # bands by value among 5: top ceil(0.2*5)=1 high (b), up to ceil(0.6*5)=3 mid (c, d), rest low
    assert out.set_index("customer_id")["value_band"].to_dict() == {
        "b": "high",
        "c": "mid",
        "d": "mid",
        "a": "low",
        "e": "low",
    }
    assert out["at_risk"].tolist() == [True, True, True, True, False]
    # the top of the list shown in the report: at-risk customers only, ranked 1, 2, ... without gaps
    preview = churn.at_risk_preview(out)
    assert preview["customer_id"].tolist() == ["c", "d", "a", "e"] and preview["rank"].tolist() == [1, 2, 3, 4]
    assert churn.at_risk_preview(out, n=2)["rank"].tolist() == [1, 2]
    # money with its currency: 300 -> $300, 50 -> $50; ¥ in Chinese
    shown = churn.report_table(preview, "en", currency="USD")
    assert shown["churn_value"].tolist()[:2] == ["$300", "$100"] and shown["churn_value_at_risk"].tolist()[:2] == [
        "$180",
        "$50",
    ]
    assert churn.report_table(preview, "zh", currency="CNY")["churn_value"].iloc[0] == "¥300"
    # b: 6 occasions -> high tier -> loyal; c: 2 -> occasional -> developing; a: one-time
    roles = out.set_index("customer_id")["role"].to_dict()
    assert (roles["b"], roles["c"], roles["a"]) == ("loyal", "developing", "one-time")
    assert out.set_index("customer_id").loc["b", "action"] == "本周由专属客服或店长一对一联系；赠送VIP感谢礼，不打折。"
    summary = churn.at_risk_summary(out)
    assert summary["active"].sum() == 5 and summary["at_risk"].sum() == 4
    assert summary["value_at_risk"].sum() == pytest.approx(180 + 50 + 9 + 0)  # at-risk customers only
    custom = churn.at_risk_list(scores, value, frequency_tiers=TIERS, actions={"loyal/high": "Call them."})
    assert custom.loc[custom["customer_id"] == "b", "action"].item() == "Call them."


def test_actions_exist_in_both_languages_and_errors_are_clear():
    assert set(churn.ACTIONS) == {(r, b) for r in churn.ROLES for b in churn.VALUE_BANDS}
    texts = {lang: {churn.retention_action(r, b, lang) for r, b in churn.ACTIONS} for lang in ("en", "zh")}
    assert len(texts["en"]) == len(texts["zh"]) == 9  # nine different texts per language
    assert churn.retention_action("one-time", "low", "en").startswith("Low-cost automated second-purchase nudge")
    assert churn.retention_action("one-time", "low", "zh") == "低成本自动化复购提醒，不投入激励费用。"
    assert churn.retention_action("loyal", "high", "zh", {"loyal/high": "亲自致电"}) == "亲自致电"
    with pytest.raises(AnalysisError, match="no retention action for 'vip/high'"):
        churn.retention_action("vip", "high")
    with pytest.raises(AnalysisError, match="value_basis must be auto, clv or annual_spend"):
        churn.customer_value(_tx(RATE_ROWS), RATE_END, basis="margin")


def test_annual_spend_value():
    # spend in the 365 days up to 2026-04-30: everything: P 100, Q 50 + 70, R 30 + 40, S 3 x 10
    value, basis, note = churn.customer_value(_tx(RATE_ROWS), RATE_END, basis="annual_spend")
    assert basis == "annual_spend" and "365 days" in note
    assert value.to_dict() == {"P": 100.0, "Q": 120.0, "R": 70.0, "S": 30.0}


def test_churn_settings_validate():
    from repurchase.core.params import ChurnSettings

    with pytest.raises(ValueError, match="did you mean 'loyal/high'"):
        ChurnSettings(actions={"loyal/hihg": "x"})
    with pytest.raises(ValueError, match="two increasing shares"):
        ChurnSettings(value_band_shares=[0.5, 0.2])


# ---------------------------------------------------------------------------
# a new client with 20 customers and two months of data: the notebook runs and says what it cannot estimate


def _tiny_client(root: Path, extra: str = "") -> Path:
    """20 customers buying once on Aug 3-22 2026, the even ones again on Sep 8-26: a params file in ``root/params``."""
    lines = ["c,o,d,a"]
    lines += [f"C{c:02d},O{c}a,2026-08-{3 + c:02d} 10:00,{10 * (c + 1)}" for c in range(20)]
    lines += [f"C{c:02d},O{c}b,2026-09-{8 + c:02d} 11:00,5" for c in range(0, 20, 2)]
    (root / "params").mkdir(parents=True)
    (root / "tx.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    path = root / "params" / "tiny.yaml"
    path.write_text(
        "client: tiny\ntitle: Tiny\nsources:\n  transactions:\n    path: tx.csv\n"
        "    columns: {customer_id: c, order_id: o, order_date: d, amount: a}\n" + extra,
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    "extra",
    ["", "period: 2026-09\nchurn:\n  threshold_days: 30\n  label_window_days: 20\n"],
    ids=["defaults", "fixed-threshold"],
)
def test_the_notebook_cells_run_for_a_tiny_new_client(tmp_path, extra):
    import json

    import nbformat

    params = _tiny_client(tmp_path, extra)
    nb = nbformat.read(ROOT / "notebooks" / "05_churn.ipynb", as_version=4)
    out = tmp_path / "out"
    space: dict = {}
    with matplotlib.rc_context():  # the notebook sets the report style
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            source = cell.source
            if "parameters" in cell.metadata.get("tags", []):
                source = f"params_path = {str(params)!r}\nperiod = 'latest'\noutput_dir = {str(out)!r}"
            exec(compile(source, "05_churn", "exec"), space)  # raises on the first failing cell
    plt.close("all")
    metrics = json.loads((out / "metrics" / "churn.json").read_text(encoding="utf-8"))
    assert metrics["model"]["status"] == "unavailable" and metrics["model"]["roc_auc"] is None
    assert metrics["churn_rate_status"] == "unavailable" and metrics["at_risk_rule"] == "recency"
    export = pd.read_csv(out / "exports" / "at_risk.csv", encoding="utf-8-sig")
    assert (
        export.columns[:3].tolist() == ["rank", "customer_id", "at_risk"] and len(export) == metrics["active_customers"]
    )
    assert export["rank"].tolist() == list(range(1, len(export) + 1))
    assert export["at_risk"].sum() == metrics["at_risk_customers"] and export["at_risk"].is_monotonic_decreasing


def test_the_churn_report_renders_for_a_tiny_new_client(tmp_path):
    import shutil

    from repurchase.publish.render import render_reports

    params = _tiny_client(tmp_path, "language: zh\n")
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for name in ("01_cleaning.ipynb", "05_churn.ipynb"):
        shutil.copy(ROOT / "notebooks" / name, notebooks / name)
    [outcome] = render_reports([params], notebooks_dir=notebooks, out=tmp_path / "reports")
    assert outcome.ok, outcome.error
    page = (outcome.report_dir / "05_churn.html").read_text(encoding="utf-8")
    assert "无法回测流失预警模型" in page and "暂时无法衡量流失趋势" in page and "没有流失模型" in page
