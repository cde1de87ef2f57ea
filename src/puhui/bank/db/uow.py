"""The unit of work and its repositories: one transaction per use case, rolled back unless committed.

Repositories translate between rows (``tables.py``) and the domain (``decision.model``, ``model_registry``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from puhui.bank.db.tables import ApplicationRow, DecisionRow, ModelVersionRow, ReceivedIndicatorsRow
from puhui.bank.decision.model import Application, ApplicationStatus, DecisionRecord, Outcome
from puhui.bank.models.registry import ModelStatus, ModelVersion
from puhui.core.errors import Conflict, NotFound
from puhui.core.ids import SubjectKind
from puhui.core.schedule import RepaymentMethod

# Statements on the tables themselves: no identity map to keep on the decision path.
APPLICATIONS = cast(Table, ApplicationRow.__table__)
DECISIONS = cast(Table, DecisionRow.__table__)
RECEIVED = cast(Table, ReceivedIndicatorsRow.__table__)

# The decision path's statements, built once with bound parameters and run on the session's connection
# (``session.connection().execute``): building and hashing a statement per call, or passing a Core statement
# through the ORM's execution layer, costs more CPU than the database takes to run it.
_APPLICATION_BY_ID = select(APPLICATIONS).where(APPLICATIONS.c.application_id == bindparam("key"))
_DECISION_BY_ID = select(DECISIONS).where(DECISIONS.c.application_id == bindparam("key"))
_APPLICATION_INSERT = insert(APPLICATIONS)
_DECISION_INSERT = insert(DECISIONS)
_RECEIVED_INSERT = insert(RECEIVED)
_MARK = update(APPLICATIONS).where(APPLICATIONS.c.application_id == bindparam("key"))
_MARK_STATUS = _MARK.values(
    status=bindparam("new_status"), updated_at=bindparam("at"), attempts=APPLICATIONS.c.attempts + 1
)
_MARK_STATUS_AND_CONSENT = _MARK_STATUS.values(consent_id=bindparam("new_consent_id"))


@dataclass(frozen=True, slots=True)
class StoredApplication:
    application: Application
    status: ApplicationStatus
    attempts: int
    consent_id: str | None


@dataclass(frozen=True, slots=True)
class ReceivedIndicators:
    application_id: str
    subject_id: str
    consent_id: str
    as_of: dt.date
    values: Mapping[str, Any]
    versions: Mapping[str, Any]
    received_at: dt.datetime
    keep_until: dt.datetime


class ApplicationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, application_id: str) -> StoredApplication | None:
        row = self.session.connection().execute(_APPLICATION_BY_ID, {"key": application_id}).first()
        return None if row is None else _application(row)

    def add(self, application: Application, at: dt.datetime) -> None:
        values = {
            "application_id": application.application_id,
            "subject_kind": application.subject_kind.value,
            "subject_id": application.subject_id,
            "product": application.product,
            "amount": application.amount,
            "term_months": application.term_months,
            "method": application.method.value if application.method else None,
            "applied_on": application.applied_on,
            "status": ApplicationStatus.RECEIVED.value,
            "attempts": 0,
            "received_at": at,
            "updated_at": at,
        }
        try:
            self.session.connection().execute(_APPLICATION_INSERT, values)
        except IntegrityError:
            raise Conflict(f"application {application.application_id} exists", code="application_exists") from None

    def mark(
        self, application_id: str, status: ApplicationStatus, at: dt.datetime, consent_id: str | None = None
    ) -> None:
        values: dict[str, Any] = {"key": application_id, "new_status": status.value, "at": at}
        if consent_id is None:
            self.session.connection().execute(_MARK_STATUS, values)
        else:
            self.session.connection().execute(_MARK_STATUS_AND_CONSENT, {**values, "new_consent_id": consent_id})

    def waiting(self, limit: int = 100) -> list[StoredApplication]:
        rows = self.session.scalars(
            select(ApplicationRow)
            .where(ApplicationRow.status == ApplicationStatus.WAITING.value)
            .order_by(ApplicationRow.updated_at)
            .limit(limit)
        )
        return [_application(row) for row in rows]


class DecisionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, application_id: str) -> DecisionRecord | None:
        row = self.session.connection().execute(_DECISION_BY_ID, {"key": application_id}).first()
        return None if row is None else _decision(row)

    def add(self, record: DecisionRecord) -> None:
        values = {
            "application_id": record.application_id,
            "outcome": record.outcome.value,
            "limit_amount": record.limit,
            "annual_rate": record.annual_rate,
            "grade": record.grade,
            "pd": record.pd,
            "points": record.points,
            "ruleset": record.ruleset,
            "ruleset_digest": record.ruleset_digest,
            "model_version": record.model_version,
            "indicator_versions": dict(record.indicator_versions),
            "indicators_as_of": record.indicators_as_of,
            "findings": record.findings,
            "reasons": record.reasons,
            "offer": record.offer,
            "shadow": record.shadow,
            "decided_at": record.decided_at,
            "latency_ms": record.latency_ms,
        }
        try:
            self.session.connection().execute(_DECISION_INSERT, values)
        except IntegrityError:
            raise Conflict(f"application {record.application_id} is decided already", code="decided") from None

    def recent(self, limit: int = 1000) -> list[DecisionRecord]:
        rows = self.session.execute(select(DECISIONS).order_by(DECISIONS.c.decided_at.desc()).limit(limit))
        return [_decision(row) for row in rows]

    def count_by_outcome(self) -> dict[str, int]:
        rows = self.session.execute(select(DecisionRow.outcome, func.count()).group_by(DecisionRow.outcome))
        return {outcome: count for outcome, count in rows}


class IndicatorRepository:
    """Received indicators, deleted when the consent's data life ends (``purge``)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, received: ReceivedIndicators) -> None:
        self.session.connection().execute(
            _RECEIVED_INSERT,
            {
                "application_id": received.application_id,
                "subject_id": received.subject_id,
                "consent_id": received.consent_id,
                "as_of": received.as_of,
                "values": dict(received.values),
                "versions": dict(received.versions),
                "received_at": received.received_at,
                "keep_until": received.keep_until,
            },
        )

    def for_application(self, application_id: str) -> ReceivedIndicators | None:
        row = self.session.scalars(
            select(ReceivedIndicatorsRow)
            .where(ReceivedIndicatorsRow.application_id == application_id)
            .order_by(ReceivedIndicatorsRow.received_at.desc())
            .limit(1)
        ).first()
        return None if row is None else _received(row)

    def all_kept(self, now: dt.datetime) -> list[ReceivedIndicators]:
        rows = self.session.scalars(select(ReceivedIndicatorsRow).where(ReceivedIndicatorsRow.keep_until > now))
        return [_received(row) for row in rows]

    def purge(self, now: dt.datetime) -> int:
        """Delete everything whose data life has ended; returns how many sets were deleted."""
        result = self.session.execute(delete(ReceivedIndicatorsRow).where(ReceivedIndicatorsRow.keep_until <= now))
        return int(result.rowcount)  # type: ignore[attr-defined]


class ModelRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, model: ModelVersion) -> None:
        self.session.add(
            ModelVersionRow(
                version=model.version,
                kind=model.kind,
                status=model.status.value,
                artifact=model.artifact,
                features=list(model.features),
                metrics=dict(model.metrics),
                trained_at=model.trained_at,
                status_changed_at=model.status_changed_at,
            )
        )
        try:
            self.session.flush()
        except IntegrityError:
            raise Conflict(f"model version {model.version} exists", code="model_exists") from None

    def get(self, version: str) -> ModelVersion:
        row = self.session.get(ModelVersionRow, version)
        if row is None:
            raise NotFound(f"no model version {version!r}")
        return _model(row)

    def save(self, model: ModelVersion) -> None:
        self.session.execute(
            update(ModelVersionRow)
            .where(ModelVersionRow.version == model.version)
            .values(status=model.status.value, status_changed_at=model.status_changed_at)
        )

    def with_status(self, status: ModelStatus) -> list[ModelVersion]:
        rows = self.session.scalars(
            select(ModelVersionRow)
            .where(ModelVersionRow.status == status.value)
            .order_by(ModelVersionRow.status_changed_at.desc())
        )
        return [_model(row) for row in rows]

    def all(self) -> list[ModelVersion]:
        rows = self.session.scalars(select(ModelVersionRow).order_by(ModelVersionRow.trained_at))
        return [_model(row) for row in rows]


class UnitOfWork:
    """``with uow: …; uow.commit()`` — anything not committed is rolled back when the block ends."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def __enter__(self) -> Self:
        self.session = self._sessions()
        self.applications = ApplicationRepository(self.session)
        self.decisions = DecisionRepository(self.session)
        self.indicators = IndicatorRepository(self.session)
        self.models = ModelRepository(self.session)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        self.session.commit()


def _application(row: Any) -> StoredApplication:
    application = Application(
        application_id=row.application_id,
        subject_kind=SubjectKind(row.subject_kind),
        subject_id=row.subject_id,
        product=row.product,
        amount=row.amount,
        term_months=row.term_months,
        applied_on=row.applied_on,
        method=RepaymentMethod(row.method) if row.method else None,
    )
    return StoredApplication(application, ApplicationStatus(row.status), row.attempts, row.consent_id)


def _decision(row: Any) -> DecisionRecord:
    return DecisionRecord(
        application_id=row.application_id,
        outcome=Outcome(row.outcome),
        limit=row.limit_amount,
        annual_rate=row.annual_rate,
        grade=row.grade,
        pd=row.pd,
        points=row.points,
        ruleset=row.ruleset,
        ruleset_digest=row.ruleset_digest,
        model_version=row.model_version,
        indicator_versions=row.indicator_versions,
        indicators_as_of=row.indicators_as_of,
        findings=row.findings,
        reasons=row.reasons,
        offer=row.offer,
        shadow=row.shadow,
        decided_at=_utc(row.decided_at),
        latency_ms=row.latency_ms,
    )


def _received(row: ReceivedIndicatorsRow) -> ReceivedIndicators:
    return ReceivedIndicators(
        application_id=row.application_id,
        subject_id=row.subject_id,
        consent_id=row.consent_id,
        as_of=row.as_of,
        values=row.values,
        versions=row.versions,
        received_at=_utc(row.received_at),
        keep_until=_utc(row.keep_until),
    )


def _model(row: ModelVersionRow) -> ModelVersion:
    return ModelVersion(
        version=row.version,
        kind=row.kind,
        status=ModelStatus(row.status),
        artifact=row.artifact,
        features=tuple(row.features),
        metrics=row.metrics,
        trained_at=_utc(row.trained_at),
        status_changed_at=_utc(row.status_changed_at),
    )


def _utc(moment: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


__all__ = [
    "ApplicationRepository",
    "DecisionRepository",
    "IndicatorRepository",
    "ModelRepository",
    "ReceivedIndicators",
    "StoredApplication",
    "UnitOfWork",
]
