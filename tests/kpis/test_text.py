"""Sentences and table specs of the repurchase report, in English and Chinese (fixture: see conftest.py)."""

from __future__ import annotations

import html
import re

import pandas as pd

from repurchase import kpis as rp
from repurchase.core import i18n
from repurchase.core.params import CleaningSettings, RepurchaseSettings
from repurchase.core.periods import Period
from repurchase.core.table import Table
from repurchase.recommendations import basket_rules, interactions
from repurchase.report import display

PERIOD = Period.from_label("2024-03")  # exclusive end 2024-04-01 00:00


def _text(item, lang: str, currency: str = "CNY") -> str:
    """What the report shows of a sentence or a table: its HTML without tags, unescaped."""
    out = display.render(item, lang=lang, currency=currency)
    return "" if out is None else html.unescape(re.sub(r"<[^>]+>", " ", out._repr_html_()))


def test_describe_occasion_states_refund_treatment():
    text = rp.describe_occasion(RepurchaseSettings(), CleaningSettings(refunds="net"))
    assert "distinct customer-day" in text and "netted" in text
    text = rp.describe_occasion(RepurchaseSettings(occasion="order"), CleaningSettings(refunds="exclude"))
    assert "one order" in text and "dropped" in text


def test_describe_settings_and_drivers(in_period):
    text = rp.describe_settings(
        RepurchaseSettings(reactivation_gap_days=90, repeat_orders="all_of_repeaters", n_day_windows=[7, 30])
    )
    assert "after 90 days" in text and "all_of_repeaters" in text and "N = 7, 30 days" in text
    zh = rp.describe_settings(RepurchaseSettings(reactivation_gap_days=90, n_day_windows=[7, 30]), "zh")
    assert "满 90 天后再次购买记为回流客" in zh and "N = 7、30 天" in zh
    assert "category and product columns" in rp.describe_drivers_available(rp.driver_columns(in_period))
    missing = rp.describe_drivers_available(rp.driver_columns(in_period.drop(columns=["category", "product_name"])))
    assert "no category or product column" in missing and "(category, product_name)" in missing
    assert "品类和商品字段" in rp.describe_drivers_available(rp.driver_columns(in_period), lang="zh")
    some = rp.describe_drivers_available(["category"])
    assert "use the category column" in some and "no product column" in some


