"""The whole analysis: run_satisfaction on plain data, its metrics, its report text, its stage and its render."""

from __future__ import annotations

import html
import json
import math
import re
from pathlib import Path

import matplotlib

matplotlib.use("agg")  # tests only: no display

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from repurchase import satisfaction as sat
from repurchase.core import i18n
from repurchase.core.params import SatisfactionSettings
from repurchase.core.periods import Period
from repurchase.core.status import Unavailable
from repurchase.core.store import dump, load
from repurchase.report.display import render

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo"
SENTENCES = ("availability", "scores", "trend", "breakdowns", "link", "loyalty", "drivers", "comments", "coverage")


def run(surveys, tx=None, customers=None, period="2026-10", language="en"):
    tx = pd.DataFrame({"customer_id": [], "order_date": pd.to_datetime([]), "amount": []}) if tx is None else tx
    return sat.run_satisfaction(
        surveys, tx, SatisfactionSettings(), Period.from_label(period), customers=customers,
        title="Test client", language=language,
    )  # fmt: skip


def show(item, lang="en"):
    out = render(item, lang=lang)
    return None if out is None else out


def text(item, lang="en") -> str:
    out = show(item, lang)
    return "" if out is None else repr(out)


def charts(res):
    from repurchase import plots

    w = res.settings.repurchase_window_days
    return (
        (plots.plot_nps_trend, res.by_month, {}),
        (plots.plot_csat_trend, res.by_month, {}),
        (plots.plot_nps_breakdown, res.breakdowns, {"tiers": res.frequency_tiers}),
        (plots.plot_repurchase_by_group, res.repurchase, {"window_days": w}),
        (plots.plot_time_to_next_purchase, res.km, {"window_days": w}),
        (plots.plot_repurchase_by_frequency, res.stratified, {"tiers": res.frequency_tiers}),
        (plots.plot_importance_performance, res.drivers.table, {}),
        (plots.plot_distinguishing_terms, res.distinguishing, {}),
    )


def test_no_survey_source_gives_empty_report_and_null_metrics():
    res = run(None)
    assert not res.available and isinstance(res.unavailable, Unavailable)
    assert "no surveys source" in res.unavailable.text("en") and res.unavailable.code == "no_source"
    assert "No survey data" in text(res.sentences.availability)
    for name in sat.text.TABLE_NAMES:
        assert show(getattr(res.tables, name)) is None  # nothing shown
    for f in SENTENCES[1:]:
        assert "Not available" in text(getattr(res.sentences, f))
    m = sat.satisfaction_metrics(res)
    assert m["survey_available"] is False and m["nps"] is None and m["nps_prev_period"] is None
    assert m["repurchase_rate_by_group"] == {"detractor": None, "passive": None, "promoter": None}
    assert m["repurchase_window_days"] == 90
    json.dumps(m)

    before = plt.get_fignums()
    for fn, data, _ in charts(res):
        fn(data)
    assert plt.get_fignums() == before  # nothing left to show

    empty = run(pd.DataFrame({"customer_id": [], "response_date": pd.to_datetime([]), "nps": []}))
    assert not empty.available and empty.unavailable.code == "no_usable"
    assert "no usable response" in text(empty.sentences.availability)


