"""Value parsers: IDs, amounts written as text, dates in mixed formats."""

from __future__ import annotations

import pandas as pd
import pytest

from repurchase.cleaning import normalize_ids, parse_amounts, parse_dates


def test_explicit_date_format_and_day_first():
    dates, nonstd = parse_dates(pd.Series(["19970101", "19971231"]), "%Y%m%d")
    assert dates.tolist() == [pd.Timestamp("1997-01-01"), pd.Timestamp("1997-12-31")] and not nonstd.any()
    d, _ = parse_dates(pd.Series(["03/04/2026"]), day_first=True)
    m, _ = parse_dates(pd.Series(["03/04/2026"]), day_first=False)
    assert d[0] == pd.Timestamp("2026-04-03") and m[0] == pd.Timestamp("2026-03-04")


@pytest.mark.parametrize(
    "text,value",
    [
        ("¥1,299.00", 1299.0),
        ("￥59", 59.0),
        ("1,024.5 元", 1024.5),
        ("(12.00)", -12.0),
        ("RMB 8", 8.0),
        ("12", 12.0),
        ("x", None),
        ("", None),
    ],
)
def test_parse_amounts(text, value):
    got, _ = parse_amounts(pd.Series([text]))
    assert (pd.isna(got[0]) and value is None) or got[0] == value


@pytest.mark.parametrize(
    "case,expected",
    [("upper", ["C001", "C001", "A B"]), ("lower", ["c001", "c001", "a b"]), ("keep", ["c001", "C001", "a b"])],
)
def test_normalize_ids(case, expected):
    assert normalize_ids(pd.Series([" c001", "C001 ", "a   b"]), case).tolist() == expected


def test_float_ids_from_typed_sources_lose_the_decimal():
    assert normalize_ids(pd.Series([1234.0, 5.0])).tolist() == ["1234", "5"]


def test_the_column_usual_date_format_is_not_a_repair():
    # a Chinese export writes 2026/3/5 14:22 throughout: only the odd ISO value counts as a repair
    dates, nonstd = parse_dates(pd.Series(["2026/3/5 14:22", "2026/3/6 09:00", "2026/12/31 23:59", "2026-03-05"]))
    assert nonstd.tolist() == [False, False, False, True]
    assert dates[2] == pd.Timestamp("2026-12-31 23:59")
