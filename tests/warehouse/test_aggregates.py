"""The Ibis aggregates on DuckDB equal the pandas path exactly, on CDNOW and the demo data."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest
from identity import check_identity, engine_frame, frames

from repurchase.warehouse import customer_aggregates, day_number, micro


@pytest.mark.parametrize("name", ["cdnow", "demo"])
@pytest.mark.parametrize("occasion", ["customer_day", "order"])
def test_duckdb_equals_pandas(name, occasion, cdnow_tx, demo_clean):
    tx, period = frames(cdnow_tx, demo_clean)[name]
    con = ibis.duckdb.connect()
    table = con.create_table("tx", obj=ibis.memtable(engine_frame(tx)))
    check_identity(tx, table, period, occasion=occasion)


def test_whole_days_across_dst_month_end_and_leap_day():
    """Days are calendar days: 23:59 and 00:01 are one day apart, a DST night and 29 February count once."""
    ts = pd.to_datetime(
        [
            "2024-02-28 23:59:59",  # the day before the leap day
            "2024-02-29 00:00:01",
            "2024-03-01 00:00:00",  # month end after a leap day
            "2024-03-31 02:30:00",  # Europe's spring-forward night (02:00-03:00 does not exist there)
            "2024-10-27 02:30:00",  # autumn: this hour happens twice in Europe
            "1970-01-01 00:00:00",
            "1969-12-31 23:00:00",
        ]
    )
    t = ibis.memtable(pd.DataFrame({"ts": ts}))
    got = t.select(d=day_number(t.ts)).to_pandas()["d"].to_numpy()
    expected = ts.to_numpy().astype("datetime64[D]").astype(np.int64)
    np.testing.assert_array_equal(got, expected)
    assert list(np.diff(got[:5])) == [1, 1, 30, 210]  # 29 Feb counted; 31 March -> 27 October = 210 days
    assert got[-2:].tolist() == [0, -1]


def test_money_is_summed_exactly_in_micro_units():
    """0.1 + 0.2 summed as floats is 0.30000000000000004; in micro-units it is 300000 exactly."""
    t = ibis.memtable(
        pd.DataFrame({"customer_id": ["A", "A", "A"], "order_date": pd.to_datetime(["2024-01-01"] * 2 + ["2024-01-02"]),
                      "amount": [0.1, 0.2, 0.7]})
    )  # fmt: skip
    agg = customer_aggregates(t).to_pandas()
    assert agg[["occasions", "total_u", "repeat_u"]].iloc[0].tolist() == [2, 1_000_000, 700_000]
    assert t.select(u=micro(t.amount)).to_pandas()["u"].tolist() == [100_000, 200_000, 700_000]
