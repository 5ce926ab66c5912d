"""Tests of :func:`repurchase.lifetime_value.history.clv_totals_by_month` on a small seeded client."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from repurchase import lifetime_value as lv
from repurchase.core.params import LifetimeValueSettings
from repurchase.core.periods import Period, Window
from repurchase.lifetime_value.history import clv_totals_by_month

PERIOD = Period.from_label("2026-10")


def client(n: int = 120, seed: int = 7) -> pd.DataFrame:
    """``n`` customers, first purchase spread over 2025-01 .. 2026-08, 0–6 repeats each, seeded amounts."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2025-01-01")
    rows = []
    for i in range(n):
        first = start + pd.Timedelta(days=int(rng.integers(0, 600)))
        days = [first] + [first + pd.Timedelta(days=int(d)) for d in np.sort(rng.integers(5, 200, rng.integers(0, 7)))]
        rows += [(f"C{i:03d}", d, float(rng.integers(20, 80))) for d in days if d < PERIOD.end_exclusive]
    # a customer whose only purchase is in the report month
    rows.append(("LATE", pd.Timestamp("2026-10-15"), 500.0))
    tx = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])
    tx["order_id"] = [f"O{k}" for k in range(len(tx))]
    return tx


@pytest.fixture(scope="module")
def run() -> tuple[pd.DataFrame, lv.LifetimeValueResult]:
    tx = client()
    res = lv.run_lifetime_value(tx, Window.ending(PERIOD.end_exclusive), LifetimeValueSettings(bootstrap_draws=0))
    assert res.clv is not None
    return tx, res


def test_last_month_is_the_report_total(run) -> None:
    tx, res = run
    series = clv_totals_by_month(res, tx, PERIOD)
    assert list(series) == [PERIOD.shift(-k).label for k in range(11, -1, -1)]
    assert series["2026-10"] == pytest.approx(res.clv.total("clv")[0], rel=1e-9)


def test_customer_after_a_month_end_is_not_counted(run) -> None:
    tx, res = run
    with_late = clv_totals_by_month(res, tx, PERIOD)
    without = clv_totals_by_month(res, tx[tx["customer_id"] != "LATE"], PERIOD)
    # LATE first buys in October: September and before are the same with or without them
    for label in [PERIOD.shift(-k).label for k in range(1, 12)]:
        assert with_late[label] == pytest.approx(without[label], rel=1e-12)
    assert with_late["2026-10"] > without["2026-10"]


def test_past_month_uses_the_summary_to_that_month_end(run) -> None:
    tx, res = run
    sep = Period.from_label("2026-09")
    series = clv_totals_by_month(res, tx, PERIOD)
    summary = lv.customer_summary(tx, Window.ending(sep.end_exclusive), time_unit=res.settings.time_unit)
    spend = res.full_spend_fit if res.clv.spend_basis == "gamma_gamma" else None
    expected = lv.customer_lifetime_value(summary, res.full_fits[res.model], spend, draws=0)
    assert series["2026-09"] == pytest.approx(expected.total("clv")[0], rel=1e-9)
    assert series["2026-09"] != pytest.approx(series["2026-10"])


def test_no_model_gives_no_series(run) -> None:
    tx, _ = run
    res = lv.run_lifetime_value(tx.head(3), Window.ending(PERIOD.end_exclusive), LifetimeValueSettings())
    assert res.clv is None
    assert clv_totals_by_month(res, tx, PERIOD) == {}


def test_customers_come_back_with_their_ids(run) -> None:
    # clv_by_month works on integer codes and decodes them: the report month equals the report's CLV table
    from repurchase.lifetime_value.history import clv_by_month

    tx, res = run
    last = clv_by_month(res, tx, PERIOD)["2026-10"]
    ref = res.clv.customers
    assert last["customer_id"].tolist() == ref["customer_id"].tolist()
    assert "LATE" in set(last["customer_id"])
    np.testing.assert_allclose(last["clv"].to_numpy(), ref["clv"].to_numpy(), rtol=1e-12)


def test_the_history_is_clv_by_month_side_by_side(run):
    from repurchase.lifetime_value.history import clv_by_month, clv_history, history_values

    tx, res = run
    wide = clv_history(res, tx, PERIOD)
    by_month = clv_by_month(res, tx, PERIOD)
    assert list(wide.columns) == list(by_month) and len(by_month) == 12
    assert wide.index.is_monotonic_increasing and wide.index.name == "customer_id"
    values = history_values(wide)
    for month, customers in by_month.items():
        expected = customers.set_index("customer_id")["clv"]
        pd.testing.assert_series_equal(values[month], expected, check_names=False)
    assert np.isnan(wide.loc["LATE", "2026-09"]) and wide.loc["LATE", "2026-10"] > 0  # not a customer before October
