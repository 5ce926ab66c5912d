"""The customer summary: hand-computed, equal to lifetimes, occasions as params say, windows, the split."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from repurchase import lifetime_value as lv
from repurchase.core.errors import AnalysisError, DataError
from repurchase.core.periods import Period, Window

CAL_END, HOLDOUT_END = "1997-09-30", "1998-06-30"


def _hand_fixture() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["A", "A", "A", "A", "A", "B", "B", "A"],
            "order_id": ["1", "1", "2", "3", "4", "5", "6", "7"],
            "order_date": pd.to_datetime(
                [
                    "2024-01-01",
                    "2024-01-01",
                    "2024-01-08",
                    "2024-01-22",
                    "2024-01-22",
                    "2024-01-15",
                    "2024-01-15",
                    "2024-02-10",
                ]
            ),
            "amount": [10.0, 5.0, 20.0, 10.0, 20.0, 7.0, 3.0, 99.0],
        }
    )


def test_summary_hand_computed_fixture(helpers):
    """Same-day orders are one occasion; a one-time buyer has monetary 0; rows after the end are ignored."""
    tx = _hand_fixture()
    s = lv.customer_summary(tx, Window.through("2024-01-29")).set_index("customer_id")
    # A: occasions on day 0 (15), day 7 (20), day 21 (30) → 2 repeats; the 2024-02-10 row is after the end
    assert s.loc["A", "frequency"] == 2
    assert s.loc["A", "recency"] == pytest.approx(21 / 7)
    assert s.loc["A", "T"] == pytest.approx(28 / 7)
    assert s.loc["A", "monetary_value"] == pytest.approx((20 + 30) / 2)
    assert s.loc["A", "total_value"] == pytest.approx(65)
    # B: two lines on one day → one occasion, a one-time buyer
    assert s.loc["B", "frequency"] == 0
    assert s.loc["B", "recency"] == 0
    assert s.loc["B", "T"] == pytest.approx(14 / 7)
    assert s.loc["B", "monetary_value"] == 0
    days = lv.customer_summary(tx, Window.through("2024-01-29"), time_unit="D").set_index("customer_id")
    assert days.loc["A", "T"] == 28 and days.loc["A", "recency"] == 21
    # calibration/holdout: A buys once more on 2024-02-10 (holdout), B never
    ch = lv.calibration_holdout_summary(tx, *helpers.cal_holdout("2024-01-29", "2024-02-12")).set_index("customer_id")
    assert ch.loc["A", "frequency_holdout"] == 1 and ch.loc["A", "monetary_value_holdout"] == 99
    assert ch.loc["B", "frequency_holdout"] == 0 and ch.loc["B", "monetary_value_holdout"] == 0
    assert ch["duration_holdout"].iloc[0] == pytest.approx(14 / 7)


def test_occasion_order_counts_two_orders_on_one_day():
    """repurchase.occasion: with ``order`` two orders of one day are two occasions, with ``customer_day`` one."""
    tx = pd.DataFrame(
        {
            "customer_id": ["A", "A", "A", "B"],
            "order_id": ["1", "2", "3", "4"],
            "order_date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-15", "2024-01-03"]),
            "amount": [10.0, 30.0, 20.0, 5.0],
        }
    )
    window = Window.through("2024-01-31")
    by_day = lv.customer_summary(tx, window, occasion="customer_day").set_index("customer_id")
    by_order = lv.customer_summary(tx, window, occasion="order").set_index("customer_id")
    assert by_day.loc["A", "frequency"] == 1 and by_order.loc["A", "frequency"] == 2
    assert by_day.loc["A", "monetary_value"] == 20  # the repeat is the 01-15 purchase
    assert by_order.loc["A", "monetary_value"] == pytest.approx((30 + 20) / 2)  # the second order of 01-01, then 01-15
    assert by_day.loc["A", "total_value"] == by_order.loc["A", "total_value"] == 60
    assert by_day.loc["A", "recency"] == by_order.loc["A", "recency"] == pytest.approx(2.0)
    assert by_order.loc["B", "frequency"] == by_day.loc["B", "frequency"] == 0
    # the whole run takes the occasion: orders give the customer one repeat purchase more
    res_day = lv.run_lifetime_value(tx, window, occasion="customer_day")
    res_order = lv.run_lifetime_value(tx, window, occasion="order")
    assert res_order.occasion == "order" and res_order.summary["frequency"].sum() == 2
    assert res_day.summary["frequency"].sum() == 1
    with pytest.raises(AnalysisError, match="no order column"):
        lv.customer_summary(tx.drop(columns="order_id"), window, occasion="order")


def test_a_window_measures_T_to_its_last_day():
    """A Period and the window through its last day give the same summary; later rows are left out."""
    tx = _hand_fixture()
    month = lv.customer_summary(tx, Period.from_label("2024-01"))
    through = lv.customer_summary(tx, Window.through("2024-01-31"))
    pd.testing.assert_frame_equal(month, through)
    assert month.attrs["observation_end"] == pd.Timestamp("2024-01-31")
    assert month.set_index("customer_id").loc["A", "T"] == pytest.approx(30 / 7)
    # the start of a window drops the earlier rows: A's first purchase is then 2024-01-08
    late = lv.customer_summary(tx, Window.ending("2024-02-01", start="2024-01-05")).set_index("customer_id")
    assert late.loc["A", "first_purchase"] == pd.Timestamp("2024-01-08") and late.loc["A", "frequency"] == 1


def _compare_with_lifetimes(tx: pd.DataFrame, end: str, cal_end: str, helpers) -> None:
    utils = helpers.lifetimes_utils()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lifetimes' own chained assignments
        ref = utils.summary_data_from_transaction_data(
            tx, "customer_id", "order_date", monetary_value_col="amount", observation_period_end=end, freq="D"
        )
        ref_ch = utils.calibration_and_holdout_data(
            tx, "customer_id", "order_date", calibration_period_end=cal_end, observation_period_end=end,
            freq="D", monetary_value_col="amount",
        )  # fmt: skip
    ours = lv.customer_summary(tx, Window.through(end)).set_index("customer_id").loc[ref.index]
    np.testing.assert_array_equal(ours["frequency"], ref["frequency"])
    np.testing.assert_allclose(ours["recency"], ref["recency"] / 7, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours["T"], ref["T"] / 7, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours["monetary_value"], ref["monetary_value"], rtol=1e-12, atol=1e-9)
    assert len(ours) == len(ref)

    ch = lv.calibration_holdout_summary(tx, *helpers.cal_holdout(cal_end, end)).set_index("customer_id")
    ch = ch.loc[ref_ch.index]
    assert len(ch) == len(ref_ch)
    np.testing.assert_array_equal(ch["frequency_cal"], ref_ch["frequency_cal"])
    np.testing.assert_allclose(ch["recency_cal"], ref_ch["recency_cal"] / 7, atol=1e-12)
    np.testing.assert_allclose(ch["T_cal"], ref_ch["T_cal"] / 7, atol=1e-12)
    np.testing.assert_allclose(ch["monetary_value_cal"], ref_ch["monetary_value_cal"], rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(ch["frequency_holdout"], ref_ch["frequency_holdout"])
    np.testing.assert_allclose(ch["duration_holdout"], ref_ch["duration_holdout"] / 7)
    # lifetimes averages raw rows in the holdout, we average occasions: equal where each day has one row
    hold = tx[(tx["order_date"] > cal_end) & (tx["order_date"] <= end)]
    multi = hold.groupby(["customer_id", "order_date"]).size().loc[lambda s: s > 1].index.get_level_values(0)
    single = ~ch.index.isin(multi)
    np.testing.assert_allclose(
        ch.loc[single, "monetary_value_holdout"], ref_ch.loc[single, "monetary_value_holdout"], rtol=1e-12
    )


def test_summary_equals_lifetimes_on_cdnow(cdnow, helpers):
    _compare_with_lifetimes(cdnow, HOLDOUT_END, CAL_END, helpers)


def test_summary_equals_lifetimes_on_simulated_order_lines(helpers):
    tx = lv.simulate_transactions(1500, lines_per_occasion=0.6, observation_days=400, seed=3)
    assert tx.duplicated(["customer_id", "order_date"]).any()  # several lines per day are exercised
    _compare_with_lifetimes(tx, "2025-01-31", "2024-09-30", helpers)


def test_summary_is_vectorised_over_categorical_ids(cdnow):
    as_cat = cdnow.assign(customer_id=cdnow["customer_id"].astype("category"))
    a = lv.customer_summary(as_cat).set_index("customer_id").sort_index()
    b = lv.customer_summary(cdnow).set_index("customer_id").sort_index()
    pd.testing.assert_frame_equal(a, b, check_index_type=False)


def test_errors_state_the_fix(cdnow):
    with pytest.raises(DataError, match=r"needs the column\(s\) amount; pass the right column names"):
        lv.customer_summary(cdnow.drop(columns="amount"))
    with pytest.raises(AnalysisError, match="not dates; parse it first"):
        lv.customer_summary(cdnow.assign(order_date=cdnow["order_date"].astype(str)))
    with pytest.raises(AnalysisError, match="after the period end"):
        lv.holdout_split(Window.through("1998-06-30"), holdout_end="1998-07-31")
    with pytest.raises(AnalysisError, match="is not before holdout_end"):
        lv.holdout_split(Window.through("1998-06-30"), calibration_end="1998-06-30")
    with pytest.raises(AnalysisError, match="no transactions on or before calibration_end"):
        lv.calibration_holdout_summary(cdnow, Window.through("1996-12-31"), Window.through(HOLDOUT_END))
    one_timers = cdnow.drop_duplicates("customer_id")
    with pytest.raises(AnalysisError, match=r"has a repeat purchase.*longer calibration period"):
        lv.fit_model(lv.customer_summary(one_timers), lv.BGNBD)
    with pytest.raises(AnalysisError, match="unknown model 'bgnb'"):
        lv.fit_model(lv.customer_summary(cdnow), "bgnb")
    with pytest.raises(AnalysisError, match="must be in \\[0, 1\\)"):
        lv.monthly_discount_rate(1.5)
    with pytest.raises(AnalysisError, match="not the day after the calibration ends"):
        lv.calibration_holdout_summary(cdnow, Window.through(CAL_END), Window.through(HOLDOUT_END, start="1997-11-01"))


def test_default_split_is_last_26_weeks():
    split = lv.holdout_split(Window.through("2025-06-30"))
    assert split.holdout_end == pd.Timestamp("2025-06-30")
    assert split.calibration_end == pd.Timestamp("2025-06-30") - pd.Timedelta(weeks=26)
    assert split.source == "default" and split.holdout_weeks == 26
    assert "default" in lv.text.split_text(split)
    # its windows: the holdout starts the day after the calibration ends
    assert split.holdout.start == split.calibration.end_exclusive and split.holdout.end == split.holdout_end


def test_holdout_longer_than_half_the_history_is_shortened_to_a_third():
    # history 2026-09-01 .. 2026-10-31: 60 days; 26 weeks > 30 days → a third, int(60 / 3) = 20 days
    period = Window.through("2026-10-31")
    split = lv.holdout_split(period, holdout_weeks=26, history_start="2026-09-01")
    assert split.calibration_end == pd.Timestamp("2026-10-11") and split.holdout_weeks == pytest.approx(20 / 7)
    assert split.requested_weeks == 26 and split.history_weeks == pytest.approx(60 / 7)
    assert "holdout_weeks 26 is more than half of the 8.6 weeks of history" in lv.text.split_text(split)
    # 52 weeks of history: 26 weeks is exactly half, kept (the default runs unchanged)
    kept = lv.holdout_split(period, holdout_weeks=26, history_start=pd.Timestamp("2026-10-31") - pd.Timedelta(weeks=52))
    assert kept.requested_weeks is None and kept.holdout_weeks == 26
    # 20 days of history: a third is 6 days, under the 14 a holdout needs
    from repurchase.core.errors import InsufficientData

    with pytest.raises(InsufficientData, match="too short for a holdout of at least 14 days"):
        lv.holdout_split(period, holdout_weeks=26, history_start="2026-10-11")
