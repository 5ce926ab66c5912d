"""One CLV and one full-data BG/NBD: what churn reads from the lifetime-value result, and its own fits at cutoffs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from churn_cases import W, cdnow, tx_of

from repurchase import churn
from repurchase import lifetime_value as lv
from repurchase.churn import lifetime_value_bridge as bridge
from repurchase.core.params import LifetimeValueSettings

END = pd.Timestamp("1998-07-01")  # CDNOW: the report period 1998-06 ends here


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    return cdnow()


@pytest.fixture(scope="module")
def lv_weeks(tx):
    return lv.run_lifetime_value(tx, LifetimeValueSettings(bootstrap_draws=0), period_end=END - pd.Timedelta(days=1))


def test_customer_values_are_the_clv_export(lv_weeks):
    values = bridge.customer_values(lv_weeks)
    assert list(values.columns) == bridge.CLV_COLUMNS and len(values) == len(lv_weeks.summary)
    export = lv.clv_export(lv_weeks).set_index("customer_id")
    got = values.set_index("customer_id")
    pd.testing.assert_frame_equal(got, export.reindex(index=got.index, columns=bridge.CLV_COLUMNS[1:]))
    assert got["clv_low"].isna().all()  # no bootstrap draws: no interval
    assert (got["clv"] == got["clv"].round(2)).all()  # rounded to cents, as in exports/clv.csv
    assert bridge.clv_horizon_months(lv_weeks) == 12 and bridge.clv_model(lv_weeks) == lv_weeks.model
    assert bridge.customer_values(None).empty and bridge.clv_model(None) == "" and bridge.full_model(None) is None


def test_the_period_end_score_is_the_lifetime_value_bgnbd(tx, lv_weeks):
    # the lifetime-value result's full-data BG/NBD is the fit churn made itself before: the same scores
    assert bridge.full_model(lv_weeks, "bgnbd") is lv_weeks.full_fits.fits["bgnbd"]
    at_end = churn.model_based_at_end(lv_weeks, 90)
    own, _ = churn.model_based_churn(tx, W(END), 90)
    assert at_end.unavailable is None
    pd.testing.assert_frame_equal(at_end.table, own.table)
    # in another time unit (days) the horizon is converted: the same probabilities, up to the optimiser
    days = lv.run_lifetime_value(
        tx, LifetimeValueSettings(bootstrap_draws=0, time_unit="D"), period_end=END - pd.Timedelta(days=1),
        models=("bgnbd",),
    )  # fmt: skip
    in_days = churn.model_based_at_end(days, 90).table
    np.testing.assert_allclose(in_days["p_no_purchase"], own.table["p_no_purchase"], atol=2e-3)


def test_the_cutoff_fit_counts_the_occasions_of_the_params():
    # A orders twice on day 0 (o0, o1) and once on day 30; B once on days 0 and 10
    tx = tx_of([("A", 0, 10), ("A", 0, 20), ("A", 30, 5), ("B", 0, 7), ("B", 10, 7)])
    one = bridge._occasion_summary(
        tx, pd.Timestamp("2026-02-09"), "customer_day", "customer_id", "order_id", "order_date"
    )
    two = bridge._occasion_summary(tx, pd.Timestamp("2026-02-09"), "order", "customer_id", "order_id", "order_date")
    assert one.set_index("customer_id")["frequency"].to_dict() == {"A": 1.0, "B": 1.0}
    assert two.set_index("customer_id")["frequency"].to_dict() == {"A": 2.0, "B": 1.0}
    # T up to the last day (Feb 9 = day 39) in weeks; recency from the first to the last occasion
    assert two.set_index("customer_id").loc["A", ["recency", "T"]].tolist() == pytest.approx([30 / 7, 39 / 7])


def test_the_cutoff_summary_equals_the_lifetime_value_summary(tx):
    # with customer-day occasions, the summary behind the cutoff fits is the lifetime-value customer summary
    cutoff = pd.Timestamp("1997-10-01")
    own = bridge._occasion_summary(tx[tx["order_date"] < cutoff], cutoff - pd.Timedelta(days=1), "customer_day",
                                   "customer_id", "order_id", "order_date")  # fmt: skip
    ref = lv.customer_summary(tx[tx["order_date"] < cutoff], observation_end=cutoff - pd.Timedelta(days=1))
    pd.testing.assert_frame_equal(
        own.set_index("customer_id").sort_index(),
        ref.set_index("customer_id")[["frequency", "recency", "T"]].sort_index(),
    )
