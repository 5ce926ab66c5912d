"""A render computes each analysis once, and every report reads that one result."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from repurchase.core.store import ResultStore
from repurchase.report import pipeline


def test_a_render_computes_every_analysis_once(rendered):
    for o in rendered["outcomes"]:
        log = ResultStore(o.report_dir / "results").computations()
        names = [entry["name"] for entry in log]
        assert sorted(names) == sorted(pipeline.STAGE_MODULES), (o.client, names)  # once each, nothing twice
        assert len({entry["pid"] for entry in log}) == 1  # in the render process: no notebook computed one
        life = ResultStore(o.report_dir / "results").load("lifetime_value")
        assert len(life.history.columns) == 12 and life.history.notna().any().all(), o.client  # stored once


def test_metrics_json_is_the_store_s_metrics(rendered):
    for o in rendered["outcomes"]:
        merged = json.loads((o.report_dir / "metrics.json").read_text(encoding="utf-8"))
        stored = ResultStore(o.report_dir / "results").all_metrics()
        assert set(stored) == set(pipeline.STAGE_MODULES) | {"overview"}
        for section, values in stored.items():
            assert merged[section] == values


def test_one_clv_in_the_at_risk_list_and_the_clv_export(rendered):
    for o in rendered["outcomes"]:
        at_risk = pd.read_csv(
            o.report_dir / "exports" / "at_risk.csv", encoding="utf-8-sig", dtype={"customer_id": str}
        )
        clv = pd.read_csv(o.report_dir / "exports" / "clv.csv", encoding="utf-8-sig", dtype={"customer_id": str})
        assert len(at_risk) > 0, o.client
        joined = at_risk.merge(clv[["customer_id", "clv"]], on="customer_id", how="left", validate="one_to_one")
        assert joined["clv"].notna().all(), o.client
        assert (joined["value"] == joined["clv"]).all(), o.client


@pytest.mark.heavy
def test_a_relative_reports_folder_gets_every_report(tmp_path, monkeypatch, root, demo_data):
    """papermill changes the working directory while a notebook runs; HTML written meanwhile must still land."""
    from repurchase.publish.cli import main
    from repurchase.publish.render import find_notebooks

    before = sorted(p.name for p in (root / "notebooks").iterdir())
    monkeypatch.chdir(tmp_path)
    assert main(["render", str(root / "params" / "cdnow.yaml"), "--out", "reports"]) == 0
    pages = sorted(p.stem for p in (tmp_path / "reports" / "cdnow" / "1998-06").glob("*.html"))
    assert pages == [nb.stem for nb in find_notebooks(root / "notebooks")]
    assert sorted(p.name for p in (root / "notebooks").iterdir()) == before  # nothing written next to the notebooks


def test_each_notebook_waits_for_the_results_it_reads(root, tmp_path, tiny_notebook):
    from repurchase.publish.render import find_notebooks, notebook_needs

    stages = list(pipeline.STAGE_MODULES)
    needs = {nb.stem: notebook_needs(nb, stages) for nb in find_notebooks(root / "notebooks")}
    assert needs["01_cleaning"] == ["cleaning"]
    assert needs["04_lifetime_value"] == ["cleaning", "repurchase", "segmentation", "lifetime_value"]
    assert needs["02_repurchase"] == stages[: stages.index("recommendations") + 1]  # it shows the recommendations
    assert needs["07_overview"] == stages  # reads every result through the library
    assert needs["10_monitoring"] == stages
    one = tiny_notebook(tmp_path / "x.ipynb", "res = ctx.result( 'churn' )\nother = ctx.result(\"nothing_known\")")
    assert notebook_needs(one, stages) == stages[: stages.index("churn") + 1]
    (tmp_path / "broken.ipynb").write_text("{not json", encoding="utf-8")
    assert notebook_needs(tmp_path / "broken.ipynb", stages) == stages
