"""The model-based definition (BG/NBD at a cutoff, on CDNOW's published figures) and the check of both definitions."""

from __future__ import annotations

import pandas as pd
import pytest
from churn_cases import (
    BT_END,
    BT_TEST,
    RATE_END,
    RATE_ROWS,
    W,
    cdnow,
    cleaned_as_of,
    dated_from,
    label_window,
    raw_with_refunds,
    tx_of,
)
from sklearn.metrics import roc_auc_score

from repurchase import churn
from repurchase.cleaning import clean_transactions
from repurchase.core import i18n
from repurchase.core.errors import AnalysisError
from repurchase.core.table import Table
from repurchase.report import display


def test_definition_check_by_hand():
    tx = tx_of(RATE_ROWS)
    # theta fixed at 30, N = 31: cutoff = Apr 1 - 31 days = Mar 1
    definition = churn.churn_threshold(tx, W("2026-04-01"), threshold_days=30, window_days=31)
    check = churn.definition_check(tx, definition, model=False)
    assert check.unavailable is None
    row = check.table.iloc[0]
    # flagged P, Q; in March P and R do not buy, Q and S do: precision 1/2, recall 1/2, base rate 2/4
    assert row["cutoff"] == "2026-03-01"
    assert (row["flagged"], row["precision"], row["recall"], row["base_rate"]) == (2, 0.5, 0.5, 0.5)


def test_the_definition_check_reads_its_cutoff_as_known_then():
    raw, _, _ = raw_with_refunds()
    tx = clean_transactions(raw, period_end_exclusive=BT_END).clean
    # the definition check (cutoff END - N = the test cutoff) counts E, whose only line was refunded later
    definition = churn.churn_threshold(tx, W(BT_END), window_days=60)
    known = clean_transactions(raw[~dated_from(raw, BT_TEST)]).clean
    check = churn.definition_check(tx, definition, as_of=cleaned_as_of(raw), model=False).table.iloc[0]
    old = churn.definition_check(tx, definition, model=False).table.iloc[0]
    assert check["customers"] == known["customer_id"].nunique() == old["customers"] + 1
    assert check["definition"] == i18n.t(
        "churn.rule_inactivity", "en", days=churn.churn_threshold(known, W(BT_TEST), window_days=60).threshold_days
    )
    # with the model rule: a second row, the BG/NBD fitted on the data known at the cutoff
    both = churn.definition_check(tx, definition, as_of=cleaned_as_of(raw)).table
    assert len(both) == 2 and both["definition"].iloc[1] == i18n.t("churn.rule_bgnbd", "en", days=60)
    assert both["customers"].nunique() == 1


def test_the_check_says_why_before_the_history_reaches_its_cutoff():
    rows = [(f"C{c:02d}", f"2026-08-{3 + c:02d}", 10 * (c + 1)) for c in range(20)]
    tx = tx_of(rows)
    # the definitions are checked N = 90 days before the end (Jul 3), before the first purchase
    definition = churn.churn_threshold(tx, W("2026-10-01"), threshold_days=30)
    check = churn.definition_check(tx, definition)
    assert check.table.empty and check.unavailable.code == "check_no_history"
    said = display.render(Table(churn.report_table(check.table), unavailable=check.unavailable), lang="en")
    assert "on 2026-07-03, but the data start on 2026-08-03" in repr(said)
    zh = display.render(Table(churn.report_table(check.table, "zh"), unavailable=check.unavailable), lang="zh")
    assert "数据从 2026-08-03 才开始" in repr(zh)
    assert display.render("", lang="en") is None and display.render(Table(pd.DataFrame({"a": [1]})), lang="en")


def test_bgnbd_no_purchase_probability_on_cdnow_reference():
    # methods.md: CDNOW, calibration to 1997-09-30, 39-week holdout: ROC AUC 0.758 for p_return, 0.315 for P(alive)
    tx = cdnow()
    cutoff = pd.Timestamp("1997-10-01")
    result, fit = churn.model_based_churn(tx, W(cutoff), 273)
    scores = result.table
    assert fit.params["r"] == pytest.approx(0.243, abs=0.001) and fit.params["a"] == pytest.approx(0.793, abs=0.001)
    churned = churn.churn_labels(tx, scores["customer_id"], label_window(cutoff, 273)).to_numpy()
    assert roc_auc_score(churned, scores["p_no_purchase"]) == pytest.approx(0.758, abs=0.002)
    assert roc_auc_score(~churned, scores["p_alive"]) == pytest.approx(0.315, abs=0.002)
    one_time = scores["frequency"] == 0
    assert (scores.loc[one_time, "p_alive"] == 1).all() and (scores.loc[one_time, "p_no_purchase"] < 1).all()


def test_a_bgnbd_that_cannot_be_fitted_is_said_not_raised(monkeypatch):
    def fail(*args, **kwargs):
        raise AnalysisError("BG/NBD did not converge")

    monkeypatch.setattr(churn.lifetime_value_bridge, "fit_bgnbd", fail)
    tx = tx_of(RATE_ROWS)
    with pytest.raises(AnalysisError, match="did not converge"):
        churn.model_based_churn(tx, W(RATE_END), 90)
    scores, fit = churn.model_based_churn(tx, W(RATE_END), 90, fallback=True)
    assert fit is None and scores.table.empty and scores.unavailable.code == "bgnbd_not_fitted"
    status = churn.customer_status(tx, W(RATE_END), 30)
    assert churn.describe_model_based(scores, status, 90).startswith("The model-based definition is not available")
    assert churn.describe_model_based(scores, status, 90, "zh").startswith("模型流失定义暂不可用")
    # at the period end: no lifetime-value BG/NBD, the same sentence
    at_end = churn.model_based_at_end(None, 90)
    assert at_end.table.empty and at_end.unavailable == scores.unavailable
