"""Single-subject reads: the latest snapshot through its SQLite index, or a computation for a past as-of.

``SnapshotIndex`` answers a primary-key lookup in tens of microseconds and follows the ``LATEST`` pointer, so a
rebuilt snapshot is picked up without a restart. ``subject_indicators`` is the one service function: the
latest values, or those as of a day (from that day's snapshot if one exists, computed from the lake otherwise).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from puhui.core.errors import NotFound
from puhui.core.indicators import IndicatorSet
from puhui.core.pseudonym import pseudonym_kind
from puhui.engines import create_engine
from puhui.gov.indicators.snapshot import (
    INDEX_FILE,
    LATEST_POINTER,
    SnapshotInfo,
    compute,
    latest_snapshot,
    list_snapshots,
)

Values = dict[str, Any]


class SnapshotIndex:
    """Read-only lookups in the latest snapshot's index; one SQLite connection per thread."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._local = threading.local()
        self._lock = threading.Lock()
        self._pointer_mtime: float | None = None
        self._info: SnapshotInfo | None = None

    @property
    def info(self) -> SnapshotInfo:
        self._refresh()
        assert self._info is not None
        return self._info

    def _refresh(self) -> None:
        pointer = self.root / LATEST_POINTER
        try:
            mtime = pointer.stat().st_mtime
        except FileNotFoundError:
            raise NotFound(f"no indicator snapshot under {self.root}: run `puhui gov indicators build`") from None
        if mtime != self._pointer_mtime:
            with self._lock:
                self._info = latest_snapshot(self.root)
                self._pointer_mtime = mtime

    def _connection(self) -> sqlite3.Connection:
        info = self.info
        held: tuple[Path, sqlite3.Connection] | None = getattr(self._local, "held", None)
        if held is None or held[0] != info.path:
            uri = f"file:{info.path / INDEX_FILE}?mode=ro&immutable=1"
            held = (info.path, sqlite3.connect(uri, uri=True, check_same_thread=False))
            self._local.held = held
        return held[1]

    def get(self, subject: str) -> Values | None:
        row = self._connection().execute("SELECT payload FROM indicators WHERE subject = ?", (subject,)).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def get_many(self, subjects: Sequence[str]) -> dict[str, Values]:
        found: dict[str, Values] = {}
        connection = self._connection()
        for start in range(0, len(subjects), 500):
            chunk = list(subjects[start : start + 500])
            marks = ",".join("?" * len(chunk))
            query = f"SELECT subject, payload FROM indicators WHERE subject IN ({marks})"
            found.update((s, dict(json.loads(p))) for s, p in connection.execute(query, chunk))
        return found


@dataclass(frozen=True)
class SubjectIndicators:
    subject: str
    as_of: dt.date
    source: str  # "snapshot <name>" or "computed (<engine>)"
    values: Values  # indicator id -> value (None: no value, e.g. a data set not yet in the lake)
    known: bool  # False when no source holds a record of the subject


def snapshot_for(root: Path, as_of: dt.date, definitions_version: str) -> SnapshotInfo | None:
    matches = [s for s in list_snapshots(root) if s.as_of == as_of and s.definitions_version == definitions_version]
    return matches[-1] if matches else None


def subject_indicators(
    subjects: Sequence[str],
    definitions: IndicatorSet,
    *,
    index: SnapshotIndex,
    lake: Path,
    as_of: dt.date | None = None,
    engine_config: Mapping[str, Any] | None = None,
    supplements: Mapping[str, pa.Table] | None = None,
) -> dict[str, SubjectIndicators]:
    """Each subject's indicators: from the latest snapshot, or as of ``as_of`` (its snapshot, else computed)."""
    if as_of is None or as_of == index.info.as_of:
        info = index.info
        return _from_snapshot(subjects, definitions, index.get_many(list(subjects)), info)
    stored = snapshot_for(index.root, as_of, definitions.version)
    if stored is not None:
        return _from_snapshot(subjects, definitions, _read_snapshot_rows(stored, subjects), stored)
    return _computed(subjects, definitions, lake, as_of, engine_config, supplements)


def _from_snapshot(
    subjects: Sequence[str], definitions: IndicatorSet, found: dict[str, Values], info: SnapshotInfo
) -> dict[str, SubjectIndicators]:
    result = {}
    for subject in subjects:
        kind = pseudonym_kind(subject)
        values: Values = {i.id: None for i in definitions.for_subject(kind)}
        values.update(found.get(subject, {}))
        result[subject] = SubjectIndicators(subject, info.as_of, f"snapshot {info.path.name}", values, subject in found)
    return result


def _read_snapshot_rows(info: SnapshotInfo, subjects: Sequence[str]) -> dict[str, Values]:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    found: dict[str, Values] = {}
    for kind_name in info.rows:
        table = pq.read_table(info.path / f"{kind_name}.parquet")
        chosen = table.filter(pc.is_in(table.column("subject"), pa.array(list(subjects), pa.string())))
        for row in chosen.to_pylist():
            found[row.pop("subject")] = row
    return found


def _computed(
    subjects: Sequence[str],
    definitions: IndicatorSet,
    lake: Path,
    as_of: dt.date,
    engine_config: Mapping[str, Any] | None,
    supplements: Mapping[str, pa.Table] | None,
) -> dict[str, SubjectIndicators]:
    found: dict[str, Values] = {}
    engine = create_engine(dict(engine_config or {"type": "duckdb"}))
    try:
        for kind in {pseudonym_kind(s) for s in subjects}:
            mine = [s for s in subjects if pseudonym_kind(s) is kind]
            table, _ = compute(engine, lake, definitions, kind, as_of, subjects=mine, supplements=supplements)
            for row in table.to_pylist():
                found[row.pop("subject")] = row
    finally:
        engine.close()
    result = {}
    for subject in subjects:
        values: Values = {i.id: None for i in definitions.for_subject(pseudonym_kind(subject))}
        values.update(found.get(subject, {}))
        result[subject] = SubjectIndicators(subject, as_of, f"computed ({engine.type})", values, subject in found)
    return result


__all__ = ["SnapshotIndex", "SubjectIndicators", "snapshot_for", "subject_indicators"]
