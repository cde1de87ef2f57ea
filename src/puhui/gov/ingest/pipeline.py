"""Ingesting deliveries into the lake: read, validate, pseudonymize, quarantine, publish — one batch per file.

``DeliveryIngestor`` is the use case behind ``puhui gov ingest``. Per file: resolve its data set, hash it (an
identical re-delivery changes nothing), and stream it in chunks of 500 k rows (Parquet: whole row groups, 1.5 M rows
or more). Per chunk: ID numbers are judged and pseudonymized once per distinct delivered text (``IdentifierMemo``,
remembered for the run), other text cleaned in Arrow, columns of repeating values typed and judged once per distinct
value; one DuckDB pass over the chunk finds each row's faults and hash (duplicates), the few bad rows go to
quarantine, and a second pass types the good rows into the batch's part, in file order. The batch is published
atomically. Files of different data sets load side by side on three workers. A file that cannot be read as a whole
is rejected and leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from puhui.core.catalog import (
    IDENTIFIER_TYPES,
    Catalog,
    DatasetSpec,
    DeliveryFormat,
    FieldSpec,
    FieldType,
    PrivacyClass,
)
from puhui.core.errors import IngestError, NotFound
from puhui.core.masking import mask_name, mask_phone, mask_resident_id
from puhui.core.pseudonym import Pseudonymizer
from puhui.engines.arrow_checks import decoded
from puhui.engines.sql_checks import quote_identifier, quote_literal
from puhui.gov.ingest.deliveries import DeliveryFile
from puhui.gov.ingest.readers import (
    PARQUET_BATCH_ROWS,
    UNDECODABLE_MARK,
    UNREPAIRABLE_SHARE,
    RawDelivery,
    column_names,
    open_delivery,
)
from puhui.gov.ingest.validation import (
    FAULT_REASONS,
    CheckQuery,
    JudgeIdentifiers,
    fault_column,
    judge_identifier_texts,
    map_header,
    prepare_chunk,
    repeated_columns,
    typed_column,
    value_column,
)
from puhui.gov.lake.schema import QUARANTINE_SCHEMA, kept_fields, lake_column, lake_schema
from puhui.gov.lake.store import BatchRecord, Lake
from puhui.gov.lake.views import sql_type_of, write_views_sql

QUARANTINE_VALUE_CHARS = 64
# Rows checked per DuckDB query (and per part file): large enough to amortize the query, small enough that
# memory stays bounded whatever the file's size.
CHUNK_ROWS = 500_000
# Parquet's typed columns take less memory per row than text, and its utility files come month by month, so that a
# 500 k-row chunk held each household's number once: three times the rows look each number up a third as often
# (power usage on the 1.2 M city 1.57 -> 1.37 CPU-s per million rows, a worker's peak memory 1.4 -> 2.1 GB).
PARQUET_CHUNK_ROWS = PARQUET_BATCH_ROWS
# Rows per row group of a part: DuckDB's own size. Larger groups cost a third more CPU to write (each column's
# dictionary of distinct values outgrows the caches: pseudonyms are nearly all distinct).
PART_ROW_GROUP = 122_880

ProgressCallback = Callable[[int], None]
# Files loaded side by side: one more than the machine's two cores, each worker's DuckDB on one thread, so that
# both cores stay busy while a worker waits (fsync of a batch, the memo's lock, the GIL). Measured on the 200 k
# city: 3 workers x 1 thread 23-28 s, 2 x 1 35-40 s, 2 x 2 29-47 s, 4 x 1 23-37 s, the same CPU per row.
DEFAULT_WORKERS = 3


# CPU per row relative to Parquet, as measured on the 1.2 M-person city: text must be decoded, parsed and typed.
_RELATIVE_ROW_COST = {".parquet": 1.0, ".csv": 2.5, ".xlsx": 10.0}
# Bytes per row of a delivered CSV or workbook, to guess its rows when the manifest does not say.
_BYTES_PER_ROW = 150


def _expected_cost(delivery: DeliveryFile) -> float:
    """A guess at a file's load time (relative units), to start the longest loads first."""
    if not delivery.path.is_file():
        return 0.0
    suffix = delivery.path.suffix.lower()
    if delivery.entry is not None and delivery.entry.rows is not None:
        rows = delivery.entry.rows
    elif suffix == ".parquet":
        try:
            rows = pq.read_metadata(delivery.path).num_rows
        except (pa.ArrowInvalid, OSError):
            rows = 0
    else:
        rows = delivery.path.stat().st_size // _BYTES_PER_ROW
    return rows * _RELATIVE_ROW_COST.get(suffix, 1.0)


