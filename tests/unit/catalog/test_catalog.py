"""The catalog of every seed data set: it loads, covers the seed one to one, classes lawful use, rejects bad entries."""

from __future__ import annotations

import copy
import csv
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from puhui.cli import app
from puhui.core.catalog import (
    DeliveryFormat,
    Encoding,
    FieldType,
    LawfulUse,
    PrivacyClass,
    SubjectScope,
    load_catalog,
    parse_catalog_documents,
)
from puhui.core.errors import DefinitionError, NotFound

SEED_CSV = Path(__file__).resolve().parents[3] / ".." / "shared" / "seed" / "data_sources.csv"

# Disease and medical history (征信业管理条例 §14 ¶1), named by the brief and the seed annex.
MEDICAL = {
    ("市委政法委", "严重精神障碍患者"),
    ("市委政法委", "艾滋病危险人员"),
    ("市民政局", "大病救助"),
    ("市人力资源社会保障局、市医保局", "医保费用明细"),
    ("市卫生健康委", "住院基本信息"),
    ("市卫生健康委", "出生医学证明"),
    ("市卫生健康委", "门诊登记基本信息"),
    ("市卫生健康委", "个人体检信息"),
    ("市卫生健康委", "居民住院报销"),
    ("市残联", "残疾人基本信息"),
}

MONTHLY_SERIES = [
    "hrss.contributions",
    "housing_fund.employer_deposits",
    "housing_fund.personal_deposits",
    "tax.enterprise_tax_payments",
    "tax.fixed_quota_payments",
    *(f"{p}.{d}" for p in ("mobile", "telecom", "unicom") for d in ("payments", "arrears")),
    *(f"{p}.{d}" for p in ("power", "gas", "water") for d in ("usage", "payments")),
]

runner = CliRunner()


def _key(catalog_entry: Any) -> tuple[str, str]:
    catalog = load_catalog()
    return catalog.provider(catalog_entry.provider).name.zh, catalog_entry.name.zh


def _seed_rows() -> list[dict[str, str]]:
    if not SEED_CSV.exists():
        pytest.skip("../shared/seed/data_sources.csv is not beside the clone")
    with SEED_CSV.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_shipped_catalog_loads_with_every_provider_and_data_set():
    catalog = load_catalog()
    assert len(catalog) == 132
    assert len(catalog.providers) == 28
    assert {d.provider for d in catalog} == set(catalog.providers)
    assert sum(p.kind == "company" for p in catalog.providers.values()) == 6


def test_catalog_list_json_lists_all_132_data_sets():
    result = runner.invoke(app, ["catalog", "list", "--json"])
    assert result.exit_code == 0, result.output
    listing = json.loads(result.output)
    ids = [d["id"] for d in listing["datasets"]]
    assert len(ids) == len(set(ids)) == 132
    assert listing["catalog_version"] == load_catalog().version
    assert {d["lawful_use"] for d in listing["datasets"]} == {use.value for use in LawfulUse}


def test_every_seed_row_maps_to_exactly_one_entry_and_back():
    rows = _seed_rows()
    assert len(rows) == 132
    catalog = load_catalog()
    by_key: dict[tuple[str, str], list[Any]] = {}
    for entry in catalog:
        by_key.setdefault(_key(entry), []).append(entry)
    matched = set()
    for row in rows:
        entries = by_key.get((row["provider_zh"], row["dataset_zh"]), [])
        assert len(entries) == 1, f"{row['provider_zh']}/{row['dataset_zh']} matches {len(entries)} entries"
        entry = entries[0]
        assert entry.seed_row == int(row["row"])
        assert catalog.provider(entry.provider).seed_row == int(row["row"])
        assert catalog.provider(entry.provider).name.en == row["provider_en"]
        assert entry.subject.value == row["subject"]
        assert entry.seed_note == (row["note"] or None)
        matched.add(entry.id)
    assert matched == set(catalog.datasets)


def test_every_entry_records_a_lawful_use_class_and_its_reason():
    for entry in load_catalog():
        assert entry.lawful_use.cls in LawfulUse
        assert len(entry.lawful_use.reason) >= 10, entry.id


def test_every_medical_data_set_is_prohibited():
    catalog = load_catalog()
    medical = [d for d in catalog if _key(d) in MEDICAL or "medical data" in (d.seed_note or "")]
    assert {_key(d) for d in medical} >= MEDICAL
    for entry in medical:
        assert entry.lawful_use.cls is LawfulUse.PROHIBITED, entry.id
        assert not entry.usable_for_credit


def test_status_lists_about_people_and_pupils_are_not_usable():
    catalog = load_catalog()
    status_lists = [d for d in catalog if d.provider == "political_legal"]
    assert len(status_lists) == 7
    for entry in [*status_lists, catalog.get("education.students")]:
        assert entry.lawful_use.cls is LawfulUse.PROHIBITED, entry.id


