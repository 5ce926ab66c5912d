"""Tests of :func:`repurchase.churn.history.value_at_risk_by_month` on the seeded simulated client."""

from __future__ import annotations

import pandas as pd
import pytest
from churn_cases import simulated

from repurchase import churn
from repurchase import lifetime_value as lv
from repurchase.churn.history import value_at_risk_by_month
from repurchase.core.params import ChurnSettings, LifetimeValueSettings
from repurchase.core.periods import Period
from repurchase.lifetime_value.history import clv_by_month

PERIOD = Period.from_label("2026-04")
LABELS = [PERIOD.shift(-k).label for k in range(11, -1, -1)]


@pytest.fixture(scope="module")
def spend_run() -> tuple[pd.DataFrame, churn.ChurnResult]:
    tx, _, _ = simulated()
    tx = tx[tx["order_date"] < PERIOD.end_exclusive]
    return tx, churn.run_churn(tx, PERIOD, ChurnSettings(value_basis="annual_spend"))


def test_last_month_is_the_report_value_at_risk(spend_run) -> None:
    tx, res = spend_run
    assert res.warning.model is not None and res.value.basis == "annual_spend"
    series = value_at_risk_by_month(res, tx, PERIOD)
    assert list(series) == LABELS
    assert series["2026-04"] == pytest.approx(churn.churn_metrics(res)["value_at_risk"], rel=1e-9)
    assert series["2026-04"] > 0 and len(set(series.values())) > 6  # the months differ


def test_purchases_after_a_month_end_do_not_change_that_month(spend_run) -> None:
    tx, res = spend_run
    # a new customer with a big purchase in April counts (if at all) only from April on
    late = pd.DataFrame(
        {"customer_id": ["NEW"], "order_id": ["new1"], "order_date": [pd.Timestamp("2026-04-20")],
         "amount": [10_000.0], "refund_amount": [0.0], "category": ["tea"], "channel": ["app"]}
    )  # fmt: skip
    with_late = value_at_risk_by_month(res, pd.concat([tx, late], ignore_index=True), PERIOD)
    base = value_at_risk_by_month(res, tx, PERIOD)
    for label in LABELS[:-1]:
        assert with_late[label] == pytest.approx(base[label], rel=1e-12)


def test_clv_basis_uses_each_month_end_clv() -> None:
    tx, _, _ = simulated()
    tx = tx[tx["order_date"] < PERIOD.end_exclusive]
    life = lv.run_lifetime_value(tx, PERIOD, LifetimeValueSettings(bootstrap_draws=0))
    res = churn.run_churn(tx, PERIOD, ChurnSettings(), lifetime_value=life)
    assert res.value.basis == "clv"
    values = {m: c.set_index("customer_id")["clv"].round(2) for m, c in clv_by_month(life, tx, PERIOD).items()}
    series = value_at_risk_by_month(res, tx, PERIOD, values=values)
    assert list(series) == LABELS
    assert series["2026-04"] == pytest.approx(churn.churn_metrics(res)["value_at_risk"], abs=0.01)
    # without the CLV of a month that month is left out
    del values["2025-10"]
    assert "2025-10" not in value_at_risk_by_month(res, tx, PERIOD, values=values)


def test_no_model_gives_no_series() -> None:
    tx, _, _ = simulated()
    short = tx[(tx["order_date"] >= "2026-02-01") & (tx["order_date"] < PERIOD.end_exclusive)]
    res = churn.run_churn(short, PERIOD, ChurnSettings(value_basis="annual_spend"))
    assert res.warning.model is None
    assert value_at_risk_by_month(res, short, PERIOD) == {}


def test_series_on_codes_equals_the_series_on_ids(spend_run) -> None:
    # value_at_risk_by_month runs on integer customer codes: the reference recomputes two months on the IDs
    from repurchase.churn.definitions import customer_status, threshold_at
    from repurchase.churn.early_warning import _population
    from repurchase.churn.features import churn_features
    from repurchase.churn.lifetime_value_bridge import fit_bgnbd
    from repurchase.core.periods import Window

    tx, res = spend_run
    _, customers, surveys = simulated()
    res = churn.run_churn(tx, PERIOD, ChurnSettings(value_basis="annual_spend"), customers=customers, surveys=surveys)
    w = res.warning
    assert w.feature_kwargs["customers"] is not None  # the side sources are encoded too
    series = value_at_risk_by_month(res, tx, PERIOD)
    # the BG/NBD feature of every month comes from the one BG/NBD of the report month end: no model is refitted
    bgnbd = fit_bgnbd(tx, Window.ending(PERIOD.end_exclusive))[1]
    for label in ("2025-07", "2026-01"):
        cut = Period.from_label(label).end_exclusive
        known = tx[tx["order_date"] < cut]
        theta = threshold_at(known, cut, **w.threshold_kwargs)
        X = _population(
            churn_features(known, Window.ending(cut), bgnbd_fit=bgnbd, **w.feature_kwargs), theta, w.population
        )
        assert X["bgnbd_p_no_purchase"].notna().all()
        assert X.index.dtype == object
        p = w.model.predict_proba(X.reindex(columns=w.features))[:, 1]
        spend = customer_status(known, Window.ending(cut), 1).set_index("customer_id")["spend_365d"]
        worth = spend.reindex(X.index).fillna(0.0).to_numpy(dtype=float)
        assert series[label] == float(worth[p >= res.settings.at_risk_probability].sum())
        assert series[label] > 0


def test_the_churn_stage_reads_the_stored_clv_history(monkeypatch) -> None:
    import repurchase.lifetime_value.history as lv_history

    tx, _, _ = simulated()
    tx = tx[tx["order_date"] < PERIOD.end_exclusive]
    life = lv.run_lifetime_value(tx, PERIOD, LifetimeValueSettings(bootstrap_draws=0))
    recomputed = churn.run_churn(tx, PERIOD, ChurnSettings(), lifetime_value=life).risk_history  # no history yet
    life.history = lv_history.clv_history(life, tx, PERIOD)
    assert len(life.history.columns) == 12

    def not_again(*args, **kwargs):
        raise AssertionError("the CLV history was computed again")

    monkeypatch.setattr(lv_history, "clv_by_month", not_again)
    stored = churn.run_churn(tx, PERIOD, ChurnSettings(), lifetime_value=life).risk_history
    assert stored == recomputed and len(stored) == 12
