"""The churn analysis end to end: run_churn, its stored result, metrics and exports, the notebook and a render."""

from __future__ import annotations

import matplotlib

matplotlib.use("agg")  # tests draw off-screen; the library itself never calls matplotlib.use

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from churn_cases import RATE_ROWS, ROOT, cdnow, tiny_client, tx_of

from repurchase import churn
from repurchase import lifetime_value as lv
from repurchase.core.params import ChurnSettings, LifetimeValueSettings
from repurchase.core.periods import Period
from repurchase.core.store import ResultStore

PERIOD = Period.from_label("1998-06")  # CDNOW's last complete month

#: the keys of metrics.json under churn, as before the split (tests/churn/test_pipeline.py keeps them)
METRIC_KEYS = {
    "churn_rate", "churn_rate_prev_period", "churn_rate_prev_year", "threshold_days", "threshold_source",
    "label_window_days", "active_customers", "at_risk_customers", "value_at_risk", "value_basis", "model",
    "baseline_recency_roc_auc", "bgnbd_roc_auc", "test_cutoff", "churn_rate_n", "churn_rate_n_prev_period",
}  # fmt: skip


@pytest.fixture(scope="module")
def cdnow_results():
    tx = cdnow()
    life = lv.run_lifetime_value(tx, PERIOD, LifetimeValueSettings(bootstrap_draws=20))
    res = churn.run_churn(tx, PERIOD, ChurnSettings(), lifetime_value=life, language="en", currency="USD")
    return tx, life, res


def test_the_value_at_risk_is_the_clv_of_the_lifetime_value_report(cdnow_results):
    _, life, res = cdnow_results
    at_risk = churn.churn_exports(res)["exports/at_risk.csv"]
    clv = lv.clv_export(life).set_index("customer_id")["clv"]
    assert res.value.basis == "clv" and churn.churn_metrics(res)["value_basis"] == "clv"
    flagged = at_risk[at_risk["at_risk"]]
    assert len(flagged) > 100
    # every at-risk customer's value in exports/at_risk.csv is their clv in exports/clv.csv (both rounded to cents)
    pd.testing.assert_series_equal(
        flagged.set_index("customer_id")["value"], clv.reindex(flagged["customer_id"]), check_names=False
    )
    assert at_risk["value"].tolist() == clv.reindex(at_risk["customer_id"]).tolist()  # the other active ones too
    # and the value at risk of the metrics is the sum of that CLV over the at-risk customers (not p_churn × CLV)
    m = churn.churn_metrics(res)
    assert m["value_at_risk"] == pytest.approx(clv.reindex(flagged["customer_id"]).sum(), abs=0.01 * len(flagged))
    words = churn.at_risk_text(res)
    assert "Value at risk is the sum of the value (CLV, or annual spend) of the customers whose probability" in words
    assert "风险价值是未来" in churn.at_risk_text(res, "zh")
    assert "Pareto/NBD" in churn.at_risk_text(res) or lv.model_label(life.model) in churn.at_risk_text(res)


def test_the_result_holds_what_the_report_shows_and_survives_the_store(cdnow_results, tmp_path):
    _, _, res = cdnow_results
    assert set(churn.churn_metrics(res)) == METRIC_KEYS
    # the churn rates' denominators: the customers active at the start of each month (for the overview's test)
    m, trend = churn.churn_metrics(res), res.trend.table.set_index("month")
    for key, month in (("churn_rate", PERIOD.start), ("churn_rate_prev_period", PERIOD.previous.start)):
        row = trend.loc[pd.Timestamp(month)]
        n = m[key.replace("churn_rate", "churn_rate_n")]
        assert (n, m[key]) == (
            (int(row["active_start"]), pytest.approx(row["churned"] / row["active_start"]))
            if m[key] is not None
            else (None, None)
        )
    assert set(res.breakdowns) == set(churn.BREAKDOWNS) and set(res.survival_by) == set(churn.SURVIVAL_GROUPS)
    assert res.trend.table["group"].eq("all").all() and res.trend.unavailable is None
    assert res.model_based.unavailable is None and len(res.model_based.table) == len(res.status)
    store = ResultStore(tmp_path / "results")
    store.save("churn", res, key="k", metrics=churn.churn_metrics(res))
    back = store.load("churn", "k")
    assert isinstance(back, churn.ChurnResult)
    assert churn.churn_metrics(back) == churn.churn_metrics(res)
    pd.testing.assert_frame_equal(
        churn.churn_exports(back)["exports/at_risk.csv"], churn.churn_exports(res)["exports/at_risk.csv"]
    )
    for lang in ("en", "zh"):  # every sentence and table of the notebook reads the same from the stored result
        for text in (churn.definition_text, churn.trend_text, churn.model_text, churn.choice_text,
                     churn.survival_text, churn.at_risk_text):  # fmt: skip
            assert text(back, lang) == text(res, lang)
        for by in churn.BREAKDOWNS:
            assert churn.breakdown_text(back, by, lang) == churn.breakdown_text(res, by, lang)
        for table in (churn.check_table, churn.recent_table, churn.sizes_table, churn.comparison_table,
                      churn.decile_table, churn.risk_table, churn.preview_table, churn.headline_table):  # fmt: skip
            a, b = table(back, lang), table(res, lang)
            pd.testing.assert_frame_equal(a.frame, b.frame)
            assert (a.formats, a.caption, a.unavailable) == (b.formats, b.caption, b.unavailable)


