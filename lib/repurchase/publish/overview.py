"""The one-page overview: KPI cards, a narrative and the customer operations plan.

The overview runs last. It reads the metrics the other notebooks recorded for
the same client and period (``<output_dir>/metrics/*.json``), the metrics of
earlier months already rendered next to it (never later ones), and the cleaned
transactions. Analyses that did not run leave their cards empty ("–") instead
of failing.
"""

from __future__ import annotations

import dataclasses
import html
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from repurchase.core import formatting, i18n
from repurchase.core.formatting import as_finite, format_change, format_value, kpi_change
from repurchase.core.periods import Period
from repurchase.core.store import ResultStore
from repurchase.core.table import Table
from repurchase.publish.changes import SIGNALS, change_signals
from repurchase.report import RichHTML as HTMLBlock
from repurchase.report import pipeline
from repurchase.report.html import sparkline_svg

#: (kpi, metrics section, metrics key, unit, better direction, trend key in repurchase.trend)
KPI_SPECS: tuple[tuple[str, str, str, str, int, str | None], ...] = (
    ("customers", "overview", "customers", "count", +1, None),
    ("buyers", "repurchase", "buyers", "count", +1, "buyers"),
    ("revenue", "repurchase", "revenue", "money", +1, "revenue"),
    ("aov", "repurchase", "aov", "money", +1, "aov"),
    ("repurchase_rate_customers", "repurchase", "repurchase_rate_customers", "rate", +1, "repurchase_rate_customers"),
    ("buyback_rate", "repurchase", "buyback_rate", "rate", +1, "buyback_rate"),
    ("churn_rate", "churn", "churn_rate", "rate", -1, None),
    ("value_at_risk", "churn", "value_at_risk", "money", -1, None),
    ("clv_total", "lifetime_value", "clv_total", "money", +1, None),
    ("nps", "satisfaction", "nps", "score", +1, None),
)


#: cards whose past months come from this month's fitted models applied to each month end (captioned as such)
MODEL_TRENDS = ("clv_total", "value_at_risk")

#: the detailed report (file name suffix) and section (catalog key of its heading) each card links to
CARD_TARGETS: dict[str, tuple[str, str]] = {
    "customers": ("repurchase", "repurchase.md.headline"),
    "buyers": ("repurchase", "repurchase.md.headline"),
    "revenue": ("repurchase", "repurchase.md.headline"),
    "aov": ("repurchase", "repurchase.md.headline"),
    "repurchase_rate_customers": ("repurchase", "repurchase.md.headline"),
    "buyback_rate": ("repurchase", "repurchase.md.headline"),
    "churn_rate": ("churn", "churn.md.trend"),
    "value_at_risk": ("churn", "churn.md.at_risk"),
    "clv_total": ("lifetime_value", "lifetime_value.md.clv"),
    "nps": ("satisfaction", "satisfaction.md.scores"),
}


def card_links(report_files: list[str], lang: str) -> dict[str, str]:
    """Per KPI card, the relative link to its detailed report's section (``05_churn.html#Churn-over-time``).

    A card whose report is not among ``report_files`` gets no link.
    """
    from repurchase.publish.html import section_anchor

    by_name = {Path(f).stem.split("_", 1)[-1]: f for f in report_files}
    links = {}
    for kpi, (name, key) in CARD_TARGETS.items():
        if name in by_name:
            links[kpi] = f"{by_name[name]}#{section_anchor(key, lang)}"
    return links


def read_metrics(output_dir: Path) -> dict[str, dict]:
    """The metrics recorded so far in this report folder's results store, by section."""
    return ResultStore(Path(output_dir) / "results").all_metrics()


