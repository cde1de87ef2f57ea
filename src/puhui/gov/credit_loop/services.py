"""Use cases of the credit loop: report a default, object to it, answer the objection, settle, expire."""

from __future__ import annotations

import datetime as dt

from puhui.core.clock import CHINA_TIME
from puhui.core.errors import Conflict, NotFound, PermissionDenied
from puhui.core.ids import parse_subject_id
from puhui.core.pseudonym import Pseudonymizer
from puhui.gov.audit.model import SYSTEM_ACTOR, Actor, AuditEvent, EventType
from puhui.gov.consent.identity import ApplicantSession
from puhui.gov.consent.sessions import masked
from puhui.gov.credit_loop.model import AmountBand, Listing, ListingEvent, new_listing
from puhui.gov.institutions.model import Institution
from puhui.gov.unit_of_work import UnitOfWork


def _today(now: dt.datetime) -> dt.date:
    return now.astimezone(CHINA_TIME).date()


def _save(uow: UnitOfWork, changed: Listing, before: Listing) -> None:
    if not uow.listings.save(changed, before.status):
        raise Conflict("the record changed meanwhile: reload it", code="listing_changed")


def report_default(
    uow: UnitOfWork,
    *,
    institution: Institution,
    subject_id: str,
    loan_reference: str,
    amount_band: AmountBand,
    default_date: dt.date,
    notified_on: dt.date,
    notice_evidence: str,
    pseudonymizer: Pseudonymizer,
    actor: Actor,
    now: dt.datetime,
) -> Listing:
    """A confirmed default becomes a black-list record, if the bank lent to this subject under a consent."""
    institution.ensure_active()
    subject = parse_subject_id(subject_id)
    pseudonym = pseudonymizer.of(subject)
    listing = new_listing(
        subject_pseudonym=pseudonym,
        masked_subject=masked(subject.value),
        subject_kind=subject.kind,
        institution_id=institution.id,
        loan_reference=loan_reference,
        amount_band=amount_band,
        default_date=default_date,
        notified_on=notified_on,
        notice_evidence=notice_evidence,
        at=now,
        today=_today(now),
    )
    with uow:
        if not uow.consents.ever_given(institution.id, pseudonym):
            raise PermissionDenied(
                "the institution holds no consent from this subject, so it cannot have lent to them",
                code="no_relationship",
            )
        if uow.listings.find_by_loan(institution.id, listing.loan_reference) is not None:
            raise Conflict("this loan's default was already reported", code="default_already_reported")
        uow.listings.add(listing)
        uow.audit.append(
            AuditEvent.by(
                actor,
                EventType.DEFAULT_REPORTED,
                pseudonym,
                at=now,
                detail={"listing": listing.id, "amount_band": amount_band.value},
            )
        )
        uow.commit()
    return listing


def object_to_listing(
    uow: UnitOfWork, listing_id: str, *, session: ApplicantSession, statement: str, actor: Actor, now: dt.datetime
) -> Listing:
    """The subject disputes a record: it is marked disputed and must be answered within 20 days."""
    with uow:
        listing = uow.listings.get(listing_id)
        if listing.subject_pseudonym != session.subject_pseudonym:
            raise NotFound(f"no black-list record {listing_id}", code="listing_not_found")
        changed = listing.objected(statement, now, _today(now))
        _save(uow, changed, listing)
        uow.audit.append(
            AuditEvent.by(
                actor,
                EventType.LISTING_DISPUTED,
                listing.subject_pseudonym,
                at=now,
                detail={"listing": listing.id, "answer_due": str(changed.answer_due)},
            )
        )
        uow.commit()
    return changed


def answer_objection(
    uow: UnitOfWork, listing_id: str, *, upheld: bool, answer: str, actor: Actor, now: dt.datetime
) -> Listing:
    """The information centre answers: the record stands (upheld) or was wrong and is removed."""
    with uow:
        listing = uow.listings.get(listing_id)
        changed = listing.answered(upheld=upheld, answer=answer, at=now, today=_today(now))
        _save(uow, changed, listing)
        uow.audit.append(
            AuditEvent.by(
                actor,
                EventType.LISTING_ANSWERED,
                listing.subject_pseudonym,
                at=now,
                reason="upheld" if upheld else "corrected",
                detail={"listing": listing.id},
            )
        )
        uow.commit()
    return changed


def settle_default(
    uow: UnitOfWork, listing_id: str, *, institution: Institution, actor: Actor, now: dt.datetime
) -> Listing:
    """The reporting bank confirms the borrower settled: the record is removed (credit repair)."""
    with uow:
        listing = uow.listings.get(listing_id)
        if listing.institution_id != institution.id:
            raise NotFound(f"no black-list record {listing_id}", code="listing_not_found")
        changed = listing.after(ListingEvent.SETTLE, now, _today(now))
        _save(uow, changed, listing)
        uow.audit.append(
            AuditEvent.by(
                actor, EventType.LISTING_SETTLED, listing.subject_pseudonym, at=now, detail={"listing": listing.id}
            )
        )
        uow.commit()
    return changed


def expire_listings(uow: UnitOfWork, *, now: dt.datetime) -> int:
    """Records listed 5 years ago leave the list."""
    today = _today(now)
    with uow:
        lapsed = uow.listings.lapsed(today)
        for listing in lapsed:
            _save(uow, listing.after(ListingEvent.EXPIRE, now, today), listing)
            uow.audit.append(
                AuditEvent.by(
                    SYSTEM_ACTOR,
                    EventType.LISTING_EXPIRED,
                    listing.subject_pseudonym,
                    at=now,
                    detail={"listing": listing.id},
                )
            )
        uow.commit()
    return len(lapsed)


def my_listings(uow: UnitOfWork, *, session: ApplicantSession) -> list[Listing]:
    with uow:
        return uow.listings.for_subject(session.subject_pseudonym)


def disputed_listings(uow: UnitOfWork) -> list[Listing]:
    with uow:
        return uow.listings.disputed()


__all__ = [
    "answer_objection",
    "disputed_listings",
    "expire_listings",
    "my_listings",
    "object_to_listing",
    "report_default",
    "settle_default",
]
