"""Display names and recommended actions in the report language; every built-in one has catalog text."""

from __future__ import annotations

from repurchase import segments as sg
from repurchase.core import i18n


def test_every_builtin_segment_and_tier_has_text_in_both_catalogs():
    for scheme in sg.BUILTIN_SCHEMES.values():
        for seg in scheme.segments:
            code = sg.SEGMENT_CODES[seg]
            for lang in i18n.LANGUAGES:
                assert i18n.has(f"segments.name.{code}", lang) and i18n.has(f"segments.action.{code}", lang)
    for code in sg.FREQUENCY_CODES.values():
        assert i18n.has(f"segments.freq.{code}", "zh") and i18n.has(f"segments.freq_action.{code}", "zh")
    for code in sg.TIER_CODES.values():
        assert i18n.has(f"segments.tier.{code}", "zh")


def test_labels_and_actions_in_the_report_language():
    assert sg.segment_label("Champions") == "Champions"
    assert sg.segment_label("Champions", "zh") == "冠军客户"
    assert sg.segment_label("重要价值", "en") == "重要价值 (important value)"
    assert sg.segment_label("My own", "zh") == "My own"  # a custom segment keeps its name
    assert sg.segment_label(sg.NEW, "zh") == "（本月新增）"
    assert sg.recommended_action("At Risk", "en").startswith("Personal win-back before they lapse")
    assert sg.recommended_action("At Risk", "zh").startswith("流失前一对一挽回")
    assert sg.recommended_action("one-time", "zh") == "促成第二次购买：新客引导、限时复购券。"
    assert sg.recommended_action("At Risk", "zh", {"At Risk": "打电话"}) == "打电话"  # params win
    assert sg.recommended_action("Mine", "zh") == "（未设置建议动作：请在参数中添加 segmentation.actions.Mine）"
    assert sg.frequency_tier_label("high", "en") == "high-frequency"
    assert sg.member_tier_label("gold", "zh") == "黄金会员" and sg.member_tier_label("VIP", "zh") == "VIP"
