"""Executed notebooks to HTML: the catalog keeps an analyst's edits and says so once per cell."""

from __future__ import annotations

from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from repurchase.core import i18n
from repurchase.publish import html as report_html


def _header(lang: str) -> dict:
    return {
        "title": "T",
        "brand": "B",
        "meta": [],
        "index_label": "I",
        "toc_label": "C",
        "language": lang,
        "lang": lang,
    }


def _notebook(edited_text: str):
    nb = new_notebook()
    injected = new_code_cell("params_path = 'x'")
    injected.metadata["tags"] = ["injected-parameters"]  # papermill's: not counted in the cell numbers
    nb.cells = [
        new_markdown_cell(i18n.t("cleaning.md.title", "en")),
        injected,
        new_markdown_cell(edited_text),
    ]
    nb.cells[0].metadata["i18n"], nb.cells[2].metadata["i18n"] = "cleaning.md.title", "cleaning.md.rules"
    return nb


def test_an_edited_cell_is_kept_with_one_warning_naming_notebook_and_cell(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(report_html, "_WARNED", set())
    edited = "## Rows per rule\n\nOur own explanation of the rules."
    target = tmp_path / "01_cleaning.html"
    report_html.notebook_to_html(_notebook(edited), target, _header("zh"))
    page = target.read_text(encoding="utf-8")
    assert "数据清洗" in page  # the unedited title is translated
    assert "Our own explanation of the rules." in page  # the edit is kept
    out = capsys.readouterr().out
    assert out.count("warning:") == 1
    assert "warning: 01_cleaning.ipynb, cell 2 (cleaning.md.rules): its text differs from the catalog's English" in out
    assert "resources/i18n/zh/" in out
    report_html.notebook_to_html(_notebook(edited), target, _header("zh"))  # the same cell again (a backfill)
    assert "warning:" not in capsys.readouterr().out


def test_an_unedited_cell_is_replaced_and_english_reports_do_not_warn(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(report_html, "_WARNED", set())
    target = tmp_path / "01_cleaning.html"
    report_html.notebook_to_html(_notebook(i18n.t("cleaning.md.rules", "en")), target, _header("zh"))
    page = target.read_text(encoding="utf-8")
    assert i18n.t("cleaning.md.rules", "zh").splitlines()[0].lstrip("# ") in page
    report_html.notebook_to_html(_notebook("## Rows per rule\n\nEdited."), target, _header("en"))
    assert "Edited." in target.read_text(encoding="utf-8") and capsys.readouterr().out == ""
