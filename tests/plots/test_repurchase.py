"""Charts of the repurchase report: every chart returns its Axes, in English and Chinese.

The fixture is the one of the repurchase KPI tests (tests/kpis/conftest.py tells its story): five
customers, report month 2024-03.
"""

from __future__ import annotations

import re

import matplotlib
import numpy as np
import pandas as pd
import pytest

from repurchase import kpis as rp
from repurchase.core.occasions import purchase_occasions
from repurchase.core.params import RepurchaseSettings
from repurchase.core.periods import Period
from repurchase.recommendations import basket_rules, interactions

matplotlib.use("agg")
import matplotlib.pyplot as plt

from repurchase import plots

PERIOD = Period.from_label("2024-03")  # exclusive end 2024-04-01 00:00


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    rows = [
        ("A", "A1", "2024-02-10 10:00", 100.0, 0.0, "Coffee", "Beans"),
        ("A", "A2", "2024-03-05 09:00", 50.0, 0.0, "Coffee", "Beans"),
        ("A", "A3", "2024-03-05 18:00", 30.0, 0.0, "Snacks", "Chips"),
        ("A", "A4", "2024-03-20 12:00", 40.0, 10.0, "Coffee", "Capsules"),
        ("B", "B1", "2024-03-15 08:00", 200.0, 0.0, "Phone", "Phone X"),
        ("B", "B2", "2024-03-31 23:59", 20.0, 0.0, "Coffee", "Beans"),
        ("B", "B3", "2024-04-01 00:00", 999.0, 0.0, "Phone", "Phone X"),
        ("C", "C1", "2023-06-01 12:00", 60.0, 0.0, "Coffee", "Beans"),
        ("C", "C2", "2024-03-10 12:00", 80.0, 0.0, "Phone", "Case"),
        ("D", "D1", "2024-02-20 12:00", 70.0, 0.0, "Phone", "Case"),
        ("D", "D1", "2024-02-20 12:00", 5.0, 0.0, "Snacks", "Chips"),
        ("E", "E0", "2023-03-15 12:00", 25.0, 0.0, "Coffee", "Beans"),
        ("E", "E1", "2024-02-05 12:00", 25.0, 0.0, "Snacks", "Chips"),
        ("E", "E2", "2024-03-25 12:00", 35.0, 0.0, "Coffee", "Capsules"),
    ]
    columns = ["customer_id", "order_id", "order_date", "amount", "refund_amount", "category", "product_name"]
    tx = pd.DataFrame(rows, columns=columns)
    tx["order_date"] = pd.to_datetime(tx["order_date"])
    return tx


@pytest.fixture(scope="module")
def occ(tx) -> pd.DataFrame:
    return purchase_occasions(tx)


@pytest.fixture(scope="module")
def in_period(tx) -> pd.DataFrame:
    return tx[tx["order_date"] < PERIOD.end_exclusive]


def test_repurchase_plots_return_axes_and_leave_unobservable_cells_blank(tx, occ, in_period):
    monthly = rp.monthly_kpis(occ, PERIOD)
    gaps = rp.gap_durations(occ, PERIOD)
    cycle = rp.purchase_cycle(tx, PERIOD, by="category", min_gaps=1)
    cohorts = rp.cohort_table(occ, PERIOD, max_cohorts=3)
    categories = interactions(in_period, item="category")
    rules = basket_rules(categories, categories.events, min_support=0.1).rules
    calls = [
        (plots.plot_buyer_mix, (monthly,)),
        (plots.plot_rate_trend, (monthly,)),
        (plots.plot_kpi_trend, (monthly, "aov")),
        (plots.plot_n_day_trend, (rp.n_day_repurchase(occ, PERIOD),)),
        (plots.plot_time_to_second, (rp.time_to_second_purchase(occ, PERIOD),)),
        (plots.plot_gap_distribution, (gaps, cycle)),
        (plots.plot_gap_ecdf, (gaps, rp.purchase_cycle_curves(tx, PERIOD))),
        (plots.plot_cycle_by_group, (cycle,)),
        (plots.plot_cohort_revenue_curves, (cohorts,)),
        (
            plots.plot_first_group_rates,
            (rp.repurchase_by_first_group(in_period, occ, PERIOD, window_days=30, min_customers=1),),
        ),
        (plots.plot_lift_matrix, (rules,)),
        (plots.plot_top_pairs, (rules,)),
        (plots.plot_refund_rates, (rp.refund_rates(in_period, min_lines=1),)),
        (
            plots.plot_products_by_buyer_type,
            (rp.products_by_buyer_type(in_period, occ, PERIOD, by="category", window_days=30),),
        ),
        (
            plots.plot_first_group_rates,
            (rp.repurchase_by_first_group(in_period.drop(columns="category"), occ, PERIOD),),
        ),
    ]
    for fn, args in calls:
        ax = fn(*args)
        assert isinstance(ax, matplotlib.axes.Axes), fn.__name__
        plt.close(ax.figure)
    # empty input: a one-line note instead of a chart
    empty = plots.plot_refund_rates(rp.refund_rates(in_period.drop(columns="category")))
    assert not empty.axison and "no such column" in empty.texts[0].get_text()
    plt.close("all")
    # cohorts 2024-02 (100%, 50%) and 2024-03 (100%); 2024-01 had no new customers. March's month 1 is not
    # observable: no annotation and no colour (seaborn masks NaN), never "0%"
    heat = plots.plot_cohort_heatmap(rp.cohort_matrix(cohorts), left_censored=["2024-02"])
    assert [t.get_text() for t in heat.texts] == ["100%", "50%", "100%"]
    assert np.ma.getmaskarray(heat.collections[0].get_array()).ravel().tolist() == [False, False, False, True]
    assert [t.get_text() for t in heat.get_yticklabels()] == ["Feb 2024 *", "Mar 2024"]
    plt.close("all")
    # in Chinese every title, axis label, legend entry and annotation is Chinese: no Latin word is left but the
    # method names and symbols (Kaplan–Meier, log2, N, n, t, p90 inside numbers); data values sit on tick labels only
    allowed = re.compile(r"Kaplan–Meier|log2|(?<![A-Za-z])[Nnt](?![A-Za-z])|[^A-Za-z]")
    cjk = plots.register_cjk_font()  # Chinese glyphs for these charts only (rc_context), as the reports get them
    with matplotlib.rc_context({"font.sans-serif": [cjk, "DejaVu Sans"] if cjk else ["DejaVu Sans"]}):
        zh_axes = [fn(*args, lang="zh") for fn, args in calls]
    for (fn, _), ax in zip(calls, zh_axes):
        shown = [ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), *(t.get_text() for t in ax.texts)]
        legend = ax.get_legend()
        shown += [t.get_text() for t in legend.get_texts()] if legend else []
        assert re.search(r"[\u4e00-\u9fff]", ax.get_title()), fn.__name__
        left = [text for text in shown if allowed.sub("", text)]
        assert left == [], f"{fn.__name__}: English left in {left}"
        plt.close(ax.figure)
    heat = plots.plot_cohort_heatmap(rp.cohort_matrix(cohorts), left_censored=["2024-02"], lang="zh")
    assert [t.get_text() for t in heat.get_yticklabels()] == ["2024年2月 *", "2024年3月"]
    assert heat.get_title() == "各获客批次再次购买的客户比例（按首购后月数）"
    plt.close("all")


