"""Readers: one delivery file (CSV in UTF-8 or GBK/GB18030, XLSX, Parquet) as a stream of Arrow record batches.

Every reader yields text columns named ``c0 … cN`` in the file's own column order and reports the header as
delivered; mapping headers to catalog fields is the validator's job. Memory stays bounded: CSV is parsed as
bytes block by block and decoded column by column, XLSX is read row by row by calamine, Parquet by record batch.

Bytes that are not valid in the file's encoding become U+FFFD, so the row that holds them is quarantined as
``undecodable`` while the rest of the file loads. Errors that make a whole file unreadable are raised as
``IngestError`` with a message that never quotes the file's content (it may hold identifiers).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from puhui.core.catalog import DeliveryFormat
from puhui.core.errors import IngestError

UNDECODABLE_MARK = "\ufffd"
UTF8_BOM = codecs.BOM_UTF8
_SNIFF_BYTES = 4 << 20
# Beyond this share of undecodable lines, bytes are taken to be in another encoding than the one tried.
UNREPAIRABLE_SHARE = 0.25
_TRANSCODE_BLOCK = 8 << 20
_CSV_BLOCK = 16 << 20
XLSX_BATCH_ROWS = 50_000
# A row group is read as one record batch (up to this many rows, the rows the pipeline checks at once): DuckDB
# converts an Arrow dictionary once per record batch it scans, and the dictionaries of a chunk's ID numbers span the
# whole chunk (power usage and mobile payments, one worker: 1.18 / 1.16 -> 1.12 / 1.07 CPU-s per million rows
# with 500 k-row batches, three per row group of the 1.2 M city's files).
PARQUET_BATCH_ROWS = 1_500_000

# Python codec used for each declared encoding.
CODECS = {"utf-8": "utf-8", "gbk": "gbk", "gb18030": "gb18030"}

ProgressCallback = Callable[[int], None]


@dataclass
class RawDelivery:
    """A file opened for reading: its header as delivered, how it was decoded, and its rows in batches."""

    header: list[str]
    encoding: str | None
    encoding_detected: bool
    batches: Iterator[pa.RecordBatch]
    notes: list[str] = field(default_factory=list)
    format: DeliveryFormat = DeliveryFormat.CSV


def column_names(count: int) -> list[str]:
    return [f"c{i}" for i in range(count)]


def sniff_format(path: Path) -> DeliveryFormat:
    """What the bytes are, whatever the extension says (departments misname files)."""
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"PAR1"):
        return DeliveryFormat.PARQUET
    if head.startswith(b"PK\x03\x04"):
        return DeliveryFormat.XLSX
    return DeliveryFormat.CSV


def _undecodable_share(sample: bytes, encoding: str) -> float:
    lines = sample.decode(CODECS[encoding], "replace").splitlines()
    return sum(UNDECODABLE_MARK in line for line in lines) / max(len(lines), 1)


def choose_encoding(sample: bytes, declared: str | None) -> tuple[str, bool]:
    """``(encoding, detected)`` for a CSV file from its first bytes.

    A UTF-8 byte-order mark, or non-ASCII text that is valid UTF-8, means UTF-8 whatever was declared (legacy
    bytes are almost never valid UTF-8). Otherwise the declared encoding holds unless most lines do not decode
    in it; undeclared files try UTF-8 first, then GB18030 — in that order, because GB18030 decodes almost any
    bytes and would silently garble UTF-8 text.
    """
    if sample.startswith(UTF8_BOM):
        return "utf-8", declared != "utf-8"
    cut = sample.rfind(b"\n")
    whole_lines = sample[: cut + 1] if 0 <= cut < len(sample) - 1 else sample
    try:
        whole_lines.decode("utf-8")
        if not whole_lines.isascii() or declared is None:
            return "utf-8", declared != "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = [declared] if declared else []
    candidates += [c for c in ("utf-8", "gb18030") if c != declared]
    shares = {c: _undecodable_share(whole_lines, c) for c in candidates}
    for candidate in candidates:
        if shares[candidate] <= UNREPAIRABLE_SHARE:
            return candidate, candidate != declared
    best = min(candidates, key=lambda c: shares[c])
    return best, best != declared


class _CountingFile(io.FileIO):
    """A file that reports the bytes read to a progress callback."""

    def __init__(self, path: Path, progress: ProgressCallback | None) -> None:
        super().__init__(path, "rb")
        self._progress = progress

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        if self._progress is not None and data:
            self._progress(len(data))
        return data

    def readinto(self, buffer: Any) -> int:
        size = super().readinto(buffer)
        if self._progress is not None and size:
            self._progress(size)
        return size


def _string_view(column: pa.Array) -> pa.Array:
    """A binary column's buffers seen as a string column (no copy, no check)."""
    return pa.Array.from_buffers(
        pa.string(), len(column), column.buffers(), null_count=column.null_count, offset=column.offset
    )


