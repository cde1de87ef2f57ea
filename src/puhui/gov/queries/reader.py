"""The port between the consent-gated API and the indicator engine, and its in-memory test double.

The indicator engine (``puhui.gov.indicators``) implements ``IndicatorReader``; the service only ever sees
indicator groups (the unit a consent covers) and computed, desensitized values with their definition version —
never raw records. ``InMemoryIndicatorReader`` holds given values and is what tests and the benchmark use
until the real engine is wired in ``bootstrap.py``. The contract is written down in ``docs/api-gov.md``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Protocol, runtime_checkable

from puhui.core.i18n import Text

IndicatorScalar = bool | int | Decimal | str | None


@dataclasses.dataclass(frozen=True, slots=True)
class GroupInfo:
    """One indicator group as an applicant reads it in the authorization letter.

    ``sensitive``: sensitive personal information (PIPL art. 28), needs its own consent clause.
    ``income_or_property``: income, deposits, securities, insurance, real estate or tax amounts — may only be
    used after the subject is told the possible adverse consequences (征信业管理条例 §14), its own clause too.
    """

    name: str
    label: Text
    categories: tuple[Text, ...] = ()  # the kinds of data its indicators are computed from, for the letter
    sensitive: bool = False
    income_or_property: bool = False
    definition_version: str = "1"


@dataclasses.dataclass(frozen=True, slots=True)
class IndicatorValue:
    name: str
    group: str
    value: IndicatorScalar
    definition_version: str


@dataclasses.dataclass(frozen=True, slots=True)
class IndicatorSet:
    """The indicators of one subject as of a date (the data's cut-off, not the query time)."""

    as_of: dt.date
    values: tuple[IndicatorValue, ...]


@runtime_checkable
class IndicatorReader(Protocol):
    """What the consent-gated API needs from the indicator engine.

    ``read`` and ``read_many`` return only indicators of the requested groups, computed from facts inside the
    last ``lookback_months`` before ``as_of`` (default: the latest complete data), for the given subject
    pseudonyms (``puhui.core.pseudonym``: the API never passes a plaintext ID). A subject the lake does not know
    gets an ``IndicatorSet`` whose values say so (e.g. ``None``), never an error.
    """

    def groups(self) -> Mapping[str, GroupInfo]: ...

    def read(
        self,
        subject_pseudonym: str,
        groups: Sequence[str],
        *,
        as_of: dt.date | None = None,
        lookback_months: int | None = None,
    ) -> IndicatorSet: ...

    def read_many(
        self,
        subject_pseudonyms: Sequence[str],
        groups: Sequence[str],
        *,
        as_of: dt.date | None = None,
        lookback_months: int | None = None,
    ) -> Mapping[str, IndicatorSet]: ...


class InMemoryIndicatorReader:
    """Given groups and values per subject; ``default`` answers subjects without their own values (demos)."""

    def __init__(
        self,
        groups: Iterable[GroupInfo],
        values: Mapping[str, Sequence[IndicatorValue]] | None = None,
        *,
        as_of: dt.date,
        default: Sequence[IndicatorValue] = (),
    ) -> None:
        self._groups = {group.name: group for group in groups}
        self._values = {subject: tuple(found) for subject, found in (values or {}).items()}
        self._default = tuple(default)
        self._as_of = as_of
        self.calls: list[tuple[str, tuple[str, ...]]] = []  # what was asked, for tests

    def groups(self) -> Mapping[str, GroupInfo]:
        return self._groups

    def read(
        self,
        subject_pseudonym: str,
        groups: Sequence[str],
        *,
        as_of: dt.date | None = None,
        lookback_months: int | None = None,
    ) -> IndicatorSet:
        self.calls.append((subject_pseudonym, tuple(groups)))
        wanted = set(groups)
        found = self._values.get(subject_pseudonym, self._default)
        return IndicatorSet(as_of or self._as_of, tuple(v for v in found if v.group in wanted))

    def read_many(
        self,
        subject_pseudonyms: Sequence[str],
        groups: Sequence[str],
        *,
        as_of: dt.date | None = None,
        lookback_months: int | None = None,
    ) -> Mapping[str, IndicatorSet]:
        return {
            subject: self.read(subject, groups, as_of=as_of, lookback_months=lookback_months)
            for subject in subject_pseudonyms
        }


# A small, plausible set of groups for demos, tests and the benchmark until the engine's own groups are wired.
DEMO_GROUPS: tuple[GroupInfo, ...] = (
    GroupInfo(
        "identity_basic",
        Text(zh="身份与户籍", en="identity and residence"),
        (Text(zh="户籍登记", en="household registration"),),
    ),
    GroupInfo(
        "social_insurance",
        Text(zh="社会保险缴纳", en="social insurance contributions"),
        (Text(zh="社会保险参保缴费记录", en="social insurance contribution records"),),
    ),
    GroupInfo(
        "judicial",
        Text(zh="司法涉诉与失信", en="court cases and dishonesty lists"),
        (Text(zh="失信被执行人名单", en="dishonest judgment debtors"), Text(zh="黑榜", en="credit black list")),
    ),
    GroupInfo(
        "tax",
        Text(zh="纳税", en="tax"),
        (Text(zh="纳税申报与缴纳数额", en="tax returns and amounts paid"),),
        income_or_property=True,
    ),
    GroupInfo(
        "property",
        Text(zh="不动产", en="real estate"),
        (Text(zh="不动产登记", en="real-estate registrations"),),
        income_or_property=True,
    ),
    GroupInfo(
        "health_insurance_claims",
        Text(zh="医保结算", en="medical insurance settlements"),
        (Text(zh="医疗保险结算记录", en="medical insurance settlement records"),),
        sensitive=True,
    ),
)

DEMO_VALUES: tuple[IndicatorValue, ...] = (
    IndicatorValue("resident_years_in_city", "identity_basic", 12, "1"),
    IndicatorValue("social_insurance_months_paid_24m", "social_insurance", 24, "1"),
    IndicatorValue("dishonest_debtor_listed", "judicial", False, "1"),
    IndicatorValue("tax_paid_band_12m", "tax", "B", "1"),
    IndicatorValue("real_estate_count", "property", 1, "1"),
    IndicatorValue("inpatient_settlements_12m", "health_insurance_claims", 0, "1"),
)


def demo_indicator_reader(settings: object = None, *, as_of: dt.date | None = None) -> InMemoryIndicatorReader:
    """Every subject answers the same demo values: for demos and the benchmark, never for decisions. (Takes the
    node's settings, unused, to fit ``PUHUI_GOV_INDICATOR_READER=puhui.gov.queries.reader:demo_indicator_reader``.)"""
    return InMemoryIndicatorReader(DEMO_GROUPS, as_of=as_of or dt.date.today(), default=DEMO_VALUES)


__all__ = [
    "DEMO_GROUPS",
    "DEMO_VALUES",
    "GroupInfo",
    "InMemoryIndicatorReader",
    "IndicatorReader",
    "IndicatorScalar",
    "IndicatorSet",
    "IndicatorValue",
    "demo_indicator_reader",
]
