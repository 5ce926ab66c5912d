"""The cache of cleaned data: rebuilt when a source changes, a database read once per render; period resolution."""

from __future__ import annotations

import pytest

from repurchase import load_params
from repurchase.cleaning import datasets
from repurchase.core.errors import PeriodError
from repurchase.report import open_report


def test_cache_is_rebuilt_when_the_source_changes(tmp_path):
    (tmp_path / "params").mkdir()
    src = tmp_path / "tx.csv"
    src.write_text("c,d,a\nA,2026-01-01,5\nB,2026-01-31,6\n", encoding="utf-8")
    p = tmp_path / "params" / "t.yaml"
    p.write_text(
        "client: t\ntitle: T\nsources:\n  transactions:\n    path: tx.csv\n    columns: {customer_id: c, order_date: d, amount: a}\n"
    )
    assert len(open_report(p, output_dir=tmp_path / "o").transactions()) == 2
    assert (tmp_path / "data" / "cache" / "t" / "2026-01" / "transactions" / "clean.parquet").exists()
    src.write_text("c,d,a\nA,2026-01-01,5\nB,2026-01-31,6\nC,2026-01-15,7\n", encoding="utf-8")
    assert len(open_report(p, output_dir=tmp_path / "o").transactions()) == 3  # stale cache rebuilt


def test_database_source_is_reread_for_each_render(tmp_path, monkeypatch):
    import duckdb

    (tmp_path / "params").mkdir()
    db = tmp_path / "shop.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create table o as select 'A' as c, timestamp '2026-01-02 10:00' as d, 3.0 as a")
    p = tmp_path / "params" / "db.yaml"
    p.write_text(
        "client: db\ntitle: T\nperiod: 2026-01\nsources:\n  transactions:\n    url: shop.duckdb\n"
        "    query: select * from o\n    columns: {customer_id: c, order_date: d, amount: a}\n"
    )
    monkeypatch.setenv(datasets.RUN_ID_ENV, "render-1")
    assert len(open_report(p, "2026-01", tmp_path / "o").transactions()) == 1
    with duckdb.connect(str(db)) as con:
        con.execute("insert into o values ('B', timestamp '2026-01-05 09:00', 4.0)")
    assert len(open_report(p, "2026-01", tmp_path / "o").transactions()) == 1  # same render: the cached read
    monkeypatch.setenv(datasets.RUN_ID_ENV, "render-2")
    assert len(open_report(p, "2026-01", tmp_path / "o").transactions()) == 2  # next render: the database again


def test_a_period_after_the_data_is_refused(root):
    params = load_params(root / "params" / "cdnow.yaml")
    with pytest.raises(
        PeriodError,
        match=r"period 1998-07 starts after the last transaction \(1998-06-30\); the latest complete month is 1998-06",
    ):
        datasets.resolve_period(params, "1998-07")
    assert datasets.resolve_period(params, "1997-03").label == "1997-03"


# ---------------------------------------------------------------------------
# latest from the kept rows, no usable row, the day a source was written (issue #13)


def _client(tmp_path, rows: str, extra: str = "") -> object:
    (tmp_path / "params").mkdir(exist_ok=True)
    (tmp_path / "tx.csv").write_text("c,d,a\n" + rows, encoding="utf-8")
    p = tmp_path / "params" / "t.yaml"
    p.write_text(
        "client: t\ntitle: T\nsources:\n  transactions:\n    path: tx.csv\n"
        f"{extra}    columns: {{customer_id: c, order_date: d, amount: a}}\n"
    )
    return load_params(p)


def test_latest_never_lies_after_the_last_kept_row(tmp_path):
    params = _client(tmp_path, "A,2026-02-05,5\nB,2026-03-15,6\n", "    exported_at: 2026-10-31\n")
    assert datasets.resolve_period(params, "latest").label == "2026-03"
    assert datasets.resolve_period(params, "2026-03").label == "2026-03"
    params = _client(tmp_path, "A,2026-02-05,5\nB,2026-03-15,6\n")  # no export date: March is not complete
    assert datasets.resolve_period(params, "latest").label == "2026-02"


def test_latest_without_a_complete_month_says_what_to_set(tmp_path):
    from repurchase.core.errors import DataError

    params = _client(tmp_path, "A,2026-03-05,5\nB,2026-03-15,6\n")
    with pytest.raises(
        DataError,
        match=r"period latest is 2026-02, the last complete month, but every kept row is later .*set period: 2026-03",
    ):
        datasets.resolve_period(params, "latest")


def test_written_at_is_the_file_day_or_today(tmp_path):
    import datetime as dt
    import os

    params = _client(tmp_path, "A,2026-01-05,5\n")
    os.utime(tmp_path / "tx.csv", (1767225600, 1767225600))  # 2026-01-01 00:00 UTC
    assert datasets.written_at(params.sources.transactions, "Asia/Shanghai") == dt.date(2026, 1, 1)
    assert datasets.written_at(params.sources.transactions, "America/New_York") == dt.date(2025, 12, 31)
