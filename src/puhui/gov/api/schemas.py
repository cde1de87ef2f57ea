"""Request and response bodies of the API, in families per resource (``…Create`` in, ``…Public`` out).

Every text that reaches the database is checked here to be storable (no NUL, no lone surrogate) and bounded,
so that no input can turn into a server error.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from puhui.gov.audit.services import AuditVerification
from puhui.gov.consent.model import Consent, FetchType, FrequencyUnit
from puhui.gov.consent.services import AccessView
from puhui.gov.credit_loop.model import AmountBand, Listing
from puhui.gov.institutions.model import Institution, InstitutionStatus, InstitutionType
from puhui.gov.metering.prices import Statement
from puhui.gov.queries.services import BulkOutcome, Release


def _storable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("text may not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode") from None
    return value


ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), AfterValidator(_storable)
]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), AfterValidator(_storable)]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
SubjectNumber = Annotated[str, StringConstraints(min_length=1, max_length=40), AfterValidator(_storable)]
ConsentId = Annotated[str, StringConstraints(pattern=r"^con_[0-9a-f]{24}$")]
GroupList = Annotated[list[Code], Field(min_length=1, max_length=50)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorPublic(BaseModel):
    code: str
    message: str


class NodeKeyPublic(BaseModel):
    algorithm: Literal["Ed25519"] = "Ed25519"
    public_key: str = Field(description="base64 of the 32 raw bytes; verifies consent artefact signatures")


class GroupPublic(BaseModel):
    name: str
    label_zh: str
    label_en: str
    sensitive: bool
    income_or_property: bool
    definition_version: str


# Institutions ---------------------------------------------------------------------------------------------------


class InstitutionCreate(_In):
    name: ShortText
    credit_code: Annotated[str, StringConstraints(min_length=1, max_length=40), AfterValidator(_storable)]
    type: InstitutionType
    purposes: Annotated[list[Code], Field(min_length=1, max_length=20)]
    groups: GroupList


class StatusChange(_In):
    reason: LongText = ""


class InstitutionPublic(BaseModel):
    id: str
    name: str
    credit_code: str
    type: InstitutionType
    status: InstitutionStatus
    purposes: list[str]
    groups: list[str]
    public_key: str
    admitted_at: dt.datetime
    status_changed_at: dt.datetime

    @classmethod
    def of(cls, institution: Institution) -> InstitutionPublic:
        return cls(
            id=institution.id,
            name=institution.name,
            credit_code=institution.credit_code,
            type=institution.type,
            status=institution.status,
            purposes=list(institution.purposes),
            groups=list(institution.groups),
            public_key=institution.public_key,
            admitted_at=institution.admitted_at,
            status_changed_at=institution.status_changed_at,
        )


class CredentialsPublic(BaseModel):
    institution: InstitutionPublic
    key_id: str = Field(description="the value of the X-Puhui-Key-Id header")
    private_key_pem: str = Field(description="shown once: the node keeps only the public key")


# Identity -------------------------------------------------------------------------------------------------------


class ChallengeCreate(_In):
    id_number: SubjectNumber
    name: ShortText


class ChallengePublic(BaseModel):
    challenge_id: str
    expires_at: dt.datetime
    development_code: str | None = Field(default=None, description="only on a development node (no SMS here)")


class SessionCreate(_In):
    challenge_id: Annotated[str, StringConstraints(pattern=r"^chl_[0-9a-f]{24}$")]
    code: Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]


class SessionPublic(BaseModel):
    token: str = Field(description="send as 'Authorization: Bearer <token>'")
    masked_subject: str
    expires_at: dt.datetime


# Consents -------------------------------------------------------------------------------------------------------


class FrequencyModel(_In):
    count: int = Field(ge=1, le=1000)
    unit: FrequencyUnit


class ConsentRequestCreate(_In):
    subject_id: SubjectNumber
    purpose: Code
    groups: GroupList
    lookback_months: int = Field(ge=1, le=120)
    fetch_type: FetchType
    frequency: FrequencyModel
    data_life_days: int = Field(ge=1, le=3650)
    validity_days: int = Field(ge=1, le=3650)
    loan_maturity: dt.date | None = None
    language: Literal["zh-CN", "en"] = "zh-CN"


class ConsentPublic(BaseModel):
    id: str
    status: str
    institution_id: str
    masked_subject: str
    purpose: str
    groups: list[str]
    lookback_months: int
    fetch_type: FetchType
    frequency: dict[str, Any]
    data_life_days: int
    validity_days: int
    loan_maturity: dt.date | None
    requested_at: dt.datetime
    request_expires_at: dt.datetime
    starts_at: dt.datetime | None
    expires_at: dt.datetime | None
    uses: int
    letter_version: str
    letter_language: str
    letter_hash: str
    required_clauses: list[str]
    accepted_clauses: list[str]
    artefact: dict[str, Any] | None = Field(description="the signed, immutable consent artefact (once granted)")
    signature: str | None = Field(description="the node's Ed25519 signature of the artefact's canonical JSON")

    @classmethod
    def of(cls, consent: Consent) -> ConsentPublic:
        terms = consent.terms
        return cls(
            id=consent.id,
            status=consent.status.value,
            institution_id=consent.institution_id,
            masked_subject=consent.masked_subject,
            purpose=terms.purpose,
            groups=list(terms.groups),
            lookback_months=terms.lookback_months,
            fetch_type=terms.fetch_type,
            frequency={"count": terms.frequency.count, "unit": terms.frequency.unit.value},
            data_life_days=terms.data_life_days,
            validity_days=terms.validity_days,
            loan_maturity=terms.loan_maturity,
            requested_at=consent.requested_at,
            request_expires_at=consent.request_expires_at,
            starts_at=consent.starts_at,
            expires_at=consent.expires_at,
            uses=consent.uses,
            letter_version=consent.letter.version,
            letter_language=consent.letter.language,
            letter_hash=consent.letter.hash,
            required_clauses=list(consent.letter.clauses),
            accepted_clauses=list(consent.accepted_clauses),
            artefact=dict(consent.artefact) if consent.artefact is not None else None,
            signature=consent.signature,
        )


class ConsentWithLetter(ConsentPublic):
    letter_text: str

    @classmethod
    def with_letter(cls, consent: Consent) -> ConsentWithLetter:
        return cls(**ConsentPublic.of(consent).model_dump(), letter_text=consent.letter.text)


class ConsentGrant(_In):
    letter_hash: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    accepted_clauses: Annotated[list[Code], Field(min_length=1, max_length=10)]


# Indicator queries ----------------------------------------------------------------------------------------------


class IndicatorQueryCreate(_In):
    consent_id: ConsentId
    subject_id: SubjectNumber
    purpose: Code
    groups: GroupList
    as_of: dt.date | None = Field(
        default=None,
        description="a past cut-off date (a bank replaying the applications it decided before); default the latest",
    )


class IndicatorPublic(BaseModel):
    name: str
    group: str
    value: bool | int | Decimal | str | None
    definition_version: str


class ReleasePublic(BaseModel):
    query_id: str
    consent_id: str
    as_of: dt.date
    indicators: list[IndicatorPublic]
    uses: int

    @classmethod
    def of(cls, release: Release) -> ReleasePublic:
        return cls(
            query_id=release.query_id,
            consent_id=release.consent_id,
            as_of=release.as_of,
            indicators=[
                IndicatorPublic(name=v.name, group=v.group, value=v.value, definition_version=v.definition_version)
                for v in release.indicators
            ],
            uses=release.uses,
        )


class BulkItemCreate(_In):
    consent_id: ConsentId
    subject_id: SubjectNumber
    groups: GroupList


class BulkQueryCreate(_In):
    purpose: Code
    items: Annotated[list[BulkItemCreate], Field(min_length=1, max_length=500)]
    as_of: dt.date | None = Field(
        default=None, description="a past cut-off date for every item (a bank replaying its history); default latest"
    )


class BulkResultPublic(BaseModel):
    consent_id: str
    served: bool
    reason: str | None = None
    message: str | None = None
    release: ReleasePublic | None = None

    @classmethod
    def of(cls, outcome: BulkOutcome) -> BulkResultPublic:
        if outcome.release is not None:
            return cls(consent_id=outcome.consent_id, served=True, release=ReleasePublic.of(outcome.release))
        assert outcome.refusal is not None
        return cls(
            consent_id=outcome.consent_id,
            served=False,
            reason=outcome.refusal.code,
            message=outcome.refusal.message,
        )


class BulkPublic(BaseModel):
    served: int
    refused: int
    results: list[BulkResultPublic]


class AccessPublic(BaseModel):
    query_id: str
    at: dt.datetime
    institution_id: str
    institution_name: str
    consent_id: str | None
    purpose: str
    groups: list[str]
    outcome: str
    reason: str

    @classmethod
    def of(cls, view: AccessView) -> AccessPublic:
        access = view.access
        return cls(
            query_id=access.id,
            at=access.at,
            institution_id=access.institution_id,
            institution_name=view.institution_name,
            consent_id=access.consent_id,
            purpose=access.purpose,
            groups=list(access.groups),
            outcome=access.outcome.value,
            reason=access.reason,
        )


# Credit loop ----------------------------------------------------------------------------------------------------


class DefaultReportCreate(_In):
    subject_id: SubjectNumber
    loan_reference: Annotated[str, StringConstraints(min_length=1, max_length=64), AfterValidator(_storable)]
    amount_band: AmountBand
    default_date: dt.date
    notified_on: dt.date
    notice_evidence: LongText


class ObjectionCreate(_In):
    statement: LongText


class ObjectionAnswer(_In):
    upheld: bool
    answer: LongText


class ListingPublic(BaseModel):
    id: str
    masked_subject: str
    institution_id: str
    loan_reference: str
    amount_band: AmountBand
    default_date: dt.date
    listed_on: dt.date
    expires_on: dt.date
    status: str
    objection: str | None
    objected_on: dt.date | None
    answer_due: dt.date | None
    answer: str | None
    removed_on: dt.date | None
    removal_reason: str | None

    @classmethod
    def of(cls, listing: Listing) -> ListingPublic:
        return cls(
            id=listing.id,
            masked_subject=listing.masked_subject,
            institution_id=listing.institution_id,
            loan_reference=listing.loan_reference,
            amount_band=listing.amount_band,
            default_date=listing.default_date,
            listed_on=listing.listed_on,
            expires_on=listing.expires_on,
            status=listing.status.value,
            objection=listing.objection,
            objected_on=listing.objected_on,
            answer_due=listing.answer_due,
            answer=listing.answer,
            removed_on=listing.removed_on,
            removal_reason=listing.removal_reason.value if listing.removal_reason else None,
        )


# Audit and fees -------------------------------------------------------------------------------------------------


class FindingPublic(BaseModel):
    seq: int
    kind: str
    message: str


class AuditVerificationPublic(BaseModel):
    intact: bool
    records: int
    head_seq: int | None
    findings: list[FindingPublic]

    @classmethod
    def of(cls, verification: AuditVerification) -> AuditVerificationPublic:
        return cls(
            intact=verification.intact,
            records=verification.records,
            head_seq=verification.head.seq if verification.head else None,
            findings=[FindingPublic(seq=f.seq, kind=f.kind.value, message=f.message) for f in verification.findings],
        )


class StatementLinePublic(BaseModel):
    purpose: str
    group: str
    queries: int
    unit_price: Decimal
    amount: Decimal


class StatementPublic(BaseModel):
    institution_id: str
    institution_name: str
    institution_type: InstitutionType
    year: int
    admitted_days: int
    annual_fee: Decimal
    queries: int
    lines: list[StatementLinePublic]
    total: Decimal

    @classmethod
    def of(cls, statement: Statement) -> StatementPublic:
        return cls(
            institution_id=statement.institution_id,
            institution_name=statement.institution_name,
            institution_type=statement.institution_type,
            year=statement.year,
            admitted_days=statement.admitted_days,
            annual_fee=statement.annual_fee,
            queries=statement.queries,
            lines=[
                StatementLinePublic(
                    purpose=line.purpose,
                    group=line.group,
                    queries=line.queries,
                    unit_price=line.unit_price,
                    amount=line.amount,
                )
                for line in statement.lines
            ],
            total=statement.total,
        )
