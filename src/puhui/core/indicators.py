"""Indicators: desensitized single facts about a subject, as declarative, versioned data.

An indicator is one fact from one source data set, generalized before it leaves the lake: a flag, a capped
count, a band, or an official grade exactly as published. Definitions live as YAML in
``puhui/definitions/indicators/`` (one file per group; a group is the unit of consent scope) and are validated
here, first on their own, then against the catalog: an indicator over a ``prohibited`` data set is rejected,
one over ``separate_consent`` data must sit in a ``sensitive`` group, and it may read no identifier or free text.

Structure of one definition (engines compile it; nothing here knows an engine):

- ``source``: the data set, the columns read, row filters (``where``), a lookback window on the event date,
  an ``active`` window (start ≤ as-of < end) and ``latest_per`` (keep the latest received version of a record,
  for corrections and removals delivered later);
- ``measure``: how a subject's rows become one raw value (exists, count, distinct count, sum, max, latest value,
  first or last date);
- ``rule``: how the raw value is generalized (flag, cap, bands, elapsed-time bands, code mapping).
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
from collections.abc import Iterator, Sequence
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from puhui.core.catalog import DEFINITIONS_PACKAGE, Catalog, DatasetSpec, FieldType, LawfulUse, PrivacyClass
from puhui.core.errors import DefinitionError, NotFound
from puhui.core.i18n import Text
from puhui.core.ids import SubjectKind

Scalar = str | int | Decimal | bool


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Op(enum.StrEnum):
    EQ = "=="
    NE = "!="
    IN = "in"
    NOT_IN = "not in"
    IS_NULL = "is null"
    NOT_NULL = "not null"
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="


_UNARY_OPS = frozenset({Op.IS_NULL, Op.NOT_NULL})
_LIST_OPS = frozenset({Op.IN, Op.NOT_IN})


class Condition(_Frozen):
    """A row filter on one column: ``{column: performance, op: "!=", value: 全部履行}``."""

    column: str
    op: Op
    value: Scalar | tuple[Scalar, ...] | None = None

    @model_validator(mode="after")
    def _value_fits_op(self) -> Condition:
        if self.op in _UNARY_OPS and self.value is not None:
            raise ValueError(f"{self.column} {self.op.value} takes no value")
        if self.op in _LIST_OPS and not isinstance(self.value, tuple):
            raise ValueError(f"{self.column} {self.op.value} takes a list of values")
        if self.op not in _UNARY_OPS | _LIST_OPS and (self.value is None or isinstance(self.value, tuple)):
            raise ValueError(f"{self.column} {self.op.value} takes one value")
        return self

    @property
    def values(self) -> tuple[Scalar, ...]:
        if self.value is None:
            return ()
        return self.value if isinstance(self.value, tuple) else (self.value,)


class ActiveWindow(_Frozen):
    """Rows in force on the as-of date: ``start`` ≤ as-of, and ``end`` missing or after the as-of date."""

    start: str
    end: str


class Source(_Frozen):
    dataset: str
    columns: tuple[str, ...] = Field(min_length=1, description="every column the indicator reads")
    where: tuple[Condition, ...] = ()
    lookback_months: int | None = Field(default=None, ge=1, le=120)
    active: ActiveWindow | None = None
    latest_per: tuple[str, ...] = Field(default=(), description="record key: keep its latest received version")

    @model_validator(mode="after")
    def _reads_declared_columns(self) -> Source:
        used = set(self.referenced_columns_except_measure())
        missing = sorted(used - set(self.columns))
        if missing:
            raise ValueError(f"source uses columns it does not declare: {', '.join(missing)}")
        return self

    def referenced_columns_except_measure(self) -> Iterator[str]:
        yield from (c.column for c in self.where)
        if self.active is not None:
            yield self.active.start
            yield self.active.end
        yield from self.latest_per


class Aggregate(enum.StrEnum):
    EXISTS = "exists"  # any matching row
    COUNT = "count"  # matching rows
    COUNT_DISTINCT = "count_distinct"  # distinct values of ``column`` (e.g. months paid)
    SUM = "sum"  # of a numeric column
    MAX = "max"  # of a numeric column
    LATEST = "latest"  # ``column`` on the subject's latest row (by ``order_by``, then by receipt)
    FIRST_DATE = "first_date"  # earliest date in ``column``
    LAST_DATE = "last_date"  # latest date in ``column``


_NEEDS_COLUMN = frozenset(set(Aggregate) - {Aggregate.EXISTS, Aggregate.COUNT})
_NUMERIC_AGGREGATES = frozenset({Aggregate.SUM, Aggregate.MAX})
_DATE_AGGREGATES = frozenset({Aggregate.FIRST_DATE, Aggregate.LAST_DATE})
# Aggregates with no natural value for a subject without rows: their rule names a ``none`` label.
_NULLABLE_AGGREGATES = frozenset({Aggregate.MAX, Aggregate.LATEST}) | _DATE_AGGREGATES


class Measure(_Frozen):
    aggregate: Aggregate
    column: str | None = None
    order_by: str | None = None  # LATEST only; defaults to the data set's event date

    @model_validator(mode="after")
    def _column_when_needed(self) -> Measure:
        if self.aggregate in _NEEDS_COLUMN and self.column is None:
            raise ValueError(f"measure {self.aggregate.value} needs a column")
        if self.aggregate not in _NEEDS_COLUMN and self.column is not None:
            raise ValueError(f"measure {self.aggregate.value} takes no column")
        if self.order_by is not None and self.aggregate is not Aggregate.LATEST:
            raise ValueError("only a latest measure has an order_by")
        return self


class OutputType(enum.StrEnum):
    FLAG = "flag"  # true / false
    COUNT = "count"  # a capped count: 0, 1, 2, 3+
    BAND = "band"  # a labelled range
    GRADE = "grade"  # an official grade or status code, exactly as published


def _labels_unique(labels: Sequence[str]) -> None:
    if len(set(labels)) != len(labels):
        raise ValueError("labels must be distinct")


class FlagRule(_Frozen):
    kind: Literal["flag"]

    def values(self) -> tuple[str, ...]:
        return ("true", "false")


class CapRule(_Frozen):
    """Counts shown as ``0 … cap-1`` and ``cap+``."""

    kind: Literal["cap"]
    cap: int = Field(ge=1, le=20)

    def values(self) -> tuple[str, ...]:
        return (*(str(n) for n in range(self.cap)), f"{self.cap}+")

    def label(self, count: int) -> str:
        return f"{self.cap}+" if count >= self.cap else str(count)


class BandRule(_Frozen):
    """A number shown as the label of its band: below ``thresholds[0]`` is ``labels[0]``, from ``thresholds[i-1]``
    (inclusive) to ``thresholds[i]`` is ``labels[i]``, and from the last threshold on, the last label."""

    kind: Literal["bands"]
    thresholds: tuple[Decimal, ...] = Field(min_length=1)
    labels: tuple[str, ...]
    none: str | None = None  # label when the subject has no value (MAX over no rows)

    @model_validator(mode="after")
    def _consistent(self) -> BandRule:
        if list(self.thresholds) != sorted(set(self.thresholds)):
            raise ValueError("band thresholds must increase strictly")
        if len(self.labels) != len(self.thresholds) + 1:
            raise ValueError("bands need one label more than thresholds")
        _labels_unique([*self.labels, *([self.none] if self.none else [])])
        return self

    def values(self) -> tuple[str, ...]:
        return (*self.labels, *((self.none,) if self.none else ()))

    def label(self, value: Decimal | int) -> str:
        for threshold, label in zip(self.thresholds, self.labels, strict=False):
            if value < threshold:
                return label
        return self.labels[-1]


class ElapsedRule(_Frozen):
    """A date shown as the time elapsed until the as-of date, in bands of whole months: less than
    ``months[0]`` is ``labels[0]`` and so on, ``months[-1]`` or more is the last label."""

    kind: Literal["elapsed"]
    months: tuple[int, ...] = Field(min_length=1)
    labels: tuple[str, ...]
    none: str

    @model_validator(mode="after")
    def _consistent(self) -> ElapsedRule:
        if list(self.months) != sorted(set(self.months)) or self.months[0] <= 0:
            raise ValueError("elapsed-month thresholds must be positive and increase strictly")
        if len(self.labels) != len(self.months) + 1:
            raise ValueError("elapsed bands need one label more than thresholds")
        _labels_unique([*self.labels, self.none])
        return self

    def values(self) -> tuple[str, ...]:
        return (*self.labels, self.none)

    def label(self, day: dt.date, as_of: dt.date) -> str:
        for months, label in zip(self.months, self.labels, strict=False):
            if day > months_before(as_of, months):
                return label
        return self.labels[-1]


class CodeRule(_Frozen):
    """A code shown as published: ``mapping`` takes each delivered code to its published value; a code outside
    the mapping is ``other`` (``none`` if there is no ``other``). With ``prefix``, only the first characters
    count: the coarser level of a hierarchical code (GB/T 2260 county ``360502`` of a township code, GB/T 4754
    section ``C`` of an industry class)."""

    kind: Literal["codes"]
    mapping: dict[str, str] = Field(min_length=1)
    none: str
    other: str | None = None
    prefix: int | None = Field(default=None, ge=1, le=12)

    def values(self) -> tuple[str, ...]:
        published = list(dict.fromkeys(self.mapping.values()))
        return (*published, *((self.other,) if self.other else ()), self.none)

    @model_validator(mode="after")
    def _none_distinct(self) -> CodeRule:
        if self.none in self.mapping.values() or (self.other is not None and self.other in self.mapping.values()):
            raise ValueError("the none and other labels must differ from the published codes")
        return self


Rule = Annotated[FlagRule | CapRule | BandRule | ElapsedRule | CodeRule, Field(discriminator="kind")]

_RULE_OUTPUT: dict[str, OutputType] = {
    "flag": OutputType.FLAG,
    "cap": OutputType.COUNT,
    "bands": OutputType.BAND,
    "elapsed": OutputType.BAND,
    "codes": OutputType.GRADE,
}
# Which measures each rule can generalize.
_RULE_MEASURES: dict[str, frozenset[Aggregate]] = {
    "flag": frozenset({Aggregate.EXISTS}),
    "cap": frozenset({Aggregate.COUNT, Aggregate.COUNT_DISTINCT}),
    "bands": frozenset({Aggregate.COUNT, Aggregate.COUNT_DISTINCT, Aggregate.SUM, Aggregate.MAX}),
    "elapsed": _DATE_AGGREGATES,
    "codes": frozenset({Aggregate.LATEST}),
}


class Indicator(_Frozen):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=48)
    version: int = Field(ge=1)
    name: Text
    description: Text
    subjects: tuple[SubjectKind, ...] = Field(min_length=1)
    output: OutputType
    source: Source
    measure: Measure
    rule: Rule
    group: str = ""  # filled in from the group file

    @field_validator("subjects")
    @classmethod
    def _distinct_subjects(cls, subjects: tuple[SubjectKind, ...]) -> tuple[SubjectKind, ...]:
        if len(set(subjects)) != len(subjects):
            raise ValueError("subjects listed twice")
        return subjects

    @model_validator(mode="after")
    def _coherent(self) -> Indicator:
        if _RULE_OUTPUT[self.rule.kind] is not self.output:
            raise ValueError(
                f"a {self.rule.kind} rule yields a {_RULE_OUTPUT[self.rule.kind].value}, not {self.output}"
            )
        if self.measure.aggregate not in _RULE_MEASURES[self.rule.kind]:
            raise ValueError(f"a {self.rule.kind} rule cannot generalize a {self.measure.aggregate.value} measure")
        if (
            self.measure.aggregate in _NULLABLE_AGGREGATES
            and isinstance(self.rule, BandRule)
            and self.rule.none is None
        ):
            raise ValueError("bands over a maximum need a none label for subjects without rows")
        for column in (self.measure.column, self.measure.order_by):
            if column is not None and column not in self.source.columns:
                raise ValueError(f"measure uses column {column} that the source does not declare")
        return self

    @property
    def values(self) -> tuple[str, ...]:
        """Every value the indicator can take, as text (flags as ``true``/``false``)."""
        return self.rule.values()

    def applies_to(self, kind: SubjectKind) -> bool:
        return kind in self.subjects

    def no_record_value(self) -> bool | str:
        """The value of a subject without any matching row: false, a zero count or band, or the ``none`` label."""
        rule = self.rule
        if isinstance(rule, FlagRule):
            return False
        if isinstance(rule, CapRule):
            return rule.label(0)
        if isinstance(rule, BandRule):
            return rule.none if self.measure.aggregate in _NULLABLE_AGGREGATES and rule.none else rule.label(0)
        return rule.none


class IndicatorGroup(_Frozen):
    """A group of indicators consented to together; ``sensitive`` groups need a separate, explicit consent."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    version: int = Field(ge=1)
    name: Text
    description: Text
    sensitive: bool
    # Income, deposits, real estate or tax facts: the subject must be told the possible adverse consequences
    # before consenting (征信业管理条例 art. 14), so the letter gives the group its own clause.
    income_or_property: bool = False
    indicators: tuple[Indicator, ...] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _stamp_group(cls, raw: Any) -> Any:
        if isinstance(raw, dict) and isinstance(raw.get("indicators"), list):
            raw = {
                **raw,
                "indicators": [
                    {**item, "group": raw.get("id", "")} if isinstance(item, dict) else item
                    for item in raw["indicators"]
                ],
            }
        return raw


