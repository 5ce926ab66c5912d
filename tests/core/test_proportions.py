"""One definition of the proportion statistics: Wilson, Newcombe, the z-test and the change test."""

from __future__ import annotations

import numpy as np
import pytest

from repurchase import campaigns, kpis, satisfaction
from repurchase.core import proportions as pr
from repurchase.publish import changes


def test_wilson_by_hand_and_its_edges():
    # 4/10 at 95 %: z = 1.95996, centre (4 + z²/2) / (10 + z²) = 5.9207 / 13.8415 = 0.42775,
    # half z √(4·6/10 + z²/4) / (10 + z²) = 1.95996 · √(2.4 + 0.96036) / 13.8415 = 0.25957
    low, high = pr.wilson_interval(4, 10)
    assert float(low) == pytest.approx(0.16818, abs=1e-5) and float(high) == pytest.approx(0.68733, abs=1e-5)
    low, high = pr.wilson_interval(np.array([0, 10, 0]), np.array([10, 10, 0]))
    assert low[0] == 0 and high[1] == 1 and high[0] == pytest.approx(3.8415 / 13.8415, abs=1e-4)
    assert np.isnan(low[2]) and np.isnan(high[2])
    # z given directly (the satisfaction scores' form) is the same interval
    np.testing.assert_allclose(pr.wilson_interval(4, 10, z=1.959963984540054), pr.wilson_interval(4, 10, 0.95))


def test_every_analysis_uses_the_one_definition():
    assert campaigns.wilson_interval is kpis.wilson_interval is pr.wilson_interval
    assert campaigns.newcombe_interval is pr.newcombe_interval
    assert campaigns.two_proportion_p_value is pr.two_proportion_p_value
    assert kpis.rate_change_is_news is pr.change_is_news and changes.proportion_test is pr.change_test
    assert changes.ALPHA == kpis.CHANGE_ALPHA == pr.CHANGE_ALPHA == 0.05
    np.testing.assert_allclose(satisfaction.proportion_interval(4, 10), pr.wilson_interval(4, 10))


@pytest.mark.parametrize(
    "case,news",
    [
        ((0.50, 100, 0.30, 100), True),  # 20 points on 100 each: p = 0.004
        ((0.32, 100, 0.30, 100), False),  # 2 points on 100 each: p = 0.76
        ((0.32, 20_000, 0.30, 20_000), True),  # the same 2 points on 20,000 each: p < 1e-5
        ((0.30, 0, 0.20, 50), None),  # nothing to test
        ((0.30, 100, float("nan"), 100), None),
    ],
)
def test_a_change_is_news_only_when_the_test_says_so(case, news):
    assert pr.change_is_news(*case) is news
    test = pr.change_test(*case)
    if news is None:
        assert test is None
    else:
        p, low, high = test
        assert (p < 0.05 and (low > 0 or high < 0)) is news and low < case[0] - case[2] < high


def test_is_news_needs_significance_and_an_interval_without_zero():
    assert pr.is_news(0.01, 0.5, 3.0) and pr.is_news(0.01, -3.0, -0.5)
    assert not pr.is_news(0.01, -0.5, 3.0)  # the interval includes 0
    assert not pr.is_news(0.31, 0.5, 3.0)  # not significant (the NPS +8.5, p = 0.31)
    assert not pr.is_news(float("nan"), 0.5, 3.0) and not pr.is_news(None, 0.5, 3.0)