def test_small_client_report_end_to_end_and_metrics(small_client):
    sv, tx = small_client
    res = run(sv, tx)
    assert res.available
    m = sat.satisfaction_metrics(res)
    assert set(m) >= {
        "nps",
        "nps_low",
        "nps_high",
        "csat",
        "responses",
        "response_rate",
        "nps_prev_period",
        "nps_low_prev_period",
        "nps_high_prev_period",
        "csat_prev_period",
        "responses_prev_period",
        "response_rate_prev_period",
        "repurchase_rate_by_group",
    }
    nps = res.change.set_index("metric").loc["nps"]  # the test of the change, for the overview (issue #14)
    expected = [None if pd.isna(v) else pytest.approx(v) for v in nps[["difference", "low", "high", "p_value"]]]
    assert [m["nps_change"], m["nps_change_low"], m["nps_change_high"], m["nps_change_p_value"]] == expected
    json.dumps(m)
    assert res.drivers.available and res.drivers.table.iloc[0]["aspect"] == "a"
    for name in sat.text.TABLE_NAMES:
        table = getattr(res.tables, name)
        assert not table.empty, name
        assert "<script" not in show(table)._repr_html_()
    for f in SENTENCES:
        sentence = getattr(res.sentences, f)
        assert isinstance(sentence, str) and sentence
        assert "<script" not in show(sentence)._repr_html_()
    for fn, data, kw in charts(res):
        ax = fn(data, **kw)
        assert isinstance(ax, matplotlib.axes.Axes) and plt.fignum_exists(ax.figure.number) and ax.has_data()
        plt.close(ax.figure)


def test_result_is_stored_and_loaded_unchanged(small_client, tmp_path):
    sv, tx = small_client
    res = run(sv, tx)
    back = load(json.loads(json.dumps(dump(res, tmp_path))), tmp_path)
    assert isinstance(back, sat.SatisfactionResult) and back.settings == res.settings
    assert sat.satisfaction_metrics(back) == sat.satisfaction_metrics(res)
    for name in sat.text.TABLE_NAMES:
        assert show(getattr(back.tables, name))._repr_html_() == show(getattr(res.tables, name))._repr_html_()
    assert back.sentences == res.sentences and back.period == res.period
    pd.testing.assert_frame_equal(back.stratified, res.stratified)
    none = run(None)
    assert (
        load(json.loads(json.dumps(dump(none, tmp_path / "none"))), tmp_path / "none").unavailable == none.unavailable
    )


def test_stage_reads_the_settings_of_the_params(small_client):
    sv, tx = small_client

    class Inputs:
        params = type(
            "P",
            (),
            {
                "satisfaction": SatisfactionSettings(repurchase_window_days=30),
                "segmentation": type("S", (), {"frequency_tiers": {"loyal": 3, "regular": 2}})(),
                "repurchase": type("R", (), {"occasion": "customer_day"})(),
                "sources": None,
                "title": "T",
                "language": "en",
            },
        )()
        period = Period.from_label("2026-10")

        def surveys(self):
            return sv

        def transactions(self):
            return tx

        def customers(self):
            return None

    assert sat.STAGE.name == "satisfaction" and sat.STAGE.requires == ()
    res = sat.STAGE.run(Inputs())
    assert res.settings.repurchase_window_days == 30 and sat.STAGE.metrics(res)["repurchase_window_days"] == 30
    assert set(res.stratified["frequency_tier"].astype(str)) <= {"none", "one-time", "regular", "loyal"}
    assert res.frequency_tiers == {"loyal": 3, "regular": 2}
    assert "one-time (1)" in show(res.tables.stratified)._repr_html_()  # everyone bought once before answering


#: abbreviations a Chinese report keeps (single letters such as n, r, p, z are not counted as words)
ALLOWED_LATIN = {"NPS", "CSAT", "CES", "VIF", "SMD", "Cochran"}  # Cochran: the name of the Q test


def _english(value: str) -> set[str]:
    return set(re.findall(r"[A-Za-z]{2,}", value)) - ALLOWED_LATIN


