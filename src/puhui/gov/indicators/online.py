"""Single-subject reads: the latest snapshot through its Arrow lookup files, or a computation for a past as-of.

``SnapshotIndex`` maps the latest snapshot's Arrow files, one per part (one data set's indicators of the subjects
it holds), and answers one subject with a binary search in each part, well under a millisecond.
``subject_indicators`` is the one service function: the latest values, or those as of a day (from that day's
snapshot if one exists, computed from the lake otherwise).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from puhui.core.errors import NotFound
from puhui.core.indicators import IndicatorSet
from puhui.core.pseudonym import pseudonym_kind
from puhui.engines import create_engine
from puhui.gov.indicators.lake import SUBJECT_COLUMN
from puhui.gov.indicators.snapshot import (
    KEY_COLUMN,
    LATEST_POINTER,
    LOOKUP_SUFFIX,
    ORDER_COLUMN,
    SnapshotInfo,
    compute,
    fixed_width,
    latest_snapshot,
    list_snapshots,
    read_part,
)

Values = dict[str, Any]


class _PartLookup:
    """One part's rows: per indicator its few distinct values and one small integer code per row, and the part's
    index (subject keys in ascending order, the row of each): a read is a binary search over integers, a check of
    the subject and one array access per indicator. Subjects of several lengths are found through a dictionary."""

    def __init__(self, path: Path) -> None:
        table = read_part(path)
        subjects = table.column(SUBJECT_COLUMN).combine_chunks()
        self.columns: list[tuple[str, list[Any], np.ndarray]] = []
        for name in table.column_names:
            if name not in (SUBJECT_COLUMN, KEY_COLUMN, ORDER_COLUMN):
                encoded = table.column(name).combine_chunks()
                codes = encoded.indices.to_numpy(zero_copy_only=False)
                self.columns.append((name, encoded.dictionary.to_pylist(), codes))
        fixed = fixed_width(subjects)
        self.width = fixed.dtype.itemsize if fixed is not None and KEY_COLUMN in table.column_names else 0
        if fixed is not None and self.width:
            self.subjects = fixed
            self.keys = table.column(KEY_COLUMN).combine_chunks().to_numpy()
            self.order = table.column(ORDER_COLUMN).combine_chunks().to_numpy()
        else:
            self.positions = {s: i for i, s in enumerate(subjects.to_pylist())}

    def row(self, subject: str, encoded: bytes) -> int | None:
        if not self.width:
            return self.positions.get(subject)
        if len(encoded) != self.width:
            return None
        key = np.uint64(int.from_bytes(encoded[-8:], "big"))
        at = int(np.searchsorted(self.keys, key))
        while at < len(self.keys) and self.keys[at] == key:  # keys of different subjects may tie
            row = int(self.order[at])
            if self.subjects[row] == encoded:
                return row
            at += 1
        return None


class _KindLookup:
    """One kind's parts (one per data set's plan): a read looks the subject up in each part; a subject without a
    row in a part takes the no-record value of that part's indicators, one without a row anywhere is unknown."""

    def __init__(self, info: SnapshotInfo, kind: str) -> None:
        self.parts = [_PartLookup(info.part_path(kind, name, LOOKUP_SUFFIX)) for name in info.parts[kind]]
        self.no_record = dict(info.no_record[kind])

    def row(self, subject: str) -> Values | None:
        key = subject.encode()
        values = dict(self.no_record)
        known = False
        for part in self.parts:
            at = part.row(subject, key)
            if at is not None:
                known = True
                for name, found, codes in part.columns:
                    values[name] = found[codes[at]]
        return values if known else None


def _lookups(info: SnapshotInfo) -> dict[str, _KindLookup]:
    return {kind: _KindLookup(info, kind) for kind in info.parts}


class SnapshotIndex:
    """Single-subject reads from the latest snapshot; follows the ``LATEST`` pointer, so a rebuilt snapshot is
    picked up without a restart."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._pointer_mtime: float | None = None
        self._info: SnapshotInfo | None = None
        self._lookups: dict[str, _KindLookup] = {}

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
                info = latest_snapshot(self.root)
                self._lookups = _lookups(info)
                self._info = info
                self._pointer_mtime = mtime

    def get(self, subject: str) -> Values | None:
        self._refresh()
        lookup = self._lookups.get(pseudonym_kind(subject).value)
        return None if lookup is None else lookup.row(subject)

    def get_many(self, subjects: Sequence[str]) -> dict[str, Values]:
        found = {s: self.get(s) for s in subjects}
        return {s: v for s, v in found.items() if v is not None}


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
    lookups = _lookups(info)
    found = {}
    for subject in subjects:
        lookup = lookups.get(pseudonym_kind(subject).value)
        row = None if lookup is None else lookup.row(subject)
        if row is not None:
            found[subject] = row
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
