"""What the satisfaction report says: sentences, table specs and display labels, in the report language.

Every text comes from the message catalog
(``resources/i18n/<lang>/satisfaction.yaml``). The analysis keeps codes in its
tables (``detractor``, ``fix first``, ``occasional`` …); this module names them
for display: :func:`nps_group_label`, :func:`quadrant_label`,
:func:`dimension_label`, :func:`frequency_tier_labels` (``occasional (2–3)``,
``none before (0)``). Sentences are plain ``str`` (``**bold**`` allowed) or an
:class:`~repurchase.core.status.Unavailable`; tables are
:class:`~repurchase.core.table.Table` specs with ``sat_*`` columns (headers from
the ``col.sat_*`` catalog entries). Comments, category and store names from the
data are shown as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from repurchase.core import formatting, i18n
from repurchase.core.status import Unavailable
from repurchase.core.table import Table
from repurchase.core.tiers import DEFAULT_FREQUENCY_TIERS, ONE_TIME
from repurchase.satisfaction.behaviour import DIMENSIONS, NONE_BEFORE, prior_frequency_tier
from repurchase.satisfaction.coverage import CoverageResult
from repurchase.satisfaction.drivers import KeyDrivers
from repurchase.satisfaction.scores import NPS_GROUPS, NpsHeterogeneity, nps_interval

__all__ = [
    "COMPARED",
    "NOT_AVAILABLE",
    "TABLE_NAMES",
    "SatisfactionSentences",
    "SatisfactionTables",
    "analysis_window_label",
    "aspect_labels",
    "collinearity_warning",
    "coverage_warning",
    "describe_availability",
    "describe_breakdowns",
    "describe_comments",
    "describe_coverage",
    "describe_drivers",
    "describe_heterogeneity",
    "describe_link",
    "describe_loyalty",
    "describe_scores",
    "describe_trend",
    "dimension_label",
    "format_window",
    "frequency_tier",
    "frequency_tier_labels",
    "nps_group_label",
    "quadrant_label",
    "satisfaction_table",
]

#: the two NPS groups compared throughout: ``rate(a) − rate(b)``
COMPARED = ("detractor", "promoter")
#: what every section says for a client without survey data
NOT_AVAILABLE = Unavailable("satisfaction.describe.not_available")

#: driver quadrant code -> catalog key
_QUADRANT_KEYS = {
    "fix first": "satisfaction.quadrant.fix_first",
    "keep up": "satisfaction.quadrant.keep_up",
    "maintain": "satisfaction.quadrant.maintain",
    "low priority": "satisfaction.quadrant.low_priority",
}
#: coverage group code -> catalog key
_COVERAGE_KEYS = {"respondents": "satisfaction.cov.respondents", "non-respondents": "satisfaction.cov.non_respondents"}


# ---------------------------------------------------------------------------
# labels


def nps_group_label(group: Any, lang: str = "en", *, plural: bool = False) -> str:
    """An NPS group code (``detractor`` …) in the report language: detractor / 贬损者; ``plural`` gives detractors."""
    code = str(group)
    if code not in NPS_GROUPS:
        return code
    return i18n.t(f"satisfaction.groups.{code}" if plural else f"satisfaction.group.{code}", lang)


def dimension_label(dimension: str, lang: str = "en") -> str:
    """How a breakdown dimension (``channel``, ``tier`` …) is named in the report language."""
    return i18n.t(f"satisfaction.dim.{dimension}", lang) if dimension in DIMENSIONS else str(dimension)


def quadrant_label(code: str, lang: str = "en") -> str:
    """A driver quadrant code (``fix first`` …) in the report language."""
    return i18n.t(_QUADRANT_KEYS[code], lang) if code in _QUADRANT_KEYS else str(code)


def format_window(label: str, lang: str = "en") -> str:
    """A scored window's label (``2026-10`` or ``2026-08..2026-10``) as month names in the report language."""
    if not label:
        return ""
    parts = str(label).split("..")
    if len(parts) == 1:
        return formatting.format_month(parts[0], lang)
    return i18n.t(
        "satisfaction.month_range",
        lang,
        first=formatting.format_month(parts[0], lang),
        last=formatting.format_month(parts[1], lang),
    )


