"""Kernels started ahead: the same thread settings wherever a render runs."""

from __future__ import annotations

import json

from repurchase.publish.kernels import KERNEL_THREADS, KernelPool, execute_notebook


def test_kernels_run_blas_on_one_thread_whatever_the_parent_sets(tmp_path, tiny_notebook, monkeypatch):
    # the local pool inherits the shell's environment; a Dask worker's nanny sets these to 1
    monkeypatch.setenv("OMP_NUM_THREADS", "7")
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    seen = tmp_path / "seen.json"
    code = (
        "import json, os\n"
        f"json.dump({{k: os.environ.get(k) for k in {sorted(KERNEL_THREADS)!r}}}, open({str(seen)!r}, 'w'))"
    )
    nb = tiny_notebook(tmp_path / "env.ipynb", code)
    with KernelPool(tmp_path, warmup="") as pool:
        execute_notebook(nb, tmp_path / "out.ipynb", {}, pool, timeout=60)
    assert json.loads(seen.read_text()) == KERNEL_THREADS == dict.fromkeys(KERNEL_THREADS, "1")


def _outputs(nb) -> str:
    return "".join(o.get("text", "") for cell in nb.cells for o in cell.get("outputs", []))


def test_a_clean_notebook_leaves_its_kernel_reset_for_the_next_one(tmp_path, tiny_notebook):
    warmup = "import matplotlib\nimport repurchase.publish.kernels as k\nk.remember_kernel_state()\n"
    first = tiny_notebook(
        tmp_path / "a.ipynb",
        "import os, warnings, matplotlib, matplotlib.pyplot as plt\n"
        "leftover = 41\n"
        "matplotlib.rcParams['lines.linewidth'] = 9.0\n"
        "warnings.simplefilter('ignore')\n"
        "fig = plt.figure()\n"
        "print('pid', os.getpid())",
    )
    second = tiny_notebook(
        tmp_path / "b.ipynb",
        "import os, warnings, matplotlib, matplotlib.pyplot as plt\n"
        "print('pid', os.getpid())\n"
        "print('leftover' in globals(), matplotlib.rcParams['lines.linewidth'], len(plt.get_fignums()))\n"
        "print(('ignore', None, Warning, None, 0) in warnings.filters)",
    )
    with KernelPool(tmp_path, warmup=warmup) as pool:
        a = execute_notebook(first, tmp_path / "a.out.ipynb", {}, pool, timeout=60)
        b = execute_notebook(second, tmp_path / "b.out.ipynb", {}, pool, timeout=60)
        assert pool.started == 1
    pid_a = _outputs(a).split()[1]
    lines = _outputs(b).splitlines()
    assert lines[0] == f"pid {pid_a}"  # the same kernel ran both notebooks
    default_width = __import__("matplotlib").rcParamsDefault["lines.linewidth"]
    assert lines[1] == f"False {default_width} 0"  # empty namespace, the settings it started with, no figure
    assert lines[2] == "False"  # the warning filter of the first notebook is gone
    assert next(c.execution_count for c in b.cells if c.cell_type == "code") == 1  # numbered as in a fresh kernel


def test_a_failed_notebook_never_hands_its_kernel_on(tmp_path, tiny_notebook):
    import papermill as pm
    import pytest

    failing = tiny_notebook(tmp_path / "bad.ipynb", "import os\nprint('pid', os.getpid())\nleftover = 1\n1 / 0")
    after = tiny_notebook(tmp_path / "next.ipynb", "import os\nprint('pid', os.getpid(), 'leftover' in globals())")
    with KernelPool(tmp_path, warmup="") as pool:
        with pytest.raises(pm.PapermillExecutionError, match="ZeroDivisionError"):
            execute_notebook(failing, tmp_path / "bad.out.ipynb", {}, pool, timeout=60)
        ok = execute_notebook(after, tmp_path / "next.out.ipynb", {}, pool, timeout=60)
        assert pool.started == 2
    bad_pid = _outputs(pm.iorw.load_notebook_node(str(tmp_path / "bad.out.ipynb"))).split()[1]
    pid, leftover = _outputs(ok).split()[1:3]
    assert pid != bad_pid
    assert leftover == "False"


def test_without_reuse_every_notebook_gets_a_fresh_kernel(tmp_path, tiny_notebook):
    nb = tiny_notebook(tmp_path / "pid.ipynb", "import os\nprint('pid', os.getpid())")
    with KernelPool(tmp_path, warmup="", reuse=False) as pool:
        pids = {
            _outputs(execute_notebook(nb, tmp_path / f"o{i}.ipynb", {}, pool, timeout=60)).split()[1] for i in range(2)
        }
    assert len(pids) == 2
