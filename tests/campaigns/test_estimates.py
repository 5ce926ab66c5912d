"""The statistics of a campaign test: hand-computed values, statsmodels, and simulations with known truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats import proportion as sm_proportion

from repurchase.campaigns import (
    campaign_effects,
    cuped,
    cuped_theta,
    mde_proportion,
    newcombe_interval,
    srm_test,
    two_proportion_p_value,
    welch_difference,
    wilson_interval,
)
from repurchase.core.params import CampaignSettings

REPS = 100


def test_wilson_by_hand():
    # 4 of 10 at 90%: z = 1.6449, centre (4 + z²/2) / (10 + z²), half z·√10 / (10 + z²) · √(0.24 + z²/40)
    z = stats.norm.ppf(0.95)
    centre = (4 + z**2 / 2) / (10 + z**2)
    half = z * np.sqrt(10) / (10 + z**2) * np.sqrt(0.4 * 0.6 + z**2 / 40)
    lo, hi = wilson_interval(4, 10, 0.90)
    assert (lo, hi) == pytest.approx((centre - half, centre + half))
    assert (lo, hi) == pytest.approx((0.19423, 0.64836), abs=1e-5)


def test_newcombe_by_hand_and_against_statsmodels():
    # 4/10 against 2/10: Wilson (0.19423, 0.64836) and (0.06856, 0.45921) at 90%
    d, lo, hi = newcombe_interval(4, 10, 2, 10, 0.90)
    assert d == pytest.approx(0.2)
    assert lo == pytest.approx(0.2 - np.hypot(0.4 - 0.19423, 0.45921 - 0.2), abs=1e-4)
    assert hi == pytest.approx(0.2 + np.hypot(0.64836 - 0.4, 0.2 - 0.06856), abs=1e-4)
    cases = [(4, 10, 2, 10), (0, 25, 3, 30), (250, 2002, 105, 1998), (17, 17, 3, 40), (1, 500, 0, 480)]
    for confidence in (0.90, 0.95):
        x1, n1, x2, n2 = (np.array(c) for c in zip(*cases))
        _, lows, highs = newcombe_interval(x1, n1, x2, n2, confidence)  # all cases at once
        for i, case in enumerate(cases):
            ref = sm_proportion.confint_proportions_2indep(
                *case, method="newcomb", compare="diff", alpha=1 - confidence
            )
            assert (lows[i], highs[i]) == pytest.approx(ref, abs=1e-10)


def test_two_proportion_p_value_is_the_pooled_z_test():
    p = two_proportion_p_value([30, 250], [100, 2002], [20, 105], [100, 1998])
    for i, case in enumerate([(30, 100, 20, 100), (250, 2002, 105, 1998)]):
        ref = sm_proportion.test_proportions_2indep(*case, method="score", correction=False).pvalue
        assert p[i] == pytest.approx(ref, rel=1e-6)
    assert two_proportion_p_value(0, 10, 0, 12) == 1.0


def test_welch_by_hand():
    # treatment 0, 10, 20 (mean 10, var 100); control 0, 0, 6 (mean 2, var 12)
    y = np.array([0.0, 10, 20, 0, 0, 6])
    treated = np.array([True, True, True, False, False, False])
    res = welch_difference(y, treated, 0.90)
    se = np.sqrt(100 / 3 + 12 / 3)
    df = (100 / 3 + 12 / 3) ** 2 / ((100 / 3) ** 2 / 2 + (12 / 3) ** 2 / 2)
    assert (res.mean_treatment, res.mean_control, res.difference) == pytest.approx((10, 2, 8))
    assert res.se == pytest.approx(se) and df == pytest.approx(2.4732, abs=1e-4)
    assert (res.low, res.high) == pytest.approx((8 - stats.t.ppf(0.95, df) * se, 8 + stats.t.ppf(0.95, df) * se))
    assert res.p_value == pytest.approx(stats.ttest_ind(y[:3], y[3:], equal_var=False).pvalue)


def test_cuped_by_hand():
    # x̄ = 2.5, ȳ = 5; Σ(x − x̄)(y − ȳ) = 11, Σ(x − x̄)² = 5, so θ = 2.2
    x, y = np.array([1.0, 2, 3, 4]), np.array([2.0, 4, 5, 9])
    adjusted, theta = cuped(y, x)
    assert theta == pytest.approx(2.2) and cuped_theta(y, x) == pytest.approx(2.2)
    assert adjusted == pytest.approx([5.3, 5.1, 3.9, 5.7])
    assert cuped_theta(y, np.ones(4)) == 0.0  # a covariate that does not vary changes nothing


def test_srm_by_hand():
    # 560 against 440 planned 50/50: (60²/500)·2 = 14.4 on 1 df
    chi2, p = srm_test([560, 500, 300], [440, 500, 700], [0.5, 0.5, 0.3])
    assert chi2 == pytest.approx([14.4, 0.0, 0.0])
    assert p[0] == pytest.approx(1.478e-4, rel=1e-3) and p[1] == p[2] == 1.0


def test_mde_by_hand():
    z = stats.norm.ppf(0.95) + stats.norm.ppf(0.8)
    assert mde_proportion(0.1, 2000, 2000, 0.90, 0.8) == pytest.approx(z * np.sqrt(0.09 * 2 / 2000))


def _simulated(rng, effect, *, n=4000, reps=REPS, p_control=0.10, treated_share=0.5, revenue_effect=0.0):
    """``reps`` campaigns in one frame: repurchase with a known uplift, revenue that the pre-period predicts."""
    treated = rng.random((reps, n)) < treated_share
    repurchased = rng.random((reps, n)) < p_control + effect * treated
    pre = rng.gamma(2.0, 50.0, (reps, n))
    revenue = 0.4 * pre + rng.normal(0, 30, (reps, n)) + revenue_effect * treated
    return pd.DataFrame(
        {
            "campaign": np.repeat([f"c{r:03d}" for r in range(reps)], n),
            "group": np.where(treated.ravel(), "treatment", "control"),
            "assigned_at": pd.Timestamp("2026-04-13"),
            "repurchased": repurchased.ravel(),
            "purchases": repurchased.ravel().astype(int),
            "revenue": revenue.ravel(),
            "pre_revenue": pre.ravel(),
        }
    )


def test_the_90_percent_interval_covers_the_planted_uplift():
    effect = 0.04
    summary = campaign_effects(_simulated(np.random.default_rng(16), effect), CampaignSettings(confidence=0.90))
    assert len(summary) == REPS
    covered = int(((summary["uplift_low"] <= effect) & (effect <= summary["uplift_high"])).sum())
    assert covered >= 85, covered
    assert (summary["verdict"] == "effect_found").mean() > 0.9  # the MDE is ~2.2 pts: a 4-pt effect is found


def test_a_null_campaign_is_significant_in_at_most_10_percent():
    summary = campaign_effects(_simulated(np.random.default_rng(61), 0.0), CampaignSettings(confidence=0.90))
    significant = summary["verdict"].isin(["effect_found", "negative_effect"])
    assert int(significant.sum()) <= 10
    assert ((summary["p_value"] < 0.10) == significant).mean() >= 0.97  # the test and the interval agree
    # over many more replications (counts only) the false-positive rate is near α = 0.10, not below by luck
    rng = np.random.default_rng(7)
    n = rng.binomial(4000, 0.5, 20_000)
    x1, x2 = rng.binomial(n, 0.1), rng.binomial(4000 - n, 0.1)
    _, lo, hi = newcombe_interval(x1, n, x2, 4000 - n, 0.90)
    assert 0.08 <= float(((lo > 0) | (hi < 0)).mean()) <= 0.11


def test_the_broken_split_is_flagged_and_sound_ones_are_not():
    settings = CampaignSettings()
    broken = campaign_effects(_simulated(np.random.default_rng(3), 0.0, treated_share=0.56, reps=20), settings)
    assert broken["srm_flag"].all() and (broken["verdict"] == "split_broken").all()
    sound = campaign_effects(_simulated(np.random.default_rng(4), 0.0), settings)
    assert int(sound["srm_flag"].sum()) <= 1
    planned = campaign_effects(
        _simulated(np.random.default_rng(5), 0.0, treated_share=0.7, reps=20),
        CampaignSettings(planned_split={f"c{r:03d}": 0.7 for r in range(20)}),
    )
    assert not planned["srm_flag"].any()  # a 70/30 split planned as such is sound


def test_cuped_narrows_the_interval_when_the_pre_period_predicts():
    summary = campaign_effects(
        _simulated(np.random.default_rng(9), 0.0, revenue_effect=5.0), CampaignSettings(confidence=0.90)
    )
    raw = summary["revenue_diff_high"] - summary["revenue_diff_low"]
    adjusted = summary["revenue_cuped_high"] - summary["revenue_cuped_low"]
    assert (adjusted < raw).all()
    # var(0.4 x) = 0.16 · 2 · 50² = 800 against noise 30² = 900: x explains R² = 800 / 1700 of y's variance
    r2 = 800 / 1700
    assert (adjusted / raw).median() == pytest.approx(np.sqrt(1 - r2), abs=0.02)
    assert summary["variance_reduction"].median() == pytest.approx(r2, abs=0.03)
    assert summary["cuped_theta"].median() == pytest.approx(0.4, abs=0.03)
    covered = (summary["revenue_cuped_low"] <= 5.0) & (summary["revenue_cuped_high"] >= 5.0)
    assert covered.sum() >= 85  # narrower, and still unbiased
    assert summary["revenue_cuped_diff"].mean() == pytest.approx(5.0, abs=0.5)


def test_cuped_changes_nothing_when_the_pre_period_is_noise():
    rng = np.random.default_rng(11)
    y, x = rng.normal(0, 1, (50, 2000)), rng.normal(0, 1, (50, 2000))
    treated = rng.random((50, 2000)) < 0.5
    adjusted, _ = cuped(y, x)
    ratio = welch_difference(adjusted, treated).se / welch_difference(y, treated).se
    assert np.all(np.abs(ratio - 1) < 0.02)