def _locked(progress: ProgressCallback | None) -> ProgressCallback | None:
    """The progress callback, called by one worker at a time."""
    if progress is None:
        return None
    lock = threading.Lock()

    def report(done: int) -> None:
        with lock:
            progress(done)

    return report


@dataclass
class IngestOutcome:
    """What happened to one delivery file; no row content, only counts, ids and reasons."""

    file: str
    dataset: str
    status: str  # loaded | unchanged | rejected
    batch_id: str | None = None
    rows_read: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
    quarantine_by_kind: dict[str, int] = field(default_factory=dict)
    reason: str | None = None
    encoding: str | None = None
    extra_columns: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def sha256_of(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def declared_encoding(delivery: DeliveryFile, dataset: DatasetSpec) -> str | None:
    """The manifest's encoding, else the catalog's when the entry states one; None means detect."""
    if delivery.entry and delivery.entry.encoding:
        return delivery.entry.encoding.lower().replace("_", "-")
    if "encoding" in dataset.delivery.model_fields_set:
        return dataset.delivery.encoding.value
    return None


def _masked(spec: FieldSpec, value: str | None) -> str | None:
    """What quarantine may keep of an offending value: identifiers masked, sensitive values not at all."""
    if value is None or spec.privacy is PrivacyClass.SENSITIVE:
        return None
    if spec.type in IDENTIFIER_TYPES:
        return mask_resident_id(value)
    if spec.type is FieldType.PHONE:
        return mask_phone(value)
    if spec.privacy is PrivacyClass.DIRECT_IDENTIFIER or spec.type is FieldType.TEXT:
        return mask_name(value)
    return value[:QUARANTINE_VALUE_CHARS]


def _chunks(batches: Iterator[pa.RecordBatch], rows: int) -> Iterator[pa.Table]:
    """Record batches regrouped into tables of about ``rows`` rows."""
    pending: list[pa.RecordBatch] = []
    size = 0
    for batch in batches:
        pending.append(batch)
        size += batch.num_rows
        if size >= rows:
            yield pa.Table.from_batches(pending)
            pending, size = [], 0
    if pending:
        yield pa.Table.from_batches(pending)


def _text(name: str) -> str:
    """The column holding a field's value as text, for quarantine."""
    return quote_identifier(f"q_{name}")


def _empty_raw(raw: RawDelivery) -> pa.Table:
    return pa.table({name: pa.array([], pa.string()) for name in column_names(len(raw.header))})


class _FileLoad:
    """The streaming load of one file into a staged batch."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        judge_identifiers: JudgeIdentifiers,
        dataset: DatasetSpec,
        raw: RawDelivery,
        relative: str,
        batch_id: str,
        received_at: dt.datetime,
    ) -> None:
        self.con = con
        self.judge_identifiers = judge_identifiers
        self.dataset = dataset
        self.raw = raw
        self.relative = relative
        self.batch_id = batch_id
        self.received_at = received_at
        self.column_map = map_header(dataset, raw.header)
        self.query: CheckQuery | None = None
        self.schema = lake_schema(dataset)
        self.rows_read = 0
        self.rows_accepted = 0
        self.kinds: Counter[str] = Counter()
        self.bad_rows = 0
        self.undecodable_rows = 0
        self.quarantine: list[pa.Table] = []

    def run(self, parts: Path, quarantine: Path) -> list[str]:
        """Stream the file through the checks; good rows go to ``parts/part-NNNNN.parquet`` (one per chunk),
        bad rows to ``quarantine``. Returns the part file names."""
        self._run("CREATE OR REPLACE TEMP TABLE seen (_hash UBIGINT, first_row BIGINT)")
        names: list[str] = []
        rows = PARQUET_CHUNK_ROWS if self.raw.format is DeliveryFormat.PARQUET else CHUNK_ROWS
        chunks = _chunks(self.raw.batches, rows)
        raw = next(chunks, None)
        while raw is not None:
            following = next(chunks, None)
            names.append(self._check_chunk(raw, parts, len(names), last=following is None))
            raw = following
        if not names:  # an empty file still gets a part, so the batch has a schema
            names.append(self._check_chunk(_empty_raw(self.raw), parts, 0, last=True))
        for table in ("seen", "checked", "dups", "bad"):
            self._run(f"DROP TABLE IF EXISTS {table}")
        table = pa.concat_tables(self.quarantine) if self.quarantine else QUARANTINE_SCHEMA.empty_table()
        pq.write_table(table, quarantine, compression="snappy")
        return names

    def _check_chunk(self, raw: pa.Table, parts: Path, index: int, *, last: bool) -> str:
        if self.query is None:  # typed Parquet columns are known from the first chunk
            self.query = CheckQuery(self.dataset, self.column_map, {f.name: f.type for f in raw.schema})
        query = self.query
        count = raw.num_rows
        chunk = prepare_chunk(
            self.dataset, self.column_map, raw, self.rows_read + 1, self.judge_identifiers, query.native
        )
        chunk, pretyped = self._pretype(query, chunk)
        # First pass: each row's hash and whether any check fails, in a small table; duplicates come from the hashes.
        # The lake's columns are not kept here: the part is written straight from the chunk by a second pass, which
        # costs little since most values come typed (native Parquet types, dictionaries typed per distinct value)
        # while materializing them cost as much as typing them (GBK contributions: 0.35 CPU-s per million rows).
        self.con.register("chunk", chunk)
        faults = " OR ".join(f"c.{column} IS NOT NULL" for _, column in query.fault_columns())
        source = f"(SELECT *, {query.row_hash()} AS _hash FROM chunk)"
        self._run(
            f"CREATE OR REPLACE TEMP TABLE checked AS SELECT c._row, c._hash, (c._undecodable OR {faults}) AS _faulty "
            f"FROM ({query.sql(source, carry=('_hash',), pretyped=pretyped)}) c"
        )
        self._find_duplicates(first=index == 0, last=last)
        bad_rows = self.con.execute("SELECT _row FROM checked WHERE _faulty UNION SELECT _row FROM dups").fetchnumpy()[
            "_row"
        ]
        bad = np.zeros(count, dtype=bool)
        if len(bad_rows):
            bad[np.asarray(bad_rows, dtype=np.int64) - (self.rows_read + 1)] = True
            self._collect_quarantine(query, chunk.append_column("_bad", pa.array(bad)), pretyped)
        self.con.unregister("chunk")
        # The good rows, in file order, into the part.
        self.con.register("chunk", chunk.append_column("_keep", pa.array(~bad)))
        name = self._write_part(query, pretyped, parts, index)
        self.con.unregister("chunk")
        self.rows_read += count
        self.rows_accepted += count - len(bad_rows)
        self.bad_rows += len(bad_rows)
        return name

    def _pretype(self, query: CheckQuery, chunk: pa.Table) -> tuple[pa.Table, frozenset[str]]:
        """The chunk with ``t_`` (typed value) and ``e_`` (fault) columns for the fields whose cleaned text is a
        dictionary (months, dates, codes, repeating amounts), typed and judged by one small query over the distinct
        texts; the rows keep their dictionary indices (power usage's month: 0.12 of 0.32 CPU-s per million rows of
        its check pass)."""
        pretyped = []
        for spec in self.dataset.fields:
            text = value_column(spec.name)
            if text not in chunk.column_names or not query.pretypable(spec, chunk.schema.field(text).type):
                continue
            typed, faults = self._type_distinct(query, spec, chunk.column(text))
            chunk = chunk.append_column(typed_column(spec.name), typed).append_column(fault_column(spec.name), faults)
            pretyped.append(spec.name)
        return chunk, frozenset(pretyped)

    def _type_distinct(
        self, query: CheckQuery, spec: FieldSpec, texts: pa.ChunkedArray
    ) -> tuple[pa.ChunkedArray, pa.ChunkedArray]:
        """(typed value, fault) of a dictionary column, as dictionaries over one typed copy of all its chunks'
        dictionaries (each record batch has its own), with one more entry for the rows whose value is missing."""
        chunks = texts.chunks
        offsets = np.cumsum([0] + [len(c.dictionary) for c in chunks])
        missing_slot = int(offsets[-1])
        values = pa.concat_arrays([c.dictionary for c in chunks] + [pa.nulls(1, pa.string())])
        self.con.register("distinct_texts", pa.table({"i": np.arange(len(values), dtype=np.int64), "v": values}))
        judged = self.con.sql(query.distinct_values_sql(spec, "distinct_texts")).to_arrow_table()
        self.con.unregister("distinct_texts")
        typed, faults = (judged.column(name).combine_chunks() for name in ("t", "e"))
        typed_chunks, fault_chunks = [], []
        for chunk, offset in zip(chunks, offsets[:-1], strict=True):
            local = chunk.indices
            if local.null_count:
                local = pc.fill_null(local, missing_slot - int(offset))
            indices = pa.array(np.asarray(local.to_numpy(zero_copy_only=False), dtype=np.int32) + np.int32(offset))
            typed_chunks.append(pa.DictionaryArray.from_arrays(indices, typed))
            fault_chunks.append(pa.DictionaryArray.from_arrays(indices, faults))
        return (
            pa.chunked_array(typed_chunks, pa.dictionary(pa.int32(), typed.type)),
            pa.chunked_array(fault_chunks, pa.dictionary(pa.int32(), faults.type)),
        )

    def _find_duplicates(self, *, first: bool, last: bool) -> None:
        """``dups``: rows of the chunk that copy an earlier row of the file (row, first row). Earlier chunks are
        in ``seen`` (one hash per distinct row so far). Copies within the chunk are sought only among the hashes
        it holds more than once, found by sorting its hashes in NumPy (1.5 M fetched and sorted in 21 ms, where
        DuckDB's aggregate of every hash took 87 ms)."""
        hashes = np.sort(self.con.execute("SELECT _hash FROM checked").fetchnumpy()["_hash"])
        repeated = np.unique(hashes[1:][hashes[1:] == hashes[:-1]])
        self.con.register("repeated", pa.table({"_hash": pa.array(repeated, pa.uint64())}))
        earlier = "SELECT h._row, s.first_row FROM checked h JOIN seen s USING (_hash) UNION ALL " if not first else ""
        self._run(
            f"CREATE OR REPLACE TEMP TABLE dups AS SELECT _row, min(first_row) AS _dup_of FROM ({earlier}"
            "SELECT h._row, w.first_row FROM checked h JOIN ("
            "SELECT _hash, min(_row) AS first_row FROM checked WHERE _hash IN (SELECT _hash FROM repeated) "
            "GROUP BY _hash) w USING (_hash) WHERE h._row > w.first_row) GROUP BY _row"
        )
        self.con.unregister("repeated")
        if not last:
            self._run("INSERT INTO seen SELECT _hash, _row FROM checked WHERE _row NOT IN (SELECT _row FROM dups)")

    def _write_part(self, query: CheckQuery, pretyped: frozenset[str], parts: Path, index: int) -> str:
        name = f"part-{index:05d}.parquet"
        target = quote_literal(str(parts / name))
        received = quote_literal(self.received_at.astimezone(dt.UTC).isoformat())
        columns = [*self._lake_columns(), f"{quote_literal(self.batch_id)} AS _batch_id"]
        columns.append(f"CAST({received} AS TIMESTAMPTZ) AS _received_at")
        typed = query.sql("chunk", carry=("_keep",), pretyped=pretyped)
        output = f"SELECT {', '.join(columns)}, c._row FROM ({typed}) c WHERE c._keep"
        self._run(f"COPY ({output}) TO {target} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE {PART_ROW_GROUP})")
        return name

    def _scalar(self, sql: str) -> int:
        rows = self.con.execute(sql).fetchall()
        return int(rows[0][0]) if rows else 0

    def _run(self, sql: str) -> None:
        """A statement, its result drained (DuckDB keeps a connection busy until it is)."""
        self.con.execute(sql).fetchall()

    def _lake_columns(self) -> list[str]:
        """The kept fields as the lake types them, over the check query's columns (``c.``)."""
        select = []
        for spec in kept_fields(self.dataset):
            column = quote_identifier(lake_column(self.dataset, spec))
            if spec.type in IDENTIFIER_TYPES:
                select.append(f"c.{CheckQuery.pseudonym(spec.name)} AS {column}")
            else:
                sql_type = sql_type_of(self.schema.field(lake_column(self.dataset, spec)).type)
                select.append(f"CAST(c.{CheckQuery.typed(spec.name)} AS {sql_type}) AS {column}")
        return select

    def _collect_quarantine(self, query: CheckQuery, chunk: pa.Table, pretyped: frozenset[str]) -> None:
        """Turn this chunk's bad rows into quarantine records (few rows: masked in Python with the core rules)."""
        texts = {_text(f.name): f"CAST({query.source_value(f)} AS VARCHAR)" for f in self.dataset.fields}
        bad = chunk.filter(chunk.column("_bad"))
        # Decoded first: the few bad rows keep the chunk's dictionaries, which DuckDB would convert whole (those of
        # the ID numbers hold every distinct number of the chunk: 60 ms per power usage chunk for 8 k bad rows).
        self.con.register("bad_chunk", pa.table({name: decoded(bad.column(name)) for name in bad.column_names}))
        source = (
            f"(SELECT b.*, d._dup_of, {', '.join(f'{sql} AS {name}' for name, sql in texts.items())} "
            "FROM bad_chunk b LEFT JOIN dups d USING (_row))"
        )
        self._run(f"CREATE OR REPLACE TEMP TABLE bad AS {query.sql(source, ('_dup_of', *texts), pretyped)}")
        self.con.unregister("bad_chunk")
        undecodable_field = " ".join(
            f"WHEN contains({_text(f.name)}, {quote_literal(UNDECODABLE_MARK)}) THEN {quote_literal(f.name)}"
            for f in self.dataset.fields
        )
        parts = [
            f"SELECT _row, CASE {undecodable_field} END AS field, 'undecodable' AS kind, NULL AS value, "
            "NULL::BIGINT AS dup_of FROM bad WHERE _undecodable",
            "SELECT _row, NULL, 'duplicate', NULL, _dup_of FROM bad WHERE _dup_of IS NOT NULL AND NOT _undecodable",
        ]
        for spec, fault in query.fault_columns():
            parts.append(
                f"SELECT _row, {quote_literal(spec.name)}, {fault}, {_text(spec.name)}, NULL FROM bad "
                f"WHERE {fault} IS NOT NULL AND NOT _undecodable AND _dup_of IS NULL"
            )
        records = self.con.execute(" UNION ALL ".join(parts) + " ORDER BY 1").fetchall()
        rows: list[int] = []
        fields: list[str | None] = []
        kinds: list[str] = []
        reasons: list[str] = []
        values: list[str | None] = []
        for row, field_name, kind, value, dup_of in records:
            faulty = self.dataset.field(field_name) if field_name else None
            reason = FAULT_REASONS[kind]
            if kind == "duplicate":
                reason = f"exact copy of row {dup_of}"
            elif faulty is not None and kind != "undecodable":
                reason = f"{faulty.name}: {reason}"
            rows.append(row)
            fields.append(field_name)
            kinds.append(kind)
            reasons.append(reason)
            values.append(_masked(faulty, value) if faulty is not None and kind != "undecodable" else None)
        first_kind: dict[int, str] = {}
        for row, kind in zip(rows, kinds, strict=True):
            first_kind.setdefault(row, kind)
        self.kinds.update(first_kind.values())
        self.undecodable_rows += sum(1 for kind in first_kind.values() if kind == "undecodable")
        size = len(rows)
        self.quarantine.append(
            pa.table(
                {
                    "dataset": pa.array([self.dataset.id] * size, pa.string()),
                    "batch_id": pa.array([self.batch_id] * size, pa.string()),
                    "file": pa.array([self.relative] * size, pa.string()),
                    "row": pa.array(rows, pa.int64()),
                    "field": pa.array(fields, pa.string()),
                    "kind": pa.array(kinds, pa.string()),
                    "reason": pa.array(reasons, pa.string()),
                    "value": pa.array(values, pa.string()),
                },
                schema=QUARANTINE_SCHEMA,
            )
        )


def new_batch_id(sha256: str) -> str:
    return f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{sha256[:8]}-{secrets.token_hex(2)}"


def connect_for_ingest(threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for one worker. No spill directory: plaintext IDs of a batch must never touch disk."""
    config: dict[str, str | bool | int | float | list[str]] = {"temp_directory": ""}
    if threads:
        config["threads"] = threads
    return duckdb.connect(config=config)


class IdentifierMemo:
    """The run's memory of ID numbers: per field type and delivered text, its cleaned text, fault and pseudonym.

    Deliveries repeat each number across chunks, files and data sets; each delivered text is judged once and each
    number hashed once per run, and a chunk finds its texts by one hash join instead of a Python loop per value.
    The memo is an in-memory DuckDB of its own (no spill directory: plaintext never touches disk), shared by the
    workers under a lock, and dropped with the run."""

    def __init__(self, pseudonymizer: Pseudonymizer, threads: int | None) -> None:
        self.pseudonymizer = pseudonymizer
        self.lock = threading.Lock()
        self.con = connect_for_ingest(threads)
        self.tables: dict[FieldType, str] = {}

    def _pseudonymize(self, keys: pa.Array) -> pa.Array:
        return pa.array(self.pseudonymizer.many_keyed(keys.to_pylist()), pa.string())

    def _table(self, kind: FieldType) -> str:
        """The memo of one field type: each text with its 64-bit hash, the key it is found by."""
        if kind not in self.tables:
            self.tables[kind] = quote_identifier(f"memo_{kind.value}")
            self.con.execute(
                f"CREATE TABLE {self.tables[kind]} "
                "(h UBIGINT, text VARCHAR, value VARCHAR, fault VARCHAR, pseudonym VARCHAR)"
            ).fetchall()
        return self.tables[kind]

    def _find(self, table: str, texts: pa.Array) -> pa.Table:
        """Each text's memo row (nulls where it has none), with the text's position ``i``. Joined on the texts'
        hashes (half the time of joining on the strings); the texts found are then compared with those sought,
        and on any mismatch (two texts with one hash) joined again on the strings."""
        select = f"SELECT t.i, m.text, m.value, m.fault, m.pseudonym FROM texts t LEFT JOIN {table} m"
        found = self.con.sql(f"{select} ON m.h = hash(t.text)").to_arrow_table()
        if found.num_rows == len(texts):
            known = found.column("text").combine_chunks()
            same = pc.equal(known, texts.take(found.column("i").combine_chunks()))
            if same.null_count == known.null_count and pc.all(same).as_py() is not False:
                return found
        return self.con.sql(f"{select} ON m.text = t.text").to_arrow_table()

    def __call__(self, kind: FieldType, texts: pa.Array) -> tuple[np.ndarray, pa.Array, pa.Array, pa.Array]:
        """(where, cleaned text, fault, pseudonym) of ``texts``, in the join's order: ``where[i]`` is text ``i``'s
        position (sorting the join's strings back into the texts' order cost a third of its time)."""
        with self.lock:
            table = self._table(kind)
            self.con.register("texts", pa.table({"i": np.arange(len(texts), dtype=np.int64), "text": texts}))
            found = self._find(table, texts)
            self.con.unregister("texts")
        order = found.column("i").to_numpy()
        where = np.empty(len(texts), dtype=np.int32)
        where[order] = np.arange(len(order), dtype=np.int32)
        new = pc.is_null(found.column("text").combine_chunks())
        columns = [found.column(name).combine_chunks().cast(pa.string()) for name in ("value", "fault", "pseudonym")]
        if not pc.any(new).as_py():
            return where, columns[0], columns[1], columns[2]
        unseen = texts.take(pa.array(order[new.to_numpy(zero_copy_only=False)]))
        # Judged and hashed outside the lock, so that the other workers' lookups go on meanwhile (a city's first file
        # of residents makes a million pseudonyms); a text two workers judged at once is kept once.
        judged = judge_identifier_texts(kind, unseen, self._pseudonymize)
        with self.lock:
            self.con.register(
                "judged", pa.table({"text": unseen, "value": judged[0], "fault": judged[1], "pseudonym": judged[2]})
            )
            present = f"(SELECT h, text FROM {table} WHERE h IN (SELECT hash(text) FROM judged))"
            self.con.execute(
                f"INSERT INTO {table} SELECT hash(j.text), j.text, j.value, j.fault, j.pseudonym FROM judged j "
                f"ANTI JOIN {present} m ON m.h = hash(j.text) AND m.text = j.text"
            ).fetchall()
            self.con.unregister("judged")
        value, fault, pseudonym = (
            pc.replace_with_mask(known, new, fresh) for known, fresh in zip(columns, judged, strict=True)
        )
        return where, value, fault, pseudonym

    def close(self) -> None:
        self.con.close()


class DeliveryIngestor:
    """Loads delivery files into a lake, one atomic batch each."""

    def __init__(
        self,
        lake: Lake,
        catalog: Catalog,
        pseudonymizer: Pseudonymizer,
        *,
        received_at: dt.datetime | None = None,
        threads: int | None = None,
        workers: int = DEFAULT_WORKERS,
    ) -> None:
        self.lake = lake
        self.catalog = catalog
        self.pseudonymizer = pseudonymizer
        self.received_at = received_at
        self.threads = threads
        self.workers = max(1, workers)
        self._lake_lock = threading.Lock()

    def ingest(
        self, deliveries: Iterable[DeliveryFile], progress: ProgressCallback | None = None
    ) -> list[IngestOutcome]:
        """Load every file, one batch each; outcomes in the order of ``deliveries``.

        Files of different data sets load side by side (``workers`` threads, each with its own DuckDB); the files
        of one data set load one after the other, in order, so re-deliveries and corrections behave as in a
        sequential run. Lake metadata (finding a known file, publishing, the log) is touched under one lock."""
        files = list(deliveries)
        outcomes: list[IngestOutcome | None] = [None] * len(files)
        groups: dict[str, list[int]] = {}
        for index, delivery in enumerate(files):
            groups.setdefault(delivery.dataset, []).append(index)
        # Longest loads first, so that the last ones to finish are short and no worker idles long at the end.
        queue = sorted(groups.values(), key=lambda group: -sum(_expected_cost(files[i]) for i in group))
        queue_lock = threading.Lock()
        report = _locked(progress)
        workers = min(self.workers, len(queue))
        # The cores shared out among the workers: more DuckDB threads than cores only spin and switch. The memo's
        # joins are short and taken under a lock, one thread.
        threads = self.threads or max(1, (os.cpu_count() or 1) // max(workers, 1))
        memo = IdentifierMemo(self.pseudonymizer, 1 if self.threads is None else self.threads)

        def work() -> None:
            con = connect_for_ingest(threads)
            try:
                while True:
                    with queue_lock:
                        if not queue:
                            return
                        group = queue.pop(0)
                    for index in group:
                        outcome = self._ingest_file(con, memo, files[index], report)
                        outcomes[index] = outcome
                        with self._lake_lock:
                            self.lake.log({"event": outcome.status, **outcome.as_dict()})
            finally:
                con.close()

        with self.lake.writing():
            try:
                if workers <= 1:
                    work()
                else:
                    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ingest") as pool:
                        for running in [pool.submit(work) for _ in range(workers)]:
                            running.result()
            finally:
                memo.close()
            write_views_sql(self.lake, self.catalog)
        return [outcome for outcome in outcomes if outcome is not None]

    def _ingest_file(
        self,
        con: duckdb.DuckDBPyConnection,
        memo: IdentifierMemo,
        delivery: DeliveryFile,
        progress: ProgressCallback | None,
    ) -> IngestOutcome:
        started = time.perf_counter()
        outcome = IngestOutcome(file=delivery.relative, dataset=delivery.dataset, status="rejected")
        try:
            if not delivery.path.is_file():
                raise IngestError("listed in the manifest but not delivered")
            try:
                dataset = self.catalog.get(delivery.dataset)
            except NotFound:
                raise IngestError(f"unknown data set {delivery.dataset!r}: not in the catalog") from None
            digest = sha256_of(delivery.path)
            expected = delivery.entry.sha256 if delivery.entry else None
            if expected and expected.lower() != digest:
                raise IngestError("the file's sha256 differs from the manifest's: truncated or altered in transit")
            with self._lake_lock:
                known = self.lake.find(dataset.id, digest)
            if known is not None:
                outcome.status, outcome.batch_id = "unchanged", known.record.batch_id
                if progress is not None:
                    progress(delivery.path.stat().st_size)
                return outcome
            self._load(con, memo, delivery, dataset, digest, outcome, progress)
        except IngestError as err:
            outcome.status, outcome.reason = "rejected", err.message
        outcome.seconds = round(time.perf_counter() - started, 3)
        return outcome

    def _load(
        self,
        con: duckdb.DuckDBPyConnection,
        memo: IdentifierMemo,
        delivery: DeliveryFile,
        dataset: DatasetSpec,
        digest: str,
        outcome: IngestOutcome,
        progress: ProgressCallback | None,
    ) -> None:
        received_at = self.received_at or delivery.delivered_at or dt.datetime.now(dt.UTC)
        batch_id = new_batch_id(digest)
        staged = self.lake.new_staging(batch_id)
        try:
            raw = open_delivery(
                delivery.path, declared_encoding(delivery, dataset), progress, partial(repeated_columns, dataset)
            )
            load = _FileLoad(con, memo, dataset, raw, delivery.relative, batch_id, received_at)
            parts = load.run(self.lake.staged_data(staged), self.lake.staged_quarantine(staged))
            expected_rows = delivery.entry.rows if delivery.entry else None
            if expected_rows is not None and expected_rows != load.rows_read:
                raise IngestError(
                    f"the file has {load.rows_read} data rows, the manifest says {expected_rows}: truncated or altered"
                )
            if load.undecodable_rows > max(UNREPAIRABLE_SHARE * load.rows_read, 4):
                raise IngestError(
                    f"{load.undecodable_rows} of {load.rows_read} rows are not valid {raw.encoding}: "
                    "the file is in another encoding"
                )
            record = BatchRecord(
                batch_id=batch_id,
                dataset=dataset.id,
                provider=dataset.provider,
                dataset_version=dataset.version,
                catalog_version=self.catalog.version,
                mode=dataset.delivery.mode,
                file=delivery.relative,
                sha256=digest,
                bytes=delivery.path.stat().st_size,
                format=delivery.path.suffix.lstrip(".").lower(),
                encoding=raw.encoding,
                encoding_detected=raw.encoding_detected,
                received_at=received_at,
                ingested_at=dt.datetime.now(dt.UTC),
                rows_read=load.rows_read,
                rows_accepted=load.rows_accepted,
                rows_quarantined=load.bad_rows,
                quarantine_by_kind=dict(load.kinds),
                extra_columns=list(load.column_map.extra),
                absent_fields=list(load.column_map.absent),
                parts=parts,
            )
        except BaseException:
            self.lake.discard(staged)
            raise
        with self._lake_lock:
            self.lake.publish(record, staged)
        outcome.status = "loaded"
        outcome.batch_id = batch_id
        outcome.rows_read, outcome.rows_accepted, outcome.rows_quarantined = (
            record.rows_read,
            record.rows_accepted,
            record.rows_quarantined,
        )
        outcome.quarantine_by_kind = record.quarantine_by_kind
        outcome.encoding = record.encoding
        outcome.extra_columns = record.extra_columns


__all__ = ["DeliveryIngestor", "IngestOutcome", "connect_for_ingest", "declared_encoding", "sha256_of"]
