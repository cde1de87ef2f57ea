"""Use cases of the consent lifecycle: a bank requests, the applicant grants or rejects, then pauses, resumes or
revokes; consents past their time expire. Every change is audited with the consent's id."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from puhui.core.clock import CHINA_TIME
from puhui.core.errors import Conflict, NotFound, ValidationError
from puhui.core.ids import parse_subject_id
from puhui.core.pseudonym import Pseudonymizer
from puhui.core.signing import sign_document
from puhui.gov.audit.model import SYSTEM_ACTOR, Actor, AuditEvent, EventType
from puhui.gov.consent.authorization import LetterFacts, render_letter
from puhui.gov.consent.identity import ApplicantSession
from puhui.gov.consent.model import (
    Consent,
    ConsentEvent,
    ConsentStatus,
    ConsentTerms,
    build_artefact,
    new_consent_id,
)
from puhui.gov.consent.purposes import PurposeTable
from puhui.gov.consent.sessions import masked
from puhui.gov.idempotency import IdempotencyKey
from puhui.gov.institutions.model import Institution
from puhui.gov.queries.model import DataAccess
from puhui.gov.queries.reader import GroupInfo
from puhui.gov.unit_of_work import UnitOfWork

_EVENT_AUDIT = {
    ConsentEvent.APPROVE: EventType.CONSENT_APPROVED,
    ConsentEvent.REJECT: EventType.CONSENT_REJECTED,
    ConsentEvent.PAUSE: EventType.CONSENT_PAUSED,
    ConsentEvent.RESUME: EventType.CONSENT_RESUMED,
    ConsentEvent.REVOKE: EventType.CONSENT_REVOKED,
    ConsentEvent.EXPIRE: EventType.CONSENT_EXPIRED,
}


def request_consent(
    uow: UnitOfWork,
    *,
    institution: Institution,
    subject_id: str,
    terms: ConsentTerms,
    language: str,
    purposes: PurposeTable,
    groups: Mapping[str, GroupInfo],
    pseudonymizer: Pseudonymizer,
    request_days: int,
    actor: Actor,
    now: dt.datetime,
    idempotency: IdempotencyKey | None = None,
) -> Consent:
    """A pending consent with its letter, for the applicant to read and sign within ``request_days``; the same
    request again under the same ``idempotency`` key returns the consent it opened first."""
    institution.ensure_active()
    purpose = purposes.get(terms.purpose)
    unknown = sorted(set(terms.groups) - set(groups))
    if unknown:
        raise ValidationError(f"unknown indicator groups: {', '.join(unknown)}", code="unknown_group")
    institution.ensure_may_ask(terms.purpose, terms.groups)
    purpose.check(terms, institution.type, now)
    subject = parse_subject_id(subject_id)
    consent_id = new_consent_id()
    masked_subject = masked(subject.value)
    letter = render_letter(
        LetterFacts(
            consent_id=consent_id,
            masked_subject=masked_subject,
            institution_name=institution.name,
            institution_credit_code=institution.credit_code,
            purpose=purpose,
            groups=[groups[name] for name in terms.groups],
            terms=terms,
            date=now.astimezone(CHINA_TIME).date(),
        ),
        language,
    )
    consent = Consent(
        id=consent_id,
        status=ConsentStatus.PENDING,
        institution_id=institution.id,
        subject_pseudonym=pseudonymizer.of(subject),
        masked_subject=masked_subject,
        terms=terms,
        letter=letter,
        requested_at=now,
        request_expires_at=now + dt.timedelta(days=request_days),
        status_changed_at=now,
    )
    with uow:
        if idempotency is not None:
            stored = uow.idempotency.claim(institution.id, idempotency.key, idempotency.fingerprint, now)
            if stored is not None:
                answer = stored.for_request(idempotency)
                if answer is None:
                    raise Conflict("this request is still being answered", code="idempotency_key_in_use")
                return uow.consents.get(str(answer["consent_id"]))
            uow.idempotency.complete(institution.id, idempotency.key, {"consent_id": consent.id})
        uow.consents.add(consent)
        uow.audit.append(
            AuditEvent.by(
                actor,
                EventType.CONSENT_REQUESTED,
                consent.subject_pseudonym,
                at=now,
                consent_id=consent.id,
                detail={"purpose": terms.purpose, "groups": list(terms.groups)},
            )
        )
        uow.commit()
    return consent


def _own_consent(uow: UnitOfWork, consent_id: str, session: ApplicantSession) -> Consent:
    """The applicant's own consent; anyone else's does not exist for them."""
    consent = uow.consents.find(consent_id)
    if consent is None or consent.subject_pseudonym != session.subject_pseudonym:
        raise NotFound(f"no consent {consent_id}", code="consent_not_found")
    return consent


def mark_expired(uow: UnitOfWork, consent: Consent, now: dt.datetime) -> Consent:
    """Within the caller's unit of work: a consent past its time becomes EXPIRED (audited once)."""
    expired = consent.after(ConsentEvent.EXPIRE, now)
    if uow.consents.save(expired, consent.status):
        subject = consent.subject_pseudonym
        uow.audit.append(AuditEvent.by(SYSTEM_ACTOR, EventType.CONSENT_EXPIRED, subject, at=now, consent_id=consent.id))
    return expired


