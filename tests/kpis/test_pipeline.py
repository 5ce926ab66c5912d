"""run_repurchase, its result in the store, the metrics and the stage (fixture: see conftest.py)."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from repurchase import kpis as rp
from repurchase.core.params import CleaningSettings, RepurchaseSettings
from repurchase.core.periods import Period
from repurchase.core.store import ResultStore
from repurchase.core.table import Table

PERIOD = Period.from_label("2024-03")  # exclusive end 2024-04-01 00:00


@pytest.fixture(scope="module")
def result(in_period) -> rp.RepurchaseResult:
    s = RepurchaseSettings(min_group_customers=1, trend_months=3)
    refunded = pd.DataFrame({"category": ["Phone"], "product_name": ["Phone X"], "amount": [100.0]})
    return rp.run_repurchase(in_period, PERIOD, s, refunded=refunded, language="en", currency="CNY")


def test_metrics_have_every_key_and_a_trend(occ):
    s = RepurchaseSettings(trend_months=3)
    monthly = rp.monthly_kpis(occ, PERIOD)
    h = rp.headline_kpis(occ, PERIOD, s, monthly)
    m = rp.repurchase_metrics(h, monthly, PERIOD, settings=s)
    for key in (
        "buyers",
        "repurchase_rate_customers",
        "repurchase_rate_orders",
        "buyback_rate",
        "aov",
        "median_days_between_purchases",
    ):
        assert key in m and f"{key}_prev_period" in m and f"{key}_prev_year" in m
    assert m["buyers"] == 4 and isinstance(m["buyers"], int)
    assert m["buyback_rate_prev_period"] is None  # undefined, not 0
    assert [t["month"] for t in m["trend"]] == ["2024-01", "2024-02", "2024-03"]
    assert m["trend"][-1] == {
        "month": "2024-03",
        "buyers": 4,
        "repurchase_rate_customers": 0.5,
        "buyback_rate": pytest.approx(2 / 3),
        "revenue": 455.0,
        "aov": 65.0,
    }
    assert m["trend"][0]["aov"] is None  # January: no orders


def test_the_result_holds_what_the_report_shows(result, in_period, occ):
    s = result.settings
    pd.testing.assert_frame_equal(result.monthly, rp.monthly_kpis(occ, PERIOD))
    pd.testing.assert_frame_equal(result.headline, rp.headline_kpis(occ, PERIOD, s))
    pd.testing.assert_frame_equal(
        result.cycle, rp.purchase_cycle(in_period, PERIOD, by="category", horizon_days=s.cycle_horizon_days)
    )
    pd.testing.assert_frame_equal(result.retention_matrix, rp.cohort_matrix(result.cohorts, "retention"))
    # the cohorts of the last trend_months (3) months: 2024-01 acquired nobody, so 2024-02 and 2024-03
    assert result.cohorts["cohort"].drop_duplicates().dt.strftime("%Y-%m").tolist() == ["2024-02", "2024-03"]
    # observed 90 days after their first purchase: C and E (both Coffee first); A, B and D are too recent
    assert result.first_category.set_index("group").loc["Coffee", "customers"] == 2
    assert result.driver_columns == ["category", "product_name"]
    # refund rates need 30 order lines per group: none of the fixture's has them
    assert result.category_refunds.empty and result.product_refunds.empty
    assert result.naive_gaps["q50"] == 36.5
    assert result.cohort_notes["left_censored"][0] == "2023-03"
    # sentences and tables in the result's language by default, or in another
    assert "4 customers bought" in result.describe_headline()
    assert result.describe_headline("zh").startswith("2024年3月共有 4 位客户购买")
    for method in ("headline_table", "cycle_table", "first_groups_table", "refunds_table"):
        assert isinstance(getattr(result, method)(), Table), method
    assert result.glossary_table("zh").frame.columns.tolist() == ["rp_term", "rp_other_name", "rp_definition"]
    assert result.describe_occasion().startswith("A purchase occasion is a distinct customer-day")
    sentences = [
        result.describe_settings(),
        result.describe_time_to_second(),
        result.describe_cycle(),
        result.describe_cohorts(),
        result.describe_drivers_available(),
        result.describe_first_groups(),
        result.describe_refunds(),
        result.describe_buyer_products(),
    ]
    assert all(isinstance(t, str) and t for t in sentences)


def test_refunded_lines_enter_the_refund_rates(in_period):
    # thirty copies of the fixture (other customers): every category and product has 30 lines or more
    copies = pd.concat(
        [in_period.assign(customer_id=in_period["customer_id"] + str(i)) for i in range(30)], ignore_index=True
    )
    refunded = pd.DataFrame({"category": ["Phone"], "product_name": ["Phone X"], "amount": [100.0]})
    res = rp.run_repurchase(copies, PERIOD, refunded=refunded)
    # Phone: 30 x (200 + 80 + 70) sold, and the refunded phone: 100 of 10,600
    phone = res.category_refunds.set_index("group").loc["Phone"]
    assert phone["refunds"] == 100.0 and phone["sales"] == 10_600.0 and phone["lines"] == 91
    # by refund rate: Coffee 300 of 10,200 (2.9%), Phone 100 of 10,600 (0.9%), Snacks none
    assert res.category_refunds["group"].tolist() == ["Coffee", "Phone", "Snacks"]
    # by product: Capsules 300 of 2,550 (A4: 10 of 50, E2: 35, thirty times) first; Phone X 100 of 6,100
    products = res.product_refunds.set_index("group")
    assert products.index[0] == "Capsules" and products.loc["Capsules", "sales"] == 2_550.0
    assert products.loc["Phone X", "refunds"] == 100.0
    assert products.loc["Phone X", "sales"] == 6_100.0


def test_the_result_survives_the_store(result, tmp_path):
    store = ResultStore(tmp_path)
    store.save("repurchase", result, key="k", metrics=rp.STAGE.metrics(result))
    back = store.load("repurchase", "k")
    assert isinstance(back, rp.RepurchaseResult)
    for f in dataclasses.fields(result):
        a, b = getattr(result, f.name), getattr(back, f.name)
        if isinstance(a, pd.DataFrame):
            if f.name.endswith("_matrix"):
                b.columns.name = a.columns.name  # the store keeps the age labels, not the axis name
            pd.testing.assert_frame_equal(a, b, check_exact=True, obj=f.name)
        elif isinstance(a, dict):
            assert a.keys() == b.keys() and all(
                (x == y) or (pd.isna(x) and pd.isna(y)) for x, y in zip(a.values(), b.values()) if np.isscalar(x)
            ), f.name
        else:
            assert a == b, f.name
    assert rp.STAGE.metrics(back) == rp.STAGE.metrics(result) == store.metrics("repurchase")


def test_the_stage(in_period, result):
    assert rp.STAGE.name == "repurchase" and rp.STAGE.requires == () and rp.STAGE.exports is None
    params = SimpleNamespace(
        repurchase=result.settings,
        cleaning=CleaningSettings(),
        language="zh",
        currency="CNY",
        sources=SimpleNamespace(transactions=SimpleNamespace(exported_at=None)),
    )
    inputs = SimpleNamespace(params=params, period=PERIOD, transactions=lambda: in_period, cleaning=lambda role: None)
    staged = rp.STAGE.run(inputs)  # type: ignore[arg-type]
    assert staged.language == "zh" and staged.period == PERIOD
    metrics = rp.STAGE.metrics(staged)
    assert metrics == rp.repurchase_metrics(
        staged.headline, staged.monthly, PERIOD, settings=staged.settings, cycle=staged.cycle
    )
    assert metrics["buyers"] == 4 and metrics["cycle_horizon_days"] == 365 and metrics["period"] == "2024-03"
