"""A reported loan default as a black-list record of the Development and Reform Commission's data set (pure).

A bank reports a confirmed default with evidence that the borrower was told beforehand (征信业管理条例 §15);
the record is listed for 5 years (§16); the subject may object, which marks it disputed until the information
centre answers, within 20 days (§25); settlement by the borrower removes it (信用修复). Rows handed to the
indicators use the field names of the catalog's ``ndrc.black_list`` so the engine can read both alike.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import secrets
from collections.abc import Sequence
from typing import Protocol

from puhui.core.errors import ValidationError
from puhui.core.ids import SubjectKind
from puhui.gov.lifecycle import next_state

LISTING_YEARS = 5
ANSWER_DAYS = 20
LIST_TYPE = "金融借款违约"  # the ndrc.black_list code for a default reported back by a lending bank
_SUBJECT_KIND_CODES = {SubjectKind.PERSON: "自然人", SubjectKind.ENTERPRISE: "法人及非法人组织"}


class AmountBand(enum.StrEnum):
    """The defaulted amount, generalized: the black list needs its order of magnitude, not the fen."""

    UNDER_10K = "under_10k"
    FROM_10K = "10k_to_50k"
    FROM_50K = "50k_to_200k"
    FROM_200K = "200k_to_1m"
    FROM_1M = "1m_and_more"


class ListingStatus(enum.StrEnum):
    LISTED = "listed"
    DISPUTED = "disputed"
    REMOVED = "removed"
    EXPIRED = "expired"


class ListingEvent(enum.StrEnum):
    OBJECT = "object"
    UPHOLD = "uphold"  # the objection is answered: the record stands
    CORRECT = "correct"  # the objection is answered: the record was wrong and is removed
    SETTLE = "settle"
    EXPIRE = "expire"


LISTING_TRANSITIONS: dict[tuple[ListingStatus, ListingEvent], ListingStatus] = {
    (ListingStatus.LISTED, ListingEvent.OBJECT): ListingStatus.DISPUTED,
    (ListingStatus.DISPUTED, ListingEvent.UPHOLD): ListingStatus.LISTED,
    (ListingStatus.DISPUTED, ListingEvent.CORRECT): ListingStatus.REMOVED,
    (ListingStatus.LISTED, ListingEvent.SETTLE): ListingStatus.REMOVED,
    (ListingStatus.DISPUTED, ListingEvent.SETTLE): ListingStatus.REMOVED,
    (ListingStatus.LISTED, ListingEvent.EXPIRE): ListingStatus.EXPIRED,
    (ListingStatus.DISPUTED, ListingEvent.EXPIRE): ListingStatus.EXPIRED,
}


class RemovalReason(enum.StrEnum):
    """The catalog's removal-reason codes of ``ndrc.black_list``."""

    EXPIRED = "期满移出"
    SETTLED = "信用修复"
    REVOKED = "撤销认定"


