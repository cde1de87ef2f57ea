"""Indicator definitions: what validates, what is rejected and why, and the generalization rules themselves."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from puhui.core.errors import DefinitionError
from puhui.core.indicators import BandRule, CapRule, ElapsedRule, months_before
from tests.support.indicator_lake import COURT, INDICATORS, indicator_definitions

GROUP_HEAD = """
id: extra
version: 1
name: {zh: 附加, en: extra}
description: {zh: 测试, en: test}
sensitive: SENSITIVE
indicators:
  - id: extra_one
    version: 1
    name: {zh: 一, en: one}
    description: {zh: 一, en: one}
    subjects: [person]
"""


def _extra(body: str, *, sensitive: bool = False) -> dict[str, str]:
    head = GROUP_HEAD.replace("SENSITIVE", "true" if sensitive else "false")
    return {"extra.yaml": head + body}


def test_the_test_definitions_validate_and_carry_a_version() -> None:
    definitions = indicator_definitions()
    assert len(definitions) == 6
    assert definitions.get("tax_grade").values == ("A", "B", "M", "C", "D", "unrated")
    assert definitions.get("debtor_cases_36m").values == ("0", "1", "2+")
    assert definitions.get("debtor_now").group == "tcourt_group"
    assert len(definitions.version) == 12


def test_an_indicator_over_a_prohibited_data_set_is_rejected() -> None:
    body = """
    output: flag
    source: {dataset: tsi.hospital, columns: [admitted]}
    measure: {aggregate: exists}
    rule: {kind: flag}
"""
    with pytest.raises(DefinitionError, match="prohibited") as caught:
        indicator_definitions(_extra(body, sensitive=True))
    assert caught.value.code == "prohibited_source"


def test_separate_consent_data_belongs_in_a_sensitive_group() -> None:
    body = """
    output: count
    source: {dataset: tsi.contributions, columns: [period]}
    measure: {aggregate: count}
    rule: {kind: cap, cap: 3}
"""
    with pytest.raises(DefinitionError, match="sensitive group"):
        indicator_definitions(_extra(body, sensitive=False))
    assert "extra_one" in indicator_definitions(_extra(body, sensitive=True)).indicators


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "output: flag\n    source: {dataset: tcourt.debtors, columns: [debtor_name]}\n"
            "    measure: {aggregate: exists}\n    rule: {kind: flag}",
            "identifier",
        ),
        (
            "output: flag\n    source: {dataset: tcourt.nothing, columns: [x]}\n"
            "    measure: {aggregate: exists}\n    rule: {kind: flag}",
            "no data set",
        ),
        (
            "output: band\n    source: {dataset: tcourt.debtors, columns: [case_no]}\n"
            "    measure: {aggregate: sum, column: case_no}\n"
            "    rule: {kind: bands, thresholds: [1], labels: [a, b]}",
            "needs a number",
        ),
        (
            "output: flag\n    source: {dataset: tcourt.debtors, columns: [performance],\n"
            "             where: [{column: performance, op: ==, value: 未知}]}\n"
            "    measure: {aggregate: exists}\n    rule: {kind: flag}",
            "no code",
        ),
        (
            "output: count\n    source: {dataset: tcourt.debtors, columns: [case_no]}\n"
            "    measure: {aggregate: exists}\n    rule: {kind: cap, cap: 3}",
            "cannot generalize",
        ),
        (
            "output: band\n    source: {dataset: tcourt.debtors, columns: [case_no]}\n"
            "    measure: {aggregate: count}\n    rule: {kind: cap, cap: 3}",
            "yields a count",
        ),
        (
            "output: flag\n    source: {dataset: tcourt.debtors, columns: [case_no],\n"
            "             where: [{column: court, op: not null}]}\n"
            "    measure: {aggregate: exists}\n    rule: {kind: flag}",
            "does not declare",
        ),
    ],
)
def test_malformed_definitions_are_rejected_with_a_reason(body: str, message: str) -> None:
    with pytest.raises(DefinitionError, match=message):
        indicator_definitions(_extra("    " + body + "\n"))


def test_an_enterprise_indicator_needs_enterprise_records() -> None:
    body = """
    output: count
    source: {dataset: tsi.contributions, columns: [period]}
    measure: {aggregate: count}
    rule: {kind: cap, cap: 3}
""".replace("count\n    source", "count\n    source")
    documents = _extra(body, sensitive=True)
    documents["extra.yaml"] = documents["extra.yaml"].replace("subjects: [person]", "subjects: [enterprise]")
    with pytest.raises(DefinitionError, match="holds no enterprise records"):
        indicator_definitions(documents)


def test_indicator_ids_are_unique_across_groups() -> None:
    clash = COURT.replace("id: tcourt_group", "id: another_group")
    with pytest.raises(DefinitionError, match="defined twice"):
        indicator_definitions({**INDICATORS, "another.yaml": clash})


def test_bands_caps_and_elapsed_time_label_values_as_documented() -> None:
    bands = BandRule(
        kind="bands", thresholds=(Decimal(1), Decimal(12), Decimal(24)), labels=("0", "1-11", "12-23", "24")
    )
    assert [bands.label(v) for v in (0, 1, 11, 12, 23, 24, 30)] == ["0", "1-11", "1-11", "12-23", "12-23", "24", "24"]
    cap = CapRule(kind="cap", cap=3)
    assert [cap.label(v) for v in (0, 2, 3, 9)] == ["0", "2", "3+", "3+"]
    elapsed = ElapsedRule(kind="elapsed", months=(12, 36), labels=("<1y", "1-3y", "3y+"), none="never")
    as_of = dt.date(2025, 3, 5)
    assert elapsed.label(dt.date(2024, 3, 6), as_of) == "<1y"
    assert elapsed.label(dt.date(2024, 3, 5), as_of) == "1-3y"
    assert elapsed.label(dt.date(2020, 1, 1), as_of) == "3y+"
    with pytest.raises(ValueError, match="increase"):
        BandRule(kind="bands", thresholds=(Decimal(5), Decimal(1)), labels=("a", "b", "c"))


def test_months_before_clips_to_the_end_of_the_month() -> None:
    assert months_before(dt.date(2025, 3, 31), 1) == dt.date(2025, 2, 28)
    assert months_before(dt.date(2024, 3, 31), 1) == dt.date(2024, 2, 29)
    assert months_before(dt.date(2025, 1, 15), 24) == dt.date(2023, 1, 15)
    assert months_before(dt.date(2025, 12, 1), 12) == dt.date(2024, 12, 1)
