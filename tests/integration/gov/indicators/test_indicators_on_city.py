"""Acceptance on the synthetic city: synthesized, ingested into the lake, every indicator built point in time.

The indicators carry signal against the city's ground truth (``truth/subjects.parquet``: each subject's latent
default propensity), and Spark gives exactly the DuckDB snapshot. The city has 20 000 persons by default
(``PUHUI_TEST_CITY_PERSONS`` changes it). Spark pays about a second per plan whatever the data, so here it
computes one indicator of every distinct shape (measure, rule, window, versioning, filter operators) for every
subject; ``bench/indicators.py --spark`` compares all of them.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from puhui.core.catalog import load_catalog
from puhui.core.ids import SubjectKind, parse_subject_id
from puhui.core.indicators import IndicatorSet, load_indicators
from puhui.core.pseudonym import Pseudonymizer, PseudonymKeyring
from puhui.engines import DuckDBEngine
from puhui.engines.base import Engine
from puhui.gov.indicators.snapshot import SnapshotInfo, build_snapshot, compute, read_table
from puhui.gov.ingest.deliveries import find_deliveries
from puhui.gov.ingest.pipeline import DeliveryIngestor
from puhui.gov.lake.store import Lake
from puhui.synth.generate import generate_city
from puhui.synth.params import CityParams

# One worker builds the city once and holds the run's Spark session (see tests/conftest.py).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("spark")]

PERSONS = int(os.environ.get("PUHUI_TEST_CITY_PERSONS", "20000"))
CITY_AS_OF = dt.date(2026, 10, 31)
# Deliveries of the as-of month arrive in the night after it: the first day that sees them all.
AS_OF = CITY_AS_OF + dt.timedelta(days=1)
KEY = "1:" + "3c" * 32


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("city")
    catalog = load_catalog()
    generate_city(CityParams(persons=PERSONS, seed=7, as_of=CITY_AS_OF), root / "out", catalog=catalog)
    lake = Lake(root / "home" / "gov" / "lake")
    pseudonymizer = Pseudonymizer(PseudonymKeyring.parse(KEY))
    DeliveryIngestor(lake, catalog, pseudonymizer).ingest(find_deliveries(root / "out" / "deliveries"))
    definitions = load_indicators()
    with DuckDBEngine() as engine:
        snapshot = build_snapshot(engine, lake.root, root / "home" / "gov" / "indicators", definitions, AS_OF)
    truth = pq.read_table(root / "out" / "truth" / "subjects.parquet").to_pylist()
    propensity = {
        pseudonymizer.of(parse_subject_id(row["subject_id"], SubjectKind(row["kind"]))): row["default_propensity"]
        for row in truth
    }
    return {"lake": lake.root, "snapshot": snapshot, "definitions": definitions, "propensity": propensity}


def _mean_propensity(city: dict[str, Any], kind: SubjectKind, indicator: str) -> dict[Any, float]:
    table = read_table(city["snapshot"], kind, [indicator]).to_pylist()
    sums: dict[Any, list[float]] = {}
    for row in table:
        if row["subject"] in city["propensity"]:
            sums.setdefault(row[indicator], []).append(city["propensity"][row["subject"]])
    return {value: sum(found) / len(found) for value, found in sums.items()}


def test_the_snapshot_covers_the_population_with_allowed_values_only(city: dict[str, Any]) -> None:
    snapshot: SnapshotInfo = city["snapshot"]
    definitions: IndicatorSet = city["definitions"]
    assert snapshot.rows["person"] >= PERSONS * 0.95
    assert snapshot.rows["enterprise"] > PERSONS * 0.05
    assert snapshot.unavailable == []
    for kind in (SubjectKind.PERSON, SubjectKind.ENTERPRISE):
        table = read_table(snapshot, kind)
        assert len(set(table.column("subject").to_pylist())) == table.num_rows
        for name in table.column_names[1:]:
            allowed = set(definitions.get(name).values)
            seen = {str(v).lower() if isinstance(v, bool) else v for v in pc.unique(table.column(name)).to_pylist()}
            assert seen <= allowed, (name, seen - allowed)


@pytest.mark.parametrize(
    ("kind", "indicator", "risky", "safe", "factor"),
    [
        (SubjectKind.PERSON, "court_dishonest_debtor_now", True, False, 2.0),
        (SubjectKind.PERSON, "court_enforcement_open", True, False, 1.5),
        (SubjectKind.ENTERPRISE, "court_dishonest_debtor_now", True, False, 2.0),
        (SubjectKind.ENTERPRISE, "ndrc_blacklist_now", True, False, 1.5),
        (SubjectKind.ENTERPRISE, "tax_major_violation_now", True, False, 1.5),
        (SubjectKind.ENTERPRISE, "ndrc_redlist_now", False, True, 2.0),
    ],
)
def test_indicators_carry_signal_against_the_ground_truth(
    city: dict[str, Any], kind: SubjectKind, indicator: str, risky: Any, safe: Any, factor: float
) -> None:
    means = _mean_propensity(city, kind, indicator)
    assert means[risky] > factor * means[safe], means


@pytest.mark.spark
def test_the_spark_engine_gives_exactly_the_duckdb_snapshot(city: dict[str, Any], spark_engine: Engine) -> None:
    snapshot: SnapshotInfo = city["snapshot"]
    shapes = one_of_each_shape(city["definitions"])
    assert len(shapes) >= 12
    for kind in (SubjectKind.PERSON, SubjectKind.ENTERPRISE):
        spark, _ = compute(spark_engine, city["lake"], shapes, kind, AS_OF)
        duck = read_table(snapshot, kind)
        # Subjects known only to data sets outside the sample are not in Spark's population.
        duck = duck.filter(pc.is_in(duck.column("subject"), spark.column("subject"))).select(spark.column_names)
        assert spark.num_rows > 0.02 * PERSONS and duck.num_rows == spark.num_rows
        assert spark.equals(duck)


def one_of_each_shape(definitions: IndicatorSet) -> IndicatorSet:
    """The first indicator of every distinct shape, as an indicator set of its own."""
    seen: set[tuple[Any, ...]] = set()
    kept: set[str] = set()
    for indicator in definitions:
        source = indicator.source
        shape = (
            indicator.measure.aggregate,
            indicator.rule.kind,
            getattr(indicator.rule, "prefix", None) is not None,
            source.active is not None or bool(source.latest_per),
            source.lookback_months is not None,
        )
        if shape not in seen:
            seen.add(shape)
            kept.add(indicator.id)
    groups = [
        g.model_copy(update={"indicators": tuple(i for i in g.indicators if i.id in kept)})
        for g in definitions.groups.values()
        if any(i.id in kept for i in g.indicators)
    ]
    return IndicatorSet(groups, definitions.version, definitions.catalog)
