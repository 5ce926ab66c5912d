"""Tests of the demo data: formats, determinism, injected faults and designed effects.

The data is generated once per module with small sizes into a temporary folder
laid out like the repository (``pyproject.toml``, ``params/``, ``data/demo/``),
so the real params files can be validated against it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from repurchase.core.params import load_params
from repurchase.demo import HTML_JUNK_COMMENTS, MESSINESS_RATES, write_demo_data

REPO = Path(__file__).resolve().parents[1]
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
    "online": dict(
        tx="online/transactions.csv",
        enc="utf-8",
        header=ONLINE_TX,
        canon=CANON,
        paid="paid",
        refund="refund",
        cancelled="cancelled",
        consumable=["Baby care", "Beauty", "Snacks", "Personal care", "Coffee & tea"],
        durable=["Appliances", "Electronics", "Home"],
        high_refund=["Electronics", "Apparel"],
        low_refund=["Snacks", "Coffee & tea"],
        dominant=r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}",
    ),
    "stores": dict(
        tx="stores/transactions.csv",
        enc="gbk",
        header=STORES_TX,
        canon=CANON_STORES,
        paid="已支付",
        refund="已退款",
        cancelled="已取消",
        consumable=["母婴", "美妆", "零食", "个护", "咖啡茶饮"],
        durable=["家电", "数码", "家居"],
        high_refund=["数码", "服饰"],
        low_refund=["零食", "咖啡茶饮"],
        dominant=r"\d{4}/\d{1,2}/\d{1,2} \d{1,2}:\d{2}",
    ),
}
DATE_FORMATS = {
    "iso_space": r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}",
    "slash": r"\d{4}/\d{1,2}/\d{1,2} \d{1,2}:\d{2}",
    "compact": r"\d{8}",
    "chinese": r"\d{4}年\d{1,2}月\d{1,2}日 \d{1,2}:\d{2}",
    "iso_t": r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}",
}


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A throw-away repository root holding the params files and freshly generated demo data."""
    root = tmp_path_factory.mktemp("repo")
    (root / "pyproject.toml").write_text("", encoding="utf-8")
    (root / "params").mkdir()
    for name in ("demo-online.yaml", "demo-stores.yaml"):
        shutil.copy(REPO / "params" / name, root / "params" / name)
    write_demo_data(root / "data" / "demo", n_online_customers=N_ONLINE, n_store_customers=N_STORES)
    return root


@pytest.fixture(scope="module")
def demo(root: Path) -> Path:
    return root / "data" / "demo"


def _manifest(demo: Path, client: str) -> dict:
    return json.loads((demo / client / "_manifest.json").read_text(encoding="utf-8"))


def _raw(demo: Path, client: str) -> pd.DataFrame:
    """Transactions exactly as exported, every cell a string, columns renamed to short names."""
    cfg = CLIENTS[client]
    df = pd.read_csv(demo / cfg["tx"], dtype=str, keep_default_na=False, encoding=cfg["enc"])
    df.columns = cfg["canon"]
    return df


def _paid(raw: pd.DataFrame, client: str) -> pd.DataFrame:
    """A minimal clean-up good enough to measure the designed effects: valid paid rows."""
    cfg = CLIENTS[client]
    df = raw.drop_duplicates().copy()
    df["cid"] = df["cid"].str.strip().str.upper()
    df["ts"] = pd.to_datetime(df["date"], format="mixed", errors="coerce")
    df["amt"] = pd.to_numeric(df["amount"], errors="coerce")
    ok = (df["status"] == cfg["paid"]) & (df["cid"] != "") & df["ts"].notna() & (df["ts"] <= END) & (df["amt"] > 0)
    return df[ok]


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# --------------------------------------------------------------------------- #
# Determinism and API
# --------------------------------------------------------------------------- #


def test_same_seed_gives_identical_bytes_and_no_global_state(demo: Path, tmp_path: Path, capsys) -> None:
    state = np.random.get_state()[1].copy()
    paths = write_demo_data(tmp_path / "again", n_online_customers=N_ONLINE, n_store_customers=N_STORES)
    assert np.array_equal(np.random.get_state()[1], state), "write_demo_data must not touch the global RNG"
    again = _hashes(tmp_path / "again")
    assert again == _hashes(demo)
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
    assert f"demo-online: {N_ONLINE:,} customers" in out and "transaction rows" in out
    assert f"demo-stores: {N_STORES:,} customers" in out


