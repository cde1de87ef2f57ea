"""DuckDB, in process: the default engine."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Literal

import ibis
import pyarrow as pa
from ibis.backends import BaseBackend
from ibis.backends.duckdb.converter import DuckDBPyArrowData
from pydantic import BaseModel, ConfigDict

from puhui.engines.base import Engine


class DuckDBConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    type: Literal["duckdb"] = "duckdb"
    threads: int | None = None  # default: every core
    memory_limit: str | None = None  # e.g. "8GB"; default: DuckDB's (80 % of RAM)


class DuckDBEngine(Engine):
    type = "duckdb"

    def __init__(self, config: DuckDBConfig | None = None) -> None:
        self.config = config or DuckDBConfig()
        # Ibis writes list lambdas with the single arrow (``x -> x IS NULL``), which DuckDB 2 accepts only when
        # asked to; distinct counts use them.
        settings: dict[str, object] = {"lambda_syntax": "ENABLE_SINGLE_ARROW"}
        if self.config.threads:
            settings["threads"] = self.config.threads
        if self.config.memory_limit:
            settings["memory_limit"] = self.config.memory_limit
        self._con = ibis.duckdb.connect(**settings)

    @property
    def backend(self) -> BaseBackend:
        return self._con

    def read_parquet(self, files: Sequence[Path]) -> ibis.Table:
        return self._con.read_parquet([str(f) for f in files], hive_partitioning=False)

    def execute(self, expr: ibis.Table) -> pa.Table:
        return self._fetch(expr, self._con.compile(expr))

    def execute_all(self, exprs: Iterable[ibis.Table]) -> Iterator[pa.Table]:
        # Building and compiling an expression is Python (holding the GIL), running it is DuckDB (releasing it):
        # a second thread builds and compiles the next expressions while DuckDB runs this one.
        compiled: queue.Queue[tuple[ibis.Table, str] | BaseException | None] = queue.Queue()

        def compile_all() -> None:
            try:
                for expr in exprs:
                    compiled.put((expr, self._con.compile(expr)))
            except BaseException as error:  # handed to the caller's thread
                compiled.put(error)
                return
            compiled.put(None)

        threading.Thread(target=compile_all, name="puhui-compile", daemon=True).start()
        while (item := compiled.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield self._fetch(*item)

    def _fetch(self, expr: ibis.Table, sql: str) -> pa.Table:
        """What the backend's ``to_pyarrow`` does, from SQL compiled beforehand."""
        self._con._run_pre_execute_hooks(expr)  # registers in-memory tables the expression reads
        table = self._con.con.sql(sql).to_arrow_table()
        result: pa.Table = expr.__pyarrow_result__(table, data_mapper=DuckDBPyArrowData)
        return result

    def close(self) -> None:
        self._con.disconnect()


__all__ = ["DuckDBConfig", "DuckDBEngine"]
