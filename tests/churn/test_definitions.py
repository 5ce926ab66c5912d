"""θ with censoring, the fallback when it cannot be estimated, each customer's status, first-purchase attributes."""

from __future__ import annotations

import pandas as pd
import pytest
from churn_cases import CYCLE, CYCLE_END, D0, RATE_ROWS, W, tx_of

from repurchase import churn
from repurchase.core import i18n
from repurchase.core.errors import AnalysisError, PeriodError


def test_threshold_is_the_censored_kaplan_meier_quantile():
    tx = tx_of(CYCLE)
    median = churn.churn_threshold(tx, W(CYCLE_END), quantile=0.5, horizon_days=None)
    assert median.threshold_days == 40 and median.source == "kaplan_meier"
    assert churn.churn_threshold(tx, W(CYCLE_END), quantile=0.4, horizon_days=None).threshold_days == 30  # S(30) <= 0.6
    # within a 35-day horizon: F(35) = 1 - 15/28 = 13/28; 90% of it = 0.418; F(20) = 0.286, F(30) = 0.464 -> 30
    assert churn.churn_threshold(tx, W(CYCLE_END), quantile=0.9, horizon_days=35).threshold_days == 30
    text = churn.describe_definition(median)
    assert "Kaplan–Meier" in text and "40 days" in text


def test_threshold_errors_and_fixed_value():
    tx = tx_of(CYCLE)
    with pytest.raises(AnalysisError, match="quantile does not exist"):  # S never falls below 0.357
        churn.churn_threshold(tx, W(CYCLE_END), quantile=0.9, horizon_days=None)
    fixed = churn.churn_threshold(tx, W(CYCLE_END), threshold_days=45)
    assert (fixed.threshold_days, fixed.source) == (45, "fixed")
    assert "fixed in the params" in churn.describe_definition(fixed)
    with pytest.raises(AnalysisError, match="at least 1"):
        churn.churn_threshold(tx, W(CYCLE_END), threshold_days=0)
    with pytest.raises(PeriodError, match="day boundary"):
        churn.churn_threshold(tx, W(CYCLE_END + pd.Timedelta(hours=3)))
    with pytest.raises(AnalysisError, match="as a Window"):  # a bare timestamp is refused: no end convention to guess
        churn.churn_threshold(tx, CYCLE_END)


def test_threshold_falls_back_to_the_label_window_and_says_why():
    tx = tx_of(CYCLE)
    # the unconditional 90 % quantile does not exist (S stays at 5/14): theta = N = 45 days, with the reason
    d = churn.churn_threshold(tx, W(CYCLE_END), quantile=0.9, horizon_days=None, window_days=45, fallback=True)
    assert (d.threshold_days, d.source, d.unavailable.code) == (45, "default", "threshold_not_estimable")
    assert d.unavailable.key == "churn.unavailable.threshold_not_estimable"
    assert churn.describe_definition(d) == (
        "A customer has churned after more than 45 days without a purchase. θ could not be estimated from the purchase "
        "gaps: too few customers have bought again since the data began (2026-01-01) to read the 90% point of the days "
        "between purchases. θ is therefore set to the label window N = 45 days (churn.label_window_days); set "
        "churn.threshold_days to the number of days after which your customers count as lost."
    )
    assert churn.describe_definition(d, "zh").startswith("客户超过 45 天未购买即视为流失。无法根据购买间隔估计 θ")
    empty = churn.churn_threshold(tx, W(D0), window_days=30, fallback=True)  # nothing before Jan 1
    assert (empty.threshold_days, empty.unavailable.code) == (30, "threshold_no_purchases")
    # estimated from 95 days of data (Jan 1 - Apr 5), less than a year: a caution, theta unchanged
    km = churn.churn_threshold(tx, W(CYCLE_END), quantile=0.5, horizon_days=None)
    assert km.threshold_days == 40 and km.history_days == 95
    assert "Caution: θ was estimated from only 95 days of purchases (less than 365)" in churn.describe_definition(km)
    assert "This is θ at the period end" in churn.describe_definition(km)
    # every reason has its sentence in both languages
    assert all(i18n.has(f"churn.unavailable.{code}", lang) for code in churn.UNAVAILABLE_CODES for lang in ("en", "zh"))


def test_customer_status_on_the_last_observed_day():
    tx = tx_of(RATE_ROWS)
    status = churn.customer_status(tx, W("2026-03-01"), 30).set_index("customer_id")
    # on Feb 28: P 54 days, Q 39, R 1, S 18
    assert status["days_since_last"].to_dict() == {"P": 54, "Q": 39, "R": 1, "S": 18}
    assert status["status"].to_dict() == {"P": "churned", "Q": "churned", "R": "active", "S": "active"}
    # the report period (a calendar month) observes everything before its end: its start does not cut the history
    from repurchase.core.periods import Period

    month = churn.customer_status(tx, Period.from_label("2026-02"), 30).set_index("customer_id")
    pd.testing.assert_frame_equal(month, status)


def test_first_purchase_attributes():
    tx = tx_of(
        [("A", 3, 5), ("A", 3, 50), ("A", 1, 9), ("B", 40, 7)],
        category=["x", "y", "z", None],
        channel=["web", "app", "app", "web"],
    )
    got = churn.first_purchase_attributes(tx)
    # A's first line is day 1 (z); B's category is missing; B bought on Feb 10 -> 2026Q1
    assert got.loc["A", "first_category"] == "z" and got.loc["B", "first_category"] == "(unknown)"
    assert got["cohort"].tolist() == ["2026Q1", "2026Q1"] and got.loc["B", "first_channel"] == "web"


def test_churn_settings_validate():
    from repurchase.core.params import ChurnSettings

    with pytest.raises(ValueError, match="did you mean 'loyal/high'"):
        ChurnSettings(actions={"loyal/hihg": "x"})
    with pytest.raises(ValueError, match="two increasing shares"):
        ChurnSettings(value_band_shares=[0.5, 0.2])
