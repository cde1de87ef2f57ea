"""The shipped indicator definitions against the shipped catalog: enough of them, every lawful provider covered,
nothing prohibited read, and a definition that tries is rejected."""

from __future__ import annotations

import pytest

from puhui.core.catalog import LawfulUse, load_catalog
from puhui.core.errors import DefinitionError
from puhui.core.ids import SubjectKind
from puhui.core.indicators import OutputType, indicator_documents, load_indicators, parse_indicator_documents


def test_at_least_sixty_indicators_validate_for_persons_and_enterprises() -> None:
    definitions = load_indicators()
    assert len(definitions) >= 60
    assert len(definitions.for_subject(SubjectKind.PERSON)) >= 30
    assert len(definitions.for_subject(SubjectKind.ENTERPRISE)) >= 30
    assert {i.output for i in definitions} == set(OutputType)


def test_every_provider_with_lawfully_usable_data_is_covered() -> None:
    catalog = load_catalog()
    lawful_providers = {d.provider for d in catalog if d.lawful_use.cls is not LawfulUse.PROHIBITED}
    covered = {load_indicators().dataset(i).provider for i in load_indicators()}
    assert lawful_providers - covered == set()


def test_no_indicator_reads_a_prohibited_data_set_and_separate_consent_data_sits_in_sensitive_groups() -> None:
    definitions = load_indicators()
    prohibited = {d.id for d in load_catalog() if d.lawful_use.cls is LawfulUse.PROHIBITED}
    assert prohibited, "the catalog is expected to mark medical and similar data sets prohibited"
    for indicator in definitions:
        dataset = definitions.dataset(indicator)
        assert dataset.id not in prohibited
        if dataset.lawful_use.cls is LawfulUse.SEPARATE_CONSENT:
            assert definitions.group(indicator.group).sensitive, indicator.id


def test_a_definition_over_a_prohibited_data_set_of_the_real_catalog_is_rejected() -> None:
    catalog = load_catalog()
    prohibited = next(d for d in catalog if d.lawful_use.cls is LawfulUse.PROHIBITED)
    column = next(f.name for f in prohibited.fields if f.type.value in ("date", "int", "code", "str"))
    document = f"""
id: forbidden
version: 1
name: {{zh: 禁止, en: forbidden}}
description: {{zh: 不应通过, en: must not validate}}
sensitive: true
indicators:
  - id: forbidden_fact
    version: 1
    name: {{zh: 禁止, en: forbidden}}
    description: {{zh: 禁止, en: forbidden}}
    subjects: [person]
    output: flag
    source: {{dataset: {prohibited.id}, columns: [{column}]}}
    measure: {{aggregate: exists}}
    rule: {{kind: flag}}
"""
    with pytest.raises(DefinitionError, match="prohibited") as caught:
        parse_indicator_documents({**indicator_documents(), "forbidden.yaml": document}, catalog)
    assert caught.value.code == "prohibited_source"


def test_the_black_list_feed_of_bank_reported_defaults_is_read() -> None:
    indicator = load_indicators().get("ndrc_blacklist_loan_default_now")
    assert indicator.source.dataset == "ndrc.black_list"
    assert [c.values for c in indicator.source.where] == [("金融借款违约",)]


def test_indicator_names_the_bank_rule_sets_use_exist() -> None:
    definitions = load_indicators()
    for name in (
        "court_dishonest_debtor_now",
        "court_enforcement_open",
        "market_abnormal_operation_now",
        "ndrc_blacklist_now",
    ):
        assert name in definitions.indicators
