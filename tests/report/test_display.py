"""One display path: tables masked, translated, formatted and escaped; sentences; reasons; nothing."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from repurchase.core.status import Unavailable
from repurchase.core.table import Table
from repurchase.report.display import render, say, show_table

HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "</table>"]


def _mask(ids: pd.Series) -> pd.Series:
    return ids.str[:1] + "***"


def test_a_table_is_masked_translated_and_formatted():
    frame = pd.DataFrame({"customer_id": ["C123"], "share": [0.1234], "revenue": [1234.5], "outcome": ["kept"]})
    html = render(
        Table(frame, formats={"share": "share", "revenue": "money"}, values={"outcome": "outcome"}, caption="<b>x</b>"),
        lang="zh",
        currency="CNY",
        mask=_mask,
    )._repr_html_()
    assert "C***" in html and "C123" not in html
    assert "12.3%" in html and "¥1,234.50" in html
    assert "<th>占比</th>" in html and "保留" in html and "kept" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


def test_sentences_reasons_lists_and_nothing():
    assert render(None, lang="en") is None and render("", lang="en") is None
    assert render(Table(pd.DataFrame({"a": []})), lang="en") is None
    why = Unavailable("cleaning.source.none", {"role": "surveys"})
    assert (
        "This client has no surveys source"
        in render(Table(pd.DataFrame({"a": []}), unavailable=why), lang="en")._repr_html_()
    )
    assert "<strong>big</strong> &lt;i&gt;" in render("**big** <i>", lang="en")._repr_html_()
    both = render(["one", None, why], lang="en")._repr_html_()
    assert both.count('<p class="rp-say">') == 2


def test_overrides_change_the_spec_for_one_display():
    frame = pd.DataFrame({"n": range(30)})
    html = render(Table(frame, max_rows=5), lang="en", max_rows=10)._repr_html_()
    assert html.count("<tr>") == 11 and "20 more rows not shown." in html


def test_show_table_escapes_every_value_and_header():
    frame = pd.DataFrame({"comment <b>": HOSTILE, "n": [1, 2000, 3]})
    html = show_table(frame)._repr_html_()
    assert "<script>" not in html and "<img" not in html and html.count("</table>") == 1
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "comment &lt;b&gt;" in html
    assert '<td class="num" data-order="2000">2,000</td>' in html  # thousands separator; raw value to sort by


def test_numeric_cells_carry_their_raw_value_to_sort_by_and_blanks_none():
    frame = pd.DataFrame({"spend": [12500.5, float("nan")], "name": ["a", "b"]})
    html = show_table(frame, formats={"spend": "¥{:,.0f}"})._repr_html_()
    assert '<td class="num" data-order="12500.5">¥12,500</td>' in html
    assert '<td class="num"></td>' in html and 'class="txt" data-order' not in html


def test_sort_values_keep_ten_digits_and_never_an_eleven_digit_run():
    # a float's repr wrote 1998.13575553584 into a page, which the leak scan read as a mobile number
    frame = pd.DataFrame({"n": [1998.13575553584, -172238.15253524046, 2.5e13, 1998.135755]})
    html = show_table(frame)._repr_html_()
    orders = re.findall(r'data-order="([^"]*)"', html)
    assert orders == ["1998.135756", "-172238.1525", "2.5e+13", "1998.135755"]
    assert not re.search(r"\d{11}", html)
    assert sorted(orders, key=float) == ["-172238.1525", "1998.135755", "1998.135756", "2.5e+13"]  # still in order


def test_show_table_formats_and_truncates():
    frame = pd.DataFrame({"share": [0.1234, np.nan], "x": ["a", None]})
    html = show_table(frame, formats={"share": "{:.1%}"}, max_rows=1)._repr_html_()
    assert "12.3%" in html and "1 more rows not shown" in html


def test_say_escapes_values_not_template():
    out = say("Top product: **{name}** with {share:.0%}", name=HOSTILE[1], share=0.25)._repr_html_()
    assert "<strong>&lt;img src=x onerror=alert(1)&gt;</strong>" in out and "25%" in out


def test_mask_frame_masks_id_columns_index_levels_and_id_series_only():
    from repurchase.report.display import mask_frame

    tx = pd.DataFrame({"customer_id": ["C123", "D456", "C123"], "amount": [1.0, 2.0, 3.0], "x": ["C123", "y", "z"]})
    by = tx.groupby("customer_id")["amount"].sum()  # index named customer_id
    assert mask_frame(by, _mask).index.tolist() == ["C***", "D***"] and mask_frame(by, _mask).tolist() == [4.0, 2.0]
    two = tx.groupby(["customer_id", "x"]).size()  # a MultiIndex level
    assert mask_frame(two, _mask).index.get_level_values("customer_id").tolist() == ["C***", "C***", "D***"]
    assert mask_frame(two, _mask).index.get_level_values("x").tolist() == ["C123", "z", "y"]  # other levels as they are
    shown = mask_frame(tx, _mask)
    assert shown["customer_id"].tolist() == ["C***", "D***", "C***"] and shown["amount"].tolist() == [1.0, 2.0, 3.0]
    assert mask_frame(tx["customer_id"], _mask).tolist() == ["C***", "D***", "C***"]
    assert mask_frame(tx["x"], _mask).tolist() == ["C123", "y", "z"]  # not an ID column: unchanged
    assert tx["customer_id"].tolist() == ["C123", "D456", "C123"] and by.index[0] == "C123"  # the originals stay


def test_register_masking_needs_an_ipython_kernel():
    from repurchase.report.display import register_masking

    assert register_masking(_mask) is False  # pytest is no IPython shell: nothing registered, no global state
