"""Notebooks in git: no outputs, the python3 kernel, a parameters cell, thin cells."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import papermill as pm
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PARAMETERS = {"params_path", "period", "output_dir"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs_and_with_python3_kernel(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: strip outputs before committing"
    assert "papermill" not in nb.metadata, f"{path.name}: executed copy committed"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_title_then_documented_parameters_cell(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0] is nb.cells[1]
    found = pm.inspect_notebook(str(path))
    assert set(found) == PARAMETERS
    assert all(v["help"] for v in found.values()), "every parameter carries a comment"
    assert found["params_path"]["default"].strip("\"'").startswith("../params/demo-")  # runs the demo by default


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_cells_hold_no_logic(path):
    """Thin notebooks: calls and assignments only; no loops, functions, classes or branches."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        banned = (
            ast.For,
            ast.While,
            ast.FunctionDef,
            ast.ClassDef,
            ast.If,
            ast.With,
            ast.Try,
            ast.Lambda,
            ast.ListComp,
            ast.DictComp,
        )
        bad = [type(n).__name__ for n in ast.walk(tree) if isinstance(n, banned)]
        assert not bad, f"{path.name}: move {bad} into lib/repurchase:\n{cell.source}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_one_library_call_per_cell_and_no_formats(path):
    """After the setup cell (imports, the context, the results), each code cell is one call, e.g. ``ctx.show(...)``.

    Display specs (formats, captions) belong to the analysis's table specs, not to the notebook.
    """
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])]
    for cell in code[1:]:
        tree = ast.parse(cell.source)
        assert (
            len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr) and isinstance(tree.body[0].value, ast.Call)
        ), f"{path.name}: one call per cell, got:\n{cell.source}"
    for cell in code:
        keywords = {k.arg for n in ast.walk(ast.parse(cell.source)) if isinstance(n, ast.Call) for k in n.keywords}
        assert "formats" not in keywords, f"{path.name}: formats belong to the analysis's table spec:\n{cell.source}"


def test_a_notebook_runs_with_its_default_parameters(tmp_path, demo_data):
    """As in JupyterLab: no injected values, run from the notebooks folder, side files to build/interactive/."""
    out = tmp_path / "01_cleaning.ipynb"
    pm.execute_notebook(
        str(ROOT / "notebooks" / "01_cleaning.ipynb"),
        str(out),
        kernel_name="python3",
        cwd=str(ROOT / "notebooks"),
        progress_bar=False,
    )
    nb = nbformat.read(out, as_version=4)
    assert not [
        c for c in nb.cells if c.cell_type == "code" and any(o.get("output_type") == "error" for o in c.outputs)
    ]
    assert (
        ROOT / "build" / "interactive" / "demo-online" / "2026-10" / "results" / "cleaning" / "metrics.json"
    ).exists()
