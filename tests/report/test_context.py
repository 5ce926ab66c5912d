"""The notebook context: data, metrics in the results store, exports, masked display."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from repurchase.report import open_report


def test_open_report_records_metrics_and_exports(tmp_path, root):
    ctx = open_report(root / "params" / "cdnow.yaml", period="latest", output_dir=tmp_path)
    assert ctx.period.label == "1998-06"
    tx = ctx.transactions()
    assert len(tx) == 6919 and tx["customer_id"].nunique() == 2357  # the published CDNOW_sample size
    written = ctx.record_metrics("demo", {"x": np.float64(0.5), "y": math.nan})
    assert json.loads((tmp_path / "results" / "demo" / "metrics.json").read_text()) == written == {"x": 0.5, "y": None}
    path = ctx.export(pd.DataFrame({"customer_id": ["00001"]}), "ids.csv")
    assert path == tmp_path / "exports" / "ids.csv" and "00001" in path.read_text(encoding="utf-8-sig")
    shown = ctx.show(tx.head(2))._repr_html_()
    assert tx["customer_id"].iloc[0] not in shown  # masked by default
    assert ctx.surveys() is None and ctx.customers() is None
    shown = ctx.show(tx.head(2))._repr_html_()
    assert tx["customer_id"].iloc[0] not in shown  # ctx.show masks too
