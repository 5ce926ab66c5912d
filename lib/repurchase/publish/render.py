"""Execute the notebooks for each client and period and render offline HTML.

For each (client, period) the notebooks in ``notebooks/`` run in order with
papermill into a staging folder; each executed notebook becomes HTML with no
code, no parameter cells and no network resources; the metrics each notebook
recorded are merged into ``metrics.json``. Only when everything succeeded does
the staging folder replace ``reports/<client>/<period>/`` (an atomic rename), so
a failed run never replaces a good report: no notebook found, fewer reports than
notebooks, a failed notebook or conversion, a raw customer ID in a notebook's
output (:mod:`repurchase.publish.leaks`, naming the notebook and cell), or a
folder that cannot be written all leave the previous report as it was. One client's failure does not stop
the batch; :func:`render_reports` returns one :class:`RenderOutcome` per job.

The analyses are computed once, in the render process, while the notebooks
run: a notebook starts as soon as the results it reads are stored
(:func:`notebook_needs`), so drawing the first notebooks overlaps computing the
later analyses on the second core.

The notebooks are found wherever the params file lives (:func:`locate_notebooks`).
A staging folder left by a killed render (``.<period>.staging-<pid>``, with
exports and the quarantine, which hold real IDs) is removed at the next render
of that client once its process is gone.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
import re
import shutil
import sys
import threading
import time
import traceback
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any, cast

from threadpoolctl import threadpool_limits

from repurchase.cleaning.rules import CleaningResult
from repurchase.core.errors import OutputError, RepurchaseError, with_params_file
from repurchase.core.files import to_jsonable, write_text_atomic
from repurchase.core.params import Params, load_params
from repurchase.core.periods import Period
from repurchase.core.store import ResultStore
from repurchase.publish.html import notebook_to_html, refresh_bars, report_header
from repurchase.publish.jobs import Job, RenderOutcome, build_jobs, by_params_file
from repurchase.publish.kernels import KernelPool, execute_notebook
from repurchase.publish.leaks import check_notebook, raw_customer_ids


def find_notebooks(notebooks_dir: Path) -> list[Path]:
    """The analysis notebooks, in the order they run (file name order)."""
    return sorted(p for p in Path(notebooks_dir).glob("[0-9]*.ipynb") if not p.name.startswith("."))


def locate_notebooks(params_path: Path) -> tuple[Path, str]:
    """The notebooks folder for a params file, and how it was found (for messages).

    The ``notebooks/`` folder of the repository holding the params file; else
    that of the repository holding the installed ``repurchase`` package (a
    params file kept anywhere, e.g. next to the client's data); else the
    notebooks shipped inside the package. The first that holds notebooks wins;
    without any, the repository's folder is returned (and the render fails
    naming it).
    """
    import repurchase
    from repurchase.core.params import find_repo_root

    package = Path(repurchase.__file__).resolve().parent
    candidates = [
        (find_repo_root(Path(params_path).resolve().parent) / "notebooks", f"the repository holding {params_path}"),
        (package.parents[1] / "notebooks", f"the repository of the repurchase package ({package})"),
        (package / "notebooks", "the repurchase package"),
    ]
    for folder, how in candidates:
        if find_notebooks(folder):
            return folder, f"found as the notebooks/ folder of {how}"
    folder, how = candidates[0]
    looked = "; ".join(str(f) for f, _ in candidates)
    return folder, f"looked up in {looked}"


#: ``.<period>.staging-<pid>`` and ``.<period>.old-<pid>``: what a render writes before the swap
_LEFTOVER_RE = re.compile(r"^\.(\d{4}-\d{2})\.(staging|old)-(\d+)$")


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    except OSError:
        return True
    return True


def remove_dead_staging(client_dir: Path) -> list[Path]:
    """Remove the staging folders of renders of this client whose process is gone; return them.

    A render killed before its swap leaves ``.<period>.staging-<pid>`` (exports
    and the quarantine hold real IDs) or ``.<period>.old-<pid>``; a folder
    whose process still runs (another render) is left alone.
    """
    removed: list[Path] = []
    if not client_dir.is_dir():
        return removed
    for entry in client_dir.iterdir():
        m = _LEFTOVER_RE.match(entry.name)
        if m and entry.is_dir() and not _pid_alive(int(m.group(3))):
            shutil.rmtree(entry, ignore_errors=True)
            if not entry.exists():
                removed.append(entry)
    return removed


def check_output_dir(out: Path) -> None:
    """Make sure the reports folder exists and can be written.

    Raises
    ------
    OutputError
        ``out`` is a file, cannot be created, or cannot be written, with the fix.
    """
    out = Path(out)
    fix = "pass --out a folder you can write to (default: reports)"
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out}: is a file, not a folder; {fix}")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".write-test-{os.getpid()}"
        probe.mkdir()
        probe.rmdir()
    except OSError as exc:
        raise OutputError(f"--out {out}: cannot write there ({_os_reason(exc)}); {fix}") from None


def _os_reason(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.EROFS:
        return "read-only file system"
    if exc.errno == errno.ENOSPC:
        return "no space left on the disk"
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        return f"{exc.filename or 'a part of the path'} is a file, not a folder"
    return exc.strerror or type(exc).__name__


def _say(msg: str) -> None:
    # one write per line: the notebook thread and the analyses (on stderr) share the terminal or the pipe
    sys.stdout.write(msg + "\n")
    sys.stdout.flush()


# ---------------------------------------------------------------------------
# one client, one period


def _merge_metrics(staging: Path, params: Params, period: str) -> dict:
    """``metrics.json`` of the report: every section the results store holds, plus the header."""
    merged: dict = {
        "client": params.client,
        "title": params.title,
        "language": params.language,
        "currency": params.currency,
        "period": period,
        "generated_at": dt.datetime.now().isoformat(timespec="seconds"),
    }
    merged.update(ResultStore(staging / "results").all_metrics())
    write_text_atomic(staging / "metrics.json", json.dumps(to_jsonable(merged), ensure_ascii=False, indent=2))
    return merged


def _swap_in(staging: Path, final: Path) -> None:
    """Replace ``final`` by ``staging`` with renames, so readers never see a mix.

    When the second rename fails, the previous report is put back.
    """
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    moved = False
    if final.exists():
        os.replace(final, old)
        moved = True
    try:
        os.replace(staging, final)
    except BaseException:
        if moved and not final.exists():
            os.replace(old, final)
        raise
    shutil.rmtree(old, ignore_errors=True)


_RESULT_READ = re.compile(r"""\.result\(\s*['"]([a-z_]+)['"]\s*\)""")


def notebook_needs(nb: Path, stages: list[str]) -> list[str]:
    """The analyses that must be stored before notebook ``nb`` starts, in computing order.

    Every stage up to the last one the notebook reads (``ctx.result("name")`` in
    its code cells; stages are computed in an order that respects their
    requirements). A notebook that names none (the overview, which reads them
    all through the library) needs every stage. A result read indirectly and not
    yet stored is computed by the notebook itself: slower, never different.
    """
    try:
        cells = json.loads(nb.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return list(stages)
    code = "\n".join("".join(c.get("source", "")) for c in cells if c.get("cell_type") == "code")
    read = [stages.index(n) for n in _RESULT_READ.findall(code) if n in stages]
    return list(stages) if not read else stages[: max(read) + 1]


def _precompute(
    params: Params, period: Period, staging: Path, tag: str, done: dict[str, threading.Event] | None = None
) -> None:
    """Compute every analysis once, in this (warm) process, into the staging folder's results store.

    The notebooks then only read the stored results. A stage that fails here is
    left for its notebook, which computes it again and shows the error in the
    cell that needs it (the executed notebook is kept under ``_failed/``).
    ``done[name]`` is set when stage ``name`` is stored or has failed.
    """
    from repurchase.report import pipeline
    from repurchase.report.context import ReportContext

    ctx = ReportContext(params=params, period=period, output_dir=staging)
    try:
        for name in pipeline.STAGE_MODULES:
            t0 = time.perf_counter()
            try:
                ctx.result(name)
                _say(f"{tag} {name} computed in {time.perf_counter() - t0:.1f} s")
            except Exception as exc:  # reported by the notebook that needs it
                first = str(exc).splitlines()[0] if str(exc) else ""
                _say(f"{tag} {name}: not precomputed ({type(exc).__name__}: {first})")
            if done is not None:
                done[name].set()
    finally:  # whatever happened, no notebook waits for ever
        for event in (done or {}).values():
            event.set()


def render_one(
    params_path: Path,
    period: str,
    out: Path,
    notebooks_dir: Path | None = None,
    *,
    precompute: bool = True,
    lookup: str = "",
    parallel: int = 1,
) -> RenderOutcome:
    """Render every notebook for one client and period (see module docstring).

    Parameters
    ----------
    params_path, period, out, notebooks_dir
        The client's params, the period (``YYYY-MM`` or ``latest``), the reports
        folder and the notebooks folder (None: :func:`locate_notebooks`).
    precompute
        Compute the analyses in this process before the notebooks run (they then
        only read the results); False leaves each notebook to compute what it needs.
    lookup
        How ``notebooks_dir`` was found, for the message when it holds none.
    parallel
        Notebooks executed at the same time (each in its own kernel; they only
        read the stored results, so their order does not matter).
    """
    from repurchase.cleaning import datasets

    start = time.perf_counter()
    # absolute: papermill changes the working directory while a notebook runs, and HTML is written meanwhile
    out = Path(out).resolve()
    client = Path(params_path).stem
    try:
        params = load_params(params_path)
        client = params.client
        resolved = datasets.resolve_period(params, period)
        label = resolved.label
    except RepurchaseError as exc:
        return RenderOutcome(
            client=client,
            period=period,
            ok=False,
            error=_with_file(exc, params_path),
            seconds=time.perf_counter() - start,
        )
    if notebooks_dir is not None:
        notebooks_dir = Path(notebooks_dir).resolve()
    if notebooks_dir is None:
        notebooks_dir, lookup = locate_notebooks(Path(params_path))
    notebooks = find_notebooks(notebooks_dir)
    if not notebooks:
        how = lookup or "given with --notebooks"
        return RenderOutcome(
            client=client,
            period=label,
            ok=False,
            seconds=time.perf_counter() - start,
            error=f"no notebooks (NN_*.ipynb) in {notebooks_dir} ({how}); pass --notebooks DIR, the folder "
            "holding 01_cleaning.ipynb …; the previous report, if any, is unchanged",
        )

    # a database source is read once per render: every notebook's kernel inherits this id
    from repurchase.cleaning.datasets import RUN_ID_ENV

    os.environ[RUN_ID_ENV] = f"render-{params.client}-{label}-{os.getpid()}-{time.time_ns()}"
    final = out / params.client / label
    staging = out / params.client / f".{label}.staging-{os.getpid()}"
    failed_dir = out / params.client / "_failed" / label
    try:
        for gone in remove_dead_staging(out / params.client):
            _say(f"[{params.client} {label}] removed {gone.name}, left by a render that did not finish")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
    except OSError as exc:
        return RenderOutcome(
            client=params.client,
            period=label,
            ok=False,
            seconds=time.perf_counter() - start,
            error=f"{out / params.client}: cannot write the report there ({_os_reason(exc)}); "
            "pass --out a folder you can write to",
        )
    parameters = {
        "params_path": str(Path(params_path).resolve()),
        "period": label,
        "output_dir": str(staging.resolve()),
    }
    html_files: list[Path] = []
    tag = f"[{params.client} {label}]"
    parallel = max(1, parallel)
    pool = KernelPool(notebooks_dir, ahead=parallel)
    converter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="html")
    conversions: list[Future[Path]] = []
    try:
        pool.prestart()  # the first kernel boots while the analyses run
        t0 = time.perf_counter()
        cleaned = cast(CleaningResult, datasets.load_cleaning(params, resolved))  # warms the cache for every notebook
        tx = cleaned.clean
        _say(f"{tag} data loaded and cleaned in {time.perf_counter() - t0:.1f} s ({len(tx):,} usable rows)")
        data_range = f"{tx['order_date'].min():%Y-%m-%d} – {tx['order_date'].max():%Y-%m-%d}" if len(tx) else "–"
        raw_ids = raw_customer_ids(params, resolved, cleaned)  # a report whose output shows one of these fails
        del tx, cleaned
        from repurchase.report.pipeline import STAGE_MODULES

        stages = list(STAGE_MODULES)
        done = {name: threading.Event() for name in stages}
        analysed = threading.Event()  # HTML conversion (Python, in this process) waits: it would slow the analyses
        if not precompute:
            for event in (*done.values(), analysed):
                event.set()

        def convert(node: Any, target: Path, header: dict) -> Path:
            analysed.wait()
            return notebook_to_html(node, target, header)

        # the report bar: this month's reports, and the same report of the months already in the final folder
        bar = ([f"{nb.stem}.html" for nb in notebooks], out / params.client)
        needs = {nb: notebook_needs(nb, stages) for nb in notebooks}

        def run(nb: Path) -> Any:
            for name in needs[nb]:  # its results are stored (or failed) before it starts
                done[name].wait()
            t0 = time.perf_counter()
            node = execute_notebook(nb, staging / nb.name, parameters, pool, params.render.cell_timeout_seconds)
            check_notebook(node, raw_ids, nb.name)  # before its HTML exists: the previous report stays
            target = staging / f"{nb.stem}.html"
            conversions.append(
                converter.submit(convert, node, target, report_header(params, label, nb, data_range, *bar))
            )
            _say(f"{tag} {nb.stem} done in {time.perf_counter() - t0:.1f} s")
            return target

        # notebooks start in the order their results become ready (kernels are reset between them, so the
        # order changes nothing in a report); the first failure reported is still the first in file order
        ready_order = sorted(notebooks, key=lambda nb: len(needs[nb]))
        with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="notebook") as runner:
            futures = {nb: runner.submit(run, nb) for nb in ready_order}
            if precompute:
                t0 = time.perf_counter()
                # one BLAS thread, as in the kernels (publish.kernels.KERNEL_THREADS): threaded reductions sum in an
                # order that depends on the thread count, and a Dask worker runs one thread, the local pool more
                try:
                    with threadpool_limits(limits=1):
                        _precompute(params, resolved, staging, tag, done)
                except BaseException:  # interrupted: the notebooks not started yet do not start
                    for fut in futures.values():
                        fut.cancel()
                    raise
                finally:
                    analysed.set()
                _say(f"{tag} analyses done in {time.perf_counter() - t0:.1f} s")
            failure: tuple[Path, BaseException] | None = None
            for nb in notebooks:  # notebook order: the first failure is the one reported
                try:
                    html_files.append(final / futures[nb].result().name)
                except Exception as exc:  # PapermillExecutionError, CellTimeoutError, DeadKernelError, ...
                    failure = failure or (nb, exc)
        if failure is not None:
            failed_nb, error = failure
            failed_dir.mkdir(parents=True, exist_ok=True)
            kept = failed_dir / failed_nb.name
            if (staging / failed_nb.name).exists():
                shutil.copy2(staging / failed_nb.name, kept)
            msg = _short_error(error)
            _say(f"{tag} {failed_nb.stem} FAILED: {msg}")
            shutil.rmtree(staging, ignore_errors=True)
            return RenderOutcome(
                client=params.client,
                period=label,
                ok=False,
                error=f"{failed_nb.name}: {msg}",
                failed_notebook=kept if kept.exists() else None,
                seconds=time.perf_counter() - start,
            )
        for conversion in conversions:
            conversion.result()  # a failed conversion fails the render
        made = sorted(p.name for p in staging.glob("*.html"))
        expected = sorted(f"{nb.stem}.html" for nb in notebooks)
        if made != expected:
            lacking = [n for n in expected if n not in made]
            raise OutputError(
                f"{len(made)} report(s) for {len(notebooks)} notebook(s) of {notebooks_dir}"
                + (f": no {', '.join(lacking[:3])}" if lacking else "")
                + "; the previous report is unchanged"
            )
        _merge_metrics(staging, params, label)
        _swap_in(staging, final)
        try:  # the neighbour months now link to this one; the report is in place whatever happens here
            refresh_bars(out / params.client, label, params.language)
        except (OSError, UnicodeError) as exc:
            _say(f"{tag} warning: the report bars of the months next to {label} were not refreshed: {exc}")
        shutil.rmtree(failed_dir, ignore_errors=True)
        _remove_if_empty(failed_dir.parent)
    except RepurchaseError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        return RenderOutcome(
            client=params.client,
            period=label,
            ok=False,
            error=_with_file(exc, params_path),
            seconds=time.perf_counter() - start,
        )
    except OSError as exc:  # the reports folder filled up or became read-only during the render
        shutil.rmtree(staging, ignore_errors=True)
        return RenderOutcome(
            client=params.client,
            period=label,
            ok=False,
            error=f"{exc.filename or out}: cannot write the report ({_os_reason(exc)}); the previous report is "
            "unchanged; pass --out a folder you can write to",
            seconds=time.perf_counter() - start,
        )
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        converter.shutdown(wait=True)
        pool.close()
    return RenderOutcome(
        client=params.client,
        period=label,
        ok=True,
        report_dir=final,
        html_files=html_files,
        seconds=time.perf_counter() - start,
    )


