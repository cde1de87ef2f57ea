"""Small delivery folders for ingestion tests, written to the contract of ``docs/delivery-format.md``.

``write_delivery`` makes one file for a catalog data set — valid rows in all the value variants departments
send, plus deliberately broken rows — and returns its answer key, so the tests do not depend on the synthetic
city being available.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from puhui.core.catalog import DatasetSpec, FieldSpec, FieldType
from puhui.core.ids import credit_code_check_char, resident_id_check_digit

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
UNDECODABLE_MARK = "\u2603BAD\u2603"  # replaced by bytes invalid in GBK after encoding
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def resident_id(rng: random.Random) -> str:
    born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(365 * 50))
    first17 = f"360502{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + resident_id_check_digit(first17)


def credit_code(rng: random.Random) -> str:
    first17 = "91360502" + "".join(rng.choice(CREDIT_ALPHABET) for _ in range(9))
    return first17 + credit_code_check_char(first17)


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def phone(rng: random.Random) -> str:
    return "13" + "".join(str(rng.randrange(10)) for _ in range(9))


def _date_text(rng: random.Random, day: dt.date) -> str:
    return rng.choice(
        [
            day.isoformat(),
            f"{day.year}-{day.month}-{day.day}",
            f"{day:%Y%m%d}",
            f"{day.year}-{day.month}-{day.day} 0:00:00",
            f"{day.year}年{day.month}月{day.day}日",
            f"{day.year}/{day.month}/{day.day}",
        ]
    )


def _code_text(rng: random.Random, code: str) -> str:
    variant = rng.randrange(4)
    if variant == 1:
        return f" {code} "
    if variant == 2 and code.isascii():
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in code)
    if variant == 3:
        return code.lower()
    return code


def valid_value(rng: random.Random, spec: FieldSpec, dataset: DatasetSpec) -> str:
    kind = spec.type
    if kind is FieldType.RESIDENT_ID:
        value = resident_id(rng)
        return rng.choice([value, value.lower(), f" {value} "])
    if kind is FieldType.CREDIT_CODE:
        return credit_code(rng)
    if kind is FieldType.SUBJECT_ID:
        return resident_id(rng) if rng.random() < 0.6 else credit_code(rng)
    if kind is FieldType.PHONE:
        return phone(rng)
    if kind is FieldType.DATE:
        return _date_text(rng, dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(3000)))
    if kind is FieldType.DATETIME:
        day = dt.datetime(2015, 1, 1) + dt.timedelta(seconds=rng.randrange(10**8))
        return f"{day:%Y-%m-%d %H:%M:%S}"
    if kind is FieldType.YM:
        return rng.choice([f"20{rng.randrange(15, 26)}{rng.randrange(1, 13):02d}", f"2020-{rng.randrange(1, 13):02d}"])
    if kind is FieldType.INT:
        return str(rng.randrange(0, 100000))
    if kind is FieldType.DECIMAL:
        return f"{rng.uniform(0, 1000):.6f}"
    if kind is FieldType.CODE:
        return _code_text(rng, rng.choice(sorted(spec.codes or {})))
    if kind is FieldType.BOOL:
        return rng.choice(["是", "否", "1", "0", "Y", "N", "true", "false"])
    if kind is FieldType.TEXT:
        return f"被执行人{person_name(rng)}应支付款项"
    if spec.privacy.value == "direct_identifier":
        return person_name(rng)
    if not spec.required and rng.random() < 0.1:
        return rng.choice(["", "暂无", "-"])
    return f"（{rng.randrange(2015, 2025)}）赣05{rng.randrange(10000)}号"


@dataclass
class Delivery:
    path: Path
    relative: str
    dataset: str
    rows: int
    bad: dict[int, tuple[str, str]] = field(default_factory=dict)  # row -> (field, kind)
    values: list[dict[str, str]] = field(default_factory=list)  # every row as written (plaintext!)


def _first(dataset: DatasetSpec, types: tuple[FieldType, ...], *, required: bool | None = None) -> FieldSpec | None:
    for spec in dataset.fields:
        if spec.type in types and spec.name != dataset.subject_key and (required is None or spec.required is required):
            return spec
    return None


def _break(rng: random.Random, dataset: DatasetSpec, row: dict[str, str], kind: str) -> str | None:
    """Break ``row`` in place with one fault of ``kind``; the field broken, or None when the data set has none."""
    key = dataset.field(dataset.subject_key)
    if kind == "bad_checksum":
        value = row[key.name].strip().upper()
        digits = "0123456789X" if key.type is FieldType.RESIDENT_ID or value[:2] == "36" else CREDIT_ALPHABET
        row[key.name] = value[:17] + next(c for c in digits if c != value[17])
        return key.name
    if kind == "missing_required":
        spec = _first(dataset, tuple(FieldType), required=True) or key
        row[spec.name] = ""
        return spec.name
    if kind == "impossible_date":
        spec = _first(dataset, (FieldType.DATE,))
        if spec:
            row[spec.name] = rng.choice(["2023-02-30", "2023-13-01", "2021年2月29日"])
        return spec.name if spec else None
    if kind == "wrong_type":
        spec = _first(dataset, (FieldType.DATE, FieldType.INT, FieldType.DECIMAL))
        if spec:
            row[spec.name] = rng.choice(["abc", "十二"])
        return spec.name if spec else None
    if kind == "bad_code":
        spec = _first(dataset, (FieldType.CODE,))
        if spec:
            row[spec.name] = "不存在的代码"
        return spec.name if spec else None
    if kind == "undecodable":
        spec = _first(dataset, (FieldType.STR,))
        if spec:
            row[spec.name] = row[spec.name] + UNDECODABLE_MARK
        return spec.name if spec else None
    raise ValueError(kind)


def write_delivery(
    root: Path,
    dataset: DatasetSpec,
    *,
    rows: int = 200,
    seed: int = 1,
    file_format: str = "csv",
    encoding: str = "utf-8",
    faults: tuple[str, ...] = ("bad_checksum", "missing_required", "impossible_date", "wrong_type", "bad_code"),
    duplicates: int = 2,
    header: str = "zh",
) -> Delivery:
    """Write ``root/<provider>/<short>.<format>`` with ``rows`` data rows, some broken; return the answer key."""
    rng = random.Random(seed)
    provider, short = dataset.id.split(".", 1)
    relative = f"{provider}/{short}.{file_format}"
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    delivery = Delivery(path, relative, dataset.id, rows)
    kinds = [k for k in faults if k != "undecodable" or (file_format == "csv" and encoding != "utf-8")]
    broken_rows = rng.sample(range(2, rows + 1), min(len(kinds) * 2, rows // 3))
    plan = {row: kinds[i % len(kinds)] for i, row in enumerate(broken_rows)} if kinds else {}
    good_rows: list[int] = []
    for number in range(1, rows + 1):
        if number in plan:
            row = {f.name: valid_value(rng, f, dataset) for f in dataset.fields}
            broken = _break(rng, dataset, row, plan[number])
            if broken is not None:
                delivery.bad[number] = (broken, plan[number])
        elif (
            duplicates
            and good_rows
            and rng.random() < duplicates / rows * 3
            and len([k for _, k in delivery.bad.values() if k == "duplicate"]) < duplicates
        ):
            original = rng.choice(good_rows)
            row = dict(delivery.values[original - 1])
            delivery.bad[number] = ("", "duplicate")
        else:
            row = {f.name: valid_value(rng, f, dataset) for f in dataset.fields}
            good_rows.append(number)
        delivery.values.append(row)
    names = [f.name for f in dataset.fields]
    labels = [f.label.zh if header == "zh" else f.name for f in dataset.fields]
    if file_format == "csv":
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(labels)
        writer.writerows([[r[n] for n in names] for r in delivery.values])
        data = text.getvalue().replace(UNDECODABLE_MARK, "\0").encode(encoding).replace(b"\0", b"\x80\xff")
        path.write_bytes(data)
    elif file_format == "parquet":
        table = pa.table({n: pa.array([r[n] or None for r in delivery.values], pa.string()) for n in names})
        pq.write_table(table, path)
    elif file_format == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(labels)
        for r in delivery.values:
            sheet.append([r[n] for n in names])
        book.save(path)
    else:
        raise ValueError(file_format)
    return delivery


def write_manifest(root: Path, deliveries: list[Delivery], *, delivered_at: str = "2026-10-31T02:00:00+08:00") -> None:
    files = []
    for d in deliveries:
        files.append(
            {
                "path": d.relative,
                "dataset": d.dataset,
                "provider": d.dataset.split(".")[0],
                "format": d.path.suffix.lstrip("."),
                "rows": d.rows,
                "sha256": hashlib.sha256(d.path.read_bytes()).hexdigest(),
                "delivered_at": delivered_at,
            }
        )
    (root / "manifest.json").write_text(json.dumps({"generator": "tests", "files": files}, ensure_ascii=False))


def plaintext_identifiers(deliveries: list[Delivery], dataset_specs: dict[str, DatasetSpec]) -> set[str]:
    """Every resident ID, credit code, name and phone written into the deliveries, normalized."""
    found: set[str] = set()
    for d in deliveries:
        spec = dataset_specs[d.dataset]
        for row in d.values:
            for f in spec.fields:
                value = row[f.name].strip().upper().replace(UNDECODABLE_MARK, "")
                if f.privacy.value == "direct_identifier" and len(value) >= 2:
                    found.add(value)
    return found
