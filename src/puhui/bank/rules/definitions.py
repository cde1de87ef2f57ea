"""Rule sets as declarative, versioned data: products, knock-outs, policy limits by segment, risk grades, the limit
matrix and price bounds.

Rule sets live as YAML in ``puhui/definitions/rulesets/`` (``<id>-v<version>.yaml``) and are validated here when
loaded; a malformed one is a ``DefinitionError`` at start-up, never a surprise during a decision. Conditions name
facts by a dotted path: ``indicator.<name>`` (from the government node), ``bank.<name>`` (the bank's own data),
``applicant.<name>`` and ``application.<name>``.
"""

from __future__ import annotations

import enum
import hashlib
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from puhui.core.errors import DefinitionError, NotFound
from puhui.core.i18n import Text
from puhui.core.ids import SubjectKind
from puhui.core.schedule import RepaymentMethod

FACT_NAMESPACES = ("indicator", "bank", "applicant", "application")


class Segment(enum.StrEnum):
    RESIDENT = "resident"
    FARMER = "farmer"
    INDIVIDUAL_BUSINESS = "individual_business"
    MICRO_ENTERPRISE = "micro_enterprise"


class Action(enum.StrEnum):
    DECLINE = "decline"
    REFER = "refer"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


Scalar = bool | int | Decimal | str


class Comparison(_Frozen):
    field: str = Field(pattern=r"^(indicator|bank|applicant|application)\.[a-z][a-z0-9_.]*$")
    op: Literal["eq", "ne", "lt", "le", "gt", "ge", "in", "not_in"]
    value: Scalar | tuple[Scalar, ...]

    @model_validator(mode="after")
    def _value_fits_op(self) -> Comparison:
        is_list = isinstance(self.value, tuple)
        if (self.op in ("in", "not_in")) != is_list:
            raise ValueError(f"{self.field}: 'in'/'not_in' take a list, other operators one value")
        return self


class AnyOf(_Frozen):
    any: tuple[Condition, ...] = Field(min_length=1)


class AllOf(_Frozen):
    all: tuple[Condition, ...] = Field(min_length=1)


Condition = Annotated[Comparison | AnyOf | AllOf, Field(union_mode="left_to_right")]
AnyOf.model_rebuild()
AllOf.model_rebuild()


class Knockout(_Frozen):
    """A rule that stops an application on its own, whatever the score."""

    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    text: Text
    when: Condition
    action: Action = Action.DECLINE
    on_missing: Action | Literal["pass"] = Action.REFER  # what a fact the rule needs but did not get means
    segments: tuple[Segment, ...] | None = None  # None: every segment


class Product(_Frozen):
    name: Text
    segment: Segment
    subject: SubjectKind
    methods: tuple[RepaymentMethod, ...] = Field(min_length=1)


class SegmentPolicy(_Frozen):
    min_amount: Decimal = Field(gt=0)
    max_amount: Decimal = Field(gt=0)
    min_term_months: int = Field(ge=1)
    max_term_months: int = Field(le=360)

    @model_validator(mode="after")
    def _ordered(self) -> SegmentPolicy:
        if self.min_amount > self.max_amount or self.min_term_months > self.max_term_months:
            raise ValueError("a segment's minimum exceeds its maximum")
        return self


class Grade(_Frozen):
    grade: str = Field(pattern=r"^[A-Z]$")
    max_pd: Decimal = Field(gt=0, le=1)
    text: Text


class Pricing(_Frozen):
    """Annual rate = 1-year LPR + spread; the spread runs from a grade's to the next grade's as the PD rises
    through the grade's band, and is held within the bank's band [min_spread_bp, max_spread_bp]."""

    base: Literal["lpr_1y"] = "lpr_1y"
    min_spread_bp: int = Field(ge=-100)
    max_spread_bp: int = Field(le=1000)
    spread_bp: dict[str, int]  # grade -> spread at the best PD of the grade

    @model_validator(mode="after")
    def _band(self) -> Pricing:
        if self.min_spread_bp > self.max_spread_bp:
            raise ValueError("pricing: min_spread_bp exceeds max_spread_bp")
        return self


