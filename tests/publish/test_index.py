"""The index: a client × KPI table of every client's latest month (value, direction, 12-month line), then the months."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from repurchase.core.periods import Period
from repurchase.core.store import to_jsonable
from repurchase.publish import index
from repurchase.publish import overview as ov

P = Period.from_label("2026-10")
MONTHS = [P.shift(-k).label for k in range(11, -1, -1)]  # 2025-11 … 2026-10


def _trend(series, change, good, signal):
    return {"series": series, "months": MONTHS, "change_prev": change, "good_prev": good, "signal_prev": signal}


#: en client, one month: revenue up (good, significant), churn up (bad, significant), buyers up within noise,
#: customers unchanged, repurchase rate without a previous month
ONLINE = {
    "client": "online", "title": "Online shop", "language": "en", "currency": "USD", "period": "2026-10",
    "repurchase": {"buyers": 101, "revenue": 1200.0, "repurchase_rate_customers": 0.25},
    "churn": {"churn_rate": 0.12},
    "overview": {
        "customers": 500, "customers_prev_period": 500,
        "trends": {
            "revenue": _trend([900.0 + 10 * i for i in range(11)] + [1200.0], 0.2, True, "significant"),
            "churn_rate": _trend([0.10] * 11 + [0.12], 2.0, False, "significant"),
            "buyers": _trend([100.0] * 11 + [101.0], 0.01, True, "noise"),
            "customers": _trend([500.0] * 12, 0.0, None, "untested"),
            "repurchase_rate_customers": _trend([None] * 11 + [0.25], None, None, "untested"),
        },
    },
}  # fmt: skip

#: zh client, one month: revenue down (bad, significant), buyers down within noise
STORES = {
    "client": "stores", "title": "门店连锁", "language": "zh", "currency": "CNY", "period": "2026-10",
    "repurchase": {"buyers": 99, "revenue": 800.0},
    "overview": {
        "trends": {
            "revenue": _trend([1000.0] * 11 + [800.0], -0.2, False, "significant"),
            "buyers": _trend([100.0] * 11 + [99.0], -0.01, False, "noise"),
        },
    },
}  # fmt: skip

EVIL = "<script>window.__pwned = true</script>"


def _write(root: Path, metrics: dict, pages=("07_overview.html", "02_repurchase.html")) -> Path:
    folder = root / metrics["client"] / metrics["period"]
    folder.mkdir(parents=True)
    (folder / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False), encoding="utf-8")
    for name in pages:
        title = f"{metrics['title']} · {Path(name).stem.split('_', 1)[1]}"
        (folder / name).write_text(f"<title>{title}</title>", encoding="utf-8")
    return folder


def _old(period: str, revenue: float, churn: float, prev: dict | None = None) -> dict:
    """An older metrics.json: no overview trends, previous-month figures in the sections."""
    return {
        "client": "evil", "title": EVIL, "language": "en", "currency": "USD", "period": period,
        "repurchase": {"revenue": revenue, **({"revenue_prev_period": prev["revenue"]} if prev else {})},
        "churn": {"churn_rate": churn, **({"churn_rate_prev_period": prev["churn"]} if prev else {})},
    }  # fmt: skip


@pytest.fixture
def page(tmp_path) -> str:
    _write(tmp_path, ONLINE)
    _write(tmp_path, STORES)
    _write(tmp_path, _old("2026-09", 100.0, 0.10))
    _write(tmp_path, _old("2026-10", 150.0, 0.20, prev={"revenue": 100.0, "churn": 0.10}))
    return index.write_index(tmp_path).read_text(encoding="utf-8")


def _summary(page: str) -> str:
    return page[page.index('<table class="summary"') : page.index("</table>")]


def _row(page: str, client: str) -> str:
    summary = _summary(page)
    start = summary.rindex("<tr", 0, summary.index(f'data-client="{client}"'))
    return summary[start : summary.index("</tr>", start)]


def _cell(page: str, client: str, kpi: str) -> str:
    m = re.search(rf'<td class="kpi[^"]*" data-kpi="{kpi}">(.*?)</td>', _row(page, client))
    assert m, (client, kpi)
    return m.group(1)


def _chg(cell: str) -> tuple[str, str] | None:
    """(colour class, text) of a cell's change line, None without one."""
    m = re.search(r'<div class="chg (\w+)" title="[^"]*">([^<]*)</div>', cell)
    return (m.group(1), m.group(2)) if m else None


