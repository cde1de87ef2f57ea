"""``SqlAlchemyUnitOfWork``: one connection, one transaction, repositories over it, audit chained at commit."""

from __future__ import annotations

from types import TracebackType
from typing import Self

import sqlalchemy as sa

from puhui.gov.db.repositories import (
    SqlAccessRepository,
    SqlAuditLog,
    SqlChallengeRepository,
    SqlConsentRepository,
    SqlIdempotencyRepository,
    SqlInstitutionRepository,
    SqlListingRepository,
    SqlNonceRepository,
    SqlSessionRepository,
)


class SqlAlchemyUnitOfWork:
    """Rolls back on leaving unless ``commit()`` was called; the transaction starts with the first statement."""

    institutions: SqlInstitutionRepository
    nonces: SqlNonceRepository
    challenges: SqlChallengeRepository
    sessions: SqlSessionRepository
    consents: SqlConsentRepository
    accesses: SqlAccessRepository
    listings: SqlListingRepository
    idempotency: SqlIdempotencyRepository
    audit: SqlAuditLog

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._connection: sa.Connection | None = None

    def __enter__(self) -> Self:
        connection = self._connection = self._engine.connect()
        self.institutions = SqlInstitutionRepository(connection)
        self.nonces = SqlNonceRepository(connection)
        self.challenges = SqlChallengeRepository(connection)
        self.sessions = SqlSessionRepository(connection)
        self.consents = SqlConsentRepository(connection)
        self.accesses = SqlAccessRepository(connection)
        self.listings = SqlListingRepository(connection)
        self.idempotency = SqlIdempotencyRepository(connection)
        self.audit = SqlAuditLog(connection)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._connection is not None:
            self.rollback()
            self._connection.close()
            self._connection = None

    def commit(self) -> None:
        assert self._connection is not None, "commit outside the unit of work"
        self.audit.flush()
        self._connection.commit()

    def rollback(self) -> None:
        assert self._connection is not None, "rollback outside the unit of work"
        self.audit.discard()
        self._connection.rollback()


__all__ = ["SqlAlchemyUnitOfWork"]
