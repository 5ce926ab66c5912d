"""Small HTML pieces shared by the reports and the index (escaped, offline)."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["sparkline_svg"]


def sparkline_svg(
    series: list[float | None],
    width: int = 120,
    height: int = 28,
    color: str = "#264653",
    band: tuple[float | None, float | None] | None = None,
) -> str:
    """A small inline SVG line of the series (gaps where None); empty when fewer than 2 values.

    ``band``: an expected range (low, high) of the last value, drawn as a shaded strip behind the line.
    """
    pts = [(i, v) for i, v in enumerate(series) if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if len(pts) < 2:
        return ""
    xs = np.array([p[0] for p in pts], dtype=float)
    ys = np.array([p[1] for p in pts], dtype=float)
    lims = [float(b) for b in (band or ()) if b is not None and math.isfinite(float(b))]
    lo, hi = min([ys.min(), *lims]), max([ys.max(), *lims])
    span = hi - lo or 1.0
    px = 2 + xs / max(len(series) - 1, 1) * (width - 4)
    py = height - 3 - (ys - lo) / span * (height - 6)
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(px, py))
    strip = ""
    if len(lims) == 2:
        top, bottom = (height - 3 - (v - lo) / span * (height - 6) for v in (max(lims), min(lims)))
        strip = (
            f'<rect class="band" x="0" y="{top:.1f}" width="{width}" height="{max(bottom - top, 0.5):.1f}" '
            f'fill="#8d99ae" fill-opacity="0.22"/>'
        )
    return (
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">{strip}'
        f'<polyline fill="none" stroke="{color}" stroke-width="1.6" points="{points}"/>'
        f'<circle cx="{px[-1]:.1f}" cy="{py[-1]:.1f}" r="2.4" fill="{color}"/></svg>'
    )
