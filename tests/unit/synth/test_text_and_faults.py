"""Vectorized spellings, and the faults put into deliveries: each is detectable and recorded exactly once."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from puhui.core.catalog import parse_catalog_documents
from puhui.core.errors import InvalidIdentifier
from puhui.core.ids import parse_subject_id
from puhui.synth import text
from puhui.synth.deliveries.faults import ERROR_HANDLER, LONE_BYTE_MARK, inject
from puhui.synth.rand import stream

CATALOG = """
provider: {id: demo, name: {zh: 演示, en: demo}, seed_row: 1, kind: department}
datasets:
  - id: demo.items
    version: 1
    name: {zh: 演示, en: demo items}
    subject: person
    subject_key: resident_id
    event_date: day
    delivery: {format: csv, encoding: gbk, frequency: monthly, freshness_days: 40}
    lawful_use: {class: allowed, reason: a test data set for the synthetic city}
    seed_row: 1
    fields:
      - name: resident_id
        label: {zh: 身份证号, en: id}
        type: resident_id
        privacy: direct_identifier
        required: true
      - {name: name, label: {zh: 姓名, en: name}, type: str, privacy: direct_identifier, required: true}
      - {name: day, label: {zh: 日期, en: day}, type: date, privacy: ordinary, required: true}
      - {name: amount, label: {zh: 金额, en: amount}, type: decimal, privacy: ordinary, unit: 元}
      - {name: kind, label: {zh: 类别, en: kind}, type: code, privacy: ordinary, codes: {A: a, B: b}}
"""


def test_dates_in_every_contract_spelling() -> None:
    day = np.array(["2024-03-07"], dtype="datetime64[D]")
    assert [text.dates(day, style)[0].as_py() for style in text.DATE_STYLES] == [
        "2024-03-07",
        "20240307",
        "2024-3-7",
        "2024/3/7",
        "2024年3月7日",
        "2024-3-7 0:00:00",
    ]
    assert text.year_months(np.array(["2025-11"], dtype="datetime64[M]"))[0].as_py() == "202511"
    assert text.datetimes(np.array(["2025-01-02T03:04:05"], dtype="datetime64[s]"))[0].as_py() == "2025-01-02 03:04:05"


def test_decimals_are_exact_fixed_point() -> None:
    assert text.decimals(np.array([12345, -5, 0, 7]), 2).to_pylist() == ["123.45", "-0.05", "0.00", "0.07"]
    assert text.decimals(np.array([48754824]), 6).to_pylist() == ["48.754824"]


def _columns(n: int) -> dict[str, pa.Array]:
    from puhui.synth.identifiers import resident_ids

    born = np.datetime64("1980-01-01") + np.arange(n).astype("timedelta64[D]")
    ids = resident_ids(np.full(n, 360502), born, np.full(n, 11))
    return {
        "resident_id": ids,
        "name": pa.array([f"张{i}" for i in range(n)]),
        "day": text.dates(np.datetime64("2025-01-01") + (np.arange(n) % 300).astype("timedelta64[D]")),
        "amount": text.decimals(np.arange(n) * 101, 2),
        "kind": pa.array(["A", "B"] * (n // 2)),
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_fault_breaks_its_row_and_nothing_else(seed: int) -> None:
    spec = parse_catalog_documents({"demo.yaml": CATALOG}).get("demo.items")
    n = 2000
    original = _columns(n)
    columns, copies, faults = inject(spec, original, 0.05, stream(seed, "faults-test"))
    assert faults, "a 5 % rate over 2000 rows breaks something"
    rows = [f.row for f in faults]
    assert len(rows) == len(set(rows)), "a row carries at most one fault"
    broken = {f.row: f for f in faults if f.row < n}
    for row in range(n):
        values = {name: columns[name][row].as_py() for name in columns}
        fault = broken.get(row)
        if fault is None:
            assert values == {name: original[name][row].as_py() for name in original}
            continue
        value = values[fault.field]
        if fault.kind == "bad_checksum":
            with pytest.raises(InvalidIdentifier):
                parse_subject_id(value)
        elif fault.kind == "missing_required":
            assert value is None
        elif fault.kind == "impossible_date":
            with pytest.raises(ValueError):
                np.datetime64(value)
        elif fault.kind == "wrong_type":
            assert not value.replace(".", "").replace("-", "").isdigit()
        elif fault.kind == "bad_code":
            assert value.strip().upper() not in ("A", "B")
        elif fault.kind == "undecodable":
            encoded = value.encode("gbk", errors=ERROR_HANDLER)
            assert LONE_BYTE_MARK in value and b"\xff" in encoded
            with pytest.raises(UnicodeDecodeError):
                encoded.decode("gbk")
    duplicates = [f for f in faults if f.kind == "duplicate"]
    assert len(duplicates) == (len(next(iter(copies.values()))) if copies else 0)
    table = pa.table(columns)
    for fault in duplicates:
        copy = {name: copies[name][fault.row - n].as_py() for name in copies}
        assert copy in table.to_pylist(), "a duplicate is an exact copy of an earlier row"
        assert (fault.row - n) >= 0
