"""Notebook execution in kernels started ahead and reused, so kernel start and imports leave the critical path.

papermill starts a fresh kernel per notebook (it cannot reuse one, papermill
#326), and starting it plus importing pandas, matplotlib and the package costs
seconds per notebook. :class:`KernelPool` keeps kernels started and warmed (the
imports run in them while the analyses or the current notebook run); papermill
then runs a notebook in one of them (``km=``). A kernel whose notebook ran
cleanly is reset (:func:`reset_kernel`: empty namespace, figures closed, the
matplotlib settings and warning filters it started with, execution count 1) and
runs the next notebook of the same render, so a render of ten notebooks starts
one kernel per notebook run at the same time, not ten. A kernel whose notebook
failed, timed out or died is shut down and replaced by a fresh one. A pool
belongs to one render (one client and period): kernels never pass between
clients. Kernels talk over Unix sockets (``ipc``), so parallel renders never
race for TCP ports (papermill #511).

Every kernel runs numpy's BLAS and OpenMP on one thread (:data:`KERNEL_THREADS`),
wherever the render runs: the local pool, ``render-job`` or a Dask worker (whose
nanny sets the same variables). Threaded reductions sum in an order that depends
on the thread count, so without this the same inputs gave lifetime-value
estimates that differed in the last digits between the local pool and Dask. The
batch runs in parallel across notebooks and clients instead.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, cast

__all__ = [
    "KERNEL_THREADS",
    "RESET",
    "WARMUP",
    "KernelPool",
    "execute_notebook",
    "remember_kernel_state",
    "reset_kernel",
]

#: Set in every kernel's environment: one BLAS / OpenMP thread, so results do not depend on where a render runs.
KERNEL_THREADS = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
}

#: Run in each kernel as soon as it starts (silently): what every notebook imports anyway.
WARMUP = (
    "import repurchase.report, repurchase.plots\n"
    "import repurchase.kpis, repurchase.segments, repurchase.lifetime_value, repurchase.churn, repurchase.satisfaction\n"
    "repurchase.plots.use_report_style()\n"
    "import repurchase.publish.kernels\n"
    "repurchase.publish.kernels.remember_kernel_state()\n"
)

#: Run in a kernel after its notebook ran cleanly, before the next notebook of the render runs in it.
RESET = "__import__('repurchase.publish.kernels', fromlist=['reset_kernel']).reset_kernel(get_ipython())\n"

#: What a kernel started with (:func:`remember_kernel_state`), restored by :func:`reset_kernel`.
_STARTED_WITH: dict[str, Any] = {}


def remember_kernel_state() -> None:
    """Record this kernel's matplotlib settings and warning filters (run once, after its warm-up imports)."""
    import warnings

    import matplotlib

    _STARTED_WITH["rc"] = dict(matplotlib.rcParams)
    _STARTED_WITH["warnings"] = list(warnings.filters)


def reset_kernel(shell: Any) -> None:
    """Make this kernel fit for the next notebook of the same render.

    Closes every figure, empties the user namespace and the output history
    (IPython's ``%reset -f``, in a new history session), restores the matplotlib settings and warning
    filters recorded by :func:`remember_kernel_state`, and numbers the next
    cell 1, as in a fresh kernel. Imported modules stay imported: that is the
    point. Module-level caches of the package hold only what depends on the
    client's params and the code, which a pool never changes.
    """
    import gc
    import warnings

    import matplotlib
    import matplotlib.pyplot as plt

    plt.close("all")
    # %reset -f, in a new history session: numbering cells from 1 again in the old one prints
    # "Session/line number was not unique in database" into the next notebook's output
    shell.reset(new_session=True)
    if "rc" in _STARTED_WITH:
        dict.update(matplotlib.rcParams, _STARTED_WITH["rc"])  # as matplotlib's rc_context restores: no re-validation
        cast(list, warnings.filters)[:] = _STARTED_WITH["warnings"]
    shell.execution_count = 1  # reset(new_session=True) does this too; said here for the reader
    gc.collect()


def _manager_class() -> type:
    from jupyter_client.manager import KernelManager

    class QuietKernelManager(KernelManager):
        """A kernel manager whose kernel writes its own stderr (banners, warnings) to a log file."""

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            log = Path(tempfile.gettempdir()) / f"repurchase-kernel-{os.getpid()}.log"
            kw["stderr"] = log.open("ab")
            await super()._async_launch_kernel(kernel_cmd, **kw)

    return QuietKernelManager


