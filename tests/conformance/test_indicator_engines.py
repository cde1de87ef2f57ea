"""One conformance suite for every engine: the same definitions over the same hand-made lake give the values
worked out by hand, point in time, on DuckDB and on Spark alike."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from puhui.core.ids import SubjectKind
from puhui.core.indicators import IndicatorSet
from puhui.engines import DuckDBEngine
from puhui.engines.base import Engine
from puhui.gov.indicators.snapshot import compute
from tests.support.indicator_lake import build_test_lake, test_indicators

ENGINES = [
    pytest.param("duckdb", id="duckdb"),
    pytest.param("spark", id="spark", marks=[pytest.mark.spark, pytest.mark.xdist_group("spark")]),
]


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lake")
    build_test_lake(root)
    return root


@pytest.fixture(scope="module")
def definitions() -> IndicatorSet:
    return test_indicators()


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    if request.param == "spark":
        yield request.getfixturevalue("spark_engine")
        return
    with DuckDBEngine() as duck:
        yield duck


def _rows(table: pa.Table) -> dict[str, dict[str, Any]]:
    return {row.pop("subject"): row for row in table.to_pylist()}


def test_person_indicators_after_both_court_deliveries(engine: Engine, lake: Path, definitions: IndicatorSet) -> None:
    table, unavailable = compute(engine, lake, definitions, SubjectKind.PERSON, dt.date(2025, 3, 5))
    assert unavailable == []
    rows = _rows(table)
    assert rows == {
        # K1 open (5万 unperformed), K2 closed 2022 and filed 2021: outside 36 months, first listing 4 years ago;
        # 21 of the 24 months 2023-04 … 2025-03 paid.
        "P1-a": {
            "debtor_now": True,
            "debtor_cases_36m": "1",
            "debtor_unperformed_amount": "1-10万",
            "debtor_first_listed": "3y+",
            "si_months_paid_24": "12-23",
        },
        # K3 removed on 2025-02-15 (second delivery): no longer listed, and its latest version is fully performed.
        "P1-b": {
            "debtor_now": False,
            "debtor_cases_36m": "1",
            "debtor_unperformed_amount": "0",
            "debtor_first_listed": "1-3y",
            "si_months_paid_24": "0",
        },
        "P1-c": {
            "debtor_now": True,
            "debtor_cases_36m": "1",
            "debtor_unperformed_amount": "<1万",
            "debtor_first_listed": "<1y",
            "si_months_paid_24": "0",
        },
        # One paid month, one unpaid; no court record at all.
        "P1-d": {
            "debtor_now": False,
            "debtor_cases_36m": "0",
            "debtor_unperformed_amount": "0",
            "debtor_first_listed": "never",
            "si_months_paid_24": "1-11",
        },
    }
    assert table.schema.field("debtor_now").type == pa.bool_()


def test_a_later_delivery_cannot_leak_into_an_earlier_as_of(
    engine: Engine, lake: Path, definitions: IndicatorSet
) -> None:
    """As of 2025-01-05 the lake had only the first court delivery and no contributions (received 10 January):
    P1-c's listing (filed 1 December, delivered 1 March) and P1-b's removal must not show."""
    rows = _rows(compute(engine, lake, definitions, SubjectKind.PERSON, dt.date(2025, 1, 5))[0])
    assert set(rows) == {"P1-a", "P1-b"}
    assert rows["P1-b"]["debtor_now"] is True
    assert rows["P1-b"]["debtor_unperformed_amount"] == "10万+"
    assert rows["P1-a"]["si_months_paid_24"] == "0"


def test_a_snapshot_data_set_is_its_latest_batch_received_by_the_as_of(
    engine: Engine, lake: Path, definitions: IndicatorSet
) -> None:
    before = _rows(compute(engine, lake, definitions, SubjectKind.ENTERPRISE, dt.date(2025, 4, 19))[0])
    assert before == {
        "E1-x": {"debtor_now": True, "debtor_cases_36m": "1", "tax_grade": "B"},
        "E1-y": {"debtor_now": False, "debtor_cases_36m": "0", "tax_grade": "A"},
    }
    # The 2025 list (received 20 April) replaces the 2024 one, which named E1-y.
    after = _rows(compute(engine, lake, definitions, SubjectKind.ENTERPRISE, dt.date(2025, 4, 20))[0])
    assert after == {"E1-x": {"debtor_now": True, "debtor_cases_36m": "1", "tax_grade": "C"}}


def test_one_subject_alone_gets_the_values_it_gets_in_the_population(
    engine: Engine, lake: Path, definitions: IndicatorSet
) -> None:
    everyone = _rows(compute(engine, lake, definitions, SubjectKind.PERSON, dt.date(2025, 3, 5))[0])
    alone = _rows(compute(engine, lake, definitions, SubjectKind.PERSON, dt.date(2025, 3, 5), subjects=["P1-b"])[0])
    assert alone == {"P1-b": everyone["P1-b"]}
