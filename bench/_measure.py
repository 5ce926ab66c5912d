"""Measuring helpers for the bench scripts: wall time and the peak RSS of a whole process tree."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Run:
    """One measured command: its wall time, the peak RSS of its process tree, its exit code and output."""

    seconds: float
    peak_mb: float
    returncode: int
    output: str


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            continue
    return total


def run_measured(
    cmd: Sequence[str], *, env: dict[str, str] | None = None, interval: float = 0.1, cwd: Path = ROOT, echo: bool = True
) -> Run:
    """Run ``cmd``; sample the summed RSS of it and all its descendants (kernels included) every ``interval`` s."""
    full_env = {**os.environ, **(env or {})}
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        list(cmd), cwd=cwd, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    ps = psutil.Process(proc.pid)
    peak = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _tree_rss(ps))
            stop.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    lines = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        if echo:
            print("   | " + line.rstrip(), flush=True)
    proc.wait()
    stop.set()
    sampler.join()
    return Run(time.perf_counter() - t0, peak[0] / 2**20, proc.returncode, "".join(lines))


def machine() -> str:
    """One line on the machine: CPU count, memory, Python, OS."""
    mem = psutil.virtual_memory().total / 2**30
    return (
        f"{os.cpu_count()} cores, {mem:.0f} GiB RAM, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def versions(*packages: str) -> str:
    """``name version`` of the given installed distributions."""
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for name in packages:
        try:
            out.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            out.append(f"{name} (not installed)")
    return ", ".join(out)


def python() -> str:
    """The interpreter running the bench (the project's venv)."""
    return sys.executable
