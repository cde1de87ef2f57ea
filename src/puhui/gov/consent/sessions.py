"""Use cases of the applicant's identity: verify it with a one-time code, hold a session, end it.

The session token is 32 random bytes handed to the applicant once; the node keeps only its SHA-256, bound to the
subject's pseudonym, for ``gov_session_minutes``. Every verification, failed or not, is audited.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets

from puhui.core.errors import AuthenticationError, NotFound, PuhuiError
from puhui.core.ids import ResidentId, parse_subject_id
from puhui.core.masking import mask_resident_id
from puhui.core.pseudonym import Pseudonymizer
from puhui.core.signing import hex_digest
from puhui.gov.audit.model import Actor, AuditEvent, EventType, Outcome, Role
from puhui.gov.consent.identity import ApplicantSession, IdentityChallenge, IdentityClaim, IdentityVerifier
from puhui.gov.unit_of_work import UnitOfWork

CODE_DIGITS = 6


@dataclasses.dataclass(frozen=True, slots=True)
class StartedVerification:
    challenge_id: str
    expires_at: dt.datetime
    development_code: str | None  # only a development node hands the code back


@dataclasses.dataclass(frozen=True, slots=True)
class IssuedSession:
    token: str
    masked_subject: str
    expires_at: dt.datetime


def masked(number: str) -> str:
    subject = parse_subject_id(number)
    return mask_resident_id(subject.value) if isinstance(subject, ResidentId) else subject.value


def _code_hash(challenge_id: str, code: str) -> str:
    return hex_digest(f"{challenge_id}:{code}".encode())


def _token_hash(token: str) -> str:
    return hex_digest(token.encode())


def _refuse(uow: UnitOfWork, actor: Actor, event: EventType, obj: str, err: PuhuiError, now: dt.datetime) -> None:
    with uow:
        uow.audit.append(AuditEvent.by(actor, event, obj, at=now, outcome=Outcome.REFUSED, reason=err.code))
        uow.commit()


def start_identity_verification(
    uow: UnitOfWork,
    *,
    id_number: str,
    name: str,
    verifier: IdentityVerifier,
    pseudonymizer: Pseudonymizer,
    code_minutes: int,
    source: str,
    now: dt.datetime,
) -> StartedVerification:
    subject = parse_subject_id(id_number)
    pseudonym = pseudonymizer.of(subject)
    actor = Actor(pseudonym, Role.APPLICANT, source)
    claim = IdentityClaim(subject, name)
    try:
        verifier.check_claim(claim)
    except PuhuiError as err:
        _refuse(uow, actor, EventType.IDENTITY_CHALLENGE, pseudonym, err, now)
        raise
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    challenge_id = f"chl_{secrets.token_hex(12)}"
    challenge = IdentityChallenge(
        id=challenge_id,
        subject_pseudonym=pseudonym,
        masked_subject=masked(subject.value),
        code_hash=_code_hash(challenge_id, code),
        expires_at=now + dt.timedelta(minutes=code_minutes),
    )
    with uow:
        uow.challenges.add(challenge)
        uow.audit.append(AuditEvent.by(actor, EventType.IDENTITY_CHALLENGE, challenge_id, at=now))
        uow.commit()
    return StartedVerification(challenge_id, challenge.expires_at, verifier.send_code(claim, code))


def confirm_identity(
    uow: UnitOfWork,
    *,
    challenge_id: str,
    code: str,
    max_attempts: int,
    session_minutes: int,
    source: str,
    now: dt.datetime,
) -> IssuedSession:
    """Check the one-time code; a right code (once, in time, within the attempts) opens a session."""
    actor = Actor("unknown", Role.APPLICANT, source)
    try:
        with uow:
            try:
                challenge = uow.challenges.get(challenge_id)
            except NotFound:
                raise AuthenticationError("no such identity challenge", code="challenge_unknown") from None
            actor = Actor(challenge.subject_pseudonym, Role.APPLICANT, source)
            if challenge.used:
                raise AuthenticationError("this code was already used", code="challenge_used")
            if now >= challenge.expires_at:
                raise AuthenticationError("the code has expired", code="challenge_expired")
            attempts = uow.challenges.count_attempt(challenge_id)
            uow.commit()  # an attempt counts even when the code is wrong
            if attempts > max_attempts:
                raise AuthenticationError("too many wrong codes: start again", code="challenge_exhausted")
            if not secrets.compare_digest(_code_hash(challenge_id, code), challenge.code_hash):
                raise AuthenticationError("wrong code", code="code_wrong")
            if not uow.challenges.spend(challenge_id):
                raise AuthenticationError("this code was already used", code="challenge_used")
            token = secrets.token_urlsafe(32)
            session = ApplicantSession(
                token_hash=_token_hash(token),
                subject_pseudonym=challenge.subject_pseudonym,
                masked_subject=challenge.masked_subject,
                created_at=now,
                expires_at=now + dt.timedelta(minutes=session_minutes),
            )
            uow.sessions.add(session)
            uow.audit.append(AuditEvent.by(actor, EventType.IDENTITY_VERIFICATION, challenge_id, at=now))
            uow.commit()
    except AuthenticationError as err:
        _refuse(uow, actor, EventType.IDENTITY_VERIFICATION, challenge_id[:128], err, now)
        raise
    return IssuedSession(token, session.masked_subject, session.expires_at)


def authenticate_applicant(uow: UnitOfWork, *, token: str, source: str, now: dt.datetime) -> ApplicantSession:
    with uow:
        session = uow.sessions.find(_token_hash(token))
    if session is None or now >= session.expires_at:
        err = AuthenticationError("no valid session: verify your identity again", code="session_invalid")
        _refuse(uow, Actor("unknown", Role.APPLICANT, source), EventType.IDENTITY_VERIFICATION, "session", err, now)
        raise err
    return session


def end_session(uow: UnitOfWork, *, session: ApplicantSession, source: str, now: dt.datetime) -> None:
    with uow:
        uow.sessions.remove(session.token_hash)
        uow.sessions.forget_before(now)
        actor = Actor(session.subject_pseudonym, Role.APPLICANT, source)
        uow.audit.append(AuditEvent.by(actor, EventType.SESSION_ENDED, "session", at=now))
        uow.commit()


__all__ = [
    "IssuedSession",
    "StartedVerification",
    "authenticate_applicant",
    "confirm_identity",
    "end_session",
    "masked",
    "start_identity_verification",
]
