"""DuckDB, in process: the default engine."""

from __future__ import annotations

from collections.abc import Sequence
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

    def read_parquet(self, files: Sequence[Path]) -> ibis.Table:
        return self._con.read_parquet([str(f) for f in files], hive_partitioning=False)

    def close(self) -> None:
        self._con.disconnect()


__all__ = ["DuckDBConfig", "DuckDBEngine"]
