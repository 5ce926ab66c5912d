"""Kaplan–Meier, gap durations, the purchase cycle and its threshold (fixture: see conftest.py)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from repurchase import kpis as rp
from repurchase.core.errors import AnalysisError, InsufficientData, PeriodError
from repurchase.core.occasions import purchase_occasions
from repurchase.core.periods import Period, Window

PERIOD = Period.from_label("2024-03")  # exclusive end 2024-04-01 00:00


def test_gap_durations_censor_the_open_last_gap(occ):
    g = rp.gap_durations(occ, PERIOD)
    # B bought at 23:59 on the last day: open gap of 0 days, censored; B's April purchase is ignored
    b = g[g["customer_id"] == "B"]
    assert b["duration"].tolist() == [16.0, 0.0] and b["observed"].tolist() == [True, False]
    # D: 02-20 -> 03-31 = 40 days, censored
    d = g[g["customer_id"] == "D"]
    assert d["duration"].tolist() == [40.0] and not d["observed"].iloc[0]
    # closed: 15, 16, 24, 49, 283, 327; open: 0 (B), 6 (E), 11 (A), 21 (C), 40 (D)
    assert sorted(g.loc[g["observed"], "duration"]) == [15, 16, 24, 49, 283, 327]
    assert sorted(g.loc[~g["observed"], "duration"]) == [0, 6, 11, 21, 40]


def test_gap_durations_take_a_window_or_its_exclusive_end(occ):
    """The churn analysis passes the exclusive end as a timestamp: the same as Window.ending(end)."""
    by_period = rp.gap_durations(occ, PERIOD)
    pd.testing.assert_frame_equal(by_period, rp.gap_durations(occ, PERIOD.end_exclusive))
    pd.testing.assert_frame_equal(by_period, rp.gap_durations(occ, Window.ending("2024-04-01")))
    with pytest.raises(PeriodError, match="day boundary"):
        rp.gap_durations(occ, pd.Timestamp("2024-04-01 12:00"))
    # no window: through the day of the last occasion, B's 2024-04-01 purchase (an open gap of 0 days);
    # E's last purchase (2024-03-25) is then 7 days old
    g = rp.gap_durations(occ)
    assert g.loc[g["customer_id"] == "B", "duration"].tolist() == [16.0, 1.0, 0.0]
    assert g["duration"].iloc[-1] == 7.0
    with pytest.raises(InsufficientData, match="no purchases"):
        rp.gap_durations(occ.iloc[0:0])


def test_km_by_hand(occ):
    g = rp.gap_durations(occ, PERIOD)
    curve = rp.kaplan_meier(g["duration"], g["observed"]).set_index("time")
    # 11 gaps. Censored at 0, 6, 11 leave 8 at risk at t=15:  S = 7/8 = 0.875
    # t=16: 7 at risk: S = 0.875 * 6/7 = 0.75;  t=21 censored
    # t=24: 5 at risk: S = 0.75 * 4/5 = 0.6;    t=40 censored
    # t=49: 3 at risk: S = 0.6 * 2/3 = 0.4;  t=283: 0.4 * 1/2 = 0.2;  t=327: 0
    expected = {15: 0.875, 16: 0.75, 24: 0.6, 49: 0.4, 283: 0.2, 327: 0.0}
    for t, s in expected.items():
        assert curve.loc[t, "survival"] == pytest.approx(s)
    assert curve.loc[15, "at_risk"] == 8 and curve.loc[49, "at_risk"] == 3
    q = rp.km_quantiles(curve.reset_index(), (0.5, 0.9)).iloc[0]
    # median: first t with S <= 0.5 -> 49 (the naive median of closed gaps is (24 + 49) / 2 = 36.5)
    # p90: first t with S <= 0.1 -> 327
    assert (q["q50"], q["q90"]) == (49.0, 327.0)
    assert rp.naive_gap_stats(occ, PERIOD)["q50"] == 36.5
    # within a 100-day horizon: F(100) = 1 - 0.4 = 0.6. Median: F >= 0.3 first at t=24 (F = 0.4);
    # p90: F >= 0.54 first at t=49 (F = 0.6)
    w = rp.km_quantiles(curve.reset_index(), (0.5, 0.9), horizon_days=100).iloc[0]
    assert w["share_by_horizon"] == pytest.approx(0.6) and (w["q50"], w["q90"]) == (24.0, 49.0)


def test_km_quantile_not_reached_and_exact_hits():
    # 4 subjects: events at 1 and 2, censored at 3 and 4: S(1) = 3/4, S(2) = 3/4 * 2/3 = 0.5 exactly
    curve = rp.kaplan_meier([1, 2, 3, 4], [True, True, False, False])
    q = rp.km_quantiles(curve, (0.5, 0.9)).iloc[0]
    assert q["q50"] == 2.0  # S(2) = 0.5 <= 0.5 (lifelines' convention)
    assert q["q90"] == np.inf  # S never falls to 0.1
    with pytest.raises(AnalysisError, match=r">= 0|≥ 0"):
        rp.kaplan_meier([1, -2], [True, True])


def test_km_matches_lifelines_with_groups():
    from lifelines import KaplanMeierFitter

    rng = np.random.default_rng(7)
    n = 400
    durations = rng.integers(0, 120, n).astype(float)
    observed = rng.random(n) < 0.6
    groups = rng.choice(["a", "b"], n)
    curve = rp.kaplan_meier(durations, observed, groups)
    for g in ("a", "b"):
        sel = groups == g
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # lifelines' ApproximationWarning on percentiles
            kmf = KaplanMeierFitter().fit(durations[sel], observed[sel])
            median, p75 = kmf.median_survival_time_, kmf.percentile(0.25)
        ours = curve[curve["group"] == g].set_index("time")["survival"]
        theirs = kmf.survival_function_.iloc[:, 0].reindex(ours.index)
        np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), rtol=1e-12)
        q = rp.km_quantiles(curve[curve["group"] == g], (0.5, 0.75)).iloc[0]
        assert (q["q50"], q["q75"]) == (median, p75)


def test_purchase_cycle_by_category(tx):
    cyc = rp.purchase_cycle(tx, PERIOD, by="category", horizon_days=100, min_gaps=1).set_index("group")
    assert cyc.loc["all", "km_median"] == 49.0 and cyc.loc["all", "gaps"] == 11 and cyc.loc["all", "returned"] == 6
    # Phone occasions: B 03-15 (closed 16), C 03-10 (open 21), D 02-20 (open 40):
    # S(16) = 2/3; then only censoring -> median not reached
    assert cyc.loc["Phone", "gaps"] == 3 and cyc.loc["Phone", "km_median"] == np.inf
    assert cyc.loc["Phone", "returned_by_horizon"] == pytest.approx(1 / 3)
    assert cyc.loc["Phone", "window_median"] == 16.0
    # Snacks occasions: A 03-05 (15), D 02-20 (open 40), E 02-05 (49): S(15) = 2/3, S(49) = 0 -> median 49
    assert cyc.loc["Snacks", "km_median"] == 49.0
    # the curves by group: Phone's survival falls to 2/3 at 16 days and stays
    curves = rp.purchase_cycle_curves(tx, PERIOD, by="category")
    phone = curves[curves["group"] == "Phone"].set_index("time")
    assert phone.loc[16, "returned"] == pytest.approx(1 / 3) and phone["returned"].iloc[-1] == pytest.approx(1 / 3)
    overall = rp.purchase_cycle_curves(tx, PERIOD)
    assert set(overall["group"]) == {"all"} and overall.set_index("time").loc[49, "returned"] == pytest.approx(0.6)
    with pytest.raises(InsufficientData, match="no purchases before"):
        rp.purchase_cycle(tx, Window.ending("2023-01-01"))


def test_purchase_cycle_threshold(in_period):
    # horizon 100: p90 = 49 (see test_km_by_hand); unconditional p90 = 327
    assert rp.purchase_cycle_threshold(in_period, 0.9, window=PERIOD, horizon_days=100) == 49.0
    assert rp.purchase_cycle_threshold(in_period, 0.9, window=PERIOD, horizon_days=None) == 327.0
    # the exclusive end as a timestamp (as the churn analysis passes it) is the same observation
    assert rp.purchase_cycle_threshold(in_period, 0.9, end=PERIOD.end_exclusive, horizon_days=100) == 49.0
    with pytest.raises(AnalysisError, match="window or end"):
        rp.purchase_cycle_threshold(in_period, window=PERIOD, end=PERIOD.end_exclusive)
    with pytest.raises(AnalysisError, match="between 0 and 1"):
        rp.purchase_cycle_threshold(in_period, 1.5)
    once = in_period[in_period["customer_id"] == "D"]
    with pytest.raises(AnalysisError, match="threshold_days"):
        rp.purchase_cycle_threshold(once, window=PERIOD)
    # A (closed 24, 15; open 11) and D (open 40): S falls to 1/3 at 24 days and no lower, so no p90
    a_and_d = in_period[in_period["customer_id"].isin(["A", "D"])]
    with pytest.raises(InsufficientData, match="quantile does not exist"):
        rp.purchase_cycle_threshold(a_and_d, 0.9, window=PERIOD, horizon_days=None)


def test_cdnow_naive_gaps_and_km_median(cdnow_tx, cdnow_days):
    from lifelines import KaplanMeierFitter

    occ = purchase_occasions(cdnow_tx)
    end = Period.from_label("1998-06")  # exclusive end 1998-07-01
    # naive closed gaps on CDNOW_sample: 4,339 gaps, mean 70.9, median 34, p90 196, p95 279
    naive = rp.naive_gap_stats(occ, end)
    assert naive["gaps"] == 4339 and naive["mean"] == pytest.approx(70.86, abs=0.01)
    assert (naive["q50"], naive["q90"], naive["q95"]) == (34.0, 196.0, 279.0)
    # independent durations: plain diff on the raw customer-days; open gaps to 1998-06-30 / 1997-12-31
    d = cdnow_days.assign(day=pd.to_datetime(cdnow_days["day"], format="%Y%m%d")).sort_values(["customer", "day"])
    for cut, lib_end, median in (("1998-06-30", end, 93.0), ("1997-12-31", Period.from_label("1997-12"), 115.0)):
        dd = d[d["day"] <= cut]
        closed = dd.groupby("customer")["day"].diff().dt.days.dropna()
        open_ = (pd.Timestamp(cut) - dd.groupby("customer")["day"].max()).dt.days
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # lifelines' ApproximationWarning on percentiles
            kmf = KaplanMeierFitter().fit(np.r_[closed, open_], np.r_[np.ones(len(closed)), np.zeros(len(open_))])
            ll_median, ll_p90 = kmf.median_survival_time_, kmf.percentile(0.1)
        gaps = rp.gap_durations(occ, lib_end)
        q = rp.km_quantiles(rp.kaplan_meier(gaps["duration"], gaps["observed"]), (0.5, 0.9)).iloc[0]
        assert q["q50"] == ll_median == median
        # more than 10 % of purchases are never followed by another: the censored p90 does not exist
        assert q["q90"] == ll_p90 == np.inf
    # the expected next-purchase window (365-day horizon): 35-192 days at 1998-06, p90 178 days at 1997-12
    assert rp.purchase_cycle_threshold(cdnow_tx, 0.5, window=end) == 35.0
    assert rp.purchase_cycle_threshold(cdnow_tx, 0.9, window=end) == 192.0
    assert (
        rp.purchase_cycle_threshold(
            cdnow_tx[cdnow_tx["order_date"] < "1998-01-01"], 0.9, window=Window.ending("1998-01-01")
        )
        == 178.0
    )


def test_cdnow_master_matches_the_notes(cdnow_file):
    """methods.md's CDNOW figures are CDNOW_master: naive gaps mean 72, median 34, p90 200, p95 283, 3,842 rows on
    shared days; its "KM p90 = 160 days with a 1997-12-31 cutoff" is the naive p90 of closed gaps up to that day:
    with open gaps censored, the Kaplan-Meier p90 does not exist."""
    raw = pd.read_csv(cdnow_file("CDNOW_master.txt"), sep=r"\s+", dtype={"customer_id": str, "date": str})
    tx = pd.DataFrame(
        {
            "customer_id": raw["customer_id"],
            "order_date": pd.to_datetime(raw["date"], format="%Y%m%d"),
            "amount": raw["dollar_value"].astype(float),
        }
    )
    occ = purchase_occasions(tx)
    assert occ.loc[occ["lines"] > 1, "lines"].sum() == 3842  # "3,842 rows fall on days with more than one row"
    naive = rp.naive_gap_stats(occ)
    assert round(naive["mean"]) == 72 and (naive["q50"], naive["q90"], naive["q95"]) == (34.0, 200.0, 283.0)
    cut = Window.through("1997-12-31")
    assert rp.naive_gap_stats(occ, cut)["q90"] == 160.0
    gaps = rp.gap_durations(occ, cut)
    assert rp.km_quantiles(rp.kaplan_meier(gaps["duration"], gaps["observed"]), (0.9,))["q90"].iloc[0] == np.inf
