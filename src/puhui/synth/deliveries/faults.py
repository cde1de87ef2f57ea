"""Bad input on purpose: a small share of rows broken in one of the ways real deliveries break, each recorded.

Every fault is made so that it cannot pass by accident: a wrong check character is never the right one, an
impossible date names a day no calendar has, a bad code is outside the list even after normalisation, a duplicate
is an exact copy of a clean earlier row, and an undecodable byte (0xFF, never valid in GBK or GB18030) sits
inside a text field of a GBK file. A row carries at most one fault.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from puhui.core.catalog import DatasetSpec, DeliveryFormat, Encoding, FieldSpec, FieldType
from puhui.synth.identifiers import USCC_ALPHABET

KINDS = ("bad_checksum", "missing_required", "impossible_date", "wrong_type", "bad_code", "duplicate", "undecodable")
# A private-use character stands for the lone 0xFF byte until the text is encoded (Arrow strings must be UTF-8).
LONE_BYTE_MARK = "\ue000"
LONE_BYTE = b"\xff"
ERROR_HANDLER = "puhui-synth-lone-byte"
WRONG_TYPE_VALUES = ("abc", "十二", "x7", "N-A-")
BAD_CODE_CANDIDATES = ("ZZ9", "未知类别", "99X", "其它?")


def _lone_byte(error: UnicodeError) -> tuple[bytes, int]:
    if isinstance(error, UnicodeEncodeError) and error.object[error.start : error.end] == LONE_BYTE_MARK * (
        error.end - error.start
    ):
        return LONE_BYTE * (error.end - error.start), error.end
    raise error


codecs.register_error(ERROR_HANDLER, _lone_byte)

_IDS = (FieldType.RESIDENT_ID, FieldType.CREDIT_CODE, FieldType.SUBJECT_ID)
_DATES = (FieldType.DATE, FieldType.DATETIME, FieldType.YM)
_NUMBERS = (FieldType.INT, FieldType.DECIMAL)


@dataclass(frozen=True)
class Fault:
    row: int  # 0-based row index within the chunk, the appended duplicates counted after its rows
    field: str  # catalog field name, "" for whole-row faults
    kind: str


def _kinds_for(spec: DatasetSpec) -> dict[str, list[FieldSpec]]:
    """Which faults this data set can carry, and in which fields.

    Parquet columns are typed, and text in a typed column would turn the whole column into text; so in Parquet
    files impossible dates and wrong types go into the year-month columns, which Parquet holds as text anyway.
    """
    fields = spec.fields
    parquet = spec.delivery.format is DeliveryFormat.PARQUET
    dates = [f for f in fields if (f.type is FieldType.YM if parquet else f.type in _DATES)]
    numbers = [] if parquet else [f for f in fields if f.type in _NUMBERS]
    text_fields = [f for f in fields if f.type in (FieldType.STR, FieldType.TEXT)]
    kinds: dict[str, list[FieldSpec]] = {
        "bad_checksum": [f for f in fields if f.type in _IDS],
        "missing_required": [f for f in fields if f.required],
        "impossible_date": dates,
        "wrong_type": numbers + dates,
        "bad_code": [f for f in fields if f.type is FieldType.CODE],
        "duplicate": [],
    }
    if spec.delivery.format is DeliveryFormat.CSV and spec.delivery.encoding is not Encoding.UTF8 and text_fields:
        kinds["undecodable"] = text_fields
    return {kind: targets for kind, targets in kinds.items() if targets or kind == "duplicate"}


def _wrong_check(values: list[str]) -> list[str]:
    """The same number with a check character that is certainly wrong."""
    from puhui.core.ids import credit_code_check_char, looks_like_resident_id, resident_id_check_digit

    out: list[str] = []
    for value in values:
        number = value.strip().upper()
        if looks_like_resident_id(number):
            right = resident_id_check_digit(number[:17])
            options = [c for c in "0123456789X" if c != right]
        else:
            right = credit_code_check_char(number[:17])
            options = [c for c in USCC_ALPHABET if c != right]
        out.append(number[:17] + options[(sum(map(ord, number)) + len(out)) % len(options)])
    return out


def _impossible_dates(spec: FieldSpec, years: np.ndarray, rng: np.random.Generator) -> list[str]:
    out = []
    for year in years:
        if spec.type is FieldType.YM:
            out.append(f"{year}{rng.choice(['13', '00', '14'])}")
            continue
        day = rng.choice([f"{year}-02-30", f"{year}-13-05", f"{year}-04-31", f"{year}-00-10", f"{year}-06-32"])
        out.append(day + (" 10:20:00" if spec.type is FieldType.DATETIME else ""))
    return out


def _bad_code(spec: FieldSpec) -> str:
    known = {code.strip().lower() for code in spec.codes or {}}
    return next(c for c in BAD_CODE_CANDIDATES if c.lower() not in known)


def inject(
    spec: DatasetSpec, columns: dict[str, pa.Array], rate: float, rng: np.random.Generator
) -> tuple[dict[str, pa.Array], dict[str, pa.Array], list[Fault]]:
    """Break about ``rate`` of the rows of a chunk (columns as rendered for the file). Returns the chunk's columns
    with faults, the duplicated rows to append after them (empty when none), and the faults by row index, where
    the duplicates follow the chunk's own rows."""
    n = len(next(iter(columns.values())))
    count = int(rng.binomial(n, rate)) if n else 0
    if count == 0:
        return columns, {}, []
    kinds = _kinds_for(spec)
    names = list(kinds)
    weights = np.array([{"duplicate": 1.2, "bad_checksum": 1.5, "undecodable": 0.8}.get(k, 1.0) for k in names])
    rows = np.sort(rng.choice(n, size=min(count, n // 2), replace=False))
    chosen = rng.choice(len(names), size=len(rows), p=weights / weights.sum())
    faults: list[tuple[int, str, str]] = []
    by_field: dict[str, tuple[list[int], list[object]]] = {}

    for index, row in zip(chosen, rows, strict=True):
        kind = names[index]
        if kind == "duplicate":
            continue
        targets = kinds[kind]
        if kind == "bad_checksum":
            present = [f for f in targets if len(str(columns[f.name][int(row)].as_py() or "").strip()) == 18]
            key = next((f for f in present if f.name == spec.subject_key), None)
            target = (
                key
                if key is not None and rng.random() < 0.7
                else (present[rng.integers(len(present))] if present else None)
            )
            if target is None:
                continue
        else:
            target = targets[rng.integers(len(targets))]
        faults.append((int(row), target.name, kind))
    for row, name, kind in faults:
        field = spec.field(name)
        column = columns[name]
        current = column[row].as_py()
        if kind == "bad_checksum":
            value: object = _wrong_check([str(current)])[0]
        elif kind == "missing_required":
            value = None
        elif kind == "impossible_date":
            value = _impossible_dates(field, np.array([2020 + row % 6]), rng)[0]
        elif kind == "wrong_type":
            value = WRONG_TYPE_VALUES[row % len(WRONG_TYPE_VALUES)]
        elif kind == "bad_code":
            value = _bad_code(field)
        else:  # undecodable
            base = str(current) if current not in (None, "") else "某"
            value = base[:1] + LONE_BYTE_MARK + base[1:]
        positions, values = by_field.setdefault(name, ([], []))
        positions.append(row)
        values.append(value)

    columns = dict(columns)
    for name, (positions, values) in by_field.items():
        column = columns[name]
        mask = np.zeros(n, dtype=bool)
        mask[positions] = True
        order = np.argsort(positions)
        replacement = pa.array([values[i] for i in order], type=column.type)
        columns[name] = pc.replace_with_mask(column, pa.array(mask), replacement)

    # duplicates: exact copies of clean rows, appended after the chunk's rows
    faulty = {row for row, _, _ in faults}
    sources = sorted(
        int(row)
        for index, row in zip(chosen, rows, strict=True)
        if names[index] == "duplicate" and int(row) not in faulty
    )
    recorded = [Fault(row, name, kind) for row, name, kind in faults]
    copies: dict[str, pa.Array] = {}
    if sources:
        taken = pa.array(sources)
        copies = {name: column.take(taken) for name, column in columns.items()}
        recorded += [Fault(n + i, "", "duplicate") for i in range(len(sources))]
    return columns, copies, sorted(recorded, key=lambda f: f.row)