def analysis_window_label(label: str, months: int, lang: str = "en") -> str:
    """The pooled analysis window as the report names it (``the 12 months Nov 2025 to Oct 2026``)."""
    if months > 1:
        return i18n.t("satisfaction.analysis_window", lang, n=months, range=format_window(label, lang))
    return format_window(label, lang)


def frequency_tier_labels(thresholds: Mapping[str, int] | None = None, lang: str = "en") -> dict[str, str]:
    """Display label of each prior-frequency tier code, with its range of occasions.

    Parameters
    ----------
    thresholds
        ``segmentation.frequency_tiers`` (default
        :data:`~repurchase.core.tiers.DEFAULT_FREQUENCY_TIERS`).
    lang
        Report language (中频（2–3 次） in Chinese). The default tier names
        ``high`` and ``occasional`` are translated; names set in the params are
        kept as written.

    Returns
    -------
    dict
        ``{code: label}``, lowest first: ``none`` -> ``none before (0)``,
        ``one-time`` -> ``one-time (1)``, then e.g. ``occasional (2–3)``,
        ``high (4+)``.
    """
    ordered = sorted(dict(DEFAULT_FREQUENCY_TIERS if thresholds is None else thresholds).items(), key=lambda kv: kv[1])
    upper = [lo - 1 for _, lo in ordered[1:]] + [None]
    ranges = [
        f"{lo}+" if hi is None else (f"{lo}" if hi == lo else f"{lo}–{hi}") for (_, lo), hi in zip(ordered, upper)
    ]

    def label(name: str, span: str) -> str:
        return i18n.t("satisfaction.freq_label", lang, name=name, range=span)

    def tier_name(name: str) -> str:
        return i18n.t(f"satisfaction.freq.{name}", lang) if name in ("high", "occasional") else name

    return {
        NONE_BEFORE: label(i18n.t("satisfaction.freq.none", lang), "0"),
        ONE_TIME: label(i18n.t("satisfaction.freq.one_time", lang), "1"),
        **{name: label(tier_name(name), r) for (name, _), r in zip(ordered, ranges)},
    }


def frequency_tier(occasions: pd.Series, tiers: Mapping[str, int] | None = None, lang: str = "en") -> pd.Series:
    """Prior purchase counts as labelled frequency tiers (``occasional (2–3)``): the display of
    :func:`repurchase.satisfaction.behaviour.prior_frequency_tier`.

    Returns
    -------
    Series
        Ordered categorical of labels, lowest tier first.
    """
    codes = prior_frequency_tier(occasions, tiers)
    return codes.cat.rename_categories(frequency_tier_labels(tiers, lang)).rename(None)


def aspect_labels(params: Any, lang: str = "en") -> dict[str, str]:
    """How each aspect rating is named in the report: ``{aspect: name}``.

    Aspects are mapped in the params as ``aspect_<english name>: <column in the
    export>``. English reports show the English name (``product_quality`` as
    ``product quality``); Chinese reports show the export's column name (商品质量),
    which is the client's own name for it.
    """
    sources = getattr(params, "sources", None)
    spec = getattr(sources, "surveys", None)
    columns = dict(getattr(spec, "columns", None) or {})
    out = {}
    for canonical, source in columns.items():
        if not str(canonical).startswith("aspect_"):
            continue
        name = str(canonical).removeprefix("aspect_")
        out[name] = (
            str(source) if lang == "zh" and isinstance(source, str) and source.strip() else name.replace("_", " ")
        )
    return out


# ---------------------------------------------------------------------------
# warnings


def collinearity_warning(drivers: KeyDrivers, lang: str = "en") -> str:
    """A plain-language collinearity warning in ``lang``, or an empty string."""
    if not drivers.collinear_warning:
        return ""
    names = dict(zip(drivers.table["aspect"], drivers.table["label"])) if "label" in drivers.table else {}
    pairs = i18n.t("satisfaction.list_sep", lang).join(
        i18n.t("satisfaction.warn.pair", lang, a=names.get(a, a), b=names.get(b, b), r=f"{r:.2f}")
        for a, b, r in drivers.collinear.itertuples(index=False)
    )
    which = i18n.t("satisfaction.warn.pairs", lang, pairs=pairs) if pairs else ""
    return i18n.t("satisfaction.warn.collinear", lang, vif=f"{drivers.max_vif:.1f}", which=which)


