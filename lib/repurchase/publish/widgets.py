"""Sortable, filterable report tables, offline: itables' DataTables bundle embedded in the page.

:func:`add_table_widgets` runs on the HTML of a rendered report. When the page
holds a report table (``table.rp-table``, see
:func:`repurchase.report.display.show_table`) with at least
:data:`SORTABLE_ROWS` rows, it inlines itables' offline bundle (DataTables and
jQuery, one copy per page, nothing loaded from the network) and makes each such
table sortable by a click on a header; tables with more than
:data:`SEARCH_ROWS` rows also get a filter box. Paging stays off (every row the
report shows stays visible and printable) and the rows keep their order until a
header is clicked. Numeric cells carry their raw value in ``data-order``, so
``¥1.2万`` sorts below ``¥12.5万``.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

__all__ = [
    "SEARCH_ROWS",
    "SORTABLE_ROWS",
    "add_chart_widgets",
    "add_table_widgets",
    "sortable_tables",
    "strip_vendored",
    "vega_bundle",
]

#: a report table with at least this many body rows can be sorted
SORTABLE_ROWS = 6
#: ... and with more than this many, filtered by typing
SEARCH_ROWS = 10

_TABLE_RE = re.compile(r'<table class="rp-table">(.*?)</table>', re.S)
_EXPORT_RE = re.compile(r"export\s*\{([^}]*)\}\s*;?")
#: the attribute that marks a library embedded in the page (its name is the value)
_VENDOR = "data-rp-vendor"
_VENDORED_RE = re.compile(rf"<(script|style)\b[^>]*\b{_VENDOR}=\"[^\"]*\"[^>]*>.*?</\1>\n?", re.S)


def strip_vendored(body: str) -> str:
    """``body`` without the libraries :func:`add_table_widgets` and :func:`add_chart_widgets` embedded.

    What is left is the report itself: a scan for error text or leaked data
    then reads the report, not DataTables' or Vega's source (which contains
    words such as ``DrawError:``).

    Parameters
    ----------
    body
        A rendered report page.
    """
    return _VENDORED_RE.sub("", body)


@cache
def _bundle() -> tuple[str, str]:
    """itables' offline DataTables bundle: (JavaScript with its export turned into local names, CSS)."""
    import itables

    folder = Path(itables.__file__).parent / "html"
    js = (folder / "dt_bundle.js").read_text(encoding="utf-8").rstrip()
    css = (folder / "dt_bundle.css").read_text(encoding="utf-8")
    found = list(_EXPORT_RE.finditer(js))  # the module's one export clause, before the license comments
    m = found[-1] if found else None
    if m is None:  # pragma: no cover - guards an itables upgrade that changes the bundle's shape
        raise RuntimeError("itables' dt_bundle.js no longer has an export clause; update publish/widgets.py")
    pairs = (p.strip().split(" as ") for p in m.group(1).split(","))
    names = {alias: local for local, alias in (pair for pair in pairs if len(pair) == 2)}
    js = js[: m.start()] + f"const RpITable={names['ITable']};" + js[m.end() :]
    return js.replace("</script", "<\\/script"), css.replace("</style", "<\\/style")


def sortable_tables(body: str) -> int:
    """How many report tables of ``body`` have at least :data:`SORTABLE_ROWS` body rows."""
    return sum(m.group(1).count("<tr>") - 1 >= SORTABLE_ROWS for m in _TABLE_RE.finditer(body))


_INIT = (
    "document.querySelectorAll('table.rp-table').forEach(function(t){"
    "var n=t.tBodies.length?t.tBodies[0].rows.length:0;if(n<%d){return;}"
    "new RpITable(t,{paging:false,info:false,order:[],searching:n>%d,autoWidth:false,"
    "language:{search:'',searchPlaceholder:'\\u2315'}});});"
)


def add_table_widgets(body: str) -> str:
    """``body`` with its longer report tables sortable and filterable (unchanged when there is none).

    Parameters
    ----------
    body
        A rendered report page.
    """
    if not sortable_tables(body):
        return body
    js, css = _bundle()
    init = _INIT % (SORTABLE_ROWS, SEARCH_ROWS)
    block = f'<style {_VENDOR}="datatables">{css}</style>\n<script type="module" {_VENDOR}="datatables">{js}\n{init}</script>\n'
    at = body.rfind("</body>")
    return body[:at] + block + body[at:] if at >= 0 else body + block


# ---------------------------------------------------------------------------
# charts: Vega-Lite with values on hover

_VEGA_INIT = (
    "<script>document.querySelectorAll('figure.rp-vega').forEach(function(f){"
    "var s=JSON.parse(f.querySelector('script.rp-vega-spec').textContent),v=f.querySelector('.rp-vega-view');"
    "vegaEmbed(v,s,{actions:false,renderer:'svg'}).catch(function(e){console.error(e);});});</script>\n"
)


def _cache_dir() -> Path:
    import os

    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "repurchase"


@cache
def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script (vl-convert's bundle, the one altair inlines).

    Building it takes ~10 s, so it is kept in ``~/.cache/repurchase/`` (per
    vl-convert version) and read from there afterwards.
    """
    from importlib.metadata import version

    import vl_convert

    from repurchase.core.files import write_text_atomic

    target = _cache_dir() / f"vega-embed-{version('vl-convert-python')}.js"
    if target.is_file():
        return target.read_text(encoding="utf-8")
    js = vl_convert.javascript_bundle()  # type: ignore[call-arg]  # the stub omits the default snippet
    js = js.replace("</script", "<\\/script")  # inline: the page's own </script> is the only one
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(target, js)
    except OSError:  # pragma: no cover - a read-only home: build it again next time
        pass
    return js


def add_chart_widgets(body: str) -> str:
    """``body`` with Vega inlined once when it holds a chart of :func:`repurchase.report.vega.vega_html`.

    Parameters
    ----------
    body
        A rendered report page.
    """
    if 'class="rp-vega"' not in body:
        return body
    block = f'<script {_VENDOR}="vega">{vega_bundle()}</script>\n{_VEGA_INIT}'
    at = body.rfind("</body>")
    return body[:at] + block + body[at:] if at >= 0 else body + block
