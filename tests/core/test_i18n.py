"""Message catalogs: same keys and placeholders in every language, no unused key, notebooks in sync."""

from __future__ import annotations

import re
import string
from pathlib import Path

import nbformat
import pytest

from repurchase.core import formatting, i18n

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _sources() -> str:
    parts = [p.read_text(encoding="utf-8") for p in (ROOT / "lib" / "repurchase").rglob("*.py")]
    for nb_path in NOTEBOOKS:
        nb = nbformat.read(nb_path, as_version=4)
        parts += [c.source for c in nb.cells if c.cell_type == "code"]
        parts += [repr(i18n.notebook_keys(nb.cells))]
    return "\n".join(parts)


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_key_in_both_catalogs_with_the_same_placeholders():
    en, zh = i18n.catalog("en"), i18n.catalog("zh")
    assert sorted(set(en) - set(zh)) == [], "missing in the zh catalog"
    assert sorted(set(zh) - set(en)) == [], "missing in the en catalog"
    assert [p.name for p in i18n.catalog_files("en")] == [p.name for p in i18n.catalog_files("zh")]
    wrong = [k for k in en if _fields(en[k]) != _fields(zh[k])]
    assert wrong == [], f"placeholders differ: {wrong}"


def test_every_key_is_used():
    src = _sources()
    quoted = set(re.findall(r"[\"']([A-Za-z0-9_.]+)[\"']", src))
    # keys built at run time: f"prefix.{...}" in code, or a dynamic prefix whose suffix is a literal (a column, a rule …)
    fprefixes = set(re.findall(r"f[\"']([a-z_]+\.[a-z_.]*)\{", src))
    unused = []
    for key in i18n.catalog("en"):
        if key in quoted:
            continue
        if any(key.startswith(p) and key[len(p) :] in quoted for p in fprefixes | set(i18n.DYNAMIC_PREFIXES)):
            continue
        unused.append(key)
    assert unused == [], f"catalog keys no code or notebook uses: {unused}"


def test_missing_key_is_a_clear_error():
    with pytest.raises(i18n.CatalogError, match=r"message 'no.such.key' is missing from the en catalog"):
        i18n.t("no.such.key", "en")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_markdown_matches_the_english_catalog(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        key = cell.metadata.get("i18n")
        if cell.cell_type == "markdown" and key:
            assert cell.source == i18n.t(key, "en"), f"{path.name}: cell {key} differs from en.yaml"


def test_localize_notebook_swaps_markdown():
    nb = nbformat.read(ROOT / "notebooks" / "01_cleaning.ipynb", as_version=4)
    i18n.localize_notebook(nb, "zh")
    assert nb.cells[0].source.startswith("# 数据清洗")


@pytest.mark.parametrize(
    "value,currency,lang,expected",
    [
        (12345, "CNY", "zh", "¥1.2万"),
        (12345, "CNY", "en", "¥12.3K"),
        (3.4e8, "CNY", "zh", "¥3.4亿"),
        (2.5e6, "USD", "en", "$2.5M"),
        (999, "CNY", "en", "¥999"),
        (-12345, "CNY", "zh", "-¥1.2万"),
        (None, "CNY", "en", "–"),
    ],
)
def test_format_money(value, currency, lang, expected):
    assert formatting.format_money(value, currency, lang) == expected


def test_format_month_and_percent():
    assert formatting.format_month("2026-10", "zh") == "2026年10月"
    assert formatting.format_month("2026-10", "en") == "Oct 2026"
    assert formatting.format_percent(0.2345) == "23.4%"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_markdown_cell_has_a_catalog_key(path):
    nb = nbformat.read(path, as_version=4)
    missing = [c.source[:40] for c in nb.cells if c.cell_type == "markdown" and not c.metadata.get("i18n")]
    assert missing == [], f"{path.name}: markdown without metadata.i18n: {missing}"


def test_localize_notebook_replaces_only_unedited_cells():
    from nbformat.v4 import new_markdown_cell, new_notebook

    title, outcomes = i18n.t("cleaning.md.title", "en"), i18n.t("cleaning.md.outcomes", "en")
    nb = new_notebook()
    nb.cells = [new_markdown_cell(title), new_markdown_cell(outcomes + "\n\nOur note."), new_markdown_cell("# Mine")]
    nb.cells[0].metadata["i18n"], nb.cells[1].metadata["i18n"] = "cleaning.md.title", "cleaning.md.outcomes"
    nb.cells[2].metadata["i18n"] = "no.such.key"  # a key the catalog lacks: kept too
    edited = i18n.localize_notebook(nb, "zh")
    assert nb.cells[0].source == i18n.t("cleaning.md.title", "zh")  # unedited: translated
    assert nb.cells[1].source == outcomes + "\n\nOur note." and nb.cells[2].source == "# Mine"  # edited: kept
    assert edited == [i18n.EditedCell(2, "cleaning.md.outcomes", True), i18n.EditedCell(3, "no.such.key", False)]
    nb.cells[0].source, nb.cells[1].source = title, outcomes + " Edited."
    assert i18n.localize_notebook(nb, "en") == [
        i18n.EditedCell(2, "cleaning.md.outcomes", False),  # English: nothing to translate, nothing to warn about
        i18n.EditedCell(3, "no.such.key", False),
    ]
    assert nb.cells[1].source == outcomes + " Edited."


def test_the_catalog_equals_pure_python_yaml():
    # the catalogs load with libyaml's safe loader when it is there: the same messages as PyYAML's own
    import yaml

    from repurchase.core import i18n

    for lang in i18n.LANGUAGES:
        expected: dict[str, str] = {}
        for path in i18n.catalog_files(lang):
            expected.update(i18n._flatten(yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)))
        assert i18n.catalog(lang) == expected and len(expected) > 1000
