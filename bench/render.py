"""Benchmark: the full render of synthetic clients, per stage and per notebook, with the process tree's peak RSS.

Not a test. For each size it writes (or reuses) the seeded client of
``bench/clients.py`` under ``data/bench/``, renders it with ``python -m
repurchase render`` into a temporary folder (one client, ``--jobs 1``), and
reads the render's own progress lines:

* ``data loaded and cleaned in …``, then ``<stage> computed in …`` for each
  analysis (computed once, in the render process);
* ``<notebook> done in …`` for each notebook, which then only reads the
  stored results: on the smallest client this is the fixed cost per notebook
  (kernel start, imports, reading the store, display, HTML export).

The peak RSS is that of the whole process tree (kernels included), sampled
every 0.1 s (``bench/_measure.py``). With ``--markdown`` the table is printed
as Markdown for ``docs/benchmarks.md``.

With ``--fixed N`` (default 6) it first renders N minimal notebooks (open the
report, show its summary) on the smallest client: the median of all but the
first is the fixed cost per notebook (kernel start ahead, papermill, HTML
export, the raw-ID check), beyond any notebook's own computing.

Usage::

    .venv/bin/python bench/render.py --customers 200 10000 100000 [--markdown] [--fixed 6]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import ROOT, machine, python, run_measured, versions

_STAGE = re.compile(r"\] (?P<name>[a-z_]+) computed in (?P<s>[\d.]+) s")
_NOTEBOOK = re.compile(r"\] (?P<name>\d\d_[a-z_]+) done in (?P<s>[\d.]+) s")
_CLEAN = re.compile(r"\] data loaded and cleaned in (?P<s>[\d.]+) s")


def client_params(n: int, seed: int) -> Path:
    """The params file of the bench client of ``n`` customers, written by bench/clients.py when missing."""
    from clients import OUT, _name, write_client

    params = OUT / _name(n) / "params.yaml"
    if not params.exists():
        write_client(n, seed=seed)
    return params


def parse(output: str) -> dict:
    """Stage and notebook seconds from a render's progress lines."""
    clean = _CLEAN.search(output)
    return {
        "clean": float(clean["s"]) if clean else float("nan"),
        "stages": {m["name"]: float(m["s"]) for m in _STAGE.finditer(output)},
        "notebooks": {m["name"]: float(m["s"]) for m in _NOTEBOOK.finditer(output)},
    }


def bench_one(n: int, seed: int) -> dict:
    params = client_params(n, seed)
    with tempfile.TemporaryDirectory() as out:
        cmd = [python(), "-m", "repurchase", "render", str(params), "--out", out, "--jobs", "1"]
        run = run_measured(cmd, env={"PYTHONPATH": str(ROOT / "lib")}, echo=False)
    if run.returncode != 0:
        sys.stderr.write(run.output[-4000:])
        raise SystemExit(f"the render of {params} failed (exit {run.returncode})")
    return {"customers": n, "seconds": run.seconds, "peak_mb": run.peak_mb, **parse(run.output)}


FIXED_CODE = (
    "from repurchase.report import open_report\n"
    "ctx = open_report(params_path, period=period, output_dir=output_dir)\n"
    "ctx.show(ctx.summary())"
)


def bench_fixed(n: int, seed: int, copies: int) -> dict:
    """The fixed cost per notebook: ``copies`` notebooks that only open the report and show its summary.

    Rendered like the real notebooks (kernel started ahead, papermill, HTML
    export, the raw-ID check), one at a time; the first one also waits for the
    first kernel to start, so the fixed cost is the median of the others.
    """
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    params = client_params(n, seed)
    with tempfile.TemporaryDirectory() as nbs, tempfile.TemporaryDirectory() as out:
        for i in range(1, copies + 1):
            nb = new_notebook()
            nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
            cell = new_code_cell('params_path = ""\nperiod = "latest"\noutput_dir = ""')
            cell.metadata["tags"] = ["parameters"]
            nb.cells = [new_markdown_cell("# Fixed cost"), cell, new_code_cell(FIXED_CODE)]
            nbformat.write(nb, Path(nbs) / f"{i:02d}_fixed.ipynb")
        cmd = [python(), "-m", "repurchase", "render", str(params), "--out", out, "--jobs", "1", "--notebooks", nbs]
        run = run_measured(cmd, env={"PYTHONPATH": str(ROOT / "lib")}, echo=False)
    if run.returncode != 0:
        sys.stderr.write(run.output[-4000:])
        raise SystemExit(f"the fixed-cost render of {params} failed (exit {run.returncode})")
    seconds = [float(m["s"]) for m in _NOTEBOOK.finditer(run.output)]
    rest = sorted(seconds[1:])
    return {"first": seconds[0], "median": rest[len(rest) // 2] if rest else float("nan"), "all": seconds}


def markdown(results: list[dict]) -> str:
    stages = list(dict.fromkeys(s for r in results for s in r["stages"]))
    notebooks = list(dict.fromkeys(s for r in results for s in r["notebooks"]))
    head = ["customers", "total s", "peak RSS MB", "load+clean s", *[f"{s} s" for s in stages]]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        cells = [f"{r['customers']:,}", f"{r['seconds']:.1f}", f"{r['peak_mb']:,.0f}", f"{r['clean']:.1f}"]
        cells += [f"{r['stages'].get(s, float('nan')):.1f}" for s in stages]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "| customers | " + " | ".join(notebooks) + " | mean per notebook |",
        "|" + "---|" * (len(notebooks) + 2),
    ]
    for r in results:
        nb = [r["notebooks"].get(x, float("nan")) for x in notebooks]
        lines.append(f"| {r['customers']:,} | " + " | ".join(f"{v:.1f}" for v in nb) + f" | {sum(nb) / len(nb):.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, nargs="+", default=[200, 10_000, 100_000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--markdown", action="store_true", help="print the tables as Markdown")
    parser.add_argument(
        "--fixed", type=int, default=6, metavar="N", help="also time N minimal notebooks on the smallest client (0: no)"
    )
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"versions: {versions('pandas', 'numpy', 'duckdb', 'lifetimes', 'papermill', 'nbconvert')}")
    if args.fixed > 1:
        f = bench_fixed(min(args.customers), args.seed, args.fixed)
        print(
            f"fixed cost per notebook ({min(args.customers):,} customers, {args.fixed} minimal notebooks): "
            f"median {f['median']:.2f} s after the first ({f['first']:.2f} s, with the first kernel start); "
            f"all: {', '.join(f'{v:.2f}' for v in f['all'])}",
            flush=True,
        )
    results = []
    for n in args.customers:
        r = bench_one(n, args.seed)
        results.append(r)
        print(
            f"{n:>10,} customers: {r['seconds']:7.1f} s, peak RSS {r['peak_mb']:7,.0f} MB, "
            f"load+clean {r['clean']:.1f} s, analyses {sum(r['stages'].values()):.1f} s, "
            f"notebooks {', '.join(f'{k} {v:.1f}' for k, v in r['notebooks'].items())}",
            flush=True,
        )
    if args.markdown:
        print()
        print(markdown(results))


if __name__ == "__main__":
    main()
