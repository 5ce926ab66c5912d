"""Fixtures of the publish tests: comparing two reports folders (tiny notebooks: tests/conftest.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest


def _tree(out: Path) -> dict[str, set[str]]:
    """Per report folder (client/period), the files in it, relative."""
    return {
        f"{d.parent.name}/{d.name}": {str(p.relative_to(d)) for p in d.rglob("*") if p.is_file()}
        for d in sorted(out.glob("*/[0-9]*"))
    }


def _metrics(folder: Path) -> dict:
    m = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    assert m.pop("generated_at")  # the only field that depends on when it ran
    return m


def _assert_same_reports(left: Path, right: Path) -> None:
    """The same report folders and files, the same metrics.json (but the time) and byte-identical CSV files."""
    tree = _tree(left)
    assert tree and tree == _tree(right)
    for folder, files in tree.items():
        assert _metrics(left / folder) == _metrics(right / folder), folder
        csvs = sorted(f for f in files if f.endswith(".csv"))
        assert "quarantine.csv" in csvs and any(f.startswith("exports/") for f in csvs), folder
        for name in csvs:
            assert (left / folder / name).read_bytes() == (right / folder / name).read_bytes(), f"{folder}/{name}"


@pytest.fixture
def assert_same_reports() -> Callable[[Path, Path], None]:
    """``check(left, right)``: the same report folders and files, metrics.json and CSV files (see below)."""
    return _assert_same_reports
