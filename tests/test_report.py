"""The notebook context: safe tables and sentences, metrics, exports, periods, ID masking."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pandas as pd
import pytest

from repurchase.core.errors import PeriodError
from repurchase.core.files import to_jsonable
from repurchase.core.periods import Period, expand_periods, latest_complete_month
from repurchase.core.privacy import mask_ids
from repurchase.report import open_report, say, show_table

HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "</table>"]


def test_show_table_escapes_every_value_and_header():
    frame = pd.DataFrame({"comment <b>": HOSTILE, "n": [1, 2000, 3]})
    html = show_table(frame)._repr_html_()
    assert "<script>" not in html and "<img" not in html and html.count("</table>") == 1
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "comment &lt;b&gt;" in html
    assert '<td class="num">2,000</td>' in html  # thousands separator by default


def test_show_table_formats_and_truncates():
    frame = pd.DataFrame({"share": [0.1234, np.nan], "x": ["a", None]})
    html = show_table(frame, formats={"share": "{:.1%}"}, max_rows=1)._repr_html_()
    assert "12.3%" in html and "1 more rows not shown" in html


def test_say_escapes_values_not_template():
    out = say("Top product: **{name}** with {share:.0%}", name=HOSTILE[1], share=0.25)._repr_html_()
    assert "<strong>&lt;img src=x onerror=alert(1)&gt;</strong>" in out and "25%" in out


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


def test_period_arithmetic():
    p = Period.from_label("2026-03")
    assert p.start == pd.Timestamp("2026-03-01") and p.end == pd.Timestamp("2026-03-31")
    assert p.end_exclusive == pd.Timestamp("2026-04-01")
    assert p.previous.label == "2026-02" and p.year_ago.label == "2025-03" and p.shift(10).label == "2027-01"


def test_latest_complete_month():
    # export date on the last day of a month: that month is complete
    assert latest_complete_month(pd.Timestamp("2026-10-31 20:00"), dt.date(2026, 10, 31)).label == "2026-10"
    # exported mid-month: the month before
    assert latest_complete_month(pd.Timestamp("2026-11-05"), dt.date(2026, 11, 20)).label == "2026-10"
    # no export date: the last transaction's month counts only when it ends on its last day
    assert latest_complete_month(pd.Timestamp("1998-06-30")).label == "1998-06"
    assert latest_complete_month(pd.Timestamp("1998-06-29")).label == "1998-05"


def test_expand_periods():
    assert expand_periods("2026-05..2026-10") == ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]
    assert expand_periods("latest") == ["latest"]
    with pytest.raises(PeriodError, match="ends before it starts"):
        expand_periods("2026-10..2026-05")


def test_mask_ids_modes():
    ids = pd.Series(["C0012345", "AB", None])
    assert mask_ids(ids).tolist()[:2] == ["C******5", "***"]
    hashed = mask_ids(ids, "hash", salt="x")
    assert hashed[0] != "C0012345" and len(hashed[0]) == 10 and hashed[0] == mask_ids(ids, "hash", salt="x")[0]
    assert hashed[0] != mask_ids(ids, "hash", salt="y")[0]  # salted per client
    assert mask_ids(ids, "show").tolist()[:2] == ["C0012345", "AB"]
    with pytest.raises(ValueError, match="must be one of mask, hash, show"):
        mask_ids(ids, "blur")


def test_open_report_records_metrics_and_exports(tmp_path, root):
    ctx = open_report(root / "params" / "cdnow.yaml", period="latest", output_dir=tmp_path)
    assert ctx.period.label == "1998-06"
    tx = ctx.transactions()
    assert len(tx) == 6919 and tx["customer_id"].nunique() == 2357  # the published CDNOW_sample size
    written = ctx.record_metrics("demo", {"x": np.float64(0.5), "y": math.nan})
    assert json.loads((tmp_path / "metrics" / "demo.json").read_text()) == written == {"x": 0.5, "y": None}
    path = ctx.export(pd.DataFrame({"customer_id": ["00001"]}), "ids.csv")
    assert path == tmp_path / "exports" / "ids.csv" and "00001" in path.read_text(encoding="utf-8-sig")
    shown = ctx.show_table(tx.head(2))._repr_html_()
    assert tx["customer_id"].iloc[0] not in shown  # masked by default
    assert ctx.surveys() is None and "no surveys source" in ctx.show_source_cleaning("surveys")._repr_html_()


def test_show_item_shows_tables_sentences_or_nothing():
    from repurchase.report import show_item

    class Ctx:
        def show_table(self, frame, **kwargs):
            return ("table", len(frame), kwargs)

    assert show_item(Ctx(), None) is None and show_item(Ctx(), "") is None
    assert show_item(Ctx(), pd.DataFrame({"a": []})) is None
    assert show_item(Ctx(), pd.DataFrame({"a": [1, 2]}), caption="c") == ("table", 2, {"caption": "c"})
    assert "&lt;b&gt;" in show_item(Ctx(), "<b>")._repr_html_()
