"""``HttpGovClient``: the bank's typed client of the government node's institution API.

It implements ``GovGateway`` over ``SignedTransport``: requests are signed with the institution's key (its
institution id is the key id), bounded by a timeout, retried only when that cannot do the work twice, and
every failure surfaces as a ``puhui.core.errors`` error — ``UpstreamUnavailable`` whenever the node could not
be reached or did not answer in time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from puhui.bank.gov_client.model import BulkAnswer, ConsentRequest, PendingConsent, ReceivedIndicatorSet
from puhui.bank.gov_client.transport import SignedTransport, channel
from puhui.core.errors import PuhuiError, UpstreamUnavailable
from puhui.core.ids import SubjectKind


class HttpGovClient:
    def __init__(
        self,
        base_url: str,
        *,
        key_id: str,
        private_key: Ed25519PrivateKey,
        timeout_seconds: float = 2.0,
        retries: int = 2,
        transport: httpx.BaseTransport | None = None,
        language: str = "zh-CN",
    ) -> None:
        self.http = channel(base_url, timeout_seconds, transport)
        self.calls = SignedTransport(self.http, key_id=key_id, private_key=private_key, retries=retries)
        self.language = language

    def close(self) -> None:
        self.http.close()

    def request_consent(self, request: ConsentRequest, *, idempotency_key: str) -> PendingConsent:
        terms = request.terms
        body = {
            "subject_id": request.subject_id,
            "purpose": terms.purpose,
            "groups": list(request.groups),
            "lookback_months": terms.lookback_months,
            "fetch_type": terms.fetch_type,
            "frequency": {"count": terms.frequency_count, "unit": terms.frequency_unit},
            "data_life_days": terms.data_life_days,
            "validity_days": terms.validity_days,
            "language": self.language,
        }
        return pending_consent(self.calls.call("POST", "/v1/consent-requests", body, idempotency_key=idempotency_key))

    def consent(self, consent_id: str) -> PendingConsent:
        return pending_consent(self.calls.call("GET", f"/v1/consents/{consent_id}"))

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
        body: dict[str, Any] = {
            "consent_id": consent_id,
            "subject_id": subject_id,
            "purpose": purpose,
            "groups": list(groups),
        }
        if as_of is not None:  # a past as-of: the replay of historical applications
            body["as_of"] = as_of.isoformat()
        answer = self.calls.call("POST", "/v1/indicator-queries", body, idempotency_key=idempotency_key)
        return received_indicators(answer)

    def query_indicators_bulk(
        self,
        items: Sequence[tuple[str, str]],
        groups: Sequence[str],
        *,
        purpose: str,
        as_of: dt.date | None = None,
        idempotency_key: str,
    ) -> list[BulkAnswer]:
        """Many consented subjects in one call (at most 500), each served or refused on its own."""
        body: dict[str, Any] = {
            "purpose": purpose,
            "items": [{"consent_id": c, "subject_id": s, "groups": list(groups)} for c, s in items],
        }
        if as_of is not None:
            body["as_of"] = as_of.isoformat()
        answer = self.calls.call("POST", "/v1/indicator-queries/bulk", body, idempotency_key=idempotency_key)
        return [
            BulkAnswer(
                consent_id=str(result["consent_id"]),
                received=received_indicators(result["release"]) if result.get("served") else None,
                refusal=result.get("reason"),
                message=result.get("message"),
            )
            for result in answer["results"]
        ]

    def is_up(self) -> bool:
        try:
            self.calls.call("GET", "/v1/health", signed=False)
        except PuhuiError:
            return False
        return True


def pending_consent(answer: Mapping[str, Any]) -> PendingConsent:
    expires = answer.get("expires_at") or answer.get("request_expires_at")
    return PendingConsent(
        consent_id=str(answer["id"]),
        status=str(answer["status"]),
        groups=tuple(answer["groups"]),
        data_life_days=int(answer["data_life_days"]),
        letter_hash=answer.get("letter_hash"),
        required_clauses=tuple(answer.get("required_clauses") or ()),
        expires_at=dt.datetime.fromisoformat(expires) if expires else None,
    )


def received_indicators(answer: Mapping[str, Any]) -> ReceivedIndicatorSet:
    try:
        items = answer["indicators"]
        return ReceivedIndicatorSet(
            consent_id=str(answer["consent_id"]),
            as_of=dt.date.fromisoformat(answer["as_of"]),
            values={str(i["name"]): i.get("value") for i in items},
            versions={str(i["name"]): str(i["definition_version"]) for i in items},
            groups={str(i["name"]): str(i["group"]) for i in items},
        )
    except (KeyError, TypeError, ValueError) as err:
        raise UpstreamUnavailable(f"the government node answered an unreadable release: {err}") from None


__all__ = ["HttpGovClient", "pending_consent", "received_indicators"]