def _decode_values(values: pa.Array, codec: str) -> pa.Array:
    """Byte strings decoded as text, U+FFFD for bytes invalid in ``codec``: all at once, joined by NUL bytes (NUL
    ends any multi-byte sequence in UTF-8, GBK and GB18030, so a broken byte stays in its own value)."""
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int32)[values.offset : values.offset + len(values) + 1]
    data = np.frombuffer(values.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    if not len(values) or (data == 0).any():  # a NUL inside a value: one value at a time
        texts = [None if v is None else v.decode(codec, "replace") for v in values.to_pylist()]
        return pa.array(texts, pa.string())
    lengths = np.diff(offsets)
    joined = np.zeros(len(data) + len(values), dtype=np.uint8)
    joined[np.arange(len(data)) + np.repeat(np.arange(len(values)), lengths)] = data
    encoded = np.frombuffer(joined.tobytes().decode(codec, "replace").encode("utf-8"), dtype=np.uint8)
    ends = np.flatnonzero(encoded == 0)
    new_offsets = np.zeros(len(values) + 1, dtype=np.int32)
    new_offsets[1:] = ends - np.arange(len(ends))
    return pa.Array.from_buffers(
        pa.string(), len(values), [None, pa.py_buffer(new_offsets), pa.py_buffer(encoded[encoded != 0])]
    )


def decode_column(column: pa.Array, codec: str) -> pa.Array:
    """A column read as the file's bytes, as text. ASCII is the same in every encoding the catalog allows and
    valid UTF-8 stays as it is (no copy); only values holding other bytes are decoded, with U+FFFD for bytes
    invalid in the encoding, so a broken byte costs only its value's row."""
    if not len(column):
        return pa.array([], pa.string())
    offsets = np.frombuffer(column.buffers()[1], dtype=np.int32)[column.offset : column.offset + len(column) + 1]
    buffer = column.buffers()[2]
    data = np.frombuffer(buffer if buffer is not None else b"", dtype=np.uint8)[offsets[0] : offsets[-1]]
    text = _string_view(column)
    if not len(data) or int(data.max()) < 0x80:
        return text
    if codec == "utf-8":
        try:
            text.validate(full=True)
            return text
        except pa.ArrowInvalid:
            pass
    starts = offsets[:-1] - offsets[0]
    lengths = np.diff(offsets)
    high = np.add.reduceat((data >= 0x80).view(np.uint8), np.minimum(starts, len(data) - 1), dtype=np.int32)
    mask = (high > 0) & (lengths > 0)  # reduceat gives an empty value the byte at its start
    rows = np.flatnonzero(mask)
    decoded = _decode_values(pc.take(column, pa.array(rows)), codec)
    return pc.replace_with_mask(text, pa.array(mask), decoded)


# A column is worth a dictionary when at most this share of its values is distinct: nearly unique values (the
# amounts of enterprise tax payments) cost a hash each as a dictionary and save nothing.
_DICTIONARY_MAX_DISTINCT_SHARE = 0.25
_REPEAT_SAMPLE_ROWS = 20_000


def values_repeat(column: pa.Array | pa.ChunkedArray) -> bool:
    """Whether the column's values repeat enough, judged on its first rows, to be handled once per distinct value."""
    sample = column.slice(0, _REPEAT_SAMPLE_ROWS)
    rows = len(sample)
    return rows > 0 and pc.count_distinct(sample).as_py() <= rows * _DICTIONARY_MAX_DISTINCT_SHARE


def _repeating_in_sample(sample: bytes, names: list[str], candidates: set[str]) -> set[str]:
    """The candidate columns whose values repeat in the file's first bytes (its first block, alike in kind)."""
    body = sample[: sample.rfind(b"\n") + 1]
    if not candidates or not body:
        return candidates
    try:
        table = pacsv.read_csv(
            io.BytesIO(body),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                include_columns=sorted(candidates), column_types=dict.fromkeys(candidates, pa.binary())
            ),
        )
    except pa.ArrowException:
        return candidates  # the whole read will report what is wrong with the file
    return {name for name in candidates if values_repeat(table.column(name))}


