"""The consent artefact (modelled on India's Account Aggregator) and its lifecycle (pure: no framework).

A bank asks for a consent (``PENDING``); the applicant, after verifying their identity, reads the
authorization letter and signs it (``ACTIVE``) or rejects it (``REJECTED``). The signed terms never change —
changing a consent means issuing a new one; only the status and the use counter move. ``refusal`` says why a
query may not be served; the store increments the use counter atomically under the same conditions.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import secrets
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from puhui.core.clock import CHINA_TIME
from puhui.core.errors import PermissionDenied, ValidationError
from puhui.gov.lifecycle import next_state

ARTEFACT_SCHEMA = "puhui-consent-1"


class ConsentStatus(enum.StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    PAUSED = "paused"
    REVOKED = "revoked"
    EXPIRED = "expired"
    REJECTED = "rejected"


class ConsentEvent(enum.StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    PAUSE = "pause"
    RESUME = "resume"
    REVOKE = "revoke"
    EXPIRE = "expire"


CONSENT_TRANSITIONS: dict[tuple[ConsentStatus, ConsentEvent], ConsentStatus] = {
    (ConsentStatus.PENDING, ConsentEvent.APPROVE): ConsentStatus.ACTIVE,
    (ConsentStatus.PENDING, ConsentEvent.REJECT): ConsentStatus.REJECTED,
    (ConsentStatus.PENDING, ConsentEvent.EXPIRE): ConsentStatus.EXPIRED,
    (ConsentStatus.ACTIVE, ConsentEvent.PAUSE): ConsentStatus.PAUSED,
    (ConsentStatus.ACTIVE, ConsentEvent.REVOKE): ConsentStatus.REVOKED,
    (ConsentStatus.ACTIVE, ConsentEvent.EXPIRE): ConsentStatus.EXPIRED,
    (ConsentStatus.PAUSED, ConsentEvent.RESUME): ConsentStatus.ACTIVE,
    (ConsentStatus.PAUSED, ConsentEvent.REVOKE): ConsentStatus.REVOKED,
    (ConsentStatus.PAUSED, ConsentEvent.EXPIRE): ConsentStatus.EXPIRED,
}


class FetchType(enum.StrEnum):
    ONE_TIME = "one_time"
    PERIODIC = "periodic"


class FrequencyUnit(enum.StrEnum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"
    CONSENT = "consent"  # over the whole life of the consent (one-time fetches)


# Only to compare rates (is 12 a year at most monthly?); periods themselves are calendar periods.
_UNIT_DAYS = {FrequencyUnit.DAY: 1, FrequencyUnit.MONTH: 30, FrequencyUnit.YEAR: 365}


@dataclasses.dataclass(frozen=True, slots=True)
class Frequency:
    """At most ``count`` uses per ``unit``."""

    count: int
    unit: FrequencyUnit

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValidationError("a frequency allows at least one use")

    def period_key(self, at: dt.datetime) -> str:
        """Names the period ``at`` falls in; uses are counted per period."""
        local = at.astimezone(CHINA_TIME)
        if self.unit is FrequencyUnit.DAY:
            return local.date().isoformat()
        if self.unit is FrequencyUnit.MONTH:
            return f"{local.year:04d}-{local.month:02d}"
        if self.unit is FrequencyUnit.YEAR:
            return f"{local.year:04d}"
        return "all"

    def at_most(self, cap: Frequency) -> bool:
        if (self.unit is FrequencyUnit.CONSENT) != (cap.unit is FrequencyUnit.CONSENT):
            return False
        if self.unit is FrequencyUnit.CONSENT:
            return self.count <= cap.count
        return Fraction(self.count, _UNIT_DAYS[self.unit]) <= Fraction(cap.count, _UNIT_DAYS[cap.unit])


@dataclasses.dataclass(frozen=True, slots=True)
class ConsentTerms:
    """What an institution asks for, what the letter says and what the artefact fixes."""

    purpose: str
    groups: tuple[str, ...]
    lookback_months: int
    fetch_type: FetchType
    frequency: Frequency
    data_life_days: int
    validity_days: int
    loan_maturity: dt.date | None = None

    def __post_init__(self) -> None:
        if not self.groups:
            raise ValidationError("a consent covers at least one indicator group")
        if len(set(self.groups)) != len(self.groups):
            raise ValidationError("an indicator group is listed twice")
        if min(self.lookback_months, self.data_life_days, self.validity_days) < 1:
            raise ValidationError("lookback, data life and validity are at least 1")
        one_time = self.fetch_type is FetchType.ONE_TIME
        if one_time != (self.frequency.unit is FrequencyUnit.CONSENT):
            raise ValidationError(
                "a one-time consent counts uses over the whole consent (unit 'consent'); a periodic one per "
                "day, month or year",
                code="frequency_mismatch",
            )

    def expiry_from(self, start: dt.datetime) -> dt.datetime:
        """``validity_days`` after the start, and never past the end of the loan's maturity day."""
        expiry = start + dt.timedelta(days=self.validity_days)
        if self.loan_maturity is not None:
            maturity_end = dt.datetime.combine(
                self.loan_maturity + dt.timedelta(days=1), dt.time(), tzinfo=CHINA_TIME
            ).astimezone(dt.UTC)
            expiry = min(expiry, maturity_end)
        return expiry


