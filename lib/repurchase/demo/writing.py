"""Writing the files: CSV in the client's encoding and line endings, reproducible Excel workbooks, the manifest."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import time
import zipfile
from pathlib import Path

import pandas as pd

from repurchase.demo.clients import ONLINE, STORES_CLIENT, Client
from repurchase.demo.common import DEFAULT_OUT_DIR, DEFAULT_SEED, EPOCH, fmt_dates
from repurchase.demo.customers import birth_dates
from repurchase.demo.generate import Generated, simulate_client

__all__ = ["write_client", "write_demo_data", "write_xlsx"]

_FIXED_ZIP_TIME = (2026, 10, 31, 0, 0, 0)


def write_xlsx(df: pd.DataFrame, path: Path, sheet: str) -> None:
    """Write one sheet with openpyxl via pandas, with fixed timestamps so the bytes are reproducible."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        df.to_excel(writer, sheet_name=sheet, index=False)
        props = writer.book.properties
        props.creator = "repurchase demo data"
        props.created = dt.datetime(2026, 10, 31)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>2026-10-31T00:00:00Z\g<2>", data
                )
            zi = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = info.external_attr
            zout.writestr(zi, data)
    path.write_bytes(out.getvalue())


def _shown(path: Path) -> str:
    """``path`` relative to the working folder when inside it (for the progress lines)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


#: exact copies of assignment rows the campaigns export repeats (the cleaning ledger drops them)
CAMPAIGN_DUPLICATE_ROWS = 3


def _campaign_rows(campaigns: pd.DataFrame) -> pd.DataFrame:
    """The campaigns file: one row per assignment, a few rows repeated as an export would."""
    days = EPOCH.astype("datetime64[D]") + campaigns["assigned_day"].to_numpy().astype("timedelta64[D]")
    out = pd.DataFrame(
        {
            "member_id": campaigns["cust"],
            "campaign": campaigns["campaign"],
            "group": campaigns["group"],
            "sent_at": fmt_dates(days.astype("datetime64[s]"), "date"),
            "channel": campaigns["channel"],
            "cost_per_contact": campaigns["cost"].map("{:.2f}".format),
        }
    )
    step = max(len(out) // (CAMPAIGN_DUPLICATE_ROWS + 1), 1)
    repeats = out.iloc[[step * (i + 1) for i in range(CAMPAIGN_DUPLICATE_ROWS) if step * (i + 1) < len(out)]]
    return pd.concat([out, repeats]).sort_index(kind="stable").reset_index(drop=True)


def write_client(gen: Generated, client: Client, folder: Path) -> list[Path]:
    """Write one client's transactions, customers, surveys and ``_manifest.json`` into ``folder``; return the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    tx, cu, sv = gen.transactions, gen.customers, gen.surveys
    signup = EPOCH.astype("datetime64[D]") + cu["signup_day"].to_numpy().astype("timedelta64[D]")
    resp = EPOCH + sv["secs"].to_numpy().astype("timedelta64[s]")
    aspect_cols = [a[1] for a in client.aspects]
    paths: list[Path] = []
    if client.zh:
        t_out = tx.rename(
            columns={
                "order_id": "订单号",
                "customer_id": "会员ID",
                "order_date": "下单时间",
                "store": "门店",
                "region": "城市",
                "product_id": "商品编码",
                "product_name": "商品名称",
                "category": "品类",
                "quantity": "数量",
                "amount": "实付金额",
                "status": "订单状态",
            }
        )
        p_tx = folder / "transactions.csv"
        t_out.to_csv(p_tx, index=False, encoding="gbk", lineterminator="\r\n")
        members = pd.DataFrame(
            {
                "会员ID": cu["id"],
                "注册日期": pd.Series(signup).dt.date,
                "会员等级": cu["tier"],
                "来源渠道": cu["acq"],
                "获客成本": cu["cac"],
                "姓名": cu["name"],
                "手机号": cu["phone"],
            }
        )
        p_cu = folder / "members.xlsx"
        write_xlsx(members, p_cu, "会员信息")
        survey_out = pd.DataFrame(
            {
                "会员ID": sv["cust"],
                "提交时间": pd.Series(resp).dt.floor("min"),
                "推荐意愿": sv["nps"],
                "满意度": sv["csat"],
                "费力度": sv["ces"],
            }
        )
        for key, col, _, _ in client.aspects:
            survey_out[col] = sv[key]
        comment = sv["comment"].where(sv["comment"].str.strip() != "", None)
        survey_out["评论"] = comment
        p_sv = folder / "surveys.xlsx"
        write_xlsx(survey_out, p_sv, "问卷")
        tx_cols = list(t_out.columns)
    else:
        t_out = tx.rename(
            columns={
                "order_id": "order_no",
                "customer_id": "member_id",
                "order_date": "paid_at",
                "product_id": "sku",
                "amount": "paid_amount",
                "quantity": "qty",
            }
        )[
            [
                "order_no",
                "member_id",
                "paid_at",
                "sku",
                "product_name",
                "category",
                "qty",
                "paid_amount",
                "channel",
                "region",
                "status",
            ]
        ]
        p_tx = folder / "transactions.csv"
        t_out.to_csv(p_tx, index=False, encoding="utf-8", lineterminator="\n")
        customers = pd.DataFrame(
            {
                "member_id": cu["id"],
                "signup_date": fmt_dates(signup.astype("datetime64[s]"), "date"),
                "tier": cu["tier"],
                "acquisition_channel": cu["acq"],
                "acquisition_cost": cu["cac"].map("{:.2f}".format),
                "birth_date": birth_dates(len(cu)),
                "name": cu["name"],
                "email": cu["email"],
                "phone": cu["phone"],
            }
        )
        p_cu = folder / "customers.csv"
        customers.to_csv(p_cu, index=False, encoding="utf-8", lineterminator="\n")
        survey_out = pd.DataFrame(
            {
                "member_id": sv["cust"],
                "response_date": fmt_dates(resp, "iso_space"),
                "nps": sv["nps"],
                "csat": sv["csat"],
                "ces": sv["ces"],
            }
        )
        for key, col, _, _ in client.aspects:
            survey_out[col] = sv[key]
        survey_out["comment"] = sv["comment"]
        p_sv = folder / "surveys.csv"
        survey_out.to_csv(p_sv, index=False, encoding="utf-8", lineterminator="\n")
        tx_cols = list(t_out.columns)
    manifest = dict(gen.manifest)
    manifest["files"] = {"transactions": p_tx.name, "customers": p_cu.name, "surveys": p_sv.name}
    if gen.campaigns is not None:
        p_cp = folder / "campaigns.csv"
        _campaign_rows(gen.campaigns).to_csv(p_cp, index=False, encoding="utf-8", lineterminator="\n")
        manifest["files"]["campaigns"] = p_cp.name
        print(f"{client.slug}: {len(gen.campaigns):,} campaign assignments -> {_shown(p_cp)}")
        paths.append(p_cp)
    manifest["transaction_columns"] = tx_cols
    manifest["aspect_columns"] = aspect_cols
    p_mf = folder / "_manifest.json"
    p_mf.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{client.slug}: {gen.manifest['buyers']:,} customers, {len(tx):,} transaction rows -> {_shown(p_tx)}")
    print(f"{client.slug}: {len(cu):,} members -> {_shown(p_cu)}")
    print(f"{client.slug}: {len(sv):,} survey responses -> {_shown(p_sv)}")
    paths.extend([p_tx, p_cu, p_sv, p_mf])
    return paths


