"""What the repurchase report says: sentences and table specs, in the report language.

Sentences are plain strings (``**bold**`` allowed); tables are
:class:`~repurchase.core.table.Table` specs whose frames keep canonical column
names (``rp_*`` and the transaction columns; headers come from the ``col.<name>``
catalog entries when shown). Values that need words ("not reached", the
``all``/``(other)`` groups, money in the locale's compact units, a KPI's value
with its unit) are written here; plain numbers carry a format.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np
import pandas as pd

from repurchase.core import formatting, i18n, proportions
from repurchase.core.params import CleaningSettings, RepurchaseSettings
from repurchase.core.status import Unavailable
from repurchase.core.table import Table
from repurchase.kpis.drivers import DRIVER_COLUMNS
from repurchase.kpis.glossary import glossary

__all__ = [
    "CHANGE_ALPHA",
    "WEAK_LIFT",
    "cycle_table",
    "describe_buyer_products",
    "describe_cohorts",
    "describe_cycle",
    "describe_drivers_available",
    "describe_findings",
    "describe_first_groups",
    "describe_headline",
    "describe_occasion",
    "describe_pairs",
    "describe_refunds",
    "describe_settings",
    "describe_time_to_second",
    "first_groups_table",
    "glossary_table",
    "group_label",
    "headline_table",
    "rate_change_is_news",
    "refunds_table",
]

#: below this lift the strongest pair is hardly more than chance, and the sentence says so
WEAK_LIFT = 1.1

#: codes the library puts in ``group`` columns, shown through the catalog
_GROUP_KEYS = {
    "all": "repurchase.group_all",
    "(other)": "repurchase.group_other",
    "(unknown)": "repurchase.group_unknown",
}

#: caption of the first-purchase table of each group column
_FIRST_CAPTIONS = {"category": "repurchase.caption_first_category"}

_COUNT = "{:,.0f}"
_SHARE = "{:.1%}"


def group_label(value: Any, lang: str = "en") -> str:
    """A value of a ``group`` column as shown: ``all``, ``(other)`` and ``(unknown)`` in ``lang``, data values as they are."""
    key = _GROUP_KEYS.get(value) if isinstance(value, str) else None
    return i18n.t(key, lang) if key else str(value)


def _column_name(col: str, lang: str) -> str:
    """A transaction column's display name (``col.<column>`` in the catalog), or the column itself."""
    return i18n.t(f"col.{col}", lang) if i18n.has(f"col.{col}", lang) else col


def _pct(value: float | None, digits: int = 1) -> str:
    return f"{value:.{digits}%}" if value is not None and np.isfinite(value) else "–"


def _whole(value: float | None) -> str:
    return f"{value:,.0f}" if value is not None and np.isfinite(value) else "–"


def _groups(values: pd.Series, lang: str) -> list[str]:
    return [group_label(g, lang) for g in values]


# ---------------------------------------------------------------------------
# how purchases are counted


def describe_occasion(settings: RepurchaseSettings, cleaning: CleaningSettings | None = None, lang: str = "en") -> str:
    """How purchase occasions and refunds are counted, in one paragraph for the report (in ``lang``)."""
    cleaning = cleaning or CleaningSettings()
    occ = i18n.t(
        "repurchase.occasion_customer_day" if settings.occasion == "customer_day" else "repurchase.occasion_order", lang
    )
    ref = i18n.t("repurchase.refunds_net" if cleaning.refunds == "net" else "repurchase.refunds_exclude", lang)
    return occ + i18n.t("repurchase.sentence_sep", lang) + ref


