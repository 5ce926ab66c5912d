"""The model-based 12-month trends of the CLV and value-at-risk cards (monthly_series, kpi_cards, render_cards)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest

from repurchase import churn
from repurchase import lifetime_value as lv
from repurchase.core.params import ChurnSettings, LifetimeValueSettings
from repurchase.core.periods import Period
from repurchase.publish import overview as ov

P = Period.from_label("2026-04")


def _client(n: int = 400, seed: int = 7) -> pd.DataFrame:
    """Purchases of ``n`` customers from 2025-01 to the report month end; customers drop out (seeded)."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(2.0, 1 / 60, n)
    start = rng.integers(0, 300, n)
    stop = np.minimum(730, start + 1 + rng.exponential(300, n).astype(int))
    counts = rng.poisson(rate * (stop - start)) + 1
    cust = np.repeat(np.arange(n), counts)
    day = np.repeat(start, counts) + (rng.random(len(cust)) * np.repeat(stop - start, counts)).astype(int)
    tx = pd.DataFrame(
        {
            "customer_id": [f"K{c:04d}" for c in cust],
            "order_id": [f"o{i}" for i in range(len(cust))],
            "order_date": pd.Timestamp("2025-01-01") + pd.to_timedelta(day, "D"),
            "amount": rng.gamma(2.0, 40.0, len(cust)).round(2),
        }
    )
    return tx[tx["order_date"] < P.end_exclusive].sort_values("order_date", ignore_index=True)


@dataclass
class _Ctx:
    period: Period
    tx: pd.DataFrame
    results: dict[str, Any]

    def transactions(self) -> pd.DataFrame:
        return self.tx

    def result(self, name: str) -> Any:
        return self.results[name]


@pytest.fixture(scope="module")
def ctx_metrics() -> tuple[_Ctx, dict[str, dict]]:
    tx = _client()
    life = lv.run_lifetime_value(tx, P, LifetimeValueSettings(bootstrap_draws=0))
    res = churn.run_churn(tx, P, ChurnSettings(), lifetime_value=life)
    metrics = {"lifetime_value": lv.lifetime_value_metrics(life), "churn": churn.churn_metrics(res)}
    return _Ctx(P, tx, {"lifetime_value": life, "churn": res}), metrics


def test_both_model_cards_get_twelve_months(ctx_metrics) -> None:
    ctx, metrics = ctx_metrics
    series = ov.monthly_series(ctx, None, metrics)
    labels = [P.shift(-k).label for k in range(11, -1, -1)]
    assert list(series["clv_total"]) == labels and list(series["value_at_risk"]) == labels
    assert series["clv_total"][P.label] == pytest.approx(metrics["lifetime_value"]["clv_total"], rel=1e-6)
    assert series["value_at_risk"][P.label] == pytest.approx(metrics["churn"]["value_at_risk"], abs=0.01)
    base = pd.DataFrame({"month": labels, "customers": range(100, 112)})
    cards = ov.kpi_cards(metrics, {}, base, P, series=series).set_index("kpi")
    for kpi in ("clv_total", "value_at_risk"):
        line = cards.loc[kpi, "series"]
        assert len(line) == 12 and all(v is not None for v in line)
        assert line[:-1] == [pytest.approx(series[kpi][m]) for m in labels[:-1]]
    # no lifetime-value analysis in the metrics: no CLV series; value at risk is the churn stage's own series
    without = ov.monthly_series(ctx, None, {"churn": metrics["churn"]})
    assert without["clv_total"] == {} and without["value_at_risk"] == series["value_at_risk"]


def test_the_value_at_risk_series_survives_the_results_store(ctx_metrics, tmp_path) -> None:
    """The overview reads the churn result from the store (another kernel): the series is kept, the model is not."""
    from repurchase.core.store import ResultStore

    ctx, metrics = ctx_metrics
    store = ResultStore(tmp_path)
    store.save("churn", ctx.results["churn"], key="k")
    loaded = store.load("churn", "k")
    assert loaded.risk_history == pytest.approx(ctx.results["churn"].risk_history)
    assert len(loaded.risk_history) == 12
    stored = _Ctx(P, ctx.tx, {**ctx.results, "churn": loaded})
    assert ov.monthly_series(stored, None, metrics)["value_at_risk"] == pytest.approx(
        ov.monthly_series(ctx, None, metrics)["value_at_risk"]
    )


def test_model_based_cards_say_so_in_both_languages(ctx_metrics) -> None:
    _, metrics = ctx_metrics
    cards = ov.kpi_cards(metrics, {}, pd.DataFrame({"month": [], "customers": []}), P)
    en = ov.render_cards(cards, P, "CNY", "en")._repr_html_()
    zh = ov.render_cards(cards, P, "CNY", "zh")._repr_html_()
    assert en.count("past months: this month&#x27;s model applied to each month-end") == 2
    assert zh.count("往月：本月模型按各月末数据推算") == 2
