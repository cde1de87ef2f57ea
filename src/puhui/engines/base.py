"""The engine interface: read Parquet as Ibis tables, run Ibis expressions, hand results back as Arrow.

Definitions compile to Ibis expressions once; an engine only says where they run. The engine is chosen by the
``type`` key of its configuration (``{"type": "duckdb"}``, ``{"type": "spark", "master": "local[2]"}``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

import ibis
import pyarrow as pa
from ibis.backends import BaseBackend


class Engine(ABC):
    """One connection to a compute engine. Use as a context manager, or call ``close``."""

    type: ClassVar[str]

    @property
    @abstractmethod
    def backend(self) -> BaseBackend:
        """The Ibis backend, for literal tables and the rare backend-specific call."""

    @abstractmethod
    def read_parquet(self, files: Sequence[Path]) -> ibis.Table:
        """The rows of these Parquet files (same schema), as one table; no partition columns are derived."""

    def execute(self, expr: ibis.Table) -> pa.Table:
        return self.backend.to_pyarrow(expr)

    def execute_all(self, exprs: Iterable[ibis.Table]) -> Iterator[pa.Table]:
        """Several independent expressions, results in their order, each as soon as it is ready (the caller can
        work on it while later ones run); an engine may run them concurrently, and may draw the next expressions
        (building them is Python work) while it runs earlier ones."""
        for expr in exprs:
            yield self.execute(expr)

    def close(self) -> None:  # noqa: B027 — engines without resources keep the default
        """Release the engine's resources."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


__all__ = ["Engine"]