def coverage_warning(cov: CoverageResult, lang: str = "en") -> str:
    """A plain warning in ``lang`` when respondents are not representative, else an empty string."""
    if cov.representative or cov.comparison.empty:
        return ""
    worst = cov.comparison.loc[cov.comparison["smd"].abs().idxmax()]
    direction = i18n.t("satisfaction.warn.more" if worst["smd"] > 0 else "satisfaction.warn.less", lang)
    measure = i18n.t(f"satisfaction.measure.{worst['measure']}", lang)
    return i18n.t(
        "satisfaction.warn.not_representative",
        lang,
        direction=direction,
        measure=measure,
        a=f"{worst['respondents']:,.2f}",
        b=f"{worst['non_respondents']:,.2f}",
    )


# ---------------------------------------------------------------------------
# sentences


def describe_availability(
    responses: int, respondents: int, period_end: str, period_label: str, analysis_label: str, lang: str = "en"
) -> str:
    """One sentence: what survey data there is (``analysis_label`` from :func:`analysis_window_label`)."""
    return i18n.t(
        "satisfaction.describe.availability",
        lang,
        n=responses,
        c=respondents,
        end=period_end,
        label=format_window(period_label, lang),
        alabel=analysis_label,
    )


def describe_scores(scores: pd.DataFrame, change: pd.DataFrame, lang: str = "en") -> str:
    """NPS and CSAT of the period with intervals, and the change from the previous one."""
    cur = scores.iloc[0]
    ch = change.set_index("metric")
    label = format_window(str(cur["label"]), lang)
    if not cur["nps_n"] > 0:
        return i18n.t("satisfaction.describe.scores_none", lang, label=label)
    nps = ch.loc["nps"]
    sig = i18n.t(
        "satisfaction.describe.significant" if nps["p_value"] < 0.05 else "satisfaction.describe.not_significant",
        lang,
    )
    return i18n.t(
        "satisfaction.describe.scores",
        lang,
        label=label,
        nps=cur["nps"],
        lo=cur["nps_low"],
        hi=cur["nps_high"],
        n=int(cur["nps_n"]),
        csat=cur["csat"],
        d=nps["difference"],
        dlo=nps["low"],
        dhi=nps["high"],
        sig=sig,
    )


def _p_text(p: float) -> str:
    """A p-value as the report prints it: ``p = 0.52``, ``p = 0.004``, ``p < 0.001``."""
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"


def describe_heterogeneity(test: NpsHeterogeneity, lang: str = "en") -> str:
    """Whether the monthly NPS differ by more than chance: Cochran's Q with its df and p, and what it means."""
    if not test.tested:
        return i18n.t("satisfaction.describe.trend_untested", lang)
    verdict = i18n.t(
        "satisfaction.describe.trend_differ" if test.p_value < 0.05 else "satisfaction.describe.trend_same", lang
    )
    left = i18n.t("satisfaction.describe.trend_left_out", lang, n=test.left_out) if test.left_out else ""
    return i18n.t(
        "satisfaction.describe.trend_test",
        lang,
        k=test.months,
        q=test.q,
        df=test.df,
        p=_p_text(test.p_value),
        left=left,
        verdict=verdict,
    )


def describe_trend(by_month: pd.DataFrame, test: NpsHeterogeneity, lang: str = "en") -> str:
    """NPS over the last 12 months pooled, the range of the monthly values and the heterogeneity test over them.

    The month-to-month statement rests on ``test`` (Cochran's Q,
    :func:`repurchase.satisfaction.scores.nps_heterogeneity`), never on whether
    two months' intervals overlap.
    """
    last = by_month.tail(12)
    last = last[last["nps_n"] > 0]
    if last.empty:
        return i18n.t("satisfaction.describe.trend_none", lang)
    nps, _, low, high = nps_interval(last["promoters"].sum(), last["detractors"].sum(), last["nps_n"].sum())
    lo_row, hi_row = last.loc[last["nps"].idxmin()], last.loc[last["nps"].idxmax()]
    return i18n.t(
        "satisfaction.describe.trend",
        lang,
        k=len(last),
        nps=float(nps),
        low=float(low),
        high=float(high),
        n=int(last["nps_n"].sum()),
        lo=lo_row["nps"],
        lom=formatting.format_month(str(lo_row["month"]), lang),
        hi=hi_row["nps"],
        him=formatting.format_month(str(hi_row["month"]), lang),
        test=describe_heterogeneity(test, lang),
    )


