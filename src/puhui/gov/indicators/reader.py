"""The indicator engine behind the consent-gated API: ``LakeIndicatorReader`` implements
``puhui.gov.queries.reader.IndicatorReader`` (``docs/api-gov.md``).

Groups are the consent scopes of the definitions. Values come from the latest snapshot (a primary-key read) or,
for another as-of day, from that day's snapshot or a computation over the lake. A consent's ``lookback_months``
withholds (``None``) every indicator whose own window reaches further back; indicators without a window state a
fact on the as-of day (listed now, status now) and are answered. A subject the lake does not know gets ``None``
for every indicator. Wire it with ``PUHUI_GOV_INDICATOR_READER=puhui.gov.indicators.reader:lake_indicator_reader``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from puhui.core.i18n import Text
from puhui.core.indicators import IndicatorGroup, IndicatorSet, load_indicators
from puhui.gov.config import GovSettings
from puhui.gov.credit_loop.model import BlackListReader
from puhui.gov.indicators.blacklist import bank_reported_supplement
from puhui.gov.indicators.config import IndicatorSettings
from puhui.gov.indicators.online import SnapshotIndex, SubjectIndicators, subject_indicators
from puhui.gov.queries import reader as port


class LakeIndicatorReader:
    def __init__(
        self,
        definitions: IndicatorSet,
        settings: IndicatorSettings,
        *,
        blacklist: BlackListReader | None = None,
    ) -> None:
        self.definitions = definitions
        self.settings = settings
        self.index = SnapshotIndex(settings.snapshots_root)
        self._blacklist = blacklist
        self._groups = {g.id: _group_info(g, definitions) for g in definitions.groups.values()}

    def groups(self) -> Mapping[str, port.GroupInfo]:
        return self._groups

    def read(
        self,
        subject_pseudonym: str,
        groups: Sequence[str],
        *,
        as_of: dt.date | None = None,
        lookback_months: int | None = None,
    ) -> port.IndicatorSet:
        found = self.read_many([subject_pseudonym], groups, as_of=as_of, lookback_months=lookback_months)
        return found[subject_pseudonym]

    def read_many(
        self,
        subject_pseudonyms: Sequence[str],
        groups: Sequence[str],
        *,
        as_of: dt.date | None = None,
        lookback_months: int | None = None,
    ) -> Mapping[str, port.IndicatorSet]:
        supplements: dict[str, Any] | None = None
        if as_of is not None and as_of != self.index.info.as_of:
            supplements = bank_reported_supplement(self._blacklist, self.definitions.catalog)
        found = subject_indicators(
            list(dict.fromkeys(subject_pseudonyms)),
            self.definitions,
            index=self.index,
            lake=self.settings.lake_root,
            as_of=as_of,
            engine_config=self.settings.engine_config("duckdb"),
            supplements=supplements,
        )
        wanted = set(groups)
        return {s: self._answer(found[s], wanted, lookback_months) for s in subject_pseudonyms}

    def _answer(self, found: SubjectIndicators, groups: set[str], lookback_months: int | None) -> port.IndicatorSet:
        values = []
        for name, value in found.values.items():
            indicator = self.definitions.get(name)
            if indicator.group not in groups:
                continue
            window = indicator.source.lookback_months
            withheld = lookback_months is not None and window is not None and window > lookback_months
            values.append(
                port.IndicatorValue(name, indicator.group, None if withheld else value, str(indicator.version))
            )
        return port.IndicatorSet(found.as_of, tuple(values))


def _group_info(group: IndicatorGroup, definitions: IndicatorSet) -> port.GroupInfo:
    datasets = dict.fromkeys(i.source.dataset for i in group.indicators)
    categories = tuple(definitions.catalog.get(d).name for d in datasets)
    return port.GroupInfo(
        name=group.id,
        label=Text(zh=group.name.zh, en=group.name.en),
        categories=categories,
        sensitive=group.sensitive,
        income_or_property=group.income_or_property,
        definition_version=f"{group.version}.{definitions.version}",
    )


def lake_indicator_reader(settings: GovSettings) -> LakeIndicatorReader:
    """The factory ``PUHUI_GOV_INDICATOR_READER`` names: the shipped definitions, the node's lake and snapshots,
    and the bank-reported black-list records of the node's database."""
    from puhui.gov.db.blacklist import SqlBlackListReader
    from puhui.gov.db.engine import create_engine

    indicator_settings = IndicatorSettings(**settings.model_dump())
    blacklist = SqlBlackListReader(create_engine(settings.database_url))
    return LakeIndicatorReader(load_indicators(), indicator_settings, blacklist=blacklist)


__all__ = ["LakeIndicatorReader", "lake_indicator_reader"]
