"""Consents: institutions request and read them; applicants read, grant, reject, pause, resume and revoke them;
the administrator can pause, resume or revoke one and expire the lapsed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from puhui.gov.api.deps import (
    AdminActor,
    Applicant,
    ApplicantActor,
    CallingInstitution,
    Idempotency,
    InstitutionActor,
    Node,
)
from puhui.gov.api.schemas import (
    ConsentGrant,
    ConsentPublic,
    ConsentRequestCreate,
    ConsentWithLetter,
    StatusChange,
)
from puhui.gov.consent import services
from puhui.gov.consent.model import ConsentTerms, Frequency

router = APIRouter(tags=["consents"])
ConsentId = Annotated[str, Path(pattern=r"^con_[0-9a-f]{24}$")]


@router.post("/v1/consent-requests", status_code=201)
def request(
    body: ConsentRequestCreate,
    node: Node,
    institution: CallingInstitution,
    actor: InstitutionActor,
    idempotency: Idempotency,
) -> ConsentWithLetter:
    """An institution asks for a consent; the answer carries the letter the applicant will read. Retried with
    the same ``Idempotency-Key``: the consent opened the first time."""
    terms = ConsentTerms(
        purpose=body.purpose,
        groups=tuple(body.groups),
        lookback_months=body.lookback_months,
        fetch_type=body.fetch_type,
        frequency=Frequency(body.frequency.count, body.frequency.unit),
        data_life_days=body.data_life_days,
        validity_days=body.validity_days,
        loan_maturity=body.loan_maturity,
    )
    consent = services.request_consent(
        node.uow(),
        institution=institution,
        subject_id=body.subject_id,
        terms=terms,
        language=body.language,
        purposes=node.purposes,
        groups=node.reader.groups(),
        pseudonymizer=node.pseudonymizer,
        request_days=node.settings.gov_consent_request_days,
        actor=actor,
        now=node.now(),
        idempotency=idempotency,
    )
    return ConsentWithLetter.with_letter(consent)


@router.get("/v1/consents/{consent_id}")
def institution_view(consent_id: ConsentId, node: Node, institution: CallingInstitution) -> ConsentPublic:
    """The institution's own consent: status, uses, and once granted the signed artefact."""
    return ConsentPublic.of(services.institution_consent(node.uow(), consent_id, institution=institution))


@router.get("/v1/me/consents")
def my_consents(node: Node, session: Applicant) -> list[ConsentPublic]:
    """The applicant's consents and pending requests."""
    return [ConsentPublic.of(c) for c in services.my_consents(node.uow(), session=session, now=node.now())]


@router.get("/v1/me/consents/{consent_id}")
def my_consent(consent_id: ConsentId, node: Node, session: Applicant) -> ConsentWithLetter:
    return ConsentWithLetter.with_letter(services.my_consent(node.uow(), consent_id, session=session))


@router.post("/v1/me/consents/{consent_id}/grant")
def grant(
    consent_id: ConsentId, body: ConsentGrant, node: Node, session: Applicant, actor: ApplicantActor
) -> ConsentPublic:
    """Sign the letter (by its hash) accepting each of its clauses: the node issues the signed consent."""
    granted = services.grant_consent(
        node.uow(),
        session=session,
        consent_id=consent_id,
        letter_hash=body.letter_hash,
        accepted_clauses=body.accepted_clauses,
        purposes=node.purposes,
        signing_key=node.signing_key,
        actor=actor,
        now=node.now(),
    )
    return ConsentPublic.of(granted)


@router.post("/v1/me/consents/{consent_id}/reject")
def reject(consent_id: ConsentId, node: Node, session: Applicant, actor: ApplicantActor) -> ConsentPublic:
    consent = services.reject_consent(node.uow(), consent_id, session=session, actor=actor, now=node.now())
    return ConsentPublic.of(consent)


@router.post("/v1/me/consents/{consent_id}/revoke")
def revoke(consent_id: ConsentId, node: Node, session: Applicant, actor: ApplicantActor) -> ConsentPublic:
    """Withdraw the consent: no further query is served under it."""
    consent = services.revoke_consent(node.uow(), consent_id, session=session, actor=actor, now=node.now())
    return ConsentPublic.of(consent)


@router.post("/v1/me/consents/{consent_id}/pause")
def pause(consent_id: ConsentId, node: Node, session: Applicant, actor: ApplicantActor) -> ConsentPublic:
    consent = services.pause_consent(node.uow(), consent_id, session=session, actor=actor, now=node.now())
    return ConsentPublic.of(consent)


@router.post("/v1/me/consents/{consent_id}/resume")
def resume(consent_id: ConsentId, node: Node, session: Applicant, actor: ApplicantActor) -> ConsentPublic:
    consent = services.resume_consent(node.uow(), consent_id, session=session, actor=actor, now=node.now())
    return ConsentPublic.of(consent)


@router.post("/v1/admin/consents/{consent_id}/pause", tags=["consents (admin)"])
def admin_pause(consent_id: ConsentId, body: StatusChange, node: Node, actor: AdminActor) -> ConsentPublic:
    consent = services.pause_consent(
        node.uow(), consent_id, session=None, actor=actor, now=node.now(), reason=body.reason
    )
    return ConsentPublic.of(consent)


@router.post("/v1/admin/consents/{consent_id}/resume", tags=["consents (admin)"])
def admin_resume(consent_id: ConsentId, body: StatusChange, node: Node, actor: AdminActor) -> ConsentPublic:
    consent = services.resume_consent(
        node.uow(), consent_id, session=None, actor=actor, now=node.now(), reason=body.reason
    )
    return ConsentPublic.of(consent)


@router.post("/v1/admin/consents/{consent_id}/revoke", tags=["consents (admin)"])
def admin_revoke(consent_id: ConsentId, body: StatusChange, node: Node, actor: AdminActor) -> ConsentPublic:
    consent = services.revoke_consent(
        node.uow(), consent_id, session=None, actor=actor, now=node.now(), reason=body.reason
    )
    return ConsentPublic.of(consent)


@router.post("/v1/admin/consents/expire", tags=["consents (admin)"])
def admin_expire(node: Node, _: AdminActor) -> dict[str, int]:
    """Mark every consent past its time expired (queries check the time anyway)."""
    return {"expired": services.expire_consents(node.uow(), now=node.now())}
