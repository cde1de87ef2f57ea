"""An independent reader of the delivery contract (``docs/delivery-format.md``), written for the tests from the
contract alone: it does not use the government node's ingestion. It reads every delivered file and says which
rows break the catalog and how."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pyarrow.parquet as pq

from puhui.core.catalog import Catalog, DatasetSpec, FieldSpec, FieldType
from puhui.core.errors import InvalidIdentifier
from puhui.core.ids import CreditCode, ResidentId, parse_subject_id

PLACEHOLDERS = {"", "暂无", "无", "-", "NULL"}
BOOLEANS = {"是", "否", "1", "0", "y", "n", "true", "false"}
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2}) \d{1,2}:\d{2}:\d{2}$"),
)
_DATETIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$")
_YM = re.compile(r"^(\d{4})-?(\d{2})$")


_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_SURROGATE = re.compile("[\udc80-\udcff]")
_INT = re.compile(r"-?\d+")
_DECIMAL = re.compile(r"-?\d+(\.\d+)?")


def half_width(value: str) -> str:
    return value.translate(_HALF_WIDTH)


@dataclass(frozen=True)
class Problem:
    path: str
    row: int
    field: str
    kind: str


def _valid_day(year: str, month: str, day: str) -> bool:
    try:
        dt.date(int(year), int(month), int(day))
    except ValueError:
        return False
    return True


def check_value(field: FieldSpec, raw: str) -> str | None:
    """The contract's fault kind of one non-missing value, or None when it is valid."""
    value = raw.strip()
    kind = field.type
    if kind in (FieldType.RESIDENT_ID, FieldType.CREDIT_CODE, FieldType.SUBJECT_ID):
        number = half_width(value).upper()
        try:
            if kind is FieldType.RESIDENT_ID:
                ResidentId(number)
            elif kind is FieldType.CREDIT_CODE:
                CreditCode(number)
            else:
                parse_subject_id(number)
        except InvalidIdentifier:
            return "bad_checksum"
        return None
    if kind is FieldType.INT:
        return None if _INT.fullmatch(value) else "wrong_type"
    if kind is FieldType.DECIMAL:
        return None if _DECIMAL.fullmatch(value) else "wrong_type"
    if kind is FieldType.DATE:
        for pattern in _DATE_PATTERNS:
            match = pattern.fullmatch(value)
            if match:
                return None if _valid_day(*match.groups()[:3]) else "impossible_date"
        return "impossible_date" if re.fullmatch(r"[\d\-/年月日: ]+", value) else "wrong_type"
    if kind is FieldType.DATETIME:
        match = _DATETIME.fullmatch(value)
        if match:
            y, m, d, hh, mm, ss = (int(g) for g in match.groups())
            return None if _valid_day(str(y), str(m), str(d)) and hh < 24 and mm < 60 and ss < 60 else "impossible_date"
        return "impossible_date" if re.fullmatch(r"[\d\-: ]+", value) else "wrong_type"
    if kind is FieldType.YM:
        match = _YM.fullmatch(value)
        if match:
            return None if 1 <= int(match.group(2)) <= 12 else "impossible_date"
        return "wrong_type"
    if kind is FieldType.CODE:
        normal = half_width(value).strip().lower()
        return None if normal in {c.lower() for c in field.codes or {}} else "bad_code"
    if kind is FieldType.BOOL:
        return None if value.lower() in BOOLEANS else "wrong_type"
    if kind is FieldType.PHONE:
        return None if re.fullmatch(r"1\d{10}", value) else "wrong_type"
    return None


def _rows_of(path: Path, spec: DatasetSpec, encoding: str) -> tuple[list[str], list[list[str | None]]]:
    suffix = path.suffix
    if suffix == ".csv":
        text = path.read_bytes().decode("utf-8" if encoding == "utf-8" else "gbk", errors="surrogateescape")
        records = list(csv.reader(io.StringIO(text, newline="")))
        return records[0], [list(r) for r in records[1:]]
    if suffix == ".xlsx":
        workbook = openpyxl.load_workbook(path, read_only=True)
        rows = [[None if c is None else str(c) for c in row] for row in workbook.active.iter_rows(values_only=True)]
        return [str(h) for h in rows[0]], rows[1:]
    table = pq.read_table(path)
    columns = []
    for name in table.column_names:
        values = []
        for value in table[name].to_pylist():
            if value is None:
                values.append(None)
            elif isinstance(value, bool):
                values.append("true" if value else "false")
            elif isinstance(value, dt.datetime):
                values.append(value.strftime("%Y-%m-%d %H:%M:%S"))
            else:
                values.append(str(value))
        columns.append(values)
    return table.column_names, [list(r) for r in zip(*columns, strict=True)] if columns else []


def _column_problems(field: FieldSpec, column: list[str | None]) -> dict[int, str]:
    """Row index -> fault kind for one column; each distinct value is judged once (series repeat values a lot)."""
    verdicts: dict[str | None, str | None] = {}
    for value in set(column):
        if value is not None and _SURROGATE.search(value):
            verdicts[value] = "undecodable"
        elif value is None or value.strip() in PLACEHOLDERS:
            verdicts[value] = "missing_required" if field.required else None
        else:
            verdicts[value] = check_value(field, value)
    flagged = {value: kind for value, kind in verdicts.items() if kind is not None}
    if not flagged:
        return {}
    return {row: flagged[value] for row, value in enumerate(column) if value in flagged}


@dataclass
class Report:
    counts: dict[str, int]  # data rows by path
    problems: list[Problem]
    identifier_cells: int  # resident IDs and credit codes checked


def check_delivery(root: Path, catalog: Catalog) -> Report:
    """Every file of ``root/deliveries``: row counts by path, and every row that breaks the catalog."""
    manifest = json.loads((root / "deliveries" / "manifest.json").read_text(encoding="utf-8"))
    counts: dict[str, int] = {}
    problems: list[Problem] = []
    identifier_cells = 0
    for entry in manifest["files"]:
        spec = catalog.get(entry["dataset"])
        path = root / "deliveries" / entry["path"]
        header, rows = _rows_of(path, spec, entry["encoding"])
        by_label = {f.label.zh: f for f in spec.fields} | {f.name: f for f in spec.fields}
        fields = [by_label[h] for h in header]
        assert {f.name for f in fields} == {f.name for f in spec.fields}, f"{entry['path']}: columns differ"
        counts[entry["path"]] = len(rows)
        seen: set[tuple[str | None, ...]] = set()
        for number, row in enumerate(rows, start=1):
            key = tuple(row)
            if key in seen:
                problems.append(Problem(entry["path"], number, "", "duplicate"))
            seen.add(key)
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in fields]
        for field, column in zip(fields, columns, strict=True):
            if field.type in (FieldType.RESIDENT_ID, FieldType.CREDIT_CODE, FieldType.SUBJECT_ID):
                identifier_cells += sum(
                    1 for value in column if value is not None and value.strip() not in PLACEHOLDERS
                )
            for row, kind in _column_problems(field, list(column)).items():
                problems.append(Problem(entry["path"], row + 1, field.name, kind))
    return Report(counts, problems, identifier_cells)


__all__ = ["Problem", "Report", "check_delivery", "check_value"]
