"""The report's words: sentences and Table specs, in English and Chinese."""

from __future__ import annotations

import math
import re
from dataclasses import replace

import pandas as pd
import pytest

from repurchase import lifetime_value as lv
from repurchase.core import formatting, i18n
from repurchase.core.params import LifetimeValueSettings
from repurchase.core.periods import Window
from repurchase.core.table import Table
from repurchase.lifetime_value import text
from repurchase.lifetime_value.pipeline import notice


def test_parameters_table_shows_both_fits(cdnow_result):
    table = text.parameters(cdnow_result)
    assert set(table["fit"]) == {"calibration", "all data to period end"}
    assert {"estimate", "std_error", "ci95_low", "ci95_high"} <= set(table.columns)
    assert math.isfinite(table["std_error"].sum())
    assert (table["ci95_low"] > 0).all() and (table["ci95_low"] < table["estimate"]).all()  # log-scale intervals


def test_report_helpers_handle_missing_sources(cdnow_result):
    res = cdnow_result
    export = lv.clv_export(res.clv)
    assert list(export.columns[:1]) == ["customer_id"]
    assert {"expected_purchases", "p_alive", "p_buy_again", "clv", "clv_low", "clv_high"} <= set(export.columns)
    assert export["clv"].is_monotonic_decreasing and len(export) == 2357
    # CDNOW has no channel: an empty table and a note
    assert res.groups["channel"] is None
    assert text.group_table(res, "channel").empty and "no channel column" in text.describe_group(res, "channel")
    table, reading = text.group_table(res, "cohort"), text.describe_group(res, "cohort")
    assert len(table.frame) == 3 and "Jan 1997" in reading  # cohorts read as month names
    assert text.cac_table(res).empty and "CLV:CAC is not shown" in text.describe_cac(res)
    top = lv.top_customers(res.clv, 5)
    assert len(top) == 5 and round(top["clv"].iloc[0], 2) == export["clv"].iloc[0]  # the export rounds money to cents
    overview = text.summary_overview(res.summary).set_index("item")["value"]
    assert overview["customers"] == "2,357"
    for sentence in (
        text.describe_period_transactions(res),
        text.describe_holdout_by_frequency(res),
        text.describe_concentration(res),
        text.describe_spend(res, "en", "USD"),
        text.clv_text(res.clv),
        text.split_text(res.split),
    ):
        assert isinstance(sentence, str) and len(sentence) > 40


def test_every_shown_table_is_a_table_spec(cdnow_result, helpers):
    shown = helpers.every_report_call(cdnow_result)
    for name in ("overview", "parameters", "comparison", "totals", "top", "concentration"):
        assert isinstance(shown[name], Table) and not shown[name].empty, name
    comparison = shown["comparison"]
    assert comparison.formats["ltv_mae"] == "{:.3f}" and "ltv_mae" in comparison.frame
    assert shown["parameters"].max_rows == 40 and shown["parameters"].caption.startswith("Parameters: calibration")
    assert shown["totals"].caption == "Totals over the horizon with their interval"
    assert shown["fits_sentence"].startswith("**Refits on all data to the period end (used for predictions).** ")


