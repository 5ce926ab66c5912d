"""Benchmark: the transaction -> customer summary in Ibis on DuckDB over large Parquet logs (10M-100M lines).

Not a test. For each size it writes (once, seeded, in chunks of row groups
straight to Parquet with pyarrow) a cleaned-transactions log under
``data/bench/agg-<lines>/transactions.parquet``: ``customer_id`` (text, about
0.3 customers per line: ~30M customers for 100M lines), ``order_id``,
``order_date`` over three years, ``amount``, ``refund_amount`` and ``raw_row``.
Then it runs, in a child process whose peak RSS (VmHWM of the whole tree) is
sampled, :func:`repurchase.warehouse.customer_aggregates` on
DuckDB with ``memory_limit`` and a ``temp_directory`` to spill to, writing the
per-customer table (occasions, first and last day, total and repeat value:
everything the customer summary is finished from) to Parquet; the 30M-row
result is never loaded into pandas.

Usage::

    .venv/bin/python bench/aggregation.py --lines 10000000 100000000 [--memory-limit 3GB]
    .venv/bin/python bench/aggregation.py --lines 1000000 10000000 --backend pyspark   # local PySpark, one core
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import ROOT, machine, python, run_measured, versions

OUT = ROOT / "data" / "bench"
CHUNK = 5_000_000
CUSTOMERS_PER_LINE = 0.3
START_US = np.datetime64("2023-11-01", "us").astype(np.int64)
DAYS = 3 * 365 + 1


def generate(lines: int, path: Path, seed: int = 19) -> float:
    """Write ``lines`` seeded order lines to ``path`` in row groups of ``CHUNK``; returns the seconds taken."""
    t0 = time.perf_counter()
    n_customers = max(int(lines * CUSTOMERS_PER_LINE), 1)
    rng = np.random.default_rng(seed)
    schema = pa.schema(
        [
            ("customer_id", pa.string()),
            ("order_id", pa.string()),
            ("order_date", pa.timestamp("us")),
            ("amount", pa.float64()),
            ("refund_amount", pa.float64()),
            ("raw_row", pa.int64()),
        ]
    )
    tmp = path.with_suffix(".tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
        for lo in range(0, lines, CHUNK):
            n = min(CHUNK, lines - lo)
            cust = rng.integers(0, n_customers, n)
            day = rng.integers(0, DAYS, n)
            second = rng.integers(8 * 3600, 22 * 3600, n)
            ts = START_US + (day * 86_400 + second) * 1_000_000
            amount = np.round(np.exp(rng.normal(3.5, 0.8, n)), 2) + 0.01
            raw_row = np.arange(lo, lo + n, dtype=np.int64) + 1
            cid = pc.binary_join_element_wise("C", pc.cast(pa.array(cust), pa.string()), "")
            oid = pc.binary_join_element_wise("O", pc.cast(pa.array(raw_row), pa.string()), "")
            table = pa.table([cid, oid, pa.array(ts, pa.timestamp("us")), amount, np.zeros(n), raw_row], schema=schema)
            writer.write_table(table, row_group_size=1_000_000)
    tmp.replace(path)
    return time.perf_counter() - t0


def child(path: Path, out: Path, memory_limit: str, threads: int, backend: str = "duckdb") -> None:
    """Summarise ``path`` per customer on DuckDB (spilling to a temp dir) or local PySpark; write it to ``out``."""
    import ibis

    from repurchase.warehouse import customer_aggregates

    if backend == "pyspark":
        from repurchase.warehouse import spark_session

        session = spark_session("repurchase-bench")
        session.sparkContext.setLogLevel("ERROR")
        con = ibis.pyspark.connect(session)
        t = con.read_parquet(str(path), table_name="tx")
        t0 = time.perf_counter()
        con.to_parquet_dir(customer_aggregates(t), str(out))
        seconds = time.perf_counter() - t0
        rows = sum(pq.ParquetFile(f).metadata.num_rows for f in Path(out).glob("*.parquet"))
        print(json.dumps({"seconds": seconds, "customers": rows}))
        session.stop()
        return
    with tempfile.TemporaryDirectory(prefix="duckdb-spill-") as spill:
        con = ibis.duckdb.connect(memory_limit=memory_limit, temp_directory=spill, threads=threads)
        con.raw_sql("SET preserve_insertion_order = false")
        t = con.read_parquet(path, table_name="tx")
        t0 = time.perf_counter()
        con.to_parquet(customer_aggregates(t), out)
        seconds = time.perf_counter() - t0
        rows = pq.ParquetFile(out).metadata.num_rows
        print(json.dumps({"seconds": seconds, "customers": rows}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, nargs="+", default=[10_000_000, 100_000_000])
    ap.add_argument("--memory-limit", default="3GB", help="DuckDB memory_limit (default 3GB)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--backend", choices=["duckdb", "pyspark"], default="duckdb", help="where the summary runs")
    ap.add_argument("--generate-only", action="store_true")
    ap.add_argument("--child", nargs=2, metavar=("PARQUET", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]), args.memory_limit, args.threads, args.backend)
        return
    print(f"machine: {machine()}")
    print(f"backend: {args.backend}; versions: {versions('ibis-framework', 'duckdb', 'pyspark', 'pyarrow')}")
    rows = []
    for lines in args.lines:
        path = OUT / f"agg-{lines}" / "transactions.parquet"
        if not path.exists():
            print(f"== generating {lines:,} lines -> {path}", flush=True)
            print(f"   {generate(lines, path):.0f} s, {path.stat().st_size / 2**20:.0f} MiB")
        if args.generate_only:
            continue
        out = path.with_name("summary.parquet" if args.backend == "duckdb" else "summary-pyspark")
        if out.is_dir():
            shutil.rmtree(out)
        else:
            out.unlink(missing_ok=True)
        cmd = [python(), __file__, "--child", str(path), str(out), "--memory-limit", args.memory_limit]
        cmd += ["--threads", str(args.threads), "--backend", args.backend]
        run = run_measured(cmd, env={"PYTHONPATH": str(ROOT / "lib")})
        if run.returncode:
            raise SystemExit(f"the child failed:\n{run.output}")
        res = json.loads(run.output.strip().splitlines()[-1])
        rows.append((lines, res["customers"], res["seconds"], run.seconds, run.peak_mb))
    if rows:
        print("\n| lines | customers | aggregation s | process s | peak RSS MiB |\n|---:|---:|---:|---:|---:|")
        for lines, cust, s, total, peak in rows:
            print(f"| {lines:,} | {cust:,} | {s:.1f} | {total:.1f} | {peak:,.0f} |")


if __name__ == "__main__":
    main()
