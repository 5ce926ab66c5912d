"""Fixtures of the publish tests: tiny notebooks that render in seconds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


@pytest.fixture
def tiny_notebook() -> Callable[[Path, str], Path]:
    """``write(path, code)``: a notebook with the papermill parameters cell, then ``code``."""

    def write(path: Path, code: str) -> Path:
        nb = new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        params = new_code_cell('params_path = ""\nperiod = "latest"\noutput_dir = ""')
        params.metadata["tags"] = ["parameters"]
        nb.cells = [new_markdown_cell("# Tiny"), params, new_code_cell(code)]
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)
        return path

    return write
