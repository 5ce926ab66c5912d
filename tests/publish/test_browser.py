"""Open every rendered report in headless Chromium: no errors, no network, no code, no broken image.

Needs Debian's chromium (`.ci/run` installs it). Without it the test skips,
except under CI=true, where it fails. Screenshots go to build/screenshots/.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND",
]
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed; .ci/run installs it with apt-get")
        pytest.skip("chromium not installed (apt-get install chromium); the browser test is skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def open_page(browser, path: Path, shot: Path | None = None) -> dict:
    """Open a file in a fresh page; return console errors, page errors, non-local requests and broken images."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    seen: dict = {"console": [], "pageerror": [], "requests": []}
    page.on("console", lambda m: seen["console"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["pageerror"].append(str(e)))

    def route(r):
        if not r.request.url.startswith(LOCAL_SCHEMES):
            seen["requests"].append(r.request.url)
            return r.abort()
        return r.continue_()

    page.route("**/*", route)
    page.goto(path.resolve().as_uri(), wait_until="load")
    seen["broken_images"] = page.evaluate(
        "Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src.slice(0, 60))"
    )
    seen["code_cells"] = page.evaluate(
        "document.querySelectorAll('.jp-InputArea-editor, .jp-CodeMirrorEditor, .highlight, .jp-InputPrompt').length"
    )
    seen["text"] = page.evaluate("document.body.innerText")
    seen["scripts_ran"] = page.evaluate("window.__pwned === true")
    if shot is not None:
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot), full_page=True)
    page.close()
    return seen


def _pages(rendered) -> list[Path]:
    pages = [rendered["out"] / "index.html"]
    for o in rendered["outcomes"]:
        pages += sorted(o.report_dir.glob("*.html"))
    return pages


def test_every_report_opens_offline_cleanly(browser, rendered):
    shots = ROOT / "build" / "screenshots"
    problems = []
    for page in _pages(rendered):
        rel = page.relative_to(rendered["out"])
        seen = open_page(browser, page, shots / (str(rel).replace("/", "__") + ".png"))
        for key in ("console", "pageerror", "requests", "broken_images"):
            if seen[key]:
                problems.append(f"{rel}: {key}: {seen[key][:3]}")
        if seen["code_cells"]:
            problems.append(f"{rel}: {seen['code_cells']} code cells visible")
        if "open_report(" in seen["text"] or "Traceback" in seen["text"]:
            problems.append(f"{rel}: code or a traceback is visible")
    assert not problems, "\n".join(problems)


#: what the campaigns report of each client must say (demo-online has the three planted tests)
CAMPAIGN_TEXT = {
    "demo-online": ("winback_coupon: effect found", "newsletter: no detectable effect", "member_perk: split broken"),
    "demo-stores": ("没有活动分组数据源",),
    "cdnow": ("has no campaigns source",),
}


def test_the_campaigns_report_opens_cleanly_and_shows_its_verdicts(browser, rendered):
    problems = []
    for o in rendered["outcomes"]:
        page = o.report_dir / "08_campaigns.html"
        if not page.exists():
            problems.append(f"{o.client}: no 08_campaigns.html")
            continue
        seen = open_page(browser, page)
        problems += [
            f"{o.client}: {k}: {seen[k][:3]}" for k in ("console", "pageerror", "requests", "broken_images") if seen[k]
        ]
        problems += [
            f"{o.client}: {want!r} not shown" for want in CAMPAIGN_TEXT.get(o.client, ()) if want not in seen["text"]
        ]
        if (
            o.client == "demo-online"
            and "Tested action" not in open_page(browser, o.report_dir / "07_overview.html")["text"]
        ):
            problems.append("demo-online: the overview does not name the tested action")
    assert not problems, "\n".join(problems)


def navigation_problems(browser, report_dir: Path) -> list[str]:
    """What is wrong with the navigation of one report folder (empty: nothing).

    Every link of each page's report bar and of the overview's cards resolves to
    an existing file (a card's section anchor exists in it); each detailed
    report (all but the overview) has a closed ``<details>`` section, and a click
    on its table-of-contents entry opens it.
    """
    from urllib.parse import unquote, urlparse

    problems = []
    for path in sorted(report_dir.glob("[0-9]*.html")):
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(LOCAL_SCHEMES) else r.abort())
        page.goto(path.resolve().as_uri(), wait_until="load")
        name = f"{report_dir.parent.name}/{report_dir.name}/{path.name}"
        bar = page.evaluate("Array.from(document.querySelectorAll('nav.rp-bar a')).map(a => a.href)")
        cards = page.evaluate("Array.from(document.querySelectorAll('a.kpi')).map(a => a.href)")
        current = page.evaluate("Array.from(document.querySelectorAll('nav.rp-bar [aria-current]')).length")
        if len(bar) < 2 or current != 1:
            problems.append(f"{name}: report bar with {len(bar)} link(s) and {current} current report(s)")
        for href in bar + cards:
            url = urlparse(href)
            target = Path(unquote(url.path))
            if url.scheme != "file" or not target.is_file():
                problems.append(f"{name}: link {href} does not resolve to a file")
            elif url.fragment and f'id="{url.fragment}"' not in target.read_text(encoding="utf-8"):
                problems.append(f"{name}: link {href}: no such section in {target.name}")
        if path.stem.endswith("overview"):
            if not cards:
                problems.append(f"{name}: the cards are not links")
        else:
            state = page.evaluate("Array.from(document.querySelectorAll('details.rp-collapse')).map(d => d.open)")
            if not state or any(state):
                problems.append(f"{name}: collapsed sections {state} (want at least one, all closed)")
            else:
                anchor = page.evaluate("document.querySelector('details.rp-collapse > summary > [id]').id")
                page.click(f'nav.rp-toc a[href="#{anchor}"]')
                if not page.evaluate("document.querySelector('details.rp-collapse').open"):
                    problems.append(f"{name}: a click on the contents entry #{anchor} did not open its section")
        page.close()
    return problems


