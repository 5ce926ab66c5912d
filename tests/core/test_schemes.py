"""RFM segment schemes (repurchase.core.schemes): the built-in rule tables, custom tables, their validation."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

from repurchase.core.errors import AnalysisError, ParamsError
from repurchase.core.params import load_params
from repurchase.core.schemes import CN8, NEW, RFM11, get_scheme, rule_table_problems, segment_label

# The 11-segment map, written out as the grid (R rows 5..1, FM columns 1..5) from the list.
EXPECTED_RFM11 = {
    5: ["New", "Potential Loyalist", "Loyal", "Champions", "Champions"],
    4: ["Promising", "Potential Loyalist", "Potential Loyalist", "Loyal", "Champions"],
    3: ["Promising", "Need Attention", "Potential Loyalist", "Loyal", "Loyal"],
    2: ["About to Sleep", "Need Attention", "Need Attention", "At Risk", "At Risk"],
    1: ["Lost", "Hibernating", "At Risk", "Can't Lose Them", "Can't Lose Them"],
}


def test_rfm11_table_is_complete_and_grid_matches():
    assert rule_table_problems(RFM11.rules, 5) == []
    grid = RFM11.grid().set_index("R")
    for r, row in EXPECTED_RFM11.items():
        assert grid.loc[str(r)].tolist() == row


def test_rule_tables_for_the_report():
    assert RFM11.table().iloc[0].tolist() == ["Champions", "55, 54, 45"]
    assert CN8.table().iloc[1].tolist() == ["重要发展 (important to develop)", "R high, F low, M high"]
    assert CN8.table("zh").iloc[1].tolist() == ["重要发展客户", "R 高, F 低, M 高"]
    assert RFM11.describe("zh").startswith("R 分 × FM 分网格上的 11 个客群")


def test_segment_labels():
    assert segment_label("Champions") == "Champions"
    assert segment_label("Champions", "zh") == "冠军客户"
    assert segment_label("重要价值", "en") == "重要价值 (important value)"
    assert segment_label("My own", "zh") == "My own"  # a custom segment keeps its name
    assert segment_label(NEW, "zh") == "（本月新增）"


def test_rule_table_problems():
    ok = {"Active": ["21", "22"], "Lapsed": [11, "12"]}  # ints allowed (YAML without quotes)
    assert rule_table_problems(ok, 2) == []
    missing = rule_table_problems({"Active": ["21", "22"], "Lapsed": ["11"]}, 2)
    assert missing == [
        "1 of the 4 cells (R x FM, scores 1..2) belong to no segment: 12; add each to exactly one segment"
    ]
    twice = rule_table_problems({"A": ["11", "12", "21"], "B": ["21", "22"]}, 2)
    assert twice == ["cells listed more than once: 21 (A, B); keep each cell in one segment"]
    assert "each digit must be 1..2" in rule_table_problems({"A": ["13", "11", "12", "21", "22"]}, 2)[0]
    assert "same number of digits" in rule_table_problems({"A": ["11", "111"]}, 2)[0]


def test_get_scheme_errors():
    with pytest.raises(AnalysisError, match=r"rfm11 is defined on 5 score bins; set segmentation.rfm_bins: 5"):
        get_scheme("rfm11", bins=4)
    with pytest.raises(AnalysisError, match=r"unknown scheme 'nope'"):
        get_scheme("nope")
    with pytest.raises(AnalysisError, match=r"segmentation.custom_schemes.bad: 1 of the 4 cells"):
        get_scheme("bad", {"bad": {"A": ["11", "12", "21"]}}, bins=2)


def test_custom_scheme_from_params_table():
    scheme = get_scheme("two", {"two": {"Active": ["21", "22"], "Lapsed": [11, 12]}}, bins=2)
    assert scheme.axes == ("R", "FM") and scheme.levels == 2
    assert scheme.rules == {"Active": ("21", "22"), "Lapsed": ("11", "12")}
    assert scheme.describe() == "custom rule table from params (segmentation.custom_schemes.two)"


# -- rule tables supplied in params ------------------------------------------


def write_params(tmp_path, segmentation: str):
    csv = tmp_path / "tx.csv"
    pd.DataFrame({"customer_id": ["A"], "order_id": ["A1"], "order_date": ["2024-01-10"], "amount": [30.0]}).to_csv(
        csv, index=False
    )
    p = tmp_path / "client.yaml"
    p.write_text(
        textwrap.dedent(
            f"""\
            client: test
            title: Test
            sources:
              transactions:
                path: {csv}
                columns: {{customer_id: customer_id, order_id: order_id, order_date: order_date, amount: amount}}
            segmentation:
            """
        )
        + textwrap.indent(textwrap.dedent(segmentation), "  "),
        encoding="utf-8",
    )
    return p


def test_params_invalid_rule_table_gives_clear_error(tmp_path):
    p = write_params(
        tmp_path,
        """\
        rfm_bins: 2
        scheme: two
        custom_schemes:
          two:
            Active: ["21", "22"]
            Lapsed: ["11", "21"]
        """,
    )
    with pytest.raises(
        ParamsError,
        match=r"segmentation\.custom_schemes\.two: 1 of the 4 cells \(R x FM, scores 1\.\.2\) belong to no segment: 12; "
        r"add each to exactly one segment\n  - segmentation\.custom_schemes\.two: cells listed more than once: 21 \(Active, Lapsed\)",
    ):
        load_params(p)


def test_params_unknown_scheme_and_wrong_bins(tmp_path):
    with pytest.raises(ParamsError, match=r"scheme: unknown scheme 'rfm12' \(did you mean 'rfm11'\?\)"):
        load_params(write_params(tmp_path, "scheme: rfm12\n"))
    with pytest.raises(ParamsError, match=r"scheme: rfm11 is defined on 5 score bins; set rfm_bins: 5"):
        load_params(write_params(tmp_path, "rfm_bins: 4\n"))
    with pytest.raises(ParamsError, match=r"tier_thresholds: give 2 increasing positive values"):
        load_params(write_params(tmp_path, "tier_thresholds: [500, 100]\n"))


# -- F thresholds -------------------------------------------------------------


def test_frequency_thresholds_and_their_ranges():
    from repurchase.core.schemes import (
        DEFAULT_FREQUENCY_THRESHOLDS,
        default_frequency_thresholds,
        frequency_ranges,
        frequency_threshold_problems,
    )

    assert DEFAULT_FREQUENCY_THRESHOLDS == (2, 3, 5, 10)
    assert frequency_ranges(DEFAULT_FREQUENCY_THRESHOLDS) == ["1", "2", "3–4", "5–9", "10+"]
    assert frequency_ranges([2]) == ["1", "2+"]
    assert default_frequency_thresholds(3) == (2, 3) and default_frequency_thresholds(6) is None
    assert frequency_threshold_problems([2, 3, 5, 10], 5) == []
    for bad in ([2, 3, 5], [1, 3, 5, 10], [2, 2, 5, 10], [2, 5, 3, 10]):
        assert frequency_threshold_problems(bad, 5), bad


def test_params_frequency_thresholds_are_validated(tmp_path):
    s = load_params(write_params(tmp_path, "frequency_thresholds: [2, 4, 8, 20]\n")).segmentation
    assert s.frequency_thresholds == [2, 4, 8, 20] and s.frequency_scoring == "thresholds"
    assert load_params(write_params(tmp_path, "{}\n")).segmentation.frequency_thresholds == [2, 3, 5, 10]
    with pytest.raises(
        ParamsError,
        match=r"frequency_thresholds: give 4 increasing whole numbers of occasions, the first at least 2: the minimum "
        r"occasions of F 2\.\.5 \(F 1 is one occasion\), e\.g\. \[2, 3, 5, 10\]",
    ):
        load_params(write_params(tmp_path, "frequency_thresholds: [1, 3, 5, 10]\n"))
    with pytest.raises(ParamsError, match=r"frequency_thresholds: with rfm_bins 7 there is no default; give 6"):
        load_params(write_params(tmp_path, "rfm_bins: 7\nscheme: cn8\n"))
    # quantiles need no thresholds; fewer bins take the first defaults
    assert load_params(write_params(tmp_path, "rfm_bins: 7\nscheme: cn8\nfrequency_scoring: quantiles\n"))
    assert load_params(write_params(tmp_path, "rfm_bins: 3\nscheme: cn8\n")).segmentation.frequency_thresholds == [2, 3]
    with pytest.raises(ParamsError, match=r"frequency_scoring"):
        load_params(write_params(tmp_path, "frequency_scoring: first\n"))
