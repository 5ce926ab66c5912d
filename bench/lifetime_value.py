"""Benchmark: the project's summary + fit + CLV path vs lifetimes' documented path.

Not a test. Simulates one data set (default 1M customers, BG/NBD and Gamma-Gamma
at the published CDNOW parameters, 78 weeks, a few order lines per purchase
day), writes it to a temporary parquet file, then runs each path in its own
subprocess so that peak memory is measured fairly:

* project: ``customer_summary`` (numpy) → ``fit_model(BGNBD)``,
  ``fit_model(ParetoNBD)`` and ``fit_spend`` on weighted distinct rows →
  ``customer_lifetime_value`` (no bootstrap draws, as lifetimes has none);
* lifetimes: ``summary_data_from_transaction_data(freq="D")`` (recency and T
  / 7) → ``BetaGeoFitter().fit``, ``ParetoNBDFitter().fit`` and
  ``GammaGammaFitter().fit`` on every customer →
  ``GammaGammaFitter.customer_lifetime_value``.

It prints the time of each stage, the ratio, the peak memory of each path (the
data are loaded first, then the kernel's peak-RSS mark is reset, so the peak is
that of the path: VmHWM, and its rise above the RSS with the data loaded) and
how far the estimates differ. The CLV totals differ slightly by convention: lifetimes counts
a month as 4.345 weeks, the project as 30.4375 / 7 = 4.348.

Usage::

    .venv/bin/python bench/lifetime_value.py [--customers 1000000] [--intervals]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ANNUAL_DISCOUNT = 0.10
HORIZON_MONTHS = 12


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _rss_mb() -> float:
    return _status_mb("VmRSS")


def _reset_peak() -> float:
    """Reset the kernel's peak-RSS mark after loading the data (Linux ≥ 4.0), return the RSS then."""
    gc.collect()
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:  # pragma: no cover - not Linux: the peak then includes loading
        pass
    return _rss_mb()


def _peak_mb() -> float:
    """Peak RSS since the last reset (VmHWM), falling back to ru_maxrss."""
    peak = _status_mb("VmHWM")
    return peak if peak == peak else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_project(data: Path, end: str, intervals: bool) -> dict:
    import pandas as pd

    from repurchase import lifetime_value as lv
    from repurchase.core.periods import Window

    tx = pd.read_parquet(data)
    base = _reset_peak()
    times = {}
    t0 = time.perf_counter()
    summary = lv.customer_summary(tx, Window.through(end))
    times["summary"] = time.perf_counter() - t0
    t = time.perf_counter()
    bg = lv.fit_model(summary, lv.BGNBD)
    times["fit_bgnbd"] = time.perf_counter() - t
    t = time.perf_counter()
    pnbd = lv.fit_model(summary, lv.ParetoNBD)
    times["fit_pareto_nbd"] = time.perf_counter() - t
    t = time.perf_counter()
    gg = lv.fit_spend(summary)
    times["fit_gamma_gamma"] = time.perf_counter() - t
    t = time.perf_counter()
    clv = lv.customer_lifetime_value(
        summary, bg, gg, horizon_months=HORIZON_MONTHS, discount_rate_annual=ANNUAL_DISCOUNT, draws=0
    )
    times["clv"] = time.perf_counter() - t
    times["total"] = time.perf_counter() - t0
    out = {
        "times": times,
        "peak_mb": _peak_mb(),
        "rise_mb": _peak_mb() - base,
        "customers": len(summary),
        "unique_rows": bg.n_unique,
        "bgnbd": bg.params,
        "pareto_nbd": pnbd.params,
        "gamma_gamma": gg.params,
        "clv_total": float(clv.customers["clv"].sum()),
    }
    if intervals:
        t = time.perf_counter()
        with_draws = lv.customer_lifetime_value(
            summary, bg, gg, horizon_months=HORIZON_MONTHS, discount_rate_annual=ANNUAL_DISCOUNT, draws=200
        )
        out["intervals_seconds"] = time.perf_counter() - t
        out["clv_interval"] = with_draws.total("clv")
        out["peak_mb_with_intervals"] = _peak_mb()
        out["rise_mb_with_intervals"] = _peak_mb() - base
    return out


def worker_lifetimes(data: Path, end: str) -> dict:
    import warnings

    import pandas as pd

    warnings.simplefilter("ignore")
    from lifetimes import BetaGeoFitter, GammaGammaFitter, ParetoNBDFitter
    from lifetimes.utils import summary_data_from_transaction_data

    tx = pd.read_parquet(data)
    base = _reset_peak()
    times = {}
    t0 = time.perf_counter()
    summary = summary_data_from_transaction_data(
        tx, "customer_id", "order_date", monetary_value_col="amount", observation_period_end=end, freq="D"
    )
    summary["recency"] /= 7
    summary["T"] /= 7
    times["summary"] = time.perf_counter() - t0
    t = time.perf_counter()
    bgf = BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
    times["fit_bgnbd"] = time.perf_counter() - t
    t = time.perf_counter()
    pnf = ParetoNBDFitter().fit(summary["frequency"], summary["recency"], summary["T"])
    times["fit_pareto_nbd"] = time.perf_counter() - t
    t = time.perf_counter()
    repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    ggf = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    times["fit_gamma_gamma"] = time.perf_counter() - t
    t = time.perf_counter()
    clv = ggf.customer_lifetime_value(
        bgf, summary["frequency"], summary["recency"], summary["T"], summary["monetary_value"],
        time=HORIZON_MONTHS, discount_rate=(1 + ANNUAL_DISCOUNT) ** (1 / 12) - 1, freq="W",
    )  # fmt: skip
    times["clv"] = time.perf_counter() - t
    times["total"] = time.perf_counter() - t0
    return {
        "times": times,
        "peak_mb": _peak_mb(),
        "rise_mb": _peak_mb() - base,
        "customers": len(summary),
        "bgnbd": {k: float(v) for k, v in bgf.params_.items()},
        "pareto_nbd": {k: float(v) for k, v in pnf.params_.items()},
        "gamma_gamma": {k: float(v) for k, v in ggf.params_.items()},
        "clv_total": float(clv.sum()),
    }


