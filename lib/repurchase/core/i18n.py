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
  and :func:`localize_notebook` swaps in the report language before rendering,
  but only in cells whose text still equals the English entry: a cell an
  analyst edited is kept (and reported, see :class:`EditedCell`).
* Table headers are translated from ``col.<column>`` keys by
  :func:`translate_columns`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from repurchase.core.errors import RepurchaseError

LANGUAGES = ("en", "zh")
CATALOG_DIR = Path(__file__).resolve().parents[1] / "resources" / "i18n"
#: keys built at run time from data values (``col.<column>``, ``rule.<rule>`` …);
#: the catalog test checks that the part after the prefix occurs in the code
DYNAMIC_PREFIXES = ("col.", "rule.", "rulename.", "outcome.", "metric.")


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


#: libyaml's safe loader when PyYAML was built with it (5-10x faster on the catalogs, same result), else PyYAML's
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def catalog_files(lang: str) -> list[Path]:
    """The files of a language's catalog: ``resources/i18n/<lang>/*.yaml``, one per analysis."""
    return sorted((CATALOG_DIR / lang).glob("*.yaml"))


@cache
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
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)  # a safe loader
        for key, text in _flatten(data or {}).items():
            if key in merged:
                raise CatalogError(
                    f"message {key!r} is defined in both {origin[key].name} and {path.name} ({lang}); keep one"
                )
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
        raise CatalogError(
            f"message {key!r} is missing from the {lang} catalog ({CATALOG_DIR / lang}/*.yaml)"
        ) from None
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
# notebooks


@dataclass(frozen=True)
class EditedCell:
    """A markdown cell with a catalog key whose text no longer equals the English catalog text.

    Attributes
    ----------
    index
        Position of the cell in the notebook file (1 = the first cell; a cell
        papermill injected is not counted).
    key
        Its catalog key (``metadata.i18n``).
    translated
        Whether the report language has its own text for the key (then the
        analyst's edit stays in English while the rest of the report is translated).
    """

    index: int
    key: str
    translated: bool


def localize_notebook(nb: Any, lang: str) -> list[EditedCell]:
    """Swap the text of unedited markdown cells carrying ``metadata.i18n`` for ``lang`` (in place).

    A cell is replaced by the catalog text of ``lang`` only while its text still
    equals the English catalog text: an analyst's edit is kept as written.

    Parameters
    ----------
    nb
        The notebook (``nbformat`` node), changed in place.
    lang
        The report language.

    Returns
    -------
    list of EditedCell
        The cells kept because their text differs from the English catalog
        (also when the key is missing from the catalog), in notebook order.
    """
    en, target = catalog("en"), catalog(lang)
    edited: list[EditedCell] = []
    # numbered as in the notebook file: papermill's injected parameters cell is not counted
    cells = [c for c in nb.cells if "injected-parameters" not in c.get("metadata", {}).get("tags", [])]
    for index, cell in enumerate(cells, start=1):
        key = cell.get("metadata", {}).get("i18n")
        if cell.cell_type != "markdown" or not key:
            continue
        if key in en and cell.source == en[key]:
            cell.source = target.get(key, cell.source)
        else:
            edited.append(EditedCell(index, str(key), lang != "en" and key in target))
    return edited


def notebook_keys(cells: Iterable[Any]) -> list[str]:
    """The catalog keys of a notebook's markdown cells."""
    return [
        c["metadata"]["i18n"] for c in cells if c.get("cell_type") == "markdown" and c.get("metadata", {}).get("i18n")
    ]
