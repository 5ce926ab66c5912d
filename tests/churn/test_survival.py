"""Survival inputs (durations, censoring, the tier at the start of each spell), S(t) and the log-rank test."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from churn_cases import CYCLE, CYCLE_END, TIERS, W, tx_of

from repurchase import churn


def test_survival_inputs_durations_and_event_flags():
    spells = churn.survival_inputs(tx_of(CYCLE), W(CYCLE_END), frequency_tiers=TIERS)
    got = spells.sort_values(["customer_id", "start"])[
        ["customer_id", "occasion_no", "duration", "event", "frequency_tier"]
    ]
    expected = pd.DataFrame(
        {
            "customer_id": ["A", "A", "A", "B", "B", "B", "C"],
            "occasion_no": [1, 2, 3, 1, 2, 3, 1],
            "duration": [10.0, 20.0, 65.0, 30.0, 40.0, 25.0, 62.0],
            "event": [1, 1, 0, 1, 1, 0, 0],
            # the tier of the occasion count at the start of the spell
            "frequency_tier": ["one-time", "occasional", "high", "one-time", "occasional", "high", "one-time"],
        }
    )
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected, check_dtype=False)


def test_survival_at_and_logrank():
    spells = churn.survival_inputs(tx_of(CYCLE), W(CYCLE_END), frequency_tiers=TIERS)
    table = churn.survival_at(spells, None, horizons=(10, 30, 60, 90), min_group_size=1)
    row = table.iloc[0]
    assert (row["spells"], row["returned"], row["median_days"]) == (7, 4, 40.0)
    assert row["S(10)"] == pytest.approx(6 / 7)
    assert row["S(30)"] == pytest.approx(15 / 28)
    assert row["S(60)"] == pytest.approx(5 / 14)
    assert math.isnan(row["S(90)"])  # nobody was followed 90 days (longest spell 65)
    test = churn.logrank_test(spells, "frequency_tier", min_group_size=1)
    assert test["groups"] == 3 and test["degrees_of_freedom"] == 2 and 0 <= test["p_value"] <= 1
