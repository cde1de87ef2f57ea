"""A harness for the government node's service over HTTP: a node on a given database with a fixed, movable
clock and an in-memory indicator reader, and the calls every test needs (admit a bank, sign its requests with
``puhui.core.signing`` as the bank's client will, verify an applicant's identity, request and grant consents)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from puhui.core.ids import credit_code_check_char, resident_id_check_digit
from puhui.core.signing import load_private_key, sign_request
from puhui.gov.api.app import create_app
from puhui.gov.audit.model import AuditRecord
from puhui.gov.bootstrap import GovNode, bootstrap
from puhui.gov.config import GovSettings
from puhui.gov.queries.reader import DEMO_GROUPS, DEMO_VALUES, InMemoryIndicatorReader

ADMIN_TOKEN = "test-admin-token-0123456789"
START = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)  # 10:00 in Xinyu
AS_OF = dt.date(2026, 2, 28)
# In-loan monitoring of a loan maturing 2027-03-01: the judicial group, fetched at most once a month.
MONTHLY_MONITORING = {
    "purpose": "in_loan_monitoring",
    "groups": ["judicial"],
    "lookback_months": 12,
    "fetch_type": "periodic",
    "frequency": {"count": 1, "unit": "month"},
    "validity_days": 365,
    "loan_maturity": "2027-03-01",
}


def resident_id(number: int) -> str:
    first = f"36050219900101{number:03d}"
    return first + resident_id_check_digit(first)


def credit_code(number: int) -> str:
    first = f"913605001583{number:05d}"
    return first + credit_code_check_char(first)


class Clock:
    """The node's clock in tests: fixed until moved."""

    def __init__(self, start: dt.datetime = START) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def gov_settings(home: Path, database_url: str, **extra: Any) -> GovSettings:
    return GovSettings(
        home=home,
        profile="development",
        gov_database_url=database_url,
        gov_admin_token=ADMIN_TOKEN,
        gov_signing_key="5a" * 32,
        pseudonym_keys="1:" + "c3" * 32,
        **extra,
    )


@dataclasses.dataclass
class Bank:
    id: str
    key: Ed25519PrivateKey


class GovHarness:
    def __init__(self, node: GovNode, client: TestClient, clock: Clock) -> None:
        self.node, self.client, self.clock = node, client, clock
        self.admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        self.reader: InMemoryIndicatorReader = node.reader  # type: ignore[assignment]

    # institutions --------------------------------------------------------------------------------------------
    def admit(
        self,
        number: int = 1,
        *,
        type: str = "bank",
        purposes: tuple[str, ...] = ("loan_application", "in_loan_monitoring"),
        groups: tuple[str, ...] = ("identity_basic", "social_insurance", "judicial", "tax"),
    ) -> Bank:
        response = self.client.post(
            "/v1/admin/institutions",
            headers=self.admin,
            json={
                "name": f"测试银行{number}",
                "credit_code": credit_code(number),
                "type": type,
                "purposes": list(purposes),
                "groups": list(groups),
            },
        )
        assert response.status_code == 201, response.text
        body = response.json()
        return Bank(body["key_id"], load_private_key(body["private_key_pem"]))

    def signed(
        self,
        bank: Bank,
        method: str,
        path: str,
        payload: Any = None,
        *,
        nonce: str | None = None,
        timestamp: int | None = None,
        key: Ed25519PrivateKey | None = None,
        body: bytes | None = None,
        idempotency_key: str | None = None,
    ) -> httpx.Response:
        """Sign ``payload`` as the bank's client does; ``body`` sends other bytes than were signed (tampering)."""
        signed_bytes = json.dumps(payload).encode() if payload is not None else b""
        content = body if body is not None else signed_bytes
        signature = sign_request(
            key or bank.key,
            bank.id,
            method,
            path,
            signed_bytes,
            timestamp=timestamp if timestamp is not None else int(self.clock().timestamp()),
            nonce=nonce,
        )
        headers = {**signature.headers(), "content-type": "application/json"}
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        return self.client.request(method, path, content=content, headers=headers)

    # applicants ----------------------------------------------------------------------------------------------
    def session(self, subject: str, name: str = "张三") -> dict[str, str]:
        challenge = self.client.post("/v1/identity/challenges", json={"id_number": subject, "name": name})
        assert challenge.status_code == 201, challenge.text
        started = challenge.json()
        confirmed = self.client.post(
            "/v1/identity/sessions",
            json={"challenge_id": started["challenge_id"], "code": started["development_code"]},
        )
        assert confirmed.status_code == 201, confirmed.text
        return {"Authorization": f"Bearer {confirmed.json()['token']}"}

    # consents ------------------------------------------------------------------------------------------------
    def request_consent(
        self, bank: Bank, subject: str, idempotency_key: str | None = None, **terms: Any
    ) -> httpx.Response:
        payload = {
            "subject_id": subject,
            "purpose": "loan_application",
            "groups": ["identity_basic", "tax"],
            "lookback_months": 24,
            "fetch_type": "one_time",
            "frequency": {"count": 1, "unit": "consent"},
            "data_life_days": 365,
            "validity_days": 30,
        } | terms
        return self.signed(bank, "POST", "/v1/consent-requests", payload, idempotency_key=idempotency_key)

    def grant(self, session: dict[str, str], consent: dict[str, Any]) -> dict[str, Any]:
        response = self.client.post(
            f"/v1/me/consents/{consent['id']}/grant",
            headers=session,
            json={"letter_hash": consent["letter_hash"], "accepted_clauses": consent["required_clauses"]},
        )
        assert response.status_code == 200, response.text
        granted: dict[str, Any] = response.json()
        return granted

    def consent(self, bank: Bank, subject: str, session: dict[str, str] | None = None, **terms: Any) -> dict[str, Any]:
        requested = self.request_consent(bank, subject, **terms)
        assert requested.status_code == 201, requested.text
        return self.grant(session or self.session(subject), requested.json())

    def query(
        self,
        bank: Bank,
        consent: dict[str, Any],
        subject: str,
        groups: list[str] | None = None,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> httpx.Response:
        payload = {
            "consent_id": consent["id"],
            "subject_id": subject,
            "purpose": consent["purpose"],
            "groups": groups or consent["groups"],
        } | extra
        return self.signed(bank, "POST", "/v1/indicator-queries", payload, idempotency_key=idempotency_key)

    # audit ---------------------------------------------------------------------------------------------------
    def audit(self) -> list[AuditRecord]:
        with self.node.uow() as uow:
            return list(uow.audit.records())


def demo_reader() -> InMemoryIndicatorReader:
    return InMemoryIndicatorReader(DEMO_GROUPS, as_of=AS_OF, default=DEMO_VALUES)


@contextmanager
def running_node(home: Path, database_url: str, clock: Clock | None = None) -> Iterator[GovHarness]:
    clock = clock or Clock()
    node = bootstrap(gov_settings(home, database_url), reader=demo_reader(), clock=clock)
    try:
        with TestClient(create_app(node)) as client:
            yield GovHarness(node, client, clock)
    finally:
        node.engine.dispose()


__all__ = [
    "ADMIN_TOKEN",
    "AS_OF",
    "START",
    "Bank",
    "Clock",
    "GovHarness",
    "credit_code",
    "demo_reader",
    "gov_settings",
    "resident_id",
    "running_node",
]
