"""The credit loop: banks report and settle defaults, subjects object, the administrator answers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from puhui.gov.api.deps import AdminActor, Applicant, ApplicantActor, CallingInstitution, InstitutionActor, Node
from puhui.gov.api.schemas import DefaultReportCreate, ListingPublic, ObjectionAnswer, ObjectionCreate
from puhui.gov.credit_loop import services

router = APIRouter(tags=["credit loop"])
ListingId = Annotated[str, Path(pattern=r"^lst_[0-9a-f]{20}$")]


@router.post("/v1/defaults", status_code=201)
def report(
    body: DefaultReportCreate, node: Node, institution: CallingInstitution, actor: InstitutionActor
) -> ListingPublic:
    """A confirmed default, with the evidence that the borrower was told beforehand: listed for 5 years."""
    listing = services.report_default(
        node.uow(),
        institution=institution,
        subject_id=body.subject_id,
        loan_reference=body.loan_reference,
        amount_band=body.amount_band,
        default_date=body.default_date,
        notified_on=body.notified_on,
        notice_evidence=body.notice_evidence,
        pseudonymizer=node.pseudonymizer,
        actor=actor,
        now=node.now(),
    )
    return ListingPublic.of(listing)


@router.post("/v1/defaults/{listing_id}/settlement")
def settle(
    listing_id: ListingId, node: Node, institution: CallingInstitution, actor: InstitutionActor
) -> ListingPublic:
    """The borrower settled: the record leaves the list (credit repair)."""
    listing = services.settle_default(node.uow(), listing_id, institution=institution, actor=actor, now=node.now())
    return ListingPublic.of(listing)


@router.get("/v1/me/listings")
def my_listings(node: Node, session: Applicant) -> list[ListingPublic]:
    return [ListingPublic.of(listing) for listing in services.my_listings(node.uow(), session=session)]


@router.post("/v1/me/listings/{listing_id}/objection")
def object_to(
    listing_id: ListingId, body: ObjectionCreate, node: Node, session: Applicant, actor: ApplicantActor
) -> ListingPublic:
    """Dispute a record: it is marked disputed and answered within 20 days."""
    listing = services.object_to_listing(
        node.uow(), listing_id, session=session, statement=body.statement, actor=actor, now=node.now()
    )
    return ListingPublic.of(listing)


@router.get("/v1/admin/listings/disputed", tags=["credit loop (admin)"])
def disputed(node: Node, _: AdminActor) -> list[ListingPublic]:
    return [ListingPublic.of(listing) for listing in services.disputed_listings(node.uow())]


@router.post("/v1/admin/listings/{listing_id}/answer", tags=["credit loop (admin)"])
def answer(listing_id: ListingId, body: ObjectionAnswer, node: Node, actor: AdminActor) -> ListingPublic:
    listing = services.answer_objection(
        node.uow(), listing_id, upheld=body.upheld, answer=body.answer, actor=actor, now=node.now()
    )
    return ListingPublic.of(listing)


@router.post("/v1/admin/listings/expire", tags=["credit loop (admin)"])
def expire(node: Node, _: AdminActor) -> dict[str, int]:
    return {"expired": services.expire_listings(node.uow(), now=node.now())}
