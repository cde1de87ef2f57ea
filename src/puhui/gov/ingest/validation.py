"""Validation of a delivery against its catalog entry, as one DuckDB query per batch of rows.

``map_header`` matches the delivered header (Chinese labels or field names, any order) to catalog fields.
``CheckQuery`` builds the SQL that, for every row at once, cleans each value (half-width, trimmed, placeholders
as missing), types it, and names the fault of each field (``missing_required``, ``wrong_type``,
``impossible_date``, ``bad_code``, ``bad_checksum``) — plus the row's content hash for exact duplicates and
whether it held undecodable bytes. Nothing here loops over rows in Python.
"""

from __future__ import annotations

from dataclasses import dataclass

from puhui.core.catalog import DatasetSpec, FieldSpec, FieldType
from puhui.core.errors import IngestError
from puhui.engines.sql_checks import (
    HALF_WIDTH_TABLE,
    credit_code_fault,
    half_width,
    looks_like_resident_id,
    normalized_id,
    parsed_date,
    parsed_timestamp,
    parsed_year_month,
    quote_identifier,
    quote_literal,
    resident_id_fault,
    trimmed,
)
from puhui.gov.ingest.readers import UNDECODABLE_MARK
from puhui.gov.lake.schema import DECIMAL_TYPE

# Values departments send for "nothing here" (compared after half-width folding and trimming, upper-cased).
MISSING_PLACEHOLDERS = ("", "暂无", "无", "-", "NULL", "\\N")

FAULT_REASONS = {
    "missing_required": "required field is empty",
    "wrong_type": "value does not have the field's type",
    "impossible_date": "date does not exist",
    "bad_code": "value is not in the field's code list",
    "bad_checksum": "check character of the ID number is wrong",
    "duplicate": "exact copy of an earlier row",
    "undecodable": "bytes not valid in the file's encoding",
}

_BOOL_TRUE = ("是", "1", "Y", "YES", "TRUE", "T")
_BOOL_FALSE = ("否", "0", "N", "NO", "FALSE", "F")


def normalize_label(text: str) -> str:
    return text.lstrip("\ufeff").translate(HALF_WIDTH_TABLE).strip()


@dataclass(frozen=True)
class ColumnMap:
    """Which delivered column holds each catalog field; what was extra or absent."""

    columns: dict[str, str]  # field name -> raw column (c0 …)
    extra: tuple[str, ...]  # delivered headers that match no field
    absent: tuple[str, ...]  # optional fields the file does not carry


def map_header(dataset: DatasetSpec, header: list[str]) -> ColumnMap:
    """Match headers to fields by Chinese label or by field name; a missing required field rejects the file."""
    by_label: dict[str, str] = {}
    for spec in dataset.fields:
        by_label.setdefault(normalize_label(spec.label.zh), spec.name)
        by_label.setdefault(spec.name.lower(), spec.name)
    columns: dict[str, str] = {}
    extra: list[str] = []
    for index, name in enumerate(header):
        field_name = by_label.get(normalize_label(name)) or by_label.get(normalize_label(name).lower())
        if field_name is None or field_name in columns:
            extra.append(normalize_label(name)[:40])
            continue
        columns[field_name] = f"c{index}"
    missing = [f.name for f in dataset.fields if f.required and f.name not in columns]
    if missing:
        raise IngestError(f"required column(s) missing for {dataset.id}: {', '.join(missing)}")
    absent = tuple(f.name for f in dataset.fields if f.name not in columns)
    return ColumnMap(columns, tuple(extra), absent)


def _code_key(text: str) -> str:
    return normalize_label(text).upper()


def _decimal_sql_type() -> str:
    return f"DECIMAL({DECIMAL_TYPE.precision}, {DECIMAL_TYPE.scale})"


def _typed_and_fault(spec: FieldSpec, v: str, n: str) -> tuple[str, str]:
    """(typed value, fault when the value is present) for one field; ``v`` is the cleaned text, ``n`` the
    normalized ID number for identifier fields."""
    kind = spec.type
    if kind is FieldType.RESIDENT_ID:
        return n, resident_id_fault(n)
    if kind is FieldType.CREDIT_CODE:
        return n, credit_code_fault(n)
    if kind is FieldType.SUBJECT_ID:
        fault = f"(CASE WHEN {looks_like_resident_id(n)} THEN {resident_id_fault(n)} ELSE {credit_code_fault(n)} END)"
        return n, fault
    if kind is FieldType.INT:
        value = f"(CASE WHEN regexp_full_match({v}, '[+-]?[0-9]+') THEN try_cast({v} AS BIGINT) END)"
        return value, f"(CASE WHEN {value} IS NULL THEN 'wrong_type' END)"
    if kind is FieldType.DECIMAL:
        plain = f"replace({v}, ',', '')"
        shape = (
            f"regexp_full_match({v}, '[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)|[+-]?[0-9]{{1,3}}(,[0-9]{{3}})+(\\.[0-9]*)?')"
        )
        value = f"(CASE WHEN {shape} THEN try_cast({plain} AS {_decimal_sql_type()}) END)"
        return value, f"(CASE WHEN {value} IS NULL THEN 'wrong_type' END)"
    if kind in (FieldType.DATE, FieldType.DATETIME, FieldType.YM):
        parse = {FieldType.DATE: parsed_date, FieldType.DATETIME: parsed_timestamp, FieldType.YM: parsed_year_month}
        value, matched = parse[kind](v)
        fault = f"(CASE WHEN NOT {matched} THEN 'wrong_type' WHEN {value} IS NULL THEN 'impossible_date' END)"
        return value, fault
    if kind is FieldType.CODE:
        codes = spec.codes or {}
        whens = " ".join(f"WHEN {quote_literal(_code_key(code))} THEN {quote_literal(code)}" for code in codes)
        value = f"(CASE upper({v}) {whens} END)"
        return value, f"(CASE WHEN {value} IS NULL THEN 'bad_code' END)"
    if kind is FieldType.BOOL:
        true_set = ", ".join(quote_literal(t) for t in _BOOL_TRUE)
        false_set = ", ".join(quote_literal(t) for t in _BOOL_FALSE)
        value = f"(CASE WHEN upper({v}) IN ({true_set}) THEN true WHEN upper({v}) IN ({false_set}) THEN false END)"
        return value, f"(CASE WHEN {value} IS NULL THEN 'wrong_type' END)"
    # str, text, phone: any text is well-typed.
    return v, "NULL"