def test_chinese_report_has_no_english_in_sentences_tables_and_charts(small_client):
    sv, tx = small_client
    res = run(sv, tx, language="zh")
    assert res.available and res.language == "zh"
    for f in SENTENCES:
        if f != "comments":
            value = getattr(res.sentences, f)
            assert not _english(value), f"{f}: {value}"
    assert res.sentences.comments.startswith("贬损者最有代表性的用词")  # the words themselves come from the data
    assert "2026年10月" in res.sentences.scores
    for name in sat.text.TABLE_NAMES:
        table = getattr(res.tables, name)
        headers = " ".join(map(str, i18n.translate_columns(table.frame, "zh").columns))
        assert not _english(headers + (table.caption or "")), f"{name}: {headers} / {table.caption}"
    groups = set(res.tables.repurchase.frame["sat_nps_group"])
    assert groups == {"贬损者", "被动者", "推荐者"}
    assert set(res.tables.drivers.frame["sat_quadrant"]) <= {"优先改进", "继续保持", "维持现状", "次要关注"}
    assert res.tables.effect.frame["sat_comparison"].tolist() == [
        "贬损者 − 推荐者，整体",
        "贬损者 − 推荐者，此前购买次数与距上次购买天数相同（标准化）",
    ]
    codes = " ".join(res.tables.stratified.frame["sat_frequency_tier"].astype(str)) + " ".join(
        res.tables.by_month.frame["sat_month"]
    )
    assert not _english(codes)
    from repurchase import plots

    for fn, data, kw in charts(res):
        ax = fn(data, lang="zh", **kw)
        legend = ax.get_legend()
        texts = [
            ax.get_title(),
            ax.get_xlabel(),
            ax.get_ylabel(),
            *(t.get_text() for t in ax.texts),
            *([t.get_text() for t in legend.get_texts()] if legend else []),
        ]
        if fn is not plots.plot_nps_breakdown:  # its tick labels are channel names from the data
            texts += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        if fn is plots.plot_distinguishing_terms:  # ... and these are the comments' words
            texts = texts[: -len(ax.get_yticklabels())]
        assert not _english(" ".join(texts)), f"{fn.__name__}: {texts}"
        plt.close(ax.figure)
    assert "贬损者" in plots.plot_repurchase_by_group(res.repurchase, lang="zh").get_xticklabels()[0].get_text()
    plt.close("all")


def test_charts_name_the_prior_frequency_tiers(nps_sample):
    from repurchase import plots

    frame = nps_sample(10, 10, 10).assign(channel=["app", "web"] * 15)
    frame["frequency_tier"] = sat.prior_frequency_tier(pd.Series(np.tile([0, 1, 3], 10)), {"loyal": 3, "regular": 2})
    frame["nps_group"] = sat.nps_group(frame["nps"])
    breakdowns = sat.nps_breakdowns(frame, min_n=5)
    ax = plots.plot_nps_breakdown(breakdowns, tiers={"loyal": 3, "regular": 2}, lang="zh")
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks[:3] == ["此前未购（0 次）（10 份）", "单次（1 次）（10 份）", "loyal（3+ 次）（10 份）"], ticks
    assert ticks[3:] == ["app（15 份）", "web（15 份）"]  # names from the data as they are
    plt.close(ax.figure)
    frame["days_to_next"] = 5.0
    rates = sat.repurchase_after_response(frame, Period.from_label("2026-12"), 30, ["frequency_tier", "nps_group"])
    ax = plots.plot_repurchase_by_frequency(rates[rates["responses"] > 0], tiers={"loyal": 3, "regular": 2})
    assert [t.get_text().split("\n")[0] for t in ax.get_xticklabels()] == [
        "none before (0)",
        "one-time (1)",
        "loyal (3+)",
    ]
    plt.close(ax.figure)


def test_chinese_report_without_surveys():
    res = run(None, language="zh")
    assert text(res.sentences.availability, "zh").startswith("**没有问卷数据：**Test client 没有问卷数据源")
    assert text(res.sentences.link, "zh") == "该客户不适用：没有问卷数据（见报告开头的说明）。"
    assert _plot_no_data_text("zh") == "无数据"


def _plot_no_data_text(lang):
    from repurchase import plots

    fig, ax = plt.subplots()
    plots.plot_nps_trend(sat.scores_by_month(None), ax=ax, lang=lang)
    value = ax.texts[0].get_text()
    plt.close(fig)
    return value


