"""``reports/index.html``: a client × month view with each client's headline KPIs and their direction.

Built from the ``metrics.json`` of each rendered report; it loads nothing from
the network and escapes every value. At the top, one row per client (its
latest rendered month): each headline KPI's value, its change from the
previous month (▲/▼, green when good, red when bad, grey "about the same" when
the change is within chance variation or zero) and a 12-month sparkline. The
overview records the direction and the 12-month series of each card in
``metrics.json`` (``overview.trends``, see
:func:`repurchase.publish.overview.overview_metrics`), so one rendered month is
enough; a report without them (an older ``metrics.json``) falls back to the
previous-month figures of its sections and to the months rendered so far.
Below, per client, every rendered month with links to its reports.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

from repurchase.core import formatting, i18n
from repurchase.core.files import write_text_atomic
from repurchase.core.formatting import as_finite, format_change, format_value, kpi_change
from repurchase.core.periods import Period, PeriodError
from repurchase.report.html import sparkline_svg

__all__ = ["HEADLINE_KPIS", "LOWER_IS_BETTER", "Headline", "alert_badge", "collect_reports", "headline", "write_index"]

#: (section, key, unit) of the KPIs shown when a report recorded them; labels are ``kpi.<key>``;
#: monthly figures of the report month, money in the client's currency
HEADLINE_KPIS: tuple[tuple[str, str, str], ...] = (
    ("overview", "customers", "count"),
    ("repurchase", "buyers", "count"),
    ("repurchase", "revenue", "money"),
    ("repurchase", "repurchase_rate_customers", "rate"),
    ("repurchase", "buyback_rate", "rate"),
    ("churn", "churn_rate", "rate"),
    ("lifetime_value", "clv_total", "money"),
    ("satisfaction", "nps", "score"),
)

#: the KPIs whose fall is good, as in ``overview.KPI_SPECS`` (not imported: the overview imports the
#: renderer, which writes this index); for reports recorded without the overview's directions
LOWER_IS_BETTER: frozenset[str] = frozenset({"churn_rate", "value_at_risk"})

_TITLE_RE = re.compile(r"<title>(.*?)</title>", re.S)


def _page_title(page: Path) -> str:
    """The report's own title (in its language), without the client name."""
    with page.open(encoding="utf-8") as fh:
        head = fh.read(4096)
    m = _TITLE_RE.search(head)
    if not m:
        return page.stem
    return html.unescape(m.group(1)).split(" · ")[-1].strip()


def _month(label: str, lang: str) -> str:
    """``YYYY-MM`` as a month name in ``lang``; anything else as it is."""
    try:
        return formatting.format_month(Period.from_label(label).label, lang) if label else ""
    except (PeriodError, ValueError, IndexError):
        return label


def _language(report: dict) -> str:
    lang = report.get("language", "en")
    return lang if lang in i18n.LANGUAGES else "en"


def alert_badge(metrics: dict, lang: str) -> str:
    """A badge naming the KPIs alerted in a report (``monitoring.alerted`` of its metrics); empty when none."""
    alerted = [str(k) for k in ((metrics.get("monitoring") or {}).get("alerted") or [])]
    if not alerted:
        return ""
    names = ", ".join(
        i18n.t(f"monitoring.kpi.{k}", lang) if i18n.has(f"monitoring.kpi.{k}", lang) else k for k in alerted
    )
    label = i18n.t("monitoring.index.alerts", lang, n=len(alerted))
    return f' <span class="alert" title="{html.escape(names)}">{html.escape(label)}: {html.escape(names)}</span>'


def collect_reports(out: Path) -> dict[str, list[dict]]:
    """Metrics of every rendered report, by client, newest period first."""
    clients: dict[str, list[dict]] = {}
    for metrics_file in sorted(Path(out).glob("*/*/metrics.json")):
        folder = metrics_file.parent
        if folder.name.startswith((".", "_")) or folder.parent.name.startswith((".", "_")):
            continue
        try:
            metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(metrics, dict):
            continue
        htmls = sorted(folder.glob("*.html"), key=lambda p: (0 if "overview" in p.stem else 1, p.name))
        metrics["_pages"] = [(_page_title(p), f"{folder.parent.name}/{folder.name}/{p.name}") for p in htmls]
        clients.setdefault(folder.parent.name, []).append(metrics)
    for reports in clients.values():
        reports.sort(key=lambda m: str(m.get("period", "")), reverse=True)
    return clients


# ---------------------------------------------------------------------------
# one KPI of one client: value, direction, trend


@dataclass(frozen=True)
class Headline:
    """One headline KPI of a client's latest report (see :func:`headline`).

    Attributes
    ----------
    value
        The report month's value (None when unknown).
    change
        Change from the previous month: points for rates and scores, relative
        change otherwise (None when unknown).
    good
        Whether the change is good (True / False), None when unknown or zero.
    signal
        ``significant``, ``noise`` (within chance variation) or ``untested``.
    series
        The values of the months in ``months``, oldest to newest, None where unknown.
    months
        ``YYYY-MM`` of each value of ``series``.
    """

    value: float | None
    change: float | None
    good: bool | None
    signal: str
    series: list[float | None]
    months: list[str]

    @property
    def flat(self) -> bool:
        """True when the change reads "about the same": within chance variation, or zero."""
        return self.change is not None and (self.signal == "noise" or self.change == 0)


