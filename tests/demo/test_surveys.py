"""The survey responses: realistic scores and comments, aspects that drive the score, detractors who buy less."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from repurchase.demo import HTML_JUNK_COMMENTS


@pytest.mark.parametrize("client", ["online", "stores"])
def test_surveys_have_realistic_scores_and_comments(kit: ModuleType, demo: Path, client: str) -> None:
    sv, aspects = kit.surveys(demo, client)
    n_customers = kit.manifest(demo, client)["customers_file_rows"]
    assert 0.07 <= sv["cid"].nunique() / n_customers <= 0.13
    assert (sv["cid"].value_counts() > 1).any()
    assert sv["nps"].between(0, 10).all() and sv["csat"].between(1, 5).all() and sv["ces"].between(1, 7).all()
    assert sv[aspects].stack().between(1, 5).all()
    assert sv["nps"].nunique() == 11
    nps = 100 * ((sv["nps"] >= 9).mean() - (sv["nps"] <= 6).mean())
    assert -20 < nps < 40
    assert (sv["rdate"] <= kit.END).all()
    comments = sv["comment"]
    assert (comments.str.strip() == "").mean() > 0.1  # blank comments
    assert comments.str.contains(r"[\u4e00-\u9fff]").any() and comments.str.contains(r"^[A-Za-z]").any()
    for junk in HTML_JUNK_COMMENTS:
        assert (comments == junk).sum() == 1, junk
    assert comments.str.contains("<").sum() == len(HTML_JUNK_COMMENTS)
    complaints = "太慢了|质量差|价格贵|slow|poor quality|expensive|态度差|太挤"
    detractor_complaints = comments[sv["nps"] <= 6].str.contains(complaints).mean()
    promoter_complaints = comments[sv["nps"] >= 9].str.contains(complaints).mean()
    assert detractor_complaints > promoter_complaints + 0.1


@pytest.mark.parametrize("client", ["online", "stores"])
def test_aspects_drive_the_score_with_different_weights(kit: ModuleType, demo: Path, client: str) -> None:
    sv, aspects = kit.surveys(demo, client)
    corr = sv[aspects].corr().to_numpy()[np.triu_indices(len(aspects), 1)]
    assert corr.min() > 0.15 and corr.max() < 0.7  # moderately collinear
    x = np.column_stack([np.ones(len(sv)), sv[aspects].to_numpy(float)])
    coef = np.linalg.lstsq(x, sv["nps"].to_numpy(float), rcond=None)[0][1:]
    top_two = set(np.argsort(coef)[-2:])
    assert top_two == {0, 1}, dict(zip(aspects, coef.round(2)))  # quality and delivery (online) / service (stores)
    assert coef.min() > 0


@pytest.mark.parametrize("client", ["online", "stores"])
def test_detractors_buy_less_after_responding_than_promoters(kit: ModuleType, demo: Path, client: str) -> None:
    sv, _ = kit.surveys(demo, client)
    paid = kit.paid(kit.raw(demo, client), client)[["cid", "ts"]]
    sv = sv[sv["rdate"] <= kit.END - pd.Timedelta(days=90)].reset_index()
    m = sv[["index", "cid", "rdate"]].merge(paid, on="cid", how="left")
    m["later"] = (m["ts"] > m["rdate"]) & (m["ts"] <= m["rdate"] + pd.Timedelta(days=90))
    sv["later"] = m.groupby("index")["later"].any().reindex(sv["index"]).to_numpy()
    detractors = sv.loc[sv["nps"] <= 6, "later"]
    promoters = sv.loc[sv["nps"] >= 9, "later"]
    assert len(detractors) >= 50 and len(promoters) >= 50
    assert promoters.mean() - detractors.mean() > 0.15, (detractors.mean(), promoters.mean())
