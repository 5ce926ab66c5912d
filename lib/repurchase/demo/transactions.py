"""The purchase process: when customers arrive, how often they come back, what they put in the basket.

BG/NBD-like: every customer has a purchase rate ``lambda ~ Gamma`` and, after
each purchase, drops out with probability ``p ~ Beta``; both depend on the
category of the first purchase and on the acquisition channel. Purchase times
run on a seasonal clock (:func:`intensity`). Refunds are separate rows of the
same order and product, a few days later; cancelled orders are twins of real
ones. :func:`simulate_purchases` returns the export rows before any fault is
injected (see :mod:`repurchase.demo.messiness`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from repurchase.demo.campaigns import PlantedCampaigns, plant_campaigns
from repurchase.demo.catalogue import CATEGORIES, Catalog, affinity
from repurchase.demo.clients import MINI_PROGRAM_STORE, PROVINCES, STORES, Client
from repurchase.demo.common import DATA_START, EPOCH, N_DAYS, cdf_of, choice_cdf, day_of, fmt_dates

__all__ = ["CANCELLED_ORDER_RATE", "MAX_REPEATS", "Purchases", "hours", "intensity", "simulate_purchases"]

#: Share of orders that get a cancelled twin order (status cancelled / 已取消).
CANCELLED_ORDER_RATE = 0.010
#: Most repeat purchases a customer makes.
MAX_REPEATS = 60


def intensity(client: Client) -> np.ndarray:
    """Relative purchase intensity of each day of the history (mean 1)."""
    d = np.arange(N_DAYS)
    dates = pd.to_datetime(DATA_START) + pd.to_timedelta(d, unit="D")
    s = np.ones(N_DAYS)
    for year in (2023, 2024, 2025, 2026):
        for (month, day), bump, spike, width in (
            ((11, 11), client.s11, client.s11_spike, 4.0),
            ((6, 18), client.s618, client.s618_spike, 5.0),
            ((12, 12), client.s1212, 0.0, 2.0),
        ):
            peak = day_of(dt.date(year, month, day))
            # the run-up before the day is strong, the hangover after it short
            scale = np.where(d <= peak, width, width / 2.5)
            s += bump * np.exp(-0.5 * ((d - peak) / scale) ** 2)
            s += spike * (d == peak)
        if client.golden_week:
            start = day_of(dt.date(year, 10, 1))
            s += client.golden_week * ((d >= start) & (d < start + 7))
    for cny in (dt.date(2024, 2, 10), dt.date(2025, 1, 29), dt.date(2026, 2, 17)):
        c = day_of(cny)
        s *= 1.0 - client.cny_dip * np.exp(-0.5 * ((d - c - 2) / 5.0) ** 2)
    weekend = np.asarray(dates.dayofweek >= 5)
    s *= np.where(weekend, client.weekend, 1.0)
    return s / s.mean()


def hours(rng: np.random.Generator, client: Client, peak_day: np.ndarray) -> np.ndarray:
    """Hour of day of each order; online shoppers rush at midnight on 双11 and 618."""
    if client.zh:
        w = np.array([0, 0, 0, 0, 0, 0, 0, 0.2, 0.6, 2, 4, 5, 6, 5, 4, 4, 4.5, 5.5, 7, 7, 5.5, 3, 1, 0.2])
        return choice_cdf(rng, np.broadcast_to(cdf_of(w), (peak_day.size, 24)))
    w = np.array([3, 1.5, 0.8, 0.4, 0.3, 0.3, 0.5, 1, 2, 3.5, 4.5, 5, 5, 4.5, 4.5, 4.5, 4.5, 4.5, 5, 5.5, 7, 8, 7.5, 5])
    w_peak = w.copy()
    w_peak[0] += 30
    cdf = np.where(peak_day[:, None], cdf_of(w_peak)[None, :], cdf_of(w)[None, :])
    return choice_cdf(rng, cdf)


@dataclass
class Purchases:
    """The purchase history of one client, as arrays (one entry per customer, order, line or export row).

    Attributes
    ----------
    n_customers
        Buyers.
    arrival_cdf
        Cumulative share of arrivals at each day boundary of the history.
    t0
        Arrival (first purchase) of each customer, in days since :data:`DATA_START`.
    acq
        Acquisition channel of each customer (index into ``client.acq``).
    p
        Dropout probability of each customer after a purchase.
    o_cust, o_cancel, secs, o_no, o_channel, o_region
        Per order (sorted by time): customer, cancelled twin, seconds since the
        epoch, order number, channel or store, region or city.
    l_cat, qty
        Per order line: category (index into :data:`CATEGORIES`) and units.
    rows_line, rows_kind, r_order, r_prod, r_amount, r_ts
        Per export row (sorted by time): its line, kind (0 paid, 1 refund,
        2 cancelled), order, product, signed amount and timestamp.
    n_cancel
        Cancelled twin orders.
    campaigns
        The planted campaign tests (:func:`repurchase.demo.campaigns.plant_campaigns`),
        None when none were planted.
    """

    n_customers: int
    arrival_cdf: np.ndarray
    t0: np.ndarray
    acq: np.ndarray
    p: np.ndarray
    o_cust: np.ndarray
    o_cancel: np.ndarray
    secs: np.ndarray
    o_no: np.ndarray
    o_channel: np.ndarray
    o_region: np.ndarray
    l_cat: np.ndarray
    qty: np.ndarray
    rows_line: np.ndarray
    rows_kind: np.ndarray
    r_order: np.ndarray
    r_prod: np.ndarray
    r_amount: np.ndarray
    r_ts: np.ndarray
    n_cancel: int
    campaigns: PlantedCampaigns | None = None

    @property
    def n_rows(self) -> int:
        """Export rows before duplicates are added."""
        return int(self.rows_line.size)

    @property
    def paid_mask(self) -> np.ndarray:
        """Export rows of paid order lines (not refunds, not cancelled)."""
        return self.rows_kind == 0


def simulate_purchases(
    client: Client,
    rng: np.random.Generator,
    catalog: Catalog,
    n_customers: int,
    campaign_rng: np.random.Generator | None = None,
) -> Purchases:
    """Simulate the purchases of ``n_customers`` buyers of ``client``, drawing from ``rng`` only.

    With ``campaign_rng``, the demo campaign tests are planted
    (:func:`repurchase.demo.campaigns.plant_campaigns`, drawing from that stream):
    their extra purchases join the orders before baskets are drawn.
    """
    n = int(n_customers)
    k = len(CATEGORIES)
    s = intensity(client)
    grid = np.arange(N_DAYS + 1, dtype=float)
    clock = np.concatenate([[0.0], np.cumsum(s)])  # seasonal clock at day boundaries

    # --- customers: arrival, first category, acquisition channel, latent traits
    growth = np.exp(np.log(2.6) * np.arange(N_DAYS) / N_DAYS)
    arrival_cdf = np.concatenate([[0.0], np.cumsum(growth * s)])
    arrival_cdf /= arrival_cdf[-1]
    t0 = np.interp(rng.random(n), arrival_cdf, grid)
    t0 = np.minimum(t0, N_DAYS - 1e-6)
    acq_share = np.array([c.acq_stores if client.zh else c.acq_online for c in CATEGORIES])
    home = choice_cdf(rng, np.broadcast_to(cdf_of(acq_share), (n, k)))
    acq = choice_cdf(rng, np.broadcast_to(cdf_of([a[1] for a in client.acq]), (n, len(client.acq))))
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
    n_rep = np.minimum(rng.geometric(p) - 1, MAX_REPEATS)
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
    planted = None
    if campaign_rng is not None:
        planted = plant_campaigns(campaign_rng, o_cust, o_t, n)
        o_cust = np.concatenate([o_cust, planted.extra_cust])
        o_t = np.concatenate([o_t, planted.extra_t])
        o_first = np.concatenate([o_first, np.zeros(planted.extra_cust.size, bool)])
    o_cancel = np.zeros(o_cust.size, bool)

    # cancelled twins: an order placed and cancelled on the same day as a real one
    n_cancel = round(CANCELLED_ORDER_RATE * o_cust.size)
    src = rng.choice(o_cust.size, n_cancel, replace=False)
    o_cust = np.concatenate([o_cust, o_cust[src]])
    o_t = np.concatenate([o_t, o_t[src]])
    o_first = np.concatenate([o_first, o_first[src]])
    o_cancel = np.concatenate([o_cancel, np.ones(n_cancel, bool)])

    n_orders = o_cust.size
    o_day = np.floor(o_t).astype(np.int64)
    o_date = pd.to_datetime(DATA_START) + pd.to_timedelta(o_day, unit="D")
    peak = np.asarray(((o_date.month == 11) & (o_date.day == 11)) | ((o_date.month == 6) & (o_date.day == 18)))
    hour = hours(rng, client, peak)
    secs = o_day * 86400 + hour * 3600 + rng.integers(0, 3600, n_orders)
    order_sort = np.argsort(secs, kind="stable")
    o_cust, o_first, o_cancel, o_day, secs, peak = (
        a[order_sort] for a in (o_cust, o_first, o_cancel, o_day, secs, peak)
    )
    o_ts = EPOCH + secs.astype("timedelta64[s]")
    frac = o_day / N_DAYS

    # --- where: channel / store and region / city
    if client.zh:
        st_names = np.array([x[0] for x in STORES] + [MINI_PROGRAM_STORE], dtype=object)
        st_city = np.array([x[1] for x in STORES], dtype=object)
        st_cdf = cdf_of([x[2] for x in STORES])
        home_store = choice_cdf(rng, np.broadcast_to(st_cdf, (n, len(STORES))))
        other = choice_cdf(rng, np.broadcast_to(st_cdf, (n_orders, len(STORES))))
        r = rng.random(n_orders)
        mini = r < 0.08 + 0.20 * frac
        store = np.where(rng.random(n_orders) < 0.85, home_store[o_cust], other)
        o_where = np.where(mini, len(STORES), store)
        o_channel = st_names[o_where]
        o_region = np.where(mini, st_city[home_store[o_cust]], st_city[np.minimum(o_where, len(STORES) - 1)])
        o_code = np.where(mini, 99, o_where + 1)
    else:
        ch_names = np.array(["app", "web", "mini_program", "livestream"], dtype=object)
        live = 0.04 + 0.22 * frac
        base = np.array([0.52, 0.24, 0.24])
        shares = np.column_stack([base[None, :] * (1 - live)[:, None], live])
        pref = choice_cdf(rng, cdf_of(shares))
        _, first_order = np.unique(o_cust, return_index=True)  # orders are sorted by time
        first_pref = pref[first_order]  # a customer keeps the channel of the first order
        drawn = choice_cdf(rng, cdf_of(shares))
        ch = np.where(rng.random(n_orders) < 0.8, first_pref[o_cust], drawn)
        o_channel = ch_names[ch]
        prov_names = np.array([x[0] for x in PROVINCES], dtype=object)
        prov = choice_cdf(rng, np.broadcast_to(cdf_of([x[1] for x in PROVINCES]), (n, len(PROVINCES))))
        o_region = prov_names[prov[o_cust]]
        o_code = np.zeros(n_orders, dtype=np.int64)

    # order numbers: per day (and store) sequence
    o_daykey = o_day * 100 + o_code
    seq = pd.Series(o_daykey).groupby(o_daykey).cumcount().to_numpy() + 1
    daystr = pd.Series(fmt_dates(o_ts, "compact"))
    if client.zh:
        o_no = "XS" + daystr + pd.Series(o_code).astype(str).str.zfill(2) + pd.Series(seq).astype(str).str.zfill(4)
    else:
        o_no = "OD" + daystr + pd.Series(seq).astype(str).str.zfill(5)
    o_no = o_no.to_numpy(dtype=object)

    # --- basket lines
    n_lines = 1 + np.minimum(rng.poisson(client.extra_lines, n_orders), 5)
    l_order = np.repeat(np.arange(n_orders), n_lines)
    l_pos = np.arange(l_order.size) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines)
    mix = choice_cdf(rng, np.broadcast_to(cdf_of(acq_share), (n_orders, k)))
    lead = np.where(o_first | (rng.random(n_orders) < 0.55), home[o_cust], mix)
    aff_cdf = cdf_of(affinity())
    l_cat = np.where(l_pos == 0, lead[l_order], choice_cdf(rng, aff_cdf[lead[l_order]]))
    local = choice_cdf(rng, catalog.cum_weights[l_cat])
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
    is_ref &= ref_secs < N_DAYS * 86400  # refunds after the export are not in it yet
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
    r_ts = EPOCH + rows_secs.astype("timedelta64[s]")
    return Purchases(
        n_customers=n,
        arrival_cdf=arrival_cdf,
        t0=t0,
        acq=acq,
        p=p,
        o_cust=o_cust,
        o_cancel=o_cancel,
        secs=secs,
        o_no=o_no,
        o_channel=o_channel,
        o_region=o_region,
        l_cat=l_cat,
        qty=qty,
        rows_line=rows_line,
        rows_kind=rows_kind,
        r_order=r_order,
        r_prod=r_prod,
        r_amount=r_amount,
        r_ts=r_ts,
        n_cancel=n_cancel,
        campaigns=planted,
    )