def describe_settings(settings: RepurchaseSettings, lang: str = "en") -> str:
    """This client's values of the settings that enter the KPI definitions (in ``lang``)."""
    repeat = i18n.t(
        "repurchase.repeat_beyond_first"
        if settings.repeat_orders == "beyond_first"
        else "repurchase.repeat_all_of_repeaters",
        lang,
    )
    windows = i18n.t("repurchase.list_sep", lang).join(str(n) for n in settings.n_day_windows) or i18n.t(
        "repurchase.none", lang
    )
    return i18n.t(
        "repurchase.settings",
        lang,
        gap=settings.reactivation_gap_days,
        repeat=repeat,
        repeat_orders=settings.repeat_orders,
        windows=windows,
    )


# ---------------------------------------------------------------------------
# headline KPIs


def _kpi_name(kpi: str, lang: str = "en") -> str:
    """A headline KPI's name in ``lang`` (the glossary term)."""
    if i18n.has(f"repurchase.term.{kpi}", lang):
        return i18n.t(f"repurchase.term.{kpi}", lang)
    if kpi.startswith("n_day_repurchase_"):
        return i18n.t("repurchase.kpi_n_day", lang, n=kpi.rsplit("_", 1)[1])
    return kpi


def _fmt(value: float | None, unit: str, currency: str = "", lang: str = "en") -> str:
    if value is None or not np.isfinite(value):
        return "–" if value is None or np.isnan(value) else i18n.t("repurchase.not_reached", lang)
    if unit == "rate":
        return f"{value:.1%}"
    if unit == "money":
        return formatting.format_money(value, currency, lang) if currency else formatting.format_number(value, lang)
    if unit == "days":
        return i18n.t("repurchase.days", lang, n=f"{value:,.0f}")
    return f"{value:,.0f}"


def _fmt_change(value: float | None, unit: str, lang: str = "en") -> str:
    if value is None or not np.isfinite(value):
        return "–"
    if unit == "rate":
        return i18n.t("repurchase.pp", lang, value=f"{value * 100:+.1f}")
    return f"{value:+.1%}"


def _basis(label: str, kind: str, lang: str) -> str:
    month = formatting.format_month(label, lang)
    if kind == "first_time_buyers":
        return i18n.t("repurchase.basis_first_time_buyers", lang, month=month)
    if kind == "gaps_up_to":
        return i18n.t("repurchase.basis_gaps_up_to", lang, month=month)
    return month


def headline_table(headline: pd.DataFrame, month: str, currency: str = "", lang: str = "en") -> Table:
    """The headline KPIs as shown: names, values with units, changes and the month each describes.

    Rates change in percentage points; everything else in percent. Money is
    written with :func:`repurchase.core.formatting.format_money` (e.g. ¥1.2万 in
    Chinese).

    Parameters
    ----------
    headline
        :func:`~repurchase.kpis.monthly.headline_kpis` output.
    month
        The report month (``YYYY-MM``), for the caption.
    """
    units = headline["unit"].tolist()
    kinds = headline["basis_kind"] if "basis_kind" in headline else pd.Series("month", index=headline.index)
    frame = pd.DataFrame(
        {
            "rp_kpi": [_kpi_name(k, lang) for k in headline["kpi"]],
            "rp_this_month": [_fmt(v, u, currency, lang) for v, u in zip(headline["value"], units)],
            "rp_previous_month": [_fmt(v, u, currency, lang) for v, u in zip(headline["prev_period"], units)],
            "rp_change": [_fmt_change(v, u, lang) for v, u in zip(headline["change_prev"], units)],
            "rp_same_month_last_year": [_fmt(v, u, currency, lang) for v, u in zip(headline["prev_year"], units)],
            "rp_change_year": [_fmt_change(v, u, lang) for v, u in zip(headline["change_year"], units)],
            "rp_describes": [_basis(b, k, lang) for b, k in zip(headline["basis"], kinds)],
        }
    )
    caption = i18n.t("repurchase.caption_headline", lang, month=formatting.format_month(month, lang))
    return Table(frame, caption=caption)


