"""Key drivers: Johnson's relative weights, quadrants, collinearity and the reasons for no result."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from repurchase import satisfaction as sat
from repurchase.core.errors import AnalysisError


def test_relative_weights_uncorrelated_aspects_known_answer():
    # x1, x2 and the noise e are orthogonal with zero mean; y = 2 x1 + x2 + e (each has sum of squares 4)
    # r(y, x1) = 8 / sqrt(4 * 24) -> r^2 = 64 / 96 = 2/3; r(y, x2)^2 = 16 / 96 = 1/6; R^2 = 5/6
    x1 = np.array([1, -1, 1, -1] * 3, dtype=float)
    x2 = np.array([1, 1, -1, -1] * 3, dtype=float)
    e = np.array([1, -1, -1, 1] * 3, dtype=float)
    w = sat.relative_weights(pd.DataFrame({"quality": x1, "delivery": x2}), pd.Series(2 * x1 + x2 + e))
    assert w["quality"] == pytest.approx(2 / 3)
    assert w["delivery"] == pytest.approx(1 / 6)
    assert w.sum() == pytest.approx(5 / 6)


def test_relative_weights_sum_to_r2_with_correlated_aspects():
    rng = np.random.default_rng(7)
    f = rng.normal(size=500)
    x = pd.DataFrame({f"a{j}": 0.7 * f + rng.normal(size=500) * s for j, s in enumerate((0.5, 0.8, 1.0))})
    y = x @ np.array([1.0, 0.5, 0.2]) + rng.normal(size=500)
    w = sat.relative_weights(x, y)
    design = np.column_stack([np.ones(500), x.to_numpy()])
    resid = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
    r2 = 1 - (resid**2).sum() / ((y - y.mean()) ** 2).sum()
    assert w.sum() == pytest.approx(r2, abs=1e-10)
    assert (w > 0).all() and w.idxmax() == "a0"
    # two aspects that are exchangeable share R^2 equally
    sym = sat.relative_weights(
        pd.DataFrame({"a": [1, 2, 3, 4, 5, 1.0], "b": [2, 1, 4, 3, 5, 1.0]}), pd.Series([3, 3, 7, 7, 10, 2.0])
    )
    assert sym["a"] == pytest.approx(sym["b"])


def test_relative_weights_errors_name_the_fix():
    with pytest.raises(AnalysisError, match="at least 4 complete responses"):
        sat.relative_weights(pd.DataFrame({"a": [1, 2, 3], "b": [3, 2, 1]}), pd.Series([1, 2, 3]))
    with pytest.raises(AnalysisError, match="same value in every response"):
        sat.relative_weights(pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [3] * 5}), pd.Series([1, 2, 3, 4, 5]))


def test_key_drivers_quadrants_and_collinearity_warning():
    rng = np.random.default_rng(3)
    n = 400
    q = rng.integers(1, 6, n).astype(float)
    frame = pd.DataFrame(
        {
            "aspect_quality": q,
            "aspect_quality_copy": np.clip(q + (rng.random(n) < 0.05), 1, 5),  # nearly the same rating
            "aspect_price": rng.integers(3, 6, n).astype(float),
        }
    )
    frame["nps"] = np.clip(2 * frame["aspect_quality"] + 0.2 * frame["aspect_price"] + rng.normal(size=n), 0, 10)
    d = sat.key_drivers(frame)
    assert d.available
    assert d.table["weight"].sum() == pytest.approx(d.r2)
    assert not d.collinear.empty and "strongly collinear" in sat.collinearity_warning(d)
    assert set(d.table["aspect"]) == {"quality", "quality_copy", "price"}
    # price is rated higher than quality but explains little -> maintain; quality is important and rated lower
    quad = d.table.set_index("aspect")["quadrant"]
    assert quad["price"] == "maintain" and quad["quality"] == "fix first"

    few = sat.key_drivers(frame.head(10))
    assert not few.available and "only 10 responses" in few.unavailable.text("en")
    assert few.unavailable.code == "few_complete" and sat.collinearity_warning(few) == ""
    none = sat.key_drivers(frame[["nps"]])
    assert "no aspect ratings" in none.unavailable.text("en")

    # Chinese: reason and warning in Chinese, aspects named by their labels
    zh = sat.key_drivers(frame, labels={"quality": "商品质量", "quality_copy": "质量（复核）", "price": "价格"})
    assert zh.table.set_index("aspect").loc["price", "label"] == "价格"
    warning = sat.collinearity_warning(zh, "zh")
    assert "共线性" in warning and "商品质量 与 质量（复核）" in warning
    assert sat.key_drivers(frame.head(10)).unavailable.text("zh").startswith("只有 10 份问卷")


def test_key_drivers_without_target_or_variation_say_why():
    frame = pd.DataFrame({"aspect_a": [1.0, 2, 3] * 20, "aspect_b": [4.0] * 60, "nps": [1.0, 5, 9] * 20})
    assert sat.key_drivers(frame, target="csat").unavailable.text("en") == "the survey has no CSAT column"
    assert sat.key_drivers(frame[["aspect_b", "nps"]]).unavailable.code == "flat_aspects"
    assert sat.key_drivers(None).unavailable.code == "no_responses"
    flat_dropped = sat.key_drivers(frame)  # the constant aspect is left out, the other explains the score
    assert flat_dropped.available and flat_dropped.table["aspect"].tolist() == ["a"]
