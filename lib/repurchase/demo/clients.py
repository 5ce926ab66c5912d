"""The two fictional clients: what differs between the online shop and the chain of stores."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MINI_PROGRAM_STORE", "ONLINE", "PROVINCES", "STORES", "STORES_CLIENT", "Client"]

#: Regions of the online shop's customers, with their weights.
PROVINCES = (
    ("Guangdong", 12.0),
    ("Zhejiang", 9.0),
    ("Jiangsu", 9.0),
    ("Shanghai", 8.0),
    ("Beijing", 7.0),
    ("Shandong", 6.0),
    ("Sichuan", 5.0),
    ("Fujian", 4.5),
    ("Henan", 4.5),
    ("Hubei", 4.0),
    ("Hunan", 3.5),
    ("Anhui", 3.0),
    ("Tianjin", 2.5),
    ("Chongqing", 2.5),
    ("Shaanxi", 2.5),
    ("Liaoning", 2.0),
    ("Hebei", 2.0),
    ("Yunnan", 1.5),
    ("Guangxi", 1.5),
    ("Jiangxi", 1.5),
)
#: The shops of the store chain: (name, city, weight).
STORES = (
    ("上海徐汇店", "上海", 11.0),
    ("上海静安店", "上海", 9.0),
    ("上海浦东店", "上海", 10.0),
    ("杭州西湖店", "杭州", 8.0),
    ("杭州滨江店", "杭州", 6.0),
    ("南京新街口店", "南京", 7.0),
    ("苏州园区店", "苏州", 6.0),
    ("北京朝阳店", "北京", 9.0),
    ("北京海淀店", "北京", 8.0),
    ("成都春熙路店", "成都", 7.0),
    ("深圳南山店", "深圳", 8.0),
    ("广州天河店", "广州", 7.0),
)
#: The store chain's online channel, written in the store column.
MINI_PROGRAM_STORE = "微信小程序"


@dataclass(frozen=True)
class Client:
    """What differs between the two demo clients: IDs, basket size, seasonality, channels, tiers, surveys."""

    key: str  # folder name
    slug: str  # client slug used in params
    stream: int
    zh: bool
    id_prefix: str
    id_digits: int
    id_start: int
    extra_lines: float  # mean extra lines per order
    gap_factor: float
    refund_factor: float
    # seasonality: 双11 bump, 双11 spike, 618 bump, 618 spike, 12.12 bump, CNY dip, 国庆 bump
    s11: float
    s11_spike: float
    s618: float
    s618_spike: float
    s1212: float
    cny_dip: float
    golden_week: float
    weekend: float
    promo_discount: float
    acq: tuple[tuple[str, float, float, float], ...]  # (name, share, mean CAC, dropout odds factor)
    tiers: tuple[str, str, str]
    survey_rate: float  # chance that a paid order triggers a survey response
    english_comments: float
    aspects: tuple[tuple[str, str, float, float], ...]  # (key, column, weight on overall, loading on factor)
    nonbuyer_share: float
    campaigns: bool = False  # plant the demo campaign tests (repurchase.demo.campaigns)


#: demo-online: an online shop, English names, UTF-8 CSV files.
ONLINE = Client(
    key="online",
    slug="demo-online",
    stream=1,
    zh=False,
    id_prefix="C",
    id_digits=7,
    id_start=10_001,
    extra_lines=0.5,
    gap_factor=1.0,
    refund_factor=1.0,
    s11=2.2,
    s11_spike=5.0,
    s618=1.2,
    s618_spike=1.5,
    s1212=0.6,
    cny_dip=0.55,
    golden_week=0.0,
    weekend=1.08,
    promo_discount=0.85,
    acq=(
        ("organic", 0.22, 0.0, 0.9),
        ("search_ads", 0.20, 85.0, 1.0),
        ("social_ads", 0.18, 60.0, 1.2),
        ("livestream", 0.14, 45.0, 1.4),
        ("kol", 0.10, 120.0, 1.15),
        ("referral", 0.16, 25.0, 0.75),
    ),
    tiers=("normal", "gold", "diamond"),
    survey_rate=0.036,
    english_comments=0.5,
    aspects=(
        ("product_quality", "product_quality", 0.40, 0.72),
        ("delivery", "delivery", 0.36, 0.68),
        ("service", "service", 0.15, 0.62),
        ("price", "price", 0.09, 0.50),
    ),
    nonbuyer_share=0.08,
    campaigns=True,
)
#: demo-stores: a chain of shops in Chinese cities, a GBK CSV export and Excel workbooks.
STORES_CLIENT = Client(
    key="stores",
    slug="demo-stores",
    stream=2,
    zh=True,
    id_prefix="HY",
    id_digits=8,
    id_start=80_000_001,
    extra_lines=0.9,
    gap_factor=0.8,
    refund_factor=0.55,
    s11=0.4,
    s11_spike=0.5,
    s618=0.35,
    s618_spike=0.5,
    s1212=0.0,
    cny_dip=0.65,
    golden_week=0.6,
    weekend=1.35,
    promo_discount=0.9,
    acq=(
        ("门店自然进店", 0.34, 0.0, 0.9),
        ("老带新", 0.16, 30.0, 0.75),
        ("大众点评", 0.14, 25.0, 1.15),
        ("小程序广告", 0.14, 40.0, 1.25),
        ("地推活动", 0.12, 15.0, 1.35),
        ("社群团购", 0.10, 18.0, 1.1),
    ),
    tiers=("普通", "黄金", "钻石"),
    survey_rate=0.030,
    english_comments=0.15,
    aspects=(
        ("product_quality", "商品质量", 0.40, 0.72),
        ("service", "服务态度", 0.32, 0.66),
        ("store_environment", "门店环境", 0.12, 0.55),
        ("price", "价格", 0.16, 0.50),
    ),
    nonbuyer_share=0.10,
)
