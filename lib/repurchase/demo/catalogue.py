"""The product catalogue: nine categories (consumables, semi-durables, durables), their items and prices.

:func:`build_catalog` turns the item list into one client's catalogue (English or
Chinese names, SKUs or barcodes, retail price points, popularity within each
category); :func:`affinity` says which categories are bought together.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from repurchase.demo.clients import Client

__all__ = ["CATEGORIES", "CAT_INDEX", "Catalog", "Category", "affinity", "build_catalog"]


@dataclass(frozen=True)
class Category:
    """One product category and how its buyers behave (both clients share the categories)."""

    en: str
    zh: str
    kind: str  # consumable | semi | durable
    gap_days: float  # mean gap between purchases on the seasonal clock
    dropout: float  # mean of the Beta prior of p (dropout after a purchase)
    refund: float  # refund probability of a line
    acq_online: float  # share of first purchases
    acq_stores: float
    qty_extra: float  # mean extra units per line


CATEGORIES: tuple[Category, ...] = (
    Category("Baby care", "母婴", "consumable", 32, 0.20, 0.020, 0.10, 0.06, 0.5),
    Category("Beauty", "美妆", "consumable", 50, 0.26, 0.035, 0.13, 0.10, 0.25),
    Category("Snacks", "零食", "consumable", 36, 0.28, 0.012, 0.15, 0.22, 0.8),
    Category("Personal care", "个护", "consumable", 45, 0.24, 0.020, 0.11, 0.14, 0.4),
    Category("Coffee & tea", "咖啡茶饮", "consumable", 30, 0.22, 0.012, 0.09, 0.16, 0.5),
    Category("Apparel", "服饰", "semi", 120, 0.45, 0.120, 0.14, 0.10, 0.15),
    Category("Appliances", "家电", "durable", 320, 0.65, 0.050, 0.07, 0.06, 0.02),
    Category("Electronics", "数码", "durable", 280, 0.65, 0.090, 0.11, 0.08, 0.03),
    Category("Home", "家居", "durable", 220, 0.58, 0.040, 0.10, 0.08, 0.10),
)
#: Position of each category in :data:`CATEGORIES`, by English name.
CAT_INDEX = {c.en: i for i, c in enumerate(CATEGORIES)}

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


@dataclass
class Catalog:
    """One client's products, one entry per product, grouped by category."""

    product_id: np.ndarray
    name: np.ndarray
    category: np.ndarray  # index into CATEGORIES
    price: np.ndarray
    cum_weights: np.ndarray  # [n_categories, max products] within-category popularity cdf
    offsets: np.ndarray  # first product index of each category
    counts: np.ndarray


def build_catalog(rng: np.random.Generator, client: Client) -> Catalog:
    """The products of ``client``: names in its language, SKUs or barcodes, retail price points, popularity."""
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
    return Catalog(product_id, np.asarray(names, dtype=object), category, price, cum, offsets, counts)


def affinity() -> np.ndarray:
    """Row-stochastic matrix: the category of a basket's next line given the category of its first."""
    k = len(CATEGORIES)
    a = np.full((k, k), 0.06) + 0.35 * np.eye(k)
    for x, y, w in _AFFINITY_PAIRS:
        a[CAT_INDEX[x], CAT_INDEX[y]] += w
        a[CAT_INDEX[y], CAT_INDEX[x]] += w
    return a / a.sum(axis=1, keepdims=True)
