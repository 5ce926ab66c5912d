"""Deterministic, realistic and deliberately messy demo data for two fictional clients.

Two clients exercise every analysis of the template:

``demo-online``
    An online shop (English product names, UTF-8 CSV files): transactions,
    customers and surveys.
``demo-stores``
    A chain of shops in Chinese cities (Chinese headers): a GBK-encoded CSV
    export of transactions and two Excel workbooks (members, surveys).

The purchase process is BG/NBD-like. Every customer has a purchase rate
``lambda ~ Gamma`` and, after each purchase, drops out with probability
``p ~ Beta``. Both depend on the category of the first purchase (consumables are
bought again far more often than durables) and on the acquisition channel.
Purchase times run on a seasonal clock (peaks at 双11 and 618, a dip at Chinese
New Year); new customers arrive at a growing rate over three years ending on
2026-10-31, the export date.

Survey scores are driven by the customer's latent dropout propensity, so
detractors buy less after they respond. Aspect ratings drive the overall score
with known weights (quality and delivery matter most).

Transactions carry the faults of real exports, each at a known rate (see
:data:`MESSINESS_RATES`): exact duplicate rows, blank IDs, IDs differing by case
or whitespace, amounts written as text with currency symbols, zero and
negative amounts, mixed and unparseable date formats, and rows dated after the
export. The exact counts are written next to the data in ``_manifest.json`` so
the cleaning ledger can be checked against them.

Everything is drawn from ``numpy.random.default_rng`` streams derived from the
seed: the same seed gives byte-identical files. Importing this module changes no
global state.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import ndtri

__all__ = [
    "DATA_END",
    "DATA_START",
    "DEFAULT_OUT_DIR",
    "DEFAULT_SEED",
    "MESSINESS_RATES",
    "write_demo_data",
]

REPO_ROOT = Path(__file__).resolve().parents[3]
#: Where :func:`write_demo_data` writes by default (git-ignored).
DEFAULT_OUT_DIR = REPO_ROOT / "data" / "demo"
DEFAULT_SEED = 20261031
#: First day of the simulated history.
DATA_START = dt.date(2023, 11, 1)
#: Last observed day, also the export date of every file.
DATA_END = dt.date(2026, 10, 31)

#: Share of transaction rows (before duplicates are added) given each fault.
#: The faults are put on distinct ``paid`` rows, so the counts add up. The
#: duplicate copies are extra rows, counted against the same base.
MESSINESS_RATES: dict[str, float] = {
    "exact_duplicate": 0.008,
    "blank_customer_id": 0.003,
    "customer_id_variant": 0.010,  # case and/or surrounding whitespace differ
    "amount_as_text": 0.006,  # currency symbols, thousands separators, 元
    "zero_amount": 0.003,
    "negative_amount_not_refund": 0.002,
    "date_alternate_format": 0.010,  # split evenly over four alternate formats
    "date_unparseable": 0.002,  # "N/A", "0000-00-00", ""
    "date_after_export": 0.002,  # 2026-11-01 … 2027-12-31
}
#: Share of orders that get a cancelled twin order (status cancelled / 已取消).
CANCELLED_ORDER_RATE = 0.010

_EPOCH = np.datetime64(DATA_START.isoformat(), "s")
_N_DAYS = (DATA_END - DATA_START).days + 1
_MAX_REPEATS = 60
_FIXED_ZIP_TIME = (2026, 10, 31, 0, 0, 0)


# --------------------------------------------------------------------------- #
# Catalogue
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class _Category:
    en: str
    zh: str
    kind: str  # consumable | semi | durable
    gap_days: float  # mean gap between purchases on the seasonal clock
    dropout: float  # mean of the Beta prior of p (dropout after a purchase)
    refund: float  # refund probability of a line
    acq_online: float  # share of first purchases
    acq_stores: float
    qty_extra: float  # mean extra units per line


CATEGORIES: tuple[_Category, ...] = (
    _Category("Baby care", "母婴", "consumable", 32, 0.20, 0.020, 0.10, 0.06, 0.5),
    _Category("Beauty", "美妆", "consumable", 50, 0.26, 0.035, 0.13, 0.10, 0.25),
    _Category("Snacks", "零食", "consumable", 36, 0.28, 0.012, 0.15, 0.22, 0.8),
    _Category("Personal care", "个护", "consumable", 45, 0.24, 0.020, 0.11, 0.14, 0.4),
    _Category("Coffee & tea", "咖啡茶饮", "consumable", 30, 0.22, 0.012, 0.09, 0.16, 0.5),
    _Category("Apparel", "服饰", "semi", 120, 0.45, 0.120, 0.14, 0.10, 0.15),
    _Category("Appliances", "家电", "durable", 320, 0.65, 0.050, 0.07, 0.06, 0.02),
    _Category("Electronics", "数码", "durable", 280, 0.65, 0.090, 0.11, 0.08, 0.03),
    _Category("Home", "家居", "durable", 220, 0.58, 0.040, 0.10, 0.08, 0.10),
)
_CAT_INDEX = {c.en: i for i, c in enumerate(CATEGORIES)}

#: Categories bought together in one basket (symmetric weights).
_AFFINITY_PAIRS = (
    ("Snacks", "Coffee & tea", 2.0),
    ("Baby care", "Personal care", 1.2),
    ("Beauty", "Personal care", 1.2),
    ("Electronics", "Appliances", 0.5),
    ("Home", "Appliances", 0.5),
    ("Apparel", "Beauty", 0.4),
    ("Snacks", "Baby care", 0.25),
)

# item: (english, chinese, base price, [(english variant, chinese variant, price factor), ...])
_V0 = [("", "", 1.0)]
_ITEMS: dict[str, list[tuple[str, str, float, list[tuple[str, str, float]]]]] = {
    "Baby care": [
        (
            "Ultra-soft Diapers",
            "超薄纸尿裤",
            119,
            [("M 52 pcs", "M码52片", 1.0), ("L 44 pcs", "L码44片", 1.0), ("XL 38 pcs", "XL码38片", 1.05)],
        ),
        ("Baby Wipes", "婴儿湿巾", 29.9, [("80 sheets x3", "80抽×3包", 1.0), ("80 sheets x6", "80抽×6包", 1.9)]),
        (
            "Infant Formula",
            "婴儿配方奶粉",
            268,
            [("Stage 1 800g", "1段800g", 1.0), ("Stage 2 800g", "2段800g", 1.0), ("Stage 3 800g", "3段800g", 0.95)],
        ),
        ("Baby Lotion 200ml", "婴儿润肤乳200ml", 59, _V0),
        ("Wide-neck Feeding Bottle", "宽口径奶瓶", 89, [("160ml", "160ml", 1.0), ("240ml", "240ml", 1.1)]),
        ("Organic Rice Cereal", "有机高铁米粉", 45, [("Original", "原味", 1.0), ("Pumpkin", "南瓜味", 1.0)]),
        ("Baby Laundry Detergent", "婴儿洗衣液", 39.9, [("1L", "1L", 1.0), ("2L", "2L", 1.7)]),
        ("Teething Biscuits", "婴儿磨牙饼干", 32, _V0),
        ("Baby Shampoo & Body Wash 300ml", "婴儿洗发沐浴露300ml", 49, _V0),
    ],
    "Beauty": [
        ("Hydrating Essence", "补水精华液", 299, [("30ml", "30ml", 1.0), ("50ml", "50ml", 1.5)]),
        ("Hyaluronic Sheet Masks", "玻尿酸面膜", 99, [("10 pcs", "10片", 1.0), ("20 pcs", "20片", 1.8)]),
        (
            "Matte Lipstick",
            "哑光口红",
            189,
            [("#01 Red", "#01正红", 1.0), ("#02 Rose", "#02豆沙", 1.0), ("#03 Maple", "#03枫叶", 1.0)],
        ),
        ("Sunscreen SPF50 50ml", "防晒霜SPF50 50ml", 129, _V0),
        ("Cushion Foundation", "气垫粉底", 239, [("Ivory", "象牙白", 1.0), ("Natural", "自然色", 1.0)]),
        ("Micellar Cleansing Water", "卸妆水", 79, [("200ml", "200ml", 1.0), ("400ml", "400ml", 1.7)]),
        ("Eye Cream 15ml", "眼霜15ml", 359, _V0),
        ("Toner", "爽肤水", 129, [("150ml", "150ml", 1.0), ("300ml", "300ml", 1.8)]),
        ("Eyebrow Pencil", "眉笔", 49, _V0),
        ("Facial Cleanser 120g", "洁面乳120g", 69, _V0),
    ],
    "Snacks": [
        ("Mixed Nuts Daily Pack", "每日坚果", 129, [("30 bags", "30袋", 1.0), ("15 bags", "15袋", 0.55)]),
        ("Spicy Beef Jerky", "麻辣牛肉干", 39.9, [("100g", "100g", 1.0), ("250g", "250g", 2.2)]),
        ("Seaweed Crisps", "海苔脆", 19.9, [("Original", "原味", 1.0), ("Sesame", "芝麻味", 1.0)]),
        ("Dried Mango", "芒果干", 25.9, [("200g", "200g", 1.0), ("500g", "500g", 2.2)]),
        ("Potato Chips", "薯片", 9.9, [("Tomato", "番茄味", 1.0), ("Cucumber", "黄瓜味", 1.0), ("BBQ", "烧烤味", 1.0)]),
        ("Dark Chocolate", "黑巧克力", 49, [("70%", "70%", 1.0), ("85%", "85%", 1.05)]),
        ("Egg Rolls Gift Box", "蛋卷礼盒", 59, _V0),
        ("Caramel Sunflower Seeds 500g", "焦糖瓜子500g", 15.9, _V0),
        (
            "Instant Noodles 5 packs",
            "方便面5连包",
            19.9,
            [("Braised Beef", "红烧牛肉", 1.0), ("Pickled Cabbage", "老坛酸菜", 1.0)],
        ),
        ("Sparkling Water 12 bottles", "苏打气泡水12瓶", 45, _V0),
    ],
    "Personal care": [
        ("Amino Acid Shampoo", "氨基酸洗发水", 69, [("500ml", "500ml", 1.0), ("1L", "1L", 1.8)]),
        ("Body Wash", "沐浴露", 49, [("Sakura", "樱花香", 1.0), ("Mint", "薄荷香", 1.0)]),
        ("Whitening Toothpaste", "美白牙膏", 29.9, [("3 tubes", "3支装", 1.0), ("6 tubes", "6支装", 1.9)]),
        ("Toothbrush Heads 4 pcs", "电动牙刷替换头4支", 59, _V0),
        ("Hand Cream 50ml", "护手霜50ml", 35, _V0),
        ("Facial Tissues 24 packs", "抽纸24包", 39.9, _V0),
        ("Conditioner 500ml", "护发素500ml", 59, _V0),
        ("Cotton Pads 200 pcs", "化妆棉200片", 19.9, _V0),
        ("Sanitary Pads", "卫生巾", 39.9, [("Day", "日用", 1.0), ("Night", "夜用", 1.1)]),
        ("Razor Blades 4 pcs", "剃须刀片4刀头", 79, _V0),
        ("Deodorant 50ml", "止汗露50ml", 45, _V0),
    ],
    "Coffee & tea": [
        ("Drip Coffee Bags", "挂耳咖啡", 59, [("20 bags", "20包", 1.0), ("50 bags", "50包", 2.3)]),
        ("Cold Brew Concentrate", "冷萃咖啡液", 79, [("Original", "原味", 1.0), ("Oat Latte", "燕麦拿铁", 1.1)]),
        ("Coffee Beans 500g", "咖啡豆500g", 98, [("Dark Roast", "深烘", 1.0), ("Medium Roast", "中烘", 1.0)]),
        ("Instant Black Coffee 30 sticks", "速溶黑咖啡30条", 49, _V0),
        ("Oolong Tea 250g", "乌龙茶250g", 128, _V0),
        ("Jasmine Tea 250g", "茉莉花茶250g", 88, _V0),
        ("Longjing Green Tea", "龙井绿茶", 198, [("200g", "200g", 1.0), ("400g", "400g", 1.9)]),
        ("Milk Tea Powder", "奶茶粉", 39.9, [("Original", "原味", 1.0), ("Matcha", "抹茶味", 1.0)]),
        ("Freeze-dried Fruit Tea 12 bags", "冻干水果茶12包", 45, _V0),
        ("Matcha Powder 100g", "抹茶粉100g", 69, _V0),
        ("Coffee Filter Papers 100 pcs", "咖啡滤纸100张", 15.9, _V0),
    ],
    "Apparel": [
        (
            "Cotton T-shirt",
            "纯棉T恤",
            79,
            [
                ("White M", "白色M", 1.0),
                ("White L", "白色L", 1.0),
                ("Black M", "黑色M", 1.0),
                ("Black L", "黑色L", 1.0),
            ],
        ),
        ("Light Down Jacket", "轻薄羽绒服", 499, [("M", "M", 1.0), ("L", "L", 1.0)]),
        ("Straight Jeans", "直筒牛仔裤", 199, [("29", "29码", 1.0), ("31", "31码", 1.0)]),
        ("Sports Socks 5 pairs", "运动袜5双装", 39, _V0),
        ("Hoodie", "连帽卫衣", 229, [("Grey", "灰色", 1.0), ("Black", "黑色", 1.0)]),
        ("Running Shoes", "跑步鞋", 399, [("EU 40", "40码", 1.0), ("EU 42", "42码", 1.0)]),
        ("Thermal Underwear Set", "保暖内衣套装", 129, [("M", "M", 1.0), ("L", "L", 1.0)]),
        ("Pajama Set", "睡衣套装", 159, [("M", "M", 1.0), ("L", "L", 1.0)]),
    ],
    "Appliances": [
        ("Air Fryer", "空气炸锅", 399, [("4L", "4L", 1.0), ("6L", "6L", 1.3)]),
        ("Robot Vacuum", "扫地机器人", 1999, _V0),
        ("Ionic Hair Dryer", "负离子吹风机", 299, _V0),
        ("Electric Kettle 1.5L", "电热水壶1.5L", 129, _V0),
        ("Rice Cooker", "电饭煲", 459, [("3L", "3L", 1.0), ("4L", "4L", 1.15)]),
        ("Air Purifier", "空气净化器", 1299, _V0),
        ("High-speed Blender", "破壁机", 699, _V0),
        ("Humidifier", "加湿器", 199, _V0),
        ("Capsule Coffee Machine", "胶囊咖啡机", 999, _V0),
        ("Floor Fan", "落地扇", 269, _V0),
        ("Dehumidifier", "除湿机", 1099, _V0),
        ("Microwave Oven", "微波炉", 599, _V0),
        ("Garment Steamer", "挂烫机", 349, _V0),
        ("Electric Toothbrush", "电动牙刷", 259, _V0),
    ],
    "Electronics": [
        ("Wireless Earbuds", "无线蓝牙耳机", 399, [("White", "白色", 1.0), ("Black", "黑色", 1.0)]),
        ("Power Bank 20000mAh", "充电宝20000mAh", 149, _V0),
        ("65W Fast Charger", "65W快充充电器", 129, _V0),
        ("Smart Watch", "智能手表", 1299, [("42mm", "42mm", 1.0), ("46mm", "46mm", 1.1)]),
        ("11-inch Tablet", "11英寸平板电脑", 2499, [("128GB", "128GB", 1.0), ("256GB", "256GB", 1.2)]),
        ("Mechanical Keyboard", "机械键盘", 399, _V0),
        ("Wireless Mouse", "无线鼠标", 99, _V0),
        ("USB-C Cable", "USB-C数据线", 29.9, [("1m", "1米", 1.0), ("2m", "2米", 1.3)]),
        ("Phone Case", "手机壳", 49, _V0),
        ("Bluetooth Speaker", "蓝牙音箱", 299, _V0),
        ("Fitness Band", "智能手环", 249, _V0),
        ("Smart Speaker", "智能音箱", 199, _V0),
    ],
    "Home": [
        ("Memory Foam Pillow", "记忆棉枕头", 159, _V0),
        ("Cotton Bedding Set", "纯棉四件套", 399, [("1.5m", "1.5米床", 1.0), ("1.8m", "1.8米床", 1.15)]),
        ("Storage Boxes 3 pcs", "收纳箱3个装", 89, _V0),
        ("Bath Towels 2 pcs", "浴巾2条装", 69, _V0),
        ("Scented Candle", "香薰蜡烛", 99, [("Cedar", "雪松", 1.0), ("White Tea", "白茶", 1.0)]),
        ("Non-stick Pan", "不粘锅", 199, [("28cm", "28cm", 1.0), ("30cm", "30cm", 1.1)]),
        ("Ceramic Dinnerware Set", "陶瓷餐具套装", 299, _V0),
        ("LED Desk Lamp", "护眼台灯", 199, _V0),
        ("Blackout Curtains", "遮光窗帘", 259, _V0),
        ("Floor Mat", "地垫", 59, _V0),
        ("Vacuum Flask 500ml", "保温杯500ml", 129, _V0),
        ("Laundry Basket", "脏衣篮", 49, _V0),
        ("Bamboo Cutting Board", "竹砧板", 79, _V0),
        ("Aroma Diffuser", "香薰机", 129, _V0),
    ],
}


# --------------------------------------------------------------------------- #
# People and places
# --------------------------------------------------------------------------- #

_SURNAMES = (
    ("王", "wang"),
    ("李", "li"),
    ("张", "zhang"),
    ("刘", "liu"),
    ("陈", "chen"),
    ("杨", "yang"),
    ("黄", "huang"),
    ("赵", "zhao"),
    ("吴", "wu"),
    ("周", "zhou"),
    ("徐", "xu"),
    ("孙", "sun"),
    ("马", "ma"),
    ("朱", "zhu"),
    ("胡", "hu"),
    ("郭", "guo"),
    ("何", "he"),
    ("高", "gao"),
    ("林", "lin"),
    ("罗", "luo"),
    ("郑", "zheng"),
    ("梁", "liang"),
    ("谢", "xie"),
    ("宋", "song"),
    ("唐", "tang"),
    ("许", "xu"),
    ("韩", "han"),
    ("冯", "feng"),
    ("邓", "deng"),
    ("曹", "cao"),
)
_SURNAME_WEIGHTS = np.array(
    [
        7.3,
        7.2,
        7.0,
        5.4,
        4.5,
        3.1,
        2.2,
        2.1,
        2.0,
        1.9,
        1.7,
        1.5,
        1.4,
        1.3,
        1.3,
        1.2,
        1.2,
        1.1,
        1.1,
        1.0,
        1.0,
        0.9,
        0.9,
        0.8,
        0.8,
        0.8,
        0.7,
        0.7,
        0.7,
        0.7,
    ]
)
_GIVEN = (
    ("伟", "wei"),
    ("芳", "fang"),
    ("娜", "na"),
    ("敏", "min"),
    ("静", "jing"),
    ("丽", "li"),
    ("强", "qiang"),
    ("磊", "lei"),
    ("军", "jun"),
    ("洋", "yang"),
    ("勇", "yong"),
    ("艳", "yan"),
    ("杰", "jie"),
    ("娟", "juan"),
    ("涛", "tao"),
    ("明", "ming"),
    ("超", "chao"),
    ("秀", "xiu"),
    ("霞", "xia"),
    ("平", "ping"),
    ("刚", "gang"),
    ("桂", "gui"),
    ("英", "ying"),
    ("华", "hua"),
    ("玉", "yu"),
    ("晨", "chen"),
    ("思", "si"),
    ("雨", "yu"),
    ("欣", "xin"),
    ("怡", "yi"),
    ("梓", "zi"),
    ("涵", "han"),
    ("浩", "hao"),
    ("宇", "yu"),
    ("子", "zi"),
    ("轩", "xuan"),
    ("嘉", "jia"),
    ("佳", "jia"),
    ("琪", "qi"),
    ("晓", "xiao"),
    ("文", "wen"),
    ("博", "bo"),
    ("一", "yi"),
    ("诺", "nuo"),
    ("天", "tian"),
    ("俊", "jun"),
    ("婷", "ting"),
    ("雪", "xue"),
    ("慧", "hui"),
    ("鹏", "peng"),
    ("飞", "fei"),
    ("鑫", "xin"),
    ("斌", "bin"),
    ("宁", "ning"),
    ("瑶", "yao"),
    ("悦", "yue"),
)
_EMAIL_DOMAINS = ("163.com", "126.com", "qq.com", "gmail.com", "outlook.com", "sina.com", "foxmail.com", "hotmail.com")
_EMAIL_DOMAIN_WEIGHTS = np.array([0.26, 0.10, 0.22, 0.12, 0.10, 0.08, 0.07, 0.05])
_PHONE_PREFIXES = np.array(
    [
        130,
        131,
        132,
        133,
        135,
        136,
        137,
        138,
        139,
        150,
        151,
        152,
        155,
        156,
        157,
        158,
        159,
        166,
        170,
        176,
        177,
        180,
        181,
        182,
        183,
        185,
        186,
        187,
        188,
        189,
        191,
        199,
    ]
)

_PROVINCES = (
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
_STORES = (
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
_MINI_PROGRAM_STORE = "微信小程序"


@dataclass(frozen=True)
class _Client:
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


_ONLINE = _Client(
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
)
_STORES_CLIENT = _Client(
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

# Survey phrases: (aspect, sentiment) -> (Chinese phrases, English phrases)
_PHRASES: dict[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...]]] = {
    ("product_quality", "neg"): (
        ("质量差", "质量太差了，用了两次就坏了", "和图片不一样", "东西有异味", "做工粗糙", "质量不如以前了"),
        ("poor quality", "broke after two uses", "not as described", "quality has gone down"),
    ),
    ("product_quality", "pos"): (
        ("质量很好", "品质不错，会回购", "正品，很满意", "质量好"),
        ("great quality", "good quality, will buy again", "exactly as described"),
    ),
    ("delivery", "neg"): (
        ("太慢了", "物流太慢了", "快递一个星期才到", "包装破损", "发货太慢"),
        ("delivery was slow", "package arrived damaged", "took over a week to arrive", "shipping is too slow"),
    ),
    ("delivery", "pos"): (
        ("物流很快", "第二天就到了", "包装很仔细"),
        ("fast delivery", "arrived next day", "well packed"),
    ),
    ("service", "neg"): (
        ("客服态度差", "客服不回消息", "退款太麻烦", "店员态度差", "收银太慢"),
        ("customer service never replied", "refund process is a hassle", "rude staff"),
    ),
    ("service", "pos"): (
        ("客服很耐心", "服务很好", "店员很热情"),
        ("helpful customer service", "great service", "friendly staff"),
    ),
    ("price", "neg"): (
        ("价格贵", "比别家贵", "优惠券太难用了", "太贵了"),
        ("too expensive", "prices went up", "coupons are confusing"),
    ),
    ("price", "pos"): (
        ("价格实惠", "活动力度大", "性价比高"),
        ("good value for money", "great discounts"),
    ),
    ("store_environment", "neg"): (
        ("店里太挤了", "排队太久", "停车不方便", "门店有点乱"),
        ("store was crowded", "long queue at checkout", "hard to find parking"),
    ),
    ("store_environment", "pos"): (
        ("门店很干净", "环境不错", "陈列很清楚"),
        ("clean store", "nice store layout"),
    ),
    ("any", "neutral"): (
        ("还行", "一般般", "还可以吧", "凑合", "没什么特别的"),
        ("ok", "it's fine", "average", "nothing special"),
    ),
    ("any", "pos"): (
        ("很好", "非常满意", "会推荐给朋友", "满意", "好评"),
        ("love it", "will recommend", "very satisfied"),
    ),
}
#: Raw HTML/script junk that real free-text exports contain; reports must show it literally.
HTML_JUNK_COMMENTS = (
    "很好<script>alert(1)</script>",
    "<img src=x onerror=alert(1)> delivery was slow",
    "质量差</table><b>太慢了</b>",
)
MULTILINE_COMMENT = "包装破损\n客服也不回消息"


# --------------------------------------------------------------------------- #
# Simulation helpers
# --------------------------------------------------------------------------- #


def _choice_cdf(rng: np.random.Generator, cdf_rows: np.ndarray) -> np.ndarray:
    """Draw one index per row from row-wise cumulative probabilities."""
    u = rng.random(cdf_rows.shape[0])
    idx = (u[:, None] > cdf_rows).sum(axis=1)
    return np.minimum(idx, cdf_rows.shape[1] - 1)


def _cdf(weights: np.ndarray) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    c = np.cumsum(w, axis=-1)
    return c / c[..., -1:]


def _day_of(date: dt.date) -> int:
    return (date - DATA_START).days


def _intensity(client: _Client) -> np.ndarray:
    """Relative purchase intensity of each day of the history (mean 1)."""
    d = np.arange(_N_DAYS)
    dates = pd.to_datetime(DATA_START) + pd.to_timedelta(d, unit="D")
    s = np.ones(_N_DAYS)
    for year in (2023, 2024, 2025, 2026):
        for (month, day), bump, spike, width in (
            ((11, 11), client.s11, client.s11_spike, 4.0),
            ((6, 18), client.s618, client.s618_spike, 5.0),
            ((12, 12), client.s1212, 0.0, 2.0),
        ):
            peak = _day_of(dt.date(year, month, day))
            # the run-up before the day is strong, the hangover after it short
            scale = np.where(d <= peak, width, width / 2.5)
            s += bump * np.exp(-0.5 * ((d - peak) / scale) ** 2)
            s += spike * (d == peak)
        if client.golden_week:
            start = _day_of(dt.date(year, 10, 1))
            s += client.golden_week * ((d >= start) & (d < start + 7))
    for cny in (dt.date(2024, 2, 10), dt.date(2025, 1, 29), dt.date(2026, 2, 17)):
        c = _day_of(cny)
        s *= 1.0 - client.cny_dip * np.exp(-0.5 * ((d - c - 2) / 5.0) ** 2)
    weekend = np.asarray(dates.dayofweek >= 5)
    s *= np.where(weekend, client.weekend, 1.0)
    return s / s.mean()


def _hours(rng: np.random.Generator, client: _Client, peak_day: np.ndarray) -> np.ndarray:
    """Hour of day of each order; online shoppers rush at midnight on 双11 and 618."""
    if client.zh:
        w = np.array([0, 0, 0, 0, 0, 0, 0, 0.2, 0.6, 2, 4, 5, 6, 5, 4, 4, 4.5, 5.5, 7, 7, 5.5, 3, 1, 0.2])
        return _choice_cdf(rng, np.broadcast_to(_cdf(w), (peak_day.size, 24)))
    w = np.array([3, 1.5, 0.8, 0.4, 0.3, 0.3, 0.5, 1, 2, 3.5, 4.5, 5, 5, 4.5, 4.5, 4.5, 4.5, 4.5, 5, 5.5, 7, 8, 7.5, 5])
    w_peak = w.copy()
    w_peak[0] += 30
    cdf = np.where(peak_day[:, None], _cdf(w_peak)[None, :], _cdf(w)[None, :])
    return _choice_cdf(rng, cdf)


@dataclass
class _Catalog:
    product_id: np.ndarray
    name: np.ndarray
    category: np.ndarray  # index into CATEGORIES
    price: np.ndarray
    cum_weights: np.ndarray  # [n_categories, max products] within-category popularity cdf
    offsets: np.ndarray  # first product index of each category
    counts: np.ndarray


def _catalog(rng: np.random.Generator, client: _Client) -> _Catalog:
    names, cats, prices = [], [], []
    for ci, cat in enumerate(CATEGORIES):
        for en, zh, base, variants in _ITEMS[cat.en]:
            for ven, vzh, factor in variants:
                if client.zh:
                    names.append(f"{zh} {vzh}".strip() if vzh else zh)
                else:
                    names.append(f"{en} {ven}".strip())
                cats.append(ci)
                prices.append(base * factor * (1.04 if client.zh else 1.0))
    price = np.asarray(prices)
    # retail price points: 9.9, 59.9, 129, 1299 …
    price = np.where(price < 100, np.floor(price) + 0.9, np.round(price / 10) * 10 - 1)
    n = len(names)
    if client.zh:
        codes = rng.choice(10**9, size=n, replace=False)
        product_id = np.array([f"6923{c:09d}" for c in codes])  # 13-digit barcodes
    else:
        codes = rng.choice(90_000, size=n, replace=False) + 10_000
        product_id = np.array([f"SKU{c}" for c in codes])
    category = np.asarray(cats)
    counts = np.bincount(category, minlength=len(CATEGORIES))
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    cum = np.ones((len(CATEGORIES), counts.max()))
    for ci in range(len(CATEGORIES)):  # nine categories, not customers
        ranks = rng.permutation(counts[ci]) + 1
        w = 1.0 / ranks**0.9
        cum[ci, : counts[ci]] = np.cumsum(w) / w.sum()
    return _Catalog(product_id, np.asarray(names, dtype=object), category, price, cum, offsets, counts)


def _affinity() -> np.ndarray:
    k = len(CATEGORIES)
    a = np.full((k, k), 0.06) + 0.35 * np.eye(k)
    for x, y, w in _AFFINITY_PAIRS:
        a[_CAT_INDEX[x], _CAT_INDEX[y]] += w
        a[_CAT_INDEX[y], _CAT_INDEX[x]] += w
    return a / a.sum(axis=1, keepdims=True)


# --------------------------------------------------------------------------- #
# Formatting helpers (vectorised)
# --------------------------------------------------------------------------- #


def _fmt_dates(ts: np.ndarray, fmt: str) -> np.ndarray:
    """Format datetime64[s] values as strings in one of the export formats."""
    if ts.size == 0:
        return np.array([], dtype=object)
    iso = np.datetime_as_string(ts, unit="s").astype(object)
    if fmt == "iso_t":
        return iso
    if fmt == "iso_space":
        return np.asarray(pd.Series(iso).str.replace("T", " ", regex=False), dtype=object)
    idx = pd.DatetimeIndex(ts)
    y = pd.Series(idx.year.astype(str))
    m = pd.Series(idx.month.astype(str))
    d = pd.Series(idx.day.astype(str))
    hh = pd.Series(idx.hour.astype(str))
    mm = pd.Series(idx.minute.astype(str)).str.zfill(2)
    if fmt == "slash":
        out = y + "/" + m + "/" + d + " " + hh + ":" + mm
    elif fmt == "compact":
        out = y + m.str.zfill(2) + d.str.zfill(2)
    elif fmt == "chinese":
        out = y + "年" + m + "月" + d + "日 " + hh + ":" + mm
    elif fmt == "date":
        out = y + "-" + m.str.zfill(2) + "-" + d.str.zfill(2)
    else:  # pragma: no cover - internal
        raise ValueError(fmt)
    return np.asarray(out, dtype=object)


def _money_text(amounts: np.ndarray, variant: np.ndarray, zh: bool) -> np.ndarray:
    """Amounts as an export writes them by hand: '¥1,299.00', '￥59', '1,024.5 元'."""
    out = np.empty(amounts.size, dtype=object)
    for i, (a, v) in enumerate(zip(amounts.tolist(), variant.tolist())):  # ~1% of rows
        full = f"{a:,.2f}"
        short = full.rstrip("0").rstrip(".")
        if v == 0:
            out[i] = ("￥" if zh else "¥") + full
        elif v == 1:
            out[i] = "￥" + short
        else:
            out[i] = short + " 元"
    return out


# --------------------------------------------------------------------------- #
# One client
# --------------------------------------------------------------------------- #


@dataclass
class _Generated:
    transactions: pd.DataFrame
    customers: pd.DataFrame
    surveys: pd.DataFrame
    manifest: dict


def _simulate(client: _Client, seed: int, n_customers: int) -> _Generated:
    """Simulate one client: purchases, customers, surveys, then the export faults.

    Each stage draws from its own stream derived from ``(seed, client, stage)``,
    so the product catalogue does not depend on the number of customers.
    """

    def stream(i: int) -> np.random.Generator:
        return np.random.default_rng([seed, client.stream, i])

    catalog = _catalog(stream(0), client)
    rng = stream(1)
    n = int(n_customers)
    k = len(CATEGORIES)
    s = _intensity(client)
    grid = np.arange(_N_DAYS + 1, dtype=float)
    clock = np.concatenate([[0.0], np.cumsum(s)])  # seasonal clock at day boundaries

    # --- customers: arrival, first category, acquisition channel, latent traits
    growth = np.exp(np.log(2.6) * np.arange(_N_DAYS) / _N_DAYS)
    arrival_cdf = np.concatenate([[0.0], np.cumsum(growth * s)])
    arrival_cdf /= arrival_cdf[-1]
    t0 = np.interp(rng.random(n), arrival_cdf, grid)
    t0 = np.minimum(t0, _N_DAYS - 1e-6)
    acq_share = np.array([c.acq_stores if client.zh else c.acq_online for c in CATEGORIES])
    home = _choice_cdf(rng, np.broadcast_to(_cdf(acq_share), (n, k)))
    acq_names = np.array([a[0] for a in client.acq], dtype=object)
    acq = _choice_cdf(rng, np.broadcast_to(_cdf([a[1] for a in client.acq]), (n, len(client.acq))))
    gap = np.array([c.gap_days for c in CATEGORIES])[home] * client.gap_factor
    shape = 1.3
    lam = rng.gamma(shape, 1.0 / (gap * shape))
    m_drop = np.array([c.dropout for c in CATEGORIES])[home]
    kappa = 2.5
    p = rng.beta(m_drop * kappa, (1 - m_drop) * kappa)
    odds = np.array([a[3] for a in client.acq])[acq]
    p = np.clip(p * odds / (1 - p + p * odds), 1e-4, 0.999)
    spend = np.exp(rng.normal(0.0, 0.3, n))  # basket size multiplier

    # --- repeat purchases: geometric number of lives, exponential gaps on the seasonal clock
    n_rep = np.minimum(rng.geometric(p) - 1, _MAX_REPEATS)
    rep_cust = np.repeat(np.arange(n), n_rep)
    gaps = rng.exponential(size=rep_cust.size) / lam[rep_cust]
    cs = np.cumsum(gaps)
    before = np.concatenate([[0.0], cs])[np.cumsum(n_rep) - n_rep]
    u = np.interp(t0, grid, clock)[rep_cust] + cs - np.repeat(before, n_rep)
    keep = u < clock[-1]
    t_rep = np.interp(u[keep], clock, grid)
    o_cust = np.concatenate([np.arange(n), rep_cust[keep]])
    o_t = np.concatenate([t0, t_rep])
    o_first = np.concatenate([np.ones(n, bool), np.zeros(keep.sum(), bool)])
    o_cancel = np.zeros(o_cust.size, bool)

    # cancelled twins: an order placed and cancelled on the same day as a real one
    n_cancel = int(round(CANCELLED_ORDER_RATE * o_cust.size))
    src = rng.choice(o_cust.size, n_cancel, replace=False)
    o_cust = np.concatenate([o_cust, o_cust[src]])
    o_t = np.concatenate([o_t, o_t[src]])
    o_first = np.concatenate([o_first, o_first[src]])
    o_cancel = np.concatenate([o_cancel, np.ones(n_cancel, bool)])

    n_orders = o_cust.size
    o_day = np.floor(o_t).astype(np.int64)
    o_date = pd.to_datetime(DATA_START) + pd.to_timedelta(o_day, unit="D")
    peak = np.asarray(((o_date.month == 11) & (o_date.day == 11)) | ((o_date.month == 6) & (o_date.day == 18)))
    hour = _hours(rng, client, peak)
    secs = o_day * 86400 + hour * 3600 + rng.integers(0, 3600, n_orders)
    order_sort = np.argsort(secs, kind="stable")
    o_cust, o_first, o_cancel, o_day, secs, peak = (
        a[order_sort] for a in (o_cust, o_first, o_cancel, o_day, secs, peak)
    )
    o_ts = _EPOCH + secs.astype("timedelta64[s]")
    frac = o_day / _N_DAYS

    # --- where: channel / store and region / city
    if client.zh:
        st_names = np.array([x[0] for x in _STORES] + [_MINI_PROGRAM_STORE], dtype=object)
        st_city = np.array([x[1] for x in _STORES], dtype=object)
        st_cdf = _cdf([x[2] for x in _STORES])
        home_store = _choice_cdf(rng, np.broadcast_to(st_cdf, (n, len(_STORES))))
        other = _choice_cdf(rng, np.broadcast_to(st_cdf, (n_orders, len(_STORES))))
        r = rng.random(n_orders)
        mini = r < 0.08 + 0.20 * frac
        store = np.where(rng.random(n_orders) < 0.85, home_store[o_cust], other)
        o_where = np.where(mini, len(_STORES), store)
        o_channel = st_names[o_where]
        o_region = np.where(mini, st_city[home_store[o_cust]], st_city[np.minimum(o_where, len(_STORES) - 1)])
        o_code = np.where(mini, 99, o_where + 1)
    else:
        ch_names = np.array(["app", "web", "mini_program", "livestream"], dtype=object)
        live = 0.04 + 0.22 * frac
        base = np.array([0.52, 0.24, 0.24])
        shares = np.column_stack([base[None, :] * (1 - live)[:, None], live])
        pref = _choice_cdf(rng, _cdf(shares))
        _, first_order = np.unique(o_cust, return_index=True)  # orders are sorted by time
        first_pref = pref[first_order]  # a customer keeps the channel of the first order
        drawn = _choice_cdf(rng, _cdf(shares))
        ch = np.where(rng.random(n_orders) < 0.8, first_pref[o_cust], drawn)
        o_channel = ch_names[ch]
        prov_names = np.array([x[0] for x in _PROVINCES], dtype=object)
        prov = _choice_cdf(rng, np.broadcast_to(_cdf([x[1] for x in _PROVINCES]), (n, len(_PROVINCES))))
        o_region = prov_names[prov[o_cust]]
        o_code = np.zeros(n_orders, dtype=np.int64)

    # order numbers: per day (and store) sequence
    o_daykey = o_day * 100 + o_code
    seq = pd.Series(o_daykey).groupby(o_daykey).cumcount().to_numpy() + 1
    daystr = pd.Series(_fmt_dates(o_ts, "compact"))
    if client.zh:
        o_no = "XS" + daystr + pd.Series(o_code).astype(str).str.zfill(2) + pd.Series(seq).astype(str).str.zfill(4)
    else:
        o_no = "OD" + daystr + pd.Series(seq).astype(str).str.zfill(5)
    o_no = o_no.to_numpy(dtype=object)

    # --- basket lines
    n_lines = 1 + np.minimum(rng.poisson(client.extra_lines, n_orders), 5)
    l_order = np.repeat(np.arange(n_orders), n_lines)
    l_pos = np.arange(l_order.size) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines)
    mix = _choice_cdf(rng, np.broadcast_to(_cdf(acq_share), (n_orders, k)))
    lead = np.where(o_first | (rng.random(n_orders) < 0.55), home[o_cust], mix)
    aff_cdf = _cdf(_affinity())
    l_cat = np.where(l_pos == 0, lead[l_order], _choice_cdf(rng, aff_cdf[lead[l_order]]))
    local = _choice_cdf(rng, catalog.cum_weights[l_cat])
    local = np.minimum(local, catalog.counts[l_cat] - 1)
    l_prod = catalog.offsets[l_cat] + local
    dup = pd.DataFrame({"o": l_order, "p": l_prod}).duplicated().to_numpy()
    l_order, l_pos, l_cat, l_prod = l_order[~dup], l_pos[~dup], l_cat[~dup], l_prod[~dup]
    n_l = l_order.size
    qty_extra = np.array([c.qty_extra for c in CATEGORIES])[l_cat] * spend[o_cust[l_order]]
    qty = 1 + np.minimum(rng.poisson(qty_extra), 11)
    l_date = pd.to_datetime(DATA_START) + pd.to_timedelta(o_day[l_order], unit="D")
    md = np.asarray(l_date.month * 100 + l_date.day)
    promo = ((md >= 1101) & (md <= 1111)) | ((md >= 601) & (md <= 618))
    if not client.zh:
        promo |= md == 1212
    disc = np.where(promo, client.promo_discount, 1.0)
    coupon = rng.random(n_l) < 0.12
    disc = disc * np.where(coupon, rng.uniform(0.8, 0.95, n_l), 1.0)
    amount = np.round(qty * catalog.price[l_prod] * disc, 1 if client.zh else 2)
    amount = np.maximum(amount, 0.1)

    # --- refunds: separate rows, same order and product, negative amount, days later
    refund_p = np.array([c.refund for c in CATEGORIES])[l_cat] * client.refund_factor
    if not client.zh:
        refund_p = refund_p * np.where(o_channel[l_order] == "livestream", 1.6, 1.0)
    is_ref = (rng.random(n_l) < refund_p) & ~o_cancel[l_order]
    ref_secs = secs[l_order] + rng.integers(1, 21, n_l) * 86400 + rng.integers(-4 * 3600, 4 * 3600, n_l)
    is_ref &= ref_secs < _N_DAYS * 86400  # refunds after the export are not in it yet
    r_idx = np.flatnonzero(is_ref)

    rows_line = np.concatenate([np.arange(n_l), r_idx])
    rows_kind = np.concatenate([np.where(o_cancel[l_order], 2, 0), np.ones(r_idx.size, dtype=np.int64)])
    rows_secs = np.concatenate([secs[l_order], ref_secs[r_idx]])
    rows_pos = np.concatenate([l_pos, l_pos[r_idx]])
    row_sort = np.lexsort((rows_pos, l_order[rows_line], rows_secs))
    rows_line, rows_kind, rows_secs = rows_line[row_sort], rows_kind[row_sort], rows_secs[row_sort]
    r_order = l_order[rows_line]
    r_prod = l_prod[rows_line]
    r_amount = np.where(rows_kind == 1, -amount[rows_line], amount[rows_line])
    r_ts = _EPOCH + rows_secs.astype("timedelta64[s]")
    n_rows = rows_line.size

    # --- customers file: signup before first purchase, tier by spend, CAC, PII
    rng_c = stream(2)
    n_non = int(round(client.nonbuyer_share * n))
    lag = np.where(rng_c.random(n) < 0.55, 0.0, rng_c.exponential(40.0, n))
    signup_buyer = np.floor(t0 - lag)
    signup_non = np.floor(np.interp(rng_c.random(n_non), arrival_cdf, grid))
    signup = np.concatenate([signup_buyer, signup_non]).astype(np.int64)
    order_ids = np.lexsort((rng_c.random(n + n_non), signup))
    rank = np.empty(n + n_non, dtype=np.int64)
    rank[order_ids] = np.arange(n + n_non)
    ids = pd.Series(rank + client.id_start).astype(str).str.zfill(client.id_digits)
    ids = (client.id_prefix + ids).to_numpy(dtype=object)
    paid_mask = rows_kind == 0
    net = np.bincount(o_cust[r_order], weights=np.where(rows_kind == 2, 0.0, r_amount), minlength=n)
    tier_score = np.log1p(np.maximum(net, 0)) + rng_c.normal(0, 0.35, n)
    cut_hi, cut_mid = np.quantile(tier_score, [0.96, 0.80])
    tier = np.where(tier_score >= cut_hi, 2, np.where(tier_score >= cut_mid, 1, 0))
    tier_all = np.concatenate([tier, np.zeros(n_non, dtype=np.int64)])
    acq_all = np.concatenate(
        [acq, _choice_cdf(rng_c, np.broadcast_to(_cdf([a[1] for a in client.acq]), (n_non, len(client.acq))))]
    )
    cac_mean = np.array([a[2] for a in client.acq])[acq_all]
    cac = np.round(cac_mean * np.exp(rng_c.normal(-0.045, 0.3, n + n_non)), 2)
    names_zh, names_py, emails, phones = _people(rng_c, n + n_non, client.zh)
    cust = (
        pd.DataFrame(
            {
                "id": ids,
                "signup_day": signup,
                "tier": np.array(client.tiers, dtype=object)[tier_all],
                "acq": acq_names[acq_all],
                "cac": cac,
                "name": names_zh if client.zh else names_py,
                "email": emails,
                "phone": phones,
            }
        )
        .iloc[order_ids]
        .reset_index(drop=True)
    )

    # --- surveys: triggered by paid orders; scores follow the latent dropout propensity
    rng_s = stream(3)
    eligible = np.flatnonzero(~o_cancel)
    trig = eligible[rng_s.random(eligible.size) < client.survey_rate]
    resp_secs = secs[trig] + rng_s.integers(1, 11, trig.size) * 86400 + rng_s.integers(-6 * 3600, 6 * 3600, trig.size)
    ok = resp_secs < _N_DAYS * 86400
    trig, resp_secs = trig[ok], resp_secs[ok]
    s_cust = o_cust[trig]
    nth = pd.Series(s_cust).groupby(s_cust).cumcount().to_numpy()
    ok = nth < 3  # at most three responses per customer
    s_cust, resp_secs = s_cust[ok], resp_secs[ok]
    m = s_cust.size
    logit_p = np.log(p / (1 - p))
    zp = (logit_p - logit_p.mean()) / logit_p.std()
    sat_c = -0.85 * zp + np.sqrt(1 - 0.85**2) * rng_s.normal(size=n)
    f = 0.9 * sat_c[s_cust] + 0.44 * rng_s.normal(size=m)
    a_lat = np.column_stack(
        [load * f + np.sqrt(1 - load**2) * rng_s.normal(size=m) for _, _, _, load in client.aspects]
    )
    w = np.array([a[2] for a in client.aspects])
    overall = a_lat @ w
    overall = overall + 0.6 * overall.std() * rng_s.normal(size=m)
    overall = (overall - overall.mean()) / overall.std()

    def cut(z: np.ndarray, pmf: list[float], low: int) -> np.ndarray:
        edges = ndtri(np.cumsum(pmf)[:-1] / np.sum(pmf))
        return low + np.searchsorted(edges, z)

    nps = cut(overall, [0.03, 0.02, 0.02, 0.03, 0.04, 0.07, 0.09, 0.13, 0.17, 0.18, 0.22], 0)
    csat = cut(0.85 * overall + 0.53 * rng_s.normal(size=m), [0.05, 0.08, 0.17, 0.35, 0.35], 1)
    ces_z = 0.45 * a_lat[:, 1] + 0.3 * a_lat[:, 2] + 0.75 * rng_s.normal(size=m)
    ces = cut(ces_z / ces_z.std(), [0.04, 0.06, 0.10, 0.15, 0.25, 0.25, 0.15], 1)
    aspects = np.column_stack([cut(a_lat[:, j], [0.05, 0.10, 0.20, 0.35, 0.30], 1) for j in range(len(client.aspects))])
    comments = _comments(rng_s, client, nps, a_lat)
    surveys = pd.DataFrame({"cust": s_cust, "secs": resp_secs, "nps": nps, "csat": csat, "ces": ces})
    for j, (key, _, _, _) in enumerate(client.aspects):
        surveys[key] = aspects[:, j]
    surveys["comment"] = comments
    surveys = surveys.sort_values(["secs", "cust"], kind="stable").reset_index(drop=True)

    # --- transactions as exported, then the faults
    rng_m = stream(4)
    out_id = ids[o_cust[r_order]]
    status_names = ("已支付", "已退款", "已取消") if client.zh else ("paid", "refund", "cancelled")
    dominant = "slash" if client.zh else "iso_space"
    alternates = [f for f in ("iso_space", "slash", "compact", "chinese", "iso_t") if f != dominant]
    tx = {
        "order_id": o_no[r_order],
        "customer_id": out_id.copy(),
        "order_date": _fmt_dates(r_ts, dominant),
        "store" if client.zh else "channel": o_channel[r_order],
        "region": o_region[r_order],
        "product_id": catalog.product_id[r_prod],
        "product_name": catalog.name[r_prod],
        "category": np.array([c.zh if client.zh else c.en for c in CATEGORIES], dtype=object)[l_cat[rows_line]],
        "quantity": qty[rows_line],
        "amount": np.char.mod("%.2f", r_amount).astype(object),
        "status": np.array(status_names, dtype=object)[rows_kind],
    }
    counts: dict[str, int] = {}
    paid_rows = rng_m.permutation(np.flatnonzero(paid_mask))
    pos = 0

    def take(name: str) -> np.ndarray:
        nonlocal pos
        cnt = int(round(MESSINESS_RATES[name] * n_rows))
        sel = np.sort(paid_rows[pos : pos + cnt])
        pos += cnt
        counts[name] = cnt
        return sel

    sel = take("blank_customer_id")
    tx["customer_id"][sel] = np.array(["", " ", "   "], dtype=object)[rng_m.integers(0, 3, sel.size)]
    sel = take("customer_id_variant")
    base_ids = tx["customer_id"][sel].astype(str)
    low = np.char.lower(base_ids)
    kind = rng_m.integers(0, 5, sel.size)
    variants = np.select(
        [kind == 0, kind == 1, kind == 2, kind == 3],
        [low, np.char.add(" ", low), np.char.add(base_ids, " "), np.char.add(np.char.add("  ", base_ids), "  ")],
        np.char.add(" ", np.char.add(low, " ")),
    )
    tx["customer_id"][sel] = variants.astype(object)
    sel = take("amount_as_text")
    tx["amount"][sel] = _money_text(r_amount[sel], rng_m.integers(0, 3, sel.size), client.zh)
    sel = take("zero_amount")
    tx["amount"][sel] = np.array(["0.00", "0"], dtype=object)[rng_m.integers(0, 2, sel.size)]
    sel = take("negative_amount_not_refund")
    tx["amount"][sel] = np.char.mod("%.2f", -r_amount[sel]).astype(object)
    sel = take("date_alternate_format")
    fmt_kind = np.arange(sel.size) % len(alternates)
    rng_m.shuffle(fmt_kind)
    by_format = {}
    for j, fmt in enumerate(alternates):  # four formats
        part = sel[fmt_kind == j]
        tx["order_date"][part] = _fmt_dates(r_ts[part], fmt)
        by_format[fmt] = int(part.size)
    sel = take("date_unparseable")
    tx["order_date"][sel] = np.array(["N/A", "0000-00-00", ""], dtype=object)[np.arange(sel.size) % 3]
    sel = take("date_after_export")
    start_late = _N_DAYS * 86400
    late = start_late + rng_m.integers(0, 426 * 86400, sel.size)
    tx["order_date"][sel] = _fmt_dates(_EPOCH + late.astype("timedelta64[s]"), dominant)
    # exact duplicates: copies of clean paid rows, next to their originals
    dup_src = take("exact_duplicate")
    all_rows = np.sort(np.concatenate([np.arange(n_rows), dup_src]), kind="stable")
    transactions = pd.DataFrame({c: v[all_rows] for c, v in tx.items()})

    messy = sum(counts.values())
    orders_paid = np.unique(r_order[rows_kind == 0])
    orders_refunded = np.unique(r_order[rows_kind == 1])
    manifest = {
        "client": client.slug,
        "seed": seed,
        "data_start": DATA_START.isoformat(),
        "exported_at": DATA_END.isoformat(),
        "buyers": n,
        "customers_file_rows": n + n_non,
        "members_without_purchase": n_non,
        "products": int(catalog.product_id.size),
        "transaction_rows": len(transactions),
        "rows_before_duplicates": int(n_rows),
        "paid_rows": int(paid_mask.sum()),
        "refund_rows": int((rows_kind == 1).sum()),
        "cancelled_rows": int((rows_kind == 2).sum()),
        "orders": int(np.unique(r_order).size),
        "cancelled_orders": int(n_cancel),
        "refunded_order_share": round(orders_refunded.size / max(orders_paid.size, 1), 4),
        "messiness_rates": MESSINESS_RATES,
        "messiness_counts": counts,
        "date_alternate_formats": by_format,
        "clean_row_share": round(1 - messy / len(transactions), 4),
        "survey_responses": int(m),
        "survey_respondents": int(np.unique(s_cust).size),
        "html_junk_comments": list(HTML_JUNK_COMMENTS),
        "aspect_weights": {a[0]: a[2] for a in client.aspects},
    }
    surveys["cust"] = ids[surveys["cust"].to_numpy()]
    return _Generated(transactions, cust, surveys, manifest)


def _people(rng: np.random.Generator, n: int, zh: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fake but realistic names (Chinese and pinyin), e-mail addresses and mobile numbers."""
    sur = _choice_cdf(rng, np.broadcast_to(_cdf(_SURNAME_WEIGHTS), (n, len(_SURNAMES))))
    g1 = rng.integers(0, len(_GIVEN), n)
    g2 = rng.integers(0, len(_GIVEN), n)
    two = rng.random(n) < 0.7
    sz = np.array([x[0] for x in _SURNAMES], dtype=object)
    sp = np.array([x[1] for x in _SURNAMES], dtype=object)
    gz = np.array([x[0] for x in _GIVEN], dtype=object)
    gp = np.array([x[1] for x in _GIVEN], dtype=object)
    name_zh = pd.Series(sz[sur]) + pd.Series(gz[g1]) + pd.Series(np.where(two, gz[g2], ""))
    given_py = pd.Series(gp[g1]) + pd.Series(np.where(two, gp[g2], ""))
    name_py = pd.Series(sp[sur]).str.capitalize() + " " + given_py.str.capitalize()
    digits = pd.Series(rng.integers(0, 10_000, n)).astype(str)
    year = pd.Series(rng.integers(1970, 2006, n)).astype(str)
    kind = rng.integers(0, 4, n)
    local = np.select(
        [kind == 0, kind == 1, kind == 2],
        [
            pd.Series(sp[sur]) + given_py + digits,
            given_py + "." + pd.Series(sp[sur]) + year.str[-2:],
            given_py.str[0] + pd.Series(sp[sur]) + year,
        ],
        pd.Series(sp[sur]) + "_" + given_py,
    ).astype(object)
    dom = np.array(_EMAIL_DOMAINS, dtype=object)[
        _choice_cdf(rng, np.broadcast_to(_cdf(_EMAIL_DOMAIN_WEIGHTS), (n, len(_EMAIL_DOMAINS))))
    ]
    qq_number = pd.Series(rng.integers(10_000_000, 3_000_000_000, n)).astype(str).to_numpy(dtype=object)
    local = np.where((dom == "qq.com") & (rng.random(n) < 0.7), qq_number, local)
    email = pd.Series(local) + "@" + pd.Series(dom)
    email = np.where(rng.random(n) < 0.05, "", email.to_numpy(dtype=object))
    prefix = pd.Series(_PHONE_PREFIXES[rng.integers(0, _PHONE_PREFIXES.size, n)]).astype(str)
    rest = pd.Series(rng.integers(0, 10**8, n)).astype(str).str.zfill(8)
    if zh:
        phone = prefix + rest
    else:
        phone = prefix + "-" + rest.str[:4] + "-" + rest.str[4:]
    return (
        name_zh.to_numpy(dtype=object),
        name_py.to_numpy(dtype=object),
        email.astype(object),
        phone.to_numpy(dtype=object),
    )


