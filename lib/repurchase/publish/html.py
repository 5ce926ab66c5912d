"""Executed notebooks to self-contained, offline HTML reports.

The report template (``templates/report``) extends nbconvert's ``lab`` template
without require.js, MathJax or widget scripts, hides code, parameter cells and
error banners, adds the header (client, period, generation time, data range)
and a table of contents built from the ``##`` headings.

The header carries a report bar (:func:`report_bar`): the client's other
reports of the same month, and the same report of the previous and next month
when that month's folder holds it at render time. A section whose heading cell
has the metadata ``"rp": {"collapse": true}`` (method, diagnostics, model
internals) is rendered inside a closed ``<details>`` whose ``<summary>`` is
the section's heading (:func:`collapsed_sections`, :func:`collapse_sections`):
the table of contents still lists it, and a click on a link to it (or to
anything inside it) opens it.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from repurchase.core import formatting, i18n
from repurchase.core.files import write_text_atomic
from repurchase.core.i18n import EditedCell, localize_notebook
from repurchase.core.params import Params
from repurchase.publish.widgets import add_chart_widgets, add_table_widgets

__all__ = [
    "REMOVE_TAGS",
    "TEMPLATE_DIR",
    "Collapsed",
    "collapse_sections",
    "collapsed_sections",
    "edited_cell_warning",
    "neighbour_months",
    "notebook_title",
    "notebook_to_html",
    "refresh_bars",
    "report_bar",
    "report_header",
    "report_name",
    "section_anchor",
    "warn_edited_cells",
]

PACKAGE_DIR = Path(__file__).resolve().parents[1]
TEMPLATE_DIR = PACKAGE_DIR / "templates"
REMOVE_TAGS = ("parameters", "injected-parameters", "papermill-error-cell-tag", "remove-cell")


@cache
def _exporter() -> Any:
    """The HTML exporter, built once per process (templates and CSS are read once)."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    c = Config()
    c.HTMLExporter.exclude_input = True
    c.HTMLExporter.exclude_input_prompt = True
    c.HTMLExporter.exclude_output_prompt = True
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_TAGS)
    c.TemplateExporter.extra_template_basedirs = [str(TEMPLATE_DIR)]
    c.TemplateExporter.extra_template_paths = [str(TEMPLATE_DIR), str(TEMPLATE_DIR / "report")]
    exporter = HTMLExporter(config=c, template_name="report")
    return exporter


@cache
def _css() -> str:
    return (TEMPLATE_DIR / "report" / "report.css").read_text(encoding="utf-8")


_HEADING_RE = re.compile(r'<h([23]) id="([^"]+)">(.*?)<a class="anchor-link"', re.S)


def _toc(body: str, label: str) -> str:
    items = []
    for level, anchor, text in _HEADING_RE.findall(body):
        if level == "2":
            items.append(f'<li><a href="#{anchor}">{text}</a></li>')
    if not items:
        return ""
    return f'<nav class="rp-toc"><strong>{html.escape(label)}</strong><ol>{"".join(items)}</ol></nav>'


# ---------------------------------------------------------------------------
# collapsed sections

_MD_HEADING_RE = re.compile(r"^(#{1,6})\s+\S", re.M)


def _heading_level(source: str) -> int | None:
    """The level of the first markdown heading in a cell (``## x`` -> 2), or None."""
    m = _MD_HEADING_RE.search(source)
    return len(m.group(1)) if m else None


@dataclass(frozen=True)
class Collapsed:
    """A section to render closed: from the heading cell ``first`` up to (not including) the cell ``end``.

    ``end`` is the next heading cell of the same or a higher level (None: the
    section runs to the end of the notebook).
    """

    first: str
    end: str | None
    level: int


def collapsed_sections(nb: Any) -> list[Collapsed]:
    """The sections of a notebook whose heading cell has ``"rp": {"collapse": true}`` in its metadata.

    A section runs until the next heading of the same or a higher level; cells
    removed from the report (:data:`REMOVE_TAGS`) neither start nor end one.
    Cells without an id (nbformat < 4.5) cannot be found in the HTML and are skipped.
    """
    cells = [c for c in nb.cells if not set(c.get("metadata", {}).get("tags", [])) & set(REMOVE_TAGS) and c.get("id")]
    levels = [_heading_level(c.source) if c.cell_type == "markdown" else None for c in cells]
    out = []
    for i, cell in enumerate(cells):
        level = levels[i]
        if level is None or not (cell.get("metadata", {}).get("rp") or {}).get("collapse"):
            continue
        end = next((cells[j].id for j in range(i + 1, len(cells)) if (levels[j] or 99) <= level), None)
        out.append(Collapsed(first=cell.id, end=end, level=level))
    return out


