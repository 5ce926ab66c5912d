"""What the campaigns report says: the verdict sentences and the table specs, in the report language.

Every text comes from ``resources/i18n/<lang>/campaigns.yaml``. The analysis
keeps verdict codes (``effect_found`` …) in its summary; :func:`verdict_label`
names them. Tables are :class:`~repurchase.core.table.Table` specs with
``cmp_*`` columns (headers from the ``col.cmp_*`` catalog entries); uplifts are
shown in percentage points. The table functions take a
:class:`~repurchase.campaigns.pipeline.CampaignsResult` (typed ``Any``: the
pipeline imports this module).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from repurchase.core import formatting, i18n
from repurchase.core.params import CampaignSettings
from repurchase.core.status import Unavailable
from repurchase.core.table import Table

__all__ = [
    "NOT_AVAILABLE",
    "checks_table",
    "describe_campaign",
    "describe_campaigns",
    "effects_table",
    "money_table",
    "plot_frame",
    "tested_actions",
    "verdict_label",
]


#: what the sections after the findings say when there is nothing to test (the findings say why)
NOT_AVAILABLE = Unavailable("campaigns.unavailable.see_above")


def verdict_label(code: str, lang: str = "en") -> str:
    """A verdict code in the report language (effect found / 有效果 …)."""
    key = f"campaigns.verdict.{code}"
    return i18n.t(key, lang) if i18n.has(key, lang) else str(code)


def _pts(x: Any) -> str:
    v = formatting.as_finite(x)
    return "–" if v is None else f"{v * 100:+.1f}"


def _p(x: Any) -> str:
    v = formatting.as_finite(x)
    if v is None:
        return "–"
    return "p < 0.001" if v < 0.001 else f"p = {v:.3f}"


def describe_campaign(row: dict[str, Any], settings: CampaignSettings, lang: str = "en", currency: str = "CNY") -> str:
    """The verdict sentence of one campaign (a row of the summary)."""
    pct = formatting.format_percent
    values = {
        "campaign": str(row["campaign"]),
        "verdict": verdict_label(str(row["verdict"]), lang),
        "days": int(row["window_days"]),
        "level": f"{settings.confidence:.0%}",
        "rate_t": pct(formatting.as_finite(row["repurchase_rate_treatment"])),
        "rate_c": pct(formatting.as_finite(row["repurchase_rate_control"])),
        "uplift": _pts(row["uplift"]),
        "low": _pts(row["uplift_low"]),
        "high": _pts(row["uplift_high"]),
        "mde": _pts(row["mde"]).lstrip("+"),
        "p": _p(row["p_value"]),
        "n_t": formatting.format_number(formatting.as_finite(row["customers_treatment"]), lang),
        "n_c": formatting.format_number(formatting.as_finite(row["customers_control"]), lang),
        "share": pct(formatting.as_finite(row["treatment_share"])),
        "planned": pct(formatting.as_finite(row["planned_share"]), 0),
        "srm_p": _p(row["srm_p_value"]),
        "rev": formatting.format_money(formatting.as_finite(row["revenue_cuped_diff"]), currency, lang, 1),
        "rev_low": formatting.format_money(formatting.as_finite(row["revenue_cuped_low"]), currency, lang, 1),
        "rev_high": formatting.format_money(formatting.as_finite(row["revenue_cuped_high"]), currency, lang, 1),
        "last": "" if pd.isna(row["assigned_to"]) else pd.Timestamp(row["assigned_to"]).date().isoformat(),
    }
    if values["last"]:
        values["ready"] = (pd.Timestamp(row["assigned_to"]) + pd.Timedelta(days=int(row["window_days"]))).date()
    return i18n.t(f"campaigns.describe.{row['verdict']}", lang, **values)


def describe_campaigns(
    summary: pd.DataFrame, settings: CampaignSettings, lang: str = "en", currency: str = "CNY"
) -> list[str | Unavailable]:
    """The verdict sentence of every campaign, in the order of the summary."""
    if summary.empty:
        return [Unavailable("campaigns.unavailable.no_usable")]
    return [describe_campaign(row, settings, lang, currency) for row in summary.to_dict("records")]


def _with_verdicts(res: Any, lang: str) -> pd.DataFrame:
    s = res.summary.copy()
    s["verdict"] = [verdict_label(v, lang) for v in s["verdict"]]
    for col in ("uplift", "uplift_low", "uplift_high", "mde"):
        s[col] = s[col] * 100
    return s


_EFFECT_COLUMNS = {
    "campaign": "cmp_campaign",
    "verdict": "cmp_verdict",
    "customers_treatment": "cmp_n_treatment",
    "customers_control": "cmp_n_control",
    "repurchase_rate_treatment": "cmp_rate_treatment",
    "repurchase_rate_control": "cmp_rate_control",
    "uplift": "cmp_uplift",
    "uplift_low": "cmp_uplift_low",
    "uplift_high": "cmp_uplift_high",
    "p_value": "cmp_p_value",
    "mde": "cmp_mde",
    "treatment_share": "cmp_treatment_share",
    "srm_p_value": "cmp_srm_p",
    "pre_revenue_smd": "cmp_smd",
}
_PTS = "{:+.1f}"


def effects_table(res: Any, lang: str = "en") -> Table:
    """Per campaign: verdict, group sizes, repurchase rates, uplift (pts) with its interval, split check."""
    if res.summary.empty:
        return Table(pd.DataFrame(), unavailable=NOT_AVAILABLE)
    frame = _with_verdicts(res, lang)[list(_EFFECT_COLUMNS)].rename(columns=_EFFECT_COLUMNS)
    return Table(
        frame,
        formats={
            "cmp_n_treatment": "count",
            "cmp_n_control": "count",
            "cmp_rate_treatment": "share",
            "cmp_rate_control": "share",
            "cmp_uplift": _PTS,
            "cmp_uplift_low": _PTS,
            "cmp_uplift_high": _PTS,
            "cmp_p_value": "{:.2g}",
            "cmp_mde": "{:.1f}",
            "cmp_treatment_share": "share",
            "cmp_srm_p": "{:.2g}",
            "cmp_smd": "{:+.2f}",
        },
        caption=i18n.t(
            "campaigns.caption.effects", lang, days=res.settings.window_days, level=f"{res.settings.confidence:.0%}"
        ),
    )


_MONEY_COLUMNS = {
    "campaign": "cmp_campaign",
    "revenue_treatment": "cmp_rev_treatment",
    "revenue_control": "cmp_rev_control",
    "revenue_diff": "cmp_rev_diff",
    "revenue_diff_low": "cmp_rev_low",
    "revenue_diff_high": "cmp_rev_high",
    "cuped_theta": "cmp_theta",
    "revenue_cuped_diff": "cmp_cuped_diff",
    "revenue_cuped_low": "cmp_cuped_low",
    "revenue_cuped_high": "cmp_cuped_high",
    "variance_reduction": "cmp_variance_reduction",
    "incremental_revenue": "cmp_incremental",
    "cost": "cmp_cost",
    "roi": "cmp_roi",
}


def money_table(res: Any, lang: str = "en") -> Table:
    """Per campaign: revenue per customer (Welch and CUPED, with intervals), incremental revenue, cost, ROI."""
    if res.summary.empty:
        return Table(pd.DataFrame(), unavailable=NOT_AVAILABLE)
    frame = res.summary[list(_MONEY_COLUMNS)].rename(columns=_MONEY_COLUMNS)
    money = [c for c in frame.columns if c.startswith(("cmp_rev", "cmp_cuped", "cmp_incremental", "cmp_cost"))]
    return Table(
        frame,
        formats={
            **dict.fromkeys(money, "money"),
            "cmp_theta": "{:.3f}",
            "cmp_variance_reduction": "share",
            "cmp_roi": "{:+.2f}",
        },
        caption=i18n.t(
            "campaigns.caption.money",
            lang,
            days=res.settings.window_days,
            pre=res.settings.pre_period_days,
            level=f"{res.settings.confidence:.0%}",
        ),
    )


def checks_table(res: Any, lang: str = "en") -> Table | str | None:
    """Assignments not measured (unknown customer, before the data, window not over), or a sentence that none were.

    None without campaign assignments (the cleaning table above says there is no source).
    """
    if not res.available:
        return None
    if res.left_out.empty:
        return i18n.t("campaigns.checks_none", lang, n=f"{res.assignments:,}")
    frame = res.left_out.copy()
    frame["reason"] = [i18n.t(f"campaigns.reason.{r}", lang) for r in frame["reason"]]
    frame = frame.rename(columns={"campaign": "cmp_campaign", "reason": "cmp_reason", "assignments": "cmp_assignments"})
    return Table(
        frame,
        formats={"cmp_assignments": "count"},
        caption=i18n.t("campaigns.caption.checks", lang, days=res.settings.window_days),
    )


def plot_frame(res: Any, lang: str = "en") -> pd.DataFrame:
    """What the uplift chart draws: ``label`` (campaign and verdict), ``uplift``, ``low``, ``high`` (pts), ``verdict``."""
    s = res.summary
    keep = s["uplift"].notna().to_numpy() if len(s) else np.zeros(0, bool)
    s = s[keep]
    return pd.DataFrame(
        {
            "label": [f"{c}\n({verdict_label(v, lang)})" for c, v in zip(s["campaign"], s["verdict"])],
            "uplift": s["uplift"].to_numpy(float) * 100,
            "low": s["uplift_low"].to_numpy(float) * 100,
            "high": s["uplift_high"].to_numpy(float) * 100,
            "verdict": s["verdict"].astype(str).to_numpy(),
        }
    )


def tested_actions(res: Any, lang: str = "en") -> list[str]:
    """The overview's sentences on tested actions: each campaign with an effect found, or that none was.

    Empty for a client without campaign tests.
    """
    if not res.available or res.summary.empty:
        return []
    found = res.summary[res.summary["verdict"] == "effect_found"]
    level = f"{res.settings.confidence:.0%}"
    if found.empty:
        return [i18n.t("campaigns.overview.none_found", lang, n=len(res.summary))]
    return [
        i18n.t(
            "campaigns.overview.tested",
            lang,
            campaign=str(row["campaign"]),
            days=int(row["window_days"]),
            uplift=_pts(row["uplift"]),
            low=_pts(row["uplift_low"]),
            high=_pts(row["uplift_high"]),
            level=level,
        )
        for row in found.to_dict("records")
    ]
