"""Results are computed once per client and period, stored, reloaded, and recomputed when inputs change."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pytest

from repurchase.core.errors import AnalysisError
from repurchase.core.stage import Stage
from repurchase.report import open_report, pipeline


@dataclass
class Counted:
    rows: int
    upstream: int | None = None


def _install(monkeypatch, calls: list[str]) -> None:
    def first(inputs):
        calls.append("first")
        return Counted(len(inputs.transactions()))

    def second(inputs):
        calls.append("second")
        return Counted(len(inputs.transactions()), upstream=inputs.result("first").rows)

    def sneaky(inputs):
        return inputs.result("first")

    stages = {
        "first": Stage(
            "first",
            first,
            metrics=lambda r: {"rows": r.rows},
            exports=lambda r: {"exports/first.csv": pd.DataFrame({"rows": [r.rows]})},
        ),
        "second": Stage("second", second, requires=("first",)),
        "sneaky": Stage("sneaky", sneaky),
    }
    monkeypatch.setattr(pipeline, "stage", lambda name: stages[name])


def test_a_result_is_computed_once_with_its_requirements(tmp_path, monkeypatch, demo_data, root):
    calls: list[str] = []
    _install(monkeypatch, calls)
    ctx = open_report(root / "params" / "cdnow.yaml", output_dir=tmp_path)
    second = ctx.result("second")
    assert calls == ["first", "second"] and second.upstream == second.rows == 6919
    assert ctx.result("second") is second and ctx.result("first").rows == 6919 and calls == ["first", "second"]
    assert (tmp_path / "exports" / "first.csv").read_text(encoding="utf-8-sig").split() == ["rows", "6919"]
    assert ctx.store.metrics("first") == {"rows": 6919}
    again = open_report(root / "params" / "cdnow.yaml", output_dir=tmp_path)  # a later notebook of the same render
    assert again.result("second").rows == 6919 and calls == ["first", "second"]
    assert [c["name"] for c in again.store.computations()] == ["first", "second"]


def test_a_stage_reads_only_what_it_declares(tmp_path, monkeypatch, demo_data, root):
    _install(monkeypatch, [])
    ctx = open_report(root / "params" / "cdnow.yaml", output_dir=tmp_path)
    with pytest.raises(AnalysisError, match="reads the result 'first' without declaring it"):
        ctx.result("sneaky")


def test_changed_params_recompute(tmp_path, monkeypatch, demo_data, root):
    calls: list[str] = []
    _install(monkeypatch, calls)
    text = (root / "params" / "cdnow.yaml").read_text(encoding="utf-8")
    params = tmp_path / "params" / "cdnow.yaml"
    params.parent.mkdir()
    params.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    open_report(params, output_dir=out).result("first")
    params.write_text(text.replace("currency: USD", "currency: EUR"), encoding="utf-8")
    open_report(params, output_dir=out).result("first")
    assert calls == ["first", "first"]


def test_every_analysis_has_a_stage_in_dependency_order():
    names = list(pipeline.stages())
    assert names == list(pipeline.STAGE_MODULES)
    for name, st in pipeline.stages().items():
        assert st.name == name and all(names.index(r) < names.index(name) for r in st.requires)
