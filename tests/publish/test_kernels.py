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