def write_demo_data(
    out_dir: Path | str = DEFAULT_OUT_DIR,
    seed: int = DEFAULT_SEED,
    *,
    n_online_customers: int = 30_000,
    n_store_customers: int = 12_000,
) -> list[Path]:
    """Write the demo data of both demo clients.

    Parameters
    ----------
    out_dir
        Folder that receives ``online/`` and ``stores/``; default ``<repo>/data/demo``.
    seed
        Random seed. The same seed (and sizes) gives byte-identical files.
    n_online_customers
        Buyers of ``demo-online`` (the customers file adds members who never bought).
    n_store_customers
        Buyers of ``demo-stores``.

    Returns
    -------
    list of Path
        The files written: per client transactions, customers (members), surveys
        and ``_manifest.json`` with the row counts and the exact count of every
        injected fault.

    Notes
    -----
    ``demo-online`` files (UTF-8 CSV): ``online/transactions.csv``,
    ``online/customers.csv``, ``online/surveys.csv``. ``demo-stores`` files:
    ``stores/transactions.csv`` (GBK, CRLF, Chinese headers),
    ``stores/members.xlsx`` (sheet 会员信息) and ``stores/surveys.xlsx``
    (sheet 问卷). History runs from 2023-11-01 to the export date 2026-10-31.
    """
    out = Path(out_dir)
    if n_online_customers < 100 or n_store_customers < 100:
        raise ValueError("use at least 100 customers per client")
    paths: list[Path] = []
    for client, n in ((ONLINE, n_online_customers), (STORES_CLIENT, n_store_customers)):
        start = time.perf_counter()
        gen = simulate_client(client, int(seed), n)
        paths.extend(write_client(gen, client, out / client.key))
        print(f"{client.slug}: done in {time.perf_counter() - start:.1f} s")
    return paths
