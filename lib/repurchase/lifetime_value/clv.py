"""Customer lifetime value: CLV with parametric-bootstrap intervals, and the tables that read it.

:func:`customer_lifetime_value` predicts purchases, P(alive), P(buy again) and
CLV per customer; :func:`value_concentration`, :func:`clv_by_group`,
:func:`clv_to_cac` and :func:`heuristic_clv` read the result (concentration,
groups such as cohort or RFM segment, CLV : CAC by acquisition channel, the
textbook formula next to the model).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from repurchase.core.errors import AnalysisError
from repurchase.core.occasions import require_columns
from repurchase.core.periods import Window
from repurchase.lifetime_value._common import DAYS_PER_MONTH, UNIT_DAYS, SpendUndefined, rfm_columns
from repurchase.lifetime_value.fit import FitResult, weighted_unique
from repurchase.lifetime_value.models import GammaGamma, TransactionModel
from repurchase.lifetime_value.summary import occasions, to_day

__all__ = [
    "ClvResult",
    "DiscountRate",
    "HeuristicClv",
    "clv_by_group",
    "clv_to_cac",
    "customer_groups",
    "customer_lifetime_value",
    "heuristic_clv",
    "monthly_discount_rate",
    "top_customers",
    "value_concentration",
]


@dataclass(frozen=True)
class DiscountRate:
    """An annual discount rate and its monthly equivalent."""

    annual: float
    monthly: float


def monthly_discount_rate(annual: float) -> DiscountRate:
    """Convert an annual discount rate to the equivalent monthly rate: (1 + d)^(1/12) − 1."""
    if not 0 <= annual < 1:
        raise AnalysisError(f"discount rate {annual} must be in [0, 1), e.g. 0.10 for 10% a year.")
    return DiscountRate(annual, (1 + annual) ** (1 / 12) - 1)


@dataclass(frozen=True)
class ClvResult:
    """Per-customer predictions and totals.

    Attributes
    ----------
    customers
        One row per customer: summary columns, ``cohort`` (first-purchase month),
        ``expected_purchases`` (+ ``_low``/``_high``), ``p_alive``,
        ``p_buy_again``, ``expected_spend``, ``clv`` (+ ``clv_low``/``clv_high``)
        and ``past_value`` (spend so far × margin).
    totals
        ``quantity`` (``clv``, ``expected_purchases``), ``estimate``, ``low``, ``high``.
    model
        Code of the purchase model.
    spend_basis
        ``gamma_gamma`` (expected spend from the Gamma-Gamma model) or
        ``observed`` (each customer's own average spend per occasion so far).
    """

    customers: pd.DataFrame
    totals: pd.DataFrame
    model: str
    horizon_months: float
    discount: DiscountRate
    margin: float
    draws: int
    interval_level: float
    time_unit: str
    spend_basis: str = "gamma_gamma"

    def total(self, quantity: str = "clv") -> tuple[float, float, float]:
        """Estimate, low and high of a total (``clv`` or ``expected_purchases``)."""
        row = self.totals.set_index("quantity").loc[quantity]
        return float(row["estimate"]), float(row["low"]), float(row["high"])


def _finite_quantiles(values: np.ndarray, levels: Sequence[float]) -> list[float]:
    """Quantiles of bootstrap totals; NaN when a draw is not finite (the interval is then undefined)."""
    if not np.all(np.isfinite(values)):
        return [math.nan] * len(levels)
    return np.quantile(values, levels).tolist()


def month_labels(dates: pd.Series) -> np.ndarray:
    """``YYYY-MM`` of each date (vectorized: one string per distinct month, not per row)."""
    months = dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[M]")
    unique, inverse = np.unique(months, return_inverse=True)
    return np.datetime_as_string(unique, unit="M").astype(object)[inverse.ravel()]


def _discounted_purchases(
    model: TransactionModel,
    x: np.ndarray,
    tx: np.ndarray,
    T: np.ndarray,
    month_units: float,
    months: int,
    monthly_rate: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Expected purchases in the horizon and their discounted sum (by month).

    The model's parameters may be arrays of shape (D, 1) for draws; data of shape (U,).
    Returns arrays of shape broadcast(params, data). The expected purchases are P(alive) times
    the purchases of a customer alive at T, whose monthly path is evaluated once per distinct
    (x, T) pair; the discounted sum Σ_m f_m (c_m − c_(m−1)) of the cumulative path c is
    Σ_m c_m (f_m − f_(m+1)), with f_(M+1) = 0.
    """
    t = month_units * np.arange(1, months + 1)
    path, pair = model.expected_purchases_by_pair(t, x, T)  # (…, P, months)
    factors = (1 + monthly_rate) ** -np.arange(1, months + 1)
    weights = factors - np.append(factors[1:], 0.0)
    alive = model.p_alive(x, tx, T)  # (…, U)
    return alive * np.take(path[..., -1], pair, axis=-1), alive * np.take(path @ weights, pair, axis=-1)


def customer_lifetime_value(
    summary: pd.DataFrame,
    transaction_fit: FitResult,
    spend_fit: FitResult | None,
    *,
    horizon_months: float = 12,
    discount_rate_annual: float = 0.10,
    margin: float = 1.0,
    draws: int = 200,
    interval_level: float = 0.9,
    seed: int = 0,
    customer_col: str = "customer_id",
    memory_elements: int = 1_000_000,
) -> ClvResult:
    """CLV per customer over a horizon, with parametric-bootstrap intervals.

    CLV = margin × E[spend per occasion] × Σ_m E[purchases in month m] / (1 + d_m)^m,
    with d_m = (1 + d_annual)^(1/12) − 1 and month m = (m − 1, m] × 30.4375 days.
    E[spend] comes from Gamma-Gamma, or, with ``spend_fit=None``, is the
    customer's own average spend per occasion so far (total value ÷ occasions,
    no shrinkage to the population mean); E[purchases] from the transaction model,
    conditional on each customer's (x, t_x, T). Also: expected purchases in the
    horizon, P(alive) and P(buy again in the horizon) (meaningful for one-time
    buyers, whose BG/NBD P(alive) is 1).

    Intervals: ``draws`` parameter sets are drawn from the asymptotic normal
    distribution of each model's log-parameters (transaction and spend models
    independently); every customer's CLV and the totals are recomputed per draw,
    vectorized over draws (in chunks of at most ``memory_elements`` values), and
    the ``interval_level`` percentile interval is reported. It reflects parameter
    uncertainty, not the randomness of an individual's purchases. Draws that
    overflow (a parameter the data do not bound) are left out; with fewer than
    half of the draws usable, or a total that is not finite, the interval is
    NaN (undefined).

    Parameters
    ----------
    summary
        From :func:`~repurchase.lifetime_value.customer_summary` (to the period end).
    transaction_fit, spend_fit
        Fits on that summary (transaction model and Gamma-Gamma). ``spend_fit``
        None uses each customer's observed average spend (the fallback when
        Gamma-Gamma cannot be fitted or has no finite mean); the interval then
        covers the transaction model's uncertainty only.
    horizon_months
        Horizon in months (whole months).
    discount_rate_annual
        Annual discount rate, converted to monthly.
    margin
        Gross margin in (0, 1]; CLV is on margin when below 1.
    draws
        Bootstrap draws; 0 skips the intervals.
    interval_level
        Central interval probability, e.g. 0.9 for the 5th–95th percentiles.
    seed
        Seed of the draws.

    Returns
    -------
    ClvResult

    Raises
    ------
    AnalysisError
        For invalid settings; :class:`repurchase.core.errors.InsufficientData`
        when Gamma-Gamma has no finite mean spend (q ≤ 1, or most bootstrap draws
        with q ≤ 1): pass ``spend_fit=None`` to use the observed average spend instead.
    """
    model = transaction_fit.model
    if not isinstance(model, TransactionModel):
        raise AnalysisError(f"transaction_fit is {transaction_fit.code}; pass a BG/NBD, Pareto/NBD or MBG/NBD fit.")
    spend_model: GammaGamma | None = None
    if spend_fit is not None:
        if not isinstance(spend_fit.model, GammaGamma):
            raise AnalysisError(f"spend_fit is {spend_fit.code}; pass the Gamma-Gamma fit (fit_spend).")
        spend_model = spend_fit.model
    if spend_model is not None and spend_model.params["q"] <= 1:
        raise SpendUndefined(
            f"Gamma-Gamma q = {spend_model.params['q']:.2f} ≤ 1 means the fitted spend has no finite mean; remove or "
            "cap outlier orders (bulk/B2B buyers) in cleaning and rerun, or pass spend_fit=None to use each "
            "customer's observed average spend."
        )
    if not 0 < margin <= 1:
        raise AnalysisError(f"margin {margin} must be in (0, 1], e.g. 0.35 for a 35% gross margin.")
    if horizon_months < 1 or int(horizon_months) != horizon_months:
        raise AnalysisError(f"horizon_months {horizon_months} must be a whole number of months ≥ 1.")
    if not 0 < interval_level < 1:
        raise AnalysisError(f"interval_level {interval_level} must be between 0 and 1, e.g. 0.9.")
    months = int(horizon_months)
    discount = monthly_discount_rate(discount_rate_annual)
    f_col, r_col, t_col, m_col = rfm_columns(summary)
    x_all = summary[f_col].to_numpy(float)
    tx_all = summary[r_col].to_numpy(float)
    T_all = summary[t_col].to_numpy(float)
    m_all = np.maximum(summary[m_col].to_numpy(float), 0.0)
    # distinct rows sorted by (x, T), then t_x: every model's purchases-if-alive path is computed once per (x, T) pair
    (x, T, tx), counts, row = weighted_unique([x_all, T_all, tx_all])
    month_units = DAYS_PER_MONTH / UNIT_DAYS[transaction_fit.time_unit]
    horizon = month_units * months

    purchases_u, disc_u = _discounted_purchases(model, x, tx, T, month_units, months, discount.monthly)
    if spend_model is None:
        total_col = "total_value_cal" if "total_value_cal" in summary else "total_value"
        if total_col not in summary:
            raise AnalysisError("the summary lacks total_value; build it with customer_summary() and amounts.")
        spend = np.maximum(summary[total_col].to_numpy(float), 0.0) / (x_all + 1)
    else:
        spend = spend_model.expected_spend(x_all, m_all)
    clv = margin * disc_u[row] * spend
    out = summary.copy()
    if "first_purchase" in out:
        out["cohort"] = month_labels(out["first_purchase"])
    out["expected_purchases"] = purchases_u[row]
    out["p_alive"] = model.p_alive(x, tx, T)[row]
    out["p_buy_again"] = model.p_buy_again(horizon, x, tx, T)[row]
    out["expected_spend"] = spend
    out["clv"] = clv
    total_col = "total_value_cal" if "total_value_cal" in out else "total_value"
    if total_col in out:
        out["past_value"] = margin * out[total_col]
    totals = {
        "clv": [float(clv.sum()), np.nan, np.nan],
        "expected_purchases": [float(out["expected_purchases"].sum()), np.nan, np.nan],
    }
    if draws > 0:
        lo_q, hi_q = (1 - interval_level) / 2, 1 - (1 - interval_level) / 2
        rng = np.random.default_rng(seed)
        tp_draws = transaction_fit.draw(draws, rng)
        # a draw that overflows (a parameter the data do not bound runs off to infinity) is left out
        valid = np.logical_and.reduce([np.isfinite(val) for val in tp_draws.values()])
        sp_draws: dict[str, np.ndarray] = {}
        if spend_fit is not None:
            sp_draws = spend_fit.draw(draws, rng)
            finite_mean = sp_draws["q"] > 1
            n_finite = int(finite_mean.sum())
            if n_finite < max(10, draws // 2):
                raise SpendUndefined(
                    f"only {n_finite} of {draws} bootstrap draws of Gamma-Gamma have q > 1 (a finite mean spend): the "
                    "spend model is too uncertain for intervals. Cap outlier orders in cleaning, set "
                    "lifetime_value.bootstrap_draws: 0 to report CLV without intervals, or pass spend_fit=None to "
                    "use each customer's observed average spend.",
                    valid=n_finite,
                    draws=draws,
                )
            valid &= finite_mean & np.logical_and.reduce([np.isfinite(val) for val in sp_draws.values()])
        n_valid = int(valid.sum())
        if n_valid < draws:
            tp_draws = {k: val[valid] for k, val in tp_draws.items()}
            sp_draws = {k: val[valid] for k, val in sp_draws.items()}
        spend_draws = None
        if spend_model is not None:
            spend_draws = spend_model.with_params({k: sp_draws[k][:, None] for k in spend_model.param_names})
        if n_valid < max(10, draws // 2):  # too few usable draws: no interval (NaN), said in the report
            for col in ("expected_purchases_low", "expected_purchases_high", "clv_low", "clv_high"):
                out[col] = np.nan
        else:
            # customers who share a distinct row and a spend input share their CLV draws: one-time buyers'
            # Gamma-Gamma spend is the population mean whatever their order's value
            spend_key = spend if spend_draws is None else np.where(x_all > 0, m_all, 0.0)
            (g_row, g_key), g_counts, group = weighted_unique([row, spend_key])  # sorted by row
            g_bounds = np.searchsorted(g_row, np.arange(len(x) + 1))
            chunk = max(1, memory_elements // max(1, n_valid * (months + 1)))
            total_clv = np.zeros(n_valid)
            total_purchases = np.zeros(n_valid)
            clv_lo, clv_hi = np.empty(len(g_row)), np.empty(len(g_row))
            pur_lo, pur_hi = np.empty(len(x)), np.empty(len(x))
            drawn = model.with_params({k: val[:, None] for k, val in tp_draws.items()})
            # parameters the data do not bound can draw values that overflow: their results are not finite,
            # and an interval that includes them is reported as undefined (NaN), not as a number
            with np.errstate(over="ignore", invalid="ignore"):
                for u0 in range(0, len(x), chunk):
                    u1 = min(len(x), u0 + chunk)
                    pur_d, disc_d = _discounted_purchases(
                        drawn, x[u0:u1], tx[u0:u1], T[u0:u1], month_units, months, discount.monthly
                    )  # (D, U_c)
                    pur_lo[u0:u1], pur_hi[u0:u1] = np.quantile(pur_d, [lo_q, hi_q], axis=0)
                    total_purchases += pur_d @ counts[u0:u1]
                    step = max(1, memory_elements // max(1, n_valid))
                    for k0 in range(g_bounds[u0], g_bounds[u1], step):
                        k1 = min(g_bounds[u1], k0 + step)
                        rows_k = g_row[k0:k1]
                        if spend_draws is None:
                            spend_d = g_key[None, k0:k1]
                        else:
                            spend_d = spend_draws.expected_spend(x[rows_k][None, :], g_key[None, k0:k1])
                        clv_d = margin * disc_d[:, rows_k - u0] * spend_d
                        total_clv += clv_d @ g_counts[k0:k1]
                        clv_lo[k0:k1], clv_hi[k0:k1] = np.quantile(clv_d, [lo_q, hi_q], axis=0)
            for bound in (pur_lo, pur_hi, clv_lo, clv_hi):
                bound[~np.isfinite(bound)] = np.nan
            out["expected_purchases_low"] = pur_lo[row]
            out["expected_purchases_high"] = pur_hi[row]
            out["clv_low"] = clv_lo[group]
            out["clv_high"] = clv_hi[group]
            totals["clv"][1:] = _finite_quantiles(total_clv, [lo_q, hi_q])
            totals["expected_purchases"][1:] = _finite_quantiles(total_purchases, [lo_q, hi_q])
            draws = n_valid
    totals_frame = pd.DataFrame(
        [{"quantity": k, "estimate": v[0], "low": v[1], "high": v[2]} for k, v in totals.items()]
    )
    return ClvResult(
        customers=out,
        totals=totals_frame,
        model=model.code,
        horizon_months=float(months),
        discount=discount,
        margin=margin,
        draws=draws,
        interval_level=interval_level,
        time_unit=transaction_fit.time_unit,
        spend_basis="gamma_gamma" if spend_fit is not None else "observed",
    )


# --------------------------------------------------------------------------- reading the results

#: columns of a CLV table without customers
CLV_COLUMNS = ["customer_id", "clv", "expected_purchases", "p_buy_again"]


def clv_frame(clv: pd.DataFrame | ClvResult | None) -> pd.DataFrame:
    """Per-customer CLV rows of a ClvResult or a frame; an empty frame for None."""
    if clv is None:
        return pd.DataFrame(columns=CLV_COLUMNS)
    return clv.customers if isinstance(clv, ClvResult) else clv


def top_customers(clv: ClvResult | None, n: int = 10, *, customer_col: str = "customer_id") -> pd.DataFrame:
    """The ``n`` customers with the highest CLV, with the columns a reader needs (empty without a CLV)."""
    cols = [customer_col, "frequency", "recency", "T", "expected_purchases", "p_buy_again", "expected_spend", "clv",
            "clv_low", "clv_high"]  # fmt: skip
    frame = clv_frame(clv)
    if frame.empty:
        return pd.DataFrame(columns=cols)
    return frame[[c for c in cols if c in frame.columns]].nlargest(n, "clv").reset_index(drop=True)


def value_concentration(
    clv: pd.DataFrame | ClvResult | None, shares: Sequence[float] = (0.01, 0.05, 0.2)
) -> pd.DataFrame:
    """Share of the total future value held by the top customers.

    Returns
    -------
    pandas.DataFrame
        ``top_share`` (fraction of customers), ``customers``, ``clv`` (their
        total) and ``share_of_clv``; empty without a CLV (``clv`` None or no customers).
    """
    frame = clv_frame(clv)
    if frame.empty:
        return pd.DataFrame(columns=["top_share", "customers", "clv", "share_of_clv"])
    values = np.sort(frame["clv"].to_numpy(float))[::-1]
    total = values.sum()
    rows = []
    for share in shares:
        n = max(1, math.ceil(share * len(values)))
        top = values[:n].sum()
        rows.append(
            {
                "top_share": share,
                "customers": n,
                "clv": float(top),
                "share_of_clv": float(top / total) if total > 0 else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def customer_groups(
    transactions: pd.DataFrame,
    columns: Sequence[str] = ("channel", "region"),
    *,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
) -> pd.DataFrame:
    """Each customer's group at their first purchase (e.g. acquisition channel, region).

    Columns absent from ``transactions`` are skipped. Returns ``customer_col`` plus
    one column per group.
    """
    require_columns(transactions, [customer_col, date_col], "customer groups")
    present = [c for c in columns if c in transactions.columns]
    first = transactions.sort_values(date_col, kind="stable").drop_duplicates(customer_col)
    return first[[customer_col, *present]].reset_index(drop=True)


def clv_by_group(
    clv: pd.DataFrame | ClvResult,
    by: str,
    groups: pd.DataFrame | None = None,
    *,
    customer_col: str = "customer_id",
) -> pd.DataFrame:
    """CLV totals and averages by a group (cohort, channel, region, segment …).

    Parameters
    ----------
    clv
        Per-customer CLV (``ClvResult.customers``).
    by
        Group column, in ``clv`` (e.g. ``cohort``) or in ``groups``.
    groups
        Customer attributes with ``customer_col`` and ``by`` (e.g. from
        :func:`customer_groups` or a segmentation); customers without one are "(none)".

    Returns
    -------
    pandas.DataFrame
        ``by``, ``customers``, ``clv_total``, ``clv_mean``, ``clv_median``,
        ``share_of_clv``, ``expected_purchases``, ``p_buy_again_mean``, sorted by
        ``clv_total`` (cohorts chronologically).
    """
    frame = clv_frame(clv)
    if by not in frame.columns:
        if groups is None or by not in groups.columns:
            raise AnalysisError(
                f"no column {by!r} in the CLV table or the groups; pass groups=customer_groups(transactions, "
                f"[{by!r}]) or a frame with {customer_col!r} and {by!r}."
            )
        require_columns(groups, [customer_col], "groups")
        frame = frame.merge(groups[[customer_col, by]].drop_duplicates(customer_col), on=customer_col, how="left")
    keys = frame[by].astype(object).where(frame[by].notna(), "(none)")
    grouped = frame.assign(_g=keys).groupby("_g", sort=False)
    table = pd.DataFrame(
        {
            "customers": grouped.size(),
            "clv_total": grouped["clv"].sum(),
            "clv_mean": grouped["clv"].mean(),
            "clv_median": grouped["clv"].median(),
            "expected_purchases": grouped["expected_purchases"].sum(),
            "p_buy_again_mean": grouped["p_buy_again"].mean(),
        }
    )
    total = table["clv_total"].sum()
    table["share_of_clv"] = table["clv_total"] / total if total > 0 else np.nan
    table = table.rename_axis(by).reset_index()
    table = table.sort_values(by if by == "cohort" else "clv_total", ascending=by == "cohort")
    cols = [by, "customers", "clv_total", "clv_mean", "clv_median", "share_of_clv", "expected_purchases",
            "p_buy_again_mean"]  # fmt: skip
    return table[cols].reset_index(drop=True)


def clv_to_cac(
    clv: pd.DataFrame | ClvResult,
    customers: pd.DataFrame,
    *,
    channel_col: str = "acquisition_channel",
    cost_col: str = "acquisition_cost",
    customer_col: str = "customer_id",
    margin: float | None = None,
) -> pd.DataFrame:
    """CLV : CAC by acquisition channel.

    Customers in ``customers`` without a purchase count with CLV 0 (they cost
    money and bring none). Value is past value (spend so far × margin) plus the
    future CLV over the horizon; ``future_to_cac`` uses the future part only.
    The usual bar is CLV : CAC ≥ 3 on gross margin.

    Returns
    -------
    pandas.DataFrame
        ``acquisition_channel``, ``customers``, ``buyers``, ``cac_mean``,
        ``past_value_mean``, ``clv_mean``, ``value_mean``, ``clv_to_cac``,
        ``future_to_cac``, ``meets_3x``, ``basis`` (``margin`` or ``revenue``).
    """
    frame = clv.customers if isinstance(clv, ClvResult) else clv
    margin = clv.margin if isinstance(clv, ClvResult) and margin is None else (margin or 1.0)
    require_columns(customers, [customer_col, channel_col, cost_col], "CLV : CAC")
    base = customers[[customer_col, channel_col, cost_col]].drop_duplicates(customer_col)
    value_cols = [customer_col, "clv"] + (["past_value"] if "past_value" in frame else [])
    merged = base.merge(frame[value_cols], on=customer_col, how="left")
    merged["buyer"] = merged["clv"].notna()
    merged["clv"] = merged["clv"].fillna(0.0)
    merged["past_value"] = merged["past_value"].fillna(0.0) if "past_value" in merged else 0.0
    merged[cost_col] = pd.to_numeric(merged[cost_col], errors="coerce")
    merged[channel_col] = merged[channel_col].astype(object).where(merged[channel_col].notna(), "(none)")
    g = merged.groupby(channel_col, sort=False)
    table = pd.DataFrame(
        {
            "customers": g.size(),
            "buyers": g["buyer"].sum(),
            "cac_mean": g[cost_col].mean(),
            "past_value_mean": g["past_value"].mean(),
            "clv_mean": g["clv"].mean(),
        }
    )
    table["value_mean"] = table["past_value_mean"] + table["clv_mean"]
    table["clv_to_cac"] = table["value_mean"] / table["cac_mean"].where(table["cac_mean"] > 0)
    table["future_to_cac"] = table["clv_mean"] / table["cac_mean"].where(table["cac_mean"] > 0)
    table["meets_3x"] = table["clv_to_cac"] >= 3
    table["basis"] = "margin" if margin < 1 else "revenue"
    return table.rename_axis(channel_col).reset_index().sort_values("clv_to_cac", ascending=False,
                                                                    ignore_index=True)  # fmt: skip


# --------------------------------------------------------------------------- the textbook formula

#: shortest window (months) over which the heuristic measures churn
MIN_HEURISTIC_WINDOW = 3
#: rows of the heuristic table, in order (``lifetime_value.heuristic.<code>``)
HEURISTIC_ROWS = ("window", "aov", "per_year", "retention", "churn", "lifespan", "margin", "heuristic_lifetime",
                  "heuristic_horizon", "model_active", "model_all")  # fmt: skip


@dataclass(frozen=True)
class HeuristicClv:
    """The textbook CLV next to the model's (:func:`heuristic_clv`).

    Attributes
    ----------
    table
        ``quantity`` (a code of :data:`HEURISTIC_ROWS`; the two ``model_*`` rows
        only with a model CLV) and ``value``; empty without transactions.
    window
        Months of each window (None without transactions).
    horizon_months
        The CLV horizon.
    """

    table: pd.DataFrame
    window: int | None
    horizon_months: float

    def value(self, quantity: str) -> float:
        """The value of a row (NaN when absent)."""
        hit = self.table.loc[self.table["quantity"] == quantity, "value"]
        return float(hit.iloc[0]) if len(hit) else math.nan

    @property
    def has_model(self) -> bool:
        return bool((self.table["quantity"] == "model_all").any())


def heuristic_clv(
    transactions: pd.DataFrame,
    clv: pd.DataFrame | ClvResult | None,
    period: Window | None = None,
    *,
    occasion: str = "customer_day",
    margin: float = 1.0,
    horizon_months: float = 12,
    window_months: int = 12,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    order_col: str = "order_id",
    amount_col: str = "amount",
) -> HeuristicClv:
    """The textbook CLV (AOV × purchases per year × expected lifespan × margin) next to the model's.

    Definitions, with purchase occasions, over the ``window_months`` to the last
    day of ``period`` ("last window", default: to the last transaction) and the
    window before it; the window shrinks to half the data span (whole months)
    when the data are shorter than two windows:

    * AOV = revenue ÷ occasions in the last window;
    * windows shorter than 3 months do not measure churn (annualised, they are
      noise): retention, lifespan and the heuristic CLV are then NaN;
    * purchases per year = occasions ÷ buyers in the last window, × 12 / window;
    * retention = share of the previous window's buyers who bought in the last one,
      annualised as retention^(12 / window); churn = 1 − annual retention;
      expected lifespan = 1 ÷ churn (years);
    * heuristic CLV (lifetime) = AOV × purchases per year × lifespan × margin,
      undiscounted;
    * over the horizon: AOV × purchases per year × ∫₀ᴴ ρᵗ dt × margin with
      ρ the annual retention and H the horizon in years.

    The model CLV is averaged over the last window's buyers (the heuristic's base)
    and over all customers. Without a model CLV (``clv`` None) only the
    heuristic rows are returned; without transactions the table is empty.
    """
    frame = clv_frame(clv)
    occ = occasions(
        transactions, occasion, end_exclusive=None if period is None else period.end_exclusive,
        customer_col=customer_col, date_col=date_col, order_col=order_col, amount_col=amount_col,
    )  # fmt: skip
    if len(occ.day) == 0:
        return HeuristicClv(pd.DataFrame(columns=["quantity", "value"]), None, float(horizon_months))
    end_day = to_day(period.end) if period is not None else int(occ.day.max())
    span_months = int((end_day - int(occ.day.min()) + 1) // DAYS_PER_MONTH)
    window = min(window_months, max(1, span_months // 2))
    measurable = window >= MIN_HEURISTIC_WINDOW  # shorter windows, annualised, make churn noise
    w_days = round(window * DAYS_PER_MONTH)
    last = occ.day > end_day - w_days
    before = (occ.day > end_day - 2 * w_days) & ~last
    revenue = float(occ.amount[last].sum())
    n_occ = int(last.sum())
    buyers_last = np.unique(occ.customer[last])
    buyers_before = np.unique(occ.customer[before])
    aov = revenue / n_occ if n_occ else float("nan")
    per_year = n_occ / len(buyers_last) * 12 / window if len(buyers_last) else float("nan")
    if len(buyers_before) and measurable:
        retention = float(np.isin(buyers_before, buyers_last).mean()) ** (12 / window)
    else:
        retention = float("nan")
    churn = 1 - retention
    years = horizon_months / 12
    if not np.isfinite(retention):
        lifespan = active_years = float("nan")
    elif retention >= 1:
        lifespan, active_years = float("inf"), years
    elif retention <= 0:
        lifespan, active_years = 0.0, 0.0
    else:
        lifespan = 1 / churn
        active_years = (1 - retention**years) / -math.log(retention)
    active_ids = occ.ids.take(buyers_last)
    has_model = not frame.empty
    model_active = float(frame.loc[frame[customer_col].isin(active_ids), "clv"].mean()) if has_model else math.nan
    model_all = float(frame["clv"].mean()) if has_model else math.nan
    values = [float(window), aov, per_year, retention, churn, lifespan, margin, aov * per_year * lifespan * margin,
              aov * per_year * active_years * margin, model_active, model_all]  # fmt: skip
    rows = list(zip(HEURISTIC_ROWS, values))[: None if has_model else -2]
    table = pd.DataFrame({"quantity": [code for code, _ in rows], "value": [value for _, value in rows]})
    return HeuristicClv(table, window, float(horizon_months))
