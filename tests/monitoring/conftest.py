"""Shared fixtures of the monitoring tests: CDNOW_sample as cleaned transactions, and its results as of 1997-09."""

from __future__ import annotations

import pytest

from repurchase import lifetime_value as lv
from repurchase.core.occasions import purchase_occasions
from repurchase.core.params import LifetimeValueSettings
from repurchase.core.periods import Period
from repurchase.kpis.monthly import monthly_kpis


@pytest.fixture(scope="session")
def cdnow_1997_09(cdnow):
    """(transactions to 1997-09-30, the period, its monthly KPIs, the lifetime-value result with BG/NBD)."""
    period = Period.from_label("1997-09")
    tx = cdnow[cdnow["order_date"] < period.end_exclusive].reset_index(drop=True)
    settings = LifetimeValueSettings(model="bgnbd", calibration_start="1997-01-01", bootstrap_draws=0, holdout_weeks=13)
    result = lv.run_lifetime_value(tx, period, settings)
    monthly = monthly_kpis(purchase_occasions(tx), period)
    return tx, period, monthly, result
