"""Where the indicators find the lake (``docs/lake.md``, owned by ``puhui.gov.lake``) and how they read it
point in time: rows received before a cut-off, and for snapshot data sets the latest batch received by then.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir

from puhui.core.errors import NotFound
from puhui.gov.lake.schema import BATCH_COLUMN, LINEAGE_COLUMNS, RECEIVED_COLUMN, ROW_COLUMN, SUBJECT_COLUMN
from puhui.gov.lake.store import Lake

CITY_TIME = ZoneInfo("Asia/Shanghai")


def dataset_path(lake: Path, dataset_id: str) -> Path:
    """The folder holding one data set's Parquet files."""
    return Lake(lake).dataset_dir(dataset_id)


def has_dataset(lake: Path, dataset_id: str) -> bool:
    folder = dataset_path(lake, dataset_id)
    return folder.is_dir() and any(folder.glob("batch_id=*/part-*.parquet"))


def require_dataset(lake: Path, dataset_id: str) -> Path:
    if not has_dataset(lake, dataset_id):
        raise NotFound(f"the lake at {lake} holds no data set {dataset_id}")
    return dataset_path(lake, dataset_id)


def received_before(column: ir.Value, instant: dt.datetime) -> ir.BooleanValue:
    """Rows received before ``instant``. A receipt time without a time zone is UTC: the lake writes UTC, and Spark
    (session time zone UTC) shows time-zone-aware Parquet timestamps without their zone."""
    dtype = column.type()
    if dtype.is_timestamp() and dtype.timezone is None:
        return column < ibis.literal(instant.astimezone(dt.UTC).replace(tzinfo=None), type=dtype)
    return column < ibis.literal(instant, type=dtype)


def latest_batch_query(table: ir.Table, cutoff: dt.datetime) -> ir.Table:
    """The batch received last before the cut-off (ties broken by batch id): one row, or none."""
    received = table.filter(received_before(table[RECEIVED_COLUMN], cutoff))
    batches = received.group_by(BATCH_COLUMN).aggregate(received=received[RECEIVED_COLUMN].max())
    return batches.order_by([ibis.desc("received"), ibis.desc(BATCH_COLUMN)]).limit(1)


__all__ = [
    "BATCH_COLUMN",
    "CITY_TIME",
    "LINEAGE_COLUMNS",
    "RECEIVED_COLUMN",
    "ROW_COLUMN",
    "SUBJECT_COLUMN",
    "dataset_path",
    "has_dataset",
    "latest_batch_query",
    "received_before",
    "require_dataset",
]
