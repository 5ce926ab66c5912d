"""The campaigns stage: outcome windows by hand, what cannot be measured, the cleaning rules, verdicts, metrics."""

from __future__ import annotations

import pandas as pd
import pytest
from scipy import stats

from repurchase.campaigns import STAGE, assignment_outcomes, campaigns_metrics, run_campaigns, text
from repurchase.cleaning import clean_campaigns
from repurchase.core.params import CampaignSettings
from repurchase.core.periods import Period
from repurchase.report.pipeline import STAGE_MODULES, stages

PERIOD = Period.from_label("2026-05")


def _tx(rows):
    return pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"]).astype({"order_date": "datetime64[ns]"})


@pytest.fixture
def transactions():
    return _tx(
        [
            ("A", "2025-01-01", 50.0),  # before the pre-period of A (365 days before 2026-04-01)
            ("A", "2025-04-01", 20.0),  # the first day of the pre-period
            ("A", "2026-03-31", 30.0),  # the last day of the pre-period
            ("A", "2026-04-01 18:00", 40.0),  # the assignment day counts
            ("A", "2026-04-01 19:00", 5.0),  # same day: the same occasion
            ("A", "2026-04-30", 10.0),  # day 29 of a 30-day window
            ("A", "2026-05-01", 99.0),  # day 30: outside
            ("B", "2026-02-10", 15.0),
            ("C", "2026-04-05", 12.0),
            ("D", "2026-05-20", 7.0),
        ]
    )


def _assign(rows):
    return pd.DataFrame(rows, columns=["customer_id", "campaign", "group", "assigned_at"]).astype(
        {"assigned_at": "datetime64[ns]"}
    )


def test_outcome_windows_and_pre_periods_by_hand(transactions):
    a = _assign(
        [
            ("A", "x", "treatment", "2026-04-01"),
            ("B", "x", "control", "2026-04-01"),
            ("C", "x", "control", "2026-04-06"),  # bought the day before: pre-period only
            ("Z", "x", "control", "2026-04-01"),  # in no source
        ]
    )
    out = assignment_outcomes(a, transactions, window_days=30, pre_period_days=365)
    assert out["repurchased"].tolist() == [True, False, False, False]
    assert out["purchases"].tolist() == [2, 0, 0, 0]
    assert out["revenue"].tolist() == pytest.approx([55.0, 0.0, 0.0, 0.0])
    assert out["pre_revenue"].tolist() == pytest.approx([50.0, 15.0, 12.0, 0.0])
    by_order = assignment_outcomes(a, transactions.assign(order_id=range(10)), window_days=30, occasion="order")
    assert by_order["purchases"].tolist() == [3, 0, 0, 0]  # two orders on the assignment day count twice


def test_run_campaigns_leaves_out_what_cannot_be_measured(transactions):
    a = _assign(
        [
            ("A", "x", "treatment", "2026-04-01"),
            ("B", "x", "control", "2026-04-01"),
            ("Z", "x", "control", "2026-04-01"),
            ("C", "x", "control", "2024-12-01"),  # before the first transaction
            ("D", "late", "treatment", "2026-05-10"),  # its 30 days end after 2026-05-31
        ]
    )
    res = run_campaigns(a, transactions, CampaignSettings(), PERIOD)
    left = res.left_out.set_index(["campaign", "reason"])["assignments"].to_dict()
    assert left == {("x", "unknown_customer"): 1, ("x", "before_data"): 1, ("late", "window_open"): 1}
    summary = res.summary.set_index("campaign")
    assert summary.loc["late", "verdict"] == "window_open"
    assert summary.loc["x", "verdict"] == "too_small"
    assert [str(s).split(":")[0] for s in res.sentences] == ["**x**", "**late**"]
    assert "2026-06-09" in str(res.sentences[1])  # when the window of the last assignment is over
    known = run_campaigns(a, transactions, CampaignSettings(), PERIOD, customers=pd.DataFrame({"customer_id": ["Z"]}))
    assert ("x", "unknown_customer") not in known.left_out.set_index(["campaign", "reason"]).index


