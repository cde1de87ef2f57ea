"""Write one delivery per catalog data set: rows from the mapping (or the generic builder), every catalog field
filled, rendered in the department's style, broken on purpose at the configured rate, written in the declared
format and encoding, and listed in the manifest with its row count and hash."""

from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from puhui.core.catalog import Catalog, DatasetSpec, DeliveryFormat, Encoding, FieldType
from puhui.synth.deliveries.context import DeliveryContext
from puhui.synth.deliveries.faults import inject
from puhui.synth.deliveries.generic import fill_field, generic_rows
from puhui.synth.deliveries.mappings import MAPPINGS
from puhui.synth.deliveries.render import apply_variants, render_parquet, render_text, style_for
from puhui.synth.deliveries.rows import Rows, canonical
from puhui.synth.deliveries.writers import CsvWriter, DeliveryWriter, ParquetWriter, XlsxWriter

EXTENSIONS = {DeliveryFormat.CSV: "csv", DeliveryFormat.XLSX: "xlsx", DeliveryFormat.PARQUET: "parquet"}


@dataclass(frozen=True)
class DeliveredFile:
    path: str  # relative to deliveries/
    dataset: str
    provider: str
    format: str
    encoding: str
    rows: int
    sha256: str
    delivered_at: str
    mapped: bool


@dataclass(frozen=True)
class BadRow:
    path: str
    row: int  # 1-based data row
    field: str
    kind: str


def delivery_path(spec: DatasetSpec) -> str:
    short = spec.id.split(".", 1)[1]
    return f"{spec.provider}/{short}.{EXTENSIONS[spec.delivery.format]}"


def delivered_at(spec: DatasetSpec, as_of: dt.date) -> str:
    """Deliveries arrive in the small hours after the as-of date; each data set at its own fixed minute."""
    minute = int.from_bytes(hashlib.sha256(spec.id.encode()).digest()[:2], "big") % 240
    moment = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(1, 0)) + dt.timedelta(minutes=minute)
    return moment.isoformat() + "+08:00"


def _open(spec: DatasetSpec, path: Path) -> DeliveryWriter:
    header = [f.label.zh for f in spec.fields]
    if spec.delivery.format is DeliveryFormat.CSV:
        return CsvWriter(path, header, spec.delivery.encoding.value)
    if spec.delivery.format is DeliveryFormat.XLSX:
        return XlsxWriter(path, header)
    coded = (FieldType.CODE, FieldType.YM, FieldType.BOOL)
    return ParquetWriter(path, [f.name for f in spec.fields if f.type in coded])


def _chunks(ctx: DeliveryContext, spec: DatasetSpec) -> tuple[Iterator[Rows], bool]:
    mapping = MAPPINGS.get(spec.id)
    if mapping is None:
        return iter([generic_rows(ctx, spec)]), False
    produced = mapping(ctx, spec)
    return (iter([produced]) if isinstance(produced, Rows) else iter(produced)), True


def _complete(ctx: DeliveryContext, spec: DatasetSpec, rows: Rows, chunk_number: int) -> dict[str, pa.Array]:
    """Every catalog field as a canonical typed column: the mapping's where given, the filler's otherwise."""
    rng = ctx.rng(spec.id, "fill", str(chunk_number))
    columns = {}
    for field in spec.fields:
        value = rows.values.get(field.name)
        if value is None:
            value = fill_field(ctx, spec, field, rows, rng)
        columns[field.name] = canonical(field, value, rows.n)
    return columns


def _drop_exact_repeats(columns: dict[str, pa.Array]) -> dict[str, pa.Array]:
    """Natural rows are unique, so that every duplicate in a file is one put there on purpose."""
    table = pa.table(columns)
    if table.num_rows < 2:
        return columns
    keyed = table.append_column("__row", pa.array(np.arange(table.num_rows)))
    first = keyed.group_by(table.column_names, use_threads=False).aggregate([("__row", "min")])["__row_min"]
    if len(first) == table.num_rows:
        return columns
    keep = pa.array(np.sort(first.to_numpy()))
    return {name: column.take(keep) for name, column in columns.items()}