def describe_headline(headline: pd.DataFrame, currency: str = "", lang: str = "en") -> str:
    """Two plain-language sentences on the month's buyers and 复购率, in ``lang``."""
    h = headline.set_index("kpi")

    def v(k: str, col: str = "value") -> float:
        return float(h.loc[k, col]) if k in h.index else math.nan

    text = i18n.t(
        "repurchase.headline",
        lang,
        month=formatting.format_month(h.loc["buyers", "basis"], lang),
        buyers=_fmt(v("buyers"), "count"),
        new=_fmt(v("new_buyers"), "count"),
        returning=_fmt(v("returning_buyers"), "count"),
        reactivated=_fmt(v("reactivated_buyers"), "count"),
        revenue=_fmt(v("revenue"), "money", currency, lang),
        rate=_fmt(v("repurchase_rate_customers"), "rate"),
    )
    chg = v("repurchase_rate_customers", "change_prev")
    if np.isfinite(chg):
        text += i18n.t("repurchase.headline_change", lang, change=_fmt_change(chg, "rate", lang))
        chg_y = v("repurchase_rate_customers", "change_year")
        text += (
            i18n.t("repurchase.headline_change_year", lang, change=_fmt_change(chg_y, "rate", lang))
            if np.isfinite(chg_y)
            else i18n.t("repurchase.headline_close", lang)
        )
    bb = v("buyback_rate")
    if np.isfinite(bb):
        text += i18n.t("repurchase.headline_buyback", lang, rate=_fmt(bb, "rate"))
    return text + i18n.t("repurchase.sentence_end", lang)


def _second_shares(curve: pd.DataFrame, days: Sequence[int]) -> list[tuple[int, float]]:
    """(day, share of first-time buyers with a second purchase by that day) for the days the curve reaches."""
    if curve.empty:
        return []
    times = curve["time"].to_numpy()
    out = []
    for d in days:
        if d > times.max():  # not followed that long
            continue
        idx = np.searchsorted(times, d, side="right") - 1
        out.append((d, 0.0 if idx < 0 else float(curve["repurchased"].iloc[idx])))
    return out


def describe_time_to_second(curve: pd.DataFrame, days: Sequence[int] = (30, 90, 365), lang: str = "en") -> str:
    """Share of first-time buyers who made a second purchase by 30, 90 and 365 days (Kaplan–Meier), in ``lang``."""
    if curve.empty:
        return i18n.t("repurchase.second_none", lang)
    parts = [
        i18n.t("repurchase.second_part", lang, share=_pct(share), day=d) for d, share in _second_shares(curve, days)
    ]
    if not parts:
        return i18n.t("repurchase.second_short", lang)
    return i18n.t("repurchase.second", lang, parts=i18n.t("repurchase.clause_sep", lang).join(parts))


class FindingsSource(Protocol):
    """What :func:`describe_findings` reads of a :class:`~repurchase.kpis.RepurchaseResult`."""

    currency: str
    headline: pd.DataFrame
    time_to_second: pd.DataFrame
    cycle: pd.DataFrame


#: significance level of the month-on-month test of 复购率 (:data:`repurchase.core.proportions.CHANGE_ALPHA`)
CHANGE_ALPHA = proportions.CHANGE_ALPHA
#: whether a rate's change is more than chance (:func:`repurchase.core.proportions.change_is_news`)
rate_change_is_news = proportions.change_is_news