def read_history(reports_dir: Path, period: Period, months: int = 12) -> dict[str, dict]:
    """``metrics.json`` of the months before ``period`` rendered in ``reports_dir`` (the client's folder).

    Only earlier months are read, so a backfilled month never sees its future.
    """
    history: dict[str, dict] = {}
    for k in range(months, 0, -1):
        label = period.shift(-k).label
        f = Path(reports_dir) / label / "metrics.json"
        if f.exists():
            try:
                history[label] = json.loads(f.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
    return history


def customer_base(
    tx: pd.DataFrame,
    period: Period,
    months: int = 12,
    *,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
) -> pd.DataFrame:
    """Customers acquired so far (cumulative) at the end of each of the last ``months`` months.

    Returns a tidy frame ``month`` (``YYYY-MM``), ``customers``; months up to ``period`` only.
    """
    tx = tx[tx[date_col] < period.end_exclusive]
    first = tx.groupby(customer_col, sort=False)[date_col].min().dt.to_period("M")
    counts = first.value_counts().sort_index()
    span = pd.period_range(period.shift(-(months + 12)).label, period.label, freq="M")
    cumulative = counts.reindex(span, fill_value=0).cumsum() + int(counts[counts.index < span[0]].sum())
    out = cumulative.iloc[-(months + 13) :]
    return pd.DataFrame({"month": out.index.astype(str), "customers": out.to_numpy()})


def _value(metrics: Mapping[str, Any], section: str, key: str) -> float | None:
    v = (metrics.get(section) or {}).get(key)
    return None if v is None or (isinstance(v, float) and not math.isfinite(v)) else float(v)


def kpi_cards(
    metrics: Mapping[str, dict],
    history: Mapping[str, dict],
    base: pd.DataFrame,
    period: Period,
    months: int = 12,
    series: Mapping[str, Mapping[str, float]] | None = None,
    limit_sigma: float = 3.0,
) -> pd.DataFrame:
    """One row per KPI: value, previous month, same month last year, change, and a 12-month series.

    Parameters
    ----------
    metrics
        This period's metrics by section (:func:`read_metrics`).
    history
        Earlier months' ``metrics.json`` by month (:func:`read_history`).
    base
        :func:`customer_base` output.
    period
        The report month.
    series
        Monthly values by KPI and ``YYYY-MM`` computed from the data (e.g. the churn
        rate of each month); used for the sparkline before reports of past months.
    limit_sigma
        The σ multiple of the monitoring control-chart limits (``monitoring.sigma``),
        for :func:`repurchase.publish.changes.change_signals`.

    Returns
    -------
    pandas.DataFrame
        ``kpi``, ``unit``, ``better`` (+1 up is good, -1 down is good), ``value``,
        ``prev_period``, ``prev_year``, ``change_prev``, ``change_year`` (points for
        rates and scores, relative change otherwise), ``good_prev``, ``good_year``
        (True/False/None), ``series`` (list of the last ``months`` values, None
        where unknown), and from the monitoring alerts (None without them)
        ``status`` (alert / watch / normal / no_baseline), ``expected_low`` and
        ``expected_high``; ``signal_prev``: whether the change from last month is
        ``significant``, ``noise`` (not significant: shown grey, "about the
        same") or ``untested`` (:func:`repurchase.publish.changes.change_signals`).
    """
    labels = [period.shift(-k).label for k in range(months - 1, -1, -1)]
    base_map = dict(zip(base["month"], base["customers"]))
    merged = {s: dict(v) for s, v in metrics.items()}
    merged.setdefault("overview", {})
    merged["overview"]["customers"] = base_map.get(period.label)
    merged["overview"]["customers_prev_period"] = base_map.get(period.previous.label)
    merged["overview"]["customers_prev_year"] = base_map.get(period.year_ago.label)
    trend = {row["month"]: row for row in (merged.get("repurchase") or {}).get("trend") or []}
    extra = series or {}
    rows = []
    for kpi, section, key, unit, better, trend_key in KPI_SPECS:
        value = _value(merged, section, key)
        prev = _value(merged, section, f"{key}_prev_period")
        year = _value(merged, section, f"{key}_prev_year")
        line: list[float | None] = []
        for label in labels:
            if label == period.label:
                line.append(value)
            elif kpi == "customers":
                line.append(base_map.get(label))
            elif trend_key and label in trend:
                line.append(trend[label].get(trend_key))
            elif label in extra.get(kpi, {}):
                line.append(as_finite(extra[kpi][label]))
            else:
                line.append(_value(history.get(label) or {}, section, key))
        if prev is None and len(line) >= 2:
            prev = line[-2]
        rows.append(
            {
                "kpi": kpi,
                "unit": unit,
                "better": better,
                "value": value,
                "prev_period": prev,
                "prev_year": year,
                "series": line,
            }
        )
    cards = pd.DataFrame(rows)
    for which in ("prev", "year"):
        ref = cards["prev_period" if which == "prev" else "prev_year"]
        changes = [kpi_change(v, r, u) for v, r, u in zip(cards["value"], ref, cards["unit"])]
        cards[f"change_{which}"] = pd.Series(changes, dtype=object)
        cards[f"good_{which}"] = pd.Series(
            [None if c is None or c == 0 else bool((c > 0) == (b > 0)) for c, b in zip(changes, cards["better"])],
            dtype=object,
        )
    for col in ("value", "prev_period", "prev_year"):
        cards[col] = pd.Series([as_finite(v) for v in cards[col]], dtype=object)
    alerts = (merged.get("monitoring") or {}).get("alerts") or {}
    for col, key in (("status", "status"), ("expected_low", "expected_low"), ("expected_high", "expected_high")):
        cards[col] = pd.Series([(alerts.get(k) or {}).get(key) for k in cards["kpi"]], dtype=object)
    cards["signal_prev"] = change_signals(cards, merged, period, limit_sigma)
    return cards


# ---------------------------------------------------------------------------
# formatting


_CARD_CSS = """<style>
.kpi-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:12px;margin:8px 0 18px}
.kpi{border:1px solid #e1e4e8;border-radius:8px;padding:10px 12px;background:#fff;box-shadow:0 1px 2px rgba(0,0,0,.04)}
.kpi .label{font-size:12px;color:#6c757d}
.kpi .value{font-size:24px;font-weight:700;color:#264653;margin:2px 0}
.kpi .chg{font-size:12px;white-space:nowrap}
.kpi .good{color:#2a9d8f}.kpi .bad{color:#e76f51}.kpi .flat{color:#8d99ae}
.kpi svg{display:block;margin-top:4px}
.kpi .note{font-size:10px;color:#8d99ae}
.kpi .status{float:right;font-size:11px;font-weight:700;border-radius:4px;padding:0 5px}
.kpi .status.alert{background:#e76f51;color:#fff}.kpi .status.watch{background:#e9c46a;color:#1d2a30}
.kpi .status.normal{color:#8d99ae;font-weight:400}
.kpi.alert{border-color:#e76f51}
a.kpi{display:block;color:inherit;text-decoration:none}a.kpi:hover{border-color:#2a9d8f}
</style>"""


def render_cards(
    cards: pd.DataFrame, period: Period, currency: str, lang: str, links: Mapping[str, str] | None = None
) -> HTMLBlock:
    """KPI cards as HTML: value, change vs last month and last year (coloured by whether it is good), sparkline.

    A card with an entry in ``links`` (:func:`card_links`) is a link to its
    detailed report's section.

    A change from last month that is not significant (``signal_prev`` ``noise``)
    is grey and worded "about the same" whatever its direction.
    """
    prev_label = formatting.format_month(period.previous.label, lang)
    year_label = formatting.format_month(period.year_ago.label, lang)
    items = []
    for c in cards.itertuples(index=False):
        parts = []
        noise = getattr(c, "signal_prev", None) == "noise"
        for change, good, ref, same in (
            (c.change_prev, c.good_prev, prev_label, noise),  # not significant: grey, "about the same"
            (c.change_year, c.good_year, year_label, False),
        ):
            cls = "flat" if good is None or same else ("good" if good else "bad")
            key = "overview.vs_same" if same else "overview.vs"
            text = i18n.t(key, lang, change=format_change(change, c.unit, lang), ref=ref)
            parts.append(f'<div class="chg {cls}">{html.escape(text)}</div>')
        status = getattr(c, "status", None)
        badge, card_cls, band = "", "kpi", None
        if status in ("alert", "watch", "normal"):
            tip = i18n.t(
                "monitoring.range",
                lang,
                low=format_value(c.expected_low, c.unit, currency, lang),
                high=format_value(c.expected_high, c.unit, currency, lang),
            )
            label = i18n.t(f"monitoring.status.{status}", lang)
            badge = f'<span class="status {status}" title="{html.escape(tip)}">{html.escape(label)}</span>'
            card_cls = "kpi" if status == "normal" else f"kpi {status}"
        if status is not None and status != "no_baseline":
            band = (c.expected_low, c.expected_high)
        href = (links or {}).get(c.kpi)
        tag, attr = ("a", f' href="{html.escape(href)}"') if href else ("div", "")
        items.append(
            f'<{tag} class="{card_cls}"{attr}>{badge}'
            f'<div class="label">{html.escape(i18n.t(f"overview.kpi.{c.kpi}", lang))}</div>'
            f'<div class="value">{html.escape(format_value(c.value, c.unit, currency, lang))}</div>'
            f"{''.join(parts)}{sparkline_svg(list(c.series), band=band)}{_trend_note(c.kpi, lang)}</{tag}>"
        )
    text = "; ".join(f"{c.kpi}={c.value}" for c in cards.itertuples(index=False))
    return HTMLBlock(_CARD_CSS + f'<div class="kpi-grid">{"".join(items)}</div>', text)


def _trend_note(kpi: str, lang: str) -> str:
    """The caption under a sparkline whose past months are model-based (``overview.trend_note.<kpi>``), else ""."""
    if kpi not in MODEL_TRENDS:
        return ""
    return f'<div class="note">{html.escape(i18n.t(f"overview.trend_note.{kpi}", lang))}</div>'


# ---------------------------------------------------------------------------
# narrative


class Sentence(str):
    """A narrative sentence; ``noise`` marks one about changes within chance variation (shown grey)."""

    noise: bool = False

    @classmethod
    def of(cls, text: str, *, noise: bool = False) -> Sentence:
        """The sentence ``text``, marked as noise or not."""
        out = cls(text)
        out.noise = noise
        return out


def _rank(known: pd.DataFrame) -> pd.DataFrame:
    """Changes ranked by significance first (significant, untested, noise), then by size.

    Size: rates and scores in points; counts and money relative, with 1 point ~ 5%.
    """
    change = known["change_prev"].astype(float).abs()
    weight = np.where(known["unit"].isin(["rate", "score"]), change, change * 20)
    signal = known["signal_prev"] if "signal_prev" in known.columns else pd.Series("untested", index=known.index)
    tier = signal.map({s: i for i, s in enumerate(SIGNALS)}).fillna(SIGNALS.index("untested"))
    return known.assign(weight=weight, tier=tier.astype(int)).sort_values(["tier", "weight"], ascending=[True, False])


def _change_sentence(c: Any, currency: str, lang: str) -> str:
    """``Churn rate rose 5.0 pts to 30.0%, the highest in 12 months.``"""
    series = [v for v in c.series if v is not None]
    extreme = ""
    if c.kpi == "customers":  # a running total is always at its highest: nothing to say
        series = []
    if len(series) >= 6 and c.value == max(series):
        extreme = i18n.t("overview.narr.highest", lang, n=len(series))
    elif len(series) >= 6 and c.value == min(series):
        extreme = i18n.t("overview.narr.lowest", lang, n=len(series))
    verb = i18n.t("overview.narr.rose" if c.change_prev > 0 else "overview.narr.fell", lang)
    return i18n.t(
        "overview.narr.change",
        lang,
        kpi=i18n.t(f"overview.kpi.{c.kpi}", lang),
        verb=verb,
        change=format_change(c.change_prev, c.unit, lang).split(" ", 1)[1],
        value=format_value(c.value, c.unit, currency, lang),
        extreme=extreme,
    )


def _same_sentence(noise: pd.DataFrame, currency: str, lang: str) -> Sentence:
    """One grey sentence for the changes within chance variation: ``About the same as last month …``."""
    items = [
        i18n.t(
            "overview.narr.same_item",
            lang,
            kpi=i18n.t(f"overview.kpi.{c.kpi}", lang),
            value=format_value(c.value, c.unit, currency, lang),
            change=format_change(c.change_prev, c.unit, lang),
        )
        for c in noise.itertuples(index=False)
    ]
    return Sentence.of(i18n.t("overview.narr.same", lang, items=i18n.t("monitoring.sep", lang).join(items)), noise=True)


def lapse_sentence(
    churn: Mapping[str, Any],
    segmentation: Mapping[str, Any],
    currency: str,
    lang: str,
    at_risk_probability: float = 0.5,
) -> str | None:
    """Who the churn model expects to lapse: count, share of active customers, threshold and value.

    Named "likely to lapse" (zh 可能流失), with its threshold, and set apart
    from the RFM segment "At Risk" when the scheme has one (a different group:
    recency and frequency scores). Without a churn model the group is the
    customers past half of θ since their last purchase. None without churn metrics.
    """
    from repurchase.churn.at_risk import RECENCY_AT_RISK_SHARE

    if churn.get("at_risk_customers") is None:
        return None
    n = int(churn["at_risk_customers"])
    active = as_finite(churn.get("active_customers"))
    share = formatting.format_percent(n / active) if active else "–"
    common = {"n": f"{n:,}", "share": share, "active": f"{int(active):,}" if active else "–"}
    if churn.get("value_at_risk") is None:  # no churn model: flagged by recency
        days = round(RECENCY_AT_RISK_SHARE * float(churn.get("threshold_days") or 0))
        text = i18n.t("overview.narr.at_risk_no_model", lang, days=days, **common)
    else:
        text = i18n.t(
            "overview.narr.at_risk",
            lang,
            threshold=formatting.format_percent(at_risk_probability, 0),
            days=int(churn.get("label_window_days") or 0),
            value=formatting.format_money(churn.get("value_at_risk"), currency, lang),
            **common,
        )
    rfm = ((segmentation.get("segments") or {}).get("at_risk") or {}).get("customers")
    if rfm is not None:
        text += i18n.t(
            "overview.narr.rfm_distinct", lang, segment=i18n.t("segments.name.at_risk", lang), n=f"{int(rfm):,}"
        )
    return text


def narrative(
    cards: pd.DataFrame,
    metrics: Mapping[str, dict],
    currency: str,
    lang: str,
    max_sentences: int = 6,
    interval_level: float = 0.9,
    at_risk_probability: float = 0.5,
) -> list[str]:
    """3-6 sentences naming the most notable changes with their numbers, in ``lang``.

    The three changes against last month that rank first come first, ranked by
    significance, then by size (:func:`_rank`, rates and scores in points;
    counts and money relative, with 1 point ~ 5% so the two compare). A change
    that is not significant (``signal_prev`` ``noise``, see
    :mod:`repurchase.publish.changes`) is never headlined: such changes share
    one grey sentence, "about the same as last month". Then who is likely to
    lapse (:func:`lapse_sentence`, with ``at_risk_probability``, the churn
    model's threshold) and what the base is worth when known, with the CLV
    interval at ``interval_level`` (``lifetime_value.interval_level``).

    Returns
    -------
    list of str
        :class:`Sentence` objects (``noise`` True for the grey one).
    """
    sentences: list[str] = list(alert_sentences(cards, currency, lang))
    known = cards[  # a change of exactly 0 (a total that did not move) is nothing to report
        [
            as_finite(v) is not None and as_finite(c) not in (None, 0.0)
            for v, c in zip(cards["value"], cards["change_prev"])
        ]
    ].copy()
    top = _rank(known).head(3) if len(known) else known
    if len(top):
        noise = top["tier"] == SIGNALS.index("noise")
        sentences += [_change_sentence(c, currency, lang) for c in top[~noise].itertuples(index=False)]
        if noise.any():
            sentences.append(_same_sentence(top[noise], currency, lang))
    lapse = lapse_sentence(
        metrics.get("churn") or {}, metrics.get("segmentation") or {}, currency, lang, at_risk_probability
    )
    if lapse:
        sentences.append(lapse)
    ltv = metrics.get("lifetime_value") or {}
    if ltv.get("clv_total") is not None:
        # the predictive interval (purchases' own randomness too) when there is one, else the parameter-only one
        kind = "predictive" if ltv.get("clv_total_predictive_low") is not None else "parameter"
        bounds = ("clv_total_predictive_low", "clv_total_predictive_high") if kind == "predictive" else (
            "clv_total_low", "clv_total_high")  # fmt: skip
        sentences.append(
            i18n.t(
                f"overview.narr.clv_{kind}",
                lang,
                months=ltv.get("horizon_months", 12),
                level=f"{interval_level:.0%}",
                value=formatting.format_money(ltv["clv_total"], currency, lang),
                low=formatting.format_money(ltv.get(bounds[0]), currency, lang),
                high=formatting.format_money(ltv.get(bounds[1]), currency, lang),
            )
        )
    sat = metrics.get("satisfaction") or {}
    named = set(top["kpi"]) if len(top) else set()
    if sat.get("nps") is not None and "nps" not in named:
        sentences.append(
            i18n.t(
                "overview.narr.nps",
                lang,
                nps=f"{sat['nps']:+.1f}",
                low=f"{sat.get('nps_low', float('nan')):+.1f}",
                high=f"{sat.get('nps_high', float('nan')):+.1f}",
                n=f"{int(sat.get('responses') or 0):,}",
            )
        )
    if not sentences:
        sentences.append(i18n.t("overview.narr.none", lang))
    return [s if isinstance(s, Sentence) else Sentence.of(s) for s in sentences[:max_sentences]]


def alert_sentences(cards: pd.DataFrame, currency: str, lang: str) -> list[str]:
    """One sentence naming the cards whose KPI is alerted this month (empty when none, or without alerts)."""
    if "status" not in cards.columns:
        return []
    hit = cards[cards["status"] == "alert"]
    if hit.empty:
        return []
    items = []
    for c in hit.itertuples(index=False):
        value = as_finite(c.value)
        above = value is not None and as_finite(c.expected_high) is not None and value > float(c.expected_high)
        items.append(
            i18n.t(
                "overview.narr.alert_item",
                lang,
                kpi=i18n.t(f"overview.kpi.{c.kpi}", lang),
                value=format_value(c.value, c.unit, currency, lang),
                direction=i18n.t(f"monitoring.direction.{'above' if above else 'below'}", lang),
                range=i18n.t(
                    "monitoring.range",
                    lang,
                    low=format_value(c.expected_low, c.unit, currency, lang),
                    high=format_value(c.expected_high, c.unit, currency, lang),
                ),
            )
        )
    return [i18n.t("overview.narr.alerts", lang, items=i18n.t("monitoring.sep", lang).join(items))]


# ---------------------------------------------------------------------------
# operations plan


def operations_plan(
    segment_table: pd.DataFrame,
    migration: pd.DataFrame,
    *,
    segment_col: str = "segment",
    labels: Mapping[str, str] | None = None,
    actions: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The customer operations plan (客户运营计划): one row per segment.

    Parameters
    ----------
    segment_table
        Segment summary with ``segment``, ``customers``, ``share``, ``revenue_share``.
    migration
        Previous period's segment (rows) -> this period's (columns), counts; its
        column sums minus new customers give nothing, its row sums give the
        previous sizes.
    labels, actions
        Display name and recommended action per segment.

    Returns
    -------
    pandas.DataFrame
        ``segment``, ``customers``, ``share``, ``revenue_share``, ``change`` (customers
        vs the previous period), ``action``, ``export``; largest revenue share first.
    """
    prev = migration.sum(axis=1)
    plan = segment_table[[segment_col, "customers", "share", "revenue_share"]].copy()
    plan["change"] = plan["customers"] - plan[segment_col].map(prev).fillna(0).astype(int)
    plan["action"] = plan[segment_col].map(actions or {}).fillna("")
    plan["export"] = "exports/segments.csv"
    if labels:
        plan[segment_col] = plan[segment_col].map(lambda s: labels.get(s, s))
    return plan.sort_values("revenue_share", ascending=False).reset_index(drop=True)


def report_links(report_files: list[str], lang: str) -> pd.DataFrame:
    """The detailed reports of this period: ``report``, ``file`` (relative links)."""
    rows = [
        {"report": i18n.t(f"overview.link.{Path(f).stem.split('_', 1)[-1]}", lang), "file": f}
        for f in report_files
        if not Path(f).stem.endswith("overview")
    ]
    return pd.DataFrame(rows, columns=["report", "file"])


def links_html(links: pd.DataFrame) -> HTMLBlock:
    """The report links as an HTML list (relative file links: offline)."""
    items = "".join(
        f'<li><a href="{html.escape(f)}">{html.escape(r)}</a></li>' for r, f in zip(links["report"], links["file"])
    )
    return HTMLBlock(f'<ul class="rp-links-list">{items}</ul>', ", ".join(links["file"]))


def overview_metrics(cards: pd.DataFrame, period: Period | None = None) -> dict:
    """``metrics.json`` under ``overview``: every card's value, comparisons and 12-month trend.

    Parameters
    ----------
    cards
        :func:`kpi_cards` output.
    period
        The report month, the last month of every card's series; without it the
        trends name no months (``months`` is empty).

    Returns
    -------
    dict
        Per KPI ``<kpi>``, ``<kpi>_prev_period`` and ``<kpi>_prev_year``, and under
        ``trends`` per KPI: ``series`` (the card's values oldest to newest, None
        where unknown), ``months`` (their ``YYYY-MM``), ``change_prev``,
        ``good_prev`` (True/False/None) and ``signal_prev`` (``significant`` /
        ``noise`` / ``untested``, None when the cards carry no signal), so the
        index can draw the trend and the direction of each KPI from one report.
    """
    out: dict = {}
    trends: dict[str, dict] = {}
    for c in cards.itertuples(index=False):
        out[c.kpi] = c.value
        out[f"{c.kpi}_prev_period"] = c.prev_period
        out[f"{c.kpi}_prev_year"] = c.prev_year
        series = [as_finite(v) for v in (c.series if isinstance(c.series, list | tuple | np.ndarray) else [])]
        n = len(series)
        signal = getattr(c, "signal_prev", None)
        good = getattr(c, "good_prev", None)
        trends[c.kpi] = {
            "series": series,
            "months": [period.shift(-k).label for k in range(n - 1, -1, -1)] if period is not None else [],
            "change_prev": as_finite(getattr(c, "change_prev", None)),
            "good_prev": None if good is None or pd.isna(good) else bool(good),
            "signal_prev": signal if isinstance(signal, str) else None,
        }
    out["trends"] = trends
    return out


# ---------------------------------------------------------------------------
# everything the overview notebook shows


@dataclass
class Overview:
    """What the overview notebook shows (see :func:`build_overview`)."""

    metrics: dict
    history: dict
    cards: pd.DataFrame
    sentences: list[str]
    plan: pd.DataFrame
    contacts: Table
    links: pd.DataFrame
    period: Period
    currency: str
    language: str
    card_links: dict[str, str] = dataclasses.field(default_factory=dict)

    def cards_html(self) -> HTMLBlock:
        """The KPI cards (:func:`render_cards`), each linking to its detailed report's section."""
        return render_cards(self.cards, self.period, self.currency, self.language, self.card_links)

    def narrative_html(self) -> HTMLBlock:
        """The narrative paragraph (:func:`narrative_html`)."""
        return narrative_html(self.sentences)

    def plan_table(self) -> Table:
        """The customer operations plan as a table spec."""
        return Table(self.plan, formats={"share": "{:.1%}", "revenue_share": "{:.1%}", "change": "{:+,}"})

    def contacts_table(self) -> Table:
        """Who to contact in the days after the period: the trigger lists of the recommendations report."""
        return self.contacts

    def links_html(self) -> HTMLBlock:
        """The links to the detailed reports (:func:`links_html`)."""
        return links_html(self.links)

    def trends_chart(self) -> HTMLBlock:
        """The cards' 12-month series as one chart with values on hover (:func:`.trend_chart.trend_chart`)."""
        from repurchase.publish.trend_chart import trend_chart

        return trend_chart(self.cards, self.period, self.currency, self.language)


def _contacts(recs: Any, lang: str) -> Table:
    """The trigger lists' counts, or why there are none (the detailed report says it too)."""
    from repurchase import recommendations

    return dataclasses.replace(recommendations.trigger_table(recs, lang), unavailable=recs.unavailable)


def build_overview(ctx: Any) -> Overview:
    """Collect metrics, history, cards, narrative, plan and links for a report context.

    Parameters
    ----------
    ctx
        The :class:`repurchase.report.ReportContext` of the overview notebook.
    """
    from repurchase import campaigns, segments
    from repurchase.cleaning.datasets import repo_root
    from repurchase.publish.render import find_notebooks

    lang, period = ctx.language, ctx.period
    for name in pipeline.STAGE_MODULES:  # computed on demand when the overview runs on its own
        ctx.result(name)
    metrics = read_metrics(ctx.output_dir)
    history = read_history(Path(ctx.output_dir).parent, period)
    tx = ctx.transactions()
    cards = kpi_cards(
        metrics,
        history,
        customer_base(tx, period),
        period,
        series=monthly_series(ctx, ctx.surveys(), metrics),
        limit_sigma=ctx.params.monitoring.sigma,
    )
    sentences = narrative(
        cards,
        metrics,
        ctx.currency,
        lang,
        interval_level=ctx.params.lifetime_value.interval_level,
        at_risk_probability=ctx.params.churn.at_risk_probability,
    )
    sentences += campaigns.text.tested_actions(ctx.result("campaigns"), lang)  # the action a campaign test proved
    seg = ctx.result("segmentation")
    overrides = ctx.params.segmentation.actions
    actions = {s: segments.recommended_action(s, lang, overrides) for s in seg.scheme.segments}
    plan = operations_plan(seg.summary, seg.migration, labels=seg.labels, actions=actions)
    files = [f"{nb.stem}.html" for nb in find_notebooks(repo_root(ctx.params) / "notebooks")]
    ov = Overview(
        metrics=metrics,
        history=history,
        cards=cards,
        sentences=sentences,
        plan=plan,
        contacts=_contacts(ctx.result("recommendations"), lang),
        links=report_links(files, lang),
        period=period,
        currency=ctx.currency,
        language=lang,
        card_links=card_links(files, lang),
    )
    ctx.record_metrics("overview", overview_metrics(cards, period))
    return ov


def monthly_series(
    ctx: Any,
    surveys: pd.DataFrame | None,
    metrics: Mapping[str, dict],
) -> dict[str, dict[str, float]]:
    """Churn rate, NPS, total CLV and value at risk of each month, for the sparklines (``{kpi: {YYYY-MM: value}}``).

    The churn rate of each month is the churn result's monthly trend
    (``ctx.result("churn").trend``); NPS the responses of each month. Total CLV
    and value at risk of the 11 months before the report month are this month's
    fitted models applied to the data as of each month end
    (``LifetimeValueResult.history``, :func:`repurchase.lifetime_value.history.clv_history`; the churn result's
    ``risk_history``, computed by the churn stage where its model lives; the cards say so).
    Missing analyses, or a month that cannot be computed, give no value.
    """
    from repurchase import satisfaction
    from repurchase.lifetime_value.history import clv_history, history_values

    out: dict[str, dict[str, float]] = {}
    if (metrics.get("churn") or {}).get("threshold_days"):
        trend = ctx.result("churn").trend.table
        trend = trend[trend["group"] == "all"]
        out["churn_rate"] = dict(zip(pd.to_datetime(trend["month"]).dt.strftime("%Y-%m"), trend["churn_rate"]))
    scores = satisfaction.scores_by_month(surveys)
    out["nps"] = dict(zip(scores["month"], scores["nps"]))
    clv: dict[str, pd.Series] = {}
    if "lifetime_value" in metrics:
        life = ctx.result("lifetime_value")
        history = getattr(life, "history", None)
        if history is None or not len(history.columns):  # a result stored without it: computed here
            history = clv_history(life, ctx.transactions(), ctx.period)
        clv = history_values(history)
    out["clv_total"] = {m: float(v.sum()) for m, v in clv.items()}
    if (metrics.get("churn") or {}).get("value_at_risk") is not None:
        out["value_at_risk"] = dict(getattr(ctx.result("churn"), "risk_history", None) or {})
    return out


def narrative_html(sentences: list[str]) -> HTMLBlock:
    """The narrative as one highlighted paragraph (sentences escaped; noise, see :class:`Sentence`, in grey)."""
    body = " ".join(
        f'<span class="rp-noise" style="color:#6c757d">{html.escape(s)}</span>'
        if getattr(s, "noise", False)
        else html.escape(s)
        for s in sentences
    )
    return HTMLBlock(f'<p class="rp-say">{body}</p>', " ".join(sentences))
