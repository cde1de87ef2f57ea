"""The catalog: every data set the departments deliver, as declarative, versioned data.

Entries live as YAML in ``puhui/definitions/catalog/`` (one file per provider) and are validated here when
loaded. The catalog says what each delivery looks like (fields, types, encodings, code lists), which columns
identify the subject, how each field is classed for privacy, and whether credit decisions may use it at all.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from puhui.core.errors import DefinitionError, NotFound
from puhui.core.i18n import Text

DEFINITIONS_PACKAGE = "puhui.definitions"
# libyaml parses the whole catalog about ten times faster than the pure-Python loader; both are safe loaders.
SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SubjectScope(enum.StrEnum):
    PERSON = "person"
    ENTERPRISE = "enterprise"
    BOTH = "person+enterprise"


class FieldType(enum.StrEnum):
    STR = "str"  # short text
    TEXT = "text"  # free text (never leaves the lake)
    INT = "int"
    DECIMAL = "decimal"  # exact number; ``unit`` says 元 or 万元 …
    DATE = "date"
    DATETIME = "datetime"
    YM = "ym"  # year-month, YYYYMM
    CODE = "code"  # value from ``codes``
    BOOL = "bool"
    RESIDENT_ID = "resident_id"  # 18-digit 公民身份号码, checksum-validated and pseudonymized
    CREDIT_CODE = "credit_code"  # 18-character 统一社会信用代码, checksum-validated and pseudonymized
    SUBJECT_ID = "subject_id"  # either of the two, told apart by shape
    PHONE = "phone"


IDENTIFIER_TYPES = frozenset({FieldType.RESIDENT_ID, FieldType.CREDIT_CODE, FieldType.SUBJECT_ID})


class PrivacyClass(enum.StrEnum):
    DIRECT_IDENTIFIER = "direct_identifier"  # names, ID numbers, phones, addresses, account numbers
    QUASI_IDENTIFIER = "quasi_identifier"  # birth date, sex, district, employer … identifying in combination
    SENSITIVE = "sensitive"  # amounts of income/tax/property, health, religion … restricted or forbidden
    ORDINARY = "ordinary"


class LawfulUse(enum.StrEnum):
    ALLOWED = "allowed"
    SEPARATE_CONSENT = "separate_consent"
    PROHIBITED = "prohibited"


class DeliveryFormat(enum.StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    PARQUET = "parquet"


class Encoding(enum.StrEnum):
    UTF8 = "utf-8"
    GBK = "gbk"
    GB18030 = "gb18030"


class Frequency(enum.StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half_yearly"
    YEARLY = "yearly"
    EVENT = "event"  # event-driven deltas


class DeliveryMode(enum.StrEnum):
    SNAPSHOT = "snapshot"  # each delivery replaces the data set's previous state
    APPEND = "append"  # each delivery adds new records (events, monthly series)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FieldSpec(_Frozen):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: Text
    type: FieldType
    privacy: PrivacyClass
    required: bool = False
    unit: str | None = None
    codes: dict[str, str] | None = None  # code -> English meaning; the zh label is the code itself or given
    description: Text | None = None

    @model_validator(mode="after")
    def _consistent(self) -> FieldSpec:
        if self.type is FieldType.CODE and not self.codes:
            raise ValueError(f"field {self.name}: a code field needs its code list")
        if self.codes is not None and self.type is not FieldType.CODE:
            raise ValueError(f"field {self.name}: only code fields carry a code list")
        if self.type in IDENTIFIER_TYPES | {FieldType.PHONE} and self.privacy is not PrivacyClass.DIRECT_IDENTIFIER:
            raise ValueError(f"field {self.name}: ID numbers and phones are direct identifiers")
        return self


class Delivery(_Frozen):
    format: DeliveryFormat
    encoding: Encoding = Encoding.UTF8
    frequency: Frequency
    freshness_days: int = Field(gt=0, description="a delivery older than this is stale")
    mode: DeliveryMode = DeliveryMode.APPEND

    @model_validator(mode="after")
    def _encoding_fits_format(self) -> Delivery:
        if self.format is not DeliveryFormat.CSV and self.encoding is not Encoding.UTF8:
            raise ValueError("only CSV deliveries declare a legacy encoding")
        return self


class LawfulUseRule(_Frozen):
    cls: LawfulUse = Field(alias="class")
    reason: str = Field(min_length=10)


class DatasetSpec(_Frozen):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
    version: int = Field(ge=1)
    provider: str
    name: Text
    description: Text | None = None
    subject: SubjectScope
    subject_key: str  # the column holding the subject this record is about
    event_date: str | None = None  # the column giving when the fact happened (point-in-time)
    fields: tuple[FieldSpec, ...]
    delivery: Delivery
    lawful_use: LawfulUseRule
    seed_row: int
    seed_note: str | None = None

    @field_validator("fields")
    @classmethod
    def _unique_names(cls, fields: tuple[FieldSpec, ...]) -> tuple[FieldSpec, ...]:
        names = [f.name for f in fields]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ValueError(f"duplicate field names: {', '.join(duplicated)}")
        # Departments head their columns with the Chinese label, so ingestion must be able to tell them apart.
        labels = [f.label.zh for f in fields]
        duplicated = sorted({label for label in labels if labels.count(label) > 1})
        if duplicated:
            raise ValueError(f"duplicate Chinese field labels: {', '.join(duplicated)}")
        return fields

    @model_validator(mode="after")
    def _keys_exist(self) -> DatasetSpec:
        by_name = {f.name: f for f in self.fields}
        key = by_name.get(self.subject_key)
        if key is None:
            raise ValueError(f"{self.id}: subject_key {self.subject_key} is not a field")
        if key.type not in IDENTIFIER_TYPES or not key.required:
            raise ValueError(f"{self.id}: the subject key must be a required ID-number field")
        expected = {
            SubjectScope.PERSON: FieldType.RESIDENT_ID,
            SubjectScope.ENTERPRISE: FieldType.CREDIT_CODE,
            SubjectScope.BOTH: FieldType.SUBJECT_ID,
        }[self.subject]
        if key.type is not expected:
            raise ValueError(f"{self.id}: a {self.subject.value} data set keys on a {expected.value} field")
        if self.event_date is not None:
            event = by_name.get(self.event_date)
            if event is None or event.type not in (FieldType.DATE, FieldType.DATETIME, FieldType.YM):
                raise ValueError(f"{self.id}: event_date must name a date, datetime or ym field")
        if not self.id.startswith(self.provider + "."):
            raise ValueError(f"{self.id}: data set ids start with their provider id ({self.provider})")
        return self

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise NotFound(f"{self.id} has no field {name}")

    @property
    def usable_for_credit(self) -> bool:
        return self.lawful_use.cls is not LawfulUse.PROHIBITED


class Provider(_Frozen):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: Text
    seed_row: int
    kind: str = Field(pattern=r"^(department|company)$")


class Catalog:
    """All providers and data sets, validated; ``version`` changes whenever any entry does."""

    def __init__(self, providers: list[Provider], datasets: list[DatasetSpec], digest: str) -> None:
        self.providers = {p.id: p for p in providers}
        self.datasets = {d.id: d for d in datasets}
        self.version = digest[:12]
        unknown = sorted({d.provider for d in datasets} - set(self.providers))
        if unknown:
            raise DefinitionError(f"data sets name unknown providers: {', '.join(unknown)}")

    def __iter__(self) -> Iterator[DatasetSpec]:
        return iter(self.datasets.values())

    def __len__(self) -> int:
        return len(self.datasets)

    def get(self, dataset_id: str) -> DatasetSpec:
        try:
            return self.datasets[dataset_id]
        except KeyError:
            raise NotFound(f"no data set {dataset_id!r} in the catalog") from None

    def provider(self, provider_id: str) -> Provider:
        try:
            return self.providers[provider_id]
        except KeyError:
            raise NotFound(f"no provider {provider_id!r} in the catalog") from None

    def find(self, name: str) -> DatasetSpec:
        """A data set by id, by ``提供方/数据集`` as the seed names it, or by a name in either language if unique."""
        name = name.strip()
        if name in self.datasets:
            return self.datasets[name]
        matches = [d for d in self if name in (d.name.zh, d.name.en)]
        if not matches and "/" in name:
            provider_zh, _, dataset_zh = name.partition("/")
            matches = [d for d in self if (self.providers[d.provider].name.zh, d.name.zh) == (provider_zh, dataset_zh)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            choices = ", ".join(f"{self.providers[d.provider].name.zh}/{d.name.zh} ({d.id})" for d in matches)
            raise NotFound(f"{name!r} names {len(matches)} data sets; say which: {choices}")
        raise NotFound(f"no data set {name!r} in the catalog")


def parse_catalog_documents(documents: dict[str, str]) -> Catalog:
    """Validate YAML documents (file name -> text), one per provider, into a catalog."""
    providers: list[Provider] = []
    datasets: list[DatasetSpec] = []
    digest = hashlib.sha256()
    for name in sorted(documents):
        text = documents[name]
        digest.update(name.encode() + b"\0" + text.encode())
        where = f"catalog file {name}"
        try:
            raw: dict[str, Any] = yaml.load(text, Loader=SAFE_LOADER)
            provider = Provider.model_validate(raw["provider"])
            providers.append(provider)
            for number, entry in enumerate(raw.get("datasets") or [], start=1):
                where = f"catalog file {name}, data set {entry.get('id') or f'#{number}'}"
                datasets.append(DatasetSpec.model_validate({**entry, "provider": provider.id}))
        except (ValidationError, KeyError, TypeError, AttributeError, yaml.YAMLError) as err:
            raise DefinitionError(f"{where}: {err}") from None
    for kind, ids in (("provider", [p.id for p in providers]), ("data set", [d.id for d in datasets])):
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        if duplicated:
            raise DefinitionError(f"{kind} ids defined twice: {', '.join(duplicated)}")
    return Catalog(providers, datasets, digest.hexdigest())


@cache
def load_catalog() -> Catalog:
    """The catalog shipped with this version of puhui."""
    folder = resources.files(DEFINITIONS_PACKAGE) / "catalog"
    documents = {
        item.name: item.read_text(encoding="utf-8") for item in folder.iterdir() if item.name.endswith(".yaml")
    }
    return parse_catalog_documents(documents)


__all__ = [
    "Catalog",
    "DatasetSpec",
    "Delivery",
    "DeliveryFormat",
    "DeliveryMode",
    "Encoding",
    "FieldSpec",
    "FieldType",
    "Frequency",
    "LawfulUse",
    "LawfulUseRule",
    "PrivacyClass",
    "Provider",
    "SubjectScope",
    "load_catalog",
    "parse_catalog_documents",
]