def _campaign(n_t, rep_t, n_c, rep_c, name="coupon"):
    rows = [(f"T{i}", name, "treatment", "2026-04-01") for i in range(n_t)]
    rows += [(f"C{i}", name, "control", "2026-04-01") for i in range(n_c)]
    buys = [(f"T{i}", "2026-04-02", 10.0) for i in range(rep_t)] + [(f"C{i}", "2026-04-02", 10.0) for i in range(rep_c)]
    seen = [(cid, "2025-06-01", 1.0) for cid, *_ in rows]
    return _assign(rows), _tx(seen + buys)


def test_hand_computed_campaign_estimates():
    # 4 of 10 treated bought again (10 each), 2 of 10 in control: uplift 20 pts, Newcombe 90% (−13.1, +48.1)
    a, tx = _campaign(10, 4, 10, 2)
    res = run_campaigns(a.assign(cost=[1.0] * 10 + [0.0] * 10), tx, CampaignSettings(), PERIOD)
    row = res.summary.iloc[0]
    assert (row["customers_treatment"], row["customers_control"]) == (10, 10)
    assert (row["repurchase_rate_treatment"], row["repurchase_rate_control"]) == pytest.approx((0.4, 0.2))
    assert (row["uplift"], row["uplift_low"], row["uplift_high"]) == pytest.approx((0.2, -0.13095, 0.48100), abs=1e-5)
    assert row["relative_lift"] == pytest.approx(1.0) and row["verdict"] == "no_effect"
    assert (row["srm_chi2"], row["srm_p_value"], bool(row["srm_flag"])) == (0.0, 1.0, False)
    # revenue: treatment 4 × 10 of 10 customers, control 2 × 10: means 4 and 2, variances 80/3 and 160/9
    assert (row["revenue_treatment"], row["revenue_control"], row["revenue_diff"]) == pytest.approx((4, 2, 2))
    a_t, a_c = (80 / 3) / 10, (160 / 9) / 10
    df = (a_t + a_c) ** 2 / (a_t**2 / 9 + a_c**2 / 9)
    assert df == pytest.approx(17.31, abs=0.01)
    half = stats.t.ppf(0.95, df) * (a_t + a_c) ** 0.5
    assert (row["revenue_diff_low"], row["revenue_diff_high"]) == pytest.approx((2 - half, 2 + half))
    assert row["cuped_theta"] == 0.0 and row["revenue_cuped_diff"] == pytest.approx(2.0)  # pre-spend all equal
    assert (row["cost"], row["incremental_revenue"], row["roi"]) == pytest.approx((10.0, 20.0, 1.0))
    m = campaigns_metrics(res)["coupon"]
    assert m["uplift_pts"] == pytest.approx(20.0) and m["uplift_pts_low"] == pytest.approx(-13.095, abs=1e-3)
    assert set(m) == {
        "customers_treatment",
        "customers_control",
        "window_days",
        "repurchase_rate_treatment",
        "repurchase_rate_control",
        "uplift_pts",
        "uplift_pts_low",
        "uplift_pts_high",
        "p_value",
        "revenue_per_customer_diff",
        "revenue_per_customer_diff_low",
        "revenue_per_customer_diff_high",
        "srm_p_value",
        "srm_flag",
        "incremental_revenue",
        "cost",
        "roi",
        "verdict",
    }


def test_verdicts_effect_and_broken_split():
    a, tx = _campaign(500, 150, 500, 50)
    res = run_campaigns(a, tx, CampaignSettings(), PERIOD)
    assert res.summary["verdict"].tolist() == ["effect_found"]
    assert str(res.sentences[0]).startswith("**coupon: effect found.**") and "+20.0 pts" in str(res.sentences[0])
    a, tx = _campaign(600, 180, 400, 40)
    res = run_campaigns(a, tx, CampaignSettings(), PERIOD, language="zh")
    assert res.summary["verdict"].tolist() == ["split_broken"] and res.summary["srm_p_value"].iloc[0] < 1e-9
    assert "分组异常" in str(res.sentences[0])
    planned = run_campaigns(a, tx, CampaignSettings(planned_split={"coupon": 0.6}), PERIOD)
    assert planned.summary["verdict"].tolist() == ["effect_found"]


