"""The glossary of the repurchase report, from the catalogs."""

from __future__ import annotations

import pytest

from repurchase import kpis as rp
from repurchase.core import i18n
from repurchase.core.errors import AnalysisError
from repurchase.core.params import RepurchaseSettings


def test_glossary_covers_every_headline_kpi_in_two_languages():
    table = rp.glossary(RepurchaseSettings(reactivation_gap_days=120))
    assert list(table.columns) == ["term", "中文", "definition", "定义"]
    assert table.notna().all().all() and (table["中文"].str.len() > 0).all()
    keys = {g["key"] for g in rp.GLOSSARY}
    assert set(rp.KPI_UNITS) <= keys | {"n_day_repurchase"}
    reactivated = table.set_index("term").loc["Reactivated buyers"]
    assert "after 120 or more days" in reactivated["definition"] and "120 天" in reactivated["定义"]
    # GLOSSARY comes from the catalogs: its Chinese definition is the zh template
    entry = next(g for g in rp.GLOSSARY if g["key"] == "occasion")
    assert entry["zh"] == "购买次数口径" and "{occasion}" in entry["definition_zh"]
    # a report's table: the term in the report language, its name in the other, the definition in the report
    # language; canonical columns, whose headers (col.rp_*) are in the report language
    zh_frame = rp.glossary(RepurchaseSettings(occasion="order"), lang="zh")
    assert list(zh_frame.columns) == ["rp_term", "rp_other_name", "rp_definition"]
    zh = i18n.translate_columns(zh_frame, "zh").set_index("术语")
    assert list(zh.columns) == ["英文名称", "定义"]
    assert zh.loc["购买次数口径", "英文名称"] == "Purchase occasion"
    assert zh.loc["购买次数口径", "定义"].startswith("一次购买：每个订单记为一次。")
    en = i18n.translate_columns(rp.glossary(keys=["lift", "support"], lang="en"), "en")
    assert en.columns.tolist() == ["term", "中文", "definition"] and en["term"].tolist() == ["Lift", "Support"]
    assert rp.glossary_table(RepurchaseSettings(), "zh").frame.equals(rp.glossary(RepurchaseSettings(), lang="zh"))
    with pytest.raises(AnalysisError, match="no glossary entry 'churn'"):
        rp.glossary(keys=["churn"])
    with pytest.raises(AttributeError, match="no attribute 'GLOSSARIES'"):
        _ = rp.GLOSSARIES  # type: ignore[attr-defined]


def test_chinese_glossary_states_the_aov_convention():
    # 客单价 here is revenue ÷ orders; Taobao / 生意参谋 call revenue ÷ buyers 客单价 (人均消费 here)
    zh = rp.glossary(lang="zh").set_index("rp_term")["rp_definition"]
    assert zh["客单价"].startswith("销售额 ÷ 订单数")
    assert "生意参谋" in zh["客单价"] and "销售额 ÷ 购买人数" in zh["客单价"] and "人均消费" in zh["客单价"]
    assert "生意参谋口径的“客单价”" in zh["人均消费"]
    en = rp.glossary(lang="en").set_index("rp_term")["rp_definition"]
    assert en["Average order value"].startswith("Revenue ÷ orders.") and "生意参谋" in en["Average order value"]