# ---------------------------------------------------------------------------
# the designed effect in the demo data


@pytest.mark.parametrize("client", ["demo-online", "demo-stores"])
def test_demo_detractors_repurchase_less_and_drivers_recover_design(client, hostile, tmp_path):
    folder = DEMO / client.removeprefix("demo-")
    if not (folder / "_manifest.json").exists():
        pytest.skip(f"{folder} missing: run `python -m repurchase demo-data` to create the demo data")
    from repurchase.report import open_report

    ctx = open_report(ROOT / "params" / f"{client}.yaml", output_dir=tmp_path)
    res = ctx.result("satisfaction")
    rates = res.repurchase.set_index(res.repurchase["nps_group"].astype(str))
    det, pas, pro = rates.loc["detractor"], rates.loc["passive"], rates.loc["promoter"]
    assert det["rate"] < pas["rate"] < pro["rate"]
    assert det["rate_high"] < pro["rate_low"]  # non-overlapping intervals
    adjusted = res.effect.iloc[1]
    assert "standardized" in adjusted["comparison"] and adjusted["high"] < 0  # holds within prior occasions x recency
    # the aspect weights used to simulate the overall score come back as shares of R^2
    design = json.loads((folder / "_manifest.json").read_text(encoding="utf-8"))["aspect_weights"]
    shares = res.drivers.table.set_index("aspect")["share"]
    for aspect, weight in design.items():
        assert shares[aspect] == pytest.approx(weight, abs=0.06)
    assert res.drivers.table["weight"].sum() == pytest.approx(res.drivers.r2)
    # junk markup in comments stays text
    junk = ctx.surveys()["comment"].isin(hostile)
    assert junk.sum() == 3
    samples = sat.sample_comments(sat.enrich_responses(ctx.surveys()[junk], ctx.transactions()))
    html_samples = ctx.show(sat.satisfaction_table("samples", samples))._repr_html_()
    assert "<script" not in html_samples and html.escape(hostile[2]) in html_samples
    assert (tmp_path / "results" / "satisfaction" / "metrics.json").exists()  # the stage stored it


# ---------------------------------------------------------------------------
# hostile comments through the rendered report, opened in a browser


def _hostile_client(folder: Path, hostile) -> Path:
    rng = np.random.default_rng(5)
    n = 90
    ids = [f"H{i:03d}" for i in range(n)]
    start = pd.Timestamp("2026-01-05") + pd.to_timedelta(rng.integers(0, 200, n), unit="D")
    rows = []
    for k in range(3):  # three purchases per customer, 40-70 days apart
        rows.append(
            pd.DataFrame(
                {
                    "customer_id": ids,
                    "order_id": [f"O{k}-{i}" for i in range(n)],
                    "order_date": start + pd.to_timedelta(k * rng.integers(40, 70, n), unit="D"),
                    "amount": rng.integers(20, 200, n).astype(float),
                }
            )
        )
    tx = pd.concat(rows, ignore_index=True)
    tx = tx[tx["order_date"] < pd.Timestamp("2026-11-01")]
    quality = rng.integers(1, 6, n)
    nps = np.clip(quality * 2 + rng.integers(-1, 2, n), 0, 10)
    comment = np.where(nps >= 9, "很好，质量好", np.where(nps >= 7, "ok", None)).astype(object)
    det = np.flatnonzero(nps <= 6)
    comment[det] = None
    comment[det[:3]] = list(hostile)  # the detractors' only comments: all three are sampled
    sv = pd.DataFrame(
        {
            "customer_id": ids,
            "response_date": start + pd.Timedelta(days=3),
            "nps": nps,
            "csat": np.clip(quality, 1, 5),
            "quality": quality,
            "delivery": rng.integers(1, 6, n),
            "comment": comment,
        }
    )
    tx.to_csv(folder / "transactions.csv", index=False)
    sv.to_csv(folder / "surveys.csv", index=False)
    params = folder / "hostile.yaml"
    params.write_text(
        f"""client: hostile-test
title: Hostile comments test
period: 2026-10
sources:
  transactions:
    path: {folder / "transactions.csv"}
    columns: {{customer_id: customer_id, order_id: order_id, order_date: order_date, amount: amount}}
  surveys:
    path: {folder / "surveys.csv"}
    columns: {{customer_id: customer_id, response_date: response_date, nps: nps, csat: csat, comment: comment,
               aspect_quality: quality, aspect_delivery: delivery}}
""",
        encoding="utf-8",
    )
    return params