def test_chinese_report_text_has_no_english(cdnow_result, helpers):
    res = cdnow_result
    texts = {
        "split": text.split_text(res.split, "zh"),
        "fits": text.describe_fits(res, "calibration", "zh"),
        "full_fits": text.describe_fits(res, "full", "zh"),
        "choice": text.choice_text(res.choice, "zh"),
        "tracking": text.describe_tracking(res, "zh"),
        "frequency": text.describe_holdout_by_frequency(res, "zh"),
        "histogram": text.describe_period_transactions(res, "zh"),
        "concentration": text.describe_concentration(res, "zh"),
        "spend": text.describe_spend(res, "zh", "CNY"),
        "clv": text.clv_text(res.clv, "zh", "CNY"),
        "cohorts": text.describe_group(res, "cohort", "zh"),
        "no_channel": text.describe_group(res, "channel", "zh"),
        "heuristic": text.describe_heuristic(res, "zh", "CNY"),
        "no_cac": text.describe_cac(res, "zh"),
    }
    for name, sentence in texts.items():
        assert not helpers.english_words(sentence), f"{name}: {sentence}"
    assert texts["split"].startswith("校准期：1997-01-01 至 1997-09-30；验证期：1997-10-01 至 1998-06-30")
    assert "在验证期的客户级误差最低" in texts["choice"]
    assert "1997年1月" in texts["cohorts"] and "首购同期群" in texts["cohorts"]
    # the total is money in the Chinese style: ¥ and 万 from ten thousand on
    total = res.clv.total("clv")[0]
    assert f"合计 ¥{total / 1e4:,.1f}万" in texts["clv"]
    # numbers are the same in both languages
    assert "年折现率 10.0% 折合每月" in texts["clv"] and "0.7974%" in texts["clv"]


def test_english_sentences_keep_their_wording(cdnow_result):
    res = cdnow_result
    assert text.split_text(res.split) == (
        "Calibration: 1997-01-01 to 1997-09-30; holdout: 1997-10-01 to 1998-06-30 (39.0 weeks; set in params)."
    )
    default = lv.holdout_split(Window.through("2025-06-30"))
    assert text.split_text(default).endswith("(26.0 weeks; default: the last 26 weeks are the holdout).")
    # money in sentences: $ and K from ten thousand on (English)
    total = res.clv.total("clv")[0]
    assert f"total ${total / 1e3:,.1f}K (90% interval $" in text.clv_text(res.clv, "en", "USD")
    assert text.describe_choice(res) == "**Model used for predictions: Pareto/NBD.** " + text.choice_text(res.choice)


def test_report_tables_in_chinese(cdnow_result, helpers):
    res = cdnow_result
    comparison = text.comparison_table(res, "zh").frame
    assert list(comparison["ltv_model"]) == ["BG/NBD", "Pareto/NBD", "MBG/NBD", "历史速率基准", "仅按最近购买基准"]
    # retried: 是/否 for the models, blank for the baselines
    assert (
        list(comparison["ltv_retried"].iloc[:3]) == ["否", "否", "否"]
        and comparison["ltv_retried"].iloc[3:].isna().all()
    )
    # numbers untouched
    assert comparison["ltv_mae"].equals(res.comparison["mae"])
    params = text.parameter_table(res, "zh").frame
    assert set(params["ltv_fit"]) == {"校准期", "截至期末的全部数据"} and "α" in set(params["ltv_parameter"])
    totals = text.totals_table(res, "zh").frame
    assert list(totals["ltv_quantity"]) == ["客户终身价值（CLV）"] * 2 + ["预期购买次数"] * 2
    assert list(totals["ltv_interval"]) == ["仅参数不确定性", "预测区间"] * 2
    conc = text.concentration_table(res, "zh").frame
    assert list(conc["ltv_top"]) == ["前 1%", "前 5%", "前 20%"]
    cohorts = text.group_table(res, "cohort", "zh").frame
    assert list(cohorts["ltv_cohort"]) == ["1997年1月", "1997年2月", "1997年3月"]
    heuristic = text.heuristic_table(res, "zh").frame
    assert heuristic["ltv_quantity"].iloc[-1] == "模型 CLV，未来 12 个月，全部客户的均值"
    overview = text.summary_overview(res.summary, "zh")
    assert overview["item"].iloc[4] == "客龄 T（中位数，周）"
    # every header of every shown table has a Chinese name
    ids = res.clv.customers["customer_id"]
    customers = pd.DataFrame({"customer_id": ids, "acquisition_channel": "search", "acquisition_cost": 10.0})
    with_cac = replace(res, cac=lv.clv_to_cac(res.clv, customers))
    for table in (
        comparison,
        params,
        totals,
        conc,
        cohorts,
        heuristic,
        text.top_customers_table(res, "zh", 3).frame,
        text.cac_table(with_cac, "zh").frame,
    ):
        headers = i18n.translate_columns(table, "zh").columns
        assert not [h for h in headers if helpers.english_words(h)], list(headers)
    cac = text.cac_table(with_cac, "zh").frame
    assert list(cac["ltv_basis"]) == ["收入"] and cac["ltv_meets_3x"].iloc[0] in ("是", "否")