@dataclasses.dataclass(frozen=True, slots=True)
class Letter:
    """The authorization letter exactly as shown, and the clauses the applicant must accept to sign it."""

    version: str
    language: str
    text: str
    hash: str  # SM3 hex of ``text``
    clauses: tuple[str, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class Refusal:
    code: str
    message: str

    def error(self) -> PermissionDenied:
        return PermissionDenied(self.message, code=self.code)


@dataclasses.dataclass(frozen=True, slots=True)
class Consent:
    id: str
    status: ConsentStatus
    institution_id: str
    subject_pseudonym: str
    masked_subject: str
    terms: ConsentTerms
    letter: Letter
    requested_at: dt.datetime
    request_expires_at: dt.datetime
    status_changed_at: dt.datetime
    starts_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    accepted_clauses: tuple[str, ...] = ()
    artefact: Mapping[str, Any] | None = None
    signature: str | None = None
    uses: int = 0

    def after(self, event: ConsentEvent, at: dt.datetime) -> Consent:
        status = next_state(CONSENT_TRANSITIONS, self.status, event, "consent")
        return dataclasses.replace(self, status=status, status_changed_at=at)

    def lapsed(self, now: dt.datetime) -> bool:
        """Past its time: an unsigned request past its deadline, or a consent past its expiry."""
        if self.status is ConsentStatus.PENDING:
            return now >= self.request_expires_at
        if self.status in (ConsentStatus.ACTIVE, ConsentStatus.PAUSED):
            return self.expires_at is not None and now >= self.expires_at
        return False

    def approved(
        self, *, at: dt.datetime, accepted_clauses: Sequence[str], artefact: Mapping[str, Any], signature: str
    ) -> Consent:
        signed = self.after(ConsentEvent.APPROVE, at)
        return dataclasses.replace(
            signed,
            starts_at=at,
            expires_at=self.terms.expiry_from(at),
            accepted_clauses=tuple(accepted_clauses),
            artefact=dict(artefact),
            signature=signature,
        )

    def refusal(
        self, *, institution_id: str, purpose: str, subject_pseudonym: str, groups: Sequence[str], now: dt.datetime
    ) -> Refusal | None:
        """Why this consent does not cover the query, or ``None``; frequency is left to the atomic counter."""
        if institution_id != self.institution_id:
            return Refusal("consent_other_institution", "the consent was given to another institution")
        if purpose != self.terms.purpose:
            return Refusal("consent_purpose_mismatch", f"the consent is for {self.terms.purpose}, not {purpose}")
        if subject_pseudonym != self.subject_pseudonym:
            return Refusal("consent_subject_mismatch", "the consent was given by another subject")
        if self.status is not ConsentStatus.ACTIVE:
            return Refusal(f"consent_{self.status.value}", f"the consent is {self.status.value}")
        if self.lapsed(now):
            return Refusal("consent_expired", "the consent has expired")
        if self.starts_at is None or now < self.starts_at:
            return Refusal("consent_not_started", "the consent is not in force yet")
        outside = sorted(set(groups) - set(self.terms.groups))
        if outside:
            return Refusal("group_not_consented", f"no consent for the indicator groups {', '.join(outside)}")
        return None


def new_consent_id() -> str:
    return f"con_{secrets.token_hex(12)}"


def build_artefact(
    consent: Consent,
    *,
    institution_name: str,
    institution_credit_code: str,
    start: dt.datetime,
    accepted_clauses: Sequence[str],
) -> dict[str, Any]:
    """The immutable consent artefact the node signs (status and uses live beside it, not in it)."""
    terms = consent.terms
    return {
        "schema": ARTEFACT_SCHEMA,
        "id": consent.id,
        "subject": {"pseudonym": consent.subject_pseudonym, "masked_id": consent.masked_subject},
        "institution": {"id": consent.institution_id, "name": institution_name, "credit_code": institution_credit_code},
        "purpose": terms.purpose,
        "indicator_groups": list(terms.groups),
        "lookback_months": terms.lookback_months,
        "fetch_type": terms.fetch_type.value,
        "frequency": {"count": terms.frequency.count, "unit": terms.frequency.unit.value},
        "data_life_days": terms.data_life_days,
        "start": start.astimezone(dt.UTC).isoformat(),
        "expiry": terms.expiry_from(start).astimezone(dt.UTC).isoformat(),
        "loan_maturity": terms.loan_maturity.isoformat() if terms.loan_maturity else None,
        "letter": {"version": consent.letter.version, "language": consent.letter.language, "hash": consent.letter.hash},
        "accepted_clauses": sorted(accepted_clauses),
    }


__all__ = [
    "ARTEFACT_SCHEMA",
    "CONSENT_TRANSITIONS",
    "Consent",
    "ConsentEvent",
    "ConsentStatus",
    "ConsentTerms",
    "FetchType",
    "Frequency",
    "FrequencyUnit",
    "Letter",
    "Refusal",
    "build_artefact",
    "new_consent_id",
]
