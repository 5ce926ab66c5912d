"""Charts of the segmentation report, drawn from a result (titles, labels and legends in the report language)."""

from __future__ import annotations

import pandas as pd

from repurchase import segments as sg
from repurchase.core.params import SegmentationSettings
from repurchase.core.periods import Period

PERIOD = Period.from_label("2024-01")


def make_tx() -> pd.DataFrame:
    """Five customers (the fixture of tests/segments/conftest.py)."""
    rows = [
        ("A", "A1", "2024-01-10 09:00", 30.0),
        ("A", "A2", "2024-01-31 10:00", 100.0),
        ("A", "A3", "2024-01-31 15:00", 50.0),
        ("B", "B1", "2024-01-21 12:00", 20.0),
        ("C", "C1", "2023-11-01 08:00", 200.0),
        ("C", "C2", "2023-12-01 08:00", 200.0),
        ("C", "C3", "2024-01-01 08:00", 200.0),
        ("D", "D1", "2023-12-31 23:59", 10.0),
        ("E", "E1", "2023-06-30 10:00", 2.0),
        ("E", "E2", "2023-07-30 10:00", 3.0),
    ]
    tx = pd.DataFrame(rows, columns=["customer_id", "order_id", "order_date", "amount"])
    tx["order_date"] = pd.to_datetime(tx["order_date"])
    return tx


def test_plots_draw_from_a_result():
    import matplotlib

    matplotlib.use("agg")  # off-screen; the library never calls matplotlib.use
    import matplotlib.pyplot as plt

    from repurchase import plots

    res = sg.run_segmentation(make_tx(), PERIOD, SegmentationSettings(tier_thresholds=[100, 500]))
    with plt.rc_context():
        plots.use_report_style()  # registers the CJK font for the Chinese label below
        ax = plots.plot_segment_sizes(res.summary)
        assert len(ax.patches) == 2 * 11  # two bars per segment
        ax = plots.plot_rf_scatter(res.customers, res.scheme.segments, max_points=3)
        assert "random sample of 3 of 5" in ax.get_title()
        assert sum(len(c.get_offsets()) for c in ax.collections) == 3
        plots.plot_rule_grid(res.rule_grid, res.scheme.segments)
        plots.plot_rule_grid(sg.CN8.grid(), sg.CN8.segments)
        plots.plot_frequency_tiers(res.frequency)
        plots.plot_member_tiers(res.tiers)
        ax = plots.plot_migration(res.migration, labels={"Champions": "冠军客户"})
        assert ax.get_ylabel() == "previous period"
        assert "冠军客户" in [t.get_text() for t in ax.get_xticklabels()]
        # Chinese: titles, axes, legends and tier names from the zh catalog
        ax = plots.plot_migration(res.migration, labels=res.labels, lang="zh")
        assert ax.get_title() == "客群迁移：上期（行）到本期（列）" and ax.get_ylabel() == "上期"
        ax = plots.plot_rf_scatter(res.customers, res.scheme.segments, max_points=3, lang="zh")
        assert ax.get_title() == "最近一次消费与购买次数（按客群着色）（从 5 位中随机抽样 3 位）"
        ax = plots.plot_member_tiers(res.tiers, lang="zh")
        # normal: 1 repeater (E) of 3 buyers -> 33%
        assert ax.get_yticklabels()[0].get_text() == "普通会员（复购率 33%）"
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["客户数占比", "近 12 个月消费额占比"]
        ax = plots.plot_frequency_tiers(res.frequency, lang="zh")
        assert ax.get_yticklabels()[0].get_text() == "高频客户（≥ 4 次）"
        ax = plots.plot_rule_grid(
            sg.CN8.grid("zh"),
            sg.CN8.segments,
            labels={s: sg.segment_label(s, "zh") for s in sg.CN8.segments},
            lang="zh",
        )
        assert ax.get_title() == "客群规则表" and "R 高, F 高" in [t.get_text() for t in ax.get_yticklabels()]
        plt.close("all")


def test_segment_colours_carry_meaning_and_custom_segments_stay_distinct():
    from matplotlib.colors import to_rgb

    from repurchase.core.schemes import BUILTIN_SCHEMES
    from repurchase.plots.segments import _segment_colors

    for scheme in BUILTIN_SCHEMES.values():
        colors = _segment_colors(scheme.segments)
        assert set(colors) == set(scheme.segments)  # every built-in segment has its meaning's colour
    rfm = _segment_colors(BUILTIN_SCHEMES["rfm11"].segments)
    r, g, b = rfm["Champions"]
    assert g > r and g > b  # good is green
    r, g, b = rfm["At Risk"]
    assert r > g and r > b  # at risk is red-orange
    r, g, b = rfm["Lost"]
    assert max(r, g, b) - min(r, g, b) < 0.1  # lost is grey
    assert rfm["New"] != rfm["At Risk"] and to_rgb("#4895ef") == rfm["New"]  # new is blue, not red
    custom = _segment_colors(["Gold club", "Dormant", "Champions"])
    assert len({custom["Gold club"], custom["Dormant"], custom["Champions"]}) == 3
    assert custom["Champions"] == rfm["Champions"]
