"""Comments: stop words, tokenizing Chinese and English, top and distinguishing terms, sample comments."""

from __future__ import annotations

import html
import math
from html.parser import HTMLParser

import pandas as pd
import pytest

from repurchase import satisfaction as sat
from repurchase.core.errors import AnalysisError
from repurchase.core.table import Table
from repurchase.report.display import render, show_table


def test_stopword_lists_keep_short_sentiment_words_and_negations():
    zh, en = sat.load_stopwords("zh"), sat.load_stopwords("en")
    assert {"的", "了", "很"} <= zh and {"the", "was", "and"} <= en
    assert not {"差", "慢", "贵", "好", "坏", "不", "没"} & zh
    assert not {"not", "no", "never", "bad", "slow", "good", "ok"} & en
    with pytest.raises(AnalysisError, match="use 'zh' or 'en'"):
        sat.load_stopwords("fr")


def test_tokenize_chinese_with_jieba_and_english_with_regex():
    comments = pd.Series(
        ["质量差", "太慢了", "The delivery was SLOW, didn't arrive", None, "  ", "好<script>x</script>"],
        index=[10, 11, 12, 13, 14, 15],
    )
    tok = sat.tokenize_comments(comments)
    by_doc = tok.groupby("doc")["token"].apply(list).to_dict()
    assert by_doc[10] == ["质量", "差"]  # one-character sentiment word kept
    assert by_doc[11] == ["太慢"]  # 了 is a stop word
    assert by_doc[12] == ["delivery", "slow", "didn't", "arrive"]  # lower-cased; the, was dropped
    assert by_doc[15] == ["好", "script", "script"]  # markup is just letters to the tokenizer
    assert set(tok["script"]) == {"zh", "en"} and 13 not in by_doc and 14 not in by_doc


def test_log_odds_with_informative_dirichlet_prior_by_hand():
    a = pd.Series({"bad": 3, "good": 1})
    b = pd.Series({"bad": 1, "good": 3})
    # prior = background a + b: alpha_bad = alpha_good = 4, alpha0 = 8; n_a = n_b = 4
    # delta_bad = log((3+4)/(4+8-3-4)) - log((1+4)/(4+8-1-4)) = log(7/5) - log(5/7) = 0.672944
    # var = 1/7 + 1/5 = .342857 -> z = 0.672944 / .585540 = 1.149271
    lo = sat.log_odds_terms(a, b).set_index("term")
    assert lo.loc["bad", "delta"] == pytest.approx(2 * math.log(1.4))
    assert lo.loc["bad", "z"] == pytest.approx(1.149271, abs=1e-6)
    assert lo.loc["good", "z"] == pytest.approx(-1.149271, abs=1e-6)
    assert lo.index[0] == "bad"  # most a-leaning first
    # prior_scale .5: alpha = 2, alpha0 = 4: delta = log(5/3) - log(3/5) = 1.021651; var = 1/5 + 1/3 -> z = 1.398954
    half = sat.log_odds_terms(a, b, prior_scale=0.5).set_index("term")
    assert half.loc["bad", "z"] == pytest.approx(1.398954, abs=1e-6)
    # an explicit background: 'meh' only in the background raises alpha0 but gets no row
    bg = pd.Series({"bad": 4, "good": 4, "meh": 8})
    # alpha0 = 16: delta_bad = log(7/(4+16-7)) - log(5/(4+16-5)) = log(7/13) - log(5/15)
    withbg = sat.log_odds_terms(a, b, bg).set_index("term")
    assert "meh" not in withbg.index
    assert withbg.loc["bad", "delta"] == pytest.approx(math.log(7 / 13) - math.log(5 / 15))


def test_top_and_distinguishing_terms_on_a_tiny_corpus():
    comments = pd.Series(["质量差", "质量差，太慢了", "delivery was slow", "质量好", "很好", "great quality"])
    groups = pd.Series(["detractor", "detractor", "detractor", "promoter", "promoter", "promoter"])
    tok = sat.tokenize_comments(comments)
    top = sat.top_terms(tok, groups, n=2)
    det = top[top["group"] == "detractor"]
    assert det["term"].tolist() == ["差", "质量"]  # 2 comments each, ties by term order
    assert det["share"].tolist() == pytest.approx([2 / 3, 2 / 3])
    dist = sat.distinguishing_terms(tok, groups, n=3, min_count=1)
    # counts: detractor 质量 2, 差 2, 太慢 1, delivery 1, slow 1 (n=7); promoter 质量 1, 好 2, great 1, quality 1 (n=5)
    # background = all: 差 2 -> alpha 2, alpha0 = 12; z(差) = [log(4/(7+12-4)) - log(2/(5+12-2))] / sqrt(1/4 + 1/2)
    z_cha = (math.log(4 / 15) - math.log(2 / 15)) / math.sqrt(1 / 4 + 1 / 2)
    row = dist.set_index("term").loc["差"]
    assert row["leans"] == "detractor" and row["z"] == pytest.approx(z_cha)
    assert dist[dist["leans"] == "promoter"]["term"].iloc[0] == "好"


class _CellText(HTMLParser):
    def __init__(self):
        super().__init__()
        self.cells, self.tags, self._in = [], {}, False

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if tag == "td":
            self._in, self._buf = True, ""

    def handle_endtag(self, tag):
        if tag == "td":
            self._in = False
            self.cells.append(self._buf)

    def handle_data(self, data):
        if self._in:
            self._buf += data


def test_sample_comments_shown_as_text_in_html_table(nps_sample, hostile):
    frame = nps_sample(2, 2, 2).assign(comment=[hostile[0], "fine", hostile[1], None, hostile[2], "  "])
    frame["nps_group"] = sat.nps_group(frame["nps"])
    samples = sat.sample_comments(frame, per_group=5)
    assert sorted(samples["comment"]) == sorted([*hostile, "fine"])
    for page in (
        show_table(samples)._repr_html_(),
        render(sat.satisfaction_table("samples", samples), lang="en")._repr_html_(),  # the report's own path
    ):
        for text in hostile:
            assert html.escape(text) in page
        assert "<script" not in page and "<img" not in page and "<b>" not in page
        assert page.count("<table") == 1 and page.count("</table>") == 1
        parsed = _CellText()
        parsed.feed(page)
        assert set(hostile) <= set(parsed.cells)  # the browser shows exactly what was written
        assert parsed.tags.get("script", 0) == 0 and parsed.tags.get("img", 0) == 0
    assert isinstance(sat.satisfaction_table("samples", samples), Table)