def _points(cell: str) -> int:
    m = re.search(r'<polyline [^>]*points="([^"]*)"', cell)
    return len(m.group(1).split()) if m else 0


def test_one_row_per_client_in_the_summary(page):
    summary = _summary(page)
    assert re.findall(r'data-client="([^"]+)"', summary) == ["evil", "online", "stores"]
    assert summary.count("<tr") == 4  # the heading and one row per client (its latest month only)
    assert '<td class="period"><a href="online/2026-10/07_overview.html">Oct 2026</a></td>' in _row(page, "online")
    assert '<td class="period"><a href="evil/2026-10/07_overview.html">Oct 2026</a></td>' in _row(page, "evil")


def test_direction_arrows_and_colours(page):
    assert _chg(_cell(page, "online", "revenue")) == ("good", "▲ 20.0%")  # a rise of a KPI where up is good
    assert _chg(_cell(page, "online", "churn_rate")) == ("bad", "▲ 2.0 pts")  # a rise of the churn rate is bad
    assert _chg(_cell(page, "online", "buyers")) == ("flat", "about the same (▲ 1.0%)")  # within chance variation
    assert _chg(_cell(page, "online", "customers")) == ("flat", "about the same (■ 0.0%)")  # no change
    assert _chg(_cell(page, "online", "repurchase_rate_customers")) is None  # no previous month: no arrow
    assert _chg(_cell(page, "stores", "revenue")) == ("bad", "▼ 20.0%")
    assert 'title="▲ 20.0% vs Sep 2026"' in _cell(page, "online", "revenue")


def test_values_are_formatted_in_each_cell(page):
    assert '<div class="v">25.0%</div>' in _cell(page, "online", "repurchase_rate_customers")
    assert '<div class="v">12.0%</div>' in _cell(page, "online", "churn_rate")
    assert '<div class="v">101</div>' in _cell(page, "online", "buyers")


def test_twelve_month_sparkline_after_one_rendered_month(page):
    assert _points(_cell(page, "online", "revenue")) == 12
    assert _points(_cell(page, "online", "customers")) == 12
    assert _points(_cell(page, "online", "repurchase_rate_customers")) == 0  # one known value: no line
    assert 'title="Nov 2025 – Oct 2026"' in _cell(page, "online", "revenue")


def test_old_metrics_fall_back_to_the_rendered_months(page):
    revenue = _cell(page, "evil", "revenue")
    assert _chg(revenue) == ("good", "▲ 50.0%")  # 150 / 100 - 1, up is good (untested: coloured by direction)
    assert _chg(_cell(page, "evil", "churn_rate")) == ("bad", "▲ 10.0 pts")  # (0.20 - 0.10) x 100
    assert _points(revenue) == 2  # the two rendered months


def test_every_value_is_escaped(page):
    assert EVIL not in page
    assert "&lt;script&gt;window.__pwned = true&lt;/script&gt;" in _row(page, "evil")
    assert "<script" not in page


def test_the_zh_client_is_labelled_in_chinese(page):
    row = _row(page, "stores")
    assert 'lang="zh"' in row and "2026年10月" in row and "门店连锁" in row
    assert _chg(_cell(page, "stores", "buyers")) == ("flat", "基本持平（▼ 1.0%）")
    assert 'title="与2026年9月基本持平（▼ 1.0%）"' in _cell(page, "stores", "buyers")
    section = page[page.index('<section class="client" id="client-stores"') :]
    section = section[: section.index("</section>")]
    assert "<th>本月销售额</th>" in section and "<th>报告</th>" in section and "<th>Reports</th>" not in section
    # the shared headings name each KPI in both languages when the clients speak both
    assert '<span lang="en">Revenue (month)</span><br><span lang="zh">本月销售额</span>' in _summary(page)


def test_every_month_keeps_its_row_and_links(page):
    section = page[page.index('id="client-evil"') :]
    section = section[: section.index("</section>")]
    assert section.index("Oct 2026") < section.index("Sep 2026")  # newest first
    assert 'href="evil/2026-09/02_repurchase.html"' in section and 'href="evil/2026-10/07_overview.html"' in section


