"""The value of a customer (the lifetime-value report's CLV, or annual spend), the at-risk list and its export."""

from __future__ import annotations

import pandas as pd
import pytest
from churn_cases import RATE_END, RATE_ROWS, TIERS, W, tx_of

from repurchase import churn
from repurchase.core.errors import AnalysisError


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
    # at risk (p >= 0.5): b (value 20), c (14.29), ranked by value; then a (not at risk: no value at risk)
    assert list(out.columns[:4]) == ["rank", "customer_id", "at_risk", "p_churn"]
    assert out[["rank", "customer_id", "at_risk"]].values.tolist() == [[1, "b", True], [2, "c", True], [3, "a", False]]
    assert out["p_churn"].tolist() == [0.9877, 0.5556, 0.1235]
    assert out["value"].tolist() == [20.0, 14.29, 333.33] and out["value_at_risk"].tolist() == [20.0, 14.29, 0.0]
    assert out["spend_365d"].tolist() == [7.0, 0.67, 3.33]


def test_value_at_risk_is_the_value_of_the_at_risk_customers_not_probability_times_value():
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
    # at risk (p >= 0.5): a, c, d, e, ranked by value (300, 100, 10, 0); b (p 0.2) is not: no value at risk
    assert out["customer_id"].tolist() == ["c", "d", "a", "e", "b"]
    assert out["value_at_risk"].tolist() == pytest.approx([300, 100, 10, 0, 0])
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
        "$300",
        "$100",
    ]
    assert churn.report_table(preview, "zh", currency="CNY")["churn_value"].iloc[0] == "¥300"
    # b: 6 occasions -> high tier -> loyal; c: 2 -> occasional -> developing; a: one-time
    roles = out.set_index("customer_id")["role"].to_dict()
    assert (roles["b"], roles["c"], roles["a"]) == ("loyal", "developing", "one-time")
    assert out.set_index("customer_id").loc["b", "action"] == "本周由专属客服或店长一对一联系；赠送VIP感谢礼，不打折。"
    summary = churn.at_risk_summary(out)
    assert summary["active"].sum() == 5 and summary["at_risk"].sum() == 4
    # the CLV of the at-risk customers (300 + 100 + 10 + 0), not Σ P(churn) × CLV (180 + 50 + 9 = 239)
    assert summary["value_at_risk"].sum() == pytest.approx(410)
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
        churn.customer_value(tx_of(RATE_ROWS), W(RATE_END), basis="margin")


def test_annual_spend_value():
    # spend in the 365 days up to 2026-04-30: everything: P 100, Q 50 + 70, R 30 + 40, S 3 x 10
    value = churn.customer_value(tx_of(RATE_ROWS), W(RATE_END), basis="annual_spend")
    assert value.basis == "annual_spend" and "365 days" in churn.value_note(value)
    assert value.value.to_dict() == {"P": 100.0, "Q": 120.0, "R": 70.0, "S": 30.0}


def test_value_is_the_clv_of_the_lifetime_value_report():
    tx = tx_of(RATE_ROWS)
    clv = pd.DataFrame({"customer_id": ["P", "Q", "S"], "clv": [12.34, 56.78, 0.5]})
    value = churn.customer_value(tx, W(RATE_END), clv=clv, horizon_months=12, model="pareto_nbd")
    # exactly the CLV (already rounded as in exports/clv.csv); R has no CLV row and is left out (counted as 0 in the list)
    assert value.basis == "clv" and value.value.to_dict() == {"P": 12.34, "Q": 56.78, "S": 0.5}
    assert churn.value_note(value) == (
        "Value = predicted CLV over the next 12 months from the lifetime-value report (Pareto/NBD; the clv column of "
        "exports/clv.csv)."
    )
    assert "Pareto/NBD" in churn.value_note(value, "zh") and "12 个月" in churn.value_note(value, "zh")
    # no CLV in the lifetime-value result: annual spend (auto) with a note saying why, or an error (clv)
    empty = churn.lifetime_value_bridge.customer_values(None)
    assert empty.empty and list(empty.columns) == churn.lifetime_value_bridge.CLV_COLUMNS
    auto = churn.customer_value(tx, W(RATE_END), clv=empty)
    assert (auto.basis, auto.fallback) == ("annual_spend", True) and auto.value["Q"] == 120.0
    assert "has no CLV for these data" in churn.value_note(auto)
    with pytest.raises(AnalysisError, match="value_basis is clv but the lifetime-value analysis has no CLV"):
        churn.customer_value(tx, W(RATE_END), basis="clv", clv=empty)
    annual = churn.customer_value(tx, W(RATE_END), basis="annual_spend", clv=clv)  # the setting wins over the CLV
    assert annual.basis == "annual_spend" and annual.value["Q"] == 120.0
