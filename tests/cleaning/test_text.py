"""The cleaning report's tables and sentences: formats, coded values, captions, empty parts, languages."""

from __future__ import annotations

import pandas as pd

from repurchase.cleaning import clean_customers, run_cleaning, text
from repurchase.core import formatting
from repurchase.core.table import Table
from repurchase.report import display


def _html(item, lang="en"):
    return display.render(item, lang=lang)._repr_html_()


def test_sentence_names_the_outcomes_and_the_most_common_exclusion(result):
    res = run_cleaning(result)
    en = text.describe_outcome(res, "en")
    assert en.startswith("Of 20 raw rows, 4 (20.0%) are used as read, 2 (10.0%) after a repair, and 14 (70.0%)")
    assert en.endswith(" (2 rows).") and "The most common exclusion is “" in en  # two rules exclude 2 rows each
    assert "after_period_end" not in text.describe_outcome(res, "zh") and "20" in text.describe_outcome(res, "zh")


def test_tables_carry_their_formats_and_coded_values(result):
    res = run_cleaning(result)
    outcome = text.outcome_table(res)
    assert isinstance(outcome, Table) and outcome.formats == {"share": "{:.2%}"}
    assert "70.00%" in _html(outcome) and "排除" in _html(outcome, "zh")
    ledger = text.ledger_table(res, "zh")
    assert ledger.frame["rule"].tolist() == res.ledger["rule"].tolist() and "退款已冲抵" not in ledger.frame.columns
    assert ledger.frame["description"].iloc[0] != res.ledger["description"].iloc[0]  # described in Chinese
    en = text.ledger_table(res, "en").frame.set_index("rule")["description"]
    assert en["unparseable_date"] == "date missing or not a date"
    assert text.amounts_table(res).formats == {"quantile": "{:.0%}", "amount": "{:,.2f}"}
    assert text.missing_table(res, "en").caption == "Blank or missing values per source column"
    # the blank-values table names the fields in the report language (zh: 会员ID, not customer_id)
    shown = _html(text.missing_table(res, "zh"), "zh")
    assert "会员ID" in shown and "下单时间" in shown and ">customer_id<" not in shown
    assert text.profile_table(res).values == {"metric": "metric"}
    # money as in every sentence and card: compact, with the symbol, per language
    revenue = float(res.profile.revenue)
    for lang in ("en", "zh"):
        shown = text.profile_table(res, "CNY", lang).frame.set_index("metric")["value"]
        assert shown["revenue"] == formatting.format_money(revenue, "CNY", lang)
        assert shown["rows"] == res.profile.rows  # counts stay numbers (formatted on display)


def test_quarantine_sample_is_the_first_rows_with_ids_masked(result):
    res = run_cleaning(result)
    sample = text.quarantine_table(res)
    assert len(sample.frame) == text.QUARANTINE_SAMPLE_ROWS == 12 and len(res.quarantine) == 14
    html = display.render(sample, lang="en", mask=lambda ids: ids.map(lambda _: "***"))._repr_html_()
    assert "C8" not in html and "cancelled order" in html


def test_an_empty_quarantine_says_so(make_raw):
    from repurchase.cleaning import clean_transactions

    res = run_cleaning(clean_transactions(make_raw([("A", "O1", "P1", "2026-01-01", "5", "paid")])))
    assert "No row was excluded" in _html(text.quarantine_table(res))


def test_side_sources_show_outcomes_and_rules_or_why_not(result):
    raw = pd.DataFrame({"customer_id": ["a1", "A1", "b2"], "raw_row": [1, 2, 3]})
    res = run_cleaning(result, customers=clean_customers(raw))
    tables = text.source_tables(res, "customers", "en")
    assert [t.caption for t in tables] == ["customers: where every row went", "customers: rows per rule"]
    assert tables[1].frame["rows"].gt(0).all() and "duplicate customer" in _html(tables[1])
    assert text.source_tables(res, "surveys", "en") == "This client has no surveys source in its params."
    assert text.source_tables(res, "surveys", "zh") == "该客户的参数文件中没有问卷数据源。"
    untouched = run_cleaning(result, customers=clean_customers(raw.iloc[[0, 2]].assign(customer_id=["A1", "B2"])))
    shown = _html(text.source_tables(untouched, "customers", "en"))
    assert "customers: no row was fixed or excluded." in shown and "rows per rule" not in shown


def test_the_key_findings_say_what_the_reports_rest_on(result):
    import dataclasses

    res = run_cleaning(result)
    # used: rows 1 (100), 2 (1,200), 3 (50 - 20 refunded = 30), 5 (30), 18 (70), 19 (80): 6 lines, 1,510, of
    # C1, C2, C3, C12 in 6 orders; every repair touched 1 row: the first in the ledger's order is the ID repair
    outcome = text.describe_outcome(res, "en")
    assert text.describe_findings(res, "en", "CNY") == (
        f"{outcome} The other reports use **6** order lines of **4** customers (6 orders) from 2026-01-01 to "
        "2026-01-31, worth **¥1,510** (net of ¥20 refunded on these lines). The most common repair is “customer ID trimmed and "
        "case-folded (e.g. ' c001' -> 'C001')” (1 rows)."
    )
    assert text.describe_findings(res, "zh", "CNY") == (
        text.describe_outcome(res, "zh")
        + "后续报告使用 2026-01-01 至 2026-01-31 的 **6** 行订单明细，涉及 **4** 位客户"
        "（6 笔订单），金额 **¥1,510**（已扣除这些订单行上的退款 ¥20）。最常见的修复是“会员ID去除空格并统一大小写（如 ' c001' → 'C001'）”（1 行）。"
    )
    assert "worth **1,510** (net of 20 refunded on these lines)." in text.describe_findings(
        res, "en"
    )  # no currency: plain numbers
    # no raw row at all: that sentence
    empty = dataclasses.replace(
        res, transactions=dataclasses.replace(res.transactions, summary=res.summary.assign(rows=0))
    )
    assert text.describe_findings(empty) == "The transactions source has no row, so there is nothing to clean."
    assert text.describe_findings(empty, "zh") == "交易数据源没有任何记录，无需清洗。"
