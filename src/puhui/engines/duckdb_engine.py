"""DuckDB, in process: the default engine."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

import duckdb
import ibis
import pyarrow as pa
from ibis.backends import BaseBackend
from ibis.backends.duckdb.converter import DuckDBPyArrowData
from ibis.backends.sql.compilers.duckdb import DuckDBCompiler
from ibis.expr import operations as ops
from pydantic import BaseModel, ConfigDict

from puhui.engines.base import Engine


class DuckDBConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    type: Literal["duckdb"] = "duckdb"
    threads: int | None = None  # default: every core
    memory_limit: str | None = None  # e.g. "8GB"; default: DuckDB's (80 % of RAM)


class _Compiler(DuckDBCompiler):  # type: ignore[misc]  # Ibis ships no types for it
    """Ibis's DuckDB compiler with an arg-max that compares a plain key as it is. Ibis writes ``arg_max`` as an
    ordered ``FIRST``, which DuckDB plans as ``arg_min_null`` over a sort-key blob made for every row, even of an
    integer key; ``arg_max_null`` compares an integer or a date directly and, like ``FIRST``, takes a missing value
    of the chosen row too (residents' packed latest key on the 1.2 M city: 0.53-0.58 -> 0.42-0.53 s of CPU). Only
    a missing key differs: its row is never chosen, as with Spark's ``max_by``; the indicators' latest keys are
    never missing. A struct key keeps the ordered ``FIRST``: ``arg_max_null`` over it measured slower."""

    __slots__ = ()

    def visit_ArgMax(self, op: ops.ArgMax, *, arg: Any, key: Any, where: Any) -> Any:
        if op.key.dtype.is_struct():
            return super().visit_ArgMax(op, arg=arg, key=key, where=where)
        return self.agg.arg_max_null(arg, key, where=where)


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
        self._con.compiler = _Compiler()
        self._views = 0
        # The engine's own connection serves one thread at a time: sources are registered on it while plans that
        # read in-memory tables run on it (``execute_all``).
        self._connection_lock = threading.Lock()

    @property
    def backend(self) -> BaseBackend:
        return self._con

    def read_parquet(self, files: Sequence[Path]) -> ibis.Table:
        # A view in the engine's own in-memory database, not Ibis's temporary view: a temporary view belongs to
        # one connection, and ``execute_all`` runs plans on several.
        listed = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
        scan = f"read_parquet([{listed}], hive_partitioning = false)"
        with self._connection_lock:
            self._views += 1
            name = f"puhui_source_{self._views}"
            self._con.con.execute(f"CREATE VIEW {name} AS SELECT * FROM {scan}")
            return self._con.table(name)

    def execute(self, expr: ibis.Table) -> pa.Table:
        return self._fetch(expr, self._con.compile(expr))

    def execute_all(self, exprs: Iterable[ibis.Table]) -> Iterator[pa.Table]:
        # As many plans at once as DuckDB has threads, each on its own connection to the engine's database and on one
        # thread: a plan's last phases (the final aggregation, the fetch to Arrow) use one thread, so one plan at a
        # time left a core idle (refresh of the 1.2 M city 4.3-4.4 -> 3.8-3.9 s, same CPU), and plans of two threads
        # each oversubscribed the cores (8.6-9.1 -> 7.2-8.2 s of CPU, 4.5-7.8 -> 3.8-5.2 s). Building and compiling
        # the next expressions and registering their sources (Python, holding the GIL) goes on in the calling thread
        # meanwhile, while DuckDB runs earlier ones.
        threads = int(self._con.con.execute("SELECT current_setting('threads')").fetchall()[0][0])
        connections = threading.local()
        opened: list[duckdb.DuckDBPyConnection] = []

        def run(expr: ibis.Table, sql: str) -> pa.Table:
            if expr.op().find(ops.InMemoryTable):  # in-memory tables are registered on the engine's connection only
                with self._connection_lock:
                    return self._fetch(expr, sql)
            if (connection := getattr(connections, "connection", None)) is None:
                with self._connection_lock:
                    connection = connections.connection = self._con.con.cursor()
                    opened.append(connection)
            return self._fetch(expr, sql, connection)

        def compiled() -> Iterator[tuple[ibis.Table, str]]:
            for expr in exprs:
                yield expr, self._con.compile(expr)

        self._con.con.execute("SET threads = 1")  # the database's setting, every connection's
        try:
            with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="puhui-plan") as pool:
                yield from pool.map(lambda pair: run(*pair), compiled())
        finally:
            for connection in opened:
                connection.close()
            with self._connection_lock:
                self._con.con.execute(f"SET threads = {threads}")

    def _fetch(self, expr: ibis.Table, sql: str, connection: duckdb.DuckDBPyConnection | None = None) -> pa.Table:
        """What the backend's ``to_pyarrow`` does, from SQL compiled beforehand: on the engine's own connection, or
        on ``connection``, another of its database's (which sees no in-memory tables)."""
        if connection is None:
            self._con._run_pre_execute_hooks(expr)  # registers in-memory tables the expression reads
            connection = self._con.con
        table = connection.sql(sql).to_arrow_table()
        result: pa.Table = expr.__pyarrow_result__(table, data_mapper=DuckDBPyArrowData)
        return result

    def close(self) -> None:
        self._con.disconnect()


__all__ = ["DuckDBConfig", "DuckDBEngine"]
