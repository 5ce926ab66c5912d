"""Embedded libraries: one copy per page, marked, and separable from the report they serve."""

from __future__ import annotations

import re

from repurchase.publish.widgets import SORTABLE_ROWS, add_table_widgets, sortable_tables, strip_vendored


def _table(rows: int) -> str:
    body = "".join(f'<tr><td class="txt">r{i}</td><td class="num" data-order="{i}">{i}</td></tr>' for i in range(rows))
    return f'<table class="rp-table"><thead><tr><th>a</th><th>n</th></tr></thead><tbody>{body}</tbody></table>'


def test_short_tables_get_no_library_and_long_ones_one_copy():
    short = f"<html><body>{_table(SORTABLE_ROWS - 1)}</body></html>"
    assert sortable_tables(short) == 0 and add_table_widgets(short) == short
    page = add_table_widgets(f"<html><body>{_table(SORTABLE_ROWS)}{_table(30)}</body></html>")
    assert page.count('<script type="module" data-rp-vendor="datatables">') == 1
    assert page.index('data-rp-vendor="datatables"') > page.index("</table>")  # after the report, before </body>
    assert page.rstrip().endswith("</body></html>")


def test_strip_vendored_leaves_exactly_the_report():
    report = f"<html><body><p>DrawError: is a word in the report here</p>{_table(12)}</body></html>"
    page = add_table_widgets(report)
    assert "DrawError:" in page.split("<p>", 1)[1].split("</p>", 1)[1]  # the library's own text ...
    assert strip_vendored(page) == report  # ... goes, and nothing of the report does
    assert re.findall("DrawError:", strip_vendored(page)) == ["DrawError:"]
