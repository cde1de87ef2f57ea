# ruff: noqa: E501  (catalog rows read best on one line each)
"""A small hand-made catalog, indicator set and lake in the layout of docs/lake.md, for compiler and engine tests.

The catalog is test data (not the shipped one), so the tests pin the compiler's semantics while the shipped
catalog grows. Every expected value in the tests is worked out by hand from the rows below.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from puhui.core.catalog import Catalog, DatasetSpec, parse_catalog_documents
from puhui.core.indicators import IndicatorSet, parse_indicator_documents
from puhui.gov.indicators.lake import dataset_path
from puhui.gov.lake.schema import lake_schema
from puhui.gov.lake.store import BATCH_FILE, BatchRecord

CATALOG = {
    "tcourt.yaml": """
provider: {id: tcourt, name: {zh: 测试法院, en: test court}, seed_row: 1, kind: department}
datasets:
  - id: tcourt.debtors
    version: 1
    name: {zh: 失信被执行人, en: dishonest debtors}
    subject: person+enterprise
    subject_key: debtor_id
    event_date: filed_date
    delivery: {format: csv, frequency: daily, freshness_days: 3, mode: append}
    lawful_use: {class: allowed, reason: published by law for everyone}
    seed_row: 1
    fields:
      - {name: case_no, label: {zh: 案号, en: case}, type: str, privacy: ordinary, required: true}
      - {name: debtor_name, label: {zh: 姓名, en: name}, type: str, privacy: direct_identifier}
      - {name: debtor_id, label: {zh: 证件号码, en: id}, type: subject_id, privacy: direct_identifier, required: true}
      - {name: performance, label: {zh: 履行情况, en: performance}, type: code, privacy: ordinary,
         codes: {全部未履行: none, 部分未履行: part, 全部履行: all}}
      - {name: amount, label: {zh: 标的, en: amount}, type: decimal, privacy: ordinary, unit: 元}
      - {name: filed_date, label: {zh: 立案时间, en: filed}, type: date, privacy: ordinary, required: true}
      - {name: removed_date, label: {zh: 移出时间, en: removed}, type: date, privacy: ordinary}
""",
    "ttax.yaml": """
provider: {id: ttax, name: {zh: 测试税务, en: test tax}, seed_row: 2, kind: department}
datasets:
  - id: ttax.grades
    version: 1
    name: {zh: 纳税信用等级, en: tax grades}
    subject: enterprise
    subject_key: credit_code
    event_date: rated_date
    delivery: {format: csv, frequency: yearly, freshness_days: 400, mode: snapshot}
    lawful_use: {class: allowed, reason: credit evaluation results are public credit information}
    seed_row: 2
    fields:
      - {name: credit_code, label: {zh: 统一社会信用代码, en: code}, type: credit_code, privacy: direct_identifier, required: true}
      - {name: grade, label: {zh: 信用等级, en: grade}, type: code, privacy: ordinary, codes: {A: A, B: B, M: M, C: C, D: D}}
      - {name: rated_date, label: {zh: 评定时间, en: rated}, type: date, privacy: ordinary, required: true}
""",
    "tsi.yaml": """
