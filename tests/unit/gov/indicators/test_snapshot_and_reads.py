"""Snapshots of the hand-made lake: build, the latest pointer, single-subject reads (latest, stored past, computed
past), the gov service's reader port, and aggregate releases with small cells suppressed."""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from tests.support.indicator_lake import build_test_lake, indicator_definitions

from puhui.core.errors import NotFound, ValidationError
from puhui.core.ids import SubjectKind
from puhui.core.indicators import IndicatorSet
from puhui.engines import DuckDBEngine
from puhui.gov.indicators.aggregates import release_counts
from puhui.gov.indicators.config import IndicatorSettings
from puhui.gov.indicators.online import SnapshotIndex, _PartLookup, subject_indicators
from puhui.gov.indicators.reader import LakeIndicatorReader
from puhui.gov.indicators.snapshot import (
    Part,
    _index,
    build_snapshot,
    latest_snapshot,
    list_snapshots,
    read_table,
    subject_keys,
    write_lookup,
)
from puhui.gov.queries.reader import IndicatorReader


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, IndicatorSet]:
    home = tmp_path_factory.mktemp("home")
    lake, root = home / "gov" / "lake", home / "gov" / "indicators"
    build_test_lake(lake)
    definitions = indicator_definitions()
    steps: list[str] = []
    with DuckDBEngine() as engine:
        build_snapshot(engine, lake, root, definitions, dt.date(2025, 1, 5))
        build_snapshot(engine, lake, root, definitions, dt.date(2025, 3, 5), progress=lambda s, d, t: steps.append(s))
    assert steps[0].startswith("computing") and steps[-1] == "done" and len(steps) == 4
    return lake, root, definitions


def test_a_snapshot_is_versioned_sorted_and_the_latest_as_of_is_pointed_to(
    built: tuple[Path, Path, IndicatorSet],
) -> None:
    _, root, definitions = built
    snapshots = list_snapshots(root)
    assert [s.as_of for s in snapshots] == [dt.date(2025, 1, 5), dt.date(2025, 3, 5)]
    latest = latest_snapshot(root)
    assert latest.path.name == f"2025-03-05_{definitions.version}"
    assert latest.rows == {"person": 4, "enterprise": 2}
    persons = read_table(latest, SubjectKind.PERSON)
    assert persons.column("subject").to_pylist() == ["P1-a", "P1-b", "P1-c", "P1-d"]
    manifest = json.loads((latest.path / "manifest.json").read_text())
    assert manifest["definitions_version"] == definitions.version and manifest["engine"] == "duckdb"


def test_one_subject_is_read_from_the_latest_snapshot_within_milliseconds(
    built: tuple[Path, Path, IndicatorSet],
) -> None:
    lake, root, definitions = built
    index = SnapshotIndex(root)
    found = subject_indicators(["P1-b"], definitions, index=index, lake=lake)["P1-b"]
    assert found.known and found.as_of == dt.date(2025, 3, 5)
    assert found.values["debtor_now"] is False and found.values["debtor_first_listed"] == "1-3y"
    # The best p99 of three rounds of 300 reads: the tests run two at a time on two cores, and a round that shares
    # them with a city's ingestion measures the neighbour, not the read (bench/indicators.py measures the read).
    p99s = []
    for _ in range(3):
        timings = []
        for _ in range(300):
            started = time.perf_counter()
            index.get("P1-c")
            timings.append(time.perf_counter() - started)
        p99s.append(sorted(timings)[int(len(timings) * 0.99)])
    assert min(p99s) < 0.005
    unknown = subject_indicators(["P1-zz"], definitions, index=index, lake=lake)["P1-zz"]
    assert not unknown.known and set(unknown.values.values()) == {None}


def test_a_past_as_of_reads_its_snapshot_or_is_computed_from_the_lake(built: tuple[Path, Path, IndicatorSet]) -> None:
    lake, root, definitions = built
    index = SnapshotIndex(root)
    stored = subject_indicators(["P1-b"], definitions, index=index, lake=lake, as_of=dt.date(2025, 1, 5))["P1-b"]
    assert stored.source.startswith("snapshot 2025-01-05") and stored.values["debtor_now"] is True
    computed = subject_indicators(["P1-b", "E1-x"], definitions, index=index, lake=lake, as_of=dt.date(2025, 2, 1))
    assert computed["P1-b"].source == "computed (duckdb)" and computed["P1-b"].values["debtor_now"] is True
    assert computed["E1-x"].values["tax_grade"] == "B"


