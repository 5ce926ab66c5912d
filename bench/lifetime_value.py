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
  ``GammaGammaFitter.customer_lifetime_value``;
* pymc-marketing (with ``--pymc``): ``rfm_summary(time_unit="D", time_scaler=7)``
  → ``BetaGeoModel``, ``ParetoNBDModel`` and ``GammaGammaModel`` (repeat
  customers with a positive mean spend) fitted by ``fit(method="map")`` with
  flat priors, so that the MAP is the MLE → ``customer_lifetime_value`` on the
  MAP point estimates. It runs under ``.venv-pymc/bin/python``, a venv that
  the script creates on first use from ``bench/requirements-pymc.txt``, and
  needs only pandas, pyarrow and pymc-marketing there (not ``repurchase``).

It prints the time of each stage, the ratio, the peak memory of each path (the
data are loaded first, then the kernel's peak-RSS mark is reset, so the peak is
that of the path: VmHWM, and its rise above the RSS with the data loaded) and
how far the estimates differ. The CLV totals differ slightly by convention: lifetimes counts
a month as 4.345 weeks, the project as 30.4375 / 7 = 4.348.

Usage::

    .venv/bin/python bench/lifetime_value.py [--customers 1000000] [--intervals] [--pymc]
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
ROOT = Path(__file__).resolve().parents[1]
PYMC_VENV = ROOT / ".venv-pymc"
PYMC_REQUIREMENTS = ROOT / "bench" / "requirements-pymc.txt"


