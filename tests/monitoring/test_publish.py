"""Alerts on the overview's KPI cards and narrative, and on the index of every client."""

from __future__ import annotations

import json

import pandas as pd

from repurchase.core.periods import Period
from repurchase.publish import index
from repurchase.publish import overview as ov

P = Period.from_label("2026-10")

METRICS = {
    "repurchase": {
        "revenue": 150_000.0,
        "revenue_prev_period": 100_000.0,
        "buyers": 40,
        "buyers_prev_period": 41,
        "trend": [
            {"month": "2026-08", "revenue": 98_000.0, "buyers": 39},
            {"month": "2026-09", "revenue": 100_000.0, "buyers": 41},
        ],
    },
    "monitoring": {
        "alerts": {
            "revenue": {
                "status": "alert",
                "rule": "beyond_limits",
                "chart": "individuals",
                "direction": "above",
                "expected_low": 80_000.0,
                "expected_high": 120_000.0,
                "value": 150_000.0,
            },
            "buyers": {
                "status": "normal",
                "rule": None,
                "chart": "individuals",
                "direction": "below",
                "expected_low": 30.0,
                "expected_high": 50.0,
                "value": 40.0,
            },
        },
        "alerted": ["revenue"],
        "watched": [],
    },
}


def _base() -> pd.DataFrame:
    return pd.DataFrame({"month": ["2026-09", "2026-10"], "customers": [100, 110]})


def test_cards_carry_the_alert_status_and_expected_range():
    cards = ov.kpi_cards(METRICS, {}, _base(), P).set_index("kpi")
    assert cards.loc["revenue", "status"] == "alert"
    assert (cards.loc["revenue", "expected_low"], cards.loc["revenue", "expected_high"]) == (80_000.0, 120_000.0)
    assert cards.loc["buyers", "status"] == "normal"
    assert cards.loc["nps", "status"] is None  # no alert for a KPI the monitoring does not judge


def test_cards_html_shows_the_badge_and_the_band():
    cards = ov.kpi_cards(METRICS, {}, _base(), P)
    html = ov.render_cards(cards, P, "CNY", "en")._repr_html_()
    assert '<div class="kpi alert"><span class="status alert"' in html
    assert 'title="¥80.0K to ¥120.0K"' in html  # the expected range on the badge
    assert html.count('class="status alert"') == 1
    assert html.count('class="status normal"') == 1  # buyers: judged, normal
    assert html.count('class="kpi"') == len(ov.KPI_SPECS) - 1  # only the alerted card is outlined
    assert html.count('<rect class="band"') == 2  # the band on revenue's and buyers' sparklines
    zh = ov.render_cards(cards, P, "CNY", "zh")._repr_html_()
    assert ">预警</span>" in zh


def test_cards_without_monitoring_have_no_badge():
    metrics = {k: v for k, v in METRICS.items() if k != "monitoring"}
    cards = ov.kpi_cards(metrics, {}, _base(), P)
    assert cards["status"].isna().all()
    assert 'class="status' not in ov.render_cards(cards, P, "CNY", "en")._repr_html_()


def test_narrative_leads_with_the_alerts():
    cards = ov.kpi_cards(METRICS, {}, _base(), P)
    sentences = ov.narrative(cards, METRICS, "CNY", "en")
    assert sentences[0].startswith("Outside the normal range this month (alert): Revenue at ")
    assert "above the expected" in sentences[0]
    assert not any("Outside the normal range" in s for s in sentences[1:])
    calm = {**METRICS, "monitoring": {**METRICS["monitoring"], "alerts": {"revenue": {"status": "normal"}}}}
    assert not ov.narrative(ov.kpi_cards(calm, {}, _base(), P), calm, "CNY", "en")[0].startswith("Outside")


def _report(root, client, period, alerted):
    folder = root / client / period
    folder.mkdir(parents=True)
    metrics = {"client": client, "title": client.upper(), "period": period, "language": "en",
               "repurchase": {"buyers": 10}, "monitoring": {"alerted": alerted}}  # fmt: skip
    (folder / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    (folder / "07_overview.html").write_text("<title>x · Overview</title>", encoding="utf-8")


def test_index_marks_the_clients_with_alerts(tmp_path):
    _report(tmp_path, "calm", "2026-10", [])
    _report(tmp_path, "noisy", "2026-09", [])
    _report(tmp_path, "noisy", "2026-10", ["revenue", "buyback_rate"])
    page = index.write_index(tmp_path).read_text(encoding="utf-8")
    page = page[page.index('<section class="client"') :]  # the clients' sections, after the summary table
    calm = page[page.index("CALM") : page.index("NOISY")]
    noisy = page[page.index("NOISY") :]
    assert 'class="alert"' not in calm
    heading = noisy[: noisy.index("</h2>")]
    assert '<span class="alert" title="Revenue, Buy-back rate">2 alert(s): Revenue, Buy-back rate</span>' in heading
    assert noisy.count('class="alert"') == 2  # the heading (latest month) and the 2026-10 row, not 2026-09