def test_the_reader_port_answers_groups_and_withholds_indicators_beyond_the_consented_lookback(
    built: tuple[Path, Path, IndicatorSet],
) -> None:
    lake, _, definitions = built
    settings = IndicatorSettings(home=lake.parent.parent)
    reader = LakeIndicatorReader(definitions, settings)
    assert isinstance(reader, IndicatorReader)
    groups = reader.groups()
    assert set(groups) == {"tcourt_group", "ttax_group", "tsi_group"} and groups["tsi_group"].sensitive
    answer = reader.read("P1-a", ["tcourt_group"], lookback_months=24)
    values = {v.name: v.value for v in answer.values}
    assert answer.as_of == dt.date(2025, 3, 5)
    # debtor_cases_36m looks back 36 months, beyond the consented 24: withheld; states on the day are answered.
    assert values == {
        "debtor_now": True,
        "debtor_cases_36m": None,
        "debtor_unperformed_amount": "1-10万",
        "debtor_first_listed": "3y+",
    }
    many = reader.read_many(["P1-a", "P1-d"], ["tsi_group"])
    assert {s: [v.value for v in r.values] for s, r in many.items()} == {"P1-a": ["12-23"], "P1-d": ["1-11"]}


def test_aggregates_release_only_cells_of_at_least_k_subjects(built: tuple[Path, Path, IndicatorSet]) -> None:
    _, root, _ = built
    snapshot = latest_snapshot(root)
    release = release_counts(snapshot, SubjectKind.PERSON, ["debtor_now"], min_cell=2)
    cells = {c.key["debtor_now"]: c.subjects for c in release.cells}
    assert cells == {False: 2, True: 2}
    strict = release_counts(snapshot, SubjectKind.PERSON, ["debtor_now", "si_months_paid_24"], min_cell=2)
    assert all(c.suppressed and c.subjects is None for c in strict.cells)
    assert release_counts(snapshot, SubjectKind.PERSON, ["debtor_now"]).cells[0].suppressed  # default k = 5
    with pytest.raises(ValidationError):
        release_counts(snapshot, SubjectKind.PERSON, ["tax_grade"])


def test_no_snapshot_is_a_clear_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="indicators build"):
        SnapshotIndex(tmp_path).get("P1-a")


def test_a_part_finds_each_subject_when_subject_keys_tie(tmp_path: Path) -> None:
    # Keys are the subjects' last eight bytes: these three share one key, a fourth does not.
    subjects = ["P1-c12345678", "P1-a12345678", "P1-d87654321", "P1-b12345678"]
    table = pa.table({"subject": subjects, "flag": [True, False, True, False]})
    keys = subject_keys(np.array([s.encode() for s in subjects], dtype="S12"))
    order = np.argsort(keys).astype(np.int32)
    write_lookup(tmp_path / "part.arrow", Part("000_x", table, keys[order], order))
    part = _PartLookup(tmp_path / "part.arrow")
    for row, subject in enumerate(subjects):
        assert part.row(subject, subject.encode()) == row
    assert part.row("P1-e12345678", b"P1-e12345678") is None and part.row("P1-a1", b"P1-a1") is None


@pytest.mark.parametrize("digits", ["0123456789abcdef", "0123456789abcdefABCXYZ-_~"])
def test_a_part_index_holds_the_subject_keys_in_order_whatever_bytes_subjects_end_in(digits: str) -> None:
    # Pseudonyms end in lower-case hex digits, which take the radix sort; any other bytes fall back to argsort.
    rng = random.Random(11)
    subjects = ["P1-" + "".join(rng.choice(digits) for _ in range(12)) for _ in range(3000)]
    subjects += ["P1-zzzz" + s[-8:] for s in subjects[:50]]  # keys tying with others'
    keys, order = _index(pa.array(subjects))
    assert keys is not None and order is not None
    expected = subject_keys(np.array([s.encode() for s in subjects], dtype="S15"))
    assert sorted(order.tolist()) == list(range(len(subjects)))
    assert np.array_equal(keys, expected[order]) and bool((keys[1:] >= keys[:-1]).all())


def test_a_snapshot_of_an_earlier_layout_is_not_listed_and_a_pointer_to_it_asks_for_a_rebuild(tmp_path: Path) -> None:
    old = tmp_path / "2025-03-05_v1"
    old.mkdir()
    (old / "manifest.json").write_text(json.dumps({"as_of": "2025-03-05", "rows": {}, "indicators": {}}))
    (tmp_path / "LATEST").write_text(old.name + "\n")
    assert list_snapshots(tmp_path) == []
    with pytest.raises(NotFound, match="earlier layout"):
        SnapshotIndex(tmp_path).get("P1-a")