def test_other_seed_gives_other_data(demo: Path, tmp_path: Path) -> None:
    write_demo_data(tmp_path, seed=7, n_online_customers=N_ONLINE, n_store_customers=N_STORES)
    other = _hashes(tmp_path)
    mine = _hashes(demo)
    for name in ("online/transactions.csv", "online/surveys.csv", "stores/transactions.csv", "stores/members.xlsx"):
        assert other[name] != mine[name], name
    # the catalogue is part of the seed, but the customer count is not part of the catalogue
    assert _manifest(tmp_path, "online")["products"] == _manifest(demo, "online")["products"]


# --------------------------------------------------------------------------- #
# Files, encodings, sheets
# --------------------------------------------------------------------------- #


def test_online_files_have_the_documented_columns(demo: Path) -> None:
    tx = (demo / "online/transactions.csv").read_bytes()
    assert tx.decode("utf-8").split("\n", 1)[0] == ",".join(ONLINE_TX)
    assert not tx.startswith(b"\xef\xbb\xbf")  # plain UTF-8, no BOM
    cu = pd.read_csv(demo / "online/customers.csv", dtype=str, keep_default_na=False)
    assert list(cu.columns) == [
        "member_id",
        "signup_date",
        "tier",
        "acquisition_channel",
        "acquisition_cost",
        "name",
        "email",
        "phone",
    ]
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
    raw = _raw(demo, "online")
    assert set(raw["status"]) == {"paid", "refund", "cancelled"}
    assert set(raw["channel"]) == {"app", "web", "mini_program", "livestream"}
    assert set(cu["tier"]) == {"normal", "gold", "diamond"}
    assert 130 <= raw["pid"].nunique() <= 170


