"""Shared fixtures: the repository, the demo data and one render of every client."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
PARAMS_DIR = ROOT / "params"
DEMO_DIR = ROOT / "data" / "demo"
ALL_PARAMS = sorted(PARAMS_DIR.glob("*.yaml"))


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def demo_data() -> Path:
    """The demo data under data/demo (written by `make test` / `make reports`; made here if missing)."""
    if not (DEMO_DIR / "online" / "transactions.csv").exists():
        from repurchase.demo import write_demo_data

        write_demo_data(DEMO_DIR)
    return DEMO_DIR


@pytest.fixture(scope="session")
def rendered(tmp_path_factory, demo_data) -> dict:
    """Render every params/*.yaml once into a temporary reports folder (2 workers)."""
    from repurchase.publish.render import render_reports

    out = tmp_path_factory.mktemp("reports")
    outcomes = render_reports(ALL_PARAMS, None, jobs=2, out=out)
    return {"out": out, "outcomes": outcomes}


@pytest.fixture(scope="session")
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


def write_params(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def cdnow() -> pd.DataFrame:
    """CDNOW_sample as cleaned transactions, one row per purchase (the file ships in the lifetimes wheel)."""
    path = importlib.metadata.distribution("lifetimes").locate_file("lifetimes/datasets/CDNOW_sample.txt")
    raw = pd.read_csv(
        path, sep=r"\s+", header=None, names=["customer_id", "index", "date", "quantity", "amount"],
        dtype={"customer_id": str, "date": str},
    )  # fmt: skip
    return pd.DataFrame(
        {
            "customer_id": raw["customer_id"],
            "order_id": raw.index.astype(str),
            "order_date": pd.to_datetime(raw["date"], format="%Y%m%d"),
            "amount": raw["amount"].astype(float),
        }
    )
