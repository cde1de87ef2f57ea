"""The lake on disk: batches published atomically, their lineage, corrections, and recovery after a crash.

Layout (``docs/lake.md``)::

    PUHUI_HOME/gov/lake/<provider>/<short>/batch_id=<id>/part-NNNNN.parquet    the rows of one delivery
                                                        /_batch.json          its lineage
    PUHUI_HOME/gov/lake/_history/<provider>/<short>/batch_id=<id>/…           batches replaced by a correction
    PUHUI_HOME/gov/lake/_ops/quarantine/<dataset_id>/<id>.parquet             bad rows (no plaintext identifiers)
    PUHUI_HOME/gov/lake/_ops/ingest.log, ingest.lock, views.sql               operations
    PUHUI_HOME/gov/lake/_staging/<id>/                                        batches being written

A batch is written under ``_staging``, fsynced, then its folder is renamed into place: that rename is the
commit. A crash before it leaves staging debris (and perhaps an orphan quarantine file), which the next start
removes; a crash after it leaves a whole batch, whose supersession the next start finishes.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from puhui.core.catalog import DeliveryMode

BATCH_FILE = "_batch.json"


class BatchRecord(BaseModel):
    """Lineage of one delivery file loaded as one batch."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    batch_id: str
    dataset: str
    provider: str
    dataset_version: int
    catalog_version: str
    mode: DeliveryMode
    file: str  # path relative to the deliveries folder, e.g. court/dishonest_debtors.csv
    sha256: str
    bytes: int
    format: str
    encoding: str | None
    encoding_detected: bool
    received_at: dt.datetime  # when the provider delivered it (point-in-time queries use this)
    ingested_at: dt.datetime
    rows_read: int
    rows_accepted: int
    rows_quarantined: int
    quarantine_by_kind: dict[str, int]
    extra_columns: list[str]
    absent_fields: list[str]
    parts: list[str]
    supersedes: list[str] = []

    @property
    def quarantine_rate(self) -> float:
        return self.rows_quarantined / self.rows_read if self.rows_read else 0.0


class StoredBatch(BaseModel):
    """A batch as found on disk: its record, where it lies, and whether it is current."""

    model_config = ConfigDict(frozen=True)

    record: BatchRecord
    path: Path
    live: bool  # in its data set folder (not replaced by a correction)
    current: bool = False  # part of the data set's current state
    superseded_by: str | None = None
    quarantine_path: Path

    @property
    def part_paths(self) -> list[Path]:
        return [self.path / part for part in self.record.parts]


def _order(record: BatchRecord) -> tuple[dt.datetime, dt.datetime, str]:
    return (record.received_at, record.ingested_at, record.batch_id)


def corrections(records: list[BatchRecord]) -> dict[str, str]:
    """Batches replaced by a correction (replaced id -> correcting id): a later ingestion of a different file
    for the same data set with the same received-at."""
    result: dict[str, str] = {}
    groups: dict[tuple[str, dt.datetime], list[BatchRecord]] = {}
    for record in records:
        groups.setdefault((record.dataset, record.received_at), []).append(record)
    for same in groups.values():
        ordered = sorted(same, key=_order)
        result.update({r.batch_id: ordered[-1].batch_id for r in ordered[:-1]})
    return result


def current_state(records: list[BatchRecord]) -> dict[str, str | None]:
    """For live batches: None when part of the current state, else the batch that supersedes it (the latest
    delivery of a snapshot data set supersedes the earlier ones; append batches all stay current)."""
    latest: dict[str, BatchRecord] = {}
    for record in records:
        if record.dataset not in latest or _order(record) > _order(latest[record.dataset]):
            latest[record.dataset] = record
    return {
        r.batch_id: (
            latest[r.dataset].batch_id if r.mode is DeliveryMode.SNAPSHOT and r is not latest[r.dataset] else None
        )
        for r in records
    }


