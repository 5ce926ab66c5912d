"""The raw-ID check of a render: analyst cells cannot put real customer IDs in a report."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from repurchase.publish.leaks import RawIdError, RawIds, check_notebook, find_raw_ids

ROOT = Path(__file__).resolve().parents[2]
IDS = RawIds(["KX00017", "kx00018", " KX00019 ", "A12", "12345", "13800138000", None])


def test_raw_ids_keep_spellings_and_skip_what_would_match_ordinary_text():
    # as written, upper- and lower-cased, stripped; too short (A12) and short digit-only (12345) IDs left out
    assert IDS.ids == frozenset({"KX00017", "kx00017", "KX00018", "kx00018", "KX00019", "kx00019", "13800138000"})
    assert IDS.find("<td>KX00017</td> and kx00018; total 12345, phone 13800138000") == {
        "KX00017",
        "kx00018",
        "13800138000",
    }
    assert IDS.find("K******7 KX000170 XKX00017 A12") == set()  # masked, or part of a longer token: not the ID
    assert RawIds([]).find("KX00017") == set()


def _executed(*cells: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.cells = list(cells)
    return nb


def _code(*outputs: nbformat.NotebookNode, tags: list[str] | None = None) -> nbformat.NotebookNode:
    cell = new_code_cell("x")
    cell.outputs = list(outputs)
    if tags:
        cell.metadata["tags"] = tags
    return cell


def test_the_scan_names_each_cell_whose_report_output_shows_an_id():
    nb = _executed(
        new_markdown_cell("# Title"),
        _code(new_output("stream", name="stdout", text="top buyer KX00017\n")),  # print(): in the HTML
        _code(new_output("stream", name="stderr", text="warning about KX00018")),  # stderr: not in the HTML
        _code(new_output("execute_result", data={"text/html": "<td>K******8</td>", "text/plain": "K******8"})),
        _code(new_output("display_data", data={"text/plain": "kx00019"}), tags=["remove-cell"]),  # removed
        new_markdown_cell("Call KX00019 first"),  # typed by an analyst
        _code(new_output("display_data", data={"image/png": "S1gwMDAxNw==", "text/plain": "<Figure>"})),
    )
    assert find_raw_ids(nb, IDS) == [(2, {"KX00017"}), (6, {"KX00019"})]
    with pytest.raises(RawIdError, match=r"^05_churn\.ipynb, cell 2 \('x'\): its output shows 1 raw customer ID\(s\) "
                       r"\(e\.g\. K\*\*\*\*\*7\); cells 6 too; .*the previous report is unchanged$"):  # fmt: skip
        check_notebook(nb, IDS, "05_churn.ipynb")
    check_notebook(nb, RawIds([]), "05_churn.ipynb")  # privacy.customer_ids: show -> nothing to look for


# ---------------------------------------------------------------------------
# end to end: an analyst's cells in a copy of a real notebook


def _client(tmp_path: Path) -> tuple[Path, list[str]]:
    ids = [f"KX{n:05d}" for n in range(1, 13)]
    lines = ["cust,day,paid"]
    for k, cid in enumerate(ids):
        lines += [f"{cid},2026-0{1 + k % 3}-{10 + k},{20 + k}", f"{cid},2026-03-{10 + k},{5 + k}"]
    (tmp_path / "tx.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "params").mkdir()
    p = tmp_path / "params" / "analyst.yaml"
    p.write_text(
        "client: analyst\ntitle: Analyst\nsources:\n  transactions:\n    path: tx.csv\n"
        "    columns: {customer_id: cust, order_date: day, amount: paid}\n",
        encoding="utf-8",
    )
    return p, ids


ANALYST_CELLS = (
    'tx = ctx.transactions()\ntx.groupby("customer_id")["amount"].sum().sort_values(ascending=False).head()',
    'display(tx.groupby("customer_id").agg(orders=("amount", "size")).head(3))',
    'tx.groupby("customer_id", as_index=False)["amount"].sum().head(4)',
)


@pytest.mark.render
@pytest.mark.heavy
def test_analyst_cells_show_masked_ids_and_a_printed_id_fails_the_render(tmp_path):
    from repurchase.publish.render import render_reports

    params, ids = _client(tmp_path)
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    shutil.copy(ROOT / "notebooks" / "01_cleaning.ipynb", nbs / "01_cleaning.ipynb")
    nb = nbformat.read(nbs / "01_cleaning.ipynb", as_version=4)
    nb.cells += [new_code_cell(code) for code in ANALYST_CELLS]
    nbformat.write(nb, nbs / "01_cleaning.ipynb")
    out = tmp_path / "reports"

    (ok,) = render_reports([params], "2026-03", out=out, notebooks_dir=nbs)
    assert ok.ok, ok.error
    page = (ok.report_dir / "01_cleaning.html").read_text(encoding="utf-8")
    assert not set(re.findall(r"[A-Za-z0-9]+", page)) & set(ids)  # no raw ID, in the Series, index or column
    assert page.count("K*****") >= 3 + 3 + 4  # each analyst cell shows its rows, masked

    before = page
    nb.cells.append(new_code_cell('print("call", tx["customer_id"].iloc[0])'))
    nbformat.write(nb, nbs / "01_cleaning.ipynb")
    (bad,) = render_reports([params], "2026-03", out=out, notebooks_dir=nbs)
    assert not bad.ok
    cell = len(nb.cells)  # numbered as the analyst sees it (papermill's injected parameters cell is not counted)
    assert (
        f"""01_cleaning.ipynb, cell {cell} ('print("call", tx["customer_id"].iloc[0])'): its output shows 1 raw"""
        in bad.error
    ), bad.error
    assert bad.failed_notebook is not None and bad.failed_notebook.exists()  # the executed notebook, for debugging
    assert (ok.report_dir / "01_cleaning.html").read_text(encoding="utf-8") == before  # the good report stays
    assert not list((out / "analyst").glob(".*staging*"))
