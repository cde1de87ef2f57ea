"""The bank node's store: tables, migrations and the unit of work."""

from puhui.bank.db.engine import make_engine, migrate, session_factory
from puhui.bank.db.uow import ReceivedIndicators, StoredApplication, UnitOfWork

__all__ = ["ReceivedIndicators", "StoredApplication", "UnitOfWork", "make_engine", "migrate", "session_factory"]
