"""One conformance suite for every engine: the same definitions over the same hand-made lake give the values
worked out by hand, point in time, on DuckDB and on Spark alike."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from puhui.core.ids import SubjectKind
from puhui.core.indicators import IndicatorSet, load_indicators
from puhui.engines import DuckDBEngine
from puhui.engines.base import Engine
from puhui.gov.credit_loop.model import BlackListEntry
from puhui.gov.indicators.blacklist import BLACK_LIST, bank_reported_supplement
from puhui.gov.indicators.snapshot import column_order, compute, compute_all, widen
from tests.support.indicator_lake import at, build_test_lake, d, indicator_definitions, write_batch

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
    return indicator_definitions()


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


def test_one_subject_alone_gets_the_values_it_gets_in_the_population(lake: Path, definitions: IndicatorSet) -> None:
    engine = DuckDBEngine()  # the subject filter is engine-neutral Ibis; DuckDB is enough here
    everyone = _rows(compute(engine, lake, definitions, SubjectKind.PERSON, dt.date(2025, 3, 5))[0])
    alone = _rows(compute(engine, lake, definitions, SubjectKind.PERSON, dt.date(2025, 3, 5), subjects=["P1-b"])[0])
    assert alone == {"P1-b": everyone["P1-b"]}


def test_bank_reported_defaults_join_the_black_list_point_in_time(engine: Engine, tmp_path: Path) -> None:
    """The commission's snapshot lists P1-a; banks reported P1-b (listed 1 Feb) and P1-c (removed 20 Feb)."""
    definitions = load_indicators()
    black_list = definitions.catalog.get(BLACK_LIST)
    write_batch(
        tmp_path,
        black_list,
        "b1",
        at("2025-01-05"),
        [{"subject": "P1-a", "subject_kind": "自然人", "list_type": "失信被执行人", "listed_date": d("2024-06-01")}],
    )

    def entry(subject: str, listed: str, removed: str | None) -> BlackListEntry:
        return BlackListEntry(
            subject_pseudonym=subject,
            subject_kind="自然人",
            list_type="金融借款违约",
            listed_reason="违约",
            recognised_by="银行",
            decision_no=f"L-{subject}",
            listed_date=d(listed),
            valid_until=d("2030-01-01"),
            removed_date=d(removed) if removed else None,
            removal_reason="信用修复" if removed else None,
            disputed=False,
            amount_band="1-5万",
        )

    supplement = bank_reported_supplement(
        _Entries([entry("P1-b", "2025-02-01", None), entry("P1-c", "2025-01-10", "2025-02-20")]), definitions.catalog
    )
    wanted = ["ndrc_blacklist_now", "ndrc_blacklist_loan_default_now"]

    def flags(day: str) -> dict[str, list[bool]]:
        table = compute(engine, tmp_path, definitions, SubjectKind.PERSON, d(day), supplements=supplement)[0]
        return {row["subject"]: [row[w] for w in wanted] for row in table.select(["subject", *wanted]).to_pylist()}

    assert flags("2025-01-15") == {"P1-a": [True, False], "P1-c": [True, True]}
    assert flags("2025-03-01") == {"P1-a": [True, False], "P1-b": [True, True], "P1-c": [False, False]}


class _Entries:
    def __init__(self, entries: list[BlackListEntry]) -> None:
        self._entries = entries

    def entries(self, subject_pseudonyms: Sequence[str] | None = None) -> list[BlackListEntry]:
        return self._entries


def test_both_kinds_in_one_pass_give_the_per_kind_tables(lake: Path, definitions: IndicatorSet) -> None:
    with DuckDBEngine() as engine:
        together, _ = compute_all(engine, lake, definitions, dt.date(2025, 3, 5))
        for kind in (SubjectKind.PERSON, SubjectKind.ENTERPRISE):
            alone, _ = compute(engine, lake, definitions, kind, dt.date(2025, 3, 5))
            no_record = {i.id: i.no_record_value() for i in column_order(list(definitions), kind)}
            assert widen([part.table for part in together[kind]], no_record).equals(alone)


LONG_WINDOW = """
id: tsi_long
version: 1
name: {zh: 社保长窗, en: social insurance over a long window}
description: {zh: 测试, en: test}
sensitive: true
indicators:
  - id: si_months_paid_60
    version: 1
    name: {zh: 近60个月缴费月数, en: months paid in 60}
    description: {zh: 分档, en: banded}
    subjects: [person]
    output: band
    source: {dataset: tsi.contributions, columns: [period, status], lookback_months: 60,
             where: [{column: status, op: "==", value: "1"}]}
    measure: {aggregate: count_distinct, column: period}
    rule: {kind: bands, thresholds: [1, 2, 3, 60, 61], labels: ["0", "1", "2", "3-59", "60", "61+"]}
"""


def test_distinct_months_count_every_month_of_a_long_window_once(engine: Engine, tmp_path: Path) -> None:
    """Distinct months are counted as bits of one 64-bit integer: a 60-month window uses bits 1 to 60. As of
    5 March 2025 the window holds April 2020 … March 2025; earlier months, repeats and unpaid months don't count."""
    definitions = indicator_definitions({"tsi_long.yaml": LONG_WINDOW})
    months = [dt.date(2019 + m // 12, m % 12 + 1, 1) for m in range(12, 75)]  # January 2020 … March 2025
    rows = [{"subject": "P1-e", "period": month, "status": "1"} for month in months]
    rows += [{"subject": "P1-e", "period": month, "status": "1"} for month in months[::7]]  # repeated months
    rows += [{"subject": "P1-f", "period": d("2020-03-01"), "status": "1"}]  # the window's start: outside
    rows += [{"subject": "P1-f", "period": d("2025-03-01"), "status": "2"}]  # unpaid
    rows += [
        {"subject": "P1-g", "period": d("2020-04-01"), "status": "1"},
        {"subject": "P1-g", "period": d("2025-03-01"), "status": "1"},
    ]
    write_batch(tmp_path, definitions.catalog.get("tsi.contributions"), "s1", at("2025-03-02"), rows)
    table = compute(engine, tmp_path, definitions, SubjectKind.PERSON, d("2025-03-05"))[0]
    counts = {
        row["subject"]: row["si_months_paid_60"] for row in table.select(["subject", "si_months_paid_60"]).to_pylist()
    }
    assert counts == {"P1-e": "60", "P1-f": "0", "P1-g": "2"}