def identifier_kind_sql(spec: FieldSpec, n: str) -> str:
    """'P' (person) or 'E' (enterprise): the pseudonym family of an identifier field's value."""
    if spec.type is FieldType.RESIDENT_ID:
        return "'P'"
    if spec.type is FieldType.CREDIT_CODE:
        return "'E'"
    return f"(CASE WHEN {looks_like_resident_id(n)} THEN 'P' ELSE 'E' END)"


class CheckQuery:
    """The per-batch SQL for one data set and one delivered header."""

    def __init__(self, dataset: DatasetSpec, column_map: ColumnMap, raw_columns: list[str]) -> None:
        self.dataset = dataset
        self.column_map = column_map
        self.raw_columns = raw_columns

    @staticmethod
    def value(name: str) -> str:
        return quote_identifier(f"v_{name}")

    @staticmethod
    def typed(name: str) -> str:
        return quote_identifier(f"t_{name}")

    @staticmethod
    def fault(name: str) -> str:
        return quote_identifier(f"e_{name}")

    @staticmethod
    def pseudonym_key(name: str) -> str:
        return quote_identifier(f"k_{name}")

    def sql(self, source: str) -> str:
        """SELECT over ``source`` (columns ``_row``, ``c0…``): per field ``v_`` cleaned text, ``t_`` typed value,
        ``e_`` fault; for identifier fields ``k_`` the pseudonym lookup key; ``_hash`` and ``_undecodable``."""
        raw_text = [f"coalesce(CAST({quote_identifier(c)} AS VARCHAR), chr(0))" for c in self.raw_columns]
        folded, cleaned, checked = [], [], []
        placeholders = ", ".join(quote_literal(p) for p in MISSING_PLACEHOLDERS)
        for spec in self.dataset.fields:
            name = spec.name
            raw = self.column_map.columns.get(name)
            h = quote_identifier(f"h_{name}")
            v = self.value(name)
            n = quote_identifier(f"n_{name}")
            source_text = f"CAST({quote_identifier(raw)} AS VARCHAR)" if raw else "CAST(NULL AS VARCHAR)"
            folded.append(f"{trimmed(half_width(source_text))} AS {h}")
            cleaned.append(f"CASE WHEN upper({h}) IN ({placeholders}) THEN NULL ELSE {h} END AS {v}")
            if spec.type in (FieldType.RESIDENT_ID, FieldType.CREDIT_CODE, FieldType.SUBJECT_ID):
                cleaned.append(f"{normalized_id(h)} AS {n}")
            value, fault = _typed_and_fault(spec, v, n)
            missing = "'missing_required'" if spec.required else "NULL"
            checked.append(f"{v}")
            checked.append(f"{value} AS {self.typed(name)}")
            checked.append(f"CASE WHEN {v} IS NULL THEN {missing} ELSE {fault} END AS {self.fault(name)}")
            if spec.type in (FieldType.RESIDENT_ID, FieldType.CREDIT_CODE, FieldType.SUBJECT_ID):
                checked.append(
                    f"CASE WHEN {v} IS NOT NULL THEN {identifier_kind_sql(spec, n)} || {n} END "
                    f"AS {self.pseudonym_key(name)}"
                )
        text = f"concat_ws(chr(31), {', '.join(raw_text)})"
        return (
            f"SELECT _row, md5_number(_text) AS _hash, "
            f"contains(_text, {quote_literal(UNDECODABLE_MARK)}) AS _undecodable, "
            f"{', '.join(checked)} FROM ("
            f"SELECT _row, _text, {', '.join(cleaned)}, "
            f"{', '.join(quote_identifier(f'h_{f.name}') for f in self.dataset.fields)} FROM ("
            f"SELECT _row, {text} AS _text, {', '.join(folded)} FROM {source}))"
        )

    def fault_columns(self) -> list[tuple[FieldSpec, str]]:
        return [(spec, self.fault(spec.name)) for spec in self.dataset.fields]


__all__ = ["FAULT_REASONS", "MISSING_PLACEHOLDERS", "CheckQuery", "ColumnMap", "map_header", "normalize_label"]
