"""What every part of the demo data shares: the simulated history, the random helpers, date formats."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

__all__ = [
    "DATA_END",
    "DATA_START",
    "DEFAULT_OUT_DIR",
    "DEFAULT_SEED",
    "EPOCH",
    "N_DAYS",
    "cdf_of",
    "choice_cdf",
    "day_of",
    "fmt_dates",
]

REPO_ROOT = Path(__file__).resolve().parents[3]
#: Where :func:`write_demo_data` writes by default (git-ignored).
DEFAULT_OUT_DIR = REPO_ROOT / "data" / "demo"
DEFAULT_SEED = 20261031
#: First day of the simulated history.
DATA_START = dt.date(2023, 11, 1)
#: Last observed day, also the export date of every file.
DATA_END = dt.date(2026, 10, 31)

EPOCH = np.datetime64(DATA_START.isoformat(), "s")
N_DAYS = (DATA_END - DATA_START).days + 1


def choice_cdf(rng: np.random.Generator, cdf_rows: np.ndarray) -> np.ndarray:
    """Draw one index per row from row-wise cumulative probabilities."""
    u = rng.random(int(cdf_rows.shape[0]))
    idx = (u[:, None] > cdf_rows).sum(axis=1)
    return np.minimum(idx, cdf_rows.shape[1] - 1)


def cdf_of(weights: ArrayLike) -> np.ndarray:
    """Cumulative probabilities of ``weights`` (along the last axis)."""
    w = np.asarray(weights, dtype=float)
    c = np.cumsum(w, axis=-1)
    return c / c[..., -1:]


def day_of(date: dt.date) -> int:
    """Day number of ``date`` in the history (0 on :data:`DATA_START`)."""
    return (date - DATA_START).days


def fmt_dates(ts: np.ndarray, fmt: str) -> np.ndarray:
    """Format datetime64[s] values as strings in one of the export formats."""
    if ts.size == 0:
        return np.array([], dtype=object)
    iso = np.datetime_as_string(ts, unit="s").astype(object)
    if fmt == "iso_t":
        return iso
    if fmt == "iso_space":
        return np.asarray(pd.Series(iso).str.replace("T", " ", regex=False), dtype=object)
    idx = pd.DatetimeIndex(ts)
    y = pd.Series(idx.year.astype(str))
    m = pd.Series(idx.month.astype(str))
    d = pd.Series(idx.day.astype(str))
    hh = pd.Series(idx.hour.astype(str))
    mm = pd.Series(idx.minute.astype(str)).str.zfill(2)
    if fmt == "slash":
        out = y + "/" + m + "/" + d + " " + hh + ":" + mm
    elif fmt == "compact":
        out = y + m.str.zfill(2) + d.str.zfill(2)
    elif fmt == "chinese":
        out = y + "年" + m + "月" + d + "日 " + hh + ":" + mm
    elif fmt == "date":
        out = y + "-" + m.str.zfill(2) + "-" + d.str.zfill(2)
    else:  # pragma: no cover - internal
        raise ValueError(fmt)
    return np.asarray(out, dtype=object)
