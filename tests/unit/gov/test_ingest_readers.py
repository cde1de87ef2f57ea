"""CSV columns parsed as bytes and decoded afterwards: the same text, and the same U+FFFD marks, as decoding
the whole file first."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from tests.support.deliveries import resident_id

from puhui.core.catalog import FieldType, load_catalog
from puhui.core.pseudonym import Pseudonymizer, PseudonymKeyring
from puhui.gov.ingest import readers
from puhui.gov.ingest.pipeline import IdentifierMemo
from puhui.gov.ingest.readers import UNDECODABLE_MARK, decode_column, open_csv, open_parquet, values_repeat
from puhui.gov.ingest.validation import map_header, prepare_chunk, repeated_columns

VALUES = [b"360502198011041528", "\u65e0".encode("gbk"), b"", "\u5c45\u6c11\u751f\u6d3b".encode("gbk"), b"4000.00"]


@pytest.mark.parametrize("codec", ["gbk", "gb18030", "utf-8"])
def test_decoded_as_the_whole_text_would_be(codec: str) -> None:
    texts = ["360502198011041528", "\u65e0", "", "\u5c45\u6c11\u751f\u6d3b", "（2019）\u3000x", "4000.00"]
    column = pa.array([t.encode(codec) for t in texts], pa.binary())
    assert decode_column(column, codec).to_pylist() == texts


def test_ascii_column_is_not_copied() -> None:
    column = pa.array([b"1", b"", b"22"], pa.binary())
    decoded = decode_column(column, "gbk")
    assert decoded.type == pa.string() and decoded.to_pylist() == ["1", "", "22"]
    assert decoded.buffers()[2].address == column.buffers()[2].address


@pytest.mark.parametrize("codec", ["gbk", "gb18030", "utf-8"])
def test_a_broken_byte_marks_only_its_value(codec: str) -> None:
    good = "\u5c45\u6c11".encode(codec)
    # 0xFF is valid in none of the encodings; a lead byte at a value's end must not swallow the next value
    column = pa.array([good, good[:1], b"a\xffb", good, b"\x81", "\u6b63\u5e38".encode(codec)], pa.binary())
    decoded = decode_column(column, codec).to_pylist()
    assert decoded[0] == decoded[3] == "\u5c45\u6c11" and decoded[5] == "\u6b63\u5e38"
    assert all(UNDECODABLE_MARK in value for value in (decoded[1], decoded[2], decoded[4]))


def test_sliced_columns_and_nul_bytes() -> None:
    column = pa.array([b"x", "\u65e0".encode("gbk"), b"a\x00\xb0\xa1", b"z"], pa.binary()).slice(1)
    assert decode_column(column, "gbk").to_pylist() == ["\u65e0", "a\x00\u554a", "z"]


def test_empty_column() -> None:
    assert decode_column(pa.array([], pa.binary()), "gbk").to_pylist() == []


def test_parquet_dictionary_columns_check_as_plain_text(tmp_path: Path) -> None:
    """Text columns a Parquet file keeps dictionary-encoded are read as dictionaries, cleaned and judged on their
    distinct values, batch by batch (each has its own dictionary): every prepared column equals the one prepared
    from the same file read as plain text."""
    dataset = load_catalog().get("power.usage")
    rows = 1_000
    full_width = "\uff12\uff10\uff12\uff14\uff10\uff13"
    months = ["202401", "2024-02", full_width, " 202404 ", "无", "2024-13", f"x{UNDECODABLE_MARK}y", None]
    subjects = ["11010519491231002X", " 110105194912310021 ", "-", "ABC", None, "91350100M000100Y43"]
    table = pa.table(
        {
            "subject_id": [subjects[(i * 7) % len(subjects)] for i in range(rows)],
            "account_no": [f"A{i % 97}" if i % 11 else "NULL" for i in range(rows)],
            "bill_month": [months[i % len(months)] for i in range(rows)],
            "kwh": [f"{i}.5" for i in range(rows)],
            "amount_billed": ["1" for _ in range(rows)],
            "tariff_class": [["居民生活", "大工业", " 农业生产", "other", None][i % 5] for i in range(rows)],
        }
    )
    path = tmp_path / "usage.parquet"
    pq.write_table(table, path, row_group_size=300)
    raw = open_parquet(path)
    chunk = pa.Table.from_batches(list(raw.batches))
    assert pa.types.is_dictionary(chunk.column("c2").type) and chunk.column("c2").num_chunks > 1
    plain = pq.read_table(path).rename_columns(chunk.column_names)
    column_map = map_header(dataset, raw.header)
    pseudonymizer = Pseudonymizer(PseudonymKeyring.parse("1:" + "5a" * 32))
    prepared = [
        prepare_chunk(dataset, column_map, source, 1, IdentifierMemo(pseudonymizer, 1)) for source in (chunk, plain)
    ]
    assert prepared[0].column_names == prepared[1].column_names
    for name in prepared[0].column_names:
        columns = [table.column(name) for table in prepared]
        as_text = [pc.cast(c, c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in columns]
        assert as_text[0].to_pylist() == as_text[1].to_pylist(), name


def test_a_parquet_row_group_is_read_as_one_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB converts an Arrow dictionary once per record batch: a row group comes whole, as one batch, unless it
    is larger than a chunk (memory stays bounded)."""
    path = tmp_path / "usage.parquet"
    months = pa.array([f"2024{m:02d}" for m in range(1, 13)]).take(pa.array([i % 12 for i in range(700_000)]))
    pq.write_table(pa.table({"month": months}), path, row_group_size=600_000)
    assert [batch.num_rows for batch in open_parquet(path).batches] == [600_000, 100_000]
    monkeypatch.setattr(readers, "PARQUET_BATCH_ROWS", 250_000)
    assert [batch.num_rows for batch in open_parquet(path).batches] == [250_000, 250_000, 100_000, 100_000]


