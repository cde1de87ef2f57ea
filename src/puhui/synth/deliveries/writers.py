"""Files written the way departments send them, reproducibly: CSV in UTF-8 or GBK with Chinese headers, XLSX with
one sheet, Parquet with typed columns. No wall-clock time reaches a file: the XLSX zip entries and document
properties carry a fixed timestamp, and Parquet metadata holds nothing but the schema and the writer's version.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path
from typing import Protocol

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from puhui.synth.deliveries.faults import ERROR_HANDLER, LONE_BYTE, LONE_BYTE_MARK

FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)
_LONE_BYTE_MARK_UTF8 = LONE_BYTE_MARK.encode("utf-8")


class DeliveryWriter(Protocol):
    def write(self, table: pa.Table) -> None: ...

    def close(self) -> str:
        """Finish the file; the SHA-256 of its bytes."""
        ...


class _HashingFile:
    def __init__(self, path: Path) -> None:
        self._handle = path.open("wb")
        self._digest = hashlib.sha256()

    def write(self, data: bytes) -> None:
        self._digest.update(data)
        self._handle.write(data)

    def close(self) -> str:
        self._handle.close()
        return self._digest.hexdigest()


class CsvWriter:
    """Header of labels, then rows; text is quoted, missing values are empty. GBK files are transcoded in chunks."""

    def __init__(self, path: Path, header: list[str], encoding: str) -> None:
        self._file = _HashingFile(path)
        self._encoding = encoding
        self._header = header
        line = ",".join(_quote(label) for label in header) + "\n"
        self._file.write(self._encode(line))

    def _encode(self, text: str) -> bytes:
        if self._encoding == "utf-8":
            return text.encode("utf-8")
        return text.encode(self._encoding, errors=ERROR_HANDLER)

    def write(self, table: pa.Table) -> None:
        buffer = io.BytesIO()
        pacsv.write_csv(table, buffer, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
        data = buffer.getvalue()
        if self._encoding == "utf-8":
            self._file.write(data)
        elif _ascii_but_marks(table):
            # ASCII is the same in GBK: only the marks of undecodable bytes need replacing
            self._file.write(data.replace(_LONE_BYTE_MARK_UTF8, LONE_BYTE))
        else:
            self._file.write(self._encode(data.decode("utf-8")))

    def close(self) -> str:
        return self._file.close()


def _ascii_but_marks(table: pa.Table) -> bool:
    """Whether every text cell is ASCII apart from the marks standing for undecodable bytes."""
    for column in table.columns:
        if not pa.types.is_string(column.type) or column.null_count == len(column):
            continue
        if pc.all(pc.string_is_ascii(column)).as_py() is not False:
            continue
        if pc.all(pc.string_is_ascii(pc.replace_substring(column, LONE_BYTE_MARK, ""))).as_py() is False:
            return False
    return True


def _quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


class ParquetWriter:
    """Typed columns, zstd; dictionary encoding only for the low-cardinality ones (codes, months, flags)."""

    def __init__(self, path: Path, dictionary_columns: list[str]) -> None:
        self._path = path
        self._dictionary = dictionary_columns
        self._writer: pq.ParquetWriter | None = None
        self._schema: pa.Schema | None = None

    def write(self, table: pa.Table) -> None:
        table = table.replace_schema_metadata(None)
        if self._writer is None:
            self._schema = table.schema
            self._writer = pq.ParquetWriter(
                self._path,
                table.schema,
                compression="zstd",
                compression_level=1,
                store_schema=False,
                use_dictionary=self._dictionary,
            )
        elif table.schema != self._schema:
            # faults never change a Parquet column's type (``faults._kinds_for``): all chunks share the schema
            raise ValueError(f"chunk schema {table.schema} differs from the file's {self._schema}")
        self._writer.write_table(table, row_group_size=1 << 20)

    def close(self) -> str:
        if self._writer is not None:
            self._writer.close()
        return hashlib.sha256(self._path.read_bytes()).hexdigest()


class XlsxWriter:
    """A minimal SpreadsheetML workbook: one sheet, inline-string cells, header in the first row."""

    def __init__(self, path: Path, header: list[str]) -> None:
        self._path = path
        self._parts: list[str] = [_xlsx_row(header)]

    def write(self, table: pa.Table) -> None:
        cells = []
        for column in table.columns:
            escaped = _xml_escape(pc.cast(column, pa.string()))
            cell = pc.binary_join_element_wise(
                '<c t="inlineStr"><is><t xml:space="preserve">', escaped, "</t></is></c>", ""
            )
            cells.append(cell.fill_null("<c/>"))
        rows = pc.binary_join_element_wise("<row>", *cells, "</row>", "")
        self._parts.append("".join(rows.to_pylist()) if len(rows) else "")

    def close(self) -> str:
        sheet = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            + "".join(self._parts)
            + "</sheetData></worksheet>"
        )
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in (*_XLSX_PARTS, ("xl/worksheets/sheet1.xml", sheet)):
                info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, content.encode("utf-8"))
        data = buffer.getvalue()
        self._path.write_bytes(data)
        return hashlib.sha256(data).hexdigest()


def _xml_escape(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    for raw, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        column = pc.replace_substring(column, raw, escaped)
    return column


def _xlsx_row(values: list[str]) -> str:
    cells = "".join(f'<c t="inlineStr"><is><t xml:space="preserve">{_escape(v)}</t></is></c>' for v in values)
    return f"<row>{cells}</row>"


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_XLSX_PARTS = (
    (
        "[Content_Types].xml",
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/docProps/core.xml" '
        'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        "</Types>",
    ),
    (
        "_rels/.rels",
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/>'
        '<Relationship Id="rId2" '
        'Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" '
        'Target="docProps/core.xml"/>'
        "</Relationships>",
    ),
    (
        "docProps/core.xml",
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<dc:creator>puhui-synth</dc:creator>"
        '<dcterms:created xsi:type="dcterms:W3CDTF">2020-01-01T00:00:00Z</dcterms:created>'
        '<dcterms:modified xsi:type="dcterms:W3CDTF">2020-01-01T00:00:00Z</dcterms:modified>'
        "</cp:coreProperties>",
    ),
    (
        "xl/workbook.xml",
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
    ),
    (
        "xl/_rels/workbook.xml.rels",
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/>'
        "</Relationships>",
    ),
)

__all__ = ["CsvWriter", "DeliveryWriter", "ParquetWriter", "XlsxWriter"]
