"""Where the indicators find the lake: one Parquet folder per data set, and its lineage columns.

The layout is the ingestion's (``docs/lake.md``): a data set's rows carry the subject's pseudonym in
``subject``, the typed catalog fields, and the lineage columns ``_batch_id``, ``_received_at`` and ``_row``.
This module is the one place the indicators depend on that layout.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir

from puhui.core.errors import NotFound

CITY_TIME = ZoneInfo("Asia/Shanghai")
SUBJECT_COLUMN = "subject"
BATCH_COLUMN = "_batch_id"
RECEIVED_COLUMN = "_received_at"
ROW_COLUMN = "_row"
LINEAGE_COLUMNS = (BATCH_COLUMN, RECEIVED_COLUMN, ROW_COLUMN)


def dataset_path(lake: Path, dataset_id: str) -> Path:
    """The folder holding one data set's Parquet files."""
    provider, _, short = dataset_id.partition(".")
    return lake / provider / short


def has_dataset(lake: Path, dataset_id: str) -> bool:
    folder = dataset_path(lake, dataset_id)
    return folder.is_dir() and any(folder.rglob("*.parquet"))


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
