"""Shared fixtures: the repository, the demo data and one render of every client."""

from __future__ import annotations

from pathlib import Path

import pytest

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


def write_params(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