def write_dataset(
    ctx: DeliveryContext, spec: DatasetSpec, root: Path, bad_rate: float
) -> tuple[DeliveredFile, list[BadRow]]:
    relative = delivery_path(spec)
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    style = style_for(spec.id)
    writer = _open(spec, path)
    fault_rng = ctx.rng(spec.id, "faults")
    variant_rng = ctx.rng(spec.id, "variants")
    written = 0
    bad: list[BadRow] = []
    chunks, mapped = _chunks(ctx, spec)
    for number, rows in enumerate(chunks):
        typed = _complete(ctx, spec, rows, number)
        if spec.delivery.format is DeliveryFormat.PARQUET:
            rendered = {f.name: render_parquet(f, typed[f.name]) for f in spec.fields}
        else:
            legacy = spec.delivery.encoding is not Encoding.UTF8
            rendered = {
                f.name: apply_variants(
                    f, render_text(f, typed[f.name], style), style, variant_rng, full_width=not legacy
                )
                for f in spec.fields
            }
        if not mapped:  # mappings make unique rows by construction; generic rows may repeat by chance
            rendered = _drop_exact_repeats(rendered)
        rendered, copies, faults = inject(spec, rendered, bad_rate, fault_rng)
        table = pa.table(rendered)
        writer.write(table)
        if copies:
            writer.write(pa.table(copies))
        bad.extend(BadRow(relative, written + f.row + 1, f.field, f.kind) for f in faults)
        written += table.num_rows + (len(next(iter(copies.values()))) if copies else 0)
    digest = writer.close()
    delivered = DeliveredFile(
        path=relative,
        dataset=spec.id,
        provider=spec.provider,
        format=spec.delivery.format.value,
        encoding=spec.delivery.encoding.value,
        rows=written,
        sha256=digest,
        delivered_at=delivered_at(spec, ctx.params.as_of),
        mapped=mapped,
    )
    return delivered, bad


# CPU seconds each provider's deliveries take in the 1.2 M-person city (measured): the biggest go first, so two
# workers finish together. Providers not listed are small.
PROVIDER_COST = {
    "hrss": 60,
    "power": 50,
    "water": 50,
    "mobile": 30,
    "tax": 30,
    "gas": 22,
    "housing_fund": 15,
    "telecom": 10,
    "unicom": 8,
    "health": 8,
    "public_security": 8,
    "finance": 6,
    "education": 6,
    "market": 6,
    "court": 5,
    "natural_resources": 4,
    "civil_affairs": 4,
}

# The context the worker processes inherit when they are forked (set just before the pool starts).
_SHARED: tuple[DeliveryContext, Catalog] | None = None


def _write_provider(job: tuple[str, Path, float]) -> tuple[str, list[DeliveredFile], list[BadRow]]:
    provider, root, bad_rate = job
    assert _SHARED is not None
    ctx, catalog = _SHARED
    files: list[DeliveredFile] = []
    bad: list[BadRow] = []
    for spec in sorted((d for d in catalog if d.provider == provider), key=lambda d: d.id):
        delivered, faults = write_dataset(ctx, spec, root, bad_rate)
        files.append(delivered)
        bad.extend(faults)
    ctx.forget(provider + ".")
    return provider, files, bad


def write_deliveries(
    ctx: DeliveryContext,
    catalog: Catalog,
    root: Path,
    bad_rate: float,
    on_dataset: Callable[[DatasetSpec], None] | None = None,
    workers: int = 1,
) -> tuple[list[DeliveredFile], list[BadRow]]:
    """Every catalog data set's delivery, provider by provider; with ``workers`` > 1, providers are written by
    forked processes in parallel (the output does not depend on how many: each data set draws from its own
    named streams and writes its own file)."""
    global _SHARED
    providers = sorted({d.provider for d in catalog}, key=lambda p: (-PROVIDER_COST.get(p, 1), p))
    jobs = [(provider, root, bad_rate) for provider in providers]
    files: list[DeliveredFile] = []
    bad: list[BadRow] = []

    def collect(provider: str, done: list[DeliveredFile], faults: list[BadRow]) -> None:
        files.extend(done)
        bad.extend(faults)
        if on_dataset is not None:
            for spec in sorted((d for d in catalog if d.provider == provider), key=lambda d: d.id):
                on_dataset(spec)

    _SHARED = (ctx, catalog)
    try:
        if workers <= 1:
            for job in jobs:
                collect(*_write_provider(job))
        else:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                for result in pool.imap_unordered(_write_provider, jobs):
                    collect(*result)
    finally:
        _SHARED = None
    files.sort(key=lambda f: f.dataset)
    bad.sort(key=lambda b: (b.path, b.row))
    return files, bad


__all__ = [
    "PROVIDER_COST",
    "BadRow",
    "DeliveredFile",
    "delivered_at",
    "delivery_path",
    "write_dataset",
    "write_deliveries",
]
