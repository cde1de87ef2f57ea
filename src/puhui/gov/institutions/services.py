"""Use cases for institutions: admit, suspend, reinstate, revoke, rotate credentials, authenticate a request."""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
from collections.abc import Collection, Mapping

from puhui.core.errors import AuthenticationError, Conflict, NotFound, PermissionDenied, ValidationError
from puhui.core.signing import (
    HEADER_KEY_ID,
    generate_private_key,
    load_public_key,
    private_key_pem,
    public_key_text,
    read_signed_headers,
    verify_request,
)
from puhui.gov.audit.model import Actor, AuditEvent, EventType, Outcome, Role
from puhui.gov.consent.purposes import PurposeTable
from puhui.gov.institutions.model import (
    Institution,
    InstitutionEvent,
    InstitutionStatus,
    InstitutionType,
    new_institution,
)
from puhui.gov.unit_of_work import UnitOfWork


@dataclasses.dataclass(frozen=True, slots=True)
class Credentials:
    """An institution and its private key: shown once, never stored by the node."""

    institution: Institution
    private_key_pem: str


def admit_institution(
    uow: UnitOfWork,
    *,
    name: str,
    credit_code: str,
    type: InstitutionType,
    purposes: Collection[str],
    groups: Collection[str],
    purpose_table: PurposeTable,
    known_groups: Collection[str],
    actor: Actor,
    now: dt.datetime,
) -> Credentials:
    for code in purposes:
        purpose = purpose_table.get(code)
        if type not in purpose.institution_types:
            raise ValidationError(f"a {type.value} may not be admitted for {code}", code="purpose_not_allowed")
    unknown = sorted(set(groups) - set(known_groups))
    if unknown:
        raise ValidationError(f"unknown indicator groups: {', '.join(unknown)}", code="unknown_group")
    key = generate_private_key()
    institution = new_institution(
        name=name,
        credit_code=credit_code,
        type=type,
        purposes=tuple(purposes),
        groups=tuple(groups),
        public_key=public_key_text(key),
        at=now,
    )
    with uow:
        if uow.institutions.find_by_credit_code(institution.credit_code) is not None:
            raise Conflict(f"an institution with credit code {institution.credit_code} exists", code="duplicate")
        uow.institutions.add(institution)
        uow.audit.append(
            AuditEvent.by(
                actor,
                EventType.INSTITUTION_ADMITTED,
                institution.id,
                at=now,
                detail={"type": type.value, "purposes": list(institution.purposes), "groups": list(institution.groups)},
            )
        )
        uow.commit()
    return Credentials(institution, private_key_pem(key))


_STATUS_EVENTS = {
    InstitutionEvent.SUSPEND: EventType.INSTITUTION_SUSPENDED,
    InstitutionEvent.REINSTATE: EventType.INSTITUTION_REINSTATED,
    InstitutionEvent.REVOKE: EventType.INSTITUTION_REVOKED,
}


def _change_status(
    uow: UnitOfWork, institution_id: str, event: InstitutionEvent, *, reason: str, actor: Actor, now: dt.datetime
) -> Institution:
    with uow:
        changed = uow.institutions.get(institution_id).after(event, now)
        uow.institutions.update(changed)
        uow.audit.append(AuditEvent.by(actor, _STATUS_EVENTS[event], institution_id, at=now, reason=reason))
        uow.commit()
    return changed


def suspend_institution(
    uow: UnitOfWork, institution_id: str, *, reason: str, actor: Actor, now: dt.datetime
) -> Institution:
    return _change_status(uow, institution_id, InstitutionEvent.SUSPEND, reason=reason, actor=actor, now=now)


def reinstate_institution(
    uow: UnitOfWork, institution_id: str, *, reason: str, actor: Actor, now: dt.datetime
) -> Institution:
    return _change_status(uow, institution_id, InstitutionEvent.REINSTATE, reason=reason, actor=actor, now=now)


def revoke_institution(
    uow: UnitOfWork, institution_id: str, *, reason: str, actor: Actor, now: dt.datetime
) -> Institution:
    return _change_status(uow, institution_id, InstitutionEvent.REVOKE, reason=reason, actor=actor, now=now)


def rotate_credentials(uow: UnitOfWork, institution_id: str, *, actor: Actor, now: dt.datetime) -> Credentials:
    """A new key pair; the old public key stops working at once."""
    key = generate_private_key()
    with uow:
        institution = uow.institutions.get(institution_id)
        if institution.status is InstitutionStatus.REVOKED:
            raise Conflict("a revoked institution gets no new credentials", code="institution_revoked")
        changed = institution.with_key(public_key_text(key))
        uow.institutions.update(changed)
        uow.audit.append(AuditEvent.by(actor, EventType.INSTITUTION_KEY_ROTATED, institution_id, at=now))
        uow.commit()
    return Credentials(changed, private_key_pem(key))


def list_institutions(uow: UnitOfWork) -> list[Institution]:
    with uow:
        return uow.institutions.list()


def get_institution(uow: UnitOfWork, institution_id: str) -> Institution:
    with uow:
        return uow.institutions.get(institution_id)


# Nonces older than twice the window can no longer be replayed (their timestamp is refused first).
_NONCE_PURGE_ONE_IN = 200


def authenticate_institution(
    uow: UnitOfWork,
    *,
    headers: Mapping[str, str],
    method: str,
    path: str,
    body: bytes,
    source: str,
    window_seconds: int,
    now: dt.datetime,
) -> Institution:
    """The institution that signed this request, if the signature, the clock, the nonce and its status allow;
    every refusal is audited (401 for who-is-asking failures, 403 for a suspended or revoked institution)."""
    claimed = headers.get(HEADER_KEY_ID) or "unknown"
    try:
        signed = read_signed_headers(headers)
        with uow:
            institution = uow.institutions.find(signed.key_id)
            if institution is None:
                raise AuthenticationError("unknown key id", code="unknown_key")
            verify_request(
                load_public_key(institution.public_key),
                signed,
                method,
                path,
                body,
                now=int(now.timestamp()),
                window_seconds=window_seconds,
            )
            if not uow.nonces.remember(signed.key_id, signed.nonce, now):
                raise AuthenticationError("this nonce was used before: a replayed request", code="nonce_replayed")
            institution.ensure_active()
            if secrets.randbelow(_NONCE_PURGE_ONE_IN) == 0:
                uow.nonces.forget_before(now - dt.timedelta(seconds=2 * window_seconds))
            uow.commit()
            return institution
    except (AuthenticationError, PermissionDenied, NotFound, ValidationError) as err:
        refused = Actor(claimed[:64], Role.INSTITUTION, source)
        with uow:
            uow.audit.append(
                AuditEvent.by(
                    refused,
                    EventType.REQUEST_AUTHENTICATION,
                    f"{method} {path}"[:128],
                    at=now,
                    outcome=Outcome.REFUSED,
                    reason=err.code,
                )
            )
            uow.commit()
        if isinstance(err, AuthenticationError | PermissionDenied):
            raise
        raise AuthenticationError(err.message, code="signature_malformed") from None


__all__ = [
    "Credentials",
    "admit_institution",
    "authenticate_institution",
    "get_institution",
    "list_institutions",
    "reinstate_institution",
    "revoke_institution",
    "rotate_credentials",
    "suspend_institution",
]