def test_report_bar_and_card_links_resolve_and_method_sections_are_collapsed(browser, rendered):
    problems = []
    for o in rendered["outcomes"]:
        problems += navigation_problems(browser, o.report_dir)
    assert not problems, "\n".join(problems)


def test_navigation_check_can_fail(browser, tmp_path):
    """A report whose bar links to a missing file and that has no collapsed section is caught."""
    folder = tmp_path / "c" / "2026-10"
    folder.mkdir(parents=True)
    (folder / "05_churn.html").write_text(
        '<nav class="rp-bar"><ul><li><strong aria-current="page">Churn</strong></li>'
        '<li><a href="01_cleaning.html">Cleaning</a></li></ul></nav><main><h2 id="M">M</h2></main>'
    )
    problems = navigation_problems(browser, folder)
    assert any("01_cleaning.html does not resolve" in p for p in problems)
    assert any("collapsed sections []" in p for p in problems)


def test_browser_test_catches_network_requests_and_scripts(browser, tmp_path):
    """The checks above can fail: a page with a remote script and a broken image is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<html><body><script src="https://cdn.example.org/x.js"></script><img src="missing.png">'
        "<script>window.__pwned = true; console.error('boom')</script></body></html>"
    )
    seen = open_page(browser, bad)
    assert seen["requests"] == ["https://cdn.example.org/x.js"]
    assert seen["broken_images"] and "boom" in seen["console"] and seen["scripts_ran"]


#: the first sortable table's first numeric column (all its cells carry data-order) and its rows' (label, value)
READ_JS = """() => {
  const t = document.querySelector('table.dataTable');
  if (!t) { return null; }
  const rows = Array.from(t.tBodies[0].rows);
  const col = Array.from(t.tHead.rows[0].cells).findIndex(
    (_, i) => rows.every(r => r.cells[i] && r.cells[i].hasAttribute('data-order')));
  const read = rows.map(r => [r.cells[0].innerText, col < 0 ? null : parseFloat(r.cells[col].getAttribute('data-order'))]);
  return {col, rows: read};
}"""


def sort_problems(browser, page_path: Path) -> list[str]:
    """What is wrong with sorting the first sortable table of a page (empty: nothing)."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(LOCAL_SCHEMES) else r.abort())
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(page_path.resolve().as_uri(), wait_until="load")
    page.wait_for_function("document.querySelector('table.dataTable') !== null", timeout=10_000)
    before = page.evaluate(READ_JS)
    name = page_path.name
    if before is None or before["col"] < 0:
        page.close()
        return [f"{name}: no sortable table with a numeric column"]
    col = before["col"]
    page.locator("table.dataTable").first.locator("thead th").nth(col).click()
    page.wait_for_timeout(300)
    after = page.evaluate(READ_JS)
    page.close()
    if errors:
        return [f"{name}: {errors[:2]}"]
    values = [v for _, v in after["rows"]]
    if [r[0] for r in after["rows"]] == [r[0] for r in before["rows"]]:
        return [f"{name}: a click on numeric column {col} did not reorder the rows"]
    if values != sorted(values) and values != sorted(values, reverse=True):
        return [f"{name}: after the click column {col} is not sorted: {values}"]
    return []


def test_clicking_a_numeric_header_of_the_segment_table_reorders_it(browser, rendered):
    problems = []
    for o in rendered["outcomes"]:
        problems += [f"{o.client}: {p}" for p in sort_problems(browser, o.report_dir / "03_segmentation.html")]
    assert not problems, "\n".join(problems)


def test_sort_check_can_fail(browser, tmp_path):
    """A table whose clicks do nothing (no widget on the page) is caught; a sortable one passes."""
    import pandas as pd

    from repurchase.publish.widgets import add_table_widgets
    from repurchase.report.display import show_table

    frame = pd.DataFrame({"segment": list("abcdefgh"), "customers": [5, 3, 8, 1, 9, 2, 7, 4]})
    table = show_table(frame)._repr_html_()
    dead = tmp_path / "dead.html"
    dead.write_text(f"<html><body>{table.replace('rp-table', 'rp-table dataTable')}</body></html>")
    assert any("did not reorder" in p for p in sort_problems(browser, dead))
    live = tmp_path / "live.html"
    live.write_text(add_table_widgets(f"<html><body>{table}</body></html>"))
    assert sort_problems(browser, live) == []