@pytest.mark.render
@pytest.mark.browser
@pytest.mark.heavy
def test_hostile_comments_render_as_literal_text_in_the_browser(tmp_path, hostile):
    import shutil

    from repurchase.publish.render import render_reports

    params = _hostile_client(tmp_path, hostile)
    nb_dir = tmp_path / "notebooks"
    nb_dir.mkdir()
    shutil.copy(ROOT / "notebooks" / "06_satisfaction.ipynb", nb_dir)
    (outcome,) = render_reports([params], None, out=tmp_path / "reports", notebooks_dir=nb_dir)
    assert outcome.ok, outcome.error
    report = outcome.report_dir / "06_satisfaction.html"
    page_html = report.read_text(encoding="utf-8")
    for value in hostile:
        assert html.escape(value) in page_html
    assert "<script>alert(1)</script>" not in page_html and "<img src=x" not in page_html
    assert "</table><b>" not in page_html

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip(
            "chromium not installed (apt-get install chromium): the escaped HTML was checked, the browser part is skipped"
        )
    from playwright.sync_api import sync_playwright

    args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--host-resolver-rules=MAP * ~NOTFOUND",
    ]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=args)
        page = browser.new_page()
        dialogs, errors = [], []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(report.resolve().as_uri(), wait_until="load")
        cells = page.evaluate("Array.from(document.querySelectorAll('td')).map(td => td.textContent)")
        injected = page.evaluate("document.querySelectorAll('td script, td img, td b').length")
        tables = page.evaluate("document.querySelectorAll('table.rp-table').length")
        sample_rows = page.evaluate(
            "Array.from(document.querySelectorAll('table.rp-table')).filter(t => t.caption && "
            "t.caption.textContent.startsWith('Sample comments')).map(t => t.tBodies[0].rows.length)"
        )
        browser.close()
    assert dialogs == [] and errors == []  # no script ran
    assert set(hostile) <= set(cells)  # shown exactly as written
    assert injected == 0
    assert tables == page_html.count('<table class="rp-table">')  # no table closed early by a comment
    assert sample_rows and sample_rows[0] >= 3


def _strata_client():
    """16 first responses on 2026-06-15 12:00 in three strata (prior occasions x days since the last purchase):

    S1 1 × 0–7 (one purchase 3 days before):   4 detractors, 1 bought again (.25); 2 promoters, 1 (.5)
    S2 5–9 × 8–30 (6 purchases, last 10 days): 2 detractors, 1 (.5);             4 promoters, 3 (.75)
    S3 1 × 31–90 (one purchase 40 days before): 2 detractors, 2 (1.0);           2 promoters, 2 (1.0)

    "Bought again" = a purchase on 2026-07-05 (20 days later, inside the 90 observed by 2026-12-31).
    """
    response = pd.Timestamp("2026-06-15 12:00")
    cases = [  # (stratum, nps, bought again)
        *[("S1", 3, b) for b in (1, 0, 0, 0)],
        *[("S1", 10, b) for b in (1, 0)],
        *[("S2", 3, b) for b in (1, 0)],
        *[("S2", 10, b) for b in (1, 1, 1, 0)],
        *[("S3", 3, b) for b in (1, 1)],
        *[("S3", 10, b) for b in (1, 1)],
    ]
    before = {
        "S1": [response - pd.Timedelta(days=3, hours=2)],
        "S2": [response - pd.Timedelta(days=10 + 30 * i, hours=2) for i in range(6)],
        "S3": [response - pd.Timedelta(days=40, hours=2)],
    }
    tx, sv = [], []
    for i, (stratum, nps, again) in enumerate(cases):
        cid = f"S{i:02d}"
        sv.append({"customer_id": cid, "response_date": response, "nps": float(nps)})
        dates = before[stratum] + ([pd.Timestamp("2026-07-05 10:00")] if again else [])
        tx += [{"customer_id": cid, "order_date": d, "amount": 50.0} for d in dates]
    return pd.DataFrame(sv), pd.DataFrame(tx)