class IndicatorSet:
    """All groups, validated against the catalog; ``version`` changes whenever any definition does."""

    def __init__(self, groups: list[IndicatorGroup], digest: str, catalog: Catalog) -> None:
        self.groups = {g.id: g for g in groups}
        self.indicators = {i.id: i for g in groups for i in g.indicators}
        self.version = digest[:12]
        self.catalog = catalog

    def __iter__(self) -> Iterator[Indicator]:
        return iter(self.indicators.values())

    def __len__(self) -> int:
        return len(self.indicators)

    def get(self, indicator_id: str) -> Indicator:
        try:
            return self.indicators[indicator_id]
        except KeyError:
            raise NotFound(f"no indicator {indicator_id!r}") from None

    def group(self, group_id: str) -> IndicatorGroup:
        try:
            return self.groups[group_id]
        except KeyError:
            raise NotFound(f"no indicator group {group_id!r}") from None

    def for_subject(self, kind: SubjectKind) -> list[Indicator]:
        return [i for i in self if i.applies_to(kind)]

    def dataset(self, indicator: Indicator) -> DatasetSpec:
        return self.catalog.get(indicator.source.dataset)


# Field types an indicator may compare, count or aggregate; free text and identifiers never.
_READABLE_TYPES = frozenset(
    {
        FieldType.STR,
        FieldType.INT,
        FieldType.DECIMAL,
        FieldType.DATE,
        FieldType.DATETIME,
        FieldType.YM,
        FieldType.CODE,
        FieldType.BOOL,
    }
)
_NUMERIC_TYPES = frozenset({FieldType.INT, FieldType.DECIMAL})
_DATE_TYPES = frozenset({FieldType.DATE, FieldType.DATETIME, FieldType.YM})


