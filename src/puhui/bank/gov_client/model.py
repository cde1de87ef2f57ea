"""What the bank asks of the government node and what it gets back, as plain values, and the port
(``GovGateway``) the decision flow depends on; ``client.HttpGovClient`` implements it over HTTP."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from puhui.core.ids import SubjectKind


@dataclasses.dataclass(frozen=True, slots=True)
class ConsentRequest:
    subject_kind: SubjectKind
    subject_id: str  # plaintext: it crosses to the government node inside TLS only, which pseudonymizes it
    purpose: str
    groups: tuple[str, ...]
    reference: str  # the bank's application id, so the letter and the audit can name it


@dataclasses.dataclass(frozen=True, slots=True)
class PendingConsent:
    """A consent the government node opened for the applicant to read and sign there."""

    consent_id: str
    status: str
    groups: tuple[str, ...]
    required_clauses: tuple[str, ...] = ()
    data_life_days: int | None = None
    expires_at: dt.datetime | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class ReceivedIndicatorSet:
    """Indicators released under a consent: values, their definition versions and the data's as-of date."""

    consent_id: str
    as_of: dt.date
    values: Mapping[str, Any]
    versions: Mapping[str, str]
    groups: Mapping[str, str]  # indicator name -> its group
    data_life_days: int  # how long the consent lets the bank keep them


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
        as_of: dt.date | None = None,
        idempotency_key: str,
    ) -> ReceivedIndicatorSet: ...


__all__ = ["ConsentRequest", "GovGateway", "PendingConsent", "ReceivedIndicatorSet"]