def describe_findings(result: FindingsSource, lang: str = "en") -> str:
    """The key findings at the top of the repurchase report: 2–4 sentences with the month's numbers.

    Parameters
    ----------
    result
        The repurchase result (:class:`~repurchase.kpis.RepurchaseResult`).
    lang
        Report language (``en`` or ``zh``).

    Returns
    -------
    str
        The month's buyers (new, returning, reactivated) and revenue; 复购率 by
        customer with its change on the previous month, worded as a change only
        when it is more than chance (the overview's test: Newcombe's 95%
        interval of the difference of the two rates excludes 0 and the pooled
        z-test has p < 0.05), else "about the same", and 回购率; the share of
        first-time buyers with a second purchase by day 90 (or the longest
        horizon followed); the expected next-purchase window. The numbers are
        those of :func:`describe_headline`, :func:`describe_time_to_second`
        and :func:`describe_cycle`. Without a buyer in the month: that sentence.
    """
    h = result.headline.set_index("kpi")

    def v(k: str, col: str = "value") -> float:
        return float(h.loc[k, col]) if k in h.index and pd.notna(h.loc[k, col]) else math.nan

    buyers = v("buyers")
    month = formatting.format_month(h.loc["buyers", "basis"], lang) if "buyers" in h.index else ""
    if not buyers > 0:
        return i18n.t("repurchase.findings.no_buyers", lang, month=month)
    parts = [
        i18n.t("repurchase.findings.buyers", lang, month=month, buyers=_fmt(buyers, "count"),
               new=_fmt(v("new_buyers"), "count"), returning=_fmt(v("returning_buyers"), "count"),
               reactivated=_fmt(v("reactivated_buyers"), "count"),
               revenue=_fmt(v("revenue"), "money", result.currency, lang))
    ]  # fmt: skip
    rate, prev = v("repurchase_rate_customers"), v("repurchase_rate_customers", "prev_period")
    if np.isfinite(rate):
        news = rate_change_is_news(rate, buyers, prev, v("buyers", "prev_period"))
        change = _fmt_change(v("repurchase_rate_customers", "change_prev"), "rate", lang)
        compare = (
            "" if news is None
            else i18n.t("repurchase.findings.changed" if news else "repurchase.findings.same", lang, change=change,
                        prev=_fmt(prev, "rate"))
        )  # fmt: skip
        bb = v("buyback_rate")
        buyback = i18n.t("repurchase.findings.buyback", lang, rate=_fmt(bb, "rate")) if np.isfinite(bb) else ""
        parts.append(i18n.t("repurchase.findings.rate", lang, rate=_fmt(rate, "rate"), compare=compare,
                            buyback=buyback))  # fmt: skip
    shares = _second_shares(result.time_to_second, (30, 90, 365))
    if shares:
        day, share = next(((d, s) for d, s in shares if d == 90), shares[-1])
        parts.append(i18n.t("repurchase.findings.second", lang, share=_pct(share), day=day))
    row = result.cycle[result.cycle["group"] == "all"]
    if len(row) and np.isfinite(row["window_p90"].iloc[0]):
        low, high = _whole(row["window_median"].iloc[0]), _whole(row["window_p90"].iloc[0])
        parts.append(i18n.t("repurchase.findings.cycle", lang, low=low, high=high))
    return i18n.t("repurchase.sentence_sep", lang).join(parts)


# ---------------------------------------------------------------------------
# purchase cycle


def describe_cycle(
    cycle: pd.DataFrame, naive: Mapping[str, float], horizon_days: int = 365, lang: str = "en"
) -> str | Unavailable:
    """Plain-language reading of the purchase cycle, with the expected next-purchase window, in ``lang``."""
    row = cycle[cycle["group"] == "all"].iloc[0]
    if not np.isfinite(row["window_p90"]):  # no purchase was followed by another within the horizon
        return Unavailable("repurchase.cycle_none", {"horizon": horizon_days})
    med = row["km_median"]
    med_txt = (
        i18n.t("repurchase.cycle_median", lang, days=f"{med:,.0f}")
        if np.isfinite(med)
        else i18n.t("repurchase.cycle_no_median", lang)
    )
    return i18n.t(
        "repurchase.cycle",
        lang,
        median=med_txt,
        naive=_whole(naive.get("q50", math.nan)),
        share=_pct(row["returned_by_horizon"]),
        horizon=horizon_days,
        low=_whole(row["window_median"]),
        high=_whole(row["window_p90"]),
    )