def test_tables_format_numbers_and_write_words(tx, occ, in_period):
    """The table specs keep numbers (formatted on display) and write what needs words; headers are col.rp_*."""
    cycle = rp.purchase_cycle(tx, PERIOD, by="category", horizon_days=100, min_gaps=1)
    spec = rp.cycle_table(cycle)
    assert isinstance(spec, Table) and spec.caption.startswith("Purchase cycle in days")
    shown = _text(spec, "en")
    # Phone's median is never reached; the overall row is "all"; 11 gaps; Phone's 1/3 within the horizon
    assert "not reached" in shown and " all " in shown and " 11 " in shown and "33.3%" in shown
    assert "category" in shown and "KM median" in shown and "rp_" not in shown
    groups = rp.repurchase_by_first_group(in_period, occ, PERIOD, window_days=30, min_customers=1)
    shown = _text(rp.first_groups_table(groups), "en")
    # Coffee 1 of 3 (33.3%, Wilson 6.1%-79.2%)
    assert "Coffee" in shown and "33.3%" in shown and "6.1%" in shown and "79.2%" in shown
    assert "customers observed" in shown and "Repurchase by first category" in shown
    assert rp.first_groups_table(groups, "product_name").caption is None
    refunds = rp.refund_rates(in_period, "category", min_lines=1)
    shown = _text(rp.refunds_table(refunds, "category", "USD"), "en")
    assert "$10" in shown and "$340" in shown and "2.9%" in shown  # Coffee: 10 of 340 refunded
    # the headline's change header is the month-on-month change
    headline = rp.headline_kpis(occ, PERIOD, RepurchaseSettings(n_day_windows=[30]))
    assert "change vs last month" in _text(rp.headline_table(headline, PERIOD.label, "CNY"), "en")
    # an empty table shows nothing
    assert _text(rp.first_groups_table(groups.iloc[0:0]), "en") == ""


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
    data_values = set(tx["category"]) | set(tx["product_name"]) | {"Phone X"} | {"X"}
    s = RepurchaseSettings(n_day_windows=[30, 60])
    monthly = rp.monthly_kpis(occ, PERIOD)
    cycle = rp.purchase_cycle(tx, PERIOD, by="category", min_gaps=1)
    groups = rp.repurchase_by_first_group(in_period, occ, PERIOD, window_days=30, min_customers=1, top=1)
    categories = interactions(in_period, item="category")
    rules = basket_rules(categories, categories.events, min_support=0.1).rules
    refunds = rp.refund_rates(in_period, "category", min_lines=1)
    texts = [
        rp.describe_occasion(s, CleaningSettings(refunds="net"), "zh"),
        rp.describe_occasion(RepurchaseSettings(occasion="order"), CleaningSettings(refunds="exclude"), "zh"),
        rp.describe_settings(s, "zh"),
        rp.describe_headline(rp.headline_kpis(occ, PERIOD, s, monthly), "CNY", "zh"),
        rp.describe_time_to_second(rp.time_to_second_purchase(occ, PERIOD), lang="zh"),
        rp.describe_cycle(cycle, rp.naive_gap_stats(occ, PERIOD), 365, "zh"),
        rp.describe_cohorts(rp.cohort_table(occ, PERIOD), rp.cohort_notes(occ, Period.from_label("2024-04")), "zh"),
        rp.describe_drivers_available(rp.driver_columns(in_period.drop(columns="product_name")), lang="zh"),
        rp.describe_first_groups(groups, "category", 30, "zh"),
        rp.describe_pairs(rules, "category", "zh"),
        rp.describe_refunds(refunds, "category", "zh"),
        rp.describe_buyer_products(
            rp.products_by_buyer_type(in_period, occ, PERIOD, by="category", window_days=30), lang="zh"
        ),
        rp.describe_first_groups(groups.iloc[0:0], "category", 30, "zh"),
    ]
    tables = [
        rp.headline_table(rp.headline_kpis(occ, PERIOD, s, monthly), PERIOD.label, "CNY", "zh"),
        rp.cycle_table(cycle, "category", "zh"),
        rp.first_groups_table(groups, "category", "zh"),
        rp.refunds_table(refunds, "category", "CNY", "zh"),
    ]
    glossary = rp.glossary_table(s, "zh")
    tables.append(glossary.with_(frame=glossary.frame.drop(columns="rp_other_name")))
    texts += [_text(t, "zh") for t in tables]
    left = {text: _latin_left(text, data_values) for text in texts}
    assert {k: v for k, v in left.items() if v} == {}
    # the pooled group and the overall row are translated, data values kept
    assert rp.first_groups_table(groups, "category", "zh").frame["category"].tolist() == ["Coffee", "（其他）"]
    assert rp.cycle_table(cycle, "category", "zh").frame["category"].iloc[0] == "全部"
    assert "品类" in _text(rp.cycle_table(cycle, "category", "zh"), "zh")
    # money in the locale's format: Coffee carries the fixture's only refund, 10 (line A4)
    assert rp.refunds_table(refunds, "category", "CNY", "zh").frame.iloc[0]["rp_refunds"] == "¥10"


def test_weak_strongest_pair_is_called_weak():
    rules = pd.DataFrame(
        {"antecedent": ["茶叶"], "consequent": ["茶具"], "lift": [1.01], "confidence": [0.2], "support": [0.05]}
    )
    assert rp.describe_pairs(rules, lang="en").startswith("No pair stands out: the strongest, 茶叶 with 茶具")
    assert rp.describe_pairs(rules.assign(lift=1.6), lang="en").startswith("The strongest link")


