"""The applicant's side of the consent flow, driven by a program: for the demo, tests and benchmarks only.

In production the applicant verifies their identity (face and SMS) and signs the letter themselves, at the
government node, in its app or web page; the bank never touches those steps. Here a development node hands the
one-time code back in its API, so a script can play the applicant: verify, read the letter, accept every clause.
"""

from __future__ import annotations

from typing import Any

import httpx

from puhui.bank.gov_client.transport import SignedTransport, channel
from puhui.core.errors import ValidationError


class ApplicantAgent:
    """Plays applicants against a development government node."""

    def __init__(
        self, base_url: str, *, timeout_seconds: float = 5.0, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.http = channel(base_url, timeout_seconds, transport)
        # Applicant calls are not institution-signed; the transport is reused for its error mapping.
        self.calls = SignedTransport(self.http, retries=0)

    def close(self) -> None:
        self.http.close()

    def sign_consent(self, consent_id: str, subject_id: str, name: str) -> dict[str, Any]:
        """Verify the identity, read the letter and grant it with every clause accepted; the consent as granted."""
        bearer = self._session(subject_id, name)
        letter = self.calls.call("GET", f"/v1/me/consents/{consent_id}", signed=False, headers=bearer)
        granted: dict[str, Any] = self.calls.call(
            "POST",
            f"/v1/me/consents/{consent_id}/grant",
            {"letter_hash": letter["letter_hash"], "accepted_clauses": letter["required_clauses"]},
            signed=False,
            headers=bearer,
        )
        self.calls.call("DELETE", "/v1/identity/sessions/current", signed=False, headers=bearer)
        return granted

    def reject_consent(self, consent_id: str, subject_id: str, name: str) -> dict[str, Any]:
        bearer = self._session(subject_id, name)
        rejected: dict[str, Any] = self.calls.call(
            "POST", f"/v1/me/consents/{consent_id}/reject", signed=False, headers=bearer
        )
        self.calls.call("DELETE", "/v1/identity/sessions/current", signed=False, headers=bearer)
        return rejected

    def _session(self, subject_id: str, name: str) -> dict[str, str]:
        """Verify the identity with the one-time code; the session's authorization header."""
        challenge = self.calls.call(
            "POST", "/v1/identity/challenges", {"id_number": subject_id, "name": name}, signed=False
        )
        code = challenge.get("development_code")
        if not code:
            raise ValidationError("the government node sends codes by SMS: only a development node can be scripted")
        session = self.calls.call(
            "POST", "/v1/identity/sessions", {"challenge_id": challenge["challenge_id"], "code": code}, signed=False
        )
        return {"Authorization": f"Bearer {session['token']}"}


__all__ = ["ApplicantAgent"]