def _remove_if_empty(folder: Path) -> None:
    """Remove ``folder`` when nothing is left in it (e.g. ``_failed/`` after a good re-render)."""
    with contextlib.suppress(OSError):
        folder.rmdir()


def _with_file(exc: Exception, params_path: Path) -> str:
    return with_params_file(exc, params_path)


def _short_error(exc: BaseException) -> str:
    name = type(exc).__name__
    if name == "PapermillExecutionError":
        return f"{getattr(exc, 'ename', '')}: {getattr(exc, 'evalue', '')} (cell {getattr(exc, 'exec_count', '?')})"
    text = str(exc).strip().splitlines()
    return f"{name}: {text[-1] if text else ''}"


def run_job(job: Job, out: Path, parallel: int = 1) -> RenderOutcome:
    """Render one job into ``out`` (:func:`render_one`); an unexpected bug becomes a failed outcome.

    What ``python -m repurchase render-job``, the local pool and the Dask
    workers run for each job; the index is not written (see :func:`render_reports`).
    """
    notebooks = None if job.notebooks is None else Path(job.notebooks)
    lookup = "given with --notebooks" if notebooks is not None else ""
    try:
        return render_one(Path(job.params), job.period, Path(out), notebooks, lookup=lookup, parallel=parallel)
    except Exception as exc:  # an unexpected bug: report it, keep the batch going
        return RenderOutcome(
            client=Path(job.params).stem,
            period=job.period,
            ok=False,
            error=f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}",
        )