def _cell_start(body: str, cell_id: str) -> int:
    m = re.search(rf'<div\b[^>]*\bid="cell-id={re.escape(cell_id)}"[^>]*>', body)
    return -1 if m is None else m.start()


_NEXT_CELL_RE = re.compile(r'<div\b[^>]*\bid="cell-id=')
_HTML_HEADING_RE = re.compile(r"<h([1-6])\b[^>]*>.*?</h\1>", re.S)

#: opens the collapsed section holding the target of an in-page link (a TOC entry, a finding's evidence);
#: the id is looked up as written first: nbconvert's ids of Chinese headings are percent-encoded text
OPEN_SCRIPT = (
    "<script>(function(){function o(h){if(!h||h.length<2){return;}var s=h.slice(1),t=document.getElementById(s);"
    "if(!t){try{t=document.getElementById(decodeURIComponent(s));}catch(e){}}"
    "for(var e=t;e;e=e.parentElement){if(e.tagName==='DETAILS'){e.open=true;}}}"
    "document.addEventListener('click',function(ev){var a=ev.target.closest&&ev.target.closest('a[href^=\"#\"]');"
    "if(a){o(a.getAttribute('href'));}});"
    "window.addEventListener('hashchange',function(){o(location.hash);});o(location.hash);})();</script>"
)


def collapse_sections(body: str, sections: Sequence[Collapsed], hint: str) -> str:
    """Wrap each section in a closed ``<details class="rp-collapse">``; its heading becomes the ``<summary>``.

    ``body`` is the HTML of the notebook (each cell a ``<div … id="cell-id=…">``
    directly inside ``<main>``). The heading element (with its ``id``, so the
    table of contents and links still reach it) moves into the summary, followed
    by ``hint``; ``</details>`` goes before the cell that ends the section, or
    before ``</main>``. A section whose heading cell is not in the HTML is left
    open. When anything was collapsed, :data:`OPEN_SCRIPT` is added after
    ``</main>`` (inline, no network).
    """
    main_end = body.rfind("</main>")
    if main_end < 0:
        main_end = len(body)
    ops: list[tuple[int, int, int, str, int]] = []  # (position, order, level, text, end of a removed span)
    for sec in sections:
        start = _cell_start(body, sec.first)
        if start < 0:
            continue
        nxt = _cell_start(body, sec.end) if sec.end else -1
        stop = nxt if nxt > start else main_end
        later = _NEXT_CELL_RE.search(body, start + 1)
        cell_end = min(later.start() if later else main_end, main_end)
        heading = _HTML_HEADING_RE.search(body, start, cell_end)
        if heading is None:
            continue
        summary = f'{heading.group(0)}<span class="rp-collapse-hint">{html.escape(hint)}</span>'
        ops.append((start, 1, sec.level, f'<details class="rp-collapse"><summary>{summary}</summary>', start))
        ops.append((heading.start(), 2, 0, "", heading.end()))
        ops.append((stop, 0, -sec.level, "</details>", stop))
    if not ops:
        return body
    ops.sort(key=lambda op: op[:3])  # at one place: closes (innermost first), then opens (outermost first)
    pieces, cursor = [], 0
    for pos, _, _, text, skip_to in ops:
        pieces.append(body[cursor:pos] + text)
        cursor = skip_to
    pieces.append(body[cursor:])
    out = "".join(pieces)
    at = out.rfind("</main>")
    return out[: at + 7] + OPEN_SCRIPT + out[at + 7 :] if at >= 0 else out + OPEN_SCRIPT


def section_anchor(key: str, lang: str) -> str:
    """The ``id`` nbconvert gives the heading of the catalog cell ``key`` in ``lang`` (for links into a report).

    nbconvert's rule (``nbconvert.filters.strings._convert_header_id``): spaces
    become ``-``, characters not allowed in a URL fragment are percent-encoded.
    """
    from urllib.parse import quote

    first = next((ln for ln in i18n.t(key, lang).splitlines() if ln.startswith("#")), "")
    return quote(first.lstrip("#").strip().replace(" ", "-"), safe="?/:@!$&'()*+,;=")