def test_stores_files_are_gbk_and_excel(demo: Path) -> None:
    tx = (demo / "stores/transactions.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        tx.decode("utf-8")
    text = tx.decode("gbk")
    assert text.split("\r\n", 1)[0] == ",".join(STORES_TX)
    assert "\r\n" in text
    raw = _raw(demo, "stores")
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


# --------------------------------------------------------------------------- #
# Faults: each present, at its designed rate, and mostly clean rows
# --------------------------------------------------------------------------- #


def _fault_flags(raw: pd.DataFrame, client: str) -> dict[str, pd.Series]:
    cfg = CLIENTS[client]
    cid, amount, date = raw["cid"], raw["amount"], raw["date"]
    num = pd.to_numeric(amount, errors="coerce")
    ts = pd.to_datetime(date.where(date.str.fullmatch(cfg["dominant"])), format="mixed", errors="coerce")
    paid = raw["status"] == cfg["paid"]
    return {
        "exact_duplicate": raw.duplicated(),
        "blank_customer_id": cid.str.strip() == "",
        "customer_id_variant": (cid.str.strip() != "") & (cid != cid.str.strip().str.upper()),
        "amount_as_text": amount.str.contains("[¥￥元]", regex=True),
        "zero_amount": num == 0,
        "negative_amount_not_refund": paid & (num < 0),
        "date_alternate_format": (date.str.strip() != "")
        & ~date.str.fullmatch(cfg["dominant"])
        & ~date.isin(["N/A", "0000-00-00"]),
        "date_unparseable": date.isin(["N/A", "0000-00-00", ""]),
        "date_after_export": ts > END,
    }


@pytest.mark.parametrize("client", ["online", "stores"])
def test_every_fault_is_present_at_its_designed_rate(demo: Path, client: str) -> None:
    raw = _raw(demo, client)
    manifest = _manifest(demo, client)
    flags = _fault_flags(raw, client)
    base = manifest["rows_before_duplicates"]
    assert len(raw) == manifest["transaction_rows"] == base + manifest["messiness_counts"]["exact_duplicate"]
    for name, rate in MESSINESS_RATES.items():
        found = int(flags[name].sum())
        assert found == manifest["messiness_counts"][name], name
        assert found > 0 and abs(found - rate * base) <= 1, (name, found, rate * base)
    any_fault = np.logical_or.reduce([f.to_numpy() for f in flags.values()])
    assert 1 - any_fault.mean() >= 0.95
    assert (raw["status"] == CLIENTS[client]["cancelled"]).any()


@pytest.mark.parametrize("client", ["online", "stores"])
def test_fault_details_look_like_real_exports(demo: Path, client: str) -> None:
    raw = _raw(demo, client)
    manifest = _manifest(demo, client)
    cid = raw["cid"]
    variants = cid[(cid.str.strip() != "") & (cid != cid.str.strip().str.upper())]
    assert variants.str.match(r"^\s").any() and variants.str.contains(r"\S\s+$").any()
    assert variants.str.strip().str.match(r"^[a-z]").any()  # lower-case IDs
    clean_ids = set(cid[cid == cid.str.strip().str.upper()])
    assert variants.str.strip().str.upper().isin(clean_ids).mean() > 0.9  # the same customers, written differently
    text = raw.loc[raw["amount"].str.contains("[¥￥元]", regex=True), "amount"]
    assert text.str.match(r"^[¥￥]\d{1,3}(,\d{3})*\.\d{2}$").any()
    assert text.str.match(r"^￥\d{1,3}(,\d{3})*(\.\d{1,2})?$").any()
    assert text.str.match(r"^\d{1,3}(,\d{3})*(\.\d{1,2})? 元$").any()
    dates = raw["date"]
    alternates = {k: v for k, v in DATE_FORMATS.items() if v != CLIENTS[client]["dominant"]}
    for fmt, pattern in alternates.items():
        assert int(dates.str.fullmatch(pattern).sum()) == manifest["date_alternate_formats"][fmt], fmt
    for junk in ("N/A", "0000-00-00", ""):
        assert (dates == junk).any(), junk
    # the duplicates sit next to their originals, as in a glitchy export
    dup = raw.duplicated()
    assert raw.shift(1)[dup].eq(raw[dup]).all(axis=1).all()


@pytest.mark.parametrize("client", ["online", "stores"])
def test_refunds_are_separate_negative_rows_of_paid_orders(demo: Path, client: str) -> None:
    cfg = CLIENTS[client]
    raw = _raw(demo, client)
    refunds = raw[raw["status"] == cfg["refund"]]
    paid = raw[raw["status"] == cfg["paid"]]
    assert (pd.to_numeric(refunds["amount"]) < 0).all()
    key = ["order", "pid"]
    merged = refunds[key + ["date"]].merge(paid[key + ["date"]].drop_duplicates(key), on=key, suffixes=("", "_paid"))
    assert len(merged) == len(refunds)  # every refund points at a paid line
    later = pd.to_datetime(merged["date"], format="mixed", errors="coerce")
    paid_at = pd.to_datetime(merged["date_paid"], format="mixed", errors="coerce")
    both = later.notna() & paid_at.notna() & (paid_at <= END)
    assert (later[both] > paid_at[both]).all()
    share = refunds["order"].nunique() / paid["order"].nunique()
    assert 0.025 <= share <= 0.065
    rate = refunds.groupby("cat").size() / paid.groupby("cat").size()
    assert rate[cfg["high_refund"]].min() > 2 * rate[cfg["low_refund"]].max()


# --------------------------------------------------------------------------- #
# Designed behaviour
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("client", ["online", "stores"])
def test_consumable_first_buyers_repeat_more_than_durable_first_buyers(demo: Path, client: str) -> None:
    cfg = CLIENTS[client]
    paid = _paid(_raw(demo, client), client)
    occasions = paid.groupby("cid")["ts"].apply(lambda s: s.dt.normalize().nunique())
    first_cat = paid.sort_values("ts", kind="stable").groupby("cid")["cat"].first()
    repeat = (occasions >= 2).groupby(first_cat).mean()
    consumable = repeat[cfg["consumable"]].min()
    durable = repeat[cfg["durable"]].max()
    assert consumable > durable + 0.2, repeat.round(3).to_dict()


def test_seasonal_peaks_and_chinese_new_year_dip(demo: Path) -> None:
    paid = _paid(_raw(demo, "online"), "online")
    daily = paid.groupby(paid["ts"].dt.normalize())["order"].nunique()
    daily = daily.reindex(pd.date_range("2023-11-01", "2026-10-31"), fill_value=0)
    for day in ("2024-11-11", "2025-11-11"):
        month = daily[pd.Timestamp(day) - pd.Timedelta(days=45) : pd.Timestamp(day) + pd.Timedelta(days=45)]
        assert daily[day] > 4 * month.median()
    assert daily["2025-06-18"] > 2.5 * daily["2025-05-01":"2025-07-31"].median()
    for cny in ("2025-01-29", "2026-02-17"):
        c = pd.Timestamp(cny)
        holiday = daily[c - pd.Timedelta(days=2) : c + pd.Timedelta(days=6)].mean()
        around = pd.concat(
            [
                daily[c - pd.Timedelta(days=40) : c - pd.Timedelta(days=20)],
                daily[c + pd.Timedelta(days=20) : c + pd.Timedelta(days=40)],
            ]
        ).mean()
        assert holiday < 0.75 * around
    quarterly = daily.resample("QS").sum()
    assert quarterly.iloc[-4:].sum() > 2 * quarterly.iloc[1:5].sum()  # a growing business


def test_snacks_and_coffee_are_bought_together(demo: Path) -> None:
    paid = _paid(_raw(demo, "online"), "online")
    baskets = pd.crosstab(paid["order"], paid["cat"]).clip(upper=1)
    support = baskets.mean()

    def lift(a: str, b: str) -> float:
        return (baskets[a] * baskets[b]).mean() / (support[a] * support[b])

    assert lift("Snacks", "Coffee & tea") > 1.5
    assert lift("Snacks", "Electronics") < 1.0


@pytest.mark.parametrize("client", ["online", "stores"])
def test_customers_file_is_consistent_with_transactions(demo: Path, client: str) -> None:
    paid = _paid(_raw(demo, client), client)
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


def _surveys(demo: Path, client: str) -> tuple[pd.DataFrame, list[str]]:
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


@pytest.mark.parametrize("client", ["online", "stores"])
def test_surveys_have_realistic_scores_and_comments(demo: Path, client: str) -> None:
    sv, aspects = _surveys(demo, client)
    n_customers = _manifest(demo, client)["customers_file_rows"]
    assert 0.07 <= sv["cid"].nunique() / n_customers <= 0.13
    assert (sv["cid"].value_counts() > 1).any()
    assert sv["nps"].between(0, 10).all() and sv["csat"].between(1, 5).all() and sv["ces"].between(1, 7).all()
    assert sv[aspects].stack().between(1, 5).all()
    assert sv["nps"].nunique() == 11
    nps = 100 * ((sv["nps"] >= 9).mean() - (sv["nps"] <= 6).mean())
    assert -20 < nps < 40
    assert (sv["rdate"] <= END).all()
    comments = sv["comment"]
    assert (comments.str.strip() == "").mean() > 0.1  # blank comments
    assert comments.str.contains(r"[\u4e00-\u9fff]").any() and comments.str.contains(r"^[A-Za-z]").any()
    for junk in HTML_JUNK_COMMENTS:
        assert (comments == junk).sum() == 1, junk
    assert comments.str.contains("<").sum() == len(HTML_JUNK_COMMENTS)
    complaints = "太慢了|质量差|价格贵|slow|poor quality|expensive|态度差|太挤"
    detractor_complaints = comments[sv["nps"] <= 6].str.contains(complaints).mean()
    promoter_complaints = comments[sv["nps"] >= 9].str.contains(complaints).mean()
    assert detractor_complaints > promoter_complaints + 0.1


@pytest.mark.parametrize("client", ["online", "stores"])
def test_aspects_drive_the_score_with_different_weights(demo: Path, client: str) -> None:
    sv, aspects = _surveys(demo, client)
    corr = sv[aspects].corr().to_numpy()[np.triu_indices(len(aspects), 1)]
    assert corr.min() > 0.15 and corr.max() < 0.7  # moderately collinear
    x = np.column_stack([np.ones(len(sv)), sv[aspects].to_numpy(float)])
    coef = np.linalg.lstsq(x, sv["nps"].to_numpy(float), rcond=None)[0][1:]
    top_two = set(np.argsort(coef)[-2:])
    assert top_two == {0, 1}, dict(zip(aspects, coef.round(2)))  # quality and delivery (online) / service (stores)
    assert coef.min() > 0


@pytest.mark.parametrize("client", ["online", "stores"])
def test_detractors_buy_less_after_responding_than_promoters(demo: Path, client: str) -> None:
    sv, _ = _surveys(demo, client)
    paid = _paid(_raw(demo, client), client)[["cid", "ts"]]
    sv = sv[sv["rdate"] <= END - pd.Timedelta(days=90)].reset_index()
    m = sv[["index", "cid", "rdate"]].merge(paid, on="cid", how="left")
    m["later"] = (m["ts"] > m["rdate"]) & (m["ts"] <= m["rdate"] + pd.Timedelta(days=90))
    sv["later"] = m.groupby("index")["later"].any().reindex(sv["index"]).to_numpy()
    detractors = sv.loc[sv["nps"] <= 6, "later"]
    promoters = sv.loc[sv["nps"] >= 9, "later"]
    assert len(detractors) >= 50 and len(promoters) >= 50
    assert promoters.mean() - detractors.mean() > 0.15, (detractors.mean(), promoters.mean())


# --------------------------------------------------------------------------- #
# Params files
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("name", ["demo-online", "demo-stores"])
def test_params_files_validate_and_map_real_columns(root: Path, name: str) -> None:
    params = load_params(root / "params" / f"{name}.yaml")
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
        assert path is not None and path.is_relative_to(root / "data" / "demo")
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


def test_params_files_comment_every_line() -> None:
    for name in ("demo-online.yaml", "demo-stores.yaml"):
        for line in (REPO / "params" / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                assert "#" in line, f"{name}: {line!r} has no comment"
