"""The report bar, the overview cards' links and the collapsed method sections (issue #14, items 1 and 3)."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from repurchase.core import i18n
from repurchase.core.periods import Period
from repurchase.publish import html as report_html
from repurchase.publish import overview as ov
from repurchase.publish.html import Collapsed


def _md(cell_id: str, text: str, collapse: bool = False, tags: tuple[str, ...] = ()):
    cell = new_markdown_cell(text)
    cell.id = cell_id
    if collapse:
        cell.metadata["rp"] = {"collapse": True}
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def _code(cell_id: str, code: str = "1"):
    cell = new_code_cell(code)
    cell.id = cell_id
    return cell


# ---------------------------------------------------------------------------
# which sections collapse


def test_a_section_runs_to_the_next_heading_of_the_same_or_a_higher_level():
    nb = new_notebook()
    nb.cells = [
        _md("t", "# Title"),
        _md("a", "## Method\n\nHow it is done.", collapse=True),
        _code("a1"),
        _md("a2", "### Detail of the method"),  # lower level: inside the section
        _md("hidden", "## Removed heading", tags=("remove-cell",)),  # not in the report: does not end it
        _code("a3"),
        _md("b", "## Findings"),
        _md("c", "## Diagnostics", collapse=True),
        _code("c1"),
        _md("d", "text without a heading", collapse=True),  # no heading: nothing to collapse
    ]
    assert report_html.collapsed_sections(nb) == [
        Collapsed(first="a", end="b", level=2),
        Collapsed(first="c", end=None, level=2),
    ]


def test_a_collapsed_subsection_ends_at_its_parent_s_next_sibling():
    nb = new_notebook()
    nb.cells = [
        _md("a", "## Model", collapse=True),
        _md("a1", "### Calibration", collapse=True),
        _code("x"),
        _md("a2", "### Lift"),
        _md("b", "## At-risk customers"),
    ]
    assert report_html.collapsed_sections(nb) == [
        Collapsed(first="a", end="b", level=2),
        Collapsed(first="a1", end="a2", level=3),
    ]


# ---------------------------------------------------------------------------
# the HTML


def _cell(cell_id: str, inner: str) -> str:
    return f'<div class="jp-Cell jp-Notebook-cell" id="cell-id={cell_id}">{inner}</div>\n'


H_A = '<h2 id="Method">Method<a class="anchor-link" href="#Method">¶</a></h2>'
H_B = '<h2 id="Findings">Findings<a class="anchor-link" href="#Findings">¶</a></h2>'


def test_the_section_is_wrapped_in_a_closed_details_whose_summary_is_its_heading():
    body = (
        "<main>\n"
        + _cell("a", f"<div>{H_A}<p>How.</p></div>")
        + _cell("a1", "<img>")
        + _cell("b", H_B)
        + "</main></body>"
    )
    out = report_html.collapse_sections(body, [Collapsed("a", "b", 2)], "click to open")
    assert out == (
        "<main>\n"
        f'<details class="rp-collapse"><summary>{H_A}<span class="rp-collapse-hint">click to open</span></summary>'
        + _cell("a", "<div><p>How.</p></div>")
        + _cell("a1", "<img>")
        + "</details>"
        + _cell("b", H_B)
        + "</main>"
        + report_html.OPEN_SCRIPT
        + "</body>"
    )


def test_nested_and_last_sections_close_in_order_and_nothing_collapsed_leaves_the_page_as_it_was():
    h3 = '<h3 id="Lift">Lift</h3>'
    body = "<main>" + _cell("a", H_A) + _cell("a1", h3) + _cell("x", "<p>x</p>") + "</main>"
    out = report_html.collapse_sections(body, [Collapsed("a", None, 2), Collapsed("a1", None, 3)], "open")
    assert re.sub(r'<span class="rp-collapse-hint">open</span>', "", out) == (
        "<main>"
        f'<details class="rp-collapse"><summary>{H_A}</summary>'
        + _cell("a", "")
        + f'<details class="rp-collapse"><summary>{h3}</summary>'
        + _cell("a1", "")
        + _cell("x", "<p>x</p>")
        + "</details></details></main>"
        + report_html.OPEN_SCRIPT
    )
    assert report_html.collapse_sections(body, [], "open") == body
    assert report_html.collapse_sections(body, [Collapsed("missing", None, 2)], "open") == body


def _header(lang: str = "en", bar: str = "") -> dict:
    return {
        "title": "T",
        "brand": "B",
        "meta": [],
        "index_label": "I",
        "toc_label": "Contents",
        "language": lang,
        "lang": lang,
        "bar": bar,
    }


def test_a_converted_notebook_has_the_method_closed_still_in_the_table_of_contents(tmp_path):
    nb = new_notebook()
    nb.cells = [
        _md("t", "# Title"),
        _md("k", "## Key findings\n\nThe answer."),
        _md("m", "## Method\n\nHow it is done.", collapse=True),
        _md("m2", "More method text."),
        _md("z", "## Actions"),
    ]
    page = report_html.notebook_to_html(nb, tmp_path / "05_churn.html", _header()).read_text(encoding="utf-8")
    assert page.count("<details") == 1 and "<details open" not in page
    details = page[page.index('<details class="rp-collapse">') : page.index("</details>")]
    assert details.startswith('<details class="rp-collapse"><summary><h2 id="Method">Method')
    assert "How it is done." in details and "More method text." in details
    assert "The answer." not in details and "Actions" not in details
    toc = page[page.index('<nav class="rp-toc">') : page.index("</nav>", page.index('<nav class="rp-toc">'))]
    assert re.findall(r'href="#([^"]+)"', toc) == ["Key-findings", "Method", "Actions"]
    assert page.count("<script>") == 1 and "src=" not in report_html.OPEN_SCRIPT
    nb.cells[2].metadata.pop("rp")
    plain = report_html.notebook_to_html(nb, tmp_path / "plain.html", _header()).read_text(encoding="utf-8")
    assert "<details" not in plain and "<script" not in plain


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_section_anchor_is_the_id_nbconvert_gives_the_heading(tmp_path, lang):
    nb = new_notebook()
    nb.cells = [_md("a", i18n.t("churn.md.trend", lang)), _md("b", i18n.t("satisfaction.md.scores", lang))]
    page = report_html.notebook_to_html(nb, tmp_path / "x.html", _header(lang)).read_text(encoding="utf-8")
    for key in ("churn.md.trend", "satisfaction.md.scores"):
        assert f'id="{report_html.section_anchor(key, lang)}"' in page
    assert report_html.section_anchor("churn.md.trend", "en") == "Churn-over-time"


# ---------------------------------------------------------------------------
# the report bar

FILES = ["01_cleaning.html", "05_churn.html", "07_overview.html"]


def test_the_bar_lists_the_month_s_reports_overview_first_with_the_current_one_marked():
    assert report_html.report_bar("05_churn.html", FILES, "en") == (
        '<nav class="rp-bar" aria-label="Reports of this month"><ul>'
        '<li><a href="07_overview.html">Overview</a></li>'
        '<li><a href="01_cleaning.html">Data cleaning</a></li>'
        '<li><strong aria-current="page">Churn and at-risk customers</strong></li>'
        "</ul></nav>"
    )
    zh = report_html.report_bar("07_overview.html", FILES, "zh", "2026-09", "2026-11")
    assert (
        '<li><strong aria-current="page">概览</strong></li>' in zh
        and '<a href="05_churn.html">流失与风险客户</a>' in zh
    )
    assert zh.endswith(
        '<span class="rp-months"><a class="rp-month" rel="prev" href="../2026-09/07_overview.html">‹ 2026年9月</a> '
        '<a class="rp-month" rel="next" href="../2026-11/07_overview.html">2026年11月 ›</a></span></nav>'
    )


def test_neighbour_months_are_the_calendar_months_whose_folder_holds_the_report(tmp_path):
    for month in ("2025-12", "2026-02"):
        (tmp_path / month).mkdir()
        (tmp_path / month / "05_churn.html").write_text("x")
    (tmp_path / "2025-11").mkdir()
    (tmp_path / "2025-11" / "01_cleaning.html").write_text("x")
    assert report_html.neighbour_months(tmp_path, "2026-01", "05_churn.html") == ("2025-12", "2026-02")
    assert report_html.neighbour_months(tmp_path, "2025-12", "05_churn.html") == (None, None)  # 2025-11: no churn
    assert report_html.neighbour_months(tmp_path, "2025-12", "01_cleaning.html") == ("2025-11", None)


def test_the_header_has_the_bar_with_links_to_the_months_in_the_final_folder(tmp_path, root, demo_data):
    from repurchase.core.params import load_params

    params = load_params(root / "params" / "demo-stores.yaml")
    (tmp_path / "2026-09").mkdir()
    (tmp_path / "2026-09" / "05_churn.html").write_text("x")
    (tmp_path / ".2026-11.staging-1").mkdir()  # a staging folder is not a month
    nb = root / "notebooks" / "05_churn.ipynb"
    header = report_html.report_header(params, "2026-10", nb, "–", FILES, tmp_path)
    assert header["bar"] == report_html.report_bar("05_churn.html", FILES, "zh", "2026-09", None)
    assert 'href="../2026-09/05_churn.html"' in header["bar"] and "2026-11" not in header["bar"]
    assert report_html.report_header(params, "2026-10", nb, "–")["bar"] == ""  # no reports given: no bar


def test_refresh_bars_adds_the_next_month_to_the_month_before(tmp_path):
    first = tmp_path / "2026-09"
    first.mkdir()
    for f in FILES:
        (first / f).write_text(f"<header>{report_html.report_bar(f, FILES, 'en')}</header><main>{f}</main>")
    (first / "no_bar.html").write_text("<main>untouched</main>")
    (tmp_path / "2026-10").mkdir()
    (tmp_path / "2026-10" / "05_churn.html").write_text("new")
    done = report_html.refresh_bars(tmp_path, "2026-10", "en")
    assert [p.name for p in done] == ["05_churn.html"]  # the only report 2026-10 has
    churn = (first / "05_churn.html").read_text()
    assert churn == (
        f"<header>{report_html.report_bar('05_churn.html', FILES, 'en', None, '2026-10')}</header><main>05_churn.html</main>"
    )
    assert 'href="../2026-10/05_churn.html"' in churn
    assert 'rel="next"' not in (first / "01_cleaning.html").read_text()  # 2026-10 has no cleaning report
    assert (first / "no_bar.html").read_text() == "<main>untouched</main>"
    assert report_html.refresh_bars(tmp_path, "2026-10", "en") == []  # nothing changed the second time


def test_refresh_bars_rewrites_the_bar_of_a_converted_report(tmp_path):
    nb = new_notebook()
    nb.cells = [_md("t", "# Title"), _md("a", "## Churn over time")]
    (tmp_path / "2026-09").mkdir()
    page = tmp_path / "2026-09" / "05_churn.html"
    report_html.notebook_to_html(nb, page, _header(bar=report_html.report_bar("05_churn.html", FILES, "en")))
    assert 'rel="next"' not in page.read_text(encoding="utf-8")
    (tmp_path / "2026-10").mkdir()
    (tmp_path / "2026-10" / "05_churn.html").write_text("new")
    assert report_html.refresh_bars(tmp_path, "2026-10", "en") == [page]
    text = page.read_text(encoding="utf-8")
    assert text.count('class="rp-bar"') == 1 and 'href="../2026-10/05_churn.html">Oct 2026 ›</a>' in text
    assert text.count("Churn over time") == 2  # the rest of the page is as it was (heading and contents)


# ---------------------------------------------------------------------------
# the overview's cards


def test_each_card_links_to_its_report_section_when_the_report_exists():
    files = ["02_repurchase.html", "05_churn.html", "07_overview.html"]
    links = ov.card_links(files, "en")
    assert links["churn_rate"] == "05_churn.html#Churn-over-time"
    assert links["value_at_risk"] == "05_churn.html#At-risk-customers"
    assert links["revenue"] == "02_repurchase.html#Headline-KPIs"
    assert "clv_total" not in links and "nps" not in links  # no 04 / 06 report: no link
    assert set(
        ov.card_links(
            [f"{n}.html" for n in ("02_repurchase", "04_lifetime_value", "05_churn", "06_satisfaction")], "en"
        )
    ) == {k for k, *_ in ov.KPI_SPECS}
    zh = ov.card_links(files, "zh")["churn_rate"]
    assert zh == f"05_churn.html#{report_html.section_anchor('churn.md.trend', 'zh')}" and zh != links["churn_rate"]


def test_a_linked_card_is_an_anchor_and_an_unlinked_one_stays_a_div():
    period = Period.from_label("2026-10")
    cards = pd.DataFrame(
        [
            {"kpi": k, "unit": u, "value": 1.0, "change_prev": None, "good_prev": None, "change_year": None,
             "good_year": None, "series": [1.0]}
            for k, _, _, u, *_ in ov.KPI_SPECS[:2]
        ]
    )  # fmt: skip
    page = ov.render_cards(cards, period, "CNY", "en", {"customers": "02_repurchase.html#Headline-KPIs"})._repr_html_()
    assert '<a class="kpi" href="02_repurchase.html#Headline-KPIs"><div class="label">' in page
    assert page.count("</a>") == 1 and page.count('<div class="kpi">') == 1  # buyers: no link
