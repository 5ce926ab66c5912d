"""The last privacy check of a render: no raw customer ID in a report's output.

Reports show customer IDs masked (:mod:`repurchase.core.privacy`): tables through
``ctx.show``, and every DataFrame or Series a cell displays through the display
hook of the report context (:func:`repurchase.report.display.register_masking`).
What neither covers (a ``print(customer_id)``, an f-string, a chart label) is
caught here: each executed notebook's outputs are scanned, cell by cell, for the
client's raw customer IDs before its HTML is written, and a hit fails the
render naming the notebook and the cell, so the previous good report stays.

The scan splits the text of each output into tokens (runs of the characters
IDs are made of) and intersects them with the set of raw IDs: one set lookup
per token, never a loop over the IDs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import pandas as pd

from repurchase.core.errors import OutputError
from repurchase.core.params import Params
from repurchase.core.periods import Period
from repurchase.core.privacy import mask_ids
from repurchase.publish.html import REMOVE_TAGS

if TYPE_CHECKING:
    from repurchase.cleaning.rules import CleaningResult

__all__ = [
    "MIN_ID_LENGTH",
    "MIN_NUMERIC_ID_LENGTH",
    "RawIdError",
    "RawIds",
    "check_notebook",
    "find_raw_ids",
    "numbered_cells",
    "raw_customer_ids",
]

#: IDs shorter than this are not looked for (``A12`` would match ordinary text)
MIN_ID_LENGTH = 5
#: IDs made of digits only are looked for from this length (``12345`` would match an amount)
MIN_NUMERIC_ID_LENGTH = 8
#: output kinds that hold text (images are base64 and cannot spell an ID)
_TEXT_KINDS = ("text/plain", "text/html", "text/markdown", "text/latex", "image/svg+xml", "application/json")


class RawIdError(OutputError):
    """A report's output holds a raw customer ID."""


class RawIds:
    """The raw customer IDs of a client, and the tokenizer that finds them in text.

    Parameters
    ----------
    ids
        Customer IDs as the sources spell them (and as cleaning normalized them).
        IDs shorter than :data:`MIN_ID_LENGTH`, and digit-only IDs shorter than
        :data:`MIN_NUMERIC_ID_LENGTH`, are left out: they would match ordinary
        numbers and words.
    """

    def __init__(self, ids: Iterable[str]):
        text = pd.Series(list(ids), dtype="string").dropna().str.strip()
        text = pd.concat([text, text.str.upper(), text.str.lower()], ignore_index=True).drop_duplicates()
        numeric = text.str.fullmatch(r"\d+").fillna(False).astype(bool)
        length = text.str.len()
        keep = (length >= MIN_ID_LENGTH) & (~numeric | (length >= MIN_NUMERIC_ID_LENGTH))
        self.ids: frozenset[str] = frozenset(text[keep].tolist())
        chars = sorted(set("".join(self.ids)))
        # a token is a maximal run of the characters IDs are made of
        self._token = re.compile("[" + "".join(re.escape(c) for c in chars) + "]+") if chars else None

    def __len__(self) -> int:
        return len(self.ids)

    def find(self, text: str) -> set[str]:
        """The raw IDs that appear in ``text`` as whole tokens."""
        if self._token is None or not text:
            return set()
        return set(self._token.findall(text)) & self.ids


def raw_customer_ids(params: Params, period: Period, transactions: CleaningResult | None = None) -> RawIds:
    """The client's raw customer IDs: from every source that has them, as cleaned and as first written.

    An empty set when the params show IDs in reports (``privacy.customer_ids:
    show``): then there is nothing to protect. ``transactions`` is the
    transactions' cleaning result when the caller has it already (not read again).
    """
    from repurchase.cleaning import datasets
    from repurchase.core.params import SOURCE_ROLES

    if params.privacy.customer_ids == "show":
        return RawIds([])
    parts: list[pd.Series] = []
    for role in SOURCE_ROLES:
        if getattr(params.sources, role, None) is None:
            continue
        res = (
            transactions
            if role == "transactions" and transactions is not None
            else datasets.load_cleaning(params, period, role)
        )
        if res is None:
            continue
        if "customer_id" in res.clean.columns:
            parts.append(res.clean["customer_id"].drop_duplicates().astype("string"))
        if "written" in res.id_spelling.columns:
            parts.append(res.id_spelling["written"].astype("string"))
    ids = pd.concat(parts, ignore_index=True) if parts else pd.Series([], dtype="string")
    return RawIds(ids.dropna().drop_duplicates())


