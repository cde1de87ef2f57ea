"""Files are reproducible to the byte and readable by ordinary readers."""

from __future__ import annotations

import hashlib
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from puhui.synth.deliveries.faults import LONE_BYTE_MARK
from puhui.synth.deliveries.writers import CsvWriter, ParquetWriter, XlsxWriter


def _table() -> pa.Table:
    return pa.table({"name": ["张三", "李<四>&", None], "amount": ["1.50", " 2 ", "3.00"]})


def test_xlsx_is_readable_and_identical_when_written_twice(tmp_path: Path) -> None:
    digests = []
    for name in ("a.xlsx", "b.xlsx"):
        writer = XlsxWriter(tmp_path / name, ["姓名", "金额"])
        writer.write(_table())
        digests.append(writer.close())
    assert digests[0] == digests[1] == hashlib.sha256((tmp_path / "a.xlsx").read_bytes()).hexdigest()
    rows = list(openpyxl.load_workbook(tmp_path / "a.xlsx", read_only=True).active.iter_rows(values_only=True))
    assert rows == [("姓名", "金额"), ("张三", "1.50"), ("李<四>&", " 2 "), (None, "3.00")]


def test_parquet_is_typed_chunked_and_identical_when_written_twice(tmp_path: Path) -> None:
    digests = []
    for name in ("a.parquet", "b.parquet"):
        writer = ParquetWriter(tmp_path / name, ["v"])
        writer.write(pa.table({"day": pa.array([1, 2], pa.date32()), "v": ["x", "y"]}))
        writer.write(pa.table({"day": pa.array([None], pa.date32()), "v": ["z"]}))
        digests.append(writer.close())
    assert digests[0] == digests[1]
    table = pq.read_table(tmp_path / "a.parquet")
    assert table.num_rows == 3 and table.schema.field("day").type == pa.date32()
    assert pq.ParquetFile(tmp_path / "a.parquet").metadata.num_row_groups == 2
    with pytest.raises(ValueError, match="schema"):
        writer = ParquetWriter(tmp_path / "c.parquet", [])
        writer.write(pa.table({"day": pa.array([1], pa.date32())}))
        writer.write(pa.table({"day": pa.array(["2024-02-30"])}))


def test_gbk_csv_has_chinese_headers_and_a_lone_ff_byte_for_the_mark(tmp_path: Path) -> None:
    writer = CsvWriter(tmp_path / "a.csv", ["姓名", "金额"], "gbk")
    writer.write(pa.table({"name": ["张" + LONE_BYTE_MARK + "三", "abc"], "amount": ["1", "2"]}))
    writer.close()
    data = (tmp_path / "a.csv").read_bytes()
    assert data.startswith('"姓名","金额"\n'.encode("gbk"))
    assert data.count(b"\xff") == 1
    lines = data.split(b"\n")
    assert lines[2].decode("gbk") == '"abc","2"'
