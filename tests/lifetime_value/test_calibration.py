"""Calibration of P(buy again) on the holdout, the Brier score and the model per question (issue #15)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from repurchase.core.errors import AnalysisError
from repurchase.lifetime_value import calibration as cb
from repurchase.lifetime_value import text


def _predictions() -> pd.DataFrame:
    """Ten customers with hand-set predictions of two models (A, B) and whether they bought."""
    return pd.DataFrame({
        "frequency_cal": [0, 0, 0, 0, 1, 2, 3, 5, 6, 9],
        "bought": [0, 0, 0, 1, 1, 0, 1, 1, 1, 1],
        "bgnbd": [0.1, 0.1, 0.2, 0.2, 0.5, 0.4, 0.6, 0.7, 0.9, 0.8],
        "pareto_nbd": [0.0, 0.0, 0.0, 0.0, 0.5, 0.5, 0.5, 0.5, 1.0, 1.0],
    })  # fmt: skip


def test_frequency_groups_are_0_1_2_3to5_6plus():
    assert list(cb.frequency_group(np.array([0, 1, 2, 3, 4, 5, 6, 40]))) == [
        "0", "1", "2", "3–5", "3–5", "3–5", "6+", "6+",
    ]  # fmt: skip


def test_calibration_by_frequency_is_hand_computed():
    table = cb.buy_again_calibration(_predictions())
    freq = table[(table["by"] == "frequency") & (table["model"] == "bgnbd")].set_index("group")
    assert list(freq.index) == ["0", "1", "2", "3–5", "6+"]
    assert list(freq["customers"]) == [4, 1, 1, 2, 2]
    # one-time buyers: mean of 0.1, 0.1, 0.2, 0.2 = 0.15 predicted; 1 of 4 bought
    assert freq.at["0", "predicted"] == pytest.approx(0.15)
    assert freq.at["0", "observed"] == pytest.approx(0.25)
    assert freq.at["3–5", "predicted"] == pytest.approx(0.65)
    assert freq.at["6+", "observed"] == pytest.approx(1.0)


def test_calibration_by_decile_keeps_ties_together_and_covers_everyone():
    table = cb.buy_again_calibration(_predictions())
    dec = table[(table["by"] == "decile") & (table["model"] == "pareto_nbd")]
    # P = 0 (4 customers), 0.5 (4), 1.0 (2): three groups, ties never split
    assert list(dec["customers"]) == [4, 4, 2]
    assert list(dec["group"]) == ["D1", "D5", "D9"]
    assert dec["observed"].tolist() == pytest.approx([0.25, 0.75, 1.0])
    assert dec["customers"].sum() == 10


def test_brier_score_is_hand_computed():
    brier = cb.brier_scores(_predictions())
    # A: (0.01+0.01+0.04+0.64+0.25+0.16+0.16+0.09+0.01+0.04)/10
    assert brier["bgnbd"] == pytest.approx(1.41 / 10)
    # B: one-time buyers 0,0,0,1 -> 1; then 0.25 ×4; then 0, 0
    assert brier["pareto_nbd"] == pytest.approx(2.0 / 10)


def _comparison(mae: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame({"model": [*mae, "run_rate"], "mae": [*mae.values(), 0.01]})


def test_the_rule_follows_the_measured_numbers():
    # MAE favours Pareto/NBD, Brier favours BG/NBD: each question gets its own model
    q = cb.models_by_question(_comparison({"bgnbd": 0.80, "pareto_nbd": 0.75}), {"bgnbd": 0.16, "pareto_nbd": 0.17})
    assert (q.counts, q.buy_again, q.differ) == ("pareto_nbd", "bgnbd", True)
    # the other way round
    q = cb.models_by_question(_comparison({"bgnbd": 0.70, "pareto_nbd": 0.75}), {"bgnbd": 0.18, "pareto_nbd": 0.17})
    assert (q.counts, q.buy_again) == ("bgnbd", "pareto_nbd")
    # one model wins both; the baseline's lower MAE never counts
    q = cb.models_by_question(_comparison({"bgnbd": 0.80, "mbgnbd": 0.70}), {"bgnbd": 0.2, "mbgnbd": 0.1})
    assert (q.counts, q.buy_again, q.differ) == ("mbgnbd", "mbgnbd", False)


def test_the_rule_needs_a_scored_model():
    with pytest.raises(AnalysisError, match="no purchase model"):
        cb.models_by_question(_comparison({"bgnbd": 0.8}), {})


def test_cdnow_uses_the_calibrated_model_for_p_buy_again(cdnow_result):
    res = cdnow_result
    q = res.questions
    assert q is not None and q.counts == res.model == "pareto_nbd"
    freq = res.buy_again_calibration.query("by == 'frequency' and group == '0'").set_index("model")
    observed = freq["observed"].iloc[0]
    assert observed == pytest.approx(0.137, abs=0.001)
    assert freq.at["pareto_nbd", "predicted"] == pytest.approx(0.085, abs=0.002)
    # the model used for P(buy again) is the one with the lowest Brier, and it is within 3 pts for one-time buyers
    assert res.probability_model == q.buy_again == min(res.brier, key=res.brier.get)
    assert abs(freq.at[res.probability_model, "predicted"] - observed) < 0.03
    # the exports' P(buy again) comes from that model's refit, not from the counts model
    full = res.full_fits[res.probability_model].model
    c = res.clv.customers
    expected = full.p_buy_again(full.units(30.4375 * 12), c["frequency"], c["recency"], c["T"])
    assert np.allclose(c["p_buy_again"], expected)
    # and the report says so plainly
    words = text.describe_questions(res, "en")
    assert "Pareto/NBD predicts purchase counts best" in words and "BG/NBD is better calibrated" in words
    assert "BG/NBD" in text.describe_questions(res, "zh")


def test_cdnow_metrics_hold_the_calibration(cdnow_result):
    from repurchase.lifetime_value import lifetime_value_metrics

    m = lifetime_value_metrics(cdnow_result)
    rows = m["holdout"]["calibration"]
    assert {"model", "group", "customers", "predicted", "observed"} <= set(rows[0])
    assert sum(r["customers"] for r in rows if r["model"] == "bgnbd" and r["by"] == "frequency") == 2357
    assert set(m["holdout"]["brier"]) == {"bgnbd", "pareto_nbd", "mbgnbd"}
    assert m["buy_again_model"] == "bgnbd"


def test_calibration_chart_draws_one_line_per_model_and_the_diagonal(cdnow_result):
    from matplotlib.axes import Axes

    from repurchase import plots

    ax = plots.plot_buy_again_calibration(cdnow_result.buy_again_calibration, by="decile", lang="zh")
    assert isinstance(ax, Axes)
    assert len(ax.get_lines()) == 1 + 3  # the diagonal and BG/NBD, Pareto/NBD, MBG/NBD
    empty = plots.plot_buy_again_calibration(cdnow_result.buy_again_calibration.iloc[0:0])
    assert isinstance(empty, Axes) and not empty.get_lines()
