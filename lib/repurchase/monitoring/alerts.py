"""Control charts of the monthly KPIs: each month judged against the months before it.

Every month ``i`` is judged against its **baseline**: the ``baseline_months``
months before it (never ``i`` itself), of which at least ``min_baseline_months``
must have a value.

* **Rates** (a count ``x`` out of ``n``, e.g. repeat buyers out of buyers) get a
  p-chart: centre p̄ = Σx ÷ Σn over the baseline, limits
  p̄ ± 3·√(p̄(1 − p̄) ÷ n_i) for the month's own n_i. Large monthly n with a rate
  that also moves between months (overdispersion) makes these limits too tight,
  so **Laney's p′** is used when the baseline is overdispersed: z_j = (p_j − p̄) ÷
  √(p̄(1 − p̄) ÷ n_j) for the baseline months, σ_z = MR̄(z) ÷ 1.128 (the average
  moving range of consecutive z), and limits p̄ ± 3·σ_z·√(p̄(1 − p̄) ÷ n_i). The
  rule: p′ when σ_z > ``laney_above`` (default 1.25). Under pure binomial noise
  σ_z ≈ 1, but its estimate from a 12-month baseline exceeds 1.25 in about one
  month in five by chance (measured on simulated series: 19%); that only widens
  the limits a little (false alarms stayed at 0.4% of months), whereas a missed
  overdispersion makes every limit too tight.
* **Amounts** (buyers, revenue, AOV) get an individuals (XmR) chart: centre = the
  baseline mean, σ = MR̄ ÷ 1.128 of the baseline, limits centre ± 3σ.

Status of a month: **alert** when it lies beyond the 3σ limits; **watch** when a
Western Electric run rule fires on it (2 of the last 3 months beyond 2σ on its
side, or ``run_length`` months in a row on its side of the centre); **normal**
otherwise; **no_baseline** when the baseline is too short. Everything is
computed on (months × window) arrays, without a loop over months.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

__all__ = [
    "CHART_COLUMNS",
    "D2",
    "STATUSES",
    "ChartRules",
    "individuals_chart",
    "p_chart",
]

#: d2 for moving ranges of two points: E|X_t − X_{t−1}| = 1.128 σ
D2 = 1.128
#: statuses, from the most to the least severe
STATUSES = ("alert", "watch", "normal", "no_baseline")
#: columns of :func:`p_chart` and :func:`individuals_chart`
CHART_COLUMNS = (
    "month", "value", "n", "center", "low", "high", "warn_low", "warn_high", "chart", "sigma_z",
    "baseline_months", "z", "status", "rule", "direction",
)  # fmt: skip


@dataclass(frozen=True)
class ChartRules:
    """The thresholds of the charts (``params.monitoring``).

    Attributes
    ----------
    baseline_months
        Months before the judged one that form its baseline.
    min_baseline_months
        Fewer months with a value in the baseline: ``no_baseline``.
    sigma
        Control limits at centre ± ``sigma`` standard deviations (alert).
    warn_sigma
        Warning band of the 2-of-3 rule (watch).
    run_length
        That many months in a row on one side of the centre (the judged one
        last): watch.
    laney_above
        Laney p′ limits when σ_z of the baseline exceeds this.
    """

    baseline_months: int = 12
    min_baseline_months: int = 6
    sigma: float = 3.0
    warn_sigma: float = 2.0
    run_length: int = 8
    laney_above: float = 1.25


def _windows(values: np.ndarray, width: int) -> np.ndarray:
    """(months × width): row i holds values[i − width + 1 .. i], NaN before the first month."""
    padded = np.r_[np.full(width - 1, np.nan), np.asarray(values, dtype=float)]
    return sliding_window_view(padded, width)


def _moving_range_sigma(z: np.ndarray) -> np.ndarray:
    """MR̄ ÷ 1.128 per row, over consecutive pairs that both have a value (NaN with no pair)."""
    mr = np.abs(np.diff(z, axis=1))
    pairs = np.isfinite(mr).sum(axis=1)
    total = np.nansum(mr, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(pairs > 0, total / np.maximum(pairs, 1) / D2, np.nan)


def _judge(z: np.ndarray, rules: ChartRules, ok: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Status, rule and direction of the last column of ``z`` (months × window of standardized values)."""
    cur = z[:, -1]
    side = np.sign(cur)
    with np.errstate(invalid="ignore"):
        beyond = np.abs(cur) > rules.sigma
        last3 = z[:, -3:] * side[:, None]
        two_of_three = (cur * side > rules.warn_sigma) & ((last3 > rules.warn_sigma).sum(axis=1) >= 2)
        run = (z[:, -rules.run_length :] * side[:, None] > 0).all(axis=1) & (side != 0)
    status = np.select(
        [~ok | ~np.isfinite(cur), beyond, two_of_three | run], ["no_baseline", "alert", "watch"], default="normal"
    )
    rule = np.select(
        [status == "no_baseline", beyond, two_of_three, run], ["", "beyond_limits", "two_of_three", "run"], default=""
    )
    direction = np.where(status == "no_baseline", "", np.where(side > 0, "above", np.where(side < 0, "below", "")))
    return status, rule, direction


