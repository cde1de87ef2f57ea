"""``HttpGovClient``: the bank's typed client of the government node's institution API (``docs/api-gov.md``).

It implements ``GovGateway`` over ``SignedTransport``: requests are signed with the institution's key, bounded by
a timeout, retried only under an idempotency key, and every failure surfaces as a ``puhui.core.errors`` error —
``UpstreamUnavailable`` whenever the node could not be reached or did not answer in time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from puhui.bank.gov_client.model import ConsentRequest, PendingConsent, ReceivedIndicatorSet
from puhui.bank.gov_client.transport import SignedTransport
from puhui.core.errors import UpstreamUnavailable
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
        self.http = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout_seconds, connect=min(timeout_seconds, 1.0)),
            transport=transport,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
        )
        self.calls = SignedTransport(self.http, key_id=key_id, private_key=private_key, retries=retries)
        self.language = language

    def close(self) -> None:
        self.http.close()

    def request_consent(self, request: ConsentRequest, *, idempotency_key: str) -> PendingConsent:
        body = {
            "subject_id": request.subject_id,
            "purpose": request.purpose,
            "groups": list(request.groups),
            "reference": request.reference,
            "language": self.language,
        }
        answer = self.calls.call("POST", "/v1/consents", body, idempotency_key=idempotency_key)
        return _pending(answer)

    def consent(self, consent_id: str) -> PendingConsent:
        return _pending(self.calls.call("GET", f"/v1/consents/{consent_id}"))

    def query_indicators(
        self,
        consent_id: str,
        subject_kind: SubjectKind,
        subject_id: str,
        groups: Sequence[str],
        *,
        as_of: dt.date | None = None,
        idempotency_key: str,
    ) -> ReceivedIndicatorSet:
        body: dict[str, Any] = {"consent_id": consent_id, "subject_id": subject_id, "groups": list(groups)}
        if as_of is not None:
            body["as_of"] = as_of.isoformat()
        answer = self.calls.call("POST", "/v1/indicator-queries", body, idempotency_key=idempotency_key)
        return _received(consent_id, answer)

    def ping(self) -> bool:
        try:
            self.calls.call("GET", "/health", signed=False)
        except UpstreamUnavailable:
            return False
        return True


def _consent_body(answer: Mapping[str, Any]) -> Mapping[str, Any]:
    consent = answer.get("consent", answer)
    return consent if isinstance(consent, Mapping) else answer


def _pending(answer: Mapping[str, Any]) -> PendingConsent:
    consent = _consent_body(answer)
    terms = consent.get("terms") or consent.get("artefact") or consent
    expires = consent.get("expires_at")
    return PendingConsent(
        consent_id=str(consent["id"]),
        status=str(consent.get("status", "pending")),
        groups=tuple(terms.get("groups") or terms.get("indicator_groups") or ()),
        required_clauses=tuple(consent.get("required_clauses") or consent.get("clauses") or ()),
        data_life_days=terms.get("data_life_days"),
        expires_at=dt.datetime.fromisoformat(expires) if expires else None,
    )


def _received(consent_id: str, answer: Mapping[str, Any]) -> ReceivedIndicatorSet:
    indicators = answer["indicators"]
    values: dict[str, Any] = {}
    versions: dict[str, str] = {}
    groups: dict[str, str] = {}
    for item in indicators:
        name = str(item.get("name") or item.get("id"))
        values[name] = item.get("value")
        versions[name] = str(item.get("definition_version") or item.get("version"))
        groups[name] = str(item.get("group", ""))
    return ReceivedIndicatorSet(
        consent_id=consent_id,
        as_of=dt.date.fromisoformat(answer["as_of"]),
        values=values,
        versions=versions,
        groups=groups,
        data_life_days=int(answer.get("data_life_days") or answer.get("consent", {}).get("data_life_days") or 30),
    )


__all__ = ["HttpGovClient"]
