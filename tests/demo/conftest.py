"""Shared by the demo-data tests: the data generated once with small sizes, and how to read it.

The data is generated once per session with small sizes into a temporary folder
laid out like the repository (``pyproject.toml``, ``params/``, ``data/demo/``),
so the real params files can be validated against it. Test modules cannot
import each other, so they reach the constants and readers below through the
``kit`` fixture (this module).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

from repurchase.demo import write_demo_data

REPO = Path(__file__).resolve().parents[2]
N_ONLINE = 4_000
N_STORES = 2_500
END = pd.Timestamp("2026-10-31 23:59:59")

ONLINE_TX = [
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
STORES_TX = [
    "订单号",
    "会员ID",
    "下单时间",
    "门店",
    "城市",
    "商品编码",
    "商品名称",
    "品类",
    "数量",
    "实付金额",
    "订单状态",
]
# canonical short names used by the helpers below
CANON = ["order", "cid", "date", "pid", "pname", "cat", "qty", "amount", "channel", "region", "status"]
CANON_STORES = ["order", "cid", "date", "store", "region", "pid", "pname", "cat", "qty", "amount", "status"]

CLIENTS = {
    "online": {
        "tx": "online/transactions.csv",
        "enc": "utf-8",
        "header": ONLINE_TX,
        "canon": CANON,
        "paid": "paid",
        "refund": "refund",
        "cancelled": "cancelled",
        "consumable": ["Baby care", "Beauty", "Snacks", "Personal care", "Coffee & tea"],
        "durable": ["Appliances", "Electronics", "Home"],
        "high_refund": ["Electronics", "Apparel"],
        "low_refund": ["Snacks", "Coffee & tea"],
        "dominant": r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}",
    },
    "stores": {
        "tx": "stores/transactions.csv",
        "enc": "gbk",
        "header": STORES_TX,
        "canon": CANON_STORES,
        "paid": "已支付",
        "refund": "已退款",
        "cancelled": "已取消",
        "consumable": ["母婴", "美妆", "零食", "个护", "咖啡茶饮"],
        "durable": ["家电", "数码", "家居"],
        "high_refund": ["数码", "服饰"],
        "low_refund": ["零食", "咖啡茶饮"],
        "dominant": r"\d{4}/\d{1,2}/\d{1,2} \d{1,2}:\d{2}",
    },
}
DATE_FORMATS = {
    "iso_space": r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}",
    "slash": r"\d{4}/\d{1,2}/\d{1,2} \d{1,2}:\d{2}",
    "compact": r"\d{8}",
    "chinese": r"\d{4}年\d{1,2}月\d{1,2}日 \d{1,2}:\d{2}",
    "iso_t": r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}",
}


@pytest.fixture(scope="session")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A throw-away repository root holding the params files and freshly generated demo data."""
    root = tmp_path_factory.mktemp("repo")
    (root / "pyproject.toml").write_text("", encoding="utf-8")
    (root / "params").mkdir()
    for name in ("demo-online.yaml", "demo-stores.yaml"):
        shutil.copy(REPO / "params" / name, root / "params" / name)
    write_demo_data(root / "data" / "demo", n_online_customers=N_ONLINE, n_store_customers=N_STORES)
    return root


@pytest.fixture(scope="session")
def demo(demo_root: Path) -> Path:
    """The generated demo data (``online/``, ``stores/``)."""
    return demo_root / "data" / "demo"


@pytest.fixture(scope="session")
def kit() -> ModuleType:
    """This module: the constants and readers of the demo-data tests."""
    return sys.modules[__name__]


def manifest(demo: Path, client: str) -> dict:
    """The ``_manifest.json`` of a client folder (``online`` or ``stores``)."""
    return json.loads((demo / client / "_manifest.json").read_text(encoding="utf-8"))


def raw(demo: Path, client: str) -> pd.DataFrame:
    """Transactions exactly as exported, every cell a string, columns renamed to short names."""
    cfg = CLIENTS[client]
    df = pd.read_csv(demo / cfg["tx"], dtype=str, keep_default_na=False, encoding=cfg["enc"])
    df.columns = cfg["canon"]
    return df


def paid(raw: pd.DataFrame, client: str) -> pd.DataFrame:
    """A minimal clean-up good enough to measure the designed effects: valid paid rows."""
    cfg = CLIENTS[client]
    df = raw.drop_duplicates().copy()
    df["cid"] = df["cid"].str.strip().str.upper()
    df["ts"] = pd.to_datetime(df["date"], format="mixed", errors="coerce")
    df["amt"] = pd.to_numeric(df["amount"], errors="coerce")
    ok = (df["status"] == cfg["paid"]) & (df["cid"] != "") & df["ts"].notna() & (df["ts"] <= END) & (df["amt"] > 0)
    return df[ok]


def hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder``, by relative path."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def surveys(demo: Path, client: str) -> tuple[pd.DataFrame, list[str]]:
    """Survey responses with short column names (``cid``, ``rdate``, ...) and the aspect columns."""
    if client == "online":
        sv = pd.read_csv(demo / "online/surveys.csv", keep_default_na=False, na_values={"nps": []})
        aspects = ["product_quality", "delivery", "service", "price"]
        sv = sv.rename(columns={"member_id": "cid", "response_date": "rdate"})
        sv["comment"] = sv["comment"].astype(str)
    else:
        sv = pd.read_excel(demo / "stores/surveys.xlsx", sheet_name="问卷")
        aspects = ["商品质量", "服务态度", "门店环境", "价格"]
        sv = sv.rename(
            columns={
                "会员ID": "cid",
                "提交时间": "rdate",
                "推荐意愿": "nps",
                "满意度": "csat",
                "费力度": "ces",
                "评论": "comment",
            }
        )
        sv["comment"] = sv["comment"].fillna("").astype(str)
    sv["rdate"] = pd.to_datetime(sv["rdate"])
    return sv, aspects
