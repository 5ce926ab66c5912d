"""The campaign tests of one client and period: :func:`run_campaigns`, its metrics and its ``STAGE``.

Per campaign, everyone assigned is compared (intention to treat) over the same
window of H days from each customer's assignment day:

* the **repurchase rate** of treatment and control, the uplift (a difference of
  shares, shown in percentage points) with Newcombe's hybrid score interval, the
  pooled z-test p-value, the relative lift and the minimum detectable uplift;
* **revenue per customer**, the difference with Welch's interval, and the same
  after **CUPED** (the customer's spend in the pre-period as covariate);
* the **sample-ratio check**: chi-square of the group sizes against the
  planned split; a flagged test is not read;
* money: incremental revenue (CUPED difference × treated customers), cost and ROI;
* a verdict (:data:`VERDICTS`).

A client without a campaigns source gets a result with ``available`` False and
the reason (:class:`~repurchase.core.status.Unavailable`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from repurchase.campaigns import text
from repurchase.campaigns.estimates import (
    mde_proportion,
    newcombe_interval,
    srm_test,
    two_proportion_p_value,
    welch_from_moments,
)
from repurchase.campaigns.outcomes import assignment_outcomes, usable_assignments
from repurchase.core.params import CampaignSettings
from repurchase.core.periods import Period
from repurchase.core.stage import Inputs, Stage
from repurchase.core.status import Unavailable

__all__ = [
    "STAGE",
    "SUMMARY_COLUMNS",
    "VERDICTS",
    "CampaignsResult",
    "campaign_effects",
    "campaigns_metrics",
    "run_campaigns",
]

#: verdict codes, in the order the report lists them
VERDICTS = ("effect_found", "negative_effect", "no_effect", "split_broken", "too_small", "window_open")

#: columns of :attr:`CampaignsResult.summary` (rates, uplifts and shares as fractions)
SUMMARY_COLUMNS = (
    "campaign",
    "verdict",
    "assigned_from",
    "assigned_to",
    "window_days",
    "customers_treatment",
    "customers_control",
    "planned_share",
    "treatment_share",
    "srm_chi2",
    "srm_p_value",
    "srm_flag",
    "repurchase_rate_treatment",
    "repurchase_rate_control",
    "uplift",
    "uplift_low",
    "uplift_high",
    "relative_lift",
    "p_value",
    "mde",
    "purchases_treatment",
    "purchases_control",
    "revenue_treatment",
    "revenue_control",
    "revenue_diff",
    "revenue_diff_low",
    "revenue_diff_high",
    "cuped_theta",
    "revenue_cuped_diff",
    "revenue_cuped_low",
    "revenue_cuped_high",
    "variance_reduction",
    "pre_revenue_smd",
    "cost",
    "incremental_revenue",
    "incremental_revenue_low",
    "incremental_revenue_high",
    "roi",
)


def _empty_summary() -> pd.DataFrame:
    return pd.DataFrame(
        {c: pd.Series(dtype=object if c in ("campaign", "verdict") else float) for c in SUMMARY_COLUMNS}
    )


def campaign_effects(
    usable: pd.DataFrame, settings: CampaignSettings, campaigns: list[str] | None = None
) -> pd.DataFrame:
    """One row per campaign: sizes, split check, repurchase uplift, revenue (Welch and CUPED), money, verdict.

    Parameters
    ----------
    usable
        Measurable assignments with their outcomes
        (:func:`~repurchase.campaigns.outcomes.usable_assignments`): ``campaign``,
        ``group``, ``assigned_at``, ``repurchased``, ``purchases``, ``revenue``,
        ``pre_revenue`` and optionally ``cost``.
    settings
        ``params.campaigns``.
    campaigns
        Every campaign name of the source: those without a measurable assignment
        get the verdict ``window_open``.

    Returns
    -------
    DataFrame
        :data:`SUMMARY_COLUMNS`, campaigns in order of their first assignment.
    """
    names = list(dict.fromkeys(campaigns if campaigns is not None else usable["campaign"]))
    if not names:
        return _empty_summary()
    s, level = settings, settings.confidence
    u = usable.copy()
    u["treated"] = u["group"].eq("treatment")
    u["x"] = u["pre_revenue"].astype(float)
    u["y"] = u["revenue"].astype(float)
    by = u.groupby("campaign", sort=False)
    stats_x = by["x"].agg(["mean", "var"])
    cov = by[["x", "y"]].cov().xs("x", level=1)["y"] if len(u) else pd.Series(dtype=float)
    theta = (cov / stats_x["var"]).where(stats_x["var"] > 0, 0.0).fillna(0.0)
    u["y_cuped"] = u["y"] - u["campaign"].map(theta).to_numpy() * (u["x"] - u["campaign"].map(stats_x["mean"]))
    g = u.groupby(["campaign", "treated"], sort=False).agg(
        n=("y", "size"),
        rep=("repurchased", "sum"),
        purchases=("purchases", "mean"),
        y_mean=("y", "mean"),
        y_var=("y", "var"),
        c_mean=("y_cuped", "mean"),
        c_var=("y_cuped", "var"),
        x_mean=("x", "mean"),
        x_var=("x", "var"),
    )
    g = g.reindex(pd.MultiIndex.from_product([names, [True, False]], names=["campaign", "treated"]))
    t, c = g.xs(True, level="treated"), g.xs(False, level="treated")
    nt, nc = t["n"].fillna(0).to_numpy(float), c["n"].fillna(0).to_numpy(float)
    xt, xc = t["rep"].fillna(0).to_numpy(float), c["rep"].fillna(0).to_numpy(float)
    planned = np.array([s.planned_share(n) for n in names])
    chi2, srm_p = srm_test(nt, nc, planned)
    d, lo, hi = newcombe_interval(xt, nt, xc, nc, level)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate_t, rate_c = xt / nt, xc / nc
    raw = welch_from_moments(nt, t["y_mean"], t["y_var"], nc, c["y_mean"], c["y_var"], level)
    adj = welch_from_moments(nt, t["c_mean"], t["c_var"], nc, c["c_mean"], c["c_var"], level)
    dates = u.groupby("campaign", sort=False)["assigned_at"].agg(["min", "max"]).reindex(names)
    cost = (
        u.groupby("campaign", sort=False)["cost"].sum(min_count=1).reindex(names).to_numpy(float)
        if "cost" in u
        else np.full(len(names), np.nan)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        var_reduction = 1 - (adj.se / raw.se) ** 2
        smd = (t["x_mean"] - c["x_mean"]).to_numpy() / np.sqrt((t["x_var"] + c["x_var"]).to_numpy() / 2)
        incremental = adj.difference * nt
        roi = np.where(cost > 0, (incremental - cost) / cost, np.nan)
        relative = np.where(rate_c > 0, d / rate_c, np.nan)
    out = pd.DataFrame(
        {
            "campaign": names,
            "assigned_from": dates["min"].to_numpy(),
            "assigned_to": dates["max"].to_numpy(),
            "window_days": s.window_days,
            "customers_treatment": nt,
            "customers_control": nc,
            "planned_share": planned,
            "treatment_share": nt / np.where(nt + nc > 0, nt + nc, np.nan),
            "srm_chi2": chi2,
            "srm_p_value": srm_p,
            "srm_flag": srm_p < s.srm_alpha,
            "repurchase_rate_treatment": rate_t,
            "repurchase_rate_control": rate_c,
            "uplift": d,
            "uplift_low": lo,
            "uplift_high": hi,
            "relative_lift": relative,
            "p_value": two_proportion_p_value(xt, nt, xc, nc),
            "mde": mde_proportion(rate_c, nt, nc, level, s.power),
            "purchases_treatment": t["purchases"].to_numpy(float),
            "purchases_control": c["purchases"].to_numpy(float),
            "revenue_treatment": raw.mean_treatment,
            "revenue_control": raw.mean_control,
            "revenue_diff": raw.difference,
            "revenue_diff_low": raw.low,
            "revenue_diff_high": raw.high,
            "cuped_theta": theta.reindex(names).to_numpy(float),
            "revenue_cuped_diff": adj.difference,
            "revenue_cuped_low": adj.low,
            "revenue_cuped_high": adj.high,
            "variance_reduction": var_reduction,
            "pre_revenue_smd": smd,
            "cost": cost,
            "incremental_revenue": incremental,
            "incremental_revenue_low": adj.low * nt,
            "incremental_revenue_high": adj.high * nt,
            "roi": roi,
        }
    )
    small = (nt < 2) | (nc < 2)
    out["verdict"] = np.select(
        [(nt + nc) == 0, small, out["srm_flag"], lo > 0, hi < 0],
        ["window_open", "too_small", "split_broken", "effect_found", "negative_effect"],
        "no_effect",
    )
    out["srm_flag"] = out["srm_flag"].astype(bool)
    return out[list(SUMMARY_COLUMNS)]


@dataclass
class CampaignsResult:
    """Everything the campaigns report shows, for one client and period.

    Attributes
    ----------
    available
        True when there are campaign assignments to analyse.
    unavailable
        Why not (None when available): ``campaigns.unavailable.no_source`` or ``no_usable``.
    language, period, settings
        Report language, month and the ``campaigns`` settings used.
    summary
        :func:`campaign_effects`: one row per campaign.
    left_out
        Assignments not measured: ``campaign``, ``reason`` (unknown customer,
        before the data, window not over), ``assignments``.
    assignments
        Cleaned assignment rows read.
    sentences
        The verdict sentence of each campaign (report language), in the order of
        :attr:`summary`, or the reason there is none.
    """

    available: bool
    sentences: list[str | Unavailable] = field(default_factory=list)
    unavailable: Unavailable | None = None
    language: str = "en"
    period: Period | None = None
    settings: CampaignSettings = field(default_factory=CampaignSettings)
    summary: pd.DataFrame = field(default_factory=_empty_summary)
    left_out: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            {
                "campaign": pd.Series(dtype=object),
                "reason": pd.Series(dtype=object),
                "assignments": pd.Series(dtype=int),
            }
        )
    )
    assignments: int = 0

    def tested(self, verdict: str = "effect_found") -> pd.DataFrame:
        """The campaigns with a verdict (default: an effect was found)."""
        return self.summary[self.summary["verdict"] == verdict].reset_index(drop=True)


def run_campaigns(
    campaigns: pd.DataFrame | None,
    transactions: pd.DataFrame,
    settings: CampaignSettings,
    period: Period,
    *,
    customers: pd.DataFrame | None = None,
    occasion: str = "customer_day",
    title: str = "",
    language: str = "en",
    currency: str = "CNY",
) -> CampaignsResult:
    """Run the campaign tests.

    Parameters
    ----------
    campaigns
        Cleaned assignments (``customer_id``, ``campaign``, ``group``,
        ``assigned_at``, optional ``cost``); None when the client has no
        campaigns source.
    transactions
        Cleaned transactions up to the period end.
    settings
        ``params.campaigns``.
    period
        The report month: a window must be over by its end.
    customers
        The customers source, if any (its IDs count as known customers).
    occasion
        ``params.repurchase.occasion``.
    title
        The client's title, named when there is no campaigns source.
    language, currency
        Report language and currency of the sentences.

    Returns
    -------
    CampaignsResult
        ``available`` False (with the reason) without a campaigns source or rows.
    """
    common: dict[str, Any] = {"language": language, "period": period, "settings": settings}
    if campaigns is None or campaigns.empty:
        why = (
            Unavailable("campaigns.unavailable.no_source", {"title": title}, then="campaigns.unavailable.add_source")
            if campaigns is None
            else Unavailable("campaigns.unavailable.no_usable", then="campaigns.unavailable.add_source")
        )
        return CampaignsResult(False, [why], unavailable=why, **common)
    outcomes = assignment_outcomes(
        campaigns,
        transactions,
        window_days=settings.window_days,
        pre_period_days=settings.pre_period_days,
        occasion=occasion,
    )
    known = pd.Index(transactions["customer_id"].astype(str).unique())
    if customers is not None:
        known = known.union(pd.Index(customers["customer_id"].astype(str).unique()))
    usable, left_out = usable_assignments(
        outcomes,
        known_ids=known,
        data_start=transactions["order_date"].min(),
        period_end_exclusive=period.end_exclusive,
        window_days=settings.window_days,
    )
    order = campaigns.sort_values("assigned_at", kind="stable")["campaign"].drop_duplicates().tolist()
    summary = campaign_effects(usable, settings, order)
    last = campaigns.groupby("campaign")["assigned_at"].max()
    summary["assigned_to"] = summary["assigned_to"].fillna(summary["campaign"].map(last))
    sentences = text.describe_campaigns(summary, settings, language, currency)
    return CampaignsResult(True, sentences, summary=summary, left_out=left_out, assignments=len(campaigns), **common)


#: the figures of each campaign in metrics.json, with their column in the summary
_METRIC_COLUMNS = {
    "customers_treatment": "customers_treatment",
    "customers_control": "customers_control",
    "window_days": "window_days",
    "repurchase_rate_treatment": "repurchase_rate_treatment",
    "repurchase_rate_control": "repurchase_rate_control",
    "uplift_pts": "uplift",
    "uplift_pts_low": "uplift_low",
    "uplift_pts_high": "uplift_high",
    "p_value": "p_value",
    "revenue_per_customer_diff": "revenue_cuped_diff",
    "revenue_per_customer_diff_low": "revenue_cuped_low",
    "revenue_per_customer_diff_high": "revenue_cuped_high",
    "srm_p_value": "srm_p_value",
    "srm_flag": "srm_flag",
    "incremental_revenue": "incremental_revenue",
    "cost": "cost",
    "roi": "roi",
    "verdict": "verdict",
}


def campaigns_metrics(result: CampaignsResult) -> dict[str, Any]:
    """Headline figures under ``campaigns`` in ``metrics.json``: campaign name -> its figures.

    Per campaign: ``customers_treatment``, ``customers_control``, ``window_days``,
    the repurchase rates (shares), ``uplift_pts`` with ``_low`` / ``_high``
    (percentage points), ``p_value``, ``revenue_per_customer_diff`` with its
    interval (CUPED), ``srm_p_value``, ``srm_flag``, ``incremental_revenue``,
    ``cost``, ``roi`` and ``verdict``. Without campaigns:
    ``{"status": "unavailable", "reason": …}``. Values that cannot be computed are None.
    """
    if not result.available or result.unavailable is not None:
        why = result.unavailable or Unavailable("campaigns.unavailable.no_usable")
        return why.metrics()
    out: dict[str, Any] = {}
    for row in result.summary.to_dict("records"):
        entry: dict[str, Any] = {}
        for key, col in _METRIC_COLUMNS.items():
            v = row[col]
            if col == "verdict":
                entry[key] = str(v)
            elif col == "srm_flag":
                entry[key] = bool(v)
            elif v is None or pd.isna(v):
                entry[key] = None
            elif key.startswith("customers") or key == "window_days":
                entry[key] = int(v)
            else:
                entry[key] = float(v) * (100 if key.startswith("uplift_pts") else 1)
        out[str(row["campaign"])] = entry
    return out


def _stage_run(inputs: Inputs) -> CampaignsResult:
    p = inputs.params
    cleaned = inputs.cleaning("campaigns")
    return run_campaigns(
        None if cleaned is None else cleaned.clean,
        inputs.transactions(),
        p.campaigns,
        inputs.period,
        customers=inputs.customers() if cleaned is not None else None,
        occasion=p.repurchase.occasion,
        title=p.title,
        language=p.language,
        currency=p.currency,
    )


#: The campaign tests as a render runs them (see :mod:`repurchase.core.stage`).
STAGE = Stage(name="campaigns", run=_stage_run, metrics=campaigns_metrics)
