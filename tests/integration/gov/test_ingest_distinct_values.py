"""Typing and judging a dictionary column once per distinct value gives the same lake and the same quarantine as
typing every row: the same data delivered as dictionary-encoded and as plain Parquet, and as CSV with its repeating
columns parsed as dictionaries or as plain text."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from puhui.core.catalog import DatasetSpec, FieldType, load_catalog
from puhui.core.pseudonym import Pseudonymizer, PseudonymKeyring
from puhui.gov.ingest import pipeline, validation
from puhui.gov.ingest.deliveries import find_deliveries
from puhui.gov.ingest.pipeline import DeliveryIngestor
from puhui.gov.lake.store import Lake
from puhui.gov.lake.views import connect_lake
from tests.support.deliveries import valid_value

CATALOG = load_catalog()
# Between them: months, dates, date-times, decimals, integers, flags and codes.
DATASETS = ("power.payments", "agriculture.business_farmers", "market.annual_reports")
ROWS = 600
# Few values per type, repeated, good and bad: variants of the contract, placeholders, impossible dates, wrong types.
POOLS = {
    FieldType.YM: ["202401", "2024-02", "\uff12\uff10\uff12\uff14\uff10\uff13", " 202404 ", "无", "2024-13", "abc", ""],
    FieldType.DATE: ["2024-01-05", "2024/1/5", "20240105", "2023-02-30", "2021年2月29日", "abc", "暂无", ""],
    FieldType.DATETIME: ["2024-01-05 10:11:12", "2024-01-05", "2024-02-30 01:00:00", "x", "", "2024-03-01T08:00:00"],
    FieldType.DECIMAL: ["1,234.50", "12", "-3.5", "x", "", "-", "1.5", "１２"],
    FieldType.INT: ["12", "+3", "-4", "1.5", "x", "", "7"],
    FieldType.BOOL: ["是", "否", "y", "N", "true", "maybe", ""],
}


def _value(rng: random.Random, spec: object, dataset: DatasetSpec, row: int) -> str:
    kind = spec.type  # type: ignore[attr-defined]
    if kind in POOLS:
        pool = POOLS[kind]
        return pool[row % len(pool)] if row % 5 else pool[0]
    if kind is FieldType.CODE:
        codes = list(spec.codes or {})  # type: ignore[attr-defined]
        pool = [*codes, *(c.lower() for c in codes), "不存在的代码", ""]
        return pool[row % len(pool)] if row % 5 else codes[0]
    return valid_value(rng, spec, dataset)  # type: ignore[arg-type]


def _table(dataset: DatasetSpec) -> pa.Table:
    rng = random.Random(7)
    rows = [{f.name: _value(rng, f, dataset, i) for f in dataset.fields} for i in range(ROWS)]
    return pa.table({f.name: pa.array([r[f.name] or None for r in rows], pa.string()) for f in dataset.fields})


def _ingest(root: Path) -> Lake:
    lake = Lake(root / "lake")
    outcomes = DeliveryIngestor(lake, CATALOG, Pseudonymizer(PseudonymKeyring.parse("1:" + "5a" * 32))).ingest(
        find_deliveries(root / "deliveries")
    )
    assert [o.status for o in outcomes] == ["loaded"] * len(DATASETS)
    return lake


def _contents(lake: Lake) -> dict[str, object]:
    con = connect_lake(lake, CATALOG)
    found: dict[str, object] = {}
    for dataset in DATASETS:
        provider, short = dataset.split(".")
        found[dataset] = con.sql(
            f'SELECT * EXCLUDE (_batch_id, _received_at) FROM "{provider}"."{short}" ORDER BY _row'
        ).fetchall()
    found["quarantine"] = con.sql(
        "SELECT dataset, row, field, kind, reason, value FROM ops.quarantine ORDER BY dataset, row, field, kind"
    ).fetchall()
    return found


def _write(root: Path, file_format: str, *, dictionary: bool = True) -> None:
    for dataset_id in DATASETS:
        dataset = CATALOG.get(dataset_id)
        provider, short = dataset_id.split(".")
        path = root / "deliveries" / provider / f"{short}.{file_format}"
        path.parent.mkdir(parents=True, exist_ok=True)
        table = _table(dataset)
        if file_format == "parquet":
            pq.write_table(table, path, use_dictionary=dictionary, row_group_size=250)
        else:
            with path.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle, lineterminator="\n")
                writer.writerow(table.column_names)
                writer.writerows([v or "" for v in row.values()] for row in table.to_pylist())


def test_parquet_dictionaries_load_as_plain_text_does(tmp_path: Path) -> None:
    _write(tmp_path / "dictionary", "parquet")
    _write(tmp_path / "plain", "parquet", dictionary=False)
    encoded = _contents(_ingest(tmp_path / "dictionary"))
    plain = _contents(_ingest(tmp_path / "plain"))
    assert encoded["quarantine"], "the deliveries hold faults of every kind"
    kinds = {row[3] for row in encoded["quarantine"]}  # type: ignore[attr-defined]
    assert {"missing_required", "impossible_date", "wrong_type", "bad_code"} <= kinds
    assert encoded == plain


def test_csv_repeating_columns_load_as_plain_text_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path / "repeating", "csv")
    _write(tmp_path / "plain", "csv")
    repeating = _contents(_ingest(tmp_path / "repeating"))
    monkeypatch.setattr(pipeline, "repeated_columns", lambda dataset, header: set())
    monkeypatch.setattr(validation, "values_repeat", lambda column: False)
    assert _contents(_ingest(tmp_path / "plain")) == repeating