def check_against_catalog(group: IndicatorGroup, indicator: Indicator, catalog: Catalog) -> None:
    """Raise DefinitionError unless the indicator reads lawfully usable, non-identifying data of its data set."""
    where = f"indicator {indicator.id}"
    try:
        dataset = catalog.get(indicator.source.dataset)
    except NotFound:
        raise DefinitionError(f"{where}: no data set {indicator.source.dataset!r} in the catalog") from None
    lawful = dataset.lawful_use.cls
    if lawful is LawfulUse.PROHIBITED:
        raise DefinitionError(
            f"{where}: data set {dataset.id} is prohibited for credit use ({dataset.lawful_use.reason})",
            code="prohibited_source",
        )
    if lawful is LawfulUse.SEPARATE_CONSENT and not group.sensitive:
        raise DefinitionError(
            f"{where}: data set {dataset.id} needs separate consent, so the indicator belongs in a sensitive group"
        )
    scope = dataset.subject.value.split("+")
    for kind in indicator.subjects:
        if kind.value not in scope:
            raise DefinitionError(f"{where}: data set {dataset.id} holds no {kind.value} records")
    fields = {f.name: f for f in dataset.fields}
    for column in indicator.source.columns:
        spec = fields.get(column)
        if spec is None:
            raise DefinitionError(f"{where}: data set {dataset.id} has no field {column}")
        if spec.type not in _READABLE_TYPES or spec.privacy is PrivacyClass.DIRECT_IDENTIFIER:
            raise DefinitionError(f"{where}: field {column} is an identifier or free text; indicators never read it")
    for condition in indicator.source.where:
        codes = fields[condition.column].codes
        unknown = [v for v in condition.values if codes is not None and str(v) not in codes]
        if unknown:
            raise DefinitionError(f"{where}: {condition.column} has no code {unknown[0]!r}")
    if indicator.source.active is not None:
        for column in (indicator.source.active.start, indicator.source.active.end):
            if fields[column].type not in _DATE_TYPES:
                raise DefinitionError(f"{where}: active-window column {column} is not a date")
    if indicator.source.lookback_months is not None and dataset.event_date is None:
        raise DefinitionError(f"{where}: a lookback window needs the data set's event date")
    measure = indicator.measure
    if measure.column is not None:
        measured = fields[measure.column]
        if measure.aggregate in _NUMERIC_AGGREGATES and measured.type not in _NUMERIC_TYPES:
            raise DefinitionError(f"{where}: {measure.aggregate.value} needs a number, {measure.column} is not")
        if measure.aggregate in _DATE_AGGREGATES and measured.type not in _DATE_TYPES:
            raise DefinitionError(f"{where}: {measure.aggregate.value} needs a date, {measure.column} is not")
        if isinstance(indicator.rule, CodeRule) and indicator.rule.prefix is None and measured.codes is not None:
            unknown_codes = sorted(set(indicator.rule.mapping) - set(measured.codes))
            if unknown_codes:
                raise DefinitionError(f"{where}: {measure.column} has no code {unknown_codes[0]!r}")
    if measure.aggregate is Aggregate.LATEST and measure.order_by is None and dataset.event_date is None:
        raise DefinitionError(f"{where}: a latest measure needs an order_by or the data set's event date")
    if measure.order_by is not None and fields[measure.order_by].type not in _DATE_TYPES | _NUMERIC_TYPES:
        raise DefinitionError(f"{where}: order_by {measure.order_by} is not a date or a number")