def test_the_index_knows_which_kpis_are_better_low_like_the_overview():
    assert {kpi for kpi, *_, better, _ in ov.KPI_SPECS if better < 0} == index.LOWER_IS_BETTER


def test_a_page_without_reports_says_so(tmp_path):
    page = index.write_index(tmp_path).read_text(encoding="utf-8")
    assert "No reports rendered yet" in page and '<table class="summary"' not in page


def test_overview_metrics_record_each_cards_trend_and_direction():
    cards = pd.DataFrame(
        {
            "kpi": ["revenue", "nps"],
            "value": [1200.0, None],
            "prev_period": [1000.0, None],
            "prev_year": [None, None],
            "series": [[1000.0, float("nan"), 1200.0], [None, None, None]],
            "change_prev": [0.2, None],
            "good_prev": pd.Series([True, None], dtype=object),
            "signal_prev": ["significant", "untested"],
        }
    )
    m = ov.overview_metrics(cards, P)
    assert (m["revenue"], m["revenue_prev_period"], m["revenue_prev_year"]) == (1200.0, 1000.0, None)  # kept
    assert m["trends"]["revenue"] == {
        "series": [1000.0, None, 1200.0],
        "months": ["2026-08", "2026-09", "2026-10"],
        "change_prev": 0.2,
        "good_prev": True,
        "signal_prev": "significant",
    }
    assert m["trends"]["nps"]["good_prev"] is None and m["trends"]["nps"]["series"] == [None, None, None]
    assert json.loads(json.dumps(to_jsonable(m)))["trends"]["revenue"]["months"][-1] == "2026-10"
    assert ov.overview_metrics(cards)["trends"]["revenue"]["months"] == []  # no period: no months


def test_the_overview_cards_give_the_index_its_trend(tmp_path):
    """kpi_cards → overview_metrics → metrics.json → index: twelve months and the direction after one month."""
    metrics = {
        "repurchase": {
            "buyers": 40,
            "buyers_prev_period": 50,
            "trend": [{"month": m, "buyers": 50} for m in MONTHS[:-1]],
        }
    }
    base = pd.DataFrame({"month": MONTHS, "customers": [10 * (i + 1) for i in range(12)]})
    cards = ov.kpi_cards(metrics, {}, base, P)
    report = {"client": "tiny", "title": "Tiny", "language": "en", "period": P.label, **metrics}
    report["overview"] = to_jsonable(ov.overview_metrics(cards, P))
    _write(tmp_path, report)
    page = index.write_index(tmp_path).read_text(encoding="utf-8")
    buyers = _cell(page, "tiny", "buyers")
    assert _points(buyers) == 12 and _chg(buyers)[1].endswith("20.0%") and "▼" in _chg(buyers)[1]  # 40 / 50 - 1
    assert _chg(buyers)[0] in ("bad", "flat")  # a fall of buyers: bad, or grey when the test calls it noise
    assert _points(_cell(page, "tiny", "customers")) == 12
    assert '<div class="v">120</div>' in _cell(page, "tiny", "customers")


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: as in test_browser.py: offline, nothing resolves
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--host-resolver-rules=MAP * ~NOTFOUND"]  # fmt: skip
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
def test_the_index_opens_offline_without_errors(page, tmp_path):
    from playwright.sync_api import sync_playwright

    seen: dict = {"console": [], "pageerror": [], "requests": []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            tab = browser.new_page()
            tab.on("console", lambda m: seen["console"].append(m.text) if m.type == "error" else None)
            tab.on("pageerror", lambda e: seen["pageerror"].append(str(e)))

            def route(r):
                if not r.request.url.startswith(LOCAL_SCHEMES):
                    seen["requests"].append(r.request.url)
                    return r.abort()
                return r.continue_()

            tab.route("**/*", route)
            tab.goto((tmp_path / "index.html").resolve().as_uri(), wait_until="load")
            rows = tab.evaluate("document.querySelectorAll('table.summary tbody tr').length")
            sparks = tab.evaluate("document.querySelectorAll('table.summary svg.spark').length")
            pwned = tab.evaluate("window.__pwned === true")
            text = tab.evaluate("document.body.innerText")
        finally:
            browser.close()
    assert seen == {"console": [], "pageerror": [], "requests": []}
    assert rows == 3 and sparks == 8 and not pwned  # online 4, stores 2, evil 2 (its two months)
    assert EVIL in text  # shown as text, not run
