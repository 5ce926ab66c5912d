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


# ---------------------------------------------------------------------------
# the decimal convention of a column, non-finite values, UTC offsets (issue #13)


@pytest.mark.parametrize(
    "values,expected",
    [
        (["1.299,00 €", "12,5", "7"], [1299.0, 12.5, 7.0]),  # decimal comma
        (["1 299,00", "2 500,50"], [1299.0, 2500.5]),  # spaces group thousands
        (["1\u00a0299,00", "3,10"], [1299.0, 3.1]),  # a no-break space too
        (["1,299.00", "12.5", "1,299"], [1299.0, 12.5, 1299.0]),  # decimal point; a lone 1,299 is 1299
        (["1'299.50", "12,34,567.89"], [1299.5, 1234567.89]),  # Swiss and Indian grouping
        (["1.299.000", "5"], [1299000.0, 5.0]),  # two dots: thousands, so a decimal comma
        (["0.500", "7"], [0.5, 7.0]),  # 0.500 cannot be five hundred
        (["1299", "-5", "(3,50)"], [1299.0, -5.0, -3.5]),
    ],
)
def test_the_decimal_separator_is_decided_by_the_whole_column(values, expected):
    got, _ = parse_amounts(pd.Series(values), field="sources.transactions.columns.amount")
    assert got.tolist() == expected


def test_the_decimal_from_params_wins_and_contradicting_values_are_unreadable():
    got, fixed = parse_amounts(pd.Series(["1.299", "12", "1,299.00"]), "comma")
    assert got.tolist()[:2] == [1299.0, 12.0] and pd.isna(got[2]) and fixed.tolist()[:2] == [True, False]
    got, _ = parse_amounts(pd.Series(["1.299", "12,5"]), "point")
    assert got[0] == 1.299 and pd.isna(got[1])


def test_contradicting_values_are_refused_with_a_field_and_read_one_by_one_without():
    from repurchase import DataError

    values = pd.Series(["1.299,00", "3", "1,299.00", "12,50"])
    with pytest.raises(
        DataError, match=r"tx\.csv: f\.columns\.amount mixes decimal conventions: '1\.299,00' \(data rows 1, 4\)"
    ):
        parse_amounts(values, field="f.columns.amount", source="tx.csv")
    assert parse_amounts(values)[0].tolist() == [1299.0, 3.0, 1299.0, 12.5]  # e.g. re-reading quarantined rows


def test_non_finite_values_are_flagged_not_blank_ones():
    from repurchase.cleaning.parsing import non_finite

    assert non_finite(pd.Series(["inf", "-Infinity", "NaN", "", "12", None])).tolist() == [
        True,
        True,
        True,
        False,
        False,
        False,
    ]
    assert non_finite(pd.Series([1.0, float("inf"), float("nan")])).tolist() == [False, True, False]


def test_utc_offsets_become_the_local_wall_clock():
    values = pd.Series(["2026-01-31T23:30:00-05:00", "2026-01-31T20:00:00Z", "2026-01-31 10:00"])
    assert parse_dates(values)[0].astype(str).tolist() == [
        "2026-01-31 23:30:00",
        "2026-01-31 20:00:00",
        "2026-01-31 10:00:00",
    ]
    local = parse_dates(values, timezone="Asia/Shanghai")[0]
    assert local.astype(str).tolist() == ["2026-02-01 12:30:00", "2026-02-01 04:00:00", "2026-01-31 10:00:00"]
    typed = pd.Series(pd.to_datetime(["2026-01-31 20:00"]).tz_localize("UTC"))
    assert parse_dates(typed, timezone="Asia/Shanghai")[0][0] == pd.Timestamp("2026-02-01 04:00")
    assert parse_dates(typed)[0][0] == pd.Timestamp("2026-01-31 20:00")
