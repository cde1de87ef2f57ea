"""Where the indicators find the lake (``docs/lake.md``, owned by ``puhui.gov.lake``) and how they read it
point in time: rows received before a cut-off, and for snapshot data sets the latest batch received by then.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir

from puhui.core.catalog import DatasetSpec, DeliveryMode
from puhui.gov.lake.schema import BATCH_COLUMN, LINEAGE_COLUMNS, RECEIVED_COLUMN, ROW_COLUMN, SUBJECT_COLUMN
from puhui.gov.lake.store import Lake

CITY_TIME = ZoneInfo("Asia/Shanghai")


def dataset_path(lake: Path, dataset_id: str) -> Path:
    """The folder holding one data set's batches."""
    return Lake(lake).dataset_dir(dataset_id)


@dataclass(frozen=True)
class SourceFiles:
    """What a point-in-time read of one data set takes from the lake: the batches received before the cut-off
    (a snapshot data set: only the latest of them) and their Parquet files. Choosing files from the lineage
    keeps later deliveries out of the scan altogether, not only out of the result."""

    dataset: str
    batches: tuple[str, ...]
    files: tuple[Path, ...]
    receipts: tuple[dt.datetime, ...] = ()  # each batch's received-at

    @property
    def latest_batch(self) -> str | None:
        return self.batches[-1] if self.batches else None


def source_files(lake: Path, dataset: DatasetSpec, cutoff: dt.datetime) -> SourceFiles | None:
    """``None`` when the lake never received the data set."""
    live = Lake(lake).batches(include_history=False, dataset=dataset.id)  # oldest delivery first
    if not live:
        return None
    known = [b for b in live if b.record.received_at < cutoff]
    if dataset.delivery.mode is DeliveryMode.SNAPSHOT:
        known = known[-1:]
    files = tuple(path for batch in known for path in batch.part_paths)
    batches = tuple(b.record.batch_id for b in known)
    return SourceFiles(dataset.id, batches, files, tuple(b.record.received_at for b in known))


def received_before(column: ir.Value, instant: dt.datetime) -> ir.BooleanValue:
    """Rows received before ``instant``. A receipt time without a time zone is UTC: the lake writes UTC, and Spark
    (session time zone UTC) shows time-zone-aware Parquet timestamps without their zone."""
    dtype = column.type()
    if dtype.is_timestamp() and dtype.timezone is None:
        return column < ibis.literal(instant.astimezone(dt.UTC).replace(tzinfo=None), type=dtype)
    return column < ibis.literal(instant, type=dtype)


__all__ = [
    "BATCH_COLUMN",
    "CITY_TIME",
    "LINEAGE_COLUMNS",
    "RECEIVED_COLUMN",
    "ROW_COLUMN",
    "SUBJECT_COLUMN",
    "SourceFiles",
    "dataset_path",
    "received_before",
    "source_files",
]