def grant_consent(
    uow: UnitOfWork,
    *,
    session: ApplicantSession,
    consent_id: str,
    letter_hash: str,
    accepted_clauses: Sequence[str],
    purposes: PurposeTable,
    signing_key: Ed25519PrivateKey,
    actor: Actor,
    now: dt.datetime,
) -> Consent:
    """The applicant signs the letter they read: the node issues the signed, immutable consent artefact."""
    with uow:
        consent = _own_consent(uow, consent_id, session)
        if consent.status is ConsentStatus.PENDING and consent.lapsed(now):
            mark_expired(uow, consent, now)
            uow.commit()
            raise Conflict("the consent request has expired: ask the bank for a new one", code="request_expired")
        if letter_hash != consent.letter.hash:
            raise Conflict("the letter signed is not the letter issued", code="letter_mismatch")
        missing = [clause for clause in consent.letter.clauses if clause not in accepted_clauses]
        if missing:
            raise ValidationError(
                f"every clause of the letter must be accepted; missing: {', '.join(missing)}",
                code="clause_not_accepted",
            )
        institution = uow.institutions.get(consent.institution_id)
        institution.ensure_active()
        purposes.get(consent.terms.purpose).check(consent.terms, institution.type, now)  # caps hold at issue
        clauses = sorted(set(accepted_clauses) & set(consent.letter.clauses))
        artefact = build_artefact(
            consent,
            institution_name=institution.name,
            institution_credit_code=institution.credit_code,
            start=now,
            accepted_clauses=clauses,
        )
        granted = consent.approved(
            at=now, accepted_clauses=clauses, artefact=artefact, signature=sign_document(signing_key, artefact)
        )
        if not uow.consents.save(granted, ConsentStatus.PENDING):
            raise Conflict("the consent changed meanwhile: reload it", code="consent_changed")
        uow.audit.append(
            AuditEvent.by(actor, EventType.CONSENT_APPROVED, consent.subject_pseudonym, at=now, consent_id=consent.id)
        )
        uow.commit()
    return granted


def _move(
    uow: UnitOfWork,
    consent_id: str,
    event: ConsentEvent,
    *,
    session: ApplicantSession | None,
    reason: str,
    actor: Actor,
    now: dt.datetime,
) -> Consent:
    with uow:
        consent = _own_consent(uow, consent_id, session) if session is not None else uow.consents.get(consent_id)
        if consent.lapsed(now):
            expired = mark_expired(uow, consent, now)
            uow.commit()
            if event is ConsentEvent.REVOKE:
                return expired  # nothing left to revoke: it ended by itself
            raise Conflict("the consent has expired", code="consent_expired")
        moved = consent.after(event, now)
        if not uow.consents.save(moved, consent.status):
            raise Conflict("the consent changed meanwhile: reload it", code="consent_changed")
        uow.audit.append(
            AuditEvent.by(
                actor, _EVENT_AUDIT[event], consent.subject_pseudonym, at=now, consent_id=consent.id, reason=reason
            )
        )
        uow.commit()
    return moved


