"""DuckDB, in process: the default engine."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import ibis
from ibis.backends import BaseBackend
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
        settings: dict[str, object] = {}
        if self.config.threads:
            settings["threads"] = self.config.threads
        if self.config.memory_limit:
            settings["memory_limit"] = self.config.memory_limit
        self._con = ibis.duckdb.connect(**settings)

    @property
    def backend(self) -> BaseBackend:
        return self._con

    def read_parquet(self, path: Path, *, partitioned: bool = True) -> ibis.Table:
        if path.is_dir():
            return self._con.read_parquet(str(path / "**" / "*.parquet"), hive_partitioning=partitioned)
        return self._con.read_parquet(str(path))

    def close(self) -> None:
        self._con.disconnect()


__all__ = ["DuckDBConfig", "DuckDBEngine"]