def describe_loyalty(stratified: pd.DataFrame, effect: pd.DataFrame, min_group_size: int, lang: str = "en") -> str:
    """Whether detractors buy less than promoters within each prior-frequency tier."""
    st = stratified.assign(_g=stratified["nps_group"].astype(str), _s=stratified["frequency_tier"].astype(str))
    wide = st.pivot_table(index="_s", columns="_g", values=["rate", "observed"], aggfunc="first", observed=True)
    m = min_group_size
    a, b = COMPARED
    if wide.empty or not {a, b} <= set(wide.columns.get_level_values(1)):
        return i18n.t("satisfaction.describe.loyalty_few", lang)
    ok = (wide[("observed", a)] >= m) & (wide[("observed", b)] >= m)
    lower = int((wide.loc[ok, ("rate", a)] < wide.loc[ok, ("rate", b)]).sum())
    crude, adj = effect.iloc[0], effect.iloc[1]
    text = i18n.t("satisfaction.describe.loyalty_tiers", lang, lower=lower, k=int(ok.sum()), m=m)
    if not np.isfinite(adj["difference"]):
        return text + i18n.t("satisfaction.describe.loyalty_no_strata", lang)
    kept = adj["difference"] / crude["difference"] if crude["difference"] else float("nan")
    return text + i18n.t(
        "satisfaction.describe.loyalty",
        lang,
        strata=int(adj["strata"]),
        adj=100 * adj["difference"],
        alo=100 * adj["low"],
        ahi=100 * adj["high"],
        crude=100 * crude["difference"],
        moved=100 * (adj["difference"] - crude["difference"]),
        kept=kept,
    )


def describe_breakdowns(breakdowns: pd.DataFrame, min_group_size: int, lang: str = "en") -> str:
    """Which groups were flagged as too small, and how many groups and dimensions there are."""
    if breakdowns.empty:
        return i18n.t("satisfaction.describe.breakdowns_none", lang)
    b = breakdowns
    small = int(b["small_n"].sum())
    if not (~b["small_n"].astype(bool)).any():
        return i18n.t("satisfaction.describe.breakdowns_all_small", lang, m=min_group_size)
    return i18n.t(
        "satisfaction.describe.breakdowns", lang, g=len(b), d=b["dimension"].nunique(), small=small, m=min_group_size
    )


def describe_link(repurchase: pd.DataFrame, effect: pd.DataFrame, window_days: int, lang: str = "en") -> str:
    """Repurchase rate of detractors vs promoters, crude and adjusted (differences in percentage points)."""
    rates = repurchase.set_index(repurchase["nps_group"].astype(str))
    a, b = COMPARED
    if not {a, b} <= set(rates.index) or rates.loc[[a, b], "observed"].min() == 0:
        return i18n.t("satisfaction.describe.link_few", lang, d=window_days)
    det, pro = rates.loc[a], rates.loc[b]
    crude, adj = effect.iloc[0], effect.iloc[1]
    return i18n.t(
        "satisfaction.describe.link",
        lang,
        d=window_days,
        dr=det["rate"],
        dlo=det["rate_low"],
        dhi=det["rate_high"],
        dn=int(det["observed"]),
        pr=pro["rate"],
        plo=pro["rate_low"],
        phi=pro["rate_high"],
        pn=int(pro["observed"]),
        diff=100 * crude["difference"],
        lo=100 * crude["low"],
        hi=100 * crude["high"],
        adiff=100 * adj["difference"],
        alo=100 * adj["low"],
        ahi=100 * adj["high"],
    )


def describe_drivers(drivers: KeyDrivers, lang: str = "en") -> str:
    """R², the most important aspect and what to fix first; the collinearity warning."""
    if drivers.unavailable is not None:
        return i18n.t("satisfaction.describe.drivers_none", lang, reason=drivers.unavailable.text(lang))
    top = drivers.table.iloc[0]
    fix = drivers.table.loc[drivers.table["quadrant"] == "fix first", "label"].tolist()
    fix_text = (
        i18n.t("satisfaction.list_sep", lang).join(fix) if fix else i18n.t("satisfaction.describe.fix_none", lang)
    )
    text = i18n.t(
        "satisfaction.describe.drivers",
        lang,
        r2=drivers.r2,
        target=drivers.target.upper(),
        n=drivers.n,
        top=str(top["label"]),
        share=top["share"],
        fix=fix_text,
    )
    warning = collinearity_warning(drivers, lang)
    return text + i18n.t("satisfaction.describe.warning", lang, warning=warning) if warning else text