def _comments(rng: np.random.Generator, client: _Client, nps: np.ndarray, a_lat: np.ndarray) -> np.ndarray:
    """Free-text comments in Chinese and English that match the scores."""
    m = nps.size
    keys = [a[0] for a in client.aspects]
    worst = np.argmin(a_lat + 0.3 * rng.normal(size=a_lat.shape), axis=1)
    best = np.argmax(a_lat + 0.3 * rng.normal(size=a_lat.shape), axis=1)
    english = rng.random(m) < client.english_comments
    r = rng.random(m)
    detractor, promoter = nps <= 6, nps >= 9
    # group of the phrase: negative on the worst aspect, positive on the best, neutral or general praise
    group = np.where(
        detractor | (~promoter & (r < 0.25)),
        0,
        np.where(promoter & (r < 0.3), 3, np.where(promoter | (r < 0.5), 1, 2)),
    )
    table: list[str] = []
    offsets: dict[tuple[str, str, bool], tuple[int, int]] = {}
    for (aspect, sentiment), (zh_list, en_list) in _PHRASES.items():
        for is_en, lst in ((False, zh_list), (True, en_list)):
            offsets[(aspect, sentiment, is_en)] = (len(table), len(lst))
            table.extend(lst)
    phrases = np.array(table, dtype=object)
    off = np.zeros(m, dtype=np.int64)
    cnt = np.ones(m, dtype=np.int64)
    for j, key in enumerate(keys):  # a handful of (aspect, sentiment, language) groups
        for g, aspect_mask, sentiment in ((0, worst == j, "neg"), (1, best == j, "pos")):
            for is_en in (False, True):
                sel = (group == g) & aspect_mask & (english == is_en)
                off[sel], cnt[sel] = offsets[(key, sentiment, is_en)]
    for g, sentiment in ((2, "neutral"), (3, "pos")):
        for is_en in (False, True):
            sel = (group == g) & (english == is_en)
            off[sel], cnt[sel] = offsets[("any", sentiment, is_en)]
    text = phrases[off + np.floor(rng.random(m) * cnt).astype(np.int64)]
    # some comments mix languages: "物流太慢了，but it's fine"
    mixed = rng.random(m) < 0.08
    o2, c2 = offsets[("any", "neutral", True)]
    o3, c3 = offsets[("any", "neutral", False)]
    second = np.where(english, phrases[o3 + rng.integers(0, c3, m)], phrases[o2 + rng.integers(0, c2, m)])
    sep = np.where(english, ", ", "，")
    text = np.where(mixed, text + sep + second, text)
    blank_p = np.where(detractor, 0.2, np.where(promoter, 0.3, 0.45))
    blank = rng.random(m) < blank_p
    text = np.where(blank, np.where(rng.random(m) < 0.15, " ", ""), text).astype(object)
    filled = np.flatnonzero(~blank)
    if filled.size >= len(HTML_JUNK_COMMENTS) + 1:
        pick = rng.choice(filled, len(HTML_JUNK_COMMENTS) + 1, replace=False)
        text[pick[:-1]] = np.array(HTML_JUNK_COMMENTS, dtype=object)
        text[pick[-1]] = MULTILINE_COMMENT
    return text


