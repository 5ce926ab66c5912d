"""Plain JSON values for metrics.json."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd

from repurchase.core.files import to_jsonable


def test_to_jsonable_handles_numpy_nan_and_dates():
    got = to_jsonable(
        {
            "a": np.int64(3),
            "b": np.float32(0.5),
            "c": float("nan"),
            "d": pd.Timestamp("2026-01-02"),
            "e": [np.bool_(True), None],
            "f": dt.date(2026, 1, 1),
        }
    )
    assert got == {"a": 3, "b": 0.5, "c": None, "d": "2026-01-02T00:00:00", "e": [True, None], "f": "2026-01-01"}
    json.dumps(got)