def describe_comments(distinguishing: pd.DataFrame, lang: str = "en") -> str:
    """The words that most distinguish detractors and promoters."""
    if distinguishing.empty:
        return i18n.t("satisfaction.describe.comments_few", lang)
    sep, none = i18n.t("satisfaction.list_sep", lang), i18n.t("satisfaction.describe.none", lang)
    a, b = COMPARED
    det = distinguishing.loc[distinguishing["leans"] == a, "term"].head(5).tolist()
    pro = distinguishing.loc[distinguishing["leans"] == b, "term"].head(5).tolist()
    return i18n.t("satisfaction.describe.comments", lang, det=sep.join(det) or none, pro=sep.join(pro) or none)


def describe_coverage(cov: CoverageResult, period_label: str, lang: str = "en") -> str:
    """Response rate and, when respondents are not representative, a plain warning."""
    label = format_window(period_label, lang)
    if cov.base == 0:
        return i18n.t("satisfaction.describe.coverage_none", lang, label=label)
    text = i18n.t(
        "satisfaction.describe.coverage", lang, r=cov.respondents, b=cov.base, label=label, rate=cov.response_rate
    )
    warning = coverage_warning(cov, lang)
    if warning:
        return text + i18n.t("satisfaction.describe.warning", lang, warning=warning)
    return text + i18n.t("satisfaction.describe.coverage_ok", lang, t=cov.threshold)


@dataclass
class SatisfactionSentences:
    """The sentences of the satisfaction report, in the report language (``**bold**`` kept).

    Each is a plain ``str`` or, for a client without survey data, an
    :class:`~repurchase.core.status.Unavailable` (``availability`` says why,
    every other one "not available").
    """

    availability: str | Unavailable
    scores: str | Unavailable = NOT_AVAILABLE
    trend: str | Unavailable = NOT_AVAILABLE
    breakdowns: str | Unavailable = NOT_AVAILABLE
    link: str | Unavailable = NOT_AVAILABLE
    loyalty: str | Unavailable = NOT_AVAILABLE
    drivers: str | Unavailable = NOT_AVAILABLE
    comments: str | Unavailable = NOT_AVAILABLE
    coverage: str | Unavailable = NOT_AVAILABLE


# ---------------------------------------------------------------------------
# tables

_PCT = "{:.1%}"
_PTS = "{:+.1f}"