def test_first_group_chart_names_its_groups(in_period, occ):
    table = rp.repurchase_by_first_group(in_period, occ, PERIOD, window_days=30, min_customers=1)
    ax = plots.plot_first_group_rates(table, window_days=30, by="category")
    assert ax.get_title() == "Bought again within 30 days, by category of the first purchase"
    plt.close(ax.figure)
    ax = plots.plot_first_group_rates(table, window_days=30, by="product_name", lang="zh")
    assert "首购商品（最常见的 20 个，其余合并）" in ax.get_title()
    plt.close(ax.figure)
    ax = plots.plot_first_group_rates(table, window_days=30, by="category", label="what came first")
    assert ax.get_title().endswith("by what came first")
    plt.close("all")


def test_the_notebook_charts_from_the_result(in_period):
    """Each chart of notebook 02, called as the notebook calls it, on the attributes of a RepurchaseResult."""
    res = rp.run_repurchase(in_period, PERIOD, RepurchaseSettings(min_group_customers=1), currency="CNY")
    categories = interactions(in_period, item="category")
    months, window = res.settings.trend_months, res.settings.first_purchase_window_days
    left = res.cohort_notes["left_censored"]
    axes = [
        plots.plot_buyer_mix(res.monthly, months=months),
        plots.plot_rate_trend(res.monthly, ("repurchase_rate_customers", "repurchase_rate_orders", "buyback_rate")),
        plots.plot_kpi_trend(res.monthly, "revenue", months=months, currency=res.currency),
        plots.plot_n_day_trend(res.n_day, months=months),
        plots.plot_time_to_second(res.time_to_second),
        plots.plot_gap_distribution(res.gaps, res.cycle),
        plots.plot_gap_ecdf(res.gaps, res.cycle_curve),
        plots.plot_cycle_by_group(res.cycle),
        plots.plot_cohort_heatmap(res.retention_matrix, kind="retention", left_censored=left),
        plots.plot_cohort_heatmap(res.revenue_matrix, kind="revenue", currency=res.currency, left_censored=left),
        plots.plot_cohort_revenue_curves(res.cohorts, currency=res.currency, max_cohorts=months),
        plots.plot_first_group_rates(res.first_category, window_days=window, by="category"),
        plots.plot_first_group_rates(res.first_product, window_days=window, by="product_name"),
        plots.plot_lift_matrix(basket_rules(categories, categories.events, min_support=0.01).rules),
        plots.plot_top_pairs(basket_rules(categories, categories.events, min_support=0.01).rules),
        plots.plot_refund_rates(res.category_refunds),
        plots.plot_products_by_buyer_type(res.buyer_products),
    ]
    assert all(isinstance(ax, matplotlib.axes.Axes) and ax.get_title() for ax in axes)
    # the gap histogram marks the expected window of the result's cycle
    legend = [t.get_text() for t in axes[5].get_legend().get_texts()]
    row = res.cycle.set_index("group").loc["all"]
    assert f"expected next purchase: {row['window_median']:,.0f}–{row['window_p90']:,.0f} days" in legend
    plt.close("all")