def headline(reports: list[dict], section: str, key: str, unit: str) -> Headline:
    """One headline KPI of a client: its latest report's value, change from last month and 12-month trend.

    Parameters
    ----------
    reports
        The client's metrics, newest period first (:func:`collect_reports`).
    section, key, unit
        An entry of :data:`HEADLINE_KPIS`.

    Returns
    -------
    Headline
        From the overview's recorded card (``overview.trends.<key>``) when the
        latest report has one; otherwise the change is computed from the
        section's ``<key>_prev_period``, untested, and the series are the
        values of the rendered months.
    """
    latest = reports[0]
    value = as_finite((latest.get(section) or {}).get(key))
    trend = ((latest.get("overview") or {}).get("trends") or {}).get(key)
    if isinstance(trend, dict):
        series = [as_finite(v) for v in (trend.get("series") or [])]
        months = [str(m) for m in (trend.get("months") or [])]
        change = as_finite(trend.get("change_prev"))
        good = trend.get("good_prev")
        signal = trend.get("signal_prev")
        return Headline(
            value=value,
            change=change,
            good=good if isinstance(good, bool) else None,
            signal=signal if isinstance(signal, str) else "untested",
            series=series,
            months=months if len(months) == len(series) else [],
        )
    prev = (latest.get(section) or {}).get(f"{key}_prev_period")
    if prev is None:
        prev = (latest.get("overview") or {}).get(f"{key}_prev_period")
    change = kpi_change(value, as_finite(prev), unit)
    good = None if change is None or change == 0 else (change > 0) != (key in LOWER_IS_BETTER)
    ordered = reports[::-1]
    return Headline(
        value=value,
        change=change,
        good=good,
        signal="untested",
        series=[as_finite((r.get(section) or {}).get(key)) for r in ordered],
        months=[str(r.get("period", "")) for r in ordered],
    )


def _direction(h: Headline, unit: str, period: str, lang: str) -> str:
    """The change from last month as a small coloured line (empty when unknown)."""
    if h.change is None:
        return ""
    change = format_change(h.change, unit, lang)
    try:
        ref = formatting.format_month(Period.from_label(period).previous.label, lang)
    except (PeriodError, ValueError):
        ref = ""
    if h.flat:
        text, cls = i18n.t("index.same", lang, change=change), "flat"
        tip = i18n.t("overview.vs_same", lang, change=change, ref=ref)
    else:
        text, cls = change, "flat" if h.good is None else ("good" if h.good else "bad")
        tip = i18n.t("overview.vs", lang, change=change, ref=ref)
    return f'<div class="chg {cls}" title="{html.escape(tip)}">{html.escape(text)}</div>'


def _spark(h: Headline, lang: str) -> str:
    """The sparkline of ``h.series``, titled with the months it covers (empty with fewer than 2 values)."""
    svg = sparkline_svg(h.series, width=96, height=22)
    if not svg:
        return ""
    known = [m for m, v in zip(h.months, h.series) if v is not None and m]
    tip = f"{_month(known[0], lang)} – {_month(known[-1], lang)}" if len(known) >= 2 else ""
    return f'<div class="trend" title="{html.escape(tip)}">{svg}</div>'


def _label(key: str, langs: list[str]) -> str:
    """A column heading in every language of the table's clients."""
    return "<br>".join(f'<span lang="{lang}">{html.escape(i18n.t(key, lang))}</span>' for lang in dict.fromkeys(langs))


def _summary(clients: dict[str, list[dict]]) -> str:
    """The client × KPI table of every client's latest month."""
    latest = {client: reports[0] for client, reports in sorted(clients.items())}
    kpis = [k for k in HEADLINE_KPIS if any(k[1] in (r.get(k[0]) or {}) for r in latest.values())]
    langs = sorted({_language(r) for r in latest.values()}, key=lambda lang: lang != "en")
    head = "".join(f"<th>{_label(f'kpi.{key}', langs)}</th>" for _, key, _ in kpis)
    rows = []
    for client, r in latest.items():
        lang = _language(r)
        currency = str(r.get("currency", "CNY"))
        period = str(r.get("period", ""))
        alerted = {str(k) for k in ((r.get("monitoring") or {}).get("alerted") or [])}
        cells = []
        for sec, key, unit in kpis:
            h = headline(clients[client], sec, key, unit)
            cls = "kpi alerted" if key in alerted else "kpi"
            cells.append(
                f'<td class="{cls}" data-kpi="{key}"><div class="v">{html.escape(format_value(h.value, unit, currency, lang))}</div>'
                f"{_direction(h, unit, period, lang)}{_spark(h, lang)}</td>"
            )
        pages = r.get("_pages") or []
        month = html.escape(_month(period, lang))
        if pages:
            month = f'<a href="{html.escape(pages[0][1])}">{month}</a>'
        rows.append(
            f'<tr lang="{lang}" data-client="{html.escape(client)}"><td class="client"><a href="#{html.escape(_anchor(client))}">'
            f"{html.escape(str(r.get('title', client)))}</a> <small>{html.escape(client)}</small></td>"
            f'<td class="period">{month}</td>{"".join(cells)}</tr>'
        )
    legend = "<br>".join(html.escape(i18n.t("index.legend", lang)) for lang in langs)
    return (
        f'<section class="summary"><h2>{_label("index.latest", langs)}</h2>'
        f'<table class="summary"><thead><tr><th>{_label("report.client", langs)}</th>'
        f"<th>{_label('report.period', langs)}</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f'<p class="legend">{legend}</p></section>'
    )


