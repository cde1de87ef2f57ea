"""Compute engines (DuckDB by default, Spark for scale-out) behind one small interface.

``create_engine({"type": "duckdb"})`` or ``create_engine(SparkConfig())``: the ``type`` key chooses the engine.
The Spark module is imported only when a Spark engine is asked for (PySpark is an optional dependency).
"""

from __future__ import annotations

from typing import Any

from puhui.core.errors import ValidationError
from puhui.engines.base import Engine
from puhui.engines.duckdb_engine import DuckDBConfig, DuckDBEngine

ENGINE_TYPES = ("duckdb", "spark")


def create_engine(config: Any = None) -> Engine:
    """An engine from a config object or a mapping with a ``type`` key (``None`` means DuckDB)."""
    if config is None:
        return DuckDBEngine()
    raw = config if isinstance(config, dict) else config.model_dump()
    kind = raw.get("type", "duckdb")
    if kind == "duckdb":
        return DuckDBEngine(DuckDBConfig.model_validate(raw))
    if kind == "spark":
        from puhui.engines.spark_engine import SparkConfig, SparkEngine

        return SparkEngine(SparkConfig.model_validate(raw))
    raise ValidationError(f"unknown engine type {kind!r}; choose one of {', '.join(ENGINE_TYPES)}")


__all__ = ["ENGINE_TYPES", "DuckDBConfig", "DuckDBEngine", "Engine", "create_engine"]