def fsync_tree(folder: Path) -> None:
    """Flush every file under ``folder`` and the folders themselves to disk."""
    for path in sorted(folder.rglob("*"), reverse=True):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    fsync_dir(folder)


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Lake:
    """The government node's data lake under ``PUHUI_HOME/gov/lake``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.staging = root / "_staging"
        self.history = root / "_history"
        self.ops = root / "_ops"
        self.quarantine = self.ops / "quarantine"
        self.log_path = self.ops / "ingest.log"
        self.views_path = self.ops / "views.sql"

    @classmethod
    def at_home(cls, home: Path) -> Lake:
        return cls(home / "gov" / "lake")

    def dataset_dir(self, dataset: str) -> Path:
        provider, _, short = dataset.partition(".")
        return self.root / provider / short

    def batch_dir(self, dataset: str, batch_id: str) -> Path:
        return self.dataset_dir(dataset) / f"batch_id={batch_id}"

    def quarantine_file(self, dataset: str, batch_id: str) -> Path:
        return self.quarantine / dataset / f"{batch_id}.parquet"

    # -- writing -------------------------------------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[Lake]:
        """Exclusive write access (one ingestion at a time), after finishing what a crash left behind.
        The lock is an flock: the kernel releases it when the holder dies, even by SIGKILL."""
        self.ops.mkdir(parents=True, exist_ok=True)
        with (self.ops / "ingest.lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                self.recover()
                yield self
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def recover(self) -> list[str]:
        """Remove staging debris and orphan quarantine files, finish pending corrections; say what was done."""
        done: list[str] = []
        if self.staging.exists():
            for debris in sorted(self.staging.iterdir()):
                shutil.rmtree(debris, ignore_errors=True)
                done.append(f"removed unpublished batch {debris.name}")
        committed = {b.record.batch_id for b in self.batches()}
        if self.quarantine.exists():
            for orphan in sorted(self.quarantine.glob("*/*.parquet")):
                if orphan.stem not in committed:
                    orphan.unlink()
                    done.append(f"removed quarantine of unpublished batch {orphan.stem}")
        done += self._apply_corrections()
        if done:
            self.log({"event": "recovered", "actions": done})
        return done

    def new_staging(self, batch_id: str) -> Path:
        folder = self.staging / batch_id
        (folder / "data").mkdir(parents=True)
        return folder

    @staticmethod
    def staged_data(staged: Path) -> Path:
        return staged / "data"

    @staticmethod
    def staged_quarantine(staged: Path) -> Path:
        return staged / "quarantine.parquet"

    def publish(self, record: BatchRecord, staged: Path) -> StoredBatch:
        """Commit a staged batch: lineage file, fsync, quarantine into place, then the one atomic rename of the
        data folder (the commit); afterwards, move batches this one corrects to ``_history``."""
        (staged / "data" / BATCH_FILE).write_text(record.model_dump_json(indent=2), encoding="utf-8")
        fsync_tree(staged)
        quarantine = self.quarantine_file(record.dataset, record.batch_id)
        quarantine.parent.mkdir(parents=True, exist_ok=True)
        os.rename(self.staged_quarantine(staged), quarantine)
        fsync_dir(quarantine.parent)
        target = self.batch_dir(record.dataset, record.batch_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.rename(staged / "data", target)
        fsync_dir(target.parent)
        shutil.rmtree(staged, ignore_errors=True)
        self._apply_corrections(record.dataset)
        return next(b for b in self.batches(dataset=record.dataset) if b.record.batch_id == record.batch_id)

    def discard(self, staged: Path) -> None:
        shutil.rmtree(staged, ignore_errors=True)

    def _apply_corrections(self, dataset: str | None = None) -> list[str]:
        live = self._scan(self.root, live=True, dataset=dataset)
        replaced = corrections([b.record for b in live])
        moved: list[str] = []
        for batch in live:
            if batch.record.batch_id in replaced:
                target = self.history / batch.path.relative_to(self.root)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.rename(batch.path, target)
                fsync_dir(target.parent)
                fsync_dir(batch.path.parent)
                moved.append(f"batch {batch.record.batch_id} of {batch.record.dataset} replaced by a correction")
        return moved

    def log(self, event: dict[str, object]) -> None:
        """One JSON line in the operations log. Callers pass counts, ids and reasons — never row content."""
        self.ops.mkdir(parents=True, exist_ok=True)
        line = {"at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), **event}
        with self.log_path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")

    # -- reading -------------------------------------------------------------------------------------------

    def _scan(self, base: Path, *, live: bool, dataset: str | None = None) -> list[StoredBatch]:
        found: list[StoredBatch] = []
        if not base.exists():
            return found
        pattern = "*/*" if dataset is None else "/".join(dataset.split(".", 1))
        for lineage in sorted(base.glob(f"{pattern}/batch_id=*/{BATCH_FILE}")):
            if lineage.relative_to(base).parts[0].startswith("_"):
                continue
            record = BatchRecord.model_validate_json(lineage.read_text(encoding="utf-8"))
            quarantine = self.quarantine_file(record.dataset, record.batch_id)
            found.append(StoredBatch(record=record, path=lineage.parent, live=live, quarantine_path=quarantine))
        return found

    def batches(self, *, include_history: bool = True, dataset: str | None = None) -> list[StoredBatch]:
        """Every committed batch (of one data set, if named), oldest delivery first; with ``current`` and
        ``superseded_by`` filled in."""
        live = self._scan(self.root, live=True, dataset=dataset)
        replaced = self._scan(self.history, live=False, dataset=dataset) if include_history else []
        state = current_state([b.record for b in live])
        corrected = corrections([b.record for b in live + replaced])
        stored = [
            b.model_copy(
                update={"current": state[b.record.batch_id] is None, "superseded_by": state[b.record.batch_id]}
            )
            for b in live
        ]
        stored += [b.model_copy(update={"superseded_by": corrected.get(b.record.batch_id)}) for b in replaced]
        return sorted(stored, key=lambda b: _order(b.record))

    def find(self, dataset: str, sha256: str) -> StoredBatch | None:
        """A committed batch of ``dataset`` made from a file with this hash, current or superseded."""
        for batch in self.batches(dataset=dataset):
            if batch.record.sha256 == sha256:
                return batch
        return None


__all__ = [
    "BATCH_FILE",
    "BatchRecord",
    "Lake",
    "StoredBatch",
    "corrections",
    "current_state",
    "fsync_tree",
]
