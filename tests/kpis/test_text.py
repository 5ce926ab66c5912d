"""Sentences and table specs of the repurchase report, in English and Chinese (fixture: see conftest.py)."""

from __future__ import annotations

import html
import re

import pandas as pd

from repurchase import kpis as rp
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
    # directional rules as the recommendations stage computes them (repurchase.recommendations.basket_rules)
    rules = pd.DataFrame(
        {
            "antecedent": ["Coffee", "Snacks", "Coffee"],
            "consequent": ["Snacks", "Coffee", "Phone"],
            "baskets_both": [2, 2, 1],
            "support": [0.4, 0.4, 0.2],
            "confidence": [0.5, 2 / 3, 0.25],
            "lift": [0.4 / (0.8 * 0.6)] * 2 + [0.2 / (0.8 * 0.6)],
        }
    )
    spec = rp.pairs_table(rules, top=2)
    assert len(spec.frame) == 2 and "0.83" in _text(rp.pairs_table(rules), "en")  # Coffee & Snacks: lift 0.83
    assert "40.00%" in _text(spec, "en")  # support with two decimals
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
        rp.pairs_table(rules, lang="zh"),
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