_REMOVAL = {
    ListingEvent.CORRECT: RemovalReason.REVOKED,
    ListingEvent.SETTLE: RemovalReason.SETTLED,
    ListingEvent.EXPIRE: RemovalReason.EXPIRED,
}


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclasses.dataclass(frozen=True, slots=True)
class Listing:
    id: str
    subject_pseudonym: str
    masked_subject: str
    subject_kind: SubjectKind
    institution_id: str
    loan_reference: str
    amount_band: AmountBand
    default_date: dt.date
    notified_on: dt.date
    notice_evidence: str
    listed_on: dt.date
    expires_on: dt.date
    status: ListingStatus
    status_changed_at: dt.datetime
    objection: str | None = None
    objected_on: dt.date | None = None
    answer_due: dt.date | None = None
    answer: str | None = None
    removed_on: dt.date | None = None
    removal_reason: RemovalReason | None = None

    def after(self, event: ListingEvent, at: dt.datetime, today: dt.date) -> Listing:
        status = next_state(LISTING_TRANSITIONS, self.status, event, "listing")
        changed = dataclasses.replace(self, status=status, status_changed_at=at)
        if event in _REMOVAL:
            changed = dataclasses.replace(changed, removed_on=today, removal_reason=_REMOVAL[event])
        return changed

    def objected(self, statement: str, at: dt.datetime, today: dt.date) -> Listing:
        if not statement.strip():
            raise ValidationError("an objection says what is wrong")
        return dataclasses.replace(
            self.after(ListingEvent.OBJECT, at, today),
            objection=statement.strip(),
            objected_on=today,
            answer_due=today + dt.timedelta(days=ANSWER_DAYS),
            answer=None,
        )

    def answered(self, *, upheld: bool, answer: str, at: dt.datetime, today: dt.date) -> Listing:
        if not answer.strip():
            raise ValidationError("an answer to an objection gives its reasons")
        event = ListingEvent.UPHOLD if upheld else ListingEvent.CORRECT
        return dataclasses.replace(self.after(event, at, today), answer=answer.strip())

    def lapsed(self, today: dt.date) -> bool:
        return self.status in (ListingStatus.LISTED, ListingStatus.DISPUTED) and today >= self.expires_on

    def answer_overdue(self, today: dt.date) -> bool:
        return self.status is ListingStatus.DISPUTED and self.answer_due is not None and today > self.answer_due

    def as_entry(self, institution_name: str) -> BlackListEntry:
        return BlackListEntry(
            subject_pseudonym=self.subject_pseudonym,
            subject_kind=_SUBJECT_KIND_CODES[self.subject_kind],
            list_type=LIST_TYPE,
            listed_reason=f"贷款违约，金额区间 {self.amount_band.value}，违约日期 {self.default_date.isoformat()}",
            recognised_by=institution_name,
            decision_no=self.id,
            listed_date=self.listed_on,
            valid_until=self.expires_on,
            removed_date=self.removed_on,
            removal_reason=self.removal_reason.value if self.removal_reason else None,
            disputed=self.status is ListingStatus.DISPUTED,
            amount_band=self.amount_band.value,
        )


def new_listing(
    *,
    subject_pseudonym: str,
    masked_subject: str,
    subject_kind: SubjectKind,
    institution_id: str,
    loan_reference: str,
    amount_band: AmountBand,
    default_date: dt.date,
    notified_on: dt.date,
    notice_evidence: str,
    at: dt.datetime,
    today: dt.date,
) -> Listing:
    """A new black-list record; refused unless the default is real, recent and the borrower was told first."""
    if not loan_reference.strip():
        raise ValidationError("a default names the loan it concerns")
    if default_date > today:
        raise ValidationError("the default date is in the future", code="default_in_future")
    if add_years(default_date, LISTING_YEARS) <= today:
        raise ValidationError("a default older than 5 years is not listed", code="default_too_old")
    if notified_on > today:
        raise ValidationError("the borrower must be told before the default is reported", code="not_notified")
    if len(notice_evidence.strip()) < 4:
        raise ValidationError("give the evidence that the borrower was told (a notice reference)", code="not_notified")
    return Listing(
        id=f"lst_{secrets.token_hex(10)}",
        subject_pseudonym=subject_pseudonym,
        masked_subject=masked_subject,
        subject_kind=subject_kind,
        institution_id=institution_id,
        loan_reference=loan_reference.strip(),
        amount_band=amount_band,
        default_date=default_date,
        notified_on=notified_on,
        notice_evidence=notice_evidence.strip(),
        listed_on=today,
        expires_on=add_years(today, LISTING_YEARS),
        status=ListingStatus.LISTED,
        status_changed_at=at,
    )


@dataclasses.dataclass(frozen=True, slots=True)
class BlackListEntry:
    """One bank-reported record as the indicators read it: ``ndrc.black_list`` fields, a pseudonym for the ID."""

    subject_pseudonym: str
    subject_kind: str
    list_type: str
    listed_reason: str
    recognised_by: str
    decision_no: str
    listed_date: dt.date
    valid_until: dt.date
    removed_date: dt.date | None
    removal_reason: str | None
    disputed: bool
    amount_band: str


class BlackListReader(Protocol):
    """What the indicator engine reads of bank-reported defaults (``docs/api-gov.md``)."""

    def entries(self, subject_pseudonyms: Sequence[str] | None = None) -> list[BlackListEntry]:
        """Every record ever listed (removed ones carry ``removed_date``), optionally for some subjects only."""
        ...


__all__ = [
    "ANSWER_DAYS",
    "LISTING_TRANSITIONS",
    "LISTING_YEARS",
    "LIST_TYPE",
    "AmountBand",
    "BlackListEntry",
    "BlackListReader",
    "Listing",
    "ListingEvent",
    "ListingStatus",
    "RemovalReason",
    "add_years",
    "new_listing",
]
