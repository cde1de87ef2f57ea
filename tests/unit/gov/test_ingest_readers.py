"""CSV columns parsed as bytes and decoded afterwards: the same text, and the same U+FFFD marks, as decoding
the whole file first."""

from __future__ import annotations

import pyarrow as pa
import pytest

from puhui.gov.ingest.readers import UNDECODABLE_MARK, decode_column

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
