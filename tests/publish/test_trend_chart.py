"""The overview's interactive 12-month chart: tidy series, alt text, escaped spec, Vega inlined once."""

from __future__ import annotations

import json
import re

import pandas as pd

from repurchase.core.periods import Period
from repurchase.publish.trend_chart import trend_chart, trend_frame
from repurchase.publish.widgets import add_chart_widgets, strip_vendored
from repurchase.report.vega import vega_html


def _cards() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "kpi": ["revenue", "churn_rate"],
            "unit": ["money", "rate"],
            "series": [[None, 1200.0, 2500.0], [0.10, float("nan"), 0.125]],
        }
    )


def test_trend_frame_gives_one_row_per_kpi_and_month_ending_in_the_report_month():
    frame = trend_frame(_cards(), Period.from_label("2026-10"), "CNY", "en")
    assert list(frame["month"]) == ["2026-08", "2026-09", "2026-10"] * 2
    assert list(frame["kpi"][:3]) == ["Revenue"] * 3 and frame["kpi"].iloc[3] == "Churn rate"
    assert frame["value"].isna().tolist() == [True, False, False, False, True, False]
    assert frame["shown"].iloc[2] == "¥2,500" and frame["shown"].iloc[5] == "12.5%"


def test_the_chart_alt_text_reads_first_and_last_known_month_per_kpi():
    chart = trend_chart(_cards(), Period.from_label("2026-10"), "CNY", "en")
    text = repr(chart)
    assert "Revenue ¥1,200 in Sep 2026, ¥2,500 in Oct 2026" in text, text
    assert "Churn rate 10.0% in Aug 2026, 12.5% in Oct 2026" in text, text
    assert f'aria-label="{text}"' in chart._repr_html_().replace("&#x27;", "'")
    data = next(iter(chart.spec["datasets"].values()))
    assert len(data) == 4  # unknown months are not drawn
    zh = repr(trend_chart(_cards(), Period.from_label("2026-10"), "CNY", "zh"))
    assert zh.startswith("各关键指标近 12 个月走势") and "销售额：2026年9月" in zh, zh


def test_the_spec_cannot_close_its_script_and_vega_is_inlined_once():
    spec = {"data": {"values": [{"kpi": "</script><script>window.x=1</script>"}]}, "mark": "point"}
    block = vega_html(spec, "a <b> chart")._repr_html_()
    assert "</script><script>" not in block.split('class="rp-vega-spec">')[1].split("</script>")[0] + "</script>"
    payload = re.search(r'class="rp-vega-spec">(.*?)</script>', block, re.S).group(1)
    assert json.loads(payload) == spec and "a &lt;b&gt; chart" in block
    page = add_chart_widgets(f"<html><body>{block}{block}</body></html>")
    assert page.count("vegaEmbed(") >= 1 and page.count("figure.rp-vega") == 1  # one init for every chart
    assert len(page) > 500_000 and page.count('data-rp-vendor="vega"') == 1
    assert "https://" not in strip_vendored(page) and "rp-vega-spec" in strip_vendored(page)
    plain = "<html><body><p>no chart</p></body></html>"
    assert add_chart_widgets(plain) == plain