def test_without_a_campaigns_source_the_stage_says_so(transactions):
    res = run_campaigns(None, transactions, CampaignSettings(), PERIOD, title="Shop")
    assert not res.available and res.unavailable is not None and res.unavailable.code == "no_source"
    assert "Shop has no campaigns source" in res.unavailable.text("en")
    assert campaigns_metrics(res) == {"status": "unavailable", "reason": "no_source"}
    assert text.effects_table(res).unavailable == text.NOT_AVAILABLE and text.plot_frame(res).empty
    assert text.checks_table(res) is None and text.money_table(res).unavailable == text.NOT_AVAILABLE
    empty = run_campaigns(_assign([]), transactions, CampaignSettings(), PERIOD)
    assert campaigns_metrics(empty) == {"status": "unavailable", "reason": "no_usable"}


def test_the_stage_is_registered_after_the_analyses_it_reads():
    assert STAGE.name == "campaigns" and STAGE_MODULES["campaigns"] == "repurchase.campaigns"
    assert "campaigns" in stages()


def _raw(rows):
    raw = pd.DataFrame(rows, columns=["customer_id", "campaign", "group", "assigned_at", "cost"], dtype="string")
    raw.insert(len(raw.columns), "raw_row", range(1, len(raw) + 1))
    return raw


def test_cleaning_the_campaigns_source_accounts_for_every_row():
    raw = _raw(
        [
            (" a1", "coupon", "T", "2026-04-01", "5"),  # id trimmed and folded
            ("A2", "coupon", "c", "2026-04-01", "0"),
            ("A2", "coupon", "c", "2026-04-01", "0"),  # exact copy
            ("A3", "coupon", "T", "2026-04-01", "5"),
            ("A3", "coupon", "C", "2026-04-02", "0"),  # A3 in both groups: both rows out
            ("A4", "coupon", "T", "2026-04-01", "5"),
            ("A4", "coupon", "T", "2026-04-03", "5"),  # second assignment of A4
            ("A5", "coupon", "holdout", "2026-04-01", "0"),  # neither label
            ("", "coupon", "T", "2026-04-01", "5"),
            ("A6", " ", "T", "2026-04-01", "5"),
            ("A7", "coupon", "T", "not a date", "5"),
            ("A8", "coupon", "T", "2026-07-01", "5"),  # after the period
            ("A9", "mail", "T", "2026-04-01", "n/a"),  # cost unreadable: blank, kept
        ]
    )
    res = clean_campaigns(raw, treatment_label="t", control_label="C", period_end_exclusive=pd.Timestamp("2026-06-01"))
    counts = res.rule_counts().set_index("rule")["rows"].to_dict()
    assert {k: v for k, v in counts.items() if v} == {
        "duplicate_row": 1,
        "missing_customer_id": 1,
        "missing_campaign": 1,
        "unparseable_date": 1,
        "after_period_end": 1,
        "unknown_group": 1,
        "both_groups": 2,
        "duplicate_assignment": 1,
        "id_normalized": 1,
        "number_unreadable": 1,
    }
    summary = res.summary().set_index("outcome")["rows"]
    assert summary["raw"] == len(raw) == summary["kept"] + summary["fixed"] + summary["excluded"]
    assert res.clean["customer_id"].tolist() == ["A1", "A2", "A4", "A9"]
    assert res.clean["group"].tolist() == ["treatment", "control", "treatment", "treatment"]
    assert res.clean["cost"].isna().tolist() == [False, False, False, True]
    assert sorted(res.quarantine["reason"]) == sorted(
        k
        for k, v in counts.items()
        for _ in range(v)
        if k
        not in (
            "id_normalized",
            "number_unreadable",
        )
    )


def test_the_overview_names_the_tested_action():
    a, tx = _campaign(500, 150, 500, 50)
    res = run_campaigns(a, tx, CampaignSettings(), PERIOD)
    assert text.tested_actions(res) == [  # Newcombe 90% (0.1594, 0.2400), statsmodels
        "Tested action: coupon raised the 30-day repurchase rate by +20.0 pts against its control group "
        "(90% interval +15.9 to +24.0 pts); see the campaigns report."
    ]
    a, tx = _campaign(500, 50, 500, 50)
    none = text.tested_actions(run_campaigns(a, tx, CampaignSettings(), PERIOD), "zh")
    assert len(none) == 1 and "均未发现" in none[0]
    assert text.tested_actions(run_campaigns(None, tx, CampaignSettings(), PERIOD)) == []
