"""Command line: ``python -m repurchase {render,jobs,render-job,index,validate,demo-data}``.

Errors caused by inputs print one clear message (file, field, fix) and exit
with status 2; no traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import cast

from repurchase.core.errors import RepurchaseError, with_params_file


def _cmd_validate(args: argparse.Namespace) -> int:
    from repurchase.cleaning import datasets
    from repurchase.cleaning.rules import CleaningResult
    from repurchase.core.params import SOURCE_ROLES, load_params
    from repurchase.core.periods import expand_periods

    failed = 0
    for p in args.params:
        try:
            params = load_params(p)
            for label in expand_periods(args.period or params.period):
                period = datasets.resolve_period(params, label)
                result = cast(CleaningResult, datasets.load_cleaning(params, period))
                for role in SOURCE_ROLES[1:]:
                    datasets.load_cleaning(params, period, role)
                print(
                    f"ok: {p}: client {params.client}, period {period.label}, "
                    f"{result.raw_rows:,} rows read, {len(result.clean):,} usable"
                )
        except RepurchaseError as exc:
            failed += 1
            print(f"error: {with_params_file(exc, p)}", file=sys.stderr)
    return 2 if failed else 0


def _cmd_render(args: argparse.Namespace) -> int:
    from repurchase.publish.render import print_summary, render_reports

    out = Path(args.out)
    notebooks = Path(args.notebooks) if args.notebooks else None
    if notebooks is not None and not notebooks.is_dir():
        raise RepurchaseError(f"--notebooks {notebooks}: not a folder; pass the folder holding 01_cleaning.ipynb …")
    if args.dask:
        from repurchase.publish.fanout import render_with_dask

        if args.jobs != 1:
            raise RepurchaseError("--jobs and --dask: pass one of them (--dask local:N runs N worker processes)")
        outcomes = render_with_dask(
            [Path(p) for p in args.params], args.period, address=args.dask, out=args.out, notebooks_dir=notebooks
        )
    else:
        outcomes = render_reports(
            [Path(p) for p in args.params], args.period, jobs=args.jobs, out=out, notebooks_dir=notebooks
        )
    return print_summary(outcomes, out)


def _cmd_jobs(args: argparse.Namespace) -> int:
    from repurchase.publish.jobs import build_jobs

    notebooks = Path(args.notebooks) if args.notebooks else None
    jobs, failed = build_jobs([Path(p) for p in args.params], args.period, notebooks)
    for job in jobs:
        print(job.to_json(), flush=True)
    for o in failed:
        print(f"error: {o.error}", file=sys.stderr)
    return 2 if failed else 0


def _cmd_render_job(args: argparse.Namespace) -> int:
    from repurchase.publish.jobs import Job
    from repurchase.publish.render import _finish, check_output_dir, print_summary, run_job

    job = Job.from_json(args.job)
    out = Path(args.out)
    check_output_dir(out)
    outcome = _finish(run_job(job, out, max(1, args.parallel)))
    return print_summary([outcome], out)


def _cmd_index(args: argparse.Namespace) -> int:
    from repurchase.publish.index import write_index
    from repurchase.publish.render import check_output_dir

    out = Path(args.out)
    check_output_dir(out)
    print(f"index: {write_index(out).resolve()}")
    return 0


def _cmd_demo_data(args: argparse.Namespace) -> int:
    from repurchase.demo import write_demo_data

    if args.out:
        write_demo_data(out_dir=Path(args.out))
    else:
        write_demo_data()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m repurchase", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    r = sub.add_parser("render", help="execute the notebooks and render HTML reports")
    r.add_argument("params", nargs="+", help="params files, e.g. params/*.yaml")
    r.add_argument("--period", default=None, help="YYYY-MM, YYYY-MM..YYYY-MM or latest (default: each file's period)")
    r.add_argument("--jobs", type=int, default=1, help="reports rendered in parallel (default 1)")
    r.add_argument("--out", default="reports", help="reports folder (default reports)")
    r.add_argument(
        "--notebooks",
        default=None,
        help="notebooks folder (default: notebooks/ of the repository holding the params file, else of the package)",
    )
    r.add_argument(
        "--dask",
        default=None,
        metavar="ADDRESS",
        help="render on a Dask cluster: local (one worker process per core), local:N, or the scheduler, e.g. "
        "tcp://scheduler:8786 (workers started with --nthreads 1); --out must be a folder every worker sees at the "
        "same path (local disk, NFS); s3:// and other object stores are not supported",
    )
    r.set_defaults(func=_cmd_render)

    j = sub.add_parser(
        "jobs",
        help="print the batch's jobs as JSON lines (a client's months oldest first), for an orchestrator",
        description="Print the (params file, period) jobs of a batch, one JSON line each, in the order the batch "
        "runs them: params files as given, each one's months oldest first. Run each line with render-job; the "
        "months of one params file in order, different params files in parallel; then `index`.",
    )
    j.add_argument("params", nargs="+", help="params files, e.g. params/*.yaml")
    j.add_argument("--period", default=None, help="YYYY-MM, YYYY-MM..YYYY-MM or latest (default: each file's period)")
    j.add_argument("--notebooks", default=None, help="notebooks folder written into every job (default: found per job)")
    j.set_defaults(func=_cmd_jobs)

    rj = sub.add_parser(
        "render-job",
        help="render one job printed by `jobs` (does not write the index: run `index` once at the end)",
        description="Render one job line printed by `jobs` into --out, with the same atomic swap as render: a "
        "failed job leaves the previous report as it was. Exit 0 when rendered, 1 when the render failed, 2 for "
        "a malformed job. The index is not written (parallel jobs would race for it): run `index` at the end.",
    )
    rj.add_argument(
        "job", help='one JSON line from `jobs`, e.g. \'{"params": "params/cdnow.yaml", "period": "1998-06"}\''
    )
    rj.add_argument("--out", default="reports", help="reports folder (default reports)")
    rj.add_argument("--parallel", type=int, default=1, help="notebooks executed at the same time (default 1)")
    rj.set_defaults(func=_cmd_render_job)

    ix = sub.add_parser("index", help="write <out>/index.html from the rendered reports")
    ix.add_argument("--out", default="reports", help="reports folder (default reports)")
    ix.set_defaults(func=_cmd_index)

    v = sub.add_parser("validate", help="check params files and their sources")
    v.add_argument("params", nargs="+")
    v.add_argument("--period", default=None, help="YYYY-MM, YYYY-MM..YYYY-MM or latest (default: each file's period)")
    v.set_defaults(func=_cmd_validate)

    d = sub.add_parser("demo-data", help="write the demo data under data/demo/")
    d.add_argument("--out", default=None, help="folder (default data/demo)")
    d.set_defaults(func=_cmd_demo_data)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except RepurchaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a file or folder the user gave cannot be read or written
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}; check that path and its permissions", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