def _days(values: pd.Series, lang: str) -> list[str]:
    """Days as whole numbers; a quantile never reached (inf) says so; blank when unknown."""
    never = i18n.t("repurchase.not_reached", lang)
    return ["" if pd.isna(v) else (f"{v:,.0f}" if np.isfinite(v) else never) for v in values]


def cycle_table(cycle: pd.DataFrame, by: str = "category", lang: str = "en") -> Table:
    """:func:`~repurchase.kpis.cycle.purchase_cycle` as shown: days, with never-reached medians said so."""
    frame = pd.DataFrame(
        {
            by: _groups(cycle["group"], lang),
            "rp_gaps": cycle["gaps"].to_numpy(),
            "rp_returned": cycle["returned"].to_numpy(),
            "rp_km_median": _days(cycle["km_median"], lang),
            "rp_km_p90": _days(cycle["km_p90"], lang),
            "rp_returned_by_horizon": cycle["returned_by_horizon"].to_numpy(),
            "rp_window_median": _days(cycle["window_median"], lang),
            "rp_window_p90": _days(cycle["window_p90"], lang),
            "rp_naive_median": _days(cycle["naive_median"], lang),
            "rp_naive_p90": _days(cycle["naive_p90"], lang),
        }
    )
    formats = {"rp_gaps": _COUNT, "rp_returned": _COUNT, "rp_returned_by_horizon": _SHARE}
    caption = i18n.t("repurchase.caption_cycle", lang)
    # a Kaplan–Meier quantile no group reaches is one sentence in the caption, not a column of "not reached"
    never = [c for c in ("km_median", "km_p90") if cycle[c].isna().all()]
    if never and len(cycle):
        frame = frame.drop(columns=[f"rp_{c}" for c in never])
        names = i18n.t("repurchase.clause_sep", lang).join(i18n.t(f"col.rp_{c}", lang) for c in never)
        caption += i18n.t("repurchase.caption_cycle_never", lang, columns=names)
    return Table(frame, formats=formats, caption=caption)


# ---------------------------------------------------------------------------
# cohorts


def describe_cohorts(cohorts: pd.DataFrame, notes: Mapping[str, Any], lang: str = "en") -> str:
    """Plain-language reading of the retention heatmap, with its caveats, in ``lang``."""
    if cohorts.empty:
        return i18n.t("repurchase.cohorts_none", lang)
    at = {}
    for age in (1, 3, 12):
        vals = cohorts[(cohorts["age"] == age) & cohorts["observable"]]
        if len(vals):
            w = vals["cohort_size"].sum()
            at[age] = float((vals["active"].sum()) / w) if w else math.nan
    keys = {1: "repurchase.cohorts_month1", 3: "repurchase.cohorts_month3", 12: "repurchase.cohorts_month12"}
    parts = [i18n.t(keys[age], lang, rate=_pct(at[age])) for age in (1, 3, 12) if age in at]
    text = (
        i18n.t("repurchase.cohorts_weighted", lang, parts=i18n.t("repurchase.clause_sep", lang).join(parts))
        if parts
        else i18n.t("repurchase.cohorts_too_young", lang)
    )
    if notes.get("left_censored"):
        lc = notes["left_censored"]
        text += i18n.t(
            "repurchase.cohorts_left_censored",
            lang,
            start=f"{notes['data_start']:%Y-%m-%d}",
            first=formatting.format_month(lc[0], lang),
            last=formatting.format_month(lc[-1], lang),
        )
    if notes.get("partial_last_month"):
        text += i18n.t(
            "repurchase.cohorts_partial",
            lang,
            end=f"{notes['data_end']:%Y-%m-%d}",
            month=formatting.format_month(notes["end_month"], lang),
        )
    return text


# ---------------------------------------------------------------------------
# what brings customers back