def test_the_key_findings_give_the_months_numbers_and_call_no_noise_news(in_period):
    import dataclasses

    s = RepurchaseSettings(min_group_customers=1, trend_months=3)
    res = rp.run_repurchase(in_period, PERIOD, s, language="en", currency="CNY")
    # March: A, B, C, E bought (B new, C reactivated); A and B twice -> 复购率 2/4 = 50.0%; February: A, D, E, none
    # twice -> 0.0%: 2/4 against 0/3 is within chance (z-test p = 0.14); 回购率: A and E of February's 3 = 66.7%;
    # first-time buyers A..E: 2 of 5 back by day 90 (Kaplan-Meier 40.0%); expected window 49-327 days
    assert rp.describe_findings(res) == (
        "In Mar 2024, **4** customers bought (1 new, 2 returning, 1 reactivated), spending **¥455**. 复购率 by "
        "customer was **50.0%**, about the same as the previous month (0.0%; the change of +50.0 pp is within chance "
        "variation); 66.7% of the previous month's buyers bought again this month (回购率). **40.0%** of first-time "
        "buyers have made a second purchase by day 90. Customers who come back usually do so **49–327 days** after "
        "their last purchase; past 327 days they are beyond the usual cycle."
    )
    assert rp.describe_findings(res, "zh") == (
        "2024年3月共有 **4** 位客户购买（新客 1、老客 2、回流客 1），消费 **¥455**。复购率（按人）为 **50.0%**，"
        "与上月（0.0%）基本持平（变化 +50.0 个百分点，在随机波动范围内）；上月购买的客户中有 66.7% 本月再次购买（回购率）。"
        "**40.0%** 的新客在首购后 90 天内完成了第二次购买。回头的客户通常在上次购买后 **49–327 天**再次购买；"
        "超过 327 天未购买即已超出通常的购买周期。"
    )

    def with_rates(rate: float, prev: float) -> rp.RepurchaseResult:
        h = res.headline.set_index("kpi")
        h.loc["buyers", ["value", "prev_period"]] = [400.0, 300.0]
        h.loc["repurchase_rate_customers", ["value", "prev_period", "change_prev"]] = [rate, prev, rate - prev]
        return dataclasses.replace(res, headline=h.reset_index())

    # 140/400 against 75/300: +10 pp, z = 0.10 / 0.0352 = 2.84, p = 0.005 -> a change
    assert "复购率 by customer was **35.0%**, +10.0 pp on the previous month (25.0%);" in rp.describe_findings(
        with_rates(0.35, 0.25)
    )
    assert "复购率（按人）为 **35.0%**，较上月（25.0%）+10.0 个百分点；" in rp.describe_findings(
        with_rates(0.35, 0.25), "zh"
    )
    # 120/400 against 75/300: +5 pp, z = 0.05 / 0.0342 = 1.46, p = 0.14 -> about the same
    assert (
        "about the same as the previous month (25.0%; the change of +5.0 pp is within chance"
        in rp.describe_findings(with_rates(0.30, 0.25))
    )
    assert "与上月（25.0%）基本持平（变化 +5.0 个百分点" in rp.describe_findings(with_rates(0.30, 0.25), "zh")
    # no buyer in the month: that sentence only
    h = res.headline.set_index("kpi")
    h.loc["buyers", "value"] = 0.0
    quiet = dataclasses.replace(res, headline=h.reset_index())
    assert (
        rp.describe_findings(quiet)
        == "No customer bought in Mar 2024, so there are no repurchase figures for the month."
    )
    assert rp.describe_findings(quiet, "zh") == "2024年3月没有客户购买，因此本月没有复购指标。"


def test_the_findings_judge_a_rate_change_as_the_overview_does():
    """The same verdict as the overview's card (repurchase.publish.changes) on the same rates and counts."""
    from repurchase.publish import changes

    cases = [(0.35, 400, 0.25, 300), (0.30, 400, 0.25, 300), (0.5, 4, 0.0, 3), (0.224, 3904, 0.247, 3600)]
    for rate, n, prev, n_prev in cases:
        p, low, high = changes.proportion_test(rate, n, prev, n_prev)
        overview = p < changes.ALPHA and (low > 0 or high < 0)
        assert rp.rate_change_is_news(rate, n, prev, n_prev) is overview, (rate, n, prev, n_prev)
    assert [rp.rate_change_is_news(*c) for c in cases] == [True, False, False, True]
    assert (
        rp.rate_change_is_news(0.3, 400, float("nan"), 300) is None and rp.rate_change_is_news(0.3, 0, 0.2, 9) is None
    )
    assert rp.CHANGE_ALPHA == changes.ALPHA


def test_a_cycle_quantile_no_group_reaches_is_a_caption_not_a_column(tx):
    cycle = rp.purchase_cycle(tx, PERIOD, by="category", horizon_days=100, min_gaps=1)
    assert cycle["km_median"].notna().any()  # the overall median is reached in this fixture
    never = cycle.assign(km_p90=float("nan"))
    for lang in ("en", "zh"):
        spec = rp.cycle_table(never, lang=lang)
        assert "rp_km_p90" not in spec.frame.columns and "rp_km_median" in spec.frame.columns
        assert i18n.t("col.rp_km_p90", lang) in spec.caption
    assert "KM p90: not reached in any group yet" in rp.cycle_table(never).caption
    assert "rp_km_p90" in rp.cycle_table(cycle).frame.columns  # kept when some group reaches it
