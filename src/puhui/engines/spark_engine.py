"""PySpark: the scale-out engine (local mode here, a cluster in production).

Spark stays on loopback (``SPARK_LOCAL_IP``, driver host and bind address 127.0.0.1) and keeps timestamps in
UTC, so an as-of cut-off means the same instant as on DuckDB. One Spark session serves the whole process:
starting the JVM costs seconds, so engines share it and ``close`` leaves it running unless asked to stop it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar, Literal

import ibis
import ibis.expr.operations as ops
import pyarrow as pa
from ibis.backends import BaseBackend
from ibis.backends.sql.compilers.pyspark import PySparkCompiler
from ibis.formats.pyarrow import PyArrowData
from pydantic import BaseModel, ConfigDict

from puhui.engines.base import Engine


class SparkConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    type: Literal["spark"] = "spark"
    master: str = "local[2]"
    shuffle_partitions: int = 8
    driver_memory: str = "4g"
    stop_on_close: bool = False
    concurrent_jobs: int = 4  # independent plans submitted at once
    options: dict[str, str] = {}  # further spark.* settings, e.g. for small test data


def spark_session(config: SparkConfig) -> Any:
    """The process's Spark session, started on first use with loopback networking."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master(config.master)
        .appName("puhui")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.memory", config.driver_memory)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", str(config.shuffle_partitions))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
    )
    for key, value in config.options.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


class _Compiler(PySparkCompiler):  # type: ignore[misc]  # Ibis ships no types for it
    """Ibis's PySpark compiler with the grouped bit-or Spark has (distinct months are counted as bits)."""

    __slots__ = ()

    SIMPLE_OPS: ClassVar = {**PySparkCompiler.SIMPLE_OPS, ops.BitOr: "bit_or"}


class SparkEngine(Engine):
    type = "spark"

    def __init__(self, config: SparkConfig | None = None) -> None:
        self.config = config or SparkConfig()
        self._session = spark_session(self.config)
        self._session.sparkContext.setLogLevel("ERROR")
        self._con = ibis.pyspark.connect(self._session)
        self._con.compiler = _Compiler()
        self._views = 0

    @property
    def backend(self) -> BaseBackend:
        return self._con

    def read_parquet(self, files: Sequence[Path]) -> ibis.Table:
        self._views += 1
        name = f"puhui_parquet_{self._views}"
        self._session.read.parquet(*(str(f) for f in files)).createOrReplaceTempView(name)
        return self._con.table(name)

    def execute(self, expr: ibis.Table) -> pa.Table:
        # Straight to Arrow: the backend's own to_pyarrow goes through pandas, slower and lossier.
        self._con._run_pre_execute_hooks(expr)  # registers in-memory tables the expression reads
        table = self._session.sql(self._con.compile(expr)).toArrow()
        return PyArrowData.convert_table(table.rename_columns(expr.columns), expr.schema())

    def execute_all(self, exprs: Iterable[ibis.Table]) -> Iterator[pa.Table]:
        # Each Spark job costs about a second of driver work whatever its data; concurrent jobs overlap it.
        with ThreadPoolExecutor(self.config.concurrent_jobs) as pool:
            yield from pool.map(self.execute, exprs)

    def close(self) -> None:
        if self.config.stop_on_close:
            self._session.stop()


__all__ = ["SparkConfig", "SparkEngine", "spark_session"]