def parse_indicator_documents(documents: dict[str, str], catalog: Catalog) -> IndicatorSet:
    """Validate YAML documents (file name -> text), one per group, against the catalog."""
    groups: list[IndicatorGroup] = []
    digest = hashlib.sha256(catalog.version.encode())
    for name in sorted(documents):
        text = documents[name]
        digest.update(name.encode() + b"\0" + text.encode())
        try:
            groups.append(IndicatorGroup.model_validate(yaml.safe_load(text)))
        except (ValidationError, TypeError, yaml.YAMLError) as err:
            raise DefinitionError(f"indicator file {name}: {err}") from None
    seen: dict[str, str] = {}
    for group in groups:
        if group.id in seen:
            raise DefinitionError(f"indicator group {group.id} defined twice")
        seen[group.id] = group.id
    ids = [i.id for g in groups for i in g.indicators]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise DefinitionError(f"indicator ids defined twice: {', '.join(duplicated)}")
    for group in groups:
        for indicator in group.indicators:
            check_against_catalog(group, indicator, catalog)
    return IndicatorSet(groups, digest.hexdigest(), catalog)


def indicator_documents() -> dict[str, str]:
    """The YAML documents shipped with this version of puhui, by file name."""
    folder = resources.files(DEFINITIONS_PACKAGE) / "indicators"
    return {item.name: item.read_text(encoding="utf-8") for item in folder.iterdir() if item.name.endswith(".yaml")}


@cache
def load_indicators() -> IndicatorSet:
    """The indicator definitions shipped with this version of puhui, validated against its catalog."""
    from puhui.core.catalog import load_catalog

    return parse_indicator_documents(indicator_documents(), load_catalog())


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` earlier, clipped to the month's end (31 March − 1 month = 28/29 February)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    next_month = dt.date(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_month - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last_day))


__all__ = [
    "ActiveWindow",
    "Aggregate",
    "BandRule",
    "CapRule",
    "CodeRule",
    "Condition",
    "ElapsedRule",
    "FlagRule",
    "Indicator",
    "IndicatorGroup",
    "IndicatorSet",
    "Measure",
    "Op",
    "OutputType",
    "Rule",
    "Source",
    "check_against_catalog",
    "indicator_documents",
    "load_indicators",
    "months_before",
    "parse_indicator_documents",
]