def numbered_cells(nb: Any) -> list[tuple[int, Any]]:
    """The cells of an executed notebook numbered from 1 as in the notebook file, before papermill ran it.

    Papermill adds an ``injected-parameters`` cell; it gets no number, so cell
    ``n`` of a message is the ``n``-th cell the analyst sees in JupyterLab.
    """
    cells = [c for c in nb.cells if "injected-parameters" not in c.get("metadata", {}).get("tags", [])]
    return list(enumerate(cells, start=1))


def _output_texts(output: Any) -> Iterator[str]:
    """The text of one cell output: a stream, a result's text kinds, an error's message and traceback."""
    kind = output.get("output_type")
    if kind == "stream":
        yield str(output.get("text", ""))
    elif kind in ("execute_result", "display_data"):
        data = output.get("data", {})
        for mime in _TEXT_KINDS:
            if mime in data:
                value = data[mime]
                yield value if isinstance(value, str) else "".join(value) if isinstance(value, list) else str(value)
    elif kind == "error":
        yield str(output.get("evalue", ""))
        yield "\n".join(output.get("traceback", []))


def find_raw_ids(nb: Any, ids: RawIds) -> list[tuple[int, set[str]]]:
    """The cells of an executed notebook whose outputs hold raw IDs: ``(cell number, IDs)``.

    Cells are numbered as in the notebook the analyst edits (:func:`numbered_cells`).

    What the HTML shows is scanned: markdown cells (an analyst may have typed an
    ID) and the outputs of code cells, but not code, stderr (warnings and logs)
    or cells tagged to be removed (:data:`repurchase.publish.html.REMOVE_TAGS`).
    """
    hits: list[tuple[int, set[str]]] = []
    if not len(ids):
        return hits
    for number, cell in numbered_cells(nb):
        if set(cell.get("metadata", {}).get("tags", [])) & set(REMOVE_TAGS):  # not in the HTML
            continue
        texts = [str(cell.get("source", ""))] if cell.get("cell_type") == "markdown" else []
        for output in cell.get("outputs", []) or []:
            if not (output.get("output_type") == "stream" and output.get("name") == "stderr"):  # not in the HTML
                texts.extend(_output_texts(output))
        found = set().union(*(ids.find(t) for t in texts)) if texts else set()
        if found:
            hits.append((number, found))
    return hits


def check_notebook(nb: Any, ids: RawIds, notebook: str) -> None:
    """Fail when an executed notebook's outputs hold a raw customer ID.

    Parameters
    ----------
    nb
        The executed notebook (``nbformat`` node).
    ids
        :func:`raw_customer_ids` of the client.
    notebook
        Its name, for the message.

    Raises
    ------
    RawIdError
        Naming the notebook, the first cell with an ID (and how many IDs, one
        shown masked) and the fix.
    """
    hits = find_raw_ids(nb, ids)
    if not hits:
        return
    number, found = hits[0]
    example = str(mask_ids(pd.Series(sorted(found)[:1])).iloc[0])
    more = f"; cells {', '.join(str(n) for n, _ in hits[1:6])} too" if len(hits) > 1 else ""
    source = dict(numbered_cells(nb))[number].get("source", "")
    first = source.strip().splitlines()[0][:60] if source.strip() else ""
    where = f"{notebook}, cell {number}" + (f" ({first!r})" if first else "")
    raise RawIdError(
        f"{where}: its output shows {len(found):,} raw customer ID(s) (e.g. {example}){more}; "
        "show tables with ctx.show(...) or display(frame) (customer_id columns and index levels are masked), "
        "do not print IDs; the previous report is unchanged"
    )
