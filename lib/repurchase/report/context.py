"""The report context of a notebook: one client, one period, one output folder.

A notebook starts with::

    ctx = open_report(params_path, period=period, output_dir=output_dir)

and then shows what the analyses computed (``ctx.show(...)``). Everything a
notebook shows that comes from data goes through :mod:`repurchase.report.display`,
which escapes HTML, and customer IDs through :meth:`ReportContext.mask_ids`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from repurchase.cleaning import datasets
from repurchase.cleaning.rules import CleaningResult
from repurchase.core import formatting, i18n
from repurchase.core.errors import AnalysisError
from repurchase.core.params import SOURCE_ROLES, Params, load_params
from repurchase.core.periods import Period
from repurchase.core.privacy import mask_ids
from repurchase.core.store import ResultStore
from repurchase.report import display
from repurchase.report.display import RichHTML

__all__ = ["ID_COLUMNS", "ReportContext", "default_output_dir", "open_report"]

ID_COLUMNS = display.ID_COLUMNS


@cache
def _code_hash() -> str:
    """Hash of the package's Python files: a code change recomputes stored results."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for f in sorted(root.rglob("*.py")):
        h.update(str(f.relative_to(root)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


@dataclass
class ReportContext:
    """One client, one period, one output folder.

    Attributes
    ----------
    params
        The validated params.
    period
        The report month.
    output_dir
        The report folder: its results store (``results/``), ``exports/`` and side
        files.
    """

    params: Params
    period: Period
    output_dir: Path
    _cache: dict = field(default_factory=dict, repr=False)
    _results: dict = field(default_factory=dict, repr=False)

    @property
    def store(self) -> ResultStore:
        """The results store of this report folder (``<output_dir>/results``)."""
        return ResultStore(self.output_dir / "results")

    def result_key(self) -> str:
        """Fingerprint of everything a result of this client and period is computed from.

        The params, the period, the sources (file size and time, or the render for
        a database) and the package's code: a stored result with another key is
        recomputed.
        """
        if "_key" not in self._cache:
            h = hashlib.sha256()
            h.update(self.params.model_dump_json().encode())
            h.update(self.period.label.encode())
            for role in SOURCE_ROLES:
                if getattr(self.params.sources, role) is not None:
                    h.update(datasets.fingerprint(self.params, role, self.period.label).encode())
            h.update(_code_hash().encode())
            self._cache["_key"] = h.hexdigest()[:24]
        return self._cache["_key"]

    def result(self, name: str) -> Any:
        """The result ``name`` of this client and period, computed once.

        Read from the results store when it was computed from the same inputs
        (:meth:`result_key`); otherwise computed now, with the results it requires,
        and stored (see :mod:`repurchase.report.pipeline`). In JupyterLab a notebook
        therefore works on its own: a missing upstream result is computed on
        demand and cached in ``build/interactive/``.
        """
        if name not in self._results:
            from repurchase.report import pipeline

            stored = self.store.load(name, self.result_key())
            self._results[name] = stored if stored is not None else pipeline.compute(self, name)
        return self._results[name]

    @property
    def language(self) -> str:
        return self.params.language

    @property
    def currency(self) -> str:
        return self.params.currency

    # -- data ---------------------------------------------------------------

    def cleaning(self, role: str = "transactions") -> CleaningResult | None:
        """The cached cleaning result of a source for this period (None when absent)."""
        if role not in self._cache:
            self._cache[role] = datasets.load_cleaning(self.params, self.period, role)
        return self._cache[role]

    def transactions(self) -> pd.DataFrame:
        """Cleaned transactions up to the period end, one row per order line."""
        return self.cleaning("transactions").clean  # type: ignore[union-attr]

    def transactions_as_of(self, cutoff: pd.Timestamp) -> pd.DataFrame:
        """Cleaned transactions as they were known at ``cutoff``, for backtests inside the period.

        The raw source cleaned again with ``period_end_exclusive = cutoff``, as for
        a report period ending that day: rows on or after the cutoff are excluded
        before refunds are matched, so a refund dated later is not netted yet and
        an order line refunded in full later is still a purchase. Pass it as
        ``churn.early_warning(..., as_of=ctx.transactions_as_of)``.

        Parameters
        ----------
        cutoff
            A day boundary (00:00) on or before ``period.end_exclusive``; at the
            period end this is :meth:`transactions`.

        Notes
        -----
        Each new cutoff costs one read and cleaning of the raw source; the result
        is cached on disk (``data/cache/<client>/asof-YYYY-MM-DD/``, see
        :func:`repurchase.datasets.load_cleaning_as_of`) and in this context.
        """
        cut = pd.Timestamp(cutoff)
        if pd.isna(cut) or cut > self.period.end_exclusive:
            raise AnalysisError(
                f"transactions as of {cutoff}: the cutoff must lie on or before the period end "
                f"{self.period.end_exclusive.date()}; use a later period to look further"
            )
        if cut == self.period.end_exclusive:
            return self.transactions()
        key = ("transactions", "as_of", cut)
        if key not in self._cache:
            self._cache[key] = datasets.load_cleaning_as_of(self.params, cut, "transactions")
        return self._cache[key].clean

    def customers(self) -> pd.DataFrame | None:
        """Cleaned customers, or None when the client has no customers source."""
        res = self.cleaning("customers")
        return None if res is None else res.clean

    def surveys(self) -> pd.DataFrame | None:
        """Cleaned survey responses up to the period end, or None without a surveys source."""
        res = self.cleaning("surveys")
        return None if res is None else res.clean

    # -- outputs ------------------------------------------------------------

    def record_metrics(self, section: str, values: Mapping[str, Any]) -> dict:
        """Record headline figures for ``metrics.json`` under ``section`` (in the results store).

        Values are converted to plain JSON (NaN -> null). Returns what was written.
        """
        return self.store.write_metrics(section, values)

    def write_csv(self, frame: pd.DataFrame, relative: str) -> Path:
        """Write a CSV (UTF-8 with BOM, for Excel) at ``relative`` inside the report folder, atomically."""
        path = self.output_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        frame.to_csv(tmp, index=False, encoding="utf-8-sig")
        os.replace(tmp, path)
        return path

    def export(self, frame: pd.DataFrame, name: str) -> Path:
        """Write a CSV with real IDs to ``exports/<name>`` (for CRM, not linked from the index)."""
        return self.write_csv(frame, f"exports/{name}")

    # -- display ------------------------------------------------------------

    def mask_ids(self, ids: pd.Series) -> pd.Series:
        """Customer IDs as the params' privacy setting allows them in HTML."""
        return mask_ids(ids, self.params.privacy.customer_ids, salt=self.params.client)

    def mask_display(self) -> bool:
        """Mask customer IDs in every DataFrame and Series this IPython kernel displays.

        See :func:`repurchase.report.display.register_masking`; :func:`open_report`
        calls it when a notebook is rendered. Returns False outside IPython.
        """
        return display.register_masking(self.mask_ids)

    def show(self, item: Any, **overrides: Any) -> RichHTML | None:
        """Show what an analysis returned, the one display path of every report.

        * a :class:`~repurchase.core.table.Table` (or a DataFrame): customer IDs
          masked, headers and coded values in the report language, numbers
          formatted as its spec says, everything escaped; an empty table shows its
          reason (``Table.unavailable``) or nothing;
        * a sentence (``str``): escaped, ``**bold**`` kept;
        * an :class:`~repurchase.core.status.Unavailable`: its sentence (what, why,
          what to do);
        * a list of these: shown one after the other;
        * None or an empty sentence: nothing (the cell shows no output).

        ``overrides`` change the table's spec for this display (``caption=``,
        ``max_rows=``).
        """
        return display.render(item, lang=self.language, currency=self.currency, mask=self.mask_ids, **overrides)

    def t(self, key: str, /, **values: Any) -> str:
        """Catalog text in the report language (see :mod:`repurchase.i18n`)."""
        return i18n.t(key, self.language, **values)

    def summary(self) -> pd.DataFrame:
        """Client, period and data range as a tidy ``item``/``value`` table."""
        tx = self.transactions()
        first = tx["order_date"].min() if len(tx) else pd.NaT
        last = tx["order_date"].max() if len(tx) else pd.NaT
        return pd.DataFrame(
            {
                "item": [
                    self.t("report.client"),
                    self.t("report.period"),
                    self.t("metric.first_date"),
                    self.t("metric.last_date"),
                ],
                "value": [
                    self.params.title,
                    formatting.format_month(self.period.label, self.language),
                    "" if pd.isna(first) else first.date().isoformat(),
                    "" if pd.isna(last) else last.date().isoformat(),
                ],
            }
        )


def default_output_dir(params: Params, period: Period) -> Path:
    """Where interactive runs write: ``build/interactive/<client>/<period>/`` (git-ignored)."""
    return datasets.repo_root(params) / "build" / "interactive" / params.client / period.label


def open_report(params_path: str | Path, period: str = "latest", output_dir: str | Path = "") -> ReportContext:
    """Open the report context of a notebook.

    Parameters
    ----------
    params_path
        The client's params file.
    period
        ``YYYY-MM`` or ``latest``.
    output_dir
        The report folder being built; empty for interactive runs.

    Notes
    -----
    When ``output_dir`` is given (a render), every DataFrame and Series the
    kernel displays from then on has its customer IDs masked
    (:meth:`ReportContext.mask_display`), also in cells an analyst adds; an
    interactive run (no ``output_dir``) shows them as they are.
    """
    params = load_params(params_path)
    resolved = datasets.resolve_period(params, period)
    out = Path(output_dir) if output_dir else default_output_dir(params, resolved)
    out.mkdir(parents=True, exist_ok=True)
    ctx = ReportContext(params=params, period=resolved, output_dir=out)
    if output_dir:
        ctx.mask_display()
    return ctx
