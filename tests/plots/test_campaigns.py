"""The uplift chart: one bar per measured campaign, coloured by verdict, returning its Axes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from repurchase.campaigns import run_campaigns
from repurchase.core.params import CampaignSettings
from repurchase.core.periods import Period
from repurchase.plots import plot_campaign_uplift
from repurchase.plots.style import GOOD, NEUTRAL


def _result(lang="en"):
    rows, buys = [], []
    for name, n_t, r_t, n_c, r_c in (("coupon", 500, 150, 500, 50), ("mail", 500, 50, 500, 50)):
        rows += [(f"{name}T{i}", name, "treatment", "2026-04-01") for i in range(n_t)]
        rows += [(f"{name}C{i}", name, "control", "2026-04-01") for i in range(n_c)]
        buys += [(f"{name}T{i}", "2026-04-02", 10.0) for i in range(r_t)]
        buys += [(f"{name}C{i}", "2026-04-02", 10.0) for i in range(r_c)]
    a = pd.DataFrame(rows, columns=["customer_id", "campaign", "group", "assigned_at"])
    seen = [(cid, "2025-06-01", 1.0) for cid, *_ in rows]
    tx = pd.DataFrame(seen + buys, columns=["customer_id", "order_date", "amount"])
    a["assigned_at"], tx["order_date"] = pd.to_datetime(a["assigned_at"]), pd.to_datetime(tx["order_date"])
    return run_campaigns(a, tx, CampaignSettings(), Period.from_label("2026-05"), language=lang)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_uplift_chart(lang):
    res = _result(lang)
    fig, given = plt.subplots()
    ax = plot_campaign_uplift(res, ax=given, lang=lang)
    assert ax is given
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert [label.split("\n")[0] for label in labels] == ["coupon", "mail"]
    dots = [line for line in ax.get_lines() if line.get_marker() == "o"]
    assert [d.get_xdata()[0] for d in dots] == pytest.approx([20.0, 0.0])
    assert [d.get_color() for d in dots] == [GOOD, NEUTRAL]
    plt.close(fig)
    new = plot_campaign_uplift(res, lang=lang)
    assert new.get_title()
    plt.close(new.figure)


def test_without_campaigns_the_chart_says_so():
    res = run_campaigns(None, pd.DataFrame(), CampaignSettings(), Period.from_label("2026-05"))
    ax = plot_campaign_uplift(res)
    assert [t.get_text() for t in ax.texts] == ["Not available: see the first section."]
    plt.close(ax.figure)
