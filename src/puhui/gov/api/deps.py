"""The API's dependencies, each named once as an ``Annotated`` alias: the node, the caller's address, and the
three kinds of caller — an institution (signed request), the administrator (bearer token), an applicant
(session token). Those that only read the request are ``async``: FastAPI runs a plain ``def`` dependency on its
thread pool, and a hop there per dependency costs more CPU than the dependency itself."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from puhui.core.errors import AuthenticationError
from puhui.core.signing import HEADER_DIGEST, HEADER_SIGNATURE
from puhui.gov.audit.model import Actor, AuditEvent, EventType, Outcome, Role
from puhui.gov.bootstrap import GovNode
from puhui.gov.consent.identity import ApplicantSession
from puhui.gov.consent.sessions import authenticate_applicant
from puhui.gov.idempotency import IdempotencyKey
from puhui.gov.institutions.model import Institution
from puhui.gov.institutions.services import authenticate_institution


async def get_node(request: Request) -> GovNode:
    node: GovNode = request.app.state.node
    return node


Node = Annotated[GovNode, Depends(get_node)]


async def source_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


Source = Annotated[str, Depends(source_address)]

# Declared for the OpenAPI document; the check itself reads every signature header (docs/api-gov.md).
_signature_scheme = APIKeyHeader(name=HEADER_SIGNATURE, scheme_name="InstitutionSignature", auto_error=False)
_admin_scheme = HTTPBearer(scheme_name="AdminToken", auto_error=False)
_applicant_scheme = HTTPBearer(scheme_name="ApplicantSession", auto_error=False)


async def signed_institution(
    request: Request, node: Node, source: Source, _: Annotated[str | None, Depends(_signature_scheme)]
) -> Institution:
    body = await request.body()
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    # On the event loop, not the thread pool: one short SQLite transaction (the nonce) costs less CPU than the
    # hop, and a worker's writers queue for SQLite's single write lock either way.
    return authenticate_institution(
        node.uow(),
        headers=request.headers,
        method=request.method,
        path=path,
        body=body,
        source=source,
        window_seconds=node.settings.gov_request_window_seconds,
        now=node.now(),
    )


CallingInstitution = Annotated[Institution, Depends(signed_institution)]


async def institution_actor(institution: CallingInstitution, source: Source) -> Actor:
    return Actor(institution.id, Role.INSTITUTION, source)


InstitutionActor = Annotated[Actor, Depends(institution_actor)]


async def idempotency_key(
    request: Request,
    _institution: CallingInstitution,
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="the same key on every retry of one request: the first answer comes back, the work is "
            "done once (kept a day)",
        ),
    ] = None,
) -> IdempotencyKey | None:
    """The request's idempotency key, fingerprinted by method, path and the signed body digest (checked by the
    signature before this runs)."""
    if key is None:
        return None
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return IdempotencyKey.of(key, request.method, path, request.headers.get(HEADER_DIGEST, ""))


Idempotency = Annotated[IdempotencyKey | None, Depends(idempotency_key)]


def administrator(
    node: Node, source: Source, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_admin_scheme)]
) -> Actor:
    """The information-centre administrator; a wrong token is audited."""
    token = credentials.credentials if credentials else ""
    if secrets.compare_digest(token.encode(), node.settings.admin_token().encode()):
        return Actor("admin", Role.ADMIN, source)
    with node.uow() as uow:
        uow.audit.append(
            AuditEvent.by(
                Actor("unknown", Role.ADMIN, source),
                EventType.ADMIN_AUTHENTICATION,
                "admin api",
                at=node.now(),
                outcome=Outcome.REFUSED,
                reason="admin_token_invalid",
            )
        )
        uow.commit()
    raise AuthenticationError("the administrator token is missing or wrong", code="admin_token_invalid")


AdminActor = Annotated[Actor, Depends(administrator)]


def applicant_session(
    node: Node, source: Source, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_applicant_scheme)]
) -> ApplicantSession:
    token = credentials.credentials if credentials else ""
    return authenticate_applicant(node.uow(), token=token, source=source, now=node.now())


Applicant = Annotated[ApplicantSession, Depends(applicant_session)]


async def applicant_actor(session: Applicant, source: Source) -> Actor:
    return Actor(session.subject_pseudonym, Role.APPLICANT, source)


ApplicantActor = Annotated[Actor, Depends(applicant_actor)]

__all__ = [
    "AdminActor",
    "Applicant",
    "ApplicantActor",
    "CallingInstitution",
    "Idempotency",
    "InstitutionActor",
    "Node",
    "Source",
]
