"""Repositories over SQLAlchemy Core: rows in, domain dataclasses out, on one connection (one transaction)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from puhui.core.clock import CHINA_TIME
from puhui.core.errors import NotFound
from puhui.core.ids import SubjectKind
from puhui.gov.audit.model import AuditEvent, AuditHead, AuditRecord, Outcome, chain
from puhui.gov.consent.identity import ApplicantSession, IdentityChallenge
from puhui.gov.consent.model import (
    Consent,
    ConsentStatus,
    ConsentTerms,
    FetchType,
    Frequency,
    FrequencyUnit,
    Letter,
)
from puhui.gov.credit_loop.model import AmountBand, Listing, ListingStatus, RemovalReason
from puhui.gov.db import tables as t
from puhui.gov.idempotency import StoredAnswer
from puhui.gov.institutions.model import Institution, InstitutionStatus, InstitutionType
from puhui.gov.metering.prices import Usage
from puhui.gov.queries.model import DataAccess


def _insert_ignoring_conflicts(connection: sa.Connection, table: sa.Table) -> Any:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


# The statements every indicator query runs, built once with bound parameters: building and hashing a statement
# per call costs more CPU than SQLite takes to run it (SQLAlchemy reuses the compiled form by the cache key, which
# a prebuilt statement computes once).
_INSTITUTION_BY_ID = sa.select(t.institutions).where(t.institutions.c.id == sa.bindparam("institution_id"))
_CONSENT_BY_ID = sa.select(t.consents).where(t.consents.c.id == sa.bindparam("consent_id"))
_NONCE_INSERTS = {
    name: dialect.insert(t.request_nonces).on_conflict_do_nothing().returning(t.request_nonces.c.nonce)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
_ACCESS_INSERT = t.data_accesses.insert()
_METERED_INSERT = t.metered_queries.insert()
_AUDIT_INSERT = t.audit_records.insert()
_AUDIT_HEAD_FOR_UPDATE = (
    sa.select(t.audit_head.c.seq, t.audit_head.c.hash).where(t.audit_head.c.id == 1).with_for_update()
)
_AUDIT_HEAD_MOVE = (
    t.audit_head.update()
    .where(t.audit_head.c.id == 1)
    .values(seq=sa.bindparam("new_seq"), hash=sa.bindparam("new_hash"))
)


def _consent_use_statement() -> sa.Update:
    c = t.consents.c
    now, period_key = sa.bindparam("now", type_=c.starts_at.type), sa.bindparam("period_key", type_=c.period_key.type)
    return (
        t.consents.update()
        .where(
            c.id == sa.bindparam("consent_id"),
            c.status == ConsentStatus.ACTIVE.value,
            c.starts_at <= now,
            c.expires_at > now,
            sa.or_(c.period_key.is_(None), c.period_key != period_key, c.period_uses < c.frequency_count),
        )
        .values(
            uses=c.uses + 1,
            period_uses=sa.case((c.period_key == period_key, c.period_uses + 1), else_=1),
            period_key=period_key,
        )
        .returning(c.uses)
    )


_CONSENT_USE = _consent_use_statement()
_IDEMPOTENT = t.idempotent_requests
_IDEMPOTENT_KEY = (_IDEMPOTENT.c.institution_id == sa.bindparam("for_institution")) & (
    _IDEMPOTENT.c.key == sa.bindparam("idempotency_key")
)
_IDEMPOTENT_FIND = sa.select(_IDEMPOTENT.c.fingerprint, _IDEMPOTENT.c.answer).where(_IDEMPOTENT_KEY)
_IDEMPOTENT_CLAIMS = {
    name: dialect.insert(_IDEMPOTENT).on_conflict_do_nothing().returning(_IDEMPOTENT.c.key)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
_IDEMPOTENT_COMPLETE = _IDEMPOTENT.update().where(_IDEMPOTENT_KEY).values(answer=sa.bindparam("new_answer"))
_IDEMPOTENT_RELEASE = _IDEMPOTENT.delete().where(_IDEMPOTENT_KEY)


class SqlInstitutionRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    @staticmethod
    def _from_row(row: sa.Row[Any]) -> Institution:
        return Institution(
            id=row.id,
            name=row.name,
            credit_code=row.credit_code,
            type=InstitutionType(row.type),
            status=InstitutionStatus(row.status),
            purposes=tuple(row.purposes),
            groups=tuple(row.groups),
            public_key=row.public_key,
            admitted_at=row.admitted_at,
            status_changed_at=row.status_changed_at,
        )

    @staticmethod
    def _values(institution: Institution) -> dict[str, Any]:
        return {
            "id": institution.id,
            "name": institution.name,
            "credit_code": institution.credit_code,
            "type": institution.type.value,
            "status": institution.status.value,
            "purposes": list(institution.purposes),
            "groups": list(institution.groups),
            "public_key": institution.public_key,
            "admitted_at": institution.admitted_at,
            "status_changed_at": institution.status_changed_at,
        }

    def add(self, institution: Institution) -> None:
        self._c.execute(t.institutions.insert().values(self._values(institution)))

    def find(self, institution_id: str) -> Institution | None:
        row = self._c.execute(_INSTITUTION_BY_ID, {"institution_id": institution_id}).first()
        return None if row is None else self._from_row(row)

    def get(self, institution_id: str) -> Institution:
        found = self.find(institution_id)
        if found is None:
            raise NotFound(f"no institution {institution_id}", code="institution_not_found")
        return found

    def find_by_credit_code(self, credit_code: str) -> Institution | None:
        row = self._c.execute(sa.select(t.institutions).where(t.institutions.c.credit_code == credit_code)).first()
        return None if row is None else self._from_row(row)

    def list(self) -> list[Institution]:
        rows = self._c.execute(sa.select(t.institutions).order_by(t.institutions.c.admitted_at, t.institutions.c.id))
        return [self._from_row(row) for row in rows]

    def update(self, institution: Institution) -> None:
        values = self._values(institution)
        del values["id"]
        self._c.execute(t.institutions.update().where(t.institutions.c.id == institution.id).values(values))


class SqlNonceRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def remember(self, key_id: str, nonce: str, seen_at: dt.datetime) -> bool:
        statement = _NONCE_INSERTS[self._c.dialect.name]
        return self._c.execute(statement, {"key_id": key_id, "nonce": nonce, "seen_at": seen_at}).first() is not None

    def forget_before(self, cutoff: dt.datetime) -> int:
        return self._c.execute(t.request_nonces.delete().where(t.request_nonces.c.seen_at < cutoff)).rowcount


class SqlChallengeRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def add(self, challenge: IdentityChallenge) -> None:
        self._c.execute(
            t.identity_challenges.insert().values(
                id=challenge.id,
                subject_pseudonym=challenge.subject_pseudonym,
                masked_subject=challenge.masked_subject,
                code_hash=challenge.code_hash,
                expires_at=challenge.expires_at,
                attempts=challenge.attempts,
                used=challenge.used,
            )
        )

    def get(self, challenge_id: str) -> IdentityChallenge:
        row = self._c.execute(
            sa.select(t.identity_challenges).where(t.identity_challenges.c.id == challenge_id)
        ).first()
        if row is None:
            raise NotFound(f"no identity challenge {challenge_id}", code="challenge_not_found")
        return IdentityChallenge(
            row.id, row.subject_pseudonym, row.masked_subject, row.code_hash, row.expires_at, row.attempts, row.used
        )

    def count_attempt(self, challenge_id: str) -> int:
        table = t.identity_challenges
        statement = (
            table.update()
            .where(table.c.id == challenge_id)
            .values(attempts=table.c.attempts + 1)
            .returning(table.c.attempts)
        )
        return int(self._c.execute(statement).scalar_one())

    def spend(self, challenge_id: str) -> bool:
        table = t.identity_challenges
        statement = table.update().where(table.c.id == challenge_id, table.c.used.is_(False)).values(used=True)
        return self._c.execute(statement).rowcount == 1


class SqlSessionRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def add(self, session: ApplicantSession) -> None:
        self._c.execute(
            t.applicant_sessions.insert().values(
                token_hash=session.token_hash,
                subject_pseudonym=session.subject_pseudonym,
                masked_subject=session.masked_subject,
                created_at=session.created_at,
                expires_at=session.expires_at,
            )
        )

    def find(self, token_hash: str) -> ApplicantSession | None:
        row = self._c.execute(
            sa.select(t.applicant_sessions).where(t.applicant_sessions.c.token_hash == token_hash)
        ).first()
        if row is None:
            return None
        return ApplicantSession(
            row.token_hash, row.subject_pseudonym, row.masked_subject, row.created_at, row.expires_at
        )

    def remove(self, token_hash: str) -> None:
        self._c.execute(t.applicant_sessions.delete().where(t.applicant_sessions.c.token_hash == token_hash))

    def forget_before(self, cutoff: dt.datetime) -> int:
        return self._c.execute(t.applicant_sessions.delete().where(t.applicant_sessions.c.expires_at < cutoff)).rowcount


class SqlConsentRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    @staticmethod
    def _from_row(row: sa.Row[Any]) -> Consent:
        terms = ConsentTerms(
            purpose=row.purpose,
            groups=tuple(row.groups),
            lookback_months=row.lookback_months,
            fetch_type=FetchType(row.fetch_type),
            frequency=Frequency(row.frequency_count, FrequencyUnit(row.frequency_unit)),
            data_life_days=row.data_life_days,
            validity_days=row.validity_days,
            loan_maturity=row.loan_maturity,
        )
        letter = Letter(
            row.letter_version, row.letter_language, row.letter_text, row.letter_hash, tuple(row.required_clauses)
        )
        return Consent(
            id=row.id,
            status=ConsentStatus(row.status),
            institution_id=row.institution_id,
            subject_pseudonym=row.subject_pseudonym,
            masked_subject=row.masked_subject,
            terms=terms,
            letter=letter,
            requested_at=row.requested_at,
            request_expires_at=row.request_expires_at,
            status_changed_at=row.status_changed_at,
            starts_at=row.starts_at,
            expires_at=row.expires_at,
            accepted_clauses=tuple(row.accepted_clauses),
            artefact=row.artefact,
            signature=row.signature,
            uses=row.uses,
        )

    def add(self, consent: Consent) -> None:
        terms, letter = consent.terms, consent.letter
        self._c.execute(
            t.consents.insert().values(
                id=consent.id,
                institution_id=consent.institution_id,
                subject_pseudonym=consent.subject_pseudonym,
                masked_subject=consent.masked_subject,
                purpose=terms.purpose,
                groups=list(terms.groups),
                lookback_months=terms.lookback_months,
                fetch_type=terms.fetch_type.value,
                frequency_count=terms.frequency.count,
                frequency_unit=terms.frequency.unit.value,
                data_life_days=terms.data_life_days,
                validity_days=terms.validity_days,
                loan_maturity=terms.loan_maturity,
                letter_version=letter.version,
                letter_language=letter.language,
                letter_hash=letter.hash,
                letter_text=letter.text,
                required_clauses=list(letter.clauses),
                requested_at=consent.requested_at,
                request_expires_at=consent.request_expires_at,
                uses=consent.uses,
                **self._mutable(consent),
            )
        )

    @staticmethod
    def _mutable(consent: Consent) -> dict[str, Any]:
        return {
            "status": consent.status.value,
            "status_changed_at": consent.status_changed_at,
            "starts_at": consent.starts_at,
            "expires_at": consent.expires_at,
            "accepted_clauses": list(consent.accepted_clauses),
            "artefact": dict(consent.artefact) if consent.artefact is not None else None,
            "signature": consent.signature,
        }

    def find(self, consent_id: str) -> Consent | None:
        row = self._c.execute(_CONSENT_BY_ID, {"consent_id": consent_id}).first()
        return None if row is None else self._from_row(row)

    def get(self, consent_id: str) -> Consent:
        found = self.find(consent_id)
        if found is None:
            raise NotFound(f"no consent {consent_id}", code="consent_not_found")
        return found

    def save(self, consent: Consent, expected: ConsentStatus) -> bool:
        statement = (
            t.consents.update()
            .where(t.consents.c.id == consent.id, t.consents.c.status == expected.value)
            .values(self._mutable(consent))
        )
        return self._c.execute(statement).rowcount == 1

    def _select_where(self, *conditions: sa.ColumnElement[bool], limit: int | None = None) -> list[Consent]:
        statement = sa.select(t.consents).where(*conditions).order_by(t.consents.c.requested_at.desc())
        if limit is not None:
            statement = statement.limit(limit)
        return [self._from_row(row) for row in self._c.execute(statement)]

    def for_subject(self, subject_pseudonym: str) -> list[Consent]:
        return self._select_where(t.consents.c.subject_pseudonym == subject_pseudonym)

    def for_institution(self, institution_id: str) -> list[Consent]:
        return self._select_where(t.consents.c.institution_id == institution_id)

    def lapsed(self, now: dt.datetime, limit: int = 1000) -> list[Consent]:
        c = t.consents.c
        return self._select_where(
            sa.or_(
                sa.and_(c.status == ConsentStatus.PENDING.value, c.request_expires_at <= now),
                sa.and_(c.status.in_([ConsentStatus.ACTIVE.value, ConsentStatus.PAUSED.value]), c.expires_at <= now),
            ),
            limit=limit,
        )

    def ever_given(self, institution_id: str, subject_pseudonym: str) -> bool:
        c = t.consents.c
        statement = (
            sa.select(c.id)
            .where(
                c.institution_id == institution_id,
                c.subject_pseudonym == subject_pseudonym,
                c.starts_at.is_not(None),
            )
            .limit(1)
        )
        return self._c.execute(statement).first() is not None

    def use(self, consent_id: str, *, now: dt.datetime, period_key: str) -> int | None:
        # One statement (_CONSENT_USE): the row lock taken by UPDATE makes concurrent workers queue here, and
        # PostgreSQL re-checks the WHERE clause on the updated row, so no use is lost and none is granted twice.
        parameters = {"consent_id": consent_id, "now": now, "period_key": period_key}
        found = self._c.execute(_CONSENT_USE, parameters).scalar_one_or_none()
        return None if found is None else int(found)


class SqlIdempotencyRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def find(self, institution_id: str, key: str) -> StoredAnswer | None:
        row = self._c.execute(_IDEMPOTENT_FIND, {"for_institution": institution_id, "idempotency_key": key}).first()
        return None if row is None else StoredAnswer(row.fingerprint, row.answer)

    def claim(self, institution_id: str, key: str, fingerprint: str, now: dt.datetime) -> StoredAnswer | None:
        # The primary key orders concurrent claims: a second one waits for the first transaction, then finds
        # its row (answered) or, if that transaction released or rolled back its claim, takes the key.
        values = {"institution_id": institution_id, "key": key, "fingerprint": fingerprint, "created_at": now}
        if self._c.execute(_IDEMPOTENT_CLAIMS[self._c.dialect.name], values).first() is not None:
            return None
        stored = self.find(institution_id, key)
        assert stored is not None, "a claim that conflicts has a row"
        return stored

    def complete(self, institution_id: str, key: str, answer: Mapping[str, Any]) -> None:
        parameters = {"for_institution": institution_id, "idempotency_key": key, "new_answer": dict(answer)}
        self._c.execute(_IDEMPOTENT_COMPLETE, parameters)

    def release(self, institution_id: str, key: str) -> None:
        self._c.execute(_IDEMPOTENT_RELEASE, {"for_institution": institution_id, "idempotency_key": key})

    def forget_before(self, cutoff: dt.datetime) -> int:
        return self._c.execute(_IDEMPOTENT.delete().where(_IDEMPOTENT.c.created_at < cutoff)).rowcount


class SqlAccessRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def add(self, access: DataAccess) -> None:
        self._c.execute(
            _ACCESS_INSERT,
            {
                "id": access.id,
                "at": access.at,
                "institution_id": access.institution_id,
                "consent_id": access.consent_id,
                "subject_pseudonym": access.subject_pseudonym,
                "purpose": access.purpose,
                "groups": list(access.groups),
                "outcome": access.outcome.value,
                "reason": access.reason,
            },
        )
        if access.outcome is Outcome.SUCCESS:
            self._count(access)

    def _count(self, access: DataAccess) -> None:
        day = access.at.astimezone(CHINA_TIME).date()
        rows = [
            {
                "access_id": access.id,
                "indicator_group": group,
                "institution_id": access.institution_id,
                "purpose": access.purpose,
                "day": day,
            }
            for group in sorted(set(access.groups))
        ]
        self._c.execute(_METERED_INSERT, rows)  # one statement for the rows (compiled once, unlike VALUES lists)

    def for_subject(self, subject_pseudonym: str, limit: int = 500) -> list[DataAccess]:
        table = t.data_accesses
        rows = self._c.execute(
            sa.select(table)
            .where(table.c.subject_pseudonym == subject_pseudonym)
            .order_by(table.c.at.desc(), table.c.id)
            .limit(limit)
        )
        return [
            DataAccess(
                row.id,
                row.at,
                row.institution_id,
                row.consent_id,
                row.subject_pseudonym,
                row.purpose,
                tuple(row.groups),
                Outcome(row.outcome),
                row.reason,
            )
            for row in rows
        ]

    def usage(self, year: int) -> list[Usage]:
        c = t.metered_queries.c
        queries = sa.func.count().label("queries")
        rows = self._c.execute(
            sa.select(c.institution_id, c.purpose, c.indicator_group, c.day, queries)
            .where(c.day >= dt.date(year, 1, 1), c.day <= dt.date(year, 12, 31))
            .group_by(c.institution_id, c.purpose, c.indicator_group, c.day)
            .order_by(c.institution_id, c.purpose, c.indicator_group, c.day)
        )
        return [Usage(row.institution_id, row.purpose, row.indicator_group, row.day, row.queries) for row in rows]


class SqlListingRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    @staticmethod
    def _from_row(row: sa.Row[Any]) -> Listing:
        return Listing(
            id=row.id,
            subject_pseudonym=row.subject_pseudonym,
            masked_subject=row.masked_subject,
            subject_kind=SubjectKind(row.subject_kind),
            institution_id=row.institution_id,
            loan_reference=row.loan_reference,
            amount_band=AmountBand(row.amount_band),
            default_date=row.default_date,
            notified_on=row.notified_on,
            notice_evidence=row.notice_evidence,
            listed_on=row.listed_on,
            expires_on=row.expires_on,
            status=ListingStatus(row.status),
            status_changed_at=row.status_changed_at,
            objection=row.objection,
            objected_on=row.objected_on,
            answer_due=row.answer_due,
            answer=row.answer,
            removed_on=row.removed_on,
            removal_reason=RemovalReason(row.removal_reason) if row.removal_reason else None,
        )

    @staticmethod
    def _mutable(listing: Listing) -> dict[str, Any]:
        return {
            "status": listing.status.value,
            "status_changed_at": listing.status_changed_at,
            "objection": listing.objection,
            "objected_on": listing.objected_on,
            "answer_due": listing.answer_due,
            "answer": listing.answer,
            "removed_on": listing.removed_on,
            "removal_reason": listing.removal_reason.value if listing.removal_reason else None,
        }

    def add(self, listing: Listing) -> None:
        self._c.execute(
            t.listings.insert().values(
                id=listing.id,
                subject_pseudonym=listing.subject_pseudonym,
                masked_subject=listing.masked_subject,
                subject_kind=listing.subject_kind.value,
                institution_id=listing.institution_id,
                loan_reference=listing.loan_reference,
                amount_band=listing.amount_band.value,
                default_date=listing.default_date,
                notified_on=listing.notified_on,
                notice_evidence=listing.notice_evidence,
                listed_on=listing.listed_on,
                expires_on=listing.expires_on,
                **self._mutable(listing),
            )
        )

    def get(self, listing_id: str) -> Listing:
        row = self._c.execute(sa.select(t.listings).where(t.listings.c.id == listing_id)).first()
        if row is None:
            raise NotFound(f"no black-list record {listing_id}", code="listing_not_found")
        return self._from_row(row)

    def find_by_loan(self, institution_id: str, loan_reference: str) -> Listing | None:
        c = t.listings.c
        row = self._c.execute(
            sa.select(t.listings).where(c.institution_id == institution_id, c.loan_reference == loan_reference)
        ).first()
        return None if row is None else self._from_row(row)

    def save(self, listing: Listing, expected: ListingStatus) -> bool:
        statement = (
            t.listings.update()
            .where(t.listings.c.id == listing.id, t.listings.c.status == expected.value)
            .values(self._mutable(listing))
        )
        return self._c.execute(statement).rowcount == 1

    def _select(self, *conditions: sa.ColumnElement[bool]) -> list[Listing]:
        statement = sa.select(t.listings).where(*conditions).order_by(t.listings.c.listed_on, t.listings.c.id)
        return [self._from_row(row) for row in self._c.execute(statement)]

    def for_subject(self, subject_pseudonym: str) -> list[Listing]:
        return self._select(t.listings.c.subject_pseudonym == subject_pseudonym)

    def disputed(self) -> list[Listing]:
        return self._select(t.listings.c.status == ListingStatus.DISPUTED.value)

    def lapsed(self, today: dt.date) -> list[Listing]:
        c = t.listings.c
        return self._select(
            c.status.in_([ListingStatus.LISTED.value, ListingStatus.DISPUTED.value]), c.expires_on <= today
        )

    def all(self, subject_pseudonyms: Sequence[str] | None = None) -> list[Listing]:
        if subject_pseudonyms is None:
            return self._select()
        return self._select(t.listings.c.subject_pseudonym.in_(list(subject_pseudonyms)))


class SqlAuditLog:
    """Events queue during the unit of work and are chained at commit under a lock on the head row."""

    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection
        self._pending: list[AuditEvent] = []

    def append(self, event: AuditEvent) -> None:
        self._pending.append(event)

    def discard(self) -> None:
        self._pending.clear()

    def flush(self) -> None:
        if not self._pending:
            return
        head_row = self._c.execute(_AUDIT_HEAD_FOR_UPDATE).one()
        records = chain(AuditHead(head_row.seq, head_row.hash), self._pending)
        self._c.execute(_AUDIT_INSERT, [_record_values(record) for record in records])
        last = records[-1]
        self._c.execute(_AUDIT_HEAD_MOVE, {"new_seq": last.seq, "new_hash": last.hash})
        self._pending.clear()

    def head(self) -> AuditHead | None:
        row = self._c.execute(sa.select(t.audit_head.c.seq, t.audit_head.c.hash).where(t.audit_head.c.id == 1)).first()
        return None if row is None else AuditHead(row.seq, row.hash)

    def records(self, after_seq: int = 0) -> Iterator[AuditRecord]:
        statement = (
            sa.select(t.audit_records)
            .where(t.audit_records.c.seq > after_seq)
            .order_by(t.audit_records.c.seq)
            .execution_options(yield_per=5000)
        )
        for row in self._c.execute(statement):
            yield _record_from_row(row)

    def for_consents(self, consent_ids: Sequence[str], limit: int = 500) -> list[AuditRecord]:
        if not consent_ids:
            return []
        statement = (
            sa.select(t.audit_records)
            .where(t.audit_records.c.consent_id.in_(list(consent_ids)))
            .order_by(t.audit_records.c.seq.desc())
            .limit(limit)
        )
        return [_record_from_row(row) for row in self._c.execute(statement)]


def _record_values(record: AuditRecord) -> dict[str, Any]:
    event = record.event
    return {
        "seq": record.seq,
        "at": event.at,
        "actor": event.actor,
        "role": event.role,
        "source": event.source,
        "event": event.event,
        "object": event.object,
        "consent_id": event.consent_id,
        "outcome": event.outcome,
        "reason": event.reason,
        "detail": dict(event.detail),
        "prev_hash": record.prev_hash,
        "hash": record.hash,
    }


def _record_from_row(row: sa.Row[Any]) -> AuditRecord:
    detail: Mapping[str, Any] = row.detail or {}
    event = AuditEvent(
        at=row.at,
        actor=row.actor,
        role=row.role,
        source=row.source,
        event=row.event,
        object=row.object,
        outcome=row.outcome,
        reason=row.reason,
        consent_id=row.consent_id,
        detail=detail,
    )
    return AuditRecord(row.seq, event, row.prev_hash, row.hash)


__all__ = [
    "SqlAccessRepository",
    "SqlAuditLog",
    "SqlChallengeRepository",
    "SqlConsentRepository",
    "SqlIdempotencyRepository",
    "SqlInstitutionRepository",
    "SqlListingRepository",
    "SqlNonceRepository",
    "SqlSessionRepository",
]
