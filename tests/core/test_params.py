"""Params files: every problem reported at once, unknown keys with the closest valid key."""

from __future__ import annotations

from pathlib import Path

import pytest

from repurchase import ParamsError, load_params
from repurchase.core.params import Params

GOOD = """
client: acme
title: ACME
sources:
  transactions:
    path: tx.csv
    columns: {customer_id: cust, order_date: day, amount: paid}
"""


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "tx.csv").write_text("cust,day,paid\nA,2026-01-01,10\n", encoding="utf-8")
    p = tmp_path / "acme.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_valid_file_resolves_relative_paths(tmp_path):
    params = load_params(_write(tmp_path, GOOD))
    assert isinstance(params, Params)
    assert params.sources.transactions.path == tmp_path / "tx.csv"  # no repository above: relative to the params file
    assert params.sources.transactions.format == "csv"  # inferred from the extension
    assert params.period == "latest" and params.language == "en"


def test_unknown_key_names_closest_valid_key_and_file(tmp_path):
    p = _write(tmp_path, GOOD.replace("    columns:", "    colums:"))
    with pytest.raises(
        ParamsError, match=r"sources\.transactions\.colums: unknown key 'colums'; did you mean 'columns'\?"
    ) as e:
        load_params(p)
    assert str(p) in str(e.value)


def test_every_problem_reported_at_once(tmp_path):
    text = GOOD.replace("client: acme", "client: Acme Inc").replace(
        "title: ACME\n", "title: ACME\nlanguage: fr\nperiod: 2026-13\ncleaning: {refunds: keep, bogus: 1}\n"
    )
    with pytest.raises(ParamsError) as e:
        load_params(_write(tmp_path, text))
    msg = str(e.value)
    assert "5 problems" in msg
    for part in ("client:", "language:", "period: use YYYY-MM", "cleaning.refunds", "cleaning.bogus: unknown key"):
        assert part in msg


def test_missing_required_column_mapping(tmp_path):
    text = GOOD.replace("order_date: day, ", "")
    with pytest.raises(ParamsError, match="columns lacks order_date"):
        load_params(_write(tmp_path, text))


def test_unknown_canonical_column_suggests(tmp_path):
    text = GOOD.replace("amount: paid", "amount: paid, categroy: cat")
    with pytest.raises(ParamsError, match="unknown canonical name 'categroy' \\(did you mean 'category'\\?\\)"):
        load_params(_write(tmp_path, text))


def test_missing_source_file(tmp_path):
    p = _write(tmp_path, GOOD.replace("tx.csv", "nope.csv"))
    with pytest.raises(ParamsError, match=r"sources\.transactions\.path: file not found: .*nope\.csv"):
        load_params(p)


def test_missing_params_file_lists_neighbours(tmp_path):
    _write(tmp_path, GOOD)
    with pytest.raises(ParamsError, match=r"file not found; files there: acme\.yaml"):
        load_params(tmp_path / "acne.yaml")


def test_invalid_yaml_names_line(tmp_path):
    with pytest.raises(ParamsError, match="line 3"):
        load_params(_write(tmp_path, "client: a\ntitle: b\n  - : [\n"))


def test_unknown_encoding(tmp_path):
    text = GOOD.replace("    columns:", "    encoding: klingon\n    columns:")
    with pytest.raises(ParamsError, match="unknown encoding 'klingon'; use utf-8, utf-8-sig, gbk or gb18030"):
        load_params(_write(tmp_path, text))


def test_package_path_resolves_into_lifetimes():
    params = load_params(Path(__file__).resolve().parents[2] / "params" / "cdnow.yaml")
    path = params.sources.transactions.path
    assert path.name == "CDNOW_sample.txt" and path.exists()


def test_repo_params_files_validate(demo_data):
    for p in sorted((Path(__file__).resolve().parents[2] / "params").glob("*.yaml")):
        params = load_params(p)
        assert params.client == p.stem  # the slug matches the file name


def test_column_problems_are_one_line_each(tmp_path):
    text = GOOD.replace("customer_id: cust, ", "customer: cust, ")
    with pytest.raises(ParamsError) as e:
        load_params(_write(tmp_path, text))
    assert e.value.problems == [
        "sources.transactions.columns lacks customer_id: map each to the column of your file",
        "sources.transactions.columns has unknown canonical name 'customer' (did you mean 'customer_id'?); "
        "allowed: customer_id, order_date, amount, order_id, quantity, product_id, product_name, category, channel, "
        "region, store, status",
    ]


# ---------------------------------------------------------------------------
# YAML aliases, huge values, time zone and date floor (issue #13)


def test_yaml_aliases_are_bounded_but_small_ones_work(tmp_path):
    small = GOOD + "cleaning: &c {refunds: net}\nrepurchase: {trend_months: 12}\n"
    assert load_params(_write(tmp_path, small)).cleaning.refunds == "net"
    bomb = GOOD + 'satisfaction: {}\nx: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for i in range(1, 6):
        bomb += f"x{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]\n"
    with pytest.raises(ParamsError, match=r"line \d+: the YAML expands to more than 20,000 values through aliases"):
        load_params(_write(tmp_path, bomb))
    with pytest.raises(ParamsError, match=r"line 8: a YAML alias \(\*name\) refers to itself"):
        load_params(_write(tmp_path, GOOD + "title: &t [*t]\n"))


def test_a_huge_file_or_value_is_not_repeated(tmp_path):
    p = _write(tmp_path, GOOD.replace("title: ACME", "title: ACME\nlanguage: " + "y" * 10_000))
    with pytest.raises(ParamsError) as e:
        load_params(p)
    assert len(str(e.value)) < 600 and "(10,002 characters)" in str(e.value)
    p.write_text(GOOD + "# " + "z" * (2 << 20) + "\n", encoding="utf-8")
    with pytest.raises(ParamsError, match=r"the file is [\d,]+ bytes; a params file is a few KB"):
        load_params(p)


def test_timezone_and_min_date(tmp_path):
    import datetime as dt

    params = load_params(_write(tmp_path, GOOD + "cleaning: {timezone: Asia/Shanghai, min_date: 2000-01-01}\n"))
    assert params.cleaning.timezone == "Asia/Shanghai" and params.cleaning.min_date == dt.date(2000, 1, 1)
    assert load_params(_write(tmp_path, GOOD)).cleaning.min_date == dt.date(1990, 1, 1)
    with pytest.raises(
        ParamsError, match=r"cleaning\.timezone: unknown time zone 'Europe/Pariss' \(did you mean 'Europe/Paris'\?\)"
    ):
        load_params(_write(tmp_path, GOOD + "cleaning: {timezone: Europe/Pariss}\n"))
    spec = GOOD.replace("    columns:", "    decimal: comma\n    skip_rows: 2\n    columns:")
    t = load_params(_write(tmp_path, spec)).sources.transactions
    assert (t.decimal, t.skip_rows) == ("comma", 2)
    with pytest.raises(ParamsError, match=r"decimal: got 'dot'"):
        load_params(_write(tmp_path, spec.replace("decimal: comma", "decimal: dot")))