def _frame(months: Sequence, **cols: np.ndarray | str | float) -> pd.DataFrame:
    out = pd.DataFrame({"month": pd.to_datetime(pd.Series(list(months)))} | cols)
    return out.reindex(columns=list(CHART_COLUMNS))


def p_chart(
    months: Sequence,
    x: np.ndarray | Sequence[float],
    n: np.ndarray | Sequence[float],
    rules: ChartRules | None = None,
) -> pd.DataFrame:
    """A p-chart (or Laney p′ chart) of ``x ÷ n``, each month judged against its own baseline.

    Parameters
    ----------
    months
        Month starts, oldest first, one per row of ``x`` and ``n`` (consecutive).
    x, n
        Successes and trials per month; a month with n = 0 has no value.
    rules
        The thresholds (defaults: :class:`ChartRules`).

    Returns
    -------
    pandas.DataFrame
        :data:`CHART_COLUMNS`: ``value`` = x ÷ n, ``center`` = p̄ of the baseline,
        ``low``/``high`` the 3σ limits (clipped to [0, 1]), ``warn_low``/``warn_high``
        the 2σ band, ``chart`` (``p`` or ``laney``), ``sigma_z`` (of the baseline),
        ``baseline_months`` (with a value), ``z`` (of the month, on the chart's
        sigma), ``status``, ``rule`` and ``direction`` (``above``/``below``).
    """
    r = rules or ChartRules()
    x_arr, n_arr = np.asarray(x, dtype=float), np.asarray(n, dtype=float)
    n_arr = np.where(n_arr > 0, n_arr, np.nan)
    width = max(r.baseline_months, r.run_length - 1) + 1
    X, N = _windows(x_arr, width), _windows(n_arr, width)
    Xb, Nb = X[:, -(r.baseline_months + 1) : -1], N[:, -(r.baseline_months + 1) : -1]
    k = np.isfinite(Nb).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        pbar = np.nansum(Xb, axis=1) / np.nansum(Nb, axis=1)
        var = pbar * (1 - pbar)
        z_raw = (X / N - pbar[:, None]) / np.sqrt(var[:, None] / N)
        sigma_z = _moving_range_sigma(z_raw[:, -(r.baseline_months + 1) : -1])
        laney = sigma_z > r.laney_above
        scale = np.where(laney, sigma_z, 1.0)
        z = z_raw / scale[:, None]
        sd = np.sqrt(var / n_arr) * scale
    ok = (k >= r.min_baseline_months) & (var > 0)
    status, rule, direction = _judge(z, r, ok)
    na = np.where(ok, 1.0, np.nan)
    return _frame(
        months,
        value=x_arr / n_arr,
        n=np.nan_to_num(n_arr, nan=0.0),
        center=pbar * na,
        low=np.clip(pbar - r.sigma * sd, 0, 1) * na,
        high=np.clip(pbar + r.sigma * sd, 0, 1) * na,
        warn_low=np.clip(pbar - r.warn_sigma * sd, 0, 1) * na,
        warn_high=np.clip(pbar + r.warn_sigma * sd, 0, 1) * na,
        chart=np.where(laney, "laney", "p"),
        sigma_z=sigma_z,
        baseline_months=k,
        z=z[:, -1] * na,
        status=status,
        rule=rule,
        direction=direction,
    )


def individuals_chart(
    months: Sequence,
    values: np.ndarray | Sequence[float],
    rules: ChartRules | None = None,
) -> pd.DataFrame:
    """An individuals (XmR) chart: centre = baseline mean, σ = MR̄ ÷ 1.128 of the baseline.

    Same columns as :func:`p_chart` (``n`` and ``sigma_z`` empty, ``chart`` =
    ``individuals``). A month without a value (NaN) is left out of the baselines.
    """
    r = rules or ChartRules()
    v = np.asarray(values, dtype=float)
    width = max(r.baseline_months, r.run_length - 1) + 1
    V = _windows(v, width)
    Vb = V[:, -(r.baseline_months + 1) : -1]
    k = np.isfinite(Vb).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        center = np.nanmean(np.where(k[:, None] > 0, Vb, 0.0), axis=1)
        center = np.where(k > 0, center, np.nan)
        sd = _moving_range_sigma(Vb)
        z = (V - center[:, None]) / sd[:, None]
    ok = (k >= r.min_baseline_months) & (sd > 0)
    status, rule, direction = _judge(z, r, ok)
    na = np.where(ok, 1.0, np.nan)
    return _frame(
        months,
        value=v,
        n=np.nan,
        center=center * na,
        low=(center - r.sigma * sd) * na,
        high=(center + r.sigma * sd) * na,
        warn_low=(center - r.warn_sigma * sd) * na,
        warn_high=(center + r.warn_sigma * sd) * na,
        chart="individuals",
        sigma_z=np.nan,
        baseline_months=k,
        z=z[:, -1] * na,
        status=status,
        rule=rule,
        direction=direction,
    )
