"""The overview: KPI cards from metrics and history, narrative, operations plan, and backfill."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from repurchase.core.periods import Period
from repurchase.publish import overview as ov

P = Period.from_label("2026-10")


def _base() -> pd.DataFrame:
    # customers acquired: 50 by 2025-10, 100 by 2026-09, 110 by 2026-10
    return pd.DataFrame({"month": ["2025-10", "2026-09", "2026-10"], "customers": [50, 100, 110]})


METRICS = {
    "repurchase": {
        "buyers": 40,
        "buyers_prev_period": 50,
        "buyers_prev_year": None,
        "repurchase_rate_customers": 0.234,
        "repurchase_rate_customers_prev_period": 0.213,
        "repurchase_rate_customers_prev_year": 0.25,
        "trend": [
            {"month": "2026-08", "buyers": 45, "repurchase_rate_customers": 0.2},
            {"month": "2026-09", "buyers": 50, "repurchase_rate_customers": 0.213},
        ],
    },
    "churn": {
        "churn_rate": 0.30,
        "churn_rate_prev_period": 0.25,
        "at_risk_customers": 1240,
        "active_customers": 2000,
        "label_window_days": 90,
        "value_at_risk": 812345.0,
    },
}


def test_cards_compare_with_last_month_and_last_year():
    cards = ov.kpi_cards(METRICS, {}, _base(), P).set_index("kpi")
    c = cards.loc["customers"]
    assert (c["value"], c["prev_period"], c["prev_year"]) == (110, 100, 50)
    assert c["change_prev"] == pytest.approx(0.10) and c["change_year"] == pytest.approx(1.20)  # 110/100-1, 110/50-1
    r = cards.loc["repurchase_rate_customers"]
    assert r["change_prev"] == pytest.approx(2.1) and r["good_prev"] is True  # (0.234-0.213)*100 points, up is good
    assert r["change_year"] == pytest.approx(-1.6) and r["good_year"] is False
    ch = cards.loc["churn_rate"]
    assert ch["change_prev"] == pytest.approx(5.0) and ch["good_prev"] is False  # churn up is bad
    b = cards.loc["buyers"]
    assert b["series"][-3:] == [45, 50, 40] and b["prev_year"] is None and b["good_year"] is None
    nps = cards.loc["nps"]
    assert (
        nps["value"] is None and ov.format_value(nps["value"], "score", "CNY", "en") == "–"
    )  # missing analysis: a dash


def test_history_only_reads_earlier_months(tmp_path):
    for label, rate in (("2026-08", 0.1), ("2026-09", 0.2), ("2026-11", 0.9)):  # 2026-11 is the future for 2026-10
        (tmp_path / label).mkdir()
        (tmp_path / label / "metrics.json").write_text(json.dumps({"churn": {"churn_rate": rate}}))
    history = ov.read_history(tmp_path, P)
    assert sorted(history) == ["2026-08", "2026-09"]
    cards = ov.kpi_cards({"churn": {"churn_rate": 0.3}}, history, _base(), P).set_index("kpi")
    assert cards.loc["churn_rate", "series"][-3:] == [0.1, 0.2, 0.3]
    assert cards.loc["churn_rate", "prev_period"] == 0.2  # taken from last month's report when not recorded


def test_narrative_names_the_biggest_changes_with_numbers():
    cards = ov.kpi_cards(METRICS, {}, _base(), P)
    en = ov.narrative(cards, METRICS, "CNY", "en")
    # weights: customers 10% -> 2.0, buyers -20% -> 4.0, repurchase 2.1 pts, churn 5.0 pts; without tests
    # (no churn denominators, no control chart) they rank by size, except the repurchase rate: 23.4% of 40 buyers
    # against 21.3% of 50 is within chance (z-test p = 0.81), so it ranks last and is not among the three
    assert en[0] == "Churn rate rose 5.0 pts to 30.0%."
    assert en[1] == "Buyers fell 20.0% to 40."
    assert en[2] == "Customers (to date) rose 10.0% to 110."
    assert en[3] == (
        "1,240 customers (62.0% of the 2,000 active ones) are likely to lapse: the churn model gives each of them at "
        "least a 50% probability of no purchase in the next 90 days; together they hold ¥812.3K of value."
    )
    zh = ov.narrative(cards, METRICS, "CNY", "zh")
    assert zh[0] == "流失率上升 5.0 个百分点，达到 30.0%。" and "¥81.2万" in zh[3] and "可能流失" in zh[3]
    assert 3 <= len(en) <= 6


def test_narrative_without_a_churn_model_gives_no_value_at_risk():
    metrics = {**METRICS, "churn": {**METRICS["churn"], "value_at_risk": None, "at_risk_rule": "recency"}}
    cards = ov.kpi_cards(metrics, {}, _base(), P)
    en, zh = (ov.narrative(cards, metrics, "CNY", lang) for lang in ("en", "zh"))
    metrics["churn"]["threshold_days"] = 120
    en, zh = (ov.narrative(cards, metrics, "CNY", lang) for lang in ("en", "zh"))
    assert en[3].startswith(
        "1,240 customers (62.0% of the 2,000 active ones) are likely to lapse: more than 60 days (half the churn "
        "threshold θ) since their last purchase; without a churn model"
    )
    assert (
        "–" not in en[3] and "1,240 名客户（占 2,000 名活跃客户的 62.0%）可能流失" in zh[3] and "没有风险价值" in zh[3]
    )


def test_cards_html_escapes_and_colours():
    cards = ov.kpi_cards(METRICS, {}, _base(), P)
    html = ov.render_cards(cards, P, "CNY", "en")._repr_html_()
    assert html.count('class="kpi"') == len(ov.KPI_SPECS)
    assert '<div class="chg good">▲ 10.0% vs Sep 2026</div>' in html  # customers up: green
    # the repurchase rate's +2.1 pts (of 40 and 50 buyers) is within chance: grey, about the same
    assert '<div class="chg flat">about the same as Sep 2026 (▲ 2.1 pts)</div>' in html
    assert '<div class="chg bad">▲ 5.0 pts vs Sep 2026</div>' in html  # churn up: red
    assert "<svg" in html and "http" not in html  # inline sparkline, nothing loaded


def test_sparkline_needs_two_points():
    assert ov.sparkline_svg([None, 1.0]) == ""
    svg = ov.sparkline_svg([1.0, None, 3.0], width=100, height=20)
    assert svg.count(",") == 2 + 0 and 'cx="98.0"' in svg  # two points, the last at the right edge


def test_operations_plan_sizes_changes_and_actions():
    table = pd.DataFrame(
        {"segment": ["champions", "lost"], "customers": [30, 70], "share": [0.3, 0.7], "revenue_share": [0.8, 0.2]}
    )
    migration = pd.DataFrame([[20, 5], [2, 60]], index=["champions", "lost"], columns=["champions", "lost"])
    plan = ov.operations_plan(
        table,
        migration,
        labels={"champions": "Champions", "lost": "Lost"},
        actions={"champions": "Reward", "lost": "Let go"},
    )
    assert plan["segment"].tolist() == ["Champions", "Lost"]
    assert plan["change"].tolist() == [30 - 25, 70 - 62]  # previous sizes are the migration row sums
    assert plan["action"].tolist() == ["Reward", "Let go"] and set(plan["export"]) == {"exports/segments.csv"}


def test_customer_base_counts_first_purchases_cumulatively():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c", "d"],
            "order_date": pd.to_datetime(
                ["2026-08-03", "2026-10-01", "2026-09-09", "2026-10-31 23:59", "2026-11-02"], format="ISO8601"
            ),
        }
    )
    base = ov.customer_base(tx, P, months=2).set_index("month")["customers"]
    assert (base["2026-08"], base["2026-09"], base["2026-10"]) == (1, 2, 3)  # d is after the period


@pytest.mark.render
@pytest.mark.heavy
def test_backfill_six_months_gives_each_month_its_own_past(tmp_path):
    """Render 2026-05..2026-10 of a tiny client with the cleaning and overview notebooks.

    First purchases: May 2, Jun 1, Jul 0, Aug 3, Sep 1, Oct 2 -> customers to date 2, 3, 3, 6, 7, 9;
    each month's previous-month figure is the month before's, never a later one.
    """
    import shutil
    from pathlib import Path

    from repurchase.publish.render import render_reports

    root = Path(__file__).resolve().parents[2]
    firsts = {
        "2026-05": ["a", "b"],
        "2026-06": ["c"],
        "2026-07": [],
        "2026-08": ["d", "e", "f"],
        "2026-09": ["g"],
        "2026-10": ["h", "i"],
    }
    lines = ["cust,day,paid"]
    for month, custs in firsts.items():
        lines += [f"{c},{month}-10,{10 + k}" for k, c in enumerate(custs)]
        lines += [f"a,{month}-20,5"]  # a buys every month
    (tmp_path / "tx.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "params").mkdir()
    p = tmp_path / "params" / "tiny.yaml"
    p.write_text(
        "client: tiny\ntitle: Tiny\nsources:\n  transactions:\n    path: tx.csv\n"
        "    columns: {customer_id: cust, order_date: day, amount: paid}\n",
        encoding="utf-8",
    )
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    for name in ("01_cleaning.ipynb", "07_overview.ipynb"):
        shutil.copy(root / "notebooks" / name, nbs / name)
    out = tmp_path / "reports"
    outcomes = render_reports([p], "2026-05..2026-10", jobs=2, out=out, notebooks_dir=nbs)
    assert [o.ok for o in outcomes] == [True] * 6, [o.error for o in outcomes]
    got = {}
    for month in firsts:
        m = json.loads((out / "tiny" / month / "metrics.json").read_text(encoding="utf-8"))["overview"]
        got[month] = (m["customers"], m["customers_prev_period"])
    assert got == {
        "2026-05": (2, 0),
        "2026-06": (3, 2),
        "2026-07": (3, 3),
        "2026-08": (6, 3),
        "2026-09": (7, 6),
        "2026-10": (9, 7),
    }


def test_clv_sentence_states_the_interval_level_in_use():
    metrics = {
        "lifetime_value": {"clv_total": 9.1e6, "clv_total_low": 9.0e6, "clv_total_high": 9.2e6, "horizon_months": 12}
    }
    cards = ov.kpi_cards(metrics, {}, _base(), P)
    en = ov.narrative(cards, metrics, "CNY", "en", interval_level=0.8)
    assert (
        "The customer base is expected to bring ¥9.1M over the next 12 months (80% interval ¥9.0M to ¥9.2M for "
        "parameter uncertainty only; the purchases' own randomness would widen it)." in en
    )
    # with a predictive interval, the overview shows it and says what it includes (issue #15)
    metrics["lifetime_value"].update({"clv_total_predictive_low": 8.5e6, "clv_total_predictive_high": 9.8e6})
    en = ov.narrative(cards, metrics, "CNY", "en", interval_level=0.9)
    assert any("(90% predictive interval ¥8.5M to ¥9.8M, including the randomness of purchases" in x for x in en)
    zh = ov.narrative(cards, metrics, "CNY", "zh", interval_level=0.9)
    assert any("预测区间" in x for x in zh)


def _nps_metrics(p_value: float, low: float, high: float) -> dict:
    """A client whose NPS rose 8.5 pts (41.5 -> 50.0), the largest change of the month, with the given test."""
    return {
        **METRICS,
        "satisfaction": {
            "nps": 50.0,
            "nps_prev_period": 41.5,
            "nps_low": 40.0,
            "nps_high": 60.0,
            "responses": 320,
            "nps_change": 8.5,
            "nps_change_low": low,
            "nps_change_high": high,
            "nps_change_p_value": p_value,
        },
    }


def test_a_not_significant_nps_change_is_not_headlined_but_grey_and_about_the_same():
    metrics = _nps_metrics(0.31, -7.9, 24.9)
    cards = ov.kpi_cards(metrics, {}, _base(), P)
    assert cards.set_index("kpi").loc["nps", "signal_prev"] == "noise"
    en = ov.narrative(cards, metrics, "CNY", "en")
    assert not any("NPS rose" in s or "NPS fell" in s for s in en)  # 8.5 pts is the largest change, yet no news
    assert en[:3] == [
        "Churn rate rose 5.0 pts to 30.0%.",
        "Buyers fell 20.0% to 40.",
        "Customers (to date) rose 10.0% to 110.",
    ]
    assert [s.noise for s in en].count(True) == 0  # the three headlines rank before the noise, which is left out
    few = ov.narrative(cards[cards["kpi"].isin(["nps", "churn_rate"])], metrics, "CNY", "en")
    assert few[0] == "Churn rate rose 5.0 pts to 30.0%."
    assert few[1] == "About the same as last month (the change is within chance variation): NPS +50.0 (▲ 8.5 pts)."
    assert few[1].noise and not few[0].noise
    html = ov.narrative_html(few)._repr_html_()
    assert '<span class="rp-noise" style="color:#6c757d">About the same as last month' in html
    zh = ov.narrative(cards[cards["kpi"].isin(["nps", "churn_rate"])], metrics, "CNY", "zh")
    assert zh[1].startswith("与上月基本持平") and "上升" not in zh[1]
    card_html = ov.render_cards(cards, P, "CNY", "en")._repr_html_()
    assert '<div class="chg flat">about the same as Sep 2026 (▲ 8.5 pts)</div>' in card_html
    assert "基本持平" in ov.render_cards(cards, P, "CNY", "zh")._repr_html_()


def test_a_change_of_zero_is_not_reported():
    base = pd.DataFrame({"month": ["2025-10", "2026-09", "2026-10"], "customers": [100, 110, 110]})  # nobody new
    cards = ov.kpi_cards(METRICS, {}, base, P)
    en = ov.narrative(cards, METRICS, "CNY", "en")
    assert not any("Customers (to date)" in s for s in en)
    assert (
        en[2]
        == "About the same as last month (the change is within chance variation): Repurchase rate 23.4% (▲ 2.1 pts)."
    )


def test_a_significant_nps_change_is_headlined_first():
    metrics = _nps_metrics(0.004, 2.8, 14.2)
    cards = ov.kpi_cards(metrics, {}, _base(), P)
    en = ov.narrative(cards, metrics, "CNY", "en")
    assert en[0] == "NPS rose 8.5 pts to +50.0."  # the only tested, significant change ranks before untested ones
    assert '<div class="chg good">▲ 8.5 pts vs Sep 2026</div>' in ov.render_cards(cards, P, "CNY", "en")._repr_html_()


def test_the_churn_models_group_is_named_apart_from_the_rfm_at_risk_segment():
    metrics = {**METRICS, "segmentation": {"segments": {"at_risk": {"customers": 2929, "share": 0.3}}}}
    cards = ov.kpi_cards(metrics, {}, _base(), P)
    (en,) = [s for s in ov.narrative(cards, metrics, "CNY", "en", at_risk_probability=0.6) if "lapse" in s]
    assert "at least a 60% probability of no purchase in the next 90 days" in en
    assert en.endswith(
        'This group is not the RFM segment "At Risk" (2,929 customers), which is defined by recency and frequency scores.'
    )
    (zh,) = [s for s in ov.narrative(cards, metrics, "CNY", "zh") if "可能流失" in s]
    assert "不同于 RFM 的“流失风险”细分（2,929 名客户）" in zh
