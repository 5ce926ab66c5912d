"""Integer customer codes (repurchase.core.ids) on a hand-made fixture."""

from __future__ import annotations

import numpy as np
import pandas as pd

from repurchase.core.ids import CustomerCodes


def test_codes_follow_the_sorted_ids() -> None:
    tx = pd.DataFrame({"customer_id": ["b", "a", "c", "a", None], "amount": [1.0, 2.0, 3.0, 4.0, 5.0]})
    codes = CustomerCodes.of(tx)
    assert list(codes.ids) == ["a", "b", "c"] and codes.ids.name == "customer_id"
    coded = codes.encode(tx)
    # "b"->1, "a"->0, "c"->2; the row without an ID has no code and is dropped
    assert coded["customer_id"].tolist() == [1, 0, 2, 0]
    assert coded["amount"].tolist() == [1.0, 2.0, 3.0, 4.0]
    assert coded["customer_id"].dtype == np.int64
    assert tx["customer_id"].tolist() == ["b", "a", "c", "a", None]  # the input is not changed
    assert codes.decode(coded["customer_id"]).tolist() == ["b", "a", "c", "a"]


def test_side_sources_lose_the_ids_without_a_purchase() -> None:
    codes = CustomerCodes(pd.Index(["a", "b"], name="customer_id"))
    customers = pd.DataFrame({"customer_id": ["z", "b", "a"], "tier": ["gold", "normal", "gold"]})
    out = codes.encode(customers)
    assert out["customer_id"].tolist() == [1, 0] and out["tier"].tolist() == ["normal", "gold"]
    assert codes.encode(None) is None
    no_ids = pd.DataFrame({"x": [1]})
    assert codes.encode(no_ids) is no_ids
    values = pd.Series([5.0, 7.0, 9.0], index=pd.Index(["b", "q", "a"], name="customer_id"))
    by_code = codes.encode_index(values)
    assert by_code.to_dict() == {1: 5.0, 0: 9.0} and by_code.index.name == "customer_id"


def test_sorting_by_code_is_sorting_by_id() -> None:
    rng = np.random.default_rng(3)
    ids = np.array([f"C{int(i):06d}" for i in rng.integers(0, 10**6, 500)], dtype=object)
    frame = pd.DataFrame({"customer_id": ids})
    codes = CustomerCodes.of(frame)
    coded = codes.encode(frame)["customer_id"].to_numpy()
    assert (codes.decode(np.sort(coded)) == np.sort(ids)).all()