def hover_problems(browser, page_path: Path) -> list[str]:
    """What is wrong with hovering the first point of a page's interactive chart (empty: a value is shown)."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(LOCAL_SCHEMES) else r.abort())
    page.goto(page_path.resolve().as_uri(), wait_until="load")
    name = page_path.name
    try:
        page.wait_for_selector("figure.rp-vega .mark-symbol path", timeout=15_000)
    except Exception:  # playwright's TimeoutError
        page.close()
        return [f"{name}: no interactive chart was drawn"]
    page.locator("figure.rp-vega .mark-symbol path").last.hover()
    page.wait_for_timeout(300)
    tip = page.evaluate(
        "(() => { const t = document.getElementById('vg-tooltip-element');"
        " return t && t.classList.contains('visible') ? t.innerText : null; })()"
    )
    page.close()
    if not tip or not any(ch.isdigit() for ch in tip):
        return [f"{name}: a hover on a point shows no value ({tip!r})"]
    return []


def test_a_hover_on_the_kpi_trend_chart_shows_a_value(browser, rendered):
    problems = []
    for o in rendered["outcomes"]:
        problems += [f"{o.client}: {p}" for p in hover_problems(browser, o.report_dir / "07_overview.html")]
    assert not problems, "\n".join(problems)


@pytest.mark.heavy
def test_hover_check_can_fail(browser, tmp_path):
    """A chart whose spec is never drawn (no Vega on the page) is caught; the same chart with Vega passes."""
    from repurchase.publish.widgets import add_chart_widgets
    from repurchase.report.vega import vega_html

    spec = {
        "data": {"values": [{"m": "2026-01", "v": 3}, {"m": "2026-02", "v": 5}]},
        "mark": {"type": "point", "filled": True, "size": 200},
        "encoding": {
            "x": {"field": "m", "type": "ordinal"},
            "y": {"field": "v", "type": "quantitative"},
            "tooltip": [{"field": "v", "type": "quantitative"}],
        },
    }
    block = vega_html(spec, "two months")._repr_html_()
    dead = tmp_path / "dead.html"
    dead.write_text(f"<html><body>{block}</body></html>")
    assert hover_problems(browser, dead) == ["dead.html: no interactive chart was drawn"]
    live = tmp_path / "live.html"
    live.write_text(add_chart_widgets(f"<html><body>{block}</body></html>"))
    assert hover_problems(browser, live) == []


#: the detailed reports that open with Key findings (campaigns and monitoring open with their verdicts and alerts)
FINDINGS_REPORTS = (
    "01_cleaning",
    "02_repurchase",
    "03_segmentation",
    "04_lifetime_value",
    "05_churn",
    "06_satisfaction",
    "09_recommendations",
)
MAX_PAGE_BYTES = 3_000_000


def layout_problems(browser, report_dir: Path) -> list[str]:
    """Key findings within the first 800 px, median page height ≤ 9,000 px at 1400 px, every page ≤ 3 MB."""
    import statistics

    problems, heights = [], []
    for path in sorted(report_dir.glob("[0-9]*.html")):
        if path.stat().st_size > MAX_PAGE_BYTES:
            problems.append(f"{path.name}: {path.stat().st_size:,} bytes (limit {MAX_PAGE_BYTES:,})")
        if path.stem.endswith("overview"):
            continue
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(LOCAL_SCHEMES) else r.abort())
        page.goto(path.resolve().as_uri(), wait_until="load")
        heights.append(page.evaluate("document.documentElement.scrollHeight"))
        top = page.evaluate(
            "(() => { const h = Array.from(document.querySelectorAll('h2'))"
            ".find(e => /^(Key findings|主要发现)/.test(e.textContent.trim()));"
            " return h ? h.getBoundingClientRect().top + window.scrollY : null; })()"
        )
        page.close()
        if path.stem in FINDINGS_REPORTS and (top is None or top > 800):
            problems.append(f"{path.name}: Key findings heading at {top} px (want within the first 800 px)")
    if not heights or statistics.median(heights) > 9_000:
        problems.append(f"median page height {statistics.median(heights) if heights else None} px > 9,000 ({heights})")
    return problems


@pytest.mark.heavy
def test_findings_come_first_and_pages_stay_short_and_light(browser, rendered):
    problems = []
    for o in rendered["outcomes"]:
        problems += [f"{o.client}: {p}" for p in layout_problems(browser, o.report_dir)]
    assert not problems, "\n".join(problems)


def test_layout_check_can_fail(browser, tmp_path):
    """A report whose findings come after 2,000 px of method, and a 12,000 px page, are caught."""
    folder = tmp_path / "c" / "2026-10"
    folder.mkdir(parents=True)
    (folder / "05_churn.html").write_text(
        '<html><body><div style="height:2000px">method</div><h2>Key findings</h2>'
        '<div style="height:10000px"></div></body></html>'
    )
    problems = layout_problems(browser, folder)
    assert any("Key findings heading at 20" in p for p in problems), problems
    assert any("median page height" in p for p in problems), problems
