"""The same identity checks on a real second engine: local PySpark (``make test-spark``; needs Java).

Marked ``spark``: the default run deselects it (``-m "not spark"`` in
pyproject.toml); ``make test-spark``, which ``.ci/run`` calls, runs it. The
session is local (``local[1]``), without UI, bound to 127.0.0.1, in UTC.
"""

from __future__ import annotations

import os
import shutil

import ibis
import pytest
from identity import check_identity, engine_frame, frames

from repurchase.warehouse import spark_session

pytestmark = [
    pytest.mark.spark,
    # skipped without Java on a laptop; in CI (.ci/run installs Java) a missing Java fails instead of skipping
    pytest.mark.skipif(
        shutil.which("java") is None and not os.environ.get("CI"),
        reason="PySpark needs Java (.ci/run installs default-jre-headless)",
    ),
]


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    session = spark_session("repurchase-tests", warehouse_dir=tmp_path_factory.mktemp("spark-warehouse"))
    session.sparkContext.setLogLevel("ERROR")
    yield ibis.pyspark.connect(session)
    session.stop()


@pytest.mark.parametrize("name", ["cdnow", "demo"])
def test_pyspark_equals_pandas(spark, name, cdnow_tx, demo_clean):
    tx, period = frames(cdnow_tx, demo_clean)[name]
    table = spark.create_table(f"tx_{name}", obj=engine_frame(tx), overwrite=True)
    check_identity(tx, table, period)
