"""Whether a card's change from last month is news: its tests, by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from repurchase.core.periods import Period
from repurchase.publish.changes import change_signals, control_chart_test, proportion_test

P = Period.from_label("2026-10")


def test_proportion_test_is_the_pooled_z_test_with_newcombe_interval():
    # 50 of 100 against 30 of 100: pooled 0.4, se = sqrt(0.4 * 0.6 * 2 / 100) = 0.069282, z = 2.8868, p = 0.00389
    p, low, high = proportion_test(0.5, 100, 0.3, 100)
    assert p == pytest.approx(0.00389, abs=1e-5)
    assert 0 < low < 0.2 < high < 0.4
    assert proportion_test(0.5, None, 0.3, 100) is None and proportion_test(0.5, 0, 0.3, 100) is None


def test_control_chart_test_takes_the_noise_from_the_limits():
    # limits 70..130 at 3 sigma: sigma = 10, a change of two months has se = sqrt(2) * 10 = 14.142
    p, low, high = control_chart_test(110, 100, 70, 130)
    assert p == pytest.approx(2 * 0.23975, abs=1e-4)  # z = 10 / 14.142 = 0.7071
    assert (low, high) == pytest.approx((10 - 1.959964 * 14.1421, 10 + 1.959964 * 14.1421), abs=1e-3)
    p, _, _ = control_chart_test(150, 100, 70, 130)
    assert p == pytest.approx(4.07e-4, rel=1e-2)  # z = 3.5355
    p2, _, _ = control_chart_test(150, 100, 80, 120, limit_sigma=2.0)  # the same sigma with 2-sigma limits
    assert p2 == pytest.approx(p)
    assert control_chart_test(150, None, 70, 130) is None and control_chart_test(150, 100, 70, 70) is None


def _cards(**rows: dict) -> pd.DataFrame:
    base = {"status": None, "expected_low": None, "expected_high": None}
    return pd.DataFrame([{"kpi": k, **base, **r} for k, r in rows.items()])


def chart(status: str, low: float, high: float) -> dict:
    return {"status": status, "expected_low": low, "expected_high": high}


def test_change_signals_noise_when_any_test_says_so():
    cards = _cards(
        nps={"value": 50.0, "prev_period": 41.5, "change_prev": 8.5},
        revenue={"value": 150.0, "prev_period": 100.0, "change_prev": 0.5, **chart("alert", 70.0, 130.0)},
        aov={"value": 110.0, "prev_period": 100.0, "change_prev": 0.1, **chart("normal", 70.0, 130.0)},
        repurchase_rate_customers={"value": 0.5, "prev_period": 0.3, "change_prev": 20.0, **chart("normal", 0.0, 1.2)},
        churn_rate={"value": 0.5, "prev_period": 0.3, "change_prev": 20.0},
        clv_total={"value": 9.0, "prev_period": 8.0, "change_prev": 0.125},
        buyers={"value": None, "prev_period": 8.0, "change_prev": None},
    )
    metrics = {
        "satisfaction": {"nps_change_p_value": 0.31, "nps_change_low": -7.9, "nps_change_high": 24.9},
        "repurchase": {"buyers": 100, "buyers_prev_period": 100},
        "churn": {"churn_rate_n": 100, "churn_rate_n_prev_period": 100},
    }
    got = dict(zip(cards["kpi"], change_signals(cards, metrics, P)))
    assert got == {
        "nps": "noise",  # p = 0.31
        "revenue": "significant",  # 50 against a month-to-month se of 14.1
        "aov": "noise",
        # significant as proportions (p = 0.004) but within the control chart's wide month-to-month noise
        "repurchase_rate_customers": "noise",
        "churn_rate": "significant",  # 50 of 100 churned against 30 of 100
        "clv_total": "untested",
        "buyers": "untested",  # no change
    }
    # an interval that includes zero is noise even with a small p
    metrics["satisfaction"] = {"nps_change_p_value": 0.01, "nps_change_low": -0.5, "nps_change_high": 17.5}
    assert change_signals(cards, metrics, P).iloc[0] == "noise"
    metrics["satisfaction"] = {"nps_change_p_value": 0.01, "nps_change_low": 2.0, "nps_change_high": 15.0}
    assert change_signals(cards, metrics, P).iloc[0] == "significant"
    assert not math.isnan(proportion_test(0.2, 10, 0.2, 10)[0])