#: name -> ({column: display column, translated through col.<display>}, {column: format});
#: the caption is satisfaction.caption.<name>
_TABLES: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "scores": (
        {
            "label": "sat_period",
            "responses": "sat_responses",
            "nps_n": "sat_nps_n",
            "nps": "sat_nps",
            "nps_low": "sat_nps_low",
            "nps_high": "sat_nps_high",
            "csat_n": "sat_csat_n",
            "csat": "sat_csat",
            "csat_low": "sat_csat_low",
            "csat_high": "sat_csat_high",
            "ces": "sat_ces",
            "response_rate": "sat_response_rate",
        },
        {
            "nps": _PTS,
            "nps_low": _PTS,
            "nps_high": _PTS,
            "csat": _PCT,
            "csat_low": _PCT,
            "csat_high": _PCT,
            "ces": "{:.2f}",
            "response_rate": _PCT,
        },
    ),
    "change": (
        {
            "metric": "sat_metric",
            "this": "sat_this",
            "previous": "sat_previous",
            "difference": "sat_difference",
            "low": "sat_low",
            "high": "sat_high",
            "p_value": "sat_p_value",
            "n_this": "sat_n_this",
            "n_previous": "sat_n_previous",
        },
        {"this": "{:.1f}", "previous": "{:.1f}", "difference": _PTS, "low": _PTS, "high": _PTS, "p_value": "{:.3f}"},
    ),
    "by_month": (
        {
            "month": "sat_month",
            "nps_n": "sat_nps_n",
            "nps": "sat_nps",
            "nps_low": "sat_nps_low",
            "nps_high": "sat_nps_high",
            "csat": "sat_csat",
            "ces": "sat_ces",
        },
        {"nps": _PTS, "nps_low": _PTS, "nps_high": _PTS, "csat": _PCT, "ces": "{:.2f}"},
    ),
    "breakdowns": (
        {
            "dimension": "sat_dimension",
            "group": "sat_group",
            "nps_n": "sat_nps_n",
            "nps": "sat_nps",
            "nps_low": "sat_nps_low",
            "nps_high": "sat_nps_high",
            "csat": "sat_csat",
            "small_n": "sat_note",
            "rank": "sat_rank",
        },
        {"nps": _PTS, "nps_low": _PTS, "nps_high": _PTS, "csat": _PCT, "rank": "{:.0f}"},
    ),
    "repurchase": (
        {
            "nps_group": "sat_nps_group",
            "responses": "sat_first_responses",
            "observed": "sat_observed",
            "repurchased": "sat_repurchased",
            "rate": "sat_rate",
            "rate_low": "sat_low",
            "rate_high": "sat_high",
        },
        {"rate": _PCT, "rate_low": _PCT, "rate_high": _PCT},
    ),
    "churn": (
        {
            "nps_group": "sat_nps_group",
            "observed": "sat_observed",
            "churned": "sat_churned",
            "churn_rate": "sat_churn_rate",
            "churn_low": "sat_low",
            "churn_high": "sat_high",
        },
        {"churn_rate": _PCT, "churn_low": _PCT, "churn_high": _PCT},
    ),
    "stratified": (
        {
            "frequency_tier": "sat_frequency_tier",
            "nps_group": "sat_nps_group",
            "observed": "sat_observed",
            "repurchased": "sat_repurchased",
            "rate": "sat_rate",
            "rate_low": "sat_low",
            "rate_high": "sat_high",
        },
        {"rate": _PCT, "rate_low": _PCT, "rate_high": _PCT},
    ),
    "effect": (
        {
            "comparison": "sat_comparison",
            "difference": "sat_difference_pts",
            "low": "sat_low",
            "high": "sat_high",
            "p_value": "sat_p_value",
            "observed": "sat_observed",
            "strata": "sat_strata",
        },
        {"difference": _PTS, "low": _PTS, "high": _PTS, "p_value": "{:.3g}"},
    ),
    "drivers": (
        {
            "label": "sat_aspect",
            "weight": "sat_weight",
            "share": "sat_share_r2",
            "correlation": "sat_correlation",
            "mean_rating": "sat_mean_rating",
            "top2_share": "sat_top2_share",
            "vif": "sat_vif",
            "quadrant": "sat_quadrant",
        },
        {
            "weight": "{:.3f}",
            "share": _PCT,
            "correlation": "{:.2f}",
            "mean_rating": "{:.2f}",
            "top2_share": _PCT,
            "vif": "{:.2f}",
        },
    ),
    "top_terms": (
        {
            "group": "sat_nps_group",
            "rank": "sat_rank",
            "term": "sat_term",
            "comments": "sat_comments",
            "share": "sat_comment_share",
        },
        {"share": _PCT},
    ),
    "distinguishing": (
        {"leans": "sat_leans", "term": "sat_term", "count_a": "count_a", "count_b": "count_b", "z": "sat_z"},
        {"z": "{:+.2f}"},
    ),
    "samples": (
        {"nps_group": "sat_nps_group", "nps": "sat_nps_answer", "month": "sat_month", "comment": "sat_comment"},
        {"nps": "{:.0f}"},
    ),
    "coverage": (
        {
            "group": "sat_customer_group",
            "customers": "sat_customers",
            "share": "sat_customer_share",
            "prior_occasions": "sat_prior_occasions",
            "prior_spend": "sat_prior_spend",
            "no_prior_purchase": "sat_no_prior_purchase",
        },
        {"share": _PCT, "prior_occasions": "{:.2f}", "prior_spend": "{:,.0f}", "no_prior_purchase": _PCT},
    ),
}
#: the tables of the report, in notebook order
TABLE_NAMES = tuple(_TABLES)


