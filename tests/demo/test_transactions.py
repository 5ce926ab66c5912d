"""The purchase process: refunds of paid lines, consumables bought again, seasons, baskets."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest


@pytest.mark.parametrize("client", ["online", "stores"])
def test_refunds_are_separate_negative_rows_of_paid_orders(kit: ModuleType, demo: Path, client: str) -> None:
    cfg = kit.CLIENTS[client]
    raw = kit.raw(demo, client)
    refunds = raw[raw["status"] == cfg["refund"]]
    paid = raw[raw["status"] == cfg["paid"]]
    assert (pd.to_numeric(refunds["amount"]) < 0).all()
    key = ["order", "pid"]
    merged = refunds[key + ["date"]].merge(paid[key + ["date"]].drop_duplicates(key), on=key, suffixes=("", "_paid"))
    assert len(merged) == len(refunds)  # every refund points at a paid line
    later = pd.to_datetime(merged["date"], format="mixed", errors="coerce")
    paid_at = pd.to_datetime(merged["date_paid"], format="mixed", errors="coerce")
    both = later.notna() & paid_at.notna() & (paid_at <= kit.END)
    assert (later[both] > paid_at[both]).all()
    share = refunds["order"].nunique() / paid["order"].nunique()
    assert 0.025 <= share <= 0.065
    rate = refunds.groupby("cat").size() / paid.groupby("cat").size()
    assert rate[cfg["high_refund"]].min() > 2 * rate[cfg["low_refund"]].max()


@pytest.mark.parametrize("client", ["online", "stores"])
def test_consumable_first_buyers_repeat_more_than_durable_first_buyers(
    kit: ModuleType, demo: Path, client: str
) -> None:
    cfg = kit.CLIENTS[client]
    paid = kit.paid(kit.raw(demo, client), client)
    occasions = paid.groupby("cid")["ts"].apply(lambda s: s.dt.normalize().nunique())
    first_cat = paid.sort_values("ts", kind="stable").groupby("cid")["cat"].first()
    repeat = (occasions >= 2).groupby(first_cat).mean()
    consumable = repeat[cfg["consumable"]].min()
    durable = repeat[cfg["durable"]].max()
    assert consumable > durable + 0.2, repeat.round(3).to_dict()


def test_seasonal_peaks_and_chinese_new_year_dip(kit: ModuleType, demo: Path) -> None:
    paid = kit.paid(kit.raw(demo, "online"), "online")
    daily = paid.groupby(paid["ts"].dt.normalize())["order"].nunique()
    daily = daily.reindex(pd.date_range("2023-11-01", "2026-10-31"), fill_value=0)
    for day in ("2024-11-11", "2025-11-11"):
        month = daily[pd.Timestamp(day) - pd.Timedelta(days=45) : pd.Timestamp(day) + pd.Timedelta(days=45)]
        assert daily[day] > 4 * month.median()
    assert daily["2025-06-18"] > 2.5 * daily["2025-05-01":"2025-07-31"].median()
    for cny in ("2025-01-29", "2026-02-17"):
        c = pd.Timestamp(cny)
        holiday = daily[c - pd.Timedelta(days=2) : c + pd.Timedelta(days=6)].mean()
        around = pd.concat(
            [
                daily[c - pd.Timedelta(days=40) : c - pd.Timedelta(days=20)],
                daily[c + pd.Timedelta(days=20) : c + pd.Timedelta(days=40)],
            ]
        ).mean()
        assert holiday < 0.75 * around
    quarterly = daily.resample("QS").sum()
    assert quarterly.iloc[-4:].sum() > 2 * quarterly.iloc[1:5].sum()  # a growing business


def test_snacks_and_coffee_are_bought_together(kit: ModuleType, demo: Path) -> None:
    paid = kit.paid(kit.raw(demo, "online"), "online")
    baskets = pd.crosstab(paid["order"], paid["cat"]).clip(upper=1)
    support = baskets.mean()

    def lift(a: str, b: str) -> float:
        return (baskets[a] * baskets[b]).mean() / (support[a] * support[b])

    assert lift("Snacks", "Coffee & tea") > 1.5
    assert lift("Snacks", "Electronics") < 1.0
