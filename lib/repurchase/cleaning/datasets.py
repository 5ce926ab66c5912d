"""Cleaned datasets, cached on disk as Parquet and rebuilt when missing or stale.

Every notebook reads cleaned data through :func:`load_cleaning` (or the
:class:`repurchase.report.ReportContext` methods built on it). The cache lives
in ``data/cache/<client>/<period>/`` and is keyed by a fingerprint of the
source file (size and modification time), its spec, the cleaning settings and
the code of the reader and the rules, so a change to any of them rebuilds it.
Writes are atomic: parallel renders of one client never see half a file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import cast

import pandas as pd

from repurchase.cleaning import io, parsing, profile, rules
from repurchase.cleaning.rules import CleaningResult
from repurchase.core.errors import AnalysisError, DataError, PeriodError
from repurchase.core.params import Params, SourceSpec, find_repo_root
from repurchase.core.periods import Period, latest_complete_month

#: the code a cleaned dataset depends on: a change to it rebuilds the cache
_CODE_FILES = (rules.__file__, parsing.__file__, profile.__file__, io.__file__, __file__)


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
    if role == "campaigns":  # the group labels are read while cleaning
        h.update(params.campaigns.model_dump_json(include={"treatment_label", "control_label"}).encode())
    h.update(period_label.encode())
    for f in _CODE_FILES:
        h.update(Path(f).read_bytes())
    return h.hexdigest()[:20]


def cache_dir(params: Params, role: str, period_label: str) -> Path:
    """Folder of one cached cleaning result: ``data/cache/<client>/<period>/<role>/``."""
    return repo_root(params) / "data" / "cache" / params.client / period_label / role


_PARTS = ("clean", "outcome", "quarantine", "missing", "id_spelling")


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
    frames["id_spelling"] = frames["id_spelling"].astype({"customer_id": str, "written": str})
    return CleaningResult(source=meta["source"], fix_counts=meta["fix_counts"], rules=rules, **frames)


def written_at(spec: SourceSpec, timezone: str | None = None) -> dt.date:
    """The day a source was written: its file's modification day, or today for a database.

    In the client's ``timezone`` when given, else the machine's. Order dates after
    it cannot be real (``dated_in_future``) when the source has no ``exported_at``.
    """
    tz = None
    if timezone:
        import zoneinfo

        tz = zoneinfo.ZoneInfo(timezone)
    if spec.format != "sql" and spec.path is not None and Path(spec.path).exists():
        return dt.datetime.fromtimestamp(Path(spec.path).stat().st_mtime, tz).date()
    return dt.datetime.now(tz).date()


def _clean(params: Params, role: str, end: pd.Timestamp | None) -> CleaningResult:
    spec = getattr(params.sources, role)
    raw = io.read_source(spec, role)
    short = tuple(raw.attrs.pop("short_rows", ()))
    where = str(spec.path or spec.url)
    if role == "transactions":
        return rules.clean_transactions(
            raw,
            params.cleaning,
            exported_at=spec.exported_at,
            written_at=None if spec.exported_at is not None else written_at(spec, params.cleaning.timezone),
            period_end_exclusive=end,
            date_format=spec.date_format,
            decimal=spec.decimal,
            short_rows=short,
            source=where,
        )
    if role == "customers":
        return rules.clean_customers(raw, params.cleaning, source=where, decimal=spec.decimal, short_rows=short)
    if role == "campaigns":
        return rules.clean_campaigns(
            raw,
            params.cleaning,
            treatment_label=params.campaigns.treatment_label,
            control_label=params.campaigns.control_label,
            period_end_exclusive=end,
            source=where,
            decimal=spec.decimal,
            short_rows=short,
        )
    return rules.clean_surveys(
        raw, params.cleaning, period_end_exclusive=end, source=where, decimal=spec.decimal, short_rows=short
    )


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
        ``transactions``, ``customers``, ``surveys`` or ``campaigns``.
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
        ``transactions``, ``customers``, ``surveys`` or ``campaigns``.
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
    try:
        _write_cache(result, key, target)
    except OSError as exc:  # a read-only checkout: clean again next time rather than fail
        import sys

        print(f"note: cleaned data not cached in {target.parent} ({exc.strerror or exc})", file=sys.stderr)
    return result


#: what to do when most rows were excluded by a rule and none is left
_EMPTY_FIX = {
    "after_period_end": "choose a later period (the data start on {first})",
    "negative_amount": "check sources.transactions.columns.amount (it must be the paid amount), or map the status "
    "column so that refunds are recognised",
    "zero_amount": "check sources.transactions.columns.amount, or set cleaning.zero_amounts: keep",
    "unparseable_amount": "check sources.transactions.columns.amount",
    "non_finite_amount": "check sources.transactions.columns.amount",
    "unparseable_date": "check sources.transactions.columns.order_date and date_format",
    "dated_after_export": "check sources.transactions.exported_at",
    "dated_in_future": "set sources.transactions.exported_at to the day the data were exported",
    "before_min_date": "check the dates, or set cleaning.min_date",
    "cancelled_order": "check sources.transactions.columns.status and cleaning.cancelled_statuses",
    "missing_customer_id": "check sources.transactions.columns.customer_id",
    "short_row": "check sources.transactions.delimiter and that the file is complete",
    "refund_unmatched": "without a status column negative amounts are refunds: check "
    "sources.transactions.columns.amount, or map status",
}


def require_rows(result: CleaningResult, period: Period | None, params: Params) -> None:
    """Refuse a cleaning that left no usable transaction row, naming the rule that excluded most of them.

    Raises
    ------
    DataError
        The source has no data rows, or every row was excluded: names the rule
        with the most rows, its count and the fix.
    """
    if len(result.clean):
        return
    until = f" up to the end of {period.label}" if period is not None else ""
    if result.raw_rows == 0:
        raise DataError(
            f"{result.source}: the source has no data rows (a header only?); export the transactions again, "
            "or check sources.transactions.path"
        )
    counts = result.rule_counts()
    counts = counts[(counts["outcome"] == "excluded") & (counts["rows"] > 0)].sort_values("rows", ascending=False)
    top = counts.iloc[0]
    first = ""
    if top["rule"] == "after_period_end":
        everything = load_cleaning(params, None)
        if everything is not None and len(everything.clean):
            first = f"{everything.clean['order_date'].min():%Y-%m-%d}"
    fix = _EMPTY_FIX.get(str(top["rule"]), "see the rule in the cleaning ledger").format(first=first or "later")
    rows = (
        f"all {result.raw_rows:,} rows were excluded, most ({int(top['rows']):,})"
        if result.raw_rows > 1
        else ("its one row was excluded")
    )
    raise DataError(
        f"{result.source}: no usable transaction row{until}: {rows} by the rule {top['rule']} "
        f"({top['description']}); {fix}"
    )


def latest_month(params: Params, last: pd.Timestamp) -> Period:
    """The month ``latest`` means: the last complete month, never one after the last kept transaction.

    :func:`~repurchase.core.periods.latest_complete_month` of the last kept
    order date (and the export date); when the export date is months after the
    data, the month of the last transaction (the export covers it whole).
    """
    complete = latest_complete_month(last, params.sources.transactions.exported_at)
    own = Period.from_label(pd.Timestamp(last).strftime("%Y-%m"))
    return own if complete.start > own.start else complete


def resolve_period(params: Params, period: str | None = None) -> Period:
    """Resolve ``YYYY-MM`` or ``latest`` (the last complete month of the data).

    ``latest`` looks at the kept transactions only (dates after the export date,
    in the future or before ``cleaning.min_date`` excluded, see
    :func:`latest_month`), so it is always a month this function accepts.

    Raises
    ------
    PeriodError
        For a month that starts after the last transaction (nothing to report).
    DataError
        When no transaction row is usable up to the end of the period, naming the
        rule that excluded most rows (:func:`require_rows`).
    """
    spec = period or params.period
    everything = cast(CleaningResult, load_cleaning(params, None))
    require_rows(everything, None, params)
    last = everything.clean["order_date"].max()
    if spec == "latest":
        resolved = latest_month(params, last)
    else:
        resolved = Period.from_label(spec)
        if resolved.start > last:
            raise PeriodError(
                f"period {resolved.label} starts after the last transaction ({last:%Y-%m-%d}); "
                f"the latest complete month is {latest_month(params, last).label}"
            )
    result = cast(CleaningResult, load_cleaning(params, resolved))
    if not len(result.clean) and spec == "latest":
        raise DataError(
            f"{result.source}: period latest is {resolved.label}, the last complete month, but every kept row is "
            f"later ({everything.clean['order_date'].min():%Y-%m-%d} – {last:%Y-%m-%d}); set period: "
            f"{last:%Y-%m} to report on that month although it is not complete, or set "
            "sources.transactions.exported_at"
        )
    require_rows(result, resolved, params)
    return resolved
