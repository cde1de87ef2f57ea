"""Ingestion end to end on hand-made deliveries: quarantine equals the answer key, nothing identifying reaches
the lake, re-ingestion is idempotent, corrections supersede, unreadable files load nothing."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from puhui.core.catalog import DatasetSpec, DeliveryFormat, DeliveryMode, Encoding, FieldType, load_catalog
from puhui.core.ids import SubjectKind, parse_subject_id
from puhui.core.pseudonym import Pseudonymizer, PseudonymKeyring
from puhui.gov.ingest.deliveries import find_deliveries
from puhui.gov.ingest.pipeline import DeliveryIngestor, IngestOutcome
from puhui.gov.lake.store import Lake
from puhui.gov.lake.views import connect_lake
from tests.support.deliveries import Delivery, plaintext_identifiers, write_delivery, write_manifest

KEY = "1:" + "5a" * 32
ALL_FAULTS = ("bad_checksum", "missing_required", "impossible_date", "wrong_type", "bad_code", "undecodable")
CATALOG = load_catalog()


def _pick(predicate: object) -> DatasetSpec:
    return next(d for d in sorted(CATALOG, key=lambda d: d.id) if predicate(d))  # type: ignore[operator]


GBK_CSV = _pick(lambda d: d.delivery.encoding is Encoding.GBK)
UTF8_CSV = _pick(lambda d: d.delivery.format is DeliveryFormat.CSV and d.delivery.encoding is Encoding.UTF8)
PARQUET = _pick(lambda d: d.delivery.format is DeliveryFormat.PARQUET)
SNAPSHOT = _pick(
    lambda d: d.delivery.mode is DeliveryMode.SNAPSHOT and d.id not in (GBK_CSV.id, UTF8_CSV.id, PARQUET.id)
)


def ingestor(lake: Lake, **kwargs: object) -> DeliveryIngestor:
    return DeliveryIngestor(lake, CATALOG, Pseudonymizer(PseudonymKeyring.parse(KEY)), **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Delivery], list[IngestOutcome], Lake]:
    root = tmp_path_factory.mktemp("city")
    folder = root / "deliveries"
    deliveries = [
        write_delivery(folder, GBK_CSV, rows=400, seed=1, encoding="gbk", faults=ALL_FAULTS),
        write_delivery(folder, UTF8_CSV, rows=300, seed=2, header="name"),
        write_delivery(folder, PARQUET, rows=300, seed=3, file_format="parquet", header="name"),
        write_delivery(folder, SNAPSHOT, rows=250, seed=4, file_format="xlsx"),
    ]
    write_manifest(folder, deliveries)
    lake = Lake(root / "lake")
    outcomes = ingestor(lake).ingest(find_deliveries(root))
    return root, deliveries, outcomes, lake


def test_every_delivery_loads_with_read_equal_accepted_plus_quarantined(city) -> None:
    _, deliveries, outcomes, lake = city
    assert [o.status for o in outcomes] == ["loaded"] * len(deliveries), [o.reason for o in outcomes]
    con = connect_lake(lake, CATALOG)
    for delivery, outcome in zip(sorted(deliveries, key=lambda d: d.relative), outcomes, strict=True):
        assert outcome.file == delivery.relative
        assert outcome.rows_read == delivery.rows == outcome.rows_accepted + outcome.rows_quarantined
        provider, short = delivery.dataset.split(".")
        rows = [r[0] for r in con.sql(f'select _row from "{provider}"."{short}" order by _row').fetchall()]
        assert rows == [r for r in range(1, delivery.rows + 1) if r not in delivery.bad]


def test_quarantine_is_exactly_the_answer_key(city) -> None:
    _, deliveries, _, lake = city
    con = connect_lake(lake, CATALOG)
    found = con.sql("select file, row, coalesce(field, ''), kind from ops.quarantine").fetchall()
    expected = {
        (d.relative, row, f if k != "duplicate" else "", k) for d in deliveries for row, (f, k) in d.bad.items()
    }
    assert set(found) == expected
    kinds = {k for *_, k in expected}
    assert {"undecodable", "duplicate", "bad_checksum", "missing_required", "impossible_date", "bad_code"} <= kinds


def test_lake_columns_are_typed_pseudonymized_and_carry_lineage(city) -> None:
    *_, lake = city
    con = connect_lake(lake, CATALOG)
    provider, short = GBK_CSV.id.split(".")
    described = {name: kind for name, kind, *_ in con.sql(f'describe "{provider}"."{short}"').fetchall()}
    assert described["subject"] == "VARCHAR" and described["_row"] == "BIGINT"
    assert described["_received_at"] == "TIMESTAMP WITH TIME ZONE"
    for spec in GBK_CSV.fields:
        if spec.type.value == "date":
            assert described[spec.name] == "DATE"
        if (
            spec.privacy.value == "direct_identifier"
            and spec.name != GBK_CSV.subject_key
            and "id" not in spec.type.value
        ):
            assert spec.name not in described
    subjects = con.sql(f'select distinct left(subject, 3) from "{provider}"."{short}"').fetchall()
    assert {s for (s,) in subjects} <= {"P1-", "E1-"}
    received = con.sql(f'select distinct _received_at from "{provider}"."{short}"').fetchall()
    assert received == [(dt.datetime(2026, 10, 30, 18, 0, tzinfo=dt.UTC),)]


def test_each_row_carries_the_pseudonym_of_its_own_subject(city) -> None:
    """Pseudonyms are looked up per distinct number and placed back on the rows: every accepted row's subject is the
    pseudonym of the number delivered in that very row."""
    _, deliveries, _, lake = city
    con = connect_lake(lake, CATALOG)
    pseudonymizer = Pseudonymizer(PseudonymKeyring.parse(KEY))
    for delivery in deliveries:
        spec = CATALOG.get(delivery.dataset)
        kind = {FieldType.RESIDENT_ID: SubjectKind.PERSON, FieldType.CREDIT_CODE: SubjectKind.ENTERPRISE}.get(
            spec.field(spec.subject_key).type
        )
        provider, short = delivery.dataset.split(".")
        subjects = dict(con.sql(f'select _row, subject from "{provider}"."{short}"').fetchall())
        assert len(subjects) == delivery.rows - len(delivery.bad)
        for row, subject in subjects.items():
            number = parse_subject_id(delivery.values[row - 1][spec.subject_key], kind)
            assert subject == pseudonymizer.of(number), (delivery.relative, row)


def _texts_of_lake(lake: Lake) -> tuple[set[str], str]:
    """Every cell of every Parquet file, and the text of every other file, under the lake."""
    cells: set[str] = set()
    text = []
    for path in lake.root.rglob("*"):
        if not path.is_file():
            continue
        if path.suffix == ".parquet":
            for column in pq.read_table(path).columns:
                cells.update(str(v) for v in column.to_pylist() if v is not None)
        else:
            text.append(path.read_bytes().decode("utf-8", "replace"))
    return cells, "\n".join(text)


def test_no_identifier_of_the_deliveries_reaches_the_lake_or_its_logs(city) -> None:
    _, deliveries, _, lake = city
    identifiers = plaintext_identifiers(deliveries, {d.id: d for d in CATALOG})
    assert len(identifiers) > 500
    cells, text = _texts_of_lake(lake)
    assert not identifiers & {c.upper() for c in cells}
    assert not [i for i in identifiers if any(i in c.upper() for c in cells if len(c) > 20)]
    assert not [i for i in identifiers if i in text.upper()]


def test_reingesting_the_same_deliveries_changes_nothing(city) -> None:
    root, deliveries, _, lake = city
    before = sorted((p, p.stat().st_mtime_ns) for p in lake.root.rglob("*") if p.is_file() and p.name != "ingest.log")
    again = ingestor(lake).ingest(find_deliveries(root))
    assert [o.status for o in again] == ["unchanged"] * len(deliveries)
    after = sorted(
        (p, p.stat().st_mtime_ns)
        for p in lake.root.rglob("*")
        if p.is_file() and p.name not in ("ingest.log", "views.sql", "ingest.lock")
    )
    assert [p for p in after] == [p for p in before if p[0].name not in ("views.sql", "ingest.lock")]


def test_a_correction_supersedes_and_history_is_kept(tmp_path: Path) -> None:
    folder = tmp_path / "deliveries"
    first = write_delivery(folder, SNAPSHOT, rows=50, seed=7, faults=(), duplicates=0)
    write_manifest(folder, [first])
    lake = Lake(tmp_path / "lake")
    [loaded] = ingestor(lake).ingest(find_deliveries(folder))
    corrected = write_delivery(folder, SNAPSHOT, rows=40, seed=8, faults=(), duplicates=0)
    write_manifest(folder, [corrected])  # same delivered_at: a correction of the same delivery
    [replacing] = ingestor(lake).ingest(find_deliveries(folder))
    assert replacing.status == "loaded" and replacing.rows_accepted == 40
    con = connect_lake(lake, CATALOG)
    provider, short = SNAPSHOT.id.split(".")
    assert con.sql(f'select count(*) from "{provider}"."{short}"').fetchall() == [(40,)]
    assert con.sql(f'select count(*) from "{provider}"."{short}_history"').fetchall() == [(40,)]
    lineage = con.sql("select batch_id, current, superseded_by from ops.batches order by ingested_at").fetchall()
    assert lineage == [(loaded.batch_id, False, replacing.batch_id), (replacing.batch_id, True, None)]
    assert (lake.history / provider / short / f"batch_id={loaded.batch_id}" / "part-00000.parquet").exists()
    # A later snapshot supersedes in the current view; both stay readable for point-in-time queries.
    later = write_delivery(folder, SNAPSHOT, rows=30, seed=9, faults=(), duplicates=0)
    write_manifest(folder, [later], delivered_at="2026-11-30T02:00:00+08:00")
    [newer] = ingestor(lake).ingest(find_deliveries(folder))
    con = connect_lake(lake, CATALOG)
    assert con.sql(f'select count(*), min(_batch_id) from "{provider}"."{short}"').fetchall() == [(30, newer.batch_id)]
    assert con.sql(f'select count(*) from "{provider}"."{short}_history"').fetchall() == [(70,)]


def _reject(tmp_path: Path, folder: Path) -> IngestOutcome:
    lake = Lake(tmp_path / "lake")
    [outcome] = ingestor(lake).ingest(find_deliveries(folder))
    assert outcome.status == "rejected" and outcome.reason
    assert not list(lake.root.glob("*/*/batch_id=*")), "a rejected file must load nothing"
    assert not lake.staging.exists() or not any(lake.staging.iterdir())
    assert "rejected" in lake.log_path.read_text()
    return outcome


def test_unreadable_files_are_rejected_whole(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    delivery = write_delivery(folder, UTF8_CSV, rows=60, seed=3)
    data = delivery.path.read_bytes()

    delivery.path.write_bytes(data[: len(data) // 2 - 7])  # cut mid-row, no manifest
    assert "columns" in _reject(tmp_path / "a", delivery.path.parent).reason

    delivery.path.write_bytes(data)
    write_manifest(folder, [delivery])
    delivery.path.write_bytes(data[: data.rindex(b"\n", 0, len(data) - 1) + 1])  # whole rows lost: manifest says so
    assert "sha256" in _reject(tmp_path / "b", folder).reason

    (folder / "manifest.json").unlink()
    key = [f.name for f in UTF8_CSV.fields].index(UTF8_CSV.subject_key)
    without_key = [line.split(b",") for line in data.split(b"\n")]
    delivery.path.write_bytes(b"\n".join(b",".join(cells[:key] + cells[key + 1 :]) for cells in without_key))
    assert "required column" in _reject(tmp_path / "c", delivery.path.parent).reason

    unknown = folder / "nowhere" / "nothing.csv"
    unknown.parent.mkdir()
    unknown.write_bytes(data)
    assert "unknown data set" in _reject(tmp_path / "d", unknown.parent).reason

    parquet = folder / PARQUET.id.split(".")[0] / (PARQUET.id.split(".")[1] + ".parquet")
    parquet.parent.mkdir(exist_ok=True)
    parquet.write_bytes(b"PK\x03\x04 not really a workbook")
    assert "XLSX" in _reject(tmp_path / "e", parquet).reason


def test_a_file_in_another_encoding_than_declared_is_decoded_or_rejected(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    delivery = write_delivery(folder, GBK_CSV, rows=80, seed=5, encoding="gbk", faults=(), duplicates=0)
    text = delivery.path.read_bytes().decode("gbk")
    delivery.path.write_bytes(text.encode("utf-8"))  # declared GBK, sent as UTF-8: detected
    [outcome] = ingestor(Lake(tmp_path / "lake")).ingest(find_deliveries(folder))
    assert (outcome.status, outcome.encoding, outcome.rows_quarantined) == ("loaded", "utf-8", 0)
    lines = text.splitlines()
    garbled = [lines[0]] + ["\udcff".join(line) for line in lines[1:]]
    delivery.path.write_bytes("\n".join(garbled).encode("gbk", "surrogateescape"))
    assert "encoding" in _reject(tmp_path / "x", folder).reason


def test_ingest_log_lines_are_json_without_row_content(city) -> None:
    _, _, outcomes, lake = city
    events = [json.loads(line) for line in lake.log_path.read_text().splitlines()]
    loaded = [e for e in events if e["event"] == "loaded"]
    assert {e["batch_id"] for e in loaded} == {o.batch_id for o in outcomes}


def test_a_copy_of_the_lake_needs_no_staging(city, tmp_path: Path) -> None:
    """The lake is plain files: a copy is readable by the views as it is."""
    _, _, outcomes, lake = city
    copy = Lake(tmp_path / "copy")
    shutil.copytree(lake.root, copy.root)
    con = connect_lake(copy, CATALOG)
    total = con.sql("select sum(rows_accepted) from ops.batches where current").fetchall()
    assert total == [(sum(o.rows_accepted for o in outcomes),)]


def test_sources_show_freshness_and_the_quarantine_trend(tmp_path: Path) -> None:
    from puhui.gov.ingest.sources import source_statuses

    folder = tmp_path / "d"
    lake = Lake(tmp_path / "lake")
    first = dt.datetime(2026, 10, 1, 2, 0, tzinfo=dt.UTC)
    write_delivery(folder, UTF8_CSV, rows=100, seed=1)
    ingestor(lake, received_at=first).ingest(find_deliveries(folder))
    write_delivery(folder, UTF8_CSV, rows=100, seed=2, faults=(), duplicates=0)
    ingestor(lake, received_at=first + dt.timedelta(days=1)).ingest(find_deliveries(folder))
    fresh_until = first + dt.timedelta(days=1 + UTF8_CSV.delivery.freshness_days)
    report = {s.dataset: s for s in source_statuses(lake, CATALOG, now=fresh_until)}
    status = report[UTF8_CSV.id]
    assert (status.status, status.batches, status.rows_read, status.quarantine_rate) == ("fresh", 2, 100, 0.0)
    assert status.recent_rates[0] > 0 and status.trend == "falling"
    later = {s.dataset: s for s in source_statuses(lake, CATALOG, now=fresh_until + dt.timedelta(days=1))}
    assert later[UTF8_CSV.id].status == "stale"
    assert report[GBK_CSV.id].status == "never" and report[GBK_CSV.id].batches == 0
    assert len(report) == len(CATALOG)


def test_a_name_copied_into_an_ordinary_column_never_reaches_the_lake(tmp_path: Path) -> None:
    from puhui.gov.ingest.validation import echo_fields

    dataset = _pick(
        lambda d: (
            d.delivery.format is DeliveryFormat.CSV
            and d.delivery.encoding is Encoding.UTF8
            and any(f.type.value == "str" and f.privacy.value == "direct_identifier" for f in d.fields)
            and echo_fields(d)
        )
    )
    name = next(f for f in dataset.fields if f.type.value == "str" and f.privacy.value == "direct_identifier")
    echo = echo_fields(dataset)[0]
    delivery = write_delivery(tmp_path / "d", dataset, rows=40, seed=3, faults=(), duplicates=0)
    names = [f.name for f in dataset.fields]
    header, *lines = delivery.path.read_text(encoding="utf-8").splitlines()
    rows = [line.split(",") for line in lines]
    for cells in rows:
        cells[names.index(echo.name)] = cells[names.index(name.name)]
    delivery.path.write_text("\n".join([header] + [",".join(c) for c in rows]) + "\n", encoding="utf-8")
    lake = Lake(tmp_path / "lake")
    [outcome] = ingestor(lake).ingest(find_deliveries(tmp_path / "d"))
    assert (outcome.status, outcome.rows_accepted) == ("loaded", 40)
    provider, short = dataset.id.split(".")
    kept = connect_lake(lake, CATALOG).sql(f'select "{echo.name}" from "{provider}"."{short}"').fetchall()
    assert kept == [(None,)] * 40
