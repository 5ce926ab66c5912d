"""The engine choice, the backend params, the DuckDB summary in the lifetime-value stage and a warehouse run."""

from __future__ import annotations

import ibis
import pandas as pd
import pytest

from repurchase import load_params
from repurchase.cleaning.datasets import load_cleaning
from repurchase.core.errors import AnalysisError, SourceError
from repurchase.core.params import Params
from repurchase.core.periods import Period, Window
from repurchase.lifetime_value.summary import customer_summary
from repurchase.lifetime_value.warehouse_summary import engine_summarizer
from repurchase.pushdown import run_in_warehouse
from repurchase.warehouse import AUTO_DUCKDB_LINES, choose_engine, connect

COLUMNS = {"customer_id": "member", "order_id": "order_no", "order_date": "paid_at", "amount": "paid"}


def test_auto_chooses_duckdb_only_for_large_logs():
    assert choose_engine("auto", AUTO_DUCKDB_LINES) == "pandas"
    assert choose_engine("auto", AUTO_DUCKDB_LINES + 1) == "duckdb"
    assert choose_engine("pandas", 10**9) == "pandas" and choose_engine("duckdb", 1) == "duckdb"
    with pytest.raises(AnalysisError, match="unknown engine 'spark'; use auto, pandas or duckdb"):
        choose_engine("spark", 1)


def _params(**transactions) -> Params:
    return Params.model_validate(
        {"client": "wh", "title": "Warehouse", "sources": {"transactions": {"columns": COLUMNS, **transactions}}}
    )


def test_backend_params_are_validated():
    assert _params(backend="pyspark", table="orders").sources.transactions.backend == "pyspark"
    assert _params(path="x.csv").engine == "auto"
    with pytest.raises(ValueError, match="neither duckdb nor pyspark nor an Ibis connection URL"):
        _params(backend="spark", table="orders")
    with pytest.raises(ValueError, match="a backend source also needs table"):
        _params(backend="duckdb")
    with pytest.raises(ValueError, match="table needs backend"):
        _params(path="x.csv", table="orders")
    with pytest.raises(ValueError, match="engine"):
        Params.model_validate({"client": "wh", "title": "W", "engine": "spark",
                               "sources": {"transactions": {"columns": COLUMNS, "path": "x.csv"}}})  # fmt: skip
    with pytest.raises(AnalysisError, match="unknown backend 'spark'"):
        connect("spark")


def test_a_warehouse_source_is_not_read_into_the_notebooks():
    from repurchase.cleaning.io import read_source

    spec = _params(backend="duckdb", table="orders").sources.transactions
    with pytest.raises(SourceError, match=r"warehouse table 'orders' on duckdb.*set sources\.transactions\.path"):
        read_source(spec)


def test_the_lifetime_value_stage_uses_duckdb_when_forced_and_gets_the_same_summary(demo_data, root):
    params = load_params(root / "params" / "demo-online.yaml")
    period = Period.from_label("2026-09")
    tx = load_cleaning(params, period).clean  # type: ignore[union-attr]
    assert engine_summarizer(params, period, tx) is None  # auto, small log: pandas
    forced = params.model_copy(update={"engine": "duckdb"})
    summarize = engine_summarizer(forced, period, tx)
    assert summarize is not None
    window = Window.ending(period.end_exclusive)
    expected = customer_summary(tx, window, occasion=params.repurchase.occasion)
    pd.testing.assert_frame_equal(summarize(window), expected, check_exact=True)  # read from the Parquet cache
    shuffled = tx.iloc[::-1].reset_index(drop=True)  # not the cache's rows: the frame itself is used
    summarize = engine_summarizer(forced, period, shuffled.iloc[:-1])
    assert summarize is not None
    pd.testing.assert_frame_equal(
        summarize(window), customer_summary(shuffled.iloc[:-1], window, occasion=params.repurchase.occasion),
        check_exact=True,
    )  # fmt: skip


def test_run_in_a_duckdb_file_warehouse(tmp_path, cdnow):
    path = tmp_path / "wh.duckdb"
    con = ibis.duckdb.connect(path)
    rows = cdnow.rename(columns=COLUMNS)
    dirty = pd.concat([rows, rows.iloc[:3]], ignore_index=True)  # three exact copies
    con.create_table("orders", obj=ibis.memtable(dirty))
    con.disconnect()
    params = _params(backend=f"duckdb:///{path}", table="orders", exported_at="1998-06-30")
    period = Period.from_label("1998-06")
    run = run_in_warehouse(params, period, sample=2)
    counts = run.outcomes.set_index("outcome")["rows"]
    zero = int((cdnow["amount"] == 0).sum())
    assert counts.to_dict() == {"raw": len(dirty), "kept": len(cdnow) - zero, "fixed": 0, "excluded": 3 + zero}
    assert run.ledger.set_index("rule")["rows"]["duplicate_row"] == 3
    assert len(run.quarantine) == 2
    kept = cdnow[cdnow["amount"] != 0]
    expected = customer_summary(kept, Window.ending(period.end_exclusive))
    pd.testing.assert_frame_equal(
        run.customer_summary, expected.sort_values("customer_id", ignore_index=True), check_exact=True
    )
    assert run.monthly_kpis["buyers"].sum() > 0 and run.churn_features.index.is_monotonic_increasing
