"""Purposes and their caps, declared in ``puhui/definitions/purposes.yaml`` and enforced when a consent is issued."""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from puhui.core.catalog import DEFINITIONS_PACKAGE
from puhui.core.clock import CHINA_TIME
from puhui.core.errors import DefinitionError, ValidationError
from puhui.core.i18n import Text
from puhui.gov.consent.model import ConsentTerms, FetchType, Frequency, FrequencyUnit
from puhui.gov.institutions.model import InstitutionType


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FrequencyCap(_Frozen):
    count: int = Field(ge=1)
    unit: FrequencyUnit

    def frequency(self) -> Frequency:
        return Frequency(self.count, self.unit)


class Purpose(_Frozen):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: Text
    description: Text
    fetch_type: FetchType
    max_frequency: FrequencyCap
    max_validity_days: int = Field(ge=1)
    until_maturity: bool = False
    max_lookback_months: int = Field(ge=1)
    max_data_life_days: int = Field(ge=1)
    institution_types: tuple[InstitutionType, ...] = Field(min_length=1)

    def violations(self, terms: ConsentTerms, institution_type: InstitutionType, today: dt.date) -> list[str]:
        """Every cap the terms exceed, as sentences (empty when they fit)."""
        found: list[str] = []
        if institution_type not in self.institution_types:
            found.append(f"a {institution_type.value} may not ask for {self.code}")
        if terms.fetch_type is not self.fetch_type:
            found.append(f"{self.code} consents are {self.fetch_type.value}")
        if not terms.frequency.at_most(self.max_frequency.frequency()):
            found.append(f"{self.code} allows at most {self.max_frequency.count} per {self.max_frequency.unit.value}")
        if terms.validity_days > self.max_validity_days:
            found.append(f"{self.code} consents last at most {self.max_validity_days} days")
        if terms.lookback_months > self.max_lookback_months:
            found.append(f"{self.code} looks back at most {self.max_lookback_months} months")
        if terms.data_life_days > self.max_data_life_days:
            found.append(f"{self.code} data may be kept at most {self.max_data_life_days} days")
        if self.until_maturity and terms.loan_maturity is None:
            found.append(f"{self.code} consents run until the loan matures: give loan_maturity")
        if not self.until_maturity and terms.loan_maturity is not None:
            found.append(f"{self.code} consents do not follow a loan maturity")
        if terms.loan_maturity is not None and terms.loan_maturity <= today:
            found.append("the loan maturity is not in the future")
        return found

    def check(self, terms: ConsentTerms, institution_type: InstitutionType, now: dt.datetime) -> None:
        found = self.violations(terms, institution_type, now.astimezone(CHINA_TIME).date())
        if found:
            raise ValidationError("; ".join(found), code="purpose_cap_exceeded")


class PurposeTable(_Frozen):
    version: int = Field(ge=1)
    purposes: tuple[Purpose, ...] = Field(min_length=1)

    def get(self, code: str) -> Purpose:
        for purpose in self.purposes:
            if purpose.code == code:
                return purpose
        raise ValidationError(f"no purpose {code!r}; known: {', '.join(self.codes())}", code="unknown_purpose")

    def codes(self) -> list[str]:
        return [p.code for p in self.purposes]


def parse_purposes(text: str) -> PurposeTable:
    try:
        table = PurposeTable.model_validate(yaml.safe_load(text))
    except (PydanticValidationError, yaml.YAMLError) as err:
        raise DefinitionError(f"purposes.yaml: {err}") from None
    codes = table.codes()
    if len(set(codes)) != len(codes):
        raise DefinitionError("purposes.yaml: a purpose code is defined twice")
    return table


@cache
def load_purposes() -> PurposeTable:
    """The purpose table shipped with this version of puhui."""
    return parse_purposes((resources.files(DEFINITIONS_PACKAGE) / "purposes.yaml").read_text(encoding="utf-8"))


__all__ = ["FrequencyCap", "Purpose", "PurposeTable", "load_purposes", "parse_purposes"]
