"""Coverage: response rate, and whether respondents resemble the other buyers."""

from __future__ import annotations

import pandas as pd
import pytest

from repurchase import satisfaction as sat
from repurchase.core.periods import Period


@pytest.fixture()
def history():
    t = pd.Timestamp
    tx = pd.DataFrame(
        {
            # prior year: R1 3 occasions, R2 5; N1, N2 one each; all four buy in the period
            "customer_id": ["R1"] * 3 + ["R2"] * 5 + ["N1", "N2"] + ["R1", "R2", "N1", "N2"],
            "order_id": [f"o{i}" for i in range(14)],
            "order_date": [t("2026-03-01") + pd.Timedelta(days=i) for i in range(3)]
            + [t("2026-04-01") + pd.Timedelta(days=i) for i in range(5)]
            + [t("2026-05-01"), t("2026-06-01")]
            + [t("2026-10-05")] * 4,
            "amount": 10.0,
        }
    )
    sv = pd.DataFrame(
        {"customer_id": ["R1", "R2", "X"], "response_date": [t("2026-10-06"), t("2026-10-07"), t("2026-09-01")]}
    )
    return sv, tx


def test_coverage_response_rate_and_not_representative_warning(history):
    sv, tx = history
    october = Period.from_label("2026-10")
    cov = sat.coverage(sv, tx, october)
    assert (cov.base, cov.respondents, cov.response_rate) == (4, 2, 0.5)
    comp = cov.comparison.set_index("measure")
    # occasions: respondents 3, 5 (mean 4, var 2); non-respondents 1, 1 (var 0): SMD = 3 / sqrt((2 + 0) / 2) = 3
    assert comp.loc["prior_occasions", "smd"] == pytest.approx(3.0)
    assert not cov.representative and "not representative" in sat.coverage_warning(cov)
    zh = sat.coverage_warning(cov, "zh")
    assert zh.startswith("作答者不具代表性") and "购买次数：4.00 对 1.00" in zh
    tab = cov.table.set_index("group")
    assert tab.loc["respondents", "prior_spend"] == 40.0 and tab.loc["non-respondents", "customers"] == 2
    assert tab.loc["non-respondents", "no_prior_purchase"] == 0.0


def test_coverage_counts_occasions_as_params_say(history):
    sv, tx = history
    # R2's five purchases on one day: one customer-day, five orders
    before = (tx["customer_id"] == "R2") & (tx["order_date"] < pd.Timestamp("2026-10-01"))
    tx = tx.assign(order_date=tx["order_date"].mask(before, pd.Timestamp("2026-04-01")))
    by_day = sat.coverage(sv, tx, Period.from_label("2026-10")).comparison.set_index("measure")
    by_order = sat.coverage(sv, tx, Period.from_label("2026-10"), occasion="order").comparison.set_index("measure")
    assert by_day.loc["prior_occasions", "respondents"] == pytest.approx((3 + 1) / 2)
    assert by_order.loc["prior_occasions", "respondents"] == pytest.approx((3 + 5) / 2)


def test_coverage_without_buyers_or_surveys_is_empty(history):
    sv, tx = history
    assert sat.coverage(None, tx, Period.from_label("2026-10")).base == 0
    empty = sat.coverage(sv, tx, Period.from_label("2020-01"))
    assert empty.base == 0 and empty.representative and sat.coverage_warning(empty) == ""