def test_income_tax_property_and_social_insurance_amounts_need_separate_consent():
    catalog = load_catalog()
    for dataset_id in (
        "tax.individual_income_tax",
        "hrss.contributions",
        "housing_fund.personal_deposits",
        "natural_resources.property_registrations",
        "finance.payroll",
        "power.usage",
    ):
        assert catalog.get(dataset_id).lawful_use.cls is LawfulUse.SEPARATE_CONSENT, dataset_id


def test_subject_keys_match_the_subject_scope():
    expected = {
        SubjectScope.PERSON: FieldType.RESIDENT_ID,
        SubjectScope.ENTERPRISE: FieldType.CREDIT_CODE,
        SubjectScope.BOTH: FieldType.SUBJECT_ID,
    }
    for entry in load_catalog():
        key = entry.field(entry.subject_key)
        assert key.required and key.type is expected[entry.subject], entry.id
        assert key.privacy is PrivacyClass.DIRECT_IDENTIFIER


def test_monthly_series_are_point_in_time_on_a_year_month():
    catalog = load_catalog()
    for dataset_id in MONTHLY_SERIES:
        entry = catalog.get(dataset_id)
        assert entry.event_date is not None, dataset_id
        assert entry.field(entry.event_date).type is FieldType.YM, dataset_id
        assert entry.delivery.mode.value == "append", dataset_id


def test_every_entry_has_plausible_fields_units_and_codes():
    for entry in load_catalog():
        assert 5 <= len(entry.fields) <= 20, entry.id
        if entry.event_date is not None:
            assert entry.field(entry.event_date).required, entry.id
        for field in entry.fields:
            if field.type is FieldType.DECIMAL:
                assert field.unit, f"{entry.id}.{field.name} has no unit"
            if field.unit in ("元", "万元") and field.name.endswith(("income", "salary", "pay", "tax_paid")):
                assert field.privacy is PrivacyClass.SENSITIVE, f"{entry.id}.{field.name}"
            if field.type is FieldType.CODE:
                assert field.codes and all(code.strip() == code for code in field.codes), entry.id


def test_deliveries_mix_formats_and_encodings_as_departments_send_them():
    catalog = load_catalog()
    formats = {d.delivery.format for d in catalog}
    assert formats == set(DeliveryFormat)
    assert {d.delivery.encoding for d in catalog} >= {Encoding.UTF8, Encoding.GBK}
    for provider in ("court", "tax", "public_security", "civil_affairs"):
        assert all(d.delivery.encoding is Encoding.GBK for d in catalog if d.provider == provider), provider
    for entry in catalog:
        if entry.delivery.format is DeliveryFormat.PARQUET:
            assert catalog.provider(entry.provider).kind == "company", entry.id


def test_catalog_show_prints_both_languages_and_finds_by_chinese_name():
    result = runner.invoke(app, ["catalog", "show", "tax.credit_grades"])
    assert result.exit_code == 0, result.output
    for text in ("纳税人信用等级信息", "taxpayer credit grades", "市税务局", "Tax Bureau", "信用等级", "credit grade"):
        assert text in result.output
    by_name = runner.invoke(app, ["catalog", "show", "市住房公积金管理中心/个人缴存", "--json"])
    assert by_name.exit_code == 0, by_name.output
    assert json.loads(by_name.output)["id"] == "housing_fund.personal_deposits"
    in_english = runner.invoke(app, ["catalog", "show", "forest-rights registrations", "--json"])
    assert json.loads(in_english.output)["lawful_use"]["class"] == "separate_consent"


def test_catalog_show_names_the_choices_when_a_name_is_ambiguous_or_unknown():
    ambiguous = runner.invoke(app, ["catalog", "show", "客户基本信息"])
    assert ambiguous.exit_code == 2
    assert "6 data sets" in ambiguous.output
    with pytest.raises(NotFound, match="no data set"):
        load_catalog().find("no.such_set")


# -- malformed entries --------------------------------------------------------------------------------------------

VALID_ENTRY: dict[str, Any] = {
    "id": "demo.fines",
    "version": 1,
    "name": {"zh": "罚款", "en": "fines"},
    "subject": "person",
    "subject_key": "resident_id",
    "event_date": "decided_date",
    "delivery": {"format": "csv", "encoding": "gbk", "frequency": "daily", "freshness_days": 3, "mode": "append"},
    "lawful_use": {"class": "allowed", "reason": "行政处罚信息 in the public-credit catalogue."},
    "seed_row": 99,
    "fields": [
        {"name": "resident_id", "label": {"zh": "公民身份号码", "en": "resident ID"}, "type": "resident_id",
         "privacy": "direct_identifier", "required": True},
        {"name": "decided_date", "label": {"zh": "决定日期", "en": "decision date"}, "type": "date",
         "privacy": "ordinary", "required": True},
        {"name": "kind", "label": {"zh": "类别", "en": "kind"}, "type": "code", "privacy": "ordinary",
         "codes": {"罚款": "fine", "警告": "warning"}},
    ],
}  # fmt: skip


