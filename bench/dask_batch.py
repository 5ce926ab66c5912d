"""Batch throughput on a Dask LocalCluster with 1 and 2 worker processes (and, optionally, the local pool).

Not a test. Renders the bundled clients (``params/*.yaml``, each at its own
period) into a fresh temporary folder per run and prints reports per minute::

    .venv/bin/python bench/dask_batch.py                 # --dask local:1, then local:2
    .venv/bin/python bench/dask_batch.py --local         # also render --jobs 1 and --jobs 2
    .venv/bin/python bench/dask_batch.py --clients 20 --customers 2000 --local --workers 2
        # 20 seeded clients of bench/clients.py (seeds 1-20) instead of the bundled ones
"""

from __future__ import annotations

import argparse
import re
import tempfile
from pathlib import Path

from _measure import ROOT, machine, python, run_measured, versions


def main() -> None:
    """Run the batch once per setting and print one line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="Dask worker processes to try")
    parser.add_argument("--local", action="store_true", help="also time the local pool (--jobs N)")
    parser.add_argument("--clients", type=int, default=0, help="render this many seeded bench clients instead")
    parser.add_argument("--customers", type=int, default=2000, help="customers per seeded client")
    parser.add_argument("--no-dask", action="store_true", help="time only the local pool")
    args = parser.parse_args()
    if args.clients:
        from clients import _name, write_client

        folders = [
            write_client(args.customers, seed=k, csv=False, name=f"{_name(args.customers)}-s{k:02d}")
            for k in range(1, args.clients + 1)
        ]
        params = [str(f / "params.yaml") for f in folders]
    else:
        params = [str(p) for p in sorted((ROOT / "params").glob("*.yaml"))]
    settings = [] if args.no_dask else [["--dask", f"local:{n}"] for n in args.workers]
    if args.local:
        settings += [["--jobs", str(n)] for n in args.workers]
    print(f"machine: {machine()}; {versions('dask', 'distributed', 'papermill')}")
    results = []
    for setting in settings:
        with tempfile.TemporaryDirectory(prefix="bench-dask-") as out:
            run = run_measured([python(), "-m", "repurchase", "render", *params, "--out", out, *setting], echo=False)
            m = re.search(r"(\d+) report\(s\) rendered, (\d+) failed", run.output)
            done = int(m.group(1)) if m else 0
            failed = int(m.group(2)) if m else -1
            per_min = done / run.seconds * 60
            line = (
                f"{' '.join(setting):<14} {done} reports ({failed} failed) in {run.seconds:6.1f} s: "
                f"{per_min:.2f} reports/min, peak RSS {run.peak_mb:,.0f} MB"
            )
            print(line, flush=True)
            results.append(line)
            if run.returncode:
                print(run.output[-3000:])
    Path(tempfile.gettempdir(), "bench-dask-batch.txt").write_text("\n".join(results) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
