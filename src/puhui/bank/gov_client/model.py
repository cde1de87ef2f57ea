"""What the bank asks of the government node and what it gets back, as plain values, and the port
(``GovGateway``) the decision flow depends on; ``client.HttpGovClient`` implements it over HTTP."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from puhui.core.errors import UpstreamUnavailable
from puhui.core.ids import SubjectKind


@dataclasses.dataclass(frozen=True, slots=True)
class ConsentTerms:
    """What the bank asks the applicant to allow: a one-time read for a loan application by default."""

    purpose: str = "loan_application"
    lookback_months: int = 60
    data_life_days: int = 365  # how long the bank may keep what it receives
    validity_days: int = 30
    fetch_type: str = "one_time"
    frequency_count: int = 1
    frequency_unit: str = "consent"


@dataclasses.dataclass(frozen=True, slots=True)
class ConsentRequest:
    subject_kind: SubjectKind
    subject_id: str  # plaintext: it crosses to the government node only, which pseudonymizes it
    groups: tuple[str, ...]
    terms: ConsentTerms
    reference: str  # the bank's application id (for the bank's own log; the node issues its own consent id)


@dataclasses.dataclass(frozen=True, slots=True)
class PendingConsent:
    """A consent the government node opened for the applicant to read and sign there."""

    consent_id: str
    status: str
    groups: tuple[str, ...]
    data_life_days: int
    letter_hash: str | None = None
    required_clauses: tuple[str, ...] = ()
    expires_at: dt.datetime | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class ReceivedIndicatorSet:
    """Indicators released under a consent: values, their definition versions and the data's as-of date."""

    consent_id: str
    as_of: dt.date
    values: Mapping[str, Any]
    versions: Mapping[str, str]
    groups: Mapping[str, str]  # indicator name -> its group


@dataclasses.dataclass(frozen=True, slots=True)
class BulkAnswer:
    """One item of a bulk query: its indicators, or why the node refused it."""

    consent_id: str
    received: ReceivedIndicatorSet | None
    refusal: str | None = None  # the node's machine-readable reason
    message: str | None = None


class GovGateway(Protocol):
    def request_consent(self, request: ConsentRequest, *, idempotency_key: str) -> PendingConsent: ...

    def consent(self, consent_id: str) -> PendingConsent: ...

    def query_indicators(
        self,
        consent_id: str,
        subject_kind: SubjectKind,
        subject_id: str,
        groups: Sequence[str],
        *,
        purpose: str,
        as_of: dt.date | None = None,
        idempotency_key: str,
    ) -> ReceivedIndicatorSet: ...

    def query_indicators_bulk(
        self,
        items: Sequence[tuple[str, str]],  # (consent id, subject id)
        groups: Sequence[str],
        *,
        purpose: str,
        as_of: dt.date | None = None,
        idempotency_key: str,
    ) -> list[BulkAnswer]: ...


class OfflineGov:
    """The gateway of a job that must not reach the government node (training): every call is unavailable."""

    def request_consent(self, request: ConsentRequest, *, idempotency_key: str) -> PendingConsent:
        raise UpstreamUnavailable("this job runs without the government node")

    def consent(self, consent_id: str) -> PendingConsent:
        raise UpstreamUnavailable("this job runs without the government node")

    def query_indicators(
        self,
        consent_id: str,
        subject_kind: SubjectKind,
        subject_id: str,
        groups: Sequence[str],
        *,
        purpose: str,
        as_of: dt.date | None = None,
        idempotency_key: str,
    ) -> ReceivedIndicatorSet:
        raise UpstreamUnavailable("this job runs without the government node")

    def query_indicators_bulk(
        self,
        items: Sequence[tuple[str, str]],
        groups: Sequence[str],
        *,
        purpose: str,
        as_of: dt.date | None = None,
        idempotency_key: str,
    ) -> list[BulkAnswer]:
        raise UpstreamUnavailable("this job runs without the government node")


__all__ = [
    "BulkAnswer",
    "ConsentRequest",
    "ConsentTerms",
    "GovGateway",
    "OfflineGov",
    "PendingConsent",
    "ReceivedIndicatorSet",
]
