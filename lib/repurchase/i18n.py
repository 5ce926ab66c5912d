"""Report language: message catalogs (en, zh) and locale formatting.

Every text a report shows (headings, labels, axis titles, table headers,
glossary entries, actions, narrative sentences) comes from one catalog per
language, ``resources/i18n/<lang>.yaml``. Keys are dotted (``cleaning.title``).

The catalog of a language is the folder ``resources/i18n/<lang>/``: one YAML file
per analysis (``core.yaml``, ``repurchase.yaml`` …), merged; a key may be
defined in one file only.

* Library code calls :func:`t` with the report language.
* Markdown cells of a notebook carry their key in ``metadata.i18n``; the
  notebook's own text is the English catalog entry (a test keeps them equal),
  and :func:`localize_notebook` swaps in the report language before rendering.
* Table headers are translated from ``col.<column>`` keys by
  :func:`translate_columns`.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import pandas as pd
import yaml

from .errors import RepurchaseError

LANGUAGES = ("en", "zh")
CATALOG_DIR = Path(__file__).resolve().parent / "resources" / "i18n"
#: keys built at run time from data values (``col.<column>``, ``rule.<rule>`` …);
#: the catalog test checks that the part after the prefix occurs in the code
DYNAMIC_PREFIXES = ("col.", "rule.", "rulename.", "outcome.", "metric.")
CURRENCY_SYMBOLS = {"CNY": "¥", "RMB": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "HKD": "HK$"}
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class CatalogError(RepurchaseError):
    """A message key is missing from a catalog."""


def _flatten(tree: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, full + "."))
        else:
            flat[full] = str(value)
    return flat


def catalog_files(lang: str) -> list[Path]:
    """The files of a language's catalog: ``resources/i18n/<lang>/*.yaml``, one per analysis."""
    return sorted((CATALOG_DIR / lang).glob("*.yaml"))


@lru_cache(maxsize=None)
def catalog(lang: str) -> dict[str, str]:
    """The flattened message catalog of a language (all its files merged).

    Raises
    ------
    CatalogError
        For an unsupported language, or a key defined in two files.
    """
    if lang not in LANGUAGES:
        raise CatalogError(f"language {lang!r} is not supported; use one of {', '.join(LANGUAGES)}")
    merged: dict[str, str] = {}
    origin: dict[str, Path] = {}
    for path in catalog_files(lang):
        for key, text in _flatten(yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            if key in merged:
                raise CatalogError(f"message {key!r} is defined in both {origin[key].name} and {path.name} ({lang}); keep one")
            merged[key] = text
            origin[key] = path
    return merged


def t(key: str, lang: str = "en", /, **values: Any) -> str:
    """The text of ``key`` in ``lang``, formatted with ``values`` (``str.format``).

    Raises
    ------
    CatalogError
        When the key is missing, naming the catalog file to add it to.
    """
    try:
        text = catalog(lang)[key]
    except KeyError:
        raise CatalogError(f"message {key!r} is missing from the {lang} catalog ({CATALOG_DIR / lang}/*.yaml)") from None
    return text.format(**values) if values else text


def has(key: str, lang: str = "en") -> bool:
    """Whether ``key`` exists in the catalog of ``lang``."""
    return key in catalog(lang)


def translate_columns(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Rename columns that have a ``col.<name>`` entry; others keep their name."""
    cat = catalog(lang)
    mapping = {c: cat[f"col.{c}"] for c in frame.columns if f"col.{c}" in cat}
    return frame.rename(columns=mapping)


def translate_values(values: pd.Series, prefix: str, lang: str) -> pd.Series:
    """Map codes (rule names, outcomes …) to their ``<prefix>.<code>`` text where one exists."""
    cat = catalog(lang)
    return values.map(lambda v: cat.get(f"{prefix}.{v}", v))


# ---------------------------------------------------------------------------
# locale formatting


def format_number(value: float | int | None, lang: str = "en", digits: int = 1) -> str:
    """Compact numbers: 12.3K / 4.5M in English, 1.2万 / 3.4亿 in Chinese."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    v = float(value)
    a = abs(v)
    # (from, divide by, unit): English keeps 1,234 whole and writes 12.3K from ten thousand on
    units = ((1e8, 1e8, "亿"), (1e4, 1e4, "万")) if lang == "zh" else ((1e9, 1e9, "B"), (1e6, 1e6, "M"), (1e4, 1e3, "K"))
    for start, size, unit in units:
        if a >= start:
            return f"{v / size:,.{digits}f}{unit}"
    return f"{v:,.0f}" if a >= 100 or v == int(v) else f"{v:,.{digits + 1}f}"


def format_money(value: float | None, currency: str = "CNY", lang: str = "en", digits: int = 1) -> str:
    """Money with its symbol and compact units, e.g. ¥1.2万 or ¥12.3K."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    symbol = CURRENCY_SYMBOLS.get(currency.upper(), currency + " ")
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{format_number(abs(value), lang, digits)}"


def format_percent(value: float | None, digits: int = 1) -> str:
    """A share as a percentage, e.g. 0.234 -> 23.4%."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value * 100:.{digits}f}%"


def format_month(label: str, lang: str = "en") -> str:
    """``YYYY-MM`` as a month name: 2026年10月, or Oct 2026."""
    year, month = label.split("-")[:2]
    if lang == "zh":
        return f"{int(year)}年{int(month)}月"
    return f"{_MONTHS_EN[int(month) - 1]} {year}"


# ---------------------------------------------------------------------------
# notebooks


def localize_notebook(nb: Any, lang: str) -> Any:
    """Swap the text of markdown cells carrying ``metadata.i18n`` for ``lang`` (in place)."""
    for cell in nb.cells:
        key = cell.get("metadata", {}).get("i18n")
        if cell.cell_type == "markdown" and key:
            cell.source = t(key, lang)
    return nb


def notebook_keys(cells: Iterable[Any]) -> list[str]:
    """The catalog keys of a notebook's markdown cells."""
    return [c["metadata"]["i18n"] for c in cells if c.get("cell_type") == "markdown" and c.get("metadata", {}).get("i18n")]
