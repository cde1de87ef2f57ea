"""``FakeGovNode``: an in-memory government node behind ``httpx.MockTransport``, the test double of the client.

It speaks the subset of the node's API the bank uses — consent requests, the applicant's identity and signing
steps, consent-gated indicator queries — with the same paths, bodies, signature checks (Ed25519 over the
canonical request, clock window, replayed nonces), one-time use counting and machine-readable refusals. It can
be taken down (connections refused), made slow (timeouts) or made to answer 503, to test the bank when the
node fails.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import itertools
import json
import re
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from puhui.core.errors import AuthenticationError
from puhui.core.ids import parse_subject_id
from puhui.core.masking import mask_resident_id
from puhui.core.signing import (
    generate_private_key,
    load_public_key,
    private_key_pem,
    public_key_text,
    read_signed_headers,
    verify_request,
)

Handler = Callable[[httpx.Request, dict[str, Any]], httpx.Response]


@dataclasses.dataclass
class _Consent:
    id: str
    institution_id: str
    subject_id: str
    purpose: str
    groups: tuple[str, ...]
    data_life_days: int
    status: str = "pending"
    uses: int = 0
    letter_hash: str = ""


class FakeGovNode:
    """State of the fake node; ``transport()`` is what an ``httpx.Client`` is given."""

    def __init__(self, indicators: Mapping[str, Any] | None = None, as_of: dt.date = dt.date(2025, 5, 31)) -> None:
        self.default_indicators: dict[str, Any] = dict(indicators or {})
        self.indicators_by_subject: dict[str, dict[str, Any]] = {}
        self.groups_of: dict[str, str] = {}  # indicator name -> group (default: the first requested group)
        self.as_of = as_of
        self.public_keys: dict[str, str] = {}
        self.consents: dict[str, _Consent] = {}
        self.sessions: dict[str, str] = {}  # token -> subject id
        self.challenges: dict[str, tuple[str, str]] = {}  # challenge id -> (subject id, code)
        self.nonces: set[str] = set()
        self.down = False  # refuse connections
        self.slow = False  # time out every request
        self.unavailable = 0  # answer this many requests with 503
        self.queries: list[dict[str, Any]] = []  # every served query, for assertions
        self.requests: list[str] = []
        self._ids = itertools.count(1)

    # -- set-up -------------------------------------------------------------------------------------------------
    def admit(self, institution_id: str = "ins_000000000001") -> tuple[str, str]:
        """Admit an institution; its key id and private key PEM, as the real node hands them over."""
        key = generate_private_key()
        self.public_keys[institution_id] = public_key_text(key)
        return institution_id, private_key_pem(key)

    def set_indicators(self, subject_id: str, values: Mapping[str, Any]) -> None:
        self.indicators_by_subject[parse_subject_id(subject_id).value] = {**self.default_indicators, **values}

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    # -- dispatch -------------------------------------------------------------------------------------------------
    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(f"{request.method} {request.url.path}")
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if self.slow:
            raise httpx.ReadTimeout("timed out", request=request)
        if self.unavailable > 0:
            self.unavailable -= 1
            return _error(503, "unavailable", "the node is restarting")
        body = json.loads(request.content) if request.content else {}
        for method, pattern, handler in self._routes():
            match = re.fullmatch(pattern, request.url.path)
            if match and method == request.method:
                try:
                    return handler(request, {**body, **match.groupdict()})
                except AuthenticationError as err:
                    return _error(401, err.code, err.message)
        return _error(404, "not_found", f"no route {request.method} {request.url.path}")

    def _routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("GET", r"/v1/health", lambda _r, _b: httpx.Response(200, json={"status": "ok"})),
            ("POST", r"/v1/consent-requests", self._request_consent),
            ("GET", r"/v1/consents/(?P<consent_id>con_[0-9a-f]+)", self._institution_consent),
            ("POST", r"/v1/indicator-queries", self._query),
            ("POST", r"/v1/indicator-queries/bulk", self._bulk),
            ("POST", r"/v1/identity/challenges", self._challenge),
            ("POST", r"/v1/identity/sessions", self._session),
            ("DELETE", r"/v1/identity/sessions/current", self._end_session),
            ("GET", r"/v1/me/consents/(?P<consent_id>con_[0-9a-f]+)", self._my_consent),
            ("POST", r"/v1/me/consents/(?P<consent_id>con_[0-9a-f]+)/(?P<action>grant|reject|revoke)", self._move),
        ]

    # -- institution side -----------------------------------------------------------------------------------------
    def _institution(self, request: httpx.Request) -> str:
        signed = read_signed_headers(request.headers)
        public = self.public_keys.get(signed.key_id)
        if public is None:
            raise AuthenticationError("unknown institution", code="unknown_institution")
        path = request.url.raw_path.decode()
        verify_request(load_public_key(public), signed, request.method, path, request.content, now=int(time.time()))
        if signed.nonce in self.nonces:
            raise AuthenticationError("the nonce was used before", code="nonce_reused")
        self.nonces.add(signed.nonce)
        return signed.key_id

    def _request_consent(self, request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
        institution = self._institution(request)
        consent = _Consent(
            id=f"con_{next(self._ids):024x}",
            institution_id=institution,
            subject_id=parse_subject_id(body["subject_id"]).value,
            purpose=body["purpose"],
            groups=tuple(body["groups"]),
            data_life_days=int(body["data_life_days"]),
        )
        consent.letter_hash = hashlib.sha256(consent.id.encode()).hexdigest()
        self.consents[consent.id] = consent
        return httpx.Response(201, json=self._public(consent))

    def _institution_consent(self, request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
        institution = self._institution(request)
        consent = self.consents.get(body["consent_id"])
        if consent is None or consent.institution_id != institution:
            return _error(404, "consent_not_found", "no such consent")
        return httpx.Response(200, json=self._public(consent))

    def _query(self, request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
        return self._serve(body, request)

    def _serve(self, body: dict[str, Any], request: httpx.Request, checked: bool = False) -> httpx.Response:
        institution = self._institution(request) if not checked else self._key_id(request)
        consent = self.consents.get(body["consent_id"])
        if consent is None:
            return _error(403, "consent_not_found", "no such consent")
        if consent.institution_id != institution:
            return _error(403, "consent_other_institution", "the consent was given to another institution")
        if consent.subject_id != parse_subject_id(body["subject_id"]).value:
            return _error(403, "consent_subject_mismatch", "the consent was given by another subject")
        if consent.status != "active":
            return _error(403, f"consent_{consent.status}", f"the consent is {consent.status}")
        if set(body["groups"]) - set(consent.groups):
            return _error(403, "group_not_consented", "a group was not consented")
        if consent.uses >= 1:
            return _error(403, "frequency_exhausted", "the consent allows 1 use per consent; none is left")
        consent.uses += 1
        values = self.indicators_by_subject.get(consent.subject_id, self.default_indicators)
        self.queries.append({**body, "idempotency_key": request.headers.get("Idempotency-Key")})
        as_of = body.get("as_of") or self.as_of.isoformat()
        return httpx.Response(
            200,
            json={
                "query_id": f"qry_{secrets.token_hex(8)}",
                "consent_id": consent.id,
                "as_of": as_of,
                "indicators": [
                    {
                        "name": name,
                        "group": self.groups_of.get(name, consent.groups[0]),
                        "value": value,
                        "definition_version": "1",
                    }
                    for name, value in values.items()
                ],
                "uses": consent.uses,
            },
        )

    @staticmethod
    def _key_id(request: httpx.Request) -> str:
        return read_signed_headers(request.headers).key_id

    def _bulk(self, request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
        self._institution(request)
        results = []
        for item in body["items"]:
            one = httpx.Request("POST", request.url, headers=request.headers)
            answer = self._serve({**item, "purpose": body["purpose"], "as_of": body.get("as_of")}, one, checked=True)
            if answer.status_code == 200:
                results.append({"consent_id": item["consent_id"], "served": True, "release": answer.json()})
            else:
                error = answer.json()
                results.append(
                    {
                        "consent_id": item["consent_id"],
                        "served": False,
                        "reason": error["code"],
                        "message": error["message"],
                    }
                )
        served = sum(r["served"] for r in results)
        return httpx.Response(200, json={"served": served, "refused": len(results) - served, "results": results})

    # -- applicant side -------------------------------------------------------------------------------------------
    def _challenge(self, _request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
        subject = parse_subject_id(body["id_number"]).value
        challenge_id, code = f"chl_{secrets.token_hex(12)}", f"{secrets.randbelow(10**6):06d}"
        self.challenges[challenge_id] = (subject, code)
        return httpx.Response(201, json={"challenge_id": challenge_id, "expires_at": _now(), "development_code": code})

    def _session(self, _request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
        subject, code = self.challenges.pop(body["challenge_id"], ("", ""))
        if not subject or code != body["code"]:
            return _error(401, "code_invalid", "wrong one-time code")
        token = secrets.token_urlsafe(24)
        self.sessions[token] = subject
        return httpx.Response(
            201, json={"token": token, "masked_subject": mask_resident_id(subject), "expires_at": _now()}
        )

    def _applicant(self, request: httpx.Request) -> str:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in self.sessions:
            raise AuthenticationError("no session", code="session_invalid")
        return self.sessions[token]

    def _end_session(self, request: httpx.Request, _body: dict[str, Any]) -> httpx.Response:
        self.sessions.pop(request.headers.get("Authorization", "").removeprefix("Bearer "), None)
        return httpx.Response(204)

    def _my_consent(self, request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
        consent = self.consents.get(body["consent_id"])
        if consent is None or consent.subject_id != self._applicant(request):
            return _error(404, "consent_not_found", "no such consent")
        return httpx.Response(200, json={**self._public(consent), "letter_text": "授权书 letter"})

    def _move(self, request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
        consent = self.consents.get(body["consent_id"])
        if consent is None or consent.subject_id != self._applicant(request):
            return _error(404, "consent_not_found", "no such consent")
        action = body["action"]
        allowed = {"grant": ("pending", "active"), "reject": ("pending", "rejected"), "revoke": ("active", "revoked")}
        before, after = allowed[action]
        if consent.status != before:
            return _error(409, f"consent_cannot_{action}", f"cannot {action} a {consent.status} consent")
        if action == "grant" and body.get("letter_hash") != consent.letter_hash:
            return _error(409, "letter_mismatch", "the letter signed is not the letter issued")
        consent.status = after
        return httpx.Response(200, json=self._public(consent))

    @staticmethod
    def _public(consent: _Consent) -> dict[str, Any]:
        return {
            "id": consent.id,
            "status": consent.status,
            "institution_id": consent.institution_id,
            "purpose": consent.purpose,
            "groups": list(consent.groups),
            "data_life_days": consent.data_life_days,
            "uses": consent.uses,
            "letter_hash": consent.letter_hash,
            "required_clauses": ["main"],
            "request_expires_at": _now(),
        }


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def _error(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={"code": code, "message": message})


__all__ = ["FakeGovNode"]
