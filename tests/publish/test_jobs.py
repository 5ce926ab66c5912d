"""Jobs as data: ``jobs`` prints the batch as JSON lines, ``render-job`` renders one, ``index`` writes the index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from repurchase.core.errors import JobError
from repurchase.publish.cli import main
from repurchase.publish.jobs import Job, build_jobs, by_params_file
from repurchase.publish.render import render_reports

RECORD_ROWS = (
    "from repurchase.report import open_report\nctx = open_report(params_path, period, output_dir)\n"
    "ctx.record_metrics({section!r}, {{'n': len(ctx.transactions())}})"
)
ROOT = Path(__file__).resolve().parents[2]
CDNOW = ROOT / "params" / "cdnow.yaml"


def _params(folder: Path, client: str, period: str | None = None) -> Path:
    folder.mkdir(exist_ok=True)
    p = folder / f"{client}.yaml"
    text = f"client: {client}\ntitle: {client}\n" + (f"period: {period}\n" if period else "")
    text += "sources:\n  transactions:\n    path: tx.csv\n    columns: {customer_id: c, order_date: d, amount: a}\n"
    p.write_text(text, encoding="utf-8")
    (folder.parent / "tx.csv").write_text("c,d,a\nA,2026-01-01,5\n", encoding="utf-8")
    return p


def _jobs(capsys, *args: str) -> tuple[int, list[dict], str]:
    code = main(["jobs", *args])
    captured = capsys.readouterr()
    return code, [json.loads(line) for line in captured.out.splitlines()], captured.err


def test_jobs_lists_each_params_file_s_months_oldest_first(tmp_path, capsys):
    a, b = _params(tmp_path / "params", "a"), _params(tmp_path / "params", "b")
    code, lines, err = _jobs(capsys, str(b), str(a), "--period", "2025-11..2026-02")
    assert code == 0 and err == ""
    months = ["2025-11", "2025-12", "2026-01", "2026-02"]  # across the year end: calendar order
    assert lines == [{"params": str(b), "period": m} for m in months] + [
        {"params": str(a), "period": m} for m in months
    ]


def test_jobs_use_each_file_s_own_period_and_name_a_notebooks_folder(tmp_path, capsys):
    a = _params(tmp_path / "params", "a", period="2026-03")
    b = _params(tmp_path / "params", "b")  # no period: latest, resolved when the job runs
    code, lines, _ = _jobs(capsys, str(a), str(b), "--notebooks", "nbs")
    assert code == 0
    assert lines == [
        {"params": str(a), "period": "2026-03", "notebooks": "nbs"},
        {"params": str(b), "period": "latest", "notebooks": "nbs"},
    ]


def test_jobs_report_a_broken_params_file_and_list_the_others(tmp_path, capsys):
    good = _params(tmp_path / "params", "good", period="2026-01")
    bad = tmp_path / "params" / "bad.yaml"
    bad.write_text("client: bad\ntitel: Bad\n", encoding="utf-8")
    code, lines, err = _jobs(capsys, str(bad), str(good))
    assert code == 2
    assert lines == [{"params": str(good), "period": "2026-01"}]
    assert "bad.yaml" in err and "unknown key 'titel'" in err and "Traceback" not in err
    code, lines, err = _jobs(capsys, str(good), "--period", "2026-05..2026-01")
    assert code == 2 and lines == [] and "ends before it starts" in err


def test_consecutive_jobs_of_one_params_file_form_one_group():
    jobs = [Job("a.yaml", "2026-01"), Job("a.yaml", "2026-02"), Job("b.yaml", "2026-01"), Job("a.yaml", "2026-03")]
    assert by_params_file(jobs) == [jobs[:2], jobs[2:3], jobs[3:]]
    assert build_jobs([Path("a.yaml")], "2026-01..2026-02", Path("nbs"))[0] == [
        Job("a.yaml", "2026-01", "nbs"),
        Job("a.yaml", "2026-02", "nbs"),
    ]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("{params: x}", r"is not JSON \(Expecting property name"),
        ('["params/cdnow.yaml", "1998-06"]', r"is not a JSON object"),
        ('{"params": "params/cdnow.yaml"}', r"no 'period'"),
        ('{"params": "p.yaml", "period": "1998-06", "out": "x"}', r"unknown key 'out'"),
        ('{"params": 3, "period": "1998-06"}', r"'params' must be a non-empty string, got 3"),
        ('{"params": "p.yaml", "period": "1998-05..1998-06"}', r"not one month \(YYYY-MM\) or latest"),
    ],
    ids=["not-json", "not-object", "no-period", "unknown-key", "wrong-type", "a-range"],
)
def test_a_malformed_job_is_one_clear_message_and_exit_2(tmp_path, capsys, text, expected):
    import re

    with pytest.raises(JobError, match=expected):
        Job.from_json(text)
    code = main(["render-job", text, "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert "Traceback" not in captured.err and len(captured.err.strip().splitlines()) == 1
    assert re.search(expected, captured.err) and "python -m repurchase jobs" in captured.err
    assert not (tmp_path / "out").exists()  # nothing was rendered


def test_a_job_line_reads_back_as_the_same_job():
    job = Job("params/客户.yaml", "latest", "notebooks")
    assert Job.from_json(job.to_json()) == job
    assert Job.from_json('{"params": "p.yaml", "period": "2026-01", "notebooks": null}') == Job("p.yaml", "2026-01")


# ---------------------------------------------------------------------------
# jobs + render-job reproduce the batch


@pytest.mark.heavy
def test_jobs_and_render_job_reproduce_a_local_batch(tmp_path, capsys, tiny_notebook, assert_same_reports):
    nbs = tmp_path / "notebooks"
    tiny_notebook(nbs / "01_ok.ipynb", RECORD_ROWS.format(section="tiny"))
    tiny_notebook(nbs / "02_ok.ipynb", RECORD_ROWS.format(section="tiny2"))
    batch, by_jobs = tmp_path / "batch", tmp_path / "jobs"
    outcomes = render_reports([CDNOW], "1998-05..1998-06", out=batch, notebooks_dir=nbs)
    assert [(o.period, o.ok) for o in outcomes] == [("1998-05", True), ("1998-06", True)]
    capsys.readouterr()

    code, lines, _ = _jobs(capsys, str(CDNOW), "--period", "1998-05..1998-06", "--notebooks", str(nbs))
    assert code == 0 and [j["period"] for j in lines] == ["1998-05", "1998-06"]
    for line in lines:
        assert main(["render-job", json.dumps(line), "--out", str(by_jobs)]) == 0
        assert "1 report(s) rendered, 0 failed" in capsys.readouterr().out
    assert not (by_jobs / "index.html").exists()  # render-job leaves the index to `index`
    assert main(["index", "--out", str(by_jobs)]) == 0

    assert sorted(f"{d.parent.name}/{d.name}" for d in batch.glob("*/[0-9]*")) == ["cdnow/1998-05", "cdnow/1998-06"]
    assert_same_reports(batch, by_jobs)
    assert (batch / "index.html").read_bytes() == (by_jobs / "index.html").read_bytes()


@pytest.mark.heavy
def test_a_failed_render_job_exits_1_and_keeps_the_previous_report(tmp_path, capsys, tiny_notebook):
    nbs = tmp_path / "notebooks"
    tiny_notebook(nbs / "01_ok.ipynb", RECORD_ROWS.format(section="tiny"))
    job = Job(str(CDNOW), "1998-06", str(nbs)).to_json()
    out = tmp_path / "reports"
    assert main(["render-job", job, "--out", str(out)]) == 0
    good = (out / "cdnow" / "1998-06" / "01_ok.html").read_bytes()
    tiny_notebook(nbs / "02_boom.ipynb", "raise RuntimeError('boom')")
    assert main(["render-job", job, "--out", str(out)]) == 1
    text = capsys.readouterr().out
    assert "0 report(s) rendered, 1 failed" in text and "boom" in text
    assert (out / "cdnow" / "1998-06" / "01_ok.html").read_bytes() == good
    assert not (out / "cdnow" / "1998-06" / "02_boom.html").exists()
