"""``reports/index.html``: every client and period, with links and headline KPIs.

Built from the ``metrics.json`` of each rendered report; it loads nothing from
the network and escapes every value.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from repurchase.core import formatting, i18n
from repurchase.core.files import write_text_atomic
from repurchase.core.formatting import format_value
from repurchase.report.html import sparkline_svg

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


_TITLE_RE = re.compile(r"<title>(.*?)</title>", re.S)


def _page_title(page: Path) -> str:
    """The report's own title (in its language), without the client name."""
    with page.open(encoding="utf-8") as fh:
        head = fh.read(4096)
    m = _TITLE_RE.search(head)
    if not m:
        return page.stem
    return html.unescape(m.group(1)).split(" · ")[-1].strip()


def _trend_row(reports: list[dict], kpis: list[tuple[str, str, str]], lang: str) -> str:
    """A row of sparklines: each KPI across the rendered periods, oldest to newest."""
    ordered = sorted(reports, key=lambda m: str(m.get("period", "")))
    cells = []
    for sec, key, _ in kpis:
        series = [(r.get(sec) or {}).get(key) for r in ordered]
        cells.append(
            f'<td class="spark">{sparkline_svg([None if v is None else float(v) for v in series], width=90, height=22)}</td>'
        )
    return f'<tr class="trend"><td>{html.escape(i18n.t("index.trend", lang))}</td>{"".join(cells)}<td></td></tr>'


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
        htmls = sorted(folder.glob("*.html"), key=lambda p: (0 if "overview" in p.stem else 1, p.name))
        metrics["_pages"] = [(_page_title(p), f"{folder.parent.name}/{folder.name}/{p.name}") for p in htmls]
        clients.setdefault(folder.parent.name, []).append(metrics)
    for reports in clients.values():
        reports.sort(key=lambda m: str(m.get("period", "")), reverse=True)
    return clients


def write_index(out: Path) -> Path:
    """Write ``<out>/index.html`` from the rendered reports; return its path."""
    out = Path(out)
    clients = collect_reports(out)
    sections = []
    for client, reports in sorted(clients.items()):
        title = reports[0].get("title", client)
        lang = reports[0].get("language", "en")
        lang = lang if lang in i18n.LANGUAGES else "en"
        kpis = [k for k in HEADLINE_KPIS if any(k[1] in (r.get(k[0]) or {}) for r in reports)]
        head = "".join(f"<th>{html.escape(i18n.t(f'kpi.{key}', lang))}</th>" for _, key, _ in kpis)
        rows = [_trend_row(reports, kpis, lang)] if len(reports) > 1 else []
        for r in reports:
            links = " · ".join(f'<a href="{html.escape(href)}">{html.escape(name)}</a>' for name, href in r["_pages"])
            cells = "".join(
                f'<td class="num">{html.escape(format_value((r.get(sec) or {}).get(key), unit, r.get("currency", "CNY"), lang))}</td>'
                for sec, key, unit in kpis
            )
            period = str(r.get("period", ""))
            rows.append(
                f'<tr><td class="period">{html.escape(formatting.format_month(period, lang) if period else "")}'
                f"{alert_badge(r, lang)}</td>{cells}"
                f'<td class="links">{links}</td></tr>'
            )
        sections.append(
            f'<section class="client"><h2>{html.escape(str(title))} <small>{html.escape(client)}</small>'
            f"{alert_badge(reports[0], lang)}</h2>"
            f"<table><thead><tr><th>{html.escape(i18n.t('report.period', lang))}</th>{head}"
            f"<th>{html.escape(i18n.t('index.reports', lang))}</th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
        )
    body = "".join(sections) or f"<p>{html.escape(i18n.t('index.empty', 'en'))}</p>"
    title = f"{i18n.t('index.title', 'en')} · {i18n.t('index.title', 'zh')}"
    intro = f"{i18n.t('index.intro', 'en')}<br>{i18n.t('index.intro', 'zh')}"
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>
body {{ font-family: -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; max-width: 1200px; margin: 0 auto; padding: 20px 28px; color: #1d2a30; }}
h1 {{ color: #264653; border-bottom: 3px solid #264653; padding-bottom: 8px; }}
h2 small {{ color: #8d99ae; font-weight: normal; font-size: 14px; }}
table {{ border-collapse: collapse; width: 100%; font-size: 14px; margin-bottom: 28px; }}
th {{ background: #264653; color: #fff; text-align: left; padding: 6px 10px; }}
td {{ border-bottom: 1px solid #e9ecef; padding: 6px 10px; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}
td.period {{ font-weight: 600; white-space: nowrap; }}
td.links a {{ color: #2a9d8f; }}
tr.trend td {{ background: #f6f8fa; color: #6c757d; font-size: 12px; }}
.alert {{ background: #e76f51; color: #fff; border-radius: 4px; padding: 1px 6px; font-size: 12px; font-weight: 600; white-space: nowrap; }}
</style></head>
<body><h1>{html.escape(title)}</h1>
<p>{intro}</p>
{body}
</body></html>
"""
    target = out / "index.html"
    write_text_atomic(target, page)
    return target
