"""Fixtures of the warehouse tests: CDNOW and the cleaned demo log; the shared checks (``identity``) are importable."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from repurchase import load_params
from repurchase.cleaning.datasets import load_cleaning

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)


@pytest.fixture(scope="session")
def demo_clean(demo_data: Path, root: Path) -> pd.DataFrame:
    """The demo-online transactions cleaned through the cache (all periods), as the notebooks read them."""
    params = load_params(root / "params" / "demo-online.yaml")
    return load_cleaning(params, None).clean  # type: ignore[union-attr]


@pytest.fixture(scope="session")
def cdnow_tx(cdnow: pd.DataFrame) -> pd.DataFrame:
    return cdnow.reset_index(drop=True)