def _decoded(column: pa.Array, codec: str) -> pa.Array:
    if isinstance(column, pa.DictionaryArray):
        return pa.DictionaryArray.from_arrays(column.indices, decode_column(column.dictionary, codec))
    return decode_column(column, codec)


_COLUMN_COUNT = re.compile(r"Expected \d+ columns, got \d+")


def _safe_arrow_message(err: Exception) -> str:
    """Arrow's parse errors quote the offending row; keep only the shape of the problem."""
    found = _COLUMN_COUNT.search(str(err))
    if found:
        return f"a row has the wrong number of columns ({found.group(0).lower()}): truncated or broken file"
    if "invalid UTF8" in str(err):
        return "text that is not valid UTF-8 after decoding"
    return f"{type(err).__name__} while parsing"


def _read_header(path: Path, encoding: str) -> list[str]:
    with path.open("rb") as handle:
        sample = handle.read(1 << 20)
    if sample.startswith(UTF8_BOM):
        sample = sample[len(UTF8_BOM) :]
    text = sample.decode(CODECS[encoding], "replace")
    rows = csv.reader(io.StringIO(text))
    try:
        return next(rows)
    except StopIteration:
        raise IngestError("the file is empty: no header row") from None
    except csv.Error:
        raise IngestError("the header row cannot be parsed as CSV") from None


def open_csv(
    path: Path,
    declared_encoding: str | None,
    progress: ProgressCallback | None = None,
    repeated: Callable[[list[str]], Collection[str]] | None = None,
) -> RawDelivery:
    """``repeated`` names, from the header, the columns whose values repeat (months, dates, amounts): parsed as
    dictionaries, their distinct values are decoded once (and cleaned and typed once further on)."""
    with path.open("rb") as handle:
        sample = handle.read(_SNIFF_BYTES)
    if not sample.strip():
        raise IngestError("the file is empty")
    if b"\0" in sample:
        raise IngestError("the file holds binary data, not CSV text")
    encoding, detected = choose_encoding(sample, declared_encoding)
    header = _read_header(path, encoding)
    names = column_names(len(header))
    codec = CODECS[encoding]
    dictionary = _repeating_in_sample(sample, names, set(repeated(header)) if repeated is not None else set())
    # Parsed as bytes and decoded per column afterwards: the quotes, commas and line ends of a CSV file are ASCII
    # bytes that never occur inside a multi-byte character in UTF-8, GBK or GB18030, and most values are ASCII.
    stream = _CountingFile(path, progress)
    try:
        reader = pacsv.open_csv(
            stream,
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=_CSV_BLOCK),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={
                    name: pa.dictionary(pa.int32(), pa.binary()) if name in dictionary else pa.binary()
                    for name in names
                },
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as err:
        stream.close()
        raise IngestError(f"cannot read as CSV: {_safe_arrow_message(err)}") from None

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    return
                except pa.ArrowException as err:
                    raise IngestError(f"cannot read as CSV: {_safe_arrow_message(err)}") from None
                yield pa.RecordBatch.from_arrays([_decoded(c, codec) for c in batch.columns], names=names)
        finally:
            stream.close()

    return RawDelivery(header, encoding, detected, batches())


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _text_column(values: tuple[object, ...]) -> pa.Array:
    return pa.array([v if v.__class__ is str else _cell_text(v) for v in values], pa.string())