def _run_worker(kind: str, data: Path, end: str, intervals: bool) -> dict:
    cmd = [sys.executable, __file__, "--worker", kind, "--data", str(data), "--end", end]
    if intervals:
        cmd.append("--intervals")
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"{kind} worker failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--intervals", action="store_true", help="also time 200 bootstrap draws (project only)")
    parser.add_argument("--worker", choices=["project", "lifetimes"])
    parser.add_argument("--data", type=Path)
    parser.add_argument("--end")
    parser.add_argument("--json", type=Path, help="also write both paths' results to this JSON file")
    args = parser.parse_args()

    if args.worker:
        result = (
            worker_project(args.data, args.end, args.intervals)
            if args.worker == "project"
            else worker_lifetimes(args.data, args.end)
        )
        print(json.dumps(result))
        return

    import pandas as pd

    from repurchase import lifetime_value as lv

    observation_days = 546
    t = time.perf_counter()
    tx = lv.simulate_transactions(
        args.customers, observation_days=observation_days, lines_per_occasion=0.4, seed=args.seed
    )
    end = str((pd.Timestamp("2024-01-01") + pd.Timedelta(days=observation_days - 1)).date())
    print(f"simulated {args.customers:,} customers, {len(tx):,} order lines in {time.perf_counter() - t:.1f} s "
          f"(BG/NBD + Gamma-Gamma at the CDNOW estimates, 78 weeks to {end})")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "transactions.parquet"
        tx.to_parquet(data, index=False)
        del tx
        results = {kind: _run_worker(kind, data, end, args.intervals) for kind in ("project", "lifetimes")}

    ours, ref = results["project"], results["lifetimes"]
    if args.json:
        args.json.write_text(json.dumps({"customers": args.customers, **results}, indent=1), encoding="utf-8")
    print(f"\ndistinct (frequency, recency, T) rows passed to the fit: {ours['unique_rows']:,} "
          f"of {ours['customers']:,} customers")  # fmt: skip
    print(f"\n{'stage':<18}{'project s':>12}{'lifetimes s':>14}{'ratio':>9}")
    for stage in ("summary", "fit_bgnbd", "fit_pareto_nbd", "fit_gamma_gamma", "clv", "total"):
        a, b = ours["times"][stage], ref["times"][stage]
        print(f"{stage:<18}{a:>12.2f}{b:>14.2f}{b / a:>8.1f}x")
    print("\npeak memory of the path (MB; the data are loaded first and the kernel's peak mark is reset):")
    print(f"  peak RSS            project {ours['peak_mb']:>7,.0f}   lifetimes {ref['peak_mb']:>7,.0f}")
    print(f"  rise above the data project {ours['rise_mb']:>7,.0f}   lifetimes {ref['rise_mb']:>7,.0f}")
    print("\nestimates (relative difference):")
    worst = 0.0
    for model in ("bgnbd", "pareto_nbd", "gamma_gamma"):
        for name, value in ours[model].items():
            diff = abs(value - ref[model][name]) / abs(ref[model][name])
            worst = max(worst, diff)
            print(f"  {model:<12}{name:<7}{value:>12.6f}{ref[model][name]:>12.6f}   {diff:.1e}")
    clv_diff = ours["clv_total"] / ref["clv_total"] - 1
    print(f"  CLV total    {ours['clv_total']:>14,.0f}{ref['clv_total']:>14,.0f}   {clv_diff:+.2%} "
          "(month = 4.348 vs 4.345 weeks)")  # fmt: skip
    if "intervals_seconds" in ours:
        lo, hi = ours["clv_interval"][1:]
        print(f"\nproject CLV with 200 bootstrap draws: {ours['intervals_seconds']:.1f} s, 90% interval "
              f"{lo:,.0f} – {hi:,.0f}, peak RSS {ours['peak_mb_with_intervals']:,.0f} MB "
              f"(+{ours['rise_mb_with_intervals']:,.0f} above the data)")  # fmt: skip
    speedup = ref["times"]["total"] / ours["times"]["total"]
    print(f"\nRESULT: project {ours['times']['total']:.2f} s vs lifetimes {ref['times']['total']:.2f} s: "
          f"{speedup:.1f}x faster (goal >= 10x); largest parameter difference {worst:.1e}")  # fmt: skip


if __name__ == "__main__":
    sys.path.insert(0, os.fspath(Path(__file__).resolve().parents[1] / "lib"))
    main()
