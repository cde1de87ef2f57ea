"""DuckDB views over the lake: one schema per provider, one view per data set, plus the operations views.

    <provider>.<dataset>            current rows (snapshot: the latest delivery; append: every live batch)
    <provider>.<dataset>_history    every batch in the data set folder (what point-in-time readers scan)
    ops.batches                     lineage of every batch, corrected ones too, with ``current``, ``superseded_by``
    ops.quarantine                  every quarantined row: file, row, field, kind, reason, masked value

The views name the committed files explicitly (never a glob), so a reader sees whole batches only.
``views.sql`` in the operations folder holds the same statements for a DuckDB shell (``duckdb -init``).
"""

from __future__ import annotations

import os

import duckdb
import pyarrow as pa

from puhui.core.catalog import Catalog, DatasetSpec
from puhui.engines.sql_checks import quote_identifier, quote_literal
from puhui.gov.lake.schema import QUARANTINE_SCHEMA, lake_schema
from puhui.gov.lake.store import Lake, StoredBatch

OPS_SCHEMA = "ops"


def sql_type_of(arrow_type: pa.DataType) -> str:
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "VARCHAR"
    if pa.types.is_int64(arrow_type):
        return "BIGINT"
    if pa.types.is_decimal(arrow_type):
        return f"DECIMAL({arrow_type.precision}, {arrow_type.scale})"
    if pa.types.is_date32(arrow_type):
        return "DATE"
    if pa.types.is_timestamp(arrow_type):
        return "TIMESTAMPTZ" if arrow_type.tz else "TIMESTAMP"
    if pa.types.is_boolean(arrow_type):
        return "BOOLEAN"
    raise TypeError(f"no SQL type for {arrow_type}")


def _empty(schema: pa.Schema) -> str:
    columns = ", ".join(f"CAST(NULL AS {sql_type_of(f.type)}) AS {quote_identifier(f.name)}" for f in schema)
    return f"SELECT {columns} WHERE false"


def _files(paths: list[str], schema: pa.Schema) -> str:
    if not paths:
        return _empty(schema)
    listed = ", ".join(quote_literal(p) for p in paths)
    return f"SELECT * FROM read_parquet([{listed}], union_by_name = true, hive_partitioning = false)"


def view_name(dataset: DatasetSpec) -> str:
    provider, short = dataset.id.split(".", 1)
    return f"{quote_identifier(provider)}.{quote_identifier(short)}"


def _batches_view(stored: list[StoredBatch]) -> str:
    columns = (
        "batch_id VARCHAR, dataset VARCHAR, provider VARCHAR, file VARCHAR, sha256 VARCHAR, "
        "received_at TIMESTAMPTZ, ingested_at TIMESTAMPTZ, rows_read BIGINT, rows_accepted BIGINT, "
        "rows_quarantined BIGINT, catalog_version VARCHAR, dataset_version INTEGER, mode VARCHAR, "
        "current BOOLEAN, superseded_by VARCHAR"
    )
    if not stored:
        names = ", ".join(f"CAST(NULL AS {c.split()[1]}) AS {c.split()[0]}" for c in columns.split(", "))
        return f"SELECT {names} WHERE false"
    rows = []
    for batch in stored:
        r = batch.record
        values = [
            quote_literal(r.batch_id),
            quote_literal(r.dataset),
            quote_literal(r.provider),
            quote_literal(r.file),
            quote_literal(r.sha256),
            f"TIMESTAMPTZ {quote_literal(r.received_at.isoformat())}",
            f"TIMESTAMPTZ {quote_literal(r.ingested_at.isoformat())}",
            str(r.rows_read),
            str(r.rows_accepted),
            str(r.rows_quarantined),
            quote_literal(r.catalog_version),
            str(r.dataset_version),
            quote_literal(r.mode.value),
            "true" if batch.current else "false",
            quote_literal(batch.superseded_by) if batch.superseded_by else "NULL",
        ]
        rows.append(f"({', '.join(values)})")
    names = ", ".join(c.split()[0] for c in columns.split(", "))
    return f"SELECT * FROM (VALUES {', '.join(rows)}) AS b({names})"


def view_statements(lake: Lake, catalog: Catalog) -> list[str]:
    stored = lake.batches()
    statements = [f"CREATE SCHEMA IF NOT EXISTS {OPS_SCHEMA}"]
    for provider in sorted({d.provider for d in catalog}):
        statements.append(f"CREATE SCHEMA IF NOT EXISTS {quote_identifier(provider)}")
    for dataset in sorted(catalog, key=lambda d: d.id):
        schema = lake_schema(dataset)
        mine = [b for b in stored if b.record.dataset == dataset.id]
        current = [str(p) for b in mine if b.current for p in b.part_paths]
        every = [str(p) for b in mine if b.live for p in b.part_paths]
        name = view_name(dataset)
        statements.append(f"CREATE OR REPLACE VIEW {name} AS {_files(current, schema)}")
        history = name[:-1] + '_history"'
        statements.append(f"CREATE OR REPLACE VIEW {history} AS {_files(every, schema)}")
    statements.append(f"CREATE OR REPLACE VIEW {OPS_SCHEMA}.batches AS {_batches_view(stored)}")
    quarantines = [str(b.quarantine_path) for b in stored if b.quarantine_path.exists()]
    statements.append(f"CREATE OR REPLACE VIEW {OPS_SCHEMA}.quarantine AS {_files(quarantines, QUARANTINE_SCHEMA)}")
    return statements


def connect_lake(
    lake: Lake, catalog: Catalog, connection: duckdb.DuckDBPyConnection | None = None
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection (in memory unless given) with every lake view defined."""
    con = connection or duckdb.connect()
    for statement in view_statements(lake, catalog):
        con.execute(statement).fetchall()
    return con


def write_views_sql(lake: Lake, catalog: Catalog) -> None:
    """Refresh ``views.sql`` atomically (write aside, then rename)."""
    lake.ops.mkdir(parents=True, exist_ok=True)
    text = ";\n".join(view_statements(lake, catalog)) + ";\n"
    aside = lake.views_path.with_suffix(".sql.tmp")
    aside.write_text(text, encoding="utf-8")
    os.replace(aside, lake.views_path)


__all__ = ["OPS_SCHEMA", "connect_lake", "sql_type_of", "view_name", "view_statements", "write_views_sql"]
