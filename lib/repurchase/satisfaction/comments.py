"""Comments: words of each NPS group, the words that set two groups apart, and sample comments.

Chinese runs are segmented with jieba, English words by a regex; stop words are
dropped but short sentiment words and negations are kept. Distinguishing terms
are weighted log-odds ratios with an informative Dirichlet prior (Monroe,
Colaresi & Quinn 2008), reported as a z-score. Importing this module does not
import jieba (it is imported on first use).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Sequence
from importlib import resources
from typing import Literal

import numpy as np
import pandas as pd

from repurchase.core.errors import AnalysisError
from repurchase.satisfaction.scores import NPS_GROUPS, empty_frame

__all__ = [
    "distinguishing_terms",
    "load_stopwords",
    "log_odds_terms",
    "sample_comments",
    "tokenize_comments",
    "top_terms",
]

_CJK_RE = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+"
_EN_RE = r"[a-z]+(?:'[a-z]+)?"


@functools.cache
def load_stopwords(language: Literal["zh", "en"]) -> frozenset[str]:
    """The shipped stop-word list of a language (``resources/stopwords_<language>.txt``).

    The Chinese list keeps short sentiment words (差, 慢, 贵, 好) and negations,
    which ``jieba.analyse.extract_tags`` would drop.
    """
    if language not in ("zh", "en"):
        raise AnalysisError(f"no stop-word list for language {language!r}; use 'zh' or 'en'")
    text = resources.files("repurchase").joinpath("resources", f"stopwords_{language}.txt").read_text(encoding="utf-8")
    return frozenset(w.strip().lower() for w in text.splitlines() if w.strip() and not w.lstrip().startswith("#"))


def _jieba_cut(runs: Sequence[str]) -> list[list[str]]:
    """Segment Chinese runs with ``jieba.lcut`` in one call (runs joined by newlines)."""
    if not runs:
        return []
    try:
        import jieba  # lazy: loads a dictionary on first use
    except ModuleNotFoundError:
        raise AnalysisError(
            "Chinese comments need the jieba package; run `make reports` to install requirements.txt"
        ) from None
    jieba.setLogLevel(logging.WARNING)  # jieba's own logger only
    tokens = np.asarray(jieba.lcut("\n".join(runs)), dtype=object)
    is_sep = tokens == "\n"
    run_id = np.cumsum(is_sep)[~is_sep]
    grouped = pd.Series(tokens[~is_sep]).groupby(run_id).agg(list)
    return grouped.reindex(range(len(runs))).map(lambda v: v if isinstance(v, list) else []).tolist()


def tokenize_comments(comments: pd.Series | None, stopwords: Iterable[str] | None = None) -> pd.DataFrame:
    """Split comments into words: Chinese with ``jieba.lcut``, English with a regex.

    Chinese runs (CJK ideographs) are segmented by jieba; English words are
    lower-cased runs of letters (with an inner apostrophe, e.g. ``don't``).
    Digits, punctuation, one-letter English tokens and stop words are dropped.
    Each distinct Chinese run is segmented once.

    Parameters
    ----------
    comments
        Comment text; the index identifies the response.
    stopwords
        Words to drop; default both shipped lists (:func:`load_stopwords`).

    Returns
    -------
    DataFrame
        ``doc`` (the comment's index label), ``token``, ``script`` (``zh``/``en``),
        in comment order.
    """
    cols = ["doc", "token", "script"]
    if comments is None or len(comments) == 0:
        return pd.DataFrame(
            {"doc": pd.Series(dtype=object), "token": pd.Series(dtype=object), "script": pd.Series(dtype=object)}
        )
    stop = frozenset(stopwords) if stopwords is not None else load_stopwords("zh") | load_stopwords("en")
    text = comments.dropna().astype(str)
    text = text[text.str.strip() != ""]
    en = text.str.lower().str.findall(_EN_RE).explode().dropna()
    en = en[en.str.len() >= 2]
    runs = text.str.findall(_CJK_RE).explode().dropna()
    unique_runs = list(pd.unique(runs))
    seg = dict(zip(unique_runs, _jieba_cut(unique_runs)))
    zh = runs.map(seg).explode().dropna()
    pos = pd.Series(np.arange(len(text)), index=text.index)
    frames = [
        pd.DataFrame({"doc": s.index, "token": s.to_numpy(dtype=object), "script": script})
        for s, script in ((zh, "zh"), (en, "en"))
        if len(s)
    ]
    if not frames:
        return tokenize_comments(None)
    out = pd.concat(frames, ignore_index=True)
    out = out[~out["token"].str.lower().isin(stop) & (out["token"].str.strip() != "")]
    out = out.assign(_pos=out["doc"].map(pos)).sort_values("_pos", kind="stable").drop(columns="_pos")
    return out[cols].reset_index(drop=True)


def top_terms(tokens: pd.DataFrame, groups: pd.Series, n: int = 10) -> pd.DataFrame:
    """Most frequent terms per group, counted once per comment.

    Parameters
    ----------
    tokens
        :func:`tokenize_comments` output.
    groups
        Group of each comment, indexed like the comments (``doc``).
    n
        Terms per group.

    Returns
    -------
    DataFrame
        ``group``, ``rank``, ``term``, ``comments`` (comments using the term),
        ``share`` (of the group's comments with at least one word).
    """
    cols = ["group", "rank", "term", "comments", "share"]
    if tokens is None or tokens.empty:
        return empty_frame(cols)
    t = tokens.drop_duplicates(["doc", "token"]).assign(group=lambda d: d["doc"].map(groups))
    t = t[t["group"].notna()]
    if t.empty:
        return empty_frame(cols)
    t["group"] = t["group"].astype(str)
    docs = t.drop_duplicates("doc").groupby("group").size()
    counts = t.groupby(["group", "token"]).size().rename("comments").reset_index()
    counts = counts.sort_values(["group", "comments", "token"], ascending=[True, False, True], kind="stable")
    counts["rank"] = counts.groupby("group").cumcount() + 1
    counts = counts[counts["rank"] <= n].rename(columns={"token": "term"})
    counts["share"] = counts["comments"] / counts["group"].map(docs)
    order = {g: i for i, g in enumerate(NPS_GROUPS)}
    counts = counts.assign(_o=counts["group"].map(order).fillna(len(order))).sort_values(["_o", "rank"], kind="stable")
    return counts[cols].reset_index(drop=True)


def log_odds_terms(
    counts_a: pd.Series,
    counts_b: pd.Series,
    background: pd.Series | None = None,
    *,
    prior_scale: float = 1.0,
) -> pd.DataFrame:
    """Weighted log-odds ratios with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008).

    For word w with counts ``y_a``, ``y_b`` in corpora of sizes ``n_a``, ``n_b``
    and prior ``α_w = prior_scale · background_w`` (``α₀ = Σ α_w``)::

        δ_w = log((y_a + α_w) / (n_a + α₀ − y_a − α_w)) − log((y_b + α_w) / (n_b + α₀ − y_b − α_w))
        σ²_w ≈ 1 / (y_a + α_w) + 1 / (y_b + α_w)
        z_w = δ_w / σ_w

    Parameters
    ----------
    counts_a, counts_b
        Word counts of the two corpora (index = word).
    background
        Word counts of the background corpus; default ``counts_a + counts_b``.
        Words absent from the background get no prior and are dropped.
    prior_scale
        Multiplies the background counts (1 = the background corpus itself).

    Returns
    -------
    DataFrame
        ``term``, ``count_a``, ``count_b``, ``alpha``, ``delta``, ``se``, ``z``;
        most ``a``-leaning first (positive z).
    """
    cols = ["term", "count_a", "count_b", "alpha", "delta", "se", "z"]
    vocab = counts_a.index.union(counts_b.index)
    if len(vocab) == 0:
        return empty_frame(cols)
    ya = counts_a.reindex(vocab, fill_value=0).astype(float)
    yb = counts_b.reindex(vocab, fill_value=0).astype(float)
    bg = (ya + yb) if background is None else background.astype(float)
    alpha_all = prior_scale * bg[bg > 0]
    a0 = float(alpha_all.sum())
    alpha = alpha_all.reindex(vocab)
    keep = alpha.notna() & ((ya + yb) > 0)
    ya, yb, alpha = ya[keep], yb[keep], alpha[keep]
    na, nb = float(counts_a.sum()), float(counts_b.sum())
    delta = np.log((ya + alpha) / (na + a0 - ya - alpha)) - np.log((yb + alpha) / (nb + a0 - yb - alpha))
    se = np.sqrt(1 / (ya + alpha) + 1 / (yb + alpha))
    out = pd.DataFrame(
        {
            "term": ya.index.to_numpy(dtype=object),
            "count_a": ya.to_numpy().astype(int),
            "count_b": yb.to_numpy().astype(int),
            "alpha": alpha.to_numpy(),
            "delta": delta.to_numpy(),
            "se": se.to_numpy(),
            "z": (delta / se).to_numpy(),
        }
    )
    return out.sort_values(["z", "term"], ascending=[False, True], kind="stable").reset_index(drop=True)


def distinguishing_terms(
    tokens: pd.DataFrame,
    groups: pd.Series,
    a: str = "detractor",
    b: str = "promoter",
    *,
    n: int = 10,
    min_count: int = 3,
    prior_scale: float = 1.0,
) -> pd.DataFrame:
    """The words that most distinguish group ``a`` from group ``b`` (:func:`log_odds_terms`).

    The prior is the word counts of all comments (every group). Words used
    fewer than ``min_count`` times by ``a`` and ``b`` together are left out.

    Returns
    -------
    DataFrame
        ``leans`` (``a`` or ``b``), ``term``, ``count_a``, ``count_b``, ``z``:
        the ``n`` most ``a``-leaning words with z > 0, then the ``n`` most
        ``b``-leaning with z < 0.
    """
    cols = ["leans", "term", "count_a", "count_b", "z"]
    if tokens is None or tokens.empty:
        return empty_frame(cols)
    g = tokens["doc"].map(groups).astype(object)
    background = tokens.groupby("token").size()
    ca = tokens[g == a].groupby("token").size()
    cb = tokens[g == b].groupby("token").size()
    if ca.empty or cb.empty:
        return empty_frame(cols)
    lo = log_odds_terms(ca, cb, background, prior_scale=prior_scale)
    lo = lo[(lo["count_a"] + lo["count_b"]) >= min_count]
    side_a = lo[lo["z"] > 0].head(n).assign(leans=a)
    side_b = lo[lo["z"] < 0].sort_values("z", kind="stable").head(n).assign(leans=b)
    return pd.concat([side_a, side_b], ignore_index=True)[cols]


def sample_comments(
    responses: pd.DataFrame | None,
    per_group: int = 3,
    *,
    seed: int = 0,
    max_chars: int = 200,
    comment_col: str = "comment",
    response_col: str = "response_date",
) -> pd.DataFrame:
    """A few comments per NPS group, drawn at random with a fixed seed.

    The text is returned as it was written (it must be displayed as text, e.g.
    with ``ctx.show``, which escapes HTML); longer comments are cut at
    ``max_chars`` with an ellipsis.

    Returns
    -------
    DataFrame
        ``nps_group``, ``nps``, ``month``, ``comment``.
    """
    cols = ["nps_group", "nps", "month", "comment"]
    if responses is None or responses.empty or comment_col not in responses:
        return empty_frame(cols)
    text = responses[comment_col].astype("string").str.strip()
    have = responses[text.fillna("").ne("") & responses["nps_group"].notna()]
    if have.empty:
        return empty_frame(cols)
    rng = np.random.default_rng(seed)
    picked = (
        have.assign(_key=rng.random(len(have)), _g=have["nps_group"].astype(str))
        .sort_values("_key")
        .groupby("_g", sort=False)
        .head(per_group)
    )
    comment = picked[comment_col].astype(str).str.strip()
    comment = comment.where(comment.str.len() <= max_chars, comment.str.slice(0, max_chars) + "…")
    out = pd.DataFrame(
        {
            "nps_group": picked["nps_group"],
            "nps": picked["nps"],
            "month": picked[response_col].dt.strftime("%Y-%m"),
            "comment": comment,
        }
    )
    return out.sort_values(["nps_group", "month"], kind="stable").reset_index(drop=True)
