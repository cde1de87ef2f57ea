"""The composition root of the government node: settings in, a wired ``GovNode`` out.

Everything that chooses an implementation lives here — the database engine, the indicator reader, the
identity verifier, the keys — so the API, the CLI and the tests build the node the same way and only swap what
they must (a fake reader, a fixed clock).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from puhui.core.errors import ValidationError
from puhui.core.pseudonym import Pseudonymizer
from puhui.core.signing import private_key_from_seed, public_key_text
from puhui.gov.config import GovSettings
from puhui.gov.consent.authorization import latest_version
from puhui.gov.consent.identity import BuiltinIdentityVerifier, IdentityVerifier
from puhui.gov.consent.purposes import PurposeTable, load_purposes
from puhui.gov.db import migrate
from puhui.gov.db.blacklist import SqlBlackListReader
from puhui.gov.db.engine import create_engine
from puhui.gov.db.unit_of_work import SqlAlchemyUnitOfWork
from puhui.gov.metering.prices import PriceTable, load_prices
from puhui.gov.queries.reader import IndicatorReader, demo_indicator_reader

Clock = Callable[[], dt.datetime]


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclasses.dataclass
class GovNode:
    settings: GovSettings
    engine: sa.Engine
    reader: IndicatorReader
    verifier: IdentityVerifier
    pseudonymizer: Pseudonymizer
    signing_key: Ed25519PrivateKey
    purposes: PurposeTable
    prices: PriceTable
    clock: Clock = system_clock

    def uow(self) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(self.engine)

    def now(self) -> dt.datetime:
        return self.clock()

    @property
    def public_key(self) -> str:
        """The node's consent-signing public key (base64 raw Ed25519), published at ``/v1/node-key``."""
        return public_key_text(self.signing_key)

    def blacklist_reader(self) -> SqlBlackListReader:
        return SqlBlackListReader(self.engine)

    def describe(self) -> dict[str, Any]:
        """The configuration worth auditing — no secrets, no URLs with passwords."""
        return {
            "profile": self.settings.profile,
            "database": self.engine.dialect.name,
            "schema_revision": migrate.current_revision(self.engine),
            "request_window_seconds": self.settings.gov_request_window_seconds,
            "session_minutes": self.settings.gov_session_minutes,
            "indicator_reader": type(self.reader).__name__,
            "indicator_groups": sorted(self.reader.groups()),
            "purposes_version": self.purposes.version,
            "prices_version": self.prices.version,
            "letter_version": latest_version(),
            "pseudonym_key_version": self.pseudonymizer.version,
            "node_key": self.public_key,
        }


def load_indicator_reader(settings: GovSettings) -> IndicatorReader:
    """The reader named by ``PUHUI_GOV_INDICATOR_READER`` (``module:factory``, called with the settings); without
    one, the lake reader once the node has built an indicator snapshot (``puhui gov indicators build``). Before
    that, a development node answers demo values and a production node refuses to start."""
    if settings.gov_indicator_reader:
        module_name, _, attribute = settings.gov_indicator_reader.partition(":")
        factory = getattr(importlib.import_module(module_name), attribute)
        reader: IndicatorReader = factory(settings)
        return reader
    # Imported here: the indicator engine (DuckDB, Arrow) loads only on a node that serves it.
    from puhui.gov.indicators.config import IndicatorSettings
    from puhui.gov.indicators.snapshot import LATEST_POINTER

    if (IndicatorSettings(**settings.model_dump()).snapshots_root / LATEST_POINTER).exists():
        from puhui.gov.indicators.reader import lake_indicator_reader

        return lake_indicator_reader(settings)
    if settings.profile != "development":
        raise ValidationError(
            "no indicator snapshot and no reader configured: run `puhui gov indicators build` "
            "or set PUHUI_GOV_INDICATOR_READER"
        )
    return demo_indicator_reader()


def bootstrap(
    settings: GovSettings | None = None,
    *,
    reader: IndicatorReader | None = None,
    verifier: IdentityVerifier | None = None,
    clock: Clock = system_clock,
    engine: sa.Engine | None = None,
    upgrade_database: bool = True,
) -> GovNode:
    settings = settings or GovSettings()
    engine = engine or create_engine(settings.database_url)
    if upgrade_database:
        migrate.upgrade(engine)
    return GovNode(
        settings=settings,
        engine=engine,
        reader=reader if reader is not None else load_indicator_reader(settings),
        verifier=verifier or BuiltinIdentityVerifier(show_codes=settings.shows_development_codes),
        pseudonymizer=Pseudonymizer(settings.keyring()),
        signing_key=private_key_from_seed(settings.signing_seed()),
        purposes=load_purposes(),
        prices=load_prices(),
        clock=clock,
    )


__all__ = ["Clock", "GovNode", "bootstrap", "load_indicator_reader", "system_clock"]