def _document(*entries: dict[str, Any], provider_id: str = "demo") -> str:
    provider = {"id": provider_id, "name": {"zh": "示例局", "en": "Demo Bureau"}, "seed_row": 99, "kind": "department"}
    return yaml.safe_dump({"provider": provider, "datasets": list(entries)}, allow_unicode=True)


def _entry(**changes: Any) -> dict[str, Any]:
    entry = copy.deepcopy(VALID_ENTRY)
    entry.update(changes)
    return entry


def test_a_minimal_valid_document_parses():
    catalog = parse_catalog_documents({"demo.yaml": _document(_entry())})
    assert catalog.get("demo.fines").field("kind").codes == {"罚款": "fine", "警告": "warning"}


def _fields(**field_changes: dict[str, Any]) -> list[dict[str, Any]]:
    fields = copy.deepcopy(VALID_ENTRY["fields"])
    for field in fields:
        field.update(field_changes.get(field["name"], {}))
    return fields


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (_entry(subject_key="person_id"), "subject_key person_id is not a field"),
        (_entry(subject="enterprise"), "enterprise data set keys on a credit_code field"),
        (_entry(event_date="kind"), "event_date must name a date"),
        (_entry(fields=_fields(kind={"codes": None})), "code field needs its code list"),
        (_entry(fields=_fields(decided_date={"codes": {"1": "x"}})), "only code fields carry a code list"),
        (_entry(fields=_fields(resident_id={"privacy": "ordinary"})), "direct identifiers"),
        (_entry(fields=_fields(kind={"label": {"zh": "决定日期", "en": "kind"}})), "duplicate Chinese field labels"),
        (_entry(fields=_fields(kind={"name": "decided_date"})), "duplicate field names"),
        (_entry(lawful_use={"class": "prohibited"}), "reason"),
        (_entry(lawful_use={"class": "prohibited", "reason": "medical"}), "at least 10 characters"),
        (_entry(lawful_use={"class": "forbidden", "reason": "not a class we know"}), "lawful_use"),
        (_entry(id="other.fines"), "start with their provider id"),
        (_entry(delivery={**VALID_ENTRY["delivery"], "format": "xlsx"}), "legacy encoding"),
        (_entry(colour="blue"), "Extra inputs"),
    ],
)
def test_a_malformed_entry_is_rejected_with_a_clear_message(entry: dict[str, Any], message: str):
    with pytest.raises(DefinitionError, match=message) as raised:
        parse_catalog_documents({"demo.yaml": _document(entry)})
    assert "catalog file demo.yaml, data set" in raised.value.message


def test_duplicate_ids_across_files_and_duplicate_providers_are_rejected():
    with pytest.raises(DefinitionError, match=r"data set ids defined twice: demo\.fines"):
        parse_catalog_documents({"a.yaml": _document(_entry(), _entry())})
    with pytest.raises(DefinitionError, match="provider ids defined twice: demo"):
        parse_catalog_documents({"a.yaml": _document(_entry()), "b.yaml": _document(_entry(id="demo.other"))})


def test_broken_yaml_and_a_missing_provider_block_are_definition_errors():
    with pytest.raises(DefinitionError, match=r"catalog file bad\.yaml"):
        parse_catalog_documents({"bad.yaml": "provider: {id: demo, name: [unclosed"})
    with pytest.raises(DefinitionError, match=r"catalog file bare\.yaml"):
        parse_catalog_documents({"bare.yaml": yaml.safe_dump({"datasets": [VALID_ENTRY]})})


def test_the_catalog_version_changes_when_any_entry_text_changes():
    folder = Path(__file__).resolve().parents[3] / "src" / "puhui" / "definitions" / "catalog"
    documents = {path.name: path.read_text(encoding="utf-8") for path in folder.glob("*.yaml")}
    original = parse_catalog_documents(documents).version
    assert original == load_catalog().version
    assert parse_catalog_documents(dict(documents)).version == original
    edited = dict(documents)
    edited["tax.yaml"] = edited["tax.yaml"].replace("征收方式", "征收方式(核定)", 1)
    assert parse_catalog_documents(edited).version != original
    reason_only = dict(documents)
    reason_only["court.yaml"] = reason_only["court.yaml"].replace("published by law", "published by statute", 1)
    assert parse_catalog_documents(reason_only).version != original
