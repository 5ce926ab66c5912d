"""The key findings at the top of the satisfaction report (kept apart from :mod:`~repurchase.satisfaction.text`)."""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import pandas as pd

from repurchase.core import i18n
from repurchase.core.proportions import is_news
from repurchase.core.status import Unavailable
from repurchase.satisfaction.drivers import KeyDrivers
from repurchase.satisfaction.text import COMPARED, NOT_AVAILABLE, format_window

__all__ = ["FindingsSource", "describe_findings"]


class FindingsSource(Protocol):
    """What :func:`describe_findings` reads of a :class:`~repurchase.satisfaction.SatisfactionResult`."""

    available: bool
    unavailable: Unavailable | None
    scores: pd.DataFrame
    change: pd.DataFrame
    repurchase: pd.DataFrame
    effect: pd.DataFrame
    drivers: KeyDrivers

    @property
    def settings(self) -> Any: ...


def describe_findings(result: FindingsSource, lang: str = "en") -> str:
    """The key findings at the top of the satisfaction report: 2–3 sentences with the period's numbers.

    Parameters
    ----------
    result
        The satisfaction result (:func:`repurchase.satisfaction.run_satisfaction`).
    lang
        Report language (``en`` or ``zh``).

    Returns
    -------
    str
        NPS and CSAT of the period with the NPS interval, and the change from
        the previous period, worded as a rise or fall only when it is
        significant (p < 0.05 and the 95% interval excludes 0), else "about the
        same" (the numbers of :func:`describe_scores`); the repurchase rate of
        detractors against promoters after their first response, with the gap
        for customers of the same purchase history called a gap only when its
        interval excludes 0 (:func:`describe_link`); and the aspects to fix
        first (:func:`describe_drivers`). Without survey data: why.
    """
    if not result.available:
        return result.unavailable.text(lang) if result.unavailable is not None else NOT_AVAILABLE.text(lang)
    cur = result.scores.iloc[0]
    label = format_window(str(cur["label"]), lang)
    if cur["nps_n"] > 0:
        head = i18n.t("satisfaction.findings.scores", lang, label=label, nps=cur["nps"], lo=cur["nps_low"],
                      hi=cur["nps_high"], n=int(cur["nps_n"]), csat=cur["csat"])  # fmt: skip
        ch = result.change.set_index("metric")
        if "nps" in ch.index and np.isfinite(ch.loc["nps", "difference"]):
            nps = ch.loc["nps"]
            news = is_news(nps["p_value"], nps["low"], nps["high"])
            key = "same" if not news else "up" if nps["difference"] > 0 else "down"
            head += i18n.t(f"satisfaction.findings.change_{key}", lang, d=nps["difference"],
                           dabs=abs(nps["difference"]), dlo=nps["low"], dhi=nps["high"], prev=nps["previous"])  # fmt: skip
        parts = [head + i18n.t("satisfaction.findings.end", lang)]
    else:
        parts = [i18n.t("satisfaction.describe.scores_none", lang, label=label)]
    rates = result.repurchase.set_index(result.repurchase["nps_group"].astype(str))
    a, b = COMPARED
    if {a, b} <= set(rates.index) and rates.loc[[a, b], "observed"].min() > 0 and len(result.effect) >= 2:
        adj = result.effect.iloc[1]
        key = (
            "link_untested" if not np.isfinite(adj["difference"])
            else "link_gap" if is_news(adj["p_value"], adj["low"], adj["high"]) else "link_same"
        )  # fmt: skip
        parts.append(i18n.t(f"satisfaction.findings.{key}", lang, d=result.settings.repurchase_window_days,
                            dr=rates.loc[a, "rate"], pr=rates.loc[b, "rate"], adiff=100 * adj["difference"],
                            alo=100 * adj["low"], ahi=100 * adj["high"]))  # fmt: skip
    drivers = result.drivers
    if drivers.unavailable is None and len(drivers.table):
        fix = drivers.table.loc[drivers.table["quadrant"] == "fix first", "label"].tolist()
        top = drivers.table.iloc[0]
        values = {"top": str(top["label"]), "share": top["share"], "target": drivers.target.upper()}
        if fix:
            parts.append(i18n.t("satisfaction.findings.fix", lang, fix=i18n.t("satisfaction.list_sep", lang).join(fix),
                                **values))  # fmt: skip
        else:
            parts.append(i18n.t("satisfaction.findings.fix_none", lang, **values))
    return i18n.t("satisfaction.findings.sep", lang).join(parts)
