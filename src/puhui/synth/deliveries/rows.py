"""Rows of one delivery before they meet the file: who each row is about, when it happened, and typed columns.

Mappings fill what they know (by catalog field name) with NumPy or Arrow columns; ``canonical`` turns each into one
typed Arrow array per catalog type, which the renderers then spell for CSV/XLSX or type for Parquet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from puhui.core.catalog import FieldSpec, FieldType

STRING_TYPES = frozenset(
    {
        FieldType.STR,
        FieldType.TEXT,
        FieldType.CODE,
        FieldType.PHONE,
        FieldType.RESIDENT_ID,
        FieldType.CREDIT_CODE,
        FieldType.SUBJECT_ID,
    }
)
CANONICAL_TYPE: dict[FieldType, pa.DataType] = {
    **{t: pa.string() for t in STRING_TYPES},
    FieldType.INT: pa.int64(),
    FieldType.DECIMAL: pa.float64(),
    FieldType.DATE: pa.date32(),
    FieldType.DATETIME: pa.timestamp("s"),
    FieldType.YM: pa.date32(),  # the first day of the month
    FieldType.BOOL: pa.bool_(),
}


@dataclass
class Rows:
    """``person`` / ``org``: the subject of each row (-1 where not that kind); ``when``: the day the fact happened."""

    person: np.ndarray
    org: np.ndarray
    when: np.ndarray
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.when)


def make_rows(
    *, person: np.ndarray | None = None, org: np.ndarray | None = None, when: np.ndarray, **values: Any
) -> Rows:
    n = len(when)
    return Rows(
        person=np.full(n, -1, dtype=np.int64) if person is None else np.asarray(person, dtype=np.int64),
        org=np.full(n, -1, dtype=np.int64) if org is None else np.asarray(org, dtype=np.int64),
        when=np.asarray(when, dtype="datetime64[D]"),
        values=values,
    )


def canonical(spec: FieldSpec, value: Any, n: int) -> pa.Array:
    """One typed Arrow array of ``n`` values for a catalog field, from NumPy or Arrow input (NaN/NaT mean missing)."""
    target = CANONICAL_TYPE[spec.type]
    if isinstance(value, pa.ChunkedArray):
        value = value.combine_chunks()
    if isinstance(value, pa.Array):
        array = value
    else:
        values = np.asarray(value)
        if values.dtype.kind == "M":
            unit = {FieldType.DATETIME: "s", FieldType.YM: "M"}.get(spec.type, "D")
            values = values.astype(f"datetime64[{unit}]")
            missing = np.isnat(values)
            if spec.type is FieldType.YM:
                values = values.astype("datetime64[D]")
            array = pa.array(values, mask=missing if missing.any() else None)
        elif values.dtype.kind == "f" and spec.type is not FieldType.DECIMAL:
            missing = np.isnan(values)
            array = pa.array(np.where(missing, 0, values).astype(np.int64), mask=missing if missing.any() else None)
        elif values.dtype.kind == "f":
            missing = np.isnan(values)
            array = pa.array(values, mask=missing if missing.any() else None)
        elif values.dtype.kind in "US":
            array = pa.array(values.astype(str).tolist(), pa.string())
        else:
            array = pa.array(values)
    if array.type != target:
        array = pc.cast(array, target)
    if len(array) != n:
        raise ValueError(f"field {spec.name}: {len(array)} values for {n} rows")
    return array


__all__ = ["CANONICAL_TYPE", "STRING_TYPES", "Rows", "canonical", "make_rows"]