def open_xlsx(path: Path, progress: ProgressCallback | None = None) -> RawDelivery:
    """The first sheet of a workbook, read by calamine (Rust): cells as text, as the workbook shows them."""
    from python_calamine import CalamineWorkbook

    if not zipfile.is_zipfile(path):
        raise IngestError("not an XLSX workbook (not a zip container): wrong format or truncated")
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheets = workbook.sheet_names
        rows = iter(workbook.get_sheet_by_index(0).iter_rows())
    except Exception as err:  # calamine raises its own kinds for broken workbooks
        raise IngestError(f"cannot open the workbook: {type(err).__name__}") from None
    try:
        header = [_cell_text(v) for v in next(rows)]
    except StopIteration:
        workbook.close()
        raise IngestError("the workbook's first sheet is empty: no header row") from None
    while header and header[-1] == "":
        header.pop()
    width = len(header)
    names = column_names(width)
    notes = [f"{len(sheets) - 1} further sheet(s) ignored"] if len(sheets) > 1 else []
    size = path.stat().st_size
    padding = [""] * width

    def batch(pending: list[list[Any]]) -> pa.RecordBatch:
        cells = [row[:width] if len(row) >= width else row + padding[len(row) :] for row in pending]
        return pa.RecordBatch.from_arrays([_text_column(column) for column in zip(*cells, strict=True)], names=names)

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            pending: list[list[Any]] = []
            for row in rows:
                pending.append(row)
                if len(pending) == XLSX_BATCH_ROWS:
                    yield batch(pending)
                    pending = []
            if pending:
                yield batch(pending)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as err:
            raise IngestError(f"the workbook is broken part-way: {type(err).__name__}") from None
        finally:
            workbook.close()
            if progress is not None:
                progress(size)

    return RawDelivery(header, None, False, batches(), notes, DeliveryFormat.XLSX)


def _dictionary_text_columns(parquet: pq.ParquetFile) -> list[str]:
    """Text columns the file stores dictionary-encoded in every row group (codes, months, statuses): read as Arrow
    dictionaries they are not expanded to one string per row (power usage read 0.36 -> 0.12 CPU-s per million
    rows), and cleaning and typing work on the few distinct values."""
    metadata = parquet.metadata
    schema = parquet.schema_arrow
    names = []
    for index, column in enumerate(schema):
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            continue
        if schema.names.count(column.name) > 1 or metadata.num_row_groups == 0:
            continue
        if all(metadata.row_group(g).column(index).has_dictionary_page for g in range(metadata.num_row_groups)):
            names.append(column.name)
    return names


def open_parquet(path: Path, progress: ProgressCallback | None = None) -> RawDelivery:
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as err:
        raise IngestError(f"not a readable Parquet file ({type(err).__name__}): wrong format or truncated") from None
    header = list(parquet.schema_arrow.names)
    names = column_names(len(header))
    size = path.stat().st_size
    groups = max(parquet.num_row_groups, 1)
    dictionary = _dictionary_text_columns(parquet)
    if dictionary:  # reopened: the columns to keep as dictionaries are only known from the metadata
        parquet.close()
        parquet = pq.ParquetFile(path, read_dictionary=dictionary)

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            for group in range(parquet.num_row_groups):
                for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS, row_groups=[group]):
                    yield pa.RecordBatch.from_arrays(batch.columns, names=names)
                if progress is not None:
                    progress(size // groups)
        except (pa.ArrowInvalid, OSError) as err:
            raise IngestError(f"the Parquet file is broken part-way ({type(err).__name__})") from None
        finally:
            parquet.close()

    return RawDelivery(header, None, False, batches(), format=DeliveryFormat.PARQUET)


def open_delivery(
    path: Path,
    declared_encoding: str | None,
    progress: ProgressCallback | None = None,
    repeated: Callable[[list[str]], Collection[str]] | None = None,
) -> RawDelivery:
    """Open a delivery by its content; ``declared_encoding`` (manifest or catalog) and ``repeated`` apply to CSV
    only."""
    kind = sniff_format(path)
    if kind is DeliveryFormat.PARQUET:
        return open_parquet(path, progress)
    if kind is DeliveryFormat.XLSX:
        return open_xlsx(path, progress)
    if path.suffix.lower() in (".xlsx", ".parquet"):
        raise IngestError(f"a {path.suffix} file whose content is not {path.suffix[1:].upper()}: wrong format")
    return open_csv(path, declared_encoding, progress, repeated)


__all__ = [
    "CODECS",
    "UNDECODABLE_MARK",
    "UNREPAIRABLE_SHARE",
    "RawDelivery",
    "choose_encoding",
    "column_names",
    "decode_column",
    "open_delivery",
    "sniff_format",
]
