"""Rendering: every client end to end, atomic failure handling, clear CLI errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from repurchase.publish.cli import main
from repurchase.publish.render import find_notebooks, render_reports

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = find_notebooks(ROOT / "notebooks")


# ---------------------------------------------------------------------------
# the real notebooks, every client


def test_every_client_renders(rendered):
    outcomes = rendered["outcomes"]
    assert {o.client for o in outcomes} == {"cdnow", "demo-online", "demo-stores"}
    failed = [(o.client, o.error) for o in outcomes if not o.ok]
    assert not failed, failed
    for o in outcomes:
        htmls = sorted(p.name for p in o.report_dir.glob("*.html"))
        assert htmls == sorted(f"{nb.stem}.html" for nb in NOTEBOOKS)
        assert (o.report_dir / "metrics.json").exists()


def test_metrics_have_every_notebook_section_and_a_balanced_ledger(rendered):
    for o in rendered["outcomes"]:
        m = json.loads((o.report_dir / "metrics.json").read_text(encoding="utf-8"))
        assert m["client"] == o.client and m["period"] == o.period and m["generated_at"]
        c = m["cleaning"]
        assert c["raw_rows"] == c["kept_rows"] + c["fixed_rows"] + c["excluded_rows"]
        assert sum(c["excluded_by_rule"].values()) == c["excluded_rows"]


def test_demo_ledgers_show_the_designed_mess(rendered):
    by_client = {
        o.client: json.loads((o.report_dir / "metrics.json").read_text(encoding="utf-8")) for o in rendered["outcomes"]
    }
    for client in ("demo-online", "demo-stores"):
        c = by_client[client]["cleaning"]
        for rule in (
            "duplicate_row",
            "missing_customer_id",
            "unparseable_date",
            "dated_after_export",
            "zero_amount",
            "negative_amount",
            "refund_netted",
            "cancelled_order",
        ):
            assert c["excluded_by_rule"].get(rule, 0) > 0, (client, rule)
        for rule in ("id_normalized", "amount_text_parsed", "date_format_normalized"):
            assert c["fixed_by_rule"].get(rule, 0) > 0, (client, rule)
    cd = by_client["cdnow"]["cleaning"]
    assert cd["raw_rows"] == cd["kept_rows"] == 6919 and cd["customers"] == 2357


def test_recommendations_use_a_baseline_exactly_when_it_wins(rendered):
    by_client = {
        o.client: json.loads((o.report_dir / "metrics.json").read_text(encoding="utf-8")) for o in rendered["outcomes"]
    }
    for client in ("demo-online", "demo-stores"):
        r = by_client[client]["recommendations"]
        baselines = {
            "bestsellers": r["baseline_bestseller_hit_rate_at_k"],
            "own_items": r["baseline_own_items_hit_rate_at_k"],
        }
        if r["method"] in baselines:  # the report then says a baseline wins (tests/recommendations)
            assert r["hit_rate_at_k"] >= max(baselines.values()), client
        else:
            assert r["hit_rate_at_k"] > max(baselines.values()), client
        assert r["hit_rate_at_k_low"] <= r["hit_rate_at_k"] <= r["hit_rate_at_k_high"]
        assert sum(r["triggers"].values()) > 0
    assert by_client["demo-online"]["recommendations"]["method"] not in ("bestsellers", "own_items")
    # CDNOW has no products or categories: the report says so instead of recommending
    assert by_client["cdnow"]["recommendations"]["status"] == "unavailable"


def test_reports_hide_code_and_parameters(rendered):
    for o in rendered["outcomes"]:
        for html_file in o.report_dir.glob("*.html"):
            text = __import__("re").sub(
                r"data:[a-z/+]+;base64,[A-Za-z0-9+/=]+", "", html_file.read_text(encoding="utf-8")
            )
            assert "open_report(" not in text and "params_path" not in text, html_file
            assert 'class="jp-InputArea-editor' not in text and 'class="highlight' not in text, html_file
            assert "<script src=" not in text and "cdnjs" not in text and "unpkg" not in text, html_file
            assert not __import__("re").search(r'(src|href)="(https?:)?//', text), html_file


def test_index_links_every_client(rendered):
    index = (rendered["out"] / "index.html").read_text(encoding="utf-8")
    for o in rendered["outcomes"]:
        for nb in NOTEBOOKS:
            assert f'href="{o.client}/{o.period}/{nb.stem}.html"' in index


def test_quarantine_file_next_to_the_report(rendered):
    for o in rendered["outcomes"]:
        m = json.loads((o.report_dir / "metrics.json").read_text(encoding="utf-8"))
        lines = (o.report_dir / "quarantine.csv").read_text(encoding="utf-8-sig").splitlines()
        assert len(lines) - 1 == m["cleaning"]["excluded_rows"]  # header + one line per excluded row


# ---------------------------------------------------------------------------
# failure handling, on tiny notebooks


OK_CODE = "from repurchase.report import open_report\nctx = open_report(params_path, period, output_dir)\nctx.record_metrics('tiny', {'n': len(ctx.transactions())})\nprint('rows', len(ctx.transactions()))"


@pytest.fixture
def tiny(tmp_path, tiny_notebook):
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    tiny_notebook(nbs / "01_ok.ipynb", OK_CODE)
    (tmp_path / "params").mkdir()
    (tmp_path / "tx.csv").write_text("c,d,a\nA,2026-01-01,5\nB,2026-01-31,6\n", encoding="utf-8")
    small = tmp_path / "params" / "small.yaml"
    small.write_text(
        "client: small\ntitle: Small\nsources:\n  transactions:\n    path: tx.csv\n    columns: {customer_id: c, order_date: d, amount: a}\n"
    )
    return {"nbs": nbs, "small": small, "cdnow": ROOT / "params" / "cdnow.yaml", "out": tmp_path / "reports"}


@pytest.mark.heavy
def test_failed_notebook_keeps_previous_report_and_batch_goes_on(tiny, capsys, tiny_notebook):
    first = render_reports([tiny["cdnow"]], None, out=tiny["out"], notebooks_dir=tiny["nbs"])
    assert first[0].ok
    good = tiny["out"] / "cdnow" / "1998-06" / "01_ok.html"
    before = good.read_bytes()

    tiny_notebook(tiny["nbs"] / "02_boom.ipynb", "if 'cdnow' in params_path:\n    raise RuntimeError('boom in cdnow')")
    outcomes = render_reports([tiny["cdnow"], tiny["small"]], None, jobs=2, out=tiny["out"], notebooks_dir=tiny["nbs"])
    by = {o.client: o for o in outcomes}
    assert not by["cdnow"].ok and "boom in cdnow" in by["cdnow"].error
    assert by["cdnow"].failed_notebook.exists()  # the executed notebook with the traceback is kept for debugging
    assert "boom in cdnow" in by["cdnow"].failed_notebook.read_text(encoding="utf-8")
    assert good.read_bytes() == before  # the earlier good report is untouched
    assert not (tiny["out"] / "cdnow" / "1998-06" / "02_boom.html").exists()
    assert by["small"].ok and (tiny["out"] / "small" / "2026-01" / "02_boom.html").exists()
    assert not list((tiny["out"] / "cdnow").glob(".*staging*"))  # no half-written folder left behind
    index = (tiny["out"] / "index.html").read_text(encoding="utf-8")
    assert "cdnow/1998-06/01_ok.html" in index and "small/2026-01/01_ok.html" in index


@pytest.mark.heavy
def test_backfill_range_renders_each_month(tiny):
    outcomes = render_reports([tiny["cdnow"]], "1998-04..1998-06", out=tiny["out"], notebooks_dir=tiny["nbs"])
    assert [o.period for o in outcomes] == ["1998-04", "1998-05", "1998-06"] and all(o.ok for o in outcomes)
    rows = {o.period: json.loads((o.report_dir / "metrics.json").read_text())["tiny"]["n"] for o in outcomes}
    assert rows["1998-04"] < rows["1998-05"] < rows["1998-06"] == 6919  # each month sees only its own past


# ---------------------------------------------------------------------------
# clear errors from validate and render, never a traceback


def _broken(tmp_path: Path, **edits: str) -> Path:
    (tmp_path / "params").mkdir(exist_ok=True)
    data = tmp_path / "tx.csv"
    if not data.exists():
        data.write_bytes("会员,日期,金额\nA,2026-01-01,5\nB,2026-01-31,6\n".encode("gbk"))
    text = (
        "client: broken\ntitle: Broken\nsources:\n  transactions:\n    path: tx.csv\n    encoding: gbk\n"
        "    columns: {customer_id: 会员, order_date: 日期, amount: 金额}\n"
    )
    for old, new in edits.items():
        text = text.replace(old, new)
    p = tmp_path / "params" / "broken.yaml"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize(
    "edit,expected",
    [
        (
            {"order_date: 日期": "order_date: 下单日期"},
            r"sources.transactions.columns.order_date: column '下单日期' not found .*Columns found: 会员, 日期, 金额",
        ),
        ({"tx.csv": "missing.csv"}, r"sources.transactions.path: file not found: .*missing.csv"),
        ({"title:": "titel:"}, r"unknown key 'titel'; did you mean 'title'\?"),
        ({"encoding: gbk": "encoding: utf-8"}, r"cannot be read as utf-8 .*set sources.transactions.encoding: gbk"),
        ({"order_date: 日期": "order_date: 会员"}, r"100% of order_date values cannot be read .*date_format"),
    ],
    ids=["wrong-column", "missing-file", "unknown-key", "wrong-encoding", "unparseable-dates"],
)
@pytest.mark.parametrize("command", ["validate", "render"])
def test_cli_errors_are_short_and_name_the_fix(tmp_path, capsys, command, edit, expected):
    import re

    p = _broken(tmp_path, **edit)
    args = [command, str(p)] + (["--out", str(tmp_path / "out")] if command == "render" else [])
    code = main(args)
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert code != 0
    assert "Traceback" not in text
    assert re.search(expected, text, re.S), text
    assert "broken" in text  # names the params file or the data file of that client


# ---------------------------------------------------------------------------
# privacy: stakeholder reports carry no raw customer ID, e-mail or phone number

_TOKEN = __import__("re").compile(r"[A-Za-z0-9_]{5,}")
_EMAIL = __import__("re").compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
_PHONE = __import__("re").compile(r"(?<!\d)1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")
_DATA_URI = __import__("re").compile(r"data:[a-z/+]+;base64,[A-Za-z0-9+/=]+")


def _source_ids(demo_data: Path) -> set[str]:
    import pandas as pd

    ids: set[str] = set()
    for path, col, enc in (
        (demo_data / "online" / "transactions.csv", "member_id", "utf-8"),
        (demo_data / "online" / "customers.csv", "member_id", "utf-8"),
        (demo_data / "stores" / "transactions.csv", "会员ID", "gbk"),
    ):
        raw = pd.read_csv(path, usecols=[col], dtype=str, encoding=enc)[col].dropna().str.strip()
        ids |= set(raw) | set(raw.str.upper()) | set(raw.str.lower())
    return {i for i in ids if len(i) >= 5}


def test_demo_reports_leak_no_customer_ids_emails_or_phones(rendered, demo_data):
    ids = _source_ids(demo_data)
    assert len(ids) > 30_000  # the check really has the IDs to look for
    problems = []
    for o in rendered["outcomes"]:
        if not o.client.startswith("demo-"):
            continue
        for page in o.report_dir.glob("*.html"):
            text = _DATA_URI.sub("", page.read_text(encoding="utf-8"))
            leaked = set(_TOKEN.findall(text)) & ids
            if leaked:
                problems.append(f"{page.name}: customer IDs {sorted(leaked)[:3]}")
            for name, pattern in (("e-mail", _EMAIL), ("phone", _PHONE)):
                found = pattern.findall(text)
                if found:
                    problems.append(f"{page.name}: {name} {found[:3]}")
    assert not problems, "\n".join(problems)


def test_privacy_scan_would_catch_a_leak():
    text = "<td>C0010423</td><td>gluo1973@163.com</td><td>137-2623-1193</td>"
    assert set(_TOKEN.findall(text)) & {"C0010423"} and _EMAIL.findall(text) and _PHONE.findall(text)


# ---------------------------------------------------------------------------
# language: the Chinese client's reports are in Chinese

_LATIN_WORD = __import__("re").compile(r"\b[A-Za-z]{4,}\b")
#: Latin words a Chinese report may keep: abbreviations, model and method names
_ALLOWED_LATIN = {
    "NPS",
    "CSAT",
    "CLV",
    "RFM",
    "CRM",
    "VIP",
    "AUC",
    "ROC",
    "Brier",
    "Gamma",
    "Pareto",
    "Kaplan",
    "Meier",
    "Laney",
    "Johnson",
    "Wilson",
    "jieba",
    "lifetimes",
    "Noto",
    "Sans",
    "CNY",
    "Shapley",
    "Cochran",
}


def test_chinese_client_headings_and_tables_are_in_chinese(rendered):
    import html as html_lib
    import re

    (stores,) = [o for o in rendered["outcomes"] if o.client == "demo-stores"]
    problems = []
    for page in sorted(stores.report_dir.glob("*.html")):
        text = page.read_text(encoding="utf-8")
        parts = re.findall(r"<h[1-3][^>]*>(.*?)</h[1-3]>", text, re.S) + re.findall(r"<th>(.*?)</th>", text, re.S)
        parts += re.findall(r'<p class="rp-say">(.*?)</p>', text, re.S)
        for part in parts:
            plain = html_lib.unescape(re.sub(r"<code>.*?</code>|<[^>]+>", "", part))
            # params keys quoted in the text (repurchase.occasion: customer_day, refunds: net) and file paths
            # (exports/clv.csv) are configuration, not prose
            plain = re.sub(
                r"\b[a-z_]+/[a-z_./]+|\b[a-z_]+(\.[a-z_]+)+(:\s*[a-z_0-9]+)?|\b[a-z_]+:\s*[a-z_]+\b|\b[a-z]+_[a-z_]+\b",
                "",
                plain,
            )
            words = {w for w in _LATIN_WORD.findall(plain) if w not in _ALLOWED_LATIN and not w.isupper()}
            if words:
                problems.append(f"{page.name}: {plain.strip()[:80]!r} has {sorted(words)[:4]}")
    assert not problems, "\n".join(problems[:30])


# ---------------------------------------------------------------------------
# output safety (issue #13): notebooks found from anywhere, the previous report kept, leftovers removed


def test_notebooks_are_located_from_the_repository_or_the_package(tmp_path):
    from repurchase.publish.render import locate_notebooks

    assert locate_notebooks(ROOT / "params" / "cdnow.yaml") == (
        ROOT / "notebooks",
        f"found as the notebooks/ folder of the repository holding {ROOT / 'params' / 'cdnow.yaml'}",
    )
    (tmp_path / "params").mkdir()
    (tmp_path / "notebooks").mkdir()  # a repository-like folder whose notebooks/ is empty: the package's are used
    folder, how = locate_notebooks(tmp_path / "params" / "x.yaml")
    assert folder == ROOT / "notebooks" and "repository of the repurchase package" in how


def test_a_failed_swap_puts_the_previous_report_back(tmp_path, monkeypatch):
    from repurchase.publish import render

    final, staging = tmp_path / "2026-01", tmp_path / ".2026-01.staging-1"
    final.mkdir()
    (final / "01.html").write_text("good")
    staging.mkdir()
    real = render.os.replace
    calls = []

    def flaky(src, dst):
        calls.append(src)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(render.os, "replace", flaky)
    with pytest.raises(OSError):
        render._swap_in(staging, final)
    assert (final / "01.html").read_text() == "good"


def test_dead_staging_folders_are_removed_live_ones_kept(tmp_path):
    import os

    from repurchase.publish.render import remove_dead_staging

    dead = [tmp_path / ".2026-01.staging-4194999", tmp_path / ".2026-02.old-4194998"]
    alive = [tmp_path / f".2026-01.staging-{os.getppid()}", tmp_path / f".2026-01.staging-{os.getpid()}"]
    other = [tmp_path / "2026-01", tmp_path / ".2026-01.staging-x"]
    for d in dead + alive + other:
        d.mkdir()
    assert sorted(remove_dead_staging(tmp_path)) == sorted(dead)
    assert all(d.exists() for d in alive + other) and not any(d.exists() for d in dead)
    assert remove_dead_staging(tmp_path / "missing") == []


def test_output_folder_checks(tmp_path):
    from repurchase.core.errors import OutputError
    from repurchase.publish.render import check_output_dir

    check_output_dir(tmp_path / "new" / "reports")
    assert (tmp_path / "new" / "reports").is_dir()
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputError, match=r"--out .*f: is a file, not a folder"):
        check_output_dir(tmp_path / "f")
    with pytest.raises(OutputError, match=r"--out .*f/sub: cannot write there \(.*is a file, not a folder\)"):
        check_output_dir(tmp_path / "f" / "sub")
