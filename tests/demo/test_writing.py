"""The files of the demo data: same seed, same bytes; formats, encodings, sheets; the params files that read them."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np
import openpyxl
import pandas as pd
import pytest

from repurchase.core.params import load_params
from repurchase.demo import write_demo_data


def test_same_seed_gives_identical_bytes_and_no_global_state(
    kit: ModuleType, demo: Path, tmp_path: Path, capsys
) -> None:
    state = np.random.get_state()[1].copy()  # noqa: NPY002 - the legacy global RNG must stay untouched
    paths = write_demo_data(tmp_path / "again", n_online_customers=kit.N_ONLINE, n_store_customers=kit.N_STORES)
    after = np.random.get_state()[1]  # noqa: NPY002
    assert np.array_equal(after, state), "write_demo_data must not touch the global RNG"
    again = kit.hashes(tmp_path / "again")
    assert again == kit.hashes(demo)
    assert sorted(str(p.relative_to(tmp_path / "again")) for p in paths) == sorted(again)
    assert {
        "online/transactions.csv",
        "online/customers.csv",
        "online/surveys.csv",
        "stores/transactions.csv",
        "stores/members.xlsx",
        "stores/surveys.xlsx",
    } <= set(again)
    out = capsys.readouterr().out
    assert f"demo-online: {kit.N_ONLINE:,} customers" in out and "transaction rows" in out
    assert f"demo-stores: {kit.N_STORES:,} customers" in out


def test_other_seed_gives_other_data(kit: ModuleType, demo: Path, tmp_path: Path) -> None:
    write_demo_data(tmp_path, seed=7, n_online_customers=kit.N_ONLINE, n_store_customers=kit.N_STORES)
    other = kit.hashes(tmp_path)
    mine = kit.hashes(demo)
    for name in ("online/transactions.csv", "online/surveys.csv", "stores/transactions.csv", "stores/members.xlsx"):
        assert other[name] != mine[name], name
    # the catalogue is part of the seed, but the customer count is not part of the catalogue
    assert kit.manifest(tmp_path, "online")["products"] == kit.manifest(demo, "online")["products"]


def test_online_files_have_the_documented_columns(kit: ModuleType, demo: Path) -> None:
    tx = (demo / "online/transactions.csv").read_bytes()
    assert tx.decode("utf-8").split("\n", 1)[0] == ",".join(kit.ONLINE_TX)
    assert not tx.startswith(b"\xef\xbb\xbf")  # plain UTF-8, no BOM
    cu = pd.read_csv(demo / "online/customers.csv", dtype=str, keep_default_na=False)
    assert list(cu.columns) == [
        "member_id",
        "signup_date",
        "tier",
        "acquisition_channel",
        "acquisition_cost",
        "birth_date",
        "name",
        "email",
        "phone",
    ]
    born = pd.to_datetime(cu["birth_date"].replace("", None))
    assert 0.1 < born.isna().mean() < 0.3 and born.min().year >= 1965 and born.max().year <= 2005
    sv = pd.read_csv(demo / "online/surveys.csv")
    assert list(sv.columns) == [
        "member_id",
        "response_date",
        "nps",
        "csat",
        "ces",
        "product_quality",
        "delivery",
        "service",
        "price",
        "comment",
    ]
    raw = kit.raw(demo, "online")
    assert set(raw["status"]) == {"paid", "refund", "cancelled"}
    assert set(raw["channel"]) == {"app", "web", "mini_program", "livestream"}
    assert set(cu["tier"]) == {"normal", "gold", "diamond"}
    assert 130 <= raw["pid"].nunique() <= 170


def test_stores_files_are_gbk_and_excel(kit: ModuleType, demo: Path) -> None:
    tx = (demo / "stores/transactions.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        tx.decode("utf-8")
    text = tx.decode("gbk")
    assert text.split("\r\n", 1)[0] == ",".join(kit.STORES_TX)
    assert "\r\n" in text
    raw = kit.raw(demo, "stores")
    assert set(raw["status"]) == {"已支付", "已退款", "已取消"}
    assert "微信小程序" in set(raw["store"])  # the mini-program channel
    assert raw["pid"].str.fullmatch(r"69\d{11}").all()  # barcodes
    members = openpyxl.load_workbook(demo / "stores/members.xlsx", read_only=True)
    assert members.sheetnames == ["会员信息"]
    header = next(members["会员信息"].iter_rows(max_row=1, values_only=True))
    assert list(header) == ["会员ID", "注册日期", "会员等级", "来源渠道", "获客成本", "姓名", "手机号"]
    surveys = openpyxl.load_workbook(demo / "stores/surveys.xlsx", read_only=True)
    assert surveys.sheetnames == ["问卷"]
    header = next(surveys["问卷"].iter_rows(max_row=1, values_only=True))
    assert list(header) == [
        "会员ID",
        "提交时间",
        "推荐意愿",
        "满意度",
        "费力度",
        "商品质量",
        "服务态度",
        "门店环境",
        "价格",
        "评论",
    ]
    cu = pd.read_excel(demo / "stores/members.xlsx", sheet_name="会员信息")
    assert set(cu["会员等级"]) == {"普通", "黄金", "钻石"}
    assert pd.api.types.is_datetime64_any_dtype(cu["注册日期"])  # real Excel dates


@pytest.mark.parametrize("name", ["demo-online", "demo-stores"])
def test_params_files_validate_and_map_real_columns(demo_root: Path, name: str) -> None:
    params = load_params(demo_root / "params" / f"{name}.yaml")
    assert params.client == name
    assert params.currency == "CNY" and params.period == "latest"
    assert params.language == ("en" if name == "demo-online" else "zh")
    tx = params.sources.transactions
    assert str(tx.exported_at) == "2026-10-31"
    assert set(tx.columns) >= {
        "customer_id",
        "order_id",
        "order_date",
        "amount",
        "quantity",
        "product_id",
        "product_name",
        "category",
        "region",
        "status",
    }
    assert ("channel" if name == "demo-online" else "store") in tx.columns
    for role in ("transactions", "customers", "surveys"):
        spec = getattr(params.sources, role)
        path = spec.resolved_path()
        assert path is not None and path.is_relative_to(demo_root / "data" / "demo")
        if spec.format == "excel":
            header = pd.read_excel(path, sheet_name=spec.sheet, nrows=0).columns
        else:
            header = pd.read_csv(path, encoding=spec.encoding, nrows=0).columns
        missing = set(spec.columns.values()) - set(header)
        assert not missing, (role, missing)
    surveys = params.sources.surveys.columns
    aspects = [k for k in surveys if k.startswith("aspect_")]
    assert len(aspects) == 4 and "aspect_product_quality" in aspects
    customers = params.sources.customers.columns
    assert {"signup_date", "tier", "acquisition_channel", "acquisition_cost", "name", "phone"} <= set(customers)


def test_params_files_comment_every_line(kit: ModuleType) -> None:
    for name in ("demo-online.yaml", "demo-stores.yaml"):
        for line in (kit.REPO / "params" / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                assert "#" in line, f"{name}: {line!r} has no comment"
