"""Aggregate releases: counts of subjects by district, industry or any band, with small cells suppressed.

A cell is released only when at least ``k`` subjects fall in it (k = 5 by default); a smaller cell shows as
suppressed, without its count, so no count can single out a handful of people or firms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import ibis
import pyarrow as pa

from puhui.core.errors import ValidationError
from puhui.core.ids import SubjectKind
from puhui.engines.arrow_checks import decoded
from puhui.engines.duckdb_engine import DuckDBEngine
from puhui.gov.indicators.snapshot import SnapshotInfo, read_table

DEFAULT_MIN_CELL = 5


@dataclass(frozen=True)
class Cell:
    key: dict[str, Any]
    subjects: int | None  # None when suppressed

    @property
    def suppressed(self) -> bool:
        return self.subjects is None


@dataclass(frozen=True)
class AggregateRelease:
    kind: SubjectKind
    by: tuple[str, ...]
    min_cell: int
    as_of: str
    snapshot: str
    cells: list[Cell] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "by": list(self.by),
            "k": self.min_cell,
            "as_of": self.as_of,
            "snapshot": self.snapshot,
            "cells": [{**c.key, "subjects": c.subjects, "suppressed": c.suppressed} for c in self.cells],
        }


def release_counts(
    snapshot: SnapshotInfo, kind: SubjectKind, by: Sequence[str], *, min_cell: int = DEFAULT_MIN_CELL
) -> AggregateRelease:
    """Subjects of ``kind`` per combination of the ``by`` indicators in the snapshot; cells under ``min_cell``
    suppressed."""
    if min_cell < 2:
        raise ValidationError("k must be at least 2")
    available = snapshot.indicators.get(kind.value, [])
    unknown = [name for name in by if name not in available]
    if unknown or not by:
        raise ValidationError(f"cannot count {kind.value} subjects by {', '.join(unknown) or 'nothing'}")
    # The ``by`` columns joined from their parts on the fly, each subject of the kind counted once.
    wide = read_table(snapshot, kind, by)
    plain = pa.table({name: decoded(wide.column(name)) for name in by})
    with DuckDBEngine() as engine:
        table = ibis.memtable(plain)
        counts = table.group_by(list(by)).aggregate(subjects=table.count()).order_by(list(by))
        rows = engine.execute(counts).to_pylist()
    cells = [
        Cell({name: row[name] for name in by}, row["subjects"] if row["subjects"] >= min_cell else None) for row in rows
    ]
    return AggregateRelease(kind, tuple(by), min_cell, snapshot.as_of.isoformat(), snapshot.path.name, cells)


__all__ = ["DEFAULT_MIN_CELL", "AggregateRelease", "Cell", "release_counts"]
