"""The applicant's identity: a one-time code for an ID number and a name, then a session."""

from __future__ import annotations

from fastapi import APIRouter

from puhui.gov.api.deps import Applicant, Node, Source
from puhui.gov.api.schemas import ChallengeCreate, ChallengePublic, SessionCreate, SessionPublic
from puhui.gov.consent import sessions

router = APIRouter(prefix="/v1/identity", tags=["identity"])


@router.post("/challenges", status_code=201)
def start(body: ChallengeCreate, node: Node, source: Source) -> ChallengePublic:
    """Check the ID number and name, and send a one-time code (a development node returns it here)."""
    settings = node.settings
    started = sessions.start_identity_verification(
        node.uow(),
        id_number=body.id_number,
        name=body.name,
        verifier=node.verifier,
        pseudonymizer=node.pseudonymizer,
        code_minutes=settings.gov_code_minutes,
        source=source,
        now=node.now(),
    )
    return ChallengePublic(
        challenge_id=started.challenge_id, expires_at=started.expires_at, development_code=started.development_code
    )


@router.post("/sessions", status_code=201)
def confirm(body: SessionCreate, node: Node, source: Source) -> SessionPublic:
    """The right code opens a session for the applicant's own consents and data accesses."""
    settings = node.settings
    issued = sessions.confirm_identity(
        node.uow(),
        challenge_id=body.challenge_id,
        code=body.code,
        max_attempts=settings.gov_code_attempts,
        session_minutes=settings.gov_session_minutes,
        source=source,
        now=node.now(),
    )
    return SessionPublic(token=issued.token, masked_subject=issued.masked_subject, expires_at=issued.expires_at)


@router.delete("/sessions/current", status_code=204)
def end(session: Applicant, node: Node, source: Source) -> None:
    sessions.end_session(node.uow(), session=session, source=source, now=node.now())
