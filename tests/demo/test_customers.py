"""The customers file: consistent with the transactions, tiers by spend, acquisition costs, realistic PII."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest


@pytest.mark.parametrize("client", ["online", "stores"])
def test_customers_file_is_consistent_with_transactions(kit: ModuleType, demo: Path, client: str) -> None:
    paid = kit.paid(kit.raw(demo, client), client)
    if client == "online":
        cu = pd.read_csv(demo / "online/customers.csv", dtype=str, keep_default_na=False)
        cu = cu.rename(
            columns={
                "member_id": "cid",
                "signup_date": "signup",
                "acquisition_channel": "acq",
                "acquisition_cost": "cac",
            }
        )
        tiers, free = ["normal", "gold", "diamond"], "organic"
        assert cu["phone"].str.fullmatch(r"1\d{2}-\d{4}-\d{4}").all()
        emails = cu.loc[cu["email"] != "", "email"]
        assert emails.str.fullmatch(r"[a-z0-9._]+@[a-z0-9.]+\.(com|cn)").all()
        assert 0.9 < len(emails) / len(cu) < 1.0
        assert cu["name"].str.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+").all()  # pinyin names
    else:
        cu = pd.read_excel(demo / "stores/members.xlsx", sheet_name="会员信息", dtype={"手机号": str})
        cu = cu.rename(
            columns={"会员ID": "cid", "注册日期": "signup", "会员等级": "tier", "来源渠道": "acq", "获客成本": "cac"}
        )
        tiers, free = ["普通", "黄金", "钻石"], "门店自然进店"
        assert cu["手机号"].str.fullmatch(r"1\d{10}").all()
        assert cu["姓名"].str.fullmatch(r"[\u4e00-\u9fff]{2,3}").all()
    assert cu["cid"].is_unique
    cu["signup"] = pd.to_datetime(cu["signup"])
    cu["cac"] = pd.to_numeric(cu["cac"])
    first = paid.groupby("cid")["ts"].min().dt.normalize()
    assert first.index.isin(cu["cid"]).all()
    joined = cu.set_index("cid").join(first.rename("first"), how="inner")
    assert (joined["signup"] <= joined["first"]).all()
    assert (~cu["cid"].isin(first.index)).sum() > 0  # members who never bought
    spend = cu["cid"].map(paid.groupby("cid")["amt"].sum()).fillna(0)
    by_tier = spend.groupby(cu["tier"]).mean()
    assert by_tier[tiers[0]] < by_tier[tiers[1]] < by_tier[tiers[2]]
    assert (cu.loc[cu["acq"] == free, "cac"] == 0).all()
    assert (cu.loc[cu["acq"] != free, "cac"] > 0).all()
    assert cu["acq"].nunique() >= 5
