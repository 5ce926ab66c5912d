"""Survey responses: NPS, CSAT, CES and aspect ratings driven by the customer's latent dropout propensity.

Detractors therefore buy less after they respond; aspect ratings drive the
overall score with the client's weights (quality and delivery matter most
online). Comments match the scores, in Chinese and English, with the HTML junk
and line breaks real exports contain (:data:`HTML_JUNK_COMMENTS`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import ndtri

from repurchase.demo.clients import Client
from repurchase.demo.common import N_DAYS
from repurchase.demo.transactions import Purchases

__all__ = ["HTML_JUNK_COMMENTS", "MULTILINE_COMMENT", "simulate_surveys", "survey_comments"]

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


def survey_comments(rng: np.random.Generator, client: Client, nps: np.ndarray, a_lat: np.ndarray) -> np.ndarray:
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


def simulate_surveys(client: Client, rng_s: np.random.Generator, purchases: Purchases) -> pd.DataFrame:
    """Simulate the survey responses of ``client``, drawing from ``rng_s`` only.

    Returns
    -------
    pandas.DataFrame
        One row per response, sorted by time: ``cust`` (customer index), ``secs``
        (seconds since the epoch), ``nps``, ``csat``, ``ces``, one column per
        aspect key and ``comment``.
    """
    n = purchases.n_customers
    o_cancel, secs, o_cust, p = purchases.o_cancel, purchases.secs, purchases.o_cust, purchases.p
    eligible = np.flatnonzero(~o_cancel)
    trig = eligible[rng_s.random(eligible.size) < client.survey_rate]
    resp_secs = secs[trig] + rng_s.integers(1, 11, trig.size) * 86400 + rng_s.integers(-6 * 3600, 6 * 3600, trig.size)
    ok = resp_secs < N_DAYS * 86400
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
    comments = survey_comments(rng_s, client, nps, a_lat)
    surveys = pd.DataFrame({"cust": s_cust, "secs": resp_secs, "nps": nps, "csat": csat, "ces": ces})
    for j, (key, _, _, _) in enumerate(client.aspects):
        surveys[key] = aspects[:, j]
    surveys["comment"] = comments
    surveys = surveys.sort_values(["secs", "cust"], kind="stable").reset_index(drop=True)
    return surveys
