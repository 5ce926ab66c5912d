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


# ---------------------------------------------------------------------------
# short rows, headers, positions, databases (issue #13)


def _spec(path: Path, **kw) -> SourceSpec:
    kw.setdefault("columns", {"customer_id": "c", "order_date": "d", "amount": "a"})
    return SourceSpec(path=path, **kw)


def test_short_rows_are_listed_and_quoted_separators_do_not_count(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text(
        'c,d,a,note\nA,2026-01-01,5,"x, y"\n\nB,2026-01-02,6,"two\nlines"\nC,2026-01-03\n  \nD,2026-01-04,7,z\nE,2026-01',
        encoding="utf-8",
    )
    df = read_source(_spec(p, columns={"customer_id": "c", "order_date": "d", "amount": "a", "product_name": "note"}))
    assert df["customer_id"].tolist() == ["A", "B", "C", "D", "E"]
    assert df["product_name"].tolist()[:2] == ["x, y", "two\nlines"]
    assert df.attrs["short_rows"] == (3, 5)  # C and the cut last line; blank lines are no rows


def test_short_rows_after_skipped_title_rows_and_in_headerless_files(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("Report\n\nc,d,a\nA,2026-01-01,5\nB,2026-01-02\n", encoding="utf-8")
    assert read_source(_spec(p, skip_rows=2)).attrs["short_rows"] == (2,)
    w = tmp_path / "w.txt"
    w.write_text("1 19970101 2 3.5\n2 19970102 1\n3 19970103 1 4\n", encoding="utf-8")
    spec = SourceSpec(path=w, delimiter="whitespace", header=False, columns={"customer_id": 0, "order_date": 1})
    assert read_source(spec).attrs["short_rows"] == (2,)  # fewer fields than most rows


def test_a_bom_and_spaces_around_header_names_still_match(tmp_path):
    p = tmp_path / "t.csv"
    p.write_bytes("\ufeffc, d ,a\nA,2026-01-01,5\n".encode())
    df = read_source(_spec(p))
    assert df["order_date"].tolist() == ["2026-01-01"] and df.attrs["short_rows"] == ()


def test_positions_map_columns_of_a_file_with_a_header(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("c,d,x,a\nA,2026-01-01,9,5\n", encoding="utf-8")
    assert read_source(_spec(p, columns={"customer_id": "c", "order_date": 1, "amount": 3}))["amount"].tolist() == ["5"]
    with pytest.raises(SourceError, match=r"columns\.amount: position 7 is beyond the last column \(the file has 4"):
        read_source(_spec(p, columns={"customer_id": "c", "order_date": "d", "amount": 7}))


def test_excel_title_rows_name_skip_rows(tmp_path):
    p = tmp_path / "m.xlsx"
    pd.DataFrame([["Members 2026", None], [None, None], ["c", "d"], ["A", "2026-01-01"]]).to_excel(
        p, index=False, header=False
    )
    spec = SourceSpec(path=p, columns={"customer_id": "c", "signup_date": "d"})
    with pytest.raises(SourceError, match=r"the header is on row 3, with 2 rows above it .*skip_rows: 2"):
        read_source(spec, "customers")
    assert read_source(SourceSpec(path=p, skip_rows=2, columns=spec.columns))["customer_id"].tolist() == ["A"]


def test_parquet_or_query_with_two_columns_of_one_name_is_refused(tmp_path):
    import duckdb

    db = tmp_path / "shop.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create table o as select 'A' as c, date '2026-01-02' as d, 1.0 as a, 2.0 as b")
    cols = {"customer_id": "c", "order_date": "d", "amount": "paid"}
    spec = SourceSpec(url=str(db), query="select c, d, a as paid, b as paid from o", columns=cols)
    with pytest.raises(SourceError, match=r"2 columns are named 'paid'; sources\.transactions\.columns\.amount"):
        read_source(spec)
    import pyarrow as pa
    import pyarrow.parquet as pq

    q = tmp_path / "t.parquet"
    pq.write_table(pa.table([["A"], ["2026-01-02"], [1.0], [2.0]], names=["c", "d", "paid", "paid"]), q)
    with pytest.raises(SourceError, match=r"2 columns are named 'paid'"):
        read_source(SourceSpec(path=q, columns=cols))


def test_a_sqlite_file_that_does_not_exist_is_not_created(tmp_path):
    missing = tmp_path / "nope.db"
    spec = SourceSpec(
        url=f"sqlite:///{missing}", query="select 1", columns={"customer_id": "c", "order_date": "d", "amount": "a"}
    )
    with pytest.raises(SourceError, match=r"nope\.db: SQLite database not found \(sources\.transactions\.url\)"):
        read_source(spec)
    assert not missing.exists()


def test_a_cut_quoted_value_says_the_file_is_cut(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text('c,d,a\nA,2026-01-01,5\nB,2026-01-02,"6', encoding="utf-8")
    with pytest.raises(SourceError, match=r"the file ends inside a quoted value .*export it again"):
        read_source(_spec(p))