def test_stratified_gap_by_hand():
    sv, tx = _strata_client()
    res = run(sv, tx, period="2026-12")
    # crude: detractors 4 of 8 = .5, promoters 6 of 8 = .75 -> -25 pts
    # adjusted: within S1 .25 - .5 = -.25 (weight 6), S2 .5 - .75 = -.25 (6), S3 1 - 1 = 0 (4)
    #   -> (6 x -.25 + 6 x -.25 + 4 x 0) / 16 = -3/16 = -18.75 pts: the adjustment moved the gap by +6.25 pts
    crude, adjusted = res.effect.iloc[0], res.effect.iloc[1]
    assert crude["difference"] == pytest.approx(-0.25)
    assert adjusted["difference"] == pytest.approx(-3 / 16) and adjusted["strata"] == 3 and adjusted["observed"] == 16
    # SE = sqrt(Σ w² (SE_a² + SE_b²)), w = 6/16, 6/16, 4/16; SE² = r(1 - r)/n: S1 .25·.75/4 + .5·.5/2,
    # S2 .5·.5/2 + .75·.25/4, S3 0 + 0
    se = math.sqrt((6 / 16) ** 2 * (0.046875 + 0.125) * 2)
    assert adjusted["se"] == pytest.approx(se)
    # the old strata (frequency tiers) pool S1 and S3 (both one-time): one-time .5 - .75 = -.25 (10), high -.25 (6)
    # -> -25 pts, no adjustment at all; the finer strata separate recency
    tiers = sat.group_difference(res.stratified, stratum_col="frequency_tier").iloc[0]
    assert tiers["difference"] == pytest.approx(-0.25)
    assert set(res.adjustment["stratum"]) == {"1 × 0–7", "5–9 × 8–30", "1 × 31–90"}
    # the report prints percentage points and says how far the adjustment moved the gap
    assert "a difference of -25.0 pts (" in res.sentences.link
    assert "the difference is -18.8 pts (" in res.sentences.link
    assert (
        "(3 strata), the gap is **-18.8 pts** (" in res.sentences.loyalty
        and "against -25.0 pts overall: the adjustment moved it by +6.2 pts, and about 75% of the gap"
        in res.sentences.loyalty
    )
    assert res.tables.effect.frame["sat_difference_pts"].tolist() == pytest.approx([-25.0, -18.75])
    assert res.tables.effect.formats["sat_difference_pts"] == "{:+.1f}"
    assert "%" not in res.sentences.link.split("):")[-1]  # no rate difference printed as a percentage
    zh = run(sv, tx, period="2026-12", language="zh")
    assert "相差 -25.0 个百分点（" in zh.sentences.link and "调整使差距变化了 +6.2 个百分点" in zh.sentences.loyalty
    metrics = sat.satisfaction_metrics(res)
    assert metrics["repurchase_gap"] == {"crude": pytest.approx(-0.25), "adjusted": pytest.approx(-3 / 16), "strata": 3}
    assert metrics["nps_heterogeneity"] == {"months": 1, "q": None, "df": None, "p_value": None}
