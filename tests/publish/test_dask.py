"""The batch on a Dask LocalCluster: the same reports as the local pool, retries, clear errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from repurchase.core.errors import JobError
from repurchase.publish.cli import main
from repurchase.publish.fanout import check_address, check_shared_out, render_with_dask

ROOT = Path(__file__).resolve().parents[2]
ALL_PARAMS = sorted((ROOT / "params").glob("*.yaml"))
RECORD_ROWS = (
    "from repurchase.report import open_report\nctx = open_report(params_path, period, output_dir)\n"
    "ctx.record_metrics('tiny', {'n': len(ctx.transactions())})"
)


def test_addresses():
    assert check_address("local:2") == 2 and check_address("tcp://scheduler:8786") is None
    assert check_address("local") is not None and check_address("local")  # one per core
    for bad in ("local:0", "scheduler:8786", "local:x", "http://scheduler:8787"):
        with pytest.raises(JobError, match=r"--dask .*(not a cluster address|at least one worker)"):
            check_address(bad)
    with pytest.raises(JobError, match=r"--out s3://bucket/reports: object stores are not supported"):
        check_shared_out("s3://bucket/reports")


@pytest.mark.parametrize(
    "args,expected",
    [
        (["--dask", "scheduler:8786"], r"--dask 'scheduler:8786': not a cluster address; pass --dask local"),
        (["--dask", "local:2", "--out", "s3://bucket/r"], r"object stores are not supported"),
        (["--dask", "local:2", "--jobs", "2"], r"--jobs and --dask: pass one of them"),
        (["--dask", "tcp://127.0.0.1:9"], r"--dask tcp://127.0.0.1:9: cannot reach the scheduler"),
    ],
    ids=["bad-address", "object-store", "jobs-and-dask", "no-scheduler"],
)
def test_dask_cli_errors_are_one_clear_message(tmp_path, capsys, monkeypatch, args, expected):
    monkeypatch.setattr("repurchase.publish.fanout.CONNECT_TIMEOUT", "2s")
    code = main(["render", str(ALL_PARAMS[0]), "--out", str(tmp_path / "out"), *args])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert re.search(expected, err), err


@pytest.mark.heavy
def test_a_failed_job_is_retried_once_then_reported_and_the_rest_go_on(tmp_path, capsys, tiny_notebook):
    nbs = tmp_path / "notebooks"
    tries = tmp_path / "tries.txt"
    tiny_notebook(nbs / "01_ok.ipynb", RECORD_ROWS)
    tiny_notebook(
        nbs / "02_boom.ipynb",
        f"if 'cdnow' in params_path and period == '1998-05':\n"
        f"    open({str(tries)!r}, 'a').write('try\\n')\n"
        "    raise RuntimeError('boom in cdnow 1998-05')",
    )
    (tmp_path / "params").mkdir()
    (tmp_path / "tx.csv").write_text("c,d,a\nA,1998-05-03,5\nB,1998-06-10,6\n", encoding="utf-8")
    small = tmp_path / "params" / "small.yaml"
    small.write_text(
        "client: small\ntitle: Small\nsources:\n  transactions:\n    path: tx.csv\n"
        "    columns: {customer_id: c, order_date: d, amount: a}\n"
    )
    out = tmp_path / "reports"

    outcomes = render_with_dask(
        [ROOT / "params" / "cdnow.yaml", small], "1998-05..1998-06", address="local:2", out=out, notebooks_dir=nbs
    )
    text = capsys.readouterr().out
    assert [(o.client, o.period, o.ok) for o in outcomes] == [
        ("cdnow", "1998-05", False),
        ("cdnow", "1998-06", True),  # the client's next month still ran, after the retry
        ("small", "1998-05", True),
        ("small", "1998-06", True),
    ]
    assert tries.read_text().splitlines() == ["try", "try"]  # run twice: once, then one retry
    assert "boom in cdnow 1998-05" in outcomes[0].error
    assert len(re.findall(r"\[cdnow 1998-05\] failed, retrying once", text)) == 1
    assert re.search(r"\(\d/4\) \[cdnow 1998-05\] FAILED", text) and re.search(r"\(\d/4\) \[small 1998-06\] ok", text)
    assert not (out / "cdnow" / "1998-05").exists() and (out / "cdnow" / "1998-06" / "02_boom.html").exists()
    assert (out / "cdnow" / "_failed" / "1998-05" / "02_boom.ipynb").exists()
    index = (out / "index.html").read_text(encoding="utf-8")  # written once, at the end
    assert "cdnow/1998-06/01_ok.html" in index and "small/1998-05/01_ok.html" in index


@pytest.mark.render
@pytest.mark.heavy
def test_a_local_cluster_renders_the_bundled_clients_like_the_local_pool(rendered, tmp_path, assert_same_reports):
    out = tmp_path / "dask"
    outcomes = render_with_dask(ALL_PARAMS, None, address="local:2", out=out)
    assert [(o.client, o.period) for o in outcomes] == [(o.client, o.period) for o in rendered["outcomes"]]
    assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]
    assert {o.client for o in outcomes} == {"cdnow", "demo-online", "demo-stores"}
    assert_same_reports(rendered["out"], out)
    metrics = json.loads((out / "cdnow" / "1998-06" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["cleaning"]["raw_rows"] == 6919  # the real CDNOW report, not an empty one