# ---------------------------------------------------------------------------
# the report bar


def report_name(file: str, lang: str) -> str:
    """The short name of a report in the report language (``05_churn.html`` -> Churn and at-risk customers)."""
    key = f"overview.link.{Path(file).stem.split('_', 1)[-1]}"
    return i18n.t(key, lang) if i18n.has(key, lang) else Path(file).stem


def _shift_month(label: str, months: int) -> str:
    year, month = (int(x) for x in label.split("-")[:2])
    k = year * 12 + month - 1 + months
    return f"{k // 12:04d}-{k % 12 + 1:02d}"


def neighbour_months(client_dir: Path, period: str, file: str) -> tuple[str | None, str | None]:
    """The previous and next calendar month whose folder under ``client_dir`` holds ``file`` now, else None."""
    found = []
    for step in (-1, 1):
        month = _shift_month(period, step)
        found.append(month if (Path(client_dir) / month / file).is_file() else None)
    return found[0], found[1]


def report_bar(
    current: str,
    reports: Sequence[str],
    lang: str,
    previous: str | None = None,
    following: str | None = None,
) -> str:
    """The report bar of a header, as HTML (plain links, no script).

    Parameters
    ----------
    current
        This report's file name (``05_churn.html``): shown, marked, not a link.
    reports
        The file names of the client's reports of the month, in order (the
        overview is listed first).
    lang
        The report language (the names: :func:`report_name`).
    previous, following
        ``YYYY-MM`` of the months whose folder holds the same report (see
        :func:`neighbour_months`), or None: no link.
    """
    items = []
    for f in sorted(reports, key=lambda f: not Path(f).stem.endswith("overview")):  # the overview first
        name = html.escape(report_name(f, lang))
        if f == current:
            items.append(f'<li><strong aria-current="page">{name}</strong></li>')
        else:
            items.append(f'<li><a href="{html.escape(f)}">{name}</a></li>')
    months = []
    for month, key, rel in ((previous, "report.previous_month", "prev"), (following, "report.next_month", "next")):
        if month:
            text = html.escape(i18n.t(key, lang, month=formatting.format_month(month, lang)))
            months.append(f'<a class="rp-month" rel="{rel}" href="../{month}/{html.escape(current)}">{text}</a>')
    label = html.escape(i18n.t("report.reports_bar", lang))
    return (
        f'<nav class="rp-bar" aria-label="{label}"><ul>{"".join(items)}</ul>'
        + (f'<span class="rp-months">{" ".join(months)}</span>' if months else "")
        + "</nav>"
    )


_BAR_RE = re.compile(r'<nav\b[^>]*\bclass="rp-bar"[^>]*>.*?</nav>', re.S)  # the exporter may reorder attributes


def refresh_bars(client_dir: Path, period: str, lang: str) -> list[Path]:
    """Rewrite the report bar of the reports of the months next to ``period``; return the pages rewritten.

    A month rendered before its next month existed has no link to it: once
    ``period`` is in place, the bars of the previous and next month's reports
    are built again from what ``client_dir`` holds now (nothing else in those
    pages changes; a page without a bar is left alone).
    """
    done = []
    for step in (-1, 1):
        folder = Path(client_dir) / _shift_month(period, step)
        if not folder.is_dir():
            continue
        files = sorted(p.name for p in folder.glob("[0-9]*.html"))
        for name in files:
            page = folder / name
            text = page.read_text(encoding="utf-8")
            prev, nxt = neighbour_months(client_dir, folder.name, name)
            m = _BAR_RE.search(text)
            if m is None:
                continue
            new = text[: m.start()] + report_bar(name, files, lang, prev, nxt) + text[m.end() :]
            if new != text:
                write_text_atomic(page, new)
                done.append(page)
    return done


#: (notebook, cell, key, language) already warned about in this process: one line per edited cell
_WARNED: set[tuple[str, int, str, str]] = set()


def edited_cell_warning(notebook: str, cell: EditedCell, lang: str) -> str:
    """The warning for a markdown cell kept as the analyst edited it although ``lang`` has a translation."""
    return (
        f"warning: {notebook}, cell {cell.index} ({cell.key}): its text differs from the catalog's English text, "
        f"so it is kept as written and the {lang} report shows it untranslated; to translate it, put the new text "
        f"under {cell.key} in resources/i18n/en/ and resources/i18n/{lang}/ (or restore the catalog text)"
    )


