"""Every row of every lifecycle table of the government node, and every pair not in a table refused."""

import dataclasses
import datetime as dt
import itertools

import pytest

from puhui.core.errors import Conflict
from puhui.core.ids import SubjectKind
from puhui.gov.consent.model import (
    CONSENT_TRANSITIONS,
    Consent,
    ConsentEvent,
    ConsentStatus,
    ConsentTerms,
    FetchType,
    Frequency,
    FrequencyUnit,
    Letter,
)
from puhui.gov.credit_loop.model import (
    LISTING_TRANSITIONS,
    AmountBand,
    ListingEvent,
    ListingStatus,
    RemovalReason,
    new_listing,
)
from puhui.gov.institutions.model import (
    INSTITUTION_TRANSITIONS,
    InstitutionEvent,
    InstitutionStatus,
    InstitutionType,
    new_institution,
)

NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(hours=1)
TERMS = ConsentTerms("loan_application", ("tax",), 24, FetchType.ONE_TIME, Frequency(1, FrequencyUnit.CONSENT), 30, 30)


def _consent(status: ConsentStatus) -> Consent:
    return Consent(
        id="con_" + "0" * 24,
        status=status,
        institution_id="ins_1",
        subject_pseudonym="P1-x",
        masked_subject="360***********0011",
        terms=TERMS,
        letter=Letter("1", "zh-CN", "text", "h", ("main",)),
        requested_at=NOW,
        request_expires_at=NOW + dt.timedelta(days=7),
        status_changed_at=NOW,
        starts_at=NOW,
        expires_at=NOW + dt.timedelta(days=30),
    )


@pytest.mark.parametrize(("state", "event", "target"), [(s, e, t) for (s, e), t in CONSENT_TRANSITIONS.items()])
def test_consent_transition(state, event, target):
    moved = _consent(state).after(event, LATER)
    assert (moved.status, moved.status_changed_at) == (target, LATER)


@pytest.mark.parametrize(
    ("state", "event"),
    [p for p in itertools.product(ConsentStatus, ConsentEvent) if p not in CONSENT_TRANSITIONS],
)
def test_consent_refuses_what_its_table_lacks(state, event):
    with pytest.raises(Conflict) as refused:
        _consent(state).after(event, LATER)
    assert refused.value.code == f"consent_cannot_{event.value}"


def test_the_consent_table_is_the_one_the_issue_describes():
    assert set(CONSENT_TRANSITIONS.values()) == set(ConsentStatus) - {ConsentStatus.PENDING}
    terminal = {ConsentStatus.REVOKED, ConsentStatus.EXPIRED, ConsentStatus.REJECTED}
    assert not any(state in terminal for state, _ in CONSENT_TRANSITIONS)
    assert {t for (s, _), t in CONSENT_TRANSITIONS.items() if s is ConsentStatus.PENDING} == {
        ConsentStatus.ACTIVE,
        ConsentStatus.REJECTED,
        ConsentStatus.EXPIRED,
    }


def _institution(status: InstitutionStatus):
    admitted = new_institution(
        name="新余农商银行",
        credit_code="91360500158300152A",
        type=InstitutionType.BANK,
        purposes=("loan_application",),
        groups=("tax",),
        public_key="k",
        at=NOW,
    )
    return dataclasses.replace(admitted, status=status)


@pytest.mark.parametrize(("state", "event", "target"), [(s, e, t) for (s, e), t in INSTITUTION_TRANSITIONS.items()])
def test_institution_transition(state, event, target):
    assert _institution(state).after(event, LATER).status is target


@pytest.mark.parametrize(
    ("state", "event"),
    [p for p in itertools.product(InstitutionStatus, InstitutionEvent) if p not in INSTITUTION_TRANSITIONS],
)
def test_institution_refuses_what_its_table_lacks(state, event):
    with pytest.raises(Conflict):
        _institution(state).after(event, LATER)


def _listing(status: ListingStatus):
    listing = new_listing(
        subject_pseudonym="P1-x",
        masked_subject="360***********0011",
        subject_kind=SubjectKind.PERSON,
        institution_id="ins_1",
        loan_reference="L-1",
        amount_band=AmountBand.FROM_10K,
        default_date=dt.date(2026, 1, 5),
        notified_on=dt.date(2026, 2, 1),
        notice_evidence="催收通知书 2026-017",
        at=NOW,
        today=dt.date(2026, 3, 2),
    )
    return dataclasses.replace(listing, status=status)


@pytest.mark.parametrize(("state", "event", "target"), [(s, e, t) for (s, e), t in LISTING_TRANSITIONS.items()])
def test_listing_transition(state, event, target):
    moved = _listing(state).after(event, LATER, dt.date(2026, 3, 3))
    assert moved.status is target
    removal = {
        ListingEvent.SETTLE: RemovalReason.SETTLED,
        ListingEvent.CORRECT: RemovalReason.REVOKED,
        ListingEvent.EXPIRE: RemovalReason.EXPIRED,
    }.get(event)
    assert moved.removal_reason is removal and (moved.removed_on is not None) == (removal is not None)


@pytest.mark.parametrize(
    ("state", "event"),
    [p for p in itertools.product(ListingStatus, ListingEvent) if p not in LISTING_TRANSITIONS],
)
def test_listing_refuses_what_its_table_lacks(state, event):
    with pytest.raises(Conflict):
        _listing(state).after(event, LATER, dt.date(2026, 3, 3))