def _anchor(client: str) -> str:
    """The id of a client's section."""
    return "client-" + re.sub(r"[^A-Za-z0-9_-]", "_", client)


def _client_section(client: str, reports: list[dict]) -> str:
    """A client's rendered months, newest first, each with its headline KPIs and the links to its reports."""
    title = reports[0].get("title", client)
    lang = _language(reports[0])
    kpis = [k for k in HEADLINE_KPIS if any(k[1] in (r.get(k[0]) or {}) for r in reports)]
    head = "".join(f"<th>{html.escape(i18n.t(f'kpi.{key}', lang))}</th>" for _, key, _ in kpis)
    rows = []
    for r in reports:
        links = " · ".join(
            f'<a href="{html.escape(href)}">{html.escape(name)}</a>' for name, href in r.get("_pages") or []
        )
        cells = "".join(
            f'<td class="num">{html.escape(format_value((r.get(sec) or {}).get(key), unit, str(r.get("currency", "CNY")), lang))}</td>'
            for sec, key, unit in kpis
        )
        rows.append(
            f'<tr><td class="period">{html.escape(_month(str(r.get("period", "")), lang))}'
            f"{alert_badge(r, lang)}</td>{cells}"
            f'<td class="links">{links}</td></tr>'
        )
    return (
        f'<section class="client" id="{html.escape(_anchor(client))}" lang="{lang}">'
        f"<h2>{html.escape(str(title))} <small>{html.escape(client)}</small>"
        f"{alert_badge(reports[0], lang)}</h2>"
        f"<table><thead><tr><th>{html.escape(i18n.t('report.period', lang))}</th>{head}"
        f"<th>{html.escape(i18n.t('index.reports', lang))}</th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
    )


_CSS = """
body { font-family: -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; max-width: 1280px; margin: 0 auto; padding: 20px 28px; color: #1d2a30; }
h1 { color: #264653; border-bottom: 3px solid #264653; padding-bottom: 8px; }
h2 small { color: #8d99ae; font-weight: normal; font-size: 14px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; margin-bottom: 28px; }
th { background: #264653; color: #fff; text-align: left; padding: 6px 10px; vertical-align: bottom; }
td { border-bottom: 1px solid #e9ecef; padding: 6px 10px; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.period { font-weight: 600; white-space: nowrap; }
td.links a, td.client a, td.period a { color: #2a9d8f; }
td.client small { color: #8d99ae; }
table.summary { margin-bottom: 6px; }
table.summary th { font-size: 12px; }
td.kpi { vertical-align: top; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.kpi .v { font-size: 16px; font-weight: 700; color: #264653; }
td.kpi .chg { font-size: 11px; }
td.kpi .good { color: #2a9d8f; } td.kpi .bad { color: #e76f51; } td.kpi .flat { color: #8d99ae; }
td.kpi svg { display: block; margin-top: 2px; }
td.kpi.alerted { box-shadow: inset 3px 0 0 #e76f51; }
p.legend { color: #6c757d; font-size: 12px; margin: 0 0 28px; }
.alert { background: #e76f51; color: #fff; border-radius: 4px; padding: 1px 6px; font-size: 12px; font-weight: 600; white-space: nowrap; }
"""


def write_index(out: Path) -> Path:
    """Write ``<out>/index.html`` from the rendered reports; return its path.

    Parameters
    ----------
    out
        The reports folder (``<out>/<client>/<YYYY-MM>/metrics.json``).

    Returns
    -------
    pathlib.Path
        ``<out>/index.html``: the client × KPI table of every client's latest
        month, then each client's rendered months with links to their reports.
    """
    out = Path(out)
    clients = collect_reports(out)
    sections = [_client_section(client, reports) for client, reports in sorted(clients.items())]
    if sections:
        body = _summary(clients) + "".join(sections)
    else:
        body = f"<p>{html.escape(i18n.t('index.empty', 'en'))}</p>"
    title = f"{i18n.t('index.title', 'en')} · {i18n.t('index.title', 'zh')}"
    intro = f"{html.escape(i18n.t('index.intro', 'en'))}<br>{html.escape(i18n.t('index.intro', 'zh'))}"
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>{_CSS}</style></head>
<body><h1>{html.escape(title)}</h1>
<p>{intro}</p>
{body}
</body></html>
"""
    target = out / "index.html"
    write_text_atomic(target, page)
    return target
