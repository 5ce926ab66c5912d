"""Cleaned datasets, cached on disk as Parquet and rebuilt when missing or stale.

Every notebook reads cleaned data through :func:`load_cleaning` (or the
:class:`repurchase.report.ReportContext` methods built on it). The cache lives
in ``data/cache/<client>/<period>/`` and is keyed by a fingerprint of the
source file (size and modification time), its spec, the cleaning settings and
the code of the reader and the rules, so a change to any of them rebuilds it.
Writes are atomic: parallel renders of one client never see half a file.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd

from repurchase.cleaning import io, parsing, profile, rules
from repurchase.cleaning.rules import CleaningResult
from repurchase.core.errors import AnalysisError, PeriodError
from repurchase.core.params import Params, SourceSpec, find_repo_root
from repurchase.core.periods import Period, latest_complete_month

#: the code a cleaned dataset depends on: a change to it rebuilds the cache
_CODE_FILES = (rules.__file__, parsing.__file__, profile.__file__, io.__file__)


def repo_root(params: Params) -> Path:
    """The repository that holds the params file (for ``data/`` and ``reports/``)."""
    if params.source_file is None:
        return Path.cwd()
    return find_repo_root(Path(params.source_file).parent)


#: set by a render for its notebooks' kernels, so that a database source is read once per render
RUN_ID_ENV = "REPURCHASE_RUN_ID"
_PROCESS_RUN = f"process-{os.getpid()}-{time.time_ns()}"


def _source_stamp(spec: SourceSpec) -> dict:
    """What identifies a source's content: a file's size and modification time.

    A database can change without a file to look at, so its data is reused only
    within one render (the ``REPURCHASE_RUN_ID`` the render sets) or, outside a
    render, within one process.
    """
    stamp: dict = {"spec": spec.model_dump(mode="json")}
    if spec.format == "sql":
        stamp["run"] = os.environ.get(RUN_ID_ENV) or _PROCESS_RUN
    elif spec.path is not None and Path(spec.path).exists():
        st = Path(spec.path).stat()
        stamp["file"] = [str(spec.path), st.st_size, st.st_mtime_ns]
    return stamp


def fingerprint(params: Params, role: str, period_label: str) -> str:
    """Hash of everything a cleaned dataset depends on."""
    spec = getattr(params.sources, role)
    h = hashlib.sha256()
    h.update(json.dumps(_source_stamp(spec), sort_keys=True, default=str).encode())
    h.update(params.cleaning.model_dump_json().encode())
    h.update(period_label.encode())
    for f in _CODE_FILES:
        h.update(Path(f).read_bytes())
    return h.hexdigest()[:20]


def cache_dir(params: Params, role: str, period_label: str) -> Path:
    """Folder of one cached cleaning result: ``data/cache/<client>/<period>/<role>/``."""
    return repo_root(params) / "data" / "cache" / params.client / period_label / role


_PARTS = ("clean", "outcome", "quarantine", "missing")


def _write_cache(result: CleaningResult, key: str, target: Path) -> None:
    """Write a cleaning result as Parquet files plus ``meta.json``, atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        for part in _PARTS:
            frame = getattr(result, part)
            if part == "quarantine":  # raw values as read: keep them as text
                frame = frame.astype({c: "string" for c in frame.columns if c != "raw_row"})
            frame.to_parquet(tmp / f"{part}.parquet", index=False)
        meta = {
            "key": key,
            "source": result.source,
            "fix_counts": result.fix_counts,
            "rules": [list(r) for r in result.rules],
        }
        (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        old = target.with_name(f".{target.name}.old.{os.getpid()}")
        if target.exists():
            os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _read_cache(target: Path, key: str) -> CleaningResult | None:
    try:
        meta = json.loads((target / "meta.json").read_text(encoding="utf-8"))
        if meta.get("key") != key:
            return None
        frames = {part: pd.read_parquet(target / f"{part}.parquet") for part in _PARTS}
    except (OSError, ValueError):
        return None
    rules = tuple(tuple(r) for r in meta["rules"])
    return CleaningResult(source=meta["source"], fix_counts=meta["fix_counts"], rules=rules, **frames)


def _clean(params: Params, role: str, end: pd.Timestamp | None) -> CleaningResult:
    spec = getattr(params.sources, role)
    raw = io.read_source(spec, role)
    where = str(spec.path or spec.url)
    if role == "transactions":
        return rules.clean_transactions(
            raw,
            params.cleaning,
            exported_at=spec.exported_at,
            period_end_exclusive=end,
            date_format=spec.date_format,
            source=where,
        )
    if role == "customers":
        return rules.clean_customers(raw, params.cleaning, source=where)
    return rules.clean_surveys(raw, params.cleaning, period_end_exclusive=end, source=where)


def load_cleaning(
    params: Params, period: Period | None, role: str = "transactions", *, refresh: bool = False
) -> CleaningResult | None:
    """The cleaning result of one source for one period, from the cache when fresh.

    Parameters
    ----------
    params
        The client's params.
    period
        The report period (rows after it are excluded); None for all data.
    role
        ``transactions``, ``customers`` or ``surveys``.
    refresh
        Rebuild even when the cache is fresh.

    Returns
    -------
    CleaningResult or None
        None when the client has no such source.
    """
    if getattr(params.sources, role) is None:
        return None
    label = period.label if period is not None else "all"
    return _cached_cleaning(params, role, label, period.end_exclusive if period is not None else None, refresh)


def load_cleaning_as_of(
    params: Params, cutoff: pd.Timestamp, role: str = "transactions", *, refresh: bool = False
) -> CleaningResult | None:
    """The cleaning result of a source as it was known at ``cutoff``, from the cache when fresh.

    Exactly the cleaning of a report period ending at ``cutoff``: rows on or after
    it are excluded before refunds are matched, so a refund dated later is not
    netted yet and an order line refunded in full later is still there. Used by
    backtests whose cutoffs lie inside the report period. Cached like
    :func:`load_cleaning` under the label ``asof-YYYY-MM-DD``.

    Parameters
    ----------
    params
        The client's params.
    cutoff
        A day boundary (00:00): rows dated on or after it are excluded.
    role
        ``transactions``, ``customers`` or ``surveys``.
    refresh
        Rebuild even when the cache is fresh.

    Raises
    ------
    AnalysisError
        When ``cutoff`` is not a day boundary.
    """
    if getattr(params.sources, role) is None:
        return None
    cut = pd.Timestamp(cutoff)
    if pd.isna(cut) or cut != cut.normalize():
        raise AnalysisError(
            f"a cleaning as of a cutoff needs a day boundary (00:00), got {cutoff}; pass e.g. 2026-08-02"
        )
    return _cached_cleaning(params, role, f"asof-{cut.date().isoformat()}", cut, refresh)


def _cached_cleaning(params: Params, role: str, label: str, end: pd.Timestamp | None, refresh: bool) -> CleaningResult:
    key = fingerprint(params, role, label)
    target = cache_dir(params, role, label)
    if not refresh:
        cached = _read_cache(target, key)
        if cached is not None:
            return cached
    result = _clean(params, role, end)
    _write_cache(result, key, target)
    return result


def resolve_period(params: Params, period: str | None = None) -> Period:
    """Resolve ``YYYY-MM`` or ``latest`` (the last complete month of the data).

    ``latest`` looks at the cleaned transactions (dates after the export date
    excluded) and :func:`repurchase.periods.latest_complete_month`.

    Raises
    ------
    PeriodError
        For a month that starts after the last transaction (nothing to report).
    """
    spec = period or params.period
    everything = load_cleaning(params, None)
    last = everything.clean["order_date"].max() if len(everything.clean) else pd.NaT  # type: ignore[union-attr]
    if spec == "latest":
        return latest_complete_month(last, params.sources.transactions.exported_at)
    resolved = Period.from_label(spec)
    if pd.notna(last) and resolved.start > last:
        latest = latest_complete_month(last, params.sources.transactions.exported_at)
        raise PeriodError(
            f"period {resolved.label} starts after the last transaction ({last:%Y-%m-%d}); "
            f"the latest complete month is {latest.label}"
        )
    return resolved
