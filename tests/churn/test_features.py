"""Early-warning features use only data before the cutoff, labels only the label window (leakage tests)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from churn_cases import CUTOFF, D0, W, label_window, simulated, tx_of

from repurchase import churn
from repurchase.core.errors import AnalysisError


def _features(tx, customers, surveys):
    return churn.churn_features(tx, W(CUTOFF), customers=customers, surveys=surveys, bgnbd_window_days=60)


def test_features_ignore_everything_from_the_cutoff_on():
    tx, customers, surveys = simulated()
    base = _features(tx, customers, surveys)
    after = tx["order_date"] >= CUTOFF
    assert after.sum() > 100 and len(base) > 300
    # 1. delete every transaction, survey and sign-up dated from the cutoff on
    deleted = _features(
        tx[~after], customers[customers["signup_date"] < CUTOFF], surveys[surveys["response_date"] < CUTOFF]
    )
    # 2. change them: amounts x 10, other categories and channels, new customers, other scores
    changed = tx.copy()
    changed.loc[after, "amount"] *= 10
    changed.loc[after, "category"] = "new-category"
    changed.loc[after, "channel"] = "livestream"
    changed.loc[after, "refund_amount"] = 99.0
    extra = changed[after].assign(customer_id="NEW-" + changed.loc[after, "customer_id"])
    changed = pd.concat([changed, extra], ignore_index=True)
    sv = surveys.copy()
    sv.loc[sv["response_date"] >= CUTOFF, "nps"] = 0.0
    cu = customers.copy()
    cu.loc[cu["signup_date"] >= CUTOFF, "acquisition_channel"] = "ads"
    modified = _features(changed, cu, sv)
    pd.testing.assert_frame_equal(deleted, base)
    pd.testing.assert_frame_equal(modified, base)
    assert base["bgnbd_p_no_purchase"].notna().all()
    # the tier has no date, so it is never a feature; a dated tier is used only when dated before the cutoff
    assert "tier_rank" not in base.columns
    dated = customers.assign(tier_date=CUTOFF - pd.Timedelta(days=1))
    dated.loc[dated.index[:10], "tier_date"] = CUTOFF  # recorded on the cutoff day: unknown at the cutoff
    with_tier = churn.churn_features(
        tx, W(CUTOFF), customers=dated, tier_date_col="tier_date", tier_order=["normal", "gold"]
    )
    ranks = with_tier["tier_rank"]
    assert ranks.reindex(dated["customer_id"].iloc[:10]).isna().all()
    assert set(ranks.dropna().unique()) <= {0.0, 1.0} and ranks.notna().sum() > 300


def test_a_bgnbd_that_does_not_fit_leaves_the_feature_missing(monkeypatch):
    def fail(*args, **kwargs):
        raise AnalysisError("BG/NBD did not converge")

    monkeypatch.setattr(churn.lifetime_value_bridge, "fit_bgnbd", fail)
    tx, _, _ = simulated(120)
    features = churn.churn_features(tx, W(CUTOFF), bgnbd_window_days=60)
    assert features["bgnbd_p_no_purchase"].isna().all() and features["recency_days"].notna().all()


def test_features_by_hand():
    # customer A: days 0 (100 + refund 20 on the line), 30 (50), 80 (30) before the cutoff on day 100; one line after
    tx = tx_of([("A", 0, 100), ("A", 30, 50), ("A", 80, 30), ("A", 120, 999)], category=["t", "t", "h", "h"])
    tx.loc[0, "refund_amount"] = 20.0
    f = churn.churn_features(tx, W(D0 + pd.Timedelta(days=100))).loc["A"]
    # last observed day 99: recency 99 - 80 = 19, tenure 99, gaps 30 and 50
    assert (f["recency_days"], f["frequency"], f["tenure_days"], f["spend_total"]) == (19, 3, 99, 180)
    assert (f["gap_mean"], f["gap_std"], f["gap_last"], f["gap_max"]) == (40, 10, 50, 50)
    assert f["overdue_ratio"] == pytest.approx(19 / 40)
    # last 90 days = days 10..99: occasions on 30 and 80 (spend 80); days 91..180 before: day 0 (100)
    assert (f["occasions_90d"], f["spend_90d"], f["spend_prev_90d"]) == (2, 80, 100)
    assert f["spend_trend"] == pytest.approx((80 - 100) / 180)
    assert f["refund_share"] == pytest.approx(20 / 200)  # refunded 20 of gross 180 + 20
    assert (f["cat_t"], f["cat_h"], f["n_categories"]) == (pytest.approx(150 / 180), pytest.approx(30 / 180), 2)


def test_labels_read_only_the_label_window():
    tx, _, _ = simulated()
    ids = pd.Index(sorted(tx["customer_id"].unique()))
    base = churn.churn_labels(tx, ids, label_window(CUTOFF, 60))
    window = (tx["order_date"] >= CUTOFF) & (tx["order_date"] < CUTOFF + pd.Timedelta(days=60))
    outside = tx.copy()
    outside.loc[~window, "amount"] = 1.0
    outside = outside.drop(outside.index[(~window).to_numpy()][::2])  # delete half the rows outside the window
    pd.testing.assert_series_equal(churn.churn_labels(outside, ids, label_window(CUTOFF, 60)), base)
    # a purchase moved into the window flips that customer's label, and only that one
    churned = base[base].index[0]
    moved = pd.concat([tx, tx_of([(churned, "2026-03-30", 10)]).drop(columns="order_id")], ignore_index=True)
    flipped = churn.churn_labels(moved, ids, label_window(CUTOFF, 60))
    assert not flipped[churned] and (flipped != base).sum() == 1
    # the window is [cutoff, cutoff + N days): a purchase on day N counts for the next window
    edge = pd.concat([tx, tx_of([(churned, "2026-04-30", 10)]).drop(columns="order_id")], ignore_index=True)
    assert churn.churn_labels(edge, ids, label_window(CUTOFF, 60))[churned]
    with pytest.raises(AnalysisError, match="needs a start"):
        churn.churn_labels(tx, ids, W(CUTOFF))


def test_the_bgnbd_feature_counts_the_occasions_of_the_params(monkeypatch):
    """The BG/NBD fitted at a cutoff follows repurchase.occasion (customer-days or orders), like every other feature."""
    seen = []
    fit = churn.lifetime_value_bridge.fit_bgnbd

    def spy(*args, **kwargs):
        seen.append(kwargs["occasion"])
        return fit(*args, **kwargs)

    monkeypatch.setattr(churn.lifetime_value_bridge, "fit_bgnbd", spy)
    tx, _, _ = simulated(200)
    by_day = churn.churn_features(tx, W(CUTOFF), bgnbd_window_days=60)
    same_day = tx.assign(order_date=tx["order_date"].dt.normalize() + pd.Timedelta(hours=9))  # every order at 09:00
    doubled = pd.concat([same_day, same_day.assign(order_id=same_day["order_id"] + "b")], ignore_index=True)
    by_order = churn.churn_features(doubled, W(CUTOFF), bgnbd_window_days=60, occasion="order")
    assert seen == ["customer_day", "order"]
    # every order doubled: as orders, at least twice the customer-days (some days already held two orders)
    assert (by_order["frequency"] >= 2 * by_day["frequency"]).all()
    assert not np.allclose(by_order["bgnbd_p_no_purchase"], by_day["bgnbd_p_no_purchase"])


def test_a_given_bgnbd_fit_is_applied_instead_of_fitting_one():
    from repurchase.churn.lifetime_value_bridge import fit_bgnbd

    tx, _, _ = simulated()
    own = churn.churn_features(tx, W(CUTOFF), bgnbd_window_days=60)
    same = churn.churn_features(tx, W(CUTOFF), bgnbd_window_days=60, bgnbd_fit=fit_bgnbd(tx, W(CUTOFF))[1])
    pd.testing.assert_frame_equal(same, own)  # the fit at the cutoff given: the same features
    later = fit_bgnbd(tx, W(pd.Timestamp("2026-06-01")))[1]  # a fit on more data scores the same customers
    other = churn.churn_features(tx, W(CUTOFF), bgnbd_window_days=60, bgnbd_fit=later)
    assert other.index.equals(own.index)
    pd.testing.assert_frame_equal(other.drop(columns="bgnbd_p_no_purchase"), own.drop(columns="bgnbd_p_no_purchase"))
    assert not np.allclose(other["bgnbd_p_no_purchase"], own["bgnbd_p_no_purchase"])


def test_the_spend_mix_matches_values_by_their_text_and_skips_missing_ones():
    from repurchase.churn.features import _mix

    values = pd.Series(["tea", None, 7, "tea", "7", np.nan], dtype=object)  # 7 and "7" are the same text
    line_code = np.array([0, 0, 0, 1, 1, 1])
    amount = np.array([10.0, 5.0, 20.0, 30.0, 40.0, 50.0])
    total = np.array([35.0, 120.0])
    out = _mix(values, line_code, amount, total, pd.Index(["A", "B"]), ["tea", "7", "coffee"], "cat_")
    assert list(out.columns) == ["cat_tea", "cat_7", "cat_coffee"]
    np.testing.assert_allclose(out["cat_tea"], [10 / 35, 30 / 120])
    np.testing.assert_allclose(out["cat_7"], [20 / 35, 40 / 120])
    np.testing.assert_allclose(out["cat_coffee"], [0.0, 0.0])
