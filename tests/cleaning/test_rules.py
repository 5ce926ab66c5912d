"""Cleaning rules, one by one, and the ledger balance (also property-based)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repurchase import DataError
from repurchase.cleaning import RULES, clean_customers, clean_surveys, clean_transactions
from repurchase.core.params import CleaningSettings


def test_each_row_gets_its_hand_labelled_outcome(result, expected):
    got = {r.raw_row: (r.outcome, None if pd.isna(r.reason) else r.reason) for r in result.outcome.itertuples()}
    assert got == expected


def test_ledger_balances_and_counts_per_rule(result):
    s = result.summary().set_index("outcome")["rows"]
    assert (s["raw"], s["kept"], s["fixed"], s["excluded"]) == (20, 4, 2, 14)
    ledger = result.ledger().set_index("rule")["rows"]
    assert ledger["refund_netted"] == 2 and ledger["duplicate_row"] == 1 and ledger["id_normalized"] == 1
    excluded = result.ledger().query("outcome == 'excluded'")["rows"].sum()
    assert excluded == s["excluded"]
    assert [r for r, _, _ in RULES] == result.ledger()["rule"].tolist()


def test_clean_values(result, expected):
    clean = result.clean.set_index("raw_row")
    assert clean.loc[2, "customer_id"] == "C1" and clean.loc[2, "amount"] == 1200.0
    assert clean.loc[2, "order_date"] == pd.Timestamp("2026-01-05 23:59")
    assert clean.loc[3, "amount"] == 30.0 and clean.loc[3, "refund_amount"] == 20.0  # 50 - 20
    assert clean.loc[19, "amount"] == 80.0  # its refund came after the period: not applied
    assert result.quarantine["reason"].value_counts()["refund_netted"] == 2
    assert set(result.quarantine["raw_row"]) == {k for k, v in expected.items() if v[0] == "excluded"}


def test_refunds_exclude_mode_drops_refunded_orders(fixture_raw):
    r = clean_transactions(
        fixture_raw, CleaningSettings(refunds="exclude"), period_end_exclusive=pd.Timestamp("2026-02-01")
    )
    reasons = r.outcome.set_index("raw_row")["reason"]
    assert reasons[3] == "refunded_order" and reasons[9] == "refund_row" and reasons[15] == "refunded_order"
    assert 3 not in set(r.clean["raw_row"])


def test_refund_spread_over_order_lines_when_product_unknown(make_raw):
    raw = make_raw(
        [
            ("A", "O1", "P1", "2026-01-01", "60", "paid"),
            ("A", "O1", "P2", "2026-01-01", "40", "paid"),
            ("A", "O1", "", "2026-01-03", "-50", "refund"),
        ]
    )
    r = clean_transactions(raw)
    # no product on the refund: matched on the order; 50 spread 60:40 -> 30 and 20
    assert r.clean.set_index("raw_row")["refund_amount"].to_dict() == {1: 30.0, 2: 20.0}
    assert r.clean["amount"].sum() == 50.0


def test_zero_amounts_can_be_kept_and_duplicates_allowed(make_raw):
    raw = make_raw([("A", None, None, "2026-01-01", "0", "paid"), ("A", None, None, "2026-01-01", "0", "paid")])
    r = clean_transactions(raw, CleaningSettings(zero_amounts="keep", drop_exact_duplicates=False))
    assert len(r.clean) == 2 and r.clean["order_id"].tolist() == ["row-1", "row-2"]  # no order id: a row is an order


def test_unparseable_date_column_is_a_clear_error(make_raw):
    raw = make_raw([("A", "O1", "P", "05.01.2026 x", "1", "paid")] * 3)
    with pytest.raises(
        DataError, match=r"tx.csv: 100% of order_date values cannot be read \(e.g. '05.01.2026 x'\); .*date_format"
    ):
        clean_transactions(raw, source="tx.csv")


def test_customers_and_surveys():
    cust = pd.DataFrame(
        {
            "customer_id": ["a1", "A1", "", "b2"],
            "signup_date": ["2025-01-01", "2025-02-01", "", "bad"],
            "tier": ["gold", "gold", "x", "normal"],
            "raw_row": [1, 2, 3, 4],
        }
    )
    r = clean_customers(cust)
    assert r.outcome["reason"].tolist()[1:3] == ["duplicate_customer", "missing_customer_id"]
    assert r.clean["customer_id"].tolist() == ["A1", "B2"] and pd.isna(r.clean["signup_date"].iloc[1])
    assert r.summary().set_index("outcome")["rows"].to_dict() == {"raw": 4, "kept": 0, "fixed": 2, "excluded": 2}
    surveys = pd.DataFrame(
        {
            "customer_id": ["A1", "B2", "C3"],
            "response_date": ["2026-01-02", "2026-03-01", "2026-01-05"],
            "nps": ["9", "3", "11"],
            "aspect_delivery": ["5", "0", "4"],
            "comment": ["<b>好</b>", "", "差"],
            "raw_row": [1, 2, 3],
        }
    )
    s = clean_surveys(surveys, period_end_exclusive=pd.Timestamp("2026-02-01"))
    assert s.clean["customer_id"].tolist() == ["A1", "C3"]
    assert pd.isna(s.clean["nps"].iloc[1]) and s.clean["aspect_delivery"].tolist() == [
        5.0,
        4.0,
    ]  # 11 is off the 0-10 scale
    assert s.clean["comment"].iloc[0] == "<b>好</b>"  # kept as text; escaped only when shown


_cell = st.sampled_from(["A", " a", "", "B", "b ", "C"])
_date = st.sampled_from(["2026-01-01", "2026/1/2", "N/A", "20260103", "2026-05-01", "2026年1月4日"])
_amount = st.sampled_from(["10", "-5", "0", "¥1,000", "x", "-10"])
_status = st.sampled_from(["paid", "refund", "cancelled"])
_order = st.sampled_from(["O1", "O2", "O3", ""])


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(_cell, _order, _cell, _date, _amount, _status), min_size=1, max_size=40),
    st.sampled_from(["net", "exclude"]),
)
@pytest.mark.heavy
def test_ledger_always_balances(make_raw, rows, refunds):
    raw = make_raw(rows)
    try:
        r = clean_transactions(raw, CleaningSettings(refunds=refunds), period_end_exclusive=pd.Timestamp("2026-02-01"))
    except DataError as exc:  # a column mostly unreadable is refused as a whole, with its share stated
        share = int(str(exc).split("% of ")[0].rsplit(" ", 1)[-1])
        assert share > 50
        return
    s = r.summary().set_index("outcome")["rows"]
    assert s["raw"] == len(rows) == s["kept"] + s["fixed"] + s["excluded"]
    assert sorted(r.outcome["raw_row"]) == list(range(1, len(rows) + 1))  # every row exactly once
    assert len(r.clean) == s["kept"] + s["fixed"] and len(r.quarantine) == s["excluded"]
    assert r.ledger().query("outcome == 'excluded'")["rows"].sum() == s["excluded"]
    assert (r.clean["amount"] > 0).all() and (r.clean["order_date"] < pd.Timestamp("2026-02-01")).all()


@pytest.mark.parametrize(
    "values,hint",
    [
        (["26/01/2025", "27/01/2025", "28/01/2025"], "set cleaning.day_first: true"),
        (["45123", "45124", "45130"], "Excel serial day numbers"),
        (["1767225600", "1767312000", "1767398400"], "Unix timestamps"),
        (["05.01.2026 x"] * 3, "date_format"),
    ],
)
def test_unreadable_dates_get_the_likely_fix(make_raw, values, hint):
    raw = make_raw([("A", f"O{k}", "P", v, "1", "paid") for k, v in enumerate(values)])
    with pytest.raises(DataError, match=hint):
        clean_transactions(raw, source="tx.csv")


def test_refund_matches_the_line_by_product_name_without_product_ids():
    raw = pd.DataFrame(
        {
            "customer_id": ["A"] * 3,
            "order_id": ["O1"] * 3,
            "product_name": ["茶叶", "茶具", "茶叶"],
            "order_date": ["2026-01-01", "2026-01-01", "2026-01-03"],
            "amount": ["60", "40", "-60"],
            "status": ["paid", "paid", "refund"],
            "raw_row": [1, 2, 3],
        }
    )
    r = clean_transactions(raw)
    # the 茶叶 line is fully refunded; the 茶具 line is untouched (not 60 spread 60:40 over both)
    assert r.outcome.set_index("raw_row").loc[[1, 3], "reason"].tolist() == ["fully_refunded", "refund_netted"]
    assert r.clean["product_name"].tolist() == ["茶具"] and r.clean["amount"].tolist() == [40.0]


# ---------------------------------------------------------------------------
# the rules of issue #13: short rows, non-finite amounts, dates out of range, IDs as written


def test_new_rules_exclude_their_rows_and_the_ledger_balances(make_raw):
    import datetime as dt

    raw = make_raw(
        [
            ("A", "O1", "P", "2026-01-05", "10", "paid"),  # kept
            ("B", "O2", "P", "2026-01-06", "inf", "paid"),  # non_finite_amount
            ("C", "O3", "P", "1985-06-01", "20", "paid"),  # before_min_date
            ("D", "O4", "P", "2026-01-20", "30", ""),  # short_row (the status field is missing)
            ("E", "O5", "P", "2026-01-25", "40", "paid"),  # dated_in_future: the file was written on 2026-01-21
            ("F", "O6", "P", "2026-01-21", "nan", "paid"),  # non_finite_amount
        ]
    )
    r = clean_transactions(raw, written_at=dt.date(2026, 1, 21), short_rows=(4,))
    reasons = r.outcome.set_index("raw_row")["reason"].to_dict()
    assert [reasons[k] for k in range(2, 7)] == [
        "non_finite_amount",
        "before_min_date",
        "short_row",
        "dated_in_future",
        "non_finite_amount",
    ]
    assert pd.isna(reasons[1]) and r.clean["amount"].tolist() == [10.0]
    s = r.summary().set_index("outcome")["rows"]
    assert s["raw"] == 6 == s["kept"] + s["fixed"] + s["excluded"]
    assert r.ledger().query("outcome == 'excluded'")["rows"].sum() == 5
    # with an export date, that date decides, not the file's
    r = clean_transactions(raw, exported_at=dt.date(2026, 1, 31), written_at=dt.date(2026, 1, 21))
    assert "dated_in_future" not in set(r.outcome["reason"].dropna())
    r = clean_transactions(raw, CleaningSettings(min_date=dt.date(1980, 1, 1)))
    assert "before_min_date" not in set(r.outcome["reason"].dropna())


def test_mostly_short_rows_mean_a_wrong_delimiter(make_raw):
    raw = make_raw([("A", "O1", "P", "2026-01-05", "10", "paid")] * 3)
    with pytest.raises(
        DataError, match=r"tx\.csv: 67% of the rows have fewer fields than the header \(e\.g\. data row 1\)"
    ):
        clean_transactions(raw, short_rows=(1, 2), source="tx.csv")


def test_ids_keep_their_first_spelling_for_exports(make_raw):
    from repurchase.cleaning import ids_as_written

    raw = make_raw(
        [
            (" Ann@Example.com", "O1", "P", "2026-01-05", "10", "paid"),
            ("ANN@EXAMPLE.COM", "O2", "P", "2026-01-06", "20", "paid"),
            ("BOB", "O3", "P", "2026-01-07", "30", "paid"),
        ]
    )
    r = clean_transactions(raw)
    assert set(r.clean["customer_id"]) == {"ANN@EXAMPLE.COM", "BOB"}
    assert r.id_spelling.to_dict("records") == [{"customer_id": "ANN@EXAMPLE.COM", "written": "Ann@Example.com"}]
    ids = pd.Series(["ANN@EXAMPLE.COM", "BOB", "CAROL", None], dtype=object)
    assert ids_as_written(ids, r, None).tolist() == ["Ann@Example.com", "BOB", "CAROL", None]
