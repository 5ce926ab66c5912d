"""Axis ticks: compact units with enough decimals for the step (issue #14, one formatter)."""

from __future__ import annotations

import pytest

from repurchase.core.formatting import format_number, format_ticks


@pytest.mark.parametrize(
    ("values", "lang", "symbol", "want"),
    [
        # ticks every 250K: 1.25M must not read 1.2M; one unit, one number of decimals
        ([0, 250e3, 500e3, 750e3, 1e6, 1.25e6], "en", "", ["0", "250K", "500K", "750K", "1.00M", "1.25M"]),
        ([0, 2_500, 5_000, 7_500, 10_000, 12_500], "en", "", ["0", "2,500", "5,000", "7,500", "10.0K", "12.5K"]),
        ([0, 5_000, 10_000, 15_000], "zh", "", ["0", "5,000", "1.0万", "1.5万"]),
        ([0, 2.5e7, 5e7, 7.5e7, 1e8], "zh", "", ["0", "2,500万", "5,000万", "7,500万", "1.00亿"]),
        ([1.2e6, 1.4e6, 1.6e6], "en", "¥", ["¥1.2M", "¥1.4M", "¥1.6M"]),
        ([-5_000, 0, 5_000], "en", "", ["-5,000", "0", "5,000"]),
        ([0, 0.5, 1, 1.5], "en", "", ["0", "0.5", "1.0", "1.5"]),
        ([0, 20, 40, 60], "en", "", ["0", "20", "40", "60"]),
    ],
)
def test_tick_labels_carry_the_decimals_their_step_needs(values, lang, symbol, want):
    assert format_ticks(values, lang, symbol) == want


def test_ticks_that_differ_never_read_the_same():
    ticks = [1.0e6 + k * 50e3 for k in range(6)]  # 1.00M, 1.05M, ... 1.25M
    labels = format_ticks(ticks)
    assert len(set(labels)) == len(labels) and labels[-1] == "1.25M"
    # one value at a time, 1.00M and 1.05M would both get one decimal
    assert format_number(1.0e6) == "1.0M"


def test_non_finite_ticks_are_blank():
    assert format_ticks([float("nan"), 0.0, 10.0]) == ["", "0", "10"]


def test_kpi_change_is_points_for_rates_and_scores_and_relative_otherwise():
    from repurchase.core.formatting import kpi_change

    assert kpi_change(0.25, 0.20, "rate") == pytest.approx(5.0)  # 25% from 20%: +5 points
    assert kpi_change(12.0, 20.5, "score") == pytest.approx(-8.5)
    assert kpi_change(150.0, 120.0, "money") == pytest.approx(0.25)
    assert kpi_change(3, 0, "count") is None and kpi_change(None, 1.0, "rate") is None
    assert kpi_change(float("nan"), 1.0, "money") is None
