"""The price table (``puhui/definitions/prices.yaml``) and yearly statements computed from it (pure, Decimal)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic import ValidationError as PydanticValidationError

from puhui.core.catalog import DEFINITIONS_PACKAGE
from puhui.core.errors import DefinitionError, NotFound
from puhui.core.money import quantize_fen, to_money
from puhui.gov.institutions.model import Institution, InstitutionStatus, InstitutionType


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Tariff(_Frozen):
    annual_fee: Decimal = Field(ge=0)
    per_query: Decimal = Field(ge=0)
    per_group: dict[str, Decimal] = Field(default_factory=dict)

    @field_validator("annual_fee", "per_query", mode="before")
    @classmethod
    def _money(cls, value: object) -> Decimal:
        if isinstance(value, float):
            raise ValueError("prices are written as strings, not floats")
        return to_money(value)  # type: ignore[arg-type]

    @field_validator("per_group", mode="before")
    @classmethod
    def _group_money(cls, value: object) -> object:
        if isinstance(value, dict):
            if any(isinstance(v, float) for v in value.values()):
                raise ValueError("prices are written as strings, not floats")
            return {k: to_money(v) for k, v in value.items()}
        return value

    def price(self, group: str) -> Decimal:
        return self.per_group.get(group, self.per_query)


class PriceVersion(_Frozen):
    effective_from: dt.date
    tariffs: dict[InstitutionType, Tariff]


class PriceTable(_Frozen):
    version: int = Field(ge=1)
    currency: Literal["CNY"]
    tables: tuple[PriceVersion, ...] = Field(min_length=1)

    @field_validator("tables")
    @classmethod
    def _ordered(cls, tables: tuple[PriceVersion, ...]) -> tuple[PriceVersion, ...]:
        days = [t.effective_from for t in tables]
        if days != sorted(set(days)):
            raise ValueError("price tables are listed by effective date, each date once")
        return tables

    def tariff(self, kind: InstitutionType, day: dt.date) -> Tariff:
        in_force = [t for t in self.tables if t.effective_from <= day]
        if not in_force or kind not in in_force[-1].tariffs:
            raise NotFound(f"no price for a {kind.value} on {day}")
        return in_force[-1].tariffs[kind]


def parse_prices(text: str) -> PriceTable:
    try:
        return PriceTable.model_validate(yaml.safe_load(text))
    except (PydanticValidationError, yaml.YAMLError) as err:
        raise DefinitionError(f"prices.yaml: {err}") from None


@cache
def load_prices() -> PriceTable:
    return parse_prices((resources.files(DEFINITIONS_PACKAGE) / "prices.yaml").read_text(encoding="utf-8"))


@dataclasses.dataclass(frozen=True, slots=True)
class Usage:
    """Queries served to one institution on one day, for one purpose and indicator group."""

    institution_id: str
    purpose: str
    group: str
    day: dt.date
    queries: int


@dataclasses.dataclass(frozen=True, slots=True)
class StatementLine:
    purpose: str
    group: str
    queries: int
    unit_price: Decimal
    amount: Decimal


@dataclasses.dataclass(frozen=True, slots=True)
class Statement:
    institution_id: str
    institution_name: str
    institution_type: InstitutionType
    year: int
    admitted_days: int
    annual_fee: Decimal
    lines: tuple[StatementLine, ...]

    @property
    def queries(self) -> int:
        return sum(line.queries for line in self.lines)

    @property
    def total(self) -> Decimal:
        return quantize_fen(self.annual_fee + sum((line.amount for line in self.lines), Decimal(0)))


def _admitted_days(institution: Institution, year: int) -> tuple[int, dt.date | None]:
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    start = max(first, institution.admitted_at.date())
    end = last
    if institution.status is InstitutionStatus.REVOKED:
        end = min(last, institution.status_changed_at.date())
    if end < start:
        return 0, None
    return (end - start).days + 1, start


def yearly_statement(institution: Institution, year: int, usage: Sequence[Usage], prices: PriceTable) -> Statement:
    """The annual fee pro rata for the days admitted, plus each query and group at the price of its day."""
    days_in_year = (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days
    admitted_days, first_day = _admitted_days(institution, year)
    annual_fee = Decimal(0)
    if first_day is not None:
        fee = prices.tariff(institution.type, first_day).annual_fee
        annual_fee = quantize_fen(fee * admitted_days / days_in_year)
    totals: dict[tuple[str, str, Decimal], int] = defaultdict(int)
    for item in usage:
        if item.institution_id == institution.id and item.day.year == year:
            price = prices.tariff(institution.type, item.day).price(item.group)
            totals[(item.purpose, item.group, price)] += item.queries
    lines = tuple(
        StatementLine(purpose, group, queries, price, quantize_fen(price * queries))
        for (purpose, group, price), queries in sorted(totals.items())
    )
    return Statement(institution.id, institution.name, institution.type, year, admitted_days, annual_fee, lines)


__all__ = [
    "PriceTable",
    "PriceVersion",
    "Statement",
    "StatementLine",
    "Tariff",
    "Usage",
    "load_prices",
    "parse_prices",
    "yearly_statement",
]