def test_parameters_without_scientific_notation(cdnow_result):
    assert text.plain_number(825312.4) == "825,300"
    assert text.plain_number(6.2467) == "6.247" and text.plain_number(0.2426, 3) == "0.243"
    assert text.plain_number(27354374.1) == "27,350,000" and text.plain_number(999.96) == "1,000"
    assert text.plain_number(0.000012) == "< 0.0001" and text.plain_number(0) == "0"
    assert text.plain_number(float("inf")) == "–" and text.plain_number(float("nan")) == "–"
    assert text.plain_number(4.2e9) == "–"  # beyond a billion: not identified
    table = text.parameter_table(cdnow_result).frame
    cells = table[["ltv_estimate", "ltv_std_error", "ltv_ci95_low", "ltv_ci95_high"]].to_numpy().ravel()
    assert not [c for c in cells if "e" in c.lower()]
    bg = table[(table["ltv_model"] == "BG/NBD") & (table["ltv_fit"] == "calibration")].set_index("ltv_parameter")
    assert bg.loc["r", "ltv_estimate"] == "0.2426" and bg.loc["α", "ltv_estimate"] == "4.414"


def test_every_notice_reads_in_chinese(helpers):
    """What the data could not support is said in Chinese without English words (params keys aside)."""
    codes = [k.split(".")[-1] for k in i18n.catalog("zh") if k.startswith("lifetime_value.notice.")]
    values = {
        "weeks": "2.6",
        "history": "7.9",
        "requested": "bgnbd",
        "model": "mbgnbd",
        "failed": "pareto_nbd",
        "n": "4",
        "customers": "20",
        "min": "10",
        "q": "0.86",
        "valid": "12",
        "draws": "200",
        "calibration_end": "2026-03-31",
        "holdout_end": "–",
        "first": "2026-09-01",
        "period_end": "2026-10-31",
    }
    for code in codes:
        unavailable = notice(code, values, then="lifetime_value.spend_fallback")
        assert unavailable.code == code and unavailable.metrics() == {"status": "unavailable", "reason": code}
        sentence = unavailable.text("zh")
        assert "{" not in sentence
        words = helpers.english_words(re.sub(r"\b[a-z_]+\.[a-z_]+\b|\b[a-z]+_[a-z_]+\b", "", sentence))
        assert not words, (code, sentence)
    assert "MBG/NBD" in notice("refit_failed", values).text("en")  # model codes are named


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_nothing_to_say_is_an_empty_sentence(cdnow_result, lang):
    assert text.describe_status(cdnow_result, lang) == ""  # everything ran as set
    assert text.describe_p_alive(cdnow_result, lang) == "" and text.describe_groups(cdnow_result, lang) == ""


