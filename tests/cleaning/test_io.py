"""Reading sources: formats, encodings, mapping errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from repurchase import SourceError
from repurchase.cleaning.io import read_source, suggest_encoding
from repurchase.core.params import SourceSpec

ROWS = [("会员A", "2026-01-05", '"￥1,200"'), ("会员B", "2026-02-01", "30")]
COLS = {"customer_id": "会员ID", "order_date": "下单时间", "amount": "实付金额"}


def _csv(tmp_path: Path, encoding: str, sep: str = ",") -> Path:
    p = tmp_path / f"tx-{encoding}.csv"
    lines = [sep.join(["会员ID", "下单时间", "实付金额"])] + [sep.join(r) for r in ROWS]
    p.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return p


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings(tmp_path, encoding):
    spec = SourceSpec(path=_csv(tmp_path, encoding), encoding=encoding, columns=COLS)
    df = read_source(spec)
    assert list(df.columns) == ["customer_id", "order_date", "amount", "raw_row"]
    assert df["customer_id"].tolist() == ["会员A", "会员B"]
    assert df["amount"].tolist() == ["￥1,200", "30"]  # parsed later, by cleaning
    assert df["raw_row"].tolist() == [1, 2]


def test_wrong_encoding_suggests_the_right_one(tmp_path):
    spec = SourceSpec(path=_csv(tmp_path, "gbk"), encoding="utf-8", columns=COLS)
    with pytest.raises(SourceError, match=r"cannot be read as utf-8 .*set sources.transactions.encoding: gbk"):
        read_source(spec)


def test_suggest_encoding_detects_bom_and_gbk(tmp_path):
    assert suggest_encoding(_csv(tmp_path, "utf-8-sig")) == "utf-8-sig"
    assert suggest_encoding(_csv(tmp_path, "gbk"), exclude="utf-8") == "gbk"


def test_missing_column_names_file_and_found_columns(tmp_path):
    cols = dict(COLS, order_date="下单日期")
    spec = SourceSpec(path=_csv(tmp_path, "utf-8"), columns=cols)
    with pytest.raises(
        SourceError,
        match=r"tx-utf-8.csv: sources.transactions.columns.order_date: column '下单日期' not found \(did you mean '下单时间'\?\).*Columns found: 会员ID, 下单时间, 实付金额",
    ):
        read_source(spec)


@pytest.mark.parametrize("delimiter,sep", [("tab", "\t"), ("semicolon", ";")])
def test_delimiters(tmp_path, delimiter, sep):
    spec = SourceSpec(path=_csv(tmp_path, "utf-8", sep), delimiter=delimiter, columns=COLS)
    assert read_source(spec)["order_date"].tolist() == ["2026-01-05", "2026-02-01"]


def test_whitespace_headerless_by_position(tmp_path):
    p = tmp_path / "cd.txt"
    p.write_text("00001   1 19970101 1  11.77\n00002   2 19970112 2  89.00\n", encoding="utf-8")
    spec = SourceSpec(
        path=p, delimiter="whitespace", header=False, columns={"customer_id": 0, "order_date": 2, "amount": 4}
    )
    df = read_source(spec)
    assert df["customer_id"].tolist() == ["00001", "00002"]  # leading zeros kept: read as text
    assert df["amount"].tolist() == ["11.77", "89.00"]


def test_excel_sheet_by_name_and_missing_sheet(tmp_path):
    p = tmp_path / "m.xlsx"
    with pd.ExcelWriter(p) as xl:
        pd.DataFrame({"x": [1]}).to_excel(xl, sheet_name="说明", index=False)
        pd.DataFrame(ROWS, columns=["会员ID", "下单时间", "实付金额"]).to_excel(xl, sheet_name="订单", index=False)
    df = read_source(SourceSpec(path=p, sheet="订单", columns=COLS))
    assert df["customer_id"].tolist() == ["会员A", "会员B"]
    with pytest.raises(SourceError, match="sheet '订单s' not found; sheets: 说明, 订单"):
        read_source(SourceSpec(path=p, sheet="订单s", columns=COLS))


def test_parquet_reads_only_mapped_columns(tmp_path):
    p = tmp_path / "t.parquet"
    pd.DataFrame({"c": ["A"], "d": pd.to_datetime(["2026-01-01"]), "a": [5.0], "unused": ["x"]}).to_parquet(p)
    df = read_source(SourceSpec(path=p, columns={"customer_id": "c", "order_date": "d", "amount": "a"}))
    assert list(df.columns) == ["customer_id", "order_date", "amount", "raw_row"]
    assert df["amount"].tolist() == [5.0]


def test_sql_duckdb_file(tmp_path):
    import duckdb

    db = tmp_path / "shop.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create table orders as select 'A' as cust, date '2026-01-02' as day, 12.5 as paid")
    spec = SourceSpec(
        url=str(db),
        query="select * from orders",
        columns={"customer_id": "cust", "order_date": "day", "amount": "paid"},
    )
    df = read_source(spec)
    assert df["customer_id"].tolist() == ["A"] and float(df["amount"].iloc[0]) == 12.5


def test_sql_sqlalchemy_url(tmp_path):
    import sqlite3

    db = tmp_path / "shop.sqlite"
    with sqlite3.connect(db) as con:
        con.execute("create table o (cust text, day text, paid real)")
        con.execute("insert into o values ('B', '2026-03-04', 7.0)")
    spec = SourceSpec(
        url=f"sqlite:///{db}",
        query="select * from o",
        columns={"customer_id": "cust", "order_date": "day", "amount": "paid"},
    )
    assert read_source(spec)["customer_id"].tolist() == ["B"]


def test_missing_file(tmp_path):
    spec = SourceSpec(path=tmp_path / "gone.csv", columns=COLS)
    with pytest.raises(SourceError, match=r"gone\.csv: file not found"):
        read_source(spec)


def test_database_files_resolve_against_the_repository(tmp_path):
    import sqlite3

    import duckdb

    from repurchase import load_params

    (tmp_path / "params").mkdir()
    (tmp_path / "data").mkdir()
    with duckdb.connect(str(tmp_path / "data" / "shop.duckdb")) as con:
        con.execute("create table o as select 'A' as c, date '2026-01-02' as d, 3.0 as a")
    with sqlite3.connect(tmp_path / "data" / "shop.db") as con:
        con.execute("create table o (c text, d text, a real)")
        con.execute("insert into o values ('B', '2026-01-03', 4.0)")
    cols = "    query: select * from o\n    columns: {customer_id: c, order_date: d, amount: a}\n"
    for name, where, expected in (
        ("u1", "url: data/shop.duckdb", "A"),
        ("u2", "url: sqlite:///data/shop.db", "B"),
        ("u3", "path: data/shop.duckdb", "A"),
        ("u4", "path: data/shop.db", "B"),
    ):
        p = tmp_path / "params" / f"{name}.yaml"
        p.write_text(f"client: {name}\ntitle: T\nsources:\n  transactions:\n    {where}\n{cols}", encoding="utf-8")
        spec = load_params(p).sources.transactions  # run from any working directory
        assert read_source(spec)["customer_id"].tolist() == [expected], where


def test_wrong_delimiter_is_named(tmp_path):
    spec = SourceSpec(path=_csv(tmp_path, "utf-8", sep="\t"), columns=COLS)  # tab file read as comma-separated
    with pytest.raises(
        SourceError, match=r"the header was read as one column .*set sources.transactions.delimiter: tab"
    ):
        read_source(spec)
