"""Where the aggregation runs: pandas, embedded DuckDB, or the Ibis backend named in params.

``engine`` in params (``auto | pandas | duckdb``) chooses between pandas and
DuckDB for file sources; ``sources.transactions.backend`` (``duckdb``,
``pyspark`` or an Ibis connection URL such as ``duckdb:///x.duckdb``) with
``table`` names a warehouse table the aggregation runs in, instead of files.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from repurchase.core.errors import AnalysisError

if TYPE_CHECKING:
    import ibis.expr.types as ir
    from ibis.backends import BaseBackend

__all__ = ["AUTO_DUCKDB_LINES", "choose_engine", "connect", "duckdb_connection", "parquet_table", "spark_session"]

#: ``engine: auto`` runs the aggregation in DuckDB when the cleaned log has more lines than this
AUTO_DUCKDB_LINES = 2_000_000


def choose_engine(engine: str, lines: int) -> str:
    """``pandas`` or ``duckdb`` for ``engine`` (``auto | pandas | duckdb``) and a log of ``lines`` lines.

    Raises
    ------
    AnalysisError
        For an unknown engine.
    """
    if engine == "auto":
        return "duckdb" if lines > AUTO_DUCKDB_LINES else "pandas"
    if engine in ("pandas", "duckdb"):
        return engine
    raise AnalysisError(f"unknown engine {engine!r}; use auto, pandas or duckdb (engine in the params file)")


def duckdb_connection(*, memory_limit: str | None = None, temp_directory: str | Path | None = None) -> BaseBackend:
    """An in-memory DuckDB connection; with ``memory_limit`` it spills to ``temp_directory``."""
    import ibis

    kw: dict[str, Any] = {}
    if memory_limit is not None:
        kw["memory_limit"] = memory_limit
    if temp_directory is not None:
        kw["temp_directory"] = str(temp_directory)
    return ibis.duckdb.connect(**kw)


def parquet_table(con: BaseBackend, path: str | Path, *, positions: bool = True) -> ir.Table:
    """A Parquet file as an Ibis table; ``positions`` adds ``file_row_number`` (the line's position)."""
    kw: dict[str, Any] = {"file_row_number": True} if positions else {}
    return con.read_parquet(Path(path), **kw)


def spark_session(app: str = "repurchase", *, warehouse_dir: str | Path | None = None) -> Any:
    """A local PySpark session on one core: no UI, bound to 127.0.0.1, session time zone UTC (naive timestamps).

    Tables it creates go to ``warehouse_dir`` (by default a new temporary folder),
    never to a ``spark-warehouse`` folder in the working directory.
    """
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    if warehouse_dir is None:
        warehouse_dir = tempfile.mkdtemp(prefix="repurchase-spark-")
    return (
        SparkSession.builder.master("local[1]")
        .appName(app)
        .config("spark.sql.warehouse.dir", Path(warehouse_dir).resolve().as_uri())
        .config("spark.ui.enabled", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.ansi.enabled", "false")
        .getOrCreate()
    )


def connect(backend: str) -> BaseBackend:
    """The Ibis connection ``sources.transactions.backend`` names.

    Parameters
    ----------
    backend
        ``duckdb`` (in memory), ``pyspark`` (a local session, :func:`spark_session`)
        or an Ibis connection URL (``duckdb:///path.duckdb``, ``postgres://…``).

    Raises
    ------
    AnalysisError
        When the backend cannot be reached, naming the fix.
    """
    import ibis

    if backend == "duckdb":
        return ibis.duckdb.connect()
    if backend == "pyspark":
        return ibis.pyspark.connect(spark_session())
    if "://" not in backend:
        raise AnalysisError(
            f"unknown backend {backend!r}; set sources.transactions.backend to duckdb, pyspark or an Ibis "
            "connection URL such as duckdb:///data/warehouse.duckdb"
        )
    try:
        return ibis.connect(backend)
    except Exception as exc:
        raise AnalysisError(
            f"cannot connect to sources.transactions.backend {backend!r}: {exc}; check the URL and that its "
            "Ibis backend is installed"
        ) from None
