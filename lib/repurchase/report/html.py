"""Small HTML pieces shared by the reports and the index (escaped, offline)."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["sparkline_svg"]


def sparkline_svg(series: list[float | None], width: int = 120, height: int = 28, color: str = "#264653") -> str:
    """A small inline SVG line of the series (gaps where None); empty when fewer than 2 values."""
    pts = [(i, v) for i, v in enumerate(series) if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if len(pts) < 2:
        return ""
    xs = np.array([p[0] for p in pts], dtype=float)
    ys = np.array([p[1] for p in pts], dtype=float)
    span = ys.max() - ys.min() or 1.0
    px = 2 + xs / max(len(series) - 1, 1) * (width - 4)
    py = height - 3 - (ys - ys.min()) / span * (height - 6)
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(px, py))
    return (
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">'
        f'<polyline fill="none" stroke="{color}" stroke-width="1.6" points="{points}"/>'
        f'<circle cx="{px[-1]:.1f}" cy="{py[-1]:.1f}" r="2.4" fill="{color}"/></svg>'
    )