def _pymc_python() -> Path:
    """The pymc-marketing venv's interpreter; create the venv and install bench/requirements-pymc.txt on first use.

    The installed requirements are copied into the venv once pip has succeeded, so an interrupted or older
    install is redone.
    """
    python = PYMC_VENV / "bin" / "python"
    stamp = PYMC_VENV / "installed-requirements.txt"
    wanted = PYMC_REQUIREMENTS.read_text(encoding="utf-8")
    if python.exists() and stamp.exists() and stamp.read_text(encoding="utf-8") == wanted:
        return python
    if not python.exists():
        print(f"creating {PYMC_VENV.relative_to(ROOT)} (python3 -m venv) ...", flush=True)
        subprocess.run(["python3", "-m", "venv", os.fspath(PYMC_VENV)], check=True)
    print(f"installing {PYMC_REQUIREMENTS.relative_to(ROOT)} into {PYMC_VENV.relative_to(ROOT)} "
          "(first use or changed requirements; a few minutes) ...", flush=True)  # fmt: skip
    t = time.perf_counter()
    pip = [os.fspath(PYMC_VENV / "bin" / "pip"), "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "-r", os.fspath(PYMC_REQUIREMENTS)], check=True)
    stamp.write_text(wanted, encoding="utf-8")
    print(f"installed in {time.perf_counter() - t:.0f} s", flush=True)
    return python


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


def worker_pymc(data: Path, end: str) -> dict:
    """pymc-marketing's MAP path. Runs under .venv-pymc's interpreter: needs only pandas, pyarrow and pymc-marketing."""
    import warnings

    import pandas as pd

    warnings.simplefilter("ignore")
    from pymc_extras.prior import Prior
    from pymc_marketing.clv import (
        BetaGeoModel,
        GammaGammaModel,
        ParetoNBDModel,
        customer_lifetime_value,
        rfm_summary,
    )

    def flat(*names: str) -> dict:
        # improper flat priors on the positive reals: find_MAP drops the log-transform's Jacobian, so MAP = MLE
        return {name: Prior("HalfFlat") for name in names}

    def point(model, names: tuple[str, ...]) -> dict:
        posterior = model.idata.posterior
        return {name: float(posterior[name].values.squeeze()) for name in names}

    tx = pd.read_parquet(data)
    base = _reset_peak()
    times = {}
    t0 = time.perf_counter()
    summary = rfm_summary(
        tx, "customer_id", "order_date", monetary_value_col="amount", observation_period_end=end,
        time_unit="D", time_scaler=7,
    )  # fmt: skip
    times["summary"] = time.perf_counter() - t0
    t = time.perf_counter()
    bg = BetaGeoModel(model_config=flat("r", "alpha", "a", "b"))
    bg.fit(summary[["customer_id", "frequency", "recency", "T"]], method="map", progressbar=False)
    times["fit_bgnbd"] = time.perf_counter() - t
    t = time.perf_counter()
    pnbd = ParetoNBDModel(model_config=flat("r", "alpha", "s", "beta"))
    pnbd.fit(summary[["customer_id", "frequency", "recency", "T"]], method="map", progressbar=False)
    times["fit_pareto_nbd"] = time.perf_counter() - t
    t = time.perf_counter()
    repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    gg = GammaGammaModel(model_config=flat("p", "q", "v"))
    gg.fit(repeat[["customer_id", "frequency", "monetary_value"]], method="map", progressbar=False)
    times["fit_gamma_gamma"] = time.perf_counter() - t
    t = time.perf_counter()
    spend = gg.expected_customer_spend(summary).squeeze(("chain", "draw"), drop=True)
    clv = customer_lifetime_value(
        bg, summary.assign(future_spend=spend.values), future_t=HORIZON_MONTHS,
        discount_rate=(1 + ANNUAL_DISCOUNT) ** (1 / 12) - 1, time_unit="W",
    )  # fmt: skip
    times["clv"] = time.perf_counter() - t
    times["total"] = time.perf_counter() - t0
    import pymc_marketing

    return {
        "times": times,
        "peak_mb": _peak_mb(),
        "rise_mb": _peak_mb() - base,
        "customers": len(summary),
        "version": pymc_marketing.__version__,
        "bgnbd": point(bg, ("r", "alpha", "a", "b")),
        "pareto_nbd": point(pnbd, ("r", "alpha", "s", "beta")),
        "gamma_gamma": point(gg, ("p", "q", "v")),
        "clv_total": float(clv.sum()),
    }


def _run_worker(kind: str, data: Path, end: str, intervals: bool) -> dict:
    python = _pymc_python() if kind == "pymc" else Path(sys.executable)
    cmd = [os.fspath(python), __file__, "--worker", kind, "--data", str(data), "--end", end]
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
    parser.add_argument(
        "--pymc", action="store_true", help="also run pymc-marketing's MAP path (in .venv-pymc, created on first use)"
    )
    parser.add_argument("--worker", choices=["project", "lifetimes", "pymc"])
    parser.add_argument("--data", type=Path)
    parser.add_argument("--end")
    parser.add_argument("--json", type=Path, help="also write both paths' results to this JSON file")
    args = parser.parse_args()

    if args.worker:
        if args.worker == "project":
            result = worker_project(args.data, args.end, args.intervals)
        elif args.worker == "lifetimes":
            result = worker_lifetimes(args.data, args.end)
        else:
            result = worker_pymc(args.data, args.end)
        print(json.dumps(result))
        return

    if args.pymc:
        _pymc_python()  # create the venv before the timed runs

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
        kinds = ("project", "lifetimes", "pymc") if args.pymc else ("project", "lifetimes")
        results = {kind: _run_worker(kind, data, end, args.intervals) for kind in kinds}

    ours, ref, pm = results["project"], results["lifetimes"], results.get("pymc")
    if args.json:
        args.json.write_text(json.dumps({"customers": args.customers, **results}, indent=1), encoding="utf-8")
    print(f"\ndistinct (frequency, recency, T) rows passed to the fit: {ours['unique_rows']:,} "
          f"of {ours['customers']:,} customers")  # fmt: skip
    header = f"\n{'stage':<18}{'project s':>12}{'lifetimes s':>14}{'ratio':>9}"
    print(header + (f"{'pymc s':>10}{'vs pymc':>10}" if pm else ""))
    for stage in ("summary", "fit_bgnbd", "fit_pareto_nbd", "fit_gamma_gamma", "clv", "total"):
        a, b = ours["times"][stage], ref["times"][stage]
        row = f"{stage:<18}{a:>12.2f}{b:>14.2f}{b / a:>8.1f}x"
        if pm:
            c = pm["times"][stage]
            row += f"{c:>10.2f}{c / a:>9.1f}x"
        print(row)
    print("\npeak memory of the path (MB; the data are loaded first and the kernel's peak mark is reset):")
    pm_peak = f"   pymc {pm['peak_mb']:>7,.0f}" if pm else ""
    pm_rise = f"   pymc {pm['rise_mb']:>7,.0f}" if pm else ""
    print(f"  peak RSS            project {ours['peak_mb']:>7,.0f}   lifetimes {ref['peak_mb']:>7,.0f}{pm_peak}")
    print(f"  rise above the data project {ours['rise_mb']:>7,.0f}   lifetimes {ref['rise_mb']:>7,.0f}{pm_rise}")
    print("\nestimates (relative difference):" if not pm else
          f"\nestimates (project, lifetimes, relative difference; pymc-marketing {pm['version']} MAP, "
          "its relative difference to lifetimes):")  # fmt: skip
    worst = 0.0
    for model in ("bgnbd", "pareto_nbd", "gamma_gamma"):
        for name, value in ours[model].items():
            diff = abs(value - ref[model][name]) / abs(ref[model][name])
            worst = max(worst, diff)
            row = f"  {model:<12}{name:<7}{value:>12.6f}{ref[model][name]:>12.6f}   {diff:.1e}"
            if pm:
                pm_diff = abs(pm[model][name] - ref[model][name]) / abs(ref[model][name])
                row += f"{pm[model][name]:>12.6f}   {pm_diff:.1e}"
            print(row)
    clv_diff = ours["clv_total"] / ref["clv_total"] - 1
    row = f"  CLV total    {ours['clv_total']:>14,.0f}{ref['clv_total']:>14,.0f}   {clv_diff:+.2%}"
    if pm:
        row += f"{pm['clv_total']:>14,.0f} {pm['clv_total'] / ref['clv_total'] - 1:+.2%}"
    print(row + (" (month = 4.348 vs 4.345 weeks; pymc-marketing 4.345)" if pm else " (month = 4.348 vs 4.345 weeks)"))
    if "intervals_seconds" in ours:
        lo, hi = ours["clv_interval"][1:]
        print(f"\nproject CLV with 200 bootstrap draws: {ours['intervals_seconds']:.1f} s, 90% interval "
              f"{lo:,.0f} – {hi:,.0f}, peak RSS {ours['peak_mb_with_intervals']:,.0f} MB "
              f"(+{ours['rise_mb_with_intervals']:,.0f} above the data)")  # fmt: skip
    speedup = ref["times"]["total"] / ours["times"]["total"]
    print(f"\nRESULT: project {ours['times']['total']:.2f} s vs lifetimes {ref['times']['total']:.2f} s: "
          f"{speedup:.1f}x faster (goal >= 10x); largest parameter difference {worst:.1e}")  # fmt: skip
    if pm:
        print(f"RESULT: project {ours['times']['total']:.2f} s vs pymc-marketing {pm['times']['total']:.2f} s: "
              f"{pm['times']['total'] / ours['times']['total']:.1f}x faster (goal >= 5x)")  # fmt: skip


if __name__ == "__main__":
    sys.path.insert(0, os.fspath(Path(__file__).resolve().parents[1] / "lib"))
    main()
