"""Charts: Chinese glyphs render with the bundled font; plot functions return their Axes."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("agg")  # tests draw off-screen; the library itself never calls matplotlib.use

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.ft2font import FT2Font

from repurchase import plots
from repurchase.cleaning import clean_transactions, run_cleaning


def test_cjk_font_covers_every_glyph_without_warnings():
    path = plots.cjk_font_path()
    assert path is not None and path.exists(), "pylopdf-fonts-zh-cn (requirements.txt) ships Noto Sans SC"
    text = "复购率 回购率 重要价值客户 母婴 数码 2026年10月 ¥1.2万 客单价"
    font = FT2Font(str(path))
    missing = [ch for ch in set(text) if not ch.isspace() and font.get_char_index(ord(ch)) == 0]
    assert not missing
    with plt.rc_context():
        plots.use_report_style()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig, ax = plt.subplots()
            ax.bar(["母婴", "数码", "重要价值"], [1, -2, 3])
            ax.set_title(text)
            fig.canvas.draw()
            used = {t.get_fontname() for t in ax.get_xticklabels()} | {ax.title.get_fontname()}
            plt.close(fig)
    assert used == {"Noto Sans SC"}
    assert not [w for w in caught if "missing from" in str(w.message) or "Glyph" in str(w.message)]


def test_importing_plots_changes_no_global_state():
    import subprocess
    import sys

    # third-party imports (numpy, scipy, pyplot) add their own warning filters: import them first
    code = (
        "import matplotlib as mpl, pandas as pd, warnings, matplotlib.pyplot, seaborn, scipy.stats, nbformat; before=(dict(mpl.rcParams), len(warnings.filters), "
        "pd.get_option('mode.chained_assignment')); import repurchase, repurchase.plots, repurchase.publish.render, repurchase.cleaning, repurchase.cleaning.datasets; "
        "after=(dict(mpl.rcParams), len(warnings.filters), pd.get_option('mode.chained_assignment')); "
        "print(before == after)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


@pytest.fixture
def ledger_result():
    raw = pd.DataFrame(
        {
            "customer_id": ["A", "A", ""],
            "order_date": ["2026-01-01", "2026-01-01", "2026-01-02"],
            "amount": ["5", "5", "3"],
            "raw_row": [1, 2, 3],
        }
    )
    return clean_transactions(raw)


def test_cleaning_plots_return_axes(ledger_result):
    for fn, arg in (
        (plots.plot_ledger, ledger_result.ledger()),
        (plots.plot_outcomes, ledger_result.summary()),
        (plots.plot_amount_distribution, run_cleaning(ledger_result).amount_histogram),
        (plots.plot_weekly_revenue, run_cleaning(ledger_result).weekly_revenue),
    ):
        ax = fn(arg)
        assert isinstance(ax, matplotlib.axes.Axes)
        plt.close(ax.figure)
    bars = plots.plot_ledger(ledger_result.ledger())
    assert [t.get_text() for t in bars.get_yticklabels()] == ["duplicate row", "blank customer ID"]
    zh = plots.plot_ledger(ledger_result.ledger("zh"), lang="zh")
    assert [t.get_text() for t in zh.get_yticklabels()] == [
        "重复行",
        "会员ID为空",
    ] and zh.get_title() == "各清洗规则处理的行数"
    plt.close("all")


def test_compact_formatter_labels_an_axis_by_its_step():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1.3e6])
    ax.set_yticks([0, 250e3, 500e3, 750e3, 1e6, 1.25e6])
    ax.yaxis.set_major_formatter(plots.CompactFormatter("en", "¥"))
    fig.canvas.draw()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0", "¥250K", "¥500K", "¥750K", "¥1.00M", "¥1.25M"]
    assert plots.CompactFormatter("zh")(25_000) == "2.5万"
    plt.close(fig)
