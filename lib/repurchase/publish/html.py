"""Executed notebooks to self-contained, offline HTML reports.

The report template (``templates/report``) extends nbconvert's ``lab`` template
without require.js, MathJax or widget scripts, hides code, parameter cells and
error banners, adds the header (client, period, generation time, data range)
and a table of contents built from the ``##`` headings.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from functools import cache
from pathlib import Path
from typing import Any

from repurchase.core import formatting, i18n
from repurchase.core.files import write_text_atomic
from repurchase.core.i18n import EditedCell, localize_notebook
from repurchase.core.params import Params

__all__ = [
    "REMOVE_TAGS",
    "TEMPLATE_DIR",
    "edited_cell_warning",
    "notebook_title",
    "notebook_to_html",
    "report_header",
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
    nb.metadata["title"] = header["title"]
    resources = {
        "repurchase": header,
        "repurchase_css": _css(),
        "language_code": header.get("language", "en"),
    }
    body, _ = _exporter().from_notebook_node(nb, resources=resources)
    body = body.replace("<!--RP-TOC-->", _toc(body, header.get("toc_label", "Contents")), 1)
    write_text_atomic(target, body)
    return target


def report_header(params: Params, period: str, nb_path: Path, data_range: str) -> dict:
    """The header of one report: brand, title, client, period, generation time and data range."""
    lang = params.language
    return {
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
