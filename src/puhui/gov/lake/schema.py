"""What a data set looks like in the lake: which catalog fields are kept, under which Arrow/Parquet types.

Kept: the subject key as the pseudonym column ``subject``; every other ID-number field as a pseudonym under its
own name; every field that is neither a direct identifier nor free text, typed. Dropped: names, phones,
addresses and other direct identifiers, and free text (it may name people). Lineage columns close each row.
"""

from __future__ import annotations

import pyarrow as pa

from puhui.core.catalog import IDENTIFIER_TYPES, DatasetSpec, FieldSpec, FieldType, PrivacyClass

SUBJECT_COLUMN = "subject"
BATCH_COLUMN = "_batch_id"
RECEIVED_COLUMN = "_received_at"
ROW_COLUMN = "_row"
LINEAGE_COLUMNS = (BATCH_COLUMN, RECEIVED_COLUMN, ROW_COLUMN)
# Decimals keep six places: the 万元 amounts of annual reports and penalties carry six decimals.
DECIMAL_TYPE = pa.decimal128(38, 6)

_ARROW_TYPES: dict[FieldType, pa.DataType] = {
    FieldType.STR: pa.string(),
    FieldType.CODE: pa.string(),
    FieldType.INT: pa.int64(),
    FieldType.DECIMAL: DECIMAL_TYPE,
    FieldType.DATE: pa.date32(),
    FieldType.DATETIME: pa.timestamp("us"),
    FieldType.YM: pa.date32(),  # the first day of the month
    FieldType.BOOL: pa.bool_(),
    FieldType.RESIDENT_ID: pa.string(),  # pseudonym
    FieldType.CREDIT_CODE: pa.string(),  # pseudonym
    FieldType.SUBJECT_ID: pa.string(),  # pseudonym
}


def is_pseudonymized(spec: FieldSpec) -> bool:
    return spec.type in IDENTIFIER_TYPES


def is_kept(dataset: DatasetSpec, spec: FieldSpec) -> bool:
    """Whether the field reaches the lake (the subject key does, renamed to ``subject``)."""
    if is_pseudonymized(spec):
        return True
    if spec.type in (FieldType.TEXT, FieldType.PHONE):
        return False
    return spec.privacy is not PrivacyClass.DIRECT_IDENTIFIER


def lake_column(dataset: DatasetSpec, spec: FieldSpec) -> str:
    return SUBJECT_COLUMN if spec.name == dataset.subject_key else spec.name


def kept_fields(dataset: DatasetSpec) -> list[FieldSpec]:
    """Kept fields in lake column order: the subject first, then the catalog's order."""
    key = dataset.field(dataset.subject_key)
    return [key] + [f for f in dataset.fields if f.name != key.name and is_kept(dataset, f)]


def lake_schema(dataset: DatasetSpec) -> pa.Schema:
    columns = [pa.field(lake_column(dataset, f), _ARROW_TYPES[f.type]) for f in kept_fields(dataset)]
    columns += [
        pa.field(BATCH_COLUMN, pa.string(), nullable=False),
        pa.field(RECEIVED_COLUMN, pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field(ROW_COLUMN, pa.int64(), nullable=False),
    ]
    return pa.schema(columns, metadata={"puhui.dataset": dataset.id, "puhui.dataset_version": str(dataset.version)})


QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("dataset", pa.string()),
        pa.field("batch_id", pa.string()),
        pa.field("file", pa.string()),
        pa.field("row", pa.int64()),
        pa.field("field", pa.string()),
        pa.field("kind", pa.string()),
        pa.field("reason", pa.string()),
        pa.field("value", pa.string()),  # masked for identifiers, absent for sensitive fields
    ]
)


__all__ = [
    "BATCH_COLUMN",
    "DECIMAL_TYPE",
    "LINEAGE_COLUMNS",
    "QUARANTINE_SCHEMA",
    "RECEIVED_COLUMN",
    "ROW_COLUMN",
    "SUBJECT_COLUMN",
    "is_kept",
    "is_pseudonymized",
    "kept_fields",
    "lake_column",
    "lake_schema",
]