def describe_drivers_available(
    present: Sequence[str], columns: Sequence[str] = DRIVER_COLUMNS, lang: str = "en"
) -> str:
    """Which of the columns the driver analyses need this client's data have, in ``lang``.

    Parameters
    ----------
    present
        The columns the data have (:func:`~repurchase.kpis.drivers.driver_columns`).
    columns
        The columns the analyses use.
    """
    have = [c for c in columns if c in present]
    missing = [c for c in columns if c not in have]
    both, either = i18n.t("repurchase.and", lang), i18n.t("repurchase.or", lang)

    def names(cols: list[str], sep: str) -> str:
        return sep.join(_column_name(c, lang) for c in cols)

    if not missing:
        return i18n.t("repurchase.drivers_all", lang, columns=names(have, both))
    if not have:
        return i18n.t("repurchase.drivers_none", lang, columns=names(missing, either), codes=", ".join(missing))
    return i18n.t("repurchase.drivers_some", lang, present=names(have, both), missing=names(missing, either))


def describe_first_groups(
    table: pd.DataFrame, by: str = "category", window_days: int = 90, lang: str = "en", *, has_column: bool = False
) -> str:
    """Which first purchases bring customers back, in one or two sentences in ``lang``.

    ``has_column``: the data have the ``by`` column, so an empty table means no
    first-time buyer was observed for ``window_days`` yet (not a missing column).
    """
    name = _column_name(by, lang)
    if table.empty and has_column:
        return i18n.t("repurchase.first_groups_unobserved", lang, by=name, window=window_days)
    if table.empty:
        return i18n.t("repurchase.first_groups_missing", lang, by=name)
    ranked = table[table["group"] != "(other)"]
    overall = table["repeaters"].sum() / max(table["customers"].sum(), 1)
    if ranked.empty:
        return i18n.t("repurchase.first_groups_few", lang, by=name)
    top, low = ranked.iloc[0], ranked.iloc[-1]
    text = i18n.t(
        "repurchase.first_groups",
        lang,
        overall=_pct(overall),
        window=window_days,
        group=group_label(top["group"], lang),
        rate=_pct(top["rate"]),
        low=_pct(top["ci_low"]),
        high=_pct(top["ci_high"]),
        n=f"{int(top['customers']):,}",
    )
    if len(ranked) > 1:
        text += i18n.t(
            "repurchase.first_groups_low",
            lang,
            group=group_label(low["group"], lang),
            rate=_pct(low["rate"]),
            low=_pct(low["ci_low"]),
            high=_pct(low["ci_high"]),
            n=f"{int(low['customers']):,}",
        )
    return text + i18n.t("repurchase.sentence_end", lang)


def first_groups_table(table: pd.DataFrame, by: str = "category", lang: str = "en") -> Table:
    """:func:`~repurchase.kpis.drivers.repurchase_by_first_group` as shown (the group column named ``by``)."""
    frame = pd.DataFrame(
        {
            by: _groups(table["group"], lang),
            "rp_customers": table["customers"].to_numpy(),
            "rp_repeaters": table["repeaters"].to_numpy(),
            "rp_rate": table["rate"].to_numpy(),
            "rp_ci_low": table["ci_low"].to_numpy(),
            "rp_ci_high": table["ci_high"].to_numpy(),
        }
    )
    formats = {"rp_customers": _COUNT, "rp_repeaters": _COUNT} | dict.fromkeys(
        ("rp_rate", "rp_ci_low", "rp_ci_high"), _SHARE
    )
    caption = i18n.t(_FIRST_CAPTIONS[by], lang) if by in _FIRST_CAPTIONS else None
    return Table(frame, formats=formats, caption=caption)


def describe_pairs(rules: pd.DataFrame, by: str = "category", lang: str = "en") -> str:
    """The strongest pair bought together, in one sentence in ``lang``."""
    if rules.empty:
        return i18n.t("repurchase.pairs_none", lang, by=_column_name(by, lang))
    r = rules.iloc[0]
    key = "repurchase.pairs" if r["lift"] >= WEAK_LIFT else "repurchase.pairs_weak"
    return i18n.t(
        key,
        lang,
        a=str(r["antecedent"]),
        b=str(r["consequent"]),
        lift=f"{r['lift']:.2f}",
        confidence=_pct(r["confidence"]),
        support=_pct(r["support"]),
    )


