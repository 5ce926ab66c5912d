"""The batch on a Dask distributed cluster: ``python -m repurchase render … --dask ADDRESS``.

The jobs are those of :func:`repurchase.publish.jobs.build_jobs`; each runs
:func:`repurchase.publish.render.run_job` in a worker process, one job per
process at a time (workers with one thread; papermill starts one kernel per
notebook there, as in the local pool). A client's months run in order: the
next month is submitted when the previous one has ended, so different clients
run in parallel and one client's months never do. A failed job (a failed
render, or a worker that died) is submitted once more, after which it is
reported and the batch goes on. Progress is printed as jobs end; the index is
written once, at the end, by this process.

Workers write the reports straight into ``out``: a folder every worker and
this process see at the same path (local disk for ``local``, a shared mount
such as NFS for a remote cluster). Object stores (``s3://…``) are not supported.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from repurchase.core.errors import JobError
from repurchase.publish.jobs import Job, RenderOutcome, absolute, build_jobs, by_params_file
from repurchase.publish.render import _finish, _say, check_output_dir, run_job

__all__ = ["check_address", "render_with_dask"]

_LOCAL_RE = re.compile(r"^local(?::(\d+))?$")
_REMOTE_RE = re.compile(r"^(tcp|tls)://[^/\s]+$")
#: how long to wait for a remote scheduler before giving up
CONNECT_TIMEOUT = "20s"
_ADDRESS_FIX = "pass --dask local, local:N (N worker processes) or the scheduler's address, e.g. tcp://scheduler:8786"


def check_address(address: str) -> int | None:
    """The number of local workers ``address`` asks for (``local[:N]``), or None for a scheduler address.

    Raises
    ------
    JobError
        Neither ``local``, ``local:N`` with N ≥ 1, nor ``tcp://host:port`` / ``tls://host:port``.
    """
    m = _LOCAL_RE.match(address)
    if m:
        n = int(m.group(1)) if m.group(1) else (os.cpu_count() or 1)
        if n < 1:
            raise JobError(f"--dask {address}: at least one worker is needed; {_ADDRESS_FIX}")
        return n
    if _REMOTE_RE.match(address):
        return None
    raise JobError(f"--dask {address!r}: not a cluster address; {_ADDRESS_FIX}")


def check_shared_out(out: str) -> Path:
    """``out`` as an absolute local path every worker can write to.

    Raises
    ------
    JobError
        ``out`` is a URL (``s3://…``, ``gs://…``): object stores are not supported.
    """
    if "://" in out:
        raise JobError(
            f"--out {out}: object stores are not supported (no s3fs); render to a folder every worker and this "
            "machine share (local disk, NFS) and copy it afterwards, e.g. with `aws s3 sync`"
        )
    return Path(out).resolve()


@contextmanager
def _connect(address: str) -> Iterator[Any]:
    """A ``distributed.Client``: on a new ``LocalCluster`` for ``local[:N]``, else on the scheduler at ``address``."""
    n = check_address(address)
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise JobError(f"--dask {address}: the distributed package is not installed; pip install distributed") from None
    if n is not None:
        # one job per worker process; no dashboard (no HTTP server); the kernels' memory is the render's own
        with (
            LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                memory_limit=0,
            ) as cluster,
            Client(cluster) as client,
        ):
            yield client
        return
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        raise JobError(
            f"--dask {address}: cannot reach the scheduler ({exc}); start it with `dask scheduler` and workers "
            f"with `dask worker {address} --nthreads 1`, or {_ADDRESS_FIX}"
        ) from None
    with client:
        threads = {w.get("nthreads", 1) for w in client.scheduler_info().get("workers", {}).values()}
        if any(t > 1 for t in threads):
            _say(
                f"note: workers of {address} run {max(threads)} threads; start them with --nthreads 1 (one render each)"
            )
        yield client


def _outcome_of(future: Any, job: Job) -> RenderOutcome:
    """The outcome a finished future holds, or a failed one naming what went wrong on the cluster."""
    try:
        outcome = future.result()
    except Exception as exc:  # the worker died (KilledWorker), the task was cancelled, …
        return RenderOutcome(
            client=Path(job.params).stem,
            period=job.period,
            ok=False,
            error=f"on the Dask cluster: {type(exc).__name__}: {exc}",
        )
    if not isinstance(outcome, RenderOutcome):
        return RenderOutcome(
            client=Path(job.params).stem, period=job.period, ok=False, error=f"the worker returned {outcome!r}"
        )
    return outcome


def render_with_dask(
    params_paths: list[Path],
    period: str | None = None,
    *,
    address: str,
    out: Path | str = Path("reports"),
    notebooks_dir: Path | None = None,
) -> list[RenderOutcome]:
    """Render a batch on a Dask cluster, then the index (see module docstring).

    Parameters
    ----------
    params_paths, period, notebooks_dir
        As for :func:`repurchase.publish.render.render_reports`.
    address
        ``local`` (a ``LocalCluster`` with one worker process per core),
        ``local:N`` (N worker processes) or a scheduler address such as
        ``tcp://scheduler:8786``.
    out
        The reports folder, at the same path on every worker and here.

    Returns
    -------
    list of RenderOutcome
        Outcomes of params files that give no job first, then one per job in
        job order (clients as given, periods oldest first), like ``render_reports``.

    Raises
    ------
    JobError
        A malformed address, an unreachable scheduler or an object-store ``out``.
    OutputError
        ``out`` is not a folder that can be written (nothing is rendered).
    """
    check_address(address)
    out = check_shared_out(str(out))
    check_output_dir(out)
    jobs, failed = build_jobs([Path(p) for p in params_paths], period, notebooks_dir)
    outcomes = [_finish(o) for o in failed]
    groups = [[absolute(j) for j in group] for group in by_params_file(jobs)]
    n = len(jobs)
    results: dict[tuple[int, int], RenderOutcome] = {}
    with _connect(address) as client:
        from distributed import as_completed

        workers = len(client.scheduler_info().get("workers", {}))
        _say(f"rendering {n} report(s) of {len(groups)} client(s) on {workers} Dask worker(s) at {address}")
        running: dict[str, tuple[int, int, int]] = {}  # future key -> (client, month, attempt)

        def submit(g: int, m: int, attempt: int) -> Any:
            job = groups[g][m]
            key = f"render-{Path(job.params).stem}-{job.period}-{attempt}-{uuid.uuid4().hex[:8]}"
            future = client.submit(run_job, job, out, 1, key=key, pure=False, retries=0)
            running[future.key] = (g, m, attempt)
            return future

        queue = as_completed([submit(g, 0, 0) for g in range(len(groups)) if groups[g]])
        for future in queue:
            g, m, attempt = running.pop(future.key)
            job = groups[g][m]
            outcome = _outcome_of(future, job)
            future.release()
            if not outcome.ok and attempt == 0:
                first = outcome.error.splitlines()[0] if outcome.error else ""
                _say(f"[{outcome.client} {outcome.period}] failed, retrying once: {first}")
                queue.add(submit(g, m, 1))
                continue
            results[(g, m)] = _finish(outcome, prefix=f"({len(results) + 1}/{n}) ")
            if m + 1 < len(groups[g]):
                queue.add(submit(g, m + 1, 0))
    outcomes += [results[key] for key in sorted(results)]
    from repurchase.publish.index import write_index

    write_index(out)
    return outcomes