def test_csv_repeated_columns_read_as_dictionaries_check_as_plain_text(tmp_path: Path) -> None:
    """A GBK CSV file's months and amounts parsed as dictionaries (decoded, cleaned and typed per distinct value)
    prepare to the same columns as the same file read as plain text, broken bytes included."""
    dataset = load_catalog().get("power.usage")
    months = ["202401", "2024-02", "\uff12\uff10\uff12\uff14\uff10\uff13", " 202404 ", "\u65e0", "2024-13", ""]
    amounts = [b"1.50", "\u65e0".encode("gbk"), b"a\xffb", b"-", b"", b"12"]
    lines = [b"subject_id,account_no,bill_month,kwh,amount_billed,tariff_class"]
    for i in range(500):
        month = months[i % len(months)].encode("gbk")
        lines.append(b"110105194912310021,A%d,%s,%d.5,%s,x" % (i % 7, month, i % 13, amounts[i % len(amounts)]))
    path = tmp_path / "usage.csv"
    path.write_bytes(b"\n".join(lines) + b"\n")
    tables = [
        pa.Table.from_batches(list(open_csv(path, "gbk", None, repeated).batches))
        for repeated in (lambda header: repeated_columns(dataset, header), None)
    ]
    assert pa.types.is_dictionary(tables[0].column("c2").type) and pa.types.is_dictionary(tables[0].column("c4").type)
    assert tables[1].column("c2").type == pa.string()
    column_map = map_header(dataset, ["subject_id", "account_no", "bill_month", "kwh", "amount_billed", "tariff_class"])
    pseudonymizer = Pseudonymizer(PseudonymKeyring.parse("1:" + "5a" * 32))
    prepared = [prepare_chunk(dataset, column_map, t, 1, IdentifierMemo(pseudonymizer, 1)) for t in tables]
    for name in prepared[0].column_names:
        columns = [table.column(name) for table in prepared]
        as_text = [pc.cast(c, c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in columns]
        assert as_text[0].to_pylist() == as_text[1].to_pylist(), name
    assert any(prepared[0].column("_undecodable").to_pylist())


def test_csv_columns_of_nearly_unique_values_stay_plain_text(tmp_path: Path) -> None:
    """Only candidate columns whose values repeat are parsed as dictionaries: nearly unique amounts would cost a hash
    each and save nothing."""
    dataset = load_catalog().get("power.usage")
    lines = [b"subject_id,account_no,bill_month,kwh,amount_billed,tariff_class"]
    for i in range(1000):
        lines.append(b"110105194912310021,A1,2024%02d,%d.25,%d.5,x" % (i % 12 + 1, i, i % 9))
    path = tmp_path / "usage.csv"
    path.write_bytes(b"\n".join(lines) + b"\n")
    table = pa.Table.from_batches(list(open_csv(path, "utf-8", None, lambda h: repeated_columns(dataset, h)).batches))
    assert repeated_columns(dataset, lines[0].decode().split(",")) >= {"c2", "c3", "c4"}
    assert pa.types.is_dictionary(table.column("c2").type) and pa.types.is_dictionary(table.column("c4").type)
    assert table.column("c3").type == pa.string()
    assert values_repeat(pa.array(["1", "2"] * 10)) and not values_repeat(pa.array([str(i) for i in range(20)]))


def test_the_identifier_memo_is_not_misled_by_a_shared_hash() -> None:
    """The memo finds texts by their 64-bit hash; a memo row whose hash is that of another text (forged here) must
    not answer for it."""
    memo = IdentifierMemo(Pseudonymizer(PseudonymKeyring.parse("1:" + "5a" * 32)), 1)
    texts = pa.array(["11010519491231002X", "110105194912310021"])
    first = memo(FieldType.RESIDENT_ID, texts)
    table = memo.tables[FieldType.RESIDENT_ID]
    memo.con.execute(
        f"INSERT INTO {table} SELECT hash('11010519491231002X'), 'x', 'x', NULL, 'forged' UNION ALL "
        "SELECT hash('110105194912310030'), 'y', 'y', NULL, 'forged'"
    ).fetchall()
    again = memo(FieldType.RESIDENT_ID, pa.array(["110105194912310030", "11010519491231002X"]))
    pseudonyms = [again[3][i].as_py() for i in again[0]]
    assert "forged" not in pseudonyms and pseudonyms[1] == first[3][first[0][0]].as_py()
    assert pseudonyms[0] is None  # 110105194912310030 has a wrong check character


def test_texts_judged_by_two_workers_at_once_are_remembered_once() -> None:
    """New texts are judged and hashed outside the memo's lock; two workers meeting the same new numbers at once
    both get their pseudonyms, and the memo keeps each text once."""
    memo = IdentifierMemo(Pseudonymizer(PseudonymKeyring.parse("1:" + "5a" * 32)), 1)
    texts = pa.array(sorted({resident_id(random.Random(seed)) for seed in range(2_000)}))
    barrier = threading.Barrier(2)

    def lookup(_: int) -> list[str | None]:
        barrier.wait()
        where, _value, _fault, pseudonyms = memo(FieldType.RESIDENT_ID, texts)
        return [pseudonyms[i].as_py() for i in where]

    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(lookup, range(2))
    assert first == second and None not in first
    table = memo.tables[FieldType.RESIDENT_ID]
    assert memo.con.execute(f"SELECT count(*), count(DISTINCT text) FROM {table}").fetchall() == [(len(texts),) * 2]
