"""The bank node's composition root: settings → database → government client → rule sets → models → use cases."""

from __future__ import annotations

import dataclasses

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from puhui.bank.config import BankSettings
from puhui.bank.db import UnitOfWork, make_engine, migrate, session_factory
from puhui.bank.decision.facts import APPLICATION_FACT_LABELS
from puhui.bank.decision.use_cases import DecisionContext
from puhui.bank.gov_client.client import HttpGovClient
from puhui.bank.gov_client.model import GovGateway
from puhui.bank.models.trained import ModelProvider
from puhui.bank.own_data.reader import OWN_FACT_LABELS, StoreOwnDataReader
from puhui.bank.rules.definitions import load_ruleset
from puhui.core.errors import ValidationError
from puhui.core.i18n import Text
from puhui.core.indicators import load_indicators
from puhui.core.signing import load_private_key


@dataclasses.dataclass
class BankNode:
    settings: BankSettings
    engine: Engine
    sessions: sessionmaker[Session]
    context: DecisionContext

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions)

    def close(self) -> None:
        close = getattr(self.context.gov, "close", None)
        if close is not None:
            close()
        self.engine.dispose()


def open_store(settings: BankSettings) -> tuple[Engine, sessionmaker[Session]]:
    """The bank's database, migrated to the latest revision."""
    engine = make_engine(settings.database_url)
    migrate(engine)
    return engine, session_factory(engine)


def gov_client(settings: BankSettings) -> HttpGovClient:
    if not settings.bank_institution_id:
        raise ValidationError("set PUHUI_BANK_INSTITUTION_ID: the id the government node admitted this bank as")
    return HttpGovClient(
        settings.bank_gov_url,
        key_id=settings.bank_institution_id,
        private_key=load_private_key(settings.private_key_pem()),
        timeout_seconds=settings.bank_gov_timeout_seconds,
        retries=settings.bank_gov_retries,
    )


def indicator_labels() -> dict[str, Text]:
    """Reason-code labels of every fact a model may read: the indicators' own names, the bank's facts and the
    application's own."""
    labels = {f"indicator.{indicator.id}": indicator.name for indicator in load_indicators()}
    return {**labels, **OWN_FACT_LABELS, **APPLICATION_FACT_LABELS}


def default_groups(settings: BankSettings) -> tuple[str, ...]:
    """The indicator groups an application's consent asks for: as configured, or every group (the sensitive ones
    with the letter's separate clauses the applicant accepts or not)."""
    if settings.bank_indicator_groups:
        return tuple(g.strip() for g in settings.bank_indicator_groups.split(",") if g.strip())
    return tuple(sorted(load_indicators().groups))


def bootstrap(settings: BankSettings | None = None, gov: GovGateway | None = None) -> BankNode:
    settings = settings or BankSettings()
    engine, sessions = open_store(settings)

    def uow() -> UnitOfWork:
        return UnitOfWork(sessions)

    challenger = settings.bank_challenger_ruleset
    context = DecisionContext(
        uow=uow,
        gov=gov if gov is not None else gov_client(settings),
        ruleset=load_ruleset(settings.bank_ruleset),
        challenger_ruleset=load_ruleset(challenger) if challenger else None,
        models=ModelProvider(uow, settings.models_dir),
        own_data=StoreOwnDataReader(sessions),
        groups=default_groups(settings),
        consent_terms=settings.consent_terms(),
        labels=indicator_labels(),
    )
    return BankNode(settings, engine, sessions, context)


def build_context() -> DecisionContext:
    """The decision context of a node built from the ``PUHUI_`` environment (the API's factory uses this)."""
    return bootstrap().context


__all__ = ["BankNode", "bootstrap", "build_context", "default_groups", "gov_client", "indicator_labels", "open_store"]