def _render_client(jobs: list[Job], out: Path, parallel: int) -> list[RenderOutcome]:
    """One client's periods, oldest first, so each month's overview can read the months before it."""
    return [_finish(run_job(job, out, parallel)) for job in jobs]


# ---------------------------------------------------------------------------
# batch


def render_reports(
    params_paths: list[Path],
    period: str | None = None,
    *,
    jobs: int = 1,
    out: Path = Path("reports"),
    notebooks_dir: Path | None = None,
) -> list[RenderOutcome]:
    """Render reports for several clients and periods, then the index.

    Parameters
    ----------
    params_paths
        Params files, one per client.
    period
        ``latest``, ``YYYY-MM`` or ``YYYY-MM..YYYY-MM``; each file's own ``period`` when None.
    jobs
        Parallel worker processes (one process pool). Clients render in parallel;
        the periods of one client render in order, oldest first, so that a
        month's overview can read the months rendered before it.
    out
        The reports folder.
    notebooks_dir
        Where the notebooks are; by default found from each params file
        (:func:`locate_notebooks`).

    Returns
    -------
    list of RenderOutcome
        One per client-period: clients in the order given, periods oldest first.

    Raises
    ------
    OutputError
        ``out`` is not a folder that can be written (nothing is rendered).
    """
    out = Path(out)
    check_output_dir(out)
    jobs_list, failed = build_jobs([Path(p) for p in params_paths], period, notebooks_dir)
    outcomes = [_finish(o) for o in failed]
    clients = by_params_file(jobs_list)
    n = len(jobs_list)
    workers = max(1, min(jobs, len(clients)))
    # the cores a client's notebooks share: each notebook only reads stored results
    parallel = max(1, min(jobs, os.cpu_count() or 1) // workers)
    _say(
        f"rendering {n} report(s) of {len(clients)} client(s) with {workers} worker(s), {parallel} notebook(s) at a time"
    )
    if workers == 1:
        for group in clients:
            outcomes += _render_client(group, out, parallel)
    else:
        import multiprocessing as mp

        ctx = mp.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            futures = [pool.submit(_render_client, group, out, parallel) for group in clients]
            for fut in futures:  # progress is printed by the workers as each report ends
                outcomes += fut.result()
    from repurchase.publish.index import write_index

    write_index(out)
    return outcomes


def _finish(outcome: RenderOutcome, prefix: str = "") -> RenderOutcome:
    """Print that a job ended (``prefix``: e.g. a progress count); return the outcome."""
    if outcome.ok:
        _say(f"{prefix}[{outcome.client} {outcome.period}] ok in {outcome.seconds:.1f} s -> {outcome.report_dir}")
    else:
        where = f"\n    see the executed notebook: {outcome.failed_notebook}" if outcome.failed_notebook else ""
        _say(f"{prefix}[{outcome.client} {outcome.period}] FAILED: {outcome.error}{where}")
    return outcome


def print_summary(outcomes: list[RenderOutcome], out: Path) -> int:
    """Print the batch summary; return the exit code (1 when anything failed)."""
    ok = [o for o in outcomes if o.ok]
    bad = [o for o in outcomes if not o.ok]
    _say("")
    _say(f"{len(ok)} report(s) rendered, {len(bad)} failed")
    for o in bad:
        detail = "\n".join("    " + line for line in o.error.splitlines()[1:])
        _say(
            f"  FAILED {o.client} {o.period}: {o.error.splitlines()[0] if o.error else ''}"
            + (f"\n{detail}" if detail else "")
        )
        if o.failed_notebook:
            _say(f"         executed notebook with the error: {o.failed_notebook}")
    index = (Path(out) / "index.html").resolve()
    if index.exists():
        _say(f"index: {index}")
    return 1 if bad else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use: python -m repurchase render PARAMS...")
