"""No row-wise pandas in the package: no ``iterrows`` and no ``apply(..., axis=1)`` anywhere in lib/.

Analyses work on whole columns (numpy, pandas, DuckDB). The few loops over the
rows of a small display table (chart annotations, a KPI list) read
``to_dict("records")``.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "lib" / "repurchase"


def row_wise_calls(source: str) -> list[int]:
    """Line numbers of ``.iterrows()`` calls and of ``.apply(…, axis=1)`` calls in ``source``."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        axis_1 = any(
            k.arg == "axis" and isinstance(k.value, ast.Constant) and k.value.value in (1, "columns")
            for k in node.keywords
        )
        if node.func.attr == "iterrows" or (node.func.attr == "apply" and axis_1):
            lines.append(node.lineno)
    return lines


def test_the_scan_finds_row_wise_calls():
    code = "for _, r in df.iterrows():\n    pass\nx = df.apply(f, axis=1)\ny = df.apply(f, axis='columns')\nz = df.apply(f)\n"
    assert row_wise_calls(code) == [1, 3, 4]


def test_no_row_wise_pandas_in_the_package():
    found = {
        f"{path.relative_to(PACKAGE)}:{line}"
        for path in PACKAGE.rglob("*.py")
        for line in row_wise_calls(path.read_text(encoding="utf-8"))
    }
    assert not found, f"row-wise pandas (use whole-column operations): {sorted(found)}"
