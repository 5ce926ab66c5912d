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
from repurchase.core.periods import Window

END = pd.Timestamp("1998-07-01")  # CDNOW: the report period 1998-06 ends here


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    return cdnow()


@pytest.fixture(scope="module")
def lv_weeks(tx):
    return lv.run_lifetime_value(tx, Window.ending(END), LifetimeValueSettings(bootstrap_draws=0))


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
    assert bridge.full_model(lv_weeks, "bgnbd") is lv_weeks.full_fits.fits["bgnbd"].model
    at_end = churn.model_based_at_end(lv_weeks, 90)
    own, _ = churn.model_based_churn(tx, W(END), 90)
    assert at_end.unavailable is None
    pd.testing.assert_frame_equal(at_end.table, own.table)
    # in another time unit (days) the horizon is converted: the same probabilities, up to the optimiser
    days = lv.run_lifetime_value(
        tx, Window.ending(END), LifetimeValueSettings(bootstrap_draws=0, time_unit="D"), models=("bgnbd",)
    )
    in_days = churn.model_based_at_end(days, 90).table
    np.testing.assert_allclose(in_days["p_no_purchase"], own.table["p_no_purchase"], atol=2e-3)


def test_the_cutoff_fit_counts_the_occasions_of_the_params():
    # A orders twice on day 0 (o0, o1) and once on day 30; B once on days 0 and 10
    tx = tx_of([("A", 0, 10), ("A", 0, 20), ("A", 30, 5), ("B", 0, 7), ("B", 10, 7)])
    window = Window.ending(pd.Timestamp("2026-02-10"))
    one, _ = _summary_only(tx, window, "customer_day")
    two, _ = _summary_only(tx, window, "order")
    assert one.set_index("customer_id")["frequency"].to_dict() == {"A": 1.0, "B": 1.0}
    assert two.set_index("customer_id")["frequency"].to_dict() == {"A": 2.0, "B": 1.0}
    # T up to the last day before the cutoff (Feb 9 = day 39) in weeks; recency from the first to the last occasion
    assert two.set_index("customer_id").loc["A", ["recency", "T"]].tolist() == pytest.approx([30 / 7, 39 / 7])


def _summary_only(tx, window, occasion):
    """The summary fit_bgnbd fits on (the fit itself needs more customers than this fixture has)."""
    try:
        return bridge.fit_bgnbd(tx, window, occasion=occasion)
    except Exception:
        rows = tx[tx["order_date"] < window.end_exclusive]
        return lv.customer_summary(rows, window, occasion=occasion, amount_col=None), None


def test_the_cutoff_fit_is_the_lifetime_value_fit_on_the_data_before(tx):
    cutoff = pd.Timestamp("1997-10-01")
    summary, fit = bridge.fit_bgnbd(tx, Window.ending(cutoff))
    ref = lv.customer_summary(tx[tx["order_date"] < cutoff], Window.ending(cutoff))
    pd.testing.assert_frame_equal(
        summary.set_index("customer_id")[["frequency", "recency", "T"]].sort_index(),
        ref.set_index("customer_id")[["frequency", "recency", "T"]].sort_index(),
    )
    assert fit.params == pytest.approx(lv.fit_model(ref, lv.BGNBD).params, rel=1e-9)
    scores = bridge.no_purchase(summary, fit, 90)
    assert list(scores.columns) == bridge.SCORE_COLUMNS and scores["p_no_purchase"].between(0, 1).all()