class RuleSet(_Frozen):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    version: int = Field(ge=1)
    name: Text
    products: dict[str, Product]
    segments: dict[Segment, SegmentPolicy]
    knockouts: tuple[Knockout, ...]
    grades: tuple[Grade, ...] = Field(min_length=2)  # best first; the last one's max_pd is 1
    limit_matrix: dict[Segment, dict[str, Decimal]]  # segment -> grade -> max limit in yuan (0: no credit)
    refer_grades: tuple[str, ...] = ()  # grades sent to a person instead of decided automatically
    pricing: Pricing
    digest: str = ""  # sha256 of the YAML text, set by the loader

    @model_validator(mode="after")
    def _consistent(self) -> RuleSet:
        grade_names = [g.grade for g in self.grades]
        pds = [g.max_pd for g in self.grades]
        if pds != sorted(pds) or len(set(pds)) != len(pds) or pds[-1] != 1:
            raise ValueError("grades are ordered best first with rising max_pd, the last one at 1")
        if len(set(grade_names)) != len(grade_names):
            raise ValueError("grade names repeat")
        for product_code, product in self.products.items():
            if product.segment not in self.segments:
                raise ValueError(f"product {product_code}: segment {product.segment} has no policy")
        for segment, row in self.limit_matrix.items():
            if set(row) != set(grade_names):
                raise ValueError(f"limit matrix row {segment} must name exactly the grades {grade_names}")
            if segment in self.segments and max(row.values()) > self.segments[segment].max_amount:
                raise ValueError(f"limit matrix row {segment} exceeds the segment's maximum amount")
        missing_rows = set(self.segments) - set(self.limit_matrix)
        if missing_rows:
            raise ValueError(f"the limit matrix has no row for {sorted(missing_rows)}")
        priced = set(self.pricing.spread_bp)
        credit_grades = {g for row in self.limit_matrix.values() for g, limit in row.items() if limit > 0}
        if not credit_grades <= priced:
            raise ValueError(f"pricing has no spread for grades {sorted(credit_grades - priced)}")
        if unknown := set(self.refer_grades) - set(grade_names):
            raise ValueError(f"refer_grades name unknown grades {sorted(unknown)}")
        codes = [k.code for k in self.knockouts]
        if len(set(codes)) != len(codes):
            raise ValueError("knock-out codes repeat")
        return self

    @property
    def ref(self) -> str:
        """``id@version``: what a decision record names."""
        return f"{self.id}@{self.version}"

    def product(self, code: str) -> Product:
        try:
            return self.products[code]
        except KeyError:
            known = ", ".join(sorted(self.products))
            raise NotFound(f"no product {code!r} in rule set {self.ref} (products: {known})") from None


def parse_ruleset(text: str, source: str = "<text>") -> RuleSet:
    try:
        raw: dict[str, Any] = yaml.safe_load(text)
        return RuleSet.model_validate({**raw, "digest": hashlib.sha256(text.encode()).hexdigest()[:16]})
    except (ValidationError, TypeError, yaml.YAMLError) as err:
        raise DefinitionError(f"rule set {source}: {err}") from None


@cache
def shipped_rulesets() -> dict[str, RuleSet]:
    """Every rule set shipped with puhui, by ``id@version``."""
    folder = resources.files("puhui.definitions") / "rulesets"
    found: dict[str, RuleSet] = {}
    for item in sorted(folder.iterdir(), key=lambda entry: entry.name):
        if item.name.endswith(".yaml"):
            ruleset = parse_ruleset(item.read_text(encoding="utf-8"), item.name)
            if item.name != f"{ruleset.id}-v{ruleset.version}.yaml":
                raise DefinitionError(f"rule set file {item.name} must be named {ruleset.id}-v{ruleset.version}.yaml")
            found[ruleset.ref] = ruleset
    return found


def load_ruleset(ref: str) -> RuleSet:
    """A shipped rule set by ``id@version``, or the highest version of ``id``."""
    rulesets = shipped_rulesets()
    if "@" in ref:
        if ref not in rulesets:
            raise NotFound(f"no rule set {ref} (shipped: {', '.join(sorted(rulesets))})")
        return rulesets[ref]
    versions = [r for r in rulesets.values() if r.id == ref]
    if not versions:
        raise NotFound(f"no rule set {ref!r} (shipped: {', '.join(sorted(rulesets))})")
    return max(versions, key=lambda r: r.version)


__all__ = [
    "FACT_NAMESPACES",
    "Action",
    "AllOf",
    "AnyOf",
    "Comparison",
    "Condition",
    "Grade",
    "Knockout",
    "Pricing",
    "Product",
    "RuleSet",
    "Segment",
    "SegmentPolicy",
    "load_ruleset",
    "parse_ruleset",
    "shipped_rulesets",
]