# --------------------------------------------------------------------------- #
# Writing
# --------------------------------------------------------------------------- #


def _write_xlsx(df: pd.DataFrame, path: Path, sheet: str) -> None:
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
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _write_client(gen: _Generated, client: _Client, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    tx, cu, sv = gen.transactions, gen.customers, gen.surveys
    signup = _EPOCH.astype("datetime64[D]") + cu["signup_day"].to_numpy().astype("timedelta64[D]")
    resp = _EPOCH + sv["secs"].to_numpy().astype("timedelta64[s]")
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
        _write_xlsx(members, p_cu, "会员信息")
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
        _write_xlsx(survey_out, p_sv, "问卷")
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
                "signup_date": _fmt_dates(signup.astype("datetime64[s]"), "date"),
                "tier": cu["tier"],
                "acquisition_channel": cu["acq"],
                "acquisition_cost": cu["cac"].map("{:.2f}".format),
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
                "response_date": _fmt_dates(resp, "iso_space"),
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
    for client, n in ((_ONLINE, n_online_customers), (_STORES_CLIENT, n_store_customers)):
        start = time.perf_counter()
        gen = _simulate(client, int(seed), n)
        paths.extend(_write_client(gen, client, out / client.key))
        print(f"{client.slug}: done in {time.perf_counter() - start:.1f} s")
    return paths
