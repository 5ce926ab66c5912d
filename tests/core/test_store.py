"""The results store keeps a result's tables, arrays and values exactly, and says what it computed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from repurchase.core.params import ChurnSettings
from repurchase.core.status import Month, Unavailable
from repurchase.core.store import ResultStore, StoreError, dump, load


@dataclasses.dataclass
class Inner:
    name: str
    values: np.ndarray
    when: pd.Timestamp


@dataclasses.dataclass
class Outer:
    table: pd.DataFrame
    series: pd.Series
    inner: Inner
    nested: list
    by_key: dict
    settings: ChurnSettings
    why: Unavailable | None
    missing: float
    day: dt.date
    skipped: object = dataclasses.field(default=None, metadata={"store": False})


def _sample() -> Outer:
    table = pd.DataFrame(
        {
            "customer_id": ["A", "B", "C"],
            "segment": pd.Categorical(["New", "Lost", "New"], categories=["New", "Lost"], ordered=True),
            "first": pd.to_datetime(["2026-01-01", "2026-02-03", "2026-03-04"]),
            "clv": [1.5, np.nan, 3.25],
            "n": np.array([1, 2, 3], dtype="int64"),
        }
    )
    table.attrs["time_unit"] = "W"
    return Outer(
        table=table,
        series=pd.Series([0.1, 0.2], index=pd.Index(["x", "y"], name="k"), name="rate"),
        inner=Inner("bgnbd", np.array([[0.24, 4.41], [0.79, 2.43]]), pd.Timestamp("1997-09-30")),
        nested=[1, 2.5, None, "text", (1, "a"), float("inf")],
        by_key={("loyal", "high"): 3, 2026: "year"},
        settings=ChurnSettings(label_window_days=60),
        why=Unavailable(
            "churn.unavailable.no_complete_month", {"days": 200, "first": "2026-01-01", "month": Month("2026-10")}
        ),
        missing=float("nan"),
        day=dt.date(2026, 10, 31),
        skipped=lambda: None,
    )


def test_a_result_comes_back_equal(tmp_path):
    original = _sample()
    back = load(dump(original, tmp_path), tmp_path)
    pd.testing.assert_frame_equal(back.table, original.table)
    assert back.table.attrs == {"time_unit": "W"}
    pd.testing.assert_series_equal(back.series, original.series)
    np.testing.assert_array_equal(back.inner.values, original.inner.values)
    assert back.inner.when == original.inner.when and back.inner.name == "bgnbd"
    assert back.nested[:5] == [1, 2.5, None, "text", (1, "a")] and back.nested[5] == float("inf")
    assert back.by_key == {("loyal", "high"): 3, 2026: "year"}
    assert back.settings == ChurnSettings(label_window_days=60)
    assert back.why == original.why and "The first month that can be measured is Oct 2026" in back.why.text("en")
    assert "2026年10月" in back.why.text("zh")
    assert np.isnan(back.missing) and back.day == dt.date(2026, 10, 31)
    assert back.skipped is None  # not stored: its default
    assert list(tmp_path.glob("*.parquet")) and list(tmp_path.glob("*.npy"))


def test_unusual_tables_survive(tmp_path):
    odd = pd.DataFrame({0: [1, 2], "mixed": ["a", 3], ("a", "b"): [0.5, 0.25]})
    back = load(dump({"odd": odd}, tmp_path), tmp_path)["odd"]
    pd.testing.assert_frame_equal(back, odd)


def test_an_unstorable_value_names_its_place(tmp_path):
    with pytest.raises(StoreError, match=r"result\.inner\.values: a builtins\.function cannot be stored"):
        dump(Outer(**{**dataclasses.asdict(_sample()), "inner": Inner("x", lambda: 1, pd.NaT)}), tmp_path)  # type: ignore[arg-type]


def test_store_saves_atomically_checks_the_key_and_logs(tmp_path):
    store = ResultStore(tmp_path / "results")
    assert store.load("x") is None and store.names() == []
    store.save("x", _sample(), key="k1", requires=("a",), metrics={"n": np.int64(3), "rate": np.nan}, seconds=0.5)
    assert store.names() == ["x"] and store.has("x", "k1") and not store.has("x", "k2")
    assert store.load("x", key="k2") is None
    assert store.load("x", key="k1").inner.name == "bgnbd"
    assert store.metrics("x") == {"n": 3, "rate": None}
    assert store.info("x")["requires"] == ["a"]
    store.save("x", _sample(), key="k2", metrics={"n": 3, "rate": None})
    assert store.has("x", "k2") and [p.name for p in (tmp_path / "results").iterdir() if p.name.startswith(".")] == []
    assert [c["name"] for c in store.computations()] == ["x", "x"]
    store.write_metrics("overview", {"customers": 10})
    assert store.all_metrics() == {"overview": {"customers": 10}, "x": {"n": 3, "rate": None}}


def test_the_store_only_loads_classes_of_the_package(tmp_path):
    store = ResultStore(tmp_path)
    store.save("x", {"a": 1}, key="k")
    head = json.loads((tmp_path / "x" / "result.json").read_text())
    for named, why in (
        ("os:system", "not a dataclass"),
        ("some_module_not_loaded:Thing", "only classes of the repurchase"),
    ):
        head["result"] = {"__dc__": named, "fields": {}}
        (tmp_path / "x" / "result.json").write_text(json.dumps(head))
        with pytest.raises(StoreError, match=why):
            store.load("x")