def _display(name: str, data: pd.DataFrame, lang: str, tiers: Mapping[str, int] | None) -> pd.DataFrame:
    """Codes of table ``name`` in the report language (a copy; the shown rows only)."""
    data = data.copy()
    if name not in ("breakdowns", "coverage"):
        for col in ("nps_group", "group", "leans"):
            if col in data.columns:
                data[col] = data[col].astype(object).map(lambda g: nps_group_label(g, lang) if pd.notna(g) else g)
    if "month" in data.columns:
        data["month"] = data["month"].map(lambda m: formatting.format_month(m, lang) if isinstance(m, str) else m)
    if "frequency_tier" in data.columns:
        data["frequency_tier"] = data["frequency_tier"].astype(object).map(frequency_tier_labels(tiers, lang))
    if name == "scores":
        data["label"] = data["label"].map(lambda v: format_window(v, lang))
    elif name == "change":  # CSAT in percentage points next to NPS points
        scale = np.where(data["metric"] == "csat", 100.0, 1.0)
        data = data.assign(
            metric=data["metric"].map(lambda m: i18n.t(f"satisfaction.metric.{m}", lang)),
            **{c: data[c] * scale for c in ("this", "previous", "difference", "low", "high")},
        )
    elif name == "breakdowns":
        tier = data["dimension"] == "frequency_tier"
        data.loc[tier, "group"] = data.loc[tier, "group"].map(frequency_tier_labels(tiers, lang))
        data["dimension"] = data["dimension"].map(lambda d: dimension_label(d, lang))
        data["small_n"] = data["small_n"].map(lambda v: i18n.t("satisfaction.small_n", lang) if v else "")
    elif name == "effect":  # differences of rates in percentage points
        data = data.assign(**{c: 100 * data[c] for c in ("difference", "low", "high")})
        data["comparison"] = [
            i18n.t(
                f"satisfaction.effect.{m}",
                lang,
                a=nps_group_label(a, lang, plural=True),
                b=nps_group_label(b, lang, plural=True),
            )
            for m, a, b in zip(data["method"], data["a"], data["b"])
        ]
    elif name == "drivers":
        data["quadrant"] = data["quadrant"].map(lambda q: quadrant_label(q, lang))
    elif name == "coverage":
        data["group"] = data["group"].map(lambda g: i18n.t(_COVERAGE_KEYS[g], lang) if g in _COVERAGE_KEYS else g)
    return data


def satisfaction_table(
    name: str,
    data: pd.DataFrame,
    lang: str = "en",
    *,
    repurchase_days: Any = "",
    churn_days: Any = "",
    tiers: Mapping[str, int] | None = None,
) -> Table:
    """The table ``name`` of the report (one of :data:`TABLE_NAMES`) as a :class:`Table` spec.

    Parameters
    ----------
    data
        The analysis table (``res.scores``, ``res.drivers.table`` …; for
        ``by_month`` the last 12 months).
    lang
        Report language of the codes, the caption and the headers.
    repurchase_days, churn_days
        The windows named in the captions.
    tiers
        ``segmentation.frequency_tiers``, to name the prior-frequency tiers.

    Returns
    -------
    Table
        Columns ``sat_*`` (headers from ``col.sat_*``), codes in the report
        language; empty when there is nothing to show.
    """
    columns, formats = _TABLES[name]
    shown = _display(name, data, lang, tiers) if not data.empty else data
    frame = shown[[c for c in columns if c in shown.columns]].rename(columns=columns)
    if name == "distinguishing":
        a, b = COMPARED
        frame = frame.rename(
            columns={
                "count_a": i18n.t("satisfaction.uses_by", lang, group=nps_group_label(a, lang, plural=True)),
                "count_b": i18n.t("satisfaction.uses_by", lang, group=nps_group_label(b, lang, plural=True)),
            }
        )
    caption = i18n.t(f"satisfaction.caption.{name}", lang, days=repurchase_days, churn_days=churn_days)
    return Table(frame.reset_index(drop=True), formats={columns[k]: v for k, v in formats.items()}, caption=caption)


@dataclass
class SatisfactionTables:
    """The tables of the satisfaction report (:func:`satisfaction_table`), empty for a client without surveys."""

    scores: Table
    change: Table
    by_month: Table
    breakdowns: Table
    repurchase: Table
    churn: Table
    stratified: Table
    effect: Table
    drivers: Table
    top_terms: Table
    distinguishing: Table
    samples: Table
    coverage: Table