provider: {id: tsi, name: {zh: 测试社保, en: test social insurance}, seed_row: 3, kind: department}
datasets:
  - id: tsi.contributions
    version: 1
    name: {zh: 个人应缴实缴明细, en: contributions}
    subject: person
    subject_key: resident_id
    event_date: period
    delivery: {format: csv, frequency: monthly, freshness_days: 40, mode: append}
    lawful_use: {class: separate_consent, reason: contribution data needs the person's written consent}
    seed_row: 3
    fields:
      - {name: resident_id, label: {zh: 公民身份号码, en: id}, type: resident_id, privacy: direct_identifier, required: true}
      - {name: period, label: {zh: 费款所属期, en: period}, type: ym, privacy: ordinary, required: true}
      - {name: status, label: {zh: 缴费标识, en: status}, type: code, privacy: ordinary, codes: {"1": paid, "2": unpaid}}
  - id: tsi.hospital
    version: 1
    name: {zh: 住院, en: hospital stays}
    subject: person
    subject_key: resident_id
    event_date: admitted
    delivery: {format: csv, frequency: monthly, freshness_days: 40, mode: append}
    lawful_use: {class: prohibited, reason: disease and medical history may never be used}
    seed_row: 3
    fields:
      - {name: resident_id, label: {zh: 公民身份号码, en: id}, type: resident_id, privacy: direct_identifier, required: true}
      - {name: admitted, label: {zh: 入院日期, en: admitted}, type: date, privacy: ordinary, required: true}
""",
}

COURT = """
id: tcourt_group
version: 1
name: {zh: 司法, en: court}
description: {zh: 测试, en: test}
sensitive: false
indicators:
  - id: debtor_now
    version: 1
    name: {zh: 当前失信, en: listed now}
    description: {zh: 当前在失信名单, en: on the list on the as-of day}
    subjects: [person, enterprise]
    output: flag
    source: {dataset: tcourt.debtors, columns: [case_no, filed_date, removed_date],
             active: {start: filed_date, end: removed_date}, latest_per: [case_no]}
    measure: {aggregate: exists}
    rule: {kind: flag}
  - id: debtor_cases_36m
    version: 1
    name: {zh: 近36个月失信案件数, en: cases in 36 months}
    description: {zh: 计数, en: count}
    subjects: [person, enterprise]
    output: count
    source: {dataset: tcourt.debtors, columns: [case_no, filed_date], lookback_months: 36, latest_per: [case_no]}
    measure: {aggregate: count}
    rule: {kind: cap, cap: 2}
  - id: debtor_unperformed_amount
    version: 1
    name: {zh: 未履行标的, en: unperformed amount}
    description: {zh: 分档, en: banded}
    subjects: [person]
    output: band
    source: {dataset: tcourt.debtors, columns: [case_no, amount, performance], latest_per: [case_no],
             where: [{column: performance, op: "!=", value: 全部履行}]}
    measure: {aggregate: sum, column: amount}
    rule: {kind: bands, thresholds: [0.000001, 10000, 100000], labels: ["0", "<1万", "1-10万", "10万+"]}
  - id: debtor_first_listed
    version: 1
    name: {zh: 首次失信距今, en: since first listing}
    description: {zh: 分档, en: banded}
    subjects: [person]
    output: band
    source: {dataset: tcourt.debtors, columns: [filed_date]}
    measure: {aggregate: first_date, column: filed_date}
    rule: {kind: elapsed, months: [12, 36], labels: ["<1y", "1-3y", "3y+"], none: never}
"""

TAX = """
id: ttax_group
version: 1
name: {zh: 税务, en: tax}
description: {zh: 测试, en: test}
sensitive: false
indicators:
  - id: tax_grade
    version: 1
    name: {zh: 纳税信用等级, en: tax grade}
    description: {zh: 原样, en: as published}
    subjects: [enterprise]
    output: grade
    source: {dataset: ttax.grades, columns: [grade, rated_date]}
    measure: {aggregate: latest, column: grade}
    rule: {kind: codes, mapping: {A: A, B: B, M: M, C: C, D: D}, none: unrated}
"""

SOCIAL = """
id: tsi_group
version: 1
name: {zh: 社保, en: social insurance}
description: {zh: 测试, en: test}
sensitive: true
indicators:
  - id: si_months_paid_24
    version: 1
    name: {zh: 近24个月缴费月数, en: months paid in 24}
    description: {zh: 分档, en: banded}
    subjects: [person]
    output: band
    source: {dataset: tsi.contributions, columns: [period, status], lookback_months: 24,
             where: [{column: status, op: "==", value: "1"}]}
    measure: {aggregate: count_distinct, column: period}
    rule: {kind: bands, thresholds: [1, 12, 24], labels: ["0", "1-11", "12-23", "24"]}
"""

INDICATORS = {"tcourt_group.yaml": COURT, "ttax_group.yaml": TAX, "tsi_group.yaml": SOCIAL}


def test_catalog() -> Catalog:
    return parse_catalog_documents(CATALOG)


def indicator_definitions(extra: dict[str, str] | None = None) -> IndicatorSet:
    return parse_indicator_documents({**INDICATORS, **(extra or {})}, test_catalog())


def write_batch(
    lake: Path, dataset: DatasetSpec, batch_id: str, received_at: dt.datetime, rows: list[dict[str, Any]]
) -> None:
    """One delivery of ``dataset`` as the lake holds it: typed fields, subject pseudonym, lineage."""
    schema = lake_schema(dataset)
    columns: dict[str, list[Any]] = {name: [] for name in schema.names}
    for number, row in enumerate(rows, start=1):
        for name in schema.names:
            columns[name].append(row.get(name))
        columns["_batch_id"][-1] = batch_id
        columns["_received_at"][-1] = received_at
        columns["_row"][-1] = number
    folder = dataset_path(lake, dataset.id) / f"batch_id={batch_id}"
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(columns, schema=schema), folder / "part-00000.parquet")
    record = BatchRecord(
        batch_id=batch_id,
        dataset=dataset.id,
        provider=dataset.provider,
        dataset_version=dataset.version,
        catalog_version="test",
        mode=dataset.delivery.mode,
        file=f"{dataset.id}.csv",
        sha256=batch_id,
        bytes=0,
        format="csv",
        encoding="utf-8",
        encoding_detected=False,
        received_at=received_at,
        ingested_at=received_at,
        rows_read=len(rows),
        rows_accepted=len(rows),
        rows_quarantined=0,
        quarantine_by_kind={},
        extra_columns=[],
        absent_fields=[],
        parts=["part-00000.parquet"],
    )
    (folder / BATCH_FILE).write_text(record.model_dump_json())


def at(day: str, hour: int = 2) -> dt.datetime:
    """A receipt time: ``hour`` o'clock city time on ``day``."""
    return dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00+08:00")


def d(day: str) -> dt.date:
    return dt.date.fromisoformat(day)


def build_test_lake(lake: Path) -> None:
    """Persons P1-a … P1-d, enterprises E1-x, E1-y; deliveries spread over 2024–2026."""
    catalog = test_catalog()
    court, grades, contributions = (
        catalog.get("tcourt.debtors"),
        catalog.get("ttax.grades"),
        catalog.get("tsi.contributions"),
    )
    write_batch(
        lake,
        court,
        "c1",
        at("2025-01-02"),
        [
            {
                "subject": "P1-a",
                "case_no": "K1",
                "performance": "全部未履行",
                "amount": Decimal("50000.00"),
                "filed_date": d("2024-12-20"),
            },
            {
                "subject": "P1-a",
                "case_no": "K2",
                "performance": "全部履行",
                "amount": Decimal("900000.00"),
                "filed_date": d("2021-03-01"),
                "removed_date": d("2022-01-01"),
            },
            {
                "subject": "P1-b",
                "case_no": "K3",
                "performance": "部分未履行",
                "amount": Decimal("200000.00"),
                "filed_date": d("2023-06-30"),
            },
            {
                "subject": "E1-x",
                "case_no": "K4",
                "performance": "全部未履行",
                "amount": Decimal("7.50"),
                "filed_date": d("2024-11-11"),
            },
        ],
    )
    # A later delivery: P1-b's case removed (a new version of K3), P1-c newly listed with an earlier filing date.
    write_batch(
        lake,
        court,
        "c2",
        at("2025-03-01"),
        [
            {
                "subject": "P1-b",
                "case_no": "K3",
                "performance": "全部履行",
                "amount": Decimal("200000.00"),
                "filed_date": d("2023-06-30"),
                "removed_date": d("2025-02-15"),
            },
            {
                "subject": "P1-c",
                "case_no": "K5",
                "performance": "全部未履行",
                "amount": Decimal("3000.00"),
                "filed_date": d("2024-12-01"),
            },
        ],
    )
    write_batch(
        lake,
        grades,
        "g2024",
        at("2024-04-20"),
        [
            {"subject": "E1-x", "grade": "B", "rated_date": d("2024-04-15")},
            {"subject": "E1-y", "grade": "A", "rated_date": d("2024-04-15")},
        ],
    )
    # The 2025 list replaces the 2024 one: E1-y is no longer on it.
    write_batch(
        lake, grades, "g2025", at("2025-04-20"), [{"subject": "E1-x", "grade": "C", "rated_date": d("2025-04-15")}]
    )
    paid = [{"subject": "P1-a", "period": dt.date(2023 + m // 12, m % 12 + 1, 1), "status": "1"} for m in range(24)]
    paid += [
        {"subject": "P1-d", "period": d("2024-12-01"), "status": "1"},
        {"subject": "P1-d", "period": d("2024-11-01"), "status": "2"},
    ]
    write_batch(lake, contributions, "s1", at("2025-01-10"), paid)
