"""Notebook execution with kernels started ahead, so kernel start and imports leave the critical path.

papermill starts a fresh kernel per notebook (it cannot reuse one, papermill
#326), and starting it plus importing pandas, matplotlib and the package costs
seconds per notebook. :class:`KernelPool` keeps the next kernel started and
warmed (the imports run in it while the current notebook executes); papermill
then runs the notebook in that kernel (``km=``). Kernels talk over Unix
sockets (``ipc``), so parallel renders never race for TCP ports (papermill #511).

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
from typing import Any

__all__ = ["KERNEL_THREADS", "WARMUP", "KernelPool", "execute_notebook"]

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
)


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
    """Kernels started and warmed ahead of the notebooks that will use them.

    Parameters
    ----------
    cwd
        Working directory of the kernels (the notebooks folder, as papermill's ``cwd``).
    warmup
        Code each kernel runs silently right after it starts.
    ahead
        Kernels kept started ahead (one per notebook run at the same time).
    """

    def __init__(self, cwd: Path, warmup: str = WARMUP, ahead: int = 1):
        self.cwd = Path(cwd)
        self.warmup = warmup
        self.ahead = max(1, int(ahead))
        self._ipc = Path(tempfile.mkdtemp(prefix="repurchase-ipc-"))
        self._starter = ThreadPoolExecutor(max_workers=self.ahead, thread_name_prefix="kernel-start")
        self._ready: list[Future[Any]] = []
        self._lock = threading.Lock()

    def _start(self) -> Any:
        km = _manager_class()(kernel_name="python3", transport="ipc", ip=str(self._ipc / f"k{time.time_ns()}"))
        km.start_kernel(cwd=str(self.cwd), env={**os.environ, **KERNEL_THREADS})
        if self.warmup:
            kc = km.client()
            kc.start_channels()
            try:
                kc.wait_for_ready(timeout=60)
                kc.execute(self.warmup, silent=True, store_history=False, allow_stdin=False)
            finally:
                kc.stop_channels()
        return km

    def prestart(self) -> None:
        """Start the kernels kept ahead now, in the background."""
        with self._lock:
            while len(self._ready) < self.ahead:
                self._ready.append(self._starter.submit(self._start))

    def take(self) -> Any:
        """A started kernel for the next notebook; its replacement starts now, in the background."""
        with self._lock:
            ahead = self._ready.pop(0) if self._ready else self._starter.submit(self._start)
            self._ready.append(self._starter.submit(self._start))
        return ahead.result()

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


def _shutdown(km: Any) -> None:
    with contextlib.suppress(Exception):  # an already dead kernel
        km.shutdown_kernel(now=True)


def execute_notebook(nb: Path, out_nb: Path, parameters: dict, pool: KernelPool, timeout: int) -> Any:
    """Execute ``nb`` with papermill in a kernel of ``pool``; write it to ``out_nb`` and return it.

    A kernel that dies before running any cell (a failed start) is replaced once.
    Errors in cells raise papermill's ``PapermillExecutionError`` (the executed
    notebook with the traceback is written first); a timeout raises nbclient's
    ``CellTimeoutError``, a killed kernel ``DeadKernelError``.
    """
    import papermill as pm

    for attempt in range(2):
        km = pool.take()
        try:
            return pm.execute_notebook(
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
        except RuntimeError as exc:  # the kernel died while starting: try once more with a fresh one
            if "Kernel" in str(exc) and attempt == 0 and not out_nb.exists():
                continue
            raise
        finally:
            _shutdown(km)
    raise RuntimeError("unreachable")