def reject_consent(
    uow: UnitOfWork, consent_id: str, *, session: ApplicantSession, actor: Actor, now: dt.datetime
) -> Consent:
    return _move(uow, consent_id, ConsentEvent.REJECT, session=session, reason="", actor=actor, now=now)


def revoke_consent(
    uow: UnitOfWork,
    consent_id: str,
    *,
    session: ApplicantSession | None,
    actor: Actor,
    now: dt.datetime,
    reason: str = "",
) -> Consent:
    """The applicant withdraws (``session``), or the administrator ends it (no session)."""
    return _move(uow, consent_id, ConsentEvent.REVOKE, session=session, reason=reason, actor=actor, now=now)


def pause_consent(
    uow: UnitOfWork,
    consent_id: str,
    *,
    session: ApplicantSession | None,
    actor: Actor,
    now: dt.datetime,
    reason: str = "",
) -> Consent:
    return _move(uow, consent_id, ConsentEvent.PAUSE, session=session, reason=reason, actor=actor, now=now)


def resume_consent(
    uow: UnitOfWork,
    consent_id: str,
    *,
    session: ApplicantSession | None,
    actor: Actor,
    now: dt.datetime,
    reason: str = "",
) -> Consent:
    return _move(uow, consent_id, ConsentEvent.RESUME, session=session, reason=reason, actor=actor, now=now)


def expire_consents(uow: UnitOfWork, *, now: dt.datetime) -> int:
    """Mark every consent (and unsigned request) past its time expired; returns how many."""
    count = 0
    with uow:
        for consent in uow.consents.lapsed(now):
            mark_expired(uow, consent, now)
            count += 1
        uow.commit()
    return count


def my_consents(uow: UnitOfWork, *, session: ApplicantSession, now: dt.datetime) -> list[Consent]:
    with uow:
        found = uow.consents.for_subject(session.subject_pseudonym)
        if any(consent.lapsed(now) for consent in found):
            found = [mark_expired(uow, c, now) if c.lapsed(now) else c for c in found]
            uow.commit()
    return found


def my_consent(uow: UnitOfWork, consent_id: str, *, session: ApplicantSession) -> Consent:
    with uow:
        return _own_consent(uow, consent_id, session)


def institution_consent(uow: UnitOfWork, consent_id: str, *, institution: Institution) -> Consent:
    with uow:
        consent = uow.consents.find(consent_id)
    if consent is None or consent.institution_id != institution.id:
        raise NotFound(f"no consent {consent_id}", code="consent_not_found")
    return consent


@dataclasses.dataclass(frozen=True, slots=True)
class AccessView:
    """One access to the applicant's data, with the institution's name."""

    access: DataAccess
    institution_name: str


def my_data_accesses(uow: UnitOfWork, *, session: ApplicantSession) -> list[AccessView]:
    """Every query about the applicant, served or refused: who, when, for what purpose, which groups."""
    with uow:
        accesses = uow.accesses.for_subject(session.subject_pseudonym)
        names: dict[str, str] = {}
        for access in accesses:
            if access.institution_id not in names:
                found = uow.institutions.find(access.institution_id)
                names[access.institution_id] = found.name if found else access.institution_id
    return [AccessView(a, names[a.institution_id]) for a in accesses]


__all__ = [
    "AccessView",
    "expire_consents",
    "grant_consent",
    "institution_consent",
    "mark_expired",
    "my_consent",
    "my_consents",
    "my_data_accesses",
    "pause_consent",
    "reject_consent",
    "request_consent",
    "resume_consent",
    "revoke_consent",
]