def test_the_key_findings_carry_the_totals_the_concentration_the_best_segment_and_the_check(cdnow_result, helpers):
    """Hand-set totals, shares and segments on the CDNOW result: each number is read where the report shows it."""
    res = cdnow_result
    clv = replace(res.clv, totals=pd.DataFrame({"quantity": ["clv", "expected_purchases"], "estimate": [123_456.0, 1_234.4],
                                                "low": [100_000.0, 1_000.0], "high": [150_000.0, 1_500.0]}))  # fmt: skip
    predictive = replace(
        res.predictive, totals=res.predictive.totals.assign(low=[90_000.0, 900.0], high=[160_000.0, 1_600.0])
    )
    concentration = pd.DataFrame({"top_share": [0.01, 0.05, 0.2], "customers": [1, 5, 20], "clv": [1.0, 2.0, 3.0],
                                  "share_of_clv": [0.13, 0.3, 0.6]})  # fmt: skip
    segments = pd.DataFrame({"segment_label": ["Lost", "Champions"], "customers": [900, 100], "clv_total": [9e3, 5e4],
                             "clv_mean": [10.0, 500.0], "share_of_clv": [0.1525, 0.8475]})  # fmt: skip
    # the chosen model's holdout check: 1,137 predicted against 1,156 actual purchases (-1.7%)
    choice = res.choice.comparison.set_index("model").assign(holdout_predicted=1136.8, holdout_actual=1156.0,
                                                             holdout_error_pct=-1.66).reset_index()  # fmt: skip
    res = replace(res, clv=clv, predictive=predictive, concentration=concentration,
                  groups={**res.groups, "segment_label": segments}, choice=replace(res.choice, comparison=choice))  # fmt: skip
    model = lv.model_label(res.choice.model)
    assert res.clv.margin == 1 and res.predictive.level == 0.9
    assert text.describe_findings(res, "en", "USD") == (
        "Over the next 12 months the customers are expected to make **1,234** purchases, worth **$123.5K** "
        "(90% predictive interval $90.0K – $160.0K). The top 20% of customers by CLV hold **60%** of that value, the "
        "top 1% alone 13%. By RFM segment, the Champions segment is worth the most per customer: $500 "
        f"on average (100 customers, 85% of the total). The predictions come from {model}, checked on a holdout the models never saw: "
        "it predicts 1,137 holdout purchases against 1,156 actual (-1.7%)."
    )
    assert text.describe_findings(res, "zh", "CNY") == (
        "未来 12 个月，客户预计购买 **1,234** 次，价值 **¥12.3万**（预测区间，90%：¥9.0万 – ¥16.0万）。"
        "按 CLV 排名前 20% 的客户占其中 **60%**，前 1% 的客户就占 13%。"
        "按 RFM 客群看，Champions的平均价值最高：每位 ¥500（100 位客户，占总额的 85%）。"
        f"预测来自 {model}，并在模型未见过的验证期上检验：其预测验证期购买 1,137 次，实际为 1,156 次（-1.7%）。"
    )
    # on gross margin, without a predictive interval: the parameter-only one, and the margin is said
    margin = replace(res, clv=replace(clv, margin=0.4), predictive=None)
    assert "worth **$123.5K** of gross margin (40% margin) (90% parameter only interval $100.0K – $150.0K)." in (
        text.describe_findings(margin, "en", "USD")
    )
    assert "价值 **¥12.3万**（按毛利计，毛利率 40%）（仅参数不确定性，90%：¥10.0万 – ¥15.0万）。" in (
        text.describe_findings(margin, "zh", "CNY")
    )


def test_the_key_findings_say_why_there_is_no_clv(helpers):
    res = lv.run_lifetime_value(helpers.tiny_client(), Window.through("2026-10-31"), LifetimeValueSettings())
    assert res.clv is None
    for lang in ("en", "zh"):
        assert text.describe_findings(res, lang, "CNY") == text.describe_status(res, lang) != ""
    assert text.describe_findings(res).startswith("**No lifetime value for these data.** Only 4 of 20 customers")


def test_the_heuristic_table_writes_each_quantity_as_what_it_is(cdnow_result):
    h = cdnow_result.heuristic
    values = text.heuristic_table(cdnow_result, "en", "USD").frame.iloc[:, 1].tolist()
    by_code = dict(zip(h.table["quantity"], values))
    assert by_code["window"] == f"{h.value('window'):g}"  # months, not 12.000
    assert by_code["aov"] == formatting.format_money(h.value("aov"), "USD", "en")
    assert by_code["churn"] == formatting.format_percent(h.value("churn"))
    assert by_code["margin"] == "100.0%"
    assert by_code["per_year"] == f"{h.value('per_year'):,.2f}"
    zh = dict(zip(h.table["quantity"], text.heuristic_table(cdnow_result, "zh", "CNY").frame.iloc[:, 1]))
    assert zh["aov"] == formatting.format_money(h.value("aov"), "CNY", "zh")
