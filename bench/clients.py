"""Seeded synthetic clients for the benchmarks: 200 to 10M customers, ~3-4 order lines each over 3 years.

Not a test. Each client is a folder ``data/bench/<name>/`` with

* ``transactions.parquet`` and ``transactions.csv``: order lines with order ID,
  date, amount, quantity, product ID and name, category, channel, region and a
  status (about 1.5% refund rows matching an earlier line, 0.5% cancelled);
* ``customers.csv`` (member tier, acquisition channel and cost) and
  ``surveys.csv`` (NPS, CSAT and aspects from ~4% of customers);
* ``params.yaml``, a client params file reading the Parquet log (``--format csv``
  reads the CSV instead).

Purchases follow a Pareto/NBD process (customer-level Poisson purchase rates
and exponential lifetimes with gamma heterogeneity), acquisition spread over
the first two of the three years, so every analysis has real structure to find.
Generation is vectorized and done in chunks of 250k customers, so 10M customers
fit in memory.

Usage::

    .venv/bin/python bench/clients.py --customers 200 10000 100000 1000000
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "bench"
START = np.datetime64("2023-11-01")
DAYS = 3 * 365 + 1  # to 2026-10-31
EXPORTED = "2026-10-31"
CHUNK = 250_000
N_PRODUCTS = 240
CATEGORIES = (
    "snacks",
    "drinks",
    "personal_care",
    "household",
    "baby",
    "pet",
    "fresh",
    "frozen",
    "beauty",
    "electronics",
    "home",
    "apparel",
)
CHANNELS = ("app", "web", "mini_program", "store")
REGIONS = ("Guangdong", "Zhejiang", "Jiangsu", "Shanghai", "Beijing", "Sichuan", "Hubei", "Shandong", "Fujian", "Henan")
TIERS = ("normal", "gold", "diamond")


def _name(n: int) -> str:
    return (
        f"c{n // 1_000_000}m" if n >= 1_000_000 and n % 1_000_000 == 0 else (f"c{n // 1000}k" if n >= 1000 else f"c{n}")
    )


def _catalogue(rng: np.random.Generator) -> pd.DataFrame:
    cat = rng.integers(0, len(CATEGORIES), N_PRODUCTS)
    price = np.round(np.exp(rng.normal(3.6, 0.8, N_PRODUCTS)), 2)
    weight = 1.0 / np.arange(1, N_PRODUCTS + 1) ** 0.9
    return pd.DataFrame(
        {
            "sku": [f"P{i:04d}" for i in range(N_PRODUCTS)],
            "product_name": [f"{CATEGORIES[c]} item {i}" for i, c in enumerate(cat)],
            "category": [CATEGORIES[c] for c in cat],
            "price": price,
            "weight": weight / weight.sum(),
        }
    )


def _chunk(
    rng: np.random.Generator, first_id: int, n: int, products: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Order lines and customers of ``n`` customers, IDs from ``first_id``."""
    ids = np.arange(first_id, first_id + n)
    acquired = rng.integers(0, int(DAYS * 2 / 3), n)
    lam = rng.gamma(0.55, 1 / 200.0, n)  # purchases per day: mean one every ~360 days, very unequal
    mu = rng.gamma(0.7, 1 / 500.0, n)  # dropout rate per day: mean lifetime ~700 days
    life = rng.exponential(1.0 / mu)
    active = np.minimum(life, DAYS - 1 - acquired)
    repeats = rng.poisson(lam * active)
    n_occ = 1 + repeats
    cust = np.repeat(np.arange(n), n_occ)
    first = np.r_[0, np.cumsum(n_occ)[:-1]]
    offset = rng.random(len(cust)) * np.repeat(active, n_occ)
    offset[first] = 0.0
    day = np.repeat(acquired, n_occ) + offset.astype(np.int64)
    lines = 1 + rng.poisson(0.45, len(cust))
    line_occ = np.repeat(np.arange(len(cust)), lines)
    prod = rng.choice(len(products), size=len(line_occ), p=products["weight"].to_numpy())
    qty = 1 + rng.poisson(0.3, len(line_occ))
    amount = np.round(products["price"].to_numpy()[prod] * qty * rng.uniform(0.85, 1.0, len(line_occ)), 2)
    occ_cust = cust[line_occ]
    channel = rng.integers(0, len(CHANNELS), n)[occ_cust]
    region = rng.integers(0, len(REGIONS), n)[occ_cust]
    seconds = rng.integers(8 * 3600, 23 * 3600, len(cust))[line_occ]
    when = (START + day[line_occ].astype("timedelta64[D]")).astype("datetime64[s]") + seconds.astype("timedelta64[s]")
    order_no = (first_id * 4 + line_occ).astype(np.int64)
    status = np.full(len(line_occ), "paid", dtype=object)
    status[rng.random(len(line_occ)) < 0.005] = "cancelled"
    lines_df = pd.DataFrame(
        {
            "member_id": pd.Series(ids[occ_cust]).map("M{:08d}".format).to_numpy(),
            "order_no": pd.Series(order_no).map("O{:010d}".format).to_numpy(),
            "paid_at": pd.to_datetime(when).strftime("%Y-%m-%d %H:%M:%S"),
            "paid_amount": amount,
            "qty": qty,
            "sku": products["sku"].to_numpy()[prod],
            "product_name": products["product_name"].to_numpy()[prod],
            "category": products["category"].to_numpy()[prod],
            "channel": np.asarray(CHANNELS, dtype=object)[channel],
            "region": np.asarray(REGIONS, dtype=object)[region],
            "status": status,
        }
    )
    refund = rng.random(len(lines_df)) < 0.015
    refunds = lines_df[refund & (lines_df["status"] == "paid")].copy()
    refunds["paid_amount"] = -np.round(refunds["paid_amount"] * rng.choice([1.0, 0.5], len(refunds)), 2)
    refunds["status"] = "refund"
    later = pd.to_datetime(refunds["paid_at"]) + pd.to_timedelta(rng.integers(1, 15, len(refunds)), unit="D")
    refunds["paid_at"] = later.clip(upper=pd.Timestamp(EXPORTED)).dt.strftime("%Y-%m-%d %H:%M:%S")
    lines_df = pd.concat([lines_df, refunds], ignore_index=True)
    spend = np.bincount(occ_cust, weights=amount, minlength=n)
    tier = np.where(spend > np.quantile(spend, 0.96), 2, np.where(spend > np.quantile(spend, 0.8), 1, 0))
    customers = pd.DataFrame(
        {
            "member_id": pd.Series(ids).map("M{:08d}".format).to_numpy(),
            "signup_date": pd.to_datetime(START + acquired.astype("timedelta64[D]")).strftime("%Y-%m-%d"),
            "tier": np.asarray(TIERS, dtype=object)[tier],
            "acquisition_channel": np.asarray(CHANNELS, dtype=object)[rng.integers(0, len(CHANNELS), n)],
            "acquisition_cost": np.round(rng.gamma(2.0, 20.0, n), 2),
        }
    )
    return lines_df, customers