def describe_refunds(table: pd.DataFrame, by: str = "category", lang: str = "en", *, has_column: bool = False) -> str:
    """Overall refund rate and the group with the highest one, in ``lang``.

    ``has_column``: the data have the ``by`` column, so an empty table means every
    group has too few order lines (not a missing column).
    """
    if table.empty and has_column:
        return i18n.t("repurchase.refunds_few", lang, by=_column_name(by, lang))
    if table.empty:
        return i18n.t("repurchase.refunds_missing", lang, by=_column_name(by, lang))
    overall = table["refunds"].sum() / max(table["sales"].sum(), 1e-9)
    top = table.iloc[0]
    return i18n.t(
        "repurchase.refunds",
        lang,
        overall=_pct(overall),
        group=group_label(top["group"], lang),
        rate=_pct(top["refund_rate"]),
        line_rate=_pct(top["line_refund_rate"]),
    )


def refunds_table(table: pd.DataFrame, by: str = "product_name", currency: str = "", lang: str = "en") -> Table:
    """:func:`~repurchase.kpis.drivers.refund_rates` as shown; money with :func:`~repurchase.core.formatting.format_money`."""

    def money(values: pd.Series) -> list[str]:
        return ["" if pd.isna(v) else _fmt(v, "money", currency, lang) for v in values]

    frame = pd.DataFrame(
        {
            by: _groups(table["group"], lang),
            "rp_lines": table["lines"].to_numpy(),
            "rp_refunded_lines": table["refunded_lines"].to_numpy(),
            "rp_line_refund_rate": table["line_refund_rate"].to_numpy(),
            "rp_sales": money(table["sales"]),
            "rp_refunds": money(table["refunds"]),
            "rp_refund_rate": table["refund_rate"].to_numpy(),
        }
    )
    formats = {"rp_lines": _COUNT, "rp_refunded_lines": _COUNT, "rp_line_refund_rate": _SHARE, "rp_refund_rate": _SHARE}
    return Table(frame, formats=formats, caption=i18n.t("repurchase.caption_refunds", lang))


def describe_buyer_products(
    table: pd.DataFrame, by: str = "product_name", lang: str = "en", *, has_column: bool = False
) -> str:
    """The product most over-represented among repeat buyers, in one sentence in ``lang``.

    ``has_column``: the data have the ``by`` column, so an empty table means no
    customer was observed long enough after the first purchase (not a missing column).
    """
    if table.empty and has_column:
        return i18n.t("repurchase.buyer_products_unobserved", lang)
    if table.empty:
        return i18n.t("repurchase.buyer_products_missing", lang, by=_column_name(by, lang))
    wide = table.pivot_table(index="group", columns="buyer_type", values="revenue_share", aggfunc="first").fillna(0.0)
    if not {"repeat", "one-time"} <= set(wide.columns):
        return i18n.t("repurchase.buyer_products_one_type", lang)
    diff = (wide["repeat"] - wide["one-time"]).sort_values()
    up, down = diff.index[-1], diff.index[0]
    return i18n.t(
        "repurchase.buyer_products",
        lang,
        up=group_label(up, lang),
        down=group_label(down, lang),
        up_repeat=_pct(wide.loc[up, "repeat"]),
        up_once=_pct(wide.loc[up, "one-time"]),
        down_repeat=_pct(wide.loc[down, "repeat"]),
        down_once=_pct(wide.loc[down, "one-time"]),
    )


def glossary_table(settings: RepurchaseSettings | None = None, lang: str = "en") -> Table:
    """The glossary of a report in ``lang``: term, its name in the other language, definition."""
    return Table(glossary(settings, lang=lang))
