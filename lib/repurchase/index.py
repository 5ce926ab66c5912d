"""``reports/index.html``: every client and period, with links and headline KPIs.

Built from the ``metrics.json`` of each rendered report; it loads nothing from
the network and escapes every value.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from .report import write_text_atomic

#: (section, key, label, format) of the KPIs shown when a report recorded them
HEADLINE_KPIS: tuple[tuple[str, str, str, str], ...] = (
    ("cleaning", "customers", "Customers", "{:,.0f}"),
    ("cleaning", "revenue", "Revenue", "{:,.0f}"),
    ("repurchase", "buyers", "Buyers", "{:,.0f}"),
    ("repurchase", "repurchase_rate_customers", "Repurchase rate 复购率", "{:.1%}"),
    ("repurchase", "buyback_rate", "Buy-back rate 回购率", "{:.1%}"),
    ("churn", "churn_rate", "Churn rate", "{:.1%}"),
    ("lifetime_value", "clv_total", "Predicted CLV", "{:,.0f}"),
    ("satisfaction", "nps", "NPS", "{:+.1f}"),
    ("cleaning", "excluded_rows", "Rows excluded", "{:,.0f}"),
)


def _label(stem: str) -> str:
    name = stem.split("_", 1)[-1] if stem[:2].isdigit() else stem
    return name.replace("_", " ").title()


def _fmt(value: object, fmt: str) -> str:
    if value is None:
        return "–"
    try:
        return fmt.format(value)
    except (ValueError, TypeError):
        return str(value)


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
        metrics["_pages"] = [(p.stem, f"{folder.parent.name}/{folder.name}/{p.name}") for p in htmls]
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
        kpis = [k for k in HEADLINE_KPIS if any(k[1] in (r.get(k[0]) or {}) for r in reports)]
        head = "".join(f"<th>{html.escape(label)}</th>" for _, _, label, _ in kpis)
        rows = []
        for r in reports:
            links = " · ".join(
                f'<a href="{html.escape(href)}">{html.escape(_label(stem))}</a>' for stem, href in r["_pages"]
            )
            cells = "".join(
                f'<td class="num">{html.escape(_fmt((r.get(sec) or {}).get(key), fmt))}</td>' for sec, key, _, fmt in kpis
            )
            rows.append(
                f'<tr><td class="period">{html.escape(str(r.get("period", "")))}</td>{cells}'
                f'<td class="links">{links}</td></tr>'
            )
        sections.append(
            f'<section class="client"><h2>{html.escape(str(title))} <small>{html.escape(client)}</small></h2>'
            f'<table><thead><tr><th>Period</th>{head}<th>Reports</th></tr></thead><tbody>{"".join(rows)}</tbody></table></section>'
        )
    body = "".join(sections) or "<p>No reports rendered yet. Run <code>make reports</code>.</p>"
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Repurchase reports</title>
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
</style></head>
<body><h1>Customer repurchase reports · 复购分析报告</h1>
<p>Every client and period rendered in this folder. Open a report for the details; all pages work offline.</p>
{body}
</body></html>
"""
    target = out / "index.html"
    write_text_atomic(target, page)
    return target
