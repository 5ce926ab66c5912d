"""The cleaning stage: its result, metrics and export, and a round trip through the results store."""

from __future__ import annotations

import pandas as pd
import pytest

from repurchase.cleaning import (
    STAGE,
    CleaningReport,
    amount_distribution,
    clean_customers,
    cleaning_metrics,
    run_cleaning,
)
from repurchase.core.errors import AnalysisError
from repurchase.core.store import ResultStore


@pytest.fixture
def customers():
    raw = pd.DataFrame(
        {
            "customer_id": ["a1", "A1", "", "b2"],
            "signup_date": ["2025-01-01", "2025-02-01", "", "bad"],
            "raw_row": [1, 2, 3, 4],
        }
    )
    return clean_customers(raw)


def test_metrics_and_profile(result):
    m = cleaning_metrics(run_cleaning(result))
    assert m["raw_rows"] == m["kept_rows"] + m["fixed_rows"] + m["excluded_rows"] == 20
    assert m["customers"] == 4 and m["revenue"] == 100 + 1200 + 30 + 30 + 70 + 80
    assert m["excluded_by_rule"]["refund_netted"] == 2
    q = amount_distribution(result.clean, quantiles=(0.5,))
    assert q["amount"].iloc[0] == 75.0  # median of 30, 30, 70, 80, 100, 1200


def test_metrics_list_only_the_rules_that_changed_rows(result):
    m = cleaning_metrics(run_cleaning(result))
    assert m["excluded_by_rule"] == {
        "cancelled_order": 1,
        "duplicate_row": 1,
        "missing_customer_id": 1,
        "unparseable_date": 1,
        "dated_after_export": 1,
        "after_period_end": 2,
        "zero_amount": 1,
        "negative_amount": 1,
        "refund_unmatched": 1,
        "refund_netted": 2,
        "fully_refunded": 1,
        "unparseable_amount": 1,
    }
    assert list(m["excluded_by_rule"]) == [
        r for r in result.ledger()["rule"] if r in m["excluded_by_rule"]
    ]  # in the order the rules run
    assert m["fixed_by_rule"] == {
        "id_normalized": 1,
        "date_format_normalized": 1,
        "amount_text_parsed": 1,
        "partially_refunded": 1,
    }
    assert sum(m["excluded_by_rule"].values()) == m["excluded_rows"] == 14
    assert (m["first_date"], m["last_date"]) == ("2026-01-01", "2026-01-31")


def test_the_result_holds_what_the_report_shows_but_not_the_cleaned_rows(result, customers):
    res = run_cleaning(result, customers=customers)
    assert isinstance(res, CleaningReport)
    assert res.summary.equals(result.summary()) and res.ledger["rows"].tolist() == result.ledger()["rows"].tolist()
    assert res.quarantine.equals(result.quarantine)
    assert res.profile.rows == len(result.clean) == 6 and res.profile.refunded == 20.0
    assert res.amount_histogram["count"].sum() == 6 and res.amount_median == 75.0
    assert res.weekly_revenue["revenue"].sum() == pytest.approx(result.clean["amount"].sum())
    assert res.customers is not None and res.customers.summary["rows"].tolist() == [4, 0, 2, 2]
    assert res.side("customers") is res.customers and res.side("surveys") is None
    with pytest.raises(AnalysisError, match="no side source 'orders'"):
        res.side("orders")
    frames = [v for v in vars(res).values() if isinstance(v, pd.DataFrame)]
    assert not any("order_id" in f.columns and "refund_amount" in f.columns for f in frames)


def test_stage_exports_the_full_quarantine_next_to_the_report(result):
    assert STAGE.name == "cleaning" and STAGE.requires == ()
    res = run_cleaning(result)
    exports = STAGE.exports(res)
    assert list(exports) == ["quarantine.csv"]
    assert exports["quarantine.csv"].equals(result.quarantine) and len(exports["quarantine.csv"]) == 14
    assert STAGE.metrics(res) == cleaning_metrics(res)


def test_stage_reads_the_cleaning_of_each_source(result, customers):
    class Inputs:
        def cleaning(self, role="transactions"):
            return {"transactions": result, "customers": customers, "surveys": None, "campaigns": None}[role]

    res = STAGE.run(Inputs())
    assert res.customers is not None and res.surveys is None and res.campaigns is None
    assert cleaning_metrics(res) == cleaning_metrics(run_cleaning(result))


def test_the_result_survives_the_results_store(tmp_path, result, customers):
    res = run_cleaning(result, customers=customers)
    store = ResultStore(tmp_path)
    store.save("cleaning", res, key="k", metrics=cleaning_metrics(res))
    back = store.load("cleaning", "k")
    assert isinstance(back, CleaningReport) and back.surveys is None
    assert cleaning_metrics(back) == cleaning_metrics(res) == store.metrics("cleaning")
    pd.testing.assert_frame_equal(back.ledger, res.ledger)
    pd.testing.assert_frame_equal(back.amount_histogram, res.amount_histogram)
    assert back.quarantine.astype(str).equals(res.quarantine.astype(str))
    assert back.profile == res.profile
    assert not list((tmp_path / "cleaning").glob("*.pkl"))  # every table kept as Parquet
