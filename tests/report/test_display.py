"""One display path: tables masked, translated, formatted and escaped; sentences; reasons; nothing."""

from __future__ import annotations

import pandas as pd

from repurchase.core.status import Unavailable
from repurchase.core.table import Table
from repurchase.report.display import render


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
    why = Unavailable("report.no_source", {"role": "surveys"})
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