def warn_edited_cells(notebook: str, cells: list[EditedCell], lang: str) -> list[str]:
    """Print :func:`edited_cell_warning` once per edited cell that has a translation; return what was printed.

    A cell is warned about once per process (a backfill of several months, or a
    notebook converted again, prints it once).
    """
    printed = []
    for cell in cells:
        seen = (notebook, cell.index, cell.key, lang)
        if cell.translated and seen not in _WARNED:
            _WARNED.add(seen)
            printed.append(edited_cell_warning(notebook, cell, lang))
            print(printed[-1], flush=True)
    return printed


def notebook_to_html(executed: Path | Any, target: Path, header: dict) -> Path:
    """Convert an executed notebook to a self-contained HTML report.

    Parameters
    ----------
    executed
        The executed notebook: its ``.ipynb`` file, or the notebook itself as
        papermill returned it (not read again).
    target
        The ``.html`` file to write (atomically).
    header
        ``title``, ``brand``, ``meta`` (list of (label, value)), ``index_label``,
        ``toc_label``, ``language``, ``lang``; optionally ``notebook``, the name
        warnings give (default: ``<target stem>.ipynb``).

    Notes
    -----
    Markdown cells are translated by :func:`repurchase.core.i18n.localize_notebook`:
    a cell an analyst edited is kept, with a warning (:func:`warn_edited_cells`)
    when the report language has a translation of the catalog text.
    """
    import nbformat

    nb = executed if isinstance(executed, nbformat.NotebookNode) else nbformat.read(executed, as_version=4)
    lang = header.get("lang", "en")
    warn_edited_cells(header.get("notebook") or f"{Path(target).stem}.ipynb", localize_notebook(nb, lang), lang)
    for cell in nb.cells:
        if cell.cell_type == "code":
            # warnings and logs stay in the executed notebook, not in the stakeholder report
            cell.outputs = [
                o
                for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
    sections = collapsed_sections(nb)
    nb.metadata["title"] = header["title"]
    resources = {
        "repurchase": header,
        "repurchase_css": _css(),
        "language_code": header.get("language", "en"),
    }
    body, _ = _exporter().from_notebook_node(nb, resources=resources)
    body = collapse_sections(body, sections, i18n.t("report.show_details", lang))
    body = body.replace("<!--RP-TOC-->", _toc(body, header.get("toc_label", "Contents")), 1)
    body = add_chart_widgets(add_table_widgets(body))
    write_text_atomic(target, body)
    return target


def report_header(
    params: Params,
    period: str,
    nb_path: Path,
    data_range: str,
    reports: Sequence[str] = (),
    client_dir: Path | None = None,
) -> dict:
    """The header of one report: brand, title, client, period, generation time and data range.

    With ``reports`` (the file names of the month's reports) the header has a
    report bar (``bar``, :func:`report_bar`), with links to the same report of
    the neighbouring months found in ``client_dir`` (the client's final reports
    folder, not the staging one).
    """
    lang = params.language
    current = f"{Path(nb_path).stem}.html"
    bar = ""
    if reports:
        prev, nxt = neighbour_months(client_dir, period, current) if client_dir is not None else (None, None)
        bar = report_bar(current, reports, lang, prev, nxt)
    return {
        "bar": bar,
        "brand": i18n.t("report.brand", lang),
        "title": f"{params.title} · {notebook_title(nb_path, lang)}",
        "meta": [
            (i18n.t("report.client", lang), params.title),
            (i18n.t("report.period", lang), formatting.format_month(period, lang)),
            (i18n.t("report.generated", lang), dt.datetime.now().strftime("%Y-%m-%d %H:%M")),
            (i18n.t("report.data_range", lang), data_range),
        ],
        "index_label": i18n.t("report.all_reports", lang),
        "toc_label": i18n.t("report.contents", lang),
        "language": "zh-CN" if lang == "zh" else "en",
        "lang": lang,
    }


def notebook_title(nb_path: Path, lang: str = "en") -> str:
    """The ``# Title`` of a notebook's first heading, in the report language."""
    import nbformat

    nb = nbformat.read(nb_path, as_version=4)
    localize_notebook(nb, lang)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return nb_path.stem