class KernelPool:
    """Kernels started and warmed ahead of the notebooks that will use them, and reused after a clean run.

    Parameters
    ----------
    cwd
        Working directory of the kernels (the notebooks folder, as papermill's ``cwd``).
    warmup
        Code each kernel runs silently right after it starts.
    ahead
        Kernels kept started ahead (one per notebook run at the same time).
    reuse
        Reset a kernel whose notebook ran cleanly and run the next notebook in it
        (:func:`reset_kernel`); False shuts every kernel down after one notebook.
    """

    def __init__(self, cwd: Path, warmup: str = WARMUP, ahead: int = 1, *, reuse: bool = True):
        self.cwd = Path(cwd)
        self.warmup = warmup
        self.ahead = max(1, int(ahead))
        self.reuse = reuse
        self.started = 0  # kernels started so far (a reused kernel counts once)
        self._ipc = Path(tempfile.mkdtemp(prefix="repurchase-ipc-"))
        self._starter = ThreadPoolExecutor(max_workers=self.ahead, thread_name_prefix="kernel-start")
        self._ready: list[Future[Any]] = []
        self._lock = threading.Lock()

    def _start(self) -> Any:
        km = _manager_class()(kernel_name="python3", transport="ipc", ip=str(self._ipc / f"k{time.time_ns()}"))
        # no IPython history database: a render needs none, and parallel kernels would share one sqlite file
        km.start_kernel(
            cwd=str(self.cwd), env={**os.environ, **KERNEL_THREADS}, extra_arguments=["--HistoryManager.enabled=False"]
        )
        with self._lock:
            self.started += 1
        if self.warmup:
            kc = km.client()
            kc.start_channels()
            try:
                kc.wait_for_ready(timeout=60)
                kc.execute(self.warmup, silent=True, store_history=False, allow_stdin=False)
            finally:
                kc.stop_channels()
        return km

    def _submit_start(self) -> None:
        self._ready.append(self._starter.submit(self._start))

    def prestart(self) -> None:
        """Start the kernels kept ahead now, in the background."""
        with self._lock:
            while len(self._ready) < self.ahead:
                self._submit_start()

    def take(self) -> Any:
        """A started kernel for the next notebook: a reset one when there is one, else one started ahead.

        Without reuse, its replacement starts now, in the background.
        """
        with self._lock:
            if not self._ready:
                self._submit_start()
            ahead = self._ready.pop(0)
            if not self.reuse:
                self._submit_start()
        return ahead.result()

    def give_back(self, km: Any, clean: bool) -> None:
        """Return the kernel of a finished notebook.

        Reset and kept for the next notebook when its notebook ran ``clean`` (and
        reuse is on); otherwise shut down, and replaced when reuse is on.
        """
        if self.reuse and clean:
            try:
                _run(km, RESET, timeout=60)
                reset = True
            except Exception:  # a kernel that cannot be reset is shut down and replaced below
                reset = False
            if reset:
                done: Future[Any] = Future()
                done.set_result(km)
                with self._lock:
                    self._ready.insert(0, done)
                return
        _shutdown(km)
        if self.reuse:
            with self._lock:
                self._submit_start()

    def close(self) -> None:
        """Shut down the kernels kept ahead."""
        with self._lock:
            ready, self._ready = self._ready, []
        for fut in ready:
            with contextlib.suppress(Exception):  # it never started
                _shutdown(fut.result())
        self._starter.shutdown(wait=True)
        shutil.rmtree(self._ipc, ignore_errors=True)

    def __enter__(self) -> KernelPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _run(km: Any, code: str, timeout: float) -> None:
    """Run ``code`` in the kernel of ``km`` and wait for it; raise if it fails or the kernel is gone."""
    if not km.is_alive():
        raise RuntimeError("the kernel is not running")
    kc = km.client()
    kc.start_channels()
    try:
        reply = kc.execute_interactive(
            code, silent=True, store_history=False, allow_stdin=False, timeout=timeout, output_hook=lambda msg: None
        )
    finally:
        kc.stop_channels()
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"{code!r} failed in the kernel: {reply['content'].get('ename', '')}")


def _shutdown(km: Any) -> None:
    with contextlib.suppress(Exception):  # an already dead kernel
        km.shutdown_kernel(now=True)


def execute_notebook(nb: Path, out_nb: Path, parameters: dict, pool: KernelPool, timeout: int) -> Any:
    """Execute ``nb`` with papermill in a kernel of ``pool``; write it to ``out_nb`` and return it.

    The kernel is given back to ``pool`` afterwards (reset and reused when the
    notebook ran cleanly). A kernel that dies before running any cell (a failed
    start) is replaced once.
    Errors in cells raise papermill's ``PapermillExecutionError`` (the executed
    notebook with the traceback is written first); a timeout raises nbclient's
    ``CellTimeoutError``, a killed kernel ``DeadKernelError``.
    """
    import papermill as pm

    for attempt in range(2):
        km = pool.take()
        clean = False
        try:
            node = pm.execute_notebook(
                str(nb),
                str(out_nb),
                parameters=parameters,
                kernel_name="python3",
                cwd=None,  # the kernel started in pool.cwd; papermill's chdir would not be thread-safe
                progress_bar=False,
                log_output=False,
                execution_timeout=timeout,
                request_save_on_cell_execute=False,
                km=km,
            )
            clean = True
            return node
        except RuntimeError as exc:  # the kernel died while starting: try once more with a fresh one
            if "Kernel" in str(exc) and attempt == 0 and not out_nb.exists():
                continue
            raise
        finally:
            pool.give_back(km, clean)
    raise RuntimeError("unreachable")
