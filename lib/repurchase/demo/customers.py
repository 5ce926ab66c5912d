"""The customers (members) file: signup before the first purchase, tier by spend, acquisition cost, fake PII.

Members who never bought are added (``client.nonbuyer_share``); names are
Chinese or pinyin, e-mail addresses and mobile numbers look real but are drawn
at random (:func:`people`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from repurchase.demo.clients import Client
from repurchase.demo.common import N_DAYS, cdf_of, choice_cdf
from repurchase.demo.transactions import Purchases

__all__ = ["Members", "people", "simulate_members"]

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


def people(rng: np.random.Generator, n: int, zh: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fake but realistic names (Chinese and pinyin), e-mail addresses and mobile numbers."""
    sur = choice_cdf(rng, np.broadcast_to(cdf_of(_SURNAME_WEIGHTS), (n, len(_SURNAMES))))
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
        choice_cdf(rng, np.broadcast_to(cdf_of(_EMAIL_DOMAIN_WEIGHTS), (n, len(_EMAIL_DOMAINS))))
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


@dataclass
class Members:
    """The customers file of one client.

    Attributes
    ----------
    ids
        The member ID of each customer (buyers first, in the order of
        :class:`~repurchase.demo.transactions.Purchases`, then the non-buyers).
    table
        One row per member, sorted by signup: ``id``, ``signup_day``, ``tier``,
        ``acq``, ``cac``, ``name``, ``email``, ``phone``.
    n_nonbuyers
        Members who never bought.
    """

    ids: np.ndarray
    table: pd.DataFrame
    n_nonbuyers: int


def simulate_members(client: Client, rng_c: np.random.Generator, purchases: Purchases) -> Members:
    """Simulate the customers file of ``client`` from its purchases, drawing from ``rng_c`` only."""
    n = purchases.n_customers
    grid = np.arange(N_DAYS + 1, dtype=float)
    t0, arrival_cdf, acq = purchases.t0, purchases.arrival_cdf, purchases.acq
    o_cust, r_order, rows_kind, r_amount = purchases.o_cust, purchases.r_order, purchases.rows_kind, purchases.r_amount
    acq_names = np.array([a[0] for a in client.acq], dtype=object)
    n_non = round(client.nonbuyer_share * n)
    lag = np.where(rng_c.random(n) < 0.55, 0.0, rng_c.exponential(40.0, n))
    signup_buyer = np.floor(t0 - lag)
    signup_non = np.floor(np.interp(rng_c.random(n_non), arrival_cdf, grid))
    signup = np.concatenate([signup_buyer, signup_non]).astype(np.int64)
    order_ids = np.lexsort((rng_c.random(n + n_non), signup))
    rank = np.empty(n + n_non, dtype=np.int64)
    rank[order_ids] = np.arange(n + n_non)
    ids = pd.Series(rank + client.id_start).astype(str).str.zfill(client.id_digits)
    ids = (client.id_prefix + ids).to_numpy(dtype=object)
    net = np.bincount(o_cust[r_order], weights=np.where(rows_kind == 2, 0.0, r_amount), minlength=n)
    tier_score = np.log1p(np.maximum(net, 0)) + rng_c.normal(0, 0.35, n)
    cut_hi, cut_mid = np.quantile(tier_score, [0.96, 0.80])
    tier = np.where(tier_score >= cut_hi, 2, np.where(tier_score >= cut_mid, 1, 0))
    tier_all = np.concatenate([tier, np.zeros(n_non, dtype=np.int64)])
    acq_all = np.concatenate(
        [acq, choice_cdf(rng_c, np.broadcast_to(cdf_of([a[1] for a in client.acq]), (n_non, len(client.acq))))]
    )
    cac_mean = np.array([a[2] for a in client.acq])[acq_all]
    cac = np.round(cac_mean * np.exp(rng_c.normal(-0.045, 0.3, n + n_non)), 2)
    names_zh, names_py, emails, phones = people(rng_c, n + n_non, client.zh)
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
    return Members(ids=ids, table=cust, n_nonbuyers=n_non)


def birth_dates(n: int, seed: int = 2026) -> np.ndarray:
    """Birth dates of ``n`` members (ISO text, 1965-2005; 20% left blank), from their own seeded stream.

    A separate stream keeps every other column of the demo data unchanged.
    """
    rng = np.random.default_rng(seed)
    days = (np.datetime64("1965-01-01") + rng.integers(0, 41 * 365, n).astype("timedelta64[D]")).astype(str)
    return np.where(rng.random(n) < 0.2, "", days).astype(object)
