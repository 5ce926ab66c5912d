"""CLV: discounting, margin and intervals, observed spend, reading tables, groups, CAC, heuristic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from repurchase import lifetime_value as lv
from repurchase.core.params import LifetimeValueSettings
from repurchase.core.periods import Window

HOLDOUT_END = "1998-06-30"


def test_clv_discounting_margin_and_intervals(cdnow_result):
    res = cdnow_result
    clv = res.clv
    assert clv.discount.monthly == pytest.approx(1.1 ** (1 / 12) - 1)
    assert "0.7974% a month" in lv.text.discount_text(clv.discount)
    c = clv.customers
    assert {"expected_purchases", "p_alive", "p_buy_again", "clv", "clv_low", "clv_high"} <= set(c.columns)
    assert (c["clv_low"] <= c["clv"] + 1e-9).mean() > 0.95 and (c["clv"] <= c["clv_high"] + 1e-9).mean() > 0.95
    est, lo, hi = clv.total("clv")
    assert lo < est < hi
    assert est == pytest.approx(c["clv"].sum())
    assert (c["p_buy_again"] <= c["p_alive"] + 1e-12).all()
    # without discounting, CLV = margin × expected spend × expected purchases
    plain = lv.customer_lifetime_value(
        res.summary, res.full_fit, res.full_spend_fit, discount_rate_annual=0.0, margin=0.4, draws=0
    )
    pc = plain.customers
    np.testing.assert_allclose(pc["clv"], 0.4 * pc["expected_spend"] * pc["expected_purchases"], rtol=1e-10)
    assert np.isnan(plain.total("clv")[1])
    # intervals are reproducible with the seed
    again = lv.customer_lifetime_value(res.summary, res.full_fit, res.full_spend_fit, draws=100, seed=0)
    assert again.total("clv") == pytest.approx(clv.total("clv"))


@pytest.mark.parametrize("model", [lv.BGNBD, lv.ParetoNBD])
def test_clv_intervals_equal_a_customer_by_customer_bootstrap(cdnow_result, model):
    """The chunked, per-(x, T)-pair CLV draws equal the direct formula evaluated for every customer.

    The reference draws the same parameter sets (same seed, same order), evaluates
    E[purchases in (T, T + t]] for each customer and month, discounts the monthly increments,
    multiplies by each customer's Gamma-Gamma spend, and takes the quantiles. The small
    ``memory_elements`` forces many chunks.
    """
    from repurchase.lifetime_value._common import DAYS_PER_MONTH, UNIT_DAYS

    res = cdnow_result
    fit = res.full_fit if model is lv.BGNBD else lv.fit_model(res.summary, model)
    spend_fit, draws, margin = res.full_spend_fit, 40, 0.3
    clv = lv.customer_lifetime_value(
        res.summary, fit, spend_fit, draws=draws, seed=7, margin=margin, memory_elements=20_000
    )
    assert clv.draws == draws
    rng = np.random.default_rng(7)
    tp, sp = fit.draw(draws, rng), spend_fit.draw(draws, rng)
    s = res.summary
    x, tx, T, m = (s[c].to_numpy(float)[:, None] for c in ("frequency", "recency", "T", "monetary_value"))
    t = DAYS_PER_MONTH / UNIT_DAYS[fit.time_unit] * np.arange(1, 13)
    cum = fit.model.with_params({k: v[:, None, None] for k, v in tp.items()}).conditional_expected_purchases(
        t, x, tx, T
    )  # (D, N, 12), customer by customer
    disc = np.diff(cum, axis=-1, prepend=0.0) @ (1 + clv.discount.monthly) ** -np.arange(1, 13)
    spend = spend_fit.model.with_params({k: v[:, None] for k, v in sp.items()}).expected_spend(x.T, m.T)
    value = margin * disc * spend  # (D, N)
    c = clv.customers
    np.testing.assert_allclose(c["clv_low"], np.quantile(value, 0.05, axis=0), rtol=1e-9)
    np.testing.assert_allclose(c["clv_high"], np.quantile(value, 0.95, axis=0), rtol=1e-9)
    np.testing.assert_allclose(c["expected_purchases_low"], np.quantile(cum[..., -1], 0.05, axis=0), rtol=1e-9)
    np.testing.assert_allclose(c["expected_purchases_high"], np.quantile(cum[..., -1], 0.95, axis=0), rtol=1e-9)
    np.testing.assert_allclose(clv.total("clv")[1:], np.quantile(value.sum(axis=1), [0.05, 0.95]), rtol=1e-9)
    assert c["clv_low"].nunique() > 100  # not one value for everyone


def test_observed_spend_clv_by_hand():
    """spend_fit=None: CLV = margin × own mean spend per occasion × expected purchases (no discounting)."""
    summary = pd.DataFrame({"customer_id": ["A", "B"], "frequency": [1.0, 0.0], "recency": [2.0, 0.0],
                            "T": [4.0, 3.0], "monetary_value": [30.0, 0.0], "total_value": [40.0, 25.0]})  # fmt: skip
    fit = lv.FitResult(lv.BGNBD({"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}), {}, np.eye(4) * 0.01, 0.0, 2, 2)
    clv = lv.customer_lifetime_value(summary, fit, None, horizon_months=6, discount_rate_annual=0.0, margin=0.5,
                                     draws=0)  # fmt: skip
    c = clv.customers.set_index("customer_id")
    # A: (10 + 30) / 2 occasions = 20 per purchase; B: 25 from its one purchase
    assert list(c["expected_spend"]) == [20.0, 25.0]
    np.testing.assert_allclose(c["clv"], 0.5 * c["expected_spend"] * c["expected_purchases"], rtol=1e-12)
    assert "own average spend per purchase" in lv.text.clv_text(clv)


def test_reading_tables(cdnow, cdnow_result):
    res = cdnow_result
    conc = lv.value_concentration(res.clv)
    assert list(conc["top_share"]) == [0.01, 0.05, 0.2]
    assert list(lv.text.concentration_table(res).frame["ltv_top"]) == ["top 1%", "top 5%", "top 20%"]
    assert conc["share_of_clv"].is_monotonic_increasing and conc["share_of_clv"].iloc[-1] < 1
    pd.testing.assert_frame_equal(res.concentration, conc)
    by_cohort = lv.clv_by_group(res.clv, "cohort")
    assert list(by_cohort["cohort"]) == ["1997-01", "1997-02", "1997-03"]
    assert by_cohort["clv_total"].sum() == pytest.approx(res.clv.total("clv")[0])
    pd.testing.assert_frame_equal(res.groups["cohort"], by_cohort)
    heuristic = lv.heuristic_clv(cdnow, res.clv, Window.through(HOLDOUT_END))
    assert heuristic.table["value"].notna().all() and "heuristic" in lv.text.describe_heuristic(res).lower()
    pd.testing.assert_frame_equal(res.heuristic.table, heuristic.table)
    assert list(heuristic.table["quantity"]) == list(lv.clv.HEURISTIC_ROWS)
    # CLV:CAC: a channel whose customers never bought counts with CLV 0
    ids = res.clv.customers["customer_id"]
    customers = pd.DataFrame(
        {
            "customer_id": [*ids, "NEVER1", "NEVER2"],
            "acquisition_channel": ["search"] * len(ids) + ["tv", "tv"],
            "acquisition_cost": [10.0] * len(ids) + [50.0, 50.0],
        }
    )
    cac = lv.clv_to_cac(res.clv, customers).set_index("acquisition_channel")
    assert cac.loc["tv", "clv_to_cac"] == 0 and cac.loc["tv", "buyers"] == 0
    assert cac.loc["search", "clv_to_cac"] == pytest.approx(
        (res.clv.customers["past_value"].mean() + res.clv.customers["clv"].mean()) / 10
    )
    assert cac.loc["search", "basis"] == "revenue"


def test_group_columns_from_first_purchase():
    tx = lv.simulate_transactions(600, seed=2, observation_days=300)
    rng = np.random.default_rng(0)
    tx["channel"] = rng.choice(["app", "web"], size=len(tx))
    groups = lv.customer_groups(tx, ["channel", "region"])
    assert list(groups.columns) == ["customer_id", "channel"]
    first = tx.sort_values("order_date", kind="stable").drop_duplicates("customer_id").set_index("customer_id")
    assert (groups.set_index("customer_id")["channel"] == first["channel"].loc[groups["customer_id"]]).all()
    # the run keeps CLV by channel (first purchase) and says that there is no region or store
    res = lv.run_lifetime_value(tx, None, LifetimeValueSettings(bootstrap_draws=0))
    assert set(res.groups["channel"]["channel"]) == {"app", "web"} and res.groups["region"] is None
    assert "no region column" in lv.text.describe_group(res, "region")


def test_export_rounds_money_to_cents_and_probabilities_to_four_places(cdnow_result):
    export = lv.clv_export(cdnow_result)
    for col, places in (("clv", 2), ("clv_low", 2), ("expected_spend", 2), ("monetary_value", 2), ("past_value", 2),
                        ("p_alive", 4), ("p_buy_again", 4), ("expected_purchases", 4)):  # fmt: skip
        scaled = export[col].to_numpy() * 10**places
        np.testing.assert_allclose(scaled, np.round(scaled), atol=1e-6, err_msg=col)
    # same rows and order as the unrounded predictions
    assert list(export["customer_id"]) == list(
        cdnow_result.clv.customers.sort_values("clv", ascending=False)["customer_id"]
    )