def _surveys(rng: np.random.Generator, customers: pd.DataFrame) -> pd.DataFrame:
    pick = rng.random(len(customers)) < 0.04
    who = customers.loc[pick, "member_id"].to_numpy()
    signup = pd.to_datetime(customers.loc[pick, "signup_date"]).to_numpy()
    gap = (np.datetime64(EXPORTED) - signup).astype("timedelta64[D]").astype(np.int64)
    when = signup + (rng.random(len(who)) * np.maximum(gap, 1)).astype("timedelta64[D]")
    aspects = {a: rng.integers(1, 6, len(who)) for a in ("product_quality", "delivery", "service", "price")}
    latent = sum(aspects.values()) / 4.0
    nps = np.clip(np.round(latent * 2 + rng.normal(0, 1.5, len(who))), 0, 10).astype(int)
    return pd.DataFrame(
        {
            "member_id": who,
            "response_date": pd.to_datetime(when).strftime("%Y-%m-%d"),
            "nps": nps,
            "csat": np.clip(np.round(latent + rng.normal(0, 0.7, len(who))), 1, 5).astype(int),
            "comment": np.where(
                nps >= 9, "great value, fast delivery", np.where(nps <= 6, "slow delivery, too expensive", "ok")
            ),
            **aspects,
        }
    )


PARAMS = """# Benchmark client: {n:,} synthetic customers (bench/clients.py, seed {seed}).
client: {name}
title: Benchmark {n:,} customers
language: en
currency: CNY
period: latest
sources:
  transactions:
    path: data/bench/{name}/transactions.{ext}
    exported_at: {exported}
    columns: {{customer_id: member_id, order_id: order_no, order_date: paid_at, amount: paid_amount, quantity: qty,
              product_id: sku, product_name: product_name, category: category, channel: channel, region: region,
              status: status}}
  customers:
    path: data/bench/{name}/customers.csv
    columns: {{customer_id: member_id, signup_date: signup_date, tier: tier, acquisition_channel: acquisition_channel,
              acquisition_cost: acquisition_cost}}
  surveys:
    path: data/bench/{name}/surveys.csv
    columns: {{customer_id: member_id, response_date: response_date, nps: nps, csat: csat, comment: comment,
              aspect_product_quality: product_quality, aspect_delivery: delivery, aspect_service: service,
              aspect_price: price}}
"""


def write_client(
    n: int, *, seed: int = 0, out: Path = OUT, fmt: str = "parquet", csv: bool = True, name: str | None = None
) -> Path:
    """Write the synthetic client of ``n`` customers; return its folder (skipped when already complete).

    ``name`` (default ``c200``, ``c10k``, …) is the folder and the client's name in its params.
    """
    name = name or _name(n)
    folder = out / name
    done = folder / ".complete"
    if done.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    products = _catalogue(rng)
    writer = None
    csv_path = folder / "transactions.csv"
    csv_path.unlink(missing_ok=True)
    customers = []
    t0 = time.perf_counter()
    for start in range(0, n, CHUNK):
        lines, cust = _chunk(rng, start, min(CHUNK, n - start), products)
        table = pa.Table.from_pandas(lines, preserve_index=False)
        if writer is None:
            writer = pq.ParquetWriter(folder / "transactions.parquet", table.schema)
        writer.write_table(table)
        if csv:
            with csv_path.open("ab") as fh:
                pacsv.write_csv(table, fh, pacsv.WriteOptions(include_header=start == 0))
        customers.append(cust)
        print(f"  {name}: {min(start + CHUNK, n):,} customers, {time.perf_counter() - t0:.0f} s", flush=True)
    assert writer is not None
    writer.close()
    all_customers = pd.concat(customers, ignore_index=True)
    all_customers.to_csv(folder / "customers.csv", index=False)
    _surveys(rng, all_customers).to_csv(folder / "surveys.csv", index=False)
    ext = fmt if fmt == "csv" else "parquet"
    (folder / "params.yaml").write_text(
        PARAMS.format(n=n, seed=seed, name=name, ext=ext, exported=EXPORTED), encoding="utf-8"
    )
    done.touch()
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, nargs="+", default=[200, 10_000, 100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    parser.add_argument("--no-csv", action="store_true", help="write only the Parquet log")
    args = parser.parse_args()
    for n in args.customers:
        print(f"writing {n:,} customers -> {write_client(n, seed=args.seed, fmt=args.format, csv=not args.no_csv)}")


if __name__ == "__main__":
    main()
