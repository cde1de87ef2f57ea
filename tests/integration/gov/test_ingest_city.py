"""Acceptance of ingestion on the synthetic city (``puhui synth city``), through the CLI as an operator runs it:
every delivery loads with read = accepted + quarantined and quarantine equal to the answer key; no resident ID,
credit code, name or phone of the deliveries reaches the lake, its logs or the CLI's output; re-ingestion
changes nothing; ``puhui gov sources`` reports every data set."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from puhui.cli import app
from puhui.core.catalog import IDENTIFIER_TYPES, FieldSpec, FieldType, PrivacyClass, load_catalog

PERSONS = int(os.environ.get("PUHUI_ACCEPTANCE_PERSONS", "20000"))
KEYS = "1:" + "c3" * 32


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from puhui.synth.generate import generate_city
    from puhui.synth.params import CityParams

    out = tmp_path_factory.mktemp("city")
    generate_city(CityParams(persons=PERSONS, seed=7), out)
    return out


@pytest.fixture(scope="module")
def ingested(city: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, str]:
    home = tmp_path_factory.mktemp("home")
    env = {"PUHUI_HOME": str(home), "PUHUI_PSEUDONYM_KEYS": KEYS}
    result = CliRunner().invoke(app, ["gov", "ingest", str(city / "deliveries"), "--json"], env=env)
    assert result.exit_code == 0, result.output[-2000:]
    table = CliRunner().invoke(app, ["gov", "ingest", str(city / "deliveries")], env=env)
    sources = CliRunner().invoke(app, ["gov", "sources", "--json"], env=env)
    assert sources.exit_code == 0
    return home, json.loads(result.stdout), result.stdout + table.stdout + sources.stdout


def _answer_key(city: Path) -> dict[tuple[str, int], tuple[str, str]]:
    with (city / "truth" / "bad_rows.csv").open(encoding="utf-8") as handle:
        return {(r["path"], int(r["row"])): (r["field"], r["kind"]) for r in csv.DictReader(handle)}


@pytest.mark.slow
def test_every_delivery_loads_and_quarantine_is_the_answer_key(city: Path, ingested) -> None:
    home, report, _ = ingested
    manifest = json.loads((city / "deliveries" / "manifest.json").read_text())
    files = {f["file"]: f for f in report["files"]}
    assert set(files) == {f["path"] for f in manifest["files"]}
    for entry in manifest["files"]:
        outcome = files[entry["path"]]
        assert outcome["status"] == "loaded", outcome
        assert outcome["rows_read"] == entry["rows"] == outcome["rows_accepted"] + outcome["rows_quarantined"]
    quarantined: dict[tuple[str, int], set[tuple[str, str]]] = {}
    for path in (home / "gov" / "lake" / "_ops" / "quarantine").rglob("*.parquet"):
        for r in pq.read_table(path).to_pylist():
            quarantined.setdefault((r["file"], r["row"]), set()).add((r["field"] or "", r["kind"]))
    key = _answer_key(city)
    assert set(quarantined) == set(key)
    assert all(key[row] in faults or key[row][1] in {k for _, k in faults} for row, faults in quarantined.items())
    assert sum(o["rows_quarantined"] for o in files.values()) == len(key)


def _is_person_name(spec: FieldSpec) -> bool:
    return spec.type is FieldType.STR and spec.privacy is PrivacyClass.DIRECT_IDENTIFIER and "姓名" in spec.label.zh


def _delivered_identifiers(city: Path) -> set[str]:
    """Every resident ID, credit code, phone number and person's name written into the deliveries (names: the
    values of 姓名 fields that are 2–4 characters long — entity names share some of those columns — less the
    words that ordinary columns also carry on their own, such as the school grade 高一, which is a name too)."""
    catalog = load_catalog()
    manifest = json.loads((city / "deliveries" / "manifest.json").read_text())
    found: set[str] = set()
    person_names: set[str] = set()
    words: set[str] = set()
    for entry in manifest["files"]:
        spec = catalog.get(entry["dataset"])
        numbers = {f.name for f in spec.fields if f.type in (*IDENTIFIER_TYPES, FieldType.PHONE)}
        names = {f.name for f in spec.fields if _is_person_name(f)}
        ordinary = {f.name for f in spec.fields if f.privacy is not PrivacyClass.DIRECT_IDENTIFIER}
        labels = {f.label.zh: f.name for f in spec.fields} | {f.name: f.name for f in spec.fields}
        path = city / "deliveries" / entry["path"]
        if path.suffix == ".parquet":
            rows = pq.read_table(path).to_pylist()
        elif path.suffix == ".xlsx":
            rows = _xlsx_rows(path)
        else:
            text = path.read_bytes().decode(entry.get("encoding") or "utf-8", "replace").lstrip("\ufeff")
            rows = list(csv.DictReader(io.StringIO(text, newline="")))
        for row in rows:
            cells = {labels.get(c): str(v).strip().upper() for c, v in row.items() if v is not None}
            own_names = {cells[f] for f in names if f in cells}
            for field, text in cells.items():
                if field in numbers and len(text) >= 7:
                    found.add(text)
                elif field in names and 2 <= len(text) <= 4:
                    person_names.add(text)
                elif field in ordinary and text not in own_names:
                    words.add(text)
    return found | (person_names - words)


def _xlsx_rows(path: Path) -> list[dict[str, object]]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    header, *rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    return [dict(zip(header, row, strict=False)) for row in rows]


@pytest.mark.slow
def test_no_identifier_reaches_the_lake_its_logs_or_the_cli(city: Path, ingested) -> None:
    home, _, output = ingested
    identifiers = _delivered_identifiers(city)
    assert len(identifiers) > 10_000
    assert any(len(v) == 18 for v in identifiers) and any(len(v) <= 4 for v in identifiers)
    wanted = pa.array(sorted(identifiers))
    leaked: list[str] = []
    texts = [output]
    for path in (home / "gov").rglob("*"):
        if path.is_file() and path.suffix == ".parquet":
            # Every cell of every column, as upper-case text, looked up in the delivered identifiers (vectorized:
            # the lake holds millions of cells).
            table = pq.read_table(path)
            for name, column in zip(table.column_names, table.columns, strict=True):
                cells = pc.utf8_upper(pc.cast(column, pa.string()))
                if pc.any(pc.is_in(cells, value_set=wanted)).as_py():
                    leaked.append(f"{path.name}:{name}")
        elif path.is_file():
            texts.append(path.read_bytes().decode("utf-8", "replace"))
    assert not leaked
    text = "\n".join(texts).upper()
    long_values = [v for v in identifiers if len(v) >= 3]
    assert not [v for v in long_values if v in text]
    quoted = {f'"{v}"' for v in identifiers if len(v) < 3}
    assert not [v for v in quoted if v in text]


@pytest.mark.slow
def test_reingesting_the_city_changes_nothing(city: Path, ingested) -> None:
    home, _report, _ = ingested
    env = {"PUHUI_HOME": str(home), "PUHUI_PSEUDONYM_KEYS": KEYS}
    lake = home / "gov" / "lake"
    before = sorted(p.relative_to(lake) for p in lake.rglob("*.parquet"))
    again = CliRunner().invoke(app, ["gov", "ingest", str(city / "deliveries"), "--json"], env=env)
    assert again.exit_code == 0
    assert {f["status"] for f in json.loads(again.stdout)["files"]} == {"unchanged"}
    assert sorted(p.relative_to(lake) for p in lake.rglob("*.parquet")) == before


@pytest.mark.slow
def test_sources_report_every_data_set_with_its_freshness(ingested) -> None:
    _, report, output = ingested
    sources = json.loads(output[output.rindex('{\n  "sources"') :])["sources"]
    assert len(sources) == len(load_catalog())
    assert all(s["status"] in ("fresh", "stale") and s["batches"] == 1 for s in sources)
    read = {f["dataset"]: f["rows_read"] for f in report["files"]}
    assert all(s["rows_read"] == read[s["dataset"]] for s in sources)
    assert {s["dataset"] for s in sources} == {f["dataset"] for f in report["files"]}