def test_the_stage_reads_segmentation_and_lifetime_value():
    assert churn.STAGE.name == "churn" and churn.STAGE.requires == ("segmentation", "lifetime_value")
    assert churn.STAGE.exports is churn.churn_exports and churn.STAGE.metrics is churn.churn_metrics


def test_run_churn_without_a_lifetime_value_or_the_segmentation(monkeypatch):
    import repurchase.segments as seg

    def refuse(*args, **kwargs):
        raise AssertionError("the churn analysis must not run the segmentation")

    monkeypatch.setattr(seg, "run_segmentation", refuse)
    res = churn.run_churn(tx_of(RATE_ROWS), Period.from_label("2026-04"), ChurnSettings(threshold_days=30))
    # without a lifetime-value result: annual spend, and the model-based definition says why it is missing
    assert res.value.basis == "annual_spend" and res.value.fallback
    assert res.model_based.unavailable.code == "bgnbd_not_fitted"
    assert churn.definition_text(res).startswith("A customer has churned after more than 30 days")
    assert churn.churn_metrics(res)["value_basis"] == "annual_spend"
    plt.close("all")


@pytest.mark.parametrize(
    "extra",
    ["", "period: 2026-09\nchurn:\n  threshold_days: 30\n  label_window_days: 20\n"],
    ids=["defaults", "fixed-threshold"],
)
def test_the_notebook_cells_run_for_a_tiny_new_client(tmp_path, extra):
    import json

    import nbformat

    params = tiny_client(tmp_path, extra)
    nb = nbformat.read(ROOT / "notebooks" / "05_churn.ipynb", as_version=4)
    out = tmp_path / "out"
    space: dict = {}
    with matplotlib.rc_context():  # the notebook sets the report style
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            source = cell.source
            if "parameters" in cell.metadata.get("tags", []):
                source = f"params_path = {str(params)!r}\nperiod = 'latest'\noutput_dir = {str(out)!r}"
            exec(compile(source, "05_churn", "exec"), space)  # raises on the first failing cell
    plt.close("all")
    metrics = json.loads((out / "results" / "churn" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["model"]["status"] == "unavailable" and metrics["model"]["roc_auc"] is None
    assert metrics["churn_rate_status"] == "unavailable" and metrics["at_risk_rule"] == "recency"
    export = pd.read_csv(out / "exports" / "at_risk.csv", encoding="utf-8-sig")
    assert (
        export.columns[:3].tolist() == ["rank", "customer_id", "at_risk"] and len(export) == metrics["active_customers"]
    )
    assert export["rank"].tolist() == list(range(1, len(export) + 1))
    assert export["at_risk"].sum() == metrics["at_risk_customers"] and export["at_risk"].is_monotonic_decreasing


def test_the_churn_report_renders_for_a_tiny_new_client(tmp_path):
    import shutil

    from repurchase.publish.render import render_reports

    params = tiny_client(tmp_path, "language: zh\n")
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for name in ("01_cleaning.ipynb", "05_churn.ipynb"):
        shutil.copy(ROOT / "notebooks" / name, notebooks / name)
    [outcome] = render_reports([params], notebooks_dir=notebooks, out=tmp_path / "reports")
    assert outcome.ok, outcome.error
    page = (outcome.report_dir / "05_churn.html").read_text(encoding="utf-8")
    assert "无法回测流失预警模型" in page and "暂时无法衡量流失趋势" in page and "没有流失模型" in page


def test_the_key_findings_carry_the_metrics_of_the_month(cdnow_results):
    """With a model (CDNOW): the churn rate, who is likely to lapse and the value at risk are those of metrics.json."""
    from repurchase.core import formatting

    _, _, res = cdnow_results
    m = churn.churn_metrics(res)
    top = res.at_risk_summary.iloc[0]
    for lang in ("en", "zh"):
        text = churn.describe_findings(res, lang)
        assert f"**{m['churn_rate']:.1%}**" in text and f"{m['churn_rate_prev_period']:.1%}" in text
        assert f"**{m['at_risk_customers']:,}**" in text and f"{m['active_customers']:,}" in text
        assert f"**{formatting.format_money(m['value_at_risk'], 'USD', lang)}**" in text
        assert formatting.format_money(float(top["value_at_risk"]), "USD", lang) in text
        assert f"{m['model']['roc_auc']:.3f}" in text and f"{m['baseline_recency_roc_auc']:.3f}" in text
    assert "likely to lapse: the churn model gives each of them at least a 50% probability" in churn.describe_findings(
        res
    )


def test_the_trend_and_breakdowns_on_codes_equal_those_on_the_ids(cdnow_results):
    # run_churn computes them on integer customer codes; here they are recomputed on the text IDs
    from repurchase.core.params import SegmentationSettings

    tx, _, res = cdnow_results
    tx = tx.assign(customer_id=tx["customer_id"].astype(str))
    theta = res.definition.threshold_days
    attributes = churn.first_purchase_attributes(tx)
    seg = SegmentationSettings()
    pd.testing.assert_frame_equal(churn.monthly_churn(tx, PERIOD, theta).table, res.trend.table)
    for by in churn.BREAKDOWNS:
        table = churn.churn_by(
            tx, PERIOD, theta, by, attributes=attributes, frequency_tiers=seg.frequency_tiers, segmentation=seg,
            language="en",
        ).table  # fmt: skip
        pd.testing.assert_frame_equal(table, res.breakdowns[by].table, check_dtype=False)
    assert not res.breakdowns["frequency_tier"].table.empty
