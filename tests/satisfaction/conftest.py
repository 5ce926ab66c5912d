"""Shared data of the satisfaction tests: small survey samples, hostile comments, a small client."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

#: comments that would break the page if they were not escaped
HOSTILE = (
    "很好<script>alert(1)</script>",
    "<img src=x onerror=alert(1)> delivery was slow",
    "质量差</table><b>太慢了</b>",
)


def _responses(scores, start="2026-10-01", **extra) -> pd.DataFrame:
    n = len(scores)
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i:03d}" for i in range(n)],
            "response_date": pd.Timestamp(start) + pd.to_timedelta(np.arange(n) % 28, unit="D"),
            "nps": np.asarray(scores, dtype=float),
        }
    )
    for k, v in extra.items():
        frame[k] = v
    return frame


def _nps_sample(promoters: int, passives: int, detractors: int, start="2026-10-01") -> pd.DataFrame:
    return _responses([10] * promoters + [8] * passives + [3] * detractors, start)


@pytest.fixture()
def hostile() -> tuple[str, ...]:
    return HOSTILE


@pytest.fixture()
def responses():
    """``responses(scores, start, **columns)``: one response per score, from ``start`` on."""
    return _responses


@pytest.fixture()
def nps_sample():
    """``nps_sample(promoters, passives, detractors, start)``: responses with NPS 10, 8 and 3."""
    return _nps_sample


@pytest.fixture()
def small_client():
    """Surveys and transactions of 300 customers: promoters come back sooner; comments include markup."""
    rng = np.random.default_rng(11)
    n = 300
    ids = [f"K{i:04d}" for i in range(n)]
    first = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 500, n), unit="D")
    nps = rng.integers(0, 11, n).astype(float)
    promoter = nps >= 9
    # promoters come back after ~20 days, others after ~80 or never
    gap = np.where(promoter, rng.integers(5, 40, n), rng.integers(40, 200, n))
    tx = pd.DataFrame(
        {
            "customer_id": ids * 2,
            "order_date": list(first) + list(first + pd.to_timedelta(gap + 3, unit="D")),
            "amount": 20.0,
            "channel": ["app", "web"] * n,
        }
    )
    tx = tx[tx["order_date"] < pd.Timestamp("2026-11-01")]
    sv = pd.DataFrame(
        {
            "customer_id": ids,
            "response_date": first + pd.Timedelta(days=2),
            "nps": nps,
            "csat": rng.integers(1, 6, n).astype(float),
            "aspect_a": rng.integers(1, 6, n).astype(float),
            "aspect_b": rng.integers(1, 6, n).astype(float),
            "comment": rng.choice(["太慢了", "很好", "ok", HOSTILE[0]], n),
        }
    )
    sv["nps"] = np.clip(np.round(sv["aspect_a"] * 1.6 + rng.normal(size=n)), 0, 10)
    sv = sv[sv["response_date"] < pd.Timestamp("2026-11-01")].reset_index(drop=True)
    return sv, tx
